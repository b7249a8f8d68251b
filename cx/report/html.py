"""The report page: one self-contained HTML string (styles, scripts and data inline).

Nothing on the page is fetched: the Vega libraries are inlined, chart data is
inline, and a Content-Security-Policy forbids any request, so the page opens
offline exactly as it was made, and prints cleanly (print CSS below).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cx.render.safe import html_text, script_json
from cx.render.sections import Section

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:"
)

CSS = """
:root {
  --ink: #1d2733; --muted: #5b6675; --line: #dde2e8; --soft: #f4f6f9;
  --accent: #1f5fa8; --good: #1b7a47; --bad: #b3261e; --warn: #9a6700;
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif;
}
.masthead { background: #14324f; color: #fff; padding: 28px 0 22px; }
.wrap { max-width: 1000px; margin: 0 auto; padding: 0 28px; }
.masthead h1 { margin: 0 0 6px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
.masthead .sub { margin: 0; color: #c9d6e3; font-size: 13.5px; }
.masthead .sub b { color: #fff; font-weight: 600; }
main { padding: 8px 0 40px; }
h2 {
  font-size: 19px; margin: 34px 0 4px; padding-bottom: 6px; border-bottom: 2px solid var(--ink);
}
h3 { font-size: 15px; margin: 22px 0 6px; }
p.lead { color: var(--muted); margin: 4px 0 14px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr)); gap: 14px;
  margin-top: 14px; }
.card { border: 1px solid var(--line); border-top: 4px solid var(--accent); border-radius: 6px;
  padding: 14px 16px 12px; background: #fff; break-inside: avoid; }
.card.fail { border-top-color: var(--bad); }
.card .name { font-size: 16px; font-weight: 650; }
.tag { display: inline-block; font-size: 11px; font-weight: 600; text-transform: uppercase;
  letter-spacing: 0.04em; padding: 1px 7px; border-radius: 9px; background: var(--soft);
  color: var(--muted); margin-left: 6px; vertical-align: 2px; }
.card .desc { color: var(--muted); font-size: 12.5px; margin: 4px 0 10px; min-height: 1em; }
.kpis { display: grid; grid-template-columns: 1fr 1fr; gap: 10px 14px; margin: 0; }
.kpi dt { font-size: 12px; color: var(--muted); white-space: nowrap; }
.kpi dd { margin: 0; font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.nobr { white-space: nowrap; }
.kpi dd small { font-size: 12px; font-weight: 500; color: var(--muted); margin-left: 4px; }
.good { color: var(--good); } .bad { color: var(--bad); } .warn { color: var(--warn); }
.guards { margin-top: 12px; padding-top: 8px; border-top: 1px solid var(--line);
  font-size: 12.5px; }
.reading { background: var(--soft); border-left: 4px solid var(--accent); padding: 10px 14px;
  margin: 16px 0 0; border-radius: 0 6px 6px 0; }
.reading p { margin: 4px 0; }
table { border-collapse: collapse; margin: 6px 0 4px; font-size: 13px;
  font-variant-numeric: tabular-nums; break-inside: avoid; }
caption { text-align: left; font-weight: 650; font-size: 14px; padding: 0 0 6px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
thead th { border-bottom: 2px solid #9aa5b1; font-size: 12px; color: var(--muted);
  font-weight: 600; vertical-align: bottom; }
td.num, th.num { text-align: right; } td.label, th.label { text-align: left; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tr.pass td:first-child { color: var(--good); font-weight: 700; }
tr.fail td { color: var(--bad); } tr.fail td:first-child { font-weight: 700; }
tr.warn td { color: var(--warn); } tr.warn td:last-child { font-weight: 700; }
.caveats ul { margin: 6px 0 0; padding: 10px 14px 10px 32px; background: #fff8e6;
  border-left: 4px solid var(--warn); border-radius: 0 6px 6px 0; }
.caveats li { margin: 3px 0; overflow-wrap: anywhere; }
.caveats li.more { list-style: none; margin-left: -18px; }
.caveats li.more ul { margin: 0; padding: 0 0 0 18px; border: 0; background: none; }
.caveats summary { cursor: pointer; color: var(--warn); font-weight: 600; }
.note { color: var(--muted); font-size: 12.5px; margin: 4px 0 14px; max-width: 820px; }
.reading + .tables, .lead + .tables { margin-top: 14px; }
figure { margin: 14px 0 18px; break-inside: avoid; }
figure .chart { min-height: 60px; }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 4px; max-width: 820px; }
figure .title { font-weight: 650; font-size: 14px; margin-bottom: 6px; }
.chart-error { color: var(--bad); font-weight: 600; }
.grid2 { display: grid; grid-template-columns: minmax(0, 1fr); gap: 0 24px; }
.strategy { break-before: page; }
.scroll { overflow-x: auto; }
.tables { display: flex; flex-wrap: wrap; gap: 6px 36px; align-items: flex-start; }
.tables .table { max-width: 100%; }
.tables .note { max-width: 560px; }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--line);
  margin-top: 36px; padding-top: 10px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 11.5px; }
  .masthead { padding: 14px 0 12px; }
  .wrap { max-width: none; padding: 0; }
  h2 { margin-top: 18px; break-after: avoid; }
  h3 { break-after: avoid; }
  .cards { grid-template-columns: repeat(2, 1fr); }
  .scroll { overflow: visible; }
  th, td { padding: 3px 7px; }
  figure svg { max-width: 100%; height: auto; }
  a { color: inherit; text-decoration: none; }
}
"""

EMBED_SCRIPT = """
const specs = JSON.parse(document.getElementById("cx-chart-specs").textContent);
const pending = [];
for (const element of document.querySelectorAll("[data-chart]")) {
  const spec = specs[element.dataset.chart];
  pending.push(
    vegaEmbed(element, spec, {renderer: "svg", actions: false})
      .then(() => { element.dataset.rendered = "true"; })
      .catch((error) => {
        element.dataset.rendered = "error";
        element.innerHTML = '<p class="chart-error">This chart could not be drawn.</p>';
        console.error("cx report: chart " + element.dataset.chart + ": " + error);
      })
  );
}
Promise.all(pending).then(() => { document.body.dataset.chartsRendered = "true"; });
"""


def esc(text: object) -> str:
    return html_text(str(text))


def json_script(payload: object) -> str:
    """JSON that cannot end, comment out or otherwise change the <script> element it sits
    in, whatever the names and values of the files say (:func:`script_json`)."""
    return script_json(json.dumps(payload, separators=(",", ":")))


def code_script(code: str) -> str:
    """JavaScript that cannot end its <script> element: ``</script`` becomes ``<\\/script``
    (the same text inside a string, template or regular expression)."""
    return re.sub(r"(?i)</(script)", r"<\\/\1", code)


def section_table(section: Section, caption: bool = True) -> str:
    head = "".join(
        f'<th class="{"label" if i < section.left_columns else "num"}">{esc(name)}</th>'
        for i, name in enumerate(section.header)
    )
    body = []
    for index, row in enumerate(section.rows):
        style = section.styles[index] if index < len(section.styles) else None
        css = ""
        if style and "red" in style:
            css = ' class="fail"'
        elif style and "green" in style:
            css = ' class="pass"'
        elif style and "yellow" in style:
            css = ' class="warn"'
        cells = "".join(
            f'<td class="{"label" if i < section.left_columns else "num"}">{esc(value)}</td>'
            for i, value in enumerate(row)
        )
        body.append(f"<tr{css}>{cells}</tr>")
    title = f"<caption>{esc(section.title)}</caption>" if caption else ""
    table = (
        f'<div class="scroll"><table>{title}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    if section.note:
        table += f'<p class="note">{esc(section.note)}</p>'
    if section.legend:
        items = "".join(f"<li>{esc(sentence)}</li>" for sentence in section.legend)
        table += f'<ul class="note legend">{items}</ul>'
    return table


@dataclass
class Chart:
    key: str
    title: str
    spec: dict[str, Any]
    caption: str | None = None


@dataclass
class Page:
    """The page under construction: body HTML blocks plus the charts they reference."""

    title: str
    subtitle_html: str
    blocks: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    def add(self, block: str) -> None:
        self.blocks.append(block)

    def chart(self, chart: Chart) -> None:
        self.charts.append(chart)
        caption = f"<figcaption>{esc(chart.caption)}</figcaption>" if chart.caption else ""
        self.blocks.append(
            f'<figure><div class="title">{esc(chart.title)}</div>'
            f'<div class="chart" data-chart="{esc(chart.key)}" role="img" '
            f'aria-label="{esc(chart.title)}"></div>{caption}</figure>'
        )

    def tables(self, sections: Sequence[Section]) -> None:
        """Tables side by side where the page is wide enough, else one under the other."""
        inner = "".join(f'<div class="table">{section_table(s)}</div>' for s in sections)
        self.blocks.append(f'<div class="tables">{inner}</div>')

    def render(self, javascript_bundle: str, footer_html: str) -> str:
        specs = {chart.key: chart.spec for chart in self.charts}
        return "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en">',
                "<head>",
                '<meta charset="utf-8">',
                f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                '<meta name="generator" content="cx">',
                f"<title>{esc(self.title)}</title>",
                f"<style>{CSS}</style>",
                "</head>",
                "<body>",
                '<header class="masthead"><div class="wrap">',
                f"<h1>{esc(self.title)}</h1>",
                f'<p class="sub">{self.subtitle_html}</p>',
                "</div></header>",
                '<main><div class="wrap">',
                *self.blocks,
                f"<footer>{footer_html}</footer>",
                "</div></main>",
                '<script type="application/json" id="cx-chart-specs">'
                + json_script(specs)
                + "</script>",
                f'<script type="module">{code_script(javascript_bundle)}</script>',
                f'<script type="module">{EMBED_SCRIPT}</script>',
                "</body>",
                "</html>",
                "",
            ]
        )
