"""`cx compare`: several strategies side by side on one scan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cx.cli.app import app
from cx.cli.common import (
    ColumnsOption,
    DataOption,
    DebugOption,
    EncodingOption,
    MaxRejectOption,
    NoCacheOption,
    OutputFormat,
    OutputOption,
    PeriodOption,
    QuietOption,
    RejectsOption,
    SetOption,
    emit,
    handle_errors,
)
from cx.cli.data_options import check_interval, load_strategies_and_cube
from cx.errors import EXIT_FINDINGS


@app.command()
@handle_errors
def compare(
    strategies: Annotated[
        list[Path], typer.Argument(help="Strategy files (YAML).", show_default=False)
    ],
    data: DataOption,
    columns: ColumnsOption = None,
    period: PeriodOption = None,
    set_: SetOption = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    output: OutputOption = None,
    interval: Annotated[
        int | None, typer.Option("--interval", help="Staffing interval: 15, 30 or 60 minutes.")
    ] = None,
    rejects: RejectsOption = None,
    max_reject_rate: MaxRejectOption = 0.01,
    encoding: EncodingOption = "utf8",
    no_cache: NoCacheOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Compare strategies side by side (the data is scanned once)."""
    from cx import api
    from cx.render import compare as views
    from cx.render.formats import to_json

    check_interval(interval)
    loaded, cube = load_strategies_and_cube(
        strategies, set_, data, columns, period, max_reject_rate, encoding, rejects, quiet, no_cache
    )
    comparison = api.compare(loaded, cube, interval=interval)
    renderers = {
        OutputFormat.table: views.comparison_renderable,
        OutputFormat.json: to_json,
        OutputFormat.csv: views.comparison_csv,
        OutputFormat.markdown: views.comparison_markdown,
    }
    emit(renderers[output_format](comparison), output)
    if not all(result.guards_ok for result in comparison.results):
        raise typer.Exit(EXIT_FINDINGS)
