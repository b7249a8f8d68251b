"""Tables that never cut a number: a table wider than the terminal stacks.

A :class:`Fitted` section measures its table when it is printed. If the table fits
the width it is printed as it is; otherwise it is printed as blocks, one per row (a
channel, a period) or, for a section whose rows are metrics, one per column (a
strategy), each a two-column list of label and figure, under one dim line that
says so. Labels may wrap; figures never do.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich import box
from rich.console import Console, ConsoleOptions, RenderableType
from rich.table import Table
from rich.text import Text

from cx.render.safe import plain
from cx.render.sections import Section

#: The narrowest a label column wraps to.
LABEL_WIDTH = 12

#: Columns between two cells of a table (:func:`cx.render.views.section_table`).
GAP = 2


def needed_width(section: Section) -> int:
    """The narrowest the section's table can be with every figure whole: label columns
    wrap down to 12 columns (as :func:`cx.render.views.section_table` lets them), each
    figure column is as wide as its widest cell or header."""
    columns = list(zip(section.header, *section.rows, strict=True))
    widths = []
    for index, cells in enumerate(columns):
        widest = max(plain(cell).cell_len for cell in cells)
        widths.append(min(widest, LABEL_WIDTH) if index < section.left_columns else widest)
    return sum(widths) + GAP * (len(widths) - 1)


def fits(section: Section, width: int) -> bool:
    """Whether ``section``'s table shows every figure whole within ``width`` columns."""
    return needed_width(section) <= width


def blocks(section: Section) -> list[tuple[str, list[tuple[str, str]], str | None]]:
    """``section`` as blocks: (title, [(label, figure)...], row style)."""
    left = section.left_columns
    labels = section.header[left:]
    if section.rows_are_metrics:
        return [
            (name, [(" ".join(row[:left]), row[left + index]) for row in section.rows], None)
            for index, name in enumerate(labels)
        ]
    return [
        (
            " ".join(cell for cell in row[:left] if cell),
            list(zip(labels, row[left:], strict=True)),
            section.styles[number] if number < len(section.styles) else None,
        )
        for number, row in enumerate(section.rows)
    ]


def block_table(title: str, pairs: list[tuple[str, str]], style: str | None) -> Table:
    table = Table(
        title=plain(title),
        title_justify="left",
        title_style="bold",
        show_header=False,
        box=box.SIMPLE,
        pad_edge=False,
        show_edge=False,
        style=style or "",
    )
    table.add_column("label", justify="left", overflow="fold")
    table.add_column("figure", justify="right", no_wrap=True)
    for label, value in pairs:
        table.add_row(plain(label), plain(value))
    return table


class Fitted:
    """A section's table, printed whole when it fits and stacked when it does not."""

    def __init__(self, section: Section, table: Table) -> None:
        self.section = section
        self.table = table

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[RenderableType]:
        if fits(self.section, options.max_width):
            yield self.table
            return
        section = self.section
        yield plain(section.title, "bold")
        yield Text(
            f"(stacked: the table is wider than the {options.max_width} columns here)",
            style="dim",
        )
        for title, pairs, style in blocks(section):
            yield Text("")
            yield block_table(title, pairs, style)
        if section.note:
            yield plain(section.note)
