"""What every metric of a result means: the one source of definitions.

The legend under the dilution table, `cx explain METRIC` and the descriptions of the
result models' fields in their JSON Schema all read :data:`GLOSSARY`; a metric is
defined here once and nowhere else.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Metric:
    """One metric: its name in the JSON, what it means, how it is computed."""

    name: str
    label: str
    definition: str
    formula: str
    where: str  # where it appears in the JSON output


_TOTAL = "totals"
_CHANNEL = "channels[]"
_BOTH = "totals, channels[]"
_ALL = "totals, channels[], periods[]"

GLOSSARY: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("demand", "Demand", "Contacts customers made in the history, on the channel "
               "they used.", "count of contacts", _ALL),
        Metric("abandoned_before_queue", "Hung up before queue", "Observed contacts on "
               "the channel that abandoned with a wait_time of 0 (hung up before any queue, "
               "e.g. in the IVR): in demand, but no load in the plan and not replayed.",
               "count of abandoned contacts with wait_time 0", _CHANNEL),
        Metric("stayed", "Stayed", "Contacts that stay on the channel customers chose.",
               "demand − shifted out − lost", _CHANNEL),
        Metric("shifted_out", "Shifted out", "Contacts a rule or a fallback moves away from "
               "the channel.", "Σ demand · share · ramp over the rules, + fallback moves",
               _CHANNEL),
        Metric("shifted_in", "Shifted in", "Contacts moved onto the channel by rules and "
               "fallbacks.", "Σ contacts moved to this channel", _CHANNEL),
        Metric("repeats_in", "Repeats in", "Shifted contacts the target did not resolve that "
               "come back on this channel.", "moved · (1 − containment), on escalate_to",
               _CHANNEL),
        Metric("repeats", "Repeats", "Shifted contacts not resolved where they were moved, "
               "which come back as a second contact.", "Σ moved · (1 − containment)", _TOTAL),
        Metric("lost", "Lost", "Contacts on a channel no longer offered that its fallback "
               "does not take: nobody answers them.", "retired demand · (1 − accept)", _ALL),
        Metric("handled", "Handled", "Contacts some channel answers, repeats included.",
               "demand − lost + repeats", _ALL),
        Metric("coverage", "Coverage", "Share of today's contacts that still get an answer.",
               "(demand − lost) / demand", _TOTAL + ", periods[]"),
        Metric("preferred_coverage", "Preferred-channel coverage", "Share of contacts "
               "answered on the channel the customer chose.", "stayed / demand", _TOTAL),
        Metric("customer_coverage", "Customer coverage", "Share of customers whose "
               "preferred channel (the one they used most) is still offered; none when "
               "every customer is anonymous.",
               "customers with an offered preferred channel / customers", _TOTAL),
        Metric("cost", "Cost", "What the strategy costs over the whole history, in the "
               "strategy's currency.", "handled · cost_per_contact + agent_hours · "
               "hourly_cost + fixed_cost · months + incentive_cost · shifted in", _ALL),
        Metric("cost_per_contact", "Cost per contact", "Cost of each handled contact on "
               "average.", "cost / contacts served (demand − lost)", _TOTAL),
        Metric("cost_per_year", "Cost per year", "The history's cost at a yearly rate.",
               "cost × 365 / days of the data's span", _TOTAL),
        Metric("baseline_cost", "Baseline cost", "What today's channels cost on the same "
               "history (the status quo: the channels seen, no rules).", "cost of the baseline",
               _TOTAL),
        Metric("cost_delta", "Cost vs baseline", "What the strategy saves (negative) or adds "
               "(positive) against today.", "cost − baseline_cost", _TOTAL),
        Metric("agent_hours", "Agent-hours", "Paid agent time the staffing plan needs, "
               "shrinkage included.", "Σ agents per interval · interval hours / (1 − "
               "shrinkage)", _BOTH),
        Metric("workload_hours", "Work hours", "Hours of handling the contacts need.",
               "handled · handle time / 3600", _CHANNEL),
        Metric("effective_channels", "Effective channels", "How many equally busy channels "
               "the work is spread over: the more, the thinner each queue.",
               "1 / Σ share², share = a channel's handled / all handled", _TOTAL),
        Metric("pooling_overhead", "Pooling overhead", "How many more agents separate channel "
               "queues need than one pooled queue for the same load.",
               "agents of separate queues / agents of one pooled queue − 1", _TOTAL),
        Metric("floor_waste", "Floor waste", "Share of agent-hours that exist only because "
               "a channel keeps min_agents in seat.",
               "agent-hours above the Erlang need for min_agents / agent-hours", _TOTAL),
        Metric("subscale", "Sub-scale", "A live channel too small to staff efficiently: "
               "fewer agents on average than dilution.subscale_agents (default 3).",
               "mean agents per staffed interval < subscale_agents", _CHANNEL),
        Metric("occupancy", "Occupancy", "Share of the agents' available time spent "
               "handling contacts.", "workload / available agent time", _CHANNEL),
        Metric("service_level", "Service level", "Share of contacts answered within the "
               "target time (Erlang prediction for the plan).",
               "Erlang C (or A) P(wait ≤ within), weighted by arrivals", _CHANNEL),
        Metric("average_wait", "Average wait", "Seconds a contact waits in the queue on "
               "average (Erlang prediction).", "Erlang C (or A) mean wait, weighted by "
               "arrivals", _CHANNEL),
        Metric("abandon_rate", "Abandon rate", "Share of contacts that hang up before an "
               "agent answers (Erlang A, for channels with patience).",
               "Erlang A P(abandon), weighted by arrivals", _CHANNEL),
        Metric("open_hours", "Open hours", "Channels with `hours`: the hours the channel "
               "is open within the data's span; each open interval keeps at least "
               "min_agents in seat, arrivals or not.",
               "Σ open intervals · interval length", _CHANNEL),
        Metric("after_hours", "Arrived closed", "Channels with `hours`: contacts that "
               "arrived while the channel was closed (moved by a rule, waiting for the "
               "next opening, or lost, as `after_hours` says).",
               "Σ contacts arriving in closed intervals", _CHANNEL),
        Metric("response_level", "Answered in time", "Async channels with a `response` "
               "target: the share of contacts answered within `within` seconds by the "
               "first-in-first-out backlog plan.",
               "contacts answered by arrival + within / contacts", _CHANNEL),
        Metric("backlog_peak", "Backlog peak", "Async channels with a `response` target: "
               "the most contacts waiting at the end of an interval.",
               "max over intervals of contacts waiting", _CHANNEL),
        Metric("hold", "Staffed to hold", "Live channels under `staffing: {hold: P}`: the "
               "probability P with which each interval was staffed to meet its target "
               "(compare replay.intervals_meeting_target).",
               "smallest N with P(SL(N, arrivals) ≥ target) ≥ P", _CHANNEL),
        Metric("volume_share", "Share", "The channel's part of all handled contacts.",
               "handled / Σ handled", _CHANNEL),
        Metric("variable_cost", "Variable cost", "Cost of handled contacts.",
               "handled · cost_per_contact", _CHANNEL),
        Metric("labour_cost", "Labour cost", "Cost of the agents.",
               "agent_hours · hourly_cost", _CHANNEL),
        Metric("fixed_cost", "Fixed cost", "Cost of keeping the channel open, per calendar "
               "month while offered.", "fixed_cost · months of the span", _CHANNEL),
        Metric("incentive_cost", "Incentive cost", "What is paid per contact a rule shifts "
               "onto the channel.", "incentive_cost · shifted in", _CHANNEL),
        Metric("replay_intervals_meeting_target", "Intervals meeting target", "--replay: "
               "the live channels' replay.intervals_meeting_target (the share of a "
               "channel's staffed intervals whose real arrivals reach the service level "
               "target), weighted by each channel's replayed contacts.",
               "Σ replay.contacts · replay.intervals_meeting_target / Σ replay.contacts",
               _TOTAL),
        Metric("journeys", "Journeys", "Observed journeys: a customer's contacts less than "
               "the journey window apart.", "count of journeys", _TOTAL),
        Metric("contacts_per_journey", "Contacts per journey", "Contacts a journey takes on "
               "average.", "handled / journeys", _TOTAL),
        Metric("cost_per_journey", "Cost per journey", "What one journey costs on average.",
               "cost / journeys", _TOTAL),
        Metric("satisfaction", "Satisfaction", "Mean satisfaction score: the catalog's, "
               "else the one observed.", "Σ handled · satisfaction / Σ handled", _BOTH),
        Metric("satisfaction_delta", "Satisfaction vs baseline", "Change of the mean "
               "satisfaction against today.", "satisfaction − baseline satisfaction", _TOTAL),
        Metric("bands", "Bands", "With an `uncertainty:` block: what cost, cost_delta, "
               "coverage and agent_hours come to over draws of its ranges, as the 5th, 50th "
               "and 95th percentile (p5, p50, p95), and p_saving.",
               "percentiles over the draws (linear interpolation)", _BOTH),
        Metric("p_saving", "Share of draws that save", "With an `uncertainty:` block: the "
               "share of draws in which the strategy costs less than today.",
               "draws with cost_delta < 0 / draws", "totals.bands, channels[].bands"),
        Metric("resolution_rate", "Resolution rate", "Observed share of the channel's "
               "contacts that were resolved.", "resolved contacts / contacts", _CHANNEL),
    )
}

#: Other spellings people type for a metric.
ALIASES = {"sub_scale": "subscale", "sub-scale": "subscale", "share": "volume_share"}

#: The four ideas of channel dilution, explained under the dilution table.
DILUTION_LEGEND = ("effective_channels", "pooling_overhead", "floor_waste", "subscale")


def lookup(name: str) -> Metric | None:
    """The metric called ``name`` (any case; ``-`` for ``_``; aliases), or None."""
    key = name.strip().lower()
    key = ALIASES.get(key, key).replace("-", "_")
    return GLOSSARY.get(ALIASES.get(key, key))


def nearest(name: str) -> str | None:
    """The metric name closest to ``name``, for a did-you-mean hint: by the whole name,
    or by its beginning (``poolng`` → ``pooling_overhead``)."""
    word = name.strip().lower().replace("-", "_")
    if not word:
        return None

    def score(candidate: str) -> float:
        whole = difflib.SequenceMatcher(None, word, candidate).ratio()
        start = difflib.SequenceMatcher(None, word, candidate[: len(word)]).ratio()
        return max(whole, start - 0.15 if len(word) >= 4 else 0.0)

    best = max(GLOSSARY, key=score)
    return best if score(best) >= 0.6 else None


def describe_fields(schema: dict[str, Any]) -> None:
    """Pydantic ``json_schema_extra`` of result models: every field that is a metric and
    has no description of its own is described from the glossary."""
    for name, field in schema.get("properties", {}).items():
        metric = GLOSSARY.get(name)
        if metric is not None and isinstance(field, dict) and "description" not in field:
            field["description"] = f"{metric.definition} Formula: {metric.formula}."
