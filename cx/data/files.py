"""What kind of file a data path is, before anything reads it as rows.

A data path is a CSV (plain, or gzip by suffix or magic bytes), a Parquet file, or a
directory of Parquet files; :func:`check_data_path` refuses, before opening it, a
path that is none of these (missing, empty, a device, a FIFO). :func:`open_text`
opens a CSV as text (a BOM dropped, gzip undone) and :func:`detect_delimiter` picks
the delimiter of a header line. Nothing here knows the mapping or the row rules: the
layout (:mod:`cx.data.layout`) and the diagnosis of unreadable files
(:mod:`cx.data.diagnose`) both build on it.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from cx.errors import DataError, broken_link, special_kind
from cx.models.vocabulary import PARQUET_SUFFIXES

DELIMITER_CANDIDATES = (",", "\t", ";", "|")


#: The byte order marks a UTF-16 file starts with (little- and big-endian).
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")

#: The first bytes of spreadsheet workbooks: a ZIP archive (.xlsx, .ods) and an OLE
#: compound document (.xls), with what each is called in an error.
WORKBOOK_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook is one)",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 (.xls) workbook",
}


def _magic(path: Path, size: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


#: The end of a file read to see how its last line ends.
TAIL_BYTES = 64 * 1024


def file_tail(path: Path, size: int) -> bytes:
    """The last ``size`` bytes of a file (all of a shorter one)."""
    with open(path, "rb") as handle:
        handle.seek(max(0, handle.seek(0, 2) - size))
        return handle.read()


def is_gzip(path: Path) -> bool:
    return path.is_file() and (path.suffix == ".gz" or _magic(path, 2) == b"\x1f\x8b")


def is_parquet(path: Path) -> bool:
    """A Parquet file (by suffix or magic bytes), or a directory of Parquet files (Spark)."""
    if path.is_dir():
        return any(path.glob("*.parquet"))
    return path.suffix.lower() in PARQUET_SUFFIXES or _magic(path, 4) == b"PAR1"


def parquet_columns(path: Path) -> list[str] | None:
    """The column names of a Parquet file (or directory); None for anything else, or a
    file Polars cannot read."""
    if not is_parquet(path):
        return None
    import polars as pl  # here: reading a file's kind needs no Polars

    try:
        return pl.scan_parquet(path, glob=False).collect_schema().names()
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError):
        return None


def open_bytes(path: Path) -> io.BufferedIOBase:
    """A CSV's bytes, gzip undone."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")  # type: ignore[return-value]


def open_text(path: Path, errors: str = "strict") -> io.TextIOBase:
    if is_gzip(path):
        return io.TextIOWrapper(open_bytes(path), encoding="utf-8-sig", errors=errors, newline="")
    return open(path, encoding="utf-8-sig", errors=errors, newline="")


def detect_delimiter(header_line: str) -> str | None:
    counts = {d: header_line.count(d) for d in DELIMITER_CANDIDATES}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else None


def check_data_path(path: Path) -> None:
    """Refuse, before opening it, a path that is no data file: missing, empty, or not a
    regular file (a device or a FIFO would block or never end)."""
    if not path.exists():
        hint = broken_link(path) or "check the --data path"
        raise DataError("data file not found", file=path, hint=hint)
    if path.is_dir():
        if is_parquet(path):
            for part in sorted(path.glob("*.parquet")):
                kind = special_kind(part)
                if kind is not None:
                    raise DataError(f"not a regular file ({kind})", file=part)
            return
        raise DataError(
            "data path is a directory, not a file",
            file=path,
            hint="a directory works only when it holds Parquet files (*.parquet)",
        )
    kind = special_kind(path)
    if kind is not None:
        raise DataError(
            f"not a regular file ({kind})",
            file=path,
            hint="save the data to a file and pass its path with --data",
        )
    if path.stat().st_size == 0:
        raise DataError("data file is empty", file=path, hint="export it again with a header row")
    workbook = WORKBOOK_MAGIC.get(_magic(path, 4))
    if workbook is not None:  # else 'not UTF-8 (byte 0x..)': --encoding lossy cannot help
        raise DataError(
            f"data file is {workbook}, not CSV text",
            file=path,
            hint="save the sheet as CSV (in Excel: 'CSV UTF-8') or Parquet, and pass that file",
        )
    if _magic(path, 2) in UTF16_MARKS:  # else 'not UTF-8 (byte 0xff)', or 'binary'
        raise DataError(
            "data file is UTF-16 text, not UTF-8",
            file=path,
            hint="export it as UTF-8 (in Excel: 'CSV UTF-8'), or convert it: "
            "iconv -f UTF-16 -t UTF-8",
        )
