"""Shift rules that take no contact of the data are said (DESIGN §5): a rule whose
`where` value differs from the data's only in case, whose channel the data lacks, or
which earlier rules shadow moves nothing and saves nothing, and used to say so nowhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cx

from cx import api
from cx.replay.rules import idle_rules

CORPUS = Path(__file__).resolve().parent / "corpus"
BASE = CORPUS / "strategies" / "base.yaml"
GOOD = CORPUS / "data" / "good.csv"
ROOT = Path(__file__).resolve().parent.parent


def _strategy(tmp_path: Path, shifts: str, offer: str = "[phone, chat, email, web]") -> Path:
    path = tmp_path / "push.yaml"
    path.write_text(
        f"version: 1\nextends: {BASE}\nname: push\nkind: push\noffer: {offer}\n"
        f"shifts:\n{shifts}",
        encoding="utf-8",
    )
    return path


CASES = {
    "a value in another case": (
        "  - from: phone\n    where: {intent: [Balance]}\n    to: {web: 0.5}\n",
        "push.yaml:7:5: shifts.0: moves no contacts: no contact on phone has intent 'Balance' "
        "(the data has 'balance': values match exactly)",
    ),
    "a value no contact on the channel has": (
        "  - from: phone\n    where: {intent: [loan]}\n    to: {web: 0.5}\n",
        "push.yaml:7:5: shifts.0: moves no contacts: no contact on phone has intent 'loan'",
    ),
    "a journey step no contact on the channel has": (  # no phone contact is a follow-up
        "  - from: phone\n    where: {step: follow_up}\n    to: {web: 0.5}\n",
        "push.yaml:7:5: shifts.0: moves no contacts: no contact on phone has step 'follow_up'",
    ),
    "a shadowed rule": (
        "  - from: email\n    to: {chat: 0.3}\n  - from: email\n    where: {intent: [complaint]}\n"
        "    to: {web: 0.3}\n",
        "push.yaml:9:5: shifts.1: moves no contacts: earlier rules take every contact on email "
        "that it matches",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_rule_that_takes_no_contact_is_a_warning(tmp_path: Path, case: str) -> None:
    shifts, said = CASES[case]
    result = run_cx("simulate", _strategy(tmp_path, shifts), "--data", GOOD, "--format", "json")
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout)  # stdout stays machine output
    assert f"warning: {tmp_path / said}" in result.stderr
    assert result.stderr.count("warning:") == 1
    quiet = run_cx("simulate", _strategy(tmp_path, shifts), "--data", GOOD, "-q")
    assert "warning" not in quiet.stderr


def test_a_channel_without_contacts_is_named(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        f"version: 1\nextends: {BASE}\nname: push\nkind: push\n"
        "channels:\n  app: {mode: self_service, cost_per_contact: 0.05}\n"
        "offer: [phone, chat, email, web, app]\n"
        "shifts:\n  - from: app\n    to: {web: 0.5}\n",
        encoding="utf-8",
    )
    strategy = api.load_strategy(catalog)
    cube = api.load_interactions(GOOD, cache=False)
    assert idle_rules(strategy, cube.demand) == [
        (0, "moves no contacts: the data has no contacts on app")
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "strategies").glob("*.yaml")))
def test_no_shipped_strategy_has_an_idle_rule(name: str) -> None:
    cube = api.load_interactions(ROOT / "examples" / "interactions.csv")
    assert idle_rules(api.load_strategy(ROOT / "strategies" / name), cube.demand) == []


def test_a_rule_listing_every_spelling_of_the_data_is_no_warning(tmp_path: Path) -> None:
    """Two source systems spell one intent two ways: a rule that lists both took all it
    meant to, yet was warned about, on one rule or another from run to run."""
    data = tmp_path / "two-systems.csv"
    rows = [
        f"c{i},2024-01-{1 + i % 28:02d}T10:00:00,{channel},{intent}"
        for i in range(120)
        for channel, intent in [("phone", "Balance"), ("chat", "balance")][i % 2 : i % 2 + 1]
    ]
    data.write_text("customer_id,timestamp,channel,intent\n" + "\n".join(rows) + "\n")
    shifts = (
        "  - from: phone\n    where: {intent: [Balance, balance]}\n    to: {web: 0.5}\n"
        "  - from: chat\n    where: {intent: [balance, Balance]}\n    to: {web: 0.5}\n"
    )
    strategy = _strategy(tmp_path, shifts)
    for _ in range(3):
        result = run_cx("simulate", strategy, "--data", data, "--format", "json", "--no-cache")
        assert result.exit_code == 0, result.stderr
        assert "warning" not in result.stderr


def test_one_value_of_several_in_another_case_takes_fewer_than_meant(tmp_path: Path) -> None:
    """The rule takes phone's retail contacts, and misses its business ones, written
    'Business'; chat's spellings are no hint for a phone rule."""
    data = tmp_path / "segments.csv"
    rows = [
        f"c{i},2024-01-{1 + i % 28:02d}T10:00:00,{channel},{segment}"
        for i, (channel, segment) in enumerate(
            [("phone", "retail"), ("phone", "business"), ("chat", "Premium")] * 40
        )
    ]
    data.write_text("customer_id,timestamp,channel,segment\n" + "\n".join(rows) + "\n")
    shifts = (
        "  - from: phone\n    where: {segment: [retail, Business, premium]}\n"
        "    to: {web: 0.5}\n"
    )
    result = run_cx("simulate", _strategy(tmp_path, shifts), "--data", data, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        f"warning: {tmp_path / 'push.yaml'}:7:5: shifts.0: takes fewer contacts than meant: "
        "no contact on phone has segment 'Business' (the data has 'business': values match "
        "exactly)\n"
    )


@pytest.mark.parametrize(
    ("ramp", "reached"),
    [
        ("{periods: 12}", "50%"),
        ("{periods: 12, shape: step}", "0%"),
        ("{periods: 9, shape: s_curve}", "74%"),
    ],
)
def test_a_ramp_that_outlasts_the_data_is_a_warning(ramp: str, reached: str) -> None:
    """A ramp of 12 months on 6 months of data moved half its shares with nothing said:
    the figures were of a rule still ramping up."""
    result = run_cx(
        "simulate", ROOT / "strategies" / "digital-first.yaml", "--data",
        ROOT / "examples" / "interactions.csv", "--set", f"shifts.0.ramp={ramp}", "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    periods = ramp.split(",")[0].split()[-1].strip("}")
    assert result.stderr.splitlines() == [
        f"warning: {ROOT}/strategies/digital-first.yaml:11:5: shifts.0: its ramp of {periods} "
        f"periods reaches {reached} of its shares by the data's last period (2024-06, 6 of the "
        f"{periods}): the figures are of a rule still ramping up"
    ]
    finished = run_cx("simulate", ROOT / "strategies" / "digital-first.yaml", "--data",
                      ROOT / "examples" / "interactions.csv", "-f", "json")  # fmt: skip
    assert finished.exit_code == 0 and finished.stderr == ""


EMAIL = "mode: async, handle_time: 420, hourly_cost: 28"


@pytest.mark.parametrize(
    ("email", "said"),
    [
        (f"{{{EMAIL}, min_agents: 3}}", True),
        (f'{{{EMAIL}, min_agents: 3, hours: {{mon-fri: "09:00-17:00"}}}}', False),
        (f"{{{EMAIL}, min_agents: 3, response: {{target: 0.9, within: 86400}}}}", False),
        (f"{{{EMAIL}}}", False),
    ],
)
def test_a_floor_an_async_channel_cannot_hold_is_a_warning(
    tmp_path: Path, email: str, said: bool
) -> None:
    """An async channel without hours or a response target is planned by its workload:
    its min_agents changed nothing, and nothing said so."""
    strategy = tmp_path / "s.yaml"
    strategy.write_text(
        f"version: 1\nextends: {BASE}\nname: s\nkind: follow\nchannels:\n  email: {email}\n",
        encoding="utf-8",
    )
    result = run_cx("simulate", strategy, "--data", GOOD, "-f", "json")
    assert result.exit_code == 0, result.stderr
    warning = (
        f"warning: {strategy}:6:59: channels.email.min_agents: min_agents 3 holds nowhere: an "
        "async channel without `hours` or a `response` target is planned by its workload, "
        "with no intervals to keep agents in (give it opening hours or a response target, "
        "or leave min_agents out)"
    )
    assert result.stderr.splitlines() == ([warning] if said else [])
