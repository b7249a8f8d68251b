"""`--format json` carries the run's caveats (``caveats``): the data's notes, the
strategies' warnings and the notes on strategies side by side, the sentences stderr
says. A script reads stdout and drops stderr: an EUR strategy beside an unlabelled one
gave it plain numbers and no word that they are not of one currency."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import run_cx

import cx
from cx.models.result import Comparison, Result

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
STRATEGY = ROOT / "strategies" / "digital-first.yaml"
FOLLOW = ROOT / "strategies" / "follow-everywhere.yaml"
#: Wide enough that no note on stderr is wrapped: one sentence a line.
WIDE = {"COLUMNS": "2000"}
#: What stderr says that is no caveat of the figures.
NOT_CAVEATS = ("note: ", "wrote ")


def _said(stderr: str) -> list[str]:
    """The caveats of stderr, as the JSON words them (a warning without its label)."""
    lines = [line for line in stderr.splitlines() if line and not line.startswith(NOT_CAVEATS)]
    return [line.removeprefix("warning: ") for line in lines]


def _run(*args: object) -> tuple[dict, list[str]]:
    """The JSON of ``cx ARGS... --format json`` and the caveats its stderr says."""
    outcome = run_cx(*args, "--format", "json", env=WIDE)
    assert outcome.exit_code in (0, 1), (outcome.exception, outcome.stderr)
    return json.loads(outcome.stdout), _said(outcome.stderr)


@pytest.fixture
def duplicated(work: Path) -> Path:
    """Two months of the example with its first row twice: a duplicate, a short last
    period and a ramp unfinished within the data."""
    day = pl.col("timestamp").str.slice(0, 10)
    rows = pl.read_csv(EXAMPLE, infer_schema=False)
    rows = rows.filter(day.is_between(pl.lit("2024-01-01"), pl.lit("2024-03-02")))
    data = work / "export.csv"
    pl.concat([rows, rows.head(1)]).write_csv(data)
    return data


@pytest.fixture
def weekly_euros(work: Path) -> Path:
    """follow-everywhere per week, its money labelled EUR."""
    path = work / "weekly-euros.yaml"
    path.write_text(
        f"version: 1\nextends: {FOLLOW}\nname: weekly-euros\nperiod: week\ncurrency: EUR\n",
        encoding="utf-8",
    )
    return path


def test_simulate_json_carries_the_data_notes_and_the_strategy_warnings(
    duplicated: Path,
) -> None:
    payload, stderr = _run("simulate", STRATEGY, "--data", duplicated)
    said = payload["caveats"]
    assert list(payload)[-1] == "caveats" and payload["schema_version"] == 1
    assert said == stderr
    assert Result.model_validate(payload).model_dump(mode="json") == payload  # reads back
    for words in (
        "1 row repeats an earlier row exactly",
        "covers only 2 of the 31 days of its last period (2024-03)",
        "shifts.0: its ramp of 4 periods reaches 84% of its shares",
    ):
        assert sum(words in sentence for sentence in said) == 1, words


def test_compare_json_says_the_currencies_and_the_first_one_s_period(
    duplicated: Path, weekly_euros: Path
) -> None:
    payload, stderr = _run("compare", FOLLOW, weekly_euros, "--data", duplicated)
    said = payload["caveats"]
    assert said == stderr
    assert said[:2] == [
        "the strategies label money in different currencies (EUR and none); cx converts "
        "nothing, so their costs are compared as plain numbers",
        "every strategy is evaluated per month (the first one's period); weekly-euros set "
        "another (use --period to choose)",
    ]
    assert any("1 row repeats an earlier row exactly" in sentence for sentence in said)
    assert all("caveats" not in result for result in payload["results"])
    assert Comparison.model_validate(payload).model_dump(mode="json") == payload
    # --period chooses for every strategy: nothing to say about the first one's.
    chosen, stderr = _run("compare", FOLLOW, weekly_euros, "--data", duplicated, "--period", "week")
    assert chosen["caveats"] == stderr
    assert not any("per month" in sentence for sentence in chosen["caveats"])


def test_compare_json_says_the_first_one_s_journey_window(work: Path) -> None:
    first = ROOT / "strategies" / "follow-ups-to-chat.yaml"
    shorter = work / "day-window.yaml"
    shorter.write_text(
        f"version: 1\nextends: {first}\nname: day-window\njourneys: {{window_hours: 24}}\n",
        encoding="utf-8",
    )
    payload, stderr = _run("compare", first, shorter, "--data", EXAMPLE)
    assert payload["caveats"] == stderr
    assert (
        "every strategy follows journeys with a 72-hour window (the first one's "
        "journeys.window_hours); day-window set another (use --journey-window to choose)"
    ) in payload["caveats"]


def test_clean_runs_have_no_caveats(work: Path) -> None:
    simulated, stderr = _run("simulate", STRATEGY, "--data", EXAMPLE)
    assert simulated["caveats"] == [] == stderr
    compared, stderr = _run("compare", STRATEGY, FOLLOW, "--data", EXAMPLE)
    assert compared["caveats"] == [] == stderr


def test_the_caveats_are_the_same_from_the_cache_and_from_a_scan(
    duplicated: Path, weekly_euros: Path
) -> None:
    args = ("compare", FOLLOW, weekly_euros, "--data", duplicated, "--format", "json")
    scanned = run_cx(*args, "--no-cache", env=WIDE)
    filled = run_cx(*args, env=WIDE)  # scans and fills the cache
    cached = run_cx(*args, env=WIDE)  # reads the cube from the cache
    assert scanned.exit_code == filled.exit_code == cached.exit_code == 0, cached.stderr
    assert scanned.stdout == filled.stdout == cached.stdout
    assert json.loads(cached.stdout)["caveats"]


def test_sweep_and_sensitivity_json_carry_the_caveats(duplicated: Path) -> None:
    swept, stderr = _run(
        "sweep", STRATEGY, "--set-range", "shifts.0.to.web=0:0.2:0.1", "--data", duplicated
    )
    assert swept["caveats"] == stderr
    assert any("1 row repeats" in sentence for sentence in swept["caveats"])
    uncertain = ROOT / "strategies" / "digital-first-uncertain.yaml"
    swung, stderr = _run("sensitivity", uncertain, "--data", duplicated)
    assert swung["caveats"] == stderr
    assert any("1 row repeats" in sentence for sentence in swung["caveats"])


def test_check_json_carries_the_caveats_and_says_the_currencies(
    duplicated: Path, weekly_euros: Path
) -> None:
    """`cx check` evaluates every strategy on one scan, as `cx compare` does: it says
    the same notes on stderr (the currencies too), and its JSON, read by CI, gives them."""
    args = ("check", STRATEGY, weekly_euros, "--data", duplicated)
    payload, stderr = _run(*args)
    *said, summary = stderr  # the summary of the guards is no caveat
    assert summary.startswith("2 strategies, ") and list(payload)[-1] == "caveats"
    assert payload["caveats"] == said
    compared, _ = _run("compare", *args[1:])
    assert payload["caveats"] == compared["caveats"]
    assert said[0].startswith("the strategies label money in different currencies (EUR and none)")
    assert any("1 row repeats an earlier row exactly" in sentence for sentence in said)
    assert any("shifts.0: its ramp of 4 periods" in sentence for sentence in said)
    alone, stderr = _run("check", STRATEGY, "--data", EXAMPLE)
    assert alone["caveats"] == [] and len(stderr) == 1


@pytest.fixture
def day_window(work: Path) -> Path:
    """follow-ups-to-chat following journeys with a 24-hour window, not its 72."""
    path = work / "day-window.yaml"
    path.write_text(
        f"version: 1\nextends: {ROOT / 'strategies' / 'follow-ups-to-chat.yaml'}\n"
        "name: day-window\njourneys: {window_hours: 24}\n",
        encoding="utf-8",
    )
    return path


def test_a_refused_run_says_no_note_on_the_strategies(work: Path, day_window: Path) -> None:
    """A cube file cut with another window than the first strategy's refuses the run:
    no note says which window every strategy follows in a run that does not happen,
    nor which period (the data's refusal comes first, for an export too)."""
    first = ROOT / "strategies" / "follow-ups-to-chat.yaml"
    cube = work / "cube.parquet"
    cx.api.build_cube_file(EXAMPLE, cube, journey_window=24)
    for args in (
        ("compare", first, day_window, "--data", cube),
        ("simulate", first, "--data", cube),
        ("report", first, day_window, "--data", cube, "-o", work / "report.html"),
    ):
        refused = run_cx(*args, env=WIDE)
        assert refused.exit_code == 2, (args, refused.stderr)
        [said] = refused.stderr.splitlines()
        assert said.startswith("error: ") and "24-hour window, not 72" in said, said
    loose = work / "loose.csv"
    rows = pl.read_csv(EXAMPLE, infer_schema=False).head(200)
    rows.vstack(rows.head(3).with_columns(pl.lit("x").alias("timestamp"))).write_csv(loose)
    weekly = work / "weekly.yaml"
    weekly.write_text(f"version: 1\nextends: {FOLLOW}\nname: weekly\nperiod: week\n")
    args = ("compare", FOLLOW, weekly, "--data", loose, "--max-reject-rate", "0")
    refused = run_cx(*args, env=WIDE)
    assert refused.exit_code == 2, refused.stderr
    [said] = refused.stderr.splitlines()
    assert said.startswith("error: ") and "3 of 203 rows rejected" in said, said


def test_a_cube_file_s_window_is_chosen_when_the_cube_is_built(
    work: Path, day_window: Path
) -> None:
    """Where the cube file's window is the first strategy's, the note on the strategies
    that set another says how to choose another: not with --journey-window (the run
    refuses any window but the cube's), but by building the cube file with it."""
    first = ROOT / "strategies" / "follow-ups-to-chat.yaml"
    cube = work / "cube.parquet"
    cx.api.build_cube_file(EXAMPLE, cube, journey_window=24)
    payload, stderr = _run("compare", day_window, first, "--data", cube)
    assert payload["caveats"] == stderr == [
        "every strategy follows journeys with a 24-hour window (the first one's "
        "journeys.window_hours); follow-ups-to-chat set another (the cube file is cut "
        "with it: build one with `cx cube --journey-window HOURS` to choose)"
    ]


def test_stderr_and_the_json_say_the_notes_on_strategies_alike(
    work: Path, weekly_euros: Path, day_window: Path
) -> None:
    """The notes on strategies side by side come from one derivation, made once the
    data is read: stderr says what the JSON gives, in its order, for the first one's
    period, the first one's journey window and money in different currencies."""
    first = ROOT / "strategies" / "follow-ups-to-chat.yaml"
    for args, words in (
        ((FOLLOW, weekly_euros), ["different currencies", "per month (the first one's"]),
        ((first, day_window), ["a 72-hour window (the first one's"]),
        ((day_window, first, "--period", "week"), ["a 24-hour window (the first one's"]),
    ):
        for command in ("compare", "check"):
            payload, stderr = _run(command, *args, "--data", EXAMPLE)
            stderr = [line for line in stderr if not line.startswith("2 strategies, ")]
            assert payload["caveats"] == stderr, (command, args)
            notes = [s for s in stderr if s.startswith(("every strategy", "the strategies"))]
            assert [sum(w in s for s in notes) for w in words] == [1] * len(words), notes
            assert len(notes) == len(words), notes
