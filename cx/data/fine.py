"""The cube at its finest grain (§2, §9), from which every period's cube is derived.

A scan of interaction rows (:mod:`cx.data.scan`) and a cube file (Parquet, written
by ``cx cube`` or by the SQL of ``cx cube --sql`` on a warehouse) both give a
:class:`FineCube`:

* ``demand``: contacts, handle_sum, handle_n per (day, channel, segment, stage, intent);
* ``arrivals``: contacts, handle_sum, handle_n, wait_sum, wait_n, abandoned, abandoned_n
  and before_queue per (interval_start, channel), 15-minute intervals;
* ``preferred``: customers per preferred channel (most contacts, ties to the channel
  name that sorts first; anonymous customers left out);
* rows read, rejected and dropped (a mapping's `drop:`), the first and last valid
  timestamp, and whether any valid timestamp has a time of day (:func:`has_time_of_day`).

Handle-time sums are over served contacts only (§11): an abandoned contact's handle time
(usually 0) is left out. ``before_queue`` counts abandoned contacts with a wait_time of
0, which hung up before reaching an agent queue (in the IVR).

Days and 15-minute intervals fit in every calendar period, so one fine cube serves
weeks, months and quarters alike (:meth:`FineCube.to_cube`), and hourly profiles are
sums of the intervals. Counts are integers here and sums are merged by addition, so
fine cubes of parts of the data add up (the scan merges the rows it re-checked).

Cube file layout (one Parquet file, or a directory of Parquet files): one row per
fine-cube row, the ``table`` column saying which table (``demand``, ``arrivals``,
``preferred``, ``stats``); the other columns are the union of the tables' columns,
null where a table has no such column, and the stats row's notes of the export
(NOTE_COLUMNS) where there are some. See docs/scale.md.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
import polars as pl

from cx.data import periods
from cx.data.cube import ARRIVAL_RESOLUTION_MINUTES, Cube, DataMeta
from cx.data.diagnose import READ_FAILURES, failure_text
from cx.data.files import parquet_columns
from cx.data.rules import EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, OUT_OF_TIME_RANGE
from cx.errors import DataError, shown, shown_list
from cx.models.mapping import DIMENSION_COLUMNS
from cx.models.vocabulary import plural

CUBE_FILE_FORMAT = 2  # 2: arrivals gained before_queue, stats rows_dropped
MIDNIGHT_NOTE = (
    "every timestamp is at midnight (00:00:00): dates without a time of day, so there are "
    "no intervals to staff. Live channels are costed from their workload, as async "
    "channels (data.time_of_day: false); --replay and --interval are refused"
)
DEMAND_KEYS = ("day", "channel", *DIMENSION_COLUMNS)
DEMAND_SUMS = ("contacts", "handle_sum", "handle_n")
ARRIVAL_KEYS = ("interval_start", "channel")
ARRIVAL_SUMS = (
    "contacts",
    "handle_sum",
    "handle_n",
    "wait_sum",
    "wait_n",
    "abandoned",
    "abandoned_n",
    "before_queue",
)
PAIR_KEYS = ("customer_id", "channel")
COUNTS = (
    "contacts",
    "handle_n",
    "wait_n",
    "abandoned",
    "abandoned_n",
    "before_queue",
    "n",
    "customers",
)
#: Column types of a cube file; readers cast to these (a warehouse may write others).
CUBE_FILE_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "day": pl.Date(),
    "interval_start": pl.Datetime("us"),
    "channel": pl.String(),
    **{name: pl.String() for name in DIMENSION_COLUMNS},
    "contacts": pl.Int64(),
    "handle_sum": pl.Float64(),
    "handle_n": pl.Int64(),
    "wait_sum": pl.Float64(),
    "wait_n": pl.Int64(),
    "abandoned": pl.Int64(),
    "abandoned_n": pl.Int64(),
    "before_queue": pl.Int64(),
    "customers": pl.Int64(),
    "rows_read": pl.Int64(),
    "rows_rejected": pl.Int64(),
    "rows_dropped": pl.Int64(),
    "first_timestamp": pl.Datetime("us"),
    "last_timestamp": pl.Datetime("us"),
    "time_of_day": pl.Boolean(),
    "cube_format": pl.Int64(),
}
#: Cube-file columns a file may lack: one written by an older cx (or the SQL of an older
#: `cx cube --sql`) is read as that cx read it (time_of_day: from the intervals alone).
OPTIONAL_COLUMNS = ("time_of_day",)
#: Stats-row columns of what the scan noted of the export, each present only where it
#: has something to say (so a clean export's file is the engines' and the SQL's, column
#: for column): the rows repeating an earlier row exactly, and the file's notes
#: (cx.data.notes.file_notes) as a JSON list of text. A file without them (an older cx,
#: an engine on a path cx cannot read, the SQL) says none.
NOTE_COLUMNS: dict[str, pl.DataType] = {"duplicate_rows": pl.Int64(), "notes": pl.String()}


#: A cube file's tables, in the order its rows give them (the outcome tables last).
CUBE_FILE_TABLES = ("demand", "arrivals", "preferred", "stats", "steps", "outcomes", "journeys")
#: The columns a cube file's rows are sorted by within a table (then by every other
#: column): the same data gives the same bytes, whichever order a group-by or an
#: engine gave the rows in.
CUBE_FILE_ORDER = ("day", "interval_start", "channel", *DIMENSION_COLUMNS, "step")


def in_file_order(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of a cube file in their set order: by table (CUBE_FILE_TABLES), then by
    CUBE_FILE_ORDER, then by every other column."""
    rank = {name: index for index, name in enumerate(CUBE_FILE_TABLES)}
    table = pl.col("table").replace_strict(rank, default=len(rank), return_dtype=pl.UInt8)
    keys = [name for name in CUBE_FILE_ORDER if name in frame.columns]
    rest = [name for name in frame.columns if name not in keys]
    return frame.sort([table, *keys, *rest], nulls_last=True)


def _sum(name: str) -> pl.Expr:
    dtype = pl.Int64 if name in COUNTS else pl.Float64
    return pl.col(name).cast(dtype).sum().alias(name)


VALID = "__valid"


def served_handle(handle: pl.Expr, abandoned: pl.Expr) -> pl.Expr:
    """A contact's handle time where it was served; null where it abandoned (§11)."""
    return pl.when(abandoned.fill_null(False)).then(None).otherwise(handle)


def before_queue(wait: pl.Expr, abandoned: pl.Expr) -> pl.Expr:
    """Abandoned with a wait_time of 0: hung up before any agent queue (§11)."""
    return (abandoned.fill_null(False) & (wait == 0.0).fill_null(False)).alias("before_queue")


def arrival_sums(handle: str, wait: str, abandoned: str) -> list[pl.Expr]:
    """The arrivals table's sums (ARRIVAL_SUMS), from the columns with these names;
    handle times of served contacts only."""
    wait_time, gone = pl.col(wait), pl.col(abandoned)
    handle_time = served_handle(pl.col(handle), gone)
    return [
        pl.len().alias("contacts"),
        handle_time.sum().alias("handle_sum"),
        handle_time.count().alias("handle_n"),
        wait_time.sum().alias("wait_sum"),
        wait_time.count().alias("wait_n"),
        gone.sum().alias("abandoned"),
        gone.count().alias("abandoned_n"),
        before_queue(wait_time, gone).sum().alias("before_queue"),
    ]


def row_queries(rows: pl.LazyFrame, valid: pl.Expr | None = None) -> list[pl.LazyFrame]:
    """Aggregates of rows: [demand, arrivals, bounds].

    ``rows`` has customer_id, timestamp, channel, segment, stage, intent, handle_time,
    wait_time and abandoned (null where unknown). One hash aggregation per table, at
    the finest grain; everything coarser is derived from these small tables. With
    ``valid``, demand and arrivals are also grouped by it (as ``__valid``) and bounds
    keep to the valid rows: every row is counted once, none is filtered out before
    (which lets the streaming engine share one read among all the queries).
    """
    time = pl.col("timestamp")
    keys = [valid.alias(VALID)] if valid is not None else []
    demand = demand_query(rows, valid)
    interval = time.dt.truncate(f"{ARRIVAL_RESOLUTION_MINUTES}m").alias("interval_start")
    arrivals = rows.group_by(interval, "channel", *keys).agg(
        *arrival_sums("handle_time", "wait_time", "abandoned")
    )
    kept = time if valid is None else time.filter(valid)
    bounds = rows.select(first=kept.min(), last=kept.max())
    return [demand, arrivals, bounds]


def has_time_of_day(arrivals: pl.DataFrame, *stamps: Callable[[], pl.Series]) -> bool:
    """Whether some valid timestamp has a time of day, i.e. is not at 00:00:00 exactly
    (§11). Where an arrival interval starts after 00:00, the small arrivals table says
    so: nothing is read per row. Only where every interval starts at 00:00 (dates only,
    or every contact within its day's first 15 minutes, as a night batch at 00:05) are
    the timestamps themselves read: each of ``stamps`` gives a column of them."""
    if (arrivals.get_column("interval_start").dt.time() != time(0)).any():
        return True
    return any((column().dt.time() != time(0)).any() for column in stamps)


def demand_query(rows: pl.LazyFrame, valid: pl.Expr | None = None) -> pl.LazyFrame:
    """Contacts and served handle-time sums per (day, channel, segment, stage, intent)."""
    keys = [valid.alias(VALID)] if valid is not None else []
    handle, time = served_handle(pl.col("handle_time"), pl.col("abandoned")), pl.col("timestamp")
    return rows.group_by(time.dt.truncate("1d").alias("day"), *DEMAND_KEYS[1:], *keys).agg(
        contacts=pl.len(), handle_sum=handle.sum(), handle_n=handle.count()
    )


def row_sink(
    rows: pl.LazyFrame,
    anonymous_ids: list[str],
    valid: pl.Expr | None = None,
    line: str | None = None,
    key: bool = False,
    row: str | None = None,
) -> pl.LazyFrame:
    """Per contact, a few numbers for the steps below: two independent 64-bit hashes of
    the customer id and one of the channel, the timestamp (microseconds since 1970),
    handle_time, wait_time, abandoned and, with anonymous ids, whether it is
    identified; with ``valid``, whether the row is valid, with ``line`` that column
    (a hash of the whole row) and with ``key`` its demand key (:func:`demand_key`).
    About 60 bytes a row: a string group-by on customers would cost far more time than
    these take memory."""
    customer = pl.col("customer_id")
    columns = {
        **customer_hashes(),
        "hk": pl.col("channel").hash(HASH_SEEDS[2]),
        "ts": pl.col("timestamp").cast(pl.Int64),
        "handle": served_handle(pl.col("handle_time"), pl.col("abandoned")).cast(pl.Float64),
        "wait": pl.col("wait_time").cast(pl.Float64),
        "gone": pl.col("abandoned").cast(pl.Boolean),
    }
    if anonymous_ids:
        columns["known"] = ~customer.is_in(anonymous_ids)
    if valid is not None:
        columns["valid"] = valid
    if line is not None:
        columns["line"] = pl.col(line)
    if key:
        columns["key"] = demand_key()
    if row is not None:  # the row number, where rows were dropped before (cx.data.drop)
        columns["row"] = pl.col(row)
    return rows.select(**columns)


#: The demand keys beside the day, hashed into one 64-bit key per row (demand_key).
KEY_NAMES = DEMAND_KEYS[1:]
KEY_SEED = 0x6B65_7900


def key_hashes() -> list[pl.Expr]:
    """One 64-bit hash per demand key column (channel, segment, stage, intent)."""
    return [pl.col(name).hash(KEY_SEED + index) for index, name in enumerate(KEY_NAMES)]


def demand_key() -> pl.Expr:
    """A row's demand key: the wrapping sum of its key hashes. Keys are told apart only
    where :func:`key_table` has checked that no two of its keys share a sum."""
    return pl.sum_horizontal(key_hashes()).alias("key")


#: Above this many combinations of the values seen, the key table is not built.
MAX_KEY_COMBINATIONS = 2_000_000


def key_table(seen: pl.DataFrame) -> pl.DataFrame | None:
    """The demand keys (:func:`demand_key`) of every combination of the key values in
    ``seen`` (a frame of the key columns): the key columns and ``key``, one row per
    combination, no two with the same key (checked). None when the combinations are
    too many or two of them share a key."""
    parts = [seen.select(pl.col(name).cast(pl.String).unique()) for name in KEY_NAMES]
    if np.prod([part.height for part in parts], dtype=np.float64) > MAX_KEY_COMBINATIONS:
        return None
    table = parts[0]
    for part in parts[1:]:
        table = table.join(part, how="cross")
    table = table.with_columns(demand_key())
    return table if table["key"].n_unique() == table.height else None


def demand_from_sink(sink: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """The demand table of the sink's rows (:func:`row_sink` with ``key``), every key of
    which is in ``table`` (:func:`key_table`): counted per (day, key), then named."""
    handle = pl.col("handle")
    return (
        sink.lazy()
        .group_by(day=(pl.col("ts") // DAY_US).cast(pl.Int32).cast(pl.Date), key="key")
        .agg(contacts=pl.len(), handle_sum=handle.sum(), handle_n=handle.count())
        .join(table.lazy(), on="key", how="inner")
        .drop("key")
        .collect(engine="streaming")
    )


def sink_bounds(sink: pl.DataFrame) -> pl.DataFrame:
    """The first and last timestamp of the sink's rows."""
    time = pl.col("ts").cast(pl.Datetime("us"))
    return sink.select(first=time.min(), last=time.max())


def duplicates(lines: pl.Series, blank: int | None = None) -> int:
    """Rows whose hash repeats an earlier row's; ``blank`` (a blank line's hash) and
    nulls are no rows."""
    values = lines.drop_nulls().to_numpy()
    if blank is not None:
        values = values[values != np.uint64(blank)]
    return int(values.size) - _distinct(values)


INTERVAL_US = ARRIVAL_RESOLUTION_MINUTES * 60 * 1_000_000
DAY_US = 86_400 * 1_000_000


def arrivals_from_sink(sink: pl.DataFrame, code: np.ndarray, names: list[str]) -> pl.DataFrame:
    """The arrivals table from :func:`row_sink`'s rows and each row's channel code (its
    index in ``names``): one aggregation on two integer keys."""
    interval = (pl.col("ts") // INTERVAL_US).cast(pl.Int32).alias("iv")
    frame = sink.select(interval, "handle", "wait", "gone").with_columns(
        code=pl.Series(code, dtype=pl.UInt8)
    )
    cells = (
        frame.lazy()
        .group_by("iv", "code")
        .agg(*arrival_sums("handle", "wait", "gone"))
        .collect(engine="streaming")
    )
    return tidy_arrivals(
        cells.with_columns(
            interval_start=(pl.col("iv").cast(pl.Int64) * INTERVAL_US).cast(pl.Datetime("us")),
            channel=pl.col("code").replace_strict(dict(enumerate(names)), return_dtype=pl.String),
        )
    )


def identified(rows: pl.LazyFrame, anonymous_ids: list[str]) -> pl.LazyFrame:
    return rows.filter(~pl.col("customer_id").is_in(anonymous_ids)) if anonymous_ids else rows


def pair_query(rows: pl.LazyFrame, anonymous_ids: list[str]) -> pl.LazyFrame:
    """Contacts per (customer, channel) of identified customers: exact, and costly."""
    return identified(rows, anonymous_ids).group_by(*PAIR_KEYS).agg(n=pl.len())


#: The columns of single contacts with a few distinct values each: kept as categories
#: (as_categories), so that group-bys and sorts move numbers instead of text.
CATEGORY_COLUMNS = ("channel", *DIMENSION_COLUMNS)


def as_categories(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` with the CATEGORY_COLUMNS it has as categories (a no-op where they are)."""
    present = [name for name in CATEGORY_COLUMNS if name in rows.columns]
    return rows.with_columns(pl.col(present).cast(pl.Categorical)) if present else rows


#: Every categorical column as text again: counts of rows kept as categories
#: (as_categories) hold text, as every other table of cx does.
CATEGORIES_AS_TEXT = pl.col(pl.Categorical).cast(pl.String)


#: Seeds of the two customer-id hashes and the channel hash (see preferred_from_hashes).
HASH_SEEDS = (0x5EED_C0DE, 0x0C0F_FEE1, 0x00CA_FE42)


def customer_hashes() -> dict[str, pl.Expr]:
    """``h1`` and ``h2``: the two independent 64-bit hashes of a row's customer id that
    :func:`preferred_from_hashes` counts customers by."""
    customer = pl.col("customer_id")
    return {"h1": customer.hash(HASH_SEEDS[0]), "h2": customer.hash(HASH_SEEDS[1])}


def channel_hashes(values: list[str]) -> np.ndarray:
    """The channel hashes :func:`row_sink` gives these channel values."""
    return pl.Series(values, dtype=pl.String).hash(HASH_SEEDS[2]).to_numpy()


def channel_codes(hk: np.ndarray, known: np.ndarray, codes: list[int]) -> np.ndarray | None:
    """Each contact's channel code from its channel hash, by a lookup table on 20 bits of
    the hash where the known channels differ; None if a hash is not a known one (or
    there are more than 256 channels)."""
    if not hk.size:
        return np.zeros(0, dtype=np.uint8)
    if not known.size or max(codes) > 255:
        return None
    width = np.uint64((1 << 20) - 1)
    for shift in range(0, 45, 4):
        slots = (known >> np.uint64(shift)) & width
        if np.unique(slots).size == slots.size:
            break
    else:
        return None
    table = np.zeros(1 << 20, dtype=np.uint8)
    table[slots] = codes
    owner = np.zeros(1 << 20, dtype=np.uint64)
    owner[slots] = known
    slot = (hk >> np.uint64(shift)) & width
    if not np.array_equal(owner[slot], hk):
        return None
    return table[slot]


def _run_starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values of ``ordered`` (sorted) starts."""
    change = np.empty(ordered.size, dtype=bool)
    change[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=change[1:])
    return np.flatnonzero(change)


def sorted_keys(values: np.ndarray, in_place: bool = False) -> np.ndarray:
    """``values``, 64-bit keys, sorted: by numpy (``in_place``: in ``values`` itself) or,
    for many keys on a CPU where it is faster (:func:`polars_sorts_faster`), by Polars
    (a new, read-only array). The order is the same either way."""
    if values.size >= PROBED_SORT and polars_sorts_faster():
        return pl.Series(values).sort().to_numpy()
    if not in_place:
        return np.sort(values)
    values.sort()
    return values


#: From this many keys on, the faster of numpy's and Polars' sorts sorts them.
PROBED_SORT = 1_000_000
_PROBE_LOCK = threading.Lock()


@cache
def polars_sorts_faster() -> bool:
    """Whether Polars sorts 64-bit keys faster than numpy on this CPU, measured once per
    process on 131,072 keys (a few milliseconds). numpy's vectorised sort takes 0.03 s
    for 5M keys where it has one for the CPU (AVX-512 on Intel), its plain sort 0.3 s
    elsewhere (most laptops, AMD Zen 4); Polars takes 0.08 s on two cores."""
    with _PROBE_LOCK:  # two threads asking at once would slow each other's probe
        probe = np.random.default_rng(0).integers(0, 2**63, 1 << 17, dtype=np.int64)

        def best(sort: Callable[[], object]) -> float:
            times = []
            for _ in range(2):
                started = perf_counter()
                sort()
                times.append(perf_counter() - started)
            return min(times)

        series = pl.Series(probe)
        return best(series.sort) < best(lambda: np.sort(probe))


def _preference(customer: np.ndarray, code: np.ndarray, bits: int, k: int) -> np.ndarray:
    """Customers per preferred channel code, customers told apart by ``customer``'s
    high bits: one sort of 64-bit keys, then run lengths and a max per customer."""
    mask = np.uint64((1 << bits) - 1)
    keys = np.bitwise_and(customer, ~mask)
    keys |= code
    keys = sorted_keys(keys, in_place=True)
    starts = _run_starts(keys)
    pairs = keys[starts]
    del keys
    # most contacts first; on a tie the lower code, which is the name sorting first
    # (in place where it can be: these arrays have a row per customer and channel)
    score = np.diff(starts, append=customer.size).view(np.uint64)
    del starts
    score <<= np.uint64(bits)
    low = pairs & mask
    np.subtract(mask, low, out=low)
    score |= low
    del low
    owner = pairs
    owner >>= np.uint64(bits)
    first = _run_starts(owner)
    del owner
    best = np.maximum.reduceat(score, first) if score.size else score[:0]  # no contacts
    return np.bincount((mask - (best & mask)).astype(np.int64), minlength=k)


def _distinct(values: np.ndarray) -> int:
    if not values.size:
        return 0
    ordered = sorted_keys(values)
    return 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1]))


def preferred_from_hashes(
    h1: np.ndarray, h2: np.ndarray, code: np.ndarray, names: list[str]
) -> pl.DataFrame | None:
    """Customers per preferred channel from hashed customer ids; None if unsure.

    ``code`` is each contact's channel as its index in ``names`` (sorted). Customers
    are told apart by the high bits of ``h1``; their number must equal the number of
    distinct ``h2``, an independent 64-bit hash. Two customers merged by a collision of
    ``h1`` make the counts differ, unless ``h2`` loses exactly as many customers to
    collisions of its own: odds below one in a billion even for ten million customers.
    None means the caller counts again exactly, with customer ids as text.
    """
    k = max(len(names), 1)
    bits = max(1, (k - 1).bit_length())
    with ThreadPoolExecutor(max_workers=1) as pool:  # Polars sorts without the GIL
        distinct = pool.submit(_distinct, h2)
        first = _preference(h1, code, bits, k)
        if int(first.sum()) != distinct.result():
            return None
    return pl.DataFrame(
        {"channel": names, "customers": first[: len(names)].astype(np.int64)},
        schema={"channel": pl.String, "customers": pl.Int64},
    ).filter(pl.col("customers") > 0)


def regroup(frame: pl.DataFrame, keys: tuple[str, ...], sums: tuple[str, ...]) -> pl.DataFrame:
    """Rows with equal keys added up (after keys were normalised, or parts concatenated)."""
    return frame.group_by(*keys).agg(*(_sum(name) for name in sums))


def tidy_demand(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("day").cast(pl.Date),
        *(pl.col(k).cast(pl.String) for k in DEMAND_KEYS[1:]),
        *(_sum_cast(name) for name in DEMAND_SUMS),
    )


def tidy_arrivals(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("interval_start").cast(pl.Datetime("us")),
        pl.col("channel").cast(pl.String),
        *(_sum_cast(name) for name in ARRIVAL_SUMS),
    )


def _sum_cast(name: str) -> pl.Expr:
    dtype = pl.Int64 if name in COUNTS else pl.Float64
    return pl.col(name).cast(dtype).fill_null(0).alias(name)


def preferred_counts(pairs: pl.DataFrame, channels: list[str]) -> pl.DataFrame:
    """Customers per preferred channel from contacts per (customer, channel).

    Each pair gets the score n·K + (K − 1 − rank of the channel by name), so one
    max per customer picks the most contacts and, on a tie, the name sorting first.
    """
    names = sorted(channels)
    k = max(len(names), 1)
    rank = {name: i for i, name in enumerate(names)}
    score = pl.col("n").cast(pl.UInt64) * k + (
        k - 1 - pl.col("channel").replace_strict(rank, return_dtype=pl.UInt64)
    )
    best = (
        pairs.lazy()
        .select("customer_id", score=score)
        .group_by("customer_id")
        .agg(pl.col("score").max())
        .group_by(index=(k - 1 - pl.col("score") % k).cast(pl.Int64))
        .agg(customers=pl.len().cast(pl.Int64))
        .collect(engine="streaming")
    )
    return best.select(
        pl.col("index")
        .replace_strict(dict(enumerate(names)), return_dtype=pl.String)
        .alias("channel"),
        "customers",
    ).sort("channel")


#: A first or last period holding less than this share of its days is noted.
PARTIAL_SHARE = 0.25


def partial_period_notes(first: date, last: date, period: str) -> list[str]:
    """A note for a first or last period the data covers only a small part of (the
    data starts late in it or ends early in it), when there are other periods to
    compare it with: its totals are those of a few days."""
    starts = periods.calendar(
        periods.start_of(first, period), periods.start_of(last, period), period
    )
    if len(starts) < 2:
        return []
    notes = []
    for which, start, covered in (
        ("first", starts[0], (periods.next_start(starts[0], period) - first).days),
        ("last", starts[-1], (last - starts[-1]).days + 1),
    ):
        days = (periods.next_start(start, period) - start).days
        if covered < days * PARTIAL_SHARE:
            notes.append(
                f"the data covers only {covered} of the {days} days of its {which} period "
                f"({periods.label(start, period)}): that period's totals are not comparable "
                "with full periods"
            )
    return notes


def empty_period_notes(starts: list[date], busy: set[date], period: str) -> list[str]:
    """A note when periods between the first and the last contact hold no contact: a
    closure, or one stray or placeholder date (2000-01-01) far from the rest, which
    stretches the data over years of empty periods, each charged its fixed costs."""
    empty = [start for start in starts if start not in busy]
    if not empty:
        return []
    span = periods.label(empty[0], period)
    if len(empty) > 1:
        span += f" … {periods.label(empty[-1], period)}"
    verb = plural(len(empty), "has", "have")
    return [
        f"{len(empty)} of the data's {len(starts)} {period}s {verb} no contacts ({span}), and "
        "fixed costs are charged for each: a closure, or a stray or placeholder date far from "
        "the rest? Check the first and last contact (cx inspect)"
    ]


@dataclass
class FineCube:
    demand: pl.DataFrame
    arrivals: pl.DataFrame
    preferred: pl.DataFrame
    rows_read: int
    rows_rejected: int
    first: datetime | None
    last: datetime | None
    rows_dropped: int = 0  # by the mapping's `drop:` (not in rows_read)
    reject_reasons: dict[str, int] = field(default_factory=dict)
    rejects_sample: pl.DataFrame = field(default_factory=pl.DataFrame)
    duplicate_rows: int | None = None  # counted by the scan (None: not counted)
    time_of_day: bool = True  # False: every valid timestamp at 00:00:00 (has_time_of_day)
    notes: list[str] = field(default_factory=list)  # the file's (cx.data.notes.file_notes)

    @property
    def rows_used(self) -> int:
        return self.rows_read - self.rows_rejected

    def to_cube(self, period: str, file: str) -> Cube:
        """The cube of one calendar period (week, month or quarter)."""
        if self.first is None or self.last is None:
            raise DataError("no valid rows to build a cube from", file=file)
        start = periods.period_start(pl.col("day"), period).alias("period_start")
        demand = (
            self.demand.group_by(start, *DEMAND_KEYS[1:])
            .agg(*(pl.col(n).sum().cast(pl.Float64) for n in DEMAND_SUMS))
            .sort("period_start", "channel", *DIMENSION_COLUMNS)
        )
        interval = pl.col("interval_start")
        arrivals = self.arrivals.select(
            periods.period_start(interval, period).alias("period_start"),
            "channel",
            "interval_start",
            pl.col("contacts").cast(pl.Float64),
            (pl.col("contacts") - pl.col("before_queue")).cast(pl.Float64).alias("queued"),
        ).sort("channel", "interval_start")
        by_hour = (
            self.arrivals.group_by("channel", interval.dt.hour().alias("hour"))
            .agg(*(pl.col(n).sum().cast(pl.Float64) for n in ARRIVAL_SUMS[1:]))
            .sort("channel", "hour")
        )
        starts = periods.calendar(
            periods.start_of(self.first.date(), period),
            periods.start_of(self.last.date(), period),
            period,
        )
        meta = DataMeta(
            file=file,
            rows_read=self.rows_read,
            rows_used=self.rows_used,
            rows_rejected=self.rows_rejected,
            rows_dropped=self.rows_dropped,
            customers=int(self.preferred["customers"].sum()) if self.preferred.height else 0,
            period=period,
            period_starts=starts,
            channels_observed=sorted(self.demand["channel"].unique().to_list()),
            rejects_sample=self.rejects_sample,
            reject_reasons=self.reject_reasons,
            first_timestamp=self.first.isoformat(),
            last_timestamp=self.last.isoformat(),
            notes=list(self.notes),
        )
        if self.arrivals.height and not self.time_of_day:
            meta.time_of_day = False
            meta.notes.append(MIDNIGHT_NOTE)
        meta.notes.extend(partial_period_notes(self.first.date(), self.last.date(), period))
        busy = demand.get_column("period_start").unique().to_list()
        meta.notes.extend(empty_period_notes(starts, set(busy), period))
        if self.duplicate_rows is not None:
            meta.duplicate_rows = self.duplicate_rows
            meta.duplicates_counted = True
        return Cube(
            demand=demand,
            arrivals=arrivals,
            preferred=self.preferred.select(
                pl.col("channel").cast(pl.String), pl.col("customers").cast(pl.Int64)
            ).sort("channel"),
            handle_by_hour=by_hour,
            meta=meta,
        )

    # ----------------------------------------------------------------------- cube files

    def to_frame(self) -> pl.DataFrame:
        """The cube-file layout: every table's rows in one frame, told apart by ``table``."""
        stats = pl.DataFrame(
            {
                "rows_read": [self.rows_read],
                "rows_rejected": [self.rows_rejected],
                "rows_dropped": [self.rows_dropped],
                "first_timestamp": [self.first],
                "last_timestamp": [self.last],
                "time_of_day": [self.time_of_day],
                "cube_format": [CUBE_FILE_FORMAT],
            }
        )
        parts = [
            self.demand.with_columns(table=pl.lit("demand")),
            self.arrivals.with_columns(table=pl.lit("arrivals")),
            self.preferred.with_columns(table=pl.lit("preferred")),
            stats.with_columns(table=pl.lit("stats")),
        ]
        frame = pl.concat(parts, how="diagonal_relaxed")
        return frame.select(
            *(
                pl.col(name).cast(dtype)
                if name in frame.columns
                else pl.lit(None, dtype).alias(name)
                for name, dtype in CUBE_FILE_SCHEMA.items()
            ),
            *self.note_columns(),
        )

    def note_columns(self) -> list[pl.Expr]:
        """The stats row's NOTE_COLUMNS of this cube (its duplicate rows, its notes), each
        only where it has something to say; null in the other tables' rows."""
        said = {
            "duplicate_rows": self.duplicate_rows or None,
            "notes": json.dumps(self.notes, ensure_ascii=False) if self.notes else None,
        }
        stats_row = pl.col("table") == "stats"
        return [
            pl.when(stats_row).then(pl.lit(said[name], dtype)).alias(name)
            for name, dtype in NOTE_COLUMNS.items()
            if said[name] is not None
        ]

    def write(self, path: str | Path) -> None:
        in_file_order(self.to_frame()).write_parquet(path)


def is_cube_file(path: Path) -> bool:
    """A Parquet file (or directory) in the cube-file layout: it has ``table`` and
    ``contacts`` columns."""
    names = parquet_columns(path)
    return names is not None and "table" in names and "contacts" in names


def _cast(frame: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(None, dtype).alias(name)
    column = pl.col(name)
    current = frame.schema[name]
    if isinstance(dtype, pl.Datetime) and isinstance(current, pl.Datetime):
        if current.time_zone is not None:  # e.g. Spark: instants in UTC
            column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return column.cast(dtype)
    if isinstance(dtype, pl.Datetime) and current == pl.String:
        return column.str.to_datetime(time_unit="us", strict=True).alias(name)
    return column.cast(dtype, strict=True)


MAX_COUNT = 2.0**53
#: Columns cube_format 2 added: a file without them was written by an older cx.
NEW_IN_FORMAT_2 = ("before_queue", "rows_dropped")
#: Cube-file columns that hold sums of seconds: finite and never negative.
SECONDS_SUMS = ("handle_sum", "wait_sum")
CUBE_FILE_HINT = "build it with `cx cube` or the SQL of `cx cube --sql` (docs/scale.md)"


def _check_cube_columns(raw: pl.DataFrame, path: Path) -> None:
    """Refuse a cube file whose columns are missing or whose numbers are no counts
    (negative, fractional, not finite) or no sums of seconds (negative, not finite):
    each would be a silently wrong figure downstream."""
    absent = [name for name in CUBE_FILE_SCHEMA if name not in raw.columns]
    missing = [name for name in absent if name not in OPTIONAL_COLUMNS]
    if missing and set(missing) <= set(NEW_IN_FORMAT_2) and "cube_format" in raw.columns:
        raise DataError(  # written by an older cx: say so rather than list columns
            f"cube file is cube_format 1 (no {', '.join(missing)}); this cx reads "
            f"cube_format {CUBE_FILE_FORMAT}",
            file=path,
            hint="build the cube file again with this cx (`cx cube`)",
        )
    if missing:
        raise DataError(
            f"cube file lacks {plural(len(missing), 'column')}: {', '.join(missing)}",
            file=path,
            hint=CUBE_FILE_HINT,
        )
    counts = (*COUNTS, "rows_read", "rows_rejected", "rows_dropped", "duplicate_rows")
    for name in (*counts, *SECONDS_SUMS):
        if name not in raw.columns or not raw.schema[name].is_numeric():
            continue  # absent: not a cube-file column; text: the strict cast decides
        value = pl.col(name).cast(pl.Float64)
        count = name not in SECONDS_SUMS
        bad = ~value.is_finite() | (value < 0)
        if count:  # a whole number that a float64 sum still counts exactly
            bad = bad | (value != value.floor()) | (value > MAX_COUNT)
        found = raw.select(bad.fill_null(False).arg_true().first()).item()
        if found is not None:
            kind = "a count (a whole number ≥ 0)" if count else "a finite number ≥ 0"
            raise DataError(
                f"cube file row {found + 1}: {name} is {raw[name][found]!r}, not {kind}",
                file=path,
                hint=CUBE_FILE_HINT,
            )


def _check_cube_format(stats: pl.DataFrame, raw: pl.DataFrame, path: Path) -> None:
    formats = raw.filter(pl.col("table") == "stats")["cube_format"].to_list()
    if stats.height == 1 and formats != [CUBE_FILE_FORMAT]:
        found = "no cube_format" if formats[0] is None else f"cube_format {formats[0]!r}"
        raise DataError(
            f"cube file has {found}; this cx reads cube_format {CUBE_FILE_FORMAT}",
            file=path,
            hint="build the cube file again with this cx (`cx cube`)",
        )


def _check_cube_span(
    first: datetime | None,
    last: datetime | None,
    demand: pl.DataFrame,
    arrivals: pl.DataFrame,
    path: Path,
) -> None:
    """The stats row's first and last timestamps hold every day and interval of the
    cube, in the years a scan accepts (cx.data.rules): else periods would be made up."""
    if first is None or last is None:
        return  # no valid rows: said when the cube is used
    if not EARLIEST_TIMESTAMP <= first <= last < LATEST_TIMESTAMP:
        raise DataError(
            f"cube file is inconsistent: first and last timestamps {first} and {last} "
            f"are out of order or {OUT_OF_TIME_RANGE}",
            file=path,
            hint=CUBE_FILE_HINT,
        )
    day_start = datetime.combine(first.date(), time(0))
    for name, column, low, high in (
        ("day", demand["day"], first.date(), last.date()),
        ("interval_start", arrivals["interval_start"], day_start, last),
    ):
        if column.len() and (column.min() < low or column.max() > high):  # type: ignore[operator]
            raise DataError(
                f"cube file is inconsistent: {name} outside its first to last timestamp "
                f"({first} to {last})",
                file=path,
                hint=CUBE_FILE_HINT,
            )


#: A cube file's row number (from 0) beside its columns while it is checked.
ROW = "__row"
#: What to do about a cube file whose tables contradict each other: it was changed, or
#: its SQL was run into a table that already held a cube.
CUBE_REBUILD_HINT = (
    "build it again with `cx cube`, or run the SQL of `cx cube --sql` once into an empty table"
)
#: Counts of a row that are parts of another count of that row: (parts, whole), where
#: the parts added up are at most the whole. A served contact has a handle time, an
#: abandoned one none (served_handle); before_queue counts abandoned contacts with a
#: wait of 0.
DEMAND_BOUNDS = ((("handle_n",), "contacts"),)
ARRIVAL_BOUNDS = (
    (("handle_n", "abandoned"), "contacts"),
    (("wait_n",), "contacts"),
    (("abandoned_n",), "contacts"),
    (("abandoned",), "abandoned_n"),
    (("before_queue",), "abandoned"),
    (("before_queue",), "wait_n"),
)
Bounds = tuple[tuple[tuple[str, ...], str], ...]


def check_table_rows(
    rows: pl.DataFrame, table: str, keys: tuple[str, ...], bounds: Bounds, path: Path
) -> None:
    """Refuse the rows of one cube-file table (with their ROW) where two share their
    keys, or a row's parts add up to more than their whole: a count in one row that
    another row or another count of the row contradicts would change the figures
    silently."""
    repeated = (
        rows.select(ROW, *keys, first=pl.col(ROW).min().over(keys))
        .filter(pl.col(ROW) != pl.col("first"))
    )
    if repeated.height:
        found = repeated.sort(ROW).row(0, named=True)
        named = ", ".join(f"{k} {_key_value(found[k])}" for k in keys)
        raise DataError(
            f"cube file is inconsistent: rows {found['first'] + 1} and {found[ROW] + 1} are "
            f"both {table} of {named}",
            file=path,
            hint=CUBE_REBUILD_HINT,
        )
    for parts, whole in bounds:
        total = pl.sum_horizontal(pl.col(parts).fill_null(0))
        over = rows.filter(total > pl.col(whole).fill_null(0))
        if over.height:
            found = over.select(ROW, total.alias("parts"), whole).row(0, named=True)
            raise DataError(
                f"cube file row {found[ROW] + 1} is inconsistent: {' + '.join(parts)} is "
                f"{found['parts']:,}, more than its {whole} ({found[whole] or 0:,})",
                file=path,
                hint=CUBE_REBUILD_HINT,
            )


def _key_value(value: object) -> str:
    return f"'{shown(value)}'" if isinstance(value, str) else str(value)


def check_same_counts(
    left: tuple[str, pl.DataFrame],
    right: tuple[str, pl.DataFrame],
    names: tuple[str, ...],
    path: Path,
) -> None:
    """Refuse two cube-file tables that count the same contacts (each a table's name
    and rows) but give a channel different counts ``names``."""
    (left_name, left_rows), (right_name, right_rows) = left, right
    both = (
        left_rows.group_by("channel")
        .agg(pl.col(names).sum())
        .join(
            right_rows.group_by("channel").agg(pl.col(names).sum()),
            on="channel",
            how="full",
            coalesce=True,
            suffix="_other",
        )
        .fill_null(0)
        .sort("channel")
    )
    for name in names:
        differ = both.filter(pl.col(name) != pl.col(f"{name}_other"))
        if differ.height:
            channel, mine, theirs = differ.select("channel", name, f"{name}_other").row(0)
            raise DataError(
                f"cube file is inconsistent: {left_name} and {right_name} count {mine:,} and "
                f"{theirs:,} {name} of channel '{shown(channel)}'",
                file=path,
                hint=CUBE_REBUILD_HINT,
            )


def _check_cube_contacts(stats: dict[str, Any], contacts: int, path: Path) -> None:
    """The tables count each row used (read and not rejected) once: as many contacts as
    the stats row says were used, where it says how many were read."""
    if stats["rows_read"] is None:
        return
    used = stats["rows_read"] - (stats["rows_rejected"] or 0)
    if contacts != used:
        raise DataError(
            f"cube file is inconsistent: its tables count {contacts:,} contacts, its stats "
            f"row {used:,} (rows_read {stats['rows_read']:,} less rows_rejected "
            f"{stats['rows_rejected'] or 0:,})",
            file=path,
            hint=CUBE_REBUILD_HINT,
        )


def read_cube_file(path: str | Path) -> FineCube:
    """A fine cube from a cube file (Parquet); a malformed file is a DataError."""
    path = Path(path)
    try:
        raw = pl.read_parquet(path, glob=False)
        _check_cube_columns(raw, path)
        schema = {**CUBE_FILE_SCHEMA, **NOTE_COLUMNS}
        frame = raw.select(_cast(raw, name, dtype) for name, dtype in schema.items())
        frame = frame.with_row_index(ROW)
    except READ_FAILURES as exc:
        raise DataError(f"cannot read cube file: {failure_text(exc)}", file=path) from None
    tables = set(frame["table"].unique().to_list())
    unknown = tables - set(CUBE_FILE_TABLES)
    if unknown:
        named = shown_list(sorted("null" if n is None else f"'{shown(n)}'" for n in unknown))
        raise DataError(
            f"cube file has rows of no table cx knows: {named}",
            file=path,
            hint=f"the tables are {', '.join(CUBE_FILE_TABLES)}; {CUBE_FILE_HINT}",
        )
    # No preferred rows is a file whose customers are all anonymous: nothing to count.
    missing = {"demand", "arrivals", "stats"} - tables
    if missing:
        raise DataError(
            f"cube file has no {', '.join(sorted(missing))} rows",
            file=path,
            hint=CUBE_FILE_HINT,
        )

    def table(name: str) -> pl.DataFrame:
        return frame.filter(pl.col("table") == name)

    stats = table("stats")
    demand_rows = table("demand").with_columns(pl.col(DIMENSION_COLUMNS).fill_null("all"))
    demand = tidy_demand(demand_rows)
    arrival_rows = table("arrivals")
    arrivals = tidy_arrivals(arrival_rows)
    preferred = table("preferred").select("channel", _sum_cast("customers"))
    bad = [
        f"{name} rows without {key}"
        for name, column, key in (
            ("demand", demand, "channel"),
            ("demand", demand, "day"),
            ("arrivals", arrivals, "channel"),
            ("arrivals", arrivals, "interval_start"),
            ("preferred", preferred, "channel"),
        )
        if column[key].null_count() or (key == "channel" and (column[key] == "").any())
    ]
    off_grid = arrivals.filter(pl.col("interval_start").cast(pl.Int64) % INTERVAL_US != 0)
    if off_grid.height:
        first = off_grid["interval_start"].min()
        bad.append(
            f"arrivals at {first}, off the {ARRIVAL_RESOLUTION_MINUTES}-minute intervals "
            "they are counted in"
        )
    if stats.height != 1:
        bad.append("not exactly one stats row")
    if bad:
        raise DataError(f"cube file is inconsistent: {'; '.join(bad)}", file=path)
    _check_cube_format(stats, frame, path)
    row = stats.row(0, named=True)
    rows_read = int(row["rows_read"] or demand["contacts"].sum())
    if int(row["rows_rejected"] or 0) > rows_read:
        raise DataError("cube file is inconsistent: more rows rejected than read", file=path)
    _check_cube_span(row["first_timestamp"], row["last_timestamp"], demand, arrivals, path)
    for name, rows, keys, bounds in (
        ("demand", demand_rows, DEMAND_KEYS, DEMAND_BOUNDS),
        ("arrivals", arrival_rows, ARRIVAL_KEYS, ARRIVAL_BOUNDS),
        ("preferred", table("preferred"), ("channel",), ()),
    ):
        check_table_rows(rows, name, keys, bounds, path)
    check_same_counts(("demand", demand), ("arrivals", arrivals), ("contacts", "handle_n"), path)
    _check_cube_contacts(row, int(demand["contacts"].sum()), path)
    return FineCube(
        demand=demand,
        arrivals=arrivals,
        preferred=preferred,
        rows_read=rows_read,
        rows_rejected=int(row["rows_rejected"] or 0),
        first=row["first_timestamp"],
        last=row["last_timestamp"],
        rows_dropped=int(row["rows_dropped"] or 0),
        # null: written without the column, by an older cx; the intervals tell what they can
        time_of_day=has_time_of_day(arrivals) or bool(row["time_of_day"]),
        duplicate_rows=row["duplicate_rows"],
        notes=_file_notes(row["notes"], path),
    )


def _file_notes(text: str | None, path: Path) -> list[str]:
    """The notes of a cube file's stats row (NOTE_COLUMNS): a JSON list of text, or none."""
    if text is None:
        return []
    try:
        notes = json.loads(text)
    except ValueError:
        notes = None
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise DataError(
            f"cube file's notes are not a JSON list of text: {shown(text)!r}",
            file=path,
            hint=CUBE_FILE_HINT,
        )
    return notes
