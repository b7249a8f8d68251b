"""`cx validate`: every problem in every strategy (or mapping) file, no data needed."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cx.errors import CxError, Finding, StrategyError, UsageError, shown_list, special_kind
from cx.loader.yamlsafe import MAX_FILE_BYTES, parse_yaml, read_bounded
from cx.models.mapping import Mapping
from cx.models.vocabulary import counted, plural

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
    linked: list[str] = field(default_factory=list)  # symlinked directories not searched

    @property
    def findings_count(self) -> int:
        return len(self.unique_findings())

    def unique_findings(self) -> list[Finding]:
        """Every finding once: a broken base file shows up in each file that extends it."""
        return list(dict.fromkeys(f for report in self.files for f in report.findings))

    def summary(self) -> str:
        invalid = sum(1 for report in self.files if not report.valid)
        noun = plural(len(self.files), "file")
        if not invalid:
            said = f"{len(self.files)} {noun} checked, all valid"
        else:
            said = (
                f"{len(self.files)} {noun} checked, {invalid} invalid, "
                f"{counted(self.findings_count, 'finding')}"
            )
        if self.linked:  # never a silent gap in the search
            many = len(self.linked) > 1
            said += (
                f"; {len(self.linked)} symlinked director{'ies' if many else 'y'} not "
                f"searched ({shown_list(self.linked)}): name "
                f"{'them' if many else 'it'} to check {'them' if many else 'it'}"
            )
        return said


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """The YAML files of ``paths``: see :func:`find_files`."""
    return find_files(paths).files


@dataclass
class FoundFiles:
    """What a search of the paths given found: the YAML files (each once), directories
    that could not be listed (findings), and symlinks to directories not followed."""

    files: list[Path]
    unreadable: list[Finding]
    linked: list[Path]


def find_files(paths: Iterable[Path]) -> FoundFiles:
    """Files as given; directories searched recursively for YAML, hidden ones skipped.

    An entry with a YAML name is kept even when it is no file that can be read (a
    symlink to nothing, a FIFO), for its check to say so; a directory that cannot be
    listed is a finding, not a silent gap in the search. Symlinks to directories met in
    the search are not followed (one to a virtualenv would check its packages' YAML)
    but listed, so the summary says so; a directory given by a link is searched."""
    found = FoundFiles([], [], [])
    for path in paths:
        if not path.exists():
            raise UsageError("path not found", file=path)
        if path.is_dir():
            _yaml_under(path, found)
        else:
            found.files.append(path)
    found.files = list(dict.fromkeys(found.files))
    if not found.files and not found.unreadable:
        hint = "name strategy files or directories"
        if found.linked:
            hint = f"symlinked directories are not searched: name one ({found.linked[0]})"
        raise UsageError("no YAML files found", hint=hint)
    return found


def _yaml_under(directory: Path, found: FoundFiles) -> None:
    """Add the YAML entries under ``directory`` (sorted), its directories that could
    not be listed and its symlinks to directories to ``found``."""
    files: list[Path] = []
    unreadable: list[Finding] = []

    def refused(error: OSError) -> None:
        unreadable.append(
            Finding(
                f"cannot read directory: {error.strerror or error}",
                file=str(error.filename),
                hint="its strategy files were not checked; check its permissions",
            )
        )

    searched = os.path.realpath(directory)
    for root, directories, names in os.walk(directory, onerror=refused):
        directories[:] = sorted(name for name in directories if not name.startswith("."))
        for link in (Path(root, name) for name in directories):
            if not os.path.islink(link) or link in found.linked:
                continue
            target = os.path.realpath(link)
            # A link up the tree (to `.`, a parent) holds nothing this search misses.
            if not (searched == target or searched.startswith(target + os.sep)):
                found.linked.append(link)
        files.extend(
            Path(root, name)
            for name in names
            if not name.startswith(".") and Path(name).suffix in YAML_SUFFIXES
        )
    found.files.extend(sorted(files))
    found.unreadable.extend(sorted(unreadable, key=lambda finding: finding.file or ""))


#: Top-level keys only a mapping file has (a strategy has `channels:` too), and only a
#: strategy file has.
MAPPING_KEYS = frozenset(Mapping.model_fields) - {"channels"}
STRATEGY_KEYS = frozenset({"version", "name", "kind", "extends"})


def _looks_like_mapping(path: Path) -> bool:
    """Mapping files have mapping keys at the top, or only `channels:` whose entries are
    lists of the export's values (a strategy's are maps of settings), and none of a
    strategy's keys (`version:`, `name:`, `kind:`, `extends:`)."""
    if special_kind(path) is not None:  # never opened here: loading it says what it is
        return False
    try:
        text = read_bounded(path, MAX_FILE_BYTES).decode("utf-8-sig", errors="replace")
        data = parse_yaml(text, str(path)).data
    except (OSError, CxError):  # loading it as a strategy says what is wrong
        return False
    if not isinstance(data, dict):
        return False
    top = set(data)
    if top & STRATEGY_KEYS:
        return False
    if top & MAPPING_KEYS:
        return True
    channels = data.get("channels")
    return (
        top == {"channels"}
        and isinstance(channels, dict)
        and bool(channels)
        and all(isinstance(values, list) for values in channels.values())
    )


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
    found = find_files(paths)
    reports = [validate_file(path) for path in found.files]
    reports += [
        FileReport(file=finding.file or "", kind="directory", findings=[finding])
        for finding in found.unreadable
    ]
    return ValidationReport(files=reports, linked=[str(path) for path in found.linked])
