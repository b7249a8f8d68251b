"""What a run's figures must be read with: the data's notes and the strategies' warnings.

Worded once, here: the command line says them on stderr, and the HTML report lists
the same sentences under its "Caveats" for the people who never see the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cx.models.vocabulary import counted, plural

if TYPE_CHECKING:
    import polars as pl

    from cx.data.cube import Cube, DataMeta
    from cx.models.inspect import InspectResult
    from cx.models.strategy import Strategy


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
            f"row exactly; {plural(meta.duplicate_rows, 'it is', 'they are')} counted as "
            f"{plural(meta.duplicate_rows, 'a contact', 'contacts')} (remove "
            f"{plural(meta.duplicate_rows, 'it', 'them')} from the export if "
            f"{plural(meta.duplicate_rows, 'it is a copy', 'they are copies')})"
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


def caveats(
    strategies: list[Strategy],
    cube: Cube,
    profile: InspectResult | None = None,
    rejects: str | Path | None = None,
) -> list[str]:
    """Every note and warning of a run of ``strategies`` on ``cube``, once each: the
    data's notes, the data profile's warnings, the strategies' warnings."""
    said = [
        *data_notes(cube.meta, rejects),
        *(profile.warnings if profile is not None else []),
        *strategy_warnings(strategies, cube),
    ]
    return list(dict.fromkeys(said))
