"""Progress of long steps: the library reports steps to a Progress, the CLI draws them on
stderr when it is a terminal, and never otherwise or with --quiet.

The terminal is faked with rich's ``Console(force_terminal=True)`` writing to a buffer;
steps are drawn at once (no delay) and every file counts as large, so that small
example files show what a large export shows.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cx import api
from cx.cli import data_options
from cx.cli import progress as cli_progress
from cx.cli.app import app
from cx.errors import UsageError
from cx.generate import write_interactions
from cx.models.progress import SILENT, Progress

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
DIGITAL_FIRST = ROOT / "strategies" / "digital-first.yaml"


class Recorder(Progress):
    """Every step with its total and what was counted towards it."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.open: list[dict[str, Any]] = []

    def start(self, step: str, total: float | None = None) -> None:
        entry = {"name": step, "total": total, "done": 0.0, "finished": False}
        self.steps.append(entry)
        self.open.append(entry)

    def advance(self, amount: float = 1.0) -> None:
        self.open[-1]["done"] += amount

    def finish(self) -> None:
        self.open.pop()["finished"] = True

    def named(self, words: str) -> dict[str, Any]:
        found = [step for step in self.steps if words in step["name"]]
        assert len(found) == 1, (words, self.steps)
        return found[0]


def check_truthful(recorder: Recorder) -> None:
    """Every step ended; a step with a total counted exactly up to it."""
    assert recorder.open == []
    for step in recorder.steps:
        assert step["finished"], step
        if step["total"] is not None:
            assert step["done"] == step["total"], step
        else:
            assert step["done"] == 0, step


# --------------------------------------------------------------------------- the library


def test_load_interactions_reports_the_outcomes_pass() -> None:
    recorder = Recorder()
    cube = api.load_interactions(EXAMPLE, outcomes=True, progress=recorder)
    step = recorder.named("journeys and outcomes")
    assert step["name"] == f"journeys and outcomes of {cube.meta.rows_used:,} contacts"
    assert step["total"] is None  # one Polars query: no percentage to tell
    check_truthful(recorder)


def test_load_interactions_without_outcomes_has_no_step() -> None:
    recorder = Recorder()
    api.load_interactions(EXAMPLE, progress=recorder)
    assert recorder.steps == []


def test_inspect_reports_its_pass() -> None:
    recorder = Recorder()
    cube = api.load_interactions(EXAMPLE)
    api.inspect_interactions(cube, progress=recorder)
    assert recorder.named("profiling")["name"].startswith(f"profiling {cube.meta.rows_used:,}")
    check_truthful(recorder)


def test_replay_counts_every_replayed_contact() -> None:
    recorder = Recorder()
    cube = api.load_interactions(EXAMPLE)
    strategy = api.load_strategy(DIGITAL_FIRST)
    result = api.simulate(strategy, cube, replay=True, progress=recorder)
    assert recorder.steps[0]["name"] == "gathering the contacts for the replay"
    replaying = recorder.named("through the queues")
    replayed = sum(c.replay.contacts for c in result.channels if c.replay is not None)
    assert replaying["total"] == replayed > 0
    check_truthful(recorder)


def test_generate_counts_rows_drawn_and_written(tmp_path: Path) -> None:
    recorder = Recorder()
    write_interactions(tmp_path / "out.csv", rows=1234, seed=1, progress=recorder)
    assert [(step["name"], step["total"]) for step in recorder.steps] == [
        ("drawing 1,234 contacts", 1234),
        ("writing 1,234 contacts", 1234),
    ]
    check_truthful(recorder)
    assert len((tmp_path / "out.csv").read_text().splitlines()) == 1235


def test_report_names_its_steps() -> None:
    pytest.importorskip("altair", reason="the report extra is not installed")
    pytest.importorskip("vl_convert", reason="the report extra is not installed")
    from cx.report import build_report

    recorder = Recorder()
    build_report(
        [api.load_strategy(DIGITAL_FIRST)], api.load_interactions(EXAMPLE), progress=recorder
    )
    assert [step["name"] for step in recorder.steps] == [
        "loading the chart library",
        "evaluating 1 strategy",
        "drawing the charts",
        "bundling the chart library",
    ]
    check_truthful(recorder)


def test_the_default_is_silent_and_anything_else_is_refused() -> None:
    cube = api.load_interactions(EXAMPLE)
    strategy = api.load_strategy(DIGITAL_FIRST)
    assert api.simulate(strategy, cube, progress=None) == api.simulate(
        strategy, cube, progress=SILENT
    )
    with pytest.raises(UsageError, match=r"progress must be None or a cx\.Progress"):
        api.simulate(strategy, cube, progress=print)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the terminal


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stderr as a terminal (a buffer), steps shown at once, every file large."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=200, color_system=None)
    monkeypatch.setattr(cli_progress, "stderr_console", lambda: console)
    monkeypatch.setattr(data_options, "stderr_console", lambda: console)
    monkeypatch.setattr(cli_progress, "SHOW_AFTER", 0.0)
    monkeypatch.setattr(data_options, "PROGRESS_MIN_BYTES", 0)
    return buffer


def cx(*args: object) -> Any:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code in (0, 1), result.stderr
    return result


def test_inspect_names_the_read_and_the_journey_pass(terminal: io.StringIO) -> None:
    cx("inspect", "--data", EXAMPLE, "--no-cache")
    shown = terminal.getvalue()
    size = EXAMPLE.stat().st_size / 1e6
    assert f"reading interactions.csv ({size:,.0f} MB)" in shown
    assert "profiling 30,000 contacts: journeys, repeats" in shown


def test_report_names_every_step(terminal: io.StringIO, tmp_path: Path) -> None:
    pytest.importorskip("altair", reason="the report extra is not installed")
    pytest.importorskip("vl_convert", reason="the report extra is not installed")
    cx("report", DIGITAL_FIRST, "--data", EXAMPLE, "--no-cache", "-o", tmp_path / "r.html")
    shown = terminal.getvalue()
    for step in (
        "reading interactions.csv",
        "profiling 30,000 contacts: journeys, outcomes, repeats",
        "loading the chart library",
        "evaluating 1 strategy",
        "drawing the charts",
        "bundling the chart library",
    ):
        assert step in shown, step


def test_replay_shows_a_bar_with_percent_and_time_left(terminal: io.StringIO) -> None:
    cx("simulate", DIGITAL_FIRST, "--data", EXAMPLE, "--no-cache", "--replay")
    shown = terminal.getvalue()
    assert "gathering the contacts for the replay" in shown
    # a bar, its percentage and the time left (unknown at 0 %)
    assert re.search(
        r"replaying [0-9,]+ contacts through the queues [━╸╺ ]+\d+% (-:--:--|\d:)", shown
    )


def test_generate_shows_bars(terminal: io.StringIO, tmp_path: Path) -> None:
    cx("generate", "-o", tmp_path / "g.csv", "-n", "2000")
    shown = terminal.getvalue()
    assert re.search(r"drawing 2,000 contacts [━╸╺ ]+\d+%", shown)
    assert re.search(r"writing 2,000 contacts [━╸╺ ]+\d+%", shown)


def test_quiet_draws_nothing(terminal: io.StringIO, tmp_path: Path) -> None:
    cx("inspect", "--data", EXAMPLE, "--no-cache", "--quiet")
    cx("generate", "-o", tmp_path / "g.csv", "-n", "2000", "--quiet")
    assert terminal.getvalue() == ""


def test_nothing_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cli_progress, "SHOW_AFTER", 0.0)
    monkeypatch.setattr(data_options, "PROGRESS_MIN_BYTES", 0)
    result = cx("simulate", DIGITAL_FIRST, "--data", EXAMPLE, "--no-cache", "--replay")
    generated = cx("generate", "-o", tmp_path / "g.csv", "-n", "2000")
    for stderr in (result.stderr, generated.stderr):
        assert "reading" not in stderr and "contacts through" not in stderr
        assert "drawing" not in stderr and "%" not in stderr
        assert "\x1b[" not in stderr


def test_a_step_inside_another_takes_its_place_until_it_ends() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, color_system=None)
    progress = cli_progress.terminal_progress(False, console, delay=0.0)
    with progress.step("outer step"), progress.step("inner step", total=4):
        progress.advance(4)
    shown = buffer.getvalue()
    frames = [frame for frame in shown.split("\x1b[2K") if "step" in frame]
    assert "outer step" in frames[0]
    inner = [frame for frame in frames if "inner step" in frame]
    assert inner and all("outer step" not in frame for frame in inner)
    assert re.search(r"inner step [━╸╺ ]+\d+%", inner[0])
    # The display is gone when the work is done (transient) and the cursor is back.
    assert shown.rstrip("\r").endswith("\x1b[2K\x1b[?25h")


def test_a_step_is_drawn_only_once_it_has_run_a_while() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, color_system=None)
    progress = cli_progress.terminal_progress(False, console, delay=3600.0)
    with progress.step("quick step"):
        pass
    assert "quick step" not in buffer.getvalue()


def test_output_on_stdout_during_a_step_stays_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, color_system=None)
    progress = cli_progress.terminal_progress(False, console, delay=0.0)
    with progress.step("writing"):
        print("customer_id,timestamp,channel")
    assert capsys.readouterr().out == "customer_id,timestamp,channel\n"
    assert "customer_id" not in buffer.getvalue()
