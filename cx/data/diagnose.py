"""What is wrong with a messy export, said precisely, and what was read loosely.

The scan (:mod:`cx.data.scan`) stays fast on good files. When Polars cannot read a
file, :func:`read_error` finds where and why — the first byte that is not UTF-8,
a row with more fields than the header, a quote inside an unquoted field, a quoted
field that never closes — and names the line and column. It also matches column
names loosely (:func:`find_column`) and refuses a header the scan would misread
(:func:`check_header`); the notes of a successful scan are in :mod:`cx.data.notes`.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import re
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cx.data.files import detect_delimiter, is_gzip, is_parquet
from cx.errors import DataError, shown, shown_list

#: What reading a user's file with Polars can raise because of the file: Polars'
#: errors, the OS's, and a panic of its Rust code on a damaged file (no Exception).
READ_FAILURES: tuple[type[BaseException], ...] = (
    pl.exceptions.PolarsError,
    pl.exceptions.PanicException,
    OSError,
)


def failure_text(exc: BaseException) -> str:
    """One line saying why a read failed (a panic's own text is Rust's, not the file's)."""
    if isinstance(exc, pl.exceptions.PanicException):
        return "the reader failed on its content (is the file damaged?)"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

#: The error path reads at most this much of a file to find the problem.
DIAGNOSE_CHARS = 256 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024
#: What a read error says when no diagnosis finds what is wrong with the file.
UNPARSED = "cannot parse data file"
UTF8_HINT = "export it as UTF-8, or pass --encoding lossy to replace bad bytes"
#: What a read error says of a file not UTF-8 where the diagnosis does not find the byte.
NOT_UTF8 = "data file is not valid UTF-8 text"


# --------------------------------------------------------------------------- column names


def column_key(name: str) -> str:
    """A column name compared loosely: case, spaces, punctuation and accents ignored
    (letters of any script kept: ``顧客ID`` is not ``ID``)."""
    folded = unicodedata.normalize("NFKD", name).casefold()
    return "".join(char for char in folded if char.isalnum())


def find_column(name: str, header: list[str]) -> str | None:
    """The header column meant by ``name``: the exact name, else the one column whose
    trimmed name or loose key (:func:`column_key`) equals it. Never a guess between two."""
    if name in header:
        return name
    for compare in (str.strip, column_key):
        wanted = compare(name)
        if not wanted:
            return None
        matches = [column for column in header if compare(column) == wanted]
        if len(matches) == 1:
            return matches[0]
        if matches:
            return None
    return None


def check_header(path: Path, line: str, header: list[str], sources: dict[str, list[str]]) -> None:
    """Refuse what the scan would misread: lines ending in a carriage return only (Polars
    would see one long line), and a column the mapping reads that the header names twice
    (which one is meant cannot be told)."""
    if line.endswith("\r"):
        raise DataError(
            "lines end with a carriage return only (an old Mac export); cx reads LF or "
            "CRLF line endings",
            file=path,
            line=1,
            hint="convert the file, e.g. tr '\\r' '\\n' < export.csv > fixed.csv",
        )
    for names in sources.values():
        for name in names:
            places = [str(i + 1) for i, column in enumerate(header) if column == name]
            if len(places) > 1:
                raise DataError(
                    f"column '{name}' appears {len(places)} times in the header "
                    f"(columns {', '.join(places)}); cx cannot tell which one to read",
                    file=path,
                    line=1,
                    column=None,
                    hint="rename or remove the copies in the export",
                )


#: Lines read to find a header below a report's title and filters.
HEADER_SEARCH_LINES = 30


def _rows(lines: list[str], delimiter: str) -> list[list[str]]:
    """The fields of the non-blank rows of ``lines`` (a quoted field may span lines)."""
    try:
        return [row for row in csv.reader(lines, delimiter=delimiter) if any(row)]
    except csv.Error:
        return []


#: A date, a time or a decimal number, which a value holds and a column name does not.
_DATA_VALUE = re.compile(r"\d[-/.:]\d")


def _is_name(text: str) -> bool:
    """Whether a field could be a column name: not blank, no number, date or time."""
    try:
        float(text)
    except ValueError:
        return bool(text.strip()) and not _DATA_VALUE.search(text)
    return False


def header_below(lines: list[str], delimiter: str | None = None) -> tuple[int, list[str]] | None:
    """Where the header of an export seems to start when the lines above it are a
    report's title, filters and blank lines (as a Salesforce report writes them): the
    number and the names of the first line below line 1 that holds more fields than
    line 1, all distinct names, and as many as every row below it up to a blank line.
    None when no line of ``lines`` does."""
    for index in range(1, len(lines)):
        separator = delimiter or detect_delimiter(lines[index])
        if separator is None or not lines[index].strip():
            continue
        block = itertools.takewhile(str.strip, lines[index:])  # a report's footer may follow
        names, *rows = _rows(list(block), separator)
        if len(names) < 2 or len(names) <= _title_width(lines[0], separator):
            continue
        if len(set(names)) < len(names) or not all(_is_name(name) for name in names):
            continue
        if rows and all(len(row) == len(names) for row in rows):
            return index + 1, names
    return None


def _title_width(line: str, separator: str) -> int:
    """The fields of line 1, a title padded with empty fields to the table's width (as a
    spreadsheet saves it: ``Open Cases,,,,``) counting as one."""
    first = _rows([line], separator)
    if not first:
        return 0
    fields = first[0]
    return 1 if not any(field.strip() for field in fields[1:]) else len(fields)


def header_below_error(path: Path, first_line: str, line: int, names: list[str]) -> DataError:
    """The error for an export whose header is line ``line``, not line 1."""
    first = shown(first_line.strip())
    return DataError(
        f"{f'line 1 is no header row: {first}' if first else 'line 1 is blank'}; the header "
        f"seems to start on line {line} ({shown_list([shown(name) for name in names])})",
        file=path,
        line=1,
        hint=f"delete the {line - 1} line{'s' if line > 2 else ''} above the header, or "
        "export the report as details only, without its title and filters",
    )


# --------------------------------------------------------------------------- UTF-8


@dataclass(frozen=True)
class Problem:
    """Where a file goes wrong: 1-based line and column (None where unknown)."""

    message: str
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def error(self, path: Path) -> DataError:
        return DataError(
            self.message, file=path, line=self.line, column=self.column, hint=self.hint
        )


def _open_binary(path: Path) -> io.BufferedIOBase:
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")  # type: ignore[return-value]


def _read_through(path: Path) -> None:
    """Decompress a gzip file to its end, raising what a damaged one raises (a CRC or
    length that does not match, a stream cut short)."""
    with _open_binary(path) as stream:
        while stream.read(CHUNK_BYTES):
            pass


def first_bad_utf8(path: Path, limit: int = DIAGNOSE_CHARS) -> Problem | None:
    """The first byte of ``path`` that is not UTF-8, with its line and column."""
    line = 1
    tail = b""  # the current line so far (its last 64 KiB), for the column
    carry = b""
    read = 0
    with _open_binary(path) as handle:
        while read < limit:
            chunk = handle.read(CHUNK_BYTES)
            read += len(chunk)
            data = carry + chunk
            if not data:
                return None
            try:
                data.decode("utf-8")
                good, carry = len(data), b""
            except UnicodeDecodeError as exc:
                cut_short = exc.reason == "unexpected end of data" and exc.end == len(data)
                if chunk and cut_short:  # a character split by the chunk boundary
                    good, carry = exc.start, data[exc.start :]
                else:
                    before = data[: exc.start]
                    line += before.count(b"\n")
                    prefix = (tail + before).rsplit(b"\n", 1)[-1].removeprefix(b"\xef\xbb\xbf")
                    column = len(prefix.decode("utf-8", errors="replace")) + 1
                    return Problem(
                        f"data file is not UTF-8 text (byte 0x{data[exc.start]:02x})",
                        line,
                        column,
                        UTF8_HINT,
                    )
            valid = data[:good]
            line += valid.count(b"\n")
            tail = (tail + valid).rsplit(b"\n", 1)[-1][-65536:]
            if not chunk:
                return None
    return None


# --------------------------------------------------------------------------- CSV structure


def _open_text(path: Path) -> io.TextIOBase:
    # Lines end at "\n" only, as Polars reads them: a lone "\r" is part of a line.
    binary = _open_binary(path)
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="\n")


def _numbered_lines(path: Path, limit: int) -> Iterator[tuple[int, str | None]]:
    """The lines of ``path`` with their 1-based numbers, up to ``limit`` characters; past
    it, one ``(number, None)``: too much to read for a diagnosis."""
    read = 0
    with _open_text(path) as handle:
        for number, raw in enumerate(handle, start=1):
            read += len(raw)
            if read > limit:
                yield number, None
                return
            yield number, raw


#: What to do with a file whose line ends an engine cannot read, and the scan reads.
LINE_END_HINT = (
    "build this cube with the scan (no --engine), or give every line the same end "
    "(dos2unix turns CRLF into LF)"
)


def line_end_problem(path: Path, limit: int = DIAGNOSE_CHARS) -> Problem | None:
    """The first line that ends otherwise than line 1 (CRLF among LF lines, or LF among
    CRLF lines), or that holds a carriage return that ends no line: what a reader of
    one kind of line end (DuckDB) cannot read, though the scan reads it."""
    first: bool | None = None
    for number, raw in _numbered_lines(path, limit):
        if raw is None:  # too long to diagnose
            return None
        ended = raw.endswith("\n")
        body = raw[:-1] if ended else raw
        crlf = ended and body.endswith("\r")
        inner = body[:-1] if crlf else body
        if "\r" in inner:
            return Problem(
                "a carriage return (\\r) inside the line, which DuckDB reads as a "
                "line end",
                number,
                inner.index("\r") + 1,
                LINE_END_HINT,
            )
        if not ended:
            break
        if first is None:
            first = crlf
        elif crlf != first:
            kinds = ("CRLF", "LF") if crlf else ("LF", "CRLF")
            return Problem(
                f"the line ends with {kinds[0]}, line 1 with {kinds[1]}: DuckDB "
                "reads one kind of line end in a file",
                number,
                None,
                LINE_END_HINT,
            )
    return None


def csv_problem(
    path: Path, delimiter: str | None = None, limit: int = DIAGNOSE_CHARS
) -> Problem | None:
    """The first place where ``path`` is not CSV as the scan reads it (RFC 4180 quoting).

    Finds a row with more fields than the header, a quote inside a field that does not
    start with one, text after a field's closing quote, and a quoted field that never
    closes. Lines without a quote are checked at C speed (a count of delimiters).
    """

    expected: int | None = None
    fields = 1
    in_quotes = False
    opened = (0, 0)  # line and column of the quote that opened the current field
    record_line = 1
    for number, raw in _numbered_lines(path, limit):
        if raw is None:  # too long to diagnose
            return None
        body = raw.rstrip("\r\n") if raw.endswith("\n") else raw
        if delimiter is None:
            delimiter = detect_delimiter(body) or ","
        if not in_quotes:
            record_line = number
        if not in_quotes and '"' not in body:
            fields += body.count(delimiter)
        else:
            result = _scan_quoted(body, number, delimiter, in_quotes, opened)
            if isinstance(result, Problem):
                return result
            added, in_quotes, opened = result
            fields += added
        if in_quotes:
            continue
        if expected is None:
            expected = fields
        elif fields > expected:
            return Problem(
                f"line has {fields} fields, the header has {expected}",
                record_line,
                None,
                f"a field that contains the delimiter {delimiter!r} must be quoted; "
                "fix the export or remove the line",
            )
        fields = 1
    if in_quotes:
        return Problem(
            "a quoted field opens here and never closes",
            opened[0],
            opened[1],
            'the export was cut off, or a field has a stray quote ("); fix or remove the line',
        )
    return None


def _scan_quoted(
    body: str, number: int, delimiter: str, in_quotes: bool, opened: tuple[int, int]
) -> Problem | tuple[int, bool, tuple[int, int]]:
    """Walk one line with quotes: (delimiters counted, still in quotes, opening quote)."""
    added = 0
    i, n = 0, len(body)
    while i < n:
        if in_quotes:
            j = body.find('"', i)
            if j < 0:
                return added, True, opened
            if body.startswith('""', j):
                i = j + 2
                continue
            in_quotes, i = False, j + 1
            if i < n and body[i] != delimiter:
                return Problem(
                    "text after the closing quote of a field",
                    number,
                    i + 1,
                    'a quote inside a quoted field is written twice (""); fix the export',
                )
            if i < n:
                added, i = added + 1, i + 1
            continue
        if body.startswith('"', i):
            in_quotes, opened, i = True, (number, i + 1), i + 1
            continue
        end = body.find(delimiter, i)
        stop = n if end < 0 else end
        quote = body.find('"', i, stop)
        if quote >= 0:
            return Problem(
                'a quote (") inside a field that does not start with one',
                number,
                quote + 1,
                'quote the whole field and write the quote twice ("5"" screen"), '
                "or remove the quote",
            )
        if end < 0:
            break
        added, i = added + 1, end + 1
    return added, in_quotes, opened


# --------------------------------------------------------------------------- read errors


def bytes_not_utf8_error(path: Path) -> DataError:
    """The error for a Parquet file whose column of bytes, read as text, holds bytes that
    are not UTF-8 (without ``--encoding lossy``)."""
    return DataError(
        "a column of bytes holds bytes that are not UTF-8 text", file=path, hint=UTF8_HINT
    )


def read_error(path: Path, exc: BaseException, delimiter: str | None = None) -> DataError:
    """A DataError for a file Polars could not read: where, when that can be found."""
    text = failure_text(exc)

    lowered = text.lower()
    if is_parquet(path):
        if "invalid utf8" in lowered:  # a column of bytes read as text (cx.data.raw.text_of)
            return bytes_not_utf8_error(path)
        return DataError(f"cannot read Parquet data: {text}", file=path)
    if "format string" in lowered:  # a mapping's timestamp_format that Polars refuses
        return DataError(
            f"the timestamp format cannot be used: {text}",
            file=path,
            hint="fix `timestamp_format:` in the mapping file (--columns); it is strftime",
        )
    try:
        if is_gzip(path):  # damage inside reads as rows of garbage: say the damage
            _read_through(path)
        if "utf-8" in lowered or "utf8" in lowered:
            problem = first_bad_utf8(path)
            if problem is not None:
                return problem.error(path)
            return DataError(NOT_UTF8, file=path, hint=UTF8_HINT)
        problem = csv_problem(path, delimiter)
    except (OSError, EOFError, zlib.error) as error:  # a corrupt .gz
        return DataError(f"cannot read data file: {error}", file=path)
    if problem is not None:
        return problem.error(path)
    return DataError(
        f"{UNPARSED}: {text}",
        file=path,
        hint="check that it is CSV with one header row (cx inspect shows what was read)",
    )
