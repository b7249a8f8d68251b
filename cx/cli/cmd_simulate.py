"""`cx simulate`: replay one strategy."""

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
from cx.cli.data_options import check_interval, check_period, load_cube, parse_agents
from cx.errors import EXIT_FINDINGS


@app.command()
@handle_errors
def simulate(
    strategy: Annotated[Path, typer.Argument(help="Strategy file (YAML).", show_default=False)],
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
    agents: Annotated[
        list[str] | None,
        typer.Option("--agents", help="Fix a live channel's agents per interval: CHANNEL=N."),
    ] = None,
    rejects: RejectsOption = None,
    max_reject_rate: MaxRejectOption = 0.01,
    encoding: EncodingOption = "utf8",
    no_cache: NoCacheOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Replay one strategy on interaction history: cost, coverage, dilution."""
    from cx import api
    from cx.render import formats, views

    check_interval(interval)
    loaded = api.load_strategy(strategy, set_ or [])
    cube = load_cube(
        data,
        columns,
        check_period(period) or loaded.period,
        max_reject_rate,
        encoding,
        rejects,
        quiet,
        no_cache,
    )
    result = api.simulate(loaded, cube, interval=interval, agents=parse_agents(agents))
    renderers = {
        OutputFormat.table: views.result_renderable,
        OutputFormat.json: formats.to_json,
        OutputFormat.csv: formats.result_csv,
        OutputFormat.markdown: views.result_markdown,
    }
    emit(renderers[output_format](result), output)
    if not result.guards_ok:
        raise typer.Exit(EXIT_FINDINGS)
