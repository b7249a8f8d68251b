"""`cx generate`: synthetic interactions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cx.cli.common import DebugOption, QuietOption, handle_errors, note
from cx.errors import UsageError
from cx.models.vocabulary import counted


@handle_errors
def generate(
    output: Annotated[
        Path, typer.Option(
            "--output",
            "-o",
            help="File to write: Parquet for .parquet, gzip CSV for .gz, else CSV; - writes "
            "CSV to stdout.",
        )
    ],
    rows: Annotated[int, typer.Option("--rows", "-n", min=0, help="Number of contacts.")] = 30_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same file).")] = 0,
    days: Annotated[int, typer.Option("--days", min=1, help="Days of history.")] = 182,
    start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")] = "2024-01-01",
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Write realistic synthetic interactions (seeded, reproducible)."""
    from datetime import date

    from cx.cli.progress import terminal_progress
    from cx.generate import check_output_name, write_interactions, write_interactions_to
    from cx.io import is_stdout, writing_stdout

    try:
        first_day = date.fromisoformat(start)
    except ValueError:
        raise UsageError(f"--start '{start}' is not a date", hint="write YYYY-MM-DD") from None
    if not is_stdout(output):
        check_output_name(output)
    progress = terminal_progress(quiet)
    if is_stdout(output):
        with writing_stdout():
            write_interactions_to(sys.stdout.buffer, rows, seed, first_day, days, progress)
            sys.stdout.buffer.flush()
        return
    write_interactions(output, rows=rows, seed=seed, start=first_day, days=days, progress=progress)
    note(f"wrote {counted(rows, 'interaction')} to {output}", quiet)
