"""A cube file keeps what the scan noted of its export: `cx cube` says the notes `cx
simulate` says on that export, the file carries them (and the duplicate rows), and a
cube loaded from it has them in ``cube.meta``, those of a period made for the period
asked. A file without them (an older cx, an engine on a path cx cannot read, the SQL)
reads as before."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

import cx
from cx import api
from cx.caveats import data_notes
from cx.errors import DataError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import run_cx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
STRATEGY = ROOT / "strategies" / "digital-first.yaml"


def _flat(text: str) -> str:
    return " ".join(text.split())


def noted_export(tmp_path: Path, rejected: bool = False) -> Path:
    """Two months and two days of the example written as dates with a UTC offset, one
    row twice, a column under a loose name (and, ``rejected``, a row that is no row):
    the notes of columns, offsets, duplicates and short periods all at once."""
    day = pl.col("timestamp").str.slice(0, 10)
    rows = pl.read_csv(EXAMPLE, infer_schema=False)
    rows = rows.filter(day.is_between(pl.lit("2024-01-01"), pl.lit("2024-03-02")))
    rows = rows.with_columns(timestamp=day + "T00:00:00+01:00")
    parts = [rows, rows.head(1)]
    if rejected:
        parts.append(rows.head(1).with_columns(timestamp=pl.lit("not a time")))
    data = tmp_path / "export.csv"
    pl.concat(parts).rename({"customer_id": "Customer ID"}).write_csv(data)
    return data


def _notes_of(path: Path, period: str = "month") -> list[str]:
    """What `cx simulate --period PERIOD` says of the data ``path``, its name left out."""
    meta = cx.load_interactions(path, period=period).meta
    return [text.removeprefix(f"{path}: ") for text in data_notes(meta)]


def test_cx_cube_says_the_notes_cx_simulate_says(tmp_path: Path) -> None:
    """Duplicates, UTC offsets, dates at midnight, a short first and last period and a
    rejected row: `cx cube` said none of them, `cx simulate` on the same export all."""
    data = noted_export(tmp_path, rejected=True)
    made = run_cx("cube", "-d", data, "-o", tmp_path / "cube.parquet")
    assert made.exit_code == 0, made.stderr
    assert made.stdout == ""
    simulated = run_cx("simulate", STRATEGY, "-d", data, "--no-cache", "--format", "json")
    assert simulated.exit_code == 0, simulated.stderr
    cube = cx.load_interactions(data)
    expected = data_notes(cube.meta)
    for words in (
        "column 'Customer ID' is read as customer_id",
        "timestamps carry the UTC offset +01:00, every one at midnight",
        "an earlier row exactly; they are counted as contacts",
        "covers only 1 of the 31 days of its first period (2023-12)",
        "covers only 1 of the 31 days of its last period (2024-03)",
        "rows rejected (0.01%); first at line",
    ):
        assert sum(words in sentence for sentence in expected) == 1, words
    wrote = f"wrote the cube of {cube.meta.rows_used:,} rows to {tmp_path / 'cube.parquet'}"
    assert _flat(made.stderr) == _flat(" ".join([*expected, wrote]))
    for sentence in expected:
        assert _flat(sentence) in _flat(simulated.stderr), sentence


def test_cx_cube_writes_the_rejected_rows_it_notes(tmp_path: Path) -> None:
    """The note on rejected rows points at --rejects: `cx cube` takes it too."""
    data = noted_export(tmp_path, rejected=True)
    rejects = tmp_path / "rejects.csv"
    made = run_cx("cube", "-d", data, "-o", tmp_path / "cube.parquet", "--rejects", rejects)
    assert made.exit_code == 0, made.stderr
    assert f"all written to {rejects}" in _flat(made.stderr)
    assert pl.read_csv(rejects, infer_schema=False)["timestamp"].to_list() == ["not a time"]


@pytest.mark.parametrize(
    "extra",
    [["--engine", "duckdb", "-d", EXAMPLE, "-o", "cube.parquet"], ["--sql"]],
    ids=["engine", "sql"],
)
def test_cx_cube_refuses_rejects_it_cannot_write(tmp_path: Path, extra: list[object]) -> None:
    made = run_cx("cube", *extra, "--rejects", tmp_path / "rejects.csv")
    assert made.exit_code == 2
    assert made.stdout == ""
    assert "--rejects" in made.stderr
    assert not (tmp_path / "rejects.csv").exists()


@pytest.mark.parametrize("period", ["week", "month", "quarter"])
def test_a_cube_file_gives_the_exports_notes_for_the_period_asked(
    tmp_path: Path, period: str
) -> None:
    data = noted_export(tmp_path)
    cube = tmp_path / "cube.parquet"
    api.build_cube_file(data, cube)
    assert _notes_of(cube, period) == _notes_of(data, period)
    duplicates = cx.load_interactions(data, period=period).meta.duplicate_rows
    assert cx.load_interactions(cube, period=period).meta.duplicate_rows == duplicates > 0


def test_simulate_and_the_report_on_a_cube_file_say_its_notes(tmp_path: Path) -> None:
    pytest.importorskip("altair", reason="the report extra is not installed")
    pytest.importorskip("vl_convert", reason="the report extra is not installed")
    from cx.report import build_report

    data = noted_export(tmp_path)
    cube = tmp_path / "cube.parquet"
    api.build_cube_file(data, cube)
    expected = data_notes(cx.load_interactions(cube).meta)
    assert len(expected) == 5
    simulated = run_cx("simulate", STRATEGY, "-d", cube, "--format", "json")
    assert simulated.exit_code == 0, simulated.stderr
    page = build_report([cx.load_strategy(STRATEGY)], cx.load_interactions(cube))
    caveats = page[page.index('<section class="caveats"') :]
    for sentence in expected:
        assert _flat(simulated.stderr).count(_flat(sentence)) == 1, sentence
        assert sentence.replace("'", "&#x27;") in caveats or sentence in caveats, sentence


def test_a_cube_file_without_the_notes_still_reads(tmp_path: Path) -> None:
    """A file from an older cx, an engine or the SQL has neither column: it says only
    what the periods say, as before."""
    data = noted_export(tmp_path)
    cube, older = tmp_path / "cube.parquet", tmp_path / "older.parquet"
    api.build_cube_file(data, cube)
    written = pl.read_parquet(cube)
    duplicates = cx.load_interactions(data).meta.duplicate_rows
    assert written.filter(pl.col("table") == "stats")["duplicate_rows"].to_list() == [duplicates]
    written.drop("duplicate_rows", "notes").write_parquet(older)
    meta = cx.load_interactions(older).meta
    assert meta.duplicate_rows == 0
    assert [text for text in meta.notes if "covers only" not in text] == []


def test_a_clean_export_gives_the_engines_columns(tmp_path: Path) -> None:
    """Nothing to say: no note columns, the file is column for column the one the SQL
    and the engines write."""
    cube = tmp_path / "cube.parquet"
    api.build_cube_file(EXAMPLE, cube)
    assert not {"duplicate_rows", "notes"} & set(pl.read_parquet(cube).columns)


@pytest.mark.parametrize("notes", ['{"a": 1}', "[1, 2]", "not json"])
def test_a_cube_file_with_notes_that_are_no_list_of_text_is_refused(
    tmp_path: Path, notes: str
) -> None:
    cube = tmp_path / "cube.parquet"
    api.build_cube_file(noted_export(tmp_path), cube)
    stats = pl.col("table") == "stats"
    frame = pl.read_parquet(cube)
    frame.with_columns(notes=pl.when(stats).then(pl.lit(notes))).write_parquet(cube)
    with pytest.raises(DataError, match="notes are not a JSON list of text"):
        cx.load_interactions(cube)
