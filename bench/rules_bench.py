"""How long `cx simulate` and `cx report` take with a strategy of many shift rules.

Writes a strategy that extends ``strategies/night-phone-to-chat.yaml`` (opening hours,
so every rule sees ``where: {hours: ...}`` too) with ``--rules`` shift rules, each on
its own source, hours, segment, stage and intent of ``examples/interactions.csv``,
some with a ramp and containment, and times each command in a fresh process against
the strategy with no rules of its own (``--rules 0``), best of ``--repeat``. The
rules are applied to the cube's cells in one join (:func:`cx.replay.flows.compute_flows`),
so the time should grow little with the rules (500 rules: about 40 s when each
rule was a query of its own).

    python bench/rules_bench.py                       # 500 rules, best of 3
    python bench/rules_bench.py --rules 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "strategies" / "night-phone-to-chat.yaml"
DATA = ROOT / "examples" / "interactions.csv"
SEGMENTS = ("young", "retail", "premium", "business")
STAGES = ("service", "complaint", "awareness", "purchase")
INTENTS = ("card", "address_change", "fraud", "loan", "other", "complaint", "balance")


def write_strategy(path: Path, rules: int) -> None:
    """A push strategy extending BASE with ``rules`` shift rules, each its own cells."""
    most = 3 * 2 * len(SEGMENTS) * len(STAGES) * len(INTENTS)
    if rules > most:
        sys.exit(f"at most {most} distinct rules")
    lines = ["version: 1", f"extends: {BASE}", f"name: rules-{rules}", "kind: push"]
    combos = itertools.product(
        ("phone", "email", "chat"), ("closed", "open"), SEGMENTS, STAGES, INTENTS
    )
    if rules:
        lines.append("shifts:")
    for number, (source, hours, segment, stage, intent) in enumerate(combos):
        if number == rules:
            break
        target = "web" if source == "chat" else "chat"
        lines += [
            f"  - name: rule-{number}",
            f"    from: {source}",
            f"    where: {{hours: {hours}, segment: {segment}, stage: {stage}, intent: {intent}}}",
            f"    to: {{{target}: 0.3}}",
        ]
        if number % 3 == 0:
            lines += ["    ramp: {periods: 2, shape: s_curve}", "    containment: 0.8"]
    path.write_text("\n".join(lines) + "\n")


def best_of(command: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode not in (0, 1):  # 1: a guard failed, which is a result
            sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cx = [sys.executable, "-m", "cx"]
    with tempfile.TemporaryDirectory(prefix="cx-rules-") as work:
        print(f"{'rules':>6} {'simulate':>10} {'report':>10}")
        for count in (0, args.rules):
            strategy = Path(work) / f"rules-{count}.yaml"
            write_strategy(strategy, count)
            data = ["--data", str(DATA), "--no-cache"]
            simulate = best_of([*cx, "simulate", str(strategy), *data, "-f", "json"], args.repeat)
            html = str(Path(work) / "report.html")
            report = best_of([*cx, "report", str(strategy), *data, "-o", html], args.repeat)
            print(f"{count:>6} {simulate:>9.2f}s {report:>9.2f}s", flush=True)


if __name__ == "__main__":
    main()
