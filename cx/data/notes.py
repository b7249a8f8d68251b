"""What a successful scan read loosely or did not count itself, said as notes.

After a scan, :func:`examine` counts exact duplicate rows where the scan did not (one
cheap hash per line), notes the columns whose name matched only loosely
(``Customer ID`` for ``customer_id``), and the UTC offsets the timestamps were
converted from, so nothing is read differently from what the user asked without
being said. Where a file cannot be read at all, :mod:`cx.data.diagnose` says why.
"""

from __future__ import annotations

import codecs
import csv
from datetime import time
from typing import TYPE_CHECKING

import polars as pl

from cx.data.diagnose import READ_FAILURES
from cx.data.files import TAIL_BYTES, file_tail, open_bytes
from cx.data.layout import RAW
from cx.data.raw import raw_frame
from cx.data.rules import BLANK, parse_timestamp
from cx.models.mapping import reads_offset

if TYPE_CHECKING:
    from pathlib import Path

    from cx.data.cube import DataMeta
    from cx.data.fine import FineCube
    from cx.data.layout import SourceLayout
    from cx.models.mapping import Mapping


def column_notes(layout: SourceLayout, mapping: Mapping) -> list[str]:
    """One note per column that was found under another spelling than asked for."""
    notes = []
    for canonical, names in layout.sources.items():
        configured = mapping.columns.get(canonical)  # type: ignore[call-overload]
        if configured is None:
            wanted = [canonical]
        else:
            wanted = [configured] if isinstance(configured, str) else list(configured)
        for asked, found in zip(wanted, names, strict=False):
            if asked == found:
                continue
            named = "" if asked == canonical else f", the mapping's '{asked}'"
            notes.append(f"column '{found}' is read as {canonical}{named} (names differ)")
    return notes


# --------------------------------------------------------------------------- duplicates


def count_duplicate_rows(layout: SourceLayout, encoding: str = "utf8") -> int:
    """Rows that repeat an earlier row exactly (every column), blank lines left out: lines
    of delimiters, whitespace and invisible characters only, as the scans leave them
    out (:data:`cx.data.rules.BLANK`).

    CSV: each line is hashed whole (64 bits), one cheap pass; a quoted field with a line
    break in it counts per line. Parquet: each row's values are hashed. A file Polars
    cannot read this way gives 0: this is a note, and the scan has already read it.
    """
    try:
        if layout.format == "parquet":
            rows = pl.scan_parquet(layout.path, glob=False)
            query = rows.select(rows=pl.len(), distinct=pl.struct(pl.all()).hash(7).n_unique())
        else:
            line = pl.col("line")
            query = (
                pl.scan_csv(
                    layout.path,
                    glob=False,
                    has_header=False,
                    skip_rows=1,
                    separator="\x00",
                    quote_char=None,
                    new_columns=["line"],
                    schema_overrides={"column_1": pl.String},
                    infer_schema=False,
                    truncate_ragged_lines=True,
                    encoding="utf8-lossy",
                )
                .filter(line.str.strip_chars(BLANK + layout.delimiter).str.len_bytes() > 0)
                .select(rows=pl.len(), distinct=line.hash(7).n_unique())
            )
        counts = query.collect(engine="streaming")
    except READ_FAILURES:
        return 0
    rows, distinct = counts.row(0)
    return max(int(rows) - int(distinct), 0)


def file_notes(layout: SourceLayout, mapping: Mapping, encoding: str) -> list[str]:
    """The notes of a file that no period changes: columns matched loosely, the UTC
    offsets the timestamps were converted from, a last line cut short, bytes read
    lossily (a cube file carries them: :func:`examine_fine`)."""
    return [
        *column_notes(layout, mapping),
        *offset_notes(layout, encoding),
        *cut_short_notes(layout),
        *lossy_notes(layout, encoding),
    ]


def examine(meta: DataMeta, layout: SourceLayout, mapping: Mapping, encoding: str) -> None:
    """Fill in what a scan does not count itself: duplicate rows, column notes and the
    UTC offsets the timestamps were converted from (beside the scan's own notes)."""
    if not meta.duplicates_counted:  # the scan counts them in its one read of the file
        meta.duplicate_rows = count_duplicate_rows(layout, encoding)
    found = file_notes(layout, mapping, encoding)
    meta.notes = [*found, *(text for text in meta.notes if text not in found)]


def examine_fine(cube: FineCube, layout: SourceLayout, mapping: Mapping, encoding: str) -> None:
    """:func:`examine` for a fine cube, before it is written as a cube file: its
    duplicate rows counted (where the scan did not) and its file's notes, which the
    cube file carries; the notes of a period are made for each period asked."""
    if cube.duplicate_rows is None:
        cube.duplicate_rows = count_duplicate_rows(layout, encoding)
    cube.notes = file_notes(layout, mapping, encoding)


# --------------------------------------------------------------------------- bytes replaced

#: Bytes of a file decoded at a time to find what ``--encoding lossy`` replaced.
DECODE_CHUNK = 1 << 24
LOSSY = "read as '\ufffd' (--encoding lossy): values with it in them are not what the export wrote"


def lossy_notes(layout: SourceLayout, encoding: str) -> list[str]:
    """One note when ``--encoding lossy`` read bytes that are not UTF-8 as '\ufffd': how
    many places and the first one's line (a CSV) or column (Parquet)."""
    if encoding != "lossy":
        return []
    if layout.format == "parquet":
        return _lossy_parquet_notes(layout)
    try:
        places, line = not_utf8(layout.path)
    except (OSError, EOFError):  # the scan read it: this is only a note
        return []
    if not places:
        return []
    where = "one place" if places == 1 else f"{places:,} places"
    return [f"bytes that are not UTF-8 in {where} (the first on line {line:,}) were {LOSSY}"]


def not_utf8(path: Path) -> tuple[int, int]:
    """How many places of a CSV (gzip undone) are not UTF-8, each one '\ufffd' when read
    lossily (a maximal invalid sequence, as Python and Polars both replace them), and
    the line of the first (0 if none)."""
    places = first = lines = 0
    pending = b""
    with open_bytes(path) as stream:
        while True:
            chunk = stream.read(DECODE_CHUNK)
            data, final, at = pending + chunk, not chunk, 0
            view = memoryview(data)
            while at < len(data):
                try:  # decodes up to an incomplete sequence at the end (unless final)
                    at += codecs.utf_8_decode(view[at:], "strict", final)[1]
                    break
                except UnicodeDecodeError as error:
                    places += 1
                    first = first or lines + data.count(b"\n", 0, at + error.start) + 1
                    at += error.end
            lines += data.count(b"\n", 0, at)
            pending = data[at:]
            if final:
                return places, first


def _lossy_parquet_notes(layout: SourceLayout) -> list[str]:
    """Per binary key column of a Parquet file, the values that are not UTF-8."""
    notes = []
    for name, bad in values_not_utf8(layout).items():
        if bad == 1:
            notes.append(f"one value of column '{name}' is not UTF-8 and was {LOSSY}")
        elif bad:
            notes.append(f"{bad:,} values of column '{name}' are not UTF-8 and were {LOSSY}")
    return notes


def values_not_utf8(layout: SourceLayout) -> dict[str, int]:
    """How many values of each column of bytes of a Parquet file that the mapping uses are
    not UTF-8 (the columns ``--encoding lossy`` decodes, :func:`cx.data.raw.text_of`):
    one read of each such column, none of a file without one."""
    found = {}
    for name in layout.source_columns():
        if layout.dtypes.get(name) != pl.Binary:
            continue
        counts = pl.scan_parquet(layout.path, glob=False).group_by(name).len().collect()
        found[name] = sum(
            n for value, n in counts.iter_rows() if value is not None and not _utf8(value)
        )
    return found


def _utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------- cut short

def cut_short_notes(layout: SourceLayout) -> list[str]:
    """One note when a plain CSV's last line has fewer fields than the header and no
    line end: an export cut short (an interrupted copy, a full disk), whose missing
    fields read as empty. Polars pads any short line that way, and a line that leaves
    out trailing empty fields on purpose looks the same, but one without a line end
    at the very end of the file is the mark of a cut."""
    if layout.format != "csv" or layout.compressed:
        return []
    try:
        tail = file_tail(layout.path, TAIL_BYTES)
    except OSError:
        return []
    if tail.endswith(b"\n") or b"\n" not in tail:  # complete, or one line (the header)
        return []
    before, last = (
        line.decode("utf-8", errors="replace").rstrip("\r")
        for line in tail.rsplit(b"\n", 2)[-2:]
    )
    if not last.strip(BLANK) or last.count('"') % 2:  # blank, or inside a quoted field
        return []
    fields = next(csv.reader([last], delimiter=layout.delimiter))
    if not any(field.strip(BLANK) for field in fields):  # a line of delimiters: a blank line
        return []
    # An export that leaves out trailing empty fields does so on the line before too.
    previous = next(csv.reader([before], delimiter=layout.delimiter), [])
    if len(fields) >= min(len(layout.header), len(previous) or len(layout.header)):
        return []
    return [
        f"its last line has {len(fields)} of the header's {len(layout.header)} fields and no "
        "line end: if the file was cut short, that row's missing fields read as empty"
    ]


# --------------------------------------------------------------------------- UTC offsets

CONVERTED_TO_UTC = "all are converted to UTC, so hours of day are UTC hours"
DATES_IN_OFFSET = (
    "midnight (00:00:00) as written: dates without a time of day, which the conversion "
    "to UTC turns into times of day that cx staffs as such; write the dates without "
    "their offset to have them read as dates only"
)
#: At most this many distinct offsets are named in the note.
OFFSETS_NAMED = 5


def offset_notes(layout: SourceLayout, encoding: str = "utf8") -> list[str]:
    """One note when the timestamps carry a UTC offset other than UTC itself: every
    aware timestamp is converted to UTC (whatever the order of the rows), so the hours
    of day are UTC hours."""

    fmt = layout.timestamp_format
    if layout.typed_timestamp():  # a Parquet column: its time zone is in its type
        name = layout.sources["timestamp"][0]
        zone = getattr(layout.dtypes[name], "time_zone", None)
        if zone is None or zone.upper() in ("UTC", "Z", "+00:00", "ETC/UTC"):
            return []
        # Its times of day are those of its zone, as the export wrote them.
        written = pl.col(RAW + name)
        try:
            midnight = (
                raw_frame(layout, encoding)
                .select(written.is_not_null().any() & (written.dt.time() == time(0)).all())
                .collect(engine="streaming")
                .item()
            )
        except READ_FAILURES:  # the scan has already read it: the plainer note
            midnight = False
        return [_converted_note(f"timestamps are in the time zone {zone}", midnight)]
    if not reads_offset(fmt):
        return []
    names = [RAW + name for name in layout.sources["timestamp"]]
    text = pl.concat_str([pl.col(n) for n in names], separator=" ").str.strip_chars()
    # One spelling per offset: +01 (%#z) and +0100 are +01:00; z and -00:00 are Z.
    offset = (
        text.str.extract(r"(Z|z|[+-]\d{2}(?::?\d{2})?)$")
        .str.to_uppercase()
        .str.replace(r"^([+-]\d{2})$", "${1}:00")
        .str.replace(r"^([+-]\d{2})(\d{2})$", "${1}:${2}")
        .str.replace(r"^[+-]00:00$", "Z")
    )
    parsed = parse_timestamp(text, fmt)
    # The time as written, before the offset was taken off: its UTC time plus the offset.
    sign = pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
    minutes = sign * (
        offset.str.slice(1, 2).cast(pl.Int64, strict=False) * 60
        + offset.str.slice(4, 2).cast(pl.Int64, strict=False)
    )
    written = parsed + pl.duration(minutes=minutes.fill_null(0))
    try:
        by_offset = (
            raw_frame(layout, encoding)
            .filter(parsed.is_not_null())  # a rejected row converts nothing
            .group_by(offset.alias("offset"))
            .agg(midnight=(written.dt.time() == time(0)).all())
            .collect(engine="streaming")
        )
    except READ_FAILURES:  # the scan has already read it: no note
        return []
    found = by_offset["offset"].drop_nulls().sort().to_list()
    if found in ([], ["Z"]):
        return []
    named = ", ".join(found[:OFFSETS_NAMED]) + (", ..." if len(found) > OFFSETS_NAMED else "")
    carry = (
        f"the UTC offset {named}"
        if len(found) == 1
        else (f"{len(found)} different UTC offsets ({named})")
    )
    return [_converted_note(f"timestamps carry {carry}", by_offset["midnight"].all())]


def _converted_note(timestamps: str, midnight: bool) -> str:
    """The note of timestamps converted to UTC (``timestamps`` says from what): dates
    when every one was written at midnight in its offset or zone."""
    if midnight:
        return f"{timestamps}, every one at {DATES_IN_OFFSET}"
    return f"{timestamps}: {CONVERTED_TO_UTC}"
