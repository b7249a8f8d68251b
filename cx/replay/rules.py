"""How a shift rule works (§5): the one home of a strategy's routing semantics.

A :class:`RuleSet` is compiled once from a :class:`~cx.models.strategy.Strategy`:

* **matching**: the first rule whose ``from`` is the contact's channel and whose
  ``where`` matches its segment, stage, intent (and journey step) applies; later rules
  never see that contact;
* **moving**: the rule moves share_k · r(i) of the matching contacts to each target k,
  where r(i) is the ramp at period index i (0 for the first period of the data);
* **containment and escalation**: of the contacts moved to k, containment_k stay
  resolved there; the rest come back as repeats on ``escalate_to`` (default: the
  source if it is offered, else the source's fallback target) and are handled there too;
* **fallback**: what no rule moves stays on its channel if that is offered (unless it
  arrived while the channel was closed and the channel has `after_hours: lost`: then it
  is lost); from a retired channel, each fallback target takes its share of it
  (``accept`` for the single-target form) and the rest is lost (all of it when the
  channel has no fallback).

Cube flows (:mod:`cx.replay.flows`) apply it to cells with expected values; the trace
routing (:mod:`cx.replay.routing`) applies it to single contacts with seeded draws.
Neither restates a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cx.errors import InputError
from cx.models.source import PathKey, Position, written_at
from cx.models.strategy import Ramp, Shift, Strategy


@dataclass(frozen=True)
class Move:
    """Contacts a rule sends to one target: its share, and how many stay resolved there."""

    target: str
    share: float
    containment: float


@dataclass(frozen=True)
class CompiledRule:
    number: int  # its index in ``shifts``
    source: str
    where: Mapping[str, Sequence[str]]  # dimension → accepted values
    moves: tuple[Move, ...]
    ramp: Ramp | None
    escalate_to: str | None  # where unresolved moved contacts come back; None: nowhere
    incentive_cost: float

    @property
    def moved_share(self) -> float:
        """The share this rule moves once its ramp is complete."""
        return sum(move.share for move in self.moves)

    def matches(self) -> pl.Expr:
        """True for the cells (or contacts) this rule would take, ignoring earlier rules."""
        return _matches(self.source, self.where)

    def ramp_factor(self, period_index: pl.Expr) -> pl.Expr:
        return ramp_factor(self.ramp, period_index)

    def ramp_by_period(self, periods: int) -> np.ndarray:
        """r(i) for i = 0 … periods − 1."""
        index = pl.DataFrame({"i": np.arange(max(periods, 1))})
        # with_columns, not select: a rule without a ramp is the literal 1.0 for every i
        ramp = index.with_columns(r=self.ramp_factor(pl.col("i")).cast(pl.Float64))
        return ramp["r"].to_numpy()


@dataclass(frozen=True)
class Fallback:
    """Where a retired channel's remaining contacts go: each target takes its share of
    them, in the order written; the rest (1 − ``accept``) are lost."""

    shares: tuple[tuple[str, float], ...]  # (target, share of the remaining contacts)

    @property
    def accept(self) -> float:
        """The share of the remaining contacts that move; the rest are lost."""
        return sum(share for _, share in self.shares)

    @property
    def targets(self) -> list[str]:
        return [target for target, _ in self.shares]


@dataclass(frozen=True)
class RuleSet:
    channels: tuple[str, ...]  # the catalog, in its order
    offered: frozenset[str]
    rules: tuple[CompiledRule, ...]
    fallbacks: Mapping[str, Fallback]  # retired channels that have one
    file: str | None  # the strategy file, for errors
    # Where each key of the strategy is written, for errors that point at one.
    positions: Mapping[PathKey, Position] = field(default_factory=dict, compare=False, repr=False)
    #: Offered channels with hours and `after_hours: lost`: their own contacts that
    #: arrive while closed and that no rule moves are lost (§11).
    lost_after_hours: frozenset[str] = frozenset()

    @classmethod
    def compile(
        cls, strategy: Strategy, containment_observed: Mapping[str, float] | None = None
    ) -> RuleSet:
        """The rules of ``strategy``; ``containment: observed`` takes each target's
        resolution rate from ``containment_observed``."""
        offered = frozenset(strategy.offered)
        rules = tuple(
            CompiledRule(
                number=number,
                source=rule.from_,
                where=where_of(rule),
                moves=tuple(
                    Move(
                        target,
                        share,
                        containment_of(
                            rule,
                            target,
                            containment_observed,
                            strategy.position(("shifts", number, "containment")),
                        ),
                    )
                    for target, share in rule.to.items()
                ),
                ramp=rule.ramp,
                escalate_to=escalation_target(rule, strategy),
                incentive_cost=rule.incentive_cost,
            )
            for number, rule in enumerate(strategy.shifts)
        )
        fallbacks = {
            channel: Fallback(tuple(fallback.shares.items()))
            for channel, fallback in strategy.fallback.items()
            if channel not in offered
        }
        lost_after_hours = frozenset(
            name
            for name, channel in strategy.channels.items()
            if name in offered and channel.hours is not None and channel.after_hours == "lost"
        )
        return cls(
            tuple(strategy.channels),
            offered,
            rules,
            fallbacks,
            strategy.file,
            strategy.positions,
            lost_after_hours,
        )

    def position(self, path: PathKey) -> Position:
        """Where the strategy writes the value at ``path`` (see ``Strategy.position``)."""
        return written_at(self.positions, path, self.file)

    def rule_index(self, none: int | None = None) -> pl.Expr:
        """The number of the first rule that takes each row (``none`` where no rule does)."""
        return _first_match([(rule.number, rule.matches()) for rule in self.rules], none)

    def require_dimensions(
        self, available: Collection[str], error: Callable[[int, str], InputError]
    ) -> None:
        """Raise ``error(rule number, dimension)`` for a ``where`` on a missing dimension."""
        for rule in self.rules:
            for dimension in rule.where:
                if dimension not in available:
                    raise error(rule.number, dimension)

    def retired(self) -> list[str]:
        """Catalog channels not offered: their remaining contacts fall back or are lost."""
        return [channel for channel in self.channels if channel not in self.offered]

    def sources_reaching(self, targets: Collection[str]) -> list[str]:
        """Channels whose contacts can end up handled on one of ``targets``."""
        wanted = set(targets)
        needed = {name for name in wanted if name in self.offered}
        for rule in self.rules:
            reach = {move.target for move in rule.moves} | {rule.escalate_to}
            if reach & wanted:
                needed.add(rule.source)
        for channel, fallback in self.fallbacks.items():
            if wanted.intersection(fallback.targets):
                needed.add(channel)
        return sorted(needed)


def where_of(rule: Shift) -> dict[str, list[str]]:
    """The dimensions ``rule`` filters on, each with the values it accepts."""
    return rule.where.model_dump(exclude_none=True) if rule.where else {}


def _matches(source: str, where: Mapping[str, Sequence[str]]) -> pl.Expr:
    condition = pl.col("channel") == source
    for dimension, values in where.items():
        condition = condition & pl.col(dimension).is_in(list(values))
    return condition


def _first_match(rules: Sequence[tuple[int, pl.Expr]], none: int | None) -> pl.Expr:
    index: pl.Expr = pl.lit(none, dtype=pl.Int32)
    for number, matches in reversed(rules):
        index = pl.when(matches).then(pl.lit(number, dtype=pl.Int32)).otherwise(index)
    return index


def idle_rules(strategy: Strategy, demand: pl.DataFrame) -> list[tuple[int, str]]:
    """The shift rules that take no contact of ``demand`` (a cube's demand table), each
    with a sentence saying why: a rule that moves nothing saves nothing, and says so
    nowhere else. A rule that does take contacts is listed too when a value of its
    ``where`` differs from the data's only in case or spaces: it surely meant the data's.

    Rules on a dimension ``demand`` lacks are left out: the cube's demand has no
    journey step, its outcomes' demand has (the caller passes that one for them)."""
    wheres = {number: where_of(rule) for number, rule in enumerate(strategy.shifts)}
    checked = [n for n, where in wheres.items() if set(where) <= set(demand.columns)]
    if not checked:
        return []
    rules = [(n, _matches(strategy.shifts[n].from_, wheres[n])) for n in checked]
    cells = demand.filter(pl.col("contacts") > 0)
    taken = set(cells.select(_first_match(rules, -1).unique()).to_series().to_list())
    idle = []
    for number, matches in rules:
        source = strategy.shifts[number].from_
        on_source = cells.filter(pl.col("channel") == source)
        if number in taken:
            near = _where_misses(wheres[number], source, on_source, only_near=True)
            if near:
                idle.append((number, f"takes fewer contacts than meant: {near}"))
            continue
        if not on_source.height:
            why = f"the data has no contacts on {source}"
        elif cells.filter(matches).height:
            why = f"earlier rules take every contact on {source} that it matches"
        else:
            why = _where_misses(wheres[number], source, on_source)
        idle.append((number, f"moves no contacts: {why}"))
    return idle


def unfinished_ramps(strategy: Strategy, periods: list[str]) -> list[tuple[int, str]]:
    """The shift rules whose ramp does not reach its full share within the data's
    ``periods`` (their labels, first to last), each with a sentence saying how far it
    gets: the figures are then of a rule still ramping up, which is easy to miss."""
    unfinished = []
    for number, rule in enumerate(strategy.shifts):
        if rule.ramp is None or rule.ramp.periods <= len(periods):
            continue
        last = pl.lit(len(periods) - 1)
        reached = pl.select(ramp_factor(rule.ramp, last).cast(pl.Float64)).item()
        unfinished.append((
            number,
            f"its ramp of {rule.ramp.periods} periods reaches {reached:.0%} of its shares by "
            f"the data's last period ({periods[-1]}, {len(periods)} of the "
            f"{rule.ramp.periods}): the figures are of a rule still ramping up",
        ))  # fmt: skip
    return unfinished


def _where_misses(
    where: Mapping[str, Sequence[str]],
    source: str,
    on_source: pl.DataFrame,
    only_near: bool = False,
) -> str:
    """Which of ``where``'s values no contact on ``source`` has, naming the data's value
    where one differs only in case or spaces (values match exactly); ``only_near``:
    just those."""
    said = []
    for dimension, values in where.items():
        present = set(on_source.get_column(dimension).unique().to_list())
        missing = [value for value in values if value not in present]
        spellings: dict[str, set[str]] = {}  # the channel's own: another's is no hint
        for value in present:
            spellings.setdefault(str(value).strip().casefold(), set()).add(value)
        # The data's spellings of a missing value that the rule does not list already
        # (a rule listing both 'Balance' and 'balance' misses nothing).
        near_of = {
            value: {s for s in spellings.get(value.strip().casefold(), set()) if s not in values}
            for value in missing
        }
        if only_near:
            missing = [value for value in missing if near_of[value]]
        near = sorted({spelled for value in missing for spelled in near_of[value]})
        if not missing:
            continue
        text = f"no contact on {source} has {dimension} " + ", ".join(map(repr, missing))
        if near:
            text += f" (the data has {', '.join(map(repr, near))}: values match exactly)"
        said.append(text)
    if only_near:
        return "; ".join(said)
    return "; ".join(said) or f"no contact on {source} has all of its values at once"


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


def escalation_target(rule: Shift, strategy: Strategy) -> str | None:
    """Where unresolved contacts of ``rule`` come back (§5): its ``escalate_to``, else its
    source if offered, else the source's fallback target when there is just one (a split
    fallback needs ``escalate_to``, which validation asks for)."""
    if rule.escalate_to is not None:
        return rule.escalate_to
    if rule.from_ in strategy.offered:
        return rule.from_
    fallback = strategy.fallback.get(rule.from_)
    if fallback is None or len(fallback.shares) != 1:
        return None
    return next(iter(fallback.shares))


def containment_of(
    rule: Shift,
    target: str,
    observed: Mapping[str, float] | None,
    written: Position | None = None,
) -> float:
    """The share of ``rule``'s contacts moved to ``target`` that stay resolved there
    (``written``: where the rule's containment is written, for the error)."""
    if rule.containment != "observed":
        return float(rule.containment)
    if observed is None or target not in observed:
        raise InputError(
            f"containment: observed needs the resolution rate of '{target}', "
            "which the data does not show",
            # no contact to measure on the channel: a `resolved` column would not help
            hint=f"the data has no contact on {target} to measure it from: "
            "set containment to a number",
            **(written.location() if written is not None else {}),
        )
    return observed[target]
