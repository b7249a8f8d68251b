"""A loaded strategy keeps where each value is written, so errors found after loading
(by the engine, by ``cx check``) name the file and line that set the value: the base
file for a value inherited through ``extends``, the extending file for its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cx import api
from cx.cli.app import app
from cx.errors import InputError
from cx.schema import strategy_schema

DATA = (
    "customer_id,timestamp,channel,handle_time\n"
    "c1,2024-01-01T09:00:00,phone,300\n"
    "c2,2024-01-01T09:10:00,web,\n"
    "c3,2024-01-02T10:00:00,phone,240\n"
    "c4,2024-01-02T11:00:00,web,\n"
)

# `video` is staffed (live, hourly_cost) but has no handle_time and no contacts in the
# data: the engine refuses it and points at the channel's entry.
BASE = """\
version: 1
name: base
kind: follow
channels:
  phone: {mode: live, handle_time: 300, hourly_cost: 30}
  web: {mode: self_service}
  video:
    mode: live
    hourly_cost: 40
guards:
  - coverage >= 0
  - coverage > 1
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text(DATA)
    (tmp_path / "base.yaml").write_text(BASE)
    return tmp_path


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result


def staffed_error(path: str) -> InputError:
    cube = api.load_interactions("data.csv")
    with pytest.raises(InputError) as caught:
        api.simulate(api.load_strategy(path), cube)
    return caught.value


def test_engine_error_names_the_base_file_line_for_an_inherited_key(workdir: Path) -> None:
    Path("child.yaml").write_text("extends: base.yaml\nname: child\n")
    error = staffed_error("child.yaml")
    # `video:` is line 7, column 3 of base.yaml
    assert (error.file, error.line, error.column) == ("base.yaml", 7, 3)
    assert error.path == "channels.video.handle_time"
    result = run("simulate", "child.yaml", "--data", "data.csv")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: base.yaml:7:3: channels.video.handle_time: channel 'video' is staffed"
    )


def test_engine_error_names_the_extending_file_line_for_its_own_key(workdir: Path) -> None:
    Path("child.yaml").write_text(
        "extends: base.yaml\nname: child\nchannels:\n  web: {mode: self_service}\n"
        "  video: {mode: live, hourly_cost: 45}\n"
    )
    error = staffed_error("child.yaml")
    assert (error.file, error.line, error.column) == ("child.yaml", 5, 3)
    result = run("simulate", "child.yaml", "--data", "data.csv")
    assert result.exit_code == 2
    assert "child.yaml:5:3: channels.video.handle_time: channel 'video'" in result.stderr


def test_a_key_set_with_set_points_at_the_strategy_file(workdir: Path) -> None:
    Path("child.yaml").write_text("extends: base.yaml\nname: child\n")
    result = run(
        "simulate", "child.yaml", "--data", "data.csv", "--set", "channels.video.hourly_cost=50"
    )
    assert result.exit_code == 2
    # The channel's entry is still the base file's; the value --set changed has no line.
    assert "base.yaml:7:3: channels.video.handle_time:" in result.stderr
    strategy = api.load_strategy("child.yaml", ["channels.video.hourly_cost=50"])
    position = strategy.position(("channels", "video", "hourly_cost"))
    assert (position.file, position.line) == ("child.yaml", None)


def test_replay_refusing_a_rule_names_the_rule_line(workdir: Path) -> None:
    Path("push.yaml").write_text(
        "extends: base.yaml\nname: push\nkind: push\nguards: null\nchannels:\n"
        "  video: {mode: live, handle_time: 600, hourly_cost: 40}\n"
        "shifts:\n  - from: phone\n    to: {web: 0.5}\n    where: {step: first}\n"
    )
    result = run("simulate", "push.yaml", "--data", "data.csv", "--replay")
    assert result.exit_code == 2
    # `step:` is line 10, column 13 of push.yaml
    assert result.stderr.startswith(
        "error: push.yaml:10:13: shifts.0.where.step: --replay cannot pick the contacts"
    )


def test_check_locates_guards_in_the_file_that_states_them(workdir: Path) -> None:
    text = BASE.replace("    hourly_cost: 40\n", "    handle_time: 600\n    hourly_cost: 40\n")
    Path("base.yaml").write_text(text)
    Path("child.yaml").write_text(
        "extends: base.yaml\nname: child\nguards:\n  - coverage >= 0\n  - cost < 0\n"
    )
    result = run("check", "base.yaml", "child.yaml", "--data", "data.csv", "-f", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(",title=")[0] for line in lines] == [
        "::error file=base.yaml,line=13,col=5",
        "::error file=child.yaml,line=5,col=5",
    ]


def test_positions_are_not_part_of_the_json_or_the_schema(workdir: Path) -> None:
    strategy = api.load_strategy("base.yaml")
    assert strategy.position(("guards", 1)).line == 12
    dumped = json.dumps(strategy.model_dump(mode="json"))
    assert "positions" not in dumped and "base.yaml" not in dumped
    assert "positions" not in json.dumps(strategy_schema())


def test_a_sweep_of_a_loaded_strategy_keeps_its_positions(workdir: Path) -> None:
    strategy = api.load_strategy("base.yaml")
    cube = api.load_interactions("data.csv")
    with pytest.raises(InputError) as caught:
        api.sweep(strategy, "channels.phone.hourly_cost", [10, 20], cube)
    assert (caught.value.file, caught.value.line) == ("base.yaml", 7)


RETIRES_CHAT = """\
version: 1
name: ret
kind: push
channels:
  phone: {mode: live, handle_time: 300, hourly_cost: 10}
  chat: {mode: live, handle_time: 300, hourly_cost: 10}
  web: {mode: self_service}
offer: [phone, web]
shifts:
  - from: phone
    to: {web: 0.1}
"""
CHAT_DATA = (
    "customer_id,timestamp,channel\na,2024-01-01T09:10:00,chat\nb,2024-01-01T09:20:00,phone\n"
)
NO_FALLBACK = (
    "channel 'chat' is retired but has contacts in the data and no fallback "
    "(hint: add `fallback: {chat: {to: <offered channel>, accept: 0.5}}`)"
)


@pytest.mark.parametrize(
    ("strategy", "sets", "error"),
    [
        # no `fallback:` at all: the `offer:` that leaves chat out
        (RETIRES_CHAT, [], f"ret.yaml:8:1: offer: {NO_FALLBACK}"),
        # a `fallback:` without chat: there, as a fix goes
        (
            RETIRES_CHAT.replace("  chat:", "  video: {mode: self_service}\n  chat:")
            + "fallback:\n  video: {to: phone, accept: 0.5}\n",
            [],
            f"ret.yaml:13:1: fallback: {NO_FALLBACK}",
        ),
        # chat offered in the file, retired by --set: the option
        (
            RETIRES_CHAT.replace("[phone, web]", "[phone, chat, web]"),
            ["offer=[phone, web]"],
            f"--set offer=[phone, web]: offer: {NO_FALLBACK}",
        ),
        # one item of the file's offer changed by --set: the file's line, and the option
        (
            RETIRES_CHAT.replace("[phone, web]", "[phone, chat, web]").replace(
                "  chat:", "  video: {mode: self_service}\n  chat:"
            ),
            ["offer.1=video"],
            "ret.yaml:9:1: offer: channel 'chat' is retired but has contacts in the data and "
            "no fallback, with --set offer.1=video "
            "(hint: add `fallback: {chat: {to: <offered channel>, accept: 0.5}}`)",
        ),
    ],
)
def test_a_retired_channel_with_contacts_and_no_fallback_is_located(
    workdir: Path, strategy: str, sets: list[str], error: str
) -> None:
    Path("ret.yaml").write_text(strategy)
    Path("chat.csv").write_text(CHAT_DATA)
    arguments = [item for assignment in sets for item in ("--set", assignment)]
    result = run("simulate", "ret.yaml", "--data", "chat.csv", *arguments)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {error}\n"
