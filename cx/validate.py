"""`cx validate`: every problem in every strategy (or mapping) file, no data needed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cx.errors import CxError, Finding, StrategyError, UsageError, special_kind
from cx.loader.yamlsafe import MAX_FILE_BYTES, read_bounded

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class FileReport:
    file: str
    kind: str  # "strategy", "mapping", or "directory" (one that cannot be listed)
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
    """The YAML files of ``paths``: see :func:`find_files`."""
    return find_files(paths)[0]


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[Finding]]:
    """Files as given; directories searched recursively for YAML, hidden ones skipped.

    An entry with a YAML name is kept even when it is no file that can be read (a
    symlink to nothing, a FIFO), for its check to say so; a directory that cannot be
    listed is a finding (the second list), not a silent gap in the search."""
    files: list[Path] = []
    unreadable: list[Finding] = []
    for path in paths:
        if not path.exists():
            raise UsageError("path not found", file=path)
        if path.is_dir():
            found, refused = _yaml_under(path)
            files.extend(found)
            unreadable.extend(refused)
        else:
            files.append(path)
    if not files and not unreadable:
        raise UsageError("no YAML files found", hint="name strategy files or directories")
    return files, unreadable


def _yaml_under(directory: Path) -> tuple[list[Path], list[Finding]]:
    """The YAML entries under ``directory`` (sorted), and its directories that could
    not be listed. Symlinks to directories are followed (a shared folder linked into
    several projects), each directory searched once however many links reach it."""
    found: list[Path] = []
    unreadable: list[Finding] = []
    searched: set[str] = set()

    def refused(error: OSError) -> None:
        unreadable.append(
            Finding(
                f"cannot read directory: {error.strerror or error}",
                file=str(error.filename),
                hint="its strategy files were not checked; check its permissions",
            )
        )

    for root, directories, names in os.walk(directory, onerror=refused, followlinks=True):
        real = os.path.realpath(root)
        if real in searched:  # a link back up the tree, or a second link to one folder
            directories[:] = []
            continue
        searched.add(real)
        directories[:] = sorted(name for name in directories if not name.startswith("."))
        found.extend(
            Path(root, name)
            for name in names
            if not name.startswith(".") and Path(name).suffix in YAML_SUFFIXES
        )
    return sorted(found), sorted(unreadable, key=lambda finding: finding.file or "")


#: Top-level keys only a mapping file has, and only a strategy file has.
MAPPING_KEYS = frozenset(
    {"columns", "timestamp_format", "delimiter", "handle_time_unit", "values",
     "anonymous_ids", "drop"}
)  # fmt: skip
STRATEGY_KEYS = frozenset({"version", "name", "kind", "extends"})
#: A `channels:` entry of a mapping: a list of the export's values (a strategy's is a map).
_ALIAS_LIST = re.compile(r"^\s+[^\s#:][^:#]*:\s*(\[|$)", re.MULTILINE)


def _looks_like_mapping(path: Path) -> bool:
    """Mapping files have mapping keys at the top (or only `channels:` with lists of
    values) and none of a strategy's (`version:`, `name:`, `kind:`, `extends:`)."""
    if special_kind(path) is not None:  # never opened here: loading it says what it is
        return False
    try:
        text = read_bounded(path, MAX_FILE_BYTES).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    top = {line.split(":", 1)[0] for line in text.splitlines() if line and line[0].isalpha()}
    if top & STRATEGY_KEYS:
        return False
    if top & MAPPING_KEYS:
        return True
    return top == {"channels"} and bool(_ALIAS_LIST.search(text)) and "mode:" not in text


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
    files, unreadable = find_files(paths)
    reports = [validate_file(path) for path in files]
    reports += [
        FileReport(file=finding.file or "", kind="directory", findings=[finding])
        for finding in unreadable
    ]
    return ValidationReport(files=reports)
