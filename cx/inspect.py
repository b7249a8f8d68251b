"""Profile an interaction file (`cx inspect`, DESIGN §7 last point and §10).

The cube already holds volumes per period, channel, segment, stage and intent.
What needs single contacts — journeys, channel switching, repeat contacts,
channels per customer — comes from one lazy Polars pass over the parsed rows:
sorted by (customer, timestamp, data order), each contact is compared with the
same customer's previous and next contact by ``shift`` (window expressions, no
Python loop over rows). Anonymous customers (the mapping's ``anonymous_ids``)
count as contacts and as single-contact journeys, but never as customers,
switches or repeats.

The repeat rate of a channel is the share of its contacts that the same customer
follows with another contact (on any channel) within 24 hours or 7 days. Its
complement is an observed **containment** estimate: the share of contacts that
did not come back. The 7-day figure is conservative (an unrelated later contact
also counts as a repeat), the 24-hour one optimistic (a slow call-back is
missed). Contacts closer to the end of the data than the window are left out of
the rate, because whether they were repeated is not observed.

The two rates are one product-limit estimate, so the 7-day one is never below the
24-hour one (the range of containment never reverses): the 7-day rate adds to the
24-hour rate the share of the rest that come back between 24 hours and 7 days,
measured on the contacts followed for 7 days that did not come back within 24
hours. Measured apart, on contacts followed for 24 hours and for 7 days, the two
samples differ on a short history, and the 7-day rate could read lower.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from cx.data.cube import Cube
from cx.data.fine import served_handle
from cx.data.journeys import (
    PROFILE_COLUMNS,
    Contacts,
    as_text,
    check_window,
    journey_flags,
    outcome_queries,
    outcomes_from,
    read_contacts,
)
from cx.data.periods import label
from cx.errors import DataError
from cx.models.inspect import (
    ChannelProfile,
    ChannelsPerCustomer,
    CustomerProfile,
    InspectData,
    InspectResult,
    JourneyProfile,
    MixRow,
    PeriodVolume,
    SwitchCell,
    SwitchingProfile,
)
from cx.models.mapping import DIMENSION_COLUMNS, Mapping
from cx.models.progress import SILENT, Progress
from cx.models.vocabulary import DEFAULT_WINDOW_HOURS

REPEAT_WINDOWS = {"24h": 24 * 3600, "7d": 7 * 24 * 3600}
CHANNELS_PER_CUSTOMER_CAP = 4  # "4+" in the distribution
LARGEST_CUSTOMER_SHARE = 0.01  # a customer with this share of rows looks like an anonymous id
LARGEST_CUSTOMER_CONTACTS = 50

CONTAINMENT_NOTE = (
    "Observed containment = 1 − repeat rate: the share of a channel's contacts that the same "
    "customer did not follow with another contact (on any channel) within 24 h / 7 d. Use it as "
    "a shift rule's `containment:` for that target channel instead of a guess: the 7-day figure "
    "is conservative, the 24-hour one optimistic."
)


def _enrich(contacts: Contacts, window_hours: float, last: datetime) -> pl.LazyFrame:
    """Each contact with its journey flags (:func:`cx.data.journeys.journey_flags`), its
    repeat flags (window expressions) and, with abandonments, its served handle time."""
    time = pl.col("timestamp")
    anonymous = pl.col("anonymous")
    enriched = journey_flags(contacts.frame.lazy(), window_hours)
    extra: dict[str, pl.Expr] = {}
    if {"handle_time", "abandoned"} <= set(contacts.sources):  # served contacts' mean (§11)
        extra["handle_time"] = served_handle(pl.col("handle_time"), pl.col("abandoned"))
    for name, seconds in REPEAT_WINDOWS.items():
        horizon = pl.lit(last - timedelta(seconds=seconds))
        extra[f"observed_{name}"] = ~anonymous & (time <= horizon)
        extra[f"repeat_{name}"] = pl.col("gap_next").fill_null(float("inf")) <= seconds
    return enriched.with_columns(**extra)


def _channel_query(enriched: pl.LazyFrame, present: list[str]) -> pl.LazyFrame:
    identified = ~pl.col("anonymous")
    aggregations: list[pl.Expr] = [
        pl.len().alias("contacts"),
        pl.col("new_journey").sum().alias("journeys_started"),
        pl.col("ends_journey").sum().alias("journeys_ended"),
        identified.sum().alias("identified"),
        (pl.col("ends_journey") & identified).sum().alias("identified_ends"),
    ]
    for name in REPEAT_WINDOWS:
        observed = pl.col(f"observed_{name}")
        aggregations.append(observed.sum().alias(f"observed_{name}"))
        aggregations.append((pl.col(f"repeat_{name}") & observed).sum().alias(f"repeated_{name}"))
    # Of the contacts followed for 7 days, those back within 24 hours (_repeat_rates).
    aggregations.append(
        (pl.col("repeat_24h") & pl.col("observed_7d")).sum().alias("repeated_24h_of_7d")
    )
    for column in ("handle_time", "resolved", "satisfaction"):
        if column in present:
            aggregations.append(pl.col(column).cast(pl.Float64).mean().alias(column))
    return enriched.group_by("channel").agg(aggregations)


def _profile_queries(enriched: pl.LazyFrame, present: list[str]) -> list[pl.LazyFrame]:
    """What inspect counts, from the contacts with their journey and repeat flags."""
    identified = enriched.filter(~pl.col("anonymous"))
    # By customer, whose rows are together: far cheaper than distinct customers by channel.
    per_customer = identified.group_by("customer_key").agg(
        contacts=pl.len(), seen=pl.col("channel").unique()
    ).with_columns(channels=pl.col("seen").list.len())
    customers = (
        per_customer.select(channel=pl.col("seen")).explode("channel").group_by("channel")
        .agg(customers=pl.len())
    )  # fmt: skip
    # The ids of the few customers with the most contacts only: taking every customer's
    # id in the aggregation above would move millions of strings for one of them.
    most = per_customer.filter(pl.col("contacts") == pl.col("contacts").max())
    largest = (
        identified.join(most.select("customer_key"), on="customer_key", how="semi")
        .group_by("customer_key")
        .agg(pl.col("customer_id").first(), contacts=pl.len())
    )
    return [
        _channel_query(enriched, present).join(customers, on="channel", how="left"),
        enriched.group_by(*DIMENSION_COLUMNS, "channel").agg(
            contacts=pl.len(), starts=pl.col("new_journey").sum()
        ),
        # The distribution stops at "4+"; the mean counts every channel a customer used.
        per_customer.group_by(
            channels=pl.col("channels").clip(upper_bound=CHANNELS_PER_CUSTOMER_CAP)
        ).agg(
            customers=pl.len(),
            contacts=pl.col("contacts").sum(),
            channels_used=pl.col("channels").sum(),
        ),
        largest.sort("customer_id").head(1),
        enriched.filter(pl.col("prev_channel").is_not_null())
        .group_by("prev_channel", "channel")
        .agg(pairs=pl.len(), within_journey=(~pl.col("new_journey")).sum()),
        # A journey on more than one channel is one with a hop (a follow-up on another
        # channel than the contact before it): counted without grouping by journey.
        enriched.select(
            journeys=pl.col("new_journey").sum(),
            multichannel=pl.col("journey").filter(pl.col("hop")).n_unique(),
        ),
        enriched.select(
            rows=pl.len(),
            anonymous=pl.col("anonymous").sum(),
            follow_ups=(~pl.col("new_journey")).sum(),
            hops=pl.col("hop").sum(),
        ),
    ]


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def inspect_cube(
    cube: Cube,
    mapping: Mapping | None = None,
    window_hours: float = DEFAULT_WINDOW_HOURS,
    encoding: str = "utf8",
    progress: Progress = SILENT,
    journey_window: float | None = None,
) -> InspectResult:
    """Profile the interaction file behind ``cube`` (read again, row by row, in one pass:
    a step of ``progress``).

    With ``journey_window`` (hours), that one read also gives ``cube`` its journeys and
    outcomes (``cube.outcomes``, :func:`cx.data.journeys.outcomes_of`), counted with
    the profile."""
    mapping = mapping or Mapping()
    meta = cube.meta
    if meta.last_timestamp is None:
        raise DataError("the data has no valid rows to inspect", file=meta.file)
    last = datetime.fromisoformat(meta.last_timestamp)
    path = Path(meta.file)
    # The rows the scan kept, if it was asked to: used once, then let go.
    kept, cube.contact_rows = cube.contact_rows, None
    if journey_window is not None:
        check_window(journey_window)
    counted = "journeys, outcomes, repeats" if journey_window is not None else "journeys, repeats"
    with progress.step(f"profiling {meta.rows_used:,} contacts: {counted}"):
        contacts = read_contacts(path, mapping, encoding, PROFILE_COLUMNS, kept)
        del kept
        enriched = _enrich(contacts, window_hours, last)
        queries = _profile_queries(enriched, contacts.sources)
        # The outcomes' counts beside the profile's, in one collection: both cut the same
        # contacts into journeys, which Polars then does once (where the windows agree).
        outcomes = [] if journey_window is None else outcome_queries(contacts, journey_window)
        collected = pl.collect_all([*outcomes, *queries])
        if journey_window is not None:
            cube.outcomes = outcomes_from(collected[: len(outcomes)], contacts, journey_window)
        collected = as_text(collected[len(outcomes) :])
    by_channel, by_cell, spread, largest, switching, journeys, totals = collected
    return _assemble(
        cube,
        contacts.sources,
        window_hours,
        by_channel,
        by_cell,
        spread,
        largest,
        switching,
        journeys,
        totals,
        mapping,
    )


def _assemble(
    cube: Cube,
    present: list[str],
    window_hours: float,
    by_channel: pl.DataFrame,
    by_cell: pl.DataFrame,
    spread: pl.DataFrame,
    largest: pl.DataFrame,
    switching: pl.DataFrame,
    journeys: pl.DataFrame,
    totals: pl.DataFrame,
    mapping: Mapping,
) -> InspectResult:
    meta = cube.meta
    total = totals.row(0, named=True)
    rows = int(total["rows"])
    journey_row = journeys.row(0, named=True)
    n_journeys = int(journey_row["journeys"])
    channel_names = sorted(by_channel["channel"].to_list())
    channels = [
        _channel_profile(row, rows, n_journeys, present)
        for row in by_channel.sort("channel").iter_rows(named=True)
    ]
    channels.sort(key=lambda c: (-c.contacts, c.channel))
    volume = (
        cube.demand.group_by("period_start", "channel")
        .agg(pl.col("contacts").sum())
        .sort("period_start", "channel")
    )
    volumes = {(r[0], r[1]): round(r[2]) for r in volume.iter_rows()}
    periods = [
        PeriodVolume(
            period=label(start, meta.period), channel=name, contacts=volumes.get((start, name), 0)
        )
        for start in meta.period_starts
        for name in channel_names
    ]
    customers = _customer_profile(spread, largest)
    notes = [CONTAINMENT_NOTE]
    warnings = []
    if (
        customers.largest_customer is not None
        and customers.largest_customer_contacts >= LARGEST_CUSTOMER_CONTACTS
        and customers.largest_customer_contacts >= LARGEST_CUSTOMER_SHARE * rows
    ):
        warnings.append(
            f"customer '{customers.largest_customer}' has {customers.largest_customer_contacts:,} "
            f"contacts ({customers.largest_customer_contacts / rows:.1%} of all): if that id "
            "stands for unknown customers, list it under `anonymous_ids:` in a mapping file "
            "(--columns), or it distorts journeys, switching and repeat rates"
        )
    if "resolved" not in present:
        notes.append(
            "no `resolved` column: resolution_rate is the share of identified customers' "
            "contacts that end their journey (a proxy)"
        )
    follow_ups = int(total["follow_ups"])
    hops = int(total["hops"])
    return InspectResult(
        data=InspectData(
            file=meta.file,
            rows_read=meta.rows_read,
            rows_used=meta.rows_used,
            rows_rejected=meta.rows_rejected,
            rows_dropped=meta.rows_dropped,
            customers=customers.customers,
            anonymous_contacts=int(total["anonymous"]),
            first_timestamp=meta.first_timestamp,
            last_timestamp=meta.last_timestamp,
            period=meta.period,
            periods=meta.period_labels,
            channels_observed=channel_names,
            columns=present,
        ),
        channels=channels,
        periods=periods,
        mix=_mix_rows(by_cell, channel_names),
        customers=customers,
        switching=_switching(switching, channel_names),
        journeys=JourneyProfile(
            window_hours=window_hours,
            journeys=n_journeys,
            contacts_per_journey=rows / n_journeys if n_journeys else 0.0,
            follow_ups=follow_ups,
            hops=hops,
            hop_rate=_share(hops, follow_ups),
            multichannel_journey_share=_share(int(journey_row["multichannel"]), n_journeys) or 0.0,
        ),
        notes=notes,
        warnings=warnings,
    )


def _channel_profile(
    row: dict[str, object], rows: int, journeys: int, present: list[str]
) -> ChannelProfile:
    def number(key: str) -> float:
        return float(row[key] or 0)  # type: ignore[arg-type]

    repeat = _repeat_rates(number)
    if "resolved" in present:
        resolution = row.get("resolved")
        source = "resolved"
    else:
        resolution = _share(number("identified_ends"), number("identified"))
        source = "journey_end"
    contacts = int(number("contacts"))
    return ChannelProfile(
        channel=str(row["channel"]),
        contacts=contacts,
        share=contacts / rows if rows else 0.0,
        customers=int(number("customers")),
        handle_time=row.get("handle_time"),  # type: ignore[arg-type]
        repeat_24h=repeat["24h"],
        repeat_7d=repeat["7d"],
        containment_24h=None if repeat["24h"] is None else 1.0 - repeat["24h"],
        containment_7d=None if repeat["7d"] is None else 1.0 - repeat["7d"],
        journeys_started=int(number("journeys_started")),
        first_share=number("journeys_started") / journeys if journeys else 0.0,
        journeys_ended=int(number("journeys_ended")),
        last_share=number("journeys_ended") / journeys if journeys else 0.0,
        resolution_rate=resolution,  # type: ignore[arg-type]
        resolution_source=source if resolution is not None else None,
        satisfaction=row.get("satisfaction"),  # type: ignore[arg-type]
    )


def _repeat_rates(number: Callable[[str], float]) -> dict[str, float | None]:
    """The repeat rates of a channel from its counts: the 24-hour one over the contacts
    followed for 24 hours; the 7-day one adds the share of the rest that come back
    later within 7 days, over the contacts followed for 7 days that were not back
    within 24 hours (None without any such contact)."""
    within_day = _share(number("repeated_24h"), number("observed_24h"))
    early = number("repeated_24h_of_7d")
    later = _share(number("repeated_7d") - early, number("observed_7d") - early)
    if later is None and number("observed_7d"):  # each followed for 7 days was back in 24 h
        later = 0.0
    within_week = (
        None if within_day is None or later is None else within_day + (1 - within_day) * later
    )
    return {"24h": within_day, "7d": within_week}


def _customer_profile(spread: pl.DataFrame, largest: pl.DataFrame) -> CustomerProfile:
    customers = int(spread["customers"].sum()) if spread.height else 0
    contacts = int(spread["contacts"].sum()) if spread.height else 0
    counts = {int(r["channels"]): int(r["customers"]) for r in spread.iter_rows(named=True)}
    distribution = [
        ChannelsPerCustomer(
            channels=n, customers=counts.get(n, 0), share=_share(counts.get(n, 0), customers) or 0.0
        )
        for n in range(1, CHANNELS_PER_CUSTOMER_CAP + 1)
    ]
    top = largest.row(0, named=True) if largest.height else None
    return CustomerProfile(
        customers=customers,
        contacts_per_customer=contacts / customers if customers else 0.0,
        channels_per_customer=_share(int(spread["channels_used"].sum()), customers) or 0.0,
        multichannel_share=_share(customers - counts.get(1, 0), customers) or 0.0,
        distribution=distribution,
        largest_customer=str(top["customer_id"]) if top else None,
        largest_customer_contacts=int(top["contacts"]) if top else 0,
    )


def _mix_rows(by_cell: pl.DataFrame, channels: list[str]) -> list[MixRow]:
    rows: list[MixRow] = []
    for dimension in DIMENSION_COLUMNS:
        grouped = by_cell.group_by(dimension, "channel").agg(
            pl.col("contacts").sum(), pl.col("starts").sum()
        )
        values = sorted(grouped[dimension].unique().to_list())
        if values == ["all"]:
            continue  # the column is absent (or always empty): nothing to split by
        for value in values:
            part = grouped.filter(pl.col(dimension) == value)
            contacts = {r["channel"]: int(r["contacts"]) for r in part.iter_rows(named=True)}
            starts = {r["channel"]: int(r["starts"]) for r in part.iter_rows(named=True)}
            n_contacts, n_starts = sum(contacts.values()), sum(starts.values())
            rows.append(
                MixRow(
                    dimension=dimension,
                    value=value,
                    contacts=n_contacts,
                    journeys=n_starts,
                    contact_shares={
                        c: contacts.get(c, 0) / n_contacts if n_contacts else 0.0 for c in channels
                    },
                    first_contact_shares={
                        c: starts.get(c, 0) / n_starts if n_starts else 0.0 for c in channels
                    },
                )
            )
    return rows


def _switching(frame: pl.DataFrame, channels: list[str]) -> SwitchingProfile:
    counts = {
        (r["prev_channel"], r["channel"]): (int(r["pairs"]), int(r["within_journey"]))
        for r in frame.iter_rows(named=True)
    }
    matrix = [
        SwitchCell(
            previous=previous,
            next=following,
            pairs=counts.get((previous, following), (0, 0))[0],
            within_journey=counts.get((previous, following), (0, 0))[1],
        )
        for previous in channels
        for following in channels
    ]
    pairs = sum(cell.pairs for cell in matrix)
    switches = sum(cell.pairs for cell in matrix if cell.previous != cell.next)
    return SwitchingProfile(
        pairs=pairs, switches=switches, switch_rate=_share(switches, pairs), matrix=matrix
    )
