"""What journeys and outcomes (§10) add to the scan.

    python bench/journeys_bench.py bench/data/i10m.csv [--repeat 3]

Times, best of N in fresh processes: (a) a plain polars.read_csv of the file,
(b) `cx simulate` of strategies/digital-first.yaml (no journeys needed), and
(c) the same with --outcomes (the second pass: rows sorted by customer and time,
journeys, resolution, satisfaction). Writes bench/JOURNEYS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CX = str(Path(sys.executable).parent / "cx")


def best(args: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        runs.append(time.perf_counter() - start)
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    data = options.data.resolve()
    read = best(
        [sys.executable, "-c", f"import polars as pl; pl.read_csv({str(data)!r})"],
        options.repeat,
    )
    base = [CX, "simulate", "strategies/digital-first.yaml", "--data", str(data), "-f", "json",
            "-q", "--no-cache"]
    plain = best(base, options.repeat)
    outcomes = best([*base, "--outcomes"], options.repeat)
    size = data.stat().st_size / 1e6
    lines = [
        "# Journeys benchmark",
        "",
        f"`python bench/journeys_bench.py {options.data} --repeat {options.repeat}`, "
        f"{time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores; {data.name}, "
        f"{size:.0f} MB. Best of {options.repeat}, each a fresh process.",
        "",
        "| run | best (s) | ratio to read_csv |",
        "|---|---:|---:|",
        f"| polars.read_csv | {read:.2f} | 1.00× |",
        f"| cx simulate (no journeys) | {plain:.2f} | {plain / read:.2f}× |",
        f"| cx simulate --outcomes (journeys, resolution, satisfaction) | {outcomes:.2f} | "
        f"{outcomes / read:.2f}× |",
        "",
        f"Journeys add {outcomes - plain:.2f} s ({(outcomes - plain) / read:.2f}× a read_csv), "
        "so they are computed only when a strategy, a guard or --outcomes needs them.",
        "",
    ]
    (ROOT / "bench" / "JOURNEYS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
