"""Strategy file models (DESIGN §4). The JSON Schema of strategy files comes from here."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
)
from pydantic_core import PydanticCustomError

from cx.models.numbers import MAX_AGENTS, MAX_WINDOW_HOURS, foreign_character

# Every number of a strategy is finite and a number (not `true`, not "0.5" in quotes);
# the bounds say what a real contact centre can be (README, "What cx guarantees").


def finite_number(value: object) -> object:
    """Pydantic before-validator of every numeric strategy field.

    Refuses booleans (``true`` is not 1.0), text (``"0.5"`` in quotes is not a share),
    NaN and infinity, with a message that says which; numbers pass on to the bounds.
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
            "number_is_text", "text is not a number; write the number without quotes"
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError(
            "number_not_finite", "a finite number is needed, not NaN or infinity"
        )
    if isinstance(value, int) and abs(value) > 10**18:
        raise PydanticCustomError("number_too_large", "number is far too large")
    return value


# (The check comes after the bounds so that they still show in the JSON Schema.)
_CHECKED = BeforeValidator(finite_number)
Share = Annotated[float, Field(ge=0.0, le=1.0), _CHECKED]
MAX_COST = 1e7  # per agent-hour, per contact
MAX_FIXED_COST = 1e10  # per calendar period
MIN_SECONDS = 1.0  # handle time, patience: a second (1e-300 s breaks the arithmetic)
MAX_SECONDS = 86_400.0  # handle time, patience: one day
MAX_WITHIN = 30 * 86_400.0  # service level window: async channels answer within days
MAX_MIN_AGENTS = 10_000
Cost = Annotated[float, Field(ge=0.0, le=MAX_COST), _CHECKED]
Seconds = Annotated[float, Field(ge=MIN_SECONDS, le=MAX_SECONDS), _CHECKED]
ChannelName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")]

Mode = Literal["live", "async", "self_service"]
Period = Literal["week", "month", "quarter"]
RampShape = Literal["linear", "s_curve", "step"]
Kind = Literal["follow", "push"]

WHERE_DIMENSIONS = ("segment", "stage", "intent", "step")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


class ServiceLevel(StrictModel):
    """Share of contacts answered within ``within`` seconds."""

    target: Annotated[float, Field(gt=0.0, lt=1.0), _CHECKED] = Field(
        0.8, description="Share of contacts to answer within `within` seconds (0-1)."
    )
    within: Annotated[float, Field(ge=0.0, le=MAX_WITHIN), _CHECKED] = Field(
        20.0, description="Seconds."
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
    shrinkage: Annotated[float, Field(ge=0.0, le=0.95), _CHECKED] = Field(
        0.0, description="Share of paid time agents are not available (breaks, training)."
    )
    service_level: ServiceLevel | None = Field(
        None, description="Target for live channels; default 80% within 20 s."
    )
    max_occupancy: Annotated[float, Field(ge=0.05, le=1.0), _CHECKED] = Field(
        1.0, description="Highest share of time an agent may be busy."
    )
    min_agents: Annotated[int, Field(ge=0, le=MAX_MIN_AGENTS), _CHECKED] = Field(
        0, description="Agents on duty in every interval with arrivals."
    )
    patience: Seconds | Literal["observed"] | None = Field(
        None, description="Mean patience in seconds (Erlang A); `observed` estimates it."
    )
    satisfaction: Annotated[float, Field(ge=-1000.0, le=1000.0), _CHECKED] | None = Field(
        None, description="Satisfaction score of the channel; overrides the observed mean."
    )


class Ramp(StrictModel):
    periods: Annotated[int, Field(ge=1, le=1000), _CHECKED] = Field(
        description="Periods until the full share."
    )
    shape: RampShape = "linear"


class Where(StrictModel):
    """Which contacts a rule applies to; each given dimension must match one of its values."""

    segment: list[str] | None = None
    stage: list[str] | None = None
    intent: list[str] | None = None
    step: list[Literal["first", "follow_up"]] | None = None

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


class Shift(StrictModel):
    """Move a share of one channel's contacts to other channels."""

    name: str | None = None
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


class Staffing(StrictModel):
    interval: Literal[15, 30, 60] = Field(60, description="Staffing interval in minutes.")


class Journeys(StrictModel):
    window_hours: Annotated[float, Field(ge=0.0, le=MAX_WINDOW_HOURS), _CHECKED] = Field(
        72.0,
        description="A contact within this many hours of the previous one continues a journey.",
    )


class Strategy(StrictModel):
    """A channel strategy: the catalog, what is offered, and how contacts are moved."""

    version: Annotated[Literal[1], _CHECKED] = 1
    name: str
    kind: Kind
    description: str | None = None
    extends: str | None = Field(None, description="Base strategy file, relative to this one.")
    period: Period = "month"
    channels: dict[ChannelName, Channel] = Field(min_length=1)
    offer: list[ChannelName] | None = Field(
        None, description="Channels offered; default: every catalog channel."
    )
    shifts: list[Shift] = Field(default_factory=list)
    fallback: dict[ChannelName, Fallback] = Field(default_factory=dict)
    guards: list[str] = Field(default_factory=list)
    dilution: Dilution = Field(default_factory=Dilution)
    staffing: Staffing = Field(default_factory=Staffing)
    journeys: Journeys = Field(default_factory=Journeys)

    _file: str | None = PrivateAttr(default=None)
    _files: tuple[str, ...] = PrivateAttr(default=())
    _origins: dict[tuple[str | int, ...], str] = PrivateAttr(default_factory=dict)

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
        return self._origins.get(path)

    @property
    def offered(self) -> list[str]:
        return list(self.offer) if self.offer is not None else list(self.channels)
