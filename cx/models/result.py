"""Result models: the stable, versioned JSON of DESIGN §8 (`schema_version` 1)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from cx.errors import UsageError, unknown_channel
from cx.models.glossary import describe_fields

SCHEMA_VERSION = 1


class ResultModel(BaseModel):
    # A metric's description in the JSON Schema comes from the glossary.
    model_config = ConfigDict(extra="forbid", json_schema_extra=describe_fields)


class RunModel(ResultModel):
    """The top of a JSON document of the command line: it carries the run's ``caveats``
    (:mod:`cx.caveats`) where the command line gave them, absent where they are None
    (as in what the API returns)."""

    @model_serializer(mode="wrap")
    def _caveats_only_when_given(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("caveats", []) is None:
            data.pop("caveats")
        return data


class StrategyInfo(ResultModel):
    name: str
    kind: str
    file: str | None
    currency: str | None = None

    @model_serializer(mode="wrap")
    def _currency_only_when_set(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("currency") is None:
            data.pop("currency", None)
        return data


class DataInfo(ResultModel):
    file: str
    rows_read: int
    rows_used: int
    rows_rejected: int
    rows_dropped: int = 0
    time_of_day: bool = True
    customers: int
    periods: list[str]
    channels_observed: list[str]
    journeys: int | None = Field(None, description="Observed journeys (§10); null unless asked.")
    contacts_per_journey: float | None = None
    hop_rate: float | None = None
    multichannel_journey_share: float | None = None
    resolution_source: str | None = None


class Band(ResultModel):
    """The 5th, 50th and 95th percentile of a figure over the draws (§12)."""

    p5: float
    p50: float
    p95: float


class Bands(ResultModel):
    """What the figures can be, given the strategy's `uncertainty:` ranges (§12)."""

    cost: Band
    cost_delta: Band
    coverage: Band
    agent_hours: Band
    p_saving: float
    #: Draws that cost what today does are in neither share.
    p_costing_more: float
    #: How many draws the bands are over (``--samples``).
    draws: int

    def saving_in(self) -> tuple[int, int]:
        """(k, n): the strategy costs less than today in k of n draws, said per 100
        draws when there are at least 100, else as counted (1 of 1, 7 of 10)."""
        return self._in(self.p_saving)

    def costing_more_in(self) -> tuple[int, int]:
        """(k, n): the strategy costs more than today in k of n draws, counted as
        :meth:`saving_in` counts."""
        return self._in(self.p_costing_more)

    def _in(self, share: float) -> tuple[int, int]:
        out_of = 100 if self.draws >= 100 else self.draws
        count = round(share * out_of)
        # Per 100, 4 draws in 1000 are not none of them, nor 996 all of them.
        if 0 < share < 1:
            count = min(max(count, 1), out_of - 1)
        return count, out_of


class TotalBands(Bands):
    """The bands of the totals: with each draw's cost against today as a share of
    today's cost at that draw, which the volume and the prices a draw sets move too."""

    #: None when today costs nothing at some draw: that draw's share is undefined.
    cost_delta_pct: Band | None



def _without_absent_bands(data: Any) -> Any:
    """Results of strategies without `uncertainty:` print as they always have."""
    if isinstance(data, dict) and data.get("bands", 0) is None:
        data.pop("bands")
    return data


class Totals(ResultModel):
    demand: float
    handled: float
    lost: float
    repeats: float
    coverage: float
    preferred_coverage: float
    customer_coverage: float | None
    cost: float
    cost_per_contact: float | None
    cost_per_year: float
    baseline_cost: float
    cost_delta: float
    agent_hours: float
    effective_channels: float
    pooling_overhead: float
    floor_waste: float
    replay_intervals_meeting_target: float | None = None
    journeys: float | None = None
    contacts_per_journey: float | None = None
    cost_per_journey: float | None = None
    satisfaction: float | None = None
    satisfaction_delta: float | None = None
    bands: TotalBands | None = None

    @model_serializer(mode="wrap")
    def _bands_only_when_drawn(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_absent_bands(handler(self))


class ReplayInterval(ResultModel):
    """One staffed interval of a live channel, replayed (`--replay`)."""

    interval_start: str
    arrivals: int
    agents: int
    service_level: float = Field(
        description="Replayed: share of the interval's arrivals answered within `within`."
    )
    plan_service_level: float | None
    mean_wait: float
    abandoned: int


class ReplayResult(ResultModel):
    """A live channel's plan replayed on the real contacts (`--replay`, §6b)."""

    service_level: float | None = Field(
        description="Share of the replayed contacts answered within `within` (abandoned "
        "ones count as not answered)."
    )
    intervals_meeting_target: float | None
    asa: float | None = None
    mean_wait: float | None
    abandon_rate: float | None = Field(description="Share of contacts that abandoned.")
    fit_agent_hours: float | None = None
    contacts: int = 0
    fit_service_level: float | None = None
    worst_intervals: list[ReplayInterval] = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _fit_only_when_fitted(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("fit_agent_hours") is None:
            data.pop("fit_agent_hours", None)
            data.pop("fit_service_level", None)
        return data


class ChannelResult(ResultModel):
    channel: str
    mode: str
    offered: bool
    demand: float
    abandoned_before_queue: int = 0
    stayed: float
    shifted_out: float
    shifted_in: float
    repeats_in: float
    lost: float
    handled: float
    workload_hours: float | None
    agent_hours: float
    occupancy: float | None
    service_level: float | None = None
    average_wait: float | None = None
    abandon_rate: float | None = None
    volume_share: float
    subscale: bool
    variable_cost: float
    labour_cost: float
    fixed_cost: float
    incentive_cost: float
    cost: float
    replay: ReplayResult | None = None
    resolution_rate: float | None = Field(
        None, description="Observed share of resolved contacts (§10); null unless asked."
    )
    satisfaction: float | None = Field(
        None, description="The catalog's satisfaction, else the observed mean, else null."
    )
    open_hours: float | None = Field(
        None, description="Channels with `hours`: hours open within the data's span."
    )
    after_hours: float | None = Field(
        None, description="Channels with `hours`: contacts that arrived while it was closed."
    )
    response_level: float | None = Field(
        None, description="Async `response` target: share of contacts answered within it."
    )
    backlog_peak: float | None = Field(
        None, description="Async `response` target: most contacts waiting at an interval end."
    )
    hold: float | None = Field(
        None,
        description="Live channels under `staffing: {hold: P}`: P, the probability with "
        "which each interval was staffed to meet its target; with --replay, compare it "
        "with replay.intervals_meeting_target. Left out without `hold`.",
    )
    bands: Bands | None = None

    @model_serializer(mode="wrap")
    def _hours_only_when_set(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Channels open 24/7 without a response target print as they always have."""
        data = handler(self)
        if isinstance(data, dict):
            for key in (*HOURS_FIELDS, "hold"):
                if data.get(key, 0) is None:
                    data.pop(key)
        return _without_absent_bands(data)


HOURS_FIELDS = ("open_hours", "after_hours", "response_level", "backlog_peak")


class PeriodResult(ResultModel):
    period: str
    demand: float
    handled: float
    lost: float
    cost: float
    coverage: float
    days: int
    partial: bool


class GuardResult(ResultModel):
    expr: str
    value: float | None
    ok: bool


class Result(RunModel):
    """Everything one strategy replay produces."""

    schema_version: int = SCHEMA_VERSION
    strategy: StrategyInfo
    data: DataInfo
    totals: Totals
    channels: list[ChannelResult]
    periods: list[PeriodResult]
    guards: list[GuardResult] = Field(default_factory=list)
    caveats: list[str] | None = None

    def channel(self, name: str) -> ChannelResult:
        for item in self.channels:
            if item.channel == name:
                return item
        raise unknown_channel(name, [item.channel for item in self.channels])

    @property
    def guards_ok(self) -> bool:
        return all(guard.ok for guard in self.guards)


class Comparison(RunModel):
    schema_version: int = SCHEMA_VERSION
    results: list[Result]
    caveats: list[str] | None = None


class KeySensitivity(ResultModel):
    """One uncertain key alone at its low and its high, the others at base (§12)."""

    key: str
    low: float
    high: float
    at_low: float
    at_high: float
    swing: float


class Sensitivity(RunModel):
    """`cx sensitivity`: the uncertain keys ranked by how far they move one metric."""

    schema_version: int = SCHEMA_VERSION
    metric: str
    base: float
    keys: list[KeySensitivity]
    caveats: list[str] | None = None


#: The name of the strategy a sweep evaluates (not the `strategy` object of a result).
_SWEPT_STRATEGY = "The name of the strategy swept."


class SweepStep(ResultModel):
    value: float | int | str = Field(description="The swept key's value at this step.")
    result: Result


class SweepResult(RunModel):
    schema_version: int = SCHEMA_VERSION
    strategy: str = Field(description=_SWEPT_STRATEGY)
    key: str
    steps: list[SweepStep]
    caveats: list[str] | None = None

    @property
    def swept_keys(self) -> list[str]:
        return [self.key]

    def points(self) -> list[tuple[list[float | int | str], Result]]:
        """Each step's values (one per swept key) and its result, as for a grid."""
        return [([step.value], step.result) for step in self.steps]


SweepValue = float | int | str


class GridStep(ResultModel):
    """One point of a two-key sweep: each key's value, and the strategy evaluated there."""

    values: dict[str, SweepValue] = Field(
        description="Each swept key (a `--set` path) and its value at this point."
    )
    result: Result


class SweepGrid(RunModel):
    """`cx sweep` over two keys: the strategy at every pair of their values, the steps
    row by row (the first key's first value with each of the second key's values, ...)."""

    schema_version: int = SCHEMA_VERSION
    strategy: str = Field(description=_SWEPT_STRATEGY)
    keys: list[str] = Field(
        min_length=2, max_length=2, description="The two swept keys: rows, then columns."
    )
    steps: list[GridStep]
    caveats: list[str] | None = None

    @property
    def swept_keys(self) -> list[str]:
        return list(self.keys)

    def points(self) -> list[tuple[list[SweepValue], Result]]:
        """Each point's values (in the order of ``keys``) and its result."""
        return [([step.values[key] for key in self.keys], step.result) for step in self.steps]

    def axis(self, index: int) -> list[SweepValue]:
        """The values of ``keys[index]`` in the order they were swept (0: rows, 1: columns)."""
        if type(index) is not int or index not in (0, 1):
            raise UsageError(
                f"axis takes 0 or 1, not {index!r}",
                hint=f"0: the values of {self.keys[0]} (rows), 1: those of {self.keys[1]} "
                "(columns)",
            )
        key, seen = self.keys[index], []
        for step in self.steps:
            if step.values[key] not in seen:
                seen.append(step.values[key])
        return seen

    def grid(self) -> list[list[Result]]:
        """The results as rows (the first key's values) of columns (the second's)."""
        first, second = self.keys
        at = {(step.values[first], step.values[second]): step.result for step in self.steps}
        return [[at[row, column] for column in self.axis(1)] for row in self.axis(0)]


#: The figures of the totals, one number each (the bands are not one).
TOTAL_FIGURES = tuple(name for name in Totals.model_fields if name != "bands")
GUARD_TOTAL_METRICS = tuple(
    name
    for name, field in Totals.model_fields.items()
    if field.annotation is not bool and name != "bands"
)
#: The guard metrics that are shares of a whole, fractions shown as percentages: the
#: only ones a guard may write with `%` (`coverage >= 95%` is 0.95; `cost_delta < -5%`
#: would be 5 hundredths of a currency unit, not 5 % of today's cost).
SHARE_METRICS = frozenset(
    {
        "coverage",
        "preferred_coverage",
        "customer_coverage",
        "pooling_overhead",
        "floor_waste",
        "replay_intervals_meeting_target",
        "occupancy",
        "service_level",
        "abandon_rate",
        "volume_share",
        "resolution_rate",
        "response_level",
    }
)
GUARD_CHANNEL_METRICS = tuple(
    name
    for name, field in ChannelResult.model_fields.items()
    if name not in {"channel", "mode", "replay", "hold", "bands"}
)
#: The guard metrics that are money (every cost, `cost_delta` among them): their values
#: carry the strategy's currency label wherever money does.
MONEY_METRICS = frozenset(
    name for name in (*GUARD_TOTAL_METRICS, *GUARD_CHANNEL_METRICS) if "cost" in name
)
