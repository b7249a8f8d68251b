"""Replay (§5): where each cube cell's contacts go under a strategy.

The result is a small table of **flows** per (period, source channel, target
channel, kind): ``stay``, ``shift`` (moved by a rule), ``fallback`` (moved because
the source is retired), ``repeat`` (unresolved shifted contacts coming back) and
``lost``. Every figure of a result is a sum over flows. What each rule does is
decided in :mod:`cx.replay.rules`; this module only applies it to cube cells.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from cx.errors import InputError
from cx.replay.rules import RuleSet

FLOW_KINDS = ("stay", "shift", "fallback", "repeat", "lost")
FLOW_SCHEMA = {
    "period_start": pl.Date,
    "source": pl.String,
    "target": pl.String,
    "kind": pl.String,
    "contacts": pl.Float64,
    "incentive": pl.Float64,
}


def compute_flows(
    rules: RuleSet, demand: pl.DataFrame, period_index: Mapping[object, int]
) -> pl.DataFrame:
    """All flows of the strategy compiled into ``rules`` over the demand cube."""

    def missing(number: int, dimension: str) -> InputError:
        return InputError(
            f"shifts.{number}.where.{dimension}: the data has no '{dimension}' dimension",
            hint="journey steps (first/follow_up) are not in this cube yet; "
            "filter on segment, stage or intent",
            **rules.position(("shifts", number, "where", dimension)).location(),
        )

    rules.require_dimensions(demand.columns, missing)
    index_frame = pl.DataFrame(
        {"period_start": list(period_index), "period_index": list(period_index.values())},
        schema={"period_start": pl.Date, "period_index": pl.Int64},
    )
    cells = demand.lazy().join(index_frame.lazy(), on="period_start", how="left")
    cells = cells.with_columns(rule=rules.rule_index())
    period = pl.col("period_index")

    parts: list[pl.LazyFrame] = []
    moved_share: pl.Expr = pl.lit(0.0)
    for rule in rules.rules:
        ramp = rule.ramp_factor(period)
        matched = cells.filter(pl.col("rule") == rule.number)
        for move in rule.moves:
            moved = pl.col("contacts") * move.share * ramp
            parts.append(_flow(matched, move.target, "shift", moved, moved * rule.incentive_cost))
            if move.containment < 1.0 and rule.escalate_to is not None:
                parts.append(
                    _flow(matched, rule.escalate_to, "repeat", moved * (1.0 - move.containment))
                )
        moved_share = (
            pl.when(pl.col("rule") == rule.number)
            .then(rule.moved_share * ramp)
            .otherwise(moved_share)
        )
    rest = cells.with_columns(contacts=pl.col("contacts") * (1.0 - moved_share))
    offered = pl.col("channel").is_in(list(rules.offered))
    if "hours" in demand.columns:  # opening hours (§11): closed contacts may be lost
        lost_closed = pl.col("channel").is_in(list(rules.lost_after_hours)) & (
            pl.col("hours") == "closed"
        )
        parts.append(_flow(rest.filter(lost_closed), None, "lost"))
        offered = offered & ~lost_closed
    parts.append(_flow(rest.filter(offered), None, "stay"))
    for channel, fallback in rules.fallbacks.items():
        retired = rest.filter(pl.col("channel") == channel)
        for target, share in fallback.shares:
            parts.append(_flow(retired, target, "fallback", pl.col("contacts") * share))
        parts.append(_flow(retired, None, "lost", pl.col("contacts") * (1.0 - fallback.accept)))
    unhandled = [c for c in rules.retired() if c not in rules.fallbacks]
    parts.append(_flow(rest.filter(pl.col("channel").is_in(unhandled)), None, "lost"))
    # Collected and fully sorted before summing: the cell join does not keep row order,
    # and float sums taken in another order differ in the last bits from run to run
    # (§5: results are deterministic, so identical runs print identical JSON).
    keys = ["period_start", "source", "target", "kind"]
    if "hours" in demand.columns:
        keys.append("hours")
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
    hours = ["hours"] if "hours" in cells.collect_schema().names() else []
    return cells.select(
        pl.col("period_start"),
        *[pl.col(name) for name in hours],
        source=pl.col("channel"),
        target=target_expr,
        kind=pl.lit(kind),
        contacts=(contacts if contacts is not None else pl.col("contacts")).cast(pl.Float64),
        incentive=(incentive if incentive is not None else pl.lit(0.0)).cast(pl.Float64),
    )
