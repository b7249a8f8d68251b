"""`cx inspect` output: sections (→ rich tables and markdown) and a tidy CSV.

Table and markdown are drawn from the same :class:`Section` list, so they always
show the same figures; CSV and JSON carry the unformatted numbers.
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType

from cx.models.inspect import InspectResult
from cx.models.vocabulary import counted
from cx.render.formats import csv_text
from cx.render.numbers import proportion
from cx.render.sections import Section, count, number
from cx.render.views import sections_markdown, sections_renderable

DIMENSION_TITLES = {"segment": "Segment", "stage": "Journey stage", "intent": "Intent"}


def _channels(result: InspectResult) -> list[str]:
    """Channels by volume, largest first (the column order of every matrix)."""
    return [c.channel for c in result.channels]


def overview_section(result: InspectResult) -> Section:
    data, customers, journeys = result.data, result.customers, result.journeys
    periods = data.periods
    span = f"{periods[0]} … {periods[-1]}" if len(periods) > 1 else (periods[0] if periods else "")
    window = f"{journeys.window_hours:g} h"

    def per_customer(value: float) -> float | None:
        return value if customers.customers else None  # none identified: nothing to divide

    rows = [
        ["File", data.file],
        [
            "Rows used",
            f"{data.rows_used:,} of {data.rows_read:,} ({data.rows_rejected:,} rejected)",
        ],
        ["Customers", f"{data.customers:,}"],
        ["Anonymous contacts", f"{data.anonymous_contacts:,}"],
        ["First contact", data.first_timestamp or "–"],
        ["Last contact", data.last_timestamp or "–"],
        ["Periods", f"{len(periods)} × {data.period}: {span}"],
        ["Channels", str(len(data.channels_observed))],
        ["Contacts per customer", number(per_customer(customers.contacts_per_customer))],
        ["Channels per customer", number(per_customer(customers.channels_per_customer))],
        ["Multichannel customers", proportion(per_customer(customers.multichannel_share))],
        [f"Journeys ({window} window)", f"{journeys.journeys:,}"],
        ["Contacts per journey", number(journeys.contacts_per_journey)],
        ["Hop rate (follow-ups on another channel)", proportion(journeys.hop_rate)],
        ["Multichannel journeys", proportion(journeys.multichannel_journey_share)],
    ]
    note = " ".join(f"Warning: {w}." for w in result.warnings) or None
    return Section(title="Data", header=["", "Value"], rows=rows, note=note)


def channels_section(result: InspectResult) -> Section:
    rows = [
        [
            c.channel,
            f"{c.contacts:,}",
            proportion(c.share),
            f"{c.customers:,}",
            count(c.handle_time),
            proportion(c.resolution_rate),
            number(c.satisfaction),
            proportion(c.first_share),
            proportion(c.last_share),
        ]
        for c in result.channels
    ]
    proxy = any(c.resolution_source == "journey_end" for c in result.channels)
    note = "Starts / Ends: share of all journeys whose first / last contact is on the channel."
    if proxy:
        note += " Resolved is a proxy (no resolved column): contacts that end their journey."
    return Section(
        title="Channels",
        header=[
            "Channel",
            "Contacts",
            "Share",
            "Customers",
            "AHT s",
            "Resolved",
            "CSAT",
            "Starts",
            "Ends",
        ],
        rows=rows,
        note=note,
    )


def containment_section(result: InspectResult) -> Section:
    rows = [
        [
            c.channel,
            proportion(c.repeat_24h),
            proportion(c.repeat_7d),
            proportion(c.containment_7d, 0) + " – " + proportion(c.containment_24h, 0)
            if c.containment_7d is not None and c.containment_24h is not None
            else "–",
        ]
        for c in result.channels
    ]
    note = result.notes[0] if result.notes else ""
    unobserved = [c.channel for c in result.channels if c.repeat_7d is None]
    if unobserved:  # a dash with no reason reads as a figure cx failed to compute
        note += (
            f" – ({', '.join(unobserved)}): no contact followed for the whole window before "
            "the data ends (those of its last 24 h or 7 d are left out), so no repeat rate "
            "is observed."
        )
    return Section(
        title="Repeat contacts and observed containment",
        header=["Channel", "Repeat ≤ 24 h", "Repeat ≤ 7 d", "Containment (7 d – 24 h)"],
        rows=rows,
        note=note.strip() or None,
    )


def periods_section(result: InspectResult) -> Section:
    channels = _channels(result)
    table: dict[str, dict[str, int]] = {}
    for item in result.periods:
        table.setdefault(item.period, {})[item.channel] = item.contacts
    rows = [
        [period, *(f"{values.get(c, 0):,}" for c in channels), f"{sum(values.values()):,}"]
        for period, values in table.items()
    ]
    return Section(
        title="Contacts per period and channel",
        header=["Period", *channels, "Total"],
        rows=rows,
    )


def mix_section(result: InspectResult, dimension: str) -> Section | None:
    rows_of = result.mix_for(dimension)
    if not rows_of:
        return None
    channels = _channels(result)
    rows = [
        [
            row.value,
            f"{row.journeys:,}",
            *(proportion(row.first_contact_shares[c]) for c in channels),
        ]
        for row in sorted(rows_of, key=lambda r: -r.journeys)
    ]
    return Section(
        title=f"Channel preference by {DIMENSION_TITLES[dimension].lower()}",
        header=[DIMENSION_TITLES[dimension], "Journeys", *channels],
        rows=rows,
        note="Where customers start a journey: channel shares of journeys' first contacts "
        "(JSON and CSV also give the mix of all contacts).",
    )


def _channels_used(result: InspectResult) -> list[str]:
    """The labels of the channels-per-customer rows: the last one open (``4+``)."""
    counts = [d.channels for d in result.customers.distribution]
    return [f"{n}+" if n == counts[-1] else str(n) for n in counts]


def customers_section(result: InspectResult) -> Section:
    customers = result.customers
    identified = customers.customers > 0
    note = (
        f"{proportion(customers.multichannel_share)} of customers used more than one channel."
        if identified
        else "No identified customer: every contact is anonymous."
    )
    return Section(
        title="Channels per customer",
        header=["Channels used", "Customers", "Share"],
        rows=[
            [used, f"{d.customers:,}", proportion(d.share if identified else None)]
            for used, d in zip(_channels_used(result), customers.distribution, strict=True)
        ],
        note=note,
    )


def switching_section(result: InspectResult) -> Section:
    channels = _channels(result)
    shares = result.switch_shares()
    pairs: dict[str, int] = {}
    within = 0
    for cell in result.switching.matrix:
        pairs[cell.previous] = pairs.get(cell.previous, 0) + cell.pairs
        within += cell.within_journey
    rows = [
        [
            previous,
            *(proportion(shares.get(previous, {}).get(c), 0) for c in channels),
            f"{pairs.get(previous, 0):,}",
        ]
        for previous in channels
    ]
    total = result.switching.pairs
    window = f"{result.journeys.window_hours:g} h"
    note = (
        "Rows: the channel of a contact; columns: the channel of the same customer's next "
        "contact"
    )
    if total:
        note += (
            f" ({counted(total, 'consecutive pair')}, {proportion(within / total)} within the "
            f"{window} journey window). {proportion(result.switching.switch_rate)} of next "
            "contacts are on another channel."
        )
    else:
        note += ". No identified customer has a second contact: there is no pair to read."
    return Section(
        title="Channel switching: where a customer's next contact goes",
        header=["From \\ to", *channels, "Pairs"],
        rows=rows,
        note=note,
    )


def inspect_sections(result: InspectResult) -> list[Section]:
    sections: list[Section | None] = [
        overview_section(result),
        channels_section(result),
        containment_section(result),
        periods_section(result),
        mix_section(result, "segment"),
        mix_section(result, "stage"),
        mix_section(result, "intent"),
        customers_section(result),
        switching_section(result),
    ]
    return [s for s in sections if s is not None]


def inspect_renderable(result: InspectResult) -> RenderableType:
    return sections_renderable(inspect_sections(result))


def inspect_markdown(result: InspectResult) -> str:
    return sections_markdown(f"cx inspect: {result.data.file}", inspect_sections(result))


def inspect_csv(result: InspectResult) -> str:
    """A tidy table: ``table,row,column,value`` with unformatted numbers."""
    return csv_text(("table", "row", "column", "value"), inspect_rows(result))


def inspect_rows(result: InspectResult) -> list[tuple[str, str, str, Any]]:
    """Every figure of ``result`` as (table, row, column, value), values unformatted."""
    rows: list[tuple[str, str, str, Any]] = []
    data = result.data.model_dump()
    counts = ("rows_read", "rows_used", "rows_rejected", "rows_dropped")
    for key in (*counts, "customers", "anonymous_contacts"):
        rows.append(("data", key, "", data[key]))
    rows.append(("data", "first_timestamp", "", result.data.first_timestamp))
    rows.append(("data", "last_timestamp", "", result.data.last_timestamp))
    for key, value in result.customers.model_dump(exclude={"distribution"}).items():
        rows.append(("customers", key, "", value))
    for used, item in zip(_channels_used(result), result.customers.distribution, strict=True):
        rows.append(("channels_per_customer", used, "customers", item.customers))
        rows.append(("channels_per_customer", used, "share", item.share))
    for key, value in result.journeys.model_dump().items():
        rows.append(("journeys", key, "", value))
    for channel in result.channels:
        for key, value in channel.model_dump(exclude={"channel"}).items():
            rows.append(("channels", channel.channel, key, value))
    for item in result.periods:
        rows.append(("periods", item.period, item.channel, item.contacts))
    for mix in result.mix:
        for name, value in mix.first_contact_shares.items():
            rows.append((f"preference_by_{mix.dimension}", mix.value, name, value))
        for name, value in mix.contact_shares.items():
            rows.append((f"contact_mix_by_{mix.dimension}", mix.value, name, value))
    for cell in result.switching.matrix:
        rows.append(("switching_pairs", cell.previous, cell.next, cell.pairs))
        rows.append(("switching_within_journey", cell.previous, cell.next, cell.within_journey))
    return rows
