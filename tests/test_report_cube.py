"""`cx report` on a cube file (docs/scale-out.md): the strategies, comparison, bands and
charts come from the cube as from the export; what needs single contacts (the data
profile, and journeys unless the cube carries them) is left out and said so."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, run_cx

from cx import api

pytest.importorskip("altair", reason="the report extra is not installed")
pytest.importorskip("vl_convert", reason="the report extra is not installed")

EXAMPLE = ROOT / "examples" / "interactions.csv"
STRATEGIES = [ROOT / "strategies" / f"{n}.yaml" for n in ("digital-first", "follow-everywhere")]


def _specs(page: str) -> dict[str, dict]:
    match = re.search(r'<script type="application/json" id="cx-chart-specs">(.*?)</script>', page)
    assert match
    return json.loads(match.group(1))


def _report(data: Path, out: Path) -> tuple[str, str]:
    result = run_cx("report", *STRATEGIES, "--data", data, "-o", out, "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    return out.read_text(encoding="utf-8"), result.stderr


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    folder = tmp_path_factory.mktemp("cubes")
    plain, with_outcomes = folder / "cube.parquet", folder / "outcomes.parquet"
    api.build_cube_file(EXAMPLE, plain)
    api.build_cube_file(EXAMPLE, with_outcomes, journey_window=72)
    return {
        "export": _report(EXAMPLE, folder / "export.html"),
        "cube": _report(plain, folder / "cube.html"),
        "outcomes": _report(with_outcomes, folder / "outcomes.html"),
    }


def test_the_charts_of_a_cube_file_are_those_of_the_export(
    pages: dict[str, tuple[str, str]],
) -> None:
    export, cube = _specs(pages["export"][0]), _specs(pages["cube"][0])
    assert set(cube) == set(export)
    for name in ("cost-per-period", "coverage-per-period", "channel-volumes", "cost-by-channel",
                 "staffing-1"):  # fmt: skip
        assert cube[name]["datasets"] == export[name]["datasets"], name


def test_what_needs_single_contacts_is_left_out_and_said(
    pages: dict[str, tuple[str, str]],
) -> None:
    export_page, export_notes = pages["export"]
    cube_page, cube_notes = pages["cube"]
    outcomes_page, outcomes_notes = pages["outcomes"]
    assert "no data profile" not in export_notes
    assert "no data profile and no journeys" in cube_notes
    assert "cx cube --outcomes" in cube_notes
    assert "no data profile" in outcomes_notes and "no journeys" not in outcomes_notes
    assert "per journey" in export_page and "per journey" in outcomes_page
    assert "per journey" not in cube_page
