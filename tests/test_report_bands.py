"""`cx report` on a strategy with an `uncertainty:` block: the band of its cost against
today (the figures `cx simulate --samples --seed` gives), the sentence that says it,
and the tornado of `cx sensitivity`; a strategy without the block gets the page it
always got."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest

import cx

pytest.importorskip("altair", reason="the report extra is not installed")
pytest.importorskip("vl_convert", reason="the report extra is not installed")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chromium
from conftest import run_cx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
UNCERTAIN = ROOT / "strategies" / "digital-first-uncertain.yaml"
CERTAIN = ROOT / "strategies" / "digital-first.yaml"
SAMPLES, SEED = 40, 5
INJECTED = "</script><script>window.__pwned=1</script><!--<script>"


def _specs(text: str) -> dict[str, dict]:
    match = re.search(r'<script type="application/json" id="cx-chart-specs">(.*?)</script>', text)
    assert match
    return json.loads(match.group(1))


def assert_valid_vega_lite(specs: dict[str, dict]) -> None:
    """Every chart spec of a page holds to the Vega-Lite schema (the report builds
    them without checking, for speed)."""
    import altair as alt
    from altair.utils.schemapi import validate_jsonschema

    schema = alt.vegalite.load_schema()
    assert specs
    for key, spec in specs.items():
        problem = validate_jsonschema(spec, schema, raise_error=False)
        assert problem is None, f"{key}: {problem}"


def _values(spec: dict) -> list[dict]:
    [values] = spec["datasets"].values()
    return values


def _cli_json(*args: object) -> dict:
    outcome = run_cx(*args, "--data", EXAMPLE, "--format", "json", "--no-cache", "-q")
    assert outcome.exit_code in (0, 1), outcome.stderr
    return json.loads(outcome.stdout)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path_factory.mktemp("bands") / "report.html"
    outcome = run_cx(
        "report", UNCERTAIN, CERTAIN, "--data", EXAMPLE, "--samples", SAMPLES,
        "--seed", SEED, "-o", target, "--no-cache", "-q",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout == ""
    return target.read_text(encoding="utf-8")


def test_every_chart_of_the_page_is_valid_vega_lite(page: str) -> None:
    assert {"bands-1", "tornado-1"} <= set(_specs(page))
    assert_valid_vega_lite(_specs(page))


@pytest.fixture(scope="module")
def simulated() -> dict:
    return _cli_json("simulate", UNCERTAIN, "--samples", SAMPLES, "--seed", SEED)


def test_band_sentence_holds_the_figures_of_simulate(page: str, simulated: dict) -> None:
    totals = simulated["totals"]
    bands = totals["bands"]
    assert bands["draws"] == SAMPLES
    saving = round(bands["p_saving"] * SAMPLES)
    assert saving == SAMPLES  # every draw of the example saves
    # Each draw against today at that draw: the volume and the phone's hourly cost the
    # example draws change today's cost too.
    low, high = (bands["cost_delta_pct"][p] for p in ("p5", "p95"))
    assert low < high < 0
    least, most = abs(high) * 100, abs(low) * 100
    sentence = (
        f"less than today (less in {saving} of {SAMPLES} draws; between {least:.1f}% and "
        f"{most:.1f}% less from their 5th to 95th percentile)"
    )
    # In the reading at a glance and in the strategy's own section.
    assert page.count(sentence) == 2
    assert f"{saving} of {SAMPLES} draws save money" in page


def test_band_chart_draws_the_band_of_simulate(page: str, simulated: dict) -> None:
    specs = _specs(page)
    assert "How sure is the saving?" in page
    total = _values(specs["bands-1"])[0]
    band = simulated["totals"]["bands"]["cost_delta"]
    assert total.pop("channel") == "All channels" and total.pop("rank") == 0
    assert total == pytest.approx({**band, "point": simulated["totals"]["cost_delta"]})
    assert total["p5"] <= total["p50"] <= total["p95"]


def test_band_chart_has_a_row_per_channel_under_the_total(page: str, simulated: dict) -> None:
    specs = _specs(page)
    total, *channels = _values(specs["bands-1"])
    expected = [c for c in simulated["channels"] if "bands" in c]
    assert len(expected) == len(simulated["channels"]) >= 5
    assert [row["channel"] for row in channels] == [c["channel"] for c in expected]
    assert [row["rank"] for row in channels] == list(range(1, len(expected) + 1))
    for row, channel in zip(channels, expected, strict=True):
        band = channel["bands"]["cost_delta"]
        assert {p: row[p] for p in ("p5", "p50", "p95")} == pytest.approx(band), row
    # Each channel's figure at the written values is its cost less its cost today: the
    # channels' figures add up to the total's.
    assert sum(row["point"] for row in channels) == pytest.approx(total["point"])
    moved = {row["channel"]: row["point"] for row in channels}
    assert moved["video"] < 0 < moved["chat"]  # video retired, its calls go to chat
    # The rows keep their order in the chart: data (the rank), not names in the spec.
    sort = specs["bands-1"]["layer"][0]["encoding"]["y"]["sort"]
    assert sort == {"field": "rank", "order": "ascending"}


def test_tornado_chart_holds_the_swings_of_sensitivity(page: str) -> None:
    specs = _specs(page)
    sensitivity = _cli_json("sensitivity", UNCERTAIN)
    rows = _values(specs["tornado-1"])
    assert len(rows) == 2 * len(sensitivity["keys"]) == 10
    shown = {(row["key"], row["end"]): (row["at"], row["value"]) for row in rows}
    for rank, key in enumerate(sensitivity["keys"]):
        assert shown[key["key"], "low"] == pytest.approx((key["low"], key["at_low"]))
        assert shown[key["key"], "high"] == pytest.approx((key["high"], key["at_high"]))
        assert {row["rank"] for row in rows if row["key"] == key["key"]} == {rank}
    assert [row["base"] for row in rows] == pytest.approx([sensitivity["base"]] * len(rows))
    # Sorted by the swing, largest on top: the order is the rank, data in the spec.
    swings = [key["swing"] for key in sensitivity["keys"]]
    assert swings == sorted(swings, reverse=True)
    sort = specs["tornado-1"]["layer"][0]["encoding"]["y"]["sort"]
    assert sort == {"field": "rank", "order": "ascending"}


def _bar_extents(spec: dict) -> dict[str, tuple[float, float]]:
    """Each key's bar in a tornado's spec: from the least to the most of the x and x2
    fields its bar mark draws between, over the key's rows."""
    layers = spec.get("layer", [spec])
    [bar] = [layer for layer in layers if layer["mark"]["type"] == "bar"]
    x = bar["encoding"]["x"]["field"]
    x2 = bar["encoding"]["x2"]["field"]
    extents: dict[str, tuple[float, float]] = {}
    for row in _values(spec):
        low, high = extents.get(row["key"], (row[x], row[x]))
        extents[row["key"]] = (min(low, row[x], row[x2]), max(high, row[x], row[x2]))
    return extents


def test_tornado_bars_span_each_key_s_low_to_its_high(tmp_path: Path) -> None:
    """A chat handle time drawn 640 to 660 while the strategy writes 540 puts both its
    figures on one side of the figure at the written values: its bar ran from there, as
    long as the longest though it swings least. Each bar spans the figure at the key's
    low to that at its high (its length the swing); a dashed line marks the base."""
    skewed = ("--set", "uncertainty.channels.chat.handle_time={low: 640, high: 660}")
    sensitivity = _cli_json("sensitivity", UNCERTAIN, *skewed)
    target = tmp_path / "report.html"
    outcome = run_cx(
        "report", UNCERTAIN, *skewed, "--data", EXAMPLE, "--samples", 4, "-o", target,
        "--no-cache", "-q",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    spec = _specs(target.read_text(encoding="utf-8"))["tornado-1"]
    extents = _bar_extents(spec)
    for key in sensitivity["keys"]:
        ends = sorted((key["at_low"], key["at_high"]))
        assert extents[key["key"]] == pytest.approx(tuple(ends)), key["key"]
    [rule] = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert rule["encoding"]["x"]["datum"] == pytest.approx(sensitivity["base"])


def test_a_strategy_without_uncertainty_gets_no_band_and_no_tornado(page: str) -> None:
    keys = set(_specs(page))
    assert {"bands-1", "tornado-1"} <= keys
    assert not {"bands-2", "tornado-2"} & keys
    assert page.count('<div class="title">Which assumption matters most</div>') == 1
    assert page.count('<div class="title">How sure is the saving?</div>') == 1


def test_without_uncertainty_the_page_is_the_same_whatever_the_samples() -> None:
    from cx.report import build_report

    cube = cx.load_interactions(EXAMPLE)
    strategies = [cx.load_strategy(CERTAIN)]
    generated = datetime(2026, 1, 2, 3, 4)
    plain = build_report(strategies, cube, generated=generated)
    drawn = build_report(strategies, cube, generated=generated, samples=30, seed=9)
    assert drawn == plain
    assert "of 100 draws" not in plain and "How sure" not in plain


def test_the_same_seed_draws_the_same_band_and_samples_zero_draws_none() -> None:
    from cx.report import build_report

    cube = cx.load_interactions(EXAMPLE)
    strategies = [cx.load_strategy(UNCERTAIN)]
    generated = datetime(2026, 1, 2, 3, 4)
    first, second, other = (
        build_report(strategies, cube, generated=generated, samples=20, seed=seed)
        for seed in (1, 1, 2)
    )
    assert first == second
    assert _values(_specs(first)["bands-1"]) != _values(_specs(other)["bands-1"])
    none = build_report(strategies, cube, generated=generated)
    assert not {"bands-1", "tornado-1"} & set(_specs(none))
    assert "of 100 draws" not in none


def test_samples_without_uncertainty_is_a_usage_error(tmp_path: Path) -> None:
    outcome = run_cx(
        "report", CERTAIN, "--data", EXAMPLE, "--samples", 10, "-o", tmp_path / "r.html",
        "--no-cache", "-q",
    )  # fmt: skip
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    assert "--samples draws the strategy's `uncertainty:` ranges, and it has none" in (
        outcome.stderr
    )
    assert not (tmp_path / "r.html").exists()


def test_a_hostile_strategy_name_with_bands_is_text(tmp_path: Path) -> None:
    strategy = tmp_path / "hostile.yaml"
    strategy.write_text(
        f"extends: {json.dumps(str(UNCERTAIN))}\nname: {json.dumps(INJECTED)}\n",
        encoding="utf-8",
    )
    target = tmp_path / "report.html"
    outcome = run_cx(
        "report", strategy, "--data", EXAMPLE, "--samples", 10, "-o", target, "--no-cache",
        "-q",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    page = target.read_text(encoding="utf-8")
    assert INJECTED not in page
    assert page.count("<script") == 3  # the chart data, the chart library, the embedding
    specs = re.search(r'id="cx-chart-specs">(.*?)</script>', page)
    assert specs is not None and not re.search("[<>&]", specs.group(1))
    assert {"bands-1", "tornado-1"} <= set(json.loads(specs.group(1)))
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=1" in page


def test_band_and_tornado_are_drawn_in_a_real_browser(page: str, tmp_path: Path) -> None:
    reason = chromium.available()
    if reason:
        pytest.skip(f"no headless browser: {reason}")
    target = tmp_path / "report.html"
    target.write_text(page, encoding="utf-8")
    with chromium.browser(width=1280, height=1000) as driver:
        load = chromium.open_page(driver, target)
    assert load.rendered, load.charts
    assert not [e for e in load.console if e["level"] in ("SEVERE", "WARNING")], load.console
    drawn = {chart["key"]: chart for chart in load.charts}
    for key in ("bands-1", "tornado-1"):
        assert drawn[key]["rendered"] == "true", drawn[key]
        assert drawn[key]["marks"] > 5, drawn[key]
