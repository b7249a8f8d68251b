"""Vega-Lite chart specifications (built with Altair) for the HTML report.

Imported only by the report, so the rest of cx never needs the chart library.
Every chart is a plain dict (Vega-Lite JSON) with its data inline.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import altair as alt
import polars as pl

from cx.render.numbers import money_title
from cx.report.data import ALL_CHANNELS

# Colour-blind-safe, and readable in greyscale print by lightness.
SCENARIO_COLORS = ["#1f5fa8", "#e07b00", "#2a9d5c", "#b8336a", "#7b5ea7", "#8c6d31"]
TODAY_COLOR = "#a7a9ac"
CHANNEL_COLORS = [  # Tableau 10
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]
HEAT_COLORS = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
WIDTH = 700


# Vega's expression parser, which reads the sort orders Vega-Lite writes with the names
# in them, takes these two as line ends and fails on a string holding one.
_VEGA_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029"}
_NAME_COLUMNS = ("scenario", "channel", "key", "row", "column")


def label(name: str) -> str:
    """A scenario or channel name as a chart shows it: the same text, with no character
    that stops the chart from being drawn."""
    for character, shown in _VEGA_LINE_BREAKS.items():
        name = name.replace(character, shown)
    return name


def labels(names: list[str]) -> list[str]:
    return [label(name) for name in names]


def labelled(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its name columns as :func:`label` shows them."""
    columns = [name for name in _NAME_COLUMNS if name in frame.columns]
    expressions = []
    for column in columns:
        expression = pl.col(column)
        for character, shown in _VEGA_LINE_BREAKS.items():
            expression = expression.str.replace_all(character, shown, literal=True)
        expressions.append(expression)
    return frame.with_columns(expressions) if expressions else frame


def _config(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec, in the page's style. Not checked against the
    Vega-Lite schema here (about 45 ms a chart, a fifth of a report's drawing): the
    tests check every spec of the pages they build (tests/test_report*.py)."""
    spec = (
        chart.configure(font=FONT, background="white")
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, gridColor="#e6e6e6")
        .configure_legend(labelFontSize=11, titleFontSize=11, orient="top")
        .configure_title(fontSize=13, anchor="start")
        .to_dict(validate=False)
    )
    return spec


def strategy_colors(count: int) -> list[str]:
    """The colour of the n-th strategy in every chart (baselines are grey)."""
    return [SCENARIO_COLORS[i % len(SCENARIO_COLORS)] for i in range(count)]


def scenario_scale(names: list[str], baselines: int) -> alt.Scale:
    """Grey for the first ``baselines`` names (today), a strategy colour for the rest."""
    strategies = itertools.cycle(SCENARIO_COLORS)
    colors = [TODAY_COLOR if index < baselines else next(strategies) for index in range(len(names))]
    return alt.Scale(domain=names, range=colors)


def channel_scale(names: list[str]) -> alt.Scale:
    return alt.Scale(domain=names, range=(CHANNEL_COLORS * 4)[: len(names)])


def _format_step(axis_format: str) -> float:
    """The smallest difference a d3 number format shows: 1 for ``,.0f``, 0.001 for
    ``.1%``."""
    found = re.search(r"\.(\d+)[f%]", axis_format)
    digits = int(found.group(1)) if found else 0
    return 10.0 ** -(digits + (2 if axis_format.endswith("%") else 0))


#: Vega's axis asks for about one tick per 40 pixels of the lines' 230: 6 at most, so
#: values spread over 6 steps of their format or more get ticks a step or more apart.
_TICKS = 6


def _value_axis(values: pl.Series, axis_format: str) -> tuple[alt.Scale, alt.Axis]:
    """A scale not from zero and its axis, which never writes one label twice: values
    spread over fewer than a few of the smallest steps the format shows are ticked at
    those steps, over the steps around them (a cost from 7,405.68 to 7,406.32 was ticked
    every 0.5 and labelled 7,405, 7,406, 7,406, 7,407, 7,407, the two points far apart
    while their labels said they were alike)."""
    step = _format_step(axis_format)
    low, high = values.min(), values.max()
    if low is None or high is None or not high > low or high - low >= _TICKS * step:
        return alt.Scale(zero=False), alt.Axis(format=axis_format)
    first, last = math.floor(round(low / step, 9)), math.ceil(round(high / step, 9))
    ticks = [index * step for index in range(first, last + 1)]
    return (
        alt.Scale(zero=False, nice=False, domain=[ticks[0], ticks[-1]]),
        alt.Axis(format=axis_format, values=ticks),
    )


def period_lines(
    frame: pl.DataFrame,
    field: str,
    title: str,
    axis_format: str,
    scenarios: list[str],
    baselines: int,
) -> dict[str, Any]:
    """One line per scenario over the periods, the first ``baselines`` dashed."""
    frame, scenarios = labelled(frame), labels(scenarios)
    periods = frame["period"].unique(maintain_order=True).to_list()
    scale, axis = _value_axis(frame[field], axis_format)
    base = alt.Chart(frame).encode(
        x=alt.X(
            "period:O",
            title=None,
            sort=periods,
            axis=alt.Axis(labelAngle=0 if len(periods) <= 12 else -45, labelOverlap="greedy"),
        ),
        y=alt.Y(
            f"{field}:Q",
            title=title,
            axis=axis,
            scale=scale,
        ),
        color=alt.Color(
            "scenario:N", title=None, scale=scenario_scale(scenarios, baselines), sort=scenarios
        ),
        strokeDash=alt.condition(
            alt.FieldOneOfPredicate(field="scenario", oneOf=scenarios[:baselines]),
            alt.value([5, 3]),
            alt.value([1, 0]),
        ),
        tooltip=[
            alt.Tooltip("scenario:N"),
            alt.Tooltip("period:O"),
            alt.Tooltip(f"{field}:Q", title=title, format=axis_format),
        ],
    )
    chart = (base.mark_line(strokeWidth=2.5) + base.mark_point(filled=True, size=45)).properties(
        width=WIDTH, height=230
    )
    return _config(chart)


def volume_bars(frame: pl.DataFrame, scenarios: list[str]) -> dict[str, Any]:
    """Contacts per channel: today's demand (the first scenario) beside what each
    strategy handles."""
    frame, scenarios = labelled(frame), labels(scenarios)
    order = (
        frame.filter(pl.col("scenario") == scenarios[0])
        .sort("contacts", descending=True)["channel"]
        .to_list()
    )
    order += [c for c in frame["channel"].unique().sort().to_list() if c not in order]
    chart = (
        alt.Chart(frame)
        .mark_bar(height={"band": 0.9})
        .encode(
            y=alt.Y("channel:N", title=None, sort=order),
            yOffset=alt.YOffset("scenario:N", sort=scenarios),
            x=alt.X("contacts:Q", title="Contacts", axis=alt.Axis(format=",d", tickCount=6)),
            color=alt.Color(
                "scenario:N", title=None, scale=scenario_scale(scenarios, 1), sort=scenarios
            ),
            tooltip=[
                alt.Tooltip("channel:N"),
                alt.Tooltip("scenario:N"),
                alt.Tooltip("contacts:Q", format=",.0f"),
            ],
        )
        .properties(width=WIDTH - 80, height=alt.Step(max(6, 28 // max(1, len(scenarios)))))
    )
    return _config(chart)


def cost_stack(frame: pl.DataFrame, scenarios: list[str], channels: list[str]) -> dict[str, Any]:
    """Total cost per scenario, split by channel."""
    frame, scenarios, channels = labelled(frame), labels(scenarios), labels(channels)
    # The stacking order is data, not a Vega expression quoting channel names.
    order = {name: index for index, name in enumerate(channels)}
    frame = frame.with_columns(
        channel_order=pl.col("channel").replace_strict(order, default=-1, return_dtype=pl.Int64)
    )
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("scenario:N", title=None, sort=scenarios),
            x=alt.X(
                "sum(cost):Q",
                title=money_title("Cost over the whole history"),
                axis=alt.Axis(format=",d", tickCount=6),
            ),
            color=alt.Color("channel:N", title=None, scale=channel_scale(channels), sort=channels),
            order=alt.Order("channel_order:Q"),
            tooltip=[
                alt.Tooltip("scenario:N"),
                alt.Tooltip("channel:N"),
                alt.Tooltip("cost:Q", title=money_title("cost"), format=",.0f"),
            ],
        )
        .properties(width=WIDTH - 80, height=alt.Step(30))
    )
    return _config(chart)


def staffing_heatmap(frame: pl.DataFrame, weekdays: tuple[str, ...]) -> dict[str, Any]:
    """Mean scheduled agents per hour of the week, one panel per live channel."""
    frame = labelled(frame)
    base = alt.Chart().encode(
        x=alt.X("hour:O", title="Hour of day", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("weekday:O", title=None, sort=list(weekdays)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color(
            "agents:Q",
            title="Agents",
            scale=alt.Scale(range=HEAT_COLORS, domainMin=0),
            legend=alt.Legend(orient="right", gradientLength=110),
        ),
        tooltip=[
            alt.Tooltip("channel:N"),
            alt.Tooltip("weekday:O"),
            alt.Tooltip("hour:O"),
            alt.Tooltip("agents:Q", title="scheduled agents", format=".1f"),
        ],
    )
    labels = (
        base.mark_text(fontSize=9)
        .encode(
            text=alt.Text("agents:Q", format=".0f"),
            color=alt.condition(
                "datum.agents > 0.6 * datum.max_agents", alt.value("white"), alt.value("#333333")
            ),
        )
        .transform_filter("datum.agents >= 0.5")
    )
    layered = alt.layer(cells, labels, data=frame).transform_joinaggregate(
        max_agents="max(agents)", groupby=["channel"]
    )
    chart = (
        layered.properties(width=24 * 23, height=7 * 17)
        .facet(
            row=alt.Row(
                "channel:N",
                title=None,
                header=alt.Header(
                    labelAngle=0,
                    labelAlign="left",
                    labelFontSize=12,
                    labelFontWeight="bold",
                    labelOrient="top",
                ),
            )
        )
        .resolve_scale(color="independent")
    )
    return _config(chart)


def cost_band(frame: pl.DataFrame, color: str) -> dict[str, Any]:
    """Cost against today over the draws, all channels on top and then one row per
    channel: a bar from the 5th to the 95th percentile, a tick at the median, a diamond
    at the figure of the values written in the strategy and a dashed line at zero (left
    of it the strategy saves)."""
    frame = labelled(frame)
    money = alt.Axis(format=",d", tickCount=6)
    tooltip = [
        alt.Tooltip("channel:N", title="row"),
        *(
            alt.Tooltip(f"{f}:Q", title=money_title(t), format=",.0f")
            for f, t in (
                ("p5", "5th percentile"),
                ("p50", "median"),
                ("p95", "95th percentile"),
                ("point", "at the written values"),
            )
        ),
    ]
    # The order is data (rank 0 is all channels), not a sort order quoting the names.
    row = alt.Y(
        "channel:N",
        title=None,
        sort=alt.EncodingSortField("rank", order="ascending"),
        axis=alt.Axis(
            labelFontWeight=alt.condition(
                f"datum.value === '{ALL_CHANNELS}'", alt.value("bold"), alt.value("normal")
            )
        ),
    )
    base = alt.Chart().encode(y=row)
    spread = base.mark_bar(height=16, color=color, opacity=0.35).encode(
        x=alt.X("p5:Q", title=_cost_against_today(), axis=money),
        x2="p95:Q",
        tooltip=tooltip,
    )
    median = base.mark_tick(thickness=3, size=20, color=color).encode(x="p50:Q", tooltip=tooltip)
    point = base.mark_point(shape="diamond", filled=True, size=70, color="#1d2733").encode(
        x="point:Q", tooltip=tooltip
    )
    zero = alt.Chart().mark_rule(color="#5b6675", strokeDash=[4, 3]).encode(x=alt.datum(0))
    chart = alt.layer(spread, median, point, zero, data=frame).properties(
        width=WIDTH - 80, height=alt.Step(26)
    )
    return _config(chart)


def tornado(frame: pl.DataFrame, color: str) -> dict[str, Any]:
    """Each uncertain key's bar from the figure at the key's low (its half in grey) to
    the figure at its high (its half in ``color``), so that its length is the swing,
    the largest on top; a dashed line at the figure at the base values."""
    frame = labelled(frame)
    # The order is data (rank 0 swings most), not a sort order quoting the keys.
    base = alt.Chart().encode(
        y=alt.Y("key:N", title=None, sort=alt.EncodingSortField("rank", order="ascending"))
    )
    bars = base.mark_bar(height=16).encode(
        x=alt.X(
            "value:Q",
            title=_cost_against_today(),
            axis=alt.Axis(format=",d", tickCount=6),
            scale=alt.Scale(zero=False),
        ),
        x2="middle:Q",
        color=alt.Color(
            "end:N",
            title="the key at its",
            scale=alt.Scale(domain=["low", "high"], range=[TODAY_COLOR, color]),
        ),
        tooltip=[
            alt.Tooltip("key:N"),
            alt.Tooltip("end:N", title="at its"),
            alt.Tooltip("at:Q", title="the key's value"),
            alt.Tooltip("value:Q", title=money_title("cost against today"), format=",.0f"),
        ],
    )
    written = (
        alt.Chart()
        .mark_rule(color="#1d2733", strokeDash=[4, 3])
        .encode(x=alt.datum(frame["base"][0] if frame.height else 0.0))
    )
    chart = alt.layer(bars, written, data=frame).properties(
        width=WIDTH - 80, height=alt.Step(26)
    )
    return _config(chart)


#: A grid's cells carry their figure as text up to this many columns.
GRID_LABELLED_COLUMNS = 10


def _cost_against_today() -> str:
    """The title of an axis of cost against today, in the currency of the figures drawn."""
    return money_title("Cost against today", "negative: saves")


def sweep_line(frame: pl.DataFrame, key: str, color: str) -> dict[str, Any]:
    """Cost against today at each value of one swept key: a line through the points,
    the point that saves most ringed, a dashed line at zero where the figures cross it
    (below it the strategy saves). Numbers on a number scale; other values in the order
    they were swept."""
    frame = labelled(frame)
    numeric = frame.height > 0 and frame["x"].null_count() == 0
    x = (
        alt.X("x:Q", title=label(key), scale=alt.Scale(zero=False))
        if numeric
        else alt.X(
            "row:O", title=label(key), sort=alt.EncodingSortField("row_rank", order="ascending")
        )
    )
    tooltip = [
        alt.Tooltip("row:N", title=label(key)),
        alt.Tooltip("cost_delta:Q", title=money_title("cost against today"), format=",.0f"),
    ]
    y = alt.Y(
        "cost_delta:Q",
        title=_cost_against_today(),
        axis=alt.Axis(format=",d"),
        scale=alt.Scale(zero=False),
    )
    base = alt.Chart().encode(x=x, y=y, tooltip=tooltip)
    line = base.mark_line(color=color, strokeWidth=2.5)
    points = base.mark_point(filled=True, size=45, color=color)
    best = (
        base.mark_point(size=260, shape="circle", strokeWidth=2, color="#1d2733")
        .transform_filter("datum.best")
    )
    layers = [line, points, best]
    deltas = frame["cost_delta"]
    if frame.height and deltas.min() < 0 < deltas.max():  # type: ignore[operator]
        # Only where it falls among the figures: a line at zero far below a saving that
        # moves by a few percent would flatten the curve.
        layers.append(
            alt.Chart().mark_rule(color="#5b6675", strokeDash=[4, 3]).encode(y=alt.datum(0))
        )
    chart = alt.layer(*layers, data=frame).properties(width=WIDTH - 80, height=230)
    return _config(chart)


def sweep_heatmap(frame: pl.DataFrame, keys: list[str]) -> dict[str, Any]:
    """Cost against today at every point of a grid of two keys: the first key's values
    as rows, the second's as columns, the darker the cell the more the strategy saves;
    the point that saves most outlined."""
    frame = labelled(frame)
    columns = frame["column"].n_unique()
    cell = max(18, min(64, (WIDTH - 140) // max(1, columns)))
    base = alt.Chart().encode(
        x=alt.X(
            "column:O",
            title=label(keys[1]),
            sort=alt.EncodingSortField("column_rank", order="ascending"),
            axis=alt.Axis(labelAngle=0 if columns <= 12 else -45, orient="top"),
        ),
        y=alt.Y(
            "row:O", title=label(keys[0]), sort=alt.EncodingSortField("row_rank", order="ascending")
        ),
    )
    tooltip = [
        alt.Tooltip("row:N", title=label(keys[0])),
        alt.Tooltip("column:N", title=label(keys[1])),
        alt.Tooltip("cost_delta:Q", title=money_title("cost against today"), format=",.0f"),
    ]
    cells = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color(
            "cost_delta:Q",
            title=[money_title("Cost against today"), "(negative: saves)"],
            # Reversed: the darkest cell is the lowest cost against today, the largest saving.
            scale=alt.Scale(range=HEAT_COLORS, reverse=True),
            legend=alt.Legend(orient="right", gradientLength=140, format=",d"),
        ),
        tooltip=tooltip,
    )
    best = base.mark_rect(fill=None, stroke="#e07b00", strokeWidth=3).transform_filter(
        "datum.best"
    )
    layers: list[alt.Chart] = [cells, best]
    if columns <= GRID_LABELLED_COLUMNS:
        layers.append(
            base.mark_text(fontSize=9)
            .encode(
                text=alt.Text("cost_delta:Q", format=",.0f"),
                color=alt.condition(
                    "datum.cost_delta < datum.low + 0.4 * (datum.high - datum.low)",
                    alt.value("white"),
                    alt.value("#333333"),
                ),
                tooltip=tooltip,
            )
        )
    chart = (
        alt.layer(*layers, data=frame)
        .transform_joinaggregate(low="min(cost_delta)", high="max(cost_delta)")
        .properties(width=alt.Step(cell), height=alt.Step(min(cell, 28)))
    )
    return _config(chart)
