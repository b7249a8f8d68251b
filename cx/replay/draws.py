"""Many draws of an uncertain strategy at once, as cube arithmetic (DESIGN §12).

Every flow is a cube count times shares, containments and incentive costs, each at most
once (cx.replay.flows), and `volume` scales the counts: the flows, and all that is
summed from them (contacts per channel and interval, losses, incentives), are
multilinear in the **flow keys** (shift shares, containment, incentive cost, fallback
shares) and the volume. A multilinear function is its multilinear interpolation between
the 2^k corners of any box, so the strategy (and its status quo) is evaluated at the
corners of the box the draws span, and each draw's contacts per channel and interval are
the corners' interpolated. The staffing of all draws then runs at once, element by
element, through the plan's own :func:`cx.staffing.plan.live_agents`; handle times
enter there, prices in the one cost formula. A draw's figures equal those of
evaluating the strategy at its values, up to the last bits of a float.

Channel settings the staffing reads interval by interval (concurrency, occupancy,
`min_agents`, the service-level target, patience, shrinkage) are set per draw in that
staffing. Whole-number keys outside the batch (a ramp's length) split the draws into
groups of equal values, one batch each (:func:`figures_together`). What is none of
these is evaluated draw by draw (:mod:`cx.replay.bands`), such as the journey window.
An async channel's response target carries its backlog from interval to interval: it is
planned draw by draw (:mod:`cx.staffing.backlog`) on each draw's interpolated arrivals.
An async channel with opening hours is staffed day by day, at least its floor: each
draw's interpolated workload per day against the floor of its own `min_agents`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import polars as pl

from cx.data.cube import Cube
from cx.data.dispersion import variance_ratios
from cx.models.strategy import Channel, Strategy
from cx.models.uncertainty import VOLUME, UncertainKey, is_price, with_values
from cx.replay.engine import (
    Evaluation,
    SimulationOptions,
    StrategyEvaluation,
    cost_terms,
    evaluate,
    handle_time_profiles,
    handle_times,
    months_of,
    patience_of,
)
from cx.staffing.plan import (
    Backlog,
    OpenDays,
    backlog_handle_time,
    held_counts,
    live_agents,
    scheduled_hours,
)

#: The per-channel figures a result sums from flows (ChannelResult fields).
SUMMED = ("demand", "handled", "lost", "incentive_cost")
#: Elements (draws × intervals) staffed in one go: bounds the memory of a batch.
BATCH_ELEMENTS = 1_000_000
THREADS = 2
#: Shares at a corner may exceed 1 by float noise only.
SHARE_NOISE = 1e-12


def is_flow_key(key: UncertainKey) -> bool:
    """A number every flow holds at most once as a factor."""
    path = key.path
    if path[0] == "shifts":
        return (len(path) == 4 and path[2] == "to") or (
            len(path) == 3 and path[2] in ("containment", "incentive_cost")
        )
    if path[0] == "fallback":
        return (len(path) == 4 and path[2] == "to") or (len(path) == 3 and path[2] == "accept")
    return False


def handle_time_channel(key: UncertainKey, strategy: Strategy) -> str | None:
    """The channel whose handle time ``key`` sets, when that time is one number."""
    path = key.path
    if len(path) == 3 and path[0] == "channels" and path[2] == "handle_time":
        channel = strategy.channels[str(path[1])]
        return str(path[1]) if channel.handle_time != "by_hour" else None
    return None


#: Channel settings the staffing reads element by element: a draw sets them per row.
STAFFING_SETTINGS = (
    ("shrinkage",), ("concurrency",), ("max_occupancy",), ("min_agents",), ("patience",),
    ("service_level", "target"), ("service_level", "within"),
)  # fmt: skip


def is_staffing_setting(key: UncertainKey) -> bool:
    """A channel's staffing setting (shrinkage, concurrency, occupancy, floor, target)."""
    return key.path[0] == "channels" and tuple(key.path[2:]) in STAFFING_SETTINGS


@dataclass(frozen=True)
class DrawnFigures:
    """The banded figures of every draw: metric → one value per draw."""

    totals: dict[str, np.ndarray]
    channels: dict[str, dict[str, np.ndarray]]


@dataclass
class _Queue:
    """A live channel's intervals over all corners: contacts and presence per corner."""

    name: str
    hours: np.ndarray  # hour of day of each interval
    contacts: np.ndarray  # corners × intervals
    present: np.ndarray  # corners × intervals: 1.0 where the corner staffs the interval


@dataclass
class _Backlog:
    """An async channel's response-target backlog over all corners: its arrivals per
    calendar interval and its workload per corner; the calendar is every corner's."""

    name: str
    arrivals: np.ndarray  # corners × calendar intervals
    workload: np.ndarray  # corners: workload hours
    calendar: Backlog  # the first corner's (its open and in-span intervals)


@dataclass
class _Days:
    """An async channel with opening hours over all corners: its workload hours per
    calendar day and corner; the open hours are every corner's."""

    name: str
    workload: np.ndarray  # corners × calendar days
    calendar: OpenDays  # the first corner's


@dataclass
class _Side:
    """A strategy (or its status quo) at every corner: per-channel sums, the agent-hours
    of channels without queues, and the queues of its live channels."""

    strategy: Strategy
    offered: list[bool]
    sums: dict[str, np.ndarray]  # figure → corners × channels
    flat_hours: np.ndarray  # corners × channels: agent-hours not from queues
    queues: list[_Queue]
    backlogs: list[_Backlog]
    days: list[_Days]
    profiles: Mapping[str, Sequence[float]]  # `handle_time: by_hour` channels' AHTs
    patience: Mapping[str, float]
    ratios: Mapping[str, Sequence[float]]  # arrivals' variance / mean, for `hold`


def _unqueued_hours(evaluation: Evaluation, name: str, queued: set[str]) -> float:
    return 0.0 if name in queued else evaluation.staffing.channels[name].agent_hours


def _backlog_corners(name: str, evaluations: list[Evaluation]) -> _Backlog:
    backlogs = [e.staffing.channels[name].backlog for e in evaluations]
    assert all(b is not None for b in backlogs)  # the calendar is every corner's
    return _Backlog(
        name,
        np.stack([b.arrivals for b in backlogs if b is not None]),
        np.array([e.staffing.channels[name].workload_hours or 0.0 for e in evaluations]),
        backlogs[0],  # type: ignore[arg-type]
    )


def _days_corners(name: str, evaluations: list[Evaluation]) -> _Days:
    days = [e.staffing.channels[name].days for e in evaluations]
    assert all(d is not None for d in days)  # the calendar is every corner's
    workload = np.stack([d.workload for d in days if d is not None])
    return _Days(name, workload, days[0])  # type: ignore[arg-type]


def _row(values: object, row: int) -> object:
    """Draw ``row``'s value of a setting: a column of draws, or one value for all."""
    return values[row, 0] if isinstance(values, np.ndarray) else values


class DrawBatch:
    """The draws of ``evaluation``'s strategy, evaluated together; build with
    :func:`batch_for`, which says whether the strategy's keys allow it."""

    def __init__(
        self,
        evaluation: StrategyEvaluation,
        cube: Cube,
        options: SimulationOptions,
        keys: Mapping[str, UncertainKey],
        drawn: Mapping[str, np.ndarray],
        dims: list[str],
        samples: int,
    ) -> None:
        self.strategy = evaluation.strategy
        self.keys = keys
        self.drawn = drawn
        self.samples = samples
        self.options = options
        self.interval = options.interval or self.strategy.staffing.interval
        self.channels = list(self.strategy.channels)
        self.dims = dims
        self.lows = np.array([drawn[name].min() for name in dims])
        self.highs = np.array([drawn[name].max() for name in dims])
        self.months = months_of(cube)
        self.cube = cube
        corners = list(itertools.product((0, 1), repeat=len(dims)))
        evaluations = self._corners(corners)
        self.own = self._side([e.own for e in evaluations], evaluations[0].strategy)
        self.status_quo = self._side(
            [e.baseline for e in evaluations], evaluations[0].baseline_strategy
        )
        self.corners = np.array(corners, dtype=np.float64).reshape(len(corners), len(dims))
        self.aht = handle_times(self.strategy, cube, self.strategy.offered)

    # ------------------------------------------------------------------ the corners

    def _values_at(self, corner: tuple[int, ...]) -> dict[str, float]:
        """Every flow key and the volume at ``corner`` (a key that does not vary: its one
        drawn value)."""
        values = {
            name: float(values[0])
            for name, values in self.drawn.items()
            if name not in self.dims and (is_flow_key(self.keys[name]) or name == VOLUME)
        }
        for index, name in enumerate(self.dims):
            values[name] = float(self.highs[index] if corner[index] else self.lows[index])
        return values

    def _corners(self, corners: list[tuple[int, ...]]) -> list[StrategyEvaluation]:
        scaled: dict[float, Cube] = {}
        baselines: dict[float, dict[str, Evaluation]] = {}

        def at(corner: tuple[int, ...]) -> StrategyEvaluation:
            values = self._values_at(corner)
            volume = values.pop(VOLUME, 1.0)
            variant = with_values(self.strategy, {self.keys[k].path: v for k, v in values.items()})
            cube = self.cube if volume == 1.0 else scaled[volume]
            return evaluate(variant, cube, self.options, baselines[volume])

        for corner in corners:
            volume = self._values_at(corner).get(VOLUME, 1.0)
            if volume not in scaled:
                scaled[volume] = self.cube.scaled(volume)
                baselines[volume] = {}
        # The first corner of each volume evaluates the status quo the others share.
        firsts = {self._values_at(c).get(VOLUME, 1.0): c for c in reversed(corners)}
        done = {corner: at(corner) for corner in firsts.values()}
        rest = [corner for corner in corners if corner not in done]
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            done.update(zip(rest, pool.map(at, rest), strict=True))
        return [done[corner] for corner in corners]

    def _side(self, evaluations: list[Evaluation], strategy: Strategy) -> _Side:
        channels = self.channels
        sums = {
            figure: np.array(
                [[getattr(item, figure) for item in e.channels] for e in evaluations]
            )
            for figure in SUMMED
        }
        frames = [e.staffing.intervals for e in evaluations]
        queued = {name for frame in frames for name in frame["channel"].unique()}
        first = evaluations[0].staffing.channels
        backlogged = [name for name in channels if first[name].backlog is not None]
        by_day = [name for name in channels if first[name].days is not None]
        flat_hours = np.array(
            [
                [_unqueued_hours(e, name, queued | {*backlogged, *by_day}) for name in channels]
                for e in evaluations
            ]
        )
        queues = [self._queue(name, frames) for name in sorted(queued)]
        backlogs = [_backlog_corners(name, evaluations) for name in backlogged]
        offered = [item.offered for item in evaluations[0].channels]
        hold = strategy.staffing.hold
        return _Side(
            strategy,
            offered,
            sums,
            flat_hours,
            queues,
            backlogs,
            [_days_corners(name, evaluations) for name in by_day],
            profiles=handle_time_profiles(strategy, self.cube),
            patience=patience_of(strategy, self.cube, strategy.offered),
            ratios=variance_ratios(self.cube.arrivals) if hold else {},
        )

    def _queue(self, name: str, frames: list[pl.DataFrame]) -> _Queue:
        parts = [frame.filter(pl.col("channel") == name) for frame in frames]
        starts = [part["interval_start"].dt.epoch("us").to_numpy() for part in parts]
        union = np.unique(np.concatenate(starts))
        contacts = np.zeros((len(parts), union.size))
        present = np.zeros((len(parts), union.size))
        for corner, (part, start) in enumerate(zip(parts, starts, strict=True)):
            where = np.searchsorted(union, start)
            contacts[corner, where] = part["contacts"].to_numpy()
            present[corner, where] = 1.0
        hours = (union // 3_600_000_000) % 24
        return _Queue(name, hours, contacts, present)

    # ------------------------------------------------------------------ the draws

    def figures(self, on_draw: Callable[[float], None] | None = None) -> DrawnFigures:
        samples = self.samples
        widest = max([q.contacts.shape[1] for q in self.own.queues + self.status_quo.queues] or [1])
        size = max(1, BATCH_ELEMENTS // widest)
        chunks = [slice(start, min(start + size, samples)) for start in range(0, samples, size)]

        # A side whose staffing no draw changes is staffed once, at the first corner:
        # the status quo unless the volume or a handle time is drawn, prices alone.
        drawn_times = any(
            handle_time_channel(key, self.strategy) is not None
            or (is_staffing_setting(key) and key.path[2] != "shrinkage")
            for key in self.keys.values()
        )
        varies = {
            id(self.own): bool(self.dims) or drawn_times,
            id(self.status_quo): VOLUME in self.dims or drawn_times,
        }
        first = np.zeros((1, len(self.corners)))
        first[0, 0] = 1.0
        once = {
            id(side): self._agent_hours(side, first, slice(0, 1))
            for side in (self.own, self.status_quo)
            if not varies[id(side)]
        }

        def run(chunk: slice) -> tuple[np.ndarray, ...]:
            weights = self._weights(chunk)
            return tuple(
                self._agent_hours(side, weights, chunk)
                if varies[id(side)]
                else np.repeat(once[id(side)], chunk.stop - chunk.start, axis=0)
                for side in (self.own, self.status_quo)
            )

        # Staffing is numpy work on large arrays, which releases the GIL; the progress
        # is told here, in the caller's thread.
        parts = []
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            for chunk, part in zip(chunks, pool.map(run, chunks), strict=True):
                parts.append(part)
                if on_draw is not None:
                    on_draw(float(chunk.stop - chunk.start))
        own_hours = self._with_shrinkage(np.concatenate([own for own, _ in parts]))
        status_quo_hours = self._with_shrinkage(np.concatenate([sq for _, sq in parts]))
        weights = self._weights(slice(0, samples))
        own = {figure: weights @ values for figure, values in self.own.sums.items()}
        status_quo = {figure: weights @ values for figure, values in self.status_quo.sums.items()}
        own_cost = self._costs(own, own_hours, self.own.offered)
        status_quo_cost = self._costs(status_quo, status_quo_hours, self.status_quo.offered)
        demand, lost = own["demand"], own["lost"]
        totals = {
            "cost": own_cost.sum(axis=1),
            "baseline_cost": status_quo_cost.sum(axis=1),
            "cost_delta": own_cost.sum(axis=1) - status_quo_cost.sum(axis=1),
            "coverage": _coverage(demand.sum(axis=1), lost.sum(axis=1)),
            "agent_hours": own_hours.sum(axis=1),
        }
        channels = {
            name: {
                "cost": own_cost[:, index],
                "cost_delta": own_cost[:, index] - status_quo_cost[:, index],
                "coverage": _coverage(demand[:, index], lost[:, index]),
                "agent_hours": own_hours[:, index],
            }
            for index, name in enumerate(self.channels)
        }
        return DrawnFigures(totals, channels)

    def _weights(self, chunk: slice) -> np.ndarray:
        """Draws × corners: each draw's multilinear weight of each corner."""
        if not self.dims:
            return np.ones((chunk.stop - chunk.start, 1))
        values = np.stack([self.drawn[name][chunk] for name in self.dims], axis=1)
        span = self.highs - self.lows
        t = (values - self.lows) / span
        # corners × dims → draws × corners × dims: t where the corner is high, 1 − t else
        factors = np.where(self.corners[None, :, :] == 1.0, t[:, None, :], 1.0 - t[:, None, :])
        return factors.prod(axis=2)

    def _channel_draws(self, name: str, *setting: str, chunk: slice) -> np.ndarray | None:
        """The draws of ``channels.<name>.<setting>`` as a column, if a key draws it."""
        for key_name, values in self.drawn.items():
            if self.keys[key_name].path == ("channels", name, *setting):
                return values[chunk][:, None]
        return None

    def _handle_time(self, name: str, chunk: slice) -> np.ndarray | float | None:
        """Each draw's handle time of ``name`` (a column), else its one value."""
        drawn = self._channel_draws(name, "handle_time", chunk=chunk)
        return drawn if drawn is not None else self.aht.get(name)

    def _patience(self, side: _Side, name: str, chunk: slice) -> np.ndarray | float | None:
        """Each draw's patience of live channel ``name`` (a column), else its one value."""
        drawn = self._channel_draws(name, "patience", chunk=chunk)
        return drawn if drawn is not None else side.patience.get(name)

    def _with_shrinkage(self, hours: np.ndarray) -> np.ndarray:
        """``hours`` (draws × channels, paid at the catalog's shrinkage) at each draw's."""
        for index, name in enumerate(self.channels):
            drawn = self._channel_draws(name, "shrinkage", chunk=slice(0, hours.shape[0]))
            if drawn is not None:
                written = self.strategy.channels[name].shrinkage
                hours[:, index] *= (1.0 - written) / (1.0 - drawn[:, 0])
        return hours

    def _agent_hours(self, side: _Side, weights: np.ndarray, chunk: slice) -> np.ndarray:
        """Draws × channels: agent-hours of every channel."""
        hours = weights @ side.flat_hours
        for index, name in enumerate(self.channels):
            drawn = self._handle_time(name, chunk)
            if isinstance(drawn, np.ndarray) and name in self.aht:
                hours[:, index] *= drawn[:, 0] / self.aht[name]  # workload ∝ handle time
            # async: workload / (concurrency × max_occupancy)
            written = side.strategy.channels[name]
            settings = _DrawnSettings(self, written, name, chunk)
            hours[:, index] *= (written.concurrency * written.max_occupancy) / np.ravel(
                settings.concurrency * settings.max_occupancy
            )
        hold = side.strategy.staffing.hold
        for queue in side.queues:
            channel = side.strategy.channels[queue.name]
            contacts = weights @ queue.contacts
            present = (weights > 0.0).astype(np.float64) @ queue.present > 0.0
            if queue.name in side.profiles:
                aht: np.ndarray | float = np.asarray(side.profiles[queue.name])[queue.hours]
            else:
                drawn = self._handle_time(queue.name, chunk)
                assert drawn is not None  # the plan staffed it: it has a handle time
                aht = drawn
            _, agents = live_agents(
                queue.name,
                _DrawnSettings(self, channel, queue.name, chunk),
                contacts,
                aht,
                self.interval,
                self.options.agents.get(queue.name),
                self._patience(side, queue.name, chunk),
                held_counts(contacts, queue.hours, hold, self._dispersion(side, queue.name, chunk)),
            )
            agents = np.where(present, agents, 0)
            index = self.channels.index(queue.name)
            hours[:, index] = scheduled_hours(agents, self.interval, channel.shrinkage).sum(axis=1)
        for backlog in side.backlogs:
            hours[:, self.channels.index(backlog.name)] = self._backlog_hours(
                side, backlog, weights, chunk
            )
        for days in side.days:
            hours[:, self.channels.index(days.name)] = self._day_hours(
                side, days, weights, chunk
            )
        return hours

    def _day_hours(self, side: _Side, days: _Days, weights: np.ndarray, chunk: slice) -> np.ndarray:
        """Each draw's agent-hours of an async channel with opening hours: per day, its
        interpolated workload, at least its `min_agents` through the open hours."""
        channel = side.strategy.channels[days.name]
        workload = weights @ days.workload
        drawn = self._handle_time(days.name, chunk)
        if isinstance(drawn, np.ndarray) and days.name in self.aht:
            workload = workload * (drawn / self.aht[days.name])  # workload ∝ handle time
        settings = _DrawnSettings(self, channel, days.name, chunk)
        in_seat = days.calendar.in_seat(settings, workload)
        return in_seat.sum(axis=1) / (1.0 - channel.shrinkage)

    def _backlog_hours(
        self, side: _Side, backlog: _Backlog, weights: np.ndarray, chunk: slice
    ) -> np.ndarray:
        """Each draw's agent-hours of a response target's backlog: planned draw by draw
        (the backlog carries from interval to interval), on interpolated arrivals."""
        channel = side.strategy.channels[backlog.name]
        arrivals = weights @ backlog.arrivals
        workload = weights @ backlog.workload
        settings = _DrawnSettings(self, channel, backlog.name, chunk)
        drawn = self._handle_time(backlog.name, chunk)
        written = self.aht[backlog.name]
        hours = np.empty(arrivals.shape[0])
        for row in range(arrivals.shape[0]):
            aht = float(_row(drawn, row)) if drawn is not None else written
            handle_time = backlog_handle_time(
                workload[row] * aht / written, float(arrivals[row].sum()), aht
            )
            one = SimpleNamespace(
                concurrency=float(_row(settings.concurrency, row)),
                max_occupancy=float(_row(settings.max_occupancy, row)),
                min_agents=int(_row(settings.min_agents, row)),
                service_level=settings.service_level,
                response=settings.response,
            )
            calendar = backlog.calendar
            plan = Backlog(arrivals[row], calendar.is_open, calendar.in_span).plan(
                one, self.interval, handle_time
            )
            hours[row] = scheduled_hours(plan.agents, self.interval, channel.shrinkage).sum()
        return hours

    def _dispersion(self, side: _Side, name: str, chunk: slice) -> np.ndarray | None:
        """Each draw's 24 arrival dispersions of ``name`` (`hold`): counts scaled by the
        volume v vary v times as much per contact, d = max(v · variance / mean, 1)."""
        ratios = side.ratios.get(name)
        if ratios is None:
            return None
        volume = self.drawn.get(VOLUME)
        scale = volume[chunk][:, None] if volume is not None else 1.0
        return np.maximum(scale * np.asarray(ratios)[None, :], 1.0)

    def _costs(
        self, sums: dict[str, np.ndarray], agent_hours: np.ndarray, offered: list[bool]
    ) -> np.ndarray:
        """Draws × channels: each channel's cost with each draw's prices."""
        columns = []
        for index, name in enumerate(self.channels):
            prices = _DrawnPrices(self, name)
            columns.append(
                cost_terms(
                    prices,
                    handled=sums["handled"][:, index],
                    agent_hours=agent_hours[:, index],
                    months_offered=self.months if offered[index] else 0.0,
                    incentive=sums["incentive_cost"][:, index],
                ).total
            )
        return np.stack(columns, axis=1)


class _DrawnSettings:
    """A channel's staffing settings: its catalog's, or each draw's (a column) where a
    key draws them."""

    def __init__(self, batch: DrawBatch, channel: Channel, name: str, chunk: slice) -> None:
        def drawn(*setting: str) -> Any:
            values = batch._channel_draws(name, *setting, chunk=chunk)
            return values if values is not None else _setting(channel, setting)

        self.concurrency = drawn("concurrency")
        self.max_occupancy = drawn("max_occupancy")
        self.min_agents = drawn("min_agents")
        self.service_level = (
            None
            if channel.service_level is None
            else SimpleNamespace(
                target=drawn("service_level", "target"), within=drawn("service_level", "within")
            )
        )
        self.response = channel.response


def _setting(channel: Channel, path: tuple[str, ...]) -> Any:
    value: Any = channel
    for part in path:
        value = getattr(value, part)
    return value


class _DrawnPrices:
    """A channel's prices: its catalog's, or each draw's where a key draws them."""

    def __init__(self, batch: DrawBatch, name: str) -> None:
        channel = batch.strategy.channels[name]

        def price(setting: str) -> Any:
            values = batch._channel_draws(name, setting, chunk=slice(None))
            return values[:, 0] if values is not None else getattr(channel, setting)

        self.cost_per_contact = price("cost_per_contact")
        self.hourly_cost = price("hourly_cost")
        self.fixed_cost = price("fixed_cost")


def _coverage(demand: np.ndarray, lost: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(demand > 0, (demand - lost) / np.where(demand > 0, demand, 1.0), 1.0)


def batch_for(
    evaluation: StrategyEvaluation,
    cube: Cube,
    options: SimulationOptions,
    keys: Mapping[str, UncertainKey],
    drawn: Mapping[str, np.ndarray],
    samples: int | None = None,
) -> DrawBatch | None:
    """The draws as one batch, or None when a key or the strategy is not multilinear
    (see the module) or the corners would cost more than the draws. ``samples``: how
    many draws (``drawn`` may hold no key at all)."""
    strategy = evaluation.strategy
    if not all(_batched(name, key, strategy) for name, key in keys.items()):
        return None
    dims = [
        name
        for name, values in drawn.items()
        if (is_flow_key(keys[name]) or name == VOLUME) and values.min() < values.max()
    ]
    if samples is None:
        samples = len(next(iter(drawn.values()))) if drawn else 0
    if 2 ** len(dims) > samples:
        return None
    if not _shares_fit(strategy, keys, drawn):
        return None
    return DrawBatch(evaluation, cube, options, keys, drawn, dims, samples)


#: Whole-number keys the batch cannot interpolate (a ramp's length) split the draws
#: into groups of equal values, each evaluated together, when there are at most this
#: many groups.
MAX_GROUPS = 12


def figures_together(
    evaluation: StrategyEvaluation,
    cube: Cube,
    options: SimulationOptions,
    keys: Mapping[str, UncertainKey],
    drawn: Mapping[str, np.ndarray],
    on_draw: Callable[[float], None] | None = None,
) -> DrawnFigures | None:
    """Every draw's figures from batches: one, or one per group of draws that share
    the values of whole-number keys outside the batch (a ramp's length takes a few
    values: the strategy is evaluated at each, and the other keys drawn together
    there). None: the draws must be evaluated one by one."""
    batch = batch_for(evaluation, cube, options, keys, drawn)
    if batch is not None:
        return batch.figures(on_draw)
    inside = {n: k for n, k in keys.items() if _batched(n, k, evaluation.strategy)}
    apart = [n for n in keys if n not in inside]
    if not apart or not all(keys[n].whole for n in apart):
        return None
    values = np.stack([drawn[n] for n in apart], axis=1)
    groups, group_of = np.unique(values, axis=0, return_inverse=True)
    if len(groups) > MAX_GROUPS:
        return None
    batches: list[tuple[np.ndarray, DrawBatch]] = []
    for index, group in enumerate(groups):
        members = np.flatnonzero(group_of.ravel() == index)
        paths = {keys[n].path: int(v) for n, v in zip(apart, group, strict=True)}
        fixed = evaluate(with_values(evaluation.strategy, paths), cube, options)
        part = batch_for(
            fixed, cube, options, inside, {n: drawn[n][members] for n in inside}, len(members)
        )
        if part is None:
            return None
        batches.append((members, part))
    parts = [(members, part.figures(on_draw)) for members, part in batches]
    return _gathered(parts, len(group_of))


def _batched(name: str, key: UncertainKey, strategy: Strategy) -> bool:
    """Whether the batch takes ``key`` as it is (see the module)."""
    return (
        is_price(key)
        or is_flow_key(key)
        or is_staffing_setting(key)
        or name == VOLUME
        or handle_time_channel(key, strategy) is not None
    )


def _gathered(parts: list[tuple[np.ndarray, DrawnFigures]], samples: int) -> DrawnFigures:
    """The figures of groups of draws, each back at its draws' places."""
    first = parts[0][1]
    totals = {metric: np.empty(samples) for metric in first.totals}
    channels = {
        name: {metric: np.empty(samples) for metric in figures}
        for name, figures in first.channels.items()
    }
    for members, figures in parts:
        for metric, values in figures.totals.items():
            totals[metric][members] = values
        for name, by_metric in figures.channels.items():
            for metric, values in by_metric.items():
                channels[name][metric][members] = values
    return DrawnFigures(totals, channels)


def _shares_fit(
    strategy: Strategy, keys: Mapping[str, UncertainKey], drawn: Mapping[str, np.ndarray]
) -> bool:
    """Whether every rule's and every fallback's shares sum to at most 1 with each drawn
    flow key at its highest draw: then they do at every corner, and no flow of a corner
    is negative (a negative flow is dropped, and the flows would not be multilinear)."""
    highest = {keys[n].path: float(v.max()) for n, v in drawn.items() if is_flow_key(keys[n])}
    variant = with_values(strategy, highest)
    moved = [sum(rule.to.values()) for rule in variant.shifts]
    kept = [sum(fallback.shares.values()) for fallback in variant.fallback.values()]
    return all(total <= 1.0 + SHARE_NOISE for total in moved + kept)
