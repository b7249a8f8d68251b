"""Fast start: `cx --help` and `cx validate` import no Polars (DESIGN §9, lazy imports).

Each check runs in a fresh interpreter, so what an earlier test imported cannot hide
an eager import. The import-time budget is measured with ``-X importtime`` (the sum
the interpreter itself reports), which is steadier than wall-clock time on a busy
machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("polars", "numpy", "pyarrow", "pandas")
IMPORT_BUDGET_S = 0.4


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


def test_cli_imports_within_budget() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import cx.cli.app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    total_us = 0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and not match.group(2).startswith(" "):  # top-level imports only
            total_us += int(match.group(1))
    assert "polars" not in done.stderr
    assert 0 < total_us / 1e6 < IMPORT_BUDGET_S, f"{total_us / 1e6:.3f} s"
