"""`cx check`: the guards of several strategies on one cube, for CI (§8).

Each guard result carries the place of the guard in its strategy file (or in the
file it inherits the guard from), so a failed guard can be annotated on the line
that states it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cx.models.result import GuardResult, Result
from cx.models.source import Position
from cx.models.strategy import Strategy
from cx.models.vocabulary import plural


@dataclass(frozen=True)
class CheckedGuard:
    expr: str
    value: float | None
    ok: bool
    position: Position | None = None


@dataclass
class StrategyCheck:
    strategy: str
    file: str | None
    guards: list[CheckedGuard] = field(default_factory=list)
    currency: str | None = None  # the strategy's `currency:` label of its money

    @property
    def ok(self) -> bool:
        return all(guard.ok for guard in self.guards)


@dataclass
class CheckReport:
    results: list[StrategyCheck]
    #: What the guards' figures must be read with (:mod:`cx.caveats`); no failure.
    caveats: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def guards(self) -> list[CheckedGuard]:
        return [guard for result in self.results for guard in result.guards]

    def summary(self) -> str:
        guards = self.guards
        failed = sum(1 for guard in guards if not guard.ok)
        strategies = len(self.results)
        text = (
            f"{strategies} {plural(strategies, 'strategy', 'strategies')}, "
            f"{len(guards)} {plural(len(guards), 'guard')}: "
            f"{len(guards) - failed} passed, {failed} failed"
        )
        unguarded = [result.strategy for result in self.results if not result.guards]
        if unguarded:
            text += f" ({', '.join(unguarded)}: no guards)"
        return text


def check_report(
    results: Sequence[Result], strategies: Sequence[Strategy] = (), caveats: Sequence[str] = ()
) -> CheckReport:
    """Guard results of ``results``, located in ``strategies`` (one per result, or none),
    with the run's ``caveats``.

    Each guard points at where its strategy (or a file it extends) states it; a guard
    set with --set has no line in any file, so it points at the strategy file.
    """
    checks = []
    for index, result in enumerate(results):
        strategy = strategies[index] if index < len(strategies) else None
        checks.append(
            StrategyCheck(
                strategy=result.strategy.name,
                file=result.strategy.file,
                guards=[
                    _checked(guard, strategy.position(("guards", i)) if strategy else None)
                    for i, guard in enumerate(result.guards)
                ],
                currency=result.strategy.currency,
            )
        )
    return CheckReport(results=checks, caveats=list(caveats))


def _checked(guard: GuardResult, position: Position | None) -> CheckedGuard:
    return CheckedGuard(expr=guard.expr, value=guard.value, ok=guard.ok, position=position)
