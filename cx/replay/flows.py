"""Replay (§5): where each cube cell's contacts go under a strategy.

The result is a small table of **flows** per (period, source channel, target
channel, kind): ``stay``, ``shift`` (moved by a rule), ``fallback`` (moved because
the source is retired), ``repeat`` (unresolved shifted contacts coming back) and
``lost``. Every figure of a result is a sum over flows.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from cx.errors import InputError
from cx.models.strategy import Ramp, Shift, Strategy

FLOW_KINDS = ("stay", "shift", "fallback", "repeat", "lost")
FLOW_SCHEMA = {
    "period_start": pl.Date,
    "source": pl.String,
    "target": pl.String,
    "kind": pl.String,
    "contacts": pl.Float64,
    "incentive": pl.Float64,
}


def ramp_factor(ramp: Ramp | None, period_index: pl.Expr) -> pl.Expr:
    """r(i) of §5 for period index ``i`` (0 for the first period in the data)."""
    if ramp is None:
        return pl.lit(1.0)
    progress = ((period_index + 1) / ramp.periods).clip(upper_bound=1.0)
    if ramp.shape == "linear":
        return progress
    if ramp.shape == "s_curve":
        return 3 * progress**2 - 2 * progress**3
    return pl.when(period_index >= ramp.periods - 1).then(1.0).otherwise(0.0)


def rule_matches(rule: Shift) -> pl.Expr:
    condition = pl.col("channel") == rule.from_
    if rule.where is not None:
        for dimension, values in rule.where.model_dump(exclude_none=True).items():
            condition = condition & pl.col(dimension).is_in(values)
    return condition


def escalation_target(rule: Shift, strategy: Strategy) -> str | None:
    """Where unresolved contacts of ``rule`` come back (§5)."""
    if rule.escalate_to is not None:
        return rule.escalate_to
    if rule.from_ in strategy.offered:
        return rule.from_
    fallback = strategy.fallback.get(rule.from_)
    return fallback.to if fallback is not None else None


def compute_flows(
    strategy: Strategy,
    demand: pl.DataFrame,
    period_index: Mapping[object, int],
    containment_observed: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """All flows of ``strategy`` over the demand cube."""
    for number, rule in enumerate(strategy.shifts):
        for dimension in rule.where.model_dump(exclude_none=True) if rule.where else {}:
            if dimension not in demand.columns:
                from cx.errors import InputError

                raise InputError(
                    f"shifts.{number}.where.{dimension}: the data has no '{dimension}' dimension",
                    file=strategy.file,
                    hint="journey steps (first/follow_up) are not in this cube yet; "
                    "filter on segment, stage or intent",
                )
    index_frame = pl.DataFrame(
        {"period_start": list(period_index), "period_index": list(period_index.values())},
        schema={"period_start": pl.Date, "period_index": pl.Int64},
    )
    cells = demand.lazy().join(index_frame.lazy(), on="period_start", how="left")
    rule_index: pl.Expr = pl.lit(None, dtype=pl.Int64)
    for index in reversed(range(len(strategy.shifts))):
        rule_index = (
            pl.when(rule_matches(strategy.shifts[index])).then(pl.lit(index)).otherwise(rule_index)
        )
    cells = cells.with_columns(rule=rule_index)
    period = pl.col("period_index")

    parts: list[pl.LazyFrame] = []
    moved_share: pl.Expr = pl.lit(0.0)
    for index, rule in enumerate(strategy.shifts):
        ramp = ramp_factor(rule.ramp, period)
        matched = cells.filter(pl.col("rule") == index)
        escalate = escalation_target(rule, strategy)
        for target, share in rule.to.items():
            moved = pl.col("contacts") * share * ramp
            parts.append(_flow(matched, target, "shift", moved, moved * rule.incentive_cost))
            containment = containment_of(rule, target, containment_observed)
            if containment < 1.0 and escalate is not None:
                parts.append(_flow(matched, escalate, "repeat", moved * (1.0 - containment)))
        moved_share = (
            pl.when(pl.col("rule") == index)
            .then(sum(rule.to.values()) * ramp)
            .otherwise(moved_share)
        )
    rest = cells.with_columns(contacts=pl.col("contacts") * (1.0 - moved_share))
    offered = strategy.offered
    parts.append(_flow(rest.filter(pl.col("channel").is_in(offered)), None, "stay"))
    for channel, fallback in strategy.fallback.items():
        if channel in offered:
            continue
        retired = rest.filter(pl.col("channel") == channel)
        parts.append(_flow(retired, fallback.to, "fallback", pl.col("contacts") * fallback.accept))
        parts.append(_flow(retired, None, "lost", pl.col("contacts") * (1.0 - fallback.accept)))
    unhandled = [c for c in strategy.channels if c not in offered and c not in strategy.fallback]
    parts.append(_flow(rest.filter(pl.col("channel").is_in(unhandled)), None, "lost"))
    # Collected and fully sorted before summing: the cell join does not keep row order,
    # and float sums taken in another order differ in the last bits from run to run
    # (§5: results are deterministic, so identical runs print identical JSON).
    keys = ["period_start", "source", "target", "kind"]
    flows = (
        pl.concat(parts, how="vertical")
        .filter(pl.col("contacts") > 0)
        .collect()
        .sort([*keys, "contacts", "incentive"], nulls_last=True)
    )
    return (
        flows.group_by(keys, maintain_order=True)
        .agg(pl.col("contacts").sum(), pl.col("incentive").sum())
        .sort(keys)
    )


def containment_of(rule: Shift, target: str, observed: Mapping[str, float] | None) -> float:
    """The share of ``rule``'s contacts moved to ``target`` that stay resolved there."""
    if rule.containment != "observed":
        return float(rule.containment)
    if observed is None or target not in observed:
        raise InputError(
            f"containment: observed needs the resolution rate of '{target}', "
            "which the data does not show",
            hint="add a `resolved` column, or set containment to a number",
        )
    return observed[target]


def _flow(
    cells: pl.LazyFrame,
    target: str | None,
    kind: str,
    contacts: pl.Expr | None = None,
    incentive: pl.Expr | None = None,
) -> pl.LazyFrame:
    target_expr = pl.lit(target, dtype=pl.String) if target is not None else pl.col("channel")
    if kind == "lost":
        target_expr = pl.lit(None, dtype=pl.String)
    return cells.select(
        pl.col("period_start"),
        source=pl.col("channel"),
        target=target_expr,
        kind=pl.lit(kind),
        contacts=(contacts if contacts is not None else pl.col("contacts")).cast(pl.Float64),
        incentive=(incentive if incentive is not None else pl.lit(0.0)).cast(pl.Float64),
    )
