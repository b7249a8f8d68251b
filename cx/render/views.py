"""What the human views read, and sections → rich renderables (terminal) or markdown text.

The JSON result holds what machines read; a :class:`SimulationView` is that result
with the figures only people see beside it (the status quo's totals), built from a
strategy's evaluation in one place: :meth:`SimulationView.of`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cx.models.result import Result, Totals
from cx.render.formats import markdown_table, markdown_text
from cx.render.layout import LABEL_WIDTH, Fitted
from cx.render.numbers import currency_label
from cx.render.safe import plain
from cx.render.sections import Section, result_sections
from cx.render.verdict import verdict

__all__ = [
    "Evaluated",
    "SimulationView",
    "distinct_names",
    "result_markdown",
    "result_renderable",
    "section_table",
    "sections_markdown",
    "sections_renderable",
    "side_by_side",
]


class Evaluated(Protocol):
    """A strategy evaluated once with its status quo (``cx.replay.engine.StrategyEvaluation``)."""

    @property
    def result(self) -> Result: ...

    @property
    def baseline_totals(self) -> Totals: ...


@dataclass(frozen=True)
class SimulationView:
    """One strategy's result and the status quo's totals that its views set beside it."""

    result: Result
    baseline: Totals

    @classmethod
    def of(cls, evaluation: Evaluated) -> SimulationView:
        return cls(result=evaluation.result, baseline=evaluation.baseline_totals)

    def named(self, name: str) -> SimulationView:
        """This view with its strategy shown as ``name`` (the result is not changed)."""
        if name == self.result.strategy.name:
            return self
        strategy = self.result.strategy.model_copy(update={"name": name})
        return replace(self, result=self.result.model_copy(update={"strategy": strategy}))


def _is_baseline_column(name: str) -> bool:
    return name.casefold() == "baseline"


def distinct_names(
    names: Sequence[str], reserved: Callable[[str], bool] = _is_baseline_column
) -> list[str]:
    """``names`` told apart for strategies set side by side: a name met before, or one
    ``reserved`` (the baseline's column), becomes the first free ``name (2)``,
    ``name (3)``..."""
    distinct: list[str] = []
    for name in names:
        shown, index = name, 2
        while shown in distinct or reserved(shown):
            shown = f"{name} ({index})"
            index += 1
        distinct.append(shown)
    return distinct


def side_by_side(views: Sequence[SimulationView]) -> list[SimulationView]:
    """``views`` with each strategy under a name of its own (:func:`distinct_names`): two
    files that share a `name:` (a variant that extends another and keeps its name) get
    columns and verdicts a reader can tell apart."""
    names = distinct_names([view.result.strategy.name for view in views])
    return [view.named(name) for view, name in zip(views, names, strict=True)]


def section_table(section: Section) -> Table:
    """A section as a rich table. Every text is a :class:`~rich.text.Text` made by
    :func:`plain`: names from files print as written, never as markup or escape codes."""
    table = Table(
        title=plain(section.title),
        title_justify="left",
        title_style="bold",
        caption=plain(section.note) if section.note else None,
        caption_justify="left",
        header_style="bold",
        expand=False,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
    )
    header = [plain(name) for name in section.header]
    rows = [[plain(value) for value in row] for row in section.rows]
    for index, name in enumerate(header):
        if index < section.left_columns:
            widest = max([name.cell_len, *(row[index].cell_len for row in rows)])
            table.add_column(
                name, justify="left", overflow="fold", min_width=min(widest, LABEL_WIDTH)
            )
        else:
            table.add_column(name, justify="right", no_wrap=True)
    for index, row in enumerate(rows):
        style = section.styles[index] if index < len(section.styles) else None
        table.add_row(*row, style=style)
    return table


def sections_renderable(
    sections: Sequence[Section], lead: Sequence[str] = ()
) -> RenderableType:
    """The sections as tables that fit the terminal (:class:`Fitted`), each legend in
    dim lines under its table; ``lead`` lines (the verdict) first, in bold."""
    parts: list[RenderableType] = [plain(line, "bold") for line in lead]
    if parts:
        parts.append(Text(""))
    for section in sections:
        parts.append(Fitted(section, section_table(section)))
        parts.extend(plain(line, "dim") for line in section.legend)
        parts.append(Text(""))
    return Group(*parts[:-1])


def sections_markdown(title: str, sections: Sequence[Section], lead: Sequence[str] = ()) -> str:
    chunks = [f"# {markdown_text(title)}\n"]
    # One paragraph per lead line: lines only a line break apart render as one paragraph.
    chunks.extend(f"{markdown_text(line)}\n" for line in lead)
    for section in sections:
        chunks.append(f"## {markdown_text(section.title)}\n")
        chunks.append(markdown_table(section.header, section.rows))
        if section.note:
            chunks.append(f"\n{markdown_text(section.note)}\n")
        if section.legend:
            chunks.append("".join(f"* {markdown_text(line)}\n" for line in section.legend))
    return "\n".join(chunks)


def result_renderable(view: SimulationView) -> RenderableType:
    with currency_label(view.result.strategy.currency):
        return sections_renderable(result_sections(view), [verdict(view.result).text()])


def result_markdown(view: SimulationView) -> str:
    with currency_label(view.result.strategy.currency):
        return sections_markdown(
            f"cx simulate: {view.result.strategy.name}",
            result_sections(view),
            [verdict(view.result).text()],
        )
