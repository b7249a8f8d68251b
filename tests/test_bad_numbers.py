"""Every number a user gives cx is finite, a real number and within bounds, or a clear
error (README, "Numbers"): strategy values, --set, --agents, --set-range,
--journey-window, --interval, --max-reject-rate, cx generate and the Python API.

Runs go through the real command line (typer's CliRunner); each bad input must give
its exit code, a message naming the file (and line) or option, no traceback and
nothing on stdout.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import one_error_line, run_cx
from hypothesis import given, settings
from hypothesis import strategies as st

import cx
from cx.errors import CxError, InputError, StrategyError, UsageError
from cx.guards import MAX_GUARD_LENGTH, GuardSyntaxError, parse_guard
from cx.models.numbers import MAX_AGENTS, parse_number
from cx.staffing.erlang import check_plan_size

CORPUS = Path(__file__).parent / "corpus"
REPO = Path(__file__).parent.parent

# line 3 of the strategy written by `strategy_file`: the phone channel, one line
PHONE_LINE = 3


def run(*args: object) -> Any:
    result = run_cx(*args)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def usage_error(result: Any, option: str) -> str:
    """A refused option value: exit 2, stdout empty, the option named on stderr."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert option in result.stderr, result.stderr
    return result.stderr


def strategy_text(phone: str = "handle_time: 360, hourly_cost: 32", extra: str = "") -> str:
    return (
        "name: n\n"
        "kind: follow\n"
        f"channels: {{phone: {{mode: live, {phone}}},\n"
        "  chat: {mode: live, handle_time: 540, concurrency: 2, hourly_cost: 30},\n"
        "  email: {mode: async, handle_time: 420, hourly_cost: 28},\n"
        "  web: {mode: self_service, cost_per_contact: 0.1}}\n"
        f"{extra}"
    )


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(CORPUS / "data" / "good.csv", tmp_path / "data.csv")
    (tmp_path / "s.yaml").write_text(strategy_text(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_strategy(work: Path, phone: str, extra: str = "") -> Path:
    path = work / "bad.yaml"
    path.write_text(strategy_text(phone, extra), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- strategy files

BAD_PHONE_VALUES = [
    ("max_occupancy: .nan", "max_occupancy", "not NaN or infinity"),
    ("max_occupancy: .inf", "max_occupancy", "not NaN or infinity"),
    ("max_occupancy: 1e999", "max_occupancy", "not NaN or infinity"),
    ("max_occupancy: 1e-300", "max_occupancy", "greater than or equal to 0.05"),
    ("max_occupancy: 0", "max_occupancy", "greater than or equal to 0.05"),
    ("max_occupancy: -0.0", "max_occupancy", "greater than or equal to 0.05"),
    ("max_occupancy: 1.01", "max_occupancy", "less than or equal to 1"),
    ("max_occupancy: true", "max_occupancy", "true is a yes/no value, not a number"),
    ('max_occupancy: "0.5"', "max_occupancy", "text is not a number"),
    ("max_occupancy: ²", "max_occupancy", "superscript two"),
    ("max_occupancy: ٣", "max_occupancy", "arabic-indic digit three"),
    ("max_occupancy: ５", "max_occupancy", "fullwidth digit five"),
    ("shrinkage: 0.96", "shrinkage", "less than or equal to 0.95"),
    ("shrinkage: 1", "shrinkage", "less than or equal to 0.95"),
    ("shrinkage: -0.1", "shrinkage", "greater than or equal to 0"),
    ("concurrency: 0.5", "concurrency", "greater than or equal to 1"),
    ("concurrency: 51", "concurrency", "less than or equal to 50"),
    ("handle_time: 1e300", "handle_time", "less than or equal to 86400"),
    ("handle_time: 0", "handle_time", "greater than or equal to 1"),
    ("handle_time: 1e-300", "handle_time", "greater than or equal to 1"),
    ("handle_time: .nan", "handle_time", "not NaN or infinity"),
    ("min_agents: 1e9", "min_agents", "less than or equal to 10000"),
    ("min_agents: 2.5", "min_agents", "fractional part"),
    ("min_agents: true", "min_agents", "yes/no value"),
    ("min_agents: -1", "min_agents", "greater than or equal to 0"),
    ("hourly_cost: 1e300", "hourly_cost", "less than or equal to 10000000"),
    ("hourly_cost: -1", "hourly_cost", "greater than or equal to 0"),
    ("hourly_cost: .nan", "hourly_cost", "not NaN or infinity"),
    ("cost_per_contact: 1e8", "cost_per_contact", "less than or equal to 10000000"),
    ("fixed_cost: 1e11", "fixed_cost", "less than or equal to 10000000000"),
    ("patience: 0", "patience", "greater than or equal to 1"),
    ("patience: 86401", "patience", "less than or equal to 86400"),
    ("satisfaction: .nan", "satisfaction", "not NaN or infinity"),
    ("service_level: {target: 1, within: 20}", "service_level.target", "less than 1"),
    ("service_level: {target: true, within: 20}", "service_level.target", "yes/no"),
    ("service_level: {target: 0.8, within: 1e9}", "service_level.within", "less than"),
]


@pytest.mark.parametrize(("phone", "field", "message"), BAD_PHONE_VALUES)
def test_bad_strategy_number_is_a_validate_finding(
    work: Path, phone: str, field: str, message: str
) -> None:
    path = write_strategy(
        work, f"handle_time: 360, {phone}" if "handle_time" not in phone else phone
    )
    result = run("validate", path)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert f"bad.yaml:{PHONE_LINE}:" in result.stdout
    assert f"channels.phone.{field}: " in result.stdout
    assert message in result.stdout


@pytest.mark.parametrize(
    ("phone", "message"),
    [("max_occupancy: 1e-300", "0.05"), ("max_occupancy: .nan", "NaN"), ("min_agents: 1e9", "")],
)
def test_bad_strategy_number_stops_simulate(work: Path, phone: str, message: str) -> None:
    path = write_strategy(work, f"handle_time: 360, {phone}")
    line = one_error_line(run("simulate", path, "--data", "data.csv"))
    assert f"bad.yaml:{PHONE_LINE}:" in line and message in line


@pytest.mark.parametrize(
    ("extra", "where", "message"),
    [
        ("journeys: {window_hours: -1}\n", "journeys.window_hours", "greater than or equal"),
        ("journeys: {window_hours: 1e9}\n", "journeys.window_hours", "less than or equal"),
        ("dilution: {subscale_agents: .inf}\n", "dilution.subscale_agents", "NaN"),
        ("staffing: {interval: true}\n", "staffing.interval", "15, 30 or 60"),
        ("version: true\n", "version", "yes/no"),
    ],
)
def test_bad_top_level_numbers(work: Path, extra: str, where: str, message: str) -> None:
    result = run("validate", write_strategy(work, "handle_time: 360", extra))
    assert result.exit_code == 1, result.stdout
    assert "bad.yaml:7:" in result.stdout and where in result.stdout
    assert message in result.stdout


def push_strategy(to: str, ramp: str = "") -> dict[str, Any]:
    return {
        "name": "p",
        "kind": "push",
        "channels": {
            "phone": {"mode": "live", "handle_time": 360, "hourly_cost": 32},
            "web": {"mode": "self_service"},
        },
        "shifts": [{"from": "phone", "to": {"web": to}, **({"ramp": ramp} if ramp else {})}],
    }


@pytest.mark.parametrize(
    ("share", "message"),
    [
        (True, "yes/no"),
        ("0.5", "text is not a number"),
        (float("nan"), "NaN"),
        (float("inf"), "NaN"),
        (1.5, "less than or equal to 1"),
        ("٠٫٥", "arabic-indic"),
    ],
)
def test_api_shares_are_numbers_not_booleans_or_text(share: object, message: str) -> None:
    with pytest.raises(StrategyError) as raised:
        cx.load_strategy(push_strategy(share))  # type: ignore[arg-type]
    assert "shifts.0.to.web" in str(raised.value)
    assert message in str(raised.value)


def test_uncertainty_ranges_are_numbers_not_booleans_or_text(work: Path) -> None:
    extra = (
        'uncertainty:\n  volume: {low: "0.9", high: true}\n'
        "  channels.phone.hourly_cost: {mean: 32, sd: yes}\n"
    )
    write_strategy(work, "handle_time: 360, hourly_cost: 32", extra)
    result = run("validate", "bad.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:3] == [
        "bad.yaml:8:12: uncertainty.volume.low: text is not a number; "
        "write the number without quotes (got '0.9')",
        "bad.yaml:8:24: uncertainty.volume.high: true is a yes/no value, not a number "
        "(got True)",
        "bad.yaml:9:42: uncertainty.channels.phone.hourly_cost.sd: true is a yes/no value, "
        "not a number (got True)",
    ]


@pytest.mark.parametrize(
    ("written", "advice"),
    [
        ('"0.4"', "write the number without quotes (got '0.4')"),
        ("40%", "write 40% as a fraction: 0.4 (got '40%')"),
        ("12.5 %", "write 12.5 % as a fraction: 0.125 (got '12.5 %')"),
        ("85pc", "write it with the digits 0-9 alone, no unit or separator (got '85pc')"),
    ],
)
def test_a_share_written_as_text_says_how_to_write_it(
    work: Path, written: str, advice: str
) -> None:
    # `40%` has no quotes to remove: the advice is the fraction it means.
    write_strategy(work, f"handle_time: 360, hourly_cost: 32, max_occupancy: {written}")
    result = run("validate", "bad.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "bad.yaml:3:67: channels.phone.max_occupancy: "
        f"text is not a number; {advice}"
    )


def test_a_share_written_as_a_percentage_says_it_is_a_fraction(work: Path) -> None:
    write_strategy(work, "handle_time: 360, hourly_cost: 32, max_occupancy: 85")
    result = run("validate", "bad.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "bad.yaml:3:67: channels.phone.max_occupancy: input should be less than or equal "
        "to 1 (got 85) (hint: shares and probabilities are fractions from 0 to 1: "
        "85 % is 0.85)"
    )
    setting = "channels.phone.shrinkage=30"
    override = run("simulate", "s.yaml", "--data", "data.csv", "--set", setting)
    assert one_error_line(override) == (
        f"error: --set {setting}: channels.phone.shrinkage: input should be less than or "
        "equal to 0.95 (got 30) (hint: shares and probabilities are fractions from 0 to 1: "
        "30 % is 0.3)"
    )


@pytest.mark.parametrize(
    ("extra", "value"),
    [("hourly_cost: 1e300", "1e+300"), ("concurrency: 60", "60"), ("shrinkage: 1", "1")],
)
def test_a_number_above_a_bound_other_than_a_share_has_no_percentage_hint(
    work: Path, extra: str, value: str
) -> None:
    write_strategy(work, f"handle_time: 360, {extra}")
    result = run("validate", "bad.yaml")
    assert result.exit_code == 1
    assert f"(got {value})" in result.stdout
    assert "fraction" not in result.stdout


@pytest.mark.parametrize("share", [0, 1, 0.5, 1e-1])
def test_whole_and_decimal_shares_are_fine(share: float) -> None:
    strategy = cx.load_strategy(push_strategy(share))  # type: ignore[arg-type]
    assert strategy.shifts[0].to["web"] == share


def test_numbers_at_the_bounds_are_accepted(work: Path) -> None:
    phone = (
        "handle_time: 86400, hourly_cost: 1e7, cost_per_contact: 0, fixed_cost: 1e10, "
        "max_occupancy: 0.05, shrinkage: 0.95, concurrency: 50, min_agents: 10000, "
        "patience: 86400, service_level: {target: 0.99, within: 0}"
    )
    result = run("validate", write_strategy(work, phone))
    assert result.exit_code == 0, result.stdout


def test_exponent_without_a_dot_is_a_number() -> None:
    # YAML 1.1 reads `1e3` as text; cx reads it as the number everyone means.
    strategy = cx.load_strategy(
        {"name": "n", "kind": "follow", "channels": {"phone": {"mode": "live"}}},
        overrides=["channels.phone.handle_time=1e3", "channels.phone.max_occupancy=5e-1"],
    )
    assert strategy.channels["phone"].handle_time == 1000.0
    assert strategy.channels["phone"].max_occupancy == 0.5


def test_quoted_exponent_stays_text(work: Path) -> None:
    result = run("validate", write_strategy(work, 'handle_time: "1e3"'))
    assert result.exit_code == 1
    assert "text is not a number" in result.stdout


@settings(max_examples=200, deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.booleans())
def test_max_occupancy_is_in_bounds_or_refused(value: object) -> None:
    data = {"name": "n", "kind": "follow", "channels": {"phone": {"mode": "live"}}}
    data["channels"]["phone"]["max_occupancy"] = value  # type: ignore[index]
    try:
        strategy = cx.load_strategy(data)
    except StrategyError as error:
        assert "channels.phone.max_occupancy" in str(error)
        return
    accepted = strategy.channels["phone"].max_occupancy
    assert not isinstance(value, bool)
    assert math.isfinite(accepted) and 0.05 <= accepted <= 1.0


# --------------------------------------------------------------------------- --set


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("channels.phone.handle_time=.nan", "NaN"),
        ("channels.phone.handle_time=nan", "not NaN or infinity"),
        ("channels.phone.handle_time=٣", "arabic-indic digit three"),
        ("channels.phone.handle_time=1e300", "86400"),
        ("channels.phone.shrinkage=true", "yes/no"),
        ("channels.phone.min_agents=1e9", "10000"),
        ("shifts.².to.web=0.5", "shifts"),
        ("shifts.٣.to.web=0.5", "shifts"),
        # no uncertainty in the file: nothing to list, and the hint says so
        ("uncertainty.volume.low=0.5", "(hint: uncertainty has no keys here to change)"),
    ],
)
def test_bad_set_values(work: Path, assignment: str, message: str) -> None:
    line = one_error_line(run("simulate", "s.yaml", "--data", "data.csv", "--set", assignment))
    assert f"--set {assignment}" in line and message in line


# --------------------------------------------------------------------------- --agents


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("phone=²", "superscript two"),
        ("phone=٣", "arabic-indic digit three"),
        ("phone=５", "fullwidth digit five"),
        ("phone=1000000000", f"0 to {MAX_AGENTS:,}"),
        ("phone=-1", f"0 to {MAX_AGENTS:,}"),
        ("phone=1e3", "not a whole number"),
        ("phone=nan", "not a whole number"),
        ("phone=", "not a whole number"),
    ],
)
def test_bad_agents(work: Path, value: str, message: str) -> None:
    line = one_error_line(run("simulate", "s.yaml", "--data", "data.csv", "--agents", value))
    assert "--agents phone" in line and message in line


@pytest.mark.parametrize("count", [float("nan"), float("inf"), 10**9, True, 2.5, -1, "3"])
def test_api_agents_are_checked(work: Path, count: object) -> None:
    strategy = cx.load_strategy("s.yaml")
    cube = cx.load_interactions("data.csv")
    with pytest.raises(InputError, match="whole number from 0 to 100,000"):
        cx.simulate(strategy, cube, agents={"phone": count})  # type: ignore[dict-item]


def test_most_agents_allowed_finishes(work: Path) -> None:
    # Erlang walks up to N: the cap keeps a fixed staffing to one bounded pass.
    result = run(
        "simulate",
        "s.yaml",
        "--data",
        "data.csv",
        "--agents",
        f"phone={MAX_AGENTS}",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr


# --------------------------------------------------------------------------- --set-range


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("0:10:0", "must count up"),
        ("0:10:-1", "must count up"),
        ("0:10:nan", "NaN and infinity are not allowed"),
        ("0:10:inf", "NaN and infinity are not allowed"),
        ("0:٣:1", "arabic-indic digit three"),
        ("0:10000000:1", "10,000,001 steps, more than 1,000"),
        ("0:1e300:1e-300", "too many steps"),
        ("0:1e300:1", "about 1e+300 steps, more than 1,000"),
        ("0:1e999:1", "too large"),
        ("1e-320:1e-319:1e-320", "its values would repeat"),  # ten steps that all read 0.0
        (  # the key is min_agents, a count: the range's numbers are read before the key
            "0:60%:10%",
            "'60%' is not a number (hint: write a share as a fraction (60% is 0.6), any "
            "other value without %)",
        ),
    ],
)
def test_bad_set_range(work: Path, spec: str, message: str) -> None:
    line = one_error_line(
        run(
            "sweep",
            "s.yaml",
            "--data",
            "data.csv",
            "--set-range",
            f"channels.phone.min_agents={spec}",
        )
    )
    assert "--set-range" in line and message in line


def test_set_range_values_go_through_the_strategy_bounds(work: Path) -> None:
    line = one_error_line(
        run(
            "sweep",
            "s.yaml",
            "--data",
            "data.csv",
            "--set-range",
            "channels.phone.max_occupancy=0:1:0.5",
        )
    )
    assert "max_occupancy" in line and "0.05" in line


# --------------------------------------------------------------------------- other options


@pytest.mark.parametrize("hours", ["nan", "inf", "-1", "1e9", "٣"])
def test_bad_journey_window(work: Path, hours: str) -> None:
    usage_error(
        run("simulate", "s.yaml", "--data", "data.csv", "--journey-window", hours),
        "--journey-window",
    )


@pytest.mark.parametrize(
    ("command", "hours", "problem"),
    [
        (["inspect"], "-1", "journey window of -1 hours is negative"),
        (["simulate", "s.yaml"], "1e9", "journey window of 1000000000 hours is more than a year"),
        (["cube", "-o", "cube.parquet"], "nan", "journey window nan is not a finite number"),
    ],
)
def test_a_refused_journey_window_says_what_is_allowed(
    work: Path, command: list[str], hours: str, problem: str
) -> None:
    # The hours allowed, not only where the help is ("see 'cx inspect -h'").
    line = one_error_line(run(*command, "--data", "data.csv", "--journey-window", hours))
    assert line.startswith(f"error: Invalid value for '--journey-window': {problem}")
    assert line.endswith("(hint: use 0 to 8,760 hours, a year; the default is 72)")


@pytest.mark.parametrize("hours", [0.0, 8760.0])
def test_journey_window_bounds_are_inclusive(work: Path, hours: float) -> None:
    result = run(
        "simulate", "s.yaml", "--data", "data.csv", "--journey-window", hours, "--format", "json"
    )
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("hours", "error"),
    [(float("nan"), InputError), (-1.0, InputError), (1e9, InputError), (True, UsageError)],
)
def test_api_journey_window(work: Path, hours: float, error: type[CxError]) -> None:
    # a value out of bounds is bad input; a value of the wrong type is a usage mistake
    with pytest.raises(error, match=r"journey[ _]window"):
        cx.load_interactions("data.csv", outcomes=True, journey_window=hours)


@pytest.mark.parametrize("interval", ["６0", "45", "1e9"])
def test_bad_interval(work: Path, interval: str) -> None:
    usage_error(
        run("simulate", "s.yaml", "--data", "data.csv", "--interval", interval), "--interval"
    )


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [("--interval", "5%", "is not a whole number: '5%' (hint: use 15, 30 or 60 minutes)"),
     ("--interval", "abc", "is not a whole number: 'abc' (hint: use 15, 30 or 60 minutes)"),
     ("--interval", "7", "7 is not 15, 30 or 60 minutes (hint: use 15, 30 or 60)"),
     ("--samples", "ten", "is not a whole number: 'ten' (hint: write a whole number with "
      "the digits 0-9)"),
     ("--max-reject-rate", "low", "is not a number: 'low' (hint: write a number with the "
      "digits 0-9)")],
)  # fmt: skip
def test_an_option_number_that_is_no_number_is_said_in_cx_words(
    work: Path, option: str, value: str, said: str
) -> None:
    # Not Typer's "Input should be a valid integer, unable to parse string as an integer".
    line = one_error_line(run("simulate", "s.yaml", "--data", "data.csv", option, value))
    assert line == f"error: {option} {said}"


def test_an_interval_in_quotes_is_named_text(work: Path) -> None:
    write_strategy(work, "handle_time: 360", 'staffing: {interval: "30"}\n')
    result = run("validate", "bad.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "bad.yaml:7:12: staffing.interval: input should be 15, 30 or 60 (got '30') "
        "(hint: '30' is text in quotes: write 30 without quotes)"
    )
    override = run("simulate", "s.yaml", "--data", "data.csv", "--set", 'staffing.interval="15"')
    assert one_error_line(override).endswith(
        "(got '15') (hint: '15' is text in quotes: write 15 without quotes)"
    )


@pytest.mark.parametrize("interval", ['"45"', '"abc"', "45"])
def test_an_interval_that_is_no_choice_has_no_quotes_hint(work: Path, interval: str) -> None:
    override = run(
        "simulate", "s.yaml", "--data", "data.csv", "--set", f"staffing.interval={interval}"
    )
    assert "hint" not in one_error_line(override)


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("nan", "nan is not a number"),
        ("NaN", "nan is not a number"),
        ("inf", "inf is not a share from 0 to 1"),
        ("-0.1", "-0.1 is not a share from 0 to 1"),
        ("2", "2 is not a share from 0 to 1"),
        ("٠", "contains '٠' (arabic-indic digit zero)"),
    ],
)
def test_bad_max_reject_rate(work: Path, rate: str, message: str) -> None:
    stderr = usage_error(
        run("inspect", "--data", "data.csv", "--max-reject-rate", rate), "--max-reject-rate"
    )
    assert message in stderr


@pytest.mark.parametrize(
    ("rate", "message"),
    [("2", "2 is not a share from 0 to 1"), ("-0.5", "-0.5 is not a share from 0 to 1"),
     ("inf", "inf is not a share from 0 to 1"), ("nan", "nan is not a number")],
)  # fmt: skip
def test_a_share_out_of_range_is_told_the_range(work: Path, rate: str, message: str) -> None:
    """A share above 1 said only where the help is; the hint now says what it takes."""
    refused = run("simulate", "s.yaml", "--data", "data.csv", "--max-reject-rate", rate)
    assert one_error_line(refused) == (
        f"error: Invalid value for '--max-reject-rate': {message} "
        "(hint: use 0 to 1, e.g. 0.05)"
    )


@pytest.mark.parametrize(
    ("rate", "error"),
    [(float("nan"), InputError), (2.0, InputError), (True, UsageError), ("0.1", UsageError)],
)
def test_api_max_reject_rate(work: Path, rate: object, error: type[CxError]) -> None:
    with pytest.raises(error, match="max_reject_rate"):
        cx.load_interactions("data.csv", max_reject_rate=rate)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rows", "100000000"], "rows 100000000 is not a whole number from 0 to 50,000,000"),
        (["--seed", "-1"], "seed -1"),
        (["--days", "100000000"], "days 100000000 is not a whole number from 1 to 3,660"),
        (["--days", "10", "--start", "9999-12-30"], "not all within 1980-01-01 to 2099-12-31"),
        (["--start", "２０２４-01-01"], "is not a date"),
    ],
)
def test_bad_generate_options(work: Path, args: list[str], message: str) -> None:
    line = one_error_line(run("generate", "-o", "out.csv", *args))
    assert message in line
    assert not (work / "out.csv").exists()


def test_a_generate_start_before_1980_says_the_first_day_allowed(work: Path) -> None:
    line = one_error_line(run("generate", "-o", "out.csv", "--start", "1979-12-31"))
    assert line == (
        "error: 182 days from 1979-12-31 are not all within 1980-01-01 to 2099-12-31, the "
        "days cx reads timestamps in (hint: start on 1980-01-01 or later)"
    )
    assert not (work / "out.csv").exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [("--journey-window", "1_0"), ("--interval", "1_5"), ("--max-reject-rate", "0_1"),
     ("--seed", "1_0"), ("--samples", "1_0")],
)  # fmt: skip
def test_an_option_number_with_an_underscore_is_refused(
    work: Path, option: str, value: str
) -> None:
    # Python reads 1_5 as 15; a person writing it meant something else, or a typo.
    line = one_error_line(run("simulate", "s.yaml", "--data", "data.csv", option, value))
    assert f"{option} is not a number: '{value}' holds '_'" in line


@pytest.mark.parametrize(
    ("command", "option", "value", "named"),
    [(["simulate", "s.yaml"], "--max-reject-rate", "０.５", "'０' (fullwidth digit zero)"),
     (["simulate", "s.yaml"], "--journey-window", "٣", "'٣' (arabic-indic digit three)"),
     (["simulate", "s.yaml"], "--seed", "²", "'²' (superscript two)"),
     (["generate", "-o", "out.csv"], "--rows", "５", "'５' (fullwidth digit five)")],
)  # fmt: skip
def test_an_option_number_in_other_digits_names_the_digit(
    work: Path, command: list[str], option: str, value: str, named: str
) -> None:
    """It was 'Invalid value for '--seed': Input should be a valid integer, unable to
    parse string as an integer', as if the number were not one at all."""
    args = [] if command[0] == "generate" else ["--data", "data.csv"]
    line = one_error_line(run(*command, *args, option, value))
    assert line == (
        f"error: {option} is not a number: '{value}' contains {named} "
        "(hint: write numbers with the digits 0-9)"
    )


@pytest.mark.parametrize(
    ("command", "option", "value", "fraction"),
    [(["simulate", "s.yaml"], "--max-reject-rate", "5%", "0.05"),
     (["cube", "-o", "cube.parquet"], "--max-reject-rate", " 0.5%", "0.005")],
)  # fmt: skip
def test_an_option_percentage_gets_the_fraction_to_write(
    work: Path, command: list[str], option: str, value: str, fraction: str
) -> None:
    # As --set and a strategy file say it, not "unable to parse string as a number".
    line = one_error_line(run(*command, "--data", "data.csv", option, value))
    percent = value.strip()
    assert line == (
        f"error: {option} is not a number: '{value}' "
        f"(hint: write {percent} as a fraction: {fraction})"
    )


def test_a_percentage_of_a_value_that_is_no_share_is_told_to_drop_the_percent(
    work: Path,
) -> None:
    # Hours, seconds and money are no shares: "write 40% as a fraction: 0.4" would
    # make a 40-second handle time 0.4 seconds.
    line = one_error_line(run("inspect", "--data", "data.csv", "--journey-window", "5%"))
    assert line == (
        "error: --journey-window is not a number: '5%' "
        "(hint: it is not a share: write the number alone, without %)"
    )
    for key, alone in [("handle_time", "; or input should be 'by_hour'"), ("hourly_cost", "")]:
        set_ = f"channels.phone.{key}=40%"
        line = one_error_line(run("simulate", "s.yaml", "--data", "data.csv", "--set", set_))
        assert line == (
            f"error: --set {set_}: channels.phone.{key}: text is not a number; it is not a "
            f"share: write the number alone, without %{alone} (got '40%')"
        )
    # A share still gets its fraction.
    line = one_error_line(
        run("simulate", "s.yaml", "--data", "data.csv", "--set", "channels.phone.shrinkage=30%")
    )
    assert line.endswith("text is not a number; write 30% as a fraction: 0.3 (got '30%')")


@pytest.mark.parametrize("rows", ["５", "1e6", "-1"])
def test_bad_generate_rows(work: Path, rows: str) -> None:
    usage_error(run("generate", "-o", "out.csv", "--rows", rows), "--rows")
    assert not (work / "out.csv").exists()


# --------------------------------------------------------------------------- guards


@pytest.mark.parametrize(
    "expr",
    [
        "(" * 50_000,
        "a" * 50_000 + "!",
        "coverage >= " + "1" * 50_000 + "x",
        "coverage" + " " * 50_000 + ">= 1 x",
        "(" * 1000 + ")" * 1000,
    ],
)
def test_long_guards_are_refused_before_matching(expr: str) -> None:
    with pytest.raises(GuardSyntaxError, match=f"more than {MAX_GUARD_LENGTH:,}"):
        parse_guard(expr, ["phone"])


@pytest.mark.parametrize(
    "expr",
    [
        "coverage >= " + "1" * 980 + "x",
        "coverage" + " " * 980 + ">= 1 x",
        "coverage >= 1" + " " * 980 + "x",
        "a" * 999 + "!",
        "channels." + "a." * 490 + "x >= 1",
    ],
)
def test_adversarial_guards_within_the_length_are_refused(expr: str) -> None:
    assert len(expr) <= MAX_GUARD_LENGTH
    with pytest.raises(GuardSyntaxError):
        parse_guard(expr, ["phone"])


@pytest.mark.parametrize("expr", ["coverage >= ٣", "coverage >= ０.9", "coverage >= nan"])
def test_guard_numbers_are_ascii(expr: str) -> None:
    with pytest.raises(GuardSyntaxError, match="cannot parse guard"):
        parse_guard(expr, ["phone"])


def test_guard_numbers_are_finite() -> None:
    with pytest.raises(GuardSyntaxError, match="too large"):
        parse_guard("cost <= 1e999", ["phone"])


def test_guard_threshold_hand_computed() -> None:
    assert parse_guard("coverage >= 95 %", ["phone"]).threshold == pytest.approx(0.95)
    assert parse_guard("cost <= 1.5e3", ["phone"]).threshold == 1500.0


def test_long_guard_is_a_validate_finding(work: Path) -> None:
    path = write_strategy(work, "handle_time: 360", "guards:\n  - '" + "(" * 50_000 + "'\n")
    result = run("validate", path)
    assert result.exit_code == 1
    assert "bad.yaml:8:5: guards.0: guard is 50,000 characters long, more than 1,000" in (
        result.stdout
    )


# --------------------------------------------------------------------------- bounded work


def test_a_plan_beyond_any_contact_centre_is_refused(work: Path) -> None:
    # 250 phone calls in one hour, each a day long: A = 250 * 86400 / 3600 = 6,000
    # erlangs; at most 5 % occupancy that is 6,000 / 0.05 = 120,000 agents.
    rows = "".join(f"c{i},2024-01-01T09:00:00,phone,retail,balance,60\n" for i in range(250))
    (work / "busy.csv").write_text(
        "customer_id,timestamp,channel,segment,intent,handle_time\n" + rows, encoding="utf-8"
    )
    path = write_strategy(work, "handle_time: 86400, hourly_cost: 1, max_occupancy: 0.05")
    line = one_error_line(run("simulate", path, "--data", "busy.csv"))
    assert "channel 'phone' would need 120,000 agents in one interval, more than 100,000" in line


def test_check_plan_size_counts_the_peak_interval() -> None:
    check_plan_size("phone", [10.0, 5_000.0], 0.05)  # 100,000 agents: the most allowed
    with pytest.raises(InputError, match="100,001 agents"):
        check_plan_size("phone", [10.0, 5_000.05], 0.05)


@pytest.mark.parametrize("load", [1e300, math.inf, 5e13])
def test_an_absurd_plan_is_refused_without_a_number_of_hundreds_of_digits(load: float) -> None:
    with pytest.raises(InputError) as refused:
        check_plan_size("phone", [load], 0.5)
    assert "channel 'phone' would need over a trillion agents in one interval" in str(refused.value)
    assert len(str(refused.value)) < 300


# --------------------------------------------------------------------------- parse_number


@pytest.mark.parametrize(
    "text", ["²", "٣", "５", "nan", "inf", "-inf", "", " ", "1,5", "0x10", "1e999"]
)
def test_parse_number_refuses(text: str) -> None:
    with pytest.raises(InputError):
        parse_number(text, "--x")


@pytest.mark.parametrize(
    ("text", "value"), [("1", 1.0), (" 2.5 ", 2.5), ("1e3", 1000.0), ("-.5", -0.5)]
)
def test_parse_number_reads(text: str, value: float) -> None:
    assert parse_number(text, "--x") == value


@given(st.text(max_size=40))
def test_parse_number_is_finite_or_an_input_error(text: str) -> None:
    try:
        value = parse_number(text, "--x")
    except InputError:
        return
    assert math.isfinite(value)
    assert text.strip().isascii()


# --------------------------------------------------------------------------- shipped files


def test_shipped_strategies_still_validate() -> None:
    folders = [REPO / "strategies", REPO / "bench" / "strategies", REPO / "examples"]
    files = [f for folder in folders if folder.is_dir() for f in sorted(folder.rglob("*.yaml"))]
    strategies = [f for f in files if "kind:" in f.read_text(encoding="utf-8")]
    assert strategies
    result = run("validate", *strategies)
    assert result.exit_code == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- long text


def test_long_digit_strings_are_refused_not_crashed(work: Path) -> None:
    # int() refuses more than 4,300 digits with a ValueError: cx says what is wrong.
    line = one_error_line(
        run("simulate", "s.yaml", "--data", "data.csv", "--agents", "phone=" + "9" * 5000)
    )
    assert "5,000 characters long, not a whole number" in line
    with pytest.raises(InputError, match="characters long"):
        parse_number("1" * 200_000 + "x", "--x")


@pytest.mark.parametrize("value", ["1" * 200_000 + "x", "9" * 5000, "1" * 100_000 + "e"])
def test_long_plain_yaml_numbers_are_findings(work: Path, value: str) -> None:
    # Matched in linear time: a quadratic pattern would not finish on these.
    result = run("validate", write_strategy(work, f"handle_time: {value}"))
    assert result.exit_code == 1, result.stdout + result.stderr
    assert f"bad.yaml:{PHONE_LINE}:" in result.stdout
