"""`cx schema` and the committed `cx-strategy.schema.json` (editors and CI use it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_cx

from cx.schema import strategy_schema, strategy_schema_text

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "cx-strategy.schema.json"
STRATEGIES = sorted((ROOT / "strategies").glob("*.yaml"))
SCHEMA_COMMENT = "# yaml-language-server: $schema=../cx-strategy.schema.json"


def test_committed_schema_is_current() -> None:
    result = run_cx("schema")
    assert result.exit_code == 0
    assert result.stdout == strategy_schema_text()
    assert COMMITTED.read_text(encoding="utf-8") == result.stdout, (
        "cx-strategy.schema.json is stale: run `cx schema -o cx-strategy.schema.json`"
    )


def test_schema_output_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    result = run_cx("schema", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text()) == strategy_schema()


def test_shipped_strategies_reference_the_schema() -> None:
    assert STRATEGIES
    for path in STRATEGIES:
        assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_COMMENT, path


def test_shipped_strategies_validate() -> None:
    result = run_cx("validate", str(ROOT / "strategies"))
    assert result.exit_code == 0, result.stdout


def test_schema_shape() -> None:
    schema = strategy_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["if"] == {"required": ["extends"]}
    assert schema["then"] == {"$ref": "#/$defs/StrategyPartial"}
    assert schema["else"] == {"$ref": "#/$defs/Strategy"}
    definitions = schema["$defs"]
    assert definitions["Strategy"]["required"] == ["name", "kind", "channels"]
    assert definitions["Strategy"]["additionalProperties"] is False
    assert "required" not in definitions["StrategyPartial"]
    assert "required" not in definitions["ChannelPartial"]
    # channel maps accept only channel names as keys
    assert definitions["Strategy"]["properties"]["channels"]["additionalProperties"] is False
    # `where: {intent: balance}` (a scalar) is as valid as a list
    intent = definitions["Where"]["properties"]["intent"]["anyOf"]
    assert {"type": "string"} in intent


def _validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", STRATEGIES, ids=lambda p: p.name)
def test_shipped_strategies_match_the_schema(path: Path) -> None:
    validator = _validator()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [error.message for error in validator.iter_errors(data)] == []


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        ({"name": "x", "kind": "follow", "channels": {"phone": {"mode": "live"}}}, True),
        ({"name": "x", "kind": "follow"}, False),  # no catalog and nothing to extend
        ({"extends": "base.yaml", "fallback": {"branch": None}}, True),  # null removes
        ({"extends": "base.yaml", "channels": {"phone": {"hourly_cost": 30}}}, True),
        ({"extends": "base.yaml", "colour": "blue"}, False),
        ({"name": "x", "kind": "follow", "channels": {"Phone": {"mode": "live"}}}, False),
        ({"name": "x", "kind": "fellow", "channels": {"phone": {"mode": "live"}}}, False),
    ],
)
def test_schema_accepts_and_refuses(data: dict[str, Any], valid: bool) -> None:
    validator = _validator()
    assert validator.is_valid(data) is valid


def test_min_agents_says_which_channels_it_holds_in() -> None:
    """An async channel without `hours` has no intervals to keep agents in: the floor
    is promised to live channels' intervals, and to open intervals with `hours`."""
    channel = strategy_schema()["$defs"]["Channel"]["properties"]["min_agents"]["description"]
    assert "live channel" in channel and "live or async channel" in channel
