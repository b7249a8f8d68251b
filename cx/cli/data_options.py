"""Loading data for commands that read interactions (shared by simulate, compare...)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cx.cli import rerun
from cx.cli.common import note, stderr_console
from cx.cli.options import DataArgs, RunArgs
from cx.errors import StrategyError, UsageError
from cx.models.numbers import parse_agents  # noqa: F401  (commands import it from here)
from cx.models.vocabulary import DEFAULT_PERIOD, DEFAULT_WINDOW_HOURS, INTERVALS, PERIODS, one_of

if TYPE_CHECKING:
    from rich.console import Console

    from cx.data.cube import Cube
    from cx.loader.strategy import StrategyFile
    from cx.models.inspect import InspectResult
    from cx.models.progress import Progress
    from cx.models.strategy import Strategy


#: Files smaller than this scan in about a second or less: no spinner for them.
PROGRESS_MIN_BYTES = 32 * 1024 * 1024


def _data_size(data: Path) -> int:
    try:
        if data.is_dir():
            return sum(part.stat().st_size for part in data.glob("*.parquet"))
        return data.stat().st_size
    except OSError:
        return 0


@contextmanager
def scan_progress(
    data: Path, quiet: bool, console: Console | None = None, min_bytes: int | None = None
) -> Iterator[Progress]:
    """A spinner on stderr naming a large data file while it is read, with the time it
    has taken (a Polars scan cannot say how far it is, so there is no percentage); it
    disappears when done. Yields the progress that the steps after the scan (journeys,
    outcomes) report to.

    Only on a terminal (never in pipes, CI logs or files) and never with --quiet.
    """
    from cx.cli.progress import terminal_progress

    console = console or stderr_console()
    size = _data_size(data)
    if size < (PROGRESS_MIN_BYTES if min_bytes is None else min_bytes):
        yield terminal_progress(quiet, console)
        return
    progress = terminal_progress(quiet, console, delay=0.0)
    with progress.step(f"reading {data.name} ({size / 1e6:,.0f} MB)"):
        yield progress


def load_cube(
    source: DataArgs,
    period: str,
    quiet: bool,
    journey_window: float | None = None,
    keep_rows: bool = False,
) -> Cube:
    """The cube of ``source.data``; with ``journey_window``, journeys and outcomes too;
    with ``keep_rows``, the valid rows for inspect (``cube.contact_rows``). The data's
    notes are the caller's to say."""
    from cx import api

    with scan_progress(source.data, quiet) as progress:
        cube = api.load_interactions(
            source.data,
            columns=source.columns,
            period=period,
            max_reject_rate=source.max_reject_rate,
            encoding=source.encoding,
            rejects=source.rejects,
            cache=not source.no_cache,
            outcomes=journey_window is not None,
            journey_window=journey_window if journey_window is not None else DEFAULT_WINDOW_HOURS,
            progress=progress,
            keep_rows=keep_rows,
        )
    if cube.cache_note is not None:
        rerun.spoil()  # a run whose cache failed is not one to replay
        note(f"note: {cube.cache_note}", quiet)
    return cube


def _depend_on_data(source: DataArgs) -> None:
    cached = not source.no_cache and source.rejects is None
    rerun.depend_on_data(source.data, source.columns, cached)


def check_period(period: str | None) -> str | None:
    if period is not None and period not in PERIODS:
        raise UsageError(f"unknown --period '{period}'", hint=f"use {one_of(PERIODS)}")
    return period


def strategies_for(paths: Sequence[Path | StrategyFile], run: RunArgs) -> list[Strategy]:
    """Load every strategy (cheap, fails fast) before any data is scanned; the findings
    of every file that has some are reported together. A file already read is not read
    again."""
    from cx.loader.strategy import StrategyFile, load_strategy

    check_interval(run.interval)
    strategies, findings = [], []
    for path in paths:  # every file's findings, not just the first file's
        try:
            if isinstance(path, StrategyFile):
                strategies.append(path.with_overrides(run.set_ or []))
            else:
                strategies.append(load_strategy(path, run.set_ or []))
        except StrategyError as error:
            findings.extend(error.findings)
    if findings:  # a file given twice is said once
        raise StrategyError(list(dict.fromkeys(findings)))
    rerun.depend_on(*(file for strategy in strategies for file in strategy.files))
    return strategies


def journey_window_for(source: DataArgs, strategies: list[Strategy]) -> float | None:
    """The journey window when journeys are needed (§10), else None (they cost a pass).

    Needed when asked for (--outcomes, --journey-window) or when a strategy uses
    `where: step`, `containment: observed` or a guard on an outcome metric.
    """
    from cx.replay.needs import outcomes_needed

    needed = source.outcomes or source.journey_window is not None
    needed = needed or any(outcomes_needed(s) is not None for s in strategies)
    if not needed:
        return None
    if source.journey_window is not None:
        return source.journey_window
    return strategies[0].journeys.window_hours if strategies else DEFAULT_WINDOW_HOURS


def cube_for(
    source: DataArgs,
    strategies: list[Strategy],
    quiet: bool,
    journeys: bool = True,
    keep_rows: bool = False,
) -> Cube:
    """Scan the data once, per --period or else the first strategy's period; with
    ``journeys``, with the journeys and outcomes the strategies or options need (else
    the caller reads them, with journey_window_for); with ``keep_rows``, keeping the
    valid rows for inspect (one read of the file for both). What the run must be read
    with is the caller's to say, with :func:`say_caveats`."""
    chosen = check_period(source.period) or (strategies[0].period if strategies else DEFAULT_PERIOD)
    _depend_on_data(source)
    window = journey_window_for(source, strategies)
    return load_cube(source, chosen, quiet, window if journeys else None, keep_rows)


def chosen_settings(source: DataArgs) -> list[str]:
    """The settings of the scan chosen for every strategy by an option (--period,
    --journey-window): of these, no note names the strategies that set another."""
    given = {"period": source.period, "journeys.window_hours": source.journey_window}
    return [key for key, value in given.items() if value is not None]


def say_caveats(
    source: DataArgs,
    strategies: list[Strategy],
    cube: Cube,
    quiet: bool,
    profile: InspectResult | None = None,
) -> list[str]:
    """Say on stderr what the figures of ``strategies`` on ``cube`` (``cube_for``'s) must
    be read with, and return it, unlabelled, as the JSON's ``caveats`` and the report's
    Caveats give it: one derivation for all three (:func:`cx.caveats.labelled_caveats`).
    Said once the data is read (and ``profile``, its profile, made), so that a run the
    data refuses is said nothing of."""
    from cx.caveats import labelled_caveats

    said = labelled_caveats(
        strategies, cube, profile, rejects=source.rejects, chosen=chosen_settings(source)
    )
    for label, text in said:
        note(f"{label}{text}", quiet)
    return [text for _, text in said]


def check_interval(interval: int | None) -> int | None:
    if interval is not None and interval not in INTERVALS:
        raise UsageError(
            f"--interval {interval} is not {one_of(INTERVALS)} minutes",
            hint=f"use {one_of(INTERVALS)}",
        )
    return interval


def samples_for(strategies: list[Strategy], samples: int | None) -> int:
    """The draws of ``--samples``: 1000 when not given (strategies without `uncertainty:`
    get none); given, at least one strategy must declare what is uncertain."""
    from cx.models.uncertainty import DEFAULT_SAMPLES

    if samples is None:
        return DEFAULT_SAMPLES
    if samples and not any(strategy.uncertainty for strategy in strategies):
        raise UsageError(
            "--samples draws the strategy's `uncertainty:` ranges, and it has none",
            hint="add an `uncertainty:` block, e.g. `uncertainty: {volume: {low: 0.9, "
            "high: 1.1}}`, or --set 'uncertainty.volume={low: 0.9, high: 1.1}'",
        )
    return samples
