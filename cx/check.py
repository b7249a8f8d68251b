"""`cx check`: the guards of several strategies on one cube, for CI (§8).

Each guard result carries the place of the guard in its strategy file (or in the
file it inherits the guard from), so a failed guard can be annotated on the line
that states it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cx.loader.strategy import apply_override, load_located
from cx.loader.yamlsafe import Position
from cx.models.result import GuardResult, Result


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

    @property
    def ok(self) -> bool:
        return all(guard.ok for guard in self.guards)


@dataclass
class CheckReport:
    results: list[StrategyCheck]

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
            f"{strategies} {'strategy' if strategies == 1 else 'strategies'}, "
            f"{len(guards)} guard{'' if len(guards) == 1 else 's'}: "
            f"{len(guards) - failed} passed, {failed} failed"
        )
        unguarded = [result.strategy for result in self.results if not result.guards]
        if unguarded:
            text += f" ({', '.join(unguarded)}: no guards)"
        return text


def guard_positions(path: str | Path, overrides: Iterable[str] = ()) -> list[Position]:
    """Where each guard of the (merged, overridden) strategy file is written."""
    located = load_located(path)
    for assignment in overrides:
        apply_override(located, assignment)
    guards = located.data.get("guards") if isinstance(located.data, dict) else None
    count = len(guards) if isinstance(guards, list) else 0
    positions = [located.position(("guards", index)) for index in range(count)]
    # A guard set with --set has no line in any file: point at the strategy file.
    return [p if p.line is not None else Position(str(path)) for p in positions]


def check_report(
    results: Sequence[Result],
    paths: Sequence[str | Path | None] = (),
    overrides: Iterable[str] = (),
) -> CheckReport:
    """Guard results of ``results``, located in ``paths`` (one per result, or none)."""
    assignments = list(overrides)
    checks = []
    for index, result in enumerate(results):
        path = paths[index] if index < len(paths) else None
        positions = guard_positions(path, assignments) if path is not None else []
        checks.append(
            StrategyCheck(
                strategy=result.strategy.name,
                file=result.strategy.file,
                guards=[
                    _checked(guard, positions[i] if i < len(positions) else None)
                    for i, guard in enumerate(result.guards)
                ],
            )
        )
    return CheckReport(results=checks)


def _checked(guard: GuardResult, position: Position | None) -> CheckedGuard:
    return CheckedGuard(expr=guard.expr, value=guard.value, ok=guard.ok, position=position)
