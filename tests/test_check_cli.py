"""`cx check`: the guards of several strategies on one scan, for CI (DESIGN §8).

Guards here are chosen to pass or fail whatever the data (``coverage >= 0`` always
holds, ``coverage > 1`` never does), so the tests pin exit codes and output
shapes, not replay numbers.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cx

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("check-data")
    path = directory / "interactions.csv"
    try:
        from cx.generate import generate_interactions

        generate_interactions(1500, seed=3, days=60).write_csv(path)
    except ImportError:  # pragma: no cover - the generator is optional here
        shutil.copy(ROOT / "examples" / "interactions.csv", path)
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with the shipped catalog and strategies; runs happen inside it."""
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "strategies" / "follow-everywhere.yaml", tmp_path / "base.yaml")
    return tmp_path


def strategy(directory: Path, name: str, guards: list[str], extra: str = "") -> Path:
    lines = ["version: 1", "extends: base.yaml", f"name: {name}", "kind: follow"]
    if extra:
        lines.append(extra)
    if guards:
        lines.append("guards:")
        lines += [f"  - {guard}" for guard in guards]
    path = directory / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args: str) -> Any:
    result = run_cx(*args)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_all_guards_pass_exit_0(workdir: Path, data: Path) -> None:
    a = strategy(workdir, "a", ["coverage >= 0", "cost >= 0"])
    b = strategy(workdir, "b", ["channels.phone.handled >= 0"])
    result = run("check", a.name, b.name, "--data", data)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("PASS a: coverage >= 0 (")
    assert lines[1].startswith("PASS a: cost >= 0 (")
    assert lines[2].startswith("PASS b: channels.phone.handled >= 0 (")
    assert lines[3] == "2 strategies, 3 guards: 3 passed, 0 failed"


def test_a_failing_guard_exit_1(workdir: Path, data: Path) -> None:
    a = strategy(workdir, "a", ["coverage >= 0"])
    b = strategy(workdir, "b", ["coverage > 1", "cost >= 0"])
    result = run("check", a.name, b.name, "--data", data)
    assert result.exit_code == 1
    assert "FAIL b: coverage > 1 (1)" in result.stdout.splitlines()
    assert result.stdout.endswith("2 strategies, 3 guards: 2 passed, 1 failed\n")


def test_a_guard_value_reads_as_in_the_guards_table_and_agrees_with_its_verdict(
    workdir: Path,
) -> None:
    """Six significant digits showed a coverage of 0.9999998 as `(1)` beside `FAIL
    coverage >= 1`, in the CI annotations too, a cost with cents and an ASCII minus
    where `cx simulate` writes `−26,769`, and 0.122314 where it writes 0.1223."""
    retire_video = "offer: [phone, chat, branch, email, social, web, app]\n"
    retire_video += "fallback: {video: {to: chat, accept: 0.99999}}"
    shown = {
        "coverage >= 1": "0.9999998",
        "cost_delta > 0": "\u221226,769",
        "channels.chat.occupancy > 0.5": "0.1223",
    }
    close = strategy(workdir, "close", list(shown), extra=retire_video)
    examples = ROOT / "examples" / "interactions.csv"
    text = run("check", close.name, "--data", examples)
    assert text.exit_code == 1
    assert text.stdout.splitlines()[:3] == [
        f"FAIL close: {expr} ({value})" for expr, value in shown.items()
    ]
    table = run("simulate", close.name, "--data", examples).stdout
    for expr, value in shown.items():
        assert re.search(rf"FAIL +{re.escape(expr)} +{re.escape(value)}\n", table)
    github = run("check", close.name, "--data", examples, "-f", "github").stdout
    assert "coverage >= 1 (value 0.9999998; strategy close)" in github
    assert "cost_delta > 0 (value \u221226,769; strategy close)" in github
    junit = run("check", close.name, "--data", examples, "-f", "junit").stdout
    assert "coverage &gt;= 1 (value 0.9999998; strategy close)" in junit
    payload = json.loads(run("check", close.name, "--data", examples, "-f", "json").stdout)
    values = [guard["value"] for guard in payload["results"][0]["guards"]]
    assert values[0] == pytest.approx(0.9999998) and values[0] < 1
    assert values[1] < -26768


def test_a_guard_on_money_says_its_currency_as_the_guards_table_does(workdir: Path) -> None:
    """`cx check` wrote `cost_delta > 0` at `−26,769` where simulate's guards table
    writes `−€26,769`: money without the strategy's currency."""
    retire_video = "currency: €\noffer: [phone, chat, branch, email, social, web, app]\n"
    retire_video += "fallback: {video: {to: chat, accept: 0.99999}}"
    close = strategy(workdir, "close", ["cost_delta > 0", "coverage >= 1"], extra=retire_video)
    examples = ROOT / "examples" / "interactions.csv"
    text = run("check", close.name, "--data", examples)
    assert text.exit_code == 1
    assert text.stdout.splitlines()[:2] == [
        "FAIL close: cost_delta > 0 (\u2212€26,769)",
        "FAIL close: coverage >= 1 (0.9999998)",
    ]
    table = run("simulate", close.name, "--data", examples).stdout
    assert re.search("FAIL +cost_delta > 0 +\u2212€26,769\n", table)
    for output_format in ("github", "junit"):
        findings = run("check", close.name, "--data", examples, "-f", output_format).stdout
        assert "(value \u2212€26,769; strategy close)" in findings, output_format
    payload = json.loads(run("check", close.name, "--data", examples, "-f", "json").stdout)
    assert payload["results"][0]["guards"][0]["value"] < -26768


def test_a_guard_on_a_missing_metric_fails_and_says_why(workdir: Path, data: Path) -> None:
    a = strategy(workdir, "a", ["replay_intervals_meeting_target > 0.5"])
    result = run("check", a.name, "--data", data)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:1] == [
        "FAIL a: replay_intervals_meeting_target > 0.5 "
        "(no value: replay metrics come only from cx simulate --replay)",
    ]
    github = run("check", a.name, "--data", data, "-f", "github").stdout
    assert github.endswith(
        "::guard failed: replay_intervals_meeting_target > 0.5 (no value: replay metrics "
        "come only from cx simulate --replay; strategy a)\n"
    )


def test_a_guard_on_a_metric_the_channel_never_has_is_a_finding(
    workdir: Path, data: Path
) -> None:
    """It failed on every run, found only at run time: web is self-service."""
    a = strategy(workdir, "a", ["channels.web.occupancy < 0.9"])
    result = run("validate", a.name)
    assert result.exit_code == 1
    assert "guards.0: web has no occupancy: a self-service channel has no agents" in (
        result.stdout
    )


def test_a_guard_on_the_queue_of_a_retired_channel_is_a_finding(
    workdir: Path, data: Path
) -> None:
    """It failed on every run with "the channel has no result": video handles nothing."""
    retired = "offer: [phone, chat, branch, email, social, web, app]\n"
    retired += "fallback: {video: {to: chat, accept: 0.5}}"
    guards = ["channels.video.lost <= 1000", "channels.video.service_level >= 0.8"]
    a = strategy(workdir, "a", guards, extra=retired)
    result = run("validate", a.name)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "a.yaml:9:5: guards.1: video has no service_level: it is retired (not in "
        "`offer:`), so it handles no contact (hint: guard another metric of it, or remove "
        "the guard)",
        "1 file checked, 1 invalid, 1 finding",
    ]
    offered = run("check", a.name, "--data", data, "--set", "offer=null",
                  "--set", "fallback=null")  # fmt: skip
    assert offered.exit_code in (0, 1) and "PASS a: channels.video.lost <= 1000" in (
        offered.stdout
    )


def test_json(workdir: Path, data: Path) -> None:
    a = strategy(workdir, "a", ["coverage >= 0", "coverage > 1"])
    result = run("check", a.name, "--data", data, "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["schema_version"] == 1 and payload["ok"] is False
    (item,) = payload["results"]
    assert (item["strategy"], item["file"], item["ok"]) == ("a", "a.yaml", False)
    assert [(g["expr"], g["ok"]) for g in item["guards"]] == [
        ("coverage >= 0", True),
        ("coverage > 1", False),
    ]
    assert item["guards"][0]["value"] == pytest.approx(1.0)
    assert "1 strategy, 2 guards: 1 passed, 1 failed" in result.stderr


def test_github_annotations_point_at_the_guard_line(workdir: Path, data: Path) -> None:
    a = strategy(workdir, "a", ["coverage >= 0", "coverage > 1", "cost < 0"])
    result = run("check", a.name, "--data", data, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2  # failed guards only
    assert lines[0].startswith("::error file=a.yaml,line=7,col=5,title=cx check::guard failed: ")
    assert "coverage > 1 (value 1; strategy a)" in lines[0]
    assert lines[1].startswith("::error file=a.yaml,line=8,col=5,")


def test_inherited_guard_is_annotated_in_the_base_file(workdir: Path, data: Path) -> None:
    (workdir / "mid.yaml").write_text(
        "version: 1\nextends: base.yaml\nname: mid\nkind: follow\nguards:\n"
        "  - coverage >= 0\n  - coverage > 1\n"
    )
    (workdir / "child.yaml").write_text("extends: mid.yaml\nname: child\n")
    result = run("check", "child.yaml", "--data", data, "-f", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=mid.yaml,line=7,col=5,title=cx check::")
    assert "strategy child" in result.stdout


def test_strategies_that_share_a_name_are_told_apart(
    workdir: Path, data: Path, tmp_path: Path
) -> None:
    """A variant that extends a strategy keeps its name: its guard lines and JUnit test
    cases read exactly as its parent's. They are named as `cx compare` names them; the
    JSON keeps the names as written, beside each file."""
    a = strategy(workdir, "a", ["coverage >= 0"])
    (workdir / "variant.yaml").write_text("extends: a.yaml\n")
    text = run("check", a.name, "variant.yaml", "--data", data)
    assert text.exit_code == 0, text.stderr
    assert [line.rpartition(" (")[0] for line in text.stdout.splitlines()[:2]] == [
        "PASS a: coverage >= 0",
        "PASS a (2): coverage >= 0",
    ]
    target = tmp_path / "check.xml"
    run("check", a.name, "variant.yaml", "--data", data, "-f", "junit", "-o", target, "-q")
    suite = ElementTree.parse(target).getroot().find("testsuite")
    assert suite is not None
    names = [case.get("name") for case in suite.findall("testcase")]
    assert names == ["a: coverage >= 0", "a (2): coverage >= 0"]
    payload = json.loads(run("check", a.name, "variant.yaml", "--data", data, "-f", "json").stdout)
    assert [(r["strategy"], r["file"]) for r in payload["results"]] == [
        ("a", "a.yaml"),
        ("a", "variant.yaml"),
    ]


def test_guard_set_on_the_command_line_points_at_the_file(workdir: Path, data: Path) -> None:
    a = strategy(workdir, "a", ["coverage >= 0"])
    result = run("check", a.name, "--data", data, "-f", "github", "--set", "guards.0=coverage > 1")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "::error file=a.yaml,title=cx check::guard failed: coverage > 1"
    )


def test_junit_one_case_per_guard(workdir: Path, data: Path, tmp_path: Path) -> None:
    a = strategy(workdir, "a", ["coverage >= 0", "coverage > 1"])
    b = strategy(workdir, "b", ["cost >= 0"])
    target = tmp_path / "check.xml"
    result = run("check", a.name, b.name, "--data", data, "-f", "junit", "-o", target, "-q")
    assert result.exit_code == 1
    assert result.stdout == "" and result.stderr == ""
    suite = ElementTree.parse(target).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == [
        "a: coverage >= 0",
        "a: coverage > 1",
        "b: cost >= 0",
    ]
    assert [case.find("failure") is not None for case in cases] == [False, True, False]
    assert suite.get("failures") == "1"


def test_strategy_without_guards(workdir: Path, data: Path) -> None:
    a = strategy(workdir, "a", ["coverage >= 0"])
    b = strategy(workdir, "b", [], extra="guards: null")
    result = run("check", a.name, b.name, "--data", data)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == (
        "2 strategies, 1 guard: 1 passed, 0 failed (b: no guards)"
    )


def test_one_scan_with_the_first_strategy_period(workdir: Path, data: Path) -> None:
    a = strategy(workdir, "a", ["coverage >= 0"])
    b = strategy(workdir, "b", ["coverage >= 0"], extra="period: week")
    result = run("check", a.name, b.name, "--data", data)
    assert result.exit_code == 0
    assert "per month" in result.stderr and "b" in result.stderr
    quiet = run("check", a.name, b.name, "--data", data, "--period", "week", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_invalid_strategies_exit_2_with_every_finding(workdir: Path, data: Path) -> None:
    good = strategy(workdir, "good", ["coverage >= 0"])
    bad1 = strategy(workdir, "bad1", ["coverge >= 0"])
    bad2 = strategy(workdir, "bad2", ["coverage >= 0"], extra="colour: blue")
    result = run("check", good.name, bad1.name, bad2.name, "--data", data, "-f", "github")
    assert result.exit_code == 2
    assert "unknown metric 'coverge'" in result.stderr
    assert "unknown key 'colour'" in result.stderr
    assert result.stdout.count("::error file=") == 2
    assert "file=bad1.yaml,line=6,col=5" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--data", "missing.csv"], "not found"),
        (["--data", "DATA", "--format", "xml"], "xml"),
        (["--data", "DATA", "--period", "fortnight"], "unknown --period"),
        (["--data", "DATA", "--set", "nonsense"], "cannot read --set"),
        (["--data", "DATA", "--interval", "7"], "15, 30 or 60"),
    ],
)
def test_bad_input_exit_2(workdir: Path, data: Path, args: list[str], words: str) -> None:
    a = strategy(workdir, "a", ["coverage >= 0"])
    result = run("check", a.name, *[str(data) if arg == "DATA" else arg for arg in args])
    assert result.exit_code == 2
    assert words in result.stderr
    assert result.stdout == ""


def test_max_reject_rate(workdir: Path, data: Path) -> None:
    lines = data.read_text().splitlines()
    broken = workdir / "broken.csv"
    bad = ["," + line.split(",", 1)[1] for line in lines[500:539]]  # no customer_id
    broken.write_text("\n".join([*lines[:500], *bad, *lines[539:]]) + "\n")
    a = strategy(workdir, "a", ["coverage >= 0"])
    result = run("check", a.name, "--data", broken)
    assert result.exit_code == 2
    assert "reject" in result.stderr
    relaxed = run("check", a.name, "--data", broken, "--max-reject-rate", "0.5")
    assert relaxed.exit_code == 0, relaxed.stderr
    assert "39 of 1,500 rows rejected" in relaxed.stderr


def test_columns_mapping(workdir: Path, data: Path) -> None:
    renamed = workdir / "renamed.csv"
    text = data.read_text()
    renamed.write_text(text.replace("customer_id,", "client,", 1))
    mapping = workdir / "mapping.yaml"
    mapping.write_text("columns:\n  customer_id: client\n")
    a = strategy(workdir, "a", ["coverage >= 0"])
    assert run("check", a.name, "--data", renamed).exit_code == 2
    result = run("check", a.name, "--data", renamed, "--columns", mapping)
    assert result.exit_code == 0, result.stderr


def test_shipped_strategies_check(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CX_CACHE_DIR", str(data.parent / "cache"))
    paths = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "strategies").glob("*.yaml"))
    result = run("check", *paths, "--data", data, "-f", "json")
    assert result.exit_code in (0, 1)
    payload = json.loads(result.stdout)
    assert [r["file"] for r in payload["results"]] == paths
    assert payload["ok"] == (result.exit_code == 0)


def test_caveats_are_notices_and_junit_system_err_not_failures(
    workdir: Path, data: Path, tmp_path: Path
) -> None:
    """What the guards' figures must be read with is said, not failed: a GitHub notice
    after the failed guards' errors, and the JUnit suite's <system-err>."""
    a = strategy(workdir, "a", ["coverage > 1"], extra="currency: EUR")
    b = strategy(workdir, "b", ["coverage >= 0"], extra="period: week")
    said = json.loads(run("check", a.name, b.name, "--data", data, "-f", "json").stdout)
    caveats = said["caveats"]
    assert len(caveats) == 2
    assert caveats[0].startswith("the strategies label money in different currencies")
    assert caveats[1].startswith("every strategy is evaluated per month")
    github = run("check", a.name, b.name, "--data", data, "-f", "github")
    assert github.exit_code == 1
    lines = github.stdout.splitlines()
    assert len(lines) == 3 and lines[0].startswith("::error file=a.yaml,")
    assert lines[1:] == [f"::notice title=cx check::{text}" for text in caveats]
    target = tmp_path / "check.xml"
    quiet = run("check", a.name, b.name, "--data", data, "-f", "junit", "-o", target, "-q")
    assert quiet.exit_code == 1 and quiet.stderr == ""
    suite = ElementTree.parse(target).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    assert suite.findtext("system-err") == "\n".join(caveats)
    # None said, none written.
    alone = run("check", b.name, "--data", data, "-f", "junit")
    assert "system-err" not in alone.stdout
    assert "::notice" not in run("check", b.name, "--data", data, "-f", "github").stdout
