"""`cx sweep`: one strategy over a range of one value (a what-if curve) or of two (a grid)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from cx.cli.common import OutputFormat, StrategyArgument, emit, handle_errors
from cx.cli.data_options import cube_for, say_caveats
from cx.cli.options import DataArgs, OutputArgs, RunArgs, with_groups
from cx.cli.ranges import RANGE_METAVAR, at_first_point, parse_ranges, sweep_of
from cx.errors import UsageError
from cx.models.numbers import MAX_GRID_POINTS
from cx.models.vocabulary import one_of


@handle_errors
@with_groups(source=DataArgs, run=RunArgs, out=OutputArgs)
def sweep(
    strategy: StrategyArgument,
    set_range: Annotated[
        list[str],
        typer.Option(
            "--set-range",
            metavar=RANGE_METAVAR,
            help="KEY=START:STOP:STEP, e.g. shifts.0.to.web=0:0.6:0.1; twice for a grid "
            f"of two keys (at most {MAX_GRID_POINTS} points).",
            show_default=False,
        ),
    ],
    source: DataArgs,
    run: RunArgs,
    out: OutputArgs,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help="The figure of a grid's table: cost_delta (default), cost, coverage or "
            "agent_hours.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """What-if curve: cost, coverage and staffing as one value varies, or one figure over
    a grid of two values (one scan)."""
    from cx.loader.strategy import StrategyFile
    from cx.models.result import SweepGrid
    from cx.render import compare as views
    from cx.render import xlsx
    from cx.render.formats import to_json

    ranges = parse_ranges(set_range, run.set_)
    if metric is not None and len(ranges) == 1:
        raise UsageError(
            "--metric picks the figure of a grid of two keys",
            hint="one key shows every figure; give --set-range twice for a grid",
        )
    metric = metric or views.GRID_METRICS[0]
    if metric not in views.GRID_METRICS:
        raise UsageError(f"unknown --metric '{metric}'", hint=f"use {one_of(views.GRID_METRICS)}")
    # Read once: the first point (which the data is read for) and every other point
    # come from one version of the file, even when it is edited during a long sweep.
    read = StrategyFile.read(strategy)
    first = at_first_point([read], run.set_, run.interval, ranges)
    cube = cube_for(source, first, out.quiet)
    caveats = say_caveats(source, first, cube, out.quiet)  # those of the first point
    result = sweep_of(read, ranges, cube, run.set_ or [], run.interval)
    if isinstance(result, SweepGrid):
        chosen = metric
        renderers: dict[OutputFormat, Callable[[Any], object]] = {
            OutputFormat.table: lambda g: views.grid_renderable(g, chosen),
            OutputFormat.csv: views.grid_csv,
            OutputFormat.markdown: lambda g: views.grid_markdown(g, chosen),
        }
    else:
        chart = out.output is None and sys.stdout.isatty()
        renderers = {
            OutputFormat.table: lambda s: views.sweep_renderable(s, chart=chart),
            OutputFormat.csv: views.sweep_csv,
            OutputFormat.markdown: views.sweep_markdown,
        }
    renderers.update(
        {
            OutputFormat.json: lambda s: to_json(s, caveats),
            OutputFormat.xlsx: xlsx.sweep_xlsx,
        }
    )
    emit(renderers[out.output_format](result), out.output)
