"""The human views of a result as plain sections (title, header, rows, note).

Both the rich table view and the markdown view are drawn from these, so the
two always show the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cx.check import CheckedGuard
from cx.guards import comparison, metric_of
from cx.models.glossary import DILUTION_LEGEND, GLOSSARY
from cx.models.result import MONEY_METRICS, ChannelResult, GuardResult, Result
from cx.models.vocabulary import plural
from cx.render.numbers import (
    MINUS,
    amount,
    as_written,
    band,
    figure,
    money,
    number,
    percent,
    points,
    signed,
    small_share,
    whole,
)

if TYPE_CHECKING:
    from cx.render.views import SimulationView


@dataclass
class Section:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str | None = None
    left_columns: int = 1  # the first N columns are labels, the rest numbers
    styles: list[str | None] = field(default_factory=list)  # per row, optional
    legend: list[str] = field(default_factory=list)  # sentences under the note
    # Too wide for the terminal, a table stacks into blocks: one per row (a channel, a
    # period) or, where the rows are metrics, one per column (a strategy).
    rows_are_metrics: bool = False


#: Contacts and hours in tables: whole and thousands separated (cx.render.numbers).
count = whole


TOTAL_ROWS: list[tuple[str, str, Callable[[float | None], str], Callable[..., str]]] = [
    ("demand", "Demand (contacts)", count, count),
    ("handled", "Handled", count, count),
    ("lost", "Lost", count, count),
    ("repeats", "Repeats", count, count),
    ("coverage", "Coverage", percent, points),
    ("preferred_coverage", "Preferred-channel coverage", percent, points),
    ("customer_coverage", "Customer coverage", percent, points),
    ("cost", "Cost", money, money),
    ("cost_per_contact", "Cost per contact", money, money),
    ("agent_hours", "Agent-hours", count, count),
    ("effective_channels", "Effective channels", number, number),
]


OUTCOME_ROWS: list[tuple[str, str, Callable[[float | None], str], Callable[..., str]]] = [
    ("journeys", "Journeys (observed)", count, count),
    ("contacts_per_journey", "Contacts per journey", number, number),
    ("cost_per_journey", "Cost per journey", money, money),
    ("satisfaction", "Satisfaction", number, number),
]


def _against_baseline(
    view: SimulationView,
    rows_spec: list[tuple[str, str, Callable[[float | None], str], Callable[..., str]]],
) -> list[list[str]]:
    rows = []
    bands = view.result.totals.bands
    for key, title, formatter, delta_formatter in rows_spec:
        value = getattr(view.result.totals, key)
        base = getattr(view.baseline, key)
        delta = None
        if value is not None and base is not None:
            # The difference of the figures as written; the cost's is the cost against
            # today that the verdict and the cards say, to the cent.
            delta = (
                value - base
                if key == "cost"
                else as_written(value, formatter) - as_written(base, formatter)
            )
        shown, change = formatter(value), signed(delta, delta_formatter)
        if bands is not None and key in BANDED:
            spread = getattr(bands, key)
            shown = band(shown, spread.p5, spread.p95, formatter)
            if key == "cost":
                change = band(change, bands.cost_delta.p5, bands.cost_delta.p95, money)
        rows.append([title, shown, formatter(base), change])
    return rows


#: The totals rows that show their band (§12) when the strategy declares uncertainty.
BANDED = ("cost", "coverage", "agent_hours")
BAND_LEGEND = (
    "(… ): 5th to 95th percentile over the draws of the strategy's `uncertainty:` (one "
    "figure where both are written the same); "
    "Δ of cost: against today at the same draw."
)


def totals_section(view: SimulationView) -> Section:
    strategy = view.result.strategy
    return Section(
        title=f"{strategy.name} ({strategy.kind}) vs baseline",
        header=["Metric", "Strategy", "Baseline", "Δ"],
        rows=_against_baseline(view, TOTAL_ROWS),
        rows_are_metrics=True,
        legend=[BAND_LEGEND] if view.result.totals.bands is not None else [],
    )


def outcomes_section(view: SimulationView) -> Section | None:
    """Journeys and satisfaction against the baseline (§10), when they were counted."""
    result = view.result
    totals, data = result.totals, result.data
    if totals.journeys is None and totals.satisfaction is None:
        return None
    rates = [
        f"{c.channel} {percent(c.resolution_rate, 0)}"
        for c in result.channels
        if c.resolution_rate is not None and c.handled > 0
    ]
    note = None
    if data.journeys is not None:
        source = (
            "the resolved column"
            if data.resolution_source == "resolved"
            else "contacts that end their journey (a proxy: no resolved column)"
        )
        note = (
            f"Observed: {percent(data.hop_rate)} of follow-ups change channel, "
            f"{percent(data.multichannel_journey_share)} of journeys use two or more channels. "
            f"Resolution from {source}: {', '.join(rates)}."
        )
    return Section(
        title="Outcomes",
        header=["Metric", "Strategy", "Baseline", "Δ"],
        rows=_against_baseline(view, OUTCOME_ROWS),
        note=note,
        rows_are_metrics=True,
    )


def channels_section(result: Result) -> Section:
    rows = []
    for item in result.channels:
        if not item.offered and item.demand == 0 and item.handled == 0:
            continue
        rows.append(
            [
                item.channel + ("" if item.offered else " †"),
                count(item.demand),
                count(item.stayed),
                count(item.shifted_out),
                count(item.shifted_in),
                count(item.repeats_in),
                count(item.lost),
                count(item.handled),
                percent(item.volume_share),
                money(item.cost),
            ]
        )
    return Section(
        title="Channels",
        header=[
            "Channel",
            "Demand",
            "Stayed",
            "Out",
            "In",
            "Repeats",
            "Lost",
            "Handled",
            "Share",
            "Cost",
        ],
        rows=rows,
        note="† retired: not offered by the strategy." if any(
            not c.offered and c.demand for c in result.channels
        ) else None,
    )


def dilution_reading(result: Result) -> str:
    """The dilution table's reading, its figures written as the tables write them (the
    effective channels to two decimals, the shares to one)."""
    live = [c for c in result.channels if c.mode == "live" and c.agent_hours > 0]
    totals = result.totals
    parts = [f"{number(totals.effective_channels)} effective channels"]
    if len(live) > 1 and totals.pooling_overhead >= 0:
        more = (
            f"{small_share(totals.pooling_overhead)} more agents"
            if totals.pooling_overhead > 0
            else "no more agents"
        )
        parts.append(f"splitting live work over {len(live)} queues costs {more} than one pool")
    elif len(live) > 1:  # agents fixed (--agents) below what the queues need
        parts.append(
            f"the {len(live)} queues have {small_share(-totals.pooling_overhead)} fewer "
            "agents than one pool would need for their target"
        )
    elif len(live) == 1:
        parts.append("one live queue, so no pooling overhead")
    if totals.floor_waste > 0:
        waste = small_share(totals.floor_waste)
        parts.append(f"{waste} of agent-hours exist only for min_agents")
    subscale = [c.channel for c in result.channels if c.subscale]
    if subscale:
        parts.append("sub-scale: " + ", ".join(subscale))
    return "; ".join(parts) + "."


def dilution_section(result: Result) -> Section:
    rows = []
    for item in result.channels:
        if item.agent_hours <= 0 and item.workload_hours is None:
            continue
        if item.handled == 0 and item.agent_hours == 0:
            continue
        rows.append(
            [
                item.channel,
                item.mode,
                count(item.workload_hours),
                count(item.agent_hours),
                percent(item.occupancy),
                percent(item.service_level),
                number(item.average_wait, 1),
                "yes" if item.subscale else "",
            ]
        )
    return Section(
        title="Channel dilution",
        header=[
            "Channel",
            "Mode",
            "Work h",
            "Agent h",
            "Occup.",
            "SL",
            "Wait s",
            "Sub-scale",
        ],
        rows=rows,
        left_columns=2,
        note=dilution_reading(result)
        + abandonment_reading(result)
        + time_of_day_reading(result),
        legend=dilution_legend(),
    )


def time_of_day_reading(result: Result) -> str:
    """Without times of day (§11): live channels were costed from workload, or ''."""
    if result.data.time_of_day:
        return ""
    live = [c.channel for c in result.channels if c.mode == "live" and c.agent_hours > 0]
    if not live:
        return ""
    return (
        " No time of day in the data (every timestamp at midnight): live channels ("
        + ", ".join(live)
        + ") are costed from their workload, as async channels, with no SL or wait."
    )


def dilution_legend() -> list[str]:
    """One sentence for each idea of channel dilution, from the glossary."""
    return [f"{GLOSSARY[name].label}: {GLOSSARY[name].definition}" for name in DILUTION_LEGEND]


def hours_section(result: Result) -> Section | None:
    """One row per channel with opening hours or a response target; None without any."""
    channels = [
        c for c in result.channels if c.open_hours is not None or c.response_level is not None
    ]
    if not channels:
        return None
    rows = [
        [
            c.channel,
            count(c.open_hours) if c.open_hours is not None else "24/7",
            count(c.after_hours) if c.after_hours is not None else "–",
            percent(c.response_level) if c.response_level is not None else "–",
            count(c.backlog_peak) if c.backlog_peak is not None else "–",
        ]
        for c in channels
    ]
    return Section(
        title="Opening hours",
        header=["Channel", "Open h", "Arrived closed", "Answered in time", "Backlog peak"],
        rows=rows,
        note="Open h: hours open within the data's span, each staffed with at least "
        "min_agents. Arrived closed: contacts that found the channel closed (moved by "
        "rules, waiting for the opening, or lost as after_hours says). Answered in time: "
        "share of an async channel's contacts answered within its response target; "
        "backlog peak: most contacts waiting at an interval's end.",
    )


def abandonment_reading(result: Result) -> str:
    """Erlang A's predicted abandonment of channels with `patience` (§6b), or ''."""
    parts = [
        f"{c.channel} {percent(c.abandon_rate)}"
        for c in result.channels
        if c.abandon_rate is not None and c.agent_hours > 0
    ]
    return " Predicted abandonment (Erlang A): " + ", ".join(parts) + "." if parts else ""


def periods_section(result: Result) -> Section:
    partial = [p for p in result.periods if p.partial]
    note = None
    if partial:
        days = ", ".join(f"{p.period} {p.days} {plural(p.days, 'day')}" for p in partial)
        # Lower than a whole period's only where there is a whole period beside it.
        reading = (
            f"{plural(len(partial), 'its', 'their')} lower figures are not a drop in demand"
            if len(partial) < len(result.periods)
            else f"{plural(len(partial), 'its', 'their')} figures are those of these days, "
            "not of a whole period"
        )
        note = (
            f"* partial: the data covers only part of "
            f"{plural(len(partial), 'the period', 'those periods')} ({days}); {reading}. "
            f"At the history's rate, cost per year: {money(result.totals.cost_per_year)}."
        )
    return Section(
        title="Periods",
        header=["Period", "Demand", "Handled", "Lost", "Coverage", "Cost"],
        rows=[
            [
                f"{p.period} *" if p.partial else p.period,
                count(p.demand),
                count(p.handled),
                count(p.lost),
                percent(p.coverage),
                money(p.cost),
            ]
            for p in result.periods
        ],
        note=note,
    )


def guard_value(guard: GuardResult | CheckedGuard) -> str:
    """The guard's value as people read it (:func:`figure`), with as many more decimals
    as it takes to agree with PASS or FAIL: `coverage >= 1` failing at 0.999998 shows
    0.999998, never 1. Money (`cost_delta`) carries the currency label as money does."""
    parsed = comparison(guard.expr)
    if guard.value is None or parsed is None or not math.isfinite(guard.value):
        return figure(guard.value)
    compare, threshold = parsed
    shown = next(
        (
            text
            for text in (figure(guard.value, significant) for significant in range(4, 17))
            if compare(float(text.replace(MINUS, "-").replace(",", "")), threshold) == guard.ok
        ),
        figure(guard.value, 17),
    )
    metric = metric_of(guard.expr).rsplit(".", 1)[-1]
    return amount(shown) if metric in MONEY_METRICS else shown


def guards_section(result: Result) -> Section | None:
    if not result.guards:
        return None
    return Section(
        title="Guards",
        header=["", "Guard", "Value"],
        rows=[
            ["PASS" if g.ok else "FAIL", g.expr, guard_value(g)]
            for g in result.guards
        ],
        left_columns=2,
        styles=["green" if g.ok else "bold red" for g in result.guards],
    )


WORST_INTERVALS = 8


def _hold_asked(channels: list[ChannelResult]) -> str:
    """`staffing: {hold: P}`: the probability the plan was staffed to hold with."""
    asked = {c.hold for c in channels if c.hold is not None}
    return f" (staffed to hold with {percent(asked.pop())})" if len(asked) == 1 else ""


def replay_sections(result: Result) -> list[Section]:
    """`--replay`: does the plan hold on the real contacts? (§6b) Empty without it."""
    replayed = [c for c in result.channels if c.replay is not None]
    if not replayed:
        return []
    predicted = any(c.abandon_rate is not None for c in replayed)
    rows = []
    for item in replayed:
        replay = item.replay
        assert replay is not None
        row = [
            item.channel,
            count(replay.contacts),
            percent(item.service_level),
            percent(replay.service_level),
            percent(replay.intervals_meeting_target),
            number(replay.asa, 1),
            number(replay.mean_wait, 1),
        ]
        if predicted:
            row.append(percent(item.abandon_rate))
        row.append(percent(replay.abandon_rate))
        rows.append(row)
    header = ["Channel", "Contacts", "Plan SL", "Replay SL", "Intervals OK", "ASA s", "Wait s"]
    header += ["Plan ab.", "Abandon"] if predicted else ["Abandon"]
    share = result.totals.replay_intervals_meeting_target
    contacts = sum(c.replay.contacts for c in replayed if c.replay is not None)
    sections = [
        Section(
            title="Does the plan hold? Replay on the real contacts",
            header=header,
            rows=rows,
            note=f"{count(contacts)} contacts replayed at their real instants through the "
            "plan's agents (FCFS, real handle times). Plan SL is the Erlang prediction, "
            "Replay SL the share of replayed contacts answered within target; Intervals OK "
            "is the share of the channel's staffed intervals meeting the target, "
            f"{percent(share)} over all channels weighted by their contacts"
            f"{_hold_asked(replayed)}. ASA s is the mean wait of answered contacts, Wait s "
            "of all contacts (to answer or to abandonment).",
        )
    ]
    worst = sorted(
        (
            (item.channel, w)
            for item in replayed
            if item.replay is not None
            for w in item.replay.worst_intervals
            if w.service_level < 1.0
        ),
        key=lambda pair: (
            -(pair[1].arrivals * (1.0 - pair[1].service_level)),
            pair[1].service_level,
        ),
    )[:WORST_INTERVALS]
    if worst:
        sections.append(
            Section(
                title="Worst replayed intervals",
                header=["Channel", "Interval", "Arrivals", "N", "Plan SL", "Replay SL", "Wait s"],
                rows=[
                    [
                        channel,
                        w.interval_start,
                        count(w.arrivals),
                        count(w.agents),
                        percent(w.plan_service_level),
                        percent(w.service_level),
                        number(w.mean_wait, 1),
                    ]
                    for channel, w in worst
                ],
                left_columns=2,
                note="Ranked by contacts not answered within target; N = agents in seat.",
            )
        )
    fitted = [c for c in replayed if c.replay is not None and c.replay.fit_agent_hours is not None]
    if fitted:
        fit_rows = []
        for item in fitted:
            replay = item.replay
            assert replay is not None and replay.fit_agent_hours is not None
            fit_rows.append(
                [
                    item.channel,
                    count(item.agent_hours),
                    count(replay.fit_agent_hours),
                    signed(replay.fit_agent_hours - item.agent_hours, count),
                    percent(replay.fit_service_level),
                ]
            )
        sections.append(
            Section(
                title="Fitted staffing (--fit)",
                header=["Channel", "Plan agent h", "Fit agent h", "Δ", "Replay SL"],
                rows=fit_rows,
                note="Fit: per interval in time order, the smallest N (at least min_agents) "
                "whose real arrivals meet the target in replay; agent-hours with shrinkage.",
            )
        )
    return sections


def result_sections(view: SimulationView) -> list[Section]:
    result = view.result
    sections = [
        totals_section(view),
        channels_section(result),
        dilution_section(result),
        *([hours] if (hours := hours_section(result)) is not None else []),
        *([outcomes] if (outcomes := outcomes_section(view)) is not None else []),
        periods_section(result),
        *replay_sections(result),
    ]
    guards = guards_section(result)
    if guards is not None:
        sections.append(guards)
    return sections
