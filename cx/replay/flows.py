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
    hours = ["hours"] if "hours" in demand.columns else []
    # The cells once, each with the rule that takes it; what every rule does, per period,
    # is a small table joined to them: one join however many rules there are.
    cells = (
        demand.lazy()
        .join(index_frame.lazy(), on="period_start", how="left")
        .with_columns(rule=rules.rule_index())
        .collect()
        .lazy()
    )
    by_period = _rule_periods(rules, index_frame["period_index"])
    moved = (
        cells.join(by_period.lazy(), on=["rule", "period_index"], how="inner")
        .join(_rule_moves(rules).lazy(), on="rule", how="inner")
        .with_columns(moved=pl.col("contacts") * pl.col("share") * pl.col("ramp"))
    )
    shifted = pl.col("moved")
    parts = [
        _flow(moved, pl.col("target"), "shift", hours, shifted, shifted * pl.col("incentive")),
        _flow(
            moved.filter(pl.col("comes_back") > 0.0),
            pl.col("escalate_to"),
            "repeat",
            hours,
            shifted * pl.col("comes_back"),
        ),
    ]
    moved_share = (
        pl.when(pl.col("rule").is_null()).then(pl.lit(0.0)).otherwise(pl.col("moved_share"))
    )
    rest = (
        cells.join(by_period.lazy(), on=["rule", "period_index"], how="left")
        .with_columns(contacts=pl.col("contacts") * (1.0 - moved_share))
        .drop("ramp", "moved_share")
    )
    offered = pl.col("channel").is_in(list(rules.offered))
    if hours:  # opening hours (§11): closed contacts may be lost
        lost_closed = pl.col("channel").is_in(list(rules.lost_after_hours)) & (
            pl.col("hours") == "closed"
        )
        parts.append(_flow(rest.filter(lost_closed), None, "lost", hours))
        offered = offered & ~lost_closed
    parts.append(_flow(rest.filter(offered), None, "stay", hours))
    for channel, fallback in rules.fallbacks.items():
        retired = rest.filter(pl.col("channel") == channel)
        for target, share in fallback.shares:
            parts.append(_flow(retired, target, "fallback", hours, pl.col("contacts") * share))
        parts.append(
            _flow(retired, None, "lost", hours, pl.col("contacts") * (1.0 - fallback.accept))
        )
    unhandled = [c for c in rules.retired() if c not in rules.fallbacks]
    parts.append(_flow(rest.filter(pl.col("channel").is_in(unhandled)), None, "lost", hours))
    # Collected and fully sorted before summing: the cell join does not keep row order,
    # and float sums taken in another order differ in the last bits from run to run
    # (§5: results are deterministic, so identical runs print identical JSON).
    keys = ["period_start", "source", "target", "kind", *hours]
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


def _rule_periods(rules: RuleSet, periods: pl.Series) -> pl.DataFrame:
    """Per rule and period index: the rule's ramp r(i) (§5) and the share of its cells'
    contacts it moves then (its shares' sum × r(i)). A ramp is computed once for the
    rules that share it."""
    index = pl.DataFrame({"period_index": periods})
    ramps: dict[tuple[int, str] | None, pl.Series] = {}
    frames = []
    for rule in rules.rules:
        key = None if rule.ramp is None else (rule.ramp.periods, rule.ramp.shape)
        if key not in ramps:
            factor = rule.ramp_factor(pl.col("period_index")).cast(pl.Float64)
            ramps[key] = index.with_columns(ramp=factor)["ramp"]
        ramp = ramps[key]
        frames.append(
            index.with_columns(
                rule=pl.lit(rule.number, dtype=pl.Int32),
                ramp=ramp,
                moved_share=rule.moved_share * ramp,
            )
        )
    schema = {"period_index": pl.Int64, "rule": pl.Int32, "ramp": pl.Float64}
    if not frames:
        return pl.DataFrame(schema={**schema, "moved_share": pl.Float64})
    return pl.concat(frames, how="vertical")


def _rule_moves(rules: RuleSet) -> pl.DataFrame:
    """One row per rule and target: the share moved there, the incentive paid per moved
    contact, and the share of them that comes back to ``escalate_to`` unresolved."""
    rows = [
        (
            rule.number,
            move.target,
            move.share,
            rule.incentive_cost,
            rule.escalate_to,
            1.0 - move.containment
            if move.containment < 1.0 and rule.escalate_to is not None
            else 0.0,
        )
        for rule in rules.rules
        for move in rule.moves
    ]
    return pl.DataFrame(
        rows,
        schema={
            "rule": pl.Int32,
            "target": pl.String,
            "share": pl.Float64,
            "incentive": pl.Float64,
            "escalate_to": pl.String,
            "comes_back": pl.Float64,
        },
        orient="row",
    )


def _flow(
    cells: pl.LazyFrame,
    target: str | pl.Expr | None,
    kind: str,
    hours: list[str],
    contacts: pl.Expr | None = None,
    incentive: pl.Expr | None = None,
) -> pl.LazyFrame:
    """The flows of ``kind`` from ``cells`` to ``target`` (a channel, a column of them,
    or None: the cell's own channel); ``hours``: ``["hours"]`` where cells have it."""
    if isinstance(target, str):
        target_expr = pl.lit(target, dtype=pl.String)
    else:
        target_expr = pl.col("channel") if target is None else target
    if kind == "lost":
        target_expr = pl.lit(None, dtype=pl.String)
    return cells.select(
        pl.col("period_start"),
        *[pl.col(name) for name in hours],
        source=pl.col("channel"),
        target=target_expr,
        kind=pl.lit(kind),
        contacts=(contacts if contacts is not None else pl.col("contacts")).cast(pl.Float64),
        incentive=(incentive if incentive is not None else pl.lit(0.0)).cast(pl.Float64),
    )
