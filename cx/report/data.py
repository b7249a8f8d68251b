"""What the report shows, as small tables: one row per scenario and period, channel, hour...

A scenario is a strategy or a baseline. Nothing here needs the chart library.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import polars as pl

from cx.data.cube import Cube
from cx.models.result import Result, Sensitivity, SweepGrid, SweepResult
from cx.models.strategy import Strategy
from cx.render.views import SimulationView
from cx.staffing.plan import scheduled_hours

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BASELINE = "baseline"


@dataclass
class Scenario:
    """One strategy's view with its staffing intervals, or a baseline's."""

    name: str
    view: SimulationView
    strategy: Strategy
    intervals: pl.DataFrame
    interval_minutes: int
    is_baseline: bool = False
    #: The tornado of a strategy with an `uncertainty:` block (its bands are in the result).
    sensitivity: Sensitivity | None = None
    #: Each channel's cost today, beside which the channel's own cost is set.
    baseline_costs: dict[str, float] = field(default_factory=dict)

    @property
    def result(self) -> Result:
        return self.view.result


def periods_frame(scenarios: list[Scenario]) -> pl.DataFrame:
    """scenario, period, cost, coverage, handled, lost — one row per scenario and period.
    A period the data covers only in part is labelled so (a half month is no collapse)."""
    return pl.DataFrame(
        [
            {
                "scenario": s.name,
                "period": f"{p.period} (partial)" if p.partial else p.period,
                "cost": p.cost,
                "coverage": p.coverage,
                "handled": p.handled,
                "lost": p.lost,
            }
            for s in scenarios
            for p in s.result.periods
        ],
        schema={
            "scenario": pl.String,
            "period": pl.String,
            "cost": pl.Float64,
            "coverage": pl.Float64,
            "handled": pl.Float64,
            "lost": pl.Float64,
        },
    )


def volumes_frame(scenarios: list[Scenario]) -> pl.DataFrame:
    """scenario, channel, contacts handled (the baseline's are today's contacts)."""
    rows = [
        {"scenario": s.name, "channel": c.channel, "contacts": c.handled}
        for s in scenarios
        for c in s.result.channels
        if c.demand > 0 or c.handled > 0
    ]
    return pl.DataFrame(
        rows, schema={"scenario": pl.String, "channel": pl.String, "contacts": pl.Float64}
    )


def cost_frame(scenarios: list[Scenario]) -> pl.DataFrame:
    """scenario, channel, cost: where the money goes in every scenario."""
    rows = [
        {"scenario": s.name, "channel": c.channel, "cost": c.cost}
        for s in scenarios
        for c in s.result.channels
        if c.cost > 0
    ]
    return pl.DataFrame(
        rows, schema={"scenario": pl.String, "channel": pl.String, "cost": pl.Float64}
    )


def weekday_counts(first: date, last: date) -> dict[int, int]:
    """How many of each weekday (0 = Monday) the calendar days first..last hold."""
    days = (last - first).days + 1
    return dict(Counter((first + timedelta(days=i)).weekday() for i in range(days)))


def staffing_week(scenario: Scenario, cube: Cube) -> pl.DataFrame:
    """channel, weekday, hour, agents: mean scheduled agents per hour of the week.

    Scheduled agents include shrinkage (agents in seat / (1 − shrinkage)), so the
    cells of a channel add up, over the weeks of the data, to its agent-hours.
    An hour of the week with no arrivals counts as zero agents.
    """
    frame = scenario.intervals
    schema = {"channel": pl.String, "weekday": pl.String, "hour": pl.Int32, "agents": pl.Float64}
    meta = cube.meta
    if frame.height == 0 or meta.first_timestamp is None or meta.last_timestamp is None:
        return pl.DataFrame(schema=schema)
    first = datetime.fromisoformat(meta.first_timestamp).date()
    last = datetime.fromisoformat(meta.last_timestamp).date()
    occurrences = weekday_counts(first, last)
    shrinkage = {n: c.shrinkage for n, c in scenario.strategy.channels.items()}
    grouped = (
        frame.with_columns(
            weekday=pl.col("interval_start").dt.weekday() - 1,
            hour=pl.col("interval_start").dt.hour().cast(pl.Int32),
            scheduled=scheduled_hours(
                pl.col("agents"),
                scenario.interval_minutes,
                pl.col("channel").replace_strict(shrinkage, default=0.0, return_dtype=pl.Float64),
            ),
        )
        .group_by("channel", "weekday", "hour")
        .agg(pl.col("scheduled").sum())
    )
    channels = sorted(frame["channel"].unique().to_list())
    full = pl.DataFrame(
        {
            "channel": [c for c in channels for _ in range(7 * 24)],
            "weekday": [d for _ in channels for d in range(7) for _ in range(24)],
            "hour": [h for _ in channels for _ in range(7) for h in range(24)],
        },
        schema={"channel": pl.String, "weekday": pl.Int8, "hour": pl.Int32},
    )
    joined = full.join(
        grouped.with_columns(pl.col("weekday").cast(pl.Int8)),
        on=["channel", "weekday", "hour"],
        how="left",
    )
    divisor = pl.col("weekday").replace_strict(
        {d: occurrences.get(d, 0) for d in range(7)}, return_dtype=pl.Float64
    )
    return joined.select(
        "channel",
        pl.col("weekday").replace_strict(dict(enumerate(WEEKDAYS)), return_dtype=pl.String),
        "hour",
        agents=pl.when(divisor > 0)
        .then(pl.col("scheduled").fill_null(0.0) / divisor)
        .otherwise(0.0),
    )


#: The row of the band chart that holds the whole strategy (no channel name has a capital).
ALL_CHANNELS = "All channels"


def bands_frame(result: Result, baseline_costs: Mapping[str, float]) -> pl.DataFrame:
    """channel, rank, p5, p50, p95, point: the strategy's cost against today over the
    draws, all channels first (rank 0), then each channel with bands in the result's
    order (none without bands); ``point`` is the figure at the values written in the
    strategy, a channel's own cost less its cost today (``baseline_costs``; 0 for a
    channel not offered today)."""
    totals = result.totals
    rows = [] if totals.bands is None else [(ALL_CHANNELS, totals.bands, totals.cost_delta)]
    rows += [
        (c.channel, c.bands, c.cost - baseline_costs.get(c.channel, 0.0))
        for c in result.channels
        if c.bands is not None and totals.bands is not None
    ]
    return pl.DataFrame(
        [
            {
                "channel": name,
                "rank": rank,
                "p5": bands.cost_delta.p5,
                "p50": bands.cost_delta.p50,
                "p95": bands.cost_delta.p95,
                "point": point,
            }
            for rank, (name, bands, point) in enumerate(rows)
        ],
        schema={
            "channel": pl.String,
            "rank": pl.Int64,
            **{name: pl.Float64 for name in ("p5", "p50", "p95", "point")},
        },
    )


def tornado_frame(sensitivity: Sensitivity) -> pl.DataFrame:
    """key, rank, end, value, at, middle, base: each key's metric at its low and at its
    high (``at``: the key's value there), the middle of the two (where the halves of its
    bar meet: the bar spans the two, as long as its swing) and the metric at the base
    values; rank 0 swings most."""
    return pl.DataFrame(
        [
            {
                "key": item.key,
                "rank": rank,
                "end": end,
                "value": value,
                "at": at,
                "middle": (item.at_low + item.at_high) / 2,
                "base": sensitivity.base,
            }
            for rank, item in enumerate(sensitivity.keys)
            for end, value, at in (
                ("low", item.at_low, item.low),
                ("high", item.at_high, item.high),
            )
        ],
        schema={
            "key": pl.String,
            "rank": pl.Int64,
            "end": pl.String,
            **{name: pl.Float64 for name in ("value", "at", "middle", "base")},
        },
    )


def sweep_frame(sweep: SweepResult | SweepGrid) -> pl.DataFrame:
    """row, row_rank, column, column_rank, x, cost_delta, best: the strategy's cost
    against today at each point of a sweep. ``row`` is the (first) key's value as text
    and ``x`` as a number (null where it is not one); ``column`` the second key's value
    of a grid ("" for one key); the ranks are the order the values were swept in, and
    ``best`` marks the point that saves most."""
    points = sweep.points()
    axes = [sweep.axis(0), sweep.axis(1)] if isinstance(sweep, SweepGrid) else None
    deltas = [result.totals.cost_delta for _, result in points]
    best = deltas.index(min(deltas))
    rows = []
    for index, (values, _) in enumerate(points):
        first, *second = values
        numeric = isinstance(first, int | float)
        rows.append(
            {
                "row": str(first),
                "row_rank": index if axes is None else axes[0].index(first),
                "column": "" if axes is None else str(second[0]),
                "column_rank": 0 if axes is None else axes[1].index(second[0]),
                "x": float(first) if numeric else None,
                "cost_delta": deltas[index],
                "best": index == best,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "row": pl.String,
            "row_rank": pl.Int64,
            "column": pl.String,
            "column_rank": pl.Int64,
            "x": pl.Float64,
            "cost_delta": pl.Float64,
            "best": pl.Boolean,
        },
    )
