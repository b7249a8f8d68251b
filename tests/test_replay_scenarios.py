"""Replay scenarios (DESIGN §4, §5, §6 cost, §7 shares) on tiny hand-made data sets.

Every expectation below is worked out by hand in the comments next to it; the tests go
through the public API only (``cx.api.load_interactions`` + ``load_strategy`` +
``simulate``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import write_csv

from cx import api
from cx.errors import CxError
from cx.models.result import Result

COLUMNS = ("customer_id", "timestamp", "channel", "segment", "stage", "intent")


def contacts(
    count: int,
    channel: str,
    timestamp: str,
    customer: str = "c",
    segment: str = "",
    stage: str = "",
    intent: str = "",
) -> list[tuple[str, ...]]:
    """``count`` rows of one kind, each by its own customer ``<customer><i>``."""
    return [(f"{customer}{i}", timestamp, channel, segment, stage, intent) for i in range(count)]


def run(tmp_path: Path, rows: list[tuple[Any, ...]], strategy: dict, period: str = "month"):
    data = write_csv(tmp_path / "data.csv", rows, COLUMNS)
    cube = api.load_interactions(data, period=period)
    return api.simulate(api.load_strategy(strategy), cube)


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def check_conservation(result: Result) -> None:
    totals = result.totals
    assert sum(c.handled for c in result.channels) == approx(
        totals.demand - totals.lost + totals.repeats
    )
    for channel in result.channels:
        assert channel.demand == approx(channel.stayed + channel.shifted_out + channel.lost)
    assert sum(p.cost for p in result.periods) == approx(totals.cost)


# --------------------------------------------------------------------------- retired channel

# Customers and their preferred channel (most contacts; ties to the name sorting first):
#   a1: phone, phone       -> phone
#   a2: phone              -> phone
#   a3: phone, branch      -> tie 1:1 -> 'branch' (sorts before 'phone')
#   a4: branch, branch     -> branch
#   a5: branch             -> branch
#   a6: web                -> web
RETIRED_ROWS = [
    ("a1", "2024-01-02 09:00:00", "phone", "", "", ""),
    ("a1", "2024-01-03 09:00:00", "phone", "", "", ""),
    ("a2", "2024-01-04 09:00:00", "phone", "", "", ""),
    ("a3", "2024-01-05 09:00:00", "phone", "", "", ""),
    ("a3", "2024-01-05 11:00:00", "branch", "", "", ""),
    ("a4", "2024-01-06 10:00:00", "branch", "", "", ""),
    ("a4", "2024-01-07 10:00:00", "branch", "", "", ""),
    ("a5", "2024-01-08 10:00:00", "branch", "", "", ""),
    ("a6", "2024-01-09 10:00:00", "web", "", "", ""),
]
#: web's fixed cost is 100 a calendar month; RETIRED_ROWS span 2-9 January: 8 of 31 days
WEB_FIXED = 100.0 * 8 / 31
CATALOG = {
    "phone": {"mode": "live", "cost_per_contact": 5.0},
    "branch": {"mode": "live", "cost_per_contact": 14.0},
    "web": {"mode": "self_service", "cost_per_contact": 0.1, "fixed_cost": 100.0},
}


def test_retired_channel_with_fallback(tmp_path: Path) -> None:
    strategy = {
        "name": "close-branches",
        "kind": "push",
        "channels": CATALOG,
        "offer": ["phone", "web"],
        "fallback": {"branch": {"to": "phone", "accept": 0.75}},
    }
    result = run(tmp_path, RETIRED_ROWS, strategy)
    phone, branch, web = (result.channel(n) for n in ("phone", "branch", "web"))
    # branch: 4 contacts, none stay; 0.75*4 = 3 move to phone, 1 is lost.
    assert (branch.offered, branch.demand, branch.stayed) == (False, 4.0, 0.0)
    assert branch.shifted_out == approx(3.0)
    assert branch.lost == approx(1.0)
    assert branch.handled == 0.0
    # phone: 4 stay + 3 fallen back = 7 handled.
    assert (phone.demand, phone.stayed) == (4.0, 4.0)
    assert phone.shifted_in == approx(3.0)
    assert phone.handled == approx(7.0)
    assert web.handled == approx(1.0)
    totals = result.totals
    assert totals.demand == 9.0
    assert totals.lost == approx(1.0)
    assert totals.handled == approx(8.0)
    assert totals.repeats == 0.0
    # coverage = (9-1)/9; preferred coverage = stayed/demand = (4+1)/9
    assert totals.coverage == approx(8 / 9)
    assert totals.preferred_coverage == approx(5 / 9)
    # 6 customers; a1, a2 (phone) and a6 (web) prefer an offered channel: 3/6
    assert result.data.customers == 6
    assert totals.customer_coverage == approx(0.5)
    # cost: phone 7*5 = 35; web 1*0.1 + 100 fixed * 8/31 month; branch retired: 0
    assert phone.variable_cost == approx(35.0)
    assert branch.cost == 0.0
    assert web.cost == approx(0.1 + WEB_FIXED)
    assert totals.cost == approx(35.1 + WEB_FIXED)
    # baseline: phone 4*5 = 20, branch 4*14 = 56, web 0.1 + fixed
    assert totals.baseline_cost == approx(76.1 + WEB_FIXED)
    assert totals.cost_delta == approx(35.1 - 76.1)
    # cost per contact = cost / (demand - lost)
    assert totals.cost_per_contact == approx((35.1 + WEB_FIXED) / 8)
    # volume shares 7/8 and 1/8 -> effective channels 1 / (49/64 + 1/64) = 64/50
    assert phone.volume_share == approx(7 / 8)
    assert web.volume_share == approx(1 / 8)
    assert branch.volume_share == 0.0
    assert totals.effective_channels == approx(64 / 50)
    check_conservation(result)


def test_full_acceptance_keeps_coverage_but_not_customer_coverage(tmp_path: Path) -> None:
    strategy = {
        "name": "close-branches",
        "kind": "push",
        "channels": CATALOG,
        "offer": ["phone", "web"],
        "fallback": {"branch": {"to": "phone", "accept": 1.0}},
    }
    result = run(tmp_path, RETIRED_ROWS, strategy)
    # nobody is lost, but the three branch-preferring customers lost their channel
    assert result.totals.lost == 0.0
    assert result.totals.coverage == 1.0
    assert result.totals.preferred_coverage == approx(5 / 9)
    assert result.totals.customer_coverage == approx(0.5)


def test_baseline_of_follow_everything_is_status_quo(tmp_path: Path) -> None:
    strategy = {"name": "follow", "kind": "follow", "channels": CATALOG}
    result = run(tmp_path, RETIRED_ROWS, strategy)
    assert result.totals.coverage == 1.0
    assert result.totals.customer_coverage == 1.0
    assert result.totals.preferred_coverage == 1.0
    assert result.totals.cost == approx(76.1 + WEB_FIXED)
    assert result.totals.cost_delta == approx(0.0)


# --------------------------------------------------------------------------- ramps

RAMP_CATALOG = {
    "phone": {"mode": "live", "cost_per_contact": 2.0},
    "chat": {"mode": "live", "cost_per_contact": 1.0},
    "app": {"mode": "self_service", "cost_per_contact": 0.5},
}


def four_months_of_phone() -> list[tuple[str, ...]]:
    """10 phone contacts in each of Jan, Feb, Mar and Apr 2024 (40 in all)."""
    rows: list[tuple[str, ...]] = []
    for month in (1, 2, 3, 4):
        rows += contacts(10, "phone", f"2024-{month:02d}-10 09:00:00", f"m{month}-", intent="bal")
    return rows


def ramp_strategy(shape: str, periods: int, **rule: Any) -> dict:
    return {
        "name": f"ramp-{shape}",
        "kind": "push",
        "channels": RAMP_CATALOG,
        "shifts": [
            {
                "from": "phone",
                "to": {"app": 0.5},
                "ramp": {"periods": periods, "shape": shape},
                "containment": 0.8,
                **rule,
            }
        ],
    }


# moved_i = 10 contacts * share 0.5 * r(i):
#   linear  P=4: r = 1/4, 2/4, 3/4, 1         -> 1.25, 2.5, 3.75, 5  (12.5)
#   s_curve P=4: x = 1/4..1, r = 3x^2 - 2x^3 = 0.15625, 0.5, 0.84375, 1
#                                              -> 0.78125, 2.5, 4.21875, 5  (12.5)
#   step    P=3: r = 0, 0, 1, 1               -> 0, 0, 5, 5  (10)
RAMP_CASES = {
    "linear": (4, [1.25, 2.5, 3.75, 5.0]),
    "s_curve": (4, [0.78125, 2.5, 4.21875, 5.0]),
    "step": (3, [0.0, 0.0, 5.0, 5.0]),
}


@pytest.mark.parametrize("shape", sorted(RAMP_CASES))
def test_ramped_shift_with_containment_and_repeats(tmp_path: Path, shape: str) -> None:
    periods, moved = RAMP_CASES[shape]
    result = run(tmp_path, four_months_of_phone(), ramp_strategy(shape, periods))
    total_moved = sum(moved)
    phone, app = result.channel("phone"), result.channel("app")
    assert phone.shifted_out == approx(total_moved)
    assert app.shifted_in == approx(total_moved)
    assert app.handled == approx(total_moved)  # containment counts as resolved on app
    # (1 - 0.8) of the shifted contacts come back on phone (escalate default: the source)
    repeats = 0.2 * total_moved
    assert phone.repeats_in == approx(repeats)
    assert result.totals.repeats == approx(repeats)
    assert phone.stayed == approx(40 - total_moved)
    assert phone.handled == approx(40 - total_moved + repeats)
    assert result.totals.handled == approx(40 + repeats)
    assert result.totals.lost == 0.0
    assert result.totals.coverage == 1.0
    assert result.totals.preferred_coverage == approx((40 - total_moved) / 40)
    # per period: handled = 10 + 0.2*moved;
    # cost = phone 2*(10 - moved + 0.2*moved) + app 0.5*moved = 20 - 1.1*moved
    assert [p.period for p in result.periods] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    for period, moved_i in zip(result.periods, moved, strict=True):
        assert period.demand == 10.0
        assert period.handled == approx(10 + 0.2 * moved_i)
        assert period.cost == approx(20 - 1.1 * moved_i)
    assert result.totals.cost == approx(80 - 1.1 * total_moved)
    # baseline: 40 phone contacts * 2
    assert result.totals.baseline_cost == approx(80.0)
    assert result.totals.cost_delta == approx(-1.1 * total_moved)
    check_conservation(result)


def test_ramp_counts_calendar_periods_not_periods_with_data(tmp_path: Path) -> None:
    # Jan, Feb and Apr have contacts, March is empty: April is period index 3, so a
    # linear ramp over 4 periods is complete there (r = 4/4), not at 3/4.
    rows = [r for r in four_months_of_phone() if not r[1].startswith("2024-03")]
    result = run(tmp_path, rows, ramp_strategy("linear", 4, containment=1.0))
    # moved: Jan 10*0.5*0.25 = 1.25, Feb 2.5, Mar nothing, Apr 5 -> 8.75
    assert result.channel("app").handled == approx(8.75)
    march = result.periods[2]
    assert (march.period, march.demand, march.handled, march.lost) == ("2024-03", 0, 0, 0)
    assert march.cost == 0.0


def test_escalate_to_explicit_target(tmp_path: Path) -> None:
    strategy = ramp_strategy("linear", 4, escalate_to="chat")
    result = run(tmp_path, four_months_of_phone(), strategy)
    # repeats 0.2*12.5 = 2.5 go to chat, none back to phone
    assert result.channel("chat").repeats_in == approx(2.5)
    assert result.channel("chat").handled == approx(2.5)
    assert result.channel("phone").repeats_in == 0.0
    assert result.channel("phone").handled == approx(40 - 12.5)
    check_conservation(result)


def test_escalate_default_is_fallback_target_of_retired_source(tmp_path: Path) -> None:
    strategy = {
        "name": "retire-phone",
        "kind": "push",
        "channels": RAMP_CATALOG,
        "offer": ["chat", "app"],
        "shifts": [{"from": "phone", "to": {"app": 0.5}, "containment": 0.6}],
        "fallback": {"phone": {"to": "chat", "accept": 0.5}},
    }
    result = run(tmp_path, four_months_of_phone(), strategy)
    # 40 phone: 20 to app; of those 0.4*20 = 8 come back as repeats on chat (phone's
    # fallback target). Remaining 20: half fall back to chat (10), half lost (10).
    phone, chat, app = (result.channel(n) for n in ("phone", "chat", "app"))
    assert app.handled == approx(20.0)
    assert chat.repeats_in == approx(8.0)
    assert chat.shifted_in == approx(10.0)
    assert chat.handled == approx(18.0)
    assert phone.shifted_out == approx(30.0)  # 20 by the rule + 10 by fallback
    assert phone.lost == approx(10.0)
    assert phone.stayed == 0.0
    assert phone.handled == 0.0
    assert result.totals.lost == approx(10.0)
    assert result.totals.coverage == approx(30 / 40)
    # handled = demand - lost + repeats = 40 - 10 + 8
    assert result.totals.handled == approx(38.0)
    check_conservation(result)


# --------------------------------------------------------------------------- where filters

WHERE_ROWS = (
    contacts(4, "phone", "2024-01-10 09:00:00", "a", "retail", "service", "balance")
    + contacts(2, "phone", "2024-01-10 09:00:00", "b", "business", "service", "balance")
    + contacts(2, "phone", "2024-01-10 09:00:00", "c", "business", "sales", "statement")
    + contacts(5, "phone", "2024-01-10 09:00:00", "d", "retail", "service", "statement")
    + contacts(3, "phone", "2024-01-10 09:00:00", "e", "retail", "sales", "other")
    + contacts(1, "phone", "2024-01-10 09:00:00", "f", "retail", "sales", "Balance")
    + contacts(2, "phone", "2024-01-10 09:00:00", "g", "", "", "")
)
WHERE_CATALOG = {
    "phone": {"mode": "live", "cost_per_contact": 4.0},
    "chat": {"mode": "live", "cost_per_contact": 2.0},
    "web": {"mode": "self_service", "cost_per_contact": 0.1},
    "app": {"mode": "self_service", "cost_per_contact": 0.1},
}


def test_where_filters_first_matching_rule_wins(tmp_path: Path) -> None:
    strategy = {
        "name": "where",
        "kind": "push",
        "channels": WHERE_CATALOG,
        "shifts": [
            {
                "from": "phone",
                "where": {"segment": "business", "intent": ["balance", "statement"]},
                "to": {"web": 1.0},
            },
            {"from": "phone", "where": {"intent": "balance"}, "to": {"app": 0.5}},
            {"from": "phone", "where": {"stage": ["service"]}, "to": {"chat": 0.2}},
            {"from": "phone", "where": {"segment": "all"}, "to": {"chat": 0.5}},
        ],
    }
    result = run(tmp_path, WHERE_ROWS, strategy)
    # a: retail/service/balance x4   -> rule 1 (rule 0 needs business): app 2, stay 2
    # b: business/service/balance x2 -> rule 0: web 2 (rule 1 would also match)
    # c: business/sales/statement x2 -> rule 0: web 2
    # d: retail/service/statement x5 -> rule 2: chat 1, stay 4
    # e: retail/sales/other x3       -> no rule: stay 3
    # f: retail/sales/Balance x1     -> values compare exactly: no rule, stay 1
    # g: empty segment/stage/intent  -> 'all': rule 3 matches segment 'all': chat 1, stay 1
    assert result.channel("web").shifted_in == approx(4.0)
    assert result.channel("app").shifted_in == approx(2.0)
    assert result.channel("chat").shifted_in == approx(2.0)
    phone = result.channel("phone")
    assert phone.demand == 19.0
    assert phone.shifted_out == approx(8.0)
    assert phone.stayed == approx(11.0)
    check_conservation(result)


def test_where_on_missing_dimension_columns_defaults_to_all(tmp_path: Path) -> None:
    # A file without segment/stage/intent columns: every contact is 'all'.
    data = write_csv(
        tmp_path / "plain.csv",
        [(f"p{i}", "2024-01-10 09:00:00", "phone") for i in range(10)],
        ("customer_id", "timestamp", "channel"),
    )
    cube = api.load_interactions(data)
    strategy = {
        "name": "w",
        "kind": "push",
        "channels": WHERE_CATALOG,
        "shifts": [
            {"from": "phone", "where": {"intent": "balance"}, "to": {"web": 1.0}},
            {"from": "phone", "where": {"intent": "all", "stage": "all"}, "to": {"app": 0.3}},
        ],
    }
    result = api.simulate(api.load_strategy(strategy), cube)
    assert result.channel("web").handled == 0.0
    assert result.channel("app").handled == approx(3.0)


# --------------------------------------------------------------------------- extends


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


BASE_YAML = """\
version: 1
name: base
kind: follow
period: month
channels:
  phone: {mode: live, cost_per_contact: 5, handle_time: 300}
  chat: {mode: live, cost_per_contact: 3, fixed_cost: 50}
  web: {mode: self_service, cost_per_contact: 0.1, fixed_cost: 100}
offer: [phone, chat, web]
guards:
  - coverage >= 0.99
dilution: {subscale_agents: 5}
"""


def test_extends_deep_merge_lists_replace_null_removes(tmp_path: Path) -> None:
    write(tmp_path / "common" / "base.yaml", BASE_YAML)
    # the child lives in another directory: `extends` is relative to the child
    child = write(
        tmp_path / "strategies" / "child.yaml",
        """\
extends: ../common/base.yaml
name: child
kind: push
channels:
  phone: {cost_per_contact: 6}      # merged into the inherited phone
  chat: {fixed_cost: null}          # removes the inherited fixed_cost
offer: [phone, web]                 # lists replace
fallback:
  chat: {to: phone, accept: 0.5}
guards: null                        # removes the inherited guards
""",
    )
    strategy = api.load_strategy(child)
    assert strategy.name == "child"
    assert strategy.kind == "push"
    assert strategy.period == "month"
    phone = strategy.channels["phone"]
    assert (phone.mode, phone.handle_time, phone.cost_per_contact) == ("live", 300.0, 6.0)
    assert strategy.channels["chat"].fixed_cost is None
    assert strategy.channels["chat"].cost_per_contact == 3.0
    assert strategy.channels["web"].fixed_cost == 100.0
    assert strategy.offered == ["phone", "web"]
    assert strategy.guards == []
    assert strategy.dilution.subscale_agents == 5.0


def test_extends_chain_and_simulation_use_merged_values(tmp_path: Path) -> None:
    write(tmp_path / "common" / "base.yaml", BASE_YAML)
    write(
        tmp_path / "common" / "middle.yaml",
        "extends: base.yaml\nname: middle\nchannels:\n  web: {cost_per_contact: 0.2}\n",
    )
    leaf = write(
        tmp_path / "leaf" / "leaf.yaml",
        "extends: ../common/middle.yaml\nname: leaf\nguards: [cost_delta <= 0]\n",
    )
    strategy = api.load_strategy(leaf)
    assert strategy.channels["web"].cost_per_contact == 0.2
    assert strategy.channels["web"].fixed_cost == 100.0
    assert strategy.guards == ["cost_delta <= 0"]
    rows = contacts(3, "phone", "2024-01-10 09:00:00") + contacts(2, "web", "2024-01-11 10:00:00")
    cube = api.load_interactions(write_csv(tmp_path / "d.csv", rows, COLUMNS))
    result = api.simulate(strategy, cube)
    # phone 3*5 = 15; web 2*0.2 + 100 a month * 2 days of 31; chat is offered but
    # unobserved: 50 a month in the strategy, not in the baseline
    days = 2 / 31
    assert result.totals.cost == approx(15.4 + 100 * days + 50 * days)
    assert result.totals.baseline_cost == approx(15.4 + 100 * days)
    assert [g.ok for g in result.guards] == [False]


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "extends: b.yaml\nname: a\nkind: follow\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(CxError, match="cycle"):
        api.load_strategy(tmp_path / "a.yaml")


# --------------------------------------------------------------------------- costs

COST_CATALOG = {
    "phone": {"mode": "live", "cost_per_contact": 3.0},
    "app": {"mode": "self_service", "cost_per_contact": 0.2, "fixed_cost": 1000.0},
    "web": {"mode": "self_service", "cost_per_contact": 0.1, "fixed_cost": 500.0},
    "branch": {"mode": "live", "cost_per_contact": 10.0, "fixed_cost": 2000.0},
}
# Jan: 10 phone + 4 branch; Feb: empty; Mar: 10 phone + 2 web. The span runs from
# 15 January to 16 March: 17 of January's 31 days, all of February, 16 of March's 31.
COST_MONTHS = (17 / 31, 29 / 29, 16 / 31)
COST_ROWS = (
    contacts(10, "phone", "2024-01-15 10:00:00", "p")
    + contacts(4, "branch", "2024-01-16 10:00:00", "b")
    + contacts(10, "phone", "2024-03-15 10:00:00", "q")
    + contacts(2, "web", "2024-03-16 10:00:00", "w")
)


def test_incentive_fixed_cost_and_period_costs(tmp_path: Path) -> None:
    strategy = {
        "name": "costs",
        "kind": "push",
        "channels": COST_CATALOG,
        "offer": ["phone", "app", "web"],
        "shifts": [{"from": "phone", "to": {"app": 0.4}, "incentive_cost": 1.5}],
        "fallback": {"branch": {"to": "web", "accept": 0.5}},
    }
    result = run(tmp_path, COST_ROWS, strategy)
    phone, app, web, branch = (result.channel(n) for n in ("phone", "app", "web", "branch"))
    # phone: 20 contacts, 0.4 -> 8 to app (4 in Jan, 4 in Mar); 12 stay
    assert app.shifted_in == approx(8.0)
    # incentive is paid on the contacts shifted in by rules: 8 * 1.5 = 12, on app
    assert app.incentive_cost == approx(12.0)
    assert phone.incentive_cost == 0.0
    # fallback contacts carry no incentive: branch 4 -> 2 to web, 2 lost
    assert web.shifted_in == approx(2.0)
    assert web.incentive_cost == 0.0
    # fixed cost x calendar months of the span (Feb is empty but counts), offered only
    months = sum(COST_MONTHS)
    assert [p.period for p in result.periods] == ["2024-01", "2024-02", "2024-03"]
    assert app.fixed_cost == approx(1000 * months)  # offered, never observed: still pays
    assert web.fixed_cost == approx(500 * months)
    assert branch.fixed_cost == 0.0  # retired
    assert phone.fixed_cost == 0.0
    # variable: phone 12*3 = 36, app 8*0.2 = 1.6, web (2+2)*0.1 = 0.4
    assert phone.cost == approx(36.0)
    assert app.cost == approx(1.6 + 1000 * months + 12)
    assert web.cost == approx(0.4 + 500 * months)
    total = 36 + 13.6 + 0.4 + 1500 * months
    assert result.totals.cost == approx(total)
    # baseline: observed channels only (phone, branch, web; no app):
    #   phone 20*3 = 60; branch 4*10 + 2000 a month; web 2*0.1 + 500 a month
    baseline = 60 + 40 + 0.2 + 2500 * months
    assert result.totals.baseline_cost == approx(baseline)
    assert result.totals.cost_delta == approx(total - baseline)
    # cost per contact: demand 26, lost 2 -> cost / 24
    assert result.totals.cost_per_contact == approx(total / 24)
    # per period: fixed (1000 + 500) a month, times the month's share of the span;
    #   Jan: phone 6*3 = 18, app 4*0.2 = 0.8 + incentive 6, web 2*0.1 = 0.2
    #   Feb: fixed only;  Mar: phone 18, app 0.8 + 6, web 2*0.1 = 0.2
    jan, feb, mar = result.periods
    assert jan.cost == approx(1500 * COST_MONTHS[0] + 18 + 0.8 + 6 + 0.2)
    assert feb.cost == approx(1500.0)
    assert mar.cost == approx(1500 * COST_MONTHS[2] + 18 + 0.8 + 6 + 0.2)
    assert [(p.days, p.partial) for p in result.periods] == [(17, True), (29, False), (16, True)]
    assert (feb.demand, feb.handled, feb.lost, feb.coverage) == (0.0, 0.0, 0.0, 1.0)
    assert (jan.demand, jan.lost) == (14.0, approx(2.0))
    assert jan.coverage == approx(12 / 14)
    assert sum(p.cost for p in result.periods) == approx(total)
    check_conservation(result)


def test_cost_per_contact_is_null_when_everything_is_lost(tmp_path: Path) -> None:
    strategy = {
        "name": "lose-all",
        "kind": "push",
        "channels": COST_CATALOG,
        "offer": ["web"],
        "fallback": {
            "phone": {"to": "web", "accept": 0.0},
            "branch": {"to": "web", "accept": 0.0},
        },
    }
    rows = [r for r in COST_ROWS if r[2] != "web"]
    result = run(tmp_path, rows, strategy)
    assert result.totals.lost == approx(24.0)
    assert result.totals.coverage == 0.0
    assert result.totals.cost_per_contact is None
    # web: 500 a month over 15 January - 15 March, nothing handled
    assert result.totals.cost == approx(500 * (17 / 31 + 1 + 15 / 31))


# --------------------------------------------------------------------------- periods


def test_week_periods_iso_labels_and_empty_weeks(tmp_path: Path) -> None:
    rows = [
        ("x1", "2024-01-29 08:00:00", "phone", "", "", ""),  # Monday of ISO week 5
        ("x2", "2024-02-04 23:59:59", "phone", "", "", ""),  # Sunday: still week 5
        ("x3", "2024-02-19 00:00:00", "phone", "", "", ""),  # Monday of week 8
    ]
    strategy = {"name": "f", "kind": "follow", "channels": {"phone": CATALOG["phone"]}}
    result = run(tmp_path, rows, strategy, period="week")
    assert result.data.periods == ["2024-W05", "2024-W06", "2024-W07", "2024-W08"]
    assert [p.period for p in result.periods] == result.data.periods
    assert [p.demand for p in result.periods] == [2.0, 0.0, 0.0, 1.0]
    assert [p.cost for p in result.periods] == [10.0, 0.0, 0.0, 5.0]


def test_week_labels_use_the_iso_year(tmp_path: Path) -> None:
    rows = [
        ("y1", "2020-12-31 12:00:00", "phone", "", "", ""),  # Thursday of 2020-W53
        ("y2", "2021-01-04 12:00:00", "phone", "", "", ""),  # Monday of 2021-W01
    ]
    strategy = {"name": "f", "kind": "follow", "channels": {"phone": CATALOG["phone"]}}
    result = run(tmp_path, rows, strategy, period="week")
    assert result.data.periods == ["2020-W53", "2021-W01"]
    rows = [("z1", "2024-12-30 12:00:00", "phone", "", "", "")]  # Monday of 2025-W01
    result = run(tmp_path, rows, strategy, period="week")
    assert result.data.periods == ["2025-W01"]


def test_month_and_quarter_periods(tmp_path: Path) -> None:
    rows = [
        ("q1", "2023-12-31 23:00:00", "phone", "", "", ""),
        ("q2", "2024-02-01 00:00:00", "phone", "", "", ""),
        ("q3", "2024-08-15 12:00:00", "phone", "", "", ""),
    ]
    strategy = {
        "name": "f",
        "kind": "follow",
        "channels": {
            "phone": CATALOG["phone"],
            "web": {"mode": "self_service", "fixed_cost": 10.0},
        },
        "offer": ["phone"],
    }
    result = run(tmp_path, rows, strategy, period="month")
    assert result.data.periods == [
        "2023-12",
        "2024-01",
        "2024-02",
        "2024-03",
        "2024-04",
        "2024-05",
        "2024-06",
        "2024-07",
        "2024-08",
    ]
    assert [p.demand for p in result.periods] == [1, 0, 1, 0, 0, 0, 0, 0, 1]
    result = run(tmp_path, rows, strategy, period="quarter")
    assert result.data.periods == ["2023-Q4", "2024-Q1", "2024-Q2", "2024-Q3"]
    assert [p.demand for p in result.periods] == [1.0, 1.0, 0.0, 1.0]
    assert [p.coverage for p in result.periods] == [1.0, 1.0, 1.0, 1.0]
    # the fixed-cost channel is offered in this strategy's run with offer [phone, web]
    offered = {**strategy, "offer": ["phone", "web"]}
    result = run(tmp_path, rows, offered, period="quarter")
    # 10 a calendar month over 31 December - 15 August: 1/31 + 7 months + 15/31
    assert result.channel("web").fixed_cost == approx(10 * (7 + 16 / 31))
    assert [p.cost for p in result.periods] == [
        approx(5 + 10 / 31),  # Q4 2023: one phone contact, one day of December
        approx(5 + 30),  # Q1: phone, January to March
        approx(30),  # Q2: April to June, no contact
        approx(5 + 10 + 10 * 15 / 31),  # Q3: July, and 15 days of August
    ]
