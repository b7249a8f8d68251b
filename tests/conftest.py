"""Shared test fixtures.

Golden files: ``pytest --update-golden`` (or ``CX_UPDATE_GOLDEN=1``) rewrites the
expected outputs under ``tests/golden/`` instead of comparing against them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/* from the current output instead of comparing.",
    )


@pytest.fixture(autouse=True)
def _private_cube_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the user's cube cache (~/.cache/cx); a test may set its own."""
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path_factory.mktemp("cx-cache")))


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden(name, text)``: assert ``text`` equals tests/golden/<name> (or rewrite it)."""
    update = request.config.getoption("--update-golden") or os.environ.get("CX_UPDATE_GOLDEN") in (
        "1",
        "true",
        "yes",
    )

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"{path} is missing; run pytest --update-golden"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"output differs from {path}; run pytest --update-golden"

    return check
