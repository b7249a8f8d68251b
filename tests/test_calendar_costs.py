"""Costs that do not depend on how time is sliced (§11): fixed cost per calendar month,
prorated by the days of the data's span; partial periods; the yearly rate."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cx import api
from cx.data.periods import months_offered

STRATEGY = {
    "version": 1,
    "name": "calendar",
    "kind": "push",
    "channels": {
        "phone": {"mode": "live", "handle_time": 300, "hourly_cost": 30, "fixed_cost": 1000},
        "chat": {"mode": "live", "handle_time": 400, "hourly_cost": 25, "fixed_cost": 310},
        "web": {"mode": "self_service", "cost_per_contact": 0.2, "fixed_cost": 2900},
        "branch": {"mode": "live", "cost_per_contact": 12, "fixed_cost": 5000},
    },
    "offer": ["phone", "chat", "web"],
    "shifts": [{"from": "phone", "to": {"web": 0.3}, "containment": 0.8, "incentive_cost": 1}],
    "fallback": {"branch": {"to": "phone", "accept": 0.5}},
}


def write_contacts(path: Path, first: date, last: date) -> Path:
    """A few contacts on every channel every day from ``first`` to ``last``."""
    lines = ["customer_id,timestamp,channel"]
    day, number = first, 0
    channels = ("phone", "phone", "chat", "web", "branch")
    while day <= last:
        for hour in (9, 11, 14):
            for channel in channels:
                number += 1
                stamp = datetime(day.year, day.month, day.day, hour, number % 60)
                lines.append(f"c{number % 97},{stamp.isoformat()},{channel}")
        day += timedelta(days=1)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fixed_cost_is_prorated_by_calendar_days(tmp_path: Path) -> None:
    data = write_contacts(tmp_path / "c.csv", date(2024, 1, 15), date(2024, 2, 14))
    result = api.simulate(api.load_strategy(STRATEGY), api.load_interactions(data))
    months = 17 / 31 + 14 / 29  # 15–31 January, 1–14 February (2024 is a leap year)
    fixed = {c.channel: c.fixed_cost for c in result.channels}
    assert fixed["phone"] == pytest.approx(1000 * months)
    assert fixed["web"] == pytest.approx(2900 * months)
    assert fixed["branch"] == 0.0  # retired: not offered, no fixed cost
    january, february = result.periods
    assert (january.days, january.partial) == (17, True)
    assert (february.days, february.partial) == (14, True)
    assert result.totals.cost_per_year == pytest.approx(result.totals.cost * 365 / 31)
    assert sum(p.cost for p in result.periods) == pytest.approx(result.totals.cost)


def test_full_months_are_not_partial(tmp_path: Path) -> None:
    data = write_contacts(tmp_path / "c.csv", date(2024, 3, 1), date(2024, 4, 30))
    result = api.simulate(api.load_strategy(STRATEGY), api.load_interactions(data))
    assert [(p.period, p.days, p.partial) for p in result.periods] == [
        ("2024-03", 31, False),
        ("2024-04", 30, False),
    ]
    phone = result.channel("phone")
    assert phone.fixed_cost == pytest.approx(2000)


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2024, 1, 10), date(2024, 4, 3)), (date(2023, 12, 28), date(2024, 1, 9))],
)
def test_total_cost_is_the_same_for_every_period(tmp_path: Path, first: date, last: date) -> None:
    data = write_contacts(tmp_path / "c.csv", first, last)
    strategy = api.load_strategy(STRATEGY)
    totals = {}
    for period in ("week", "month", "quarter"):
        result = api.simulate(strategy, api.load_interactions(data, period=period))
        totals[period] = result.totals
        assert sum(p.cost for p in result.periods) == pytest.approx(result.totals.cost)
        assert sum(p.days for p in result.periods) == (last - first).days + 1
    for period in ("month", "quarter"):
        assert totals[period].cost == pytest.approx(totals["week"].cost, rel=1e-9)
        assert totals[period].baseline_cost == pytest.approx(totals["week"].baseline_cost, rel=1e-9)
        assert totals[period].cost_per_year == pytest.approx(totals["week"].cost_per_year, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    first=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    length=st.integers(0, 800),
    cut=st.integers(1, 120),
)
def test_months_offered_add_up_however_the_span_is_cut(first: date, length: int, cut: int) -> None:
    last = first + timedelta(days=length)
    start, end = first - timedelta(days=first.day), last + timedelta(days=40)
    whole = months_offered(first, last, start, end)
    pieces, edge = 0.0, start
    while edge < end:
        following = min(edge + timedelta(days=cut), end)
        pieces += months_offered(first, last, edge, following)
        edge = following
    assert pieces == pytest.approx(whole, rel=1e-12)
    assert whole == pytest.approx(
        sum(
            1 / ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - day.replace(day=1)).days
            for day in (first + timedelta(days=i) for i in range(length + 1))
        ),
        rel=1e-12,
    )
