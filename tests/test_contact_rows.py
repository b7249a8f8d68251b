"""Single contacts for journeys and inspect: read as the fast scan reads them, sorted once.

* The valid rows of the fast path (suspect rows checked again, keys normalised per
  distinct value) are the exact rules' rows with the exact values, on dirty data and on
  rows hypothesis makes; so the outcomes and inspect's profile are equal too.
* Customers sorted by a hash of their id: a collision of two ids is noticed, and the
  rows are then sorted by the ids themselves, with the same journeys.
* ``cx inspect``, ``cx report`` and ``--outcomes`` read the file once: the cube is
  counted from the rows they keep, and equals the cube of a scan alone.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import run_cx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scale_inputs import DIRTY_MAPPING, assert_same_cube, dirty

import cx
from cx import api, generate
from cx.data import fast as fast_scan
from cx.data import fine, journeys, scan
from cx.data.journeys import CONTACT_COLUMNS, OUTCOME_COLUMNS, Outcomes
from cx.data.layout import ROW, resolve_layout
from cx.inspect import PROFILE_COLUMNS
from cx.models.mapping import Mapping

ROOT = Path(__file__).resolve().parent.parent
STRATEGY = ROOT / "strategies" / "digital-first.yaml"
ROWS = 3_000
COLUMNS = [*CONTACT_COLUMNS, *PROFILE_COLUMNS]


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return generate.generate_interactions(ROWS, seed=11, start=date(2024, 1, 1), days=40)


def clean_keys(rows: pl.DataFrame) -> pl.DataFrame:
    """Dirty rows without the control character in a key value (which only the exact
    rules can reject row by row: the fast path gives way for it)."""
    return rows.with_columns(pl.col("intent").str.replace_all("\x00", "", literal=True))


def both_ways(path: Path, mapping: Mapping, columns: list[str]) -> tuple[pl.DataFrame, ...]:
    layout = resolve_layout(path, mapping, "utf8")
    fast = fast_scan.fast_valid_rows(layout, mapping, "utf8", columns)
    assert fast is not None, "the fast path gave way"
    exact = scan.valid_rows(path, mapping, "utf8", columns, exact=True)
    assert fast.schema == exact.schema  # equals() does not tell categories from text
    return fast.sort(ROW), exact.sort(ROW)


def test_fast_rows_are_the_exact_rows_on_dirty_data(frame: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "dirty.csv"
    clean_keys(dirty(frame)).write_csv(path)
    fast, exact = both_ways(path, DIRTY_MAPPING, COLUMNS)
    assert fast.equals(exact)
    assert 0 < ROWS - fast.height < ROWS * 0.05  # some rows rejected, most kept
    assert set(fast["channel"].unique()) <= set(generate.CHANNELS)  # aliases, case folded
    assert "all" in fast["segment"].to_list()  # a blank segment means all
    kept = scan.scan_fine(path, DIRTY_MAPPING)
    assert fast.height == kept.rows_read - kept.rows_rejected  # the rows the cube counts


def test_a_control_character_in_a_key_takes_the_exact_rules(
    frame: pl.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "dirty.csv"
    dirty(frame).write_csv(path)
    layout = resolve_layout(path, DIRTY_MAPPING, "utf8")
    assert fast_scan.fast_valid_rows(layout, DIRTY_MAPPING, "utf8", COLUMNS) is None
    rows = scan.valid_rows(path, DIRTY_MAPPING, "utf8", COLUMNS)
    exact = scan.valid_rows(path, DIRTY_MAPPING, "utf8", COLUMNS, exact=True)
    assert rows.sort(ROW).equals(exact.sort(ROW))
    assert not rows["intent"].cast(pl.String).str.contains("\x00", literal=True).any()


def test_too_many_suspect_rows_take_the_exact_rules(
    frame: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dirty.csv"
    clean_keys(dirty(frame)).write_csv(path)
    monkeypatch.setattr(fast_scan, "SUSPECT_LIMIT", 3)
    layout = resolve_layout(path, DIRTY_MAPPING, "utf8")
    assert fast_scan.fast_valid_rows(layout, DIRTY_MAPPING, "utf8", COLUMNS) is None
    rows = scan.valid_rows(path, DIRTY_MAPPING, "utf8", COLUMNS)
    assert rows.sort(ROW).equals(scan.valid_rows(path, DIRTY_MAPPING, "utf8", COLUMNS, exact=True))


def assert_same_outcomes(left: Outcomes, right: Outcomes) -> None:
    keys = ["day", *journeys.STEP_KEYS]
    assert left.demand.sort(keys).equals(right.demand.sort(keys))
    assert left.channels.equals(right.channels)
    counts = ("journeys", "follow_ups", "hops", "multichannel_journeys")
    assert [getattr(left, n) for n in counts] == [getattr(right, n) for n in counts]
    assert (left.has_resolved, left.has_satisfaction) == (
        right.has_resolved,
        right.has_satisfaction,
    )


def test_outcomes_and_profile_of_the_fast_rows_equal_the_exact_ones(
    frame: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dirty.csv"
    clean_keys(dirty(frame)).write_csv(path)
    fast_outcomes = journeys.scan_outcomes(path, DIRTY_MAPPING, 24.0)
    cube = api.load_interactions(path, columns=DIRTY_MAPPING, max_reject_rate=0.1)
    fast_profile = api.inspect_interactions(cube, DIRTY_MAPPING)
    monkeypatch.setenv("CX_SCAN", "exact")
    exact_outcomes = journeys.scan_outcomes(path, DIRTY_MAPPING, 24.0)
    exact_profile = api.inspect_interactions(cube, DIRTY_MAPPING)
    assert_same_outcomes(fast_outcomes, exact_outcomes)
    assert fast_profile.model_dump() == exact_profile.model_dump()
    assert fast_outcomes.follow_ups > 0 and fast_outcomes.hops > 0


def test_one_read_gives_the_cube_the_outcomes_load_interactions_gives(tmp_path: Path) -> None:
    path = ROOT / "examples" / "interactions.csv"
    alone = api.load_interactions(path, outcomes=True, journey_window=48.0).outcomes
    cube = api.load_interactions(path)
    profile = api.inspect_interactions(cube, journey_window=48.0)
    assert cube.outcomes is not None and alone is not None
    assert_same_outcomes(cube.outcomes, alone)
    assert profile.model_dump() == api.inspect_interactions(path).model_dump()


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every whole read of a data file by the fast path, as it happens."""
    reads: list[str] = []
    first_pass = fast_scan._first_pass

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(str(args[0].path))
        return first_pass(*args, **kwargs)

    monkeypatch.setattr(fast_scan, "_first_pass", counted)
    return reads


@pytest.mark.parametrize(
    "command",
    [
        ["inspect", "--format", "json", "--no-cache"],
        ["simulate", str(STRATEGY), "--outcomes", "--format", "json", "--no-cache"],
        ["report", str(STRATEGY), "-o", "{tmp}/r.html", "--no-cache"],
        ["cube", "--outcomes", "-o", "{tmp}/cube.parquet"],
    ],
    ids=["inspect", "simulate-outcomes", "report", "cube-outcomes"],
)
def test_commands_that_need_contacts_read_the_file_once(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if command[0] == "report":
        pytest.importorskip("altair", reason="the report extra is not installed")
        pytest.importorskip("vl_convert", reason="the report extra is not installed")
    reads = count_reads(monkeypatch)
    data = ROOT / "examples" / "interactions.csv"
    args = [part.format(tmp=tmp_path) for part in command]
    result = run_cx(*args, "--data", data)
    assert result.exit_code in (0, 1), result.stderr
    assert reads == [str(data)]  # the cube and the contacts from one read


def test_replay_takes_the_kept_rows_and_replays_as_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cx.data.contacts import ContactFile

    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    reads = count_reads(monkeypatch)
    from_file: list[Path] = []
    contact_rows = ContactFile.rows

    def counted(self: ContactFile) -> pl.LazyFrame:
        from_file.append(self.path)
        return contact_rows(self)

    monkeypatch.setattr(ContactFile, "rows", counted)
    data = ROOT / "examples" / "interactions.csv"
    command = ["simulate", STRATEGY, "--replay", "--fit", "--data", data, "--format", "json"]
    kept = run_cx(*command)  # scans the file, fills the cache, replays the kept rows
    assert (len(reads), from_file) == (1, [])
    cached = run_cx(*command)  # the cube from the cache: the contacts read from the file
    assert (len(reads), len(from_file)) == (1, 1)
    assert kept.exit_code == cached.exit_code == 0, kept.stderr
    assert kept.stdout == cached.stdout
    assert '"replay": {' in kept.stdout


def test_the_api_inspects_a_file_with_one_read(monkeypatch: pytest.MonkeyPatch) -> None:
    reads = count_reads(monkeypatch)
    data = ROOT / "examples" / "interactions.csv"
    profile = api.inspect_interactions(data)
    assert reads == [str(data)]
    cube = api.load_interactions(data, keep_rows=True)
    assert cube.contact_rows is not None
    assert api.inspect_interactions(cube).model_dump() == profile.model_dump()
    assert cube.contact_rows is None  # used once, then let go
    assert len(reads) == 2  # the second cube's read; its inspect read nothing


def test_a_cube_from_the_cache_keeps_no_rows_and_inspects_as_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """keep_rows with a cache hit: no file was read, so no rows are kept, as documented;
    inspect then reads the file once, with the same figures."""
    data = ROOT / "examples" / "interactions.csv"
    first = api.load_interactions(data, cache=True, keep_rows=True)
    assert first.contact_rows is not None
    profile = api.inspect_interactions(first).model_dump()
    reads = count_reads(monkeypatch)
    again = api.load_interactions(data, cache=True, keep_rows=True)
    assert reads == [] and again.contact_rows is None
    assert api.inspect_interactions(again).model_dump() == profile
    assert reads == [str(data)]


def test_a_cube_is_read_again_with_the_mapping_it_was_loaded_with(
    frame: pl.DataFrame, tmp_path: Path
) -> None:
    """A script that loads a mapped export and then replays or inspects the cube without
    repeating columns= gets the figures of the mapped file, not of its raw channel
    values (VOICE was a channel of its own, and the replay saw no phone contacts)."""
    data, mapping = tmp_path / "voice.csv", tmp_path / "columns.yaml"
    frame.with_columns(pl.col("channel").replace({"phone": "VOICE"})).write_csv(data)
    mapping.write_text("channels:\n  phone: [VOICE]\n")
    strategy = cx.load_strategy(STRATEGY)

    def figures(columns: Path | None) -> tuple[Any, ...]:
        cube = cx.load_interactions(data, columns=mapping)
        replayed = cx.simulate(strategy, cube, replay=True, columns=columns)
        profile = api.inspect_interactions(cube, columns=columns)
        return replayed.model_dump(), profile.model_dump()

    assert figures(None) == figures(mapping)


def test_one_read_gives_the_cube_and_rows_of_two(frame: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "dirty.csv"
    clean_keys(dirty(frame)).write_csv(path)
    seen: list[pl.DataFrame] = []
    keep = scan.KeptRows(tuple(COLUMNS))
    together = scan.scan_fine(path, DIRTY_MAPPING, rejects_out=seen.append, keep=keep)
    alone = scan.scan_fine(path, DIRTY_MAPPING, rejects_out=seen.append)
    assert_same_cube(together, alone)
    assert together.duplicate_rows == alone.duplicate_rows
    assert together.rows_rejected > 0 and seen[0].equals(seen[1])  # the same rejects out
    assert keep.frame is not None
    alone_rows = scan.valid_rows(path, DIRTY_MAPPING, "utf8", COLUMNS)
    assert keep.frame.sort(ROW).equals(alone_rows.sort(ROW))
    assert keep.frame.schema == fine.as_categories(alone_rows).schema  # equals() does not look
    assert keep.frame.schema["channel"] == pl.Categorical


def test_one_read_counts_preferred_channels_by_id_where_the_hashes_cannot_vouch(
    frame: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dirty.csv"
    clean_keys(dirty(frame)).write_csv(path)
    hashed = scan.scan_fine(path, DIRTY_MAPPING, keep=scan.KeptRows(tuple(COLUMNS)))
    monkeypatch.setattr(fine, "preferred_from_hashes", lambda *args: None)
    by_id = scan.scan_fine(path, DIRTY_MAPPING, keep=scan.KeptRows(tuple(COLUMNS)))
    assert by_id.preferred.height > 0
    assert_same_cube(by_id, hashed)


def test_one_read_takes_the_exact_rules_where_the_fast_path_gives_way(
    frame: pl.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "dirty.csv"
    dirty(frame).write_csv(path)  # a control character in a key value: exact rules only
    keep = scan.KeptRows(tuple(COLUMNS))
    cube = scan.scan_fine(path, DIRTY_MAPPING, keep=keep)
    assert_same_cube(cube, scan.scan_fine(path, DIRTY_MAPPING, exact=True))
    assert keep.frame is not None
    exact = scan.valid_rows(path, DIRTY_MAPPING, "utf8", COLUMNS, exact=True)
    assert keep.frame.sort(ROW).equals(exact.sort(ROW))
    assert keep.frame.schema == fine.as_categories(exact).schema  # as from the fast path


@pytest.mark.parametrize("command", [["inspect"], ["simulate", str(STRATEGY), "--outcomes"]])
def test_contacts_from_the_cache_or_one_read_give_the_same_figures(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    data = ROOT / "examples" / "interactions.csv"
    runs = [run_cx(*command, "--data", data, "--format", "json") for _ in range(3)]
    uncached = run_cx(*command, "--data", data, "--format", "json", "--no-cache")
    assert any((tmp_path / "cache").iterdir())  # the later runs took the cube from it
    assert {run.exit_code for run in runs} == {uncached.exit_code}
    assert {run.stdout for run in runs} == {uncached.stdout}


@pytest.mark.parametrize(
    "hashed",
    [
        lambda customer: pl.lit(7, pl.UInt64),  # every id collides: sorted by the ids
        # Small hashes differ only in the low bits, where the sort keeps row positions.
        lambda customer: customer.rank("dense").cast(pl.UInt64),
    ],
    ids=["one-hash", "low-bits-only"],
)
def test_customers_whose_hashes_collide_are_kept_apart(
    hashed: Any, frame: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = (
        frame.head(500)
        .with_row_index(ROW)
        .with_columns(
            pl.col("timestamp").str.to_datetime(), pl.col("satisfaction").cast(pl.Float64)
        )
    )
    contacts = journeys.Contacts(journeys.in_journey_order(rows, [], ROW), ["resolved"])
    expected = journeys.outcomes_of(contacts, 24.0)
    monkeypatch.setattr(journeys, "customer_hash", hashed)
    ordered = journeys.in_journey_order(rows, [], ROW)
    assert ordered.select(ROW).equals(rows.sort("customer_id", "timestamp", ROW).select(ROW))
    assert_same_outcomes(journeys.outcomes_of(journeys.Contacts(ordered, ["resolved"]), 24.0),
                         expected)  # fmt: skip


def test_journey_order_keeps_nulls_and_nan_where_they_were() -> None:
    rows = pl.DataFrame(
        {
            ROW: pl.Series(range(6), dtype=pl.UInt32),
            "customer_id": ["b", "a", "b", "a", "c", "a"],
            "timestamp": [datetime(2024, 1, 1, 8, minute) for minute in (5, 4, 1, 2, 0, 3)],
            "channel": ["phone", "chat", "email", "web", "app", "phone"],
            "handle_time": [300.0, None, 120.5, None, 60.0, 0.0],
            "satisfaction": pl.Series("s", [None, float("nan"), 4.0, None, 2.0, 5.0], pl.Float32),
            "abandoned": [True, None, False, None, True, False],
            "resolved": [True, False, True, True, False, False],
        }
    )
    ordered = journeys.in_journey_order(rows, [], ROW)
    expected = rows.sort(pl.col("customer_id").hash(), "timestamp", ROW)
    assert ordered.select(rows.columns).schema == rows.schema
    assert ordered.select(ROW).to_series().to_list() == expected[ROW].to_list()
    for name in ("handle_time", "satisfaction", "abandoned", "resolved"):
        assert str(ordered[name].to_list()) == str(expected[name].to_list()), name


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d"]),
            st.integers(0, 3),
            st.one_of(st.none(), st.floats(allow_infinity=False), st.just(float("nan"))),
            st.one_of(st.none(), st.booleans()),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_journey_order_moves_every_value_with_its_row(
    cells: list[tuple[str, int, float | None, bool | None]],
) -> None:
    customers, minutes, numbers, flags = zip(*cells, strict=True)
    rows = pl.DataFrame(
        {
            ROW: pl.Series(range(len(cells)), dtype=pl.UInt32),
            "customer_id": list(customers),
            "timestamp": [datetime(2024, 1, 1, 8, minute) for minute in minutes],
            "channel": ["phone"] * len(cells),
            "handle_time": pl.Series("h", numbers, dtype=pl.Float64),
            "abandoned": pl.Series("a", flags, dtype=pl.Boolean),
        }
    )
    ordered = journeys.in_journey_order(rows, [], ROW).select(rows.columns)
    assert ordered.equals(rows.sort(pl.col("customer_id").hash(), "timestamp", ROW))


def test_journey_order_of_many_rows_at_few_instants_keeps_the_data_order() -> None:
    # Large enough for unstable sorts to reorder equal keys.
    count = 60_000
    rows = pl.DataFrame({ROW: pl.Series(range(count), dtype=pl.UInt32)}).with_columns(
        customer_id=(pl.col(ROW) * 7919 % 500).cast(pl.String),
        timestamp=pl.datetime(2024, 1, 1, 8) + pl.duration(minutes=pl.col(ROW) * 31 % 3),
        channel=pl.lit("phone"),
    )
    in_order = journeys.in_journey_order(rows, [], ROW)
    mixed = journeys.in_journey_order(rows.sample(fraction=1.0, shuffle=True, seed=3), [], ROW)
    assert in_order.equals(mixed)
    within = in_order.group_by("customer_key", "timestamp", maintain_order=True).agg(pl.col(ROW))
    assert all(row == sorted(row) for row in within[ROW].to_list())


CELLS = {
    "customer_id": st.sampled_from(["c1", " c1", "c2", "C2 ", "", "anon", "c3"]),
    "timestamp": st.sampled_from(
        [
            "2024-01-01T08:00:00",
            " 2024-01-01T09:30:00",
            "2024-01-02T08:00:00",
            "2024-01-01T23:59:60",
            "2024-13-01T00:00:00",
            "",
            "2024-01-01T08:00:00",
        ]
    ),
    "channel": st.sampled_from(["web", " Phone", "Online", "telephone", "", "CHAT", "email"]),
    "segment": st.sampled_from(["retail", " retail ", "", "sme"]),
    "handle_time": st.sampled_from(["120", " 30 ", "-5", "1e9", "", "12,5", "0"]),
    "resolved": st.sampled_from(["true", "false", "Yes", "no", "maybe", "", "TRUE"]),
    "satisfaction": st.sampled_from(["4", "five", "", " 3", "1e300"]),
    "abandoned": st.sampled_from(["HANG", "agent", "false", "", "perhaps"]),
}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=30))
def test_fast_rows_equal_exact_rows_on_any_cells(
    rows: list[dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("cells") / "cells.csv"
    pl.DataFrame(rows, schema=dict.fromkeys(CELLS, pl.String)).write_csv(path)
    columns = [*CONTACT_COLUMNS, "handle_time", "abandoned", *OUTCOME_COLUMNS]
    try:
        exact = scan.valid_rows(path, DIRTY_MAPPING, "utf8", columns, exact=True).sort(ROW)
    except cx.CxError:  # e.g. a file of blank lines: neither way has rows to give
        return
    layout = resolve_layout(path, DIRTY_MAPPING, "utf8")
    fast = fast_scan.fast_valid_rows(layout, DIRTY_MAPPING, "utf8", columns)
    if fast is not None:  # None: the fast path gave way, and the exact rules read
        assert fast.sort(ROW).equals(exact)


@pytest.mark.parametrize(
    ("window", "error"),
    [(-1.0, cx.InputError), (float("nan"), cx.InputError), ("24", cx.UsageError)],
)
def test_a_bad_journey_window_is_refused_before_any_read(window: object, error: type) -> None:
    cube = api.load_interactions(ROOT / "examples" / "interactions.csv")
    with pytest.raises(error, match="journey_window"):
        api.inspect_interactions(cube, journey_window=window)  # type: ignore[arg-type]
    assert cube.outcomes is None
