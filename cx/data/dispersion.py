"""Over-dispersion of arrivals (`staffing: hold`, DESIGN §12): how much more the
number of arrivals varies than a Poisson count with the same mean.

The cube keeps each channel's arrivals per sub-interval of
:data:`cx.data.cube.ARRIVAL_RESOLUTION_MINUTES`. Within one calendar hour the plan
knows the hour's volume; what it cannot know is how the contacts bunch inside it.
For each channel and hour of day, d is the variance of the sub-interval counts around
their own hour's mean, pooled over every day of the history, divided by the mean
sub-interval count: 1 for Poisson arrivals, more when contacts come in bursts. A
Poisson count is never less variable than that, so d is at least 1.
"""

from __future__ import annotations

import polars as pl

from cx.data.cube import ARRIVAL_RESOLUTION_MINUTES

#: Sub-intervals per hour; the variance within an hour has this many − 1 degrees of freedom.
SUB_INTERVALS = 60 // ARRIVAL_RESOLUTION_MINUTES


def arrival_dispersion(arrivals: pl.DataFrame) -> dict[str, list[float]]:
    """Per channel with arrivals: 24 dispersions d ≥ 1, one per hour of day.

    ``arrivals`` is the cube's (channel, interval_start, contacts) at the cube's
    resolution; sub-intervals without a row had no arrivals. An hour of day without
    arrivals gets d = 1.
    """
    return {
        channel: [max(ratio, 1.0) for ratio in ratios]
        for channel, ratios in variance_ratios(arrivals).items()
    }


def variance_ratios(arrivals: pl.DataFrame) -> dict[str, list[float]]:
    """Per channel with arrivals: 24 ratios of variance to mean, one per hour of day,
    before d's floor of 1 (0 for an hour without arrivals). Counts scaled by v (the
    `volume` of §12) have v times these ratios."""
    if SUB_INTERVALS < 2 or arrivals.height == 0:
        return {}
    count = pl.col("contacts").cast(pl.Float64)
    hours = (
        arrivals.lazy()
        .group_by("channel", "interval_start")
        .agg(count.sum().alias("x"))
        .group_by("channel", hour=pl.col("interval_start").dt.truncate("1h"))
        .agg(s=pl.col("x").sum(), q=(pl.col("x") ** 2).sum())
        # Σ over the hour's sub-intervals (zeros included) of (x − mean)².
        .with_columns(squares=pl.col("q") - pl.col("s") ** 2 / SUB_INTERVALS)
        .group_by("channel", hour_of_day=pl.col("hour").dt.hour())
        .agg(
            variance=pl.col("squares").sum() / (SUB_INTERVALS - 1),
            mean=pl.col("s").sum() / SUB_INTERVALS,
        )
        .with_columns(
            ratio=pl.when(pl.col("mean") > 0)
            .then(pl.col("variance") / pl.col("mean"))
            .otherwise(0.0)
        )
        .collect()
    )
    result: dict[str, list[float]] = {}
    for channel, hour, ratio in hours.select("channel", "hour_of_day", "ratio").iter_rows():
        result.setdefault(channel, [0.0] * 24)[int(hour)] = float(ratio)
    return result
