"""Exports cx has never seen, described by a mapping file (§3)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import polars as pl
import pytest
from conftest import one_error_line, run_cx

from cx import api
from cx.data.cube import DataMeta
from cx.errors import DataError, StrategyError

EXPORT = (
    "Ticket Id\tRequester\tCreated Date\tCreated Time\tVia\tTopic\tMinutes\tOutcome\n"
    "1\tR1\t14/03/2024\t09:15\tPhone Call (Inbound)\tBilling\t6\tAGENT\n"
    "2\tR1\t15/03/2024\t10:45\tWeb Form\tBilling\t\t\n"
    "3\tR2\t01/04/2024\t23:59\tphone call (inbound)\tCard \t3\tHANG\n"
    "4\t0\t02/04/2024\t08:00\t  WEB FORM \t\t\t\n"
)

MAPPING = """
columns:
  customer_id: Requester
  timestamp: [Created Date, Created Time]
  channel: Via
  intent: Topic
  handle_time: Minutes
  abandoned: Outcome
timestamp_format: "%d/%m/%Y %H:%M"
delimiter: "\\t"
handle_time_unit: minutes
channels:
  phone: ["Phone call (inbound)"]
  web: [Web form]
values:
  abandoned: {true: [HANG], false: [AGENT]}
anonymous_ids: ["0"]
"""


def written(directory: Path, data: tuple[str, str], mapping: tuple[str, str]) -> tuple[Path, Path]:
    """An export and its mapping file, each (name, text), written in ``directory``."""
    paths = []
    for name, text in (data, mapping):
        paths.append(directory / name)
        paths[-1].write_text(text, encoding="utf-8")
    return paths[0], paths[1]


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, Path]:
    return written(tmp_path, ("tickets.tsv", EXPORT), ("mapping.yaml", MAPPING))


def test_mapped_export_builds_the_same_cube_as_canonical_columns(
    export: tuple[Path, Path],
) -> None:
    data, mapping = export
    cube = api.load_interactions(data, columns=mapping)
    meta = cube.meta
    assert (meta.rows_read, meta.rows_used, meta.rows_rejected) == (4, 4, 0)
    assert meta.channels_observed == ["phone", "web"]
    assert meta.period_labels == ["2024-03", "2024-04"]
    # Customer "0" is anonymous: R1 and R2 are the only customers.
    assert meta.customers == 2
    demand = {
        (row["channel"], row["intent"]): row["contacts"]
        for row in cube.demand.iter_rows(named=True)
    }
    # Intent keeps its case and is trimmed; an empty intent means "all".
    assert demand == {("phone", "Billing"): 1, ("web", "Billing"): 1, ("phone", "Card"): 1,
                      ("web", "all"): 1}
    # Minutes become seconds: phone handle time 6 minutes. The 3 minutes of the HANG
    # (abandoned) contact are no service: handle-time means are of served contacts.
    assert cube.observed_handle_time()["phone"] == pytest.approx(360)
    # The date and time columns are joined: 23:59 on 1 April lands in that hour.
    hours = cube.arrivals.filter(cube.arrivals["channel"] == "phone")["interval_start"]
    assert [t.strftime("%Y-%m-%d %H:%M") for t in hours] == ["2024-03-14 09:15",
                                                             "2024-04-01 23:45"]


def test_mapped_export_simulates_through_the_cli(
    export: tuple[Path, Path], tmp_path: Path
) -> None:
    data, mapping = export
    strategy = tmp_path / "s.yaml"
    strategy.write_text(
        "version: 1\nname: s\nkind: follow\nchannels:\n"
        "  phone: {mode: live, hourly_cost: 30}\n  web: {mode: self_service}\n",
        encoding="utf-8",
    )
    result = run_cx(
        "simulate", str(strategy), "--data", str(data), "--columns", str(mapping), "--format",
        "json", "--no-cache",
    )
    assert result.exit_code == 0, result.stderr
    assert '"rows_used": 4' in result.stdout
    # The export ends two days into April: the one note is that the last period is partial.
    assert result.stderr == (
        f"{data}: the data covers only 2 of the 30 days of its last period (2024-04): "
        "that period's totals are not comparable with full periods\n"
    )


def test_missing_source_column_lists_columns_and_nearest(
    export: tuple[Path, Path], tmp_path: Path
) -> None:
    data, _ = export
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("columns:\n  customer_id: Requestor\n  timestamp: Created Date\n"
                       "  channel: Via\ndelimiter: \"\\t\"\n", encoding="utf-8")
    with pytest.raises(DataError) as error:
        api.load_interactions(data, columns=mapping)
    message = str(error.value)
    assert "Requestor" in message and "columns found: Ticket Id, Requester" in message
    assert "did you mean 'Requester'" in message
    assert error.value.file == str(data)


def test_unknown_canonical_column_in_mapping_is_a_finding(tmp_path: Path) -> None:
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("columns:\n  customer: client_id\n", encoding="utf-8")
    with pytest.raises(StrategyError) as error:
        api.load_interactions(tmp_path / "whatever.csv", columns=mapping)
    finding = error.value.findings[0]
    assert (finding.file, finding.line, finding.path) == (str(mapping), 2, "columns.customer")


def test_cli_reports_bad_mapping_in_one_line_with_exit_2(
    export: tuple[Path, Path], tmp_path: Path
) -> None:
    data, _ = export
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("columns:\n  customer: client_id\n", encoding="utf-8")
    strategy = Path(__file__).resolve().parent.parent / "strategies" / "follow-everywhere.yaml"
    result = run_cx("simulate", str(strategy), "--data", str(data), "--columns", str(mapping))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{mapping}:2:3" in result.stderr and "Traceback" not in result.stderr


def test_anonymous_ids_are_trimmed_as_ids_are_read(tmp_path: Path) -> None:
    data, mapping = written(
        tmp_path,
        ("d.csv", "customer_id,timestamp,channel\n0,2024-01-01T10:00:00,phone\n"
                  " 0 ,2024-01-01T11:00:00,phone\nA,2024-01-01T12:00:00,chat\n"),
        ("m.yaml", 'anonymous_ids: [" 0"]\n'),
    )
    meta = api.load_interactions(data, columns=mapping).meta
    # Both rows of "0" are anonymous (the padded entry matches the trimmed ids): A alone.
    assert meta.customers == 1


def test_a_blank_anonymous_id_is_refused_at_its_line(tmp_path: Path) -> None:
    data, mapping = written(
        tmp_path,
        ("d.csv", "customer_id,timestamp,channel\n,2024-01-01T10:00:00,phone\n"),
        ("m.yaml", 'anonymous_ids:\n  - "0"\n  - ""\n'),
    )
    strategy = Path(__file__).resolve().parent.parent / "strategies" / "follow-everywhere.yaml"
    result = run_cx("simulate", str(strategy), "--data", str(data), "--columns", str(mapping))
    line = one_error_line(result)
    assert f"{mapping}:3:" in line and "blank customer id" in line and "remove the entry" in line


# A list that may be left out means something when it is left out (the canonical column,
# no aliases); written empty it would join no column or alias nothing.
EMPTY_LISTS = [
    ("columns:\n  customer_id: []\n  channel: Via\n", 2, "columns.customer_id"),
    ("columns:\n  customer_id: Requester\nchannels:\n  web: []\n", 4, "channels.web"),
]


@pytest.mark.parametrize(("text", "line", "path"), EMPTY_LISTS)
def test_an_empty_list_in_a_mapping_is_a_finding(
    export: tuple[Path, Path], tmp_path: Path, text: str, line: int, path: str
) -> None:
    data, _ = export
    mapping = tmp_path / "empty.yaml"
    mapping.write_text(text, encoding="utf-8")
    validated = run_cx("validate", str(mapping))
    assert validated.exit_code == 1, validated.stdout
    assert f"{mapping}:{line}:3: {path}: is an empty list" in validated.stdout
    strategy = Path(__file__).resolve().parent.parent / "strategies" / "follow-everywhere.yaml"
    cube = str(tmp_path / "cube.parquet")
    for command in (["simulate", str(strategy)], ["inspect"], ["cube", "-o", cube]):
        result = run_cx(*command, "--data", str(data), "--columns", str(mapping))
        assert one_error_line(result).startswith(f"error: {mapping}:{line}:3: {path}: "), command


def test_a_literal_percent_before_z_is_no_time_zone(export: tuple[Path, Path]) -> None:
    data, _ = export
    mapping = data.parent / "percent.yaml"
    # `%%Z` is a percent sign and a Z; `%z` (an offset) is read exactly.
    for fmt in ("%d/%m/%Y %H:%M%%Z", "%d/%m/%Y %H:%M %z"):
        mapping.write_text(MAPPING.replace('"%d/%m/%Y %H:%M"', f'"{fmt}"'), encoding="utf-8")
        assert run_cx("validate", str(mapping)).exit_code == 0, fmt


@pytest.mark.parametrize(
    ("fmt", "said", "hint"),
    [
        ("%d/%m/%Y %Q", "'%Q' is not a directive cx knows", "write %% for a percent sign"),
        ("%d/%m/%Y %H:%M %", "'%' is not a directive cx knows", "a % ends the format"),
        ("%d/%m/%Y %H:%M%3", "'%3' is not a directive cx knows", "write %%"),
        ("%d/%m/%Y %-b", "'%-b' is not a directive cx knows", "a padding flag (-, _ or 0)"),
        ("%d/%m/%Y %Ey", "'%E' is not a directive cx knows", "write %%"),
        ("%H:%M", "reads no date", "write the date's directives too"),
        ("%d/%m %H:%M", "reads no year", "write the date's directives too"),
        # `%Z` skips any word: "23:00 PST" would be read as 23:00 UTC and "23:00garbage"
        # accepted; `%c`, `%x` and `%X` mean another order in another locale.
        ("%d/%m/%Y %H:%M %Z", "%Z cannot be read exactly", "use %z for UTC offsets (+01:00)"),
        ("%d/%m/%Y %H:%M%-Z", "%-Z cannot be read exactly", "use %z for UTC offsets"),
        ("%c", "%c cannot be read exactly", "write the fields out"),
        ("%x %H:%M", "%x cannot be read exactly", "write the fields out"),
        ("%d/%m/%Y %X", "%X cannot be read exactly", "write the fields out"),
        # Polars refuses these before reading a row: said of the data file, not here.
        ("%d/%m/%Y %H", "cannot be read: Please either specify both hour and minute",
         "an hour goes with its minutes (%H:%M)"),
        ("%d/%m/%Y %I:%M", "cannot be read: Please either specify both 12-hour",
         "an hour goes with its minutes"),
        ("%d/%m/%Y %S", "cannot be read: Found seconds directive, but no hours",
         "an hour goes with its minutes"),
    ],
)
def test_a_timestamp_format_no_row_could_match_is_refused_at_the_mapping(
    export: tuple[Path, Path], tmp_path: Path, fmt: str, said: str, hint: str
) -> None:
    # Each reads no row exactly (an unknown directive, a time without a year, read in
    # year 1, a directive that guesses): the mistake is the mapping's, not every row's.
    data, _ = export
    mapping = tmp_path / "format.yaml"
    mapping.write_text(MAPPING.replace('"%d/%m/%Y %H:%M"', f'"{fmt}"'), encoding="utf-8")
    where = f"{mapping}:9:1: timestamp_format: {said}"
    strategy = Path(__file__).resolve().parent.parent / "strategies" / "follow-everywhere.yaml"
    for command in (["simulate", str(strategy)], ["inspect"]):
        result = run_cx(*command, "--data", str(data), "--columns", str(mapping))
        line = one_error_line(result)
        assert line.startswith(f"error: {where}"), command
        assert f"(hint: {hint}" in line and "rows rejected" not in line
    validated = run_cx("validate", str(mapping))
    assert validated.exit_code == 1
    assert validated.stdout.startswith(where)
    with pytest.raises(StrategyError) as error:
        api.load_interactions(data, columns=mapping)
    [finding] = error.value.findings
    assert (finding.file, finding.line) == (str(mapping), 9) and finding.hint.startswith(hint)


@pytest.mark.parametrize("directive", ["%::z", "%:::z"])
def test_an_offset_directive_polars_only_writes_is_refused(
    export: tuple[Path, Path], directive: str
) -> None:
    # Polars writes +01:00:00 and +01 with them, and reads neither: every row rejected.
    data, mapping = export
    mapping.write_text(MAPPING.replace("%H:%M", f"%H:%M {directive}"), encoding="utf-8")
    validated = run_cx("validate", str(mapping))
    assert validated.exit_code == 1
    assert f"timestamp_format: '{directive}' is not a directive cx knows" in validated.stdout
    assert "(hint: an offset is read by %z (+0100, +01:00) or %#z (+01 as well)" in (
        validated.stdout
    )
    refused = run_cx("inspect", "--data", str(data), "--columns", str(mapping))
    assert refused.exit_code == 2
    assert "an offset is read by %z" in refused.stderr and "rows rejected" not in refused.stderr


def test_an_unknown_directive_names_those_cx_reads(export: tuple[Path, Path]) -> None:
    data, mapping = export
    mapping.write_text(MAPPING.replace("%H:%M", "%H:%M %i"), encoding="utf-8")
    with pytest.raises(StrategyError) as error:
        api.load_interactions(data, columns=mapping)
    hint = error.value.findings[0].hint
    assert hint.endswith(
        "the directives are %Y %C %y %G %g %m %b %B %h %d %e %j %a %A %w %u %U %W %V %q "
        "%D %F %v %H %k %I %l %p %P %M %S %f %.f %.3f %.6f %.9f %3f %6f %9f %R %T %r "
        "%z %:z %#z %+ %s %t %n %%"
    )


def one_row_read(directory: Path, fmt: str, text: str) -> DataMeta:
    """The data of an export of one contact at ``text``, read with ``fmt``."""
    data, mapping = written(
        directory,
        ("d.csv", f"customer_id\ttimestamp\tchannel\nA\t{text}\tphone\n"),
        ("m.yaml", f'timestamp_format: "{fmt}"\ndelimiter: "\\t"\n'),
    )
    return api.load_interactions(data, columns=mapping).meta


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("%Y-%m-%d %H:%M:%S%.3f", "2024-03-14 09:15:00.250"),
        ("%-d/%-m/%Y %-I:%M %p", "14/3/2024 9:15 AM"),
        ("%e-%b-%y %k:%M", "14-Mar-24  9:15"),
        ("%v %R", "14-Mar-2024 09:15"),
        ("%F %T %:z", "2024-03-14 10:15:00 +01:00"),
        ("%F %T %#z", "2024-03-14 10:15:00 +01"),
        ("%+", "2024-03-14T10:15:00+01:00"),
        ("%Y-%j %H:%M", "2024-074 09:15"),
        ("%s", "1710407700"),
        ("%Y-%m", "2024-03"),
        ("%d/%m/%Y %H:%M 100%%", "14/03/2024 09:15 100%"),
    ],
)
def test_a_timestamp_format_of_known_directives_reads_its_rows(
    tmp_path: Path, fmt: str, text: str
) -> None:
    meta = one_row_read(tmp_path, fmt, text)
    assert (meta.rows_used, meta.rows_rejected) == (1, 0), fmt
    assert meta.period_labels == ["2024-03"]


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("%+", "2024-03-14T10:15:00+01:00"),
        ("%F %T %#z", "2024-03-14 10:15:00 +01"),
        ("%F %T %#z", "2024-03-14 10:15:00 +0100"),
    ],
)
def test_every_offset_directive_says_the_times_are_converted(
    tmp_path: Path, fmt: str, text: str
) -> None:
    # %+ was read as text with an offset and then compared as a time without one (a
    # Polars error); +01 under %#z was converted to UTC without the note.
    meta = one_row_read(tmp_path, fmt, text)
    assert meta.first_timestamp == "2024-03-14T09:15:00"  # in UTC
    assert any("timestamps carry the UTC offset +01:00" in note for note in meta.notes)


@pytest.mark.parametrize("words", ["{true: [], false: []}", "{}"])
def test_boolean_values_listing_no_word_are_a_finding(tmp_path: Path, words: str) -> None:
    # One list may be empty (a column marking only what is true); both would reject
    # every row whose cell is not empty.
    mapping = tmp_path / "values.yaml"
    mapping.write_text(
        f"columns:\n  abandoned: Outcome\nvalues:\n  abandoned: {words}\n"
        "  resolved: {true: [Y]}\n",
        encoding="utf-8",
    )
    result = run_cx("validate", str(mapping))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(
        f"{mapping}:4:3: values.abandoned: lists no value for true or false"
    )
    assert "1 finding" in result.stdout


@pytest.mark.parametrize(
    ("body", "where", "said"),
    [
        (
            "columns:\n  channel: Via\nchannels:\n  phone: [VOICE, CHAT]\n  chat: [' chat']\n",
            "5:10: channels.chat.0",
            "'chat' is listed under both phone and chat",
        ),
        (
            "columns:\n  resolved: Done\nvalues:\n  resolved: {true: [Y, n], false: [N]}\n",
            "4:36: values.resolved.false.0",
            "'N' is listed under both true and false",
        ),
    ],
)
def test_a_value_claimed_twice_is_a_finding(
    tmp_path: Path, body: str, where: str, said: str
) -> None:
    """Values match ignoring case and spaces: one listed under two channels (or true and
    false) would take the meaning of whichever key came last, silently."""
    mapping = tmp_path / "twice.yaml"
    mapping.write_text(body, encoding="utf-8")
    result = run_cx("validate", str(mapping))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(f"{mapping}:{where}: {said}")


# --------------------------------------------------------------------------- duration_format

#: A contact-centre platform's export: handle and wait times written as a clock.
CLOCK_EXPORT = (
    "Customer,Start,Media Type,Handle Time,Wait Time\n"
    "C1,2024-03-01 09:00:00,Voice,0:05:12,00:00:30\n"
    "C1,2024-03-01 10:00:00,Chat,1:00:00.5,00:01:00\n"
    "C2,2024-03-02 09:00:00,Voice, 00:10:00 ,\n"
    "C3,2024-03-02 09:30:00,Voice,312,00:00:10\n"  # a number: not a clock, rejected
    "C4,2024-03-02 09:45:00,Voice,0:61:00,00:00:10\n"  # minute 61: no clock
    "C5,2024-03-02 09:50:00,Voice,25:00:00,00:00:10\n"  # more than a day
    "C6,2024-03-02 09:55:00,Voice,\u0663:05:12,00:00:10\n"  # an Arabic-Indic digit
)
CLOCK_MAPPING = """
columns:
  customer_id: Customer
  timestamp: Start
  channel: Media Type
  handle_time: Handle Time
  wait_time: Wait Time
timestamp_format: "%Y-%m-%d %H:%M:%S"
duration_format: hh:mm:ss
channels:
  phone: [Voice]
"""


@pytest.fixture
def clock_export(tmp_path: Path) -> tuple[Path, Path]:
    return written(tmp_path, ("clock.csv", CLOCK_EXPORT), ("clock.yaml", CLOCK_MAPPING))


@pytest.mark.parametrize("scan", ["fast", "exact"])
def test_durations_written_as_a_clock_are_read_as_seconds(
    clock_export: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, scan: str
) -> None:
    """Exports that write `0:05:12` rejected every row: handle times were numbers only."""
    monkeypatch.setenv("CX_SCAN", scan)
    data, mapping = clock_export
    cube = api.load_interactions(data, columns=mapping, cache=False, max_reject_rate=0.6)
    meta = cube.meta
    assert (meta.rows_read, meta.rows_rejected) == (7, 4)
    reasons = cube.meta.rejects_sample["reject_reason"].to_list()
    assert reasons == ["handle_time is not a duration hh:mm:ss from 0 to 24:00:00"] * 4
    demand = cube.demand.group_by("channel").agg(pl.col("handle_sum", "handle_n").sum())
    sums = {row["channel"]: (row["handle_sum"], row["handle_n"]) for row in demand.to_dicts()}
    assert sums == {"phone": (312.0 + 600.0, 2), "chat": (3600.5, 1)}
    waits = {name: sums[:2] for name, sums in cube.queue_observations().items()}
    assert waits == {"phone": (30.0, 1.0), "chat": (60.0, 1.0)}
    monkeypatch.setenv("CX_CACHE_DIR", str(data.parent / "cache"))
    for _ in range(2):  # stored, then read from the cache: the same cube
        cached = api.load_interactions(data, columns=mapping, cache=True, max_reject_rate=0.6)
        assert cached.demand.sort(cached.demand.columns).equals(
            cube.demand.sort(cube.demand.columns)
        )
        assert cached.meta.rows_rejected == meta.rows_rejected


def test_minutes_and_seconds(tmp_path: Path) -> None:
    rows = (
        "customer_id,timestamp,channel,handle_time\n"
        "C1,2024-03-01T09:00:00,phone,5:12\nC2,2024-03-01T09:10:00,phone,75:30.25\n"
    )
    data, mapping = written(tmp_path, ("mmss.csv", rows), ("mmss.yaml", "duration_format: mm:ss\n"))
    cube = api.load_interactions(data, columns=mapping, cache=False)
    assert cube.demand["handle_sum"].sum() == pytest.approx(312.0 + 4530.25)
    assert cube.meta.rows_rejected == 0


@pytest.mark.parametrize("scan", ["fast", "exact"])
def test_a_parquet_column_that_is_no_text_is_read_as_a_clock_or_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan: str
) -> None:
    """A Parquet column of numbers under duration_format was 'cannot read Parquet data:
    ... expected `String`, got `i64` for series with name `__raw:handle_time`'."""
    monkeypatch.setenv("CX_SCAN", scan)
    mapping = tmp_path / "clock.yaml"
    mapping.write_text("duration_format: hh:mm:ss\n", encoding="utf-8")
    rows = {
        "customer_id": ["C1", "C2"],
        "timestamp": [dt.datetime(2024, 3, 1, 9), dt.datetime(2024, 3, 1, 10)],
        "channel": ["phone", "phone"],
    }
    times = tmp_path / "times.parquet"
    pl.DataFrame({**rows, "handle_time": [dt.time(0, 5, 12), dt.time(1, 0)]}).write_parquet(times)
    cube = api.load_interactions(times, columns=mapping, cache=False)
    assert cube.demand["handle_sum"].sum() == pytest.approx(312.0 + 3600.0)
    numbers = tmp_path / "numbers.parquet"
    pl.DataFrame({**rows, "handle_time": [312, 3600]}).write_parquet(numbers)
    result = run_cx("inspect", "--data", str(numbers), "--columns", str(mapping), "--no-cache")
    assert result.exit_code == 2 and result.stdout == ""
    line = one_error_line(result)
    assert f"error: {numbers}:2: 2 of 2 rows rejected" in line
    assert "handle_time is not a duration hh:mm:ss from 0 to 24:00:00" in line


@pytest.mark.parametrize("scan", ["fast", "exact"])
def test_a_parquet_column_of_durations_is_read_as_its_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan: str
) -> None:
    """pandas writes a timedelta column as Polars' Duration: it was 'cannot read Parquet
    data: casting from Duration('μs') to String not supported', as if the file were
    damaged."""
    monkeypatch.setenv("CX_SCAN", scan)
    rows = {
        "customer_id": ["C1", "C2", "C1"],
        "timestamp": [dt.datetime(2024, 3, 1, 9), dt.datetime(2024, 3, 1, 10),
                      dt.datetime(2024, 3, 2, 9)],
        "channel": ["phone", "phone", "chat"],
    }
    handle, wait = [312.25, 3600.0, 0.000001], [5.5, None, 12.0]
    durations = tmp_path / "durations.parquet"
    pl.DataFrame(
        {**rows, "handle_time": [dt.timedelta(seconds=s) for s in handle],
         "wait_time": [None if s is None else dt.timedelta(seconds=s) for s in wait]},
        schema_overrides={"handle_time": pl.Duration("us"), "wait_time": pl.Duration("ns")},
    ).write_parquet(durations)  # fmt: skip
    seconds = tmp_path / "seconds.parquet"
    pl.DataFrame({**rows, "handle_time": handle, "wait_time": wait}).write_parquet(seconds)
    cube = api.load_interactions(durations, cache=False)
    assert cube.meta.rows_rejected == 0
    assert cube.demand.equals(api.load_interactions(seconds, cache=False).demand)
    assert cube.demand["handle_sum"].sum() == pytest.approx(312.25 + 3600.0 + 0.000001)
    for engine in ("duckdb", "pyspark"):  # they read integers of the file's unit
        if scan != "fast" or not importlib.util.find_spec(engine):
            continue
        name = engine.removeprefix("py")
        built = run_cx("cube", "--engine", name, "-d", durations, "-o", tmp_path / "c.pq")
        assert one_error_line(built) == (
            f"error: --engine {name} reads handle and wait times as numbers of seconds, not "
            "column 'handle_time' of Parquet durations (hint: build this cube with the scan "
            "(no --engine), or export the times as seconds)"
        )


@pytest.mark.parametrize(
    ("mapping", "column", "said"),
    [
        ("duration_format: mm:ss\n", "handle_time",
         "not as the clock's text of the mapping's duration_format mm:ss"),
        ("handle_time_unit: minutes\n", "handle_time",
         "not as the minutes of the mapping's handle_time_unit"),
        ("columns: {segment: taken}\n", "segment", "not segment values"),
    ],
)  # fmt: skip
def test_a_parquet_column_of_durations_is_refused_where_no_seconds_belong(
    tmp_path: Path, mapping: str, column: str, said: str
) -> None:
    columns = tmp_path / "m.yaml"
    columns.write_text(mapping, encoding="utf-8")
    data = tmp_path / "d.parquet"
    pl.DataFrame(
        {"customer_id": ["C1"], "timestamp": [dt.datetime(2024, 3, 1, 9)], "channel": ["phone"],
         "handle_time" if column == "handle_time" else "taken": [dt.timedelta(minutes=5)]}
    ).write_parquet(data)  # fmt: skip
    source = "handle_time" if column == "handle_time" else "taken"
    line = one_error_line(run_cx("inspect", "--data", data, "--columns", columns))
    assert line.startswith(
        f"error: {data}: column '{source}' (for {column}) holds durations, "
    )
    assert said in line


def test_a_clock_and_minutes_at_once_is_a_finding(tmp_path: Path) -> None:
    mapping = tmp_path / "both.yaml"
    mapping.write_text("handle_time_unit: minutes\nduration_format: mm:ss\n", encoding="utf-8")
    result = run_cx("validate", str(mapping))
    assert result.exit_code == 1
    assert "handle_time_unit: minutes reads numbers of minutes, but duration_format mm:ss" in (
        result.stdout
    )
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("duration_format: h:m\n", encoding="utf-8")
    said = run_cx("validate", str(unknown)).stdout
    assert f"{unknown}:1:1: duration_format: input should be 'hh:mm:ss' or 'mm:ss'" in said


def test_a_column_mapped_to_null_is_not_read(tmp_path: Path) -> None:
    """A column named like a canonical one was read whatever the mapping said: an export
    whose 'wait_time' holds something else rejected every row, with no way out."""
    rows = (
        "customer_id,timestamp,channel,wait_time\n"
        "C1,2024-03-01T09:00:00,phone,about a minute\nC2,2024-03-01T09:10:00,phone,soon\n"
    )
    data, mapping = written(tmp_path, ("d.csv", rows), ("m.yaml", "columns:\n  wait_time: null\n"))
    assert run_cx("validate", str(mapping)).exit_code == 0
    cube = api.load_interactions(data, columns=mapping, cache=False)
    assert (cube.meta.rows_read, cube.meta.rows_rejected) == (2, 0)
    assert cube.queue_observations()["phone"][1] == 0.0  # no wait time read
    with pytest.raises(DataError, match="2 of 2 rows rejected"):
        api.load_interactions(data, cache=False)


def test_values_of_a_column_mapped_to_null_are_a_finding(tmp_path: Path) -> None:
    """They were taken without a word, for a column not read."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns:\n  abandoned: null\nvalues:\n  abandoned: {true: [Y], false: [N]}\n",
        encoding="utf-8",
    )
    result = run_cx("validate", str(mapping))
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{mapping}:4:3: values.abandoned: `values:` gives the words of abandoned, which "
        "`columns:` leaves out (abandoned: null): they would translate nothing (hint: map "
        "abandoned onto the export's column, or remove values.abandoned)\n"
    )
    data = tmp_path / "d.csv"
    data.write_text("customer_id,timestamp,channel\nC1,2024-03-01T09:00:00,phone\n")
    with pytest.raises(StrategyError, match="which `columns:` leaves out"):
        api.load_interactions(data, columns=mapping, cache=False)


def test_a_required_column_mapped_to_null_is_a_finding(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  customer_id: Requester\n  channel: null\n", encoding="utf-8")
    result = run_cx("validate", str(mapping))
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{mapping}:3:3: columns.channel: null leaves out a column cx cannot do without"
    )


@pytest.mark.parametrize(
    ("fmt", "offset"),
    [("%F %T %z", True), ("%F %T%:z", True), ("%F %T %#z", True), ("%+", True),
     ("%F %T", False), ("%F %T %%z", False), ("%F %T 100%%+", False)],
)  # fmt: skip
def test_an_offset_is_read_by_the_directives_the_parser_reads(fmt: str, offset: bool) -> None:
    # `%%z` is a percent sign and a z, as the parser reads the format: no offset
    from cx.models.mapping import reads_offset

    assert reads_offset(fmt) is offset
