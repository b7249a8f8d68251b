"""The SQL path (DESIGN §9): `cx cube --sql` run on DuckDB builds the cube Polars builds.

The interactions go into a DuckDB table of canonical, typed columns; the printed SQL
turns it into a cube file; that file as ``--data`` gives the same cube and the same
``cx simulate`` as the CSV it came from. DuckDB is a test-only dependency.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from conftest import run_cx

from cx import generate
from cx.data import fine, scan
from cx.loader.mapping import load_mapping

duckdb = pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parent.parent
STRATEGY = ROOT / "strategies" / "digital-first.yaml"
MAPPING = {
    "channels": {"web": ["online"], "phone": ["Telephone"]},
    "anonymous_ids": ["0"],
}


def cli(*args: str) -> tuple[int, str]:
    result = run_cx(*args)
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A CSV with aliased channels in mixed case, and its mapping file."""
    root = tmp_path_factory.mktemp("sql")
    frame = generate.generate_interactions(3_000, seed=5, start=date(2024, 3, 1), days=70)
    frame = (
        frame.with_row_index("i")
        .with_columns(
            channel=pl.when((pl.col("i") % 7 == 0) & (pl.col("channel") == "web"))
            .then(pl.lit("Online"))
            .when((pl.col("i") % 5 == 0) & (pl.col("channel") == "phone"))
            .then(pl.lit("TELEPHONE"))
            .otherwise(pl.col("channel"))
        )
        .drop("i")
    )
    csv = root / "interactions.csv"
    frame.write_csv(csv)
    mapping = root / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    return csv, mapping


def duckdb_cube(csv: Path, sql: str, target: Path) -> Path:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE interactions AS SELECT * FROM read_csv(?, header = true, "
        "types = {'timestamp': 'TIMESTAMP', 'customer_id': 'VARCHAR'})",
        [str(csv)],
    )
    con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")
    con.close()
    return target


def test_duckdb_cube_equals_polars_cube(data: tuple[Path, Path], tmp_path: Path) -> None:
    csv, mapping = data
    code, sql = cli("cube", "--sql", "--dialect", "duckdb", "--columns", mapping)
    assert code == 0
    cube_file = duckdb_cube(csv, sql, tmp_path / "cube.parquet")
    from_sql = fine.read_cube_file(cube_file)
    from_polars = scan.scan_fine(csv, load_mapping(mapping))
    assert from_sql.demand.sort(fine.DEMAND_KEYS).equals(from_polars.demand.sort(fine.DEMAND_KEYS))
    assert from_sql.arrivals.sort(fine.ARRIVAL_KEYS).equals(
        from_polars.arrivals.sort(fine.ARRIVAL_KEYS)
    )
    assert from_sql.preferred.sort("channel").equals(from_polars.preferred.sort("channel"))
    assert (from_sql.rows_read, from_sql.rows_rejected) == (3_000, 0)
    assert (from_sql.first, from_sql.last) == (from_polars.first, from_polars.last)
    assert from_sql.time_of_day is from_polars.time_of_day is True
    for period in ("week", "month", "quarter"):
        assert from_sql.to_cube(period, "x").demand.equals(from_polars.to_cube(period, "x").demand)


def test_simulate_on_the_sql_cube_equals_simulate_on_the_csv(
    data: tuple[Path, Path], tmp_path: Path
) -> None:
    csv, mapping = data
    _, sql = cli("cube", "--sql", "--columns", mapping)
    cube_file = duckdb_cube(csv, sql, tmp_path / "cube.parquet")
    runs = []
    for source in (csv, cube_file):
        code, out = cli(
            "simulate", STRATEGY, "--data", source, "--columns", mapping,
            "--format", "json", "--no-cache",
        )  # fmt: skip
        assert code in (0, 1)
        payload = json.loads(out)
        payload["data"].pop("file")
        # the figures are compared: the cube file's caveats name it, and say that the
        # mapping given to it is not used
        payload.pop("caveats")
        runs.append(payload)
    assert runs[0] == runs[1]


@pytest.mark.parametrize(("clock", "timed"), [("00:00:00", False), ("00:05:00", True)])
def test_the_sql_cube_tells_dates_only_by_the_timestamps(
    tmp_path: Path, clock: str, timed: bool
) -> None:
    """Every interval starts at 00:00 either way; dates only is every timestamp at
    00:00:00 exactly, as the scan reads it."""
    csv = tmp_path / "night.csv"
    header = "customer_id,timestamp,channel,segment,stage,intent,handle_time,wait_time,abandoned"
    rows = [f"C{i},2024-01-{1 + i % 9:02d} {clock},phone,s,t,i,60,5,false" for i in range(20)]
    csv.write_text(header + "\n" + "\n".join(rows) + "\n")
    _, sql = cli("cube", "--sql")
    from_sql = fine.read_cube_file(duckdb_cube(csv, sql, tmp_path / "cube.parquet"))
    assert from_sql.time_of_day is scan.scan_fine(csv, load_mapping(None)).time_of_day is timed


def test_sql_counts_rows_without_required_fields_as_rejected(tmp_path: Path) -> None:
    csv = tmp_path / "gaps.csv"
    csv.write_text(
        "customer_id,timestamp,channel,handle_time\n"
        "C1,2024-01-01T09:00:00,phone,100\n"
        "C2,2024-01-01T09:05:00,,100\n"
        ",2024-01-01T09:10:00,chat,100\n"
        "C3,2024-01-01T09:20:00,chat,-4\n"
        "C1,2024-01-01T09:40:00,Chat,\n"
    )
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE interactions AS SELECT *, NULL::VARCHAR AS segment, "
        "NULL::VARCHAR AS stage, NULL::VARCHAR AS intent, NULL::DOUBLE AS wait_time, "
        "NULL::BOOLEAN AS abandoned FROM read_csv(?, header = true, "
        "types = {'timestamp': 'TIMESTAMP', 'channel': 'VARCHAR', 'customer_id': 'VARCHAR'})",
        [str(csv)],
    )  # optional columns the data lacks: NULL columns (a view, on a warehouse)
    _, sql = cli("cube", "--sql")
    target = tmp_path / "cube.parquet"
    con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")
    cube = fine.read_cube_file(target)
    assert (cube.rows_read, cube.rows_rejected) == (5, 3)
    assert dict(cube.preferred.iter_rows()) == {"chat": 1}  # C1: one phone, one chat: tie
    assert cube.demand["segment"].to_list() == ["all"] * cube.demand.height


@pytest.mark.parametrize("dialect", ["spark", "postgres"])
def test_other_dialects_print_their_sql(dialect: str) -> None:
    code, sql = cli("cube", "--sql", "--dialect", dialect, "--table", "crm.contacts")
    assert code == 0
    assert "FROM crm.contacts" in sql
    assert "ROW_NUMBER() OVER (PARTITION BY customer_id" in sql
    assert ("make_interval" in sql) == (dialect == "spark")
    assert ('COLLATE "C"' in sql) == (dialect == "postgres")


def test_unknown_dialect_is_a_usage_error() -> None:
    code, _ = cli("cube", "--sql", "--dialect", "oracle")
    assert code == 2


def test_cube_file_without_tables_is_a_data_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    pl.DataFrame({"table": ["demand"], "contacts": [1]}).write_parquet(broken)
    code, _ = cli("simulate", STRATEGY, "--data", broken, "--format", "json")
    assert code == 2
