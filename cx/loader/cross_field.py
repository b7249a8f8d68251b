"""Cross-field rules of a strategy that its schema cannot express (DESIGN §4).

Shift sources and targets in the catalog and offered, shares adding up to at
most 1, somewhere for unresolved and retired contacts to go, fallbacks only for
retired channels, guards that parse. Each broken rule is a finding at the place
that breaks it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cx.errors import Finding, did_you_mean
from cx.guards import GuardSyntaxError, parse_guard
from cx.loader.located import Located
from cx.models.source import dotted_path
from cx.models.strategy import Fallback, Strategy
from cx.models.uncertainty import KeyProblem, key_bounds_problem, resolve_key


def cross_field_findings(strategy: Strategy, located: Located) -> list[Finding]:
    """Every cross-field rule ``strategy`` breaks, located in ``located``."""
    findings: list[Finding] = []
    catalog = list(strategy.channels)
    offered = strategy.offered

    def add(path: tuple[Any, ...], message: str, hint: str | None = None) -> None:
        findings.append(located.position(path).finding(message, dotted_path(path), hint))

    def known(path: tuple[Any, ...], name: str, role: str) -> bool:
        if name in strategy.channels:
            return True
        add(path, f"{role} '{name}' is not in the channel catalog", did_you_mean(name, catalog))
        return False

    if strategy.offer is not None:
        for index, name in enumerate(strategy.offer):
            known(("offer", index), name, "offered channel")
        repeated: set[str] = set()
        for index, name in enumerate(strategy.offer):
            if name in strategy.offer[:index] and name not in repeated:
                repeated.add(name)
                add(("offer", index), f"channel '{name}' is offered twice")

    retired = [name for name in catalog if name not in offered]
    if strategy.kind == "follow" and strategy.shifts:
        add(
            ("shifts",),
            "a follow strategy cannot have shift rules",
            "use kind: push to move contacts between channels",
        )
    if strategy.kind == "push" and not strategy.shifts and not retired:
        add(
            ("kind",),
            "a push strategy needs shift rules or a retired channel",
            "add `shifts:`, leave a channel out of `offer:`, or use kind: follow",
        )

    for index, rule in enumerate(strategy.shifts):
        base = ("shifts", index)
        known((*base, "from"), rule.from_, "shift source")
        total = sum(rule.to.values())
        if total > 1.0 + 1e-9:
            add((*base, "to"), f"shares add up to {total:g}, more than 1")
        if not rule.to:
            add((*base, "to"), "a shift rule needs at least one target channel")
        for target in rule.to:
            if known((*base, "to", target), target, "shift target") and target not in offered:
                add(
                    (*base, "to", target),
                    f"shift target '{target}' is not offered",
                    "add it to `offer:` or move contacts elsewhere",
                )
            if target == rule.from_:
                add((*base, "to", target), "a rule cannot move contacts to their own channel")
        source = strategy.channels.get(rule.from_)
        if rule.where and rule.where.hours == ["closed"] and source and source.hours is None:
            add(
                (*base, "where", "hours"),
                f"'{rule.from_}' is open 24/7 (no `hours`), so no contact finds it closed",
                f"give channels.{rule.from_} opening hours",
            )
        escalation = rule.escalate_to
        if escalation is not None:
            if known((*base, "escalate_to"), escalation, "escalate_to") and (
                escalation not in offered
            ):
                add((*base, "escalate_to"), f"escalate_to '{escalation}' is not offered")
        elif rule.containment != 1.0 and rule.from_ not in offered:
            fallback = strategy.fallback.get(rule.from_)
            if fallback is None:
                add(
                    (*base, "escalate_to"),
                    f"unresolved contacts have nowhere to go: '{rule.from_}' is retired "
                    "and has no fallback",
                    "set escalate_to",
                )
            elif len(fallback.shares) > 1:
                add(
                    (*base, "escalate_to"),
                    f"unresolved contacts have no single channel to come back to: "
                    f"'{rule.from_}' falls back to {len(fallback.shares)} channels",
                    "set escalate_to",
                )

    for name, fallback in strategy.fallback.items():
        path = ("fallback", name)
        known(path, name, "fallback channel")
        if name in offered and name in strategy.channels:
            add(
                path,
                f"fallback for '{name}', which is offered",
                "fallback applies to retired channels; remove it (set it to null in a "
                "strategy that extends another)",
            )
        _check_fallback(name, fallback, strategy.offered, add, known)

    for index, expr in enumerate(strategy.guards):
        try:
            guard = parse_guard(expr, catalog)
        except GuardSyntaxError as error:
            add(("guards", index), str(error), error.hint)
            continue
        if guard.channel is not None:
            never = _never_measured(strategy, guard.channel, guard.metric)
            if never is not None:
                add(("guards", index), f"{guard.channel} has no {guard.metric}: {never}",
                    "guard another metric of it, or remove the guard")  # fmt: skip

    for name, channel in strategy.channels.items():
        response, handle = channel.response, channel.handle_time
        if response is not None and isinstance(handle, int | float) and response.within < handle:
            add(
                ("channels", name, "response", "within"),
                f"a response within {response.within:g} s is shorter than the handle time "
                f"{handle:g} s: no contact can be answered in time",
                f"give `within` at least {handle:g} s",
            )

    _check_uncertainty(strategy, add)
    return findings


#: Channel metrics that a mode never has (§6), and why.
_NOT_OF_MODE = {
    "self_service": (
        {"workload_hours", "occupancy", "service_level", "average_wait"},
        "a self-service channel has no agents",
    ),
    "async": (
        {"service_level", "average_wait"},
        "an async channel has a backlog, not a queue (guard its response_level)",
    ),
}


#: Channel metrics of the contacts a channel handles: a retired channel handles none.
_OF_HANDLED = {
    "occupancy", "service_level", "average_wait", "abandon_rate",
    "open_hours", "after_hours", "response_level", "backlog_peak",
}  # fmt: skip


def _never_measured(strategy: Strategy, name: str, metric: str) -> str | None:
    """Why channel ``name`` of ``strategy`` never has ``metric`` in a result (a guard on
    it would fail on every run), or None when it can have it."""
    channel = strategy.channels[name]
    if name not in strategy.offered and metric in _OF_HANDLED:
        return "it is retired (not in `offer:`), so it handles no contact"
    never, why = _NOT_OF_MODE.get(channel.mode, (set(), ""))
    if metric in never:
        return why
    if metric in ("response_level", "backlog_peak") and channel.response is None:
        return "it has no `response` target"
    if metric in ("open_hours", "after_hours") and channel.hours is None:
        return "it has no `hours` (it is open 24/7)"
    return None


def _check_uncertainty(strategy: Strategy, add: Callable[..., None]) -> None:
    """Each `uncertainty:` key names a number of the strategy and its range stays within
    the number's bounds; shares of one rule or fallback stay at most 1 at their highs."""
    highs: dict[tuple[Any, ...], dict[str, float]] = {}
    named: dict[tuple[Any, ...], str] = {}  # each value's first key (shifts.0 or shifts.00)
    bounds: dict[tuple[Any, ...], tuple[float, float]] = {}  # each valid key's low, high
    for key, spread in strategy.uncertainty.items():
        try:
            resolved = resolve_key(strategy, key)
        except KeyProblem as error:
            add(("uncertainty", key), error.message, error.hint)
            continue
        first = named.setdefault(resolved.path, key)
        if first != key:
            add(("uncertainty", key), f"names the same value as '{first}'", "keep one of them")
            continue
        problem = key_bounds_problem(resolved, spread)
        if problem is not None:
            add(("uncertainty", key), problem)
            continue
        bounds[resolved.path] = spread.bounds
        if len(resolved.path) == 4 and resolved.path[2] == "to" and resolved.path[0] in (
            "shifts", "fallback"
        ):
            highs.setdefault(resolved.path[:3], {})[key] = spread.bounds[1]
    for container, keys in highs.items():
        written = _shares_at(strategy, container)
        if written is None:
            continue
        shares = {**written, **{key.rsplit(".", 1)[-1]: high for key, high in keys.items()}}
        total = sum(shares.values())
        if total > 1.0 + 1e-9:
            for key in keys:
                add(
                    ("uncertainty", key),
                    f"at their highs the shares of {dotted_path(container)} add up to "
                    f"{total:g}, more than 1",
                )
    _check_response_draws(strategy, named, bounds, add)


def _check_response_draws(
    strategy: Strategy,
    named: dict[tuple[Any, ...], str],
    bounds: dict[tuple[Any, ...], tuple[float, float]],
    add: Callable[..., None],
) -> None:
    """A response target's `within` at its low stays at least the handle time at its high:
    a draw below it would be a plan that answers no contact in time, which the values as
    written are not allowed to be either."""
    for name, channel in strategy.channels.items():
        if channel.response is None or not isinstance(channel.handle_time, int | float):
            continue
        within_path = ("channels", name, "response", "within")
        handle_path = ("channels", name, "handle_time")
        within = bounds.get(within_path, (channel.response.within,))[0]
        handle = bounds.get(handle_path, (0.0, channel.handle_time))[1]
        if within >= handle:
            continue
        for path, end in ((within_path, "low"), (handle_path, "high")):
            if path in bounds:
                add(
                    ("uncertainty", named[path]),
                    f"at its {end}, a response within {within:g} s is shorter than the "
                    f"handle time {handle:g} s: those draws answer no contact in time",
                    f"keep {dotted_path(within_path)} at least "
                    f"{dotted_path(handle_path)} in every draw",
                )


def _check_fallback(
    name: str,
    fallback: Fallback,
    offered: list[str],
    add: Callable[..., None],
    known: Callable[[tuple[Any, ...], str, str], bool],
) -> None:
    """A fallback's own rules (§4): one target with ``accept``, or shares summing to at
    most 1; every target offered. Findings go to ``add``."""
    path = ("fallback", name)
    if isinstance(fallback.to, str):
        if fallback.accept is None:
            add(
                (*path, "accept"),
                f"fallback for '{name}' needs `accept`, the share of contacts that move",
                f"write `{{to: {fallback.to}, accept: 0.5}}`, or shares per channel "
                f"`{{to: {{{fallback.to}: 0.5}}}}`",
            )
        targets: list[tuple[tuple[Any, ...], str]] = [((*path, "to"), fallback.to)]
    else:
        if fallback.accept is not None:
            add(
                (*path, "accept"),
                "`accept` goes with a single `to` channel; with shares per channel each "
                "share says how many move",
                "remove `accept`",
            )
        if not fallback.to:
            add((*path, "to"), "a fallback needs at least one target channel")
        total = sum(fallback.to.values())
        if total > 1.0 + 1e-9:
            add((*path, "to"), f"shares add up to {total:g}, more than 1", "the rest are lost")
        targets = [((*path, "to", target), target) for target in fallback.to]
    for place, target in targets:
        if known(place, target, "fallback target") and target not in offered:
            add(place, f"fallback target '{target}' is not offered")


def _shares_at(strategy: Strategy, container: tuple[Any, ...]) -> dict[str, float] | None:
    """The shares of ``shifts.N.to`` or ``fallback.NAME.to`` as written."""
    kind, item = container[0], container[1]
    if kind == "shifts":
        return dict(strategy.shifts[item].to)
    targets = strategy.fallback[item].to
    return dict(targets) if isinstance(targets, dict) else None
