"""Validation reports as text, json, GitHub workflow annotations or JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence

from cx.errors import Finding
from cx.render.safe import log_line, terminal_text, xml_text
from cx.validate import ValidationReport


def finding_dict(finding: Finding) -> dict[str, object]:
    return {
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "path": finding.path,
        "message": finding.message,
        "hint": finding.hint,
    }


def github_escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped as the runner expects, and
    no other control character left for the log viewer to act on."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return terminal_text(escaped)


def github_escape_property(text: str) -> str:
    return github_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(finding: Finding, title: str = "cx", level: str = "error") -> str:
    """``finding`` as a workflow command of ``level`` (``error``, or ``notice`` for what
    is no failure) at its file, line and column, where it has them."""
    properties = [f"file={github_escape_property(finding.file)}"] if finding.file else []
    if finding.line is not None:
        properties.append(f"line={finding.line}")
    if finding.column is not None:
        properties.append(f"col={finding.column}")
    properties.append(f"title={github_escape_property(title)}")
    message = (f"{finding.path}: " if finding.path else "") + finding.message
    if finding.hint:
        message += f" (hint: {finding.hint})"
    return f"::{level} {','.join(properties)}::{github_escape_data(message)}"


def junit_xml(
    suite_name: str, cases: list[tuple[str, list[Finding]]], system_err: Sequence[str] = ()
) -> str:
    """One test case per name; a failure element per case with findings; the lines of
    ``system_err`` (what the run said besides, no failure) in the suite's
    ``<system-err>``."""
    failures = sum(1 for _, findings in cases if findings)
    root = ElementTree.Element("testsuites", name=xml_text(suite_name))
    suite = ElementTree.SubElement(
        root,
        "testsuite",
        name=xml_text(suite_name),
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
    )
    for name, findings in cases:
        case = ElementTree.SubElement(
            suite, "testcase", classname=xml_text(suite_name), name=xml_text(name)
        )
        if findings:
            failure = ElementTree.SubElement(
                case,
                "failure",
                message=xml_text(log_line(findings[0].format())),
                type="finding",
            )
            # One line per finding, as in a log: a CI job that prints the report must
            # not take a line of a file's name for a workflow command.
            failure.text = xml_text("\n".join(log_line(finding.format()) for finding in findings))
    if system_err:
        said = ElementTree.SubElement(suite, "system-err")
        said.text = xml_text("\n".join(log_line(line) for line in system_err))
    ElementTree.indent(root)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        + ElementTree.tostring(root, encoding="unicode")
        + "\n"
    )


def render_validation(report: ValidationReport, output_format: str) -> str:
    findings = report.unique_findings()
    if output_format == "json":
        payload = {
            "schema_version": 1,
            "valid": not findings,
            "files": [
                {
                    "file": item.file,
                    "kind": item.kind,
                    "valid": item.valid,
                    "findings": [finding_dict(f) for f in item.findings],
                }
                for item in report.files
            ],
            "not_searched": report.linked,
        }
        return json.dumps(payload, indent=2) + "\n"
    if output_format == "github":
        return "".join(github_annotation(f, "cx validate") + "\n" for f in findings)
    if output_format == "junit":
        return junit_xml("cx validate", [(item.file, item.findings) for item in report.files])
    lines = [terminal_text(finding.format()) for finding in findings]
    lines.append(terminal_text(report.summary()))
    return "\n".join(lines) + "\n"
