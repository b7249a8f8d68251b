"""Mapping files (§3): YAML → validated :class:`~cx.models.mapping.Mapping`."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from cx.errors import StrategyError, did_you_mean
from cx.loader.findings import pydantic_findings
from cx.loader.located import Located, Position
from cx.loader.yamlsafe import load_yaml_file
from cx.models.mapping import BOOLEAN_COLUMNS, CANONICAL_COLUMNS, Mapping


def load_mapping(path: str | Path | None) -> Mapping:
    """Load a mapping file; ``None`` means the canonical columns as they are."""
    if path is None:
        return Mapping()
    located = load_yaml_file(Path(path), "mapping file")
    if not isinstance(located.data, dict):
        raise StrategyError(
            [
                Position(str(path), 1, 1).finding(
                    "a mapping file must be a mapping of keys", hint="start with `columns:`"
                )
            ]
        )
    _check_values_keys(located)
    try:
        mapping = Mapping.model_validate(located.data)
    except ValidationError as error:
        raise StrategyError(pydantic_findings(error, located, Mapping)) from None
    findings = []
    for canonical in mapping.channels:
        if canonical != canonical.strip().lower():
            findings.append(
                located.position(("channels", canonical)).finding(
                    f"canonical channel '{canonical}' must be lower-case", f"channels.{canonical}"
                )
            )
    if mapping.delimiter is not None and len(mapping.delimiter) != 1:
        findings.append(
            located.position(("delimiter",)).finding(
                f"delimiter must be one character, got {mapping.delimiter!r}",
                "delimiter",
                'write "\\t" for a tab',
            )
        )
    if findings:
        raise StrategyError(findings)
    return mapping


NUMERIC_COLUMNS = ("handle_time", "wait_time", "satisfaction")


def _check_values_keys(located: Located) -> None:
    """`values:` translates boolean columns only: say so, and which ones, for any other key."""
    values = located.data.get("values")
    if not isinstance(values, dict):
        return
    findings = []
    allowed = " and ".join(BOOLEAN_COLUMNS)
    for key in values:
        if key in BOOLEAN_COLUMNS:
            continue
        position = located.position(("values", key))
        if key in CANONICAL_COLUMNS:
            message = f"`values:` names '{key}', which is not a boolean column"
            kind = "a number" if key in NUMERIC_COLUMNS else "text"
            hint = f"`values:` translates only {allowed}; {key} is read as {kind}"
        else:
            message = f"`values:` names '{key}', which is not a canonical boolean column"
            close = did_you_mean(str(key), BOOLEAN_COLUMNS, cutoff=0.5)
            hint = (f"{close} " if close else "") + (
                f"`values:` translates only {allowed} (map source columns under `columns:`)"
            )
        findings.append(position.finding(message, f"values.{key}", hint))
    if findings:
        raise StrategyError(findings)
