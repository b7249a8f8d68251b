"""Mapping files: how a real export's columns and values map onto cx's canonical ones (§3)."""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from cx.models.strategy import NonEmptyList, StrictModel

CanonicalColumn = Literal[
    "customer_id",
    "timestamp",
    "channel",
    "segment",
    "stage",
    "intent",
    "handle_time",
    "resolved",
    "wait_time",
    "abandoned",
    "satisfaction",
]
CANONICAL_COLUMNS: tuple[str, ...] = get_args(CanonicalColumn)
REQUIRED_COLUMNS = ("customer_id", "timestamp", "channel")
DIMENSION_COLUMNS = ("segment", "stage", "intent")
BOOLEAN_COLUMNS = ("resolved", "abandoned")
BooleanColumn = Literal["resolved", "abandoned"]
#: How an export writes its handle and wait times when not as numbers: a clock's hours,
#: minutes and seconds (``0:05:12``), or minutes and seconds (``5:12``).
DurationFormat = Literal["hh:mm:ss", "mm:ss"]
DURATION_FORMATS: tuple[str, ...] = get_args(DurationFormat)


#: One strftime directive as the parser reads one: ``%%`` (a literal percent sign); a
#: padding flag, the fraction and offset forms (``%.3f``, ``%:z``, ``%#z``) and the
#: letter; or a percent sign and whatever follows it, which names no directive.
_DIRECTIVE = re.compile(r"%(?:%|[-_0^#]?[.:]*[0-9]*([A-Za-z+])|.?)", re.DOTALL)

#: The directives of Polars' strptime (chrono's) that cx reads, in the order cx lists
#: them: date, time, UTC offset, date and time, spaces.
TIMESTAMP_DIRECTIVES = (
    "%Y", "%C", "%y", "%G", "%g", "%m", "%b", "%B", "%h", "%d", "%e", "%j",
    "%a", "%A", "%w", "%u", "%U", "%W", "%V", "%q", "%D", "%F", "%v",
    "%H", "%k", "%I", "%l", "%p", "%P", "%M", "%S",
    "%f", "%.f", "%.3f", "%.6f", "%.9f", "%3f", "%6f", "%9f", "%R", "%T", "%r",
    "%z", "%:z", "%#z", "%+", "%s", "%t", "%n", "%%",
)
#: The directives that read a UTC offset (``+01:00``, ``+0100``, ``+01`` for ``%#z``;
#: ``%+`` is a whole ISO 8601 time with one): a time read with one is an instant in UTC.
OFFSET_DIRECTIVES = frozenset({"%z", "%:z", "%#z", "%+"})


def reads_offset(fmt: str) -> bool:
    """Whether the timestamp format ``fmt`` reads a UTC offset: one of its directives,
    as the parser reads them (``%%z`` is a percent sign and a z), is one."""
    return any(match.group() in OFFSET_DIRECTIVES for match in _DIRECTIVE.finditer(fmt))


#: The letters of the directives that read a number, which may take a padding flag:
#: ``%-d`` (no padding), ``%_d`` (spaces), ``%0d`` (zeros).
_PADDED = "CGHIMSUVWYdefgjklmqsuwy"
_KNOWN = re.compile(
    "|".join(re.escape(d) for d in TIMESTAMP_DIRECTIVES) + f"|%[-_0][{_PADDED}]"
)
#: The letters of the directives that read a year, and of those that read a date.
_YEAR = "YCyGgDFvxc+s"
_DATE = _YEAR + "mbBhdejUWV"

#: Directives a timestamp cannot be read by exactly: what they would do, what to write.
INEXACT_DIRECTIVES = {
    "Z": (
        "a time-zone name would be skipped whatever it says, and never applied",
        "use %z for UTC offsets (+01:00), which cx reads and converts to UTC",
    ),
    "c": (
        "the locale's date and time are written differently in each locale",
        "write the fields out, e.g. %d/%m/%Y %H:%M:%S",
    ),
    "x": (
        "the locale's date is written differently in each locale",
        "write the fields out, e.g. %d/%m/%Y or %m/%d/%Y",
    ),
    "X": (
        "the locale's time is written differently in each locale",
        "write the fields out, e.g. %H:%M:%S",
    ),
}


def exact_timestamp_format(fmt: str | None) -> str | None:
    """A mapping's ``timestamp_format`` whose every directive is read exactly: a row
    that does not match is rejected, never read as a guess. A directive the parser does
    not know, or a format without a year, would reject every row: refused here, at the
    mapping, rather than reported as rows that do not match."""
    if not fmt:  # none or empty: ISO 8601, found in the data
        return fmt
    letters = ""
    for match in _DIRECTIVE.finditer(fmt):
        directive, letter = match.group(), match.group(1) or ""
        inexact = INEXACT_DIRECTIVES.get(letter)
        if inexact is not None:
            raise PydanticCustomError(
                "timestamp_directive",
                "{directive} cannot be read exactly: {reason}",
                {"directive": directive, "reason": inexact[0], "hint": inexact[1]},
            )
        if not _KNOWN.fullmatch(directive):
            raise PydanticCustomError(
                "timestamp_directive",
                "{directive} is not a directive cx knows: every row would be rejected",
                {"directive": repr(directive), "hint": _unknown_directive_hint(directive)},
            )
        letters += letter
    if not any(letter in _YEAR for letter in letters):
        said = "no year" if any(letter in _DATE for letter in letters) else "no date"
        raise PydanticCustomError(
            "timestamp_no_year",
            "reads {said}: no timestamp could be dated, and every row would be rejected",
            {
                "said": said,
                "hint": "write the date's directives too, e.g. %d/%m/%Y %H:%M; a date "
                "written in another column is joined to the time by "
                "`timestamp: [date column, time column]`",
            },
        )
    refused = _parser_refusal(fmt)
    if refused is not None:
        raise PydanticCustomError(
            "timestamp_format_refused",
            "cannot be read: {reason}",
            {
                "reason": refused,
                "hint": "an hour goes with its minutes (%H:%M), seconds with both, and "
                "a 12-hour clock (%I, %l) with its AM/PM (%p)",
            },
        )
    return fmt


def _parser_refusal(fmt: str) -> str | None:
    """Why Polars' strptime refuses ``fmt`` as a whole (an hour without its minutes, a
    12-hour clock without AM/PM), or None: it says so before reading any row."""
    import polars as pl

    try:
        pl.Series([], dtype=pl.String).str.strptime(pl.Datetime("us"), fmt, strict=False)
    except pl.exceptions.ComputeError as error:
        text = str(error).strip().splitlines()[0]
        return text.removeprefix("Invalid format string: ").rstrip(".")
    return None


def _unknown_directive_hint(directive: str) -> str:
    """What to write instead of ``directive``, which names no directive."""
    if directive == "%":
        first = "a % ends the format: write %% for a percent sign, or finish the directive"
    elif directive[1:2] in ("-", "_", "0") and "%" + directive[2:] in TIMESTAMP_DIRECTIVES:
        first = "a padding flag (-, _ or 0) goes only with a directive that reads a number"
    elif directive.startswith("%:") and directive.endswith("z"):  # chrono writes, never reads
        first = "an offset is read by %z (+0100, +01:00) or %#z (+01 as well)"
    else:
        first = "write %% for a percent sign"
    return f"{first}; the directives are {' '.join(TIMESTAMP_DIRECTIVES)}"


def anonymous_id(value: str) -> str:
    """An ``anonymous_ids`` entry as ids are read: trimmed (a padded entry would match
    no id), and not blank (a blank id is a row's missing id, which is rejected)."""
    trimmed = value.strip()
    if not trimmed:
        raise PydanticCustomError(
            "blank_anonymous_id",
            "a blank customer id stands for no customer: a row without an id is rejected "
            "(customer_id is empty), never read as anonymous",
            {"hint": "remove the entry; list the ids that stand for unknown customers, "
             "such as \"0\" or \"anonymous\""},
        )
    return trimmed


class BooleanValues(StrictModel):
    """The words of one boolean column; a word of neither list rejects its row. One list
    may be empty (a column that marks only what is true), not both."""

    true: list[str] = Field(default_factory=list, alias="true")
    false: list[str] = Field(default_factory=list, alias="false")

    @model_validator(mode="after")
    def _some_word(self) -> BooleanValues:
        if not self.true and not self.false:
            raise PydanticCustomError(
                "boolean_words",
                "lists no value for true or false: every non-empty cell would be rejected",
                {"hint": "list the values meaning true and false, or leave it out of `values:` "
                 "for the usual words (true/false, yes/no, 1/0)"},
            )
        return self


class Mapping(StrictModel):
    """Renames an export onto the canonical columns and values."""

    columns: dict[CanonicalColumn, str | NonEmptyList[str] | None] = Field(
        default_factory=dict,
        description="Canonical column: source column, or a list of columns joined with a space; "
        "null: not read, even where a column of the export has its name.",
    )
    timestamp_format: Annotated[str | None, AfterValidator(exact_timestamp_format)] = Field(
        None, description="strftime format; default ISO 8601."
    )
    delimiter: str | None = Field(None, description="Field delimiter; default: detected.")
    handle_time_unit: Literal["seconds", "minutes"] = "seconds"
    duration_format: DurationFormat | None = Field(
        None,
        description="handle_time and wait_time written as a clock: hh:mm:ss (0:05:12) or "
        "mm:ss (5:12), a fraction of a second allowed; default: numbers.",
    )
    channels: dict[str, NonEmptyList[str]] = Field(
        default_factory=dict, description="Canonical channel: source values (case-insensitive)."
    )
    values: dict[BooleanColumn, BooleanValues] = Field(
        default_factory=dict, description="Boolean column: source values meaning true / false."
    )
    anonymous_ids: list[Annotated[str, AfterValidator(anonymous_id)]] = Field(
        default_factory=list,
        description="Customer ids that stand for an unknown customer (trimmed, as ids are read).",
    )
    drop: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Source column (or a canonical column mapped by `columns:`): values whose "
        "rows are dropped before anything is counted (case-insensitive, trimmed). Dropped rows "
        "are counted in `data.rows_dropped`, never rejected.",
    )

    @model_validator(mode="after")
    def _one_duration_unit(self) -> Mapping:
        if self.duration_format is not None and self.handle_time_unit == "minutes":
            raise PydanticCustomError(
                "duration_unit",
                "handle_time_unit: minutes reads numbers of minutes, but duration_format "
                "{duration_format} says the times are written as a clock",
                {
                    "duration_format": self.duration_format,
                    "hint": "leave handle_time_unit out: a clock's times are read as they are",
                },
            )
        return self
