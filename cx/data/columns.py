"""What an export's columns hold, read from its first rows: ids, timestamps, dates,
times, numbers, a few distinct values; and which columns could be meant by a name.

Two users: ``cx init`` proposes a mapping from it (through :mod:`cx.data.profile`), and
the missing-column hint of a mapping ranks the columns that could be meant by what they
hold as well as by their names (a ``created_at`` that is not in the file points at the
column of timestamps, ``Opened``, not at ``Created by``). The hint reads the head of the
file on its own, best effort, so that the layout can ask for it without a cycle.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cx.data.diagnose import column_key
from cx.data.files import detect_delimiter, is_parquet, open_text
from cx.errors import closest
from cx.models.vocabulary import EARLIEST_TIMESTAMP, LATEST_TIMESTAMP

#: Rows read to profile the columns.
PROFILE_ROWS = 2_000
#: A column whose non-empty values parse in this share is of that kind (the rows that
#: do not are rejects, which cx init counts and reports).
PARSE_SHARE = 0.9
#: At most this many distinct values make a column categorical (channels, segments).
FEW_DISTINCT = 40

DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d.%m.%y",
    "%Y%m%d",
)
#: 24-hour times first; then the 12-hour clock of US exports (``2:05:00 PM``).
TIME_FORMATS = ("%H:%M:%S", "%H:%M:%S%.f", "%H:%M", "%I:%M:%S %p", "%I:%M %p")
#: Date-time glue and time-zone endings tried after each date format: none, UTC (as
#: `Z`, or as the name a database writes: `2024-03-01 14:05:00 UTC`) or an offset.
DATE_TIME_JOINS = ("T", " ")
ZONE_SUFFIXES = ("", "Z", " UTC", "%#z")

_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}")


def datetime_formats() -> list[str]:
    """Every full timestamp format cx init tries, most specific first."""
    formats = []
    for date in DATE_FORMATS:
        for join in DATE_TIME_JOINS if date.startswith("%Y-") else (" ",):
            for time in TIME_FORMATS:
                for zone in ZONE_SUFFIXES if date.startswith("%Y-") and "%p" not in time else ("",):
                    formats.append(f"{date}{join}{time}{zone}")
    return formats


@dataclass(frozen=True)
class ColumnProfile:
    """What one column's first values hold."""

    name: str
    filled: float  # share of rows with a value
    distinct: int  # distinct non-empty values
    distinct_share: float  # distinct / non-empty values
    numeric: float  # share of non-empty values that are numbers
    minimum: float | None
    maximum: float | None
    median: float | None
    datetime_format: str | None  # the format every value parses with, if one does
    date_format: str | None
    time_format: str | None
    samples: tuple[str, ...]  # the most frequent values, at most FEW_DISTINCT

    @property
    def is_number(self) -> bool:
        return self.numeric >= PARSE_SHARE and self.minimum is not None

    @property
    def is_few(self) -> bool:
        return 1 <= self.distinct <= FEW_DISTINCT and not self.is_number

    @property
    def kind(self) -> str:
        """timestamp | date | time | number | id | category | text | empty: the first fit."""
        if self.distinct == 0:
            return "empty"
        if self.datetime_format:
            return "timestamp"
        if self.date_format:
            return "date"
        if self.time_format:
            return "time"
        if self.is_number:
            return "number"
        many = self.distinct > FEW_DISTINCT or self.distinct_share > 0.5
        if many and id_like(self):
            return "id"
        if self.distinct <= FEW_DISTINCT:
            return "category"
        return "text"


def nearly_all(profile: ColumnProfile, pattern: str | re.Pattern[str]) -> bool:
    """Whether nearly all (PARSE_SHARE) of a column's sampled values, trimmed, match
    ``pattern`` whole."""
    values = [value.strip() for value in profile.samples]
    matched = sum(bool(re.fullmatch(pattern, value)) for value in values)
    return bool(values) and matched >= PARSE_SHARE * len(values)


#: A phone number as exports write it: ``+44 7700 900134``, ``(555) 010-2030``.
PHONE_NUMBER = re.compile(r"\+?[\d ().\-]{6,24}")


def id_like(profile: ColumnProfile) -> bool:
    """Short values without spaces (codes, numbers, e-mail addresses) or phone numbers,
    not sentences."""
    return all(
        (" " not in value.strip() or PHONE_NUMBER.fullmatch(value.strip())) and len(value) <= 64
        for value in profile.samples
    )


def _parse_share(values: pl.Series, dtype: pl.DataType, fmt: str) -> float:
    """The share of ``values`` that ``fmt`` reads, as dates in the years cx reads: ``%Y``
    alone takes Excel's ``3/1/24`` for 24 January of the year 3, which a scan rejects."""
    try:
        parsed = values.str.strptime(dtype, fmt, strict=False)  # type: ignore[arg-type]
    except pl.exceptions.PolarsError:
        return 0.0
    if dtype != pl.Time:
        years = parsed.dt.year()
        parsed = parsed.filter(
            years.is_between(EARLIEST_TIMESTAMP.year, LATEST_TIMESTAMP.year, closed="left")
        )
    return (len(parsed) - parsed.null_count()) / len(values)


#: A timestamp followed by a time-zone name (``CET``, ``Europe/Paris``), which no
#: strftime format reads exactly.
ZONE_NAME_SUFFIX = re.compile(r"^(.*[0-9])\s+([A-Z]{2,5}|[A-Za-z]+/[A-Za-z_]+)$")


def zone_named(profile: ColumnProfile) -> str | None:
    """The time-zone name nearly all of a column's values end in, after a timestamp cx
    would otherwise read (``2024-03-01 14:05:00 CET``); None if they do not."""
    matches = [ZONE_NAME_SUFFIX.match(value.strip()) for value in profile.samples]
    found = [m for m in matches if m is not None and m.group(2).upper() not in ("AM", "PM")]
    if not found or len(found) < PARSE_SHARE * len(matches):
        return None
    stamps = pl.Series([match.group(1) for match in found], dtype=pl.String)
    if _first_format(stamps, pl.Datetime("us"), datetime_formats()) is None:
        return None
    return found[0].group(2)


def _first_format(
    values: pl.Series, dtype: pl.DataType, formats: tuple[str, ...] | list[str]
) -> str | None:
    if len(values) == 0:
        return None
    for fmt in formats:
        if _parse_share(values, dtype, fmt) >= PARSE_SHARE:
            return fmt
    return None


def day_month_evidence(rows: pl.LazyFrame, column: str) -> tuple[int, int]:
    """How many dates like 13/04/2024 in ``column`` only a day-first order reads (a
    first number above 12), and how many like 04/13/2024 only a month-first one does."""
    parts = pl.col(column).str.strip_chars().str.extract_groups(_DAY_FIRST.pattern)
    found = rows.select(
        day=(parts.struct.field("1").cast(pl.Int32, strict=False) > 12).sum(),
        month=(parts.struct.field("2").cast(pl.Int32, strict=False) > 12).sum(),
    ).collect()
    return int(found.item(0, "day")), int(found.item(0, "month"))


def date_spans(rows: pl.LazyFrame, column: str, date_formats: list[str]) -> list[int | None]:
    """Per date format: the days between the earliest and the latest date of ``column``
    (its values' text before the first space) read with it; None when the format does
    not read every value, or none."""
    text = pl.col(column).str.strip_chars()
    filled = text.str.len_bytes() > 0
    spans = []
    for index, fmt in enumerate(date_formats):
        dates = text.str.split(" ").list.first().str.strptime(pl.Date, fmt, strict=False)
        spans += [
            (dates.max() - dates.min()).dt.total_days().alias(f"span{index}"),
            (filled & dates.is_null()).any().alias(f"unread{index}"),
        ]
    found = rows.select(spans).collect()
    return [
        None if found.item(0, f"unread{index}") else found.item(0, f"span{index}")
        for index in range(len(date_formats))
    ]


def swap_day_month(fmt: str) -> str:
    """``%d/%m/%Y`` ↔ ``%m/%d/%Y``."""
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def profile_column(name: str, values: pl.Series, rows: int) -> ColumnProfile:
    """The profile of one text column of ``rows`` rows (``values`` as read, nulls included)."""
    text = values.cast(pl.String).str.strip_chars()
    text = text.filter(text.str.len_bytes() > 0)
    count = len(text)
    numbers = text.cast(pl.Float64, strict=False).drop_nulls()
    numbers = numbers.filter(numbers.is_finite())
    counts = text.value_counts(sort=True, name="n") if count else None
    samples = tuple(counts.get_column(text.name).head(FEW_DISTINCT)) if counts is not None else ()
    distinct = text.n_unique() if count else 0
    numeric = len(numbers) / count if count else 0.0
    return ColumnProfile(
        name=name,
        filled=count / rows if rows else 0.0,
        distinct=distinct,
        distinct_share=distinct / count if count else 0.0,
        numeric=numeric,
        minimum=float(numbers.min()) if len(numbers) else None,  # type: ignore[arg-type]
        maximum=float(numbers.max()) if len(numbers) else None,  # type: ignore[arg-type]
        median=float(numbers.median()) if len(numbers) else None,  # type: ignore[arg-type]
        datetime_format=None
        if numeric
        else _first_format(text, pl.Datetime("us"), datetime_formats()),
        date_format=None if numeric else _first_format(text, pl.Date, DATE_FORMATS),
        time_format=None if numeric else _first_format(text, pl.Time, TIME_FORMATS),
        samples=samples,
    )


def hint_frame(path: Path, delimiter: str | None, rows: int = 200) -> pl.DataFrame | None:
    """The first ``rows`` rows of a CSV export as text columns, or None when they cannot
    be read plainly (a hint is best effort: the error being reported is the real one)."""
    if is_parquet(path):
        return None
    try:
        with open_text(path, "replace") as handle:
            lines = list(itertools.islice(handle, rows + 1))
    except (OSError, EOFError, ValueError):
        return None
    if not lines:
        return None
    delimiter = delimiter or detect_delimiter(lines[0])
    if delimiter is None:
        return None
    try:
        header, *body = list(csv.reader(lines, delimiter=delimiter))
    except (csv.Error, ValueError):
        return None
    if len(set(header)) != len(header):
        return None
    return pl.DataFrame(
        {
            name: [row[index] if index < len(row) else None for row in body]
            for index, name in enumerate(header)
        },
        schema=dict.fromkeys(header, pl.String),
    )


def profile_frame(frame: pl.DataFrame) -> list[ColumnProfile]:
    return [profile_column(name, frame.get_column(name), frame.height) for name in frame.columns]


# --------------------------------------------------------------------------- ranking

#: Per canonical column: words its source column is usually named with, and the kinds
#: of content that fit it.
NAME_WORDS: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer", "client", "requester", "caller", "account", "member", "user"),
    "timestamp": ("created", "opened", "start", "initiation", "received", "timestamp", "date"),
    "channel": ("channel", "via", "medium", "media", "source", "origin", "method"),
    "segment": ("segment", "tier", "customertype", "plan", "band"),
    "stage": ("stage", "journey", "phase", "lifecycle"),
    "intent": ("intent", "reason", "topic", "category", "issue", "disposition", "purpose"),
    "handle_time": ("handle", "handling", "aht", "talk", "interactionduration", "timespent"),
    "resolved": ("resolved", "resolution", "solved", "status", "outcome", "fcr"),
    "wait_time": ("wait", "queue", "answer", "asa"),
    "abandoned": ("abandoned", "abandon", "hangup", "outcome", "result"),
    "satisfaction": ("satisfaction", "csat", "rating", "score", "nps"),
}
CONTENT_KINDS: dict[str, tuple[str, ...]] = {
    "customer_id": ("id", "number"),
    "timestamp": ("timestamp",),
    "channel": ("category",),
    "segment": ("category",),
    "stage": ("category",),
    "intent": ("category",),
    "handle_time": ("number",),
    "wait_time": ("number",),
    "satisfaction": ("number", "category"),
    "resolved": ("category",),
    "abandoned": ("category",),
}


def name_score(canonical: str, name: str, asked: str | None = None) -> float:
    """How well a column's name fits: 0 (nothing alike) to 1 (the same name)."""
    key = column_key(name)
    wanted = [column_key(canonical)] + ([column_key(asked)] if asked else [])
    if key in wanted:
        return 1.0
    score = max(difflib.SequenceMatcher(None, key, w).ratio() for w in wanted) * 0.5
    if any(word in key for word in NAME_WORDS.get(canonical, ())):
        score = max(score, 0.6)
    return score


def content_fits(canonical: str, profile: ColumnProfile) -> bool:
    kind = profile.kind
    if canonical == "timestamp":
        return kind in ("timestamp", "date")
    if canonical == "customer_id":
        whole = profile.minimum is not None and float(profile.minimum).is_integer()
        many = profile.distinct > FEW_DISTINCT or profile.distinct_share > 0.5
        return kind == "id" or (kind == "number" and whole and many)
    return kind in CONTENT_KINDS.get(canonical, ())


def rank_columns(
    canonical: str, profiles: list[ColumnProfile], asked: str | None = None
) -> list[tuple[float, ColumnProfile]]:
    """Columns that could hold ``canonical``, best first: content that fits outranks a
    name that merely looks alike."""
    ranked = []
    for profile in profiles:
        fits = content_fits(canonical, profile)
        score = name_score(canonical, profile.name, asked) + (1.0 if fits else 0.0)
        if fits or score >= 0.6:
            ranked.append((score, profile))
    if any(content_fits(canonical, profile) for _, profile in ranked):
        ranked = [item for item in ranked if content_fits(canonical, item[1])]
    ranked.sort(key=lambda item: -item[0])
    return ranked


KIND_WORDS = {
    "timestamp": "timestamps",
    "date": "dates",
    "time": "times of day",
    "number": "numbers",
    "id": "ids",
    "category": "a few distinct values",
    "text": "free text",
    "empty": "nothing",
}


def describe(profile: ColumnProfile) -> str:
    return f"'{profile.name}' (holds {KIND_WORDS[profile.kind]})"


HINT_ROWS = 200


def candidates(
    path: Path, delimiter: str | None, canonical: str, asked: str | None = None
) -> str | None:
    """The columns of ``path`` that could be the missing ``canonical`` (the mapping's
    ``asked``), ranked by what they hold and then by name: ``'Opened' (holds
    timestamps)``. None when nothing fits or the file cannot be profiled."""
    frame = hint_frame(path, delimiter)
    if frame is None:
        return None
    ranked = rank_columns(canonical, profile_frame(frame), asked)
    if not ranked:
        return None
    return " or ".join(describe(profile) for _, profile in ranked[:2])


def missing_hint(
    path: Path, delimiter: str | None, canonical: str, asked: str | None, header: list[str]
) -> str | None:
    """The columns to suggest for a missing one: by content (:func:`candidates`), else
    the nearest name."""
    ranked = candidates(path, delimiter, canonical, asked)
    if ranked:
        return ranked
    nearest = closest((asked or canonical).lower(), {name.lower(): name for name in header})
    return f"'{nearest}'" if nearest else None
