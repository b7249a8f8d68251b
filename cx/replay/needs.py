"""What a strategy needs from the data beyond the cube (no Polars here: the CLI asks
before it decides whether to scan)."""

from __future__ import annotations

from cx.guards import parse_guard
from cx.models.strategy import Strategy

OUTCOME_TOTALS = ("journeys", "contacts_per_journey", "cost_per_journey", "satisfaction_delta")
OUTCOME_CHANNEL = ("resolution_rate",)


def uses_step(strategy: Strategy) -> bool:
    return any(rule.where is not None and rule.where.step for rule in strategy.shifts)


def outcomes_needed(strategy: Strategy) -> str | None:
    """Where ``strategy`` needs journeys or observed outcomes (§10), or None."""
    for index, rule in enumerate(strategy.shifts):
        if rule.where is not None and rule.where.step:
            return f"shifts.{index}.where.step"
        if rule.containment == "observed":
            return f"shifts.{index}.containment: observed"
    for index, expr in enumerate(strategy.guards):
        guard = parse_guard(expr, list(strategy.channels))
        metrics = OUTCOME_CHANNEL if guard.channel else (*OUTCOME_TOTALS, "satisfaction")
        if guard.metric in metrics:
            return f"guards.{index} ({expr})"
    return None
