"""Write the sample exports of Genesys Cloud, Five9 and Salesforce beside this file.

Each is two weeks of cx's synthetic contacts (``cx.generate``) reshaped into the
platform's own columns, values, date forms and durations, with the platform's
quirks: rows that are no customer contact (outbound calls), withheld numbers,
abandoned calls timed as zero. Same code, same bytes:

    python examples/platform_exports.py
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from cx.generate import TIMESTAMP_FORMAT, generate_interactions

HERE = Path(__file__).resolve().parent
START = date(2024, 3, 4)
DAYS = 14
Row = dict[str, object]


def contacts(seed: int, channels: tuple[str, ...], rows: int) -> Iterator[Row]:
    """``rows`` synthetic contacts on ``channels`` spread over the days, in time order."""
    frame = generate_interactions(rows * 12, seed=seed, start=START, days=DAYS)
    wanted = [row for row in frame.iter_rows(named=True) if row["channel"] in channels]
    yield from wanted[:: max(len(wanted) // rows, 1)][:rows]


def clock(seconds: int | None) -> str:
    """``h:mm:ss`` as contact-centre platforms write durations; empty for none."""
    if seconds is None:
        return ""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def split_handle(rng: random.Random, handle: int) -> tuple[int, int, int]:
    """Talk, hold and after-call work adding up to ``handle`` seconds."""
    acw = min(handle, int(handle * rng.uniform(0.1, 0.3)))
    hold = int((handle - acw) * rng.choice([0, 0, 0, 0.1, 0.25]))
    return handle - acw - hold, hold, acw


def started(row: Row) -> datetime:
    return datetime.strptime(str(row["timestamp"]), TIMESTAMP_FORMAT)


def customer_number(row: Row, country: str) -> str:
    """A phone number that stays the customer's across contacts."""
    number = int(str(row["customer_id"])[1:] or 0)
    return f"+4477009{number:05d}" if country == "UK" else f"415555{number:04d}"


def write(path: Path, header: list[str], lines: list[list[str]]) -> None:
    def field(value: str) -> str:
        return f'"{value}"' if "," in value or '"' in value else value

    text = "".join(",".join(map(field, line)) + "\r\n" for line in [header, *lines])
    path.write_bytes(text.encode("utf-8"))


# --------------------------------------------------------------------------- Genesys Cloud

GENESYS_MEDIA = {"phone": "voice", "chat": "chat", "email": "email", "social": "message"}
GENESYS_QUEUES = {
    "retail": "Retail Banking",
    "premium": "Premier",
    "business": "Business Banking",
    "young": "Retail Banking",
}
WRAP_UPS = {
    "balance": "Balance Enquiry",
    "statement": "Statement Request",
    "payment": "Payments",
    "card": "Card Services",
    "loan": "Lending",
    "fraud": "Fraud Report",
    "complaint": "Complaint",
    "address_change": "Change of Details",
    "other": "General Enquiry",
}
AGENTS = ["Amira Khan", "Ben Walsh", "Chloe Price", "Dev Patel", "Erin Hughes", "Femi Ade"]


def genesys(path: Path) -> None:
    """Genesys Cloud's Interactions view exported as CSV: one row per conversation."""
    rng = random.Random(31)
    header = [
        "Conversation ID", "Conversation Start", "Media Type", "Direction", "ANI", "DNIS",
        "Queue", "Users - Interacted", "Wrap-up", "Abandoned", "Total Queue", "Total Talk",
        "Total Hold", "Total ACW", "Total Handle",
    ]  # fmt: skip
    lines = []
    for row in contacts(31, tuple(GENESYS_MEDIA), 240):
        media = GENESYS_MEDIA[str(row["channel"])]
        if media == "voice" and rng.random() < 0.12:
            media = "callback"  # a caller who asked to be called back from the queue
        direction = "outbound" if media == "voice" and rng.random() < 0.08 else "inbound"
        known = row["customer_id"] != "0"
        if media in ("email", "chat"):  # the sender's or the pre-chat form's address
            who = str(row["customer_id"])[1:] if known else f"visitor{rng.randrange(10**6)}"
            ani = f"customer{who}@example.com"
        else:
            ani = f"tel:{customer_number(row, 'UK')}" if known else "tel:anonymous"
        abandoned = bool(row["abandoned"])
        handle = None if abandoned else row["handle_time"]
        talk, hold, acw = split_handle(rng, handle) if handle is not None else (None,) * 3
        start = started(row) + timedelta(milliseconds=rng.randrange(1000))
        lines.append([
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z",
            media,
            direction,
            ani,
            "tel:+443301234567" if media in ("voice", "callback") else "",
            "" if direction == "outbound" else GENESYS_QUEUES[str(row["segment"])],
            "" if abandoned else rng.choice(AGENTS),
            "" if abandoned else WRAP_UPS[str(row["intent"])],
            "Y" if abandoned else "N",
            clock(None if direction == "outbound" else row["wait_time"]),
            clock(talk), clock(hold), clock(acw), clock(handle),
        ])  # fmt: skip
    write(path, header, lines)


# --------------------------------------------------------------------------- Five9

FIVE9_SKILLS = {
    "retail": "Consumer Support",
    "premium": "Premium Support",
    "business": "Business Support",
    "young": "Consumer Support",
}
FIVE9_DISPOSITIONS = {
    True: ["Resolved", "Resolved", "Resolved", "Information Provided"],
    False: ["Callback Scheduled", "Escalated", "Transferred To 3rd Party"],
}


def five9(path: Path) -> None:
    """A Five9 Call Log report exported as CSV: US dates, a 12-hour clock."""
    rng = random.Random(47)
    header = [
        "CALL ID", "DATE", "TIME", "CALL TYPE", "CAMPAIGN", "SKILL", "DISPOSITION", "ANI",
        "DNIS", "AGENT NAME", "CALL TIME", "QUEUE WAIT TIME", "TALK TIME", "HOLD TIME",
        "AFTER CALL WORK TIME", "HANDLE TIME",
    ]  # fmt: skip
    lines = []
    for n, row in enumerate(contacts(47, ("phone",), 220)):
        call_type = rng.choices(["Inbound", "Outbound", "Manual"], [0.86, 0.08, 0.06])[0]
        inbound = call_type == "Inbound"
        abandoned = inbound and bool(row["abandoned"])
        handle = 0 if abandoned else int(row["handle_time"] or 0)
        talk, hold, acw = split_handle(rng, handle)
        wait = int(row["wait_time"] or 0) if inbound else 0
        if abandoned:
            disposition = "Abandon"
        elif inbound:
            disposition = rng.choice(FIVE9_DISPOSITIONS[bool(row["resolved"])])
        else:
            disposition = rng.choice(["Left Message", "No Answer", "Resolved"])
        known = row["customer_id"] != "0"
        start = started(row)
        lines.append([
            str(300_000_000 + n * 7 + rng.randrange(7)),
            start.strftime("%m/%d/%Y"),
            start.strftime("%I:%M:%S %p").lstrip("0"),
            call_type,
            "Inbound Support" if inbound else "Outbound Follow-up",
            FIVE9_SKILLS[str(row["segment"])] if inbound else "",
            disposition,
            customer_number(row, "US") if known or not inbound else "Anonymous",
            "8005550100",
            "" if abandoned else rng.choice(AGENTS),
            clock(wait + handle - acw), clock(wait), clock(talk), clock(hold), clock(acw),
            clock(handle),
        ])  # fmt: skip
    write(path, header, lines)


# --------------------------------------------------------------------------- Salesforce

CASE_ORIGINS = {"phone": "Phone", "email": "Email", "web": "Web", "app": "Web", "chat": "Chat"}
CASE_REASONS = {
    "balance": "Account Enquiry",
    "statement": "Account Enquiry",
    "payment": "Payments",
    "card": "Cards",
    "loan": "Lending",
    "fraud": "Fraud",
    "complaint": "Complaint",
    "address_change": "Change of Details",
    "other": "Other",
}
ACCOUNTS = {"retail": "Personal", "premium": "Premier", "business": "Business", "young": "Student"}


def salesforce(path: Path) -> None:
    """A Salesforce Service Cloud case report exported as details only (UK locale)."""
    rng = random.Random(59)
    header = [
        "Case Number", "Contact ID", "Account Type", "Subject", "Case Origin", "Case Reason",
        "Status", "Priority", "Date/Time Opened", "Date/Time Closed",
    ]  # fmt: skip
    lines = []
    for n, row in enumerate(contacts(59, tuple(CASE_ORIGINS), 290)):
        # An agent creates a contact for an unknown caller; web-to-case leaves it blank.
        number = int(str(row["customer_id"])[1:] or 0) or 90_000 + n
        known = row["customer_id"] != "0" or row["channel"] not in ("web", "app")
        opened = started(row)
        closed = bool(row["resolved"])
        status = "Closed" if closed else rng.choice(["New", "Working", "Escalated", "On Hold"])
        reason = CASE_REASONS[str(row["intent"])]
        shut = opened + timedelta(minutes=rng.randrange(5, 2880))
        lines.append([
            f"{41_207 + n:08d}",
            f"0035g00000{number:05d}" if known else "",
            ACCOUNTS[str(row["segment"])],
            f"{reason} - {CASE_ORIGINS[str(row['channel'])]}",
            CASE_ORIGINS[str(row["channel"])],
            reason,
            status,
            "High" if row["intent"] in ("fraud", "complaint") else "Medium",
            opened.strftime("%d/%m/%Y %H:%M"),
            shut.strftime("%d/%m/%Y %H:%M") if closed else "",
        ])  # fmt: skip
    write(path, header, lines)


WRITERS: dict[str, Callable[[Path], None]] = {
    "genesys-interactions.csv": genesys,
    "five9-call-log.csv": five9,
    "salesforce-cases.csv": salesforce,
}

if __name__ == "__main__":
    for name, writer in WRITERS.items():
        writer(HERE / name)
