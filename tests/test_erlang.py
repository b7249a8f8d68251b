"""Tests of cx.staffing.erlang: hand-checked references, stability, monotonicity, Erlang A."""

from __future__ import annotations

import heapq
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cx.staffing.erlang import (
    average_wait,
    erlang_a,
    erlang_b,
    erlang_c,
    required_agents,
    required_agents_erlang_a,
    service_level,
)

# --------------------------------------------------------------------------- references


def _log_space_erlang_b(n: int, a: float) -> float:
    """Independent reference: B = p(N)/Σ_{k<=N} p(k) with Poisson terms from lgamma."""
    k = np.arange(n + 1)
    log_terms = k * math.log(a) - np.array([math.lgamma(i + 1.0) for i in range(n + 1)])
    top = log_terms.max()
    return math.exp(log_terms[-1] - top) / float(np.exp(log_terms - top).sum())


def test_reference_1_two_hundred_calls_aht_180() -> None:
    # 200 calls in one hour, AHT 180 s → A = 200·180/3600 = 10 erlangs; 80 % in 20 s.
    load = 200 * 180 / 3600
    assert load == pytest.approx(10.0)
    assert int(required_agents(load, 180, 0.8, 20)) == 14
    sl = service_level([13, 14], load, 180, 20)
    assert sl[1] == pytest.approx(0.888, abs=1e-3)
    assert sl[0] == pytest.approx(0.796, abs=1e-3)
    assert load / 14 == pytest.approx(0.714, abs=1e-3)


def test_reference_2_three_hundred_sixty_calls_half_hour() -> None:
    # 360 calls per 30 min, AHT 240 s → A = 360·240/1800 = 48; 55 agents, 15 s.
    load = 360 * 240 / 1800
    assert load == pytest.approx(48.0)
    assert load / 55 == pytest.approx(0.873, abs=1e-3)
    assert float(erlang_c(55, load)) == pytest.approx(0.239, abs=1e-3)
    assert float(average_wait(55, load, 240)) == pytest.approx(8.2, abs=0.05)
    assert float(service_level(55, load, 240, 15)) == pytest.approx(0.846, abs=1e-3)


def test_small_systems_closed_forms() -> None:
    a = np.array([0.01, 0.3, 0.9])
    # M/M/1: B = A/(1+A), C = ρ, SL = 1 − ρ·exp(−(1−ρ)t/S), ASA = ρS/(1−ρ).
    np.testing.assert_allclose(erlang_b(1, a), a / (1 + a), rtol=1e-14)
    np.testing.assert_allclose(erlang_c(1, a), a, rtol=1e-14)
    np.testing.assert_allclose(
        service_level(1, a, 100, 30), 1 - a * np.exp(-(1 - a) * 30 / 100), rtol=1e-14
    )
    np.testing.assert_allclose(average_wait(1, a, 100), a * 100 / (1 - a), rtol=1e-14)
    # M/M/2: B = (A²/2)/(1 + A + A²/2), C = A²/(2 + A).
    a2 = np.array([0.5, 1.0, 1.9])
    np.testing.assert_allclose(erlang_b(2, a2), a2**2 / 2 / (1 + a2 + a2**2 / 2), rtol=1e-14)
    np.testing.assert_allclose(erlang_c(2, a2), a2**2 / (2 + a2), rtol=1e-14)


def test_unstable_and_empty_cases() -> None:
    assert float(erlang_c(10, 10.0)) == 1.0
    assert float(erlang_c(9, 10.0)) == 1.0
    assert float(service_level(10, 10.0, 180, 20)) == 0.0
    assert float(average_wait(3, 10.0, 180)) == math.inf
    assert float(erlang_c(5, 0.0)) == 0.0
    assert float(service_level(5, 0.0, 180, 20)) == 1.0
    out = required_agents(np.array([0.0, 0.0]), 180, 0.8, 20)
    assert out.dtype == np.int64
    assert out.tolist() == [0, 0]


def test_erlang_b_matches_log_space_reference_for_large_loads() -> None:
    for a in (0.01, 3.7, 57.2, 480.5, 2999.9, 5000.3):
        for n in {1, int(a * 0.6) + 1, int(a), int(a) + 1, int(a + 2 * math.sqrt(a)) + 3}:
            ref = _log_space_erlang_b(n, a)
            assert float(erlang_b(n, a)) == pytest.approx(ref, rel=1e-9), (a, n)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_broadcasting_and_dtypes(shape: tuple[int, ...]) -> None:
    load = np.full(shape, 10.0)
    n = required_agents(load, 180, np.full(shape, 0.8), 20)
    assert n.shape == shape
    assert n.dtype == np.int64
    assert np.all(n == 14)
    assert service_level(np.full(shape, 14), load, 180, 20).shape == shape
    # target, within and max_occupancy broadcast against the loads
    out = required_agents([10.0, 10.0, 10.0], 180, [0.8, 0.8, 0.8], 20, [1.0, 0.7, 0.5])
    assert out.tolist() == [14, 15, 20]


def test_invalid_arguments_raise() -> None:
    with pytest.raises(ValueError):
        erlang_c(2.5, 1.0)
    with pytest.raises(ValueError):
        erlang_c(-1, 1.0)
    with pytest.raises(ValueError):
        required_agents(-1.0, 180, 0.8, 20)
    with pytest.raises(ValueError):
        required_agents(1.0, 180, 1.2, 20)
    with pytest.raises(ValueError):
        required_agents(1.0, 180, 0.8, 20, 0.0)
    with pytest.raises(ValueError):
        required_agents(1.0, 0.0, 0.8, 20)
    with pytest.raises(ValueError):
        erlang_a(3, 0.01, 180, -1.0, 20)


def test_wide_load_range_is_stable() -> None:
    loads = np.concatenate([np.geomspace(0.01, 5000, 300), [4999.5, 5000.0, 6000.0]])
    n = required_agents(loads, 180, 0.8, 20)
    assert np.all(n > loads)
    for s in (n - 1, n, n + 5):
        c = erlang_c(s, loads)
        sl = service_level(s, loads, 180, 20)
        w = average_wait(s, loads, 180)
        assert np.all(np.isfinite(c)) and np.all((c >= 0) & (c <= 1))
        assert np.all(np.isfinite(sl)) and np.all((sl >= 0) & (sl <= 1))
        assert not np.any(np.isnan(w))
    sl = service_level(n, loads, 180, 20)
    assert np.all(sl >= 0.8 - 1e-12)
    # minimality: one agent fewer misses the target or is unstable (N − 1 <= A)
    below = service_level(n - 1, loads, 180, 20)
    assert np.all((below < 0.8) | (n - 1 <= loads))
    # square-root staffing: N − A stays of order √A for large loads
    big = loads > 100
    assert np.all((n[big] - loads[big]) < 3 * np.sqrt(loads[big]) + 5)


def test_max_occupancy_binds() -> None:
    assert int(required_agents(10.0, 180, 0.8, 20, 0.7)) == 15  # 10/0.7 = 14.3
    # exact boundary: 7/0.7 = 10 agents, not 11 through rounding noise
    assert int(required_agents(7.0, 180, 0.0, 20, 0.7)) == 10
    assert int(required_agents(10.0, 180, 0.0, 20)) == 11  # N > A even at target 0


def test_concurrency_two_halves_the_load() -> None:
    calls, aht = 200.0, 180.0
    for concurrency in (1, 2, 3):
        s = aht / concurrency
        load = calls * s / 3600
        assert int(required_agents(load, s, 0.8, 20)) == int(
            required_agents(10.0 / concurrency, aht / concurrency, 0.8, 20)
        )
    # shorter effective service time at the same load also shortens waits
    assert float(service_level(7, 5.0, 90, 20)) > float(service_level(7, 5.0, 180, 20))


# --------------------------------------------------------------------------- monotonicity

loads_st = st.floats(min_value=0.01, max_value=3000.0, allow_nan=False)
targets_st = st.floats(min_value=0.0, max_value=0.99)
within_st = st.floats(min_value=0.0, max_value=120.0)
service_st = st.floats(min_value=10.0, max_value=900.0)


@settings(max_examples=60, deadline=None)
@given(load=loads_st, extra=st.floats(0.0, 500.0), s=service_st, t=targets_st, w=within_st)
def test_more_load_never_needs_fewer_agents(
    load: float, extra: float, s: float, t: float, w: float
) -> None:
    n = required_agents([load, load + extra], s, t, w)
    assert n[1] >= n[0]


@settings(max_examples=60, deadline=None)
@given(load=loads_st, s=service_st, t1=targets_st, t2=targets_st, w=within_st)
def test_higher_target_never_needs_fewer_agents(
    load: float, s: float, t1: float, t2: float, w: float
) -> None:
    lo, hi = sorted((t1, t2))
    n = required_agents(load, s, [lo, hi], w)
    assert n[1] >= n[0]


@settings(max_examples=60, deadline=None)
@given(load=loads_st, s=service_st, w=within_st, k=st.integers(0, 40))
def test_more_agents_never_lower_service_level(load: float, s: float, w: float, k: int) -> None:
    base = max(int(load) - 3, 0)
    agents = np.arange(base, base + k + 8)
    sl = service_level(agents, load, s, w)
    assert np.all(np.diff(sl) >= -1e-12)
    c = erlang_c(agents, load)
    assert np.all(np.diff(c) <= 1e-12)


# --------------------------------------------------------------------------- Erlang A


def _simulate_mmn_m(
    agents: int, lam: float, s: float, patience: float, within: float, n: int, seed: int
) -> tuple[float, float, float]:
    """FCFS M/M/N+M: returns (answered within / offered, abandoned / offered, P(wait > 0)).

    An arrival's offered wait is the time until the earliest agent is free; it is served
    (and only then occupies that agent) if its patience exceeds that wait.
    """
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, n)).tolist()
    services = rng.exponential(s, n).tolist()
    patiences = rng.exponential(patience, n).tolist()
    free = [0.0] * agents
    answered = abandoned = waited = 0
    for t, svc, tau in zip(arrivals, services, patiences, strict=True):
        start = max(t, free[0])
        wait = start - t
        waited += wait > 0
        if wait <= tau:
            heapq.heapreplace(free, start + svc)
            answered += wait <= within
        else:
            abandoned += 1
    return answered / n, abandoned / n, waited / n


@pytest.mark.parametrize("agents", [8, 9])
def test_erlang_a_matches_simulation(agents: int) -> None:
    lam, s, patience, within = 8 / 180, 180.0, 120.0, 20.0  # A = 8
    sim_sl, sim_ab, sim_wait = _simulate_mmn_m(agents, lam, s, patience, within, 200_000, 7)
    r = erlang_a(agents, lam, s, patience, within)
    assert float(r.service_level) == pytest.approx(sim_sl, abs=0.01)
    assert float(r.abandon_rate) == pytest.approx(sim_ab, abs=0.01)
    assert float(r.wait_probability) == pytest.approx(sim_wait, abs=0.01)
    # carried load: occupancy = A(1 − abandon)/N
    assert float(r.occupancy) == pytest.approx(8 * (1 - float(r.abandon_rate)) / agents)


def _virtual_wait_reference(
    agents: int, lam: float, s: float, patience: float, within: float
) -> tuple[float, float]:
    """Independent Erlang A reference (offered-wait density, Mandelbaum & Zeltyn).

    Explicit state probabilities; the offered wait V has density π_N·a·exp(λH(v) − a·v) on
    v > 0 with H(v) = θ(1 − e^{−v/θ}), a = N/S; answered within t ⇔ V ≤ t and patience > V.
    """
    load, a, b = lam * s, agents / s, 1 / patience
    k_max = agents + 3000
    log_w = np.empty(k_max + 1)
    k = np.arange(agents + 1)
    log_w[: agents + 1] = k * math.log(load) - np.array([math.lgamma(i + 1.0) for i in k])
    j = np.arange(1, k_max - agents + 1)
    log_w[agents + 1 :] = log_w[agents] + np.cumsum(np.log(lam / (a + j * b)))
    p = np.exp(log_w - log_w.max())
    p /= p.sum()
    v = np.linspace(0.0, within, 40_001)
    f = np.exp(lam * patience * (1 - np.exp(-v * b)) - (a + b) * v)
    integral = float(np.sum((f[1:] + f[:-1]) / 2 * np.diff(v)))
    sl = float(p[:agents].sum() + p[agents] * a * integral)
    abandon = float((np.arange(k_max - agents + 1) * p[agents:]).sum() * b / lam)
    return sl, abandon


@pytest.mark.parametrize(
    "case",
    [
        (8, 8 / 180, 180.0, 120.0, 20.0),
        (3, 5 / 300, 300.0, 30.0, 60.0),
        (50, 0.3, 200.0, 400.0, 30.0),
    ],
)
def test_erlang_a_matches_virtual_wait_formula(
    case: tuple[int, float, float, float, float],
) -> None:
    ref_sl, ref_ab = _virtual_wait_reference(*case)
    r = erlang_a(*case)
    assert float(r.service_level) == pytest.approx(ref_sl, abs=1e-8)
    assert float(r.abandon_rate) == pytest.approx(ref_ab, abs=1e-10)


def test_erlang_a_converges_to_erlang_c_for_infinite_patience() -> None:
    agents = np.array([11, 12, 14, 20, 60])
    load = np.array([10.0, 10.0, 10.0, 10.0, 48.0])
    s = 180.0
    r = erlang_a(agents, load / s, s, 1e9, 20)
    np.testing.assert_allclose(r.service_level, service_level(agents, load, s, 20), atol=1e-5)
    np.testing.assert_allclose(r.wait_probability, erlang_c(agents, load), atol=1e-5)
    assert np.all(r.abandon_rate < 1e-5)
    exact = erlang_a(agents, load / s, s, np.inf, 20)
    np.testing.assert_array_equal(exact.service_level, service_level(agents, load, s, 20))
    np.testing.assert_array_equal(exact.wait_probability, erlang_c(agents, load))


def test_erlang_a_zero_patience_is_erlang_b_and_limits() -> None:
    agents = np.array([1, 5, 10])
    r = erlang_a(agents, 6 / 100, 100, 0.0, 20)
    np.testing.assert_allclose(r.abandon_rate, erlang_b(agents, 6.0), rtol=1e-14)
    np.testing.assert_allclose(r.service_level, 1 - erlang_b(agents, 6.0), rtol=1e-14)
    # short patience approaches the loss system
    near = erlang_a(agents, 6 / 100, 100, 1e-3, 20)
    np.testing.assert_allclose(near.abandon_rate, erlang_b(agents, 6.0), atol=1e-4)
    # no agents: everyone abandons; no arrivals: nothing to measure
    none = erlang_a(0, 0.1, 100, 60, 20)
    assert float(none.abandon_rate) == pytest.approx(1.0)
    assert float(none.service_level) == 0.0
    idle = erlang_a(3, 0.0, 100, 60, 20)
    assert float(idle.service_level) == 1.0 and float(idle.abandon_rate) == 0.0


def test_erlang_a_large_loads_are_finite() -> None:
    lam = np.array([0.01, 1.0, 5000 / 180, 5000 / 180, 5000 / 180])
    agents = np.array([1, 150, 4000, 5000, 5200])
    r = erlang_a(agents, lam, 180, 120, 20)
    for v in (r.service_level, r.abandon_rate, r.wait_probability, r.occupancy):
        assert np.all(np.isfinite(v)) and np.all((v >= 0) & (v <= 1))
    # heavy overload: carried load cannot exceed the agents
    assert float(r.abandon_rate[2]) >= 1 - 4000 / 5000 - 1e-9


def test_required_agents_erlang_a_is_minimal() -> None:
    rng = np.random.default_rng(3)
    load = rng.uniform(0.05, 300, 40)
    s = rng.uniform(60, 600, 40)
    patience = rng.uniform(20, 600, 40)
    lam = load / s
    n = required_agents_erlang_a(lam, s, patience, 0.8, 20, 0.9)
    assert n.dtype == np.int64
    ok = erlang_a(n, lam, s, patience, 20)
    assert np.all(ok.service_level >= 0.8 - 1e-12)
    assert np.all(ok.occupancy <= 0.9 + 1e-12)
    prev = erlang_a(n - 1, lam, s, patience, 20)
    assert np.all((n == 1) | (prev.service_level < 0.8) | (prev.occupancy > 0.9))


def test_required_agents_erlang_a_special_cases() -> None:
    # infinite patience is Erlang C staffing
    assert int(required_agents_erlang_a(10 / 180, 180, np.inf, 0.8, 20)) == 14
    assert int(required_agents_erlang_a(10 / 180, 180, 1e12, 0.8, 20)) == 14
    # abandonment never makes the offered-basis requirement exceed Erlang C here
    assert int(required_agents_erlang_a(10 / 180, 180, 120, 0.8, 20)) <= 14
    # with abandonment the requirement can sit below the offered load
    n = required_agents_erlang_a(1000 / 180, 180, 120, 0.5, 20)
    assert int(n) < 1000
    assert required_agents_erlang_a(0.0, 180, 120, 0.8, 20).tolist() == 0
    out = required_agents_erlang_a([0.0, 10 / 180], 180, 120, [0.8, 0.8], 20)
    assert out.shape == (2,) and out[0] == 0 and out[1] > 0


@settings(max_examples=25, deadline=None)
@given(
    load=st.floats(0.05, 200.0),
    extra=st.floats(0.0, 50.0),
    patience=st.floats(5.0, 900.0),
    t=targets_st,
)
def test_erlang_a_monotone(load: float, extra: float, patience: float, t: float) -> None:
    s = 180.0
    n = required_agents_erlang_a(np.array([load, load + extra]) / s, s, patience, t, 20)
    assert n[1] >= n[0]
    agents = np.arange(max(int(load) - 5, 0), int(load) + 15)
    r = erlang_a(agents, load / s, s, patience, 20)
    assert np.all(np.diff(r.service_level) >= -1e-12)
    assert np.all(np.diff(r.abandon_rate) <= 1e-12)
