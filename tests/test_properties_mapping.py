"""The fast scan and the exact rules agree on messy rows read through the newest mapping
features: durations written as a clock, a column mapped to null, ``drop:`` and
``anonymous_ids`` (DESIGN §3, §11), on cells hypothesis makes."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from test_contact_rows import assert_same_outcomes
from test_properties import PROPERTY_SETTINGS

import cx
from cx import api
from cx.data.layout import ROW
from cx.models.mapping import Mapping

CLOCK = [
    "0:05:12",
    "5:12",
    "1:00:00.5",
    "12:60",
    "-0:01:00",
    "",
    "300",
    "00:00:00",
    " 0:01:00 ",
    "1:2:3",
    "61:00",
]
CELLS = {
    "Client": st.sampled_from(["c1", " c1", "0", "anon", "", "C2", " 0 "]),
    "Date": st.sampled_from(["2024-01-01", "2024-01-02", " 2024-01-09", "", "2024-02-30"]),
    "Time": st.sampled_from(["08:00:00", "23:59:59", "08:00", "25:00:00", "00:00:00"]),
    "Via": st.sampled_from(["phone", "Telephone", "CHAT", " web ", "", "email"]),
    "Talk": st.sampled_from(CLOCK),
    "Queue": st.sampled_from(CLOCK),
    "Seg": st.sampled_from(["retail", "", " sme "]),
    "Status": st.sampled_from(["ok", "test", "TEST ", " internal", ""]),
    "satisfaction": st.sampled_from(["x", "5", ""]),
}
MAPPINGS = st.builds(
    lambda duration, drop_on, dropped, anonymous, wait: Mapping.model_validate(
        {
            "columns": {
                "customer_id": "Client",
                "timestamp": ["Date", "Time"],
                "channel": "Via",
                "segment": "Seg",
                "handle_time": "Talk",
                "wait_time": "Queue" if wait else None,
                "satisfaction": None,
            },
            "timestamp_format": "%Y-%m-%d %H:%M:%S",
            "duration_format": duration,
            "channels": {"phone": ["Telephone"]},
            "drop": {drop_on: dropped} if dropped else {},
            "anonymous_ids": anonymous,
        }
    ),
    st.sampled_from(["hh:mm:ss", "mm:ss"]),
    st.sampled_from(["Status", "channel", "Via", "Seg"]),
    st.lists(st.sampled_from(["test", "internal", "chat", "retail", " Phone", ""]), max_size=2),
    st.sampled_from([[], ["0"], ["0", "anon"]]),
    st.booleans(),
)


def write(rows: list[dict[str, str]], directory: str) -> Path:
    path = Path(directory) / "export.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CELLS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def load(path: Path, mapping: Mapping, scan: str, rows: bool) -> cx.Cube | str:
    """The cube of ``path`` read the ``scan`` way (with its single contacts and their
    journeys where ``rows``), or the message that refused it."""
    with patched_environment(CX_SCAN=scan):
        try:
            return api.load_interactions(
                path, columns=mapping, max_reject_rate=1.0, outcomes=rows, keep_rows=rows
            )
        except cx.CxError as error:
            return str(error)


@contextmanager
def patched_environment(**values: str) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@PROPERTY_SETTINGS
@given(
    rows=st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=30),
    mapping=MAPPINGS,
    single=st.booleans(),
)
def test_fast_and_exact_scans_agree_through_the_newest_mapping_features(
    rows: list[dict[str, str]], mapping: Mapping, single: bool
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = write(rows, directory)
        fast, exact = load(path, mapping, "fast", single), load(path, mapping, "exact", single)
    if isinstance(fast, str) or isinstance(exact, str):
        assert fast == exact
        return
    assert fast.meta.rejects_sample.equals(exact.meta.rejects_sample)
    assert replace(fast.meta, rejects_sample=None) == replace(exact.meta, rejects_sample=None)
    for table in ("demand", "arrivals", "preferred", "handle_by_hour"):
        left, right = getattr(fast, table), getattr(exact, table)
        assert left.schema == right.schema, table
        assert left.sort(left.columns).equals(right.sort(right.columns)), table
    if not single:
        return
    assert fast.contact_rows is not None and exact.contact_rows is not None
    assert fast.contact_rows.sort(ROW).equals(exact.contact_rows.sort(ROW))
    assert fast.outcomes is not None and exact.outcomes is not None
    assert_same_outcomes(fast.outcomes, exact.outcomes)
