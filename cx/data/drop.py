"""Rows a mapping drops by value (`drop:`, §11) before anything is counted.

``drop: {COLUMN: [VALUES]}`` names a source column of the export, or a canonical column
that `columns:` maps onto one source column; a row whose value there is one of
``VALUES`` (trimmed, case-insensitive, the export's own values before any channel
mapping) is no contact: it is neither counted nor rejected, only counted as dropped.

The filter is applied where the source columns are read (:func:`keep_rows`), so the
fast scan, the exact scan and every per-contact read (replay, journeys, inspect) see
the same rows; :func:`cx.data.raw.rows_dropped` counts the others (every row of the
file less those the scan read), or, where that cannot be, :func:`count_dropped` in a
read of the drop columns alone.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cx.data.diagnose import find_column
from cx.errors import DataError
from cx.models.mapping import Mapping


def resolve(path: Path, header: list[str], mapping: Mapping) -> dict[str, tuple[str, ...]]:
    """Source column → its dropped values (trimmed, lower-cased), for a file's header.

    A canonical column mapped by `columns:` means its source column (the mapping file
    refuses one mapped onto several columns); any other name is a source column, found
    as the mapped columns are (exactly, else one loose match). A name the header does
    not have is a DataError at the header line."""
    resolved: dict[str, tuple[str, ...]] = {}
    for name, values in mapping.drop.items():
        configured = mapping.columns.get(name)  # type: ignore[call-overload]
        wanted = configured if isinstance(configured, str) else name
        found = find_column(wanted, header)
        if found is None:
            raise DataError(
                f"the mapping's `drop:` names column '{wanted}', which is not in the file; "
                f"columns found: {', '.join(header)}",
                file=path,
                line=1,
                hint="name a column of the export (or a canonical column mapped by `columns:`)",
            )
        known = resolved.get(found, ())
        resolved[found] = tuple(sorted({*known, *(normal(value) for value in values)}))
    return resolved


def normal(value: str) -> str:
    """A value as `drop:` compares it: trimmed and lower-cased."""
    return value.strip().lower()


def matches(column: pl.Expr, dtype: pl.DataType, values: tuple[str, ...]) -> pl.Expr:
    """Whether a source column's value is one of ``values`` (null: never). Text is
    compared trimmed and case-insensitively; a number column (a typed Parquet column,
    or a CSV column read as numbers) by value, so ``0`` matches ``0.0``."""
    if dtype == pl.String:
        return column.str.strip_chars().str.to_lowercase().is_in(list(values)).fill_null(False)
    if dtype.is_numeric():
        numbers = []
        for value in values:
            try:
                numbers.append(float(value))
            except ValueError:
                continue
        return column.cast(pl.Float64).is_in(numbers).fill_null(False)
    return matches(column.cast(pl.String), pl.String(), values)


def dropped(drop: dict[str, tuple[str, ...]], dtypes: dict[str, pl.DataType]) -> pl.Expr:
    """Whether a row of the source columns (by their own names) is dropped."""
    tests = [matches(pl.col(n), dtypes.get(n, pl.String()), found) for n, found in drop.items()]
    return pl.any_horizontal(tests)


def keep_rows(
    frame: pl.LazyFrame, drop: dict[str, tuple[str, ...]], dtypes: dict[str, pl.DataType]
) -> pl.LazyFrame:
    """``frame`` (the source columns as read, with their row numbers) without the
    dropped rows; unchanged when nothing is dropped."""
    return frame.filter(~dropped(drop, dtypes)) if drop else frame


def count_dropped(
    frame: pl.LazyFrame, drop: dict[str, tuple[str, ...]], dtypes: dict[str, pl.DataType]
) -> pl.LazyFrame:
    """A one-row query: how many rows of ``frame`` are dropped (``rows_dropped``)."""
    return frame.select(dropped(drop, dtypes).sum().cast(pl.Int64).alias("rows_dropped"))
