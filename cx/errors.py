"""The one error type of cx.

Every mistake a user can make (a bad strategy file, a missing column, an unknown
option value) is raised as a :class:`CxError` subclass carrying a message, a hint
and, where known, the file, line and column it points at. The CLI turns it into
one line on stderr and the exit code of its kind; the library never prints.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import ClassVar

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a tool killed by a closed pipe
EXIT_SIGNAL_BASE = 128  # + the signal's number: 130 after Ctrl-C (SIGINT), 143 after SIGTERM


@dataclass(frozen=True)
class Finding:
    """One problem found in a file: where it is, what is wrong, what to do."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    hint: str | None = None

    def location(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self) -> str:
        text = f"{self.location()}: "
        if self.path:
            text += f"{self.path}: "
        text += self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


def closest(word: object, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice nearest to a misspelt ``word``, if one is near enough."""
    if not isinstance(word, str):
        return None
    import difflib  # only when a name is misspelt: not on every start

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: object, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The hint for a misspelt key or name: ``did you mean 'phone'?``, or None. Never
    the word itself: a known word refused in its place needs another hint."""
    close = closest(word, [choice for choice in choices if choice != word], cutoff)
    return f"did you mean '{close}'?" if close is not None else None


#: The most characters of one value a message repeats from a file.
SHOWN_CHARACTERS = 60
#: The most values of a list a message names.
SHOWN_VALUES = 10


def shown(value: str) -> str:
    """``value`` as a message repeats it from a file: a long one cut short, saying how
    long it was, so that one value cannot make a message of a hundred kilobytes."""
    if len(value) <= SHOWN_CHARACTERS:
        return value
    return f"{value[: SHOWN_CHARACTERS - 1]}… ({len(value):,} characters)"


def shown_list(items: list[str], total: int | None = None) -> str:
    """The first SHOWN_VALUES of ``items`` (already worded), and how many more of
    ``total`` (default: the items) there are."""
    more = (len(items) if total is None else total) - min(len(items), SHOWN_VALUES)
    return ", ".join(items[:SHOWN_VALUES]) + (f" and {more:,} more" if more > 0 else "")


class CxError(Exception):
    """Base of every error cx reports to a user."""

    exit_code: int = EXIT_INPUT

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.path = path

    def reworded(
        self, message: str | None = None, hint: str | None = None, file: str | None = None
    ) -> CxError:
        """The same error (kind, place) saying ``message``, ``hint`` or ``file`` instead;
        for the caller that knows what the place of the error meant."""
        return type(self)(
            self.message if message is None else message,
            hint=self.hint if hint is None else hint,
            file=self.file if file is None else file,
            line=self.line,
            column=self.column,
            path=self.path,
        )

    def as_finding(self) -> Finding:
        return Finding(**{item.name: getattr(self, item.name) for item in fields(Finding)})

    def __str__(self) -> str:
        if self.file is None and self.path is None:
            return self.message + (f" (hint: {self.hint})" if self.hint else "")
        return self.as_finding().format()


class UsageError(CxError):
    """A command-line argument or option that makes no sense."""


class InputError(CxError):
    """Data, mapping or option values that cannot be used (exit 2)."""


class UnknownName(InputError, KeyError):
    """A name looked up in a result that it does not have (a channel, a sweep axis):
    a :class:`KeyError` too, so ``except KeyError`` code keeps working."""

    def __str__(self) -> str:  # KeyError's own would quote the message
        return CxError.__str__(self)


def unknown_channel(name: object, channels: list[str]) -> UnknownName:
    """The error of a channel a result has no figures for."""
    known = ", ".join(channels) or "none"
    return UnknownName(f"no channel {name!r} in this result", hint=f"its channels: {known}")


class DataError(InputError):
    """An interaction file that cannot be read or has too many bad rows."""


class TimestampFormatError(DataError):
    """An interaction file whose timestamps are in no form cx reads without being told
    (a mapping's ``timestamp_format``)."""


class StrategyError(CxError):
    """A strategy (or mapping) file with one or more findings.

    ``findings`` holds every problem found, so ``cx validate`` can report all of
    them at once; the message is the first one.
    """

    def __init__(self, findings: list[Finding]) -> None:
        if not findings:
            raise ValueError("StrategyError needs at least one finding")
        first = findings[0]
        super().__init__(
            first.message,
            hint=first.hint,
            file=first.file,
            line=first.line,
            column=first.column,
            path=first.path,
        )
        self.findings = findings

    def reworded(
        self, message: str | None = None, hint: str | None = None, file: str | None = None
    ) -> CxError:
        """The same findings, the first (whose words the error carries) reworded."""
        first = self.findings[0]
        changed = {"message": message, "hint": hint, "file": file}
        first = replace(first, **{k: v for k, v in changed.items() if v is not None})
        return StrategyError([first, *self.findings[1:]])

    def __str__(self) -> str:
        text = self.findings[0].format()
        if len(self.findings) > 1:
            more = len(self.findings) - 1
            text += f" (and {more} more finding{'' if more == 1 else 's'}; run `cx validate`)"
        return text


class Interrupted(BaseException):
    """SIGINT (Ctrl-C) or SIGTERM, raised where the program was: it unwinds like
    KeyboardInterrupt, so every ``finally`` removes its temporary files, and no
    ``except Exception`` swallows it. The run exits 128 + the signal's number."""

    #: The signal of the last one raised: code that catches the exception where it is
    #: raised (DuckDB does, then says only "Query interrupted") can raise it again.
    received: ClassVar[int | None] = None

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.exit_code = EXIT_SIGNAL_BASE + signal_number
        Interrupted.received = signal_number


#: What each kind of path that is not a regular file is called in messages.
_PATH_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def broken_link(path: Path) -> str | None:
    """Why ``path``, a symlink that leads to no file, leads nowhere (None when it is no
    symlink): a loop of links, or a link to a missing file."""
    if not path.is_symlink():
        return None
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "it is a symlink in a loop: the links lead back to themselves"
    return "it is a symlink to a file that does not exist"


def special_kind(path: str | Path) -> str | None:
    """What ``path`` is when it is not a regular file (e.g. ``"a character device"``),
    for the error that refuses it; None for a regular file or a path that does not
    exist. Found without opening the path (opening a FIFO blocks); symlinks are
    followed, so a link to a regular file is a regular file."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        return None
    if stat.S_ISREG(mode):
        return None
    for test, kind in _PATH_KINDS:
        if test(mode):
            return kind
    return "not a regular file"
