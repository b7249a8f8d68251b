"""The opening-hours view of a result (§11): open hours, after-hours contacts, backlogs."""

from __future__ import annotations

from cx.models.result import Result
from cx.render.sections import Section, count, percent


def hours_section(result: Result) -> Section | None:
    """One row per channel with opening hours or a response target; None without any."""
    channels = [
        c for c in result.channels if c.open_hours is not None or c.response_level is not None
    ]
    if not channels:
        return None
    rows = [
        [
            c.channel,
            count(c.open_hours) if c.open_hours is not None else "24/7",
            count(c.after_hours) if c.after_hours is not None else "–",
            percent(c.response_level) if c.response_level is not None else "–",
            count(c.backlog_peak) if c.backlog_peak is not None else "–",
        ]
        for c in channels
    ]
    return Section(
        title="Opening hours",
        header=["Channel", "Open h", "Arrived closed", "Answered in time", "Backlog peak"],
        rows=rows,
        note="Open h: hours open within the data's span, each staffed with at least "
        "min_agents. Arrived closed: contacts that found the channel closed (moved by "
        "rules, waiting for the opening, or lost as after_hours says). Answered in time: "
        "share of an async channel's contacts answered within its response target; "
        "backlog peak: most contacts waiting at an interval's end.",
    )
