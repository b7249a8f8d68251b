"""Opening hours in the cube arithmetic (§11): open and closed contacts, the calendar.

The demand cube is by period and segment/stage/intent, not by time of day; the arrival
profile is by interval. A channel's contacts that arrived while it was closed are its
**closed share** of each period's arrivals (from the profile, at the strategy's
interval), and every demand cell of the channel is split into an ``open`` and a
``closed`` part by that share: within a period and channel, segment, stage and intent
are taken to arrive at the same times of day (the cube keeps no finer joint). Rules see
the part through ``where: {hours: ...}``; the flows keep the ``hours`` of their source,
so staffing puts closed contacts into the source's closed intervals (and, for a channel
that waits for its opening, into its next open interval).

Without hours, a response target or a rule on ``hours``, nothing here runs and every
result is what it was before hours existed.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import polars as pl

from cx.data.cube import Cube, arrival_profile
from cx.data.periods import period_start
from cx.models.hours import DAY_MINUTES, is_open
from cx.models.strategy import Strategy

OPEN, CLOSED = "open", "closed"
#: Days past the data's last day the calendar covers: a week for the next opening,
#: plus the longest response window (work still waiting when the data ends).
EXTRA_DAYS = 8


def uses_hours(strategy: Strategy) -> bool:
    """Whether opening hours, response targets or a rule on ``hours`` shape the result."""
    return any(
        channel.hours is not None or channel.response is not None
        for channel in strategy.channels.values()
    ) or any(rule.where is not None and rule.where.hours for rule in strategy.shifts)


def hours_state(strategy: Strategy, timestamp: pl.Expr, interval_minutes: int) -> pl.Expr:
    """``open``/``closed`` of each row's channel at ``timestamp`` (24/7 channels: open)."""
    state: pl.Expr = pl.lit(OPEN)
    for name, channel in strategy.channels.items():
        hours = channel.weekly_hours
        if hours is not None:
            closed = (pl.col("channel") == name) & ~is_open(hours, timestamp, interval_minutes)
            state = pl.when(closed).then(pl.lit(CLOSED)).otherwise(state)
    return state


def with_hours(strategy: Strategy, cube: Cube, interval_minutes: int) -> pl.DataFrame:
    """The cube's arrivals with the ``hours`` state of each interval. Without a time of
    day (every timestamp at midnight, §11) a contact is known only by its day, so it is
    closed only where its channel is closed the whole day."""
    minutes = interval_minutes if cube.meta.time_of_day else DAY_MINUTES
    return cube.arrivals.with_columns(
        hours=hours_state(strategy, pl.col("interval_start"), minutes)
    )


def split_demand(
    strategy: Strategy, cube: Cube, demand: pl.DataFrame, interval_minutes: int
) -> pl.DataFrame:
    """Every demand cell as an ``open`` and a ``closed`` part, by its channel's closed
    share of the period's arrivals."""
    arrivals = with_hours(strategy, cube, interval_minutes)
    closed = arrivals.group_by("period_start", "channel").agg(
        closed_share=(pl.col("contacts") * (pl.col("hours") == CLOSED)).sum()
        / pl.col("contacts").sum()
    )
    cells = demand.join(closed, on=["period_start", "channel"], how="left").with_columns(
        pl.col("closed_share").fill_null(0.0).fill_nan(0.0)
    )
    scaled = [c for c in ("contacts", "handle_sum", "handle_n") if c in demand.columns]

    def part(state: str, share: pl.Expr) -> pl.DataFrame:
        return cells.with_columns(
            *[(pl.col(c) * share).cast(pl.Float64) for c in scaled], hours=pl.lit(state)
        ).drop("closed_share")

    return pl.concat(
        [part(OPEN, 1.0 - pl.col("closed_share")), part(CLOSED, pl.col("closed_share"))]
    )


def hours_profile(strategy: Strategy, cube: Cube, interval_minutes: int) -> pl.DataFrame:
    """Arrival shares per interval within (period, channel, hours state)."""
    arrivals = with_hours(strategy, cube, interval_minutes)
    return arrival_profile(arrivals, interval_minutes, by=("hours",))


def after_hours_contacts(demand: pl.DataFrame) -> dict[str, float]:
    """Per channel: contacts that arrived while it was closed.

    The cells hold fractions (contacts × closed share), and a parallel float sum gives a
    last digit that depends on the order rows meet: summed exactly (``math.fsum``), the
    figure is the same in every run, from a cache or fresh."""
    parts: dict[str, list[float]] = {}
    closed = demand.filter(pl.col("hours") == CLOSED).select("channel", "contacts")
    for channel, contacts in closed.iter_rows():
        parts.setdefault(channel, []).append(contacts)
    return {channel: math.fsum(values) for channel, values in parts.items()}


def calendar(strategy: Strategy, cube: Cube, interval_minutes: int) -> pl.DataFrame:
    """Every interval from the data's first day to past its last: ``interval_start``,
    ``period_start`` (intervals after the last period count in it) and ``in_span``."""
    first, last = cube.meta.span
    windows = [c.response.within for c in strategy.channels.values() if c.response is not None]
    extra = EXTRA_DAYS + math.ceil(max(windows, default=0.0) / 86_400)
    start = datetime(first.year, first.month, first.day)
    end_of_span = datetime(last.year, last.month, last.day) + timedelta(days=1)
    end = end_of_span + timedelta(days=extra)
    step = timedelta(minutes=interval_minutes)
    last_period = cube.meta.period_starts[-1]
    starts = pl.datetime_range(start, end - step, step, eager=True, time_unit="us")
    return pl.DataFrame({"interval_start": starts}).with_columns(
        period_start=pl.min_horizontal(
            period_start(pl.col("interval_start"), cube.meta.period), pl.lit(last_period)
        ),
        in_span=pl.col("interval_start") < end_of_span,
    )
