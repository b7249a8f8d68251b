"""`staffing: {hold: P}` (DESIGN §12): each live interval staffed so that it meets its
service-level target with probability P when its arrival count is Poisson (or
over-dispersed) around the expected one.

Expectations are worked out from the formulas in the tests themselves: Poisson and
negative binomial probabilities from their definitions, Erlang C from the textbook sum.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from conftest import one_error_line, run_cx, write_csv
from hypothesis import given, settings
from hypothesis import strategies as st

from cx import api
from cx.data.dispersion import arrival_dispersion
from cx.staffing.hold import count_quantile

DAY = datetime(2024, 1, 15)  # a Monday
#: One-sided z for "at least P within sampling error": 3 standard errors (p ≈ 0.0013).
Z = 3.0


def erlang_c(agents: int, load: float) -> float:
    """Textbook Erlang C: P(wait) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + that)."""
    if agents <= load:
        return 1.0
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    return top / (sum(load**k / math.factorial(k) for k in range(agents)) + top)


def service_level(agents: int, load: float, service_time: float, within: float) -> float:
    if load == 0:
        return 1.0
    if agents <= load:
        return 0.0
    return 1.0 - erlang_c(agents, load) * math.exp(-(agents - load) * within / service_time)


def poisson_pmf(k: int, mean: float) -> float:
    return math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))


def negative_binomial_pmf(k: int, mean: float, d: float) -> float:
    """Mean ``mean``, variance d·mean: shape r = mean/(d − 1), success probability 1/d."""
    r, p = mean / (d - 1.0), 1.0 / d
    log = math.lgamma(r + k) - math.lgamma(r) - math.lgamma(k + 1)
    return math.exp(log + r * math.log(p) + k * math.log1p(-p))


def binomial_floor(probability: float, trials: int) -> float:
    """The lowest share of ``trials`` that is still "at least ``probability``" within
    sampling error: P − Z·√(P(1 − P)/n)."""
    return probability - Z * math.sqrt(probability * (1.0 - probability) / trials)


def simulate(rows: list[tuple], channels: dict[str, Any], tmp_path: Path, **extra: Any) -> Any:
    data = write_csv(tmp_path / "data.csv", rows, ("customer_id", "timestamp", "channel"))
    options = {key: extra.pop(key) for key in ("replay", "agents") if key in extra}
    strategy = api.load_strategy({"name": "s", "kind": "follow", "channels": channels, **extra})
    return api.simulate(strategy, api.load_interactions(data), **options)


# --------------------------------------------------------------------------- by hand

SLOW = {"mode": "live", "handle_time": 1800, "hourly_cost": 10,
        "service_level": {"target": 0.8, "within": 20}}  # fmt: skip


def test_one_interval_by_hand(tmp_path: Path) -> None:
    # Two calls at 10:00 and 10:30 (λ = 2 per hour; their 15-minute counts 1, 0, 1, 0
    # vary less than Poisson, so d = 1), AHT 1800 s: A = k/2 erlangs for k arrivals.
    rows = [("a", "2024-01-15 10:00:00", "phone"), ("b", "2024-01-15 10:30:00", "phone")]
    mean, target, within, hold = 2.0, 0.8, 20.0, 0.9
    # Poisson(2): P(K ≤ 3) = e⁻²(1 + 2 + 2 + 4/3) = 0.857 < 0.9 ≤ P(K ≤ 4) = 0.947.
    cdf = np.cumsum([poisson_pmf(k, mean) for k in range(40)])
    assert cdf[3] == pytest.approx(0.857123, abs=1e-6)
    assert cdf[4] == pytest.approx(0.947347, abs=1e-6)

    def holds(agents: int) -> float:
        """P(the interval meets its target with ``agents``): Σ over counts k of P(K = k)
        where SL(agents, k) ≥ target."""
        return sum(
            poisson_pmf(k, mean)
            for k in range(40)
            if service_level(agents, k * 1800 / 3600, 1800, within) >= target
        )

    # N = 3 meets 80 % within 20 s up to k = 2 (SL 0.911; 0.767 at k = 3): 0.677;
    # N = 4 up to k = 4 (SL 0.830; 0.685 at k = 5): 0.947, the first N to reach 0.9.
    assert service_level(3, 1.0, 1800, within) == pytest.approx(0.911, abs=5e-4)
    assert service_level(4, 2.0, 1800, within) == pytest.approx(0.830, abs=5e-4)
    assert holds(3) == pytest.approx(cdf[2])
    assert holds(4) == pytest.approx(cdf[4])
    agents = next(n for n in range(1, 20) if holds(n) >= hold)
    assert agents == 4
    # The plain plan staffs for A = 1: N = 3 (SL 0.911; 2 gives 0.670).
    plain = simulate(rows, {"phone": SLOW}, tmp_path)
    held = simulate(rows, {"phone": SLOW}, tmp_path, staffing={"hold": hold})
    assert plain.channel("phone").agent_hours == 3.0
    assert held.channel("phone").agent_hours == float(agents)
    # The plan's own prediction stays that of the expected 2 calls.
    assert held.channel("phone").service_level == pytest.approx(service_level(4, 1.0, 1800, within))


def quantile_by_summing(mean: float, d: float, p: float) -> int:
    total, k = 0.0, 0
    while True:
        total += poisson_pmf(k, mean) if d == 1.0 else negative_binomial_pmf(k, mean, d)
        if total >= p:
            return k
        k += 1


@pytest.mark.parametrize(("d", "p"), [(1.0, 0.9), (1.0, 0.999), (2.5, 0.95), (20.0, 0.999)])
def test_quantiles_match_the_definitions(d: float, p: float) -> None:
    means = [0.3, 2.0, 7.5, 60.0, 140.0]
    got = count_quantile(np.array(means), d, p)
    assert got.tolist() == [quantile_by_summing(m, d, p) for m in means]


def test_large_means_sit_near_the_normal_quantile() -> None:
    # Large means: the normal approximation's neighbourhood, mean + z·σ (z(0.9) = 1.2816).
    assert abs(int(count_quantile(900.0, 1.0, 0.9)) - (900 + 1.2816 * 30)) <= 1.5


@settings(max_examples=60, deadline=None)
@given(
    mean=st.floats(0.0, 2000.0),
    d=st.floats(1.0, 8.0),
    p=st.floats(0.51, 0.999),
    dp=st.floats(0.0, 0.2),
    more=st.floats(0.0, 50.0),
)
def test_quantile_grows_with_probability_and_mean(
    mean: float, d: float, p: float, dp: float, more: float
) -> None:
    # Poisson and negative binomial counts (fixed d) grow stochastically with the mean.
    # (Not with d: a wider negative binomial is also more skewed, so its median can fall.)
    base = int(count_quantile(mean, d, p))
    assert int(count_quantile(mean, d, min(p + dp, 0.999))) >= base
    assert int(count_quantile(mean + more, d, p)) >= base
    assert base >= 0 and (mean > 0 or base == 0)


def test_dispersion_by_hand() -> None:
    start = datetime(2024, 1, 15, 10)
    # Hour 10: 4 contacts in the first quarter, none in the others: mean 1 per quarter,
    # variance ((4 − 1)² + 3·(0 − 1)²)/3 = 4 → d = 4. Hour 11: 1 in each quarter → var 0,
    # d clipped to 1.
    rows = [(start, 4)] + [(start + timedelta(hours=1, minutes=15 * i), 1) for i in range(4)]
    arrivals = pl.DataFrame(
        {
            "channel": ["chat"] * len(rows),
            "interval_start": [r[0] for r in rows],
            "contacts": [r[1] for r in rows],
        },
        schema={"channel": pl.String, "interval_start": pl.Datetime("us"), "contacts": pl.Int64},
    )
    d = arrival_dispersion(arrivals)["chat"]
    assert d[10] == pytest.approx(4.0)
    assert d[11] == 1.0 and d[0] == 1.0


# --------------------------------------------------------------------------- Poisson data


def poisson_rows(rate_per_hour: float, hours: int, seed: int) -> list[tuple]:
    rng = np.random.default_rng(seed)
    arrive = np.cumsum(rng.exponential(3600.0 / rate_per_hour, int(rate_per_hour * hours * 1.3)))
    arrive = arrive[arrive < hours * 3600]
    return [
        (f"c{i}", (DAY + timedelta(seconds=float(t))).isoformat(sep=" "), "phone")
        for i, t in enumerate(arrive)
    ]


PHONE = {"mode": "live", "handle_time": 180, "hourly_cost": 30,
         "service_level": {"target": 0.8, "within": 20}}  # fmt: skip


@pytest.mark.parametrize("hold", [0.8, 0.95])
def test_hold_meets_its_probability_on_poisson_counts(tmp_path: Path, hold: float) -> None:
    # The plan for an hour expecting 100 calls (AHT 180 s, evenly spread: d = 1), then
    # 4000 Poisson(100) hours: the share whose count its agents serve to target is at
    # least P within sampling error, and one agent fewer would not be.
    rows = [(f"c{i}", (DAY + timedelta(seconds=36 * i)).isoformat(sep=" "), "phone")
            for i in range(100)]  # fmt: skip
    result = simulate(rows, {"phone": PHONE}, tmp_path, staffing={"hold": hold})
    agents = int(result.channel("phone").agent_hours)
    counts = np.random.default_rng(11).poisson(100.0, 4000)

    def share(n: int) -> float:
        served = {k: service_level(n, k * 180 / 3600, 180, 20) >= 0.8 for k in set(counts)}
        return float(np.mean([served[k] for k in counts]))

    assert share(agents) >= binomial_floor(hold, counts.size)
    assert share(agents - 1) < hold


def test_the_replay_holds_on_a_poisson_history(tmp_path: Path) -> None:
    # Fourteen days of Poisson calls at 100 an hour, exponential handle times of mean
    # 180 s. Replayed, the hourly plan staffed for the expected arrivals meets its target
    # in about 4 hours of 5; `hold: 0.9` in at least 90 % of the 336 hours within
    # sampling error, for some more agent-hours.
    rows = poisson_rows(100.0, 14 * 24, seed=5)
    handle = np.random.default_rng(6).exponential(180.0, len(rows))
    data = write_csv(
        tmp_path / "data.csv",
        [(*row, f"{h:.1f}") for row, h in zip(rows, handle, strict=True)],
        ("customer_id", "timestamp", "channel", "handle_time"),
    )
    cube = api.load_interactions(data)

    def run(**staffing: Any) -> Any:
        strategy = {"name": "s", "kind": "follow", "channels": {"phone": PHONE}}
        return api.simulate(api.load_strategy({**strategy, "staffing": staffing}), cube,
                            replay=True).channel("phone")  # fmt: skip

    plain, held = run(), run(hold=0.9)
    intervals = 14 * 24
    assert held.replay.intervals_meeting_target >= binomial_floor(0.9, intervals)
    assert plain.replay.intervals_meeting_target < binomial_floor(0.9, intervals)
    assert held.agent_hours > plain.agent_hours
    assert held.hold == 0.9 and plain.hold is None


def test_bursty_arrivals_need_more_agents(tmp_path: Path) -> None:
    # The same 400 calls an hour for 8 hours, evenly spread or all in each hour's first
    # quarter: bunched arrivals (d = 3) are staffed for a higher count than Poisson ones.
    even = [(f"e{h}-{i}", (DAY + timedelta(hours=h, seconds=9 * i)).isoformat(sep=" "), "phone")
            for h in range(8) for i in range(400)]  # fmt: skip
    bunched = [(f"b{h}-{i}", (DAY + timedelta(hours=h, seconds=2 * i)).isoformat(sep=" "), "phone")
               for h in range(8) for i in range(400)]  # fmt: skip
    hours_even = simulate(even, {"phone": PHONE}, tmp_path, staffing={"hold": 0.9})
    hours_bunched = simulate(bunched, {"phone": PHONE}, tmp_path, staffing={"hold": 0.9})
    assert hours_bunched.channel("phone").agent_hours > hours_even.channel("phone").agent_hours


# --------------------------------------------------------------------------- JSON and input


def test_json_names_the_hold_of_live_channels_only(tmp_path: Path) -> None:
    rows = poisson_rows(50.0, 4, seed=1)
    email = {"mode": "async", "handle_time": 300, "hourly_cost": 20}
    channels = {"phone": PHONE, "email": email}
    payload = json.loads(
        simulate(rows, channels, tmp_path, staffing={"hold": 0.95}).model_dump_json()
    )
    by_name = {c["channel"]: c for c in payload["channels"]}
    assert by_name["phone"]["hold"] == 0.95
    assert "hold" not in by_name["email"]
    plain = json.loads(simulate(rows, channels, tmp_path).model_dump_json())
    assert all("hold" not in c for c in plain["channels"])
    # A fixed headcount is not a plan: no hold to compare with.
    fixed = simulate(rows, channels, tmp_path, staffing={"hold": 0.95}, agents={"phone": 3})
    assert fixed.channel("phone").hold is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.5", "greater than 0.5"),
        ("0.2", "greater than 0.5"),
        ("1", "less than or equal to 0.999"),
        ("0.9999", "less than or equal to 0.999"),
        (".nan", "not NaN or infinity"),
        ("true", "yes/no value"),
        ('"0.9"', "text is not a number"),
    ],
)
def test_bad_hold_names_the_file_and_line(tmp_path: Path, value: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nkind: follow\nchannels:\n  phone: {mode: live, handle_time: 180}\n"
        f"staffing:\n  hold: {value}\n",
        encoding="utf-8",
    )
    result = run_cx("validate", path)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "s.yaml:6:" in result.stdout and "staffing.hold" in result.stdout
    assert message in result.stdout
    data = write_csv(tmp_path / "d.csv", poisson_rows(10.0, 2, seed=2),
                     ("customer_id", "timestamp", "channel"))  # fmt: skip
    line = one_error_line(run_cx("simulate", path, "--data", data))
    assert "s.yaml:6:" in line and message in line


def test_hold_through_set(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nkind: follow\nchannels:\n  phone: {mode: live, handle_time: 180}\n",
        encoding="utf-8",
    )
    data = write_csv(tmp_path / "d.csv", poisson_rows(100.0, 8, seed=3),
                     ("customer_id", "timestamp", "channel"))  # fmt: skip
    plain = run_cx("simulate", path, "--data", data, "--format", "json")
    held = run_cx("simulate", path, "--data", data, "--format", "json",
                  "--set", "staffing.hold=0.95")  # fmt: skip
    assert plain.exit_code == 0 and held.exit_code == 0, held.stderr
    phone = json.loads(held.stdout)["channels"][0]
    assert phone["hold"] == 0.95
    assert phone["agent_hours"] > json.loads(plain.stdout)["channels"][0]["agent_hours"]


def test_replay_panel_says_what_the_plan_was_staffed_to_hold(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nkind: follow\nchannels:\n  phone: {mode: live, handle_time: 180}\n"
        "staffing: {hold: 0.95}\n",
        encoding="utf-8",
    )
    data = write_csv(tmp_path / "d.csv", poisson_rows(60.0, 6, seed=4),
                     ("customer_id", "timestamp", "channel"))  # fmt: skip
    result = run_cx("simulate", path, "--data", data, "--replay")
    assert result.exit_code == 0, result.stderr
    assert "staffed to hold with 95.0%" in " ".join(result.stdout.split())
    plain = run_cx("simulate", path, "--data", data, "--replay", "--set", "staffing.hold=null")
    assert plain.exit_code == 0, plain.stderr
    assert "staffed to hold" not in plain.stdout
