"""Start-up cost of the CLI: the import time of `cx.cli.app`, as the interpreter reports it.

    python bench/startup_bench.py [--runs 5]

Prints the best of N runs of the summed top-level import times from `python -X importtime`
(steadier than wall-clock time on a busy machine). The target is under 0.4 s on a laptop:
`cx --help` and `cx validate` must feel instant, which is why they import no Polars.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP_LEVEL = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$")


def import_seconds() -> float:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import cx.cli.app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return sum(
        int(match.group(1))
        for line in done.stderr.splitlines()
        if (match := TOP_LEVEL.match(line))
    ) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    best = min(import_seconds() for _ in range(runs))
    print(f"import cx.cli.app: {best:.3f} s (best of {runs})")


if __name__ == "__main__":
    main()
