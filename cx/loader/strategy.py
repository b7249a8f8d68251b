"""Strategy files: YAML → merged (extends) → overridden (--set) → validated Strategy.

Every problem becomes a :class:`~cx.errors.Finding` with file, line, column, the
field path and a hint; all findings of a file are collected before raising, so
``cx validate`` reports them in one run. The steps live in their own modules:
:mod:`~cx.loader.extends`, :mod:`~cx.loader.overrides`, the schema check
(:mod:`~cx.loader.findings`) and the cross-field rules
(:mod:`~cx.loader.cross_field`, also run on a repaired copy by
:mod:`~cx.loader.salvage`). The loaded :class:`Strategy` keeps the position of
every value, so later errors point at lines without reading the files again.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cx.errors import Finding, StrategyError
from cx.loader.cross_field import cross_field_findings
from cx.loader.extends import load_located
from cx.loader.findings import in_file_order, pydantic_findings
from cx.loader.located import Located, Position, drop_below
from cx.loader.overrides import apply_override
from cx.loader.salvage import salvage_findings
from cx.models.source import naming_set_values, set_at_or_below
from cx.models.strategy import Strategy


def load_strategy(path: str | Path, overrides: Iterable[str] = ()) -> Strategy:
    """Load, merge, override and validate a strategy file."""
    return _validate_overridden(load_located(path), overrides)


@dataclass(frozen=True)
class StrategyFile:
    """A strategy file read once, its extends chain merged, not yet validated. Every
    strategy :meth:`with_overrides` gives comes from this one reading: the points of a
    sweep are all of one version of the file, even when it is edited meanwhile."""

    located: Located

    @classmethod
    def read(cls, path: str | Path) -> StrategyFile:
        return cls(load_located(path))

    def with_overrides(self, overrides: Iterable[str] = ()) -> Strategy:
        """The strategy with ``overrides`` applied and validated, as :func:`load_strategy`
        gives it (on a copy: the reading is left as it was)."""
        return _validate_overridden(copy.deepcopy(self.located), overrides)


def strategy_from_dict(
    data: Mapping[str, Any], overrides: Iterable[str] = (), name: str = "<dict>"
) -> Strategy:
    """Validate a strategy given as a Python mapping (the API's counterpart of a file)."""
    located = Located(data=copy.deepcopy(dict(data)), positions={(): Position(name)}, file=name)
    if located.data.get("extends") is not None:
        # A dict has no file of its own that a relative path could start from.
        raise StrategyError(
            [
                Position(name).finding(
                    "a strategy given as a dict cannot extend a file",
                    "extends",
                    "load the strategy file instead, or merge its base into the dict",
                )
            ]
        )
    strategy = _validate_overridden(located, overrides)
    strategy._file = None
    strategy._files = ()
    return strategy


def strategy_with_overrides(strategy: Strategy, overrides: Iterable[str]) -> Strategy:
    """A loaded ``strategy`` with ``overrides`` applied and validated again. It keeps
    its file and the positions of the values the overrides leave alone."""
    data = strategy.model_dump(by_alias=True, exclude_none=True)
    name = strategy.file or "<strategy>"
    located = Located(data=data, positions={(): Position(name)}, file=name)
    loaded = _validate_overridden(located, overrides)
    positions = dict(strategy.positions)
    for path in located.positions:
        if path:  # what --set replaced no longer has the positions of the file
            drop_below(positions, path)
            positions[path] = located.positions[path]
    loaded._file = strategy.file
    loaded._files = ()
    loaded._positions = positions
    return loaded


def _validate_overridden(located: Located, overrides: Iterable[str]) -> Strategy:
    """``located`` with ``overrides`` applied, validated; a finding that a ``--set``
    value causes says so (:func:`_naming_the_set_values`)."""
    overrides = list(overrides)
    before = copy.deepcopy(located) if overrides else None
    for assignment in overrides:
        apply_override(located, assignment)
    try:
        return validate_data(located)
    except StrategyError as error:
        if before is None:
            raise
        raise StrategyError(_naming_the_set_values(error.findings, located, before)) from None


def _naming_the_set_values(
    findings: list[Finding], located: Located, before: Located
) -> list[Finding]:
    """``findings`` of the overridden ``located``, each one that a ``--set`` value causes
    naming it, at the line of the file where there is one: the values set at or inside
    the finding's key (``shifts.0.to`` after ``--set shifts.0.to.web=0.9``), else, for a
    finding the file alone does not have (a channel no longer offered), every --set."""
    try:
        validate_data(before)
        already: set[tuple[str | None, str]] = set()
    except StrategyError as error:
        already = {(finding.path, finding.message) for finding in error.findings}
    every = set_at_or_below(located.positions, "")
    named = []
    for finding in findings:
        labels = set_at_or_below(located.positions, finding.path) if finding.path else []
        if not labels and (finding.path, finding.message) not in already:
            labels = every
        labels = [label for label in labels if label != finding.file]
        named.append(replace(finding, message=naming_set_values(finding.message, labels)))
    return named


def validate_data(located: Located) -> Strategy:
    """Validate merged strategy data; raises StrategyError with every finding.

    When the schema check fails, the cross-field rules still run on the valid rest
    of the data (:mod:`cx.loader.salvage`), so one run reports every problem.
    """
    try:
        strategy = Strategy.model_validate(located.data)
    except ValidationError as error:
        findings = [
            *located.findings,
            *pydantic_findings(error, located, Strategy),
            *salvage_findings(error, located),
        ]
        raise StrategyError(in_file_order(findings, located.file)) from None
    findings = [*located.findings, *cross_field_findings(strategy, located)]
    if findings:
        raise StrategyError(in_file_order(findings, located.file))
    strategy._file = located.file
    strategy._files = (located.file, *located.extended)
    strategy._positions = dict(located.positions)
    return strategy
