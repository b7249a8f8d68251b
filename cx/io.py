"""Atomic file output: a failed or interrupted run never leaves a partial file."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cx.errors import InputError


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only on success."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError("output directory does not exist", file=directory)
    if target.is_dir():
        raise InputError("output path is a directory", file=target)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise InputError(f"cannot write output: {exc.strerror}", file=target) from None
    os.close(handle)
    temp_path = Path(temporary)
    try:
        yield temp_path
        # mkstemp makes the file private (0600): give it the mode the file it replaces
        # had, or the one a plain open() would give (0666 less the umask).
        os.chmod(temp_path, _target_mode(target))
        os.replace(temp_path, target)
    except OSError as exc:  # disk full, permissions: the previous output stays as it was
        raise InputError(f"cannot write output: {exc.strerror or exc}", file=target) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp_path.unlink()


def _target_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_text_atomic(path: str | Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_with(path: str | Path, write: Callable[[Path], Any]) -> None:
    with atomic_path(path) as temporary:
        write(temporary)


def write_frame_csv(frame: Any, path: str | Path) -> None:
    """Write a Polars frame as CSV, atomically."""
    write_with(path, lambda temporary: frame.write_csv(temporary))


def silence_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit raises no second BrokenPipeError
    (after ``cx ... | head`` has read all it wants)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
