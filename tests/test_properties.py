"""Properties of the replay (DESIGN §5–§7) over generated data sets and strategies.

Each example writes a small CSV to a temporary directory and scans it once with
``cx.api.load_interactions``; the strategies are dicts validated by
``cx.api.load_strategy``. The runs are derandomized so CI sees the same examples
every time.
"""

from __future__ import annotations

import csv
import math
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cx import api
from cx.data.cube import Cube
from cx.errors import CxError
from cx.models.result import Result
from cx.replay.engine import StrategyEvaluation

CATALOG: dict[str, dict[str, Any]] = {
    "phone": {
        "mode": "live",
        "handle_time": 300,
        "hourly_cost": 30,
        "cost_per_contact": 4.0,
        "shrinkage": 0.3,
        "min_agents": 1,
    },
    "chat": {
        "mode": "live",
        "handle_time": 420,
        "concurrency": 2,
        "hourly_cost": 25,
        "cost_per_contact": 2.5,
        "service_level": {"target": 0.8, "within": 60},
    },
    "video": {
        "mode": "live",
        "handle_time": 600,
        "hourly_cost": 35,
        "cost_per_contact": 3.0,
        "max_occupancy": 0.85,
    },
    "email": {
        "mode": "async",
        "handle_time": 500,
        "hourly_cost": 20,
        "cost_per_contact": 1.5,
        "shrinkage": 0.2,
        "max_occupancy": 0.9,
    },
    "social": {"mode": "async", "handle_time": 240, "hourly_cost": 22, "cost_per_contact": 1.0},
    "branch": {"mode": "live", "cost_per_contact": 12.0, "fixed_cost": 500},
    "web": {"mode": "self_service", "cost_per_contact": 0.1, "fixed_cost": 100},
    "app": {"mode": "self_service", "cost_per_contact": 0.05, "fixed_cost": 150},
}
NAMES = list(CATALOG)
SELF_SERVICE = [name for name, c in CATALOG.items() if c["mode"] == "self_service"]
SEGMENTS = ["retail", "business", ""]
STAGES = ["service", "sales", ""]
INTENTS = ["balance", "loan", "other", ""]
START = datetime(2024, 1, 1)
HEADER = ("customer_id", "timestamp", "channel", "segment", "stage", "intent")

PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


# --------------------------------------------------------------------------- data


@st.composite
def datasets(
    draw: st.DrawFn, channels: list[str] | None = None, days: int = 120, rows: int = 40
) -> tuple[list[tuple], str]:
    """1–``rows`` contacts on a few channels over up to ``days`` days (four months), and
    a period."""
    pool = channels or draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    row = st.tuples(
        st.integers(0, 7),  # customer
        st.sampled_from(pool),
        st.integers(0, days),
        st.integers(0, 23 * 60 + 59),  # minute of the day
        st.sampled_from(SEGMENTS),
        st.sampled_from(STAGES),
        st.sampled_from(INTENTS),
    )
    raw = draw(st.lists(row, min_size=1, max_size=rows))
    rows = [
        (
            f"c{customer}",
            (START + timedelta(days=day, minutes=minute)).strftime("%Y-%m-%d %H:%M:%S"),
            channel,
            segment,
            stage,
            intent,
        )
        for customer, channel, day, minute, segment, stage, intent in raw
    ]
    return rows, draw(st.sampled_from(["week", "month", "quarter"]))


def load_cube(rows: list[tuple], period: str, keep_rows: bool = False) -> Cube:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "data.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
        return api.load_interactions(path, period=period, keep_rows=keep_rows)


def observed(rows: list[tuple]) -> list[str]:
    return sorted({row[2] for row in rows})


# --------------------------------------------------------------------------- strategies

unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def wheres(draw: st.DrawFn) -> dict[str, Any] | None:
    where: dict[str, Any] = {}
    for dimension, values in (("segment", SEGMENTS), ("stage", STAGES), ("intent", INTENTS)):
        if draw(st.booleans()):
            named = [v or "all" for v in values]
            if draw(st.booleans()):
                where[dimension] = draw(st.sampled_from(named))
            else:
                where[dimension] = draw(st.lists(st.sampled_from(named), min_size=1, unique=True))
    return where or None


@st.composite
def shares(draw: st.DrawFn, count: int) -> list[float]:
    """``count`` shares in [0, 1] adding up to at most 1."""
    raw = [draw(unit) for _ in range(count)]
    total = sum(raw)
    scale = draw(unit)
    return [r / total * scale if total > 0 else 0.0 for r in raw]


@st.composite
def shift_rules(
    draw: st.DrawFn,
    offered: list[str],
    fallback: dict[str, Any],
    sources: list[str] = NAMES,
    zero: bool = False,
) -> dict[str, Any] | None:
    source = draw(st.sampled_from(sources))
    targets_pool = [c for c in offered if c != source]
    if not targets_pool:
        return None
    targets = draw(st.lists(st.sampled_from(targets_pool), min_size=1, max_size=2, unique=True))
    values = [0.0] * len(targets) if zero else draw(shares(len(targets)))
    rule: dict[str, Any] = {"from": source, "to": dict(zip(targets, values, strict=True))}
    where = draw(wheres())
    if where:
        rule["where"] = where
    if draw(st.booleans()):
        rule["ramp"] = {
            "periods": draw(st.integers(1, 6)),
            "shape": draw(st.sampled_from(["linear", "s_curve", "step"])),
        }
    rule["containment"] = draw(st.one_of(st.just(1.0), unit))
    needs_escalation = source not in offered and source not in fallback
    if draw(st.booleans()) or (rule["containment"] != 1.0 and needs_escalation):
        rule["escalate_to"] = draw(st.sampled_from(offered))
    rule["incentive_cost"] = draw(st.floats(0.0, 2.0))
    return rule


@st.composite
def strategies(draw: st.DrawFn, seen: list[str]) -> dict[str, Any]:
    """A valid strategy over CATALOG: random offer, fallbacks, rules, ramps."""
    offered = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=len(NAMES), unique=True))
    retired = [c for c in NAMES if c not in offered]
    fallback = {
        name: {"to": draw(st.sampled_from(offered)), "accept": draw(unit)}
        for name in retired
        if name in seen or draw(st.booleans())
    }
    rules = [draw(shift_rules(offered, fallback)) for _ in range(draw(st.integers(0, 3)))]
    rules = [rule for rule in rules if rule is not None]
    return {
        "name": "generated",
        "kind": "push" if rules or retired else "follow",
        "channels": CATALOG,
        "offer": offered,
        "shifts": rules,
        "fallback": fallback,
        # a guard on the queue of a retired channel is a finding: guarded where offered
        "guards": ["coverage >= 0.5"]
        + (["channels.phone.occupancy <= 0.9"] if "phone" in offered else []),
    }


def simulate(strategy: dict[str, Any], cube: Cube) -> Result:
    return api.simulate(api.load_strategy(strategy), cube)


def evaluate(strategy: dict[str, Any], cube: Cube) -> StrategyEvaluation:
    return api.evaluate(api.load_strategy(strategy), cube)


def check_conservation(result: Result) -> None:
    totals = result.totals
    handled = sum(c.handled for c in result.channels)
    assert close(handled, totals.demand - totals.lost + totals.repeats)
    assert close(totals.handled, handled)
    assert close(totals.demand, float(result.data.rows_used))
    for channel in result.channels:
        assert close(channel.demand, channel.stayed + channel.shifted_out + channel.lost), channel
        assert close(channel.handled, channel.stayed + channel.shifted_in + channel.repeats_in)
        assert min(channel.stayed, channel.shifted_out, channel.shifted_in, channel.lost) >= 0
        assert close(
            channel.cost,
            channel.variable_cost
            + channel.labour_cost
            + channel.fixed_cost
            + channel.incentive_cost,
        )
        if not channel.offered:
            assert channel.stayed == 0.0
            assert channel.handled == 0.0
            assert channel.fixed_cost == 0.0
    assert close(totals.cost, sum(c.cost for c in result.channels))
    assert close(totals.cost, sum(p.cost for p in result.periods))
    assert close(totals.demand, sum(p.demand for p in result.periods))
    assert close(totals.lost, sum(p.lost for p in result.periods))
    assert close(totals.handled, sum(p.handled for p in result.periods))
    assert close(totals.cost_delta, totals.cost - totals.baseline_cost)
    assert 0.0 <= totals.coverage <= 1.0 + 1e-12
    assert totals.preferred_coverage <= totals.coverage + 1e-12
    assert 0.0 <= totals.customer_coverage <= 1.0
    if totals.handled > 0:
        assert close(sum(c.volume_share for c in result.channels), 1.0)
        assert 1.0 - 1e-9 <= totals.effective_channels <= len(result.channels) + 1e-9


# --------------------------------------------------------------------------- properties


@PROPERTY_SETTINGS
@given(st.data())
def test_conservation_for_any_valid_strategy(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    strategy = data.draw(strategies(observed(rows)))
    result = simulate(strategy, load_cube(rows, period))
    check_conservation(result)
    assert result.data.channels_observed == observed(rows)
    assert len(result.periods) == len(result.data.periods)


def channel_figures(result: Result) -> dict[str, dict[str, Any]]:
    return {c.channel: c.model_dump() for c in result.channels}


def assert_same_channels(left: Result, right: Result) -> None:
    a, b = channel_figures(left), channel_figures(right)
    assert a.keys() == b.keys()
    for name in a:
        for key, value in a[name].items():
            other = b[name][key]
            if isinstance(value, float) or isinstance(other, float):
                assert close(value, other), (name, key, value, other)
            else:
                assert value == other, (name, key, value, other)


def assert_totals_equal_baseline(evaluation: StrategyEvaluation) -> None:
    result = evaluation.result
    for key, value in result.totals.model_dump().items():
        if key in ("baseline_cost", "cost_delta"):
            continue
        assert close(value, getattr(evaluation.baseline_totals, key)), (key, value)
    assert close(result.totals.cost_delta, 0.0)


@PROPERTY_SETTINGS
@given(st.data())
def test_follow_observed_channels_and_zero_shares_equal_the_baseline(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    seen = observed(rows)
    cube = load_cube(rows, period)
    # offered in another order than the data lists them: order must not matter
    follow = {
        "name": "follow",
        "kind": "follow",
        "channels": CATALOG,
        "offer": list(reversed(seen)),
    }
    followed_evaluation = evaluate(follow, cube)
    followed = followed_evaluation.result
    assert_totals_equal_baseline(followed_evaluation)
    assert followed.totals.lost == 0.0
    assert followed.totals.repeats == 0.0
    assert followed.totals.coverage == 1.0
    assert followed.totals.customer_coverage == 1.0
    for channel in followed.channels:
        assert close(channel.handled, channel.demand)
        assert close(channel.stayed, channel.demand)
        assert channel.offered == (channel.channel in seen)
    # share 0: rules that move nothing (with any where/ramp/containment/incentive)
    assume(len(seen) >= 2)
    rules = [data.draw(shift_rules(seen, {}, sources=seen, zero=True)) for _ in range(2)]
    zero = {**follow, "name": "zero", "kind": "push", "shifts": rules}
    zeroed_evaluation = evaluate(zero, cube)
    zeroed = zeroed_evaluation.result
    assert_totals_equal_baseline(zeroed_evaluation)
    assert_same_channels(zeroed, followed)
    assert [p.model_dump() for p in zeroed.periods] == [p.model_dump() for p in followed.periods]


@PROPERTY_SETTINGS
@given(st.data())
def test_more_self_service_never_raises_variable_cost(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    seen = observed(rows)
    source = data.draw(st.sampled_from(seen))
    cheaper = [
        name
        for name in SELF_SERVICE
        if name != source
        and CATALOG[name]["cost_per_contact"] < CATALOG[source]["cost_per_contact"]
    ]
    assume(cheaper)
    target = data.draw(st.sampled_from(cheaper))
    low, high = sorted((data.draw(unit), data.draw(unit)))
    rule: dict[str, Any] = {"from": source, "to": {target: low}, "containment": 1.0}
    where = data.draw(wheres())
    if where:
        rule["where"] = where
    if data.draw(st.booleans()):
        rule["ramp"] = {"periods": data.draw(st.integers(1, 4)), "shape": "s_curve"}
    strategy = {
        "name": "push",
        "kind": "push",
        "channels": CATALOG,
        "offer": sorted({*seen, target}),
        "shifts": [rule],
    }
    cube = load_cube(rows, period)
    before = simulate(strategy, cube)
    rule["to"] = {target: high}
    after = simulate(strategy, cube)

    def variable(result: Result) -> float:
        return sum(c.variable_cost for c in result.channels)

    def labour(result: Result) -> float:
        return sum(c.labour_cost for c in result.channels)

    assert variable(after) <= variable(before) + 1e-9
    # less load on the source in every hour never needs more agents (Erlang is monotone)
    assert labour(after) <= labour(before) + 1e-9
    assert after.totals.cost <= before.totals.cost + 1e-9
    assert close(after.totals.coverage, before.totals.coverage)


@PROPERTY_SETTINGS
@given(st.data())
def test_retiring_a_channel_never_raises_coverage(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    seen = observed(rows)
    strategy = data.draw(strategies(seen))
    offered = strategy["offer"]
    used = {target for rule in strategy["shifts"] for target in rule["to"]}
    used |= {rule["escalate_to"] for rule in strategy["shifts"] if "escalate_to" in rule}
    used |= {fallback["to"] for fallback in strategy["fallback"].values()}
    candidates = [c for c in offered if c not in used]
    assume(candidates and len(offered) >= 2)
    victim = data.draw(st.sampled_from(candidates))
    remaining = [c for c in offered if c != victim]
    retired = {
        **strategy,
        "kind": "push",
        "offer": remaining,
        "fallback": {
            **strategy["fallback"],
            victim: {"to": data.draw(st.sampled_from(remaining)), "accept": data.draw(unit)},
        },
        "guards": [guard for guard in strategy["guards"] if f"channels.{victim}." not in guard],
    }
    cube = load_cube(rows, period)
    before = simulate(strategy, cube)
    after = simulate(retired, cube)
    check_conservation(after)
    assert after.totals.coverage <= before.totals.coverage + 1e-12
    assert after.totals.preferred_coverage <= before.totals.preferred_coverage + 1e-12
    assert after.totals.customer_coverage <= before.totals.customer_coverage + 1e-12
    assert after.totals.lost >= before.totals.lost - 1e-9


# --------------------------------------------------------------------------- robustness

ANY_CHANNEL = st.sampled_from([*NAMES, "fax", "Phone", ""])
GUARDS = st.sampled_from(
    [
        "coverage >= 0.9",
        "cost_delta < 0",
        "channels.phone.occupancy <= 0.9",
        "channels.fax.cost < 1",
        "coverage >=",
        "covrage > 1",
        "channels.phone.bogus < 1",
        "lost == 0",
    ]
)


@st.composite
def wild_strategies(draw: st.DrawFn) -> dict[str, Any]:
    """Strategies that are often invalid: unknown channels, shares above 1, bad targets."""
    rules = []
    for _ in range(draw(st.integers(0, 3))):
        rule: dict[str, Any] = {
            "from": draw(ANY_CHANNEL),
            "to": draw(st.dictionaries(ANY_CHANNEL, st.floats(-0.2, 1.5), max_size=3)),
            "containment": draw(st.one_of(unit, st.just(1.0), st.floats(-1, 2))),
        }
        if draw(st.booleans()):
            rule["escalate_to"] = draw(ANY_CHANNEL)
        if draw(st.booleans()):
            rule["where"] = draw(
                st.dictionaries(
                    st.sampled_from(["segment", "stage", "intent", "step", "colour"]),
                    st.one_of(st.sampled_from(INTENTS), st.lists(st.sampled_from(SEGMENTS))),
                    max_size=2,
                )
            )
        if draw(st.booleans()):
            rule["ramp"] = {
                "periods": draw(st.integers(-1, 5)),
                "shape": draw(st.sampled_from(["linear", "s_curve", "step", "cubic"])),
            }
        rules.append(rule)
    strategy: dict[str, Any] = {
        "name": "wild",
        "kind": draw(st.sampled_from(["follow", "push", "pull"])),
        "channels": {
            name: CATALOG.get(name, {"mode": "live", "hourly_cost": 10})
            for name in draw(st.lists(st.sampled_from([*NAMES, "fax"]), min_size=1, unique=True))
        },
        "shifts": rules,
        "fallback": {
            name: {"to": draw(ANY_CHANNEL), "accept": draw(st.floats(-0.5, 1.5))}
            for name in draw(st.lists(ANY_CHANNEL, max_size=3, unique=True))
        },
        "guards": draw(st.lists(GUARDS, max_size=3)),
    }
    if draw(st.booleans()):
        strategy["offer"] = draw(st.lists(ANY_CHANNEL, max_size=5))
    return strategy


@PROPERTY_SETTINGS
@given(st.data())
def test_only_cx_errors_escape_the_api(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    strategy = data.draw(st.one_of(wild_strategies(), strategies(observed(rows))))
    interval = data.draw(st.sampled_from([None, 15, 30, 60, 45, 0]))
    agents = data.draw(
        st.dictionaries(ANY_CHANNEL, st.one_of(st.integers(-2, 30), st.just(2.5)), max_size=2)
    )
    try:
        cube = load_cube(rows, period)
        result = api.simulate(api.load_strategy(strategy), cube, interval=interval, agents=agents)
    except CxError as error:
        assert str(error)  # every user error says something
        return
    check_conservation(result)
    assert all(isinstance(guard.ok, bool) for guard in result.guards)


@pytest.mark.parametrize("period", ["week", "month", "quarter"])
def test_periods_run_from_first_to_last_contact(period: str) -> None:
    # one contact on 2024-01-01 and one on 2024-04-30: every period between is listed
    rows = [
        ("c1", "2024-01-01 00:00:00", "phone", "", "", ""),
        ("c2", "2024-04-30 23:59:59", "phone", "", "", ""),
    ]
    result = simulate({"name": "f", "kind": "follow", "channels": CATALOG}, load_cube(rows, period))
    expected = {"week": 18, "month": 4, "quarter": 2}[period]  # W01..W18, Jan..Apr, Q1..Q2
    assert len(result.periods) == expected
    assert [p.demand for p in result.periods].count(0.0) == expected - 2


@PROPERTY_SETTINGS
@given(
    st.data(),
    st.sampled_from([1, 1.5, 2, 2.5, 3, 4]),
    st.integers(30, 1800),
    st.floats(0.5, 0.95),
)
def test_one_live_queue_has_no_pooling_overhead(
    data: st.DataObject, concurrency: float, handle_time: int, target: float
) -> None:
    # Pooling one queue with nothing else changes nothing, however its agents work.
    rows, period = data.draw(datasets(channels=["chat", "web"]))
    assume(any(row[2] == "chat" for row in rows))
    chat = {
        **CATALOG["chat"],
        "concurrency": concurrency,
        "handle_time": handle_time,
        "service_level": {"target": target, "within": 30},
    }
    strategy = {"name": "f", "kind": "follow", "channels": {**CATALOG, "chat": chat}}
    result = simulate(strategy, load_cube(rows, period))
    assert result.totals.pooling_overhead == 0.0
