"""The profile of an interaction file (`cx inspect`): stable, versioned JSON.

Everything here is observed in the data, nothing is assumed: channel volumes,
who uses which channel for what, how customers move between channels, and how
often a contact is followed by another one soon after (the observed repeat
rate, whose complement is a containment estimate a strategy can use).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cx.errors import unknown_channel

INSPECT_SCHEMA_VERSION = 1


class InspectModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InspectData(InspectModel):
    file: str
    rows_read: int
    rows_used: int
    rows_rejected: int
    rows_dropped: int = Field(0, description="Rows the mapping's `drop:` left out.")
    customers: int = Field(description="Identified customers (anonymous ids left out).")
    anonymous_contacts: int
    first_timestamp: str | None
    last_timestamp: str | None
    period: str
    periods: list[str]
    channels_observed: list[str]
    columns: list[str] = Field(description="Canonical columns present in the file.")


class ChannelProfile(InspectModel):
    channel: str
    contacts: int
    share: float
    customers: int = Field(description="Distinct identified customers with a contact here.")
    handle_time: float | None = Field(
        description="Mean observed handle time of served contacts (abandoned ones left "
        "out), seconds."
    )
    repeat_24h: float | None = Field(
        description="Share of contacts followed by another contact of the same customer "
        "(any channel) within 24 hours; contacts in the last 24 hours of the data are "
        "left out (their future is not observed)."
    )
    repeat_7d: float | None = Field(
        description="Share of contacts followed by another contact of the same customer "
        "within 7 days: repeat_24h plus, of the rest, the share back later within 7 days, "
        "counted on the contacts at least 7 days before the end of the data (never below "
        "repeat_24h)."
    )
    containment_24h: float | None = Field(description="1 − repeat_24h (optimistic estimate).")
    containment_7d: float | None = Field(description="1 − repeat_7d (conservative estimate).")
    journeys_started: int
    first_share: float = Field(description="Share of all journeys that start on this channel.")
    journeys_ended: int
    last_share: float = Field(description="Share of all journeys that end on this channel.")
    resolution_rate: float | None
    resolution_source: str | None = Field(
        description="'resolved' (the column) or 'journey_end' (proxy: the share of identified "
        "customers' contacts that end their journey)."
    )
    satisfaction: float | None = Field(description="Mean observed score, if any.")


class PeriodVolume(InspectModel):
    period: str
    channel: str
    contacts: int


class MixRow(InspectModel):
    """Channel shares within one value of segment, stage or intent."""

    dimension: str
    value: str
    contacts: int
    journeys: int = Field(description="Journeys whose first contact has this value.")
    contact_shares: dict[str, float] = Field(description="Channel shares of all contacts.")
    first_contact_shares: dict[str, float] = Field(
        description="Channel shares of journeys' first contacts: where customers choose to start."
    )


class ChannelsPerCustomer(InspectModel):
    channels: int
    customers: int
    share: float


class CustomerProfile(InspectModel):
    customers: int
    contacts_per_customer: float
    channels_per_customer: float
    multichannel_share: float = Field(description="Share of customers who used 2+ channels.")
    distribution: list[ChannelsPerCustomer]
    largest_customer: str | None
    largest_customer_contacts: int


class SwitchCell(InspectModel):
    previous: str
    next: str
    pairs: int = Field(description="Consecutive contacts of one customer: previous → next.")
    within_journey: int = Field(description="Of those, the ones within the journey window.")


class SwitchingProfile(InspectModel):
    pairs: int
    switches: int = Field(description="Pairs whose next contact is on another channel.")
    switch_rate: float | None
    matrix: list[SwitchCell]


class JourneyProfile(InspectModel):
    window_hours: float
    journeys: int
    contacts_per_journey: float
    follow_ups: int
    hops: int
    hop_rate: float | None = Field(description="hops / follow-ups (DESIGN §10).")
    multichannel_journey_share: float


class InspectResult(InspectModel):
    schema_version: int = INSPECT_SCHEMA_VERSION
    data: InspectData
    channels: list[ChannelProfile]
    periods: list[PeriodVolume]
    mix: list[MixRow]
    customers: CustomerProfile
    switching: SwitchingProfile
    journeys: JourneyProfile
    notes: list[str] = Field(default_factory=list, description="How to read the figures.")
    warnings: list[str] = Field(default_factory=list, description="Things that look wrong.")

    def channel(self, name: str) -> ChannelProfile:
        for item in self.channels:
            if item.channel == name:
                return item
        raise unknown_channel(name, [item.channel for item in self.channels])

    def mix_for(self, dimension: str) -> list[MixRow]:
        return [row for row in self.mix if row.dimension == dimension]

    def switch_shares(self, within_journey: bool = False) -> dict[str, dict[str, float]]:
        """P(next channel | previous channel) from the switching matrix."""
        counts: dict[str, dict[str, int]] = {}
        for cell in self.switching.matrix:
            value = cell.within_journey if within_journey else cell.pairs
            counts.setdefault(cell.previous, {})[cell.next] = value
        shares = {}
        for previous, row in counts.items():
            total = sum(row.values())
            shares[previous] = {k: v / total for k, v in row.items()} if total else {}
        return shares
