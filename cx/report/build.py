"""Assemble the report: evaluate every strategy, draw the charts, lay out the page.

The chart library is imported only once :func:`require_chart_library` has found it."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from datetime import datetime
from pathlib import Path

import polars as pl

from cx._version import __version__
from cx.caveats import caveats
from cx.data.cube import Cube
from cx.models.inspect import InspectResult
from cx.models.progress import SILENT, Progress
from cx.models.result import Bands, Result, SweepGrid, SweepResult
from cx.models.strategy import Strategy
from cx.models.vocabulary import counted, plural
from cx.render import sections as text
from cx.render.compare import comparison_section
from cx.render.numbers import (
    MINUS,
    common_currency,
    currency_label,
    money,
    money_change,
    money_title,
    percent,
    signed,
    whole,
)
from cx.render.verdict import cost_change as compared_with_today
from cx.render.verdict import guards_fail, guards_pass, verdict
from cx.render.views import SimulationView, distinct_names
from cx.report import charts
from cx.report.assumptions import assumptions_sections
from cx.report.data import (
    WEEKDAYS,
    Scenario,
    bands_frame,
    cost_frame,
    periods_frame,
    staffing_week,
    tornado_frame,
    volumes_frame,
    weekday_counts,
)
from cx.report.html import Chart, Page, esc
from cx.report.whatif import add_sweep

DEFAULT_TITLE = "Channel strategy report"


@functools.lru_cache(maxsize=1)
def javascript_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one inline script (bundled by vl-convert).

    Bundling takes vl-convert about a second, and its result depends only on the
    versions installed: it is kept in the cache directory (``CX_CACHE_DIR``), with its
    checksum, under a name made of those versions. An entry that cannot be read or does
    not match its checksum is bundled again; one that cannot be written is left out."""
    import altair as alt
    import vl_convert

    from cx.data.cache_keys import cache_dir, load_json, store_json

    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    available = getattr(vl_convert, "get_vegalite_versions", lambda: [])()
    version = wanted if wanted in available else None
    installed = getattr(vl_convert, "__version__", "unknown")
    entry = cache_dir() / f"report-script-{installed}-{version or 'default'}.json"
    try:
        bundle = load_json(entry)
        if isinstance(bundle, str) and bundle:
            return bundle
    except (OSError, ValueError):
        pass  # not there yet, or damaged: bundled again below
    if version is not None:
        bundle = vl_convert.javascript_bundle(vl_version=version)
    else:
        bundle = vl_convert.javascript_bundle()
    store_json(entry, bundle)
    return bundle


def scenarios_for(
    strategies: list[Strategy],
    cube: Cube,
    interval: int | None,
    samples: int = 0,
    seed: int = 0,
    progress: Progress = SILENT,
) -> tuple[list[Scenario], list[Scenario]]:
    """Each strategy's scenario, and the distinct baselines (one unless catalogs differ).

    A strategy with an `uncertainty:` block gets ``samples`` draws drawn with ``seed``
    (its result's bands, as `cx simulate --samples --seed` gives them) and the
    sensitivity of its cost against today to each key (as `cx sensitivity` gives it)."""
    from cx.replay.bands import attach_bands, sensitivity
    from cx.replay.engine import Evaluation, SimulationOptions, evaluate

    options = SimulationOptions(interval=interval)
    shared: dict[str, Evaluation] = {}
    scenarios = []
    baselines: list[Scenario] = []
    # The baselines are named "baseline" or "baseline (owner)": a strategy named
    # "baseline" (or "Baseline", as the comparison table's column) is told apart.
    names = distinct_names([s.name for s in strategies])
    for name, strategy in zip(names, strategies, strict=True):
        minutes = interval or strategy.staffing.interval
        evaluation = evaluate(strategy, cube, options, shared)
        result = evaluation.result
        tornado = None
        if strategy.uncertainty and samples:
            with progress.step(f"{samples:,} draws of {name}", samples) as step:
                attach_bands(evaluation, cube, options, samples, seed, step.advance)
            tornado = sensitivity(evaluation, cube, options, "cost_delta")
        scenarios.append(
            Scenario(
                name=name,
                view=SimulationView.of(evaluation).named(name),
                strategy=strategy,
                intervals=evaluation.own.staffing.intervals,
                interval_minutes=minutes,
                sensitivity=tornado,
                baseline_costs={c.channel: c.cost for c in evaluation.baseline.channels},
            )
        )
        base_cost = result.totals.baseline_cost
        if any(abs(b.result.totals.cost - base_cost) <= 1e-6 for b in baselines):
            continue
        baselines.append(
            Scenario(
                name="baseline",
                view=SimulationView(evaluation.baseline_result(), evaluation.baseline_totals),
                strategy=evaluation.baseline_strategy,
                intervals=pl.DataFrame(),
                interval_minutes=minutes,
                is_baseline=True,
            )
        )
    if len(baselines) > 1:
        for base, owner in zip(baselines, _baseline_owners(scenarios, baselines), strict=True):
            base.name = f"baseline ({owner})"
    return scenarios, baselines


def _baseline_owners(scenarios: list[Scenario], baselines: list[Scenario]) -> list[str]:
    owners = []
    for base in baselines:
        owner = next(
            s.name
            for s in scenarios
            if abs(s.result.totals.baseline_cost - base.result.totals.cost) <= 1e-6
        )
        owners.append(owner)
    return owners


# --------------------------------------------------------------------------- wording


def _draws_saving(bands: Bands) -> str:
    """``91 of 100 draws save money.``, or with fewer draws, as counted."""
    saving, out_of = bands.saving_in()
    if out_of == 1:
        return "The one draw saves money." if saving else "The one draw does not save money."
    return f"{saving} of {out_of} draws save money."


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def _signed_pct(value: float | None, change: str) -> str:
    """The share of today that a change written ``change`` is: ``−3.7%``, ``±0.0%``
    where the change is written ``0``, and ``+<0.1%`` where a change that is written
    would round to ``+0.0%``, a share that says nothing beside an amount that is not
    nothing (as the verdict's "(under 0.1%)")."""
    if value is None:
        return ""
    if change == "0" or value == 0:
        return "±0.0%"
    written = percent(abs(value))
    return ("+" if value > 0 else MINUS) + ("<0.1%" if written == percent(0.0) else written)


def _signed_html(text: str) -> str:
    """A signed figure as HTML that breaks no line after its sign: a browser breaks
    between a minus and a currency where the column is narrow (``−`` above
    ``€25,025``); after a currency's space (``−CHF 25,025``) it still may."""
    sign = re.match(r"[+\u2212][^\d\s]*", text)
    if sign is None:
        return esc(text)
    return f'<span class="nobr">{esc(sign.group())}</span>{esc(text[sign.end():])}'


#: The colour of a cost against today that is less, more or the same (cx.render.verdict).
_CHANGE_CLASS = {"less": "good", "more": "bad", "same": ""}


def reading(result: Result) -> str:
    """One plain sentence per strategy: what it saves, whom it loses, whether guards hold
    (the verdict the tables open with, :func:`cx.render.verdict.verdict`)."""
    said = verdict(result)
    sentence = f"<b>{esc(said.name)}</b> {esc(said.sentence)}"
    failing = [g for g in result.guards if not g.ok]
    if not result.guards:
        guards = ""
    elif failing:
        guards = (
            f' <span class="bad">{guards_fail(len(failing), len(result.guards))}: '
            + ", ".join(f"<code>{esc(g.expr)}</code>" for g in failing)
            + ".</span>"
        )
    else:
        guards = f' <span class="good">{guards_pass(len(result.guards))}.</span>'
    return f"<p>{sentence}.{guards}</p>"


def card(scenario: Scenario, color: str) -> str:
    result = scenario.result
    t = result.totals
    base = scenario.view.baseline
    cost_share = t.cost_delta / t.baseline_cost if t.baseline_cost else None
    hours_delta = t.agent_hours - base.agent_hours
    cost_change = money_change(t.cost_delta)
    hours_share = hours_delta / base.agent_hours if base.agent_hours else None
    failing = [g for g in result.guards if not g.ok]
    if result.guards:
        guard_text = (
            f'<span class="bad">✗ {guards_fail(len(failing), len(result.guards))}</span>: '
            + ", ".join(esc(g.expr) for g in failing)
            if failing
            else f'<span class="good">✓ {guards_pass(len(result.guards))}</span>'
        )
    else:
        guard_text = '<span class="muted">no guards</span>'
    description = esc(scenario.strategy.description or "")
    # Figures written as the tables and the verdict write them (cx.render.numbers).
    kpis = [
        (
            "Cost vs today",
            # coloured as the verdict words it: a change written 0 is no change
            f'<span class="{_CHANGE_CLASS[compared_with_today(t)]}">'
            f"{_signed_html(cost_change)}"
            f"</span><small>{esc(_signed_pct(cost_share, cost_change))}</small>",
        ),
        ("Total cost", esc(money(t.cost))),
        (
            "Contacts served",
            f'<span class="{"warn" if t.coverage < 0.999 else ""}">{_pct(t.coverage)}</span>'
            f"<small>{whole(t.lost)} lost</small>",
        ),
        ("Customer coverage", _pct(t.customer_coverage)),
        (
            "Agent-hours",
            f"{whole(t.agent_hours)}"
            f"<small>{esc(_signed_pct(hours_share, signed(hours_delta, whole)))}</small>",
        ),
        ("Cost / contact", esc(money(t.cost_per_contact))),
    ]
    items = "".join(f'<div class="kpi"><dt>{k}</dt><dd>{v}</dd></div>' for k, v in kpis)
    css = "card fail" if failing else "card"
    accent = "" if failing else f' style="border-top-color: {color}"'
    return (
        f'<div class="{css}"{accent}><div class="name">{esc(scenario.name)}'
        f'<span class="tag">{esc(result.strategy.kind)}</span></div>'
        f'<p class="desc">{description}</p><dl class="kpis">{items}</dl>'
        f'<div class="guards">{guard_text}</div></div>'
    )


# --------------------------------------------------------------------------- page


#: The caveats listed open on top of the page; the rest are folded under "and N more",
#: so that a strategy of many idle rules does not push the figures screens down.
CAVEATS_SHOWN = 10


def caveats_section(said: list[str]) -> str:
    """The run's notes and warnings, on top of the page: what its figures must be read
    with, in the words the command line says them on stderr; past the first
    :data:`CAVEATS_SHOWN`, folded (each still on the page)."""

    def items(sentences: list[str]) -> str:
        return "".join(f"<li>{esc(sentence)}</li>" for sentence in sentences)

    shown, folded = said[:CAVEATS_SHOWN], said[CAVEATS_SHOWN:]
    more = (
        f'<li class="more"><details><summary>and {len(folded):,} more</summary>'
        f"<ul>{items(folded)}</ul></details></li>"
        if folded
        else ""
    )
    return (
        '<section class="caveats" id="caveats"><h2>Caveats</h2>'
        '<p class="lead">Read the figures below with these notes on the data and the '
        f"strategies.</p><ul>{items(shown)}{more}</ul></section>"
    )


def _same_as_baseline(scenarios: list[Scenario], baselines: list[Scenario]) -> str:
    """A note naming the strategies whose line hides the baseline's (identical periods)."""
    same = [
        s.name
        for s in scenarios
        for b in baselines
        if len(s.result.periods) == len(b.result.periods)
        and all(
            abs(p.cost - q.cost) <= 1e-6 * max(1.0, abs(q.cost))
            for p, q in zip(s.result.periods, b.result.periods, strict=True)
        )
    ]
    if not same:
        return ""
    return f" The baseline's line is hidden under {', '.join(same)}: they cost the same."


def build(
    strategies: list[Strategy],
    cube: Cube,
    interval: int | None = None,
    title: str | None = None,
    generated: datetime | None = None,
    profile: InspectResult | None = None,
    progress: Progress = SILENT,
    samples: int = 0,
    seed: int = 0,
    sweep: SweepResult | SweepGrid | None = None,
    rejects: Path | None = None,
    chosen: Collection[str] = (),
) -> str:
    """The report page; its steps are reported to ``progress`` (the chart specs and the
    chart library's bundle are single calls that cannot say how far they are)."""
    count = len(strategies)
    with progress.step(f"evaluating {count} {plural(count, 'strategy', 'strategies')}"):
        scenarios, baselines = scenarios_for(strategies, cube, interval, samples, seed, progress)
    said = caveats(strategies, cube, profile, rejects, chosen)
    currency = common_currency([strategy.currency for strategy in strategies])
    with progress.step("drawing the charts"), currency_label(currency):
        page, footer = _page(scenarios, baselines, cube, title, generated, profile, sweep, said)
    with progress.step("bundling the chart library"):
        bundle = javascript_bundle()
    return page.render(bundle, footer)


def _page(
    scenarios: list[Scenario],
    baselines: list[Scenario],
    cube: Cube,
    title: str | None,
    generated: datetime | None,
    profile: InspectResult | None,
    sweep: SweepResult | SweepGrid | None = None,
    said: list[str] | None = None,
) -> tuple[Page, str]:
    """The page's blocks and charts, and its footer; ``said``, the run's caveats."""

    generated = generated or datetime.now()
    meta = cube.meta
    first = meta.first_timestamp[:10] if meta.first_timestamp else "?"
    last = meta.last_timestamp[:10] if meta.last_timestamp else "?"
    minutes = sorted({s.interval_minutes for s in scenarios})
    periods = len(meta.period_starts)
    span = counted(periods, meta.period)
    covered = scenarios[0].result.periods
    if any(period.partial for period in covered):
        # Ten days of March are not "1 month" of history, nor 56 days "3 months".
        span = f"{counted(sum(period.days for period in covered), 'day')} in {span}"
    subtitle = (
        f"<b>{meta.rows_used:,}</b> contacts of <b>{meta.customers:,}</b> customers, "
        f"<b>{esc(first)}</b> to <b>{esc(last)}</b> ({esc(span)}) · {len(scenarios)} "
        f"{plural(len(scenarios), 'strategy', 'strategies')} against today's channels · "
        f"data: {esc(meta.file)}"
    )
    page = Page(title=title or DEFAULT_TITLE, subtitle_html=subtitle)
    if said:
        page.add(caveats_section(said))

    # -- at a glance
    page.add("<h2>At a glance</h2>")
    page.add(
        '<p class="lead">Each strategy replayed on the real contact history and compared with '
        "today: the channels offered now, no steering, the same costs.</p>"
    )
    colors = charts.strategy_colors(len(scenarios))
    # What is one strategy's carries its currency; what sets strategies side by side
    # carries the one they share, or none.
    cards, readings = [], []
    for scenario, color in zip(scenarios, colors, strict=True):
        with currency_label(scenario.strategy.currency):
            cards.append(card(scenario, color))
            readings.append(reading(scenario.result))
    page.add(f'<div class="cards">{"".join(cards)}</div>')
    page.add(f'<div class="reading">{"".join(readings)}</div>')
    if len(scenarios) > 1:
        page.tables([comparison_section([s.view for s in scenarios])])
    else:
        page.tables([text.totals_section(scenarios[0].view)])

    # -- over time
    every = [*baselines, *scenarios]
    names = [s.name for s in every]
    periods = periods_frame(every)
    page.add("<h2>Cost and coverage over time</h2>")
    lines = [
        # metric, its label, number format, title, caption
        ("cost", money_title("Cost"), ",.0f", "Cost",
         "Everything the channels cost in each period: agents, per-contact costs, fixed "
         "costs and incentives. Ramps make a push strategy's saving grow over time."
         + _same_as_baseline(scenarios, baselines)),
        ("coverage", "Contacts served", ".1%", "Contacts served",
         "Share of the period's contacts that still reach an offered channel (the rest are "
         "lost when a retired channel's fallback does not take them)."),
    ]  # fmt: skip
    for metric, label, number, title, caption in lines:
        spec = charts.period_lines(periods, metric, label, number, names, len(baselines))
        key, title = f"{metric}-per-period", f"{title} per {meta.period}"
        page.chart(Chart(key=key, title=title, spec=spec, caption=caption))

    # -- channels
    volumes = volumes_frame([*baselines[:1], *scenarios])
    volume_names = [baselines[0].name, *[s.name for s in scenarios]]
    channel_names = [c.channel for c in scenarios[0].result.channels]
    page.add("<h2>Channels before and after</h2>")
    page.chart(
        Chart(
            key="channel-volumes",
            title="Contacts per channel",
            spec=charts.volume_bars(volumes, volume_names),
            caption="Today's contacts per channel (baseline) and what each channel handles under "
            "each strategy, after shifts, fallbacks and repeat contacts, over the whole history.",
        )
    )
    page.chart(
        Chart(
            key="cost-by-channel",
            title="Where the money goes",
            spec=charts.cost_stack(cost_frame(every), names, channel_names),
            caption="Total cost over the whole history, split by channel.",
        )
    )

    # -- one section per strategy
    span = _history_span(sum(weekday_counts_for(cube).values()))
    for index, scenario in enumerate(scenarios):
        with currency_label(scenario.strategy.currency):
            _strategy_section(page, scenario, index, colors[index], cube, profile, sweep, span)

    footer = (
        f"Made by cx {esc(__version__)} on {generated:%Y-%m-%d %H:%M}. Figures are expected "
        "values from replaying the contact history against each strategy; staffing by Erlang C "
        f"per {'/'.join(str(m) for m in minutes)}-minute interval. The baseline is today: the "
        "channels seen in the data, no shifts, the same catalog costs."
    )
    return page, footer


def _strategy_section(
    page: Page,
    scenario: Scenario,
    index: int,
    color: str,
    cube: Cube,
    profile: InspectResult | None,
    sweep: SweepResult | SweepGrid | None,
    span: str,
) -> None:
    """The strategy's own section: its reading, charts, tables and assumptions."""
    result = scenario.result
    page.add(f'<section class="strategy" id="strategy-{index + 1}">')
    page.add(
        f'<h2>{esc(scenario.name)} <span class="tag">{esc(result.strategy.kind)}</span></h2>'
    )
    if scenario.strategy.description:
        page.add(f'<p class="lead">{esc(scenario.strategy.description)}</p>')
    page.add(f'<div class="reading">{reading(result)}</div>')
    _uncertainty_charts(page, scenario, index, color)
    if index == 0 and sweep is not None:
        add_sweep(page, sweep, color)
    guards = text.guards_section(result)
    page.tables([text.totals_section(scenario.view), *([guards] if guards else [])])
    page.add("<h3>Assumptions</h3>")
    page.add(
        '<p class="lead">What these figures rest on: each input of the strategy, where it '
        "came from, and what the data says about it.</p>"
    )
    for section in assumptions_sections(scenario.strategy, result, cube, profile):
        page.tables([section])
    page.tables([text.channels_section(result), text.dilution_section(result)])
    for extra in (text.hours_section(result), text.outcomes_section(scenario.view)):
        if extra is not None:
            page.tables([extra])
    week = staffing_week(scenario, cube)
    if week.height:
        page.chart(
            Chart(
                key=f"staffing-{index + 1}",
                title="Agents scheduled per hour of the week",
                spec=charts.staffing_heatmap(week, WEEKDAYS),
                caption=f"Mean agents scheduled (shrinkage included) in each hour of the week "
                f"over the {span} of history, staffed per "
                f"{scenario.interval_minutes}-minute interval by Erlang C to each channel's "
                "service level. Each channel has its own colour scale.",
            )
        )
    page.tables([text.periods_section(result)])
    page.add("</section>")


def _uncertainty_charts(page: Page, scenario: Scenario, index: int, color: str) -> None:
    """The band of a strategy's cost against today over its draws, and the tornado of
    the keys that move it, where the strategy declares what is uncertain."""
    bands = scenario.result.totals.bands
    if bands is not None:
        page.chart(
            Chart(
                key=f"bands-{index + 1}",
                title="How sure is the saving?",
                spec=charts.cost_band(
                    bands_frame(scenario.result, scenario.baseline_costs), color
                ),
                caption="Cost against today when the strategy's uncertain assumptions are "
                "drawn at random within their ranges, for all channels and then for each "
                "channel: the bar holds 90 of 100 draws (5th to 95th percentile), the tick is "
                "the median draw, the diamond the figure at the values written in the "
                f"strategy. {_draws_saving(bands)}",
            )
        )
    if scenario.sensitivity is not None and scenario.sensitivity.keys:
        page.chart(
            Chart(
                key=f"tornado-{index + 1}",
                title="Which assumption matters most",
                spec=charts.tornado(tornado_frame(scenario.sensitivity), color),
                caption="Cost against today with each uncertain assumption alone at its low "
                "and at its high (a bell curve at its 5th and 95th percentile), the others "
                "as written: each bar runs from the figure at the low (its grey half) to the "
                "figure at the high, so that its length is the swing, the largest on top; "
                "the dashed line is the figure at the written values "
                f"({money(scenario.sensitivity.base)}).",
            )
        )


def _history_span(days: int) -> str:
    """The history's length as the heat map's mean is taken over: ``26 weeks``, or in
    days when it is under two weeks (a history of 3 days is not "0 weeks")."""
    if days >= 14:
        return f"{days / 7:.0f} weeks"
    return f"{days} {plural(days, 'day')}"


def weekday_counts_for(cube: Cube) -> dict[int, int]:
    meta = cube.meta
    if meta.first_timestamp is None or meta.last_timestamp is None:
        return {}
    return weekday_counts(
        datetime.fromisoformat(meta.first_timestamp).date(),
        datetime.fromisoformat(meta.last_timestamp).date(),
    )
