"""The ``cx`` executable: an identical rerun of a what-if command is answered from
its recording (:mod:`cx.cli.rerun`) before Typer, pydantic or rich are imported;
anything else runs the command line app."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from cx.cli import rerun
from cx.errors import EXIT_BROKEN_PIPE
from cx.io import silence_stdout


def run(argv: list[str]) -> int:
    """Run the command line ``argv`` (without the program name); its exit code."""
    try:
        code = rerun.replay(argv)
    except BrokenPipeError:  # `cx ... | head`: the reader has all it wants
        silence_stdout()
        return EXIT_BROKEN_PIPE
    if code is not None:
        return code
    # cx does no linear algebra worth a thread: numpy's OpenBLAS would otherwise start
    # a thread per core at import, spinning against the scan's threads for a while.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from cx.cli.app import app

    rerun.start(argv)
    try:
        app(args=argv, prog_name="cx")
        code = 0
    except SystemExit as exit_:
        code = _exit_code(exit_.code)
    rerun.finish(code)
    return code


def main() -> NoReturn:
    """The console script: run, write out what is buffered, and leave.

    It leaves without tearing the interpreter down: after a scan of millions of rows
    that took Python 0.1 s (of 3 s on 10M rows) and cleans nothing that matters, as
    files are closed and replaced atomically and worker threads joined by then.
    """
    code = run(sys.argv[1:])
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        code = EXIT_BROKEN_PIPE
    sys.stderr.flush()
    os._exit(code)


def _exit_code(code: object) -> int:
    """An exit code as ``sys.exit`` reads its argument (a message means 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
