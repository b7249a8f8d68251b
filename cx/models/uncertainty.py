"""What a strategy declares uncertain (DESIGN §12): a range per numeric key path.

A key is a dotted path that ``--set`` accepts (``shifts.0.containment``,
``channels.chat.handle_time``) or ``volume``, which scales every count of the cube.
The range is uniform ``{low, high}``, triangular ``{low, mode, high}`` or normal
``{mean, sd}``; normal draws are clipped to the key's valid range.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import annotated_types
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cx.errors import did_you_mean
from cx.models.numbers import finite_number
from cx.models.source import FORMAT_VERSION
from cx.models.vocabulary import one_of

#: The prices of a channel: a draw that changes only these keeps flows and staffing.
PRICE_FIELDS = ("hourly_cost", "cost_per_contact", "fixed_cost")
#: The key that scales all demand rather than naming a strategy value.
VOLUME = "volume"
#: Volume factors: from a tenth of the history to ten times it.
VOLUME_BOUNDS = (0.1, 10.0)
#: Draws when a strategy declares uncertainty and no number of draws is asked for.
DEFAULT_SAMPLES = 1000
MAX_SAMPLES = 100_000
#: How far a normal range's low and high sit from its mean in sensitivity (5 % / 95 %).
NORMAL_Z = 1.645


#: The numbers of a range are finite and numbers, as every number of a strategy is.
_CHECKED = BeforeValidator(finite_number)
Number = Annotated[float, Field(allow_inf_nan=False), _CHECKED]


class _Range(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _ordered(*pairs: tuple[str, float, str, float]) -> None:
    for low_name, low, high_name, high in pairs:
        if low > high:
            raise PydanticCustomError(
                "range_order",
                "{low_name} ({low}) is above {high_name} ({high})",
                {"low_name": low_name, "low": f"{low:g}", "high_name": high_name,
                 "high": f"{high:g}"},
            )


class Uniform(_Range):
    """Every value between ``low`` and ``high`` equally likely."""

    low: Number
    high: Number

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        _ordered(("low", self.low, "high", self.high))
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        return self.low, self.high


class Triangular(_Range):
    """Values between ``low`` and ``high``, most likely near ``mode``."""

    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        _ordered(("low", self.low, "mode", self.mode), ("mode", self.mode, "high", self.high))
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        return self.low, self.high


class Normal(_Range):
    """A bell around ``mean`` with standard deviation ``sd``, clipped to the key's range."""

    mean: Number
    sd: Annotated[float, Field(gt=0.0, allow_inf_nan=False), _CHECKED]

    @property
    def bounds(self) -> tuple[float, float]:
        return self.mean - NORMAL_Z * self.sd, self.mean + NORMAL_Z * self.sd


#: The numbers of a range, as a file writes them.
RANGE_FIELDS = ("low", "mode", "high", "mean", "sd")
#: The tags of the three forms: pydantic puts them in error paths, which locate without them.
RANGE_TAGS = ("Uniform", "Triangular", "Normal")


def _form(value: object) -> str:
    if isinstance(value, _Range):  # serialising: the model itself
        return type(value).__name__
    if isinstance(value, dict) and ({"mean", "sd"} & set(value)):
        return "Normal"
    if isinstance(value, dict) and "mode" in value:
        return "Triangular"
    return "Uniform"


#: The keys of each form, as messages name them.
RANGE_FORMS = "uniform {low, high}, triangular {low, mode, high} or normal {mean, sd}"


def _one_form(value: object) -> object:
    """A range whose keys mix forms (``{low, high, mean}``) is none of them: said so,
    rather than as the keys one form lacks and the others it does not know."""
    if isinstance(value, dict):
        keys = [key for key in value if key in RANGE_FIELDS]
        if {"mean", "sd"} & set(keys) and {"low", "mode", "high"} & set(keys):
            raise PydanticCustomError(
                "range_form",
                "the keys {keys} match no kind of range",
                {"keys": ", ".join(map(str, keys)), "hint": f"a range is {RANGE_FORMS}"},
            )
    return value


Range = Annotated[
    Annotated[
        Annotated[Uniform, Tag("Uniform")]
        | Annotated[Triangular, Tag("Triangular")]
        | Annotated[Normal, Tag("Normal")],
        Discriminator(_form),
    ],
    BeforeValidator(_one_form),
]


@dataclass(frozen=True)
class UncertainKey:
    """A key path resolved in a strategy: its parts, valid range and kind of number."""

    path: tuple[str | int, ...]
    lowest: float
    highest: float
    whole: bool  # an int field: draws are rounded

    def clip(self, value: float) -> float:
        clipped = min(max(value, self.lowest), self.highest)
        return float(round(clipped)) if self.whole else clipped


class KeyProblem(Exception):
    """Why a key path names no number of the strategy; ``hint`` a did-you-mean."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def resolve_key(strategy: BaseModel, key: str) -> UncertainKey:
    """The numeric value ``key`` names in ``strategy``, with its valid range."""
    if key == VOLUME:
        return UncertainKey((VOLUME,), *VOLUME_BOUNDS, whole=False)
    if key.split(".")[0] == "uncertainty":
        raise KeyProblem("a range cannot itself be uncertain", "give it one range")
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in key.split(".")]
    node: Any = strategy
    parent: Any = None
    annotation: Any = None
    for depth, part in enumerate(parts):
        where = ".".join(map(str, parts[:depth])) or "the strategy"
        if isinstance(node, BaseModel):
            fields = {(f.alias or n): n for n, f in type(node).model_fields.items()}
            if part not in fields:
                raise KeyProblem(f"{where} has no key '{part}'", did_you_mean(str(part), fields))
            info = type(node).model_fields[fields[str(part)]]
            annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else (
                info.annotation
            )
            parent, node = node, getattr(node, fields[str(part)])
        elif isinstance(node, dict):
            if part not in node:
                raise KeyProblem(
                    f"{where} has no key '{part}'",
                    did_you_mean(str(part), list(node))
                    or f"{where} has {', '.join(map(str, node)) or 'no keys'}; a range varies a "
                    f"value the strategy sets: write {part} in {where} first",
                )
            annotation = _item_annotation(annotation, dict)
            parent, node = node, node[part]
        elif isinstance(node, list):
            if not isinstance(part, int) or part >= len(node):
                hint = f"{where} has items 0 to {len(node) - 1}" if node else f"{where} is empty"
                raise KeyProblem(f"{where} has no item {part}", hint)
            annotation = _item_annotation(annotation, list)
            parent, node = node, node[part]
        else:
            raise KeyProblem(
                f"{where} is a single value, not a mapping or list",
                keys_there(
                    parent, parts[: depth - 1], node, where, takes=lambda k: _drawn(strategy, k)
                ),
            )
        if depth < len(parts) - 1 and node is None:
            # A map the file leaves out: a number inside it has no base value to vary.
            missing = ".".join(map(str, parts[: depth + 1]))
            keys = _model_keys(annotation)
            written = f"{part}: {{{', '.join(keys)}}}" if keys else str(part)
            raise KeyProblem(
                f"{missing} is not in the file",
                f"a range varies a value the strategy sets: write {written} in {where} first",
            )
    number = _numeric(annotation)
    choices = _number_choices(annotation)
    if number is None and choices:
        raise KeyProblem(
            f"{key} is one of fixed choices ({one_of(choices)}), which cannot be drawn",
            "run the strategy once per value (--set) to compare them",
        )
    if number is None:
        raise KeyProblem(f"{key} is not a number", "uncertainty takes numeric keys only")
    kind, lowest, highest = number
    return UncertainKey(tuple(parts), lowest, highest, whole=kind is int)


def _drawn(strategy: BaseModel, key: str) -> bool:
    """Whether ``key`` names a number uncertainty can draw (not ``version``, not a
    choice such as ``staffing.interval``)."""
    try:
        resolve_key(strategy, key)
    except KeyProblem:
        return False
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _items(node: Any) -> dict[Any, Any]:
    """The keys and values of a model, mapping or list (by index), as a file writes them."""
    if isinstance(node, BaseModel):
        return {
            info.alias or name: getattr(node, name)
            for name, info in type(node).model_fields.items()
        }
    if isinstance(node, dict):
        return dict(node)
    if isinstance(node, list):
        return dict(enumerate(node))
    return {}


def _beside(parent: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """The values in ``parent`` and one level inside each, with their keys from it."""
    found: list[tuple[tuple[Any, ...], Any]] = []
    for key, item in _items(parent).items():
        found.append(((key,), item))
        found += [((key, inner), value) for inner, value in _items(item).items()]
    return found


def keys_there(
    parent: Any,
    path: Sequence[str | int],
    value: object,
    where: str,
    taker: str = "uncertainty",
    otherwise: str = f", or {VOLUME}",
    takes: Callable[[str], bool] = lambda key: True,
) -> str:
    """What ``taker`` (``uncertainty:``, ``--set``) takes where a key runs into ``value``,
    a single value at ``where`` inside ``parent`` (a model, mapping or list at ``path``):
    the value's own key when it is a number, else the keys of the numbers beside it and
    one level inside what is beside it (a fallback to one channel varies its ``accept``,
    not ``to``; a rule's ``name`` sits beside its ``containment`` and its shares
    ``to.app``) that ``takes`` keeps. ``otherwise`` ends the hint when none is there.
    The strategy's ``version`` is a number of the file format that neither changes:
    never its key."""
    if where == FORMAT_VERSION:
        return f"{where} is the strategy file format's version, which {taker} does not change"
    if _is_number(value):
        return f"{where} is itself a number: its key is {where}"
    keys = (".".join(map(str, [*path, *key])) for key, item in _beside(parent) if _is_number(item))
    numbers = [key for key in keys if key != FORMAT_VERSION and takes(key)]
    said = f"{where} is {value!r}, not a number"
    if numbers:
        return f"{said}; {taker} takes {one_of(numbers)} there"
    return f"{said}; {taker} takes the key of a number the strategy sets{otherwise}"


def _model_keys(annotation: Any) -> list[str]:
    """The keys of the mapping ``annotation`` allows (a channel's ``response``: target,
    within), for the hint that says what to write."""
    for member in _members(annotation):
        while typing.get_origin(member) is typing.Annotated:
            member = typing.get_args(member)[0]
        if isinstance(member, type) and issubclass(member, BaseModel):
            return [info.alias or name for name, info in member.model_fields.items()]
    return []


def _number_choices(annotation: Any) -> list[int | float]:
    """The numbers a Literal of fixed choices allows (``staffing.interval``: 15, 30, 60)."""
    found: list[int | float] = []
    for member in _members(annotation):
        while typing.get_origin(member) is typing.Annotated:
            member = typing.get_args(member)[0]
        if typing.get_origin(member) is typing.Literal:
            found += [v for v in typing.get_args(member) if isinstance(v, int | float)]
    return [v for v in found if not isinstance(v, bool)]


def _item_annotation(annotation: Any, container: type) -> Any:
    for candidate in _members(annotation):
        while typing.get_origin(candidate) is typing.Annotated:
            candidate = typing.get_args(candidate)[0]
        if typing.get_origin(candidate) is container:
            return typing.get_args(candidate)[-1]
    return None


def _members(annotation: Any) -> list[Any]:
    """The alternatives of ``annotation`` (through Annotated and unions), with the
    metadata of an Annotated kept on each."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *metadata = typing.get_args(annotation)
        return [Annotated[(member, *metadata)] for member in _members(inner)]
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _numeric(annotation: Any) -> tuple[type, float, float] | None:
    """(int or float, lowest, highest) of the numeric alternative of ``annotation``."""
    for member in _members(annotation):
        base, metadata = member, []
        while typing.get_origin(base) is typing.Annotated:
            base, *more = typing.get_args(base)
            metadata.extend(more)
        if base not in (int, float):
            continue
        lowest, highest = -math.inf, math.inf
        for item in _constraints(metadata):
            if isinstance(item, annotated_types.Ge):
                lowest = float(item.ge)  # type: ignore[arg-type]
            elif isinstance(item, annotated_types.Gt):
                lowest = math.nextafter(float(item.gt), math.inf)  # type: ignore[arg-type]
            elif isinstance(item, annotated_types.Le):
                highest = float(item.le)  # type: ignore[arg-type]
            elif isinstance(item, annotated_types.Lt):
                highest = math.nextafter(float(item.lt), -math.inf)  # type: ignore[arg-type]
        return base, lowest, highest
    return None


def _constraints(metadata: list[Any]) -> list[Any]:
    found: list[Any] = []
    for item in metadata:
        found.extend(getattr(item, "metadata", [item]))
    return found


def key_bounds_problem(key: UncertainKey, spread: Uniform | Triangular | Normal) -> str | None:
    """Why ``spread`` reaches outside the key's valid range, if it does."""
    if isinstance(spread, Normal):
        inside = key.lowest <= spread.mean <= key.highest
        values = f"mean {spread.mean:g}"
    else:
        low, high = spread.bounds
        inside = key.lowest <= low and high <= key.highest
        values = f"{low:g} to {high:g}"
    if inside:
        return None
    return f"{values} is outside the valid range of {'.'.join(map(str, key.path))} " + (
        f"({_range_text(key.lowest, key.highest)})"
    )


def _range_text(lowest: float, highest: float) -> str:
    """``0 to 1``, or ``more than 0, up to 1`` for a bound that excludes a round number
    (kept as the float next to it, which would print as 4.94066e-324)."""

    def excluded(value: float, outward: float) -> float | None:
        outside = math.nextafter(value, outward)
        return outside if len(repr(outside)) < len(repr(value)) else None

    below, above = excluded(lowest, -math.inf), excluded(highest, math.inf)
    if below is None and above is None:
        return f"{lowest:g} to {highest:g}"
    low = f"more than {below:g}" if below is not None else f"from {lowest:g}"
    high = f"less than {above:g}" if above is not None else f"up to {highest:g}"
    return f"{low}, {high}"


def is_price(key: UncertainKey) -> bool:
    """A channel's price: it changes the cost of what is handled and staffed, nothing else."""
    return len(key.path) == 3 and key.path[0] == "channels" and key.path[2] in PRICE_FIELDS


_Model = typing.TypeVar("_Model", bound=BaseModel)


def with_values(
    model: _Model, values: typing.Mapping[tuple[str | int, ...], float | int]
) -> _Model:
    """``model`` (a strategy) with the number at each path replaced (values already within
    the keys' bounds, so nothing needs validating again); it keeps its file and positions."""
    result: Any = model
    for path, value in values.items():
        result = _set(result, path, value)
    assert isinstance(result, type(model))
    return result


def _set(node: object, path: tuple[str | int, ...], value: float | int) -> object:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, BaseModel):
        name = next(n for n, f in type(node).model_fields.items() if head in (n, f.alias))
        return node.model_copy(update={name: _set(getattr(node, name), rest, value)})
    if isinstance(node, dict):
        return {**node, head: _set(node.get(head), rest, value)}
    if isinstance(node, list) and isinstance(head, int):
        return [*node[:head], _set(node[head], rest, value), *node[head + 1 :]]
    raise TypeError(f"no value at {path}")  # resolve_key has checked every path
