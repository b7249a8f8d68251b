"""The report's Assumptions: every input of a strategy, where it came from, what the data
says about it, and the history's figures beside the same per year."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

import cx
from cx import api
from cx.render.numbers import MINUS, currency_label, signed
from cx.render.sections import money

pytest.importorskip("altair", reason="the report extra is not installed")
pytest.importorskip("vl_convert", reason="the report extra is not installed")

from cx.report import build_report

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
DIGITAL_FIRST = ROOT / "strategies" / "digital-first.yaml"


def table(page: str, title: str) -> list[list[str]]:
    """The header and rows of the table captioned ``title``, as the reader sees them."""
    match = re.search(
        rf"<caption>{re.escape(html.escape(title))}</caption>(.*?)</table>", page, re.S
    )
    assert match, f"no table {title!r}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S)
    return [
        [html.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]


def by_first_column(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *body = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


@pytest.fixture(scope="module")
def cube() -> cx.Cube:
    return api.load_interactions(EXAMPLE, outcomes=True)


@pytest.fixture(scope="module")
def profile(cube: cx.Cube) -> cx.InspectResult:
    return api.inspect_interactions(cube)


@pytest.fixture(scope="module")
def page(cube: cx.Cube, profile: cx.InspectResult) -> str:
    return build_report([api.load_strategy(DIGITAL_FIRST)], cube, profile=profile)


def test_channels_show_each_input_and_where_the_handle_time_came_from(page: str) -> None:
    assert "<h3>Assumptions</h3>" in page
    channels = by_first_column(table(page, "Channels: the inputs"))
    # follow-everywhere.yaml (which digital-first extends) sets phone's inputs
    assert channels["phone"] == {
        "Channel": "phone",
        "Mode": "live",
        "Handle time": "360 s (catalog)",
        "Per hour": "32.00",
        "Per contact": "–",
        "Per month": "–",
        "Shrinkage": "30%",
        "Service level": "80% in 20 s",
        "Concurrency": "1",
    }
    assert channels["chat"]["Concurrency"] == "2.5"
    assert channels["chat"]["Service level"] == "80% in 60 s"
    assert channels["email"]["Service level"] == "–"  # async without a target
    assert channels["email"]["Shrinkage"] == "25%"
    # web: self-service, paid per contact and per month, nothing staffed
    assert (channels["web"]["Per contact"], channels["web"]["Per month"]) == (
        "0.10",
        "20,000",
    )
    assert channels["web"]["Handle time"] == "–"
    assert channels["web"]["Shrinkage"] == channels["web"]["Concurrency"] == "–"
    # branch has no handle_time in the catalog: the observed mean is used
    assert "video (retired)" in channels
    assert "Hours" not in table(page, "Channels: the inputs")[0]  # no `hours` in the catalog


def test_observed_handle_time_is_the_data_mean(page: str, cube: cx.Cube) -> None:
    channels = by_first_column(table(page, "Channels: the inputs"))
    mean = cube.observed_handle_time()["branch"]
    assert channels["branch (retired)"]["Handle time"] == f"{mean:,.0f} s (observed)"


def test_rules_show_share_ramp_and_containment_assumed_and_observed(
    page: str, profile: cx.InspectResult
) -> None:
    header, *rows = table(page, "Shift rules: containment assumed against observed")
    shown = [dict(zip(header, row, strict=True)) for row in rows]
    app = profile.channel("app")
    assert shown[0] == {
        "Rule": "balance-and-statements-to-self-service",
        "Shift": "phone → app",
        "Share": "50%",
        "Ramp": "4 months, s-curve",
        "Assumed": "80%",
        "Observed": f"{app.containment_7d:.0%} – {app.containment_24h:.0%}",
        "Resolved": f"{app.resolution_rate:.0%}",
        "": "optimistic",  # 80 % assumed, above what the data shows
    }
    assert app.containment_24h is not None and app.containment_24h < 0.8
    assert (shown[1]["Shift"], shown[1]["Share"]) == ("phone → web", "20%")
    assert (shown[2]["Shift"], shown[2]["Ramp"], shown[2]["Assumed"]) == (
        "email → chat",
        "3 months, linear",
        "90%",
    )


def test_observed_containment_near_all_is_never_written_as_all(
    profile: cx.InspectResult,
) -> None:
    """An observed containment of 99.6% read "100% – 100%" beside "optimistic" for an
    assumed 100%, which cx inspect writes ">99%"."""
    from cx.report.assumptions import rules_section

    near_all = {"containment_7d": 0.996, "containment_24h": 0.998, "resolution_rate": 0.997}
    channels = [
        c.model_copy(update=near_all) if c.channel == "app" else c for c in profile.channels
    ]
    strategy = cx.load_strategy(
        ROOT / "strategies" / "digital-first.yaml", ["shifts.0.containment=1"]
    )
    section = rules_section(strategy, profile.model_copy(update={"channels": channels}))
    assert section is not None
    row = dict(zip(section.header, section.rows[0], strict=True))
    assert (row["Shift"], row["Assumed"]) == ("phone → app", "100%")
    assert (row["Observed"], row["Resolved"], row[""]) == (">99% – >99%", ">99%", "optimistic")


def test_retired_channels_show_where_their_contacts_go(page: str) -> None:
    retired = by_first_column(table(page, "Retired channels"))
    assert retired["branch"] == {"Channel": "branch", "Falls back to": "phone 60%", "Lost": "40%"}
    assert retired["video"]["Falls back to"] == "chat 70%"


def test_yearly_figures_beside_the_whole_history(page: str, cube: cx.Cube) -> None:
    result = api.simulate(api.load_strategy(DIGITAL_FIRST), cube)
    header, *rows = table(page, "Whole history and per year")
    days = sum(p.days for p in result.periods)
    assert header == ["", f"History ({days:,} days)", "Per year"]
    figures = {row[0]: row[1:] for row in rows}
    assert figures["Cost"] == [money(result.totals.cost), money(result.totals.cost_per_year)]
    assert figures["Cost today (baseline)"][0] == money(result.totals.baseline_cost)
    assert figures["Cost vs today"][0] == "−" + money(abs(result.totals.cost_delta))


def test_without_outcomes_the_observed_containment_is_a_dash(cube: cx.Cube) -> None:
    page = build_report([api.load_strategy(DIGITAL_FIRST)], cube)
    header, *rows = table(page, "Shift rules: containment assumed against observed")
    assert {row[header.index("Observed")] for row in rows} == {"–"}


def test_sources_of_values_set_here_on_the_command_line_and_by_hour(cube: cx.Cube) -> None:
    spec = {
        "name": "sources",
        "kind": "follow",
        "channels": {
            "phone": {"mode": "live", "handle_time": 300, "hourly_cost": 30},
            "chat": {"mode": "live", "handle_time": "by_hour", "hourly_cost": 30},
            "email": {"mode": "async", "hourly_cost": 28},
            **{
                name: {"mode": "self_service"}
                for name in ("video", "branch", "social", "web", "app")
            },
        },
    }
    strategy = api.load_strategy(spec, overrides=["channels.email.handle_time=400"])
    channels = by_first_column(table(build_report([strategy], cube), "Channels: the inputs"))
    assert channels["phone"]["Handle time"] == "300 s (strategy)"
    assert channels["email"]["Handle time"] == "400 s (--set)"
    chat = cube.observed_handle_time()["chat"]
    assert channels["chat"]["Handle time"] == f"{chat:,.0f} s (by hour)"


def test_hours_are_shown_where_a_channel_has_them(cube: cx.Cube) -> None:
    strategy = api.load_strategy(
        DIGITAL_FIRST, ['channels.phone.hours={mon-fri: "08:00-18:00", sat: closed}']
    )
    channels = by_first_column(table(build_report([strategy], cube), "Channels: the inputs"))
    assert channels["phone"]["Hours"] == "mon-fri 08:00-18:00; sat closed"
    assert channels["chat"]["Hours"] == "24/7"


HOSTILE = '<img src=x onerror="window.__pwned=1"></table><script>alert(1)</script>'


def test_opening_hours_show_what_they_did(cube: cx.Cube) -> None:
    """The report showed a channel's opening hours among the inputs but left out what
    they did, which `cx simulate` shows: contacts that arrived while closed, the share
    answered within the response target, the backlog's peak."""
    strategy = api.load_strategy(ROOT / "strategies" / "follow-with-hours.yaml")
    email = api.simulate(strategy, cube).channel("email")
    assert email.after_hours and email.response_level is not None
    rows = by_first_column(table(build_report([strategy], cube), "Opening hours"))
    assert rows["email"]["Arrived closed"] == f"{email.after_hours:,.0f}"
    assert rows["email"]["Answered in time"] == f"{email.response_level:.1%}"
    assert "video" not in rows  # open around the clock, no response target


def test_hostile_names_in_the_assumptions_are_text(tmp_path: Path, cube: cx.Cube) -> None:
    # The extended catalog's file name and the rule's name both reach the section.
    catalog = tmp_path / "<script>alert(2)<!--.yaml"
    catalog.write_text((ROOT / "strategies" / "follow-everywhere.yaml").read_text())
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: '{catalog.name}'\nname: child\nkind: push\n"
        f"shifts:\n  - name: '{HOSTILE}'\n    from: phone\n    to: {{web: 0.1}}\n",
        encoding="utf-8",
    )
    page = build_report([api.load_strategy(child)], cube)
    assert HOSTILE not in page and "<script>alert(2)" not in page
    assert page.count("<script") == 3  # the chart data, the chart library, the embedding
    channels = by_first_column(table(page, "Channels: the inputs"))
    assert channels["phone"]["Handle time"] == "360 s (catalog)"
    assert html.escape(catalog.name) in page
    rules = table(page, "Shift rules: containment assumed against observed")
    assert rules[1][0] == HOSTILE


@pytest.mark.parametrize(
    ("value", "shown"), [(0.3, "30%"), (1 - 0.7, "30%"), (0.125, "12.5%"), (0.0, "0%")]
)
def test_shares_show_as_written(value: float, shown: str) -> None:
    from cx.report.assumptions import share

    assert share(value) == shown


def test_the_report_explains_dilution_and_labels_money(cube: cx.Cube) -> None:
    from cx.models.glossary import DILUTION_LEGEND, GLOSSARY

    priced = api.load_strategy(DIGITAL_FIRST, ["currency=€"])
    page = build_report([priced], cube)
    for name in DILUTION_LEGEND:
        assert html.escape(GLOSSARY[name].definition, quote=True) in page
    assert "€" in page
    plain = build_report([api.load_strategy(DIGITAL_FIRST)], cube)
    assert "€" not in plain


def test_every_cost_of_the_inputs_carries_the_currency(cube: cx.Cube) -> None:
    """The cost per contact was written without the currency that the cost per hour and
    per month beside it carry (web: 0.10 beside €20,000)."""
    priced = api.load_strategy(DIGITAL_FIRST, ["currency=€"])
    channels = by_first_column(table(build_report([priced], cube), "Channels: the inputs"))
    assert (channels["web"]["Per contact"], channels["web"]["Per month"]) == ("€0.10", "€20,000")
    assert channels["phone"]["Per hour"] == "€32.00"
    assert channels["phone"]["Per contact"] == "–"


def test_strategies_in_different_currencies_keep_their_own(cube: cx.Cube) -> None:
    """A report of a strategy in € beside one in CHF wrote every figure of the page
    without a currency, each strategy's own card and tables too, and the page did not
    say that their costs stand side by side unconverted (only stderr did)."""
    euros = api.load_strategy(DIGITAL_FIRST, ["currency=€"])
    francs = api.load_strategy(ROOT / "strategies" / "branch-closure.yaml", ["currency=CHF"])
    page = build_report([euros, francs], cube)
    cards = re.findall(r'<dt>Total cost</dt><dd>(.*?)</dd>', page)
    with currency_label("€"):
        assert cards[0] == money(api.simulate(euros, cube).totals.cost)
    assert cards[1].startswith("CHF ")
    tables = re.findall(r"<caption>Periods</caption>.*?</table>", page, re.S)
    assert "€" in tables[0] and "CHF" not in tables[0]
    assert "CHF" in tables[1] and "€" not in tables[1]
    comparison = by_first_column(table(page, "Comparison"))
    assert comparison["Cost"][euros.name][0].isdigit()
    assert "label money in different currencies (CHF, €)" in page
    plain = build_report([euros, api.load_strategy(DIGITAL_FIRST, ["currency=€"])], cube)
    assert "different currencies" not in plain


def test_the_cards_write_money_as_the_tables_do(cube: cx.Cube) -> None:
    """The cards wrote money their own way: without the currency the verdict and the
    tables beside them carry, and whole below 100 (6.70 against today as +7)."""
    priced = api.load_strategy(DIGITAL_FIRST, ["currency=€"])
    result = api.simulate(priced, cube)
    page = build_report([priced], cube)
    cards = dict(
        (html.unescape(name), re.sub(r"<small>.*?</small>|<[^>]+>", "", html.unescape(value)))
        for name, value in re.findall(r'<div class="kpi"><dt>(.*?)</dt><dd>(.*?)</dd>', page)
    )
    with currency_label("€"):
        assert cards["Cost vs today"] == signed(result.totals.cost_delta, money)
        assert cards["Total cost"] == money(result.totals.cost)
        assert cards["Cost / contact"] == money(result.totals.cost_per_contact)
    assert cards["Cost / contact"].startswith("€")
    assert cards["Contacts served"] == f"{result.totals.coverage:.1%}"


def test_the_tornado_caption_writes_one_minus_sign(cube: cx.Cube) -> None:
    uncertain = api.load_strategy(ROOT / "strategies" / "digital-first-uncertain.yaml")
    page = build_report([uncertain], cube, samples=20)
    caption = re.search(r"the dashed line is the figure at the written values \((.*?)\)", page)
    assert caption is not None and caption.group(1).startswith(MINUS)
