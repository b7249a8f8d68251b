"""Option groups shared by commands, declared once.

A group is a dataclass whose fields carry Typer annotations. ``@with_groups``
adds each group's fields to a command's signature (so Typer sees ordinary
options) and hands the command one object per group, so a command's own
signature lists only what is particular to it.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from cx.api_checks import ENCODINGS
from cx.cli.common import DebugOption, OutputFormat, OutputOption, QuietOption
from cx.errors import InputError
from cx.models.numbers import SHARE_RANGE, check_window_hours
from cx.models.vocabulary import DEFAULT_WINDOW_HOURS, INTERVALS, PERIODS, metavar, one_of

F = TypeVar("F", bound=Callable[..., Any])

#: What a number option takes when it is one of a few fixed numbers: said when the
#: text given is no number at all (``--interval 5%``).
NUMBER_CHOICES = {"--interval": f"{one_of(INTERVALS)} minutes"}
#: The number options that take a share (0 to 1): a percentage is told its fraction.
SHARE_OPTIONS = ("--max-reject-rate",)


def _share_in_bounds(rate: float) -> float:
    # A callback, not min/max: NaN is not a number, not a share above 1.
    if math.isnan(rate):
        refused = "nan is not a number"
    elif not 0.0 <= rate <= 1.0:
        refused = f"{rate:g} is not a share from 0 to 1"
    else:
        return rate
    raise refused_value(InputError(refused, hint=SHARE_RANGE))


MaxRejectRateOption = Annotated[
    float,
    typer.Option(
        "--max-reject-rate",
        callback=_share_in_bounds,
        help="Fail (exit 2) when more than this share of rows is rejected (0 to 1).",
    ),
]
RejectsOption = Annotated[
    Path | None, typer.Option("--rejects", help="Write every rejected row to this CSV file.")
]
EncodingOption = Annotated[
    str,
    typer.Option(
        "--encoding",
        metavar=metavar(ENCODINGS),
        help="utf8, or lossy to replace bytes that are not UTF-8.",
    ),
]


def _journey_window_in_bounds(hours: float | None) -> float | None:
    # A callback, not min/max: NaN must not pass, and the message is the library's.
    if hours is None:
        return None
    try:
        return check_window_hours(hours)
    except InputError as error:
        raise refused_value(error) from None


def refused_value(error: InputError) -> typer.BadParameter:
    """An option value the library refuses, said as Typer says a bad value, with the
    library's hint (what is allowed) rather than only where the help is."""
    refused = typer.BadParameter(error.message)
    refused.hint = error.hint  # type: ignore[attr-defined]
    return refused


def journey_window_option(default_note: str) -> Any:
    """The --journey-window option; ``default_note`` says where the default comes from."""
    return typer.Option(
        "--journey-window",
        callback=_journey_window_in_bounds,
        help="Hours between a customer's contacts that still continue a journey "
        f"({default_note}). Implies --outcomes.",
        show_default=False,
    )


@dataclass
class DataArgs:
    """Where the interactions come from and how to read them."""

    data: Annotated[
        Path,
        typer.Option(
            "--data",
            "-d",
            help="Interaction file (CSV, TSV, .csv.gz or Parquet).",
            show_default=False,
        ),
    ]
    columns: Annotated[
        Path | None,
        typer.Option("--columns", help="Mapping file that renames an export onto cx's columns."),
    ] = None
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            metavar=metavar(PERIODS),
            help=f"{one_of(PERIODS)}; overrides the strategy file.",
        ),
    ] = None
    rejects: RejectsOption = None
    max_reject_rate: MaxRejectRateOption = 0.01
    encoding: EncodingOption = "utf8"
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="Scan the data even if an unchanged cached cube exists."),
    ] = False
    outcomes: Annotated[
        bool,
        typer.Option(
            "--outcomes",
            help="Also count journeys, resolution and satisfaction (the rows are kept and "
            "sorted: more memory and time; on by itself when a strategy needs them).",
        ),
    ] = False
    journey_window: Annotated[
        float | None,
        journey_window_option(
            f"default: the strategy's journeys.window_hours, {DEFAULT_WINDOW_HOURS:g}"
        ),
    ] = None


@dataclass
class RunArgs:
    """How strategies are evaluated."""

    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="<KEY=VALUE>",
            help="Override a strategy value: KEY=VALUE (repeatable), e.g. shifts.0.to.web=0.5.",
        ),
    ] = None
    interval: Annotated[
        int | None,
        typer.Option("--interval", help=f"Staffing interval: {one_of(INTERVALS)} minutes."),
    ] = None


SamplesOption = Annotated[
    int | None,
    typer.Option(
        "--samples",
        min=0,
        help="Draws of the strategy's `uncertainty:` ranges for bands (default 1000 when "
        "it has them; 0: none).",
    ),
]
SeedOption = Annotated[
    int,
    typer.Option(
        "--seed",
        help="Seed of the replay's picks of contacts moved by rules and of the uncertainty "
        "draws: the same seed gives the same numbers.",
    ),
]
#: --seed of the commands without --replay (compare, report).
DrawSeedOption = Annotated[
    int,
    typer.Option(
        "--seed", help="Seed of the uncertainty draws: the same seed gives the same numbers."
    ),
]


@dataclass
class OutputArgs:
    """Where results go and how they look."""

    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table
    output: OutputOption = None
    quiet: QuietOption = False
    debug: DebugOption = False


def with_groups(**groups: type) -> Callable[[F], F]:
    """Expand option groups into the command's signature; pass them back as objects.

    ``@with_groups(source=DataArgs)`` on ``def cmd(x, source: DataArgs)`` gives a
    command with ``x`` plus every ``DataArgs`` option, called as
    ``cmd(x, source=DataArgs(...))``.
    """

    def decorate(function: F) -> F:
        signature = inspect.signature(function, eval_str=True)
        own = [p for name, p in signature.parameters.items() if name not in groups]
        added: list[inspect.Parameter] = []
        for group in groups.values():
            hints = typing.get_type_hints(group, include_extras=True)
            for field in dataclasses.fields(group):
                default = (
                    field.default
                    if field.default is not dataclasses.MISSING
                    else inspect.Parameter.empty
                )
                added.append(
                    inspect.Parameter(
                        field.name,
                        inspect.Parameter.KEYWORD_ONLY,
                        default=default,
                        annotation=hints[field.name],
                    )
                )

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for name, group in groups.items():
                values = {f.name: kwargs.pop(f.name) for f in dataclasses.fields(group)}
                kwargs[name] = group(**values)
            return function(*args, **kwargs)

        parameters = own + added
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        wrapper.__annotations__["return"] = signature.return_annotation
        return wrapper  # type: ignore[return-value]

    return decorate
