"""Mistakes in the command line itself (a bad option value, an unknown option, a
missing argument): one `error:` line naming the option, a hint, exit 2, like every
other user error."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, one_error_line, run_cx, run_cx_process

STRATEGY = str(ROOT / "strategies" / "digital-first-uncertain.yaml")
DATA = str(ROOT / "examples" / "interactions.csv")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--samples", "-3"], "Invalid value for '--samples'"),
        (["--format", "yaml"], "'yaml' is not one of"),
        (["--bogus"], "No such option: --bogus"),
    ],
)
def test_a_bad_option_is_one_line(args: list[str], words: str) -> None:
    line = one_error_line(run_cx("simulate", STRATEGY, "--data", DATA, *args))
    assert words in line
    assert "(hint: see 'cx simulate -h')" in line


def test_a_bad_option_with_a_range_is_told_the_range() -> None:
    """Where the option's values are a range, the hint says it instead of -h."""
    args = ["simulate", STRATEGY, "--data", DATA, "--max-reject-rate", "2"]
    line = one_error_line(run_cx(*args))
    assert "Invalid value for '--max-reject-rate'" in line
    assert line.endswith("(hint: use 0 to 1, e.g. 0.05)")


def test_a_missing_option_and_an_unknown_command() -> None:
    assert "Missing option '--data'" in one_error_line(run_cx("simulate", STRATEGY))
    line = one_error_line(run_cx("simulte"))
    assert "No such command 'simulte'" in line and "see 'cx -h'" in line


def test_the_installed_command_says_the_same() -> None:
    result = run_cx_process("sensitivity", STRATEGY, "--data", DATA, "--metric")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: Option '--metric' requires an argument (hint: see 'cx sensitivity -h')"
    ]


def test_help_and_a_bare_cx_are_unchanged() -> None:
    shown = run_cx("simulate", "-h")
    assert shown.exit_code == 0 and "--samples" in shown.stdout and shown.stderr == ""
    bare = run_cx()
    assert bare.exit_code == 2 and "Usage: cx" in bare.stdout + bare.stderr


COMMANDS = ("check", "compare", "cube", "explain", "generate", "init", "inspect", "report",
            "schema", "sensitivity", "simulate", "sweep", "validate")  # fmt: skip


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_no_value_beside_a_flag(command: str | None) -> None:
    """`--quiet <bool>` read as an option that takes true or false (a flag refuses any),
    `--set <list[str]>` did not say what to write, and `strategies... <list[Path]>`
    showed a Python type."""
    shown = run_cx(*([command] if command else []), "--help")
    assert shown.exit_code == 0, shown.stderr
    assert "--help" in shown.stdout
    assert "<bool>" not in shown.stdout and "list[" not in shown.stdout


def test_the_list_of_commands_wraps_each_summary_to_the_terminal() -> None:
    """`cx --help` broke `init`'s and `sweep`'s lines where their docstrings' lines end
    ("strategies (follow.yaml," then "push.yaml)" on a line of its own at any width)."""
    listed = run_cx("--help", env={"COLUMNS": "200"}).stdout
    for summary in (
        "Read an export and write a mapping (columns.yaml) and strategies (follow.yaml, "
        "push.yaml) that run on it.",
        "What-if curve: cost, coverage and staffing as one value varies, or one figure over "
        "a grid of two values (one scan).",
    ):
        assert summary in listed
    box = listed[listed.index("Commands") :].splitlines()[1:]
    commands = [line for line in box if line.startswith("│")]
    assert [line.split()[1] for line in commands] == list(COMMANDS)  # one line each


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["generate", "--channels", "3"],
            "error: No such option: --channels (hint: see 'cx generate -h')",
        ),  # Click offered --help: both names start with dashes
        (
            ["generate", "--hlep"],
            "error: No such option: --hlep (Possible options: --help) (hint: see 'cx generate -h')",
        ),
        (
            ["generate", "--sed", "1"],
            "error: No such option: --sed (Possible options: --seed) (hint: see 'cx generate -h')",
        ),
    ],
)
def test_an_unknown_option_is_offered_only_options_close_by_name(
    args: list[str], said: str
) -> None:
    result = run_cx(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == said + "\n"


def test_help_shows_the_form_of_an_option_value() -> None:
    def shown(command: str) -> str:
        return " ".join(run_cx(command, "--help").stdout.split())  # wrapped as it may be

    simulate = shown("simulate")
    for form in ("<KEY=VALUE>", "<CHANNEL=N>", "<week|month|quarter>", "<utf8|lossy>"):
        assert form in simulate
    assert "<KEY=START:STOP:STEP>" in shown("sweep") and "<KEY=START:STOP:STEP>" in shown("report")
    assert "<text|json|github|junit>" in shown("validate")
    assert "<duckdb|spark|postgres>" in shown("cube") and "<polars|duckdb|spark>" in shown("cube")


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["validate", ""], "PATHS"),
        (["validate", STRATEGY, ""], "PATHS"),
        (["simulate", "", "--data", DATA], "STRATEGY"),
        (["inspect", "--data", ""], "--data"),
        (["inspect", "--data", DATA, "--columns", ""], "--columns"),
        (["simulate", STRATEGY, "--data", DATA, "-o", ""], "--output"),
        (["init", "--data", DATA, "-o", ""], "--output"),
    ],
)
def test_an_empty_path_is_refused_not_read_as_the_working_directory(
    args: list[str], name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # were it read as ".", nothing lands in the repository
    line = one_error_line(run_cx(*args))
    assert list(tmp_path.iterdir()) == []
    assert line.startswith(f"error: empty path given for {name} (hint: ")
