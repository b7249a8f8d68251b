"""Strategy files: YAML → merged (extends) → overridden (--set) → validated Strategy.

Every problem becomes a :class:`~cx.errors.Finding` with file, line, column, the
field path and a hint; all findings of a file are collected before raising, so
``cx validate`` reports them in one run.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from cx.errors import Finding, InputError, StrategyError, special_kind
from cx.guards import GuardSyntaxError, parse_guard
from cx.loader.yamlsafe import Located, PathKey, Position, load_yaml_file, parse_yaml
from cx.models.strategy import Fallback, Strategy

MAX_EXTENDS_DEPTH = 16


def did_you_mean(word: object, choices: Iterable[str]) -> str | None:
    if not isinstance(word, str):
        return None
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def format_path(path: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in path)


# --------------------------------------------------------------------------- merging


def deep_merge(base: Located, child: Located) -> Located:
    """Maps merge deeply, anything else in ``child`` replaces ``base``."""
    positions = dict(base.positions)

    def merge(left: Any, right: Any, path: PathKey) -> Any:
        if isinstance(left, dict) and isinstance(right, dict):
            merged = dict(left)
            for key, value in right.items():
                if value is None:
                    # `key: null` in an extending file removes the inherited key
                    # (top-level keys too: `guards: null` drops the inherited guards).
                    merged.pop(key, None)
                    _drop_below(positions, (*path, key))
                    continue
                merged[key] = merge(left.get(key), value, (*path, key)) if key in left else value
                if key not in left:
                    _drop_below(positions, (*path, key))
            return merged
        _drop_below(positions, path)
        return right

    data = merge(base.data, child.data, ())
    positions.update(child.positions)
    findings = [*base.findings, *child.findings]
    return Located(
        data=data,
        positions=positions,
        file=child.file,
        findings=findings,
        extended=(base.file, *base.extended),
    )


def _drop_below(positions: dict[PathKey, Position], path: PathKey) -> None:
    for key in [key for key in positions if key[: len(path)] == path and len(key) > len(path)]:
        del positions[key]


def _load_with_extends(
    path: Path, chain: tuple[Path, ...], root: Position | None = None
) -> Located:
    """``path`` merged over its extends chain; ``root`` is where the first file extends.

    Duplicate keys are collected in ``Located.findings``; anything that stops the
    chain from being read raises, with the duplicate keys found so far.
    """
    located = load_yaml_file(path, "strategy file", collect=True)
    if not isinstance(located.data, dict):
        kind = "empty" if located.data is None else type(located.data).__name__
        raise StrategyError(
            [
                Finding(
                    f"a strategy file must be a mapping of keys, not {_article(kind)}",
                    file=str(path),
                    line=1,
                    column=1,
                    hint="start with `version: 1`, `name: ...`, `kind: follow|push`",
                )
            ]
        )
    parent = located.data.get("extends")
    if parent is None:
        return located
    position = located.position(("extends",))

    def fail(message: str, hint: str | None = None, at: Position = position) -> StrategyError:
        return StrategyError([*located.findings, _finding(message, at, "extends", hint)])

    if not isinstance(parent, str):
        raise fail("extends must be a file path")
    parent_path = Path(os.path.normpath(path.parent / parent))
    resolved = parent_path.resolve()
    if resolved in chain or resolved == path.resolve():
        # Reported where the file being loaded extends, so each file of a cycle
        # gets its own finding on its own line.
        cycle = " -> ".join(p.name for p in (*chain, path.resolve(), resolved))
        raise fail(f"extends cycle: {cycle}", "remove one of the links", root or position)
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise fail("extends chain is too long")
    kind = special_kind(parent_path)
    if kind is not None:
        raise fail(f"extends file '{parent}' is not a regular file ({kind})")
    if not parent_path.is_file():
        raise fail(
            f"extends file '{parent}' not found", "paths are relative to the file that extends"
        )
    try:
        base = _load_with_extends(parent_path, (*chain, path.resolve()), root or position)
    except StrategyError as error:
        if not located.findings:
            raise
        raise StrategyError([*located.findings, *error.findings]) from None
    merged = deep_merge(base, located)
    merged.data.pop("extends", None)
    return merged


def _article(kind: str) -> str:
    names = {"list": "a list", "str": "a string", "int": "a number", "float": "a number"}
    return names.get(kind, kind if kind == "empty" else f"a {kind}")


def _finding(message: str, position: Position, path: str, hint: str | None = None) -> Finding:
    return Finding(
        message,
        file=position.file,
        line=position.line,
        column=position.column,
        path=path or None,
        hint=hint,
    )


# --------------------------------------------------------------------------- overrides


_SET = re.compile(r"^(?P<key>[A-Za-z_$][\w$\-]*(?:\.[\w$\-]+)*)=(?P<value>.*)$", re.DOTALL)


def apply_override(located: Located, assignment: str) -> None:
    """Apply one ``KEY=VALUE`` (dotted path, YAML value) to ``located`` in place."""
    label = f"--set {assignment}"
    match = _SET.match(assignment)
    if match is None:
        raise InputError(
            f"cannot read --set '{assignment}'",
            hint="write KEY=VALUE with a dotted path, e.g. shifts.0.to.web=0.4",
        )
    parts: list[str | int] = [
        int(p) if p.isascii() and p.isdigit() else p for p in match["key"].split(".")
    ]
    value = parse_yaml(match["value"], label).data if match["value"].strip() else None
    node: Any = located.data
    for depth, part in enumerate(parts[:-1]):
        node = _step(node, part, parts[:depth], label)
    last = parts[-1]
    where = format_path(parts[:-1]) or "the strategy"
    if isinstance(node, list):
        if not isinstance(last, int) or last >= len(node):
            raise InputError(
                f"{where} has no item {last}",
                file=label,
                hint=f"{where} has items 0 to {len(node) - 1}" if node else f"{where} is empty",
            )
        node[last] = value
    elif isinstance(node, dict):
        node[str(last)] = value
    else:
        raise InputError(f"{where} is a single value, not a mapping or list", file=label)
    _drop_below(located.positions, tuple(parts))
    located.positions[tuple(str(p) if not isinstance(p, int) else p for p in parts)] = Position(
        label
    )


def _step(node: Any, part: str | int, prefix: list[str | int], label: str) -> Any:
    where = format_path(prefix) or "the strategy"
    if isinstance(node, list):
        if isinstance(part, int) and part < len(node):
            return node[part]
        raise InputError(
            f"{where} has no item {part}",
            file=label,
            hint=f"{where} has items 0 to {len(node) - 1}" if node else f"{where} is empty",
        )
    if isinstance(node, dict):
        key = str(part)
        if key in node and isinstance(node[key], dict | list):
            return node[key]
        if key in node and node[key] is not None:
            raise InputError(f"{format_path([*prefix, part])} is a single value", file=label)
        creatable, allowed = _settable_map(prefix, key)
        if creatable:
            # A map the schema allows but the file leaves out (e.g. `dilution`,
            # `staffing`, `shifts.0.ramp`): --set creates it, as editing the file would.
            node[key] = {}
            return node[key]
        if key in allowed:
            raise InputError(
                f"{format_path([*prefix, part])} is not in the file",
                file=label,
                hint="add it to the strategy file first; --set changes values, it cannot "
                "add list items",
            )
        known = [*dict.fromkeys([*map(str, node), *allowed])]
        raise InputError(
            f"{where} has no key '{key}'",
            file=label,
            hint=did_you_mean(key, known) or "keys: " + ", ".join(known),
        )
    raise InputError(f"{where} is a single value, not a mapping or list", file=label)


def _settable_map(prefix: list[str | int], key: str) -> tuple[bool, list[str]]:
    """Whether ``prefix.key`` is a schema field holding a map (a model or a dict) that
    --set may create, and the field names the schema allows at ``prefix``.

    Only named schema fields are created: a new entry of a name → value map
    (``channels.fone``) is more likely a typo, so it stays an error with did-you-mean."""
    annotation: Any = Strategy
    for part in prefix:
        annotation = _descend(annotation, part)
        if annotation is None:
            return False, []
    container = _unwrap(annotation)
    if not (isinstance(container, type) and issubclass(container, BaseModel)):
        return False, []
    allowed = [field.alias or name for name, field in container.model_fields.items()]
    if key not in allowed:
        return False, allowed
    child = _unwrap(_descend(container, key))
    is_model = isinstance(child, type) and issubclass(child, BaseModel)
    return is_model or typing.get_origin(child) is dict, allowed


# --------------------------------------------------------------------------- validation


def _model_fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Names allowed at ``loc`` (for did-you-mean on unknown keys)."""
    current: Any = model
    for part in loc:
        current = _descend(current, part)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = _unwrap(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
            if typing.get_origin(inner) in (dict, list):
                return inner
    return annotation


def _descend(annotation: Any, part: Any) -> Any:
    current = _unwrap(annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        for name, field in current.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    origin = typing.get_origin(current)
    if origin is dict:
        return typing.get_args(current)[1]
    if origin is list:
        return typing.get_args(current)[0]
    return None


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The prefix of ``loc`` that exists in ``data`` (drops pydantic's union tags)."""
    path: list[Any] = []
    node = data
    for part in loc:
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


def pydantic_findings(
    error: ValidationError, located: Located, model: type[BaseModel]
) -> list[Finding]:
    """One finding per offending path of a pydantic error, located in the YAML."""
    grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for item in error.errors():
        path = _data_path(located.data, tuple(item["loc"]))
        grouped.setdefault(path, []).append(item)
    findings = []
    for path, items in grouped.items():
        findings.append(_finding_for(path, items, located, model))
    return findings


_LITERAL_OPTIONS = re.compile(r"'([^']*)'")


def _finding_for(
    path: tuple[Any, ...], items: list[dict[str, Any]], located: Located, model: type[BaseModel]
) -> Finding:
    position = located.position(path)
    first = items[0]
    dotted = format_path(path)
    if first["type"] == "extra_forbidden":
        allowed = _model_fields_at(model, path[:-1])
        hint = did_you_mean(path[-1], allowed) or (
            "allowed keys: " + ", ".join(allowed) if allowed else None
        )
        return _finding(f"unknown key '{path[-1]}'", position, dotted, hint)
    if first["type"] == "missing":
        return _finding("required key is missing", position, dotted, None)
    name = first.get("input")
    pattern = str(first.get("ctx", {}).get("pattern", ""))
    if first["type"] == "string_pattern_mismatch" and pattern.startswith("^[a-z0-9]"):
        hint = "channel names are lower-case letters, digits, '_' and '-'"
        suggestion = re.sub(r"[^a-z0-9_\-]+", "_", name.strip().lower()).strip("_")
        if suggestion and suggestion != name:
            hint += f", e.g. '{suggestion}'"
        return _finding(f"'{name}' is not a valid channel name", position, dotted, hint)
    messages: list[str] = []
    hint = None
    for item in items:
        message = item["msg"]
        if item["type"] == "literal_error":
            options = _LITERAL_OPTIONS.findall(str(item.get("ctx", {}).get("expected", "")))
            hint = hint or did_you_mean(item.get("input"), options)
        if message not in messages:
            messages.append(message)
    shown = first.get("input")
    got = f" (got {shown!r})" if isinstance(shown, str | int | float | bool) else ""
    message = "; or ".join(m[0].lower() + m[1:] for m in messages) + got
    return _finding(message, position, dotted, hint)


def validate_data(located: Located) -> Strategy:
    """Validate merged strategy data; raises StrategyError with every finding.

    When the schema check fails, the cross-field rules still run on the valid rest
    of the data (:mod:`cx.loader.salvage`), so one run reports every problem.
    """
    try:
        strategy = Strategy.model_validate(located.data)
    except ValidationError as error:
        from cx.loader.salvage import salvage_findings

        findings = [
            *located.findings,
            *pydantic_findings(error, located, Strategy),
            *salvage_findings(error, located),
        ]
        raise StrategyError(_in_file_order(findings, located.file)) from None
    findings = [*located.findings, *semantic_findings(strategy, located)]
    if findings:
        raise StrategyError(_in_file_order(findings, located.file))
    strategy._file = located.file
    strategy._files = (located.file, *located.extended)
    strategy._origins = {path: position.file for path, position in located.positions.items()}
    return strategy


def _in_file_order(findings: list[Finding], file: str) -> list[Finding]:
    """The file's own findings by line and column, then those of the files it extends."""
    return sorted(findings, key=lambda f: (f.file != file, f.line or 0, f.column or 0))


def semantic_findings(strategy: Strategy, located: Located) -> list[Finding]:
    """Cross-field rules a schema cannot express (§4)."""
    findings: list[Finding] = []
    catalog = list(strategy.channels)
    offered = strategy.offered

    def add(path: tuple[Any, ...], message: str, hint: str | None = None) -> None:
        findings.append(_finding(message, located.position(path), format_path(path), hint))

    def known(path: tuple[Any, ...], name: str, role: str) -> bool:
        if name in strategy.channels:
            return True
        add(path, f"{role} '{name}' is not in the channel catalog", did_you_mean(name, catalog))
        return False

    if strategy.offer is not None:
        for index, name in enumerate(strategy.offer):
            known(("offer", index), name, "offered channel")
        for name in {n for n in strategy.offer if strategy.offer.count(n) > 1}:
            add(("offer",), f"channel '{name}' is offered twice")

    retired = [name for name in catalog if name not in offered]
    if strategy.kind == "follow" and strategy.shifts:
        add(
            ("shifts",),
            "a follow strategy cannot have shift rules",
            "use kind: push to move contacts between channels",
        )
    if strategy.kind == "push" and not strategy.shifts and not retired:
        add(
            ("kind",),
            "a push strategy needs shift rules or a retired channel",
            "add `shifts:`, leave a channel out of `offer:`, or use kind: follow",
        )

    for index, rule in enumerate(strategy.shifts):
        base = ("shifts", index)
        known((*base, "from"), rule.from_, "shift source")
        total = sum(rule.to.values())
        if total > 1.0 + 1e-9:
            add((*base, "to"), f"shares add up to {total:g}, more than 1")
        if not rule.to:
            add((*base, "to"), "a shift rule needs at least one target channel")
        for target in rule.to:
            if known((*base, "to", target), target, "shift target") and target not in offered:
                add(
                    (*base, "to", target),
                    f"shift target '{target}' is not offered",
                    "add it to `offer:` or move contacts elsewhere",
                )
            if target == rule.from_:
                add((*base, "to", target), "a rule cannot move contacts to their own channel")
        escalation = rule.escalate_to
        if escalation is not None:
            if known((*base, "escalate_to"), escalation, "escalate_to") and (
                escalation not in offered
            ):
                add((*base, "escalate_to"), f"escalate_to '{escalation}' is not offered")
        elif rule.containment != 1.0 and rule.from_ not in offered:
            fallback = strategy.fallback.get(rule.from_)
            if fallback is None:
                add(
                    (*base, "escalate_to"),
                    f"unresolved contacts have nowhere to go: '{rule.from_}' is retired "
                    "and has no fallback",
                    "set escalate_to",
                )
            elif len(fallback.shares) > 1:
                add(
                    (*base, "escalate_to"),
                    f"unresolved contacts have no single channel to come back to: "
                    f"'{rule.from_}' falls back to {len(fallback.shares)} channels",
                    "set escalate_to",
                )

    for name, fallback in strategy.fallback.items():
        path = ("fallback", name)
        known(path, name, "fallback channel")
        if name in offered and name in strategy.channels:
            add(
                path,
                f"fallback for '{name}', which is offered",
                "fallback applies to retired channels; remove it (set it to null in a "
                "strategy that extends another)",
            )
        _check_fallback(name, fallback, strategy.offered, add, known)

    for index, expr in enumerate(strategy.guards):
        try:
            parse_guard(expr, catalog)
        except GuardSyntaxError as error:
            add(("guards", index), str(error), error.hint)
    return findings


def _check_fallback(
    name: str,
    fallback: Fallback,
    offered: list[str],
    add: Callable[..., None],
    known: Callable[[tuple[Any, ...], str, str], bool],
) -> None:
    """A fallback's own rules (§4): one target with ``accept``, or shares summing to at
    most 1; every target offered. Findings go to ``add``."""
    path = ("fallback", name)
    if isinstance(fallback.to, str):
        if fallback.accept is None:
            add(
                (*path, "accept"),
                f"fallback for '{name}' needs `accept`, the share of contacts that move",
                f"write `{{to: {fallback.to}, accept: 0.5}}`, or shares per channel "
                f"`{{to: {{{fallback.to}: 0.5}}}}`",
            )
        targets: list[tuple[tuple[Any, ...], str]] = [((*path, "to"), fallback.to)]
    else:
        if fallback.accept is not None:
            add(
                (*path, "accept"),
                "`accept` goes with a single `to` channel; with shares per channel each "
                "share says how many move",
                "remove `accept`",
            )
        if not fallback.to:
            add((*path, "to"), "a fallback needs at least one target channel")
        total = sum(fallback.to.values())
        if total > 1.0 + 1e-9:
            add((*path, "to"), f"shares add up to {total:g}, more than 1", "the rest are lost")
        targets = [((*path, "to", target), target) for target in fallback.to]
    for place, target in targets:
        if known(place, target, "fallback target") and target not in offered:
            add(place, f"fallback target '{target}' is not offered")


# --------------------------------------------------------------------------- entry points


def load_located(path: str | Path) -> Located:
    """Read a strategy file with its extends chain merged, without validating it."""
    return _load_with_extends(Path(path), ())


def load_strategy(path: str | Path, overrides: Iterable[str] = ()) -> Strategy:
    """Load, merge, override and validate a strategy file."""
    located = load_located(path)
    for assignment in overrides:
        apply_override(located, assignment)
    return validate_data(located)


def strategy_from_dict(
    data: Mapping[str, Any], overrides: Iterable[str] = (), name: str = "<dict>"
) -> Strategy:
    """Validate a strategy given as a Python mapping (the API's counterpart of a file)."""
    located = Located(data=copy.deepcopy(dict(data)), positions={(): Position(name)}, file=name)
    for assignment in overrides:
        apply_override(located, assignment)
    strategy = validate_data(located)
    strategy._file = None
    strategy._files = ()
    return strategy
