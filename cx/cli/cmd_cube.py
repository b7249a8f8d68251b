"""`cx cube`: write a cube file, or print the SQL that builds one on a warehouse (§9)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cx.api_checks import require_cube_output
from cx.cli.common import (
    DebugOption,
    QuietOption,
    check_fixed_text_output,
    emit,
    handle_errors,
    note,
)
from cx.cli.options import (
    EncodingOption,
    MaxRejectRateOption,
    RejectsOption,
    journey_window_option,
)
from cx.errors import UsageError
from cx.io import is_stdout
from cx.models.vocabulary import DEFAULT_WINDOW_HOURS, metavar

DIALECTS = ("duckdb", "spark", "postgres")
ENGINES = ("polars", "duckdb", "spark")


@handle_errors
def cube(
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            "-d",
            help="Interaction file (CSV, .csv.gz or Parquet) to scan; with --engine spark, "
            "any path Spark reads (s3://...).",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Cube file to write (Parquet); with --sql: SQL file."),
    ] = None,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL that builds the cube file instead.")
    ] = False,
    dialect: Annotated[
        str,
        typer.Option(
            "--dialect", metavar=metavar(DIALECTS), help="SQL dialect: duckdb, spark or postgres."
        ),
    ] = "duckdb",
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            metavar=metavar(ENGINES),
            help="Who builds the cube: polars (the scan), duckdb or spark (the SQL, executed).",
        ),
    ] = "polars",
    table: Annotated[
        str, typer.Option("--table", help="With --sql: the table of canonical columns.")
    ] = "interactions",
    columns: Annotated[
        Path | None,
        typer.Option("--columns", help="Mapping file (its channel aliases and anonymous ids)."),
    ] = None,
    outcomes: Annotated[
        bool,
        typer.Option(
            "--outcomes",
            help="Also count journeys, resolution and satisfaction into the cube file "
            "(with --sql: into the SQL), for `--outcomes` and strategies that need them.",
        ),
    ] = False,
    journey_window: Annotated[
        float | None,
        journey_window_option(
            f"default {DEFAULT_WINDOW_HOURS:g}; it must match the strategies' "
            "journeys.window_hours"
        ),
    ] = None,
    max_reject_rate: MaxRejectRateOption = 0.01,
    rejects: RejectsOption = None,
    encoding: EncodingOption = "utf8",
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Cube files: the scan's result as a small Parquet file, a --data file for any period.

    `cx cube -d interactions.csv -o cube.parquet` scans once and writes it, and says
    the data's notes, as `cx simulate` does; the file carries them.

    `cx cube --engine duckdb -d export.csv -o cube.parquet` builds it with DuckDB
    (out of core), `--engine spark` with PySpark (docs/scale-out.md); both say and
    write the notes of a local file.

    `cx cube --sql --dialect spark` prints the SQL that builds it on a warehouse.
    """
    from cx import api

    window = journey_window if journey_window is not None else DEFAULT_WINDOW_HOURS
    window = window if outcomes or journey_window is not None else None
    if sql:
        if dialect not in DIALECTS:
            raise UsageError(f"unknown --dialect '{dialect}'", hint="use duckdb, spark or postgres")
        if data is not None or engine != "polars" or rejects is not None:
            raise UsageError(
                "--sql reads no data",
                hint="drop --data, --engine and --rejects, or drop --sql to scan it",
            )
        check_fixed_text_output(output, "cx cube --sql writes SQL", ".sql")
        emit(api.cube_sql(dialect, table, columns, window), output)
        return
    if data is None or output is None:
        raise UsageError(
            "cx cube needs --data FILE and --output CUBE.parquet (or --sql)",
            hint="e.g. cx cube -d interactions.csv -o cube.parquet",
        )
    if is_stdout(output):
        raise UsageError("a cube file is Parquet, not text for stdout", hint="give -o CUBE.parquet")
    require_cube_output(output, "--output")
    if engine not in ENGINES:
        raise UsageError(f"unknown --engine '{engine}'", hint="use polars, duckdb or spark")
    if engine != "polars" and rejects is not None:
        raise UsageError(
            f"--rejects lists the rows the scan rejects; --engine {engine} lists none",
            hint="drop --rejects, or build the cube with the scan (--engine polars)",
        )
    from cx.caveats import data_notes
    from cx.data.cube import DataMeta

    examined: list[DataMeta] = []
    if engine != "polars":
        from cx.cli.common import stderr_console
        from cx.cli.progress import terminal_progress

        progress = terminal_progress(quiet, stderr_console(), delay=0.0)
        with progress.step(f"building the cube with {engine}"):
            used = api.build_cube_file_with(
                engine, data, output, columns, max_reject_rate, window, examined.append, encoding
            )
    else:
        from cx.cli.data_options import scan_progress

        with scan_progress(Path(data), quiet):
            used = api.build_cube_file(
                Path(data),
                output,
                columns,
                max_reject_rate,
                encoding,
                window,
                rejects=rejects,
                meta_out=examined.append,
            )
    for meta in examined:  # as `cx simulate` says them on this export
        for text in data_notes(meta, rejects):
            note(text, quiet)
    note(f"wrote the cube of {used:,} rows to {output}", quiet)
