"""Cached results: rerunning a command on an unchanged export and strategy is instant.

Results are deterministic given the cube and the evaluation settings, so the CLI
keeps them beside the cube cache, keyed by the cube's key (file identity, mapping,
period, encoding), every strategy as validated, and the settings. No Polars here: a
hit is answered before the scan's libraries are even imported. A damaged entry is
removed and the command runs as if there were none.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from cx.data.cache_keys import cache_dir, code_identity, store_json
from cx.models.result import Result
from cx.models.strategy import Strategy


def results_key(cube_key: str, strategies: list[Strategy], settings: dict[str, Any]) -> str:
    identity = {
        "cube": cube_key,
        "strategies": [
            {"model": s.model_dump(mode="json", by_alias=True), "file": s.file}
            for s in strategies
        ],
        "settings": settings,
        "code": code_identity(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def _entry(key: str) -> Path:
    return cache_dir() / "results" / f"{key}.json"


def load(key: str) -> tuple[list[Result], list[str]] | None:
    """The cached results and data notes for ``key``, or None."""
    entry = _entry(key)
    if not entry.is_file():
        return None
    try:
        payload = json.loads(entry.read_text(encoding="utf-8"))
        results = [Result.model_validate(item) for item in payload["results"]]
        notes = [str(note) for note in payload["notes"]]
        baselines = payload["baselines"]
        for result, baseline in zip(results, baselines, strict=True):
            if baseline is not None:
                result.baseline = type(result.totals).model_validate(baseline)
        return results, notes
    except Exception:  # any damage means: compute again
        with contextlib.suppress(OSError):
            entry.unlink()
        return None


def store(key: str, results: list[Result], notes: list[str]) -> None:
    """Keep ``results``; failing to cache never fails the command."""
    entry = _entry(key)
    payload = {
        "results": [result.model_dump(mode="json") for result in results],
        "baselines": [
            result.baseline.model_dump(mode="json") if result.baseline is not None else None
            for result in results
        ],
        "notes": notes,
    }
    store_json(entry, payload)
