"""`cx inspect`: profile interaction data (what customers do, before any strategy)."""

from __future__ import annotations

from dataclasses import replace

from cx.cli.common import OutputFormat, emit, handle_errors
from cx.cli.data_options import cube_for, say_caveats
from cx.cli.options import DataArgs, OutputArgs, with_groups
from cx.models.vocabulary import DEFAULT_WINDOW_HOURS


@handle_errors
@with_groups(source=DataArgs, out=OutputArgs)
def inspect(
    source: DataArgs,
    out: OutputArgs,
) -> None:
    """Profile the data: volumes, channel preference, switching, repeat contacts."""
    from cx import api
    from cx.cli.progress import terminal_progress
    from cx.loader.mapping import load_mapping
    from cx.render import inspect as views
    from cx.render import xlsx
    from cx.render.formats import to_json

    # inspect follows journeys itself: the cube needs no outcomes pass of its own.
    plain = replace(source, outcomes=False, journey_window=None)
    cube = cube_for(plain, [], out.quiet, keep_rows=True)
    window = source.journey_window if source.journey_window is not None else DEFAULT_WINDOW_HOURS
    result = api.inspect_interactions(
        cube,
        load_mapping(source.columns),
        window_hours=window,
        encoding=source.encoding,
        progress=terminal_progress(out.quiet),
    )
    renderers = {
        OutputFormat.table: views.inspect_renderable,
        OutputFormat.json: to_json,
        OutputFormat.csv: views.inspect_csv,
        OutputFormat.markdown: views.inspect_markdown,
        OutputFormat.xlsx: xlsx.inspect_xlsx,
    }
    say_caveats(plain, [], cube, out.quiet, result)  # the data's notes, its warnings
    emit(renderers[out.output_format](result), out.output)
