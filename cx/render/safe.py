"""Text from files shown as text, never acting as code where cx shows it.

Names, values and messages quoting file content reach a terminal, a spreadsheet, a
browser, a CI runner or a SQL engine. Each of those has characters that act rather
than print; these pure functions make them print. One function per destination, so
every renderer reaches for the same one.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

# C0 and C1 controls, DEL, the Unicode line and paragraph separators and the bidi
# embeddings, overrides and isolates (which reorder what a reader sees), and lone
# surrogates (which no terminal encoding can carry).
_TERMINAL_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    character = match.group()
    named = _NAMED_ESCAPES.get(character)
    if named is not None:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\r``):
    no escape sequence, carriage return, bell or line break of a file reaches the
    terminal, and the one line of a message stays one line."""
    return _TERMINAL_UNSAFE.sub(_visible, text)


def plain(text: str, style: str = "") -> Text:
    """File text as a rich renderable printed literally: no markup (``[red]``,
    ``[link=...]``), no emoji codes, no control characters, and no line starting with
    ``::``, which a GitHub Actions runner would take as a workflow command."""
    shown = terminal_text(text)
    if shown.startswith("::"):
        shown = "\\x3a" + shown[1:]
    return Text(shown, style=style)


# Characters that are illegal in XML 1.0 (everything below U+0020 but tab, line feed and
# carriage return; the surrogates; U+FFFE and U+FFFF).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` that an XML 1.0 parser accepts: each illegal character is shown as its
    escape (``\\x1b``). ElementTree escapes ``<``, ``&`` and quotes itself."""
    return _XML_ILLEGAL.sub(_visible, text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
FORMULA_PREFIX = "'"


def spreadsheet_text(text: str) -> str:
    """A CSV text cell a spreadsheet shows rather than evaluates (OWASP CSV injection):
    a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
    leading single quote. Text that is just a number (``-123.4``) stays as it is: a
    spreadsheet reads it as that number, not as a formula."""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return FORMULA_PREFIX + text
    return text


def spreadsheet_frame(frame: Any) -> Any:
    """A Polars frame whose text columns are spreadsheet-safe (see
    :func:`spreadsheet_text`); other columns are untouched."""
    import polars as pl

    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    formula = "^[=+\\-@\\t\\r]"
    number = "^" + _PLAIN_NUMBER.pattern + "$"
    safe = frame.with_columns(
        pl.when(pl.col(name).str.contains(formula) & ~pl.col(name).str.contains(number))
        .then(pl.lit(FORMULA_PREFIX) + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )
    # The header row is text too (a data file's own column names, in --rejects).
    names = [spreadsheet_text(name) for name in safe.columns]
    if len(set(names)) < len(names):  # renaming would make two columns one
        return safe
    return safe.rename(dict(zip(safe.columns, names, strict=True)))


# Inline JSON in an HTML <script>: no "</script>", "<!--" or "]]>" can form, and the
# line separators JavaScript once treated as line ends are escaped too.
_SCRIPT_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")


def script_json(json_text: str) -> str:
    """JSON text safe to place inside an HTML ``<script>`` element. Each replaced
    character can only occur inside a JSON string, where its ``\\u`` escape means the
    same character, so the data parse to the same values."""
    return _SCRIPT_JSON_UNSAFE.sub(lambda m: _SCRIPT_JSON_ESCAPES[m.group()], json_text)


# C1 controls and DEL are legal, unescaped, in JSON strings, but some terminals act on
# them when JSON is printed; their \u escapes mean the same characters.
_JSON_QUIET_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")


def quiet_json(json_text: str) -> str:
    """JSON text with no control character left raw (json.dumps escapes only C0)."""
    return _JSON_QUIET_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)
