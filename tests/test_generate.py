"""The synthetic data generator: reproducible, exact, and true to its own ground truth."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from cx import generate as g
from cx.errors import CxError, InputError, UsageError

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "interactions.csv"
START = date(2024, 1, 1)
DAYS = 182
LIVE = list(g.LIVE_CHANNELS)


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return g.generate_interactions(60_000, seed=11, start=START, days=DAYS)


@pytest.fixture(scope="module")
def contacts(frame: pl.DataFrame) -> pl.DataFrame:
    """Identified contacts in journey order, with the previous contact's fields."""
    by_customer = pl.col("customer_id")
    return (
        frame.with_row_index("row")
        .filter(by_customer != g.ANONYMOUS_ID)
        .with_columns(ts=pl.col("timestamp").str.strptime(pl.Datetime, g.TIMESTAMP_FORMAT))
        .sort("customer_id", "ts", "row")
        .with_columns(
            gap_h=(pl.col("ts") - pl.col("ts").shift(1).over(by_customer)).dt.total_seconds()
            / 3600,
            prev_channel=pl.col("channel").shift(1).over(by_customer),
            next_gap_h=(pl.col("ts").shift(-1).over(by_customer) - pl.col("ts")).dt.total_seconds()
            / 3600,
        )
    )


def _shares(frame: pl.DataFrame, column: str = "channel") -> dict[str, float]:
    counts = frame[column].value_counts(normalize=True)
    return dict(zip(counts[column].to_list(), counts["proportion"].to_list(), strict=True))


# --------------------------------------------------------------------------- reproducibility


def test_same_seed_same_frame() -> None:
    a = g.generate_interactions(5_000, seed=3, start=START, days=60)
    b = g.generate_interactions(5_000, seed=3, start=START, days=60)
    assert a.equals(b)


def test_different_seeds_differ() -> None:
    a = g.generate_interactions(5_000, seed=3, start=START, days=60)
    b = g.generate_interactions(5_000, seed=4, start=START, days=60)
    assert not a.equals(b)


def test_write_matches_frame_and_is_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    g.write_interactions(first, 4_000, seed=5, start=START, days=30)
    g.write_interactions(second, 4_000, seed=5, start=START, days=30)
    assert first.read_bytes() == second.read_bytes()
    expected = g.generate_interactions(4_000, seed=5, start=START, days=30).write_csv()
    assert first.read_text() == expected
    assert not list(tmp_path.glob(".*.tmp"))


def test_shipped_example_is_reproducible(tmp_path: Path) -> None:
    out = tmp_path / "interactions.csv"
    g.write_interactions(out, 30_000, seed=7, start=date(2024, 1, 1), days=182)
    assert EXAMPLE.read_bytes() == out.read_bytes(), (
        "examples/interactions.csv is stale: regenerate it with "
        "write_interactions('examples/interactions.csv', 30000, seed=7, "
        "start=date(2024, 1, 1), days=182)"
    )


# --------------------------------------------------------------------------- shape


@pytest.mark.parametrize("rows", [0, 1, 49, 1_234])
def test_row_count_is_exact(rows: int) -> None:
    assert g.generate_interactions(rows, seed=1, start=START, days=10).height == rows


def test_columns_and_dtypes(frame: pl.DataFrame) -> None:
    assert tuple(frame.columns) == g.COLUMNS
    assert frame.schema == pl.Schema(
        {
            "customer_id": pl.String,
            "timestamp": pl.String,
            "channel": pl.String,
            "segment": pl.String,
            "stage": pl.String,
            "intent": pl.String,
            "handle_time": pl.Int64,
            "resolved": pl.Boolean,
            "wait_time": pl.Int64,
            "abandoned": pl.Boolean,
            "satisfaction": pl.Int64,
        }
    )
    assert set(frame["channel"].unique()) == set(g.CHANNELS)
    assert set(frame["segment"].unique()) == set(g.SEGMENTS)
    assert set(frame["stage"].unique()) == set(g.STAGES)
    assert set(frame["intent"].unique()) == set(g.INTENTS)
    for name in ("customer_id", "timestamp", "channel", "segment", "stage", "intent", "resolved"):
        assert frame[name].null_count() == 0, name


def test_timestamps_are_iso_sorted_and_in_range(frame: pl.DataFrame) -> None:
    parsed = frame["timestamp"].str.strptime(pl.Datetime, g.TIMESTAMP_FORMAT, strict=True)
    assert parsed.null_count() == 0
    assert parsed.is_sorted()
    first = datetime.combine(START, datetime.min.time())
    assert parsed.min() >= first
    assert parsed.max() < first + timedelta(days=DAYS)
    assert frame["timestamp"].str.len_chars().unique().to_list() == [19]


def test_customer_ids(frame: pl.DataFrame) -> None:
    ids = frame["customer_id"]
    anonymous = (ids == g.ANONYMOUS_ID).sum()
    assert anonymous == round(frame.height * g.ANONYMOUS_SHARE)
    known = ids.filter(ids != g.ANONYMOUS_ID)
    assert known.str.contains(r"^C\d{6,}$").all()
    per_customer = frame.height / known.n_unique()
    assert 2.5 < per_customer < 3.6  # about rows / 3 customers
    counts = known.value_counts()["count"]
    assert counts.max() >= 8 * counts.median()  # heavy tail


def test_empty_fields_follow_the_channel(frame: pl.DataFrame) -> None:
    live = pl.col("channel").is_in(LIVE)
    self_service = pl.col("channel").is_in(["web", "app"])
    assert (
        frame.filter(self_service)["handle_time"].null_count() == frame.filter(self_service).height
    )
    staffed = frame.filter(~self_service & ~pl.col("abandoned").fill_null(False))
    assert staffed["handle_time"].null_count() == 0
    assert frame.filter(~live)["wait_time"].null_count() == frame.filter(~live).height
    assert frame.filter(~live)["abandoned"].null_count() == frame.filter(~live).height
    assert frame.filter(live)["wait_time"].null_count() == 0
    assert frame.filter(live)["abandoned"].null_count() == 0


# --------------------------------------------------------------------------- ground truth


def test_channel_mix_by_intent(frame: pl.DataFrame) -> None:
    complaint = _shares(frame.filter(pl.col("intent") == "complaint"))
    balance = _shares(frame.filter(pl.col("intent") == "balance"))
    assert complaint["phone"] > balance["phone"] + 0.15
    assert balance["app"] + balance["web"] > complaint["app"] + complaint["web"] + 0.3
    for intent in ("balance", "complaint", "loan"):
        observed = _shares(frame.filter(pl.col("intent") == intent))
        expected = g.expected_channel_mix(intent=intent)
        for channel in g.CHANNELS:
            assert observed.get(channel, 0.0) == pytest.approx(expected[channel], abs=0.05)


def test_channel_mix_by_segment(frame: pl.DataFrame) -> None:
    young = _shares(frame.filter(pl.col("segment") == "young"))
    premium = _shares(frame.filter(pl.col("segment") == "premium"))
    business = _shares(frame.filter(pl.col("segment") == "business"))
    assert young["chat"] + young["app"] > premium["chat"] + premium["app"] + 0.2
    assert premium["phone"] > young["phone"] + 0.2
    assert business["email"] > max(young["email"], premium["email"]) + 0.05
    for segment in g.SEGMENTS:
        observed = _shares(frame.filter(pl.col("segment") == segment))
        expected = g.expected_channel_mix(segment=segment)
        for channel in g.CHANNELS:
            assert observed.get(channel, 0.0) == pytest.approx(expected[channel], abs=0.05)


def test_expected_mix_is_a_distribution() -> None:
    for kwargs in ({}, {"segment": "young"}, {"intent": "fraud", "stage": "complaint"}):
        mix = g.expected_channel_mix(**kwargs)
        assert list(mix) == list(g.CHANNELS)
        assert sum(mix.values()) == pytest.approx(1.0)
    switch = g.switch_target_mix("web", intent="balance")
    assert switch["web"] == 0.0
    assert sum(switch.values()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unknown intent"):
        g.expected_channel_mix(intent="weather")


def test_follow_ups_come_within_72_hours_and_switch_at_the_documented_rate(
    contacts: pl.DataFrame,
) -> None:
    gaps = contacts["gap_h"].drop_nulls()
    assert gaps.min() >= g.FOLLOW_UP_MIN_GAP_S / 3600
    # no gap sits on the window's edge: a follow-up is < 72 h, a new journey > 72 h
    assert gaps.filter((gaps - g.JOURNEY_GAP_HOURS).abs() < 1 / 3600).len() == 0
    follow_ups = contacts.filter(pl.col("gap_h") <= g.JOURNEY_GAP_HOURS)
    assert 0.2 < follow_ups.height / contacts.height < 0.45
    assert follow_ups["gap_h"].median() < 24  # hours to a couple of days
    hop_rate = (follow_ups["channel"] != follow_ups["prev_channel"]).mean()
    assert hop_rate == pytest.approx(g.SWITCH_PROBABILITY, abs=0.03)


def test_unresolved_contacts_are_followed_up_more(contacts: pl.DataFrame) -> None:
    followed = contacts.with_columns(
        followed=(pl.col("next_gap_h") <= g.JOURNEY_GAP_HOURS).fill_null(False)
    )
    rate = dict(followed.group_by("resolved").agg(pl.col("followed").mean()).iter_rows())
    # censoring at the end of the range lowers both a little
    assert rate[True] == pytest.approx(g.FOLLOW_UP_PROBABILITY[True], abs=0.03)
    assert rate[False] == pytest.approx(g.FOLLOW_UP_PROBABILITY[False], abs=0.04)


def test_seasonality(frame: pl.DataFrame) -> None:
    ts = frame["timestamp"].str.strptime(pl.Datetime, g.TIMESTAMP_FORMAT)
    weekday = ts.dt.weekday().value_counts().sort("timestamp")["count"].to_list()
    assert min(weekday[:5]) > 1.3 * max(weekday[5:])  # Monday..Friday busier than weekends
    assert weekday[0] == max(weekday)  # Monday peak
    hours = dict(ts.dt.hour().value_counts().iter_rows())
    business = sum(hours.get(h, 0) for h in range(9, 17)) / 8
    night = sum(hours.get(h, 0) for h in range(0, 6)) / 6
    assert business > 10 * night
    months = ts.dt.month().value_counts().sort("timestamp")["count"].to_list()
    assert len(months) == 6 and months[0] > months[-1]  # winter peak, summer dip
    branch = frame.filter(pl.col("channel") == "branch")["timestamp"].str.strptime(
        pl.Datetime, g.TIMESTAMP_FORMAT
    )
    assert branch.dt.hour().is_between(9, 16).all()
    assert (branch.dt.weekday() != 7).all()


def test_outcomes(frame: pl.DataFrame) -> None:
    by_channel = frame.group_by("channel").agg(
        pl.col("handle_time").mean().alias("aht"),
        pl.col("resolved").mean().alias("resolved"),
        pl.col("abandoned").mean().alias("abandoned"),
    )
    rows = {r["channel"]: r for r in by_channel.iter_rows(named=True)}
    for channel, mean in g.HANDLE_TIME_MEAN.items():
        assert rows[channel]["aht"] == pytest.approx(mean, rel=0.1), channel
    for channel in LIVE:
        assert 0.01 < rows[channel]["abandoned"] < 0.1, channel
    assert rows["branch"]["resolved"] > rows["web"]["resolved"] + 0.15
    rated = frame["satisfaction"].is_not_null().mean()
    assert rated == pytest.approx(g.SURVEY_RESPONSE_RATE, abs=0.03)
    assert frame["satisfaction"].drop_nulls().is_between(1, 5).all()
    score = dict(frame.group_by("resolved").agg(pl.col("satisfaction").mean()).iter_rows())
    assert score[True] > score[False] + 1.0
    assert frame.filter(pl.col("abandoned").fill_null(False))["resolved"].not_().all()


def test_patience_is_recoverable(frame: pl.DataFrame) -> None:
    phone = frame.filter(pl.col("channel") == "phone")
    estimate = phone["wait_time"].sum() / phone["abandoned"].sum()  # exponential MLE (§6b)
    assert estimate == pytest.approx(g.PATIENCE_MEAN["phone"], rel=0.25)


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="rows"):
        g.generate_interactions(-1)
    with pytest.raises(InputError, match="days"):
        g.generate_interactions(10, days=0)


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        ({"rows": "10"}, InputError, "rows '10' is not a whole number"),
        ({"rows": 10, "progress": "bar"}, UsageError, "progress must be None or a cx.Progress"),
        ({"rows": 10, "path": None}, UsageError, "path must be a file path"),
    ],
)
def test_writing_checks_its_arguments_before_anything_else(
    tmp_path: Path, arguments: dict[str, object], error: type[CxError], words: str
) -> None:
    """A script's wrong argument is a CxError naming it, not a ValueError from
    formatting the count or an AttributeError from the progress."""
    with pytest.raises(error, match=re.escape(words)):
        g.write_interactions(**{"path": tmp_path / "out.csv", **arguments})  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    if "path" not in arguments:
        stream = io.BytesIO()
        with pytest.raises(error, match=re.escape(words)):
            g.write_interactions_to(stream, **arguments)  # type: ignore[arg-type]
        assert stream.getvalue() == b""


@pytest.mark.parametrize("name", ["out.xlsx", "out.parquet.tmp"])
def test_writing_refuses_a_name_of_another_format(tmp_path: Path, name: str) -> None:
    """CSV text under out.xlsx is refused by the library as by cx generate."""
    with pytest.raises(UsageError, match="name"):
        g.write_interactions(tmp_path / name, rows=10)
    assert list(tmp_path.iterdir()) == []


def test_writing_takes_no_progress(tmp_path: Path) -> None:
    """progress=None reports nothing, as every other long function of the API takes it."""
    g.write_interactions(tmp_path / "out.csv", rows=10, progress=None)
    assert len(pl.read_csv(tmp_path / "out.csv")) == 10


@pytest.mark.parametrize(
    ("start", "days", "message"),
    [
        (date(1970, 1, 1), 10, "not all within 1980-01-01 to 2099-12-31"),
        (date(2099, 12, 31), 10, "choose an earlier start or fewer days"),
        (date(1979, 12, 31), 1, "not all within"),
    ],
)
def test_days_cx_would_not_read_back_are_refused(start: date, days: int, message: str) -> None:
    with pytest.raises(InputError, match=message):
        g.generate_interactions(10, start=start, days=days)


def test_the_last_days_cx_reads_are_allowed() -> None:
    frame = g.generate_interactions(50, start=date(2099, 12, 22), days=10)
    assert frame["timestamp"].max() < "2100"


@pytest.mark.parametrize("name", ["out.parquet", "out.pq", "out.csv.gz", "out.gz", "out.txt"])
def test_the_file_is_written_in_the_format_its_name_says(tmp_path: Path, name: str) -> None:
    from cx import api

    path = tmp_path / name
    g.write_interactions(path, 2_000, seed=5, start=START, days=30)
    again = tmp_path / f"again-{name}"
    g.write_interactions(again, 2_000, seed=5, start=START, days=30)
    assert path.read_bytes() == again.read_bytes()  # same arguments, same bytes
    expected = g.generate_interactions(2_000, seed=5, start=START, days=30)
    if name.endswith((".parquet", ".pq")):
        assert pl.read_parquet(path).equals(expected)
    elif name.endswith(".gz"):
        import gzip

        assert gzip.decompress(path.read_bytes()).decode() == expected.write_csv()
    else:
        assert path.read_text() == expected.write_csv()
    cube = api.load_interactions(path, cache=False)
    assert cube.meta.rows_used == 2_000
    assert not list(tmp_path.glob(".*.tmp"))
