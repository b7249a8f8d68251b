"""Single contacts, for the steps that need them rather than the cube (`--replay`, §6b).

The rows are read with exactly the parsing of the scan (:func:`cx.data.exact.parsed_frame`)
and the same reject rules, so a replayed contact is a contact the cube counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from cx.data.diagnose import READ_FAILURES, failure_text
from cx.data.exact import parsed_frame
from cx.data.layout import ROW, resolve_layout
from cx.errors import DataError
from cx.models.mapping import Mapping

#: Canonical columns a contact may carry besides timestamp and channel.
OPTIONAL_COLUMNS = ("segment", "stage", "intent", "handle_time", "wait_time", "abandoned")


class ContactSource(Protocol):
    """Where single contacts come from: a lazy frame of rows, and how to run a query on it.

    ``rows()`` has ``__row`` (data order), timestamp, channel, segment, stage, intent, and
    handle_time, wait_time and abandoned where the data has them (null where empty).
    """

    def rows(self) -> pl.LazyFrame: ...

    def collect(self, query: pl.LazyFrame) -> pl.DataFrame: ...


@dataclass(frozen=True)
class ContactFile:
    """The valid rows of an interaction file, parsed as the scan parses them."""

    path: Path
    mapping: Mapping = field(default_factory=Mapping)
    encoding: str = "utf8"

    def rows(self) -> pl.LazyFrame:
        from cx.data.fine import is_cube_file

        if is_cube_file(Path(self.path)):
            raise DataError(
                "--replay needs single contacts, and this is a cube file (aggregates only)",
                file=self.path,
                hint="pass the interaction export itself with --data",
            )
        layout = resolve_layout(Path(self.path), self.mapping, self.encoding)
        frame = parsed_frame(layout, self.mapping, self.encoding)
        frame = frame.filter(pl.col("reject_reason").is_null())
        names = frame.collect_schema().names()
        present = [name for name in OPTIONAL_COLUMNS if name in names]
        return frame.select(ROW, "timestamp", "channel", *present)

    def collect(self, query: pl.LazyFrame) -> pl.DataFrame:
        try:
            return query.collect(engine="streaming")
        except READ_FAILURES as exc:
            text = failure_text(exc)
            raise DataError(f"cannot read the data file again: {text}", file=self.path) from None


@dataclass(frozen=True)
class ContactFrame:
    """Contacts already in memory (tests, scripts): a frame with the columns of ``rows()``."""

    frame: pl.DataFrame

    def rows(self) -> pl.LazyFrame:
        frame = self.frame
        if ROW not in frame.columns:
            frame = frame.with_row_index(ROW)
        return frame.lazy()

    def collect(self, query: pl.LazyFrame) -> pl.DataFrame:
        return query.collect()
