"""`cx validate`: strategy files without data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cx.cli.common import DebugOption, OutputOption, QuietOption, emit, handle_errors, note
from cx.errors import EXIT_FINDINGS, UsageError


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
