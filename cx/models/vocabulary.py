"""The words and bounds of cx's vocabulary, stated once.

Calendar periods, staffing intervals, the journey window and what a channel name
may look like: the strategy models, the command-line options, the API's argument
checks and the scan all derive their choices, defaults, bounds and messages from
here, so a new period or interval is added in one place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Literal, get_args

#: Calendar periods results are reported by (weeks start on Monday, ISO 8601).
Period = Literal["week", "month", "quarter"]
PERIODS: tuple[str, ...] = get_args(Period)
DEFAULT_PERIOD: Period = "month"

#: Staffing intervals, in minutes.
Interval = Literal[15, 30, 60]
INTERVALS: tuple[int, ...] = get_args(Interval)
DEFAULT_INTERVAL: Interval = 60

#: Journey window (strategy journeys.window_hours, --journey-window, window_hours=):
#: hours between a customer's contacts that still continue a journey; at most a year.
DEFAULT_WINDOW_HOURS = 72.0
MIN_WINDOW_HOURS = 0.0
MAX_WINDOW_HOURS = 8_760.0

# Timestamps outside these are sentinels (1900-01-01, 9999-12-31, year 0), not contacts:
# a scan rejects them (cx.data.rules) and cx generate writes none.
EARLIEST_TIMESTAMP = datetime(1980, 1, 1)
LATEST_TIMESTAMP = datetime(2100, 1, 1)
#: The time range in words, as errors and reject reasons say it.
OUT_OF_TIME_RANGE = f"before {EARLIEST_TIMESTAMP.year} or after {LATEST_TIMESTAMP.year - 1}"

#: The names of a Parquet data file (any other is CSV, gzip-compressed for .gz).
PARQUET_SUFFIXES = (".parquet", ".pq")
#: Suffixes of the formats a file cx writes could be taken for, other than its own: an
#: output named with one is refused (CSV text in book.xlsx). Any other suffix (cube.v2,
#: sample.2024-06) is a name, not a format.
FORMAT_SUFFIXES = (
    ".csv", ".tsv", ".txt", ".gz", ".zip", ".bz2", ".xz", ".zst", ".json", ".jsonl",
    ".xlsx", ".xls", ".ods", ".html", ".htm", ".md", ".xml", ".yaml", ".yml",
    *PARQUET_SUFFIXES,
)  # fmt: skip


def named_format(name: str) -> str | None:
    """The format a file name says: its last suffix when that names one (``.gz`` of
    ``x.csv.gz``), else one before it (``.parquet`` of ``x.parquet.tmp``, which a writer
    going by the last suffix would not write); None for a name that says none
    (``cube.v2``)."""
    suffixes = [f".{part}" for part in name.lower().split(".")[1:]]
    return next((suffix for suffix in reversed(suffixes) if suffix in FORMAT_SUFFIXES), None)


def bare_name(name: str) -> str:
    """``name`` without its suffixes (``x`` of ``x.csv.gz``), for a name to suggest."""
    return name.split(".")[0] or name



#: Channel names: lower-case letters, digits, '_' and '-', starting with a letter or digit.
CHANNEL_NAME_PATTERN = r"^[a-z0-9][a-z0-9_\-]*$"
CHANNEL_NAME_RULE = "channel names are lower-case letters, digits, '_' and '-'"
_NOT_IN_CHANNEL_NAME = re.compile(r"[^a-z0-9_\-]+")


def channel_name_like(text: str) -> str:
    """The valid channel name closest to ``text`` ('Web Chat' → 'web_chat'); may be ''."""
    return _NOT_IN_CHANNEL_NAME.sub("_", text.strip().lower()).strip("_")


def metavar(choices: Sequence[object]) -> str:
    """``<week|month|quarter>``: the values an option takes, as ``--help`` shows them."""
    return "<" + "|".join(str(choice) for choice in choices) + ">"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``one`` for a count of 1, else ``many`` (``one`` + s when not given): ``row`` or
    ``rows``, ``is`` or ``are``, ``line repeats`` or ``lines repeat``."""
    if count == 1:
        return one
    return many if many is not None else f"{one}s"


def counted(count: int, one: str, many: str | None = None) -> str:
    """A count and its words, the count with thousands separated: ``1 row``,
    ``2,831 rows``, ``3 lines repeat`` (words as :func:`plural` chooses them)."""
    return f"{count:,} {plural(count, one, many)}"


def one_of(choices: Sequence[object]) -> str:
    """``week, month or quarter``: choices as a message names them."""
    words = [str(choice) for choice in choices]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def mixed_currencies(currencies: list[str | None]) -> str | None:
    """The labels of figures side by side that do not share one (``CHF, €``, ``€ and
    none``), or None when they do."""
    labels = sorted({currency for currency in currencies if currency is not None})
    unlabelled = None in currencies
    if len(labels) > 1 or (labels and unlabelled):
        return ", ".join(labels) + (" and none" if unlabelled else "")
    return None
