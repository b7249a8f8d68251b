"""The ``cx`` executable: an identical rerun of a what-if command is answered from
its recording (:mod:`cx.cli.rerun`) before Typer, pydantic or rich are imported;
anything else runs the command line app."""

from __future__ import annotations

import sys

from cx.cli import rerun
from cx.errors import EXIT_BROKEN_PIPE
from cx.io import silence_stdout


def main() -> None:
    argv = sys.argv[1:]
    try:
        code = rerun.replay(argv)
    except BrokenPipeError:  # `cx ... | head`: the reader has all it wants
        silence_stdout()
        raise SystemExit(EXIT_BROKEN_PIPE) from None
    if code is not None:
        raise SystemExit(code)
    from cx.cli.app import app

    rerun.start(argv)
    try:
        app(args=argv, prog_name="cx")
    except SystemExit as exit_:
        rerun.finish(exit_.code)
        raise
