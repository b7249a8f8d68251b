"""The `cx` command line: parse arguments, call the library, render. Nothing else.

Each command lives in its own module under ``cx.cli`` and is registered on ``app``
here, in one place. Heavy imports (Polars) happen inside the commands,
so ``cx --help`` and ``cx validate`` start fast.
"""

from __future__ import annotations

import difflib
import inspect
import re
import sys
from collections import Counter
from pathlib import PurePath
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from cx._version import __version__
from cx.errors import EXIT_INPUT, CxError, UsageError

#: The base of every error Typer raises while parsing a command line (bad option value,
#: missing argument, unknown option), whichever click Typer is built on.
_PARSE_ERROR: type[Exception] = next(
    base for base in typer.BadParameter.__mro__ if base.__name__ == "ClickException"
)


class _FlagsWithoutType:
    """A command (or the group of them) whose flags ``--help`` shows without a type:
    ``--quiet <bool>`` reads as an option that takes true or false, which a flag
    refuses."""

    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for parameter in self.params:
            _no_type_on_flag(parameter)
            _list_type_as_values(parameter)

    def get_help_option(self, ctx: Any) -> Any:
        return _no_type_on_flag(super().get_help_option(ctx))  # type: ignore[misc]


#: How Typer shows the type of a parameter that takes several values: ``<list[Path]>``.
_LIST_TYPE = re.compile(r"<list\[(\w+)\]>")


def _list_type_as_values(parameter: Any) -> None:
    """Show ``strategies... <path>...`` where Typer shows ``<list[Path]>``, a Python
    type a person does not write."""
    shown = parameter.display_type_rich

    def display_type_rich(ctx: Any) -> str | None:
        text = shown(ctx)
        listed = _LIST_TYPE.fullmatch(text or "")
        return f"<{listed[1].lower()}>..." if listed else text

    parameter.display_type_rich = display_type_rich


def _no_type_on_flag(parameter: Any) -> Any:
    if getattr(parameter, "is_flag", False) and parameter.metavar is None:
        parameter.metavar = ""
    return parameter


class _Commands(_FlagsWithoutType, TyperGroup):
    """cx's commands, whose command-line mistakes (``--samples -3``, a missing
    ``--data``) are one ``error:`` line with a hint and exit 2, like every other user
    error, not a usage box."""

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except _PARSE_ERROR as error:
            if type(error).__name__ != "NoArgsIsHelpError":  # bare `cx`: help is shown
                from cx.cli.common import report_error

                # A value refused with what is allowed says so; else where the help is.
                hint = getattr(error, "hint", None) or _help_hint(
                    error, [*self.commands], list(args or sys.argv[1:])
                )
                report_error(UsageError(_message(error), hint=hint))
            sys.exit(EXIT_INPUT)
        except CxError as error:  # a value refused as the command line is read
            from cx.cli.common import report_error

            report_error(error)
            sys.exit(error.exit_code)
        except typer.Abort:
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


class _Command(_FlagsWithoutType, TyperCommand):
    """A cx command, whose paths (arguments and options) refuse an empty path: Typer
    reads ``''`` as ``.``, so ``--data ''`` would read the working directory and
    ``cx validate ''`` every YAML file under it. Its numbers refuse ``_``: Python reads
    ``1_5`` as 15, which a person did not mean."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for parameter in self.params:
            parameter.process_value = _checked_values(parameter)  # type: ignore[method-assign]

    def make_parser(self, ctx: Any) -> Any:
        """The command line's parser, which refuses an option of one value given twice
        (``--data a.csv --data b.csv``): the last one would win without a word, the first
        one silently unused."""
        parser = super().make_parser(ctx)
        parse = parser.parse_args

        def parse_args(args: list[str]) -> Any:
            opts, rest, order = parse(args)
            _refuse_repeated(order)
            return opts, rest, order

        parser.parse_args = parse_args
        return parser


def _refuse_repeated(order: list[Any]) -> None:
    """Refuse an option that takes one value and is in ``order`` (the parameters as the
    command line gave them) more than once."""
    given = Counter(
        parameter
        for parameter in order
        if parameter.param_type_name == "option"
        and not (parameter.multiple or parameter.is_flag or parameter.count)
    )
    twice = [parameter for parameter, times in given.items() if times > 1]
    if twice:
        name = _shown_name(twice[0])
        raise UsageError(f"{name} is given {given[twice[0]]} times", hint=f"give {name} once")


def _checked_values(parameter: Any) -> Any:
    """``parameter.process_value``, refusing an empty string that would become a path, a
    number written with ``_`` and a percentage (``5%``) for a number, which is refused
    with the fraction to write as in a strategy file or ``--set``."""
    process = parameter.process_value

    def process_value(context: Any, value: Any) -> Any:
        given = value if isinstance(value, list | tuple) else [value]
        texts = [text for text in given if isinstance(text, str)]
        number = _number_type(parameter)
        spaced = [text for text in texts if "_" in text]
        if spaced and number is not None:
            raise UsageError(
                f"{_shown_name(parameter)} is not a number: {spaced[0]!r} holds '_'",
                hint="write numbers with the digits 0-9 only",
            )
        if number is not None:
            _refuse_foreign_digits(parameter, texts)
        if number == "float":
            _refuse_percentage(parameter, texts)
        try:
            converted = process(context, value)
        except typer.BadParameter:
            unread = next((text for text in texts if not _reads_as(number, text)), None)
            if unread is None:  # a callback's refusal, already in cx's words
                raise
            raise _not_a_number(parameter, unread, number) from None
        paths = converted if isinstance(converted, list | tuple) else [converted]
        if "" in given and any(isinstance(path, PurePath) for path in paths):
            raise UsageError(
                f"empty path given for {_shown_name(parameter)}",
                hint="name a file or directory",
            )
        return converted

    return process_value


def _refuse_foreign_digits(parameter: Any, texts: list[str]) -> None:
    """A number written with other digits than 0-9 (``０.５``, ``٣``), said as a
    strategy file's number is."""
    from cx.models.numbers import foreign_character

    for text in texts:
        foreign = foreign_character(text)
        if foreign is not None:
            raise UsageError(
                f"{_shown_name(parameter)} is not a number: {text!r} contains {foreign}",
                hint="write numbers with the digits 0-9",
            )


def _refuse_percentage(parameter: Any, texts: list[str]) -> None:
    """A percentage (``5%``): a share option is told the fraction to write, another one
    (``--journey-window``, in hours) to write the number alone."""
    from cx.cli.options import SHARE_OPTIONS
    from cx.models.numbers import percent_hint

    name = _shown_name(parameter)
    for text in texts:
        advice = percent_hint(text.strip(), share=name in SHARE_OPTIONS)
        if advice is not None:
            raise UsageError(f"{name} is not a number: {text!r}", hint=advice)


def _reads_as(number: str | None, text: str) -> bool:
    """Whether ``text`` reads as the option's ``number`` type (any text does for an
    option that takes no number)."""
    if number is None:
        return True
    try:
        (int if number == "int" else float)(text)
    except ValueError:
        return False
    return True


def _not_a_number(parameter: Any, text: str, number: str | None) -> UsageError:
    """``--interval abc``: said in cx's words, with the numbers the option takes, not
    as Typer's "Input should be a valid integer, unable to parse string as an integer"."""
    from cx.cli.options import NUMBER_CHOICES

    name = _shown_name(parameter)
    kind = "a whole number" if number == "int" else "a number"
    choices = NUMBER_CHOICES.get(name)
    hint = f"use {choices}" if choices else f"write {kind} with the digits 0-9"
    return UsageError(f"{name} is not {kind}: {text!r}", hint=hint)


def _number_type(parameter: Any) -> str | None:
    """``int`` or ``float`` for a ``parameter`` that reads a number (as Typer names its
    type), else None."""
    bare_type = getattr(parameter, "bare_type", None)
    kind = bare_type() if callable(bare_type) else None
    return kind if kind in ("int", "float") else None


def _shown_name(parameter: Any) -> str:
    """``--data`` for an option, ``STRATEGY`` for an argument."""
    if parameter.param_type_name == "option":
        return str(max(parameter.opts, key=len))
    return str(parameter.name).upper()


def _message(error: Exception) -> str:
    possible = getattr(error, "possibilities", None)
    if possible:
        error.possibilities = _close_options(str(getattr(error, "option_name", "")), possible)
    return str(getattr(error, "format_message", error.__str__)()).rstrip(".")


def _close_options(given: str, options: list[str]) -> list[str]:
    """The options close to ``given`` by their names: Click compares them with their
    dashes, which ``--channels`` and ``--help`` share, and offered ``--help`` for it."""
    names = {option.lstrip("-"): option for option in options}
    close = difflib.get_close_matches(given.lstrip("-"), list(names), n=len(names), cutoff=0.6)
    return [names[name] for name in close]


def _help_hint(error: Exception, commands: list[str], args: list[str]) -> str:
    """Where the options are: the help of the command the mistake is in."""
    context = getattr(error, "ctx", None)
    if context is not None and context.command_path != "cx":
        return f"see '{context.command_path} -h'"
    named = next((arg for arg in args if arg in commands), None)
    return f"see 'cx {named} -h'" if named else "see 'cx -h'"


app = typer.Typer(
    cls=_Commands,
    name="cx",
    help="Channel strategy toolkit: replay interaction history against follow and push "
    "strategies, and see cost, coverage and channel dilution.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cx {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """cx: channel strategy toolkit."""


from cx.cli import (  # noqa: E402  (after the app: commands import its options)
    cmd_check,
    cmd_compare,
    cmd_cube,
    cmd_explain,
    cmd_generate,
    cmd_init,
    cmd_inspect,
    cmd_report,
    cmd_schema,
    cmd_sensitivity,
    cmd_simulate,
    cmd_sweep,
    cmd_validate,
)

#: Every command of cx, registered here and nowhere else: no command module imports
#: the app.
COMMANDS = (
    cmd_check.check,
    cmd_compare.compare,
    cmd_cube.cube,
    cmd_explain.explain,
    cmd_generate.generate,
    cmd_init.init,
    cmd_inspect.inspect,
    cmd_report.report,
    cmd_schema.schema,
    cmd_sensitivity.sensitivity,
    cmd_simulate.simulate,
    cmd_sweep.sweep,
    cmd_validate.validate,
)


def _summary(command: Any) -> str:
    """A command's first paragraph as one line: the list of commands wraps it to the
    terminal's width, not where the docstring's lines happen to end."""
    first = inspect.getdoc(command).split("\n\n")[0]
    return " ".join(first.split())


for _command in COMMANDS:
    app.command(cls=_Command, short_help=_summary(_command))(_command)
