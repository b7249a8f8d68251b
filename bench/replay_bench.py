"""How long `--replay` takes: the event loop alone, and whole runs on 1M and 10M rows.

Replay is the one step after the scan whose cost grows with the rows (DESIGN §6b), so
it is measured on its own:

* **engine**: ``run_queue`` (the FCFS event loop) on N synthetic contacts — Poisson
  arrivals over 60-minute intervals with a daily profile, lognormal handle times,
  some with an observed patience — through an Erlang C plan; and ``fit_agents`` (--fit).
* **files**: on ``bench/data/i1m.csv`` and ``i10m.csv`` (``cx generate`` output): the
  scan, ``simulate`` without and with replay, and the replay's own parts — reading the
  rows a second time (``trace``) and routing + queueing every live channel (``queue``).

    python bench/replay_bench.py                         # engine 1M and 10M, both files
    python bench/replay_bench.py --engine 1000000 --files bench/data/i1m.csv --fit
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
STRATEGY = ROOT / "strategies" / "digital-first.yaml"


def synthetic(contacts: int, seed: int = 0) -> dict[str, np.ndarray]:
    """About ``contacts`` arrivals, hourly intervals, a busy day profile (A ≈ 5..60)."""
    from cx.staffing import erlang

    rng = np.random.default_rng(seed)
    service_mean = 300.0
    profile = 5 + 55 * np.sin(np.linspace(0, np.pi, 12)) ** 2  # erlangs over 12 open hours
    per_day = float((profile / service_mean * 3600).sum())
    days = max(1, round(contacts / per_day))
    loads = np.tile(profile, days)
    starts = (np.arange(days)[:, None] * 86_400 + 8 * 3600 + np.arange(12) * 3600).ravel()
    counts = rng.poisson(loads / service_mean * 3600)
    arrive = np.sort(np.repeat(starts.astype(float), counts) + rng.uniform(0, 3600, counts.sum()))
    service = rng.lognormal(np.log(service_mean) - 0.18, 0.6, arrive.size)
    patience = np.where(rng.random(arrive.size) < 0.05, rng.exponential(120, arrive.size), np.inf)
    agents = erlang.required_agents(counts * service_mean / 3600, service_mean, 0.8, 20)
    return {
        "arrive": arrive,
        "service": service,
        "patience": patience,
        "bounds": starts.astype(float),
        "agents": agents,
    }


def timed(label: str, function, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = function(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"  {label:<34} {seconds:8.2f} s", flush=True)
    return value, seconds


def bench_engine(sizes: list[int], fit: bool) -> list[tuple[str, int, float]]:
    from cx.staffing.queue import fit_agents, run_queue

    rows = []
    for size in sizes:
        trace = synthetic(size)
        n = trace["arrive"].size
        print(f"engine: {n:,} contacts, {trace['bounds'].size:,} intervals", flush=True)
        _, seconds = timed(
            "run_queue",
            run_queue,
            trace["arrive"],
            trace["service"],
            trace["bounds"],
            trace["agents"],
            trace["patience"],
        )
        rows.append(("event loop (run_queue)", n, seconds))
        if fit:
            _, seconds = timed(
                "fit_agents (--fit)",
                fit_agents,
                trace["arrive"],
                trace["service"],
                trace["patience"],
                trace["bounds"],
                trace["agents"],
                1.0,
                0.8,
                20.0,
            )
            rows.append(("--fit (fit_agents)", n, seconds))
    return rows


def bench_file(path: Path, fit: bool) -> list[tuple[str, int, float]]:
    from cx import api
    from cx.data.contacts import ContactFile
    from cx.replay.engine import (
        SimulationOptions,
        _evaluate,
        handle_time_profiles,
        handle_times,
    )
    from cx.replay.routing import trace_query
    from cx.replay.trace import ReplayOptions, replay_plan

    print(f"file: {path}", flush=True)
    strategy = api.load_strategy(STRATEGY)
    cube, scan_s = timed("scan (cube)", api.load_interactions, path)
    rows_read = cube.meta.rows_read
    _, plain_s = timed("simulate", api.simulate, strategy, cube)
    result, replay_s = timed("simulate --replay", api.simulate, strategy, cube, replay=True)
    replayed = sum(c.replay.contacts for c in result.channels if c.replay is not None)
    out = [
        ("scan", rows_read, scan_s),
        ("simulate (no replay)", rows_read, plain_s),
        ("simulate --replay", rows_read, replay_s),
    ]
    # The replay's own parts, on the same plan.
    evaluation = _evaluate(strategy, cube, SimulationOptions())
    plan, rules = evaluation.staffing, evaluation.rules
    live = sorted(set(plan.intervals["channel"].to_list()))
    source = ContactFile(path)
    query = trace_query(
        rules,
        source.rows(),
        cube.meta.period,
        cube.meta.period_starts,
        rules.sources_reaching(live),
    )
    trace, trace_s = timed("  second pass (trace rows)", source.collect, query)
    out.append(("  second pass: read live rows", trace.height, trace_s))
    kwargs = {
        "handle_time": handle_times(strategy, cube, strategy.offered),
        "handle_time_by_hour": handle_time_profiles(strategy, cube),
        "period": cube.meta.period,
        "period_starts": cube.meta.period_starts,
        "interval_minutes": strategy.staffing.interval,
    }
    _, whole_s = timed(
        "  replay_plan", replay_plan, strategy, rules, plan.intervals, source, **kwargs
    )
    out.append(("  route + queue (after the read)", replayed, whole_s - trace_s))
    out.append(("replay step (read + route + queue)", replayed, whole_s))
    if fit:
        _, fit_s = timed(
            "  replay_plan --fit",
            replay_plan,
            strategy,
            rules,
            plan.intervals,
            source,
            options=ReplayOptions(fit=True),
            **kwargs,
        )
        out.append(("replay step with --fit", replayed, fit_s))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--files",
        type=Path,
        nargs="*",
        default=[ROOT / "bench/data/i1m.csv", ROOT / "bench/data/i10m.csv"],
    )
    parser.add_argument("--fit", action="store_true", help="also time --fit")
    args = parser.parse_args()
    table: list[tuple[str, str, int, float]] = []
    for label, n, seconds in bench_engine(args.engine, args.fit):
        table.append(("engine", label, n, seconds))
    for path in args.files:
        if not path.exists():
            print(f"skipped (missing): {path}")
            continue
        for label, n, seconds in bench_file(path, args.fit):
            table.append((path.name, label, n, seconds))
    print("\n| input | step | rows / contacts | seconds | per second |")
    print("|---|---|---:|---:|---:|")
    for source, label, n, seconds in table:
        print(f"| {source} | {label} | {n:,} | {seconds:.2f} | {n / seconds:,.0f} |")


if __name__ == "__main__":
    main()
