"""Tables for people: whole figures at any width, the verdict first, the dilution
legend, `cx explain`, one way of writing numbers, the currency label.

Every run goes through the command line (CliRunner, stdout and stderr apart); the
figures a table must show are taken from the same command's JSON.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cx.cli.app import app
from cx.models.glossary import DILUTION_LEGEND, GLOSSARY, lookup
from cx.models.result import ChannelResult, Result, Totals
from cx.render.numbers import MINUS, currency_label, money, percent, signed, whole

if TYPE_CHECKING:
    from cx.render.views import SimulationView

ROOT = Path(__file__).resolve().parent.parent
DATA = "examples/interactions.csv"
FOUR = [
    "strategies/branch-closure.yaml",
    "strategies/digital-first.yaml",
    "strategies/follow-everywhere.yaml",
    "strategies/follow-ups-to-chat.yaml",
]
WIDTHS = (60, 80, 120)


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")


def run(arguments: list[str], width: int = 120) -> Any:
    return CliRunner().invoke(app, arguments, env={"COLUMNS": str(width), "LINES": "50"})


def as_json(arguments: list[str]) -> Any:
    result = run([*arguments, "--format", "json"])
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def shown(text: str, output: str) -> bool:
    """``text`` stands whole in ``output``: no digit, comma or point right beside it."""
    return re.search(rf"(?<![\d,.]){re.escape(text)}(?![\d,.])", output) is not None


def money_text(value: float) -> str:
    body = f"{abs(value):,.0f}" if abs(value) >= 100 else f"{abs(value):,.2f}"
    return (MINUS if value < 0 and body.strip("0.,") else "") + body


def change_text(value: float) -> str:
    """Money as a difference: signed both ways (``+860``, ``−25,025``), ``0`` for none."""
    body = money_text(abs(value))
    if not body.strip("0.,"):
        return "0"
    return ("+" if value > 0 else MINUS) + body


# ------------------------------------------------------------------- whole figures


@pytest.mark.parametrize("width", [*WIDTHS, 91, 92])
def test_compare_of_four_strategies_shows_every_figure_whole(width: int) -> None:
    results = as_json(["compare", *FOUR, "--data", DATA])["results"]
    table = run(["compare", *FOUR, "--data", DATA], width)
    assert table.exit_code in (0, 1), table.stderr
    output = table.stdout
    assert max(len(line) for line in output.splitlines()) <= width
    for result in results:
        totals = result["totals"]
        assert result["strategy"]["name"] in output
        for key in ("cost", "cost_per_contact"):
            assert shown(money_text(totals[key]), output), (width, key, totals[key])
        assert shown(change_text(totals["cost_delta"]), output), (width, totals["cost_delta"])
        for key in ("handled", "lost", "repeats", "agent_hours"):
            assert shown(f"{round(totals[key]):,}", output), (width, key, totals[key])
        for key in ("coverage", "pooling_overhead", "floor_waste"):
            assert shown(f"{totals[key] * 100:.1f}%", output), (width, key, totals[key])
    # four strategies and the baseline need 92 columns (70 of figures, 12 of wrapped
    # labels, 5 gaps of 2): narrower, the table stacks; wider, it stays a table
    stacked = "(stacked: the table is wider than the" in output
    assert stacked == (width < 92)


@pytest.mark.parametrize("width", WIDTHS)
def test_simulate_shows_every_channel_figure_whole(width: int) -> None:
    arguments = ["simulate", "strategies/digital-first.yaml", "--data", DATA]
    result = as_json(arguments)
    table = run(arguments, width)
    assert table.exit_code == 0, table.stderr
    output = table.stdout
    assert max(len(line) for line in output.splitlines()) <= width
    for channel in result["channels"]:
        for key in ("demand", "stayed", "shifted_out", "lost", "handled"):
            assert shown(f"{round(channel[key]):,}", output), (width, channel["channel"], key)
        assert shown(money_text(channel["cost"]), output), (width, channel["channel"])
    for period in result["periods"]:
        assert shown(money_text(period["cost"]), output)
    assert ("(stacked: the table is wider than the 60 columns here)" in output) == (
        width == 60
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_sweep_and_inspect_show_their_figures_whole(width: int) -> None:
    sweep = ["sweep", FOUR[1], "--set-range", "shifts.0.to.app=0:0.2:0.1", "--data", DATA]
    steps = as_json(sweep)["steps"]
    output = run(sweep, width).stdout
    assert max(len(line) for line in output.splitlines()) <= width
    for step in steps:
        assert shown(money_text(step["result"]["totals"]["cost"]), output)
        assert shown(change_text(step["result"]["totals"]["cost_delta"]), output)
    profile = as_json(["inspect", "--data", DATA])
    output = run(["inspect", "--data", DATA], width).stdout
    assert max(len(line) for line in output.splitlines()) <= width
    for channel in profile["channels"]:
        assert shown(f"{channel['contacts']:,}", output), (width, channel["channel"])


def test_no_fractional_contacts_in_tables_while_json_keeps_them() -> None:
    arguments = ["simulate", "strategies/digital-first.yaml", "--data", DATA]
    email = next(c for c in as_json(arguments)["channels"] if c["channel"] == "email")
    assert email["repeats_in"] == pytest.approx(55.39)  # fractional: shares of contacts
    output = run(arguments).stdout
    row = next(line for line in output.splitlines() if line.startswith("email "))
    assert " 55 " in row and "55.4" not in row


# --------------------------------------------------------------------- the verdict


def test_simulate_opens_with_the_verdict() -> None:
    arguments = ["simulate", "strategies/digital-first.yaml", "--data", DATA]
    totals = as_json(arguments)["totals"]
    # By hand from the JSON: 25,025.3 of 679,495.1 is 3.7%; 709.7 lost, 159 repeats.
    assert round(-totals["cost_delta"]) == 25_025
    assert round(totals["lost"]) == 710 and round(totals["repeats"]) == 159
    first = run(arguments).stdout.split("\n\n")[0].replace("\n", " ")
    assert first == (
        "digital-first costs 25,025 (3.7%) less than today, serves 97.6% of today's "
        "contacts (710 lost, most from branch) and 159 come back as repeats. All 3 "
        "guards pass."
    )


@pytest.mark.parametrize(
    ("guards", "said"),
    [(["coverage > 0.5"], "The guard passes."),
     (["coverage > 0.99"], "The guard fails: coverage > 0.99."),
     (["coverage > 0.5", "lost >= 0"], "Both guards pass."),
     (["coverage > 0.99", "lost < 1"], "Both guards fail: coverage > 0.99, lost < 1."),
     (["coverage > 0.99", "lost >= 0"], "1 of 2 guards fail: coverage > 0.99.")],
)  # fmt: skip
def test_one_or_two_guards_are_counted_in_words(guards: list[str], said: str) -> None:
    """'All 1 guards pass.' read like a counting error, 'All 2 guards pass.' like a
    translation."""
    arguments = ["simulate", "strategies/digital-first.yaml", "--data", DATA]
    written = ", ".join(f'"{guard}"' for guard in guards)
    result = run([*arguments, "--set", f"guards=[{written}]"])
    first = result.stdout.split("\n\n")[0].replace("\n", " ")
    assert first.endswith(f" {said}")


def test_compare_opens_with_one_verdict_per_strategy() -> None:
    output = run(["compare", *FOUR, "--data", DATA]).stdout
    lead = output.split("\n\n")[0].replace("\n", " ")
    assert lead.startswith("branch-closure costs 14,953 (2.2%) less than today")
    assert "follow-everywhere costs the same as today and serves every contact." in lead
    assert "follow-ups-to-chat costs 29,139 (4.3%) more than today" in lead
    assert lead.index("branch-closure") < lead.index("digital-first costs")


def test_compare_tells_apart_strategies_that_share_a_name(tmp_path: Path) -> None:
    """A variant that extends a strategy keeps its name: two columns, two verdicts and
    two workbook columns or two CSV rows must not read alike. JSON keeps the names as
    written, beside each result's file."""
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        f"version: 1\nextends: {ROOT / 'strategies/digital-first.yaml'}\n"
        "shifts:\n  - {from: email, to: {chat: 0.6}}\n",
        encoding="utf-8",
    )
    named = tmp_path / "named.yaml"
    named.write_text(
        f"version: 1\nextends: {ROOT / 'strategies/follow-everywhere.yaml'}\nname: Baseline\n",
        encoding="utf-8",
    )
    arguments = ["compare", "strategies/digital-first.yaml", str(variant), str(named)]
    arguments += ["--data", DATA]
    table = run(arguments, width=200)
    assert table.exit_code == 0, table.stderr
    header = next(line for line in table.stdout.splitlines() if line.startswith("Metric"))
    columns = ["digital-first", "digital-first (2)", "Baseline (2)", "Baseline"]
    assert header.split() == ["Metric", *" ".join(columns).split()]
    assert "\ndigital-first (2) costs 26,711 (3.9%) less than today" in table.stdout
    markdown = run([*arguments, "--format", "markdown"]).stdout
    assert "| Metric | digital-first | digital-first (2) | Baseline (2) | Baseline |" in markdown
    csv_rows = run([*arguments, "--format", "csv"]).stdout.splitlines()[1:]
    assert [row.split(",")[0] for row in csv_rows] == columns[:3]
    names = [r["strategy"]["name"] for r in as_json(arguments)["results"]]
    assert names == ["digital-first", "digital-first", "Baseline"]


def test_compare_markdown_gives_each_verdict_its_own_paragraph() -> None:
    """Lines only a line break apart render as one paragraph: the verdicts ran together."""
    markdown = run(["compare", *FOUR[:2], "--data", DATA, "--format", "markdown"]).stdout
    verdicts = markdown.split("## Comparison")[0].split("\n\n")[1:]
    assert [v.split(" costs ")[0] for v in verdicts if v.strip()] == [
        "branch-closure",
        "digital-first",
    ]


def test_the_best_value_legend_only_where_a_value_is_starred() -> None:
    """A strategy that equals today stars nothing: its legend named a mark never shown."""
    same = run(["compare", "strategies/follow-everywhere.yaml", "--data", DATA]).stdout
    assert "★" not in same and "best value in the row" not in same
    differ = run(["compare", "strategies/digital-first.yaml", "--data", DATA]).stdout
    assert "★" in differ and "★ best value in the row." in differ


def test_compare_says_whose_today_each_cost_is_against() -> None:
    """follow-with-hours costs today's 1,018,265 and digital-first 654,470 beside a Baseline
    column of 1,018,265: its 'Cost vs baseline −25,025' is against its own catalog's today,
    which the note did not say."""
    table = run(["compare", "strategies/follow-with-hours.yaml", "strategies/digital-first.yaml",
                 "--data", DATA], 200).stdout  # fmt: skip
    note = (
        "the baseline column is the first one's, and each strategy's cost vs baseline is "
        "against today costed with its own catalog."
    )
    assert note in " ".join(table.split())


def test_the_report_says_the_same_verdict() -> None:
    from cx import api
    from cx.report.build import reading

    strategy = api.load_strategy(ROOT / "strategies" / "digital-first.yaml")
    result = api.simulate(strategy, api.load_interactions(ROOT / DATA))
    assert reading(result).startswith(
        "<p><b>digital-first</b> costs 25,025 (3.7%) less than today, serves 97.6% of "
        "today&#x27;s contacts (710 lost, most from branch)"
    )


@functools.cache
def _digital_first() -> Result:
    from cx import api

    strategy = api.load_strategy(ROOT / "strategies" / "digital-first.yaml")
    return api.simulate(strategy, api.load_interactions(ROOT / DATA))


def digital_first_view(cost_per_contact: tuple[float, float]) -> SimulationView:
    """digital-first's view on the example data with its cost per contact and the
    baseline's set to ``cost_per_contact``."""
    from cx import api
    from cx.render.views import SimulationView

    strategy = api.load_strategy(ROOT / "strategies" / "digital-first.yaml")
    view = SimulationView.of(api.evaluate(strategy, api.load_interactions(ROOT / DATA)))
    ours, baseline = cost_per_contact
    totals = view.result.totals.model_copy(update={"cost_per_contact": ours})
    return SimulationView(
        result=view.result.model_copy(update={"totals": totals}),
        baseline=view.baseline.model_copy(update={"cost_per_contact": baseline}),
    )


def digital_first(totals: dict[str, float] | None = None) -> Result:
    """digital-first's result on the example data (computed once), with ``totals``
    changed: the renderers' wording of figures a small export would give."""
    result = _digital_first()
    if not totals:
        return result
    return result.model_copy(update={"totals": result.totals.model_copy(update=totals)})


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"repeats": 1.2}, "and 1 comes back as a repeat"),
        ({"repeats": 2.0}, "and 2 come back as repeats"),
        ({"lost": 0.9}, "(1 lost, from branch)"),
        # 0.3 of 7 contacts: a coverage of 95.7%, not "serves every contact"
        (
            {"lost": 0.3, "coverage": 0.957},
            "serves 95.7% of today's contacts (under 1 lost, from branch)",
        ),
        ({"lost": 710.0}, "(710 lost, most from branch)"),
        ({"cost_delta": 0.34}, "costs 0.34 (under 0.1%) more than today"),
    ],
)
def test_the_verdict_words_small_numbers_for_what_they_are(
    changes: dict[str, float], said: str
) -> None:
    from cx.render.verdict import verdict

    assert said in verdict(digital_first(totals=changes)).text()


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"pooling_overhead": 0.0}, "queues costs no more agents than one pool"),
        ({"pooling_overhead": 0.0004}, "queues costs under 0.1% more agents than one pool"),
        ({"pooling_overhead": 0.004}, "queues costs 0.4% more agents than one pool"),
        ({"pooling_overhead": 0.32}, "queues costs 32.0% more agents than one pool"),
        ({"floor_waste": 0.0003}, "under 0.1% of agent-hours exist only for min_agents"),
    ],
)
def test_the_dilution_reading_never_says_zero_of_something(
    changes: dict[str, float], said: str
) -> None:
    from cx.render.sections import dilution_reading

    assert said in dilution_reading(digital_first(totals=changes))


def test_the_dilution_reading_says_its_figures_once_as_the_tables_write_them() -> None:
    """The reading said "4.7 effective channels" and "14% of agent-hours exist only for
    min_agents", then "Pooling overhead 32.3%, floor waste 13.5%" in the same note,
    beside 4.65 in the totals: each figure twice, rounded two ways."""
    output = run(["simulate", "strategies/digital-first.yaml", "--data", DATA]).stdout
    table = output[output.index("Channel dilution") :]
    note = " ".join(table[: table.index("Effective channels:")].split())
    assert "4.65 effective channels;" in note
    assert "costs 32.3% more agents than one pool" in note
    assert "13.5% of agent-hours exist only for min_agents" in note
    assert "Pooling overhead" not in note


def test_a_delta_is_the_difference_of_the_figures_beside_it() -> None:
    """Effective channels of 4.65 against 5.33 read a Δ of −0.67, and a cost per contact
    of 38.78 against 38.77 a Δ of 0: the differences of the unrounded values, which the
    reader cannot check against the figures beside them."""
    from cx.render.numbers import money_change
    from cx.render.sections import totals_section

    view = digital_first_view(cost_per_contact=(38.7751, 38.7749))
    rows = {row[0]: row[1:] for row in totals_section(view).rows}
    assert rows["Effective channels"] == ["4.65", "5.33", f"{MINUS}0.68"]
    assert rows["Cost per contact"] == ["38.78", "38.77", "+0.01"]
    # The cost's Δ is the cost against today, to the cent, as the cards and verdict say.
    assert rows["Cost"][2] == money_change(view.result.totals.cost_delta)


def test_of_figures_that_read_alike_none_is_the_best() -> None:
    """Cost per contact of 29.23, 29.23 and 29.23 starred two of the three: the best of
    the unrounded values, which the reader cannot see."""
    from cx.render.compare import comparison_section

    view = digital_first_view(cost_per_contact=(29.2251, 29.2262))
    rows = {row[0]: row[1:] for row in comparison_section([view]).rows}
    assert rows["Cost per contact"] == ["29.23", "29.23"]
    assert rows["Agent-hours"] == ["11,327 ★", "13,075"]


@pytest.mark.parametrize(
    ("kept", "partial", "said"),
    [
        (6, [0], "part of the period (2024-01 31 days); its lower figures are not a drop"),
        (6, [0, 5], "part of those periods (2024-01 31 days, 2024-06 30 days); their lower"),
        # no whole period beside it: nothing to be lower than
        (1, [0], "(2024-01 31 days); its figures are those of these days, not of a whole"),
        (2, [0, 1], "their figures are those of these days, not of a whole period"),
    ],
)
def test_the_partial_period_note_compares_only_with_a_whole_period(
    kept: int, partial: list[int], said: str
) -> None:
    from cx.render.sections import periods_section

    periods = [
        period.model_copy(update={"partial": index in partial})
        for index, period in enumerate(digital_first().periods[:kept])
    ]
    note = periods_section(digital_first().model_copy(update={"periods": periods})).note
    assert note is not None and said in note


def test_a_guard_value_never_reads_as_the_opposite_of_its_verdict(tmp_path: Path) -> None:
    """Four significant digits showed a coverage of 0.999998 as 1 beside `FAIL coverage >= 1`."""
    strategy = tmp_path / "close-video.yaml"
    strategy.write_text(
        f"version: 1\nextends: {ROOT / 'strategies/follow-everywhere.yaml'}\n"
        "name: close-video\nkind: push\noffer: [phone, chat, branch, email, social, web, app]\n"
        "fallback:\n  video: {to: chat, accept: 0.9999}\n"
        "guards:\n  - coverage >= 1\n  - coverage >= 0.97\n",
        encoding="utf-8",
    )
    arguments = ["simulate", str(strategy), "--data", DATA]
    guards = as_json(arguments)["guards"]
    assert [g["ok"] for g in guards] == [False, True]
    assert round(guards[0]["value"], 6) == 0.999998
    table = run(arguments).stdout
    assert re.search(r"FAIL  coverage >= 1 +0\.999998\n", table)
    assert re.search(r"PASS  coverage >= 0\.97 +1\n", table)
    markdown = run([*arguments, "--format", "markdown"]).stdout
    assert "| FAIL | coverage &gt;= 1 | 0.999998 |" in markdown


# ------------------------------------------------------------ legend and `explain`


def test_the_dilution_table_has_a_legend_from_the_glossary() -> None:
    output = run(["simulate", "strategies/digital-first.yaml", "--data", DATA], 200).stdout
    for name in DILUTION_LEGEND:
        metric = GLOSSARY[name]
        assert f"{metric.label}: {metric.definition}" in output
    markdown = run(
        ["simulate", "strategies/digital-first.yaml", "--data", DATA, "--format", "markdown"]
    ).stdout
    assert f"* {GLOSSARY['floor_waste'].label}: " in markdown


def test_every_metric_of_the_json_is_in_the_glossary() -> None:
    labels = {"channel", "mode", "offered", "replay"}
    assert set(Totals.model_fields) <= set(GLOSSARY)
    assert set(ChannelResult.model_fields) - labels <= set(GLOSSARY)
    schema = Totals.model_json_schema()["properties"]
    assert schema["pooling_overhead"]["description"].startswith(
        GLOSSARY["pooling_overhead"].definition
    )


@pytest.mark.parametrize(
    "name",
    ["pooling_overhead", "sub-scale", "Coverage", "cost_delta", "cost-delta", "COST_DELTA",
     "cost_delta_pct", "p_costing_more", "response_level", "backlog_peak"],
)  # fmt: skip
def test_explain_prints_definition_and_formula(name: str) -> None:
    result = run(["explain", name])
    assert result.exit_code == 0, result.stderr
    metric = lookup(name)
    assert metric is not None
    text = " ".join(result.stdout.split())
    assert metric.name in text
    assert " ".join(metric.definition.split()) in text
    assert f"formula: {metric.formula}" in text
    assert result.stderr == ""


def test_cost_per_contact_is_explained_as_it_is_computed() -> None:
    """It was 'cost of each handled contact', yet handled counts repeats and the
    figure divides by the contacts served: a push with repeats told two stories."""
    result = run(["simulate", "strategies/digital-first.yaml", "--data", DATA, "--format", "json"])
    totals = json.loads(result.stdout)["totals"]
    assert totals["repeats"] > 0
    served = totals["demand"] - totals["lost"]
    assert totals["cost_per_contact"] == pytest.approx(totals["cost"] / served)
    text = " ".join(run(["explain", "cost_per_contact"]).stdout.split())
    assert "handled contact" not in text
    assert "repeats add to the cost, not to the contacts" in text


def test_response_level_is_explained_as_the_backlog_plans_it() -> None:
    """The backlog takes a contact in at the start of its interval and makes it due
    `within` later (an email at 09:50 with within 1,800 s is due at 09:30 of an hourly
    plan, not 10:20), as the README says; the formula said 'by arrival + within'."""
    text = " ".join(run(["explain", "response_level"]).stdout.split())
    assert "formula: contacts answered by their interval's start + within / contacts" in text
    assert "by arrival" not in text


def test_occupancy_is_explained_as_it_is_computed(tmp_path: Path) -> None:
    """Five calls of 360 s in one hour, Erlang A with a patience of 50 s: two served, two
    abandoned in the queue, one in the IVR (no load). Offered load 4 · 360 / 3600 = 0.4
    on 2 agents; of it, the share that does not abandon is handled: occupancy
    0.4 · (1 − abandon_rate) / 2 ≈ 0.191. The formula said 'workload / available agent
    time', which is 5 · 360 / 3600 / 2 = 0.25 here."""
    data = tmp_path / "calls.csv"
    data.write_text(
        "customer_id,timestamp,channel,handle_time,wait_time,abandoned\n"
        "a,2024-01-01T09:00:00,phone,300,10,false\n"
        "b,2024-01-01T09:10:00,phone,420,20,false\n"
        "c,2024-01-01T09:20:00,phone,0,30,true\n"
        "d,2024-01-01T09:30:00,phone,0,40,true\n"
        "e,2024-01-01T09:40:00,phone,0,0,true\n",
        encoding="utf-8",
    )
    strategy = tmp_path / "calls.yaml"
    strategy.write_text(
        "version: 1\nname: calls\nkind: follow\nchannels:\n"
        "  phone: {mode: live, hourly_cost: 30, patience: observed}\n",
        encoding="utf-8",
    )
    phone = as_json(["simulate", str(strategy), "--data", str(data), "--no-cache"])[
        "channels"
    ][0]
    assert phone["workload_hours"] == pytest.approx(0.5)
    assert phone["agent_hours"] == pytest.approx(2.0)
    assert phone["occupancy"] == pytest.approx(0.4 * (1 - phone["abandon_rate"]) / 2)
    assert phone["occupancy"] == pytest.approx(0.191, abs=1e-3)
    text = " ".join(run(["explain", "occupancy"]).stdout.split())
    assert "workload / available agent time" not in text
    assert "abandoned contacts take none" in text and "agent_hours · (1 − shrinkage)" in text


def test_lost_is_explained_for_an_offered_channel_too() -> None:
    """'lost' named only retired channels, yet a channel closed at night with
    after_hours: lost loses contacts while it is offered."""
    result = run(
        ["simulate", "strategies/night-phone-to-chat.yaml", "--data", DATA, "--format", "json",
         "--set", "channels.phone.after_hours=lost"]
    )  # fmt: skip
    phone = next(c for c in json.loads(result.stdout)["channels"] if c["channel"] == "phone")
    assert phone["offered"] and phone["lost"] > 0
    text = " ".join(run(["explain", "lost"]).stdout.split())
    assert "after_hours: lost" in text


def test_explain_without_a_metric_lists_them_all() -> None:
    result = run(["explain"], 200)
    assert result.exit_code == 0
    for name in GLOSSARY:
        assert shown(name, result.stdout) or re.search(rf"\b{name}\b", result.stdout), name


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("poolng", "did you mean 'pooling_overhead'?"),
        ("covrage", "did you mean 'coverage'?"),
        ("cost_delta_pc", "did you mean 'cost_delta_pct'?"),
        ("timeofday", "did you mean 'time_of_day'?"),
        ("xyzzy", None),
    ],
)
def test_explain_of_an_unknown_metric_is_a_usage_error(typed: str, hint: str | None) -> None:
    result = run(["explain", typed])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"unknown metric '{typed}'" in result.stderr
    assert "cx explain" in result.stderr
    assert (hint in result.stderr) if hint else "did you mean" not in result.stderr


# Runs of `cx simulate` between them printing every field the JSON can hold: journeys
# and outcomes, replay and fit, hours and a response target, bands, hold, abandonment
# and a currency label.
EVERY_FIELD_RUNS = [
    ["strategies/digital-first.yaml", "--outcomes", "--replay", "--fit"],
    ["strategies/follow-with-hours.yaml", "--replay"],
    ["strategies/digital-first-uncertain.yaml", "--samples", "20"],
    [
        "strategies/follow-everywhere.yaml", "--replay", "--set", "staffing.hold=0.9",
        "--set", "channels.phone.patience=120", "--set", "currency=EUR",
    ],
]  # fmt: skip


def keys_of(value: Any) -> set[str]:
    """Every key of a JSON document, at any depth."""
    if isinstance(value, dict):
        return set(value).union(*(keys_of(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_of(item) for item in value))
    return set()


def test_cx_explain_knows_every_field_of_the_json() -> None:
    """The glossary cannot fall behind the output: each key any of these runs prints,
    at any depth, is explained."""
    printed: set[str] = set()
    for arguments in EVERY_FIELD_RUNS:
        printed |= keys_of(as_json(["simulate", *arguments, "--data", DATA]))
    swept = "shifts.0.to.app=0:0.6:0.3"
    for command in (
        ["compare", "strategies/digital-first.yaml", "strategies/branch-closure.yaml"],
        ["sweep", "strategies/digital-first.yaml", "--set-range", swept],
        ["sweep", "strategies/digital-first.yaml", "--set-range", swept,
         "--set-range", "channels.chat.handle_time=420:480:60"],
        ["sensitivity", "strategies/digital-first-uncertain.yaml"],
    ):  # fmt: skip
        document = as_json([*command, "--data", DATA])
        for step in document.get("steps", []):  # the swept keys inside name no field
            if "values" in step:
                step["values"] = {}
        printed |= keys_of(document)
    # the runs do reach the fields of every feature
    assert {"hop_rate", "asa", "fit_agent_hours", "response_level", "p95", "hold"} <= printed
    assert {"currency", "abandon_rate", "worst_intervals", "multichannel_journey_share"} <= (
        printed
    )
    unexplained = []
    for key in sorted(printed):
        result = run(["explain", key])
        if result.exit_code != 0 or not result.stdout.startswith(f"{key} — "):
            unexplained.append(key)
    assert unexplained == []


def test_cx_explain_knows_every_column_of_the_csv() -> None:
    """A CSV header is looked up as written: `replay_asa` is the replay's `asa`."""
    heads: set[str] = set()
    for arguments in (
        ["simulate", "strategies/follow-everywhere.yaml", "--replay", "--fit"],
        ["compare", "strategies/digital-first.yaml", "strategies/branch-closure.yaml"],
        ["sweep", "strategies/digital-first.yaml", "--set-range", "shifts.0.to.app=0:0.6:0.3"],
        ["sensitivity", "strategies/digital-first-uncertain.yaml"],
    ):
        result = run([*arguments, "--data", DATA, "--format", "csv"])
        assert result.exit_code == 0, result.stderr
        heads |= set(result.stdout.splitlines()[0].split(","))
    assert {"replay_asa", "replay_contacts", "replay_fit_agent_hours", "guards_ok"} <= heads
    swept = {"key"}  # the sweep's column naming the swept key, which is no metric
    unexplained = [head for head in sorted(heads - swept) if run(["explain", head]).exit_code]
    assert unexplained == []
    assert run(["explain", "replay_asa"]).stdout == run(["explain", "asa"]).stdout


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("channels.phone.occupancy", "occupancy"),  # as a guard writes it
        ("totals.cost_delta", "cost_delta"),
        ("channels[].replay.asa", "asa"),  # as `in the JSON:` writes it
        ("data.hop_rate", "hop_rate"),
    ],
)
def test_explain_of_a_path_explains_the_field_it_names(path: str, name: str) -> None:
    result = run(["explain", path])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == run(["explain", name]).stdout


def test_explain_of_a_misspelt_path_names_the_nearest_field() -> None:
    result = run(["explain", "channels.phone.ocupancy"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: unknown metric 'channels.phone.ocupancy' (hint: did you mean 'occupancy'?"
    )


# --------------------------------------------------------------------- numbers


def test_numbers_are_written_one_way() -> None:
    assert whole(59.6) == "60"
    assert whole(-1626.4) == f"{MINUS}1,626"
    assert money(-21339.4) == f"{MINUS}21,339"
    assert money(22.531) == "22.53"
    assert percent(-0.00001) == "0.0%"  # no minus before a zero
    assert signed(0.3, whole) == "0"
    assert signed(-551.0, whole) == f"{MINUS}551"
    with currency_label("€"):
        assert money(1234.4) == "€1,234"
        assert money(-5.0) == f"{MINUS}€5.00"
    with currency_label("CHF"):
        assert money(1234.4) == "CHF 1,234"
    assert money(1234.4) == "1,234"


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_no_ascii_minus_and_no_fraction_of_a_contact(value: float) -> None:
    for text in (whole(value), money(value), percent(value)):
        assert "-" not in text
    assert "." not in whole(value)
    assert whole(value).replace(",", "").lstrip(MINUS) == str(abs(round(value)))


# --------------------------------------------------------------------- currency


def _strategy_with(tmp_path: Path, currency: str) -> Path:
    text = (ROOT / "strategies" / "digital-first.yaml").read_text(encoding="utf-8")
    text = text.replace("kind: push\n", f"kind: push\ncurrency: {currency}\n", 1).replace(
        "extends: follow-everywhere.yaml", f"extends: {ROOT / 'strategies/follow-everywhere.yaml'}"
    )
    path = tmp_path / "priced.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_currency_labels_money_in_tables_only(tmp_path: Path) -> None:
    strategy = str(_strategy_with(tmp_path, "€"))
    output = run(["simulate", strategy, "--data", DATA]).stdout
    assert "costs €25,025 (3.7%) less than today" in output
    assert shown("€654,470", output)
    data = as_json(["simulate", strategy, "--data", DATA])
    assert data["strategy"]["currency"] == "€"
    assert math.isclose(data["totals"]["cost"], 654_469.72, abs_tol=1.0)
    plain = as_json(["simulate", "strategies/digital-first.yaml", "--data", DATA])
    assert "currency" not in plain["strategy"]


@pytest.mark.parametrize(
    ("others", "warned"),
    [
        (["strategies/digital-first.yaml"], "(€ and none)"),
        ([], None),
    ],
)
def test_compare_warns_once_when_currencies_differ(
    tmp_path: Path, others: list[str], warned: str | None
) -> None:
    euros = str(_strategy_with(tmp_path, "€"))
    result = run(["compare", euros, euros, *others, "--data", DATA, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "different currencies" in line]
    if warned is None:
        assert notes == []
    else:
        assert len(notes) == 1 and warned in notes[0]
        assert "compared as plain numbers" in notes[0]


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        ('"=1+1"', "letters or currency signs"),
        ("EUROS", "at most 4 characters"),
        ('""', "is empty"),
        ('"12"', "letters or currency signs"),
        ("12", "valid string"),
    ],
)
def test_a_bad_currency_is_refused_naming_the_file(
    tmp_path: Path, currency: str, message: str
) -> None:
    strategy = _strategy_with(tmp_path, currency)
    result = run(["simulate", str(strategy), "--data", DATA])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = strategy.read_text(encoding="utf-8").splitlines()
    assert f"{strategy}:{lines.index('kind: push') + 2}" in result.stderr
    assert "currency" in result.stderr and message in result.stderr


@pytest.mark.parametrize("width", WIDTHS)
def test_sweep_charts_keep_their_figures_whole(width: int) -> None:
    from rich.console import Console

    from cx.models.result import SweepResult
    from cx.render.compare import sweep_renderable

    sweep = ["sweep", FOUR[1], "--set-range", "shifts.0.to.app=0:0.2:0.1", "--data", DATA]
    result = SweepResult.model_validate(as_json(sweep))
    console = Console(width=width, no_color=True, record=True)
    console.print(sweep_renderable(result, chart=True))
    output = console.export_text()
    assert max(len(line) for line in output.splitlines()) <= width
    charts = output[output.index("cost by shifts.0.to.app") :]
    for step in result.steps:
        assert shown(money_text(step.result.totals.cost), charts), width
        assert shown(f"{step.result.totals.coverage * 100:.1f}%", charts), width
