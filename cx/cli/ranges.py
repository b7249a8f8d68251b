"""`--set-range KEY=START:STOP:STEP`: the values a sweep sets, for one key or two (a grid)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cx.errors import InputError, UsageError
from cx.models.numbers import check_grid_size, check_sweep_key, parse_number
from cx.models.source import DOTTED_KEY, same_key

#: The most values one `--set-range` gives.
MAX_STEPS = 1000
#: How ``--help`` shows a `--set-range` value.
RANGE_METAVAR = "<KEY=START:STOP:STEP>"
#: A sweep varies one key (a curve) or two (a grid).
MAX_KEYS = 2

if TYPE_CHECKING:
    from cx.data.cube import Cube
    from cx.loader.strategy import StrategyFile
    from cx.models.result import SweepGrid, SweepResult
    from cx.models.strategy import Strategy

Range = tuple[str, list[float | int]]


def parse_range(text: str) -> Range:
    """``KEY=START:STOP:STEP`` → key and the values from START to STOP inclusive."""
    key, _, spec = text.partition("=")
    key, parts = key.strip(), spec.split(":")
    hint = "write KEY=START:STOP:STEP, e.g. shifts.0.to.web=0:0.6:0.1"
    if not DOTTED_KEY.fullmatch(key) or len(parts) != 3:
        raise UsageError(f"cannot read --set-range '{text}'", hint=hint)
    try:
        start, stop, step = (parse_number(part, "") for part in parts)
    except InputError as error:
        raise UsageError(
            f"--set-range '{text}' needs three numbers: {error.message}",
            hint=error.hint or hint,
        ) from None
    if step <= 0 or stop < start:
        raise UsageError(
            f"--set-range '{text}' must count up: START <= STOP and STEP > 0", hint=hint
        )
    # Counted in floats first: 0:1e300:1e-300 has more steps than an int can round from.
    # Whole steps only (400:780:40 stops at 760, never past STOP), with a little slack so
    # that 0:0.6:0.1 still reaches 0.6.
    count = (stop - start) / step + 1e-9
    if not math.isfinite(count) or math.floor(count) + 1 > MAX_STEPS:
        # Exactly where a person can read it; 0:1e300:1 has a 301-digit count.
        shown = (
            f"{math.floor(count) + 1:,}"
            if count < 1e15
            else f"about {count:.3g}"
            if math.isfinite(count)
            else "too many"
        )
        raise UsageError(
            f"--set-range '{text}' has {shown} steps, more than {MAX_STEPS:,}",
            hint="use a larger STEP or a shorter range",
        )
    steps = math.floor(count) + 1
    values = [round(start + i * step, 10) for i in range(steps)]
    if len(set(values)) < len(values):  # rounded to ten decimals, as the outputs keep them
        raise UsageError(
            f"--set-range '{text}' steps by less than the ten decimal places values are kept "
            "to: its values would repeat",
            hint="step by 1e-10 or more",
        )
    as_ints = all(v == int(v) for v in (start, stop, step))
    return key, [int(v) if as_ints else v for v in values]


def parse_ranges(texts: list[str], sets: list[str] | None = None) -> list[Range]:
    """One or two `--set-range` options, each on its own key that no `--set` of ``sets``
    also sets; two make a grid of at most MAX_GRID_POINTS points. Checked before any
    data is read."""
    if len(texts) > MAX_KEYS:
        raise UsageError(
            f"--set-range is given {len(texts)} times: a sweep varies one key or two",
            hint="give --set-range once (a curve) or twice (a grid)",
        )
    ranges = [parse_range(text) for text in texts]
    keys = [check_sweep_key(key) for key, _ in ranges]
    if len({same_key(key) for key in keys}) < len(keys):
        raise UsageError(
            f"--set-range names {keys[0]} twice", hint="a grid varies two different keys"
        )
    fixed = {same_key(text.partition("=")[0].strip()) for text in sets or []}
    for key in keys:
        if same_key(key) in fixed:  # the range would silently win over the --set
            raise UsageError(
                f"--set and --set-range both give {key}", hint="give it one or the other"
            )
    if len(ranges) == MAX_KEYS:
        check_grid_size(len(ranges[0][1]), len(ranges[1][1]), "the two --set-range")
    return ranges


def first_point(ranges: list[Range]) -> list[str]:
    """``KEY=VALUE`` overrides that set every swept key to its first value."""
    return [f"{key}={values[0]}" for key, values in ranges]


def at_first_point(paths: Sequence[Path | StrategyFile], sets: list[str] | None,
                   interval: int | None, ranges: list[Range]) -> list[Strategy]:  # fmt: skip
    """The strategies of ``paths`` with ``sets`` and every swept key at its first value,
    loaded before any data is read (see :func:`named_as_ranges` for their errors)."""
    from cx.cli.data_options import strategies_for
    from cx.cli.options import RunArgs

    step = RunArgs(set_=[*(sets or []), *first_point(ranges)], interval=interval)
    with named_as_ranges(ranges):
        return strategies_for(paths, step)


@contextmanager
def named_as_ranges(ranges: list[Range]) -> Iterator[None]:
    """Inside, an error about a swept value names the `--set-range` that gave it: the
    sweep applies each value as a `--set`, which the user never wrote."""
    from dataclasses import replace

    from cx.errors import CxError, StrategyError
    from cx.models.source import SET_OPTION

    patterns = [
        (re.compile(re.escape(f"{SET_OPTION}{key}=") + r"([^\s:,()]+)"), key)
        for key, _ in ranges
    ]

    def named(text: str | None) -> str | None:
        if text is None:
            return None
        for pattern, key in patterns:
            text = pattern.sub(lambda m, k=key: f"--set-range {k} (value {m[1]})", text)
        return text

    try:
        yield
    except StrategyError as error:
        findings = [
            replace(finding, file=named(finding.file), message=named(finding.message) or "")
            for finding in error.findings
        ]
        raise StrategyError(findings) from None
    except CxError as error:
        raise error.reworded(named(error.message), file=named(error.file)) from None


def points_of(ranges: list[Range]) -> int:
    """How many evaluations the sweep of ``ranges`` makes."""
    return math.prod(len(values) for _, values in ranges)


def sweep_of(
    strategy: Path | Strategy | StrategyFile,
    ranges: list[Range],
    cube: Cube,
    overrides: list[str],
    interval: int | None,
) -> SweepResult | SweepGrid:
    """:func:`cx.api.sweep` over the keys of ``ranges``: a curve for one, a grid for two."""
    from cx import api

    (key, values), *grid = ranges
    key2, values2 = grid[0] if grid else (None, None)
    with named_as_ranges(ranges):
        return api.sweep(
            strategy,
            key,
            values,
            cube,
            overrides=overrides,
            interval=interval,
            key2=key2,
            values2=values2,
        )
