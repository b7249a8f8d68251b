"""``cx init``: from an export to a mapping file and two starting strategies.

The first rows tell what each column holds (:mod:`cx.data.columns`): the customer id
is the id column that repeats, the timestamp is the column (or the date plus time
columns) that parses, the channel is the few-valued column whose values name
channels. Day-first or month-first dates are decided by a day above 12 anywhere in
the column. The channel values, yes/no codes and handle times come from one pass
over the whole file, and the proposed mapping is tried on every row: an optional
column that would reject rows is left out and said so. What cannot be decided is
written as the best guess with a ``# check:`` comment.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from cx.data import columns as cols
from cx.data import profile as prof
from cx.data.columns import ColumnProfile
from cx.data.diagnose import find_column
from cx.data.exact import blank_row, parsed_frame
from cx.data.fine import served_handle
from cx.data.layout import RAW, ROW, SourceLayout, resolve_layout
from cx.data.raw import raw_frame
from cx.data.rules import (
    BINARY_PADDING,
    CLOCK_DURATIONS,
    FALSE_WORDS,
    FIRST_FIELD_ONLY,
    MAX_HANDLE_TIME_SECONDS,
    NUMBER_COLUMNS,
    REPEATED_HEADER,
    TRUE_WORDS,
    parse_duration,
)
from cx.data.scan import DEFAULT_MAX_REJECT_RATE
from cx.errors import SHOWN_CHARACTERS, DataError, InputError, shown, shown_list
from cx.io import write_texts_atomic
from cx.models.mapping import BooleanValues, Mapping
from cx.models.strategy import MAX_SECONDS, MIN_SECONDS
from cx.models.vocabulary import EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, counted, plural

MAPPING_FILE = "columns.yaml"
FOLLOW_FILE = "follow.yaml"
PUSH_FILE = "push.yaml"
FILES = (MAPPING_FILE, FOLLOW_FILE, PUSH_FILE)
#: More distinct values than this in the whole channel column is not a channel column.
MAX_CHANNEL_VALUES = 100
#: The most characters of a channel value read as a channel, and of the channel name
#: written for it: as many as a message quotes of a value (SHOWN_CHARACTERS), so every
#: table and message names a proposed channel whole. A value past it is a corrupted
#: export or free text, and as a name it would fill screens wherever it is shown (and
#: past 1,024 characters it is no YAML key at all).
MAX_CHANNEL_CHARS = SHOWN_CHARACTERS

# --------------------------------------------------------------------------- vocabulary


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Canonical channel → words that name it in exports (whole words, or the value with
#: its separators removed: "E-mail" → "email"). Checked in this order: "Facebook
#: Post" is social, "Postal mail" is postal, "Web chat" is chat.
CHANNEL_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("video", _words("video videocall vidyo zoom")),
    ("chat", _words("chat webchat livechat messaging messenger im")),
    ("social", _words("social facebook twitter whatsapp instagram linkedin tiktok x")),
    ("postal", _words("postal post letter letters postalmail mailpost")),
    ("sms", _words("sms text texts txt")),
    ("email", _words("email mail emails inbox courriel correo")),
    (
        "phone",
        _words(
            "phone call calls voice telephone tel voicemail inbound "
            "telefon telefono telefone anruf appel llamada"
        ),
    ),
    ("app", _words("app mobile sdk ios android mobileapp")),
    ("web", _words("web online form webform website portal widget internet")),
    ("branch", _words("branch store shop counter walkin inperson visit filiale agence sucursal")),
)
LIVE = ("phone", "chat", "video", "branch")
SELF_SERVICE = ("web", "app", "ivr", "kiosk", "atm", "bot", "chatbot")
#: Typical handle times (seconds) when the data has none.
TYPICAL_HANDLE_TIME = {
    "phone": 360,
    "chat": 540,
    "video": 600,
    "email": 420,
    "social": 300,
    "postal": 600,
    "sms": 240,
}
DEFAULT_HANDLE_TIME = 420
#: Service level windows (seconds) of live channels.
ANSWER_WITHIN = {"phone": 20, "chat": 60, "video": 30}

#: At most this many distinct codes in a yes/no column.
BOOLEAN_VALUES = 12
#: Words that make a value an abandon wherever they stand in it: ``Abandon``,
#: ``Caller Abandoned``, ``ABANDONED IN QUEUE``.
ABANDON_WORDS = frozenset(
    _words("abandon abandoned abandonment abgebrochen abandonne abandonnee abandonado abandonada")
)
#: Yes and no in German, French and Spanish (``Ja``/``Nein``, ``Oui``/``Non``,
#: ``Sí``/``No``), read as cx's own words are, but written under ``values:``.
YES_WORDS = (*TRUE_WORDS, *_words("ja oui si wahr vrai verdadero"))
NO_WORDS = (*FALSE_WORDS, *_words("nein non falsch faux falso"))
#: Per yes/no column: export codes meaning true, and false (besides cx's own words).
BOOLEAN_WORDS = {
    "resolved": (
        _words(
            "resolved solved closed done complete completed fixed success "
            "gelost erledigt abgeschlossen resolu cloture resuelto resuelta cerrado"
        ),
        _words(
            "unresolved open pending new hold onhold escalated failed reopened waiting "
            "transferred unsolved offen ungelost nonresolu ouvert noresuelto pendiente abierto"
        ),
    ),
    "abandoned": (
        # a call missed or unanswered was served by no one, as one abandoned was
        _words(
            "abandoned abandon aban hang hangup hungup dropped lost timeout missed unanswered "
            "noanswer abgebrochen aufgelegt abandonne abandonnee abandonado abandonada"
        ),
        _words(
            "answered agent handled connected served completed complete ans "
            "angenommen beantwortet repondu atendido atendida"
        ),
    ),
}

#: Words naming an instant, not a duration: an "End Time" of 09:36:30 is a time of day,
#: which a clock's duration_format would read as 9.6 hours.
INSTANT_WORDS = _words(
    "start started begin end ended finish finished opened closed created received answered "
    "connected disconnect disconnected timestamp date "
    "datum zeitstempel beginn ende horodatage debut fecha inicio fin"
)
#: Two words naming the time an agent spent on a contact (CXone's ``Agent Time``), which
#: is handling, no wait; in ``Time to Agent`` the words are not side by side: a wait.
AGENTS_TIME = ("agent time", "agent duration", "agent seconds")
#: Words naming where a contact centre routes a contact (Five9's ``SKILL``, Genesys
#: Cloud's ``Queue``, a ``Skill Group``): often one per kind of customer (Premium
#: Support), so a segment's guess, but a weak one: some route by request (Complaints).
ROUTING_WORDS = _words("skill skills queue")
#: Name words per column: (words, weight); a negative weight argues against. An entry
#: of two words matches them side by side. Each list ends with the German, French and
#: Spanish words of contact-centre exports (``Kundennummer``, ``Durée de traitement``,
#: ``Tiempo de espera``), accents dropped as :func:`words` drops them; a German
#: compound is one word (``Bearbeitungszeit``), listed whole.
NAME_WORDS: dict[str, tuple[tuple[tuple[str, ...], float], ...]] = {
    "customer_id": (
        (
            _words(
                "customer client requester caller account member user cust "
                "kunde kunden kundennummer kundenid kundennr cliente"
            ),
            2.0,
        ),
        (_words("id number no ref key code nummer nr numero"), 0.5),
        (
            _words(
                "contact ticket case call interaction session order agent endpoint address "
                "phone email anruf vorgang fall appel dossier llamada caso"
            ),
            -1.5,
        ),
        # a kind of customer (``Account Type``), not one: codes, but a few of them
        (
            _words(
                "type kind category class segment tier status level group "
                "typ kategorie gruppe categorie groupe tipo categoria segmento grupo"
            ),
            -2.0,
        ),
    ),
    "timestamp": (
        (
            _words(
                "created creation opened start started initiation received arrival arrived "
                "timestamp submitted logged date time "
                "zeitstempel datum uhrzeit zeit erstellt eingang beginn "
                "horodatage heure cree creee debut fecha hora creado creada creacion inicio"
            ),
            0.5,
        ),
        (
            _words(
                "disconnect end ended closed close resolved solved updated modified last "
                "connected enqueue due reply answered assigned "
                "ende beendet geschlossen fin ferme cloture cierre cerrado"
            ),
            -1.0,
        ),
    ),
    "channel": (
        (_words("channel via medium media source origin kanal kontaktkanal canal"), 1.5),
        (_words("method type contact kontaktart typ tipo"), 0.5),
    ),
    "segment": (
        (_words("segment kundensegment segmento"), 2.0),
        (_words("tier band plan customertype kundentyp kundengruppe"), 1.0),
        (("account type", "customer type"), 1.0),  # Salesforce's Account Type
        (ROUTING_WORDS, 1.0),
    ),
    "stage": ((("stage",), 2.0), (_words("journey phase lifecycle etape etapa"), 1.0)),
    "intent": (
        (("intent",), 2.0),
        # "wrap up" side by side: Genesys Cloud's "Wrap-up" code, "Wrap Up Reason"
        (
            (
                *_words(
                    "reason topic category issue disposition purpose wrapup "
                    "anliegen grund thema kategorie motif sujet categorie motivo tema categoria"
                ),
                "wrap up",
            ),
            1.0,
        ),
    ),
    "handle_time": (
        (  # all of it: beats a talk time beside it
            _words(
                "handle handling aht bearbeitungszeit bearbeitungsdauer bearbeitung "
                "traitement gestion"
            ),
            1.5,
        ),
        (_words("talk interaction spent worked gesprachsdauer gesprachszeit sprechzeit"), 1.0),
        (AGENTS_TIME, 1.0),
        (_words("duration dauer duree duracion"), 0.5),
        (
            _words(
                "wait queue reply resolution after acw hold first full response "
                "wartezeit wartedauer warteschlange nachbearbeitung nachbearbeitungszeit "
                "attente espera"
            ),
            -2.0,
        ),
        (INSTANT_WORDS, -3.0),
    ),
    "wait_time": (
        (_words("wait waiting queue queued asa wartezeit wartedauer attente espera"), 1.0),
        (_words("duration time dauer zeit duree temps duracion tiempo"), 0.3),
        (_words("min mins minutes reply resolution minuten minutos"), -3.0),
        (  # parts of a handle time
            _words(
                "talk handle handling hold acw wrap wrapup bearbeitungszeit bearbeitung "
                "gesprachsdauer nachbearbeitung traitement conversation gestion conversacion"
            ),
            -3.0,
        ),
        (AGENTS_TIME, -3.0),
        (INSTANT_WORDS, -3.0),
    ),
    "resolved": (
        (_words("resolved resolution solved fcr gelost erledigt resolu resuelto resuelta"), 1.5),
        (_words("status outcome result ergebnis statut resultat estado resultado"), 0.5),
        (_words("time minutes date zeit datum temps tiempo fecha"), -3.0),
    ),
    "abandoned": (
        ((*ABANDON_WORDS, *_words("hangup aufgelegt")), 1.5),
        (_words("outcome result disposition ergebnis resultat resultado"), 0.5),
        (_words("time minutes date zeit datum temps tiempo fecha"), -3.0),
    ),
    "satisfaction": (
        (
            _words(
                "satisfaction csat rating score nps sat zufriedenheit kundenzufriedenheit "
                "bewertung satisfaccion valoracion puntuacion"
            ),
            1.0,
        ),
    ),
}
OPTIONAL_ORDER = (
    "segment",
    "stage",
    "intent",
    "handle_time",
    "wait_time",
    "satisfaction",
    "resolved",
    "abandoned",
)
#: The optional columns that are yes/no flags.
FLAG_COLUMNS = ("resolved", "abandoned")


def words(text: str) -> list[str]:
    """A name or value as lower-case words: camelCase, punctuation and digits split,
    accents dropped (``Téléphone`` is ``telephone``, not ``t``, ``l`` and ``phone``)."""
    spaced = unicodedata.normalize("NFKD", re.sub(r"([a-z])([A-Z])", r"\1 \2", text))
    plain = "".join(char for char in spaced if not unicodedata.combining(char))
    return re.findall(r"[a-z]+|[0-9]+", plain.lower())


def name_score(canonical: str, name: str) -> float:
    split = words(name)
    found = set(split) | {f"{first} {second}" for first, second in itertools.pairwise(split)}
    if "".join(split) == canonical.replace("_", ""):
        return 3.0
    score = 0.0
    for vocabulary, weight in NAME_WORDS.get(canonical, ()):
        if found & set(vocabulary):
            score += weight
    return score


def channel_for(value: str) -> str | None:
    """The canonical channel a value names ("Postal mail" → postal), if any."""
    return _channel_match(value)[0]


def _channel_match(value: str) -> tuple[str | None, str | None]:
    """The canonical channel a value names, and the word of it that alone decided, when
    that word is too short to be sure of (``x`` of ``0x10`` read as social)."""
    found = words(value)
    joined = "".join(found)
    for channel, vocabulary in CHANNEL_WORDS:
        if joined == channel or joined in vocabulary:
            return channel, None
        shared = sorted(set(found) & set(vocabulary))
        if shared:
            return channel, None if max(map(len, shared)) > 2 else shared[0]
    return None, None


def channel_name(value: str) -> str:
    """A strategy channel name for a value no canonical channel fits: its words, dashed."""
    return "-".join(words(value))


def channel_mode(channel: str) -> str:
    if channel in LIVE:
        return "live"
    if channel in SELF_SERVICE:
        return "self_service"
    return "async"


# --------------------------------------------------------------------------- the proposal


@dataclass
class Column:
    """One canonical column the proposal maps."""

    canonical: str
    sources: list[str]
    holds: str  # what the column holds, in words
    example: str
    check: str | None = None  # why the guess needs a look, if it does


@dataclass
class ChannelSeen:
    name: str
    values: list[str]  # the export's values read as this channel
    contacts: int = 0
    rejected: int = 0  # rows read as this channel that are rejected
    handle_time: float | None = None  # observed mean seconds
    check: str | None = None

    @property
    def mode(self) -> str:
        return channel_mode(self.name)


@dataclass
class Proposal:
    """What ``cx init`` found in an export and proposes to write."""

    data: Path
    delimiter: str
    head_rows: int  # the file's first rows as profiled, blank lines included
    columns: dict[str, Column]
    timestamp_format: str
    timestamp_check: str | None
    handle_time_unit: str = "seconds"
    duration_format: str | None = None  # handle and wait times written as a clock
    # Columns left out that cx would read by their names: written as `null`, not read.
    not_read: list[str] = field(default_factory=list)
    channels: list[ChannelSeen] = field(default_factory=list)
    values: dict[str, BooleanValues] = field(default_factory=dict)
    drop: dict[str, list[str]] = field(default_factory=dict)  # rows that are no contacts
    anonymous_ids: list[str] = field(default_factory=list)  # ids of no one customer
    rows: int = 0
    rows_rejected: int = 0
    rows_profiled: int = 0  # of the rows, those among the head's
    notes: list[str] = field(default_factory=list)  # what was left out, and why

    @property
    def checks(self) -> list[str]:
        """Every guess to look at, as one line each."""
        lines = [f"{c.canonical}: {c.check}" for c in self.columns.values() if c.check]
        if self.timestamp_check:
            lines.append(f"timestamp_format: {self.timestamp_check}")
        lines += [f"channel {c.name}: {c.check}" for c in self.channels if c.check]
        return lines

    def mapping(self) -> Mapping:
        return Mapping(
            columns={
                **{
                    c.canonical: c.sources[0] if len(c.sources) == 1 else c.sources  # type: ignore[misc]
                    for c in self.columns.values()
                },
                **dict.fromkeys(self.not_read),
            },
            timestamp_format=self.timestamp_format,
            delimiter=self.delimiter,
            handle_time_unit=self.handle_time_unit,  # type: ignore[arg-type]
            duration_format=self.duration_format,  # type: ignore[arg-type]
            channels=_aliases(self.channels),
            values=self.values,  # type: ignore[arg-type]
            anonymous_ids=self.anonymous_ids,
            drop=self.drop,
        )


def _aliases(channels: list[ChannelSeen]) -> dict[str, list[str]]:
    """Canonical channel → the values that need an alias (not already its name)."""
    return {
        seen.name: aliases
        for seen in channels
        if (aliases := [v for v in seen.values if v.strip().lower() != seen.name])
    }


def _best(
    canonical: str,
    profiles: Iterable[ColumnProfile],
    fits: bool,
    extra: dict[str, float] | None = None,
) -> ColumnProfile | None:
    scored = [
        (name_score(canonical, p.name) + (extra or {}).get(p.name, 0.0) + p.filled, -i, p)
        for i, p in enumerate(profiles)
    ]
    if not scored:
        return None
    score, _, best = max(scored, key=lambda item: (item[0], item[1]))
    return best if fits or score > 1.0 else None


def _example(profile: ColumnProfile) -> str:
    return profile.samples[0] if profile.samples else ""


def _nothing_holds(what: str) -> DataError:
    return DataError(
        f"no column holds {what}",
        hint="write the mapping file by hand: see the README's section on mapping files",
    )


def _repeats(profile: ColumnProfile) -> bool:
    """Whether a column's ids repeat, as a customer's do over their contacts."""
    return profile.distinct_share < 0.98


def _pick_customer(profiles: list[ColumnProfile]) -> Column:
    ids = [
        p
        for p in profiles
        if p.filled >= 0.5
        and (
            cols.content_fits("customer_id", p)
            or (name_score("customer_id", p.name) >= 2.0 and p.distinct > 1 and cols.id_like(p))
        )
    ]
    repeats = {p.name: 1.5 for p in ids if _repeats(p)}
    best = _best("customer_id", ids, fits=True, extra=repeats)
    if best is None:
        raise _nothing_holds("customer ids (many distinct short values that repeat)")
    check = None
    if not _repeats(best):
        check = (
            f"no id repeats in its first {counted(best.distinct, 'value')}: a contact or case id? "
            "Every contact would be a customer of its own"
        )
    elif name_score("customer_id", best.name) < 1.0:
        check = "chosen by its values alone (many distinct ids that repeat)"
    return Column("customer_id", [best.name], cols.KIND_WORDS[best.kind], _example(best), check)


#: Unix times of the years cx reads, in seconds and in milliseconds: (digits, factor).
UNIX_TIMES = {"seconds": (r"\d{9,10}", 1), "milliseconds": (r"\d{12,13}", 1000)}
UNIX_SECONDS_FORMAT = "%s"


def _unix_times(profile: ColumnProfile, unit: str) -> bool:
    """Whether nearly all of a number column's values are Unix times in ``unit``, of the
    years cx reads (``1709280420``, as APIs such as Intercom's export them)."""
    digits, factor = UNIX_TIMES[unit]
    earliest, latest = (
        instant.replace(tzinfo=UTC).timestamp() * factor
        for instant in (EARLIEST_TIMESTAMP, LATEST_TIMESTAMP)
    )
    return (
        profile.is_number
        and cols.nearly_all(profile, digits)
        and earliest <= (profile.minimum or 0.0) <= (profile.maximum or 0.0) < latest
    )


def _pick_unix_time(profiles: list[ColumnProfile]) -> Column | None:
    """The column of Unix times in seconds named as the timestamp (``created_at``), read
    with ``%s``; one in milliseconds, which cx does not read, is an error naming it."""
    seconds = [p for p in profiles if _unix_times(p, "seconds")]
    best = _best("timestamp", seconds, fits=False)
    if best is not None:
        return Column("timestamp", [best.name], "Unix times (seconds, UTC)", _example(best))
    milliseconds = _best(
        "timestamp", [p for p in profiles if _unix_times(p, "milliseconds")], fits=False
    )
    if milliseconds is not None:
        raise DataError(
            f"column '{milliseconds.name}' holds Unix times in milliseconds "
            f"('{_example(milliseconds)}'), which cx does not read",
            hint='convert them to seconds, which a mapping reads with timestamp_format: "%s", '
            "or to ISO 8601 (2024-03-01T08:07:00)",
        )
    return None


#: Excel's serial dates: days since 30 December 1899, 29221 the first day of 1980.
EXCEL_EPOCH = datetime(1899, 12, 30)


def _excel_serials(profile: ColumnProfile) -> bool:
    """Whether nearly all of a number column's values are Excel serial dates of the
    years cx reads (``45304.5``, noon of 13 January 2024): a date column saved as
    numbers."""
    earliest, latest = ((t - EXCEL_EPOCH).days for t in (EARLIEST_TIMESTAMP, LATEST_TIMESTAMP))
    return (
        profile.is_number
        and cols.nearly_all(profile, r"\d{5}(\.\d+)?")
        and earliest <= (profile.minimum or 0.0) <= (profile.maximum or 0.0) < latest
    )


def _refuse_excel_serials(profiles: list[ColumnProfile]) -> None:
    """Refuse, naming it, a column named as the timestamp that holds Excel serial dates,
    which cx does not read: "no column holds timestamps" would send the user looking
    for one."""
    serials = _best(
        "timestamp",
        [
            p
            for p in profiles
            if _excel_serials(p) and all(name_score(c, p.name) <= 0 for c in DURATION_UNITS)
        ],
        fits=False,
    )
    if serials is not None:
        raise DataError(
            f"column '{serials.name}' holds Excel serial dates ('{_example(serials)}', "
            "days since 1900), which cx does not read",
            hint="format the column as a date and time in Excel before saving "
            "(yyyy-mm-dd hh:mm:ss)",
        )


def _pick_timestamp(
    profiles: list[ColumnProfile],
) -> tuple[Column, str]:
    full = [p for p in profiles if p.datetime_format]
    best = _best("timestamp", full, fits=True)
    if best is not None:
        assert best.datetime_format is not None
        check = None
        if len(full) > 1 and name_score("timestamp", best.name) <= 0:
            check = f"one of {len(full)} timestamp columns; the one when contact started?"
        return Column("timestamp", [best.name], "timestamps", _example(best), check), (
            best.datetime_format
        )
    unix = _pick_unix_time(profiles)
    if unix is not None:
        return unix, UNIX_SECONDS_FORMAT
    dates = [p for p in profiles if p.date_format]
    date = _best("timestamp", dates, fits=True)
    if date is None:
        _refuse_excel_serials(profiles)
        for profile in profiles:
            zone = cols.zone_named(profile)
            if zone == "UTC":
                raise DataError(
                    f"column '{profile.name}' holds timestamps in UTC written in no form "
                    f"cx init knows (e.g. '{_example(profile)}')",
                    hint="write the mapping file by hand, with the zone as text in its "
                    'timestamp_format (e.g. "%d/%m/%Y %H:%M:%S UTC")',
                )
            if zone is not None:
                raise DataError(
                    f"column '{profile.name}' holds timestamps with a time-zone name "
                    f"('{zone}', e.g. '{_example(profile)}'), which cx cannot apply",
                    hint="export the times in UTC, or with their UTC offset (+01:00)",
                )
        raise _nothing_holds("timestamps or dates cx can read")
    assert date.date_format is not None
    date_words = set(words(date.name)) - {"date", "at", "on", "day"}
    times = [p for p in profiles if p.time_format]
    shared = {p.name: 1.0 for p in times if set(words(p.name)) & date_words}
    time = _best("timestamp", times, fits=True, extra=shared)
    if time is None:
        column = Column(
            "timestamp",
            [date.name],
            "dates",
            _example(date),
            "dates without a time of day: every contact counts at midnight, so hourly "
            "staffing is meaningless",
        )
        return column, date.date_format
    assert time.time_format is not None
    column = Column(
        "timestamp",
        [date.name, time.name],
        "date + time of day",
        f"{_example(date)} {_example(time)}",
    )
    return column, f"{date.date_format} {time.time_format}"


#: What to do with a channel column of codes (``1``, ``2``, ``3``), which name no channel.
CHANNEL_CODES_CHECK = (
    "codes, not channel names: write the channel each stands for in the strategies, and "
    "its code under channels: (phone: [\"1\"])"
)


def _channel_codes(profile: ColumnProfile) -> bool:
    """Whether a column named as the channel holds a few whole-number codes (``1``,
    ``2``, ``3``), which a channel column of names would not."""
    return (
        profile.is_number
        and 1 <= profile.distinct <= cols.FEW_DISTINCT
        and name_score("channel", profile.name) >= 1.5
        and cols.nearly_all(profile, r"\d{1,4}")
    )


def _pick_channel(profiles: list[ColumnProfile]) -> Column:
    few = [p for p in profiles if (p.is_few or _channel_codes(p)) and p.filled >= 0.9]
    known = {
        p.name: 2.0 * sum(channel_for(v) is not None for v in p.samples) / len(p.samples)
        for p in few
        if p.samples
    }
    best = _best("channel", few, fits=False, extra=known)
    if best is None:
        raise _nothing_holds("channels (a few distinct values such as phone, chat, email)")
    check = None
    if _channel_codes(best):
        check = CHANNEL_CODES_CHECK
    elif known.get(best.name, 0.0) < 1.0:
        check = "few of its values name a channel cx knows"
    return Column("channel", [best.name], "a few distinct values", _example(best), check)


def _is_abandon(value: str) -> bool:
    return bool(set(words(value)) & ABANDON_WORDS)


def _boolean_codes(canonical: str, values: list[str]) -> tuple[BooleanValues | None, list[str]]:
    """``values:`` for a yes/no column (None when cx's own words read it); the values
    neither list holds."""
    lowered = {v.strip().lower() for v in values}
    if lowered <= set(TRUE_WORDS) | set(FALSE_WORDS):
        return None, []
    true_words, false_words = BOOLEAN_WORDS[canonical]
    true, false, unknown = [], [], []
    for value in values:
        key = "".join(words(value))
        abandon = canonical == "abandoned" and _is_abandon(value)
        if key in true_words or key in YES_WORDS or abandon:
            true.append(value)
        elif key in false_words or key in NO_WORDS:
            false.append(value)
        else:
            unknown.append(value)
    return BooleanValues(true=true, false=false + unknown), unknown


def _classified_share(canonical: str, profile: ColumnProfile, own_only: bool = False) -> float:
    """The share of the column's values that are yes/no words: the canonical column's own
    codes (``Solved``, ``HANG``), and unless ``own_only`` the plain ones (``Y``, ``No``)."""
    if not profile.samples:
        return 0.0
    true_words, false_words = BOOLEAN_WORDS[canonical]
    known = set(true_words) | set(false_words)
    if not own_only:
        known |= set(YES_WORDS) | set(NO_WORDS)
    return sum("".join(words(v)) in known for v in profile.samples) / len(profile.samples)


def _names_boolean(canonical: str, profile: ColumnProfile) -> bool:
    """Whether a yes/no column can be ``canonical``: its name says so, or its values are
    that column's own codes. Plain yes/no values alone fit any flag (a callback
    requested), and a name that says the other flag (``Abandoned``) is not this one."""
    score = name_score(canonical, profile.name)
    others = [name_score(other, profile.name) for other in BOOLEAN_WORDS if other != canonical]
    if score < max(others, default=0.0):
        return False
    return score > 0 or _classified_share(canonical, profile, own_only=True) >= 0.5


def _pick_optional(canonical: str, profiles: list[ColumnProfile]) -> ColumnProfile | None:
    named = [p for p in profiles if name_score(canonical, p.name) > 0]
    if canonical in ("segment", "stage", "intent"):
        fits = [p for p in named if p.kind in ("category", "text") and p.distinct_share < 0.5]
        if canonical == "segment":  # where contacts are routed: a few places, not one
            fits = [p for p in fits if not _routes(p) or (p.is_few and p.distinct > 1)]
    elif canonical in ("handle_time", "wait_time"):
        fits = [p for p in named if (p.is_number and (p.minimum or 0.0) >= 0) or clock_format(p)]
    elif canonical == "satisfaction":
        fits = [p for p in named if p.is_number]
    else:
        fits = [
            p
            for p in profiles
            if p.is_few
            and p.distinct <= BOOLEAN_VALUES
            and _classified_share(canonical, p) >= 0.5
            and _names_boolean(canonical, p)
        ]
        extra = {p.name: 2.0 * _classified_share(canonical, p) for p in fits}
        return _best(canonical, fits, fits=True, extra=extra)
    return _best(canonical, fits, fits=True)


def _routes(profile: ColumnProfile) -> bool:
    """Whether a column's name says where contacts are routed (a skill, a queue)."""
    return bool(set(words(profile.name)) & set(ROUTING_WORDS))


#: Why a skill or queue read as the segment needs a look.
ROUTING_CHECK = (
    "a {name} is a segment if it routes by customer (Premium Support), an intent if by "
    "request (Complaints)"
)


def _pick_abandon_outcome(
    profiles: list[ColumnProfile], layout: SourceLayout
) -> ColumnProfile | None:
    """An outcome column (Five9's ``DISPOSITION``: Resolved, Escalated, Abandon) holding
    an abandon value anywhere in the file, when no yes/no column is the abandoned flag:
    its abandon values are the flag, and the column is no reason for calling (intent).
    Columns named as an outcome, or with an abandon value among their first values, are
    looked at over the whole file."""
    candidates = [
        p
        for p in profiles
        if p.is_few
        and (name_score("abandoned", p.name) > 0 or any(map(_is_abandon, p.samples)))
    ]
    return next(
        (
            p
            for p in candidates
            if any(map(_is_abandon, _distinct(layout, p.name, cols.FEW_DISTINCT)))
        ),
        None,
    )


#: The numbers cx reads a duration column as, in words.
DURATION_UNITS = {"handle_time": "seconds or minutes", "wait_time": "seconds"}
#: A duration written as no number cx reads: ``05:12``, ``0:05:12``, ``5m 12s``, ``5,2``.
UNREAD_DURATION = re.compile(
    r"\d+(:\d\d){1,2}([.,]\d+)?|(\d+ ?(h|hrs?|m|mins?|s|secs?) ?)+|\d+,\d+", re.I
)


def clock_format(profile: ColumnProfile) -> str | None:
    """The duration_format (``0:05:12``: hh:mm:ss, ``5:12``: mm:ss) nearly all of a
    column's values are written in; None if none is."""
    return next(
        (fmt for fmt, (pattern, _) in CLOCK_DURATIONS.items() if cols.nearly_all(profile, pattern)),
        None,
    )


#: A number written with a thousands separator (``2,831``), which cx does not read.
THOUSANDS_SEPARATED = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
PLAIN_NUMBER = r"^[+-]?\d+(\.\d+)?$"
#: What a number column left out holds, and what to do, when thousands separators are
#: why: ``{}`` is one of its values.
SEPARATED_NUMBERS = "numbers with a thousands separator, such as '{}'"
SEPARATED_LEFT_OUT = ": left out; export the numbers without the separator"


def _thousands_separated(profile: ColumnProfile) -> str | None:
    """A value of a column of numbers some of which are written with a thousands
    separator (``220``, ``2,831``); None if the column is no such column."""
    values = [value.strip() for value in profile.samples]
    grouped = [value for value in values if re.fullmatch(THOUSANDS_SEPARATED, value)]
    plain = sum(bool(re.fullmatch(PLAIN_NUMBER, value)) for value in values)
    if grouped and len(grouped) + plain >= cols.PARSE_SHARE * len(values):
        return grouped[0]
    return None


def _first_thousands_separated(layout: SourceLayout, name: str) -> str | None:
    """The first value of the file's column ``name`` written with a thousands separator."""
    text = pl.col(RAW + name).str.strip_chars()
    found = (
        _column(layout, name)
        .select(text.alias("value"))
        .filter(pl.col("value").str.contains(THOUSANDS_SEPARATED))
        .head(1)
        .collect()
    )
    return found.item(0, "value") if found.height else None


#: At most this many values that are no number, among numbers, are placeholders for an
#: unknown (``N/A``, ``-``), and named.
UNREAD_SHOWN = 3


def _unread_numbers(layout: SourceLayout, name: str, clock: str | None) -> list[str]:
    """The most frequent values of the file's column ``name`` that are no number (with
    ``clock``, no duration written so), such as the ``N/A`` and ``-`` an export writes
    for an unknown handle time; at most one more than UNREAD_SHOWN."""
    text = pl.col(RAW + name).str.strip_chars()
    read = parse_duration(text, clock) if clock else text.cast(pl.Float64, strict=False)
    found = (
        _column(layout, name)
        .filter((text.str.len_bytes() > 0) & read.is_null())
        .group_by(text.alias("value"))
        .len()
        .sort(["len", "value"], descending=[True, False])
        .head(UNREAD_SHOWN + 1)
        .collect()
    )
    return list(found.get_column("value"))


def _unread_durations(
    profiles: list[ColumnProfile], header: list[str], clock: str | None
) -> list[str]:
    """Notes for the columns named as a handle or wait time whose durations are no
    numbers (``05:12``, ``5m 12s``, ``5,2``) or numbers with a thousands separator
    (``2,831``): left out, where the follow strategy would otherwise take typical
    handle times as if the export had none. A column in the ``clock`` the mapping
    reads durations in could be read: another one was taken, no note."""
    notes = []
    for canonical, unit in DURATION_UNITS.items():
        for profile in profiles:
            if (
                name_score(canonical, profile.name) < 1.0
                or find_column(canonical, header) == profile.name  # read by its name anyway
                or (clock is not None and clock_format(profile) == clock)
            ):
                continue
            grouped = _thousands_separated(profile)
            if grouped is not None:
                notes.append(
                    f"'{profile.name}' looks like {canonical} but holds "
                    f"{SEPARATED_NUMBERS.format(grouped)}, which cx does not read"
                    f"{SEPARATED_LEFT_OUT}"
                )
            elif cols.nearly_all(profile, UNREAD_DURATION):
                notes.append(
                    f"'{profile.name}' looks like {canonical} but holds values such as "
                    f"'{_example(profile)}', not numbers of {unit}: left out"
                )
    return notes


def _is_handle_time_part(name: str) -> bool:
    """Whether a column is a part of the handle time besides talking: hold, after-call
    work (``acw_time``, ``Wrap Up Time``, ``AfterContactWorkDuration``)."""
    found = set(words(name))
    return bool(found & {"hold", "acw", "wrap", "wrapup"}) or {"after", "work"} <= found


def _check_talk_time(proposal: Proposal, profiles: list[ColumnProfile]) -> None:
    """Mark a handle time not named as one (a talk time, Amazon Connect's
    ``AgentInteractionDuration``) beside hold and after-call work columns: a handle
    time is all three, and a mapping reads one column."""
    column = proposal.columns.get("handle_time")
    if column is None or set(words(column.sources[0])) & {"handle", "handling", "aht"}:
        return
    parts = [
        p.name
        for p in profiles
        if _is_handle_time_part(p.name) and (p.is_number or clock_format(p))
    ]
    if not parts:
        return
    left_out = " and ".join(f"'{name}'" for name in parts)
    check = (
        f"{left_out} not added in, so handle times may be short by them "
        "(add them up in the export to count them)"
    )
    column.check = f"{column.check}; {check}" if column.check else check


#: Values of a direction column (``Inbound`` / ``Outbound``): contacts an agent made
#: are no contacts a customer made; ``in`` and ``out`` only under a direction's name.
OUTBOUND_WORDS = frozenset(_words("outbound outgoing"))
INBOUND_WORDS = frozenset(_words("inbound incoming"))


def _direction_words(name: str) -> tuple[frozenset[str], frozenset[str]]:
    if "direction" in words(name):
        return OUTBOUND_WORDS | {"out"}, INBOUND_WORDS | {"in"}
    return OUTBOUND_WORDS, INBOUND_WORDS


def _drop_outbound(
    proposal: Proposal, profiles: list[ColumnProfile], layout: SourceLayout
) -> None:
    """Leave out (``drop:``) the outbound contacts of a direction column, and say so:
    an agent made them, and a strategy moves the contacts customers make."""
    for profile in profiles:
        outbound_words, inbound_words = _direction_words(profile.name)
        if not profile.is_few or not any(
            set(words(value)) & outbound_words for value in profile.samples
        ):
            continue
        values = _distinct(layout, profile.name, MAX_CHANNEL_VALUES)
        outbound = [value for value in values if set(words(value)) & outbound_words]
        if not any(set(words(value)) & inbound_words for value in values):
            continue  # no inbound contacts beside them: no direction column
        count = _rows_holding(layout, profile.name, outbound)
        proposal.drop[profile.name] = outbound
        proposal.notes.append(
            f"'{profile.name}': {count:,} {', '.join(outbound)} "
            f"{plural(count, 'row')} left out (`drop:`): "
            "contacts an agent made, not a customer; remove the drop to count them"
        )
        return


#: The words of a customer id that stands for no one customer: a withheld number
#: (``Anonymous``, Genesys Cloud's ``tel:anonymous``), an unmatched web visitor.
ANONYMOUS_WORDS = frozenset(
    _words("anonymous anon unknown withheld restricted private unavailable")
)
#: Words beside them that say nothing about who: ``sip:anonymous@anonymous.invalid``.
ADDRESS_WORDS = frozenset(_words("tel sip invalid caller id number"))


def _anonymous_ids(proposal: Proposal, layout: SourceLayout) -> None:
    """Read the customer ids that stand for no one customer as anonymous, and say so:
    taken as one customer, their contacts would be one customer's many repeats."""
    name = proposal.columns["customer_id"].sources[0]
    if len(proposal.columns["customer_id"].sources) > 1:
        return
    text = pl.col(RAW + name).str.strip_chars()
    counts = (
        _column(layout, name)
        .select(text.alias("value"))
        .filter(
            pl.col("value").str.to_lowercase().str.contains("|".join(sorted(ANONYMOUS_WORDS)))
        )
        .group_by("value")
        .len()
        .sort("value")
        .collect()
    )
    for value, count in counts.iter_rows():
        found = set(words(value))
        if found & ANONYMOUS_WORDS and found <= ANONYMOUS_WORDS | ADDRESS_WORDS:
            proposal.anonymous_ids.append(value)
            proposal.notes.append(
                f"'{name}': {counted(count, 'contact')} of '{value}' "
                "read as unknown customers (`anonymous_ids`), not as one customer's"
            )


UNIT_WORDS = {
    "minutes": _words("min mins minute minutes minuten minutos"),
    "seconds": _words("s sec secs second seconds sek sekunden secondes seg segundos"),
}


def _handle_unit(column: ColumnProfile) -> tuple[str, str | None]:
    if column.name == "handle_time":
        return "seconds", None  # the canonical column is in seconds
    found = set(words(column.name))
    for unit, vocabulary in UNIT_WORDS.items():
        if found & set(vocabulary):
            return unit, None
    median = column.median or 0.0
    unit = "minutes" if median <= 30 else "seconds"
    return unit, f"its name gives no unit; a typical value of {median:g} reads as {unit}"


# --------------------------------------------------------------------------- the whole file


def _column(layout: SourceLayout, name: str) -> pl.LazyFrame:
    """The whole file's column ``name`` (as ``__raw:name``), lazily."""
    return raw_frame(replace(layout, sources={"column": [name]}))


def _rows_holding(layout: SourceLayout, name: str, values: list[str]) -> int:
    """The rows whose column ``name`` holds one of ``values``, as a ``drop:`` of them
    matches: trimmed, whatever the case."""
    text = pl.col(RAW + name).str.strip_chars().str.to_lowercase()
    rows = _column(layout, name).filter(text.is_in([value.lower() for value in values]))
    return int(rows.select(pl.len()).collect().item())


def _distinct(layout: SourceLayout, name: str, limit: int) -> list[str]:
    """Distinct trimmed values of one column over the whole file, most frequent first."""
    text = pl.col(RAW + name).str.strip_chars()
    counts = (
        _column(layout, name)
        .select(text.alias("value"))
        .filter(pl.col("value").str.len_bytes() > 0)
        .group_by("value")
        .len()
        .sort(["len", "value"], descending=[True, False])
        .head(limit + 1)
        .collect()
    )
    return list(counts.get_column("value"))


def _channels(proposal: Proposal, layout: SourceLayout, name: str) -> list[ChannelSeen]:
    """The channels the values of the channel column ``name`` are read as; the rows of
    a value too long to be one are left out (``drop:``), and said."""
    values = _distinct(layout, name, MAX_CHANNEL_VALUES)
    if len(values) > MAX_CHANNEL_VALUES:
        raise DataError(
            f"column '{name}' holds more than {MAX_CHANNEL_VALUES} distinct values: "
            "not a channel column",
            file=layout.path,
            hint="write the mapping by hand: see the README's mapping files section",
        )
    seen: dict[str, ChannelSeen] = {}
    unsure: dict[str, list[str]] = {}
    too_long: list[str] = []
    for number, value in enumerate(values, start=1):
        canonical, by_word = _channel_match(value)
        name_of = canonical or channel_name(value) or f"channel-{number}"
        if max(len(value), len(name_of)) > MAX_CHANNEL_CHARS:
            too_long.append(value)
            continue
        channel = seen.setdefault(name_of, ChannelSeen(name_of, []))
        channel.values.append(value)
        if canonical is None or by_word is not None:
            unsure.setdefault(name_of, []).append(value)
    for name_of, guessed in unsure.items():
        channel = seen[name_of]
        named = " and ".join(f"'{shown(value)}'" for value in guessed)
        if channel_for(name_of) is not None:
            channel.check = f"{named} read as {name_of} from a word of one or two letters"
            continue
        verb = plural(len(guessed), "names", "name")
        channel.check = f"{named} {verb} no channel cx knows; mode {channel.mode} is a guess"
        if len(guessed) > 1:
            channel.check += ", and they are read as one channel"
    if too_long:
        _drop_too_long(proposal, layout, name, too_long, left=bool(seen))
    return list(seen.values())


def _drop_too_long(
    proposal: Proposal, layout: SourceLayout, name: str, values: list[str], left: bool
) -> None:
    """Leave out (``drop:``) the rows of channel values too long for a channel name,
    and say so; refuse a column of no other value: it is no channel column."""
    longest = f"more than {MAX_CHANNEL_CHARS} characters"
    if not left:
        raise DataError(
            f"column '{name}' holds no value of a channel name's length (each has {longest}): "
            "not a channel column",
            file=layout.path,
            hint="write the mapping by hand: see the README's mapping files section",
        )
    count = _rows_holding(layout, name, values)
    proposal.drop.setdefault(name, []).extend(values)
    quoted = shown_list([f"'{shown(value)}'" for value in values])
    them = plural(len(values), "it", "them")
    proposal.notes.append(
        f"'{name}': {counted(count, 'row')} of {quoted} left out (`drop:`): a channel "
        f"value of {longest} is no channel name (a corrupted export, or free text?); "
        f"fix {them} in the export, or map {them} onto a channel under `channels:` in place "
        "of the drop"
    )


def _try_rows(proposal: Proposal) -> tuple[dict[str, int], SourceLayout]:
    """Run the proposed mapping over every row: rejects per reason (and the layout read,
    which names the columns read), and per channel the contacts and mean handle time."""
    mapping = proposal.mapping()
    layout = resolve_layout(proposal.data, mapping)
    frame = parsed_frame(layout, mapping).filter(~blank_row(layout))  # as a scan counts
    reasons = frame.group_by("reject_reason").len()
    profiled = frame.filter(pl.col(ROW) < proposal.head_rows).select(pl.len())
    kept = frame.filter(pl.col("reject_reason").is_null())
    measures = [pl.len().alias("contacts")]
    if "handle_time" in layout.sources:
        handle = pl.col("handle_time")
        if "abandoned" in layout.sources:  # the served contacts' mean, as cx observes it
            handle = served_handle(handle, pl.col("abandoned"))
        measures.append(handle.mean().alias("handle_time"))
    per_channel = kept.group_by("channel").agg(measures)
    refused = frame.filter(pl.col("reject_reason").is_not_null()).group_by("channel").len()
    try:
        counted, channels, rejects, in_head = pl.collect_all(
            [reasons, per_channel, refused, profiled]
        )
    except pl.exceptions.PolarsError as exc:
        from cx.data.diagnose import read_error

        raise read_error(proposal.data, exc, proposal.delimiter) from None
    by_name = {row["channel"]: row for row in channels.iter_rows(named=True)}
    rejected = dict(rejects.iter_rows())
    for seen in proposal.channels:
        row = by_name.get(seen.name, {})
        seen.contacts = int(row.get("contacts") or 0)
        seen.rejected = int(rejected.get(seen.name) or 0)
        mean = row.get("handle_time")
        seen.handle_time = float(mean) if mean is not None else None
    result = {
        (row["reject_reason"] or ""): int(row["len"]) for row in counted.iter_rows(named=True)
    }
    proposal.rows = sum(result.values())
    proposal.rows_profiled = int(in_head.item())
    proposal.rows_rejected = proposal.rows - result.get("", 0)
    return result, layout


def _map_read_by_name(
    proposal: Proposal, layout: SourceLayout, profiles: dict[str, ColumnProfile]
) -> None:
    """Map the optional columns the mapping leaves out but cx reads anyway, found by
    their names (``Handle Time`` for handle_time): the mapping then says what is read."""
    for canonical in OPTIONAL_ORDER:
        sources = layout.sources.get(canonical)
        if sources and canonical not in proposal.columns:
            found = profiles[sources[0]]
            column = Column(canonical, sources, cols.KIND_WORDS[found.kind], _example(found))
            proposal.columns[canonical] = column


def _drop_rejecting(proposal: Proposal, reasons: dict[str, int], layout: SourceLayout) -> bool:
    """Leave out each optional column that rejects rows; whether any was."""
    dropped = False
    for canonical in OPTIONAL_ORDER:
        count = sum(n for reason, n in reasons.items() if reason.startswith(f"{canonical} "))
        column = proposal.columns.get(canonical)
        if not count or column is None:
            continue
        proposal.columns.pop(canonical)
        proposal.values.pop(canonical, None)  # type: ignore[call-overload]
        grouped, unread = None, []
        if canonical in NUMBER_COLUMNS:
            grouped = _first_thousands_separated(layout, column.sources[0])
            clock = proposal.duration_format if canonical in DURATION_UNITS else None
            unread = [] if grouped else _unread_numbers(layout, column.sources[0], clock)
        such, left_out = "", ": left out"
        if grouped is not None:
            such, left_out = f" ({SEPARATED_NUMBERS.format(grouped)})", SEPARATED_LEFT_OUT
        elif unread and len(unread) <= UNREAD_SHOWN and count < proposal.rows:
            placeholders = " or ".join(f"'{shown(value)}'" for value in unread)
            such = f" ({placeholders}, for an unknown?)"
            left_out += "; empty those cells in the export (an empty one is unknown) to read it"
        _leave_out(
            proposal,
            canonical,
            layout.header,
            f"'{column.sources[0]}' looks like {canonical} but "
            f"{counted(count, 'row holds', 'rows hold')} a value cx cannot read as one{such}"
            + left_out,
        )
        dropped = True
    return dropped


def _leave_out(proposal: Proposal, canonical: str, header: list[str], said: str) -> None:
    """Leave the column ``canonical`` out, saying why: written as ``null`` where cx
    would otherwise find one by its name (``Wait Time`` for wait_time) and read it."""
    proposal.notes.append(said)
    if find_column(canonical, header) is not None and canonical not in proposal.not_read:
        proposal.not_read.append(canonical)


def _leave_out_repeated_headers(proposal: Proposal, lines: int) -> None:
    """Say the lines that repeat the header, and leave out the channel their channel
    column's name would otherwise become (``channel``, with no contact)."""
    if not lines:
        return
    header = proposal.columns["channel"].sources[0].strip().lower()
    proposal.channels = [
        seen
        for seen in proposal.channels
        if seen.contacts or [value.strip().lower() for value in seen.values] != [header]
    ]
    proposal.notes.append(
        f"{counted(lines, 'line repeats', 'lines repeat')} the header (exports joined into "
        "one file?): rejected, and the name of the channel column is no channel"
    )


def _leave_out_channels_of_no_contact(proposal: Proposal) -> None:
    """Offer no channel that no row read holds: a value only dropped rows hold (a call
    type 'Outbound', said with its drop), or only rejected ones (a control character in
    it), said here once. Where no row is read at all, every channel stays: the rejects
    are said, and a strategy needs a channel."""
    if not any(seen.contacts for seen in proposal.channels):
        return
    refused = [seen for seen in proposal.channels if not seen.contacts and seen.rejected]
    proposal.channels = [seen for seen in proposal.channels if seen.contacts]
    if not refused:
        return
    values = [f"'{shown(value)}'" for seen in refused for value in seen.values]
    rows = sum(seen.rejected for seen in refused)
    proposal.notes.append(
        f"{plural(len(values), 'channel value')} {shown_list(values)}: "
        f"only rejected rows hold {plural(len(values), 'it', 'them')} "
        f"({counted(rows, 'row')}), so no channel is offered for "
        f"{plural(len(values), 'it', 'them')}; `--rejects FILE` lists those rows"
    )


# --------------------------------------------------------------------------- proposing


def propose(data: str | Path) -> Proposal:
    """Read an export and propose its mapping (nothing is written)."""
    path = Path(data)
    layout = prof.text_layout(path)
    frame = prof.head_frame(layout)
    if frame.height == 0:
        raise DataError("data file has a header but no rows", file=path, line=2)
    profiles = cols.profile_frame(frame)
    columns: dict[str, Column] = {}
    try:
        customer = _pick_customer(profiles)
        columns["customer_id"] = customer
        rest = [p for p in profiles if p.name != customer.sources[0]]
        timestamp, fmt = _pick_timestamp(rest)
        columns["timestamp"] = timestamp
        rest = [p for p in rest if p.name not in timestamp.sources]
        columns["channel"] = _pick_channel(rest)
        rest = [p for p in rest if p.name != columns["channel"].sources[0]]
    except DataError as error:  # the pickers see columns, not the file: name it
        raise DataError(error.message, file=path, hint=error.hint) from None
    proposal = Proposal(
        data=path,
        delimiter=layout.delimiter,
        head_rows=frame.height,
        columns=columns,
        timestamp_format=fmt,
        timestamp_check=None,
    )
    _decide_day_first(proposal, layout)
    # The yes/no flags are picked before the other columns: a DISPOSITION of Abandoned
    # and Answered, or of Solved and Unsolved, is a flag, not the intent its name says.
    # An outcome column is looked for only when no yes/no column is the abandoned flag.
    abandoned = _pick_optional("abandoned", rest)
    outcome = _pick_abandon_outcome(rest, layout) if abandoned is None else None
    flags: dict[str, ColumnProfile] = {}
    resolved = _pick_optional("resolved", rest)
    if resolved is not None:
        flags["resolved"] = resolved
        rest = [p for p in rest if p.name != resolved.name]
    if abandoned is not None and abandoned is resolved:  # the next yes/no column, if any
        abandoned = _pick_optional("abandoned", rest)
    abandoned = outcome or abandoned
    if abandoned is not None:
        flags["abandoned"] = abandoned
        rest = [p for p in rest if p.name != abandoned.name]
    for canonical in OPTIONAL_ORDER:
        found = flags.get(canonical) if canonical in FLAG_COLUMNS else _pick_optional(
            canonical, rest
        )
        if found is None:
            continue
        _add_optional(proposal, canonical, found, layout, outcome=found is outcome)
        rest = [p for p in rest if p.name != found.name]
    proposal.notes += _unread_durations(rest, layout.header, proposal.duration_format)
    _check_talk_time(proposal, rest)
    _drop_outbound(proposal, rest, layout)
    _anonymous_ids(proposal, layout)
    proposal.channels = _channels(proposal, layout, columns["channel"].sources[0])
    by_name = {profile.name: profile for profile in profiles}
    for _ in range(len(OPTIONAL_ORDER)):
        reasons, read = _try_rows(proposal)
        _map_read_by_name(proposal, read, by_name)
        if not _drop_rejecting(proposal, reasons, read):
            break
    _leave_out_repeated_headers(proposal, reasons.get(REPEATED_HEADER, 0))
    _leave_out_channels_of_no_contact(proposal)
    footer = reasons.get(FIRST_FIELD_ONLY, 0)
    if footer:
        fill = counted(footer, "line fills only its", "lines fill only their")
        proposal.notes.append(
            f"{fill} first field, as a report's footer does ('Copyright ...'): "
            "rejected; delete them from the export, or export the report as details only"
        )
    padding = reasons.get(BINARY_PADDING, 0)
    if padding:
        holds, them = counted(padding, "line holds", "lines hold"), plural(padding, "it", "them")
        proposal.notes.append(
            f"{holds} only NUL bytes (binary padding, as an interrupted copy "
            f"leaves at a file's end): rejected; cut {them} off the file"
        )
    if proposal.rows_rejected > DEFAULT_MAX_REJECT_RATE * proposal.rows:
        proposal.notes.append(
            f"{proposal.rows_rejected:,} of {proposal.rows:,} "
            f"{plural(proposal.rows, 'row')} {plural(proposal.rows_rejected, 'is', 'are')} "
            "rejected, more than "
            f"the {DEFAULT_MAX_REJECT_RATE:.0%} cx accepts by default: `--rejects FILE` lists "
            "them, `--max-reject-rate` accepts more"
        )
    return proposal


def _decide_day_first(proposal: Proposal, layout: SourceLayout) -> None:
    fmt = proposal.timestamp_format
    if fmt.startswith("%Y") or "%d" not in fmt:
        return
    name = proposal.columns["timestamp"].sources[0]
    only_day_first, only_month_first = cols.day_month_evidence(_column(layout, name), RAW + name)
    day_first = fmt.index("%d") < fmt.index("%m")
    if only_day_first and only_month_first:
        decided = only_day_first >= only_month_first
        order, other = ("day-first", "month-first") if decided else ("month-first", "day-first")
        fewer = min(only_day_first, only_month_first)
        proposal.timestamp_check = (
            f"dates are written both ways: {counted(only_day_first, 'reads', 'read')} "
            "only day-first (13/04), "
            f"{only_month_first:,} only month-first (04/13); {order} reads more of them, "
            f"the {fewer:,} {other} {plural(fewer, 'one is', 'ones are')} rejected"
        )
    elif only_day_first or only_month_first:
        decided = bool(only_day_first)
    else:
        decided, reason = _guess_day_first(layout, name, fmt, day_first)
        order = "day-first" if decided else "month-first"
        proposal.timestamp_check = (
            "no date has a day above 12, so day and month cannot be told apart; "
            f"{order} is a guess{reason}"
        )
    if decided != day_first:
        proposal.timestamp_format = cols.swap_day_month(fmt)


def _guess_day_first(
    layout: SourceLayout, name: str, fmt: str, day_first: bool
) -> tuple[bool, str]:
    """Day-first or not when either order reads every date of column ``name``, and why:
    the order whose dates span clearly the shorter range (an export of a few weeks, not
    of most of a year), else month-first on a 12-hour clock (AM/PM, a US habit), else
    the order of ``fmt``."""
    date_format = fmt.split(" ")[0]
    if not day_first:
        date_format = cols.swap_day_month(date_format)
    formats = [date_format, cols.swap_day_month(date_format)]
    by_day, by_month = cols.date_spans(_column(layout, name), RAW + name, formats)
    if (
        by_day is not None
        and by_month is not None
        and 2 * min(by_day, by_month) < max(by_day, by_month)
    ):
        shorter, longer = sorted((by_day, by_month))
        other = "month-first" if by_day < by_month else "day-first"
        days = plural(shorter, "day")
        return by_day < by_month, f" (its dates span {shorter} {days}, {longer} read {other})"
    if "%p" in fmt:
        return False, " (a 12-hour clock with AM/PM is a US habit)"
    return day_first, ""


def _add_optional(
    proposal: Proposal,
    canonical: str,
    found: ColumnProfile,
    layout: SourceLayout,
    outcome: bool = False,
) -> None:
    """Map ``found`` as ``canonical``; ``outcome``: an outcome column read as the
    abandoned flag, whose values may be more than a yes/no column's."""
    column = Column(canonical, [found.name], cols.KIND_WORDS[found.kind], _example(found))
    if canonical == "segment" and _routes(found) and name_score(canonical, found.name) < 2.0:
        routing = sorted(set(words(found.name)) & set(ROUTING_WORDS))[0].removesuffix("s")
        column.check = ROUTING_CHECK.format(name=routing)
    if canonical in DURATION_UNITS and found.is_number:
        milliseconds = _in_milliseconds(found)
        if milliseconds is not None:
            _leave_out(
                proposal,
                canonical,
                layout.header,
                f"'{found.name}' looks like {canonical} but {milliseconds}, which cx does "
                "not read: left out; divide them by 1,000 in the export to read them as seconds",
            )
            return
    if canonical in DURATION_UNITS and not _one_duration_form(
        proposal, canonical, found, column, layout.header
    ):
        return
    if canonical == "handle_time" and proposal.duration_format is None:
        unit, column.check = _handle_unit(found)
        factor = 60.0 if unit == "minutes" else 1.0
        if (found.maximum or 0.0) * factor > MAX_HANDLE_TIME_SECONDS:
            _leave_out(
                proposal,
                canonical,
                layout.header,
                f"'{found.name}' looks like handle time but holds values above a day: left out",
            )
            return
        proposal.handle_time_unit = unit
    if canonical in FLAG_COLUMNS:
        limit = cols.FEW_DISTINCT if outcome else BOOLEAN_VALUES
        values = _distinct(layout, found.name, limit)
        codes, unknown = _boolean_codes(canonical, values)
        if codes is not None:
            proposal.values[canonical] = codes
        if unknown:
            column.check = f"read as false: {', '.join(unknown)}"
    proposal.columns[canonical] = column


MILLISECOND_WORDS = frozenset(_words("ms msec msecs millis millisecond milliseconds"))
HOUR_SECONDS = 3_600


def _in_milliseconds(profile: ColumnProfile) -> str | None:
    """Why a number column of durations holds milliseconds, which a mapping does not
    read: its name says so (``Wait Time (ms)``, whose values may all fit as seconds),
    or its values are above a day as seconds, and a typical one above an hour, which
    few contacts take or wait (``312000``); None if neither. A column of seconds with
    an outlier above a day is no such column: its typical value is minutes."""
    if set(words(profile.name)) & MILLISECOND_WORDS:
        return "its name says milliseconds"
    largest, typical = profile.maximum or 0.0, profile.median or 0.0
    if largest > MAX_HANDLE_TIME_SECONDS >= largest / 1000 and typical > HOUR_SECONDS:
        return (
            f"its values look like milliseconds ({largest:,.0f} is more than a day as seconds; "
            f"a typical one, {typical:,.0f}, is {typical / 1000:,.0f} s as milliseconds)"
        )
    return None


def _one_duration_form(
    proposal: Proposal, canonical: str, found: ColumnProfile, column: Column, header: list[str]
) -> bool:
    """Whether the handle or wait time column ``found`` can be read with the other one:
    a mapping reads both as numbers or both as one clock (``duration_format``). The
    first one mapped decides; a second written otherwise is left out, and said."""
    clock = None if found.is_number else clock_format(found)
    other = next((c for c in DURATION_UNITS if c != canonical and c in proposal.columns), None)
    if other is not None and clock != proposal.duration_format:
        written = proposal.duration_format or "numbers"
        _leave_out(
            proposal,
            canonical,
            header,
            f"'{found.name}' looks like {canonical} but is written as {clock or 'numbers'} "
            f"('{_example(found)}') and {other} as {written}: one mapping reads both one "
            "way, so it is left out",
        )
        return False
    proposal.duration_format = clock
    if clock is not None:
        column.holds = f"durations ({clock})"
    if clock == "mm:ss":
        column.check = "read as minutes:seconds (5:12 is 312 s); if hours:minutes, fix the export"
    return True


# --------------------------------------------------------------------------- files


#: Characters a YAML file may not hold as they are (or reads as line breaks): escaped.
_YAML_UNSAFE = re.compile(
    "[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_YAML_WORDS = frozenset(_words("true false yes no on off null y n"))


def quote(text: str) -> str:
    """A YAML scalar that reads back as ``text``: plain when it can be, else
    double-quoted with every character YAML refuses escaped."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.\-]*", text) and text.lower() not in _YAML_WORDS:
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", quoted)


def flow(items: Iterable[str]) -> str:
    return "[" + ", ".join(quote(item) for item in items) + "]"


def _remark(text: str) -> str:
    """Text from the export made safe for one comment line: no line breaks, nothing
    YAML refuses."""
    return _YAML_UNSAFE.sub("?", re.sub(r"[\r\n\x85\u2028\u2029]", " ", text))


def _noted(text: str, comment: str) -> str:
    """A YAML line with a comment, comments aligned."""
    return f"{text:<35} # {comment}"


def _comment(check: str | None) -> str:
    return f"  # check: {_remark(check)}" if check else ""


def mapping_text(proposal: Proposal) -> str:
    lines = [
        f"# Mapping of {_remark(proposal.data.name)} onto cx's columns, proposed by `cx init` from",
        f"# its first {counted(proposal.rows_profiled, 'row')} and checked on all "
        f"{proposal.rows:,}.",
        "# Lines marked `# check:` are guesses: look at them before trusting the figures.",
        "columns:",
    ]
    for column in proposal.columns.values():
        source = column.sources[0] if len(column.sources) == 1 else None
        value = quote(source) if source is not None else flow(column.sources)
        lines.append(f"  {column.canonical}: {value}{_comment(column.check)}")
    for canonical in proposal.not_read:
        lines.append(_noted(f"  {canonical}: null", "not read: see the notes below"))
    lines.append(
        f"timestamp_format: {json.dumps(proposal.timestamp_format)}"
        f"{_comment(proposal.timestamp_check)}"
    )
    lines.append(f"delimiter: {json.dumps(proposal.delimiter)}")
    if proposal.duration_format is not None:
        lines.append(_noted(f"duration_format: {proposal.duration_format}", "times as a clock"))
    elif "handle_time" in proposal.columns:
        lines.append(f"handle_time_unit: {proposal.handle_time_unit}")
    aliases = _aliases(proposal.channels)
    if aliases:
        lines.append(_noted("channels:", "channel: the export's values"))
        for seen in proposal.channels:
            if seen.name in aliases:
                aliased = flow(aliases[seen.name])
                lines.append(f"  {quote(seen.name)}: {aliased}{_comment(seen.check)}")
    if proposal.values:
        lines.append(_noted("values:", "yes/no columns: the export's codes"))
        for canonical, codes in proposal.values.items():
            lines.append(f"  {canonical}:")
            lines.append(f"    true: {flow(codes.true)}")
            check = proposal.columns[canonical].check
            lines.append(f"    false: {flow(codes.false)}{_comment(check)}")
    if proposal.anonymous_ids:
        lines.append(
            _noted(f"anonymous_ids: {flow(proposal.anonymous_ids)}", "ids of no one customer")
        )
    if proposal.drop:
        lines.append(_noted("drop:", "rows that are no contacts a customer made"))
        for name, dropped in proposal.drop.items():
            lines.append(f"  {quote(name)}: {flow(dropped)}")
    for note in proposal.notes:
        lines.append(f"# {_remark(note)}")
    return "\n".join(lines) + "\n"


def _channel_lines(seen: ChannelSeen) -> list[str]:
    mode = seen.mode
    lines = [f"  {quote(seen.name)}:{_comment(seen.check)}", f"    mode: {mode}"]
    if mode == "self_service":
        return [*lines, _noted("    cost_per_contact: 0.10", "check: your cost per contact")]
    if seen.handle_time is not None:
        observed = min(max(round(seen.handle_time), MIN_SECONDS), MAX_SECONDS)
        lines.append(_noted(f"    handle_time: {observed:g}", "observed mean, seconds"))
    else:
        typical = TYPICAL_HANDLE_TIME.get(seen.name, DEFAULT_HANDLE_TIME)
        lines.append(
            _noted(f"    handle_time: {typical}", "check: not read from the data; a typical value")
        )
    cost = 32 if mode == "live" else 28
    lines.append(_noted(f"    hourly_cost: {cost}", "check: your cost of an agent-hour"))
    lines.append(f"    shrinkage: {0.3 if mode == 'live' else 0.25}")
    if mode == "live":
        within = ANSWER_WITHIN.get(seen.name, 60)
        lines.append(f"    service_level: {{target: 0.8, within: {within}}}")
    return lines


def follow_text(proposal: Proposal) -> str:
    lines = [
        f"# Follow the customer: offer every channel seen in {_remark(proposal.data.name)}.",
        "# Proposed by `cx init`; costs are placeholders to replace with your own.",
        "version: 1",
        "name: follow",
        "kind: follow",
        "description: Offer every channel customers use today and staff each for its own "
        "service level.",
        "period: month",
        "channels:",
    ]
    for seen in proposal.channels:
        lines += _channel_lines(seen)
    return "\n".join(lines) + "\n"


def _busiest(proposal: Proposal, modes: tuple[str, ...]) -> ChannelSeen | None:
    candidates = [c for c in proposal.channels if c.mode in modes]
    return max(candidates, key=lambda c: c.contacts) if candidates else None


def push_text(proposal: Proposal) -> str:
    source = _busiest(proposal, ("live", "async")) or proposal.channels[0]
    target = _busiest(proposal, ("self_service",))
    lines = [
        "# Push toward cheaper channels: the follow strategy plus shift rules.",
        "# Proposed by `cx init`: one modest rule to start from; the commented-out",
        "# ones are examples for the other channels seen.",
        "version: 1",
        f"extends: {FOLLOW_FILE}",
        "name: push",
        "kind: push",
    ]
    if target is None:
        target_name = "web"
        lines += [
            _noted("channels:", "a self-service channel to move work to"),
            _noted("  web: {mode: self_service, cost_per_contact: 0.10}", "check: your cost"),
        ]
    else:
        target_name = target.name
    source_name, to_name = quote(source.name), quote(target_name)
    lines += [
        "shifts:",
        f"  - name: {quote(f'{source.name}-to-{target_name}')}",
        f"    from: {source_name}",
        _noted(f"    to: {{{to_name}: 0.1}}", f"10% of {source.name} contacts"),
        "    ramp: {periods: 3, shape: linear}",
        _noted("    containment: 0.8", "check: 20% come back"),
        f"    escalate_to: {source_name}",
    ]
    for seen in proposal.channels:
        if seen.name in (source.name, target_name) or seen.mode == "self_service":
            continue
        lines += [
            f"#  - name: {quote(f'{seen.name}-to-{target_name}')}",
            f"#    from: {quote(seen.name)}",
            f"#    to: {{{to_name}: 0.2}}",
            "#    ramp: {periods: 6, shape: s_curve}",
            "#    containment: 0.7",
        ]
    lines += [
        "guards:",
        "  - coverage >= 0.97",
        _noted("# - cost_delta < 0", "once the costs are yours: cheaper than today"),
    ]
    return "\n".join(lines) + "\n"


def project_paths(directory: str | Path, force: bool = False) -> list[Path]:
    """The files ``cx init`` writes into ``directory``; existing ones are refused, all
    named at once, unless ``force``."""
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise InputError(
            "output path is not a directory", file=target, hint="give a directory with -o"
        )
    paths = [target / name for name in FILES]
    existing = [str(path) for path in paths if path.exists() or path.is_symlink()]
    if existing and not force:
        raise InputError(
            f"would overwrite {', '.join(existing)}",
            file=existing[0],
            hint="choose another directory with -o, or pass --force to replace them",
        )
    return paths


def write_project(proposal: Proposal, directory: str | Path, force: bool = False) -> list[Path]:
    """Write the mapping and the two strategies into ``directory`` (created if need be)."""
    paths = project_paths(directory, force)
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the directory: {exc.strerror}", file=directory) from None
    texts = (mapping_text(proposal), follow_text(proposal), push_text(proposal))
    write_texts_atomic(dict(zip(paths, texts, strict=True)), [proposal.data])
    return paths
