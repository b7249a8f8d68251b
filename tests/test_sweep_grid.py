"""`cx sweep` over two keys: a grid of the strategy at every pair of values, through the
Python API and the command line, with the figures worked out by hand on a tiny history.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import one_error_line, run_cx, write_csv, write_strategy

import cx
from cx.models.result import SweepGrid

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
DIGITAL_FIRST = ROOT / "strategies" / "digital-first.yaml"

SHARE, PRICE = "shifts.0.to.app", "channels.app.cost_per_contact"
# Ten phone calls of ten customers in one month; a phone call costs 5 a contact and
# nothing else, the app costs PRICE a contact. The push moves a share s of the calls to
# the app and none comes back (containment 1), so against today (ten calls, 50):
#   cost_delta = 10 · s · (PRICE − 5)
SHARES, PRICES = [0, 0.5, 1], [1, 3, 5]
BY_HAND = [
    [0.0, 0.0, 0.0],  # s = 0: nothing moves
    [-20.0, -10.0, 0.0],  # s = 0.5: 5 calls at 1, 3, 5 instead of 5
    [-40.0, -20.0, 0.0],  # s = 1: 10 calls
]
PUSH = {
    "version": 1,
    "name": "to-app",
    "kind": "push",
    "period": "month",
    "channels": {
        "phone": {"mode": "live", "cost_per_contact": 5.0},
        "app": {"mode": "self_service", "cost_per_contact": 2.0},
    },
    "shifts": [{"from": "phone", "to": {"app": 0.2}, "containment": 1.0}],
}
GRID_RANGES = ("--set-range", f"{SHARE}=0:1:0.5", "--set-range", f"{PRICE}=1:5:2")


@pytest.fixture
def tiny(work: Path) -> Path:
    rows = [(f"c{i}", f"2024-03-{i + 1:02d} 10:00:00", "phone") for i in range(10)]
    write_csv(work / "calls.csv", rows, ("customer_id", "timestamp", "channel"))
    write_strategy(work / "push.yaml", PUSH)
    return work


def sweep_cli(*args: object) -> Any:
    return run_cx("sweep", "push.yaml", *GRID_RANGES, "--data", "calls.csv", *args)


#: (share, price, cost_delta) at every point, row by row, flattened for pytest.approx.
POINTS_BY_HAND = [
    figure
    for i, share in enumerate(SHARES)
    for j, price in enumerate(PRICES)
    for figure in (share, price, BY_HAND[i][j])
]


def cost_deltas(grid: SweepGrid) -> list[list[float]]:
    return [[result.totals.cost_delta for result in row] for row in grid.grid()]


# --------------------------------------------------------------------------- the API


def test_the_grid_holds_the_cost_worked_out_by_hand(tiny: Path) -> None:
    cube = cx.load_interactions(tiny / "calls.csv")
    grid = cx.sweep(tiny / "push.yaml", SHARE, SHARES, cube, key2=PRICE, values2=PRICES)
    assert isinstance(grid, SweepGrid)
    assert grid.keys == [SHARE, PRICE]
    assert grid.axis(0) == SHARES and grid.axis(1) == PRICES
    assert cost_deltas(grid) == [[pytest.approx(v, abs=1e-9) for v in row] for row in BY_HAND]
    # Row by row: the first key's first value with each of the second key's values, ...
    assert [list(step.values.values()) for step in grid.steps] == [
        [s, p] for s in SHARES for p in PRICES
    ]
    assert all(step.result.totals.baseline_cost == pytest.approx(50.0) for step in grid.steps)


def test_a_grid_equals_one_key_sweeps_at_the_other_keys_values() -> None:
    """Each column of the grid is the one-key sweep with the second key set by --set."""
    cube = cx.load_interactions(EXAMPLE)
    shares, minutes = [0.2, 0.5], [450, 660]
    key2 = "channels.chat.handle_time"
    grid = cx.sweep(DIGITAL_FIRST, SHARE, shares, cube, key2=key2, values2=minutes)
    for column, minute in enumerate(minutes):
        curve = cx.sweep(DIGITAL_FIRST, SHARE, shares, cube, overrides=[f"{key2}={minute}"])
        assert [step.value for step in curve.steps] == grid.axis(0)
        for row, step in enumerate(curve.steps):
            assert grid.grid()[row][column].model_dump() == step.result.model_dump()
    # The two keys really move the figure: no two points cost the same.
    costs = {round(result.totals.cost, 6) for row in grid.grid() for result in row}
    assert len(costs) == len(shares) * len(minutes)


def test_a_loaded_strategy_sweeps_to_the_same_grid(tiny: Path) -> None:
    cube = cx.load_interactions(tiny / "calls.csv")
    loaded = cx.load_strategy(tiny / "push.yaml")
    grid = cx.sweep(loaded, SHARE, SHARES, cube, key2=PRICE, values2=PRICES)
    assert cost_deltas(grid) == [[pytest.approx(v, abs=1e-9) for v in row] for row in BY_HAND]


def test_one_key_still_returns_the_curve_it_always_did(tiny: Path) -> None:
    cube = cx.load_interactions(tiny / "calls.csv")
    curve = cx.sweep(tiny / "push.yaml", SHARE, SHARES, cube)
    assert set(curve.model_dump()) == {"schema_version", "strategy", "key", "steps"}
    assert [step.result.totals.cost_delta for step in curve.steps] == pytest.approx(
        [0.0, -15.0, -30.0]  # 10 · s · (2 − 5)
    )


def edited_once_read(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[Path]:
    """Each read of a strategy file, with ``path`` edited right after its first read (a
    phone call then costs 7, not 5): a sweep reading it again would mix the versions."""
    from cx.loader import strategy as loader

    reads: list[Path] = []
    read = loader.load_located

    def reading(file: str | Path) -> Any:
        located = read(file)
        reads.append(Path(file))
        phone = {"mode": "live", "cost_per_contact": 7.0}
        write_strategy(path, {**PUSH, "channels": {**PUSH["channels"], "phone": phone}})
        return located

    monkeypatch.setattr(loader, "load_located", reading)
    return reads


def test_every_point_comes_from_one_reading_of_the_file(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cube = cx.load_interactions(tiny / "calls.csv")
    reads = edited_once_read(monkeypatch, tiny / "push.yaml")
    grid = cx.sweep(tiny / "push.yaml", SHARE, SHARES, cube, key2=PRICE, values2=PRICES)
    assert all(step.result.totals.baseline_cost == pytest.approx(50.0) for step in grid.steps)
    assert cost_deltas(grid) == [[pytest.approx(v, abs=1e-9) for v in row] for row in BY_HAND]
    assert reads == [tiny / "push.yaml"]


# --------------------------------------------------------------------------- the CLI


def test_json_names_both_keys_and_each_points_values(tiny: Path) -> None:
    outcome = sweep_cli("--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    payload = json.loads(outcome.stdout)
    assert list(payload) == ["schema_version", "strategy", "keys", "steps", "caveats"]
    assert payload["schema_version"] == 1 and payload["strategy"] == "to-app"
    assert payload["keys"] == [SHARE, PRICE]
    assert [step["values"] for step in payload["steps"]] == [
        {SHARE: s, PRICE: p} for s in SHARES for p in PRICES
    ]
    assert [step["result"]["totals"]["cost_delta"] for step in payload["steps"]] == (
        pytest.approx([v for row in BY_HAND for v in row], abs=1e-9)
    )
    assert SweepGrid.model_validate(payload).model_dump(mode="json") == payload


def test_the_command_reads_the_file_once_for_every_point(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first point, which the data is read for, and the others: one version.
    reads = edited_once_read(monkeypatch, tiny / "push.yaml")
    outcome = sweep_cli("--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    steps = json.loads(outcome.stdout)["steps"]
    assert [step["result"]["totals"]["cost_delta"] for step in steps] == (
        pytest.approx([v for row in BY_HAND for v in row], abs=1e-9)
    )
    assert len(reads) == 1


def test_one_key_json_keeps_its_shape(tiny: Path) -> None:
    outcome = run_cx(
        "sweep", "push.yaml", "--set-range", f"{SHARE}=0:1:0.5", "--data", "calls.csv",
        "--format", "json",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    payload = json.loads(outcome.stdout)
    assert list(payload) == ["schema_version", "strategy", "key", "steps", "caveats"]
    assert payload["key"] == SHARE
    assert [list(step) for step in payload["steps"]] == [["value", "result"]] * 3


def test_table_is_the_grid_of_cost_against_today(tiny: Path) -> None:
    outcome = sweep_cli()
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stderr == ""
    text = outcome.stdout
    assert f"Cost vs baseline of to-app: {SHARE} (rows) by {PRICE} (columns)" in " ".join(
        text.split()
    )
    lines = [line.split() for line in text.splitlines()]
    header = next(line for line in lines if line[:1] == ["app"])
    assert header == ["app", "↓", "cost_per_contact", "→", "1", "3", "5"]
    body = {line[0]: line[1:] for line in lines if line[:1] and line[0] in ("0.0", "0.5", "1.0")}
    assert body == {
        "0.0": ["0", "0", "0"],  # no change is written as compare writes it
        "0.5": ["−20.00", "−10.00", "0"],
        "1.0": ["−40.00", "★", "−20.00", "0"],  # the best point is marked
    }
    assert "★ best value in the grid." in text


def test_metric_picks_the_figure_of_the_grid(tiny: Path) -> None:
    outcome = sweep_cli("--metric", "cost", "--format", "markdown")
    assert outcome.exit_code == 0, outcome.stderr
    assert f"## Cost of to-app: {SHARE} (rows) by {PRICE} (columns)" in outcome.stdout
    # cost = 50 + cost_delta
    assert "| 1.0 | 10.00 ★ | 30.00 | 50.00 |" in outcome.stdout
    assert "| 0.0 | 50.00 | 50.00 | 50.00 |" in outcome.stdout


def test_csv_has_one_row_per_point_and_a_column_per_key(tiny: Path) -> None:
    outcome = sweep_cli("--format", "csv")
    assert outcome.exit_code == 0, outcome.stderr
    rows = list(csv.DictReader(io.StringIO(outcome.stdout)))
    assert len(rows) == 9
    assert list(rows[0])[:3] == [SHARE, PRICE, "demand"]
    points = [float(r[name]) for r in rows for name in (SHARE, PRICE, "cost_delta")]
    assert points == pytest.approx(POINTS_BY_HAND, abs=1e-9)


def test_xlsx_has_a_column_per_key(tiny: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    outcome = sweep_cli("--format", "xlsx", "-o", "grid.xlsx")
    assert outcome.exit_code == 0, outcome.stderr
    sheet = openpyxl.load_workbook(tiny / "grid.xlsx")["steps"]
    header, *body = list(sheet.iter_rows(values_only=True))
    assert header[:2] == (SHARE, PRICE)
    delta = header.index("cost_delta")
    points = [figure for row in body for figure in (row[0], row[1], row[delta])]
    assert points == pytest.approx(POINTS_BY_HAND, abs=1e-9)


def test_a_range_stops_at_stop(tiny: Path) -> None:
    """400:780:40 has nine whole steps: its last value is 760, never 800."""
    outcome = run_cx(
        "sweep", "push.yaml", "--set-range", "channels.app.cost_per_contact=400:780:40",
        "--data", "calls.csv", "--format", "csv",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    values = [row["value"] for row in csv.DictReader(io.StringIO(outcome.stdout))]
    assert values == [str(v) for v in range(400, 761, 40)]


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (
            [*GRID_RANGES, "--set-range", "channels.phone.cost_per_contact=1:2:1"],
            ("--set-range is given 3 times", "one key or two"),
        ),
        (
            ["--set-range", f"{SHARE}=0:1:0.5", "--set-range", f"{SHARE}=0:0.5:0.1"],
            (f"--set-range names {SHARE} twice", "two different keys"),
        ),
        (
            ["--set-range", f"{SHARE}=0:1:0.05", "--set-range", f"{PRICE}=0:20:1"],
            ("21 × 21 = 441 points, more than 400", "at most 400 points"),
        ),
        (
            ["--set-range", f"{SHARE}=0:1:0.5", "--metric", "cost"],
            ("--metric picks the figure of a grid of two keys",),
        ),
        ([*GRID_RANGES, "--metric", "costs"], ("unknown --metric 'costs'", "cost_delta")),
        (
            ["--set-range", f"{SHARE}=0:1:0.5", "--set-range", f"{PRICE[:-1]}=1:2:1"],
            ("cost_per_contac", "did you mean 'cost_per_contact'"),
        ),
        (
            ["--set", f"{PRICE}=2", *GRID_RANGES],
            (f"--set and --set-range both give {PRICE}",),
        ),
        (
            ["--set-range", f"{SHARE}=0:1:0.5", "--set-range", "shifts.00.to.app=0:1:0.5"],
            (f"--set-range names {SHARE} twice",),
        ),
        (
            ["--set", "shifts.00.to.app=0.5", "--set-range", f"{SHARE}=0:1:0.5"],
            (f"--set and --set-range both give {SHARE}",),
        ),
        (
            ["--set-range", "journeys.window_hours=24:72:24"],
            ("cannot vary journeys.window_hours", "one journey window", "--journey-window"),
        ),
        (
            ["--set-range", f"{SHARE}=0:1:0.5", "--set-range", "journeys.window_hours=24:72:24"],
            ("cannot vary journeys.window_hours", "--journey-window"),
        ),
    ],
    ids=[
        "three-keys",
        "same-key",
        "too-many-points",
        "metric-one-key",
        "metric-unknown",
        "typo",
        "set-and-range",
        "index-spelt-twice",
        "set-with-an-index-spelt-otherwise",
        "journey-window",
        "journey-window-in-a-grid",
    ],
)
def test_a_wrong_grid_is_one_line_and_exit_2(
    tiny: Path, arguments: list[str], words: tuple[str, ...]
) -> None:
    # The data file does not exist: the ranges are checked before any data is read.
    line = one_error_line(run_cx("sweep", "push.yaml", *arguments, "--data", "missing.csv"))
    for word in words:
        assert word in line, line


def test_a_swept_value_that_breaks_a_rule_names_the_point(tiny: Path) -> None:
    # Two targets: app at 0.9 and web at 0.2 share more than all of the calls.
    strategy = {**PUSH, "shifts": [{"from": "phone", "to": {"app": 0.2, "web": 0.2}}]}
    strategy["channels"] = {**PUSH["channels"], "web": {"mode": "self_service"}}
    write_strategy(tiny / "two.yaml", strategy)
    result = run_cx("sweep", "two.yaml", "--set-range", f"{SHARE}=0.1:0.9:0.4",
                    "--data", "calls.csv")  # fmt: skip
    line = one_error_line(result)
    assert "two.yaml" in line and "shares add up to 1.1" in line
    # Named once: it also ended with "(with shifts.0.to.app=0.9 of the sweep)".
    assert line.endswith(f"more than 1, with --set-range {SHARE} (value 0.9)")
    grid = run_cx("sweep", "two.yaml", "--set-range", f"{SHARE}=0.1:0.9:0.4",
                  "--set-range", f"{PRICE}=1:5:4", "--data", "calls.csv")  # fmt: skip
    assert one_error_line(grid).endswith(
        f"with --set-range {SHARE} (value 0.9) (with {PRICE}=1 of the sweep)"
    )


def test_a_swept_value_that_breaks_a_rule_is_named_once_by_the_library(tiny: Path) -> None:
    strategy = {**PUSH, "shifts": [{"from": "phone", "to": {"app": 0.2, "web": 0.2}}]}
    strategy["channels"] = {**PUSH["channels"], "web": {"mode": "self_service"}}
    cube = cx.load_interactions(tiny / "calls.csv")
    with pytest.raises(cx.StrategyError) as raised:
        cx.sweep(strategy, SHARE, [0.1, 0.9], cube)
    assert [finding.message for finding in raised.value.findings] == [
        f"shares add up to 1.1, more than 1, with --set {SHARE}=0.9"
    ]
    with pytest.raises(cx.StrategyError) as raised:
        cx.sweep(strategy, SHARE, [0.9], cube, key2=PRICE, values2=[3])
    assert raised.value.findings[0].message.endswith(
        f"with --set {SHARE}=0.9 (with {PRICE}=3 of the sweep)"
    )


@pytest.mark.parametrize("command", ["sweep", "report"])
def test_a_first_swept_value_refused_is_named_as_the_range(tmp_path: Path, command: str) -> None:
    """It was named `--set channels.email.response.within=300`, an option never given."""
    root = Path(__file__).resolve().parent.parent
    args = [command, str(root / "strategies" / "follow-with-hours.yaml"),
            "--data", str(root / "examples" / "interactions.csv"),
            "--set-range", "channels.email.response.within=300:1800:300"]  # fmt: skip
    if command == "report":
        args += ["-o", str(tmp_path / "r.html")]
    result = run_cx(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(
        "error: --set-range channels.email.response.within (value 300): "
        "channels.email.response.within: a response within 300 s is shorter"
    )
    assert not (tmp_path / "r.html").exists()


def test_a_later_swept_value_refused_is_named_as_the_range() -> None:
    root = Path(__file__).resolve().parent.parent
    result = run_cx("sweep", str(root / "strategies" / "digital-first.yaml"),
                    "--data", str(root / "examples" / "interactions.csv"),
                    "--set-range", "shifts.0.containment=0.5:1.5:0.5")  # fmt: skip
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: --set-range shifts.0.containment (value 1.5): ")
    assert "--set shifts" not in result.stderr


@pytest.mark.parametrize(
    ("key", "values", "key2", "values2"),
    [
        ("journeys.window_hours", [24, 72], None, None),
        ("period", ["week", "quarter"], None, None),
        (SHARE, [0.2, 0.4], "journeys.window_hours", [24, 72]),
    ],
)
def test_a_key_the_data_is_scanned_with_is_not_swept(
    key: str, values: list[Any], key2: str | None, values2: list[Any] | None
) -> None:
    # Every step is evaluated on the one cube, whose period and journeys were fixed when
    # it was scanned: the steps would all give the same figures.
    cube = cx.load_interactions(EXAMPLE)
    with pytest.raises(cx.InputError, match="the data is scanned once"):
        cx.sweep(DIGITAL_FIRST, key, values, cube, key2=key2, values2=values2)


def test_the_grid_stars_the_best_figure_as_written(tiny: Path) -> None:
    """−40.00 and −39.9995 both read −40.00: starring only the first marked one of two
    figures that read alike as better."""
    from cx.render.compare import grid_section

    cube = cx.load_interactions(tiny / "calls.csv")
    grid = cx.sweep(tiny / "push.yaml", SHARE, [1.0], cube, key2=PRICE, values2=[1, 1.00005, 5])
    assert isinstance(grid, SweepGrid)
    assert cost_deltas(grid)[0][:2] == [pytest.approx(-40.0), pytest.approx(-39.9995)]
    [row] = grid_section(grid).rows
    assert row[1:] == ["−40.00 ★", "−40.00 ★", "0"]
