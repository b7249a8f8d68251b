"""Interaction files → :class:`~cx.data.cube.Cube` in one lazy Polars scan (§3, §9).

Every column is read as text with an explicit schema, then parsed with explicit
expressions (one timestamp format for the whole column, never guessed per row).
A row whose required field is empty or unparseable, or whose optional field is
present but invalid, is rejected with a reason; nothing is guessed.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cx.data import periods
from cx.data.cube import ARRIVAL_RESOLUTION_MINUTES, Cube, DataMeta
from cx.errors import DataError, InputError
from cx.models.mapping import (
    BOOLEAN_COLUMNS,
    CANONICAL_COLUMNS,
    DIMENSION_COLUMNS,
    REQUIRED_COLUMNS,
    Mapping,
)

DEFAULT_MAX_REJECT_RATE = 0.01
MAX_HANDLE_TIME_SECONDS = 86_400.0
REJECT_SAMPLE_ROWS = 5
DELIMITER_CANDIDATES = (",", "\t", ";", "|")
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
ROW = "__row"
RAW = "__raw:"  # prefix of the untouched source columns, beside the parsed ones

# ISO 8601 shapes recognised from the first value of the column; the one that
# matches is then applied to every row (rows in another shape are rejected).
ISO_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), fmt)
    for pattern, fmt in (
        (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", "%Y-%m-%dT%H:%M:%S"),
        (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", "%Y-%m-%d %H:%M:%S"),
        (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+$", "%Y-%m-%dT%H:%M:%S%.f"),
        (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+$", "%Y-%m-%d %H:%M:%S%.f"),
        (
            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$",
            "%Y-%m-%dT%H:%M:%S%.f%#z",
        ),
        (
            r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$",
            "%Y-%m-%d %H:%M:%S%.f%#z",
        ),
        (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", "%Y-%m-%dT%H:%M"),
        (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", "%Y-%m-%d %H:%M"),
    )
)


@dataclass(frozen=True)
class ScanOptions:
    period: str = "month"
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE
    encoding: str = "utf8"


@dataclass(frozen=True)
class SourceLayout:
    """What the header and the mapping tell us about a file, before scanning it."""

    path: Path
    delimiter: str
    header: list[str]
    sources: dict[str, list[str]]  # canonical column -> source columns
    timestamp_format: str
    compressed: bool


# --------------------------------------------------------------------------- header


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _head_lines(path: Path, count: int) -> list[str]:
    try:
        with _open_text(path) as handle:
            lines = []
            for line in handle:
                lines.append(line)
                if len(lines) >= count:
                    break
            return lines
    except UnicodeDecodeError as exc:
        raise DataError(
            f"data file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} near the start)",
            file=path,
            hint="export it as UTF-8, or pass --encoding lossy to replace bad bytes",
        ) from None
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read data file: {exc}", file=path) from None


def detect_delimiter(header_line: str) -> str | None:
    counts = {d: header_line.count(d) for d in DELIMITER_CANDIDATES}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else None


def check_data_path(path: Path) -> None:
    if not path.exists():
        raise DataError("data file not found", file=path, hint="check the --data path")
    if path.is_dir():
        raise DataError("data path is a directory, not a file", file=path)
    if path.stat().st_size == 0:
        raise DataError("data file is empty", file=path, hint="export it again with a header row")


def _nearest(name: str, header: list[str]) -> str | None:
    lowered = {h.lower(): h for h in header}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.5)
    return lowered[close[0]] if close else None


def resolve_layout(path: Path, mapping: Mapping) -> SourceLayout:
    """Read the header, pick the delimiter and map canonical columns to source columns."""
    check_data_path(path)
    head = _head_lines(path, 6)
    if not head or not head[0].strip():
        raise DataError("data file has no header row", file=path, line=1)
    if "\x00" in head[0]:
        raise DataError("data file is binary, not CSV text", file=path)
    delimiter = mapping.delimiter or detect_delimiter(head[0])
    if delimiter is None:
        found = head[0].strip()
        if found not in CANONICAL_COLUMNS:
            raise DataError(
                "cannot detect the delimiter: the header has no comma, tab, semicolon or bar",
                file=path,
                line=1,
                hint="set `delimiter:` in a mapping file (--columns)",
            )
        delimiter = ","
    header = next(csv.reader([head[0]], delimiter=delimiter))
    header = [name.strip() for name in header]
    sources: dict[str, list[str]] = {}
    for canonical in CANONICAL_COLUMNS:
        configured = mapping.columns.get(canonical)  # type: ignore[call-overload]
        if configured is None:
            if canonical in header:
                sources[canonical] = [canonical]
            continue
        names = [configured] if isinstance(configured, str) else list(configured)
        for name in names:
            if name not in header:
                nearest = _nearest(name, header)
                raise DataError(
                    f"column '{name}' (for {canonical}) is not in the file; "
                    f"columns found: {', '.join(header)}",
                    file=path,
                    line=1,
                    hint=f"did you mean '{nearest}'?" if nearest else "fix the mapping file",
                )
        sources[canonical] = names
    missing = [c for c in REQUIRED_COLUMNS if c not in sources]
    if missing:
        nearest = {c: _nearest(c, header) for c in missing}
        hints = [f"'{n}' for {c}" for c, n in nearest.items() if n]
        raise DataError(
            f"required column(s) missing: {', '.join(missing)}; columns found: {', '.join(header)}",
            file=path,
            line=1,
            hint=("nearest: " + ", ".join(hints) + "; map them with --columns")
            if hints
            else "map your export's columns with a mapping file (--columns)",
        )
    timestamp_format = mapping.timestamp_format or _sniff_iso_format(
        path, head, delimiter, header, sources["timestamp"]
    )
    return SourceLayout(
        path=path,
        delimiter=delimiter,
        header=header,
        sources=sources,
        timestamp_format=timestamp_format,
        compressed=path.suffix == ".gz",
    )


def _sniff_iso_format(
    path: Path, head: list[str], delimiter: str, header: list[str], columns: list[str]
) -> str:
    rows = list(csv.reader(head[1:], delimiter=delimiter))
    indices = [header.index(c) for c in columns]
    for row in rows:
        if len(row) < len(header):
            continue
        value = " ".join(row[i].strip() for i in indices).strip()
        if not value:
            continue
        for pattern, fmt in ISO_FORMATS:
            if pattern.match(value):
                return fmt
        raise DataError(
            f"timestamp '{value}' is not ISO 8601",
            file=path,
            line=rows.index(row) + 2,
            hint="set `timestamp_format:` (strftime) in a mapping file (--columns)",
        )
    return ISO_FORMATS[0][1]


# --------------------------------------------------------------------------- expressions


def _clean(name: str) -> pl.Expr:
    """Trimmed text, with empty meaning unknown (null)."""
    text = pl.col(RAW + name).str.strip_chars()
    return pl.when(text.str.len_bytes() > 0).then(text)


def _source(layout: SourceLayout, canonical: str) -> pl.Expr:
    names = layout.sources[canonical]
    if len(names) == 1:
        return _clean(names[0])
    joined = pl.concat_str([pl.col(RAW + n).str.strip_chars() for n in names], separator=" ")
    return pl.when(pl.all_horizontal([_clean(n).is_not_null() for n in names])).then(joined)


def _timestamp(layout: SourceLayout) -> pl.Expr:
    fmt = layout.timestamp_format
    raw = _source(layout, "timestamp")
    if "%z" in fmt or "%#z" in fmt or "%:z" in fmt:
        parsed = raw.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False)
        return parsed.dt.replace_time_zone(None)
    return raw.str.strptime(pl.Datetime("us"), fmt, strict=False)


def _boolean(layout: SourceLayout, mapping: Mapping, canonical: str) -> pl.Expr:
    raw = _source(layout, canonical).str.to_lowercase()
    configured = mapping.values.get(canonical)  # type: ignore[call-overload]
    true_words = [w.strip().lower() for w in configured.true] if configured else list(TRUE_WORDS)
    false_words = [w.strip().lower() for w in configured.false] if configured else list(FALSE_WORDS)
    return (
        pl.when(raw.is_in(true_words))
        .then(pl.lit(True))
        .when(raw.is_in(false_words))
        .then(pl.lit(False))
    )


def _number(layout: SourceLayout, canonical: str) -> pl.Expr:
    return _source(layout, canonical).cast(pl.Float64, strict=False)


def _channel(layout: SourceLayout, mapping: Mapping) -> pl.Expr:
    channel = _source(layout, "channel").str.to_lowercase()
    aliases = {
        alias.strip().lower(): canonical
        for canonical, values in mapping.channels.items()
        for alias in values
    }
    return channel.replace(aliases) if aliases else channel


@dataclass(frozen=True)
class _Check:
    present: pl.Expr
    valid: pl.Expr
    reason: str


def _checks(layout: SourceLayout) -> list[_Check]:
    """Reject rules in the order their reason is reported."""
    checks = [
        _Check(pl.lit(True), _source(layout, "customer_id").is_not_null(), "customer_id is empty"),
        _Check(pl.lit(True), _source(layout, "timestamp").is_not_null(), "timestamp is empty"),
        _Check(
            _source(layout, "timestamp").is_not_null(),
            pl.col("timestamp").is_not_null(),
            f"timestamp does not match format {layout.timestamp_format}",
        ),
        _Check(pl.lit(True), _source(layout, "channel").is_not_null(), "channel is empty"),
    ]
    for name in ("handle_time", "wait_time"):
        if name in layout.sources:
            checks.append(
                _Check(
                    _source(layout, name).is_not_null(),
                    pl.col(name).is_between(0.0, MAX_HANDLE_TIME_SECONDS),
                    f"{name} is not a number of seconds from 0 to {MAX_HANDLE_TIME_SECONDS:,.0f}",
                )
            )
    for name in BOOLEAN_COLUMNS:
        if name in layout.sources:
            checks.append(
                _Check(
                    _source(layout, name).is_not_null(),
                    pl.col(name).is_not_null(),
                    f"{name} is not a boolean",
                )
            )
    if "satisfaction" in layout.sources:
        checks.append(
            _Check(
                _source(layout, "satisfaction").is_not_null(),
                pl.col("satisfaction").is_finite(),
                "satisfaction is not a number",
            )
        )
    return checks


def parsed_frame(layout: SourceLayout, mapping: Mapping, encoding: str = "utf8") -> pl.LazyFrame:
    """The lazy frame of canonical, typed columns plus ``reject_reason`` and ``__row``."""
    needed = sorted({name for names in layout.sources.values() for name in names})
    scan = pl.scan_csv(
        layout.path,
        separator=layout.delimiter,
        has_header=True,
        schema_overrides={name: pl.String for name in layout.header},
        infer_schema=False,
        encoding="utf8-lossy" if encoding == "lossy" else "utf8",
        row_index_name=ROW,
        quote_char='"',
    ).select(ROW, *(pl.col(name).alias(RAW + name) for name in needed))
    unit = 60.0 if mapping.handle_time_unit == "minutes" else 1.0
    parsed: dict[str, pl.Expr] = {
        "customer_id": _source(layout, "customer_id"),
        "timestamp": _timestamp(layout),
        "channel": _channel(layout, mapping),
    }
    for name in DIMENSION_COLUMNS:
        parsed[name] = (
            _source(layout, name).fill_null("all") if name in layout.sources else pl.lit("all")
        )
    if "handle_time" in layout.sources:
        parsed["handle_time"] = _number(layout, "handle_time") * unit
    if "wait_time" in layout.sources:
        parsed["wait_time"] = _number(layout, "wait_time")
    if "satisfaction" in layout.sources:
        parsed["satisfaction"] = _number(layout, "satisfaction")
    for name in BOOLEAN_COLUMNS:
        if name in layout.sources:
            parsed[name] = _boolean(layout, mapping, name)
    frame = scan.with_columns(**parsed)
    checks = _checks(layout)
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for check in reversed(checks):
        reason = (
            pl.when(check.present & ~check.valid.fill_null(False))
            .then(pl.lit(check.reason))
            .otherwise(reason)
        )
    return frame.with_columns(reject_reason=reason)


# --------------------------------------------------------------------------- scan


def scan(
    path: str | Path,
    mapping: Mapping | None = None,
    options: ScanOptions | None = None,
    rejects_out: Callable[[pl.DataFrame], None] | None = None,
) -> Cube:
    """Read an interaction file once and build its cube."""
    mapping = mapping or Mapping()
    options = options or ScanOptions()
    path = Path(path)
    layout = resolve_layout(path, mapping)
    frame = parsed_frame(layout, mapping, options.encoding)
    valid = frame.filter(pl.col("reject_reason").is_null()).with_columns(
        period_start=periods.period_start(pl.col("timestamp"), options.period)
    )
    rejected = frame.filter(pl.col("reject_reason").is_not_null())
    has_handle = "handle_time" in layout.sources
    handle = pl.col("handle_time") if has_handle else pl.lit(None, dtype=pl.Float64)
    demand_q = valid.group_by("period_start", "channel", *DIMENSION_COLUMNS).agg(
        contacts=pl.len().cast(pl.Float64),
        handle_sum=handle.sum().cast(pl.Float64),
        handle_n=handle.count().cast(pl.Float64),
    )
    arrivals_q = valid.group_by(
        "period_start",
        "channel",
        interval_start=pl.col("timestamp").dt.truncate(f"{ARRIVAL_RESOLUTION_MINUTES}m"),
    ).agg(contacts=pl.len().cast(pl.Float64))
    identified = valid.filter(~pl.col("customer_id").is_in(mapping.anonymous_ids))
    preferred_q = (
        identified.group_by("customer_id", "channel")
        .agg(n=pl.len())
        .group_by("customer_id")
        .agg(pl.col("channel").sort_by(["n", "channel"], descending=[True, False]).first())
        .group_by("channel")
        .agg(customers=pl.len().cast(pl.Int64))
    )
    by_hour_q = valid.group_by("channel", hour=pl.col("timestamp").dt.hour()).agg(
        handle_sum=handle.sum().cast(pl.Float64), handle_n=handle.count().cast(pl.Float64)
    )
    stats_q = frame.select(
        rows_read=pl.len(),
        rows_rejected=pl.col("reject_reason").is_not_null().sum(),
        first=pl.col("timestamp").filter(pl.col("reject_reason").is_null()).min(),
        last=pl.col("timestamp").filter(pl.col("reject_reason").is_null()).max(),
    )
    reasons_q = rejected.group_by("reject_reason").agg(rows=pl.len())
    rejects_q = rejected.with_columns(line=pl.col(ROW) + 2).select(
        "line",
        "reject_reason",
        *(
            pl.col(RAW + name).alias(name)
            for name in sorted({n for ns in layout.sources.values() for n in ns})
        ),
    )
    queries = [demand_q, arrivals_q, preferred_q, by_hour_q, stats_q, reasons_q]
    queries.append(rejects_q if rejects_out is not None else rejects_q.head(REJECT_SAMPLE_ROWS))
    try:
        demand, arrivals, preferred, by_hour, stats, reasons, rejects = pl.collect_all(
            queries, engine="streaming"
        )
    except pl.exceptions.ComputeError as exc:
        raise _read_error(path, exc) from None
    except pl.exceptions.PolarsError as exc:
        raise _read_error(path, exc) from None
    cube = _assemble(
        path, options, demand, arrivals, preferred, by_hour, stats, reasons, rejects, rejects_out
    )
    meta = cube.meta
    enforce_reject_rate(
        meta.rows_read, meta.rows_rejected, meta.rejects_sample, options.max_reject_rate, path
    )
    return cube


def enforce_reject_rate(
    rows_read: int, rows_rejected: int, rejects: pl.DataFrame, max_rate: float, path: str | Path
) -> None:
    """Fail (exit 2) when more than ``max_rate`` of the rows were rejected (§3)."""
    rate = rows_rejected / rows_read if rows_read else 0.0
    if rows_rejected == 0 or (rate <= max_rate and rows_rejected < rows_read):
        return
    first = rejects.row(0, named=True) if rejects.height else None
    example = f"; first at line {first['line']}: {first['reject_reason']}" if first else ""
    raise DataError(
        f"{rows_rejected:,} of {rows_read:,} rows rejected ({rate:.1%}), more than "
        f"--max-reject-rate {max_rate:.1%}{example}",
        file=path,
        line=first["line"] if first else None,
        hint="fix the export or the mapping (--columns); --rejects FILE lists every bad row",
    )


def _read_error(path: Path, exc: Exception) -> DataError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "utf-8" in text.lower() or "utf8" in text.lower():
        return DataError(
            "data file is not valid UTF-8 text",
            file=path,
            hint="export it as UTF-8, or pass --encoding lossy to replace bad bytes",
        )
    return DataError(f"cannot parse data file: {text}", file=path)


def _assemble(
    path: Path,
    options: ScanOptions,
    demand: pl.DataFrame,
    arrivals: pl.DataFrame,
    preferred: pl.DataFrame,
    by_hour: pl.DataFrame,
    stats: pl.DataFrame,
    reasons: pl.DataFrame,
    rejects: pl.DataFrame,
    rejects_out: Callable[[pl.DataFrame], None] | None,
) -> Cube:
    row = stats.row(0, named=True)
    rows_read = int(row["rows_read"])
    rows_rejected = int(row["rows_rejected"] or 0)
    rows_used = rows_read - rows_rejected
    if rows_read == 0:
        raise DataError("data file has a header but no rows", file=path, line=2)
    reject_reasons = dict(
        sorted(
            ((r["reject_reason"], int(r["rows"])) for r in reasons.iter_rows(named=True)),
            key=lambda item: -item[1],
        )
    )
    if rejects_out is not None:
        rejects_out(rejects)
    if rows_used == 0:
        enforce_reject_rate(rows_read, rows_rejected, rejects, 0.0, path)
    first_ts, last_ts = row["first"], row["last"]
    starts = periods.calendar(
        periods.start_of(first_ts.date(), options.period),
        periods.start_of(last_ts.date(), options.period),
        options.period,
    )
    meta = DataMeta(
        file=str(path),
        rows_read=rows_read,
        rows_used=rows_used,
        rows_rejected=rows_rejected,
        customers=int(preferred["customers"].sum()) if preferred.height else 0,
        period=options.period,
        period_starts=starts,
        channels_observed=sorted(demand["channel"].unique().to_list()),
        rejects_sample=rejects.head(REJECT_SAMPLE_ROWS),
        reject_reasons=reject_reasons,
        first_timestamp=first_ts.isoformat() if first_ts else None,
        last_timestamp=last_ts.isoformat() if last_ts else None,
    )
    return Cube(
        demand=demand.sort("period_start", "channel", *DIMENSION_COLUMNS),
        arrivals=arrivals.sort("channel", "interval_start"),
        preferred=preferred.sort("channel"),
        handle_by_hour=by_hour.sort("channel", "hour"),
        meta=meta,
    )


def required_channels_message(unknown: list[str], catalog: list[str]) -> InputError:
    """Error for channels seen in the data but missing from a strategy's catalog."""
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, catalog, n=1, cutoff=0.5)
        parts.append(f"'{name}'" + (f" (nearest: '{close[0]}')" if close else ""))
    return InputError(
        f"channel(s) in the data but not in the strategy's catalog: {', '.join(parts)}",
        hint="add them to `channels:`, or map them onto catalog channels with a mapping "
        "file's `channels:` aliases",
    )
