"""Every money figure of the report says its currency as the rest of the page does:
the ends of a band, a guard's value on a cost, the titles of the charts' money axes;
each strategy's own currency where strategies of different currencies share a page."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import pytest

import cx
from cx import api
from cx.render.numbers import MINUS, band, currency_label, money, percent, signed, whole

pytest.importorskip("altair", reason="the report extra is not installed")
pytest.importorskip("vl_convert", reason="the report extra is not installed")

from cx.report import build_report

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_report_assumptions import table
from test_report_bands import assert_valid_vega_lite

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
UNCERTAIN = ROOT / "strategies" / "digital-first-uncertain.yaml"
SAMPLES = 20


@pytest.fixture(scope="module")
def cube() -> cx.Cube:
    return api.load_interactions(EXAMPLE)


@pytest.fixture(scope="module")
def mixed(cube: cx.Cube) -> str:
    """A page of the same uncertain strategy in € and in CHF."""
    euros = api.load_strategy(UNCERTAIN, ["currency=€"])
    francs = api.load_strategy(UNCERTAIN, ["currency=CHF", "name=in-francs"])
    return build_report([euros, francs], cube, samples=SAMPLES)


def _sections(page: str) -> list[str]:
    """Each strategy's own section of the page."""
    return re.findall(r'<section class="strategy".*?</section>', page, re.S)


def _specs(page: str) -> dict[str, dict]:
    match = re.search(r'id="cx-chart-specs">(.*?)</script>', page)
    assert match
    return json.loads(match.group(1))


# --------------------------------------------------------------------------- bands


def test_the_ends_of_a_band_carry_the_currency() -> None:
    """`−€36,458 (−52k … −21k)`: the band's ends, shortened, lost the currency label
    that the figure beside them carries."""
    with currency_label("€"):
        assert band(money(-36_458), -52_000, -21_000, money) == (
            f"{MINUS}€36,458 ({MINUS}€52k … {MINUS}€21k)"
        )
        assert band(money(1.2e6), 1.1e6, 1.3e6, money) == "€1,200,000 (€1.1M … €1.3M)"
        assert band(money(500), 400, 600, money) == "€500 (€400 … €600)"
        assert band(whole(12_000), 11_000, 13_000, whole) == "12,000 (11k … 13k)"
    with currency_label("CHF"):
        assert band(money(-36_458), -52_000, -21_000, money).endswith(f"{MINUS}CHF 21k)")
    unlabelled = band(money(-36_458), -52_000, -21_000, money)
    assert unlabelled == f"{MINUS}36,458 ({MINUS}52k … {MINUS}21k)"


def test_a_band_whose_ends_are_written_the_same_is_one_figure() -> None:
    assert band(percent(0.976), 0.9761, 0.9764, percent) == "97.6% (97.6%)"
    assert band(money(654_470), 654_100, 654_200, money) == "654,470 (654k)"
    assert band(money(500), 400, 600, money) == "500 (400 … 600)"


def test_each_strategy_s_bands_carry_its_own_currency(mixed: str) -> None:
    euros, francs = _sections(mixed)
    for section, currency, other in ((euros, "€", "CHF"), (francs, "CHF ", "€")):
        caption = re.search(r"<caption>([^<]*vs baseline)</caption>", section)
        assert caption
        [cost] = [
            row for row in table(section, html.unescape(caption.group(1))) if row[0] == "Cost"
        ]
        _, shown, _, change = cost
        ends = [
            end for text in (shown, change) for end in re.findall(r"\((.*?) … (.*?)\)", text)[0]
        ]
        assert len(ends) == 4
        for end in ends:
            assert end.lstrip(MINUS).startswith(currency), (end, cost)
        assert other not in shown + change


# --------------------------------------------------------------------------- guards


def test_a_guard_on_money_shows_its_value_with_the_currency(mixed: str) -> None:
    """`cost_delta < 0` showed `−25,025` beside tables that write `−€25,025`."""
    for section, currency in zip(_sections(mixed), ("€", "CHF "), strict=True):
        guards = {row[1]: row[2] for row in table(section, "Guards")[1:]}
        assert guards["cost_delta < 0"].startswith(MINUS + currency)
        assert guards["coverage >= 0.97"][0].isdigit()  # a share, not money
        assert guards["channels.phone.occupancy <= 0.9"][0].isdigit()


def test_a_guard_value_with_more_digits_keeps_its_currency() -> None:
    from cx.models.result import GuardResult
    from cx.render.sections import guard_value

    with currency_label("€"):
        failing = GuardResult(expr="channels.phone.cost <= 1000", value=1000.4, ok=False)
        assert guard_value(failing) == "€1,000.4"
        missing = GuardResult(expr="cost_per_journey < 5", value=None, ok=False)
        assert guard_value(missing) == "–"
        assert guard_value(GuardResult(expr="lost < 5", value=3, ok=True)) == "3"
    assert guard_value(failing) == "1,000.4"


# --------------------------------------------------------------------------- charts


def _titles(node: object) -> list[str]:
    """Every title of a chart spec (axes, legends, tooltips), as text."""
    if isinstance(node, dict):
        found = []
        for key, value in node.items():
            if key == "title" and isinstance(value, str | list):
                found.append(" ".join(value) if isinstance(value, list) else value)
            else:
                found += _titles(value)
        return found
    if isinstance(node, list):
        return [title for item in node for title in _titles(item)]
    return []


def _money_titles(spec: dict) -> list[str]:
    return [t for t in _titles(spec) if re.search(r"(?i)cost|percentile|median|written", t)]


def test_the_money_axes_of_a_strategy_s_charts_say_its_currency(mixed: str) -> None:
    specs = _specs(mixed)
    assert_valid_vega_lite(specs)
    for key, currency in (("bands-1", "€"), ("tornado-1", "€"), ("bands-2", "CHF"),
                          ("tornado-2", "CHF")):  # fmt: skip
        titles = _money_titles(specs[key])
        assert titles, key
        for title in titles:
            assert f"({currency}" in title, (key, title)
    assert "Cost against today (€; negative: saves)" in _titles(specs["bands-1"])
    # Charts that set the two side by side have no one currency: the page says so.
    for key in ("cost-per-period", "cost-by-channel"):
        assert not any("€" in t or "CHF" in t for t in _titles(specs[key])), key
    assert "label money in different currencies (CHF, €)" in mixed


def test_the_money_axes_of_a_page_in_one_currency_say_it(cube: cx.Cube) -> None:
    euros = api.load_strategy(UNCERTAIN, ["currency=€"])
    grid = api.sweep(
        euros, "shifts.0.to.app", [0.3, 0.5], cube,
        key2="channels.chat.handle_time", values2=[450, 600],
    )  # fmt: skip
    specs = _specs(build_report([euros], cube, sweep=grid))
    assert_valid_vega_lite(specs)
    assert "Cost (€)" in _titles(specs["cost-per-period"])
    assert "Cost over the whole history (€)" in _titles(specs["cost-by-channel"])
    assert "Contacts served" in _titles(specs["coverage-per-period"])
    sweep = _money_titles(specs["sweep-1"])
    assert sweep and all("(€" in title for title in sweep)
    plain = _specs(build_report([api.load_strategy(UNCERTAIN)], cube))
    assert "Cost" in _titles(plain["cost-per-period"])
    assert not any("(" in t for t in _money_titles(plain["cost-by-channel"]))


@pytest.mark.parametrize(("currency", "kept"), [("€", f"{MINUS}€"), ("CHF", f"{MINUS}CHF")])
def test_a_card_s_saving_breaks_no_line_after_its_minus(
    cube: cx.Cube, currency: str, kept: str
) -> None:
    """A browser may break a line between a minus and a currency sign, and did in a
    card's narrow column: the minus alone above €25,025. The sign and the currency are
    one unbreakable piece; the figure reads as the verdict writes it."""
    digital_first = ROOT / "strategies" / "digital-first.yaml"
    strategy = api.load_strategy(digital_first, [f"currency={currency}"])
    result = api.simulate(strategy, cube)
    page = build_report([strategy], cube)
    value = re.search(r"<dt>Cost vs today</dt><dd><span[^>]*>(.*?)</span><small>", page)
    assert value is not None
    assert value.group(1).startswith(f'<span class="nobr">{kept}</span>')
    with currency_label(currency):
        assert html.unescape(re.sub(r"<[^>]+>", "", value.group(1))) == signed(
            result.totals.cost_delta, money
        )
    assert ".nobr { white-space: nowrap; }" in page
