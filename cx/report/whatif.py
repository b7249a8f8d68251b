"""The report's what-if: a sweep of the first strategy over one key (a line) or two (a
heat map), with the sentence that says where the saving is largest."""

from __future__ import annotations

from cx.models.result import SweepGrid, SweepResult
from cx.render.sections import money
from cx.render.verdict import against_today, cost_change
from cx.report import charts
from cx.report.data import sweep_frame
from cx.report.html import Chart, Page, esc


def add_sweep(page: Page, sweep: SweepResult | SweepGrid, color: str) -> None:
    """The sweep's chart and its reading, under the strategy's other charts."""
    keys = sweep.swept_keys
    frame = sweep_frame(sweep)
    question = f"What if {keys[0]} changes?"
    if isinstance(sweep, SweepGrid):
        spec = charts.sweep_heatmap(frame, keys)
        question = f"What if {keys[0]} and {keys[1]} change?"
        caption = (
            f"Cost against today of {sweep.strategy} at every pair of values of {keys[0]} "
            f"(rows) and {keys[1]} (columns), the rest of the strategy as written: the "
            "darker the cell, the more it saves; the outlined cell saves most."
        )
    else:
        spec = charts.sweep_line(frame, keys[0], color)
        caption = (
            f"Cost against today of {sweep.strategy} at each value of {keys[0]}, the rest "
            "of the strategy as written (negative: it saves); the ringed point saves most."
        )
    page.add(f'<div class="reading"><p>{sweep_reading(sweep)}</p></div>')
    page.chart(Chart(key="sweep-1", title=question, spec=spec, caption=caption))


def _at(keys: list[str], values: list[float | int | str]) -> str:
    return " and ".join(
        f"<code>{esc(key)}</code> is {esc(str(value))}"
        for key, value in zip(keys, values, strict=True)
    )


def sweep_reading(sweep: SweepResult | SweepGrid) -> str:
    """Where the saving is largest and smallest, how often the strategy saves, and, for
    a grid, which of the two keys moves the cost more (HTML)."""
    keys = sweep.swept_keys
    points = sweep.points()
    ordered = sorted(points, key=lambda point: point[1].totals.cost_delta)
    (best_at, best), (worst_at, worst) = ordered[0], ordered[-1]
    # "Saves" as the sentence writes it (and the verdict): a saving written 0.00 is none.
    saving = sum(1 for _, result in points if cost_change(result.totals) == "less")
    tried = "combinations" if len(keys) == 2 else "values"
    name = esc(sweep.strategy)
    if cost_change(best.totals) == "less":
        text = f"<b>{name}</b> saves most when {_at(keys, best_at)}: "
        text += f"it then {against_today(best.totals)}. "
    else:
        text = f"<b>{name}</b> costs no less than today at any of the {tried} tried; least "
        text += f"when {_at(keys, best_at)}: it then {against_today(best.totals)}. "
    if len(points) > 1:
        text += f"At the other end, when {_at(keys, worst_at)}, it {against_today(worst.totals)}. "
    if saving == len(points) > 1:
        text += f"It saves money at every one of the {len(points)} {tried} tried."
    else:
        text += f"It saves money at {saving} of the {len(points)} {tried} tried."
    if isinstance(sweep, SweepGrid):
        text += " " + _which_key_matters(sweep)
    return text


def _which_key_matters(grid: SweepGrid) -> str:
    """The key whose values move the cost more, the other held: the mean over the
    other key's values of the distance between its cheapest and dearest point."""
    deltas = [[result.totals.cost_delta for result in row] for row in grid.grid()]
    down = [max(column) - min(column) for column in zip(*deltas, strict=True)]
    across = [max(row) - min(row) for row in deltas]
    swings = [sum(down) / len(down), sum(across) / len(across)]
    first = 0 if swings[0] >= swings[1] else 1
    more, less = (f"<code>{esc(grid.keys[i])}</code>" for i in (first, 1 - first))
    if swings[1 - first] >= 0.95 * swings[first]:
        return (
            f"Over the values tried, {more} and {less} move the cost about as much: by "
            f"{money(swings[first])} and {money(swings[1 - first])} on average from their "
            "cheapest to their dearest value."
        )
    return (
        f"Over the values tried, {more} moves the cost more: by {money(swings[first])} on "
        f"average from its cheapest to its dearest value, against "
        f"{money(swings[1 - first])} for {less}."
    )
