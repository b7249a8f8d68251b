"""`cx validate` as a CI gate (DESIGN §4, §8): every problem of every file in one run,
located by file:line:column, in text, json, GitHub annotations and JUnit XML.

The broken corpus is ``tests/strategies/broken/``: one problem per file, plus a
valid ``base.yaml`` the others extend. Golden outputs live in ``tests/golden/``
(``pytest --update-golden`` rewrites them).
"""

from __future__ import annotations

import errno
import json
import os
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cx import api
from cx.cli.app import app
from cx.errors import Finding, StrategyError
from cx.guards import GuardSyntaxError, parse_guard
from cx.render.validation import github_annotation, github_escape_property, junit_xml

ROOT = Path(__file__).resolve().parent.parent
BROKEN = "tests/strategies/broken"

# file → (line, column, path, words of the message): one finding per problem.
EXPECTED = {
    "duplicate-key.yaml": (7, 1, "period", "duplicate key 'period' (first at line 5)"),
    "extends-cycle-back.yaml": (2, 1, "extends", "extends cycle"),
    "extends-cycle.yaml": (2, 1, "extends", "extends cycle"),
    "follow-with-shifts.yaml": (5, 1, "shifts", "follow strategy cannot have shift rules"),
    "guard-unknown-metric.yaml": (7, 5, "guards.1", "unknown metric 'coverge'"),
    "indentation.yaml": (7, 17, None, "YAML syntax error"),
    "share-above-one.yaml": (8, 10, "shifts.0.to.web", "less than or equal to 1"),
    "unknown-key.yaml": (7, 5, "channels.phone.hourly_cots", "unknown key 'hourly_cots'"),
}


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, so paths in outputs are relative and stable."""
    monkeypatch.chdir(ROOT)
    return ROOT


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- broken corpus


def test_broken_directory_one_finding_per_problem(at_root: Path) -> None:
    result = run("validate", BROKEN, "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["schema_version"] == 1 and payload["valid"] is False
    by_file = {Path(item["file"]).name: item for item in payload["files"]}
    assert by_file["base.yaml"]["valid"] is True
    assert by_file["base.yaml"]["findings"] == []
    for name, (line, column, path, words) in EXPECTED.items():
        findings = by_file[name]["findings"]
        assert len(findings) == 1, (name, findings)
        finding = findings[0]
        assert Path(finding["file"]).name == name
        assert (finding["line"], finding["column"], finding["path"]) == (line, column, path)
        assert words in finding["message"], finding
    assert set(by_file) == {*EXPECTED, "base.yaml"}
    assert "9 files checked, 8 invalid, 8 findings" in result.stderr


def test_did_you_mean_hints(at_root: Path) -> None:
    payload = json.loads(run("validate", BROKEN, "-f", "json").stdout)
    hints = {
        Path(item["file"]).name: item["findings"][0]["hint"]
        for item in payload["files"]
        if item["findings"]
    }
    assert hints["unknown-key.yaml"] == "did you mean 'hourly_cost'?"
    assert hints["guard-unknown-metric.yaml"] == "did you mean 'coverage'?"
    assert "indentation" in hints["indentation.yaml"]


def test_extends_cycle_names_the_files_relative(at_root: Path) -> None:
    result = run("validate", f"{BROKEN}/extends-cycle.yaml")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{BROKEN}/extends-cycle.yaml:2:1: extends: extends cycle: extends-cycle.yaml -> "
        "extends-cycle-back.yaml -> extends-cycle.yaml"
    )
    assert str(ROOT) not in result.stdout


@pytest.mark.parametrize(
    ("output_format", "golden_name"),
    [
        ("text", "validate.txt"),
        ("json", "validate.json"),
        ("github", "validate.github"),
        ("junit", "validate.junit.xml"),
    ],
)
def test_golden_outputs(at_root: Path, golden: Any, output_format: str, golden_name: str) -> None:
    result = run("validate", BROKEN, "--format", output_format)
    assert result.exit_code == 1
    golden(golden_name, result.stdout)


def test_junit_one_test_case_per_file(at_root: Path) -> None:
    root = ElementTree.fromstring(run("validate", BROKEN, "-f", "junit").stdout)
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 9 and suite.get("tests") == "9" and suite.get("failures") == "8"
    failed = {case.get("name") for case in cases if case.find("failure") is not None}
    assert failed == {f"{BROKEN}/{name}" for name in EXPECTED}


def test_github_annotations(at_root: Path) -> None:
    lines = run("validate", BROKEN, "-f", "github").stdout.splitlines()
    assert len(lines) == 8
    assert all(line.startswith("::error file=tests/strategies/broken/") for line in lines)
    assert (
        "::error file=tests/strategies/broken/unknown-key.yaml,line=7,col=5,"
        "title=cx validate::channels.phone.hourly_cots: unknown key 'hourly_cots' "
        "(hint: did you mean 'hourly_cost'?)"
    ) in lines


def test_github_escaping() -> None:
    finding = Finding("50% over\nlimit: a, b", file="dir/a,b:c%.yaml", line=3, column=4)
    annotation = github_annotation(finding, "cx: validate")
    assert annotation == (
        "::error file=dir/a%2Cb%3Ac%25.yaml,line=3,col=4,title=cx%3A validate"
        "::50%25 over%0Alimit: a, b"
    )
    assert github_escape_property("a\r\nb") == "a%0D%0Ab"


def test_github_escaping_of_a_real_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "odd,name:1.yaml", "version: 1\nname: x\nkind: folow\n")
    result = run("validate", str(path), "-f", "github")
    assert result.exit_code == 1
    assert "odd%2Cname%3A1.yaml,line=3,col=1," in result.stdout
    assert result.stdout.count("\n") == 2  # kind and the missing channels


def test_junit_xml_escapes_and_parses() -> None:
    text = junit_xml("suite <&>", [("a&b.yaml", [Finding('bad "x" <y>', file="a&b.yaml")])])
    root = ElementTree.fromstring(text)
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == "a&b.yaml"
    failure = case.find("failure")
    assert failure is not None and 'bad "x" <y>' in (failure.text or "")


def test_junit_holds_no_line_a_ci_runner_would_run(tmp_path: Path) -> None:
    """A file named with a line break and ``::error`` made the failure text start a line
    with ``::``: a job printing the XML would raise an annotation of the file's choice."""
    directory = tmp_path / "strategies"
    directory.mkdir()
    (directory / "a\n::error file=x::inj%.yaml").write_text("version: 2\n", encoding="utf-8")
    (directory / "::set-output name=x::y.yaml").write_text("version: 2\n", encoding="utf-8")
    for target in (directory, directory / "::set-output name=x::y.yaml"):
        result = run("validate", str(target), "-f", "junit")
        assert result.exit_code == 1
        assert ElementTree.fromstring(result.stdout).find("testsuite") is not None
        assert not [line for line in result.stdout.splitlines() if line.lstrip().startswith("::")]
    assert "a\\n::error file=x::inj%.yaml:1:1: version" in run(
        "validate", str(directory), "-f", "junit"
    ).stdout


def test_a_character_yaml_refuses_is_a_finding_at_its_place(tmp_path: Path) -> None:
    """PyYAML's own text ('special characters are not allowed\\n  in "<unicode
    string>", position 1') reached the user, without a line."""
    path = write(tmp_path, "escape.yaml", "version: 1\nname: x\x1by\n")
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{path}:2:8: the character '\\x1b' (U+001B) is not allowed in YAML (hint: "
    )
    strategy = str(Path(__file__).resolve().parent.parent / "strategies" / "digital-first.yaml")
    data = str(Path(__file__).resolve().parent.parent / "examples" / "interactions.csv")
    given = run("simulate", strategy, "--data", data, "--set", "name=a\x1bb")
    assert given.exit_code == 2
    assert "the character '\\x1b' (U+001B) is not allowed in YAML" in given.stderr
    assert "unicode string" not in given.stderr


@pytest.mark.parametrize(
    ("guard", "said"),
    [
        ("channels.web.occupancy < 1", "web has no occupancy: a self-service channel has no "
         "agents"),
        ("channels.email.average_wait < 60", "email has no average_wait: an async channel has "
         "a backlog, not a queue"),
        ("channels.chat.response_level >= 0.5", "chat has no response_level: it has no "
         "`response` target"),
        ("channels.web.open_hours > 1", "web has no open_hours: it has no `hours`"),
    ],
)  # fmt: skip
def test_a_guard_that_can_never_hold_a_value_is_a_finding(
    tmp_path: Path, guard: str, said: str
) -> None:
    shipped = Path(__file__).resolve().parent.parent / "strategies" / "follow-with-hours.yaml"
    path = write(tmp_path, "g.yaml", f"version: 1\nextends: {shipped}\nname: g\nkind: follow\n"
                 f"guards:\n  - {guard}\n")  # fmt: skip
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}:6:5: guards.0: {said}")


# --------------------------------------------------------------------------- exit codes


def test_shipped_strategies_are_valid(at_root: Path) -> None:
    result = run("validate", "strategies")
    assert result.exit_code == 0, result.stdout
    shipped = len(list((at_root / "strategies").glob("*.yaml")))
    assert result.stdout == f"{shipped} files checked, all valid\n"


def test_valid_file_json(at_root: Path) -> None:
    result = run("validate", "strategies/digital-first.yaml", "-f", "json", "-q")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["valid"] is True
    assert result.stderr == ""


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "no/such/path.yaml"],
        ["validate", "strategies", "--format", "xml"],
        ["validate"],
    ],
)
def test_usage_errors_exit_2(at_root: Path, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""


def test_directory_without_yaml_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "hello")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2
    assert "no YAML files found" in result.stderr


def test_recursion_skips_hidden_and_reads_yml(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / "sub" / "deeper", "bad.yml", "version: 1\nname: x\nkind: follow\n")
    write(tmp_path / ".hidden", "ignored.yaml", "not: [valid")
    result = run("validate", str(tmp_path), "-f", "json")
    payload = json.loads(result.stdout)
    assert [Path(item["file"]).name for item in payload["files"]] == ["bad.yml"]
    assert result.exit_code == 1


def test_output_file(tmp_path: Path, at_root: Path) -> None:
    target = tmp_path / "report.xml"
    result = run("validate", BROKEN, "-f", "junit", "-o", str(target))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert ElementTree.parse(target).getroot().tag == "testsuites"


def test_mapping_files_are_validated_as_mappings(tmp_path: Path) -> None:
    write(tmp_path, "mapping.yaml", "columns:\n  customer_id: client\ndelimitr: ','\n")
    payload = json.loads(run("validate", str(tmp_path), "-f", "json").stdout)
    item = payload["files"][0]
    assert item["kind"] == "mapping"
    assert item["findings"][0]["path"] == "delimitr"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("channels:\n  phone: [VOICE, CHAT]\n", "mapping"),
        ("channels:\n  phone:\n    - VOICE\n", "mapping"),
        ("anonymous_ids: ['0']\n", "mapping"),
        ("channels:\n  phone: {mode: live}\n", "strategy"),
        ("channels:\n  phone:\n    hourly_cost: 35\n", "strategy"),  # a base to extend
        ("channels: {phone: {hourly_cost: 35}}\n", "strategy"),
        ("channels:\n    phone: [VOICE]\n    chat: [CHAT]\n", "mapping"),  # 4 spaces
        ("channels:\n    phone:\n        - VOICE\n", "mapping"),
        ("channels:\n  phone: ['Phone: {inbound}']\n", "mapping"),
        ("columns:\n  customer_id: client\nkind: follow\n", "strategy"),
    ],
)
def test_a_mapping_of_channel_aliases_alone_is_a_mapping(
    tmp_path: Path, text: str, kind: str
) -> None:
    """A mapping of only `channels:` aliases was checked as a strategy: 'name: required
    key is missing'."""
    write(tmp_path, "file.yaml", text)
    payload = json.loads(run("validate", str(tmp_path), "-f", "json").stdout)
    assert payload["files"][0]["kind"] == kind


def test_broken_base_is_reported_once(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "version: 1\nname: base\nkind: follow\nchannels: 5\n")
    for index in range(3):
        write(tmp_path, f"child{index}.yaml", f"extends: base.yaml\nname: child{index}\n")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout.count("base.yaml:4:") == 1
    assert "4 files checked, 4 invalid, 1 finding" in result.stdout


# --------------------------------------------------------------------------- every problem


MANY = """\
version: 1
name: many
kind: follow
colour: blue
channels:
  phone: {mode: live, handle_time: 360, shrinkage: 1.2}
  chat: {mode: liv}
  web: {mode: self_service}
offer: [phone, chat, web, web]
shifts:
  - from: phone
    to: {web: 0.7, chat: 0.6}
  - from: phone
    to: {web: 1.5}
fallback:
  branch: {to: phone, accept: 2}
guards:
  - coverage >= 0.9
  - coverge >= 0.95
  - 3
"""


def test_schema_and_cross_field_findings_in_one_run(tmp_path: Path) -> None:
    path = write(tmp_path, "many.yaml", MANY)
    with pytest.raises(StrategyError) as caught:
        api.load_strategy(path)
    found = [(f.line, f.path, f.message) for f in caught.value.findings]
    expected = [
        (4, "colour", "unknown key 'colour'"),
        (6, "channels.phone.shrinkage", "input should be less than or equal to 0.95 (got 1.2)"),
        (7, "channels.chat.mode", "input should be 'live', 'async' or 'self_service'"),
        (9, "offer.3", "channel 'web' is offered twice"),
        (10, "shifts", "a follow strategy cannot have shift rules"),
        (12, "shifts.0.to", "shares add up to 1.3, more than 1"),
        (14, "shifts.1.to.web", "input should be less than or equal to 1"),
        (16, "fallback.branch", "fallback channel 'branch' is not in the channel catalog"),
        (16, "fallback.branch.accept", "input should be less than or equal to 1"),
        (19, "guards.1", "unknown metric 'coverge'"),
        (20, "guards.2", "input should be a valid string"),
    ]
    assert len(found) == len(expected), found
    for (line, path, message), want in zip(found, expected, strict=True):
        assert (line, path) == want[:2]
        assert message.startswith(want[2]), (message, want)


def test_a_channel_offered_twice_is_found_at_the_repeat(tmp_path: Path) -> None:
    text = (
        "version: 1\nname: x\nkind: follow\nchannels:\n  phone: {mode: live}\n"
        "  web: {mode: self_service}\noffer:\n  - phone\n  - web\n  - phone\n  - phone\n"
    )
    path = write(tmp_path, "twice.yaml", text)
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        f"{path}:10:5: offer.2: channel 'phone' is offered twice",
        "1 file checked, 1 invalid, 1 finding",
    ]


def test_duplicate_and_unknown_key_in_one_run(tmp_path: Path) -> None:
    text = "version: 1\nname: x\nkind: follow\nname: y\nchanels: {}\nchannels:\n  a: {mode: live}\n"
    path = write(tmp_path, "both.yaml", text)
    with pytest.raises(StrategyError) as caught:
        api.load_strategy(path)
    assert [(f.line, f.path) for f in caught.value.findings] == [(4, "name"), (5, "chanels")]
    assert caught.value.findings[1].hint == "did you mean 'channels'?"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name:\nkind: follow\n", "is empty (hint: give it a value)"),
        ('name: ""\nkind: follow\n', "is empty (hint: give it a value)"),
        ('name: "  "\nkind: follow\n', "is blank (got '  ') (hint: write a name)"),
    ],
)
@pytest.mark.parametrize("extends", [False, True])
def test_a_name_given_empty_is_empty_not_missing(
    tmp_path: Path, text: str, message: str, extends: bool
) -> None:
    # Over a base, `name:` with no value removes the inherited name: still empty.
    write(tmp_path, "base.yaml", "version: 1\nname: base\nkind: follow\nchannels:\n"
                                 "  phone: {mode: live}\n")
    head = "extends: base.yaml\n" if extends else "channels: {phone: {mode: live}}\n"
    path = write(tmp_path, "child.yaml", head + text)
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == f"{path}:2:1: name: {message}"


def test_a_single_value_where_a_map_belongs_names_the_keys_it_takes(tmp_path: Path) -> None:
    """Pydantic's words named cx's classes: "a valid dictionary or instance of Staffing"."""
    path = write(
        tmp_path,
        "s.yaml",
        "version: 1\nname: s\nkind: follow\nstaffing: 30\nfallback:\n  branch: phone\n"
        "channels: 5\n",
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:3] == [
        f"{path}:4:1: staffing: input should be a map of keys and values (got 30) "
        "(hint: the keys it takes: interval, hold)",
        f"{path}:6:3: fallback.branch: input should be a map of keys and values (got 'phone') "
        "(hint: the keys it takes: to, accept)",
        f"{path}:7:1: channels: input should be a map of keys and values (got 5)",
    ]
    assert "instance of" not in result.stdout and "dictionary" not in result.stdout


def test_an_empty_list_is_a_finding_where_leaving_the_key_out_has_a_meaning(
    tmp_path: Path,
) -> None:
    # `offer: []` would offer nothing and `where: {intent: []}` match no contact; left
    # out, they offer every channel and match every intent.
    text = (
        "version: 1\nname: empty\nkind: push\nchannels:\n  phone: {mode: live}\n"
        "  web: {mode: self_service}\noffer: []\nshifts:\n  - from: phone\n"
        "    where: {intent: [], segment: [], stage: [], step: [], hours: []}\n"
        "    to: {web: 0.5}\n"
    )
    path = write(tmp_path, "empty.yaml", text)
    result = run("validate", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()[:-1]
    where = [f"shifts.0.where.{key}" for key in ("intent", "segment", "stage", "step", "hours")]
    assert [line.split(": ")[1] for line in lines] == ["offer", *where]
    assert all(line.endswith(": is an empty list (hint: list at least one value, or leave "
                             "the key out)") for line in lines), lines
    assert lines[0].startswith(f"{path}:7:1: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an invalid kind: the stand-in kind must not invent "follow with shifts"
        (
            "kind: pusj\nshifts:\n  - {from: phone, to: {web: 0.2}}\n",
            ["kind"],
        ),
        # an invalid offer: its stand-in (everything offered) must not invent findings
        (
            "kind: push\noffer: [phone, Web]\nfallback:\n  chat: {to: phone, accept: 0.5}\n",
            ["offer.1"],
        ),
        # an invalid shift rule: the others are still checked
        (
            "kind: push\nshifts:\n  - {from: Phone, to: {web: 0.2}}\n"
            "  - {from: phone, to: {web: 0.8, chat: 0.4}}\n",
            ["shifts.0.from", "shifts.1.to"],
        ),
        # a rule with a share above 1: no second finding for the same share
        ("kind: push\nshifts:\n  - {from: phone, to: {web: 1.5}}\n", ["shifts.0.to.web"]),
        # a channel with a broken mode is still in the catalog
        ("kind: follow\nchannels:\n  chat: {mode: chatty}\n", ["channels.chat.mode"]),
        # a value no branch of its union takes: the channel keeps its mode, so a guard
        # on its occupancy is no finding
        (
            "kind: follow\nchannels:\n  phone: {mode: live, handle_time: 0}\n"
            "guards: [channels.phone.occupancy <= 0.9]\n",
            ["channels.phone.handle_time"],
        ),
        # a channel that is not a map at all: a guard on its occupancy is no finding
        # (its stand-in is a self-service channel, which has none)
        (
            "kind: follow\nchannels:\n  phone: 1\n  chat: {mode: live}\n"
            "guards: [channels.phone.occupancy <= 0.9, channels.chat.occupancy <= 0.9]\n",
            ["channels.phone"],
        ),
        # a channel that is not even a map is still in the catalog
        (
            "kind: push\nchannels:\n  phone: {mode: live}\n  chat: 5\n"
            "shifts:\n  - {from: phone, to: {chat: 0.2}}\n",
            ["channels.chat"],
        ),
        # a broken fallback entry: the retired channel still has one
        (
            "kind: push\noffer: [phone, web]\nfallback:\n  chat: [oops]\n"
            "shifts:\n  - {from: chat, to: {web: 0.2}, containment: 0.5}\n",
            ["fallback.chat"],
        ),
        # no channel catalog at all: only the schema finding
        ("kind: push\nchannels: 5\nshifts: [{from: x, to: {y: 2}}]\n", None),
    ],
)
def test_salvage_never_invents_findings(text: str, expected: list[str] | None) -> None:
    data = {
        "version": 1,
        "name": "s",
        "channels": {
            "phone": {"mode": "live"},
            "chat": {"mode": "live"},
            "web": {"mode": "self_service"},
        },
    }
    import yaml

    data.update(yaml.safe_load(text))
    with pytest.raises(StrategyError) as caught:
        api.load_strategy(data)
    paths = [finding.path for finding in caught.value.findings]
    if expected is None:
        assert paths[0] == "channels"
    else:
        assert paths == expected


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-2, 2, allow_nan=False),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["mode", "to", "from", "x"]), st.integers(), max_size=2),
)


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _leaves(value, (*path, index))
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_broken_value_gives_findings_never_a_crash(data: st.DataObject) -> None:
    import copy

    import yaml

    base = yaml.safe_load((ROOT / "strategies" / "follow-everywhere.yaml").read_text())
    base.update(
        kind="push",
        offer=["phone", "chat", "email", "web", "app", "social", "video"],
        shifts=[{"from": "phone", "to": {"web": 0.3}, "containment": 0.8, "escalate_to": "chat"}],
        fallback={"branch": {"to": "phone", "accept": 0.6}},
    )
    api.load_strategy(base)  # valid as it stands
    broken = copy.deepcopy(base)
    for _ in range(data.draw(st.integers(1, 3))):
        places = [p for p in _leaves(broken) if p]
        place = data.draw(st.sampled_from(places))
        node = broken
        for part in place[:-1]:
            node = node[part]
        node[place[-1]] = data.draw(JUNK)
    try:
        api.load_strategy(broken)
    except StrategyError as error:
        assert all(finding.message for finding in error.findings)


# --------------------------------------------------------------------------- guards


@pytest.mark.parametrize(
    ("expr", "metric", "channel", "op", "threshold"),
    [
        ("coverage >= 0.95", "coverage", None, ">=", 0.95),
        ("cost_delta<0", "cost_delta", None, "<", 0.0),
        ("  channels.phone.occupancy <= 0.9 ", "occupancy", "phone", "<=", 0.9),
        ("coverage >= 95%", "coverage", None, ">=", 0.95),
        ("cost != 1e3", "cost", None, "!=", 1000.0),
        ("lost == 0", "lost", None, "==", 0.0),
        ("cost_delta > -.5", "cost_delta", None, ">", -0.5),
    ],
)
def test_guard_parser(expr: str, metric: str, channel: str | None, op: str, threshold: float):
    guard = parse_guard(expr, ["phone", "chat"])
    assert (guard.metric, guard.channel, guard.op) == (metric, channel, op)
    assert guard.threshold == pytest.approx(threshold)


@pytest.mark.parametrize(
    ("expr", "message", "hint"),
    [
        ("coverge >= 0.9", "unknown metric 'coverge'", "did you mean 'coverage'?"),
        ("channels.phon.occupancy < 1", "channel 'phon'", "did you mean 'phone'?"),
        ("channels.phone.ocupancy < 1", "unknown channel metric", "did you mean 'occupancy'?"),
        ("channels.phone < 1", "unknown metric", "channels.<name>.<key>"),
        ("coverage => 0.9", "cannot parse guard", "operators"),
        ("coverage >= 0.9 and cost < 1", "cannot parse guard", None),
        ("__import__('os').system('true') > 0", "cannot parse guard", None),
        ("coverage >= cost", "cannot parse guard", None),
        ("coverage >= nan", "cannot parse guard", None),
        ("", "cannot parse guard", None),
    ],
)
def test_guard_parser_rejects(expr: str, message: str, hint: str | None) -> None:
    with pytest.raises(GuardSyntaxError) as caught:
        parse_guard(expr, ["phone", "chat"])
    assert message in str(caught.value)
    if hint is not None:
        assert caught.value.hint is not None and hint in caught.value.hint


def test_guard_errors_are_validation_findings(tmp_path: Path) -> None:
    text = (ROOT / "tests/strategies/broken/base.yaml").read_text()
    text += "  - channels.phon.occupancy <= 0.9\n  - coverage >== 1\n"
    path = write(tmp_path, "guards.yaml", text)
    result = run("validate", str(path), "-f", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["files"][0]["findings"]
    assert [(f["line"], f["path"]) for f in findings] == [(11, "guards.1"), (12, "guards.2")]
    assert findings[0]["hint"] == "did you mean 'phone'?"


def test_a_percent_is_read_only_on_a_share(tmp_path: Path) -> None:
    # `cost_delta < -5%` would be 5 hundredths of money, not 5 % of today's cost.
    text = (ROOT / "tests/strategies/broken/base.yaml").read_text()
    text += "  - cost_delta < -5%\n  - channels.phone.agent_hours <= 5 %\n"
    text += "  - channels.phone.occupancy <= 90%\n  - pooling_overhead < 30%\n"
    path = write(tmp_path, "guards.yaml", text)
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        f"{path}:11:5: guards.1: cost_delta is not a share, so '-5%' cannot be read "
        "(hint: write the number in the unit of cost_delta, without %; "
        "a % fits only shares such as coverage or occupancy)",
        f"{path}:12:5: guards.2: agent_hours is not a share, so '5%' cannot be read "
        "(hint: write the number in the unit of agent_hours, without %; "
        "a % fits only shares such as coverage or occupancy)",
    ]
    assert "2 findings" in result.stdout
    assert result.stderr == ""


# --------------------------------------------------------------------------- pre-commit


def test_pre_commit_hook() -> None:
    import re

    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "cx-validate"
    assert hook["entry"] == "cx validate"
    assert hook["language"] == "python" and hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    for path in ("strategies/digital-first.yaml", "ops/strategies/x.yml", "a/b.strategy.yaml"):
        assert files.search(path), path
    for path in ("examples/mappings/zendesk.yaml", ".pre-commit-hooks.yaml", "strategies.md"):
        assert not files.search(path), path
    shipped = [str(p.relative_to(ROOT)) for p in (ROOT / "strategies").glob("*.yaml")]
    assert shipped and all(files.search(path) for path in shipped)
    # what the hook runs: `cx validate FILE...` on the files of a commit
    result = run("validate", *[str(ROOT / path) for path in shipped])
    assert result.exit_code == 0


def test_an_empty_extends_is_a_finding_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, "child.yaml", "version: 1\nname: child\nkind: follow\nextends: ''\n")
    result = run("validate", str(tmp_path / "child.yaml"))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{tmp_path / 'child.yaml'}:4:1: extends: extends is an empty")


def test_a_symlink_to_nothing_in_a_directory_is_a_finding(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", (ROOT / "strategies" / "follow-everywhere.yaml").read_text())
    (tmp_path / "link.yaml").symlink_to(tmp_path / "missing.yaml")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{tmp_path / 'link.yaml'}: strategy file not found "
        "(hint: it is a symlink to a file that does not exist)"
    )
    assert "2 files checked, 1 invalid" in result.stdout


def _directory_with_an_invalid_strategy(tmp_path: Path) -> Path:
    hidden = tmp_path / "locked"
    hidden.mkdir()
    write(hidden, "invalid.yaml", "version: 1\nname: x\nkind: follow\n")
    write(tmp_path, "good.yaml", (ROOT / "strategies" / "follow-everywhere.yaml").read_text())
    return hidden


def _assert_reported_unreadable(result: Any, directory: Path) -> None:
    assert result.exit_code == 1
    assert f"{directory}: cannot read directory: Permission denied" in result.stdout
    assert "2 files checked, 1 invalid" in result.stdout


def test_a_directory_that_cannot_be_listed_is_a_finding(tmp_path: Path) -> None:
    locked = _directory_with_an_invalid_strategy(tmp_path)
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("permissions do not bind this user (root)")
        _assert_reported_unreadable(run("validate", str(tmp_path)), locked)
    finally:
        locked.chmod(0o755)


def test_a_directory_refused_by_the_system_is_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same refusal for any user, root included: the system says no."""
    locked = _directory_with_an_invalid_strategy(tmp_path)
    scandir = os.scandir

    def refusing(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    _assert_reported_unreadable(run("validate", str(tmp_path)), locked)


def test_a_linked_directory_is_said_not_searched_and_searched_when_named(
    tmp_path: Path,
) -> None:
    """A symlinked folder was skipped without a word; following links would search a
    linked virtualenv's packages. It is listed in the summary, and searched when named."""
    shared, project = tmp_path / "shared", tmp_path / "project"
    shared.mkdir()
    project.mkdir()
    write(shared, "bad.yaml", "version: 2\n")
    write(project, "good.yaml", (Path(__file__).resolve().parent.parent / "strategies"
                                 / "follow-everywhere.yaml").read_text())  # fmt: skip
    (project / "linked").symlink_to(shared)
    result = run("validate", str(project))
    assert result.exit_code == 0
    assert result.stdout == (
        f"1 file checked, all valid; 1 symlinked directory not searched "
        f"({project / 'linked'}): name it to check it\n"
    )
    (project / "here").symlink_to(project)  # up the tree: nothing missed, not listed
    payload = json.loads(run("validate", str(project), str(project), "-f", "json").stdout)
    assert payload["not_searched"] == [str(project / "linked")]
    named = run("validate", str(project / "linked"))
    assert named.exit_code == 1 and "bad.yaml:1:1: version" in named.stdout
    only_links = tmp_path / "only-links"
    only_links.mkdir()
    (only_links / "shared").symlink_to(shared)
    alone = run("validate", str(only_links))
    assert alone.exit_code == 2
    assert "no YAML files found (hint: symlinked directories are not searched" in alone.stderr
