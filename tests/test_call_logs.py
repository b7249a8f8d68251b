"""Real call logs read right (§11): rows dropped by value, served handle times, callers
who hung up before any queue, observed patience over queued contacts, concurrency
treated alike by plan and replay, exports without a time of day, and replay labels."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cx import api
from cx.cli.app import app
from cx.data.cache_keys import cache_key
from cx.data.contacts import ContactFile
from cx.data.scan import KeptRows, scan_fine
from cx.errors import DataError, InputError
from cx.models.mapping import Mapping
from cx.replay.engine import patience_of
from cx.staffing.plan import agents_for_slots, slot_count
from cx.staffing.queue import ChannelOutcome, PlanOutcome

# Four real calls and one phantom row the telephony system logs for a test line:
#   C1 09:00 served 300 s after 10 s      C3 09:01 abandoned after 30 s in queue
#   C4 09:02 served 500 s after 20 s      C2 09:03 abandoned in the IVR (wait 0)
LOG = (
    "customer_id,timestamp,channel,handle_time,wait_time,abandoned,outcome\n"
    "C1,2024-03-04T09:00:00,phone,300,10,false,ANSWERED\n"
    "C3,2024-03-04T09:01:00,phone,0,30,true,QUEUE\n"
    "C4,2024-03-04T09:02:00,phone,500,20,false,ANSWERED\n"
    "C2,2024-03-04T09:03:00,phone,0,0,true,IVR\n"
    "C5,2024-03-04T09:04:00,phone,0,0,false, Phantom \n"
)
DROP = "drop: {outcome: [PHANTOM]}\n"
STRATEGY = (
    "version: 1\nname: calls\nkind: follow\n"
    "channels:\n  phone: {mode: live, patience: observed, hourly_cost: 30}\n"
)


def cli(*args: object) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def log(tmp_path: Path) -> tuple[Path, Path, Path]:
    data = tmp_path / "calls.csv"
    data.write_text(LOG, encoding="utf-8")
    mapping = tmp_path / "calls.yaml"
    mapping.write_text(DROP, encoding="utf-8")
    strategy = tmp_path / "calls-strategy.yaml"
    strategy.write_text(STRATEGY, encoding="utf-8")
    return data, mapping, strategy


def test_a_call_log_by_hand(log: tuple[Path, Path, Path]) -> None:
    data, mapping, strategy_file = log
    cube = api.load_interactions(data, columns=mapping)
    assert (cube.meta.rows_read, cube.meta.rows_dropped, cube.meta.rows_rejected) == (4, 1, 0)
    # Served handle time: (300 + 500) / 2; the abandoned calls' zeros are left out.
    assert cube.observed_handle_time() == {"phone": pytest.approx(400.0)}
    # One caller hung up in the IVR: demand, but no load.
    assert cube.abandoned_before_queue() == {"phone": 1}
    profile = cube.arrival_profile(60)
    assert profile["share"].sum() == pytest.approx(3 / 4)
    # Patience: Σ wait of queued contacts (10 + 30 + 20) / abandoned queued contacts (1).
    strategy = api.load_strategy(strategy_file)
    assert patience_of(strategy, cube, ["phone"]) == {"phone": pytest.approx(60.0)}
    phone = api.simulate(strategy, cube).channel("phone")
    assert (phone.demand, phone.abandoned_before_queue) == (4.0, 1)
    assert phone.workload_hours == pytest.approx(4 * 400 / 3600)


def test_the_replay_leaves_out_dropped_rows_and_ivr_hang_ups(
    log: tuple[Path, Path, Path],
) -> None:
    """One agent: C1 answered at once and busy to 09:05; C3 leaves after its 30 s; C4
    waits 180 s. ASA = (0 + 180) / 2 = 90 s; mean wait = (0 + 30 + 180) / 3 = 70 s."""
    data, mapping, strategy_file = log
    cube = api.load_interactions(data, columns=mapping)
    strategy = api.load_strategy(strategy_file)
    result = api.simulate(strategy, cube, replay=True, agents={"phone": 1}, columns=mapping)
    replay = result.channel("phone").replay
    assert replay is not None
    assert replay.contacts == 3
    assert replay.asa == pytest.approx(90.0)
    assert replay.mean_wait == pytest.approx(70.0)
    assert replay.abandon_rate == pytest.approx(1 / 3)
    assert replay.service_level == pytest.approx(1 / 3)
    rows = ContactFile(data, Mapping.model_validate({"drop": {"outcome": ["phantom"]}})).rows()
    assert sorted(rows.collect()["timestamp"].dt.minute().to_list()) == [0, 1, 2, 3]


def test_fast_and_exact_scans_drop_the_same_rows(tmp_path: Path) -> None:
    """Dropped rows before a row the fast scan re-checks (``TRUE `` is no usual spelling)
    and before a rejected row: the re-check and the reject's line are the right rows."""
    data = tmp_path / "calls.csv"
    data.write_text(
        "customer_id,timestamp,channel,handle_time,wait_time,abandoned,outcome\n"
        "C9,2024-03-04T08:00:00,phone,1,1,false,TEST\n"
        "C9,2024-03-04T08:01:00,phone,1,1,false,test\n"
        "C1,2024-03-04T09:00:00,phone,300,40,TRUE ,X\n"
        "C2,2024-03-04T09:10:00,phone,200,5,false,X\n"
        "C3,not a time,phone,200,5,false,X\n"
        "C4,2024-03-04T10:10:00,chat,100,0,true,X\n",
        encoding="utf-8",
    )
    mapping = Mapping.model_validate({"drop": {"outcome": ["test"]}})
    fast = scan_fine(data, mapping)
    exact = scan_fine(data, mapping, exact=True)
    keep = KeptRows(("customer_id", "timestamp"))  # the cube counted from the kept rows
    kept = scan_fine(data, mapping, keep=keep)
    assert keep.frame is not None and sorted(keep.frame["customer_id"]) == ["C1", "C2", "C4"]
    assert kept.demand.sort(kept.demand.columns).equals(fast.demand.sort(fast.demand.columns))
    for cube in (fast, exact, kept):
        assert (cube.rows_read, cube.rows_dropped, cube.rows_rejected) == (4, 2, 1)
        assert cube.rejects_sample["line"].to_list() == [6]
        sums = cube.arrivals.group_by("channel").agg(pl.col("abandoned", "before_queue").sum())
        assert dict(zip(*sums.sort("channel").select("channel", "abandoned"), strict=True)) == {
            "chat": 1,
            "phone": 1,
        }
        assert sums.sort("channel")["before_queue"].to_list() == [1, 0]
    assert fast.demand.sort(fast.demand.columns).equals(exact.demand.sort(exact.demand.columns))


CORPUS = Path(__file__).resolve().parent / "corpus" / "data"
#: Files of the messy-input corpus the scan reads (the others are refused earlier).
READABLE = [
    "absurd-timestamps.csv", "bad-handle-times.csv", "bom.csv", "crlf.csv",
    "duplicates.csv", "leap-second.csv", "many-bad-rows.csv", "multiline-quoted.csv",
    "padded-numbers.csv", "good.csv", "trailing-blank-lines.csv",
    "truncated-last-line.csv", "unknown-channel.csv", "renamed-columns.csv",
]  # fmt: skip


@pytest.mark.parametrize("exact", [False, True], ids=["fast", "exact"])
def test_a_drop_that_leaves_no_row_says_so(tmp_path: Path, exact: bool) -> None:
    data = tmp_path / "calls.csv"
    data.write_text(
        "customer_id,timestamp,channel,outcome\n"
        "C9,2024-03-04T08:00:00,phone,test\n"
        "C8,2024-03-04T08:01:00,phone,TEST\n",
        encoding="utf-8",
    )
    mapping = Mapping.model_validate({"drop": {"outcome": ["test"]}})
    with pytest.raises(DataError, match=r"`drop:` leaves out every row of the file \(2\)"):
        scan_fine(data, mapping, exact=exact)


@pytest.mark.parametrize("name", READABLE)
@pytest.mark.parametrize("exact", [False, True], ids=["fast", "exact"])
def test_dropped_rows_are_counted_as_a_read_of_the_drop_column_counts_them(
    name: str, exact: bool
) -> None:
    # rows_dropped is every row of the file less the rows the scan read past the drop
    # (Polars counts rows without parsing fields): the same as counting the matches.
    from cx.data import drop
    from cx.data.layout import resolve_layout
    from cx.data.raw import _source_rows

    path = CORPUS / name
    mapping = Mapping.model_validate({"drop": {"channel": ["web", "Social "]}})
    layout = resolve_layout(path, mapping)
    reference = drop.count_dropped(_source_rows(layout, "lossy"), layout.drop, layout.dtypes)
    expected = reference.collect().item()
    assert expected > 0
    assert scan_fine(path, mapping, exact=exact).rows_dropped == expected


def test_a_row_count_below_the_rows_read_falls_back_to_reading_the_drop_column() -> None:
    from cx.data.layout import resolve_layout
    from cx.data.raw import rows_dropped

    path = CORPUS / "good.csv"
    mapping = Mapping.model_validate({"drop": {"channel": ["web"]}})
    layout = resolve_layout(path, mapping)
    counted = scan_fine(path, mapping).rows_dropped
    assert counted > 0
    assert rows_dropped(layout, 10**9) == counted  # more rows read than the file has


@pytest.mark.parametrize("exact", [False, True], ids=["fast", "exact"])
def test_dropped_rows_between_blank_lines_and_quoted_line_breaks(
    tmp_path: Path, exact: bool
) -> None:
    data = tmp_path / "calls.csv"
    data.write_text(
        "customer_id,timestamp,channel,intent,outcome\r\n"
        "C1,2024-03-04T08:00:00,phone,\"two\r\nlines\",X\r\n"
        ",,,,\r\n"
        "C2,2024-03-04T08:01:00,phone,x,test\r\n"
        "\r\n"
        "C3,2024-03-04T08:02:00,chat,\"a, b\",TEST\r\n"
        "C4,2024-03-04T08:03:00,chat,y,X",  # no line break at the end
        encoding="utf-8",
    )
    cube = scan_fine(data, Mapping.model_validate({"drop": {"outcome": ["test"]}}), exact=exact)
    assert (cube.rows_read, cube.rows_dropped) == (2, 2)


def test_a_parquet_export_drops_by_value_too(tmp_path: Path) -> None:
    frame = pl.read_csv(LOG.encode(), schema_overrides={"outcome": pl.String})
    data = tmp_path / "calls.parquet"
    frame.write_parquet(data)
    phantom = Mapping.model_validate({"drop": {"outcome": ["phantom"]}})
    cube = api.load_interactions(data, columns=phantom)
    assert (cube.meta.rows_read, cube.meta.rows_dropped) == (4, 1)
    by_code = Mapping.model_validate({"drop": {"wait_time": ["0"]}})  # a number column
    assert api.load_interactions(data, columns=by_code).meta.rows_dropped == 2


def test_a_changed_drop_is_another_cube(log: tuple[Path, Path, Path], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    data, _, _ = log
    plain, dropping = Mapping(), Mapping.model_validate({"drop": {"outcome": ["ivr"]}})
    assert cache_key(data, plain, "month", "utf8") != cache_key(data, dropping, "month", "utf8")
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    assert api.load_interactions(data, cache=True).meta.rows_dropped == 0
    cached = api.load_interactions(data, columns=dropping, cache=True)
    assert (cached.meta.rows_read, cached.meta.rows_dropped) == (4, 1)


def test_the_cli_reports_dropped_rows_once(log: tuple[Path, Path, Path]) -> None:
    data, mapping, strategy = log
    result = cli("simulate", strategy, "--data", data, "--columns", mapping, "-f", "json",
                 "--no-cache")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["data"]["rows_dropped"] == 1
    assert payload["data"]["time_of_day"] is True
    assert payload["channels"][0]["abandoned_before_queue"] == 1
    assert result.stderr.count("dropped by the mapping's `drop:`") == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("drop:\n  outcome: []\n", 2, "`drop: outcome` lists no values"),
        ("drop:\n  outcome: [PHANTOM, 3]\n", 2, "drop.outcome.1: input should be a valid string"),
        ("drop:\n  outcome: [PHANTOM, '  ']\n", 2, "`drop: outcome` has a blank value"),
        ("drop:\n  outcome: PHANTOM\n", 2, "drop.outcome: input should be a valid list"),
        (
            "columns: {timestamp: [a, b], customer_id: c, channel: d}\ndrop:\n  timestamp: [x]\n",
            3,
            "`drop:` names 'timestamp', which `columns:` joins from several columns",
        ),
    ],
)
def test_a_bad_drop_names_the_mapping_file_and_line(
    log: tuple[Path, Path, Path], tmp_path: Path, text: str, line: int, message: str
) -> None:
    data, _, strategy = log
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = cli("simulate", strategy, "--data", data, "--columns", bad, "--no-cache")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {bad}:{line}:")
    assert message in result.stderr


def test_a_drop_column_the_export_lacks_is_a_data_error(
    log: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    data, _, strategy = log
    bad = tmp_path / "bad.yaml"
    bad.write_text("drop: {outcom: [PHANTOM]}\n", encoding="utf-8")
    result = cli("simulate", strategy, "--data", data, "--columns", bad, "--no-cache")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {data}:1: the mapping's `drop:` names column "
                                    "'outcom', which is not in the file")


def test_the_sql_cube_drops_rows_and_counts_ivr_hang_ups() -> None:
    sql = api.cube_sql("duckdb", columns=Mapping.model_validate({"drop": {"outcome": ["X"]}}))
    assert "COALESCE(LOWER(NULLIF(TRIM(CAST(\"outcome\" AS VARCHAR)), '')) IN ('x'), FALSE)" in sql
    assert "AS before_queue" in sql and "AS rows_dropped" in sql


# --------------------------------------------------------------------------- concurrency


def test_plan_and_replay_give_n_agents_n_times_c_slots(tmp_path: Path) -> None:
    """One chat an hour, 360 s, concurrency 2: A = 0.1 erlang of slots. One agent is two
    slots: Erlang C(2, 0.1): B = 0.005 / 1.105, C = B / (1 − 0.05 (1 − B)), and
    SL = 1 − C·exp(−(2 − 0.1)·20 / 360) = 0.99572. (Treating the agent as one server
    twice as fast would predict 1 − 0.05·exp(−0.95·20/180) = 0.955.)"""
    data = tmp_path / "chats.csv"
    data.write_text(
        "customer_id,timestamp,channel,handle_time\nC1,2024-03-04T10:10:00,chat,360\n",
        encoding="utf-8",
    )
    strategy = api.load_strategy(
        {"version": 1, "name": "s", "kind": "follow",
         "channels": {"chat": {"mode": "live", "concurrency": 2, "hourly_cost": 20}}}
    )  # fmt: skip
    cube = api.load_interactions(data)
    frame = api.staffing_intervals(strategy, cube)
    b = 0.005 / 1.105
    c = b / (1 - 0.05 * (1 - b))
    expected = 1 - c * math.exp(-(2 - 0.1) * 20 / 360)
    assert frame["agents"].to_list() == [1]
    assert frame["service_level"].item() == pytest.approx(expected, rel=1e-9)
    assert int(slot_count(1, 2.0)) == 2  # what the replay gives the same agent


@given(
    slots=st.integers(min_value=0, max_value=10_000),
    concurrency=st.floats(min_value=1.0, max_value=50.0, allow_nan=False),
)
def test_agents_for_slots_is_the_fewest_agents_with_enough_slots(
    slots: int, concurrency: float
) -> None:
    agents = int(agents_for_slots(np.array([slots]), concurrency)[0])
    assert int(slot_count(agents, concurrency)) >= slots
    assert agents == 0 or int(slot_count(agents - 1, concurrency)) < slots


# --------------------------------------------------------------------------- no time of day

DATES = (
    "customer_id,timestamp,channel,handle_time\n"
    "C1,2024-03-04 00:00:00,phone,360\n"
    "C2,2024-03-04 00:00:00,phone,360\n"
    "C3,2024-03-05 00:00:00,phone,360\n"
    "C4,2024-03-05 00:00:00,email,600\n"
)
DATES_STRATEGY = (
    "version: 1\nname: dates\nkind: follow\nchannels:\n"
    "  phone: {mode: live, hourly_cost: 30, shrinkage: 0.2, max_occupancy: 0.8}\n"
    "  email: {mode: async, hourly_cost: 25}\n"
)


@pytest.fixture
def dates(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "dates.csv"
    data.write_text(DATES, encoding="utf-8")
    strategy = tmp_path / "dates.yaml"
    strategy.write_text(DATES_STRATEGY, encoding="utf-8")
    return data, strategy


def test_dates_only_cost_live_channels_from_workload(dates: tuple[Path, Path]) -> None:
    """Three calls of 360 s: 0.3 h of work; / 0.8 occupancy / (1 − 0.2) shrinkage."""
    data, strategy = dates
    result = cli("simulate", strategy, "--data", data, "-f", "json", "--no-cache")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["data"]["time_of_day"] is False
    phone = next(c for c in payload["channels"] if c["channel"] == "phone")
    assert phone["mode"] == "live"
    assert phone["agent_hours"] == pytest.approx(0.3 / 0.8 / 0.8)
    assert phone["service_level"] is None
    assert result.stderr.count("every timestamp is at midnight") == 1
    table = cli("simulate", strategy, "--data", data, "--no-cache")
    assert "costed from their workload" in " ".join(table.stdout.split())


def test_dates_only_are_after_hours_only_on_a_day_closed_throughout(tmp_path: Path) -> None:
    """A chat open Monday to Friday 09-17, after_hours: lost, on dates without a time of
    day: the two Monday chats came some time on Monday, while it was open, and only the
    Sunday one found it closed. after_hours 1, lost 1, handled 3 − 1 = 2, coverage 2/3;
    agent-hours: the floor of min_agents 1 (its default with hours) through the five open
    days of 8 h, 40 h, above the workload of 2 · 600 s / 3600 = 1/3 h."""
    data = tmp_path / "dates.csv"
    data.write_text(
        "customer_id,timestamp,channel,handle_time\n"
        "C1,2024-03-04 00:00:00,chat,600\n"
        "C2,2024-03-04 00:00:00,chat,600\n"
        "C3,2024-03-10 00:00:00,chat,600\n",
        encoding="utf-8",
    )
    strategy = tmp_path / "hours.yaml"
    strategy.write_text(
        "version: 1\nname: dates\nkind: follow\nchannels:\n"
        "  chat: {mode: live, hourly_cost: 30, hours: {mon-fri: '09:00-17:00'},\n"
        "         after_hours: lost}\n",
        encoding="utf-8",
    )
    result = cli("simulate", strategy, "--data", data, "-f", "json", "--no-cache")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    chat = payload["channels"][0]
    assert chat["after_hours"] == pytest.approx(1.0)
    assert chat["lost"] == pytest.approx(1.0)
    assert chat["handled"] == pytest.approx(2.0)
    assert chat["agent_hours"] == pytest.approx(1 * 5 * 8)
    assert payload["totals"]["coverage"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("option", [["--replay"], ["--interval", "30"]])
def test_dates_only_refuse_replay_and_interval(dates: tuple[Path, Path], option: list[str]) -> None:
    data, strategy = dates
    result = cli("simulate", strategy, "--data", data, "--no-cache", *option)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{option[0]} needs times of day" in result.stderr
    assert "every timestamp" in result.stderr and "is at midnight" in result.stderr


def test_dates_only_refuse_replay_through_the_api(dates: tuple[Path, Path]) -> None:
    data, strategy = dates
    cube = api.load_interactions(data)
    with pytest.raises(InputError, match="--replay needs times of day"):
        api.simulate(api.load_strategy(strategy), cube, replay=True)


#: A night batch: every contact at 00:05, within its day's first 15-minute interval.
NIGHT = DATES.replace(" 00:00:00", " 00:05:00")
#: Dates only but for one row the fast scan checks again (a padded number) at 00:05.
DATES_BUT_ONE = DATES + "C5,2024-03-05 00:05:00,phone, 120 \n"


@pytest.mark.parametrize(
    ("text", "timed"), [(DATES, False), (NIGHT, True), (DATES_BUT_ONE, True)]
)
@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("keep", [False, True])
def test_dates_only_are_told_by_the_timestamps_not_the_intervals(
    tmp_path: Path, text: str, timed: bool, exact: bool, keep: bool
) -> None:
    """Every interval starts at 00:00 in all three files; only the first has every
    timestamp at 00:00:00 exactly. Fast and exact scans, with and without kept rows."""
    data = tmp_path / "data.csv"
    data.write_text(text, encoding="utf-8")
    kept = KeptRows(("timestamp",)) if keep else None
    cube = scan_fine(data, Mapping(), exact=exact, keep=kept)
    assert cube.arrivals["interval_start"].dt.minute().max() == 0
    assert cube.time_of_day is timed
    assert cube.to_cube("month", str(data)).meta.time_of_day is timed


def test_a_night_batch_at_00_05_has_a_time_of_day(dates: tuple[Path, Path]) -> None:
    """All contacts at 00:05: one 15-minute interval a day, but times of day, so the
    live channels are staffed and --replay runs."""
    data, strategy = dates
    data.write_text(NIGHT, encoding="utf-8")
    for option in ([], ["--replay"], ["--interval", "30"]):
        args = ["simulate", strategy, "--data", data, "-f", "json", "--no-cache", *option]
        result = cli(*args)
        assert result.exit_code in (0, 1), result.stderr
        payload = json.loads(result.stdout)
        assert payload["data"]["time_of_day"] is True
        assert "midnight" not in result.stderr
        phone = next(c for c in payload["channels"] if c["channel"] == "phone")
        assert phone["service_level"] is not None


@pytest.mark.parametrize(("text", "timed"), [(DATES, False), (NIGHT, True)])
def test_a_cube_file_keeps_whether_the_data_has_a_time_of_day(
    tmp_path: Path, text: str, timed: bool
) -> None:
    data, target = tmp_path / "data.csv", tmp_path / "cube.parquet"
    data.write_text(text, encoding="utf-8")
    result = cli("cube", "--data", data, "-o", target, "--quiet")
    assert result.exit_code == 0, result.stderr
    stats = pl.read_parquet(target).filter(pl.col("table") == "stats")
    assert stats["time_of_day"].to_list() == [timed]
    for source in (data, target):
        assert api.load_interactions(source).meta.time_of_day is timed
    # Written without the column (an older cx): read by its intervals, all at 00:00.
    older = tmp_path / "older.parquet"
    pl.read_parquet(target).drop("time_of_day").write_parquet(older)
    assert api.load_interactions(older).meta.time_of_day is False


# --------------------------------------------------------------------------- labels


def test_the_total_share_of_intervals_is_weighted_by_contacts() -> None:
    """A busy channel meeting 5 of 10 intervals with 90 contacts, a quiet one meeting all
    90 of its intervals with 10: (0.5·90 + 1.0·10) / 100 = 0.55, not 95 / 100."""
    busy = ChannelOutcome("phone", 90, 0.7, 10, 5, 30.0, 0.0)
    quiet = ChannelOutcome("chat", 10, 1.0, 90, 90, 1.0, 0.0)
    outcome = PlanOutcome({"phone": busy, "chat": quiet}, 100, 0)
    assert outcome.intervals_meeting_target == pytest.approx(0.55)


def test_json_and_csv_carry_the_replay_and_fit(log: tuple[Path, Path, Path]) -> None:
    data, mapping, strategy = log
    args = ["simulate", strategy, "--data", data, "--columns", mapping, "--no-cache",
            "--replay", "--fit"]
    result = cli(*args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    replay = json.loads(result.stdout)["channels"][0]["replay"]
    assert replay["fit_service_level"] is not None
    assert replay["worst_intervals"][0]["arrivals"] == 3
    assert replay["asa"] <= replay["mean_wait"] or replay["abandon_rate"] == 0
    table = cli(*args, "-f", "csv")
    rows = table.stdout.splitlines()
    header = rows[0].split(",")
    for name in ("replay_service_level", "replay_intervals_meeting_target", "replay_asa",
                 "replay_mean_wait", "replay_fit_agent_hours", "replay_fit_service_level"):
        assert name in header
    values = dict(zip(header, rows[1].split(","), strict=True))
    assert float(values["replay_fit_service_level"]) == pytest.approx(replay["fit_service_level"])
    # The contacts replayed, which the table shows beside the handled ones, as the JSON has them.
    assert int(values["replay_contacts"]) == replay["contacts"] > 0
    plain = cli("simulate", strategy, "--data", data, "--columns", mapping, "--no-cache", "-f",
                "csv")
    plain_values = dict(zip(*(r.split(",") for r in plain.stdout.splitlines()[:2]), strict=True))
    assert plain_values["replay_service_level"] == ""


def test_inspect_shows_served_handle_time_and_dropped_rows(log: tuple[Path, Path, Path]) -> None:
    data, mapping, _ = log
    result = cli("inspect", "--data", data, "--columns", mapping, "-f", "json", "--no-cache")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["data"]["rows_dropped"] == 1
    assert payload["channels"][0]["handle_time"] == pytest.approx(400.0)


def test_a_cube_file_keeps_the_dropped_rows_and_ivr_hang_ups(
    log: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    data, mapping, _ = log
    target = tmp_path / "calls.cube.parquet"
    api.build_cube_file(data, target, columns=mapping)
    cube = api.load_interactions(target)
    assert (cube.meta.rows_read, cube.meta.rows_dropped) == (4, 1)
    assert cube.abandoned_before_queue() == {"phone": 1}
    assert cube.observed_handle_time() == {"phone": pytest.approx(400.0)}


def test_an_older_cube_file_is_asked_to_be_built_again(
    log: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    data, _, strategy = log
    target = tmp_path / "calls.cube.parquet"
    api.build_cube_file(data, target)
    old = tmp_path / "old.cube.parquet"
    frame = pl.read_parquet(target).drop("before_queue", "rows_dropped")
    frame.with_columns(pl.lit(1, pl.Int64).alias("cube_format")).write_parquet(old)
    result = cli("simulate", strategy, "--data", old, "--no-cache")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {old}: cube file is cube_format 1 (no before_queue, rows_dropped); "
        "this cx reads cube_format 2"
    )


def test_journeys_leave_dropped_rows_out(log: tuple[Path, Path, Path]) -> None:
    data, mapping, _ = log
    kept = api.load_interactions(data, columns=mapping, outcomes=True).outcomes
    every = api.load_interactions(data, outcomes=True).outcomes
    assert kept is not None and every is not None
    assert (kept.journeys, every.journeys) == (4, 5)
