"""Staffing (§6, §7): agents per calendar interval from the replayed arrivals.

Contacts a channel handles arrive in the intervals of their source channel, in
proportion to the source's arrivals in that period. Live channels get Erlang C
agents per interval (Erlang A with `patience`, §6b); async channels get
workload-based hours (with opening hours, at least `min_agents` through each day's
open hours; with a response target, a backlog plan); self-service none. With
`handle_time: by_hour` each interval uses the AHT of its hour of day for load, workload
and labour. With `staffing: {hold: P}` live intervals are staffed for the P-quantile of
their arrival count (§12, :mod:`cx.staffing.hold`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import polars as pl

from cx.models.hours import WeeklyHours, is_open, next_open
from cx.models.strategy import Channel, Strategy
from cx.models.sums import exact_sums
from cx.staffing import erlang
from cx.staffing.backlog import BacklogPlan, plan_backlog
from cx.staffing.erlang import check_plan_size
from cx.staffing.hold import count_quantile

DEFAULT_SERVICE_TARGET = 0.8
DEFAULT_SERVICE_WITHIN = 20.0
HANDLED_KINDS = ("stay", "shift", "fallback", "repeat")


@dataclass
class ChannelStaffing:
    workload_hours: float | None = None
    agent_hours: float = 0.0
    occupancy: float | None = None
    service_level: float | None = None
    average_wait: float | None = None
    abandon_rate: float | None = None  # Erlang A prediction; None without patience
    mean_agents: float | None = None
    floor_hours: float = 0.0
    staffed: bool = False
    open_hours: float | None = None  # hours open within the data's span; None: 24/7
    response_level: float | None = None  # async response target: share answered in time
    backlog_peak: float | None = None
    agent_hours_by_period: dict[object, float] = field(default_factory=dict)
    backlog: Backlog | None = None  # a response target's: what it was planned from
    days: OpenDays | None = None  # an async channel's with hours and no response target


@dataclass(frozen=True)
class OpenDays:
    """An async channel with opening hours and no response target, per day of the
    calendar: the workload hours of the contacts it answers that day (those arriving
    while it is closed, at its next opening) and its open hours within the data's span.
    Each day is staffed for its workload, and at least `min_agents` through its open
    hours (§11): a day is never cut by a period, so the sum is the same however the
    history is sliced."""

    workload: np.ndarray
    open_hours: np.ndarray
    period_start: pl.Series

    def in_seat(self, channel: StaffingSettings, workload: np.ndarray | None = None) -> Any:
        """Agent-hours in seat per day (before shrinkage) for ``workload`` (default: the
        plan's; draws × days for many draws with settings as columns)."""
        return np.maximum(self.needed(channel, workload), channel.min_agents * self.open_hours)

    def needed(self, channel: StaffingSettings, workload: np.ndarray | None = None) -> Any:
        """Agent-hours in seat per day that the workload alone needs (the workload
        formula, before the floor and shrinkage)."""
        work = self.workload if workload is None else workload
        return work / (channel.concurrency * channel.max_occupancy)


@dataclass(frozen=True)
class Backlog:
    """What an async channel's response target is planned from: per calendar interval of
    the span and some days past it, the contacts arriving, whether it is open and
    whether it lies in the span (its floor applies there)."""

    arrivals: np.ndarray
    is_open: np.ndarray
    in_span: np.ndarray

    def plan(
        self, channel: StaffingSettings, minutes: int, handle_time: float
    ) -> BacklogPlan:
        """Agents per interval for ``channel``'s response target (cx.staffing.backlog)."""
        assert channel.response is not None
        return plan_backlog(
            self.arrivals,
            self.is_open,
            np.where(self.is_open & self.in_span, channel.min_agents, 0),
            interval_minutes=minutes,
            within=channel.response.within,
            target=channel.response.target,
            handle_time=handle_time,
            concurrency=channel.concurrency,
            max_occupancy=channel.max_occupancy,
        )


def backlog_handle_time(workload_hours: float, arrivals: float, aht: float) -> float:
    """The mean handle time of a backlog's contacts: its workload over its arrivals
    (with `handle_time: by_hour`, a mean over the hours they arrive in)."""
    return workload_hours * 3600.0 / arrivals if arrivals > 0 else aht


@dataclass
class StaffingPlan:
    channels: dict[str, ChannelStaffing]
    pooling_overhead: float
    floor_waste: float
    intervals: pl.DataFrame  # channel, interval_start, period_start, contacts, load, agents...


class StaffingSettings(Protocol):
    """What the staffing of a queue or a backlog reads of a channel: a catalog
    :class:`Channel`, or the same settings of draws of an uncertain strategy (§12), as
    arrays for :func:`live_agents` and one draw's for :meth:`Backlog.plan`."""

    @property
    def concurrency(self) -> Any: ...
    @property
    def max_occupancy(self) -> Any: ...
    @property
    def min_agents(self) -> Any: ...
    @property
    def service_level(self) -> Any: ...
    @property
    def response(self) -> Any: ...


def service_target(channel: StaffingSettings) -> tuple[Any, Any]:
    if channel.service_level is None:
        return DEFAULT_SERVICE_TARGET, DEFAULT_SERVICE_WITHIN
    return channel.service_level.target, channel.service_level.within


def scheduled_hours(agents: Any, interval_minutes: int, shrinkage: Any) -> Any:
    """Paid agent-hours of ``agents`` in seat for intervals of ``interval_minutes`` (§6:
    scheduled = in seat / (1 − shrinkage)). The one formula for plan, queue and report;
    numbers, numpy arrays and Polars expressions alike."""
    return agents * (interval_minutes / 60.0) * (1.0 / (1.0 - shrinkage))


def interval_arrivals(flows: pl.DataFrame, profile: pl.DataFrame) -> pl.DataFrame:
    """Contacts each target channel handles per calendar interval: every flow arrives in
    the intervals of its source channel, in proportion to the source's ``profile`` (with
    opening hours, its open or closed intervals as the flow's ``hours`` says)."""
    by = ["hours"] if "hours" in flows.columns and "hours" in profile.columns else []
    keys = ["period_start", "source", "target", *by]
    # Added up in a set order, whatever the order of the flows' rows: a group-by or a
    # join gives its rows in no set order, and a sum in another order can differ in its
    # last bits (and every staffing measure with it) from one run to the next.
    inflow = (
        flows.filter(pl.col("kind").is_in(HANDLED_KINDS))
        .sort(*keys, "contacts", nulls_last=True)
        .group_by(*keys, maintain_order=True)
        .agg(pl.col("contacts").sum())
    )
    return (
        inflow.join(
            profile,
            left_on=["period_start", "source", *by],
            right_on=["period_start", "channel", *by],
            how="inner",
            maintain_order="left_right",
        )
        .group_by(channel="target", period_start="period_start", interval_start="interval_start")
        .agg(contacts=(pl.col("contacts") * pl.col("share")).sum())
        .sort("channel", "interval_start")
    )


def plan_staffing(
    strategy: Strategy,
    flows: pl.DataFrame,
    profile: pl.DataFrame,
    handled: Mapping[str, float],
    handled_by_period: Mapping[str, Mapping[object, float]],
    handle_time: Mapping[str, float],
    interval_minutes: int,
    fixed_agents: Mapping[str, int] | None = None,
    handle_time_by_hour: Mapping[str, Sequence[float]] | None = None,
    patience: Mapping[str, float] | None = None,
    calendar: pl.DataFrame | None = None,
    dispersion: Mapping[str, Sequence[float]] | None = None,
) -> StaffingPlan:
    """Agents, agent-hours, occupancy and dilution measures for every channel.

    ``profile`` is :func:`cx.data.cube.arrival_profile` of the cube's arrivals at
    ``interval_minutes``.

    ``handle_time_by_hour`` holds 24 AHTs per `by_hour` channel (hour of day → seconds);
    ``patience`` the mean patience in seconds of live channels staffed with Erlang A.
    ``calendar`` (interval_start, period_start, in_span: every interval of the data's
    span and some days past it) is needed by channels with opening hours or a response
    target (§11): their closed contacts wait for the next opening and every open
    interval of the span is staffed, arrivals or not.
    ``dispersion`` holds 24 arrival over-dispersions (hour of day → d ≥ 1) per channel,
    read by `staffing: {hold: P}`; a channel without them is taken as Poisson (d = 1).
    """
    fixed_agents = fixed_agents or {}
    profiles = handle_time_by_hour or {}
    offered = set(strategy.offered)
    per_interval = interval_arrivals(flows, profile)
    channels: dict[str, ChannelStaffing] = {}
    live_frames: list[pl.DataFrame] = []
    for name, channel in strategy.channels.items():
        staffing = ChannelStaffing()
        channels[name] = staffing
        aht = handle_time.get(name)
        if aht is None:
            continue
        frame = per_interval.filter(pl.col("channel") == name)
        # Opening hours and response targets (§11) staff offered channels only.
        calendar_of = calendar if name in offered else None
        hours = channel.weekly_hours
        if calendar_of is not None and hours is not None:
            in_span = calendar_of.filter(pl.col("in_span"))
            open_count = in_span.filter(is_open(hours, pl.col("interval_start"), interval_minutes))
            staffing.open_hours = open_count.height * interval_minutes / 60.0
            if channel.mode == "live":
                frame = open_intervals(name, frame, hours, calendar_of, interval_minutes)
        interval_aht = interval_handle_times(frame, aht, profiles.get(name))
        seconds = frame["contacts"].to_numpy() * interval_aht
        if name in profiles:
            staffing.workload_hours = float(seconds.sum()) / 3600.0
            workload_by_period = {
                period: total / 3600.0
                for period, total in exact_sums(frame["period_start"], seconds).items()
            }
        else:
            staffing.workload_hours = handled.get(name, 0.0) * aht / 3600.0
            workload_by_period = {
                period: value * aht / 3600.0
                for period, value in handled_by_period.get(name, {}).items()
            }
        if channel.mode == "self_service":
            continue
        staffing.staffed = True
        scale = 1.0 / (1.0 - channel.shrinkage)
        if channel.mode == "async" and channel.response is not None and calendar_of is not None:
            _staff_backlog(staffing, channel, frame, calendar_of, interval_minutes, aht)
            continue
        if channel.mode == "async" and calendar_of is not None and hours is not None:
            staffing.days = open_days(frame, seconds, hours, calendar_of, interval_minutes)
            if channel.min_agents > 0:
                _staff_open_days(staffing, channel, staffing.days)
                continue
        if channel.mode == "async":
            divisor = channel.concurrency * channel.max_occupancy
            staffing.agent_hours = staffing.workload_hours / divisor * scale
            staffing.agent_hours_by_period = {
                period: value / divisor * scale for period, value in workload_by_period.items()
            }
            staffing.occupancy = channel.max_occupancy if staffing.agent_hours else None
            continue
        if frame.height == 0:
            continue
        live = _staff_live(
            name,
            channel,
            frame,
            interval_aht,
            interval_minutes,
            fixed_agents.get(name),
            (patience or {}).get(name),
            held_counts(
                frame["contacts"].to_numpy(),
                frame["interval_start"].dt.hour().to_numpy(),
                strategy.staffing.hold,
                (dispersion or {}).get(name),
            ),
        )
        live_frames.append(live)
        scheduled = scheduled_hours(live["agents"].to_numpy(), interval_minutes, channel.shrinkage)
        floor_only = scheduled_hours(
            (live["agents"] - live["agents_raw"]).to_numpy(), interval_minutes, channel.shrinkage
        )
        staffing.agent_hours = float(scheduled.sum())
        staffing.floor_hours = float(floor_only.sum())
        agents_total = float(live["agents"].sum())
        staffing.occupancy = float(live["carried"].sum()) / agents_total if agents_total else None
        weights = live["contacts"].to_numpy()
        if weights.sum() > 0:
            staffing.service_level = float(np.average(live["service_level"], weights=weights))
            if live["abandon_rate"].null_count() == 0:
                abandon = live["abandon_rate"].to_numpy()
                staffing.abandon_rate = float(np.average(abandon, weights=weights))
            waits = live["average_wait"].to_numpy()
            staffing.average_wait = (
                float(np.average(waits, weights=weights)) if np.isfinite(waits).all() else None
            )
        staffing.mean_agents = float(live["agents"].mean())  # type: ignore[arg-type]
        by_period = live.group_by("period_start").agg(pl.col("agents").sum())
        staffing.agent_hours_by_period = {
            row[0]: scheduled_hours(row[1], interval_minutes, channel.shrinkage)
            for row in by_period.iter_rows()
        }
    intervals = (
        pl.concat(live_frames)
        if live_frames
        else pl.DataFrame(
            schema={
                "channel": pl.String,
                "period_start": pl.Date,
                "interval_start": pl.Datetime("us"),
                "contacts": pl.Float64,
                "load": pl.Float64,
                "service_time": pl.Float64,
                "target": pl.Float64,
                "within": pl.Float64,
                "max_occupancy": pl.Float64,
                "agents_raw": pl.Int64,
                "agents": pl.Int64,
                "agents_separate": pl.Int64,
                "service_level": pl.Float64,
                "average_wait": pl.Float64,
                "abandon_rate": pl.Float64,
                "carried": pl.Float64,
            }
        )
    )
    total_hours = sum(s.agent_hours for s in channels.values())
    floor_hours = sum(s.floor_hours for s in channels.values())
    return StaffingPlan(
        channels=channels,
        pooling_overhead=pooling_overhead(intervals),
        floor_waste=floor_hours / total_hours if total_hours > 0 else 0.0,
        intervals=intervals,
    )


def slot_count(agents: Any, concurrency: float) -> np.ndarray:
    """Slots of N agents working ``concurrency`` contacts each: ⌊N·c⌋ (plan and replay)."""
    return np.floor(np.asarray(agents, dtype=np.float64) * concurrency + 1e-9).astype(np.int64)


def agents_for_slots(slots: np.ndarray, concurrency: float) -> np.ndarray:
    """The fewest agents N with ⌊N·c⌋ ≥ ``slots``: ⌈slots / c⌉."""
    needed = np.ceil(np.asarray(slots, dtype=np.float64) / concurrency - 1e-9)
    return needed.astype(np.int64)
def open_intervals(
    name: str, frame: pl.DataFrame, hours: WeeklyHours, calendar: pl.DataFrame, minutes: int
) -> pl.DataFrame:
    """A live channel with opening hours: contacts of closed intervals arrive at the next
    open one (§11), and every open interval of the span is in the plan, arrivals or not."""
    moved = frame.group_by(interval_start=next_open(hours, pl.col("interval_start"), minutes)).agg(
        pl.col("contacts").sum()
    )
    return (
        calendar.filter(is_open(hours, pl.col("interval_start"), minutes))
        .join(moved, on="interval_start", how="left")
        .filter(pl.col("in_span") | pl.col("contacts").is_not_null())
        .select(
            channel=pl.lit(name, dtype=pl.String),
            period_start="period_start",
            interval_start="interval_start",
            contacts=pl.col("contacts").fill_null(0.0).cast(pl.Float64),
        )
        .sort("interval_start")
    )


def floors_held_nowhere(strategy: Strategy) -> list[tuple[str, str]]:
    """The offered async channels whose `min_agents` the plan cannot hold, each with a
    sentence saying why: without `hours` or a `response` target they are planned by
    their workload alone, with no intervals to keep agents in (§6)."""
    return [
        (
            name,
            f"min_agents {channel.min_agents} holds nowhere: an async channel without "
            "`hours` or a `response` target is planned by its workload, with no intervals "
            "to keep agents in (give it opening hours or a response target, or leave "
            "min_agents out)",
        )
        for name in strategy.offered
        if (channel := strategy.channels[name]).mode == "async"
        and channel.min_agents > 0
        and channel.hours is None
        and channel.response is None
    ]


def open_days(
    frame: pl.DataFrame, seconds: np.ndarray, hours: WeeklyHours, calendar: pl.DataFrame,
    minutes: int,
) -> OpenDays:
    """The :class:`OpenDays` of an async channel: the handling ``seconds`` of ``frame``'s
    intervals, each at its interval's next opening, and the open hours, by calendar day."""
    days = (
        calendar.group_by(day=pl.col("interval_start").dt.date())
        .agg(
            pl.col("period_start").first(),
            open=(is_open(hours, pl.col("interval_start"), minutes) & pl.col("in_span")).sum(),
        )
        .sort("day")
    )
    answered_on = frame.select(next_open(hours, pl.col("interval_start"), minutes).dt.date())
    work = exact_sums(answered_on.to_series(), seconds)
    return OpenDays(
        np.array([work.get(day, 0.0) for day in days["day"]]) / 3600.0,
        days["open"].to_numpy() * (minutes / 60.0),
        days["period_start"],
    )


def _staff_open_days(staffing: ChannelStaffing, channel: Channel, days: OpenDays) -> None:
    """An async channel with opening hours and a floor: per day, the greater of its
    workload formula and `min_agents` through its open hours."""
    scale = 1.0 / (1.0 - channel.shrinkage)
    needed = days.needed(channel)
    in_seat = days.in_seat(channel)
    scheduled = in_seat * scale
    staffing.agent_hours = float(scheduled.sum())
    staffing.floor_hours = float(((in_seat - needed) * scale).sum())
    seated = float(in_seat.sum())
    staffing.occupancy = channel.max_occupancy * float(needed.sum()) / seated if seated else None
    staffing.agent_hours_by_period = exact_sums(days.period_start, scheduled)


def _staff_backlog(
    staffing: ChannelStaffing,
    channel: Channel,
    frame: pl.DataFrame,
    calendar: pl.DataFrame,
    minutes: int,
    aht: float,
) -> None:
    """An async channel with a response target: agents per interval for its backlog."""
    assert channel.response is not None
    hours = channel.weekly_hours
    grid = (
        calendar.join(
            frame.group_by("interval_start").agg(pl.col("contacts").sum()),
            on="interval_start",
            how="left",
        )
        .with_columns(
            pl.col("contacts").fill_null(0.0),
            open=is_open(hours, pl.col("interval_start"), minutes)
            if hours is not None
            else pl.lit(True),
        )
        .sort("interval_start")
    )
    backlog = Backlog(
        grid["contacts"].to_numpy(), grid["open"].to_numpy(), grid["in_span"].to_numpy()
    )
    staffing.backlog = backlog
    workload = staffing.workload_hours or 0.0
    handle_time = backlog_handle_time(workload, float(backlog.arrivals.sum()), aht)
    plan = backlog.plan(channel, minutes, handle_time)
    scheduled = scheduled_hours(plan.agents, minutes, channel.shrinkage)
    staffing.agent_hours = float(scheduled.sum())
    staffing.floor_hours = float(
        scheduled_hours(plan.agents - plan.agents_raw, minutes, channel.shrinkage).sum()
    )
    # An agent working `concurrency` contacts at once handles that many hours an hour.
    seat_seconds = float(plan.agents.sum()) * minutes * 60.0 * channel.concurrency
    staffing.occupancy = workload * 3600.0 / seat_seconds if seat_seconds > 0 else None
    staffing.agent_hours_by_period = exact_sums(grid["period_start"], scheduled)
    staffing.response_level = plan.response_level
    staffing.backlog_peak = plan.peak


def interval_handle_times(
    frame: pl.DataFrame, aht: float, profile: Sequence[float] | None
) -> np.ndarray:
    """AHT (seconds) of every interval of ``frame``: the hour-of-day profile, else ``aht``."""
    if profile is None:
        return np.full(frame.height, float(aht))
    hours = frame["interval_start"].dt.hour().to_numpy()
    return np.asarray(profile, dtype=np.float64)[hours]


def held_counts(
    contacts: np.ndarray,
    hour_of_day: np.ndarray,
    hold: float | None,
    dispersion: Sequence[float] | np.ndarray | None,
) -> np.ndarray | None:
    """`staffing: {hold: P}`: the P-quantile of each interval's arrival count, Poisson
    around its ``contacts``, over-dispersed by its hour of day's d; None without `hold`.
    ``hour_of_day`` broadcasts against ``contacts`` (arrays of any shape); so does
    ``dispersion``'s last axis of 24 (one row per draw of an uncertain volume, §12)."""
    if hold is None:
        return None
    d = (
        np.asarray(dispersion, dtype=np.float64)[..., hour_of_day]
        if dispersion is not None
        else 1.0
    )
    return count_quantile(contacts, d, hold).astype(np.float64)


def live_agents(
    name: str,
    channel: StaffingSettings,
    contacts: np.ndarray,
    aht: np.ndarray | float,
    interval_minutes: int,
    fixed: int | None,
    patience: np.ndarray | float | None = None,
    hold_counts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Agents per interval for a live channel: (what the queue needs, that with the
    channel's `min_agents` floor). Erlang C, or Erlang A (M/M/N+M) when ``patience`` is
    finite; element by element, so ``contacts`` may hold many plans at once (one row per
    draw of an uncertain strategy, §12) with ``aht`` broadcasting against it.

    With concurrency c, N agents are ⌊N·c⌋ slots, each holding one contact for its
    whole handle time — the queue the replay runs (cx.staffing.queue): the formulas
    count slots of service time AHT, and N is the fewest agents with enough slots.
    With ``hold_counts`` (the arrival count each interval must cope with, `hold`), the
    service level is met for those counts and max_occupancy for the expected ones.
    """
    target, within = service_target(channel)
    c = channel.concurrency
    seconds = 60.0 * interval_minutes
    if fixed is not None:
        raw = np.full(np.shape(contacts), int(fixed), dtype=np.int64)
        return raw, raw
    check_plan_size(name, contacts * aht / seconds / c, channel.max_occupancy)
    if hold_counts is not None:
        check_plan_size(name, hold_counts * aht / seconds / c, 1.0)
    with_patience = patience is not None and bool(np.all(np.isfinite(patience)))

    def slots_for(arrivals: np.ndarray, level: float, occupancy: float) -> np.ndarray:
        """Slots for ``arrivals`` per interval to meet ``level`` within ``occupancy``."""
        if with_patience:
            return erlang.required_agents_erlang_a(
                arrivals / seconds, aht, patience, level, within, occupancy
            )
        return erlang.required_agents(arrivals * aht / seconds, aht, level, within, occupancy)

    if hold_counts is not None:
        # The target for the held counts; max_occupancy for the expected ones.
        raw = agents_for_slots(
            np.maximum(
                slots_for(hold_counts, target, 1.0),
                slots_for(contacts, 0.0, channel.max_occupancy),
            ),
            c,
        )
    else:
        raw = agents_for_slots(slots_for(contacts, target, channel.max_occupancy), c)
    return raw, np.maximum(raw, channel.min_agents)


def _staff_live(
    name: str,
    channel: Channel,
    frame: pl.DataFrame,
    aht: np.ndarray,
    interval_minutes: int,
    fixed: int | None,
    patience: float | None = None,
    hold_counts: np.ndarray | None = None,
) -> pl.DataFrame:
    """The interval frame of a live channel: its :func:`live_agents` and what they give
    (service level, wait, abandonment, carried load). ``load`` stays in agents (slot
    load / c), so occupancy is carried load / agents."""
    target, within = service_target(channel)
    c = channel.concurrency
    service_time = aht / c  # per agent, for pooling (one agent-equivalent queue)
    contacts = frame["contacts"].to_numpy()
    raw, agents = live_agents(
        name, channel, contacts, aht, interval_minutes, fixed, patience, hold_counts
    )
    seconds = 60.0 * interval_minutes
    slot_load = contacts * aht / seconds
    load = slot_load / c
    abandon: np.ndarray | None = None
    rate = contacts / seconds  # arrivals per second
    slots = slot_count(agents, c)
    if patience is not None and math.isfinite(patience):
        measures = erlang.erlang_a(slots, rate, aht, patience, within)
        service, wait, abandon = (
            measures.service_level,
            measures.average_wait,
            measures.abandon_rate,
        )
    else:
        service = erlang.service_level(slots, slot_load, aht, within)
        wait = erlang.average_wait(slots, slot_load, aht)
        if patience is not None:  # infinite patience: nobody abandons
            abandon = np.zeros(load.shape)
    carried = load if abandon is None else load * (1.0 - abandon)
    # Fixed agents (--agents) can be too few for the load: they work what they can hold.
    carried = np.minimum(carried, slots / c)
    # What the queue needs in the pool's own model (§7: Erlang C, each agent one server
    # of AHT/c, on the carried load), so that pooling overhead compares like with like:
    # the plan's slots, `hold` and Erlang A would make a queue pooled with nothing else
    # look dearer or cheaper than itself. Fixed agents are what the queue has.
    pooled_model = (
        raw
        if fixed is not None
        else erlang.required_agents(carried, service_time, target, within, channel.max_occupancy)
    )
    return frame.select("channel", "period_start", "interval_start", "contacts").with_columns(
        load=pl.Series(load, dtype=pl.Float64),
        service_time=pl.Series(service_time, dtype=pl.Float64),
        target=pl.lit(target),
        within=pl.lit(within),
        max_occupancy=pl.lit(channel.max_occupancy),
        agents_raw=pl.Series(raw, dtype=pl.Int64),
        agents=pl.Series(agents, dtype=pl.Int64),
        agents_separate=pl.Series(pooled_model, dtype=pl.Int64),
        service_level=pl.Series(service, dtype=pl.Float64),
        average_wait=pl.Series(wait, dtype=pl.Float64),
        abandon_rate=pl.Series(abandon, dtype=pl.Float64)
        if abandon is not None
        else pl.lit(None, dtype=pl.Float64),
        carried=pl.Series(carried, dtype=pl.Float64),
    )


def pooling_overhead(intervals: pl.DataFrame) -> float:
    """Σ separate-queue agents / Σ pooled agents − 1 over all intervals (§7).

    The pool is one Erlang C queue for the carried load (offered load less predicted
    abandonment; the offered load for channels without patience).
    """
    if intervals.height == 0:
        return 0.0
    load = pl.col("carried")
    pooled = (
        intervals.filter(load > 0)
        .group_by("interval_start")
        .agg(
            separate=pl.col("agents_separate").sum(),
            load=load.sum(),
            service_time=(pl.col("service_time") * load).sum() / load.sum(),
            target=(pl.col("target") * load).sum() / load.sum(),
            within=(pl.col("within") * load).sum() / load.sum(),
            max_occupancy=(pl.col("max_occupancy") * load).sum() / load.sum(),
        )
    )
    if pooled.height == 0:
        return 0.0
    pool_agents = erlang.required_agents(
        pooled["load"].to_numpy(),
        pooled["service_time"].to_numpy(),
        pooled["target"].to_numpy(),
        pooled["within"].to_numpy(),
        pooled["max_occupancy"].to_numpy(),
    )
    total_pool = float(pool_agents.sum())
    separate = float(pooled["separate"].sum())
    return separate / total_pool - 1.0 if total_pool > 0 else 0.0
