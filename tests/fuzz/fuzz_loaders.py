"""Fuzz cx's loaders for a bounded time, outside CI (see tests/fuzz/README.md).

    python tests/fuzz/fuzz_loaders.py --seconds 300            # every target
    python tests/fuzz/fuzz_loaders.py --target csv --seconds 60 --seed 7
    python tests/fuzz/fuzz_loaders.py --target hypothesis --seconds 120

Targets:

* ``csv``: the interaction loader (``cx.api.load_interactions``, then
  ``inspect_interactions``), on seed files (tests/corpus/data, examples) mutated
  byte-wise — flips, deletions, duplicated ranges, spliced lines, inserted quotes,
  delimiters, line breaks, NULs, BOMs, bad UTF-8 — with and without a mapping file
  and ``--encoding lossy``. A scan that succeeds must add up (rows read = used +
  rejected...). With ``--differential`` each file is also scanned with the exact
  rules (``CX_SCAN=exact``) and the two cubes must be equal.
* ``yaml``: strategy and mapping loaders (and ``cx validate``'s) on mutated strategy
  and mapping files.
* ``hypothesis``: the property tests of tests/test_robustness.py with fresh random
  examples (not derandomized), as many as the time allows.

Anything but a :class:`cx.errors.CxError` escaping a loader is a finding; so is an
input taking longer than ``--slow`` seconds. Findings are written to
tests/fuzz/findings/ (input file + a .txt with the traceback), one per distinct
(exception, place in cx); the exit code is 1 when there were any.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = ROOT / "tests" / "corpus"
FINDINGS = HERE / "findings"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from cx import api  # noqa: E402
from cx.errors import CxError  # noqa: E402
from cx.loader.mapping import load_mapping  # noqa: E402
from cx.models.mapping import Mapping  # noqa: E402

TOKENS = [
    b'"',
    b'""',
    b",",
    b";",
    b"\t",
    b"|",
    b"\n",
    b"\r\n",
    b"\r",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"-1",
    b"1e308",
    b"nan",
    b"0000-01-01T00:00:00",
    b"9999-12-31T23:59:59",
    b"2024-02-30T25:61:61",
    b"2024-01-01 08:00:00+14:00",
    b"   ",
    b"customer_id",
    b"timestamp",
    b"channel",
    b"&a",
    b"*a",
    b"<<: *a",
    b": ",
    b"- ",
    b"{",
    b"[",
    b"!!python/object:os.system",
    b"%YAML 1.1\n",
    b"---\n",
    b"...\n",
    b"? ",
    b"|\n",
]
MAPPINGS = [
    None,
    Mapping(),
    Mapping(delimiter=";"),
    Mapping(delimiter="\t", timestamp_format="%d/%m/%Y %H:%M"),
    Mapping(timestamp_format="%Y-%m-%d %H:%M:%S", handle_time_unit="minutes"),
    Mapping(channels={"phone": ["Phone", "voice"], "web": ["online"]}, anonymous_ids=["0"]),
    Mapping(columns={"customer_id": "Customer ID", "timestamp": ["date", "time"]}),
    Mapping(values={"resolved": {"true": ["done"], "false": ["open"]}}),  # type: ignore[dict-item]
]


#: Seed exports read with their own mapping file.
MAPPED_SEEDS = {
    "amazon-connect-ctr.csv": "amazon-connect.yaml",
    "zendesk-tickets.tsv": "zendesk.yaml",
    "export-v2.csv": "../../tests/corpus/mappings/export-v1.yaml",
}


HYPOTHESIS_EXAMPLES = 200  # per call of a property test


def seeds(kind: str) -> list[bytes]:
    if kind == "csv":
        files = [
            *sorted((CORPUS / "data").glob("*")),
            ROOT / "examples" / "amazon-connect-ctr.csv",
            ROOT / "examples" / "zendesk-tickets.tsv",
        ]
        found = [f.read_bytes()[:20000] for f in files if f.is_file()]
        head = (ROOT / "examples" / "interactions.csv").read_bytes()[:20000]
        return [*found, head]
    files = [
        *sorted((ROOT / "strategies").glob("*.yaml")),
        *sorted((CORPUS / "strategies").glob("*.yaml")),
        *sorted((CORPUS / "mappings").glob("*.yaml")),
        *sorted((ROOT / "examples" / "mappings").glob("*.yaml")),
        *sorted((ROOT / "tests" / "strategies" / "broken").glob("*.yaml")),
    ]
    return [f.read_bytes() for f in files]


def mutate(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 3, 5, 8])):
        at = rng.randrange(len(data) + 1)
        kind = rng.randrange(8)
        if kind == 0 and data:  # flip a bit
            index = rng.randrange(len(data))
            data[index] ^= 1 << rng.randrange(8)
        elif kind == 1:  # insert a token
            data[at:at] = rng.choice(TOKENS)
        elif kind == 2:  # delete a range
            del data[at : at + rng.randrange(1, 64)]
        elif kind == 3:  # duplicate a range (duplicate rows, repeated keys)
            chunk = data[at : at + rng.randrange(1, 400)]
            data[at:at] = chunk
        elif kind == 4:  # splice lines from another seed
            other = rng.choice(pool).splitlines(keepends=True)
            if other:
                start = rng.randrange(len(other))
                data[at:at] = b"".join(other[start : start + rng.randrange(1, 5)])
        elif kind == 5:  # truncate
            del data[at:]
        elif kind == 6:  # a random byte
            data[at:at] = bytes([rng.randrange(256)])
        elif kind == 7 and data:  # swap two lines
            lines = bytes(data).splitlines(keepends=True)
            if len(lines) > 2:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                data = bytearray(b"".join(lines))
    return bytes(data)


class Fuzzer:
    def __init__(self, seconds: float, seed: int, slow: float, differential: bool) -> None:
        self.deadline = time.monotonic() + seconds
        self.rng = random.Random(seed)
        self.slow = slow
        self.differential = differential
        self.runs = 0
        self.findings: dict[str, str] = {}
        self.outcomes: dict[str, int] = {}
        self.work = Path(tempfile.mkdtemp(prefix="cx-fuzz-"))
        self.mapped: dict[str, bytes] = {}
        os.environ["CX_CACHE_DIR"] = str(self.work / "cache")

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline

    def record(self, target: str, data: bytes, suffix: str, error: BaseException) -> None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if "/cx/" in f.filename]
        place = f"{frames[-1].filename.split('/cx/')[-1]}:{frames[-1].lineno}" if frames else "?"
        key = f"{target} {type(error).__name__} {place}"
        if key in self.findings:
            return
        FINDINGS.mkdir(exist_ok=True)
        name = f"{target}-{hashlib.sha1(data).hexdigest()[:10]}"
        (FINDINGS / f"{name}{suffix}").write_bytes(data)
        text = "".join(traceback.format_exception(error))
        (FINDINGS / f"{name}.txt").write_text(f"{key}\n\n{text}", encoding="utf-8")
        self.findings[key] = name
        print(f"FINDING {key} -> tests/fuzz/findings/{name}{suffix}", flush=True)

    def run(self, target: str, data: bytes, suffix: str, check: Callable[[Path], None]) -> None:
        path = self.work / f"input{suffix}"
        path.write_bytes(data)
        started = time.monotonic()
        try:
            check(path)
            outcome = "ok"
        except CxError as error:
            outcome = "CxError"
            assert str(error), "a CxError without a message"
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            outcome = "FINDING"
            self.record(target, data, suffix, error)
        took = time.monotonic() - started
        if took > self.slow:
            self.record(target, data, suffix, TimeoutError(f"took {took:.1f} s"))
        self.runs += 1
        key = f"{target}:{outcome}"
        self.outcomes[key] = self.outcomes.get(key, 0) + 1

    # ----------------------------------------------------------------------- targets

    def csv_check(self, mapping: Mapping | None, encoding: str) -> Callable[[Path], None]:
        def check(path: Path) -> None:
            cube = api.load_interactions(
                path, columns=mapping, encoding=encoding, max_reject_rate=1.0
            )
            meta = cube.meta
            assert meta.rows_read == meta.rows_used + meta.rows_rejected, "rows do not add up"
            assert meta.rows_used > 0, "a cube without rows"
            assert abs(cube.demand["contacts"].sum() - meta.rows_used) < 1e-6, "demand != used"
            assert 0 <= meta.customers <= meta.rows_used, "more customers than contacts"
            if self.differential:
                compare_exact(path, mapping, encoding, cube)
            api.inspect_interactions(cube, columns=mapping, encoding=encoding)

        return check

    def fuzz_csv(self, pool: list[bytes]) -> None:
        seed = self.rng.choice(pool)
        data = mutate(seed, self.rng, pool)
        mapping = self.rng.choice(MAPPINGS) if self.rng.random() < 0.3 else None
        for name, mapping_file in MAPPED_SEEDS.items():
            if seed == self.mapped.get(name) and self.rng.random() < 0.9:  # its own, mostly
                mapping = load_mapping(ROOT / "examples" / "mappings" / mapping_file)
        encoding = self.rng.choice(["utf8", "utf8", "lossy"])
        suffix = self.rng.choice([".csv", ".csv", ".tsv", ".txt"])
        self.run("csv", data, suffix, self.csv_check(mapping, encoding))

    def fuzz_yaml(self, pool: list[bytes]) -> None:
        from cx.validate import validate_paths

        data = mutate(self.rng.choice(pool), self.rng, pool)

        def check(path: Path) -> None:
            for load in (api.load_strategy, load_mapping):
                with contextlib.suppress(CxError):
                    load(path)
            validate_paths([path])

        self.run("yaml", data, ".yaml", check)

    def fuzz_hypothesis(self) -> None:
        os.environ["CX_FUZZ_EXAMPLES"] = str(HYPOTHESIS_EXAMPLES)  # read at import
        import test_robustness as properties

        tests = [
            properties.test_only_cx_errors_escape_load_interactions,
            properties.test_well_formed_csv_is_never_diagnosed_as_broken,
            properties.test_only_cx_errors_escape_the_yaml_loaders,
            properties.test_only_cx_errors_escape_strategies_from_dicts,
        ]
        while self.time_left():
            test = self.rng.choice(tests)
            try:
                test()
                outcome = "ok"
            except BaseException as error:
                if isinstance(error, KeyboardInterrupt):
                    raise
                outcome = "FINDING"
                self.record("hypothesis", test.__name__.encode(), ".txt-input", error)
            self.runs += HYPOTHESIS_EXAMPLES
            key = f"hypothesis:{outcome}"
            self.outcomes[key] = self.outcomes.get(key, 0) + 1

    def main(self, targets: list[str]) -> int:
        pools = {"csv": seeds("csv"), "yaml": seeds("yaml")}
        self.mapped = {
            path.name: path.read_bytes()[:20000]
            for path in [*(CORPUS / "data").glob("*"), *(ROOT / "examples").glob("*.?sv")]
            if path.name in MAPPED_SEEDS
        }
        try:
            if targets == ["hypothesis"]:
                self.fuzz_hypothesis()
            while self.time_left():
                target = self.rng.choice(targets)
                if target == "csv":
                    self.fuzz_csv(pools["csv"])
                elif target == "yaml":
                    self.fuzz_yaml(pools["yaml"])
                else:
                    self.fuzz_hypothesis()
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        finally:
            shutil.rmtree(self.work, ignore_errors=True)
        print(f"{self.runs:,} inputs; outcomes: {dict(sorted(self.outcomes.items()))}")
        print(
            f"{len(self.findings)} finding(s)"
            + (" in tests/fuzz/findings/" if self.findings else "")
        )
        return 1 if self.findings else 0


def compare_exact(path: Path, mapping: Mapping | None, encoding: str, fast: object) -> None:
    """The fast scan and the exact scan (CX_SCAN=exact) give the same cube."""
    from polars.testing import assert_frame_equal

    os.environ["CX_SCAN"] = "exact"
    try:
        exact = api.load_interactions(path, columns=mapping, encoding=encoding, max_reject_rate=1.0)
    finally:
        del os.environ["CX_SCAN"]
    a, b = fast.meta, exact.meta  # type: ignore[attr-defined]
    for name in ("rows_read", "rows_used", "rows_rejected", "customers", "channels_observed"):
        assert getattr(a, name) == getattr(b, name), f"fast/exact differ in {name}"
    keys = ["period_start", "channel", "segment", "stage", "intent"]
    assert_frame_equal(
        fast.demand.sort(keys),
        exact.demand.sort(keys),
        check_exact=False,  # type: ignore[attr-defined]
    )
    assert_frame_equal(fast.preferred.sort("channel"), exact.preferred.sort("channel"))  # type: ignore[attr-defined]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=["csv", "yaml", "hypothesis", "all"], default="all")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slow", type=float, default=10.0, help="seconds per input")
    parser.add_argument("--differential", action="store_true", help="compare with CX_SCAN=exact")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    targets = ["csv", "yaml"] if args.target == "all" else [args.target]
    fuzzer = Fuzzer(args.seconds, args.seed, args.slow, args.differential)
    sys.exit(fuzzer.main(targets))
