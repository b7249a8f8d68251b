"""The report's "Assumptions": what every figure of a strategy rests on.

Per channel the handle time and where it came from, the costs, shrinkage, service
level target, concurrency (and opening hours where the catalog has them); per rule
the share, ramp and containment, assumed beside what the data shows; where retired
channels' contacts go; and the whole history's figures beside the same at a yearly
rate. A director can check each input without opening a YAML file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cx.data.cube import Cube
from cx.models.inspect import InspectResult
from cx.models.result import Result
from cx.models.strategy import Channel, ServiceLevel, Strategy
from cx.models.vocabulary import counted, plural
from cx.render.numbers import money_change, proportion
from cx.render.sections import Section, count, money, percent


def duration(seconds: float) -> str:
    """Seconds as people say them: 20 s, 5 min, 24 h, 3 d."""
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:,.0f} min"
    if seconds < 3 * 86_400:
        return f"{seconds / 3600:,.0f} h"
    return f"{seconds / 86_400:,.0f} d"


def share(value: float) -> str:
    """A share as written in a strategy: 30%, 12.5% (never rounded to another value)."""
    digits = 0 if abs(value * 100 - round(value * 100)) < 1e-9 else 1
    return percent(value, digits)


def value_source(strategy: Strategy, *path: str | int) -> str:
    """Where a value the strategy sets was written: ``catalog`` (a file it extends),
    ``--set`` (the command line), else ``strategy`` (its own file, or the mapping given
    to the API)."""
    origin = strategy.origin(*path)
    if origin is None:
        return "strategy"
    if origin.startswith("--set"):
        return "--set"
    if origin in strategy.files[1:]:
        return "catalog"
    return "strategy"


def seconds(value: float) -> str:
    return f"{value:,.0f} s"


def handle_time(
    strategy: Strategy, name: str, channel: Channel, observed: Mapping[str, float]
) -> str:
    """The handle time the figures use for ``name`` and, in brackets, where it came from
    (§5, §6b): ``360 s (catalog)``, ``412 s (observed)``."""
    if isinstance(channel.handle_time, float | int):
        source = value_source(strategy, "channels", name, "handle_time")
        return f"{seconds(float(channel.handle_time))} ({source})"
    seen = observed.get(name)
    if seen is None:
        return "–"
    return f"{seconds(seen)} ({'by hour' if channel.handle_time == 'by_hour' else 'observed'})"


def service_level(channel: Channel) -> str:
    """The target a channel is staffed to: its own, or for a live channel the default."""
    level = channel.service_level
    if level is None and channel.mode == "live":
        level = ServiceLevel()
    if level is None:
        return "–"
    return f"{share(level.target)} in {duration(level.within)}"


def opening_hours(channel: Channel) -> str | None:
    """The channel's ``hours`` as one line, or None when it is open 24/7."""
    if channel.hours is None:
        return None
    return "; ".join(f"{day} {when}" for day, when in channel.hours.items())


def channels_section(strategy: Strategy, cube: Cube) -> Section:
    observed = cube.observed_handle_time()
    hours = {name: opening_hours(channel) for name, channel in strategy.channels.items()}
    with_hours = any(value is not None for value in hours.values())
    offered = set(strategy.offered)
    catalogs = ", ".join(Path(file).name for file in strategy.files[1:]) or "none"
    rows = []
    for name, channel in strategy.channels.items():
        staffed = channel.mode != "self_service" and channel.hourly_cost is not None
        row = [
            name if name in offered else f"{name} (retired)",
            channel.mode,
            handle_time(strategy, name, channel, observed),
            money(channel.hourly_cost),
            money(channel.cost_per_contact),
            money(channel.fixed_cost),
            share(channel.shrinkage) if staffed else "–",
            service_level(channel) if staffed else "–",
            f"{channel.concurrency:g}" if staffed else "–",
        ]
        if with_hours:
            row.append(hours[name] or "24/7")
        rows.append(row)
    header = [
        "Channel",
        "Mode",
        "Handle time",
        "Per hour",
        "Per contact",
        "Per month",
        "Shrinkage",
        "Service level",
        "Concurrency",
    ]
    return Section(
        title="Channels: the inputs",
        header=[*header, *(["Hours"] if with_hours else [])],
        rows=rows,
        left_columns=2,
        note="Handle time as set in the strategy, in the catalog it extends "
        f"({catalogs}), with --set, or observed: the mean in the data (by hour: the "
        "mean per hour of day). Costs per agent-hour, per handled contact and per "
        "calendar month while offered; shrinkage, service level and concurrency apply to "
        "staffed channels (with a cost per hour).",
    )


def _ramp(strategy: Strategy, index: int) -> str:
    ramp = strategy.shifts[index].ramp
    if ramp is None:
        return "from the start"
    unit = plural(ramp.periods, strategy.period)
    return f"{ramp.periods} {unit}, {ramp.shape.replace('_', '-')}"


def rules_section(strategy: Strategy, profile: InspectResult | None) -> Section | None:
    """Each shift rule's share, ramp and containment beside what the data shows."""
    rows: list[list[str]] = []
    styles: list[str | None] = []
    for index, rule in enumerate(strategy.shifts):
        for target, moved in rule.to.items():
            seen = None
            if profile is not None:
                try:
                    seen = profile.channel(target)
                except KeyError:
                    seen = None
            low = seen.containment_7d if seen else None
            high = seen.containment_24h if seen else None
            assumed = rule.containment
            observed = (
                f"{proportion(low, 0)} – {proportion(high, 0)}"
                if low is not None and high is not None
                else "–"
            )
            optimistic = isinstance(assumed, float | int) and high is not None and assumed > high
            rows.append(
                [
                    rule.name or f"shifts.{index}",
                    f"{rule.from_} → {target}",
                    share(moved),
                    _ramp(strategy, index),
                    "observed" if assumed == "observed" else share(float(assumed)),
                    observed,
                    proportion(seen.resolution_rate, 0) if seen else "–",
                    "optimistic" if optimistic else "",
                ]
            )
            styles.append("yellow" if optimistic else None)
    if not rows:
        return None
    return Section(
        title="Shift rules: containment assumed against observed",
        header=[
            "Rule",
            "Shift",
            "Share",
            "Ramp",
            "Assumed",
            "Observed",
            "Resolved",
            "",
        ],
        rows=rows,
        left_columns=2,
        styles=styles,
        note="Observed containment is 1 − the repeat rate of the target channel's contacts today: "
        "the share the same customer did not follow with another contact within 7 days "
        "(conservative, the lower figure) or 24 hours (optimistic), as cx inspect shows; "
        "– where the data has no customer journeys to tell. An assumption above that range "
        "is optimistic: expect more repeat contacts than projected.",
    )


def fallbacks_section(strategy: Strategy) -> Section | None:
    """Where each retired channel's remaining contacts go, and the share lost."""
    offered = set(strategy.offered)
    rows = []
    for name in strategy.channels:
        if name in offered:
            continue
        fallback = strategy.fallback.get(name)
        shares = fallback.shares if fallback is not None else {}
        rows.append(
            [
                name,
                ", ".join(f"{target} {share(part)}" for target, part in shares.items())
                or "nowhere",
                share(1.0 - sum(shares.values())),
            ]
        )
    if not rows:
        return None
    return Section(
        title="Retired channels",
        header=["Channel", "Falls back to", "Lost"],
        rows=rows,
        left_columns=2,
        note="Of the contacts no rule moves, each fallback channel takes its share; the rest "
        "are lost.",
    )


def yearly_section(result: Result) -> Section:
    """The whole history's totals beside the same at a yearly rate (× 365 / days)."""
    totals = result.totals
    days = sum(period.days for period in result.periods)
    rate = 365 / days if days else 0.0
    figures = [
        ("Cost", totals.cost, money),
        ("Cost today (baseline)", totals.baseline_cost, money),
        ("Cost vs today", totals.cost_delta, money_change),
        ("Agent-hours", totals.agent_hours, count),
        ("Contacts handled", totals.handled, count),
        ("Contacts lost", totals.lost, count),
    ]
    rows = [[label, shown(value), shown(value * rate)] for label, value, shown in figures]
    return Section(
        title="Whole history and per year",
        header=["", f"History ({counted(days, 'day')})", "Per year"],
        rows=rows,
        note="Per year = the history's figure × 365 / its days, as totals.cost_per_year: "
        "seasons the history does not cover are not in it.",
    )


def assumptions_sections(
    strategy: Strategy, result: Result, cube: Cube, profile: InspectResult | None
) -> list[Section]:
    """Every table of a strategy's Assumptions, in reading order."""
    sections = [channels_section(strategy, cube)]
    for extra in (rules_section(strategy, profile), fallbacks_section(strategy)):
        if extra is not None:
            sections.append(extra)
    sections.append(yearly_section(result))
    return sections
