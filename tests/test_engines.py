"""`cx cube --engine duckdb|spark`: the cube SQL executed by the engine on the export.

Each engine's cube file must equal the scan's (Polars) value for value: on the example
data, on values full of quotes and backslashes, and on every row of the messy-input
corpus that survives the row rules. DuckDB always runs; Spark runs in local mode when
PySpark and Java are installed.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from conftest import run_cx, run_cx_process
from test_cube_notes import STRATEGY, noted_export

from cx import api
from cx.data import fine, scan
from cx.data.exact import parsed_frame
from cx.data.layout import resolve_layout
from cx.data.rules import completed
from cx.errors import CxError, DataError, UsageError
from cx.loader.mapping import load_mapping
from cx.models.mapping import Mapping
from cx.models.vocabulary import counted

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
CORPUS = ROOT / "tests" / "corpus"

SPARK_MISSING = (
    "PySpark is not installed (pip install 'cx[spark]')"
    if importlib.util.find_spec("pyspark") is None
    else "Spark needs Java, and there is no `java` on PATH"
    if shutil.which("java") is None
    else None
)
ENGINES = [
    pytest.param("duckdb", marks=pytest.mark.skipif(
        importlib.util.find_spec("duckdb") is None, reason="DuckDB is not installed"
    )),
    pytest.param("spark", marks=pytest.mark.skipif(
        SPARK_MISSING is not None, reason=SPARK_MISSING or ""
    )),
]  # fmt: skip

#: Values Spark SQL, DuckDB and CSV each read in their own way.
HOSTILE = ["o'brien", 'say "hi"', "back\\slash", "a\\'b", "end\\", "''", "\\\\n", "tab\there"]
MAPPING = {
    "channels": {"web": ["on'line", "back\\slash'"], "email": ["e\\mail", 'dq"']},
    "anonymous_ids": ["anon'; --", "\\"],
}


def assert_same_cube(built: fine.FineCube, expected: fine.FineCube) -> None:
    def ordered(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.sort(frame.columns, nulls_last=True)

    for name in ("demand", "arrivals", "preferred"):
        assert ordered(getattr(built, name)).equals(ordered(getattr(expected, name))), name
    assert (built.rows_read, built.rows_rejected) == (expected.rows_read, expected.rows_rejected)
    assert (built.first, built.last) == (expected.first, expected.last)
    assert built.time_of_day == expected.time_of_day


def engine_cube(engine: str, data: Path, tmp_path: Path, *extra: object) -> fine.FineCube:
    target = tmp_path / f"{engine}.parquet"
    result = run_cx("cube", "--engine", engine, "-d", data, "-o", target, "--quiet", *extra)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    # the file itself has the scan's column types, for any tool that reads it
    written = pl.read_parquet_schema(target)
    assert {name: written[name] for name in fine.CUBE_FILE_SCHEMA} == fine.CUBE_FILE_SCHEMA
    return fine.read_cube_file(target)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A CSV whose ids, channels and dimensions hold quotes and backslashes, its mapping."""
    root = tmp_path_factory.mktemp("hostile")
    channels = ["Phone", "on'line", "back\\slash'", "e\\mail", 'dq"', "chat"]
    rows = []
    for i in range(240):
        rows.append(
            {
                "customer_id": ["anon'; --", "\\", f"c'{i % 17}", f'c"{i % 13}\\'][i % 4],
                "timestamp": f"2024-02-{1 + i % 28:02d}T{i % 24:02d}:{(7 * i) % 60:02d}:05",
                "channel": channels[i % len(channels)],
                "segment": HOSTILE[i % len(HOSTILE)],
                "intent": f" {HOSTILE[(i * 3) % len(HOSTILE)]} ",
                "handle_time": str(30 + i),
                "abandoned": ["yes", "no", ""][i % 3],
            }
        )
    csv = root / "hostile.csv"
    pl.DataFrame(rows).write_csv(csv)
    mapping = root / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    return csv, mapping


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_cube_equals_the_scan_on_the_example(engine: str, tmp_path: Path) -> None:
    built = engine_cube(engine, EXAMPLE, tmp_path)
    assert_same_cube(built, scan.scan_fine(EXAMPLE, Mapping()))
    assert built.rows_read == 30_000


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_cube_reads_quotes_and_backslashes_as_the_scan(
    engine: str, hostile: tuple[Path, Path], tmp_path: Path
) -> None:
    csv, mapping = hostile
    built = engine_cube(engine, csv, tmp_path, "--columns", mapping)
    expected = scan.scan_fine(csv, load_mapping(mapping))
    assert_same_cube(built, expected)
    assert set(built.demand["channel"]) == {"phone", "web", "email", "chat"}
    assert {"o'brien", "a\\'b", "end\\", "''"} <= set(built.demand["segment"])
    assert set(built.preferred["channel"]) <= {"phone", "web", "email", "chat"}


@functools.cache
def corpus_rows() -> dict[str, pl.DataFrame]:
    """Each corpus file's rows that survive the rules, as the scan parsed them (files
    that cannot be read at all are left out)."""
    survivors = {}
    for path in sorted((CORPUS / "data").iterdir()):
        try:
            layout = resolve_layout(path, Mapping())
            valid = (
                completed(parsed_frame(layout, Mapping()))
                .filter(pl.col("reject_reason").is_null())
                .select("customer_id", "timestamp", "channel", "segment", "stage", "intent",
                        "handle_time", "wait_time", "abandoned")
                .collect()
            )  # fmt: skip
        except (CxError, pl.exceptions.PolarsError, OSError):
            continue
        if valid.height:
            survivors[path.name] = valid
    return survivors


def test_the_corpus_has_files_with_surviving_rows() -> None:
    assert len(corpus_rows()) >= 10


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_cube_equals_the_scan_on_the_corpus_rows_that_survive(
    engine: str, tmp_path: Path
) -> None:
    """The corpus files' valid rows, as the scan parsed them, in one clean export (each
    file's customers apart: ids prefixed with the file name)."""
    rows = pl.concat(
        valid.with_columns(pl.lit(f"{name}:") + pl.col("customer_id"))
        for name, valid in corpus_rows().items()
    )
    clean = tmp_path / "corpus.csv"
    rows.write_csv(clean)
    built = engine_cube(engine, clean, tmp_path)
    assert_same_cube(built, scan.scan_fine(clean, Mapping()))
    assert (built.rows_read, built.rows_rejected) == (rows.height, 0)


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_rejects_what_it_cannot_read(engine: str, tmp_path: Path) -> None:
    csv = tmp_path / "gaps.csv"
    csv.write_text(
        "customer_id,timestamp,channel,handle_time,abandoned\n"
        "C1,2024-01-01T09:00:00,phone,100,no\n"
        "C2,2024-01-01T09:05:00,,100,no\n"  # no channel
        ",2024-01-01T09:10:00,chat,100,no\n"  # no customer
        "C3,2024-01-01T09:20:00,chat,-4,no\n"  # negative seconds
        "C4,2024-01-01T09:21:00,chat,ten,no\n"  # not a number
        "C5,2024-01-01T09:22:00,chat,5,maybe\n"  # not a boolean
        "C6,not a time,chat,5,no\n"
        "C7,1900-01-01T00:00:00,chat,5,no\n"  # a placeholder date
        "C8,2024-01-01T09:23:00,ch\x01at,5,no\n"  # a control character
        "C1,2024-01-01T09:40:00, Chat ,,yes\n"
    )
    built = engine_cube(engine, csv, tmp_path, "--max-reject-rate", "1")
    assert (built.rows_read, built.rows_rejected) == (10, 8)
    assert built.demand["contacts"].sum() == 2
    assert dict(built.preferred.iter_rows()) == {"chat": 1}  # C1: one each, chat sorts first
    assert built.arrivals["abandoned"].sum() == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_refuses_too_many_rejected_rows(engine: str, tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "customer_id,timestamp,channel\nC1,2024-01-01T09:00:00,phone\nC2,never,phone\n"
    )
    target = tmp_path / "cube.parquet"
    result = run_cx("cube", "--engine", engine, "-d", csv, "-o", target)
    assert result.exit_code == 2
    assert "rejected" in result.stderr
    assert not target.exists()


def test_duckdb_engine_reads_parquet_and_gzip(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    frame = pl.read_csv(EXAMPLE, infer_schema=False)
    parquet, gz = tmp_path / "x.parquet", tmp_path / "x.csv.gz"
    frame.write_parquet(parquet)
    import gzip

    gz.write_bytes(gzip.compress(EXAMPLE.read_bytes()))
    expected = scan.scan_fine(EXAMPLE, Mapping())
    for source in (parquet, gz):
        assert_same_cube(engine_cube("duckdb", source, tmp_path), expected)


def test_engine_through_the_api(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    target = tmp_path / "cube.parquet"
    assert api.build_cube_file_with("duckdb", EXAMPLE, target) == 30_000
    assert fine.read_cube_file(target).rows_used == 30_000


def test_missing_duckdb_is_a_usage_error_with_the_pip_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb raises ImportError
    result = run_cx("cube", "--engine", "duckdb", "-d", EXAMPLE, "-o", tmp_path / "c.parquet")
    assert result.exit_code == 2
    assert "pip install 'cx[duckdb]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_pyspark_is_a_usage_error_with_the_pip_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    result = run_cx("cube", "--engine", "spark", "-d", EXAMPLE, "-o", tmp_path / "c.parquet")
    assert result.exit_code == 2
    assert "pip install 'cx[spark]'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "oracle", "-d", EXAMPLE, "-o", "c.parquet"], "unknown --engine 'oracle'"),
        (["--sql", "--engine", "duckdb"], "--sql reads no data"),
    ],
)
def test_engine_usage_errors(args: list[object], message: str) -> None:
    result = run_cx("cube", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("timestamp_format: '%d/%m/%Y %H:%M'", "ISO 8601"),
        ("duration_format: hh:mm:ss", "not a mapping's duration_format 'hh:mm:ss'"),
    ],
)
def test_engine_refuses_what_only_the_scan_reads(tmp_path: Path, line: str, said: str) -> None:
    pytest.importorskip("duckdb")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(line + "\n")
    result = run_cx(
        "cube", "--engine", "duckdb", "-d", EXAMPLE, "-o", tmp_path / "c.parquet",
        "--columns", mapping,
    )  # fmt: skip
    assert result.exit_code == 2
    assert said in result.stderr
    assert not (tmp_path / "c.parquet").exists()


@pytest.mark.parametrize("stamp", ["2024-01-13", "13/01/2024 10:00"])
def test_engine_says_what_to_do_with_timestamps_it_cannot_read(
    tmp_path: Path, stamp: str
) -> None:
    pytest.importorskip("duckdb")
    data = tmp_path / "rows.csv"
    data.write_text(f"customer_id,timestamp,channel\nc1,{stamp},phone\n")
    target = tmp_path / "c.parquet"
    result = run_cx("cube", "--engine", "duckdb", "-d", data, "-o", target)
    assert result.exit_code == 2
    assert f"{data}:2: timestamp '{stamp}'" in result.stderr
    # the scan's advice (a mapping's format, cx init) is no way forward for an engine
    assert "build this cube with the scan (no --engine)" in result.stderr
    assert "cx init" not in result.stderr
    assert not target.exists()


def scan_and_engine(engine: str, data: Path, tmp_path: Path, *extra: object) -> tuple[Any, Any]:
    """`cx cube` of ``data`` by the scan and by ``engine``: (result, cube or None) each."""
    runs = []
    for name, options in (("scan", ()), (engine, ("--engine", engine))):
        target = tmp_path / f"{name}.parquet"
        result = run_cx("cube", "-d", data, "-o", target, "--quiet", *options, *extra)
        runs.append((result, fine.read_cube_file(target) if result.exit_code == 0 else None))
    return runs[0], runs[1]


def assert_engine_reads_as_the_scan(engine: str, data: Path, tmp_path: Path) -> None:
    """The engine's cube equals the scan's; a file the scan refuses, the engine refuses
    with the same words."""
    (scanned, expected), (built, cube) = scan_and_engine(
        engine, data, tmp_path, "--max-reject-rate", "1"
    )
    assert "cx-cube-" not in built.stderr  # never a temporary file of cx's own
    if expected is None:
        assert scanned.exit_code == 2, scanned.stderr
        assert (built.exit_code, built.stderr) == (2, scanned.stderr)
    else:
        assert built.exit_code == 0, built.stderr
        assert cube is not None
        assert_same_cube(cube, expected)


#: The first timestamp of a column sets its format (cx.data.layout.ISO_FORMATS)...
FIRST_TIMESTAMPS = [
    "2024-01-05T09:07:03",
    "2024-01-05 09:07:03",
    "2024-01-05T09:07:03.250",
    "2024-01-05 09:07:03.250",
    "2024-01-05T09:07:03+05:30",
    "2024-01-05 09:07:03Z",
    "2024-01-05T09:07",
    "2024-01-05 09:07",
]
#: ...and the rows in another shape are rejected, those in its shape read as it reads them.
OTHER_TIMESTAMPS = [
    "2024-01-05T09:07:03", "2024-01-05 09:07:03", "2024-01-05T09:07:03.5",
    "2024-01-05T09:07:03.123456789", "2024-01-05 09:07:03.", "2024-01-05T09:07",
    "2024-01-05", "2024-1-5T9:7:3", "2024-1-5 9:7:3", "+2024-01-05T09:07:03",
    "2024-01-05T09:07:03+05:30", "2024-01-05T09:07:03-0800", "2024-01-05T09:07:03+05",
    "2024-01-05 09:07:03.25Z", "2024-01-05T09:07:03 +01:00", "2024-01-05T23:30:00-23:59",
    "2024-01-05T09:07:03+24:00", "2024-01-05T09:07:03 UTC", "2024-01-31T23:59:60",
    "2024-01-31T23:59:60Z", "2024-01-05T24:00:00", "2024-01-05T09:60:00",
    "2024-02-30T09:07:03", "12024-01-05T09:07:03", "2024-01-05t09:07:03",
]  # fmt: skip


def timestamps_csv(path: Path, first: str) -> Path:
    stamps = [first, *OTHER_TIMESTAMPS]
    rows = [f"C{i % 5},{stamp},{['phone', 'chat'][i % 2]}" for i, stamp in enumerate(stamps)]
    path.write_text("customer_id,timestamp,channel\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("engine", "first"),
    [*(pytest.param(*p.values, first, marks=p.marks) for p in ENGINES[:1]
       for first in FIRST_TIMESTAMPS),
     pytest.param(*ENGINES[1].values, FIRST_TIMESTAMPS[4], marks=ENGINES[1].marks)],
)  # fmt: skip
def test_engine_reads_timestamps_as_the_scan(engine: str, first: str, tmp_path: Path) -> None:
    """One format per column, offsets to UTC, leap seconds and impossible times rejected."""
    data = timestamps_csv(tmp_path / "stamps.csv", first)
    assert_engine_reads_as_the_scan(engine, data, tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("clock", "timed"), [("00:00:00", False), ("00:05:00", True)])
def test_engine_tells_dates_only_by_the_timestamps_as_the_scan(
    engine: str, clock: str, timed: bool, tmp_path: Path
) -> None:
    """Every interval starts at 00:00 in both files; only every timestamp at 00:00:00
    exactly is dates only (a night batch at 00:05 has a time of day)."""
    data = tmp_path / "night.csv"
    rows = [f"C{i},2024-01-{1 + i % 9:02d} {clock},{['phone', 'chat'][i % 2]}" for i in range(30)]
    data.write_text("customer_id,timestamp,channel\n" + "\n".join(rows) + "\n")
    assert_engine_reads_as_the_scan(engine, data, tmp_path)
    assert engine_cube(engine, data, tmp_path).time_of_day is timed


def test_engine_rejects_mixed_offsets_as_the_scan(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    rows = [
        f"C{i},2024-01-{1 + i % 28:02d}T10:00:00{'+05:30' if i % 3 == 0 else ''},phone"
        for i in range(300)
    ]
    data = tmp_path / "offsets.csv"
    data.write_text("customer_id,timestamp,channel\n" + "\n".join(rows) + "\n")
    result = run_cx("cube", "--engine", "duckdb", "-d", data, "-o", tmp_path / "c.parquet")
    assert result.exit_code == 2
    assert "200 of 300 rows rejected" in result.stderr


HEADER = "customer_id,timestamp,channel,segment\n"
ROWS = "".join(f"C{i},2024-01-{1 + i:02d}T10:00:00,phone,s{i % 3}\n" for i in range(20))
#: Files whose layout or rows the scan reads in its own way: the engine reads them alike.
LAYOUTS = {
    "duplicate-header": "customer_id,timestamp,channel,channel\n" + ROWS,
    "nul-in-header": "customer_id,time\x00stamp,channel\n" + ROWS,
    "long-row": HEADER + ROWS + "C9,2024-01-03T10:00:00,phone,a,extra\n" + ROWS,
    "unclosed-quote": HEADER + ROWS + 'C9,2024-01-03T10:00:00,phone,"open\n',
    "stray-quote": HEADER + ROWS + 'C9,2024-01-03T10:00:00,phone,5" screen\n' + ROWS,
    "quoted-line-breaks": HEADER + ROWS + 'C9,2024-01-03T10:00:00,"ph\none","a\r\nb"\n',
    "short-row": HEADER + ROWS + "C9,2024-01-03T10:00:00,phone\n" + ROWS,
    "short-row-quoting-delimiters": HEADER + ROWS + 'C9,2024-01-03T10:00:00,"p,h,o,n,e"\n' + ROWS,
    "long-row-quoting-a-delimiter": HEADER + ROWS + 'C9,2024-01-03T10:00:00,"p,h",a,b\n' + ROWS,
    "unclosed-quote-at-the-end": HEADER + ROWS + 'C9,2024-01-03T10:00:00,phone,"open',
    "short-row-unclosed-at-the-end": HEADER + ROWS + 'C9,2024-01-03T10:00:00,"phone',
    "blank-lines": HEADER + ROWS + "\n,,,\n   \n\t\n , ,\t, \n" + ROWS + " \n",
    "invisible-lines": HEADER + ROWS + "\ufeff\n\u200b,,\n \u200b,\ufeff, \n" + ROWS
    + "C9,2024-01-03T10:00:00,phone\u200b,s1\n",
    "semicolons": HEADER.replace(",", ";") + ROWS.replace(",", ";"),
    "bom-and-crlf": "\ufeff" + (HEADER + ROWS).replace("\n", "\r\n"),
    "no-rows": HEADER,
    "not-iso": HEADER + "C1,2024-01-01T10:00:00 UTC,phone,s\n" + ROWS,
}


#: Whitespace the scan trims around a value and SQL's TRIM does not: tabs, a vertical
#: tab, a form feed, an ideographic space, a line separator, a next-line character.
PADDED_ROWS = (
    "\tC9\t,2024-01-03T10:00:00\t,phone\t,\ts1\x0b\n"
    "C8,\x0c2024-01-04T10:00:00,\u3000chat\u2028,s2\x85\n"
    "C7,2024-01-05T10:00:00,\t,s0\n"  # a channel of a tab only is empty: rejected
)


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_trims_values_as_the_scan(engine: str, tmp_path: Path) -> None:
    data = tmp_path / "padded.csv"
    data.write_text(HEADER + ROWS + PADDED_ROWS, encoding="utf-8")
    assert_engine_reads_as_the_scan(engine, data, tmp_path)
    built = fine.read_cube_file(tmp_path / f"{engine}.parquet")
    assert set(built.demand["channel"]) == {"phone", "chat"}
    assert set(built.demand["segment"]) == {"s0", "s1", "s2"}
    assert (built.rows_read, built.rows_rejected) == (23, 1)


def layout_file(name: str, tmp_path: Path) -> Path:
    """The file of ``LAYOUTS[name]`` (written in ``tmp_path``), else corpus file ``name``."""
    if name not in LAYOUTS:
        return CORPUS / "data" / name
    data = tmp_path / f"{name}.csv"
    data.write_bytes(LAYOUTS[name].encode())
    return data


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_duckdb_engine_reads_the_file_as_the_scan(layout: str, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    assert_engine_reads_as_the_scan("duckdb", layout_file(layout, tmp_path), tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_says_a_damaged_gzip_stream_as_the_scan(engine: str, tmp_path: Path) -> None:
    """The stream ends before its end marker: the scan's words, not a crash (exit 3)."""
    assert_engine_reads_as_the_scan(engine, CORPUS / "data" / "truncated.csv.gz", tmp_path)


@pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")
@pytest.mark.parametrize(
    "name", [*sorted(LAYOUTS), *sorted(p.name for p in (CORPUS / "data").iterdir())]
)
def test_spark_engine_reads_the_file_as_the_scan(name: str, tmp_path: Path) -> None:
    """A row shorter than the header (a line of spaces is one) is padded with empty
    fields; a longer one, a stray quote, a quote that never closes, or a file Spark
    fails to read (it raises Py4J's error, not PySpark's) is refused with the scan's
    diagnosis (file, line, column), exit 2."""
    assert_engine_reads_as_the_scan("spark", layout_file(name, tmp_path), tmp_path)


@pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")
@pytest.mark.parametrize("name", ["ragged-row.csv"])  # each case starts a JVM: ~9 s
def test_spark_in_local_mode_says_a_refused_file_in_one_line(name: str, tmp_path: Path) -> None:
    """The JVM cx starts writes on the stderr of the process (its warnings at start, its
    log lines, a failed task's stack traces), which CliRunner does not see: the
    installed command's stderr is the one `error:` line, as for the scan."""
    data = CORPUS / "data" / name
    output = tmp_path / "c.parquet"
    result = run_cx_process("cube", "--engine", "spark", "-d", data, "-o", output, timeout=300)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {data}"), result.stderr
    assert not output.exists()


@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="needs PySpark")
@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script as java")
def test_a_java_that_cannot_start_spark_is_one_error_line(tmp_path: Path) -> None:
    """What the JVM said first is the reason, in cx's one line, not a crash."""
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text('#!/bin/sh\necho "Error: Could not create the Java Virtual Machine." >&2\n'
                    "exit 1\n")  # fmt: skip
    java.chmod(0o755)
    env = {"JAVA_HOME": str(java.parent.parent)}
    if "PYSPARK_GATEWAY_PORT" in os.environ:
        pytest.skip("Spark runs already: cx starts none")
    output = tmp_path / "c.parquet"
    result = run_cx_process("cube", "--engine", "spark", "-d", EXAMPLE, "-o", output, env=env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "error: Spark did not start: Error: Could not create the Java Virtual Machine. "
        "(hint: Spark needs Java 17 or later on PATH or in JAVA_HOME)"
    ]


@pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")
def test_spark_engine_refuses_a_longer_row_the_diagnosis_does_not_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the first 256 MB the scan's diagnosis finds nothing: Spark, which drops a
    longer row's last fields, refuses the file all the same, naming it."""
    from cx.data import engines

    monkeypatch.setattr(engines, "csv_problem", lambda *args: None)
    data = layout_file("long-row", tmp_path)
    result = run_cx("cube", "--engine", "spark", "-d", data, "-o", tmp_path / "c.parquet")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"error: {data}: a line has more fields than the header's 4 (hint: a field that "
        "contains the delimiter ',' must be quoted"
    )
    assert not (tmp_path / "c.parquet").exists()


#: Line ends the scan reads and DuckDB, which reads one kind of line end, cannot:
#: (file, line and what the error says of it).
LINE_ENDS = {
    "crlf-blank-line": (HEADER + ROWS + "\r\n" + ROWS, 22, "ends with CRLF, line 1 with LF"),
    "crlf-row": (HEADER + ROWS + ROWS.replace("\n", "\r\n", 1), 22, "ends with CRLF"),
    "lf-among-crlf": ((HEADER + ROWS).replace("\n", "\r\n") + "\n", 22, "ends with LF"),
    "carriage-return-in-a-value": (HEADER + "C1,2024-01-02T10:00:00,ph\rone,a\n" + ROWS, 2,
                                   "a carriage return"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(LINE_ENDS))
def test_duckdb_engine_names_the_line_end_it_cannot_read(name: str, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    text, line, said = LINE_ENDS[name]
    data = tmp_path / f"{name}.csv"
    data.write_bytes(text.encode())
    (scanned, _), (built, _) = scan_and_engine("duckdb", data, tmp_path)
    assert scanned.exit_code == 0, scanned.stderr
    assert built.exit_code == 2
    assert built.stdout == ""
    assert built.stderr.startswith(f"error: {data}:{line}")
    assert said in built.stderr
    assert "build this cube with the scan (no --engine)" in built.stderr
    assert "state machine" not in built.stderr


def test_engine_errors_name_the_data_file(tmp_path: Path) -> None:
    """A mapping that leaves every row without a customer: said of the export."""
    pytest.importorskip("duckdb")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns: {customer_id: segment}\n")
    data = tmp_path / "data.csv"
    data.write_text(HEADER + "".join(f"C{i},2024-01-02T10:00:00,phone,\n" for i in range(4)))
    result = run_cx(
        "cube", "--engine", "duckdb", "-d", data, "-o", tmp_path / "c.parquet",
        "--columns", mapping,
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {data}")
    assert "4 of 4 rows rejected" in result.stderr
    assert "cx-cube-" not in result.stderr


def test_duckdb_engine_reads_float_ids_as_the_scan(tmp_path: Path) -> None:
    """Whole floats are integer ids, NaN a missing one (rejected), as the scan reads them."""
    pytest.importorskip("duckdb")
    ids = [12.0, 7.0, float("nan"), 12.0, 3.5, None, 7.0, 1e15]
    data = tmp_path / "ids.parquet"
    pl.DataFrame(
        {
            "customer_id": pl.Series(ids, dtype=pl.Float64),
            "timestamp": [f"2024-01-0{1 + i % 5}T1{i}:00:00" for i in range(len(ids))],
            "channel": ["phone", "chat", "chat", "chat", "web", "web", "phone", "web"],
        }
    ).write_parquet(data)
    assert_engine_reads_as_the_scan("duckdb", data, tmp_path)
    built = fine.read_cube_file(tmp_path / "duckdb.parquet")
    assert (built.rows_read, built.rows_rejected) == (8, 2)


@pytest.mark.parametrize("signal_number", [2, 15])
def test_a_signal_during_the_duckdb_build_is_an_interruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signal_number: int
) -> None:
    """DuckDB stops at a signal but raises only "Query interrupted", losing the
    Interrupted that cx's handler raised: the build raises that again (exit 130 or 143),
    and leaves no cube file."""
    duckdb = pytest.importorskip("duckdb")
    from cx.errors import Interrupted

    connect = duckdb.connect

    class Stopped:
        def __init__(self) -> None:
            self.con = connect()

        def execute(self, sql: str) -> Any:
            if sql.startswith("COPY"):
                with contextlib.suppress(Interrupted):
                    raise Interrupted(signal_number)  # the handler, as the query runs
                raise RuntimeError("Query interrupted")
            return self.con.execute(sql)

        def close(self) -> None:
            self.con.close()

    monkeypatch.setattr(duckdb, "connect", Stopped)
    monkeypatch.setattr(Interrupted, "received", None)  # put back after the test
    output = tmp_path / "cube.parquet"
    with pytest.raises(Interrupted) as stopped:
        api.build_cube_file_with("duckdb", EXAMPLE, output)
    assert stopped.value.exit_code == 128 + signal_number
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("engine", [None, "duckdb"])
def test_every_customer_anonymous_makes_a_cube_file_cx_reads(
    tmp_path: Path, engine: str | None
) -> None:
    """No identified customer: the cube file has no preferred rows, which is a cube all
    the same; it gives the export's figures, and no customer coverage (none to count)."""
    if engine is not None:
        pytest.importorskip(engine)
    rows = pl.read_csv(EXAMPLE, infer_schema=False).head(300)
    export = tmp_path / "anonymous.csv"
    rows.with_columns(customer_id=pl.lit("0")).write_csv(export)
    mapping = tmp_path / "columns.yaml"
    mapping.write_text('anonymous_ids: ["0"]\n', encoding="utf-8")
    built = tmp_path / "cube.parquet"
    engines = [] if engine is None else ["--engine", engine]
    made = run_cx("cube", "--data", export, "--columns", mapping, "-o", built, *engines)
    assert made.exit_code == 0, made.stderr
    strategy = ROOT / "strategies" / "digital-first.yaml"
    totals = []
    for data, extra in ((export, ["--columns", mapping]), (built, [])):
        result = run_cx("simulate", strategy, "--data", data, *extra, "--format", "json")
        assert result.exit_code == 0, result.stderr
        totals.append(json.loads(result.stdout)["totals"])
    assert totals[0] == totals[1]
    assert totals[0]["customer_coverage"] is None


def test_the_duckdb_cube_file_holds_the_scans_rows_and_values(tmp_path: Path) -> None:
    """Not only the same cube once read: the same table, null for null (a sum over no
    handle time is 0 in both, not null in one)."""
    pytest.importorskip("duckdb")
    files = {}
    for name, engines in (("scan", []), ("duckdb", ["--engine", "duckdb"])):
        files[name] = tmp_path / f"{name}.parquet"
        made = run_cx("cube", "--data", EXAMPLE, "-o", files[name], *engines)
        assert made.exit_code == 0, made.stderr
    scanned, built = (pl.read_parquet(files[name]) for name in ("scan", "duckdb"))
    assert scanned.schema == built.schema
    columns = scanned.columns
    assert built.sort(columns, nulls_last=True).equals(scanned.sort(columns, nulls_last=True))


def test_the_duckdb_cube_file_carries_the_scans_notes(tmp_path: Path) -> None:
    """Duplicate rows, a column under a loose name, UTC offsets converted: the cube file
    DuckDB builds of a local export carries them as the scan's does, `cx cube` says
    them as it does after the scan, and `cx simulate` on the file says them again."""
    pytest.importorskip("duckdb")
    data = noted_export(tmp_path)
    files, said, simulated = {}, {}, {}
    for name, engines in (("scan", []), ("duckdb", ["--engine", "duckdb"])):
        files[name] = tmp_path / f"{name}.parquet"
        made = run_cx("cube", "--data", data, "-o", files[name], *engines)
        assert made.exit_code == 0, made.stderr
        assert made.stdout == ""
        said[name] = " ".join(made.stderr.replace(str(files[name]), "CUBE").split())
        run = run_cx("simulate", STRATEGY, "--data", files[name], "--format", "json")
        assert run.exit_code == 0, run.stderr
        simulated[name] = " ".join(run.stderr.replace(str(files[name]), "CUBE").split())
    scanned, built = (fine.read_cube_file(files[name]) for name in ("scan", "duckdb"))
    assert built.duplicate_rows == scanned.duplicate_rows > 0
    assert built.notes == scanned.notes
    assert len(built.notes) == 2  # the column, the offsets
    assert pl.read_parquet(files["duckdb"]).equals(pl.read_parquet(files["scan"]))
    assert said["duckdb"] == said["scan"]
    assert simulated["duckdb"] == simulated["scan"]
    for words in (
        f"{data}: column 'Customer ID' is read as customer_id",
        f"{data}: timestamps carry the UTC offset +01:00",
        f"{data}: {counted(built.duplicate_rows, 'row repeats', 'rows repeat')} an earlier",
    ):
        assert said["duckdb"].count(words) == 1, words
        assert simulated["duckdb"].count(words.replace(str(data), "CUBE")) == 1, words


@pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")
def test_spark_says_once_that_a_path_it_reads_itself_has_no_notes(tmp_path: Path) -> None:
    """A path only Spark reads (a URL): cx reads none of it, so the cube file carries no
    notes, and `cx cube` says once that they are not checked."""
    data = noted_export(tmp_path)
    target = tmp_path / "cube.parquet"
    made = run_cx("cube", "--engine", "spark", "--data", data.as_uri(), "-o", target)
    assert made.exit_code == 0, made.stderr
    assert made.stdout == ""
    stderr = " ".join(made.stderr.split())
    assert stderr.count(f"{data.as_uri()}: not checked for duplicate rows") == 1
    assert "the cube file carries no notes" in stderr
    assert "repeat an earlier row" not in stderr
    assert not {"duplicate_rows", "notes"} & set(pl.read_parquet(target).columns)


@pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")
def test_spark_gives_a_shared_session_its_settings_back(tmp_path: Path) -> None:
    """A notebook's session is shared with everything else it runs: the settings cx
    changes to build a cube (time zone, constraint propagation, shuffle partitions,
    log level) are the session's own again once the cube is written."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    root = spark.sparkContext._jvm.org.apache.logging.log4j.LogManager.getRootLogger()
    level = root.getLevel().toString()
    spark.sparkContext.setLogLevel("INFO")
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    spark.conf.set("spark.sql.constraintPropagation.enabled", "true")
    spark.conf.set("spark.sql.shuffle.partitions", "7")
    try:
        api.build_cube_file_with("spark", EXAMPLE, tmp_path / "cube.parquet")
        assert spark.conf.get("spark.sql.session.timeZone") == "America/New_York"
        assert spark.conf.get("spark.sql.constraintPropagation.enabled") == "true"
        assert spark.conf.get("spark.sql.shuffle.partitions") == "7"
        assert root.getLevel().toString() == "INFO"
    finally:
        spark.sparkContext.setLogLevel(level)
        spark.conf.unset("spark.sql.session.timeZone")
        spark.conf.unset("spark.sql.constraintPropagation.enabled")
        spark.conf.unset("spark.sql.shuffle.partitions")


def test_duckdb_refuses_lossy_reading_before_reading(tmp_path: Path) -> None:
    """DuckDB has no reading of bytes that are not UTF-8 as '\ufffd': --encoding lossy
    with it is refused in one line, before the export is read (here: not there)."""
    target = tmp_path / "cube.parquet"
    missing = tmp_path / "missing.csv"
    result = run_cx(
        "cube", "--engine", "duckdb", "--encoding", "lossy", "-d", missing, "-o", target
    )  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "--encoding lossy" in lines[0] and "--engine duckdb" in lines[0]
    assert "hint: build this cube with the scan" in lines[0]
    assert not target.exists()
    with pytest.raises(UsageError, match="--engine duckdb"):
        api.build_cube_file_with("duckdb", EXAMPLE, target, encoding="lossy")
    assert not target.exists()


def late_bytes_not_utf8(path: Path, bad: bytes = b"ph\xe9ne") -> Path:
    """A CSV whose first byte that is not UTF-8 is past the lines cx reads of its header."""
    rows = "".join(f"C{i},2024-01-0{1 + i % 9}T09:{i % 60:02d}:00,phone,{i}\n" for i in range(3000))
    head = "customer_id,timestamp,channel,handle_time\n" + rows
    path.write_bytes(head.encode() + b"C9,2024-01-02T10:00:00," + bad + b",40\n" + rows.encode())
    return path


def assert_same_file(built: Path, scanned: Path) -> None:
    """The cube files hold the same cube, notes and duplicate rows."""
    built_cube, scanned_cube = fine.read_cube_file(built), fine.read_cube_file(scanned)
    assert_same_cube(built_cube, scanned_cube)
    assert built_cube.notes == scanned_cube.notes
    assert built_cube.duplicate_rows == scanned_cube.duplicate_rows


def spark_refuses_as_the_scan(data: Path, tmp_path: Path) -> str:
    """The error of Spark's cube of ``data``, which must be the scan's, no file written."""
    target = tmp_path / "spark.parquet"
    with pytest.raises(DataError) as scanned:
        api.build_cube_file(data, tmp_path / "scan.parquet")
    with pytest.raises(DataError) as built:
        api.build_cube_file_with("spark", data, target)
    assert str(built.value) == str(scanned.value)
    assert not target.exists()
    return str(built.value)


def spark_lossy_as_the_scan(data: Path, tmp_path: Path) -> list[str]:
    """The notes of Spark's cube file of ``data`` read with --encoding lossy, which must
    be the scan's file."""
    target = tmp_path / "spark.parquet"
    api.build_cube_file(data, tmp_path / "scan.parquet", encoding="lossy")
    api.build_cube_file_with("spark", data, target, encoding="lossy")
    assert_same_file(target, tmp_path / "scan.parquet")
    return fine.read_cube_file(target).notes


@pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")
def test_spark_reads_bytes_that_are_not_utf8_as_the_scan(tmp_path: Path) -> None:
    """Spark reads a byte that is not UTF-8 as '\ufffd' without a word: a local file with
    one is refused in the scan's words, unless --encoding lossy asks for that reading,
    and then its cube file is the scan's, the note saying so included. A '\ufffd' the
    export wrote as UTF-8 is read as it is."""
    data = late_bytes_not_utf8(tmp_path / "export.csv")
    refused = spark_refuses_as_the_scan(data, tmp_path)
    assert "3002:26: data file is not UTF-8 text (byte 0xe9)" in refused
    notes = spark_lossy_as_the_scan(data, tmp_path)
    assert any("(--encoding lossy)" in note for note in notes)
    target = tmp_path / "spark.parquet"

    written = late_bytes_not_utf8(tmp_path / "written.csv", "ph\ufffdne".encode())
    api.build_cube_file(written, tmp_path / "scan.parquet")
    api.build_cube_file_with("spark", written, target)
    assert_same_file(target, tmp_path / "scan.parquet")


def test_duckdb_refuses_bytes_that_are_not_utf8_in_the_scans_words(tmp_path: Path) -> None:
    """DuckDB says the file is not UTF-8 below the first line of its error: the refusal
    is the scan's, line, column and byte."""
    pytest.importorskip("duckdb")
    assert_engine_reads_as_the_scan("duckdb", late_bytes_not_utf8(tmp_path / "x.csv"), tmp_path)


def parquet_of_bytes(path: Path, bad: bool = True) -> Path:
    """The example's first rows as Parquet, ids and channels as bytes (Binary); with
    ``bad``, some not UTF-8: a channel, and two ids of a customer that differ only in a
    byte that is not UTF-8, one id once read as '\ufffd'."""
    frame = pl.read_csv(EXAMPLE, infer_schema=False).head(2000)
    ids, channels = (frame[name].cast(pl.Binary).to_list() for name in ("customer_id", "channel"))
    if bad:
        ids[3], ids[4], channels[5], channels[6] = b"C\xff9", b"C\xfe9", b"ph\xe9ne", b"ph\xe9ne"
    frame.with_columns(
        customer_id=pl.Series(ids, dtype=pl.Binary), channel=pl.Series(channels, dtype=pl.Binary)
    ).write_parquet(path)
    return path


def test_duckdb_refuses_parquet_bytes_that_are_not_utf8_in_the_scans_words(
    tmp_path: Path,
) -> None:
    """DuckDB reads a Parquet column of bytes that are not UTF-8 as escapes (ph\\xe9ne),
    another value than the scan's: the file is refused in the scan's words, before
    DuckDB reads it. One whose bytes are all UTF-8 is read as the scan reads it."""
    pytest.importorskip("duckdb")
    data = parquet_of_bytes(tmp_path / "export.parquet")
    (scanned, _), (built, cube) = scan_and_engine("duckdb", data, tmp_path)
    assert cube is None and built.stdout == ""
    assert (built.exit_code, built.stderr) == (2, scanned.stderr)
    assert "a column of bytes holds bytes that are not UTF-8 text" in built.stderr
    assert "--encoding lossy" in built.stderr
    assert not (tmp_path / "duckdb.parquet").exists()
    assert_engine_reads_as_the_scan("duckdb", parquet_of_bytes(data, bad=False), tmp_path)


@pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")
def test_spark_reads_parquet_bytes_that_are_not_utf8_as_the_scan(tmp_path: Path) -> None:
    """Spark would read a Parquet column of bytes that are not UTF-8 as '\ufffd' without
    a word: the file is refused in the scan's words, unless --encoding lossy asks for that
    reading, and then its cube file is the scan's, the note included; two ids that differ
    only in such a byte are one customer, as in the scan."""
    data = parquet_of_bytes(tmp_path / "export.parquet")
    spark_refuses_as_the_scan(data, tmp_path)
    notes = spark_lossy_as_the_scan(data, tmp_path)
    assert "2 values of column 'customer_id' are not UTF-8" in " ".join(notes)
    assert "2 values of column 'channel' are not UTF-8" in " ".join(notes)
