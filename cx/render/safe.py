"""Text from files shown as text, never acting as code where cx shows it.

Names, values and messages quoting file content reach a terminal, a spreadsheet, a
browser, a CI runner or a SQL engine. Each of those has characters that act rather
than print; these pure functions make them print. One function per destination, so
every renderer reaches for the same one.
"""

from __future__ import annotations

import html
import re

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


def log_line(text: str) -> str:
    """``text`` as one line of a log (:func:`terminal_text`) that does not start with
    ``::``, which a GitHub Actions runner would take as a workflow command."""
    shown = terminal_text(text)
    return "\\x3a" + shown[1:] if shown.startswith("::") else shown


# The first colon of each pair: in ":::" both the first and the second.
_COLON_BEFORE_COLON = re.compile(":(?=:)")


def plain(text: str, style: str = "") -> Text:
    """File text as a rich renderable printed literally: no markup (``[red]``,
    ``[link=...]``), no emoji codes, no control character (:func:`terminal_text`) and no
    ``::`` anywhere: a table wraps a cell at a space and folds a long word at any
    character, so a ``::`` inside a name could start a line of a CI log."""
    return Text(_COLON_BEFORE_COLON.sub(r"\\x3a", terminal_text(text)), style=style)


# Characters that are illegal in XML 1.0 (everything below U+0020 but tab, line feed and
# carriage return; the surrogates; U+FFFE and U+FFFF).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` that an XML 1.0 parser accepts: each illegal character is shown as its
    escape (``\\x1b``). ElementTree escapes ``<``, ``&`` and quotes itself."""
    return _XML_ILLEGAL.sub(_visible, text)


# What a page must not hold raw: the terminal's list less the tab and line breaks,
# which HTML reads as spaces.
_HTML_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)


def html_text(text: str) -> str:
    """``text`` as HTML text or an attribute value: ``<``, ``&`` and quotes escaped, and
    each control character, line separator or bidi control shown as its escape
    (``\\x1b``), as on a terminal: a page shows what a file holds, never acts on it."""
    return html.escape(_HTML_UNSAFE.sub(_visible, text), quote=True)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
FORMULA_PREFIX = "'"


def spreadsheet_text(text: str) -> str:
    """A CSV text cell a spreadsheet shows rather than evaluates (OWASP CSV injection):
    a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
    leading single quote. Text that is just a number (``-123.4``) stays as it is: a
    spreadsheet reads it as that number, not as a formula. (The --rejects file applies
    the same rule with Polars: :func:`cx.data.spreadsheet.spreadsheet_frame`.)"""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return FORMULA_PREFIX + text
    return text


# Inline JSON in an HTML <script>: no "</script>", "<!--" or "]]>" can form, and the
# line separators JavaScript once treated as line ends are escaped too, as is DEL
# (json.dumps escapes every other control character).
_SCRIPT_JSON_ESCAPES = str.maketrans({c: f"\\u{ord(c):04x}" for c in "<>&\x7f\u2028\u2029"})


def script_json(json_text: str) -> str:
    """JSON text safe to place inside an HTML ``<script>`` element. Each replaced
    character can only occur inside a JSON string, where its ``\\u`` escape means the
    same character, so the data parse to the same values."""
    return json_text.translate(_SCRIPT_JSON_ESCAPES)


# C1 controls and DEL are legal, unescaped, in JSON strings, but some terminals act on
# them when JSON is printed; their \u escapes mean the same characters.
_JSON_QUIET_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")


def quiet_json(json_text: str) -> str:
    """JSON text with no control character left raw (json.dumps escapes only C0)."""
    return _JSON_QUIET_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)
