"""`cx cube`: write a cube file, or print the SQL that builds one on a warehouse (§9)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cx.cli.common import DebugOption, QuietOption, emit, handle_errors, note
from cx.cli.options import EncodingOption, MaxRejectRateOption
from cx.errors import UsageError
from cx.io import is_stdout

DIALECTS = ("duckdb", "spark", "postgres")


@handle_errors
def cube(
    data: Annotated[
        Path | None,
        typer.Option("--data", "-d", help="Interaction file (CSV, .csv.gz or Parquet) to scan."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Cube file to write (Parquet); with --sql: SQL file."),
    ] = None,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL that builds the cube file instead.")
    ] = False,
    dialect: Annotated[
        str, typer.Option("--dialect", help="SQL dialect: duckdb, spark or postgres.")
    ] = "duckdb",
    table: Annotated[
        str, typer.Option("--table", help="With --sql: the table of canonical columns.")
    ] = "interactions",
    columns: Annotated[
        Path | None,
        typer.Option("--columns", help="Mapping file (its channel aliases and anonymous ids)."),
    ] = None,
    max_reject_rate: MaxRejectRateOption = 0.01,
    encoding: EncodingOption = "utf8",
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Cube files: the scan's result as a small Parquet file, a --data file for any period.

    `cx cube -d interactions.csv -o cube.parquet` scans once and writes it.

    `cx cube --sql --dialect spark` prints the SQL that builds it on a warehouse.
    """
    from cx import api

    if sql:
        if dialect not in DIALECTS:
            raise UsageError(f"unknown --dialect '{dialect}'", hint="use duckdb, spark or postgres")
        if data is not None:
            raise UsageError("--sql reads no data", hint="drop --data, or drop --sql to scan it")
        emit(api.cube_sql(dialect, table, columns), output)
        return
    if data is None or output is None:
        raise UsageError(
            "cx cube needs --data FILE and --output CUBE.parquet (or --sql)",
            hint="e.g. cx cube -d interactions.csv -o cube.parquet",
        )
    if is_stdout(output):
        raise UsageError("a cube file is Parquet, not text for stdout", hint="give -o CUBE.parquet")
    from cx.cli.data_options import scan_progress

    with scan_progress(data, quiet):
        used = api.build_cube_file(data, output, columns, max_reject_rate, encoding)
    note(f"wrote the cube of {used:,} rows to {output}", quiet)
