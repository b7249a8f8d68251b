"""`cx explain`: the glossary of metrics (:mod:`cx.models.glossary`) for people."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cx.models.glossary import GLOSSARY, Metric
from cx.render.safe import plain


def metric_renderable(metric: Metric) -> RenderableType:
    """One field: name and label, definition, formula (if computed), where it is in the
    JSON."""
    formula = [Text.assemble(("formula: ", "dim"), metric.formula)] if metric.formula else []
    return Group(
        Text.assemble((metric.name, "bold"), f" — {metric.label}"),
        Text(metric.definition),
        *formula,
        Text.assemble(("in the JSON: ", "dim"), metric.where),
    )


def glossary_renderable() -> RenderableType:
    """Every metric with its definition, by name."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("Metric", no_wrap=True)
    table.add_column("Meaning", overflow="fold")
    for name in sorted(GLOSSARY):
        table.add_row(plain(name), plain(GLOSSARY[name].definition))
    return Group(table, Text("cx explain METRIC shows its formula.", style="dim"))
