"""The row rules of §3: one home for what makes a row valid and what its values mean.

The bounds (seconds of handle and wait time, the width of a score, the years a
timestamp may fall in), the handle-time unit, the words a boolean column is read
with, the control characters no text value holds and the channel aliases are stated
here once. The exact scan applies them row by row (:func:`parse_rows`, whose checks
give each rejected row its reason), the fast scan (:mod:`cx.data.fastrows`) uses
them to tell the rows it must check again, and the SQL generator
(:mod:`cx.data.sql`) writes the same bounds into its statement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from cx.data.layout import CLEAN, RAW, SECONDS_COLUMNS, SourceLayout
from cx.errors import shown
from cx.models.mapping import (
    BOOLEAN_COLUMNS,
    DIMENSION_COLUMNS,
    REQUIRED_COLUMNS,
    Mapping,
    reads_offset,
)
from cx.models.vocabulary import EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, OUT_OF_TIME_RANGE

MAX_HANDLE_TIME_SECONDS = 86_400.0
#: No score scale is this wide; 1e300 scores would add up to infinity.
MAX_SCORE = 1e9
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
#: Control characters that no text value holds (tabs and line breaks may: a quoted
#: intent can span lines); a NUL in a channel is binary data, not a channel name, and
#: a C1 control (U+0080 to U+009F) is text decoded with the wrong encoding. With them,
#: the invisible ones that make two equal-looking names differ or reorder the text
#: around them: zero-width space, bidi overrides and isolates, a stray BOM (not the
#: joiners and marks that right-to-left scripts use).
CONTROL_CHARACTER = (
    r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x{9F}\x{200B}\x{202A}-\x{202E}\x{2066}-\x{2069}"
    r"\x{FEFF}]"
)
#: The byte order mark a UTF-8 export may begin with (Excel's "CSV UTF-8" writes one).
BOM = "\ufeff"
#: The characters the scan trims from a value (Polars' strip_chars: Unicode White_Space,
#: tabs and line breaks among them, which SQL's TRIM leaves).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
#: Characters that show nothing: a line of them, whitespace and delimiters looks blank
#: and is a blank line. A value is not trimmed of them: one in a channel or dimension
#: is a control character (CONTROL_CHARACTER), never silently dropped.
INVISIBLE = "\u200b" + BOM
#: What a blank line holds besides delimiters: whitespace and invisible characters
#: (cx.data.exact.blank_row, the engines' blank-line filter, the cut-short note).
BLANK = WHITESPACE + INVISIBLE
#: The number columns of §3; handle_time is converted to seconds (handle_time_unit).
NUMBER_COLUMNS = ("handle_time", "wait_time", "satisfaction")
#: What fine.row_queries and fine.row_sink read besides keys and timestamp.
ROW_NUMBERS = {"handle_time": pl.Float64, "wait_time": pl.Float64, "abandoned": pl.Boolean}


# --------------------------------------------------------------------------- rules


def handle_time_factor(mapping: Mapping) -> float:
    """Seconds per unit of the file's handle_time (a mapping may say minutes)."""
    return 60.0 if mapping.handle_time_unit == "minutes" else 1.0


def boolean_words(mapping: Mapping, canonical: str) -> tuple[list[str], list[str]]:
    """The (true, false) words of a boolean column, trimmed: the mapping's, else the usual."""
    configured = mapping.values.get(canonical)  # type: ignore[call-overload]
    if configured is None:
        return list(TRUE_WORDS), list(FALSE_WORDS)
    return [w.strip() for w in configured.true], [w.strip() for w in configured.false]


def channel_aliases(mapping: Mapping) -> dict[str, str]:
    """Each channel alias of the mapping (trimmed, lower-cased) → its catalog channel."""
    return {
        alias.strip().lower(): canonical
        for canonical, values in mapping.channels.items()
        for alias in values
    }


def in_time_range(timestamp: pl.Expr) -> pl.Expr:
    return timestamp.is_between(EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, closed="left")


def seconds_ok(seconds: pl.Expr) -> pl.Expr:
    """A handle or wait time: a number of seconds from 0 to MAX_HANDLE_TIME_SECONDS."""
    return seconds.is_between(0.0, MAX_HANDLE_TIME_SECONDS)


def score_ok(score: pl.Expr) -> pl.Expr:
    """A satisfaction score on any scale, but finite and far from overflowing a sum."""
    return score.is_finite() & (score.abs() <= MAX_SCORE)


def number_ok(name: str, value: pl.Expr) -> pl.Expr:
    """Whether ``value`` of the number column ``name`` (NUMBER_COLUMNS) is in bounds."""
    return score_ok(value) if name == "satisfaction" else seconds_ok(value)


# --------------------------------------------------------------------------- expressions


def _trimmed(name: str) -> pl.Expr:
    """Trimmed text, with empty meaning unknown (null)."""
    text = pl.col(RAW + name).str.strip_chars()
    return pl.when(text.str.len_bytes() > 0).then(text)


def _clean(layout: SourceLayout, name: str) -> pl.Expr:
    """The source column ``name`` trimmed (read from its ``__clean:`` column, where the
    frame has them)."""
    return pl.col(CLEAN + name) if layout.cleaned else _trimmed(name)


def source(layout: SourceLayout, canonical: str) -> pl.Expr:
    names = layout.sources[canonical]
    if canonical == "timestamp" and layout.typed_timestamp():
        return pl.col(RAW + names[0])  # a typed Parquet column: nothing to trim
    if len(names) == 1:
        return _clean(layout, names[0])
    joined = pl.concat_str([pl.col(RAW + n).str.strip_chars() for n in names], separator=" ")
    present = pl.all_horizontal([_clean(layout, n).is_not_null() for n in names])
    return pl.when(present).then(joined)


def _typed_timestamp(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A temporal Parquet column as naive microseconds (aware ones in UTC, like ``%z``)."""
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return column.cast(pl.Datetime("us"))


def parsed_timestamp(layout: SourceLayout) -> pl.Expr:
    if layout.typed_timestamp():
        name = layout.sources["timestamp"][0]
        return _typed_timestamp(pl.col(RAW + name), layout.dtypes[name])
    return parse_timestamp(
        source(layout, "timestamp"), layout.timestamp_format, layout.fraction_digits
    )


def parse_timestamp(text: pl.Expr, fmt: str, digits: int | None = None) -> pl.Expr:
    """``text`` parsed with the one format ``fmt``, as naive microseconds (aware times in
    UTC). Without strptime's cache of distinct values: timestamps rarely repeat, so the
    cache would only cost a lookup per row.

    With ``digits`` (:attr:`SourceLayout.fraction_digits`) and a format ending in
    ``:%S%.f``, the text is read first with a fraction of exactly that many digits
    (``.%3f``), which Polars parses several times faster than ``%.f``; where that
    reads nothing, the row is parsed with ``fmt``. A text the fixed width reads is one
    ``fmt`` reads to the same value (the same fields, then a dot and the digits)."""
    fixed = fixed_fraction_format(fmt, digits)
    if fixed is not None:
        first = text.str.strptime(pl.Datetime("us"), fixed, strict=False, cache=False)
        return pl.coalesce(first, parse_timestamp(pl.when(first.is_null()).then(text), fmt))
    if reads_offset(fmt):
        parsed = text.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False, cache=False)
        return parsed.dt.replace_time_zone(None)
    return text.str.strptime(pl.Datetime("us"), fmt, strict=False, cache=False)


#: The end of a timestamp format whose fraction can be read with a fixed width.
SECONDS_AND_FRACTION = ":%S%.f"


def fixed_fraction_format(fmt: str, digits: int | None) -> str | None:
    """``fmt`` with its fraction read as exactly ``digits`` digits, where it can be."""
    if digits not in (0, 3, 6) or not fmt.endswith(SECONDS_AND_FRACTION):
        return None
    return fmt.removesuffix("%.f") + (f".%{digits}f" if digits else "")


def _leap_second(
    text: pl.Expr, parsed: pl.Expr, fmt: str, digits: int | None = None
) -> pl.Expr:
    """Whether ``text`` was a time at second 60, which strptime reads as the next
    minute's second 0 (``2024-01-31T23:59:60`` as ``2024-02-01T00:00:00``: a contact in
    a month of its own). Such a time exists on no clock a contact centre keeps.

    Told by reading the text again with its seconds as 59 (the first or the last
    ``60`` in it, where the seconds usually are): a leap second reads as one second
    earlier than its first reading. A count of seconds (``%s``) has no seconds field.
    """
    if "%s" in fmt:
        return pl.lit(False)
    # The text is read again only for the few candidates (second 0, a 60 in the
    # text): Polars rewrites every row's text, null or not, so the candidates are
    # taken out of each batch of rows, read again, and put back (_reread).
    candidate = ((parsed.dt.second() == 0) & text.str.contains("60", literal=True)).fill_null(False)
    rows = pl.struct(text=text, parsed=parsed, candidate=candidate)

    def reread(batch: pl.Series) -> pl.Series:
        return _reread(batch, fmt, digits)

    return candidate & rows.map_batches(reread, return_dtype=pl.Boolean, is_elementwise=True)


def _reread(batch: pl.Series, fmt: str, digits: int | None) -> pl.Series:
    """Of a batch of (text, parsed, candidate) rows, whether each candidate's text, with
    its first or last ``60``, or the last one after a colon, read as ``59``, is one
    second before ``parsed`` (False for the rows that are no candidates). The colon
    finds the seconds of ``2060-01-01T00:00:60.60``, whose first 60 is in the year and
    last in the fraction."""
    text, parsed = pl.col("text"), pl.col("parsed")
    earlier = parsed - pl.duration(seconds=1)
    readings = [
        text.str.replace("60", "59", literal=True),
        text.str.replace(r"^(.*)60", "${1}59"),
        text.str.replace(r"^(.*:)60", "${1}59"),
    ]
    leap = pl.any_horizontal(parse_timestamp(t, fmt, digits) == earlier for t in readings)
    found = (
        batch.struct.unnest()
        .with_row_index("index")
        .filter(pl.col("candidate"))
        .select("index", leap=leap.fill_null(False))
    )
    result = pl.repeat(False, batch.len(), dtype=pl.Boolean, eager=True).alias("leap")
    return result.scatter(found["index"], found["leap"]) if found.height else result


SECOND_US = 1_000_000
MINUTE_US = 60 * SECOND_US


def maybe_leap_second(text: pl.Expr, parsed: pl.Expr, fmt: str, digits: int | None) -> pl.Expr:
    """A cheap superset of :func:`_leap_second`, for the fast scan's suspect rows: a
    time at second 0 whose text holds a ``60``.

    With a format ending in ``:%S%.f`` and a text ending in a dot and ``digits``
    digits, only the two characters before the dot count: they are the seconds (a
    ``60`` in the fraction, as in ``10:49:00.600``, is no leap second).

    Second 0 is told by arithmetic on the microseconds (Polars' ``%`` rounds down, as
    the clock does before 1970): ``dt.second()`` builds a calendar time for every row,
    which costs this check most of its time."""
    sixty = text.str.contains("60", literal=True)
    if digits is not None and fixed_fraction_format(fmt, digits) is not None:
        dot = text.str.slice(-(digits + 1), 1) == "."
        seconds = text.str.slice(-(digits + 3), 2) == "60"
        sixty = pl.when(dot).then(seconds).otherwise(sixty)
    at_second_zero = parsed.dt.epoch("us") % MINUTE_US < SECOND_US
    return (at_second_zero & sixty).fill_null(False)


def parsed_boolean(layout: SourceLayout, mapping: Mapping, canonical: str) -> pl.Expr:
    raw = source(layout, canonical).str.to_lowercase()
    true_words, false_words = boolean_words(mapping, canonical)
    return (
        pl.when(raw.is_in([w.lower() for w in true_words]))
        .then(pl.lit(True))
        .when(raw.is_in([w.lower() for w in false_words]))
        .then(pl.lit(False))
    )


def parsed_number(layout: SourceLayout, canonical: str) -> pl.Expr:
    if is_duration(layout, canonical):
        return parse_duration(source(layout, canonical), layout.duration_format or "")
    return source(layout, canonical).cast(pl.Float64, strict=False)


def is_duration(layout: SourceLayout, canonical: str) -> bool:
    """Whether the column ``canonical`` is read as a clock's duration (duration_format)."""
    return layout.duration_format is not None and canonical in SECONDS_COLUMNS


#: The text of each duration_format: hours of any number of digits, minutes and seconds
#: of two, the seconds with an optional fraction.
CLOCK_DURATIONS = {
    "hh:mm:ss": (r"^([0-9]+):([0-5][0-9]):([0-5][0-9](?:\.[0-9]+)?)$", (3600.0, 60.0, 1.0)),
    "mm:ss": (r"^([0-9]+):([0-5][0-9](?:\.[0-9]+)?)$", (60.0, 1.0)),
}


def parse_duration(text: pl.Expr, fmt: str) -> pl.Expr:
    """Seconds of a trimmed duration written as ``fmt`` (``0:05:12`` is 312.0); null
    where the text has another form, a plain number included."""
    pattern, weights = CLOCK_DURATIONS[fmt]
    parts = text.str.extract_groups(pattern)
    seconds = pl.lit(0.0)
    for index, weight in enumerate(weights):  # a null field (no match) makes the sum null
        seconds = seconds + parts.struct.field(str(index + 1)).cast(pl.Float64) * weight
    return seconds


def parsed_channel(layout: SourceLayout, mapping: Mapping) -> pl.Expr:
    channel = source(layout, "channel").str.to_lowercase()
    aliases = channel_aliases(mapping)
    return channel.replace(aliases) if aliases else channel


REPEATED_HEADER = "the line repeats the header (exports joined into one file?)"
FIRST_FIELD_ONLY = "the line fills only its first field (a report's footer?)"
BINARY_PADDING = "the line is binary padding (NUL bytes), not text"


@dataclass(frozen=True)
class _Check:
    present: pl.Expr
    valid: pl.Expr
    reason: str


def _required(layout: SourceLayout, canonical: str) -> list[_Check]:
    """``timestamp is empty``; for a column joined from several, also that one of them
    is while another is not (a date without its time is no empty timestamp)."""
    names = layout.sources.get(canonical, [])
    whole = source(layout, canonical).is_not_null()
    if len(names) < 2:
        return [_Check(pl.lit(True), whole, f"{canonical} is empty")]
    some = pl.any_horizontal([_clean(layout, name).is_not_null() for name in names])
    joined = ", ".join(f"'{name}'" for name in names)
    return [
        _Check(pl.lit(True), some, f"{canonical} is empty"),
        _Check(some, whole, f"{canonical} is incomplete: one of its columns ({joined}) is empty"),
    ]


def _repeated_header(layout: SourceLayout) -> list[_Check]:
    """A CSV line that repeats the header (exports joined into one file): its timestamp
    never parses, so it is rejected whatever the rule; this one says why. The line may
    start with the byte order mark each joined export began with (Excel's CSV UTF-8)."""
    if layout.format != "csv":
        return []
    names = layout.source_columns()
    repeated = pl.all_horizontal(
        [(_clean(layout, n).str.strip_prefix(BOM) == n.strip()).fill_null(False) for n in names]
    )
    return [_Check(pl.lit(True), ~repeated, REPEATED_HEADER)]


def _first_field_only(layout: SourceLayout) -> list[_Check]:
    """A CSV line whose first field alone is filled, as a report's footer lines are
    (``Copyright ...``, ``Confidential``): a required field another column holds is
    empty, so it is rejected whatever the rule; this one says why. (A footer in a
    column not read is no row at all.)"""
    if layout.format != "csv" or not layout.header:
        return []
    first = layout.header[0]
    names = set(layout.source_columns())
    required = {name for canonical in REQUIRED_COLUMNS for name in layout.sources[canonical]}
    if first not in names or required <= {first}:
        return []
    others = [_clean(layout, name).is_null() for name in sorted(names - {first})]
    only_first = _clean(layout, first).is_not_null() & pl.all_horizontal(others)
    return [_Check(pl.lit(True), ~only_first, FIRST_FIELD_ONLY)]


def _binary_padding(layout: SourceLayout) -> list[_Check]:
    """A CSV line of NUL bytes and blanks only, as a file padded at its end by a copy
    or a disk holds: rejected whatever the rule (its first field alone is filled, as
    a footer's is); this one says what it is."""
    if layout.format != "csv":
        return []
    fields = [_clean(layout, name) for name in layout.source_columns()]
    padding = pl.all_horizontal(
        [field.str.contains(r"^[\x00\s]*$").fill_null(True) for field in fields]
    ) & pl.any_horizontal([field.str.contains("\x00", literal=True) for field in fields])
    return [_Check(pl.lit(True), ~padding.fill_null(False), BINARY_PADDING)]


def _checks(layout: SourceLayout) -> list[_Check]:
    """Reject rules in the order their reason is reported."""
    checks = [
        *_repeated_header(layout),
        *_binary_padding(layout),
        *_first_field_only(layout),
        *_required(layout, "customer_id"),
        *_required(layout, "timestamp"),
        _Check(
            source(layout, "timestamp").is_not_null(),
            pl.col("timestamp").is_not_null(),
            f"timestamp does not match format {shown(layout.timestamp_format)}",
        ),
        _Check(
            pl.col("timestamp").is_not_null(),
            in_time_range(pl.col("timestamp")),
            f"timestamp is {OUT_OF_TIME_RANGE}",
        ),
    ]
    if not layout.typed_timestamp():
        checks.append(
            _Check(
                pl.col("timestamp").is_not_null(),
                ~_leap_second(
                    source(layout, "timestamp"),
                    pl.col("timestamp"),
                    layout.timestamp_format,
                    layout.fraction_digits,
                ),
                "timestamp does not exist (second 60, a leap second)",
            )
        )
    checks += _required(layout, "channel")
    # Optional columns: each rule applies where the column is present.
    optional: list[tuple[tuple[str, ...], Callable[[str], pl.Expr], str]] = [
        (
            ("channel", *DIMENSION_COLUMNS),
            lambda name: ~source(layout, name).str.contains(CONTROL_CHARACTER),
            "{} holds a control character (binary data?)",
        ),
        (
            SECONDS_COLUMNS,
            lambda name: seconds_ok(pl.col(name)),
            "{} is not a number of seconds from 0 to " + f"{MAX_HANDLE_TIME_SECONDS:,.0f}"
            if layout.duration_format is None
            else "{} is not a duration " + f"{layout.duration_format} from 0 to 24:00:00",
        ),
        (BOOLEAN_COLUMNS, lambda name: pl.col(name).is_not_null(), "{} is not a boolean"),
        (("satisfaction",), lambda name: score_ok(pl.col(name)), "{} is not a number"),
    ]
    for names, valid, reason in optional:
        checks += [
            _Check(source(layout, name).is_not_null(), valid(name), reason.format(name))
            for name in names
            if name in layout.sources
        ]
    return checks


def completed(frame: pl.LazyFrame) -> pl.LazyFrame:
    """parse_rows' frame with the columns of ROW_NUMBERS, null where the file has none."""
    names = frame.collect_schema().names()
    missing = [pl.lit(None, t).alias(n) for n, t in ROW_NUMBERS.items() if n not in names]
    return frame.with_columns(missing) if missing else frame


def parse_rows(scan: pl.LazyFrame, layout: SourceLayout, mapping: Mapping) -> pl.LazyFrame:
    """Apply the row rules of §3 to a frame of ``__raw:`` text columns
    (:func:`cx.data.raw.raw_frame`)."""
    # Each source column is trimmed once, into a column the rules read (a trimmed
    # value is used by several rules, and Polars would trim it again for each).
    typed = set(layout.sources["timestamp"]) if layout.typed_timestamp() else set()
    trimmed = [name for name in layout.source_columns() if name not in typed]
    scan = scan.with_columns(_trimmed(name).alias(CLEAN + name) for name in trimmed)
    layout = replace(layout, cleaned=True)
    unit = handle_time_factor(mapping)
    parsed: dict[str, pl.Expr] = {
        "customer_id": source(layout, "customer_id"),
        "timestamp": parsed_timestamp(layout),
        "channel": parsed_channel(layout, mapping),
    }
    for name in DIMENSION_COLUMNS:
        parsed[name] = (
            source(layout, name).fill_null("all") if name in layout.sources else pl.lit("all")
        )
    for name in NUMBER_COLUMNS:
        if name in layout.sources:
            number = parsed_number(layout, name)
            parsed[name] = number * unit if name == "handle_time" else number
    for name in BOOLEAN_COLUMNS:
        if name in layout.sources:
            parsed[name] = parsed_boolean(layout, mapping, name)
    frame = scan.with_columns(**parsed)
    # Each check is worked out once, as a column of its own, before the reasons are
    # chosen: nested in the chain of reasons, each would be evaluated at every level.
    checks = _checks(layout)
    failed = [f"{FAILED}{index}" for index in range(len(checks))]
    frame = frame.with_columns(
        (check.present & ~check.valid.fill_null(False)).alias(name)
        for name, check in zip(failed, checks, strict=True)
    )
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for name, check in zip(reversed(failed), reversed(checks), strict=True):
        reason = pl.when(pl.col(name)).then(pl.lit(check.reason)).otherwise(reason)
    return frame.with_columns(reject_reason=reason).drop(
        *failed, *(CLEAN + name for name in trimmed)
    )


#: Prefix of the columns that hold, for a moment, whether a row fails each check.
FAILED = "__fails:"
