"""Shared test fixtures.

Golden files: ``pytest --update-golden`` (or ``CX_UPDATE_GOLDEN=1``) rewrites the
expected outputs under ``tests/golden/`` instead of comparing against them.

Helpers every test file uses (``from conftest import run_cx, ...``):

* :func:`run_cx`: the CLI in process (Typer's CliRunner; ``stdout`` and ``stderr``
  apart), on a fixed terminal (:data:`TERMINAL`);
* :func:`run_cx_process`: the installed ``cx`` executable as a child process, on the
  same terminal;
* :func:`write_csv`: an interaction file from rows (dicts, or sequences under a header);
* :func:`write_strategy`: a strategy file from a dict;
* :func:`one_error_line`: the one ``error:`` line of a run refused as bad input;

and the fixture ``work``: the test runs in its own directory, with its own cube cache.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings
from typer.testing import CliRunner, Result

from cx.cli.app import app
from cx.cli.rerun import ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = Path(__file__).parent / "golden"
#: The terminal cx runs on in the tests: 80 columns, no colour. A variable a test sets
#: itself (monkeypatch.setenv) wins.
TERMINAL = {"COLUMNS": "80", "LINES": "24", "NO_COLOR": "1", "TERM": "dumb"}
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


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's directory as the working directory, with the cube cache in it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / ".cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("CX_DEBUG", raising=False)
    return tmp_path


def _terminal(env: Mapping[str, str] | None) -> dict[str, str]:
    return {**{k: os.environ.get(k, v) for k, v in TERMINAL.items()}, **(env or {})}


def run_cx(*args: object, env: Mapping[str, str] | None = None, **invoke: Any) -> Result:
    """``cx ARGS...`` in process: exit_code, stdout and stderr apart, exception."""
    return CliRunner().invoke(app, [str(arg) for arg in args], env=_terminal(env), **invoke)


def run_cx_process(
    *args: object,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """``cx ARGS...`` as a child process (the executable beside this Python)."""
    executable = Path(sys.executable).parent / "cx"
    return subprocess.run(
        [str(executable), *(str(arg) for arg in args)],
        cwd=cwd,
        env={**os.environ, **_terminal(env)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_csv(
    path: Path,
    rows: Iterable[Mapping[str, Any]] | Iterable[Sequence[Any]],
    header: Sequence[str] | None = None,
    *,
    line_end: str = "\r\n",
) -> Path:
    """A CSV file of ``rows``: dicts (the header: their keys, in the order first seen)
    or sequences under ``header``. Lines end as the csv module ends them unless
    ``line_end`` says otherwise."""
    rows = list(rows)
    if header is None:
        names: list[str] = []
        for row in rows:
            names += [key for key in row if key not in names]  # type: ignore[union-attr]
        header = names
        rows = [[row.get(name, "") for name in names] for row in rows]  # type: ignore[union-attr]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator=line_end)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_strategy(path: Path, document: Mapping[str, Any]) -> Path:
    """A strategy file of ``document``, as YAML that escapes every non-ASCII character."""
    path.write_text(yaml.safe_dump(dict(document), allow_unicode=False), encoding="utf-8")
    return path


def one_error_line(result: Result) -> str:
    """Exit 2, nothing on stdout, exactly one `error:` line on stderr: that line."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:"), lines[0]
    return lines[0]
