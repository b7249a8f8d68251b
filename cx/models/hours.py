"""Weekly opening hours of a channel (§11): parsed and compiled in one place.

``hours: {mon-fri: "08:00-20:00", sat: "09:00-13:00"}`` becomes a :class:`WeeklyHours`:
the open minutes of a week (Monday 00:00 is minute 0). Staffing and the replay ask it
which intervals are open (an interval is open when any part of it is) and where the
next opening after a closed interval is; nobody else reads the text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: `cx validate` reads hours without them
    import numpy as np
    import polars as pl

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
ALWAYS = "24/7"
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)
_MINUTE_US = 60_000_000

_RANGE = re.compile(r"([0-9]{1,2}):([0-9]{2})-([0-9]{1,2}):([0-9]{2})")


class HoursError(ValueError):
    """A value of `hours` that cannot be read; the message says which part and why."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _day(name: str) -> int:
    if name in DAYS:
        return DAYS.index(name)
    close = difflib.get_close_matches(name, DAYS, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'?" if close else "days are " + ", ".join(DAYS)
    raise HoursError(f"unknown day '{name}'", hint)


def parse_days(key: str) -> list[int]:
    """``mon`` → [0]; ``mon-fri`` → [0..4]; ``sat-mon`` wraps → [5, 6, 0]."""
    text = key.strip().lower()
    first, dash, last = text.partition("-")
    start = _day(first.strip())
    if not dash:
        return [start]
    end = _day(last.strip())
    return [(start + i) % 7 for i in range((end - start) % 7 + 1)]


def _minute(hour: str, minute: str, text: str) -> int:
    value = int(hour) * 60 + int(minute)
    if int(minute) > 59 or value > DAY_MINUTES:
        raise HoursError(f"'{text}' is not a time of day", "write HH:MM from 00:00 to 24:00")
    return value


def parse_ranges(value: str) -> list[tuple[int, int]]:
    """``"08:00-12:00, 13:00-17:00"`` → [(480, 720), (780, 1020)]; ``"closed"`` → []."""
    text = value.strip().lower()
    if text == "closed":
        return []
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        piece = part.strip()
        match = _RANGE.fullmatch(piece.replace(" ", ""))
        if match is None:
            raise HoursError(
                f"cannot read opening hours '{part.strip()}'",
                'write "HH:MM-HH:MM" (several separated by commas) or "closed"',
            )
        start = _minute(match[1], match[2], piece)
        end = _minute(match[3], match[4], piece)
        if end == start:
            raise HoursError(
                f"'{piece}' is empty: it opens and closes at the same time",
                'write "00:00-24:00" for a whole day, or "closed" for a day it is shut',
            )
        if end < start:
            raise HoursError(
                f"'{piece}' ends before it starts",
                "a range ends on the day it starts: split a night into two days, "
                'e.g. mon: "22:00-24:00", tue: "00:00-06:00"',
            )
        ranges.append((start, end))
    ranges.sort()
    for (_, end), (start, _) in pairwise(ranges):
        if start < end:
            raise HoursError(f"opening hours '{value.strip()}' overlap")
    return ranges


@dataclass(frozen=True)
class WeeklyHours:
    """The open minutes of a week, Monday 00:00 = minute 0."""

    open_minutes: tuple[tuple[int, int], ...]  # sorted, disjoint [start, end) of the week

    def open_slots(self, interval_minutes: int) -> list[int]:
        """Indices of the week's intervals (of ``interval_minutes``) that are open."""
        slots: set[int] = set()
        for start, end in self.open_minutes:
            slots.update(range(start // interval_minutes, (end - 1) // interval_minutes + 1))
        return sorted(slots)

    def next_open_offsets(self, interval_minutes: int) -> list[int]:
        """Per interval of the week: minutes from its start to the start of the next
        open interval (0 for an open one)."""
        count = WEEK_MINUTES // interval_minutes
        is_open = [False] * count
        for slot in self.open_slots(interval_minutes):
            is_open[slot] = True
        offsets = [0] * count
        wait = 0
        for step in range(2 * count, 0, -1):  # backwards, twice round the week
            slot = (step - 1) % count
            wait = 0 if is_open[slot] else wait + interval_minutes
            offsets[slot] = wait
        return offsets

    def next_open_us(self, instants: np.ndarray, interval_minutes: int) -> np.ndarray:
        """Instants (µs since the epoch, local time) unchanged where their interval is
        open, else the start of the next open interval."""
        import numpy as np

        minutes = instants // _MINUTE_US
        slots = ((minutes + _EPOCH_WEEKDAY * DAY_MINUTES) % WEEK_MINUTES) // interval_minutes
        shift = np.asarray(self.next_open_offsets(interval_minutes), dtype=np.int64)[slots]
        starts = (minutes - minutes % interval_minutes) * _MINUTE_US
        return np.where(shift == 0, instants, starts + shift * _MINUTE_US)


def compile_hours(hours: Mapping[str, str]) -> WeeklyHours:
    """Every day's ranges on one weekly clock; overlapping or empty weeks are errors."""
    spans: list[tuple[int, int, str]] = []
    closed_by: dict[int, str] = {}
    for key, value in hours.items():
        ranges = parse_ranges(value)
        for day in parse_days(key):
            if not ranges:
                closed_by[day] = key
            for start, end in ranges:
                spans.append((day * DAY_MINUTES + start, day * DAY_MINUTES + end, key))
    for start, _, key in spans:
        closing = closed_by.get(start // DAY_MINUTES)
        if closing is not None:
            # Days add up, so `{mon-fri: ..., tue: closed}` would leave Tuesday open.
            raise HoursError(
                f"'{closing}' is closed, but '{key}' opens it",
                "give each day's hours once: name only the open days "
                '(e.g. mon: "08:00-17:00", wed-fri: "08:00-17:00")',
            )
    spans.sort()
    for (_, end, first), (start, _, second) in pairwise(spans):
        if start < end:
            where = f"'{first}'" if first == second else f"'{first}' and '{second}'"
            raise HoursError(f"opening hours of {where} overlap", "give each day's hours once")
    if not spans:
        raise HoursError(
            "the channel is closed all week",
            "open it some time, or leave it out of `offer:` to retire it",
        )
    merged: list[tuple[int, int]] = []
    for start, end, _ in spans:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return WeeklyHours(tuple(merged))


@lru_cache(maxsize=256)
def _cached(items: tuple[tuple[str, str], ...]) -> WeeklyHours:
    return compile_hours(dict(items))


def weekly_hours(hours: Mapping[str, str] | None) -> WeeklyHours | None:
    """The compiled hours of a channel's `hours`; None for 24/7."""
    return None if hours is None else _cached(tuple(hours.items()))


def week_slot(timestamp: pl.Expr, interval_minutes: int) -> pl.Expr:
    """The index of the week's interval that ``timestamp`` falls in."""
    import polars as pl

    minute = (
        (timestamp.dt.weekday().cast(pl.Int64) - 1) * DAY_MINUTES
        + timestamp.dt.hour().cast(pl.Int64) * 60
        + timestamp.dt.minute().cast(pl.Int64)
    )
    return minute // interval_minutes


def is_open(hours: WeeklyHours, timestamp: pl.Expr, interval_minutes: int) -> pl.Expr:
    """True where ``timestamp``'s interval of ``interval_minutes`` is open."""
    return week_slot(timestamp, interval_minutes).is_in(hours.open_slots(interval_minutes))


def next_open(hours: WeeklyHours, timestamp: pl.Expr, interval_minutes: int) -> pl.Expr:
    """``timestamp``'s interval start if it is open, else the start of the next open one."""
    import polars as pl

    offsets = hours.next_open_offsets(interval_minutes)
    shift = week_slot(timestamp, interval_minutes).replace_strict(
        list(range(len(offsets))), offsets, return_dtype=pl.Int64
    )
    start = timestamp.dt.truncate(f"{interval_minutes}m")
    return start + pl.duration(minutes=shift)
