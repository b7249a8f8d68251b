"""The small tables every evaluation works on (§2): whatever the input size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

import polars as pl

from cx.models.sums import exact_sums

if TYPE_CHECKING:
    from cx.data.journeys import Outcomes
    from cx.models.mapping import Mapping

from cx.data import periods as calendar_periods

ARRIVAL_RESOLUTION_MINUTES = 15


@dataclass
class DataMeta:
    file: str
    rows_read: int
    rows_used: int
    rows_rejected: int
    customers: int
    period: str
    period_starts: list[date]
    channels_observed: list[str]
    rejects_sample: pl.DataFrame
    reject_reasons: dict[str, int] = field(default_factory=dict)
    rows_dropped: int = 0  # by the mapping's `drop:`: neither read nor rejected (§11)
    duplicate_rows: int = 0  # rows repeating an earlier row exactly (cx.data.diagnose)
    time_of_day: bool = True  # False: every timestamp at 00:00:00 (§11)
    duplicates_counted: bool = False  # by the scan itself, in its one read (cx.data.fine)
    notes: list[str] = field(default_factory=list)  # e.g. columns matched by a loose name
    first_timestamp: str | None = None
    last_timestamp: str | None = None

    @property
    def period_labels(self) -> list[str]:
        return [calendar_periods.label(start, self.period) for start in self.period_starts]

    @property
    def span(self) -> tuple[date, date]:
        """The first and the last day of the data (§11); without timestamps (an old
        cube file), the first and last day of its periods."""
        if self.first_timestamp and self.last_timestamp:
            return (
                date.fromisoformat(self.first_timestamp[:10]),
                date.fromisoformat(self.last_timestamp[:10]),
            )
        end = calendar_periods.period_end(self.period_starts[-1], self.period)
        return self.period_starts[0], end - timedelta(days=1)

    @property
    def span_days(self) -> int:
        first, last = self.span
        return (last - first).days + 1


@dataclass
class Cube:
    """Demand cube, arrival profile and customer preferences of one interaction file.

    * ``demand``: contacts and handle-time sums per (period_start, channel, segment,
      stage, intent).
    * ``arrivals``: contacts per (period_start, channel, interval_start) at
      15-minute resolution, and ``queued``: those less the contacts that abandoned
      before any queue (wait_time 0); coarser intervals are sums of these.
    * ``preferred``: customers per preferred channel (most contacts; ties to the
      channel name that sorts first).
    * ``handle_by_hour``: handle-time sums per (channel, hour of day), and the queue
      sums behind `patience: observed`: wait_sum, wait_n (contacts with a wait_time),
      abandoned (abandoned contacts), abandoned_n (contacts with an abandoned value)
      and before_queue (abandoned with a wait_time of 0). Handle sums are of served
      contacts only.
    """

    demand: pl.DataFrame
    arrivals: pl.DataFrame
    preferred: pl.DataFrame
    handle_by_hour: pl.DataFrame
    meta: DataMeta
    #: Journeys, resolution and satisfaction (§10); None until asked for.
    outcomes: Outcomes | None = None
    #: Why the cube cache could not keep this cube (a note for the user), else None.
    cache_note: str | None = field(default=None, repr=False, compare=False)
    #: The file's valid rows, kept from the scan for inspect, the journeys and the
    #: replay (:func:`cx.data.journeys.kept_rows`), where the loader was asked to keep
    #: them, channel and dimensions as categories; never cached.
    contact_rows: pl.DataFrame | None = field(default=None, repr=False, compare=False)
    #: The mapping the file was scanned with, where the loader knows it: a later read of
    #: the same file's single contacts (inspect, the replay) reads it the same way.
    mapping: Mapping | None = field(default=None, repr=False, compare=False)
    _profiles: dict[int, pl.DataFrame] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def arrival_profile(self, interval_minutes: int) -> pl.DataFrame:
        """Arrival shares per interval (see :func:`arrival_profile`),
        computed once per interval length: every strategy evaluated on this cube and its
        baseline share it."""
        if interval_minutes not in self._profiles:
            self._profiles[interval_minutes] = arrival_profile(self.arrivals, interval_minutes)
        return self._profiles[interval_minutes]

    def scaled(self, factor: float) -> Cube:
        """This cube with every count times ``factor`` (the `volume` of §12): contacts,
        customers, queued contacts and handle-time sums alike, so means, shares and
        profiles stay."""
        counts = ("contacts", "queued", "handle_sum", "handle_n", "wait_sum", "wait_n",
                  "abandoned", "abandoned_n", "before_queue")  # fmt: skip

        def times(frame: pl.DataFrame) -> pl.DataFrame:
            present = [name for name in counts if name in frame.columns]
            return frame.with_columns(pl.col(present) * factor)

        scaled = Cube(
            demand=times(self.demand),
            arrivals=times(self.arrivals),
            preferred=self.preferred,
            handle_by_hour=times(self.handle_by_hour),
            meta=self.meta,
            outcomes=self.outcomes.scaled(factor) if self.outcomes is not None else None,
        )
        scaled._profiles = self._profiles  # arrival shares do not change with the scale
        return scaled

    def observed_handle_time(self) -> dict[str, float]:
        """Mean observed handle time (seconds) per channel, where any was observed.

        A channel whose handle times are all 0 has none: an export that writes 0 where
        it does not time the work says nothing of it, and no queue can be planned for
        contacts that take no time (the catalog's handle_time is at least 1 s)."""
        seconds = exact_sums(self.demand["channel"], self.demand["handle_sum"])
        counts = self.handle_time_counts()
        return {
            name: seconds[name] / n for name, n in counts.items() if n > 0 and seconds[name] > 0
        }

    def handle_time_counts(self) -> dict[str, float]:
        """Contacts with a handle time, per channel."""
        return exact_sums(self.demand["channel"], self.demand["handle_n"])

    def contacts_abandoned(self) -> dict[str, tuple[int, int]]:
        """Per channel: its contacts, and those that abandoned (0 without the column)."""
        contacts = exact_sums(self.demand["channel"], self.demand["contacts"])
        abandoned: dict[str, float] = {}
        if "abandoned" in self.handle_by_hour.columns:
            frame = self.handle_by_hour
            abandoned = exact_sums(frame["channel"], frame["abandoned"].fill_null(0))
        return {name: (round(n), round(abandoned.get(name, 0))) for name, n in contacts.items()}

    def handle_time_by_hour(self, min_observations: int = 30) -> dict[str, list[float]]:
        """Per channel with observed handle times: 24 AHTs, one per hour of day (§6b).

        Hour h gets the mean observed handle time of the channel's contacts whose hour
        of day is h (all days together), or the channel mean where fewer than
        ``min_observations`` contacts of that hour have a handle time (or all of
        theirs are 0, as for the channel mean).
        """
        means = self.observed_handle_time()
        profiles = {name: [mean] * 24 for name, mean in means.items()}
        hourly = self.handle_by_hour.filter(
            (pl.col("handle_n") >= min_observations) & (pl.col("handle_sum") > 0)
        )
        for row in hourly.iter_rows(named=True):
            if row["channel"] in profiles:
                profiles[row["channel"]][int(row["hour"])] = row["handle_sum"] / row["handle_n"]
        return profiles

    def abandoned_before_queue(self) -> dict[str, int]:
        """Per channel: contacts that abandoned with a wait_time of 0 (§11)."""
        if "before_queue" not in self.handle_by_hour.columns:
            return {}
        sums = self.handle_by_hour.group_by("channel").agg(pl.col("before_queue").sum())
        return {name: int(count) for name, count in sums.iter_rows()}

    def queue_observations(self) -> dict[str, tuple[float, float, float, float]]:
        """Per channel: (Σ wait_time, contacts with a wait_time, abandoned contacts that
        queued, contacts with an abandoned value). Abandoned contacts with a wait of 0
        never queued (§11): they are left out of the abandoned count (their wait adds
        nothing to the sum). Empty for cubes without those sums."""
        columns = ["wait_sum", "wait_n", "abandoned", "abandoned_n"]
        if not set(columns) <= set(self.handle_by_hour.columns):
            return {}
        queued = pl.col("abandoned") - pl.col("before_queue").fill_null(0.0)
        frame = self.handle_by_hour
        if "before_queue" in frame.columns:
            frame = frame.with_columns(queued.alias("abandoned"))
        sums = frame.group_by("channel").agg(pl.col(columns).fill_null(0.0).sum())
        return {
            row[0]: (float(row[1]), float(row[2]), float(row[3]), float(row[4]))
            for row in sums.select("channel", *columns).iter_rows()
        }


def arrival_profile(
    arrivals: pl.DataFrame, interval_minutes: int, by: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Each channel's share of its period's arrivals per calendar interval (§6) that
    reach its queue: contacts that abandoned before any queue (§11) are demand but no
    load, so a channel's shares add up to its queued share of the period's contacts.
    With ``by``, shares within each (period, channel, *by) group (e.g. opening-hours
    state)."""
    queued = "queued" if "queued" in arrivals.columns else "contacts"
    profile = arrivals.group_by(
        "period_start",
        "channel",
        *by,
        interval_start=pl.col("interval_start").dt.truncate(f"{interval_minutes}m"),
    ).agg(pl.col("contacts").sum(), queued=pl.col(queued).sum())
    return profile.with_columns(
        share=pl.col("queued") / pl.col("contacts").sum().over("period_start", "channel", *by)
    ).drop("contacts", "queued")
