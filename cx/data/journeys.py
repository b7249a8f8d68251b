"""Journeys and outcomes (§10), from the single contacts.

A journey is a customer's run of contacts, ordered by (timestamp, data order), each
at most ``window_hours`` after the previous one. Each contact gets ``step``
(``first`` or ``follow_up``); a **hop** is a follow-up on another channel than the
contact before it. Contacts of anonymous ids are each a journey of their own.

Journeys need every row sorted by customer and time: several times the cost of the
cube scan on large files. So they come from a second pass (:func:`scan_outcomes`)
that runs only when a strategy, a guard or the user asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from cx.data import periods
from cx.data.diagnose import READ_FAILURES, failure_text
from cx.data.files import parquet_columns
from cx.data.fine import (
    CATEGORIES_AS_TEXT,
    ROW,
    check_same_counts,
    check_table_rows,
    sorted_keys,
)
from cx.models.mapping import DIMENSION_COLUMNS, Mapping
from cx.models.numbers import check_window_hours

if TYPE_CHECKING:
    from cx.data.scan import KeptRows

STEP_KEYS = ("channel", *DIMENSION_COLUMNS, "step")
#: What the single contacts tell per channel (Outcomes.channels), beside the channel.
CHANNEL_SUMS = (
    "contacts",
    "resolved_true",
    "resolved_n",
    "satisfaction_sum",
    "satisfaction_n",
    "identified",
    "identified_ends",
)
JOURNEY_COUNTS = ("journeys", "follow_ups", "hops", "multichannel_journeys")
#: Counts of an outcomes row that are parts of another of its counts (fine.Bounds).
OUTCOME_BOUNDS = (
    (("resolved_n",), "contacts"),
    (("resolved_true",), "resolved_n"),
    (("satisfaction_n",), "contacts"),
    (("identified",), "contacts"),
    (("identified_ends",), "identified"),
)
#: The columns a cube file with outcomes has beyond fine.CUBE_FILE_SCHEMA: rows of
#: table ``steps`` (contacts per day, channel, dimensions and step), ``outcomes`` (per
#: channel, CHANNEL_SUMS) and one ``journeys`` row (JOURNEY_COUNTS and the window).
OUTCOME_FILE_SCHEMA: dict[str, pl.DataType] = {
    "step": pl.String(),
    **{name: pl.Int64() for name in CHANNEL_SUMS[1:]},
    "satisfaction_sum": pl.Float64(),
    **{name: pl.Int64() for name in JOURNEY_COUNTS},
    "window_hours": pl.Float64(),
}


def check_window(hours: float) -> float:
    return check_window_hours(hours)


def _seconds(duration: pl.Expr) -> pl.Expr:
    return duration.dt.total_seconds(fractional=True)


#: The columns of a contact that journeys read, beside ``__row`` (data order).
CONTACT_COLUMNS = ("customer_id", "timestamp", "channel", *DIMENSION_COLUMNS)
#: The optional columns the outcomes read, where the data has them.
OUTCOME_COLUMNS = ("resolved", "satisfaction")
#: The optional columns inspect reads, where the data has them (a superset of the
#: outcomes' columns: one read of the rows serves both).
PROFILE_COLUMNS = ("handle_time", "abandoned", *OUTCOME_COLUMNS)


def in_journey_order(rows: pl.DataFrame, anonymous_ids: list[str], order: str) -> pl.DataFrame:
    """``rows`` with each customer's contacts together, by time, and the columns no
    window changes.

    Adds ``anonymous``, ``customer_key`` (a number per customer id: counting by it
    is cheaper than by the text), ``prev_channel``, ``gap_prev`` and ``gap_next``
    (seconds to the same customer's neighbouring contacts, null at the edges and for
    anonymous ones). ``order`` is the column with the data order that breaks ties at
    the same instant. :func:`journey_flags` cuts such rows into journeys.
    """
    time, anonymous = pl.col("timestamp"), pl.col("anonymous")
    grouped, same = _grouped(rows, order)
    customer = pl.col(same)
    same_prev = (customer == customer.shift(1)).fill_null(False) & ~anonymous
    same_next = (customer == customer.shift(-1)).fill_null(False) & ~anonymous
    return (
        grouped.lazy()
        .with_columns(
            anonymous=pl.col("customer_id").is_in(anonymous_ids),
            # Rising with the rows: flagged so, group-bys by customer take their fast path.
            customer_key=(customer != customer.shift(1)).fill_null(True).cum_sum().set_sorted(),
        )
        .with_columns(
            prev_channel=pl.when(same_prev).then(pl.col("channel").shift(1)),
            gap_prev=pl.when(same_prev).then(_seconds(time - time.shift(1))),
            gap_next=pl.when(same_next).then(_seconds(time.shift(-1) - time)),
        )
        .drop(CUSTOMER_HASH, strict=False)
        .collect()
    )


CUSTOMER_HASH = "__customer_hash"
HIGH_BITS = "__high_bits"


def customer_hash(customer: pl.Expr) -> pl.Expr:
    return customer.hash()


def _grouped(rows: pl.DataFrame, order: str) -> tuple[pl.DataFrame, str]:
    """``rows`` sorted by customer, time and ``order``, the customers in the order of a
    64-bit hash of their ids (numbers sort several times faster than text), and the
    column that is equal on neighbouring rows exactly where they are one customer's.

    Two ids with one hash would interleave their contacts: where that happens, the
    rows are sorted by the ids themselves, and the column is the ids. Else it is the
    hash, kept as ``CUSTOMER_HASH``: the check that finds such ids also shows that
    neighbouring rows with one hash have one id, so comparing hashes gives what
    comparing the ids would, several times faster. Journeys, outcomes and the profile
    do not depend on the order of the customers, only on each one's contacts being
    together."""
    customer = pl.col("customer_id")
    # A gather from one chunk per column is several times faster.
    rows = rows.with_columns(customer_hash(customer).alias(CUSTOMER_HASH)).rechunk()
    place = _journey_places(rows.select(CUSTOMER_HASH, "timestamp", order), order)
    frame = _gathered(rows, place)
    hashed, ids = frame.get_column(CUSTOMER_HASH), frame.get_column("customer_id")
    if ((hashed == hashed.shift(1)) & (ids != ids.shift(1))).any():
        return rows.drop(CUSTOMER_HASH).sort("customer_id", "timestamp", order), "customer_id"
    return frame, CUSTOMER_HASH


def _gathered(rows: pl.DataFrame, place: pl.Series) -> pl.DataFrame:
    """``rows[place]``, with the floats and booleans that have nulls moved as values
    without nulls (NaN, -1) and the nulls put back after: Polars gathers a column with
    nulls several times slower than one without (0.07 s against 0.02 s on 5M rows)."""
    nullable = {name: dtype for name, dtype in rows.schema.items() if rows[name].has_nulls()}
    floats = [n for n, dtype in nullable.items() if dtype.is_float() and not rows[n].is_nan().any()]
    booleans = [name for name, dtype in nullable.items() if dtype == pl.Boolean]
    if not floats and not booleans:
        return rows[place]
    nan = {name: pl.lit(float("nan"), dtype=rows.schema[name]) for name in floats}
    filled = rows.with_columns(
        *(pl.col(name).fill_null(nan[name]) for name in floats),
        *(pl.col(name).cast(pl.Int8).fill_null(-1) for name in booleans),
    )
    return filled[place].with_columns(
        *(pl.col(name).fill_nan(None) for name in floats),
        *(pl.when(pl.col(name) >= 0).then(pl.col(name) == 1).alias(name) for name in booleans),
    )


def _journey_places(keys: pl.DataFrame, order: str) -> pl.Series:
    """The row order that sorts ``keys`` by customer hash, time and ``order``.

    One sort of 64-bit numbers: the hash's high bits with the row's position in the
    low bits, which keeps each customer's rows in data order. Exports mostly list
    contacts in time order, so that usually leaves each customer's contacts in order
    already. Where it does not (rows out of time order, or two customers whose
    hashes share those high bits), the rows of those high bits are sorted again by
    hash, time and ``order``, and put back in their places."""
    hashed, time, tie = pl.col(CUSTOMER_HASH), pl.col("timestamp"), pl.col(order)
    bits = max(1, (keys.height - 1).bit_length())
    positions = np.uint64((1 << bits) - 1)
    packed = keys.get_column(CUSTOMER_HASH).to_numpy() & ~positions
    packed |= np.arange(keys.height, dtype=np.uint64)
    packed = sorted_keys(packed, in_place=True)
    place = pl.Series(packed & positions, dtype=pl.get_index_type())
    high = pl.Series(HIGH_BITS, packed >> np.uint64(bits))
    grouped = keys[place].with_columns(high)
    earlier = (time < time.shift(1)) | ((time == time.shift(1)) & (tie < tie.shift(1)))
    same = pl.col(HIGH_BITS) == pl.col(HIGH_BITS).shift(1)
    wrong = grouped.filter(same & ((hashed != hashed.shift(1)) | earlier)).get_column(HIGH_BITS)
    if wrong.is_empty():
        return place
    at = grouped.select(pl.col(HIGH_BITS).is_in(wrong.unique().implode()).arg_true()).to_series()
    again = grouped[at].with_columns(place=place.gather(at)).sort(CUSTOMER_HASH, "timestamp", order)
    return place.scatter(at, again.get_column("place"))


def step_of(new_journey: pl.Expr) -> pl.Expr:
    """``step``: ``first`` where a contact starts a journey, else ``follow_up``."""
    return pl.when(new_journey).then(pl.lit("first")).otherwise(pl.lit("follow_up")).alias("step")


def journey_flags(ordered: pl.LazyFrame, window_hours: float) -> pl.LazyFrame:
    """Rows in journey order (:func:`in_journey_order`) with the journey columns added:
    ``new_journey``, ``ends_journey``, ``step``, ``hop`` and ``journey`` (an id)."""
    window = timedelta(hours=check_window(window_hours)).total_seconds()
    return ordered.with_columns(
        new_journey=pl.col("gap_prev").is_null() | (pl.col("gap_prev") > window),
        ends_journey=pl.col("gap_next").is_null() | (pl.col("gap_next") > window),
    ).with_columns(
        step_of(pl.col("new_journey")),
        hop=~pl.col("new_journey") & (pl.col("channel") != pl.col("prev_channel")),
        journey=pl.col("new_journey").cum_sum(),
    )


@dataclass
class Contacts:
    """The valid rows of an interaction file in journey order (:func:`in_journey_order`),
    read and sorted once for everything that needs single contacts: the outcomes
    (:func:`outcomes_of`) and inspect's profile.

    ``frame`` has ``__row``, CONTACT_COLUMNS, the optional columns asked for that the
    data has, and the columns of :func:`in_journey_order`; ``sources`` are the
    canonical columns the data has.
    """

    frame: pl.DataFrame
    sources: list[str]


def kept_rows() -> KeptRows:
    """What a scan keeps of each valid row for inspect, the outcomes and the replay
    (:class:`cx.data.contacts.ContactFrame`): one read of the file for all of them."""
    from cx.data.scan import KeptRows

    return KeptRows(CONTACT_COLUMNS, (*PROFILE_COLUMNS, "wait_time"))


def read_contacts(
    path: Path,
    mapping: Mapping,
    encoding: str,
    optional: tuple[str, ...] = OUTCOME_COLUMNS,
    kept: pl.DataFrame | None = None,
) -> Contacts:
    """The valid rows of the file at ``path``, read as the cube scan reads them
    (:func:`cx.data.scan.valid_rows`) and put in journey order, with the ``optional``
    columns the data has. ``kept`` are those rows as the scan kept them
    (``Cube.contact_rows``, :func:`kept_rows`): then the file is not read again."""
    from cx.data.layout import ROW, resolve_layout
    from cx.data.scan import KeptRows, valid_rows

    layout = resolve_layout(path, mapping, encoding)
    sources = list(layout.sources)
    columns = KeptRows(CONTACT_COLUMNS, optional).wanted(layout)
    # Either way the channel and dimensions are categories: the sort moves, and the
    # counts group by, numbers instead of text (see as_text).
    if kept is not None:
        rows = kept.select(ROW, *columns)
    else:
        rows = valid_rows(path, mapping, encoding, columns)
    frame = in_journey_order(rows, mapping.anonymous_ids, ROW)
    return Contacts(frame=frame, sources=sources)


def as_text(frames: list[pl.DataFrame]) -> list[pl.DataFrame]:
    """Counts of :class:`Contacts` with their categorical columns as text again."""
    return [frame.with_columns(CATEGORIES_AS_TEXT) for frame in frames]


@dataclass
class Outcomes:
    """What the single contacts tell beyond the cube: journeys, resolution, satisfaction.

    * ``demand``: contacts per (day, channel, segment, stage, intent, step);
    * ``channels``: per channel, contacts, resolved_true / resolved_n (the `resolved`
      column), satisfaction_sum / satisfaction_n, identified contacts and those of
      them that end their journey (the resolution proxy);
    * journey counts for the `data` section.
    """

    window_hours: float
    demand: pl.DataFrame
    channels: pl.DataFrame
    journeys: int
    follow_ups: int
    hops: int
    multichannel_journeys: int
    has_resolved: bool
    has_satisfaction: bool

    def scaled(self, factor: float) -> Outcomes:
        """These outcomes with every contact count times ``factor`` (the `volume` of
        §12); rates, means and the journey counts of the data section stay."""
        return replace(self, demand=self.demand.with_columns(pl.col("contacts") * factor))

    def demand_by_period(self, period: str) -> pl.DataFrame:
        return (
            self.demand.group_by(
                periods.period_start(pl.col("day"), period).alias("period_start"), *STEP_KEYS
            )
            .agg(pl.col("contacts").sum().cast(pl.Float64))
            .sort("period_start", *STEP_KEYS)
        )

    @property
    def resolution_source(self) -> str:
        return "resolved" if self.has_resolved else "journey_end"

    def resolution_rates(self) -> dict[str, float]:
        """Share of resolved contacts per channel: the column, else the journey-end proxy."""
        if self.has_resolved:
            part, whole = "resolved_true", "resolved_n"
        else:
            part, whole = "identified_ends", "identified"
        return {
            row["channel"]: row[part] / row[whole]
            for row in self.channels.iter_rows(named=True)
            if row[whole]
        }

    def satisfaction(self) -> dict[str, float]:
        return {
            row["channel"]: row["satisfaction_sum"] / row["satisfaction_n"]
            for row in self.channels.iter_rows(named=True)
            if row["satisfaction_n"]
        }


def scan_outcomes(
    path: str | Path,
    mapping: Mapping,
    window_hours: float,
    encoding: str = "utf8",
    kept: pl.DataFrame | None = None,
) -> Outcomes:
    """Journeys, resolution and satisfaction of the file at ``path`` (one read, none
    with the rows the scan ``kept``)."""
    check_window(window_hours)
    return outcomes_of(read_contacts(Path(path), mapping, encoding, kept=kept), window_hours)


def outcomes_of(contacts: Contacts, window_hours: float) -> Outcomes:
    """Journeys (cut with ``window_hours``), resolution and satisfaction of ``contacts``."""
    queries = outcome_queries(contacts, window_hours)
    return outcomes_from(pl.collect_all(queries), contacts, window_hours)


def outcome_queries(contacts: Contacts, window_hours: float) -> list[pl.LazyFrame]:
    """The counts :func:`outcomes_from` makes the outcomes of, as queries: to collect
    with others over the same contacts, which then share their journey flags."""
    resolved = pl.col("resolved") if "resolved" in contacts.sources else pl.lit(None, pl.Boolean)
    score = (
        pl.col("satisfaction")
        if "satisfaction" in contacts.sources
        else pl.lit(None, pl.Float64)
    )
    flagged = journey_flags(contacts.frame.lazy(), window_hours)
    identified = ~pl.col("anonymous")
    # Grouped by the flag, not by the step's text: a boolean key groups faster.
    day, first = pl.col("timestamp").dt.date().alias("day"), pl.col("new_journey")
    demand_q = (
        flagged.group_by(day, *STEP_KEYS[:-1], first)
        .agg(contacts=pl.len().cast(pl.Int64))
        .select("day", *STEP_KEYS[:-1], step_of(first), "contacts")
    )
    channels_q = flagged.group_by("channel").agg(
        contacts=pl.len().cast(pl.Int64),
        resolved_true=resolved.sum().cast(pl.Int64),
        resolved_n=resolved.count().cast(pl.Int64),
        satisfaction_sum=score.sum().cast(pl.Float64),
        satisfaction_n=score.count().cast(pl.Int64),
        identified=identified.sum().cast(pl.Int64),
        identified_ends=(identified & pl.col("ends_journey")).sum().cast(pl.Int64),
    )
    stats_q = flagged.select(
        journeys=pl.col("new_journey").sum().cast(pl.Int64),
        follow_ups=(~pl.col("new_journey")).sum().cast(pl.Int64),
        hops=pl.col("hop").sum().cast(pl.Int64),
        multichannel=pl.col("journey").filter(pl.col("hop")).n_unique().cast(pl.Int64),
    )
    return [demand_q, channels_q, stats_q]


def outcomes_from(
    collected: list[pl.DataFrame], contacts: Contacts, window_hours: float
) -> Outcomes:
    """The outcomes of ``contacts`` from the collected :func:`outcome_queries`."""
    demand, channels, stats = as_text(collected)
    row = stats.row(0, named=True)
    return Outcomes(
        window_hours=window_hours,
        demand=demand,
        channels=channels.sort("channel"),
        journeys=int(row["journeys"]),
        follow_ups=int(row["follow_ups"]),
        hops=int(row["hops"]),
        multichannel_journeys=int(row["multichannel"]),
        has_resolved="resolved" in contacts.sources,
        has_satisfaction="satisfaction" in contacts.sources,
    )


def outcomes_frame(outcomes: Outcomes) -> pl.DataFrame:
    """The rows of a cube file that carry ``outcomes`` (the OUTCOME_FILE_SCHEMA tables),
    with the columns of both schemas, null where a table has no such column."""
    from cx.data.fine import CUBE_FILE_SCHEMA

    schema = {**CUBE_FILE_SCHEMA, **OUTCOME_FILE_SCHEMA}
    counts = {name: getattr(outcomes, name) for name in JOURNEY_COUNTS}
    parts = [
        outcomes.demand.with_columns(table=pl.lit("steps")),
        outcomes.channels.with_columns(table=pl.lit("outcomes")),
        pl.DataFrame({**counts, "window_hours": outcomes.window_hours, "table": "journeys"}),
    ]
    return pl.concat(
        [
            part.select(
                pl.col(n).cast(t) if n in part.columns else pl.lit(None, t).alias(n)
                for n, t in schema.items()
            )
            for part in parts
        ]
    )


def carries_outcomes(path: Path) -> bool:
    """Whether the cube file at ``path`` was built with its outcome tables."""
    names = parquet_columns(path)
    return names is not None and set(OUTCOME_FILE_SCHEMA) <= set(names)


def read_outcomes(path: Path, window_hours: float) -> Outcomes | None:
    """The outcomes a cube file carries (None: it has none), cut with ``window_hours``."""
    from cx.errors import DataError, InputError

    try:
        lazy = pl.scan_parquet(path, glob=False)
        names = lazy.collect_schema().names()
        if not set(OUTCOME_FILE_SCHEMA) <= set(names):
            return None
        frame = (
            lazy.with_row_index(ROW)
            .filter(pl.col("table").is_in(["steps", "outcomes", "journeys"]))
            .collect()
        )
        frame = frame.select(
            ROW,
            "table",
            pl.col("day").cast(pl.Date),
            *(pl.col(n).cast(pl.String) for n in ("channel", *DIMENSION_COLUMNS)),
            pl.col("contacts").cast(pl.Int64),
            *(pl.col(n).cast(t) for n, t in OUTCOME_FILE_SCHEMA.items()),
        )
    except READ_FAILURES as exc:
        text = failure_text(exc)
        raise DataError(f"cannot read the outcomes of the cube file: {text}", file=path) from None
    stats = frame.filter(pl.col("table") == "journeys")
    if stats.height != 1:
        raise DataError(
            f"cube file has {stats.height} journeys rows, not one",
            file=path,
            hint="build it again with `cx cube --outcomes`",
        )
    row = stats.row(0, named=True)
    if row["window_hours"] != window_hours:
        raise InputError(
            f"the cube file's journeys are cut with a {row['window_hours']:g}-hour window, "
            f"not {window_hours:g}",
            file=path,
            hint=f"build it with `cx cube --outcomes --journey-window {window_hours:g}`, "
            f"or pass --journey-window {row['window_hours']:g} "
            f"(API: journey_window={row['window_hours']:g})",
        )
    steps = frame.filter(pl.col("table") == "steps").select(ROW, "day", *STEP_KEYS, "contacts")
    steps = steps.with_columns(pl.col(DIMENSION_COLUMNS).fill_null("all"))
    outcomes = frame.filter(pl.col("table") == "outcomes").select(ROW, "channel", *CHANNEL_SUMS)
    if any(row[n] is None or row[n] < 0 for n in JOURNEY_COUNTS) or (
        steps["channel"].null_count()
        or steps["step"].null_count()
        or outcomes["channel"].null_count()
    ):
        raise DataError("cube file has incomplete journeys rows", file=path)
    check_table_rows(steps, "steps", ("day", *STEP_KEYS), (), path)
    check_table_rows(outcomes, "outcomes", ("channel",), OUTCOME_BOUNDS, path)
    check_same_counts(("steps", steps), ("outcomes", outcomes), ("contacts",), path)
    demand = steps.drop(ROW)
    channels = outcomes.drop(ROW).sort("channel")
    return Outcomes(
        window_hours=window_hours,
        demand=demand,
        channels=channels,
        journeys=int(row["journeys"]),
        follow_ups=int(row["follow_ups"]),
        hops=int(row["hops"]),
        multichannel_journeys=int(row["multichannel_journeys"]),
        has_resolved=int(channels["resolved_n"].sum()) > 0,
        has_satisfaction=int(channels["satisfaction_n"].sum()) > 0,
    )
