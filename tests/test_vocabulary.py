"""One vocabulary: the strategy schema, the command line and the API take their
periods, intervals, journey window and channel-name rule from cx.models.vocabulary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cx import api
from cx.api_checks import require_interval
from cx.cli.app import app
from cx.errors import InputError, StrategyError, UsageError
from cx.models import vocabulary
from cx.models.numbers import check_window_hours
from cx.replay.engine import SimulationOptions
from cx.schema import strategy_schema

DEFS = strategy_schema()["$defs"]


def test_the_schema_states_the_vocabulary() -> None:
    period = DEFS["Strategy"]["properties"]["period"]
    assert period["enum"] == ["week", "month", "quarter"] == list(vocabulary.PERIODS)
    assert period["default"] == vocabulary.DEFAULT_PERIOD
    interval = DEFS["Staffing"]["properties"]["interval"]
    assert interval["enum"] == [15, 30, 60] == list(vocabulary.INTERVALS)
    assert interval["default"] == vocabulary.DEFAULT_INTERVAL
    window = DEFS["Journeys"]["properties"]["window_hours"]
    assert (window["minimum"], window["maximum"], window["default"]) == (0.0, 8760.0, 72.0)
    channels = DEFS["Strategy"]["properties"]["channels"]["patternProperties"]
    assert list(channels) == [vocabulary.CHANNEL_NAME_PATTERN]


def test_messages_name_the_choices() -> None:
    assert vocabulary.one_of(vocabulary.PERIODS) == "week, month or quarter"
    assert vocabulary.one_of(vocabulary.INTERVALS) == "15, 30 or 60"
    assert vocabulary.one_of(["month"]) == "month"
    with pytest.raises(UsageError, match=r"whole minutes \(15, 30 or 60\)"):
        require_interval("15")
    with pytest.raises(InputError, match="interval 45 is not 15, 30 or 60 minutes"):
        SimulationOptions(interval=45)
    with pytest.raises(InputError, match="more than a year"):
        check_window_hours(vocabulary.MAX_WINDOW_HOURS + 1)
    assert check_window_hours(vocabulary.MAX_WINDOW_HOURS) == vocabulary.MAX_WINDOW_HOURS


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 rows hold"), (1, "1 row holds"), (2, "2 rows hold"), (2831, "2,831 rows hold")],
)
def test_a_count_takes_the_words_of_its_number(count: int, expected: str) -> None:
    assert vocabulary.counted(count, "row holds", "rows hold") == expected
    assert vocabulary.plural(count, "row") == expected.split()[1]
    assert vocabulary.plural(count, "strategy", "strategies") == (
        "strategy" if count == 1 else "strategies"
    )


def test_the_command_line_refuses_what_the_vocabulary_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("s.yaml").write_text("version: 1\nname: s\nkind: follow\nchannels: {web: {mode: async}}\n")
    Path("d.csv").write_text("customer_id,timestamp,channel\nc,2024-01-01T09:00:00,web\n")
    result = CliRunner().invoke(app, ["simulate", "s.yaml", "--data", "d.csv", "--period", "day"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "unknown --period 'day' (hint: use week, month or quarter)" in result.stderr
    result = CliRunner().invoke(app, ["simulate", "s.yaml", "--data", "d.csv", "--interval", "45"])
    assert result.exit_code == 2
    assert "--interval 45 is not 15, 30 or 60 minutes" in result.stderr


@given(st.text(max_size=30))
def test_a_suggested_channel_name_uses_only_allowed_characters(text: str) -> None:
    suggestion = vocabulary.channel_name_like(text)
    assert re.fullmatch(r"[a-z0-9_\-]*", suggestion)
    assert not suggestion.startswith("_") and not suggestion.endswith("_")
    assert vocabulary.channel_name_like(suggestion) == suggestion


def test_an_invalid_channel_name_is_refused_with_the_rule_and_a_suggestion() -> None:
    with pytest.raises(StrategyError) as caught:
        api.load_strategy(
            {"name": "s", "kind": "follow", "channels": {"Web Chat": {"mode": "async"}}}
        )
    finding = caught.value.findings[0]
    assert finding.message == "'Web Chat' is not a valid channel name"
    assert finding.hint == f"{vocabulary.CHANNEL_NAME_RULE}, e.g. 'web_chat'"
