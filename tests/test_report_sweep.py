"""`cx report --set-range`: the first strategy's cost against today over one key (a line)
or two (a heat map), with the sentence that says where it saves most; the figures are
those of `cx sweep`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import cx

pytest.importorskip("altair", reason="the report extra is not installed")
pytest.importorskip("vl_convert", reason="the report extra is not installed")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chromium
from conftest import one_error_line, run_cx, write_csv, write_strategy
from test_report_bands import _specs, _values, assert_valid_vega_lite
from test_sweep_grid import PRICE, PUSH, SHARE

from cx.report.charts import HEAT_COLORS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
PUSHED = ROOT / "strategies" / "digital-first.yaml"
OTHER = ROOT / "strategies" / "branch-closure.yaml"
MINUTES = "channels.chat.handle_time"
GRID = ("--set-range", f"{SHARE}=0.2:0.6:0.2", "--set-range", f"{MINUTES}=450:660:210")


def _report(target: Path, *args: object) -> str:
    outcome = run_cx(
        "report", PUSHED, OTHER, "--data", EXAMPLE, *args, "-o", target, "--no-cache", "-q"
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout == "" and outcome.stderr == ""
    return target.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cube() -> cx.Cube:
    return cx.load_interactions(EXAMPLE)


@pytest.fixture(scope="module")
def grid_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _report(tmp_path_factory.mktemp("grid") / "report.html", *GRID)


@pytest.fixture(scope="module")
def line_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _report(
        tmp_path_factory.mktemp("line") / "report.html", "--set-range", f"{SHARE}=0:0.6:0.3"
    )


def test_sweep_charts_are_valid_vega_lite(grid_page: str, line_page: str) -> None:
    for page in (grid_page, line_page):
        assert "sweep-1" in _specs(page)
        assert_valid_vega_lite(_specs(page))


def test_the_heat_map_holds_the_grid_of_sweep(grid_page: str, cube: cx.Cube) -> None:
    spec = _specs(grid_page)["sweep-1"]
    assert "What if shifts.0.to.app and channels.chat.handle_time change?" in grid_page
    grid = cx.sweep(PUSHED, SHARE, [0.2, 0.4, 0.6], cube, key2=MINUTES, values2=[450, 660])
    rows = _values(spec)
    assert [(row["row"], row["column"]) for row in rows] == [
        (str(share), str(minutes)) for share in (0.2, 0.4, 0.6) for minutes in (450, 660)
    ]
    expected = [step.result.totals.cost_delta for step in grid.steps]
    assert [row["cost_delta"] for row in rows] == pytest.approx(expected)
    assert [row["best"] for row in rows] == [d == min(expected) for d in expected]
    # Cells coloured on the report's heat scale, the darkest the largest saving; the
    # order of the rows and columns is data (the ranks), not values quoted in the spec.
    cells = spec["layer"][0]
    assert cells["mark"]["type"] == "rect"
    assert cells["encoding"]["color"]["field"] == "cost_delta"
    assert cells["encoding"]["color"]["scale"] == {"range": HEAT_COLORS, "reverse": True}
    assert cells["encoding"]["x"]["sort"] == {"field": "column_rank", "order": "ascending"}
    assert cells["encoding"]["y"]["sort"] == {"field": "row_rank", "order": "ascending"}
    assert [row["row_rank"] for row in rows] == [0, 0, 1, 1, 2, 2]
    assert [row["column_rank"] for row in rows] == [0, 1] * 3


def test_the_sweep_sits_in_the_first_strategys_section_only(grid_page: str) -> None:
    first = grid_page.index('id="strategy-1"')
    second = grid_page.index('id="strategy-2"')
    assert grid_page.count('data-chart="sweep-1"') == 1
    assert first < grid_page.index('data-chart="sweep-1"') < second
    assert grid_page.count("saves most when") == 1


def test_the_grid_sentence_names_the_best_point(grid_page: str, cube: cx.Cube) -> None:
    grid = cx.sweep(PUSHED, SHARE, [0.2, 0.4, 0.6], cube, key2=MINUTES, values2=[450, 660])
    best = min(grid.steps, key=lambda step: step.result.totals.cost_delta)
    totals = best.result.totals
    share = -totals.cost_delta / totals.baseline_cost * 100
    assert best.values == {SHARE: 0.6, MINUTES: 450}  # more on the app, shorter chats
    assert (
        f"<b>digital-first</b> saves most when <code>{SHARE}</code> is 0.6 and "
        f"<code>{MINUTES}</code> is 450: it then costs {-totals.cost_delta:,.0f} "
        f"({share:.1f}%) less than today."
    ) in grid_page
    assert "It saves money at every one of the 6 combinations tried." in grid_page
    assert f"<code>{MINUTES}</code> moves the cost more" in grid_page


def test_one_key_draws_a_line_of_sweep(line_page: str, cube: cx.Cube) -> None:
    spec = _specs(line_page)["sweep-1"]
    assert "What if shifts.0.to.app changes?" in line_page
    curve = cx.sweep(PUSHED, SHARE, [0.0, 0.3, 0.6], cube)
    rows = _values(spec)
    assert [row["x"] for row in rows] == [0.0, 0.3, 0.6]
    assert [row["cost_delta"] for row in rows] == pytest.approx(
        [step.result.totals.cost_delta for step in curve.steps]
    )
    assert spec["layer"][0]["mark"]["type"] == "line"
    x = spec["layer"][0]["encoding"]["x"]
    assert x["field"] == "x" and x["type"] == "quantitative"
    assert "It saves money at every one of the 3 values tried." in line_page


def test_a_report_without_set_range_has_no_sweep(line_page: str, tmp_path: Path) -> None:
    page = _report(tmp_path / "plain.html")
    assert "sweep-1" not in _specs(page) and "saves most when" not in page
    assert "sweep-1" in _specs(line_page)


def test_the_sentence_on_a_grid_worked_out_by_hand(work: Path) -> None:
    """Ten calls at 5 each; a share s goes to the app at PRICE each:
    cost_delta = 10 · s · (PRICE − 5). Rows s = 0, 0.5, 1; columns PRICE = 1, 3:
        s = 0:   0    0
        s = 0.5: −20  −10
        s = 1:   −40  −20
    Down a column the cost moves by 40 and 20 (30 on average), across a row by 0, 10
    and 20 (10): the share matters more."""
    from cx.report import build_report

    rows = [(f"c{i}", f"2024-03-{i + 1:02d} 10:00:00", "phone") for i in range(10)]
    cube = cx.load_interactions(
        write_csv(work / "calls.csv", rows, ("customer_id", "timestamp", "channel"))
    )
    strategy = cx.load_strategy(write_strategy(work / "push.yaml", PUSH))
    grid = cx.sweep(strategy, SHARE, [0, 0.5, 1], cube, key2=PRICE, values2=[1, 3])
    page = build_report([strategy], cube, sweep=grid)
    assert (
        f"<b>to-app</b> saves most when <code>{SHARE}</code> is 1 and <code>{PRICE}</code> "
        "is 1: it then costs 40.00 (80.0%) less than today. At the other end, when "
        f"<code>{SHARE}</code> is 0 and <code>{PRICE}</code> is 3, it costs the same as "
        "today. It saves money at 4 of the 6 combinations tried. Over the values tried, "
        f"<code>{SHARE}</code> moves the cost more: by 30.00 on average from its cheapest "
        f"to its dearest value, against 10.00 for <code>{PRICE}</code>."
    ) in page
    cells = {
        (row["row"], row["column"]): row["cost_delta"] for row in _values(_specs(page)["sweep-1"])
    }
    assert cells == pytest.approx(
        {
            ("0", "1"): 0,
            ("0", "3"): 0,
            ("0.5", "1"): -20,
            ("0.5", "3"): -10,
            ("1", "1"): -40,
            ("1", "3"): -20,
        }
    )


def test_the_what_if_says_the_same_as_today_where_the_verdict_does(work: Path) -> None:
    """cost_delta = 10 · 0.2 · (PRICE − 5): at 4.999 it is −0.002, written 0.00. The
    what-if said "costs 0.00 (0.0%) less than today" and counted it as a saving (it
    decided by a relative 1e-9), where the verdict says "the same": both decide now by
    the figure written."""
    from cx.render.verdict import verdict
    from cx.report import build_report

    rows = [(f"c{i}", f"2024-03-{i + 1:02d} 10:00:00", "phone") for i in range(10)]
    cube = cx.load_interactions(
        write_csv(work / "calls.csv", rows, ("customer_id", "timestamp", "channel"))
    )
    strategy = cx.load_strategy(write_strategy(work / "push.yaml", PUSH))
    line = cx.sweep(strategy, PRICE, [3, 4.999], cube)
    assert line.steps[1].result.totals.cost_delta == pytest.approx(-0.002)
    assert verdict(line.steps[1].result).sentence.startswith("costs the same as today")
    page = build_report([strategy], cube, sweep=line)
    assert (
        f"<b>to-app</b> saves most when <code>{PRICE}</code> is 3: it then costs 4.00 (8.0%) "
        f"less than today. At the other end, when <code>{PRICE}</code> is 4.999, it costs "
        "the same as today. It saves money at 1 of the 2 values tried."
    ) in page


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (
            [*GRID, "--set-range", "channels.phone.hourly_cost=30:32:1"],
            ("--set-range is given 3 times",),
        ),
        (
            ["--set-range", f"{SHARE}=0:1:0.01", "--set-range", f"{MINUTES}=400:700:60"],
            ("101 × 6 = 606 points",),
        ),
        (["--set-range", "shifts.0.to.ap=0:1:0.5"], ("shifts.0.to.ap",)),
    ],
    ids=["three-keys", "too-many-points", "unknown-key"],
)
def test_a_wrong_range_is_one_line_before_any_data(
    work: Path, arguments: list[str], words: tuple[str, ...]
) -> None:
    outcome = run_cx("report", PUSHED, "--data", "missing.csv", *arguments, "-o", "r.html")
    line = one_error_line(outcome)
    for word in words:
        assert word in line, line
    assert not (work / "r.html").exists()


def test_heat_map_and_line_are_drawn_in_a_real_browser(
    grid_page: str, line_page: str, tmp_path: Path
) -> None:
    reason = chromium.available()
    if reason:
        pytest.skip(f"no headless browser: {reason}")
    for name, page in (("grid", grid_page), ("line", line_page)):
        target = tmp_path / f"{name}.html"
        target.write_text(page, encoding="utf-8")
        with chromium.browser(width=1280, height=1000) as driver:
            load = chromium.open_page(driver, target)
        assert load.rendered, load.charts
        assert not [e for e in load.console if e["level"] in ("SEVERE", "WARNING")], load.console
        drawn = {chart["key"]: chart for chart in load.charts}
        assert drawn["sweep-1"]["rendered"] == "true", drawn["sweep-1"]
        assert drawn["sweep-1"]["marks"] > 5, drawn["sweep-1"]
