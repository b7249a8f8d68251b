"""Cross-field checks on the valid rest of a strategy whose schema check failed.

``cx validate`` should show every problem of a file in one run. Pydantic reports
every schema problem at once, but the cross-field rules (§4: a follow strategy with
shift rules, shares summing above 1, targets not offered...) need a valid
:class:`Strategy`. So we repair a copy of the data: unknown keys are dropped,
invalid values are dropped (their defaults apply), and a required value that is
missing or invalid gets a stand-in. Every dropped or stood-in place is *tainted*;
findings of the cross-field rules that touch a tainted place are discarded, so the
repair never invents a problem. When the data cannot be repaired (no channel
catalog, say), only the schema findings are reported.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from cx.errors import Finding
from cx.guards import metric_of
from cx.loader.cross_field import cross_field_findings
from cx.loader.located import Located, PathKey
from cx.models.source import dotted_path
from cx.models.strategy import Strategy

MAX_ROUNDS = 8
STAND_IN_CHANNEL = "cx-stand-in"

# Values for required keys, by the shape of the map that lacks them ("*" is any
# channel name or list index). A missing key without a stand-in ends the repair.
_STAND_INS: dict[PathKey, dict[str, Any]] = {
    (): {"name": "?", "kind": "follow"},
    ("channels", "*"): {"mode": "self_service"},
    ("shifts", "*"): {"from": STAND_IN_CHANNEL, "to": {}},
    ("shifts", "*", "ramp"): {"periods": 1},
    ("fallback", "*"): {"to": STAND_IN_CHANNEL, "accept": 0.0},
}
# Stand-ins that other rules of the same map read (a rule's escalation depends on
# its `from`; whether a fallback needs `accept` depends on its `to`): the whole map is
# tainted, not just the key.
_TAINT_CONTAINER = {(("shifts", "*"), "from"), (("fallback", "*"), "to")}
# An entry of a map or list that is invalid as a whole is replaced by a stand-in,
# so that a channel stays in the catalog and list items keep their numbers.
_ITEM_STAND_INS: dict[PathKey, Any] = {
    ("channels",): {"mode": "self_service"},
    ("fallback",): {"to": STAND_IN_CHANNEL, "accept": 0.0},
    ("shifts",): {"from": STAND_IN_CHANNEL, "to": {}},
    ("guards",): "coverage >= 0",
}
# Findings about a whole map (shares adding up) are discarded when any of its
# entries is tainted; findings elsewhere only when their own place is.
_AGGREGATES: tuple[PathKey, ...] = (("shifts", "*", "to"),)
# Findings at these exact paths depend on a whole top-level value (kind, offer,
# shifts): when that value is tainted they are discarded too.
_DEPENDENT: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "shifts"),
    "offer": ("kind", "shifts"),
    "shifts": ("kind", "shifts"),
}
# ... and findings under these prefixes.
_DEPENDENT_PREFIXES: dict[str, tuple[str, ...]] = {"offer": ("fallback",)}


class _CannotRepair(Exception):
    pass


def salvage_findings(error: ValidationError, located: Located) -> list[Finding]:
    """Cross-field findings on the repaired data; [] when it cannot be repaired."""
    data = copy.deepcopy(located.data)
    tainted: set[PathKey] = set()
    try:
        for _ in range(MAX_ROUNDS):
            repaired: set[PathKey] = set()
            for item in error.errors():
                _repair(data, item, tainted, repaired)
            try:
                strategy = Strategy.model_validate(data)
            except ValidationError as again:
                error = again
                continue
            break
        else:
            return []
    except _CannotRepair:
        return []
    findings = cross_field_findings(strategy, located)
    return [
        finding
        for finding in findings
        if not _touches(finding.path, tainted) and not _guards_tainted(finding.path, data, tainted)
    ]


def _repair(data: Any, item: Any, tainted: set[PathKey], repaired: set[PathKey]) -> None:
    """Repair the place of one error; ``repaired`` holds the places repaired this round.

    A value that fails every branch of a union (``handle_time: 0``, neither a number of
    seconds nor ``by_hour``) has one error per branch: the first drops it, and the
    others must not then drop what holds it (the whole channel, replaced by a
    self-service stand-in that a guard on its occupancy would be a finding about)."""
    path = _existing(data, tuple(item["loc"]))
    if item["type"] == "missing":
        if not item["loc"] or path != tuple(item["loc"][:-1]):
            raise _CannotRepair
        _stand_in(data, path, item["loc"][-1], tainted)
        return
    if not path:
        raise _CannotRepair
    if any(len(place) > len(path) and place[: len(path)] == path for place in repaired):
        return
    repaired.add(path)
    if item["type"] == "extra_forbidden":
        _node(data, path[:-1]).pop(path[-1], None)
        return
    # An invalid map key (a channel name) goes with its entry: no stand-in can fix it.
    _drop(data, path, tainted, stand_in=item["loc"][-1] != "[key]")


def _existing(data: Any, loc: tuple[Any, ...]) -> PathKey:
    """The longest prefix of ``loc`` present in ``data`` (drops pydantic's union tags)."""
    path: list[Any] = []
    node = data
    for part in loc:
        inside = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if inside:
            node = node[part]
        elif isinstance(node, dict | list):
            break
        else:
            continue  # a tag such as 'function-after[...]' below a scalar
        path.append(part)
    return tuple(path)


def _node(data: Any, path: PathKey) -> Any:
    node = data
    for part in path:
        node = node[part]
    return node


def _shape(path: PathKey) -> PathKey:
    return tuple("*" if index == 1 else part for index, part in enumerate(path))


def _stand_in(data: Any, container: PathKey, key: Any, tainted: set[PathKey]) -> None:
    values = _STAND_INS.get(_shape(container))
    node = _node(data, container)
    if values is None or key not in values or not isinstance(node, dict):
        raise _CannotRepair
    node[key] = copy.deepcopy(values[key])
    whole = (_shape(container), key) in _TAINT_CONTAINER
    tainted.add(container if whole else (*container, key))


def _drop(data: Any, path: PathKey, tainted: set[PathKey], stand_in: bool = True) -> None:
    parent = _node(data, path[:-1])
    replacement = _ITEM_STAND_INS.get(_shape(path[:-1])) if stand_in else None
    tainted.add(path)
    if replacement is not None:
        parent[path[-1]] = copy.deepcopy(replacement)
        return
    if isinstance(parent, dict):
        parent.pop(path[-1], None)
        return
    # A list item: removing it would renumber the others, so the list goes.
    grandparent = _node(data, path[:-2]) if len(path) >= 2 else None
    if not isinstance(grandparent, dict):
        raise _CannotRepair
    grandparent.pop(path[-2], None)
    tainted.add(path[:-1])


def _touches(dotted: str | None, tainted: set[PathKey]) -> bool:
    if not dotted:
        return False
    for path in tainted:
        place = dotted_path(path)
        if dotted == place or dotted.startswith(place + "."):
            return True
        if place.startswith(dotted + ".") and _is_aggregate(dotted):
            return True
        if len(path) == 1 and dotted in _DEPENDENT.get(str(path[0]), ()):
            return True
        if len(path) == 2 and path[0] == "channels" and dotted == "kind":
            return True  # a catalog entry dropped for its name changes what is retired
        prefixes = _DEPENDENT_PREFIXES.get(str(path[0]), ()) if len(path) == 1 else ()
        if any(dotted == p or dotted.startswith(p + ".") for p in prefixes):
            return True
    return False


def _guards_tainted(dotted: str | None, data: Any, tainted: set[PathKey]) -> bool:
    """Whether a finding about a guard is about a channel whose entry was repaired: a
    guard on the occupancy of ``phone: 1`` (an invalid entry, stood in for by a
    self-service channel) is no finding of its own."""
    parts = (dotted or "").split(".")
    guards = data.get("guards") if isinstance(data, dict) else None
    if len(parts) != 2 or parts[0] != "guards" or not isinstance(guards, list):
        return False
    index = int(parts[1]) if parts[1].isdigit() else len(guards)
    if index >= len(guards) or not isinstance(guards[index], str):
        return False
    named = metric_of(guards[index]).split(".")
    return named[0] == "channels" and len(named) > 1 and ("channels", named[1]) in tainted


def _is_aggregate(dotted: str) -> bool:
    parts = tuple(dotted.split("."))
    return any(
        len(parts) == len(shape) and all(s in ("*", p) for s, p in zip(shape, parts, strict=True))
        for shape in _AGGREGATES
    )
