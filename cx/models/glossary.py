"""What every field of a result means: the one source of definitions.

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
    """One field of the JSON output: its name, what it means, how it is computed
    (``formula`` is empty for a field that is read or named rather than computed)."""

    name: str
    label: str
    definition: str
    formula: str
    where: str  # where it appears in the JSON output


_TOTAL = "totals"
_CHANNEL = "channels[]"
_BOTH = "totals, channels[]"
_ALL = "totals, channels[], periods[]"
_TOP = "the top level"
_DATA = "data"
_REPLAY = "channels[].replay"
_WORST = "channels[].replay.worst_intervals[]"
_BANDS = "totals.bands, channels[].bands"
_BAND = "totals.bands.<figure>, channels[].bands.<figure> (cost, cost_delta, coverage, agent_hours)"


def _percentile(p: int) -> Metric:
    """``p5``, ``p50``, ``p95`` of a figure's band."""
    return Metric(
        f"p{p}",
        f"{p}th percentile",
        f"With an `uncertainty:` block: the figure's {p}th percentile over the draws: "
        f"{p} in 100 draws come out at most this.",
        "percentile over the draws (linear interpolation)",
        _BAND,
    )

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
        Metric("lost", "Lost", "Contacts nobody answers: on a channel no longer offered, "
               "those its fallback does not take; on a channel with `after_hours: lost`, "
               "those that arrive while it is closed and no rule moves.",
               "retired demand · (1 − accept) + closed arrivals left under after_hours: lost",
               _ALL),
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
        Metric("cost_per_contact", "Cost per contact", "Cost of each of today's contacts "
               "that is still served, on average: repeats add to the cost, not to the "
               "contacts.", "cost / contacts served (demand − lost)", _TOTAL),
        Metric("cost_per_year", "Cost per year", "The history's cost at a yearly rate.",
               "cost × 365 / days of the data's span", _TOTAL),
        Metric("baseline_cost", "Baseline cost", "What today's channels cost on the same "
               "history (the status quo: the channels seen, no rules).", "cost of the baseline",
               _TOTAL),
        Metric("cost_delta", "Cost vs baseline", "What the strategy saves (negative) or adds "
               "(positive) against today.", "cost − baseline_cost", _TOTAL),
        Metric("agent_hours", "Agent-hours", "Paid agent time the staffing plan needs, "
               "shrinkage included.", "Σ agents per interval · interval hours / (1 − "
               "shrinkage); async without a response target: Σ per day max(workload / "
               "(concurrency · max_occupancy), min_agents · open hours) / (1 − shrinkage), "
               "open hours 0 without `hours`", _BOTH),
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
               "agent-hours above what the contacts need (Erlang, the response backlog or "
               "an async day's workload) kept for min_agents / agent-hours", _TOTAL),
        Metric("subscale", "Sub-scale", "A live channel too small to staff efficiently: "
               "fewer agents on average than dilution.subscale_agents (default 3).",
               "mean agents per staffed interval < subscale_agents", _CHANNEL),
        Metric("occupancy", "Occupancy", "Share of the agents' available time spent "
               "handling contacts.", "hours of handling the agents do (abandoned contacts "
               "take none) / concurrency / their hours in seat, agent_hours · (1 − "
               "shrinkage)", _CHANNEL),
        Metric("service_level", "Service level", "Share of contacts answered within the "
               "target time: in channels[] the Erlang prediction for the plan; in replay the "
               "share of the replayed contacts (of the channel, or of one interval's "
               "arrivals) answered within `within`, abandoned ones counting as not answered.",
               "Erlang C (or A) P(wait ≤ within), weighted by arrivals; replay: answered "
               "within `within` / replayed contacts",
               f"{_CHANNEL}, {_REPLAY}, {_WORST}"),
        Metric("average_wait", "Average wait", "Seconds a contact waits in the queue on "
               "average (Erlang prediction).", "Erlang C (or A) mean wait, weighted by "
               "arrivals", _CHANNEL),
        Metric("abandon_rate", "Abandon rate", "Share of contacts that hang up before an "
               "agent answers: in channels[] the Erlang A prediction, for channels with "
               "patience; in replay the share of the replayed contacts that abandoned.",
               "Erlang A P(abandon), weighted by arrivals; replay: abandoned / replayed "
               "contacts", f"{_CHANNEL}, {_REPLAY}"),
        Metric("open_hours", "Open hours", "Channels with `hours`: the hours the channel "
               "is open within the data's span; each open interval keeps at least "
               "min_agents in seat, arrivals or not (an async channel without a response "
               "target: at least min_agents · open hours each day).",
               "Σ open intervals · interval length", _CHANNEL),
        Metric("after_hours", "Arrived closed", "Channels with `hours`: contacts that "
               "arrived while the channel was closed (moved by a rule, waiting for the "
               "next opening, or lost, as `after_hours` says).",
               "Σ contacts arriving in closed intervals", _CHANNEL),
        Metric("response_level", "Answered in time", "Async channels with a `response` "
               "target: the share of contacts answered within `within` seconds by the "
               "first-in-first-out backlog plan.",
               "contacts answered by their interval's start + within / contacts", _CHANNEL),
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
               "the journey window apart.", "count of journeys", f"{_TOTAL}, {_DATA}"),
        Metric("contacts_per_journey", "Contacts per journey", "Contacts a journey takes on "
               "average: in totals with the strategy's repeats, in data as observed.",
               "handled / journeys; data: rows used / journeys", f"{_TOTAL}, {_DATA}"),
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
        Metric("cost_delta_pct", "Cost vs baseline, share", "With an `uncertainty:` "
               "block: each draw's cost against today as a share of today's cost at that "
               "draw (the volume and prices a draw sets change today's cost too), as p5, "
               "p50, p95; null when today costs nothing at some draw.",
               "percentiles over the draws of cost_delta / baseline_cost at the draw",
               "totals.bands"),
        Metric("p_saving", "Share of draws that save", "With an `uncertainty:` block: the "
               "share of draws in which the strategy costs less than today.",
               "draws with cost_delta < 0 / draws", "totals.bands, channels[].bands"),
        Metric("p_costing_more", "Share of draws that cost more", "With an "
               "`uncertainty:` block: the share of draws in which the strategy costs more "
               "than today (draws that cost what today does are in neither share).",
               "draws with cost_delta > 0 / draws", "totals.bands, channels[].bands"),
        Metric("resolution_rate", "Resolution rate", "Observed share of the channel's "
               "contacts that were resolved.", "resolved contacts / contacts", _CHANNEL),
        Metric("draws", "Draws", "With an `uncertainty:` block: how many draws of its "
               "ranges the bands are over (--samples).", "", _BANDS),
        *(_percentile(p) for p in (5, 50, 95)),
        # --replay, per live channel
        Metric("replay", "Replay", "--replay: the live channel's staffing plan replayed on "
               "the real contacts, each at its real arrival instant; null without --replay "
               "and for channels that are not live.", "", _CHANNEL),
        Metric("contacts", "Replayed contacts", "--replay: contacts replayed through the "
               "channel's plan (those that hung up before the queue are not).", "", _REPLAY),
        Metric("intervals_meeting_target", "Intervals meeting target", "--replay: share of "
               "the channel's staffed intervals whose replayed arrivals reach the service "
               "level target (an interval without arrivals meets it).",
               "intervals meeting the target / staffed intervals", _REPLAY),
        Metric("asa", "ASA", "--replay: average speed of answer, the mean seconds in queue "
               "of the answered contacts; null when none was answered.",
               "Σ wait of answered contacts / answered contacts", _REPLAY),
        Metric("mean_wait", "Mean wait", "--replay: mean seconds in queue of the replayed "
               "contacts (of the channel, or of one interval's arrivals), to answer or to "
               "abandonment.", "Σ wait / replayed contacts", f"{_REPLAY}, {_WORST}"),
        Metric("fit_agent_hours", "Fitted agent-hours", "--replay --fit: agent-hours of the "
               "smallest agents per interval, chosen in time order, that meet the target in "
               "replay; compare agent_hours, the Erlang plan's.",
               "Σ fitted agents per interval · interval hours / (1 − shrinkage)", _REPLAY),
        Metric("fit_service_level", "Fitted service level", "--replay --fit: share of the "
               "replayed contacts answered within `within` under the fitted staffing.",
               "answered within `within` / replayed contacts", _REPLAY),
        Metric("worst_intervals", "Worst intervals", "--replay: the staffed intervals with "
               "the most contacts not answered within `within`, worst first (at most 5).",
               "", _REPLAY),
        Metric("interval_start", "Interval start", "Start of the interval (local time of "
               "the data).", "", _WORST),
        Metric("arrivals", "Arrivals", "Replayed contacts that arrived in the interval.",
               "count of contacts", _WORST),
        Metric("agents", "Agents", "The plan's agents in seat in the interval (N, before "
               "shrinkage).", "", _WORST),
        Metric("plan_service_level", "Planned service level", "The plan's Erlang prediction "
               "of the interval's service level.", "Erlang C (or A) P(wait ≤ within)", _WORST),
        Metric("abandoned", "Abandoned", "Arrivals of the interval that abandoned in replay.",
               "count of contacts", _WORST),
        # the frame of the output: what the figures are about
        Metric("schema_version", "Schema version", "Version of the JSON layout: within a "
               "version fields are only added, so a reader written for it keeps working.",
               "", _TOP),
        Metric("strategy", "Strategy", "The strategy replayed: name, kind, file, currency "
               "(in a sweep's output, its name).", "", _TOP),
        Metric("data", "Data", "The interaction history read: file, rows, customers, "
               "periods, the channels seen and, with --outcomes, its journeys.", "", _TOP),
        Metric("totals", "Totals", "The strategy's figures over the whole history and every "
               "channel.", "", _TOP),
        Metric("channels", "Channels", "One entry per catalog channel: its flows, staffing "
               "and cost.", "", _TOP),
        Metric("periods", "Periods", "Every calendar period (week, month or quarter) from "
               "the first to the last in the data, empty ones included: at the top level "
               "their figures, in data their labels.", "", f"{_TOP}, {_DATA}"),
        Metric("guards", "Guards", "Each guard of the strategy, its value in this run and "
               "whether it holds.", "", _TOP),
        Metric("caveats", "Caveats", "What the figures must be read with: the sentences "
               "stderr says for the run (notes on strategies side by side, on the data, the "
               "strategies' warnings), once each; [] when there are none. At the top of the "
               "command line's JSON.", "", _TOP),
        Metric("name", "Name", "The strategy's `name:`.", "", "strategy"),
        Metric("kind", "Kind", "`follow` (offer what customers choose and staff for it) or "
               "`push` (steer contacts with rules and retired channels).", "", "strategy"),
        Metric("file", "File", "strategy.file: the strategy file (null for a strategy given "
               "as a dict); data.file: the interaction file read.", "", f"strategy, {_DATA}"),
        Metric("currency", "Currency", "The strategy's `currency:` label, which money is "
               "written in (nothing is converted); left out when it has none.", "",
               "strategy"),
        Metric("rows_read", "Rows read", "Rows of the interaction file read (the header and "
               "rows the mapping's `drop:` leaves out not counted).", "count of rows", _DATA),
        Metric("rows_rejected", "Rows rejected", "Rows left out because a required field is "
               "empty or unreadable, or an optional one invalid (`--rejects FILE` writes "
               "them).", "count of rows", _DATA),
        Metric("rows_used", "Rows used", "Rows replayed: the demand.",
               "rows_read − rows_rejected", _DATA),
        Metric("rows_dropped", "Rows dropped", "Rows the mapping's `drop:` left out before "
               "anything was counted (not in rows_read).", "count of rows", _DATA),
        Metric("time_of_day", "Time of day", "false when every timestamp is at 00:00:00 "
               "(dates only): live channels are then costed from their workload, as async "
               "channels.", "", _DATA),
        Metric("customers", "Customers", "Distinct identified customers in the data "
               "(anonymous ids left out).", "count of distinct customer ids", _DATA),
        Metric("channels_observed", "Channels observed", "The channels with contacts in the "
               "data: what the baseline (today) offers.", "", _DATA),
        Metric("hop_rate", "Hop rate", "--outcomes: share of follow-up contacts made on "
               "another channel than the contact before them in the journey.",
               "hops / follow-up contacts", _DATA),
        Metric("multichannel_journey_share", "Multichannel journeys", "--outcomes: share of "
               "journeys that use two or more channels.",
               "journeys with two or more channels / journeys", _DATA),
        Metric("resolution_source", "Resolution source", "--outcomes: what "
               "channels[].resolution_rate is read from: `resolved` (the column) or "
               "`journey_end` (the proxy: contacts that end their customer's journey).", "",
               _DATA),
        Metric("channel", "Channel", "The channel's name in the catalog.", "", _CHANNEL),
        Metric("mode", "Mode", "How the channel works: `live` (a queue staffed per interval), "
               "`async` (work agents take in turn) or `self_service` (no agents).", "",
               _CHANNEL),
        Metric("offered", "Offered", "Whether the strategy offers the channel; one not "
               "offered is retired: its contacts go to its fallback or are lost.", "",
               _CHANNEL),
        Metric("period", "Period", "The period's label: 2024-W05, 2024-01 or 2024-Q1.", "",
               "periods[]"),
        Metric("days", "Days", "Days of the data's span in the period.", "count of days",
               "periods[]"),
        Metric("partial", "Partial period", "The data covers only part of the period.",
               "days < the period's calendar days", "periods[]"),
        Metric("expr", "Guard", "The guard as the strategy writes it.", "", "guards[]"),
        Metric("value", "Value", "In guards[]: the figure the guard compares, in this run; "
               "null when the run has none (the guard then fails). In steps[] of a sweep: "
               "the value swept at this step.", "", "guards[], steps[] of sweep"),
        Metric("ok", "Guard holds", "Whether the guard holds; one that fails makes "
               "simulate, compare and check exit 1.", "", "guards[]"),
        Metric("guards_ok", "Guards hold", "Whether every guard of the strategy holds (true "
               "for a strategy without guards).", "all guards[].ok", "compare's CSV"),
        # Of the other commands' JSON: compare, sweep and sensitivity.
        Metric("results", "Results", "One result per strategy, each as simulate prints it.",
               "", f"{_TOP} of compare"),
        Metric("steps", "Steps", "One entry per value swept (per pair of values over two "
               "keys), in the order of the values.", "", f"{_TOP} of sweep"),
        Metric("result", "Result", "The strategy's result at this step, as simulate prints "
               "it.", "", "steps[] of sweep"),
        Metric("values", "Values", "The value of each swept key at this step.", "",
               "steps[] of a sweep over two keys"),
        Metric("key", "Key", "The strategy's key path varied (`--set-range` of a sweep, a key "
               "of `uncertainty:` in sensitivity).", "", f"{_TOP} of sweep, keys[] of "
               "sensitivity"),
        Metric("keys", "Keys", "A sweep over two keys: their paths. Sensitivity: one entry "
               "per uncertain key, largest swing first.", "", f"{_TOP} of sweep and sensitivity"),
        Metric("metric", "Metric", "The figure sensitivity moves (`--metric`, default "
               "cost_delta).", "", f"{_TOP} of sensitivity"),
        Metric("base", "Base", "The metric at the values written in the strategy.", "",
               f"{_TOP} of sensitivity"),
        Metric("low", "Low", "The key's low value: its range's low, or mean − 1.645 sd, "
               "within the key's valid range.", "", "keys[] of sensitivity"),
        Metric("high", "High", "The key's high value: its range's high, or mean + 1.645 sd, "
               "within the key's valid range.", "", "keys[] of sensitivity"),
        Metric("at_low", "At low", "The metric with the key at its low, every other key as "
               "written.", "", "keys[] of sensitivity"),
        Metric("at_high", "At high", "The metric with the key at its high, every other key "
               "as written.", "", "keys[] of sensitivity"),
        Metric("swing", "Swing", "How far the metric moves between the key's low and high.",
               "|at_high − at_low|", "keys[] of sensitivity"),
    )
}

#: Other spellings people type for a metric.
ALIASES = {"sub_scale": "subscale", "sub-scale": "subscale", "share": "volume_share"}

#: The four ideas of channel dilution, explained under the dilution table.
DILUTION_LEGEND = ("effective_channels", "pooling_overhead", "floor_waste", "subscale")


def field_name(name: str) -> str:
    """The field a path names: ``channels.phone.occupancy`` (as a guard writes it),
    ``channels[].replay.asa`` or ``totals.cost`` name their last key."""
    return name.strip().rsplit(".", 1)[-1].removesuffix("[]")


#: The prefix of the CSV columns that hold a channel's ``replay`` figures.
REPLAY_PREFIX = "replay_"


def lookup(name: str) -> Metric | None:
    """The metric called ``name`` (any case; ``-`` for ``_``; aliases; a path such as
    ``channels.phone.occupancy`` for its last key; a CSV column ``replay_asa`` for the
    replay's ``asa``), or None."""
    key = field_name(name).lower()
    key = ALIASES.get(key, key).replace("-", "_")
    key = ALIASES.get(key, key)
    if key not in GLOSSARY and key.startswith(REPLAY_PREFIX):
        key = key.removeprefix(REPLAY_PREFIX)
    return GLOSSARY.get(key)


def nearest(name: str) -> str | None:
    """The metric name closest to ``name``, for a did-you-mean hint: by the whole name,
    or by its beginning (``poolng`` → ``pooling_overhead``)."""
    word = field_name(name).lower().replace("-", "_")
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
            formula = f" Formula: {metric.formula}." if metric.formula else ""
            field["description"] = metric.definition + formula
