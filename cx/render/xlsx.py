"""`--format xlsx`: results as a workbook a strategist pastes from.

One sheet per table (totals, channels, dilution, periods, guards; for `compare` one
column per strategy), numbers stored as numbers (shares as fractions shown as
percentages) so a spreadsheet can compute with them, the header row frozen. Text
from files is stored as text: a spreadsheet shows it, never evaluates it.

The workbook is built in memory and returned as bytes: the CLI writes it through
cx's atomic output. openpyxl is an optional extra (``pip install 'cx[xlsx]'``).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cx.errors import InputError
from cx.models.glossary import GLOSSARY
from cx.models.inspect import InspectResult
from cx.models.result import TOTAL_FIGURES, Sensitivity, SweepGrid, SweepResult
from cx.render.formats import CHANNEL_COLUMNS
from cx.render.inspect import inspect_rows
from cx.render.safe import terminal_text
from cx.render.tornado import COLUMNS as SENSITIVITY_COLUMNS

if TYPE_CHECKING:
    from openpyxl import Workbook

    from cx.render.views import SimulationView

#: Fields that are shares: stored as fractions, shown as percentages.
SHARES = frozenset(
    {
        "coverage",
        "preferred_coverage",
        "customer_coverage",
        "pooling_overhead",
        "floor_waste",
        "occupancy",
        "service_level",
        "abandon_rate",
        "volume_share",
        "resolution_rate",
        "replay_intervals_meeting_target",
        "share",
    }
)
PERCENT_FORMAT = "0.0%"
NUMBER_FORMAT = "#,##0.00"
#: A guard's value is read against its threshold: shown with all its digits ("General"),
#: never rounded to two decimals that read as the threshold it fails (0.98996 as 0.99
#: beside FALSE for `coverage >= 0.99`).
GUARD_COLUMNS = ("expr", "value", "ok")
EXACT_FORMAT = "General"
#: The channel fields of the dilution table, in the order of the channel columns.
_DILUTION = {"workload_hours", "agent_hours", "occupancy", "service_level", "average_wait"}
_DILUTION |= {"abandon_rate", "subscale"}
DILUTION_COLUMNS = ("channel", "mode", *(c for c in CHANNEL_COLUMNS if c in _DILUTION))
PERIOD_COLUMNS = ("period", "demand", "handled", "lost", "coverage", "cost", "days", "partial")
TOTAL_KEYS = TOTAL_FIGURES


def require_library() -> None:
    """Raise a clear :class:`InputError` if openpyxl, which writes xlsx, is missing."""
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise InputError(
            "--format xlsx needs the optional package openpyxl",
            hint="install the xlsx extra: pip install 'cx[xlsx]'",
        ) from None


def _cell(value: Any) -> Any:
    return terminal_text(value) if isinstance(value, str) else value


def _as_text(cells: Iterable[Any]) -> None:
    """Text that openpyxl took for a formula (it starts with ``=``) stored as the text it
    is: a spreadsheet shows it and never evaluates it, with no quote added to it as CSV
    needs (:func:`cx.render.safe.spreadsheet_text`)."""
    for cell in cells:
        if cell.data_type == "f":
            cell.data_type = "s"


def _label(key: str) -> str:
    metric = GLOSSARY.get(key)
    return metric.label if metric is not None else key


def _sheet(
    book: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: Sequence[str | None] | None = None,
) -> None:
    """A sheet: ``header`` in bold and frozen, ``rows`` below; a cell's number format
    from ``formats`` (per column) or, in a row whose first cells name a share, percent."""
    from openpyxl.styles import Font

    sheet = book.create_sheet(title[:31])
    sheet.append([_cell(name) for name in header])
    _as_text(sheet[1])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(value) for value in row])
        _as_text(sheet[sheet.max_row])
        row_is_share = any(isinstance(v, str) and v in SHARES for v in row[:2])
        for index, cell in enumerate(sheet[sheet.max_row]):
            if not isinstance(cell.value, int | float) or isinstance(cell.value, bool):
                continue
            column_format = formats[index] if formats is not None else None
            cell.number_format = column_format or (
                PERCENT_FORMAT if row_is_share else NUMBER_FORMAT
            )
    sheet.freeze_panes = "B2"
    for column in sheet.columns:
        widest = max(len(str(c.value)) for c in column if c.value is not None)
        sheet.column_dimensions[column[0].column_letter].width = min(max(widest + 2, 8), 40)


def _column_formats(columns: Sequence[str]) -> list[str | None]:
    """Each column's number format, by its name as SHARES are: a guard's ``value`` (the
    one column so named in the sheets of records) with all its digits."""
    return [
        PERCENT_FORMAT if name in SHARES else EXACT_FORMAT if name == "value" else NUMBER_FORMAT
        for name in columns
    ]


#: The time every workbook says it was made and changed, in its properties and in the
#: dates of its zip entries: the same results give the same bytes (no clock inside).
WORKBOOK_TIME = datetime(1980, 1, 1)
CORE_PROPERTIES = "docProps/core.xml"


def _workbook_bytes(book: Workbook) -> bytes:
    from openpyxl.xml.functions import tostring

    del book["Sheet"]  # the empty sheet every new workbook starts with
    buffer = io.BytesIO()
    book.save(buffer)  # stamps the workbook, and each zip entry, with the clock
    book.properties.creator = "cx"
    book.properties.created = book.properties.modified = WORKBOOK_TIME
    stamped, fixed = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in stamped.infolist():
            content = stamped.read(entry)
            if entry.filename == CORE_PROPERTIES:
                content = tostring(book.properties.to_tree())
            dated = zipfile.ZipInfo(entry.filename, date_time=WORKBOOK_TIME.timetuple()[:6])
            target.writestr(dated, content, compress_type=zipfile.ZIP_DEFLATED)
    return fixed.getvalue()


def _new_book() -> Workbook:
    require_library()
    from openpyxl import Workbook

    return Workbook()


def _result_sheets(book: Workbook, view: SimulationView) -> None:
    result, baseline = view.result, view.baseline
    totals_rows = []
    for key in TOTAL_KEYS:
        value = getattr(result.totals, key)
        base = getattr(baseline, key) if baseline is not None else None
        delta = value - base if value is not None and base is not None else None
        totals_rows.append([key, _label(key), value, base, delta])
    _sheet(
        book, "totals", ["metric", "label", "strategy", "baseline", "delta"], totals_rows
    )
    _records(book, "channels", CHANNEL_COLUMNS, result.channels)
    _records(
        book,
        "dilution",
        DILUTION_COLUMNS,
        # as in the table: the channels that need agents or have work
        [
            c
            for c in result.channels
            if c.agent_hours > 0 or (c.workload_hours is not None and c.handled > 0)
        ],
    )
    _records(book, "periods", PERIOD_COLUMNS, result.periods)
    if result.guards:
        _records(book, "guards", GUARD_COLUMNS, result.guards)


def _records(book: Workbook, title: str, columns: Sequence[str], items: Iterable[Any]) -> None:
    _sheet(
        book,
        title,
        columns,
        ([getattr(item, column) for column in columns] for item in items),
        _column_formats(columns),
    )


def result_xlsx(view: SimulationView) -> bytes:
    """`cx simulate`: totals against the baseline, channels, dilution, periods, guards."""
    book = _new_book()
    _result_sheets(book, view)
    return _workbook_bytes(book)


def comparison_xlsx(views: Sequence[SimulationView]) -> bytes:
    """`cx compare`: the totals with one column per strategy and the baseline; the
    channels, periods and guards of every strategy, one row each, named."""
    from cx.render.views import side_by_side

    book = _new_book()
    results = [view.result for view in side_by_side(views)]
    baseline = views[0].baseline if views else None
    _sheet(
        book,
        "totals",
        ["metric", "label", *[r.strategy.name for r in results], "baseline"],
        (
            [
                key,
                _label(key),
                *[getattr(r.totals, key) for r in results],
                getattr(baseline, key) if baseline is not None else None,
            ]
            for key in TOTAL_KEYS
        ),
    )
    for title, columns, items in (
        ("channels", CHANNEL_COLUMNS, lambda r: r.channels),
        ("periods", PERIOD_COLUMNS, lambda r: r.periods),
        ("guards", GUARD_COLUMNS, lambda r: r.guards),
    ):
        names = ("strategy", *columns)
        _sheet(
            book,
            title,
            names,
            (
                [r.strategy.name, *[getattr(item, c) for c in columns]]
                for r in results
                for item in items(r)
            ),
            _column_formats(names),
        )
    return _workbook_bytes(book)


def sweep_xlsx(sweep: SweepResult | SweepGrid) -> bytes:
    """`cx sweep`: one row per step (per point of a grid), a column per swept key and
    every total as a column."""
    book = _new_book()
    names = (*sweep.swept_keys, *TOTAL_KEYS)
    _sheet(
        book,
        "steps",
        names,
        (
            [*values, *[getattr(result.totals, key) for key in TOTAL_KEYS]]
            for values, result in sweep.points()
        ),
        _column_formats(names),
    )
    return _workbook_bytes(book)


def sensitivity_xlsx(result: Sensitivity) -> bytes:
    """`cx sensitivity`: one row per uncertain key, ranked by its swing, the columns of
    ``--format csv``."""
    book = _new_book()
    _records(book, "sensitivity", SENSITIVITY_COLUMNS, result.keys)
    return _workbook_bytes(book)


def inspect_xlsx(result: InspectResult) -> bytes:
    """`cx inspect`: one sheet per table of its tidy rows (row, column, value), the
    figures of ``--format csv``."""
    book = _new_book()
    tables: dict[str, list[list[Any]]] = {}
    for table, row, column, value in inspect_rows(result):
        tables.setdefault(table, []).append([row, column, value])
    for table, table_rows in tables.items():
        _sheet(book, table, ["row", "column", "value"], table_rows)
    return _workbook_bytes(book)
