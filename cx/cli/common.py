"""What every command shares: options, the one error path, output to stdout or a file."""

from __future__ import annotations

import functools
import io
import os
import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO, TypeVar

import typer
from rich.console import Console, RenderableType
from rich.text import Text

from cx._version import __version__
from cx.cli import rerun
from cx.errors import EXIT_BROKEN_PIPE, EXIT_INTERNAL, CxError, StrategyError
from cx.io import silence_stdout
from cx.render.safe import plain, terminal_text

F = TypeVar("F", bound=Callable[..., Any])
REPORT_URL = "the project's issue tracker"
FILE_WIDTH = 100


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the output to FILE (atomically) instead of stdout."),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    return Console(highlight=False)


def report_error(error: CxError) -> None:
    console = stderr_console()
    lines = (
        [str(error)]
        if not isinstance(error, StrategyError)
        else [finding.format() for finding in error.findings]
    )
    for line in lines:
        console.print(Text.assemble(("error:", "bold red"), " ", plain(line)))


def handle_errors(function: F) -> F:
    """The one user-error path: CxError → one line on stderr + its exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug")) or os.environ.get("CX_DEBUG") == "1"
        try:
            return function(*args, **kwargs)
        except CxError as error:
            report_error(error)
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            stderr_console().print("interrupted")
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `cx ... | head`: the reader has all it wants
            silence_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        except Exception as error:
            internal_error(error, debug)
        except BaseException as error:  # a Rust panic inside Polars is no Exception
            if type(error).__name__ != "PanicException":
                raise
            internal_error(error, debug)

    return wrapper  # type: ignore[return-value]


def internal_error(error: BaseException, debug: bool) -> NoReturn:
    """A bug of cx (exit 3): one short line with the version and how to report it; the
    traceback only with --debug (or CX_DEBUG=1)."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    if len(first) > 200:
        first = first[:200] + "..."
    console = stderr_console()
    console.print(
        Text.assemble(
            ("internal error:", "bold red"),
            " ",
            plain(
                type(error).__name__
                + (f": {first}" if first else "")
                + f" (cx {__version__}; please report it to {REPORT_URL} with the command you "
                "ran and this line; --debug shows the traceback)"
            ),
        )
    )
    if debug:
        lines = traceback.format_exc().splitlines()
        console.print(Text("\n".join(terminal_text(line) for line in lines)))
    raise typer.Exit(EXIT_INTERNAL) from None


def render_to_text(renderable: RenderableType, width: int = FILE_WIDTH) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, color_system=None, highlight=False).print(
        renderable
    )
    return buffer.getvalue()


def emit(content: str | RenderableType, output: Path | None) -> None:
    """Machine text or a rich renderable to stdout, or atomically to ``output``."""
    from cx.io import write_text_atomic

    if output is not None:
        rerun.spoil()
        text = content if isinstance(content, str) else render_to_text(content)
        write_text_atomic(output, text)
        return
    text = content if isinstance(content, str) else _rendered(stdout_console(), content)
    _write(sys.stdout, "stdout", text)


def note(message: str, quiet: bool) -> None:
    if not quiet:
        _write(sys.stderr, "stderr", _rendered(stderr_console(), plain(message)))


def _rendered(console: Console, content: RenderableType, **options: Any) -> str:
    with console.capture() as capture:
        console.print(content, **options)
    return capture.get()


def _write(stream: TextIO, name: str, text: str) -> None:
    """Write ``text`` and keep it for an identical rerun (:mod:`cx.cli.rerun`)."""
    stream.write(text)
    stream.flush()
    rerun.record(name, text)
