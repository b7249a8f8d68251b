"""The scan at scale (DESIGN §9): every input format, the fast path against the exact rules.

* The same interactions as CSV, gzip CSV (with and without a ``.gz`` name), Parquet
  (as read_csv types it, and with a typed timestamp) and a directory of Parquet files
  give the same ``cx simulate --format json`` (except ``data.file``).
* The fast path (keys normalised on the aggregates, suspect rows re-checked, customers
  hashed) gives exactly what the exact rules give row by row (``CX_SCAN=exact``), on
  data made dirty on purpose: padding, case, aliases, spellings, bad values, blanks.
* The preferred channel from hashed ids equals the exact count, and a collision of the
  hashes is noticed.
* The scan's spinner shows only on a terminal, only for large files, never with --quiet.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import run_cx
from rich.console import Console

from cx import generate
from cx.cli.data_options import scan_progress
from cx.data import fast as fast_scan
from cx.data import fine, scan
from cx.data.layout import SourceLayout, resolve_layout
from cx.models.mapping import Mapping

ROOT = Path(__file__).resolve().parent.parent
STRATEGY = ROOT / "strategies" / "digital-first.yaml"
ROWS = 4_000


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return generate.generate_interactions(ROWS, seed=7, start=date(2024, 1, 1), days=75)


@pytest.fixture(scope="module")
def inputs(frame: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("inputs")
    csv = root / "interactions.csv"
    frame.write_csv(csv)
    paths = {"csv": csv}
    paths["gz"] = root / "interactions.csv.gz"
    with open(csv, "rb") as source, gzip.open(paths["gz"], "wb") as target:
        shutil.copyfileobj(source, target)
    paths["gz_unnamed"] = root / "interactions.export"  # gzip found by its magic bytes
    shutil.copy(paths["gz"], paths["gz_unnamed"])
    paths["parquet"] = root / "interactions.parquet"  # typed as read_csv types them
    pl.read_csv(csv).write_parquet(paths["parquet"])
    paths["parquet_typed"] = root / "typed.parquet"  # a real timestamp column
    frame.with_columns(
        pl.col("timestamp").str.strptime(pl.Datetime("ms"), generate.TIMESTAMP_FORMAT)
    ).write_parquet(paths["parquet_typed"])
    spark = root / "spark"  # a directory of part files, as Spark writes them
    spark.mkdir()
    half = frame.height // 2
    frame.slice(0, half).write_parquet(spark / "part-00000.parquet")
    frame.slice(half).write_parquet(spark / "part-00001.parquet")
    (spark / "_SUCCESS").write_text("")
    paths["parquet_dir"] = spark
    return paths


def simulate_json(data: Path, *extra: str) -> dict:
    result = run_cx(
        "simulate", str(STRATEGY), "--data", str(data), "--format", "json", "--no-cache", *extra,
    )
    assert result.exit_code in (0, 1), result.output
    payload = json.loads(result.stdout)
    payload["data"].pop("file")
    # the caveats name the file they are about: equal across formats but for its name
    payload["caveats"] = [text.replace(str(data), "DATA") for text in payload["caveats"]]
    return payload


@pytest.mark.parametrize("kind", ["gz", "gz_unnamed", "parquet", "parquet_typed", "parquet_dir"])
def test_every_format_gives_the_same_result(inputs: dict[str, Path], kind: str) -> None:
    expected = simulate_json(inputs["csv"])
    assert expected["data"]["rows_used"] == ROWS
    assert simulate_json(inputs[kind]) == expected


def test_weekly_periods_agree_too(inputs: dict[str, Path]) -> None:
    assert simulate_json(inputs["parquet"], "--period", "week") == simulate_json(
        inputs["csv"], "--period", "week"
    )


# --------------------------------------------------------------------------- fast = exact

DIRTY_MAPPING = Mapping.model_validate(
    {
        "channels": {"web": ["online", "Internet"], "phone": ["Telephone"]},
        "values": {"abandoned": {"true": ["HANG"], "false": ["AGENT", "false"]}},
        "anonymous_ids": ["0", "anon"],
    }
)


def dirty(frame: pl.DataFrame) -> pl.DataFrame:
    """The generated rows made messy, as exports are: every rule of §3 gets exercised."""
    text = frame.select(pl.all().cast(pl.String))
    rows = text.with_row_index("i").with_columns(
        channel=pl.when(pl.col("i") % 17 == 0)
        .then(pl.lit("  ") + pl.col("channel").str.to_uppercase() + " ")
        .when((pl.col("i") % 23 == 0) & (pl.col("channel") == "web"))
        .then(pl.lit("Online"))
        .when((pl.col("i") % 29 == 0) & (pl.col("channel") == "phone"))
        .then(pl.lit("telephone"))
        .otherwise(pl.col("channel")),
        segment=pl.when(pl.col("i") % 13 == 0)
        .then(pl.lit(" ") + pl.col("segment") + "  ")
        .when(pl.col("i") % 31 == 0)
        .then(pl.lit("   "))
        .otherwise(pl.col("segment")),
        customer_id=pl.when(pl.col("i") % 19 == 0)
        .then(pl.lit(" ") + pl.col("customer_id"))
        .when(pl.col("i") % 97 == 0)
        .then(pl.lit("anon"))
        .otherwise(pl.col("customer_id")),
        handle_time=pl.when(pl.col("i") % 41 == 0)
        .then(pl.lit(" ") + pl.col("handle_time") + " ")
        .when(pl.col("i") % 211 == 0)
        .then(pl.lit("-5"))
        .when(pl.col("i") % 223 == 0)
        .then(pl.lit("12,5"))
        .otherwise(pl.col("handle_time")),
        resolved=pl.when(pl.col("i") % 37 == 0)
        .then(pl.lit("Yes"))
        .when(pl.col("i") % 43 == 0)
        .then(pl.lit("tRuE"))
        .when(pl.col("i") % 227 == 0)
        .then(pl.lit("maybe"))
        .otherwise(pl.col("resolved")),
        abandoned=pl.when(pl.col("abandoned") == "true")
        .then(pl.lit("HANG"))
        .when(pl.col("abandoned") == "false")
        .then(pl.when(pl.col("i") % 2 == 0).then(pl.lit("agent")).otherwise(pl.lit("false")))
        .otherwise(pl.col("abandoned")),
        timestamp=pl.when(pl.col("i") % 53 == 0)
        .then(pl.lit(" ") + pl.col("timestamp"))
        .when(pl.col("i") % 229 == 0)
        .then(pl.lit("2024-13-45T00:00:00"))
        .when(pl.col("i") % 233 == 0)
        .then(pl.lit(None))
        .when(pl.col("i") % 241 == 0)  # a leap second: strptime would roll it over
        .then(pl.col("timestamp").str.slice(0, 17) + "60")
        .otherwise(pl.col("timestamp")),
        satisfaction=pl.when(pl.col("i") % 239 == 0)
        .then(pl.lit("five"))
        .when(pl.col("i") % 257 == 0)
        .then(pl.lit("1e300"))
        .otherwise(pl.col("satisfaction")),
        intent=pl.when(pl.col("i") % 251 == 0)
        .then(pl.col("intent") + "\x00")
        .otherwise(pl.col("intent")),
    )
    return rows.drop("i")


def assert_same_cube(left: fine.FineCube, right: fine.FineCube) -> None:
    for table in ("demand", "arrivals", "preferred"):  # equals() takes text for categories
        assert getattr(left, table).schema == getattr(right, table).schema, table
    assert left.demand.sort(fine.DEMAND_KEYS).equals(right.demand.sort(fine.DEMAND_KEYS))
    assert left.arrivals.sort(fine.ARRIVAL_KEYS).equals(right.arrivals.sort(fine.ARRIVAL_KEYS))
    assert left.preferred.sort("channel").equals(right.preferred.sort("channel"))
    assert (left.rows_read, left.rows_rejected) == (right.rows_read, right.rows_rejected)
    assert (left.first, left.last) == (right.first, right.last)
    assert left.reject_reasons == right.reject_reasons
    assert left.rejects_sample.equals(right.rejects_sample)


@pytest.mark.parametrize("key_rows", [fast_scan.KEY_TABLE_ROWS, 50])
def test_fast_path_equals_exact_rules_on_dirty_data(
    frame: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_rows: int
) -> None:
    # With 50, most key values as written (padded, aliased, cased) are first seen past
    # the rows the key table is made of: those rows are checked again, exactly.
    monkeypatch.setattr(fast_scan, "KEY_TABLE_ROWS", key_rows)
    path = tmp_path / "dirty.csv"
    dirty(frame).write_csv(path)
    seen: list[pl.DataFrame] = []
    fast = scan.scan_fine(path, DIRTY_MAPPING, rejects_out=seen.append)
    exact = scan.scan_fine(path, DIRTY_MAPPING, exact=True, rejects_out=seen.append)
    assert_same_cube(fast, exact)
    assert seen[0].equals(seen[1])
    assert 0 < fast.rows_rejected < ROWS * 0.05
    assert set(fast.reject_reasons) >= {
        "timestamp is empty",
        "timestamp does not exist (second 60, a leap second)",
        "intent holds a control character (binary data?)",
        "resolved is not a boolean",
        "satisfaction is not a number",
    }
    channels = set(fast.demand["channel"].to_list())
    assert channels <= set(generate.CHANNELS), channels  # aliases and case folded
    assert "all" in fast.demand["segment"].to_list()  # a blank segment means all


def parsing_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Dirty rows whose numbers all parse as numbers: negative, padded on the left, in
    exponent notation, out of range; with bad timestamps, ids and booleans besides."""
    rows = frame.with_row_index("i").with_columns(pl.col("handle_time").cast(pl.String))
    return rows.with_columns(
        handle_time=pl.when(pl.col("i") % 41 == 0)
        .then(pl.lit("  ") + pl.col("handle_time"))
        .when(pl.col("i") % 43 == 0)
        .then(pl.lit("-5"))
        .when(pl.col("i") % 47 == 0)
        .then(pl.lit("1.5e2"))
        .when(pl.col("i") % 53 == 0)
        .then(pl.lit("1e9"))
        .otherwise(pl.col("handle_time")),
        customer_id=pl.when(pl.col("i") % 59 == 0)
        .then(pl.lit(None))
        .otherwise(pl.col("customer_id")),
        timestamp=pl.when(pl.col("i") % 61 == 0)
        .then(pl.lit("2024-13-45T00:00:00"))
        .otherwise(pl.col("timestamp")),
        resolved=pl.when(pl.col("i") % 67 == 0)
        .then(pl.lit("maybe"))
        .otherwise(pl.col("resolved")),
    ).drop("i")


def first_pass_layouts(monkeypatch: pytest.MonkeyPatch) -> list[SourceLayout]:
    """The layouts the fast scan's first pass ends up reading with, as it runs."""
    seen: list[SourceLayout] = []
    first_pass = fast_scan._first_pass

    def recording(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        result = first_pass(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(result[0])
        return result

    monkeypatch.setattr(fast_scan, "_first_pass", recording)
    return seen


def test_numbers_read_as_numbers_give_the_exact_result(
    frame: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "numbers.csv"
    parsing_numbers(frame).write_csv(path)
    layouts = first_pass_layouts(monkeypatch)
    seen: list[pl.DataFrame] = []
    fast = scan.scan_fine(path, Mapping(), rejects_out=seen.append)
    assert layouts[0].dtypes == {"handle_time": pl.Float64, "wait_time": pl.Float64,
                                 "satisfaction": pl.Float64}  # fmt: skip
    exact = scan.scan_fine(path, Mapping(), exact=True, rejects_out=seen.append)
    assert_same_cube(fast, exact)
    assert seen[0].equals(seen[1])  # rejects keep the file's own text
    assert "-5" in seen[0]["handle_time"].to_list()
    assert fast.reject_reasons["handle_time is not a number of seconds from 0 to 86,400"] > 0


def test_a_number_that_does_not_parse_late_in_the_file_reads_it_as_text(
    frame: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "late.csv"
    late = ROWS - 100
    assert late > fast_scan.TYPED_PROBE_ROWS  # past the rows read to try the number types
    frame.with_row_index("i").with_columns(
        handle_time=pl.when(pl.col("i") == late)
        .then(pl.lit("12s"))
        .otherwise(pl.col("handle_time").cast(pl.String))
    ).drop("i").write_csv(path)
    layouts = first_pass_layouts(monkeypatch)
    seen: list[pl.DataFrame] = []
    fast = scan.scan_fine(path, Mapping(), rejects_out=seen.append)
    assert layouts[0].dtypes == {}  # read as text after the typed read failed
    exact = scan.scan_fine(path, Mapping(), exact=True, rejects_out=seen.append)
    assert_same_cube(fast, exact)
    assert seen[0]["handle_time"].to_list() == ["12s"]


def test_duplicate_rows_compare_numbers_by_value_however_the_file_is_read(
    frame: pl.DataFrame, tmp_path: Path
) -> None:
    text = frame.with_columns(pl.col("handle_time").cast(pl.String)).head(300)
    copies = text.head(3).with_columns(
        handle_time=pl.Series([" " + v if v else v for v in text.head(3)["handle_time"]])
    )  # the same rows again, their handle time padded: the same values
    plain = tmp_path / "plain.csv"
    pl.concat([text, copies]).write_csv(plain)
    late = tmp_path / "late.csv"  # and with a number that does not parse, at the end
    bad = text.tail(1).with_columns(customer_id=pl.lit("other"), handle_time=pl.lit("12s"))
    pl.concat([text, copies, bad]).write_csv(late)
    counts = {
        scan.scan_fine(path, Mapping(), exact=exact).duplicate_rows
        for path in (plain, late)
        for exact in (False, True)
    }
    assert counts == {3}


def test_blank_channel_falls_back_to_the_exact_scan(frame: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    frame.with_row_index("i").with_columns(
        channel=pl.when(pl.col("i") % 101 == 0).then(pl.lit("   ")).otherwise(pl.col("channel"))
    ).drop("i").write_csv(path)
    fast = scan.scan_fine(path, Mapping())
    assert fast.reject_reasons == {"channel is empty": len(range(0, ROWS, 101))}
    assert_same_cube(fast, scan.scan_fine(path, Mapping(), exact=True))


def test_key_values_first_seen_late_are_counted_exactly(
    frame: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "late_keys.csv"
    late = ROWS - 300
    frame.with_row_index("i").with_columns(
        intent=pl.when(pl.col("i") >= late).then(pl.lit("new_intent")).otherwise("intent"),
        channel=pl.when(pl.col("i") == ROWS - 1).then(pl.lit("kiosk")).otherwise("channel"),
    ).drop("i").write_csv(path)
    monkeypatch.setattr(fast_scan, "KEY_TABLE_ROWS", 1_000)
    read_again: list[int] = []
    collect = fast_scan.collect

    def counting(path: Path, queries: list[pl.LazyFrame]) -> list[pl.DataFrame]:
        frames = collect(path, queries)
        read_again.extend(frame.height for frame in frames)
        return frames

    monkeypatch.setattr(fast_scan, "collect", counting)
    fast = scan.scan_fine(path, Mapping())
    assert read_again == [300]  # the rows with values unseen in the first 1,000, again
    assert_same_cube(fast, scan.scan_fine(path, Mapping(), exact=True))
    demand = fast.demand.group_by("intent").agg(pl.col("contacts").sum())
    assert dict(demand.iter_rows())["new_intent"] == 300
    assert "kiosk" in fast.demand["channel"].to_list()


def test_too_many_key_combinations_or_a_shared_key_take_the_exact_scan(
    frame: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keys.csv"
    frame.write_csv(path)
    seen = frame.select(fine.KEY_NAMES)
    table = fine.key_table(seen)
    assert table is not None
    assert table.height == np.prod([seen[n].n_unique() for n in fine.KEY_NAMES])
    exact = scan.scan_fine(path, Mapping(), exact=True)
    monkeypatch.setattr(fine, "MAX_KEY_COMBINATIONS", table.height - 1)
    assert fine.key_table(seen) is None
    assert_same_cube(scan.scan_fine(path, Mapping()), exact)
    monkeypatch.undo()
    monkeypatch.setattr(fine, "demand_key", lambda: pl.lit(7, pl.UInt64).alias("key"))
    assert fine.key_table(seen) is None  # two combinations with one key: not told apart


def test_parquet_with_typed_and_text_columns_equals_csv(
    frame: pl.DataFrame, tmp_path: Path
) -> None:
    messy = dirty(frame)
    csv, parquet = tmp_path / "m.csv", tmp_path / "m.parquet"
    messy.write_csv(csv)
    messy.with_columns(pl.col("wait_time").cast(pl.Int64)).write_parquet(parquet)
    left = scan.scan_fine(csv, DIRTY_MAPPING)
    right = scan.scan_fine(parquet, DIRTY_MAPPING)
    assert_same_cube(
        left,
        fine.FineCube(**{**right.__dict__, "rejects_sample": left.rejects_sample}),
    )  # the sample differs only in the type of wait_time's text
    assert right.rejects_sample["line"].to_list() == left.rejects_sample["line"].to_list()


def test_cube_file_round_trip(inputs: dict[str, Path], tmp_path: Path) -> None:
    cube = tmp_path / "cube.parquet"
    result = run_cx("cube", "--data", str(inputs["csv"]), "--output", str(cube), "--quiet")
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(cube)["table"].unique().sort().to_list() == [
        "arrivals",
        "demand",
        "preferred",
        "stats",
    ]
    for period in ("week", "month", "quarter"):
        assert simulate_json(cube, "--period", period) == simulate_json(
            inputs["csv"], "--period", period
        )


# --------------------------------------------------------------------------- preferred channel


def exact_preferred(customers: np.ndarray, codes: np.ndarray, names: list[str]) -> pl.DataFrame:
    pairs = (
        pl.DataFrame({"customer_id": customers.astype(str), "channel": np.array(names)[codes]})
        .group_by("customer_id", "channel")
        .agg(n=pl.len())
    )
    return fine.preferred_counts(pairs, names)


def test_hashed_preference_equals_exact_count_with_ties() -> None:
    rng = np.random.default_rng(3)
    names = ["app", "branch", "chat", "email", "phone"]
    customers = rng.integers(0, 2_000, 20_000)
    codes = rng.integers(0, len(names), customers.size)  # many ties: few contacts each
    ids = pl.Series(customers.astype(str))
    h1 = ids.hash(fine.HASH_SEEDS[0]).to_numpy()
    h2 = ids.hash(fine.HASH_SEEDS[1]).to_numpy()
    hashed = fine.preferred_from_hashes(h1, h2, codes.astype(np.uint8), names)
    assert hashed is not None
    assert hashed.equals(exact_preferred(customers, codes, names))


def test_a_hash_collision_is_noticed() -> None:
    names = ["chat", "phone"]
    h1 = np.array([5 << 8, 5 << 8, 9 << 8], dtype=np.uint64)  # two customers collide in h1
    h2 = np.array([1, 2, 3], dtype=np.uint64)
    assert fine.preferred_from_hashes(h1, h2, np.array([0, 1, 1], dtype=np.uint8), names) is None


# --------------------------------------------------------------------------- progress


def test_spinner_only_on_a_terminal_for_large_files(tmp_path: Path) -> None:
    data = tmp_path / "big.csv"
    data.write_bytes(b"x" * 2048)

    def shown(terminal: bool, quiet: bool, min_bytes: int) -> str:
        buffer = io.StringIO()
        console = Console(file=buffer, force_terminal=terminal, width=80)
        with scan_progress(data, quiet, console=console, min_bytes=min_bytes):
            pass
        return buffer.getvalue()

    assert shown(terminal=False, quiet=False, min_bytes=0) == ""
    assert shown(terminal=True, quiet=True, min_bytes=0) == ""
    assert shown(terminal=True, quiet=False, min_bytes=10_000) == ""
    assert "big.csv" in shown(terminal=True, quiet=False, min_bytes=0)


def test_no_progress_noise_on_stderr_when_piped(inputs: dict[str, Path]) -> None:
    # digital-first's ramps outlast these 75 days, which is warned about: no such rule here
    follow = ROOT / "strategies" / "follow-everywhere.yaml"
    result = run_cx(
        "simulate", str(follow), "--data", str(inputs["csv"]), "--format", "json", "--no-cache",
    )
    assert result.exit_code in (0, 1)
    assert result.stderr == ""


def test_duplicate_rows_are_counted_in_the_same_read(frame: pl.DataFrame, tmp_path: Path) -> None:
    from cx.data.notes import count_duplicate_rows

    path = tmp_path / "dups.csv"
    pl.concat([frame, frame.slice(100, 7)]).write_csv(path)
    lines = path.read_text().splitlines(keepends=True)
    lines[50:50] = ["\n", "\n"]  # blank lines are no rows, and no duplicates
    path.write_text("".join(lines) + "\n")
    fast = scan.scan_fine(path, Mapping(), rejects_out=lambda _: None)
    exact = scan.scan_fine(path, Mapping(), exact=True)
    layout = resolve_layout(path, Mapping())
    assert fast.duplicate_rows == exact.duplicate_rows == count_duplicate_rows(layout) == 7


@pytest.mark.parametrize("blank", ["\u200b", "\xa0 ", "\ufeff", "\u3000,,", "\u200b,\xa0\t"])
def test_repeated_lines_that_look_blank_are_no_duplicates_on_any_count(
    frame: pl.DataFrame, tmp_path: Path, blank: str
) -> None:
    """The scans read a line of zero-width spaces, BOMs or any whitespace as a blank
    line; the count of duplicates made apart from a scan read it as a row, so each
    repeat of it counted as a duplicate there only."""
    from cx.data.notes import count_duplicate_rows

    path = tmp_path / "looks-blank.csv"
    pl.concat([frame, frame.slice(100, 7)]).write_csv(path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[50:50] = [blank + "\n"] * 4
    path.write_text("".join(lines), encoding="utf-8")
    fast = scan.scan_fine(path, Mapping(), rejects_out=lambda _: None)
    exact = scan.scan_fine(path, Mapping(), exact=True)
    layout = resolve_layout(path, Mapping())
    assert fast.duplicate_rows == exact.duplicate_rows == count_duplicate_rows(layout) == 7


def test_gzip_tsv_header_and_delimiter_are_read_through_the_compression(
    frame: pl.DataFrame, inputs: dict[str, Path], tmp_path: Path
) -> None:
    tsv = tmp_path / "export.tsv.gz"
    with gzip.open(tsv, "wb") as target:
        frame.write_csv(target, separator="\t")
    assert resolve_layout(tsv, Mapping()).delimiter == "\t"
    assert simulate_json(tsv) == simulate_json(inputs["csv"])


def milliseconds(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows with millisecond timestamps, many of them with a 60 in the fraction,
    and now and then another width, none, a leap second or a timestamp padded."""
    rows = frame.with_row_index("i").with_columns(pl.col("timestamp").cast(pl.String))
    millis = (pl.col("i") * 37 % 1000).cast(pl.String).str.zfill(3)
    stamp = pl.col("timestamp") + "." + millis
    return rows.with_columns(
        timestamp=pl.when(pl.col("i") % 101 == 0)
        .then(pl.col("timestamp").str.slice(0, 17) + "60." + millis)  # a leap second
        .when(pl.col("i") % 103 == 0)
        .then(pl.col("timestamp").str.slice(0, 17) + "60")
        .when(pl.col("i") % 107 == 0)
        .then(pl.col("timestamp") + ".604500")
        .when(pl.col("i") % 109 == 0)
        .then(pl.col("timestamp"))
        .when(pl.col("i") % 113 == 0)
        .then(pl.lit(" ") + stamp)
        .when(pl.col("i") % 127 == 0)
        .then(stamp + "x")
        .when(pl.col("i") == 1)
        .then(pl.col("timestamp").str.slice(0, 17) + "00.600")  # a 60 in the fraction
        .otherwise(stamp)
    ).drop("i")


def test_millisecond_timestamps_are_read_with_a_fixed_width_to_the_same_cube(
    frame: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cx.data import layout as layouts

    path = tmp_path / "milliseconds.csv"
    milliseconds(frame).write_csv(path)
    assert resolve_layout(path, Mapping()).fraction_digits == 3
    seen: list[pl.DataFrame] = []
    cubes = [scan.scan_fine(path, Mapping(), rejects_out=seen.append)]
    cubes.append(scan.scan_fine(path, Mapping(), exact=True, rejects_out=seen.append))
    monkeypatch.setattr(layouts, "_fraction_digits", lambda *args: None)  # %.f throughout
    assert resolve_layout(path, Mapping()).fraction_digits is None
    cubes.append(scan.scan_fine(path, Mapping(), rejects_out=seen.append))
    cubes.append(scan.scan_fine(path, Mapping(), exact=True, rejects_out=seen.append))
    for cube, rejects in zip(cubes[1:], seen[1:], strict=True):
        assert_same_cube(cubes[0], cube)
        assert rejects.equals(seen[0])
    leaps = len(range(0, ROWS, 101)) + len(range(103, ROWS, 103))  # row 0 is one leap
    assert cubes[0].reject_reasons == {
        "timestamp does not exist (second 60, a leap second)": leaps,
        "timestamp does not match format %Y-%m-%dT%H:%M:%S%.f": len(range(127, ROWS, 127)),
    }


def test_a_sixty_in_a_fraction_is_no_row_to_check_again(
    frame: pl.DataFrame, tmp_path: Path
) -> None:
    from cx.data.fastrows import SUSPECT, fast_rows

    path = tmp_path / "sixty.csv"
    minutes = pl.col("timestamp").str.slice(0, 17) + "00"
    frame.with_columns(timestamp=minutes + ".600").write_csv(path)
    layout = resolve_layout(path, Mapping())
    suspect = fast_rows(layout, Mapping()).select(pl.col(SUSPECT).sum()).collect().item()
    assert suspect == 0


@pytest.mark.parametrize("scan_mode", ["fast", "exact"])
def test_parquet_ids_of_any_type_read_as_the_csv_of_the_same_values(
    frame: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan_mode: str
) -> None:
    """Integer, float (whole numbers, NaN for a missing id, as pandas writes them) and
    byte ids read as the text a CSV of them holds, on the fast and the exact scan."""
    monkeypatch.setenv("CX_SCAN", scan_mode)
    number = pl.col("customer_id").str.strip_chars_start("C").cast(pl.Int64)
    missing = pl.int_range(pl.len()) % 211 == 5  # under the default reject rate
    numbered = frame.with_columns(customer_id=pl.when(~missing).then(number))
    csv = tmp_path / "ids.csv"
    numbered.write_csv(csv)
    expected = simulate_json(csv)
    assert expected["data"]["rows_rejected"] > 0  # the rows without an id
    typed = {
        "int": numbered,
        "float": numbered.with_columns(customer_id=pl.col("customer_id").cast(pl.Float64)),
        "nan": numbered.with_columns(
            customer_id=pl.col("customer_id").cast(pl.Float64).fill_null(float("nan"))
        ),
        "bytes": numbered.with_columns(
            customer_id=pl.col("customer_id").cast(pl.String).cast(pl.Binary)
        ),
        "int-channel": numbered.with_columns(channel=pl.col("channel").cast(pl.Categorical)),
    }
    for kind, values in typed.items():
        parquet = tmp_path / f"{kind}.parquet"
        values.write_parquet(parquet)
        assert simulate_json(parquet) == expected, kind


def test_parquet_ids_of_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    ids = [b"C1", b"C\xff2", b"C3"]
    parquet = tmp_path / "bytes.parquet"
    pl.DataFrame(
        {
            "customer_id": pl.Series(ids, dtype=pl.Binary),
            "timestamp": ["2024-01-01T10:00:00", "2024-01-01T11:00:00", "2024-01-02T10:00:00"],
            "channel": ["phone", "chat", "phone"],
        }
    ).write_parquet(parquet)
    result = run_cx("inspect", "--data", parquet)
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr
    assert "--encoding lossy" in result.stderr
    lossy = run_cx("inspect", "--data", parquet, "--encoding", "lossy", "--format", "json")
    assert lossy.exit_code == 0, lossy.stderr
    assert "one value of column 'customer_id' is not UTF-8 and was read as" in lossy.stderr
