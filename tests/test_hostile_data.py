"""Hostile data files and input paths, through the CLI a user runs.

* Timestamps that exist on no clock (second 60, 30 February, hour 24 or 25, minute 60,
  month 13) are rejected rows, with their line, on every timestamp path: ISO default,
  an explicit ``timestamp_format``, split date and time columns, gzip and Parquet, and
  the fast scan agrees with the exact one.
* Mixed UTC offsets are converted to UTC with one note; a timestamp without an offset
  among ones with an offset is a rejected row; midnight-only timestamps and a last
  period of a few days are noted.
* Devices, FIFOs, sockets and directories given as data, strategy, mapping or
  ``extends:`` target are refused by what they are, before they are opened.
* A cube file is checked like an export: columns, cube_format, counts and sums.
* Control characters in a channel or dimension value reject the row.
"""

from __future__ import annotations

import datetime as dt
import errno
import gzip
import json
import os
import socket
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import one_error_line
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cx import api
from cx.cli.app import app
from cx.data import notes
from cx.data.fine import ARRIVAL_SUMS, CUBE_FILE_FORMAT
from cx.errors import CxError, InputError, special_kind
from cx.loader import yamlsafe

CORPUS = Path(__file__).resolve().parent / "corpus"
STRATEGY = CORPUS / "strategies" / "base.yaml"
GOOD = CORPUS / "data" / "good.csv"
GOOD_ROWS = len(GOOD.read_text(encoding="utf-8").splitlines()) - 1
SCANS = ("fast", "exact")


def cx(*args: object, scan: str = "fast") -> Any:
    """Run cx; no traceback, whatever the outcome."""
    env = {"CX_SCAN": scan}
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def simulate_json(data: Path, *extra: object, scan: str = "fast") -> tuple[dict[str, Any], str]:
    result = cx("simulate", STRATEGY, "--data", data, "-f", "json", "--no-cache", *extra, scan=scan)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout), result.stderr


# --------------------------------------------------------------------------- timestamps

#: (timestamp, why it does not exist); every one on its own line after the good rows.
NON_EXISTENT = [
    ("2024-01-31T23:59:60", "leap second at the end of a month"),
    ("2024-01-15T10:00:60", "second 60 in mid-month"),
    ("2024-02-30T10:00:00", "30 February"),
    ("2023-02-29T10:00:00", "29 February of a common year"),
    ("2024-01-05T24:00:00", "hour 24"),
    ("2024-13-01T10:00:00", "month 13"),
    ("2024-01-05T25:00:00", "hour 25"),
    ("2024-01-05T10:60:00", "minute 60"),
]
GOOD_TIMES = [f"2024-01-{day:02d}T{hour:02d}:00:00" for day in range(1, 29) for hour in (9, 14)]
ALL_TIMES = GOOD_TIMES + [time for time, _ in NON_EXISTENT]
FIRST_BAD_LINE = len(GOOD_TIMES) + 2  # header, then 1-based


def _rows(times: list[str], render: Any) -> str:
    return "".join(render(index, time) for index, time in enumerate(times))


def _iso_file(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "iso.csv"
    path.write_text(
        "customer_id,timestamp,channel,handle_time\n"
        + _rows(ALL_TIMES, lambda i, t: f"c{i % 7},{t},phone,60\n")
    )
    return path, []


def _gzip_file(tmp: Path) -> tuple[Path, list[str]]:
    plain, _ = _iso_file(tmp)
    path = tmp / "iso.csv.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))
    return path, []


def _parquet_file(tmp: Path) -> tuple[Path, list[str]]:
    plain, _ = _iso_file(tmp)
    path = tmp / "iso.parquet"
    pl.read_csv(plain, infer_schema=False).write_parquet(path)
    return path, []


def _split_file(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "split.csv"
    path.write_text(
        "customer_id,date,time,channel\n"
        + _rows(ALL_TIMES, lambda i, t: f"c{i % 7},{t[:10]},{t[11:]},phone\n")
    )
    mapping = tmp / "split.yaml"
    mapping.write_text("columns:\n  timestamp: [date, time]\n")
    return path, ["--columns", str(mapping)]


def _format_file(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "european.csv"
    path.write_text(
        "customer_id,timestamp,channel\n"
        + _rows(ALL_TIMES, lambda i, t: f"c{i % 7},{t[8:10]}/{t[5:7]}/{t[:4]} {t[11:]},phone\n")
    )
    mapping = tmp / "european.yaml"
    mapping.write_text("timestamp_format: '%d/%m/%Y %H:%M:%S'\n")
    return path, ["--columns", str(mapping)]


def _offset_file(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "aware.csv"
    path.write_text(
        "customer_id,timestamp,channel\n" + _rows(ALL_TIMES, lambda i, t: f"c{i % 7},{t}Z,phone\n")
    )
    return path, []


TIMESTAMP_FILES = {
    "iso": _iso_file,
    "gzip": _gzip_file,
    "parquet": _parquet_file,
    "split-columns": _split_file,
    "timestamp_format": _format_file,
    "utc-offset": _offset_file,
}


@pytest.mark.parametrize("scan", SCANS)
@pytest.mark.parametrize("kind", sorted(TIMESTAMP_FILES))
def test_timestamps_that_do_not_exist_are_rejected_rows(
    tmp_path: Path, kind: str, scan: str
) -> None:
    data, extra = TIMESTAMP_FILES[kind](tmp_path)
    rejects = tmp_path / "rejects.csv"
    payload, stderr = simulate_json(
        data, *extra, "--max-reject-rate", "0.5", "--rejects", rejects, scan=scan
    )
    assert payload["data"]["rows_read"] == len(ALL_TIMES)
    assert payload["data"]["rows_rejected"] == len(NON_EXISTENT)
    # No period invented by a time rolled over into February.
    assert payload["data"]["periods"] == ["2024-01"]
    listed = pl.read_csv(rejects, infer_schema=False)
    assert listed["line"].to_list() == [str(FIRST_BAD_LINE + i) for i in range(len(NON_EXISTENT))]
    reasons = listed["reject_reason"].to_list()
    assert reasons[:2] == ["timestamp does not exist (second 60, a leap second)"] * 2
    assert all(reason.startswith("timestamp does not match format") for reason in reasons[2:])
    assert f"first at line {FIRST_BAD_LINE}: timestamp does not exist" in stderr


@pytest.mark.parametrize("scan", SCANS)
def test_a_leap_second_does_not_double_the_cost(tmp_path: Path, scan: str) -> None:
    """One contact at 23:59:60 on 31 January made February a period of its own."""
    rows = "".join(f"c{i},2024-01-{1 + i % 28:02d}T10:00:00,phone,60\n" for i in range(200))
    clean = tmp_path / "clean.csv"
    clean.write_text("customer_id,timestamp,channel,handle_time\n" + rows)
    leap = tmp_path / "leap.csv"
    leap.write_text(clean.read_text() + "c9,2024-01-31T23:59:60,phone,60\n")
    before, _ = simulate_json(clean, scan=scan)
    after, _ = simulate_json(leap, scan=scan)
    assert after["data"]["rows_rejected"] == 1
    assert after["totals"] == before["totals"]
    assert after["data"]["periods"] == ["2024-01"]


@pytest.mark.parametrize(
    "legitimate",
    [
        "2060-01-05T10:00:00",  # a 60 that is the year
        "2024-01-05T10:01:00.600",  # a 60 in the fraction
        "2024-06-01T10:00:00",
        "2024-01-05T10:59:59",
    ],
)
def test_a_sixty_that_is_no_second_is_no_leap_second(tmp_path: Path, legitimate: str) -> None:
    fmt = "%Y-%m-%dT%H:%M:%S%.f" if "." in legitimate else "%Y-%m-%dT%H:%M:%S"
    frame = pl.DataFrame({"t": [legitimate]}).with_columns(
        parsed=pl.col("t").str.strptime(pl.Datetime("us"), fmt)
    )
    from cx.data.rules import _leap_second

    assert frame.select(_leap_second(pl.col("t"), pl.col("parsed"), fmt)).item() is False


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.datetimes(min_value=dt.datetime(1981, 1, 1), max_value=dt.datetime(2098, 12, 31)),
    st.sampled_from(["%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y%m%d%H%M%S"]),
)
def test_only_second_sixty_is_a_leap_second(moment: Any, fmt: str) -> None:
    """Invariant: a real time is never taken for a leap second; its second-60 twin
    (the same minute, second 60) always is."""
    from cx.data.rules import _leap_second
    from cx.data.rules import parse_timestamp as _parse_timestamp

    real = moment.replace(microsecond=0).strftime(fmt.replace("%.f", ""))
    twin = moment.replace(microsecond=0).strftime(fmt.replace("%S", "60"))
    frame = pl.DataFrame({"t": [real, twin]})
    parsed = _parse_timestamp(pl.col("t"), fmt)
    leap = frame.select(_leap_second(pl.col("t"), parsed, fmt))["t"].to_list()
    assert leap == [False, True]


#: Lines whose every field is empty once trimmed, as the rules read fields: no rows, as
#: an empty line is none (not rows rejected for an empty customer_id).
BLANK_LINES = ["\n", "   \n", "\t\n", " \t \r\n", ",,,,,\n", " , ,\t,,, \n", "\u3000,\n"]
#: Lines that look blank as well: a zero-width space or a byte order mark shows nothing.
INVISIBLE_LINES = ["\ufeff\n", "\u200b\n", "\u200b,,,\n", " \u200b ,\ufeff\u200b,\t\n"]


@pytest.mark.parametrize("scan", SCANS)
def test_a_line_of_whitespace_is_a_blank_line_not_a_rejected_row(
    tmp_path: Path, scan: str
) -> None:
    lines = GOOD.read_text(encoding="utf-8").splitlines(keepends=True)
    data = tmp_path / "blanks.csv"
    data.write_text("".join(lines[:5] + BLANK_LINES + lines[5:]), encoding="utf-8")
    payload, stderr = simulate_json(data, scan=scan)
    assert payload["data"]["rows_read"] == GOOD_ROWS
    assert payload["data"]["rows_rejected"] == 0
    assert "rejected" not in stderr


@pytest.mark.parametrize("scan", SCANS)
def test_a_line_of_invisible_characters_is_a_blank_line_not_a_footer(
    tmp_path: Path, scan: str
) -> None:
    """A line of zero-width spaces or byte order marks (with delimiters and whitespace)
    looks blank in any editor: it is a blank line, not a footer filling its first field,
    repeated or not, and a last line of them is no row cut short. A value holding one is
    no blank: `phone\u200b` is still a channel with a control character, rejected."""
    lines = GOOD.read_text(encoding="utf-8").splitlines(keepends=True)
    data = tmp_path / "invisible.csv"
    twice = INVISIBLE_LINES + INVISIBLE_LINES
    data.write_text("".join(lines[:5] + twice + lines[5:] + ["\u200b"]), encoding="utf-8")
    payload, stderr = simulate_json(data, scan=scan)
    assert payload["data"]["rows_read"] == GOOD_ROWS
    assert payload["data"]["rows_rejected"] == 0
    assert "rejected" not in stderr and "repeat an earlier row" not in stderr
    assert "no line end" not in stderr
    lines[9] = lines[9].replace("phone", "phone\u200b")
    data.write_text("".join(lines[:5] + twice + lines[5:]), encoding="utf-8")
    payload, stderr = simulate_json(data, "--max-reject-rate", "0.05", scan=scan)
    assert payload["data"]["rows_rejected"] == 1
    assert "first at line 18: channel holds a control character" in stderr


@pytest.mark.parametrize("scan", SCANS)
def test_repeated_lines_of_whitespace_are_no_duplicate_rows(
    tmp_path: Path, scan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blank lines are no rows, so the same line of spaces twice is no row repeated:
    the note would say they are counted as contacts, which they are not."""
    lines = GOOD.read_text(encoding="utf-8").splitlines(keepends=True)
    data = tmp_path / "blanks.csv"
    twice = BLANK_LINES + BLANK_LINES
    data.write_text("".join(lines[:5] + twice + lines[5:] + twice), encoding="utf-8")
    payload, stderr = simulate_json(data, scan=scan)
    assert payload["data"]["rows_read"] == GOOD_ROWS
    assert "repeat an earlier row" not in stderr
    monkeypatch.setenv("CX_SCAN", scan)
    kept = api.load_interactions(data, keep_rows=True)  # the read that keeps the rows
    assert kept.meta.duplicate_rows == 0
    # A row that is no blank line, written twice, is still one row repeated.
    data.write_text("".join(lines + twice + lines[1:2]), encoding="utf-8")
    assert api.load_interactions(data, keep_rows=True).meta.duplicate_rows == 1
    assert "1 row repeats an earlier row" in simulate_json(data, scan=scan)[1]


def test_mixed_utc_offsets_are_converted_to_utc_with_one_note(tmp_path: Path) -> None:
    data = tmp_path / "mixed.csv"
    # The same instant, 10:00 UTC, written three ways, 60 times over.
    spellings = ["2024-01-05T11:00:00+01:00", "2024-01-05T10:00:00Z", "2024-01-05T05:00:00-05:00"]
    data.write_text(
        "customer_id,timestamp,channel\n"
        + "".join(f"c{i},{spellings[i % 3]},phone\n" for i in range(60))
    )
    payload, stderr = simulate_json(data)
    assert payload["data"]["rows_rejected"] == 0
    notes = [line for line in stderr.splitlines() if "UTC offsets" in line]
    assert notes == [
        f"{data}: timestamps carry 3 different UTC offsets (+01:00, -05:00, Z): all are "
        "converted to UTC, so hours of day are UTC hours"
    ]
    cube = api.load_interactions(data)
    assert cube.meta.first_timestamp == cube.meta.last_timestamp == "2024-01-05T10:00:00"


def test_one_offset_written_two_ways_is_one_offset(tmp_path: Path) -> None:
    data = tmp_path / "spellings.csv"
    spellings = ["+0100", "+01:00", "z", "Z", "-00:00"]
    data.write_text(
        "customer_id,timestamp,channel\n"
        + "".join(f"c{i},2024-01-05T10:{i:02d}:00{spellings[i % 5]},phone\n" for i in range(50))
    )
    _, stderr = simulate_json(data)
    assert f"{data}: timestamps carry 2 different UTC offsets (+01:00, Z)" in stderr


@pytest.mark.parametrize(
    ("offsets", "carry", "dates_only"),
    [
        (["+01:00"], "the UTC offset +01:00", True),
        (["+01:00", "+02:00", "-05:00"], "3 different UTC offsets (+01:00, +02:00, -05:00)", True),
        (["+01:00", "Z"], "2 different UTC offsets (+01:00, Z)", True),
        (["+01:00"], "the UTC offset +01:00", False),  # one contact at 00:30: a time of day
    ],
)
def test_dates_at_midnight_in_their_offset_are_said_to_be_dates(
    tmp_path: Path, offsets: list[str], carry: str, dates_only: bool
) -> None:
    """Dates written at midnight with their offset (an export's `2024-01-05T00:00:00+01:00`)
    were said only to be converted to UTC: at 23:00 the day before, they were staffed as
    times of day with no word that they are dates."""
    data = tmp_path / "dates.csv"
    data.write_text(
        "customer_id,timestamp,channel\n"
        + "".join(
            f"c{i},2024-01-{1 + i % 28:02d}T00:{0 if dates_only or i else 30:02d}:00"
            f"{offsets[i % len(offsets)]},phone\n"
            for i in range(60)
        )
    )
    payload, stderr = simulate_json(data)
    assert payload["data"]["rows_rejected"] == 0
    notes = [line for line in stderr.splitlines() if "UTC offset" in line]
    said = (
        ", every one at midnight (00:00:00) as written: dates without a time of day, which "
        "the conversion to UTC turns into times of day that cx staffs as such; write the "
        "dates without their offset to have them read as dates only"
        if dates_only
        else ": all are converted to UTC, so hours of day are UTC hours"
    )
    assert notes == [f"{data}: timestamps carry {carry}{said}"]


@pytest.mark.parametrize("scan", SCANS)
def test_a_date_without_its_time_is_an_incomplete_timestamp(tmp_path: Path, scan: str) -> None:
    """With the date and the time in two columns, an empty time read 'timestamp is
    empty' beside a date that was there."""
    data = tmp_path / "split.csv"
    rows = [f"c{i % 7},{t[:10]},{t[11:] if i else ''},phone\n" for i, t in enumerate(GOOD_TIMES)]
    data.write_text("customer_id,date,time,channel\n" + "".join(rows))
    mapping = tmp_path / "split.yaml"
    mapping.write_text("columns:\n  timestamp: [date, time]\n")
    result = cx("simulate", STRATEGY, "--data", data, "--columns", mapping,
                "--max-reject-rate", "0.5", "--format", "json", scan=scan)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (
        "first at line 2: timestamp is incomplete: one of its columns ('date', 'time') is empty"
    ) in result.stderr


def test_an_offset_of_a_rejected_row_is_not_said_converted(tmp_path: Path) -> None:
    """`+25:00` is no offset: its row is rejected, and the note named it as converted."""
    data = tmp_path / "offsets.csv"
    offsets = ["+01:00", "-05:00"] * 50 + ["+25:00"]
    data.write_text(
        "customer_id,timestamp,channel\n"
        + "".join(f"c{i},2024-01-05T10:{i % 60:02d}:00{o},phone\n" for i, o in enumerate(offsets))
    )
    payload, stderr = simulate_json(data)
    assert payload["data"]["rows_rejected"] == 1
    assert f"{data}: timestamps carry 2 different UTC offsets (+01:00, -05:00)" in stderr
    assert "+25:00" not in stderr.split("rows rejected")[0]


def test_utc_only_timestamps_say_nothing_about_offsets(tmp_path: Path) -> None:
    data = tmp_path / "utc.csv"
    data.write_text(
        "customer_id,timestamp,channel\n"
        + "".join(f"c{i},2024-01-05T10:{i:02d}:00Z,phone\n" for i in range(50))
    )
    _, stderr = simulate_json(data)
    assert "offset" not in stderr


@pytest.mark.parametrize("scan", SCANS)
def test_a_timestamp_without_offset_among_offsets_is_rejected(tmp_path: Path, scan: str) -> None:
    """Which zone a naive time is in cannot be known: it is not guessed."""
    data = tmp_path / "naive.csv"
    data.write_text(
        "customer_id,timestamp,channel\n"
        + "".join(f"c{i},2024-01-05T10:{i:02d}:00+01:00,phone\n" for i in range(50))
        + "c99,2024-01-05T10:30:00,phone\n"
    )
    payload, stderr = simulate_json(data, "--max-reject-rate", "0.05", scan=scan)
    assert payload["data"]["rows_rejected"] == 1
    assert "first at line 52: timestamp does not match format" in stderr


def test_midnight_only_timestamps_are_noted_once(tmp_path: Path) -> None:
    data = tmp_path / "dates.csv"
    data.write_text(
        "customer_id,timestamp,channel\n"
        + "".join(f"c{i},2024-01-{1 + i % 28:02d}T00:00:00,phone\n" for i in range(60))
    )
    _, stderr = simulate_json(data)
    assert stderr.count("every timestamp is at midnight") == 1
    assert stderr.startswith(f"{data}: every timestamp is at midnight")


def test_dates_without_time_are_refused_or_noted(tmp_path: Path) -> None:
    data = tmp_path / "dates.csv"
    data.write_text(
        "customer_id,timestamp,channel\n"
        + "".join(f"c{i},2024-01-{1 + i % 28:02d},phone\n" for i in range(60))
    )
    refused = cx("simulate", STRATEGY, "--data", data, "--no-cache")
    assert refused.exit_code == 2
    assert f"{data}:2: timestamp '2024-01-01' is a date without a time of day" in refused.stderr
    assert """set `timestamp_format: "%Y-%m-%d"` in a mapping file""" in refused.stderr
    mapping = tmp_path / "dates.yaml"
    mapping.write_text("timestamp_format: '%Y-%m-%d'\n")
    _, stderr = simulate_json(data, "--columns", mapping)
    assert stderr.count("every timestamp is at midnight") == 1


def test_timestamps_in_another_form_point_at_cx_init(tmp_path: Path) -> None:
    data = tmp_path / "day first.csv"
    data.write_text("customer_id,timestamp,channel\nc1,13/01/2024 10:00,phone\n")
    refused = cx("simulate", STRATEGY, "--data", data, "--no-cache")
    assert refused.exit_code == 2
    assert f"{data}:2: timestamp '13/01/2024 10:00' is not ISO 8601" in refused.stderr
    assert f"`cx init --data '{data}'` finds the format" in refused.stderr
    assert refused.stdout == ""


ARABIC_INDIC_DATE = "\u0662\u0660\u0662\u0664-\u0660\u0661-\u0660\u0661"  # 2024-01-01
FULL_WIDTH_DATE = "\uff12\uff10\uff12\uff14-\uff10\uff11-\uff10\uff11"


@pytest.mark.parametrize(
    "written", [ARABIC_INDIC_DATE, FULL_WIDTH_DATE, f"{ARABIC_INDIC_DATE}T10:00:00"]
)
def test_timestamps_in_other_digits_are_not_iso_8601(tmp_path: Path, written: str) -> None:
    """Arabic-Indic and full-width digits are digits to Python's \\d, not to strptime: a
    date in them was said to be a date and sent to %Y-%m-%d, which reads none of it, and
    a timestamp in them set a format that rejected every row."""
    data = tmp_path / "digits.csv"
    data.write_text(f"customer_id,timestamp,channel\nc1,{written},phone\n", encoding="utf-8")
    refused = cx("simulate", STRATEGY, "--data", data, "--no-cache")
    assert refused.exit_code == 2 and refused.stdout == ""
    assert one_error_line(refused).startswith(
        f"error: {data}:2: timestamp '{written}' is not ISO 8601 (hint: `cx init"
    )


def test_a_parquet_text_timestamp_in_another_form_is_not_sent_to_cx_init(
    tmp_path: Path,
) -> None:
    data = tmp_path / "rows.parquet"
    pl.DataFrame(
        {"customer_id": ["c1"], "timestamp": ["13/01/2024 10:00"], "channel": ["phone"]}
    ).write_parquet(data)
    refused = cx("simulate", STRATEGY, "--data", data, "--no-cache")
    assert refused.exit_code == 2
    assert "is not ISO 8601" in refused.stderr
    assert "cx init" not in refused.stderr  # cx init reads CSV text only


def test_a_last_period_of_a_few_days_is_noted(tmp_path: Path) -> None:
    data = tmp_path / "partial.csv"
    rows = [f"c{i},2024-01-{1 + i % 31:02d}T10:00:00,phone\n" for i in range(62)]
    rows += [f"c{i},2024-02-{1 + i % 28:02d}T10:00:00,phone\n" for i in range(56)]
    rows += ["c1,2024-03-01T10:00:00,phone\n", "c2,2024-03-02T09:00:00,phone\n"]
    rows += ["c3,2024-03-03T09:00:00,phone\n"]
    data.write_text("customer_id,timestamp,channel\n" + "".join(rows))
    payload, stderr = simulate_json(data)
    assert payload["data"]["periods"] == ["2024-01", "2024-02", "2024-03"]
    assert f"{data}: the data covers only 3 of the 31 days of its last period (2024-03)" in stderr
    assert "first period" not in stderr


def test_full_periods_are_not_noted_as_partial(tmp_path: Path) -> None:
    _, stderr = simulate_json(GOOD)
    assert "covers only" not in stderr


@pytest.mark.parametrize(
    ("ending", "noted"),
    [
        ("C2,2024-01-02T11:00:00,phone,reta", True),  # cut in the middle of a field
        ("C2,2024-01-02T11:00:00,phone,retail,4", False),  # all fields: nothing to tell
        ("C2,2024-01-02T11:00:00,phone\n", False),  # a line end: fields left out on purpose
        ('C2,2024-01-02T11:00:00,phone,"ret', False),  # inside a quoted field
        ("C2,2024-01-02T11:00:00,phone,retail,4\n,", False),  # a line of delimiters
    ],
)
def test_a_last_line_cut_short_is_noted(tmp_path: Path, ending: str, noted: bool) -> None:
    """A copy interrupted mid-line left `...,phone,reta`: a segment 'reta' and an empty
    handle time, read as any row."""
    data = tmp_path / "cut.csv"
    data.write_text(
        "customer_id,timestamp,channel,segment,handle_time\n"
        "C1,2024-01-02T10:00:00,phone,retail,300\n" + ending,
        encoding="utf-8",
    )
    result = cx("inspect", "--data", data, "--format", "json", "--no-cache")
    said = f"{data}: its last line has 4 of the header's 5 fields and no line end"
    assert (said in result.stderr) is noted, result.stderr


def test_an_export_that_leaves_out_trailing_empty_fields_is_not_cut_short(
    tmp_path: Path,
) -> None:
    """Every row leaves out its empty last field, the last one too: no cut."""
    data = tmp_path / "trimmed.csv"
    data.write_text(
        "customer_id,timestamp,channel,segment,handle_time\n"
        "C1,2024-01-02T10:00:00,phone,retail\nC2,2024-01-02T11:00:00,phone,retail",
        encoding="utf-8",
    )
    result = cx("inspect", "--data", data, "--format", "json", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert "cut short" not in result.stderr


def test_a_stray_date_far_from_the_rest_is_noted(tmp_path: Path) -> None:
    """One placeholder date (2000-01-01) among 2024's contacts stretched the data over
    24 years of empty months, each charged its fixed costs: a cost 1,300 times today's,
    and not a word on stderr."""
    data = tmp_path / "stray.csv"
    rows = [f"c{i},2024-01-{1 + i % 31:02d}T10:00:00,phone\n" for i in range(62)]
    rows += ["c1,2000-01-01T00:00:00,phone\n"]
    data.write_text("customer_id,timestamp,channel\n" + "".join(rows))
    payload, stderr = simulate_json(data)
    assert len(payload["data"]["periods"]) == 289
    assert f"{data}: 287 of the data's 289 months have no contacts (2000-02 … 2023-12)" in (
        stderr
    )
    _, stderr = simulate_json(data, "--period", "quarter")
    assert "95 of the data's 97 quarters have no contacts (2000-Q2 … 2023-Q4)" in stderr


def test_one_empty_week_is_said_in_the_singular(tmp_path: Path) -> None:
    data = tmp_path / "closed.csv"
    days = [d for d in range(1, 29) if not 8 <= d <= 14]  # closed the second week
    rows = [f"c{i},2024-01-{days[i % len(days)]:02d}T10:00:00,phone\n" for i in range(84)]
    data.write_text("customer_id,timestamp,channel\n" + "".join(rows))
    _, stderr = simulate_json(data, "--period", "week")
    assert "1 of the data's 4 weeks has no contacts (2024-W02), and fixed costs" in stderr


def test_the_data_notes_are_the_same_from_the_cache(tmp_path: Path) -> None:
    """A stray date and a last line cut short are said on a cached run as on the first."""
    data = tmp_path / "both.csv"
    rows = [f"c{i},2024-01-{1 + i % 31:02d}T10:00:00,phone,retail\n" for i in range(62)]
    data.write_text(
        "customer_id,timestamp,channel,segment\nc0,2000-01-01T00:00:00,phone,retail\n"
        + "".join(rows) + "c9,2024-01-05T10:00:00,phone",
        encoding="utf-8",
    )
    first = cx("simulate", STRATEGY, "--data", data, "--format", "json")
    again = cx("simulate", STRATEGY, "--data", data, "--format", "json")
    assert first.exit_code == again.exit_code == 0, first.stderr
    assert "months have no contacts" in first.stderr and "no line end" in first.stderr
    assert (again.stdout, again.stderr) == (first.stdout, first.stderr)


def test_periods_with_contacts_are_not_noted_as_empty() -> None:
    _, stderr = simulate_json(GOOD, "--period", "week")
    assert "no contacts (" not in stderr


# --------------------------------------------------------------------------- input paths


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)  # nobody writes to it: opening it would block the test
    return path


@pytest.fixture
def unix_socket(tmp_path: Path) -> Any:
    path = Path("/tmp") / f"cx-test-{os.getpid()}.sock"  # short: socket paths are limited
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    yield path
    server.close()
    path.unlink()


SPECIALS = {
    "/dev/zero": "a character device",
    "/dev/null": "a character device",
    "fifo": "a named pipe",
    "socket": "a socket",
}


def _special(name: str, fifo: Path, unix_socket: Path) -> Path:
    return {"fifo": fifo, "socket": unix_socket}.get(name, Path(name))


@pytest.mark.parametrize("name", sorted(SPECIALS))
@pytest.mark.parametrize("command", ["simulate", "inspect", "cube"])
def test_a_special_file_as_data_is_refused_by_what_it_is(
    tmp_path: Path, fifo: Path, unix_socket: Path, name: str, command: str
) -> None:
    data = _special(name, fifo, unix_socket)
    out = tmp_path / "cube.parquet"
    args = {
        "simulate": ["simulate", STRATEGY, "--data", data],
        "inspect": ["inspect", "--data", data],
        "cube": ["cube", "--data", data, "-o", out],
    }[command]
    result = cx(*args)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {data}: not a regular file ({SPECIALS[name]}) "
        "(hint: save the data to a file and pass its path with --data)\n"
    )
    assert result.stdout == ""
    assert not out.exists()


def test_dev_stdin_as_data_is_refused_not_read(tmp_path: Path) -> None:
    kind = special_kind("/dev/stdin")
    if kind is None:
        pytest.skip("stdin is a regular file here")
    result = cx("simulate", STRATEGY, "--data", "/dev/stdin")
    assert result.exit_code == 2
    assert "/dev/stdin: not a regular file" in result.stderr


@pytest.mark.parametrize("name", sorted(SPECIALS))
def test_a_special_file_as_strategy_or_mapping_is_refused(
    fifo: Path, unix_socket: Path, name: str
) -> None:
    path = _special(name, fifo, unix_socket)
    as_strategy = cx("simulate", path, "--data", GOOD)
    assert as_strategy.exit_code == 2
    assert f"error: {path}: strategy file is not a regular file ({SPECIALS[name]})" in (
        as_strategy.stderr
    )
    as_mapping = cx("simulate", STRATEGY, "--data", GOOD, "--columns", path)
    assert as_mapping.exit_code == 2
    assert f"error: {path}: mapping file is not a regular file ({SPECIALS[name]})" in (
        as_mapping.stderr
    )
    validated = cx("validate", path)
    assert validated.exit_code == 1
    assert f"{path}: strategy file is not a regular file ({SPECIALS[name]})" in validated.stdout


def test_an_extends_target_that_is_a_fifo_is_a_finding(tmp_path: Path, fifo: Path) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {fifo.name}\nname: child\n")
    validated = cx("validate", child)
    assert validated.exit_code == 1
    assert f"{child}:1:1: extends: extends file 'pipe' is not a regular file (a named pipe)" in (
        validated.stdout
    )
    run = cx("simulate", child, "--data", GOOD)
    assert run.exit_code == 2
    assert "is not a regular file (a named pipe)" in run.stderr


LONG_NAME = "a" * 300 + ".yaml"  # longer than a file name may be (255 bytes)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ('"bad\\0name.yaml"', "extends path contains a NUL character"),
        (LONG_NAME, f"extends file '{LONG_NAME}' cannot be used: File name too long"),
    ],
)
def test_an_extends_path_the_system_refuses_is_a_finding(
    tmp_path: Path, target: str, message: str
) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(f"version: 1\nname: child\nkind: follow\nextends: {target}\n")
    validated = cx("validate", child)
    assert validated.exit_code == 1, validated.stderr
    assert f"{child}:4:1: extends: {message}" in validated.stdout
    run = cx("simulate", child, "--data", GOOD)
    assert run.exit_code == 2
    assert run.stderr.startswith(f"error: {child}:4:1: extends: {message}")


def test_a_directory_as_strategy_or_data_is_refused(tmp_path: Path) -> None:
    as_data = cx("simulate", STRATEGY, "--data", tmp_path)
    assert as_data.exit_code == 2
    assert f"error: {tmp_path}: data path is a directory, not a file" in as_data.stderr
    as_mapping = cx("simulate", STRATEGY, "--data", GOOD, "--columns", tmp_path)
    assert as_mapping.exit_code == 2
    assert "mapping file is a directory" in as_mapping.stderr


@pytest.mark.parametrize("command", ["simulate", "inspect"])
@pytest.mark.parametrize("where", ["middle", "checksum"])
def test_a_damaged_gzip_file_is_said_to_be_damaged(
    tmp_path: Path, command: str, where: str
) -> None:
    """Damage in the middle of the stream decompressed into a garbage line, which
    `inspect` reported as 'line 1477 has 12 fields': the file's fault, the wrong one."""
    text = ("customer_id,timestamp,channel\n" + "".join(
        f"c{i},2024-01-{1 + i % 28:02d}T{i % 24:02d}:00:00,phone\n" for i in range(20_000)
    )).encode("utf-8")  # fmt: skip
    damaged = bytearray(gzip.compress(text, mtime=0))
    damaged[len(damaged) // 2 if where == "middle" else -6] ^= 0xFF
    data = tmp_path / "export.csv.gz"
    data.write_bytes(bytes(damaged))
    args = [STRATEGY] if command == "simulate" else []
    result = cx(command, *args, "--data", data, "--no-cache")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {data}: cannot read data file: "), result.stderr


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
@pytest.mark.parametrize("encoding", ["utf8", "lossy"])
def test_a_utf16_export_is_named_as_such(tmp_path: Path, codec: str, encoding: str) -> None:
    """It was 'not UTF-8 text (byte 0xff)', or with --encoding lossy 'binary'."""
    data = tmp_path / "excel.csv"
    text = GOOD.read_text(encoding="utf-8")
    data.write_bytes(("\ufeff" if codec == "utf-16-be" else "").encode(codec) + text.encode(codec))
    result = cx("simulate", STRATEGY, "--data", data, "--encoding", encoding)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {data}: data file is UTF-16 text, not UTF-8 (hint: ")


@pytest.mark.parametrize("encoding", ["utf8", "lossy"])
def test_a_workbook_is_named_as_such(tmp_path: Path, encoding: str) -> None:
    """An .xlsx was 'not UTF-8 text (byte 0x..)' with the hint to pass --encoding lossy,
    which then said 'binary'."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for row in pl.read_csv(GOOD, infer_schema_length=0).rows():
        book.active.append(row)
    data = tmp_path / "export.xlsx"
    book.save(data)
    result = cx("simulate", STRATEGY, "--data", data, "--encoding", encoding)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(
        f"error: {data}: data file is a ZIP archive (an .xlsx workbook is one), not CSV text "
        "(hint: save the sheet as CSV"
    ), result.stderr


@pytest.mark.parametrize("role", ["data", "strategy"])
def test_a_loop_of_symlinks_is_said_to_be_one(tmp_path: Path, role: str) -> None:
    """A loop was 'not found', as if the path were a typo."""
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.symlink_to(second)
    second.symlink_to(first)
    dangling = tmp_path / "gone.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    for path, why in ((first, "it is a symlink in a loop"), (dangling, "a file that does not")):
        args = ["--data", path] if role == "data" else [path, "--data", GOOD]
        result = cx("simulate", *([STRATEGY] if role == "data" else []), *args)
        assert result.exit_code == 2
        assert result.stderr.startswith(f"error: {path}: {role} file not found (hint: it is a")
        assert why in result.stderr


def test_files_reached_through_symlinks_are_read(tmp_path: Path) -> None:
    data, strategy = tmp_path / "data.csv", tmp_path / "strategy.yaml"
    data.symlink_to(GOOD)
    strategy.symlink_to(STRATEGY)
    result = cx("simulate", strategy, "--data", data, "-f", "json", "--no-cache")
    assert result.exit_code in (0, 1), result.stderr
    assert json.loads(result.stdout)["data"]["rows_read"] == 240


def test_yaml_is_read_no_further_than_the_limit(tmp_path: Path) -> None:
    """Bounded by construction: a file that grows after its size was looked at (or
    claims a small size) is read to the limit + 1 bytes and refused."""
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (yamlsafe.MAX_FILE_BYTES * 2))
    assert len(yamlsafe.read_bounded(big, yamlsafe.MAX_FILE_BYTES)) == yamlsafe.MAX_FILE_BYTES + 1
    assert len(yamlsafe.read_bounded("/dev/zero", 10)) == 11


def test_yaml_growing_after_its_stat_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "grows.yaml"
    path.write_bytes(b"#" * (yamlsafe.MAX_FILE_BYTES + 10))
    real_stat = Path.stat

    class Small:
        st_size = 10
        st_mode = real_stat(path).st_mode

    def stat(self: Path, **options: Any) -> Any:
        return Small() if self == path else real_stat(self, **options)

    monkeypatch.setattr(Path, "stat", stat)
    with pytest.raises(InputError, match="larger than 2 MiB"):
        yamlsafe.read_text(path, "strategy file")


def test_a_read_error_on_yaml_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("version: 1\n")

    def failing(*_: object) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(yamlsafe, "read_bounded", failing)
    with pytest.raises(InputError, match="cannot read strategy file: Input/output error"):
        yamlsafe.read_text(path, "strategy file")


# --------------------------------------------------------------------------- cube files


@pytest.fixture(scope="module")
def cube_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cube") / "cube.parquet"
    result = cx("cube", "--data", GOOD, "-o", path)
    assert result.exit_code == 0, result.stderr
    return path


def _demand(name: str, value: Any) -> pl.Expr:
    return _in("demand", name, value)


def _in(table: str, name: str, value: Any) -> pl.Expr:
    """Column ``name`` with ``value`` in the rows of ``table``."""
    return pl.when(pl.col("table") == table).then(value).otherwise(pl.col(name)).alias(name)


def _twice(table: str) -> Any:
    """The rows of ``table`` written twice, as the SQL of `cx cube --sql` run twice into
    one table writes them."""
    return lambda f: pl.concat([f, f.filter(pl.col("table") == table)])


def _times(table: str, factor: int, *names: str) -> Any:
    return lambda f: f.with_columns(_in(table, name, pl.col(name) * factor) for name in names)


BROKEN_CUBES = {
    "negative-count": (
        lambda f: f.with_columns(_demand("contacts", -pl.col("contacts"))),
        "cube file row 1: contacts is -",
    ),
    "fractional-count": (
        lambda f: f.with_columns(pl.col("contacts").cast(pl.Float64) * 1.5),
        "cube file row 1: contacts is 1.5, not a count (a whole number ≥ 0)",
    ),
    "nan-handle-sum": (
        lambda f: f.with_columns(_demand("handle_sum", pl.lit(float("nan")))),
        "cube file row 1: handle_sum is nan, not a finite number ≥ 0",
    ),
    "infinite-wait-sum": (
        lambda f: f.with_columns(pl.lit(float("inf")).alias("wait_sum")),
        "wait_sum is inf, not a finite number ≥ 0",
    ),
    "huge-count": (
        lambda f: f.with_columns(pl.lit(1e300).alias("contacts")),
        "cube file row 1: contacts is 1e+300, not a count (a whole number ≥ 0)",
    ),
    "missing-cube-format": (
        lambda f: f.drop("cube_format"),
        "cube file lacks column: cube_format",
    ),
    "null-cube-format": (
        lambda f: f.with_columns(pl.lit(None, pl.Int64).alias("cube_format")),
        f"cube file has no cube_format; this cx reads cube_format {CUBE_FILE_FORMAT}",
    ),
    "unknown-cube-format": (
        lambda f: f.with_columns(pl.lit(99).alias("cube_format")),
        f"cube file has cube_format 99; this cx reads cube_format {CUBE_FILE_FORMAT}",
    ),
    "missing-channel": (lambda f: f.drop("channel"), "cube file lacks column: channel"),
    "text-count": (
        lambda f: f.with_columns(pl.lit("many").alias("contacts")),
        "cannot read cube file",
    ),
    "text-day": (
        lambda f: f.with_columns(pl.lit("yesterday").alias("day")),
        "cannot read cube file",
    ),
    "null-day": (
        lambda f: f.with_columns(_demand("day", pl.lit(None, pl.Date))),
        "cube file is inconsistent: demand rows without day",
    ),
    "null-interval": (
        lambda f: f.with_columns(
            pl.when(pl.col("table") == "arrivals")
            .then(None)
            .otherwise(pl.col("interval_start"))
            .alias("interval_start")
        ),
        "cube file is inconsistent: arrivals rows without interval_start",
    ),
    "empty-channel": (
        lambda f: f.with_columns(_demand("channel", pl.lit(""))),
        "cube file is inconsistent: demand rows without channel",
    ),
    "first-after-last": (
        lambda f: f.with_columns(
            pl.col("first_timestamp").alias("last_timestamp"),
            pl.col("last_timestamp").alias("first_timestamp"),
        ),
        "are out of order or before 1980 or after 2099",
    ),
    "day-outside-the-span": (
        lambda f: f.with_columns(_demand("day", pl.date(1800, 1, 1))),
        "cube file is inconsistent: day outside its first to last timestamp",
    ),
    "two-stats-rows": (
        lambda f: pl.concat([f, f.filter(pl.col("table") == "stats")]),
        "cube file is inconsistent: not exactly one stats row",
    ),
    "more-rejected-than-read": (
        lambda f: f.with_columns(pl.col("rows_rejected") + 10**6),
        "cube file is inconsistent: more rows rejected than read",
    ),
    "unknown-table": (
        lambda f: pl.concat([f, f.head(1).with_columns(table=pl.lit("bogus"))]),
        "cube file has rows of no table cx knows: 'bogus'",
    ),
    "null-table": (
        lambda f: pl.concat([f, f.head(1).with_columns(table=pl.lit(None, pl.String))]),
        "cube file has rows of no table cx knows: null",
    ),
    "arrivals-off-the-grid": (
        lambda f: f.with_columns(pl.col("interval_start") + pl.duration(minutes=7)),
        "off the 15-minute intervals they are counted in",
    ),
    "demand-written-twice": (
        _twice("demand"),
        "cube file is inconsistent: rows 1 and 486 are both demand of day 2024-01-01, "
        "channel 'chat', segment 'business', stage 'all', intent 'card'",
    ),
    "arrivals-written-twice": (_twice("arrivals"), "are both arrivals of interval_start 2024-"),
    "preferred-written-twice": (_twice("preferred"), "are both preferred of channel '"),
    "demand-contacts-zeroed": (
        lambda f: f.with_columns(_demand("contacts", 0)),
        "cube file row 1 is inconsistent: handle_n is 1, more than its contacts (0)",
    ),
    "demand-emptied": (
        lambda f: f.with_columns(_demand("contacts", 0), _demand("handle_n", 0)),
        "cube file is inconsistent: demand and arrivals count 0 and ",
    ),
    "demand-doubled": (
        _times("demand", 2, "contacts", "handle_n", "handle_sum"),
        "cube file is inconsistent: demand and arrivals count ",
    ),
    "arrivals-doubled": (
        _times("arrivals", 2, *ARRIVAL_SUMS),
        "cube file is inconsistent: demand and arrivals count ",
    ),
    "handle-n-above-contacts": (
        lambda f: f.with_columns(_demand("handle_n", pl.col("contacts") + 1)),
        "cube file row 1 is inconsistent: handle_n is 2, more than its contacts (1)",
    ),
    "served-and-abandoned": (
        lambda f: f.with_columns(
            _in("arrivals", name, pl.col("contacts")) for name in ("abandoned", "abandoned_n")
        ),
        "cube file row 241 is inconsistent: handle_n + abandoned is 2, more than its "
        "contacts (1)",
    ),
    "wait-n-above-contacts": (
        lambda f: f.with_columns(_in("arrivals", "wait_n", pl.col("contacts") + 1)),
        "cube file row 241 is inconsistent: wait_n is 2, more than its contacts (1)",
    ),
    "fewer-rows-read-than-contacts": (
        lambda f: f.with_columns(pl.col("rows_read") // 2),
        f"its tables count {GOOD_ROWS} contacts, its stats row {GOOD_ROWS // 2} "
        f"(rows_read {GOOD_ROWS // 2} less rows_rejected 0)",
    ),
    "more-rows-read-than-contacts": (
        lambda f: f.with_columns(pl.col("rows_read") + 1),
        f"its tables count {GOOD_ROWS} contacts, its stats row {GOOD_ROWS + 1}",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CUBES))
def test_a_broken_cube_file_is_a_data_error(tmp_path: Path, cube_file: Path, case: str) -> None:
    change, message = BROKEN_CUBES[case]
    broken = tmp_path / f"{case}.parquet"
    change(pl.read_parquet(cube_file)).write_parquet(broken)
    _assert_refused(broken, message)


def _assert_refused(broken: Path, message: str, *extra: str) -> None:
    result = cx("simulate", STRATEGY, "--data", broken, "-f", "json", *extra)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {broken}: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.fixture(scope="module")
def outcomes_cube_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cube") / "outcomes.parquet"
    result = cx("cube", "--data", GOOD, "--outcomes", "-o", path)
    assert result.exit_code == 0, result.stderr
    return path


BROKEN_OUTCOME_CUBES = {
    "steps-written-twice": (
        _twice("steps"),
        "cube file is inconsistent: rows 486 and 731 are both steps of day 2024-01-01, "
        "channel 'chat', segment 'business', stage 'all', intent 'card', step 'first'",
    ),
    "outcomes-written-twice": (
        _twice("outcomes"),
        "cube file is inconsistent: rows 726 and 731 are both outcomes of channel 'chat'",
    ),
    "identified-ends-above-identified": (
        lambda f: f.with_columns(_in("outcomes", "identified_ends", pl.col("identified") + 1)),
        "cube file row 726 is inconsistent: identified_ends is 61, more than its identified (60)",
    ),
    "steps-doubled": (
        _times("steps", 2, "contacts"),
        "cube file is inconsistent: steps and outcomes count 120 and 60 contacts of channel "
        "'chat'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_OUTCOME_CUBES))
def test_a_broken_outcome_table_is_a_data_error(
    tmp_path: Path, outcomes_cube_file: Path, case: str
) -> None:
    change, message = BROKEN_OUTCOME_CUBES[case]
    broken = tmp_path / f"{case}.parquet"
    change(pl.read_parquet(outcomes_cube_file)).write_parquet(broken)
    _assert_refused(broken, message, "--outcomes")


def test_a_good_outcomes_cube_file_is_read(outcomes_cube_file: Path) -> None:
    payload, _ = simulate_json(outcomes_cube_file, "--outcomes")
    assert payload["totals"]["journeys"] > 0


def test_a_mapping_given_with_a_cube_file_is_said_to_be_unused(
    tmp_path: Path, cube_file: Path
) -> None:
    mapping = tmp_path / "columns.yaml"
    mapping.write_text("columns: {channel: Channel}\n", encoding="utf-8")
    plain, quiet = simulate_json(cube_file)
    mapped, said = simulate_json(cube_file, "--columns", mapping)
    assert mapped["totals"] == plain["totals"]
    assert "the mapping (--columns) is not used" not in quiet
    assert said.count(f"{cube_file}: a cube file is read as it was built") == 1


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_a_cube_file_of_an_export_with_rejected_rows_says_so(tmp_path: Path, engine: str) -> None:
    if engine == "duckdb":
        pytest.importorskip("duckdb")
    lines = GOOD.read_text().splitlines()
    fields = lines[1].split(",")
    fields[1] = "not a time"
    lines.append(",".join(fields))
    export = tmp_path / "one-bad.csv"
    export.write_text("\n".join(lines) + "\n")
    built = tmp_path / "cube.parquet"
    engines = [] if engine == "polars" else ["--engine", engine]
    made = cx("cube", "--data", export, "-o", built, "--max-reject-rate", "0.05", *engines)
    assert made.exit_code == 0, made.stderr
    rejects = tmp_path / "r.csv"
    payload, stderr = simulate_json(built, "--max-reject-rate", "0.05", "--rejects", rejects)
    total = len(lines) - 1
    assert payload["data"]["rows_rejected"] == 1
    assert f"1 of {total:,} rows rejected ({1 / total:.2%}) when the cube file was built" in stderr
    assert "a cube file holds no rejected rows: --rejects writes nothing" in stderr
    assert not rejects.exists()


def test_a_good_cube_file_reads_as_its_export(cube_file: Path) -> None:
    from_cube, _ = simulate_json(cube_file)
    from_rows, _ = simulate_json(GOOD)
    from_cube["data"].pop("file")
    from_rows["data"].pop("file")
    assert from_cube["totals"] == from_rows["totals"]


# --------------------------------------------------------------------------- hostile rows


@pytest.mark.parametrize("scan", SCANS)
def test_control_characters_in_key_values_reject_the_row(tmp_path: Path, scan: str) -> None:
    lines = GOOD.read_text().splitlines()
    lines[5] = lines[5].replace("retail", "ret\x00ail")
    lines[9] = lines[9].replace("phone", "ph\x01one")
    lines[13] = lines[13].replace("phone", "phone\u200b")  # looks like phone
    lines[17] = lines[17].replace("balance", "bal\u202eecna")  # reorders what follows
    lines[21] = lines[21].replace("balance", "بالانس\u200cها")  # a joiner in Persian: fine
    data = tmp_path / "nul.csv"
    data.write_text("\n".join(lines) + "\n")
    payload, stderr = simulate_json(data, "--max-reject-rate", "0.05", scan=scan)
    assert payload["data"]["rows_rejected"] == 4
    assert payload["data"]["channels_observed"] == ["chat", "email", "phone", "web"]
    assert "first at line 6: segment holds a control character" in stderr


@pytest.mark.parametrize("scan", SCANS)
def test_a_c1_control_in_a_key_value_rejects_the_row(tmp_path: Path, scan: str) -> None:
    # U+0085 and U+009F: text decoded with the wrong encoding, not a segment or channel.
    lines = GOOD.read_text().splitlines()
    lines[5] = lines[5].replace("retail", "ret\x85ail")
    lines[9] = lines[9].replace("phone", "phone\x9f")
    data = tmp_path / "c1.csv"
    data.write_text("\n".join(lines) + "\n")
    payload, stderr = simulate_json(data, "--max-reject-rate", "0.05", scan=scan)
    assert payload["data"]["rows_rejected"] == 2
    assert "first at line 6: segment holds a control character" in stderr


@pytest.mark.parametrize("scan", SCANS)
def test_non_finite_and_absurd_numbers_are_rejected_rows(tmp_path: Path, scan: str) -> None:
    hostile = ["1e300", "NaN", "inf", "-inf", "+inf", "nan", "86401", "0x10", "1_000", "²", "-1"]
    lines = GOOD.read_text().splitlines()
    for index, value in enumerate(hostile, start=1):
        fields = lines[index].split(",")
        fields[-1] = value
        lines[index] = ",".join(fields)
    fields = lines[20].split(",")
    fields[-1] = "-0"  # negative zero is zero: a valid handle time
    lines[20] = ",".join(fields)
    data = tmp_path / "numbers.csv"
    data.write_text("\n".join(lines) + "\n")
    payload, _ = simulate_json(data, "--max-reject-rate", "0.1", scan=scan)
    assert payload["data"]["rows_rejected"] == len(hostile)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "data file is empty"),
        (b"\xef\xbb\xbf", "data file has no header row"),
        (b"customer_id,timestamp,channel\n", "data file has a header but no rows"),
        (b"customer_id,timestamp,channel\r\n\r\n", "data file has a header but no rows"),
        (b"customer_id\x00timestamp\x00channel\n", "data file is binary, not CSV text"),
        # not UTF-8 either: said as binary, not 'pass --encoding lossy'
        (b"SQLite format 3\x00\x10\x00\x01\x01\x00@  \xff\xfe\n", "data file is binary"),
        (b"\x7fELF\x02\x01\x01\x00\x00\xe8\xff\n", "data file is binary, not CSV text"),
    ],
)
def test_files_without_rows_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    data = tmp_path / "data.csv"
    data.write_bytes(content)
    result = cx("simulate", STRATEGY, "--data", data)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith(f"error: {data}")


@pytest.mark.parametrize(
    ("customer", "said"), [("Contact ID", True), ("Account ID", False)]
)
def test_a_header_below_a_report_title_is_named(tmp_path: Path, customer: str, said: bool) -> None:
    """With a mapping, a report's title line was the header: 'column ... is not in the
    file; columns found: Open Cases by Origin'. The header below is named when it holds
    the mapped columns."""
    data = tmp_path / "report.csv"
    data.write_text(
        '"Open Cases by Origin"\n"Filtered By:"\n\n'
        "Case Number,Contact ID,Opened,Case Origin\n"
        + "".join(f"{n},C{n % 5},2024-03-{1 + n % 20:02d}T10:00:00,phone\n" for n in range(30))
    )
    mapping = tmp_path / "columns.yaml"
    mapping.write_text(
        f'delimiter: ","\ncolumns:\n  customer_id: {customer}\n  timestamp: Opened\n'
        "  channel: Case Origin\n"
    )
    result = cx("simulate", STRATEGY, "--data", data, "--columns", mapping)
    assert result.exit_code == 2 and result.stdout == ""
    if said:
        assert result.stderr.startswith(
            f'error: {data}:1: line 1 is no header row: "Open Cases by Origin"; the header '
            "seems to start on line 4 (Case Number, Contact ID, Opened, Case Origin)"
        )
        assert "delete the 3 lines above the header" in result.stderr
    else:
        assert "column 'Account ID' (for customer_id) is not in the file" in result.stderr


@pytest.mark.parametrize("codes", [("Y", "N"), ("1", "0"), ("yes", "no"), ("TRUE", "false")])
def test_usual_boolean_codes_are_read(tmp_path: Path, codes: tuple[str, str]) -> None:
    data = tmp_path / "codes.csv"
    data.write_text(
        "customer_id,timestamp,channel,abandoned\n"
        + "".join(f"c{i},2024-01-05T10:{i:02d}:00,phone,{codes[i % 2]}\n" for i in range(40))
    )
    payload, _ = simulate_json(data)
    assert payload["data"]["rows_rejected"] == 0


@pytest.mark.parametrize("scan", SCANS)
def test_other_codes_need_a_mapping(tmp_path: Path, scan: str) -> None:
    data = tmp_path / "codes.csv"
    data.write_text(
        "customer_id,timestamp,channel,abandoned\n"
        + "".join(
            f"c{i},2024-01-05T10:{i:02d}:00,phone,{'HANG' if i else 'N'}\n" for i in range(40)
        )
    )
    refused = cx("simulate", STRATEGY, "--data", data, "--no-cache", scan=scan)
    assert refused.exit_code == 2
    assert "39 of 40 rows rejected" in refused.stderr
    assert "abandoned is not a boolean" in refused.stderr
    mapping = tmp_path / "codes.yaml"
    mapping.write_text("values:\n  abandoned: {true: [HANG], false: [N]}\n")
    payload, _ = simulate_json(data, "--columns", mapping, scan=scan)
    assert payload["data"]["rows_rejected"] == 0


@pytest.mark.parametrize("scan", SCANS)
def test_satisfaction_must_be_a_finite_score(tmp_path: Path, scan: str) -> None:
    scores = ["1e300", "-1e10", "NaN", "inf", "-inf", "3", "-0", "4.5", "-100", "1e9"]
    data = tmp_path / "scores.csv"
    data.write_text(
        "customer_id,timestamp,channel,satisfaction\n"
        + "".join(f"c{i},2024-01-05T10:{i:02d}:00,phone,{s}\n" for i, s in enumerate(scores))
        + "".join(f"d{i},2024-01-06T10:{i:02d}:00,phone,4\n" for i in range(50))
    )
    rejects = tmp_path / "rejects.csv"
    payload, _ = simulate_json(data, "--max-reject-rate", "0.1", "--rejects", rejects, scan=scan)
    assert payload["data"]["rows_rejected"] == 5
    assert pl.read_csv(rejects, infer_schema=False)["line"].to_list() == ["2", "3", "4", "5", "6"]


def test_a_fifo_among_the_parquet_files_of_a_directory_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "spark"
    directory.mkdir()
    pl.read_csv(GOOD, infer_schema=False).write_parquet(directory / "part-0.parquet")
    os.mkfifo(directory / "part-1.parquet")
    result = cx("simulate", STRATEGY, "--data", directory)
    assert result.exit_code == 2
    assert f"error: {directory / 'part-1.parquet'}: not a regular file (a named pipe)" in (
        result.stderr
    )


def test_a_parquet_column_of_structs_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "nested.parquet"
    rows = pl.read_csv(GOOD, infer_schema=False)
    rows.with_columns(pl.struct("channel").alias("channel")).write_parquet(data)
    result = cx("simulate", STRATEGY, "--data", data)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {data}: column 'channel' (for channel) holds struct values, not single values"
    )


def test_a_damaged_parquet_file_is_bad_input_wherever_the_damage_is(tmp_path: Path) -> None:
    """Bytes flipped in a Parquet file: the read fails as the file's fault (exit 2,
    naming it), never as cx's (exit 3), whether Polars raises or its Rust panics."""
    whole = tmp_path / "whole.parquet"
    rows = pl.read_csv(GOOD, infer_schema=False)
    pl.concat([rows] * 40).write_parquet(whole, compression="zstd")
    content = whole.read_bytes()
    failed = 0
    for tenth in range(1, 10):
        damaged = bytearray(content)
        start = len(content) * tenth // 10
        damaged[start : start + 8] = bytes(b ^ 0x5A for b in damaged[start : start + 8])
        data = tmp_path / f"damaged-{tenth}.parquet"
        data.write_bytes(bytes(damaged))
        result = cx("simulate", STRATEGY, "--data", data, "--no-cache")
        assert result.exit_code in (0, 1, 2), (tenth, result.stderr)
        assert "internal error" not in result.stderr, (tenth, result.stderr)
        failed += result.exit_code == 2
    assert failed  # some damage is found, not read as data


def test_a_panic_of_the_reader_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def panics(*args: object, **kwargs: object) -> None:
        raise pl.exceptions.PanicException("assertion `left == right` failed")

    monkeypatch.setattr(pl, "collect_all", panics)
    monkeypatch.setattr(pl.LazyFrame, "collect", panics)
    result = cx("simulate", STRATEGY, "--data", GOOD, "--no-cache")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {GOOD}: ")
    assert "the reader failed on its content (is the file damaged?)" in result.stderr
    assert "left == right" not in result.stderr and result.stdout == ""


def test_a_parquet_time_zone_is_converted_to_utc_with_a_note(tmp_path: Path) -> None:
    data = tmp_path / "zoned.parquet"
    pl.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(40)],
            "timestamp": [dt.datetime(2024, 1, 5, 10, i) for i in range(40)],
            "channel": ["phone"] * 40,
        }
    ).with_columns(pl.col("timestamp").dt.replace_time_zone("Europe/Paris")).write_parquet(data)
    payload, stderr = simulate_json(data)
    assert payload["data"]["rows_rejected"] == 0
    assert stderr == (
        f"{data}: timestamps are in the time zone Europe/Paris: all are converted to UTC, "
        "so hours of day are UTC hours\n"
    )
    cube = api.load_interactions(data)
    assert cube.meta.first_timestamp == "2024-01-05T09:00:00"  # 10:00 in Paris in winter


@pytest.mark.parametrize("minute", [0, 30])
def test_parquet_dates_at_midnight_in_their_zone_are_said_to_be_dates(
    tmp_path: Path, minute: int
) -> None:
    """Dates at midnight in a Parquet column's time zone (00:00 in Paris, 23:00 UTC the
    day before) were said only to be converted to UTC, where a CSV's dates at midnight
    with their offset are said to be dates."""
    data = tmp_path / "zoned-dates.parquet"
    pl.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(40)],
            "timestamp": [
                dt.datetime(2024, 1, 1 + i % 28, 0, minute if i == 7 else 0) for i in range(40)
            ],
            "channel": ["phone"] * 40,
        }
    ).with_columns(pl.col("timestamp").dt.replace_time_zone("Europe/Paris")).write_parquet(data)
    said = "timestamps are in the time zone Europe/Paris" + (
        ", every one at midnight (00:00:00) as written: dates without a time of day, which "
        "the conversion to UTC turns into times of day that cx staffs as such; write the "
        "dates without their offset to have them read as dates only"
        if minute == 0
        else ": all are converted to UTC, so hours of day are UTC hours"
    )
    payload, stderr = simulate_json(data)
    assert payload["data"]["rows_rejected"] == 0
    assert [line for line in stderr.splitlines() if "time zone" in line] == [f"{data}: {said}"]
    cube = api.load_interactions(data)
    assert [note for note in cube.meta.notes if "time zone" in note] == [said]
    assert cube.meta.first_timestamp == "2023-12-31T23:00:00"  # midnight in Paris, UTC


def test_the_library_raises_cx_errors_only(fifo: Path) -> None:
    with pytest.raises(CxError, match="not a regular file"):
        api.load_interactions(fifo)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.datetimes(min_value=dt.datetime(1981, 1, 1), max_value=dt.datetime(2098, 12, 31)),
    st.sampled_from(["T", " "]),
    st.sampled_from(["", ".6", ".60", ".600", ".060", ".604", ".6045", ".604500", ".123456789"]),
    st.booleans(),
    st.sampled_from(["", " ", "x"]),
    st.sampled_from([0, 3, 6]),
)
# The first 60 in the year, the last in the fraction: only the colon finds the seconds.
@example(dt.datetime(2060, 1, 1), "T", ".60", True, "", 0)
def test_a_fraction_read_with_a_fixed_width_reads_as_with_any_width(
    moment: Any, sep: str, fraction: str, sixty: bool, pad: str, digits: int
) -> None:
    """Invariant: timestamps read first with a fixed-width fraction (``.%3f``) have the
    value ``%.f`` gives them, and the same rows are leap seconds; the fast scan's cheap
    leap-second test flags every one of them."""
    from cx.data.rules import _leap_second, maybe_leap_second, parse_timestamp

    fmt = f"%Y-%m-%d{sep}%H:%M:%S%.f"
    seconds = "60" if sixty else "%S"
    base = moment.strftime(f"%Y-%m-%d{sep}%H:%M:{seconds}") + fraction
    texts = [base, pad + base, base + pad, base.replace("-0", "-", 1)]
    frame = pl.DataFrame({"t": texts})
    plain, fixed = parse_timestamp(pl.col("t"), fmt), parse_timestamp(pl.col("t"), fmt, digits)
    got = frame.select(
        plain=plain,
        fixed=fixed,
        leap=_leap_second(pl.col("t"), plain, fmt),
        leap_fixed=_leap_second(pl.col("t"), fixed, fmt, digits),
        maybe=maybe_leap_second(pl.col("t"), fixed, fmt, digits),
    )
    assert got["plain"].to_list() == got["fixed"].to_list()
    assert got["leap"].to_list() == got["leap_fixed"].to_list()
    assert not (got["leap"] & ~got["maybe"]).any()
    assert got["leap"][0] == sixty


@pytest.mark.parametrize("scan", SCANS)
@pytest.mark.parametrize("first", ["whole seconds", "a fraction"])
def test_a_fraction_is_optional_whichever_form_comes_first(
    tmp_path: Path, scan: str, first: str
) -> None:
    """Writers leave out a fraction of zero (Python's isoformat): an export holds
    ``10:00:00`` and ``10:00:00.123456`` side by side, and which one its first row has
    must not decide whether the other form is read or rejected."""
    times = [f"2024-01-{day:02d}T{hour:02d}:00:00" for day in range(1, 29) for hour in (9, 14)]
    times = [t + ".123456" if i % 3 == (0 if first == "a fraction" else 1) else t
             for i, t in enumerate(times)]  # fmt: skip
    data = tmp_path / "mixed.csv"
    rows = "".join(f"C{i % 7},{t},phone\n" for i, t in enumerate(times))
    data.write_text("customer_id,timestamp,channel\n" + rows, encoding="utf-8")
    result = cx("simulate", STRATEGY, "--data", data, "--format", "json", "--no-cache", scan=scan)
    assert result.exit_code == 0, result.stderr
    read = json.loads(result.stdout)["data"]
    assert (read["rows_used"], read["rows_rejected"]) == (len(times), 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
                min_size=1, max_size=50))  # fmt: skip
def test_second_zero_by_arithmetic_is_second_zero_by_the_calendar(moments: list[Any]) -> None:
    """The fast leap-second test finds second 0 from the microseconds; before 1970 too."""
    from cx.data.rules import MINUTE_US, SECOND_US

    frame = pl.DataFrame({"t": moments}, schema={"t": pl.Datetime("us")})
    got = frame.select(
        calendar=pl.col("t").dt.second() == 0,
        arithmetic=pl.col("t").dt.epoch("us") % MINUTE_US < SECOND_US,
    )
    assert got["calendar"].to_list() == got["arithmetic"].to_list()


# --------------------------------------------------------------------------- --encoding lossy


def test_lossy_reading_says_where_bytes_were_replaced(tmp_path: Path) -> None:
    """`--encoding lossy` read bytes that are not UTF-8 as '\ufffd' unsaid: a Latin-1
    name became another value with nothing on stderr."""
    lines = [b"customer_id,timestamp,channel"]
    lines += [b"C%d,2024-01-0%dT10:00:00,phone" % (i, 1 + i % 9) for i in range(20)]
    lines[5] = b"C\xe95,2024-01-05T10:00:00,phone"  # Latin-1: one place
    lines[9] = b"Caf\xc3\xa9\xef\xbf\xbd,2024-01-09T10:00:00,phone"  # UTF-8, and a real U+FFFD
    lines[12] = b"C\xe9\xe912,2024-01-03T10:00:00,chat"  # two places
    data = tmp_path / "latin.csv"
    data.write_bytes(b"\n".join(lines) + b"\n")
    result = cx("inspect", "--data", data, "--encoding", "lossy", "--format", "json", "--no-cache")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["data"]["rows_read"] == 20
    note = "bytes that are not UTF-8 in 3 places (the first on line 6) were read as '\ufffd'"
    assert f"{data}: {note} (--encoding lossy)" in result.stderr
    clean = tmp_path / "clean.csv"
    clean.write_bytes(b"\n".join(lines[:5] + lines[6:12] + lines[13:]) + b"\n")
    quiet = cx("inspect", "--data", clean, "--encoding", "lossy", "--format", "json", "--no-cache")
    assert quiet.exit_code == 0 and "UTF-8" not in quiet.stderr


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
def test_bytes_that_are_not_utf8_are_counted_across_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """A character split between two reads of the file is no bad byte; a sequence cut
    at the very end of the file is one."""
    monkeypatch.setattr(notes, "DECODE_CHUNK", chunk)
    path = tmp_path / "x.csv"
    path.write_bytes("a,é\n€,b\n".encode() + b"\xff\n\xe2\x82")
    assert notes.not_utf8(path) == (2, 3)
    path.write_bytes("a,é\n€,b\n".encode())
    assert notes.not_utf8(path) == (0, 0)


def test_a_long_timestamp_format_is_cut_short_in_the_reject_reason(tmp_path: Path) -> None:
    # A format of ten thousand characters was repeated whole in the one error line.
    mapping = tmp_path / "long.yaml"
    mapping.write_text(f"timestamp_format: \"%Y-%m-%d{'x' * 10_000}\"\n")
    refused = cx("simulate", STRATEGY, "--data", GOOD, "--columns", mapping, "--no-cache")
    assert refused.exit_code == 2
    assert "timestamp does not match format %Y-%m-%dxxx" in refused.stderr
    assert "… (10,008 characters)" in refused.stderr
    assert len(refused.stderr) < 1_000
