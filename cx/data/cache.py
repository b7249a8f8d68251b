"""On-disk cache of cubes, so repeated runs on an unchanged export skip the scan.

The key (:func:`cx.data.cache_keys.cache_key`) covers the file (its absolute path, what
it resolves to, size, modification and change times, inode, sampled content hash),
the mapping, the period, the encoding and the cube format. Every entry carries the
sha256 of each file it holds and of its own description, checked on load: an entry
that is stale, unreadable, damaged or edited is rebuilt, never trusted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from cx.data.cache_keys import cache_dir, cache_key, checksum, read_regular, unusable_reason
from cx.data.cube import Cube, DataMeta

__all__ = ["cache_dir", "cache_key", "load", "store"]

#: The tables of a cube entry, each one Parquet file; the rest is in ``entry.json``.
FRAMES = ("demand", "arrivals", "preferred", "handle_by_hour", "rejects_sample")
ENTRY = "entry.json"


def _frames(cube: Cube) -> dict[str, pl.DataFrame]:
    tables = {name: getattr(cube, name) for name in FRAMES if name != "rejects_sample"}
    return {**tables, "rejects_sample": cube.meta.rejects_sample}


def _meta_json(meta: DataMeta) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for item in dataclasses.fields(meta):
        value = getattr(meta, item.name)
        if isinstance(value, pl.DataFrame):
            continue
        if item.name == "period_starts":
            value = [start.isoformat() for start in value]
        payload[item.name] = value
    return payload


def store(cube: Cube, key: str, directory: Path | None = None) -> str | None:
    """Write ``cube`` under ``key``. Failing to cache never fails the run: it returns
    the note saying why (None when stored), and leaves no partial entry behind."""
    root = directory or cache_dir()
    staging: Path | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
        sums = {}
        for name, frame in _frames(cube).items():
            buffer = io.BytesIO()
            frame.write_parquet(buffer)
            content = buffer.getvalue()
            (staging / f"{name}.parquet").write_bytes(content)
            sums[name] = hashlib.sha256(content).hexdigest()
        description = {"key": key, "meta": _meta_json(cube.meta), "files": sums}
        (staging / ENTRY).write_text(
            json.dumps({"sha256": checksum(description), "entry": description})
        )
        target = root / key
        _remove(target)
        try:
            os.replace(staging, target)
        except OSError:
            if not target.is_dir():  # else another run stored the same cube meanwhile
                raise
    except Exception as error:  # Polars reports a full disk in its own exception types
        return unusable_reason(error)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return None


def load(key: str, directory: Path | None = None) -> Cube | None:
    """The cached cube for ``key``, or None (a damaged entry is removed)."""
    entry = (directory or cache_dir()) / key
    try:
        if not entry.is_dir():
            return None
        stored = json.loads(read_regular(entry / ENTRY))
        description = stored["entry"]
        if stored["sha256"] != checksum(description) or description["key"] != key:
            raise ValueError("the entry does not match its checksum")
        if set(description["files"]) != set(FRAMES):
            raise ValueError("the entry's tables are not a cube's")
        frames = {}
        for name, digest in description["files"].items():
            content = read_regular(entry / f"{name}.parquet")
            if hashlib.sha256(content).hexdigest() != digest:
                raise ValueError(f"{name}.parquet does not match its checksum")
            frames[name] = pl.read_parquet(io.BytesIO(content))
        payload = dict(description["meta"])
        payload["period_starts"] = [date.fromisoformat(s) for s in payload["period_starts"]]
        meta = DataMeta(**payload, rejects_sample=frames.pop("rejects_sample"))
        cube = Cube(meta=meta, **frames)
        if cube.meta.rows_used <= 0 or not cube.meta.period_starts:
            raise ValueError("inconsistent cache entry")
        return cube
    except Exception:  # any damage means: scan again
        _remove(entry)
        return None


def _remove(entry: Path) -> None:
    """Whatever is at ``entry``: a directory with its files, anything else (a file, a
    FIFO, a symlink) unlinked. Never opened, so a FIFO in an entry's place is never
    waited on (``shutil.rmtree`` opens what it is given)."""
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            entry.unlink()
