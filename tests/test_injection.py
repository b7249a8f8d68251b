"""Data is never code: text from files prints as text wherever cx shows it.

Hostile names (escape sequences, rich markup, HTML, formulas, quotes) go in through
the files a user gives cx, and every output is checked through the real CLI: the
terminal gets no control character, rich markup prints literally, CSV cells cannot
become spreadsheet formulas (numbers stay numbers), JUnit XML parses, GitHub workflow
commands stay one command each, markdown forms no HTML or link, the report page runs
no injected script, and the cube SQL means the same on DuckDB as the Polars scan.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from conftest import run_cx, write_csv, write_strategy
from hypothesis import given
from hypothesis import strategies as st

from cx.data import fine, scan
from cx.data.spreadsheet import spreadsheet_frame
from cx.data.sql import cube_sql
from cx.errors import UsageError
from cx.loader.mapping import load_mapping
from cx.models.mapping import Mapping
from cx.render import safe

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "tests" / "corpus" / "strategies" / "base.yaml"

HOSTILE_CHANNEL = "\x1b[31mred\x1b]8;;http://x\x07"
# Data rows with a control character in a name are rejected (binary data); what a
# channel value from data can still hold is markup and HTML.
DATA_CHANNEL = "[red]red[/]<!--<b>"
MARKUP_SEGMENT = "[bold]x[/]"
FORMULA_SEGMENT = '=HYPERLINK("http://x","y")'
HTML_INTENT = "</script><script>window.__pwned=1</script><!--<script>"
# A strategy name holds no control character (a finding, below); markup, HTML and a
# bidi override it may hold.
HOSTILE_STRATEGY = "evil\u202e[link=http://x]click[/link] \u2066 <!--<script>"
# Every control character and the bidi overrides: none may reach a terminal.
TERMINAL_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def run(*args: object) -> Any:
    result = run_cx(*args)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def assert_terminal_safe(text: str) -> None:
    found = TERMINAL_UNSAFE.findall(text)
    assert not found, f"control characters reach the terminal: {found!r}"


HEADER = ["customer_id", "timestamp", "channel", "segment", "intent", "handle_time"]


def csv_of(path: Path, rows: list[list[object]]) -> Path:
    return write_csv(path, rows, HEADER, line_end="\n")


def interactions(channels: list[str]) -> list[list[object]]:
    segments = [MARKUP_SEGMENT, FORMULA_SEGMENT, "retail"]
    return [
        [
            f"c{i % 9}",
            f"2024-01-{1 + i % 28:02d}T{8 + i % 9:02d}:{i % 60:02d}:00",
            channels[i % len(channels)],
            segments[i % 3],
            HTML_INTENT if i % 2 else "balance",
            100 + i,
        ]
        for i in range(120)
    ]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def hostile_data(workdir: Path) -> Path:
    """phone, chat and a channel named with escape codes; markup, formula and HTML values."""
    return csv_of(workdir / "hostile.csv", interactions(["phone", "chat", DATA_CHANNEL]))


@pytest.fixture
def plain_data(workdir: Path) -> Path:
    """Catalog channels only, the same hostile segments and intents."""
    return csv_of(workdir / "plain.csv", interactions(["phone", "chat", "web", "email"]))


def strategy_file(directory: Path, name: str, **fields: Any) -> Path:
    """A strategy on the corpus catalog; yaml.safe_dump writes any name as YAML escapes."""
    document = yaml.safe_load(CATALOG.read_text())
    document.update(name=name, **fields)
    return write_strategy(
        directory / f"strategy-{len(list(directory.glob('strategy-*')))}.yaml", document
    )


# --------------------------------------------------------------------------- terminal


def test_inspect_table_prints_names_as_text(hostile_data: Path) -> None:
    result = run("inspect", "--data", hostile_data, "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert_terminal_safe(result.stdout + result.stderr)
    assert DATA_CHANNEL in result.stdout.replace("\n", "")  # shown, not obeyed
    assert MARKUP_SEGMENT in result.stdout  # markup printed literally, brackets and all


def test_a_control_character_in_a_data_name_rejects_the_row_in_one_safe_note(
    workdir: Path,
) -> None:
    data = csv_of(workdir / "binary.csv", interactions(["phone", "chat", HOSTILE_CHANNEL]))
    result = run("inspect", "--data", data, "--no-cache", "--max-reject-rate", "1")
    assert result.exit_code == 0, result.stderr
    assert_terminal_safe(result.stdout + result.stderr)
    assert "channel holds a control character" in result.stderr
    assert "red" not in result.stdout.replace("\n", "")


def test_unknown_channel_error_is_one_safe_line(hostile_data: Path) -> None:
    result = run("simulate", CATALOG, "--data", hostile_data, "--no-cache")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert_terminal_safe(result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "base.yaml" in lines[0] and "not in the strategy's catalog" in lines[0]
    assert DATA_CHANNEL in lines[0]


def test_simulate_and_compare_tables_print_strategy_names_as_text(
    workdir: Path, plain_data: Path
) -> None:
    hostile = strategy_file(workdir, HOSTILE_STRATEGY)
    other = strategy_file(workdir, "[red]other[/]")
    simulated = run("simulate", hostile, "--data", plain_data, "--no-cache")
    assert simulated.exit_code == 0, simulated.stderr
    assert_terminal_safe(simulated.stdout + simulated.stderr)
    assert "[link=http://x]click[/link]" in simulated.stdout
    assert "evil\\u202e" in simulated.stdout
    short = strategy_file(workdir, "a\u202eb")
    compared = run("compare", short, other, "--data", plain_data, "--no-cache")
    assert compared.exit_code == 0, compared.stderr
    assert_terminal_safe(compared.stdout + compared.stderr)
    assert "[red]other[/]" in compared.stdout and "a\\u202eb" in compared.stdout


def test_notes_quoting_file_names_are_safe(workdir: Path) -> None:
    rows = interactions(["phone", "chat"])
    rows[5][1] = "not a time"
    data = csv_of(workdir / "x\x1b[2J\x07[bold]y.csv", rows)
    result = run("simulate", CATALOG, "--data", data, "--no-cache", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert_terminal_safe(result.stderr)
    assert "x\\x1b[2J\\x07[bold]y.csv" in result.stderr
    assert "1 of 120 rows rejected" in result.stderr


def test_check_text_junit_and_github_outputs(workdir: Path, plain_data: Path) -> None:
    hostile = strategy_file(workdir, HOSTILE_STRATEGY, guards=["coverage > 1"])
    text = run("check", hostile, "--data", plain_data, "--no-cache")
    assert text.exit_code == 1
    assert_terminal_safe(text.stdout + text.stderr)
    assert "FAIL evil\\u202e[link=http://x]click[/link]" in text.stdout

    junit = run("check", hostile, "--data", plain_data, "--no-cache", "-f", "junit")
    assert junit.exit_code == 1
    root = ElementTree.fromstring(junit.stdout.split("\n", 1)[1])
    case = root.find("testsuite/testcase")
    assert case is not None and case.find("failure") is not None
    assert case.get("name", "").startswith("evil\u202e[link=http://x]")

    github = run("check", hostile, "--data", plain_data, "--no-cache", "-f", "github")
    assert github.exit_code == 1
    assert_terminal_safe(github.stdout)
    lines = github.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error file=")
    assert "evil\\u202e[link=http://x]" in lines[0]


def test_validate_outputs_with_hostile_file_name_and_keys(workdir: Path) -> None:
    document = yaml.safe_load(CATALOG.read_text())
    document["channels"]["phone"]["\x1b[31m<bad>&%,:\x07"] = 1
    name = "a,b:c%d\x1b[0m<x>.yaml"
    write_strategy(workdir / name, document)

    text = run("validate", name)
    assert text.exit_code == 1
    assert_terminal_safe(text.stdout + text.stderr)
    assert "a,b:c%d\\x1b[0m<x>.yaml" in text.stdout

    junit = run("validate", name, "-f", "junit")
    assert junit.exit_code == 1
    root = ElementTree.fromstring(junit.stdout.split("\n", 1)[1])
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == "a,b:c%d\\x1b[0m<x>.yaml"
    failure = case.find("failure")
    assert failure is not None and "<bad>&%" in (failure.text or "")

    github = run("validate", name, "-f", "github")
    assert github.exit_code == 1
    assert_terminal_safe(github.stdout)
    line = github.stdout.strip()
    assert "\n" not in line
    # In properties `%`, `,` and `:` are escaped; in the message only `%` (and CR, LF).
    assert line.startswith("::error file=a%2Cb%3Ac%25d\\x1b[0m<x>.yaml,line=")
    message = line.split("::", 2)[2]
    assert "<bad>&%25,:" in message


def test_github_escapes_carriage_return_and_newline_in_messages() -> None:
    from cx.errors import Finding
    from cx.render.validation import github_annotation

    line = github_annotation(Finding("a\r\nb%\x1b", file="f,1:2.yaml", line=3), "t:i,t")
    assert line == "::error file=f%2C1%3A2.yaml,line=3,title=t%3Ai%2Ct::a%0D%0Ab%25\\x1b"


# --------------------------------------------------------------------------- CSV


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_inspect_csv_neutralises_formulas_but_not_numbers(hostile_data: Path) -> None:
    result = run("inspect", "--data", hostile_data, "--no-cache", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert_terminal_safe(result.stdout)
    rows = csv_rows(result.stdout)
    cells = {cell for row in rows for cell in row}
    assert "'" + FORMULA_SEGMENT in cells
    assert FORMULA_SEGMENT not in cells
    assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    # A minus sign starts only numbers.
    assert all(re.fullmatch(r"-[0-9.e+-]+", cell) for cell in cells if cell.startswith("-"))


def test_compare_csv_keeps_negative_numbers_and_quotes_formula_names(
    workdir: Path, plain_data: Path
) -> None:
    cheaper = strategy_file(
        workdir, "=1+2", offer=["phone", "web"],
        fallback={"chat": {"to": "web", "accept": 1.0}, "email": {"to": "web", "accept": 1.0}},
    )
    result = run("compare", cheaper, "--data", plain_data, "--no-cache", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    header, row = csv_rows(result.stdout)
    record = dict(zip(header, row, strict=True))
    assert record["strategy"] == "'=1+2"
    assert float(record["cost_delta"]) < 0 and record["cost_delta"].startswith("-")
    simulated = run("simulate", cheaper, "--data", plain_data, "--no-cache", "-f", "csv")
    assert {r[0] for r in csv_rows(simulated.stdout)[1:]} == {"'=1+2"}


def test_rejects_file_neutralises_formula_text_and_keeps_numbers(workdir: Path) -> None:
    rows = interactions(["phone", "chat"])
    rows[3][1] = "=cmd|' /C calc'!A0"  # a timestamp that is a formula: rejected
    rows[4][5] = "-5"  # a negative handle time: rejected, and still a number
    rows[5][1] = "@SUM(1)"
    data = csv_of(workdir / "rejecting.csv", rows)
    rejects = workdir / "rejects.csv"
    result = run(
        "simulate", CATALOG, "--data", data, "--rejects", rejects, "-f", "json",
        "--max-reject-rate", "0.5",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    written = pl.read_csv(rejects, infer_schema=False)
    by_line = {int(r["line"]): r for r in written.iter_rows(named=True)}
    assert by_line[5]["timestamp"] == "'=cmd|' /C calc'!A0"
    assert by_line[7]["timestamp"] == "'@SUM(1)"
    assert by_line[6]["handle_time"] == "-5"
    assert by_line[6]["timestamp"] == rows[4][1]  # untouched text stays as it was


def test_rejects_header_from_a_hostile_column_name_is_not_a_formula(workdir: Path) -> None:
    rows = interactions(["phone", "chat"])
    rows[2][1] = "never"
    data = csv_of(workdir / "renamed.csv", rows)
    text = data.read_text().replace("channel,", "=1+2,", 1)
    data.write_text(text)
    mapping = workdir / "m.yaml"
    mapping.write_text(yaml.safe_dump({"columns": {"channel": "=1+2"}}))
    rejects = workdir / "rejects.csv"
    result = run(
        "inspect", "--data", data, "--columns", mapping, "--rejects", rejects, "-f", "json",
        "--no-cache",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    header = rejects.read_text().splitlines()[0].split(",")
    assert "'=1+2" in header and "=1+2" not in header


def test_spreadsheet_frame_touches_only_text_columns() -> None:
    frame = pl.DataFrame(
        {"text": ["=1", "-2", "+x", "ok", None, "-1e3", "-1+1"], "number": [-1.5] * 7}
    )
    safe_frame = spreadsheet_frame(frame)
    assert safe_frame["text"].to_list() == ["'=1", "-2", "'+x", "ok", None, "-1e3", "'-1+1"]
    assert safe_frame["number"].to_list() == [-1.5] * 7


@given(st.text())
def test_spreadsheet_text_is_never_a_formula(text: str) -> None:
    cell = safe.spreadsheet_text(text)
    assert cell == text or cell == "'" + text
    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        assert re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", cell)
    frame_cell = spreadsheet_frame(pl.DataFrame({"t": [text]}, schema={"t": pl.String}))
    assert frame_cell["t"][0] == cell


# --------------------------------------------------------------------------- other text


@given(st.text())
def test_terminal_text_leaves_no_control_character(text: str) -> None:
    shown = safe.terminal_text(text)
    assert not TERMINAL_UNSAFE.search(shown) and "\n" not in shown
    if not TERMINAL_UNSAFE.search(text) and "\n" not in text and "\u2028" not in text:
        assert shown == text


@given(st.text())
def test_xml_text_always_parses_back(text: str) -> None:
    element = ElementTree.Element("e", name=safe.xml_text(text))
    element.text = safe.xml_text(text)
    # fromstring raises on any character XML 1.0 forbids.
    parsed = ElementTree.fromstring(ElementTree.tostring(element, encoding="unicode"))
    if not re.search("[\x00-\x1f\ud800-\udfff\ufffe\uffff]", text):
        assert (parsed.text or "") == text and parsed.get("name") == text


#: What no page may hold raw: the terminal's list less tab and line breaks, plus the line
#: separators and lone surrogates.
HTML_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)


@given(st.text())
def test_html_text_leaves_no_markup_or_control_character(text: str) -> None:
    shown = safe.html_text(text)
    assert not HTML_UNSAFE.search(shown) and not re.search("[<>\"']", shown)
    if not HTML_UNSAFE.search(text):
        assert html.unescape(shown) == text


@given(st.recursive(st.text() | st.floats(allow_nan=False), lambda inner: st.lists(inner)))
def test_script_json_means_the_same_data(payload: Any) -> None:
    text = safe.script_json(json.dumps(payload))
    assert not re.search("[<>&\x7f\u2028\u2029]", text)
    assert json.loads(text) == payload


def test_json_output_escapes_c1_controls(workdir: Path) -> None:
    # A C1 control rejects a channel's row, but an id is opaque: the customer with the
    # most contacts is named in the JSON, control and all, escaped.
    rows = interactions(["phone", "chat", "web"])
    for row in rows[::3]:
        row[0] = "a\x9b31m"
    data = csv_of(workdir / "c1.csv", rows)
    result = run("inspect", "--data", data, "--no-cache", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert_terminal_safe(result.stdout)
    assert json.loads(result.stdout)["customers"]["largest_customer"] == "a\x9b31m"


def test_markdown_forms_no_html_link_or_cell(workdir: Path, plain_data: Path) -> None:
    hostile = strategy_file(workdir, "[x](javascript:alert(1)) <img src=x> a|b `c`")
    result = run("simulate", hostile, "--data", plain_data, "--no-cache", "-f", "markdown")
    assert result.exit_code == 0, result.stderr
    title = result.stdout.splitlines()[0]
    assert title == (
        "# cx simulate: \\[x\\](javascript:alert(1)) &lt;img src=x&gt; a\\|b \\`c\\`"
    )
    inspected = run("inspect", "--data", plain_data, "--no-cache", "-f", "markdown")
    assert "<" not in inspected.stdout
    assert "&lt;/script&gt;&lt;script&gt;" in inspected.stdout


#: Names that markdown reads as a heading, a list item, an ordered list item, indented
#: code or a code fence when they start a line.
BLOCK_NAMES = ["# Bold claim", "- draft", "1. first", "    indented", "~~~ fence"]


def test_markdown_opens_no_block_at_a_name(workdir: Path, plain_data: Path) -> None:
    """A verdict starts its line with the strategy's name: `# Bold claim` became a
    heading and `- draft` a list item; a title ending in `Plan #` lost its `#`."""
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark").enable("table")
    files = [strategy_file(workdir, name) for name in BLOCK_NAMES]
    compared = run("compare", *files, "--data", plain_data, "--no-cache", "-f", "markdown")
    assert compared.exit_code == 0, compared.stderr
    tokens = parser.parse(compared.stdout)
    blocks = {token.type for token in tokens if token.level == 0 and token.nesting != -1}
    assert blocks == {"heading_open", "paragraph_open", "table_open"}
    headings = [after.content for token, after in itertools.pairwise(tokens)
                if token.type == "heading_open"]  # fmt: skip
    assert headings == ["cx compare", "Comparison"]
    page = parser.render(compared.stdout)
    for name in BLOCK_NAMES:
        assert f"<p>{name} costs " in page
    titled = strategy_file(workdir, "Plan #")
    simulated = run("simulate", titled, "--data", plain_data, "--no-cache", "-f", "markdown")
    assert parser.render(simulated.stdout).startswith("<h1>cx simulate: Plan #</h1>")


# --------------------------------------------------------------------------- SQL

HOSTILE_ALIASES = ["o'brien", 'say "hi"; DROP TABLE interactions; --', "back\\slash'", "a\\'b"]


def test_sql_on_duckdb_maps_hostile_aliases_like_the_scan(workdir: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    rows = interactions(["phone", "chat", *HOSTILE_ALIASES])
    data = csv_of(workdir / "aliases.csv", rows)
    mapping = workdir / "mapping.yaml"
    mapping.write_text(
        yaml.safe_dump(
            {
                "channels": {"web": HOSTILE_ALIASES[:2], "email": HOSTILE_ALIASES[2:]},
                "anonymous_ids": ["c1'; --", "c2"],
            }
        )
    )
    result = run("cube", "--sql", "--dialect", "duckdb", "--columns", mapping)
    assert result.exit_code == 0, result.stderr
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE interactions AS SELECT *, NULL::VARCHAR AS stage, "
        "NULL::DOUBLE AS wait_time, NULL::BOOLEAN AS abandoned FROM read_csv(?, header = true, "
        "types = {'timestamp': 'TIMESTAMP', 'customer_id': 'VARCHAR', 'channel': 'VARCHAR'})",
        [str(data)],
    )
    target = workdir / "cube.parquet"
    con.execute(f"COPY ({result.stdout}) TO '{target}' (FORMAT parquet)")
    assert con.execute("SELECT COUNT(*) FROM interactions").fetchone() == (120,)
    con.close()
    from_sql = fine.read_cube_file(target)
    from_polars = scan.scan_fine(data, load_mapping(mapping))
    assert set(from_sql.demand["channel"].unique()) == {"phone", "chat", "web", "email"}
    keys = ["day", "channel", "segment", "intent"]
    columns = [*keys, "contacts"]
    assert from_sql.demand.select(columns).sort(keys).equals(
        from_polars.demand.select(columns).sort(keys)
    )
    assert from_sql.preferred.sort("channel").equals(from_polars.preferred.sort("channel"))


def test_sql_quotes_identifiers_and_literals_per_dialect() -> None:
    mapping = Mapping.model_validate(
        {"channels": {"web": ["it's", "back\\slash", "`tick`", 'dq"']}, "anonymous_ids": ["x'y"]}
    )
    spark = cube_sql("spark", "crm.contacts", mapping)
    assert "WHEN 'it\\'s' THEN 'web'" in spark
    assert "WHEN 'back\\\\slash' THEN 'web'" in spark
    assert "NOT IN ('x\\'y')" in spark
    assert "'it''s'" not in spark  # Spark reads '' as two adjacent literals
    assert "CAST(`timestamp` AS TIMESTAMP)" in spark
    postgres = cube_sql("postgres", "interactions", mapping)
    assert "WHEN 'it''s' THEN 'web'" in postgres
    assert "WHEN E'back\\\\slash' THEN 'web'" in postgres
    assert "WHEN 'dq\"' THEN 'web'" in postgres
    duckdb_sql = cube_sql("duckdb", "interactions", mapping)
    assert "WHEN 'back\\slash' THEN 'web'" in duckdb_sql
    assert "NOT IN ('x''y')" in duckdb_sql


def test_sql_identifiers_double_their_quote_character() -> None:
    from cx.data.sql import _identifier

    assert _identifier('a"b', '"') == '"a""b"'
    assert _identifier("a`b", "`") == "`a``b`"


@pytest.mark.parametrize(
    "table", ["x; DROP TABLE y", "t\n-- c", "a.b.c.d", "", "1abc", 't"', "t`", "t' --"]
)
def test_sql_refuses_a_table_that_is_not_a_name(table: str) -> None:
    with pytest.raises(UsageError):
        cube_sql("duckdb", table)
    result = run("cube", "--sql", "--table", table)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "is not a table name" in result.stderr
    assert_terminal_safe(result.stderr)


# --------------------------------------------------------------------------- report

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chromium  # noqa: E402

INJECTED = "</script><script>window.__pwned=1</script><!--<script>"
IMAGE = '<img src=x onerror="window.__pwned=2">'
SECOND_NAME = "<!--<script>&amp; it's \"q\" \\ ${x} `t`"


@pytest.fixture
def hostile_report(workdir: Path, plain_data: Path) -> Path:
    pytest.importorskip("altair", reason="the report extra is not installed")
    pytest.importorskip("vl_convert", reason="the report extra is not installed")
    first = strategy_file(
        workdir,
        INJECTED,
        kind="push",
        description=IMAGE,
        shifts=[{"name": IMAGE + INJECTED, "from": "phone", "to": {"web": 0.3}}],
        guards=["coverage > 1"],
    )
    second = strategy_file(workdir, SECOND_NAME)
    target = workdir / "report.html"
    result = run(
        "report", first, second, "--data", plain_data, "--no-cache", "-o", target,
        "--title", INJECTED,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return target


def test_report_escapes_names_in_html_and_inline_json(hostile_report: Path) -> None:
    page = hostile_report.read_text(encoding="utf-8")
    assert INJECTED not in page and IMAGE not in page
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=1" in page
    specs = re.search(r'<script type="application/json" id="cx-chart-specs">(.*?)</script>', page)
    assert specs is not None
    assert not re.search("[<>&\u2028\u2029]", specs.group(1))
    data = json.dumps(json.loads(specs.group(1)), ensure_ascii=False)
    # The same names; line separators shown as escapes (Vega's parser stops at them).
    shown = json.dumps(SECOND_NAME.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    shown = shown[1:-1]
    assert INJECTED in data and shown in data
    assert page.count("<script") == 3  # the chart data, the chart library, the embedding


def test_report_with_hostile_names_runs_no_script_and_draws_every_chart(
    hostile_report: Path,
) -> None:
    reason = chromium.available()
    if reason:
        pytest.skip(f"no headless browser: {reason}")
    with chromium.browser(width=1280, height=1000) as driver:
        load = chromium.open_page(driver, hostile_report)
        injected = driver.execute_script(chromium.INJECTION_STATE)
    assert injected["pwned"] is None, injected
    assert injected["scripts"] == 3, injected
    assert injected["images"] == 0, injected
    assert injected["title"] == INJECTED
    assert load.rendered, f"charts did not finish rendering: {load.charts}"
    assert len(load.charts) >= 5
    for chart in load.charts:
        assert chart["rendered"] == "true", chart
        assert chart["marks"] > 10, chart


def test_progress_shows_a_hostile_file_name_as_text(workdir: Path) -> None:
    from rich.console import Console

    from cx.cli.data_options import scan_progress

    data = csv_of(workdir / "[bold]x\x1b[2J\x07.csv", interactions(["phone"]))
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100, color_system=None)
    with scan_progress(data, quiet=False, console=console, min_bytes=0):
        console.file.flush()
    shown = buffer.getvalue()
    assert "reading [bold]x\\x1b[2J\\x07.csv" in shown
    assert "\x1b[2J" not in shown and "\x07" not in shown


def test_sql_refuses_a_nul_character_in_a_mapping_value(workdir: Path) -> None:
    mapping = workdir / "nul.yaml"
    mapping.write_text('channels:\n  web: ["on\\0line"]\n')
    result = run("cube", "--sql", "--columns", mapping)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "NUL character" in result.stderr
    assert_terminal_safe(result.stderr)


def test_yaml_tags_never_construct_objects(workdir: Path) -> None:
    marker = workdir / "constructed"
    strategy = workdir / "tagged.yaml"
    strategy.write_text(
        f'version: 1\nname: !!python/object/apply:os.system ["touch {marker}"]\n'
    )
    result = run("validate", strategy)
    assert result.exit_code == 1
    assert "tagged.yaml:2:7: unsupported YAML tag" in result.stdout
    assert not marker.exists()


@pytest.mark.parametrize("command", ["simulate", "check", "compare", "validate"])
def test_errors_quoting_a_hostile_guard_are_one_safe_line(
    command: str, workdir: Path, plain_data: Path
) -> None:
    guard = f"channels.{HOSTILE_CHANNEL}.occupancy < 1 {MARKUP_SEGMENT}"
    hostile = strategy_file(workdir, "g", guards=[guard])
    data = [] if command == "validate" else ["--data", plain_data, "--no-cache"]
    result = run(command, hostile, *data)
    assert result.exit_code == (1 if command == "validate" else 2), result.stdout
    output = result.stdout if command == "validate" else result.stderr
    assert_terminal_safe(result.stdout + result.stderr)
    line = next(line for line in output.splitlines() if "cannot parse guard" in line)
    assert "strategy-0.yaml" in line
    assert "\\x1b[31mred\\x1b]8;;http://x\\x07" in line and MARKUP_SEGMENT in line


def test_shift_rule_on_a_markup_segment_simulates_and_prints_as_text(
    workdir: Path, plain_data: Path
) -> None:
    rule = {"name": "[bold]rule[/] \u202e", "from": "phone", "to": {"web": 0.5}}
    rule["where"] = {"segment": [MARKUP_SEGMENT]}
    hostile = strategy_file(workdir, "[blink]s[/]", kind="push", shifts=[rule])
    result = run("simulate", hostile, "--data", plain_data, "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert_terminal_safe(result.stdout + result.stderr)
    assert "[blink]s[/]" in result.stdout
    as_json = json.loads(run("simulate", hostile, "--data", plain_data, "-f", "json").stdout)
    assert as_json["totals"]["cost_delta"] != 0  # the rule matched the markup segment


def test_no_table_line_or_note_starts_a_github_workflow_command(workdir: Path) -> None:
    rows = interactions(["phone", "::error file=x::pwned", "chat"])
    rows[4][1] = "never"
    data = csv_of(workdir / "::warning::x.csv", rows)
    result = run("inspect", "--data", "::warning::x.csv", "--no-cache")
    assert result.exit_code == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert not [line for line in lines if line.startswith("::")]
    assert "\\x3a:error file=x\\x3a:pwned" in result.stdout
    assert data.exists()


@pytest.mark.parametrize("columns", ["40", "80"])
def test_a_wrapped_table_cell_starts_no_line_with_a_workflow_command(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    """A table wraps a long name at a space and folds a long word anywhere: a name with
    ``::`` inside it started a line with ``::error`` on a narrow terminal."""
    monkeypatch.setenv("COLUMNS", columns)
    names = ["phone", "branch office ::error file=x::wrapped", "officebranchwithalongname::error"]
    csv_of(workdir / "names.csv", interactions(names))
    result = run("inspect", "--data", "names.csv", "--no-cache")
    assert result.exit_code == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert not [line for line in lines if line.lstrip().startswith("::")]
    assert "::" not in result.stdout


def test_markdown_escapes_a_backslash_before_a_pipe(workdir: Path) -> None:
    data = csv_of(workdir / "pipes.csv", interactions(["phone", "a\\|b", "chat"]))
    result = run("inspect", "--data", data, "--no-cache", "-f", "markdown")
    assert result.exit_code == 0, result.stderr
    assert "| a\\\\\\|b |" in result.stdout  # renders as a\|b, in one cell


@pytest.mark.parametrize("command", ["validate", "simulate"])
def test_a_lone_surrogate_escape_is_refused_where_it_is_written(
    command: str, workdir: Path, plain_data: Path
) -> None:
    text = CATALOG.read_text().replace("name: base", 'name: "a\\ud800b"')
    strategy = workdir / "surrogate.yaml"
    strategy.write_text(text)
    data = [] if command == "validate" else ["--data", plain_data, "--no-cache", "-f", "csv"]
    result = run(command, strategy, *data)
    assert result.exit_code == (1 if command == "validate" else 2)
    output = result.stdout if command == "validate" else result.stderr
    assert "surrogate.yaml:3:7: text holds a lone surrogate escape" in output
    if command == "simulate":
        assert result.stdout == ""


UNPRINTABLE = ["\x00", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\r", "\n"]


@pytest.mark.parametrize("char", UNPRINTABLE)
def test_a_control_character_in_a_name_or_description_is_a_finding(
    workdir: Path, char: str
) -> None:
    code = f"U+{ord(char):04X}"
    rule = {"name": f"rule{char}", "from": "phone", "to": {"web": 0.5}}
    # Line breaks and tabs are fine in a description; nothing else unprintable is.
    description = "two\nlines\tand a tab" if char == "\n" else f"about{char}this"
    path = strategy_file(workdir, f"a{char}b", kind="push", shifts=[rule], description=description)
    result = run("validate", path)
    assert result.exit_code == 1, result.stdout
    assert_terminal_safe(result.stdout)
    expected = {"name", "shifts.0.name"} | (set() if char == "\n" else {"description"})
    found = {line.split(": ")[1]: line for line in result.stdout.splitlines()[:-1]}
    assert set(found) == expected, result.stdout
    for line in found.values():
        assert f": contains the control character {code}" in line
        assert line.startswith(f"{path}:")


def test_the_report_page_shows_control_characters_as_escapes(
    workdir: Path, plain_data: Path
) -> None:
    pytest.importorskip("altair", reason="the report extra is not installed")
    pytest.importorskip("vl_convert", reason="the report extra is not installed")
    import cx
    import cx.report

    strategy = cx.load_strategy(strategy_file(workdir, "plain"))
    # No file can give such a name; text set on a loaded strategy is not checked again.
    strategy.name = "a\x00b\x85c\u2028d\x1b[2J\x7f"
    strategy.description = "e\u202ef\x0cg"
    page = cx.report.build_report([strategy], cx.load_interactions(plain_data))
    raw = HTML_UNSAFE.findall(page)
    assert not raw, raw
    assert "a\\x00b\\x85c\\u2028d\\x1b[2J\\x7f" in page  # shown as written, in the HTML
    assert "e\\u202ef\\x0cg" in page
