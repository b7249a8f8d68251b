"""File output: written atomically, only where a file belongs, never over an input.

A failed or interrupted run never leaves a partial file: every output is written to
a temporary file beside its target and renamed over it when complete; the files of
a set (those of ``cx init``) are renamed only when all are written. A target that
is not a regular file or a new path (a device such as /dev/null, a directory, a
FIFO, a socket) is refused, and so is a target that is one of the command's inputs
(compared by device and inode, so another path, a symlink or a hard link to an
input is caught). A symlink is written through: its target is replaced, the link
stays. ``-`` as an output means stdout.

Only the standard library here: the ``cx`` command imports this module at start-up,
before Typer or Polars.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from cx.errors import InputError

#: The output path that means stdout (``-o -``).
STDOUT = "-"
TEMPORARY_NAME_CHARS = 64

_OS_ERROR_NUMBER = re.compile(r"\(os error (\d+)\)")
#: Names of an open file descriptor: /dev/stdout, /dev/fd/1, /proc/self/fd/1, ...
_DESCRIPTOR_NAME = re.compile(
    r"/dev/std(in|out|err)|/dev/fd/\d+|/proc/(self|thread-self|\d+)(/task/\d+)?/fd/\d+"
)
_MAX_SYMLINKS = 40
_DISCARD_HINT = "leave out -o to write to stdout, and redirect that (> /dev/null) to discard it"
#: What an output path must not be: (test of its mode, message, hint).
_NOT_A_FILE = (
    (stat.S_ISDIR, "output path is a directory", "give a file path"),
    (stat.S_ISCHR, "output path is a device, not a file", _DISCARD_HINT),
    (stat.S_ISBLK, "output path is a device, not a file", _DISCARD_HINT),
    (stat.S_ISFIFO, "output path is a named pipe (FIFO), not a file", "give a file path"),
    (stat.S_ISSOCK, "output path is a socket, not a file", "give a file path"),
)


def is_stdout(path: str | os.PathLike[str] | None) -> bool:
    """Whether ``path`` is ``-``: the output goes to stdout."""
    return path is not None and os.fspath(path) == STDOUT


def check_outputs(
    outputs: Iterable[str | os.PathLike[str] | None],
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> None:
    """Refuse, before any work, an output that cannot or must not be written.

    Each output (``None`` and ``-`` are skipped) must be a regular file or a new path
    in an existing directory, must not be one of ``inputs`` nor land in a directory
    among them (a directory of Parquet files is read whole), and no two outputs may
    be the same file.
    """
    targets = [Path(path) for path in outputs if path is not None and not is_stdout(path)]
    sources = [Path(path) for path in inputs if path is not None]
    seen: dict[tuple[int, int] | str, Path] = {}
    for target in targets:
        identity = _check_target(target, sources)
        if identity in seen:
            raise InputError(
                f"two outputs name the same file ({seen[identity]} and {target})",
                file=target,
                hint="give each output its own file",
            )
        seen[identity] = target


def check_stdout(inputs: Iterable[str | os.PathLike[str] | None]) -> None:
    """Refuse a stdout that is one of ``inputs`` (``cx ... --data x.csv >> x.csv``): the
    output would be appended to the file being read."""
    try:
        info = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return  # no descriptor (a test's captured stdout): no file to compare
    if not stat.S_ISREG(info.st_mode):
        return
    source = _input_at((info.st_dev, info.st_ino), inputs)
    if source is not None:
        raise InputError(
            f"stdout is redirected to the input file {source}",
            hint="redirect the output to another file",
        )


def _input_at(
    identity: tuple[int, int], inputs: Iterable[str | os.PathLike[str] | None]
) -> str | os.PathLike[str] | None:
    """The input that is the file (device, inode) ``identity``, if one is."""
    for source in inputs:
        info = _stat(Path(source), missing_ok=True) if source is not None else None
        if info is not None and (info.st_dev, info.st_ino) == identity:
            return source
    return None


def _check_target(target: Path, inputs: Iterable[Path]) -> tuple[int, int] | str:
    """Check one output path; its identity: (device, inode) if it exists, else its path."""
    real = _real_path(target)
    for source in inputs:
        if os.path.isdir(source) and Path(os.path.realpath(source)) == real.parent:
            raise InputError(
                f"output would land in the data directory {source}, to be read as data",
                file=target,
                hint="write the output outside the directory",
            )
    if _names_a_descriptor(target):
        raise InputError(
            "output path is an open file descriptor (stdin, stdout, ...), not a file",
            file=target,
            hint="-o - writes to stdout",
        )
    info = _stat(target)
    if info is None:
        directory = _stat(real.parent)
        if directory is None:
            raise InputError("output directory does not exist", file=target)
        if not stat.S_ISDIR(directory.st_mode):
            raise InputError("cannot write output: Not a directory", file=target)
        return str(real)
    for is_kind, message, hint in _NOT_A_FILE:
        if is_kind(info.st_mode):
            raise InputError(message, file=target, hint=hint)
    identity = (info.st_dev, info.st_ino)
    source = _input_at(identity, inputs)
    if source is not None:
        raise InputError(
            f"output would overwrite the input file {source}",
            file=target,
            hint="write the output to another file",
        )
    return identity


def _names_a_descriptor(path: Path) -> bool:
    """Whether ``path`` is, or links to, a name of an open descriptor (/dev/stdout):
    what it reaches is whatever the descriptor is (a terminal, a pipe, the file stdin
    was redirected from), never a place for an output."""
    current = os.path.abspath(path)
    for _ in range(_MAX_SYMLINKS):
        if _DESCRIPTOR_NAME.fullmatch(current):
            return True
        try:
            link = os.readlink(current)
        except (OSError, ValueError):
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return False


def _real_path(path: Path) -> Path:
    """``path`` with its symlinks resolved (an output is written through them)."""
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot write output: {_reason(exc)}", file=path) from None


def _stat(path: Path, missing_ok: bool = False) -> os.stat_result | None:
    """``os.stat(path)`` (through symlinks); None if there is nothing there.

    A path that cannot even be looked at (too long, a symlink loop, no permission) is
    an InputError naming it, unless ``missing_ok`` (an input reports its own errors)."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        if missing_ok:
            return None
        raise InputError(f"cannot write output: {_reason(exc)}", file=path) from None


@contextlib.contextmanager
def atomic_path(
    path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str] | None] = ()
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only on success.

    ``path`` is checked first (:func:`check_outputs`, against ``inputs`` too). A
    failed write (a full disk, no permission, an error from Polars' writers) is an
    InputError naming ``path``; the temporary file is removed whatever happens, an
    interruption included, and the previous file stays as it was.
    """
    target = Path(path)
    check_outputs([target], inputs)
    with _temporary_beside(target) as (temporary, real), _as_write_failure(target):
        yield temporary
        _make_final(temporary, real)
        check_outputs([target], inputs)  # still a file (or new) at the moment of the rename
        os.replace(temporary, real)


def write_texts_atomic(
    texts: Mapping[Path, str], inputs: Iterable[str | os.PathLike[str] | None] = ()
) -> None:
    """Write several text files as one set: all of them, or none.

    Every file is written to a temporary file beside it first; only when all are
    written are they renamed over their targets. A failure before the renames leaves
    every previous file as it was; a rename that fails puts back the files already
    replaced (from copies kept until the end). No temporary file is left behind.
    """
    inputs = list(inputs)
    check_outputs(texts, inputs)
    with contextlib.ExitStack() as stack:
        written: list[tuple[Path, Path, Path]] = []  # (target, temporary, real)
        for target, text in texts.items():
            temporary, real = stack.enter_context(_temporary_beside(target))
            with _as_write_failure(target):
                temporary.write_text(text, encoding="utf-8")
                _make_final(temporary, real)
            written.append((target, temporary, real))
        check_outputs(texts, inputs)  # still files (or new) at the moment of the renames
        previous = [stack.enter_context(_copy_of(real, target)) for target, _, real in written]
        replaced: list[tuple[Path, Path | None]] = []
        try:
            for (target, temporary, real), copy in zip(written, previous, strict=True):
                with _as_write_failure(target):
                    os.replace(temporary, real)
                replaced.append((real, copy))
        except BaseException:
            _put_back(replaced)
            raise


@contextlib.contextmanager
def _temporary_beside(target: Path) -> Iterator[tuple[Path, Path]]:
    """A new empty file beside ``target``, and the file ``target`` is (through its
    symlinks: the file a link points at is replaced, the link stays a link). The
    temporary file is removed on the way out, unless it was renamed."""
    real = _real_path(target)
    try:
        # The name is cut so that the temporary one fits where the target's does.
        handle, name = tempfile.mkstemp(
            prefix=f".{real.name[:TEMPORARY_NAME_CHARS]}.", suffix=".tmp", dir=real.parent
        )
    except OSError as exc:
        raise InputError(f"cannot write output: {_reason(exc)}", file=target) from None
    temporary = Path(name)
    try:
        os.close(handle)
        yield temporary, real
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


@contextlib.contextmanager
def _as_write_failure(target: Path) -> Iterator[None]:
    """A failed write inside (a full disk, no permission, an error from Polars' writers)
    as an InputError naming ``target``; any other error as it is."""
    try:
        yield
    except Exception as exc:
        reason = write_failure(exc)
        if reason is None:
            raise
        raise InputError(f"cannot write output: {reason}", file=target) from None


def _make_final(temporary: Path, real: Path) -> None:
    """Ready ``temporary`` to replace ``real``: mkstemp makes the file private (0600),
    so it gets the mode the file it replaces had, or the one a plain open() would give
    (0666 less the umask); and its data is on the disk."""
    os.chmod(temporary, _target_mode(real))
    _sync(temporary)


@contextlib.contextmanager
def _copy_of(real: Path, target: Path) -> Iterator[Path | None]:
    """A copy of the file ``real`` beside it, to put back if the set it belongs to
    cannot be written whole; None when there is no file yet. Removed on the way out."""
    if not real.exists():
        yield None
        return
    with _temporary_beside(target) as (copy, _):
        with _as_write_failure(target):
            shutil.copy2(real, copy)
        yield copy


def _put_back(replaced: list[tuple[Path, Path | None]]) -> None:
    """Undo the renames of a set of files: each previous file back from its copy, and
    a file that did not exist before removed."""
    for real, copy in reversed(replaced):
        with contextlib.suppress(OSError):
            if copy is None:
                real.unlink()
            else:
                os.replace(copy, real)


def _sync(path: Path) -> None:
    """Flush the file's data to the disk before the rename: a crash right after it
    leaves the new file whole, not empty."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError as exc:  # a file system that cannot sync loses nothing by it
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
    finally:
        os.close(descriptor)


def _target_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_failure(error: BaseException) -> str | None:
    """Why a write failed, in words ("No space left on device"), or None if ``error``
    is no failed write. Polars reports I/O errors as an OSError without an errno, or
    inside its own exceptions as "... (os error 28)"; its other errors are no write
    failure (a bug of cx stays one)."""
    if isinstance(error, OSError):
        return _reason(error)
    if type(error).__module__.startswith("polars") and _OS_ERROR_NUMBER.search(str(error)):
        return _reason(error)
    return None


def is_broken_pipe(error: BaseException) -> bool:
    """Whether ``error`` says the reader of a pipe went away (``cx ... | head``)."""
    if isinstance(error, BrokenPipeError):
        return True
    if isinstance(error, OSError) and error.errno == errno.EPIPE:
        return True
    return write_failure(error) == os.strerror(errno.EPIPE)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.errno is not None and error.strerror:
        return error.strerror
    text = str(error)
    number = _OS_ERROR_NUMBER.search(text)
    if number is not None:
        return os.strerror(int(number.group(1)))
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return first[:200]


@contextlib.contextmanager
def writing_stdout() -> Iterator[None]:
    """Writes to stdout inside: a closed pipe is raised as BrokenPipeError, any other
    failed write (``> /dev/full``) as an InputError naming stdout."""
    try:
        yield
    except Exception as exc:
        if is_broken_pipe(exc):
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE)) from None
        reason = write_failure(exc)
        if reason is None:
            raise
        silence_stdout()  # what stdout still buffers would fail again, and say so twice
        raise InputError(f"cannot write output: {reason}", file="stdout") from None


def write_text_atomic(
    path: str | os.PathLike[str], text: str, inputs: Iterable[str | os.PathLike[str]] = ()
) -> None:
    with atomic_path(path, inputs) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_with(
    path: str | os.PathLike[str],
    write: Callable[[Path], Any],
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    with atomic_path(path, inputs) as temporary:
        write(temporary)


def write_frame_csv(
    frame: Any, path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()
) -> None:
    """Write a Polars frame as CSV, atomically."""
    write_with(path, lambda temporary: frame.write_csv(temporary), inputs)


def write_frame_parquet(
    frame: Any, path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()
) -> None:
    """Write a Polars frame as a Parquet file, atomically. The bytes are encoded in
    memory and written by Python: Polars' writer says a disk that fills as it writes
    the file's footer as "Invalid thrift: transport error", not as the full disk it is."""

    def write(temporary: Path) -> None:
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        temporary.write_bytes(buffer.getvalue())

    write_with(path, write, inputs)


def silence_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit raises no second BrokenPipeError
    (after ``cx ... | head`` has read all it wants)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
