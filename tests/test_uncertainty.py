"""The `uncertainty:` block of a strategy (DESIGN §12): what it declares, checked like
every other key, with file:line for each problem."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import ROOT, run_cx

from cx import api
from cx.data.cube import Cube
from cx.errors import StrategyError, did_you_mean
from cx.models.result import ChannelResult
from cx.models.strategy import Strategy
from cx.replay.engine import StrategyEvaluation

DIGITAL_FIRST = str(ROOT / "strategies" / "digital-first.yaml")
UNCERTAIN = str(ROOT / "strategies" / "digital-first-uncertain.yaml")


def _strategy(tmp_path: Path, block: str) -> Path:
    path = tmp_path / "uncertain.yaml"
    path.write_text(
        f"version: 1\nextends: {DIGITAL_FIRST}\nname: uncertain\nkind: push\n"
        f"uncertainty:\n{block}",
        encoding="utf-8",
    )
    return path


def test_the_three_forms_load(tmp_path: Path) -> None:
    path = _strategy(
        tmp_path,
        "  shifts.0.containment: {low: 0.5, high: 0.9}\n"
        "  channels.chat.handle_time: {low: 200, mode: 300, high: 500}\n"
        "  channels.phone.hourly_cost: {mean: 32, sd: 3}\n"
        "  volume: {low: 0.9, high: 1.15}\n",
    )
    strategy = api.load_strategy(path)
    assert strategy.uncertainty["shifts.0.containment"].bounds == (0.5, 0.9)
    assert strategy.uncertainty["channels.chat.handle_time"].mode == 300  # type: ignore[union-attr]
    assert strategy.uncertainty["channels.phone.hourly_cost"].bounds == pytest.approx(
        (32 - 1.645 * 3, 32 + 1.645 * 3)
    )


def test_fallback_shares_and_whole_numbers(tmp_path: Path, cube: Cube) -> None:
    path = _strategy(
        tmp_path,
        "  fallback.branch.to.phone: {low: 0.3, high: 0.5}\n"
        "  channels.phone.min_agents: {low: 1, high: 4}\n",
    )
    text = path.read_text(encoding="utf-8").replace(
        "kind: push\n",
        "kind: push\nfallback:\n  branch: {to: {phone: 0.4, chat: 0.2}, accept: null}\n",
    )
    path.write_text(text, encoding="utf-8")
    strategy = api.load_strategy(path)
    result = api.simulate(strategy, cube, samples=4, seed=2)
    assert result.totals.bands is not None
    assert result.channel("phone").bands is not None


def test_inherited_and_overridden(tmp_path: Path) -> None:
    base = _strategy(tmp_path, "  volume: {low: 0.9, high: 1.15}\n")
    child = tmp_path / "child.yaml"
    child.write_text(
        f"version: 1\nextends: {base.name}\nname: child\nkind: push\n", encoding="utf-8"
    )
    strategy = api.load_strategy(child, ["uncertainty.volume.high=1.3"])
    assert strategy.uncertainty["volume"].bounds == (0.9, 1.3)
    assert api.load_strategy(child).uncertainty["volume"].bounds == (0.9, 1.15)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("shifts.0.contianment: {low: 0.5, high: 0.9}", "did you mean 'containment'"),
        ("channels.chatt.fixed_cost: {low: 1, high: 2}", "did you mean 'chat'"),
        ("shifts.7.containment: {low: 0.5, high: 0.9}", "shifts has no item 7"),
        ("shifts.0.name: {low: 1, high: 2}", "is not a number"),
        (  # 'is not a number' said of 15, 30 or 60
            "staffing.interval: {low: 15, high: 60}",
            "staffing.interval is one of fixed choices (15, 30 or 60), which cannot be drawn",
        ),
        ("channels.phone.hourly_cost: {low: 30, mode: 20, high: 40}", "low (30) is above mode"),
        ("channels.phone.hourly_cost: {low: 40, high: 30}", "low (40) is above high (30)"),
        ("shifts.1.to.chat: {low: 0.2, high: 1.4}", "outside the valid range"),
        ("channels.phone.shrinkage: {mean: 0.3, sd: 0}", "greater than 0"),
        ("channels.phone.shrinkage: {mean: 2, sd: 0.1}", "outside the valid range"),
        ("channels.phone.min_agents: {low: .nan, high: 2}", "finite number"),
        ("volume: {low: 0, high: 2}", "outside the valid range of volume (0.1 to 10)"),
        ("channels.phone.service_level.target: {low: 0, high: 0.9}", "(more than 0, less than 1)"),
        ("channels.phone.shrinkage: {low: 0, high: 1.5}", "phone.shrinkage (0 to 0.95)"),
        ("volume: {low: 1, hihg: 2}", "unknown key 'hihg'"),
        ("uncertainty.volume.low: {low: 1, high: 2}", "cannot itself be uncertain"),
        ("fallback.video.to.chat: {low: 0.5, high: 0.9}", "fallback.video.to is a single value"),
    ],
)
def test_bad_blocks_are_findings_at_their_line(tmp_path: Path, entry: str, words: str) -> None:
    first = "  channels.chat.hourly_cost: {low: 20, high: 30}\n"
    path = _strategy(tmp_path, first + "  " + entry + "\n")
    result = run_cx("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:7:" in result.stdout
    assert words in result.stdout
    with pytest.raises(StrategyError) as caught:
        api.load_strategy(path)
    assert {finding.line for finding in caught.value.findings} == {7}


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        (  # digital-first's `video: {to: chat, accept: 0.7}`: one channel, no shares
            "fallback.video.to.chat: {low: 0.5, high: 0.9}",
            "fallback.video.to is a single value, not a mapping or list (hint: "
            "fallback.video.to is 'chat', not a number; uncertainty takes "
            "fallback.video.accept there)",
        ),
        (
            "channels.chat.handle_time.low: {low: 400, high: 600}",
            "channels.chat.handle_time is a single value, not a mapping or list (hint: "
            "channels.chat.handle_time is itself a number: its key is "
            "channels.chat.handle_time)",
        ),
        (  # the rule's shares and ramp are one level down from its name
            "shifts.0.name.to: {low: 0.2, high: 0.4}",
            "shifts.0.name is a single value, not a mapping or list (hint: shifts.0.name "
            "is 'balance-and-statements-to-self-service', not a number; uncertainty takes "
            "shifts.0.to.app, shifts.0.to.web, shifts.0.ramp.periods, "
            "shifts.0.containment or shifts.0.incentive_cost there)",
        ),
        (  # the file format's version is a number, but no key a range draws
            "version.x: {low: 1, high: 2}",
            "version is a single value, not a mapping or list (hint: version is the "
            "strategy file format's version, which uncertainty does not change)",
        ),
        (  # not `version` (1, the only one) nor `staffing.interval` (15, 30 or 60)
            "name.first: {low: 1, high: 2}",
            "name is a single value, not a mapping or list (hint: name is "
            "'uncertain', not a number; uncertainty takes dilution.subscale_agents or "
            "journeys.window_hours there)",
        ),
        (  # a value the file leaves out has no base to vary around: where to write it
            "channels.email.response.target: {low: 0.7, high: 0.9}",
            "channels.email.response is not in the file (hint: a range varies a value the "
            "strategy sets: write response: {target, within} in channels.email first)",
        ),
        (
            "shifts.0.to.chat: {low: 0.1, high: 0.2}",
            "shifts.0.to has no key 'chat' (hint: shifts.0.to has app, web; a range varies "
            "a value the strategy sets: write chat in shifts.0.to first)",
        ),
    ],
)
def test_a_key_uncertainty_cannot_draw_says_what_to_write_instead(
    tmp_path: Path, entry: str, said: str
) -> None:
    """A key that goes on past a single value, or names a value the strategy does not
    set, was refused with no hint; the hint names the keys of numbers uncertainty takes
    there, or where to write the value first."""
    path = _strategy(tmp_path, "  " + entry + "\n")
    result = run_cx("simulate", str(path), "--data", ROOT / "examples" / "interactions.csv")
    assert result.exit_code == 2
    assert result.stdout == ""
    key = entry.split(":")[0]
    assert result.stderr.strip() == f"error: {path}:6:3: uncertainty.{key}: {said}"


@pytest.mark.parametrize(
    ("entry", "keys"),
    [("{low: 1, high: 2, mean: 3}", "low, high, mean"), ("{mode: 2, sd: 1}", "mode, sd")],
)
def test_a_range_mixing_the_keys_of_two_forms_says_so(
    tmp_path: Path, entry: str, keys: str
) -> None:
    # Not "unknown key 'low' (hint: did you mean 'low'?)": the keys are known, the mix is not.
    path = _strategy(tmp_path, f"  channels.phone.hourly_cost: {entry}\n")
    result = run_cx("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"{path}:6:3: uncertainty.channels.phone.hourly_cost: the keys {keys} match no kind "
        "of range (hint: a range is uniform {low, high}, triangular {low, mode, high} or "
        "normal {mean, sd})"
    )


def test_a_hint_never_suggests_the_word_it_is_about() -> None:
    assert did_you_mean("low", ["low", "high"]) is None
    assert did_you_mean("hgh", ["low", "high"]) == "did you mean 'high'?"


# ----------------------------------------------------------------------------- bands

EXAMPLE = ROOT / "examples" / "interactions.csv"


@pytest.fixture(scope="module")
def cube() -> Cube:
    return api.load_interactions(EXAMPLE)


def _uncertain(block: dict[str, str]) -> Strategy:
    return api.load_strategy(DIGITAL_FIRST, [f"uncertainty.{k}={v}" for k, v in block.items()])


def test_without_uncertainty_nothing_changes(cube: Cube) -> None:
    result = api.simulate(api.load_strategy(DIGITAL_FIRST), cube, samples=50)
    assert api.simulate(_uncertain({"volume": "{low: 1, high: 2}"}), cube).totals.bands is None
    assert result.totals.bands is None
    # The keys, not the text: the file paths in the JSON may hold the word anywhere.
    dumped = json.loads(result.model_dump_json())
    assert "bands" not in dumped["totals"]
    assert not [c for c in dumped["channels"] if "bands" in c]


def test_bands_collapse_to_the_point_figures_when_every_range_is_a_point(cube: Cube) -> None:
    strategy = _uncertain(
        {
            "shifts.0.containment": "{low: 0.8, high: 0.8}",
            "channels.phone.hourly_cost": "{low: 32, mode: 32, high: 32}",
            "volume": "{low: 1, high: 1}",
        }
    )
    assert strategy.channels["phone"].hourly_cost == 32
    result = api.simulate(strategy, cube, samples=3)
    point = api.simulate(api.load_strategy(DIGITAL_FIRST), cube).totals
    bands = result.totals.bands
    assert bands is not None
    for metric in ("cost", "cost_delta", "coverage", "agent_hours"):
        band = getattr(bands, metric)
        assert band.p5 == band.p50 == band.p95 == pytest.approx(getattr(point, metric))
    assert bands.p_saving == 1.0
    for item in result.channels:
        assert item.bands is not None
        assert item.bands.cost.p50 == pytest.approx(item.cost)
        assert item.bands.agent_hours.p95 == pytest.approx(item.agent_hours)
    assert result.totals.cost == pytest.approx(point.cost)  # point figures: the base values


def test_a_price_gives_the_quantiles_of_its_range(cube: Cube) -> None:
    """Chat's hourly cost acts linearly: cost = rest + hourly × agent-hours, so the cost's
    quantiles are those of the draws, and it saves exactly where hourly is below par."""
    samples, seed, low, high = 4000, 11, 10.0, 60.0
    result = api.simulate(
        _uncertain({"channels.chat.hourly_cost": f"{{low: {low}, high: {high}}}"}),
        cube,
        samples=samples,
        seed=seed,
    )
    chat = result.channel("chat")
    status_quo = api.evaluate(api.load_strategy(DIGITAL_FIRST), cube).baseline.channels
    base_chat = next(item for item in status_quo if item.channel == "chat")
    rest = result.totals.cost - chat.labour_cost
    drawn = np.random.default_rng(seed).uniform(low, high, samples)
    costs = rest + drawn * chat.agent_hours
    bands = result.totals.bands
    assert bands is not None
    assert [bands.cost.p5, bands.cost.p50, bands.cost.p95] == pytest.approx(
        list(np.percentile(costs, [5, 50, 95]))
    )
    # ... which are, within sampling error, those of the uniform range itself
    analytic = [rest + (low + q * (high - low)) * chat.agent_hours for q in (0.05, 0.5, 0.95)]
    assert [bands.cost.p5, bands.cost.p50, bands.cost.p95] == pytest.approx(analytic, rel=0.01)
    # cost_delta = fixed part + hourly × (agent-hours here − agent-hours today)
    base_hourly = api.load_strategy(DIGITAL_FIRST).channels["chat"].hourly_cost or 0.0
    other = result.totals.cost_delta - (chat.agent_hours - base_chat.agent_hours) * base_hourly
    deltas = other + drawn * (chat.agent_hours - base_chat.agent_hours)
    assert bands.p_saving == pytest.approx(float(np.mean(deltas < 0)))
    assert 0 < bands.p_saving < 1
    assert chat.bands is not None and chat.bands.coverage.p5 == 1.0


def test_same_seed_same_numbers(cube: Cube) -> None:
    strategy = _uncertain(
        {"channels.phone.hourly_cost": "{mean: 32, sd: 4}", "shifts.0.containment":
         "{low: 0.6, mode: 0.8, high: 0.9}"}
    )
    first = api.simulate(strategy, cube, samples=12, seed=5).totals.bands
    again = api.simulate(strategy, cube, samples=12, seed=5).totals.bands
    other = api.simulate(strategy, cube, samples=12, seed=6).totals.bands
    assert first == again
    assert first != other


def test_volume_scales_demand(cube: Cube) -> None:
    result = api.simulate(_uncertain({"volume": "{low: 1.2, high: 1.2}"}), cube, samples=2)
    point = api.simulate(_uncertain({"volume": "{low: 1, high: 1}"}), cube, samples=2)
    bands, base = result.totals.bands, point.totals.bands
    assert bands is not None and base is not None
    assert bands.agent_hours.p50 > base.agent_hours.p50
    assert bands.cost.p50 > base.cost.p50
    assert bands.coverage.p50 == pytest.approx(base.coverage.p50)


def _live_labour_delta(evaluation: StrategyEvaluation) -> float:
    """What the live channels' agent-hours cost here minus today, at catalog prices."""
    hours = {item.channel: item.agent_hours or 0.0 for item in evaluation.result.channels}
    today = {item.channel: item.agent_hours or 0.0 for item in evaluation.baseline.channels}
    return sum(
        (channel.hourly_cost or 0.0) * (hours[name] - today.get(name, 0.0))
        for name, channel in evaluation.strategy.channels.items()
        if channel.mode == "live"
    )


def _phone_hours(channels: list[ChannelResult]) -> float:
    return next(item.agent_hours for item in channels if item.channel == "phone") or 0.0


def test_volume_moves_the_saving_unevenly_only_through_whole_agents(cube: Cube) -> None:
    """The saving at 0.95 and 1.05 is smaller than at 1.0 (a tornado's two ends on the same
    side of its base) because live channels are staffed in whole agents per hour, not
    because volume acts differently on the two runs: all else is exactly v times."""
    strategy = api.load_strategy(DIGITAL_FIRST)
    at = {v: api.evaluate(strategy, cube.scaled(v)) for v in (0.95, 0.98, 1.0, 1.05)}
    # Contacts, per-contact prices, async hours and incentives scale by v in both runs.
    rest = {v: e.result.totals.cost_delta - _live_labour_delta(e) for v, e in at.items()}
    for v in at:
        assert rest[v] == pytest.approx(v * rest[1.0], rel=1e-9)
    # Today's phone intervals hold whole calls: two agents serve up to 7.7 calls an hour
    # at 80 % in 20 s, so every hour of 8 calls needs a third agent from 8 x 0.963 on,
    # all at once; hours of 7 calls not before 7 x 1.1.
    today = at[1.0].baseline.staffing.intervals.filter(pl.col("channel") == "phone")
    eights = today.filter(pl.col("contacts").round(6) == 8.0).height
    assert eights > 0
    assert today.filter(pl.col("contacts").round(6) == 7.0)["agents"].max() == 2
    shrinkage = strategy.channels["phone"].shrinkage
    today_hours = {v: _phone_hours(e.baseline.channels) for v, e in at.items()}
    assert today_hours[0.98] - today_hours[0.95] == pytest.approx(eights / (1 - shrinkage))
    assert today_hours[1.05] == today_hours[0.98]
    # The strategy's phone hours hold fractions of calls (repeats, ramps): many small steps.
    hours = {v: _phone_hours(e.result.channels) for v, e in at.items()}
    assert hours[0.98] < hours[1.0] < hours[1.05]
    # The tornado's figures are those evaluations: −22,660 · −25,025 · −23,376.
    swing = api.sensitivity(_uncertain({"volume": "{low: 0.95, high: 1.05}"}), cube)
    (item,) = swing.keys
    assert item.at_low == pytest.approx(at[0.95].result.totals.cost_delta)
    assert item.at_high == pytest.approx(at[1.05].result.totals.cost_delta)
    assert swing.base == pytest.approx(at[1.0].result.totals.cost_delta)
    assert item.at_low > swing.base and item.at_high > swing.base


def test_cli_bands_json_and_table(work: Path) -> None:
    args = ["simulate", DIGITAL_FIRST, "--data", str(EXAMPLE), "--samples", "40", "--seed", "1",
            "--set", "uncertainty.channels.chat.hourly_cost={low: 10, high: 60}"]
    result = run_cx(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    totals = json.loads(result.stdout)["totals"]
    assert set(totals["bands"]) == {
        "cost", "cost_delta", "coverage", "agent_hours", "p_saving", "p_costing_more", "draws",
        "cost_delta_pct",
    }
    assert set(totals["bands"]["cost"]) == {"p5", "p50", "p95"}
    assert totals["bands"]["draws"] == 40
    table = run_cx(*args)
    assert table.exit_code == 0
    saving = round(totals["bands"]["p_saving"] * 40)
    plain = " ".join(table.stdout.split())
    assert f"less in {saving} of 40 draws" in plain or f"more in {40 - saving} of 40" in plain
    assert "of 100" not in plain and "5th to 95th percentile)" in plain
    assert " … " in table.stdout


def test_a_band_whose_ends_are_written_the_same_is_one_figure(work: Path) -> None:
    """Coverage that no draw moves, or a range of zero width, printed `97.6% (97.6% …
    97.6%)`: a range that is none. Such a band is its one figure."""
    path = _strategy(work, "  shifts.0.to.app: {low: 0.5, high: 0.5}\n")
    table = run_cx("simulate", path, "--data", EXAMPLE, "--samples", "20")
    assert table.exit_code == 0, table.stderr
    rows = {line.split("  ")[0]: " ".join(line.split()) for line in table.stdout.splitlines()}
    assert rows["Coverage"].startswith("Coverage 97.6% (97.6%) 100.0%")
    assert rows["Cost"] == "Cost 654,470 (654k) 679,495 \u221225,025 (\u221225k)"
    assert "(one figure where both are written the same)" in " ".join(table.stdout.split())
    compare = run_cx("compare", path, UNCERTAIN, "--data", EXAMPLE, "--samples", "20",
                     "--format", "markdown")
    assert compare.exit_code == 0, compare.stderr
    assert "| #1 \u221225,025 (\u221225k) |" in compare.stdout
    assert " … " not in rows["Coverage"] + rows["Cost"]


@pytest.mark.parametrize(
    ("samples", "said"),
    [
        ("1", "(less in 1 of 1 draw: "),
        ("3", "(less in 3 of 3 draws; between "),
        ("100", "(less in 100 of 100 draws; between "),
        ("400", "(less in 100 of 100 draws; between "),
    ],
)
def test_the_verdict_counts_the_draws_it_has(work: Path, samples: str, said: str) -> None:
    """A band of a few draws is not said as a share of 100 (1 draw was '100 of 100')."""
    result = run_cx(
        "simulate", UNCERTAIN, "--data", str(EXAMPLE), "--samples", samples, "--seed", "3"
    )
    assert result.exit_code == 0, result.stderr
    assert said in " ".join(result.stdout.split())


def test_a_strategy_costing_what_today_does_is_not_said_to_cost_more(work: Path) -> None:
    """A follow strategy offering today's channels is its own status quo at every draw of
    a chat handle time: cost_delta 0 in all 20 draws, p_saving 0. The verdict said
    "more in 20 of 20 draws; between 0.0% and 0.0% more"; none of them costs more."""
    args = ["simulate", str(ROOT / "strategies" / "follow-everywhere.yaml"), "--data",
            str(EXAMPLE), "--samples", "20", "--set",
            "uncertainty.channels.chat.handle_time={low: 450, high: 660}"]
    payload = json.loads(run_cx(*args, "--format", "json").stdout)
    bands = payload["totals"]["bands"]
    assert bands["cost_delta"] == {"p5": 0.0, "p50": 0.0, "p95": 0.0}
    assert bands["p_saving"] == 0.0
    result = run_cx(*args)
    assert result.exit_code == 0, result.stderr
    plain = " ".join(result.stdout.split())
    said = "costs the same as today (the same from the 5th to the 95th percentile of 20 draws)"
    assert said in plain
    assert "more in" not in plain


def test_cli_samples_without_uncertainty_is_a_usage_error(work: Path) -> None:
    result = run_cx("simulate", DIGITAL_FIRST, "--data", str(EXAMPLE), "--samples", "5")
    assert result.exit_code == 2
    assert "uncertainty" in result.stderr and result.stdout == ""


def test_compare_ranks_by_the_median_draw_and_marks_overlaps(work: Path) -> None:
    wide = work / "wide.yaml"
    wide.write_text(
        f"version: 1\nextends: {DIGITAL_FIRST}\nname: wide\nkind: push\nuncertainty:\n"
        "  channels.chat.hourly_cost: {low: 10, high: 60}\n",
        encoding="utf-8",
    )
    result = run_cx("compare", str(wide), DIGITAL_FIRST, str(ROOT / "strategies" /
                    "follow-everywhere.yaml"), "--data", str(EXAMPLE), "--samples", "50",
                    env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "median draw" in line)
    assert "#1" in row and "#2" in row and "#3" in row
    assert "bands overlap: digital-first and wide" in " ".join(result.stdout.split())
    as_json = run_cx("compare", str(wide), DIGITAL_FIRST, "--data", str(EXAMPLE), "--samples",
                     "50", "--format", "json")
    results = json.loads(as_json.stdout)["results"]
    assert "bands" in results[0]["totals"] and "bands" not in results[1]["totals"]


# ----------------------------------------------------------------------------- tornado


def test_tornado_ranks_two_keys_by_their_known_swings(cube: Cube) -> None:
    """Prices act linearly on cost_delta: the swing is the range times the channel's
    agent-hours here minus today's."""
    strategy = _uncertain(
        {"channels.phone.hourly_cost": "{low: 28, high: 36}",
         "channels.chat.hourly_cost": "{mean: 30, sd: 10}"}
    )
    evaluation = api.evaluate(api.load_strategy(DIGITAL_FIRST), cube)
    today = {item.channel: item.agent_hours for item in evaluation.baseline.channels}
    here = {item.channel: item.agent_hours for item in evaluation.result.channels}
    result = api.sensitivity(strategy, cube)
    assert result.metric == "cost_delta"
    assert result.base == pytest.approx(evaluation.result.totals.cost_delta)
    expected = {
        "channels.phone.hourly_cost": 8 * abs(here["phone"] - today["phone"]),
        "channels.chat.hourly_cost": 2 * 1.645 * 10 * abs(here["chat"] - today["chat"]),
    }
    assert [item.key for item in result.keys] == sorted(expected, key=expected.__getitem__,
                                                         reverse=True)
    for item in result.keys:
        assert item.swing == pytest.approx(expected[item.key])
        assert item.swing == pytest.approx(abs(item.at_high - item.at_low))
    chat = next(item for item in result.keys if item.key == "channels.chat.hourly_cost")
    assert (chat.low, chat.high) == pytest.approx((30 - 16.45, 30 + 16.45))


def test_sensitivity_json_is_the_contract(work: Path) -> None:
    result = run_cx("sensitivity", DIGITAL_FIRST, "--data", str(EXAMPLE), "--format", "json",
                    "--set", "uncertainty.volume={low: 0.9, high: 1.2}",
                    "--set", "uncertainty.channels.phone.hourly_cost={low: 28, high: 36}")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"schema_version", "metric", "base", "keys", "caveats"}
    assert document["schema_version"] == 1 and document["metric"] == "cost_delta"
    assert [set(item) for item in document["keys"]] == [
        {"key", "low", "high", "at_low", "at_high", "swing"}
    ] * 2
    swings = [item["swing"] for item in document["keys"]]
    assert swings == sorted(swings, reverse=True)


@pytest.mark.parametrize("columns", ["60", "80", "120"])
def test_tornado_never_cuts_a_number(work: Path, columns: str) -> None:
    args = ["sensitivity", DIGITAL_FIRST, "--data", str(EXAMPLE),
            "--set", "uncertainty.volume={low: 0.9, high: 1.2}",
            "--set", "uncertainty.channels.phone.hourly_cost={low: 28, high: 36}"]
    table = run_cx(*args, env={"COLUMNS": columns})
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines) <= int(columns)
    words = table.stdout.split()
    for number in ("0.9", "1.2", "28", "36"):
        assert f"{number}:" in words
    assert sum("█" in line for line in lines) == 2


def test_tornado_bars_are_as_long_as_the_swings(work: Path) -> None:
    """Each bar spans the figure at the key's low to the figure at its high. A chat
    handle time drawn 640 to 660 while the strategy writes 540 puts both figures on one
    side of the base: its bar ran from the base, as long as the longest though it swings
    least."""
    args = ["sensitivity", UNCERTAIN, "--data", str(EXAMPLE),
            "--set", "uncertainty.channels.chat.handle_time={low: 640, high: 660}"]
    keys = json.loads(run_cx(*args, "--format", "json").stdout)["keys"]
    assert keys[-1]["key"] == "channels.chat.handle_time"  # it swings least
    table = run_cx(*args, env={"COLUMNS": "120"})
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    bars = [lines[lines.index(key["key"]) + 1] for key in keys]
    # One scale for every bar, holding every figure and the base: MAX_BAR cells wide.
    figures = [v for key in keys for v in (key["at_low"], key["at_high"])]
    cells = 60 / (max(figures) - min(figures))
    for key, bar in zip(keys, bars, strict=True):
        assert abs(bar.count("\u2588") - key["swing"] * cells) <= 1, (key["key"], bar)
    # The base is marked at one place on every line, outside the bar that misses it.
    assert len({bar.index("\u2502") for bar in bars}) == 1
    chat = bars[-1]
    assert chat.index("\u2502") < chat.index("\u2588")


def test_a_swing_of_coverage_is_in_percentage_points(tmp_path: Path) -> None:
    """10 phone and 10 web contacts; web retired, its fallback to phone taking `accept`
    of them. Coverage = 1 − 10·(1 − accept)/20: 60% at 0.2, 95% at 0.9, a swing of 35
    points, which was written '35.0%', as if coverage moved by 35% of itself."""
    data = tmp_path / "contacts.csv"
    data.write_text(
        "customer_id,timestamp,channel\n"
        + "".join(f"p{i},2024-01-01T09:{i:02d}:00,phone\n" for i in range(10))
        + "".join(f"w{i},2024-01-01T10:{i:02d}:00,web\n" for i in range(10)),
        encoding="utf-8",
    )
    strategy = tmp_path / "retire.yaml"
    strategy.write_text(
        "version: 1\nname: retire\nkind: push\nchannels:\n"
        "  phone: {mode: self_service, cost_per_contact: 3}\n"
        "  web: {mode: self_service, cost_per_contact: 1}\n"
        "offer: [phone]\nfallback:\n  web: {to: phone, accept: 0.5}\n"
        "uncertainty:\n  fallback.web.accept: {low: 0.2, high: 0.9}\n",
        encoding="utf-8",
    )
    args = ["sensitivity", str(strategy), "--data", str(data), "--metric", "coverage"]
    payload = json.loads(run_cx(*args, "--format", "json").stdout)
    (key,) = payload["keys"]
    assert (key["at_low"], key["at_high"]) == (pytest.approx(0.6), pytest.approx(0.95))
    assert key["swing"] == pytest.approx(0.35)
    table = run_cx(*args)
    assert table.exit_code == 0, table.stderr
    assert "at 0.2: 60.0% · at 0.9: 95.0% · swing 35.0 pt" in table.stdout
    markdown = run_cx(*args, "--format", "markdown").stdout
    assert "| fallback.web.accept | 0.2 | 0.9 | 60.0% | 95.0% | 35.0 pt |" in markdown


@pytest.mark.parametrize("metric", ["cost_delta", "cost", "agent_hours"])
def test_a_swing_is_the_difference_of_the_figures_beside_it(work: Path, metric: str) -> None:
    """A swing written from the unrounded figures (2,871.4) beside figures written whole
    (−25,540 and −22,668) reads as arithmetic that does not add up: 2,871, not 2,872."""
    args = ["sensitivity", UNCERTAIN, "--data", str(EXAMPLE), "--metric", metric]
    table = run_cx(*args)
    assert table.exit_code == 0, table.stderr
    readings = [line for line in table.stdout.splitlines() if " · swing " in line]
    markdown = run_cx(*args, "--format", "markdown").stdout
    rows = [line.split(" | ")[3:6] for line in markdown.splitlines() if line.count(" | ") == 5]
    assert len(readings) == len(rows[1:]) == 5

    def amount(text: str) -> int:
        return int(text.strip(" |").replace(",", "").replace("\u2212", "-"))

    for line in readings:
        low, high, swing = (part.rsplit(" ", 1)[-1] for part in line.split(" · "))
        assert amount(swing) == abs(amount(high) - amount(low)), line
    for low, high, swing in rows[1:]:
        assert amount(swing) == abs(amount(high) - amount(low)), (low, high, swing)


def test_sensitivity_needs_an_uncertainty_block(work: Path) -> None:
    result = run_cx("sensitivity", DIGITAL_FIRST, "--data", str(EXAMPLE))
    assert result.exit_code == 2
    assert "declares nothing uncertain" in result.stderr and "digital-first.yaml" in result.stderr
    assert result.stdout == ""
    bad = run_cx("sensitivity", DIGITAL_FIRST, "--data", str(EXAMPLE), "--metric", "costs",
                 "--set", "uncertainty.volume={low: 0.9, high: 1.2}")
    assert bad.exit_code == 2 and "unknown metric 'costs'" in bad.stderr


def test_shares_at_their_highs_stay_at_most_one(tmp_path: Path) -> None:
    path = _strategy(tmp_path, "  shifts.0.to.app: {low: 0.5, high: 0.9}\n"
                               "  shifts.1.to.chat: {low: 0.2, high: 0.9}\n")
    result = run_cx("validate", str(path))
    assert result.exit_code == 1
    expected = (
        f"{path}:6:3: uncertainty.shifts.0.to.app: at their highs the shares of "
        "shifts.0.to add up to 1.1, more than 1"
    )
    assert expected in result.stdout
    assert ":7:" not in result.stdout  # 0.9 alone is a share chat can take


def test_a_response_within_at_its_low_stays_at_least_the_handle_time(tmp_path: Path) -> None:
    """follow-with-hours answers email (handle_time 420 s) within 86,400 s. A range of
    `within` down to 100 s draws plans that answer no contact in time, which the values
    as written may not be (a finding at its line), as do handle times up to 86,400 s with
    `within` from 3,600 s (a finding at both); within 420 to 86,400 s with handle times
    300 to 420 s is fine."""
    follow = ROOT / "strategies" / "follow-with-hours.yaml"
    path = tmp_path / "response.yaml"

    def validate(block: str) -> str:
        path.write_text(
            f"version: 1\nextends: {follow}\nname: response\nuncertainty:\n{block}",
            encoding="utf-8",
        )
        return run_cx("validate", str(path)).stdout

    low = validate("  channels.email.response.within: {low: 100, high: 90000}\n")
    assert (
        f"{path}:5:3: uncertainty.channels.email.response.within: at its low, a response "
        "within 100 s is shorter than the handle time 420 s"
    ) in low
    high = validate("  channels.email.handle_time: {low: 300, high: 86400}\n"
                    "  channels.email.response.within: {low: 3600, high: 86400}\n")
    for line, key, end in ((5, "handle_time", "high"), (6, "response.within", "low")):
        assert (
            f"{path}:{line}:3: uncertainty.channels.email.{key}: at its {end}, a response "
            "within 3600 s is shorter than the handle time 86400 s"
        ) in high
    fine = validate(
        "  channels.email.response.within: {low: 420, high: 86400}\n"
        "  channels.email.handle_time: {low: 300, high: 420}\n"
    )
    assert "all valid" in fine


def test_two_uncertainty_keys_for_one_value_are_a_finding(tmp_path: Path) -> None:
    """shifts.00 is shifts.0: two ranges for one value, of which a run would draw one."""
    path = tmp_path / "twice.yaml"
    path.write_text(
        "version: 1\nname: t\nkind: push\n"
        f"extends: {ROOT / 'strategies' / 'digital-first.yaml'}\n"
        "uncertainty:\n"
        "  shifts.0.to.app: {low: 0.3, high: 0.4}\n"
        "  shifts.00.to.app: {low: 0.2, high: 0.3}\n",
        encoding="utf-8",
    )
    result = run_cx("validate", str(path))
    assert result.exit_code == 1
    assert (
        f"{path}:7:3: uncertainty.shifts.00.to.app: names the same value as 'shifts.0.to.app'"
        in result.stdout
    )


def test_a_draw_past_the_agent_limit_says_it_is_a_draw(tmp_path: Path) -> None:
    """The plan at the values written needs some 19,000 agents; a draw at ten times the
    volume needs more than the limit, and the error read as if the strategy did."""
    data = tmp_path / "hour.csv"
    rows = [f"c{i},2024-01-01T09:{i * 60 // 1000:02d}:{i * 3600 // 1000 % 60:02d},phone"
            for i in range(1000)]  # fmt: skip
    data.write_text("customer_id,timestamp,channel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    strategy = tmp_path / "cap.yaml"
    strategy.write_text(
        "version: 1\nname: cap\nkind: follow\nchannels:\n"
        "  phone: {mode: live, handle_time: 72000, hourly_cost: 1}\n"
        "uncertainty:\n  volume: {low: 1, high: 10}\n",
        encoding="utf-8",
    )
    assert run_cx("simulate", str(strategy), "--data", str(data), "--samples", "0").exit_code == 0
    result = run_cx("simulate", str(strategy), "--data", str(data), "--samples", "20")
    assert result.exit_code == 2 and result.stdout == ""
    assert "more than 100,000, at a draw of the strategy's `uncertainty:` ranges" in result.stderr
    assert "the plan at the values written is fine" in result.stderr
