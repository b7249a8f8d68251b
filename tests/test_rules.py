"""The compiled rule set (cx/replay/rules.py): one reading of a strategy's rules that
the cube flows and the per-contact routing of --replay both apply."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cx import api
from cx.models.strategy import Strategy
from cx.replay.flows import compute_flows
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


def flows_rule_by_rule(
    rules: RuleSet, demand: pl.DataFrame, period_index: dict[dt.date, int]
) -> pl.DataFrame:
    """The flows of §5 worked out one rule at a time, as they are written: the
    reference the cube flows (one join for every rule) must equal."""
    cells = demand.with_columns(
        period_index=pl.col("period_start").replace_strict(period_index, return_dtype=pl.Int64),
        rule=rules.rule_index(),
    )
    parts = []

    def flow(
        frame: pl.DataFrame, target: str | None, kind: str, contacts: pl.Expr, paid: float = 0.0
    ) -> None:
        parts.append(
            frame.select(
                "period_start",
                "hours",
                source=pl.col("channel"),
                target=pl.lit(target, dtype=pl.String) if target else pl.col("channel"),
                kind=pl.lit(kind),
                contacts=contacts.cast(pl.Float64),
                incentive=(contacts * paid).cast(pl.Float64),
            )
        )

    moved_share = pl.lit(0.0)
    for rule in rules.rules:
        ramp = rule.ramp_factor(pl.col("period_index"))
        matched = cells.filter(pl.col("rule") == rule.number)
        for move in rule.moves:
            moved = pl.col("contacts") * move.share * ramp
            flow(matched, move.target, "shift", moved, rule.incentive_cost)
            if move.containment < 1.0 and rule.escalate_to is not None:
                flow(matched, rule.escalate_to, "repeat", moved * (1.0 - move.containment))
        moved_share = (
            pl.when(pl.col("rule") == rule.number)
            .then(rule.moved_share * ramp)
            .otherwise(moved_share)
        )
    rest = cells.with_columns(contacts=pl.col("contacts") * (1.0 - moved_share))
    lost = pl.col("channel").is_in(list(rules.lost_after_hours)) & (pl.col("hours") == "closed")
    flow(rest.filter(lost), None, "lost", pl.col("contacts"))
    offered = pl.col("channel").is_in(list(rules.offered)) & ~lost
    flow(rest.filter(offered), None, "stay", pl.col("contacts"))
    for channel, fallback in rules.fallbacks.items():
        retired = rest.filter(pl.col("channel") == channel)
        for target, share in fallback.shares:
            flow(retired, target, "fallback", pl.col("contacts") * share)
        flow(retired, None, "lost", pl.col("contacts") * (1.0 - fallback.accept))
    flows = pl.concat(parts).with_columns(
        target=pl.when(pl.col("kind") == "lost").then(None).otherwise(pl.col("target"))
    )
    keys = ["period_start", "source", "target", "kind", "hours"]
    return (
        flows.filter(pl.col("contacts") > 0)
        .sort([*keys, "contacts", "incentive"], nulls_last=True)
        .group_by(keys, maintain_order=True)
        .agg(pl.col("contacts").sum(), pl.col("incentive").sum())
        .sort(keys)
    )


def test_cube_flows_equal_the_rules_applied_one_by_one() -> None:
    """The cube flows apply every rule in one join (a strategy of hundreds of rules
    took a minute when each rule was a query of its own): same flows to the last bit."""
    shifts = [
        {"from": "phone", "where": {"hours": ["closed"]}, "to": {"chat": 0.4},
         "containment": 0.7, "ramp": {"periods": 3, "shape": "s_curve"}},
        {"from": "phone", "where": {"intent": ["balance"]}, "to": {"web": 0.5, "chat": 0.2},
         "containment": 0.6, "ramp": {"periods": 4, "shape": "linear"}, "incentive_cost": 0.5},
        {"from": "phone", "where": {"intent": ["card"], "hours": ["open"]},
         "to": {"web": 0.3}, "ramp": {"periods": 2, "shape": "step"}},
        {"from": "chat", "where": {"intent": ["balance", "card"]}, "to": {"web": 0.25},
         "containment": 0.9, "escalate_to": "phone"},
        {"from": "phone", "to": {"chat": 0.1}},
        {"from": "branch", "to": {"web": 0.3}, "containment": 0.5},
    ]  # fmt: skip
    channels = {
        "phone": {"mode": "live", "handle_time": 300, "hourly_cost": 30,
                  "hours": {"mon-fri": "08:00-18:00"}, "after_hours": "lost"},
        "web": {"mode": "self_service", "cost_per_contact": 0.1},
        "chat": {"mode": "live", "handle_time": 400, "hourly_cost": 30},
        "branch": {"mode": "live", "cost_per_contact": 12},
    }  # fmt: skip
    rules = RuleSet.compile(strategy(shifts=shifts, channels=channels))
    assert rules.lost_after_hours == {"phone"}
    starts = [dt.date(2024, month, 1) for month in range(1, 6)]
    period_index = {start: i for i, start in enumerate(starts)}
    rng = np.random.default_rng(7)
    grid = [
        (start, channel, intent, hours)
        for start in starts
        for channel in ("phone", "web", "chat", "branch")
        for intent in ("balance", "card", "other")
        for hours in ("open", "closed")
    ]
    demand = pl.DataFrame(
        grid, schema=["period_start", "channel", "intent", "hours"], orient="row"
    ).with_columns(contacts=pl.Series(rng.integers(0, 400, len(grid)), dtype=pl.Int64))
    expected = flows_rule_by_rule(rules, demand, period_index)
    flows = compute_flows(rules, demand, period_index)
    assert set(expected["kind"]) == {"shift", "repeat", "stay", "fallback", "lost"}
    assert flows.select(expected.columns).equals(expected)
