"""Cache locations and keys, without Polars: a rerun can find its cached results
before anything heavy is imported."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from functools import cache
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any

from cx._version import __version__

if TYPE_CHECKING:
    from cx.models.mapping import Mapping

CUBE_FORMAT = 3  # 3: before_queue, queued arrivals, served handle times, rows_dropped
EDGE_BYTES = 64 * 1024


def cache_dir() -> Path:
    configured = os.environ.get("CX_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cx"


def file_fingerprint(path: Path | str) -> dict[str, Any] | None:
    """What identifies a regular file's content without reading all of it, or None for
    anything else (a FIFO, a device, a directory: never cached).

    The path as given (made absolute, a symlink left as it is) and the file it resolves
    to, so a re-pointed symlink is another file; its size, modification time, and
    the change time and inode that nobody restores by hand (as git's index does), so
    a file edited in place with its mtime put back is another file too; and a hash of
    its head, middle and tail (all of a small file). Opened without blocking, so a
    FIFO put in a file's place is reported, never waited on.
    """
    target = os.path.realpath(path)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(descriptor, "rb") as handle:
        stat = os.fstat(descriptor)
        if not S_ISREG(stat.st_mode):
            return None
        digest = hashlib.sha256()
        for offset in sorted({0, max(stat.st_size // 2 - EDGE_BYTES // 2, 0),
                              max(stat.st_size - EDGE_BYTES, 0)}):  # fmt: skip
            handle.seek(offset)
            digest.update(handle.read(EDGE_BYTES))
    return {
        "path": os.path.abspath(path),
        "target": target,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "ctime_ns": stat.st_ctime_ns,
        "inode": [stat.st_dev, stat.st_ino],
        "sampled_sha256": digest.hexdigest(),
    }


def read_regular(path: Path) -> bytes:
    """The bytes of the regular file ``path``; ValueError for a FIFO or a device put in
    a cache entry's place (never waited on, never read without end)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(descriptor, "rb") as handle:
        if not S_ISREG(os.fstat(descriptor).st_mode):
            raise ValueError(f"{path} is not a regular file")
        return handle.read()


def checksum(payload: Any) -> str:
    """The sha256 of ``payload`` as canonical JSON: what a stored entry says about itself."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


#: Libraries whose version can change what cx computes or prints.
LIBRARIES = ("polars", "numpy", "pydantic", "pydantic_core", "rich", "typer", "yaml")


@cache
def code_identity() -> str:
    """The version, the installed code's files (name, size, mtime, ctime, inode) and the
    libraries it computes and renders with: an edited checkout or an upgraded library
    never answers from what an earlier one computed. About a millisecond."""
    root = Path(__file__).resolve().parent.parent
    entries = [__version__, sys.version]
    for directory, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(directory, name))
                entries.append(
                    f"{directory[len(str(root)) :]}/{name}:{stat.st_size}:{stat.st_mtime_ns}"
                    f":{stat.st_ctime_ns}:{stat.st_ino}"
                )
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        origin = spec.origin if spec is not None else None
        stat = os.stat(origin) if origin else None
        entries.append(
            f"{library}:{origin}:{stat.st_size if stat else ''}:{stat.st_mtime_ns if stat else ''}"
        )
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]


def cache_key(path: Path, mapping: Mapping, period: str, encoding: str) -> str | None:
    """The cube cache key of the data file ``path``, or None when it is not a regular
    file (its content could differ at every read)."""
    fingerprint = file_fingerprint(path)
    if fingerprint is None:
        return None
    identity = {
        **fingerprint,
        "mapping": mapping.model_dump(mode="json"),
        "period": period,
        "encoding": encoding,
        "format": CUBE_FORMAT,
        "version": __version__,
    }
    return checksum(identity)[:32]


def unusable_reason(error: BaseException) -> str:
    """Why the cache cannot be written, as a note says it: caching is then left out."""
    directory = cache_dir()
    if isinstance(error, (FileExistsError, NotADirectoryError)) or (
        directory.exists() and not directory.is_dir()
    ):
        blocker = _not_a_directory(Path(getattr(error, "filename", None) or directory))
        if blocker in (directory, *directory.parents):
            named = "CX_CACHE_DIR " if os.environ.get("CX_CACHE_DIR") else ""
            return f"cache disabled: {named}{directory} is not a directory"
        return f"cache disabled: {blocker} is not a directory: remove it"
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return f"cache disabled: cannot write to {directory} ({reason})"


def _not_a_directory(path: Path) -> Path:
    """The first of ``path`` and the directories above it, from the top, that exists
    and is no directory (``path`` itself when none is)."""
    for part in [*reversed(path.parents), path]:
        if part.exists() and not part.is_dir():
            return part
    return path


def store_json(entry: Path, payload: Any) -> str | None:
    """Write ``payload`` as JSON atomically, with its checksum (see :func:`load_json`).
    Failing to cache never fails a command: the note saying why, or None."""
    temporary: str | None = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{entry.stem}.", dir=entry.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump({"sha256": checksum(payload), "payload": payload}, stream)
        os.replace(temporary, entry)
        temporary = None
    except IsADirectoryError:  # something put a directory where the entry goes
        return f"cache entry {entry} is a directory, so it is not written: remove it"
    except (OSError, ValueError) as error:
        return unusable_reason(error)
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return None


def load_json(entry: Path) -> Any:
    """What :func:`store_json` wrote; ValueError when its checksum does not match (a
    flipped bit, an edited number), OSError when it cannot be read."""
    stored = json.loads(read_regular(entry))
    if not isinstance(stored, dict) or set(stored) != {"sha256", "payload"}:
        raise ValueError(f"{entry} is not a cache entry")
    if stored["sha256"] != checksum(stored["payload"]):
        raise ValueError(f"{entry} does not match its checksum")
    return stored["payload"]
