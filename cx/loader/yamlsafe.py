"""Safe YAML loading that remembers where every value came from.

PyYAML's composer gives nodes with marks; we convert them to plain Python values
ourselves so that we can (a) reject duplicate keys, (b) bound aliases, nesting
depth and size (an alias bomb fails fast), and (c) record the file, line and
column of every key and value by its path, for error messages.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from cx.errors import Finding, InputError, StrategyError, broken_link, special_kind
from cx.loader.located import Located, PathKey, Position
from cx.models.source import dotted_path

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 200_000
MAX_ALIASES = 1_000
CACHE_MAX_CHARS = 64 * 1024  # parsed files up to this size are kept for reuse

_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _Loader(yaml.SafeLoader):
    """SafeLoader used only for composing nodes; construction is ours."""


def _mark_position(file: str, mark: yaml.Mark | None) -> Position:
    if mark is None:
        return Position(file)
    return Position(file, mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: dict[PathKey, Position] = {}
        self.values = 0
        self.aliases = 0
        self.findings: list[Finding] = []
        self._constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)
        yaml.SafeLoader.__init__(self._constructor, "")

    def _fail(self, message: str, node: yaml.Node, hint: str | None = None) -> StrategyError:
        return StrategyError(
            [_mark_position(self.file, node.start_mark).finding(message, hint=hint)]
        )

    def build(self, node: yaml.Node, path: PathKey, depth: int, seen: set[int]) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise self._fail(
                f"document expands to more than {MAX_VALUES:,} values",
                node,
                hint="anchors and aliases that repeat each other (an alias bomb) are refused",
            )
        if depth > MAX_DEPTH:
            raise self._fail(f"document nests deeper than {MAX_DEPTH} levels", node)
        self.positions.setdefault(path, _mark_position(self.file, node.start_mark))
        if id(node) in seen:
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise self._fail(
                    f"document uses aliases more than {MAX_ALIASES:,} times",
                    node,
                    hint="anchors and aliases that repeat each other (an alias bomb) are refused",
                )
            if node in self._stack:
                raise self._fail("recursive alias", node)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
            raise self._fail(
                f"unsupported YAML tag '{node.tag}'",
                node,
                hint="strategy files use plain YAML: no tags such as !!python/object",
            )
        if isinstance(node, yaml.MappingNode):
            self._stack.append(node)
            try:
                return self._mapping(node, path, depth, seen)
            finally:
                self._stack.pop()
        if isinstance(node, yaml.SequenceNode):
            self._stack.append(node)
            try:
                return [
                    self.build(item, (*path, index), depth + 1, seen)
                    for index, item in enumerate(node.value)
                ]
            finally:
                self._stack.pop()
        return self._scalar(node)

    _stack: list[yaml.Node]

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int, seen: set[int]) -> dict:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self._fail(
                    "merge keys (<<) are not supported",
                    key_node,
                    hint="write the keys out; for a base that several strategies share, "
                    "put it in a strategy file of its own and name it with `extends:`",
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._fail("mapping keys must be plain scalars", key_node)
            # A key that reads as a number is a name (its text), never refused as a number.
            key = key_node.value if key_node.tag in _NUMBER_TAGS else self._scalar(key_node)
            if not isinstance(key, str):
                # YAML 1.1 reads yes/no/on/off/1/2024-01-01 as bool/int/date; keys are names.
                key = key_node.value
            if key in result:
                # Reported, and reading goes on (the first value counts), so one run
                # shows every problem of the file.
                first = self.positions.get((*path, key))
                where = f" (first at line {first.line})" if first and first.line else ""
                self.findings.append(
                    _mark_position(self.file, key_node.start_mark).finding(
                        f"duplicate key '{key}'{where}",
                        dotted_path((*path, key)),
                        "each key may appear once in a mapping; remove one of them",
                    )
                )
                continue
            child = (*path, key)
            self.positions[child] = _mark_position(self.file, key_node.start_mark)
            result[key] = self.build(value_node, child, depth + 1, seen)
        return result

    def _not_decimal(self, node: yaml.ScalarNode) -> Exception:
        """The error of a number YAML 1.1 reads otherwise than a person reads it,
        saying what it reads: ``017`` is octal, 15, where YAML 1.2 reads 17."""
        text = node.value
        try:
            read = self._constructor.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError, OverflowError):  # 1.2.3
            return self._fail(
                f"'{text}' is not a decimal number",
                node,
                hint="write it with the digits 0-9, e.g. 17 or 0.5; quote it if it is meant "
                "as text",
            )
        shown = f"{read:g}" if isinstance(read, float) else str(read)
        message = f"'{text}' is not a decimal number: YAML 1.1 reads it as {shown}"
        if _LEADING_ZERO.fullmatch(text):
            sign, digits = text[0].strip("0123456789"), text.lstrip("+-").lstrip("0") or "0"
            octal = "" if f"{sign}{digits}" == shown else f", or {shown} if octal is meant"
            return self._fail(
                message + " (octal)",
                node,
                hint=f"write {sign}{digits} without the leading zero{octal}; quote it if it "
                "is meant as text",
            )
        return self._fail(
            message,
            node,
            hint="write it with the digits 0-9, e.g. 17 or 0.5; quote it if it is meant as text",
        )

    def _scalar(self, node: yaml.Node) -> Any:
        if (
            isinstance(node, yaml.ScalarNode)
            and not node.style  # plain: None (PyYAML) or "" (libyaml), never quoted
            and node.tag == "tag:yaml.org,2002:str"
            and _EXPONENT_NUMBER.fullmatch(node.value)
        ):
            # YAML 1.1 reads 1e3 (no dot) as text; it is the number everyone means.
            return float(node.value)
        if (
            isinstance(node, yaml.ScalarNode)
            and not node.style
            and node.tag in _NUMBER_TAGS
            and not _DECIMAL_NUMBER.fullmatch(node.value)
            and node.value.lower().lstrip("+-") not in (".nan", ".inf")  # said by the models
        ):
            # YAML 1.1 reads 017 as octal (15), 0x11 and 0b10001 as 17, 1_7 as 17 and
            # 1:30:00 as 5400: numbers a person did not mean. Only decimals are numbers.
            raise self._not_decimal(node)
        try:
            value = self._constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise self._fail(f"unsupported YAML value: {exc.problem}", node) from None
        except (ValueError, OverflowError) as exc:  # e.g. 2024-02-30: a date that is none
            raise self._fail(
                f"cannot read the value '{node.value}': {exc}",
                node,
                hint="quote it if it is meant as text",
            ) from None
        if isinstance(value, str) and _SURROGATE.search(value):
            # A "\ud800" escape makes text no UTF-8 output (terminal, CSV, HTML) can carry.
            raise self._fail(
                "text holds a lone surrogate escape (\\ud800-\\udfff)",
                node,
                hint="write the character itself, or a \\U escape of a real character",
            )
        return value


_EXPONENT_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+")
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
#: A number as a person writes it: decimal digits, no leading zero before more digits
#: of a whole number (017 is octal to YAML 1.1). A leading zero before a decimal point
#: (017.5, 00.8) is read by every YAML as written: such numbers are decimal.
_DECIMAL_NUMBER = re.compile(
    r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]*\.[0-9]+"
    r"(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?"
)
#: A whole number with a leading zero: octal to YAML 1.1 (017 is 15), 17 to YAML 1.2.
_LEADING_ZERO = re.compile(r"[-+]?0[0-7]+")

_SURROGATE = re.compile("[\ud800-\udfff]")
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _compose(text: str) -> yaml.Node | None:
    """Compose with libyaml when it is there (10x faster); its nodes and marks are the
    same. On any error the pure-Python parser runs again, so messages do not depend
    on how PyYAML was installed."""
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except (yaml.YAMLError, RecursionError):
            pass
    return yaml.compose(text, Loader=_Loader)


def parse_yaml(text: str, file: str, collect: bool = False) -> Located:
    """Parse one YAML document from ``text``; errors name ``file``.

    Duplicate keys raise, or with ``collect`` are kept in ``Located.findings`` so the
    caller can report them together with its own findings. A base file that many
    strategies extend is parsed once per process (callers get their own copy).
    """
    if len(text) > CACHE_MAX_CHARS:
        return _parse(text, file, collect)
    cached = _parse_cached(text, file, collect)
    # Positions and findings are immutable; only the data needs copying.
    return Located(
        data=_copy_data(cached.data),
        positions=dict(cached.positions),
        file=cached.file,
        findings=list(cached.findings),
    )


def _copy_data(value: Any) -> Any:
    """A copy of plain YAML data (maps, lists, immutable scalars); faster than deepcopy."""
    if isinstance(value, dict):
        return {key: _copy_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_data(item) for item in value]
    return value


def _parse(text: str, file: str, collect: bool) -> Located:
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise StrategyError(
            [
                Finding(
                    f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
                    file=file,
                    hint="strategy and mapping files are small; is this the right file?",
                )
            ]
        )
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        parts = [part for part in (exc.context, exc.problem) if part]
        problem = ", ".join(parts) if parts else "invalid YAML"
        hint = "check the indentation and quoting around this line"
        if exc.problem and "'\\t'" in exc.problem:  # PyYAML: "found character '\t' ..."
            problem = "a tab, where YAML allows only spaces"
            hint = "indent with spaces, and put a space, not a tab, after `key:`"
        raise StrategyError(
            [_mark_position(file, mark).finding(f"YAML syntax error: {problem}", hint=hint)]
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a document
        where = max(exc.position, 0)
        line_start = text.rfind("\n", 0, where) + 1
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise StrategyError(
            [
                Finding(
                    f"the character {character!r} (U+{ord(character):04X}) is not allowed in YAML",
                    file=file,
                    line=text.count("\n", 0, where) + 1,
                    column=where - line_start + 1,
                    hint="remove it, or write it as an escape in a double-quoted string "
                    '("\\x1b")',
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise StrategyError([Finding(f"YAML error: {exc}", file=file)]) from None
    except RecursionError:
        raise StrategyError(
            [Finding(f"document nests deeper than {MAX_DEPTH} levels", file=file)]
        ) from None
    if node is None:
        return Located(data=None, positions={(): Position(file, 1, 1)}, file=file)
    builder = _Builder(file)
    builder._stack = []
    data = builder.build(node, (), 0, set())
    if builder.findings and not collect:
        raise StrategyError(builder.findings)
    return Located(data=data, positions=builder.positions, file=file, findings=builder.findings)


_parse_cached = functools.lru_cache(maxsize=64)(_parse)


def read_bounded(path: str | Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``path``: one byte more than allowed is enough to
    tell that it is too long, whatever the file claims its size is."""
    with open(path, "rb") as handle:
        return handle.read(limit + 1)


def read_text(path: Path, what: str) -> str:
    """Read a small UTF-8 text file, with errors a user understands."""
    if not path.exists():
        raise InputError(f"{what} not found", file=path, hint=broken_link(path) or "check the path")
    if path.is_dir():
        raise InputError(f"{what} is a directory, not a file", file=path)
    kind = special_kind(path)  # before opening: a FIFO blocks, /dev/zero never ends
    if kind is not None:
        raise InputError(
            f"{what} is not a regular file ({kind})",
            file=path,
            hint="save the YAML to a file and pass its path",
        )
    too_large = InputError(
        f"{what} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
        file=path,
        hint="strategy and mapping files are small; is this the right file?",
    )
    if path.stat().st_size > MAX_FILE_BYTES:
        raise too_large
    try:
        raw = read_bounded(path, MAX_FILE_BYTES)  # a file may grow after its stat
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", file=path) from None
    if len(raw) > MAX_FILE_BYTES:
        raise too_large
    if b"\x00" in raw:
        raise InputError(f"{what} is a binary file, not YAML", file=path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{what} is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            file=path,
            line=line,
            hint="save the file as UTF-8",
        ) from None


def load_yaml_file(path: Path, what: str = "file", collect: bool = False) -> Located:
    return parse_yaml(read_text(path, what), str(path), collect)
