"""What the header and the mapping tell about a data file, before its rows are read.

:func:`resolve_layout` reads a CSV's first lines (or a Parquet file's schema), picks
the delimiter, maps each canonical column of §3 to the source columns that hold it
(exact names, else one loose match, else a did-you-mean error), and sniffs the one
ISO 8601 timestamp format the whole column is parsed with. The result, a
:class:`SourceLayout`, is all the exact scan, the fast scan and the diagnosis need
to know about the file; the rows are read as ``__raw:`` columns
(:data:`RAW`, :mod:`cx.data.raw`) numbered by ``__row`` (:data:`ROW`).
"""

from __future__ import annotations

import csv
import re
import shlex
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cx.data import drop as drop_rows
from cx.data.columns import missing_hint
from cx.data.diagnose import (
    HEADER_SEARCH_LINES,
    READ_FAILURES,
    check_header,
    find_column,
    first_bad_utf8,
    header_below,
    header_below_error,
    read_error,
)
from cx.data.files import (
    check_data_path,
    detect_delimiter,
    is_gzip,
    is_parquet,
    open_bytes,
    open_text,
)
from cx.errors import DataError, TimestampFormatError, shown
from cx.models.mapping import CANONICAL_COLUMNS, REQUIRED_COLUMNS, Mapping
from cx.models.vocabulary import plural

ROW = "__row"
RAW = "__raw:"  # prefix of the untouched source columns, beside the parsed ones
CLEAN = "__clean:"  # prefix of the trimmed source columns while the row rules run

# ISO 8601 shapes recognised from the first value of the column; the one that
# matches is then applied to every row (rows in another shape are rejected).
ISO_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.ASCII), fmt)  # \d: the digits 0-9 strptime reads
    for pattern, fmt in (
        # A fraction is optional whatever the first row has: writers leave out a
        # fraction of zero (Python's isoformat), so one export holds both forms.
        (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$", "%Y-%m-%dT%H:%M:%S%.f"),
        (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$", "%Y-%m-%d %H:%M:%S%.f"),
        (
            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$",
            "%Y-%m-%dT%H:%M:%S%.f%#z",
        ),
        (
            r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$",
            "%Y-%m-%d %H:%M:%S%.f%#z",
        ),
        (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", "%Y-%m-%dT%H:%M"),
        (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", "%Y-%m-%d %H:%M"),
    )
)


@dataclass(frozen=True)
class SourceLayout:
    """What the header and the mapping tell us about a file, before scanning it."""

    path: Path
    delimiter: str
    header: list[str]
    sources: dict[str, list[str]]  # canonical column -> source columns
    timestamp_format: str
    compressed: bool
    format: str = "csv"  # csv (plain or gzip) | parquet
    # Parquet: the source columns' types (text columns are parsed as in a CSV, typed
    # ones are used as they are). CSV: empty, every column is text, except in the fast
    # scan's first pass, which reads number columns as numbers (see cx.data.fast.typed_numbers).
    dtypes: dict[str, pl.DataType] = field(default_factory=dict)
    # Source column -> values whose rows the mapping drops (cx.data.drop).
    drop: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The digits of the fraction most first timestamps have (0, 3 or 6) when the format
    # ends in `:%S%.f`: timestamps are parsed first with that fixed width, which Polars
    # reads far faster (cx.data.rules.parse_timestamp); the value is the same either way.
    fraction_digits: int | None = None
    # How handle and wait times are written when not as numbers (a mapping's
    # duration_format: hh:mm:ss or mm:ss); None: numbers.
    duration_format: str | None = None
    # The row rules' frame holds each source column trimmed, as `__clean:<name>`
    # (cx.data.rules.parse_rows), so that the rules trim each value once.
    cleaned: bool = False

    def source_columns(self) -> list[str]:
        """The source columns the mapping uses, in name order."""
        return sorted({name for names in self.sources.values() for name in names})

    def is_text(self, name: str) -> bool:
        return self.dtypes.get(name, pl.String) == pl.String

    def holds_durations(self, name: str) -> bool:
        """A Parquet column of durations (pandas writes a timedelta so): read as its
        seconds, the number a handle or wait time column holds."""
        return isinstance(self.dtypes.get(name), pl.Duration)

    def reads_as_number(self, name: str) -> bool:
        """A typed column read as a number as it is, without parsing text."""
        return self.dtypes.get(name, pl.String).is_numeric() or self.holds_durations(name)

    def typed_timestamp(self) -> bool:
        names = self.sources["timestamp"]
        return len(names) == 1 and self.dtypes.get(names[0], pl.String).is_temporal()


HEAD_LINE_CHARS = 1024 * 1024  # a "line" longer than this is not a CSV header


def head_lines(path: Path, count: int, encoding: str = "utf8") -> list[str]:
    try:
        with open_text(path, "replace" if encoding == "lossy" else "strict") as handle:
            lines: list[str] = []
            while len(lines) < count and (line := handle.readline(HEAD_LINE_CHARS)):
                lines.append(line)
            return lines
    except UnicodeDecodeError:
        if _binary_first_line(path):  # 'pass --encoding lossy' would not make it CSV
            raise DataError("data file is binary, not CSV text", file=path) from None
        problem = first_bad_utf8(path)
        if problem is None:  # the decoder and the diagnosis disagree: say it plainly
            raise DataError("data file is not UTF-8 text", file=path) from None
        raise problem.error(path) from None
    except (OSError, EOFError, zlib.error) as exc:  # zlib.error: a corrupt .gz
        raise DataError(f"cannot read data file: {exc}", file=path) from None


def _binary_first_line(path: Path) -> bool:
    """Whether the first line of ``path`` holds a NUL byte, as no text export does (a
    database, an executable, an archive)."""
    try:
        with open_bytes(path) as handle:
            return b"\x00" in handle.readline(HEAD_LINE_CHARS)
    except (OSError, EOFError, zlib.error):  # the diagnosis of UTF-8 says what it can
        return False


def refuse_header_below(
    path: Path, delimiter: str | None, encoding: str = "utf8", mapping: Mapping | None = None
) -> None:
    """Refuse an export whose header is not line 1 but a line below a report's title
    and filters, naming that line; with a mapping that names columns, only when that
    line holds every column it reads. Nothing when no line below looks like a header."""
    lines = head_lines(path, HEADER_SEARCH_LINES, encoding)
    found = header_below(lines, delimiter)
    if found is None:
        return
    line, names = found
    if mapping is not None and mapping.columns:
        try:
            _map_sources(path, names, mapping)
        except DataError:
            return
    raise header_below_error(path, lines[0], line, names)


def resolve_layout(path: Path, mapping: Mapping, encoding: str = "utf8") -> SourceLayout:
    """Read the header, pick the delimiter and map canonical columns to source columns.

    Parquet input (a file, or a directory of files) has its header and types read
    from its schema instead.
    """
    check_data_path(path)
    if is_parquet(path):
        return _parquet_layout(path, mapping)
    head = head_lines(path, 6, encoding)
    if not head or not head[0].strip():
        if head:
            refuse_header_below(path, mapping.delimiter, encoding)
        raise DataError("data file has no header row", file=path, line=1)
    if "\x00" in head[0]:
        raise DataError("data file is binary, not CSV text", file=path)
    delimiter = mapping.delimiter or detect_delimiter(head[0])
    if delimiter is None:
        found = head[0].strip()
        if found not in CANONICAL_COLUMNS:
            refuse_header_below(path, None, encoding)
            raise DataError(
                "cannot detect the delimiter: the header has no comma, tab, semicolon or bar",
                file=path,
                line=1,
                hint="set `delimiter:` in a mapping file (--columns)",
            )
        delimiter = ","
    # The names as Polars reads them (untrimmed); _map_sources matches them loosely.
    try:
        header = next(csv.reader([head[0]], delimiter=delimiter))
    except csv.Error as exc:
        raise DataError(f"cannot read the header row: {exc}", file=path, line=1) from None
    try:
        sources = _map_sources(path, header, mapping)
    except DataError:
        refuse_header_below(path, delimiter, encoding, mapping)
        raise
    check_header(path, head[0], header, sources)  # CR-only lines, a used name twice
    timestamp_format = mapping.timestamp_format or _sniff_iso_format(
        path, head, delimiter, header, sources["timestamp"], init_reads=True
    )
    return SourceLayout(
        path=path,
        delimiter=delimiter,
        header=header,
        sources=sources,
        timestamp_format=timestamp_format,
        compressed=is_gzip(path),
        drop=drop_rows.resolve(path, header, mapping),
        fraction_digits=_fraction_digits(head, delimiter, header, sources["timestamp"]),
        duration_format=mapping.duration_format,
    )


def _parquet_layout(path: Path, mapping: Mapping) -> SourceLayout:
    try:
        schema = pl.scan_parquet(path, glob=False).collect_schema()
    except READ_FAILURES as exc:
        raise read_error(path, exc) from None
    header = list(schema.names())
    if "table" in header and "contacts" in header:
        raise DataError(
            "this Parquet file is a cube file, not interaction rows",
            file=path,
            hint="commands that replay single contacts (--replay, inspect) need the rows",
        )
    sources = _map_sources(path, header, mapping)
    dtypes = {name: schema[name] for name in header}
    for canonical, names in sources.items():
        nested = [name for name in names if dtypes[name].is_nested()]
        if nested:
            raise DataError(
                f"column '{nested[0]}' (for {canonical}) holds "
                f"{type(dtypes[nested[0]]).__name__.lower()} values, not single values",
                file=path,
                hint="flatten the column when writing the Parquet file, or map another one",
            )
    _check_durations(path, sources, dtypes, mapping)
    timestamp_format = mapping.timestamp_format or ""
    names = sources["timestamp"]
    if not timestamp_format and not (len(names) == 1 and dtypes[names[0]].is_temporal()):
        try:
            head = (
                pl.scan_parquet(path, glob=False)
                .select(pl.concat_str([pl.col(n).cast(pl.String) for n in names], separator=" "))
                .drop_nulls()
                .head(5)
                .collect()
            )
        except READ_FAILURES as exc:
            raise read_error(path, exc) from None
        timestamp_format = iso_format_of(path, head.to_series().to_list())
    return SourceLayout(
        path=path,
        delimiter=",",
        header=header,
        sources=sources,
        timestamp_format=timestamp_format,
        compressed=False,
        format="parquet",
        dtypes=dtypes,
        drop=drop_rows.resolve(path, header, mapping),
        duration_format=mapping.duration_format,
    )


#: The number columns that count seconds, from 0 to MAX_HANDLE_TIME_SECONDS: the ones a
#: Parquet column of durations may give (its seconds).
SECONDS_COLUMNS = ("handle_time", "wait_time")


def _check_durations(
    path: Path, sources: dict[str, list[str]], dtypes: dict[str, pl.DataType], mapping: Mapping
) -> None:
    """Refuse a Parquet column of durations (read as its seconds) where no number of
    seconds belongs, or that the mapping says is written otherwise."""
    for canonical, names in sources.items():
        typed = [name for name in names if isinstance(dtypes[name], pl.Duration)]
        if not typed:
            continue
        holds = f"column '{typed[0]}' (for {canonical}) holds durations"
        if canonical not in SECONDS_COLUMNS:
            raise DataError(
                f"{holds}, not {canonical} values", file=path, hint="map another column"
            )
        if mapping.duration_format:
            raise DataError(
                f"{holds}, read as their seconds, not as the clock's text of the mapping's "
                f"duration_format {mapping.duration_format}",
                file=path,
                hint="leave duration_format out of the mapping, or export every time as text",
            )
        if canonical == "handle_time" and mapping.handle_time_unit == "minutes":
            raise DataError(
                f"{holds}, read as their seconds, not as the minutes of the mapping's "
                "handle_time_unit",
                file=path,
                hint="leave handle_time_unit out of the mapping",
            )


def _map_sources(path: Path, header: list[str], mapping: Mapping) -> dict[str, list[str]]:
    """Canonical column -> source columns, from the mapping or the canonical names."""
    sources: dict[str, list[str]] = {}
    for canonical in CANONICAL_COLUMNS:
        configured = mapping.columns.get(canonical)  # type: ignore[call-overload]
        if canonical in mapping.columns and configured is None:  # `null`: not read
            continue
        if configured is None:
            found = find_column(canonical, header)  # exact, else one loose match (noted)
            if found is not None:
                sources[canonical] = [found]
            continue
        names = [configured] if isinstance(configured, str) else list(configured)
        for index, name in enumerate(names):
            names[index] = find_column(name, header) or name
            if names[index] not in header:
                nearest = missing_hint(path, mapping.delimiter, canonical, name, header)
                raise DataError(
                    f"column '{name}' (for {canonical}) is not in the file; "
                    f"columns found: {', '.join(header)}",
                    file=path,
                    line=1,
                    hint=f"did you mean {nearest}?" if nearest else "fix the mapping file",
                )
        sources[canonical] = names
    missing = [c for c in REQUIRED_COLUMNS if c not in sources]
    if missing:
        nearest = {c: missing_hint(path, mapping.delimiter, c, None, header) for c in missing}
        hints = [f"{n} for {c}" for c, n in nearest.items() if n]
        raise DataError(
            f"required {plural(len(missing), 'column')} missing: {', '.join(missing)}; "
            f"columns found: {', '.join(header)}",
            file=path,
            line=1,
            hint=("nearest: " + ", ".join(hints) + "; map them with --columns")
            if hints
            else "map your export's columns with a mapping file (--columns)",
        )
    return sources


def _head_timestamps(
    head: list[str], delimiter: str, header: list[str], columns: list[str]
) -> list[tuple[int, str]]:
    """(line number, timestamp text) of the head's rows that have one."""
    try:
        rows = list(csv.reader(head[1:], delimiter=delimiter))
    except csv.Error:  # e.g. a huge field: the scan will say where
        rows = []
    indices = [header.index(c) for c in columns]
    values = []
    for number, row in enumerate(rows, start=2):
        if len(row) < len(header):
            continue
        value = " ".join(row[i].strip() for i in indices).strip()
        if value:
            values.append((number, value))
    return values


#: A timestamp whose fraction Polars can read with a fixed width (``%3f``, ``%6f``), or
#: that has none.
_FIXED_FRACTION = re.compile(r"^.*:\d{2}(?:\.(\d{3}|\d{6}))?$")


def _fraction_digits(
    head: list[str], delimiter: str, header: list[str], columns: list[str]
) -> int | None:
    """The digits of the fraction most of the first timestamps have, if 0, 3 or 6 (see
    SourceLayout): a file of fractions whose first row has none is read by its rows."""
    if len(columns) != 1:
        return None
    widths: Counter[int | None] = Counter()
    for _, value in _head_timestamps(head, delimiter, header, columns):
        found = _FIXED_FRACTION.match(value)
        widths[len(found.group(1) or "") if found else None] += 1
    return widths.most_common(1)[0][0] if widths else None


def iso_format_of(path: Path, values: list[str]) -> str:
    """The ISO 8601 format of a column whose first values (text) are ``values``, as a
    CSV's first timestamps give it (for data read otherwise than as CSV lines)."""
    quoted = ('"' + value.replace('"', '""') + '"\n' for value in values)
    return _sniff_iso_format(path, ["timestamp\n", *quoted], ",", ["timestamp"], ["timestamp"])


#: A date alone, as ISO 8601 writes it: no time of day to read contacts' hours from.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
DATES_ONLY_FORMAT = "%Y-%m-%d"


def _sniff_iso_format(
    path: Path,
    head: list[str],
    delimiter: str,
    header: list[str],
    columns: list[str],
    init_reads: bool = False,
) -> str:
    """The ISO 8601 format of the first timestamps; refused where they have none, with
    ``cx init`` offered where it reads the file (``init_reads``: CSV text)."""
    first_bad: tuple[str, int] | None = None
    # The first row in an ISO shape sets the format; one bad row among the first few
    # is a reject like any other, not a reason to refuse the file.
    for number, value in _head_timestamps(head, delimiter, header, columns):
        for pattern, fmt in ISO_FORMATS:
            if pattern.match(value):
                return fmt
        first_bad = first_bad or (value, number)
    if first_bad is None:
        return ISO_FORMATS[0][1]
    value, line = first_bad
    if _ISO_DATE.match(value.strip()):
        raise TimestampFormatError(
            f"timestamp '{shown(value)}' is a date without a time of day",
            file=path,
            line=line,
            hint=f'to count each contact at midnight of its day, set `timestamp_format: '
            f'"{DATES_ONLY_FORMAT}"` in a mapping file (--columns)',
        )
    hint = "set `timestamp_format:` (strftime) in a mapping file (--columns)"
    if init_reads:
        init = f"cx init --data {shlex.quote(str(path))}"
        hint = f"`{init}` finds the format and writes the mapping file; or {hint}"
    raise TimestampFormatError(
        f"timestamp '{shown(value)}' is not ISO 8601", file=path, line=line, hint=hint
    )
