"""The trace-driven queue (§6b): does a staffing plan hold on the real arrivals?

Contacts, sorted by their real arrival instant, go through one first-come-first-served
queue served by the plan's agents:

* interval t of the plan has N_t agents (after ``min_agents``, before shrinkage); with
  concurrency c that is ⌊N_t·c⌋ slots, each contact holding one slot for its handle time;
* a contact starts as soon as fewer slots are busy than the current interval allows;
  when N drops at a boundary, busy slots finish their contact first (no pre-emption);
  between staffed intervals (no arrivals planned) the last staffed N stays on duty;
* a contact with a finite patience leaves once its wait reaches it; every other
  contact waits as long as it takes.

The event loop is one pass over the contacts in time order with a heap of slot end
times: O(n log slots), taking the contacts from numpy a chunk at a time. ``--fit``
re-runs it per interval to find the smallest N that meets the target on the real
arrivals. Which contacts reach a channel, and with what handle time, is decided above
this module (:mod:`cx.replay.trace`): here there are only arrays and the plan's frame.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from cx.models.strategy import Channel
from cx.staffing.plan import scheduled_hours, service_target, slot_count

INF = math.inf
ANSWERED, ABANDONED, UNANSWERED = 0, 1, 2
_TOL = 1e-9  # seconds: a wait of exactly `within` counts as within
_SHARE_TOL = 1e-12
_EPOCH = datetime(1970, 1, 1)
CHUNK = 1 << 16  # contacts the event loop takes from numpy at a time


# --------------------------------------------------------------------------- the queue


class QueueState:
    """Where the event loop stands: busy slots' end times, the FCFS clock, the capacity."""

    __slots__ = ("boundary", "heap", "now", "slots")

    def __init__(self) -> None:
        self.heap: list[float] = []  # end times of contacts in service
        self.now = -INF  # no later contact may start before this (FCFS)
        self.boundary = 0  # index of the next capacity change
        self.slots = 0  # slots allowed now

    def copy(self) -> QueueState:
        other = QueueState()
        other.heap = list(self.heap)
        other.now, other.boundary, other.slots = self.now, self.boundary, self.slots
        return other


def _serve(
    arrive: list[float],
    service: list[float],
    patience: list[float],
    boundaries: list[float],
    slots: list[int],
    state: QueueState,
    start: int,
    end: int,
    stop: float,
    wait: list[float],
    outcome: bytearray,
    limit: int | None = None,
) -> int:
    """Serve contacts ``start``..``end`` − 1 in order; returns the first one not served.

    Stops before a contact whose outcome would depend on the capacity at or after
    ``stop`` (the state is then exactly as before that contact). Capacity is
    ``slots[k]`` from ``boundaries[k]`` on, 0 before the first boundary; only the first
    ``limit`` boundaries count (default: all), the last of them holding on.
    """
    heap = state.heap
    now, bi, cap = state.now, state.boundary, state.slots
    nb = len(boundaries) if limit is None else limit
    nxt = boundaries[bi] if bi < nb else INF
    push, pop = heapq.heappush, heapq.heappop
    i = start
    while i < end:
        a = arrive[i]
        t = a if a > now else now
        if t >= stop:
            break
        while nxt <= t:
            cap = slots[bi]
            bi += 1
            nxt = boundaries[bi] if bi < nb else INF
        while heap and heap[0] <= t:
            pop(heap)
        if len(heap) < cap:
            w = t - a
            if w > 0.0 and w >= patience[i]:  # gave up behind earlier contacts
                wait[i] = patience[i]
                outcome[i] = ABANDONED
            else:
                push(heap, t + service[i])
                now = t
                wait[i] = w
                outcome[i] = ANSWERED
            i += 1
            continue
        # Every slot is busy: wait for a slot to finish or for more agents.
        limit = a + patience[i]
        while True:
            te = heap[0] if heap else INF
            if nxt < te:
                te = nxt
            if te >= limit and limit <= stop:
                if limit == INF:  # no agent will ever be free again
                    wait[i] = math.nan
                    outcome[i] = UNANSWERED
                    now = INF
                else:
                    wait[i] = patience[i]
                    outcome[i] = ABANDONED
                    now = limit
                break
            if te >= stop:
                state.now, state.boundary, state.slots = now, bi, cap
                return i
            t = te
            while nxt <= t:
                cap = slots[bi]
                bi += 1
                nxt = boundaries[bi] if bi < nb else INF
            while heap and heap[0] <= t:
                pop(heap)
            if len(heap) < cap:
                push(heap, t + service[i])
                now = t
                wait[i] = t - a
                outcome[i] = ANSWERED
                break
        i += 1
    state.now, state.boundary, state.slots = now, bi, cap
    if i < end and now == INF:  # nobody is answered any more: the patient wait forever
        for k in range(i, end):
            if patience[k] < INF:
                wait[k] = patience[k]
                outcome[k] = ABANDONED
            else:
                wait[k] = math.nan
                outcome[k] = UNANSWERED
        i = end
    return i


@dataclass
class QueueOutcome:
    wait: np.ndarray  # seconds in queue (to answer, or to abandonment)
    outcome: np.ndarray  # ANSWERED, ABANDONED or UNANSWERED (no agent ever came)

    @property
    def answered(self) -> np.ndarray:
        return self.outcome == ANSWERED

    @property
    def abandoned(self) -> np.ndarray:
        return self.outcome == ABANDONED

    def within(self, seconds: float) -> np.ndarray:
        return (self.outcome == ANSWERED) & (self.wait <= seconds + _TOL)


def run_queue(
    arrive: Sequence[float] | np.ndarray,
    service: Sequence[float] | np.ndarray,
    boundaries: Sequence[float] | np.ndarray,
    slots: Sequence[int] | np.ndarray,
    patience: Sequence[float] | np.ndarray | None = None,
    horizon: float | None = None,
) -> QueueOutcome:
    """FCFS replay of contacts sorted by arrival (seconds) through a slot schedule.

    ``slots[k]`` slots serve from ``boundaries[k]`` (sorted) until the next boundary; the
    last count holds on. ``patience`` (default: infinite) is how long each contact waits
    before it abandons. A contact nobody can ever answer waits until ``horizon`` (default:
    its own arrival, so 0) and counts as unanswered.
    """
    arrive_a = np.asarray(arrive, dtype=np.float64)
    service_a = np.asarray(service, dtype=np.float64)
    n = arrive_a.size
    if n and np.any(np.diff(arrive_a) < 0):
        raise ValueError("arrivals must be sorted")
    patience_a = np.full(n, INF) if patience is None else np.asarray(patience, dtype=np.float64)
    bounds = np.asarray(boundaries, dtype=np.float64).tolist()
    caps = [int(s) for s in slots]
    wait_a = np.empty(n, dtype=np.float64)
    outcome_a = np.empty(n, dtype=np.int8)
    state = QueueState()
    # The loop runs on Python lists (fast to index); converted a chunk at a time, so
    # memory stays bounded whatever the number of contacts.
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        size = hi - lo
        wait = [0.0] * size
        outcome = bytearray(size)
        _serve(
            arrive_a[lo:hi].tolist(),
            service_a[lo:hi].tolist(),
            patience_a[lo:hi].tolist(),
            bounds,
            caps,
            state,
            0,
            size,
            INF,
            wait,
            outcome,
        )
        wait_a[lo:hi] = wait
        outcome_a[lo:hi] = np.frombuffer(bytes(outcome), dtype=np.int8)
    never = np.isnan(wait_a)
    if never.any():
        end = arrive_a[never] if horizon is None else np.maximum(horizon, arrive_a[never])
        wait_a[never] = end - arrive_a[never]
    return QueueOutcome(wait_a, outcome_a)


# --------------------------------------------------------------------------- --fit


class _Fit:
    """The greedy interval-by-interval search behind :func:`fit_agents`."""

    def __init__(
        self,
        arrive: np.ndarray,
        service: np.ndarray,
        patience: np.ndarray,
        boundaries: np.ndarray,
        concurrency: float,
        target: float,
        within: float,
    ) -> None:
        self.arrive, self.service, self.patience = arrive, service, patience
        self.concurrency, self.target, self.within = concurrency, target, within
        count = boundaries.size
        self.bounds = boundaries.tolist()
        self.member = np.clip(np.searchsorted(boundaries, arrive, side="right") - 1, 0, None)
        self.first = np.searchsorted(self.member, np.arange(count + 1), side="left")
        self.done_n = np.zeros(count)  # contacts of each interval settled for good
        self.done_ok = np.zeros(count)  # ... of them answered within `within`
        self.reached = np.ones(count)  # service level each interval had when fitted
        self.caps = [0] * count
        self.state = QueueState()
        self.settled = 0  # contacts before this one are settled

    def open(self, j: int) -> None:
        """Take the contacts still unsettled up to the end of interval j as lists."""
        lo, hi = self.settled, int(self.first[j + 1])
        self.lists = (
            self.arrive[lo:hi].tolist(),
            self.service[lo:hi].tolist(),
            self.patience[lo:hi].tolist(),
        )
        self.size = hi - lo
        self.wait = [0.0] * self.size
        self.outcome = bytearray(self.size)
        self.window = self.member[lo:hi]

    def serve(self, j: int, state: QueueState, stop: float) -> int:
        arrive, service, patience = self.lists
        return _serve(arrive, service, patience, self.bounds, self.caps, state, 0, self.size,
                      stop, self.wait, self.outcome, j + 1)  # fmt: skip

    def tally(self, upto: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Contacts and contacts answered within `within`, per interval from ``base``."""
        if upto == 0:
            return np.zeros(0), np.zeros(0), 0
        w = np.asarray(self.wait[:upto])
        o = np.frombuffer(bytes(self.outcome[:upto]), dtype=np.int8)
        good = (o == ANSWERED) & (w <= self.within + _TOL)
        m = self.window[:upto]
        base = int(m[0])
        counts = np.bincount(m - base)
        return counts, np.bincount(m - base, weights=good, minlength=counts.size), base

    def meets(self, j: int, agents: int) -> tuple[bool, float]:
        """Whether N = ``agents`` in interval j (held on) keeps every touched interval ok."""
        self.caps[j] = int(slot_count(agents, self.concurrency))
        self.serve(j, self.state.copy(), INF)
        counts, good, base = self.tally(self.size)
        level_j, ok = 1.0, True
        for offset in range(counts.size):
            u = base + offset
            total = self.done_n[u] + counts[offset]
            level = (self.done_ok[u] + good[offset]) / total if total else 1.0
            floor = self.target if u == j else min(self.target, self.reached[u])
            if level < floor - _SHARE_TOL:
                ok = False
            if u == j:
                level_j = level
        return ok, level_j

    def settle(self, j: int, agents: int, level: float) -> None:
        """Fix N for interval j and settle every contact whose fate no longer depends on
        later intervals."""
        self.reached[j] = level
        self.caps[j] = int(slot_count(agents, self.concurrency))
        stop = self.bounds[j + 1] if j + 1 < len(self.bounds) else INF
        upto = self.serve(j, self.state, stop)
        counts, good, base = self.tally(upto)
        self.done_n[base : base + counts.size] += counts
        self.done_ok[base : base + counts.size] += good
        self.settled += upto


def fit_agents(
    arrive: np.ndarray,
    service: np.ndarray,
    patience: np.ndarray,
    boundaries: np.ndarray,
    planned: np.ndarray,
    concurrency: float,
    target: float,
    within: float,
    min_agents: int = 0,
) -> tuple[np.ndarray, QueueOutcome]:
    """Per interval in time order, the smallest N that meets the target in replay.

    Interval j's N is the smallest (at least ``min_agents``) for which, with the N already
    fitted for earlier intervals and N held after j, the contacts arriving in j are
    answered within ``within`` at least ``target`` of the time, and no earlier interval
    falls below the target (or below what it reached when it was fitted). The search
    starts from the plan's N (``planned``). Returns the fitted N and the replay under it.
    """
    fit = _Fit(arrive, service, patience, boundaries, concurrency, target, within)
    fitted = np.zeros(boundaries.size, dtype=np.int64)
    for j in range(boundaries.size):
        fit.open(j)
        ceiling = max(min_agents, math.ceil((len(fit.state.heap) + fit.size) / concurrency) + 1)
        levels: dict[int, float] = {}

        def probe(agents: int, j: int = j, levels: dict[int, float] = levels) -> bool:
            ok, levels[agents] = fit.meets(j, agents)
            return ok

        start = int(min(max(int(planned[j]), min_agents), ceiling))
        best = _smallest(probe, start, min_agents, ceiling)
        fit.settle(j, best, levels[best] if best in levels else fit.meets(j, best)[1])
        fitted[j] = best
    final = run_queue(arrive, service, boundaries, slot_count(fitted, concurrency), patience)
    return fitted, final


def _smallest(ok: Callable[[int], bool], start: int, low: int, high: int) -> int:
    """Smallest N in [low, high] with ok(N), ok monotone and ok(high) true; gallops from start."""
    if ok(start):
        hi, lo, step = start, low - 1, 1
        while hi - step > lo:
            probe = hi - step
            if ok(probe):
                hi = probe
                step *= 2
            else:
                lo = probe
                break
    else:
        lo, hi, step = start, high, 1
        while lo + step < high:
            probe = lo + step
            if ok(probe):
                hi = probe
                break
            lo = probe
            step *= 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


# --------------------------------------------------------------------------- per channel


@dataclass
class IntervalOutcome:
    channel: str
    interval_start: datetime
    arrivals: int
    agents: int
    service_level: float  # replayed: share answered within `within`
    plan_service_level: float | None  # the plan's Erlang prediction
    mean_wait: float
    abandoned: int


@dataclass
class ChannelOutcome:
    channel: str
    contacts: int
    service_level: float | None
    intervals: int  # staffed intervals
    intervals_met: int  # ... whose replayed arrivals reach the target
    mean_wait: float | None  # over all replayed contacts, to answer or to abandonment
    abandon_rate: float | None
    worst: list[IntervalOutcome] = field(default_factory=list)
    asa: float | None = None  # mean wait of the answered contacts (average speed of answer)
    fit_agent_hours: float | None = None
    fit_service_level: float | None = None

    @property
    def intervals_meeting_target(self) -> float | None:
        return self.intervals_met / self.intervals if self.intervals else None


@dataclass
class PlanOutcome:
    channels: dict[str, ChannelOutcome]
    contacts: int
    seed: int

    @property
    def intervals_meeting_target(self) -> float | None:
        """The channels' shares of staffed intervals meeting their target, weighted by
        each channel's replayed contacts (a quiet channel's many empty intervals do not
        outweigh the busy one); None without staffed intervals or contacts."""
        shares = [
            (c.intervals_meeting_target, c.contacts)
            for c in self.channels.values()
            if c.intervals_meeting_target is not None
        ]
        contacts = sum(weight for _, weight in shares)
        if not contacts:
            return None
        return sum(share * weight for share, weight in shares) / contacts


def run_channel(
    name: str,
    channel: Channel,
    plan: pl.DataFrame,
    times_us: np.ndarray,
    service: np.ndarray,
    patience: np.ndarray,
    interval_minutes: int,
    *,
    fit: bool = False,
    worst: int = 5,
) -> ChannelOutcome:
    """One channel's contacts (arrival instants in µs, service and patience in seconds)
    through its ``plan`` (interval_start, agents, service_level per staffed interval);
    with ``fit``, also the smallest plan that meets the target (``--fit``); ``worst``
    intervals are kept for the panel."""
    target, within = service_target(channel)
    starts_us = plan["interval_start"].dt.epoch("us").to_numpy()
    agents = plan["agents"].to_numpy()
    step_us = interval_minutes * 60_000_000
    origin = int(min(starts_us[0], times_us[0])) if times_us.size else int(starts_us[0])
    arrive = (times_us - origin) / 1e6
    bounds = (starts_us - origin) / 1e6
    horizon = float(bounds[-1] + step_us / 1e6)
    slots = slot_count(agents, channel.concurrency)
    queue = run_queue(arrive, service, bounds, slots, patience, horizon)
    good = queue.within(within)
    # Each contact's calendar interval, matched to the plan's staffed intervals.
    key = times_us // step_us * step_us
    slot_of = np.searchsorted(starts_us, key)
    matched = slot_of < starts_us.size
    matched[matched] = starts_us[slot_of[matched]] == key[matched]
    member = slot_of[matched]
    size = starts_us.size
    arrivals = np.bincount(member, minlength=size)
    answered = np.bincount(member, weights=good[matched], minlength=size)
    waits = np.bincount(member, weights=queue.wait[matched], minlength=size)
    gone = np.bincount(member, weights=queue.abandoned[matched], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        level = np.where(arrivals > 0, answered / np.maximum(arrivals, 1), 1.0)
    met = (arrivals == 0) | (level >= target - _SHARE_TOL)
    contacts = int(times_us.size)
    plan_level = plan["service_level"].to_numpy()
    late = arrivals - answered  # contacts not answered within `within`
    busiest = np.lexsort((level, -late))
    busiest = busiest[arrivals[busiest] > 0][:worst]
    worst_intervals = [
        IntervalOutcome(
            channel=name,
            interval_start=_EPOCH + timedelta(microseconds=int(starts_us[j])),
            arrivals=int(arrivals[j]),
            agents=int(agents[j]),
            service_level=float(level[j]),
            plan_service_level=float(plan_level[j]) if np.isfinite(plan_level[j]) else None,
            mean_wait=float(waits[j] / arrivals[j]),
            abandoned=int(gone[j]),
        )
        for j in busiest
    ]
    result = ChannelOutcome(
        channel=name,
        contacts=contacts,
        service_level=float(good.mean()) if contacts else None,
        intervals=int(size),
        intervals_met=int(met.sum()),
        mean_wait=float(queue.wait.mean()) if contacts else None,
        abandon_rate=float(queue.abandoned.mean()) if contacts else None,
        worst=worst_intervals,
        asa=float(queue.wait[queue.answered].mean()) if queue.answered.any() else None,
    )
    if fit:
        fitted, final = fit_agents(
            arrive,
            service,
            patience,
            bounds,
            agents,
            channel.concurrency,
            target,
            within,
            channel.min_agents,
        )
        result.fit_agent_hours = float(
            scheduled_hours(float(fitted.sum()), interval_minutes, channel.shrinkage)
        )
        result.fit_service_level = float(final.within(within).mean()) if contacts else None
    return result
