"""Rejected rows as a spreadsheet opens them: text cells that cannot run as formulas.

The rule is :func:`cx.render.safe.spreadsheet_text` (OWASP CSV injection), written as
Polars expressions for a whole frame; the render layer is above this one, so the rule
is stated here again, and a test holds the two to the same answers.
"""

from __future__ import annotations

import polars as pl

FORMULA_PREFIX = "'"
_FORMULA_START = "^[=+\\-@\\t\\r]"
_PLAIN_NUMBER = "^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$"


def _safe(text: pl.Expr) -> pl.Expr:
    formula = text.str.contains(_FORMULA_START) & ~text.str.contains(_PLAIN_NUMBER)
    return pl.when(formula).then(pl.lit(FORMULA_PREFIX) + text).otherwise(text)


def spreadsheet_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell, and the header, safe to open in a spreadsheet: one
    starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
    single quote unless it is just a number (``-5``). Other columns are untouched."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    safe = frame.with_columns(_safe(pl.col(name)).alias(name) for name in text_columns)
    # The header row is text too (a data file's own column names, in --rejects).
    header = pl.DataFrame({"name": safe.columns}, schema={"name": pl.String})
    names = header.select(_safe(pl.col("name")).alias("name"))["name"].to_list()
    if len(set(names)) < len(names):  # renaming would make two columns one
        return safe
    return safe.rename(dict(zip(safe.columns, names, strict=True)))
