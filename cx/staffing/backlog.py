"""Async response targets (§11): agents per interval for a first-in-first-out backlog.

The contacts of calendar interval i join the backlog at its start and are due
``within`` seconds later. Agents work only in open intervals; each supplies
interval_length × max_occupancy × concurrency of work time at the channel's handle
time, and the backlog is served in arrival order, evenly through the interval. N_t is
chosen in time order: the smallest number with which the contacts due in interval t
(deadline in (start_t, end_t]) are answered by their deadline in share ``target`` —
at least the floor (min_agents) of the interval. A contact whose deadline falls while
the channel is closed is due, for the plan, at the end of the last open interval
before its deadline, when that interval ends after the contact joins the backlog
(:func:`planning_deadlines`): answered before closing, it is in time. Contacts nothing
can save (no open time between joining and their deadline, too few agents, or saving
them would take more than :data:`MAX_AGENTS`) are answered as soon as possible: while
any wait, N_t is at least the smallest number that clears all the work waiting.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from cx.models.numbers import MAX_AGENTS

#: Shares within this of the target meet it (float sums of fractional contacts).
TOLERANCE = 1e-9


@dataclass
class BacklogPlan:
    agents_raw: np.ndarray  # per interval: what the response target needs
    agents: np.ndarray  # per interval: after the floor
    contacts: float  # contacts that arrived
    answered_in_time: float  # of them, answered within `within`
    peak: float  # most contacts waiting at an interval's end

    @property
    def response_level(self) -> float | None:
        return self.answered_in_time / self.contacts if self.contacts > 0 else None


@dataclass
class _Cohort:
    due: float  # what the plan answers it by, in seconds from the first interval's start
    deadline: float  # arrival + within: what `response_level` counts against
    size: float
    waiting: float


def planning_deadlines(is_open: np.ndarray, *, interval_minutes: int, within: float) -> np.ndarray:
    """Per calendar interval, the instant (seconds from the first interval's start) by
    which the plan answers the contacts that join the backlog at its start.

    Their deadline, ``within`` after they join — unless it falls in a closed interval
    and an open interval ends between their joining and it: then the end of the last
    such open interval, the last moment agents can answer them in time. With no closed
    interval every value is the deadline itself."""
    length = interval_minutes * 60.0
    count = is_open.size
    deadlines = np.arange(count) * length + within
    if count == 0 or is_open.all():
        return deadlines
    # The deadline of interval t's contacts lies in (start, end] of interval t + ahead.
    ahead = math.ceil(within / length) - 1
    index = np.arange(count)
    # The last open interval at or before each interval (-1: none yet).
    last_open = np.maximum.accumulate(np.where(is_open, index, -1))
    due_in = index + ahead
    known = (due_in >= 0) & (due_in < count)  # past the calendar: its hours are unknown
    closed = np.zeros(count, dtype=bool)
    closed[known] = ~is_open[due_in[known]]
    before = np.full(count, -1)
    before[known] = last_open[due_in[known]]
    savable = closed & (before >= index)  # an open interval ends after they join
    return np.where(savable, (before + 1) * length, deadlines)


def plan_backlog(
    arrivals: np.ndarray,
    is_open: np.ndarray,
    floor: np.ndarray,
    *,
    interval_minutes: int,
    within: float,
    target: float,
    handle_time: float,
    concurrency: float = 1.0,
    max_occupancy: float = 1.0,
) -> BacklogPlan:
    """Agents per interval (in seat, before shrinkage) for the response target.

    ``arrivals``, ``is_open`` and ``floor`` hold one value per consecutive calendar
    interval, closed ones included. They run past the data's end, with the channel's
    weekly hours, until every deadline of its contacts and the next opening after it
    (the calendar of :func:`cx.replay.hours.calendar`): a contact due after the last
    interval would never be planned for.
    """
    length = interval_minutes * 60.0
    rate = max_occupancy * concurrency / handle_time  # contacts per agent-second
    count = arrivals.size
    raw = [0] * count
    agents = [0] * count
    queue: deque[_Cohort] = deque()
    in_time = 0.0
    peak = 0.0
    waiting = 0.0  # contacts in the queue
    # Python numbers, not numpy scalars: this loop runs once per calendar interval.
    arriving, opened, floors = arrivals.tolist(), is_open.tolist(), floor.tolist()
    dues = planning_deadlines(is_open, interval_minutes=interval_minutes, within=within).tolist()
    for t in range(count):
        start = t * length
        size = float(arriving[t])
        if size > 0:
            queue.append(_Cohort(dues[t], start + within, size, size))
            waiting += size
        if opened[t] and not queue:  # nothing waits: the floor alone
            agents[t] = int(floors[t])
            waiting = 0.0
        elif opened[t]:
            needed = _agents_needed(queue, waiting, start, length, rate, target)
            raw[t] = needed
            staffed = agents[t] = max(needed, int(floors[t]))
            answered, served = _serve(queue, start, length, staffed * rate)
            in_time += answered
            waiting = max(0.0, waiting - served) if queue else 0.0
        if waiting > peak:
            peak = waiting
    return BacklogPlan(
        np.array(raw, dtype=np.int64),
        np.array(agents, dtype=np.int64),
        float(arrivals.sum()),
        in_time,
        peak,
    )


def _agents_needed(
    queue: deque[_Cohort],
    waiting: float,
    start: float,
    length: float,
    rate: float,
    target: float,
) -> int:
    """Smallest N with which the cohorts due in (start, start + length] meet ``target``;
    with late contacts waiting (nothing can save them), at least enough to clear all the
    ``waiting`` work."""
    late = bool(queue) and queue[0].due <= start  # cohorts are in order of deadline
    clear = min(MAX_AGENTS, math.ceil(waiting / (rate * length) - TOLERANCE)) if late else 0
    return max(clear, _agents_for_due(queue, start, length, rate, target))


def _agents_for_due(
    queue: deque[_Cohort], start: float, length: float, rate: float, target: float
) -> int:
    due = []
    ahead = 0.0
    for cohort in queue:  # in order of deadline: stop at the first due later
        if cohort.due > start + length:
            break
        if cohort.due > start:
            due.append((ahead, cohort))
        ahead += cohort.waiting
    size = sum(c.size for _, c in due)
    if size <= 0:
        return 0

    def level(agents: int) -> float:
        served = agents * rate
        answered = sum(
            c.size - c.waiting + min(c.waiting, max(0.0, served * (c.due - start) - ahead))
            for ahead, c in due
        )
        return answered / size

    if level(0) >= target - TOLERANCE:
        return 0
    # Enough agents to answer every due contact by its deadline.
    enough = max(math.ceil((ahead + c.waiting) / (rate * (c.due - start))) for ahead, c in due)
    if enough > MAX_AGENTS:  # nobody can save them: clear the waiting work instead
        waiting = sum(c.waiting for c in queue)
        return min(MAX_AGENTS, math.ceil(waiting / (rate * length) - TOLERANCE))
    low, high = 0, enough  # level(low) < target <= level(high)
    while high - low > 1:
        middle = (low + high) // 2
        if level(middle) >= target - TOLERANCE:
            high = middle
        else:
            low = middle
    return high


def _serve(queue: deque[_Cohort], start: float, length: float, rate: float) -> tuple[float, float]:
    """Serve the queue for one interval at ``rate`` contacts per second, first in first
    out; returns the contacts answered by their deadline and all those answered."""
    capacity = rate * length
    ahead = 0.0
    in_time = 0.0
    while queue and capacity - ahead > 0:
        cohort = queue[0]
        served = min(cohort.waiting, capacity - ahead)
        by_deadline = min(served, max(0.0, rate * (cohort.deadline - start) - ahead))
        in_time += by_deadline
        cohort.waiting -= served
        ahead += served
        if cohort.waiting <= TOLERANCE * cohort.size:
            queue.popleft()
        else:
            break
    return in_time, ahead
