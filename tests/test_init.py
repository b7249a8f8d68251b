"""`cx init`: an export in, a mapping and strategies out that replay it as it is."""

from __future__ import annotations

import errno
import gzip
import importlib.util
import json
import os
import random
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import one_error_line
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cx import api
from cx.cli.app import app
from cx.data import columns, profile
from cx.errors import DataError, InputError, shown
from cx.loader.mapping import load_mapping
from cx.loader.yamlsafe import parse_yaml
from cx.onboard import FILES, channel_for, channel_name, flow, propose, quote

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"



def written_lines(path: Path, lines: list[str]) -> Path:
    """``lines`` written as the lines of the file ``path``; the path."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

def init_of(path: Path, lines: list[str]) -> tuple[Path, Any]:
    """``lines`` written as the export ``path``, and `cx init` of it into the directory
    ``p`` beside it: the path and the run."""
    return written_lines(path, lines), cx("init", "--data", path, "-o", path.parent / "p")


def cx(*args: object):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


# --------------------------------------------------------------------------- hand-made exports


def contact_centre_log(path: Path, rows: int = 120) -> Path:
    """A telephony log: tab-separated, date and time apart, outcome codes."""
    pick = random.Random(7)
    lines = ["call_ref\tcaller_no\tcall_date\tstart_time\tmedia\ttalk_secs\twait_secs\toutcome"]
    for n in range(rows):
        day = 1 + n % 28  # days above 12: the dates are day-first
        media = pick.choice(["Voice", "Voice", "Webchat", "E-mail"])
        outcome = pick.choice(["AGENT", "AGENT", "AGENT", "HANG"])
        talk = "" if outcome == "HANG" else str(pick.randint(60, 900))
        lines.append(
            f"R{n:05d}\t0770090{pick.randint(0, 40):04d}\t{day:02d}.03.2026\t"
            f"{8 + n % 10:02d}:{n % 60:02d}:00\t{media}\t{talk}\t{pick.randint(0, 300)}\t{outcome}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crm_export(path: Path, rows: int = 80, day_first: bool = True) -> Path:
    """A CRM case export: day-first dates, free-text channel names, a status."""
    pick = random.Random(11)
    lines = ["Case Number,Account,Opened,Contact method,Reason,Status,Notes"]
    for n in range(rows):
        day, month = 1 + n % 28, 2
        date = f"{day:02d}/{month:02d}/2026" if day_first else f"{month:02d}/{day:02d}/2026"
        channel = pick.choice(["Postal mail", "Phone call", "E-mail", "Web form"])
        reason = pick.choice(["billing", "move house", "complaint"])
        status = pick.choice(["Closed", "Closed", "Open"])
        lines.append(
            f"CS-{n:05d},ACC{pick.randint(1, 30):03d},{date} {9 + n % 8:02d}:05,"
            f"{channel},{reason},{status},customer wrote about {reason} number {n}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- guesses


@pytest.mark.parametrize(
    ("value", "channel"),
    [
        ("Postal mail", "postal"),
        ("Phone call", "phone"),
        ("Phone call (inbound)", "phone"),
        ("E-mail", "email"),
        ("Web form", "web"),
        ("Webchat", "chat"),
        ("VOICE", "phone"),
        ("Facebook Post", "social"),
        ("Mobile SDK", "app"),
        ("TASK", None),
    ],
)
def test_channel_values_map_onto_canonical_names(value: str, channel: str | None) -> None:
    assert channel_for(value) == channel


def test_channel_names_in_other_languages_are_cx_channels(tmp_path: Path) -> None:
    """An export in German, French or Spanish read 'Telefon' as a channel of its own,
    async (a guess), so the follow strategy staffed phone calls with no service level,
    and 'Courriel' and 'Correo' as two channels besides: they are phone and email."""
    values = ("Telefon", "Courriel", "Chat en direct", "WhatsApp", "Correo", "Llamada")
    lines = ["Kunde,Datum,Kanal"]
    lines += [f"K{n % 50},2024-03-{1 + n % 28:02d}T10:00:00,{values[n % 6]}" for n in range(150)]
    proposal = propose(written_lines(tmp_path / "de.csv", lines))
    assert {seen.name: seen.values for seen in proposal.channels} == {
        "phone": ["Llamada", "Telefon"],
        "email": ["Correo", "Courriel"],
        "chat": ["Chat en direct"],
        "social": ["WhatsApp"],
    }
    assert not [check for check in proposal.checks if check.startswith("channel ")]
    # accents are read as their letters: a channel of its own is named by its word
    assert channel_name("Büro Zürich") == "buro-zurich"


#: The columns of a localised export, in this order: customer id, timestamp, channel,
#: handle time, wait time, abandoned, resolved, satisfaction, segment, intent.
LOCALISED = ("customer_id", "timestamp", "channel", "handle_time", "wait_time", "abandoned",
             "resolved", "satisfaction", "segment", "intent")  # fmt: skip


def localised_export(
    path: Path, header: list[str], channels: list[str], yes_no: tuple[str, str], rows: int = 150
) -> Path:
    """A contact-centre export whose columns are named in another language: ``header``
    names the :data:`LOCALISED` columns, the flags hold ``yes_no``, handle times are
    in minutes."""
    pick = random.Random(path.name)
    yes, no = yes_no
    lines = [";".join(header)]
    for n in range(rows):
        abandoned = n % 10 == 0
        handle = 0 if abandoned else pick.randint(2, 15)
        lines.append(
            f"C{pick.randint(1, 40):03d};{1 + n % 28:02d}/03/2026 {8 + n % 10:02d}:{n % 60:02d}"
            f";{channels[n % len(channels)]};{handle};{pick.randint(0, 300)}"
            f";{yes if abandoned else no};{pick.choice(yes_no)};{pick.randint(1, 5)}"
            f";{pick.choice(['A', 'B'])};{pick.choice(['R1', 'R2', 'R3'])}"
        )
    return written_lines(path, lines)


def test_column_names_in_german_are_read(tmp_path: Path) -> None:
    """A German export's columns were not read by their names: its handle times
    ('Bearbeitungszeit') were taken as the customer ids, and the follow strategy held
    typical handle times; they are read as the English names are."""
    header = ["Kundennummer", "Erstellt am", "Kanal", "Bearbeitungszeit (Min.)", "Wartezeit",
              "Abgebrochen", "Gelöst", "Zufriedenheit", "Kundensegment", "Anliegen"]  # fmt: skip
    data = localised_export(tmp_path / "de.csv", header, ["Telefon", "E-Mail"], ("Ja", "Nein"))
    project = tmp_path / "project"
    init = cx("init", "--data", data, "-o", project)
    assert init.exit_code == 0, init.stderr
    assert init.stdout == ""
    mapping = load_mapping(project / "columns.yaml")
    assert mapping.columns == dict(zip(LOCALISED, header, strict=True))
    assert mapping.handle_time_unit == "minutes"
    assert (mapping.values["abandoned"].true, mapping.values["abandoned"].false) == (
        ["Ja"], ["Nein"]
    )
    assert "check: handle_time" not in init.stderr
    simulated = cx(
        "simulate", project / "follow.yaml", "--data", data,
        "--columns", project / "columns.yaml", "--format", "json",
    )  # fmt: skip
    assert simulated.exit_code == 0, simulated.stderr
    result = json.loads(simulated.stdout)
    assert result["totals"]["cost_delta"] == 0
    assert result["data"]["rows_rejected"] == 0


@pytest.mark.parametrize(
    ("header", "channels", "yes_no"),
    [
        # French: the handle time ('Durée de traitement'), wait time ("Temps d'attente")
        # and flags ('Abandonné', 'Résolu' of Oui/Non) were not read
        (["ID client", "Horodatage", "Canal", "Durée de traitement (min)", "Temps d'attente",
          "Abandonné", "Résolu", "Satisfaction", "Segment", "Motif"],
         {"phone": ["Téléphone"], "email": ["Courriel"]}, ("Oui", "Non")),
        # Spanish: the customer ids ('ID cliente' beside the handle times' 'Tiempo de
        # gestión'), wait time ('Tiempo de espera') and flags were not read
        (["ID cliente", "Fecha", "Canal", "Tiempo de gestión (min)", "Tiempo de espera",
          "Abandonada", "Resuelto", "Satisfacción", "Segmento", "Motivo"],
         {"phone": ["Llamada"], "email": ["Correo"]}, ("Sí", "No")),
    ],
)  # fmt: skip
def test_column_names_in_french_and_spanish_are_read(
    tmp_path: Path, header: list[str], channels: dict[str, list[str]], yes_no: tuple[str, str]
) -> None:
    values = [value for names in channels.values() for value in names]
    data = localised_export(tmp_path / "export.csv", header, values, yes_no)
    mapping = propose(data).mapping()
    assert mapping.columns == dict(zip(LOCALISED, header, strict=True))
    assert mapping.handle_time_unit == "minutes"
    yes, no = ([word] for word in yes_no)
    for flag in ("abandoned", "resolved"):
        assert (mapping.values[flag].true, mapping.values[flag].false) == (yes, no)
    assert mapping.channels == channels


@pytest.mark.parametrize(
    ("name", "unit"),
    [("Dauer (Sek.)", "seconds"), ("Durée (s)", "seconds"), ("Duración (min)", "minutes")],
)
def test_a_localised_duration_names_its_unit(tmp_path: Path, name: str, unit: str) -> None:
    lines = [f"Kunde,Datum,Kanal,{name}"]
    lines += [f"K{n % 40},2024-03-{1 + n % 28:02d}T10:00:00,Telefon,{5 + n}" for n in range(120)]
    proposal = propose(written_lines(tmp_path / "d.csv", lines))
    assert proposal.columns["handle_time"].sources == [name]
    assert proposal.handle_time_unit == unit
    assert proposal.columns["handle_time"].check is None


def test_crm_export_day_first_dates_and_channel_names(tmp_path: Path) -> None:
    proposal = propose(crm_export(tmp_path / "crm.csv"))
    mapping = proposal.mapping()
    assert mapping.columns == {
        "customer_id": "Account",
        "timestamp": "Opened",
        "channel": "Contact method",
        "intent": "Reason",
        "resolved": "Status",
    }
    assert mapping.timestamp_format == "%d/%m/%Y %H:%M"
    assert proposal.timestamp_check is None
    assert mapping.channels == {
        "postal": ["Postal mail"],
        "phone": ["Phone call"],
        "email": ["E-mail"],
        "web": ["Web form"],
    }
    assert mapping.values["resolved"].true == ["Closed"]
    assert mapping.values["resolved"].false == ["Open"]
    assert proposal.rows == 80 and proposal.rows_rejected == 0


def test_month_first_dates_are_decided_by_a_day_above_12(tmp_path: Path) -> None:
    proposal = propose(crm_export(tmp_path / "crm.csv", day_first=False))
    assert proposal.timestamp_format == "%m/%d/%Y %H:%M"
    assert proposal.timestamp_check is None


def test_undecidable_dates_are_a_guess_marked_check(tmp_path: Path) -> None:
    path = crm_export(tmp_path / "crm.csv", rows=12)  # days 1..12: either order reads
    proposal = propose(path)
    assert proposal.timestamp_check is not None and "guess" in proposal.timestamp_check
    api.init_project(path, tmp_path / "out")
    text = (tmp_path / "out" / "columns.yaml").read_text(encoding="utf-8")
    [line] = [line for line in text.splitlines() if line.startswith("timestamp_format:")]
    assert "# check:" in line and "day-first is a guess" in line


def twelve_hour_export(path: Path, days: list[tuple[int, int]]) -> Path:
    """A CXone-style export: month-first dates on a 12-hour clock, one contact an hour
    from 8 AM to 1 PM on each (month, day) of ``days``."""
    pick = random.Random(5)
    lines = ["Contact ID,Skill Name,Start Time,Customer"]
    for month, day in days:
        for hour in (8, 9, 10, 11, 12, 1):
            noon = "AM" if 8 <= hour < 12 else "PM"
            skill = pick.choice(["Voice", "Chat", "Email"])
            lines.append(
                f"{len(lines)},{skill},{month:02d}/{day:02d}/2024 {hour:02d}:00:00 {noon},"
                f"C{pick.randint(1, 40)}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_undecidable_dates_take_the_order_of_the_shorter_span(tmp_path: Path) -> None:
    march_april = [(month, day) for month in (3, 4) for day in range(1, 13)]
    path = twelve_hour_export(tmp_path / "cxone.csv", march_april)
    result = cx("init", "--data", path, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "out" / "columns.yaml").read_text(encoding="utf-8")
    [line] = [line for line in text.splitlines() if line.startswith("timestamp_format:")]
    assert line.startswith('timestamp_format: "%m/%d/%Y %I:%M:%S %p"  # check:')
    assert "month-first is a guess (its dates span 42 days, 336 read day-first)" in line
    assert "month-first is a guess" in result.stderr and result.stdout == ""


def test_undecidable_dates_on_a_12_hour_clock_are_month_first(tmp_path: Path) -> None:
    proposal = propose(twelve_hour_export(tmp_path / "cxone.csv", [(3, 4)]))
    assert proposal.timestamp_format == "%m/%d/%Y %I:%M:%S %p"
    assert proposal.timestamp_check is not None
    assert "month-first is a guess (a 12-hour clock" in proposal.timestamp_check


def test_undecidable_dates_on_a_24_hour_clock_stay_day_first(tmp_path: Path) -> None:
    path = tmp_path / "crm.csv"
    rows = [
        f"CS-{n},ACC{n % 7},{day:02d}/{day:02d}/2026 10:05,Phone call"
        for n, day in enumerate(range(1, 13))
    ]
    path.write_text("Case Number,Account,Opened,Contact method\n" + "\n".join(rows) + "\n")
    proposal = propose(path)
    assert proposal.timestamp_format == "%d/%m/%Y %H:%M"
    assert proposal.timestamp_check is not None and proposal.timestamp_check.endswith(
        "day-first is a guess"
    )


def test_dates_written_both_ways_take_the_order_that_reads_more(tmp_path: Path) -> None:
    """Dates of which some have a day above 12 first and some second were said to have
    no day above 12 (a guess), and their order was the first one tried."""
    path = tmp_path / "mixed.csv"
    rows = [
        f"{n},Voice,{f'03/{13 + n % 10}' if n % 10 else f'{13 + n % 10}/03'}/2024 10:00,C{n % 9}"
        for n in range(60)
    ]
    path.write_text("Contact ID,Skill Name,Start Time,Customer\n" + "\n".join(rows) + "\n")
    proposal = propose(path)
    assert proposal.timestamp_format == "%m/%d/%Y %H:%M"
    assert proposal.timestamp_check == (
        "dates are written both ways: 6 read only day-first (13/04), 54 only month-first "
        "(04/13); month-first reads more of them, the 6 day-first ones are rejected"
    )
    assert proposal.rows_rejected == 6


def test_contact_centre_log_split_date_time_and_outcome_codes(tmp_path: Path) -> None:
    proposal = propose(contact_centre_log(tmp_path / "log.tsv"))
    mapping = proposal.mapping()
    assert mapping.delimiter == "\t"
    assert mapping.columns["customer_id"] == "caller_no"
    assert mapping.columns["timestamp"] == ["call_date", "start_time"]
    assert mapping.timestamp_format == "%d.%m.%Y %H:%M:%S"
    assert mapping.columns["channel"] == "media"
    assert mapping.columns["handle_time"] == "talk_secs"
    assert mapping.handle_time_unit == "seconds"
    assert mapping.columns["wait_time"] == "wait_secs"
    assert mapping.columns["abandoned"] == "outcome"
    assert mapping.values["abandoned"].true == ["HANG"]
    assert mapping.values["abandoned"].false == ["AGENT"]
    assert mapping.channels == {"phone": ["Voice"], "chat": ["Webchat"], "email": ["E-mail"]}


def test_observed_handle_times_go_into_the_follow_strategy(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(
        "customer_id,timestamp,channel,handle_time\n"
        "a,2024-01-01T09:00:00,phone,100\nb,2024-01-01T10:00:00,phone,300\n"
        "a,2024-01-02T09:00:00,web,\n",
        encoding="utf-8",
    )
    api.init_project(data, tmp_path / "p")
    follow = api.load_strategy(tmp_path / "p" / "follow.yaml")
    assert follow.channels["phone"].mode == "live"
    assert follow.channels["phone"].handle_time == 200  # (100 + 300) / 2
    assert follow.channels["web"].mode == "self_service"
    push = api.load_strategy(tmp_path / "p" / "push.yaml")
    assert push.kind == "push"
    assert [(s.from_, s.to) for s in push.shifts] == [("phone", {"web": 0.1})]


def test_optional_column_that_rejects_rows_is_left_out(tmp_path: Path) -> None:
    lines = ["customer_id,timestamp,channel,talk_time"]
    lines += [f"c{n % 50},2024-01-01T{n % 24:02d}:00:00,phone,{60 + n}" for n in range(2_100)]
    lines.append("c1,2024-01-02T10:00:00,phone,n/a")  # beyond the rows profiled
    data = written_lines(tmp_path / "d.csv", lines)
    proposal = propose(data)
    assert "handle_time" not in proposal.columns
    assert proposal.rows_rejected == 0
    assert any("'talk_time'" in note and "left out" in note for note in proposal.notes)


def test_a_column_read_by_its_name_is_mapped_or_written_as_not_read(tmp_path: Path) -> None:
    """'Wait Time' written '5m 10s' was not proposed, yet read as wait_time by its name:
    the mapping rejected every row and said neither which column nor why; 'Resolved'
    was read the same way without the mapping naming it. Now the one is written
    `wait_time: null` (not read) and said, the other is mapped."""
    lines = ["customer_id,timestamp,channel,Wait Time,Resolved"]
    lines += [
        f"c{n % 40},2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00,phone,{n % 6}m 10s,{n % 2}"
        for n in range(200)
    ]
    data, result = init_of(tmp_path / "d.csv", lines)
    assert result.exit_code == 0 and result.stdout == ""
    assert (
        "'Wait Time' looks like wait_time but 200 rows hold a value cx cannot read as one: "
        "left out"
    ) in result.stderr
    assert "200 rows, 0 rejected" in result.stderr
    text = (tmp_path / "p" / "columns.yaml").read_text(encoding="utf-8")
    assert "  wait_time: null" in text and "  resolved: Resolved\n" in text
    mapping = load_mapping(tmp_path / "p" / "columns.yaml")
    assert mapping.columns["resolved"] == "Resolved" and mapping.columns["wait_time"] is None
    follow = cx("simulate", tmp_path / "p" / "follow.yaml", "--data", data,
                "--columns", tmp_path / "p" / "columns.yaml", "-f", "json")  # fmt: skip
    assert follow.exit_code == 0, follow.stderr
    assert json.loads(follow.stdout)["data"]["rows_rejected"] == 0


def durations_export(tmp_path: Path, duration: str, header: str = "Handle Time (mm:ss)") -> Path:
    lines = [f"Customer,Start,Media Type,Queue,{header}"]
    lines += [
        f"c{n % 40},2024-01-{1 + n % 28:02d} {n % 24:02d}:00:00,Voice,Billing,"
        + duration.format(m=n % 9, s=n % 60)
        for n in range(200)
    ]
    data = written_lines(tmp_path / "d.csv", lines)
    return data


def test_a_queue_of_one_value_is_no_segment(tmp_path: Path) -> None:
    """A skill or queue is a segment's guess when it routes contacts to a few places;
    one queue for every contact (Billing) tells no customers apart."""
    proposal = propose(durations_export(tmp_path, "{m}"))
    assert "segment" not in proposal.columns


def test_handle_times_written_as_no_number_are_said_left_out(tmp_path: Path) -> None:
    """'Handle Time (mm:ss)' was left out unsaid, and follow.yaml called the handle
    times 'not in the data'; a queue's name beside it is no duration."""
    data = durations_export(tmp_path, "{m}m {s}s")
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0 and result.stdout == ""
    [note] = [line for line in result.stderr.splitlines() if "left out" in line]
    assert note.startswith("'Handle Time (mm:ss)' looks like handle_time but holds values")
    assert note.endswith("not numbers of seconds or minutes: left out")
    follow = (tmp_path / "p" / "follow.yaml").read_text(encoding="utf-8")
    assert "not read from the data; a typical value" in follow


@pytest.mark.parametrize(
    ("duration", "fmt"), [("{m:02d}:{s:02d}", "mm:ss"), ("0:{m:02d}:{s:02d}", "hh:mm:ss")]
)
def test_handle_times_written_as_a_clock_are_read(tmp_path: Path, duration: str, fmt: str):
    """Handle times written '05:12' or '0:05:12' (most contact-centre platforms) were
    left out, and follow.yaml took typical ones instead of the export's."""
    data = durations_export(tmp_path, duration)
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    assert "left out" not in result.stderr
    mapping = load_mapping(tmp_path / "p" / "columns.yaml")
    assert (mapping.duration_format, mapping.columns["handle_time"]) == (fmt, "Handle Time (mm:ss)")
    follow = (tmp_path / "p" / "follow.yaml").read_text(encoding="utf-8")
    assert "not read from the data" not in follow
    seconds = [(n % 9) * 60 + n % 60 for n in range(200)]
    mapped = tmp_path / "p" / "columns.yaml"
    shown = cx("inspect", "--data", data, "--columns", mapped, "-f", "json")
    [phone] = json.loads(shown.stdout)["channels"]
    assert phone["handle_time"] == pytest.approx(sum(seconds) / len(seconds))


def test_a_time_of_day_is_no_wait_time(tmp_path: Path) -> None:
    """A call log's 'End Time' (09:36:30, a time of day) was mapped as wait_time read as
    hh:mm:ss: every call waited some 9 hours, with no `# check:`."""
    lines = ["Caller,Date,Start Time,End Time,Line,Duration"]
    lines += [
        f"+44 7700 9{n % 50:05d},2024-03-{1 + n % 28:02d},{8 + n % 10:02d}:{n % 50:02d}:00,"
        f"{8 + n % 10:02d}:{n % 50 + 5:02d}:30,{'Phone' if n % 3 else 'Chat'},0:05:30"
        for n in range(200)
    ]
    _, result = init_of(tmp_path / "calls.csv", lines)
    assert result.exit_code == 0, result.stderr
    mapping = load_mapping(tmp_path / "p" / "columns.yaml")
    assert mapping.columns["timestamp"] == ["Date", "Start Time"]
    assert mapping.columns["handle_time"] == "Duration"
    assert "wait_time" not in mapping.columns


@pytest.mark.parametrize(
    ("header", "mapped"),
    [
        ("Agent Time", {"handle_time": "Agent Time"}),
        ("Time to Agent", {"wait_time": "Time to Agent"}),
        ("Agent Time,Time to Agent", {"handle_time": "Agent Time", "wait_time": "Time to Agent"}),
    ],
)
def test_the_agents_time_is_no_wait_and_the_time_to_an_agent_is(
    tmp_path: Path, header: str, mapped: dict[str, str]
) -> None:
    """CXone's 'Agent Time' (the agent's handling time, in seconds) was mapped as
    wait_time: every contact waited as long as it was handled."""
    times = ",".join(["{}"] * len(header.split(",")))
    lines = [f"Contact ID,Skill Name,Start Time,{header},Customer"]
    lines += [
        f"{5000 + n},{('Phone Support', 'Chat Support')[n % 2]},"
        f"2024-03-{1 + n % 28:02d} {8 + n % 10:02d}:{n % 60:02d}:00,"
        + times.format(*[300 + n, n % 90][: len(header.split(","))])
        + f",cust{n % 40}"
        for n in range(200)
    ]
    _, result = init_of(tmp_path / "cxone.csv", lines)
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    columns = load_mapping(tmp_path / "p" / "columns.yaml").columns
    assert {c: columns[c] for c in ("handle_time", "wait_time") if c in columns} == mapped


@pytest.mark.parametrize(
    ("handle", "marked"), [("Talk Time (s)", True), ("Handle Time (s)", False)]
)
def test_a_talk_time_beside_hold_and_wrap_up_times_is_marked(
    tmp_path: Path, handle: str, marked: bool
) -> None:
    """A call export's 'Talk Time' was mapped as handle_time with nothing said of its
    'Hold Time' and 'Wrap Up Time' (handle times short by both, staffing too low), and
    'Hold Time' as wait_time."""
    lines = [f"Caller,Start,Channel,{handle},Hold Time,Wrap Up Time"]
    lines += [
        f"+44 7700 9{n % 50:05d},2024-03-{1 + n % 28:02d}T10:00:00,Phone,{300 + n},30,60"
        for n in range(200)
    ]
    _, result = init_of(tmp_path / "calls.csv", lines)
    assert result.exit_code == 0, result.stderr
    said = "'Hold Time' and 'Wrap Up Time' not added in, so handle times may be short by them"
    assert (said in " ".join(result.stderr.split())) is marked
    assert (said in (tmp_path / "p" / "columns.yaml").read_text(encoding="utf-8")) is marked
    assert "wait_time" not in load_mapping(tmp_path / "p" / "columns.yaml").columns  # on hold


def test_durations_in_milliseconds_are_said_and_left_out(tmp_path: Path) -> None:
    """Handle times in milliseconds (312000) were left out as 'values above a day', and
    waits under a name saying milliseconds ('Wait Time (ms)', 30000) read as seconds:
    every contact waited hours. Both are now said to be milliseconds, with how to
    convert them, and left out."""
    lines = ["customer_id,timestamp,channel,talk_time,Wait Time (ms)"]
    lines += [
        f"c{n % 40},2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00,phone,"
        f"{(240 + n) * 1000},{(n % 60) * 1000}"
        for n in range(200)
    ]
    _, result = init_of(tmp_path / "ms.csv", lines)
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    said = " ".join(result.stderr.split())
    assert (
        "'talk_time' looks like handle_time but its values look like milliseconds (439,000 is "
        "more than a day as seconds; a typical one, 339,500, is 340 s as milliseconds), which "
        "cx does not read: left out; divide them by 1,000 in the export to read them as seconds"
    ) in said
    assert (
        "'Wait Time (ms)' looks like wait_time but its name says milliseconds, which cx does "
        "not read: left out"
    ) in said
    assert "above a day" not in said
    columns = load_mapping(tmp_path / "p" / "columns.yaml").columns
    assert "handle_time" not in columns and "wait_time" not in columns


@pytest.mark.parametrize(
    ("every", "said"),
    [
        (1, "holds numbers with a thousands separator, such as '1,060', which cx does not read"),
        (
            15,
            "15 rows hold a value cx cannot read as one (numbers with a thousands separator, "
            "such as '1,900')",
        ),
    ],
)
def test_numbers_with_a_thousands_separator_are_said(tmp_path: Path, every: int, said: str):
    """'Handle Time (Seconds)' written '2,831' was left out with no note, or with one
    that said only that rows held a value cx cannot read."""
    lines = ["Customer,Opened,Channel,Handle Time (Seconds)"]
    lines += [
        f'c{n % 40},2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00,phone,"'
        + (f"{1000 + n * 60:,}" if n % every == 0 else f"{100 + n}")
        + '"'
        for n in range(1, 226)
    ]
    _, result = init_of(tmp_path / "d.csv", lines)
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    [note] = [line for line in result.stderr.splitlines() if "left out" in line]
    assert note == (
        f"'Handle Time (Seconds)' looks like handle_time but {said}: left out; export the "
        "numbers without the separator"
    )
    assert "handle_time" not in load_mapping(tmp_path / "p" / "columns.yaml").columns


def test_seconds_with_an_outlier_above_a_day_are_no_milliseconds(tmp_path: Path) -> None:
    lines = ["customer_id,timestamp,channel,Handle Time"]
    lines += [
        f"c{n % 40},2024-01-{1 + n % 28:02d}T10:00:00,email,{100_000 if n == 5 else 1_100 + n}"
        for n in range(200)
    ]
    data = written_lines(tmp_path / "d.csv", lines)
    assert propose(data).notes == [
        "'Handle Time' looks like handle time but holds values above a day: left out"
    ]


def test_handle_and_wait_times_written_two_ways_keep_the_first(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    lines = ["Customer,Start,Channel,Handle Time,Wait Time"]
    lines += [f"c{n % 40},2024-01-{1 + n % 28:02d}T10:00:00,phone,0:05:{n % 60:02d},{n}"
              for n in range(100)]  # fmt: skip
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0, result.stderr
    assert (
        "'Wait Time' looks like wait_time but is written as numbers ('0') and handle_time as "
        "hh:mm:ss: one mapping reads both one way"
    ) in result.stderr


def test_twelve_hour_clock_timestamps_are_read(tmp_path: Path) -> None:
    """A US export's '4/3/2024 2:05:00 PM' was no timestamp to init: 'no column holds
    timestamps or dates cx can read'."""
    lines = ["Customer ID,Start Time,Channel", "c0,4/1/2024 1:05:00 PM,Phone"]
    lines += [
        f"c{n % 30},4/{2 + n % 27}/2024 {1 + n % 12}:05:00 {'AM' if n % 3 else 'PM'},Phone"
        for n in range(100)
    ]
    data, result = init_of(tmp_path / "us.csv", lines)
    assert result.exit_code == 0, result.stderr
    assert load_mapping(tmp_path / "p" / "columns.yaml").timestamp_format == (
        "%m/%d/%Y %I:%M:%S %p"
    )
    inspected = cx(
        "inspect", "--data", data, "--columns", tmp_path / "p" / "columns.yaml", "-f", "json"
    )
    assert inspected.exit_code == 0, inspected.stderr
    found = json.loads(inspected.stdout)["data"]
    assert found["rows_rejected"] == 0
    assert found["first_timestamp"] == "2024-04-01T13:05:00"  # 1:05:00 PM


def test_excel_two_digit_years_are_read_as_such(tmp_path: Path) -> None:
    """A CSV saved by Excel writes '3/14/24 14:05': init read it as %Y/%m/%d, 14 March
    24 of the year 3, and wrote a mapping that rejected every row."""
    lines = ["Customer;Date;Channel"]
    lines += [f"C{n % 40};3/{1 + n % 28}/24 {8 + n % 10}:05;Phone" for n in range(200)]
    data = tmp_path / "excel.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0, result.stderr
    assert "200 rows, 0 rejected" in result.stderr
    assert load_mapping(tmp_path / "p" / "columns.yaml").timestamp_format == "%m/%d/%y %H:%M"


def test_unix_times_are_read_as_seconds_and_milliseconds_named(tmp_path: Path) -> None:
    """An Intercom export's created_at (1709280420, seconds since 1970) was no
    timestamp to init: 'no column holds timestamps or dates cx can read', though a
    mapping reads it with %s."""
    def export(column: str, factor: int) -> Path:
        lines = [f"conversation_id,{column},updated_at,user_id,source_type"]
        lines += [
            f"{200000000 + n},{(1709280000 + 1500 * n) * factor},{1709290000 + 1500 * n},"
            f"u{n % 40},{'email' if n % 3 else 'chat'}"
            for n in range(200)
        ]
        data = written_lines(tmp_path / f"{column}.csv", lines)
        return data

    data = export("created_at", 1)
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0, result.stderr
    mapping = load_mapping(tmp_path / "p" / "columns.yaml")
    assert (mapping.columns["timestamp"], mapping.timestamp_format) == ("created_at", "%s")
    inspected = cx(
        "inspect", "--data", data, "--columns", tmp_path / "p" / "columns.yaml", "-f", "json"
    )
    found = json.loads(inspected.stdout)["data"]
    assert (found["rows_rejected"], found["first_timestamp"]) == (0, "2024-03-01T08:00:00")
    refused = cx("init", "--data", export("created_ms", 1000), "-o", tmp_path / "q")
    assert refused.exit_code == 2
    assert "created_ms.csv: column 'created_ms' holds Unix times in milliseconds" in (
        refused.stderr
    )


def test_outbound_contacts_of_a_direction_column_are_dropped_and_said(tmp_path: Path) -> None:
    """A contact-centre export's Direction column (Inbound / Outbound) was ignored: the
    calls agents made were replayed as contacts customers made, with nothing said."""
    lines = ["Contact ID,Caller,Start,Media Type,Direction,Consent"]
    lines += [
        f"{300000 + n},555{n % 40:07d},2024-03-{1 + n % 28:02d}T10:00:00,"
        f"{'Call' if n % 3 else 'Chat'},{'Outbound' if n % 4 == 0 else 'Inbound'},"
        f"{'Opted out' if n % 2 else 'Opted in'}"
        for n in range(200)
    ]
    data = written_lines(tmp_path / "contacts.csv", lines)
    project = tmp_path / "p"
    result = cx("init", "--data", data, "-o", project)
    assert result.exit_code == 0, result.stderr
    assert "'Direction': 50 Outbound rows left out (`drop:`)" in result.stderr
    assert load_mapping(project / "columns.yaml").drop == {"Direction": ["Outbound"]}
    simulated = cx(
        "simulate", project / "follow.yaml", "--data", data,
        "--columns", project / "columns.yaml", "--format", "json",
    )  # fmt: skip
    assert simulated.exit_code == 0, simulated.stderr
    found = json.loads(simulated.stdout)
    assert (found["data"]["rows_read"], found["data"]["rows_dropped"]) == (150, 50)
    assert found["totals"]["cost_delta"] == 0


def test_a_report_footer_is_counted_as_simulate_counts_it(tmp_path: Path) -> None:
    """A Salesforce report's footer ('Grand Totals (100 records)', a copyright line) in
    a column not read is no row to simulate, but init counted its lines as rejected
    and warned that more rows were rejected than simulate accepts; the mapping's
    header said it was proposed from more rows than it was checked on."""
    lines = ["Subject,Account ID,Opened,Case Origin"]
    lines += [
        f"Card case number {n},003{n % 30:012d},2024-03-{1 + n % 28:02d} 10:00,Phone"
        for n in range(100)
    ]
    lines += ["", '"Grand Totals (100 records)"', "", '"Copyright (c) 2000-2024 salesforce.com"']
    data, result = init_of(tmp_path / "report.csv", lines)
    assert result.exit_code == 0, result.stderr
    assert "100 rows, 0 rejected" in result.stderr
    assert "more than the 1%" not in result.stderr
    mapped = (tmp_path / "p" / "columns.yaml").read_text(encoding="utf-8")
    assert "# its first 100 rows and checked on all 100.\n" in mapped  # not 'first 104'
    simulated = cx(
        "simulate", tmp_path / "p" / "follow.yaml", "--data", data,
        "--columns", tmp_path / "p" / "columns.yaml", "--format", "json",
    )  # fmt: skip
    found = json.loads(simulated.stdout)["data"]
    assert (found["rows_read"], found["rows_rejected"]) == (100, 0)


@pytest.mark.parametrize("scan", ["fast", "exact"])
def test_a_report_footer_in_a_column_read_is_said_to_be_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan: str
) -> None:
    """A report's footer ('Copyright ...', 'Confidential ...') in its first column, the
    case number read as the customer id, was two rows rejected as 'timestamp is empty':
    over 1% of a small export, simulate exited 2 and nothing said they were a footer."""
    monkeypatch.setenv("CX_SCAN", scan)
    lines = ['"Case Number","Date/Time Opened","Case Origin"']
    lines += [
        f'"{1001 + n:08d}","2024-03-{1 + n % 28:02d} 09:{n % 60:02d}","{("Phone", "Web")[n % 2]}"'
        for n in range(150)
    ]
    lines += ["", '"Copyright (c) 2000-2024 salesforce.com, inc."', '"Confidential Information"']
    data, result = init_of(tmp_path / "report.csv", lines)
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    said = " ".join(result.stderr.split())
    assert "152 rows, 2 rejected" in said
    assert (
        "2 lines fill only their first field, as a report's footer does ('Copyright ...'): "
        "rejected; delete them from the export"
    ) in said
    simulated = cx(
        "simulate", tmp_path / "p" / "follow.yaml", "--data", data,
        "--columns", tmp_path / "p" / "columns.yaml", "--no-cache",
        "--rejects", tmp_path / "rejects.csv",
    )  # fmt: skip
    assert simulated.exit_code == 2 and simulated.stdout == ""
    assert (
        "first at line 153: the line fills only its first field (a report's footer?)"
    ) in " ".join(simulated.stderr.split())
    rejects = pl.read_csv(tmp_path / "rejects.csv")
    assert rejects.get_column("reject_reason").unique().to_list() == [
        "the line fills only its first field (a report's footer?)"
    ]


@pytest.mark.parametrize("scan", ["fast", "exact"])
def test_nul_bytes_at_the_end_of_a_file_are_said_to_be_padding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan: str
) -> None:
    """A file padded at its end with NUL bytes had its last line rejected as 'the line
    fills only its first field (a report's footer?)'."""
    monkeypatch.setenv("CX_SCAN", scan)
    lines = ["customer_id,timestamp,channel"]
    lines += [f"c{n % 40},2024-01-01T{n % 24:02d}:00:00,phone" for n in range(60)]
    data = tmp_path / "padded.csv"
    data.write_bytes(("\n".join(lines) + "\n").encode() + b"\0" * 300 + b" \0\n")
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    said = " ".join(result.stderr.split())
    assert "61 rows, 1 rejected" in said
    assert (
        "1 line holds only NUL bytes (binary padding, as an interrupted copy leaves at a "
        "file's end): rejected; cut it off the file"
    ) in said
    assert "footer" not in said
    simulated = cx("simulate", tmp_path / "p" / "follow.yaml", "--data", data, "--no-cache")
    assert one_error_line(simulated).endswith(
        "1 of 61 rows rejected (1.6%), more than --max-reject-rate 1.0%; first at line 62: "
        "the line is binary padding (NUL bytes), not text (hint: fix the export or the "
        "mapping (--columns); --rejects FILE lists every bad row)"
    )


def test_a_yes_no_column_is_taken_only_for_the_flag_it_names(tmp_path: Path) -> None:
    """'Abandoned' (Y/N) was mapped as resolved, so every answered call counted as
    resolved, and 'Callback Requested' (Yes/No) as abandoned: plain yes/no values were
    taken for whichever flag came first."""
    lines = ["Customer ID,Start,Channel,Abandoned,Callback Requested"]
    lines += [
        f"c{n % 40},2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00,Phone,"
        f"{'Y' if n % 9 == 0 else 'N'},{'Yes' if n % 5 == 0 else 'No'}"
        for n in range(200)
    ]
    data = written_lines(tmp_path / "d.csv", lines)
    api.init_project(data, tmp_path / "p")
    columns = load_mapping(tmp_path / "p" / "columns.yaml").columns
    assert columns["abandoned"] == "Abandoned"
    assert "resolved" not in columns


def test_customers_are_the_repeating_phone_numbers_not_the_case_numbers(
    tmp_path: Path,
) -> None:
    """A CRM export's 'Contact Phone' (+44 7700 900123) was no id for its spaces, so the
    unique 'Case Number' became the customer id, marked 'many distinct ids that
    repeat': every case a customer of its own."""
    def cases(phones: bool) -> Path:
        lines = ["Case Number,Contact Phone,Created Date,Case Origin"]
        lines += [
            f"{n:08d},{f'+44 7700 9{n % 60:05d}' if phones else ''},"
            f"{1 + n % 28:02d}/03/2024 10:00,Phone"
            for n in range(300)
        ]
        data = written_lines(tmp_path / f"cases-{phones}.csv", lines)
        return data

    assert propose(cases(phones=True)).columns["customer_id"].sources == ["Contact Phone"]
    [check] = propose(cases(phones=False)).checks
    assert check.startswith("customer_id: no id repeats in its first 300 values")


def test_a_handle_time_named_as_one_beats_the_talk_time_before_it(tmp_path: Path) -> None:
    """A Genesys Cloud export's 'Total Talk' came before its 'Total Handle', and was
    taken as the handle time (hold and after-call work left out, handle times short)
    with 'Total Handle' said to be left out."""
    lines = ["ANI,Conversation Start,Media Type,Total Talk,Total Hold,Total ACW,Total Handle"]
    lines += [
        f"tel:+4477009{n % 70:05d},2024-03-{1 + n % 28:02d}T10:00:00.000Z,voice,"
        f"0:04:{n % 60:02d},0:00:30,0:01:00,0:05:{30 + n % 30:02d}"
        for n in range(200)
    ]
    proposal = propose(written_lines(tmp_path / "genesys.csv", lines))
    assert proposal.columns["handle_time"].sources == ["Total Handle"]
    assert proposal.columns["handle_time"].check is None


def five9_log(path: Path, columns: str, rest: Callable[[int], str]) -> Path:
    """A Five9-shaped call log of 200 calls: ANI, DATE, TIME, then ``columns``, each
    row ending with ``rest(n)`` (the fields of those columns for call n)."""
    lines = [f"ANI,DATE,TIME,{columns}"]
    lines += [
        f"41555501{n % 70:02d},03/{1 + n % 28:02d}/2024,{1 + n % 12}:05:00 PM,{rest(n)}"
        for n in range(200)
    ]
    return written_lines(path, lines)


def test_a_clock_column_beside_the_one_read_is_not_said_unreadable(tmp_path: Path) -> None:
    """A Five9 call log's 'TALK TIME' (0:04:12) beside its 'HANDLE TIME' was said to hold
    'not numbers of seconds or minutes: left out', though cx read 'HANDLE TIME', written
    the same way, through duration_format."""
    data = five9_log(
        tmp_path / "five9.csv",
        "CALL TYPE,TALK TIME,HANDLE TIME",
        lambda n: f"Inbound,0:04:{n % 60:02d},0:05:{n % 60:02d}",
    )
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0 and result.stdout == ""
    assert "TALK TIME" not in result.stderr
    mapping = load_mapping(tmp_path / "p" / "columns.yaml")
    assert (mapping.columns["handle_time"], mapping.duration_format) == ("HANDLE TIME", "hh:mm:ss")


def test_a_channel_of_dropped_rows_only_is_not_offered(tmp_path: Path) -> None:
    """A Five9 call log's channel column is its CALL TYPE: its outbound rows were
    dropped, yet 'outbound' and 'manual' were offered in follow.yaml as channels of
    no contacts, each with a made-up handle time and a check to look at."""
    proposal = propose(
        five9_log(
            tmp_path / "five9.csv",
            "CALL TYPE,CAMPAIGN",
            lambda n: "Inbound,Inbound Support"
            if n % 5
            else f"{('Outbound', 'Manual')[n % 2]},Outbound",
        )
    )
    assert proposal.drop == {"CAMPAIGN": ["Outbound"]}
    assert [(seen.name, seen.contacts) for seen in proposal.channels] == [("phone", 160)]
    assert not [check for check in proposal.checks if check.startswith("channel ")]


@pytest.mark.parametrize("scan", ["fast", "exact"])
def test_a_channel_of_rejected_rows_only_is_not_offered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan: str
) -> None:
    """A channel value with a control character rejects every row that holds it, yet
    it was offered in follow.yaml as a channel of 0 contacts, with a made-up handle
    time and a check to look at."""
    monkeypatch.setenv("CX_SCAN", scan)
    lines = ["customer_id,timestamp,channel"]
    lines += [
        f"c{n % 30},2024-03-{1 + n % 28:02d} 10:00:00,"
        + ("Bad\x01Value" if n % 150 == 7 else ("phone", "chat")[n % 2])
        for n in range(300)
    ]
    data, result = init_of(tmp_path / "export.csv", lines)
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    said = " ".join(result.stderr.split())
    note = (
        "channel value 'Bad\\x01Value': only rejected rows hold it (2 rows), so no "
        "channel is offered for it; `--rejects FILE` lists those rows"
    )
    assert said.count(note) == 1 and "bad-value" not in said
    for name in ("follow.yaml", "push.yaml"):
        assert "bad-value" not in (tmp_path / "p" / name).read_text(encoding="utf-8")
    assert sorted(api.load_strategy(tmp_path / "p" / "follow.yaml").channels) == ["chat", "phone"]
    assert cx("validate", tmp_path / "p").exit_code == 0
    simulated = cx(
        "simulate", tmp_path / "p" / "follow.yaml", "--data", data,
        "--columns", tmp_path / "p" / "columns.yaml", "--format", "json", "--no-cache",
    )  # fmt: skip
    assert simulated.exit_code == 0, simulated.stderr
    found = json.loads(simulated.stdout)["data"]
    assert (found["rows_read"], found["rows_rejected"]) == (300, 2)


def test_a_channel_value_too_long_for_a_name_is_no_channel(tmp_path: Path) -> None:
    """A channel value of 100,000 characters (a corrupted export) became a channel name
    of 100,000 characters: a YAML key too long to read back, so cx validate refused the
    follow.yaml cx init wrote, and cx simulate could not run it. Its rows are left out
    with a drop, and said; a value of 60 characters is still a channel."""
    corrupted, longest = "x" * 100_000, "k" * 60
    lines = ["customer_id,timestamp,channel"]
    lines += [
        f"c{n % 30},2024-03-{1 + n % 28:02d} 10:00:00,"
        + {5: corrupted, 6: longest, 7: longest}.get(n, ("phone", "chat")[n % 2])
        for n in range(300)
    ]
    data, result = init_of(tmp_path / "export.csv", lines)
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    said = " ".join(result.stderr.split())
    assert said.count(
        f"'channel': 1 row of '{shown(corrupted)}' left out (`drop:`): a channel value of "
        "more than 60 characters is no channel name (a corrupted export, or free text?); "
        "fix it in the export, or map it onto a channel under `channels:` in place of the drop"
    ) == 1
    assert load_mapping(tmp_path / "p" / "columns.yaml").drop == {"channel": [corrupted]}
    for name in ("follow.yaml", "push.yaml"):
        written = (tmp_path / "p" / name).read_text(encoding="utf-8")
        assert max(map(len, written.splitlines())) < 200
    follow = api.load_strategy(tmp_path / "p" / "follow.yaml")
    assert sorted(follow.channels) == ["chat", longest, "phone"]
    assert cx("validate", tmp_path / "p").exit_code == 0
    simulated = cx(
        "simulate", tmp_path / "p" / "follow.yaml", "--data", data,
        "--columns", tmp_path / "p" / "columns.yaml", "--format", "json", "--no-cache",
    )  # fmt: skip
    assert simulated.exit_code == 0, simulated.stderr
    found = json.loads(simulated.stdout)["data"]
    assert (found["rows_read"], found["rows_dropped"], found["rows_rejected"]) == (299, 1, 0)


def test_a_column_of_values_too_long_for_names_is_no_channel_column(tmp_path: Path) -> None:
    """Where every value of the channel column is too long for a channel name, nothing
    is left to offer: the column is refused, as a column of too many values is."""
    lines = ["customer_id,timestamp,channel"]
    lines += [f"c{n % 30},2024-03-{1 + n % 28:02d} 10:00:00,{'xy'[n % 2] * 61}" for n in range(60)]
    data, result = init_of(tmp_path / "export.csv", lines)
    assert one_error_line(result) == (
        f"error: {data}: column 'channel' holds no value of a channel name's length (each "
        "has more than 60 characters): not a channel column (hint: write the mapping by "
        "hand: see the README's mapping files section)"
    )
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("abandon", ["Abandon", "Abandoned", "Caller Abandoned", "ABANDONED"])
def test_an_abandon_disposition_is_the_abandoned_flag(tmp_path: Path, abandon: str) -> None:
    """A Five9 call log writes an abandoned call as its DISPOSITION 'Abandon', no yes/no
    column: init read the dispositions as the intent and mapped no abandoned flag, so
    a strategy with `patience: observed` was refused for data without abandonments."""
    dispositions = ("Resolved", "Resolved", "Escalated", "Callback Scheduled")
    data = five9_log(
        tmp_path / "five9.csv",
        "CALL TYPE,DISPOSITION,QUEUE WAIT TIME,HANDLE TIME",
        lambda n: f"Inbound,{abandon},0:01:{n % 60:02d},0:00:00"
        if n % 25 == 7
        else f"Inbound,{dispositions[n % 4]},0:00:{n % 40:02d},0:06:{n % 60:02d}",
    )
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0 and result.stdout == ""
    mapping = load_mapping(tmp_path / "p" / "columns.yaml")
    assert mapping.columns["abandoned"] == "DISPOSITION"
    assert "intent" not in mapping.columns  # an outcome, no reason for calling
    assert mapping.values["abandoned"].true == [abandon]
    assert mapping.values["abandoned"].false == ["Resolved", "Callback Scheduled", "Escalated"]
    simulated = cx(
        "simulate", tmp_path / "p" / "follow.yaml", "--data", data,
        "--columns", tmp_path / "p" / "columns.yaml", "--format", "json",
        "--set", "channels.phone.patience=observed", "--replay",
    )  # fmt: skip
    assert simulated.exit_code == 0, simulated.stderr
    assert json.loads(simulated.stdout)["channels"][0]["abandon_rate"] > 0


def test_the_follow_handle_time_is_the_served_calls_mean(tmp_path: Path) -> None:
    """An abandoned call's handle time of 0 (Five9's 0:00:00) was counted in the mean
    handle time written to follow.yaml, so the follow strategy staffed for shorter calls
    than cx observes: abandoned calls count for no served call."""
    lines = ["Customer ID,Start,Channel,Abandoned,Handle Time"]
    lines += [
        f"c{n % 40},2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00,Phone,"
        + ("Y,0" if n % 4 == 0 else "N,400")
        for n in range(200)
    ]
    data = written_lines(tmp_path / "d.csv", lines)
    api.init_project(data, tmp_path / "p")
    follow = api.load_strategy(tmp_path / "p" / "follow.yaml")
    assert follow.channels["phone"].handle_time == 400


@pytest.mark.parametrize("unserved", ["missed", "Unanswered", "No Answer"])
def test_a_missed_call_is_abandoned(tmp_path: Path, unserved: str) -> None:
    """A phone system's status of answered, abandoned and missed read a missed call as
    no abandonment (`# check: read as false: missed`), so its handle time of 0 counted
    as a served call's and follow.yaml staffed for calls shorter than they are."""
    statuses = ("answered", "answered", "abandoned", unserved)
    lines = ["customer_id,timestamp,channel,status,handle_time"]
    lines += [
        f"c{n % 40},2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00,Phone,{statuses[n % 4]},"
        + ("400" if n % 4 < 2 else "0")
        for n in range(200)
    ]
    data = written_lines(tmp_path / "d.csv", lines)
    proposal, _ = api.init_project(data, tmp_path / "p")
    assert sorted(proposal.values["abandoned"].true) == sorted(["abandoned", unserved])
    assert proposal.values["abandoned"].false == ["answered"]
    assert not proposal.checks
    follow = api.load_strategy(tmp_path / "p" / "follow.yaml")
    assert follow.channels["phone"].handle_time == 400


@pytest.mark.parametrize(
    ("dispositions", "true", "false"),
    [
        (("Abandon",), ["Abandon"], []),  # an export of abandoned calls only
        (("Answered", "Abandoned"), ["Abandoned"], ["Answered"]),
    ],
)
def test_a_yes_no_disposition_is_the_abandoned_flag(
    tmp_path: Path, dispositions: tuple[str, ...], true: list[str], false: list[str]
) -> None:
    """A DISPOSITION holding only abandon and answered codes was read as the intent (its
    name says one), before the abandoned flag was looked for, so no call counted as
    abandoned: the yes/no flags are picked first."""
    data = five9_log(
        tmp_path / "five9.csv",
        "CALL TYPE,DISPOSITION",
        lambda n: f"Inbound,{dispositions[n % len(dispositions)]}",
    )
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0 and result.stdout == ""
    mapping = load_mapping(tmp_path / "p" / "columns.yaml")
    assert mapping.columns["abandoned"] == "DISPOSITION"
    assert "intent" not in mapping.columns
    assert mapping.values["abandoned"].true == true
    assert mapping.values["abandoned"].false == false


def test_a_disposition_without_an_abandon_stays_the_intent(tmp_path: Path) -> None:
    proposal = propose(
        five9_log(
            tmp_path / "five9.csv",
            "CALL TYPE,DISPOSITION",
            lambda n: f"Inbound,{('Billing', 'Complaint', 'New Order')[n % 3]}",
        )
    )
    assert proposal.columns["intent"].sources == ["DISPOSITION"]
    assert "abandoned" not in proposal.columns


@pytest.mark.parametrize("name", ["Wrap-up", "Wrap Up Code", "WrapUp"])
def test_a_wrap_up_code_is_the_intent(tmp_path: Path, name: str) -> None:
    """Genesys Cloud's 'Wrap-up' (Card Services, Complaint) was read as nothing: only
    'Wrapup' written as one word named an intent. Its time is no intent."""
    lines = [f"ANI,Conversation Start,Media Type,{name},Wrap Up Time"]
    lines += [
        f"tel:+4477009{n % 70:05d},2024-03-{1 + n % 28:02d}T10:00:00.000Z,voice,"
        f"{('Card Services', 'Complaint', 'Payments')[n % 3]},0:01:{n % 60:02d}"
        for n in range(200)
    ]
    proposal = propose(written_lines(tmp_path / "genesys.csv", lines))
    assert proposal.columns["intent"].sources == [name]


@pytest.mark.parametrize("withheld", ["Anonymous", "tel:anonymous", "Restricted"])
def test_a_withheld_number_is_no_customer(tmp_path: Path, withheld: str) -> None:
    """A Five9 or Genesys Cloud log's withheld numbers ('Anonymous', 'tel:anonymous') were
    one customer who called again and again; 'anonymous.smith' is someone."""
    lines = ["ANI,Start,Channel"]
    lines += [
        f"{withheld if n % 10 == 0 else f'+4477009{n % 70:05d}'},"
        f"2024-03-{1 + n % 28:02d}T10:00:00,Phone"
        for n in range(200)
    ]
    lines.append("anonymous.smith@example.com,2024-03-02T10:00:00,Phone")
    data, result = init_of(tmp_path / "calls.csv", lines)
    assert result.exit_code == 0 and result.stdout == ""
    assert f"'ANI': 20 contacts of '{withheld}' read as unknown customers" in result.stderr
    assert load_mapping(tmp_path / "p" / "columns.yaml").anonymous_ids == [withheld]
    simulated = cx(
        "simulate", tmp_path / "p" / "follow.yaml", "--data", data,
        "--columns", tmp_path / "p" / "columns.yaml", "--format", "json",
    )  # fmt: skip
    assert json.loads(simulated.stdout)["data"]["customers"] == 64  # 63 numbers, Smith


@pytest.mark.parametrize("kind", ["Account Type", "Customer Segment", "Client Category"])
def test_a_kind_of_customer_is_no_customer_id(tmp_path: Path, kind: str) -> None:
    """A Salesforce case export's 'Account Type' (Personal, Business) became the
    customer id, without a check, over its 'Contact ID': every case one of a few
    customers."""
    lines = [f"Case Number,Contact ID,{kind},Date/Time Opened,Case Origin"]
    lines += [
        f"{n:08d},0035g000000{n % 70:04d},{('Personal', 'Business')[n % 2]},"
        f"{1 + n % 28:02d}/03/2024 10:00,{('Phone', 'Email', 'Web')[n % 3]}"
        for n in range(200)
    ]
    customer = propose(written_lines(tmp_path / "cases.csv", lines)).columns["customer_id"]
    assert customer.sources == ["Contact ID"]


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_a_header_repeated_by_joined_exports_is_said_and_no_channel(
    tmp_path: Path, bom: str
) -> None:
    """Two exports joined into one file: the second header became a channel
    'media-type' in follow.yaml, and its line was rejected as a timestamp that does
    not match the format. So it did still when each export began with a byte order
    mark, as Excel's CSV UTF-8 files do."""
    header = bom + "Customer,Start,Media Type"
    rows = [f"c{n % 30},2024-01-{1 + n % 28:02d} 10:00:00,Voice" for n in range(200)]
    data = tmp_path / "joined.csv"
    data.write_text("\n".join([header, *rows[:100], header, *rows[100:]]) + "\n", "utf-8")
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0 and result.stdout == ""
    assert "1 line repeats the header (exports joined into one file?)" in result.stderr
    follow = api.load_strategy(tmp_path / "p" / "follow.yaml")
    assert list(follow.channels) == ["phone"]
    simulated = cx(
        "simulate", tmp_path / "p" / "follow.yaml", "--data", data,
        "--columns", tmp_path / "p" / "columns.yaml", "--format", "json",
    )  # fmt: skip
    assert simulated.exit_code == 0 and json.loads(simulated.stdout)["data"]["rows_used"] == 200
    assert "first at line 102: the line repeats the header" in simulated.stderr


def test_gzip_export(tmp_path: Path) -> None:
    plain = crm_export(tmp_path / "crm.csv")
    packed = tmp_path / "crm.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert propose(packed).mapping() == propose(plain).mapping()


def test_written_mapping_loads_as_proposed(tmp_path: Path) -> None:
    proposal, paths = api.init_project(EXAMPLES / "zendesk-tickets.tsv", tmp_path)
    assert [p.name for p in paths] == ["columns.yaml", "follow.yaml", "push.yaml"]
    assert load_mapping(tmp_path / "columns.yaml") == proposal.mapping()


# --------------------------------------------------------------------------- round trip


#: The platform exports shipped in examples/, and the mapping shipped beside each.
PLATFORM_EXPORTS = {
    "amazon-connect": ("amazon-connect-ctr.csv", "amazon-connect.yaml"),
    "zendesk": ("zendesk-tickets.tsv", "zendesk.yaml"),
    "genesys-cloud": ("genesys-interactions.csv", "genesys-cloud.yaml"),
    "five9": ("five9-call-log.csv", "five9.yaml"),
    "salesforce": ("salesforce-cases.csv", "salesforce.yaml"),
}
#: The exports whose segment is where a call was routed: a skill, a queue.
ROUTED = {"five9", "genesys-cloud"}
#: Rows of a shape that any mapping rejects: a web-to-case that matched no contact.
REJECTED = {"salesforce": 1}


def _shapes(tmp_path: Path) -> dict[str, Path]:
    return {
        "interactions": EXAMPLES / "interactions.csv",
        **{shape: EXAMPLES / data for shape, (data, _) in PLATFORM_EXPORTS.items()},
        "contact-centre": contact_centre_log(tmp_path / "log.tsv"),
        "crm": crm_export(tmp_path / "crm.csv"),
    }


@pytest.mark.parametrize(
    "shape", ["interactions", *PLATFORM_EXPORTS, "contact-centre", "crm"]
)
def test_init_then_simulate_follow_equals_the_baseline(
    shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    data = _shapes(tmp_path)[shape]
    project = tmp_path / "project"
    init = cx("init", "--data", data, "-o", project)
    assert init.exit_code == 0, init.stderr
    assert init.stdout == ""
    assert "Columns of" in init.stderr and "wrote" in init.stderr
    simulated = cx(
        "simulate", project / "follow.yaml", "--data", data,
        "--columns", project / "columns.yaml", "--format", "json",
    )  # fmt: skip
    assert simulated.exit_code == 0, simulated.stderr
    result = json.loads(simulated.stdout)
    assert result["totals"]["cost_delta"] == 0
    assert result["data"]["rows_rejected"] == REJECTED.get(shape, 0)
    pushed = cx(
        "simulate", project / "push.yaml", "--data", data,
        "--columns", project / "columns.yaml", "--format", "json",
    )  # fmt: skip
    assert pushed.exit_code in (0, 1), pushed.stderr  # valid; its guard may fail
    assert json.loads(pushed.stdout)["strategy"]["kind"] == "push"
    validated = cx("validate", project / "follow.yaml", project / "push.yaml")
    assert validated.exit_code == 0, validated.stdout + validated.stderr


def _contacts_per_channel(data: Path, mapping: Path) -> dict[str, int]:
    inspected = cx("inspect", "--data", data, "--columns", mapping, "--format", "json")
    assert inspected.exit_code == 0, inspected.stderr
    return {c["channel"]: c["contacts"] for c in json.loads(inspected.stdout)["channels"]}


@pytest.mark.parametrize("shape", PLATFORM_EXPORTS)
def test_init_reads_a_platform_export_as_its_shipped_mapping(
    shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contacts per channel of init's proposal are the shipped mapping's; a channel
    init cannot know (Genesys Cloud's callback is phone work, its message social;
    Amazon Connect's TASK worked as email) is its own channel, with a check saying so."""
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    data_name, mapping_name = PLATFORM_EXPORTS[shape]
    data, mapping = EXAMPLES / data_name, EXAMPLES / "mappings" / mapping_name
    shipped = _contacts_per_channel(data, mapping)
    proposal, _ = api.init_project(data, tmp_path / "p")
    aliases = {
        value.lower(): channel
        for channel, values in load_mapping(mapping).channels.items()
        for value in values
    }
    as_shipped: dict[str, int] = {}
    for seen in proposal.channels:
        [channel] = {aliases.get(value.lower(), value.lower()) for value in seen.values}
        as_shipped[channel] = as_shipped.get(channel, 0) + seen.contacts
        assert channel == seen.name or seen.check, seen  # init says what it cannot know
    assert as_shipped == shipped
    proposed = {seen.name: seen.contacts for seen in proposal.channels}
    assert _contacts_per_channel(data, tmp_path / "p" / "columns.yaml") == {
        name: n for name, n in proposed.items() if n
    }
    assert _abandoned_flags(data, tmp_path / "p" / "columns.yaml") == _abandoned_flags(
        data, mapping
    )
    # The segment as shipped: a skill or queue (Five9, Genesys Cloud) with a check, since
    # some route by request rather than by customer.
    segment = proposal.columns.get("segment")
    assert segment is not None, "no segment proposed"
    assert segment.sources == [load_mapping(mapping).columns["segment"]]
    assert (segment.check is not None) == (shape in ROUTED)
    simulated = cx(
        "simulate", ROOT / "strategies" / "follow-everywhere.yaml", "--data", data,
        "--columns", mapping,
    )  # fmt: skip
    assert simulated.exit_code == 0, simulated.stderr
    assert simulated.stdout


def _abandoned_flags(data: Path, mapping: Path) -> list[bool | None] | None:
    """Each contact's abandoned flag as the mapping reads it; None if it maps none."""
    rows = api.load_interactions(data, mapping, keep_rows=True).contact_rows
    assert rows is not None
    if "abandoned" not in rows.columns:
        return None
    return rows.sort("__row").get_column("abandoned").to_list()


def test_platform_exports_are_reproducible(tmp_path: Path) -> None:
    script = EXAMPLES / "platform_exports.py"
    spec = importlib.util.spec_from_file_location("platform_exports", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, write in module.WRITERS.items():
        write(tmp_path / name)
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), (
            f"examples/{name} is stale: regenerate it with python examples/platform_exports.py"
        )


# --------------------------------------------------------------------------- CLI errors


def salesforce_report(path: Path, title: str) -> Path:
    """A Salesforce report export: a title, its filters and a blank line above the header."""
    lines = [title, '"Filtered By:"', '"  Case Origin equals Phone,Email,Web"', ""]
    lines.append('"Case Number","Contact ID","Date/Time Opened","Case Origin","Status"')
    lines += [
        f'"{1001 + n:08d}","003A{n % 9}","3/{14 + n % 9}/2024 9:{n % 60:02d} AM",'
        f'"{("Phone", "Email", "Web")[n % 3]}","Closed"'
        for n in range(40)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "title", ['"Open Cases by Origin"', "Open Cases, by Origin", "", "Open Cases by Origin,,,,"]
)
@pytest.mark.parametrize("command", ["init", "inspect"])
def test_lines_above_the_header_are_named(tmp_path: Path, title: str, command: str) -> None:
    """A report's title and filters above the header read as 'cannot detect the
    delimiter' (export with one of those delimiters), which the delimiter was not."""
    data = salesforce_report(tmp_path / "report.csv", title)
    extra = ["-o", tmp_path / "out"] if command == "init" else []
    result = cx(command, "--data", data, *extra)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {data}:1: line 1 is ")
    assert (
        "; the header seems to start on line 5 (Case Number, Contact ID, Date/Time Opened, "
        "Case Origin, Status) (hint: delete the 4 lines above the header, or export the "
        "report as details only, without its title and filters)"
    ) in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_file_of_one_column_is_no_report_below_a_title(tmp_path: Path) -> None:
    data = tmp_path / "notes.csv"
    data.write_text('notes\n"rang, then wrote"\nrang twice, wrote, called\nwrote, called\n')
    result = cx("init", "--data", data, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "cannot detect the delimiter" in result.stderr
    assert "header seems to start" not in result.stderr


def test_rows_wider_than_the_header_are_no_header_below(tmp_path: Path) -> None:
    data = tmp_path / "wide.csv"
    data.write_text("id,when\nc1,2024-01-01T10:00:00,phone\nc2,2024-01-01T11:00:00,chat\n")
    result = cx("inspect", "--data", data)
    assert result.exit_code == 2
    assert "required columns missing: customer_id, timestamp, channel" in result.stderr
    assert "header seems to start" not in result.stderr


def test_existing_files_are_refused_and_named(tmp_path: Path) -> None:
    (tmp_path / "follow.yaml").write_text("mine\n", encoding="utf-8")
    (tmp_path / "push.yaml").write_text("mine too\n", encoding="utf-8")
    result = cx("init", "--data", EXAMPLES / "interactions.csv", "-o", tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert str(tmp_path / "follow.yaml") in result.stderr
    assert str(tmp_path / "push.yaml") in result.stderr
    assert "--force" in result.stderr
    assert (tmp_path / "follow.yaml").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "columns.yaml").exists()


def test_force_replaces_existing_files(tmp_path: Path) -> None:
    (tmp_path / "follow.yaml").write_text("mine\n", encoding="utf-8")
    result = cx("init", "--data", EXAMPLES / "interactions.csv", "-o", tmp_path, "--force", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "kind: follow" in (tmp_path / "follow.yaml").read_text(encoding="utf-8")


def _fails_for_push_yaml(function: Callable[..., Any], error: int) -> Callable[..., Any]:
    """``function``, failing with the OS error ``error`` when called about push.yaml."""

    def failing(*args: Any, **kwargs: Any) -> Any:
        if any("push.yaml" in str(argument) for argument in [*args, *kwargs.values()]):
            raise OSError(error, os.strerror(error))
        return function(*args, **kwargs)

    return failing


@pytest.mark.parametrize(
    ("module", "step", "error"),
    [
        (tempfile, "mkstemp", errno.ENOSPC),  # writing it: a full disk
        (os, "replace", errno.EPERM),  # renaming it: an immutable file
    ],
    ids=["write", "rename"],
)
def test_force_replaces_all_three_files_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: Any, step: str, error: int
) -> None:
    mine = {name: f"mine: {name}\n" for name in FILES}
    for name, text in mine.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(module, step, _fails_for_push_yaml(getattr(module, step), error))
    result = cx("init", "--data", EXAMPLES / "interactions.csv", "-o", tmp_path, "--force")
    monkeypatch.undo()
    assert result.exit_code == 2
    assert f"{tmp_path / 'push.yaml'}: cannot write output: {os.strerror(error)}" in result.stderr
    # every file as it was, and no temporary file left
    assert {path.name: path.read_text(encoding="utf-8") for path in tmp_path.iterdir()} == mine


def _written(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _bytes(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.csv", "data file not found"),
        (lambda d: d, "data path is a directory"),
        (lambda d: _written(d / "empty.csv", ""), "data file is empty"),
        (lambda d: _written(d / "head.csv", "a,b\n"), "header but no rows"),
        (lambda d: _written(d / "bin.csv", "a,b\x00\n1,2\n"), "binary"),
        (lambda d: _bytes(d / "db.csv", b"SQLite format 3\x00\xff\xfe\n"), "binary, not CSV"),
    ],
)
def test_unreadable_export_exits_2(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    data = make(tmp_path)
    result = cx("init", "--data", data, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr and str(data) in result.stderr
    assert not (tmp_path / "out").exists()


def test_export_without_channels_says_so(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    rows = [f"c{n},2024-01-01T09:{n % 60:02d}:00,note number {n} here" for n in range(60)]
    data.write_text("who,when,what\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="no column holds channels") as caught:
        propose(data)
    assert caught.value.file == str(data)
    result = cx("init", "--data", data, "-o", tmp_path / "out")
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{data}: no column holds channels" in result.stderr


def test_output_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="not a directory"):
        api.init_project(EXAMPLES / "interactions.csv", target)


# --------------------------------------------------------------------------- hints


def test_missing_column_hint_ranks_by_content(tmp_path: Path) -> None:
    data = tmp_path / "export.csv"
    rows = [
        f"T{n},C{n % 7},agent{n % 3},2024-03-{1 + n % 28:02d} 09:{n % 60:02d}:00,phone"
        for n in range(40)
    ]
    data.write_text("Ticket,Client,Created by,Opened,Channel\n" + "\n".join(rows) + "\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns: {customer_id: Client, timestamp: created_at, channel: Channel}\n")
    with pytest.raises(DataError) as caught:
        api.load_interactions(data, columns=mapping)
    assert caught.value.hint == "did you mean 'Opened' (holds timestamps)?"
    result = cx("inspect", "--data", data, "--columns", mapping)
    assert result.exit_code == 2
    assert "did you mean 'Opened' (holds timestamps)?" in result.stderr


def test_column_kinds() -> None:
    frame = profile.head_frame(profile.text_layout(EXAMPLES / "interactions.csv"), rows=500)
    kinds = {p.name: p.kind for p in columns.profile_frame(frame)}
    assert kinds["customer_id"] == "id"
    assert kinds["timestamp"] == "timestamp"
    assert kinds["channel"] == "category"
    assert kinds["handle_time"] == "number"


# --------------------------------------------------------------------------- invariants

TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)


@given(TEXT)
def test_any_export_text_is_written_as_yaml_that_reads_back(text: str) -> None:
    located = parse_yaml(f"key: {quote(text)}\nlist: {flow([text, text])}\n", "f.yaml")
    assert located.data == {"key": text, "list": [text, text]}


@given(TEXT)
def test_any_channel_value_becomes_a_valid_channel_name_or_none(value: str) -> None:
    name = channel_for(value) or channel_name(value)
    assert name == "" or re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", name)


@given(st.sampled_from(columns.DATE_FORMATS))
def test_swapping_day_and_month_twice_is_the_format(fmt: str) -> None:
    assert columns.swap_day_month(columns.swap_day_month(fmt)) == fmt


def test_parquet_export_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "d.parquet"
    pl.DataFrame({"customer_id": ["a"], "channel": ["phone"]}).write_parquet(data)
    result = cx("init", "--data", data, "-o", tmp_path / "out")
    assert result.exit_code == 2 and result.stdout == ""
    assert "not Parquet" in result.stderr and str(data) in result.stderr


def test_odd_channel_values_stay_inside_their_yaml_lines(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    rows = [f'c{n % 9},2024-01-0{1 + n % 9}T09:00:00,"{v}"' for n, v in enumerate(
        ["Phone", "Fax\nline", "Ta\u2028sk #1", "電話"] * 10
    )]  # fmt: skip
    data.write_text("customer_id,timestamp,channel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    proposal, _ = api.init_project(data, tmp_path / "p")
    assert {c.name for c in proposal.channels} == {"phone", "fax-line", "ta-sk-1", "channel-4"}
    assert load_mapping(tmp_path / "p" / "columns.yaml") == proposal.mapping()
    simulated = cx(
        "simulate", tmp_path / "p" / "follow.yaml", "--data", data,
        "--columns", tmp_path / "p" / "columns.yaml", "--format", "json",
    )  # fmt: skip
    assert simulated.exit_code == 0, simulated.stderr
    assert json.loads(simulated.stdout)["totals"]["cost_delta"] == 0


CORPUS = sorted((ROOT / "tests" / "corpus" / "data").iterdir())


@pytest.mark.parametrize("data", CORPUS, ids=[p.name for p in CORPUS])
def test_messy_exports_give_files_or_an_input_error(data: Path, tmp_path: Path) -> None:
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code in (0, 2), result.stderr
    assert result.stdout == ""
    if result.exit_code == 2:
        assert result.stderr.startswith(f"error: {data}")
        assert not (tmp_path / "p").exists()
    else:
        assert load_mapping(tmp_path / "p" / "columns.yaml").columns


def test_more_rejects_than_simulate_accepts_are_said(tmp_path: Path) -> None:
    rows = [f"c{n % 9},2024-01-01T{n % 24:02d}:00:00,phone" for n in range(95)]
    rows += [f"c{n},yesterday,phone" for n in range(5)]
    data = tmp_path / "d.csv"
    data.write_text("customer_id,timestamp,channel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    proposal = propose(data)
    assert (proposal.rows, proposal.rows_rejected) == (100, 5)
    assert proposal.notes == [
        "5 of 100 rows are rejected, more than the 1% cx accepts by default: "
        "`--rejects FILE` lists them, `--max-reject-rate` accepts more"
    ]
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0 and result.stdout == ""
    assert "5 of 100 rows are rejected" in result.stderr
    assert "5 of 100 rows are rejected" in (tmp_path / "p" / "columns.yaml").read_text()


def test_a_count_of_one_is_said_in_the_singular(tmp_path: Path) -> None:
    """One bad value was "1 rows hold a value cx cannot read as one"."""
    lines = ["customer_id,timestamp,channel,handle_time"]
    lines += [f"c{n % 40},2024-01-01T{n % 24:02d}:00:00,phone,{60 + n}" for n in range(60)]
    lines += ["c1,2024-01-02T10:00:00,phone,n/a", "c2,yesterday,phone,60"]
    _, result = init_of(tmp_path / "d.csv", lines)
    assert result.exit_code == 0 and result.stdout == ""
    assert (
        "'handle_time' looks like handle_time but 1 row holds a value cx cannot read as "
        "one ('n/a', for an unknown?): left out"
    ) in result.stderr
    assert "1 of 62 rows is rejected, more than the 1%" in result.stderr
    alone = written_lines(tmp_path / "one.csv", ["customer_id,timestamp,channel",
                                                 "c1,2024-01-01T10:00:00,phone"])  # fmt: skip
    result = cx("init", "--data", alone, "-o", tmp_path / "q")
    assert result.exit_code == 0, result.stderr
    assert "1 row, 0 rejected" in result.stderr
    mapped = (tmp_path / "q" / "columns.yaml").read_text(encoding="utf-8")
    assert "# its first 1 row and checked on all 1.\n" in mapped


def test_a_file_with_two_byte_order_marks_is_onboarded(tmp_path: Path) -> None:
    """Its first rows were read with one BOM fewer than the file: Polars' internal
    'unable to find column "\\u{feff}customer_id"' reached the user."""
    data = tmp_path / "twice.csv"
    text = (EXAMPLES / "interactions.csv").read_text(encoding="utf-8").splitlines()[:300]
    data.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + "\n".join(text).encode("utf-8") + b"\n")
    result = CliRunner().invoke(app, ["init", "--data", str(data), "-o", str(tmp_path / "p")])
    assert result.exit_code == 0, result.stderr
    follow = tmp_path / "p" / "follow.yaml"
    mapping = str(tmp_path / "p" / "columns.yaml")
    ran = CliRunner().invoke(
        app, ["simulate", str(follow), "--data", str(data), "--columns", mapping, "-f", "json"]
    )
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["data"]["rows_used"] == 299


def test_a_channel_guessed_from_a_tiny_word_or_merged_is_marked(tmp_path: Path) -> None:
    """'0x10' became social through its 'x', and 'a # b' and 'a\\b' became one channel
    'a-b' with a check on one of them only: guesses the mapping did not mark."""
    data = tmp_path / "channels.csv"
    values = ["Phone", "X", "0x10", "a # b", "a\\b"]
    rows = [f"c{i},2024-01-{1 + i % 28:02d}T10:00:00,{values[i % 5]}" for i in range(100)]
    data.write_text("customer_id,when,ch\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["init", "--data", str(data), "-o", str(tmp_path / "p")])
    assert result.exit_code == 0, result.stderr
    mapping = (tmp_path / "p" / "columns.yaml").read_text(encoding="utf-8")
    social = next(line for line in mapping.splitlines() if line.startswith("  social:"))
    assert "# check: '0x10' read as social from a word of one or two letters" in social
    merged = next(line for line in mapping.splitlines() if line.startswith("  a-b:"))
    assert "'a # b' and 'a\\b' name no channel cx knows" in merged
    assert merged.endswith("and they are read as one channel")
    assert "'Phone'" not in mapping and "'X'" not in mapping  # named plainly: no guess


def test_timestamps_with_a_zone_name_are_said_as_such(tmp_path: Path) -> None:
    """'2024-03-01 10:05:00 CET' gave 'no column holds timestamps or dates cx can read',
    which sent the user looking for a missing column."""
    lines = ["Customer,Created,Channel"]
    lines += [f"C{n % 30},2024-03-{1 + n % 28:02d} 1{n % 10}:05:00 CET,phone" for n in range(100)]
    data, result = init_of(tmp_path / "cet.csv", lines)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(
        f"error: {data}: column 'Created' holds timestamps with a time-zone name ('CET'"
    )
    assert "with their UTC offset (+01:00)" in result.stderr


def test_timestamps_in_utc_by_name_are_read(tmp_path: Path) -> None:
    """'2024-03-01 10:05:00 UTC', as databases write a time in UTC, was refused as a zone
    name cx cannot apply, with the hint to export the times in UTC: they were."""
    lines = ["Customer,Created,Channel"]
    lines += [f"C{n % 30},2024-03-{1 + n % 28:02d} 1{n % 10}:05:00 UTC,phone" for n in range(100)]
    data, result = init_of(tmp_path / "utc.csv", lines)
    assert result.exit_code == 0 and result.stdout == ""
    mapping = (tmp_path / "p" / "columns.yaml").read_text(encoding="utf-8")
    assert 'timestamp_format: "%Y-%m-%d %H:%M:%S UTC"' in mapping
    cube = api.load_interactions(data, columns=tmp_path / "p" / "columns.yaml", cache=False)
    assert (cube.meta.rows_used, cube.meta.first_timestamp) == (100, "2024-03-01T10:05:00")
    day_first = written_lines(tmp_path / "day-first.csv", [
        line.replace("2024-03-", "").replace(" 1", "/03/2024 1", 1) for line in lines
    ])  # fmt: skip
    refused = cx("init", "--data", day_first, "-o", tmp_path / "q")
    assert refused.exit_code == 2 and refused.stdout == ""
    assert one_error_line(refused) == (
        f"error: {day_first}: column 'Created' holds timestamps in UTC written in no form cx "
        "init knows (e.g. '01/03/2024 10:05:00 UTC') (hint: write the mapping file by hand, "
        'with the zone as text in its timestamp_format (e.g. "%d/%m/%Y %H:%M:%S UTC"))'
    )


def test_the_empty_columns_excel_adds_at_a_sheets_end_are_no_names_twice(
    tmp_path: Path,
) -> None:
    """Excel saves a sheet whose cells were once formatted with empty columns at its end
    (`;;` on every line): cx init refused it as "column '' appears 2 times in the
    header", which `cx simulate` reads, as a mapping names no such column."""
    lines = ["Customer ID;Created At;Channel;Handle Time;;"]
    lines += [
        f"C{n % 30:03d};{1 + n % 28:02d}.03.2024 1{n % 10}:05;{('Phone', 'Chat')[n % 2]};"
        f"{300 + n};;"
        for n in range(60)
    ]
    data = tmp_path / "excel.csv"
    data.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    mapping = (tmp_path / "p" / "columns.yaml").read_text(encoding="utf-8")
    assert 'timestamp_format: "%d.%m.%Y %H:%M"' in mapping and 'delimiter: ";"' in mapping
    ran = cx(
        "simulate", tmp_path / "p" / "follow.yaml", "--data", data,
        "--columns", tmp_path / "p" / "columns.yaml", "-f", "json",
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["data"]["rows_used"] == 60


def test_a_header_of_only_empty_names_is_said_not_a_file_without_rows(tmp_path: Path) -> None:
    """Every name empty left no column to profile once the empty ones were passed over,
    and cx init said the file had no rows, below a header with rows under it."""
    data = written_lines(tmp_path / "d.csv", [",,,", "C1,2024-03-01T10:00:00,phone,5"])
    result = cx("init", "--data", data, "-o", tmp_path / "p")
    assert result.exit_code == 2 and result.stdout == ""
    assert one_error_line(result).startswith(
        f"error: {data}:1: the header names no column: its 4 fields are empty (hint: "
    )
    assert not (tmp_path / "p").exists()


def test_channel_names_yaml_reads_otherwise_are_written_quoted(tmp_path: Path) -> None:
    """A channel value '7' was written as `from: 7` in push.yaml, which YAML reads as a
    number, so the strategy cx init wrote was invalid; `no` would read as false."""
    values = ("7", "7", "No", "Phone")
    lines = ["customer_id,timestamp,channel"]
    lines += [f"C{n % 50},2024-03-{1 + n % 28:02d}T10:00:00,{values[n % 4]}" for n in range(200)]
    data, result = init_of(tmp_path / "d.csv", lines)
    assert result.exit_code == 0, result.stderr
    push = (tmp_path / "p" / "push.yaml").read_text(encoding="utf-8")
    assert '    from: "7"\n' in push and '#    from: "no"\n' in push
    checked = cx("validate", tmp_path / "p")
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    ran = cx(
        "simulate", tmp_path / "p" / "push.yaml", "--data", data,
        "--columns", tmp_path / "p" / "columns.yaml", "-f", "json",
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    assert {c["channel"] for c in json.loads(ran.stdout)["channels"]} >= {"7", "no", "phone"}


def test_a_channel_column_of_codes_is_the_channel_with_a_check(tmp_path: Path) -> None:
    """A column `channel` of codes 1, 2 and 3 was passed over as numbers, and cx init
    said no column holds channels, sending the user to write the mapping by hand."""
    lines = ["customer_id,timestamp,channel_id,channel_name,handle_time"]
    lines += [
        f"C{n % 50},2024-03-{1 + n % 28:02d}T10:00:00,{1 + n % 3},"
        f"{('Phone', 'Chat', 'Email')[n % 3]},{300 + n}"
        for n in range(150)
    ]
    named = written_lines(tmp_path / "named.csv", lines)
    assert propose(named).columns["channel"].sources == ["channel_name"]
    codes = written_lines(tmp_path / "codes.csv", [
        ",".join(line.split(",")[:3] + line.split(",")[4:]) for line in lines
    ])  # fmt: skip
    result = cx("init", "--data", codes, "-o", tmp_path / "p")
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    assert (
        "check: channel: codes, not channel names: write the channel each stands for in "
        'the strategies, and its code under channels: (phone: ["1"])'
    ) in result.stderr
    mapping = load_mapping(tmp_path / "p" / "columns.yaml")
    assert mapping.columns["channel"] == "channel_id"
    ran = cx(
        "simulate", tmp_path / "p" / "follow.yaml", "--data", codes,
        "--columns", tmp_path / "p" / "columns.yaml", "-f", "json",
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    assert sorted(c["channel"] for c in json.loads(ran.stdout)["channels"]) == ["1", "2", "3"]


@pytest.mark.parametrize("written", ["{m}", "{m}:{s:02d}"])
def test_placeholders_for_an_unknown_handle_time_are_named(
    tmp_path: Path, written: str
) -> None:
    """A handle time written 'N/A' or '-' where it is unknown was left out with "35 rows
    hold a value cx cannot read as one": which values, and what to do, were not said."""
    lines = ["customer_id,timestamp,channel,Handle Time"]
    lines += [
        f"c{n % 40},2024-01-{1 + n % 28:02d}T10:00:00,Phone,"
        + (("N/A", "-")[n % 2] if n % 5 == 0 else written.format(m=5 + n % 7, s=n % 60))
        for n in range(200)
    ]
    _, result = init_of(tmp_path / "d.csv", lines)
    assert result.exit_code == 0 and result.stdout == ""
    said = (
        "'Handle Time' looks like handle_time but 40 rows hold a value cx cannot read as one "
        "('-' or 'N/A', for an unknown?): left out; empty those cells in the export (an "
        "empty one is unknown) to read it"
    )
    assert said in result.stderr
    assert f"# {said}" in (tmp_path / "p" / "columns.yaml").read_text(encoding="utf-8")
    blanked = written_lines(tmp_path / "blank.csv", [
        line.replace(",N/A", ",").replace(",-", ",") for line in lines
    ])  # fmt: skip
    proposal = propose(blanked)
    assert proposal.columns["handle_time"].sources == ["Handle Time"]
    assert proposal.rows_rejected == 0


def test_a_long_value_in_init_s_notes_is_cut_short(tmp_path: Path) -> None:
    """A placeholder or an unknown channel value of 100,000 characters was quoted whole
    in the note on stderr and in columns.yaml: a line of a hundred kilobytes."""
    long = "y" * 100_000
    lines = ["customer_id,timestamp,channel,handle_time"]
    lines += [
        f"c{n % 20},2024-01-{1 + n % 28:02d}T10:00:00,"
        f"{('Phone', 'Zq' + long)[n % 2]},{long if n % 10 == 0 else 300 + n}"
        for n in range(100)
    ]
    _, result = init_of(tmp_path / "d.csv", lines)
    assert result.exit_code == 0, result.stderr
    cut = f"'{shown(long)}'"
    assert cut == f"'{'y' * 59}… (100,000 characters)'"
    assert f"cannot read as one ({cut}, for an unknown?)" in result.stderr
    assert f"50 rows of '{shown('Zq' + long)}' left out (`drop:`)" in result.stderr
    mapping = (tmp_path / "p" / "columns.yaml").read_text(encoding="utf-8")
    assert cut in mapping


def test_excel_serial_dates_are_named_as_such(tmp_path: Path) -> None:
    """A date column Excel saved as numbers (45304.5, noon of 13 January 2024) was
    refused as "no column holds timestamps or dates cx can read", which sent the user
    looking for a column that was there."""
    lines = ["customer_id,Created,channel,Handle Time"]
    lines += [
        f"c{n % 50},{45300 + n / 7:.6f},{('Phone', 'Chat')[n % 2]},{40000 + n}"
        for n in range(150)
    ]
    data, result = init_of(tmp_path / "serial.csv", lines)
    assert result.exit_code == 2 and result.stdout == ""
    assert one_error_line(result) == (
        f"error: {data}: column 'Created' holds Excel serial dates ('45300.000000', days "
        "since 1900), which cx does not read (hint: format the column as a date and time "
        "in Excel before saving (yyyy-mm-dd hh:mm:ss))"
    )
    assert not (tmp_path / "p").exists()
