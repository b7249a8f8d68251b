"""A data file's rows as untouched source columns: how every scan reads a file.

:func:`raw_frame` reads the source columns the mapping uses as ``__raw:<name>`` (a
CSV as text with an explicit schema, nothing inferred; Parquet with its types, or as
text), numbered by ``__row``, optionally with ``__line``, a 64-bit hash of the whole
row for counting duplicate rows. :func:`collect` runs queries over such frames with
the streaming engine and turns a read failure into an error that says where the file
goes wrong (:func:`cx.data.diagnose.read_error`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

from cx.data import drop as drop_rows
from cx.data.diagnose import READ_FAILURES, read_error
from cx.data.layout import RAW, ROW, SourceLayout, head_lines
from cx.data.rules import NUMBER_COLUMNS, SECONDS_COLUMNS, is_duration
from cx.models.mapping import DIMENSION_COLUMNS


def number_sources(layout: SourceLayout) -> set[str]:
    """The source columns that hold a number column each (one source per number): not
    the handle and wait times a mapping's duration_format reads as a clock's text."""
    sources = [layout.sources.get(n, []) for n in NUMBER_COLUMNS if not is_duration(layout, n)]
    return {names[0] for names in sources if len(names) == 1}


LINE = "__line"  # a 64-bit hash of every column of a row (see _line_hash)
LINE_SEED = 0x11E5


def _line_hash(layout: SourceLayout) -> pl.Expr:
    """Per row, the wrapping sum of a hash of each column (a seed per column): as good a
    64-bit row hash as a struct hash, at half the cost.

    The number columns are hashed by value (``12``, `` 12`` and ``12.0`` are one value,
    as the rules of §3 read them), so a file gives the same duplicate rows whether its
    numbers were read as numbers (:func:`cx.data.fast.typed_numbers`) or as text."""
    numbers = number_sources(layout)

    def hashed(index: int, name: str) -> pl.Expr:
        seed, column = LINE_SEED + index, pl.col(name)
        if name not in numbers:
            return column.hash(seed)
        if not layout.is_text(name):
            return column.cast(pl.Float64).hash(seed)
        value = column.str.strip_chars().cast(pl.Float64, strict=False)
        return pl.when(value.is_not_null()).then(value.hash(seed)).otherwise(column.hash(seed))

    return pl.sum_horizontal([hashed(i, name) for i, name in enumerate(layout.header)])


def blank_line_hash(layout: SourceLayout) -> int:
    """The row hash of a blank line (every column null), which is no row to count."""
    types = {name: layout.dtypes.get(name, pl.String) for name in layout.header}
    blank = pl.DataFrame({name: [None] for name in types}, schema=types)
    return int(blank.select(_line_hash(layout)).item())


#: The canonical columns that are text on every path (ids and categories): a Parquet
#: file's typed column is read as the text a CSV of it holds, as the scan reads a CSV;
#: the fast scan groups by them as read (cx.data.fastrows).
KEY_COLUMNS = ("customer_id", "channel", *DIMENSION_COLUMNS)
#: Floats from here on are not whole numbers one by one: no integer id is that large.
EXACT_FLOAT = float(2**53)


def text_of(column: pl.Expr, dtype: pl.DataType, encoding: str = "utf8") -> pl.Expr:
    """A typed Parquet column as text. A float that is a whole number is that number's
    text (``12.0`` is the id ``12``: a column of integer ids with gaps is written as
    floats by pandas), NaN is empty (pandas' missing value), other floats as Polars
    writes them. Bytes are UTF-8 text: bytes that are not UTF-8 are an error, or with
    ``--encoding lossy`` replaced (U+FFFD). Other types as Polars writes them."""
    if dtype.is_float():
        whole = (column == column.round(0)) & (column.abs() < EXACT_FLOAT)
        return (
            pl.when(column.is_nan())
            .then(None)
            .when(whole)
            .then(column.cast(pl.Int64).cast(pl.String))
            .otherwise(column.cast(pl.String))
        )
    if dtype == pl.Binary and encoding == "lossy":
        return column.map_batches(_decode_lossy, return_dtype=pl.String, is_elementwise=True)
    return column.cast(pl.String)


def _decode_lossy(values: pl.Series) -> pl.Series:
    return pl.Series(
        [None if v is None else v.decode("utf-8", "replace") for v in values], dtype=pl.String
    )


def raw_frame(
    layout: SourceLayout,
    encoding: str = "utf8",
    text: bool = True,
    line_hash: bool = False,
    head: int | None = None,
) -> pl.LazyFrame:
    """``__row`` and the source columns the mapping uses, as ``__raw:<name>``.

    CSV columns are read as text with an explicit schema (nothing inferred). Parquet
    columns keep their types unless ``text``: then every column but a temporal
    timestamp is cast to text, so the row rules (:mod:`cx.data.rules`) apply to it as
    to a CSV. With ``line_hash``, ``__line`` hashes all the file's columns, for counting
    duplicate rows. With ``head``, only the file's first ``head`` rows (read by lines,
    so a gzip file is not decompressed whole for them).
    """
    needed = layout.source_columns()
    extra = []
    if line_hash:
        extra = [_line_hash(layout).alias(LINE)]
    if layout.format == "parquet":
        keep = set(layout.sources["timestamp"]) if layout.typed_timestamp() else set()
        keys = {name for key in KEY_COLUMNS for name in layout.sources.get(key, [])}
        # A clock's duration is read from text: a column of numbers under a mapping's
        # duration_format is rejected row by row, as a CSV's numbers are.
        clocks = {
            name
            for canonical in SECONDS_COLUMNS
            if is_duration(layout, canonical)
            for name in layout.sources.get(canonical, [])
        }

        def column(name: str) -> pl.Expr:
            value = pl.col(name)
            if layout.holds_durations(name):
                value = value.dt.total_seconds(fractional=True)
            if not (layout.is_text(name) or name in keep):
                if name in keys:
                    value = text_of(value, layout.dtypes[name], encoding)
                elif text or name in clocks:
                    value = value.cast(pl.String)
            return value.alias(RAW + name)

        rows = drop_rows.keep_rows(_source_rows(layout, encoding, head), layout.drop, layout.dtypes)
        return rows.select(ROW, *(column(name) for name in needed), *extra)
    frame = drop_rows.keep_rows(_source_rows(layout, encoding, head), layout.drop, layout.dtypes)
    return frame.select(ROW, *(pl.col(name).alias(RAW + name) for name in needed), *extra)


def _source_rows(layout: SourceLayout, encoding: str, head: int | None = None) -> pl.LazyFrame:
    """Every row of the file (with ``head``, its first rows) as read, with ``__row``."""
    if layout.format == "parquet":
        rows = pl.scan_parquet(layout.path, row_index_name=ROW, glob=False)
        return rows if head is None else rows.head(head)
    if head is None:
        return pl.scan_csv(
            layout.path, row_index_name=ROW, glob=False, **_csv_options(layout, encoding)
        )
    return read_head(layout, encoding, head).lazy().with_row_index(ROW)


def rows_dropped(layout: SourceLayout, rows_kept: int) -> int:
    """Rows the mapping's `drop:` leaves out, of a file whose scan read ``rows_kept``
    rows past the drop: every row of the file, less those. Polars counts a file's rows
    without parsing their fields (about a tenth of reading the drop columns again); a
    count below ``rows_kept``, which no file gives, falls back to that read."""
    if not layout.drop:
        return 0
    every = collect(layout.path, [_source_rows(layout, "lossy").select(pl.len())])[0].item()
    if int(every) >= rows_kept:
        return int(every) - rows_kept
    query = drop_rows.count_dropped(_source_rows(layout, "lossy"), layout.drop, layout.dtypes)
    return int(collect(layout.path, [query])[0].item())


def _csv_options(layout: SourceLayout, encoding: str) -> dict[str, Any]:
    """How Polars reads the CSV of ``layout``: its delimiter, one quote character, and
    every column as text unless ``layout`` says otherwise (nothing is inferred)."""
    return {
        "separator": layout.delimiter,
        "has_header": True,
        "schema_overrides": {name: layout.dtypes.get(name, pl.String) for name in layout.header},
        "infer_schema": False,
        "encoding": "utf8-lossy" if encoding == "lossy" else "utf8",
        "quote_char": '"',
    }


def read_head(layout: SourceLayout, encoding: str, rows: int) -> pl.DataFrame:
    """The first ``rows`` rows of a CSV (plain or gzip), read as ``layout`` says."""
    head = "".join(head_lines(layout.path, rows + 1, encoding))
    # The lines have lost one BOM, and Polars drops one more: a BOM of ours keeps a
    # second BOM of the file in the first name, as the scan of the file reads it.
    text = io.BytesIO(("\ufeff" + head).encode("utf-8"))
    return pl.read_csv(text, **_csv_options(layout, encoding))


def collect(path: Path, queries: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    try:
        return pl.collect_all(queries, engine="streaming")
    except READ_FAILURES as exc:  # OSError: e.g. a truncated .gz
        raise read_error(path, exc) from None
