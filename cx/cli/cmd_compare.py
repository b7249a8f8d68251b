"""`cx compare`: several strategies side by side on one scan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cx.cli.common import OutputFormat, emit, handle_errors
from cx.cli.data_options import evaluate_cached, strategies_for
from cx.cli.options import DataArgs, OutputArgs, RunArgs, with_groups
from cx.errors import EXIT_FINDINGS

if TYPE_CHECKING:
    from cx.data.cube import Cube
    from cx.models.result import Result
    from cx.models.strategy import Strategy


@handle_errors
@with_groups(source=DataArgs, run=RunArgs, out=OutputArgs)
def compare(
    strategies: Annotated[
        list[Path], typer.Argument(help="Strategy files (YAML).", show_default=False)
    ],
    source: DataArgs,
    run: RunArgs,
    out: OutputArgs,
) -> None:
    """Compare strategies side by side (the data is scanned once)."""
    from cx.models.result import Comparison
    from cx.render import compare as views
    from cx.render.formats import to_json

    loaded = strategies_for(strategies, run)
    results = evaluate_cached(
        source,
        loaded,
        run,
        out.quiet,
        lambda cube: _compare(loaded, cube, run.interval),
    )
    comparison = Comparison(results=results)
    renderers = {
        OutputFormat.table: views.comparison_renderable,
        OutputFormat.json: to_json,
        OutputFormat.csv: views.comparison_csv,
        OutputFormat.markdown: views.comparison_markdown,
    }
    emit(renderers[out.output_format](comparison), out.output)
    if not all(result.guards_ok for result in comparison.results):
        raise typer.Exit(EXIT_FINDINGS)


def _compare(strategies: list[Strategy], cube: Cube, interval: int | None) -> list[Result]:
    from cx import api  # here, so a cached rerun never imports the scan's libraries

    return api.compare(strategies, cube, interval=interval).results
