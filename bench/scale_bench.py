"""Scale benchmark (DESIGN §9): does cx replay millions of interactions at reading speed?

For each size (default 1M and 10M rows) it generates a seeded file with ``cx generate``
(once; kept under bench/data/, which git ignores) and writes its timestamps with
milliseconds, as exports from contact-centre platforms do (8 channels, a ``resolved``
column; ``--whole-seconds`` keeps the generated file as it is), then times, best of N
runs, each in a fresh process and interleaved round by round so that a busy machine
slows them alike:

  a. ``polars.read_csv`` of the file (the bar: a plain read, in its own process)
  b. ``cx simulate strategies/digital-first.yaml --format json`` (8 channels, pushes,
     staffing), with ``--no-cache`` so the file is really scanned
  c. ``cx compare`` of 5 strategies (skipped, and said so, if ``cx compare`` is missing)
  d. ``cx --help``
  e. the pandas reference (bench/pandas_cube.py), unless --no-pandas
  f. optionally ``cx simulate`` on the same data as .csv.gz and Parquet (--formats)
  g. ``cx inspect --format json`` (the cube and the rows it keeps: journeys, repeats,
     switching)
  h. ``cx report`` of digital-first (the cube, journeys and outcomes, and inspect's
     profile), written to a temporary HTML file

and adds a run to bench/RESULTS.md (``--replace`` starts it afresh, ``--append`` adds
to its last run): absolute times, peak RSS of each process, ratios to (a),
and the machine. It runs for minutes; it is never part of the test suite.

    python bench/scale_bench.py                       # 1M and 10M, 3 runs each
    python bench/scale_bench.py --rows 1000000 --repeat 1 --no-pandas   # a quick look
    python bench/scale_bench.py --rows 50000000 --no-pandas --repeat 1 --append
    python bench/scale_bench.py --rows 5000000 --no-pandas --only a,b   # read and simulate
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "RESULTS.md"
STRATEGY = ROOT / "strategies" / "digital-first.yaml"
COMPARED = [
    ROOT / "strategies" / "follow-everywhere.yaml",
    ROOT / "strategies" / "digital-first.yaml",
    ROOT / "strategies" / "branch-closure.yaml",
    ROOT / "bench" / "strategies" / "app-first.yaml",
    ROOT / "bench" / "strategies" / "lean-live.yaml",
]
SEED = 20240101
DAYS = 182


@dataclass
class Timing:
    label: str
    command: list[str]
    seconds: list[float] = field(default_factory=list)
    peak_kb: int = 0
    note: str = ""

    @property
    def best(self) -> float:
        return min(self.seconds) if self.seconds else float("nan")


def cx_command() -> list[str]:
    search = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    found = shutil.which("cx", path=search)
    return [found] if found else [sys.executable, "-m", "cx"]


def compile_cx() -> None:
    """Write the bytecode of cx's modules before anything is timed, as the first run of
    an installed cx does. An editable install with ``PYTHONDONTWRITEBYTECODE`` set (as
    on CI machines) never writes it, and every run would compile cx's source again:
    about 0.1 s more start-up in each step, which no user pays twice."""
    import compileall

    compileall.compile_dir(ROOT / "cx", quiet=1)


def run(command: list[str]) -> tuple[float, int, int]:
    """Wall time, peak RSS (KiB) and exit code of one fresh process.

    The peak comes from wait4; this script imports no Polars, so that a forked child
    does not start out with a large parent's pages."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.stderr is not None:
        error = process.stderr.read().decode(errors="replace")
        process.stderr.close()
        if process.returncode not in (0, 1):
            raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{error}")
    return elapsed, usage.ru_maxrss, process.returncode


def generate(rows: int) -> Path:
    path = DATA / f"interactions-{rows}-s{SEED}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"generating {rows:,} rows → {path.name}", file=sys.stderr)
        subprocess.run(
            [*cx_command(), "generate", "--rows", str(rows), "--seed", str(SEED),
             "--days", str(DAYS), "--output", str(path), "--quiet"],
            check=True,
        )  # fmt: skip
    return path


#: Each row's milliseconds: spread over 0-999 by the row number, the same every run.
MILLIS = "((pl.int_range(pl.len(), dtype=pl.Int64) * 7919 + 13) % 1000)"


def with_milliseconds(csv: Path) -> Path:
    """The generated file with ``.mmm`` on every timestamp (in a child process: this
    one imports no Polars, see run)."""
    target = csv.with_name(csv.stem + "-ms.csv")
    if not target.exists():
        print(f"adding milliseconds → {target.name}", file=sys.stderr)
        convert = (
            "import sys, polars as pl; "
            "pl.scan_csv(sys.argv[1], infer_schema=False).with_columns("
            f"timestamp=pl.col('timestamp') + '.' + {MILLIS}.cast(pl.String).str.zfill(3)"
            ").sink_csv(sys.argv[2])"
        )
        subprocess.run([sys.executable, "-c", convert, str(csv), str(target)], check=True)
    return target


def variants(csv: Path) -> dict[str, Path]:
    """The same data as gzip CSV and as Parquet (typed as read_csv types it)."""
    gz = csv.with_suffix(".csv.gz")
    if not gz.exists():
        print(f"compressing → {gz.name}", file=sys.stderr)
        with open(csv, "rb") as source, gzip.open(gz, "wb", compresslevel=3) as target:
            shutil.copyfileobj(source, target, 16 << 20)
    parquet = csv.with_suffix(".parquet")
    if not parquet.exists():  # in a child: this process stays small (see run)
        print(f"converting → {parquet.name}", file=sys.stderr)
        convert = "import sys, polars as pl; pl.scan_csv(sys.argv[1]).sink_parquet(sys.argv[2])"
        subprocess.run([sys.executable, "-c", convert, str(csv), str(parquet)], check=True)
    return {"csv.gz": gz, "parquet": parquet}


def simulate(cx: list[str], data: Path) -> list[str]:
    return [*cx, "simulate", str(STRATEGY), "--data", str(data), "--format", "json",
            "--no-cache", "--quiet"]  # fmt: skip


def compare_available(cx: list[str]) -> bool:
    return subprocess.run([*cx, "compare", "--help"], capture_output=True).returncode == 0


def measure(
    rows: int, repeat: int, pandas: int, formats: bool, millis: bool, only: set[str] | None
) -> tuple[Path, list[Timing]]:
    csv = generate(rows)
    if millis:
        csv = with_milliseconds(csv)
    if formats:
        variants(csv)  # prepared before any timing
    cx = cx_command()
    read = (
        "import sys, time, polars as pl; t = time.perf_counter(); pl.read_csv(sys.argv[1]); "
        "print(f'{time.perf_counter() - t:.3f}', file=sys.stderr)"
    )
    timings = [
        Timing("a. polars.read_csv (own process)", [sys.executable, "-c", read, str(csv)]),
        Timing("b. cx simulate (digital-first, json)", simulate(cx, csv)),
    ]
    if compare_available(cx):
        compare = [*cx, "compare", *map(str, COMPARED), "--data", str(csv)]
        compare += ["--format", "json", "--no-cache", "--quiet"]
        timings.append(Timing("c. cx compare (5 strategies, json)", compare))
    else:
        timings.append(Timing("c. cx compare (5 strategies)", [], note="skipped: no `cx compare`"))
    timings.append(Timing("d. cx --help", [*cx, "--help"]))
    if pandas > 0:
        timings.append(
            Timing(
                "e. pandas reference cube",
                [sys.executable, str(ROOT / "bench" / "pandas_cube.py"), str(csv)],
            )
        )
    if formats:
        for name, path in variants(csv).items():
            timings.append(Timing(f"f. cx simulate on .{name}", simulate(cx, path)))
    inspect = [*cx, "inspect", "--data", str(csv), "--format", "json", "--no-cache", "--quiet"]
    timings.append(Timing("g. cx inspect (json)", inspect))
    html = Path(tempfile.gettempdir()) / f"cx-bench-report-{os.getpid()}.html"
    report = [*cx, "report", str(STRATEGY), "--data", str(csv), "-o", str(html)]
    timings.append(Timing("h. cx report (digital-first)", [*report, "--no-cache", "--quiet"]))
    if only is not None:  # the bar (a) is always measured: every ratio is to it
        timings = [t for t in timings if t.label[:1] in only | {"a"}]
    load = os.getloadavg()[0]
    for round_ in range(repeat):
        for timing in timings:
            if not timing.command or (timing.label.startswith("e.") and round_ >= pandas):
                continue
            seconds, peak, _ = run(timing.command)
            timing.seconds.append(seconds)
            timing.peak_kb = max(timing.peak_kb, peak)
            print(f"  {rows:,} #{round_ + 1} {timing.label}: {seconds:.2f} s", file=sys.stderr)
    timings[0].note = f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after"
    html.unlink(missing_ok=True)
    return csv, timings


def machine() -> str:
    memory = "?"
    model = platform.processor() or "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return (
        f"{os.cpu_count()} cores ({model}), {memory} RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, Polars {version('polars')}"
    )


def table(rows: int, csv: Path, timings: list[Timing], repeat: int) -> str:
    base = timings[0].best
    size = csv.stat().st_size / 1e6
    lines = [
        f"### {rows:,} rows — {csv.name}, {size:,.0f} MB",
        "",
        f"Best of {repeat} (pandas: of its runs), each run a fresh process; ratio = "
        "time / time of (a); "
        f"1-minute {timings[0].note} (other work on the machine slows every step).",
        "",
        "| step | best (s) | runs (s) | peak RSS (MB) | ratio to (a) |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in timings:
        if not t.seconds:
            lines.append(f"| {t.label} | – | – | – | {t.note} |")
            continue
        runs = ", ".join(f"{s:.2f}" for s in t.seconds)
        lines.append(
            f"| {t.label} | {t.best:.2f} | {runs} | {t.peak_kb / 1024:,.0f} | "
            f"{t.best / base:.2f}× |"
        )
    by = {t.label[:1]: t for t in timings}
    lines.append("")
    if "b" in by and by["b"].seconds:
        goal = 1.6 if rows >= 10_000_000 else 2.0
        verdict = "meets" if by["b"].best <= goal * base else "misses"
        lines.append(f"- simulate / read_csv = {by['b'].best / base:.2f} ({verdict} ≤ {goal})")
        if "e" in by and by["e"].seconds:
            speed = by["e"].best / by["b"].best
            verdict = "meets" if speed >= 3.0 else "misses"
            lines.append(f"- pandas / simulate = {speed:.1f}× ({verdict} ≥ 3×)")
    for key, name in (("g", "inspect"), ("h", "report")):
        if key in by and by[key].seconds:
            verdict = "meets" if by[key].best <= 3.0 * base else "misses"
            lines.append(f"- {name} / read_csv = {by[key].best / base:.2f} ({verdict} ≤ 3.0)")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,10000000", help="comma-separated sizes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (best is kept)")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas reference")
    parser.add_argument("--pandas-runs", type=int, default=1, help="runs of the slow pandas step")
    parser.add_argument("--formats", action="store_true", help="also .csv.gz and Parquet")
    parser.add_argument(
        "--whole-seconds", action="store_true", help="timestamps as generated, no milliseconds"
    )
    parser.add_argument("--only", help="comma-separated step letters (a is always run)")
    parser.add_argument(
        "--append", action="store_true", help="add the tables to the output's last run"
    )
    parser.add_argument(
        "--replace", action="store_true", help="replace the output, notes and all"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    compile_cx()
    sections = []
    for rows in (int(r) for r in args.rows.split(",")):
        pandas = 0 if args.no_pandas else min(args.pandas_runs, args.repeat)
        only = set(args.only.split(",")) if args.only else None
        csv, timings = measure(
            rows, args.repeat, pandas, args.formats, not args.whole_seconds, only
        )
        sections.append(table(rows, csv, timings, args.repeat))
        print(sections[-1])
    run = (
        f"Run {datetime.now():%Y-%m-%d %H:%M} with `python bench/scale_bench.py "
        f"{' '.join(sys.argv[1:])}`.\n\nMachine: {machine()}.\n\n"
    )
    tables = "\n".join(sections)
    kept = "" if args.replace or not args.output.exists() else args.output.read_text()
    if not kept:
        text = "# Scale benchmark results\n\n" + run + tables
    elif args.append:
        text = kept + "\n" + tables
    else:  # a new run below the ones kept: the notes written beside them stay
        text = kept.rstrip("\n") + f"\n\n## Run of {datetime.now():%Y-%m-%d}\n\n" + run + tables
    partial = args.output.with_name(args.output.name + ".partial")
    partial.write_text(text)
    partial.replace(args.output)  # whole or not at all, even when stopped midway
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
