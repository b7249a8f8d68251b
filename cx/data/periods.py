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
