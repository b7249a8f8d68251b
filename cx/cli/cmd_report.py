"""`cx report`: one self-contained HTML page comparing strategies with today."""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from cx.cli.common import (
    DebugOption,
    QuietOption,
    StrategiesArgument,
    check_fixed_text_output,
    emit,
    handle_errors,
    note,
)
from cx.cli.data_options import (
    chosen_settings,
    cube_for,
    journey_window_for,
    samples_for,
    say_caveats,
    strategies_for,
)
from cx.cli.options import DataArgs, DrawSeedOption, RunArgs, SamplesOption, with_groups
from cx.cli.ranges import RANGE_METAVAR, at_first_point, parse_ranges, points_of, sweep_of
from cx.errors import UsageError
from cx.io import is_stdout
from cx.models.numbers import MAX_GRID_POINTS


@handle_errors
@with_groups(source=DataArgs, run=RunArgs)
def report(
    strategies: StrategiesArgument,
    source: DataArgs,
    run: RunArgs,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="HTML file to write (atomically); default stdout."),
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Page title.", show_default=False)
    ] = None,
    seed: DrawSeedOption = 0,
    samples: SamplesOption = None,
    set_range: Annotated[
        list[str] | None,
        typer.Option(
            "--set-range",
            metavar=RANGE_METAVAR,
            help="KEY=START:STOP:STEP: add the first strategy's cost against today over "
            "these values (a line); twice, over every pair of two keys' values (a heat "
            f"map of at most {MAX_GRID_POINTS} points).",
            show_default=False,
        ),
    ] = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Write an HTML report: totals, trends, channels, dilution, staffing heat map, guards."""
    from cx import api
    from cx.cli.progress import terminal_progress
    from cx.data.fine import is_cube_file
    from cx.data.journeys import carries_outcomes
    from cx.loader.mapping import load_mapping
    from cx.report import CHART_LIBRARY, build_report, require_chart_library

    to_stdout = output is None or is_stdout(output)
    if to_stdout and sys.stdout.isatty():
        raise UsageError("the report is HTML: give -o FILE (or redirect stdout)")
    check_fixed_text_output(output, "cx report writes HTML", ".html")
    require_chart_library()
    _import_in_background(CHART_LIBRARY)
    ranges = parse_ranges(set_range or [], run.set_)
    # The first strategy at the sweep's first point: its keys are checked before any
    # data is read, and the scan reads what it needs too.
    swept = at_first_point(strategies[:1], run.set_, run.interval, ranges) if ranges else []
    loaded = strategies_for(strategies, run)
    draws = samples_for(loaded, samples)
    # The report shows journeys and outcomes beside cost (§10) wherever the data has
    # them: an export always, a cube file when `cx cube --outcomes` built it.
    from_cube = is_cube_file(source.data)
    outcomes = not from_cube or carries_outcomes(source.data)
    source = replace(source, outcomes=outcomes)
    # An export's journeys come with the data profile: one read and sort of its rows.
    cube = cube_for(source, [*loaded, *swept], quiet, journeys=from_cube, keep_rows=not from_cube)
    progress = terminal_progress(quiet)
    profile = None
    if from_cube:
        note(
            "a cube file holds no single contacts: the report has no data profile"
            + ("" if outcomes else " and no journeys (build it with `cx cube --outcomes`)"),
            quiet,
        )
    else:
        profile = api.inspect_interactions(
            cube,
            load_mapping(source.columns),
            encoding=source.encoding,
            progress=progress,
            journey_window=journey_window_for(source, [*loaded, *swept]),
        )
    # What the page's Caveats list, in their words and order.
    say_caveats(source, loaded, cube, quiet, profile)
    sweep = None
    if ranges:
        with progress.step(f"{points_of(ranges):,} evaluations of {loaded[0].name}"):
            sweep = sweep_of(loaded[0], ranges, cube, [], run.interval)
    page = build_report(
        loaded,
        cube,
        interval=run.interval,
        title=title,
        profile=profile,
        progress=progress,
        samples=draws,
        seed=seed,
        sweep=sweep,
        rejects=source.rejects,
        chosen=chosen_settings(source),
    )
    emit(page, output)
    if not to_stdout:
        note(f"wrote the report to {output} ({len(page.encode()) / 1e6:.1f} MB)", quiet)


def _import_in_background(module: str) -> None:
    """Import ``module`` on a thread of its own while the data is read: the import is
    Python the scan's threads leave room for (they run without the GIL). A failure is
    left to the import that needs the module, which reports it."""

    def load() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module(module)

    threading.Thread(target=load, name="cx-import", daemon=True).start()
