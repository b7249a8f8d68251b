"""Interaction files → :class:`~cx.data.cube.Cube` in one lazy Polars scan (§3, §9).

Every column is read as text with an explicit schema, then parsed with explicit
expressions (one timestamp format for the whole column, never guessed per row).
A row whose required field is empty or unparseable, or whose optional field is
present but invalid, is rejected with a reason; nothing is guessed.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import os
import re
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from cx.data import fine, periods
from cx.data.cube import Cube
from cx.data.diagnose import check_header, find_column
from cx.errors import DataError, InputError, special_kind
from cx.models.mapping import (
    BOOLEAN_COLUMNS,
    CANONICAL_COLUMNS,
    DIMENSION_COLUMNS,
    REQUIRED_COLUMNS,
    Mapping,
)
from cx.models.numbers import check_share

DEFAULT_MAX_REJECT_RATE = 0.01
MAX_HANDLE_TIME_SECONDS = 86_400.0
#: No score scale is this wide; 1e300 scores would add up to infinity.
MAX_SCORE = 1e9
# Timestamps outside these are sentinels (1900-01-01, 9999-12-31, year 0), not contacts.
EARLIEST_TIMESTAMP = datetime(1980, 1, 1)
LATEST_TIMESTAMP = datetime(2100, 1, 1)
REJECT_SAMPLE_ROWS = 5
DELIMITER_CANDIDATES = (",", "\t", ";", "|")
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
ROW = "__row"
#: Control characters that no text value holds (tabs and line breaks may: a quoted
#: intent can span lines); a NUL in a channel is binary data, not a channel name.
#: With them, the invisible ones that make two equal-looking names differ or reorder
#: the text around them: zero-width space, bidi overrides and isolates, a stray BOM
#: (not the joiners and marks that right-to-left scripts use).
CONTROL_CHARACTER = (
    r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\x{200B}\x{202A}-\x{202E}\x{2066}-\x{2069}\x{FEFF}]"
)
RAW = "__raw:"  # prefix of the untouched source columns, beside the parsed ones

# ISO 8601 shapes recognised from the first value of the column; the one that
# matches is then applied to every row (rows in another shape are rejected).
ISO_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), fmt)
    for pattern, fmt in (
        (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", "%Y-%m-%dT%H:%M:%S"),
        (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", "%Y-%m-%d %H:%M:%S"),
        (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+$", "%Y-%m-%dT%H:%M:%S%.f"),
        (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+$", "%Y-%m-%d %H:%M:%S%.f"),
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
class ScanOptions:
    period: str = "month"
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE
    encoding: str = "utf8"

    def __post_init__(self) -> None:
        # The API takes these as plain strings: a wrong one is an input error, not a
        # KeyError deep in the scan (period) or a silent fallback to utf8 (encoding).
        check_share(self.max_reject_rate, "max_reject_rate")
        if self.period not in periods.TRUNCATE_EVERY:
            raise InputError(f"unknown period '{self.period}'", hint="use week, month or quarter")
        if self.encoding not in ("utf8", "lossy"):
            raise InputError(
                f"unknown encoding '{self.encoding}'",
                hint="use utf8, or lossy to replace bytes that are not UTF-8",
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
    # scan's first pass, which reads number columns as numbers (see typed_numbers).
    dtypes: dict[str, pl.DataType] = field(default_factory=dict)

    def is_text(self, name: str) -> bool:
        return self.dtypes.get(name, pl.String) == pl.String

    def typed_timestamp(self) -> bool:
        names = self.sources["timestamp"]
        return len(names) == 1 and self.dtypes.get(names[0], pl.String).is_temporal()


# --------------------------------------------------------------------------- header


PARQUET_SUFFIXES = (".parquet", ".pq")


def _magic(path: Path, size: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def is_gzip(path: Path) -> bool:
    return path.is_file() and (path.suffix == ".gz" or _magic(path, 2) == b"\x1f\x8b")


def is_parquet(path: Path) -> bool:
    """A Parquet file (by suffix or magic bytes), or a directory of Parquet files (Spark)."""
    if path.is_dir():
        return any(path.glob("*.parquet"))
    return path.suffix.lower() in PARQUET_SUFFIXES or _magic(path, 4) == b"PAR1"


def _open_text(path: Path, errors: str = "strict") -> io.TextIOBase:
    if is_gzip(path):
        return io.TextIOWrapper(
            gzip.open(path, "rb"), encoding="utf-8-sig", errors=errors, newline=""
        )
    return open(path, encoding="utf-8-sig", errors=errors, newline="")


HEAD_LINE_CHARS = 1024 * 1024  # a "line" longer than this is not a CSV header


def _head_lines(path: Path, count: int, encoding: str = "utf8") -> list[str]:
    try:
        with _open_text(path, "replace" if encoding == "lossy" else "strict") as handle:
            lines: list[str] = []
            while len(lines) < count and (line := handle.readline(HEAD_LINE_CHARS)):
                lines.append(line)
            return lines
    except UnicodeDecodeError:
        from cx.data.diagnose import first_bad_utf8

        problem = first_bad_utf8(path)
        if problem is None:  # the decoder and the diagnosis disagree: say it plainly
            raise DataError("data file is not UTF-8 text", file=path) from None
        raise problem.error(path) from None
    except (OSError, EOFError, zlib.error) as exc:  # zlib.error: a corrupt .gz
        raise DataError(f"cannot read data file: {exc}", file=path) from None


def detect_delimiter(header_line: str) -> str | None:
    counts = {d: header_line.count(d) for d in DELIMITER_CANDIDATES}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else None


def check_data_path(path: Path) -> None:
    """Refuse, before opening it, a path that is no data file: missing, empty, or not a
    regular file (a device or a FIFO would block or never end)."""
    if not path.exists():
        raise DataError("data file not found", file=path, hint="check the --data path")
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


def _nearest(name: str, header: list[str]) -> str | None:
    lowered = {h.lower(): h for h in header}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.5)
    return lowered[close[0]] if close else None


def resolve_layout(path: Path, mapping: Mapping, encoding: str = "utf8") -> SourceLayout:
    """Read the header, pick the delimiter and map canonical columns to source columns.

    Parquet input (a file, or a directory of files) has its header and types read
    from its schema instead.
    """
    check_data_path(path)
    if is_parquet(path):
        return _parquet_layout(path, mapping)
    head = _head_lines(path, 6, encoding)
    if not head or not head[0].strip():
        raise DataError("data file has no header row", file=path, line=1)
    if "\x00" in head[0]:
        raise DataError("data file is binary, not CSV text", file=path)
    delimiter = mapping.delimiter or detect_delimiter(head[0])
    if delimiter is None:
        found = head[0].strip()
        if found not in CANONICAL_COLUMNS:
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
    sources = _map_sources(path, header, mapping)
    check_header(path, head[0], header, sources)  # CR-only lines, a used name twice
    timestamp_format = mapping.timestamp_format or _sniff_iso_format(
        path, head, delimiter, header, sources["timestamp"]
    )
    return SourceLayout(
        path=path,
        delimiter=delimiter,
        header=header,
        sources=sources,
        timestamp_format=timestamp_format,
        compressed=is_gzip(path),
    )


def _parquet_layout(path: Path, mapping: Mapping) -> SourceLayout:
    try:
        schema = pl.scan_parquet(path, glob=False).collect_schema()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise _read_error(path, exc) from None
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
    timestamp_format = mapping.timestamp_format or ""
    names = sources["timestamp"]
    if not timestamp_format and not (len(names) == 1 and dtypes[names[0]].is_temporal()):
        head = (
            pl.scan_parquet(path, glob=False)
            .select(pl.concat_str([pl.col(n).cast(pl.String) for n in names], separator=" "))
            .drop_nulls()
            .head(5)
            .collect()
        )
        lines = ["timestamp\n", *(f'"{value}"\n' for value in head.to_series())]
        timestamp_format = _sniff_iso_format(path, lines, ",", ["timestamp"], ["timestamp"])
    return SourceLayout(
        path=path,
        delimiter=",",
        header=header,
        sources=sources,
        timestamp_format=timestamp_format,
        compressed=False,
        format="parquet",
        dtypes=dtypes,
    )


def _map_sources(path: Path, header: list[str], mapping: Mapping) -> dict[str, list[str]]:
    """Canonical column -> source columns, from the mapping or the canonical names."""
    from cx.data.profile import missing_hint  # the error path only; it imports this module

    sources: dict[str, list[str]] = {}
    for canonical in CANONICAL_COLUMNS:
        configured = mapping.columns.get(canonical)  # type: ignore[call-overload]
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
            f"required column(s) missing: {', '.join(missing)}; columns found: {', '.join(header)}",
            file=path,
            line=1,
            hint=("nearest: " + ", ".join(hints) + "; map them with --columns")
            if hints
            else "map your export's columns with a mapping file (--columns)",
        )
    return sources


def _sniff_iso_format(
    path: Path, head: list[str], delimiter: str, header: list[str], columns: list[str]
) -> str:
    try:
        rows = list(csv.reader(head[1:], delimiter=delimiter))
    except csv.Error:  # e.g. a huge field: the scan will say where
        rows = []
    indices = [header.index(c) for c in columns]
    first_bad: tuple[str, int] | None = None
    # The first row in an ISO shape sets the format; one bad row among the first few
    # is a reject like any other, not a reason to refuse the file.
    for number, row in enumerate(rows, start=2):
        if len(row) < len(header):
            continue
        value = " ".join(row[i].strip() for i in indices).strip()
        if not value:
            continue
        for pattern, fmt in ISO_FORMATS:
            if pattern.match(value):
                return fmt
        first_bad = first_bad or (value, number)
    if first_bad is not None:
        raise DataError(
            f"timestamp '{first_bad[0]}' is not ISO 8601",
            file=path,
            line=first_bad[1],
            hint="set `timestamp_format:` (strftime) in a mapping file (--columns)",
        )
    return ISO_FORMATS[0][1]


# --------------------------------------------------------------------------- expressions


def _clean(name: str) -> pl.Expr:
    """Trimmed text, with empty meaning unknown (null)."""
    text = pl.col(RAW + name).str.strip_chars()
    return pl.when(text.str.len_bytes() > 0).then(text)


def _source(layout: SourceLayout, canonical: str) -> pl.Expr:
    names = layout.sources[canonical]
    if canonical == "timestamp" and layout.typed_timestamp():
        return pl.col(RAW + names[0])  # a typed Parquet column: nothing to trim
    if len(names) == 1:
        return _clean(names[0])
    joined = pl.concat_str([pl.col(RAW + n).str.strip_chars() for n in names], separator=" ")
    return pl.when(pl.all_horizontal([_clean(n).is_not_null() for n in names])).then(joined)


def _typed_timestamp(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A temporal Parquet column as naive microseconds (aware ones in UTC, like ``%z``)."""
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return column.cast(pl.Datetime("us"))


def _timestamp(layout: SourceLayout) -> pl.Expr:
    if layout.typed_timestamp():
        name = layout.sources["timestamp"][0]
        return _typed_timestamp(pl.col(RAW + name), layout.dtypes[name])
    return _parse_timestamp(_source(layout, "timestamp"), layout.timestamp_format)


def _parse_timestamp(text: pl.Expr, fmt: str) -> pl.Expr:
    """``text`` parsed with the one format ``fmt``, as naive microseconds (aware times in
    UTC). Without strptime's cache of distinct values: timestamps rarely repeat, so the
    cache would only cost a lookup per row."""
    if "%z" in fmt or "%#z" in fmt or "%:z" in fmt:
        parsed = text.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False, cache=False)
        return parsed.dt.replace_time_zone(None)
    return text.str.strptime(pl.Datetime("us"), fmt, strict=False, cache=False)


def _leap_second(text: pl.Expr, parsed: pl.Expr, fmt: str) -> pl.Expr:
    """Whether ``text`` was a time at second 60, which strptime reads as the next
    minute's second 0 (``2024-01-31T23:59:60`` as ``2024-02-01T00:00:00``: a contact in
    a month of its own). Such a time exists on no clock a contact centre keeps.

    Told by reading the text again with its seconds as 59 (the first or the last
    ``60`` in it, where the seconds usually are): a leap second reads as one second
    earlier than its first reading. A count of seconds (``%s``) has no seconds field.
    """
    if "%s" in fmt:
        return pl.lit(False)
    earlier = parsed - pl.duration(seconds=1)
    first = _parse_timestamp(text.str.replace("60", "59", literal=True), fmt)
    last = _parse_timestamp(text.str.replace(r"^(.*)60", "${1}59"), fmt)
    return (
        (parsed.dt.second() == 0)
        & text.str.contains("60", literal=True)
        & ((first == earlier) | (last == earlier))
    ).fill_null(False)


def _maybe_leap_second(text: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """A cheap superset of :func:`_leap_second`, for the fast scan's suspect rows."""
    return ((parsed.dt.second() == 0) & text.str.contains("60", literal=True)).fill_null(False)


def _boolean(layout: SourceLayout, mapping: Mapping, canonical: str) -> pl.Expr:
    raw = _source(layout, canonical).str.to_lowercase()
    configured = mapping.values.get(canonical)  # type: ignore[call-overload]
    true_words = [w.strip().lower() for w in configured.true] if configured else list(TRUE_WORDS)
    false_words = [w.strip().lower() for w in configured.false] if configured else list(FALSE_WORDS)
    return (
        pl.when(raw.is_in(true_words))
        .then(pl.lit(True))
        .when(raw.is_in(false_words))
        .then(pl.lit(False))
    )


def _number(layout: SourceLayout, canonical: str) -> pl.Expr:
    return _source(layout, canonical).cast(pl.Float64, strict=False)


def _channel(layout: SourceLayout, mapping: Mapping) -> pl.Expr:
    channel = _source(layout, "channel").str.to_lowercase()
    aliases = {
        alias.strip().lower(): canonical
        for canonical, values in mapping.channels.items()
        for alias in values
    }
    return channel.replace(aliases) if aliases else channel


@dataclass(frozen=True)
class _Check:
    present: pl.Expr
    valid: pl.Expr
    reason: str


def _in_time_range(timestamp: pl.Expr) -> pl.Expr:
    return timestamp.is_between(EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, closed="left")


def _score_ok(score: pl.Expr) -> pl.Expr:
    """A satisfaction score on any scale, but finite and far from overflowing a sum."""
    return score.is_finite() & (score.abs() <= MAX_SCORE)


def _checks(layout: SourceLayout) -> list[_Check]:
    """Reject rules in the order their reason is reported."""
    checks = [
        _Check(pl.lit(True), _source(layout, "customer_id").is_not_null(), "customer_id is empty"),
        _Check(pl.lit(True), _source(layout, "timestamp").is_not_null(), "timestamp is empty"),
        _Check(
            _source(layout, "timestamp").is_not_null(),
            pl.col("timestamp").is_not_null(),
            f"timestamp does not match format {layout.timestamp_format}",
        ),
        _Check(
            pl.col("timestamp").is_not_null(),
            _in_time_range(pl.col("timestamp")),
            "timestamp is before 1980 or after 2099",
        ),
    ]
    if not layout.typed_timestamp():
        checks.append(
            _Check(
                pl.col("timestamp").is_not_null(),
                ~_leap_second(
                    _source(layout, "timestamp"), pl.col("timestamp"), layout.timestamp_format
                ),
                "timestamp does not exist (second 60, a leap second)",
            )
        )
    checks += [
        _Check(pl.lit(True), _source(layout, "channel").is_not_null(), "channel is empty"),
    ]
    for name in ("channel", *DIMENSION_COLUMNS):
        if name in layout.sources:
            checks.append(
                _Check(
                    _source(layout, name).is_not_null(),
                    ~_source(layout, name).str.contains(CONTROL_CHARACTER),
                    f"{name} holds a control character (binary data?)",
                )
            )
    for name in ("handle_time", "wait_time"):
        if name in layout.sources:
            checks.append(
                _Check(
                    _source(layout, name).is_not_null(),
                    pl.col(name).is_between(0.0, MAX_HANDLE_TIME_SECONDS),
                    f"{name} is not a number of seconds from 0 to {MAX_HANDLE_TIME_SECONDS:,.0f}",
                )
            )
    for name in BOOLEAN_COLUMNS:
        if name in layout.sources:
            checks.append(
                _Check(
                    _source(layout, name).is_not_null(),
                    pl.col(name).is_not_null(),
                    f"{name} is not a boolean",
                )
            )
    if "satisfaction" in layout.sources:
        checks.append(
            _Check(
                _source(layout, "satisfaction").is_not_null(),
                _score_ok(pl.col("satisfaction")),
                "satisfaction is not a number",
            )
        )
    return checks


#: What fine.row_queries and fine.row_sink read besides keys and timestamp.
ROW_NUMBERS = {"handle_time": pl.Float64, "wait_time": pl.Float64, "abandoned": pl.Boolean}


def _completed(frame: pl.LazyFrame) -> pl.LazyFrame:
    """parse_rows' frame with the columns of ROW_NUMBERS, null where the file has none."""
    names = frame.collect_schema().names()
    missing = [pl.lit(None, t).alias(n) for n, t in ROW_NUMBERS.items() if n not in names]
    return frame.with_columns(missing) if missing else frame


def source_columns(layout: SourceLayout) -> list[str]:
    """The source columns the mapping uses, in name order."""
    return sorted({name for names in layout.sources.values() for name in names})


NUMBER_COLUMNS = ("handle_time", "wait_time", "satisfaction")


def number_sources(layout: SourceLayout) -> set[str]:
    """The source columns that hold a number column each (one source per number)."""
    sources = [layout.sources.get(name, []) for name in NUMBER_COLUMNS]
    return {names[0] for names in sources if len(names) == 1}


LINE = "__line"  # a 64-bit hash of every column of a row (see line_hash)
LINE_SEED = 0x11E5


def _line_hash(layout: SourceLayout) -> pl.Expr:
    """Per row, the wrapping sum of a hash of each column (a seed per column): as good a
    64-bit row hash as a struct hash, at half the cost.

    The number columns are hashed by value (``12``, `` 12`` and ``12.0`` are one value,
    as the rules of §3 read them), so a file gives the same duplicate rows whether its
    numbers were read as numbers (:func:`typed_numbers`) or as text."""
    numbers = number_sources(layout)

    def hashed(index: int, name: str) -> pl.Expr:
        seed, column = LINE_SEED + index, pl.col(name)
        if name not in numbers:
            return column.hash(seed)
        if not layout.is_text(name):
            return column.cast(pl.Float64).hash(seed)
        value = column.str.strip_chars().cast(pl.Float64, strict=False)
        return pl.when(value.is_not_null()).then(value.hash(seed)).otherwise(column.hash(seed))

    return pl.sum_horizontal([hashed(i, name) for i, name in enumerate(layout.header)])


def blank_line_hash(layout: SourceLayout) -> int:
    """The row hash of a blank line (every column null), which is no row to count."""
    types = {name: layout.dtypes.get(name, pl.String) for name in layout.header}
    blank = pl.DataFrame({name: [None] for name in types}, schema=types)
    return int(blank.select(_line_hash(layout)).item())


def raw_frame(
    layout: SourceLayout,
    encoding: str = "utf8",
    text: bool = True,
    line_hash: bool = False,
    head: int | None = None,
) -> pl.LazyFrame:
    """``__row`` and the source columns the mapping uses, as ``__raw:<name>``.

    CSV columns are read as text with an explicit schema (nothing inferred). Parquet
    columns keep their types unless ``text``: then every column but a temporal
    timestamp is cast to text, so the row rules below apply to it as to a CSV. With
    ``line_hash``, ``__line`` hashes all the file's columns, for counting duplicate rows.
    With ``head``, only the file's first ``head`` rows (read by lines, so a gzip file is
    not decompressed whole for them).
    """
    needed = source_columns(layout)
    extra = []
    if line_hash:
        extra = [_line_hash(layout).alias(LINE)]
    if layout.format == "parquet":
        keep = set(layout.sources["timestamp"]) if layout.typed_timestamp() else set()

        def column(name: str) -> pl.Expr:
            typed = not text or name in keep or layout.is_text(name)
            return (pl.col(name) if typed else pl.col(name).cast(pl.String)).alias(RAW + name)

        rows = pl.scan_parquet(layout.path, row_index_name=ROW, glob=False)
        rows = rows if head is None else rows.head(head)
        return rows.select(ROW, *(column(name) for name in needed), *extra)
    if head is None:
        frame = pl.scan_csv(
            layout.path, row_index_name=ROW, glob=False, **_csv_options(layout, encoding)
        )
    else:
        frame = _read_head(layout, encoding, head).lazy().with_row_index(ROW)
    return frame.select(ROW, *(pl.col(name).alias(RAW + name) for name in needed), *extra)


def _csv_options(layout: SourceLayout, encoding: str) -> dict[str, Any]:
    """How Polars reads the CSV of ``layout``: its delimiter, one quote character, and
    every column as text unless ``layout`` says otherwise (nothing is inferred)."""
    return {
        "separator": layout.delimiter,
        "has_header": True,
        "schema_overrides": {name: layout.dtypes.get(name, pl.String) for name in layout.header},
        "infer_schema": False,
        "encoding": "utf8-lossy" if encoding == "lossy" else "utf8",
        "quote_char": '"',
    }


def _read_head(layout: SourceLayout, encoding: str, rows: int) -> pl.DataFrame:
    """The first ``rows`` rows of a CSV (plain or gzip), read as ``layout`` says."""
    head = "".join(_head_lines(layout.path, rows + 1, encoding))
    return pl.read_csv(io.BytesIO(head.encode("utf-8")), **_csv_options(layout, encoding))


def parsed_frame(layout: SourceLayout, mapping: Mapping, encoding: str = "utf8") -> pl.LazyFrame:
    """The lazy frame of canonical, typed columns plus ``reject_reason`` and ``__row``."""
    return parse_rows(raw_frame(layout, encoding), layout, mapping)


def parse_rows(scan: pl.LazyFrame, layout: SourceLayout, mapping: Mapping) -> pl.LazyFrame:
    """Apply the row rules of §3 to a frame of ``__raw:`` text columns (see raw_frame)."""
    unit = 60.0 if mapping.handle_time_unit == "minutes" else 1.0
    parsed: dict[str, pl.Expr] = {
        "customer_id": _source(layout, "customer_id"),
        "timestamp": _timestamp(layout),
        "channel": _channel(layout, mapping),
    }
    for name in DIMENSION_COLUMNS:
        parsed[name] = (
            _source(layout, name).fill_null("all") if name in layout.sources else pl.lit("all")
        )
    if "handle_time" in layout.sources:
        parsed["handle_time"] = _number(layout, "handle_time") * unit
    if "wait_time" in layout.sources:
        parsed["wait_time"] = _number(layout, "wait_time")
    if "satisfaction" in layout.sources:
        parsed["satisfaction"] = _number(layout, "satisfaction")
    for name in BOOLEAN_COLUMNS:
        if name in layout.sources:
            parsed[name] = _boolean(layout, mapping, name)
    frame = scan.with_columns(**parsed)
    checks = _checks(layout)
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for check in reversed(checks):
        reason = (
            pl.when(check.present & ~check.valid.fill_null(False))
            .then(pl.lit(check.reason))
            .otherwise(reason)
        )
    return frame.with_columns(reject_reason=reason)


# --------------------------------------------------------------------------- fast rows

SUSPECT = "__suspect"
#: Canonical key columns whose text the fast path groups by as read (see fast_rows).
KEY_COLUMNS = ("customer_id", "channel", *DIMENSION_COLUMNS)


def _raw_text(layout: SourceLayout, name: str) -> pl.Expr:
    column = pl.col(RAW + name)
    return column if layout.is_text(name) else column.cast(pl.String)


def _fast_timestamp_text(layout: SourceLayout) -> pl.Expr:
    names = layout.sources["timestamp"]
    if len(names) == 1:
        return pl.col(RAW + names[0])
    return pl.concat_str([pl.col(RAW + n) for n in names], separator=" ")


def _fast_timestamp(layout: SourceLayout) -> pl.Expr:
    if layout.typed_timestamp():
        return _timestamp(layout)
    return _parse_timestamp(_fast_timestamp_text(layout), layout.timestamp_format)


def _fast_boolean(
    layout: SourceLayout, mapping: Mapping, canonical: str
) -> tuple[pl.Expr, pl.Expr]:
    """(value, suspect) of a boolean column: the usual spellings of its words are read
    by set membership (cheap); any other value is suspect and re-checked exactly."""
    names = layout.sources[canonical]
    if len(names) == 1 and layout.dtypes.get(names[0]) == pl.Boolean:
        return pl.col(RAW + names[0]), pl.lit(False)
    configured = mapping.values.get(canonical)  # type: ignore[call-overload]
    true_words = [w.strip() for w in configured.true] if configured else list(TRUE_WORDS)
    false_words = [w.strip() for w in configured.false] if configured else list(FALSE_WORDS)

    def spellings(words: list[str]) -> list[str]:
        return sorted({s for w in words for s in (w.lower(), w, w.upper(), w.capitalize())})

    trues = spellings(true_words)
    known = spellings(true_words + false_words)
    falses = [w for w in known if w not in trues]
    if set(trues) & set(spellings(false_words)):  # a word both true and false: exact rules
        return _boolean(layout, mapping, canonical), pl.lit(True)
    raw = _raw_text(layout, names[0]) if len(names) == 1 else _source(layout, canonical)
    value = pl.when(raw.is_in(trues)).then(True).when(raw.is_in(falses)).then(False)
    return value, raw.is_not_null() & ~raw.is_in(known)


def _fast_number(layout: SourceLayout, canonical: str) -> pl.Expr:
    names = layout.sources[canonical]
    if len(names) > 1:
        return _number(layout, canonical)
    if layout.dtypes.get(names[0], pl.String).is_numeric():
        return pl.col(RAW + names[0]).cast(pl.Float64)
    return _raw_text(layout, names[0]).cast(pl.Float64, strict=False)


def _present(layout: SourceLayout, canonical: str) -> pl.Expr:
    names = layout.sources[canonical]
    return pl.all_horizontal([pl.col(RAW + n).is_not_null() for n in names])


def raw_key_columns(layout: SourceLayout) -> frozenset[str]:
    """The key columns (customer_id aside) read from one source column each, which the
    fast path groups by as read and normalises afterwards (see fast_rows)."""
    return frozenset(name for name in KEY_COLUMNS[1:] if len(layout.sources.get(name, [])) == 1)


def fast_rows(
    layout: SourceLayout, mapping: Mapping, encoding: str = "utf8", head: int | None = None
) -> pl.LazyFrame:
    """The rows of a file (with ``head``, its first rows) parsed for speed, with as
    little work per row as can be: keys as read, ``__suspect`` marking rows to check
    exactly.

    Per row: one strptime with the explicit format, one cast per number, one lookup
    per boolean, and null checks. No trimming or case folding of text: the frame has
    ``__row``, the ``__raw:`` source columns and the canonical columns, and a row that
    is not suspect is valid under the rules of :func:`parse_rows`, its values equal to
    the exact ones once the key columns of :func:`raw_key_columns` are normalised
    (trimmed, lower-cased, aliased, empty → ``all``) — which is done on the
    aggregates, once per distinct value instead of once per row. A suspect row may
    still be valid (a padded number, ``TRUE`` written as ``Yes``): the scan re-reads
    those few rows with the exact rules.
    """
    scan = raw_frame(layout, encoding, text=False, line_hash=True, head=head)
    unit = 60.0 if mapping.handle_time_unit == "minutes" else 1.0
    columns: dict[str, pl.Expr] = {}
    raw_keys = raw_key_columns(layout)
    for name in KEY_COLUMNS:
        names = layout.sources.get(name)
        if names is None:
            columns[name] = pl.lit("all")
        elif name == "customer_id":  # exact: trimming is cheap, and ids are hashed whole
            columns[name] = _source(layout, name)
        elif name in raw_keys:
            columns[name] = _raw_text(layout, names[0])
        elif name == "channel":
            columns[name] = _channel(layout, mapping)
        else:
            columns[name] = _source(layout, name).fill_null("all")
    columns["timestamp"] = _fast_timestamp(layout)
    suspect = [
        pl.col("customer_id").is_null(),
        ~_in_time_range(pl.col("timestamp")).fill_null(False),
        pl.col("channel").is_null(),
    ]
    raw_keys_checked_later = raw_keys | {"customer_id"}  # see _normalise
    suspect += [
        pl.col(name).str.contains(CONTROL_CHARACTER).fill_null(False)
        for name in KEY_COLUMNS
        if name in layout.sources and name not in raw_keys_checked_later
    ]
    if not layout.typed_timestamp():
        suspect.append(_maybe_leap_second(_fast_timestamp_text(layout), pl.col("timestamp")))
    for name in ("handle_time", "wait_time", "satisfaction"):
        if name not in layout.sources:
            columns[name] = pl.lit(None, dtype=pl.Float64)
            continue
        number = _fast_number(layout, name)
        columns[name] = number * unit if name == "handle_time" else number
        value = pl.col(name)
        ok = (
            _score_ok(value)
            if name == "satisfaction"
            else value.is_between(0.0, MAX_HANDLE_TIME_SECONDS)
        )
        suspect.append(_present(layout, name) & ~ok.fill_null(False))
    for name in BOOLEAN_COLUMNS:
        if name not in layout.sources:
            columns[name] = pl.lit(None, dtype=pl.Boolean)
            continue
        columns[name], bad = _fast_boolean(layout, mapping, name)
        suspect.append(bad)
    frame = scan.with_columns(**columns).with_columns(pl.any_horizontal(suspect).alias(SUSPECT))
    return frame


# --------------------------------------------------------------------------- scan


def scan(
    path: str | Path,
    mapping: Mapping | None = None,
    options: ScanOptions | None = None,
    rejects_out: Callable[[pl.DataFrame], None] | None = None,
) -> Cube:
    """Read an interaction file once and build its cube.

    CSV, gzip-compressed CSV and Parquet rows are scanned (:func:`scan_fine`); a cube
    file (:mod:`cx.data.fine`) is read as it is.
    """
    mapping = mapping or Mapping()
    options = options or ScanOptions()
    path = Path(path)
    check_data_path(path)
    if fine.is_cube_file(path):
        cube = fine.read_cube_file(path)
    else:
        cube = scan_fine(path, mapping, options.encoding, rejects_out)
    return _assemble(path, options, cube)


#: At most this many suspect rows are kept for the exact re-check; more, and the file
#: is scanned with the exact rules throughout (memory stays bounded either way).
SUSPECT_LIMIT = 1_000_000


def scan_fine(
    path: Path,
    mapping: Mapping,
    encoding: str = "utf8",
    rejects_out: Callable[[pl.DataFrame], None] | None = None,
    exact: bool = False,
) -> fine.FineCube:
    """One pass over the rows into a fine cube, with the streaming engine.

    The fast path reads a few numbers per row (:func:`_row_sink`) and aggregates them
    after the read: demand by a key of hashed key values, which the first rows' values
    name (:func:`cx.data.fine.key_table`); keys are normalised on the aggregates, and
    customers' preferred channels come from hashed ids
    (:func:`cx.data.fine.preferred_from_hashes`). Suspect rows and rows with key values
    the first rows do not have are read again and checked with the exact rules
    (:func:`parse_rows`); the valid ones are added back. Where that cannot be exact — a
    blank channel, too many rows to check, no key table — the file is scanned with the
    exact rules on every row, as with ``exact`` or ``CX_SCAN=exact``: slower, same
    result.
    """
    text_layout = resolve_layout(path, mapping, encoding)
    table = None
    if not exact and os.environ.get("CX_SCAN") != "exact":
        table = _key_table(text_layout, mapping, encoding)
    if table is None:
        return _scan_exact(text_layout, mapping, encoding, rejects_out)
    layout, sink = _first_pass(text_layout, mapping, encoding)
    # Settled: valid, with key values seen in the first rows. The others are checked
    # again with the exact rules, as the file's text.
    keys = table["key"].implode()
    settled = pl.col("valid") & pl.col("key").is_in(keys)
    again = sink.select(settled.not_().arg_true().alias(ROW))[ROW]
    read, found = sink.height, again.len()
    if found > SUSPECT_LIMIT:
        return _scan_exact(text_layout, mapping, encoding, rejects_out)
    with ThreadPoolExecutor(max_workers=1) as pool:
        repeated = pool.submit(fine.duplicates, sink["line"], blank_line_hash(layout))
        sink = sink.filter(settled) if found else sink
        sink = sink.drop("line", "valid")
        demand = fine.demand_from_sink(sink, table)
        duplicate_rows = repeated.result()
    bounds = fine.sink_bounds(sink)
    unsettled = raw_frame(text_layout, encoding, text=False).select(
        ROW, *(RAW + name for name in source_columns(text_layout))
    )
    unsettled = unsettled.filter(pl.col(ROW).is_in(again.implode()))
    unsettled = _collect(path, [unsettled])[0] if found else unsettled.clear().collect()
    text = _as_text(unsettled, text_layout).lazy()
    checked = _completed(parse_rows(text, text_layout, mapping)).collect()
    rescued = checked.filter(pl.col("reject_reason").is_null())
    normal = _normalise(layout, mapping, raw_key_columns(layout), demand)
    if normal is None:
        return _scan_exact(text_layout, mapping, encoding, rejects_out)
    demand, channel_of = normal
    names = sorted(set(channel_of.values()) | set(rescued["channel"].unique().to_list()))
    rank = {name: i for i, name in enumerate(names)}
    raw = sorted(channel_of)
    code = fine.channel_codes(
        sink["hk"].to_numpy(), fine.channel_hashes(raw), [rank[channel_of[v]] for v in raw]
    )
    if code is None:  # a channel hash that is not a known one (never expected)
        return _scan_exact(text_layout, mapping, encoding, rejects_out)
    with ThreadPoolExecutor(max_workers=1) as pool:  # Polars and numpy release the GIL
        counted = pool.submit(fine.arrivals_from_sink, sink, code, names)
        preferred = _preferred(names, sink, code, rescued, mapping)
        arrivals = counted.result()
    del sink
    parts = [(demand, arrivals, bounds)]
    if rescued.height:
        parts.append(tuple(pl.collect_all(fine.row_queries(rescued.lazy()))))
    if preferred is None:  # the hashes could not vouch for themselves: count exactly
        rows = fast_rows(layout, mapping, encoding)
        valid = rows.filter(~pl.col(SUSPECT) & fine.demand_key().is_in(keys))
        pairs = _collect(path, [fine.pair_query(valid, mapping.anonymous_ids)])[0]
        pairs = pairs.with_columns(pl.col("channel").replace(channel_of))
        exact_pairs = fine.pair_query(rescued.lazy(), mapping.anonymous_ids).collect()
        both = pl.concat([pairs, exact_pairs], how="vertical_relaxed")
        pairs = fine.regroup(both, fine.PAIR_KEYS, ("n",))
        preferred = fine.preferred_counts(pairs, names)
    rejected = checked.filter(pl.col("reject_reason").is_not_null())
    cube = _finish(layout, parts, preferred, read, rejected, rejects_out)
    cube.duplicate_rows = duplicate_rows
    return cube


#: Rows of a file read first with number columns as numbers, to see that they parse.
TYPED_PROBE_ROWS = 2_000


def typed_numbers(layout: SourceLayout) -> SourceLayout:
    """``layout`` with the number columns of a CSV (plain or gzip) read as numbers.

    Polars' CSV reader parses a number where it reads it, which costs far less than
    reading text and casting it; it accepts what the cast accepts, plus leading
    blanks (which the rules of §3 trim anyway), and fails on anything else, after
    which the scan reads the file as text (:func:`_first_pass`).
    """
    if layout.format != "csv":
        return layout
    numbers = {name: pl.Float64() for name in number_sources(layout)}
    return replace(layout, dtypes={**layout.dtypes, **numbers}) if numbers else layout


def _first_pass(
    layout: SourceLayout, mapping: Mapping, encoding: str
) -> tuple[SourceLayout, pl.DataFrame]:
    """The one read of the fast scan: number columns as numbers when they parse
    (:func:`typed_numbers`), else as text. Returns the layout read with and the rows of
    :func:`_row_sink`."""
    typed = typed_numbers(layout)
    if typed is not layout and _parses(typed, encoding):
        try:
            return typed, _row_sink(typed, mapping, encoding).collect(engine="streaming")
        except pl.exceptions.ComputeError:
            pass  # a number past the first rows does not parse: read the file as text
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise _read_error(layout.path, exc) from None
    return layout, _collect(layout.path, [_row_sink(layout, mapping, encoding)])[0]


def _row_sink(layout: SourceLayout, mapping: Mapping, encoding: str) -> pl.LazyFrame:
    """The one query of the read: a few numbers per row (fine.row_sink), from which the
    demand, the arrivals, the preferred channels, the bounds and the rows to check
    again are all found after the read. With no aggregation beside it, the streaming
    engine holds far less memory, which is most of what one would cost."""
    rows = fast_rows(layout, mapping, encoding)
    return fine.row_sink(rows, mapping.anonymous_ids, ~pl.col(SUSPECT), line=LINE, key=True)


#: Rows of a file whose key values make the table of demand keys (fine.key_table).
KEY_TABLE_ROWS = 20_000


def _key_table(layout: SourceLayout, mapping: Mapping, encoding: str) -> pl.DataFrame | None:
    """The demand keys of the file's first rows (None: the exact scan must count)."""
    try:
        head = fast_rows(layout, mapping, encoding, head=KEY_TABLE_ROWS)
        seen = head.select(fine.KEY_NAMES).collect()
    except pl.exceptions.PolarsError:  # the scan itself says what is wrong with the file
        return None
    return fine.key_table(seen)


def _parses(layout: SourceLayout, encoding: str) -> bool:
    """Whether the first rows of the file parse with ``layout``'s column types (read
    by lines, so a gzip file is not decompressed whole for it)."""
    try:
        _read_head(layout, encoding, TYPED_PROBE_ROWS)
    except pl.exceptions.PolarsError:
        return False
    return True


def _preferred(
    names: list[str],
    sink: pl.DataFrame,
    code: np.ndarray,
    rescued: pl.DataFrame,
    mapping: Mapping,
) -> pl.DataFrame | None:
    """Preferred channels from the fast path's hashes plus the rescued rows' own (the
    rescued rows are few: they are hashed here, with the seeds of the sink)."""
    h1, h2 = sink["h1"].to_numpy(), sink["h2"].to_numpy()
    if "known" in sink.columns:  # anonymous customers are no one's preference
        known = sink["known"].to_numpy()
        h1, h2, code = h1[known], h2[known], code[known]
    if rescued.height:
        rank = {name: i for i, name in enumerate(names)}
        ones = fine.identified(rescued.lazy(), mapping.anonymous_ids)
        extra = pl.concat(
            [
                fine.row_sink(ones, []).select("h1", "h2").collect(),
                ones.select(
                    code=pl.col("channel").replace_strict(rank, return_dtype=pl.UInt8)
                ).collect(),
            ],
            how="horizontal",
        )
        h1 = np.concatenate([h1, extra["h1"].to_numpy()])
        h2 = np.concatenate([h2, extra["h2"].to_numpy()])
        code = np.concatenate([code, extra["code"].to_numpy()])
    return fine.preferred_from_hashes(h1, h2, code, names)


def _collect(path: Path, queries: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    try:
        return pl.collect_all(queries, engine="streaming")
    except (pl.exceptions.PolarsError, OSError) as exc:  # OSError: e.g. a truncated .gz
        raise _read_error(path, exc) from None


def _scan_exact(
    layout: SourceLayout,
    mapping: Mapping,
    encoding: str,
    rejects_out: Callable[[pl.DataFrame], None] | None,
) -> fine.FineCube:
    """Every row through the exact rules of :func:`parse_rows` (slower, same result)."""
    frame = _completed(parse_rows(raw_frame(layout, encoding, line_hash=True), layout, mapping))
    reason = pl.col("reject_reason")
    valid = frame.filter(reason.is_null())
    count = frame.select(rows_read=pl.len())
    lines = frame.select(LINE)
    rejected = frame.filter(reason.is_not_null()).select(
        ROW, "reject_reason", *(RAW + name for name in source_columns(layout))
    )
    queries = [*fine.row_queries(valid), fine.pair_query(valid, mapping.anonymous_ids)]
    demand, arrivals, bounds, pairs, counted, rejects, hashed = _collect(
        layout.path, [*queries, count, rejected, lines]
    )  # exactness first: this path is for the rare files the fast path cannot take
    preferred = fine.preferred_counts(pairs, demand["channel"].unique().to_list())
    parts = [(demand, arrivals, bounds)]
    read = int(counted["rows_read"].item())
    cube = _finish(layout, parts, preferred, read, rejects, rejects_out)
    cube.duplicate_rows = fine.duplicates(hashed[LINE], blank_line_hash(layout))
    return cube


def _as_text(frame: pl.DataFrame, layout: SourceLayout) -> pl.DataFrame:
    """Typed Parquet columns as text, for the exact rules (a temporal timestamp stays)."""
    keep = set(layout.sources["timestamp"]) if layout.typed_timestamp() else set()
    return frame.with_columns(
        pl.col(RAW + name).cast(pl.String)
        for name in source_columns(layout)
        if name not in keep and not layout.is_text(name)
    )


def _normalise(
    layout: SourceLayout,
    mapping: Mapping,
    raw_keys: frozenset[str],
    demand: pl.DataFrame,
) -> tuple[pl.DataFrame, dict[str, str]] | None:
    """Demand's keys as read → canonical values, once per distinct value (equal keys are
    added up when the fine cube is finished); and each channel as read → canonical.

    None when a channel is blank once trimmed, or a key value holds a control
    character: those rows are rejects, which only the exact scan can list one by one.
    """
    channel_of = {value: value for value in demand["channel"].unique().to_list()}
    for name in sorted(raw_keys - {"customer_id"}):
        source = layout.sources[name][0]
        values = demand.select(pl.col(name).unique().alias(RAW + source))
        if values.select(pl.col(RAW + source).str.contains(CONTROL_CHARACTER).any()).item():
            return None
        if name == "channel":
            exact = _channel(layout, mapping)
        else:
            exact = _source(layout, name).fill_null("all")
        table = values.select(pl.col(RAW + source).alias("raw"), exact.alias("value"))
        if name == "channel":
            if table["value"].null_count():
                return None
            channel_of = dict(table.iter_rows())
        changed = table.filter(pl.col("raw").is_null() | (pl.col("raw") != pl.col("value")))
        if not changed.height:
            continue
        lookup = dict(changed.drop_nulls("raw").iter_rows())
        fix = pl.col(name).replace(lookup)
        demand = demand.with_columns(fix.fill_null("all") if name != "channel" else fix)
    return demand, channel_of


def _finish(
    layout: SourceLayout,
    parts: list[tuple[pl.DataFrame, ...]],
    preferred: pl.DataFrame,
    rows_read: int,
    rejected: pl.DataFrame,
    rejects_out: Callable[[pl.DataFrame], None] | None,
) -> fine.FineCube:
    """Add up the parts' aggregates; count, sort and hand over the rejected rows."""
    path = layout.path
    # A blank line (every field the mapping reads empty, e.g. trailing empty lines) is
    # no row at all: neither read nor rejected.
    blank = pl.all_horizontal([pl.col(RAW + n).is_null() for n in source_columns(layout)])
    rows_read -= rejected.filter(blank).height
    rejected = rejected.filter(~blank)
    if rows_read == 0:
        raise DataError("data file has a header but no rows", file=path, line=2)
    demand = fine.regroup(
        pl.concat([fine.tidy_demand(p[0]) for p in parts]), fine.DEMAND_KEYS, fine.DEMAND_SUMS
    )
    arrivals = fine.regroup(
        pl.concat([fine.tidy_arrivals(p[1]) for p in parts]),
        fine.ARRIVAL_KEYS,
        fine.ARRIVAL_SUMS,
    )
    firsts = [p[2]["first"].item() for p in parts if p[2]["first"].item() is not None]
    lasts = [p[2]["last"].item() for p in parts if p[2]["last"].item() is not None]
    rejects = rejected.sort(ROW).select(
        (pl.col(ROW) + 2).alias("line"),
        "reject_reason",
        *(pl.col(RAW + name).alias(name) for name in source_columns(layout)),
    )
    counts = (
        rejects.group_by("reject_reason")
        .agg(rows=pl.len())
        .sort(pl.col("rows"), pl.col("reject_reason"), descending=[True, False])
    )
    if rejects_out is not None:
        rejects_out(rejects)
    return fine.FineCube(
        demand=fine.tidy_demand(demand),
        arrivals=fine.tidy_arrivals(arrivals),
        preferred=preferred,
        rows_read=rows_read,
        rows_rejected=rejects.height,
        first=min(firsts) if firsts else None,
        last=max(lasts) if lasts else None,
        reject_reasons={r: int(n) for r, n in counts.iter_rows()},
        rejects_sample=rejects.head(REJECT_SAMPLE_ROWS),
    )


def enforce_reject_rate(
    rows_read: int, rows_rejected: int, rejects: pl.DataFrame, max_rate: float, path: str | Path
) -> None:
    """Fail (exit 2) when more than ``max_rate`` of the rows were rejected (§3)."""
    rate = rows_rejected / rows_read if rows_read else 0.0
    if rows_rejected == 0 or (rate <= max_rate and rows_rejected < rows_read):
        return
    first = rejects.row(0, named=True) if rejects.height else None
    example = f"; first at line {first['line']}: {first['reject_reason']}" if first else ""
    beyond = (
        "no row is usable"
        if rows_rejected == rows_read
        else f"more than --max-reject-rate {max_rate:.1%}"
    )
    raise DataError(
        f"{rows_rejected:,} of {rows_read:,} rows rejected ({rate:.1%}), {beyond}{example}",
        file=path,
        line=first["line"] if first else None,
        hint="fix the export or the mapping (--columns); --rejects FILE lists every bad row",
    )


def _read_error(path: Path, exc: Exception) -> DataError:
    """Where the file goes wrong (line and column), found by cx.data.diagnose."""
    from cx.data.diagnose import read_error

    return read_error(path, exc)


def _assemble(path: Path, options: ScanOptions, cube: fine.FineCube) -> Cube:
    """The period cube of a fine cube, once the reject rate is known to be acceptable."""
    enforce_reject_rate(
        cube.rows_read,
        cube.rows_rejected,
        cube.rejects_sample,
        options.max_reject_rate,
        path,
    )
    return cube.to_cube(options.period, str(path))


def required_channels_message(
    unknown: list[str], catalog: list[str], data: str | None = None
) -> InputError:
    """Error for channels seen in the data (the file ``data``) but missing from a
    strategy's catalog."""
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, catalog, n=1, cutoff=0.5)
        parts.append(f"'{name}'" + (f" (nearest: '{close[0]}')" if close else ""))
    source = f"the data ({data})" if data else "the data"
    return InputError(
        f"channel(s) in {source} but not in the strategy's catalog: {', '.join(parts)}",
        hint="add them to `channels:`, or map them onto catalog channels with a mapping "
        "file's `channels:` aliases",
    )
