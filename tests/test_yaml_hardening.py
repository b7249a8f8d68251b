"""Strategy and mapping files are read defensively (cx/loader/yamlsafe.py): duplicate
keys, bounded anchors and aliases, nesting and size, only plain values — and always
a finding with a line, never a traceback or an exhausted machine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cx

from cx.errors import CxError, InputError, StrategyError
from cx.loader import yamlsafe
from cx.loader.strategy import load_strategy
from cx.loader.yamlsafe import MAX_DEPTH, MAX_FILE_BYTES, load_yaml_file, parse_yaml

ROOT = Path(__file__).resolve().parent.parent

ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def findings(text: str) -> list[Any]:
    with pytest.raises(StrategyError) as caught:
        parse_yaml(text, "f.yaml")
    return caught.value.findings


def validate(path: Path) -> Any:
    result = run_cx("validate", str(path))
    assert "Traceback" not in result.stdout + result.stderr
    return result


# --------------------------------------------------------------------------- duplicate keys


def test_duplicate_key_is_refused_with_both_lines() -> None:
    (finding,) = findings("a: 1\nb:\n  c: 2\n  c: 3\n")
    assert (finding.line, finding.column, finding.path) == (4, 3, "b.c")
    assert finding.message == "duplicate key 'c' (first at line 3)"


def test_every_duplicate_key_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "dups.yaml"
    path.write_text(
        "version: 1\nname: a\nkind: follow\nname: b\nchannels:\n"
        "  phone: {mode: live, mode: async}\nkind: push\n"
    )
    with pytest.raises(StrategyError) as caught:
        load_strategy(path)
    assert [(f.line, f.path) for f in caught.value.findings] == [
        (4, "name"),
        (6, "channels.phone.mode"),
        (7, "kind"),
    ]


def test_collected_duplicates_keep_the_first_value() -> None:
    located = parse_yaml("a: 1\na: 2\nb: 3\n", "f.yaml", collect=True)
    assert located.data == {"a": 1, "b": 3}
    assert [f.line for f in located.findings] == [2]


def test_keys_stay_names() -> None:
    located = parse_yaml("yes: 1\n2024-01-01: 2\n1: 3\nnull: 4\n", "f.yaml")
    assert located.data == {"yes": 1, "2024-01-01": 2, "1": 3, "null": 4}
    assert findings("1: a\n'1': b\n")[0].message.startswith("duplicate key '1'")


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("017", "15 (octal)"),
        ("0x11", "17"),
        ("0b10001", "17"),
        ("1_7", "17"),
        ("1:30:00", "5400"),
    ],
)
def test_a_number_yaml_reads_otherwise_than_written_is_a_finding(text: str, meant: str) -> None:
    # YAML 1.1 reads each as the number in `meant`: no one writing it means that.
    (finding,) = findings(f"a:\n  b: {text}\n")
    assert (finding.line, finding.column) == (2, 6)
    assert finding.message == f"'{text}' is not a decimal number: YAML 1.1 reads it as {meant}"


@pytest.mark.parametrize(
    ("text", "value"),
    [("17", 17), ("-0", 0), ("+17", 17), ("0.5", 0.5), ("17.", 17.0), (".5e1", 5.0),
     ("1e3", 1000.0), ("'017'", "017"), ("0", 0),
     # every YAML reads a leading zero before a decimal point as written: no octal
     ("00.5", 0.5), ("017.5", 17.5), ("-017.", -17.0), ("017.5e1", 175.0)],
)  # fmt: skip
def test_decimal_numbers_and_quoted_text_read_as_written(text: str, value: object) -> None:
    assert parse_yaml(f"a: {text}\n", "f.yaml").data == {"a": value}


def test_a_name_yaml_reads_as_yes_or_no_says_to_quote_it(tmp_path: Path) -> None:
    # A channel named `no` is a key (a name) in `channels:`, but a value in `offer:`.
    path = tmp_path / "norway.yaml"
    path.write_text(
        "version: 1\nname: n\nkind: push\nchannels:\n"
        "  phone: {mode: live, handle_time: 300, hourly_cost: 30}\n"
        "  no: {mode: self_service}\n"
        "offer: [phone, no]\nshifts:\n  - from: phone\n    where: {intent: on}\n"
        "    to: {no: 0.2}\n"
    )
    result = validate(path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        f"{path}:7:16: offer.1: input should be a valid string (got False) (hint: YAML "
        "reads no, off and false unquoted as a yes/no value: quote a name such as 'no')",
        f"{path}:10:13: shifts.0.where.intent: input should be a valid list (got True) "
        "(hint: YAML reads yes, on and true unquoted as a yes/no value: quote a name such "
        "as 'on')",
    ]


def test_keys_that_look_like_numbers_stay_names() -> None:
    located = parse_yaml("017: a\n0x11: b\n1_7: c\n", "f.yaml")
    assert located.data == {"017": "a", "0x11": "b", "1_7": "c"}


def test_set_refuses_a_number_yaml_would_misread(tmp_path: Path) -> None:
    strategy = ROOT / "strategies" / "follow-everywhere.yaml"
    data = ROOT / "examples" / "interactions.csv"
    result = run_cx("simulate", str(strategy), "--data", str(data),
                    "--set", "channels.email.handle_time=0130")  # fmt: skip
    assert result.exit_code == 2 and result.stdout == ""
    assert "'0130' is not a decimal number" in result.stderr


def test_set_says_why_a_leading_zero_is_refused_and_reads_one_before_a_point() -> None:
    strategy = ROOT / "strategies" / "digital-first.yaml"
    data = ROOT / "examples" / "interactions.csv"
    result = run_cx("simulate", strategy, "--data", data,
                    "--set", "channels.phone.handle_time=017")  # fmt: skip
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        "error: --set channels.phone.handle_time=017:1:1: '017' is not a decimal number: "
        "YAML 1.1 reads it as 15 (octal) (hint: write 17 without the leading zero, or 15 if "
        "octal is meant; quote it if it is meant as text)"
    )
    # 017.5 is 17.5 to every YAML: read as written, as 17.5 is.
    as_written = run_cx("simulate", strategy, "--data", data, "--format", "json",
                        "--set", "channels.phone.handle_time=017.5")  # fmt: skip
    plain = run_cx("simulate", strategy, "--data", data, "--format", "json",
                   "--set", "channels.phone.handle_time=17.5")  # fmt: skip
    assert as_written.exit_code == 0, as_written.stderr
    assert as_written.stdout == plain.stdout


# --------------------------------------------------------------------------- aliases


def test_alias_bomb_fails_fast() -> None:
    start = time.perf_counter()
    (finding,) = findings(ALIAS_BOMB)
    assert time.perf_counter() - start < 1.0
    assert "alias" in finding.message
    assert finding.hint is not None and "alias bomb" in finding.hint
    assert finding.line is not None


def test_alias_bomb_through_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text("version: 1\nname: bomb\nkind: follow\n" + ALIAS_BOMB)
    start = time.perf_counter()
    result = validate(path)
    assert time.perf_counter() - start < 2.0
    assert result.exit_code == 1
    assert "aliases more than" in result.stdout


def test_a_few_aliases_are_fine() -> None:
    located = parse_yaml("base: &b {mode: live}\nx: *b\ny: *b\n", "f.yaml")
    assert located.data["x"] == located.data["y"] == {"mode": "live"}
    located.data["x"]["mode"] = "async"
    assert located.data["y"]["mode"] == "live"  # aliases are copies, not shared objects


def test_recursive_alias_is_refused() -> None:
    (finding,) = findings("a: &a [1, *a]\n")
    assert "recursive" in finding.message or "alias" in finding.message


def test_merge_keys_are_refused() -> None:
    (finding,) = findings("base: &b {mode: live}\nphone:\n  <<: *b\n  handle_time: 3\n")
    assert finding.message == "merge keys (<<) are not supported"
    assert finding.line == 3
    assert finding.hint == (
        "write the keys out; for a base that several strategies share, "
        "put it in a strategy file of its own and name it with `extends:`"
    )


def test_value_count_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsafe, "MAX_VALUES", 50)
    (finding,) = findings("a: [" + ", ".join(["1"] * 100) + "]\n")
    assert "more than 50 values" in finding.message


# --------------------------------------------------------------------------- constructors


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['touch {marker}']\n",
        "a: !!python/name:os.system\n",
        "a: !!python/object:builtins.dict {{}}\n",
        "a: !custom {{x: 1}}\n",
        "a: !!set {{x, y}}\n",
        "a: !!python/tuple [1, 2]\n",
    ],
)
def test_only_plain_values(tmp_path: Path, text: str) -> None:
    marker = tmp_path / "executed"
    (finding,) = findings(text.format(marker=marker))
    assert finding.message.startswith("unsupported YAML")
    assert finding.line == 1
    assert not marker.exists()


def test_plain_scalars_construct_safely() -> None:
    located = parse_yaml("a: 1\nb: 0.5\nc: true\nd: null\ne: text\nf: 2024-01-01\n", "f")
    assert located.data["a"] == 1 and located.data["b"] == 0.5 and located.data["c"] is True
    assert located.data["d"] is None and located.data["e"] == "text"


# --------------------------------------------------------------------------- size and depth


def test_nesting_is_bounded() -> None:
    deep = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    (finding,) = findings(deep)
    assert f"deeper than {MAX_DEPTH}" in finding.message


@pytest.mark.parametrize("depth", [2_000, 200_000])
def test_pathological_nesting_is_a_finding(depth: int) -> None:
    start = time.perf_counter()
    (finding,) = findings("[" * depth + "]" * depth)
    assert time.perf_counter() - start < 5.0
    assert finding.file == "f.yaml"


def test_size_limit_on_text() -> None:
    (finding,) = findings("a: '" + "x" * MAX_FILE_BYTES + "'\n")
    assert "larger than 2 MiB" in finding.message


def test_size_limit_on_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(InputError, match="larger than 2 MiB"):
        load_yaml_file(path, "strategy file")
    result = validate(path)
    assert result.exit_code == 1
    assert "larger than 2 MiB" in result.stdout


# --------------------------------------------------------------------------- other inputs


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x00\x01\x02", "binary"),
        (b"name: caf\xe9\n", "not valid UTF-8"),
        (b"", "not empty"),
        (b"- a\n- b\n", "not a list"),
        (b"a: 1\n---\nb: 2\n", "expected a single document in the stream, but found another"),
        (b"a: [1, 2\n", "YAML syntax error"),
        (b"a: 'open\n", "YAML syntax error"),
        (b"\tname: x\n", "YAML syntax error"),
    ],
)
def test_unreadable_files_are_findings(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    result = validate(path)
    assert result.exit_code == 1
    if words == "not empty":
        assert "not empty" in result.stdout or "empty" in result.stdout
    else:
        assert words in result.stdout
    assert result.stdout.startswith(str(path))


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("version: 1\nchannels:\n  phone:\n\tmode: live\n", 4, 1),
        ("version: 1\nchannels:\n  phone:\n    mode: live\n  \t\n", 5, 3),
        ("version: 1\noffer:\n\t- phone\n", 3, 1),
    ],
)
def test_a_tab_says_to_use_spaces(tmp_path: Path, text: str, line: int, column: int) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    result = validate(path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"{path}:{line}:{column}: YAML syntax error: a tab, where YAML allows only spaces "
        "(hint: indent with spaces, and put a space, not a tab, after `key:`)"
    )


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"version: 1\nname: caf\xe9\n")
    with pytest.raises(CxError) as caught:
        load_yaml_file(path)
    assert caught.value.line == 2


def test_utf8_bom_is_fine() -> None:
    assert parse_yaml("\ufeffa: 1\n", "f").data == {"a": 1}


def test_libyaml_and_python_parsers_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [p.read_text() for p in sorted((ROOT / "strategies").glob("*.yaml"))]
    texts.append("name: 'é日本語'\nx: {é: 1, b: [ä, ö]}\nlong: |\n  a\n  b\n")
    fast = [parse_yaml(text, "f") for text in texts]
    monkeypatch.setattr(yamlsafe, "_FAST_LOADER", None)
    yamlsafe._parse_cached.cache_clear()
    slow = [parse_yaml(text, "f") for text in texts]
    yamlsafe._parse_cached.cache_clear()
    for a, b in zip(fast, slow, strict=True):
        assert a.data == b.data
        assert a.positions == b.positions


def test_callers_get_their_own_copy() -> None:
    first = parse_yaml("a: {b: 1}\n", "same.yaml")
    first.data["a"]["b"] = 99
    first.positions.clear()
    second = parse_yaml("a: {b: 1}\n", "same.yaml")
    assert second.data == {"a": {"b": 1}}
    assert ("a", "b") in second.positions


def test_unreadable_file_is_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.yaml"
    path.write_text("version: 1\n")

    def refuse(*_: object) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("cx.loader.yamlsafe.read_bounded", refuse)
    result = validate(path)
    assert result.exit_code == 1
    assert "cannot read strategy file: Permission denied" in result.stdout
