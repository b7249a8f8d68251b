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

import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

from cx.data import fine
from cx.data.files import check_data_path, detect_delimiter, is_gzip, is_parquet
from cx.data.journeys import OUTCOME_FILE_SCHEMA
from cx.data.layout import _map_sources, head_lines
from cx.data.rules import CONTROL_CHARACTER, MAX_SCORE, boolean_words
from cx.data.sql import _identifier, _literal, cube_sql
from cx.errors import DataError, InputError, UsageError
from cx.models.mapping import BOOLEAN_COLUMNS, DIMENSION_COLUMNS, Mapping

ENGINES = ("polars", "duckdb", "spark")
SOURCE_VIEW = "cx_export"
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


def canonical_view(
    dialect: str, header: list[str], mapping: Mapping, path: str, ordered: bool = False
) -> str:
    """SELECT of the canonical columns of :mod:`cx.data.sql` from ``SOURCE_VIEW``, a
    relation with the columns ``header`` (text, or typed as a Parquet file has them);
    ``ordered`` adds the data order as column ORDER."""
    if dialect not in _TEXT:
        raise ValueError(f"no canonical view for dialect {dialect!r}")
    if mapping.timestamp_format:
        raise UsageError(
            "--engine duckdb|spark reads ISO 8601 timestamps, not a mapping's timestamp_format",
            hint="build this cube with the scan (no --engine), or export ISO 8601 timestamps",
        )
    sources = _map_sources(Path(path), header, mapping)
    text_type, quote = _TEXT[dialect], _QUOTE[dialect]

    def literal(value: str) -> str:
        return _literal(value, dialect)

    def trimmed(column: str) -> str:
        return f"NULLIF(TRIM(CAST({_identifier(column, quote)} AS {text_type})), '')"

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
    stamp = text("timestamp")
    columns["timestamp"] = f"TRY_CAST({stamp} AS TIMESTAMP)" if stamp else "CAST(NULL AS TIMESTAMP)"
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
    return f"SELECT\n  {items}\nFROM {SOURCE_VIEW}"


def build_cube_file(
    engine: str,
    path: str,
    output: Path,
    mapping: Mapping,
    check: Callable[[fine.FineCube], None],
    journey_window: float | None = None,
) -> fine.FineCube:
    """Build the cube file of the export ``path`` with ``engine`` and write it to ``output``
    (atomically); ``check`` sees the cube before it replaces ``output``. With
    ``journey_window`` (hours), the file also carries the journeys and outcomes."""
    from cx.io import write_with

    if engine not in ENGINES[1:]:
        raise UsageError(f"unknown --engine '{engine}'", hint=f"use {', '.join(ENGINES)}")
    build = _duckdb_cube if engine == "duckdb" else _spark_cube
    with tempfile.TemporaryDirectory(prefix="cx-cube-") as work:
        built = Path(work) / "cube.parquet"
        build(path, mapping, built, journey_window)
        cube = fine.read_cube_file(built)
        check(cube)
        ordered = fine.in_file_order(pl.read_parquet(built))  # the engine's order is its own
        write_with(output, ordered.write_parquet, [path])
    return cube


def _local(path: str) -> Path:
    source = Path(path)
    check_data_path(source)
    return source


def _delimiter(source: Path | None, mapping: Mapping) -> str:
    """The mapping's delimiter, else the one of the header of a local file, else a comma."""
    found = detect_delimiter(head_lines(source, 1)[0]) if source and not mapping.delimiter else None
    return mapping.delimiter or found or ","


def _statement(
    dialect: str, header: list[str], mapping: Mapping, path: str, journey_window: float | None
) -> tuple[str, str]:
    """The canonical view over the export and the cube statement over that view."""
    ordered = journey_window is not None
    view = canonical_view(dialect, header, mapping, path, ordered)
    order = ORDER if ordered else None
    return view, cube_sql(dialect, TABLE, mapping, journey_window, order)


def _duckdb_cube(path: str, mapping: Mapping, target: Path, journey_window: float | None) -> None:
    try:
        import duckdb
    except ImportError:
        raise _missing("duckdb") from None
    source = _local(path)
    where = _literal(str(source), "duckdb")
    if is_parquet(source):
        relation = f"read_parquet({where})"
    else:
        delimiter = _delimiter(source, mapping)
        compression = "gzip" if is_gzip(source) else "none"
        relation = (
            f"read_csv({where}, header = true, all_varchar = true, "
            f"delim = {_literal(delimiter, 'duckdb')}, quote = '\"', escape = '\"', "
            f"compression = '{compression}')"
        )
    con = duckdb.connect()
    try:
        if journey_window is None:  # the data order matters to journeys only
            con.execute("SET preserve_insertion_order = false")  # lets large exports spill
        con.execute(f"SET temp_directory = {_literal(str(target.parent), 'duckdb')}")
        con.execute(f"CREATE VIEW {SOURCE_VIEW} AS SELECT * FROM {relation}")
        header = [row[0] for row in con.execute(f"DESCRIBE {SOURCE_VIEW}").fetchall()]
        view, sql = _statement("duckdb", header, mapping, str(source), journey_window)
        con.execute(f"CREATE VIEW {TABLE} AS {view}")
        con.execute(f"COPY ({sql}) TO {_literal(str(target), 'duckdb')} (FORMAT parquet)")
    except duckdb.Error as exc:
        raise DataError(f"DuckDB cannot build the cube: {_first_line(exc)}", file=path) from None
    finally:
        con.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _spark_cube(path: str, mapping: Mapping, target: Path, journey_window: float | None) -> None:
    try:
        from pyspark.errors import PySparkException
        from pyspark.sql import SparkSession
    except ImportError:
        raise _missing("spark") from None
    remote = "://" in path or path.startswith("dbfs:")
    source = path if remote else str(_local(path))
    spark = (
        SparkSession.builder.appName("cx cube")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )  # a cluster's session when there is one, else local mode
    spark.sparkContext.setLogLevel("ERROR")
    if spark.sparkContext.master.startswith("local"):  # a cluster keeps its own settings
        cores = spark.sparkContext.defaultParallelism
        spark.conf.set("spark.sql.shuffle.partitions", str(max(2, cores)))
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    try:
        if path.endswith(".parquet") or (not remote and is_parquet(Path(source))):
            frame = spark.read.parquet(source)
        else:
            delimiter = _delimiter(None if remote else Path(source), mapping)
            frame = spark.read.csv(
                source, header=True, inferSchema=False, sep=delimiter, quote='"', escape='"',
                multiLine=True, mode="PERMISSIVE", encoding="UTF-8",
            )  # fmt: skip
        frame.createOrReplaceTempView(SOURCE_VIEW)
        view, sql = _statement("spark", frame.columns, mapping, source, journey_window)
        spark.sql(view).createOrReplaceTempView(TABLE)
        rows = spark.sql(sql).collect()
    except PySparkException as exc:
        raise DataError(f"Spark cannot build the cube: {_first_line(exc)}", file=path) from None
    schema = dict(fine.CUBE_FILE_SCHEMA)
    if journey_window is not None:
        schema.update(OUTCOME_FILE_SCHEMA)
    text_schema = {
        name: pl.String() if dtype.is_temporal() and dtype != pl.Date() else dtype
        for name, dtype in schema.items()
    }
    cube = pl.DataFrame([row.asDict() for row in rows], schema=text_schema, orient="row")
    cube.write_parquet(target)
