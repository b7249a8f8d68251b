"""Side-by-side views: `cx compare` (strategies as columns) and `cx sweep` (steps as rows,
or a grid of two keys)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.bar import Bar
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cx.models.result import TOTAL_FIGURES, Comparison, Result, SweepGrid, SweepResult, Totals
from cx.render.formats import csv_text
from cx.render.numbers import (
    as_written,
    band,
    common_currency,
    currency_label,
    money_change,
)
from cx.render.safe import plain
from cx.render.sections import Section, count, money, number, percent
from cx.render.verdict import verdict
from cx.render.views import (
    SimulationView,
    distinct_names,
    sections_markdown,
    sections_renderable,
    side_by_side,
)

BEST_MARK = " ★"
#: Totals that are shares: charted as percentages.
SHARE_METRICS = frozenset({"coverage", "preferred_coverage", "customer_coverage"})

# metric, label, formatter, which value is best (min / max / None for neutral)
COMPARE_ROWS: list[tuple[str, str, Callable[[float | None], str], str | None]] = [
    ("cost", "Cost", money, "min"),
    ("cost_delta", "Cost vs baseline", money_change, "min"),
    ("cost_per_contact", "Cost per contact", money, "min"),
    ("coverage", "Coverage", percent, "max"),
    ("preferred_coverage", "Preferred-channel coverage", percent, "max"),
    ("customer_coverage", "Customer coverage", percent, "max"),
    ("handled", "Handled", count, None),
    ("lost", "Lost", count, "min"),
    ("repeats", "Repeats", count, "min"),
    ("agent_hours", "Agent-hours", count, "min"),
    ("effective_channels", "Effective channels", number, None),
    ("pooling_overhead", "Pooling overhead", percent, "min"),
    ("floor_waste", "Floor waste", percent, "min"),
]
# Shown when the results carry journeys and outcomes (§10).
OUTCOME_COMPARE_ROWS: list[tuple[str, str, Callable[[float | None], str], str | None]] = [
    ("contacts_per_journey", "Contacts per journey", number, "min"),
    ("cost_per_journey", "Cost per journey", money, "min"),
    ("satisfaction", "Satisfaction", number, "max"),
]


def _has_outcomes(totals: list[Totals]) -> bool:
    return any(t.journeys is not None or t.satisfaction is not None for t in totals)


def _best(
    values: list[float | None], direction: str | None, formatter: Callable[[float], str]
) -> set[int]:
    """Where the best of ``values`` is, as ``formatter`` writes them: of figures that
    read alike, none is starred over the others; none at all when all read alike."""
    present = [(as_written(v, formatter), i) for i, v in enumerate(values) if v is not None]
    if direction is None or len(present) < 2:
        return set()
    target = min(v for v, _ in present) if direction == "min" else max(v for v, _ in present)
    if all(abs(v - target) < 1e-9 for v, _ in present):
        return set()
    return {i for v, i in present if abs(v - target) < 1e-9}


def comparison_section(views: Sequence[SimulationView]) -> Section:
    results = [view.result for view in views]
    baseline: Totals | None = views[0].baseline if views else None
    header = ["Metric", *[r.strategy.name for r in results], "Baseline"]
    rows = []
    starred = False
    specs = COMPARE_ROWS
    if _has_outcomes([r.totals for r in results]):
        specs = [*COMPARE_ROWS, *OUTCOME_COMPARE_ROWS]
    for key, label, formatter, direction in specs:
        values = [getattr(r.totals, key) for r in results]
        base = getattr(baseline, key) if baseline is not None else None
        best = _best([*values, base], direction, formatter)
        starred = starred or bool(best)
        cells = [
            formatter(value) + (BEST_MARK if index in best else "")
            for index, value in enumerate([*values, base])
        ]
        rows.append([label, *cells])
    notes = [f"{BEST_MARK.strip()} best value in the row."] if starred else []
    if any(r.totals.bands is not None for r in results):
        banded_row, overlap = _banded_saving(results)
        rows.append(banded_row)
        notes.append(overlap)
    guards = [_guards_cell(r) for r in results]
    rows.append(["Guards", *guards, "–"])
    baselines_differ = baseline is not None and any(
        abs(view.baseline.cost - baseline.cost) > 1e-6 for view in views
    )
    if baselines_differ:
        notes.append(
            "Strategies use different catalogs: the baseline column is the first one's, and "
            "each strategy's cost vs baseline is against today costed with its own catalog."
        )
    note = " ".join(notes) or None
    return Section(
        title="Comparison", header=header, rows=rows, note=note, rows_are_metrics=True
    )


def _banded_saving(results: list[Result]) -> tuple[list[str], str]:
    """The row of cost vs baseline at the median draw with its band, strategies ranked by
    it (1 saves most), and which strategies' bands overlap (their order may not hold)."""
    medians = [
        r.totals.bands.cost_delta.p50 if r.totals.bands is not None else r.totals.cost_delta
        for r in results
    ]
    order = sorted(range(len(results)), key=lambda i: medians[i])
    rank = {index: place + 1 for place, index in enumerate(order)}
    cells = []
    for index, result in enumerate(results):
        bands = result.totals.bands
        text = money_change(medians[index])
        if bands is not None:
            text = band(text, bands.cost_delta.p5, bands.cost_delta.p95, money)
        cells.append(f"#{rank[index]} {text}")
    pairs = [
        f"{results[a].strategy.name} and {results[b].strategy.name}"
        for position, a in enumerate(order)
        for b in order[position + 1 :]
        if _overlap(results[a].totals, results[b].totals)
    ]
    overlap = (
        "Median cost vs baseline over the draws (5th … 95th percentile; one figure where "
        "both are written the same), ranked; bands "
        + ("overlap: " + "; ".join(pairs) + "." if pairs else "do not overlap.")
    )
    return ["Cost vs baseline, median draw", *cells, "–"], overlap


def _overlap(first: Totals, second: Totals) -> bool:
    def spread(totals: Totals) -> tuple[float, float]:
        bands = totals.bands
        if bands is None:
            return totals.cost_delta, totals.cost_delta
        return bands.cost_delta.p5, bands.cost_delta.p95

    (low_a, high_a), (low_b, high_b) = spread(first), spread(second)
    return low_a <= high_b and low_b <= high_a


def _guards_cell(result: Result) -> str:
    if not result.guards:
        return "–"
    passed = sum(1 for g in result.guards if g.ok)
    return f"{passed}/{len(result.guards)} pass"


def _currency(results: Sequence[Result]) -> str | None:
    return common_currency([result.strategy.currency for result in results])


def comparison_renderable(views: Sequence[SimulationView]) -> RenderableType:
    views = side_by_side(views)
    with currency_label(_currency([view.result for view in views])):
        return sections_renderable(
            [comparison_section(views)], [verdict(view.result).text() for view in views]
        )


def comparison_markdown(views: Sequence[SimulationView]) -> str:
    views = side_by_side(views)
    with currency_label(_currency([view.result for view in views])):
        return sections_markdown(
            "cx compare",
            [comparison_section(views)],
            [verdict(view.result).text() for view in views],
        )


def comparison_csv(comparison: Comparison) -> str:
    """One row per strategy, named as the table and the workbook name it
    (:func:`distinct_names`), so two that share a `name:` are two rows one can tell apart."""
    keys = list(TOTAL_FIGURES)
    results = comparison.results
    names = distinct_names([r.strategy.name for r in results])
    rows = [
        [name, r.strategy.kind, *[getattr(r.totals, k) for k in keys], r.guards_ok]
        for name, r in zip(names, results, strict=True)
    ]
    return csv_text(["strategy", "kind", *keys, "guards_ok"], rows)


# ----------------------------------------------------------------------------- sweep

SWEEP_COLUMNS: list[tuple[str, str, Callable[[float | None], str]]] = [
    ("cost", "Cost", money),
    ("cost_delta", "Δ cost", money_change),
    ("coverage", "Cover.", percent),
    ("lost", "Lost", count),
    ("repeats", "Repeats", count),
    ("agent_hours", "Agent h", count),
    ("effective_channels", "Eff. ch.", number),
]


SWEEP_OUTCOME_COLUMNS: list[tuple[str, str, Callable[[float | None], str]]] = [
    ("cost_per_journey", "Cost/jrn", money),
    ("satisfaction", "Satisf.", number),
]


def sweep_section(sweep: SweepResult) -> Section:
    columns = SWEEP_COLUMNS
    if _has_outcomes([step.result.totals for step in sweep.steps]):
        # Outcomes take the effective-channels column's place, so the table fits 80 columns.
        columns = [*SWEEP_COLUMNS[:-1], *SWEEP_OUTCOME_COLUMNS]
    rows = [
        [str(step.value), *[f(getattr(step.result.totals, key)) for key, _, f in columns]]
        for step in sweep.steps
    ]
    return Section(
        title=f"Sweep of {sweep.key} ({sweep.strategy})",
        header=[sweep.key.rsplit(".", 1)[-1], *[label for _, label, _ in columns]],
        rows=rows,
    )


def sweep_chart(sweep: SweepResult, metric: str = "cost") -> Table:
    """Horizontal bars of one metric per step; the bars shrink (down to 8 columns) so
    that the figures beside them stay whole in a narrow terminal."""
    values = [float(getattr(step.result.totals, metric) or 0.0) for step in sweep.steps]
    low = min(0.0, *values)
    high = max(values) if values else 1.0
    formatter = percent if metric in SHARE_METRICS else money
    steps = [plain(str(step.value)) for step in sweep.steps]
    figures = [plain(formatter(value)) for value in values]
    table = Table(
        title=plain(f"{metric} by {sweep.key}"),
        title_justify="left",
        box=None,
        show_header=False,
    )
    table.add_column(
        "value", justify="right", no_wrap=True, min_width=max(t.cell_len for t in steps)
    )
    table.add_column("bar", min_width=8, max_width=48)  # the column that gives way
    table.add_column(
        "figure", justify="right", no_wrap=True, min_width=max(t.cell_len for t in figures)
    )
    for step, value, shown in zip(steps, values, figures, strict=True):
        bar = Bar(size=high - low or 1.0, begin=0, end=value - low, color="cyan")
        table.add_row(step, bar, shown)
    return table


def sweep_renderable(sweep: SweepResult, chart: bool) -> RenderableType:
    with currency_label(_currency([step.result for step in sweep.steps])):
        table = sections_renderable([sweep_section(sweep)])
    if not chart:
        return table
    return Group(table, Text(""), sweep_chart(sweep, "cost"), Text(""), sweep_chart_pct(sweep))


def sweep_chart_pct(sweep: SweepResult) -> Table:
    return sweep_chart(sweep, "coverage")


def sweep_csv(sweep: SweepResult) -> str:
    keys = list(TOTAL_FIGURES)
    rows = [
        [sweep.key, step.value, *[getattr(step.result.totals, k) for k in keys]]
        for step in sweep.steps
    ]
    return csv_text(["key", "value", *keys], rows)


def sweep_markdown(sweep: SweepResult) -> str:
    with currency_label(_currency([step.result for step in sweep.steps])):
        return sections_markdown("cx sweep", [sweep_section(sweep)])


# ----------------------------------------------------------------------------- grid

#: The figures a grid of two keys can show, the first by default (as `cx sensitivity`).
GRID_METRICS = ("cost_delta", "cost", "coverage", "agent_hours")
_GRID_ROWS = {key: (label, f, best) for key, label, f, best in COMPARE_ROWS if key in GRID_METRICS}


def grid_section(grid: SweepGrid, metric: str = GRID_METRICS[0]) -> Section:
    """One figure at every point: the first key's values as rows, the second's as
    columns, the best point marked."""
    label, formatter, direction = _GRID_ROWS[metric]
    first, second = grid.keys
    results = grid.grid()
    values = [getattr(result.totals, metric) for row in results for result in row]
    best = _best(values, direction, formatter)
    width = len(grid.axis(1))
    rows = [
        [
            str(value),
            *[
                formatter(getattr(result.totals, metric))
                + (BEST_MARK if r * width + c in best else "")
                for c, result in enumerate(row)
            ],
        ]
        for r, (value, row) in enumerate(zip(grid.axis(0), results, strict=True))
    ]
    short = [key.rsplit(".", 1)[-1] for key in grid.keys]
    return Section(
        title=f"{label} of {grid.strategy}: {first} (rows) by {second} (columns)",
        header=[f"{short[0]} ↓ {short[1]} →", *[str(value) for value in grid.axis(1)]],
        rows=rows,
        note=f"{BEST_MARK.strip()} best value in the grid." if best else None,
    )


def grid_renderable(grid: SweepGrid, metric: str = GRID_METRICS[0]) -> RenderableType:
    with currency_label(_currency([result for _, result in grid.points()])):
        return sections_renderable([grid_section(grid, metric)])


def grid_markdown(grid: SweepGrid, metric: str = GRID_METRICS[0]) -> str:
    with currency_label(_currency([result for _, result in grid.points()])):
        return sections_markdown("cx sweep", [grid_section(grid, metric)])


def grid_csv(grid: SweepGrid) -> str:
    """One row per point: a column per key (named by it), then every total."""
    keys = list(TOTAL_FIGURES)
    rows = [
        [*values, *[getattr(result.totals, k) for k in keys]] for values, result in grid.points()
    ]
    return csv_text([*grid.keys, *keys], rows)
