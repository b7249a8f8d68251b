"""Mapping files: how a real export's columns and values map onto cx's canonical ones (§3)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from cx.models.strategy import NonEmptyList, StrictModel

CanonicalColumn = Literal[
    "customer_id",
    "timestamp",
    "channel",
    "segment",
    "stage",
    "intent",
    "handle_time",
    "resolved",
    "wait_time",
    "abandoned",
    "satisfaction",
]
CANONICAL_COLUMNS: tuple[str, ...] = get_args(CanonicalColumn)
REQUIRED_COLUMNS = ("customer_id", "timestamp", "channel")
DIMENSION_COLUMNS = ("segment", "stage", "intent")
BOOLEAN_COLUMNS = ("resolved", "abandoned")
BooleanColumn = Literal["resolved", "abandoned"]


class BooleanValues(StrictModel):
    true: list[str] = Field(default_factory=list, alias="true")
    false: list[str] = Field(default_factory=list, alias="false")


class Mapping(StrictModel):
    """Renames an export onto the canonical columns and values."""

    columns: dict[CanonicalColumn, str | NonEmptyList[str]] = Field(
        default_factory=dict,
        description="Canonical column: source column, or a list of columns joined with a space.",
    )
    timestamp_format: str | None = Field(None, description="strftime format; default ISO 8601.")
    delimiter: str | None = Field(None, description="Field delimiter; default: detected.")
    handle_time_unit: Literal["seconds", "minutes"] = "seconds"
    channels: dict[str, NonEmptyList[str]] = Field(
        default_factory=dict, description="Canonical channel: source values (case-insensitive)."
    )
    values: dict[BooleanColumn, BooleanValues] = Field(
        default_factory=dict, description="Boolean column: source values meaning true / false."
    )
    anonymous_ids: list[str] = Field(
        default_factory=list, description="Customer ids that stand for an unknown customer."
    )
    drop: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Source column (or a canonical column mapped by `columns:`): values whose "
        "rows are dropped before anything is counted (case-insensitive, trimmed). Dropped rows "
        "are counted in `data.rows_dropped`, never rejected.",
    )
