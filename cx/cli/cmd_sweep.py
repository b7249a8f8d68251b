"""`cx sweep`: one strategy over a range of one value (a what-if curve)."""

from __future__ import annotations

import math
import sys
from typing import Annotated

import typer

from cx.cli.common import OutputFormat, StrategyArgument, emit, handle_errors
from cx.cli.data_options import cube_for, strategies_for
from cx.cli.options import DataArgs, OutputArgs, RunArgs, with_groups
from cx.errors import InputError, UsageError
from cx.models.numbers import parse_number

MAX_STEPS = 1000


def parse_range(text: str) -> tuple[str, list[float]]:
    """``KEY=START:STOP:STEP`` → key and the values from START to STOP inclusive."""
    key, _, spec = text.partition("=")
    parts = spec.split(":")
    hint = "write KEY=START:STOP:STEP, e.g. shifts.0.to.web=0:0.6:0.1"
    if not key or len(parts) != 3:
        raise UsageError(f"cannot read --set-range '{text}'", hint=hint)
    try:
        start, stop, step = (parse_number(part, "") for part in parts)
    except InputError as error:
        raise UsageError(
            f"--set-range '{text}' needs three numbers: {error.message}",
            hint=error.hint or hint,
        ) from None
    if step <= 0 or stop < start:
        raise UsageError(
            f"--set-range '{text}' must count up: START <= STOP and STEP > 0", hint=hint
        )
    # Counted in floats first: 0:1e300:1e-300 has more steps than an int can round from.
    count = (stop - start) / step + 1e-9
    if not math.isfinite(count) or round(count) + 1 > MAX_STEPS:
        shown = f"{round(count) + 1:,}" if math.isfinite(count) else "too many"
        raise UsageError(
            f"--set-range '{text}' has {shown} steps, more than {MAX_STEPS:,}",
            hint="use a larger STEP or a shorter range",
        )
    steps = round(count) + 1
    values = [round(start + i * step, 10) for i in range(steps)]
    as_ints = all(v == int(v) for v in (start, stop, step))
    return key, [int(v) if as_ints else v for v in values]


@handle_errors
@with_groups(source=DataArgs, run=RunArgs, out=OutputArgs)
def sweep(
    strategy: StrategyArgument,
    set_range: Annotated[
        str,
        typer.Option(
            "--set-range",
            help="KEY=START:STOP:STEP, e.g. shifts.0.to.web=0:0.6:0.1.",
            show_default=False,
        ),
    ],
    source: DataArgs,
    run: RunArgs,
    out: OutputArgs,
) -> None:
    """What-if curve: cost, coverage and staffing as one value varies (one scan)."""
    from cx import api
    from cx.render import compare as views
    from cx.render import xlsx
    from cx.render.formats import to_json

    key, values = parse_range(set_range)
    first_step = RunArgs(set_=[*(run.set_ or []), f"{key}={values[0]}"], interval=run.interval)
    cube = cube_for(source, strategies_for([strategy], first_step), out.quiet)
    result = api.sweep(strategy, key, values, cube, overrides=run.set_ or [], interval=run.interval)
    chart = out.output is None and sys.stdout.isatty()
    renderers = {
        OutputFormat.table: lambda s: views.sweep_renderable(s, chart=chart),
        OutputFormat.json: to_json,
        OutputFormat.csv: views.sweep_csv,
        OutputFormat.markdown: views.sweep_markdown,
        OutputFormat.xlsx: xlsx.sweep_xlsx,
    }
    emit(renderers[out.output_format](result), out.output)
