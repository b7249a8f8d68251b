"""`cx compare`: several strategies side by side on one scan."""

from __future__ import annotations

import typer

from cx.cli.common import OutputFormat, StrategiesArgument, emit, handle_errors
from cx.cli.data_options import (
    cube_for,
    samples_for,
    say_caveats,
    strategies_for,
)
from cx.cli.options import DataArgs, DrawSeedOption, OutputArgs, RunArgs, SamplesOption, with_groups
from cx.errors import EXIT_FINDINGS


@handle_errors
@with_groups(source=DataArgs, run=RunArgs, out=OutputArgs)
def compare(
    strategies: StrategiesArgument,
    source: DataArgs,
    run: RunArgs,
    out: OutputArgs,
    seed: DrawSeedOption = 0,
    samples: SamplesOption = None,
) -> None:
    """Compare strategies side by side (the data is scanned once)."""
    from cx import api
    from cx.cli.progress import terminal_progress
    from cx.models.result import Comparison
    from cx.render import compare as views
    from cx.render import xlsx
    from cx.render.formats import to_json
    from cx.render.views import SimulationView

    loaded = strategies_for(strategies, run)
    draws = samples_for(loaded, samples)
    cube = cube_for(source, loaded, out.quiet)
    caveats = say_caveats(source, loaded, cube, out.quiet)
    evaluations = api.evaluate_all(
        loaded,
        cube,
        interval=run.interval,
        samples=draws,
        seed=seed,
        progress=terminal_progress(out.quiet),
    )
    comparison = Comparison(results=[evaluation.result for evaluation in evaluations])
    shown = [SimulationView.of(evaluation) for evaluation in evaluations]
    renderers = {
        OutputFormat.table: lambda: views.comparison_renderable(shown),
        OutputFormat.json: lambda: to_json(comparison, caveats),
        OutputFormat.csv: lambda: views.comparison_csv(comparison),
        OutputFormat.markdown: lambda: views.comparison_markdown(shown),
        OutputFormat.xlsx: lambda: xlsx.comparison_xlsx(shown),
    }
    emit(renderers[out.output_format](), out.output)
    if not all(result.guards_ok for result in comparison.results):
        raise typer.Exit(EXIT_FINDINGS)
