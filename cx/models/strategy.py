"""Strategy file models (DESIGN §4). The JSON Schema of strategy files comes from here."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Annotated, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cx.models.hours import ALWAYS, HoursError, WeeklyHours, compile_hours, parse_days, parse_ranges
from cx.models.hours import weekly_hours as compiled_hours
from cx.models.numbers import MAX_AGENTS, finite_amount, finite_share
from cx.models.source import PathKey, Position, written_at
from cx.models.uncertainty import Range
from cx.models.vocabulary import (
    CHANNEL_NAME_PATTERN,
    DEFAULT_INTERVAL,
    DEFAULT_PERIOD,
    DEFAULT_WINDOW_HOURS,
    MAX_WINDOW_HOURS,
    MIN_WINDOW_HOURS,
    Interval,
    Period,
)

# Every number of a strategy is finite and a number (not `true`, not "0.5" in quotes);
# the bounds say what a real contact centre can be (README, "What cx guarantees").
# (The check comes after the bounds so that they still show in the JSON Schema.)
_CHECKED = BeforeValidator(finite_amount)
#: The same for a share or probability (0 to 1), whose percentage is told its fraction.
_CHECKED_SHARE = BeforeValidator(finite_share)
Share = Annotated[float, Field(ge=0.0, le=1.0), _CHECKED_SHARE]
MAX_COST = 1e7  # per agent-hour, per contact
MAX_FIXED_COST = 1e10  # per calendar period
MIN_SECONDS = 1.0  # handle time, patience: a second (1e-300 s breaks the arithmetic)
MAX_SECONDS = 86_400.0  # handle time, patience: one day
MAX_WITHIN = 30 * 86_400.0  # service level window: async channels answer within days
MAX_MIN_AGENTS = 10_000
Cost = Annotated[float, Field(ge=0.0, le=MAX_COST), _CHECKED]
Seconds = Annotated[float, Field(ge=MIN_SECONDS, le=MAX_SECONDS), _CHECKED]
ChannelName = Annotated[str, Field(pattern=CHANNEL_NAME_PATTERN)]
Item = TypeVar("Item")
#: A list whose key is optional: left out it has a meaning (every channel, every intent,
#: the canonical column); written empty it would mean nothing, so it is refused.
NonEmptyList = Annotated[list[Item], Field(min_length=1)]
WindowHours = Annotated[float, Field(ge=MIN_WINDOW_HOURS, le=MAX_WINDOW_HOURS), _CHECKED]

Mode = Literal["live", "async", "self_service"]
RampShape = Literal["linear", "s_curve", "step"]
Kind = Literal["follow", "push"]

WHERE_DIMENSIONS = ("segment", "stage", "intent", "step")


#: Characters no name or description may hold: controls (NUL, ESC, U+0085...) and the
#: line and paragraph separators. Names reach terminals, spreadsheets and web pages.
_UNPRINTABLE = ("Cc", "Zl", "Zp")
#: The same as a JSON Schema pattern, for editors.
_PRINTABLE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"


def _refuse_unprintable(text: str, error: str, hint: str, allowed: str = "") -> None:
    """Refuse ``text`` (pydantic error ``error``) when it holds a character no name may
    hold but those of ``allowed``, naming the first as ``U+001B``."""
    for char in text:
        if unicodedata.category(char) in _UNPRINTABLE and char not in allowed:
            raise PydanticCustomError(
                error,
                "contains the control character {char}",
                {"char": f"U+{ord(char):04X}", "hint": hint},
            )


def one_line_name(value: str) -> str:
    """Pydantic after-validator of names (a strategy's, a shift rule's): not blank, one
    line of printable text."""
    if not value.strip():
        raise PydanticCustomError("name_blank", "is blank", {"hint": "write a name"})
    _refuse_unprintable(value, "name_unprintable", "a name is one line of printable text")
    return value


def printable_text(value: str) -> str:
    """Pydantic after-validator of descriptions: printable text, line breaks and tabs."""
    hint = "write printable text; line breaks and tabs are fine"
    _refuse_unprintable(value, "text_unprintable", hint, allowed="\n\t")
    return value


Name = Annotated[
    str,
    Field(min_length=1, json_schema_extra={"pattern": _PRINTABLE_PATTERN}),
    AfterValidator(one_line_name),
]
Description = Annotated[str, AfterValidator(printable_text)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


class ServiceLevel(StrictModel):
    """Share of contacts answered within ``within`` seconds."""

    target: Annotated[float, Field(gt=0.0, lt=1.0), _CHECKED_SHARE] = Field(
        0.8, description="Share of contacts to answer within `within` seconds (0-1)."
    )
    within: Annotated[float, Field(ge=0.0, le=MAX_WITHIN), _CHECKED] = Field(
        20.0, description="Seconds."
    )


def _hours_check(check: object) -> AfterValidator:
    """``check`` run on a value of `hours`, its :class:`HoursError` a validation error."""

    def run(value: object) -> object:
        try:
            check(value)  # type: ignore[operator]
        except HoursError as error:
            message = error.message + (f"; {error.hint}" if error.hint else "")
            raise PydanticCustomError("hours", "{message}", {"message": message}) from None
        return value

    return AfterValidator(run)


def _always_to_none(value: object) -> object:
    """`hours: "24/7"` is the default: no hours at all (every result as without it)."""
    if isinstance(value, str):
        if value.strip().lower() == ALWAYS:
            return None
        raise PydanticCustomError(
            "hours_text",
            'hours is "24/7" or days with their hours, e.g. {mon-fri: "08:00-20:00"}',
        )
    return value


DayKey = Annotated[str, _hours_check(parse_days)]
DayHours = Annotated[str, _hours_check(parse_ranges)]
Hours = Annotated[
    dict[DayKey, DayHours] | None,
    _hours_check(lambda hours: hours is None or compile_hours(hours)),
    BeforeValidator(_always_to_none, json_schema_input_type=Literal["24/7"] | dict[str, str]),
]


class Response(StrictModel):
    """Async response target: share ``target`` of contacts answered within ``within``."""

    target: Annotated[float, Field(gt=0.0, le=1.0), _CHECKED_SHARE] = Field(
        description="Share of contacts to answer within `within` seconds (0-1]."
    )
    within: Annotated[float, Field(ge=60.0, le=MAX_WITHIN), _CHECKED] = Field(
        description="Seconds from arrival (60 s to 30 days)."
    )


class Channel(StrictModel):
    """One channel of the catalog: how it works and what it costs."""

    mode: Mode = Field(description="live (queue + agents), async (backlog) or self_service.")
    handle_time: Seconds | Literal["by_hour"] | None = Field(
        None,
        description="Average handle time in seconds; `by_hour` uses the observed mean per hour "
        "of day; absent: the observed mean on the channel.",
    )
    hourly_cost: Cost | None = Field(None, description="Cost of one agent-hour.")
    cost_per_contact: Cost | None = Field(None, description="Cost of each handled contact.")
    fixed_cost: Annotated[float, Field(ge=0.0, le=MAX_FIXED_COST), _CHECKED] | None = Field(
        None,
        description="Cost per calendar month while the channel is offered, prorated by the "
        "days of the data in each month.",
    )
    concurrency: Annotated[float, Field(ge=1.0, le=50.0), _CHECKED] = Field(
        1.0, description="Contacts one agent works at once."
    )
    shrinkage: Annotated[float, Field(ge=0.0, le=0.95), _CHECKED_SHARE] = Field(
        0.0, description="Share of paid time agents are not available (breaks, training)."
    )
    service_level: ServiceLevel | None = Field(
        None, description="Target for live channels; default 80% within 20 s."
    )
    max_occupancy: Annotated[float, Field(ge=0.05, le=1.0), _CHECKED_SHARE] = Field(
        1.0, description="Highest share of time an agent may be busy."
    )
    min_agents: Annotated[int, Field(ge=0, le=MAX_MIN_AGENTS), _CHECKED] = Field(
        0,
        description="Agents on duty in every interval with arrivals of a live channel; "
        "with `hours`, in every open interval of a live or async channel (default 1).",
    )
    patience: Seconds | Literal["observed"] | None = Field(
        None, description="Mean patience in seconds (Erlang A); `observed` estimates it."
    )
    satisfaction: Annotated[float, Field(ge=-1000.0, le=1000.0), _CHECKED] | None = Field(
        None, description="Satisfaction score of the channel; overrides the observed mean."
    )
    hours: Hours = Field(
        None,
        description='Weekly opening hours, e.g. {mon-fri: "08:00-20:00", sat: "closed"}; '
        'default "24/7".',
    )
    after_hours: Literal["next_open", "lost"] = Field(
        "next_open",
        description="Contacts arriving while closed that no rule moves: wait for the next "
        "opening, or are lost.",
    )
    response: Response | None = Field(
        None, description="Async only: share of contacts answered within a time, per backlog."
    )

    @field_validator("hours", "response")
    @classmethod
    def _staffed_modes(cls, value: object, info: ValidationInfo) -> object:
        mode = info.data.get("mode")
        if value is None or mode is None:
            return value
        if info.field_name == "response" and mode != "async":
            raise PydanticCustomError(
                "response_mode", "response targets are for async channels, not {mode}",
                {"mode": mode},
            )
        if info.field_name == "hours" and mode == "self_service":
            raise PydanticCustomError(
                "hours_mode", "a self_service channel has no opening hours (it has no agents)"
            )
        return value

    @model_validator(mode="after")
    def _floor_with_hours(self) -> Channel:
        """With opening hours, at least one agent in every open interval unless set."""
        if self.hours is not None and "min_agents" not in self.model_fields_set:
            self.min_agents = 1
        return self

    @property
    def weekly_hours(self) -> WeeklyHours | None:
        """The compiled opening hours; None for 24/7."""
        return compiled_hours(self.hours)


class Ramp(StrictModel):
    periods: Annotated[int, Field(ge=1, le=1000), _CHECKED] = Field(
        description="Periods until the full share."
    )
    shape: RampShape = "linear"


class Where(StrictModel):
    """Which contacts a rule applies to; each given dimension must match one of its values."""

    segment: NonEmptyList[str] | None = None
    stage: NonEmptyList[str] | None = None
    intent: NonEmptyList[str] | None = None
    step: NonEmptyList[Literal["first", "follow_up"]] | None = None
    hours: NonEmptyList[Literal["open", "closed"]] | None = None

    # A single value may be written without brackets; the JSON Schema says so too.
    @field_validator(
        "segment",
        "stage",
        "intent",
        mode="before",
        json_schema_input_type=str | float | list[str] | None,
    )
    @classmethod
    def _scalar_to_list(cls, value: object) -> object:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return [str(value)]
        return value

    @field_validator(
        "step",
        mode="before",
        json_schema_input_type=Literal["first", "follow_up"]
        | list[Literal["first", "follow_up"]]
        | None,
    )
    @classmethod
    def _step_to_list(cls, value: object) -> object:
        return cls._scalar_to_list(value)

    @field_validator(
        "hours",
        mode="before",
        json_schema_input_type=Literal["open", "closed"] | list[Literal["open", "closed"]] | None,
    )
    @classmethod
    def _hours_to_list(cls, value: object) -> object:
        return cls._scalar_to_list(value)


class Shift(StrictModel):
    """Move a share of one channel's contacts to other channels."""

    name: Name | None = None
    from_: ChannelName = Field(alias="from", description="Channel the contacts come from.")
    where: Where | None = None
    to: dict[ChannelName, Share] = Field(description="Target channel: share of matching contacts.")
    ramp: Ramp | None = None
    containment: Share | Literal["observed"] = Field(
        1.0, description="Share of shifted contacts resolved where they land."
    )
    escalate_to: ChannelName | None = Field(
        None, description="Where unresolved shifted contacts come back as repeats."
    )
    incentive_cost: Cost = Field(0.0, description="Paid per shifted contact.")


def _fallback_form(value: object) -> str:
    """Which form of ``fallback.to`` was written (the tags are pydantic-style, so error
    paths stop at ``to`` as for any other union)."""
    return "dict[str, float]" if isinstance(value, dict) else "str"


FallbackTargets = Annotated[
    Annotated[ChannelName, Tag("str")]
    | Annotated[dict[ChannelName, Share], Tag("dict[str, float]")],
    Discriminator(_fallback_form),
]


class Fallback(StrictModel):
    """Where a retired channel's contacts go: one channel with ``accept``, or shares per
    channel (``{web: 0.5, email: 0.3}``, summing to at most 1); the rest are lost."""

    to: FallbackTargets = Field(
        description="The channel that takes the contacts (with `accept`), or channel: share "
        "of the contacts (shares sum to at most 1; the rest are lost)."
    )
    accept: Share | None = Field(
        None,
        description="With a single `to` channel: share of contacts that move; the rest are lost.",
    )

    @property
    def shares(self) -> dict[str, float]:
        """Target channel → share of the retired channel's remaining contacts it takes."""
        if isinstance(self.to, dict):
            return dict(self.to)
        return {self.to: self.accept if self.accept is not None else 0.0}


class Dilution(StrictModel):
    subscale_agents: Annotated[float, Field(ge=0.0, le=MAX_AGENTS), _CHECKED] = Field(
        3.0, description="A live channel averaging fewer agents than this is sub-scale."
    )


#: `staffing: hold`: above an even chance, up to 999 in 1,000 (beyond that a few outlier
#: intervals would set the whole plan).
HoldProbability = Annotated[float, Field(gt=0.5, le=0.999), _CHECKED_SHARE]


class Staffing(StrictModel):
    interval: Interval = Field(DEFAULT_INTERVAL, description="Staffing interval in minutes.")
    hold: HoldProbability | None = Field(
        None,
        description="Staff each live interval so that it meets its service-level target "
        "with this probability (0.5-0.999) when its arrivals vary like the history's; "
        "default: staff for the expected arrivals.",
    )


class Journeys(StrictModel):
    window_hours: WindowHours = Field(
        DEFAULT_WINDOW_HOURS,
        description="A contact within this many hours of the previous one continues a journey.",
    )


MAX_CURRENCY_CHARS = 4


def currency_label(value: object) -> object:
    """Pydantic before-validator of ``currency:``: a short label of letters and currency
    signs (``€``, ``$``, ``EUR``, ``CHF``, ``kr``); it only labels money in tables."""
    if value is None or not isinstance(value, str):
        return value
    if any(not (unicodedata.category(char).startswith("L") or unicodedata.category(char) == "Sc")
           for char in value):
        raise PydanticCustomError(
            "currency_label",
            "a currency is a short label of letters or currency signs, such as € or EUR",
        )
    return value


class Strategy(StrictModel):
    """A channel strategy: the catalog, what is offered, and how contacts are moved."""

    version: Annotated[Literal[1], _CHECKED] = 1
    name: Name
    kind: Kind
    description: Description | None = None
    currency: Annotated[
        str | None,
        Field(min_length=1, max_length=MAX_CURRENCY_CHARS),
        BeforeValidator(currency_label),
    ] = Field(
        None,
        description="Label of money in tables (€, $, EUR, CHF...); default none. It only "
        "labels: nothing is converted.",
    )
    extends: str | None = Field(None, description="Base strategy file, relative to this one.")
    period: Period = DEFAULT_PERIOD
    channels: dict[ChannelName, Channel] = Field(min_length=1)
    offer: NonEmptyList[ChannelName] | None = Field(
        None, description="Channels offered; default: every catalog channel."
    )
    shifts: list[Shift] = Field(default_factory=list)
    fallback: dict[ChannelName, Fallback] = Field(default_factory=dict)
    guards: list[str] = Field(default_factory=list)
    dilution: Dilution = Field(default_factory=Dilution)
    staffing: Staffing = Field(default_factory=Staffing)
    journeys: Journeys = Field(default_factory=Journeys)
    uncertainty: dict[str, Range] = Field(
        default_factory=dict,
        description="What is uncertain: a numeric key path as --set takes it "
        "(`shifts.0.containment`), or `volume` (a factor on all demand), mapped to "
        "{low, high} (uniform), {low, mode, high} (triangular) or {mean, sd} (normal).",
    )

    _file: str | None = PrivateAttr(default=None)
    _files: tuple[str, ...] = PrivateAttr(default=())
    _positions: dict[PathKey, Position] = PrivateAttr(default_factory=dict)

    @property
    def file(self) -> str | None:
        return self._file

    @property
    def files(self) -> tuple[str, ...]:
        """The file this strategy was loaded from and every file it extends."""
        return self._files

    def origin(self, *path: str | int) -> str | None:
        """Where the value at ``path`` was written: this strategy's file, a file it extends,
        or ``--set KEY=VALUE``; None when the value is a default."""
        position = self._positions.get(path)
        return position.file if position is not None else None

    @property
    def positions(self) -> Mapping[PathKey, Position]:
        """Where each key path is written: file, line, column (not part of the JSON)."""
        return self._positions

    def position(self, path: PathKey) -> Position:
        """Where the value at ``path`` is written (the file that set it, through
        ``extends``), for an error about it; see :func:`cx.models.source.written_at`."""
        return written_at(self._positions, path, self._file)

    @property
    def offered(self) -> list[str]:
        return list(self.offer) if self.offer is not None else list(self.channels)
