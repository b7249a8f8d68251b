"""Opening hours, after-hours contacts and async response targets (§11), by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import cx
from cx import api
from cx.cli.app import app
from cx.models.hours import HoursError, compile_hours, parse_days, parse_ranges
from cx.replay import hours as hours_module
from cx.staffing.backlog import plan_backlog, planning_deadlines

MONDAY = datetime(2024, 1, 1)  # 2024-01-01 is a Monday


def write_calls(path: Path, calls: list[tuple[datetime, str]]) -> Path:
    lines = ["customer_id,timestamp,channel"]
    lines += [f"c{i % 50},{at.isoformat()},{channel}" for i, (at, channel) in enumerate(calls)]
    path.write_text("\n".join(lines) + "\n")
    return path


def hour_of_calls(
    start: datetime, count: int, channel: str = "phone"
) -> list[tuple[datetime, str]]:
    """``count`` calls spread evenly over the hour from ``start``."""
    return [(start + timedelta(seconds=i * 3600 // count), channel) for i in range(count)]


def phone_strategy(**phone: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "name": "hours",
        "kind": "follow",
        "channels": {
            "phone": {
                "mode": "live",
                "handle_time": 180,
                "hourly_cost": 20,
                "shrinkage": 0.5,
                "service_level": {"target": 0.8, "within": 20},
                **phone,
            }
        },
    }


# -------------------------------------------------------------------- parsing the hours


def test_days_and_ranges() -> None:
    assert parse_days("mon-fri") == [0, 1, 2, 3, 4]
    assert parse_days("sat-mon") == [5, 6, 0]  # a range may wrap round the week
    assert parse_ranges("08:00-12:00, 13:00-17:30") == [(480, 720), (780, 1050)]
    assert parse_ranges("closed") == []
    assert parse_ranges("00:00-24:00") == [(0, 1440)]


def test_open_slots_and_next_opening() -> None:
    hours = compile_hours({"mon-fri": "08:30-20:00", "sat": "09:00-13:00"})
    slots = hours.open_slots(60)
    assert slots[0] == 8  # 08:00-09:00 is open: part of it is
    assert 19 in slots and 20 not in slots
    offsets = hours.next_open_offsets(60)
    assert offsets[8] == 0
    assert offsets[20] == 12 * 60  # Monday 20:00 → Tuesday 08:00
    assert offsets[4 * 24 + 20] == 13 * 60  # Friday 20:00 → Saturday 09:00
    assert offsets[5 * 24 + 13] == 43 * 60  # Saturday 13:00 → Monday 08:00


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"mon-fry": "08:00-20:00"}, "unknown day 'fry'"),
        ({"mon": "20:00-08:00"}, "ends before it starts"),
        ({"mon": "08:00-12:00,11:00-13:00"}, "overlap"),
        ({"mon-fri": "08:00-20:00", "fri": "19:00-21:00"}, "'mon-fri' and 'fri' overlap"),
        ({"mon": "25:00-26:00"}, "not a time of day"),
        ({"mon-sun": "closed"}, "closed all week"),
        ({"mon": "9 to 5"}, "cannot read opening hours"),
    ],
)
def test_bad_hours_are_refused(hours: dict[str, str], message: str) -> None:
    with pytest.raises(HoursError, match=message):
        compile_hours(hours)


BAD_FILE = """\
version: 1
name: bad-hours
kind: follow
channels:
  phone:
    mode: live
    hours: {mon-fri: "08:00-20:00", sundy: "10:00-12:00"}
  chat:
    mode: live
    hours: {mon: "18:00-09:00"}
  email: {mode: live, response: {target: 0.9, within: 3600}}
  web: {mode: self_service, hours: {mon: "08:00-09:00"}}
  app: {mode: async, response: {target: 1.5, within: 3600}}
"""


def test_bad_hours_values_are_findings_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_FILE)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    out = result.stdout
    assert f"{path}:7:" in out and "unknown day 'sundy'; did you mean 'sun'?" in out
    assert f"{path}:10:" in out and "'18:00-09:00' ends before it starts" in out
    assert f"{path}:11:" in out and "response targets are for async channels" in out
    assert f"{path}:12:" in out and "self_service channel has no opening hours" in out
    assert f"{path}:13:" in out and "channels.app.response.target" in out


@pytest.mark.parametrize("empty", ["08:00-08:00", "24:00-24:00"])
def test_a_range_that_opens_and_closes_at_once_is_empty_not_backwards(
    tmp_path: Path, empty: str
) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(
        "version: 1\nname: t\nkind: follow\nchannels:\n  phone:\n    mode: live\n"
        f'    hours: {{mon-fri: "{empty}"}}\n'
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{path}:7:13: channels.phone.hours.mon-fri: '{empty}' is empty: it opens and "
        'closes at the same time; write "00:00-24:00" for a whole day, or "closed" for a '
        f"day it is shut (got '{empty}')\n"
    )
    assert "before it starts" not in result.stdout


def test_a_day_closed_and_opened_by_another_key_is_a_finding(tmp_path: Path) -> None:
    # Days add up: Tuesday would stay open from `mon-fri` whatever `tue: closed` says.
    path = tmp_path / "tuesday.yaml"
    path.write_text(
        "version: 1\nname: t\nkind: follow\nchannels:\n  phone:\n    mode: live\n"
        '    hours: {mon-fri: "08:00-17:00", tue: closed}\n'
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{path}:7:5: channels.phone.hours: 'tue' is closed, but 'mon-fri' opens it; "
        "give each day's hours once: name only the open days"
    )
    with pytest.raises(cx.StrategyError, match="'sat-sun' is closed, but 'sun' opens it"):
        cx.load_strategy(phone_strategy(hours={"sat-sun": "closed", "sun": "10:00-12:00"}))
    opened = cx.load_strategy(phone_strategy(hours={"mon-fri": "08:00-12:00", "sat": "closed"}))
    assert opened.channels["phone"].hours == {"mon-fri": "08:00-12:00", "sat": "closed"}


def test_bad_hours_at_simulate_exit_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_FILE)
    data = write_calls(tmp_path / "c.csv", hour_of_calls(MONDAY.replace(hour=10), 5))
    result = CliRunner().invoke(app, ["simulate", str(path), "--data", str(data)])
    assert result.exit_code == 2  # bad input
    assert f"{path}:7:" in result.stderr and result.stdout == ""


# -------------------------------------------------- a week: two busy hours, 8 open a day


def busy_week(tmp_path: Path, extra: list[tuple[datetime, str]] = ()) -> Path:  # type: ignore[assignment]
    """200 calls Monday 10-11, 200 Wednesday 14-15, one on Sunday at noon."""
    calls = [
        *hour_of_calls(MONDAY.replace(hour=10), 200),
        *hour_of_calls(MONDAY.replace(hour=14) + timedelta(days=2), 200),
        (MONDAY.replace(hour=12) + timedelta(days=6), "phone"),
        *extra,
    ]
    return write_calls(tmp_path / "week.csv", sorted(calls))


def test_a_week_with_two_busy_hours_and_eight_open_hours_a_day(tmp_path: Path) -> None:
    cube = api.load_interactions(busy_week(tmp_path))
    open_week = api.simulate(
        api.load_strategy(phone_strategy(hours={"mon-sun": "09:00-17:00"})), cube
    )
    phone = open_week.channel("phone")
    # By hand: the busy hours need 14 agents each (A = 200·180/3600 = 10, 80% in 20 s),
    # Sunday's call 1; the other 53 of the 7 × 8 open hours get the floor of 1.
    assert phone.open_hours == 56
    in_seat = 14 + 14 + 1 + 53
    assert phone.agent_hours == pytest.approx(in_seat / 0.5)  # shrinkage 0.5: 164
    assert phone.labour_cost == pytest.approx(164 * 20)
    assert open_week.totals.floor_waste == pytest.approx((53 / 0.5) / 164)
    assert phone.after_hours == 0

    always = api.simulate(api.load_strategy(phone_strategy()), cube)
    assert always.channel("phone").agent_hours == pytest.approx((14 + 14 + 1) / 0.5)
    assert always.totals.floor_waste == 0.0
    assert open_week.totals.cost - always.totals.cost == pytest.approx(53 / 0.5 * 20)


def test_min_agents_given_with_hours_is_the_floor(tmp_path: Path) -> None:
    cube = api.load_interactions(busy_week(tmp_path))
    strategy = phone_strategy(hours={"mon-sun": "09:00-17:00"}, min_agents=2)
    phone = api.simulate(api.load_strategy(strategy), cube).channel("phone")
    assert phone.agent_hours == pytest.approx((14 + 14 + 2 + 53 * 2) / 0.5)


# ------------------------------------------------------------------ after hours


@pytest.mark.parametrize("policy", ["next_open", "lost"])
def test_next_open_and_lost(tmp_path: Path, policy: str) -> None:
    night = MONDAY.replace(hour=22) + timedelta(days=1)  # Tuesday 22:00, closed
    cube = api.load_interactions(busy_week(tmp_path, [(night, "phone")]))
    strategy = phone_strategy(hours={"mon-sun": "09:00-17:00"}, after_hours=policy)
    result = api.simulate(api.load_strategy(strategy), cube, replay=True)
    phone = result.channel("phone")
    assert phone.after_hours == pytest.approx(1.0)
    assert phone.replay is not None  # the trace loses, or queues, the same call
    assert phone.replay.contacts == (402 if policy == "next_open" else 401)
    if policy == "next_open":
        # It calls at Wednesday 09:00: that hour needs its 1 agent for the load, the
        # floor no longer adds one there; the agent-hours are the same.
        assert (phone.handled, phone.lost) == (pytest.approx(402), 0.0)
        assert result.totals.coverage == 1.0
        assert result.totals.floor_waste == pytest.approx((52 / 0.5) / 164)
    else:
        assert (phone.handled, phone.lost) == (pytest.approx(401), pytest.approx(1))
        assert result.totals.coverage == pytest.approx(401 / 402)
        assert result.totals.floor_waste == pytest.approx((53 / 0.5) / 164)
    assert phone.agent_hours == pytest.approx(164)


def test_night_phone_contacts_move_to_chat(tmp_path: Path) -> None:
    calls = [
        *hour_of_calls(MONDAY.replace(hour=10), 3),
        (MONDAY.replace(hour=22), "phone"),
        (MONDAY.replace(hour=3) + timedelta(days=1), "phone"),
        (MONDAY.replace(hour=12) + timedelta(days=1), "chat"),
    ]
    cube = api.load_interactions(write_calls(tmp_path / "c.csv", sorted(calls)))
    strategy = {
        **phone_strategy(hours={"mon-fri": "09:00-17:00"}),
        "kind": "push",
        "shifts": [{"from": "phone", "where": {"hours": "closed"}, "to": {"chat": 1.0}}],
    }
    strategy["channels"]["chat"] = {"mode": "live", "handle_time": 300, "hourly_cost": 20}
    result = api.simulate(api.load_strategy(strategy), cube, replay=True)
    phone, chat = result.channel("phone"), result.channel("chat")
    assert phone.after_hours == pytest.approx(2)
    assert (phone.shifted_out, phone.handled) == (pytest.approx(2), pytest.approx(3))
    assert (chat.shifted_in, chat.handled) == (pytest.approx(2), pytest.approx(3))
    assert chat.after_hours is None  # chat has no hours: never closed
    assert phone.replay is not None and chat.replay is not None
    assert (phone.replay.contacts, chat.replay.contacts) == (3, 3)  # the trace agrees
    as_json = json.loads(result.model_dump_json())
    assert "after_hours" not in as_json["channels"][1]  # 24/7 channels print as before


def test_where_hours_closed_on_a_24_7_channel_is_a_finding(tmp_path: Path) -> None:
    """A rule on closed contacts of a channel without hours would match nothing."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "version: 1\nname: s\nkind: push\nchannels:\n"
        "  phone: {mode: live}\n  chat: {mode: live}\nshifts:\n"
        "  - from: phone\n    where: {hours: closed}\n    to: {chat: 0.5}\n"
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:9:" in result.stdout and "no contact finds it closed" in result.stdout


def test_where_hours_open_takes_the_open_contacts(tmp_path: Path) -> None:
    night = MONDAY.replace(hour=22) + timedelta(days=1)
    cube = api.load_interactions(busy_week(tmp_path, [(night, "phone")]))
    strategy = {
        **phone_strategy(hours={"mon-sun": "09:00-17:00"}, after_hours="lost"),
        "kind": "push",
        "shifts": [{"from": "phone", "where": {"hours": "open"}, "to": {"chat": 0.5}}],
    }
    strategy["channels"]["chat"] = {"mode": "live", "handle_time": 300}
    result = api.simulate(api.load_strategy(strategy), cube)
    assert result.channel("chat").shifted_in == pytest.approx(401 / 2)
    assert result.channel("phone").lost == pytest.approx(1)


# ------------------------------------------------------------- response targets


def test_backlog_cleared_exactly_at_its_deadline() -> None:
    # 30 contacts at the start of hour 0, due 2 h later (the end of hour 1); an agent
    # answers 10 an hour (AHT 360 s).
    arrivals = np.array([30.0, 0, 0, 0])
    is_open = np.ones(4, dtype=bool)
    common = {"interval_minutes": 60, "within": 7200.0, "handle_time": 360.0}
    bare = plan_backlog(arrivals, is_open, np.zeros(4), target=1.0, **common)
    assert bare.agents.tolist() == [0, 3, 0, 0]  # nothing due in hour 0; 3 clear 30
    assert (bare.response_level, bare.peak) == (1.0, 30.0)
    floored = plan_backlog(arrivals, is_open, np.ones(4), target=1.0, **common)
    assert floored.agents.tolist() == [1, 2, 1, 1]  # 10 in hour 0, the last 20 in hour 1
    assert floored.agents_raw.tolist() == [0, 2, 0, 0]
    assert (floored.response_level, floored.peak) == (1.0, 20.0)
    ninety = plan_backlog(arrivals, is_open, np.ones(4), target=0.9, **common)
    assert ninety.agents.tolist() == [1, 2, 1, 1]  # 27 by the deadline: 10 + 20
    lower = plan_backlog(arrivals, is_open, np.zeros(4), target=0.6, **common)
    assert lower.agents.tolist() == [0, 2, 1, 0]  # 20 in time, the 10 late ones next
    assert lower.response_level == pytest.approx(20 / 30)


def test_closed_hours_carry_the_backlog() -> None:
    # Due in a closed hour: nobody can answer them in time; they are answered at the
    # opening, late, by as many agents as clear the waiting work.
    arrivals = np.array([20.0, 0, 0, 0])
    is_open = np.array([False, False, True, True])
    plan = plan_backlog(
        arrivals,
        is_open,
        np.zeros(4),
        interval_minutes=60,
        within=3600.0,
        target=0.9,
        handle_time=360.0,
    )
    assert plan.agents.tolist() == [0, 0, 2, 0]  # 2 agents clear the 20 at the opening
    assert plan.response_level == 0.0 and plan.peak == 20.0


#: Two days, each open 09:00-17:00, by the hour.
NINE_TO_FIVE = np.array([9 <= hour % 24 < 17 for hour in range(48)])


def test_contacts_due_after_closing_are_answered_before_it() -> None:
    # 10 contacts each at 14:00, 15:00 and 16:00, due 4 h later (18:00-20:00, closed);
    # an agent answers 10 an hour. Answered by 17:00 they are in time: the plan is due
    # at the closing, and 3 agents in 16:00-17:00 answer all 30 (2 would answer 20 <
    # 27). A floor of 1 answers each hour's 10 in its hour, so the last hour needs no
    # more than the floor.
    arrivals = np.zeros(48)
    arrivals[[14, 15, 16]] = 10.0
    common = {"interval_minutes": 60, "within": 4 * 3600.0, "target": 0.9, "handle_time": 360.0}
    bare = plan_backlog(arrivals, NINE_TO_FIVE, np.zeros(48), **common)
    assert np.flatnonzero(bare.agents).tolist() == [16]
    assert bare.agents[16] == 3
    assert (bare.response_level, bare.peak) == (1.0, 20.0)
    floored = plan_backlog(arrivals, NINE_TO_FIVE, NINE_TO_FIVE.astype(float), **common)
    assert floored.agents.tolist() == NINE_TO_FIVE.astype(int).tolist()
    assert np.flatnonzero(floored.agents_raw).tolist() == [16]  # 30 in share 1.0 by 17:00
    assert floored.agents_raw[16] == 1
    assert (floored.response_level, floored.peak) == (1.0, 0.0)


def test_contacts_with_no_open_time_before_their_deadline_stay_late() -> None:
    # 10 contacts at 17:00 and 10 at 20:00, both after closing, due at 21:00 and 00:00:
    # no open hour between; they are answered at 09:00 the next morning, late.
    arrivals = np.zeros(48)
    arrivals[[17, 20]] = 10.0
    plan = plan_backlog(
        arrivals,
        NINE_TO_FIVE,
        np.zeros(48),
        interval_minutes=60,
        within=4 * 3600.0,
        target=0.9,
        handle_time=360.0,
    )
    assert np.flatnonzero(plan.agents).tolist() == [33]  # 2 agents clear the 20 at 09:00
    assert plan.agents[33] == 2
    assert (plan.response_level, plan.peak) == (0.0, 20.0)
    deadlines = planning_deadlines(NINE_TO_FIVE, interval_minutes=60, within=4 * 3600.0)
    assert deadlines[[13, 14, 16, 17, 20]].tolist() == [h * 3600.0 for h in (17, 17, 17, 21, 24)]


def test_email_due_after_closing_meets_its_target_through_the_api(tmp_path: Path) -> None:
    # 30 emails an hour from 14:00 to 17:00 on Monday, open 09:00-17:00 on weekdays,
    # 90 % answered within 4 h: all are due after 17:00, while email is closed, yet
    # agents can answer them before closing, and the plan has them do so.
    calls = [call for hour in (14, 15, 16) for call in
             hour_of_calls(MONDAY.replace(hour=hour), 30, "email")]  # fmt: skip
    cube = api.load_interactions(write_calls(tmp_path / "e.csv", calls))
    email = {"mode": "async", "handle_time": 360, "hourly_cost": 10,
             "hours": {"mon-fri": "09:00-17:00"},
             "response": {"target": 0.9, "within": 4 * 3600}}  # fmt: skip
    strategy = {"version": 1, "name": "email", "kind": "follow", "channels": {"email": email}}
    result = api.simulate(api.load_strategy(strategy), cube).channel("email")
    assert result.response_level is not None and result.response_level >= 0.9


def test_email_answered_by_the_next_morning_through_the_api(tmp_path: Path) -> None:
    # 20 emails Monday 16:00-17:00; open 09-17 daily; answered within 18 h: the 10
    # the Monday-afternoon agent cannot answer are due Tuesday 10:00, and one agent
    # from 09:00 answers them exactly by then.
    cube = api.load_interactions(
        write_calls(tmp_path / "e.csv", hour_of_calls(MONDAY.replace(hour=16), 20, "email"))
    )
    strategy = {
        "version": 1,
        "name": "email",
        "kind": "follow",
        "channels": {
            "email": {
                "mode": "async",
                "handle_time": 360,
                "hourly_cost": 10,
                "hours": {"mon-sun": "09:00-17:00"},
                "response": {"target": 1.0, "within": 18 * 3600},
            }
        },
    }
    result = api.simulate(api.load_strategy(strategy), cube)
    email = result.channel("email")
    assert email.response_level == pytest.approx(1.0)
    assert email.backlog_peak == pytest.approx(10.0)
    # Monday's 8 open hours at the floor of 1, Tuesday 09:00 one agent.
    assert email.agent_hours == pytest.approx(9.0)
    assert email.labour_cost == pytest.approx(90.0)
    assert result.totals.floor_waste == pytest.approx(8 / 9)
    assert email.open_hours == 8.0 and email.after_hours == 0.0
    assert result.periods[0].cost == pytest.approx(result.totals.cost)


def email_only(within: float, **email: Any) -> Any:
    """A strategy of one async email channel (AHT 360 s: an agent answers 10 an hour)
    answering 90 % within ``within``, planned by the hour."""
    channel = {"mode": "async", "handle_time": 360, "hourly_cost": 10,
               "response": {"target": 0.9, "within": within}, **email}  # fmt: skip
    strategy = {"version": 1, "name": "email", "kind": "follow",
                "staffing": {"interval": 60}, "channels": {"email": channel}}  # fmt: skip
    return api.load_strategy(strategy)


def email_week(tmp_path: Path) -> Any:
    """Two emails an hour, on the hour and at half past, from Wednesday 3 January 2024
    to Tuesday 9 January: a week of data over two ISO weeks (W01 Wed–Sun, W02 Mon–Tue)."""
    wednesday = MONDAY + timedelta(days=2)
    calls = [(wednesday + timedelta(minutes=30 * i), "email") for i in range(7 * 48)]
    return api.load_interactions(write_calls(tmp_path / "e.csv", calls), period="week")


def test_a_week_to_answer_a_week_of_data_is_staffed_in_the_week_after(
    tmp_path: Path,
) -> None:
    # Every email is due a week after it joins, after the data's end: the plan keeps
    # the channel open (24/7) past it until their deadlines. Each hour's 2 join at its
    # start and are due at its end a week later; the agent of the hour the first of
    # them falls due answers 10, the next 4 hours' 8 too, so 1 agent every 5th hour:
    # the 168 hours' emails need 34 agent-hours, all in the days after the data,
    # counted in its last period.
    result = api.simulate(email_only(7 * 86400.0), email_week(tmp_path))
    email = result.channel("email")
    assert email.response_level == pytest.approx(1.0)
    assert email.agent_hours == pytest.approx(34.0)
    assert [period.cost for period in result.periods] == pytest.approx([0.0, 340.0])


@pytest.mark.parametrize("hours", [None, {"mon-sun": "09:00-17:00"}])
def test_a_day_to_answer_meets_its_target_on_the_data_s_last_day(
    tmp_path: Path, hours: dict[str, str] | None
) -> None:
    # The last day's emails are due on the day after the data: planned like the others,
    # so the target holds and the agents they need count in the last period.
    email = {"hours": hours} if hours else {}
    result = api.simulate(email_only(86400.0, **email), email_week(tmp_path))
    assert result.channel("email").response_level >= 0.9  # type: ignore[operator]
    last = result.periods[-1]
    assert last.cost > 0 and sum(p.cost for p in result.periods) == pytest.approx(
        result.totals.cost
    )


def test_emails_due_after_the_data_are_answered_by_their_deadline(tmp_path: Path) -> None:
    # 20 emails Monday 16:00-17:00, the data's only day, open 24/7, all answered within
    # 18 h: they join at 16:00 and are due Tuesday 10:00, after the data; 20 × 360 s
    # of work in the hour before, 2 agents at 09:00 on Tuesday, nothing else.
    cube = api.load_interactions(
        write_calls(tmp_path / "e.csv", hour_of_calls(MONDAY.replace(hour=16), 20, "email"))
    )
    strategy = email_only(18 * 3600.0).model_dump(by_alias=True, exclude_none=True)
    strategy["channels"]["email"]["response"]["target"] = 1.0
    result = api.simulate(api.load_strategy(strategy), cube)
    email = result.channel("email")
    assert (email.response_level, email.backlog_peak) == (1.0, 20.0)
    assert email.agent_hours == pytest.approx(2.0)
    assert result.periods[0].cost == pytest.approx(20.0) == result.totals.cost


@pytest.mark.parametrize("within", [3600.0, 86400.0, 7 * 86400.0])
@pytest.mark.parametrize("hours", [None, {"mon-fri": "09:00-17:00"}])
def test_a_longer_tail_after_the_data_changes_no_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, within: float,
    hours: dict[str, str] | None,
) -> None:
    # The days the plan runs past the data reach every deadline and the next opening:
    # running it a month further plans the same agents.
    email = {"hours": hours} if hours else {}
    cube = email_week(tmp_path)
    planned = api.simulate(email_only(within, **email), cube)
    monkeypatch.setattr(hours_module, "EXTRA_DAYS", hours_module.EXTRA_DAYS + 31)
    longer = api.simulate(email_only(within, **email), cube)
    before, after = planned.channel("email"), longer.channel("email")
    assert (before.response_level, before.backlog_peak) == (
        after.response_level, after.backlog_peak
    )
    assert before.agent_hours == pytest.approx(after.agent_hours, rel=1e-12)
    assert [p.cost for p in planned.periods] == pytest.approx(
        [p.cost for p in longer.periods], rel=1e-12
    )


def test_without_response_the_workload_formula_stays(tmp_path: Path) -> None:
    cube = api.load_interactions(
        write_calls(tmp_path / "e.csv", hour_of_calls(MONDAY.replace(hour=16), 20, "email"))
    )
    email_channel = {"mode": "async", "handle_time": 360, "hours": {"mon": "09:00-17:00"}}

    def simulated(**settings: object) -> Any:
        strategy = {"version": 1, "name": "email", "kind": "follow",
                    "channels": {"email": {**email_channel, **settings}}}  # fmt: skip
        return api.simulate(api.load_strategy(strategy), cube).channel("email")

    # Without a floor, the workload formula; with the default floor of 1, Monday's 8
    # open hours are staffed although the 20 emails need only 2.
    unfloored = simulated(min_agents=0)
    assert unfloored.agent_hours == pytest.approx(20 * 360 / 3600)
    assert unfloored.response_level is None and unfloored.open_hours == 8.0
    assert simulated().agent_hours == pytest.approx(8.0)


EMAIL_WITHIN_A_MINUTE = """\
version: 1
name: email
kind: follow
channels:
  email:
    mode: async
{handle}    hourly_cost: 10
    hours: {{mon-fri: "09:00-17:00"}}
    response: {{target: 0.9, within: 60}}
"""


def test_a_response_target_with_concurrency_keeps_occupancy_a_share(tmp_path: Path) -> None:
    """18 emails of 600 s each hour from 09:00 to 17:00, answered within the hour by
    agents who work 3 at once: one agent answers 3 · 3600 / 600 = 18 an hour, so the
    plan is one agent each hour, busy all the time: occupancy 1 (24 h of handling by 8
    agent-hours working 3 contacts at once), not 24 / 8 = 3."""
    calls = [call for hour in range(9, 17) for call in
             hour_of_calls(MONDAY.replace(hour=hour), 18, "email")]  # fmt: skip
    cube = api.load_interactions(write_calls(tmp_path / "e.csv", calls))
    email = {"mode": "async", "handle_time": 600, "hourly_cost": 10, "concurrency": 3,
             "hours": {"mon": "09:00-17:00"},
             "response": {"target": 1.0, "within": 3600}}  # fmt: skip
    strategy = {"version": 1, "name": "email", "kind": "follow", "channels": {"email": email}}
    result = api.simulate(api.load_strategy(strategy), cube).channel("email")
    assert result.workload_hours == pytest.approx(24.0)
    assert result.agent_hours == pytest.approx(8.0)
    assert result.response_level == pytest.approx(1.0)
    assert result.occupancy == pytest.approx(1.0)


def test_an_async_floor_holds_day_by_day_over_the_opening_hours(tmp_path: Path) -> None:
    """Email open mon–fri 09–17 with a floor of 2 and no response target: each day is
    staffed for its workload (0.5 h an email), at least 2 agents × 8 open hours; emails
    that arrive while it is closed count on the day it opens. Worked by hand (in seat):
    Mon 29 Jan 10 emails 5 h → 16; Tue 40 → 20; Wed none → 16; Thu 36 → 18 (its 6 at
    18:00 count on Friday); Fri 30 + 6 = 18 h → 18; Sunday's 4 wait for Monday 5 Feb,
    after the data, and count alone: 2. In seat 90 h, paid 90 / 0.8 = 112.5 h; the
    workload 63 h; the floor's share (90 − 63) / 90 = 0.3."""
    week = [
        (datetime(2024, 1, 29, 10), 10),
        (datetime(2024, 1, 30, 10), 40),
        (datetime(2024, 2, 1, 10), 36),
        (datetime(2024, 2, 1, 18), 6),
        (datetime(2024, 2, 2, 10), 30),
        (datetime(2024, 2, 4, 11), 4),
    ]
    data = write_calls(
        tmp_path / "week.csv", [call for at, n in week for call in hour_of_calls(at, n, "email")]
    )
    email = {"mode": "async", "handle_time": 1800, "hourly_cost": 10, "shrinkage": 0.2,
             "min_agents": 2, "hours": {"mon-fri": "09:00-17:00"}}  # fmt: skip
    strategy = api.load_strategy(
        {"version": 1, "name": "email", "kind": "follow", "channels": {"email": email}}
    )
    results = {
        period: api.simulate(strategy, api.load_interactions(data, period=period))
        for period in ("week", "month")
    }
    for result in results.values():
        channel = result.channel("email")
        assert channel.open_hours == 40.0 and channel.workload_hours == pytest.approx(63.0)
        assert channel.agent_hours == pytest.approx(112.5)
        assert channel.occupancy == pytest.approx(63 / 90)
        assert result.totals.floor_waste == pytest.approx(0.3)
        assert result.totals.cost == pytest.approx(1125.0)
    # Monday to Wednesday in January (16 + 20 + 16 h in seat), the rest in February.
    january, february = results["month"].periods
    assert january.cost == pytest.approx(52 / 0.8 * 10)
    assert february.cost == pytest.approx(38 / 0.8 * 10)
    assert [p.cost for p in results["week"].periods] == [pytest.approx(1125.0)]


def test_a_response_faster_than_the_handle_time_is_a_finding(tmp_path: Path) -> None:
    """An email of an hour's work cannot be answered within a minute: cx staffed 54
    agents for one email instead of saying so."""
    strategy = tmp_path / "email.yaml"
    strategy.write_text(EMAIL_WITHIN_A_MINUTE.format(handle="    handle_time: 3600\n"))
    result = CliRunner().invoke(app, ["validate", str(strategy)])
    assert result.exit_code == 1
    assert (
        f"{strategy}:10:29: channels.email.response.within: a response within 60 s is shorter "
        "than the handle time 3600 s: no contact can be answered in time"
    ) in result.stdout


def test_a_response_faster_than_the_observed_handle_time_is_refused(tmp_path: Path) -> None:
    strategy = tmp_path / "email.yaml"
    strategy.write_text(EMAIL_WITHIN_A_MINUTE.format(handle=""))
    data = tmp_path / "emails.csv"
    rows = [f"c{i},{(MONDAY + timedelta(hours=10, minutes=i)).isoformat()},email,600\n"
            for i in range(20)]  # fmt: skip
    data.write_text("customer_id,timestamp,channel,handle_time\n" + "".join(rows))
    result = CliRunner().invoke(app, ["simulate", str(strategy), "--data", str(data)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(
        f"error: {strategy}:9:29: channels.email.response.within: a response within 60 s is "
        "shorter than email's observed handle time 600 s"
    )


# ---------------------------------------------------------------- 24/7 = no hours at all

STRATEGY_FILES = sorted(
    path
    for path in (Path(__file__).resolve().parent.parent / "strategies").glob("*.yaml")
    if "hours:" not in path.read_text()
)
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "interactions.csv"


@lru_cache(maxsize=1)
def example_cube() -> Any:
    return api.load_interactions(EXAMPLE)


@cache
def plain_json(path: Path) -> str:
    return api.simulate(api.load_strategy(path), example_cube()).model_dump_json()


@settings(max_examples=12, deadline=None, derandomize=True)
@given(data=st.data())
def test_24_7_is_no_hours_bit_for_bit(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(STRATEGY_FILES), label="strategy")
    catalog = list(api.load_strategy(path).channels)
    staffed = [n for n in catalog if api.load_strategy(path).channels[n].mode != "self_service"]
    chosen = data.draw(st.lists(st.sampled_from(staffed), unique=True, min_size=1))
    overrides = [f"channels.{name}.hours=24/7" for name in chosen]
    overrides += [
        f"channels.{name}.after_hours={data.draw(st.sampled_from(['next_open', 'lost']))}"
        for name in chosen
    ]
    always = api.simulate(api.load_strategy(path, overrides), example_cube())
    assert always.model_dump_json() == plain_json(path)


def test_cli_shows_opening_hours_only_when_a_channel_has_them(tmp_path: Path) -> None:
    data = busy_week(tmp_path, [(MONDAY.replace(hour=22) + timedelta(days=1), "phone")])
    with_hours = tmp_path / "hours.yaml"
    with_hours.write_text(json.dumps(phone_strategy(hours={"mon-sun": "09:00-17:00"})))
    plain = tmp_path / "plain.yaml"
    plain.write_text(json.dumps(phone_strategy()))
    runner = CliRunner()
    shown = runner.invoke(app, ["simulate", str(with_hours), "--data", str(data)])
    assert shown.exit_code == 0
    row = next(
        line for line in shown.stdout.splitlines() if line.startswith("phone") and "56" in line
    )
    assert row.split() == ["phone", "56", "1", "–", "–"]
    assert "Opening hours" in shown.stdout
    as_json = runner.invoke(
        app, ["simulate", str(with_hours), "--data", str(data), "--format", "json"]
    )
    channel = json.loads(as_json.stdout)["channels"][0]
    assert (channel["open_hours"], channel["after_hours"]) == (56.0, 1.0)
    hidden = runner.invoke(app, ["simulate", str(plain), "--data", str(data)])
    assert hidden.exit_code == 0 and "Opening hours" not in hidden.stdout


def test_an_open_channel_pays_its_floor_and_a_channel_not_offered_does_not(
    tmp_path: Path,
) -> None:
    """Chat has no contacts in the data: offered, it is staffed in each open hour; the
    status quo does not offer it, so its baseline pays no chat floor."""
    cube = api.load_interactions(busy_week(tmp_path))
    strategy = phone_strategy(hours={"mon-sun": "09:00-17:00"})
    strategy["channels"]["chat"] = {
        "mode": "live",
        "handle_time": 300,
        "hourly_cost": 10,
        "hours": {"mon-fri": "10:00-12:00"},
    }
    result = api.simulate(api.load_strategy(strategy), cube)
    chat = result.channel("chat")
    assert chat.open_hours == 10  # five weekdays of two hours in the week
    assert chat.agent_hours == pytest.approx(10) and chat.labour_cost == pytest.approx(100)
    assert result.totals.cost_delta == pytest.approx(100)  # the baseline has no chat


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    opening=st.integers(0, 20),
    length=st.integers(1, 12),
    weekdays_only=st.booleans(),
    policy=st.sampled_from(["next_open", "lost"]),
    moved=st.sampled_from([0.0, 0.5, 1.0]),
    target=st.sampled_from([0.5, 0.9, 1.0]),
)
def test_hours_keep_the_books_balanced(
    opening: int, length: int, weekdays_only: bool, policy: str, moved: float, target: float
) -> None:
    """Any week of hours: contacts are conserved, closed ones are counted once, and
    period costs add up to the total."""
    end = min(opening + length, 24)
    days = "mon-fri" if weekdays_only else "mon-sun"
    hours = f'{{{days}: "{opening:02d}:00-{end:02d}:00"}}'
    overrides = [
        f"channels.phone.hours={hours}",
        f"channels.phone.after_hours={policy}",
        f"channels.email.hours={hours}",
        f"channels.email.response={{target: {target}, within: 14400}}",
    ]
    if moved > 0:
        overrides += [
            "kind=push",
            f"shifts=[{{from: phone, where: {{hours: closed}}, to: {{chat: {moved}}}}}]",
        ]
    path = STRATEGY_FILES[0].parent / "follow-everywhere.yaml"
    result = api.simulate(api.load_strategy(path, overrides), example_cube())
    totals = result.totals
    assert totals.handled == pytest.approx(totals.demand - totals.lost + totals.repeats)
    assert sum(p.cost for p in result.periods) == pytest.approx(totals.cost)
    phone = result.channel("phone")
    assert phone.after_hours is not None and 0 <= phone.after_hours <= phone.demand
    expected_lost = phone.after_hours * (1 - moved) if policy == "lost" else 0.0
    assert phone.lost == pytest.approx(expected_lost, abs=1e-6)
    assert result.channel("chat").shifted_in == pytest.approx(phone.after_hours * moved)
    email = result.channel("email")
    assert email.response_level is not None and 0.0 <= email.response_level <= 1.0 + 1e-9
    assert phone.open_hours == email.open_hours


def test_hours_response_and_hold_do_not_depend_on_how_time_is_sliced() -> None:
    # Floors, after-hours contacts, the backlog and held staffing are counted over the
    # data's span, not per period: week, month and quarter give the same figures.
    strategy = api.load_strategy(
        Path(__file__).resolve().parent.parent / "strategies" / "night-phone-to-chat.yaml",
        ["staffing.hold=0.9"],
    )
    results = {
        period: api.simulate(strategy, api.load_interactions(EXAMPLE, period=period))
        for period in ("week", "month", "quarter")
    }
    week = results["week"]
    for period in ("month", "quarter"):
        result = results[period]
        assert result.totals.cost == pytest.approx(week.totals.cost, rel=1e-9)
        assert result.totals.agent_hours == pytest.approx(week.totals.agent_hours, rel=1e-9)
        for channel in week.channels:
            other = result.channel(channel.channel)
            for field in ("open_hours", "after_hours", "response_level", "backlog_peak", "hold"):
                expected = getattr(channel, field)
                close = expected if expected is None else pytest.approx(expected, rel=1e-9)
                assert getattr(other, field) == close, (channel.channel, field)
    assert any(channel.after_hours for channel in week.channels)
    assert any(channel.response_level is not None for channel in week.channels)


def test_a_drawn_handle_time_above_the_response_time_is_refused(tmp_path: Path) -> None:
    """A handle time of 900 s can answer no email within 600 s, written (a finding) or
    drawn: the draws from 600 to 900 s would price plans whose agents answer parts of
    contacts side by side. The range is a finding at its line, before any evaluation."""
    strategy = tmp_path / "email.yaml"
    shipped = Path(__file__).resolve().parent.parent / "strategies" / "follow-with-hours.yaml"
    strategy.write_text(
        f"version: 1\nextends: {shipped}\nname: unsure\nkind: follow\n"
        "channels:\n  email: {response: {target: 0.9, within: 600}}\n"
        "uncertainty:\n  channels.email.handle_time: {low: 300, high: 900}\n"
    )
    result = CliRunner().invoke(app, ["sensitivity", str(strategy), "--data", str(EXAMPLE)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        f"{strategy}:8:3: uncertainty.channels.email.handle_time: at its high, a response "
        "within 600 s is shorter than the handle time 900 s"
    ) in " ".join(result.stderr.split())
