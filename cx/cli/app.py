"""The `cx` command line: parse arguments, call the library, render. Nothing else.

Each command lives in its own module under ``cx.cli`` and is registered on ``app``
here, in one place. Heavy imports (Polars) happen inside the commands,
so ``cx --help`` and ``cx validate`` start fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cx._version import __version__

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


from cx.cli import (  # noqa: E402  (after the app: commands import its options)
    cmd_check,
    cmd_compare,
    cmd_cube,
    cmd_explain,
    cmd_generate,
    cmd_init,
    cmd_inspect,
    cmd_report,
    cmd_schema,
    cmd_sensitivity,
    cmd_simulate,
    cmd_sweep,
    cmd_validate,
)

#: Every command of cx, registered here and nowhere else: no command module imports
#: the app.
COMMANDS = (
    cmd_check.check,
    cmd_compare.compare,
    cmd_cube.cube,
    cmd_explain.explain,
    cmd_generate.generate,
    cmd_init.init,
    cmd_inspect.inspect,
    cmd_report.report,
    cmd_schema.schema,
    cmd_sensitivity.sensitivity,
    cmd_simulate.simulate,
    cmd_sweep.sweep,
    cmd_validate.validate,
)
for _command in COMMANDS:
    app.command()(_command)
