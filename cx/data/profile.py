"""Reading an export's head for ``cx init``: a layout that reads every column as text
and the first rows as a frame; what the columns hold is :mod:`cx.data.columns`."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from cx.data.columns import PROFILE_ROWS
from cx.data.diagnose import check_header
from cx.data.files import check_data_path, detect_delimiter, is_gzip, is_parquet
from cx.data.layout import RAW, SourceLayout, head_lines, refuse_header_below
from cx.data.raw import raw_frame
from cx.errors import DataError

# --------------------------------------------------------------------------- reading


def text_layout(path: Path, delimiter: str | None = None) -> SourceLayout:
    """A layout that reads every column of the CSV export ``path`` as text."""
    check_data_path(path)
    if is_parquet(path):
        raise DataError(
            "cx init reads CSV text exports (comma, tab, semicolon or bar, gzip too), not Parquet",
            file=path,
            hint="export the data as CSV, or write the mapping by hand (README, mapping files)",
        )
    head = head_lines(path, 2)
    if not head or not head[0].strip():
        if head:
            refuse_header_below(path, delimiter)
        raise DataError("data file has no header row", file=path, line=1)
    if "\x00" in head[0]:
        raise DataError("data file is binary, not CSV text", file=path)
    delimiter = delimiter or detect_delimiter(head[0])
    if delimiter is None:
        refuse_header_below(path, None)
        raise DataError(
            "cannot detect the delimiter: the header has no comma, tab, semicolon or bar",
            file=path,
            line=1,
            hint="export the data with one of those delimiters",
        )
    try:
        header = next(csv.reader([head[0]], delimiter=delimiter))
    except csv.Error as exc:
        raise DataError(f"cannot read the header row: {exc}", file=path, line=1) from None
    named = named_columns(header)
    if len(named) < len(header):  # a title padded with empty fields names '' several times
        refuse_header_below(path, delimiter)
    if not named:  # every name empty: no column to profile, whatever the rows hold
        raise DataError(
            f"the header names no column: its {len(header)} fields are empty",
            file=path,
            line=1,
            hint="export the data with its header row (customer, time, channel...)",
        )
    try:
        check_header(path, head[0], header, {"all": named})  # CR-only lines, a name twice
    except DataError:
        refuse_header_below(path, delimiter)
        raise
    return SourceLayout(
        path=path,
        delimiter=delimiter,
        header=list(header),
        sources={name: [name] for name in named},
        timestamp_format="",
        compressed=is_gzip(path),
    )


def named_columns(header: list[str]) -> list[str]:
    """The names of ``header`` less the empty ones it holds more than once: the columns
    Excel adds at the end of a sheet whose cells were once formatted (``a;b;;``), which a
    mapping cannot name and cx init does not profile. One empty name is a column."""
    if header.count("") < 2:
        return list(header)
    return [name for name in header if name]


def head_frame(layout: SourceLayout, rows: int = PROFILE_ROWS) -> pl.DataFrame:
    """The first ``rows`` rows of every column, as text, named as in the header."""
    try:
        frame = raw_frame(layout, head=rows).collect()
    except pl.exceptions.PolarsError as exc:
        from cx.data.diagnose import read_error

        refuse_header_below(layout.path, layout.delimiter)
        raise read_error(layout.path, exc, layout.delimiter) from None
    return frame.select(pl.col(RAW + name).alias(name) for name in layout.sources)
