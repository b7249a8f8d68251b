"""Identical reruns are answered from the recorded output, and only when nothing they
depend on has changed (cx.cli.rerun, through the `cx` entry point)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cx.cli import rerun
from cx.cli.entry import run

GOOD = "".join(
    f"c{i},2024-01-0{1 + i % 3}T{8 + i % 9:02d}:00:00,{['phone', 'chat', 'web'][i % 3]}\n"
    for i in range(300)
)
BASE = """version: 1
name: base
kind: follow
channels:
  phone: {mode: live, handle_time: 360, hourly_cost: 30}
  chat: {mode: live, handle_time: 480, hourly_cost: 25}
  web: {mode: self_service, cost_per_contact: 0.1}
"""
CHILD = """version: 1
extends: base.yaml
name: child
kind: push
shifts:
  - from: phone
    to: {web: 0.5}
    containment: 0.8
guards:
  - "coverage >= 0.5"
"""


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text("customer_id,timestamp,channel\n" + GOOD, encoding="utf-8")
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "child.yaml").write_text(CHILD, encoding="utf-8")
    return tmp_path


def cx(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the `cx` executable's entry point in process: exit code, stdout, stderr."""
    capsys.readouterr()
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


SIMULATE = ("simulate", "child.yaml", "--data", "data.csv", "--format", "json")


def recorded(work: Path) -> list[Path]:
    runs = work / "cache" / "runs"
    return sorted(runs.glob("*.json")) if runs.is_dir() else []


def test_a_rerun_replays_stdout_stderr_and_exit_code(work: Path, capsys) -> None:
    first = cx(capsys, *SIMULATE, "--set", 'guards=["coverage > 2"]')
    assert first[0] == 1  # a failed guard is a finding, and is replayed as one
    assert json.loads(first[1])["strategy"]["name"] == "child"
    assert len(recorded(work)) == 1
    assert rerun.replay([*SIMULATE, "--set", 'guards=["coverage > 2"]']) == 1
    assert cx(capsys, *SIMULATE, "--set", 'guards=["coverage > 2"]') == first


def test_notes_on_stderr_are_replayed(work: Path, capsys) -> None:
    (work / "data.csv").write_text(
        "customer_id,timestamp,channel\n" + GOOD + "c1,not-a-date,phone\n", encoding="utf-8"
    )
    args = (*SIMULATE, "--max-reject-rate", "0.5")
    first = cx(capsys, *args)
    assert first[0] == 0
    assert "1 of 301 rows rejected" in first[2]
    assert cx(capsys, *args) == first


def test_every_what_if_command_is_replayed(work: Path, capsys) -> None:
    commands = [
        ("compare", "base.yaml", "child.yaml", "--data", "data.csv", "--format", "csv"),
        ("sweep", "child.yaml", "--set-range", "shifts.0.to.web=0:0.4:0.2", "--data", "data.csv"),
        ("check", "child.yaml", "base.yaml", "--data", "data.csv", "--format", "json"),
    ]
    for command in commands:
        first = cx(capsys, *command)
        assert first[0] == 0 and first[1]
        assert rerun.replay(list(command)) == 0
        assert cx(capsys, *command) == first
    assert len(recorded(work)) == 3


def test_an_edited_strategy_or_the_file_it_extends_is_run_again(work: Path, capsys) -> None:
    before = json.loads(cx(capsys, *SIMULATE)[1])
    (work / "base.yaml").write_text(BASE.replace("hourly_cost: 30", "hourly_cost: 60"), "utf-8")
    assert rerun.replay(list(SIMULATE)) is None
    after = json.loads(cx(capsys, *SIMULATE)[1])
    assert after["totals"]["cost"] > before["totals"]["cost"]
    (work / "child.yaml").write_text(CHILD.replace("name: child", "name: renamed"), "utf-8")
    assert json.loads(cx(capsys, *SIMULATE)[1])["strategy"]["name"] == "renamed"


def test_changed_data_is_run_again(work: Path, capsys) -> None:
    cx(capsys, *SIMULATE)
    data = work / "data.csv"
    data.write_text(data.read_text(encoding="utf-8") + "c9,2024-01-01T09:00:00,phone\n", "utf-8")
    assert rerun.replay(list(SIMULATE)) is None
    assert json.loads(cx(capsys, *SIMULATE)[1])["data"]["rows_used"] == 301


def test_a_touched_data_file_is_not_trusted(work: Path, capsys) -> None:
    cx(capsys, *SIMULATE)
    stat = (work / "data.csv").stat()
    os.utime(work / "data.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert rerun.replay(list(SIMULATE)) is None


@pytest.mark.parametrize(
    "extra",
    [("--no-cache",), ("--output", "out.json"), ("--rejects", "rejects.csv")],
    ids=["no-cache", "output", "rejects"],
)
def test_runs_that_must_read_or_write_files_are_not_recorded(
    work: Path, capsys, extra: tuple[str, ...]
) -> None:
    assert cx(capsys, *SIMULATE, *extra)[0] == 0
    assert recorded(work) == []
    assert rerun.replay([*SIMULATE, *extra]) is None


def test_errors_and_other_commands_are_not_recorded(work: Path, capsys) -> None:
    assert cx(capsys, "simulate", "child.yaml", "--data", "missing.csv")[0] == 2
    assert cx(capsys, "inspect", "--data", "data.csv")[0] == 0
    assert cx(capsys, "validate", "child.yaml")[0] == 0
    assert recorded(work) == []


def test_the_environment_and_directory_are_part_of_the_key(
    work: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    cx(capsys, *SIMULATE)
    monkeypatch.setenv("NO_COLOR", "1")
    assert rerun.replay(list(SIMULATE)) is None
    monkeypatch.delenv("NO_COLOR")
    assert rerun.replay(list(SIMULATE)) == 0
    monkeypatch.setenv("CX_SCAN", "exact")
    assert rerun.replay(list(SIMULATE)) is None


def test_a_damaged_recording_is_removed_and_the_command_runs(work: Path, capsys) -> None:
    first = cx(capsys, *SIMULATE)
    [entry] = recorded(work)
    entry.write_text("{not json", encoding="utf-8")
    assert rerun.replay(list(SIMULATE)) is None
    assert not entry.exists()
    assert cx(capsys, *SIMULATE) == first


def test_a_replay_imports_neither_typer_nor_pydantic_nor_polars(work: Path) -> None:
    probe = (
        "import sys\n"
        f"sys.argv = ['cx', *{list(SIMULATE)!r}]\n"
        "from cx.cli.entry import run\n"
        "code = run(sys.argv[1:])\n"
        "heavy = sorted({'typer', 'pydantic', 'polars', 'rich'} & set(sys.modules))\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    env = {**os.environ, "CX_CACHE_DIR": str(work / "cache")}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", probe], cwd=work, env=env, capture_output=True, text=True
        )

    first, second = run(), run()
    assert first.stderr.strip().endswith("0 ['polars', 'pydantic', 'rich', 'typer']")
    assert second.stderr.strip() == "0 []"
    assert second.stdout == first.stdout


def test_a_removed_working_directory_still_runs_the_command(
    work: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = work / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    args = ("simulate", str(work / "child.yaml"), "--data", str(work / "data.csv"), "-f", "json")
    assert rerun.replay(list(args)) is None
    code, out, err = cx(capsys, *args)
    assert (code, err) == (0, "")
    assert json.loads(out)["strategy"]["name"] == "child"
    assert recorded(work) == []


def test_an_upgraded_library_changes_the_code_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cx.data import cache_keys

    package = tmp_path / "somelib"
    package.mkdir()
    (package / "__init__.py").write_text("VERSION = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cache_keys, "LIBRARIES", ("somelib",))
    cache_keys.code_identity.cache_clear()
    before = cache_keys.code_identity()
    (package / "__init__.py").write_text("VERSION = 22\n", encoding="utf-8")
    cache_keys.code_identity.cache_clear()
    try:
        assert cache_keys.code_identity() != before
    finally:
        monkeypatch.undo()
        cache_keys.code_identity.cache_clear()


def test_the_console_script_exits_with_the_code_and_every_byte_written(work: Path) -> None:
    env = {**os.environ, "CX_CACHE_DIR": str(work / "cache")}

    def cx_process(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cx", *args], cwd=work, env=env, capture_output=True, text=True
        )

    ok = cx_process(*SIMULATE, "--no-cache")
    assert (ok.returncode, ok.stderr) == (0, "")
    assert json.loads(ok.stdout)["strategy"]["name"] == "child"
    failed = cx_process(*SIMULATE, "--no-cache", "--set", 'guards=["coverage > 2"]')
    assert failed.returncode == 1 and json.loads(failed.stdout)["guards"][0]["ok"] is False
    missing = cx_process("simulate", "child.yaml", "--data", "missing.csv")
    assert missing.returncode == 2 and missing.stderr.startswith("error:")


def test_an_exit_message_is_written_and_means_1(capsys: pytest.CaptureFixture[str]) -> None:
    from cx.cli.entry import _exit_code

    assert (_exit_code(None), _exit_code(3)) == (0, 3)
    assert _exit_code("stopped") == 1
    assert capsys.readouterr().err == "stopped\n"
