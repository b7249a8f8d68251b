"""Golden outputs of `cx simulate` on the shipped example data: any change to a figure
or to the layout shows up here (``pytest --update-golden`` rewrites them on purpose)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import run_cx

ROOT = Path(__file__).resolve().parent.parent
TERMINAL = {"COLUMNS": "120", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb", "TZ": "UTC"}


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        (["--format", "json"], "simulate.digital-first.json"),
        (["--format", "table"], "simulate.digital-first.txt"),
        (["--format", "json", "--replay", "--fit"], "simulate.digital-first.replay.json"),
    ],
)
def test_simulate_golden(
    monkeypatch: pytest.MonkeyPatch, golden: Any, arguments: list[str], name: str
) -> None:
    monkeypatch.chdir(ROOT)
    for key, value in TERMINAL.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    result = run_cx(
        "simulate",
        "strategies/digital-first.yaml",
        "--data",
        "examples/interactions.csv",
        *arguments,
    )
    assert result.exit_code in (0, 1), result.stderr
    golden(name, result.stdout)
