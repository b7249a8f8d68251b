"""The compiled rule set (cx/replay/rules.py): one reading of a strategy's rules that
the cube flows and the per-contact routing of --replay both apply."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cx import api
from cx.models.strategy import Strategy
from cx.replay.rules import RuleSet


def strategy(**changes: object) -> Strategy:
    spec: dict[str, object] = {
        "version": 1,
        "name": "rules",
        "kind": "push",
        "channels": {
            "phone": {"mode": "live", "handle_time": 300, "hourly_cost": 30},
            "web": {"mode": "self_service", "cost_per_contact": 0.1},
            "chat": {"mode": "live", "handle_time": 400, "hourly_cost": 30},
            "branch": {"mode": "live", "cost_per_contact": 12},
        },
        "offer": ["phone", "web", "chat"],
        "shifts": [
            {
                "from": "phone",
                "where": {"intent": ["balance"]},
                "to": {"web": 0.5, "chat": 0.2},
                "containment": 0.6,
                "ramp": {"periods": 4, "shape": "linear"},
                "incentive_cost": 0.5,
            },
            {"from": "phone", "to": {"chat": 0.1}},
            {"from": "branch", "to": {"web": 0.3}},
        ],
        "fallback": {"branch": {"to": "phone", "accept": 0.75}},
    }
    spec.update(changes)
    return api.load_strategy(spec)


def test_compiled_rules_resolve_targets_escalation_and_fallback() -> None:
    rules = RuleSet.compile(strategy())
    first, second, third = rules.rules
    assert [(m.target, m.share, m.containment) for m in first.moves] == [
        ("web", 0.5, 0.6),
        ("chat", 0.2, 0.6),
    ]
    assert first.moved_share == 0.7
    assert first.escalate_to == "phone"  # the source, offered
    assert third.escalate_to == "phone"  # the retired source's fallback target
    assert second.where == {}
    assert dict(rules.fallbacks) == {"branch": rules.fallbacks["branch"]}
    assert rules.fallbacks["branch"].shares == (("phone", 0.75),)
    assert rules.fallbacks["branch"].accept == 0.75
    assert rules.retired() == ["branch"]
    # chat is reached from phone (rules) and from branch through nothing: phone only
    assert rules.sources_reaching(["chat"]) == ["chat", "phone"]
    assert rules.sources_reaching(["phone"]) == ["branch", "phone"]


def test_first_matching_rule_takes_the_contact() -> None:
    rules = RuleSet.compile(strategy())
    cells = pl.DataFrame(
        {
            "channel": ["phone", "phone", "branch", "web"],
            "intent": ["balance", "other", "balance", "balance"],
        }
    )
    assert cells.select(rules.rule_index(none=-1)).to_series().to_list() == [0, 1, 2, -1]


def test_ramp_by_period_is_the_ramp_of_each_period_index() -> None:
    first = RuleSet.compile(strategy()).rules[0]
    assert np.allclose(first.ramp_by_period(6), [0.25, 0.5, 0.75, 1.0, 1.0, 1.0])


def test_replay_takes_observed_containment_like_the_cube(tmp_path: Path) -> None:
    rows = ["customer_id,timestamp,channel,intent,handle_time,resolved"]
    for day in range(1, 29):
        for hour in (9, 10, 11):
            for minute in range(0, 60, 6):
                stamp = f"2024-02-{day:02d}T{hour:02d}:{minute:02d}:00"
                rows.append(f"c{day}-{hour}-{minute},{stamp},phone,balance,240,true")
        resolved = "true" if day % 4 else "false"
        rows.append(f"w{day},2024-02-{day:02d}T12:00:00,chat,balance,300,{resolved}")
    data = tmp_path / "contacts.csv"
    data.write_text("\n".join(rows) + "\n")
    push = api.load_strategy(
        {
            "version": 1,
            "name": "observed",
            "kind": "push",
            "channels": {
                "phone": {"mode": "live", "handle_time": 240, "hourly_cost": 30},
                "chat": {"mode": "live", "handle_time": 300, "hourly_cost": 30},
            },
            "shifts": [{"from": "phone", "to": {"chat": 0.5}, "containment": "observed"}],
        }
    )
    cube = api.load_interactions(data, outcomes=True)
    result = api.simulate(push, cube, replay=True)
    phone = result.channel("phone")
    # chat resolves 3 of 4 of its own contacts: a quarter of the moved ones come back
    assert phone.repeats_in == pytest.approx(0.5 * 840 * 0.25)
    assert phone.replay is not None and phone.replay.contacts > 840 * 0.5
