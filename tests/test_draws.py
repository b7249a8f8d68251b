"""Draws evaluated together (DESIGN §12, cx.replay.draws): every draw's figures equal
those of evaluating the strategy again at its values, whatever the strategy staffs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, write_csv, write_strategy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cx import api
from cx.data.cube import Cube
from cx.models.strategy import Strategy
from cx.replay.bands import BAND_METRICS, Evaluator, Figures, draw, resolved_keys
from cx.replay.draws import DrawBatch, DrawnFigures, batch_for, figures_together
from cx.replay.engine import SimulationOptions

EXAMPLE = ROOT / "examples" / "interactions.csv"
DIGITAL_FIRST = str(ROOT / "strategies" / "digital-first.yaml")
FOLLOW = str(ROOT / "strategies" / "follow-everywhere.yaml")


@pytest.fixture(scope="module")
def cube() -> Cube:
    return api.load_interactions(EXAMPLE)


def _strategy(base: str, uncertainty: dict[str, str], *settings: str) -> Strategy:
    overrides = [f"uncertainty.{key}={spread}" for key, spread in uncertainty.items()]
    return api.load_strategy(base, [*settings, *overrides])


def _batch(
    strategy: Strategy,
    cube: Cube,
    drawn: dict[str, np.ndarray],
    options: SimulationOptions | None = None,
) -> DrawBatch | None:
    options = options or SimulationOptions()
    evaluation = api.evaluate(strategy, cube, agents=options.agents)
    return batch_for(evaluation, cube, options, resolved_keys(strategy), drawn)


def _assert_totals_match(together: DrawnFigures, alone: Figures, index: int) -> None:
    """Draw ``index``'s totals, today's cost at the draw (the verdict's shares) included,
    are the same together and alone."""
    assert set(together.totals) == set(alone.totals) == {*BAND_METRICS, "baseline_cost"}
    for metric, value in alone.totals.items():
        assert together.totals[metric][index] == pytest.approx(
            value, rel=1e-9, abs=1e-6
        ), (metric, index)


def _assert_batch_is_exact(
    strategy: Strategy,
    cube: Cube,
    drawn: dict[str, np.ndarray],
    options: SimulationOptions | None = None,
    indices: list[int] | None = None,
) -> None:
    """Each draw of the batch (those at ``indices``) equals the strategy evaluated again
    at its values."""
    options = options or SimulationOptions()
    evaluation = api.evaluate(strategy, cube, agents=options.agents)
    batch = batch_for(evaluation, cube, options, resolved_keys(strategy), drawn)
    assert batch is not None, "these keys are multilinear: the draws go together"
    together = batch.figures()
    one_by_one = Evaluator(evaluation, cube, options)
    for index in indices if indices is not None else range(len(next(iter(drawn.values())))):
        alone = one_by_one.figures({key: float(values[index]) for key, values in drawn.items()})
        _assert_totals_match(together, alone, index)
        for metric in BAND_METRICS:
            for name, figures in alone.channels.items():
                assert together.channels[name][metric][index] == pytest.approx(
                    figures[metric], rel=1e-9, abs=1e-6
                ), (name, metric, index)


def test_shares_containment_handle_time_price_and_volume(cube: Cube) -> None:
    strategy = api.load_strategy(str(ROOT / "strategies" / "digital-first-uncertain.yaml"))
    drawn = draw(strategy, 9, seed=3)
    _assert_batch_is_exact(strategy, cube, drawn)


def test_fallbacks_incentives_and_an_async_handle_time(cube: Cube) -> None:
    strategy = _strategy(
        DIGITAL_FIRST,
        {
            "fallback.branch.accept": "{low: 0.3, high: 0.9}",
            "fallback.video.accept": "{low: 0.5, high: 0.9}",
            "shifts.0.incentive_cost": "{low: 0, high: 2}",
            "shifts.1.to.chat": "{low: 0.1, high: 0.5}",
            "channels.email.handle_time": "{low: 300, high: 900}",
            "channels.phone.shrinkage": "{low: 0.2, high: 0.4}",
            "channels.email.shrinkage": "{mean: 0.25, sd: 0.05}",
        },
    )
    _assert_batch_is_exact(strategy, cube, draw(strategy, 17, seed=4))  # 16 corners


def test_the_ends_of_a_range_where_a_channel_gets_no_contacts(tmp_path: Path) -> None:
    """At a share of exactly 0 the shifted channel has no intervals at all (not even its
    floor); a draw there must not staff it, one just above must."""
    rows = [
        ("C1", f"2024-01-0{1 + day} {hour:02d}:{minute:02d}:00", "phone", "300")
        for day in range(3)
        for hour in range(8, 12)
        for minute in (0, 20, 40)
    ]
    data = write_csv(tmp_path / "calls.csv", rows, ["customer_id", "timestamp", "channel",
                                                     "handle_time"])  # fmt: skip
    path = write_strategy(
        tmp_path / "s.yaml",
        {
            "version": 1,
            "name": "to-chat",
            "kind": "push",
            "channels": {
                "phone": {"mode": "live", "hourly_cost": 30, "handle_time": 300},
                "chat": {"mode": "live", "hourly_cost": 25, "handle_time": 400, "min_agents": 2},
            },
            "offer": ["phone", "chat"],
            "shifts": [{"from": "phone", "to": {"chat": 0.2}}],
            "uncertainty": {"shifts.0.to.chat": {"low": 0.0, "high": 0.4}},
        },
    )
    cube = api.load_interactions(data)
    strategy = api.load_strategy(path)
    drawn = {"shifts.0.to.chat": np.array([0.0, 0.4, 1e-9, 0.2, 0.0])}
    _assert_batch_is_exact(strategy, cube, drawn)
    batch = _batch(strategy, cube, drawn)
    assert batch is not None
    chat_hours = batch.figures().channels["chat"]["agent_hours"]
    assert chat_hours[0] == chat_hours[4] == 0.0
    assert chat_hours[2] >= 2 * 12  # the floor of 2 agents in each of its 12 hours


def test_hold_patience_and_fixed_agents(cube: Cube) -> None:
    strategy = _strategy(
        DIGITAL_FIRST,
        {
            "shifts.0.to.app": "{low: 0.2, high: 0.6}",
            "channels.chat.handle_time": "{low: 400, high: 700}",
        },
        "staffing.hold=0.9",
        "channels.phone.patience=240",
    )
    _assert_batch_is_exact(strategy, cube, draw(strategy, 5, seed=6))
    fixed = SimulationOptions(agents={"chat": 9})
    _assert_batch_is_exact(strategy, cube, draw(strategy, 4, seed=7), fixed)


def test_opening_hours_and_hourly_handle_times(cube: Cube, tmp_path: Path) -> None:
    path = write_strategy(
        tmp_path / "hours.yaml",
        {
            "version": 1,
            "extends": DIGITAL_FIRST,
            "name": "night-chat",
            "kind": "push",
            "channels": {
                "phone": {"hours": {"mon-fri": "08:00-20:00"}, "after_hours": "next_open"},
                "chat": {
                    "hours": {"mon-sun": "07:00-23:00"},
                    "after_hours": "lost",
                    "handle_time": "by_hour",
                },
            },
            "shifts": [
                {"from": "phone", "where": {"hours": "closed"}, "to": {"chat": 0.4},
                 "containment": 0.7}
            ],
            "uncertainty": {
                "shifts.0.to.chat": {"low": 0.2, "high": 0.7},
                "shifts.0.containment": {"low": 0.5, "high": 0.9},
                "volume": {"low": 0.8, "high": 1.2},
            },
        },
    )
    strategy = api.load_strategy(path)
    _assert_batch_is_exact(strategy, cube, draw(strategy, 9, seed=8))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    share=st.floats(0.0, 0.7),
    containment=st.floats(0.0, 1.0),
    volume=st.floats(0.5, 2.0),
)
def test_any_draw_equals_its_own_evaluation(
    cube: Cube, share: float, containment: float, volume: float
) -> None:
    strategy = _strategy(
        DIGITAL_FIRST,
        {
            "shifts.0.to.app": "{low: 0, high: 0.7}",
            "shifts.0.containment": "{low: 0, high: 1}",
            "volume": "{low: 0.5, high: 2}",
        },
    )
    # The corners span these draws, so the one of interest sits anywhere inside, or on
    # a face of the box (8 draws: one per corner at least).
    drawn = {
        "shifts.0.to.app": np.array([0.0, 0.7, *[share] * 6]),
        "shifts.0.containment": np.array([1.0, 0.0, *[containment] * 6]),
        "volume": np.array([0.5, 2.0, *[volume] * 6]),
    }
    _assert_batch_is_exact(strategy, cube, drawn, indices=[0, 1, 2])


def test_queue_settings_drawn_row_by_row(cube: Cube) -> None:
    """Concurrency, occupancy, the floor and the service-level target act on each
    interval's agents alone: they are staffed per draw, for live and async channels."""
    strategy = _strategy(
        DIGITAL_FIRST,
        {
            "shifts.0.to.app": "{low: 0.3, high: 0.6}",
            "channels.chat.concurrency": "{low: 1.5, high: 3}",
            "channels.phone.max_occupancy": "{low: 0.7, high: 0.95}",
            "channels.phone.min_agents": "{low: 0, high: 4}",
            "channels.phone.service_level.target": "{low: 0.7, high: 0.9}",
            "channels.chat.service_level.within": "{low: 30, high: 120}",
            "channels.email.concurrency": "{low: 1, high: 2}",
            "channels.email.max_occupancy": "{low: 0.8, high: 1}",
        },
    )
    _assert_batch_is_exact(strategy, cube, draw(strategy, 8, seed=9))
    # patience: set in the file, or only by the draws (Erlang A at every draw)
    for overrides in ([], ["channels.phone.patience=240"]):
        patient = _strategy(
            DIGITAL_FIRST,
            {"channels.phone.patience": "{low: 60, high: 600}", "volume": "{low: 0.9, high: 1.1}"},
            *overrides,
        )
        _assert_batch_is_exact(patient, cube, draw(patient, 4, seed=10))


def test_a_ramps_length_splits_the_draws_into_groups(cube: Cube) -> None:
    """A ramp of 2 to 6 months takes five values: the strategy is evaluated at each, and
    the draws of each value go together; every draw equals its own evaluation."""
    strategy = _strategy(
        DIGITAL_FIRST,
        {
            "shifts.0.ramp.periods": "{low: 2, high: 6}",
            "shifts.0.to.app": "{low: 0.3, high: 0.6}",
            "volume": "{low: 0.9, high: 1.1}",
        },
    )
    drawn = draw(strategy, 40, seed=13)
    evaluation = api.evaluate(strategy, cube)
    keys = resolved_keys(strategy)
    together = figures_together(evaluation, cube, SimulationOptions(), keys, drawn)
    assert together is not None
    assert len(set(drawn["shifts.0.ramp.periods"])) == 5
    one_by_one = Evaluator(evaluation, cube, SimulationOptions())
    for index in range(0, 40, 7):
        alone = one_by_one.figures({key: float(values[index]) for key, values in drawn.items()})
        _assert_totals_match(together, alone, index)
    # 2 draws per ramp value cannot pay for 4 corners each: one by one
    few = {name: values[:6] for name, values in drawn.items()}
    assert figures_together(evaluation, cube, SimulationOptions(), keys, few) is None


@pytest.mark.parametrize(
    ("base", "key", "spread"),
    [
        (DIGITAL_FIRST, "journeys.window_hours", "{low: 24, high: 96}"),
        (DIGITAL_FIRST, "dilution.subscale_agents", "{low: 2, high: 5}"),
    ],
)
def test_keys_that_are_not_multilinear_are_drawn_one_by_one(
    cube: Cube, base: str, key: str, spread: str
) -> None:
    strategy = _strategy(base, {key: spread})
    assert _batch(strategy, cube, draw(strategy, 20, seed=1)) is None
    result = api.simulate(strategy, cube, samples=6, seed=1)
    assert result.totals.bands is not None
    assert result.totals.bands.agent_hours.p5 <= result.totals.bands.agent_hours.p95


def test_a_response_targets_backlog_planned_per_draw(cube: Cube) -> None:
    """An async channel with a response target carries its backlog from interval to
    interval: each draw plans it on its own interpolated arrivals, with its settings."""
    night = _strategy(
        str(ROOT / "strategies" / "night-phone-to-chat.yaml"),
        {
            "shifts.0.to.chat": "{low: 0.2, high: 0.5}",
            "volume": "{low: 0.8, high: 1.3}",
            "channels.email.handle_time": "{low: 300, high: 600}",
            "channels.email.min_agents": "{low: 0, high: 2}",
            "channels.email.concurrency": "{low: 1, high: 2}",
        },
    )
    _assert_batch_is_exact(night, cube, draw(night, 5, seed=14))


def test_an_async_floor_over_opening_hours_per_draw(cube: Cube) -> None:
    """An async channel with opening hours and no response target is staffed per day for
    the greater of its workload and its floor: each draw on its own interpolated
    workload, against its own floor, concurrency and handle time."""
    strategy = _strategy(
        DIGITAL_FIRST,
        {
            "shifts.1.to.chat": "{low: 0.1, high: 0.6}",
            "volume": "{low: 0.5, high: 1.5}",
            "channels.email.handle_time": "{low: 300, high: 600}",
            "channels.email.min_agents": "{low: 0, high: 2}",
            "channels.email.concurrency": "{low: 1, high: 2}",
            "channels.email.shrinkage": "{low: 0.1, high: 0.3}",
        },
        'channels.email.hours={mon-fri: "09:00-10:00"}',
    )
    _assert_batch_is_exact(strategy, cube, draw(strategy, 9, seed=15))


def test_hold_with_an_uncertain_volume(cube: Cube) -> None:
    """Scaled counts vary more per contact: each draw's dispersion is its volume's."""
    held = _strategy(
        DIGITAL_FIRST,
        {"volume": "{low: 0.5, high: 3}", "shifts.0.to.app": "{low: 0.3, high: 0.6}"},
        "staffing.hold=0.95",
    )
    _assert_batch_is_exact(held, cube, draw(held, 5, seed=12))


def test_shares_past_one_at_the_highest_draws_are_drawn_one_by_one(cube: Cube) -> None:
    """Normal draws are clipped to [0, 1] only: the highest of 200 draws of app and web
    together move more than all contacts, and such a corner's flows are not multilinear."""
    strategy = _strategy(
        DIGITAL_FIRST,
        {"shifts.0.to.app": "{mean: 0.5, sd: 0.08}", "shifts.0.to.web": "{mean: 0.2, sd: 0.08}"},
    )
    drawn = draw(strategy, 200, seed=1)
    assert drawn["shifts.0.to.app"].max() + drawn["shifts.0.to.web"].max() > 1.0
    assert _batch(strategy, cube, drawn) is None
    assert _batch(strategy, cube, {k: v.clip(max=0.45) for k, v in drawn.items()}) is not None


def test_more_corners_than_draws_are_drawn_one_by_one(cube: Cube) -> None:
    strategy = _strategy(
        DIGITAL_FIRST,
        {
            "shifts.0.to.app": "{low: 0.2, high: 0.4}",
            "shifts.0.containment": "{low: 0.6, high: 0.9}",
            "volume": "{low: 0.9, high: 1.1}",
        },
    )
    assert _batch(strategy, cube, draw(strategy, 7, seed=1)) is None  # 8 corners
    assert _batch(strategy, cube, draw(strategy, 8, seed=1)) is not None


def test_rules_on_journey_steps_scale_with_the_volume() -> None:
    """A rule aimed at follow-ups reads the outcome tables' demand: `volume` scales it
    like every other count, and its draws go together too."""
    cube = api.load_interactions(EXAMPLE, outcomes=True)
    strategy = _strategy(
        str(ROOT / "strategies" / "follow-ups-to-chat.yaml"),
        {"shifts.0.to.chat": "{low: 0.3, high: 0.7}", "volume": "{low: 0.9, high: 1.5}"},
    )
    _assert_batch_is_exact(strategy, cube, draw(strategy, 5, seed=2))
    point = api.simulate(strategy, cube)
    follow_ups = str(ROOT / "strategies" / "follow-ups-to-chat.yaml")
    grown = api.simulate(
        _strategy(follow_ups, {"volume": "{low: 1.5, high: 1.5}"}), cube, samples=2
    )
    assert grown.totals.bands is not None
    # half as many contacts again: more agents (less than half more: larger queues pool)
    assert grown.totals.bands.agent_hours.p50 > point.totals.agent_hours * 1.1
    assert grown.totals.bands.cost.p50 > point.totals.cost * 1.05


def test_a_volume_scales_queues_behind_opening_hours(tmp_path: Path) -> None:
    """A `volume` of 2 staffs like data with every contact twice: also where opening
    hours recompute the arrival shares from the scaled counts, and where some callers
    hung up before any queue (observed patience)."""
    rows = [
        {
            "customer_id": f"C{day}-{hour}-{i}",
            "timestamp": f"2024-01-0{1 + day} {hour:02d}:{7 * i:02d}:00",
            "channel": "phone",
            "handle_time": 240 + 10 * i,
            "wait_time": 0 if i == 0 else 20 + i,
            "abandoned": "true" if i < 2 else "false",
        }
        for day in range(5)
        for hour in range(7, 21)
        for i in range(8)
    ]
    once = write_csv(tmp_path / "once.csv", rows)
    twice = write_csv(tmp_path / "twice.csv", rows + rows)
    phone = {"mode": "live", "hourly_cost": 20, "hours": {"mon-fri": "08:00-18:00"},
             "patience": "observed"}  # fmt: skip
    strategy = {"version": 1, "name": "hours", "kind": "follow", "channels": {"phone": phone}}
    doubled = api.simulate(api.load_strategy(strategy), api.load_interactions(twice))
    drawn = api.simulate(
        api.load_strategy({**strategy, "uncertainty": {"volume": {"low": 2, "high": 2}}}),
        api.load_interactions(once),
        samples=2,
    )
    bands = drawn.channel("phone").bands
    assert bands is not None
    assert bands.agent_hours.p50 == pytest.approx(doubled.channel("phone").agent_hours)
