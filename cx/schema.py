"""JSON Schema of strategy files, generated from the models."""

from __future__ import annotations

import json
from typing import Any

from cx.models.strategy import Strategy

SCHEMA_ID = "https://cx.invalid/cx-strategy.schema.json"


PARTIAL = "Partial"
_META = ("title", "description", "default")


def strategy_schema() -> dict[str, Any]:
    """The schema editors and CI use for strategy files.

    A file without ``extends`` is a whole strategy (``Strategy``). A file with
    ``extends`` only overrides its base: no key is required there and ``null``
    removes an inherited key (``StrategyPartial``); cx checks the merged result.
    """
    schema = _closed(Strategy.model_json_schema(by_alias=True))
    definitions = schema.pop("$defs", {})
    schema.pop("title", None)
    definitions["Strategy"] = {"title": "Strategy", **schema}
    definitions.update(
        {f"{name}{PARTIAL}": _partial(body) for name, body in list(definitions.items())}
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cx strategy file",
        "description": schema.get("description", ""),
        "type": "object",
        "if": {"required": ["extends"]},
        "then": {"$ref": f"#/$defs/Strategy{PARTIAL}"},
        "else": {"$ref": "#/$defs/Strategy"},
        "$defs": dict(sorted(definitions.items())),
    }


def _closed(node: Any) -> Any:
    """Maps whose keys follow a pattern (channel names) allow no other keys."""
    if isinstance(node, list):
        return [_closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _closed(value) for key, value in node.items()}
    if "patternProperties" in result and "additionalProperties" not in result:
        result["additionalProperties"] = False
    return result


def _partial(node: Any) -> Any:
    """``node`` for a file that extends another: nothing required, null allowed."""
    if isinstance(node, list):
        return [_partial(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "required" or (key in ("minProperties", "minItems") and value == 1):
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
            result[key] = value + PARTIAL
        elif key in ("properties", "patternProperties"):
            result[key] = {name: _nullable(_partial(body)) for name, body in value.items()}
        elif key == "additionalProperties" and isinstance(value, dict):
            result[key] = _nullable(_partial(value))
        elif key == "oneOf":
            # Without their required keys, alternatives overlap ({low, high} is a
            # partial uniform and a partial triangular range): any one may match.
            result["anyOf"] = _partial(value)
        else:
            result[key] = _partial(value)
    return result


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    null = {"type": "null"}
    if null in node.get("anyOf", []) or node.get("type") == "null":
        return node
    if "anyOf" in node:
        return {**node, "anyOf": [*node["anyOf"], null]}
    meta = {key: node[key] for key in _META if key in node}
    body = {key: value for key, value in node.items() if key not in _META}
    return {**meta, "anyOf": [body, null]}


def strategy_schema_text() -> str:
    return json.dumps(strategy_schema(), indent=2, ensure_ascii=False) + "\n"
