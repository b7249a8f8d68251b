"""Properties of opening hours, response backlogs, volume and bands (DESIGN §6, §7, §11,
§12) over generated data sets and strategies, derandomized like tests/test_properties.py.

* `after_hours: next_open` loses nothing; `lost` loses exactly the closed contacts no
  rule moves; `"24/7"` is no hours at all, bit for bit; dates without a time of day are
  after hours only on days closed throughout.
* Weeks, months and quarters give the same totals and channels (floors and backlogs are
  staffed by the day); costs add up by channel and by period, with hours too.
* Every contact written twice and `volume: 2` give the same figures: twice the contacts
  and the workload, never fewer agent-hours, the same coverage; more volume never needs
  fewer agent-hours.
* Bands are ordered; a draw at a value is the run with that value set (`--set`).
* Dilution and service figures stay within their bounds; the replay queues every
  contact a live channel handles.
* A response target plans for a contact's deadline, or, when that falls while the
  channel is closed, for the end of the last open interval before it that ends after the
  contact joins; open around the clock, for the deadline itself, bit for bit.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_properties import (
    CATALOG,
    PROPERTY_SETTINGS,
    assert_same_channels,
    check_conservation,
    close,
    datasets,
    load_cube,
    observed,
    simulate,
    strategies,
)

from cx import api
from cx.models.result import Result
from cx.staffing.backlog import plan_backlog, planning_deadlines

#: Opening hours, each with the days of the week (Monday 0) it opens at all.
WEEKS = {
    "weekdays": ({"mon-fri": "08:00-18:00"}, {0, 1, 2, 3, 4}),
    "split days": ({"mon-sat": "09:00-12:00,13:00-17:30", "sun": "closed"}, {0, 1, 2, 3, 4, 5}),
    "a night": ({"tue": "22:00-24:00", "wed": "00:00-02:15"}, {1, 2}),
    "wrapping": ({"sat-mon": "10:00-16:00"}, {5, 6, 0}),
    "every day": ({"mon-sun": "07:00-23:00"}, set(range(7))),
}
#: For the properties that run several evaluations per example.
FEWER_EXAMPLES = settings(PROPERTY_SETTINGS, max_examples=15)
HOURS = st.sampled_from([hours for hours, _ in WEEKS.values()])
STAFFED = [
    name for name, c in CATALOG.items() if c["mode"] in ("live", "async") and "handle_time" in c
]
WITH_AGENTS = [name for name, c in CATALOG.items() if c["mode"] != "self_service"]
ASYNC = [name for name, c in CATALOG.items() if c["mode"] == "async"]


@st.composite
def hours_catalogs(draw: st.DrawFn, after_hours: str | None = None) -> dict[str, Any]:
    """CATALOG with opening hours, floors and response targets on some channels."""
    catalog = {name: dict(channel) for name, channel in CATALOG.items()}
    for name in draw(st.lists(st.sampled_from(WITH_AGENTS), max_size=4, unique=True)):
        channel = catalog[name]
        channel["hours"] = draw(HOURS)
        if after_hours is not None:
            channel["after_hours"] = after_hours
        elif draw(st.booleans()):
            channel["after_hours"] = draw(st.sampled_from(["next_open", "lost"]))
        if name in STAFFED and draw(st.booleans()):
            channel["min_agents"] = draw(st.integers(0, 3))
        if name in ASYNC and draw(st.booleans()):
            channel["response"] = {
                "target": draw(st.sampled_from([0.5, 0.8, 0.95])),
                "within": draw(st.sampled_from([3600, 4 * 3600, 86400])),
            }
    return catalog


def at_midnight(rows: list[tuple]) -> list[tuple]:
    """The rows with dates only: every timestamp at 00:00:00."""
    return [(row[0], row[1][:10] + " 00:00:00", *row[2:]) for row in rows]


def follow(catalog: dict[str, Any], rows: list[tuple], **extra: Any) -> dict[str, Any]:
    return {
        "name": "follow",
        "kind": "follow",
        "channels": catalog,
        "offer": observed(rows),
        **extra,
    }


@PROPERTY_SETTINGS
@given(st.data())
def test_next_open_conserves_every_contact(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    catalog = data.draw(hours_catalogs(after_hours="next_open"))
    interval = data.draw(st.sampled_from([15, 30, 60]))
    result = simulate(
        follow(catalog, rows, staffing={"interval": interval}), load_cube(rows, period)
    )
    check_conservation(result)
    assert result.totals.lost == 0.0
    assert result.totals.coverage == 1.0
    for channel in result.channels:
        assert close(channel.handled, channel.demand)
        assert 0.0 <= (channel.after_hours or 0.0) <= channel.demand + 1e-9


@PROPERTY_SETTINGS
@given(st.data())
def test_lost_after_hours_loses_exactly_the_contacts_that_arrive_closed(
    data: st.DataObject,
) -> None:
    rows, period = data.draw(datasets())
    catalog = data.draw(hours_catalogs(after_hours="lost"))
    cube = load_cube(rows, period)
    result = simulate(follow(catalog, rows), cube)
    check_conservation(result)
    for channel in result.channels:
        assert close(channel.lost, channel.after_hours or 0.0), channel
    assert close(result.totals.lost, sum(c.after_hours or 0.0 for c in result.channels))


def dump(result: Result) -> dict[str, Any]:
    return result.model_dump(mode="json", exclude={"strategy"})


@PROPERTY_SETTINGS
@given(st.data())
def test_hours_open_around_the_clock_change_nothing(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    cube = load_cube(rows, period)
    catalog = data.draw(hours_catalogs())
    around = {
        name: {**channel, "hours": "24/7"}
        for name, channel in catalog.items()
        if "hours" not in channel and name in WITH_AGENTS and data.draw(st.booleans())
    }
    plain = simulate(follow(catalog, rows), cube)
    open_always = simulate(follow({**catalog, **around}, rows), cube)
    assert dump(open_always) == dump(plain)


@FEWER_EXAMPLES
@given(st.data())
def test_weeks_months_and_quarters_add_up_to_the_same_totals(data: st.DataObject) -> None:
    rows, _ = data.draw(datasets(**data.draw(st.sampled_from([{}, DENSE]))))
    if data.draw(st.booleans()):
        rows = at_midnight(rows)
    catalog = data.draw(hours_catalogs())
    strategy = follow(catalog, rows, staffing={"interval": data.draw(st.sampled_from([30, 60]))})
    results = {
        period: simulate(strategy, load_cube(rows, period))
        for period in ("week", "month", "quarter")
    }
    week = results["week"]
    for period, result in results.items():
        check_conservation(result)
        for key, value in week.totals.model_dump().items():
            other = getattr(result.totals, key)
            assert close(value, other) or (
                isinstance(value, float) and math.isclose(value, other, rel_tol=1e-6)
            ), (period, key, value, other)
        assert_same_channels(result, week)
        assert sum(p.days for p in result.periods) == sum(p.days for p in week.periods)


@PROPERTY_SETTINGS
@given(st.data())
def test_a_rule_for_closed_hours_loses_only_the_closed_contacts_it_leaves(
    data: st.DataObject,
) -> None:
    rows, period = data.draw(datasets())
    seen = observed(rows)
    catalog = data.draw(hours_catalogs(after_hours="lost"))
    closing = [name for name in seen if "hours" in catalog[name]]
    targets = [name for name in seen if name not in closing]
    assume(closing and targets)
    source = data.draw(st.sampled_from(closing))
    share = data.draw(st.floats(0.0, 1.0))
    rule = {"from": source, "where": {"hours": "closed"}, "to": {targets[0]: share}}
    strategy = follow(catalog, rows, kind="push", shifts=[rule])
    result = simulate(strategy, load_cube(rows, period))
    check_conservation(result)
    moved = result.channel(source)
    assert close(moved.shifted_out, (moved.after_hours or 0.0) * share)
    assert close(moved.lost, (moved.after_hours or 0.0) * (1 - share))
    assert close(result.totals.lost, sum(c.lost for c in result.channels))


def twice(rows: list[tuple]) -> list[tuple]:
    return [*rows, *rows]


def assert_twice_the_demand(single: Result, double: Result) -> None:
    assert close(double.totals.demand, 2 * single.totals.demand)
    assert close(double.totals.handled, 2 * single.totals.handled)
    assert close(double.totals.lost, 2 * single.totals.lost)
    assert close(double.totals.coverage, single.totals.coverage)
    assert close(double.totals.preferred_coverage, single.totals.preferred_coverage)
    assert double.totals.agent_hours >= single.totals.agent_hours - 1e-9
    for one, two in zip(single.channels, double.channels, strict=True):
        for key in ("demand", "handled", "stayed", "shifted_out", "shifted_in", "lost"):
            assert close(getattr(two, key), 2 * getattr(one, key)), (one.channel, key)
        if one.workload_hours is not None:
            assert close(two.workload_hours, 2 * one.workload_hours), one.channel
        assert close(two.variable_cost, 2 * one.variable_cost), one.channel
        assert two.agent_hours >= one.agent_hours - 1e-9, one.channel


@PROPERTY_SETTINGS
@given(st.data())
def test_every_contact_twice_doubles_contacts_and_workload(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    catalog = data.draw(hours_catalogs())
    strategy = follow(catalog, rows)
    single = simulate(strategy, load_cube(rows, period))
    double = simulate(strategy, load_cube(twice(rows), period))
    assert_twice_the_demand(single, double)
    assert close(double.totals.customer_coverage, single.totals.customer_coverage)


def bands_of(strategy: dict[str, Any], rows: list[tuple], period: str, samples: int) -> Result:
    cube = load_cube(rows, period)
    return api.simulate(api.load_strategy(strategy), cube, samples=samples)


def banded_figures(result: Result) -> list[tuple[str, Any, float]]:
    """(where, band, point figure) for every band of the result."""
    figures = []
    for key in ("cost", "cost_delta", "coverage", "agent_hours"):
        assert result.totals.bands is not None
        figures.append(("totals", getattr(result.totals.bands, key), getattr(result.totals, key)))
        for channel in result.channels:
            assert channel.bands is not None, channel.channel
            figures.append((channel.channel, getattr(channel.bands, key), None))
    return figures


@PROPERTY_SETTINGS
@given(st.data())
def test_volume_two_is_every_contact_written_twice(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    catalog = data.draw(hours_catalogs())
    strategy = follow(catalog, rows)
    doubled = simulate(strategy, load_cube(twice(rows), period))
    drawn = bands_of(
        {**strategy, "uncertainty": {"volume": {"low": 2, "high": 2}}}, rows, period, 3
    )
    bands = drawn.totals.bands
    assert bands is not None
    for key in ("cost", "coverage", "agent_hours"):
        band = getattr(bands, key)
        figure = getattr(doubled.totals, key)
        assert close(band.p5, figure) and close(band.p50, figure) and close(band.p95, figure), key
    for drawn_channel, channel in zip(drawn.channels, doubled.channels, strict=True):
        assert drawn_channel.bands is not None
        assert close(drawn_channel.bands.cost.p50, channel.cost), channel.channel
        assert close(drawn_channel.bands.agent_hours.p50, channel.agent_hours), channel.channel


UNCERTAIN = st.sampled_from(
    [
        ("volume", {"low": 0.5, "high": 3.0}),
        ("volume", {"low": 0.8, "mode": 1.0, "high": 1.5}),
        ("channels.phone.handle_time", {"low": 120, "high": 900}),
        ("channels.email.handle_time", {"mean": 500, "sd": 200}),
        ("channels.chat.concurrency", {"low": 1, "high": 3}),
        ("channels.phone.min_agents", {"low": 0, "high": 4}),
        ("channels.video.hourly_cost", {"low": 10, "high": 60}),
        ("channels.email.shrinkage", {"low": 0, "high": 0.5}),
    ]
)


@FEWER_EXAMPLES
@given(st.data())
def test_bands_are_ordered_and_a_range_of_no_width_is_the_plain_run(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    catalog = data.draw(hours_catalogs())
    uncertainty = dict(data.draw(st.lists(UNCERTAIN, min_size=1, max_size=3)))
    strategy = follow(catalog, rows, uncertainty=uncertainty)
    samples = data.draw(st.integers(1, 25))
    drawn = bands_of(strategy, rows, period, samples)
    assert drawn.totals.bands is not None and drawn.totals.bands.draws == samples
    for where, band, _ in banded_figures(drawn):
        assert band.p5 <= band.p50 + 1e-9 and band.p50 <= band.p95 + 1e-9, (where, band)
    # each key held at its base value: every draw is the plain run
    base = simulate(follow(catalog, rows), load_cube(rows, period))
    held = {
        key: {"low": value, "high": value}
        for key, value in (
            (key, 1.0 if key == "volume" else base_value(catalog, key)) for key in uncertainty
        )
    }
    still = bands_of(follow(catalog, rows, uncertainty=held), rows, period, 3)
    for where, band, figure in banded_figures(still):
        assert band.p5 == band.p50 == band.p95, (where, band)
        if figure is not None:
            assert close(band.p50, figure), (where, band, figure)
    assert close(still.totals.cost, base.totals.cost)
    assert still.totals.bands is not None
    assert close(still.totals.bands.cost.p50, base.totals.cost)


def base_value(catalog: dict[str, Any], key: str) -> float:
    _, channel, field = key.split(".")
    defaults = {
        "concurrency": 1,
        "min_agents": 1 if "hours" in catalog[channel] else 0,
        "shrinkage": 0,
    }
    return catalog[channel].get(field, defaults.get(field))


@PROPERTY_SETTINGS
@given(st.data())
def test_dilution_figures_stay_within_their_bounds(data: st.DataObject) -> None:
    rows, period = data.draw(datasets())
    catalog = data.draw(hours_catalogs())
    interval = data.draw(st.sampled_from([15, 30, 60]))
    result = simulate(
        follow(catalog, rows, staffing={"interval": interval}), load_cube(rows, period)
    )
    totals = result.totals
    assert 0.0 <= totals.floor_waste <= 1.0
    assert totals.pooling_overhead >= -1e-9
    assert totals.effective_channels >= 1.0 - 1e-9 or totals.handled == 0
    for channel in result.channels:
        if channel.occupancy is not None:
            assert 0.0 <= channel.occupancy <= 1.0 + 1e-9, channel
        if channel.response_level is not None:
            assert 0.0 <= channel.response_level <= 1.0 + 1e-9, channel
        if channel.backlog_peak is not None:
            assert channel.backlog_peak >= 0.0


#: Many contacts over a few days: queues, backlogs and floors all have work.
DENSE = {"days": 9, "rows": 150}


@PROPERTY_SETTINGS
@given(st.data())
def test_any_valid_strategy_with_hours_conserves_contacts_and_costs(data: st.DataObject) -> None:
    rows, period = data.draw(datasets(**DENSE))
    seen = observed(rows)
    strategy = data.draw(strategies(seen))
    strategy["channels"] = data.draw(hours_catalogs())
    for rule in strategy["shifts"]:
        if "hours" in strategy["channels"][rule["from"]] and data.draw(st.booleans()):
            hours = data.draw(st.sampled_from(["open", "closed"]))
            rule["where"] = {**rule.get("where", {}), "hours": hours}
    result = simulate(strategy, load_cube(rows, period))
    check_conservation(result)
    days = sum(p.days for p in result.periods)
    assert close(result.totals.cost_per_year, result.totals.cost * 365 / days)
    for channel in result.channels:
        if channel.after_hours is not None:
            assert -1e-9 <= channel.after_hours <= channel.demand + 1e-9, channel


@FEWER_EXAMPLES
@given(st.data())
def test_a_longer_interval_is_open_longer(data: st.DataObject) -> None:
    rows, period = data.draw(datasets(**DENSE))
    catalog = data.draw(hours_catalogs())
    cube = load_cube(rows, period)
    by_interval = {
        minutes: simulate(follow(catalog, rows, staffing={"interval": minutes}), cube)
        for minutes in (15, 30, 60)
    }
    for shorter, longer in ((15, 30), (30, 60), (15, 60)):
        for short, long in zip(
            by_interval[shorter].channels, by_interval[longer].channels, strict=True
        ):
            if short.open_hours is None:
                assert long.open_hours is None
                continue
            assert long.open_hours >= short.open_hours - 1e-9, (shorter, longer, short.channel)
            assert long.after_hours <= short.after_hours + 1e-9, (shorter, longer, short.channel)


SET_KEYS = st.sampled_from(
    [
        ("channels.phone.handle_time", st.integers(60, 900)),
        ("channels.email.handle_time", st.integers(60, 3000)),
        ("channels.chat.concurrency", st.sampled_from([1, 1.5, 2, 3])),
        ("channels.phone.min_agents", st.integers(0, 4)),
        ("channels.email.min_agents", st.integers(0, 3)),
        ("channels.video.hourly_cost", st.integers(10, 60)),
        ("channels.email.shrinkage", st.sampled_from([0, 0.1, 0.45])),
        ("channels.social.max_occupancy", st.sampled_from([0.5, 0.8, 1])),
        ("channels.chat.service_level.target", st.sampled_from([0.5, 0.8, 0.95])),
    ]
)


@PROPERTY_SETTINGS
@given(st.data())
def test_a_draw_at_a_value_is_the_run_with_that_value_set(data: st.DataObject) -> None:
    rows, period = data.draw(datasets(**data.draw(st.sampled_from([{}, DENSE]))))
    catalog = data.draw(hours_catalogs())
    key, values = data.draw(SET_KEYS)
    value = data.draw(values)
    cube = load_cube(rows, period)
    strategy = follow(catalog, rows, uncertainty={key: {"low": value, "high": value}})
    drawn = api.simulate(api.load_strategy(strategy), cube, samples=2)
    plain = api.simulate(api.load_strategy(follow(catalog, rows), [f"{key}={value}"]), cube)
    assert drawn.totals.bands is not None
    for metric in ("cost", "cost_delta", "coverage", "agent_hours"):
        band = getattr(drawn.totals.bands, metric)
        assert close(band.p50, getattr(plain.totals, metric)), (metric, band)
        for banded, channel in zip(drawn.channels, plain.channels, strict=True):
            assert banded.bands is not None
            figure = getattr(channel, "coverage", None) if metric == "coverage" else None
            if metric in ("cost", "agent_hours"):
                figure = getattr(channel, metric)
            if figure is not None:
                assert close(getattr(banded.bands, metric).p50, figure), (metric, channel.channel)


@FEWER_EXAMPLES
@given(st.data())
def test_more_volume_never_needs_fewer_agent_hours(data: st.DataObject) -> None:
    rows, period = data.draw(datasets(**data.draw(st.sampled_from([{}, DENSE]))))
    catalog = data.draw(hours_catalogs())
    low, high = sorted((data.draw(st.floats(0.1, 3.0)), data.draw(st.floats(0.1, 3.0))))
    strategy = follow(catalog, rows, uncertainty={"volume": {"low": low, "high": high}})
    cube = load_cube(rows, period)
    tornado = api.sensitivity(api.load_strategy(strategy), cube, metric="agent_hours")
    (volume,) = tornado.keys
    assert volume.at_low <= volume.at_high + 1e-9
    cost = api.sensitivity(api.load_strategy(strategy), cube, metric="cost").keys[0]
    assert cost.at_low <= cost.at_high + 1e-9
    coverage = api.sensitivity(api.load_strategy(strategy), cube, metric="coverage").keys[0]
    assert close(coverage.at_low, coverage.at_high)


@PROPERTY_SETTINGS
@given(st.data())
def test_dates_without_a_time_are_after_hours_only_on_days_closed_throughout(
    data: st.DataObject,
) -> None:
    rows, period = data.draw(datasets(**data.draw(st.sampled_from([{}, DENSE]))))
    rows = at_midnight(rows)
    catalog = {name: dict(channel) for name, channel in CATALOG.items()}
    weeks = {
        name: data.draw(st.sampled_from(list(WEEKS)))
        for name in data.draw(st.lists(st.sampled_from(WITH_AGENTS), max_size=4, unique=True))
    }
    for name, week in weeks.items():
        catalog[name] |= {
            "hours": WEEKS[week][0],
            "after_hours": data.draw(st.sampled_from(["next_open", "lost"])),
        }
    result = simulate(follow(catalog, rows), load_cube(rows, period))
    assert not result.data.time_of_day
    check_conservation(result)
    for channel in result.channels:
        if channel.channel not in weeks or not channel.offered:
            assert channel.after_hours is None
            continue
        open_days = WEEKS[weeks[channel.channel]][1]
        closed = sum(
            1
            for row in rows
            if row[2] == channel.channel
            and datetime.strptime(row[1][:10], "%Y-%m-%d").weekday() not in open_days
        )
        assert close(channel.after_hours, float(closed)), (channel.channel, weeks[channel.channel])
        if catalog[channel.channel]["after_hours"] == "lost":
            assert close(channel.lost, float(closed))


@PROPERTY_SETTINGS
@given(st.data())
def test_the_replay_queues_every_contact_a_live_channel_handles(data: st.DataObject) -> None:
    rows, period = data.draw(datasets(**DENSE))
    # a time of day (cx reads the data by 15-minute intervals): something to replay
    assume(any(row[1][11:16] >= "00:15" for row in rows))
    catalog = data.draw(hours_catalogs())
    cube = load_cube(rows, period, keep_rows=True)
    interval = data.draw(st.sampled_from([15, 30, 60]))
    result = api.simulate(
        api.load_strategy(follow(catalog, rows)), cube, interval=interval, replay=True
    )
    check_conservation(result)
    for channel in result.channels:
        if channel.replay is None:
            continue
        assert channel.replay.contacts == round(channel.handled), channel.channel
        if channel.replay.service_level is not None:
            assert 0.0 <= channel.replay.service_level <= 1.0


@PROPERTY_SETTINGS
@given(st.data())
def test_a_drawn_share_is_the_run_with_that_share_set(data: st.DataObject) -> None:
    rows, period = data.draw(datasets(**data.draw(st.sampled_from([{}, DENSE]))))
    seen = observed(rows)
    strategy = data.draw(strategies(seen))
    strategy["channels"] = data.draw(hours_catalogs())
    for rule in strategy["shifts"]:
        if "hours" in strategy["channels"][rule["from"]] and data.draw(st.booleans()):
            rule["where"] = {**rule.get("where", {}), "hours": "closed"}
    keys: list[tuple[str, float]] = []
    for index, rule in enumerate(strategy["shifts"]):
        for target, share in rule["to"].items():
            keys.append((f"shifts.{index}.to.{target}", 1 - sum(rule["to"].values()) + share))
        keys.append((f"shifts.{index}.containment", 1.0))
        keys.append((f"shifts.{index}.incentive_cost", 5.0))
    keys += [(f"fallback.{name}.accept", 1.0) for name in strategy["fallback"]]
    assume(keys)
    key, highest = data.draw(st.sampled_from(keys))
    value = round(data.draw(st.floats(0.0, highest)), 6)
    assume(value <= highest)
    cube = load_cube(rows, period)
    drawn_strategy = {**strategy, "uncertainty": {key: {"low": value, "high": value}}}
    drawn = api.simulate(api.load_strategy(drawn_strategy), cube, samples=2)
    plain = api.simulate(api.load_strategy(strategy, [f"{key}={value}"]), cube)
    assert drawn.totals.bands is not None
    for metric in ("cost", "cost_delta", "coverage", "agent_hours"):
        band = getattr(drawn.totals.bands, metric)
        assert close(band.p50, getattr(plain.totals, metric)), (metric, band, key, value)
    for banded, channel in zip(drawn.channels, plain.channels, strict=True):
        assert banded.bands is not None
        assert close(banded.bands.cost.p50, channel.cost), channel.channel
        assert close(banded.bands.agent_hours.p50, channel.agent_hours), channel.channel


@PROPERTY_SETTINGS
@given(
    hours=st.lists(st.booleans(), min_size=1, max_size=120),
    interval=st.sampled_from([15, 30, 60]),
    within=st.integers(60, 2 * 86400),
)
def test_a_contact_due_while_closed_is_planned_for_the_closing_before(
    hours: list[bool], interval: int, within: int
) -> None:
    is_open = np.array(hours)
    length = interval * 60.0
    planned = planning_deadlines(is_open, interval_minutes=interval, within=within)
    for t, due in enumerate(planned.tolist()):
        deadline = t * length + within
        k = math.ceil(within / length) - 1 + t  # the interval the deadline falls in
        open_between = [j for j in range(t, min(k, len(hours))) if hours[j]]
        if k < len(hours) and not hours[k] and open_between:
            assert due == (open_between[-1] + 1) * length  # the end of the last one
        else:
            assert due == deadline  # bit for bit


@PROPERTY_SETTINGS
@given(
    arrivals=st.lists(st.floats(0.0, 50.0), min_size=1, max_size=60),
    interval=st.sampled_from([15, 30, 60]),
    within=st.integers(60, 86400),
    target=st.sampled_from([0.5, 0.9, 1.0]),
)
def test_open_around_the_clock_a_response_plan_is_for_the_deadlines_themselves(
    arrivals: list[float], interval: int, within: int, target: float
) -> None:
    """No closed interval: the contacts are planned for their deadlines, exactly, and a
    plan with hours that close only after the last deadline is the same plan."""
    count = len(arrivals)
    ahead = math.ceil(within / (interval * 60.0))
    always = np.ones(count + ahead, dtype=bool)
    planned = planning_deadlines(always, interval_minutes=interval, within=within)
    assert planned.tolist() == [t * interval * 60.0 + within for t in range(count + ahead)]
    closing = np.concatenate([always, np.zeros(3, dtype=bool)])
    common = {"interval_minutes": interval, "within": float(within), "target": target,
              "handle_time": 300.0}  # fmt: skip
    padded = np.concatenate([arrivals, np.zeros(ahead + 3)])
    around = plan_backlog(padded, np.ones(padded.size, dtype=bool), np.zeros(padded.size), **common)
    closed = plan_backlog(padded, closing, np.zeros(padded.size), **common)
    assert around.agents[: count + ahead].tolist() == closed.agents[: count + ahead].tolist()
    assert (around.answered_in_time, around.peak) == (closed.answered_in_time, closed.peak)
