"""`cx sweep`: one strategy over a range of one value (a what-if curve)."""

from __future__ import annotations

import sys
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
from cx.errors import UsageError

MAX_STEPS = 1000


def parse_range(text: str) -> tuple[str, list[float]]:
    """``KEY=START:STOP:STEP`` → key and the values from START to STOP inclusive."""
    key, _, spec = text.partition("=")
    parts = spec.split(":")
    hint = "write KEY=START:STOP:STEP, e.g. shifts.0.to.web=0:0.6:0.1"
    if not key or len(parts) != 3:
        raise UsageError(f"cannot read --set-range '{text}'", hint=hint)
    try:
        start, stop, step = (float(part) for part in parts)
    except ValueError:
        raise UsageError(f"--set-range '{text}' needs three numbers", hint=hint) from None
    if step <= 0 or stop < start:
        raise UsageError(
            f"--set-range '{text}' must count up: START <= STOP and STEP > 0", hint=hint
        )
    steps = round((stop - start) / step + 1e-9) + 1
    if steps > MAX_STEPS:
        raise UsageError(f"--set-range '{text}' has {steps:,} steps, more than {MAX_STEPS:,}")
    values = [round(start + i * step, 10) for i in range(steps)]
    as_ints = all(v == int(v) for v in (start, stop, step))
    return key, [int(v) if as_ints else v for v in values]


@app.command()
@handle_errors
def sweep(
    strategy: Annotated[Path, typer.Argument(help="Strategy file (YAML).", show_default=False)],
    set_range: Annotated[
        str,
        typer.Option(
            "--set-range",
            help="KEY=START:STOP:STEP, e.g. shifts.0.to.web=0:0.6:0.1.",
            show_default=False,
        ),
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
    """What-if curve: cost, coverage and staffing as one value varies (one scan)."""
    from cx import api
    from cx.render import compare as views
    from cx.render.formats import to_json

    check_interval(interval)
    key, values = parse_range(set_range)
    _, cube = load_strategies_and_cube(  # validates the first step before the scan
        [strategy],
        [*(set_ or []), f"{key}={values[0]}"],
        data,
        columns,
        period,
        max_reject_rate,
        encoding,
        rejects,
        quiet,
        no_cache,
    )
    result = api.sweep(strategy, key, values, cube, overrides=set_ or [], interval=interval)
    chart = output is None and sys.stdout.isatty()
    renderers = {
        OutputFormat.table: lambda s: views.sweep_renderable(s, chart=chart),
        OutputFormat.json: to_json,
        OutputFormat.csv: views.sweep_csv,
        OutputFormat.markdown: views.sweep_markdown,
    }
    emit(renderers[output_format](result), output)
