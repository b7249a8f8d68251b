"""The `uncertainty:` block of a strategy (DESIGN §12): what it declares, checked like
every other key, with file:line for each problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, run_cx

from cx import api
from cx.errors import StrategyError

DIGITAL_FIRST = str(ROOT / "strategies" / "digital-first.yaml")


def _strategy(tmp_path: Path, block: str) -> Path:
    path = tmp_path / "uncertain.yaml"
    path.write_text(
        f"version: 1\nextends: {DIGITAL_FIRST}\nname: uncertain\nkind: push\n"
        f"uncertainty:\n{block}",
        encoding="utf-8",
    )
    return path


def test_the_three_forms_load(tmp_path: Path) -> None:
    path = _strategy(
        tmp_path,
        "  shifts.0.containment: {low: 0.5, high: 0.9}\n"
        "  channels.chat.handle_time: {low: 200, mode: 300, high: 500}\n"
        "  channels.phone.hourly_cost: {mean: 32, sd: 3}\n"
        "  volume: {low: 0.9, high: 1.15}\n",
    )
    strategy = api.load_strategy(path)
    assert strategy.uncertainty["shifts.0.containment"].bounds == (0.5, 0.9)
    assert strategy.uncertainty["channels.chat.handle_time"].mode == 300  # type: ignore[union-attr]
    assert strategy.uncertainty["channels.phone.hourly_cost"].bounds == pytest.approx(
        (32 - 1.645 * 3, 32 + 1.645 * 3)
    )


def test_inherited_and_overridden(tmp_path: Path) -> None:
    base = _strategy(tmp_path, "  volume: {low: 0.9, high: 1.15}\n")
    child = tmp_path / "child.yaml"
    child.write_text(
        f"version: 1\nextends: {base.name}\nname: child\nkind: push\n", encoding="utf-8"
    )
    strategy = api.load_strategy(child, ["uncertainty.volume.high=1.3"])
    assert strategy.uncertainty["volume"].bounds == (0.9, 1.3)
    assert api.load_strategy(child).uncertainty["volume"].bounds == (0.9, 1.15)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("shifts.0.contianment: {low: 0.5, high: 0.9}", "did you mean 'containment'"),
        ("channels.chatt.fixed_cost: {low: 1, high: 2}", "did you mean 'chat'"),
        ("shifts.7.containment: {low: 0.5, high: 0.9}", "shifts has no item 7"),
        ("shifts.0.name: {low: 1, high: 2}", "is not a number"),
        ("channels.phone.hourly_cost: {low: 30, mode: 20, high: 40}", "low (30) is above mode"),
        ("channels.phone.hourly_cost: {low: 40, high: 30}", "low (40) is above high (30)"),
        ("shifts.1.to.chat: {low: 0.2, high: 1.4}", "outside the valid range"),
        ("channels.phone.shrinkage: {mean: 0.3, sd: 0}", "greater than 0"),
        ("channels.phone.shrinkage: {mean: 2, sd: 0.1}", "outside the valid range"),
        ("channels.phone.min_agents: {low: .nan, high: 2}", "finite number"),
        ("volume: {low: 0, high: 2}", "outside the valid range of volume"),
        ("volume: {low: 1, hihg: 2}", "unknown key 'hihg'"),
    ],
)
def test_bad_blocks_are_findings_at_their_line(tmp_path: Path, entry: str, words: str) -> None:
    first = "  channels.chat.hourly_cost: {low: 20, high: 30}\n"
    path = _strategy(tmp_path, first + "  " + entry + "\n")
    result = run_cx("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:7:" in result.stdout
    assert words in result.stdout
    with pytest.raises(StrategyError) as caught:
        api.load_strategy(path)
    assert {finding.line for finding in caught.value.findings} == {7}
