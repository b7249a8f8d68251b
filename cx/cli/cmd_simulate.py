"""`cx simulate`: replay one strategy."""

from __future__ import annotations

from typing import Annotated

import typer

from cx.cli.common import OutputFormat, StrategyArgument, emit, handle_errors
from cx.cli.data_options import (
    cube_for,
    parse_agents,
    samples_for,
    say_caveats,
    strategies_for,
)
from cx.cli.options import DataArgs, OutputArgs, RunArgs, SamplesOption, SeedOption, with_groups
from cx.errors import EXIT_FINDINGS, UsageError


@handle_errors
@with_groups(source=DataArgs, run=RunArgs, out=OutputArgs)
def simulate(
    strategy: StrategyArgument,
    source: DataArgs,
    run: RunArgs,
    out: OutputArgs,
    agents: Annotated[
        list[str] | None,
        typer.Option(
            "--agents",
            metavar="<CHANNEL=N>",
            help="Fix a live channel's agents per interval: CHANNEL=N.",
        ),
    ] = None,
    replay: Annotated[
        bool,
        typer.Option(
            "--replay",
            help="Replay the staffing plan on the real contacts: does it hold?",
        ),
    ] = False,
    seed: SeedOption = 0,
    samples: SamplesOption = None,
    fit: Annotated[
        bool,
        typer.Option(
            "--fit", help="With --replay: the smallest agents per interval that hold in replay."
        ),
    ] = False,
) -> None:
    """Replay one strategy on interaction history: cost, coverage, dilution."""
    from cx import api
    from cx.cli.progress import terminal_progress
    from cx.render import formats, views, xlsx

    if fit and not replay:
        raise UsageError("--fit needs --replay", hint="add --replay")
    [loaded] = strategies_for([strategy], run)
    draws = samples_for([loaded], samples)
    fixed = parse_agents(agents)

    cube = cube_for(source, [loaded], out.quiet, keep_rows=replay)  # one read for both
    caveats = say_caveats(source, [loaded], cube, out.quiet)
    evaluation = api.evaluate(
        loaded,
        cube,
        interval=run.interval,
        agents=fixed,
        replay=replay,
        seed=seed,
        fit=fit,
        columns=source.columns,
        encoding=source.encoding,
        progress=terminal_progress(out.quiet),
        samples=draws,
    )
    result, view = evaluation.result, views.SimulationView.of(evaluation)
    renderers = {
        OutputFormat.table: lambda: views.result_renderable(view),
        OutputFormat.json: lambda: formats.to_json(result, caveats),
        OutputFormat.csv: lambda: formats.result_csv(result),
        OutputFormat.markdown: lambda: views.result_markdown(view),
        OutputFormat.xlsx: lambda: xlsx.result_xlsx(view),
    }
    emit(renderers[out.output_format](), out.output)
    if not result.guards_ok:
        raise typer.Exit(EXIT_FINDINGS)
