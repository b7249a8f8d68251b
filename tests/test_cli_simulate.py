"""`cx simulate`, `cx compare` and `cx sweep` through the command line (DESIGN §8).

Every run goes through ``typer.testing.CliRunner`` on the real app; stdout and
stderr are checked separately, with the exit code.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import one_error_line, run_cx, write_csv

from cx import api
from cx.errors import StrategyError

# The §8 example, verbatim: the checker below derives keys and types from it.
DESIGN_EXAMPLE = json.loads(
    """
{"schema_version": 1,
 "strategy": {"name": "", "kind": "push", "file": ""},
 "data": {"file": "", "rows_read": 0, "rows_used": 0, "rows_rejected": 0,
          "customers": 0, "periods": [], "channels_observed": []},
 "totals": {"demand": 0, "handled": 0, "lost": 0, "repeats": 0, "coverage": 1.0,
            "preferred_coverage": 1.0, "customer_coverage": 1.0, "cost": 0.0,
            "cost_per_contact": 0.0, "baseline_cost": 0.0, "cost_delta": 0.0,
            "agent_hours": 0.0, "effective_channels": 0.0,
            "pooling_overhead": 0.0, "floor_waste": 0.0},
 "channels": [{"channel": "", "mode": "", "offered": true, "demand": 0,
               "stayed": 0, "shifted_out": 0, "shifted_in": 0, "repeats_in": 0,
               "lost": 0, "handled": 0, "workload_hours": 0.0,
               "agent_hours": 0.0, "occupancy": 0.0, "volume_share": 0.0,
               "subscale": false, "variable_cost": 0.0, "labour_cost": 0.0,
               "fixed_cost": 0.0, "incentive_cost": 0.0, "cost": 0.0}],
 "periods": [{"period": "", "demand": 0, "handled": 0, "lost": 0,
              "cost": 0.0, "coverage": 1.0}],
 "guards": [{"expr": "", "value": 0.0, "ok": true}]}
"""
)
# Counts are floats where shares make them fractional (§8): the contact counts of
# totals/channels/periods are numbers; the row counts of `data` are whole numbers.
INTEGER_PATHS = {
    "schema_version",
    "data.rows_read",
    "data.rows_used",
    "data.rows_rejected",
    "data.customers",
}
# Values that may be null: no cost per contact when everything is lost, no workload or
# occupancy for unstaffed channels, no guard value for a missing metric, no file for
# a strategy given as a dict.
NULLABLE_PATHS = {
    "strategy.file",
    "totals.cost_per_contact",
    "channels.workload_hours",
    "channels.occupancy",
    "guards.value",
}


def check_schema(value: Any, example: Any = DESIGN_EXAMPLE, path: str = "") -> None:
    """Every key of the §8 example is present in ``value`` with the example's type."""
    if value is None:
        assert path in NULLABLE_PATHS, f"{path} is null"
        return
    if isinstance(example, dict):
        assert isinstance(value, dict), f"{path} is not an object"
        missing = set(example) - set(value)
        assert not missing, f"{path or 'top level'} lacks {sorted(missing)}"
        for key, sub in example.items():
            check_schema(value[key], sub, f"{path}.{key}" if path else key)
    elif isinstance(example, list):
        assert isinstance(value, list), f"{path} is not a list"
        if example:
            for item in value:
                check_schema(item, example[0], path)
        else:
            assert all(isinstance(item, str) for item in value), f"{path} holds non-strings"
    elif isinstance(example, bool):
        assert isinstance(value, bool), f"{path} is not a boolean"
    elif isinstance(example, int | float):
        if path in INTEGER_PATHS:
            assert isinstance(value, int) and not isinstance(value, bool), f"{path} not int"
        else:
            assert isinstance(value, int | float) and not isinstance(value, bool), path
    elif isinstance(example, str):
        assert isinstance(value, str), f"{path} is not a string"


# --------------------------------------------------------------------------- fixtures

CATALOG_YAML = """\
version: 1
name: follow
kind: follow
period: month
channels:
  phone: {mode: live, handle_time: 300, hourly_cost: 30, shrinkage: 0.3, min_agents: 1}
  chat: {mode: live, handle_time: 480, concurrency: 2, hourly_cost: 28,
         service_level: {target: 0.8, within: 60}}
  email: {mode: async, handle_time: 400, hourly_cost: 25, shrinkage: 0.2}
  branch: {mode: live, cost_per_contact: 12}
  web: {mode: self_service, cost_per_contact: 0.1, fixed_cost: 200}
  app: {mode: self_service, cost_per_contact: 0.05, fixed_cost: 300}
guards:
  - coverage >= 0.99
"""

PUSH_YAML = """\
version: 1
extends: follow.yaml
name: push
kind: push
offer: [phone, chat, email, web, app]
shifts:
  - name: balance-to-app
    from: phone
    where: {intent: [balance]}
    to: {app: 0.5, web: 0.1}
    ramp: {periods: 3, shape: linear}
    containment: 0.8
    incentive_cost: 0.5
fallback:
  branch: {to: phone, accept: 0.6}
guards:
  - coverage >= 0.5
  - cost_delta < 1000000
"""

FAILING_YAML = """\
version: 1
extends: follow.yaml
name: strict
kind: follow
guards:
  - cost_delta < 0
"""


def fixture_rows() -> list[list[str]]:
    """About 200 contacts over Jan-Mar 2024 on five channels, deterministic."""
    channels = ["phone", "phone", "phone", "chat", "email", "web", "branch", "phone"]
    intents = ["balance", "statement", "loan", "balance", "other"]
    rows = []
    start = datetime(2024, 1, 2, 8, 0)
    for i in range(200):
        when = start + timedelta(hours=(i * 37) % (24 * 85), minutes=(i * 13) % 60)
        channel = channels[i % len(channels)]
        handle = "" if channel in ("web", "branch") else str(120 + (i * 29) % 400)
        rows.append(
            [
                f"cust{i % 60}",
                when.strftime("%Y-%m-%d %H:%M:%S"),
                channel,
                "retail" if i % 3 else "business",
                intents[i % len(intents)],
                handle,
            ]
        )
    return rows


HEADER = ["customer_id", "timestamp", "channel", "segment", "intent", "handle_time"]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with data.csv and three strategies; the runner works in it."""
    write_csv(tmp_path / "data.csv", fixture_rows(), HEADER)
    (tmp_path / "follow.yaml").write_text(CATALOG_YAML, encoding="utf-8")
    (tmp_path / "push.yaml").write_text(PUSH_YAML, encoding="utf-8")
    (tmp_path / "strict.yaml").write_text(FAILING_YAML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def cx(*args: str):
    result = run_cx(*args)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def cx_json(*args: str) -> Any:
    result = cx(*args, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- formats


def test_json_is_the_design_structure_and_nothing_else(work: Path) -> None:
    result = cx("simulate", "push.yaml", "--data", "data.csv", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    payload = json.loads(result.stdout)  # stdout holds exactly one JSON document
    check_schema(payload)
    assert payload["schema_version"] == 1
    assert payload["strategy"] == {"name": "push", "kind": "push", "file": "push.yaml"}
    assert payload["data"]["file"] == "data.csv"
    assert payload["data"]["rows_read"] == payload["data"]["rows_used"] == 200
    assert payload["data"]["periods"] == ["2024-01", "2024-02", "2024-03"]
    assert payload["data"]["channels_observed"] == ["branch", "chat", "email", "phone", "web"]
    assert [c["channel"] for c in payload["channels"]] == [
        "phone",
        "chat",
        "email",
        "branch",
        "web",
        "app",
    ]
    assert [g["ok"] for g in payload["guards"]] == [True, True]
    totals = payload["totals"]
    assert totals["handled"] == pytest.approx(totals["demand"] - totals["lost"] + totals["repeats"])
    assert sum(p["cost"] for p in payload["periods"]) == pytest.approx(totals["cost"])
    assert totals["cost_delta"] == pytest.approx(totals["cost"] - totals["baseline_cost"])


def test_json_schema_of_follow_strategy(work: Path) -> None:
    payload = cx_json("simulate", "follow.yaml", "--data", "data.csv")
    check_schema(payload)
    # every catalog channel is offered; app is never observed: its fixed cost is the only
    # difference from the status quo: 300 a month over 2 January - 27 March 2024
    months = 30 / 31 + 29 / 29 + 27 / 31
    assert payload["totals"]["cost_delta"] == pytest.approx(300 * months, rel=1e-9)
    assert payload["totals"]["coverage"] == 1.0


def test_csv_format(work: Path) -> None:
    result = cx("simulate", "push.yaml", "--data", "data.csv", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["channel"] for row in rows] == ["phone", "chat", "email", "branch", "web", "app"]
    assert {row["strategy"] for row in rows} == {"push"}
    payload = cx_json("simulate", "push.yaml", "--data", "data.csv")
    for row, channel in zip(rows, payload["channels"], strict=True):
        assert float(row["cost"]) == pytest.approx(channel["cost"], rel=1e-9)
        assert float(row["handled"]) == pytest.approx(channel["handled"], rel=1e-9)
        assert row["offered"] == ("true" if channel["offered"] else "false")


def test_markdown_format(work: Path) -> None:
    result = cx("simulate", "push.yaml", "--data", "data.csv", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# ")
    tables = [line for line in lines if line.startswith("|")]
    assert tables, "no markdown table"
    assert any(line.startswith("| phone ") for line in tables)
    assert "\x1b[" not in result.stdout  # no terminal colour codes


def test_table_format_goes_to_stdout(work: Path) -> None:
    result = cx("simulate", "push.yaml", "--data", "data.csv")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "phone" in result.stdout


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table"])
def test_output_file_is_written_and_stdout_stays_empty(work: Path, fmt: str) -> None:
    target = work / f"out.{fmt}"
    result = cx("simulate", "push.yaml", "--data", "data.csv", "-f", fmt, "--output", target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert "phone" in text
    if fmt != "table":
        direct = cx("simulate", "push.yaml", "--data", "data.csv", "-f", fmt)
        assert text == direct.stdout
    assert [p.name for p in work.iterdir() if p.name.startswith(".out")] == []  # no temp left


def test_output_into_a_missing_directory_is_an_input_error(work: Path) -> None:
    result = cx("simulate", "push.yaml", "--data", "data.csv", "-o", work / "no" / "out.json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- guards and --set


def test_failing_guard_exits_1_with_output(work: Path) -> None:
    result = cx("simulate", "strict.yaml", "--data", "data.csv", "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    # following everywhere offers app, which the data never shows: 300 a month over
    # 2 January - 27 March 2024
    months = 30 / 31 + 29 / 29 + 27 / 31
    assert payload["guards"] == [
        {"expr": "cost_delta < 0", "value": pytest.approx(300 * months, rel=1e-9), "ok": False}
    ]
    # the same strategy with the guard relaxed passes
    relaxed = cx(
        "simulate", "strict.yaml", "--data", "data.csv", "--set", "guards.0=cost_delta < 901"
    )
    assert relaxed.exit_code == 0, relaxed.stderr


def without_file(payload: dict) -> dict:
    payload = json.loads(json.dumps(payload))
    payload["strategy"]["file"] = None
    return payload


@pytest.mark.parametrize(
    ("assignment", "old", "new"),
    [
        ("shifts.0.to.app=0.3", "to: {app: 0.5, web: 0.1}", "to: {app: 0.3, web: 0.1}"),
        ("fallback.branch.accept=0.25", "accept: 0.6}", "accept: 0.25}"),
        ("shifts.0.ramp.shape=step", "shape: linear", "shape: step"),
        ("offer=[phone, chat, email, web, app]", "offer: [phone, chat, email, web, app]", None),
        # absent from the file: --set creates the map, as an edit of the file would
        ("dilution.subscale_agents=20", "guards:", "dilution: {subscale_agents: 20}\nguards:"),
        ("staffing.interval=30", "guards:", "staffing: {interval: 30}\nguards:"),
        # blanks around the key, as a quoted `--set "KEY = VALUE"` has them
        (" shifts.0.to.app = 0.3", "to: {app: 0.5, web: 0.1}", "to: {app: 0.3, web: 0.1}"),
    ],
)
def test_set_equals_editing_the_file(work: Path, assignment: str, old: str, new: str) -> None:
    text = PUSH_YAML
    assert old in text
    edited = text if new is None else text.replace(old, new, 1)
    (work / "edited.yaml").write_text(edited, encoding="utf-8")
    via_set = cx_json("simulate", "push.yaml", "--data", "data.csv", "--set", assignment)
    via_file = cx_json("simulate", "edited.yaml", "--data", "data.csv")
    assert without_file(via_set) == without_file(via_file)


def test_set_null_removes_a_key_as_a_file_that_extends_does(work: Path) -> None:
    """`--set fallback.branch=null` removes the fallback, as `fallback: {branch: null}`
    does in a file that extends another: branch offered again needs none."""
    offer = "offer=[phone, chat, email, web, app, branch]"
    (work / "reopen.yaml").write_text(
        "extends: push.yaml\nname: push\noffer: [phone, chat, email, web, app, branch]\n"
        "fallback: {branch: null}\n",
        encoding="utf-8",
    )
    via_file = cx_json("simulate", "reopen.yaml", "--data", "data.csv")
    result = cx(
        "simulate", "push.yaml", "--data", "data.csv", "--set", offer,
        "--set", "fallback.branch=null", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert without_file(json.loads(result.stdout)) == without_file(via_file)


@pytest.mark.parametrize(
    ("assignment", "lines"),
    [
        # the file's line still shows which shares; the --set is what broke them
        (
            "shifts.0.to.web=0.6",
            ["push.yaml:10:5: shifts.0.to: shares add up to 1.1, more than 1, "
             "with --set shifts.0.to.web=0.6"],
        ),
        # findings away from the key the --set changed, which the file alone has not
        (
            "offer.0=chat",
            ["push.yaml:5:16: offer.1: channel 'chat' is offered twice, with --set offer.0=chat",
             "push.yaml:7:5: shifts.0.escalate_to: unresolved contacts have nowhere to go: "
             "'phone' is retired and has no fallback, with --set offer.0=chat "
             "(hint: set escalate_to)",
             "push.yaml:15:12: fallback.branch.to: fallback target 'phone' is not offered, "
             "with --set offer.0=chat"],
        ),
    ],
)  # fmt: skip
def test_an_error_a_set_value_causes_names_it(
    work: Path, assignment: str, lines: list[str]
) -> None:
    result = cx("simulate", "push.yaml", "--data", "data.csv", "--set", assignment)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {line}" for line in lines]


def test_an_error_of_the_file_itself_does_not_blame_a_set_value(work: Path) -> None:
    (work / "twice.yaml").write_text(
        PUSH_YAML.replace("offer: [phone,", "offer: [phone, phone,"), encoding="utf-8"
    )
    result = cx("simulate", "twice.yaml", "--data", "data.csv", "--set", "name=other")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "error: twice.yaml:5:16: offer.1: channel 'phone' is offered twice\n"


def test_set_changes_the_result(work: Path) -> None:
    plain = cx_json("simulate", "push.yaml", "--data", "data.csv")
    changed = cx_json("simulate", "push.yaml", "--data", "data.csv", "--set", "shifts.0.to.app=0.3")
    # channels[5] is app: a smaller share moves fewer contacts there
    assert changed["channels"][5]["handled"] < plain["channels"][5]["handled"]


@pytest.mark.parametrize(
    ("assignment", "nearest"),
    [
        ("shifts.0.contaiment=0.5", "containment"),
        ("fallbak.branch.accept=0.3", "fallback"),
        ("fallback.brnch.accept=0.3", "branch"),
        ("channels.fone.hourly_cost=3", "phone"),
        ("channels.phnoe.handle_time=300", "phone"),
        ("channels.phone.handle_tme=300", "handle_time"),
        ("shifts.0.rmap.periods=2", "ramp"),
        ("dilutoin.subscale_agents=1", "dilution"),
    ],
)
def test_set_with_a_bad_path_names_the_nearest_key(work: Path, assignment: str, nearest: str):
    result = cx("simulate", "push.yaml", "--data", "data.csv", "--set", assignment)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"'{nearest}'" in lines[0]


@pytest.mark.parametrize(
    ("assignment", "said"),
    [
        (  # `branch: {to: phone, accept: 0.6}`: one channel, no shares
            "fallback.branch.to.phone=0.5",
            "fallback.branch.to is a single value, not a mapping or list (hint: "
            "fallback.branch.to is 'phone', not a number; --set takes "
            "fallback.branch.accept there)",
        ),
        (
            "channels.chat.handle_time.low=3",
            "channels.chat.handle_time is a single value, not a mapping or list (hint: "
            "channels.chat.handle_time is itself a number: its key is "
            "channels.chat.handle_time)",
        ),
        (
            "offer.0.first=1",
            "offer.0 is a single value, not a mapping or list (hint: offer.0 is 'phone', "
            "not a number; --set takes the key of a number the strategy sets)",
        ),
        (  # a number the file leaves out: no list item to add, it is set whole
            "staffing.interval.x=1",
            "staffing.interval is a single value, not a mapping or list (hint: set it "
            "whole: --set staffing.interval=VALUE)",
        ),
        (  # the file format's version is a number, but no key --set changes
            "version.x=1",
            "version is a single value, not a mapping or list (hint: version is the "
            "strategy file format's version, which --set does not change)",
        ),
        (  # nor is it offered beside another single value
            "name.first=1",
            "name is a single value, not a mapping or list (hint: name is 'push', not a "
            "number; --set takes the key of a number the strategy sets)",
        ),
        (  # the rule's shares and ramp are one level down from its name
            "shifts.0.name.app=0.3",
            "shifts.0.name is a single value, not a mapping or list (hint: shifts.0.name "
            "is 'balance-to-app', not a number; --set takes shifts.0.to.app, "
            "shifts.0.to.web, shifts.0.ramp.periods, shifts.0.containment or "
            "shifts.0.incentive_cost there)",
        ),
    ],
)
def test_set_past_a_single_value_says_what_keys_are_there(
    work: Path, assignment: str, said: str
) -> None:
    """A --set key that goes on past a single value was refused with no hint; the hint
    names the keys of numbers there, in the words `uncertainty:` uses."""
    result = cx("simulate", "push.yaml", "--data", "data.csv", "--set", assignment)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: --set {assignment}: {said}\n"


def test_set_item_out_of_range(work: Path) -> None:
    result = cx("simulate", "push.yaml", "--data", "data.csv", "--set", "shifts.3.to.app=0.1")
    assert result.exit_code == 2
    assert "shifts" in result.stderr
    assert "0 to 0" in result.stderr


@pytest.mark.parametrize(
    "assignment", ["extends=follow.yaml", "extends=/dev/zero", "extends.channels=1"]
)
def test_set_cannot_change_extends(work: Path, assignment: str) -> None:
    # The files a strategy extends are merged when it is read: a --set of `extends`
    # would change nothing, so it is refused rather than ignored.
    line = one_error_line(cx("simulate", "push.yaml", "--data", "data.csv", "--set", assignment))
    assert line.startswith(f"error: --set {assignment}: --set cannot change extends")


@pytest.mark.parametrize(
    ("assignment", "said"),
    [
        ("nope=1", "nope: unknown key 'nope' (hint: allowed keys: name, kind, "),
        ("nope.x=1", "the strategy has no key 'nope' (hint: keys: name, kind, "),
    ],
)
def test_set_of_an_unknown_key_offers_no_file_keys(work: Path, assignment: str, said: str) -> None:
    """The hint for an unknown top-level key offered `version` (the file's format
    version) and `extends` (which --set refuses) among the keys to --set."""
    line = one_error_line(cx("simulate", "push.yaml", "--data", "data.csv", "--set", assignment))
    assert line.startswith(f"error: --set {assignment}: {said}")
    offered = line.split("keys: ", 1)[1].rstrip(")").split(", ")
    assert "channels" in offered and "shifts" in offered
    assert "version" not in offered and "extends" not in offered


def test_a_strategy_dict_cannot_extend_a_file(work: Path) -> None:
    document = yaml.safe_load(PUSH_YAML)
    with pytest.raises(StrategyError) as caught:
        api.load_strategy({**document, "extends": "follow.yaml"})
    assert caught.value.path == "extends"
    assert "a strategy given as a dict cannot extend a file" in caught.value.message


def test_set_value_invalid_for_the_schema(work: Path) -> None:
    result = cx("simulate", "push.yaml", "--data", "data.csv", "--set", "shifts.0.to.app=1.5")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "shifts.0.to" in result.stderr


# --------------------------------------------------------------------------- compare and sweep


def test_compare_equals_separate_simulations(work: Path) -> None:
    result = cx(
        "compare", "follow.yaml", "push.yaml", "strict.yaml", "--data", "data.csv", "-f", "json"
    )
    assert result.exit_code == 1  # strict.yaml's guard fails
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    assert payload["schema_version"] == 1
    assert len(payload["results"]) == 3
    assert payload["caveats"] == []  # the run's, once, not each result's
    for name, compared in zip(("follow", "push", "strict"), payload["results"], strict=True):
        check_schema(compared)
        single = cx_json("simulate", f"{name}.yaml", "--data", "data.csv")
        assert single.pop("caveats") == []
        assert compared == single


def test_compare_exit_0_when_all_guards_pass(work: Path) -> None:
    result = cx("compare", "follow.yaml", "push.yaml", "--data", "data.csv", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["strategy"] for row in rows] == ["follow", "push"]
    markdown = cx("compare", "follow.yaml", "push.yaml", "--data", "data.csv", "-f", "markdown")
    assert markdown.exit_code == 0
    assert any(line.startswith("| Cost |") for line in markdown.stdout.splitlines())


def _markdown_row(stdout: str, label: str) -> list[str]:
    """The cells after the label of the markdown table row ``label``."""
    [row] = [line for line in stdout.splitlines() if line.startswith(f"| {label} |")]
    return [cell.strip() for cell in row.strip("|").split("|")][1:]


def _write_cheaper_and_dearer() -> dict[str, str]:
    """cheaper.yaml and dearer.yaml beside follow.yaml: each moves 80 % of one channel to
    the other of branch and web (the cheaper one to web). Each name → its target."""
    moves = {"cheaper": ("branch", "web"), "dearer": ("web", "branch")}
    for name, (source, target) in moves.items():
        Path(f"{name}.yaml").write_text(
            f"version: 1\nextends: follow.yaml\nname: {name}\nkind: push\n"
            "offer: [phone, chat, email, branch, web]\n"  # no app, and its fixed cost
            f"shifts:\n  - {{name: move, from: {source}, to: {{{target}: 0.8}}}}\n",
            encoding="utf-8",
        )
    return {name: target for name, (_, target) in moves.items()}


def test_compare_signs_the_cost_vs_baseline_as_simulate_does(work: Path) -> None:
    """A saving and an increase both read as a bare amount in compare's 'Cost vs
    baseline' row (only a saving had its minus), where simulate writes its Δ signed."""
    _write_cheaper_and_dearer()
    compared = cx("compare", "cheaper.yaml", "dearer.yaml", "--data", "data.csv",
                  "-f", "markdown")  # fmt: skip
    assert compared.exit_code in (0, 1), compared.stderr
    cheaper, dearer, baseline = _markdown_row(compared.stdout, "Cost vs baseline")
    assert cheaper.startswith("−") and dearer.startswith("+") and baseline == "0"
    for name, cell in (("cheaper", cheaper), ("dearer", dearer)):
        simulated = cx("simulate", f"{name}.yaml", "--data", "data.csv", "-f", "markdown")
        assert cell.removesuffix(" ★") == _markdown_row(simulated.stdout, "Cost")[-1]


def test_sweep_signs_its_cost_change_as_simulate_does(work: Path) -> None:
    """A saving and an increase both read as a bare amount in sweep's 'Δ cost' column
    (only a saving had its minus), where simulate writes its Δ signed."""
    cells = {}
    for name, target in _write_cheaper_and_dearer().items():
        swept = cx("sweep", f"{name}.yaml", "--set-range", f"shifts.0.to.{target}=0:0.8:0.8",
                   "--data", "data.csv", "-f", "markdown")  # fmt: skip
        assert swept.exit_code == 0, swept.stderr
        header, _, *rows = [
            [cell.strip() for cell in line.strip("|").split("|")]
            for line in swept.stdout.splitlines()
            if line.startswith("|")
        ]
        column = header.index("Δ cost")
        cells[name] = [row[column] for row in rows]
        simulated = cx("simulate", f"{name}.yaml", "--data", "data.csv", "-f", "markdown")
        assert cells[name][-1] == _markdown_row(simulated.stdout, "Cost")[-1]
    assert cells["cheaper"][0] == cells["dearer"][0] == "0"
    assert cells["cheaper"][-1].startswith("−") and cells["dearer"][-1].startswith("+")


def test_compare_with_set_applies_to_every_strategy(work: Path) -> None:
    payload = cx_json(
        "compare", "follow.yaml", "strict.yaml", "--data", "data.csv", "--set", "guards=[]"
    )
    assert [r["guards"] for r in payload["results"]] == [[], []]


def test_sweep_endpoints_equal_single_runs(work: Path) -> None:
    result = cx(
        "sweep",
        "push.yaml",
        "--set-range",
        "shifts.0.to.app=0.1:0.5:0.2",
        "--data",
        "data.csv",
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["key"] == "shifts.0.to.app"
    assert payload["strategy"] == "push"
    assert [step["value"] for step in payload["steps"]] == pytest.approx([0.1, 0.3, 0.5])
    for index, value in ((0, "0.1"), (-1, "0.5")):
        single = cx_json(
            "simulate", "push.yaml", "--data", "data.csv", "--set", f"shifts.0.to.app={value}"
        )
        assert single.pop("caveats") == payload["caveats"] == []
        assert payload["steps"][index]["result"] == single
        check_schema(payload["steps"][index]["result"])
    costs = [step["result"]["totals"]["lost"] for step in payload["steps"]]
    assert costs == pytest.approx([costs[0]] * 3)  # the shift moves, it loses nothing


def test_sweep_with_set_and_csv(work: Path) -> None:
    result = cx(
        "sweep",
        "push.yaml",
        "--set-range",
        "fallback.branch.accept=0:1:0.5",
        "--set",
        "shifts.0.to.app=0.2",
        "--data",
        "data.csv",
        "-f",
        "csv",
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [float(row["value"]) for row in rows] == [0.0, 0.5, 1.0]
    single = cx_json(
        "simulate",
        "push.yaml",
        "--data",
        "data.csv",
        "--set",
        "shifts.0.to.app=0.2",
        "--set",
        "fallback.branch.accept=1",
    )
    assert float(rows[-1]["cost"]) == pytest.approx(single["totals"]["cost"], rel=1e-9)
    lost = [float(row["lost"]) for row in rows]
    assert lost[0] > lost[1] > lost[2] == 0.0


def test_sweep_range_with_blanks_around_its_key_equals_one_without(work: Path) -> None:
    plain = cx_json("sweep", "push.yaml", "--set-range", "shifts.0.to.app=0:0.4:0.2",
                    "--data", "data.csv")  # fmt: skip
    blanks = cx_json("sweep", "push.yaml", "--set-range", " shifts.0.to.app =0:0.4:0.2",
                     "--data", "data.csv")  # fmt: skip
    assert blanks == plain


def test_sweep_range_key_with_a_blank_inside_is_unreadable_as_a_range(work: Path) -> None:
    result = cx("sweep", "push.yaml", "--set-range", "shifts.0 to.app=0:1:0.5",
                "--data", "data.csv")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot read --set-range 'shifts.0 to.app=0:1:0.5'")


def test_sweep_bad_range_and_bad_key(work: Path) -> None:
    bad = cx(
        "sweep", "push.yaml", "--set-range", "shifts.0.to.app=0.5:0.1:0.1", "--data", "data.csv"
    )
    assert bad.exit_code == 2
    assert len(bad.stderr.strip().splitlines()) == 1
    wrong = cx("sweep", "push.yaml", "--set-range", "shifts.0.to.ap=0:1:0.5", "--data", "data.csv")
    assert wrong.exit_code == 2
    assert "shifts.0.to.ap" in wrong.stderr


# --------------------------------------------------------------------------- bad inputs


def test_missing_data_file(work: Path) -> None:
    line = one_error_line(cx("simulate", "push.yaml", "--data", "nope.csv"))
    assert "nope.csv" in line
    assert "not found" in line


def test_missing_strategy_file(work: Path) -> None:
    line = one_error_line(cx("simulate", "nope.yaml", "--data", "data.csv"))
    assert "nope.yaml" in line
    line = one_error_line(cx("compare", "push.yaml", "nope.yaml", "--data", "data.csv"))
    assert "nope.yaml" in line


def test_compare_reports_the_findings_of_every_strategy_file(work: Path) -> None:
    for name, value in (("nan.yaml", ".nan"), ("inf.yaml", ".inf")):
        text = CATALOG_YAML.replace("name: follow", f"name: {name[:3]}", 1)
        (work / name).write_text(text + f"dilution: {{subscale_agents: {value}}}\n")
    result = cx("compare", "push.yaml", "nan.yaml", "inf.yaml", "--data", "data.csv")
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert [line.split(":")[1] for line in lines] == [" nan.yaml", " inf.yaml"]
    assert all("dilution.subscale_agents" in line for line in lines)


def test_channel_not_in_catalog_names_the_nearest(work: Path) -> None:
    rows = fixture_rows()
    rows[5][2] = "phon"
    write_csv(work / "typo.csv", rows, HEADER)
    line = one_error_line(cx("simulate", "follow.yaml", "--data", "typo.csv"))
    assert "'phon'" in line
    assert "nearest: 'phone'" in line
    assert "follow.yaml" in line


def test_many_or_long_unknown_channels_make_a_short_message(work: Path) -> None:
    rows = fixture_rows()
    for index, row in enumerate(rows[:40]):
        row[2] = f"channel-{index:02d}"
    rows[40][2] = "x" * 100_000
    write_csv(work / "many.csv", rows, HEADER)
    line = one_error_line(cx("simulate", "follow.yaml", "--data", "many.csv"))
    assert "'channel-00'" in line and "'channel-09'" in line
    assert "'channel-10'" not in line
    assert "and 31 more" in line  # 41 unknown channels, 10 named
    assert len(line) < 1_500


def test_a_long_value_is_cut_short_saying_how_long_it_was() -> None:
    from cx.errors import shown, shown_list

    assert shown("phone") == "phone"
    assert shown("y" * 100_000) == "y" * 59 + "… (100,000 characters)"
    assert shown_list(["'a'", "'b'"]) == "'a', 'b'"
    assert shown_list([str(n) for n in range(12)], 40) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 30 more"


def test_unknown_period(work: Path) -> None:
    line = one_error_line(cx("simulate", "push.yaml", "--data", "data.csv", "--period", "year"))
    assert "--period" in line
    assert "'year'" in line


@pytest.mark.parametrize("command", ["simulate", "compare", "sweep"])
def test_bad_interval(work: Path, command: str) -> None:
    extra = ["--set-range", "shifts.0.to.app=0:0.5:0.5"] if command == "sweep" else []
    line = one_error_line(
        cx(command, "push.yaml", "--data", "data.csv", "--interval", "45", *extra)
    )
    assert "--interval" in line
    assert "45" in line


@pytest.mark.parametrize("value", ["phone", "phone=x", "=3", "phone=-1"])
def test_bad_agents_syntax(work: Path, value: str) -> None:
    line = one_error_line(cx("simulate", "push.yaml", "--data", "data.csv", "--agents", value))
    assert "--agents" in line


def test_agents_naming_a_channel_twice_is_refused(work: Path) -> None:
    result = cx("simulate", "follow.yaml", "--data", "data.csv",
                "--agents", "phone=3", "--agents", " phone=4")  # fmt: skip
    assert result.exit_code == 2
    assert "--agents names 'phone' twice" in one_error_line(result)


def test_agents_for_a_channel_that_is_not_live(work: Path) -> None:
    line = one_error_line(cx("simulate", "push.yaml", "--data", "data.csv", "--agents", "web=3"))
    assert "'web'" in line


def test_fixed_agents_through_the_cli(work: Path) -> None:
    planned = cx_json("simulate", "follow.yaml", "--data", "data.csv")
    fixed = cx_json("simulate", "follow.yaml", "--data", "data.csv", "--agents", "phone=5")
    phone = next(c for c in fixed["channels"] if c["channel"] == "phone")
    assert isinstance(phone["service_level"], float)
    assert isinstance(phone["average_wait"], float)
    # 5 agents in every hour with phone arrivals, shrinkage 0.3
    hours = planned["channels"][0]["agent_hours"]
    assert phone["agent_hours"] != hours
    assert phone["service_level"] > 0.99


def test_too_many_rejected_rows(work: Path) -> None:
    rows = fixture_rows()
    rows[3][1] = "not a time"
    rows[7][0] = ""
    write_csv(work / "bad.csv", rows, HEADER)
    # 2 of 200 rejected = 1 % -> within the default limit of 1 %: a note on stderr
    ok = cx("simulate", "follow.yaml", "--data", "bad.csv", "-f", "json")
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["data"]["rows_rejected"] == 2
    assert "bad.csv" in ok.stderr
    assert "line 5" in ok.stderr  # the first bad row: header is line 1
    quiet = cx("simulate", "follow.yaml", "--data", "bad.csv", "-f", "json", "--quiet")
    assert quiet.stderr == ""
    # a third bad row makes 1.5 %: exit 2, one line citing the file and --max-reject-rate
    rows[9][2] = ""
    write_csv(work / "bad.csv", rows, HEADER)
    line = one_error_line(cx("simulate", "follow.yaml", "--data", "bad.csv"))
    assert "bad.csv" in line
    assert "--max-reject-rate" in line
    allowed = cx("simulate", "follow.yaml", "--data", "bad.csv", "--max-reject-rate", "0.02")
    assert allowed.exit_code == 0, allowed.stderr


def test_rejects_file(work: Path) -> None:
    rows = fixture_rows()
    rows[3][1] = "not a time"
    write_csv(work / "bad.csv", rows, HEADER)
    result = cx(
        "simulate", "follow.yaml", "--data", "bad.csv", "--rejects", "rejects.csv", "-f", "json"
    )
    assert result.exit_code == 0, result.stderr
    with open(work / "rejects.csv", encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert len(rejected) == 1
    assert rejected[0]["line"] == "5"
    assert "timestamp" in rejected[0]["reject_reason"]
    # the export's columns in its own order (they were sorted by name), to read beside it
    assert list(rejected[0])[2:] == [name for name in HEADER if name in rejected[0]]


def test_invalid_strategy_file_names_file_and_line(work: Path) -> None:
    (work / "broken.yaml").write_text(
        "version: 1\nname: b\nkind: follow\nchannels:\n  phone: {mode: lve}\n", encoding="utf-8"
    )
    result = cx("simulate", "broken.yaml", "--data", "data.csv")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "broken.yaml:5" in result.stderr
    assert "live" in result.stderr  # did you mean 'live'?


def test_unknown_encoding(work: Path) -> None:
    line = one_error_line(cx("simulate", "push.yaml", "--data", "data.csv", "--encoding", "latin1"))
    assert "'latin1'" in line


def test_a_step_rule_brings_journeys_in_by_itself(work: Path) -> None:
    # `where: step` (§10) needs journeys: the CLI computes them when a strategy asks.
    (work / "steps.yaml").write_text(
        PUSH_YAML.replace("where: {intent: [balance]}", "where: {step: first}"), encoding="utf-8"
    )
    result = cx("simulate", "steps.yaml", "--data", "data.csv", "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert json.loads(result.stdout)["data"]["journeys"] > 0


@pytest.mark.parametrize(
    "command",
    [
        ["compare", "follow.yaml", "push.yaml"],
        ["sweep", "push.yaml", "--set-range", "shifts.0.to.app=0:0.5:0.25"],
    ],
)
def test_compare_and_sweep_output_file(work: Path, command: list[str]) -> None:
    direct = cx(*command, "--data", "data.csv", "-f", "json")
    assert direct.exit_code == 0, direct.stderr
    result = cx(*command, "--data", "data.csv", "-f", "json", "--output", "out.json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert (work / "out.json").read_text(encoding="utf-8") == direct.stdout


def test_identical_runs_print_identical_json(work: Path) -> None:
    # §5: deterministic, to the last digit (float sums in a fixed order)
    first = cx("simulate", "push.yaml", "--data", "data.csv", "-f", "json")
    for _ in range(5):
        again = cx("simulate", "push.yaml", "--data", "data.csv", "-f", "json")
        assert again.stdout == first.stdout


@pytest.mark.parametrize(
    "twice",
    [["--data", "examples/interactions.csv"], ["--format", "csv"], ["--interval", "30"]],
)
def test_an_option_of_one_value_given_twice_is_refused(twice: list[str]) -> None:
    """The last one won without a word: --data a.csv --data b.csv read b.csv only."""
    root = Path(__file__).resolve().parent.parent
    strategy = str(root / "strategies" / "digital-first.yaml")
    data = str(root / "examples" / "interactions.csv")
    result = run_cx("simulate", strategy, "--data", data, "--format", "json",
                    "--interval", "60", *twice)  # fmt: skip
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"error: {twice[0]} is given 2 times (hint: give {twice[0]} once)\n"
