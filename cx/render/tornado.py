"""`cx sensitivity` for people: a tornado of bars, each from the metric at a key's low to
the metric at its high (as long as its swing), beside a mark at the metric at the base
values; and the same figures as markdown and CSV."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from cx.models.result import KeySensitivity, Sensitivity
from cx.render.formats import csv_text, markdown_table, markdown_text
from cx.render.numbers import as_written, figure, money, money_change, percent, points, whole
from cx.render.safe import plain

#: How each metric is written.
FORMATS: dict[str, Callable[[float], str]] = {
    "cost": money,
    "cost_delta": money_change,
    "coverage": percent,
    "agent_hours": whole,
}
#: How each metric's swing is written: a difference, never negative (of a share, in
#: percentage points).
SWING_FORMATS: dict[str, Callable[[float], str]] = {
    "cost": money,
    "cost_delta": money,
    "coverage": points,
    "agent_hours": whole,
}
#: The widest a bar gets, however wide the terminal.
MAX_BAR = 60
BASE_MARK = "│"
COLUMNS = ("key", "low", "high", "at_low", "at_high", "swing")


def _write(metric: str, value: float) -> str:
    return FORMATS.get(metric, figure)(value)


def _swing(metric: str, item: KeySensitivity) -> str:
    """The swing as the difference of the two figures written beside it (at 450:
    −25,540 · at 660: −22,668 is a swing of 2,872, never 2,871)."""
    written = FORMATS.get(metric, figure)
    swing = abs(as_written(item.at_high, written) - as_written(item.at_low, written))
    return SWING_FORMATS.get(metric, figure)(swing)


def title(result: Sensitivity) -> str:
    return (
        f"Sensitivity of {result.metric}: {_write(result.metric, result.base)} at the base "
        "values; each uncertain key alone at its low and its high, largest swing first."
    )


def _reading(item: KeySensitivity, metric: str) -> str:
    return (
        f"at {figure(item.low)}: {_write(metric, item.at_low)} · at {figure(item.high)}: "
        f"{_write(metric, item.at_high)} · swing {_swing(metric, item)}"
    )


class Tornado:
    """The bars: one per key, from the metric at its low to the metric at its high, so
    that their lengths compare the swings, on one scale that holds every figure and the
    metric at the base values, marked on each line by :data:`BASE_MARK`; as wide as the
    terminal allows (at most :data:`MAX_BAR`). The figures go on their own line, which
    wraps between words, so no width cuts a number."""

    def __init__(self, result: Sensitivity) -> None:
        self.result = result

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        result = self.result
        yield plain(title(result), "bold")
        width = max(8, min(MAX_BAR, options.max_width - 3))  # 2 of indent, 1 of base mark
        values = [result.base, *(v for k in result.keys for v in (k.at_low, k.at_high))]
        for item in result.keys:
            yield Text("")
            yield plain(item.key, "bold")
            bar = self._bar(item, width, min(values), max(values))
            yield Text("  ") + Text(bar, style="cyan")
            yield Text("  ") + plain(_reading(item, result.metric))

    def _bar(self, item: KeySensitivity, width: int, lowest: float, highest: float) -> str:
        """``width`` cells from ``lowest`` to ``highest``, the bar filling those between
        the key's two figures (as many as its swing takes), the base mark set between the
        cells either side of the metric at the base values."""
        scale = width / (highest - lowest) if highest > lowest else 0.0

        def cell(value: float) -> int:
            return round((value - lowest) * scale)

        length = round(abs(item.at_high - item.at_low) * scale)
        start = min(cell(min(item.at_low, item.at_high)), width - length)
        cells = [" "] * start + ["█"] * length + [" "] * (width - start - length)
        base = cell(self.result.base)
        return "".join([*cells[:base], BASE_MARK, *cells[base:]]).rstrip()


def _rows(result: Sensitivity) -> Iterator[list[str]]:
    for item in result.keys:
        yield [
            item.key,
            figure(item.low),
            figure(item.high),
            _write(result.metric, item.at_low),
            _write(result.metric, item.at_high),
            _swing(result.metric, item),
        ]


def tornado_markdown(result: Sensitivity) -> str:
    header = ["Key", "Low", "High", f"{result.metric} at low", f"{result.metric} at high",
              "Swing"]  # fmt: skip
    return (
        f"# cx sensitivity\n\n{markdown_text(title(result))}\n\n"
        + markdown_table(header, _rows(result))
    )


def tornado_csv(result: Sensitivity) -> str:
    return csv_text(
        COLUMNS, ([getattr(item, column) for column in COLUMNS] for item in result.keys)
    )
