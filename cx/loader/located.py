"""A YAML document as plain data plus the position of every key path in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cx.errors import Finding
from cx.models.source import PathKey, Position, nearest

__all__ = ["Located", "PathKey", "Position", "drop_below"]


@dataclass
class Located:
    """A YAML document as plain data plus the position of every path in it."""

    data: Any
    positions: dict[PathKey, Position]
    file: str
    # Problems that did not stop reading (duplicate keys), when the caller collects them.
    findings: list[Finding] = field(default_factory=list)
    # The files merged under this one (`extends`), nearest first.
    extended: tuple[str, ...] = ()

    def position(self, path: PathKey) -> Position:
        """Position of ``path`` or of its nearest ancestor that has one."""
        found = nearest(self.positions, path)
        if found is not None:
            return found
        return self.positions.get((), Position(self.file, 1, 1))


def drop_below(positions: dict[PathKey, Position], path: PathKey) -> None:
    """Forget the positions under ``path`` (its value was replaced as a whole)."""
    for key in [key for key in positions if key[: len(path)] == path and len(key) > len(path)]:
        del positions[key]
