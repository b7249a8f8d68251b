"""JSON Schema of strategy files, generated from the models."""

from __future__ import annotations

import json
from typing import Any

from cx.models.strategy import Strategy

SCHEMA_ID = "https://cx.invalid/cx-strategy.schema.json"


def strategy_schema() -> dict[str, Any]:
    schema = Strategy.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cx strategy file",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def strategy_schema_text() -> str:
    return json.dumps(strategy_schema(), indent=2, ensure_ascii=False) + "\n"
