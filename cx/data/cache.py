"""On-disk cache of cubes, so repeated runs on an unchanged export skip the scan.

The key covers the file (size, modification time, a hash of its first and last
64 KiB), the mapping, the period, the encoding and the cube format. An entry that
is stale, unreadable or inconsistent is rebuilt, never trusted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from cx.data.cache_keys import cache_dir, cache_key
from cx.data.cube import Cube, DataMeta

__all__ = ["cache_dir", "cache_key", "load", "store"]


def _frame_fields(cube: Cube) -> list[str]:
    return [
        f.name for f in dataclasses.fields(cube) if isinstance(getattr(cube, f.name), pl.DataFrame)
    ]


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


def store(cube: Cube, key: str, directory: Path | None = None) -> None:
    """Write ``cube`` under ``key``; failures to cache never fail the run."""
    root = directory or cache_dir()
    with contextlib.suppress(OSError):
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
        try:
            for name in _frame_fields(cube):
                getattr(cube, name).write_parquet(staging / f"{name}.parquet")
            cube.meta.rejects_sample.write_parquet(staging / "rejects_sample.parquet")
            (staging / "meta.json").write_text(json.dumps(_meta_json(cube.meta)))
            target = root / key
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def load(key: str, directory: Path | None = None) -> Cube | None:
    """The cached cube for ``key``, or None (a broken entry is removed)."""
    entry = (directory or cache_dir()) / key
    if not entry.is_dir():
        return None
    try:
        payload = json.loads((entry / "meta.json").read_text())
        payload["period_starts"] = [date.fromisoformat(s) for s in payload["period_starts"]]
        payload["rejects_sample"] = pl.read_parquet(entry / "rejects_sample.parquet")
        meta = DataMeta(**payload)
        frames = {
            item.name: pl.read_parquet(entry / f"{item.name}.parquet")
            for item in dataclasses.fields(Cube)
            if item.init and item.name not in ("meta", "outcomes")
        }
        cube = Cube(meta=meta, **frames)
        if cube.meta.rows_used <= 0 or not cube.meta.period_starts:
            raise ValueError("inconsistent cache entry")
        return cube
    except Exception:
        shutil.rmtree(entry, ignore_errors=True)
        return None
