"""A straightforward pandas build of cx's cube: the reference the scan is measured against.

Reads an interaction CSV (canonical columns) the way a careful analyst would with pandas
— explicit dtypes, one timestamp format, no per-row Python — and builds the same tables
as ``cx``: contacts and handle-time sums per (month, channel, segment, stage, intent),
contacts per (month, channel, 15-minute interval), handle-time, wait and abandonment
sums per (channel, hour of day), and customers per preferred channel (most contacts,
ties to the channel name sorting first; no anonymous ids, as cx without a mapping).

    python bench/pandas_cube.py bench/data/interactions-1m.csv [--check]

``--check`` compares the tables with ``cx``'s cube of the same file. pandas is a
benchmark-only dependency: the cx package never imports it.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
DIMENSIONS = ["segment", "stage", "intent"]
TRUE = {"true", "t", "yes", "y", "1"}
FALSE = {"false", "f", "no", "n", "0"}


def build(path: str) -> dict[str, pd.DataFrame]:
    text = {c: "string" for c in ["customer_id", "timestamp", "channel", *DIMENSIONS]}
    raw = pd.read_csv(
        path,
        dtype={**text, "resolved": "string", "abandoned": "string"},
        usecols=[*text, "handle_time", "wait_time", "abandoned", "resolved", "satisfaction"],
    )
    df = pd.DataFrame(
        {
            "customer_id": raw["customer_id"].str.strip(),
            "timestamp": pd.to_datetime(raw["timestamp"], format=TIMESTAMP_FORMAT, errors="coerce"),
            "channel": raw["channel"].str.strip().str.lower(),
            "handle_time": pd.to_numeric(raw["handle_time"], errors="coerce"),
            "wait_time": pd.to_numeric(raw["wait_time"], errors="coerce"),
        }
    )
    for name in DIMENSIONS:
        df[name] = raw[name].str.strip().fillna("all").replace("", "all")
    gone = raw["abandoned"].str.strip().str.lower()
    df["abandoned"] = gone.isin(TRUE).astype("float64").where(gone.notna())
    ok = df["customer_id"].notna() & df["timestamp"].notna() & df["channel"].notna()
    ok &= df["handle_time"].isna() | df["handle_time"].between(0, 86_400)
    ok &= df["wait_time"].isna() | df["wait_time"].between(0, 86_400)
    ok &= gone.isna() | gone.isin(TRUE | FALSE)
    df = df[ok]
    df["period_start"] = df["timestamp"].dt.to_period("M").dt.start_time
    demand = df.groupby(["period_start", "channel", *DIMENSIONS], observed=True).agg(
        contacts=("channel", "size"),
        handle_sum=("handle_time", "sum"),
        handle_n=("handle_time", "count"),
    )
    df["interval_start"] = df["timestamp"].dt.floor("15min")
    arrivals = df.groupby(["period_start", "channel", "interval_start"]).size()
    df["hour"] = df["timestamp"].dt.hour
    by_hour = df.groupby(["channel", "hour"]).agg(
        handle_sum=("handle_time", "sum"),
        handle_n=("handle_time", "count"),
        wait_sum=("wait_time", "sum"),
        wait_n=("wait_time", "count"),
        abandoned=("abandoned", "sum"),
        abandoned_n=("abandoned", "count"),
    )
    pairs = df.groupby(["customer_id", "channel"]).size().rename("n").reset_index()
    pairs = pairs.sort_values(["customer_id", "n", "channel"], ascending=[True, False, True])
    preferred = pairs.drop_duplicates("customer_id")["channel"].value_counts().sort_index()
    return {
        "demand": demand.reset_index(),
        "arrivals": arrivals.rename("contacts").reset_index(),
        "by_hour": by_hour.reset_index(),
        "preferred": preferred.rename("customers").reset_index(),
    }


def check(path: str, tables: dict[str, pd.DataFrame]) -> None:
    """The pandas tables against cx's cube of the same file (totals and preferences)."""
    import cx

    cube = cx.load_interactions(path, max_reject_rate=1.0)
    assert int(tables["demand"]["contacts"].sum()) == cube.meta.rows_used
    assert len(tables["demand"]) == cube.demand.height
    assert len(tables["arrivals"]) == cube.arrivals.height
    ours = dict(zip(tables["preferred"]["channel"], tables["preferred"]["customers"], strict=True))
    assert ours == dict(cube.preferred.iter_rows()), (ours, dict(cube.preferred.iter_rows()))
    handle = float(tables["demand"]["handle_sum"].sum())
    assert abs(handle - float(cube.demand["handle_sum"].sum())) < 1e-6 * max(handle, 1.0)
    print("check: the pandas cube equals cx's cube", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--check", action="store_true", help="compare with cx's cube")
    args = parser.parse_args()
    started = time.perf_counter()
    tables = build(args.path)
    print(f"pandas cube: {time.perf_counter() - started:.3f} s", file=sys.stderr)
    if args.check:
        check(args.path, tables)


if __name__ == "__main__":
    main()
