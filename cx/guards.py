"""Guards: `metric op number` business rules checked on every result (§4, §8).

A tiny tokenizer and parser, never ``eval``: a guard is a metric path (a totals key
or ``channels.<name>.<key>``), one comparison operator and a number.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cx.errors import did_you_mean
from cx.models.result import (
    GUARD_CHANNEL_METRICS,
    GUARD_TOTAL_METRICS,
    SHARE_METRICS,
    GuardResult,
    Result,
)

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}

#: Longer guards are refused before any matching (real ones are a few dozen characters).
MAX_GUARD_LENGTH = 1000

# ASCII only (Python's \d also matches '٣' and '５'), and every part can match a given
# character in one way only, so matching takes linear time whatever the input.
_GUARD = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*)\s*"
    r"(?P<op><=|>=|==|!=|<|>)\s*"
    r"(?P<number>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    r"(?P<percent>\s*%)?\s*$",
    re.ASCII,
)


class GuardSyntaxError(ValueError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Guard:
    expr: str
    metric: str
    channel: str | None
    op: str
    threshold: float

    def value(self, result: Result) -> float | None:
        if self.channel is None:
            value = getattr(result.totals, self.metric)
        else:
            try:
                value = getattr(result.channel(self.channel), self.metric)
            except KeyError:
                return None
        if value is None:
            return None
        return float(value)

    def evaluate(self, result: Result) -> GuardResult:
        value = self.value(result)
        ok = value is not None and not math.isnan(value)
        ok = ok and OPERATORS[self.op](value, self.threshold)  # type: ignore[arg-type]
        return GuardResult(expr=self.expr, value=value, ok=bool(ok))


#: Why a metric can be missing from a result (a guard on it then fails, never passes).
_NO_VALUE_REASONS = {
    "replay_intervals_meeting_target": "replay metrics come only from cx simulate --replay",
    "satisfaction": "no satisfaction in the data or the catalog",
    "satisfaction_delta": "no satisfaction in the data or the catalog",
    "resolution_rate": "no resolved column in the data",
    "abandon_rate": "no abandoned column in the data",
    "cost_per_contact": "no contact was handled",
    "journeys": "no journeys in the data (customer ids are needed)",
    "contacts_per_journey": "no journeys in the data (customer ids are needed)",
    "cost_per_journey": "no journeys in the data (customer ids are needed)",
}


def metric_of(expr: str) -> str:
    """The metric path of the guard ``expr`` (``channels.phone.occupancy``); the whole
    text when it does not parse."""
    match = _GUARD.match(expr) if len(expr) <= MAX_GUARD_LENGTH else None
    return match["metric"] if match else expr


def why_no_value(expr: str) -> str:
    """Why the metric of the guard ``expr`` has no value, in a few words."""
    metric = metric_of(expr)
    name = metric.rsplit(".", 1)[-1]
    if name in _NO_VALUE_REASONS:
        return _NO_VALUE_REASONS[name]
    if metric.startswith("channels."):
        return "the channel has no result, or the metric does not apply to its mode"
    return "not computed for this run"


def comparison(expr: str) -> tuple[Callable[[float, float], bool], float] | None:
    """The comparison and the number of the guard ``expr`` (None if it does not parse):
    what a value shown beside the guard must agree with."""
    match = _GUARD.match(expr) if len(expr) <= MAX_GUARD_LENGTH else None
    if match is None:
        return None
    return OPERATORS[match["op"]], _threshold(match)


def _threshold(match: re.Match[str]) -> float:
    """The number of a parsed guard, a percentage as its fraction (95% is 0.95)."""
    return float(match["number"]) / (100.0 if match["percent"] else 1.0)


def parse_guard(expr: str, channels: Iterable[str]) -> Guard:
    """Parse ``expr``; raises :class:`GuardSyntaxError` with a hint when it cannot."""
    if not isinstance(expr, str):
        raise GuardSyntaxError("a guard must be a string like 'coverage >= 0.95'")
    if len(expr) > MAX_GUARD_LENGTH:
        raise GuardSyntaxError(
            f"guard is {len(expr):,} characters long, more than {MAX_GUARD_LENGTH:,}",
            hint="a guard is `metric op number`, e.g. `coverage >= 0.95`",
        )
    match = _GUARD.match(expr)
    if match is None:
        raise GuardSyntaxError(
            f"cannot parse guard '{expr}'",
            hint="write `metric op number`, e.g. `coverage >= 0.95` or "
            "`channels.phone.occupancy <= 0.9`; operators: < <= > >= == !=",
        )
    metric = match["metric"]
    threshold = _threshold(match)
    if not math.isfinite(threshold):
        raise GuardSyntaxError(
            f"the number in guard '{expr}' is too large", hint="give a finite number"
        )
    parts = metric.split(".")
    channel_names = list(channels)
    if parts[0] == "channels":
        if len(parts) != 3:
            raise GuardSyntaxError(
                f"unknown metric '{metric}'", hint="channel metrics are `channels.<name>.<key>`"
            )
        _, channel, key = parts
        if channel not in channel_names:
            raise GuardSyntaxError(
                f"guard names channel '{channel}', which is not in the catalog",
                hint=did_you_mean(channel, channel_names),
            )
        if key not in GUARD_CHANNEL_METRICS:
            raise GuardSyntaxError(
                f"unknown channel metric '{key}'",
                hint=did_you_mean(key, GUARD_CHANNEL_METRICS)
                or "one of: " + ", ".join(GUARD_CHANNEL_METRICS),
            )
        _percent_of_a_share(match, key)
        return Guard(expr, key, channel, match["op"], threshold)
    if len(parts) != 1 or metric not in GUARD_TOTAL_METRICS:
        raise GuardSyntaxError(
            f"unknown metric '{metric}'",
            hint=did_you_mean(metric, GUARD_TOTAL_METRICS)
            or "one of: " + ", ".join(GUARD_TOTAL_METRICS),
        )
    _percent_of_a_share(match, metric)
    return Guard(expr, metric, None, match["op"], threshold)


def _percent_of_a_share(match: re.Match[str], metric: str) -> None:
    """A `%` is a share's (`coverage >= 95%`); on a count or an amount it would divide
    the number by 100 unsaid (`cost_delta < -5%` is not 5 % of today's cost)."""
    if match["percent"] and metric not in SHARE_METRICS:
        raise GuardSyntaxError(
            f"{metric} is not a share, so '{match['number']}%' cannot be read",
            hint=f"write the number in the unit of {metric}, without %; "
            "a % fits only shares such as coverage or occupancy",
        )
