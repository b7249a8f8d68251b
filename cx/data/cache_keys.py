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
from typing import TYPE_CHECKING, Any

from cx._version import __version__

if TYPE_CHECKING:
    from cx.models.mapping import Mapping

CUBE_FORMAT = 2  # 2: handle_by_hour gained wait_sum, wait_n, abandoned, abandoned_n
EDGE_BYTES = 64 * 1024


def cache_dir() -> Path:
    configured = os.environ.get("CX_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cx"


def file_fingerprint(path: Path) -> dict[str, Any]:
    """What identifies a file's content without reading all of it: its size, its
    modification time and a hash of its head and tail (all of a small file)."""
    stat = path.stat()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        digest.update(handle.read(EDGE_BYTES))
        if stat.st_size > EDGE_BYTES:
            handle.seek(max(stat.st_size - EDGE_BYTES, EDGE_BYTES))
            digest.update(handle.read(EDGE_BYTES))
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "edges": digest.hexdigest()}


#: Libraries whose version can change what cx computes or prints.
LIBRARIES = ("polars", "numpy", "pydantic", "pydantic_core", "rich", "typer", "yaml")


@cache
def code_identity() -> str:
    """The version, the installed code's files (name, size, mtime) and the installed
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
                )
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        origin = spec.origin if spec is not None else None
        stat = os.stat(origin) if origin else None
        entries.append(
            f"{library}:{origin}:{stat.st_size if stat else ''}:{stat.st_mtime_ns if stat else ''}"
        )
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]


def cache_key(path: Path, mapping: Mapping, period: str, encoding: str) -> str:
    identity = {
        "file": str(path.resolve()),
        **file_fingerprint(path),
        "mapping": mapping.model_dump(mode="json"),
        "period": period,
        "encoding": encoding,
        "format": CUBE_FORMAT,
        "version": __version__,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def store_json(entry: Path, payload: Any) -> None:
    """Write ``payload`` as JSON atomically; failing to cache never fails a command."""
    with contextlib.suppress(OSError):
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{entry.stem}.", dir=entry.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(payload, stream)
            os.replace(temporary, entry)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
