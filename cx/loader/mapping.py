"""Mapping files (§3): YAML → validated :class:`~cx.models.mapping.Mapping`."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from cx.errors import Finding, StrategyError, did_you_mean
from cx.loader.findings import pydantic_findings
from cx.loader.located import Located, Position
from cx.loader.yamlsafe import load_yaml_file
from cx.models.mapping import BOOLEAN_COLUMNS, CANONICAL_COLUMNS, REQUIRED_COLUMNS, Mapping


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
    findings += [
        located.position(("columns", column)).finding(
            "null leaves out a column cx cannot do without",
            f"columns.{column}",
            "map it onto the export's column",
        )
        for column in REQUIRED_COLUMNS
        if column in mapping.columns and mapping.columns[column] is None  # type: ignore[index]
    ]
    findings += [
        located.position(("values", column)).finding(
            f"`values:` gives the words of {column}, which `columns:` leaves out "
            f"({column}: null): they would translate nothing",
            f"values.{column}",
            f"map {column} onto the export's column, or remove values.{column}",
        )
        for column in mapping.values
        if column in mapping.columns and mapping.columns[column] is None  # type: ignore[index]
    ]
    findings.extend(_drop_findings(mapping, located))
    findings.extend(_claimed_twice_findings(mapping, located))
    if findings:
        raise StrategyError(findings)
    return mapping


def _claimed_twice_findings(mapping: Mapping, located: Located) -> list[Finding]:
    """A source value is read case-insensitively and trimmed, so listing it under two
    channels, or under true and false, leaves its meaning to the order of the keys."""
    findings = []
    groups: list[tuple[str, dict[str, list[str]]]] = [("channels", dict(mapping.channels))]
    for column, words in mapping.values.items():
        groups.append((f"values.{column}", {"true": words.true, "false": words.false}))
    for prefix, lists in groups:
        owner: dict[str, str] = {}
        for key, values in lists.items():
            for index, value in enumerate(values):
                folded = value.strip().lower()
                first = owner.setdefault(folded, key)
                if first == key:
                    continue
                path = (*prefix.split("."), key, index)
                findings.append(
                    located.position(path).finding(
                        f"'{value.strip()}' is listed under both {first} and {key}",
                        ".".join(str(p) for p in path),
                        "values are matched ignoring case and spaces: list it once",
                    )
                )
    return findings


def _drop_findings(mapping: Mapping, located: Located) -> list[Finding]:
    """`drop:` names one column per key, with at least one non-blank value each; a
    canonical column mapped onto several joined columns has no single value to match."""
    findings = []
    for column, values in mapping.drop.items():
        problem = None
        path: tuple[str | int, ...] = ("drop", column)
        if not column.strip():
            problem = "`drop:` names a blank column", "name a column of the export"
        elif isinstance(mapping.columns.get(column), list):  # type: ignore[call-overload]
            problem = (
                f"`drop:` names '{column}', which `columns:` joins from several columns",
                "name one of the source columns instead",
            )
        elif not values:
            problem = f"`drop: {column}` lists no values", "list the values whose rows to drop"
        else:
            blank = [i for i, value in enumerate(values) if not value.strip()]
            if blank:
                path = ("drop", column, blank[0])
                problem = (
                    f"`drop: {column}` has a blank value",
                    "an empty cell is never dropped; list the values to drop",
                )
        if problem is None:
            continue
        dotted = ".".join(str(p) for p in path)
        findings.append(located.position(path).finding(problem[0], dotted, problem[1]))
    return findings


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
