"""``--replay`` (§6b): the staffing plan replayed on the real history.

Every contact a live channel handles is routed through the strategy's rules
(:mod:`cx.replay.routing`) and goes, at its real arrival instant, through the channel's
queue (:mod:`cx.staffing.queue`), with its real handle time where the data has it, else
the channel's AHT (per hour of day with ``handle_time: by_hour``); contacts moved by
rules, fallbacks and repeats take the AHT of the channel that handles them. An abandoned
contact (abandoned and wait_time in the data) leaves once its wait reaches its observed
wait_time. A contact that arrives while the channel that handles it is closed (§11)
joins its queue at the next opening, as in the plan; one its own channel loses after
hours is not replayed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from cx.data.contacts import ContactSource
from cx.models.progress import SILENT, Progress
from cx.models.strategy import Strategy
from cx.replay.hours import hours_state, uses_hours
from cx.replay.routing import route, trace_query
from cx.replay.rules import RuleSet
from cx.staffing.queue import INF, ChannelOutcome, PlanOutcome, run_channel


@dataclass(frozen=True)
class ReplayOptions:
    seed: int = 0
    fit: bool = False
    worst: int = 5  # worst intervals kept per channel for the panel
    progress: Progress = field(default=SILENT, compare=False)  # reading, then the queues


def replay_plan(
    strategy: Strategy,
    rules: RuleSet,
    intervals: pl.DataFrame,
    contacts: ContactSource,
    *,
    handle_time: Mapping[str, float],
    handle_time_by_hour: Mapping[str, Sequence[float]] | None = None,
    period: str,
    period_starts: Sequence[date],
    interval_minutes: int,
    options: ReplayOptions | None = None,
) -> PlanOutcome:
    """Replay the real contacts, routed by ``rules`` (compiled from ``strategy``),
    through ``intervals`` (the plan's per-interval agents).

    ``intervals`` is :attr:`StaffingPlan.intervals`: channel, interval_start, agents and
    service_level per staffed interval of every live channel.
    """
    options = options or ReplayOptions()
    profiles = handle_time_by_hour or {}
    live = sorted(set(intervals["channel"].to_list()))
    if not live:
        return PlanOutcome({}, 0, options.seed)
    progress = options.progress
    rows = contacts.rows()
    if uses_hours(strategy):
        rows = rows.with_columns(hours=hours_state(strategy, pl.col("timestamp"), interval_minutes))
    query = trace_query(rules, rows, period, period_starts, rules.sources_reaching(live))
    with progress.step("gathering the contacts for the replay"):
        trace = contacts.collect(query)
    routing = route(rules, trace, len(period_starts), options.seed)
    ts = trace["ts"].to_numpy()
    handle = trace["handle_time"].to_numpy(allow_copy=True).astype(np.float64)
    waited = trace["wait_time"].to_numpy(allow_copy=True).astype(np.float64)
    gave_up = trace["abandoned"].fill_null(False).to_numpy()
    # Abandoned with a wait of 0: hung up before any queue (§11). Demand, but nothing
    # to replay, wherever its rules send it (the plan's arrival shares leave it out too).
    queued = ~(gave_up & (waited == 0.0))
    channels: dict[str, ChannelOutcome] = {}
    replayed = 0
    # Each live channel's contacts that queue: those it handles, then the repeats coming
    # back to it.
    handled = {
        name: (
            np.flatnonzero((routing.dest == routing.channels.index(name)) & queued),
            np.flatnonzero((routing.repeat == routing.channels.index(name)) & queued),
        )
        for name in live
    }
    total = sum(primary.size + repeats.size for primary, repeats in handled.values())
    with progress.step(f"replaying {total:,} contacts through the queues", total=total):
        for name in live:
            k = routing.channels.index(name)
            primary, repeats = handled[name]
            idx = np.concatenate([primary, repeats])
            is_repeat = np.concatenate([np.zeros(primary.size, bool), np.ones(repeats.size, bool)])
            order = np.argsort(idx * 2 + is_repeat, kind="stable")
            idx, is_repeat = idx[order], is_repeat[order]
            own = (routing.source[idx] == k) & ~is_repeat
            plan = intervals.filter(pl.col("channel") == name).sort("interval_start")
            times = ts[idx]
            hours = strategy.channels[name].weekly_hours
            if hours is not None:  # contacts that find it closed wait for its opening (§11)
                times = hours.next_open_us(times, interval_minutes)
                order = np.argsort(times, kind="stable")
                idx, is_repeat, own, times = idx[order], is_repeat[order], own[order], times[order]
            if name in profiles:
                hour_of_day = (times // 3_600_000_000) % 24
                aht = np.asarray(profiles[name], dtype=np.float64)[hour_of_day]
            else:
                aht = np.full(idx.size, float(handle_time[name]))
            left = own & gave_up[idx] & ~np.isnan(waited[idx])
            real = own & ~gave_up[idx] & ~np.isnan(handle[idx])
            service = np.where(real, handle[idx], aht)
            patience = np.where(left, waited[idx], INF)
            channels[name] = run_channel(
                name,
                strategy.channels[name],
                plan,
                times,
                service,
                patience,
                interval_minutes,
                fit=options.fit,
                worst=options.worst,
            )
            replayed += idx.size
            progress.advance(idx.size)
    return PlanOutcome(channels, replayed, options.seed)
