"""`cx report` opens with the run's caveats: the data's notes, the data profile's
warnings and the strategies' warnings, in the words stderr says them, so that the page
handed on carries what its figures must be read with; no section when there is none."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import polars as pl
import pytest

import cx

pytest.importorskip("altair", reason="the report extra is not installed")
pytest.importorskip("vl_convert", reason="the report extra is not installed")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import run_cx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interactions.csv"
STRATEGY = ROOT / "strategies" / "digital-first.yaml"
HOSTILE = "</li><!--<script>window.__pwned=1</script>"


def _export(tmp_path: Path, first: str, last: str) -> pl.DataFrame:
    """The example's contacts from ``first`` to ``last`` (dates, both included)."""
    day = pl.col("timestamp").str.slice(0, 10)
    rows = pl.read_csv(EXAMPLE, infer_schema=False)
    return rows.filter(day.is_between(pl.lit(first), pl.lit(last)))


def _report(*args: object) -> tuple[str, str]:
    """The page and the stderr of ``cx report ARGS... -o report.html``."""
    target = Path(str(args[-1]))
    outcome = run_cx("report", *args[:-1], "-o", target, "--no-cache")
    assert outcome.exit_code == 0, (outcome.exception, outcome.stderr)
    assert outcome.stdout == ""
    return target.read_text(encoding="utf-8"), outcome.stderr


def _caveats(page: str) -> list[str] | None:
    """The sentences of the page's Caveats, as text (None: no such section)."""
    match = re.search(r'<section class="caveats"[^>]*>(.*?)</section>', page, re.S)
    if match is None:
        return None
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1))]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_page_says_what_stderr_says_about_the_data_and_the_strategy(
    tmp_path: Path,
) -> None:
    """Duplicate rows, a short last month, rejected rows, a ramp unfinished and a floor
    held nowhere were said on stderr only: the page showed its figures without them."""
    rows = _export(tmp_path, "2024-01-01", "2024-03-02")
    broken = rows.head(1).with_columns(timestamp=pl.lit("not a time"))
    data = tmp_path / "export.csv"
    pl.concat([rows, rows.head(1), broken]).write_csv(data)
    rejects = tmp_path / "rejects.csv"
    page, stderr = _report(
        STRATEGY, "--data", data, "--rejects", rejects,
        "--set", "channels.email.min_agents=2", tmp_path / "report.html",
    )  # fmt: skip
    said = _caveats(page)
    assert said is not None
    assert page.index('id="caveats"') < page.index("<h2>At a glance</h2>")
    expected = (
        "1 row repeats an earlier row exactly",
        "covers only 2 of the 31 days of its last period (2024-03)",
        f"rows rejected (0.01%); first at line {rows.height + 3}",
        f"all written to {rejects}",
        "shifts.0: its ramp of 4 periods reaches 84% of its shares",
        "channels.email.min_agents: min_agents 2 holds nowhere",
        "customer '0' has",  # the data profile's warning
    )
    for words in expected:
        assert sum(words in sentence for sentence in said) == 1, words
    # The same sentences as on stderr, each once.
    assert len(said) == len(set(said))
    for sentence in said:
        assert _flat(sentence) in _flat(stderr), sentence


def test_a_script_gets_the_caveats_the_page_lists(tmp_path: Path) -> None:
    """A script building its own page had no way to the report's caveats but the
    report's HTML: ``cx.api.caveats`` gives the same sentences, in the same order."""
    rows = _export(tmp_path, "2024-01-01", "2024-03-02")
    data = tmp_path / "export.csv"
    pl.concat([rows, rows.head(1)]).write_csv(data)
    cube = cx.load_interactions(data, keep_rows=True)
    profile = cx.api.inspect_interactions(cube)
    strategy = cx.load_strategy(STRATEGY, ["channels.email.min_agents=2"])
    said = cx.api.caveats([strategy], cube, profile=profile)
    for words in (
        "1 row repeats an earlier row exactly",
        "shifts.0: its ramp of 4 periods reaches 84% of its shares",
        "channels.email.min_agents: min_agents 2 holds nowhere",
        "customer '0' has",
    ):
        assert sum(words in sentence for sentence in said) == 1, words
    from cx.report import build_report

    page = build_report([strategy], cube, profile=profile)
    assert [_flat(sentence) for sentence in said] == [_flat(s) for s in _caveats(page) or []]


def test_dates_without_a_time_of_day_are_said_on_the_page(tmp_path: Path) -> None:
    rows = _export(tmp_path, "2024-01-01", "2024-01-31")
    data = tmp_path / "dates.csv"
    rows.with_columns(pl.col("timestamp").str.slice(0, 10) + "T00:00:00").write_csv(data)
    page, stderr = _report(STRATEGY, "--data", data, tmp_path / "report.html")
    said = _caveats(page)
    assert said is not None
    assert any("every timestamp is at midnight" in sentence for sentence in said)
    assert "every timestamp is at midnight" in _flat(stderr)


def test_a_clean_run_has_no_caveats(tmp_path: Path) -> None:
    mapping = tmp_path / "columns.yaml"
    mapping.write_text('anonymous_ids: ["0"]\n', encoding="utf-8")
    page, stderr = _report(
        STRATEGY, "--data", EXAMPLE, "--columns", mapping, tmp_path / "report.html"
    )
    assert "warning" not in stderr
    assert _caveats(page) is None
    assert "Caveats" not in page


def test_a_clean_cube_has_no_caveats() -> None:
    from cx.report import build_report

    page = build_report([cx.load_strategy(STRATEGY)], cx.load_interactions(EXAMPLE))
    assert _caveats(page) is None


def test_a_hostile_name_in_a_caveat_is_text(tmp_path: Path) -> None:
    rows = pl.read_csv(EXAMPLE, infer_schema=False)
    data = tmp_path / "export.csv"
    rows.with_columns(
        customer_id=pl.when(pl.col("customer_id") == "0")
        .then(pl.lit(HOSTILE))
        .otherwise(pl.col("customer_id"))
    ).write_csv(data)
    page, _ = _report(STRATEGY, "--data", data, tmp_path / "report.html")
    said = _caveats(page)
    assert said is not None
    assert any(f"customer '{HOSTILE}' has 600 contacts" in sentence for sentence in said)
    assert HOSTILE not in page
    assert "window.__pwned" not in page.replace(html.escape(HOSTILE), "")


def test_many_caveats_leave_the_figures_near_the_top(tmp_path: Path) -> None:
    """A strategy of 30 shift rules that take no contact opened its page with 30 lines
    of caveats before the first figure: past the first ten, they are folded under
    'and N more', each still on the page."""
    from cx.report.build import CAVEATS_SHOWN

    strategy = tmp_path / "idle.yaml"
    strategy.write_text(
        f"version: 1\nextends: {STRATEGY}\nname: idle\nshifts:\n"
        + "".join(
            f"  - {{from: phone, where: {{intent: [none{n}]}}, to: {{app: 0.1}}}}\n"
            for n in range(30)
        ),
        encoding="utf-8",
    )
    page, stderr = _report(strategy, "--data", EXAMPLE, tmp_path / "report.html")
    said = _caveats(page)
    assert said is not None and len(said) == 31  # 30 idle rules and the profile's warning
    section = page[page.index('id="caveats"') : page.index("<h2>At a glance</h2>")]
    shown, folded = section.split("<details>")
    assert shown.count("<li>") == CAVEATS_SHOWN
    assert "<summary>and 21 more</summary>" in folded and folded.count("<li>") == 21
    for sentence in said:
        assert _flat(sentence) in _flat(stderr), sentence


def test_the_page_says_the_notes_on_strategies_side_by_side(tmp_path: Path) -> None:
    """The report of an EUR strategy per week beside one per month said that the first
    one's period counts for both on stderr only, and that cx converts no currency in a
    note of its own under the comparison: both are caveats, each once on the page."""
    weekly = tmp_path / "weekly-euros.yaml"
    weekly.write_text(
        f"version: 1\nextends: {STRATEGY}\nname: weekly-euros\nperiod: week\ncurrency: EUR\n",
        encoding="utf-8",
    )
    page, stderr = _report(STRATEGY, weekly, "--data", EXAMPLE, tmp_path / "report.html")
    said = _caveats(page)
    assert said is not None
    assert said[:2] == [
        "the strategies label money in different currencies (EUR and none); cx converts "
        "nothing, so their costs are compared as plain numbers",
        "every strategy is evaluated per month (the first one's period); weekly-euros set "
        "another (use --period to choose)",
    ]
    for sentence in said:
        assert _flat(sentence) in _flat(stderr), sentence
    assert page.count("different currencies") == 1
    chosen, stderr = _report(
        STRATEGY, weekly, "--data", EXAMPLE, "--period", "month", tmp_path / "chosen.html"
    )
    assert "first one's period" not in stderr
    assert not any("first one's period" in sentence for sentence in _caveats(chosen) or [])


def test_a_script_gets_the_notes_on_strategies_side_by_side(tmp_path: Path) -> None:
    weekly = tmp_path / "weekly-euros.yaml"
    weekly.write_text(
        f"version: 1\nextends: {STRATEGY}\nname: weekly-euros\nperiod: week\ncurrency: EUR\n",
        encoding="utf-8",
    )
    cube = cx.load_interactions(EXAMPLE)
    strategies = [cx.load_strategy(STRATEGY), cx.load_strategy(weekly)]
    said = cx.api.caveats(strategies, cube)
    assert len(said) == 2
    assert said[0].startswith("the strategies label money in different currencies (EUR")
    assert said[1].startswith("every strategy is evaluated per month (the first one's")
    # The cube's period chosen for every strategy: the first one's did not win.
    assert cx.api.caveats(strategies, cube, chosen=["period"]) == said[:1]
    with pytest.raises(cx.CxError):
        cx.api.caveats(strategies, cube, chosen="period")
    with pytest.raises(cx.CxError):
        cx.api.caveats(strategies, cube, chosen=["interval"])


def test_a_cube_file_s_journey_window_is_said_alike_on_the_page_and_on_stderr(
    tmp_path: Path,
) -> None:
    """A cube file's journeys are cut with one window. Where it is the first strategy's,
    the page and stderr name it as the one every strategy follows; where it is not, no
    page is written (the error names both windows), and with --journey-window naming
    it, neither says the first one's won."""
    first = ROOT / "strategies" / "follow-ups-to-chat.yaml"
    day = tmp_path / "day-window.yaml"
    day.write_text(
        f"version: 1\nextends: {first}\nname: day-window\njourneys: {{window_hours: 24}}\n",
        encoding="utf-8",
    )
    cube = tmp_path / "cube.parquet"
    cx.api.build_cube_file(EXAMPLE, cube, journey_window=24)
    page, stderr = _report(day, first, "--data", cube, tmp_path / "report.html")
    said = [s for s in _caveats(page) or [] if "journeys" in s]
    assert said == [
        "every strategy follows journeys with a 24-hour window (the first one's "
        "journeys.window_hours); follow-ups-to-chat set another (the cube file is cut with "
        "it: build one with `cx cube --journey-window HOURS` to choose)"
    ]
    assert _flat(said[0]) in _flat(stderr)
    target = tmp_path / "other.html"
    refused = run_cx("report", first, day, "--data", cube, "-o", target, "--no-cache")
    assert refused.exit_code == 2 and not target.exists()
    assert "journeys are cut with a 24-hour window, not 72" in _flat(refused.stderr)
    chosen, stderr = _report(
        first, day, "--data", cube, "--journey-window", "24", tmp_path / "chosen.html"
    )
    assert "first one's journeys" not in _flat(stderr)
    assert not any("first one's journeys" in s for s in _caveats(chosen) or [])


def test_the_page_lists_what_stderr_says_in_its_order(tmp_path: Path) -> None:
    """The page's Caveats and stderr come from one derivation, made once the profile is:
    the same sentences in the same order (the profile's warnings before the strategies'),
    stderr labelling the warnings."""
    weekly = tmp_path / "weekly-euros.yaml"
    weekly.write_text(
        f"version: 1\nextends: {STRATEGY}\nname: weekly-euros\nperiod: week\ncurrency: EUR\n",
        encoding="utf-8",
    )
    data = tmp_path / "export.csv"
    rows = _export(tmp_path, "2024-01-01", "2024-03-02")
    pl.concat([rows, rows.head(1)]).write_csv(data)
    target = tmp_path / "report.html"
    args = ("report", STRATEGY, weekly, "--data", data, "-o", target, "--no-cache")
    outcome = run_cx(*args, env={"COLUMNS": "2000"})  # one sentence a line
    assert outcome.exit_code == 0, outcome.stderr
    said = _caveats(target.read_text(encoding="utf-8"))
    stderr = [line for line in outcome.stderr.splitlines() if not line.startswith("wrote ")]
    assert [line.removeprefix("warning: ") for line in stderr] == said
    assert len(said) > 3 and any(line.startswith("warning: ") for line in stderr)


def test_a_script_is_told_the_cube_s_period_and_window_are_every_strategy_s(
    tmp_path: Path,
) -> None:
    """A script may load the cube with another period or journey window than the first
    strategy's: every strategy is evaluated with the cube's, and unless ``chosen`` says
    that was chosen for every strategy, the caveats name those that set another (they
    said nothing: the first one's did not win, so no note was made)."""
    weekly = tmp_path / "weekly.yaml"
    weekly.write_text(f"version: 1\nextends: {STRATEGY}\nname: weekly\nperiod: week\n")
    strategies = [cx.load_strategy(STRATEGY), cx.load_strategy(weekly)]
    cube = cx.load_interactions(EXAMPLE, period="quarter")

    def notes(*args: object, **chosen: object) -> list[str]:
        said = cx.api.caveats(*args, **chosen)  # type: ignore[arg-type]
        return [sentence for sentence in said if sentence.startswith("every strategy")]

    assert notes(strategies, cube) == [
        "every strategy is evaluated per quarter (the period the cube was loaded with); "
        "digital-first, weekly set another (load the cube with "
        "cx.load_interactions(..., period=) to choose)"
    ]
    assert notes(strategies, cube, chosen=["period"]) == []
    follow = cx.load_strategy(ROOT / "strategies" / "follow-ups-to-chat.yaml")
    cube = cx.load_interactions(EXAMPLE, outcomes=True, journey_window=24)
    assert notes([follow], cube) == [
        "every strategy follows journeys with a 24-hour window (the journey window the "
        "cube was loaded with); follow-ups-to-chat set another (load the cube with "
        "cx.load_interactions(..., journey_window=) to choose)"
    ]
    assert notes([follow], cube, chosen=["journeys.window_hours"]) == []
