"""The staffing plan (DESIGN §6, §7) as a strategist sees it: through ``cx.api.simulate``.

Expected agent counts are worked out by hand in the comments (Erlang B recursion
B(n) = A·B(n−1)/(n + A·B(n−1)), C = N·B/(N − A(1 − B)), SL = 1 − C·exp(−(N − A)·t/S))
and cross-checked with an independent textbook Erlang C written out below.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import write_csv

from cx import api
from cx.errors import CxError, InputError

DAY = datetime(2024, 1, 15)  # a Monday


def erlang_c(agents: int, load: float) -> float:
    """Textbook Erlang C: P(wait) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + that)."""
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    return top / (sum(load**k / math.factorial(k) for k in range(agents)) + top)


def service_level(agents: int, load: float, service_time: float, within: float) -> float:
    return 1.0 - erlang_c(agents, load) * math.exp(-(agents - load) * within / service_time)


def arrivals(channel: str, count: int, start: datetime, span_seconds: int = 3600) -> list[tuple]:
    """``count`` contacts spread evenly over ``span_seconds`` from ``start``."""
    step = span_seconds / count
    return [
        (f"{channel}-{start:%H}-{i}", (start + timedelta(seconds=i * step)).isoformat(" "), channel)
        for i in range(count)
    ]


def cube_of(tmp_path: Path, rows: list[tuple], columns=("customer_id", "timestamp", "channel")):
    return api.load_interactions(write_csv(tmp_path / "data.csv", rows, columns))


def simulate(cube, channels: dict, **extra: Any):
    options = {key: extra.pop(key) for key in ("interval", "agents") if key in extra}
    strategy = api.load_strategy({"name": "s", "kind": "follow", "channels": channels, **extra})
    return api.simulate(strategy, cube, **options)


def approx(value: float, rel: float = 1e-9) -> Any:
    return pytest.approx(value, rel=rel, abs=1e-12)


PHONE = {
    "mode": "live",
    "handle_time": 180,
    "hourly_cost": 25,
    "shrinkage": 0.3,
    "service_level": {"target": 0.8, "within": 20},
}


# --------------------------------------------------------------------------- the oracle


def test_reference_erlang_matches_design_oracle() -> None:
    # DESIGN §6: A = 10, S = 180, 80 % within 20 s: 13 agents give 0.796, 14 give 0.888
    assert service_level(13, 10.0, 180, 20) == pytest.approx(0.796, abs=5e-4)
    assert service_level(14, 10.0, 180, 20) == pytest.approx(0.888, abs=5e-4)


def test_design_oracle(tmp_path: Path) -> None:
    # 200 calls in one hour, AHT 180 s: A = 200*180/3600 = 10 erlangs -> N = 14;
    # shrinkage 0.3 -> 14 / 0.7 = 20 scheduled agent-hours; occupancy 10/14
    cube = cube_of(tmp_path, arrivals("phone", 200, DAY.replace(hour=9)))
    result = simulate(cube, {"phone": PHONE})
    phone = result.channel("phone")
    assert phone.workload_hours == approx(10.0)
    assert phone.agent_hours == approx(20.0)
    assert phone.occupancy == approx(10 / 14)
    assert phone.service_level == approx(service_level(14, 10.0, 180, 20), rel=1e-6)
    assert phone.labour_cost == approx(20 * 25)
    assert phone.cost == approx(500.0)
    assert phone.subscale is False  # 14 agents >= 3
    assert result.totals.agent_hours == approx(20.0)
    assert result.totals.pooling_overhead == 0.0  # one live queue
    assert result.totals.floor_waste == 0.0
    assert result.periods[0].cost == approx(500.0)


def test_oracle_in_quarter_hours(tmp_path: Path) -> None:
    # 50 calls per 15 minutes: A = 50*180/900 = 10 in each interval -> 14 agents in each;
    # 4 intervals * 14 agents * 0.25 h / 0.7 = 20 agent-hours, as with hours
    cube = cube_of(tmp_path, arrivals("phone", 200, DAY.replace(hour=9)))
    result = simulate(cube, {"phone": PHONE}, interval=15)
    assert result.channel("phone").agent_hours == approx(20.0)
    assert result.channel("phone").occupancy == approx(10 / 14)


def test_concurrency_two_gives_each_agent_two_slots(tmp_path: Path) -> None:
    # Concurrency 2: N agents are 2N slots, each holding a chat for its whole 180 s (as
    # the replay runs them). Slot load A = 200*180/3600 = 10 erlangs, 80 % within 20 s:
    #   B(13) = 0.0843, C = 0.2853, SL = 1 - 0.2853*exp(-3*20/180) = 0.796 < 0.8
    #   B(14) = 0.0568, C = 0.1741, SL = 1 - 0.1741*exp(-4*20/180) = 0.888 -> 14 slots
    # -> N = 14 / 2 = 7 agents; occupancy = (10 / 2) / 7.
    cube = cube_of(tmp_path, arrivals("chat", 200, DAY.replace(hour=9)))
    chat = {**PHONE, "shrinkage": 0.0, "concurrency": 2}
    result = simulate(cube, {"chat": chat})
    assert service_level(13, 10.0, 180, 20) == pytest.approx(0.796, abs=1e-3)
    assert service_level(14, 10.0, 180, 20) == pytest.approx(0.888, abs=1e-3)
    channel = result.channel("chat")
    assert channel.agent_hours == approx(7.0)
    assert channel.occupancy == approx(5 / 7)
    assert channel.service_level == approx(service_level(14, 10.0, 180, 20), rel=1e-6)
    # workload is handled contacts x AHT, whatever the concurrency
    assert channel.workload_hours == approx(10.0)


def test_async_agent_hours(tmp_path: Path) -> None:
    # 48 emails x 600 s = 8 workload hours; / concurrency 2 / max_occupancy 0.8 /
    # (1 - shrinkage 0.2) = 8 / 2 / 0.8 / 0.8 = 6.25 agent-hours; x 20 = 125
    cube = cube_of(tmp_path, arrivals("email", 48, DAY.replace(hour=9), 8 * 3600))
    email = {
        "mode": "async",
        "handle_time": 600,
        "concurrency": 2,
        "max_occupancy": 0.8,
        "shrinkage": 0.2,
        "hourly_cost": 20,
    }
    result = simulate(cube, {"email": email})
    channel = result.channel("email")
    assert channel.workload_hours == approx(8.0)
    assert channel.agent_hours == approx(6.25)
    assert channel.labour_cost == approx(125.0)
    assert result.totals.agent_hours == approx(6.25)
    assert sum(p.cost for p in result.periods) == approx(125.0)


def test_self_service_has_no_agents(tmp_path: Path) -> None:
    cube = cube_of(tmp_path, arrivals("web", 30, DAY.replace(hour=9)))
    web = {"mode": "self_service", "handle_time": 120, "cost_per_contact": 0.1}
    channel = simulate(cube, {"web": web}).channel("web")
    assert channel.workload_hours == approx(1.0)  # 30 x 120 s
    assert channel.agent_hours == 0.0
    assert channel.labour_cost == 0.0
    assert channel.cost == approx(3.0)


# --------------------------------------------------------------------------- floors, dilution


def test_min_agents_floor_and_floor_waste(tmp_path: Path) -> None:
    # one call in each of 4 hours: A = 180/3600 = 0.05 -> 1 agent
    # (SL = 1 - 0.05*exp(-0.95*20/180) = 0.955); min_agents 3 lifts it to 3.
    # shrinkage 0.5: 4 h x 3 / 0.5 = 24 agent-hours, of which 4 x 2 / 0.5 = 16 exist
    # only for the floor. Email (async): 48 x 600 s = 8 h / 2 / 0.8 / 0.8 = 6.25 h.
    # floor_waste = 16 / (24 + 6.25)
    rows = []
    for hour in (9, 10, 11, 12):
        rows += arrivals("phone", 1, DAY.replace(hour=hour))
    rows += arrivals("email", 48, DAY.replace(hour=9), 8 * 3600)
    cube = cube_of(tmp_path, rows)
    channels = {
        "phone": {**PHONE, "shrinkage": 0.5, "min_agents": 3},
        "email": {
            "mode": "async",
            "handle_time": 600,
            "concurrency": 2,
            "max_occupancy": 0.8,
            "shrinkage": 0.2,
            "hourly_cost": 20,
        },
    }
    result = simulate(cube, channels)
    phone = result.channel("phone")
    assert phone.agent_hours == approx(24.0)
    assert phone.occupancy == approx(4 * 0.05 / 12)
    assert result.totals.floor_waste == approx(16 / 30.25)
    assert result.totals.agent_hours == approx(30.25)
    assert phone.subscale is False  # mean 3 agents (after the floor) is not < 3
    # without the floor: 4 agent-hours / 0.5 = 8, no waste, sub-scale (1 < 3)
    channels["phone"] = {**PHONE, "shrinkage": 0.5}
    result = simulate(cube, channels)
    assert result.channel("phone").agent_hours == approx(8.0)
    assert result.totals.floor_waste == 0.0
    assert result.channel("phone").subscale is True


THREE_LIVE = {
    name: {"mode": "live", "handle_time": 180, "hourly_cost": 30}
    for name in ("phone", "chat", "video")
}


def test_pooling_overhead_of_small_queues(tmp_path: Path) -> None:
    # one contact on each of three live channels in the same hour: each queue needs
    # 1 agent (A = 0.05); one pooled queue with A = 0.15 also needs 1
    # (SL = 1 - 0.15*exp(-0.85*20/180) = 0.864) -> overhead = 3/1 - 1 = 2
    rows = [row for name in THREE_LIVE for row in arrivals(name, 1, DAY.replace(hour=9))]
    result = simulate(cube_of(tmp_path, rows), THREE_LIVE)
    assert result.totals.pooling_overhead == approx(2.0)
    assert all(result.channel(name).subscale for name in THREE_LIVE)  # 1 agent < 3
    assert result.totals.agent_hours == approx(3.0)
    # sub-scale is relative to dilution.subscale_agents
    relaxed = simulate(cube_of(tmp_path, rows), THREE_LIVE, dilution={"subscale_agents": 1})
    assert not any(relaxed.channel(name).subscale for name in THREE_LIVE)


def test_pooling_is_per_interval_and_zero_for_one_channel(tmp_path: Path) -> None:
    # the same three contacts in three different hours: every hour has one queue
    rows = [
        row
        for hour, name in zip((9, 10, 11), THREE_LIVE, strict=True)
        for row in arrivals(name, 1, DAY.replace(hour=hour))
    ]
    result = simulate(cube_of(tmp_path, rows), THREE_LIVE)
    assert result.totals.pooling_overhead == approx(0.0)
    big = simulate(cube_of(tmp_path, arrivals("phone", 200, DAY.replace(hour=9))), THREE_LIVE)
    assert big.totals.pooling_overhead == approx(0.0)


def test_pooling_ignores_the_min_agents_floor(tmp_path: Path) -> None:
    rows = [row for name in THREE_LIVE for row in arrivals(name, 1, DAY.replace(hour=9))]
    floored = {name: {**channel, "min_agents": 4} for name, channel in THREE_LIVE.items()}
    result = simulate(cube_of(tmp_path, rows), floored)
    assert result.totals.pooling_overhead == approx(2.0)  # raw 1+1+1 vs pooled 1
    assert result.totals.floor_waste == approx(9 / 12)  # 3 x 3 floor-only of 3 x 4


def test_pooling_overhead_of_chat_queues_is_no_saving(tmp_path: Path) -> None:
    # A chat agent with concurrency c is staffed as c slots of AHT; one pool of agents
    # as servers of AHT/c. Measured in one model, a queue pooled with nothing else
    # costs nothing (not 12 slot-staffed agents against 14 pooled, -14%), and two chat
    # queues pooled save agents: their overhead is never a "fewer agents" reading.
    from cx.render.sections import dilution_reading

    chat = {**PHONE, "handle_time": 360, "concurrency": 2}
    one = simulate(cube_of(tmp_path, arrivals("chat", 200, DAY.replace(hour=9))), {"chat": chat})
    assert one.totals.pooling_overhead == 0.0
    assert "one live queue, so no pooling overhead" in dilution_reading(one)
    rows = arrivals("chat", 40, DAY.replace(hour=9)) + arrivals("video", 40, DAY.replace(hour=9))
    two = simulate(cube_of(tmp_path, rows), {"chat": chat, "video": {**chat, "concurrency": 3}})
    assert two.totals.pooling_overhead > 0
    assert "more agents than one pool" in dilution_reading(two)


def test_effective_channels_from_volume_shares(tmp_path: Path) -> None:
    # handled 2, 1, 1 -> shares 1/2, 1/4, 1/4 -> 1 / (1/4 + 1/16 + 1/16) = 8/3
    rows = arrivals("phone", 2, DAY.replace(hour=9)) + arrivals("chat", 1, DAY.replace(hour=9))
    rows += arrivals("video", 1, DAY.replace(hour=9))
    result = simulate(cube_of(tmp_path, rows), THREE_LIVE)
    assert result.totals.effective_channels == approx(8 / 3)


# --------------------------------------------------------------------------- arrival profile

SHIFT_CHANNELS = {
    "phone": {"mode": "live", "handle_time": 180, "hourly_cost": 30},
    "chat": {"mode": "live", "handle_time": 180, "hourly_cost": 30},
    "app": {"mode": "self_service", "cost_per_contact": 0.05},
}


def shift_rows() -> list[tuple]:
    # phone: 150 calls at 09, 50 at 10; chat: 2 contacts of its own at 15
    return (
        arrivals("phone", 150, DAY.replace(hour=9))
        + arrivals("phone", 50, DAY.replace(hour=10))
        + arrivals("chat", 2, DAY.replace(hour=15))
    )


# chat then handles 60 at 09, 20 at 10 and 2 at 15 (S = 180, 80 % in 20 s):
#   09: A = 60*180/3600 = 3:   N = 4: C = 0.5094, SL = 0.544;  N = 5: C = 0.2362, SL = 0.811 -> 5
#   10: A = 1:                 N = 2: C = 0.3333, SL = 0.702;  N = 3: C = 0.0909, SL = 0.927 -> 3
#   15: A = 0.1                -> 1
#   -> 9 agent-hours. (Had they arrived in chat's own hours, 82 contacts at 15 would
#      need 7 agents: A = 4.1.)
EXPECTED_CHAT_HOURS = 5 + 3 + 1


def test_shifted_in_contacts_arrive_in_the_source_hours(tmp_path: Path) -> None:
    assert service_level(4, 3.0, 180, 20) == pytest.approx(0.544, abs=1e-3)
    assert service_level(5, 3.0, 180, 20) == pytest.approx(0.811, abs=1e-3)
    assert service_level(2, 1.0, 180, 20) == pytest.approx(0.702, abs=1e-3)
    assert service_level(3, 1.0, 180, 20) == pytest.approx(0.927, abs=1e-3)
    result = simulate(
        cube_of(tmp_path, shift_rows()),
        SHIFT_CHANNELS,
        kind="push",
        shifts=[{"from": "phone", "to": {"chat": 0.4}}],
    )
    chat = result.channel("chat")
    assert chat.handled == approx(82.0)
    assert chat.agent_hours == approx(EXPECTED_CHAT_HOURS)
    # occupancy = Σ A / Σ N = (3 + 1 + 0.1) / 9
    assert chat.occupancy == approx(4.1 / 9)


def test_repeats_arrive_in_the_source_hours(tmp_path: Path) -> None:
    # phone -> app 0.8, half of it unresolved and escalated to chat: 0.4 of phone's
    # contacts per hour come to chat as repeats, as in the test above
    result = simulate(
        cube_of(tmp_path, shift_rows()),
        SHIFT_CHANNELS,
        kind="push",
        shifts=[{"from": "phone", "to": {"app": 0.8}, "containment": 0.5, "escalate_to": "chat"}],
    )
    chat = result.channel("chat")
    assert chat.repeats_in == approx(80.0)
    assert chat.agent_hours == approx(EXPECTED_CHAT_HOURS)


def test_fallback_contacts_arrive_in_the_source_hours(tmp_path: Path) -> None:
    channels = {**SHIFT_CHANNELS, "branch": {"mode": "live", "cost_per_contact": 10}}
    rows = arrivals("branch", 150, DAY.replace(hour=9)) + arrivals(
        "branch", 50, DAY.replace(hour=10)
    )
    rows += arrivals("chat", 2, DAY.replace(hour=15))
    result = simulate(
        cube_of(tmp_path, rows),
        channels,
        kind="push",
        offer=["phone", "chat", "app"],
        fallback={"branch": {"to": "chat", "accept": 0.4}},
    )
    assert result.channel("chat").agent_hours == approx(EXPECTED_CHAT_HOURS)


# --------------------------------------------------------------------------- fixed headcount


def test_fixed_agents_report_service_level_and_wait(tmp_path: Path) -> None:
    # 12 agents for A = 10: SL = 1 - C(12, 10)*exp(-2*20/180);
    # mean wait (Erlang C) = C * S / (N - A) = C * 180 / 2
    cube = cube_of(tmp_path, arrivals("phone", 200, DAY.replace(hour=9)))
    result = simulate(cube, {"phone": PHONE}, agents={"phone": 12})
    phone = result.channel("phone")
    assert phone.service_level == approx(service_level(12, 10.0, 180, 20), rel=1e-6)
    assert phone.average_wait == approx(erlang_c(12, 10.0) * 90, rel=1e-6)
    assert phone.agent_hours == approx(12 / 0.7)
    assert phone.occupancy == approx(10 / 12)
    # the 14 of the plan meet the target; 13 do not (0.796)
    assert simulate(cube, {"phone": PHONE}, agents={"phone": 13}).channel(
        "phone"
    ).service_level == approx(service_level(13, 10.0, 180, 20), rel=1e-6)


def test_fixed_agents_below_the_load(tmp_path: Path) -> None:
    # 9 agents for 10 erlangs: the queue grows without bound
    cube = cube_of(tmp_path, arrivals("phone", 200, DAY.replace(hour=9)))
    phone = simulate(cube, {"phone": PHONE}, agents={"phone": 9}).channel("phone")
    assert phone.service_level == approx(0.0)
    assert phone.average_wait is None
    # The 9 agents work all they can hold, not the 10 erlangs offered: occupancy 100%.
    assert phone.occupancy == approx(1.0)


def test_fixed_agents_far_below_the_load_say_so_in_the_dilution_reading(
    tmp_path: Path,
) -> None:
    from cx.render.sections import dilution_reading

    rows = arrivals("phone", 200, DAY.replace(hour=9)) + arrivals("chat", 200, DAY.replace(hour=9))
    cube = cube_of(tmp_path, rows)
    channels = {"phone": PHONE, "chat": PHONE}
    result = simulate(cube, channels, agents={"phone": 1, "chat": 1})
    assert all(channel.occupancy <= 1.0 for channel in result.channels)
    assert result.totals.pooling_overhead < 0  # one pool would need more than the two have
    assert "fewer agents than one pool would need" in dilution_reading(result)


def test_fixed_agents_must_name_a_live_channel(tmp_path: Path) -> None:
    cube = cube_of(tmp_path, arrivals("phone", 10, DAY.replace(hour=9)))
    channels = {"phone": PHONE, "web": {"mode": "self_service"}}
    for agents in ({"web": 3}, {"fax": 3}):
        with pytest.raises(InputError, match="--agents"):
            simulate(cube, channels, agents=agents)


# --------------------------------------------------------------------------- handle times


def test_staffed_channel_without_any_handle_time_is_an_input_error(tmp_path: Path) -> None:
    cube = cube_of(tmp_path, arrivals("phone", 10, DAY.replace(hour=9)))
    phone = {"mode": "live", "hourly_cost": 30}
    with pytest.raises(InputError, match="handle_time") as caught:
        simulate(cube, {"phone": phone})
    assert caught.value.path == "channels.phone.handle_time"
    async_channel = {"mode": "async", "hourly_cost": 30}
    with pytest.raises(CxError, match="handle_time"):
        simulate(cube, {"phone": PHONE, "email": async_channel})


def test_observed_handle_time_is_used_without_a_catalog_value(tmp_path: Path) -> None:
    # 200 calls in one hour, half at 120 s and half at 240 s: mean 180 -> the oracle
    rows = [(*row, 120 if i % 2 else 240) for i, row in enumerate(arrivals("phone", 200, DAY))]
    cube = cube_of(tmp_path, rows, ("customer_id", "timestamp", "channel", "handle_time"))
    phone = {key: value for key, value in PHONE.items() if key != "handle_time"}
    result = simulate(cube, {"phone": phone})
    assert result.channel("phone").workload_hours == approx(10.0)
    assert result.channel("phone").agent_hours == approx(20.0)
    # a catalog handle_time wins over the observed one
    result = simulate(cube, {"phone": {**phone, "handle_time": 90}})
    assert result.channel("phone").workload_hours == approx(5.0)


def test_live_channel_without_cost_or_handle_time_is_not_staffed(tmp_path: Path) -> None:
    cube = cube_of(tmp_path, arrivals("branch", 10, DAY.replace(hour=9)))
    result = simulate(cube, {"branch": {"mode": "live", "cost_per_contact": 14}})
    branch = result.channel("branch")
    assert branch.workload_hours is None
    assert branch.agent_hours == 0.0
    assert branch.cost == approx(140.0)


@pytest.mark.parametrize(
    "options",
    [
        {"interval": 45},
        {"interval": 0},
        {"agents": {"phone": -1}},
        {"agents": {"phone": 2.5}},
        {"agents": {"phone": True}},
    ],
)
def test_bad_interval_or_agents_through_the_api_are_input_errors(tmp_path: Path, options):
    # the CLI checks these too; scripts calling the API get an InputError, not a
    # ValueError from Erlang or a silently odd interval
    cube = cube_of(tmp_path, arrivals("phone", 10, DAY.replace(hour=9)))
    with pytest.raises(InputError):
        simulate(cube, {"phone": PHONE}, **options)


def test_unknown_period_through_the_api_is_an_input_error(tmp_path: Path) -> None:
    cube_of(tmp_path, arrivals("phone", 10, DAY.replace(hour=9)))
    with pytest.raises(InputError, match="period"):
        api.load_interactions(tmp_path / "data.csv", period="year")
