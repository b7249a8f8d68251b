"""Mapping files (§3): YAML → validated :class:`~cx.models.mapping.Mapping`."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from cx.errors import Finding, StrategyError
from cx.loader.strategy import pydantic_findings
from cx.loader.yamlsafe import load_yaml_file
from cx.models.mapping import Mapping


def load_mapping(path: str | Path | None) -> Mapping:
    """Load a mapping file; ``None`` means the canonical columns as they are."""
    if path is None:
        return Mapping()
    located = load_yaml_file(Path(path), "mapping file")
    if not isinstance(located.data, dict):
        raise StrategyError(
            [
                Finding(
                    "a mapping file must be a mapping of keys",
                    file=str(path),
                    line=1,
                    column=1,
                    hint="start with `columns:`",
                )
            ]
        )
    try:
        mapping = Mapping.model_validate(located.data)
    except ValidationError as error:
        raise StrategyError(pydantic_findings(error, located, Mapping)) from None
    findings = []
    for canonical in mapping.channels:
        if canonical != canonical.strip().lower():
            position = located.position(("channels", canonical))
            findings.append(
                Finding(
                    f"canonical channel '{canonical}' must be lower-case",
                    file=position.file,
                    line=position.line,
                    column=position.column,
                    path=f"channels.{canonical}",
                )
            )
    if mapping.delimiter is not None and len(mapping.delimiter) != 1:
        position = located.position(("delimiter",))
        findings.append(
            Finding(
                f"delimiter must be one character, got {mapping.delimiter!r}",
                file=position.file,
                line=position.line,
                column=position.column,
                path="delimiter",
                hint='write "\\t" for a tab',
            )
        )
    if findings:
        raise StrategyError(findings)
    return mapping
