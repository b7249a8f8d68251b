"""Cache locations and keys, without Polars: a rerun can find its cached results
before anything heavy is imported."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from cx._version import __version__
from cx.models.mapping import Mapping

CUBE_FORMAT = 2  # 2: handle_by_hour gained wait_sum, wait_n, abandoned, abandoned_n
EDGE_BYTES = 64 * 1024


def cache_dir() -> Path:
    configured = os.environ.get("CX_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cx"


def cache_key(path: Path, mapping: Mapping, period: str, encoding: str) -> str:
    stat = path.stat()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        digest.update(handle.read(EDGE_BYTES))
        if stat.st_size > EDGE_BYTES:
            handle.seek(max(stat.st_size - EDGE_BYTES, EDGE_BYTES))
            digest.update(handle.read(EDGE_BYTES))
    identity = {
        "file": str(path.resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "edges": digest.hexdigest(),
        "mapping": mapping.model_dump(mode="json"),
        "period": period,
        "encoding": encoding,
        "format": CUBE_FORMAT,
        "version": __version__,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]
