"""A retired channel's fallback split over several channels (§4, §5):
``fallback: {fax: {to: {web: 0.5, email: 0.3}}}`` moves each share, the rest is lost.

Hand-computed cube flows, the single-target form as the split form with one target,
per-contact routing (``--replay``) that loses or places every contact exactly once, and
the validation findings of the new form.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cx import api
from cx.cli.app import app
from cx.replay.routing import route
from cx.replay.rules import RuleSet

CATALOG: dict[str, Any] = {
    "phone": {"mode": "live", "cost_per_contact": 5.0},
    "web": {"mode": "self_service", "cost_per_contact": 0.1},
    "email": {"mode": "async", "cost_per_contact": 2.0},
    "fax": {"mode": "self_service", "cost_per_contact": 3.0},
}


def write_rows(path: Path, counts: dict[str, int]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "timestamp", "channel"])
        for channel, count in counts.items():
            for i in range(count):
                writer.writerow([f"{channel}{i}", f"2024-01-{2 + i % 20:02d} 10:00:00", channel])
    return path


def strategy(fallback: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": "no-fax",
        "kind": "push",
        "channels": CATALOG,
        "offer": ["phone", "web", "email"],
        "fallback": {"fax": fallback},
        **extra,
    }


def simulate(tmp_path: Path, spec: dict[str, Any]) -> Any:
    data = write_rows(tmp_path / "data.csv", {"phone": 4, "web": 2, "fax": 10})
    return api.simulate(api.load_strategy(spec), api.load_interactions(data))


def test_split_fallback_flows_by_hand(tmp_path: Path) -> None:
    result = simulate(tmp_path, strategy({"to": {"web": 0.5, "email": 0.3}}))
    fax, web, email, phone = (result.channel(n) for n in ("fax", "web", "email", "phone"))
    # fax: 10 contacts, retired: 5 to web, 3 to email, 10 − 8 = 2 lost
    assert fax.shifted_out == pytest.approx(8.0)
    assert fax.lost == pytest.approx(2.0)
    assert web.shifted_in == pytest.approx(5.0)
    assert web.handled == pytest.approx(7.0)  # its own 2 + 5
    assert email.handled == pytest.approx(3.0)
    assert phone.handled == pytest.approx(4.0)
    assert result.totals.lost == pytest.approx(2.0)
    assert result.totals.coverage == pytest.approx(14 / 16)
    # cost: phone 4·5 + web 7·0.1 + email 3·2 = 26.7
    assert result.totals.cost == pytest.approx(26.7)


def test_split_fallback_after_a_rule_takes_its_share_of_the_rest(tmp_path: Path) -> None:
    rule = {"from": "fax", "to": {"phone": 0.2}}
    result = simulate(tmp_path, strategy({"to": {"web": 0.5, "email": 0.3}}, shifts=[rule]))
    # the rule moves 2 of 10 to phone; of the 8 left 4 go to web, 2.4 to email, 1.6 lost
    assert result.channel("phone").shifted_in == pytest.approx(2.0)
    assert result.channel("web").shifted_in == pytest.approx(4.0)
    assert result.channel("email").shifted_in == pytest.approx(2.4)
    assert result.totals.lost == pytest.approx(1.6)


def test_single_target_is_the_split_form_with_one_share(tmp_path: Path) -> None:
    single = simulate(tmp_path, strategy({"to": "web", "accept": 0.6}))
    split = simulate(tmp_path, strategy({"to": {"web": 0.6}}))
    assert single.model_dump() == split.model_dump()
    assert single.totals.lost == pytest.approx(4.0)


def test_a_split_fallback_with_one_target_at_share_one_loses_nothing(tmp_path: Path) -> None:
    result = simulate(tmp_path, strategy({"to": {"email": 1.0}}))
    assert result.totals.lost == 0.0
    assert result.channel("email").handled == pytest.approx(10.0)


def fax_trace(count: int) -> pl.DataFrame:
    """``count`` fax contacts (catalog code 3) that no rule takes, all in period 0, on a
    channel open 24/7 (no opening-hours state, as ``trace_query`` gives it)."""
    return pl.DataFrame(
        {
            "row": np.arange(count, dtype=np.int64),
            "code": np.full(count, 3, dtype=np.int32),
            "rule": np.full(count, -1, dtype=np.int32),
            "period": np.zeros(count, dtype=np.int32),
            "hours": pl.Series([None] * count, dtype=pl.String),
        }
    )


def test_replay_routing_places_or_loses_every_contact_with_its_share() -> None:
    rules = RuleSet.compile(api.load_strategy(strategy({"to": {"web": 0.5, "email": 0.3}})))
    routing = route(rules, fax_trace(20_000), periods_count=1, seed=3)
    names = routing.channels
    counts = {names[code]: int((routing.dest == code).sum()) for code in range(len(names))}
    lost = int((routing.dest == -1).sum())
    assert counts["fax"] == counts["phone"] == 0
    assert counts["web"] + counts["email"] + lost == 20_000  # every contact once
    # binomial counts: 4 standard deviations either side
    assert counts["web"] == pytest.approx(10_000, abs=4 * np.sqrt(20_000 * 0.25))
    assert counts["email"] == pytest.approx(6_000, abs=4 * np.sqrt(20_000 * 0.21))
    assert lost == pytest.approx(4_000, abs=4 * np.sqrt(20_000 * 0.16))


@settings(max_examples=30, deadline=None)
@given(
    web=st.floats(0.0, 1.0),
    email=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**31),
)
def test_replay_routing_conserves_contacts(web: float, email: float, seed: int) -> None:
    email = min(email, 1.0 - web)
    rules = RuleSet.compile(api.load_strategy(strategy({"to": {"web": web, "email": email}})))
    routing = route(rules, fax_trace(500), periods_count=1, seed=seed)
    web_code, email_code = routing.channels.index("web"), routing.channels.index("email")
    assert set(np.unique(routing.dest).tolist()) <= {-1, web_code, email_code}
    placed = int(np.isin(routing.dest, [web_code, email_code]).sum())
    assert placed + int((routing.dest == -1).sum()) == 500


def test_replay_routing_of_single_and_one_target_split_forms_is_identical() -> None:
    trace = fax_trace(2_000)
    single = RuleSet.compile(api.load_strategy(strategy({"to": "web", "accept": 0.4})))
    split = RuleSet.compile(api.load_strategy(strategy({"to": {"web": 0.4}})))
    assert np.array_equal(route(single, trace, 1, 9).dest, route(split, trace, 1, 9).dest)


def test_replay_through_the_api_sends_the_split_to_live_channels(tmp_path: Path) -> None:
    live = {"mode": "live", "handle_time": 300, "hourly_cost": 30}
    spec = {
        "name": "no-fax",
        "kind": "push",
        "channels": {"phone": live, "chat": live, "fax": {"mode": "self_service"}},
        "offer": ["phone", "chat"],
        "fallback": {"fax": {"to": {"phone": 0.5, "chat": 0.3}}},
    }
    data = write_rows(tmp_path / "data.csv", {"fax": 2_000})
    result = api.simulate(api.load_strategy(spec), api.load_interactions(data), replay=True)
    phone, chat = result.channel("phone").replay, result.channel("chat").replay
    assert phone is not None and chat is not None
    assert phone.contacts == pytest.approx(1_000, abs=4 * np.sqrt(2_000 * 0.25))
    assert chat.contacts == pytest.approx(600, abs=4 * np.sqrt(2_000 * 0.21))
    assert phone.contacts + chat.contacts <= 2_000


# --------------------------------------------------------------------------- validation

HEAD = """\
name: no-fax
kind: push
channels:
  phone: {mode: live, handle_time: 300, hourly_cost: 30}
  web: {mode: self_service}
  email: {mode: async, handle_time: 300, hourly_cost: 30}
  fax: {mode: self_service}
offer: [web, email]
"""


def validate(tmp_path: Path, tail: str) -> list[dict[str, Any]]:
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + tail, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1, result.stdout
    return [
        {key: finding[key] for key in ("line", "path", "message", "hint")}
        for entry in json.loads(result.stdout)["files"]
        for finding in entry["findings"]
    ]


@pytest.mark.parametrize(
    ("tail", "line", "path", "words", "hint"),
    [
        (
            "fallback:\n  fax: {to: {web: 0.5, emial: 0.3}}\n",
            10,
            "fallback.fax.to.emial",
            "fallback target 'emial' is not in the channel catalog",
            "did you mean 'email'?",
        ),
        (
            "fallback:\n  fax: {to: {web: 0.8, email: 0.3}}\n",
            10,
            "fallback.fax.to",
            "shares add up to 1.1, more than 1",
            "the rest are lost",
        ),
        (
            "fallback:\n  fax:\n    to: {web: 2}\n",
            11,
            "fallback.fax.to",
            "less than or equal to 1",
            None,
        ),
        ("fallback:\n  fax:\n    to: {web: .nan}\n", 11, "fallback.fax.to", "finite number", None),
        (
            "fallback:\n  fax: {to: {phone: 0.5}}\n",
            10,
            "fallback.fax.to.phone",
            "not offered",
            None,
        ),
        ("fallback:\n  fax: {to: {}}\n", 10, "fallback.fax.to", "at least one target", None),
        ("fallback:\n  fax: {to: web}\n", 10, "fallback.fax.accept", "needs `accept`", "web"),
        (
            "fallback:\n  fax: {to: {web: 0.5}, accept: 0.5}\n",
            10,
            "fallback.fax.accept",
            "`accept` goes with a single `to` channel",
            "remove `accept`",
        ),
        (
            "shifts:\n  - {from: fax, to: {web: 0.1}, containment: 0.5}\n"
            "fallback:\n  fax: {to: {web: 0.5, email: 0.3}}\n",
            10,
            "shifts.0.escalate_to",
            "falls back to 2 channels",
            "set escalate_to",
        ),
    ],
)
def test_bad_split_fallbacks_are_findings_with_their_line(
    tmp_path: Path, tail: str, line: int, path: str, words: str, hint: str | None
) -> None:
    findings = validate(tmp_path, tail)
    assert len(findings) == 1, findings
    (finding,) = findings
    assert (finding["line"], finding["path"]) == (line, path)
    assert words in finding["message"]
    if hint is not None:
        assert hint in finding["hint"]


def test_a_split_fallback_with_an_escalation_target_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        HEAD + "shifts:\n  - {from: fax, to: {web: 0.1}, containment: 0.5, escalate_to: email}\n"
        "fallback:\n  fax: {to: {web: 0.5, email: 0.3}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.stdout


@pytest.fixture(scope="module")
def small_cube(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data = write_rows(tmp_path_factory.mktemp("split") / "data.csv", {"phone": 4, "fax": 10})
    return api.load_interactions(data)


@settings(max_examples=40, deadline=None)
@given(
    web=st.floats(0.0, 1.0),
    email=st.floats(0.0, 1.0),
    moved=st.floats(0.0, 1.0),
    containment=st.floats(0.0, 1.0),
)
def test_split_fallback_conserves_contacts_in_the_cube(
    small_cube: Any, web: float, email: float, moved: float, containment: float
) -> None:
    email = min(email, 1.0 - web)
    rule = {"from": "fax", "to": {"phone": moved}, "containment": containment}
    spec = strategy({"to": {"web": web, "email": email}}, shifts=[{**rule, "escalate_to": "email"}])
    result = api.simulate(api.load_strategy(spec), small_cube)
    totals, fax = result.totals, result.channel("fax")
    assert sum(c.handled for c in result.channels) == pytest.approx(
        totals.demand - totals.lost + totals.repeats
    )
    assert fax.demand == pytest.approx(fax.shifted_out + fax.lost)
    # the rule moves 10·moved; of the rest, web and email take their shares
    assert fax.lost == pytest.approx(10 * (1 - moved) * (1 - web - email), abs=1e-9)
    assert result.channel("web").shifted_in == pytest.approx(10 * (1 - moved) * web)
    assert totals.repeats == pytest.approx(10 * moved * (1 - containment))
