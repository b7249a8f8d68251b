"""`--format xlsx -o FILE.xlsx`: read back with openpyxl, every value equals the JSON;
only to a file, never over an input, a clear error without openpyxl."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cx.cli.app import app

openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parent.parent
DATA = "examples/interactions.csv"
STRATEGY = "strategies/digital-first.yaml"
TWO = ["strategies/digital-first.yaml", "strategies/branch-closure.yaml"]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(arguments: list[str]) -> Any:
    return CliRunner().invoke(app, arguments)


def as_json(arguments: list[str]) -> Any:
    result = run([*arguments, "--format", "json"])
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def workbook(arguments: list[str], path: Path) -> Any:
    result = run([*arguments, "--format", "xlsx", "-o", str(path)])
    assert result.exit_code in (0, 1), result.stderr
    assert result.stdout == ""
    return openpyxl.load_workbook(path)


def rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def same(value: Any, expected: Any) -> bool:
    """Equal, floats to the 15 significant digits a spreadsheet keeps."""
    if isinstance(expected, float) and not isinstance(value, bool):
        return value == pytest.approx(expected, rel=1e-13, abs=1e-12)
    return bool(value == expected)


def records(sheet: Any) -> list[dict[str, Any]]:
    header, *body = rows(sheet)
    return [dict(zip(header, row, strict=True)) for row in body]


def test_simulate_workbook_equals_the_json(tmp_path: Path) -> None:
    arguments = ["simulate", STRATEGY, "--data", DATA]
    expected = as_json(arguments)
    book = workbook(arguments, tmp_path / "result.xlsx")
    assert book.sheetnames == ["totals", "channels", "dilution", "periods", "guards"]
    totals = {row["metric"]: row for row in records(book["totals"])}
    for key, value in expected["totals"].items():
        assert same(totals[key]["strategy"], value), key
    assert totals["cost_delta"]["delta"] == pytest.approx(
        expected["totals"]["cost"] - totals["cost"]["baseline"]
    )
    channels = records(book["channels"])
    assert [c["channel"] for c in channels] == [c["channel"] for c in expected["channels"]]
    for got, want in zip(channels, expected["channels"], strict=True):
        for key, value in got.items():
            assert same(value, want[key]), (want["channel"], key)
    periods = records(book["periods"])
    for got_period, want_period in zip(periods, expected["periods"], strict=True):
        assert all(same(got_period[k], want_period[k]) for k in got_period)
    guards = records(book["guards"])
    for got_guard, want_guard in zip(guards, expected["guards"], strict=True):
        assert all(same(got_guard[k], want_guard[k]) for k in ("expr", "value", "ok"))
    dilution = records(book["dilution"])
    assert {d["channel"] for d in dilution} == {"phone", "chat", "email", "social"}


def test_a_workbook_holds_no_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same results, same bytes: the workbook's properties and its zip entries carry a
    fixed time, not the time it was written (README "Same data, same bytes")."""
    import time
    import zipfile

    arguments = ["simulate", STRATEGY, "--data", DATA, "--format", "xlsx", "-o"]
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    assert run([*arguments, str(first)]).exit_code == 0
    later = time.time() + 86_400 * 400  # a clock more than a year on
    monkeypatch.setattr(time, "time", lambda: later)
    assert run([*arguments, str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as book:
        assert {entry.date_time for entry in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    properties = openpyxl.load_workbook(first).properties
    assert properties.created == properties.modified == datetime(1980, 1, 1)


def test_numbers_are_numbers_shares_are_percent_and_the_header_is_frozen(
    tmp_path: Path,
) -> None:
    book = workbook(["simulate", STRATEGY, "--data", DATA], tmp_path / "result.xlsx")
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "B2", sheet.title
        assert all(cell.font.bold for cell in sheet[1])
    channels = book["channels"]
    header = [cell.value for cell in channels[1]]
    phone = channels[2]
    assert isinstance(phone[header.index("cost")].value, float)
    assert phone[header.index("volume_share")].number_format == "0.0%"
    coverage = next(r for r in book["totals"].iter_rows(min_row=2) if r[0].value == "coverage")
    assert coverage[2].number_format == "0.0%"


def test_compare_workbook_has_one_column_per_strategy(tmp_path: Path) -> None:
    arguments = ["compare", *TWO, "--data", DATA]
    expected = as_json(arguments)["results"]
    book = workbook(arguments, tmp_path / "compare.xlsx")
    header, *body = rows(book["totals"])
    assert header == ("metric", "label", "digital-first", "branch-closure", "baseline")
    for metric, _label, first, second, _baseline in body:
        assert same(first, expected[0]["totals"][metric]), metric
        assert same(second, expected[1]["totals"][metric]), metric
    channels = records(book["channels"])
    assert len(channels) == sum(len(r["channels"]) for r in expected)
    assert {c["strategy"] for c in channels} == {"digital-first", "branch-closure"}


def test_sweep_and_inspect_workbooks_equal_the_json(tmp_path: Path) -> None:
    sweep = ["sweep", STRATEGY, "--set-range", "shifts.0.to.app=0:0.2:0.1", "--data", DATA]
    steps = as_json(sweep)["steps"]
    book = workbook(sweep, tmp_path / "sweep.xlsx")
    got = records(book["steps"])
    assert [g["shifts.0.to.app"] for g in got] == [s["value"] for s in steps]
    for row, step in zip(got, steps, strict=True):
        for key, value in step["result"]["totals"].items():
            assert same(row[key], value), key
    profile = as_json(["inspect", "--data", DATA])
    book = workbook(["inspect", "--data", DATA], tmp_path / "inspect.xlsx")
    data = {row: value for row, _, value in rows(book["data"])[1:]}
    assert data["rows_read"] == profile["data"]["rows_read"]
    contacts = {
        row: value for row, column, value in rows(book["channels"])[1:] if column == "contacts"
    }
    assert contacts == {c["channel"]: c["contacts"] for c in profile["channels"]}


def test_sensitivity_workbook_equals_the_json(tmp_path: Path) -> None:
    command = ["sensitivity", "strategies/digital-first-uncertain.yaml", "--data", DATA]
    keys = as_json(command)["keys"]
    got = records(workbook(command, tmp_path / "sensitivity.xlsx")["sensitivity"])
    assert [row["key"] for row in got] == [item["key"] for item in keys]
    for row, item in zip(got, keys, strict=True):
        for column in ("low", "high", "at_low", "at_high", "swing"):
            assert same(row[column], item[column]), column


def test_text_from_files_is_not_a_formula(tmp_path: Path) -> None:
    result = run(
        ["compare", *TWO, "--data", DATA, "--set", "name==HYPERLINK(1)",
         "--format", "xlsx", "-o", str(tmp_path / "x.xlsx")]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    # The names (a column heading, and a cell of each row of a strategy) as written,
    # stored as text: no quote in front of them to show.
    names = [cell for cell in cells if cell.value == "=HYPERLINK(1)"]
    assert names and all(cell.data_type == "s" for cell in names)


@pytest.mark.parametrize("output", [None, "-"])
def test_xlsx_needs_a_file(output: str | None) -> None:
    extra = [] if output is None else ["-o", output]
    result = run(["simulate", STRATEGY, "--data", DATA, "--format", "xlsx", *extra])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--format xlsx writes a workbook" in result.stderr
    assert "-o FILE.xlsx" in result.stderr


WORKBOOK_OR = "add --format xlsx for a workbook, or name it"


@pytest.mark.parametrize(
    ("command", "name", "hint"),
    [
        (["simulate", STRATEGY], "results.xlsx", f"{WORKBOOK_OR} results.txt)"),
        (["simulate", STRATEGY, "-f", "json"], "r.ods", f"{WORKBOOK_OR} r.json)"),
        (["compare", STRATEGY, "-f", "markdown"], "r.xls", f"{WORKBOOK_OR} r.md)"),
        (["check", STRATEGY], "guards.XLS", "name it guards.txt)"),
        (["check", STRATEGY, "-f", "junit"], "guards.xlsx", "name it guards.xml)"),
    ],
)
def test_text_is_never_written_under_a_workbook_name(
    tmp_path: Path, command: list[str], name: str, hint: str
) -> None:
    """`cx simulate ... -o results.xlsx` without --format xlsx wrote the text table into
    results.xlsx, a file no spreadsheet opens."""
    output = tmp_path / name
    result = run([*command, "--data", DATA, "-o", str(output)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {output}: a workbook's name (")
    assert "writes text (hint: " + hint in result.stderr
    assert not output.exists()
    text = tmp_path / "results.xlsx.txt"
    assert run([*command, "--data", DATA, "-o", str(text)]).exit_code in (0, 1)


@pytest.mark.parametrize(
    ("command", "name", "message", "other_name"),
    [
        (["report", STRATEGY, "--data", DATA], "r.xlsx", "cx report writes HTML", "r.html"),
        (["cube", "--sql"], "cube.XLS", "cx cube --sql writes SQL", "cube.sql"),
        (["schema"], "schema.ods", "cx schema writes JSON", "schema.json"),
        (["check", STRATEGY, "-d", DATA, "--rejects"], "r.xls", "--rejects writes CSV", "r.csv"),
    ],
)
def test_a_fixed_text_format_is_never_written_under_a_workbook_name(
    tmp_path: Path, command: list[str], name: str, message: str, other_name: str
) -> None:
    """`cx report ... -o r.xlsx` wrote the HTML page into r.xlsx, exit 0, like every
    command (or --rejects) that writes one text format whatever the file's name."""
    output = tmp_path / name
    flag = [] if command[-1] == "--rejects" else ["-o"]
    result = run([*command, *flag, str(output)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"error: {output}: a workbook's name ({output.suffix}), but {message} "
        f"(hint: name it {other_name})\n"
    )
    assert not output.exists()


def test_xlsx_never_overwrites_an_input(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_bytes((ROOT / DATA).read_bytes())
    result = run(["inspect", "--data", str(data), "--format", "xlsx", "-o", str(data)])
    assert result.exit_code == 2
    assert str(data) in result.stderr
    assert data.read_bytes() == (ROOT / DATA).read_bytes()


def test_without_openpyxl_a_clear_error_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl → ImportError
    target = tmp_path / "out.xlsx"
    result = run(["compare", *TWO, "--data", DATA, "--format", "xlsx", "-o", str(target)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "needs the optional package openpyxl" in result.stderr
    assert "pip install 'cx[xlsx]'" in result.stderr
    assert not target.exists()


def test_a_guard_value_is_never_rounded_to_the_threshold_it_fails(tmp_path: Path) -> None:
    """Two decimals showed a coverage of 0.98996 as 0.99 beside FALSE for `coverage >=
    0.99`: the workbook shows a guard's value with all its digits, as the JSON has it."""
    strategy = tmp_path / "close-video.yaml"
    strategy.write_text(
        f"version: 1\nextends: {ROOT / 'strategies/follow-everywhere.yaml'}\n"
        "name: close-video\nkind: push\noffer: [phone, chat, branch, email, social, web, app]\n"
        "fallback:\n  video: {to: chat, accept: 0.5}\n"
        "guards:\n  - coverage >= 0.99\n",
        encoding="utf-8",
    )
    for command in (["simulate", str(strategy)], ["compare", str(strategy), STRATEGY]):
        book = workbook([*command, "--data", DATA], tmp_path / "guards.xlsx")
        header, *body = book["guards"].iter_rows()
        value = [cell.value for cell in header].index("value")
        failing = body[0]
        assert failing[value].value == pytest.approx(0.98975)
        assert failing[value + 1].value is False
        assert all(row[value].number_format == "General" for row in body)
