"""How long `cx validate` takes on 200 strategy files (the CI gate budget: < 1 s).

Writes 200 strategy files into a temporary directory — copies of the shipped
strategies with their own names, most of them extending the shipped catalog, a
few with a problem — and times ``cx validate DIR`` in process (the library call
the command makes, plus rendering) and as a subprocess (what CI pays, including
interpreter start-up).

    python bench/validate_bench.py [--files 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRATEGIES = ROOT / "strategies"
BUDGET_SECONDS = 1.0


def write_corpus(directory: Path, count: int) -> None:
    """``count`` strategy files: the shipped ones and variants that extend them."""
    for source in STRATEGIES.glob("*.yaml"):
        shutil.copy(source, directory / source.name)
    shipped = len(list(directory.glob("*.yaml")))
    for index in range(count - shipped):
        body = [
            "version: 1",
            "extends: digital-first.yaml" if index % 2 else "extends: follow-everywhere.yaml",
            f"name: variant-{index:03d}",
        ]
        if index % 2:
            body += [
                "shifts:",
                "  - name: balance-to-app",
                "    from: phone",
                "    where: {intent: [balance, statement]}",
                f"    to: {{app: {0.1 + (index % 7) / 10:.1f}, web: 0.1}}",
                "    ramp: {periods: 4, shape: s_curve}",
                "guards:",
                "  - coverage >= 0.95",
                "  - channels.phone.occupancy <= 0.9",
            ]
        else:
            body += ["guards:", f"  - cost_per_contact <= {index}"]
        if index % 50 == 49:
            body.append("colour: blue")  # a finding: unknown key
        (directory / f"variant-{index:03d}.yaml").write_text("\n".join(body) + "\n")


def time_in_process(directory: Path, repeat: int) -> tuple[float, int, int]:
    from cx.loader import yamlsafe
    from cx.render.validation import render_validation
    from cx.validate import validate_paths

    best = float("inf")
    files = findings = 0
    for _ in range(repeat):
        yamlsafe._parse_cached.cache_clear()  # each repetition starts cold, as a command does
        start = time.perf_counter()
        report = validate_paths([directory])
        render_validation(report, "text")
        best = min(best, time.perf_counter() - start)
        files, findings = len(report.files), report.findings_count
    return best, files, findings


def time_subprocess(directory: Path, repeat: int) -> float:
    cx = shutil.which("cx") or ""
    command = [cx] if cx else [sys.executable, "-m", "cx"]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        completed = subprocess.run(
            [*command, "validate", str(directory)], capture_output=True, text=True, check=False
        )
        best = min(best, time.perf_counter() - start)
        if completed.returncode not in (0, 1):
            raise SystemExit(f"cx validate failed: {completed.stderr}")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cx-validate-bench-") as temporary:
        directory = Path(temporary)
        write_corpus(directory, args.files)
        seconds, files, findings = time_in_process(directory, args.repeat)
        wall = time_subprocess(directory, args.repeat)
    print(f"cx validate, {files} files ({findings} findings), best of {args.repeat}:")
    print(f"  in process: {seconds:.3f} s ({seconds / files * 1000:.2f} ms per file)")
    print(f"  command   : {wall:.3f} s (including interpreter start-up)")
    ok = wall < BUDGET_SECONDS
    print(f"  budget    : {BUDGET_SECONDS:.1f} s -> {'ok' if ok else 'OVER BUDGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
