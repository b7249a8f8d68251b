"""The scan's sorts of 64-bit keys (customer hashes, row hashes, journey order) are
numpy's or Polars', whichever is faster on the CPU: the figures never depend on which."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cx.data import fine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import run_cx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
STRATEGY = ROOT / "strategies" / "digital-first.yaml"


@pytest.fixture(params=["numpy", "polars"])
def sorter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every sort of keys by the one or the other, however few the keys."""
    monkeypatch.setattr(fine, "PROBED_SORT", 0)
    monkeypatch.setattr(fine, "polars_sorts_faster", lambda: request.param == "polars")
    return str(request.param)


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint64, st.integers(0, 300), elements=st.integers(0, 2**64 - 1)))
def test_keys_are_sorted_alike_and_left_alone_unless_in_place(values: np.ndarray) -> None:
    expected = np.sort(values)
    for polars in (False, True):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(fine, "PROBED_SORT", 0)
            patch.setattr(fine, "polars_sorts_faster", lambda polars=polars: polars)
            given_values = values.copy()
            assert np.array_equal(fine.sorted_keys(given_values), expected)
            assert np.array_equal(given_values, values)  # not in place: untouched
            assert np.array_equal(fine.sorted_keys(given_values.copy(), in_place=True), expected)


def test_the_probe_answers_once_per_process() -> None:
    fine.polars_sorts_faster.cache_clear()
    first = fine.polars_sorts_faster()
    assert isinstance(first, bool)
    assert fine.polars_sorts_faster.cache_info().hits == 0
    assert fine.polars_sorts_faster() is first
    assert fine.polars_sorts_faster.cache_info().hits == 1


def _figures(*args: object) -> dict[str, object]:
    result = run_cx(*args, "--format", "json", "--no-cache")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def by_numpy() -> tuple[dict[str, object], dict[str, object]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fine, "PROBED_SORT", 0)
        patch.setattr(fine, "polars_sorts_faster", lambda: False)
        return (
            _figures("simulate", STRATEGY, "--data", EXAMPLE, "--outcomes"),
            _figures("inspect", "--data", EXAMPLE),
        )


def test_figures_do_not_depend_on_the_sort(
    sorter: str, by_numpy: tuple[dict[str, object], dict[str, object]]
) -> None:
    """Preferred channels, duplicate rows, journeys and outcomes: the same, byte for byte."""
    simulated, inspected = by_numpy
    assert _figures("simulate", STRATEGY, "--data", EXAMPLE, "--outcomes") == simulated
    assert _figures("inspect", "--data", EXAMPLE) == inspected
