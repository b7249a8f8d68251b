"""Single contacts through a strategy's rules (§6b): which channel handles each one.

The rules are those of :mod:`cx.replay.rules`, applied per contact: a contact matched
by a rule moves to target k when its seeded draw falls in k's share (times the ramp of
its period), comes back as a repeat when a second draw falls below 1 − containment,
and a retired channel's remaining contacts fall back to each target with its share. A
contact's draws depend only on the seed and its row, so strategies replayed with the
same seed move the same contacts where their rules agree, and the counts match the
cube flows in expectation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from cx.data import periods
from cx.data.layout import ROW
from cx.errors import InputError
from cx.replay.rules import RuleSet


def _uniform(seed: int, rows: np.ndarray, stream: int) -> np.ndarray:
    """U[0,1) per row from (seed, row, stream) alone (splitmix64)."""
    with np.errstate(over="ignore"):
        x = rows.astype(np.uint64) * np.uint64(2) + np.uint64(stream)
        x = x + np.uint64((seed * 0x632BE59BD9B4E019) % 2**64) + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


@dataclass
class Routing:
    """Where each contact goes: channel codes index ``channels``; −1 is nowhere."""

    channels: list[str]
    source: np.ndarray
    dest: np.ndarray  # the channel that handles it, −1 if lost
    repeat: np.ndarray  # the channel it comes back to as a repeat, −1 if none


def trace_query(
    rules: RuleSet,
    rows: pl.LazyFrame,
    period: str,
    period_starts: Sequence[date],
    channels: Sequence[str],
) -> pl.LazyFrame:
    """The columns the replay needs, computed in the lazy query, sorted by time."""
    names = list(rules.channels)
    available = set(rows.collect_schema().names())

    def missing(number: int, dimension: str) -> InputError:
        return InputError(
            f"--replay cannot pick the contacts of shifts[{number}] by `where: "
            f"{dimension}`: single contacts carry no {dimension}",
            path=f"shifts.{number}.where.{dimension}",
            hint="run without --replay, or narrow the rule by segment, stage or intent",
            **rules.position(("shifts", number, "where", dimension)).location(),
        )

    rules.require_dimensions(available, missing)
    optional = {
        "handle_time": pl.Float64,
        "wait_time": pl.Float64,
        "abandoned": pl.Boolean,
        "hours": pl.String,  # open/closed on the contact's channel (§11), with hours
    }
    extra = [
        pl.col(name).cast(dtype) if name in available else pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in optional.items()
    ]
    return (
        rows.filter(pl.col("channel").is_in(list(channels)))
        .select(
            pl.col(ROW).cast(pl.Int64).alias("row"),
            pl.col("timestamp").dt.epoch("us").alias("ts"),
            pl.col("channel")
            .replace_strict(names, list(range(len(names))), default=-1, return_dtype=pl.Int32)
            .alias("code"),
            rules.rule_index(none=-1).alias("rule"),
            periods.period_start(pl.col("timestamp"), period)
            .replace_strict(
                list(period_starts),
                list(range(len(period_starts))),
                default=0,
                return_dtype=pl.Int32,
            )
            .alias("period"),
            *extra,
        )
        .sort("ts", "row")
    )


def route(rules: RuleSet, trace: pl.DataFrame, periods_count: int, seed: int) -> Routing:
    """Seeded picks: which channel handles each contact, and where repeats come back.

    The probabilities are those of the cube flows (:func:`cx.replay.flows.compute_flows`
    of the same ``rules``), so counts match the cube in expectation.
    """
    names = list(rules.channels)
    code = {name: i for i, name in enumerate(names)}
    source = trace["code"].to_numpy()
    rule_of = trace["rule"].to_numpy()
    period = trace["period"].to_numpy()
    rows = trace["row"].to_numpy()
    u_move = _uniform(seed, rows, 0)
    u_repeat = _uniform(seed, rows, 1)
    dest = np.full(source.size, -1, dtype=np.int32)
    repeat = np.full(source.size, -1, dtype=np.int32)
    moved_share = np.zeros(source.size)
    for rule in rules.rules:
        sel = np.flatnonzero(rule_of == rule.number)
        if sel.size == 0:
            continue
        factor = rule.ramp_by_period(periods_count)[period[sel]]
        u = u_move[sel]
        low = np.zeros(sel.size)
        for move in rule.moves:
            high = low + move.share * factor
            hit = (u >= low) & (u < high)
            dest[sel[hit]] = code[move.target]
            if move.containment < 1.0 and rule.escalate_to is not None:
                comes_back = hit & (u_repeat[sel] < 1.0 - move.containment)
                repeat[sel[comes_back]] = code[rule.escalate_to]
            low = high
        moved_share[sel] = low
    rest = dest == -1
    closed = (trace["hours"] == "closed").fill_null(False).to_numpy()
    for name in names:
        mine = rest & (source == code[name])
        if not mine.any():
            continue
        if name in rules.offered:
            stays = mine & ~closed if name in rules.lost_after_hours else mine
            dest[stays] = code[name]
        elif name in rules.fallbacks:
            picked = np.flatnonzero(mine)
            # The contact's draw, past the moved share, rescaled to [0, 1): each target
            # takes the draws in its share, one after the other; the rest are lost.
            v = (u_move[picked] - moved_share[picked]) / (1.0 - moved_share[picked])
            low = 0.0
            for target, share in rules.fallbacks[name].shares:
                dest[picked[(v >= low) & (v < low + share)]] = code[target]
                low += share
    return Routing(names, source, dest, repeat)
