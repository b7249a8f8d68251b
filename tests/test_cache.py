"""Cached cubes: reruns on unchanged data are fast, and never wrong."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_cx

from cx import api
from cx.errors import DataError

ROOT = Path(__file__).resolve().parent.parent
STRATEGY = ROOT / "strategies" / "digital-first.yaml"
GOOD = "".join(
    f"c{i},2024-01-0{1 + i % 3}T{8 + i % 9:02d}:00:00,{['phone', 'chat', 'web'][i % 3]}\n"
    for i in range(300)
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("CX_CACHE_DIR", str(directory))
    return directory


def write(path: Path, body: str) -> Path:
    path.write_text("customer_id,timestamp,channel\n" + body, encoding="utf-8")
    return path


def test_cube_cache_is_reused_and_equal(tmp_path: Path, cache: Path) -> None:
    data = write(tmp_path / "d.csv", GOOD)
    first = api.load_interactions(data, cache=True)
    entries = [p for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(entries) == 1
    again = api.load_interactions(data, cache=True)
    assert again.demand.equals(first.demand)
    assert again.arrivals.equals(first.arrivals)
    assert again.meta.rows_used == first.meta.rows_used == 300


def test_a_damaged_cube_entry_is_rebuilt(tmp_path: Path, cache: Path) -> None:
    data = write(tmp_path / "d.csv", GOOD)
    api.load_interactions(data, cache=True)
    [entry] = [p for p in cache.iterdir() if p.is_dir()]
    (entry / "entry.json").write_text("{not json", encoding="utf-8")
    cube = api.load_interactions(data, cache=True)
    assert cube.meta.rows_used == 300


def test_a_changed_file_is_scanned_again(tmp_path: Path, cache: Path) -> None:
    data = write(tmp_path / "d.csv", GOOD)
    api.load_interactions(data, cache=True)
    write(data, GOOD + "z,2024-01-03T10:00:00,phone\n")
    os.utime(data, ns=(1, 1))  # even an old mtime: the size and the tail changed
    assert api.load_interactions(data, cache=True).meta.rows_used == 301


def test_the_reject_limit_holds_on_a_cached_cube(tmp_path: Path, cache: Path) -> None:
    data = write(tmp_path / "d.csv", GOOD + "x,not-a-time,phone\n" * 10)
    api.load_interactions(data, cache=True, max_reject_rate=0.5)
    with pytest.raises(DataError, match="max-reject-rate"):
        api.load_interactions(data, cache=True)


def test_a_rerun_gives_the_same_output_and_notes(tmp_path: Path, cache: Path) -> None:
    data = write(tmp_path / "d.csv", GOOD + "x,not-a-time,phone\n")
    strategy = tmp_path / "s.yaml"
    strategy.write_text(
        "version: 1\nname: s\nkind: follow\nchannels:\n"
        "  phone: {mode: live, handle_time: 300, hourly_cost: 30}\n"
        "  chat: {mode: live, handle_time: 400, hourly_cost: 30}\n"
        "  web: {mode: self_service, cost_per_contact: 0.1}\n",
        encoding="utf-8",
    )
    args = ("simulate", str(strategy), "--data", str(data), "-f", "json")
    first, second = run_cx(*args), run_cx(*args)
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout
    assert "1 of 301 rows rejected" in second.stderr

    # A damaged cube entry is scanned again, not trusted.
    for entry in cache.iterdir():
        (entry / "entry.json").write_text("[]", encoding="utf-8")
    assert run_cx(*args).stdout == first.stdout

    # Editing the strategy changes the results.
    strategy.write_text(strategy.read_text().replace("hourly_cost: 30}", "hourly_cost: 60}", 1))
    changed = json.loads(run_cx(*args).stdout)
    assert changed["totals"]["cost"] > json.loads(first.stdout)["totals"]["cost"]

    # --set is part of the key too.
    overridden = run_cx(*args, "--set", "channels.web.cost_per_contact=5")
    assert json.loads(overridden.stdout)["totals"]["cost"] > changed["totals"]["cost"]


def test_no_cache_writes_nothing(tmp_path: Path, cache: Path) -> None:
    data = write(tmp_path / "d.csv", GOOD)
    result = run_cx("compare", str(STRATEGY), "--data", str(data), "--no-cache", "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert not cache.exists()
