"""Fast start: `cx --help` and `cx validate` import no Polars (DESIGN §9, lazy imports).

Each check runs in a fresh interpreter, so what an earlier test imported cannot hide
an eager import. The import time itself is a benchmark (`bench/startup_bench.py`).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("polars", "numpy", "pyarrow", "pandas")


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def imported_after(args: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cx.cli.app import app\n"
        f"result = CliRunner().invoke(app, {args!r})\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = run(code)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_help_imports_no_polars() -> None:
    assert imported_after(["--help"]) == set()


def test_validate_imports_no_polars() -> None:
    assert imported_after(["validate", "strategies"]) == set()


def test_subcommand_help_imports_no_polars() -> None:
    assert imported_after(["simulate", "--help"]) == set()
    assert imported_after(["cube", "--help"]) == set()


def test_cli_imports_no_heavy_module_at_all() -> None:
    """Every module `import cx.cli.app` loads, from the interpreter's own import log.

    How long that takes is measured in `bench/startup_bench.py`, not asserted here: a
    timer in a unit test fails on a busy machine without anything having changed.
    """
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import cx.cli.app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    loaded = {
        match.group(1).strip().split(".")[0]
        for line in done.stderr.splitlines()
        if (match := re.match(r"import time:\s+\d+ \|\s+\d+ \| (.*)$", line))
    }
    assert "cx" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
    # nor pydantic: building the strategy models costs --help and every parse 60 ms
    assert "pydantic" not in loaded


def test_a_bare_import_reaches_the_api_modules() -> None:
    """`import cx` then `cx.api.caveats(...)` or `cx.report.build_report(...)`, as the
    README writes them, was an AttributeError unless something had imported the module
    first; they are imported when used, and `import cx` alone still imports no Polars."""
    done = run(
        "import sys\n"
        "import cx\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        "print(cx.api.caveats.__name__, cx.report.build_report.__name__,\n"
        "      cx.generate.write_interactions.__name__)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["", "caveats build_report write_interactions"]
