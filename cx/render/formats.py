"""Machine and text formats for results: json, csv, markdown.

Renderers return strings; the CLI decides where they go.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from cx.models.glossary import REPLAY_PREFIX
from cx.models.result import Result
from cx.render.safe import quiet_json, spreadsheet_text, terminal_text

CHANNEL_COLUMNS = (
    "channel",
    "mode",
    "offered",
    "demand",
    "abandoned_before_queue",
    "stayed",
    "shifted_out",
    "shifted_in",
    "repeats_in",
    "lost",
    "handled",
    "workload_hours",
    "agent_hours",
    "occupancy",
    "service_level",
    "average_wait",
    "abandon_rate",
    "volume_share",
    "subscale",
    "variable_cost",
    "labour_cost",
    "fixed_cost",
    "incentive_cost",
    "cost",
)


def to_json(payload: BaseModel | dict[str, Any], caveats: list[str] | None = None) -> str:
    """``payload`` as indented JSON; with ``caveats`` (a result, comparison, sweep or
    sensitivity), with a last top-level key ``caveats``: the run's notes and warnings
    (:mod:`cx.caveats`)."""
    if isinstance(payload, dict):
        said = payload if caveats is None else {**payload, "caveats": caveats}
        return quiet_json(json.dumps(said, indent=2, ensure_ascii=False)) + "\n"
    if caveats is not None:
        payload = payload.model_copy(update={"caveats": caveats})
    return quiet_json(payload.model_dump_json(indent=2)) + "\n"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with numbers as numbers and text cells safe on a terminal and in a spreadsheet
    (:func:`~cx.render.safe.terminal_text`, :func:`~cx.render.safe.spreadsheet_text`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else _csv_value(value) for value in row])
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 10))
    if isinstance(value, str):
        # Printed on a terminal as often as opened in a spreadsheet: safe for both.
        return spreadsheet_text(terminal_text(value))
    return value


#: `--replay` (and `--fit`) figures per channel: empty cells without them. Every figure
#: of the JSON's `replay` but its worst intervals (a table of their own); `contacts`
#: last, so the columns before it keep their place.
REPLAY_COLUMNS = (
    "service_level",
    "intervals_meeting_target",
    "asa",
    "mean_wait",
    "abandon_rate",
    "fit_agent_hours",
    "fit_service_level",
    "contacts",
)


def result_csv(result: Result) -> str:
    """One row per channel, every channel field (the table scripts want most), then the
    replay's figures as ``replay_<name>`` (empty without `--replay`)."""
    rows = [
        [getattr(item, column) for column in CHANNEL_COLUMNS]
        + [getattr(item.replay, name) if item.replay else None for name in REPLAY_COLUMNS]
        for item in result.channels
    ]
    header = ("strategy", *CHANNEL_COLUMNS, *(REPLAY_PREFIX + name for name in REPLAY_COLUMNS))
    return csv_text(header, ([result.strategy.name, *r] for r in rows))


# Markdown that would link, embed an image, open an HTML tag or start code: shown as text.
_MARKDOWN_ESCAPES = str.maketrans(
    {"\\": "\\\\", "&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]",
     "`": "\\`", "|": "\\|"}
)  # fmt: skip


# What opens a block when a line starts with it, after up to three spaces (CommonMark):
# a heading, a list item, a code fence.
_BLOCK_MARK = re.compile(r"#{1,6}(?:[ \t]|$)|[-+*](?:[ \t]|$)|~~~")
# The digits of an ordered list item (`1. ` or `1) `): its `.` or `)` gets the escape.
_ORDERED_ITEM = re.compile(r"[0-9]{1,9}(?=[.)](?:[ \t]|$))")
# The `#`s that close a heading (` ##` at its end), which it would drop.
_HEADING_CLOSE = re.compile(r"(?<= )#+ *$")
_CODE_INDENT = 4


def _inline(text: str) -> str:
    """``text`` that reads as inline text wherever it stands: at the start of a line no
    heading, list item, code fence or indented code opens; at the end of a heading no
    closing `#`s are dropped."""
    text = _HEADING_CLOSE.sub(lambda match: "\\" + match.group(), text)
    indent = len(text) - len(text.lstrip(" "))
    if indent >= _CODE_INDENT:
        return "&#32;" + text[1:]
    ordered = _ORDERED_ITEM.match(text, indent)
    if ordered is not None:
        at = ordered.end()
    elif _BLOCK_MARK.match(text, indent):
        at = indent
    else:
        return text
    return text[:at] + "\\" + text[at:]


def markdown_text(text: str) -> str:
    """Text for a markdown document that renders as the same text: no HTML, link, image
    or code span can form, no table cell can end early, no control character is left,
    and at the start of a line it opens no heading, list or code block (a strategy
    named `# Plan` or `- draft`)."""
    return _inline(terminal_text(text).translate(_MARKDOWN_ESCAPES))


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return markdown_text(str(value))

    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    lines.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"
