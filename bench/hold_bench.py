"""What `staffing: {hold: P}` buys and costs: how often the plan holds in replay, and
its agent-hours premium over the plain plan and over the hindsight `--fit`.

For each input, the strategy is simulated with `--replay` as written (the plain plan,
staffed for the expected arrivals, with `--fit`) and with `staffing.hold` at 0.8, 0.9
and 0.95. Over the live channels that are replayed:

* **held**: share of staffed intervals meeting their target in replay
  (`totals.replay_intervals_meeting_target`), the figure to read against P;
* **agent-hours** of those channels, and the premium over the plain plan and over the
  `--fit` agent-hours (the smallest staffing per interval that meets the target on the
  real trace: what a planner with hindsight would have needed);
* **plan seconds**: one `simulate` without replay (the plan alone), to keep it fast.

Inputs (the generated ones written once under bench/data/):

* the shipped example, `examples/interactions.csv`;
* a larger `cx generate` log (default 300,000 rows over 182 days);
* a Poisson phone queue: 100 calls an hour, round the clock for 28 days, exponential
  handle times of mean 180 s, staffed for 80 % within 20 s (`poisson-queue.csv`, with
  its own one-channel strategy): the textbook case the arrival model describes.

    python bench/hold_bench.py
    python bench/hold_bench.py --rows 1000000 --strategy strategies/digital-first.yaml
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOLDS = (0.8, 0.9, 0.95)


def generated(rows: int) -> Path:
    path = ROOT / "bench" / "data" / f"generated-{rows}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        cx = Path(sys.executable).parent / "cx"
        subprocess.run([str(cx), "generate", "-n", str(rows), "-o", str(path), "-q"], check=True)
    return path


POISSON_STRATEGY = {
    "name": "poisson-queue",
    "kind": "follow",
    "channels": {
        "phone": {
            "mode": "live",
            "handle_time": 180,
            "hourly_cost": 30,
            "service_level": {"target": 0.8, "within": 20},
        }
    },
}


def poisson_queue(days: int = 28, per_hour: float = 100.0, seed: int = 0) -> Path:
    import numpy as np
    import polars as pl

    path = ROOT / "bench" / "data" / "poisson-queue.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(seed)
        seconds = days * 86_400
        arrive = np.sort(rng.uniform(0, seconds, rng.poisson(per_hour * seconds / 3600)))
        start = np.datetime64("2024-01-01T00:00:00", "us")
        stamps = start + (arrive * 1e6).astype("timedelta64[us]")
        pl.DataFrame(
            {
                "customer_id": [f"c{i}" for i in range(arrive.size)],
                "timestamp": pl.Series(stamps).dt.strftime("%Y-%m-%d %H:%M:%S%.3f"),
                "channel": "phone",
                "handle_time": np.round(rng.exponential(180.0, arrive.size), 1),
            }
        ).write_csv(path)
    return path


def run(strategy_file: Path | dict[str, Any], cube: Any, hold: float | None) -> dict[str, float]:
    from cx import api

    overrides = [f"staffing.hold={hold}"] if hold is not None else []
    strategy = api.load_strategy(strategy_file, overrides=overrides)
    start = time.perf_counter()
    api.simulate(strategy, cube)
    plan_seconds = time.perf_counter() - start
    result = api.simulate(strategy, cube, replay=True, fit=hold is None)
    live = [c for c in result.channels if c.replay is not None]
    return {
        "held": result.totals.replay_intervals_meeting_target or 0.0,
        "agent_hours": sum(c.agent_hours for c in live),
        "fit_hours": sum(c.replay.fit_agent_hours or 0.0 for c in live if c.replay),
        "plan_seconds": plan_seconds,
    }


def bench(data: Path, strategy_file: Path | dict[str, Any]) -> list[tuple[str, ...]]:
    from cx import api

    cube = api.load_interactions(data)
    plain = run(strategy_file, cube, None)
    fit = plain["fit_hours"]
    rows = [
        (
            data.name,
            "--fit (hindsight)",
            "",
            f"{fit:,.0f}",
            f"{fit / plain['agent_hours'] - 1:+.1%}",
            "+0.0%",
            "",
        ),
        (
            data.name,
            "plain plan",
            f"{plain['held']:.1%}",
            f"{plain['agent_hours']:,.0f}",
            "+0.0%",
            f"{plain['agent_hours'] / fit - 1:+.1%}",
            f"{plain['plan_seconds']:.2f}",
        ),
    ]
    for hold in HOLDS:
        figures = run(strategy_file, cube, hold)
        hours = figures["agent_hours"]
        rows.append(
            (
                data.name,
                f"hold: {hold}",
                f"{figures['held']:.1%}",
                f"{hours:,.0f}",
                f"{hours / plain['agent_hours'] - 1:+.1%}",
                f"{hours / fit - 1:+.1%}",
                f"{figures['plan_seconds']:.2f}",
            )
        )
        print(f"  {data.name} hold {hold}: done", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000, help="rows of the generated log")
    parser.add_argument(
        "--strategy", type=Path, default=ROOT / "strategies" / "follow-everywhere.yaml"
    )
    args = parser.parse_args()
    table = []
    for data in (ROOT / "examples" / "interactions.csv", generated(args.rows)):
        table.extend(bench(data, args.strategy))
    table.extend(bench(poisson_queue(), POISSON_STRATEGY))
    print(
        "\n| data | staffing | intervals meeting target | agent-hours | vs plain | vs --fit "
        "| plan s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
