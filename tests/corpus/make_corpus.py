"""Write the bad-input corpus of tests/test_corpus.py (deterministic; run from anywhere).

    python tests/corpus/make_corpus.py

The files are committed; this script says how each one was made (byte by byte where
the bytes are the point) and rewrites them identically. Big or deep YAML is generated
by the test itself instead of committed.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
HEADER = "customer_id,timestamp,channel,segment,intent,handle_time"
CHANNELS = ("phone", "chat", "web", "email")
INTENTS = ("balance", "card", "loan", "complaint")


def good_rows(count: int = 240) -> list[str]:
    """Valid, distinct rows over January to March 2024."""
    start = datetime(2024, 1, 1, 8)
    rows = []
    for i in range(count):
        when = start + timedelta(hours=9 * i + (i * 7) % 5, minutes=(i * 13) % 60)
        channel = CHANNELS[i % 4]
        handle = "" if channel == "web" else str(120 + (i * 37) % 600)
        segment = ("retail", "business")[i % 2]
        rows.append(
            f"c{i % 40},{when:%Y-%m-%dT%H:%M:%S},{channel},{segment},{INTENTS[i % 4]},{handle}"
        )
    return rows


def text(rows: list[str], header: str = HEADER, end: str = "\n") -> str:
    return "".join(line + end for line in [header, *rows])


def write(name: str, content: str | bytes) -> None:
    path = DATA / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)


def replace(rows: list[str], changes: dict[int, str]) -> list[str]:
    rows = list(rows)
    for index, row in changes.items():
        rows[index] = row
    return rows


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    rows = good_rows()
    write("good.csv", text(rows))
    write("empty.csv", "")
    write("header-only.csv", HEADER + "\n")
    write("blank-lines-only.csv", HEADER + "\n\n\n")
    write("wrong-column.csv", text([r for r in rows[:20]], HEADER.replace("timestamp", "timestmp")))
    write("no-channel-column.csv", "customer_id,timestamp\nc1,2024-01-01T08:00:00\n")
    write("space-delimited.csv", "customer_id timestamp channel\nc1 2024-01-01T08:00:00 phone\n")
    # ISO-8859-1 bytes: "é" is 0xe9, not UTF-8.
    latin1 = replace(rows, {3: "c3,2024-01-02T10:00:00,phone,caf\xe9,balance,300"})
    write("latin1.csv", text(latin1).encode("latin-1"))
    write("binary.png", bytes.fromhex("89504e470d0a1a0a0000000d4948445200") + bytes(range(256)))
    write("nul-bytes.csv", "customer_id\x00timestamp\x00channel\nc1\x00x\x00phone\n")
    multiline = replace(rows, {5: 'c5,2024-01-03T11:00:00,phone,retail,"card\nlost, stolen",300'})
    write("multiline-quoted.csv", text(multiline))
    bad_times = replace(
        rows, {7: "c7,2024-02-30T10:00:00,phone,retail,card,200", 50: "c10,yesterday,chat,,,90"}
    )
    write("bad-timestamps.csv", text(bad_times))
    many_bad = [
        row.replace("2024-", "24/") if i % 4 == 1 else row for i, row in enumerate(rows[:80])
    ]
    write("many-bad-rows.csv", text(many_bad))
    handle_times = replace(
        rows,
        {
            9: "c9,2024-01-04T09:00:00,phone,retail,card,-45",
            90: "c10,2024-01-30T09:00:00,chat,retail,card,99999999",
        },
    )
    write("bad-handle-times.csv", text(handle_times))
    write("duplicates.csv", text(rows + rows[10:15]))
    write("unknown-channel.csv", text(replace(rows, {12: "c12,2024-01-05T09:00:00,phnoe,,,60"})))
    write("bom.csv", "\ufeff" + text(rows))
    write("crlf.csv", text(rows, end="\r\n"))
    write("trailing-blank-lines.csv", text(rows) + "\n\n\r\n")
    write("truncated-last-line.csv", text(rows) + "c9,2024-03-3")
    renamed = "Customer ID,Timestamp,Channel,Segment,Intent,Handle Time"
    write("renamed-columns.csv", text(rows, renamed))
    write("ragged-row.csv", text(replace(rows, {20: rows[20] + ",extra,fields"})))
    write(
        "stray-quote.csv",
        text(replace(rows, {30: 'c30,2024-01-12T09:00:00,phone,retail,5" screen,120'})),
    )
    write("unterminated-quote.csv", text(rows) + 'c1,2024-03-30T09:00:00,"phone,retail\n')
    absurd = replace(
        rows,
        {
            0: "c0,1900-01-01T00:00:00,phone,retail,card,120",
            60: "c20,9999-12-31T23:59:59,chat,retail,card,120",
        },
    )
    write("absurd-timestamps.csv", text(absurd))
    # A leap second at the end of March: read as 1 April, it made a period of its own.
    write("leap-second.csv", text([*rows, "c7,2024-03-31T23:59:60,phone,retail,card,120"]))
    write("truncated.csv.gz", gzip.compress(text(rows).encode(), mtime=0)[:300])
    # Numbers padded with spaces: valid, re-checked by the exact rules (found by fuzzing:
    # such rows crashed the scan of a file without a wait_time column)
    padded = {i: rows[i].rsplit(",", 1)[0] + ", " + rows[i].rsplit(",", 1)[1] + " " for i in (4, 8)}
    write("padded-numbers.csv", text(replace(rows, padded)))
    write("cr-line-endings.csv", text(rows[:20], end="\r"))  # "CSV (Macintosh)"
    write("duplicate-column.csv", text([r + ",x" for r in rows[:20]], HEADER + ",channel"))
    # The same export a year later: its columns renamed (see mappings/export-v1.yaml).
    write("export-v2.csv", text(rows, "Client ID,Contact Start,Via,Segment,Intent,AHT"))
    write_yaml_files()


BASE_STRATEGY = """\
# A valid strategy whose catalog has every channel of data/good.csv.
version: 1
name: base
kind: follow
period: month
channels:
  phone: {mode: live, handle_time: 360, hourly_cost: 32, shrinkage: 0.3}
  chat: {mode: live, handle_time: 540, concurrency: 2, hourly_cost: 30}
  email: {mode: async, handle_time: 420, hourly_cost: 28}
  web: {mode: self_service, cost_per_contact: 0.1}
"""

ALIAS_BOMB = """\
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
"""

YAML_FILES = {
    "strategies/base.yaml": BASE_STRATEGY,
    "strategies/list.yaml": "- version: 1\n- name: a-list\n",
    "strategies/scalar.yaml": "just some words\n",
    "strategies/alias-bomb.yaml": ALIAS_BOMB,
    "strategies/syntax-error.yaml": "version: 1\nname: [unclosed\nkind: follow\n",
    # YAML reads an unquoted 2024-02-30 as a date, and there is no such day (found by fuzzing)
    "strategies/impossible-date.yaml": "version: 1\nname: 2024-02-30\nkind: follow\n",
    # Numbers that are no numbers: a near-zero occupancy priced every channel at 0.
    "strategies/tiny-occupancy.yaml": BASE_STRATEGY.replace(
        "shrinkage: 0.3}", "shrinkage: 0.3, max_occupancy: 1e-300}"
    ),
    "strategies/nan-handle-time.yaml": BASE_STRATEGY.replace(
        "handle_time: 540", "handle_time: .nan"
    ),
    "strategies/superscript-agents.yaml": BASE_STRATEGY.replace(
        "shrinkage: 0.3}", "shrinkage: 0.3, min_agents: ²}"
    ),
    "mappings/export-v1.yaml": (
        "# The mapping written for last year's export; data/export-v2.csv renamed its columns.\n"
        "columns:\n  customer_id: client_id\n  timestamp: contact_start\n  channel: via\n"
        "  handle_time: aht\n"
    ),
    "mappings/unknown-column.yaml": "columns:\n  custmer_id: client\n  channel: via\n",
    "mappings/missing-source.yaml": "columns:\n  customer_id: client_number\n",
    "mappings/list.yaml": "- columns\n",
    "mappings/unusable-format.yaml": 'timestamp_format: "%Y-%m-%dT%H"\n',
}


def write_yaml_files() -> None:
    for name, content in YAML_FILES.items():
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


if __name__ == "__main__":
    main()
