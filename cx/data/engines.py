"""The cube file built by an SQL engine: DuckDB on one machine, Spark on a cluster (§9).

The export is read by the engine itself (every column as text), a view gives it the
canonical, typed columns the statement of :mod:`cx.data.sql` reads, and the engine runs
that statement. DuckDB spills to disk, so an export larger than memory fits; Spark
reads any path it understands (``s3://``, ``abfss://``, ``dbfs:/``, HDFS) and runs
where its session runs. The cube itself is small and is written as one Parquet file.

The view parses like the scan: text trimmed, empty meaning unknown; ISO 8601
timestamps (with an offset: the time in UTC); the mapping's handle-time unit,
boolean words, channel aliases and anonymous ids. A row whose timestamp, number or
boolean cannot be read, or whose channel or dimension holds a control character,
has its customer_id taken away, so the statement counts it as rejected.

Both engines are optional extras (``pip install 'cx[duckdb]'``, ``'cx[spark]'``),
imported only here and only when asked for.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl

from cx.data import fine
from cx.data.diagnose import (
    NOT_UTF8,
    UNPARSED,
    UTF8_HINT,
    bytes_not_utf8_error,
    csv_problem,
    first_bad_utf8,
    line_end_problem,
    read_error,
)
from cx.data.files import TAIL_BYTES, check_data_path, detect_delimiter, file_tail
from cx.data.journeys import OUTCOME_FILE_SCHEMA
from cx.data.layout import (
    ISO_FORMATS,
    SourceLayout,
    _map_sources,
    head_lines,
    iso_format_of,
    resolve_layout,
)
from cx.data.notes import examine_fine, not_utf8, values_not_utf8
from cx.data.raw import EXACT_FLOAT
from cx.data.rules import BLANK, CONTROL_CHARACTER, MAX_SCORE, WHITESPACE, boolean_words
from cx.data.scan import enforce_reject_rate
from cx.data.sql import _identifier, _literal, cube_sql
from cx.errors import (
    CxError,
    DataError,
    InputError,
    Interrupted,
    TimestampFormatError,
    UsageError,
)
from cx.models.mapping import BOOLEAN_COLUMNS, DIMENSION_COLUMNS, Mapping

ENGINES = ("polars", "duckdb", "spark")
#: The text the Spark SQL writes times as (cx.data.sql: 'yyyy-MM-dd HH:mm:ss.SSSSSS').
SPARK_TIME_TEXT = "%Y-%m-%d %H:%M:%S.%6f"
#: What to do with timestamps an engine cannot read: no SQL reads a strftime format.
ISO_ONLY_HINT = (
    "--engine duckdb|spark reads ISO 8601 dates with times only: build this cube with the "
    "scan (no --engine) and a mapping's timestamp_format, or export ISO 8601 timestamps"
)
SOURCE_VIEW = "cx_export"
READ_VIEW = "cx_export_read"  # the export as the engine reads it
TABLE = "cx_interactions"  # temp views: never a name a notebook session is likely to hold
_TEXT = {"duckdb": "VARCHAR", "spark": "STRING"}
_QUOTE = {"duckdb": '"', "spark": "`"}
_MATCHES = {"duckdb": "regexp_matches({}, {})", "spark": "{} RLIKE {}"}
_NUMBERS = ("handle_time", "wait_time")
#: The data order, for contacts of a customer at the same instant (journeys).
ORDER = "cx_order"
_ROW_NUMBER = {"duckdb": "ROW_NUMBER() OVER ()", "spark": "monotonically_increasing_id()"}


def _missing(engine: str) -> InputError:
    module = "pyspark" if engine == "spark" else engine
    return InputError(
        f"--engine {engine} needs the Python package {module}, which is not installed",
        hint=f"install the extra: pip install 'cx[{engine}]'",
    )


#: Whitespace before a timestamp's UTC offset, as the scan skips it (RE2 and Java).
_SPACE = "[" + "".join(f"\\x{{{ord(char):X}}}" for char in WHITESPACE) + "]"
_TRIM = {"duckdb": "trim({}, {})", "spark": "TRIM(BOTH {1} FROM {0})"}
#: A UTC offset's sign, hours and minutes (Z has none: an offset of zero).
_OFFSET = "([+-])([01][0-9]|2[0-3]):?([0-5][0-9])?"
_MINUS_MINUTES = {
    "duckdb": "{} - to_minutes(CAST({} AS BIGINT))",
    "spark": "{} - make_interval(0, 0, 0, 0, 0, {}, 0)",
}


def timestamp_shape(fmt: str) -> str:
    """The regular expression (RE2 and Java) of the text the scan reads with the ISO 8601
    format ``fmt`` (one of :data:`cx.data.layout.ISO_FORMATS`): fields of one or two
    digits, a four-digit year after an optional ``+``, hours to 23 and minutes to 59,
    seconds to 69 (60 is a leap second and above is no time: the cast refuses both, as
    the scan rejects them), a fraction where the format has one, an offset (after
    optional whitespace) where it has one. Group 1 is the wall-clock time.

    A format that is not ISO 8601 (a mapping's ``timestamp_format``) has no such
    reading in SQL, and is refused."""
    if fmt not in {known for _, known in ISO_FORMATS}:
        raise UsageError(
            "--engine duckdb|spark reads ISO 8601 timestamps, "
            f"not a mapping's timestamp_format {fmt!r}",
            hint="build this cube with the scan (no --engine), or export ISO 8601 timestamps",
        )
    time = "([01]?[0-9]|2[0-3]):[0-5]?[0-9]"
    if ":%S" in fmt:
        time += ":[0-6]?[0-9]"
    if "%.f" in fmt:
        time += "([.][0-9]+)?"
    separator = "T" if "T%H" in fmt else " "
    offset = f"{_SPACE}*(Z|z|{_OFFSET})" if "z" in fmt else ""
    return f"^[+]?([0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}{separator}{time}){offset}$"


def _parsed_timestamp(dialect: str, text: str, fmt: str) -> str:
    """The timestamp (UTC where the text has an offset) of the text expression ``text``
    read with the one format ``fmt``; NULL where the text has another shape, as in
    the scan, which reads a whole column with the format of its first timestamps."""
    shape = _literal(timestamp_shape(fmt), dialect)
    matches = _MATCHES[dialect].format(text, shape)
    wall = f"TRY_CAST(regexp_extract({text}, {shape}, 1) AS TIMESTAMP)"
    if "z" in fmt:
        offset = _literal(_OFFSET + "$", dialect)

        def part(group: int) -> str:
            value = f"NULLIF(regexp_extract({text}, {offset}, {group}), '')"
            return f"COALESCE(TRY_CAST({value} AS INT), 0)"

        sign = f"CASE WHEN regexp_extract({text}, {offset}, 1) = '-' THEN -1 ELSE 1 END"
        minutes = f"{sign} * ({part(2)} * 60 + {part(3)})"
        wall = _MINUS_MINUTES[dialect].format(wall, minutes)
    return f"CASE WHEN {matches} THEN {wall} END"


def canonical_view(
    dialect: str, layout: SourceLayout, mapping: Mapping, ordered: bool = False
) -> str:
    """SELECT of the canonical columns of :mod:`cx.data.sql` from ``SOURCE_VIEW``, a
    relation with the source columns of ``layout`` (text, or typed as a Parquet file has
    them); ``ordered`` adds the data order as column ORDER."""
    if dialect not in _TEXT:
        raise ValueError(f"no canonical view for dialect {dialect!r}")
    sources = layout.sources
    text_type, quote = _TEXT[dialect], _QUOTE[dialect]

    def literal(value: str) -> str:
        return _literal(value, dialect)

    def trimmed(column: str, blank: str = WHITESPACE) -> str:
        value = _identifier(column, quote)
        if layout.dtypes.get(column, pl.String).is_float():  # as cx.data.raw.text_of reads it
            whole = f"{value} = ROUND({value}) AND ABS({value}) < {EXACT_FLOAT:.1f}"
            return (
                f"CASE WHEN isnan({value}) THEN NULL WHEN {whole} THEN "
                f"CAST(CAST({value} AS BIGINT) AS {text_type}) "
                f"ELSE CAST({value} AS {text_type}) END"
            )
        whole = _TRIM[dialect].format(f"CAST({value} AS {text_type})", literal(blank))
        return f"NULLIF({whole}, '')"

    def text(canonical: str) -> str | None:
        names = sources.get(canonical)
        if not names:
            return None
        if len(names) == 1:
            return trimmed(names[0])
        present = " AND ".join(f"{trimmed(n)} IS NOT NULL" for n in names)
        joined = ", ".join(trimmed(n) for n in names)
        return f"CASE WHEN {present} THEN concat_ws(' ', {joined}) END"

    columns: dict[str, str] = {}
    bad: list[str] = []
    for name in ("customer_id", "channel", *DIMENSION_COLUMNS):
        value = text(name)
        columns[name] = value or f"CAST(NULL AS {text_type})"
        if value and name != "customer_id":
            bad.append(_MATCHES[dialect].format(value, literal(CONTROL_CHARACTER)))
    if layout.typed_timestamp():  # a Parquet timestamp: its instant in UTC (session time zone)
        typed = _identifier(sources["timestamp"][0], quote)
        columns["timestamp"] = f"TRY_CAST({typed} AS TIMESTAMP)"
    else:
        stamp = text("timestamp") or f"CAST(NULL AS {text_type})"
        columns["timestamp"] = _parsed_timestamp(dialect, stamp, layout.timestamp_format)
    for name in _NUMBERS:
        value = text(name)
        columns[name] = f"TRY_CAST({value} AS DOUBLE)" if value else "CAST(NULL AS DOUBLE)"
        if value:
            bad.append(f"({value} IS NOT NULL AND {columns[name]} IS NULL)")
    value = text("satisfaction")
    columns["satisfaction"] = f"TRY_CAST({value} AS DOUBLE)" if value else "CAST(NULL AS DOUBLE)"
    if value:
        within = f"{columns['satisfaction']} BETWEEN {-MAX_SCORE:.1f} AND {MAX_SCORE:.1f}"
        bad.append(f"({value} IS NOT NULL AND COALESCE(NOT ({within}), TRUE))")
    for name in BOOLEAN_COLUMNS:
        value = text(name)
        if not value:
            columns[name] = "CAST(NULL AS BOOLEAN)"
            continue
        true_words, false_words = boolean_words(mapping, name)
        trues = ", ".join(literal(w.lower()) for w in true_words) or "NULL"
        falses = ", ".join(literal(w.lower()) for w in false_words) or "NULL"
        columns[name] = (
            f"CASE WHEN LOWER({value}) IN ({trues}) THEN TRUE "
            f"WHEN LOWER({value}) IN ({falses}) THEN FALSE END"
        )
        bad.append(f"({value} IS NOT NULL AND {columns[name]} IS NULL)")
    unreadable = " OR ".join(f"COALESCE({b}, FALSE)" for b in bad) or "FALSE"
    columns["customer_id"] = f"CASE WHEN {unreadable} THEN NULL ELSE {columns['customer_id']} END"
    if ordered:
        columns[ORDER] = _ROW_NUMBER[dialect]
    items = ",\n  ".join(f"{expr} AS {_identifier(n, quote)}" for n, expr in columns.items())
    # A blank line (every field read empty once trimmed, invisible characters and all)
    # is no row, as in the scan (cx.data.exact.blank_row).
    fields = ", ".join(trimmed(name, BLANK) for name in layout.source_columns())
    return f"SELECT\n  {items}\nFROM {SOURCE_VIEW}\nWHERE COALESCE({fields}) IS NOT NULL"


def build_cube_file(
    engine: str,
    path: str,
    output: Path,
    mapping: Mapping,
    check: Callable[[fine.FineCube], None],
    journey_window: float | None = None,
    encoding: str = "utf8",
) -> fine.FineCube:
    """Build the cube file of the export ``path`` with ``engine`` and write it to ``output``
    (atomically); ``check`` sees the cube before it replaces ``output``. With
    ``journey_window`` (hours), the file also carries the journeys and outcomes.

    The cube of a local file carries the export's notes and duplicate rows, as the
    scan's cube file does (:func:`cx.data.notes.examine_fine`: one more streaming read
    of the file); a remote path's carries none, cx reading no byte of it.

    ``encoding="lossy"`` reads bytes that are not UTF-8 as '\ufffd', as the scan does
    and as Spark reads them; DuckDB has no such reading, and refuses it. Without it,
    a local file with such bytes is refused as the scan refuses it: a CSV as the engine
    reads it (Spark: :func:`_check_spark_csv`), a Parquet file's columns of bytes before
    either engine reads it (:func:`_refuse_bytes_not_utf8`)."""
    from cx.io import write_frame_parquet

    if engine not in ENGINES[1:]:
        raise UsageError(f"unknown --engine '{engine}'", hint=f"use {', '.join(ENGINES)}")
    if encoding == "lossy" and engine == "duckdb":
        raise UsageError(
            "--encoding lossy reads bytes that are not UTF-8 as '\ufffd'; --engine duckdb "
            "cannot",
            hint="build this cube with the scan (no --engine) or --engine spark, "
            "or export it as UTF-8",
        )
    if mapping.timestamp_format:
        timestamp_shape(mapping.timestamp_format)  # refused before any reading when not ISO
    if mapping.duration_format:
        raise UsageError(
            f"--engine {engine} reads handle and wait times as numbers of seconds, not a "
            f"mapping's duration_format {mapping.duration_format!r}",
            hint="build this cube with the scan (no --engine), or export the times as seconds",
        )
    with tempfile.TemporaryDirectory(prefix="cx-cube-") as work:
        built = Path(work) / "cube.parquet"
        try:
            if engine == "duckdb":
                layout = _duckdb_cube(path, mapping, built, journey_window)
            else:
                layout = _spark_cube(path, mapping, built, journey_window, encoding)
        except TimestampFormatError as exc:  # a mapping's timestamp_format would not do
            raise exc.reworded(hint=ISO_ONLY_HINT) from None
        rows = pl.read_parquet(built)
        cube = _read_built(built, rows, path)
        check(cube)
        if layout is not None:  # a local file, whose header cx read
            examine_fine(cube, layout, mapping, encoding)
            cube_columns = [name for name in rows.columns if name in fine.CUBE_FILE_SCHEMA]
            # where the scan's file has them: after the cube's columns, before the outcomes'
            rows = rows.select(*cube_columns, *cube.note_columns(), pl.exclude(cube_columns))
        ordered = fine.in_file_order(rows)  # the engine's order is its own
        write_frame_parquet(ordered, output, [path])
    return cube


def _read_built(built: Path, rows: pl.DataFrame, path: str) -> fine.FineCube:
    """The cube an engine built from the export ``path`` (the file ``built``, whose rows
    are ``rows``); what is wrong with it is said of the export (the built file is cx's
    own, in a temporary directory)."""
    stats = rows.filter(pl.col("table") == "stats")
    rows_read, rejected = (int(stats[name].sum()) for name in ("rows_read", "rows_rejected"))
    if rows_read == 0:
        raise DataError("data file has a header but no rows", file=path, line=2)
    # Every row rejected: said as the scan says it, whatever --max-reject-rate allows.
    enforce_reject_rate(rows_read, rejected, pl.DataFrame(), 1.0, path)
    try:
        return fine.read_cube_file(built)
    except CxError as exc:
        raise DataError(f"the engine built no usable cube: {exc.message}", file=path) from None


def remote(path: str) -> bool:
    """Whether ``path`` is one only Spark reads (``s3://``, ``dbfs:/``...), not a local file."""
    return "://" in path or path.startswith("dbfs:")


#: Said of a remote path's cube, whose export cx reads no byte of (cx.data.notes).
NOTES_UNCHECKED = (
    "not checked for duplicate rows, columns matched loosely, UTC offsets converted or a "
    "last line cut short: cx cannot read this path itself, so the cube file carries no notes"
)


def _local(path: str) -> Path:
    source = Path(path)
    check_data_path(source)
    return source


def _delimiter(source: Path | None, mapping: Mapping) -> str:
    """The mapping's delimiter, else the one of the header of a local file, else a comma."""
    found = detect_delimiter(head_lines(source, 1)[0]) if source and not mapping.delimiter else None
    return mapping.delimiter or found or ","


def _statement(
    dialect: str, layout: SourceLayout, mapping: Mapping, journey_window: float | None
) -> tuple[str, str]:
    """The canonical view over the export and the cube statement over that view."""
    ordered = journey_window is not None
    view = canonical_view(dialect, layout, mapping, ordered)
    order = ORDER if ordered else None
    return view, cube_sql(dialect, TABLE, mapping, journey_window, order)


def _positional(index: int) -> str:
    """The name an engine gives the CSV column at ``index``: the header's names are cx's
    to read (:func:`cx.data.layout.resolve_layout`), not the engine's."""
    return f"cx_column_{index}"


def _source_select(
    layout: SourceLayout,
    quote: str,
    positional: bool,
    text: Callable[[str], str] | None = None,
) -> str:
    """The columns of ``SOURCE_VIEW``: the source columns the mapping uses, under their
    header names (taken by position from a CSV read with :func:`_positional` names);
    a Parquet column of bytes through ``text`` (the SQL that makes text of it), if given."""
    items = []
    for name in layout.source_columns():
        column = _identifier(_positional(layout.header.index(name)) if positional else name, quote)
        if text is not None and layout.dtypes.get(name) == pl.Binary:
            column = text(column)
        items.append(f"{column} AS {_identifier(name, quote)}")
    return ", ".join(items)


#: The longest CSV line DuckDB reads, far above any contact's row (DuckDB's default, 2
#: MB, loses a longer last line of a gzip file). DuckDB's read buffer is as large.
MAX_LINE_BYTES = 64 * 1024 * 1024


def _duckdb_relation(layout: SourceLayout, pad: bool = True) -> str:
    """How DuckDB reads the export: a Parquet file as it is; a CSV as the scan reads it,
    nothing sniffed: the header cx read, the delimiter cx chose, RFC 4180 quotes, every
    column as text, a row longer than the header an error (strict mode), a shorter one
    padded with empty fields where ``pad``."""
    where = _literal(str(layout.path), "duckdb")
    if layout.format == "parquet":
        return f"read_parquet({where})"
    names = ", ".join(
        f"{_literal(_positional(i), 'duckdb')}: 'VARCHAR'" for i in range(len(layout.header))
    )
    compression = "gzip" if layout.compressed else "none"
    return (
        f"read_csv({where}, auto_detect = false, header = true, columns = {{{names}}}, "
        f"delim = {_literal(layout.delimiter, 'duckdb')}, quote = '\"', escape = '\"', "
        f"strict_mode = true, null_padding = {str(pad).lower()}, "
        f"max_line_size = {MAX_LINE_BYTES}, buffer_size = {MAX_LINE_BYTES}, "
        f"compression = '{compression}')"
    )


def _refuse_durations(engine: str, layout: SourceLayout) -> None:
    """The engines read a Parquet column of durations as integers of the file's unit,
    not as the seconds the scan reads: refused, naming the column."""
    durations = [name for name in layout.source_columns() if layout.holds_durations(name)]
    if durations:
        raise UsageError(
            f"--engine {engine} reads handle and wait times as numbers of seconds, not "
            f"column '{durations[0]}' of Parquet durations",
            hint="build this cube with the scan (no --engine), or export the times as seconds",
        )


def _refuse_bytes_not_utf8(layout: SourceLayout, encoding: str) -> None:
    """Refuse a Parquet file whose columns of bytes hold bytes that are not UTF-8 as the
    scan refuses it, unless ``--encoding lossy`` reads them as '\ufffd': Spark would read
    them so without a word, DuckDB as escapes (``ph\\xe9ne``), another value."""
    if encoding == "lossy" or layout.format != "parquet":
        return
    if any(values_not_utf8(layout).values()):
        raise bytes_not_utf8_error(layout.path)


def _duckdb_cube(
    path: str, mapping: Mapping, target: Path, journey_window: float | None
) -> SourceLayout:
    """Build the cube of the local export ``path`` with DuckDB into ``target``; returns
    the layout cx read the export's header with."""
    try:
        import duckdb
    except ImportError:
        raise _missing("duckdb") from None
    layout = resolve_layout(_local(path), mapping)  # the header as the scan reads it
    _refuse_durations("duckdb", layout)
    _refuse_bytes_not_utf8(layout, "utf8")  # --encoding lossy is refused before
    select = _source_select(layout, '"', positional=layout.format == "csv")
    con = duckdb.connect()
    try:
        if journey_window is None:  # the data order matters to journeys only
            con.execute("SET preserve_insertion_order = false")  # lets large exports spill
        con.execute("SET TimeZone = 'UTC'")  # a Parquet timestamp with a time zone, in UTC
        con.execute(f"SET temp_directory = {_literal(str(target.parent), 'duckdb')}")
        _duckdb_read_view(con, layout, duckdb.Error)
        con.execute(f"CREATE VIEW {SOURCE_VIEW} AS SELECT {select} FROM {READ_VIEW}")
        view, sql = _statement("duckdb", layout, mapping, journey_window)
        con.execute(f"CREATE VIEW {TABLE} AS {view}")
        con.execute(f"COPY ({sql}) TO {_literal(str(target), 'duckdb')} (FORMAT parquet)")
    except duckdb.Error as exc:
        raise _engine_error("DuckDB", layout, exc) from None
    except RuntimeError:  # DuckDB stops at a signal and says only "Query interrupted"
        if Interrupted.received is not None:
            raise Interrupted(Interrupted.received) from None
        raise
    finally:
        con.close()
    return layout


def _duckdb_read_view(con: Any, layout: SourceLayout, error: type[Exception]) -> None:
    """READ_VIEW: the export as DuckDB reads it. A CSV is read once here, whole, so that
    what DuckDB cannot read, and a quote where RFC 4180 has none, is said before the cube
    is built. DuckDB's parallel reader pads short rows only where no quoted field spans
    lines; in a file with such fields, a short row is an error (one thread could pad
    it, but takes a quote left open at the end of the file for a short row)."""
    for pad in (True, False):
        con.execute(f"CREATE OR REPLACE VIEW {READ_VIEW} AS SELECT * FROM "
                    f"{_duckdb_relation(layout, pad)}")  # fmt: skip
        if layout.format == "parquet":
            return
        try:
            _check_stray_quotes(con, layout)
            return
        except error as exc:
            if not pad or "null_padding" not in str(exc):
                raise


def _check_stray_quotes(con: Any, layout: SourceLayout) -> None:
    """Refuse a CSV whose fields hold a quote where RFC 4180 has none (``5" screen``
    unquoted), as the scan refuses it; DuckDB would read the quote as text. Only a file
    with a quote in some value is diagnosed (cx.data.diagnose.csv_problem)."""
    columns = (_identifier(_positional(i), '"') for i in range(len(layout.header)))
    quoted = " OR ".join(f"contains({column}, '\"')" for column in columns)
    if con.execute(f"SELECT 1 FROM {READ_VIEW} WHERE {quoted} LIMIT 1").fetchone():
        problem = csv_problem(layout.path, layout.delimiter)
        if problem is not None:
            raise problem.error(layout.path)


_ENGINE_LINE = re.compile(r"CSV Error on Line: (\d+)")


def _engine_error(engine: str, layout: SourceLayout, exc: BaseException) -> DataError:
    """A DataError for an export the engine could not read or aggregate. A CSV the
    engine cannot read is diagnosed as the scan diagnoses one (line and column of the
    problem); what the diagnosis does not find is said in the engine's words, with the
    line the engine names."""
    if layout.format == "csv":
        # DuckDB says a file is not UTF-8 below the first line of its error.
        if "not utf-8" in str(exc).lower() and (error := _not_utf8_error(layout)) is not None:
            return error
        error = read_error(layout.path, exc, layout.delimiter)
        if error.line is not None or not error.message.startswith(UNPARSED):
            return error  # found where, or what (a damaged gzip stream)
        if engine == "DuckDB":  # a CSV it reads strictly: one kind of line end
            problem = line_end_problem(layout.path)
            if problem is not None:
                return problem.error(layout.path)
    words = _first_line(exc)
    found = _ENGINE_LINE.search(words)
    if found:  # the engine's reason follows the line it quotes
        lines = [line.strip() for line in str(exc).strip().splitlines()[1:]]
        reason = next((x for x in lines if x and not x.startswith("Original Line")), None)
        words += f": {reason}" if reason else ""
    return DataError(
        f"{engine} cannot build the cube: {words}",
        file=layout.path,
        line=int(found.group(1)) if found else None,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _spark_cube(
    path: str, mapping: Mapping, target: Path, journey_window: float | None, encoding: str
) -> SourceLayout | None:
    """Build the cube of the export ``path`` with Spark into ``target``; returns the layout
    cx read a local export's header with (None: a path only Spark reads)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise _missing("spark") from None
    elsewhere = remote(path)
    source = path if elsewhere else str(_local(path))
    # A local export's header is read by cx, as the scan reads it; a remote one's by Spark.
    layout = None if elsewhere else resolve_layout(Path(source), mapping, encoding)
    if layout is not None:
        _refuse_durations("spark", layout)
        _refuse_bytes_not_utf8(layout, encoding)
    spark = _spark_session(SparkSession)
    # A notebook's or a cluster's session is shared: its log level and settings are
    # given back after.
    log_level = _log_level(spark)
    spark.sparkContext.setLogLevel("ERROR")
    settings = {
        # The blank-line filter under the canonical view's wide CASE expressions makes
        # Spark infer constraints until it runs out of memory; they only add filters.
        "spark.sql.constraintPropagation.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
    }
    if spark.sparkContext.master.startswith("local"):  # a cluster keeps its own settings
        cores = spark.sparkContext.defaultParallelism
        settings["spark.sql.shuffle.partitions"] = str(max(2, cores))
    before = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        _spark_cube_rows(
            spark, path, elsewhere, source, layout, mapping, target, journey_window, encoding
        )
    finally:
        for key, value in before.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)
        if log_level is not None:
            spark.sparkContext.setLogLevel(log_level)
    return layout


def _log_level(spark: Any) -> str | None:
    """The level of the root logger of Spark's JVM (what ``setLogLevel`` sets), None
    where it cannot be read."""
    with contextlib.suppress(Exception):  # a JVM Py4J does not reach: nothing to give back
        log_manager = spark.sparkContext._jvm.org.apache.logging.log4j.LogManager
        return str(log_manager.getRootLogger().getLevel().toString())
    return None


def _spark_session(session: Any) -> Any:
    """A cluster's or a notebook's session when there is one, else one in local mode.
    The JVM that local mode starts writes its warnings, log lines and the stack traces
    of a failed task on the stderr it inherits, around cx's one line: it inherits a
    temporary file instead, whose first line says why the JVM did not start, if so."""
    from pyspark.errors import PySparkException

    builder = (
        session.builder.appName("cx cube")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    # Spark started elsewhere (a notebook, spark-submit) keeps the stderr it has.
    starts = session.getActiveSession() is None and "PYSPARK_GATEWAY_PORT" not in os.environ
    with _child_stderr() if starts else contextlib.nullcontext() as log:
        try:
            return builder.getOrCreate()
        except PySparkException as error:
            said = _said(log) if log is not None else ""
            raise InputError(
                f"Spark did not start: {said or _first_line(error)}",
                hint="Spark needs Java 17 or later on PATH or in JAVA_HOME",
            ) from None


@contextlib.contextmanager
def _child_stderr() -> Iterator[IO[bytes] | None]:
    """Processes started in this block write their stderr to a temporary file (None
    when this process has no stderr to lend)."""
    with tempfile.TemporaryFile() as log:
        sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:
            yield None
            return
        os.dup2(log.fileno(), 2)
        try:
            yield log
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _said(log: IO[bytes]) -> str:
    """The first line of text in ``log``: what went wrong first."""
    log.seek(0)
    text = log.read().decode("utf-8", "replace").strip()
    return text.splitlines()[0].strip() if text else ""


def _spark_cube_rows(
    spark: Any,
    path: str,
    remote: bool,
    source: str,
    layout: SourceLayout | None,
    mapping: Mapping,
    target: Path,
    journey_window: float | None,
    encoding: str,
) -> None:
    """Build the cube with ``spark`` and write it to ``target`` (see _spark_cube)."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        if layout is not None and layout.format == "csv":
            columns = [f"{_positional(i)} STRING" for i in range(len(layout.header))]
            frame = spark.read.csv(
                source, header=True, sep=layout.delimiter, quote='"', escape='"',
                multiLine=True, mode="PERMISSIVE", columnNameOfCorruptRecord=RECORD,
                encoding="UTF-8", schema=", ".join([*columns, f"{RECORD} STRING"]),
            )  # fmt: skip
        elif layout is not None or path.endswith(".parquet"):
            frame = spark.read.parquet(source)
        else:
            frame = spark.read.csv(
                source, header=True, inferSchema=False, sep=_delimiter(None, mapping),
                quote='"', escape='"', multiLine=True, mode="PERMISSIVE", encoding="UTF-8",
            )  # fmt: skip
        frame.createOrReplaceTempView(READ_VIEW)
        if layout is None:
            layout = _spark_layout(spark, path, frame, mapping)
        elif layout.format == "csv":
            _check_spark_csv(spark, layout, encoding)
        text = _spark_lossy_text(spark) if encoding == "lossy" else None
        select = _source_select(
            layout, "`", positional=layout.format == "csv" and not remote, text=text
        )
        spark.sql(f"SELECT {select} FROM {READ_VIEW}").createOrReplaceTempView(SOURCE_VIEW)
        view, sql = _statement("spark", layout, mapping, journey_window)
        spark.sql(view).createOrReplaceTempView(TABLE)
        rows = spark.sql(sql).collect()
    except (PySparkException, Py4JJavaError) as error:
        exc = _java_cause(error)
        if layout is None:
            raise DataError(f"Spark cannot build the cube: {_first_line(exc)}", file=path) from None
        raise _engine_error("Spark", layout, exc) from None
    schema = dict(fine.CUBE_FILE_SCHEMA)
    if journey_window is not None:
        schema.update(OUTCOME_FILE_SCHEMA)
    text_schema = {
        name: pl.String() if dtype.is_temporal() and dtype != pl.Date() else dtype
        for name, dtype in schema.items()
    }
    cube = pl.DataFrame([row.asDict() for row in rows], schema=text_schema, orient="row")
    # The file cx writes has the scan's types: the wall-clock text read back as times.
    times = [name for name, dtype in schema.items() if text_schema[name] != dtype]
    wall_clock = pl.col(times).str.strptime(pl.Datetime("us"), SPARK_TIME_TEXT, strict=True)
    cube.with_columns(wall_clock).write_parquet(target)


def _spark_lossy_text(spark: Any) -> Callable[[str], str]:
    """Spark's reading of a Parquet column of bytes as text with bytes that are not UTF-8
    as '\ufffd', each where the scan puts one (:func:`cx.data.raw.text_of`), before the
    values are grouped: a cast alone keeps the bytes, so that two ids that differ only
    in them would be two customers, where the scan reads one. Spark 3.5 has no
    ``make_valid_utf8``; its ``decode`` replaces as Java does, which differs from the scan
    on a surrogate written in UTF-8 only."""
    if int(spark.version.split(".")[0]) >= 4:
        return lambda column: f"make_valid_utf8(CAST({column} AS STRING))"
    return lambda column: f"decode({column}, 'UTF-8')"


#: The column of a CSV row Spark reads with fewer or more fields than the header: the
#: row's text.
RECORD = "cx_record"


def _check_spark_csv(spark: Any, layout: SourceLayout, encoding: str) -> None:
    """Refuse a CSV that Spark reads where the scan refuses it. Spark reads permissively:
    a row with fewer fields than the header is padded with empty ones, as the scan pads
    it, but one with more has its last fields dropped, and a quote inside an unquoted
    field (``5" screen``) or a quoted field that never closes is read as text. A file
    with a longer row, a quote or a line break in a value, a quote in a row of another
    length or in a last line without a line end is diagnosed as the scan diagnoses it
    (cx.data.diagnose.csv_problem: line and column). A longer row the diagnosis does not
    reach (it reads the first 256 MB) is refused all the same. A row's fields are
    counted by its delimiters: one with a quote, whose quoted delimiters count as
    well, is left to the diagnosis.

    Spark reads bytes that are not UTF-8 as '\ufffd', as ``--encoding lossy`` does:
    without it, a file with a '\ufffd' in a value is refused as the scan refuses it
    (:func:`_not_utf8_error`), in the same pass of Spark over the file."""
    record = _identifier(RECORD, "`")
    delimiter = _literal(layout.delimiter, "spark")
    count = f"length({record}) - length(replace({record}, {delimiter}, ''))"
    fields = f"({count}) DIV {len(layout.delimiter)} + 1"
    quoted = _MATCHES["spark"].format(record, _literal('"', "spark"))
    longer = f"{fields} > {len(layout.header)} AND NOT {quoted}"
    columns = [_identifier(_positional(i), "`") for i in range(len(layout.header))]
    marks = _literal('["\\r\\n]', "spark")  # a quote, or a line break: a quoted field
    values = " OR ".join(_MATCHES["spark"].format(column, marks) for column in columns)
    replacement = _literal(REPLACEMENT, "spark")
    replaced = (
        "FALSE"  # a constant: no sort, the first row found ends the pass
        if encoding == "lossy"
        else " OR ".join(f"instr({column}, {replacement}) > 0" for column in columns)
    )
    # Every column read: Spark reads (and counts) only the fields a query names.
    found = spark.sql(
        f"SELECT COALESCE({longer}, FALSE) AS longer, COALESCE({replaced}, FALSE) AS replaced, "
        f"{', '.join(columns)} FROM {READ_VIEW} WHERE COALESCE({fields} > "
        f"{len(layout.header)} OR {quoted} OR {values} OR {replaced}, FALSE) "
        "ORDER BY replaced DESC LIMIT 1"
    ).collect()
    if found and found[0]["replaced"] and (error := _not_utf8_error(layout)) is not None:
        raise error
    if not found and not _open_last_line(layout):
        return
    problem = csv_problem(layout.path, layout.delimiter)
    if problem is not None:
        raise problem.error(layout.path)
    if found and found[0]["longer"]:
        raise DataError(
            f"a line has more fields than the header's {len(layout.header)}",
            file=layout.path,
            hint=f"a field that contains the delimiter {layout.delimiter!r} must be quoted; "
            "fix the export or remove the line",
        )


#: What Spark reads a byte that is not UTF-8 as.
REPLACEMENT = "\ufffd"


def _not_utf8_error(layout: SourceLayout) -> DataError | None:
    """The scan's error for a CSV with bytes that are not UTF-8 (the first one's line
    and column, or past where the diagnosis reads, its line); None when it has none (a
    '\ufffd' the export wrote itself, as UTF-8, is no such byte)."""
    problem = first_bad_utf8(layout.path)
    if problem is not None:
        return problem.error(layout.path)
    places, line = not_utf8(layout.path)
    return DataError(NOT_UTF8, file=layout.path, line=line, hint=UTF8_HINT) if places else None


def _open_last_line(layout: SourceLayout) -> bool:
    """Whether a plain CSV ends without a line end on a line with a quote: a quoted field
    there may never close, which Spark reads as the rest of the line."""
    try:
        tail = b"\n" if layout.compressed else file_tail(layout.path, TAIL_BYTES)
    except OSError:  # read by Spark a moment ago; what went wrong is Spark's to say
        return False
    return not tail.endswith(b"\n") and b'"' in tail.rsplit(b"\n", 1)[-1]


def _java_cause(exc: BaseException) -> BaseException:
    """What went wrong in Spark: an error PySpark does not translate (a file it fails to
    read, as a damaged gzip stream) comes as Py4J's, whose first line says only which
    call failed; its words are those of the Java exception that caused it."""
    java = getattr(exc, "java_exception", None)
    if java is None:
        return exc
    with contextlib.suppress(Exception):  # a JVM gone away leaves Py4J's own words
        while java.getCause() is not None:
            java = java.getCause()
        return RuntimeError(str(java.toString()))
    return exc


def _spark_layout(spark: Any, path: str, frame: Any, mapping: Mapping) -> SourceLayout:
    """The layout of an export only Spark reads (a remote path): its columns as Spark
    read them, the timestamp format of its first timestamps."""
    from pyspark.sql.types import DateType, TimestampNTZType, TimestampType

    header = list(frame.columns)
    sources = _map_sources(Path(path), header, mapping)
    temporal = (DateType, TimestampType, TimestampNTZType)
    dtypes: dict[str, pl.DataType] = {
        field.name: pl.Datetime("us")
        for field in frame.schema
        if isinstance(field.dataType, temporal)
    }
    names = sources["timestamp"]
    fmt = mapping.timestamp_format or ""
    if not fmt and not (len(names) == 1 and names[0] in dtypes):
        stamp = " || ' ' || ".join(f"TRIM(CAST({_identifier(n, '`')} AS STRING))" for n in names)
        present = f"{stamp} IS NOT NULL AND {stamp} <> ''"
        first = spark.sql(f"SELECT {stamp} AS t FROM {READ_VIEW} WHERE {present} LIMIT 5")
        fmt = iso_format_of(Path(path), [row["t"] for row in first.collect()])
    return SourceLayout(
        path=Path(path),
        delimiter=_delimiter(None, mapping),
        header=header,
        sources=sources,
        timestamp_format=fmt,
        compressed=False,
        format="parquet" if path.endswith(".parquet") else "csv",
        dtypes=dtypes,
    )
