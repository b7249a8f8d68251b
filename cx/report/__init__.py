"""The HTML report (`cx report`): one self-contained page for people who decide.

The chart library (Altair, with ``vl-convert-python`` for the inlined Vega
JavaScript) is an optional extra: ``pip install 'cx[report]'``. It is imported
only when a report is built; :func:`require_chart_library` says clearly what is
missing.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

from cx.errors import InputError
from cx.models.vocabulary import plural

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from pathlib import Path

    from cx.data.cube import Cube
    from cx.models.inspect import InspectResult
    from cx.models.progress import Progress
    from cx.models.result import SweepGrid, SweepResult
    from cx.models.strategy import Strategy

__all__ = ["CHART_LIBRARY", "build_report", "require_chart_library"]


#: The module that draws the charts: about 0.15 s of imports, which the command line
#: makes while the data is read.
CHART_LIBRARY = "altair"
#: The report's optional packages, by module.
CHART_PACKAGES = {CHART_LIBRARY: "altair", "vl_convert": "vl-convert-python"}
INSTALL_HINT = "install the report extra: pip install 'cx[report]'"


def require_chart_library() -> None:
    """Raise a clear :class:`InputError` if the report's optional packages are missing
    (found without importing them: the report imports them once it draws)."""
    missing = [package for module, package in CHART_PACKAGES.items() if not _installed(module)]
    if missing:
        raise InputError(
            f"cx report needs the optional {plural(len(missing), 'package')} {', '.join(missing)}",
            hint=INSTALL_HINT,
        )


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent that fails to import, a broken entry
        return False


def build_report(
    strategies: list[Strategy],
    cube: Cube,
    interval: int | None = None,
    title: str | None = None,
    generated: datetime | None = None,
    profile: InspectResult | None = None,
    progress: Progress | None = None,
    samples: int = 0,
    seed: int = 0,
    sweep: SweepResult | SweepGrid | None = None,
    rejects: str | Path | None = None,
    chosen: Iterable[str] = (),
) -> str:
    """Evaluate ``strategies`` on ``cube`` and return the report page as one HTML string.

    ``profile`` (from :func:`cx.api.inspect_interactions` on the same data) adds what the
    data says about each shift rule's containment assumption. The steps (loading the
    chart library, evaluating, drawing the charts, bundling the chart code) are
    reported to ``progress``.

    With ``samples`` > 0, each strategy with an ``uncertainty:`` block is also evaluated
    at that many draws drawn with ``seed`` (as :func:`cx.api.evaluate`): the page draws
    its band of cost against today and a tornado of what moves it most.

    ``sweep`` (:func:`cx.api.sweep` of the first strategy, over one key or two) adds to
    that strategy's section its cost against today over the values swept: a line for
    one key, a heat map for two, and a sentence saying where it saves most.

    The page opens with its "Caveats" where there are any: the notes on strategies side
    by side, the data's notes, the profile's warnings and the strategies' warnings, the
    sentences the command line says on stderr (:func:`cx.api.caveats` gives them to a
    script; ``rejects`` and ``chosen`` as there).
    """
    from datetime import datetime

    from cx import api_checks as check
    from cx.caveats import SCANNED_ONCE
    from cx.models.numbers import MAX_SEED
    from cx.models.result import SweepGrid, SweepResult

    strategies = check.require_strategies(strategies)
    cube = check.require_cube(cube)
    interval = check.require_interval(interval)
    if title is not None:
        title = check.require_text(title, "title")
    if generated is not None and not isinstance(generated, datetime):
        raise check.wrong("generated", "None or a datetime", generated)
    profile = check.require_profile(profile)
    progress = check.require_progress(progress)
    samples = check.require_samples(samples)
    seed = check.require_whole(seed, "seed", 0, MAX_SEED)
    if sweep is not None and not isinstance(sweep, SweepResult | SweepGrid):
        raise check.wrong("sweep", "None or a result of cx.api.sweep", sweep)
    if sweep is not None and not sweep.steps:
        raise InputError("sweep has no steps", hint="sweep at least one value")
    rejects = check.require_optional_path(rejects, "rejects")
    chosen = check.require_names(chosen, "chosen", SCANNED_ONCE)
    with progress.step("loading the chart library"):
        require_chart_library()
        try:
            from cx.report.build import build
        except ImportError as error:  # installed, but it does not import
            raise InputError(
                f"cx report cannot import its chart library: {error}", hint=INSTALL_HINT
            ) from None

    return build(
        strategies,
        cube,
        interval=interval,
        title=title,
        generated=generated,
        profile=profile,
        progress=progress,
        samples=samples,
        seed=seed,
        sweep=sweep,
        rejects=rejects,
        chosen=chosen,
    )
