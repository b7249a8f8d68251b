"""Argument checks at the entry points of the Python API (:mod:`cx.api`, :mod:`cx.report`).

A script that passes the wrong kind of value (``None`` for a cube, a path where a
loaded strategy is expected, ``seed="x"``, ``max_reject_rate=float("nan")``) gets a
:class:`~cx.errors.UsageError` or :class:`~cx.errors.InputError` naming the
parameter and saying what it takes, instead of an AttributeError or TypeError from
deep inside. Each ``require_*`` returns the value, normalised where that helps.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cx.errors import InputError, UsageError
from cx.models.numbers import (
    check_agents,
    check_grid_size,
    check_sweep_key,
    check_window_hours,
)
from cx.models.vocabulary import INTERVALS, one_of

if TYPE_CHECKING:
    from cx.data.cube import Cube
    from cx.models.inspect import InspectResult
    from cx.models.mapping import Mapping as ColumnMapping
    from cx.models.progress import Progress
    from cx.models.strategy import Strategy

#: The longest file name and path Linux and macOS file systems take, in bytes.
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4095
#: How interaction files are decoded.
ENCODINGS = ("utf8", "lossy")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: object) -> str:
    return f"{type(value).__name__} {_shown(value)}"


def wrong(parameter: str, expected: str, value: object, hint: str | None = None) -> UsageError:
    return UsageError(f"{parameter} must be {expected}, not {_kind(value)}", hint=hint)


def require_strategy(value: object, parameter: str = "strategy") -> Strategy:
    from cx.models.strategy import Strategy

    if isinstance(value, Strategy):
        return value
    hint = "load it first: cx.load_strategy('strategy.yaml') (or a dict)"
    raise wrong(parameter, "a cx.Strategy", value, hint)


def require_strategies(value: object, parameter: str = "strategies") -> list[Strategy]:
    """A non-empty list of loaded strategies."""
    if isinstance(value, str | bytes | os.PathLike | Mapping) or not isinstance(value, Iterable):
        raise wrong(parameter, "a list of cx.Strategy", value, "e.g. [cx.load_strategy(path)]")
    strategies = list(value)
    if not strategies:
        raise InputError(f"{parameter} is empty", hint="pass at least one strategy")
    return [require_strategy(s, f"{parameter}[{i}]") for i, s in enumerate(strategies)]


def require_cube(value: object, parameter: str = "cube") -> Cube:
    from cx.data.cube import Cube

    if isinstance(value, Cube):
        return value
    raise wrong(parameter, "a cx.Cube", value, "scan the data first: cx.load_interactions(path)")


def require_path(value: object, parameter: str) -> Path:
    """A file path: a non-empty str or os.PathLike without a NUL character."""
    if isinstance(value, bool) or not isinstance(value, str | os.PathLike):
        raise wrong(parameter, "a file path (str or pathlib.Path)", value)
    text = os.fspath(value)
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{parameter} is an empty path", hint="name a file")
    if "\0" in text:
        raise InputError(f"{parameter} {_shown(text)} holds a NUL character", hint="name a file")
    encoded = os.fsencode(text)
    if len(encoded) > MAX_PATH_BYTES or any(len(p) > MAX_NAME_BYTES for p in encoded.split(b"/")):
        raise InputError(
            f"{parameter} {_shown(text)} is longer than a file system allows",
            hint=f"names of at most {MAX_NAME_BYTES} bytes, paths of at most {MAX_PATH_BYTES}",
        )
    return Path(text)


def require_profile(value: object, parameter: str = "profile") -> InspectResult | None:
    """None or the data profile of :func:`cx.api.inspect_interactions`."""
    from cx.models.inspect import InspectResult

    if value is None or isinstance(value, InspectResult):
        return value
    hint = "use cx.api.inspect_interactions(cube)"
    raise wrong(parameter, "None or an InspectResult", value, hint)


def require_cube_output(value: object, parameter: str = "output") -> Path:
    """The path of a cube file to write: Parquet, so a name that says another format
    (``cube.csv``) is refused rather than written with Parquet bytes under it."""
    from cx.models.vocabulary import PARQUET_SUFFIXES, bare_name, named_format

    path = require_path(value, parameter)
    named = named_format(path.name)
    if named is not None and named not in PARQUET_SUFFIXES:
        hint = f"name it {bare_name(path.name)}.parquet"
        raise UsageError(f"a cube file is Parquet, not {named}", hint=hint)
    return path


def require_optional_path(value: object, parameter: str) -> Path | None:
    return None if value is None else require_path(value, parameter)


def require_columns(value: object, parameter: str = "columns") -> ColumnMapping | Path | None:
    """A mapping file path, a :class:`cx.models.mapping.Mapping` or None."""
    from cx.models.mapping import Mapping as ColumnMapping

    if value is None or isinstance(value, ColumnMapping):
        return value
    if isinstance(value, str | os.PathLike):
        return require_path(value, parameter)
    raise wrong(parameter, "a mapping file path, a cx.models.mapping.Mapping or None", value)


def require_text(value: object, parameter: str, choices: Iterable[str] | None = None) -> str:
    if not isinstance(value, str):
        raise wrong(parameter, "a string", value)
    if choices is not None and value not in (allowed := tuple(choices)):
        raise InputError(f"unknown {parameter} {_shown(value)}", hint=f"use {', '.join(allowed)}")
    return value


def require_names(value: object, parameter: str, choices: Iterable[str]) -> list[str]:
    """Names each one of ``choices`` (a lone string is refused, not read letter by letter)."""
    allowed = tuple(choices)
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise wrong(parameter, f"a list of {', '.join(allowed)}", value)
    return [require_text(item, f"each of {parameter}", allowed) for item in value]


def require_encoding(value: object, parameter: str = "encoding") -> str:
    return require_text(value, parameter, ENCODINGS)


def require_progress(value: object, parameter: str = "progress") -> Progress:
    """A :class:`~cx.models.progress.Progress` to report long steps to; None: none."""
    from cx.models.progress import SILENT, Progress

    if value is None:
        return SILENT
    if isinstance(value, Progress):
        return value
    raise wrong(parameter, "None or a cx.Progress", value, "subclass cx.Progress")


def require_flag(value: object, parameter: str) -> bool:
    if not isinstance(value, bool):
        raise wrong(parameter, "True or False", value)
    return value


def require_whole(value: object, parameter: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise wrong(parameter, "a whole number", value)
    number = int(value)
    if not low <= number <= high:
        raise InputError(f"{parameter} {number} is out of range", hint=f"use {low} to {high}")
    return number


def require_samples(value: object) -> int:
    """A whole number of draws of a strategy's uncertainty (0: none)."""
    from cx.models.uncertainty import MAX_SAMPLES

    return require_whole(value, "samples", 0, MAX_SAMPLES)


def require_interval(value: object, parameter: str = "interval") -> int | None:
    """None (the strategy's) or a whole number of minutes; the engine checks which ones."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise wrong(parameter, f"None or whole minutes ({one_of(INTERVALS)})", value)
    return int(value)


def require_real(value: object, parameter: str, low: float, high: float, unit: str = "") -> float:
    """A finite number from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise wrong(parameter, "a number", value)
    number = float(value)
    if math.isfinite(number) and low <= number <= high:
        return number
    if not math.isfinite(number):
        problem = "is not a finite number"
    elif number < 0 <= low:
        problem = "is negative"
    else:
        problem = f"is {'below' if number < low else 'above'} {high if number > high else low:g}"
    raise InputError(
        f"{parameter} {_shown(value)} {problem}", hint=f"use {low:g} to {high:g}{unit}"
    )


def require_share(value: object, parameter: str) -> float:
    return require_real(value, parameter, 0.0, 1.0)


def require_window(value: object, parameter: str) -> float:
    """Journey window hours: a number (else UsageError), in the bounds every caller shares."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise wrong(parameter, "a number of hours", value)
    return check_window_hours(value, parameter)


def require_agents(value: object, parameter: str = "agents") -> dict[str, int]:
    """None or a dict of channel name to a whole number of agents (bounds: the engine's)."""
    if value is None:
        return {}
    expected = "None or a dict of channel name to agents, e.g. {'phone': 12}"
    if not isinstance(value, Mapping):
        raise wrong(parameter, expected, value)
    for channel in value:
        if not isinstance(channel, str):
            raise wrong(f"{parameter} key", "a channel name (str)", channel)
    return check_agents(value, parameter)


def require_overrides(value: object, parameter: str = "overrides") -> list[str]:
    """``KEY=VALUE`` strings (a lone string is refused, not read letter by letter)."""
    hint = "e.g. ['shifts.0.to.web=0.4']"
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise wrong(parameter, "a list of KEY=VALUE strings", value, hint)
    items = list(value)
    for item in items:
        if not isinstance(item, str):
            raise wrong(f"each of {parameter}", "a KEY=VALUE string", item, hint)
        if "\0" in item:
            raise InputError(f"{parameter} item {_shown(item)} holds a NUL character", hint=hint)
    return items


def require_strategy_source(value: object, parameter: str = "source") -> Any:
    """A strategy file path or a dict (for :func:`cx.load_strategy`)."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and "\n" in value and not os.path.lexists(value):
        raise UsageError(
            f"{parameter} is YAML text, not a strategy file path",
            hint="save it to a file and pass its path (cx reads a file with line numbers "
            "for its findings), or pass a dict",
        )
    if isinstance(value, str | os.PathLike) and not isinstance(value, bool):
        return require_path(value, parameter)
    raise wrong(parameter, "a strategy file path or a dict", value)


def require_sweep_values(value: object, parameter: str = "values") -> list[float | int | str]:
    """A non-empty list of the values a sweep sets, each a number or a string."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise wrong(parameter, "a list of values", value, "e.g. [0.2, 0.4, 0.6]")
    values = list(value)
    if not values:
        raise InputError(f"{parameter} is empty", hint="pass at least one value to sweep")
    for item in values:
        if isinstance(item, bool) or not isinstance(item, numbers.Real | str):
            raise wrong(f"each of {parameter}", "a number or a string", item)
    return values


def require_grid(
    key: str, values: list[float | int | str], key2: object, values2: object
) -> tuple[str, list[float | int | str]] | None:
    """The second key and values of a sweep over two keys (None for one key): both or
    neither given, a key other than the first, values without repeats (a point is one
    pair) and at most MAX_GRID_POINTS pairs."""
    if key2 is None and values2 is None:
        return None
    hint = "a sweep over two keys takes key2 and values2 together"
    if key2 is None:
        raise wrong("key2", "a string when values2 is given", key2, hint)
    second = check_sweep_key(require_text(key2, "key2"))
    if values2 is None:
        raise wrong("values2", "a list of values when key2 is given", values2, hint)
    second_values = require_sweep_values(values2, "values2")
    if second == key:
        raise InputError(
            f"key2 {_shown(second)} is the key swept already",
            hint="a grid sweeps two different keys",
        )
    check_grid_size(len(values), len(second_values), "values and values2")
    for parameter, given in (("values", values), ("values2", second_values)):
        repeated = next((v for i, v in enumerate(given) if v in given[:i]), None)
        if repeated is not None:
            raise InputError(
                f"{parameter} holds {_shown(repeated)} twice",
                hint="each point of a grid is one pair of values: give each value once",
            )
    return second, second_values


def require_callback(value: object, parameter: str) -> Callable[..., Any] | None:
    """A function to call back, or None."""
    if value is None or callable(value):
        return value  # type: ignore[return-value]
    raise wrong(parameter, "None or a function", value, "pass a function of one argument")
