"""Replay (DESIGN §6b): the real contacts through the plan's agents, FCFS.

Three kinds of evidence: hand-built traces whose waits are worked out by hand; Poisson
arrivals with exponential handle times through constant N, which must reproduce Erlang C
within sampling error; and whole runs through the API and the CLI.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import run_cx_process, write_csv

from cx import api
from cx.errors import UsageError
from cx.staffing import erlang
from cx.staffing.queue import ABANDONED, ANSWERED, UNANSWERED, fit_agents, run_queue

INF = math.inf
ROOT = Path(__file__).resolve().parent.parent
TEN = datetime(2024, 1, 15, 10)  # a Monday, 10:00


# --------------------------------------------------------------------------- hand-built traces


def test_a_burst_queues_in_arrival_order() -> None:
    # 5 contacts at once, 2 agents, 10 s each: two start at 0, two at 10, one at 20.
    q = run_queue([0, 0, 0, 0, 0], [10] * 5, [0], [2])
    assert q.wait.tolist() == [0, 0, 10, 10, 20]
    assert (q.outcome == ANSWERED).all()
    assert q.within(10).tolist() == [True, True, True, True, False]


def test_ties_are_served_in_data_order() -> None:
    q = run_queue([0, 0, 0], [30, 5, 5], [0], [1])
    assert q.wait.tolist() == [0, 30, 35]


def test_agents_leaving_at_a_boundary_finish_their_contacts_first() -> None:
    # 3 agents until 100, then 1. Three contacts start at 90 and end at 140: nobody is
    # pre-empted at 100, and the one agent left takes the next contact only at 140.
    q = run_queue([90, 90, 90, 110, 120], [50] * 5, [0, 100], [3, 1])
    assert q.wait.tolist() == [0, 0, 0, 30, 70]  # 110 → 140; 120 → 140 + 50 = 190


def test_more_agents_at_a_boundary_start_waiting_contacts_then() -> None:
    q = run_queue([0, 10, 20], [500, 500, 500], [0, 100], [1, 3])
    assert q.wait.tolist() == [0, 90, 80]  # both start at 100


def test_an_interval_without_arrivals_keeps_the_last_staffed_agents() -> None:
    # Staffed intervals start at 0 (1 agent) and 200 (3 agents); nobody arrives in
    # [100, 200), so the plan has no interval there and the 1 agent stays on duty.
    q = run_queue([0, 10, 20], [150, 10, 10], [0, 200], [1, 3])
    assert q.wait.tolist() == [0, 140, 140]  # 10 → 150, 20 → 160: not 200


def test_concurrency_gives_each_agent_several_slots() -> None:
    # 1 agent with concurrency 2 = 2 slots; each contact holds one for its handle time.
    from cx.staffing.queue import slot_count

    slots = slot_count(np.array([1]), 2.0)
    q = run_queue([0, 0, 0, 5], [10, 10, 10, 10], [0], slots)
    assert q.wait.tolist() == [0, 0, 10, 5]
    assert slot_count(np.array([3]), 2.5).tolist() == [7]  # ⌊N·c⌋


def test_an_abandoned_contact_leaves_at_its_observed_wait() -> None:
    # One agent busy until 100. The second contact gave up after 30 s in the data: it
    # leaves at 31 and never holds the agent, so the third starts at 100.
    q = run_queue([0, 1, 2], [100, 100, 10], [0], [1], patience=[INF, 30, INF])
    assert q.outcome.tolist() == [ANSWERED, ABANDONED, ANSWERED]
    assert q.wait.tolist() == [0, 30, 98]
    # With a second agent it is answered at once and holds that agent.
    q = run_queue([0, 1, 2], [100, 100, 10], [0], [2], patience=[INF, 30, INF])
    assert q.outcome.tolist() == [ANSWERED, ANSWERED, ANSWERED]
    assert q.wait.tolist() == [0, 0, 98]


def test_a_wait_reaching_the_patience_exactly_is_an_abandon() -> None:
    q = run_queue([0, 0], [30, 10], [0], [1], patience=[INF, 30])
    assert q.outcome.tolist() == [ANSWERED, ABANDONED]
    q = run_queue([0, 0], [29.5, 10], [0], [1], patience=[INF, 30])
    assert q.outcome.tolist() == [ANSWERED, ANSWERED]


def test_nobody_on_duty_leaves_contacts_unanswered() -> None:
    q = run_queue([5, 6], [10, 10], [0], [0], patience=[INF, 3], horizon=60)
    assert q.outcome.tolist() == [UNANSWERED, ABANDONED]
    assert q.wait.tolist() == [55, 3]


# --------------------------------------------------------------------------- Erlang C


def poisson_trace(load: float, service: float, count: int, seed: int) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    arrive = np.cumsum(rng.exponential(service / load, count))
    return arrive, rng.exponential(service, count)


@pytest.mark.parametrize(
    ("load", "agents"), [(2.0, 4), (5.0, 7), (10.0, 14), (25.0, 30), (50.0, 56)]
)
def test_poisson_replay_matches_erlang_c(load: float, agents: int) -> None:
    service, within, count = 180.0, 20.0, 240_000
    arrive, handle = poisson_trace(load, service, count, seed=int(load * 10))
    q = run_queue(arrive, handle, [0.0], [agents])
    warm = count // 40  # drop the empty-system start
    answered = q.within(within)[warm:]
    waits = q.wait[warm:]
    # Standard errors from 40 batch means (the waits are autocorrelated).
    batches = np.array_split(np.arange(answered.size), 40)
    se_level = np.std([answered[b].mean() for b in batches], ddof=1) / math.sqrt(40)
    se_wait = np.std([waits[b].mean() for b in batches], ddof=1) / math.sqrt(40)
    level = float(erlang.service_level(agents, load, service, within))
    asa = float(erlang.average_wait(agents, load, service))
    assert abs(answered.mean() - level) < 4 * se_level + 2e-3
    assert abs(waits.mean() - asa) < 4 * se_wait + 0.05


def test_poisson_replay_with_patience_matches_erlang_a() -> None:
    load, service, theta, within, agents, count = 10.0, 180.0, 60.0, 20.0, 10, 200_000
    arrive, handle = poisson_trace(load, service, count, seed=11)
    patience = np.random.default_rng(12).exponential(theta, count)
    q = run_queue(arrive, handle, [0.0], [agents], patience=patience)
    expected = erlang.erlang_a(agents, load / service, service, theta, within)
    warm = count // 40
    assert q.abandoned[warm:].mean() == pytest.approx(float(expected.abandon_rate), abs=0.01)
    assert q.within(within)[warm:].mean() == pytest.approx(float(expected.service_level), abs=0.015)


# --------------------------------------------------------------------------- --fit


def test_fit_finds_the_smallest_agents_per_interval() -> None:
    # 3 contacts at 0 for 100 s each, 80 % within 20 s: 2 agents answer 2/3, 3 answer all.
    arrive, service, patience = np.zeros(3), np.full(3, 100.0), np.full(3, INF)
    fitted, final = fit_agents(arrive, service, patience, np.array([0.0]), np.array([9]), 1.0,
                               0.8, 20.0)  # fmt: skip
    assert fitted.tolist() == [3]
    assert final.within(20).all()
    fitted, _ = fit_agents(arrive, service, patience, np.array([0.0]), np.array([1]), 1.0,
                           0.6, 20.0)  # fmt: skip
    assert fitted.tolist() == [2]  # gallops up from the plan's 1
    fitted, _ = fit_agents(arrive, service, patience, np.array([0.0]), np.array([1]), 1.0,
                           0.6, 20.0, min_agents=4)  # fmt: skip
    assert fitted.tolist() == [4]


def test_fitted_agents_meet_the_target_in_every_interval() -> None:
    rng = np.random.default_rng(5)
    bounds = np.arange(24) * 1800.0
    rates = 0.03 + 0.07 * np.sin(np.arange(24) / 24 * np.pi)
    arrive = np.concatenate(
        [
            np.sort(rng.uniform(b, b + 1800, rng.poisson(r * 1800)))
            for b, r in zip(bounds, rates, strict=True)
        ]
    )
    service = rng.lognormal(np.log(160), 0.6, arrive.size)
    plan = erlang.required_agents(rates * 180, 180, 0.8, 20)
    fitted, final = fit_agents(arrive, service, np.full(arrive.size, INF), bounds, plan, 1.0,
                               0.8, 20.0)  # fmt: skip
    member = np.searchsorted(bounds, arrive, side="right") - 1
    good = np.bincount(member, weights=final.within(20), minlength=24)
    level = good / np.bincount(member, minlength=24)
    assert (level >= 0.8 - 1e-12).all()
    assert (fitted >= 1).all()


# --------------------------------------------------------------------------- whole runs


def contact(i: int, seconds: float, channel: str = "phone", **extra: Any) -> dict[str, Any]:
    stamp = TEN + timedelta(seconds=seconds)
    return {
        "customer_id": f"c{i}",
        "timestamp": stamp.isoformat(sep=" ", timespec="seconds"),
        "channel": channel,
        **extra,
    }


PHONE = {
    "mode": "live",
    "handle_time": 300,
    "hourly_cost": 30,
    "service_level": {"target": 0.8, "within": 20},
}


def run(
    tmp_path: Path, rows: list[dict[str, Any]], channels: dict[str, Any], **options: Any
) -> Any:
    data = write_csv(tmp_path / "data.csv", rows)
    cube = api.load_interactions(data)
    extra = options.pop("strategy", {})
    kind = "push" if extra.get("shifts") or extra.get("offer") else "follow"
    strategy = api.load_strategy({"name": "s", "kind": kind, "channels": channels, **extra})
    return api.simulate(strategy, cube, replay=True, **options)


def test_known_waits_through_the_whole_pipeline(tmp_path: Path) -> None:
    # Three calls at 10:00:00 of 600 s each, one agent: waits 0, 600 and 1200 s.
    rows = [contact(i, 0, handle_time=600) for i in range(3)]
    result = run(tmp_path, rows, {"phone": PHONE}, agents={"phone": 1})
    replay = result.channel("phone").replay
    assert replay.contacts == 3
    assert replay.service_level == pytest.approx(1 / 3)
    assert replay.mean_wait == pytest.approx(600.0)
    assert replay.abandon_rate == 0.0
    assert replay.intervals_meeting_target == 0.0
    assert result.totals.replay_intervals_meeting_target == 0.0
    [worst] = replay.worst_intervals
    assert (worst.interval_start, worst.arrivals, worst.agents) == ("2024-01-15 10:00", 3, 1)


def test_observed_abandonment_in_the_replay(tmp_path: Path) -> None:
    # One agent busy 10:00:00-10:10:00. The second caller hung up after 30 s in the data
    # (no handle time), so it leaves at 10:00:40; the third waits until 10:10:00.
    rows = [
        contact(0, 0, handle_time=600, wait_time=0, abandoned="false"),
        contact(1, 10, handle_time="", wait_time=30, abandoned="true"),
        contact(2, 60, handle_time=100, wait_time=5, abandoned="false"),
    ]
    replay = run(tmp_path, rows, {"phone": PHONE}, agents={"phone": 1}).channel("phone").replay
    assert replay.abandon_rate == pytest.approx(1 / 3)
    assert replay.mean_wait == pytest.approx((0 + 30 + 540) / 3)
    # Two agents: the impatient caller is answered at once, with the catalog AHT (300 s),
    # so the third waits for the first agent free: 10:05:10.
    replay = run(tmp_path, rows, {"phone": PHONE}, agents={"phone": 2}).channel("phone").replay
    assert replay.abandon_rate == 0.0
    assert replay.mean_wait == pytest.approx((0 + 0 + 250) / 3)


def test_moved_contacts_keep_their_instant_and_take_the_target_aht(tmp_path: Path) -> None:
    # Every phone contact (10 s of handle time) moves to chat, whose AHT is 1000 s.
    rows = [contact(i, 0, handle_time=10) for i in range(2)]
    chat = {"mode": "live", "handle_time": 1000, "hourly_cost": 20}
    strategy = {"offer": ["chat"], "shifts": [{"from": "phone", "to": {"chat": 1.0}}]}
    strategy["fallback"] = {"phone": {"to": "chat", "accept": 1.0}}
    result = run(tmp_path, rows, {"phone": PHONE, "chat": chat}, strategy=strategy,
                 agents={"chat": 1})  # fmt: skip
    replay = result.channel("chat").replay
    assert replay.contacts == 2
    assert replay.mean_wait == pytest.approx(500.0)  # 0 and 1000, not 0 and 10
    assert result.channel("phone").replay is None  # retired: nothing to replay


def busy_day(count: int = 600, channel: str = "phone", seed: int = 1) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.uniform(0, 8 * 3600, count))
    intents = ["balance", "card", "other"]
    return [
        contact(i, float(s), channel, intent=intents[i % 3], handle_time=int(rng.integers(60, 400)))
        for i, s in enumerate(seconds)
    ]


def test_rules_move_each_contact_with_its_probability(tmp_path: Path) -> None:
    rows = busy_day(3000)
    chat = {"mode": "live", "handle_time": 500, "concurrency": 2, "hourly_cost": 20}
    rule = {"from": "phone", "where": {"intent": "balance"}, "to": {"chat": 0.5},
            "containment": 0.6}  # fmt: skip
    strategy = {"shifts": [rule]}
    channels = {"phone": PHONE, "chat": chat}
    result = run(tmp_path, rows, channels, strategy=strategy)
    phone, chat_result = result.channel("phone"), result.channel("chat")
    balance = sum(r["intent"] == "balance" for r in rows)
    moved = chat_result.replay.contacts
    assert moved == pytest.approx(balance * 0.5, abs=4 * math.sqrt(balance * 0.25))
    assert chat_result.shifted_in == pytest.approx(balance * 0.5)  # the cube's expectation
    # The rest stay; 40 % of the moved come back to phone as repeats, at the same instant.
    stayed = len(rows) - moved
    repeats = phone.replay.contacts - stayed
    assert repeats == pytest.approx(moved * 0.4, abs=4 * math.sqrt(moved * 0.24))
    # Same seed, same picks; another seed, other picks.
    again = run(tmp_path, rows, channels, strategy=strategy)
    assert again.channel("chat").replay == chat_result.replay
    other = run(tmp_path, rows, channels, strategy=strategy, seed=7)
    assert other.channel("chat").replay.contacts != moved


def test_fallback_contacts_are_picked_with_accept(tmp_path: Path) -> None:
    rows = busy_day(2000) + busy_day(2000, "branch", seed=2)
    branch = {"mode": "live", "cost_per_contact": 10}
    strategy = {"offer": ["phone"], "fallback": {"branch": {"to": "phone", "accept": 0.25}}}
    result = run(tmp_path, rows, {"phone": PHONE, "branch": branch}, strategy=strategy)
    arrived = result.channel("phone").replay.contacts - 2000
    assert arrived == pytest.approx(500, abs=4 * math.sqrt(2000 * 0.25 * 0.75))


def test_poisson_history_replays_close_to_the_plan(tmp_path: Path) -> None:
    # About 200 calls an hour for 12 hours, exponential handle times of mean 180 s: the
    # plan staffs about 14 per hour and the replay lands near its Erlang prediction, a
    # little above it: each hour's N follows that hour's realised count, so the hour-to-
    # hour Poisson noise the formula allows for is already staffed away.
    rng = np.random.default_rng(3)
    arrive = np.cumsum(rng.exponential(18.0, 2600))
    arrive = arrive[arrive < 12 * 3600]
    handle = rng.exponential(180.0, arrive.size)
    rows = [
        contact(i, float(t), handle_time=f"{h:.1f}")
        for i, (t, h) in enumerate(zip(arrive, handle, strict=True))
    ]
    phone = {**PHONE, "handle_time": 180}
    result = run(tmp_path, rows, {"phone": phone}, fit=True)
    item = result.channel("phone")
    assert 0.8 <= item.service_level <= 0.9
    assert item.service_level - 0.02 <= item.replay.service_level <= item.service_level + 0.1
    assert item.replay.fit_agent_hours is not None
    assert item.replay.fit_service_level >= 0.8
    payload = json.loads(result.model_dump_json())
    assert "fit_agent_hours" in payload["channels"][0]["replay"]


def test_without_replay_the_fields_are_null(tmp_path: Path) -> None:
    cube = api.load_interactions(write_csv(tmp_path / "d.csv", busy_day(50)))
    strategy = api.load_strategy({"name": "s", "kind": "follow", "channels": {"phone": PHONE}})
    payload = json.loads(api.simulate(strategy, cube).model_dump_json())
    assert payload["channels"][0]["replay"] is None
    assert payload["totals"]["replay_intervals_meeting_target"] is None
    with pytest.raises(UsageError, match="fit needs replay"):
        api.simulate(strategy, cube, fit=True)


def test_shipped_example_replays(tmp_path: Path) -> None:
    cube = api.load_interactions(ROOT / "examples" / "interactions.csv")
    strategy = api.load_strategy(ROOT / "strategies" / "digital-first.yaml")
    result = api.simulate(strategy, cube, replay=True)
    payload = json.loads(result.model_dump_json())
    live = [c for c in payload["channels"] if c["mode"] == "live" and c["agent_hours"] > 0]
    assert live and all(c["replay"] is not None for c in live)
    for item in live:
        assert set(item["replay"]) == {
            "service_level",
            "intervals_meeting_target",
            "asa",
            "mean_wait",
            "abandon_rate",
            "contacts",
            "worst_intervals",
        }
        assert 0 <= item["replay"]["service_level"] <= 1
    assert 0 < payload["totals"]["replay_intervals_meeting_target"] <= 1


def test_cli_replay_panel_and_fit(tmp_path: Path) -> None:
    args = ["simulate", "strategies/follow-everywhere.yaml", "--data", "examples/interactions.csv"]
    completed = run_cx_process(*args, "--replay", "--fit", "--seed", "3", cwd=ROOT)
    assert completed.returncode in (0, 1), completed.stderr
    for title in ("Does the plan hold?", "Worst replayed intervals", "Fitted staffing"):
        assert title in completed.stdout
    completed = run_cx_process(*args, "--fit", cwd=ROOT)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "--fit needs --replay" in completed.stderr


def test_a_cube_file_cannot_be_replayed(tmp_path: Path) -> None:
    from cx.data.scan import scan_fine
    from cx.errors import DataError
    from cx.models.mapping import Mapping

    data = write_csv(tmp_path / "d.csv", busy_day(50))
    scan_fine(data, Mapping()).write(tmp_path / "cube.parquet")
    cube = api.load_interactions(tmp_path / "cube.parquet")
    strategy = api.load_strategy({"name": "s", "kind": "follow", "channels": {"phone": PHONE}})
    assert api.simulate(strategy, cube).channel("phone").agent_hours > 0
    with pytest.raises(DataError, match="cube file"):
        api.simulate(strategy, cube, replay=True)
