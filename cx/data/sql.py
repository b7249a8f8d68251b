"""The SQL that builds a cube file on a warehouse (§9): DuckDB, Spark SQL, PostgreSQL.

The statement reads a table of canonical columns and returns the rows of a cube
file (:mod:`cx.data.fine`): demand per day, arrivals per 15-minute interval,
customers per preferred channel and one row of stats, told apart by ``table``.
Written to Parquet, it is a ``--data`` file like any other (docs/scale.md).

The table has the canonical columns of §3, typed: customer_id (text or integer),
timestamp (TIMESTAMP, wall-clock time), channel, segment, stage, intent (text),
handle_time and wait_time (numbers), abandoned (BOOLEAN). An optional column the
data lacks is a NULL column of a view over the table. Text is trimmed and empty
means unknown, as in a CSV; channels are lower-cased and a mapping's channel
aliases and anonymous ids apply. Rows without customer_id, timestamp or channel,
with a timestamp before 1980 or after 2099 (placeholders, as in the scan), or with a
handle_time or wait_time outside 0..86,400 s, are counted as rejected. The stats row
says whether any valid timestamp has a time of day (is not at 00:00:00 exactly, §11).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from cx.data.cube import ARRIVAL_RESOLUTION_MINUTES
from cx.data.fine import CUBE_FILE_FORMAT, CUBE_FILE_SCHEMA
from cx.data.journeys import OUTCOME_FILE_SCHEMA, check_window
from cx.data.rules import (
    EARLIEST_TIMESTAMP,
    LATEST_TIMESTAMP,
    MAX_HANDLE_TIME_SECONDS,
    channel_aliases,
    handle_time_factor,
)
from cx.errors import InputError, UsageError
from cx.models.mapping import DIMENSION_COLUMNS, Mapping

DIALECTS = ("duckdb", "spark", "postgres")


@dataclass(frozen=True)
class _Dialect:
    """What differs between the dialects; the rest of the statement is standard SQL."""

    text: str
    bucket: str  # 15-minute interval of `ts`
    double: str = "DOUBLE"
    quote: str = '"'
    order_channel: str = "channel"  # byte order of channel names, as cx sorts them
    timestamp: str = "TIMESTAMP"  # the type of a timestamp column of the cube file
    timestamp_out: str = "{}"  # how a timestamp column is written to the cube file ({} = value)
    micros: str = "epoch_us({})"  # microseconds since 1970 of a timestamp ({} = value)

    def type_of(self, dtype: pl.DataType) -> str:
        """The SQL type of a cube-file column of Polars type ``dtype``."""
        if dtype == pl.String:
            return self.text
        if dtype == pl.Float64:
            return self.double
        if dtype == pl.Date:
            return "DATE"
        if dtype == pl.Boolean:
            return "BOOLEAN"
        return self.timestamp if dtype.is_temporal() else "BIGINT"


_DIALECTS = {
    "duckdb": _Dialect(
        text="VARCHAR", bucket=f"time_bucket(INTERVAL {ARRIVAL_RESOLUTION_MINUTES} MINUTE, ts)"
    ),
    "postgres": _Dialect(
        text="TEXT",
        double="DOUBLE PRECISION",
        bucket=(
            "date_trunc('hour', ts) + FLOOR(EXTRACT(MINUTE FROM ts) / "
            f"{ARRIVAL_RESOLUTION_MINUTES}) * INTERVAL '{ARRIVAL_RESOLUTION_MINUTES} minutes'"
        ),
        order_channel='channel COLLATE "C"',
        micros="(EXTRACT(EPOCH FROM {}) * 1000000)",
    ),
    "spark": _Dialect(
        text="STRING",
        quote="`",
        bucket=(
            "date_trunc('HOUR', ts) + make_interval(0, 0, 0, 0, 0, "
            f"CAST(FLOOR(MINUTE(ts) / {ARRIVAL_RESOLUTION_MINUTES}) * "
            f"{ARRIVAL_RESOLUTION_MINUTES} AS INT), 0)"
        ),
        # Spark writes TIMESTAMP as UTC instants: text keeps the wall-clock time.
        timestamp="STRING",
        timestamp_out="date_format({}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')",
        micros="unix_micros({})",
    ),
}


def _timestamp_literal(moment: datetime) -> str:
    return f"TIMESTAMP '{moment:%Y-%m-%d %H:%M:%S}'"


#: The checks of a row, as the row rules (cx.data.rules) state them.
_MAX_SECONDS = f"{MAX_HANDLE_TIME_SECONDS:g}"
_EARLIEST, _LATEST = (_timestamp_literal(t) for t in (EARLIEST_TIMESTAMP, LATEST_TIMESTAMP))


def _literal(value: str, dialect: str) -> str:
    """``value`` as a string literal of ``dialect`` that means exactly ``value``.

    Spark SQL reads a backslash as an escape and has no doubled quote, so both are
    backslash-escaped. Standard SQL doubles the quote; for PostgreSQL a value with a
    backslash is an E'' literal, whatever standard_conforming_strings says."""
    if "\x00" in value:
        raise InputError(
            f"mapping value {value!r} holds a NUL character, which SQL text cannot carry",
            hint="remove it from the mapping file",
        )
    if dialect == "spark":
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    quoted = "'" + value.replace("'", "''") + "'"
    if dialect == "postgres" and "\\" in value:
        return "E" + quoted.replace("\\", "\\\\")
    return quoted


def _identifier(name: str, quote: str) -> str:
    """A quoted identifier: the quote character doubled inside, as every dialect reads it."""
    return quote + name.replace(quote, quote * 2) + quote


_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}")


def _check_table(table: str) -> str:
    if not _TABLE_NAME.fullmatch(table):
        raise UsageError(
            f"--table {table!r} is not a table name",
            hint="use letters, digits and _ (schema.table or catalog.schema.table); "
            "for any other name, make a view with such a name",
        )
    return table


def cube_sql(
    dialect: str,
    table: str = "interactions",
    mapping: Mapping | None = None,
    journey_window: float | None = None,
    order: str | None = None,
) -> str:
    """One SELECT statement whose rows are a cube file of ``table``.

    With ``journey_window`` (hours), the file also holds the journeys and outcomes of
    §10 (:data:`cx.data.journeys.OUTCOME_FILE_SCHEMA`); the table then needs the
    columns resolved (BOOLEAN) and satisfaction (a number), NULL where unknown. Contacts
    of a customer at the same instant are taken in the order of the column ``order``
    (the data order), else by channel name."""
    if dialect not in _DIALECTS:
        raise ValueError(f"unknown dialect '{dialect}'; use {', '.join(DIALECTS)}")
    d = _DIALECTS[dialect]
    mapping = mapping or Mapping()
    table = _check_table(table)
    q = d.quote

    def name(column: str) -> str:
        return _identifier(column, q)

    def literal(value: str) -> str:
        return _literal(value, dialect)

    def text(column: str) -> str:
        return f"NULLIF(TRIM(CAST({name(column)} AS {d.text})), '')"

    channel = f"LOWER({text('channel')})"
    aliases = channel_aliases(mapping)
    if aliases:
        cases = " ".join(
            f"WHEN {literal(alias)} THEN {literal(canonical)}"
            for alias, canonical in sorted(aliases.items())
        )
        channel = f"CASE {channel} {cases} ELSE {channel} END"
    factor = handle_time_factor(mapping)
    unit = f" * {factor:g}" if factor != 1 else ""
    dims = ",\n    ".join(f"COALESCE({text(n)}, 'all') AS {n}" for n in DIMENSION_COLUMNS)
    anonymous = ", ".join(literal(a) for a in mapping.anonymous_ids)
    identified = f"\n  WHERE customer_id NOT IN ({anonymous})" if anonymous else ""
    # A mapping's `drop:` (§11): the table's column of that name, its values compared
    # trimmed and lower-cased; dropped rows are counted, never read or rejected.
    dropped = " OR ".join(
        f"COALESCE(LOWER({text(column)}) IN "
        f"({', '.join(literal(v.strip().lower()) for v in values)}), FALSE)"
        for column, values in sorted(mapping.drop.items())
    ) or "FALSE"

    def out(expr: str) -> str:
        return d.timestamp_out.format(expr)

    def null(kind: str) -> str:
        return f"CAST(NULL AS {kind})"

    schema = dict(CUBE_FILE_SCHEMA)
    if journey_window is not None:
        schema.update(OUTCOME_FILE_SCHEMA)

    def branch(label_of: str, source: str, values: dict[str, str]) -> str:
        items = []
        for column, dtype in schema.items():  # the cube file's columns, in order
            expr = values.get(column) or null(d.type_of(dtype))
            items.append(f"{expr} AS {name(column)}")
        label = f"{literal(label_of)} AS {name('table')}"
        return "SELECT " + ",\n  ".join([label, *items[1:]]) + f"\nFROM {source}"

    dims_out = {n: n for n in DIMENSION_COLUMNS}
    sums = {
        "contacts": "contacts",
        "handle_sum": "handle_sum",
        "handle_n": "handle_n",
    }
    demand_rows = branch(
        "demand", "demand", {"day": "day", "channel": "channel", **dims_out, **sums}
    )
    arrival_rows = branch(
        "arrivals",
        "arrivals",
        {
            "interval_start": out("interval_start"),
            "channel": "channel",
            **sums,
            "wait_sum": "wait_sum",
            "wait_n": "wait_n",
            "abandoned": "abandoned",
            "abandoned_n": "abandoned_n",
            "before_queue": "before_queue",
        },
    )
    preferred_rows = branch(
        "preferred", "preferred", {"channel": "channel", "customers": "customers"}
    )
    stats_rows = branch(
        "stats",
        "stats",
        {
            "rows_read": "rows_read",
            "rows_rejected": "rows_rejected",
            "rows_dropped": "rows_dropped",
            "first_timestamp": out("first_timestamp"),
            "last_timestamp": out("last_timestamp"),
            "time_of_day": "time_of_day",
            "cube_format": str(CUBE_FILE_FORMAT),
        },
    )
    journeys = _journeys(d, journey_window, anonymous, order, branch, name)
    return f"""-- cx cube file (format {CUBE_FILE_FORMAT}) from table {table}; see docs/scale.md
WITH src AS (
  SELECT
    {text("customer_id")} AS customer_id,
    CAST({name("timestamp")} AS TIMESTAMP) AS ts,
    {channel} AS channel,
    {dims},
    CAST({name("handle_time")} AS {d.double}){unit} AS handle_time,
    CAST({name("wait_time")} AS {d.double}) AS wait_time,
    CAST({name("abandoned")} AS BOOLEAN) AS abandoned,
    {dropped} AS dropped{journeys.columns}
  FROM {table}
),
checked AS (
  SELECT *,
    customer_id IS NOT NULL AND ts IS NOT NULL AND channel IS NOT NULL
    AND ts >= {_EARLIEST} AND ts < {_LATEST}
    AND (handle_time IS NULL OR (handle_time >= 0 AND handle_time <= {_MAX_SECONDS}))
    AND (wait_time IS NULL OR (wait_time >= 0 AND wait_time <= {_MAX_SECONDS})) AS ok
  FROM src
  WHERE NOT dropped
),
valid AS (
  SELECT *, CASE WHEN abandoned THEN NULL ELSE handle_time END AS served_time
  FROM checked WHERE ok
),
demand AS (
  SELECT CAST(ts AS DATE) AS day, channel, {", ".join(DIMENSION_COLUMNS)},
    COUNT(*) AS contacts, COALESCE(SUM(served_time), 0) AS handle_sum,
    COUNT(served_time) AS handle_n
  FROM valid
  GROUP BY CAST(ts AS DATE), channel, {", ".join(DIMENSION_COLUMNS)}
),
arrivals AS (
  SELECT {d.bucket} AS interval_start, channel,
    COUNT(*) AS contacts, COALESCE(SUM(served_time), 0) AS handle_sum,
    COUNT(served_time) AS handle_n,
    COALESCE(SUM(wait_time), 0) AS wait_sum, COUNT(wait_time) AS wait_n,
    CAST(SUM(CASE WHEN abandoned THEN 1 ELSE 0 END) AS BIGINT) AS abandoned,
    COUNT(abandoned) AS abandoned_n,
    CAST(SUM(CASE WHEN abandoned AND wait_time = 0 THEN 1 ELSE 0 END) AS BIGINT)
      AS before_queue
  FROM valid
  GROUP BY {d.bucket}, channel
),
pairs AS (
  SELECT customer_id, channel, COUNT(*) AS n
  FROM valid{identified}
  GROUP BY customer_id, channel
),
ranked AS (
  SELECT channel,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY n DESC, {d.order_channel} ASC) AS r
  FROM pairs
),
preferred AS (
  SELECT channel, COUNT(*) AS customers FROM ranked WHERE r = 1 GROUP BY channel
),
stats AS (
  SELECT COUNT(*) AS rows_read,
    CAST(SUM(CASE WHEN ok THEN 0 ELSE 1 END) AS BIGINT) AS rows_rejected,
    MIN(CASE WHEN ok THEN ts END) AS first_timestamp,
    MAX(CASE WHEN ok THEN ts END) AS last_timestamp,
    COALESCE(BOOL_OR(ok AND ts <> CAST(CAST(ts AS DATE) AS TIMESTAMP)), FALSE) AS time_of_day,
    (SELECT COUNT(*) FROM src WHERE dropped) AS rows_dropped
  FROM checked
){journeys.tables}
{demand_rows}
UNION ALL
{arrival_rows}
UNION ALL
{preferred_rows}
UNION ALL
{stats_rows}{journeys.rows}
"""


@dataclass(frozen=True)
class _Journeys:
    """The parts of the statement that journeys add: source columns, tables, rows."""

    columns: str = ""
    tables: str = ""
    rows: str = ""


def _journeys(
    d: _Dialect,
    window_hours: float | None,
    anonymous: str,
    order: str | None,
    branch: Callable[[str, str, dict[str, str]], str],
    name: Callable[[str], str],
) -> _Journeys:
    """Journeys (§10) with window functions: the previous and next contact of the same
    customer (LAG, LEAD) tell first or follow-up, hop and end of journey; a running sum
    of journey starts numbers each customer's journeys."""
    if window_hours is None:
        return _Journeys()
    window = check_window(window_hours) * 3_600_000_000  # microseconds
    tie = f"{name(order)}" if order else "channel"
    columns = (
        f",\n    CAST({name('resolved')} AS BOOLEAN) AS resolved,"
        f"\n    CAST({name('satisfaction')} AS {d.double}) AS satisfaction,"
        f"\n    {tie} AS tie"
    )
    is_anonymous = f"customer_id IN ({anonymous})" if anonymous else "FALSE"
    dims = ", ".join(DIMENSION_COLUMNS)
    us = d.micros.format

    def neighbour(expr: str) -> str:
        return f"CASE WHEN anonymous THEN NULL ELSE {expr} END"

    def count(condition: str) -> str:
        return f"CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT)"

    tables = f""",
contacts AS (
  SELECT *, {is_anonymous} AS anonymous FROM valid
),
neighbours AS (
  SELECT *,
    {neighbour("LAG(channel) OVER w")} AS prev_channel,
    {neighbour(f"{us('ts')} - {us('LAG(ts) OVER w')}")} AS gap_prev,
    {neighbour(f"{us('LEAD(ts) OVER w')} - {us('ts')}")} AS gap_next
  FROM contacts
  WINDOW w AS (PARTITION BY customer_id ORDER BY ts, tie)
),
flagged AS (
  SELECT *,
    gap_prev IS NULL OR gap_prev > {window:.1f} AS new_journey,
    gap_next IS NULL OR gap_next > {window:.1f} AS ends_journey
  FROM neighbours
),
journeyed AS (
  SELECT *,
    CASE WHEN new_journey THEN 'first' ELSE 'follow_up' END AS step,
    NOT new_journey AND channel <> prev_channel AS hop,
    SUM(CASE WHEN new_journey THEN 1 ELSE 0 END) OVER (
      PARTITION BY customer_id ORDER BY ts, tie ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS journey_no
  FROM flagged
),
steps AS (
  SELECT CAST(ts AS DATE) AS day, channel, {dims}, step, COUNT(*) AS contacts
  FROM journeyed
  GROUP BY CAST(ts AS DATE), channel, {dims}, step
),
outcomes AS (
  SELECT channel, COUNT(*) AS contacts,
    {count("resolved")} AS resolved_true, COUNT(resolved) AS resolved_n,
    COALESCE(SUM(satisfaction), 0) AS satisfaction_sum, COUNT(satisfaction) AS satisfaction_n,
    {count("NOT anonymous")} AS identified,
    {count("NOT anonymous AND ends_journey")} AS identified_ends
  FROM journeyed
  GROUP BY channel
),
journey_stats AS (
  SELECT {count("new_journey")} AS journeys, {count("NOT new_journey")} AS follow_ups,
    {count("hop")} AS hops,
    (SELECT COUNT(*) FROM (SELECT DISTINCT customer_id, journey_no FROM journeyed WHERE hop) m)
      AS multichannel_journeys
  FROM journeyed
)"""
    sums = (
        "contacts", "resolved_true", "resolved_n", "satisfaction_sum", "satisfaction_n",
        "identified", "identified_ends",
    )  # fmt: skip
    stats = ("journeys", "follow_ups", "hops", "multichannel_journeys")
    rows = [
        branch("steps", "steps", {c: c for c in ("day", "channel", *DIMENSION_COLUMNS,
                                                 "step", "contacts")}),
        branch("outcomes", "outcomes", {c: c for c in ("channel", *sums)}),
        branch(
            "journeys",
            "journey_stats",
            {**{c: c for c in stats}, "window_hours": f"CAST({window_hours!r} AS {d.double})"},
        ),
    ]  # fmt: skip
    return _Journeys(columns, tables, "".join(f"\nUNION ALL\n{r}" for r in rows))
