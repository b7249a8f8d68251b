"""What every command shares: options, the one error path, output to stdout or a file."""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import os
import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO, TypeGuard, TypeVar

import typer
from rich.console import Console, RenderableType
from rich.text import Text

from cx._version import __version__
from cx.cli import rerun
from cx.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    CxError,
    InputError,
    StrategyError,
    UsageError,
)
from cx.io import (
    check_outputs,
    check_stdout,
    is_broken_pipe,
    is_stdout,
    silence_stdout,
    writing_stdout,
)
from cx.models.vocabulary import bare_name
from cx.render.safe import plain, terminal_text

F = TypeVar("F", bound=Callable[..., Any])
REPORT_URL = "the project's issue tracker"
FILE_WIDTH = 100


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    xlsx = "xlsx"


OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the output to FILE (atomically); - or none: stdout."
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
StrategyArgument = Annotated[Path, typer.Argument(help="Strategy file (YAML).", show_default=False)]
StrategiesArgument = Annotated[
    list[Path], typer.Argument(help="Strategy files (YAML).", show_default=False)
]


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """A closed pipe is for cx to handle (141, or the error's own exit code on
        stderr), not for rich, which would exit 1: the code of a failed guard."""
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def stderr_console() -> Console:
    return _Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    return _Console(highlight=False)


def report_error(error: CxError) -> None:
    """The error's lines on stderr; a stderr that cannot take them changes nothing
    (the exit code still says what happened)."""
    console = stderr_console()
    lines = (
        [str(error)]
        if not isinstance(error, StrategyError)
        else [finding.format() for finding in error.findings]
    )
    with contextlib.suppress(OSError):
        for line in lines:
            console.print(Text.assemble(("error:", "bold red"), " ", plain(line)))


#: The parameters of commands that name files written, and files read: an output is
#: checked against the inputs before any work (:func:`cx.io.check_outputs`).
OUTPUT_PARAMETERS = ("output", "rejects")
INPUT_PARAMETERS = ("data", "columns", "strategy", "strategies", "paths")
#: Inputs that may be strategy files, which read the files they ``extends`` too.
STRATEGY_PARAMETERS = ("strategy", "strategies", "paths")


def check_command_outputs(arguments: dict[str, Any]) -> None:
    """Refuse a command's ``--output``/``--rejects`` that is a device, a directory, a
    FIFO, or one of the files the command reads, before it reads anything."""
    if is_stdout(arguments.get("rejects")):
        raise UsageError(
            "--rejects needs a file: rejected rows do not go to stdout",
            hint="e.g. --rejects rejects.csv",
        )
    inputs: list[Any] = []
    for name in INPUT_PARAMETERS:
        value = arguments.get(name)
        paths = [path for path in (value if isinstance(value, list) else [value]) if path]
        if name == "paths" and paths:  # `validate` reads the YAML files of its directories
            from cx.validate import expand_paths

            paths = expand_paths(paths)
        inputs.extend(paths)
        if name in STRATEGY_PARAMETERS:
            inputs.extend(_extended_files(paths))
    if arguments.get("output_format") == OutputFormat.xlsx:
        check_xlsx_output(arguments.get("output"))
    elif "output_format" in arguments:
        check_text_output(arguments.get("output"), arguments["output_format"])
    check_fixed_text_output(arguments.get("rejects"), "--rejects writes CSV", ".csv")
    check_outputs([arguments.get(name) for name in OUTPUT_PARAMETERS], inputs)
    if arguments.get("output") is None or is_stdout(arguments["output"]):
        check_stdout(inputs)


def check_xlsx_output(output: Path | None) -> None:
    """``--format xlsx`` writes a binary workbook: only to a file (``-o``), never to a
    terminal or a pipe, and only with openpyxl installed."""
    if output is None or is_stdout(output):
        raise UsageError(
            "--format xlsx writes a workbook, not text: it needs a file",
            hint="add -o FILE.xlsx",
        )
    from cx.render.xlsx import require_library

    require_library()


#: Names of spreadsheet files: text written under one would not open as a workbook.
WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".ods")


#: The name each text format of ``--format`` is saved under.
TEXT_FORMAT_SUFFIXES = {
    "table": ".txt", "text": ".txt", "github": ".txt", "json": ".json", "csv": ".csv",
    "markdown": ".md", "junit": ".xml",
}  # fmt: skip


def check_text_output(output: Path | None, output_format: str) -> None:
    """A text format (``table``, ``json``...) is not written to a file named as a
    workbook (``results.xlsx``), which a spreadsheet would refuse to open."""
    if not _workbook_name(output):
        return
    suffix = TEXT_FORMAT_SUFFIXES.get(str(output_format), ".txt")
    other_name = f"name it {bare_name(output.name)}{suffix}"
    raise _text_under_workbook_name(
        output,
        f"--format {output_format} writes text",
        f"add --format xlsx for a workbook, or {other_name}"
        if isinstance(output_format, OutputFormat)
        else other_name,
    )


def check_fixed_text_output(output: Path | None, writes: str, suffix: str) -> None:
    """What a command writes in one text format (``writes``: "cx report writes HTML")
    is not written to a file named as a workbook either; ``suffix`` names it instead."""
    if _workbook_name(output):
        raise _text_under_workbook_name(output, writes, f"name it {bare_name(output.name)}{suffix}")


def _workbook_name(output: Path | None) -> TypeGuard[Path]:
    return (
        output is not None
        and not is_stdout(output)
        and output.suffix.lower() in WORKBOOK_SUFFIXES
    )


def _text_under_workbook_name(output: Path, writes: str, hint: str) -> UsageError:
    return UsageError(f"a workbook's name ({output.suffix}), but {writes}", hint=hint, file=output)


def _extended_files(paths: list[Path]) -> list[str]:
    """The files the strategy files ``paths`` extend; a file that cannot be read is the
    command's to report."""
    from cx.loader.extends import load_located

    extended: list[str] = []
    for path in paths:
        with contextlib.suppress(CxError):
            extended.extend(load_located(path).extended)
    return extended


def handle_errors(function: F) -> F:
    """The one user-error path: CxError → one line on stderr + its exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug")) or os.environ.get("CX_DEBUG") == "1"
        try:
            check_command_outputs(kwargs)
            return function(*args, **kwargs)
        except CxError as error:
            report_error(error)
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            with contextlib.suppress(OSError):
                stderr_console().print("interrupted")
            raise typer.Exit(130) from None
        except Exception as error:
            if is_broken_pipe(error):  # `cx ... | head`: the reader has all it wants
                silence_stdout()
                raise typer.Exit(EXIT_BROKEN_PIPE) from None
            path_error = unusable_path(error)
            if path_error is not None:
                report_error(path_error)
                raise typer.Exit(path_error.exit_code) from None
            internal_error(error, debug)
        except BaseException as error:  # a Rust panic inside Polars is no Exception
            if type(error).__name__ != "PanicException":
                raise
            internal_error(error, debug)

    return wrapper  # type: ignore[return-value]


#: OS errors that say a path the user gave cannot be used at all, wherever cx first
#: touched it (a name too long, a symlink loop, a directory in a file's place...).
_PATH_ERRNOS = frozenset(
    {errno.ENAMETOOLONG, errno.ELOOP, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.ENOENT}
)


def unusable_path(error: Exception) -> InputError | None:
    """A user's unusable path as an input error (exit 2), or None for anything else."""
    if isinstance(error, OSError) and error.errno in _PATH_ERRNOS and error.filename:
        return InputError(
            f"cannot use this path: {error.strerror or os.strerror(error.errno)}",
            file=str(error.filename),
            hint="check the path and its permissions",
        )
    return None


def internal_error(error: BaseException, debug: bool) -> NoReturn:
    """A bug of cx (exit 3): one short line with the version and how to report it; the
    traceback only with --debug (or CX_DEBUG=1)."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    if len(first) > 200:
        first = first[:200] + "..."
    console = stderr_console()
    with contextlib.suppress(OSError):
        console.print(
            Text.assemble(
                ("internal error:", "bold red"),
                " ",
                plain(
                    type(error).__name__
                    + (f": {first}" if first else "")
                    + f" (cx {__version__}; please report it to {REPORT_URL} with the command "
                    "you ran and this line; --debug shows the traceback)"
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


def emit(content: str | bytes | RenderableType, output: Path | None) -> None:
    """Machine text or a rich renderable to stdout (``output`` None or ``-``), or
    atomically to ``output``; bytes (a workbook) only to ``output``."""
    from cx.io import write_text_atomic, write_with

    if isinstance(content, bytes):
        check_xlsx_output(output)
        assert output is not None
        rerun.spoil()
        write_with(output, lambda temporary: temporary.write_bytes(content))
        return
    if output is not None and not is_stdout(output):
        rerun.spoil()
        text = content if isinstance(content, str) else render_to_text(content)
        write_text_atomic(output, text)
        return
    with writing_stdout():  # rendering writes too: rich flushes stdout as it captures
        text = content if isinstance(content, str) else _rendered(stdout_console(), content)
    _write(sys.stdout, "stdout", text)


def note(message: str | RenderableType, quiet: bool) -> None:
    """A note on stderr: a line of text, or a rich renderable (a table); a stderr that
    cannot be written to does not stop the run."""
    if not quiet:
        shown = plain(message) if isinstance(message, str) else message
        with contextlib.suppress(OSError):
            _write(sys.stderr, "stderr", _rendered(stderr_console(), shown))


def _rendered(console: Console, content: RenderableType, **options: Any) -> str:
    with console.capture() as capture:
        console.print(content, **options)
    return capture.get()


def _write(stream: TextIO, name: str, text: str) -> None:
    """Write ``text`` and keep it for an identical rerun (:mod:`cx.cli.rerun`)."""
    with writing_stdout() if name == "stdout" else contextlib.nullcontext():
        stream.write(text)
        stream.flush()
    rerun.record(name, text)
