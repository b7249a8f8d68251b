"""Erlang B, C and A queueing formulas for contact-centre staffing (pure numpy).

Conventions used throughout:

* ``load`` A is the offered load in erlangs (arrival rate × effective service time);
* ``service_time`` S is the effective service time in seconds (AHT / concurrency);
* ``within`` is the service-level threshold in seconds;
* ``agents`` N is a whole number of agents.

Every function broadcasts its arguments like a numpy ufunc and returns an array (0-d for
scalar input). Nothing is computed per element in Python: loops run over agent counts or
queue states and operate on whole arrays. Erlang B is evaluated with the stable recursion
B(n) = A·B(n−1) / (n + A·B(n−1)), started a few standard deviations below min(N, A) where
its errors are damped away, so loads of many thousands of erlangs cost O(√A) array steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cx.errors import InputError
from cx.models.numbers import MAX_AGENTS

__all__ = [
    "ErlangAResult",
    "average_wait",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "required_agents",
    "required_agents_erlang_a",
    "service_level",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# The recursion starts this many √A below min(N, A); its error contracts by about
# exp(-k²/2) ≈ 2e-16 (k = 8.5) on the way up, from a start value accurate to ~1 %.
_WARMUP_SIGMAS = 8.5
_WARMUP_OFFSET = 4.0
# Service-level and occupancy comparisons tolerate this much floating-point noise.
_TOL = 1e-12
# Erlang A: queue states whose weight is below exp(-_LOG_CUTOFF) × the largest are dropped.
_LOG_CUTOFF = 60.0


class ErlangAResult(NamedTuple):
    """Steady-state measures of the M/M/N+M (Erlang A) queue, all on an offered basis."""

    service_level: FloatArray
    """Share of offered contacts answered within ``within`` seconds."""
    abandon_rate: FloatArray
    """Share of offered contacts that abandon before being answered."""
    wait_probability: FloatArray
    """Share of offered contacts that find every agent busy (and so wait or abandon)."""
    average_wait: FloatArray
    """Mean time in queue over all offered contacts (answered and abandoned), seconds."""
    occupancy: FloatArray
    """Carried load A·(1 − abandon_rate) per agent (0 where there are no agents)."""


# --------------------------------------------------------------------------- helpers


def _as_float(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _as_agents(agents: ArrayLike) -> FloatArray:
    n = np.asarray(agents, dtype=np.float64)
    if not np.all(np.isfinite(n)) or np.any(n < 0) or np.any(n != np.floor(n)):
        raise ValueError("agents must be finite non-negative whole numbers")
    return n


def check_plan_size(channel: str, load: ArrayLike, max_occupancy: ArrayLike) -> None:
    """Refuse a plan needing more than MAX_AGENTS agents in one interval on ``channel``.

    No real contact centre staffs that many on one queue, and the Erlang recursions
    walk up to N step by step: the bound keeps every plan to seconds. ``max_occupancy``
    broadcasts against ``load`` (one per draw of an uncertain strategy, §12).
    """
    peak = float(np.max(np.asarray(load, dtype=np.float64) / max_occupancy, initial=0.0))
    if not peak <= MAX_AGENTS:
        # A count past a trillion says nothing more than "far too many", and a load of
        # 1e300 would print a number of 300 digits.
        needed = f"{math.ceil(peak):,}" if peak < 1e12 else "over a trillion"
        raise InputError(
            f"channel '{channel}' would need {needed} agents in one interval, "
            f"more than {MAX_AGENTS:,}",
            hint="check its handle_time, concurrency and max_occupancy against the "
            "volumes in the data",
        )


def _check(condition: np.ndarray | bool, message: str) -> None:
    if not np.all(condition):
        raise ValueError(message)


def _erlang_b_flat(n: NDArray[np.integer] | FloatArray, a: FloatArray) -> FloatArray:
    """Erlang B for 1-d arrays of agent counts ``n`` (>= 0) and loads ``a`` (>= 0).

    Each element runs the recursion from n0 = max(0, ⌊min(n, a) − 8.5√a − 4⌋) with the
    fluid start value B(n0) ≈ 1 − n0/a (exact B(0) = 1 when n0 = 0). Below the load the
    recursion contracts errors by a factor ≈ n/a per step, so the start error is gone by
    the time n reaches min(n, a). Elements are sorted by their number of steps and the
    loop works on a shrinking prefix, so the total work is Σ steps.
    """
    n = np.asarray(n, dtype=np.float64)
    size = n.size
    if size == 0:
        return np.empty(0, dtype=np.float64)
    lo = np.minimum(n, a) - _WARMUP_SIGMAS * np.sqrt(a) - _WARMUP_OFFSET
    n0 = np.maximum(np.floor(lo), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.where(n0 > 0, 1.0 - n0 / a, 1.0)
    steps = (n - n0).astype(np.int64)
    order = np.argsort(-steps, kind="stable")
    steps_s = steps[order]
    a_s = np.ascontiguousarray(a[order])
    b_s = np.ascontiguousarray(b[order])
    n0_s = np.ascontiguousarray(n0[order])
    max_steps = int(steps_s[0])
    if max_steps > 0:
        # active[s] = how many elements still need a step s+1 (steps > s); a prefix.
        active = np.searchsorted(-steps_s, -np.arange(max_steps), side="left")
        t = np.empty(size)
        d = np.empty(size)
        for s in range(max_steps):
            k = int(active[s])
            tk, dk, bk = t[:k], d[:k], b_s[:k]
            np.multiply(a_s[:k], bk, out=tk)
            np.add(n0_s[:k], float(s + 1), out=dk)
            dk += tk
            np.divide(tk, dk, out=bk)
    out = np.empty(size, dtype=np.float64)
    out[order] = b_s
    return out


def _c_from_b(n: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """Erlang C from Erlang B (valid where n > a)."""
    return n * b / (n - a * (1.0 - b))


def _stable_c(n: FloatArray, a: FloatArray) -> tuple[FloatArray, np.ndarray]:
    """Erlang C for flat arrays; returns (C, stable mask n > a); C = 1 where unstable."""
    stable = n > a
    c = np.ones(n.shape, dtype=np.float64)
    if np.any(stable):
        ns, as_ = n[stable], a[stable]
        c[stable] = _c_from_b(ns, as_, _erlang_b_flat(ns, as_))
    return c, stable


def _wrap(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return x.reshape(shape)


# --------------------------------------------------------------------------- Erlang B / C


def erlang_b(agents: ArrayLike, load: ArrayLike) -> FloatArray:
    """Erlang B blocking probability B(N, A) of the M/M/N/N loss system."""
    n, a = np.broadcast_arrays(_as_agents(agents), _as_float(load))
    _check(np.isfinite(a) & (a >= 0), "load must be finite and >= 0")
    return _wrap(_erlang_b_flat(n.ravel(), a.ravel().copy()), n.shape)


def erlang_c(agents: ArrayLike, load: ArrayLike) -> FloatArray:
    """Erlang C probability of waiting C(N, A) of the M/M/N queue; 1.0 where N <= A."""
    n, a = np.broadcast_arrays(_as_agents(agents), _as_float(load))
    _check(np.isfinite(a) & (a >= 0), "load must be finite and >= 0")
    c, _ = _stable_c(n.ravel(), a.ravel().copy())
    return _wrap(c, n.shape)


def service_level(
    agents: ArrayLike, load: ArrayLike, service_time: ArrayLike, within: ArrayLike
) -> FloatArray:
    """Erlang C service level 1 − C(N, A)·exp(−(N − A)·within/S); 0 where N <= A."""
    n, a, s, w = np.broadcast_arrays(
        _as_agents(agents), _as_float(load), _as_float(service_time), _as_float(within)
    )
    _check(np.isfinite(a) & (a >= 0), "load must be finite and >= 0")
    _check(np.isfinite(w) & (w >= 0), "within must be finite and >= 0")
    shape = n.shape
    n, a, s, w = (x.ravel() for x in (n, a, s, w))
    c, stable = _stable_c(n, a)
    _check((s[stable] > 0) & np.isfinite(s[stable]), "service_time must be finite and > 0")
    sl = np.zeros(n.shape, dtype=np.float64)
    ns, as_ = n[stable], a[stable]
    sl[stable] = 1.0 - c[stable] * np.exp(-(ns - as_) * w[stable] / s[stable])
    return _wrap(np.clip(sl, 0.0, 1.0), shape)


def average_wait(agents: ArrayLike, load: ArrayLike, service_time: ArrayLike) -> FloatArray:
    """Erlang C average speed of answer C(N, A)·S/(N − A) in seconds; inf where N <= A."""
    n, a, s = np.broadcast_arrays(_as_agents(agents), _as_float(load), _as_float(service_time))
    _check(np.isfinite(a) & (a >= 0), "load must be finite and >= 0")
    shape = n.shape
    n, a, s = (x.ravel() for x in (n, a, s))
    c, stable = _stable_c(n, a)
    _check((s[stable] > 0) & np.isfinite(s[stable]), "service_time must be finite and > 0")
    asa = np.full(n.shape, np.inf)
    asa[stable] = c[stable] * s[stable] / (n[stable] - a[stable])
    return _wrap(asa, shape)


def required_agents(
    load: ArrayLike,
    service_time: ArrayLike,
    target: ArrayLike,
    within: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
) -> IntArray:
    """Smallest whole N with N > A, Erlang C service level >= target and A/N <= max_occupancy.

    0 where the load is 0. ``target`` is a share in [0, 1]; comparisons allow 1e-12 of
    floating-point noise. All arguments broadcast.
    """
    a, s, tgt, w, occ = np.broadcast_arrays(
        _as_float(load),
        _as_float(service_time),
        _as_float(target),
        _as_float(within),
        _as_float(max_occupancy),
    )
    shape = a.shape
    a, s, tgt, w, occ = (x.ravel() for x in (a, s, tgt, w, occ))
    _check(np.isfinite(a) & (a >= 0), "load must be finite and >= 0")
    _check((tgt >= 0) & (tgt <= 1), "target must lie in [0, 1]")
    _check(np.isfinite(w) & (w >= 0), "within must be finite and >= 0")
    _check((occ > 0) & (occ <= 1), "max_occupancy must lie in (0, 1]")
    out = np.zeros(a.size, dtype=np.int64)
    pos = np.flatnonzero(a > 0)
    if pos.size == 0:
        return _wrap(out, shape)
    ap, sp, tp, wp, op = a[pos], s[pos], tgt[pos], w[pos], occ[pos]
    _check(np.isfinite(sp) & (sp > 0), "service_time must be finite and > 0 where load > 0")
    n = np.maximum(np.floor(ap) + 1.0, np.ceil(ap / op * (1.0 - _TOL)))
    b = _erlang_b_flat(n, ap)
    idx = pos
    while True:
        sl = 1.0 - _c_from_b(n, ap, b) * np.exp(-(n - ap) * wp / sp)
        done = sl >= tp - _TOL
        out[idx[done]] = n[done]
        if done.all():
            break
        if done.any():
            keep = ~done
            idx, n, b, ap, sp, tp, wp = (x[keep] for x in (idx, n, b, ap, sp, tp, wp))
        n = n + 1.0
        ab = ap * b
        b = ab / (n + ab)
    return _wrap(out, shape)


# --------------------------------------------------------------------------- Erlang A


def _erlang_a_chain(
    n: FloatArray, lam: FloatArray, s: FloatArray, theta: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """M/M/N+M birth-death chain for flat arrays with lam > 0, 0 < theta < inf.

    Returns (service_level, wait_probability, mean_queue_length, erlang_b). States k < N
    are summed in closed form through Erlang B (their mass relative to state N is
    1/B − 1); queue states N + j are walked j = 0, 1, ... in log space until they are
    negligible. An arrival finding j waiting ahead is answered within t with probability
    a/(a + (j+1)b) · P(NegBin(a/b + 1, 1 − e^{−bt}) > j), a = N/S, b = 1/theta: its time to
    service, tilted by its own patience, is a sum of exponentials with rates a + i·b,
    i = 1..j+1, and e^{−b·that sum} is Beta(a/b + 1, j + 1) distributed.
    """
    size = n.size
    a_load = lam * s
    bb = _erlang_b_flat(n, a_load)
    a = n / s
    b = 1.0 / theta
    x = -np.expm1(-b * t)
    bt = b * t
    with np.errstate(divide="ignore", invalid="ignore"):
        xc = a * t * np.where(bt > 0, x / np.where(bt > 0, bt, 1.0), 1.0)
        log_b = np.log(bb)
        log_below = np.log1p(-bb)
    log_lam = np.log(lam)
    m = np.maximum(log_b, log_below)

    res_zq = np.zeros(size)
    res_sl = np.zeros(size)
    res_eq = np.zeros(size)
    res_m = np.zeros(size)

    # Per-element loop state, compressed together as elements finish.
    st = {
        "idx": np.arange(size),
        "zq": np.zeros(size),  # Σ weights of queue states (scaled by exp(-m))
        "slq": np.zeros(size),  # Σ weight · P(answered within t)
        "eq": np.zeros(size),  # Σ weight · j
        "lq": np.zeros(size),  # log π(N + j) / π(N)
        "ld": -(a + b) * t,  # log NegBin pmf at j
        "cum": np.exp(-(a + b) * t),  # NegBin cdf at j
        "m": m,  # running max log weight
        "log_b": log_b,
        "a": a,
        "b": b,
        "x": x,
        "xc": xc,
        "log_lam": log_lam,
    }
    j = 0
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        while True:
            lw = st["log_b"] + st["lq"]
            m_new = np.maximum(st["m"], lw)
            scale = np.exp(st["m"] - m_new)
            st["m"] = m_new
            w = np.exp(lw - m_new)
            rate_next = st["a"] + (j + 1) * st["b"]
            g = st["a"] / rate_next * np.maximum(1.0 - st["cum"], 0.0)
            st["zq"] = st["zq"] * scale + w
            st["slq"] = st["slq"] * scale + w * g
            st["eq"] = st["eq"] * scale + w * j
            st["log_ratio"] = st["log_lam"] - np.log(rate_next)
            done = ((st["log_ratio"] <= 0) & (lw - m_new < -_LOG_CUTOFF)) | np.isneginf(lw)
            if done.any():
                di = st["idx"][done]
                res_zq[di], res_sl[di] = st["zq"][done], st["slq"][done]
                res_eq[di], res_m[di] = st["eq"][done], st["m"][done]
                if done.all():
                    break
                keep = ~done
                st = {k: v[keep] for k, v in st.items()}
            j += 1
            st["lq"] = st["lq"] + st["log_ratio"]
            st["ld"] = st["ld"] + np.log(st["xc"] + st["x"] * j) - np.log(j)
            st["cum"] = st["cum"] + np.exp(st["ld"])
    below = np.exp(log_below - res_m)
    z = below + res_zq
    return (below + res_sl) / z, res_zq / z, res_eq / z, bb


def _erlang_a_flat(
    n: FloatArray, lam: FloatArray, s: FloatArray, theta: FloatArray, t: FloatArray
) -> ErlangAResult:
    """Erlang A on flat, validated arrays; patience inf is Erlang C, patience 0 Erlang B."""
    size = n.size
    sl = np.ones(size)
    ab = np.zeros(size)
    wp = np.zeros(size)
    aw = np.zeros(size)
    occ = np.zeros(size)
    a_load = lam * s
    live = lam > 0
    has_agents = n > 0

    chain = live & (theta > 0) & np.isfinite(theta)
    if chain.any():
        nc, lc, sc, tc, wc = n[chain], lam[chain], s[chain], theta[chain], t[chain]
        sl_c, wait_c, queue_c, _ = _erlang_a_chain(nc, lc, sc, tc, wc)
        ab_c = queue_c / (tc * lc)
        sl[chain], wp[chain], ab[chain], aw[chain] = sl_c, wait_c, ab_c, queue_c / lc

    loss = live & (theta == 0)
    if loss.any():
        bl = _erlang_b_flat(n[loss], a_load[loss])
        sl[loss], wp[loss], ab[loss] = 1.0 - bl, bl, bl

    patient = live & np.isinf(theta)
    if patient.any():
        np_, ap, sp, tp = n[patient], a_load[patient], s[patient], t[patient]
        c, stable = _stable_c(np_, ap)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            sl_p = np.where(stable, 1.0 - c * np.exp(-(np_ - ap) * tp / sp), 0.0)
            aw_p = np.where(stable, c * sp / (np_ - ap), np.inf)
        sl[patient], wp[patient], aw[patient] = sl_p, c, aw_p

    with np.errstate(divide="ignore", invalid="ignore"):
        carried = a_load * (1.0 - ab)
        occ = np.where(has_agents, np.minimum(carried / np.where(has_agents, n, 1.0), 1.0), 0.0)
    return ErlangAResult(
        np.clip(sl, 0.0, 1.0), np.clip(ab, 0.0, 1.0), np.clip(wp, 0.0, 1.0), aw, occ
    )


def _erlang_a_inputs(
    arrival_rate_per_second: ArrayLike,
    service_time: ArrayLike,
    patience: ArrayLike,
    within: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    lam, s, theta, t = (
        _as_float(v) for v in (arrival_rate_per_second, service_time, patience, within)
    )
    _check(np.isfinite(lam) & (lam >= 0), "arrival_rate_per_second must be finite and >= 0")
    _check(np.isfinite(s) & (s > 0), "service_time must be finite and > 0")
    _check(~np.isnan(theta) & (theta >= 0), "patience must be >= 0 (inf: no abandonment)")
    _check(np.isfinite(t) & (t >= 0), "within must be finite and >= 0")
    return lam, s, theta, t


def erlang_a(
    agents: ArrayLike,
    arrival_rate_per_second: ArrayLike,
    service_time: ArrayLike,
    patience: ArrayLike,
    within: ArrayLike,
) -> ErlangAResult:
    """Erlang A (M/M/N+M) measures with exponential patience of mean ``patience`` seconds.

    Returns an :class:`ErlangAResult` of arrays: service_level (share of offered contacts
    answered within ``within``), abandon_rate, wait_probability, average_wait (mean queue
    time over all offered contacts) and occupancy (carried load per agent). Patience ``inf``
    gives Erlang C (no abandonment; unstable where N <= A), patience 0 the Erlang B loss
    system. All arguments broadcast.
    """
    n = _as_agents(agents)
    lam, s, theta, t = _erlang_a_inputs(arrival_rate_per_second, service_time, patience, within)
    n, lam, s, theta, t = np.broadcast_arrays(n, lam, s, theta, t)
    shape = n.shape
    res = _erlang_a_flat(*(v.ravel() for v in (n, lam, s, theta, t)))
    return ErlangAResult(*(_wrap(v, shape) for v in res))


def _smallest_feasible(
    guess: FloatArray, feasible: Callable[[np.ndarray, FloatArray], np.ndarray]
) -> FloatArray:
    """Smallest whole N >= 1 with ``feasible(indices, N)`` true, feasibility monotone in N.

    Starts at ``guess`` (>= 1), gallops up or down with doubling steps until the answer is
    bracketed, then bisects; every probe evaluates all unresolved elements at once.
    """
    size = guess.size
    lo = np.zeros(size)  # largest N known infeasible (N = 0 never serves anyone)
    hi = np.full(size, np.inf)  # smallest N known feasible
    ok = feasible(np.arange(size), guess)
    hi[ok] = guess[ok]
    lo[~ok] = guess[~ok]
    step = np.ones(size)
    down = ok.copy()
    # Gallop up while no feasible N is known.
    sel = np.flatnonzero(np.isinf(hi))
    while sel.size:
        probe = lo[sel] + step[sel]
        ok = feasible(sel, probe)
        hi[sel[ok]] = probe[ok]
        lo[sel[~ok]] = probe[~ok]
        step[sel] *= 2.0
        sel = sel[~ok]
    # Gallop down from a feasible guess until an infeasible N (or 0) is found.
    step[:] = 1.0
    sel = np.flatnonzero(down & (hi - lo > 1))
    while sel.size:
        probe = hi[sel] - step[sel]
        low = probe <= lo[sel]
        sel_p = sel[~low]
        probe = probe[~low]
        ok = feasible(sel_p, probe) if sel_p.size else np.zeros(0, dtype=bool)
        hi[sel_p[ok]] = probe[ok]
        lo[sel_p[~ok]] = probe[~ok]
        step[sel_p] *= 2.0
        sel = sel_p[ok]
        sel = sel[hi[sel] - lo[sel] > 1]
    # Bisect.
    sel = np.flatnonzero(hi - lo > 1)
    while sel.size:
        mid = np.floor((lo[sel] + hi[sel]) / 2.0)
        ok = feasible(sel, mid)
        hi[sel[ok]] = mid[ok]
        lo[sel[~ok]] = mid[~ok]
        sel = sel[hi[sel] - lo[sel] > 1]
    return hi


def required_agents_erlang_a(
    arrival_rate_per_second: ArrayLike,
    service_time: ArrayLike,
    patience: ArrayLike,
    target: ArrayLike,
    within: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
) -> IntArray:
    """Smallest whole N whose Erlang A service level (offered basis) >= target and whose
    occupancy (carried load / N) <= max_occupancy; 0 where the arrival rate is 0.

    With abandonment N may be at or below the offered load. Patience ``inf`` reduces to
    :func:`required_agents`. All arguments broadcast.
    """
    lam, s, theta, t = _erlang_a_inputs(arrival_rate_per_second, service_time, patience, within)
    tgt, occ = _as_float(target), _as_float(max_occupancy)
    _check((tgt >= 0) & (tgt <= 1), "target must lie in [0, 1]")
    _check((occ > 0) & (occ <= 1), "max_occupancy must lie in (0, 1]")
    lam, s, theta, t, tgt, occ = np.broadcast_arrays(lam, s, theta, t, tgt, occ)
    shape = lam.shape
    lam, s, theta, t, tgt, occ = (v.ravel() for v in (lam, s, theta, t, tgt, occ))
    out = np.zeros(lam.size, dtype=np.int64)
    pos = np.flatnonzero(lam > 0)
    if pos.size == 0:
        return _wrap(out, shape)
    lp, sp, thp, tp, gp, op = lam[pos], s[pos], theta[pos], t[pos], tgt[pos], occ[pos]

    def feasible(i: np.ndarray, n: FloatArray) -> np.ndarray:
        r = _erlang_a_flat(n, lp[i], sp[i], thp[i], tp[i])
        return (r.service_level >= gp[i] - _TOL) & (r.occupancy <= op[i] + _TOL)

    guess = np.maximum(required_agents(lp * sp, sp, gp, tp, op).astype(np.float64), 1.0)
    out[pos] = _smallest_feasible(guess, feasible).astype(np.int64)
    return _wrap(out, shape)
