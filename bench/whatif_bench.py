"""What-if costs: compare of ten strategies vs one simulate, and a cached rerun.

    python bench/whatif_bench.py [--rows 1000000] [--repeat 3]

Generates (seeded) an interaction file under bench/data/, writes ten variants of
strategies/digital-first.yaml (different app shares), and times, best of N, each
in a fresh process:

* simulate of one strategy, no cache;
* compare of the ten strategies, no cache (one scan, ten evaluations);
* simulate with an empty cache (scan + store) and again with the cache warm: an
  identical rerun (replayed from its recording) and a rerun that has to start the
  command line app and evaluate (its recording removed; the cube cached).

Writes bench/WHATIF.md. Not part of the test suite.
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


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def best(args: list[str], env: dict[str, str], repeat: int, before=None) -> float:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(timed(args, env))
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    data_dir = ROOT / "bench" / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    data = data_dir / f"whatif-{options.rows}.csv"
    if not data.exists():
        subprocess.run(
            [CX, "generate", "--rows", str(options.rows), "--seed", "11", "--days", "365",
             "-o", str(data)],
            check=True,
        )
    work = Path(tempfile.mkdtemp(prefix="cx-whatif-"))
    strategies = []
    for index in range(10):
        path = work / f"s{index}.yaml"
        share = round(0.05 * index, 2)
        path.write_text(
            f"version: 1\nextends: {ROOT / 'strategies' / 'digital-first.yaml'}\n"
            f"name: app-{share}\nkind: push\nshifts:\n"
            f"  - from: phone\n    where: {{intent: [balance, statement]}}\n"
            f"    to: {{app: {share}, web: 0.2}}\n    containment: 0.8\n",
            encoding="utf-8",
        )
        strategies.append(str(path))
    cache = work / "cache"
    env = {**os.environ, "CX_CACHE_DIR": str(cache)}
    common = ["--data", str(data), "--format", "json", "--quiet"]
    one = best([CX, "simulate", strategies[0], *common, "--no-cache"], env, options.repeat)
    ten = best([CX, "compare", *strategies, *common, "--no-cache"], env, options.repeat)

    def clear() -> None:
        subprocess.run(["rm", "-rf", str(cache)], check=True)

    cold = best([CX, "simulate", strategies[0], *common], env, options.repeat, before=clear)
    timed([CX, "simulate", strategies[0], *common], env)  # warm the cache
    warm = best([CX, "simulate", strategies[0], *common], env, options.repeat)

    def forget_runs() -> None:
        subprocess.run(["rm", "-rf", str(cache / "runs")], check=True)

    cube_only = best(
        [CX, "simulate", strategies[0], *common], env, options.repeat, before=forget_runs
    )
    version = best([CX, "--version"], env, options.repeat)
    size = data.stat().st_size / 1e6
    lines = [
        "# What-if benchmark",
        "",
        f"`python bench/whatif_bench.py --rows {options.rows} --repeat {options.repeat}`, "
        f"{time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {options.rows:,} rows, {size:.0f} MB. Best of "
        f"{options.repeat}, each a fresh process.",
        "",
        "| run | best (s) | ratio |",
        "|---|---:|---:|",
        f"| simulate 1 strategy, no cache | {one:.2f} | 1.00× |",
        f"| compare 10 strategies, no cache | {ten:.2f} | {ten / one:.2f}× of one |",
        f"| simulate, empty cache (scan + store) | {cold:.2f} | |",
        f"| simulate, warm cache: identical rerun | {warm:.3f} | {cold / warm:.1f}× faster "
        "than cold |",
        f"| simulate, warm cache: no recorded run, cached cube | {cube_only:.2f} | "
        f"{cold / cube_only:.1f}× faster than cold |",
        f"| `cx --version` (start-up and imports of the command line app) | {version:.2f} | |",
        "",
        "Targets: compare of ten ≤ 1.3× one simulate; a cached rerun ≥ 10× faster.",
        "",
        "An identical rerun is answered from its recording (`cx/cli/rerun.py`) before",
        "Typer, pydantic, rich or Polars are imported: start Python, hash the command",
        "line, check the files it read (path, symlink target, size, mtime, ctime, inode,",
        "sampled hash) and the recording's checksum, write the recorded output. A rerun",
        "that differs in what the recording keys on (say another `--format`) finds the",
        "cube in the cache, but pays the command line app's start-up and the evaluation.",
        "",
    ]
    (ROOT / "bench" / "WHATIF.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
