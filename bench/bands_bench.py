"""Uncertainty bands: N draws against one simulate on the same data (DESIGN §12).

    python bench/bands_bench.py [--data examples/interactions.csv] [--samples 1000]
                                [--repeat 3]

Times, best of N, each in a fresh process with the cube cache off:

* one `cx simulate` of strategies/digital-first.yaml (no uncertainty: the bar);
* the same strategy with `--samples N` draws of prices only (hourly costs, cost per
  contact, fixed costs): a draw reprices the evaluated figures;
* strategies/digital-first-uncertain.yaml with `--samples N`: its draws change shift
  shares, containment, a handle time and the volume: the strategy is evaluated at the
  8 corners of the shares × containment × volume box and every draw staffed at once.

Writes bench/BANDS.md. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CX = str(Path(sys.executable).parent / "cx")
NIGHT = (
    "--set", "uncertainty.shifts.0.to.chat={low: 0.2, high: 0.5}",
    "--set", "uncertainty.volume={low: 0.9, high: 1.1}",
)  # fmt: skip
PRICES = (
    "uncertainty.channels.phone.hourly_cost={mean: 32, sd: 2}",
    "uncertainty.channels.chat.hourly_cost={low: 26, high: 34}",
    "uncertainty.channels.app.fixed_cost={low: 20000, high: 45000}",
    "uncertainty.channels.web.cost_per_contact={low: 0.05, mode: 0.1, high: 0.2}",
)


def best(args: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
                       env={**os.environ, "CX_CACHE_DIR": tempfile.mkdtemp()})
        runs.append(time.perf_counter() - start)
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="examples/interactions.csv")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    common = ["--data", options.data, "--format", "json", "--quiet", "--no-cache"]
    draws = ["--samples", str(options.samples), "--seed", "1"]
    prices = [arg for setting in PRICES for arg in ("--set", setting)]
    one = best([CX, "simulate", "strategies/digital-first.yaml", *common], options.repeat)
    priced = best(
        [CX, "simulate", "strategies/digital-first.yaml", *common, *draws, *prices],
        options.repeat,
    )
    full = best(
        [CX, "simulate", "strategies/digital-first-uncertain.yaml", *common, *draws], options.repeat
    )
    night_one = best([CX, "simulate", "strategies/night-phone-to-chat.yaml", *common], 1)
    night = best(
        [CX, "simulate", "strategies/night-phone-to-chat.yaml", *common, *draws, *NIGHT], 1
    )
    size = Path(ROOT / options.data).stat().st_size / 1e6
    lines = [
        "# Uncertainty bands benchmark",
        "",
        f"`python bench/bands_bench.py --data {options.data} --samples {options.samples} "
        f"--repeat {options.repeat}`, {time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} "
        f"cores (shared), Python {platform.python_version()}; {size:.1f} MB of data. Best "
        f"of {options.repeat}, each a fresh process, no cube cache.",
        "",
        "| run | seconds | against one simulate |",
        "|---|---:|---:|",
        f"| `cx simulate` digital-first, no uncertainty | {one:.2f} | 1.00× |",
        f"| the same, {options.samples:,} draws of four prices | {priced:.2f} | "
        f"{priced / one:.2f}× |",
        f"| digital-first-uncertain, {options.samples:,} draws of shares, containment, a "
        f"handle time, a price and volume | {full:.2f} | {full / one:.1f}× |",
        f"| `cx simulate` night-phone-to-chat (email has a response target), no "
        f"uncertainty; one run | {night_one:.2f} | {night_one / one:.2f}× |",
        f"| the same, {options.samples:,} draws of a share and volume; one run | "
        f"{night:.2f} | {night / night_one:.1f}× its simulate |",
        "",
        f"Target: {options.samples:,} draws at most 5× one simulate. Draws of prices "
        "reprice the flows and staffing evaluated once; draws of shares, containment, "
        "incentives, fallback shares and volume are interpolated between the strategy "
        "evaluated at the corners of the box they span (exact: the flows are multilinear "
        "in them), and every draw's staffing, with its handle times, runs at once "
        "(`cx/replay/draws.py`); a ramp's length splits the draws into one such batch per "
        "value. A response target's backlog carries from interval to interval: it is "
        "planned draw by draw on the interpolated arrivals (2-3 ms a plan), which misses "
        "the target when the volume moves it and its status quo's. Keys outside all this "
        "(the journey window) evaluate the strategy once per draw, 20-40 ms each.",
    ]
    (ROOT / "bench" / "BANDS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
