"""Messy input never crashes cx, output is never half-written, bugs say how to report.

* Properties (hypothesis, derandomized): random bytes and CSV-ish text through
  ``cx.api.load_interactions``, random YAML through the strategy and mapping loaders —
  nothing but a CxError escapes, and a scan that succeeds adds up.
* The diagnosis of unreadable files (cx/data/diagnose.py) agrees with Python's csv
  module on well-formed CSV and finds bad bytes wherever they are.
* ``--output`` is written through a temporary file and a rename: a failed or interrupted
  run leaves the previous output as it was and no temporary file behind.
* Internal errors exit 3 with one line (version, how to report); --debug adds the
  traceback.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_cx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cx import api
from cx._version import __version__
from cx.data import diagnose
from cx.errors import CxError
from cx.loader.mapping import load_mapping

CORPUS = Path(__file__).resolve().parent / "corpus"
STRATEGY = CORPUS / "strategies" / "base.yaml"
GOOD = CORPUS / "data" / "good.csv"

# tests/fuzz/fuzz_loaders.py --target hypothesis sets CX_FUZZ_EXAMPLES: fresh random
# examples, that many per call; in CI the same 60 every time.
FUZZ_EXAMPLES = int(os.environ.get("CX_FUZZ_EXAMPLES", "0"))
ROBUST = settings(
    max_examples=FUZZ_EXAMPLES or 60,
    deadline=None,
    derandomize=not FUZZ_EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    **({"database": None} if FUZZ_EXAMPLES else {}),
)

# --------------------------------------------------------------------------- data side

NAMES = [
    "customer_id",
    "timestamp",
    "channel",
    "segment",
    "intent",
    "handle_time",
    "resolved",
    "wait_time",
    "abandoned",
    "satisfaction",
    "Customer ID",
    " channel",
    "TimeStamp",
    "x",
    "",
]
FIELDS = st.one_of(
    st.sampled_from(
        [
            "c1",
            "c2",
            "0",
            "2024-01-01T08:00:00",
            "2024-02-29 23:59:59",
            "2024-03-01T08:00",
            "2024-01-01T08:00:00+02:00",
            "0000-01-01T00:00:00",
            "9999-12-31T23:59:59",
            "2024-13-45T99:00:00",
            "phone",
            "Chat ",
            "",
            "-1",
            "1e9",
            "nan",
            "inf",
            "yes",
            "No",
            '"',
            '""',
            '"a,b"',
            '"x\ny"',
            "\r",
            "é",
            "\ufeff",
            "\x00",
        ]
    ),
    st.text(max_size=6),
)
DELIMITERS = st.sampled_from([",", ",", ";", "\t", "|", " "])
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


# True once in n draws (st.integers would favour 0, the boundary, far more often).
ONE_IN = {n: st.sampled_from([False] * (n - 1) + [True]) for n in (5, 10, 20)}
GOOD_VALUES = {
    "customer_id": ["c1", "c2", "c3", "0", " c4 "],
    "timestamp": ["2024-01-01T08:00:00", "2024-02-29T23:59:59", "2024-03-31T12:30:00"],
    "channel": ["phone", "chat", "Chat ", "web", "EMAIL"],
    "segment": ["retail", "", "Business"],
    "intent": ["balance", "card", ""],
    "handle_time": ["0", "120", "86400", "45.5", ""],
    "resolved": ["true", "no", "1", ""],
    "wait_time": ["3", "", "0.5"],
    "abandoned": ["false", "Y", ""],
    "satisfaction": ["5", "1", ""],
}


@st.composite
def csv_texts(draw: st.DrawFn) -> bytes:
    """Text that is nearly CSV: plausible headers, values mostly good and sometimes not,
    quotes, BOMs, line endings, encodings."""
    delimiter, ending = draw(DELIMITERS), draw(ENDINGS.filter(lambda e: e != "\r"))
    header = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    if draw(ONE_IN[5]) is False:
        header = ["customer_id", "timestamp", "channel"] + [
            n for n in header if n not in ("customer_id", "timestamp", "channel")
        ]
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        row = []
        for name in header:
            good = GOOD_VALUES.get(name.strip().lower().replace(" ", "_"), ["x"])
            noisy = draw(ONE_IN[10])
            row.append(draw(FIELDS) if noisy else draw(st.sampled_from(good)))
        if draw(ONE_IN[10]):  # ragged: a field more or less
            row = row[:-1] if draw(st.booleans()) else [*row, draw(FIELDS)]
        rows.append(row)
    if draw(ONE_IN[20]):
        ending = "\r"  # an old Mac export, now and then
    text = ending.join(delimiter.join(line) for line in [header, *rows])
    text = draw(st.sampled_from(["", "\ufeff"])) + text + draw(st.sampled_from(["", ending]))
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


def check_scan_adds_up(path: Path, encoding: str, max_reject_rate: float) -> None:
    try:
        cube = api.load_interactions(path, encoding=encoding, max_reject_rate=max_reject_rate)
    except CxError as error:
        assert str(error)  # every user error says something
        return
    meta = cube.meta
    assert meta.rows_read == meta.rows_used + meta.rows_rejected
    assert meta.rows_used > 0
    assert meta.rows_rejected <= max_reject_rate * meta.rows_read
    assert cube.demand["contacts"].sum() == pytest.approx(meta.rows_used)
    assert 0 <= meta.customers <= meta.rows_used
    assert 0 <= meta.duplicate_rows < meta.rows_read
    with contextlib.suppress(CxError):  # inspect reads the file once more, row by row
        api.inspect_interactions(cube, encoding=encoding)


@ROBUST
@given(
    content=st.one_of(csv_texts(), st.binary(max_size=300)),
    encoding=st.sampled_from(["utf8", "lossy"]),
    max_reject_rate=st.sampled_from([0.01, 1.0]),
)
def test_only_cx_errors_escape_load_interactions(
    content: bytes, encoding: str, max_reject_rate: float
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "data.csv"
        path.write_bytes(content)
        check_scan_adds_up(path, encoding, max_reject_rate)


@ROBUST
@given(
    rows=st.lists(
        st.lists(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=8), min_size=3, max_size=3
        ),
        min_size=1,
        max_size=8,
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_well_formed_csv_is_never_diagnosed_as_broken(
    rows: list[list[str]], delimiter: str
) -> None:
    """What Python's csv module writes (quotes doubled, line breaks quoted) the
    diagnosis reads without complaint, whatever the fields hold."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["customer_id", "timestamp", "channel"])
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "data.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        assert diagnose.csv_problem(path, delimiter) is None


@pytest.mark.parametrize("at", [0, 5, 4095, 4096, 4097, 9000])
def test_a_bad_byte_is_found_across_chunk_boundaries(
    at: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(diagnose, "CHUNK_BYTES", 4096)
    text = "".join(f"line {i} ünïcödé ✓\n" for i in range(600)).encode()
    cut = at
    while text[cut] & 0xC0 == 0x80:  # start of a character, not inside one
        cut += 1
    data = text[:cut] + b"\xff" + text[cut:]
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    problem = diagnose.first_bad_utf8(path)
    assert problem is not None
    before = text[:cut].decode()
    assert problem.line == before.count("\n") + 1
    assert problem.column == len(before.rsplit("\n", 1)[-1]) + 1
    assert diagnose.first_bad_utf8(GOOD) is None


def test_loose_column_names_match_only_one_column() -> None:
    header = ["Customer ID", "customer-id", "Channel", "time stamp", "Handle Time"]
    assert diagnose.find_column("channel", header) == "Channel"
    assert diagnose.find_column("timestamp", header) == "time stamp"
    assert diagnose.find_column("customer_id", header) is None  # two candidates: no guess
    assert diagnose.find_column("handle_time", header) == "Handle Time"
    assert diagnose.find_column("wait_time", header) is None


READABLE = [
    "good.csv",
    "padded-numbers.csv",
    "bad-timestamps.csv",
    "bad-handle-times.csv",
    "absurd-timestamps.csv",
    "duplicates.csv",
    "multiline-quoted.csv",
    "bom.csv",
    "crlf.csv",
    "trailing-blank-lines.csv",
    "truncated-last-line.csv",
    "renamed-columns.csv",
]


@pytest.mark.parametrize("name", READABLE)
def test_the_fast_scan_and_the_exact_scan_agree(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path (re-checking only suspect rows) gives the exact rules' cube."""
    path = CORPUS / "data" / name
    fast = api.load_interactions(path)
    monkeypatch.setenv("CX_SCAN", "exact")
    exact = api.load_interactions(path)
    for field in ("rows_read", "rows_used", "rows_rejected", "customers", "duplicate_rows"):
        assert getattr(fast.meta, field) == getattr(exact.meta, field), field
    assert fast.meta.reject_reasons == exact.meta.reject_reasons
    keys = ["period_start", "channel", "segment", "stage", "intent"]
    assert fast.demand.sort(keys).equals(exact.demand.sort(keys))
    assert fast.preferred.sort("channel").equals(exact.preferred.sort("channel"))


# --------------------------------------------------------------------------- YAML side

KEYS = st.sampled_from(
    [
        "version",
        "name",
        "kind",
        "extends",
        "period",
        "channels",
        "offer",
        "shifts",
        "fallback",
        "guards",
        "phone",
        "mode",
        "columns",
        "customer_id",
        "timestamp_format",
        "delimiter",
        "values",
        "true",
        "anonymous_ids",
        "<<",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.sampled_from(["live", "push", "follow", "month", "base.yaml", "../x.yaml", "/dev/zero"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)
YAML_NOISE = st.text(
    alphabet=st.sampled_from(list("-:[]{}&*!|>'\"#%@`?, \n\tabc019.~")), max_size=120
)


YAML_TOKENS = st.sampled_from(
    [
        "2024-02-30",  # a date YAML resolves, on a day that does not exist (fuzzing found it)
        "2024-01-01T25:61:61",
        "&a ",
        "*a",
        "<<: *a",
        "!!binary x",
        "!!python/name:os.system ",
        "!!set {a}",
        "1e999",
        ".inf",
        "~",
        "0o9",
        "\t",
        "\ufeff",
    ]
)


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["dump", "noise", "mutated"]))
    if kind == "dump":
        return yaml.safe_dump(draw(VALUES), allow_unicode=True)
    if kind == "noise":
        return draw(YAML_NOISE)
    text = STRATEGY.read_text("utf-8")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        insert = draw(st.one_of(YAML_NOISE, YAML_TOKENS))
        text = text[:at] + insert + text[at + draw(st.integers(0, 8)) :]
    return text


@ROBUST
@given(text=yaml_texts())
def test_only_cx_errors_escape_the_yaml_loaders(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "file.yaml"
        path.write_text(text, encoding="utf-8")
        for load in (api.load_strategy, load_mapping):
            try:
                load(path)
            except CxError as error:
                assert str(error)
                assert error.file is None or "file.yaml" in error.file or "yaml" in error.file


@ROBUST
@given(value=VALUES)
def test_only_cx_errors_escape_strategies_from_dicts(value: Any) -> None:
    try:
        api.load_strategy(value if isinstance(value, dict) else {"channels": value})
    except CxError as error:
        assert str(error)


# --------------------------------------------------------------------------- CLI runs


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_a_run_failing_after_the_scan_keeps_the_previous_output(work: Path) -> None:
    good = run_cx("simulate", STRATEGY, "--data", GOOD, "-f", "json", "-o", "out.json")
    assert good.exit_code == 0, good.stderr
    before = (work / "out.json").read_bytes()
    # the data is scanned, then the strategy's catalog turns out to lack a channel
    data = work / "more.csv"
    data.write_text(GOOD.read_text() + "c1,2024-03-30T09:00:00,fax,,,60\n")
    failed = run_cx("simulate", STRATEGY, "--data", data, "-f", "json", "-o", "out.json")
    assert failed.exit_code == 2
    assert "'fax'" in failed.stderr
    assert (work / "out.json").read_bytes() == before
    assert leftovers(work) == []


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError, OSError])
def test_a_write_that_fails_midway_keeps_the_previous_output(
    work: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    (work / "report.md").write_text("previous good output\n")
    write_text = Path.write_text

    def half_then_fail(self: Path, text: str, *args: Any, **kwargs: Any) -> int:
        if not self.name.startswith(".report.md."):  # not the output's temporary file
            return write_text(self, text, *args, **kwargs)
        write_text(self, text[: len(text) // 2], encoding="utf-8")
        raise failure("disk full" if failure is OSError else "stop")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    result = run_cx("simulate", STRATEGY, "--data", GOOD, "-f", "markdown", "-o", "report.md")
    monkeypatch.undo()
    expected = {KeyboardInterrupt: 130, RuntimeError: 3, OSError: 2}[failure]
    assert result.exit_code == expected, result.stderr
    assert (work / "report.md").read_text() == "previous good output\n"
    assert leftovers(work) == []
    assert "Traceback" not in result.stderr


def test_rejects_and_cube_files_are_written_atomically_too(work: Path) -> None:
    data = CORPUS / "data" / "many-bad-rows.csv"
    (work / "cube.parquet").write_bytes(b"previous")
    result = run_cx("cube", "--data", data, "-o", "cube.parquet")
    assert result.exit_code == 2  # too many rejects: no cube written
    assert (work / "cube.parquet").read_bytes() == b"previous"
    result = run_cx("inspect", "--data", data, "--rejects", "rejects.csv")
    assert result.exit_code == 2
    # the rejects are what explains the failure: they are written, whole
    assert len((work / "rejects.csv").read_text().splitlines()) == 1 + 20
    assert leftovers(work) == []


def test_output_files_get_ordinary_permissions(work: Path) -> None:
    mask = os.umask(0o022)
    try:
        assert run_cx("schema", "-o", "schema.json").exit_code == 0
        assert (work / "schema.json").stat().st_mode & 0o777 == 0o644
        (work / "schema.json").chmod(0o640)  # a file that exists keeps its mode
        assert run_cx("schema", "-o", "schema.json").exit_code == 0
        assert (work / "schema.json").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(mask)


def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom: something cx did not expect")


def test_internal_error_is_one_line_with_version_and_how_to_report(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cx.api._evaluate", boom)
    result = run_cx("simulate", STRATEGY, "--data", GOOD, "-o", "out.txt")
    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("internal error: RuntimeError: boom")
    assert f"cx {__version__}" in lines[0]
    assert "report it" in lines[0] and "--debug" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (work / "out.txt").exists()
    assert leftovers(work) == []


@pytest.mark.parametrize("how", ["--debug", "CX_DEBUG"])
def test_debug_shows_the_traceback(work: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    monkeypatch.setattr("cx.api._evaluate", boom)
    args = ["simulate", STRATEGY, "--data", GOOD]
    if how == "CX_DEBUG":
        monkeypatch.setenv("CX_DEBUG", "1")
    else:
        args.append("--debug")
    result = run_cx(*args)
    assert result.exit_code == 3
    assert "internal error: RuntimeError: boom" in result.stderr
    assert "Traceback" in result.stderr and "def boom" not in result.stdout


def test_internal_error_message_stays_short(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def verbose(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("x" * 5000 + "\nsecond line\nthird line")

    monkeypatch.setattr("cx.api._evaluate", verbose)
    result = run_cx("simulate", STRATEGY, "--data", GOOD)
    assert result.exit_code == 3
    assert len(result.stderr) < 500
    assert "second line" not in result.stderr


def test_a_closed_pipe_is_not_an_internal_error(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def closed(*args: Any, **kwargs: Any) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("cx.cli.cmd_simulate.emit", closed)
    result = run_cx("simulate", STRATEGY, "--data", GOOD)
    assert result.exit_code == 141
    assert "internal error" not in result.stderr
