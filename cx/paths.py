"""What an input path is, found without opening it (opening a FIFO blocks)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: What each kind of path that is not a regular file is called in messages.
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def special_kind(path: str | Path) -> str | None:
    """What ``path`` is when it is not a regular file (e.g. ``"a character device"``),
    or None for a regular file or a path that does not exist. Symlinks are followed, so
    a link to a regular file is a regular file."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        return None
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def read_bounded(path: str | Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``path``: one byte more than allowed is enough to
    tell that it is too long, whatever the file claims its size is."""
    with open(path, "rb") as handle:
        return handle.read(limit + 1)
