"""A path the operating system cannot use at all (a name over 255 bytes) is the user's
mistake wherever cx first touches it: one line naming it, exit 2, never exit 3."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cx

ROOT = Path(__file__).resolve().parent.parent
LONG = "a" * 300


@pytest.mark.parametrize(
    "arguments",
    [
        ["simulate", f"{LONG}.yaml", "--data", "examples/interactions.csv"],
        ["simulate", "strategies/digital-first.yaml", "--data", f"{LONG}.csv"],
        ["inspect", "--data", f"{LONG}.csv"],
        ["validate", f"{LONG}.yaml"],
        ["check", f"{LONG}.yaml", "--data", "examples/interactions.csv"],
    ],
)
def test_a_name_too_long_is_bad_input(
    monkeypatch: pytest.MonkeyPatch, arguments: list[str]
) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cx(*arguments)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert LONG[:40] in lines[0]  # the path is named (shortened where it is long)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
