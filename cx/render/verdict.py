"""The verdict: what a strategy does, in one sentence, as the report and the tables
both say it ("digital-first costs 21,340 (3.1%) less than today, serves 97.6% of
today's contacts (710 lost, most from branch) and 159 come back as repeats.")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cx.models.result import Result, TotalBands, Totals
from cx.models.vocabulary import plural
from cx.render.numbers import money, percent, small_share, whole


@dataclass(frozen=True)
class Verdict:
    """A strategy's verdict: its name, the sentence that follows the name, the guards."""

    name: str
    sentence: str  # "costs ... and ..." without the name and the final full stop
    guards: int
    failing: list[str]

    def guard_text(self) -> str:
        if not self.guards:
            return ""
        if self.failing:
            return f"{guards_fail(len(self.failing), self.guards)}: " + ", ".join(
                self.failing
            ) + "."
        return f"{guards_pass(self.guards)}."

    def text(self) -> str:
        """The whole verdict as one line of plain text."""
        guards = self.guard_text()
        return f"{self.name} {self.sentence}." + (f" {guards}" if guards else "")


def verdict(result: Result) -> Verdict:
    """What ``result``'s strategy saves, whom it loses, whether its guards hold."""
    t = result.totals
    if t.baseline_cost:
        cost = against_today(t)
        if t.bands is not None:
            cost += f" ({_in_draws(t.bands)})"
    else:
        cost = f"costs {money(t.cost)}"
        if t.bands is not None:  # today costs nothing as written, but not at the draws
            cost += f" (against today: {_in_draws(t.bands)})"
    parts = [cost]
    if t.lost > 0.5 or percent(t.coverage) != percent(1.0):
        # under one contact lost is still a coverage a small file writes as 95.7%:
        # never "serves every contact" beside it
        worst = max(result.channels, key=lambda c: c.lost)
        whence = "from" if round(t.lost) <= 1 else "most from"
        lost = whole(t.lost) if t.lost > 0.5 else "under 1"
        parts.append(
            f"serves {percent(t.coverage)} of today's contacts ({lost} lost, "
            f"{whence} {worst.channel})"
        )
    else:
        parts.append("serves every contact")
    if t.repeats > 0.5:
        repeat = plural(round(t.repeats), "comes back as a repeat", "come back as repeats")
        parts.append(f"{whole(t.repeats)} {repeat}")
    sentence = ", ".join(parts[:-1]) + " and " + parts[-1]
    return Verdict(
        name=result.strategy.name,
        sentence=sentence,
        guards=len(result.guards),
        failing=[g.expr for g in result.guards if not g.ok],
    )


def cost_change(totals: Totals) -> Literal["less", "same", "more"]:
    """Whether a strategy costs less than today, the same or more, as its cost against
    today is written: a difference written ``0.00`` is the same, whatever digits lie
    beyond; one written ``0.40`` is not. The verdict and the report's what-if both say
    it so, and never one "the same" where the other says "more"."""
    if _written_as_nothing(totals.cost_delta, money):
        return "same"
    return "less" if totals.cost_delta < 0 else "more"


def against_today(totals: Totals) -> str:
    """``costs 21,340 (3.1%) less than today``, or ``costs the same as today`` (see
    :func:`cost_change`); the share of today's cost where today costs anything."""
    change = cost_change(totals)
    if change == "same":
        return "costs the same as today"
    delta, base = totals.cost_delta, totals.baseline_cost
    share = f" ({small_share(abs(delta) / base)})" if base else ""
    return f"costs {money(abs(delta))}{share} {change} than today"


def guards_pass(count: int) -> str:
    """``All 3 guards pass``; ``The guard passes`` for one, ``Both guards pass`` for two."""
    if count <= 2:
        return "The guard passes" if count == 1 else "Both guards pass"
    return f"All {count} guards pass"


def guards_fail(failing: int, count: int) -> str:
    """``2 of 3 guards fail``; ``The guard fails`` for one, ``Both guards fail`` when
    both of two do."""
    if count == 1:
        return "The guard fails"
    return "Both guards fail" if failing == count == 2 else f"{failing} of {count} guards fail"


def _in_draws(bands: TotalBands) -> str:
    """``less in 91 of 100 draws; between 2.0% and 14.0% less in 90 of them``: how
    often the strategy saves, and what 90 draws in 100 cost against today (§12), each
    draw as a share of today's cost at that draw (``cost_delta_pct``); with fewer than
    100 draws, the draws as counted and their 5th to 95th percentile; a band whose ends
    are written the same, as its one figure (``3.7% less in 90 of them``). Where today costs
    nothing at some draw, that draw has no share: the band is said in money. A strategy
    that costs what today does at its draws (a follow strategy with uncertain handle
    times) is said to: its draws that do not save do not cost more."""
    saving, out_of = bands.saving_in()
    dearer, _ = bands.costing_more_in()
    noun = plural(out_of, "draw")
    spread_of = bands.cost_delta_pct or bands.cost_delta
    said: Callable[[float], str] = percent if bands.cost_delta_pct is not None else money
    low, high = spread_of.p5, spread_of.p95
    if _written_as_nothing(low, said) and _written_as_nothing(high, said):
        if bands.draws >= 100:
            return "the same in 90 of 100 draws"
        if bands.draws == 1:
            return "the same in 1 of 1 draw"
        return f"the same from the 5th to the 95th percentile of {out_of} draws"
    # Draws that cost what today does neither save nor cost more.
    often = f"less in {saving} of {out_of} {noun}" if saving >= dearer else (
        f"more in {dearer} of {out_of} {noun}"
    )

    def side(value: float) -> str:
        # An end at today's cost ("0.0%") is on the side of the other end.
        if value == 0:
            value = low + high
        return "less" if value < 0 else "more"

    if bands.draws == 1:
        return f"{often}: {said(abs(low))} {side(low)}"
    if side(low) == side(high):
        least, most = sorted((abs(low), abs(high)))
        # Ends written the same are one figure: never "between 3.7% and 3.7% less".
        spread = f"{said(least)} {side(low)}" if said(least) == said(most) else (
            f"between {said(least)} and {said(most)} {side(low)}"
        )
    else:
        spread = f"between {said(abs(low))} less and {said(abs(high))} more"
    share = "in 90 of them" if bands.draws >= 100 else "from their 5th to 95th percentile"
    return f"{often}; {spread} {share}"


def _written_as_nothing(value: float, said: Callable[[float], str]) -> bool:
    """Whether ``value`` is written as no change at all (``0.00``, ``0.0%``): a saving
    of 0.40 is written, and is no "same as today"."""
    return said(abs(value)) == said(0.0)
