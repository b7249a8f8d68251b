"""Sums that are the same in every run.

A parallel group-by sum of fractions ends in bits that depend on how its threads split
the rows, and that split differs between runs (two evaluations at a time, as a sweep
runs them, are enough). Figures summed here are added up exactly (``math.fsum``), so a
run prints the same bytes as the run before it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl


def exact_sums(keys: pl.Series, values: np.ndarray | pl.Series) -> dict[Any, float]:
    """Per key, its ``values`` added up exactly, whatever their order."""
    grouped = pl.DataFrame({"key": keys, "value": pl.Series(values, dtype=pl.Float64)})
    lists = grouped.group_by("key").agg(pl.col("value"))
    return {key: math.fsum(part) for key, part in lists.iter_rows()}
