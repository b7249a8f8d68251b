"""The fast scan's rows: each row parsed with as little work as can be, and the rows
that need the exact rules marked as suspect.

:func:`fast_rows` applies the bounds and words of :mod:`cx.data.rules` cheaply (one
strptime, one cast per number, set membership for booleans) and leaves the key
columns as read, to be normalised on the aggregates (:func:`raw_key_columns`). A row
it does not mark ``__suspect`` is valid under :func:`cx.data.rules.parse_rows` with
the same values; a suspect one is checked again exactly by the fast scan
(:mod:`cx.data.fast`).
"""

from __future__ import annotations

import polars as pl

from cx.data.layout import RAW, SourceLayout
from cx.data.raw import KEY_COLUMNS, raw_frame
from cx.data.rules import (
    CONTROL_CHARACTER,
    NUMBER_COLUMNS,
    boolean_words,
    fixed_fraction_format,
    handle_time_factor,
    in_time_range,
    is_duration,
    maybe_leap_second,
    number_ok,
    parse_timestamp,
    parsed_boolean,
    parsed_channel,
    parsed_number,
    parsed_timestamp,
    source,
)
from cx.models.mapping import BOOLEAN_COLUMNS, Mapping

SUSPECT = "__suspect"


def _raw_text(layout: SourceLayout, name: str) -> pl.Expr:
    column = pl.col(RAW + name)
    return column if layout.is_text(name) else column.cast(pl.String)


def _fast_timestamp_text(layout: SourceLayout) -> pl.Expr:
    names = layout.sources["timestamp"]
    if len(names) == 1:
        return pl.col(RAW + names[0])
    return pl.concat_str([pl.col(RAW + n) for n in names], separator=" ")


def _fast_timestamp(layout: SourceLayout) -> pl.Expr:
    if layout.typed_timestamp():
        return parsed_timestamp(layout)
    text, fmt = _fast_timestamp_text(layout), layout.timestamp_format
    fixed = fixed_fraction_format(fmt, layout.fraction_digits)
    if fixed is not None and layout.fraction_digits == 0:
        # Whole seconds: a row with a fraction reads as null, a suspect row checked
        # exactly (a fraction of another width than 3 or 6 is rarer: parse_timestamp
        # reads it in the same pass).
        return text.str.strptime(pl.Datetime("us"), fixed, strict=False, cache=False)
    return parse_timestamp(text, fmt, layout.fraction_digits)


def _fast_boolean(
    layout: SourceLayout, mapping: Mapping, canonical: str
) -> tuple[pl.Expr, pl.Expr]:
    """(value, suspect) of a boolean column: the usual spellings of its words are read
    by set membership (cheap); any other value is suspect and re-checked exactly."""
    names = layout.sources[canonical]
    if len(names) == 1 and layout.dtypes.get(names[0]) == pl.Boolean:
        return pl.col(RAW + names[0]), pl.lit(False)
    true_words, false_words = boolean_words(mapping, canonical)

    def spellings(words: list[str]) -> list[str]:
        return sorted({s for w in words for s in (w.lower(), w, w.upper(), w.capitalize())})

    trues = spellings(true_words)
    known = spellings(true_words + false_words)
    falses = [w for w in known if w not in trues]
    if set(trues) & set(spellings(false_words)):  # a word both true and false: exact rules
        return parsed_boolean(layout, mapping, canonical), pl.lit(True)
    raw = _raw_text(layout, names[0]) if len(names) == 1 else source(layout, canonical)
    value = pl.when(raw.is_in(trues)).then(True).when(raw.is_in(falses)).then(False)
    return value, raw.is_not_null() & ~raw.is_in(known)


def _fast_number(layout: SourceLayout, canonical: str) -> pl.Expr:
    names = layout.sources[canonical]
    if len(names) > 1 or is_duration(layout, canonical):
        return parsed_number(layout, canonical)
    if layout.reads_as_number(names[0]):
        return pl.col(RAW + names[0]).cast(pl.Float64)
    return _raw_text(layout, names[0]).cast(pl.Float64, strict=False)


def _present(layout: SourceLayout, canonical: str) -> pl.Expr:
    names = layout.sources[canonical]
    return pl.all_horizontal([pl.col(RAW + n).is_not_null() for n in names])


def raw_key_columns(layout: SourceLayout) -> frozenset[str]:
    """The key columns (customer_id aside) read from one source column each, which the
    fast path groups by as read and normalises afterwards (see fast_rows)."""
    return frozenset(name for name in KEY_COLUMNS[1:] if len(layout.sources.get(name, [])) == 1)


def fast_rows(
    layout: SourceLayout,
    mapping: Mapping,
    encoding: str = "utf8",
    head: int | None = None,
    line_hash: bool = True,
) -> pl.LazyFrame:
    """The rows of a file (with ``head``, its first rows) parsed for speed, with as
    little work per row as can be: keys as read, ``__suspect`` marking rows to check
    exactly.

    Per row: one strptime with the explicit format, one cast per number, one lookup
    per boolean, and null checks. No trimming or case folding of text: the frame has
    ``__row``, the ``__raw:`` source columns and the canonical columns, and a row that
    is not suspect is valid under the rules of :func:`cx.data.rules.parse_rows`, its values equal to
    the exact ones once the key columns of :func:`raw_key_columns` are normalised
    (trimmed, lower-cased, aliased, empty → ``all``) — which is done on the
    aggregates, once per distinct value instead of once per row. A suspect row may
    still be valid (a padded number, ``TRUE`` written as ``Yes``): the scan re-reads
    those few rows with the exact rules. With ``line_hash``, ``__line`` hashes each row
    (for counting duplicate rows, :func:`cx.data.raw.raw_frame`).
    """
    scan = raw_frame(layout, encoding, text=False, line_hash=line_hash, head=head)
    unit = handle_time_factor(mapping)
    columns: dict[str, pl.Expr] = {}
    raw_keys = raw_key_columns(layout)
    for name in KEY_COLUMNS:
        names = layout.sources.get(name)
        if names is None:
            columns[name] = pl.lit("all")
        elif name == "customer_id":  # exact: trimming is cheap, and ids are hashed whole
            columns[name] = source(layout, name)
        elif name in raw_keys:
            columns[name] = _raw_text(layout, names[0])
        elif name == "channel":
            columns[name] = parsed_channel(layout, mapping)
        else:
            columns[name] = source(layout, name).fill_null("all")
    columns["timestamp"] = _fast_timestamp(layout)
    suspect = [
        pl.col("customer_id").is_null(),
        ~in_time_range(pl.col("timestamp")).fill_null(False),
        pl.col("channel").is_null(),
    ]
    raw_keys_checked_later = raw_keys | {"customer_id"}  # see cx.data.fast._normalise
    suspect += [
        pl.col(name).str.contains(CONTROL_CHARACTER).fill_null(False)
        for name in KEY_COLUMNS
        if name in layout.sources and name not in raw_keys_checked_later
    ]
    if not layout.typed_timestamp():
        text, parsed = _fast_timestamp_text(layout), pl.col("timestamp")
        fmt, digits = layout.timestamp_format, layout.fraction_digits
        suspect.append(maybe_leap_second(text, parsed, fmt, digits))
    for name in NUMBER_COLUMNS:
        if name not in layout.sources:
            columns[name] = pl.lit(None, dtype=pl.Float64)
            continue
        number = _fast_number(layout, name)
        columns[name] = number * unit if name == "handle_time" else number
        ok = number_ok(name, pl.col(name))
        suspect.append(_present(layout, name) & ~ok.fill_null(False))
    for name in BOOLEAN_COLUMNS:
        if name not in layout.sources:
            columns[name] = pl.lit(None, dtype=pl.Boolean)
            continue
        columns[name], bad = _fast_boolean(layout, mapping, name)
        suspect.append(bad)
    frame = scan.with_columns(**columns).with_columns(pl.any_horizontal(suspect).alias(SUSPECT))
    return frame
