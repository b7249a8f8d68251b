"""`cx sensitivity`: which uncertain assumption moves a figure most (a tornado)."""

from __future__ import annotations

from typing import Annotated

import typer

from cx.cli.common import OutputFormat, StrategyArgument, emit, handle_errors
from cx.cli.data_options import cube_for, say_caveats, strategies_for
from cx.cli.options import DataArgs, OutputArgs, RunArgs, with_groups


@handle_errors
@with_groups(source=DataArgs, run=RunArgs, out=OutputArgs)
def sensitivity(
    strategy: StrategyArgument,
    source: DataArgs,
    run: RunArgs,
    out: OutputArgs,
    metric: Annotated[
        str,
        typer.Option(
            "--metric", help="The figure to swing: cost_delta, cost, coverage or agent_hours."
        ),
    ] = "cost_delta",
) -> None:
    """Tornado: each `uncertainty:` key alone at its low and high, ranked by the swing."""
    from cx import api
    from cx.render import tornado, xlsx
    from cx.render.formats import to_json

    [loaded] = strategies_for([strategy], run)
    cube = cube_for(source, [loaded], out.quiet)
    caveats = say_caveats(source, [loaded], cube, out.quiet)
    result = api.sensitivity(loaded, cube, metric=metric, interval=run.interval)
    renderers = {
        OutputFormat.table: lambda: tornado.Tornado(result),
        OutputFormat.json: lambda: to_json(result.model_dump(mode="json"), caveats),
        OutputFormat.csv: lambda: tornado.tornado_csv(result),
        OutputFormat.markdown: lambda: tornado.tornado_markdown(result),
        OutputFormat.xlsx: lambda: xlsx.sensitivity_xlsx(result),
    }
    emit(renderers[out.output_format](), out.output)
