"""Uncertainty bands and sensitivities (DESIGN §12): the strategy evaluated at drawn
values of its `uncertainty:` keys, on the one cube.

Each draw is cube arithmetic. A draw that changes only prices (a channel's
``hourly_cost``, ``cost_per_contact``, ``fixed_cost``) changes no flow and no staffing:
its costs are the evaluated figures priced again (:func:`channel_costs`), so such keys
cost next to nothing however many draws are asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from cx.data.cube import Cube
from cx.errors import InputError
from cx.models.result import (
    Band,
    Bands,
    ChannelResult,
    KeySensitivity,
    Result,
    Sensitivity,
    TotalBands,
)
from cx.models.strategy import Strategy
from cx.models.uncertainty import (
    VOLUME,
    Normal,
    Triangular,
    UncertainKey,
    Uniform,
    is_price,
    resolve_key,
    with_values,
)
from cx.replay.draws import DrawnFigures, figures_together
from cx.replay.engine import (
    Evaluation,
    SimulationOptions,
    StrategyEvaluation,
    channel_costs,
    evaluate,
    months_of,
)

#: The figures that get bands, and the quantiles of a band.
BAND_METRICS = ("cost", "cost_delta", "coverage", "agent_hours")
QUANTILES = (5.0, 50.0, 95.0)
DRAW_THREADS = 2


def resolved_keys(strategy: Strategy) -> dict[str, UncertainKey]:
    return {key: resolve_key(strategy, key) for key in strategy.uncertainty}


def draw(strategy: Strategy, samples: int, seed: int) -> dict[str, np.ndarray]:
    """``samples`` values of every uncertain key, in the block's order, independent,
    from ``default_rng(seed)``; each clipped to its key's valid range."""
    rng = np.random.default_rng(seed)
    keys = resolved_keys(strategy)
    drawn: dict[str, np.ndarray] = {}
    for name, spread in strategy.uncertainty.items():
        if isinstance(spread, Normal):
            values = rng.normal(spread.mean, spread.sd, samples)
        elif isinstance(spread, Triangular) and spread.low < spread.high:
            values = rng.triangular(spread.low, spread.mode, spread.high, samples)
        else:
            assert isinstance(spread, Uniform | Triangular)
            values = rng.uniform(spread.low, spread.high, samples)
        key = keys[name]
        values = np.clip(values, key.lowest, key.highest)
        drawn[name] = np.round(values) if key.whole else values
    return drawn


@dataclass
class Figures:
    """The banded figures of one draw: totals (with today's cost at the draw) and per
    channel."""

    totals: dict[str, float]
    channels: dict[str, dict[str, float]]


class Evaluator:
    """Evaluates ``strategy`` with some keys at given values; the base evaluation and
    the baselines of unchanged catalogs are shared between calls."""

    def __init__(
        self, base: StrategyEvaluation, cube: Cube, options: SimulationOptions
    ) -> None:
        self.base = base
        self.cube = cube
        self.options = replace(options, replay=None)
        self.keys = resolved_keys(base.strategy)
        self.months = months_of(cube)
        self.baselines: dict[str, Evaluation] = {}

    def figures(self, values: Mapping[str, float]) -> Figures:
        structural = {k: v for k, v in values.items() if not is_price(self.keys[k])}
        prices = {self.keys[k].path: v for k, v in values.items() if is_price(self.keys[k])}
        evaluation = self._evaluation(structural)
        catalog = with_values(evaluation.strategy, prices).channels
        own = channel_costs(evaluation.result.channels, catalog, self.months)
        status_quo = channel_costs(evaluation.baseline.channels, catalog, self.months)
        totals = evaluation.result.totals
        cost, baseline_cost = sum(own.values()), sum(status_quo.values())
        return Figures(
            totals={
                "cost": cost,
                "baseline_cost": baseline_cost,
                "cost_delta": cost - baseline_cost,
                "coverage": totals.coverage,
                "agent_hours": totals.agent_hours,
            },
            channels={
                item.channel: {
                    "cost": own[item.channel],
                    "cost_delta": own[item.channel] - status_quo[item.channel],
                    "coverage": _channel_coverage(item),
                    "agent_hours": item.agent_hours,
                }
                for item in evaluation.result.channels
            },
        )

    def _evaluation(self, values: Mapping[str, float]) -> StrategyEvaluation:
        if not values:
            return self.base
        paths = {
            self.keys[k].path: int(v) if self.keys[k].whole else v
            for k, v in values.items()
            if k != VOLUME
        }
        variant = with_values(self.base.strategy, paths)
        if VOLUME in values:  # another cube: its baselines are its own
            return evaluate(variant, self.cube.scaled(values[VOLUME]), self.options)
        return evaluate(variant, self.cube, self.options, self.baselines)


def _channel_coverage(item: ChannelResult) -> float:
    return (item.demand - item.lost) / item.demand if item.demand else 1.0


def attach_bands(
    evaluation: StrategyEvaluation,
    cube: Cube,
    options: SimulationOptions,
    samples: int,
    seed: int,
    on_draw: Callable[[float], None] | None = None,
) -> None:
    """Adds ``totals.bands`` and ``channels[].bands`` to ``evaluation.result`` from
    ``samples`` draws; the point figures stay those of the base values. Draws of keys
    the flows hold multilinearly are evaluated together (:mod:`cx.replay.draws`); others
    one by one."""
    drawn = draw(evaluation.strategy, samples, seed)
    options = replace(options, replay=None)
    keys = resolved_keys(evaluation.strategy)
    try:
        figures = figures_together(evaluation, cube, options, keys, drawn, on_draw)
        if figures is None:
            figures = _one_by_one(Evaluator(evaluation, cube, options), drawn, on_draw)
    except InputError as error:  # the plan at the values written was evaluated already
        raise error.reworded(
            f"{error.message}, at a draw of the strategy's `uncertainty:` ranges",
            hint="narrow those ranges: the plan at the values written is fine",
        ) from None
    result: Result = evaluation.result
    result.totals.bands = _total_bands(figures.totals)
    for item in result.channels:
        item.bands = _bands(figures.channels[item.channel])


def _one_by_one(
    evaluator: Evaluator,
    drawn: Mapping[str, np.ndarray],
    on_draw: Callable[[float], None] | None,
) -> DrawnFigures:
    """Each draw evaluated on its own (keys that are not multilinear in the flows)."""
    samples = len(next(iter(drawn.values())))

    def figures(index: int) -> Figures:
        return evaluator.figures({k: float(v[index]) for k, v in drawn.items()})

    # Draws that evaluate again are Polars and numpy work that releases the GIL; the
    # progress is told here, in the caller's thread.
    draws: list[Figures] = []
    with ThreadPoolExecutor(max_workers=DRAW_THREADS) as pool:
        for figure in pool.map(figures, range(samples)):
            draws.append(figure)
            if on_draw is not None:
                on_draw(1.0)
    return DrawnFigures(
        totals={m: np.array([d.totals[m] for d in draws]) for m in draws[0].totals},
        channels={
            name: {m: np.array([d.channels[name][m] for d in draws]) for m in BAND_METRICS}
            for name in draws[0].channels
        },
    )


def _band(values: np.ndarray) -> Band:
    low, mid, high = np.percentile(values, QUANTILES)
    return Band(p5=float(low), p50=float(mid), p95=float(high))


def _bands(figures: Mapping[str, np.ndarray]) -> Bands:
    delta = figures["cost_delta"]
    return Bands(
        **{metric: _band(figures[metric]) for metric in BAND_METRICS},
        p_saving=float(np.mean(delta < 0)),
        p_costing_more=float(np.mean(delta > 0)),
        draws=int(figures["cost_delta"].size),
    )


def _total_bands(figures: Mapping[str, np.ndarray]) -> TotalBands:
    """The totals' bands, with ``cost_delta_pct``: each draw's cost against today over
    today's cost at that same draw. A draw at which today costs nothing has no such
    share, and a band of the other draws would pass for all of them: then none."""
    today = figures["baseline_cost"]
    share = _band(figures["cost_delta"] / today) if np.all(today > 0) else None
    return TotalBands(**dict(_bands(figures)), cost_delta_pct=share)


def sensitivity(
    evaluation: StrategyEvaluation, cube: Cube, options: SimulationOptions, metric: str
) -> Sensitivity:
    """Each uncertain key alone at its low and its high (a normal range: mean ∓ 1.645 sd,
    within the key's bounds), the others at base; ranked by the swing of ``metric``."""
    evaluator = Evaluator(evaluation, cube, options)
    keys = []
    for name, spread in evaluation.strategy.uncertainty.items():
        key = evaluator.keys[name]
        low, high = (key.clip(value) for value in spread.bounds)
        at_low = evaluator.figures({name: low}).totals[metric]
        at_high = evaluator.figures({name: high}).totals[metric]
        keys.append(
            KeySensitivity(
                key=name, low=low, high=high, at_low=at_low, at_high=at_high,
                swing=abs(at_high - at_low),
            )
        )
    keys.sort(key=lambda item: item.swing, reverse=True)
    base = getattr(evaluation.result.totals, metric)
    return Sensitivity(metric=metric, base=base, keys=keys)
