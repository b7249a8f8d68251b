"""`cx validate`: every problem in every strategy (or mapping) file, no data needed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cx.errors import CxError, Finding, StrategyError, UsageError, special_kind
from cx.loader.yamlsafe import MAX_FILE_BYTES, read_bounded

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class FileReport:
    file: str
    kind: str  # "strategy" or "mapping"
    findings: list[Finding] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.findings


@dataclass
class ValidationReport:
    files: list[FileReport]

    @property
    def findings_count(self) -> int:
        return len(self.unique_findings())

    def unique_findings(self) -> list[Finding]:
        """Every finding once: a broken base file shows up in each file that extends it."""
        return list(dict.fromkeys(f for report in self.files for f in report.findings))

    def summary(self) -> str:
        invalid = sum(1 for report in self.files if not report.valid)
        noun = "file" if len(self.files) == 1 else "files"
        if not invalid:
            return f"{len(self.files)} {noun} checked, all valid"
        return (
            f"{len(self.files)} {noun} checked, {invalid} invalid, {self.findings_count} finding(s)"
        )


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; directories searched recursively for YAML, hidden ones skipped."""
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UsageError("path not found", file=path)
        if path.is_dir():
            found = sorted(
                candidate
                for candidate in path.rglob("*")
                if candidate.suffix in YAML_SUFFIXES
                and candidate.is_file()
                and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
            )
            files.extend(found)
        else:
            files.append(path)
    if not files:
        raise UsageError("no YAML files found", hint="name strategy files or directories")
    return files


def _looks_like_mapping(path: Path) -> bool:
    """Mapping files have `columns:` at the top and no strategy `kind:`."""
    if special_kind(path) is not None:  # never opened here: loading it says what it is
        return False
    try:
        text = read_bounded(path, MAX_FILE_BYTES).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    lines = [line.split(":", 1)[0] for line in text.splitlines() if line and line[0].isalpha()]
    return "columns" in lines and "kind" not in lines


def validate_file(path: Path) -> FileReport:
    from cx.loader.mapping import load_mapping
    from cx.loader.strategy import load_strategy

    kind = "mapping" if _looks_like_mapping(path) else "strategy"
    report = FileReport(file=str(path), kind=kind)
    try:
        if kind == "mapping":
            load_mapping(path)
        else:
            load_strategy(path)
    except StrategyError as error:
        report.findings.extend(error.findings)
    except CxError as error:
        report.findings.append(error.as_finding())
    return report


def validate_paths(paths: Iterable[Path]) -> ValidationReport:
    return ValidationReport(files=[validate_file(path) for path in expand_paths(paths)])
