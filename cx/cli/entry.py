"""The ``cx`` executable: an identical rerun of a what-if command is answered from
its recording (:mod:`cx.cli.rerun`) before Typer, pydantic or rich are imported;
anything else runs the command line app.

Signals: Ctrl-C (SIGINT), SIGTERM and SIGHUP raise :class:`~cx.errors.Interrupted`
wherever the program is (imports, the scan, a rerun's replay), so temporary files
are removed on the way out; the run ends with one line, ``interrupted``, and exit
128 + the signal's number. A reader of stdout that goes away (``cx ... | head``)
ends it quietly with 141.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import signal
import stat
import sys
from types import FrameType
from typing import NoReturn

from cx.errors import EXIT_BROKEN_PIPE, EXIT_INPUT, Interrupted

TRAPPED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run(argv: list[str]) -> int:
    """Run the command line ``argv`` (without the program name); its exit code."""
    # Imported here, not above: main() traps signals before anything but the
    # standard library is imported.
    from cx.cli import rerun
    from cx.io import silence_stdout

    _forget_unusable_sizes()
    try:
        code = None if _stdout_may_be_an_input() else rerun.replay(argv)
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
    stdout_before = _stdout_identity()
    try:
        app(args=argv, prog_name="cx")
        code = 0
    except SystemExit as exit_:
        code = _exit_code(exit_.code)
    code = _broken_pipe_outside_commands(code, stdout_before)
    rerun.finish(code)
    return code


def _forget_unusable_sizes() -> None:
    """``COLUMNS=0`` (or any size that is no positive number) as if unset: rich would
    lay every table, and every error line, out in zero columns, printing nothing."""
    for name in ("COLUMNS", "LINES"):
        value = os.environ.get(name)
        if value is not None and not (value.isascii() and value.isdigit() and int(value) > 0):
            del os.environ[name]


def _stdout_may_be_an_input() -> bool:
    """Whether stdout is a file with content or appended to (``>> data.csv``): then no
    recorded output is replayed before the command checks its stdout against the files
    it reads. A fresh ``> out.csv`` is empty and replayed as any terminal is."""
    import fcntl

    try:
        descriptor = sys.stdout.fileno()
        info = os.fstat(descriptor)
        appending = fcntl.fcntl(descriptor, fcntl.F_GETFL) & os.O_APPEND
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False
    return stat.S_ISREG(info.st_mode) and (info.st_size > 0 or bool(appending))


def _broken_pipe_outside_commands(code: int, stdout_before: tuple[int, int] | None) -> int:
    """141, not 1, when stdout's reader went away while Typer wrote (``cx --help |
    head -1``). Rich then points stdout at /dev/null and exits 1; click wraps stdout to
    pacify flushes and exits 1: either mark tells."""
    from cx.io import silence_stdout

    if code != 1:
        return code
    if type(sys.stdout).__name__ == "PacifyFlushWrapper":
        sys.stdout = sys.__stdout__
    elif stdout_before in (None, _devnull_identity()) or _stdout_identity() != _devnull_identity():
        return code
    silence_stdout()
    return EXIT_BROKEN_PIPE


def _stdout_identity() -> tuple[int, int] | None:
    try:
        info = os.fstat(sys.__stdout__.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return info.st_dev, info.st_ino


def _devnull_identity() -> tuple[int, int] | None:
    try:
        info = os.stat(os.devnull)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def main() -> NoReturn:
    """The console script: run, write out what is buffered, and leave.

    It leaves without tearing the interpreter down: after a scan of millions of rows
    that took Python 0.1 s (of 3 s on 10M rows) and cleans nothing that matters, as
    files are closed and replaced atomically and worker threads joined by then.
    """
    trap_signals()
    _stand_in_for_closed_streams()
    _buffer_unbuffered_stdout()
    _escape_what_streams_cannot_encode()
    try:
        code = run(sys.argv[1:])
        sys.stdout.flush()
    except Interrupted as stop:
        code = stop.exit_code
        _say("interrupted")
    except KeyboardInterrupt:  # raised by hand, or before the signals were trapped
        code = Interrupted(signal.SIGINT).exit_code
        _say("interrupted")
    except OSError as error:  # writing stdout outside a command (--help > /dev/full)
        code = _stdout_failure(error)
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(code)


def trap_signals() -> None:
    """Make SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` (once; a second one
    ends the run on the spot). A signal ignored by whoever started cx stays ignored."""

    def interrupt(signal_number: int, frame: FrameType | None) -> None:
        for trapped in TRAPPED_SIGNALS:
            signal.signal(trapped, insist)
        raise Interrupted(signal_number)

    def insist(signal_number: int, frame: FrameType | None) -> None:
        _say("interrupted")
        os._exit(Interrupted(signal_number).exit_code)

    for trapped in TRAPPED_SIGNALS:
        if signal.getsignal(trapped) is not signal.SIG_IGN:
            signal.signal(trapped, interrupt)


class _ClosedStream(io.TextIOBase):
    """sys.stdout or sys.stderr when cx was started with it closed (``cx ... >&-``):
    a write fails as it would on the closed descriptor."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def _stand_in_for_closed_streams() -> None:
    """Keep descriptors 0, 1 and 2 taken (by /dev/null) when cx starts with one of them
    closed, so no file cx opens gets one of them and receives what was meant for
    stdout; writes to a closed stdout fail (exit 2), to a closed stderr are lost."""
    for descriptor in (0, 1, 2):
        try:
            os.fstat(descriptor)
        except OSError:
            with contextlib.suppress(OSError):
                taken = os.open(os.devnull, os.O_RDWR)
                if taken != descriptor:  # descriptors are handed out lowest first
                    os.close(taken)
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (open until the process ends)


def _buffer_unbuffered_stdout() -> None:
    """Write stdout through a buffer even under ``PYTHONUNBUFFERED=1`` (``-u``): text
    written straight to the descriptor loses whatever one write(2) does not take (a
    pipe takes 64 KiB), silently; a buffer writes the rest or raises."""
    stream = sys.stdout
    if not isinstance(stream, io.TextIOWrapper) or not isinstance(stream.buffer, io.FileIO):
        return
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(stream.buffer),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=stream.line_buffering,
    )


def _json_escapes(error: UnicodeError) -> tuple[str, int]:
    """Characters an encoding lacks, as JSON writes them: ``\u00e9``, and a character
    beyond U+FFFF as its two UTF-16 halves."""
    assert isinstance(error, UnicodeEncodeError)
    units = error.object[error.start : error.end].encode("utf-16-be")
    shown = "".join(f"\\u{int.from_bytes(units[i : i + 2]):04x}" for i in range(0, len(units), 2))
    return shown, error.end


def _escape_what_streams_cannot_encode() -> None:
    """A stdout or stderr in an encoding other than UTF-8 (``PYTHONIOENCODING=ascii``, a
    Latin-1 terminal) gets ``\u0394`` for a character it cannot encode, instead of an
    error after half the output: in JSON that escape means the same character."""
    codecs.register_error("cx-json-escapes", _json_escapes)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError):  # a stream already closed
                stream.reconfigure(errors="cx-json-escapes")


def _stdout_failure(error: OSError) -> int:
    from cx.io import is_broken_pipe, silence_stdout, write_failure

    if is_broken_pipe(error):
        silence_stdout()
        return EXIT_BROKEN_PIPE
    _say(f"error: stdout: cannot write output: {write_failure(error)}")
    return EXIT_INPUT


def _say(line: str) -> None:
    with contextlib.suppress(Exception):
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _exit_code(code: object) -> int:
    """An exit code as ``sys.exit`` reads its argument (a message means 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
