"""Abandonment (DESIGN §6b): `patience` switches a live channel to Erlang A (M/M/N+M).

`patience: observed` = Σ wait_time / abandoned contacts on the channel (the exponential
estimate with the answered contacts' waits as censored patience). The expected plans
below call :mod:`cx.staffing.erlang` (tested on its own in test_erlang.py) with inputs
worked out here from the raw rows.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import run_cx_process, write_csv, write_strategy

from cx import api
from cx.errors import InputError, StrategyError
from cx.staffing import erlang

MONDAY = datetime(2024, 1, 15)
PHONE = {
    "mode": "live",
    "handle_time": 300,
    "hourly_cost": 30,
    "service_level": {"target": 0.8, "within": 30},
    "max_occupancy": 0.95,
}


def queue_rows(per_hour: dict[int, int], abandon_every: int = 8) -> list[dict[str, Any]]:
    """Phone contacts spread over each hour; every ``abandon_every``-th one abandoned."""
    rows = []
    i = 0
    for hour, count in per_hour.items():
        for k in range(count):
            t = MONDAY + timedelta(hours=hour, seconds=k * 3600 / count)
            gone = abandon_every > 0 and i % abandon_every == 0
            rows.append(
                {
                    "customer_id": f"c{i}",
                    "timestamp": t.isoformat(sep=" ", timespec="seconds"),
                    "channel": "phone",
                    "handle_time": "" if gone else 280 + i % 40,
                    "wait_time": 40 + i % 50 if gone else i % 25,
                    "abandoned": "true" if gone else "false",
                }
            )
            i += 1
    return rows


PER_HOUR = {9: 120, 10: 260, 11: 200, 12: 90}


def strategy(channels: dict[str, Any], **extra: Any) -> Any:
    return api.load_strategy({"name": "s", "kind": "follow", "channels": channels, **extra})


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return queue_rows(PER_HOUR)


@pytest.fixture(scope="module")
def cube(rows: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Any:
    return api.load_interactions(write_csv(tmp_path_factory.mktemp("ab") / "data.csv", rows))


def observed_patience(rows: list[dict[str, Any]]) -> float:
    waits = sum(float(r["wait_time"]) for r in rows if r["wait_time"] != "")
    return waits / sum(r["abandoned"] == "true" for r in rows)


def expected_erlang_a(patience: float, channel: dict[str, Any]) -> dict[str, Any]:
    counts = np.array(list(PER_HOUR.values()), dtype=float)
    rate = counts / 3600.0
    level = channel["service_level"]
    agents = erlang.required_agents_erlang_a(
        rate, channel["handle_time"], patience, level["target"], level["within"],
        channel["max_occupancy"],
    )  # fmt: skip
    agents = np.maximum(agents, channel.get("min_agents", 0))
    measures = erlang.erlang_a(agents, rate, channel["handle_time"], patience, level["within"])
    return {
        "agents": agents.tolist(),
        "agent_hours": float(agents.sum()),
        "abandon_rate": float(np.average(measures.abandon_rate, weights=counts)),
        "service_level": float(np.average(measures.service_level, weights=counts)),
        "occupancy": float(
            (counts * 300 / 3600 * (1 - measures.abandon_rate)).sum() / agents.sum()
        ),
    }


# --------------------------------------------------------------------------- the plan


def test_cube_keeps_the_queue_sums(cube: Any, rows: list[dict[str, Any]]) -> None:
    wait_sum, wait_n, abandoned, abandoned_n = cube.queue_observations()["phone"]
    assert wait_sum == sum(float(r["wait_time"]) for r in rows)
    assert wait_n == abandoned_n == len(rows)
    assert abandoned == sum(r["abandoned"] == "true" for r in rows)


def test_patience_observed_plans_with_erlang_a(cube: Any, rows: list[dict[str, Any]]) -> None:
    theta = observed_patience(rows)
    gone = [float(r["wait_time"]) for r in rows if r["abandoned"] == "true"]
    # Answered contacts' waits count as exposure too (censored patience): θ > mean abandon wait.
    assert theta > sum(gone) / len(gone)
    channel = {**PHONE, "patience": "observed"}
    result = api.simulate(strategy({"phone": channel}), cube)
    phone = result.channel("phone")
    expected = expected_erlang_a(theta, PHONE)
    frame = api.staffing_intervals(strategy({"phone": channel}), cube)
    assert frame["agents"].to_list() == expected["agents"]
    assert phone.agent_hours == pytest.approx(expected["agent_hours"], rel=1e-12)
    assert phone.abandon_rate == pytest.approx(expected["abandon_rate"], rel=1e-9)
    assert phone.service_level == pytest.approx(expected["service_level"], rel=1e-9)
    assert phone.occupancy == pytest.approx(expected["occupancy"], rel=1e-9)
    assert 0 < phone.abandon_rate < 0.2


def test_patience_in_seconds(cube: Any) -> None:
    channel = {**PHONE, "patience": 45, "min_agents": 3}
    phone = api.simulate(strategy({"phone": channel}), cube).channel("phone")
    expected = expected_erlang_a(45.0, {**PHONE, "min_agents": 3})
    assert phone.agent_hours == pytest.approx(expected["agent_hours"], rel=1e-12)
    assert phone.abandon_rate == pytest.approx(expected["abandon_rate"], rel=1e-9)


def test_abandonment_needs_no_more_agents_than_erlang_c(cube: Any) -> None:
    patient = api.simulate(strategy({"phone": PHONE}), cube).channel("phone")
    impatient = api.simulate(strategy({"phone": {**PHONE, "patience": 30}}), cube)
    assert impatient.channel("phone").agent_hours <= patient.agent_hours
    assert patient.abandon_rate is None  # no patience, no prediction
    payload = json.loads(api.simulate(strategy({"phone": PHONE}), cube).model_dump_json())
    assert payload["channels"][0]["abandon_rate"] is None


def test_no_abandoned_contacts_means_erlang_c(tmp_path: Path) -> None:
    rows = queue_rows(PER_HOUR, abandon_every=0)
    cube = api.load_interactions(write_csv(tmp_path / "data.csv", rows))
    plain = api.simulate(strategy({"phone": PHONE}), cube).channel("phone")
    observed = api.simulate(strategy({"phone": {**PHONE, "patience": "observed"}}), cube)
    phone = observed.channel("phone")
    assert phone.agent_hours == plain.agent_hours
    assert phone.service_level == pytest.approx(plain.service_level, rel=1e-12)
    assert phone.abandon_rate == 0.0


def test_patience_observed_without_wait_data_is_an_input_error(tmp_path: Path) -> None:
    rows = [
        {k: v for k, v in r.items() if k not in ("wait_time", "abandoned")}
        for r in queue_rows(PER_HOUR)
    ]
    cube = api.load_interactions(write_csv(tmp_path / "data.csv", rows))
    with pytest.raises(InputError) as caught:
        api.simulate(strategy({"phone": {**PHONE, "patience": "observed"}}), cube)
    assert "wait_time" in str(caught.value) and "abandoned" in str(caught.value)
    assert caught.value.path == "channels.phone.patience"
    # A channel nobody uses may keep patience: observed (e.g. from a shared catalog).
    unused = {"mode": "live", "handle_time": 600, "patience": "observed"}
    result = api.simulate(
        strategy({"phone": PHONE, "video": unused}, kind="push", offer=["phone"]), cube
    )
    assert result.channel("video").agent_hours == 0


def test_patience_observed_without_wait_data_exits_2(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "abandoned"} for r in queue_rows({9: 30})]
    data = write_csv(tmp_path / "data.csv", rows)
    path = tmp_path / "s.yaml"
    path.write_text(
        "version: 1\nname: s\nkind: follow\nchannels:\n"
        "  phone: {mode: live, handle_time: 300, patience: observed}\n"
    )
    completed = run_cx_process("simulate", str(path), "--data", str(data), cwd=tmp_path)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "patience: observed" in completed.stderr and "no abandoned" in completed.stderr


# --------------------------------------------------------------------------- mapping values


CONNECT_MAPPING = """\
columns:
  customer_id: Attributes.CustomerId
  timestamp: InitiationTimestamp
  channel: Channel
  handle_time: Agent.AgentInteractionDuration
  wait_time: Queue.Duration
  abandoned: QueueOutcome
timestamp_format: "%Y-%m-%dT%H:%M:%SZ"
channels:
  phone: [VOICE]
  chat: [CHAT]
values:
  abandoned: {true: [HANG], false: [AGENT, Transferred]}
"""


def connect_export(path: Path) -> list[dict[str, Any]]:
    """A contact-record export whose abandon flag is a code: HANG, AGENT or TRANSFERRED."""
    records = []
    for i, row in enumerate(queue_rows({9: 60, 10: 80})):
        stamp = datetime.fromisoformat(row["timestamp"])
        records.append(
            {
                "ContactId": f"id-{i}",
                "Channel": "VOICE" if i % 5 else "CHAT",
                "InitiationTimestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Queue.Duration": row["wait_time"],
                "Agent.AgentInteractionDuration": row["handle_time"],
                "QueueOutcome": "HANG"
                if row["abandoned"] == "true"
                else ("transferred" if i % 7 == 0 else "AGENT"),
                "Attributes.CustomerId": f"C{i % 40:04d}",
            }
        )
    write_csv(path, records)
    return records


def test_values_translate_an_abandon_code(tmp_path: Path) -> None:
    data = tmp_path / "ctr.csv"
    records = connect_export(data)
    mapping = tmp_path / "connect.yaml"
    mapping.write_text(CONNECT_MAPPING)
    cube = api.load_interactions(data, columns=mapping)
    assert cube.meta.rows_rejected == 0  # HANG, AGENT and transferred (any case) all read
    voice = [r for r in records if r["Channel"] == "VOICE"]
    _, _, abandoned, abandoned_n = cube.queue_observations()["phone"]
    assert abandoned == sum(r["QueueOutcome"] == "HANG" for r in voice) > 0
    assert abandoned_n == len(voice)
    catalog = {
        "phone": {**PHONE, "patience": "observed"},
        "chat": {"mode": "live", "handle_time": 400, "concurrency": 2, "patience": "observed"},
    }
    path = write_strategy(
        tmp_path / "s.yaml", {"version": 1, "name": "s", "kind": "follow", "channels": catalog}
    )
    completed = run_cx_process(
        "simulate", str(path), "--data", str(data), "--columns", str(mapping),
        "--replay", "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    payload = json.loads(completed.stdout)
    phone = next(c for c in payload["channels"] if c["channel"] == "phone")
    assert phone["abandon_rate"] > 0
    assert set(phone["replay"]) == {
        "service_level",
        "intervals_meeting_target",
        "asa",
        "mean_wait",
        "abandon_rate",
        "contacts",
        "worst_intervals",
    }
    assert payload["totals"]["replay_intervals_meeting_target"] is not None
    table = run_cx_process(
        "simulate", str(path), "--data", str(data), "--columns", str(mapping), "--replay",
        cwd=tmp_path,
    )  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert "Does the plan hold?" in table.stdout


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("wait_time", "'wait_time', which is not a boolean column"),
        ("abandon", "did you mean 'abandoned'?"),
    ],
)
def test_values_for_a_column_that_is_not_boolean(tmp_path: Path, key: str, expected: str) -> None:
    mapping = tmp_path / "bad.yaml"
    mapping.write_text(f"values:\n  {key}: {{true: [HANG], false: [AGENT]}}\n")
    with pytest.raises(StrategyError) as caught:
        api.load_interactions(write_csv(tmp_path / "d.csv", queue_rows({9: 5})), columns=mapping)
    message = str(caught.value)
    assert expected in message
    assert "resolved and abandoned" in message
    assert f"{mapping}:2:3" in message
    data = write_csv(tmp_path / "d.csv", queue_rows({9: 5}))
    path = tmp_path / "s.yaml"
    path.write_text("version: 1\nname: s\nkind: follow\nchannels:\n  phone: {mode: live}\n")
    completed = run_cx_process(
        "simulate", str(path), "--data", str(data), "--columns", str(mapping), cwd=tmp_path
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "resolved and abandoned" in completed.stderr


def test_cached_cubes_keep_the_queue_sums(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    data = write_csv(tmp_path / "data.csv", queue_rows({9: 40}))
    first = api.load_interactions(data, cache=True)
    again = api.load_interactions(data, cache=True)
    assert again.queue_observations() == first.queue_observations()
    assert again.queue_observations()["phone"][2] > 0
