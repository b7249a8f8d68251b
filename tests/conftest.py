"""Shared test fixtures.

Golden files: ``pytest --update-golden`` (or ``CX_UPDATE_GOLDEN=1``) rewrites the
expected outputs under ``tests/golden/`` instead of comparing against them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from cx.cli.rerun import ENVIRONMENT

GOLDEN_DIR = Path(__file__).parent / "golden"
#: Read before any test runs: each test starts without the ``CX_*`` variables.
_UPDATE_GOLDEN = os.environ.get("CX_UPDATE_GOLDEN")

#: Variables of the user's shell that change what cx prints, how Python behaves, or
#: where cx reads and writes; every test starts without them (a test that needs one
#: sets it). ``cx.cli.rerun.ENVIRONMENT`` lists those that change output.
SHELL_VARIABLES = (
    *ENVIRONMENT, "LANGUAGE", "LC_MESSAGES", "LC_NUMERIC", "LC_TIME", "LC_COLLATE",
    "LC_MONETARY", "XDG_CACHE_HOME", "PYTHONWARNINGS", "PYTHONUTF8",
)  # fmt: skip

# Hypothesis keeps no example database in the repository tree (.hypothesis/).
settings.register_profile("cx", database=None)
settings.load_profile("cx")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/* from the current output instead of comparing.",
    )


@pytest.fixture(scope="session")
def _private_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(autouse=True)
def _neutral_shell(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    _private_home: Path,
) -> Iterator[None]:
    """Every test runs as in a plain shell, whatever the user's holds: no colour or
    width settings, UTC, no locale, no ``CX_*`` variable, a private home directory and
    a private cube cache (no test reads or writes ~/.cache/cx); a test may set its own."""
    for name in [*SHELL_VARIABLES, *(n for n in os.environ if n.startswith("CX_"))]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("HOME", str(_private_home))
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path_factory.mktemp("cx-cache")))
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden(name, text)``: assert ``text`` equals tests/golden/<name> (or rewrite it)."""
    update = request.config.getoption("--update-golden") or _UPDATE_GOLDEN in ("1", "true", "yes")

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
