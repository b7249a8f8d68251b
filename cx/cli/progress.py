"""Progress of long steps on stderr: only on a terminal, never with --quiet.

The library reports steps to a :class:`cx.models.progress.Progress`; here they are
drawn. A step with a total (rows drawn, contacts replayed) gets a bar, its percentage
and the time left; a step without one (a single Polars query over a file, which cannot
say how far it is) gets a spinner naming it and its elapsed time, never an invented
percentage. A step inside another takes its place until it is over. Everything
disappears when the work is done.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TaskProgressColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Column
from rich.text import Text

from cx.cli.common import stderr_console
from cx.models.progress import SILENT, Progress
from cx.render.safe import plain

#: A step is drawn once it has run this long: quick steps leave the terminal alone.
SHOW_AFTER = 0.5


class _StepName(ProgressColumn):
    """The step's name as text: file names in it never act as markup or escapes."""

    def __init__(self) -> None:
        super().__init__(table_column=Column(no_wrap=True, overflow="ellipsis"))

    def render(self, task: Task) -> Text:
        return plain(task.description)


class _WithTotal(ProgressColumn):
    """``column`` for a step with a total; nothing for one without."""

    def __init__(self, column: ProgressColumn) -> None:
        super().__init__()
        self.column = column

    def render(self, task: Task) -> RenderableType:
        return self.column.render(task) if task.total is not None else Text("")


class _Steps(RichProgress):
    """Rich's progress display, showing only the steps that have run ``delay`` seconds."""

    def __init__(self, console: Console, delay: float) -> None:
        super().__init__(
            SpinnerColumn("dots"),
            _StepName(),
            _WithTotal(BarColumn(bar_width=30)),
            _WithTotal(TaskProgressColumn()),
            _WithTotal(TimeRemainingColumn()),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            refresh_per_second=8,
            # stdout carries machine output (CSV, JSON): never take it over
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.delay = delay

    def get_renderables(self) -> Iterable[RenderableType]:
        shown = [
            task for task in self.tasks if task.visible and (task.elapsed or 0.0) >= self.delay
        ]
        yield self.make_tasks_table(shown)


class TerminalProgress(Progress):
    """Steps drawn on ``console`` (a terminal), each once it has run ``delay`` seconds."""

    def __init__(self, console: Console, delay: float = SHOW_AFTER) -> None:
        self._console = console
        self._delay = delay
        self._steps: list[TaskID] = []
        self._display: _Steps | None = None
        self._lock = threading.Lock()

    def start(self, step: str, total: float | None = None) -> None:
        with self._lock:
            if self._display is None:
                self._display = _Steps(self._console, self._delay)
                self._display.start()
            display = self._display
            if self._steps:
                display.update(self._steps[-1], visible=False)
            self._steps.append(display.add_task(step, total=total))
            display.refresh()

    def advance(self, amount: float = 1.0) -> None:
        with self._lock:
            if self._display is not None and self._steps:
                self._display.advance(self._steps[-1], amount)

    def finish(self) -> None:
        with self._lock:
            if self._display is None or not self._steps:
                return
            self._display.remove_task(self._steps.pop())
            if self._steps:
                self._display.update(self._steps[-1], visible=True)
                return
            self._display.stop()
            self._display = None


def terminal_progress(
    quiet: bool, console: Console | None = None, delay: float | None = None
) -> Progress:
    """Progress drawn on stderr when it is a terminal and not --quiet; else silent.
    Steps show once they have run ``delay`` seconds (default :data:`SHOW_AFTER`)."""
    console = console or stderr_console()
    if quiet or not console.is_terminal:
        return SILENT
    return TerminalProgress(console, SHOW_AFTER if delay is None else delay)
