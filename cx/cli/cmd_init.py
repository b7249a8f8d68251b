"""`cx init`: from an export to a mapping file and two strategies to start from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cx.cli.common import DebugOption, QuietOption, handle_errors, note
from cx.models.vocabulary import counted

if TYPE_CHECKING:
    from rich.console import Group

    from cx.onboard import Proposal


@handle_errors
def init(
    data: Annotated[Path, typer.Option("--data", "-d", help="The export to read (CSV, TSV, .gz).")],
    directory: Annotated[
        Path,
        typer.Option("--output", "-o", help="Directory for the files (created if need be)."),
    ] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="Replace columns.yaml, follow.yaml, push.yaml.")
    ] = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Read an export and write a mapping (columns.yaml) and strategies (follow.yaml,
    push.yaml) that run on it.

    `cx init --data export.csv -o my-project`, then
    `cx simulate my-project/follow.yaml --data export.csv --columns my-project/columns.yaml`.
    """
    from cx import api

    proposal, paths = api.init_project(data, directory, force)
    note(_found(proposal), quiet)
    note(f"wrote {', '.join(str(path) for path in paths)}", quiet)


def _found(proposal: Proposal) -> Group:
    """What was found: the columns, the channels, and the guesses to check."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from cx.render.safe import plain

    columns = Table(title=f"Columns of {plain(proposal.data.name)}", title_justify="left")
    for header in ("cx column", "export column", "holds", "e.g."):
        columns.add_column(header)
    for column in proposal.columns.values():
        columns.add_row(
            column.canonical,
            plain(" + ".join(column.sources)),
            column.holds,
            plain(column.example),
        )
    channels = Table(title="Channels", title_justify="left")
    for header in ("channel", "mode", "contacts", "handle time (s)", "export values"):
        channels.add_column(header, justify="right" if header in ("contacts",) else "left")
    for seen in proposal.channels:
        channels.add_row(
            seen.name,
            seen.mode,
            f"{seen.contacts:,}",
            f"{seen.handle_time:,.0f}" if seen.handle_time is not None else "",
            plain(", ".join(seen.values)),
        )
    lines = [
        f"timestamp format {proposal.timestamp_format}, delimiter {proposal.delimiter!r}; "
        f"{counted(proposal.rows, 'row')}, "
        f"{proposal.rows_rejected:,} rejected",
        *(f"check: {line}" for line in proposal.checks),
        *proposal.notes,
    ]
    return Group(columns, channels, Text("\n").join(plain(line) for line in lines))
