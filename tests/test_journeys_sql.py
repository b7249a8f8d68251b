"""Journeys in SQL (§10): window functions give first or follow-up, hop, journey and end
of journey, so a cube file carries the outcomes `--outcomes` reads. Executed on DuckDB
(always) and Spark (local mode, when installed), checked by hand on a small scenario
and against the CSV run of `cx simulate --outcomes`."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import yaml
from conftest import run_cx
from test_engines import ENGINES, EXAMPLE, engine_cube

from cx import api

STRATEGY = Path(__file__).resolve().parent.parent / "strategies" / "digital-first.yaml"
duckdb = pytest.importorskip("duckdb")

#: A: phone, then email and chat at the same instant (data order: email first), then
#: chat four days later; B: two web contacts; "0" is anonymous: each contact a journey.
SCENARIO = """customer_id,timestamp,channel,resolved
A,2024-03-01T09:00:00,phone,false
B,2024-03-01T09:00:00,web,
A,2024-03-01T10:00:00,email,true
A,2024-03-01T10:00:00,chat,
0,2024-03-01T09:00:00,phone,
0,2024-03-01T09:10:00,chat,
B,2024-03-01T09:30:00,web,
A,2024-03-05T09:00:00,chat,true
"""


@pytest.fixture
def scenario(tmp_path: Path) -> tuple[Path, Path]:
    csv = tmp_path / "scenario.csv"
    csv.write_text(SCENARIO)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({"anonymous_ids": ["0"]}))
    return csv, mapping


def outcome_figures(cube_file: Path, mapping: Path, window: float) -> dict[str, object]:
    outcomes = api.load_interactions(
        cube_file, columns=mapping, outcomes=True, journey_window=window
    ).outcomes
    assert outcomes is not None
    steps = outcomes.demand.group_by("channel", "step").agg(c=pl.col("contacts").sum())
    return {
        "counts": (
            outcomes.journeys, outcomes.follow_ups, outcomes.hops, outcomes.multichannel_journeys
        ),
        "channels": {
            row["channel"]: (
                row["contacts"], row["resolved_true"], row["resolved_n"],
                row["identified"], row["identified_ends"],
            )
            for row in outcomes.channels.iter_rows(named=True)
        },
        "steps": {(r["channel"], r["step"]): r["c"] for r in steps.iter_rows(named=True)},
        "source": outcomes.resolution_source,
    }  # fmt: skip


HAND = {
    "counts": (5, 3, 2, 1),  # journeys, follow-ups, hops, journeys with a hop
    "channels": {  # contacts, resolved true, resolved known, identified, identified ends
        "chat": (3, 1, 1, 2, 2),
        "email": (1, 1, 1, 1, 0),
        "phone": (2, 0, 1, 1, 0),
        "web": (2, 0, 0, 2, 1),
    },
    "steps": {
        ("chat", "first"): 2,
        ("chat", "follow_up"): 1,
        ("email", "follow_up"): 1,
        ("phone", "first"): 2,
        ("web", "first"): 1,
        ("web", "follow_up"): 1,
    },
    "source": "resolved",
}


@pytest.mark.parametrize("engine", ["polars", *ENGINES])
def test_journeys_of_a_small_scenario_by_hand(
    engine: str, scenario: tuple[Path, Path], tmp_path: Path
) -> None:
    csv, mapping = scenario
    built = tmp_path / "cube.parquet"
    result = run_cx(
        "cube", "--engine", engine, "-d", csv, "-o", built, "--columns", mapping,
        "--journey-window", "24", "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert outcome_figures(built, mapping, 24) == HAND


def simulate(data: Path, *extra: object) -> dict[str, object]:
    result = run_cx(
        "simulate", STRATEGY, "--data", data, "--outcomes", "--format", "json", "--no-cache",
        *extra,
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    payload = json.loads(result.stdout)
    payload["data"].pop("file")
    return payload


@pytest.mark.parametrize("engine", ["polars", *ENGINES])
def test_simulate_outcomes_on_an_engine_cube_equals_the_csv_run(
    engine: str, tmp_path: Path
) -> None:
    engine_cube(engine, EXAMPLE, tmp_path, "--outcomes")
    from_cube = simulate(tmp_path / f"{engine}.parquet")
    from_csv = simulate(EXAMPLE)
    assert from_cube == from_csv
    assert from_csv["data"]["journeys"] > 0
    assert all(c["resolution_rate"] is not None for c in from_csv["channels"] if c["demand"])


def test_printed_sql_with_outcomes_runs_on_duckdb(tmp_path: Path) -> None:
    """`cx cube --sql --outcomes` on a warehouse table: the example has no two contacts
    of a customer at one instant, so the channel order of ties does not show."""
    result = run_cx("cube", "--sql", "--outcomes", "--journey-window", "48")
    assert result.exit_code == 0, result.stderr
    assert "LAG(channel) OVER w" in result.stdout
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE interactions AS SELECT * FROM read_csv(?, header = true, "
        "types = {'timestamp': 'TIMESTAMP', 'customer_id': 'VARCHAR'})",
        [str(EXAMPLE)],
    )
    target = tmp_path / "cube.parquet"
    con.execute(f"COPY ({result.stdout}) TO '{target}' (FORMAT parquet)")
    con.close()
    assert simulate(target, "--journey-window", "48") == simulate(
        EXAMPLE, "--journey-window", "48"
    )


@pytest.mark.parametrize("dialect", ["spark", "postgres"])
def test_other_dialects_print_journeys(dialect: str) -> None:
    result = run_cx("cube", "--sql", "--dialect", dialect, "--outcomes")
    assert result.exit_code == 0
    sql = result.stdout
    assert "WINDOW w AS (PARTITION BY customer_id ORDER BY ts, tie)" in sql
    assert ("unix_micros(ts)" in sql) == (dialect == "spark")
    assert "gap_prev > 259200000000.0" in sql  # 72 hours in microseconds
    assert "'journeys' AS" in sql


def test_sql_without_outcomes_has_no_journeys() -> None:
    result = run_cx("cube", "--sql")
    assert "LAG(" not in result.stdout
    assert "step" not in result.stdout


def test_a_cube_cut_with_another_window_is_refused(tmp_path: Path) -> None:
    engine_cube("duckdb", EXAMPLE, tmp_path, "--outcomes")
    result = run_cx(
        "simulate", STRATEGY, "--data", tmp_path / "duckdb.parquet", "--journey-window", "24"
    )
    assert result.exit_code == 2
    assert "72-hour window, not 24" in result.stderr
    assert "--journey-window 24" in result.stderr
    assert result.stdout == ""


def test_a_cube_without_outcomes_says_how_to_get_them(tmp_path: Path) -> None:
    engine_cube("duckdb", EXAMPLE, tmp_path)
    result = run_cx("simulate", STRATEGY, "--data", tmp_path / "duckdb.parquet", "--outcomes")
    assert result.exit_code == 2
    assert "cx cube --outcomes" in result.stderr
