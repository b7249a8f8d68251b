"""Staffing that holds with a chosen probability (`staffing: {hold: P}`, DESIGN §12).

An interval expects λ arrivals; the count it gets is K, Poisson with mean λ or, with
over-dispersion d > 1, negative binomial with mean λ and variance d·λ. With N agents
the interval meets its service-level target when SL(N, K) ≥ target, and the Erlang
service level falls as K grows, so N meets it exactly for K ≤ K*(N). The probability
that N holds is therefore F(K*(N)), F the distribution function of K, and the
smallest N with F(K*(N)) ≥ P is the smallest N that meets the target for the
P-quantile q of K: the plan staffs every interval for q arrivals instead of λ.

Quantiles are computed for all intervals at once: each interval's probabilities on
a window of counts wide enough that what lies outside it is negligible (the window
is normalised to 1), built with the ratio recursion p(k+1)/p(k) in log space.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["count_quantile"]

# The window runs from this many standard deviations below the mean (Poisson-like
# lower tails: mass below < 1e-20) ...
_BELOW_SIGMAS = 10.0
# ... to this many above, plus this many d for the geometric upper tail of a negative
# binomial with a small shape (it decays like (1 − 1/d)^k).
_ABOVE_SIGMAS = 15.0
_ABOVE_DISPERSIONS = 50.0
_MARGIN = 10.0
# Counts × window cells evaluated per numpy step.
_CHUNK_CELLS = 1 << 21
# Cumulative probabilities are compared with P allowing this much rounding noise.
_TOL = 1e-12


def count_quantile(mean: ArrayLike, dispersion: ArrayLike, probability: float) -> NDArray[np.int64]:
    """Smallest whole k with P(K ≤ k) ≥ ``probability``, element by element.

    K is Poisson with mean ``mean`` where ``dispersion`` is 1, else negative binomial
    with that mean and variance ``dispersion``·``mean`` (shape mean/(d − 1), success
    probability 1/d). ``mean`` >= 0 and ``dispersion`` >= 1 broadcast; 0 where the
    mean is 0.
    """
    m, d = np.broadcast_arrays(
        np.asarray(mean, dtype=np.float64), np.asarray(dispersion, dtype=np.float64)
    )
    if not (np.all(np.isfinite(m)) and np.all(m >= 0)):
        raise ValueError("mean must be finite and >= 0")
    if not (np.all(np.isfinite(d)) and np.all(d >= 1)):
        raise ValueError("dispersion must be finite and >= 1")
    if not 0 < probability < 1:
        raise ValueError("probability must lie in (0, 1)")
    shape = m.shape
    m, d = m.ravel(), d.ravel()
    out = np.zeros(m.size, dtype=np.int64)
    positive = np.flatnonzero(m > 0)
    if positive.size == 0:
        return out.reshape(shape)
    mp, dp = m[positive], d[positive]
    sigma = np.sqrt(dp * mp)
    lo = np.maximum(np.floor(mp - _BELOW_SIGMAS * sigma - _MARGIN), 0.0)
    hi = np.ceil(mp + _ABOVE_SIGMAS * sigma + _ABOVE_DISPERSIONS * (dp - 1.0) + _MARGIN)
    width = (hi - lo + 1).astype(np.int64)
    order = np.argsort(width, kind="stable")
    start = 0
    while start < order.size:
        # Rows of similar width together, no more than _CHUNK_CELLS cells per step.
        stop = start + 1
        while stop < order.size and (stop + 1 - start) * width[order[stop]] <= _CHUNK_CELLS:
            stop += 1
        rows = order[start:stop]
        out[positive[rows]] = _window_quantile(mp[rows], dp[rows], lo[rows], probability)
        start = stop
    return out.reshape(shape)


def _window_quantile(
    mean: NDArray[np.float64], d: NDArray[np.float64], lo: NDArray[np.float64], p: float
) -> NDArray[np.int64]:
    """The quantile for rows whose window starts at ``lo``: its counts k = lo + j."""
    sigma = np.sqrt(d * mean)
    hi = np.ceil(mean + _ABOVE_SIGMAS * sigma + _ABOVE_DISPERSIONS * (d - 1.0) + _MARGIN)
    cells = int(np.max(hi - lo)) + 1
    k = lo[:, None] + np.arange(cells - 1, dtype=np.float64)[None, :]  # step k → k + 1
    poisson = d[:, None] <= 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = mean[:, None] / np.where(poisson, 1.0, d[:, None] - 1.0)
        log_nb = np.log((shape + k) / (k + 1.0)) + np.log1p(-1.0 / d[:, None])
        log_poisson = np.log(mean[:, None]) - np.log(k + 1.0)
    steps = np.where(poisson, log_poisson, log_nb)
    log_w = np.concatenate([np.zeros((mean.size, 1)), np.cumsum(steps, axis=1)], axis=1)
    # Cells past a row's own window end carry no mass.
    beyond = np.arange(cells)[None, :] > (hi - lo)[:, None]
    log_w[beyond] = -np.inf
    w = np.exp(log_w - np.max(log_w, axis=1, keepdims=True))
    cdf = np.cumsum(w, axis=1)
    cdf /= cdf[:, -1:]
    first = np.argmax(cdf >= p - _TOL, axis=1)
    return (lo + first).astype(np.int64)
