"""Journeys and outcomes (§10): hand-computed edge cases, properties, bad input."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import run_cx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cx import api
from cx.errors import CxError, InputError
from cx.models.mapping import Mapping

HEADER = "customer_id,timestamp,channel,intent,resolved,satisfaction\n"
CATALOG = {
    "phone": {"mode": "self_service", "cost_per_contact": 5.0},
    "chat": {"mode": "self_service", "cost_per_contact": 3.0},
    "web": {"mode": "self_service", "cost_per_contact": 0.5},
}


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def follow(**extra: object) -> dict[str, object]:
    return {"name": "f", "kind": "follow", "channels": CATALOG, **extra}


def test_gap_of_exactly_the_window_continues_the_journey(tmp_path: Path) -> None:
    # a: 0 h, 72 h (gap = window: same journey), 144 h + 1 s (gap > window: new journey)
    data = write(
        tmp_path,
        "a,2024-01-01T00:00:00,phone,x,,\n"
        "a,2024-01-04T00:00:00,phone,x,,\n"
        "a,2024-01-07T00:00:01,chat,x,,\n",
    )
    outcomes = api.load_interactions(data, outcomes=True).outcomes
    assert outcomes is not None
    assert (outcomes.journeys, outcomes.follow_ups, outcomes.hops) == (2, 1, 0)
    steps = dict(
        outcomes.demand.group_by("step").agg(pl_sum("contacts")).iter_rows()
    )
    assert steps == {"first": 2, "follow_up": 1}


def pl_sum(name: str):  # small helper so the test reads plainly
    import polars as pl

    return pl.col(name).sum()


def test_same_instant_keeps_data_order_and_counts_a_hop(tmp_path: Path) -> None:
    # Both at 09:00; data order makes phone first, chat the follow-up: one hop.
    data = write(
        tmp_path,
        "a,2024-01-01T09:00:00,phone,x,,\n"
        "a,2024-01-01T09:00:00,chat,x,,\n",
    )
    cube = api.load_interactions(data, outcomes=True)
    outcomes = cube.outcomes
    assert outcomes is not None
    firsts = outcomes.demand.filter(outcomes.demand["step"] == "first")["channel"].to_list()
    assert firsts == ["phone"]
    assert (outcomes.journeys, outcomes.hops, outcomes.multichannel_journeys) == (1, 1, 1)


def test_follow_up_on_the_same_channel_is_no_hop(tmp_path: Path) -> None:
    data = write(
        tmp_path,
        "a,2024-01-01T09:00:00,phone,x,,\n"
        "a,2024-01-01T10:00:00,phone,x,,\n",
    )
    outcomes = api.load_interactions(data, outcomes=True).outcomes
    assert outcomes is not None
    assert (outcomes.journeys, outcomes.follow_ups, outcomes.hops) == (1, 1, 0)
    result = api.simulate(api.load_strategy(follow()), api.load_interactions(data, outcomes=True))
    assert result.data.hop_rate == 0.0
    assert result.data.multichannel_journey_share == 0.0


def test_anonymous_contacts_are_journeys_of_their_own(tmp_path: Path) -> None:
    # Three anonymous contacts within minutes: three journeys, no customer.
    data = write(
        tmp_path,
        "0,2024-01-01T09:00:00,phone,x,,\n"
        "0,2024-01-01T09:01:00,chat,x,,\n"
        "0,2024-01-01T09:02:00,chat,x,,\n"
        "b,2024-01-01T09:00:00,web,x,,\n",
    )
    mapping = Mapping(anonymous_ids=["0"])
    cube = api.load_interactions(data, columns=mapping, outcomes=True)
    assert cube.meta.customers == 1
    assert cube.outcomes is not None
    assert (cube.outcomes.journeys, cube.outcomes.hops) == (4, 0)
    result = api.simulate(api.load_strategy(follow()), cube)
    assert result.data.journeys == 4
    assert result.data.contacts_per_journey == 1.0
    assert result.totals.customer_coverage == 1.0


def test_resolution_from_the_column_and_from_the_journey_end_proxy(tmp_path: Path) -> None:
    body = (
        "a,2024-01-01T09:00:00,phone,x,false,\n"  # followed by a chat: not the end
        "a,2024-01-01T10:00:00,chat,x,true,\n"  # ends the journey
        "b,2024-01-01T09:00:00,phone,x,true,\n"  # ends the journey
        "c,2024-01-01T09:00:00,phone,x,,\n"  # no value: not counted by the column
    )
    with_column = api.load_interactions(write(tmp_path, body), outcomes=True)
    result = api.simulate(api.load_strategy(follow()), with_column)
    assert result.data.resolution_source == "resolved"
    # Column: phone 1 true of 2 with a value; chat 1 of 1.
    assert result.channel("phone").resolution_rate == pytest.approx(0.5)
    assert result.channel("chat").resolution_rate == 1.0

    header = "customer_id,timestamp,channel,intent\n"
    proxy_body = "\n".join(",".join(line.split(",")[:4]) for line in body.splitlines()) + "\n"
    proxy = api.load_interactions(write(tmp_path, proxy_body, header), outcomes=True)
    result = api.simulate(api.load_strategy(follow()), proxy)
    assert result.data.resolution_source == "journey_end"
    # Proxy: phone contacts that end their journey: b and c of a, b, c.
    assert result.channel("phone").resolution_rate == pytest.approx(2 / 3)
    assert result.channel("chat").resolution_rate == 1.0


def test_catalog_satisfaction_overrides_the_data(tmp_path: Path) -> None:
    data = write(
        tmp_path,
        "a,2024-01-01T09:00:00,phone,x,,2\n"
        "b,2024-01-01T09:00:00,phone,x,,4\n"
        "c,2024-01-01T09:00:00,web,x,,5\n",
    )
    cube = api.load_interactions(data, outcomes=True)
    observed = api.simulate(api.load_strategy(follow()), cube)
    assert observed.channel("phone").satisfaction == 3.0
    # Handled-weighted: (2 contacts · 3 + 1 · 5) / 3.
    assert observed.totals.satisfaction == pytest.approx(11 / 3)
    catalog = {**CATALOG, "phone": {**CATALOG["phone"], "satisfaction": 4.5}}
    override = api.simulate(api.load_strategy(follow(channels=catalog)), cube)
    assert override.channel("phone").satisfaction == 4.5
    assert override.totals.satisfaction == pytest.approx((2 * 4.5 + 5) / 3)


def test_rules_aimed_at_follow_ups_move_only_follow_ups(tmp_path: Path) -> None:
    # a: phone, then phone again (follow-up) — only the second moves to chat.
    data = write(
        tmp_path,
        "a,2024-01-01T09:00:00,phone,x,true,\n"
        "a,2024-01-01T11:00:00,phone,x,false,\n"
        "b,2024-01-01T09:00:00,chat,x,true,\n"
        "b,2024-01-01T12:00:00,chat,x,false,\n",
    )
    strategy = api.load_strategy(
        {
            "name": "p",
            "kind": "push",
            "channels": CATALOG,
            "shifts": [
                {
                    "from": "phone",
                    "where": {"step": "follow_up"},
                    "to": {"chat": 1.0},
                    "containment": "observed",
                }
            ],
            "guards": ["contacts_per_journey <= 3", "satisfaction_delta >= -0.1"],
        }
    )
    result = api.simulate(strategy, api.load_interactions(data, outcomes=True))
    phone, chat = result.channel("phone"), result.channel("chat")
    assert (phone.stayed, phone.shifted_out) == (1.0, 1.0)
    # chat resolves 1 of 2 of its own contacts: half the moved one comes back.
    assert chat.shifted_in == 1.0
    assert phone.repeats_in == pytest.approx(0.5)
    assert result.totals.journeys == 2
    assert result.totals.contacts_per_journey == pytest.approx(4.5 / 2)
    assert result.totals.cost_per_journey == pytest.approx(result.totals.cost / 2)
    journeys_guard, satisfaction_guard = result.guards
    assert journeys_guard.ok
    # No satisfaction in the data: the guard cannot hold, so it fails (closed).
    assert (satisfaction_guard.value, satisfaction_guard.ok) == (None, False)


def test_without_outcomes_a_step_rule_is_an_input_error(tmp_path: Path) -> None:
    data = write(tmp_path, "a,2024-01-01T09:00:00,phone,x,,\n")
    strategy = api.load_strategy(
        {
            "name": "p",
            "kind": "push",
            "channels": CATALOG,
            "shifts": [{"from": "phone", "where": {"step": "follow_up"}, "to": {"chat": 1.0}}],
        }
    )
    with pytest.raises(InputError, match="needs journeys"):
        api.simulate(strategy, api.load_interactions(data))


def test_containment_observed_without_any_resolution_for_the_target(tmp_path: Path) -> None:
    # No contact on web, so web shows no resolution at all.
    data = write(tmp_path, "a,2024-01-01T09:00:00,phone,x,true,\n")
    strategy = {
        "name": "p",
        "kind": "push",
        "channels": CATALOG,
        "shifts": [{"from": "phone", "to": {"web": 0.5}, "containment": "observed"}],
    }
    with pytest.raises(InputError, match="resolution rate of 'web'"):
        api.simulate(api.load_strategy(strategy), api.load_interactions(data, outcomes=True))
    path = tmp_path / "observed.yaml"
    path.write_text(json.dumps(strategy, indent=1), encoding="utf-8")  # JSON is YAML
    result = run_cx("simulate", str(path), "--data", str(data), "--outcomes")
    assert result.exit_code == 2
    # The error points at the rule's containment in the strategy file, as any other does.
    assert result.stderr.startswith(f"error: {path}:")
    assert "containment: observed needs the resolution rate of 'web'" in result.stderr
    # The data has a `resolved` column: the hint never asks to add one.
    assert "add a `resolved` column" not in result.stderr
    assert "hint: the data has no contact on web to measure it from" in result.stderr
    assert result.stdout == ""


def test_negative_window_is_an_input_error(tmp_path: Path) -> None:
    data = write(tmp_path, "a,2024-01-01T09:00:00,phone,x,,\n")
    with pytest.raises(InputError, match="negative"):
        api.load_interactions(data, outcomes=True, journey_window=-1)


def test_cli_negative_window_and_bad_satisfaction(tmp_path: Path) -> None:
    strategy = tmp_path / "s.yaml"
    strategy.write_text(json.dumps(follow()), encoding="utf-8")
    data = write(tmp_path, "a,2024-01-01T09:00:00,phone,x,,\n")
    result = run_cx("simulate", str(strategy), "--data", str(data), "--journey-window", "-2")
    assert result.exit_code == 2
    assert "negative" in result.stderr and "Traceback" not in result.stderr

    rows = "".join(f"c{i},2024-01-01T09:00:00,phone,x,,4\n" for i in range(200))
    data = write(tmp_path, rows + "z,2024-01-01T09:00:00,phone,x,,great\n")
    result = run_cx(
        "simulate", str(strategy), "--data", str(data), "--outcomes", "--format", "json",
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["data"]["rows_rejected"] == 1
    assert "satisfaction is not a number" in result.stderr
    assert payload["totals"]["satisfaction"] == 4.0


def test_cli_computes_outcomes_by_itself_when_a_strategy_needs_them() -> None:
    root = Path(__file__).resolve().parent.parent
    result = run_cx(
        "simulate", str(root / "strategies" / "follow-ups-to-chat.yaml"), "--data",
        str(root / "examples" / "interactions.csv"), "--format", "json",
    )
    assert result.exit_code in (0, 1), result.stderr
    payload = json.loads(result.stdout)
    assert payload["data"]["journeys"] > 0
    assert payload["totals"]["satisfaction_delta"] is not None
    assert all(c["resolution_rate"] is not None for c in payload["channels"] if c["demand"])


# ----------------------------------------------------------------------------- properties

contact = st.tuples(
    st.sampled_from(["a", "b", "c", "0"]),
    st.integers(min_value=0, max_value=60 * 24 * 10),  # minutes over ten days
    st.sampled_from(["phone", "chat", "web"]),
    st.sampled_from(["true", "false", ""]),
    st.sampled_from(["1", "3", "5", ""]),
)


def rows_text(contacts: list[tuple[str, int, str, str, str]]) -> str:
    start = datetime(2024, 1, 1)
    return "".join(
        f"{c},{(start + timedelta(minutes=m)).isoformat()},{ch},x,{r},{s}\n"
        for c, m, ch, r, s in contacts
    )


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    contacts=st.lists(contact, min_size=1, max_size=30),
    window=st.sampled_from([0.0, 1.0, 24.0, 72.0]),
)
def test_journey_properties(
    tmp_path: Path, contacts: list[tuple[str, int, str, str, str]], window: float
) -> None:
    data = write(tmp_path, rows_text(contacts))
    mapping = Mapping(anonymous_ids=["0"])
    try:
        cube = api.load_interactions(data, columns=mapping, outcomes=True, journey_window=window)
    except CxError:
        return
    outcomes = cube.outcomes
    assert outcomes is not None
    assert 1 <= outcomes.journeys <= cube.meta.rows_used
    assert outcomes.journeys + outcomes.follow_ups == cube.meta.rows_used
    assert outcomes.hops <= outcomes.follow_ups
    # Every identified customer's first contact starts a journey: at least one
    # journey per customer, plus one per anonymous contact.
    anonymous = sum(1 for c in contacts if c[0] == "0")
    assert outcomes.journeys >= cube.meta.customers + anonymous
    if window == 0.0:
        distinct = len({(c, m) for c, m, *_ in contacts if c != "0"}) + anonymous
        assert outcomes.journeys == distinct
    # A strategy with no rules has the baseline's cost and satisfaction.
    result = api.simulate(api.load_strategy(follow()), cube)
    assert result.totals.cost == pytest.approx(result.totals.baseline_cost)
    assert result.totals.satisfaction_delta in (None, 0.0)


def test_compare_and_sweep_show_outcomes_when_counted() -> None:
    root = Path(__file__).resolve().parent.parent
    data = str(root / "examples" / "interactions.csv")
    compared = run_cx(
        "compare", str(root / "strategies" / "digital-first.yaml"),
        str(root / "strategies" / "follow-ups-to-chat.yaml"), "--data", data, "-f", "markdown",
    )
    assert compared.exit_code in (0, 1), compared.stderr
    assert "| Cost per journey |" in compared.stdout and "| Satisfaction |" in compared.stdout
    plain = run_cx(
        "compare", str(root / "strategies" / "digital-first.yaml"), "--data", data, "-f",
        "markdown",
    )
    assert "Satisfaction" not in plain.stdout  # not counted: no row of nulls
    swept = run_cx(
        "sweep", str(root / "strategies" / "digital-first.yaml"), "--set-range",
        "shifts.0.to.app=0:0.5:0.5", "--data", data, "--outcomes", "-f", "markdown",
    )
    assert swept.exit_code == 0, swept.stderr
    assert "Cost/jrn" in swept.stdout and "Satisf." in swept.stdout


def test_check_of_strategies_with_different_windows_says_whose_window_counts(
    tmp_path: Path,
) -> None:
    # The data is scanned once, so every strategy's journeys follow one window: the
    # second strategy's 24 hours give way to the first one's 72, and that is said.
    root = Path(__file__).resolve().parent.parent
    data = str(root / "examples" / "interactions.csv")
    first = root / "strategies" / "follow-ups-to-chat.yaml"
    shorter = tmp_path / "day-window.yaml"
    shorter.write_text(
        f"version: 1\nextends: {first}\nname: day-window\njourneys: {{window_hours: 24}}\n",
        encoding="utf-8",
    )
    checked = run_cx("check", first, shorter, "--data", data, "--format", "json")
    assert checked.exit_code == 0, checked.stderr
    json.loads(checked.stdout)
    assert (
        "every strategy follows journeys with a 72-hour window (the first one's "
        "journeys.window_hours); day-window set another (use --journey-window to choose)"
    ) in checked.stderr
    chosen = run_cx("check", first, shorter, "--data", data, "--journey-window", "24")
    assert chosen.exit_code == 0, chosen.stderr
    assert "window" not in chosen.stderr
    alone = run_cx("check", shorter, "--data", data)
    assert "window" not in alone.stderr
