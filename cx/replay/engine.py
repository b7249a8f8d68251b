"""Evaluate a strategy on a cube: flows → channel figures → staffing → cost → Result."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import polars as pl
from pydantic import BaseModel

from cx.data.contacts import ContactFile, ContactSource
from cx.data.cube import Cube
from cx.data.dispersion import arrival_dispersion
from cx.data.periods import days_between, label, months_offered, period_end
from cx.data.scan import required_channels_message
from cx.errors import Finding, InputError, StrategyError
from cx.guards import parse_guard
from cx.models.numbers import check_agents
from cx.models.result import (
    ChannelResult,
    DataInfo,
    PeriodResult,
    ReplayInterval,
    ReplayResult,
    Result,
    StrategyInfo,
    Totals,
)
from cx.models.source import naming_set_values, set_at_or_below
from cx.models.strategy import Channel, Strategy
from cx.models.vocabulary import INTERVALS, one_of, plural
from cx.replay.flows import compute_flows
from cx.replay.hours import after_hours_contacts, calendar, hours_profile, split_demand, uses_hours
from cx.replay.needs import outcomes_needed, uses_step
from cx.replay.rules import RuleSet
from cx.replay.trace import ReplayOptions, replay_plan
from cx.staffing.plan import StaffingPlan, plan_staffing
from cx.staffing.queue import PlanOutcome


@dataclass(frozen=True)
class SimulationOptions:
    """Knobs that are not part of a strategy file."""

    interval: int | None = None  # minutes; None: the strategy's staffing.interval
    agents: Mapping[str, int] = field(default_factory=dict)  # fixed headcount per interval
    replay: ReplayOptions | None = None  # --replay: the plan replayed on the contacts (§6b)
    contacts: ContactSource | None = None  # where --replay reads the single contacts

    def __post_init__(self) -> None:
        # The API passes these straight from scripts: a bad one is an input error, not a
        # ValueError from Erlang (negative agents) or a silent odd interval (45 minutes).
        if self.interval is not None and (
            isinstance(self.interval, bool) or self.interval not in INTERVALS
        ):
            raise InputError(f"interval {self.interval!r} is not {one_of(INTERVALS)} minutes")
        object.__setattr__(self, "agents", check_agents(self.agents))


@dataclass
class Evaluation:
    """One strategy evaluated once on a cube: its rules, flows, staffing plan (with the
    per-interval frame) and the figures of its result."""

    rules: RuleSet
    flows: pl.DataFrame
    channels: list[ChannelResult]
    periods: list[PeriodResult]
    totals: Totals
    staffing: StaffingPlan


def check_time_of_day(cube: Cube, options: SimulationOptions) -> None:
    """Without a time of day (every timestamp at midnight, §11) there are no intervals to
    staff or replay: `--replay` and `--interval` are input errors that say so."""
    if cube.meta.time_of_day:
        return
    asked = [name for name, on in (("--replay", options.replay is not None),
                                   ("--interval", options.interval is not None)) if on]  # fmt: skip
    if asked:
        raise InputError(
            f"{' and '.join(asked)} {plural(len(asked), 'needs', 'need')} times of day, "
            f"and every timestamp in "
            f"{cube.meta.file} is at midnight (dates only)",
            hint="export the contacts' times of day, or leave out "
            + " and ".join(asked)
            + ": live channels are then costed from their workload",
        )


def workload_only(strategy: Strategy) -> Strategy:
    """``strategy`` with its live channels costed as async ones from their workload (no
    times of day, §11): agent-hours = workload / (concurrency × max_occupancy), before
    shrinkage; nothing is queued per interval."""
    live = {n: c for n, c in strategy.channels.items() if c.mode == "live"}
    if not live:
        return strategy
    channels = {**strategy.channels}
    for name, channel in live.items():
        channels[name] = channel.model_copy(update={"mode": "async", "patience": None})
    planned = strategy.model_copy(update={"channels": channels})
    planned._file = strategy.file
    return planned


def check_against_data(strategy: Strategy, cube: Cube) -> None:
    """Input errors that only the data can reveal (§4, §5)."""
    observed = cube.meta.channels_observed
    unknown = [c for c in observed if c not in strategy.channels]
    if unknown:
        error = required_channels_message(unknown, list(strategy.channels), cube.meta.file)
        error.file = strategy.file
        raise error
    findings = [
        _retired_without_fallback(strategy, name)
        for name in observed
        if name not in strategy.offered and name not in strategy.fallback
    ]
    if findings:
        raise StrategyError(findings)


def _retired_without_fallback(strategy: Strategy, name: str) -> Finding:
    """The finding for ``name``, retired with contacts in the data and no fallback: at
    the strategy's `fallback:` where it has one, else at the `offer:` that retires the
    channel (a ``--set`` of it: the option), naming any ``--set`` inside `offer`."""
    positions = strategy.positions
    key = "fallback" if ("fallback",) in positions else "offer"
    position = positions.get((key,)) or strategy.position((key,))
    labels = [label for label in set_at_or_below(positions, "offer") if label != position.file]
    return position.finding(
        naming_set_values(
            f"channel '{name}' is retired but has contacts in the data and no fallback", labels
        ),
        key,
        f"add `fallback: {{{name}: {{to: <offered channel>, accept: 0.5}}}}`",
    )


def _why_no_handle_time(cube: Cube, name: str) -> str:
    """Why the data gives channel ``name`` no handle time, where the cube can tell: its
    handle times are all 0, or every one of its contacts abandoned (handle times count
    for served contacts only)."""
    if cube.handle_time_counts().get(name, 0) > 0:
        return " (its handle times are all 0)"
    contacts, abandoned = cube.contacts_abandoned().get(name, (0, 0))
    if contacts and abandoned == contacts:
        return (
            f" (all {contacts:,} of its contacts abandoned: handle times count for served "
            "contacts only)"
        )
    return ""


def handle_times(strategy: Strategy, cube: Cube, offered: list[str]) -> dict[str, float]:
    """AHT per channel: the catalog's, else the observed mean (§5)."""
    observed = cube.observed_handle_time()
    result: dict[str, float] = {}
    for name, channel in strategy.channels.items():
        if isinstance(channel.handle_time, float | int):
            result[name] = float(channel.handle_time)
        elif name in observed:
            result[name] = observed[name]
        elif channel.mode != "self_service" and name in offered and channel.hourly_cost:
            by_hour = channel.handle_time == "by_hour"
            raise InputError(
                f"channel '{name}' is staffed (mode {channel.mode}, hourly_cost set) but "
                + (
                    "has handle_time: by_hour and the data shows no handle times for it"
                    if by_hour
                    else "has no handle_time and the data shows none"
                )
                + _why_no_handle_time(cube, name),
                path=f"channels.{name}.handle_time",
                **strategy.position(("channels", name, "handle_time")).location(),
                hint="set handle_time (seconds) in the catalog",
            )
        response = channel.response
        observed_time = not isinstance(channel.handle_time, float | int)
        if response is not None and observed_time and response.within < result.get(name, 0):
            raise InputError(  # a catalog's number is a finding of the file already
                f"a response within {response.within:g} s is shorter than {name}'s observed "
                f"handle time {result[name]:,.0f} s: no contact can be answered in time",
                path=f"channels.{name}.response.within",
                **strategy.position(("channels", name, "response", "within")).location(),
                hint=f"give `within` at least {result[name]:,.0f} s, or set handle_time",
            )
    return result


def handle_time_profiles(strategy: Strategy, cube: Cube) -> dict[str, list[float]]:
    """24 AHTs (hour of day) for the `handle_time: by_hour` channels with observed ones (§6b)."""
    wanted = [n for n, c in strategy.channels.items() if c.handle_time == "by_hour"]
    if not wanted:
        return {}
    profiles = cube.handle_time_by_hour()
    return {name: profiles[name] for name in wanted if name in profiles}


def patience_of(strategy: Strategy, cube: Cube, offered: list[str]) -> dict[str, float]:
    """Mean patience (seconds) of live channels with `patience` (§6b); inf: nobody abandons.

    `observed` is Σ wait_time of the channel's contacts / its abandoned contacts: the
    exponential estimate with the answered contacts' waits as censored patience.
    """
    queue = None
    result: dict[str, float] = {}
    for name, channel in strategy.channels.items():
        if channel.mode != "live" or channel.patience is None:
            continue
        if channel.patience != "observed":
            result[name] = float(channel.patience)
            continue
        if queue is None:
            queue = cube.queue_observations()
        wait_sum, wait_n, abandoned, abandoned_n = queue.get(name, (0.0, 0.0, 0.0, 0.0))
        if wait_n == 0 or abandoned_n == 0:
            if name not in offered:
                continue
            missing = [c for c, n in (("wait_time", wait_n), ("abandoned", abandoned_n)) if not n]
            raise InputError(
                f"channel '{name}' has patience: observed, but the data has no "
                f"{' or '.join(missing)} for it",
                path=f"channels.{name}.patience",
                **strategy.position(("channels", name, "patience")).location(),
                hint="map wait_time and abandoned onto your export's columns (--columns; "
                "`values:` translates its abandon codes), or set patience in seconds",
            )
        result[name] = wait_sum / abandoned if abandoned > 0 else math.inf
    return result


def _satisfaction_scores(strategy: Strategy, cube: Cube) -> dict[str, float]:
    """Per channel: the catalog's satisfaction, else the observed mean (§10)."""
    scores = cube.outcomes.satisfaction() if cube.outcomes is not None else {}
    for name, channel in strategy.channels.items():
        if channel.satisfaction is not None:
            scores[name] = channel.satisfaction
    return scores


def baseline_of(strategy: Strategy, cube: Cube) -> Strategy:
    """The status quo: exactly the observed channels, no rules, the same catalog (§5)."""
    baseline = strategy.model_copy(
        update={
            "name": "baseline",
            "kind": "follow",
            "offer": list(cube.meta.channels_observed),
            "shifts": [],
            "fallback": {},
            "guards": [],
        }
    )
    baseline._file = strategy.file
    return baseline


def _evaluate(strategy: Strategy, cube: Cube, options: SimulationOptions) -> Evaluation:
    meta = cube.meta
    period_index = {start: i for i, start in enumerate(meta.period_starts)}
    outcomes = cube.outcomes
    demand = (
        outcomes.demand_by_period(meta.period)
        if outcomes is not None and uses_step(strategy)
        else cube.demand
    )
    resolution = outcomes.resolution_rates() if outcomes is not None else {}
    rules = RuleSet.compile(strategy, resolution)
    interval = options.interval or strategy.staffing.interval
    with_hours = uses_hours(strategy)
    if with_hours:  # opening hours (§11): each cell's open and closed part
        demand = split_demand(strategy, cube, demand, interval)
    flows = compute_flows(rules, demand, period_index)
    scores = _satisfaction_scores(strategy, cube)
    offered = strategy.offered
    aht = handle_times(strategy, cube, offered)

    by_channel = _sum_flows(flows)
    before_queue = cube.abandoned_before_queue()
    demand_by_channel = _demand_by(cube, "channel")
    handled_by_period = _handled_by_period(flows)
    plan = plan_staffing(
        strategy if meta.time_of_day else workload_only(strategy),
        flows,
        hours_profile(strategy, cube, interval) if with_hours else cube.arrival_profile(interval),
        {name: _handled(by_channel, name) for name in strategy.channels},
        handled_by_period,
        aht,
        interval,
        options.agents,
        handle_time_profiles(strategy, cube),
        patience_of(strategy, cube, offered),
        calendar(strategy, cube, interval) if with_hours else None,
        arrival_dispersion(cube.arrivals) if strategy.staffing.hold is not None else None,
    )
    closed_arrivals = after_hours_contacts(demand) if with_hours else {}
    months = months_of(cube)
    channels: list[ChannelResult] = []
    handled_total = sum(_handled(by_channel, name) for name in strategy.channels)
    for name, channel in strategy.channels.items():
        staffing = plan.channels[name]
        handled = _handled(by_channel, name)
        is_offered = name in offered
        cost = cost_terms(
            channel,
            handled=handled,
            agent_hours=staffing.agent_hours,
            months_offered=months if is_offered else 0.0,
            incentive=by_channel.get((name, "incentive_in"), 0.0),
        )
        subscale = (
            staffing.mean_agents is not None
            and staffing.mean_agents < strategy.dilution.subscale_agents
        )
        channels.append(
            ChannelResult(
                channel=name,
                mode=channel.mode,
                offered=is_offered,
                demand=float(demand_by_channel.get(name, 0.0)),
                abandoned_before_queue=before_queue.get(name, 0),
                stayed=by_channel.get((name, "stay_in"), 0.0),
                shifted_out=by_channel.get((name, "shift_out"), 0.0)
                + by_channel.get((name, "fallback_out"), 0.0),
                shifted_in=by_channel.get((name, "shift_in"), 0.0)
                + by_channel.get((name, "fallback_in"), 0.0),
                repeats_in=by_channel.get((name, "repeat_in"), 0.0),
                lost=by_channel.get((name, "lost_out"), 0.0),
                handled=handled,
                workload_hours=staffing.workload_hours,
                agent_hours=staffing.agent_hours,
                occupancy=staffing.occupancy,
                service_level=staffing.service_level,
                average_wait=staffing.average_wait,
                abandon_rate=staffing.abandon_rate,
                volume_share=handled / handled_total if handled_total else 0.0,
                subscale=bool(subscale),
                variable_cost=cost.variable,
                labour_cost=cost.labour,
                fixed_cost=cost.fixed,
                incentive_cost=cost.incentive,
                cost=cost.total,
                resolution_rate=resolution.get(name),
                satisfaction=scores.get(name),
                open_hours=staffing.open_hours,
                after_hours=closed_arrivals.get(name, 0.0)
                if channel.hours is not None and is_offered
                else None,
                response_level=staffing.response_level,
                backlog_peak=staffing.backlog_peak,
                hold=strategy.staffing.hold
                if channel.mode == "live" and staffing.staffed and name not in options.agents
                else None,
            )
        )
    periods = _periods(strategy, cube, flows, plan, offered)
    totals = _totals(strategy, cube, channels, plan, offered)
    return Evaluation(rules, flows, channels, periods, totals, plan)


def _handled(by_channel: Mapping[tuple[str, str], float], name: str) -> float:
    return (
        by_channel.get((name, "stay_in"), 0.0)
        + by_channel.get((name, "shift_in"), 0.0)
        + by_channel.get((name, "fallback_in"), 0.0)
        + by_channel.get((name, "repeat_in"), 0.0)
    )


def _demand_by(cube: Cube, key: str) -> dict[Any, float]:
    """The cube's contacts summed by ``key``, in the same order every run: a scaled cube
    (`volume`, §12) holds fractions, and a float sum taken in another row order differs
    in the last bits (as in the flows, cx.replay.flows)."""
    cells = [name for name, dtype in cube.demand.schema.items() if not dtype.is_float()]
    ordered = cube.demand.sort(cells)
    summed = ordered.group_by(key, maintain_order=True).agg(pl.col("contacts").sum())
    return dict(summed.iter_rows())


def _sum_flows(flows: pl.DataFrame) -> dict[tuple[str, str], float]:
    """Flow sums keyed by (channel, '<kind>_in' | '<kind>_out' | 'incentive_in')."""
    sums: dict[tuple[str, str], float] = {}
    inbound = (
        flows.filter(pl.col("target").is_not_null())
        .group_by("target", "kind")
        .agg(pl.col("contacts").sum(), pl.col("incentive").sum())
    )
    for target, kind, contacts, incentive in inbound.iter_rows():
        sums[(target, f"{kind}_in")] = contacts
        sums[(target, "incentive_in")] = sums.get((target, "incentive_in"), 0.0) + incentive
    outbound = flows.group_by("source", "kind").agg(pl.col("contacts").sum())
    for source, kind, contacts in outbound.iter_rows():
        sums[(source, f"{kind}_out")] = contacts
    return sums


def _handled_by_period(flows: pl.DataFrame) -> dict[str, dict[object, float]]:
    grouped = (
        flows.filter(pl.col("kind") != "lost")
        .group_by("target", "period_start")
        .agg(pl.col("contacts").sum())
    )
    result: dict[str, dict[object, float]] = {}
    for target, period, contacts in grouped.iter_rows():
        result.setdefault(target, {})[period] = contacts
    return result


def months_of(cube: Cube) -> float:
    """Calendar months of the data's span: what an offered channel's fixed cost is paid for."""
    meta = cube.meta
    first, last = meta.span
    return months_offered(
        first, last, meta.period_starts[0], period_end(meta.period_starts[-1], meta.period)
    )


def channel_costs(
    channels: list[ChannelResult], catalog: Mapping[str, Channel], months: float
) -> dict[str, float]:
    """Each channel's cost with ``catalog``'s prices on figures already evaluated: a
    change of prices alone needs no new flows and no new staffing."""
    return {
        item.channel: cost_terms(
            catalog[item.channel],
            handled=item.handled,
            agent_hours=item.agent_hours,
            months_offered=months if item.offered else 0.0,
            incentive=item.incentive_cost,
        ).total
        for item in channels
    }


@dataclass(frozen=True)
class CostTerms:
    """What a channel costs (§6), term by term."""

    variable: Any  # handled contacts × cost_per_contact
    labour: Any  # agent-hours × hourly_cost
    fixed: Any  # fixed_cost × calendar months offered
    incentive: Any  # incentive_cost × contacts shifted in by rules

    @property
    def total(self) -> Any:
        return self.variable + self.labour + self.fixed + self.incentive


class Prices(Protocol):
    """What a channel charges: a catalog :class:`Channel`, or the same prices as arrays
    (one per draw of an uncertain strategy, §12)."""

    @property
    def cost_per_contact(self) -> Any: ...
    @property
    def hourly_cost(self) -> Any: ...
    @property
    def fixed_cost(self) -> Any: ...


def cost_terms(
    channel: Prices, *, handled: Any, agent_hours: Any, months_offered: float, incentive: Any
) -> CostTerms:
    """The one cost formula (§6), for a whole history or one period of it; a term whose
    setting is absent is 0. Numbers, or numpy arrays of draws alike."""
    return CostTerms(
        variable=handled * _price(channel.cost_per_contact),
        labour=agent_hours * _price(channel.hourly_cost),
        fixed=_price(channel.fixed_cost) * months_offered,
        incentive=incentive,
    )


def _price(value: Any) -> Any:
    return 0.0 if value is None else value


def _periods(
    strategy: Strategy,
    cube: Cube,
    flows: pl.DataFrame,
    plan: StaffingPlan,
    offered: list[str],
) -> list[PeriodResult]:
    """Per period, the figures of §6 restricted to it: its handled contacts, the
    agent-hours of its intervals, the fixed cost of its days of the span (§11), its
    incentives."""
    demand = _demand_by(cube, "period_start")
    lost = dict(
        flows.filter(pl.col("kind") == "lost")
        .group_by("period_start")
        .agg(pl.col("contacts").sum())
        .iter_rows()
    )
    inflow = (
        flows.filter(pl.col("kind") != "lost")
        .group_by("period_start", "target")
        .agg(handled=pl.col("contacts").sum(), incentive=pl.col("incentive").sum())
    )
    by_cell = {(row[0], row[1]): row[2:] for row in inflow.iter_rows()}
    handled_by_period = dict(
        flows.filter(pl.col("kind") != "lost")
        .group_by("period_start")
        .agg(pl.col("contacts").sum())
        .iter_rows()
    )
    first, last = cube.meta.span
    results = []
    for start in cube.meta.period_starts:
        end = period_end(start, cube.meta.period)
        months = months_offered(first, last, start, end)
        cost = 0.0
        for name, channel in strategy.channels.items():
            handled, incentive = by_cell.get((start, name), (0.0, 0.0))
            cost += cost_terms(
                channel,
                handled=handled,
                agent_hours=plan.channels[name].agent_hours_by_period.get(start, 0.0),
                months_offered=months if name in offered else 0.0,
                incentive=incentive,
            ).total
        period_demand = float(demand.get(start, 0.0))
        period_lost = float(lost.get(start, 0.0))
        days = days_between(first, last, start, end)
        results.append(
            PeriodResult(
                period=label(start, cube.meta.period),
                demand=period_demand,
                handled=float(handled_by_period.get(start, 0.0)),
                lost=period_lost,
                cost=float(cost),
                coverage=(period_demand - period_lost) / period_demand if period_demand else 1.0,
                days=days,
                partial=days < (end - start).days,
            )
        )
    return results


def _totals(
    strategy: Strategy,
    cube: Cube,
    channels: list[ChannelResult],
    plan: StaffingPlan,
    offered: list[str],
) -> Totals:
    demand = sum(c.demand for c in channels)
    lost = sum(c.lost for c in channels)
    repeats = sum(c.repeats_in for c in channels)
    handled = sum(c.handled for c in channels)
    stayed = sum(c.stayed for c in channels)
    cost = sum(c.cost for c in channels)
    preferred = dict(cube.preferred.iter_rows())
    customers = cube.meta.customers
    covered_customers = sum(count for name, count in preferred.items() if name in offered)
    shares_squared = sum(c.volume_share**2 for c in channels)
    served = demand - lost
    return Totals(
        demand=demand,
        handled=handled,
        lost=lost,
        repeats=repeats,
        coverage=served / demand if demand else 1.0,
        preferred_coverage=stayed / demand if demand else 1.0,
        # No identified customer: no share of them to state (not 100%).
        customer_coverage=covered_customers / customers if customers else None,
        cost=cost,
        cost_per_contact=cost / served if served > 0 else None,
        cost_per_year=cost * 365 / cube.meta.span_days,
        baseline_cost=0.0,
        cost_delta=0.0,
        agent_hours=sum(c.agent_hours for c in channels),
        effective_channels=1.0 / shares_squared if shares_squared > 0 else 0.0,
        pooling_overhead=plan.pooling_overhead,
        floor_waste=plan.floor_waste,
        **_outcome_totals(cube, channels, handled, cost),
    )


def _outcome_totals(
    cube: Cube, channels: list[ChannelResult], handled: float, cost: float
) -> dict[str, float | None]:
    scored = [c for c in channels if c.satisfaction is not None and c.handled > 0]
    weight = sum(c.handled for c in scored)
    satisfaction = (
        sum(c.handled * c.satisfaction for c in scored) / weight  # type: ignore[operator]
        if weight > 0
        else None
    )
    journeys = cube.outcomes.journeys if cube.outcomes is not None else None
    return {
        "journeys": float(journeys) if journeys is not None else None,
        "contacts_per_journey": handled / journeys if journeys else None,
        "cost_per_journey": cost / journeys if journeys else None,
        "satisfaction": satisfaction,
    }


def _data_info(cube: Cube) -> DataInfo:
    meta, outcomes = cube.meta, cube.outcomes
    extra: dict[str, float | int | str | None] = {}
    if outcomes is not None:
        journeys = outcomes.journeys
        extra = {
            "journeys": journeys,
            "contacts_per_journey": meta.rows_used / journeys if journeys else None,
            "hop_rate": outcomes.hops / outcomes.follow_ups if outcomes.follow_ups else 0.0,
            "multichannel_journey_share": outcomes.multichannel_journeys / journeys
            if journeys
            else None,
            "resolution_source": outcomes.resolution_source,
        }
    counts = {name: getattr(meta, name) for name in _DATA_INFO_FROM_META}
    return DataInfo(periods=meta.period_labels, **counts, **extra)  # type: ignore[arg-type]


#: The fields of DataInfo that the cube's meta holds under the same names.
_DATA_INFO_FROM_META = (
    "file", "rows_read", "rows_used", "rows_rejected", "rows_dropped", "time_of_day",
    "customers", "channels_observed",
)  # fmt: skip


@dataclass
class StrategyEvaluation:
    """A strategy and its status quo, each evaluated once: everything a result, a
    report or a staffing view of the strategy reads."""

    strategy: Strategy
    own: Evaluation
    baseline_strategy: Strategy
    baseline: Evaluation
    baseline_totals: Totals  # the status quo's totals, against itself
    result: Result

    def baseline_result(self) -> Result:
        """The status quo as a result of its own (its baseline is itself; no guards)."""
        return Result(
            strategy=StrategyInfo(
                name=self.baseline_strategy.name,
                kind=self.baseline_strategy.kind,
                file=self.baseline_strategy.file,
                currency=self.baseline_strategy.currency,
            ),
            data=self.result.data.model_copy(),
            totals=self.baseline_totals.model_copy(),
            channels=[channel.model_copy() for channel in self.baseline.channels],
            periods=[period.model_copy() for period in self.baseline.periods],
        )


def evaluate(
    strategy: Strategy,
    cube: Cube,
    options: SimulationOptions | None = None,
    baselines: dict[str, Evaluation] | None = None,
) -> StrategyEvaluation:
    """``strategy`` and its baseline evaluated once each, with the result assembled
    from them. ``baselines`` lets several calls with the same options share baseline
    evaluations: strategies with the same catalog have the same baseline."""
    options = options or SimulationOptions()
    check_against_data(strategy, cube)
    check_time_of_day(cube, options)
    needed = outcomes_needed(strategy)
    if needed is not None and cube.outcomes is None:
        raise InputError(
            f"{needed} needs journeys and observed outcomes, which this cube does not have",
            file=strategy.file,
            hint="load the data with outcomes=True (the CLI does so by itself)",
        )
    for name in options.agents:
        if name not in strategy.channels or strategy.channels[name].mode != "live":
            raise InputError(
                f"--agents names '{name}', which is not a live channel of the strategy",
                hint="use --agents CHANNEL=N with a live catalog channel",
            )
    evaluation = _evaluate(strategy, cube, options)
    status_quo = baseline_of(strategy, cube)
    key = status_quo.model_dump_json()
    baseline = (baselines or {}).get(key) or _evaluate(status_quo, cube, options)
    if baselines is not None:
        baselines[key] = baseline
    totals = evaluation.totals.model_copy(
        update={
            "baseline_cost": baseline.totals.cost,
            "cost_delta": evaluation.totals.cost - baseline.totals.cost,
            "satisfaction_delta": _delta(
                evaluation.totals.satisfaction, baseline.totals.satisfaction
            ),
        }
    )
    baseline_totals = baseline.totals.model_copy(
        update={
            "baseline_cost": baseline.totals.cost,
            "cost_delta": 0.0,
            "satisfaction_delta": _delta(
                baseline.totals.satisfaction, baseline.totals.satisfaction
            ),
        }
    )
    result = Result(
        strategy=StrategyInfo(
            name=strategy.name, kind=strategy.kind, file=strategy.file, currency=strategy.currency
        ),
        data=_data_info(cube),
        totals=totals,
        channels=evaluation.channels,
        periods=evaluation.periods,
    )
    if options.replay is not None:
        _attach_replay(result, replay_evaluation(strategy, cube, evaluation, options))
    guards = [parse_guard(expr, list(strategy.channels)) for expr in strategy.guards]
    result.guards = [guard.evaluate(result) for guard in guards]
    return StrategyEvaluation(strategy, evaluation, status_quo, baseline, baseline_totals, result)


def _delta(value: float | None, base: float | None) -> float | None:
    return value - base if value is not None and base is not None else None


def staffing_plan(
    strategy: Strategy, cube: Cube, options: SimulationOptions | None = None
) -> StaffingPlan:
    """The staffing plan of ``strategy`` on ``cube``, with its per-interval frame.

    ``plan.intervals`` has one row per live channel and staffed interval
    (channel, period_start, interval_start, contacts, load, agents_raw, agents,
    service_level, ...): what a report draws, and what the §8 JSON leaves out.
    """
    options = options or SimulationOptions()
    check_against_data(strategy, cube)
    return _evaluate(strategy, cube, options).staffing


def replay_evaluation(
    strategy: Strategy, cube: Cube, evaluation: Evaluation, options: SimulationOptions
) -> PlanOutcome:
    """The plan of ``strategy`` replayed on the single contacts (§6b, `--replay`)."""
    contacts = options.contacts or ContactFile(Path(cube.meta.file))
    offered = strategy.offered
    return replay_plan(
        strategy,
        evaluation.rules,
        evaluation.staffing.intervals,
        contacts,
        handle_time=handle_times(strategy, cube, offered),
        handle_time_by_hour=handle_time_profiles(strategy, cube),
        period=cube.meta.period,
        period_starts=cube.meta.period_starts,
        interval_minutes=options.interval or strategy.staffing.interval,
        options=options.replay,
    )


def _attach_replay(result: Result, replay: PlanOutcome) -> None:
    for item in result.channels:
        outcome = replay.channels.get(item.channel)
        if outcome is None:
            continue
        item.replay = _same_named(
            ReplayResult,
            outcome,
            worst_intervals=[
                _same_named(
                    ReplayInterval,
                    w,
                    interval_start=w.interval_start.isoformat(sep=" ", timespec="minutes"),
                )
                for w in outcome.worst
            ],
        )
    result.totals.replay_intervals_meeting_target = replay.intervals_meeting_target


_Model = TypeVar("_Model", bound=BaseModel)


def _same_named(model: type[_Model], source: object, **values: object) -> _Model:
    """``model`` with ``values``, each other field read from ``source``'s attribute of its
    name (the queue's outcomes name their figures as the JSON does)."""
    copied = {name: getattr(source, name) for name in model.model_fields if name not in values}
    return model(**copied, **values)
