"""`cx schema`: the JSON Schema of strategy files."""

from __future__ import annotations

from cx.cli.common import DebugOption, OutputOption, emit, handle_errors


@handle_errors
def schema(output: OutputOption = None, debug: DebugOption = False) -> None:
    """Print the JSON Schema of strategy files (for editors and CI)."""
    from cx.schema import strategy_schema_text

    emit(strategy_schema_text(), output)
