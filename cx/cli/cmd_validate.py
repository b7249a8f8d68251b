"""`cx validate`: strategy files without data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cx.cli.common import DebugOption, OutputOption, QuietOption, emit, handle_errors, note
from cx.errors import EXIT_FINDINGS, UsageError
from cx.models.vocabulary import metavar, one_of

#: The outputs of validate.
FORMATS = ("text", "json", "github", "junit")


@handle_errors
def validate(
    paths: Annotated[
        list[Path], typer.Argument(help="Strategy files or directories.", show_default=False)
    ],
    output_format: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar=metavar(FORMATS), help=f"{one_of(FORMATS)}."
        ),
    ] = "text",
    output: OutputOption = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Check strategy files without data: every problem, with file:line:column."""
    from cx.render.validation import render_validation
    from cx.validate import validate_paths

    if output_format not in FORMATS:
        raise UsageError(f"unknown --format '{output_format}'", hint=f"use {one_of(FORMATS)}")
    report = validate_paths(paths)
    emit(render_validation(report, output_format), output)
    if not quiet and output_format != "text":
        note(report.summary(), quiet)
    if report.findings_count:
        raise typer.Exit(EXIT_FINDINGS)
