"""Staffing intervals (DESIGN §6b): 15, 30 or 60 minutes, and handle time by hour of day.

Every expected figure is computed here independently of cx's staffing code: the
contacts are truncated to their calendar interval with the standard library, and
agents come from a textbook Erlang C written out below.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import run_cx_process, write_csv

from cx import api

MONDAY = datetime(2024, 1, 15)
PHONE = {
    "mode": "live",
    "handle_time": 240,
    "hourly_cost": 30,
    "shrinkage": 0.25,
    "service_level": {"target": 0.8, "within": 20},
    "max_occupancy": 0.9,
    "min_agents": 2,
}


# --------------------------------------------------------------------------- reference


def erlang_c(agents: int, load: float) -> float:
    """P(wait) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + that), in log space."""
    log_terms = [k * math.log(load) - math.lgamma(k + 1) for k in range(agents)]
    log_top = agents * math.log(load) - math.lgamma(agents + 1) + math.log(agents / (agents - load))
    peak = max(*log_terms, log_top)
    below = sum(math.exp(t - peak) for t in log_terms)
    top = math.exp(log_top - peak)
    return top / (below + top)


def reference_agents(load: float, service: float, target: float, within: float, occ: float) -> int:
    """Smallest N > A with SL >= target and A/N <= occ (DESIGN §6)."""
    n = math.floor(load) + 1
    while True:
        level = 1 - erlang_c(n, load) * math.exp(-(n - load) * within / service)
        if level >= target - 1e-12 and load / n <= occ + 1e-12:
            return n
        n += 1


def reference_plan(
    stamps: list[datetime], minutes: int, aht_of: Any, channel: dict[str, Any]
) -> dict[str, float]:
    """Agent-hours, occupancy and workload from contacts truncated to ``minutes``."""
    counts = Counter(
        t.replace(minute=t.minute // minutes * minutes, second=0, microsecond=0)
        if minutes < 60
        else t.replace(minute=0, second=0, microsecond=0)
        for t in stamps
    )
    hours = minutes / 60
    agents_total = load_total = workload = 0.0
    for start, n in counts.items():
        aht = aht_of(start)
        load = n * aht / (60 * minutes)
        agents = reference_agents(
            load, aht, channel["service_level"]["target"], channel["service_level"]["within"],
            channel["max_occupancy"],
        )  # fmt: skip
        agents = max(agents, channel["min_agents"])
        agents_total += agents
        load_total += load
        workload += n * aht / 3600
    return {
        "agent_hours": agents_total * hours / (1 - channel["shrinkage"]),
        "occupancy": load_total / agents_total,
        "workload_hours": workload,
        "intervals": len(counts),
    }


# --------------------------------------------------------------------------- data


def day_of_arrivals(seed: int = 3, days: int = 2) -> list[datetime]:
    """Uneven arrivals over two working days: a morning peak and a quiet lunch."""
    rng = np.random.default_rng(seed)
    stamps: list[datetime] = []
    for day in range(days):
        for hour in range(8, 18):
            rate = 40 + 60 * math.exp(-((hour - 10.5) ** 2) / 3)  # per hour
            for _ in range(rng.poisson(rate)):
                offset = timedelta(hours=hour, seconds=float(rng.uniform(0, 3600)))
                stamps.append(MONDAY + timedelta(days=day) + offset)
    return sorted(stamps)


def phone_rows(stamps: list[datetime], handle: Any = None) -> list[dict[str, Any]]:
    return [
        {
            "customer_id": f"c{i}",
            "timestamp": t.isoformat(sep=" ", timespec="seconds"),
            "channel": "phone",
            "handle_time": "" if handle is None else handle(i, t),
        }
        for i, t in enumerate(stamps)
    ]


def simulate(cube: Any, channels: dict[str, Any], **extra: Any) -> Any:
    interval = extra.pop("interval", None)
    strategy = api.load_strategy({"name": "s", "kind": "follow", "channels": channels, **extra})
    return api.simulate(strategy, cube, interval=interval)


@pytest.fixture(scope="module")
def stamps() -> list[datetime]:
    return day_of_arrivals()


@pytest.fixture(scope="module")
def cube(stamps: list[datetime], tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = write_csv(tmp_path_factory.mktemp("intervals") / "data.csv", phone_rows(stamps))
    return api.load_interactions(path)


# --------------------------------------------------------------------------- intervals


@pytest.mark.parametrize("minutes", [15, 30, 60])
def test_every_interval_matches_an_independent_plan(
    cube: Any, stamps: list[datetime], minutes: int
) -> None:
    phone = simulate(cube, {"phone": PHONE}, staffing={"interval": minutes}).channel("phone")
    expected = reference_plan(stamps, minutes, lambda _: PHONE["handle_time"], PHONE)
    assert phone.agent_hours == pytest.approx(expected["agent_hours"], rel=1e-12)
    assert phone.occupancy == pytest.approx(expected["occupancy"], rel=1e-12)
    assert phone.workload_hours == pytest.approx(expected["workload_hours"], rel=1e-12)
    frame = api.staffing_intervals(
        api.load_strategy({"name": "s", "kind": "follow", "channels": {"phone": PHONE}}),
        cube,
        interval=minutes,
    )
    assert frame.height == expected["intervals"]


def test_sixty_minutes_is_exactly_the_hourly_plan(cube: Any, stamps: list[datetime]) -> None:
    # The cube keeps quarter-hours; 60-minute intervals must add them up to calendar hours.
    hourly = reference_plan(stamps, 60, lambda _: PHONE["handle_time"], PHONE)
    default = simulate(cube, {"phone": PHONE})  # staffing.interval defaults to 60
    explicit = simulate(cube, {"phone": PHONE}, interval=60)
    for result in (default, explicit):
        phone = result.channel("phone")
        assert phone.agent_hours == pytest.approx(hourly["agent_hours"], rel=1e-12)
        assert phone.occupancy == pytest.approx(hourly["occupancy"], rel=1e-12)
    assert default.model_dump() == explicit.model_dump()


def test_finer_intervals_need_more_agent_hours_for_uneven_arrivals(cube: Any) -> None:
    hours = {
        m: simulate(cube, {"phone": PHONE}, interval=m).channel("phone").agent_hours
        for m in (15, 30, 60)
    }
    assert hours[15] >= hours[30] >= hours[60]
    assert hours[15] > hours[60]


def test_cli_interval_overrides_the_strategy(cube: Any) -> None:
    in_file = simulate(cube, {"phone": PHONE}, staffing={"interval": 15})
    overridden = simulate(cube, {"phone": PHONE}, staffing={"interval": 15}, interval=60)
    hourly = simulate(cube, {"phone": PHONE})
    assert overridden.channel("phone").agent_hours == hourly.channel("phone").agent_hours
    assert in_file.channel("phone").agent_hours != hourly.channel("phone").agent_hours


# --------------------------------------------------------------------------- handle time by hour


def by_hour_handle(i: int, t: datetime) -> str:
    # 300 s before 11:00, 600 s from 11:00; hour 16 has handle times on too few contacts.
    if t.hour == 16:
        return "900" if i % 10 == 0 else ""
    return "300" if t.hour < 11 else "600"


def test_handle_time_by_hour(stamps: list[datetime], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "data.csv", phone_rows(stamps, by_hour_handle))
    cube = api.load_interactions(path)
    observed = [
        (t, float(by_hour_handle(i, t))) for i, t in enumerate(stamps) if by_hour_handle(i, t)
    ]
    channel_mean = sum(h for _, h in observed) / len(observed)
    per_hour: dict[int, list[float]] = {}
    for t, h in observed:
        per_hour.setdefault(t.hour, []).append(h)
    assert 0 < len(per_hour[16]) < 30  # too few: hour 16 falls back to the channel mean

    def aht_of(start: datetime) -> float:
        values = per_hour.get(start.hour, [])
        return sum(values) / len(values) if len(values) >= 30 else channel_mean

    channel = {**PHONE, "handle_time": "by_hour"}
    for minutes in (15, 60):
        phone = simulate(cube, {"phone": channel}, interval=minutes).channel("phone")
        expected = reference_plan(stamps, minutes, aht_of, channel)
        assert phone.workload_hours == pytest.approx(expected["workload_hours"], rel=1e-12)
        assert phone.agent_hours == pytest.approx(expected["agent_hours"], rel=1e-12)
        assert phone.occupancy == pytest.approx(expected["occupancy"], rel=1e-12)
        assert phone.labour_cost == pytest.approx(expected["agent_hours"] * 30, rel=1e-12)
    # A flat AHT at the channel mean gives another plan: the profile is really used.
    flat = simulate(cube, {"phone": {**PHONE, "handle_time": channel_mean}}).channel("phone")
    assert flat.agent_hours != pytest.approx(
        simulate(cube, {"phone": channel}).channel("phone").agent_hours
    )


def test_by_hour_for_async_workload(stamps: list[datetime], tmp_path: Path) -> None:
    rows = phone_rows(stamps, by_hour_handle)
    for row in rows:
        row["channel"] = "email"
    cube = api.load_interactions(write_csv(tmp_path / "data.csv", rows))
    email = {"mode": "async", "handle_time": "by_hour", "hourly_cost": 20, "max_occupancy": 0.8}
    result = simulate(cube, {"email": email}).channel("email")
    per_hour = Counter(t.hour for t in stamps)
    hours = cube.handle_time_by_hour()["email"]
    workload = sum(n * hours[h] for h, n in per_hour.items()) / 3600
    assert result.workload_hours == pytest.approx(workload, rel=1e-12)
    assert result.agent_hours == pytest.approx(workload / 0.8, rel=1e-12)


def test_by_hour_without_any_observed_handle_time_is_an_input_error(
    cube: Any,
) -> None:
    from cx.errors import InputError

    with pytest.raises(InputError, match="by_hour"):
        simulate(cube, {"phone": {**PHONE, "handle_time": "by_hour"}})


def test_handle_times_of_zero_are_no_handle_times(stamps: list[datetime], tmp_path: Path) -> None:
    # An export that writes 0 where it does not time the work says nothing of the work:
    # a staffed channel is asked for its handle_time (a queue served in no time was an
    # internal error), and an hour of zeros under by_hour takes the channel mean.
    from cx.errors import InputError

    zeros = api.load_interactions(
        write_csv(tmp_path / "zeros.csv", phone_rows(stamps, lambda i, t: "0"))
    )
    without_time = {key: value for key, value in PHONE.items() if key != "handle_time"}
    with pytest.raises(InputError, match="its handle times are all 0") as raised:
        simulate(zeros, {"phone": without_time})
    assert raised.value.hint == "set handle_time (seconds) in the catalog"

    def morning_zeros(i: int, t: datetime) -> str:
        return "0" if t.hour < 11 else "600"

    path = write_csv(tmp_path / "mornings.csv", phone_rows(stamps, morning_zeros))
    handled = [float(morning_zeros(i, t)) for i, t in enumerate(stamps)]
    channel_mean = sum(handled) / len(handled)

    def aht_of(start: datetime) -> float:
        return channel_mean if start.hour < 11 else 600.0

    channel = {**PHONE, "handle_time": "by_hour"}
    phone = simulate(api.load_interactions(path), {"phone": channel}).channel("phone")
    expected = reference_plan(stamps, 60, aht_of, channel)
    assert phone.agent_hours == pytest.approx(expected["agent_hours"], rel=1e-12)
    assert phone.workload_hours == pytest.approx(expected["workload_hours"], rel=1e-12)


def test_a_channel_whose_every_contact_abandoned_is_said_so(
    stamps: list[datetime], tmp_path: Path
) -> None:
    """The export held 300 s on every row, but all abandoned: 'the data shows none'
    read as if the column were empty."""
    from cx.errors import InputError

    rows = [{**row, "abandoned": "true"} for row in phone_rows(stamps, lambda i, t: "300")]
    cube = api.load_interactions(write_csv(tmp_path / "gone.csv", rows))
    without_time = {key: value for key, value in PHONE.items() if key != "handle_time"}
    with pytest.raises(InputError) as raised:
        simulate(cube, {"phone": without_time})
    assert raised.value.message.endswith(
        f"the data shows none (all {len(stamps):,} of its contacts abandoned: handle times "
        "count for served contacts only)"
    )


# --------------------------------------------------------------------------- bad input


def test_an_interval_other_than_15_30_60_is_bad_input(
    stamps: list[datetime], tmp_path: Path
) -> None:
    data = write_csv(tmp_path / "data.csv", phone_rows(stamps[:50]))
    strategy = tmp_path / "s.yaml"
    strategy.write_text(
        "version: 1\nname: s\nkind: follow\nchannels:\n"
        "  phone: {mode: live, handle_time: 240}\nstaffing: {interval: 45}\n"
    )
    completed = run_cx_process("simulate", str(strategy), "--data", str(data), cwd=tmp_path)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "staffing.interval" in completed.stderr and "15, 30 or 60" in completed.stderr
    assert ":6:" in completed.stderr  # file:line of the offending value

    strategy.write_text(
        "version: 1\nname: s\nkind: follow\nchannels:\n  phone: {mode: live, handle_time: 240}\n"
    )
    completed = run_cx_process(
        "simulate", str(strategy), "--data", str(data), "--interval", "20", cwd=tmp_path
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "--interval 20" in completed.stderr and "15, 30 or 60" in completed.stderr
