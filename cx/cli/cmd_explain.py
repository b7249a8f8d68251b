"""`cx explain`: what a metric of the output means and how it is computed."""

from __future__ import annotations

from typing import Annotated

import typer

from cx.cli.common import DebugOption, emit, handle_errors
from cx.errors import UsageError


@handle_errors
def explain(
    metric: Annotated[
        str | None,
        typer.Argument(
            help="A field of the JSON output, e.g. pooling_overhead or "
            "channels.phone.occupancy; none: list them."
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Explain a metric: its definition and formula (no argument: every metric)."""
    from cx.models.glossary import lookup, nearest
    from cx.render.glossary import glossary_renderable, metric_renderable

    if metric is None:
        emit(glossary_renderable(), None)
        return
    found = lookup(metric)
    if found is None:
        close = nearest(metric)
        raise UsageError(
            f"unknown metric '{metric}'",
            hint=(f"did you mean '{close}'? " if close else "")
            + "`cx explain` lists every metric",
        )
    emit(metric_renderable(found), None)
