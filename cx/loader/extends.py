"""``extends``: a strategy file merged over the chain of files it extends.

Maps merge deeply; anything else in the extending file replaces the inherited
value, and ``key: null`` removes it. Every value keeps the position of the file
that set it, so findings and later errors point at the right file and line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cx.errors import StrategyError, special_kind
from cx.loader.findings import article
from cx.loader.located import Located, PathKey, Position, drop_below
from cx.loader.yamlsafe import load_yaml_file

MAX_EXTENDS_DEPTH = 16


def load_located(path: str | Path) -> Located:
    """Read a strategy file with its extends chain merged, without validating it."""
    return _load_with_extends(Path(path), ())


def deep_merge(base: Located, child: Located) -> Located:
    """Maps merge deeply, anything else in ``child`` replaces ``base``; so does a
    channel's `hours` (a week is given whole, not merged day by day)."""
    positions = dict(base.positions)

    def merge(left: Any, right: Any, path: PathKey) -> Any:
        whole_week = len(path) == 3 and path[0] == "channels" and path[2] == "hours"
        if isinstance(left, dict) and isinstance(right, dict) and not whole_week:
            merged = dict(left)
            for key, value in right.items():
                if value is None:
                    # `key: null` in an extending file removes the inherited key
                    # (top-level keys too: `guards: null` drops the inherited guards).
                    merged.pop(key, None)
                    drop_below(positions, (*path, key))
                    continue
                merged[key] = merge(left.get(key), value, (*path, key)) if key in left else value
                if key not in left:
                    drop_below(positions, (*path, key))
            return merged
        drop_below(positions, path)
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
                Position(str(path), 1, 1).finding(
                    f"a strategy file must be a mapping of keys, not {article(kind)}",
                    hint="start with `version: 1`, `name: ...`, `kind: follow|push`",
                )
            ]
        )
    parent = located.data.get("extends")
    if parent is None:
        return located
    position = located.position(("extends",))

    def fail(message: str, hint: str | None = None, at: Position = position) -> StrategyError:
        return StrategyError([*located.findings, at.finding(message, "extends", hint)])

    if not isinstance(parent, str):
        raise fail("extends must be a file path")
    if not parent.strip():  # it would name the directory of this file
        raise fail("extends is an empty path", "name the file this one extends, relative to it")
    if "\0" in parent:  # no file name holds one: the OS refuses the path outright
        raise fail("extends path contains a NUL character", "write the file name without it")
    parent_path = Path(os.path.normpath(path.parent / parent))
    try:
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
        found = parent_path.is_file()
    except OSError as error:  # a name too long, a symlink loop, no permission...
        reason = error.strerror or os.strerror(error.errno or 0)
        raise fail(f"extends file '{parent}' cannot be used: {reason}") from None
    if not found:
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
