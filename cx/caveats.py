"""What a run's figures must be read with: the notes on strategies side by side, the
data's notes and the strategies' warnings.

Worded once, here: the command line says them on stderr and gives them to scripts in
its JSON (``caveats``), and the HTML report lists the same sentences under its
"Caveats" for the people who never see the terminal.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from cx.models.vocabulary import counted, mixed_currencies, plural

if TYPE_CHECKING:
    import polars as pl

    from cx.data.cube import Cube, DataMeta
    from cx.models.inspect import InspectResult
    from cx.models.strategy import Strategy


#: The settings the data is scanned with, once for every strategy, and the option that
#: chooses each; without it, the first strategy's is every strategy's.
SCANNED_ONCE = {"period": "--period", "journeys.window_hours": "--journey-window"}

#: The parameter of :func:`cx.api.load_interactions` that chooses each of them for a
#: script, and what the note calls it.
LOADED_WITH = {
    "period": ("period", "period"),
    "journeys.window_hours": ("journey_window", "journey window"),
}


def currency_notes(strategies: list[Strategy]) -> list[str]:
    """A note when strategies side by side label money in different currencies: cx
    converts nothing, so their costs stand side by side as numbers, unlabelled."""
    named = mixed_currencies([strategy.currency for strategy in strategies])
    if named is None:
        return []
    return [
        f"the strategies label money in different currencies ({named}); cx converts "
        "nothing, so their costs are compared as plain numbers"
    ]


def scan_notes(strategies: list[Strategy], cube: Cube, chosen: Collection[str] = ()) -> list[str]:
    """A note naming the strategies evaluated on ``cube`` with a setting of the scan
    (:data:`SCANNED_ONCE`) other than their own: the period every strategy is evaluated
    per, and the hours of the journey window (where the cube has journeys). The cube's
    is the first strategy's (the command line's, unless an option chooses), or one a
    script loaded it with; none on a setting named in ``chosen`` (chosen for every
    strategy, as --period and --journey-window choose)."""
    if not strategies:
        return []
    first, said = strategies[0], []
    period = cube.meta.period
    if "period" not in chosen:
        differing = {strategy.name for strategy in strategies if strategy.period != period}
        firsts = first.period == period
        said += _scan_note(differing, f"is evaluated per {period}", "period", firsts)
    window = cube.outcomes.window_hours if cube.outcomes is not None else None
    if window is not None and "journeys.window_hours" not in chosen:
        differing = {s.name for s in strategies if s.journeys.window_hours != window}
        said += _scan_note(
            differing,
            f"follows journeys with a {window:g}-hour window",
            "journeys.window_hours",
            first.journeys.window_hours == window,
            _built_with_it(cube),
        )
    return said


def _built_with_it(cube: Cube) -> str | None:
    """How to choose another journey window when ``cube`` is a cube file: its journeys
    were cut when it was built, and a run follows them with no other window."""
    from cx.data.fine import is_cube_file

    if not is_cube_file(Path(cube.meta.file)):
        return None
    return "the cube file is cut with it: build one with `cx cube --journey-window HOURS`"


def _scan_note(
    differing: set[str], said: str, key: str, firsts: bool, choose: str | None = None
) -> list[str]:
    """The note on ``differing``, the strategies that set another ``key`` than every
    strategy's, the first one's (``firsts``) or the cube's; with how to ``choose``
    (default: the option of ``key``, or, the cube's, the parameter that loads it)."""
    if not differing:
        return []
    parameter, name = LOADED_WITH[key]
    whose = f"the first one's {key}" if firsts else f"the {name} the cube was loaded with"
    if choose is None and firsts:
        choose = f"use {SCANNED_ONCE[key]}"
    elif choose is None:
        choose = f"load the cube with cx.load_interactions(..., {parameter}=)"
    return [
        f"every strategy {said} ({whose}); {', '.join(sorted(differing))} "
        f"set another ({choose} to choose)"
    ]


def data_notes(meta: DataMeta, rejects: str | Path | None = None) -> list[str]:
    """What the scan has to say about the data: loose columns, short or empty periods,
    dates without a time of day, duplicates, rejected and dropped rows. ``rejects`` is
    the file the rejected rows were written to, if any (the note names it)."""
    from cx.data.fine import is_cube_file

    data = meta.file
    notes = [f"{data}: {text}" for text in meta.notes]
    if meta.duplicate_rows:
        notes.append(
            f"{data}: {counted(meta.duplicate_rows, 'row repeats', 'rows repeat')} an earlier "
            "row exactly; "
            + plural(
                meta.duplicate_rows,
                "it is counted as a contact (remove it from the export if it is a copy)",
                "they are counted as contacts (remove them from the export if they are copies)",
            )
        )
    sample = meta.rejects_sample
    first = sample.row(0, named=True) if sample.height else None
    if meta.rows_rejected:
        rejected = (
            f"{data}: {meta.rows_rejected:,} of {meta.rows_read:,} rows rejected "
            f"({meta.rows_rejected / meta.rows_read:.2%})"
        )
        if first is None:  # a cube file: it counts its rejected rows but holds none
            notes.append(f"{rejected} when the cube file was built")
        else:
            notes.append(
                f"{rejected}; first at line {first['line']}: {first['reject_reason']}"
                + (f"; all written to {rejects}" if rejects else "; --rejects FILE lists them all")
            )
    if rejects is not None and first is None and is_cube_file(Path(data)):
        notes.append(f"{data}: a cube file holds no rejected rows: --rejects writes nothing")
    if meta.rows_dropped:
        notes.append(
            f"{data}: {counted(meta.rows_dropped, 'row')} dropped by the mapping's `drop:` "
            "(not counted, not rejected)"
        )
    return notes


def strategy_warnings(strategies: list[Strategy], cube: Cube) -> list[str]:
    """Each at the line of the strategy file it is about, once: the shift rules that take
    no contact of the data (a value in another case, a channel the data lacks, no
    follow-ups), which move nothing and save nothing; the rules whose ramp does not
    finish within the data; the `min_agents` floors the plan holds nowhere."""
    from cx.replay.needs import uses_step
    from cx.replay.rules import idle_rules, unfinished_ramps
    from cx.staffing.plan import floors_held_nowhere

    def demand_of(strategy: Strategy) -> pl.DataFrame:
        """The cube's demand, by journey step too where the strategy's rules need it."""
        if cube.outcomes is not None and uses_step(strategy):
            return cube.outcomes.demand
        return cube.demand

    warnings = [
        strategy.position(("shifts", number)).finding(said, f"shifts.{number}").format()
        for strategy in strategies
        for number, said in [
            *idle_rules(strategy, demand_of(strategy)),
            *unfinished_ramps(strategy, cube.meta.period_labels),
        ]
    ]
    warnings += [
        strategy.position(("channels", name, "min_agents"))
        .finding(said, f"channels.{name}.min_agents")
        .format()
        for strategy in strategies
        for name, said in floors_held_nowhere(strategy)
    ]
    return list(dict.fromkeys(warnings))  # a base two strategies extend: said once


#: How stderr labels a caveat that is a warning (the JSON and the page do not).
WARNING = "warning: "


def labelled_caveats(
    strategies: list[Strategy],
    cube: Cube,
    profile: InspectResult | None = None,
    rejects: str | Path | None = None,
    chosen: Collection[str] = (),
) -> list[tuple[str, str]]:
    """Every note and warning of a run of ``strategies`` on ``cube``, once each, in the
    order the command line says them, each after the label stderr gives it (:data:`WARNING`
    or none): the currencies of strategies side by side (:func:`currency_notes`), the
    settings of the scan every strategy is evaluated with (:func:`scan_notes`, ``chosen``
    as there), the data's notes, the data profile's warnings, the strategies'
    warnings."""
    said = [
        *((WARNING, text) for text in currency_notes(strategies)),
        *(("", text) for text in scan_notes(strategies, cube, chosen)),
        *(("", text) for text in data_notes(cube.meta, rejects)),
        *((WARNING, text) for text in (profile.warnings if profile is not None else [])),
        *((WARNING, text) for text in strategy_warnings(strategies, cube)),
    ]
    labels: dict[str, str] = {}
    for label, text in said:
        labels.setdefault(text, label)
    return [(label, text) for text, label in labels.items()]


def caveats(
    strategies: list[Strategy],
    cube: Cube,
    profile: InspectResult | None = None,
    rejects: str | Path | None = None,
    chosen: Collection[str] = (),
) -> list[str]:
    """The sentences of :func:`labelled_caveats`, without their labels: what the JSON
    gives as ``caveats`` and the report lists under its "Caveats"."""
    return [text for _, text in labelled_caveats(strategies, cube, profile, rejects, chosen)]
