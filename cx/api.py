"""The Python API of cx: what the CLI calls, and what scripts call.

Typical use::

    import cx
    cube = cx.load_interactions("examples/interactions.csv")   # one scan
    result = cx.simulate(cx.load_strategy("strategies/digital-first.yaml"), cube)
    print(result.totals.cost, result.model_dump()["totals"]["coverage"])
    curve = cx.sweep("strategies/digital-first.yaml", "shifts.0.to.app", [0.3, 0.5], cube)
"""

from __future__ import annotations

import dataclasses
import inspect
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, overload

from cx import api_checks as check
from cx.data.cube import Cube
from cx.data.journeys import kept_rows
from cx.data.scan import DEFAULT_MAX_REJECT_RATE, KeptRows, ScanOptions, scan
from cx.errors import InputError, StrategyError
from cx.loader.mapping import load_mapping
from cx.loader.strategy import StrategyFile, strategy_from_dict, strategy_with_overrides
from cx.loader.strategy import load_strategy as _load_strategy_file
from cx.models.mapping import Mapping as ColumnMapping
from cx.models.numbers import MAX_SEED, check_sweep_key
from cx.models.result import (
    Comparison,
    GridStep,
    Result,
    Sensitivity,
    SweepGrid,
    SweepResult,
    SweepStep,
)
from cx.models.source import SET_OPTION
from cx.models.strategy import Strategy
from cx.models.vocabulary import DEFAULT_PERIOD, DEFAULT_WINDOW_HOURS
from cx.replay.engine import SimulationOptions, StrategyEvaluation
from cx.replay.engine import evaluate as _evaluate

if TYPE_CHECKING:
    import polars as pl

    from cx.data.cube import DataMeta
    from cx.models.inspect import InspectResult
    from cx.models.progress import Progress
    from cx.onboard import Proposal

_P = ParamSpec("_P")


def load_strategy(
    source: str | Path | Mapping[str, Any], overrides: Iterable[str] = ()
) -> Strategy:
    """A validated strategy from a YAML file or a dict; ``overrides`` are ``KEY=VALUE``."""
    source = check.require_strategy_source(source)
    overrides = check.require_overrides(overrides)
    if isinstance(source, Mapping):
        try:
            return strategy_from_dict(source, overrides)
        except RecursionError:
            raise InputError(
                "the strategy dict is nested too deeply to read", hint="a strategy is a few levels"
            ) from None
    return _load_strategy_file(source, overrides)


def load_interactions(
    path: str | Path,
    columns: str | Path | ColumnMapping | None = None,
    period: str = DEFAULT_PERIOD,
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE,
    encoding: str = "utf8",
    rejects: str | Path | None = None,
    cache: bool = False,
    outcomes: bool = False,
    journey_window: float = DEFAULT_WINDOW_HOURS,
    progress: Progress | None = None,
    keep_rows: bool = False,
) -> Cube:
    """Scan an interaction file once into a reusable :class:`Cube`.

    ``columns`` is a mapping file (or a :class:`~cx.models.mapping.Mapping`);
    ``rejects`` names a CSV file that receives every rejected row; ``cache``
    reuses the cube of an unchanged file from an earlier run (``CX_CACHE_DIR``,
    default ``~/.cache/cx``; when it cannot be written the cube says why in
    ``cube.cache_note`` and nothing is cached). ``outcomes`` adds journeys (with ``journey_window``
    hours), resolution and satisfaction (§10), reported to ``progress`` as a step; they
    come from the rows the scan keeps, so the file is read once (twice where the cube
    comes from the cache). ``keep_rows`` keeps those rows in ``cube.contact_rows`` for a
    later :func:`inspect_interactions` of the cube or an :func:`evaluate` with
    ``replay=True``, which then read no file; they cost memory while the cube holds them
    (inspect lets them go). A cube from the cache was read from no file, so it keeps
    no rows (``cube.contact_rows`` is None): those calls read the file once then. (The
    scan itself cannot say how far it is: a caller that shows progress names it, as the
    command line does.)
    """
    path = check.require_path(path, "path")
    columns = check.require_columns(columns)
    period = check.require_text(period, "period")
    max_reject_rate = check.require_share(max_reject_rate, "max_reject_rate")
    encoding = check.require_encoding(encoding)
    rejects = check.require_optional_path(rejects, "rejects")
    cache = check.require_flag(cache, "cache")
    outcomes = check.require_flag(outcomes, "outcomes")
    journey_window = check.require_window(journey_window, "journey_window")
    progress = check.require_progress(progress)
    keep_rows = check.require_flag(keep_rows, "keep_rows")
    mapping = columns if isinstance(columns, ColumnMapping) else load_mapping(columns)
    if outcomes:
        from cx.data.journeys import check_window

        check_window(journey_window)
    keep = kept_rows() if outcomes or keep_rows else None
    cube = _load_cube(path, mapping, period, max_reject_rate, encoding, rejects, cache, keep)
    cube.mapping = mapping
    kept = keep.frame if keep is not None else None
    if keep_rows:
        cube.contact_rows = kept
    if outcomes:
        from cx.data.fine import is_cube_file
        from cx.data.journeys import read_outcomes, scan_outcomes

        if Path(path).is_dir() or is_cube_file(Path(path)):
            cube.outcomes = read_outcomes(Path(path), journey_window)
            if cube.outcomes is None:
                raise InputError(
                    "journeys and outcomes need single contacts, and this cube file has "
                    "none of their counts",
                    file=path,
                    hint="point --data at the interaction export itself, or build the cube "
                    "file with `cx cube --outcomes`",
                )
            return cube
        with progress.step(f"journeys and outcomes of {cube.meta.rows_used:,} contacts"):
            cube.outcomes = scan_outcomes(path, mapping, journey_window, encoding, kept)
    return cube


def _load_cube(
    path: str | Path,
    mapping: ColumnMapping,
    period: str,
    max_reject_rate: float,
    encoding: str,
    rejects: str | Path | None,
    cache: bool,
    keep: KeptRows | None = None,
) -> Cube:
    options = ScanOptions(period=period, max_reject_rate=max_reject_rate, encoding=encoding)
    if rejects is not None:
        cube = scan(path, mapping, options, rejects_out=_rejects_out(rejects, path), keep=keep)
        return _examined(cube, path, mapping, encoding)
    if not cache:
        return _examined(scan(path, mapping, options, keep=keep), path, mapping, encoding)
    from cx.data import cache as cube_cache
    from cx.data.files import check_data_path
    from cx.data.fine import is_cube_file
    from cx.data.scan import enforce_reject_rate

    source = Path(path)
    check_data_path(source)
    if source.is_dir() or is_cube_file(source):  # a cube file is read as fast as a cache entry
        return scan(source, mapping, options)
    try:
        key = cube_cache.cache_key(source, mapping, period, encoding)
    except OSError:
        key = None
    if key is None:  # not a regular file: its content may differ at every read
        return _examined(scan(source, mapping, options, keep=keep), source, mapping, encoding)
    cube = cube_cache.load(key)
    if cube is None:
        cube = _examined(scan(source, mapping, options, keep=keep), source, mapping, encoding)
        cube.cache_note = cube_cache.store(cube, key)
    else:
        cube.meta.file = str(source)  # the file asked for, never one a cache entry names
        meta = cube.meta
        enforce_reject_rate(
            meta.rows_read, meta.rows_rejected, meta.rejects_sample, max_reject_rate, source
        )
    return cube


def _rejects_out(rejects: str | Path, path: str | Path) -> Callable[[pl.DataFrame], None]:
    """What writes a scan's rejected rows to the CSV file ``rejects``."""
    from cx.data.spreadsheet import spreadsheet_frame
    from cx.io import write_frame_csv

    target = Path(rejects)
    return lambda rows: write_frame_csv(spreadsheet_frame(rows), target, [path])


def _examined(cube: Cube, path: str | Path, mapping: ColumnMapping, encoding: str) -> Cube:
    """The cube with its file's duplicate rows counted and loosely matched columns noted
    (``cube.meta.duplicate_rows`` and ``cube.meta.notes``); not for cube files."""
    from cx.data.fine import is_cube_file
    from cx.data.layout import resolve_layout
    from cx.data.notes import examine

    source = Path(path)
    if not is_cube_file(source):
        examine(cube.meta, resolve_layout(source, mapping, encoding), mapping, encoding)
    return cube


def evaluate(
    strategy: Strategy,
    cube: Cube,
    interval: int | None = None,
    agents: Mapping[str, int] | None = None,
    *,
    replay: bool = False,
    seed: int = 0,
    fit: bool = False,
    columns: str | Path | ColumnMapping | None = None,
    encoding: str = "utf8",
    progress: Progress | None = None,
    samples: int = 0,
) -> StrategyEvaluation:
    """One strategy evaluated on a cube, with its status quo, once: the ``result``
    :func:`simulate` returns (the baseline and guards come with it) and what the views
    set beside it (the status quo's ``baseline_totals``, the staffing plan with its
    interval frame).

    ``replay`` also replays the staffing plan on the single contacts of the cube's file
    (the rows a cube loaded with ``keep_rows=True`` kept, else read once more, with the
    mapping the cube was loaded with unless ``columns`` names another; ``encoding``
    must be the one the cube was built with): each live
    channel gets ``replay`` figures, and ``fit`` adds the agent-hours of the smallest
    staffing that holds on them. ``seed`` fixes which contacts rules move.
    The replay's steps (reading the contacts, the queues) are reported to ``progress``.

    With ``samples`` > 0, a strategy with an ``uncertainty:`` block is also evaluated at
    that many draws of its uncertain keys, drawn with ``seed``: the result gets ``bands``
    (p5, p50, p95 and the share of draws that save) beside its point figures. (Scripts
    ask for draws; the command line draws 1000 unless ``--samples`` says otherwise.)
    """
    from cx.data.contacts import ContactFile, ContactFrame, ContactSource
    from cx.errors import UsageError
    from cx.replay.trace import ReplayOptions

    strategy = check.require_strategy(strategy)
    cube = check.require_cube(cube)
    interval = check.require_interval(interval)
    agents = check.require_agents(agents)
    replay = check.require_flag(replay, "replay")
    seed = check.require_whole(seed, "seed", 0, MAX_SEED)
    fit = check.require_flag(fit, "fit")
    columns = check.require_columns(columns)
    encoding = check.require_encoding(encoding)
    progress = check.require_progress(progress)
    samples = check.require_samples(samples)
    if fit and not replay:
        raise UsageError("fit needs replay", hint="pass replay=True (--replay) as well")
    contacts: ContactSource | None = None
    if replay and cube.contact_rows is not None:  # kept from the scan: no second read
        contacts = ContactFrame(cube.contact_rows)
    elif replay:
        contacts = ContactFile(Path(cube.meta.file), _mapping_of(columns, cube), encoding)
    options = SimulationOptions(
        interval=interval,
        agents=agents,
        replay=ReplayOptions(seed=seed, fit=fit, progress=progress) if replay else None,
        contacts=contacts,
    )
    evaluation = _evaluate(strategy, cube, options)
    _with_bands([evaluation], cube, options, samples, seed, progress)
    return evaluation


def _mapping_of(columns: ColumnMapping | Path | None, cube: Cube) -> ColumnMapping:
    """The mapping to read ``cube``'s file with again: ``columns`` where given, else the
    one the cube was scanned with (a cube from a mapped export read without it would
    count other rows and other channels)."""
    if columns is None and cube.mapping is not None:
        return cube.mapping
    return columns if isinstance(columns, ColumnMapping) else load_mapping(columns)


def _with_bands(
    evaluations: list[StrategyEvaluation],
    cube: Cube,
    options: SimulationOptions,
    samples: int,
    seed: int,
    progress: Progress,
) -> None:
    """Bands for each evaluation whose strategy declares uncertainty (§12)."""
    from cx.replay.bands import attach_bands

    for evaluation in evaluations:
        if not evaluation.strategy.uncertainty or samples == 0:
            continue
        name = evaluation.strategy.name
        with progress.step(f"{samples:,} draws of {name}", samples) as step:
            attach_bands(evaluation, cube, options, samples, seed, step.advance)


def _result_of(evaluation: Callable[_P, StrategyEvaluation]) -> Callable[_P, Result]:
    """A function with ``evaluation``'s parameters that returns only its result."""

    def simulate(*args: _P.args, **kwargs: _P.kwargs) -> Result:
        return evaluation(*args, **kwargs).result

    simulate.__signature__ = inspect.signature(evaluation).replace(  # type: ignore[attr-defined]
        return_annotation=Result
    )
    return simulate


simulate = _result_of(evaluate)
simulate.__doc__ = """Replay one strategy on a cube; the baseline and guards come with it.

Takes :func:`evaluate`'s arguments and returns its ``result``.
"""


def compare(
    strategies: Iterable[Strategy],
    cube: Cube,
    interval: int | None = None,
    agents: Mapping[str, int] | None = None,
) -> Comparison:
    """Every strategy evaluated on the same cube (one scan, many cheap evaluations).

    Strategies that share a catalog share one baseline evaluation.
    """
    evaluations = evaluate_all(strategies, cube, interval, agents)
    return Comparison(results=[evaluation.result for evaluation in evaluations])


def evaluate_all(
    strategies: Iterable[Strategy],
    cube: Cube,
    interval: int | None = None,
    agents: Mapping[str, int] | None = None,
    *,
    samples: int = 0,
    seed: int = 0,
    progress: Progress | None = None,
) -> list[StrategyEvaluation]:
    """:func:`compare`'s evaluations, one per strategy in order (see :func:`evaluate`;
    ``samples`` and ``seed`` give bands to the strategies that declare uncertainty)."""
    strategies = check.require_strategies(strategies)
    cube = check.require_cube(cube)
    interval = check.require_interval(interval)
    agents = check.require_agents(agents)
    samples = check.require_samples(samples)
    seed = check.require_whole(seed, "seed", 0, MAX_SEED)
    progress = check.require_progress(progress)
    options = SimulationOptions(interval=interval, agents=agents)
    evaluations = _evaluate_all(list(strategies), cube, options)
    _with_bands(evaluations, cube, options, samples, seed, progress)
    return evaluations


#: Evaluations run side by side: they are Polars and numpy work that releases the GIL.
EVALUATION_THREADS = 2


def _evaluate_all(
    strategies: list[Strategy], cube: Cube, options: SimulationOptions
) -> list[StrategyEvaluation]:
    """Every strategy on ``cube``, in order, sharing baseline evaluations: the first one
    alone (it evaluates the baseline its catalog shares with the others), the rest
    ``EVALUATION_THREADS`` at a time. The results do not depend on the order."""
    if not strategies:
        return []
    baselines: dict[str, Any] = {}
    first = _evaluate(strategies[0], cube, options, baselines)
    with ThreadPoolExecutor(max_workers=EVALUATION_THREADS) as pool:
        rest = pool.map(lambda s: _evaluate(s, cube, options, baselines), strategies[1:])
        return [first, *rest]


@overload
def sweep(
    strategy: str | Path | Mapping[str, Any] | Strategy | StrategyFile,
    key: str,
    values: Iterable[float | int | str],
    cube: Cube,
    overrides: Iterable[str] = ...,
    interval: int | None = ...,
    *,
    key2: None = ...,
    values2: None = ...,
) -> SweepResult: ...


@overload
def sweep(
    strategy: str | Path | Mapping[str, Any] | Strategy | StrategyFile,
    key: str,
    values: Iterable[float | int | str],
    cube: Cube,
    overrides: Iterable[str] = ...,
    interval: int | None = ...,
    *,
    key2: str,
    values2: Iterable[float | int | str],
) -> SweepGrid: ...


def sweep(
    strategy: str | Path | Mapping[str, Any] | Strategy | StrategyFile,
    key: str,
    values: Iterable[float | int | str],
    cube: Cube,
    overrides: Iterable[str] = (),
    interval: int | None = None,
    *,
    key2: str | None = None,
    values2: Iterable[float | int | str] | None = None,
) -> SweepResult | SweepGrid:
    """Simulate ``strategy`` once per value of ``key`` (a dotted path, as in ``--set``).

    Returns a :class:`SweepResult`; with ``key2`` and ``values2``, the strategy once
    per pair of values instead (a grid of at most ``MAX_GRID_POINTS`` points, the first
    key's values as rows): a :class:`SweepGrid`. A strategy file is read once: every
    point comes from that one reading, even when the file is edited during the sweep.
    """
    if not isinstance(strategy, Strategy | StrategyFile):
        strategy = check.require_strategy_source(strategy, "strategy")
    key = check_sweep_key(check.require_text(key, "key"))
    values = check.require_sweep_values(values)
    second = check.require_grid(key, values, key2, values2)
    cube = check.require_cube(cube)
    overrides = check.require_overrides(overrides)
    interval = check.require_interval(interval)
    points: list[dict[str, float | int | str]] = [{key: value} for value in values]
    if second is not None:
        other, other_values = second
        points = [{key: value, other: each} for value in values for each in other_values]
    if isinstance(strategy, str | Path):  # read once: every point of one version of the file
        strategy = StrategyFile.read(strategy)
    step_strategies = [_swept(strategy, overrides, point) for point in points]
    evaluations = _evaluate_all(step_strategies, cube, SimulationOptions(interval=interval))
    results = [evaluation.result for evaluation in evaluations]
    name = results[-1].strategy.name if results else ""
    if second is None:
        steps = [SweepStep(value=v, result=r) for v, r in zip(values, results, strict=True)]
        return SweepResult(strategy=name, key=key, steps=steps)
    grid = [GridStep(values=p, result=r) for p, r in zip(points, results, strict=True)]
    return SweepGrid(strategy=name, keys=[key, other], steps=grid)


def _swept(
    strategy: Mapping[str, Any] | Strategy | StrategyFile,
    overrides: list[str],
    point: Mapping[str, float | int | str],
) -> Strategy:
    """``strategy`` at one point of a sweep; a value that breaks a rule of the strategy is
    an error that says which point it was, beside where the rule is written: each
    finding names the swept values it does not name already (as ``--set KEY=VALUE``)."""
    swept = [f"{key}={value}" for key, value in point.items()]
    try:
        return _with_overrides(strategy, [*overrides, *swept])
    except StrategyError as error:
        findings = []
        for finding in error.findings:
            named = f"{finding.file or ''} {finding.message}"
            unnamed = [value for value in swept if f"{SET_OPTION}{value}" not in named]
            at = f" (with {', '.join(unnamed)} of the sweep)" if unnamed else ""
            findings.append(dataclasses.replace(finding, message=finding.message + at))
        raise StrategyError(findings) from None


def sensitivity(
    strategy: Strategy,
    cube: Cube,
    metric: str = "cost_delta",
    interval: int | None = None,
    agents: Mapping[str, int] | None = None,
) -> Sensitivity:
    """Which assumption matters (a tornado): each key of ``strategy``'s ``uncertainty:``
    alone at its low and its high (normal ranges at mean ∓ 1.645 sd) with the others at
    their base values, ranked by how far ``metric`` (cost, cost_delta, coverage or
    agent_hours) swings between the two."""
    from cx.replay.bands import BAND_METRICS
    from cx.replay.bands import sensitivity as _sensitivity

    strategy = check.require_strategy(strategy)
    cube = check.require_cube(cube)
    metric = check.require_text(metric, "metric", BAND_METRICS)
    interval = check.require_interval(interval)
    agents = check.require_agents(agents)
    if not strategy.uncertainty:
        raise InputError(
            f"strategy '{strategy.name}' declares nothing uncertain",
            file=strategy.file,
            hint="add an `uncertainty:` block of ranges, e.g. `uncertainty: "
            "{shifts.0.containment: {low: 0.6, high: 0.9}}`",
        )
    options = SimulationOptions(interval=interval, agents=agents)
    return _sensitivity(_evaluate(strategy, cube, options), cube, options, metric)


def _with_overrides(
    strategy: Mapping[str, Any] | Strategy | StrategyFile, overrides: list[str]
) -> Strategy:
    if isinstance(strategy, Strategy):
        return strategy_with_overrides(strategy, overrides)
    if isinstance(strategy, StrategyFile):
        return strategy.with_overrides(overrides)
    return load_strategy(strategy, overrides)


def inspect_interactions(
    source: str | Path | Cube,
    columns: str | Path | ColumnMapping | None = None,
    period: str | None = None,
    window_hours: float = DEFAULT_WINDOW_HOURS,
    encoding: str = "utf8",
    progress: Progress | None = None,
    journey_window: float | None = None,
) -> InspectResult:
    """Profile interaction data (`cx inspect`): volumes, channel preference by segment,
    stage and intent, channels per customer, switching, journeys and repeat rates.

    ``source`` is a file (read once, for the cube and the single contacts, by ``period``:
    default months) or a cube from :func:`load_interactions` (counted by the period it
    was loaded with, which a ``period`` given must be), whose file is read once more,
    row by row, for what needs single contacts, unless it was loaded with
    ``keep_rows=True`` (those rows are then used, and released). A cube is read with the
    mapping it was loaded with (its ``anonymous_ids`` matter here) unless ``columns``
    names another. That reading is reported to ``progress`` as a step. With
    ``journey_window`` (hours) and a cube, the same reading also gives the cube its
    journeys and outcomes (``cube.outcomes``, as :func:`load_interactions` with
    ``outcomes=True`` does): one read and one sort of the rows instead of two.
    """
    from cx.inspect import inspect_cube

    if not isinstance(source, Cube):
        source = check.require_path(source, "source")
    columns = check.require_columns(columns)
    if period is not None:
        period = check.require_text(period, "period")
    window_hours = check.require_window(window_hours, "window_hours")
    if journey_window is not None:
        journey_window = check.require_window(journey_window, "journey_window")
    encoding = check.require_encoding(encoding)
    progress = check.require_progress(progress)
    if isinstance(source, Cube):
        if period is not None and period != source.meta.period:
            raise InputError(
                f"period {period!r} is not the period the cube was loaded with "
                f"({source.meta.period})",
                hint=f"load it with cx.load_interactions(path, period={period!r}), or "
                "inspect the file itself",
            )
        cube, mapping = source, _mapping_of(columns, source)
    else:
        mapping = columns if isinstance(columns, ColumnMapping) else load_mapping(columns)
        cube = load_interactions(
            source, mapping, period=period or DEFAULT_PERIOD, encoding=encoding, keep_rows=True
        )
    return inspect_cube(
        cube,
        mapping,
        window_hours=window_hours,
        encoding=encoding,
        progress=progress,
        journey_window=journey_window,
    )


def caveats(
    strategies: Iterable[Strategy],
    cube: Cube,
    profile: InspectResult | None = None,
    rejects: str | Path | None = None,
    chosen: Iterable[str] = (),
) -> list[str]:
    """What the figures of ``strategies`` run on ``cube`` must be read with, each once: the
    notes on strategies side by side (money labelled in different currencies, which cx
    does not convert; the cube's period or journey window that every strategy is
    evaluated with, the first strategy's or another the cube was loaded with, naming
    those that set another), the data's notes (loose columns,
    short periods, duplicate and rejected rows), the warnings of ``profile`` (from
    :func:`inspect_interactions` on the same data) and the strategies' warnings (rules
    that move nothing, ramps unfinished within the data, ``min_agents`` floors held
    nowhere). These are the sentences the command line says on stderr, gives in its JSON
    (``caveats``) and ``cx report`` lists under its "Caveats", for a script that builds
    its own page. ``rejects`` is
    the file the data's rejected rows were written to (as :func:`load_interactions` was
    given it), which the note on them names; ``chosen`` names the settings the cube was
    loaded with for every strategy (``"period"``, ``"journeys.window_hours"``, as
    ``--period`` and ``--journey-window`` choose them), of which no note names the
    strategies that set another."""
    from cx.caveats import SCANNED_ONCE
    from cx.caveats import caveats as _caveats

    strategies = check.require_strategies(strategies)
    cube = check.require_cube(cube)
    profile = check.require_profile(profile)
    rejects = check.require_optional_path(rejects, "rejects")
    chosen = check.require_names(chosen, "chosen", SCANNED_ONCE)
    return _caveats(strategies, cube, profile, rejects, chosen)


def staffing_intervals(
    strategy: Strategy,
    cube: Cube,
    interval: int | None = None,
    agents: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """Per live channel and staffed interval: contacts, load (erlangs), agents and more.

    Columns: channel, period_start, interval_start, contacts, load, service_time,
    target, within, max_occupancy, agents_raw (before min_agents), agents (in seat,
    before shrinkage), agents_separate (what the queue needs in the model pooling
    overhead compares with one pool), service_level, average_wait. Intervals without arrivals are
    absent. This is the frame behind `simulate`'s agent-hours; the §8 JSON leaves it out.
    """
    from cx.replay.engine import staffing_plan

    strategy = check.require_strategy(strategy)
    cube = check.require_cube(cube)
    interval = check.require_interval(interval)
    agents = check.require_agents(agents)
    options = SimulationOptions(interval=interval, agents=agents)
    return staffing_plan(strategy, cube, options).intervals


def build_cube_file(
    path: str | Path,
    output: str | Path,
    columns: str | Path | ColumnMapping | None = None,
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE,
    encoding: str = "utf8",
    journey_window: float | None = None,
    rejects: str | Path | None = None,
    meta_out: Callable[[DataMeta], None] | None = None,
) -> int:
    """Scan an interaction file once and write its cube file (Parquet, docs/scale.md).

    The cube file is a ``--data`` file for every command that needs only the cube,
    for any period; its rows are what ``cx cube --sql`` computes on a warehouse. With
    ``journey_window`` (hours) it also carries the journeys and outcomes (§10) that
    ``outcomes=True`` reads back. It carries the export's duplicate rows and notes
    too, which a cube loaded from it has in ``cube.meta``. ``rejects`` names a CSV
    file that receives every rejected row; ``meta_out`` is given the export's
    ``DataMeta`` for the default period, as :func:`load_interactions` has it (what
    ``cx.caveats.data_notes`` words). Returns the number of rows used.
    """
    from cx.data.files import check_data_path
    from cx.data.fine import in_file_order
    from cx.data.layout import resolve_layout
    from cx.data.notes import examine_fine
    from cx.data.scan import enforce_reject_rate, scan_fine
    from cx.io import write_frame_parquet

    path = check.require_path(path, "path")
    output = check.require_cube_output(output)
    columns = check.require_columns(columns)
    max_reject_rate = check.require_share(max_reject_rate, "max_reject_rate")
    encoding = check.require_encoding(encoding)
    journey_window = _optional_window(journey_window)
    rejects = check.require_optional_path(rejects, "rejects")
    meta_out = check.require_callback(meta_out, "meta_out")
    mapping = columns if isinstance(columns, ColumnMapping) else load_mapping(columns)
    ScanOptions(max_reject_rate=max_reject_rate, encoding=encoding)  # checks the values
    source = Path(path)
    check_data_path(source)
    keep = kept_rows() if journey_window is not None else None  # one read for both
    written = None if rejects is None else _rejects_out(rejects, source)
    fine = scan_fine(source, mapping, encoding, written, keep=keep)
    enforce_reject_rate(
        fine.rows_read, fine.rows_rejected, fine.rejects_sample, max_reject_rate, source
    )
    examine_fine(fine, resolve_layout(source, mapping, encoding), mapping, encoding)
    frame = fine.to_frame()
    if journey_window is not None and keep is not None:
        import polars as pl

        from cx.data.journeys import outcomes_frame, scan_outcomes

        outcomes = scan_outcomes(source, mapping, journey_window, encoding, keep.frame)
        frame = pl.concat([frame, outcomes_frame(outcomes)], how="diagonal")
    write_frame_parquet(in_file_order(frame), Path(output), [source])
    if meta_out is not None and fine.first is not None:  # no valid row: no period
        meta_out(fine.to_cube(DEFAULT_PERIOD, str(source)).meta)
    return fine.rows_used


def _optional_window(hours: object) -> float | None:
    return None if hours is None else check.require_window(hours, "journey_window")


def build_cube_file_with(
    engine: str,
    path: str | Path,
    output: str | Path,
    columns: str | Path | ColumnMapping | None = None,
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE,
    journey_window: float | None = None,
    meta_out: Callable[[DataMeta], None] | None = None,
    encoding: str = "utf8",
) -> int:
    """Write the cube file of an export with an SQL engine, ``duckdb`` or ``spark``
    (docs/scale-out.md): the statement of :func:`cube_sql`, executed by the engine on the
    export it reads itself. Spark also reads the paths a cluster reaches (``s3://``...).
    ``journey_window`` and ``meta_out`` as for :func:`build_cube_file`: the cube file of
    a local export carries its duplicate rows and notes as the scan's does; that of a
    path only Spark reads carries none, and the ``DataMeta`` given to ``meta_out`` has
    a note saying so. ``encoding="lossy"`` reads bytes that are not UTF-8 as '\ufffd',
    as the scan does: with Spark only (DuckDB refuses it). Returns the number of rows used."""
    from cx.data.engines import ENGINES, NOTES_UNCHECKED, build_cube_file, remote
    from cx.data.scan import enforce_reject_rate

    engine = check.require_text(engine, "engine", ENGINES[1:])
    check.require_path(path, "path")
    source = os.fspath(path)  # str(Path("s3://b/x")) would lose a slash
    output = check.require_cube_output(output)
    columns = check.require_columns(columns)
    max_reject_rate = check.require_share(max_reject_rate, "max_reject_rate")
    journey_window = _optional_window(journey_window)
    meta_out = check.require_callback(meta_out, "meta_out")
    encoding = check.require_encoding(encoding)
    mapping = columns if isinstance(columns, ColumnMapping) else load_mapping(columns)

    def within_rate(built: Any) -> None:
        enforce_reject_rate(
            built.rows_read, built.rows_rejected, built.rejects_sample, max_reject_rate, source
        )

    built = build_cube_file(
        engine, source, Path(output), mapping, within_rate, journey_window, encoding
    )
    if meta_out is not None and built.first is not None:  # no valid row: no period
        meta = built.to_cube(DEFAULT_PERIOD, source).meta
        if remote(source):
            meta.notes.append(NOTES_UNCHECKED)
        meta_out(meta)
    return built.rows_used


def cube_sql(
    dialect: str = "duckdb",
    table: str = "interactions",
    columns: Any = None,
    journey_window: float | None = None,
) -> str:
    """The SQL that builds a cube file from a table of canonical columns (docs/scale.md);
    with ``journey_window`` (hours), one that carries the journeys and outcomes too."""
    from cx.data.sql import DIALECTS
    from cx.data.sql import cube_sql as _cube_sql

    dialect = check.require_text(dialect, "dialect", DIALECTS)
    table = check.require_text(table, "table")
    columns = check.require_columns(columns)
    journey_window = _optional_window(journey_window)
    mapping = columns if isinstance(columns, ColumnMapping) else load_mapping(columns)
    return _cube_sql(dialect, table, mapping, journey_window)


def init_project(
    data: str | Path, directory: str | Path = ".", force: bool = False
) -> tuple[Proposal, list[Path]]:
    """Read an export, propose its mapping, and write ``columns.yaml``, ``follow.yaml``
    and ``push.yaml`` into ``directory``; the proposal and the files written.

    Existing files are refused (an :class:`InputError` naming them) unless ``force``.
    """
    from cx import onboard

    data = check.require_path(data, "data")
    directory = check.require_path(directory, "directory")
    force = check.require_flag(force, "force")
    onboard.project_paths(directory, force)  # refuse before reading the export
    proposal = onboard.propose(data)
    return proposal, onboard.write_project(proposal, directory, force)
