"""`cx check` reports as text, json, GitHub workflow annotations or JUnit XML."""

from __future__ import annotations

import json
from dataclasses import replace

from cx.check import CheckedGuard, CheckReport, StrategyCheck
from cx.errors import Finding
from cx.guards import why_no_value
from cx.render.numbers import currency_label
from cx.render.safe import quiet_json, terminal_text
from cx.render.sections import guard_value
from cx.render.validation import github_annotation, junit_xml
from cx.render.views import distinct_names

CHECK_FORMATS = ("text", "json", "github", "junit")
SUITE = "cx check"


def shown_value(result: StrategyCheck, guard: CheckedGuard) -> str:
    """The guard's value as the guards table of `cx simulate` writes it (money with
    the strategy's currency label), so it never reads as the opposite of PASS or FAIL;
    why there is none when there is none."""
    if guard.value is None:
        return f"no value: {why_no_value(guard.expr)}"
    with currency_label(result.currency):
        return guard_value(guard)


def guard_finding(result: StrategyCheck, guard: CheckedGuard) -> Finding:
    """A failed guard as a finding on the line of the strategy file that states it."""
    position = guard.position
    shown = shown_value(result, guard)
    value = shown if guard.value is None else f"value {shown}"
    return Finding(
        f"guard failed: {guard.expr} ({value}; strategy {result.strategy})",
        file=position.file if position is not None else result.file,
        line=position.line if position is not None else None,
        column=position.column if position is not None else None,
    )


def told_apart(report: CheckReport) -> CheckReport:
    """``report`` with each strategy under a name of its own, as `cx compare` names
    them: a variant that keeps its parent's `name:` is `digital-first (2)`."""
    names = distinct_names([result.strategy for result in report.results], lambda _: False)
    return replace(
        report,
        results=[
            replace(result, strategy=name)
            for result, name in zip(report.results, names, strict=True)
        ],
    )


def render_check(report: CheckReport, output_format: str) -> str:
    if output_format == "json":
        payload = {
            "schema_version": 1,
            "results": [
                {
                    "strategy": result.strategy,
                    "file": result.file,
                    "ok": result.ok,
                    "guards": [
                        {"expr": guard.expr, "value": guard.value, "ok": guard.ok}
                        for guard in result.guards
                    ],
                }
                for result in report.results
            ],
            "ok": report.ok,
            "caveats": report.caveats,
        }
        return quiet_json(json.dumps(payload, indent=2, ensure_ascii=False)) + "\n"
    report = told_apart(report)
    if output_format == "github":
        failed = [
            github_annotation(guard_finding(result, guard), SUITE)
            for result in report.results
            for guard in result.guards
            if not guard.ok
        ]
        notices = [github_annotation(Finding(text), SUITE, "notice") for text in report.caveats]
        return "".join(line + "\n" for line in [*failed, *notices])
    if output_format == "junit":
        cases = [
            (
                f"{result.strategy}: {guard.expr}",
                [] if guard.ok else [guard_finding(result, guard)],
            )
            for result in report.results
            for guard in result.guards
        ]
        return junit_xml(SUITE, cases, report.caveats)
    lines = [
        terminal_text(
            f"{'PASS' if guard.ok else 'FAIL'} {result.strategy}: {guard.expr} "
            f"({shown_value(result, guard)})"
        )
        for result in report.results
        for guard in result.guards
    ]
    lines.append(terminal_text(report.summary()))
    return "\n".join(lines) + "\n"
