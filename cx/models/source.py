"""Where a value of a strategy or mapping file is written: file, line and column.

The loader records the position of every key path it reads; a loaded
:class:`~cx.models.strategy.Strategy` keeps them, so an error found later (by the
engine, by ``cx check``) points at the line that set the value without reading
the file again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cx.errors import Finding

#: A key path: map keys and list indices, e.g. ``("shifts", 0, "to", "web")``.
PathKey = tuple[str | int, ...]


def dotted_path(path: Iterable[str | int]) -> str:
    """``("shifts", 0, "to")`` → ``shifts.0.to``: a key path as messages and ``--set`` write it."""
    return ".".join(str(part) for part in path)


def key_path(key: str) -> PathKey:
    """``shifts.0.to.app`` → ``("shifts", 0, "to", "app")``: a dotted key as ``--set``
    writes it, its ASCII digits list indices."""
    return tuple(int(p) if p.isascii() and p.isdigit() else p for p in key.split("."))


def same_key(key: str) -> str:
    """``shifts.00.to.app`` → ``shifts.0.to.app``: the one spelling of a dotted key whose
    list indices can be written with leading zeros, to tell when two keys are one."""
    return dotted_path(key_path(key))


#: A dotted path into a strategy: ``shifts.0.to.web``.
DOTTED_KEY = re.compile(r"[A-Za-z_$][\w$\-]*(?:\.[\w$\-]+)*")

#: What the position of a value given with ``--set KEY=VALUE`` starts with: that option
#: stands where a file's name would, with no line.
SET_OPTION = "--set "
#: The key of a strategy file's format version: a number no --set or range changes.
FORMAT_VERSION = "version"
#: The top-level keys that say what a strategy file is (its format version, the file it
#: extends) rather than what the strategy does: no hint offers them to ``--set``.
FILE_KEYS = (FORMAT_VERSION, "extends")


@dataclass(frozen=True)
class Position:
    file: str | None
    line: int | None = None
    column: int | None = None

    @property
    def by_set(self) -> bool:
        """The value was given with ``--set`` rather than written in a file."""
        return self.line is None and (self.file or "").startswith(SET_OPTION)

    def finding(self, message: str, path: str | None = None, hint: str | None = None) -> Finding:
        """A finding at this position (``path`` is the dotted key path it concerns)."""
        return Finding(
            message,
            file=self.file,
            line=self.line,
            column=self.column,
            path=path or None,
            hint=hint,
        )

    def location(self) -> dict[str, Any]:
        """``file``, ``line`` and ``column`` as keyword arguments of a CxError."""
        return {"file": self.file, "line": self.line, "column": self.column}


def nearest(positions: Mapping[PathKey, Position], path: Iterable[str | int]) -> Position | None:
    """The position of ``path``, else of its nearest ancestor below the root."""
    probe = tuple(path)
    while probe:
        found = positions.get(probe)
        if found is not None:
            return found
        probe = probe[:-1]
    return None


def set_at_or_below(positions: Mapping[PathKey, Position], path: str) -> list[str]:
    """The ``--set KEY=VALUE`` options that gave the value at ``path`` (dotted, as a
    finding names it; ``""``: the whole strategy) or one inside it, in the order given."""
    return [
        position.file
        for key, position in positions.items()
        if position.by_set
        and position.file
        and (not path or f"{dotted_path(key)}.".startswith(f"{path}."))
    ]


def naming_set_values(message: str, labels: Iterable[str]) -> str:
    """``message`` of an error that the ``--set`` options ``labels`` cause, naming them."""
    named = ", ".join(labels)
    return f"{message}, with {named}" if named else message


def written_at(
    positions: Mapping[PathKey, Position], path: Iterable[str | int], file: str | None
) -> Position:
    """Where the value at ``path`` is written, for an error about it: the line in the
    file that set it (through ``extends``, a base file), or just ``file`` when no file
    line states it (a value given with ``--set`` or in a dict)."""
    found = nearest(positions, path)
    return found if found is not None and found.line is not None else Position(file)
