"""Every command over the bad-input corpus (tests/corpus/cases.yaml): exit 2 with one
clear message naming the file (and line and column where there is one), exit 1 for
validate findings, or a run that works and says what it rejected — never a traceback.

The table is expanded into one run per (case, command); see the comment at the top of
cases.yaml for its keys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_cx

from cx.loader.yamlsafe import MAX_DEPTH, MAX_FILE_BYTES

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yaml").read_text("utf-8"))
STRATEGY = "strategies/base.yaml"
GOOD_DATA = "data/good.csv"
DATA_COMMANDS = ("simulate", "compare", "check", "sweep", "inspect", "report", "cube")
STRATEGY_COMMANDS = ("validate", "simulate", "compare", "check", "sweep", "report")
SWEEP_RANGE = "channels.phone.hourly_cost=30:40:10"


def data_args(command: str, data: str, strategy: str = STRATEGY) -> list[str]:
    source = ["--data", data]
    return {
        "simulate": ["simulate", strategy, *source],
        "compare": ["compare", strategy, strategy, *source],
        "check": ["check", strategy, *source],
        "sweep": ["sweep", strategy, "--set-range", SWEEP_RANGE, *source],
        "inspect": ["inspect", *source],
        "report": ["report", strategy, *source, "-o", "{tmp}/report.html"],
        "cube": ["cube", *source, "-o", "{tmp}/cube.parquet"],
    }[command]


def runs() -> list[Any]:
    """(case, command, args, expected exit) for every case and command."""
    expanded = []
    for case in CASES:
        if "args" in case:
            expanded.append((case, case["args"][0], case["args"], case["exit"]))
        elif "data" in case:
            for command in case.get("commands", DATA_COMMANDS):
                args = data_args(command, case["data"]) + case.get("extra", [])
                expanded.append((case, command, args, case["exit"]))
        else:
            for command in STRATEGY_COMMANDS:
                if command == "validate":
                    args = ["validate", case["strategy"]]
                    expected = case.get("validate_exit", 1)
                else:
                    args = data_args(command, GOOD_DATA, case["strategy"])
                    expected = case["exit"]
                expanded.append((case, command, args, expected))
    return [
        pytest.param(case, command, args, code, id=f"{case['name']}-{command}")
        for case, command, args, code in expanded
    ]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """YAML too big or too deep to commit."""
    directory = tmp_path_factory.mktemp("generated")
    (directory / "deep.yaml").write_text(
        "version: 1\nname: deep\nkind: follow\nchannels: "
        + "[" * (MAX_DEPTH + 10)
        + "]" * (MAX_DEPTH + 10)
        + "\n"
    )
    filler = "".join(f"  key{i}: {i}\n" for i in range(MAX_FILE_BYTES // 12))
    (directory / "large.yaml").write_text("version: 1\nname: large\nextra:\n" + filler)
    return directory


@pytest.fixture
def in_corpus(
    tmp_path: Path, generated: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    monkeypatch.chdir(CORPUS)
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "out").mkdir()
    return tmp_path / "out", generated


def fill(args: list[str], out: Path, generated: Path) -> list[str]:
    def one(arg: str) -> str:
        if arg.startswith("{tmp}/") and arg.endswith(".yaml"):
            return str(generated / arg.removeprefix("{tmp}/"))
        return arg.replace("{tmp}", str(out))

    return [one(str(arg)) for arg in args]


def invoke(args: list[str]) -> Any:
    result = run_cx(*args)
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything, everything
    assert "internal error" not in everything, everything
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


@pytest.mark.parametrize(("case", "command", "args", "expected"), runs())
def test_corpus_case(
    case: dict[str, Any],
    command: str,
    args: list[str],
    expected: int,
    in_corpus: tuple[Path, Path],
) -> None:
    out, generated = in_corpus
    result = invoke(fill(args, out, generated))
    shown = f"$ cx {' '.join(args)}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.exit_code == expected, shown
    where = result.stdout + result.stderr if command == "validate" else result.stderr
    if expected != 0 or command != "cube":
        for text in case.get("stderr", []):
            assert text in where, f"missing {text!r}\n{shown}"
    if expected == 2 and "args" not in case:
        assert result.stdout == "", shown  # nothing half-done on stdout
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, shown  # one clear message
    if expected == 0 and command in ("report", "cube"):
        assert any(out.iterdir()), shown


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES if "json" in c])
def test_corpus_json(case: dict[str, Any], in_corpus: tuple[Path, Path]) -> None:
    """The §8 data counts of the cases that work: rejects counted, blank lines not rows."""
    args = [*data_args("simulate", case["data"]), *case.get("extra", []), "--format", "json"]
    result = invoke(args)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    for dotted, value in case["json"].items():
        found: Any = payload
        for key in dotted.split("."):
            found = found[key]
        assert found == value, f"{dotted}: {found!r} != {value!r}"


def test_every_case_of_the_brief_is_in_the_table() -> None:
    names = {case["name"] for case in CASES}
    required = {
        "missing-file",
        "directory-instead-of-file",
        "empty-file",
        "header-only",
        "wrong-required-column",
        "missing-required-column",
        "unknown-delimiter",
        "non-utf8-bytes",
        "non-utf8-bytes-with-encoding-lossy",
        "binary-garbage",
        "quoted-multi-line-field",
        "a-few-unparseable-timestamps",
        "many-bad-rows",
        "negative-or-absurd-handle-times",
        "duplicate-rows",
        "channel-not-in-the-catalog",
        "strategy-that-is-a-list",
        "strategy-that-is-a-scalar",
        "strategy-alias-bomb",
        "strategy-nested-very-deep",
        "strategy-very-large",
        "mapping-with-unknown-canonical-column",
        "byte-order-mark",
        "windows-line-endings",
        "empty-trailing-lines",
        "truncated-last-line",
        "columns-renamed-without-a-mapping",
        "columns-renamed-since-the-mapping-was-written",
    }
    assert required <= names, sorted(required - names)
    for case in CASES:
        for key in ("data", "strategy"):
            if key in case and "{tmp}" not in case[key] and "does-not-exist" not in case[key]:
                assert (CORPUS / case[key]).exists(), case[key]
