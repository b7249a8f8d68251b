"""The fast scan: one streaming read of a few numbers per row, exact where it counts.

The read (:func:`_row_sink`) parses each row with :func:`cx.data.fastrows.fast_rows`
and keeps a few numbers per row, aggregated after the read: demand by a key of
hashed key values, which the first rows' values name
(:func:`cx.data.fine.key_table`); keys are normalised on the aggregates, and
customers' preferred channels come from hashed ids
(:func:`cx.data.fine.preferred_from_hashes`). Suspect rows and rows with key values
the first rows do not have are read again and checked with the exact rules
(:func:`cx.data.rules.parse_rows`); the valid ones are added back. Where that cannot
be exact — no key table, too many rows to check, a blank channel, a key value with a
control character — :func:`scan_fast` returns None and the caller scans the file
with the exact rules (:func:`cx.data.scan.scan_fine`): slower, same result.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import polars as pl

from cx.data import fine
from cx.data.diagnose import READ_FAILURES, read_error
from cx.data.exact import as_text, finish
from cx.data.fastrows import SUSPECT, fast_rows, raw_key_columns
from cx.data.layout import RAW, ROW, SourceLayout
from cx.data.raw import (
    LINE,
    blank_line_hash,
    collect,
    number_sources,
    raw_frame,
    read_head,
)
from cx.data.rules import CONTROL_CHARACTER, completed, parse_rows, parsed_channel, source
from cx.models.mapping import DIMENSION_COLUMNS, Mapping

#: At most this many suspect rows are kept for the exact re-check; more, and the file
#: is scanned with the exact rules throughout (memory stays bounded either way).
SUSPECT_LIMIT = 1_000_000


def scan_fast(
    text_layout: SourceLayout,
    mapping: Mapping,
    encoding: str,
    rejects_out: Callable[[pl.DataFrame], None] | None,
) -> fine.FineCube | None:
    """The fine cube of the file of ``text_layout`` by the fast path, or None where the
    fast path cannot be exact (the caller then runs the exact scan)."""
    table = _key_table(text_layout, mapping, encoding)
    if table is None:
        return None
    path = text_layout.path
    layout, sink = _first_pass(
        text_layout, encoding, lambda read: _row_sink(read, mapping, encoding)
    )
    # Settled: valid, with key values seen in the first rows. The others are checked
    # again with the exact rules, as the file's text.
    keys = table["key"].implode()
    settled = pl.col("valid") & pl.col("key").is_in(keys)
    again = sink.select(settled.not_().arg_true().alias(ROW))[ROW]
    if "row" in sink.columns:  # rows were dropped: positions in the sink are not rows
        again = sink["row"].gather(again).alias(ROW)
    read, found = sink.height, again.len()
    if found > SUSPECT_LIMIT:
        return None
    with ThreadPoolExecutor(max_workers=1) as pool:
        repeated = pool.submit(fine.duplicates, sink["line"], blank_line_hash(layout))
        sink = sink.filter(settled) if found else sink
        sink = sink.drop("line", "valid")
        demand = fine.demand_from_sink(sink, table)
        duplicate_rows = repeated.result()
    bounds = fine.sink_bounds(sink)
    checked = _checked_again(text_layout, mapping, encoding, again)
    rescued = checked.filter(pl.col("reject_reason").is_null())
    normal = _normalise(layout, mapping, raw_key_columns(layout), demand)
    if normal is None:
        return None
    demand, channel_of = normal
    names = sorted(set(channel_of.values()) | set(rescued["channel"].unique().to_list()))
    rank = {name: i for i, name in enumerate(names)}
    raw = sorted(channel_of)
    code = fine.channel_codes(
        sink["hk"].to_numpy(), fine.channel_hashes(raw), [rank[channel_of[v]] for v in raw]
    )
    if code is None:  # a channel hash that is not a known one (never expected)
        return None
    with ThreadPoolExecutor(max_workers=1) as pool:  # Polars and numpy release the GIL
        counted = pool.submit(fine.arrivals_from_sink, sink, code, names)
        preferred = _preferred(names, sink, code, rescued, mapping)
        arrivals = counted.result()
    # The timestamps are read only where every interval starts at 00:00 (rare).
    stamps = partial(sink.get_column("ts").cast, pl.Datetime("us"))
    time_of_day = fine.has_time_of_day(arrivals, stamps, lambda: rescued["timestamp"])
    del sink, stamps
    parts = [(demand, arrivals, bounds)]
    if rescued.height:
        parts.append(tuple(pl.collect_all(fine.row_queries(rescued.lazy()))))
    if preferred is None:  # the hashes could not vouch for themselves: count exactly
        rows = fast_rows(layout, mapping, encoding)
        valid = rows.filter(~pl.col(SUSPECT) & fine.demand_key().is_in(keys))
        pairs = collect(path, [fine.pair_query(valid, mapping.anonymous_ids)])[0]
        pairs = pairs.with_columns(pl.col("channel").replace(channel_of))
        exact_pairs = fine.pair_query(rescued.lazy(), mapping.anonymous_ids).collect()
        both = pl.concat([pairs, exact_pairs], how="vertical_relaxed")
        pairs = fine.regroup(both, fine.PAIR_KEYS, ("n",))
        preferred = fine.preferred_counts(pairs, names)
    rejected = checked.filter(pl.col("reject_reason").is_not_null())
    cube = finish(layout, parts, preferred, read, rejected, rejects_out, duplicate_rows)
    cube.time_of_day = time_of_day
    return cube


#: Rows of a file read first with number columns as numbers, to see that they parse.
TYPED_PROBE_ROWS = 2_000


def typed_numbers(layout: SourceLayout) -> SourceLayout:
    """``layout`` with the number columns of a CSV (plain or gzip) read as numbers.

    Polars' CSV reader parses a number where it reads it, which costs far less than
    reading text and casting it; it accepts what the cast accepts, plus leading
    blanks (which the rules of §3 trim anyway), and fails on anything else, after
    which the scan reads the file as text (:func:`_first_pass`).
    """
    if layout.format != "csv":
        return layout
    numbers = {name: pl.Float64() for name in number_sources(layout)}
    return replace(layout, dtypes={**layout.dtypes, **numbers}) if numbers else layout


def _first_pass(
    layout: SourceLayout, encoding: str, query: Callable[[SourceLayout], pl.LazyFrame]
) -> tuple[SourceLayout, pl.DataFrame]:
    """The one read of a fast pass: ``query`` of the file's rows, with number columns
    read as numbers when they parse (:func:`typed_numbers`), else as text. Returns the
    layout read with and the result."""
    typed = typed_numbers(layout)
    if typed is not layout and _parses(typed, encoding):
        try:
            return typed, query(typed).collect(engine="streaming")
        except pl.exceptions.ComputeError:
            pass  # a number past the first rows does not parse: read the file as text
        except READ_FAILURES as exc:
            raise read_error(layout.path, exc) from None
    return layout, collect(layout.path, [query(layout)])[0]


def _checked_again(
    text_layout: SourceLayout, mapping: Mapping, encoding: str, rows: pl.Series
) -> pl.DataFrame:
    """The rows numbered ``rows`` read again as text, through the exact rules
    (:func:`cx.data.rules.parse_rows`), each with its reject reason."""
    again = raw_frame(text_layout, encoding, text=False).select(
        ROW, *(RAW + name for name in text_layout.source_columns())
    )
    again = again.filter(pl.col(ROW).is_in(rows.implode()))
    again = collect(text_layout.path, [again])[0] if rows.len() else again.clear().collect()
    text = as_text(again, text_layout).lazy()
    return completed(parse_rows(text, text_layout, mapping)).collect()


def fast_valid_rows(
    text_layout: SourceLayout, mapping: Mapping, encoding: str, columns: list[str]
) -> pl.DataFrame | None:
    """``__row`` and the canonical ``columns`` of the valid rows of the file, read as
    the fast scan reads them (None where that cannot be exact: the caller then reads
    the rows with the exact rules, :func:`cx.data.exact.valid_rows`).

    Rows the fast parse does not vouch for are checked again with the exact rules, and
    the key values as read are normalised once per distinct value (:func:`_normalise`):
    the same rows, with the same values, as the exact rules give, in no set order; the
    channel and dimension columns as categories (:func:`cx.data.fine.as_categories`).
    """
    valid = _read_valid(text_layout, mapping, encoding, columns, line_hash=False)
    return None if valid is None else valid.rows


#: The canonical columns the cube is counted from (:func:`cx.data.fine.row_queries`).
CUBE_COLUMNS = (
    "customer_id",
    "timestamp",
    "channel",
    *DIMENSION_COLUMNS,
    "handle_time",
    "wait_time",
    "abandoned",
)


def scan_with_rows(
    text_layout: SourceLayout,
    mapping: Mapping,
    encoding: str,
    columns: list[str],
    rejects_out: Callable[[pl.DataFrame], None] | None,
) -> tuple[fine.FineCube, pl.DataFrame] | None:
    """The fine cube of the file and ``__row`` with the canonical ``columns`` of its
    valid rows, from one read (None where that cannot be exact: the caller then reads
    with the exact rules).

    For the commands that need single contacts as well as the cube (inspect, report,
    outcomes): the valid rows are read as :func:`fast_valid_rows` reads them, and the
    cube is counted from them in memory, as the exact scan counts its valid rows
    (:func:`cx.data.fine.row_queries`), instead of in a read of its own.
    """
    wanted = list(dict.fromkeys([*CUBE_COLUMNS, *columns]))
    valid = _read_valid(text_layout, mapping, encoding, wanted, line_hash=True)
    if valid is None:
        return None
    # As categories (_read_valid): the cube's group-bys here, and the sort into journey
    # order after, handle numbers, not text.
    rows = valid.rows
    names = sorted(rows.get_column("channel").unique().drop_nulls().cast(pl.String).to_list())
    with ThreadPoolExecutor(max_workers=1) as pool:  # Polars and numpy release the GIL
        repeated = pool.submit(fine.duplicates, valid.lines, blank_line_hash(valid.layout))
        queries = fine.row_queries(rows.lazy())
        counted = [query.with_columns(fine.CATEGORIES_AS_TEXT) for query in queries]
        parts = [tuple(pl.collect_all(counted))]
        hashed = _row_hashes(rows.lazy(), names, mapping)
        preferred = fine.preferred_from_hashes(
            hashed["h1"].to_numpy(), hashed["h2"].to_numpy(), hashed["code"].to_numpy(), names
        )
        duplicate_rows = repeated.result()
    if preferred is None:  # the hashes could not vouch for themselves: count exactly
        pairs = fine.pair_query(rows.lazy(), mapping.anonymous_ids).collect()
        preferred = fine.preferred_counts(pairs, names)
    cube = finish(
        valid.layout, parts, preferred, valid.read, valid.rejected, rejects_out, duplicate_rows
    )
    cube.time_of_day = fine.has_time_of_day(cube.arrivals, lambda: rows["timestamp"])
    return cube, rows.select(ROW, *columns)


@dataclass
class _Valid:
    """What :func:`_read_valid` found: the layout the file was read with, the valid
    rows, the number of rows read, the rejected ones (with their reasons and text) and,
    where asked for, every row's line hash."""

    layout: SourceLayout
    rows: pl.DataFrame
    read: int
    rejected: pl.DataFrame
    lines: pl.Series | None


def _read_valid(
    text_layout: SourceLayout,
    mapping: Mapping,
    encoding: str,
    columns: list[str],
    line_hash: bool,
) -> _Valid | None:
    """The valid rows of :func:`fast_valid_rows` and what else the read tells."""

    def query(read: SourceLayout) -> pl.LazyFrame:
        rows = fast_rows(read, mapping, encoding, line_hash=line_hash)
        return rows.select(ROW, SUSPECT, *([LINE] if line_hash else []), *columns)

    layout, rows = _first_pass(text_layout, encoding, query)
    read = rows.height
    lines = rows.get_column(LINE) if line_hash else None
    suspect = rows.get_column(SUSPECT)
    again = rows.get_column(ROW).filter(suspect)
    if again.len() > SUSPECT_LIMIT:
        return None
    rows = rows.filter(~suspect) if again.len() else rows
    # Categories before the key values are normalised: their distinct values come
    # from the categories instead of a pass over the text of every row.
    rows = fine.as_categories(rows.drop(SUSPECT, *([LINE] if line_hash else [])))
    keys = raw_key_columns(layout) & set(columns)
    normal = _normalise(layout, mapping, keys, rows) if keys else (rows, {})
    if normal is None:
        return None
    checked = _checked_again(text_layout, mapping, encoding, again)
    reason = pl.col("reject_reason")
    rescued = fine.as_categories(checked.filter(reason.is_null()).select(ROW, *columns))
    rows = normal[0]
    if rescued.height:
        rows = pl.concat([rows, rescued], how="vertical_relaxed")
    return _Valid(layout, rows, read, checked.filter(reason.is_not_null()), lines)


def _row_sink(layout: SourceLayout, mapping: Mapping, encoding: str) -> pl.LazyFrame:
    """The one query of the read: a few numbers per row (fine.row_sink), from which the
    demand, the arrivals, the preferred channels, the bounds and the rows to check
    again are all found after the read. With no aggregation beside it, the streaming
    engine holds far less memory, which is most of what one would cost."""
    rows = fast_rows(layout, mapping, encoding)
    row = ROW if layout.drop else None  # positions in the sink are rows only without drops
    valid = ~pl.col(SUSPECT)
    return fine.row_sink(rows, mapping.anonymous_ids, valid, line=LINE, key=True, row=row)


#: Rows of a file whose key values make the table of demand keys (fine.key_table).
KEY_TABLE_ROWS = 20_000


def _key_table(layout: SourceLayout, mapping: Mapping, encoding: str) -> pl.DataFrame | None:
    """The demand keys of the file's first rows (None: the exact scan must count)."""
    try:
        head = fast_rows(layout, mapping, encoding, head=KEY_TABLE_ROWS)
        seen = head.select(fine.KEY_NAMES).collect()
    except READ_FAILURES:  # the scan itself says what is wrong with the file
        return None
    return fine.key_table(seen)


def _parses(layout: SourceLayout, encoding: str) -> bool:
    """Whether the first rows of the file parse with ``layout``'s column types (read
    by lines, so a gzip file is not decompressed whole for it)."""
    try:
        read_head(layout, encoding, TYPED_PROBE_ROWS)
    except READ_FAILURES:
        return False
    return True


def _preferred(
    names: list[str],
    sink: pl.DataFrame,
    code: np.ndarray,
    rescued: pl.DataFrame,
    mapping: Mapping,
) -> pl.DataFrame | None:
    """Preferred channels from the fast path's hashes plus the rescued rows' own (the
    rescued rows are few: they are hashed here, with the seeds of the sink)."""
    h1, h2 = sink["h1"].to_numpy(), sink["h2"].to_numpy()
    if "known" in sink.columns:  # anonymous customers are no one's preference
        known = sink["known"].to_numpy()
        h1, h2, code = h1[known], h2[known], code[known]
    if rescued.height:
        extra = _row_hashes(rescued.lazy(), names, mapping)
        h1 = np.concatenate([h1, extra["h1"].to_numpy()])
        h2 = np.concatenate([h2, extra["h2"].to_numpy()])
        code = np.concatenate([code, extra["code"].to_numpy()])
    return fine.preferred_from_hashes(h1, h2, code, names)


def _row_hashes(rows: pl.LazyFrame, names: list[str], mapping: Mapping) -> pl.DataFrame:
    """``h1`` and ``h2`` (:func:`cx.data.fine.customer_hashes`) and the channel's index
    in ``names`` (``code``) of the rows of identified customers."""
    rank = {name: i for i, name in enumerate(names)}
    ones = fine.identified(rows, mapping.anonymous_ids)
    code = pl.col("channel").replace_strict(rank, return_dtype=pl.UInt8)
    return ones.select(**fine.customer_hashes(), code=code).collect()


def _normalise(
    layout: SourceLayout,
    mapping: Mapping,
    raw_keys: frozenset[str],
    demand: pl.DataFrame,
) -> tuple[pl.DataFrame, dict[str, str]] | None:
    """Demand's keys as read → canonical values, once per distinct value (equal keys are
    added up when the fine cube is finished); and each channel as read → canonical.

    None when a channel is blank once trimmed, or a key value holds a control
    character: those rows are rejects, which only the exact scan can list one by one.
    """
    names = sorted(raw_keys - {"customer_id"})
    # Every column's distinct values in one select: Polars finds them side by side.
    distinct = demand.select(pl.col(n).unique().implode() for n in {*names, "channel"})
    channel_of = {value: value for value in distinct["channel"][0].to_list()}
    for name in names:
        column = layout.sources[name][0]
        values = distinct.select(pl.col(name).explode().cast(pl.String).alias(RAW + column))
        if values.select(pl.col(RAW + column).str.contains(CONTROL_CHARACTER).any()).item():
            return None
        if name == "channel":
            exact = parsed_channel(layout, mapping)
        else:
            exact = source(layout, name).fill_null("all")
        table = values.select(pl.col(RAW + column).alias("raw"), exact.alias("value"))
        if name == "channel":
            if table["value"].null_count():
                return None
            channel_of = dict(table.iter_rows())
        changed = table.filter(pl.col("raw").is_null() | (pl.col("raw") != pl.col("value")))
        if not changed.height:
            continue
        lookup = dict(changed.drop_nulls("raw").iter_rows())
        fix = pl.col(name).replace(lookup)
        demand = demand.with_columns(fix.fill_null("all") if name != "channel" else fix)
    return demand, channel_of
