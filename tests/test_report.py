"""`cx report`: the HTML page, its figures, the CLI, and a real headless browser.

The browser test opens the page in Debian's Chromium (driven by Selenium with
/usr/bin/chromedriver): no console errors, no network request, every chart drawn
as a non-empty SVG; screenshots and a PDF print go to ``test-artifacts/``. It is
skipped, with the reason, where Chromium is not installed.
"""

from __future__ import annotations

import json
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

import cx
from cx import api
from cx.report.data import staffing_week, weekday_counts

pytest.importorskip("altair", reason="the report extra is not installed")
pytest.importorskip("vl_convert", reason="the report extra is not installed")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
STRATEGIES = [
    ROOT / "strategies" / name
    for name in ("digital-first.yaml", "branch-closure.yaml", "follow-everywhere.yaml")
]
ARTIFACTS = ROOT / "test-artifacts"
NETWORK_SCHEMES = ("http:", "https:", "ws:", "wss:", "ftp:")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chromium  # noqa: E402
from conftest import run_cx  # noqa: E402


@pytest.fixture(scope="module")
def cube() -> cx.Cube:
    return cx.load_interactions(EXAMPLE)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the three example strategies, made through the CLI."""
    target = tmp_path_factory.mktemp("report") / "report.html"
    outcome = run_cx(
        "report",
        *map(str, STRATEGIES),
        "--data",
        str(EXAMPLE),
        "-o",
        str(target),
        "--no-cache",
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout == ""
    assert "wrote the report" in outcome.stderr
    return target


# --------------------------------------------------------------------------- the page


def _specs(text: str) -> dict[str, dict]:
    match = re.search(r'<script type="application/json" id="cx-chart-specs">(.*?)</script>', text)
    assert match
    return json.loads(match.group(1))


def test_every_chart_of_the_page_is_valid_vega_lite(page: Path) -> None:
    from test_report_bands import assert_valid_vega_lite

    assert_valid_vega_lite(_specs(page.read_text(encoding="utf-8")))


def test_page_has_outcomes_per_strategy(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    # One Outcomes table per strategy: journeys, cost per journey, satisfaction.
    assert text.count(">Outcomes<") == len(STRATEGIES)
    assert "Cost per journey" in text and "Satisfaction" in text


def test_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    # nothing is loaded from elsewhere: no external scripts, styles, images or fonts
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)=["\']?(https?:)?//', text)
    assert "@import" not in text and "url(http" not in text
    assert "window.vegaEmbed" in text  # the Vega libraries are inline


def test_page_has_every_part(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for heading in (
        "At a glance",
        "Comparison",
        "Cost and coverage over time",
        "Channels before and after",
        "Channel dilution",
        "Guards",
        "Agents scheduled per hour of the week",
    ):
        assert heading in text, heading
    specs = _specs(text)
    keys = set(re.findall(r'data-chart="([^"]+)"', text))
    assert keys == set(specs)
    assert {"cost-per-period", "coverage-per-period", "channel-volumes", "cost-by-channel"} <= keys
    assert {"staffing-1", "staffing-2", "staffing-3"} <= keys
    for name in ("digital-first", "branch-closure", "follow-everywhere"):
        assert f"<b>{name}</b>" in text
    assert "@media print" in text and "@page" in text


def test_single_strategy_page_has_no_comparison(cube: cx.Cube) -> None:
    from cx.report import build_report

    strategy = cx.load_strategy(STRATEGIES[0])
    text = build_report([strategy], cube, title="Digital first <draft>")
    assert "<title>Digital first &lt;draft&gt;</title>" in text
    assert "<caption>Comparison</caption>" not in text
    assert "digital-first (push) vs baseline" in text


def test_a_strategy_named_like_the_baseline_is_told_apart(tmp_path: Path) -> None:
    """A strategy named `baseline` or `baseline-v2` sent cx report into an endless loop
    (every `baseline-v2 (n)` it tried still started like a baseline's name)."""
    from cx.report.charts import TODAY_COLOR

    files = []
    for name, parent in (("baseline-v2", STRATEGIES[0]), ("baseline", STRATEGIES[1])):
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text(f"version: 1\nextends: {parent}\nname: {name}\n")
    target = tmp_path / "report.html"

    def endless(signum: int, frame: object) -> None:
        raise TimeoutError("cx report did not finish")

    previous = signal.signal(signal.SIGALRM, endless)
    signal.alarm(120)
    try:
        outcome = run_cx("report", *files, "--data", EXAMPLE, "-o", target, "--no-cache", "-q")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert outcome.exit_code == 0, (outcome.exception, outcome.stderr)
    specs = _specs(target.read_text(encoding="utf-8"))
    scale = specs["channel-volumes"]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["baseline", "baseline-v2", "baseline (2)"]
    assert scale["range"][0] == TODAY_COLOR and TODAY_COLOR not in scale["range"][1:]
    dashed = specs["cost-per-period"]["layer"][0]["encoding"]["strokeDash"]["condition"]
    assert dashed["test"] == {"field": "scenario", "oneOf": ["baseline"]}


def test_period_figures_match_simulate(cube: cx.Cube, page: Path) -> None:
    specs = _specs(page.read_text(encoding="utf-8"))
    values = next(iter(specs["cost-per-period"]["datasets"].values()))
    result = api.simulate(cx.load_strategy(STRATEGIES[0]), cube)
    shown = {v["period"]: v["cost"] for v in values if v["scenario"] == "digital-first"}
    assert shown == pytest.approx({p.period: p.cost for p in result.periods})


# --------------------------------------------------------------------------- staffing data


def test_staffing_intervals_add_up_to_agent_hours(cube: cx.Cube) -> None:
    strategy = cx.load_strategy(STRATEGIES[0])
    result = api.simulate(strategy, cube)
    intervals = api.staffing_intervals(strategy, cube)
    assert {"channel", "interval_start", "contacts", "load", "agents"} <= set(intervals.columns)
    hours = strategy.staffing.interval / 60
    for channel, frame in intervals.group_by("channel"):
        name = channel[0]
        shrinkage = strategy.channels[name].shrinkage
        scheduled = frame["agents"].sum() * hours / (1 - shrinkage)
        assert scheduled == pytest.approx(result.channel(name).agent_hours)
    # the §8 JSON is unchanged: no interval frame in it
    assert "intervals" not in json.loads(result.model_dump_json())


def test_heat_map_cells_add_up_to_agent_hours(cube: cx.Cube) -> None:
    from datetime import datetime

    from cx.report.build import scenarios_for

    [scenario], _ = scenarios_for([cx.load_strategy(STRATEGIES[2])], cube, None)
    week = staffing_week(scenario, cube)
    first = datetime.fromisoformat(cube.meta.first_timestamp or "").date()
    last = datetime.fromisoformat(cube.meta.last_timestamp or "").date()
    occurrences = weekday_counts(first, last)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    total = (
        week.with_columns(
            n=pl.col("weekday").replace_strict({d: occurrences[i] for i, d in enumerate(days)})
        )
        .group_by("channel")
        .agg((pl.col("agents") * pl.col("n")).sum())
    )
    for name, hours in total.iter_rows():
        assert hours == pytest.approx(scenario.result.channel(name).agent_hours)
    assert week.height == 7 * 24 * total.height


def _days_of_history(tmp_path: Path, first: str, last: str) -> cx.Cube:
    """The example's contacts from ``first`` to ``last`` (dates, both included)."""
    path = tmp_path / "days.csv"
    day = pl.col("timestamp").str.slice(0, 10)
    rows = pl.read_csv(EXAMPLE, infer_schema=False)
    rows.filter(day.is_between(pl.lit(first), pl.lit(last))).write_csv(path)
    return cx.load_interactions(path)


def test_heat_map_of_a_short_history_says_its_days(tmp_path: Path) -> None:
    """Three days of data: the heat map's caption said its means were "over the 0 weeks
    of history"."""
    from cx.report import build_report

    cube = _days_of_history(tmp_path, "2024-01-03", "2024-01-05")
    text = build_report([cx.load_strategy(STRATEGIES[2])], cube)
    assert "over the 3 days of history" in text
    assert "0 weeks" not in text


def test_a_history_of_one_day_is_counted_in_the_singular(tmp_path: Path) -> None:
    """The yearly table of a day's contacts was headed "History (1 days)"."""
    from cx.report import build_report

    cube = _days_of_history(tmp_path, "2024-01-03", "2024-01-03")
    text = build_report([cx.load_strategy(STRATEGIES[2])], cube)
    assert "History (1 day)<" in text
    assert "1 days" not in text


def test_a_history_of_one_period_says_it_in_the_singular(tmp_path: Path) -> None:
    """The page's subtitle said a history within one month was "(1 months)"."""
    from cx.report import build_report

    cube = _days_of_history(tmp_path, "2024-01-03", "2024-01-05")
    text = build_report([cx.load_strategy(STRATEGIES[2])], cube)
    assert "<b>2024-01-05</b> (3 days in 1 month) · 1 strategy" in text


def test_a_history_that_covers_part_of_its_periods_says_its_days(
    tmp_path: Path, page: Path
) -> None:
    """Ten days of March were "2024-03-04 to 2024-03-13 (1 month)" under the page's title,
    beside "History (10 days)" in its tables; whole months are said as months."""
    from cx.report import build_report

    cube = _days_of_history(tmp_path, "2024-01-20", "2024-03-10")
    text = build_report([cx.load_strategy(STRATEGIES[2])], cube)
    assert "<b>2024-03-10</b> (51 days in 3 months) · 1 strategy" in text
    assert "<b>2024-06-30</b> (6 months) · 3 strategies" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("values", "axis_format", "labels"),
    [
        ((7405.68, 7406.32), ",.0f", ["7,405", "7,406", "7,407"]),
        ((0.99996, 1.0), ".1%", ["99.9%", "100.0%"]),
        ((7405.0, 7408.0), ",.0f", ["7,405", "7,406", "7,407", "7,408"]),
        ((1.0, 1.0), ".1%", ["100.0%"]),
    ],
)
def test_a_line_chart_s_axis_never_writes_one_label_twice(
    values: tuple[float, float], axis_format: str, labels: list[str]
) -> None:
    """Ten days of a push strategy costing 0.64 more than today's 7,406: the cost axis
    zoomed in to the 0.64 between the points and wrote "7,406" eight times, the two
    points far apart under labels that said they were alike."""
    import vl_convert

    from cx.report import charts

    frame = pl.DataFrame(
        {"scenario": ["today", "push"], "period": ["2024-03", "2024-03"], "cost": values}
    )
    spec = charts.period_lines(frame, "cost", "Cost", axis_format, ["today", "push"], 1)
    drawn = vl_convert.vegalite_to_svg(spec)
    assert re.findall(r">([\d.,]+%?)</text>", drawn) == labels


def _card_share(page: str, kpi: str) -> str:
    """The small share beside a card's figure ``kpi`` (the first card's)."""
    found = re.search(rf"<dt>{kpi}</dt><dd>.*?<small>(.*?)</small>", page)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(("to_web", "share"), [(0.0002, "+&lt;0.1%"), (0.0, "±0.0%")])
def test_a_card_s_share_of_today_never_says_nothing_beside_a_change(
    cube: cx.Cube, tmp_path: Path, to_web: float, share: str
) -> None:
    """A strategy costing 0.64 more than today's 7,406 read "+0.64 +0.0%" on its card, a
    share that says nothing beside an amount that is not nothing."""
    from cx.report import build_report

    path = tmp_path / "a-little-to-web.yaml"
    path.write_text(
        f"version: 1\nextends: {STRATEGIES[2]}\nname: a-little-to-web\nkind: push\n"
        f"shifts:\n  - {{from: phone, to: {{web: {to_web}}}, containment: 0.5}}\n"
    )
    strategy = cx.load_strategy(path)
    assert _card_share(build_report([strategy], cube), "Cost vs today") == share


def test_a_card_colours_a_cost_change_only_where_it_is_written(
    cube: cx.Cube, tmp_path: Path
) -> None:
    """A change of a fraction of a cent is written 0 and said 'the same as today' by the
    verdict: its card coloured it red as a cost increase."""
    from cx.report import build_report

    path = tmp_path / "a-hair-to-web.yaml"
    path.write_text(
        f"version: 1\nextends: {STRATEGIES[2]}\nname: a-hair-to-web\nkind: push\n"
        "shifts:\n  - {from: phone, to: {web: 0.0000001}, containment: 0.5}\n"
    )
    strategy = cx.load_strategy(path)
    delta = cx.simulate(strategy, cube).totals.cost_delta
    assert 0 < abs(delta) < 0.005  # a change, written as none
    card = re.search(r"<dt>Cost vs today</dt><dd><span([^>]*)>(.*?)</span>", build_report(
        [strategy], cube
    ))
    assert card is not None and card.group(2) == "0"
    assert card.group(1) == ' class=""'


# --------------------------------------------------------------------------- CLI


def test_cli_writes_html_to_stdout_when_not_a_terminal() -> None:
    outcome = run_cx("report", str(STRATEGIES[2]), "--data", str(EXAMPLE), "--no-cache", "-q")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout.startswith("<!DOCTYPE html>")
    assert outcome.stderr == ""


@pytest.mark.parametrize(
    ("unimportable", "said"),
    [
        ("altair", "needs the optional package altair"),  # not installed: said up front
        ("cx.report.build", "cannot import its chart library"),  # installed, but broken
    ],
)
def test_cli_missing_chart_library_is_a_clear_error(
    unimportable: str, said: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, unimportable, None)  # import says it is not there
    outcome = run_cx(
        "report",
        str(STRATEGIES[0]),
        "--data",
        str(EXAMPLE),
        "-o",
        str(tmp_path / "r.html"),
    )
    assert outcome.exit_code == 2
    assert said in outcome.stderr
    assert "pip install 'cx[report]'" in outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["strategies/nope.yaml", "--data", str(EXAMPLE)], "nope.yaml"),
        ([str(STRATEGIES[0]), "--data", "missing.csv"], "not found"),
        ([str(STRATEGIES[0]), "--data", str(EXAMPLE), "--interval", "7"], "--interval"),
    ],
)
def test_cli_user_mistakes_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    outcome = run_cx("report", *args, "-o", str(tmp_path / "r.html"), "--no-cache")
    assert outcome.exit_code == 2
    assert message in outcome.stderr
    assert outcome.stdout == ""
    assert "Traceback" not in outcome.stderr


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    reason = chromium.available()
    if reason:
        pytest.skip(f"no headless browser: {reason}")
    with chromium.browser(width=1280, height=1000) as browser:
        yield browser


def test_report_in_a_real_browser(driver: object, page: Path) -> None:
    load = chromium.open_page(driver, page)
    ARTIFACTS.mkdir(exist_ok=True)
    chromium.screenshot(driver, ARTIFACTS / "report.png")
    chromium.screenshot(driver, ARTIFACTS / "report-top.png", full_page=False)
    pdf = driver.execute_cdp_cmd(  # type: ignore[attr-defined]
        "Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}
    )
    import base64

    (ARTIFACTS / "report.pdf").write_bytes(base64.b64decode(pdf["data"]))

    assert load.rendered, f"charts did not finish rendering: {load.charts}"
    errors = [e for e in load.console if e.get("level") in ("SEVERE", "WARNING")]
    assert errors == [], errors
    network = [url for url in load.requests if url.startswith(NETWORK_SCHEMES)]
    assert network == [], network
    assert page.resolve().as_uri() in load.requests  # the log did record the page itself
    assert len(load.charts) >= 7
    for chart in load.charts:
        assert chart["rendered"] == "true", chart
        assert chart["width"] > 100 and chart["height"] > 50, chart
        assert chart["marks"] > 10, chart
    assert (ARTIFACTS / "report.png").stat().st_size > 50_000


# --------------------------------------------------------------------------- the script


@pytest.fixture
def fresh_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache directory, and no bundle kept in this process."""
    from cx.report import build

    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    build.javascript_bundle.cache_clear()
    yield tmp_path / "cache"
    build.javascript_bundle.cache_clear()


def test_the_report_script_is_bundled_once_per_install(
    fresh_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vl_convert

    from cx.report import build

    first = build.javascript_bundle()
    assert "vega" in first and len(first) > 100_000
    assert len(list(fresh_bundle.glob("report-script-*.json"))) == 1

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("bundled again")

    monkeypatch.setattr(vl_convert, "javascript_bundle", refuse)
    build.javascript_bundle.cache_clear()
    assert build.javascript_bundle() == first  # read back, not bundled


def test_a_damaged_or_unwritable_script_entry_is_bundled_again(
    fresh_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vl_convert

    from cx.report import build

    build.javascript_bundle()
    (entry,) = fresh_bundle.glob("report-script-*.json")
    entry.write_text(entry.read_text().replace("vega", "VEGA", 1))  # an edited byte
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda **kwargs: "/* bundled */")
    build.javascript_bundle.cache_clear()
    assert build.javascript_bundle() == "/* bundled */"
    build.javascript_bundle.cache_clear()
    assert build.javascript_bundle() == "/* bundled */"  # stored again, read back
    blocker = fresh_bundle.parent / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("CX_CACHE_DIR", str(blocker))
    build.javascript_bundle.cache_clear()
    assert build.javascript_bundle() == "/* bundled */"  # no cache: bundled, no error
