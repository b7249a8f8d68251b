"""Interaction files → :class:`~cx.data.cube.Cube` in one lazy Polars scan (§3, §9).

This module orchestrates; each job has its own module. The layout
(:mod:`cx.data.layout`) reads the header and maps the columns; the row rules
(:mod:`cx.data.rules`) say which rows are valid and what their values mean (every
column read as text with an explicit schema, one timestamp format for the whole
column, nothing guessed per row: a row whose required field is empty or unparseable,
or whose optional field is present but invalid, is rejected with a reason). The fast
scan (:mod:`cx.data.fast`) reads most files; where it cannot be exact,
:func:`scan_fine` falls back, in one place, to the exact scan (:mod:`cx.data.exact`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import polars as pl

from cx.data import fine, periods
from cx.data.cube import Cube
from cx.data.exact import scan_exact
from cx.data.exact import valid_rows as exact_valid_rows
from cx.data.fast import fast_valid_rows, scan_fast, scan_with_rows
from cx.data.files import check_data_path
from cx.data.layout import SourceLayout, resolve_layout
from cx.errors import SHOWN_VALUES, DataError, InputError, closest, shown, shown_list
from cx.models.mapping import Mapping
from cx.models.numbers import check_share
from cx.models.vocabulary import PERIODS, one_of, plural

DEFAULT_MAX_REJECT_RATE = 0.01
CUBE_FILE_MAPPING_NOTE = (
    "a cube file is read as it was built: the mapping (--columns) is not used; give it "
    "to `cx cube` when building the file"
)


@dataclass(frozen=True)
class ScanOptions:
    period: str = "month"
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE
    encoding: str = "utf8"

    def __post_init__(self) -> None:
        # The API takes these as plain strings: a wrong one is an input error, not a
        # KeyError deep in the scan (period) or a silent fallback to utf8 (encoding).
        check_share(self.max_reject_rate, "max_reject_rate")
        if self.period not in periods.TRUNCATE_EVERY:
            raise InputError(f"unknown period '{self.period}'", hint=f"use {one_of(PERIODS)}")
        if self.encoding not in ("utf8", "lossy"):
            raise InputError(
                f"unknown encoding '{self.encoding}'",
                hint="use utf8, or lossy to replace bytes that are not UTF-8",
            )


@dataclass
class KeptRows:
    """Asks a scan to keep ``__row``, the canonical ``columns`` and those of the
    ``optional`` columns the data has, of every valid row, in ``frame``: for the passes
    that need single contacts (inspect, journeys), so that the cube and the rows come
    from one read of the file. The channel and dimension columns are categories
    (:func:`cx.data.fine.as_categories`). ``frame`` stays None where the data is a cube
    file."""

    columns: tuple[str, ...]
    optional: tuple[str, ...] = ()
    frame: pl.DataFrame | None = None

    def wanted(self, layout: SourceLayout) -> list[str]:
        present = [name for name in self.optional if name in layout.sources]
        return list(dict.fromkeys([*self.columns, *present]))


def scan(
    path: str | Path,
    mapping: Mapping | None = None,
    options: ScanOptions | None = None,
    rejects_out: Callable[[pl.DataFrame], None] | None = None,
    keep: KeptRows | None = None,
) -> Cube:
    """Read an interaction file once and build its cube (with ``keep``, keeping the
    valid rows too).

    CSV, gzip-compressed CSV and Parquet rows are scanned (:func:`scan_fine`); a cube
    file (:mod:`cx.data.fine`) is read as it is.
    """
    options = options or ScanOptions()
    path = Path(path)
    check_data_path(path)
    if fine.is_cube_file(path):
        built = _assemble(path, options, fine.read_cube_file(path))
        if mapping is not None and mapping != Mapping():
            built.meta.notes.append(CUBE_FILE_MAPPING_NOTE)
        return built
    cube = scan_fine(path, mapping or Mapping(), options.encoding, rejects_out, keep=keep)
    return _assemble(path, options, cube)


def scan_fine(
    path: Path,
    mapping: Mapping,
    encoding: str = "utf8",
    rejects_out: Callable[[pl.DataFrame], None] | None = None,
    exact: bool = False,
    keep: KeptRows | None = None,
) -> fine.FineCube:
    """One pass over the rows into a fine cube, with the streaming engine.

    The fast scan (:func:`cx.data.fast.scan_fast`) reads the file unless ``exact`` or
    ``CX_SCAN=exact`` asks for the exact rules on every row; where the fast scan
    cannot be exact — no key table, too many rows to check again, a blank channel —
    it gives way here, and the exact scan (:func:`cx.data.exact.scan_exact`) reads
    the file: slower, same result. With ``keep``, the valid rows are kept as well
    (:func:`cx.data.fast.scan_with_rows`: one read; the exact way, two).
    """
    if keep is not None:
        return _scan_keeping(path, mapping, encoding, rejects_out, exact, keep)
    return _fast_else_exact(
        resolve_layout(path, mapping, encoding),
        exact,
        lambda layout: scan_fast(layout, mapping, encoding, rejects_out),
        lambda layout: scan_exact(layout, mapping, encoding, rejects_out),
    )


def _scan_keeping(
    path: Path,
    mapping: Mapping,
    encoding: str,
    rejects_out: Callable[[pl.DataFrame], None] | None,
    exact: bool,
    keep: KeptRows,
) -> fine.FineCube:
    layout = resolve_layout(path, mapping, encoding)
    columns = keep.wanted(layout)

    def slow(layout: SourceLayout) -> tuple[fine.FineCube, pl.DataFrame]:
        cube = scan_exact(layout, mapping, encoding, rejects_out)
        return cube, fine.as_categories(exact_valid_rows(layout, mapping, encoding, columns))

    cube, keep.frame = _fast_else_exact(
        layout,
        exact,
        lambda layout: scan_with_rows(layout, mapping, encoding, columns, rejects_out),
        slow,
    )
    return cube


_Read = TypeVar("_Read")


def _fast_else_exact(
    layout: SourceLayout,
    exact: bool,
    fast: Callable[[SourceLayout], _Read | None],
    slow: Callable[[SourceLayout], _Read],
) -> _Read:
    """The one place where a read gives way to the exact rules: ``fast`` unless
    ``exact`` or ``CX_SCAN=exact``, and ``slow`` where ``fast`` cannot be exact (None)."""
    result = None
    if not exact and os.environ.get("CX_SCAN") != "exact":
        result = fast(layout)
    return slow(layout) if result is None else result


def valid_rows(
    path: Path, mapping: Mapping, encoding: str, columns: list[str], exact: bool = False
) -> pl.DataFrame:
    """``__row`` and the canonical ``columns`` of the valid rows of a file, in no set
    order: the rows the cube counts (:func:`scan_fine`), for the passes that need single
    contacts (journeys, inspect). Read as the fast scan reads them
    (:func:`cx.data.fast.fast_valid_rows`), or, where that cannot be exact, with
    ``exact`` or ``CX_SCAN=exact``, by the exact rules (:func:`cx.data.exact.valid_rows`):
    slower, same rows and values. The channel and dimension columns are categories
    either way (:func:`cx.data.fine.as_categories`), as the rows a scan keeps are."""
    return _fast_else_exact(
        resolve_layout(path, mapping, encoding),
        exact,
        lambda layout: fast_valid_rows(layout, mapping, encoding, columns),
        lambda layout: fine.as_categories(exact_valid_rows(layout, mapping, encoding, columns)),
    )


def enforce_reject_rate(
    rows_read: int, rows_rejected: int, rejects: pl.DataFrame, max_rate: float, path: str | Path
) -> None:
    """Fail (exit 2) when more than ``max_rate`` of the rows were rejected (§3)."""
    rate = rows_rejected / rows_read if rows_read else 0.0
    if rows_rejected == 0 or (rate <= max_rate and rows_rejected < rows_read):
        return
    first = rejects.row(0, named=True) if rejects.height else None
    example = f"; first at line {first['line']}: {first['reject_reason']}" if first else ""
    beyond = (
        "no row is usable"
        if rows_rejected == rows_read
        else f"more than --max-reject-rate {max_rate:.1%}"
    )
    raise DataError(
        f"{rows_rejected:,} of {rows_read:,} rows rejected ({rate:.1%}), {beyond}{example}",
        file=path,
        line=first["line"] if first else None,
        hint="fix the export or the mapping (--columns); --rejects FILE lists every bad row",
    )


def _assemble(path: Path, options: ScanOptions, cube: fine.FineCube) -> Cube:
    """The period cube of a fine cube, once the reject rate is known to be acceptable."""
    enforce_reject_rate(
        cube.rows_read,
        cube.rows_rejected,
        cube.rejects_sample,
        options.max_reject_rate,
        path,
    )
    return cube.to_cube(options.period, str(path))


def required_channels_message(
    unknown: list[str], catalog: list[str], data: str | None = None
) -> InputError:
    """Error for channels seen in the data (the file ``data``) but missing from a
    strategy's catalog."""
    parts = []
    for name in unknown[:SHOWN_VALUES]:
        close = closest(name, catalog, cutoff=0.5)
        parts.append(f"'{shown(name)}'" + (f" (nearest: '{close}')" if close is not None else ""))
    source = f"the data ({data})" if data else "the data"
    named = shown_list(parts, len(unknown))
    return InputError(
        f"{plural(len(unknown), 'channel')} in {source} but not in the strategy's catalog: {named}",
        hint=f"add {plural(len(unknown), 'it', 'them')} to `channels:`, or map "
        f"{plural(len(unknown), 'it onto a catalog channel', 'them onto catalog channels')} "
        "with a mapping file's `channels:` aliases",
    )
