"""Caches never answer stale, are never trusted blindly, and never fail a run.

Through the library (cx.api), the command line app (CliRunner) and the `cx` entry
point that records and replays identical runs (cx.cli.entry.run).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import run_cx

from cx import api
from cx.cli import rerun
from cx.cli.entry import run as cx_entry
from cx.data import cache as cube_cache
from cx.data.cache_keys import file_fingerprint

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
STRATEGY = ROOT / "strategies" / "digital-first.yaml"
OTHER = ROOT / "strategies" / "follow-everywhere.yaml"
HEADER = "customer_id,timestamp,channel\n"


def rows(channels: list[str], count: int = 300) -> str:
    return "".join(
        f"c{i},2024-01-0{1 + i % 3}T{8 + i % 9:02d}:00:00,{channels[i % len(channels)]}\n"
        for i in range(count)
    )


PHONE_HEAVY = HEADER + rows(["phone", "phone", "email"])
CHAT_HEAVY = HEADER + rows(["email", "email", "phone"])  # the same size, other figures
assert len(PHONE_HEAVY) == len(CHAT_HEAVY)
SIMPLE = """version: 1
name: simple
kind: follow
channels:
  phone: {mode: live, handle_time: 300, hourly_cost: 30}
  email: {mode: live, handle_time: 400, hourly_cost: 20}
  web: {mode: self_service, cost_per_contact: 0.1}
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("CX_CACHE_DIR", str(directory))
    return directory


def entry(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    """The `cx` executable in process (with recorded runs): exit code, stdout, stderr."""
    capsys.readouterr()
    code = cx_entry([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def cube_entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if p.is_dir() and p.name != "runs")


def recordings(cache: Path) -> list[Path]:
    runs = cache / "runs"
    return sorted(runs.glob("*.json")) if runs.is_dir() else []


def leftovers(cache: Path) -> list[str]:
    """Temporary files or directories a cache write left behind."""
    if not cache.exists():
        return []
    return sorted(str(p) for p in cache.rglob(".*"))


def total_cost(stdout: str) -> float:
    return float(json.loads(stdout)["totals"]["cost"])


def edit_in_place_keeping_times(path: Path, old: str, new: str) -> None:
    """Rewrite ``path`` in place (same inode, same size) and put its times back, as
    `touch -r` would; wait for the change time to move, which no one can restore."""
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert len(old) == len(new) and old in text
    with open(path, "r+", encoding="utf-8") as handle:
        handle.write(text.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    while path.stat().st_ctime_ns == before.st_ctime_ns:  # within one clock tick
        os.chmod(path, before.st_mode)
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )


# --- a file is unchanged only if it really is ---------------------------------------


def test_a_file_edited_in_the_middle_with_its_times_restored_is_scanned_again(
    tmp_path: Path, cache: Path
) -> None:
    # Large enough that the edit lies outside the sampled head, middle and tail.
    data = tmp_path / "d.csv"
    body = rows(["phone", "chat", "web"], 12000)
    data.write_text(HEADER + body, encoding="utf-8")
    assert data.stat().st_size > 4 * 64 * 1024
    first = api.load_interactions(data, cache=True)
    line = body.splitlines(keepends=True)[3001]  # about 96 KB in
    assert ",chat\n" in line
    edit_in_place_keeping_times(data, line, line.replace(",chat\n", ",xxxx\n"))
    again = api.load_interactions(data, cache=True)
    assert "xxxx" in again.meta.channels_observed
    assert "xxxx" not in first.meta.channels_observed


def test_a_strategy_edited_with_its_times_restored_is_not_replayed(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(PHONE_HEAVY, encoding="utf-8")
    strategy = tmp_path / "s.yaml"
    strategy.write_text(SIMPLE, encoding="utf-8")
    args = ("simulate", "s.yaml", "--data", "d.csv", "-f", "json")
    first = entry(capsys, *args)
    assert first[0] == 0 and len(recordings(cache)) == 1
    edit_in_place_keeping_times(strategy, "hourly_cost: 30", "hourly_cost: 90")
    assert rerun.replay(list(args)) is None
    second = entry(capsys, *args)
    assert total_cost(second[1]) > total_cost(first[1])


def test_a_copy_in_the_files_place_is_another_file(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(PHONE_HEAVY, encoding="utf-8")
    before = file_fingerprint(data)
    copy = tmp_path / "copy.csv"
    shutil.copy2(data, copy)  # same content and times, another inode
    os.replace(copy, data)
    after = file_fingerprint(data)
    assert before is not None and after is not None
    assert after["inode"] != before["inode"]
    assert after != before


@pytest.mark.parametrize("special", ["/dev/null", "/dev/zero", "fifo"])
def test_devices_and_fifos_have_no_fingerprint(tmp_path: Path, special: str) -> None:
    path = Path(special)
    if special == "fifo":
        path = tmp_path / "fifo"
        os.mkfifo(path)  # opened without blocking, never read
    assert file_fingerprint(path) is None


# --- a re-pointed symlink is another file ---------------------------------------------


def test_a_repointed_data_symlink_is_scanned_again(tmp_path: Path, cache: Path) -> None:
    phone, chat = tmp_path / "phone.csv", tmp_path / "chat.csv"
    phone.write_text(PHONE_HEAVY, encoding="utf-8")
    chat.write_text(CHAT_HEAVY, encoding="utf-8")
    os.utime(chat, ns=(phone.stat().st_atime_ns, phone.stat().st_mtime_ns))
    link = tmp_path / "data.csv"
    link.symlink_to(phone)
    first = api.load_interactions(link, cache=True)
    link.unlink()
    link.symlink_to(chat)
    again = api.load_interactions(link, cache=True)
    fresh = api.load_interactions(chat)
    assert again.demand.sort(again.demand.columns).equals(fresh.demand.sort(fresh.demand.columns))
    assert not again.demand.equals(first.demand)


def with_alt_channel(text: str) -> str:
    """``text`` with a second channel column, ``alt``: phone and email swapped."""
    swap = {"phone": "email", "email": "phone"}
    lines = text.splitlines()
    out = [lines[0] + ",alt"]
    out += [f"{line},{swap[line.rsplit(',', 1)[1]]}" for line in lines[1:]]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("which", ["strategy", "data", "mapping"])
def test_a_repointed_symlink_never_replays_the_old_targets_output(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch, which: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("phone.csv").write_text(with_alt_channel(PHONE_HEAVY), encoding="utf-8")
    Path("chat.csv").write_text(with_alt_channel(CHAT_HEAVY), encoding="utf-8")
    Path("cheap.yaml").write_text(SIMPLE, encoding="utf-8")
    Path("dear.yaml").write_text(SIMPLE.replace("cost: 30", "cost: 90"), encoding="utf-8")
    Path("plain.yaml").write_text("columns:\n  channel: channel\n", encoding="utf-8")
    Path("swapped.yaml").write_text("columns:\n  channel: alt\n", encoding="utf-8")
    first_target, second_target = {
        "strategy": ("cheap.yaml", "dear.yaml"),
        "data": ("phone.csv", "chat.csv"),
        "mapping": ("plain.yaml", "swapped.yaml"),
    }[which]
    link = Path({"strategy": "s.yaml", "data": "d.csv", "mapping": "m.yaml"}[which])
    link.symlink_to(first_target)
    strategy = "s.yaml" if which == "strategy" else "cheap.yaml"
    data = "d.csv" if which == "data" else "phone.csv"
    args = ["simulate", strategy, "--data", data, "-f", "json"]
    if which == "mapping":
        args += ["--columns", "m.yaml"]
    first = entry(capsys, *args)
    assert rerun.replay(args) is not None  # recorded
    link.unlink()
    link.symlink_to(second_target)
    assert rerun.replay(args) is None
    second = entry(capsys, *args)
    fresh = entry(capsys, *args, "--no-cache")
    assert second == fresh
    assert second[1] != first[1]


# --- every entry carries its own checksum ---------------------------------------------


def flip_a_byte(path: Path, at: float = 0.5) -> None:
    content = bytearray(path.read_bytes())
    position = int(len(content) * at)
    content[position] ^= 0x01
    path.write_bytes(bytes(content))


@pytest.mark.parametrize(
    "stored", ["entry.json", "demand.parquet", "arrivals.parquet", "rejects_sample.parquet"]
)
def test_a_flipped_bit_in_a_cube_entry_is_a_miss(tmp_path: Path, cache: Path, stored: str) -> None:
    data = tmp_path / "d.csv"
    data.write_text(PHONE_HEAVY, encoding="utf-8")
    fresh = api.load_interactions(data, cache=True)
    [kept] = cube_entries(cache)
    flip_a_byte(kept / stored)
    key = cube_cache.cache_key(data, api.load_mapping(None), "month", "utf8")
    assert key is not None and cube_cache.load(key) is None
    assert not kept.exists()  # removed, then rebuilt by the next run
    again = api.load_interactions(data, cache=True)
    assert again.demand.equals(fresh.demand)
    assert len(cube_entries(cache)) == 1


def test_an_edited_number_in_a_cube_entry_is_a_miss(tmp_path: Path, cache: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(PHONE_HEAVY, encoding="utf-8")
    api.load_interactions(data, cache=True)
    [kept] = cube_entries(cache)
    description = kept / "entry.json"
    text = description.read_text(encoding="utf-8")
    assert '"rows_used": 300' in text
    description.write_text(text.replace('"rows_used": 300', '"rows_used": 900'), "utf-8")
    assert api.load_interactions(data, cache=True).meta.rows_used == 300

    [kept] = cube_entries(cache)
    demand = pl.read_parquet(kept / "demand.parquet")
    demand.with_columns(pl.col("contacts") * 1000).write_parquet(kept / "demand.parquet")
    again = api.load_interactions(data, cache=True)
    assert int(again.demand["contacts"].sum()) == 300


@pytest.mark.parametrize("damage", ["flip", "edit"])
def test_a_damaged_or_edited_recording_is_not_replayed(
    work: list[str], cache: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    args = [*work, "-f", "json"]
    first = entry(capsys, *args)
    [recording] = recordings(cache)
    text = recording.read_text(encoding="utf-8")
    if damage == "flip":
        flip_a_byte(recording, 0.6)
    else:
        cost = json.loads(first[1])["totals"]["cost"]
        assert f'\\"cost\\": {cost}' in text
        recording.write_text(text.replace(f'\\"cost\\": {cost}', '\\"cost\\": 1.0'), "utf-8")
    assert rerun.replay(args) is None
    assert not recording.exists()
    assert entry(capsys, *args) == first


# --- paths are absolute ---------------------------------------------------------------


def test_the_same_relative_path_in_another_directory_is_another_file(
    tmp_path: Path, cache: Path, monkeypatch
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "data.csv").write_text(PHONE_HEAVY, encoding="utf-8")
    (two / "data.csv").write_text(CHAT_HEAVY, encoding="utf-8")
    stat = (one / "data.csv").stat()
    os.utime(two / "data.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    args = ("simulate", STRATEGY, "--data", "data.csv", "-f", "json")
    monkeypatch.chdir(one)
    in_one = run_cx(*args)
    monkeypatch.chdir(two)
    in_two = run_cx(*args)
    fresh_two = run_cx(*args, "--no-cache")
    assert in_two.stdout == fresh_two.stdout
    assert in_two.stdout != in_one.stdout


def test_replay_reads_the_file_asked_for_not_one_a_cache_entry_names(
    tmp_path: Path, cache: Path, monkeypatch
) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    shutil.copy(EXAMPLE, inner / "data.csv")
    # A decoy where the path remembered from the first run would point from tmp_path.
    (tmp_path / "data.csv").write_text(CHAT_HEAVY, encoding="utf-8")
    monkeypatch.chdir(inner)
    warmed = run_cx("simulate", STRATEGY, "--data", "data.csv", "-f", "json")
    assert warmed.exit_code in (0, 1), warmed.stderr
    monkeypatch.chdir(tmp_path)
    args = ("simulate", STRATEGY, "--data", "inner/data.csv", "--replay", "-f", "json")
    cached = run_cx(*args)
    fresh = run_cx(*args, "--no-cache")
    assert cached.exit_code == fresh.exit_code
    assert (cached.stdout, cached.stderr) == (fresh.stdout, fresh.stderr)
    assert json.loads(cached.stdout)["data"]["file"] == "inner/data.csv"


# --- caching never fails a run --------------------------------------------------------


def expect_one_note_and_same_output(
    capsys: pytest.CaptureFixture[str], args: list[str], reason: str
) -> tuple[int, str, str]:
    fresh = entry(capsys, *args, "--no-cache")
    code, out, err = entry(capsys, *args)
    assert (code, out) == (fresh[0], fresh[1])
    assert err.count("note: cache disabled") == 1, err
    assert reason in err
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    Path("d.csv").write_text(PHONE_HEAVY, encoding="utf-8")
    Path("s.yaml").write_text(SIMPLE, encoding="utf-8")
    return ["simulate", "s.yaml", "--data", "d.csv"]


def test_a_cache_directory_that_is_a_file_disables_the_cache(
    tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str], work: list[str]
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("CX_CACHE_DIR", str(blocker))
    expect_one_note_and_same_output(capsys, work, f"CX_CACHE_DIR {blocker} is not a directory")
    assert blocker.read_text(encoding="utf-8") == "not a directory"
    quiet = entry(capsys, *work, "--quiet")
    assert quiet[0] == 0 and quiet[2] == ""


def test_a_file_where_the_run_records_go_is_named_in_the_note(
    cache: Path, capsys: pytest.CaptureFixture[str], work: list[str]
) -> None:
    """It said `CX_CACHE_DIR CACHE is not a directory`, of a directory."""
    cache.mkdir()
    (cache / "runs").write_text("not a directory", encoding="utf-8")
    expect_one_note_and_same_output(
        capsys, work, f"note: cache disabled: {cache / 'runs'} is not a directory: remove it"
    )
    assert (cache / "runs").read_text(encoding="utf-8") == "not a directory"


def test_a_directory_where_a_run_record_goes_is_named_in_the_note(
    cache: Path, capsys: pytest.CaptureFixture[str], work: list[str]
) -> None:
    first = entry(capsys, *work, "-f", "json")
    (record,) = recordings(cache)
    record.unlink()
    record.mkdir()  # something put a directory where the record goes
    again = entry(capsys, *work, "-f", "json")
    assert again[:2] == first[:2]
    assert f"note: cache entry {record} is a directory, so it is not written: remove it" in (
        again[2]
    )
    assert record.is_dir()  # not cx's to remove


@pytest.mark.parametrize("code", [errno.EACCES, errno.ENOSPC])
def test_an_unwritable_or_full_cache_disables_the_cache(
    cache: Path, monkeypatch, capsys: pytest.CaptureFixture[str], work: list[str], code: int
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    expect_one_note_and_same_output(capsys, work, os.strerror(code))
    assert cube_entries(cache) == [] and recordings(cache) == []
    assert leftovers(cache) == []


def test_a_disk_filling_up_inside_polars_leaves_nothing_behind(
    cache: Path, monkeypatch, capsys: pytest.CaptureFixture[str], work: list[str]
) -> None:
    def full(self: pl.DataFrame, *args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    expect_one_note_and_same_output(capsys, work, "No space left on device")
    assert cube_entries(cache) == [] and recordings(cache) == []
    assert leftovers(cache) == []


def test_a_cache_that_became_read_only_still_answers_with_one_note(
    cache: Path, monkeypatch, capsys: pytest.CaptureFixture[str], work: list[str]
) -> None:
    warmed = entry(capsys, *work, "-f", "json")
    assert warmed[0] == 0 and cube_entries(cache)
    real_mkstemp = tempfile.mkstemp

    def refuse(*args: Any, **kwargs: Any) -> Any:
        if Path(str(kwargs.get("dir", ""))).is_relative_to(cache):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    # Another format: the cube comes from the cache, the new recording cannot be kept.
    expect_one_note_and_same_output(capsys, [*work, "-f", "csv"], "Permission denied")
    assert len(recordings(cache)) == 1 and leftovers(cache) == []


def test_a_chmod_500_cache_directory_never_fails_a_run(
    cache: Path, capsys: pytest.CaptureFixture[str], work: list[str]
) -> None:
    cache.mkdir()
    cache.chmod(0o500)
    try:
        fresh = entry(capsys, *work, "--no-cache")
        code, out, err = entry(capsys, *work)
        assert (code, out) == (fresh[0], fresh[1])
        # As root the directory is writable anyway; otherwise one note says it is not.
        assert err.count("note: cache disabled") == (0 if os.geteuid() == 0 else 1)
    finally:
        cache.chmod(0o700)
    assert leftovers(cache) == []


def test_an_interrupted_cache_write_leaves_nothing_behind(
    tmp_path: Path, cache: Path, monkeypatch
) -> None:
    data = tmp_path / "d.csv"
    data.write_text(PHONE_HEAVY, encoding="utf-8")

    def interrupted(self: pl.DataFrame, *args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pl.DataFrame, "write_parquet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        api.load_interactions(data, cache=True)
    assert cube_entries(cache) == [] and leftovers(cache) == []


# --- a warm cache answers exactly what a fresh run prints -----------------------------

RUNS = {
    "simulate": ["simulate", STRATEGY],
    "simulate-replay": ["simulate", STRATEGY, "--replay", "--seed", "3"],
    "simulate-fit": ["simulate", STRATEGY, "--replay", "--fit"],
    "compare": ["compare", STRATEGY, OTHER],
}


@pytest.mark.parametrize("output_format", ["table", "json", "csv", "markdown"])
@pytest.mark.parametrize("command", list(RUNS))
def test_a_warm_cache_prints_what_a_fresh_run_prints(
    cache: Path, command: str, output_format: str
) -> None:
    args = [*RUNS[command], "--data", EXAMPLE, "-f", output_format]
    fresh = run_cx(*args, "--no-cache")
    assert fresh.exit_code in (0, 1), fresh.stderr
    cold = run_cx(*args)
    warm = run_cx(*args)
    assert cube_entries(cache)
    for result in (cold, warm):
        assert (result.exit_code, result.stdout, result.stderr) == (
            fresh.exit_code,
            fresh.stdout,
            fresh.stderr,
        )


@pytest.mark.parametrize("command", ["simulate", "simulate-replay", "simulate-fit", "compare"])
def test_a_table_after_a_json_run_is_a_fresh_table(
    cache: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    data = ["--data", EXAMPLE]
    fresh_table = entry(capsys, *RUNS[command], *data, "--no-cache")
    entry(capsys, *RUNS[command], *data, "-f", "json")
    table = entry(capsys, *RUNS[command], *data)
    assert table == fresh_table
    assert "0 contacts replayed" not in table[1]
    assert entry(capsys, *RUNS[command], *data) == fresh_table  # replayed from its recording


def test_a_fifo_in_place_of_a_cache_entry_is_a_miss_never_waited_on(
    work: list[str], cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*work, "-f", "json"]
    first = entry(capsys, *args)
    [recording] = recordings(cache)
    [kept] = cube_entries(cache)
    for stored in (recording, kept / "entry.json"):
        stored.unlink()
        os.mkfifo(stored)  # opened without blocking: no writer is ever waited for
    assert rerun.replay(args) is None
    assert entry(capsys, *args) == first


@pytest.mark.parametrize("kind", ["fifo", "file"])
def test_a_fifo_or_a_file_in_place_of_a_cube_entry_is_replaced_never_waited_on(
    work: list[str], cache: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    args = [*work, "-f", "json"]
    first = entry(capsys, *args)
    [kept] = cube_entries(cache)
    shutil.rmtree(kept)
    for recording in recordings(cache):
        recording.unlink()  # the run is evaluated again, and stores its cube again
    if kind == "fifo":
        os.mkfifo(kept)  # opened, it would wait for a writer that never comes
    else:
        kept.write_text("not a cube", encoding="utf-8")

    def waited(*_: object) -> None:
        raise TimeoutError(f"cx waited on the {kind} in place of the cube entry")

    previous = signal.signal(signal.SIGALRM, waited)
    signal.alarm(30)
    try:
        again = entry(capsys, *args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert again == first  # no note: the entry was replaced and the cube stored
    assert kept.is_dir() and cube_entries(cache) == [kept]


# The operations and uncertainty figures (opening hours, after-hours contacts, response
# targets, hold, bands) come from a cache, or from a recorded run, exactly as a fresh run
# prints them.
NIGHT = ROOT / "strategies" / "night-phone-to-chat.yaml"
UNCERTAIN = ROOT / "strategies" / "digital-first-uncertain.yaml"
OPERATIONS_RUNS = {
    "hours-response-hold": ["simulate", NIGHT, "--set", "staffing.hold=0.9"],
    "hours-replay": ["simulate", NIGHT, "--replay", "--seed", "3"],
    "bands": ["simulate", UNCERTAIN, "--samples", "20", "--seed", "7"],
}


@pytest.mark.parametrize("command", list(OPERATIONS_RUNS))
def test_operations_figures_from_a_cache_are_the_fresh_figures(
    cache: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    args = [*OPERATIONS_RUNS[command], "--data", EXAMPLE, "-f", "json"]
    fresh = entry(capsys, *args, "--no-cache")
    assert fresh[0] in (0, 1), fresh[2]
    document = json.loads(fresh[1])
    assert any(
        key in channel
        for channel in document["channels"]
        for key in ("open_hours", "after_hours", "hold", "bands")
    )
    cold = entry(capsys, *args)
    warm = entry(capsys, *args)  # replayed from its recording, the cube from the cache
    assert cube_entries(cache) and recordings(cache)
    assert cold[:2] == fresh[:2] and warm[:2] == fresh[:2]
