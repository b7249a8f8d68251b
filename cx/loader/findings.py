"""Findings of strategy and mapping files: pydantic errors located in the YAML, in
the order a reader meets them.

A finding at a place is ``Position.finding`` (:mod:`cx.models.source`); a hint for a
misspelt key or name is :func:`cx.errors.did_you_mean`. Every loader module uses
those two, so every message about a place and a near miss reads the same.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from cx.errors import Finding, did_you_mean
from cx.loader.fields import fields_at
from cx.loader.located import Located
from cx.models.numbers import is_number_text
from cx.models.source import FILE_KEYS, dotted_path
from cx.models.uncertainty import RANGE_TAGS
from cx.models.vocabulary import CHANNEL_NAME_PATTERN, CHANNEL_NAME_RULE, channel_name_like


def pydantic_findings(
    error: ValidationError, located: Located, model: type[BaseModel]
) -> list[Finding]:
    """One finding per offending path of a pydantic error, located in the YAML."""
    grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for item in error.errors():
        path = _data_path(located.data, tuple(item["loc"]))
        grouped.setdefault(path, []).append(item)
    return [_finding_for(path, items, located, model) for path, items in grouped.items()]


def in_file_order(findings: list[Finding], file: str) -> list[Finding]:
    """The file's own findings by line and column, then those of the files it extends."""
    return sorted(findings, key=lambda f: (f.file != file, f.line or 0, f.column or 0))


def article(kind: str) -> str:
    """``list`` → ``a list``: the kind of a YAML value as a message names it."""
    names = {"list": "a list", "str": "a string", "int": "a number", "float": "a number"}
    return names.get(kind, kind if kind == "empty" else f"a {kind}")


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The prefix of ``loc`` that exists in ``data`` (drops pydantic's union tags)."""
    path: list[Any] = []
    node = data
    for part in loc:
        if part in RANGE_TAGS and isinstance(node, dict) and part not in node:
            continue  # the form of an uncertainty range (a union tag)
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        else:
            return (*path, part) if not path or _is_key_position(node, part) else tuple(path)
        path.append(part)
    return tuple(path)


def _is_key_position(node: Any, part: Any) -> bool:
    return (
        isinstance(node, dict)
        and isinstance(part, str)
        and not part.startswith(
            (
                "function-",
                "literal[",
                "float",
                "int",
                "str",
                "bool",
                "list[",
                "dict[",
                "constrained",
                "[key]",
            )
        )
    )


_LITERAL_OPTIONS = re.compile(r"'([^']*)'")
#: The numbers of a choice such as "15, 30 or 60" (text choices are quoted: not these).
_NUMBER_CHOICES = re.compile(r"(?<!['\w.])[0-9]+(?:\.[0-9]+)?(?![\w'.])")
#: Where a list may be left out, leaving it out has a meaning; an empty one has none.
EMPTY_LIST_HINT = "list at least one value, or leave the key out"
EMPTY_VALUE_HINT = "give it a value"


#: Errors of a value that should be a map (pydantic names a model's class in its words).
_MAP_TYPES = ("model_type", "dict_type")
#: Errors of a value that should be text (a name, or a list of names).
_TEXT_TYPES = ("string_type", "list_type")
#: YAML 1.1 reads these words, unquoted, as booleans: a channel or intent named `no`.
_YAML_BOOLEAN_HINT = {
    True: "YAML reads yes, on and true unquoted as a yes/no value: quote a name such as 'on'",
    False: "YAML reads no, off and false unquoted as a yes/no value: quote a name such as 'no'",
}


#: The values the hint reads as a percentage (40 is 40 %): a share of 1.5 or 250 is
#: more likely a slip than a percentage, and "1.5 % is 0.015" would mislead.
_PERCENTS = (2, 100)


def _fraction_hint(item: dict[str, Any]) -> str | None:
    """For a value above a bound of 1 or less (a share such as `to: {web: 40}`, the
    chance `hold`), that it is written as a fraction: 40 % is 0.4."""
    if item["type"] not in ("less_than", "less_than_equal"):
        return None
    ctx = item.get("ctx", {})
    bound = ctx.get("le", ctx.get("lt"))
    value = item.get("input")
    if not isinstance(bound, int | float) or bound > 1:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 1:
        return None
    hint = "shares and probabilities are fractions from 0 to 1"
    if _PERCENTS[0] <= value <= _PERCENTS[1]:
        hint += f": {value:g} % is {value / 100:g}"
    return hint


def _quoted_number_hint(item: dict[str, Any]) -> str | None:
    """For one of a choice of numbers written in quotes (`interval: "30"`), that it is
    text."""
    value = item.get("input")
    if not isinstance(value, str) or not is_number_text(value):
        return None
    choices = _NUMBER_CHOICES.findall(str(item.get("ctx", {}).get("expected", "")))
    if float(value) not in (float(choice) for choice in choices):
        return None
    return f"{value!r} is text in quotes: write {value.strip()} without quotes"


def _finding_for(
    path: tuple[Any, ...], items: list[dict[str, Any]], located: Located, model: type[BaseModel]
) -> Finding:
    position = located.position(path)
    first = items[0]
    where = dotted_path(path)
    if first["type"] == "extra_forbidden":
        allowed = fields_at(model, path[:-1])
        if position.by_set and len(path) == 1:
            allowed = [key for key in allowed if key not in FILE_KEYS]
        hint = did_you_mean(path[-1], allowed) or (
            "allowed keys: " + ", ".join(allowed) if allowed else None
        )
        return position.finding(f"unknown key '{path[-1]}'", where, hint)
    if first["type"] == "missing":
        if path in located.positions:  # `name:` with nothing after it, over a base's name
            return position.finding("is empty", where, EMPTY_VALUE_HINT)
        return position.finding("required key is missing", where)
    if all(item.get("input") is None for item in items) or any(
        item["type"] == "string_too_short" and item.get("input") == "" for item in items
    ):
        return position.finding("is empty", where, EMPTY_VALUE_HINT)
    if any(item["type"] == "too_short" and item.get("input") == [] for item in items):
        return position.finding("is an empty list", where, EMPTY_LIST_HINT)
    if all(item["type"] in _MAP_TYPES for item in items):
        keys = fields_at(model, path)
        hint = f"the keys it takes: {', '.join(keys)}" if keys else None
        return position.finding(
            f"input should be a map of keys and values{_got(first)}", where, hint
        )
    name = first.get("input")
    pattern = str(first.get("ctx", {}).get("pattern", ""))
    if first["type"] == "string_pattern_mismatch" and pattern == CHANNEL_NAME_PATTERN:
        hint = CHANNEL_NAME_RULE
        suggestion = channel_name_like(name)
        if suggestion and suggestion != name:
            hint += f", e.g. '{suggestion}'"
        return position.finding(f"'{name}' is not a valid channel name", where, hint)
    messages: list[str] = []
    hint = None
    for item in items:
        message = item["msg"]
        if item["type"] == "literal_error":
            options = _LITERAL_OPTIONS.findall(str(item.get("ctx", {}).get("expected", "")))
            hint = hint or did_you_mean(item.get("input"), options)
            hint = hint or _quoted_number_hint(item)
        hint = hint or item.get("ctx", {}).get("hint")  # a model's own error may carry one
        hint = hint or _fraction_hint(item)
        if message not in messages:
            messages.append(message)
    shown = first.get("input")
    if isinstance(shown, bool) and first["type"] in _TEXT_TYPES:
        hint = hint or _YAML_BOOLEAN_HINT[shown]
    message = "; or ".join(m[0].lower() + m[1:] for m in messages) + _got(first)
    return position.finding(message, where, hint)


def _got(item: dict[str, Any]) -> str:
    """`` (got 30)``: the value a finding is about, where it is a single value."""
    shown = item.get("input")
    return f" (got {shown!r})" if isinstance(shown, str | int | float | bool) else ""
