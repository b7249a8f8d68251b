"""``--set KEY=VALUE``: one value of a strategy changed before it is validated.

The key is a dotted path (``shifts.0.to.web``), the value is read as YAML. The
overridden value's position is the ``--set`` itself, so a finding about it names
the option rather than a line of a file.
"""

from __future__ import annotations

import re
from typing import Any

from cx.errors import InputError, did_you_mean
from cx.loader.fields import holds_list, settable_map
from cx.loader.located import Located, Position, drop_below
from cx.loader.yamlsafe import parse_yaml
from cx.models.source import DOTTED_KEY, FILE_KEYS, SET_OPTION, dotted_path, key_path
from cx.models.strategy import Strategy
from cx.models.uncertainty import RANGE_FIELDS, keys_there

# Blanks around the key are allowed (`--set "shifts.0.to.web = 0.4"`): a key has none.
_SET = re.compile(rf"^\s*(?P<key>{DOTTED_KEY.pattern})\s*=(?P<value>.*)$", re.DOTALL)


def apply_override(located: Located, assignment: str) -> None:
    """Apply one ``KEY=VALUE`` (dotted path, YAML value) to ``located`` in place."""
    match = _SET.match(assignment)
    if match is None:
        raise InputError(
            f"cannot read --set '{assignment}'",
            hint="write KEY=VALUE with a dotted path, e.g. shifts.0.to.web=0.4",
        )
    label = f"{SET_OPTION}{match['key']}={match['value'].lstrip()}"
    parts = list(key_path(match["key"]))
    if parts[0] == "extends":
        # The files a strategy extends are merged when it is read, before any --set.
        raise InputError(
            "--set cannot change extends",
            file=label,
            hint="write `extends:` in the strategy file, or run cx on the other strategy file",
        )
    parts = _uncertainty_key(parts)
    value = parse_yaml(match["value"], label).data if match["value"].strip() else None
    node: Any = located.data
    for depth, part in enumerate(parts[:-1]):
        node = _step(node, part, parts[:depth], label)
    last = parts[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or last >= len(node):
            raise _no_item(parts[:-1], last, node, label)
        node[last] = value
    elif isinstance(node, dict):
        if value is None:
            # `KEY: null` removes the key, as it does in a file that extends another;
            # the --set keeps the key's position, for a finding that it is now missing.
            node.pop(str(last), None)
        else:
            node[str(last)] = value
    else:  # each step returns a mapping or list (the strategy itself is a mapping)
        raise AssertionError(f"--set reached {node!r} at {dotted_path(parts[:-1])}")
    drop_below(located.positions, tuple(parts))
    located.positions[tuple(parts)] = Position(label)


def _uncertainty_key(parts: list[str | int]) -> list[str | int]:
    """``uncertainty.shifts.0.containment.low``: the key of an `uncertainty:` entry is a
    dotted path itself, so everything between `uncertainty` and a range field is one key."""
    if len(parts) < 2 or parts[0] != "uncertainty":
        return parts
    if len(parts) > 2 and parts[-1] in RANGE_FIELDS:
        return ["uncertainty", ".".join(map(str, parts[1:-1])), parts[-1]]
    return ["uncertainty", ".".join(map(str, parts[1:]))]


def _no_item(prefix: list[str | int], part: str | int, node: list[Any], label: str) -> InputError:
    where = dotted_path(prefix) or "the strategy"
    return InputError(
        f"{where} has no item {part}",
        file=label,
        hint=f"{where} has items 0 to {len(node) - 1}" if node else f"{where} is empty",
    )


def _single_value(parent: Any, prefix: list[str | int], value: Any, label: str) -> InputError:
    """A key that goes on past ``value``, a single value at ``prefix`` inside ``parent``:
    the hint says which keys there take a number, as ``uncertainty:`` says it."""
    where = dotted_path(prefix)
    return InputError(
        f"{where} is a single value, not a mapping or list",
        file=label,
        hint=keys_there(parent, prefix[:-1], value, where, taker="--set", otherwise=""),
    )


def _step(node: Any, part: str | int, prefix: list[str | int], label: str) -> Any:
    if isinstance(node, list):
        if not isinstance(part, int) or part >= len(node):
            raise _no_item(prefix, part, node, label)
        if isinstance(node[part], dict | list):
            return node[part]
        raise _single_value(node, [*prefix, part], node[part], label)
    key = str(part)
    if key in node and isinstance(node[key], dict | list):
        return node[key]
    if key in node and node[key] is not None:
        raise _single_value(node, [*prefix, part], node[key], label)
    creatable, allowed = settable_map(Strategy, prefix, key)
    if creatable:
        # A map the schema allows but the file leaves out (e.g. `dilution`,
        # `staffing`, `shifts.0.ramp`): --set creates it, as editing the file would.
        node[key] = {}
        return node[key]
    if key in allowed and holds_list(Strategy, (*prefix, key)):
        raise InputError(
            f"{dotted_path([*prefix, part])} is not in the file",
            file=label,
            hint="add it to the strategy file first; --set changes values, it cannot "
            "add list items",
        )
    if key in allowed:  # a single value the file leaves out (staffing.interval.x)
        where = dotted_path([*prefix, part])
        raise InputError(
            f"{where} is a single value, not a mapping or list",
            file=label,
            hint=f"set it whole: --set {where}=VALUE",
        )
    known = [*dict.fromkeys([*map(str, node), *allowed])]
    if not prefix:
        known = [name for name in known if name not in FILE_KEYS]
    where = dotted_path(prefix) or "the strategy"
    raise InputError(
        f"{where} has no key '{key}'",
        file=label,
        hint=did_you_mean(key, known)
        or ("keys: " + ", ".join(known) if known else f"{where} has no keys here to change"),
    )
