"""Identical reruns: answer a command from the output it gave last time.

A strategist reruns the same ``simulate`` or ``compare`` on an unchanged export many
times; most of such a rerun would be starting Python and importing the libraries
that parse, validate and render. So the successful output of the what-if commands
is recorded, keyed by everything it depends on:

* the command line, the working directory, the terminal (is stdout one, how wide)
  and the environment variables that change output or caching;
* the code of cx itself (version and files) and of the libraries it computes and
  renders with (:func:`cx.data.cache_keys.code_identity`);
* every file the command read: strategy files with what they extend, the mapping
  file and the data file, each by :func:`cx.data.cache_keys.file_fingerprint` (the
  path as given and what it resolves to, size, modification and change times, inode,
  sampled content hash), as for the cube cache.

Each recording carries the sha256 of its content, checked before it is replayed: a
damaged or edited recording is removed and the command runs.

A rerun whose key matches and whose files are all unchanged writes the recorded
stdout and stderr and exits with the recorded code before anything heavy is
imported. Anything else (a changed file, ``--no-cache``, ``--output``,
``--rejects``, an error) runs the command. Only the standard library here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from cx.data.cache_keys import cache_dir, code_identity, file_fingerprint, load_json, store_json

#: Commands whose output depends only on their arguments and the files they read.
RECORDED_COMMANDS = frozenset({"simulate", "compare", "sweep", "check"})
#: Environment variables that change what a command prints or what it reads.
ENVIRONMENT = (
    "NO_COLOR", "FORCE_COLOR", "TERM", "COLORTERM", "COLUMNS", "LINES", "TTY_COMPATIBLE",
    "TTY_INTERACTIVE", "JUPYTER_COLUMNS", "JUPYTER_LINES", "TERM_PROGRAM", "PYTHONIOENCODING",
    "LANG", "LC_ALL", "LC_CTYPE", "TZ",
)  # fmt: skip
FORMAT = 2  # 2: files keyed by path, target, ctime and inode; entries carry a checksum
QUIET_FLAGS = frozenset({"-q", "--quiet"})


class Recording:
    """What one command run writes, and the files it depends on."""

    def __init__(self, entry: Path, argv: list[str]) -> None:
        self.entry = entry
        self.argv = argv
        self.events: list[tuple[str, str]] = []
        self.files: set[str] = set()
        self.reads_data = False
        self.spoiled = False

    def finish(self, code: int) -> None:
        if self.spoiled or not self.reads_data or code not in (0, 1):
            return
        try:
            files = {name: file_fingerprint(name) for name in sorted(self.files)}
        except OSError:
            return
        if None in files.values():  # a FIFO or a device: what it gives may differ next time
            return
        payload = {"format": FORMAT, "files": files, "events": self.events, "code": code}
        problem = store_json(self.entry, payload)
        if problem is not None and not QUIET_FLAGS & set(self.argv):
            sys.stderr.write(f"note: {problem}\n")


_current: Recording | None = None


def start(argv: list[str]) -> None:
    """Record this run if it is a what-if command (its outcome is stored by :func:`finish`)."""
    global _current
    entry = _entry_for(argv)
    _current = Recording(entry, argv) if entry is not None else None


def finish(code: int) -> None:
    global _current
    recording, _current = _current, None
    if recording is not None:
        recording.finish(code)


def depend_on(*paths: Path | str | None) -> None:
    """The running command read these files: a change in any of them is a new run."""
    if _current is not None:
        # As given, made absolute: a symlink stays one, so re-pointing it is a change.
        _current.files.update(os.path.abspath(path) for path in paths if path is not None)


def depend_on_data(data: Path, columns: Path | None, cached: bool) -> None:
    """The running command read ``data`` (mapped by ``columns``); ``cached`` is False
    when the command must read it every time (--no-cache, --rejects, a directory)."""
    if _current is None:
        return
    if not cached or not data.is_file():
        _current.spoiled = True
        return
    _current.reads_data = True
    depend_on(data, columns)


def spoil() -> None:
    """This run's output cannot be replayed (it wrote a file, for one)."""
    if _current is not None:
        _current.spoiled = True


def record(stream: str, text: str) -> None:
    if _current is not None:
        _current.events.append((stream, text))


def replay(argv: list[str]) -> int | None:
    """Write the recorded output of an identical earlier run and return its exit
    code; None when there is none, or a file it read has changed."""
    entry = _entry_for(argv)
    if entry is None:
        return None
    try:
        payload = load_json(entry)
        if payload["format"] != FORMAT:
            return None
        for name, fingerprint in payload["files"].items():
            if file_fingerprint(name) != fingerprint:
                return None
        events = [(str(stream), str(text)) for stream, text in payload["events"]]
        code = int(payload["code"])
    except FileNotFoundError:
        return None
    except Exception:  # a damaged entry (or a file now missing): run the command
        with contextlib.suppress(OSError):
            entry.unlink()
        return None
    for stream, text in events:
        target = sys.stdout if stream == "stdout" else sys.stderr
        target.write(text)
        target.flush()
    return code


def run_key(argv: list[str]) -> str:
    identity = {
        "argv": argv,
        "cwd": os.getcwd(),
        "environment": {name: os.environ.get(name) for name in ENVIRONMENT},
        "cx_environment": sorted((k, v) for k, v in os.environ.items() if k.startswith("CX_")),
        "terminal": [_terminal(sys.stdout), _terminal(sys.stderr)],
        "code": code_identity(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def _terminal(stream: Any) -> list[Any]:
    """Whether ``stream`` is a terminal, its size, and its encoding: rich's output
    depends on all three."""
    try:
        tty = stream.isatty()
        size = list(os.get_terminal_size(stream.fileno())) if tty else None
    except (AttributeError, OSError, ValueError):
        tty, size = False, None
    return [tty, size, getattr(stream, "encoding", None)]


def _command(argv: list[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def _entry_for(argv: list[str]) -> Path | None:
    """Where the recording of ``argv`` is kept; None for a command that is not recorded,
    or when there is no telling (the working directory was removed, no home directory)."""
    if _command(argv) not in RECORDED_COMMANDS:
        return None
    try:
        return cache_dir() / "runs" / f"{run_key(argv)}.json"
    except (OSError, RuntimeError, KeyError):
        return None
