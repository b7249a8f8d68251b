"""The exact scan: every row of a file through the row rules, into a fine cube.

:func:`parsed_frame` is a file's rows parsed by :func:`cx.data.rules.parse_rows`,
each with its reject reason; inspect, the journeys and the per-contact replay read
rows this way. :func:`scan_exact` aggregates them into a fine cube in one streaming
pass: slower than the fast scan (:mod:`cx.data.fast`), and the result it must equal.
:func:`finish` adds up the parts of either scan and counts, sorts and hands over the
rejected rows.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from cx.data import fine
from cx.data.layout import RAW, ROW, SourceLayout
from cx.data.raw import (
    LINE,
    blank_line_hash,
    collect,
    raw_frame,
    rows_dropped,
)
from cx.data.rules import BLANK, completed, parse_rows
from cx.errors import DataError
from cx.models.mapping import Mapping

REJECT_SAMPLE_ROWS = 5


def parsed_frame(layout: SourceLayout, mapping: Mapping, encoding: str = "utf8") -> pl.LazyFrame:
    """The lazy frame of canonical, typed columns plus ``reject_reason`` and ``__row``."""
    return parse_rows(raw_frame(layout, encoding), layout, mapping)


def valid_rows(
    layout: SourceLayout, mapping: Mapping, encoding: str, columns: list[str]
) -> pl.DataFrame:
    """``__row`` and the canonical ``columns`` of the file's valid rows, by the exact
    rules (slower than :func:`cx.data.fast.fast_valid_rows`, same rows and values)."""
    rows = parsed_frame(layout, mapping, encoding).filter(pl.col("reject_reason").is_null())
    return collect(layout.path, [rows.select(ROW, *columns)])[0]


def scan_exact(
    layout: SourceLayout,
    mapping: Mapping,
    encoding: str,
    rejects_out: Callable[[pl.DataFrame], None] | None,
) -> fine.FineCube:
    """Every row through the exact rules of :func:`cx.data.rules.parse_rows` (slower
    than the fast scan, same result)."""
    frame = completed(parse_rows(raw_frame(layout, encoding, line_hash=True), layout, mapping))
    reason = pl.col("reject_reason")
    valid = frame.filter(reason.is_null())
    count = frame.select(rows_read=pl.len())
    lines = frame.select(LINE)
    rejected = frame.filter(reason.is_not_null()).select(
        ROW, "reject_reason", *(RAW + name for name in layout.source_columns())
    )
    queries = [*fine.row_queries(valid), fine.pair_query(valid, mapping.anonymous_ids)]
    demand, arrivals, bounds, pairs, counted, rejects, hashed = collect(
        layout.path, [*queries, count, rejected, lines]
    )  # exactness first: this path is for the rare files the fast path cannot take
    preferred = fine.preferred_counts(pairs, demand["channel"].unique().to_list())
    parts = [(demand, arrivals, bounds)]
    read = int(counted["rows_read"].item())
    repeated = fine.duplicates(hashed[LINE], blank_line_hash(layout))
    cube = finish(layout, parts, preferred, read, rejects, rejects_out, repeated)
    # Every interval at 00:00 (rare): the valid timestamps are read again, to tell
    # dates only from contacts within their day's first 15 minutes.
    cube.time_of_day = fine.has_time_of_day(
        arrivals, lambda: valid_rows(layout, mapping, encoding, ["timestamp"])["timestamp"]
    )
    return cube


def as_text(frame: pl.DataFrame, layout: SourceLayout) -> pl.DataFrame:
    """Typed Parquet columns as text, for the exact rules (a temporal timestamp stays)."""
    keep = set(layout.sources["timestamp"]) if layout.typed_timestamp() else set()
    return frame.with_columns(
        pl.col(RAW + name).cast(pl.String)
        for name in layout.source_columns()
        if name not in keep and not layout.is_text(name)
    )


def blank_row(layout: SourceLayout) -> pl.Expr:
    """Whether a row is a blank line: every field the mapping reads empty once trimmed, as
    the rules read it, of invisible characters too (trailing empty lines, a line of
    spaces or tabs, of zero-width spaces or byte order marks, a report's footer in a
    column not read). It is no row at all: neither read nor rejected."""
    return pl.all_horizontal(
        [
            pl.col(RAW + n).cast(pl.String).str.strip_chars(BLANK).str.len_bytes().fill_null(0) == 0
            for n in layout.source_columns()
        ]
    )


def finish(
    layout: SourceLayout,
    parts: list[tuple[pl.DataFrame, ...]],
    preferred: pl.DataFrame,
    rows_read: int,
    rejected: pl.DataFrame,
    rejects_out: Callable[[pl.DataFrame], None] | None,
    duplicate_rows: int | None = None,
) -> fine.FineCube:
    """Add up the parts' aggregates; count, sort and hand over the rejected rows.
    ``duplicate_rows`` is the scan's count of rows that repeat an earlier one
    (:func:`cx.data.fine.duplicates`), of which repeated blank lines are taken off."""
    path = layout.path
    dropped = rows_dropped(layout, rows_read)  # before blank lines are taken off
    blank = blank_row(layout)
    blanks = rejected.filter(blank)
    rows_read -= blanks.height
    rejected = rejected.filter(~blank)
    if duplicate_rows is not None:
        duplicate_rows -= _repeated_blank_lines(blanks, layout)
    if rows_read == 0 and dropped:
        raise DataError(
            f"the mapping's `drop:` leaves out every row of the file ({dropped:,})",
            file=path,
            hint="check the drop rules of the mapping file (--columns)",
        )
    if rows_read == 0:
        raise DataError("data file has a header but no rows", file=path, line=2)
    demand = fine.regroup(
        pl.concat([fine.tidy_demand(p[0]) for p in parts]), fine.DEMAND_KEYS, fine.DEMAND_SUMS
    )
    arrivals = fine.regroup(
        pl.concat([fine.tidy_arrivals(p[1]) for p in parts]),
        fine.ARRIVAL_KEYS,
        fine.ARRIVAL_SUMS,
    )
    firsts = [p[2]["first"].item() for p in parts if p[2]["first"].item() is not None]
    lasts = [p[2]["last"].item() for p in parts if p[2]["last"].item() is not None]
    order = layout.header.index
    rejects = rejected.sort(ROW).select(
        (pl.col(ROW) + 2).alias("line"),
        "reject_reason",
        # the export's columns in its own order, as a person compares them with it
        *(pl.col(RAW + n).alias(n) for n in sorted(layout.source_columns(), key=order)),
    )
    counts = (
        rejects.group_by("reject_reason")
        .agg(rows=pl.len())
        .sort(pl.col("rows"), pl.col("reject_reason"), descending=[True, False])
    )
    if rejects_out is not None:
        rejects_out(rejects)
    return fine.FineCube(
        duplicate_rows=duplicate_rows,
        demand=fine.tidy_demand(demand),
        arrivals=fine.tidy_arrivals(arrivals),
        preferred=preferred,
        rows_read=rows_read,
        rows_rejected=rejects.height,
        rows_dropped=dropped,
        first=min(firsts) if firsts else None,
        last=max(lasts) if lasts else None,
        reject_reasons={r: int(n) for r, n in counts.iter_rows()},
        rejects_sample=rejects.head(REJECT_SAMPLE_ROWS),
    )


def _repeated_blank_lines(blanks: pl.DataFrame, layout: SourceLayout) -> int:
    """How many of the blank lines ``blanks`` (:func:`blank_row`) repeat
    an earlier one as written: the duplicate count has them (their row hashes repeat),
    yet they are no rows. Lines of empty fields only are not among them: the count
    leaves those out already (:func:`cx.data.raw.blank_line_hash`)."""
    raw = [RAW + name for name in layout.source_columns()]
    written = blanks.filter(~pl.all_horizontal(pl.col(raw).is_null()))
    return written.height - written.select(raw).n_unique() if written.height else 0
