"""Everything the README shows must run exactly as written."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def _blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == language]


def _cx_commands() -> list[str]:
    commands = []
    for body in _blocks("bash"):
        for line in body.splitlines():
            if line.startswith("cx "):
                commands.append(line)
    return commands


def _setup_commands() -> list[str]:
    return [line for body in _blocks("bash") for line in body.splitlines()
            if line.startswith("python3 -m venv")]


def test_readme_opens_with_two_setup_commands() -> None:
    setup = _setup_commands()
    assert len(setup) == 2
    assert "cx simulate" in setup[0] and "examples/interactions.csv" in setup[0]
    assert "pytest" in setup[1]
    first_block = _blocks("bash")[0]
    assert first_block.strip() == setup[0]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _setup_commands()[1] in ci


#: What the README's commands read, linked into the directory they run in: their
#: outputs (report.html, my-project/) land there, not in the repository.
WORKSPACE = ("examples", "strategies", "cx-strategy.schema.json")


def _workspace(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    for name in WORKSPACE:
        (work / name).symlink_to(ROOT / name)
    return work


def _run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cx = Path(sys.executable).parent / "cx"
    args = [str(cx), *shlex.split(command)[1:]]
    expanded: list[str] = []
    for arg in args:
        if "*" in arg:
            expanded.extend(sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(arg)))
        else:
            expanded.append(arg)
    return subprocess.run(expanded, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _writers_of(command: str) -> list[str]:
    """The README's `cx init` commands whose -o directory ``command`` reads."""
    writers = []
    for other in _cx_commands():
        words = shlex.split(other)
        if words[:2] != ["cx", "init"] or "-o" not in words or other == command:
            continue
        if f"{words[words.index('-o') + 1]}/" in command:
            writers.append(other)
    return writers


@pytest.mark.parametrize("command", _cx_commands())
def test_readme_command_runs(command: str, tmp_path: Path) -> None:
    env = {**os.environ, "CX_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    work = _workspace(tmp_path)
    for writer in _writers_of(command):  # the README runs it first
        assert _run(writer, work, env).returncode == 0
    completed = _run(command, work, env)
    expanded = shlex.split(command)
    assert "Traceback" not in completed.stderr
    # 1 means a guard failed: a finding, shown on purpose by some examples.
    assert completed.returncode in (0, 1), completed.stderr
    # Every command says something: its output, or (github annotations of valid
    # files, -o FILE) a summary on stderr.
    assert completed.stdout.strip() or completed.stderr.strip() or "-o" in expanded


def test_readme_python_api_example_runs(tmp_path: Path) -> None:
    [example] = [body for body in _blocks("python") if "import cx" in body]
    env = {**os.environ, "CX_CACHE_DIR": str(tmp_path / "cache")}
    completed = subprocess.run(
        [sys.executable, "-c", example], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "cheapest:" in completed.stdout
