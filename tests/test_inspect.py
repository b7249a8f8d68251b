"""`cx inspect`: hand-checked figures, the generator's ground truth, and the CLI.

The ground-truth tests compare what `cx inspect` reads from data with what
`cx.generate` put in (its constants and functions): the channel preference of
journeys' first contacts per segment, stage and intent, the hop rate, where a
switching follow-up goes, and the resolution rate per channel — on the shipped
example and on a larger fresh sample, within sampling error (|z| < 4.5 per cell).
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import run_cx

import cx
from cx import generate as g
from cx.inspect import inspect_cube
from cx.models.inspect import InspectResult
from cx.models.mapping import Mapping

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "interactions.csv"
ANONYMOUS = Mapping(anonymous_ids=[g.ANONYMOUS_ID])
Z_LIMIT = 4.5

SMALL = """customer_id,timestamp,channel,segment,stage,intent,resolved
A,2024-01-01T09:00:00,phone,retail,service,balance,false
A,2024-01-01T10:00:00,chat,retail,service,balance,true
A,2024-01-05T10:00:00,chat,retail,service,card,true
B,2024-01-02T09:00:00,web,young,service,balance,false
B,2024-01-02T09:30:00,web,young,service,balance,true
0,2024-01-03T09:00:00,phone,retail,service,other,true
0,2024-01-03T09:05:00,phone,retail,service,other,true
C,2024-01-20T12:00:00,email,premium,purchase,loan,
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.csv"
    path.write_text(SMALL)
    return path


def _inspect(path: Path, mapping: Mapping = ANONYMOUS) -> InspectResult:
    return inspect_cube(cx.load_interactions(path, columns=mapping), mapping)


# --------------------------------------------------------------------------- by hand


def test_small_file_by_hand(small: Path) -> None:
    result = _inspect(small)
    assert result.data.rows_used == 8
    assert result.data.customers == 3
    assert result.data.anonymous_contacts == 2
    # journeys: A twice (a 96 h gap), B, C, and each anonymous contact alone
    j = result.journeys
    assert (j.journeys, j.follow_ups, j.hops) == (6, 2, 1)
    assert j.hop_rate == pytest.approx(0.5)
    assert j.contacts_per_journey == pytest.approx(8 / 6)
    assert j.multichannel_journey_share == pytest.approx(1 / 6)

    phone, chat, web, email = (result.channel(c) for c in ("phone", "chat", "web", "email"))
    assert (phone.contacts, phone.customers, phone.journeys_started) == (3, 1, 3)
    # repeats: only identified contacts at least a window before the end of the data count
    assert phone.repeat_24h == pytest.approx(1.0)
    assert chat.repeat_24h == pytest.approx(0.0)
    assert chat.repeat_7d == pytest.approx(0.5)
    assert chat.containment_7d == pytest.approx(0.5)
    assert web.repeat_24h == pytest.approx(0.5)
    assert email.repeat_24h is None and email.containment_7d is None
    assert phone.resolution_rate == pytest.approx(2 / 3)
    assert phone.resolution_source == "resolved"
    assert email.resolution_rate is None
    assert chat.first_share == pytest.approx(1 / 6)
    assert chat.last_share == pytest.approx(2 / 6)

    customers = result.customers
    assert customers.customers == 3
    assert customers.multichannel_share == pytest.approx(1 / 3)
    assert customers.channels_per_customer == pytest.approx(4 / 3)
    assert [d.customers for d in customers.distribution] == [2, 1, 0, 0]
    assert customers.largest_customer == "A"

    cells = {(c.previous, c.next): (c.pairs, c.within_journey) for c in result.switching.matrix}
    assert cells[("phone", "chat")] == (1, 1)
    assert cells[("chat", "chat")] == (1, 0)
    assert cells[("web", "web")] == (1, 1)
    assert result.switching.pairs == 3 and result.switching.switches == 1
    assert result.switch_shares()["chat"]["chat"] == pytest.approx(1.0)

    retail = next(m for m in result.mix_for("segment") if m.value == "retail")
    assert (retail.contacts, retail.journeys) == (5, 4)
    assert retail.first_contact_shares["phone"] == pytest.approx(0.75)
    assert retail.contact_shares["chat"] == pytest.approx(0.4)
    assert {m.value for m in result.mix_for("stage")} == {"service", "purchase"}
    assert sum(p.contacts for p in result.periods) == 8
    assert result.warnings == []


def test_largest_customer_ties_go_to_the_id_sorting_first(tmp_path: Path) -> None:
    # Z, M and B have three contacts each, A two; an anonymous id with more is no one.
    rows = [("Z", 1), ("A", 2), ("M", 3), ("B", 4), ("Z", 5), ("M", 6), ("A", 7)]
    rows += [("B", 8), ("M", 9), ("Z", 10), ("B", 11)]
    rows += [(g.ANONYMOUS_ID, 12 + i) for i in range(5)]
    lines = [f"{who},2024-01-01T{hour:02d}:00:00,phone" for who, hour in rows]
    path = tmp_path / "ties.csv"
    path.write_text("customer_id,timestamp,channel\n" + "\n".join(lines) + "\n")
    customers = _inspect(path).customers
    assert (customers.largest_customer, customers.largest_customer_contacts) == ("B", 3)


def test_anonymous_ids_matter(small: Path) -> None:
    """Without the mapping, '0' is one customer whose two contacts form a journey."""
    result = _inspect(small, Mapping())
    assert result.data.customers == 4
    assert result.data.anonymous_contacts == 0
    assert result.journeys.journeys == 5


def test_without_resolved_the_proxy_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bare.csv"
    path.write_text(
        "customer_id,timestamp,channel\n"
        "A,2024-01-01T09:00:00,phone\nA,2024-01-01T09:30:00,chat\nB,2024-01-02T09:00:00,phone\n"
    )
    result = _inspect(path, Mapping())
    phone = result.channel("phone")
    assert phone.resolution_source == "journey_end"
    assert phone.resolution_rate == pytest.approx(0.5)  # A's phone call did not end the journey
    assert result.mix == []  # no segment, stage or intent columns: nothing to split by
    assert any("proxy" in note for note in result.notes)


def test_journey_window_is_a_parameter(small: Path) -> None:
    cube = cx.load_interactions(small, columns=ANONYMOUS)
    wide = inspect_cube(cube, ANONYMOUS, window_hours=24 * 5)
    assert wide.journeys.journeys == 5  # A's two visits are now one journey
    assert wide.journeys.window_hours == 120


# --------------------------------------------------------------------------- ground truth


def _z(observed: float, expected: float, n: int) -> float:
    variance = max(expected * (1 - expected), 1e-12) / n
    return (observed - expected) / math.sqrt(variance)


def _check_preferences(result: InspectResult) -> None:
    """First-contact channel mix per segment / stage / intent = the generator's preference."""
    worst = 0.0
    for dimension in ("segment", "stage", "intent"):
        rows = result.mix_for(dimension)
        assert {r.value for r in rows} == set(
            {"segment": g.SEGMENTS, "stage": g.STAGES, "intent": g.INTENTS}[dimension]
        )
        for row in rows:
            expected = g.expected_channel_mix(**{dimension: row.value})
            for channel, share in expected.items():
                z = _z(row.first_contact_shares.get(channel, 0.0), share, row.journeys)
                assert abs(z) < Z_LIMIT, (dimension, row.value, channel, share, z)
                worst = max(worst, abs(z))
    assert worst > 0  # the comparison ran


def _switch_weights(frame: pl.DataFrame) -> pl.DataFrame:
    """Switches within journeys per (previous channel, segment, intent), counted independently."""
    ordered = (
        frame.with_row_index("row")
        .filter(pl.col("customer_id") != g.ANONYMOUS_ID)
        .with_columns(ts=pl.col("timestamp").str.strptime(pl.Datetime, g.TIMESTAMP_FORMAT))
        .sort("customer_id", "ts", "row")
        .with_columns(
            prev=pl.col("channel").shift(1).over("customer_id"),
            gap=(pl.col("ts") - pl.col("ts").shift(1).over("customer_id")).dt.total_seconds(),
        )
    )
    return (
        ordered.filter(
            pl.col("gap") <= g.JOURNEY_GAP_HOURS * 3600, pl.col("prev") != pl.col("channel")
        )
        .group_by("prev", "segment", "intent")
        .agg(n=pl.len())
    )


def _check_switching(result: InspectResult, frame: pl.DataFrame) -> None:
    journeys = result.journeys
    assert abs(_z(journeys.hop_rate or 0.0, g.SWITCH_PROBABILITY, journeys.follow_ups)) < Z_LIMIT
    weights = _switch_weights(frame)
    for previous in g.CHANNELS:
        cells = [
            c for c in result.switching.matrix if c.previous == previous and c.next != previous
        ]
        switches = sum(c.within_journey for c in cells)
        part = weights.filter(pl.col("prev") == previous)
        assert switches == part["n"].sum()
        if switches < 30:
            continue
        expected = dict.fromkeys(g.CHANNELS, 0.0)
        for row in part.iter_rows(named=True):
            mix = g.switch_target_mix(previous, row["segment"], row["intent"])
            for channel in expected:
                expected[channel] += row["n"] / switches * mix[channel]
        for cell in cells:
            z = _z(cell.within_journey / switches, expected[cell.next], switches)
            assert abs(z) < Z_LIMIT, (previous, cell.next, expected[cell.next], z)


def _check_resolution(result: InspectResult, frame: pl.DataFrame) -> None:
    """Resolution rate per channel = mean P(resolved | channel, intent), never if abandoned."""
    probability = pl.struct("channel", "intent").map_elements(
        lambda r: g.resolution_probability(r["channel"], r["intent"]), return_dtype=pl.Float64
    )
    expected = (
        frame.with_columns(p=probability * (pl.col("abandoned").fill_null(False).not_()))
        .group_by("channel")
        .agg(pl.col("p").mean(), n=pl.len())
    )
    for row in expected.iter_rows(named=True):
        observed = result.channel(row["channel"]).resolution_rate
        assert observed is not None
        assert abs(_z(observed, row["p"], row["n"])) < Z_LIMIT, row


def test_shipped_example_reproduces_the_generator() -> None:
    if not EXAMPLE.exists():
        pytest.skip("examples/interactions.csv is not there")
    result = _inspect(EXAMPLE)
    frame = pl.read_csv(EXAMPLE, infer_schema_length=0).with_columns(
        abandoned=pl.col("abandoned").replace_strict(
            {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
        )
    )
    assert result.data.anonymous_contacts == round(frame.height * g.ANONYMOUS_SHARE)
    _check_preferences(result)
    _check_switching(result, frame)
    _check_resolution(result, frame)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    path = tmp_path_factory.mktemp("inspect") / "large.csv"
    g.write_interactions(path, 200_000, seed=23, start=date(2024, 1, 1), days=365)
    return path, g.generate_interactions(200_000, seed=23, start=date(2024, 1, 1), days=365)


def test_larger_sample_reproduces_the_generator(large: tuple[Path, pl.DataFrame]) -> None:
    path, frame = large
    result = _inspect(path)
    _check_preferences(result)
    _check_switching(result, frame)
    _check_resolution(result, frame)
    # the hop rate is exact to about a percent of itself at this size
    assert result.journeys.hop_rate == pytest.approx(g.SWITCH_PROBABILITY, abs=0.01)
    # repeat rates sit between "follow-up within a journey" and anything later
    for channel in result.channels:
        assert channel.repeat_24h is not None and channel.repeat_7d is not None
        assert 0 < channel.repeat_24h < channel.repeat_7d < 1


# --------------------------------------------------------------------------- CLI


def _run(*args: str) -> tuple[int, str, str]:
    outcome = run_cx("inspect", *args, "--no-cache")
    return outcome.exit_code, outcome.stdout, outcome.stderr


@pytest.fixture
def mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "anonymous.yaml"
    path.write_text('anonymous_ids: ["0"]\n')
    return path


def test_cli_json(small: Path, mapping_file: Path) -> None:
    code, out, err = _run("--data", str(small), "--columns", str(mapping_file), "-f", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["schema_version"] == 1
    assert payload["journeys"]["journeys"] == 6
    assert {c["channel"] for c in payload["channels"]} == {"phone", "chat", "web", "email"}
    assert err == ""


def one_customer_on_six_channels(directory: Path) -> Path:
    """An export of one customer's contacts on six channels, a day apart."""
    data = directory / "six.csv"
    channels = ["phone", "chat", "email", "web", "app", "social"]
    data.write_text(
        "customer_id,timestamp,channel\n"
        + "".join(f"A,2024-01-0{day}T09:00:00,{c}\n" for day, c in enumerate(channels, 1))
    )
    return data


def test_channels_per_customer_counts_channels_past_the_4_plus_row(tmp_path: Path) -> None:
    # The distribution stops at "4+"; the mean must not: one customer on six channels.
    data = one_customer_on_six_channels(tmp_path)
    code, out, err = _run("--data", str(data), "-f", "json")
    assert code == 0, err
    customers = json.loads(out)["customers"]
    assert customers["channels_per_customer"] == pytest.approx(6.0)
    assert [d["customers"] for d in customers["distribution"]] == [0, 0, 0, 1]


def test_cli_table_and_markdown_show_the_same_figures(small: Path, mapping_file: Path) -> None:
    code, table, err = _run("--data", str(small), "--columns", str(mapping_file))
    assert code == 0, err
    code, markdown, _ = _run("--data", str(small), "--columns", str(mapping_file), "-f", "markdown")
    assert code == 0
    for title in (
        "Channels",
        "Repeat contacts and observed containment",
        "Channel preference by intent",
        "Channel switching",
        "Channels per customer",
    ):
        assert title in table and f"## {title}" in markdown
    assert "containment" in markdown.lower() and "instead of a guess" in markdown


def test_cli_csv_is_tidy(small: Path, mapping_file: Path) -> None:
    code, out, err = _run("--data", str(small), "--columns", str(mapping_file), "-f", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert set(rows[0]) == {"table", "row", "column", "value"}
    lookup = {(r["table"], r["row"], r["column"]): r["value"] for r in rows}
    assert lookup[("channels", "phone", "contacts")] == "3"
    assert lookup[("switching_pairs", "phone", "chat")] == "1"
    assert float(lookup[("preference_by_segment", "retail", "phone")]) == pytest.approx(0.75)


def test_cli_warns_about_a_customer_id_that_looks_anonymous() -> None:
    if not EXAMPLE.exists():
        pytest.skip("examples/interactions.csv is not there")
    code, out, err = _run("--data", str(EXAMPLE), "-f", "json")
    assert code == 0
    assert "anonymous_ids" in err and "customer '0'" in err
    assert json.loads(out)["warnings"]


def test_cli_output_file(small: Path, tmp_path: Path) -> None:
    target = tmp_path / "profile.json"
    code, out, err = _run("--data", str(small), "-f", "json", "-o", str(target))
    assert code == 0, err
    assert out == ""
    assert json.loads(target.read_text())["data"]["rows_used"] == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "missing.csv"], "not found"),
        (["--data", "{small}", "--period", "year"], "--period"),
        (["--data", "{small}", "-f", "xml"], "xml"),
    ],
)
def test_cli_user_mistakes_exit_2_without_traceback(
    small: Path, args: list[str], message: str
) -> None:
    code, out, err = _run(*(a.replace("{small}", str(small)) for a in args))
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_repeat_rates_never_reverse_on_a_short_history(tmp_path: Path) -> None:
    """The 7-day repeat rate is never below the 24-hour one, so the containment range
    (7 d – 24 h) never reads backwards. Measured apart, phone's 24-hour rate would be
    1/3 (A, B's first and B's second call, followed for a day: B's first came back)
    and its 7-day rate 0/1 (only A's call is followed for a week)."""
    path = tmp_path / "short.csv"
    path.write_text(
        "customer_id,timestamp,channel\n"
        "A,2024-01-01T09:00:00,phone\n"
        "B,2024-01-08T09:00:00,phone\n"
        "B,2024-01-08T10:00:00,phone\n"
        "Z,2024-01-10T12:00:00,email\n"
    )
    phone = _inspect(path, Mapping()).channel("phone")
    # 1/3 back within a day; of the rest followed for a week (A), none came back later.
    assert phone.repeat_24h == pytest.approx(1 / 3)
    assert phone.repeat_7d == pytest.approx(1 / 3)
    assert phone.containment_7d == pytest.approx(phone.containment_24h)


def test_repeat_rate_within_a_week_adds_the_later_returns(tmp_path: Path) -> None:
    """The 7-day rate: the 24-hour rate plus, of the rest, the share that came back
    later within the week, counted on the contacts followed for a week."""
    path = tmp_path / "week.csv"
    path.write_text(
        "customer_id,timestamp,channel\n"
        "A,2024-01-01T09:00:00,chat\n"  # back within a day
        "A,2024-01-01T12:00:00,phone\n"
        "B,2024-01-02T09:00:00,chat\n"  # back after three days
        "B,2024-01-05T09:00:00,phone\n"
        "C,2024-01-03T09:00:00,chat\n"  # never back
        "D,2024-01-12T09:00:00,chat\n"  # followed for a day, not a week: never back
        "Z,2024-01-15T12:00:00,email\n"
    )
    chat = _inspect(path, Mapping()).channel("chat")
    assert chat.repeat_24h == pytest.approx(1 / 4)
    # of A, B, C (followed for a week), B and C were not back within a day; B came later
    assert chat.repeat_7d == pytest.approx(1 / 4 + 3 / 4 * 1 / 2)


def test_repeat_rate_within_a_week_where_every_contact_followed_came_back_in_a_day(
    tmp_path: Path,
) -> None:
    """Every chat followed for a week was back within a day: none is left to come back
    later, so the 7-day rate is the 24-hour one, not unknown."""
    path = tmp_path / "all-back.csv"
    path.write_text(
        "customer_id,timestamp,channel\n"
        "A,2024-01-01T09:00:00,chat\n"  # back within a day
        "A,2024-01-01T12:00:00,phone\n"
        "D,2024-01-12T09:00:00,chat\n"  # followed for a day, not a week: never back
        "Z,2024-01-15T12:00:00,email\n"
    )
    chat = _inspect(path, Mapping()).channel("chat")
    assert chat.repeat_24h == pytest.approx(1 / 2)
    assert chat.repeat_7d == pytest.approx(1 / 2)


def test_a_repeat_rate_not_observed_is_said_why(tmp_path: Path) -> None:
    """Contacts of one day only: every repeat rate was a bare '–' beside a note telling
    to use the figures instead of a guess."""
    from cx.render.inspect import containment_section

    path = tmp_path / "one-day.csv"
    path.write_text(
        "customer_id,timestamp,channel\n"
        "A,2024-01-01T09:00:00,phone\nA,2024-01-01T10:00:00,chat\nB,2024-01-01T11:00:00,phone\n"
    )
    section = containment_section(_inspect(path, Mapping()))
    assert [row[1:3] for row in section.rows] == [["–", "–"], ["–", "–"]]
    assert section.note is not None
    assert "– (phone, chat): no contact followed for the whole window" in section.note
    whole = containment_section(_inspect(EXAMPLE, Mapping()))
    assert whole.note is not None and "no contact followed" not in whole.note


def test_switching_note_reads_for_one_pair_and_for_none(tmp_path: Path) -> None:
    """The note under the switching matrix counts its pairs in words that fit the
    count, and says so where there is no pair rather than write '– of them'."""
    one = tmp_path / "one.csv"
    one.write_text("customer_id,timestamp,channel\nA,2024-01-01T09:00:00,phone\n")
    code, out, err = _run("--data", str(one), "-f", "markdown")
    assert code == 0, err
    assert "No identified customer has a second contact: there is no pair to read." in out
    assert "all 0" not in out and "– of" not in out
    two = tmp_path / "two.csv"
    two.write_text(
        "customer_id,timestamp,channel\nA,2024-01-01T09:00:00,phone\nA,2024-01-01T10:00:00,chat\n"
    )
    code, out, err = _run("--data", str(two), "-f", "markdown")
    assert code == 0, err
    assert "(1 consecutive pair, 100.0% within the 72 h journey window)" in out


def test_csv_labels_the_open_channels_per_customer_row_as_the_table_does(
    tmp_path: Path,
) -> None:
    """The last row of channels per customer counts customers on 4 channels or more:
    the CSV calls it `4+`, as the table does, not `4`."""
    data = one_customer_on_six_channels(tmp_path)
    code, out, err = _run("--data", str(data), "-f", "csv")
    assert code == 0, err
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["table"] == "channels_per_customer"]
    assert [r["row"] for r in rows if r["column"] == "customers"] == ["1", "2", "3", "4+"]
    assert {r["row"]: r["value"] for r in rows if r["column"] == "customers"}["4+"] == "1"
    code, table, _ = _run("--data", str(data))
    assert "4+" in table


def test_csv_counts_the_rows_the_mapping_dropped(tmp_path: Path) -> None:
    """The CSV gives every figure of the JSON's data section, the rows the mapping's
    `drop:` left out among them."""
    data = tmp_path / "calls.csv"
    data.write_text(
        "customer_id,timestamp,channel,direction\n"
        "A,2024-01-01T09:00:00,phone,inbound\n"
        "A,2024-01-01T10:00:00,phone,outbound\n"
        "B,2024-01-02T09:00:00,phone,inbound\n"
    )
    mapping = tmp_path / "columns.yaml"
    mapping.write_text("drop:\n  direction: [outbound]\n")
    code, out, err = _run("--data", str(data), "--columns", str(mapping), "-f", "csv")
    assert code == 0, err
    lookup = {(r["table"], r["row"]): r["value"] for r in csv.DictReader(io.StringIO(out))}
    assert (lookup[("data", "rows_used")], lookup[("data", "rows_dropped")]) == ("2", "1")


def test_every_contact_anonymous_gives_no_figure_per_customer(tmp_path: Path) -> None:
    """With no identified customer, figures per customer have nothing to divide by:
    the table writes them `–`, never `0.00` contacts per customer beside 3 contacts
    or `0.0%` of no one."""
    data = tmp_path / "anonymous.csv"
    data.write_text(
        "customer_id,timestamp,channel\n"
        "unknown,2024-01-01T09:00:00,phone\n"
        "unknown,2024-01-01T10:00:00,chat\n"
        "unknown,2024-01-02T09:00:00,phone\n"
    )
    mapping = tmp_path / "columns.yaml"
    mapping.write_text("anonymous_ids: [unknown]\n")
    code, out, err = _run("--data", str(data), "--columns", str(mapping), "-f", "markdown")
    assert code == 0, err
    for label in ("Contacts per customer", "Channels per customer", "Multichannel customers"):
        assert f"| {label} | – |" in out
    assert "| 4+ | 0 | – |" in out
    assert "No identified customer: every contact is anonymous." in out
    assert "0.0%" not in out.split("## Channels per customer")[1].split("##")[0]


def test_a_share_that_is_not_all_or_nothing_never_reads_so(tmp_path: Path) -> None:
    """2,000 phone calls and one chat: phone's share is 99.95%, not `100.0%`, and
    chat's 0.05%, not `0.0%`; a share that is exactly all or nothing still reads so."""
    lines = [f"C{i},2024-01-01T{i // 60 % 24:02d}:{i % 60:02d}:00,phone" for i in range(1440)]
    lines += [f"D{i},2024-01-02T{i // 60 % 24:02d}:{i % 60:02d}:00,phone" for i in range(560)]
    lines.append("C5,2024-01-01T00:30:00,chat")
    data = tmp_path / "skew.csv"
    data.write_text("customer_id,timestamp,channel\n" + "\n".join(lines) + "\n")
    code, out, err = _run("--data", str(data), "-f", "markdown")
    assert code == 0, err
    out = html.unescape(out)  # markdown writes < and > as entities
    channels = out.split("## Channels\n")[1].split("##")[0]
    assert "| phone | 2,000 | >99.9% |" in channels
    assert "| chat | 1 | <0.1% |" in channels
    # every journey starts on phone: all of them, written as all
    assert "| >99.9% | – | 100.0% |" in channels
    assert "| 1 | 1,999 | >99.9% |" in out  # customers on one channel
    assert "| 3 | 0 | 0.0% |" in out
