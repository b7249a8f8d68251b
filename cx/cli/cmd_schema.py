"""`cx schema`: the JSON Schema of strategy files."""

from __future__ import annotations

from cx.cli.common import (
    DebugOption,
    OutputOption,
    check_fixed_text_output,
    emit,
    handle_errors,
)


@handle_errors
def schema(output: OutputOption = None, debug: DebugOption = False) -> None:
    """Print the JSON Schema of strategy files (for editors and CI)."""
    from cx.schema import strategy_schema_text

    check_fixed_text_output(output, "cx schema writes JSON", ".json")
    emit(strategy_schema_text(), output)
