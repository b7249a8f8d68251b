"""How cx writes numbers for people: the one place tables, markdown and verdicts take
their figures from.

* One minus sign, U+2212 (−), for every negative figure people read; JSON and CSV
  keep the plain number.
* Thousands separated (``12,345``), never shortened: a figure in a table is the
  whole figure (the layout makes room instead, :mod:`cx.render.layout`).
* Contacts and hours are whole: ``59.6`` lost contacts show as ``60``.
* Money carries the strategy's ``currency:`` label when it has one (``€12,345``,
  ``CHF 12,345``); it only labels, nothing is converted.

The currency of the figures being written is set for a block of work with
:func:`currency_label` (a context variable, so the formatters keep their one-value
signature that the row specifications of the tables use).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

MINUS = "\u2212"
MISSING = "–"

_CURRENCY: contextvars.ContextVar[str | None] = contextvars.ContextVar("currency", default=None)


@contextlib.contextmanager
def currency_label(currency: str | None) -> Iterator[None]:
    """Money written inside carries ``currency`` (None: no symbol)."""
    token = _CURRENCY.set(currency)
    try:
        yield
    finally:
        _CURRENCY.reset(token)


def common_currency(currencies: list[str | None]) -> str | None:
    """The currency of figures side by side: the one they share, or none when they
    differ (a label must not claim a unit that some figures do not have)."""
    distinct = set(currencies)
    return distinct.pop() if len(distinct) == 1 else None


def _shows_zero(text: str) -> bool:
    return not any(digit in text for digit in "123456789")


def _signed_text(value: float, body: str) -> str:
    """``body`` (written from the absolute value) with the minus sign when it shows one:
    a figure that rounds to zero has none."""
    return (MINUS + body) if value < 0 and not _shows_zero(body) else body


def whole(value: float | None) -> str:
    """A count of contacts or hours: whole, thousands separated (``59.6`` → ``60``)."""
    if value is None:
        return MISSING
    rounded = round(value)
    return _signed_text(rounded, f"{abs(rounded):,}")


def _money_digits(value: float) -> int:
    return 0 if abs(value) >= 100 else 2


def money(value: float | None) -> str:
    """Money: whole units from 100 up, cents below; the strategy's currency label."""
    if value is None:
        return MISSING
    return _signed_text(value, _labelled(f"{abs(value):,.{_money_digits(value)}f}"))


def amount(text: str) -> str:
    """A figure written as money is not (``−25,025``, from :func:`figure`) with the
    currency label that :func:`money` gives (``−€25,025``)."""
    negative = text.startswith(MINUS)
    return (MINUS if negative else "") + _labelled(text.removeprefix(MINUS))


def _labelled(body: str) -> str:
    """``body``, an amount without its sign, with the currency label (``€12k``,
    ``CHF 12k``)."""
    symbol = _CURRENCY.get()
    if symbol:
        body = symbol + (" " if symbol[-1].isalpha() else "") + body
    return body


def money_title(title: str, aside: str | None = None) -> str:
    """The title of money figures that are not written one by one (a chart's axis, its
    tooltip), naming their currency label: ``Cost (€)``, ``Cost against today (€;
    negative: saves)``; without a label, ``title`` with ``aside`` in brackets."""
    said = [part for part in (_CURRENCY.get(), aside) if part]
    return f"{title} ({'; '.join(said)})" if said else title


def percent(value: float | None, digits: int = 1) -> str:
    """A share as a percentage: ``0.976`` → ``97.6%``."""
    if value is None:
        return MISSING
    return _signed_text(value, f"{abs(value) * 100:.{digits}f}%")


def proportion(value: float | None, digits: int = 1) -> str:
    """A share of a whole (0 to 1) as :func:`percent` writes it, but never ``0.0%`` for
    a share that is not nothing nor ``100.0%`` for one that is not all: ``<0.1%`` and
    ``>99.9%`` there (``<1%``, ``>99%`` with no decimal)."""
    written = percent(value, digits)
    step = 10.0 ** -(digits + 2)  # the smallest share written with ``digits``
    if value is not None and value > 0 and written == percent(0.0, digits):
        return "<" + percent(step, digits)
    if value is not None and value < 1 and written == percent(1.0, digits):
        return ">" + percent(1 - step, digits)
    return written


def small_share(share: float) -> str:
    """A positive share with one decimal (``3.1%``); ``under 0.1%`` where that would
    read ``0.0%``, a share that says nothing beside a difference that is not nothing."""
    written = percent(share)
    return "under 0.1%" if written == percent(0.0) else written


def points(value: float) -> str:
    """A difference of shares in percentage points: ``−2.4 pt``."""
    return _signed_text(value, f"{abs(value) * 100:.1f} pt")


def number(value: float | None, digits: int = 2) -> str:
    """A ratio or a mean (effective channels, seconds of wait): fixed decimals."""
    if value is None:
        return MISSING
    return _signed_text(value, f"{abs(value):,.{digits}f}")


def figure(value: float | None, significant: int = 4) -> str:
    """A number as people read it: thousands separated, about ``significant`` digits
    (whole from 1,000 up, with the digits past four as decimals)."""
    if value is None:
        return MISSING
    size = abs(value)
    body = f"{size:,.{significant - 4}f}" if size >= 1000 else f"{size:.{significant}g}"
    return _signed_text(value, body)


def as_written(value: float, formatter: Callable[[float], str]) -> float:
    """``value`` rounded as ``formatter`` (:func:`whole`, :func:`money`,
    :func:`money_change`, :func:`percent` or :func:`number` at their default digits)
    writes it, so that a difference set beside two figures is the difference of the
    figures read (``4.65`` against ``5.33`` is ``−0.68``, never ``−0.67``; ``38.78``
    against ``38.77`` is ``+0.01``, never ``0``); any other formatter leaves it as it
    is."""
    digits = {whole: 0, percent: 3, number: 2}.get(formatter)
    if formatter in (money, money_change):
        digits = _money_digits(value)
    return value if digits is None else round(value, digits)


def signed(value: float | None, formatter: Callable[[float], str]) -> str:
    """A difference: ``+`` or ``−`` always written, ``0`` for none."""
    if value is None:
        return MISSING
    text = formatter(abs(value))
    if _shows_zero(text):
        return "0"
    return ("+" if value > 0 else MINUS) + text


def money_change(value: float | None) -> str:
    """A difference of money, as simulate's Δ and compare's cost vs baseline write it:
    ``+3,210`` dearer, ``−25,025`` cheaper, ``0`` the same."""
    return signed(value, money)


def short(value: float, formatter: Callable[[float], str]) -> str:
    """A figure shortened for a band: ``−52k``, ``1.2M``, money with its currency label
    (``−€52k``); below 10,000 as ``formatter``."""
    size = abs(value)
    if size >= 999_500:
        body = f"{size / 1e6:.3g}M"
    elif size >= 9_995:
        body = f"{size / 1e3:.3g}k"
    else:
        return formatter(value)
    return _signed_text(value, _labelled(body) if formatter is money else body)


def band(point: str, low: float, high: float, formatter: Callable[[float], str]) -> str:
    """A point figure with its band beside it: ``−36,458 (−52k … −21k)``; one figure
    where both ends are written the same (``97.6% (97.6%)``, never ``97.6% (97.6% …
    97.6%)``, which reads as a range that is none)."""
    ends = short(low, formatter), short(high, formatter)
    if ends[0] == ends[1]:
        return f"{point} ({ends[0]})"
    return f"{point} ({ends[0]} … {ends[1]})"
