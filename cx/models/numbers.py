"""Numbers users give cx: finite, ASCII, of the right kind and within real-world bounds.

A strategy value, a command-line option and an API argument go through the same
checks, so NaN, infinity, ``true`` for 1, ``"0.5"`` in quotes, a superscript ``²`` or an
Arabic-Indic ``٣`` never reach the arithmetic, and no size makes a loop run for hours.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Mapping

from pydantic_core import PydanticCustomError

from cx.errors import InputError
from cx.models.vocabulary import DEFAULT_WINDOW_HOURS, MAX_WINDOW_HOURS, MIN_WINDOW_HOURS

#: Agents per channel and interval, fixed (--agents) or implied by a plan: a very large
#: contact centre staffs a few thousand; more is a typo, and Erlang walks up to N.
MAX_AGENTS = 100_000
#: Random seeds (generate, replay): what numpy takes.
MAX_SEED = 2**63 - 1

#: The most points a sweep over two keys evaluates (each point is one evaluation of the
#: strategy, 20-40 ms on a small machine): 20 values by 20.
MAX_GRID_POINTS = 400

#: What a share (``--max-reject-rate``, ``max_reject_rate=``) takes.
SHARE_RANGE = "use 0 to 1, e.g. 0.05"

#: No number a user means is longer (and Python refuses to read ints over 4,300 digits).
MAX_NUMBER_TEXT = 100

# ASCII digits only, and one way to match each character (linear time on any text).
_FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT_TEXT = re.compile(r"[+-]?[0-9]+")


def foreign_character(text: str) -> str | None:
    """A description of the first character of ``text`` that is not ASCII, if any."""
    for char in text:
        if not char.isascii():
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            return f"'{char}' ({name.lower()})"
    return None


def is_number_text(text: str) -> bool:
    """Whether ``text`` is a number written with ASCII digits (``"30"`` in quotes)."""
    return len(text) <= MAX_NUMBER_TEXT and _FLOAT_TEXT.fullmatch(text.strip()) is not None


def finite_share(value: object) -> object:
    """Pydantic before-validator of a strategy's shares and probabilities (0 to 1):
    :func:`finite_number`, and a percentage (``40%``) is told the fraction to write."""
    return finite_number(value, share=True)


def finite_amount(value: object) -> object:
    """Pydantic before-validator of a strategy's other numbers (seconds, money,
    counts): :func:`finite_number`, and a percentage is told to write the number alone."""
    return finite_number(value, share=False)


def finite_number(value: object, share: bool | None = None) -> object:
    """Pydantic before-validator of every numeric strategy field.

    Refuses booleans (``true`` is not 1.0), text (``"0.5"`` in quotes is not a share),
    NaN and infinity, with a message that says which; numbers pass on to the bounds.
    ``share`` says whether the value is a share, for the advice on a percentage (None:
    not known, as for the bounds of an `uncertainty:` range).
    """
    if isinstance(value, bool):
        raise PydanticCustomError(
            "number_not_bool",
            "{value} is a yes/no value, not a number",
            {"value": str(value).lower()},
        )
    if isinstance(value, str):
        foreign = foreign_character(value)
        if foreign is not None:
            raise PydanticCustomError(
                "number_not_ascii",
                "not a number: it contains {char}; write numbers with the digits 0-9",
                {"char": foreign},
            )
        if value.strip().lower().lstrip("+-.") in ("nan", "inf", "infinity"):
            raise PydanticCustomError(
                "number_not_finite", "a finite number is needed, not NaN or infinity"
            )
        raise PydanticCustomError(
            "number_is_text", _text_is_not_a_number(value.strip(), share)
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError(
            "number_not_finite", "a finite number is needed, not NaN or infinity"
        )
    if isinstance(value, int) and abs(value) > 10**18:
        raise PydanticCustomError("number_too_large", "number is far too large")
    return value


def _text_is_not_a_number(text: str, share: bool | None) -> str:
    """What to write instead of ``text``: a number in quotes, a percentage (``40%``, a
    share written as people say it) or a number with a unit or separator (``30s``)."""
    if _FLOAT_TEXT.fullmatch(text):
        return "text is not a number; write the number without quotes"
    advice = percent_hint(text, share)
    if advice is not None:
        return f"text is not a number; {advice}"
    return "text is not a number; write it with the digits 0-9 alone, no unit or separator"


def percent_hint(text: str, share: bool | None = True) -> str | None:
    """For a percentage (``40%``), what to write instead; None for other text. A share
    (0 to 1) is written as a fraction (0.4); any other value (seconds, hours, money) as
    the number alone: 40 % of it means nothing. ``share`` None: not known, both said."""
    percent = text.removesuffix("%").strip()
    if not (
        text.endswith("%") and len(percent) <= MAX_NUMBER_TEXT and _FLOAT_TEXT.fullmatch(percent)
    ):
        return None
    fraction = f"{float(percent) / 100:g}"
    if share:
        return f"write {text} as a fraction: {fraction}"
    if share is False:
        return "it is not a share: write the number alone, without %"
    return f"write a share as a fraction ({text} is {fraction}), any other value without %"


def parse_number(text: str, what: str, *, integer: bool = False) -> float | int:
    """``text`` as a finite number written with ASCII digits; ``what`` names it in errors.

    Python's own ``float``/``int`` read ``٣``, ``５`` and ``nan``: here they are refused.
    """
    stripped = text.strip()
    what = f"{what} '{text}'".strip()
    kind = "a whole number" if integer else "a number"
    foreign = foreign_character(stripped)
    if foreign is not None:
        raise InputError(
            f"{what} is not {kind}: it contains {foreign}",
            hint="write numbers with the digits 0-9",
        )
    if len(stripped) > MAX_NUMBER_TEXT:
        raise InputError(f"{what[:40]}... is {len(stripped):,} characters long, not {kind}")
    pattern = _INT_TEXT if integer else _FLOAT_TEXT
    if not pattern.fullmatch(stripped):
        if stripped.lower().lstrip("+-") in ("nan", "inf", "infinity", ".nan", ".inf"):
            hint: str | None = "NaN and infinity are not allowed"
        else:
            hint = None if integer else percent_hint(stripped, share=None)
        raise InputError(f"{what} is not {kind}", hint=hint)
    if integer:
        return int(stripped)
    value = float(stripped)
    if not math.isfinite(value):
        raise InputError(f"{what} is too large", hint="numbers must be finite")
    return value


def check_number(value: object, what: str) -> float:
    """An API number: a real number (not a bool, not text), finite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{what} {value!r} is not a number")
    if not math.isfinite(value):
        raise InputError(f"{what} {value!r} is not a finite number")
    return float(value)


def check_share(value: object, what: str) -> float:
    """A share given to the API or an option (e.g. max_reject_rate): a number in [0, 1]."""
    share = check_number(value, what)
    if not 0.0 <= share <= 1.0:
        raise InputError(f"{what} {share:g} is not a share from 0 to 1", hint=SHARE_RANGE)
    return share


def check_window_hours(hours: object, what: str = "journey window") -> float:
    """Hours between a customer's contacts that still continue a journey (the bounds of
    :mod:`cx.models.vocabulary`: 0 to a year)."""
    allowed = (
        f"use {MIN_WINDOW_HOURS:g} to {MAX_WINDOW_HOURS:,g} hours, a year; "
        f"the default is {DEFAULT_WINDOW_HOURS:g}"
    )
    try:
        window = check_number(hours, what)
    except InputError as error:
        raise InputError(error.message, hint=allowed) from None
    if window < MIN_WINDOW_HOURS:
        raise InputError(f"{what} of {window:g} hours is negative", hint=allowed)
    if window > MAX_WINDOW_HOURS:
        raise InputError(
            f"{what} of {window:.12g} hours is more than a year ({MAX_WINDOW_HOURS:g} hours)",
            hint=allowed,
        )
    return window


def check_agents(agents: Mapping[str, object], what: str = "--agents") -> dict[str, int]:
    """Fixed agents per channel (``--agents``, ``agents=``): whole numbers 0..MAX_AGENTS."""
    checked: dict[str, int] = {}
    for name, count in agents.items():
        # numbers.Integral and Real: a script's numpy counts (np.int64(12)) are counts too
        whole = isinstance(count, numbers.Integral) or (
            isinstance(count, numbers.Real) and math.isfinite(count) and float(count).is_integer()
        )
        if isinstance(count, bool) or not whole or not 0 <= count <= MAX_AGENTS:  # type: ignore[operator]
            raise InputError(
                f"{what} {name}={count!r}: the number of agents must be a whole number "
                f"from 0 to {MAX_AGENTS:,}",
                hint="e.g. --agents phone=12 (API: agents={'phone': 12})",
            )
        checked[str(name)] = int(count)  # type: ignore[call-overload]
    return checked


def parse_agents(values: list[str] | None) -> dict[str, int]:
    """``--agents CHANNEL=N`` options → {channel: N}."""
    agents: dict[str, object] = {}
    for value in values or []:
        name, equals, number = value.partition("=")
        if not name.strip() or not equals:
            raise InputError(
                f"cannot read --agents '{value}'", hint="write CHANNEL=N, e.g. --agents phone=12"
            )
        if name.strip() in agents:  # which one was meant? not the last one silently
            raise InputError(
                f"--agents names '{name.strip()}' twice", hint="give each channel one --agents"
            )
        agents[name.strip()] = parse_number(number, f"--agents {name.strip()}:", integer=True)
    return check_agents(agents, "--agents")


#: Strategy keys the data is scanned with, what they set, and how to choose them for a
#: run instead: a sweep evaluates every step on one scan, so each would take the scan's.
SCANNED_KEYS = {
    "period": ("period", "run once per period with --period (API: load_interactions(period=...))"),
    "journeys": (
        "journey window",
        "run once per window with --journey-window HOURS "
        "(API: load_interactions(..., outcomes=True, journey_window=HOURS))",
    ),
}


def check_sweep_key(key: str) -> str:
    """``key``, unless it is one the data is scanned with (the period, the journey
    window): swept, every step would silently give the same figures."""
    top = key.split(".", 1)[0].strip()
    if top in SCANNED_KEYS:
        what, hint = SCANNED_KEYS[top]
        raise InputError(
            f"a sweep cannot vary {key.strip()}: the data is scanned once, with one {what}, "
            "so every step would give the same figures",
            hint=hint,
        )
    return key


def check_grid_size(rows: int, columns: int, what: str) -> int:
    """The points of a sweep over two keys, ``rows`` × ``columns``: at most MAX_GRID_POINTS."""
    points = rows * columns
    if points > MAX_GRID_POINTS:
        raise InputError(
            f"{what} make a grid of {rows:,} × {columns:,} = {points:,} points, more than "
            f"{MAX_GRID_POINTS}",
            hint=f"a grid holds at most {MAX_GRID_POINTS} points (e.g. 20 values by 20): "
            "use fewer values per key (a larger STEP or a shorter range)",
        )
    return points
