"""`cx check`: guards only, for CI — one scan, every strategy, a pass/fail list."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cx.cli.common import (
    DebugOption,
    OutputOption,
    QuietOption,
    StrategiesArgument,
    emit,
    handle_errors,
    note,
)
from cx.cli.data_options import cube_for, say_caveats, strategies_for
from cx.cli.options import DataArgs, RunArgs, with_groups
from cx.errors import EXIT_FINDINGS, StrategyError


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    junit = "junit"


@handle_errors
@with_groups(source=DataArgs, run=RunArgs)
def check(
    strategies: StrategiesArgument,
    source: DataArgs,
    run: RunArgs,
    output_format: Annotated[
        CheckFormat,
        typer.Option("--format", "-f", help="text, json, github (annotations) or junit."),
    ] = CheckFormat.text,
    output: OutputOption = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Evaluate the guards of strategies on interaction data (exit 1 if any fails)."""
    from cx import api
    from cx.check import check_report
    from cx.render.check import render_check

    _report_invalid(strategies, run.set_ or [], output_format, output)
    loaded = strategies_for(strategies, run)
    cube = cube_for(source, loaded, quiet)  # one scan for every strategy, as compared
    caveats = say_caveats(source, loaded, cube, quiet)
    results = [api.simulate(strategy, cube, interval=run.interval) for strategy in loaded]
    report = check_report(results, loaded, caveats)
    emit(render_check(report, output_format), output)
    if output_format != CheckFormat.text:
        note(report.summary(), quiet)
    if not report.ok:
        raise typer.Exit(EXIT_FINDINGS)


def _report_invalid(
    paths: list[Path], overrides: list[str], output_format: CheckFormat, output: Path | None
) -> None:
    """Every invalid strategy file at once (exit 2), as annotations too with github."""
    from cx import api
    from cx.render.validation import github_annotation

    findings = []
    for path in paths:
        try:
            api.load_strategy(path, overrides)
        except StrategyError as error:
            findings.extend(error.findings)
    if not findings:
        return
    if output_format == CheckFormat.github:
        emit("".join(github_annotation(f, "cx check") + "\n" for f in findings), output)
    raise StrategyError(findings)
