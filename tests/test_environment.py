"""The test suite passes in any user's shell, and cx's machine output does not depend on it.

``tests/conftest.py`` starts every test from a neutral shell; these tests run a part
of the suite, and a representative command, in a subprocess under a hostile one:
colour forced and refused at once, a narrow and short terminal, a dumb TERM, far-off
time zones, the C locale, a read-only home, a cube cache directory already set,
CX_DEBUG, random hash seeds. Nothing may be written to the home directory, the
preset cache or the repository tree.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
CORPUS = REPOSITORY / "tests" / "corpus"
#: Tests whose output depends most on the shell: error lines, tables, JSON, the
#: rerun key (which holds the environment) and the spinner.
SUITE_PART = [
    "tests/test_cli_simulate.py",
    "tests/test_rerun.py",
    "tests/test_scale_inputs.py::test_spinner_only_on_a_terminal_for_large_files",
]


def hostile_environment(tmp_path: Path, zone: str) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    home.chmod(0o555)
    preset_cache = tmp_path / "preset-cache"
    preset_cache.mkdir(exist_ok=True)
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("XDG_CACHE_HOME", "PYTHONDONTWRITEBYTECODE")
    }
    environment.update(
        NO_COLOR="1",
        FORCE_COLOR="1",
        COLUMNS="40",
        LINES="5",
        TERM="dumb",
        TZ=zone,
        LANG="C",
        LC_ALL="C",
        HOME=str(home),
        CX_CACHE_DIR=str(preset_cache),
        CX_DEBUG="1",
        PYTHONHASHSEED="random",
    )
    return environment


def tree(root: Path, skip: tuple[str, ...] = ()) -> set[str]:
    """Every file and directory under ``root``, except bytecode and the ``skip`` names."""
    ignored = {"__pycache__", *skip}
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if not ignored & set(path.relative_to(root).parts)
    }


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/St_Johns"])
def test_a_part_of_the_suite_passes_in_a_hostile_shell(tmp_path: Path, zone: str) -> None:
    environment = hostile_environment(tmp_path, zone)
    repository_before = tree(REPOSITORY, skip=(".git", ".venv"))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-x", "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "inner"), *SUITE_PART],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"^\d{2,} passed", run.stdout, re.MULTILINE), run.stdout[-1000:]
    assert list((tmp_path / "home").iterdir()) == []
    assert list((tmp_path / "preset-cache").iterdir()) == []
    assert tree(REPOSITORY, skip=(".git", ".venv")) == repository_before


def simulate_json(environment: dict[str, str], cwd: Path) -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "cx", "simulate", str(CORPUS / "strategies" / "base.yaml"),
         "--data", str(CORPUS / "data" / "good.csv"), "--format", "json"],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert run.returncode in (0, 1), run.stderr
    assert "\x1b[" not in run.stdout
    return json.loads(run.stdout)


def test_json_output_is_the_same_in_any_shell(tmp_path: Path) -> None:
    """Time zone, locale, width and colour change no figure, date or key of the JSON."""
    neutral = {**os.environ, "CX_CACHE_DIR": str(tmp_path / "neutral-cache")}
    expected = simulate_json(neutral, tmp_path)
    for zone in ("Pacific/Kiritimati", "America/St_Johns"):
        work = tmp_path / zone.replace("/", "-")
        work.mkdir()
        environment = hostile_environment(work, zone)
        environment["CX_CACHE_DIR"] = str(work / "cache")
        assert simulate_json(environment, work) == expected


@pytest.mark.parametrize("columns", ["0", "-3", "wide"])
def test_a_terminal_size_that_is_no_size_is_ignored(tmp_path: Path, columns: str) -> None:
    """COLUMNS=0 laid everything out in zero columns: no table, and no error line."""
    environment = {**os.environ, "COLUMNS": columns, "CX_CACHE_DIR": str(tmp_path / "cache")}
    strategy = str(CORPUS / "strategies" / "base.yaml")
    data = str(CORPUS / "data" / "good.csv")
    table = subprocess.run(
        [sys.executable, "-m", "cx", "simulate", strategy, "--data", data],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert table.returncode in (0, 1), table.stderr
    assert "Channels" in table.stdout or "channel" in table.stdout.lower()
    missing = subprocess.run(
        [sys.executable, "-m", "cx", "simulate", str(tmp_path / "nothere.yaml"), "--data", data],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert missing.returncode == 2
    assert "strategy file not found" in missing.stderr
