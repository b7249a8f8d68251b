"""Outputs land only where a file belongs, whole or not at all (README: "Outputs are
atomic and land only where a file belongs").

* ``-o``/``--output`` of every command, ``--rejects`` and cube files refuse a device,
  a directory, a FIFO or a socket, and any of the command's own input files (by
  device and inode: another relative path, a symlink, a hard link): one line naming
  the path, exit 2, nothing read, nothing written.
* A symlink is written through: its target is replaced, the link stays.
* A failed write (a full disk, from Python or from Polars' writers) is exit 2 naming
  the path; the previous file is untouched and no temporary file is left.
* ``-o -`` is stdout; a stdout that cannot be written (``> /dev/full``) is exit 2.

Every run goes through the real command line (typer's CliRunner, or the ``cx``
executable where a real stdout matters).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import run_cx

from cx import api
from cx.errors import InputError, Interrupted, UsageError

CORPUS = Path(__file__).resolve().parent / "corpus"
STRATEGY = CORPUS / "strategies" / "base.yaml"
GOOD = CORPUS / "data" / "good.csv"
MAPPING = CORPUS / "mappings" / "export-v1.yaml"
MANY_BAD_ROWS = CORPUS / "data" / "many-bad-rows.csv"
SWEEP_RANGE = "channels.phone.hourly_cost=30:40:10"
CX = [sys.executable, "-m", "cx"]


@pytest.fixture(autouse=True)
def _never_replace_a_special_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A safety net: were the refusal ever broken, a test run as root would rename a
    regular file over /dev/null. This fails the test instead."""
    replace = os.replace

    def guarded(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        with_mode = os.stat(target).st_mode if os.path.lexists(target) else None
        assert with_mode is None or stat.S_ISREG(with_mode) or stat.S_ISDIR(with_mode), target
        replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", guarded)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.name.endswith(".tmp"))


def command_lines(output: str) -> dict[str, list[str]]:
    """Every command that writes -o, writing ``output``."""
    source = ["--data", str(GOOD)]
    return {
        "simulate": ["simulate", str(STRATEGY), *source, "-o", output],
        "compare": ["compare", str(STRATEGY), str(STRATEGY), *source, "-o", output],
        "sweep": ["sweep", str(STRATEGY), "--set-range", SWEEP_RANGE, *source, "-o", output],
        "check": ["check", str(STRATEGY), *source, "-o", output],
        "inspect": ["inspect", *source, "-o", output],
        "report": ["report", str(STRATEGY), *source, "-o", output],
        "cube": ["cube", *source, "-o", output],
        "cube-sql": ["cube", "--sql", "-o", output],
        "generate": ["generate", "--rows", "10", "-o", output],
        "validate": ["validate", str(STRATEGY), "-o", output],
        "schema": ["schema", "-o", output],
    }


COMMANDS = list(command_lines("x"))
DATA_COMMANDS = ["simulate", "compare", "sweep", "check", "inspect", "report"]


def assert_refused(result: Any, path: str, words: str) -> None:
    """Exit 2, one line on stderr naming ``path`` and saying ``words``, nothing else."""
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {Path(path)}: "), lines[0]  # as Path spells it
    assert words in lines[0], lines[0]
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- where

SPECIAL_TARGETS = {
    "/dev/null": "output path is a device, not a file",
    "/dev/full": "output path is a device, not a file",
    "/dev/zero": "output path is a device, not a file",
    "directory": "output path is a directory",
    "fifo": "output path is a named pipe (FIFO), not a file",
    "socket": "output path is a socket, not a file",
}


@pytest.fixture
def special(work: Path) -> Iterator[dict[str, str]]:
    """Paths of every kind that is not a regular file: devices, a directory, a FIFO and
    a socket (in the test's directory)."""
    (work / "directory").mkdir()
    os.mkfifo(work / "fifo")
    listening = socket.socket(socket.AF_UNIX)
    listening.bind("socket")  # relative: a deep temporary directory may be too long
    try:
        yield {name: name for name in SPECIAL_TARGETS}
    finally:
        listening.close()


@pytest.mark.parametrize("target", list(SPECIAL_TARGETS))
@pytest.mark.parametrize("command", COMMANDS)
def test_an_output_that_is_not_a_file_is_refused(
    special: dict[str, str], work: Path, command: str, target: str
) -> None:
    before = os.stat(target)
    result = run_cx(*command_lines(target)[command])
    assert_refused(result, target, SPECIAL_TARGETS[target])
    after = os.stat(target)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
    assert after.st_ino == before.st_ino
    assert leftovers(work) == []
    if target == "directory":
        assert list((work / "directory").iterdir()) == []


def test_the_refusal_of_a_device_says_how_to_discard_output(work: Path) -> None:
    result = run_cx("schema", "-o", "/dev/null")
    assert "redirect" in result.stderr and "> /dev/null" in result.stderr


@pytest.mark.parametrize("target", list(SPECIAL_TARGETS))
@pytest.mark.parametrize("command", DATA_COMMANDS)
def test_rejects_that_are_not_a_file_are_refused(
    special: dict[str, str], work: Path, command: str, target: str
) -> None:
    args = command_lines(str(work / "out.txt"))[command]
    result = run_cx(*args, "--rejects", target)
    assert_refused(result, target, SPECIAL_TARGETS[target])
    assert not (work / "out.txt").exists()
    assert leftovers(work) == []


def test_an_output_in_a_missing_directory_or_under_a_file_is_refused(work: Path) -> None:
    assert_refused(run_cx("schema", "-o", "no/such/out.json"), "no/such/out.json", "does not exist")
    (work / "plain").write_text("a file\n")
    result = run_cx("schema", "-o", "plain/out.json")
    assert result.exit_code == 2 and "plain/out.json" in result.stderr
    assert "Traceback" not in result.stderr
    assert (work / "plain").read_text() == "a file\n"


def test_an_output_name_too_long_for_the_file_system_is_refused(work: Path) -> None:
    name = "x" * 300
    assert_refused(run_cx("schema", "-o", name), name, "cannot write output: File name too long")


def test_a_symlink_loop_is_refused(work: Path) -> None:
    os.symlink("loop", "loop")
    result = run_cx("schema", "-o", "loop")
    assert_refused(result, "loop", "cannot write output: ")
    assert os.path.islink("loop")


# --------------------------------------------------------------------------- inputs


@pytest.fixture
def data(work: Path) -> Path:
    """A copy of good.csv, with another name for it of every kind."""
    copy = work / "data.csv"
    copy.write_bytes(GOOD.read_bytes())
    (work / "sub").mkdir()
    os.symlink("data.csv", work / "link.csv")
    os.link(copy, work / "hard.csv")
    return copy


SAME_FILE = ["data.csv", "./data.csv", "sub/../data.csv", "{abs}", "link.csv", "hard.csv"]


@pytest.mark.parametrize("name", SAME_FILE)
@pytest.mark.parametrize("command", [*DATA_COMMANDS, "cube"])
def test_the_output_never_overwrites_the_data_file(
    data: Path, work: Path, command: str, name: str
) -> None:
    target = name.format(abs=data)
    args = command_lines(target)[command]
    args[args.index(str(GOOD))] = "data.csv"
    result = run_cx(*args)
    assert_refused(result, target, "output would overwrite the input file data.csv")
    assert data.read_bytes() == GOOD.read_bytes()
    assert os.path.islink(work / "link.csv")
    assert leftovers(work) == []


@pytest.mark.parametrize("name", SAME_FILE)
def test_rejects_never_overwrite_the_data_file(data: Path, work: Path, name: str) -> None:
    target = name.format(abs=data)
    result = run_cx("inspect", "--data", "data.csv", "--rejects", target)
    assert_refused(result, target, "output would overwrite the input file data.csv")
    assert data.read_bytes() == GOOD.read_bytes()


def test_the_output_never_overwrites_a_strategy_or_mapping_file(work: Path) -> None:
    strategy = work / "strategy.yaml"
    strategy.write_bytes(STRATEGY.read_bytes())
    mapping = work / "mapping.yaml"
    mapping.write_bytes(MAPPING.read_bytes())
    runs = {  # by the file they must not overwrite
        "strategy.yaml": [
            ["simulate", "strategy.yaml", "--data", GOOD, "-o", "strategy.yaml"],
            ["compare", STRATEGY, "strategy.yaml", "--data", GOOD, "-o", "strategy.yaml"],
            ["check", "strategy.yaml", "--data", GOOD, "-o", "./strategy.yaml"],
            ["validate", "strategy.yaml", "-o", "strategy.yaml"],
            ["simulate", "strategy.yaml", "--data", GOOD, "--rejects", "strategy.yaml"],
        ],
        "mapping.yaml": [
            [
                "simulate",
                STRATEGY,
                "--data",
                GOOD,
                "--columns",
                "mapping.yaml",
                "-o",
                "mapping.yaml",
            ],
            ["cube", "--sql", "--columns", "mapping.yaml", "-o", "mapping.yaml"],
        ],
    }
    for lines in runs.values():
        for args in lines:
            result = run_cx(*args)
            assert result.exit_code == 2, (args, result.stderr)
            assert "output would overwrite the input file" in result.stderr, result.stderr
    assert strategy.read_bytes() == STRATEGY.read_bytes()
    assert mapping.read_bytes() == MAPPING.read_bytes()


def test_output_and_rejects_cannot_be_the_same_file(work: Path) -> None:
    (work / "out.csv").write_text("previous\n")
    result = run_cx("inspect", "--data", GOOD, "-o", "out.csv", "--rejects", "./out.csv")
    assert_refused(result, "./out.csv", "two outputs name the same file")
    assert (work / "out.csv").read_text() == "previous\n"
    result = run_cx("inspect", "--data", GOOD, "-o", "new.csv", "--rejects", "new.csv")
    assert_refused(result, "new.csv", "two outputs name the same file")
    assert not (work / "new.csv").exists()


def test_the_library_refuses_to_overwrite_its_input_too(data: Path, work: Path) -> None:
    os.link(data, work / "hard")
    with pytest.raises(InputError, match="output would overwrite the input file"):
        api.build_cube_file(data, work / "hard")
    with pytest.raises(UsageError, match=r"a cube file is Parquet, not \.csv"):
        api.build_cube_file(data, work / "hard.csv")
    with pytest.raises(InputError, match="output would overwrite the input file"):
        api.load_interactions(data, rejects=work / "link.csv")
    with pytest.raises(InputError, match="output path is a device"):
        api.build_cube_file(data, "/dev/null")
    assert data.read_bytes() == GOOD.read_bytes()


# --------------------------------------------------------------------------- symlinks


def test_a_symlink_is_written_through_and_stays_a_link(work: Path) -> None:
    (work / "results").mkdir()
    (work / "results" / "latest.json").write_text("previous\n")
    os.symlink("results/latest.json", "latest.json")
    assert run_cx("schema", "-o", "latest.json").exit_code == 0
    assert os.readlink("latest.json") == "results/latest.json"
    assert (work / "results" / "latest.json").read_text().startswith("{")
    assert leftovers(work) == []
    # a link to a file not there yet makes the file, as a shell's > does
    os.symlink("results/new.json", "new.json")
    assert run_cx("schema", "-o", "new.json").exit_code == 0
    assert os.path.islink("new.json") and (work / "results" / "new.json").is_file()


def test_a_symlink_to_a_device_is_refused(work: Path) -> None:
    os.symlink("/dev/null", "sink")
    assert_refused(run_cx("schema", "-o", "sink"), "sink", "output path is a device")
    assert os.readlink("sink") == "/dev/null"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


# --------------------------------------------------------------------------- failures


def no_space(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def polars_no_space(*args: Any, **kwargs: Any) -> Any:
    # What Polars raises on a full disk: no errno, the OS error in the text.
    raise OSError("No space left on device (os error 28)")


def polars_compute_no_space(*args: Any, **kwargs: Any) -> Any:
    raise pl.exceptions.ComputeError(
        "parquet: File out of specification: underlying IO error: "
        "No space left on device (os error 28)"
    )


FULL_DISK = "cannot write output: No space left on device"


@pytest.mark.parametrize(
    "command",
    [
        "simulate",
        "compare",
        "sweep",
        "check",
        "inspect",
        "report",
        "validate",
        "schema",
        "cube-sql",
    ],
)
def test_a_full_disk_keeps_the_previous_text_output(
    work: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    (work / "out.txt").write_text("previous\n")
    write_text = Path.write_text

    def full_for_the_output(path: Path, *args: Any, **kwargs: Any) -> Any:
        # Only the output's disk is full: the cube cache (another directory) still works.
        if "out.txt" in path.name:
            return no_space()
        return write_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_for_the_output)
    result = run_cx(*command_lines("out.txt")[command])
    monkeypatch.undo()
    assert_refused(result, "out.txt", FULL_DISK)
    assert (work / "out.txt").read_text() == "previous\n"
    assert leftovers(work) == []


@pytest.mark.parametrize("failure", [no_space, polars_no_space, polars_compute_no_space])
def test_a_full_disk_under_polars_keeps_the_previous_cube(
    work: Path, monkeypatch: pytest.MonkeyPatch, failure: Any
) -> None:
    (work / "cube.parquet").write_bytes(b"previous")
    monkeypatch.setattr(pl.DataFrame, "write_parquet", failure)
    result = run_cx("cube", "--data", GOOD, "-o", "cube.parquet")
    monkeypatch.undo()
    assert_refused(result, "cube.parquet", FULL_DISK)
    assert (work / "cube.parquet").read_bytes() == b"previous"
    assert leftovers(work) == []


def test_a_disk_that_fills_under_the_parquet_footer_is_a_full_disk(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polars says a disk that fills as it writes a Parquet file's footer as a broken
    file, not as the full disk it is: cx cube -d export.csv -o cube.parquet was an
    internal error (exit 3) on a full disk."""
    (work / "cube.parquet").write_bytes(b"previous")
    write_parquet = pl.DataFrame.write_parquet

    def footer_fails_on_disk(self: pl.DataFrame, file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | Path):
            raise pl.exceptions.ComputeError(
                "parquet: File out of specification: Invalid thrift: transport error"
            )
        return write_parquet(self, file, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", footer_fails_on_disk)
    monkeypatch.setattr(Path, "write_bytes", no_space)
    result = run_cx("cube", "--data", GOOD, "-o", "cube.parquet")
    monkeypatch.undo()
    assert_refused(result, "cube.parquet", FULL_DISK)
    assert (work / "cube.parquet").read_bytes() == b"previous"
    assert leftovers(work) == []


@pytest.mark.parametrize("failure", [no_space, polars_no_space])
def test_a_full_disk_while_writing_rejects_or_generating(
    work: Path, monkeypatch: pytest.MonkeyPatch, failure: Any
) -> None:
    (work / "rejects.csv").write_text("previous\n")
    (work / "made.csv").write_text("previous\n")
    monkeypatch.setattr(pl.DataFrame, "write_csv", failure)
    rejects = run_cx("inspect", "--data", MANY_BAD_ROWS, "--rejects", "rejects.csv")
    generated = run_cx("generate", "--rows", "50", "-o", "made.csv")
    monkeypatch.undo()
    assert rejects.exit_code == 2 and f"error: rejects.csv: {FULL_DISK}" in rejects.stderr
    assert_refused(generated, "made.csv", FULL_DISK)
    assert (work / "rejects.csv").read_text() == "previous\n"
    assert (work / "made.csv").read_text() == "previous\n"
    assert leftovers(work) == []


def test_a_rename_that_fails_keeps_the_previous_output(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (work / "out.json").write_text("previous\n")
    monkeypatch.setattr(os, "replace", no_space)
    result = run_cx("schema", "-o", "out.json")
    monkeypatch.undo()
    assert_refused(result, "out.json", FULL_DISK)
    assert (work / "out.json").read_text() == "previous\n"
    assert leftovers(work) == []


def test_an_interruption_midway_removes_the_temporary_file(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (work / "made.csv").write_text("previous\n")
    write_csv = pl.DataFrame.write_csv

    def half_then_signal(self: pl.DataFrame, file: Any = None, **kwargs: Any) -> Any:
        write_csv(self.head(1), file, **kwargs)
        raise Interrupted(15)

    monkeypatch.setattr(pl.DataFrame, "write_csv", half_then_signal)
    with pytest.raises(Interrupted):
        run_cx("generate", "--rows", "50", "-o", "made.csv", catch_exceptions=False)
    monkeypatch.undo()
    assert (work / "made.csv").read_text() == "previous\n"
    assert leftovers(work) == []


# --------------------------------------------------------------------------- stdout


def test_dash_is_stdout(work: Path) -> None:
    result = run_cx("schema", "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("{")
    result = run_cx("simulate", STRATEGY, "--data", GOOD, "-f", "json", "-o", "-")
    assert result.exit_code == 0 and '"schema_version": 1' in result.stdout
    result = run_cx("generate", "--rows", "5", "--seed", "1", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("customer_id,timestamp,channel")
    assert len(result.stdout.splitlines()) == 6
    assert not (work / "-").exists()


def test_dash_is_refused_where_stdout_makes_no_sense(work: Path) -> None:
    cube = run_cx("cube", "--data", GOOD, "-o", "-")
    assert cube.exit_code == 2 and "a cube file is Parquet" in cube.stderr
    rejects = run_cx("inspect", "--data", GOOD, "--rejects", "-")
    assert rejects.exit_code == 2 and "--rejects needs a file" in rejects.stderr
    assert not (work / "-").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["schema"],
        ["--help"],
        ["simulate", STRATEGY, "--data", GOOD, "-f", "json"],
        ["generate", "--rows", "1000", "-o", "-"],
        ["explain"],
        ["simulate", STRATEGY, "--data", GOOD, "--no-cache"],
    ],
    ids=["schema", "help", "simulate", "generate", "glossary-table", "simulate-table"],
)
def test_a_full_stdout_is_exit_2_naming_stdout(work: Path, args: list[Any]) -> None:
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [*CX, *map(str, args)], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120
        )
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip() == f"error: stdout: {FULL_DISK}"


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_stdout_that_cannot_encode_every_character_gets_escapes(
    work: Path, encoding: str
) -> None:
    """Not an internal error after half the output: a character the encoding lacks is
    written as its JSON escape, so JSON still reads as the same text."""
    name = "café Δ 😀"
    common = ["simulate", STRATEGY, "--data", GOOD, "--set", f"name={name}"]
    environment = {**os.environ, "PYTHONIOENCODING": encoding}
    for extra in (["-f", "json"], []):
        run = subprocess.run(
            [*CX, *map(str, common), *extra], capture_output=True, timeout=120, env=environment
        )
        assert run.returncode == 0, run.stderr
        text = run.stdout.decode(encoding)  # every byte is the encoding's
        if extra:
            assert json.loads(text)["strategy"]["name"] == name
        else:
            assert b"\\u0394" in run.stdout  # the table's delta sign, escaped


def test_a_directory_that_refuses_the_temporary_file_is_exit_2(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr("tempfile.mkstemp", denied)
    result = run_cx("schema", "-o", "out.json")
    monkeypatch.undo()
    assert_refused(result, "out.json", "cannot write output: Permission denied")
    assert not (work / "out.json").exists()


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (["schema"], 2, f"error: stdout: cannot write output: {os.strerror(errno.EBADF)}\n"),
        (["--help"], 2, f"error: stdout: cannot write output: {os.strerror(errno.EBADF)}\n"),
        (["schema", "-o", "schema.json"], 0, ""),
    ],
    ids=["schema", "help", "to-a-file"],
)
def test_a_closed_stdout_is_exit_2_and_never_lends_its_descriptor(
    work: Path, args: list[str], code: int, stderr: str
) -> None:
    """Started with stdout closed (``cx ... >&-``), cx says so; a file it writes does not
    get descriptor 1 (the schema file holds the schema, whole)."""
    run = subprocess.run(
        [*CX, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert (run.returncode, run.stderr) == (code, stderr)
    if code == 0:
        assert (work / "schema.json").read_text().startswith("{")


def test_an_error_into_a_closed_stderr_keeps_its_exit_code(work: Path) -> None:
    """Not rich's exit 1 (a failed guard, to a script): the error's own 2."""
    args = [*CX, "inspect", "--data", str(MANY_BAD_ROWS)]
    run = subprocess.run(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
        preexec_fn=lambda: os.close(2),
    )
    assert run.returncode == 2
    piped = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert piped.stderr is not None
    piped.stderr.close()  # the reader of stderr is gone before the error is written
    assert piped.wait(timeout=120) == 2


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    ("args", "written"),
    [
        (["init", "--data", GOOD, "-o", "project"], ["project/columns.yaml", "project/push.yaml"]),
        (["generate", "--rows", "10", "-o", "made.csv"], ["made.csv"]),
    ],
    ids=["init", "generate"],
)
def test_a_stderr_that_cannot_be_written_loses_only_the_notes(
    work: Path, args: list[Any], written: list[str]
) -> None:
    """The notes (what init found, what was written) are lost, the work is not."""
    with open("/dev/full", "w") as full:
        run = subprocess.run([*CX, *map(str, args)], stderr=full, timeout=120)
    assert run.returncode == 0
    assert all((work / name).is_file() for name in written)


def test_an_output_never_lands_in_a_data_directory(work: Path) -> None:
    """A directory of Parquet files is read whole: a cube written into it would be
    counted again by the next run."""
    (work / "parts").mkdir()
    assert run_cx("cube", "--data", GOOD, "-o", "parts/one.parquet").exit_code == 0
    for target in ["parts/two.parquet", "parts/one.parquet", "parts/../parts/out.txt"]:
        result = run_cx("cube", "--data", "parts", "-o", target)
        assert_refused(result, target, "output would land in the data directory parts")
        result = run_cx("inspect", "--data", "parts", "-o", "out.txt", "--rejects", target)
        assert_refused(result, target, "output would land in the data directory parts")
    assert sorted(p.name for p in (work / "parts").iterdir()) == ["one.parquet"]
    assert run_cx("simulate", STRATEGY, "--data", "parts", "-o", "out.txt").exit_code == 0


def test_validate_never_overwrites_a_yaml_file_of_a_directory_it_reads(work: Path) -> None:
    (work / "strategies" / "team").mkdir(parents=True)
    nested = work / "strategies" / "team" / "base.yaml"
    nested.write_bytes(STRATEGY.read_bytes())
    result = run_cx("validate", "strategies", "-o", "strategies/team/base.yaml")
    assert_refused(result, "strategies/team/base.yaml", "output would overwrite the input")
    assert nested.read_bytes() == STRATEGY.read_bytes()
    # what it does not read is no input: a report beside the strategies is fine
    assert run_cx("validate", "strategies", "-o", "strategies/report.json").exit_code == 0
    assert (work / "strategies" / "report.json").is_file()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("bell\x07\rover", "bell\\x07\\rover"),
        ("\u202eevil", "\\u202eevil"),
        ("[bold]x[/bold]", "[bold]x[/bold]"),
    ],
    ids=["newline", "escape-sequence", "bell-return", "bidi-override", "markup"],
)
def test_an_error_naming_a_hostile_path_is_one_inert_line(
    work: Path, name: str, shown: str
) -> None:
    result = run_cx("schema", "-o", f"no/{name}/out.json")
    assert_refused(result, f"no/{shown}/out.json", "output directory does not exist")


def test_a_long_output_name_that_fits_is_written(work: Path) -> None:
    """The temporary file beside it has a shorter name, not a longer one that does not fit."""
    name = "r" * 250 + ".json"
    result = run_cx("schema", "-o", name)
    assert result.exit_code == 0, result.stderr
    assert (work / name).read_text().startswith("{")
    assert leftovers(work) == []


def test_the_library_names_a_path_it_cannot_use(work: Path) -> None:
    with pytest.raises(InputError, match=r"cube\\x00\.parquet' holds a NUL character"):
        api.build_cube_file(GOOD, "cube\0.parquet")


def test_a_polars_error_that_is_no_write_failure_stays_an_internal_error(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise pl.exceptions.ComputeError("cannot compare string with numeric type (i64)")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", broken)
    result = run_cx("cube", "--data", GOOD, "-o", "cube.parquet")
    monkeypatch.undo()
    assert result.exit_code == 3
    assert result.stderr.startswith("internal error: ComputeError: cannot compare")
    assert not (work / "cube.parquet").exists()
    assert leftovers(work) == []


@pytest.mark.parametrize("mode", ["ab", "r+b"], ids=["appended", "read-write"])
def test_stdout_redirected_onto_the_data_file_is_refused(data: Path, work: Path, mode: str) -> None:
    """``cx ... --data data.csv >> data.csv`` would append the results to the data, even
    from the recording of an identical earlier run (which is therefore not replayed)."""
    args = [*CX, "simulate", str(STRATEGY), "--data", "data.csv", "-f", "csv"]
    env = {**os.environ, "CX_CACHE_DIR": str(work / ".cache")}
    first = subprocess.run(args, cwd=work, env=env, capture_output=True, timeout=120)
    assert first.returncode == 0, first.stderr
    for name in ("data.csv", "link.csv", "hard.csv"):
        with open(work / name, mode) as stdout:
            run = subprocess.run(
                args,
                cwd=work,
                env=env,
                stdout=stdout,
                stderr=subprocess.PIPE,
                text=True,
                timeout=120,
            )
        assert run.returncode == 2
        assert run.stderr == (
            "error: stdout is redirected to the input file data.csv "
            "(hint: redirect the output to another file)\n"
        )
        assert data.read_bytes() == GOOD.read_bytes()


def test_a_note_naming_a_hostile_path_is_inert(work: Path) -> None:
    name = "x\x1b[31m\nred.csv"
    result = run_cx("generate", "--rows", "5", "-o", name)
    assert result.exit_code == 0
    assert result.stderr == "wrote 5 interactions to x\\x1b[31m\\nred.csv\n"
    assert (work / name).is_file()


@pytest.mark.parametrize(
    "name", ["/dev/stdin", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/0", "link"]
)
def test_a_name_of_an_open_descriptor_is_refused(work: Path, name: str) -> None:
    """/dev/stdin of a run whose stdin is a file names that file: written through, it
    would be replaced. Every such name is refused, whatever the descriptor is."""
    (work / "stdin.txt").write_text("kept\n")
    os.symlink("/dev/stdout", work / "link")
    with open(work / "stdin.txt") as stdin:
        run = subprocess.run(
            [*CX, "schema", "-o", name],
            stdin=stdin,
            capture_output=True,
            text=True,
            cwd=work,
            timeout=120,
        )
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr == (
        f"error: {name}: output path is an open file descriptor (stdin, stdout, ...), not a "
        "file (hint: -o - writes to stdout)\n"
    )
    assert (work / "stdin.txt").read_text() == "kept\n"


def test_the_output_never_overwrites_a_file_a_strategy_extends(work: Path) -> None:
    (work / "team").mkdir()
    parent = work / "team" / "parent.yaml"
    parent.write_bytes(STRATEGY.read_bytes())
    (work / "child.yaml").write_text("extends: team/parent.yaml\nname: child\n")
    for args in (
        ["simulate", "child.yaml", "--data", GOOD],
        ["compare", STRATEGY, "child.yaml", "--data", GOOD],
        ["validate", "child.yaml"],
        ["validate", "."],
    ):
        result = run_cx(*args, "-o", "team/parent.yaml")
        assert_refused(result, "team/parent.yaml", "output would overwrite the input file")
    assert parent.read_bytes() == STRATEGY.read_bytes()


@pytest.mark.parametrize(
    ("command", "name", "said"),
    [
        (["generate", "--rows", "5"], "book.xlsx", "cx generate writes CSV, gzip CSV or "
         "Parquet, not .xlsx (hint: name "),
        (["cube", "--data", str(GOOD)], "cube.csv", "a cube file is Parquet, not .csv "
         "(hint: name "),
        # A format hidden before the last suffix (write, then rename): x.parquet.tmp was
        # written as CSV under a Parquet name.
        (["generate", "--rows", "5"], "sample.parquet.tmp", "the name says .parquet but ends "
         "in .tmp: cx generate writes by the last suffix, so it would write CSV (hint: name it "
         "sample.parquet"),
        (["cube", "--data", str(GOOD)], "cube.csv.gz", "a cube file is Parquet, not .gz "
         "(hint: name it cube.parquet)"),
    ],
)  # fmt: skip
def test_an_output_named_for_another_format_is_refused(
    work: Path, command: list[str], name: str, said: str
) -> None:
    """CSV text in book.xlsx, or Parquet in cube.csv, opens as garbage elsewhere."""
    result = run_cx(*command, "-o", name)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {said}")
    assert not (work / name).exists()


@pytest.mark.parametrize(
    ("command", "name"),
    [(["generate", "--rows", "5"], "sample.2024-06"), (["cube", "--data", str(GOOD)], "cube.v2"),
     (["cube", "--data", str(GOOD)], "cube.PARQUET")],
)  # fmt: skip
def test_a_dot_that_names_no_format_is_part_of_the_name(
    work: Path, command: list[str], name: str
) -> None:
    result = run_cx(*command, "-o", name, "-q")
    assert result.exit_code == 0, result.stderr
    assert (work / name).is_file()
