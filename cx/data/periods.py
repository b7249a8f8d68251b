"""Calendar periods (§5): ISO weeks, months and quarters, with labels and indices."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

TRUNCATE_EVERY = {"week": "1w", "month": "1mo", "quarter": "1q"}


def period_start(timestamp: pl.Expr, period: str) -> pl.Expr:
    """Start date of the calendar period holding ``timestamp`` (weeks start on Monday)."""
    return timestamp.dt.truncate(TRUNCATE_EVERY[period]).dt.date()


def start_of(day: date, period: str) -> date:
    """Python twin of :func:`period_start` for single dates."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def label(start: date, period: str) -> str:
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def next_start(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=7)
    months = 1 if period == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def calendar(first: date, last: date, period: str) -> list[date]:
    """Every period start from ``first`` to ``last`` inclusive, empty periods included."""
    starts = []
    current = first
    while current <= last:
        starts.append(current)
        current = next_start(current, period)
    return starts


def period_end(start: date, period: str) -> date:
    """The first day after the calendar period starting on ``start``."""
    return next_start(start, period)


def days_between(first: date, last: date, start: date, end: date) -> int:
    """Days of the span ``first``..``last`` (both included) that fall in [start, end)."""
    low = max(first, start)
    high = min(last + timedelta(days=1), end)
    return max((high - low).days, 0)


def months_offered(first: date, last: date, start: date, end: date) -> float:
    """Calendar months that the span's days in [start, end) make (§11): each day counts
    1 / the days of its month, so a fixed cost per month is prorated by calendar days
    and does not depend on how the history is sliced into periods."""
    total = 0.0
    month = start.replace(day=1)
    while month < end:
        following = next_start(month, "month")
        days = days_between(first, last, max(start, month), min(end, following))
        total += days / (following - month).days
        month = following
    return total
