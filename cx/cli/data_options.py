"""Loading data for commands that read interactions (shared by simulate, compare...)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cx.cli.common import note
from cx.cli.options import DataArgs, RunArgs
from cx.errors import UsageError

if TYPE_CHECKING:
    from cx.data.cube import Cube
    from cx.models.strategy import Strategy


def parse_agents(values: list[str] | None) -> dict[str, int]:
    agents: dict[str, int] = {}
    for value in values or []:
        name, _, number = value.partition("=")
        if not name or not number.strip().isdigit():
            raise UsageError(
                f"cannot read --agents '{value}'", hint="write CHANNEL=N, e.g. --agents phone=12"
            )
        agents[name.strip()] = int(number)
    return agents


def load_cube(
    data: Path,
    columns: Path | None,
    period: str,
    max_reject_rate: float,
    encoding: str,
    rejects: Path | None,
    quiet: bool,
    no_cache: bool = False,
) -> Cube:
    from cx import api

    cube = api.load_interactions(
        data,
        columns=columns,
        period=period,
        max_reject_rate=max_reject_rate,
        encoding=encoding,
        rejects=rejects,
        cache=not no_cache,
    )
    meta = cube.meta
    if meta.rows_rejected:
        first = meta.rejects_sample.row(0, named=True)
        note(
            f"{data}: {meta.rows_rejected:,} of {meta.rows_read:,} rows rejected "
            f"({meta.rows_rejected / meta.rows_read:.2%}); first at line {first['line']}: "
            f"{first['reject_reason']}"
            + (f"; all written to {rejects}" if rejects else "; --rejects FILE lists them all"),
            quiet,
        )
    return cube


def check_period(period: str | None) -> str | None:
    if period is not None and period not in ("week", "month", "quarter"):
        raise UsageError(f"unknown --period '{period}'", hint="use week, month or quarter")
    return period


def load_strategies_and_cube(
    paths: list[Path],
    overrides: list[str] | None,
    data: Path,
    columns: Path | None,
    period: str | None,
    max_reject_rate: float,
    encoding: str,
    rejects: Path | None,
    quiet: bool,
    no_cache: bool = False,
) -> tuple[list[Strategy], Cube]:
    """Load every strategy first (cheap, fails fast), then scan the data once."""
    from cx import api

    strategies = [api.load_strategy(path, overrides or []) for path in paths]
    chosen = check_period(period) or strategies[0].period
    differing = sorted({s.name for s in strategies if s.period != chosen})
    if differing and period is None:
        note(
            f"all strategies are evaluated per {chosen} (from the first): {', '.join(differing)}"
            " set another period; use --period to choose",
            quiet,
        )
    cube = load_cube(data, columns, chosen, max_reject_rate, encoding, rejects, quiet, no_cache)
    return strategies, cube


def strategies_for(paths: list[Path], run: RunArgs) -> list[Strategy]:
    """Load every strategy (cheap, fails fast) before any data is scanned."""
    from cx import api

    check_interval(run.interval)
    return [api.load_strategy(path, run.set_ or []) for path in paths]


def cube_for(source: DataArgs, strategies: list[Strategy], quiet: bool) -> Cube:
    """Scan the data once, per --period or else the first strategy's period."""
    chosen = check_period(source.period) or (strategies[0].period if strategies else "month")
    differing = sorted({s.name for s in strategies if s.period != chosen})
    if differing and source.period is None:
        note(
            f"every strategy is evaluated per {chosen} (the first one's period); "
            f"{', '.join(differing)} set another (use --period to choose)",
            quiet,
        )
    return load_cube(
        source.data,
        source.columns,
        chosen,
        source.max_reject_rate,
        source.encoding,
        source.rejects,
        quiet,
        source.no_cache,
    )


def check_interval(interval: int | None) -> int | None:
    if interval is not None and interval not in (15, 30, 60):
        raise UsageError(f"--interval {interval} is not 15, 30 or 60 minutes")
    return interval
