"""Signals and pipes, through real processes (README: "Outputs are atomic and land only
where a file belongs").

* Ctrl-C (SIGINT) exits 130 and SIGTERM 143, with at most the one line
  ``interrupted`` on stderr, never a traceback, and no temporary file left beside the
  output or in the cache: during an import, a rerun's replay, the scan inside Polars,
  the writing of an output and of a cache entry.
* A reader of stdout that goes away (``cx ... | head``) ends cx with 141 and nothing
  on stderr: help, schema, JSON results, generated CSV and a replayed rerun alike.

To hit a precise moment, the child process runs the real entry point (``cx.cli.entry
.main``) with one function wrapped to say ``MARK`` on stderr and wait there; the test
sends the signal when it reads the mark. Nothing here depends on timing but the
generous timeouts of the runs.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cx.generate import write_interactions

CORPUS = Path(__file__).resolve().parent / "corpus"
STRATEGY = CORPUS / "strategies" / "base.yaml"
GOOD = CORPUS / "data" / "good.csv"
ROOT = Path(__file__).resolve().parent.parent
DIGITAL_FIRST = ROOT / "strategies" / "digital-first.yaml"
TIMEOUT = 300
CX_MODULE = [sys.executable, "-m", "cx"]

# The child: wrap the function named by CX_TEST_PAUSE so that its first call says MARK
# and waits for the signal (before calling it, after, or while it runs in Polars: it
# is then called thrice, which takes long enough), then run the `cx` entry point.
CHILD = r"""
import importlib, os, sys, time

def pause(*args, **kwargs):
    sys.stderr.write("MARK\n")
    sys.stderr.flush()
    time.sleep(120)
    raise SystemExit("no signal came")

where = os.environ["CX_TEST_PAUSE"]
if where == "import polars":
    class Importer:
        def find_spec(self, name, path=None, target=None):
            if name == "polars":
                pause()
    sys.meta_path.insert(0, Importer())
else:
    module_name, owner, attribute = where.split(":")
    module = importlib.import_module(module_name)
    holder = getattr(module, owner) if owner else module
    original = getattr(holder, attribute)

    def wrapped(*args, **kwargs):
        mode = os.environ.get("CX_TEST_PAUSE_MODE", "before")
        if mode == "after":  # the file is written, say: half the work is done
            original(*args, **kwargs)
        elif mode == "during":  # the signal comes while Polars works in Rust
            sys.stderr.write("MARK\n")
            sys.stderr.flush()
            for _ in range(3):
                original(*args, **kwargs)
        pause()

    setattr(holder, attribute, wrapped)

sys.argv = ["cx", *sys.argv[1:]]
from cx.cli.entry import main
main()
"""


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300,000 contacts: a scan of them takes a while."""
    path = tmp_path_factory.mktemp("big") / "interactions.csv"
    write_interactions(path, rows=300_000, seed=1, days=90)
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / ".cache").mkdir()
    return tmp_path


def environment(work: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "CX_CACHE_DIR": str(work / ".cache"), "NO_COLOR": "1", **extra}


def temporary_files(work: Path) -> list[str]:
    """Temporary files and staging directories anywhere under ``work``."""
    return sorted(
        str(p.relative_to(work))
        for p in work.rglob("*")
        if p.name.endswith(".tmp") or (p.name.startswith(".") and p.name != ".cache")
    )


def interrupt_at(
    work: Path, pause: str, args: list[str], signal_number: int, mode: str = "before"
) -> tuple[int, str]:
    """Run ``cx args`` pausing at ``pause``, send ``signal_number`` there: exit, stderr."""
    env = environment(work, CX_TEST_PAUSE=pause, CX_TEST_PAUSE_MODE=mode)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    before = ""
    while (line := child.stderr.readline()) not in ("MARK\n", ""):
        before += line
    if not line:
        child.kill()
        pytest.fail(f"the run did not reach {pause}: {before}{child.communicate()[1]}")
    child.send_signal(signal_number)
    _, stderr = child.communicate(timeout=TIMEOUT)
    return child.returncode, stderr


SIGNALS = [(signal.SIGINT, 130), (signal.SIGTERM, 143)]
SIGNAL_IDS = ["SIGINT", "SIGTERM"]


@pytest.mark.parametrize(
    ("signal_number", "code"), [*SIGNALS, (signal.SIGHUP, 129)], ids=[*SIGNAL_IDS, "SIGHUP"]
)
def test_a_signal_while_writing_an_output_leaves_no_temporary_file(
    work: Path, signal_number: int, code: int
) -> None:
    (work / "made.csv").write_text("previous\n")
    exit_code, stderr = interrupt_at(
        work,
        "polars:DataFrame:write_csv",
        ["generate", "--rows", "1000", "-o", "made.csv"],
        signal_number,
        mode="after",
    )
    assert (exit_code, stderr) == (code, "interrupted\n")
    assert (work / "made.csv").read_text() == "previous\n"
    assert temporary_files(work) == []


@pytest.mark.parametrize(("signal_number", "code"), SIGNALS, ids=SIGNAL_IDS)
def test_a_signal_while_writing_a_cache_entry_leaves_no_staging_directory(
    work: Path, signal_number: int, code: int
) -> None:
    exit_code, stderr = interrupt_at(
        work,
        "polars:DataFrame:write_parquet",
        ["inspect", "--data", str(GOOD), "-o", "out.txt"],
        signal_number,
        mode="after",
    )
    assert (exit_code, stderr) == (code, "interrupted\n")
    assert temporary_files(work) == []
    assert not (work / "out.txt").exists()


@pytest.mark.parametrize(("signal_number", "code"), SIGNALS, ids=SIGNAL_IDS)
def test_a_signal_during_an_import_is_no_traceback(
    work: Path, signal_number: int, code: int
) -> None:
    exit_code, stderr = interrupt_at(
        work,
        "import polars",
        ["simulate", str(STRATEGY), "--data", str(GOOD), "-o", "out.txt"],
        signal_number,
    )
    assert (exit_code, stderr) == (code, "interrupted\n")
    assert not (work / "out.txt").exists()


def test_a_signal_during_a_rerun_replay_is_no_traceback(work: Path) -> None:
    args = ["simulate", str(STRATEGY), "--data", str(GOOD), "-f", "json"]
    first = subprocess.run(
        [sys.executable, "-m", "cx", *args],
        cwd=work,
        env=environment(work),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert first.returncode == 0, first.stderr
    exit_code, stderr = interrupt_at(work, "cx.cli.rerun::replay", args, signal.SIGINT)
    assert (exit_code, stderr) == (130, "interrupted\n")


@pytest.mark.parametrize(("signal_number", "code"), SIGNALS, ids=SIGNAL_IDS)
def test_a_signal_during_the_scan_inside_polars(
    work: Path, big: Path, signal_number: int, code: int
) -> None:
    """The mark is said as Polars starts collecting the scan: the signal arrives while
    Rust reads 300,000 rows, and is acted on as soon as Polars hands control back."""
    (work / "out.json").write_text("previous\n")
    exit_code, stderr = interrupt_at(
        work,
        "polars:LazyFrame:collect",
        ["simulate", str(DIGITAL_FIRST), "--data", str(big), "-f", "json", "-o", "out.json"],
        signal_number,
        mode="during",
    )
    assert (exit_code, stderr) == (code, "interrupted\n")
    assert (work / "out.json").read_text() == "previous\n"
    assert temporary_files(work) == []


@pytest.mark.parametrize(("signal_number", "code"), SIGNALS, ids=SIGNAL_IDS)
def test_the_cx_command_stopped_midway_by_a_signal(
    work: Path, big: Path, signal_number: int, code: int
) -> None:
    """The real command, no wrapping: the signal is sent once its scan has started (the
    progress it draws on a terminal is off on a pipe, so: once it has read its data)."""
    args = ["simulate", str(DIGITAL_FIRST), "--data", str(big), "--no-cache", "--replay"]
    child = subprocess.Popen(
        [*CX_MODULE, *args, "-f", "json", "-o", "out.json"],
        cwd=work,
        env=environment(work),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    opened = _wait_until_open(child.pid, big)
    child.send_signal(signal_number)
    _, stderr = child.communicate(timeout=TIMEOUT)
    assert "Traceback" not in stderr
    if opened and child.returncode != 0:  # it may have finished in between: then it is whole
        assert (child.returncode, stderr) == (code, "interrupted\n")
        assert not (work / "out.json").exists()
    else:
        assert child.returncode == 0, stderr
        assert (work / "out.json").read_text().startswith("{")
    assert temporary_files(work) == []


def _wait_until_open(pid: int, path: Path) -> bool:
    """Poll /proc until process ``pid`` has ``path`` open (False if it ends first)."""
    descriptors = Path(f"/proc/{pid}/fd")
    target = str(path.resolve())
    for _ in range(100_000):
        try:
            if any(os.readlink(d) == target for d in descriptors.iterdir()):
                return True
        except FileNotFoundError:  # a descriptor closed while listed, or the process ended
            if not descriptors.exists():
                return False
        os.sched_yield()
    return False


# --------------------------------------------------------------------------- pipes

CX_SCRIPT = Path(sys.executable).parent / "cx"
CX = [str(CX_SCRIPT)] if CX_SCRIPT.exists() else [sys.executable, "-m", "cx"]


def piped(work: Path, args: list[str], reader: str, **extra: str) -> tuple[int, str]:
    """``cx args | reader`` in bash: cx's exit code (PIPESTATUS) and its stderr."""
    script = (
        f"set -o pipefail; {shlex.join([*CX, *args])} 2>cx.err | {reader} > /dev/null; "
        'echo "${PIPESTATUS[0]}"'
    )
    run = subprocess.run(
        ["bash", "-c", script],
        cwd=work,
        env=environment(work, **extra),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    return int(run.stdout.strip()), (work / "cx.err").read_text()


SIMULATE_JSON = ["simulate", str(STRATEGY), "--data", str(GOOD), "--format", "json"]
PIPED = {
    "help": ["--help"],
    "schema": ["schema"],
    "simulate-json": SIMULATE_JSON,
    "generate": ["generate", "--rows", "100000", "--seed", "1", "-o", "-"],
}


@pytest.mark.parametrize("name", list(PIPED))
def test_a_reader_gone_before_cx_writes_is_exit_141_quietly(work: Path, name: str) -> None:
    """``| true`` closes the pipe before cx has started: every write finds it closed."""
    assert piped(work, PIPED[name], "true") == (141, "")


@pytest.mark.parametrize(
    ("name", "reader"),
    [("help", "head -1"), ("schema", "head -1"), ("simulate-json", "head -c 10")],
)
def test_a_reader_that_stops_early_is_exit_0_or_141_quietly(
    work: Path, name: str, reader: str
) -> None:
    """Output smaller than a pipe's buffer may be written whole before ``head`` leaves
    (exit 0, as any tool's would be); else the closed pipe is 141. Never anything else,
    never a word on stderr."""
    code, stderr = piped(work, PIPED[name], reader)
    assert code in (0, 141) and stderr == ""


def test_generated_csv_piped_into_head_is_exit_141_quietly(work: Path) -> None:
    """10 MB of CSV: far more than a pipe holds, so ``head`` always leaves first."""
    assert piped(work, PIPED["generate"], "head") == (141, "")


def test_unbuffered_output_cut_short_by_its_reader_is_141_not_0(work: Path) -> None:
    """Under PYTHONUNBUFFERED=1 a page written in one piece went straight to the pipe,
    which took 64 KiB of it before ``head`` left; the rest was dropped unsaid, exit 0."""
    pytest.importorskip("altair")
    report = ["report", str(DIGITAL_FIRST), "--data", str(ROOT / "examples" / "interactions.csv"),
              "-q", "--no-cache"]  # fmt: skip
    assert piped(work, report, "head -c 10", PYTHONUNBUFFERED="1") == (141, "")


def test_a_stdout_that_cannot_take_the_output_is_said_once(work: Path) -> None:
    """A non-blocking pipe nobody drains takes 64 KiB: exit 2 and one error line (the
    rest still buffered at exit was said a second time)."""
    import fcntl

    pytest.importorskip("altair")
    report = ["report", str(DIGITAL_FIRST), "--data", str(ROOT / "examples" / "interactions.csv"),
              "-q", "--no-cache"]  # fmt: skip
    reader, writer = os.pipe()
    flags = fcntl.fcntl(writer, fcntl.F_GETFL)
    fcntl.fcntl(writer, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    try:
        run = subprocess.run([*CX, *report], cwd=work, env=environment(work), stdout=writer,
                             stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)  # fmt: skip
    finally:
        os.close(writer)
        os.close(reader)
    assert run.returncode == 2
    assert run.stderr.count("error: stdout: cannot write output") == 1, run.stderr


def test_a_replayed_rerun_into_a_closed_pipe_is_exit_141_quietly(work: Path) -> None:
    first = subprocess.run(
        [*CX, *SIMULATE_JSON], cwd=work, env=environment(work), capture_output=True, timeout=TIMEOUT
    )
    assert first.returncode == 0
    assert piped(work, SIMULATE_JSON, "true") == (141, "")


def test_a_second_signal_ends_the_run_at_once(work: Path) -> None:
    """Cleaning up after the first signal is quick; one that hangs (a stuck network
    file system, say) ends on the second."""
    script = (
        "import sys, time\n"
        "from cx.cli.entry import trap_signals\n"
        "trap_signals()\n"
        "try:\n"
        "    print('first', file=sys.stderr, flush=True); time.sleep(120)\n"
        "finally:\n"
        "    print('cleaning', file=sys.stderr, flush=True); time.sleep(120)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stderr=subprocess.PIPE, text=True, cwd=work
    )
    assert child.stderr is not None
    assert child.stderr.readline() == "first\n"
    child.send_signal(signal.SIGTERM)
    assert child.stderr.readline() == "cleaning\n"
    child.send_signal(signal.SIGINT)
    assert child.wait(timeout=TIMEOUT) == 130
    assert child.stderr.read() == "interrupted\n"
