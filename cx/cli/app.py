"""The `cx` command line: parse arguments, call the library, render. Nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cx._version import __version__
from cx.cli.common import (
    ColumnsOption,
    DataOption,
    DebugOption,
    EncodingOption,
    MaxRejectOption,
    OutputFormat,
    OutputOption,
    PeriodOption,
    QuietOption,
    RejectsOption,
    SetOption,
    emit,
    handle_errors,
    note,
)
from cx.errors import EXIT_FINDINGS, UsageError

if TYPE_CHECKING:
    from cx.data.cube import Cube

app = typer.Typer(
    name="cx",
    help="Channel strategy toolkit: replay interaction history against follow and push "
    "strategies, and see cost, coverage and channel dilution.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cx {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """cx: channel strategy toolkit."""


def parse_agents(values: list[str] | None) -> dict[str, int]:
    agents: dict[str, int] = {}
    for value in values or []:
        name, _, number = value.partition("=")
        if not name or not number.strip().isdigit():
            raise UsageError(
                f"cannot read --agents '{value}'", hint="write CHANNEL=N, e.g. --agents phone=12"
            )
        agents[name.strip()] = int(number)
    return agents


def load_cube(
    data: Path,
    columns: Path | None,
    period: str,
    max_reject_rate: float,
    encoding: str,
    rejects: Path | None,
    quiet: bool,
) -> Cube:
    from cx import api

    cube = api.load_interactions(
        data,
        columns=columns,
        period=period,
        max_reject_rate=max_reject_rate,
        encoding=encoding,
        rejects=rejects,
    )
    meta = cube.meta
    if meta.rows_rejected:
        first = meta.rejects_sample.row(0, named=True)
        note(
            f"{data}: {meta.rows_rejected:,} of {meta.rows_read:,} rows rejected "
            f"({meta.rows_rejected / meta.rows_read:.2%}); first at line {first['line']}: "
            f"{first['reject_reason']}"
            + (f"; all written to {rejects}" if rejects else "; --rejects FILE lists them all"),
            quiet,
        )
    return cube


def check_period(period: str | None) -> str | None:
    if period is not None and period not in ("week", "month", "quarter"):
        raise UsageError(f"unknown --period '{period}'", hint="use week, month or quarter")
    return period


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
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Replay one strategy on interaction history: cost, coverage, dilution."""
    from cx import api
    from cx.render import formats, views

    if interval is not None and interval not in (15, 30, 60):
        raise UsageError(f"--interval {interval} is not 15, 30 or 60 minutes")
    loaded = api.load_strategy(strategy, set_ or [])
    cube = load_cube(
        data,
        columns,
        check_period(period) or loaded.period,
        max_reject_rate,
        encoding,
        rejects,
        quiet,
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


@app.command()
@handle_errors
def validate(
    paths: Annotated[
        list[Path], typer.Argument(help="Strategy files or directories.", show_default=False)
    ],
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, github or junit.")
    ] = "text",
    output: OutputOption = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Check strategy files without data: every problem, with file:line:column."""
    from cx.render.validation import render_validation
    from cx.validate import validate_paths

    if output_format not in ("text", "json", "github", "junit"):
        raise UsageError(
            f"unknown --format '{output_format}'", hint="use text, json, github or junit"
        )
    report = validate_paths(paths)
    emit(render_validation(report, output_format), output)
    if not quiet and output_format != "text":
        note(report.summary(), quiet)
    if report.findings_count:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
@handle_errors
def schema(output: OutputOption = None, debug: DebugOption = False) -> None:
    """Print the JSON Schema of strategy files (for editors and CI)."""
    from cx.schema import strategy_schema_text

    emit(strategy_schema_text(), output)


@app.command()
@handle_errors
def generate(
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV file to write.")],
    rows: Annotated[int, typer.Option("--rows", "-n", min=1, help="Number of contacts.")] = 30_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same file).")] = 0,
    days: Annotated[int, typer.Option("--days", min=1, help="Days of history.")] = 182,
    start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")] = "2024-01-01",
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Write realistic synthetic interactions (seeded, reproducible)."""
    from datetime import date

    from cx.generate import write_interactions
    from cx.io import write_with

    try:
        first_day = date.fromisoformat(start)
    except ValueError:
        raise UsageError(f"--start '{start}' is not a date", hint="write YYYY-MM-DD") from None
    write_with(
        output,
        lambda temporary: write_interactions(
            temporary, rows=rows, seed=seed, start=first_day, days=days
        ),
    )
    note(f"wrote {rows:,} interactions to {output}", quiet)


def main() -> None:
    app(prog_name="cx")
