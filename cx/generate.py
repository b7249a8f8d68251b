"""Seeded, reproducible synthetic contact-centre interactions (``cx generate``).

The generator simulates customers, not rows. Every customer belongs to a segment
and has a heavy-tailed (lognormal) journey rate. Journeys start as a Poisson
process thinned by a seasonal intensity (yearly cycle, weekday, hour of day, per
channel), never within ``JOURNEY_GAP_HOURS`` of the customer's previous contact.
A journey's first contact draws intent | segment, stage | intent and channel from
the multiplicative preference model below. After every contact the journey goes
on with a follow-up with ``FOLLOW_UP_PROBABILITY[resolved]``; a follow-up keeps
intent and stage, comes 5 minutes to 72 hours later, and lands on a different
channel with probability exactly ``SWITCH_PROBABILITY`` (the target drawn from
the customer's mix × ``SWITCH_TARGET_FACTOR``). A small share of contacts is
anonymous (``ANONYMOUS_ID``), each a journey of its own.

Everything is vectorised with numpy: the Python loops run over the k-th contact
of all customers of a batch at once (and over rejection rounds), never per row.
The module-level constants are the ground truth that tests compare data against.
"""

from __future__ import annotations

import gzip
import math
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from cx.api_checks import require_path, require_progress
from cx.errors import InputError, UsageError
from cx.io import atomic_path
from cx.models.mapping import CANONICAL_COLUMNS
from cx.models.numbers import MAX_SEED
from cx.models.progress import SILENT, Progress
from cx.models.vocabulary import (
    DEFAULT_WINDOW_HOURS,
    EARLIEST_TIMESTAMP,
    LATEST_TIMESTAMP,
    PARQUET_SUFFIXES,
    bare_name,
    counted,
    named_format,
    plural,
)

# --------------------------------------------------------------------------- vocabulary

COLUMNS = CANONICAL_COLUMNS  # the generator writes every canonical column, in order
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
CHANNELS = ("phone", "chat", "email", "web", "app", "social", "branch", "video")
LIVE_CHANNELS = ("phone", "chat", "video")  # have wait_time and abandoned
SELF_SERVICE_CHANNELS = ("web", "app")  # no handle_time
SEGMENTS = ("retail", "premium", "business", "young")
STAGES = ("awareness", "purchase", "service", "complaint")
INTENTS = (
    "balance",
    "statement",
    "payment",
    "card",
    "loan",
    "fraud",
    "complaint",
    "address_change",
    "other",
)
ANONYMOUS_ID = "0"

# --------------------------------------------------------------------------- ground truth

#: Share of customers (and, approximately, of journeys) per segment.
SEGMENT_SHARE: dict[str, float] = {"retail": 0.55, "premium": 0.12, "business": 0.13, "young": 0.20}

#: Base intent shares of journeys, before the segment factor.
INTENT_SHARE: dict[str, float] = {
    "balance": 0.18,
    "statement": 0.10,
    "payment": 0.16,
    "card": 0.14,
    "loan": 0.08,
    "fraud": 0.05,
    "complaint": 0.07,
    "address_change": 0.06,
    "other": 0.16,
}
#: P(intent | segment) ∝ INTENT_SHARE × SEGMENT_INTENT_FACTOR (missing entries are 1).
SEGMENT_INTENT_FACTOR: dict[str, dict[str, float]] = {
    "retail": {},
    "premium": {"loan": 1.5, "fraud": 1.3, "balance": 0.8},
    "business": {"payment": 1.5, "loan": 1.4, "statement": 1.3, "address_change": 0.6},
    "young": {"card": 1.4, "balance": 1.3, "loan": 0.6, "statement": 0.7},
}
#: P(stage | intent).
INTENT_STAGE: dict[str, dict[str, float]] = {
    "balance": {"service": 1.0},
    "statement": {"service": 1.0},
    "payment": {"service": 0.9, "purchase": 0.1},
    "card": {"awareness": 0.05, "purchase": 0.35, "service": 0.6},
    "loan": {"awareness": 0.4, "purchase": 0.5, "service": 0.1},
    "fraud": {"service": 0.8, "complaint": 0.2},
    "complaint": {"complaint": 1.0},
    "address_change": {"service": 1.0},
    "other": {"awareness": 0.5, "purchase": 0.1, "service": 0.4},
}

#: Channel preference of a journey's first contact:
#: P(channel | segment, intent, stage) ∝ CHANNEL_BASE × SEGMENT_CHANNEL_FACTOR
#: × INTENT_CHANNEL_FACTOR × STAGE_CHANNEL_FACTOR (missing entries are 1).
CHANNEL_BASE: dict[str, float] = {
    "phone": 0.26,
    "chat": 0.14,
    "email": 0.10,
    "web": 0.20,
    "app": 0.18,
    "social": 0.04,
    "branch": 0.05,
    "video": 0.03,
}
SEGMENT_CHANNEL_FACTOR: dict[str, dict[str, float]] = {
    "retail": {"branch": 1.1},
    "premium": {
        "phone": 1.8, "chat": 0.8, "email": 1.1, "web": 0.8,
        "app": 0.9, "social": 0.5, "branch": 1.6, "video": 1.8,
    },
    "business": {
        "phone": 1.4, "chat": 0.8, "email": 2.2, "app": 0.6,
        "social": 0.4, "video": 1.2,
    },
    "young": {
        "phone": 0.45, "chat": 1.8, "email": 0.5, "web": 0.9,
        "app": 2.0, "social": 2.2, "branch": 0.3, "video": 0.8,
    },
}  # fmt: skip
INTENT_CHANNEL_FACTOR: dict[str, dict[str, float]] = {
    "balance": {
        "phone": 0.5, "chat": 0.7, "email": 0.3, "web": 1.8,
        "app": 2.4, "social": 0.5, "branch": 0.4, "video": 0.3,
    },
    "statement": {
        "phone": 0.6, "chat": 0.7, "email": 1.2, "web": 2.0,
        "app": 1.8, "social": 0.3, "branch": 0.5, "video": 0.3,
    },
    "payment": {
        "phone": 0.9, "chat": 0.9, "email": 0.7, "web": 1.4,
        "app": 1.6, "social": 0.4, "branch": 0.8, "video": 0.5,
    },
    "card": {
        "phone": 1.3, "chat": 1.1, "email": 0.6, "app": 1.2,
        "social": 0.5, "branch": 1.2, "video": 0.7,
    },
    "loan": {
        "phone": 1.3, "email": 1.0, "web": 1.1, "app": 0.6,
        "social": 0.5, "branch": 2.2, "video": 2.0,
    },
    "fraud": {
        "phone": 2.4, "email": 0.5, "web": 0.4, "app": 0.8,
        "social": 0.3, "video": 0.8,
    },
    "complaint": {
        "phone": 1.8, "email": 1.6, "web": 0.4, "app": 0.4,
        "social": 2.5, "branch": 0.9, "video": 0.6,
    },
    "address_change": {
        "phone": 0.8, "chat": 0.8, "web": 1.6, "app": 1.5,
        "social": 0.2, "branch": 1.2, "video": 0.5,
    },
    "other": {},
}  # fmt: skip
STAGE_CHANNEL_FACTOR: dict[str, dict[str, float]] = {
    "awareness": {"phone": 0.8, "web": 1.5, "app": 0.8, "social": 1.6},
    "purchase": {"phone": 1.2, "web": 1.1, "branch": 1.4, "video": 1.3},
    "service": {},
    "complaint": {"phone": 1.2, "email": 1.2, "web": 0.6, "app": 0.6, "social": 1.3},
}

#: P(the next contact is a follow-up in the same journey | previous contact resolved?).
FOLLOW_UP_PROBABILITY: dict[bool, float] = {True: 0.15, False: 0.70}
#: P(a follow-up is on a different channel from the contact before it) — the hop rate.
SWITCH_PROBABILITY = 0.35
#: Target of a switch: ∝ the customer's first-contact mix × this factor, previous excluded.
SWITCH_TARGET_FACTOR: dict[str, float] = {
    "phone": 1.6,
    "chat": 1.3,
    "email": 1.0,
    "web": 0.6,
    "app": 0.6,
    "social": 1.0,
    "branch": 1.2,
    "video": 1.0,
}
#: Follow-ups come this long after the previous contact: lognormal proposal (median,
#: sigma) truncated to [FOLLOW_UP_MIN_GAP_S, JOURNEY_GAP_HOURS), then thinned by the
#: channel's hour/weekday intensity.
FOLLOW_UP_GAP_MEDIAN_HOURS = 6.0
FOLLOW_UP_GAP_SIGMA = 1.1
FOLLOW_UP_MIN_GAP_S = 300
#: A new journey of a customer starts more than this long after their previous contact.
JOURNEY_GAP_HOURS = DEFAULT_WINDOW_HOURS  # the journey window cx reads by default

#: Expected journeys per customer over the generated range ~ lognormal(mu, sigma);
#: customers without a contact in the range do not appear. Gives ~3 contacts per customer.
JOURNEY_RATE_MU = -0.9
JOURNEY_RATE_SIGMA = 1.2
#: Share of contacts that are anonymous (customer_id ANONYMOUS_ID, exact count rounded).
ANONYMOUS_SHARE = 0.02
#: Contacts simulated before ``start`` (then dropped) so the first days have follow-ups.
WARMUP_DAYS = 7

#: Mean handle time (s) per channel; lognormal with HANDLE_TIME_SIGMA. Web/app: empty.
HANDLE_TIME_MEAN: dict[str, float] = {
    "phone": 360.0,
    "chat": 540.0,
    "email": 420.0,
    "social": 300.0,
    "branch": 900.0,
    "video": 600.0,
}
HANDLE_TIME_SIGMA: dict[str, float] = {
    "phone": 0.6,
    "chat": 0.55,
    "email": 0.7,
    "social": 0.7,
    "branch": 0.5,
    "video": 0.5,
}
#: Relative handle time by intent, renormalised per channel so the channel mean stays
#: HANDLE_TIME_MEAN (over first contacts).
INTENT_HANDLE_FACTOR: dict[str, float] = {
    "balance": 0.6,
    "statement": 0.7,
    "payment": 0.9,
    "card": 1.0,
    "loan": 1.6,
    "fraud": 1.5,
    "complaint": 1.4,
    "address_change": 0.8,
    "other": 1.0,
}

#: P(resolved) = clip(RESOLUTION_BASE[channel] × INTENT_RESOLUTION_FACTOR[intent]);
#: abandoned contacts are never resolved.
RESOLUTION_BASE: dict[str, float] = {
    "phone": 0.82,
    "chat": 0.75,
    "email": 0.70,
    "web": 0.55,
    "app": 0.65,
    "social": 0.50,
    "branch": 0.88,
    "video": 0.80,
}
INTENT_RESOLUTION_FACTOR: dict[str, float] = {
    "balance": 1.15,
    "statement": 1.10,
    "payment": 1.0,
    "card": 0.95,
    "loan": 0.85,
    "fraud": 0.80,
    "complaint": 0.70,
    "address_change": 1.05,
    "other": 0.90,
}

#: Live channels: a contact queues with P_QUEUE, then for Exp(WAIT_MEAN × load(hour))
#: seconds, where load(hour) = 0.5 + hour weight / max hour weight of the channel.
#: It abandons when its Exp(PATIENCE_MEAN) patience runs out first; wait_time is then
#: the patience. (So Σ wait_time / #abandoned estimates PATIENCE_MEAN.)
P_QUEUE: dict[str, float] = {"phone": 0.5, "chat": 0.45, "video": 0.5}
WAIT_MEAN: dict[str, float] = {"phone": 60.0, "chat": 45.0, "video": 60.0}
PATIENCE_MEAN: dict[str, float] = {"phone": 600.0, "chat": 900.0, "video": 600.0}

#: Share of answered contacts that leave a 1-5 score (abandoned ones never do).
SURVEY_RESPONSE_RATE = 0.40
#: Score = clip(round(N(mean, SATISFACTION_SD)), 1, 5), mean = SATISFACTION_MEAN[resolved]
#: + SATISFACTION_CHANNEL_OFFSET[channel] + SATISFACTION_LONG_WAIT_OFFSET if wait > 120 s.
SATISFACTION_MEAN: dict[bool, float] = {True: 4.1, False: 2.5}
SATISFACTION_SD = 0.9
SATISFACTION_CHANNEL_OFFSET: dict[str, float] = {
    "phone": 0.0,
    "chat": 0.1,
    "email": -0.2,
    "web": -0.1,
    "app": 0.2,
    "social": -0.4,
    "branch": 0.3,
    "video": 0.2,
}
SATISFACTION_LONG_WAIT_OFFSET = -0.4

# Time profiles (relative weights). Hour of day 0..23; weekday Monday..Sunday.
# fmt: off
_OFFICE_HOURS = (0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.2, 0.7, 1.0, 1.0, 0.95,
                 0.8, 0.85, 0.9, 0.85, 0.75, 0.55, 0.35, 0.25, 0.18, 0.12, 0.06, 0.03)
_CHAT_HOURS = (0.03, 0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.2, 0.6, 0.9, 1.0, 0.95,
               0.85, 0.9, 0.9, 0.85, 0.8, 0.7, 0.6, 0.6, 0.55, 0.4, 0.2, 0.08)
_EMAIL_HOURS = (0.1, 0.06, 0.04, 0.03, 0.03, 0.05, 0.15, 0.4, 0.8, 1.0, 1.0, 0.95,
                0.85, 0.9, 0.9, 0.85, 0.75, 0.6, 0.5, 0.5, 0.5, 0.45, 0.3, 0.18)
_DIGITAL_HOURS = (0.12, 0.06, 0.03, 0.02, 0.02, 0.04, 0.15, 0.4, 0.6, 0.7, 0.75, 0.8,
                  0.9, 0.85, 0.75, 0.7, 0.75, 0.85, 0.95, 1.0, 1.0, 0.9, 0.6, 0.3)
_BRANCH_HOURS = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0.8, 1.0, 0.95,
                 1.0, 0.95, 0.85, 0.8, 0.7, 0, 0, 0, 0, 0, 0, 0)
# fmt: on
HOUR_PROFILE: dict[str, tuple[float, ...]] = {
    "phone": _OFFICE_HOURS,
    "chat": _CHAT_HOURS,
    "email": _EMAIL_HOURS,
    "web": _DIGITAL_HOURS,
    "app": _DIGITAL_HOURS,
    "social": _DIGITAL_HOURS,
    "branch": _BRANCH_HOURS,
    "video": _OFFICE_HOURS,
}  # fmt: skip
_OFFICE_WEEK = (1.3, 1.1, 1.05, 1.0, 0.95, 0.45, 0.25)
_DIGITAL_WEEK = (1.1, 1.05, 1.0, 1.0, 0.95, 0.85, 0.8)
WEEKDAY_PROFILE: dict[str, tuple[float, ...]] = {
    "phone": _OFFICE_WEEK,
    "chat": (1.25, 1.1, 1.05, 1.0, 0.95, 0.6, 0.45),
    "email": (1.2, 1.1, 1.05, 1.0, 0.95, 0.6, 0.5),
    "web": _DIGITAL_WEEK,
    "app": _DIGITAL_WEEK,
    "social": _DIGITAL_WEEK,
    "branch": (1.2, 1.05, 1.0, 1.0, 1.1, 0.6, 0.0),
    "video": _OFFICE_WEEK,
}
#: Yearly cycle: 1 + YEARLY_AMPLITUDE·cos(2π(day of year − YEARLY_PEAK_DAY)/365.25).
YEARLY_AMPLITUDE = 0.12
YEARLY_PEAK_DAY = 15
#: (month, day) of public holidays and their volume factor.
HOLIDAYS: dict[tuple[int, int], float] = {(1, 1): 0.3, (12, 25): 0.2, (12, 26): 0.4}

# --------------------------------------------------------------------------- tables

_NC, _NS, _NI, _NT = len(CHANNELS), len(SEGMENTS), len(INTENTS), len(STAGES)
_CH = {name: i for i, name in enumerate(CHANNELS)}
_LIVE = np.array([c in LIVE_CHANNELS for c in CHANNELS])
_SELF = np.array([c in SELF_SERVICE_CHANNELS for c in CHANNELS])


def _vector(table: dict[str, float], names: tuple[str, ...], default: float = 0.0) -> np.ndarray:
    return np.array([table.get(name, default) for name in names], dtype=np.float64)


def _factor(table: dict[str, dict[str, float]], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[table[n].get(c, 1.0) for c in CHANNELS] for n in names])


def _normalise(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum(axis=-1, keepdims=True)


_P_SEGMENT = _normalise(_vector(SEGMENT_SHARE, SEGMENTS))
_P_INTENT = _normalise(  # [segment, intent]
    _vector(INTENT_SHARE, INTENTS)[None, :]
    * np.array([[SEGMENT_INTENT_FACTOR[s].get(i, 1.0) for i in INTENTS] for s in SEGMENTS])
)
_P_STAGE = np.array([_vector(INTENT_STAGE[i], STAGES) for i in INTENTS])  # [intent, stage]
_P_STAGE = _normalise(_P_STAGE)
_P_CHANNEL = _normalise(  # [segment, intent, stage, channel]
    _vector(CHANNEL_BASE, CHANNELS)[None, None, None, :]
    * _factor(SEGMENT_CHANNEL_FACTOR, SEGMENTS)[:, None, None, :]
    * _factor(INTENT_CHANNEL_FACTOR, INTENTS)[None, :, None, :]
    * _factor(STAGE_CHANNEL_FACTOR, STAGES)[None, None, :, :]
)
# [segment, intent, stage, previous, target]: switch targets, previous channel excluded.
_P_SWITCH = _P_CHANNEL[..., None, :] * _vector(SWITCH_TARGET_FACTOR, CHANNELS)
_P_SWITCH = _P_SWITCH * (1.0 - np.eye(_NC))
_P_SWITCH = _normalise(_P_SWITCH)
# Joint P(segment, intent, stage) of a journey.
_P_JOINT = _P_SEGMENT[:, None, None] * _P_INTENT[:, :, None] * _P_STAGE[None, :, :]

_CUM_SEGMENT = np.cumsum(_P_SEGMENT)
_CUM_INTENT = np.cumsum(_P_INTENT, axis=-1)
_CUM_STAGE = np.cumsum(_P_STAGE, axis=-1)
_CUM_CHANNEL = np.cumsum(_P_CHANNEL, axis=-1).reshape(-1, _NC)
_CUM_SWITCH = np.cumsum(_P_SWITCH, axis=-1).reshape(-1, _NC)

_P_FOLLOW = np.array([FOLLOW_UP_PROBABILITY[False], FOLLOW_UP_PROBABILITY[True]])
_P_RESOLVE = np.clip(
    _vector(RESOLUTION_BASE, CHANNELS)[:, None]
    * _vector(INTENT_RESOLUTION_FACTOR, INTENTS)[None, :],
    0.02,
    0.98,
)  # [channel, intent]


def _handle_time_mu() -> np.ndarray:
    """lognormal mu[channel, intent] whose first-contact channel mean is HANDLE_TIME_MEAN."""
    intent_given_channel = _P_JOINT[..., None] * _P_CHANNEL  # [s, i, t, c]
    intent_given_channel = intent_given_channel.sum(axis=(0, 2))  # [i, c]
    intent_given_channel /= intent_given_channel.sum(axis=0, keepdims=True)
    factor = _vector(INTENT_HANDLE_FACTOR, INTENTS)
    norm = (factor[:, None] * intent_given_channel).sum(axis=0)  # [c]
    mean = (
        _vector(HANDLE_TIME_MEAN, CHANNELS, default=1.0)[:, None] * factor[None, :] / norm[:, None]
    )
    sigma = _vector(HANDLE_TIME_SIGMA, CHANNELS, default=0.5)
    return np.log(mean) - sigma[:, None] ** 2 / 2


_HT_MU = _handle_time_mu()
_HT_SIGMA = _vector(HANDLE_TIME_SIGMA, CHANNELS, default=0.5)
_HOURS = np.array([HOUR_PROFILE[c] for c in CHANNELS], dtype=np.float64)  # [channel, 24]
_P_QUEUE = _vector(P_QUEUE, CHANNELS)
_WAIT_MEAN = _vector(WAIT_MEAN, CHANNELS, default=1.0)
_PATIENCE = _vector(PATIENCE_MEAN, CHANNELS, default=1.0)
_CSAT_OFFSET = _vector(SATISFACTION_CHANNEL_OFFSET, CHANNELS)

# --------------------------------------------------------------------------- ground-truth API


def _index(names: tuple[str, ...], value: str | None, what: str) -> slice | int:
    if value is None:
        return slice(None)
    if value not in names:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(names)}")
    return names.index(value)


def expected_channel_mix(
    segment: str | None = None, intent: str | None = None, stage: str | None = None
) -> dict[str, float]:
    """Channel shares of journeys' first contacts, given segment/intent/stage (None = all).

    Unspecified dimensions are averaged with the generator's own population weights.
    Follow-ups keep their channel with probability 1 − SWITCH_PROBABILITY, so the mix
    of all contacts is close to this, tilted toward SWITCH_TARGET_FACTOR's live channels.
    """
    s = _index(SEGMENTS, segment, "segment")
    i = _index(INTENTS, intent, "intent")
    t = _index(STAGES, stage, "stage")
    weight = _P_JOINT[s, i, t]
    mix = _P_CHANNEL[s, i, t]
    total = np.asarray(weight).sum()
    if total <= 0:
        raise ValueError("no journeys have this combination of segment, intent and stage")
    shares = (np.asarray(weight)[..., None] * mix).reshape(-1, _NC).sum(axis=0) / total
    return {c: float(v) for c, v in zip(CHANNELS, shares, strict=True)}


def expected_intent_mix(segment: str | None = None) -> dict[str, float]:
    """Intent shares of journeys, for one segment or all."""
    s = _index(SEGMENTS, segment, "segment")
    shares = _P_INTENT[s] if isinstance(s, int) else _P_SEGMENT @ _P_INTENT
    return {i: float(v) for i, v in zip(INTENTS, shares, strict=True)}


def switch_target_mix(
    previous: str, segment: str | None = None, intent: str | None = None
) -> dict[str, float]:
    """Where a follow-up that switches away from ``previous`` goes (shares sum to 1)."""
    p = _index(CHANNELS, previous, "channel")
    s = _index(SEGMENTS, segment, "segment")
    i = _index(INTENTS, intent, "intent")
    weight = np.asarray(_P_JOINT[s, i, :]) * np.asarray(_P_CHANNEL[s, i, :, p])
    targets = np.asarray(_P_SWITCH[s, i, :, p])
    shares = (weight[..., None] * targets).reshape(-1, _NC).sum(axis=0) / weight.sum()
    return {c: float(v) for c, v in zip(CHANNELS, shares, strict=True)}


def resolution_probability(channel: str, intent: str) -> float:
    """P(resolved) of an answered contact on ``channel`` for ``intent``."""
    return float(_P_RESOLVE[_CH[channel], INTENTS.index(intent)])


# --------------------------------------------------------------------------- simulation

_HOUR_S = 3600
_DAY_S = 86_400
_GAP_S = JOURNEY_GAP_HOURS * _HOUR_S
_BATCH_CUSTOMERS = 100_000  # fixed, so a given seed's customers do not depend on rows
_CANDIDATES = 8  # rejection candidates drawn per round
_MAX_ROUNDS = 200
_WRITE_CHUNK = 500_000


@dataclass
class _Calendar:
    """Per-channel intensity for every hour of [start − warm-up, start + days)."""

    origin: int  # seconds of the first hour, relative to start (negative: warm-up)
    end: int  # seconds of the end, relative to start
    weight: np.ndarray  # [channel, hour]
    wmax: np.ndarray  # [channel]
    wmean: np.ndarray  # [channel]

    @classmethod
    def build(cls, start: date, days: int) -> _Calendar:
        dates = [start + timedelta(days=d) for d in range(-WARMUP_DAYS, days)]
        doy = np.array([d.timetuple().tm_yday for d in dates], dtype=np.float64)
        day = 1.0 + YEARLY_AMPLITUDE * np.cos(2 * np.pi * (doy - YEARLY_PEAK_DAY) / 365.25)
        day *= np.array([HOLIDAYS.get((d.month, d.day), 1.0) for d in dates])
        dow = np.array([d.weekday() for d in dates])
        week = np.array([WEEKDAY_PROFILE[c] for c in CHANNELS])[:, dow]  # [c, day]
        weight = (day[None, :, None] * week[:, :, None] * _HOURS[:, None, :]).reshape(_NC, -1)
        inside = weight[:, WARMUP_DAYS * 24 :]
        return cls(
            origin=-WARMUP_DAYS * _DAY_S,
            end=days * _DAY_S,
            weight=weight,
            wmax=weight.max(axis=1),
            wmean=inside.mean(axis=1),
        )

    def at(self, channel: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Intensity of ``channel`` at ``t`` (seconds from start); 0 outside the calendar."""
        hour = np.floor((t - self.origin) / _HOUR_S).astype(np.int64)
        inside = (hour >= 0) & (hour < self.weight.shape[1])
        return np.where(inside, self.weight[channel, np.clip(hour, 0, self.weight.shape[1] - 1)], 0)

    def hour_of_day(self, t: np.ndarray) -> np.ndarray:
        return (np.floor(t / _HOUR_S).astype(np.int64)) % 24


def _draw(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``cumulative`` (rows of cumulative probabilities)."""
    u = rng.random(cumulative.shape[0])
    return np.minimum((u[:, None] >= cumulative).sum(axis=1), cumulative.shape[1] - 1)


def _draw_from(rng: np.random.Generator, cumulative: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Categorical draws from ``cumulative[rows]`` without materialising the rows twice."""
    return _draw(rng, cumulative[rows]).astype(np.int8)


def _first_accepted(accept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    found = accept.any(axis=1)
    return found, accept.argmax(axis=1)


def _journey_starts(
    rng: np.random.Generator,
    cal: _Calendar,
    t_ref: np.ndarray,
    rate: np.ndarray,
    channel: np.ndarray,
) -> np.ndarray:
    """Next journey start after ``t_ref``: Poisson thinning of rate × w(t)/mean(w)."""
    n = t_ref.size
    out = np.empty(n)
    t = t_ref.astype(np.float64).copy()
    pending = np.arange(n)
    cand_rate = rate * cal.wmax[channel] / cal.wmean[channel]
    for _ in range(_MAX_ROUNDS * 10):
        if pending.size == 0:
            break
        ch = channel[pending]
        steps = rng.standard_exponential((pending.size, _CANDIDATES))
        cand = t[pending, None] + np.cumsum(steps, axis=1) / cand_rate[pending, None]
        w = cal.at(ch[:, None], cand)
        accept = (rng.random(cand.shape) * cal.wmax[ch][:, None] < w) | (cand >= cal.end)
        found, first = _first_accepted(accept)
        out[pending[found]] = cand[found, first[found]]
        t[pending[~found]] = cand[~found, -1]
        pending = pending[~found]
    out[pending] = cal.end  # unreachable in practice: ends the customer
    return out


def _follow_up_times(
    rng: np.random.Generator, cal: _Calendar, t_prev: np.ndarray, channel: np.ndarray
) -> np.ndarray:
    """Follow-up instants: a truncated lognormal gap thinned by the channel's intensity."""
    n = t_prev.size
    out = np.empty(n)
    pending = np.arange(n)
    mu = math.log(FOLLOW_UP_GAP_MEDIAN_HOURS * _HOUR_S)
    for _ in range(_MAX_ROUNDS):
        if pending.size == 0:
            break
        ch = channel[pending]
        gap = rng.lognormal(mu, FOLLOW_UP_GAP_SIGMA, (pending.size, _CANDIDATES))
        cand = t_prev[pending, None] + gap
        valid = (gap >= FOLLOW_UP_MIN_GAP_S) & (gap < _GAP_S - 1)
        w = cal.at(ch[:, None], cand)
        accept = valid & ((rng.random(cand.shape) * cal.wmax[ch][:, None] < w) | (cand >= cal.end))
        found, first = _first_accepted(accept)
        out[pending[found]] = cand[found, first[found]]
        pending = pending[~found]
    out[pending] = t_prev[pending] + _GAP_S / 2  # unreachable with the shipped profiles
    return out


@dataclass
class _Contacts:
    """Contacts as compact numpy columns; -1 (or 0 for satisfaction) means empty."""

    customer: np.ndarray  # int64; 0 = anonymous
    t: np.ndarray  # float64 seconds from start
    channel: np.ndarray  # int8 codes
    segment: np.ndarray
    stage: np.ndarray
    intent: np.ndarray
    resolved: np.ndarray  # int8 0/1
    wait: np.ndarray  # int32, -1 empty
    abandoned: np.ndarray  # int8, -1 empty
    handle: np.ndarray  # int32, -1 empty
    satisfaction: np.ndarray  # int8, 0 empty

    FIELDS = (
        "customer", "t", "channel", "segment", "stage", "intent",
        "resolved", "wait", "abandoned", "handle", "satisfaction",
    )  # fmt: skip

    def take(self, index: np.ndarray | slice) -> _Contacts:
        return _Contacts(*(getattr(self, f)[index] for f in self.FIELDS))

    @classmethod
    def concat(cls, parts: list[_Contacts]) -> _Contacts:
        """Concatenate, emptying ``parts`` column by column to bound peak memory."""
        columns = []
        for f in cls.FIELDS:
            columns.append(np.concatenate([getattr(p, f) for p in parts]))
            for p in parts:
                setattr(p, f, np.empty(0, getattr(p, f).dtype))
        return cls(*columns)

    def permute(self, order: np.ndarray) -> None:
        """Reorder in place, one column at a time."""
        for f in self.FIELDS:
            setattr(self, f, getattr(self, f)[order])

    def __len__(self) -> int:
        return int(self.t.size)


def _queue(
    rng: np.random.Generator, cal: _Calendar, channel: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """wait_time (-1 = empty) and abandoned (-1 = empty) for contacts on ``channel``."""
    n = channel.size
    live = _LIVE[channel]
    load = 0.5 + _HOURS[channel, cal.hour_of_day(t)] / _HOURS[channel].max(axis=1)
    queued = rng.random(n) < _P_QUEUE[channel]
    wait = np.where(queued, rng.standard_exponential(n) * _WAIT_MEAN[channel] * load, 0.0)
    patience = rng.standard_exponential(n) * _PATIENCE[channel]
    abandoned = live & (patience < wait)
    seconds = np.rint(np.minimum(wait, patience)).astype(np.int32)
    return np.where(live, seconds, -1), np.where(live, abandoned, -1).astype(np.int8)


def _resolve(
    rng: np.random.Generator, channel: np.ndarray, intent: np.ndarray, abandoned: np.ndarray
) -> np.ndarray:
    ok = rng.random(channel.size) < _P_RESOLVE[channel, intent]
    return (ok & (abandoned != 1)).astype(np.int8)


def _finish(rng: np.random.Generator, c: _Contacts) -> None:
    """Fill handle time and satisfaction (they feed nothing back into the journey)."""
    n = len(c)
    ch = c.channel.astype(np.int64)
    ht = np.exp(_HT_MU[ch, c.intent] + _HT_SIGMA[ch] * rng.standard_normal(n))
    ht = np.maximum(np.rint(ht), 10).astype(np.int32)
    c.handle = np.where(_SELF[ch] | (c.abandoned == 1), -1, ht).astype(np.int32)
    answers = (rng.random(n) < SURVEY_RESPONSE_RATE) & (c.abandoned != 1)
    mean = np.where(c.resolved == 1, SATISFACTION_MEAN[True], SATISFACTION_MEAN[False])
    mean = mean + _CSAT_OFFSET[ch] + np.where(c.wait > 120, SATISFACTION_LONG_WAIT_OFFSET, 0.0)
    score = np.clip(np.rint(mean + SATISFACTION_SD * rng.standard_normal(n)), 1, 5)
    c.satisfaction = np.where(answers, score, 0).astype(np.int8)


def _customers(rng: np.random.Generator, cal: _Calendar, first_id: int, count: int) -> _Contacts:
    """Simulate ``count`` customers' whole histories; contacts ordered by customer, time."""
    segment = _draw(rng, np.broadcast_to(_CUM_SEGMENT, (count, _NS))).astype(np.int8)
    journeys = rng.lognormal(JOURNEY_RATE_MU, JOURNEY_RATE_SIGMA, count)
    rate = journeys / cal.end  # journeys per second at average intensity
    t_last = np.full(count, float(cal.origin))
    has_prev = np.zeros(count, dtype=bool)
    prev_resolved = np.zeros(count, dtype=np.int8)
    prev_channel = np.zeros(count, dtype=np.int8)
    intent = np.zeros(count, dtype=np.int8)
    stage = np.zeros(count, dtype=np.int8)
    active = np.arange(count)
    parts: list[_Contacts] = []
    while active.size:
        follow = has_prev[active] & (rng.random(active.size) < _P_FOLLOW[prev_resolved[active]])
        channel = np.empty(active.size, dtype=np.int8)
        t = np.empty(active.size)
        # new journeys: intent | segment, stage | intent, channel | all three
        new = active[~follow]
        seg = segment[new]
        intent[new] = _draw_from(rng, _CUM_INTENT, seg)
        stage[new] = _draw_from(rng, _CUM_STAGE, intent[new])
        cell = (seg.astype(np.int64) * _NI + intent[new]) * _NT + stage[new]
        channel[~follow] = _draw_from(rng, _CUM_CHANNEL, cell)
        # t is whole seconds: strictly more than JOURNEY_GAP_HOURS after the last contact
        t_ref = np.where(has_prev[new], t_last[new] + _GAP_S + 1, t_last[new])
        t[~follow] = _journey_starts(rng, cal, t_ref, rate[new], channel[~follow])
        # follow-ups: same intent and stage; switch channel with SWITCH_PROBABILITY
        old = active[follow]
        ch = prev_channel[old].copy()
        switch = rng.random(old.size) < SWITCH_PROBABILITY
        sw = old[switch]
        cell = (segment[sw].astype(np.int64) * _NI + intent[sw]) * _NT + stage[sw]
        ch[switch] = _draw_from(rng, _CUM_SWITCH, cell * _NC + prev_channel[sw])
        channel[follow] = ch
        t[follow] = _follow_up_times(rng, cal, t_last[old], ch)
        # contacts after the end are censored and end the customer's history
        t = np.floor(t)
        keep = t < cal.end
        who, channel, t = active[keep], channel[keep], t[keep]
        code = channel.astype(np.int64)
        wait, abandoned = _queue(rng, cal, code, t)
        resolved = _resolve(rng, code, intent[who], abandoned)
        parts.append(
            _Contacts(
                customer=who + first_id,
                t=t,
                channel=channel,
                segment=segment[who],
                stage=stage[who].copy(),
                intent=intent[who].copy(),
                resolved=resolved,
                wait=wait,
                abandoned=abandoned,
                handle=np.full(who.size, -1, np.int32),
                satisfaction=np.zeros(who.size, np.int8),
            )
        )
        t_last[who] = t
        has_prev[who] = True
        prev_resolved[who] = resolved
        prev_channel[who] = channel
        active = who
    contacts = _Contacts.concat(parts) if parts else _empty()
    contacts.permute(np.argsort(contacts.customer, kind="stable"))  # keeps time order
    return contacts.take(contacts.t >= 0)  # drop the warm-up


def _anonymous(rng: np.random.Generator, cal: _Calendar, count: int) -> _Contacts:
    """``count`` single-contact journeys of unknown customers, spread like the rest."""
    segment = _draw(rng, np.broadcast_to(_CUM_SEGMENT, (count, _NS))).astype(np.int8)
    intent = _draw_from(rng, _CUM_INTENT, segment)
    stage = _draw_from(rng, _CUM_STAGE, intent)
    cell = (segment.astype(np.int64) * _NI + intent) * _NT + stage
    channel = _draw_from(rng, _CUM_CHANNEL, cell)
    t = np.empty(count)
    pending = np.arange(count)
    for _ in range(_MAX_ROUNDS * 10):
        if pending.size == 0:
            break
        ch = channel[pending]
        cand = rng.random((pending.size, _CANDIDATES)) * cal.end
        accept = rng.random(cand.shape) * cal.wmax[ch][:, None] < cal.at(ch[:, None], cand)
        found, first = _first_accepted(accept)
        t[pending[found]] = cand[found, first[found]]
        pending = pending[~found]
    t[pending] = 0.0
    code = channel.astype(np.int64)
    wait, abandoned = _queue(rng, cal, code, t)
    return _Contacts(
        customer=np.zeros(count, dtype=np.int64),
        t=t,
        channel=channel,
        segment=segment,
        stage=stage,
        intent=intent,
        resolved=_resolve(rng, code, intent, abandoned),
        wait=wait,
        abandoned=abandoned,
        handle=np.full(count, -1, np.int32),
        satisfaction=np.zeros(count, np.int8),
    )


def _empty() -> _Contacts:
    return _Contacts(
        customer=np.empty(0, np.int64),
        t=np.empty(0),
        channel=np.empty(0, np.int8),
        segment=np.empty(0, np.int8),
        stage=np.empty(0, np.int8),
        intent=np.empty(0, np.int8),
        resolved=np.empty(0, np.int8),
        wait=np.empty(0, np.int32),
        abandoned=np.empty(0, np.int8),
        handle=np.empty(0, np.int32),
        satisfaction=np.empty(0, np.int8),
    )


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))


#: About 250 bytes of memory per row while generating: 50 million rows take ~12 GB.
MAX_ROWS = 50_000_000
MAX_DAYS = 3_660  # ten years of history


def check_options(rows: int, seed: int, start: date, days: int) -> None:
    """Refuse sizes that would exhaust memory, and days that cx would not read back (every
    timestamp lies from 1980 to 2099, §3), with the allowed range."""
    bounds = {"rows": (rows, 0, MAX_ROWS), "seed": (seed, 0, MAX_SEED), "days": (days, 1, MAX_DAYS)}
    for name, (value, low, high) in bounds.items():
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InputError(f"{name} {value!r} is not a whole number from {low:,} to {high:,}")
    if not isinstance(start, date):
        raise InputError(f"start {start!r} is not a date", hint="write YYYY-MM-DD")
    earliest, end = EARLIEST_TIMESTAMP.date(), LATEST_TIMESTAMP.date()
    if not earliest <= start < end or (end - start).days < days:
        raise InputError(
            f"{counted(days, 'day')} from {start} "
            f"{plural(days, 'is', 'are')} not all within {earliest} to "
            f"{end - timedelta(1)}, the days cx reads timestamps in",
            hint="choose an earlier start or fewer days"
            if start >= earliest
            else f"start on {earliest} or later",
        )


def _simulate(
    rows: int, seed: int, start: date, days: int, progress: Progress = SILENT
) -> _Contacts:
    """All contacts, sorted by time, customers numbered 1.. in order of creation; each
    batch drawn advances ``progress`` by its contacts."""
    check_options(rows, seed, start, days)
    cal = _Calendar.build(start, days)
    anonymous = round(rows * ANONYMOUS_SHARE)
    wanted = rows - anonymous
    parts: list[_Contacts] = []
    have = 0
    batch = 0
    while have < wanted:
        rng = _rng(seed, batch + 1)
        part = _customers(rng, cal, batch * _BATCH_CUSTOMERS + 1, _BATCH_CUSTOMERS)
        part = part.take(slice(0, wanted - have))  # whole customers, the last one cut short
        _finish(rng, part)
        parts.append(part)
        have += len(part)
        batch += 1
        progress.advance(len(part))
    # dense customer numbers 1..n in order of creation (parts are ordered by customer)
    first = 1
    for part in parts:
        if len(part):
            new = np.empty(len(part), dtype=bool)
            new[0] = True
            np.not_equal(part.customer[1:], part.customer[:-1], out=new[1:])
            part.customer = np.cumsum(new, dtype=np.int64) + (first - 1)
            first = int(part.customer[-1]) + 1
    rng = _rng(seed, 0)
    anon = _anonymous(rng, cal, anonymous)  # customer 0
    anon.t = np.floor(anon.t)
    _finish(rng, anon)
    parts.append(anon)
    progress.advance(len(anon))
    contacts = _Contacts.concat(parts)
    contacts.permute(np.argsort(contacts.t, kind="stable"))
    return contacts


# --------------------------------------------------------------------------- output


def _frame(c: _Contacts, start: date, width: int) -> pl.DataFrame:
    """Canonical columns (strings, Int64, Boolean) for a slice of contacts."""
    origin = (start - date(1970, 1, 1)).days * _DAY_S  # naive wall-clock seconds
    raw = pl.DataFrame(
        {
            "customer": c.customer,
            "t": c.t.astype(np.int64) + origin,
            "channel": c.channel.astype(np.uint32),
            "segment": c.segment.astype(np.uint32),
            "stage": c.stage.astype(np.uint32),
            "intent": c.intent.astype(np.uint32),
            "handle": c.handle,
            "resolved": c.resolved,
            "wait": c.wait,
            "abandoned": c.abandoned,
            "satisfaction": c.satisfaction,
        }
    )

    def names(column: str, values: tuple[str, ...]) -> pl.Expr:
        return pl.lit(pl.Series(values, dtype=pl.String)).gather(pl.col(column)).alias(column)

    def optional(column: str, name: str, empty: int) -> pl.Expr:
        col = pl.col(column)
        return pl.when(col != empty).then(col.cast(pl.Int64)).otherwise(None).alias(name)

    return raw.select(
        pl.when(pl.col("customer") == 0)
        .then(pl.lit(ANONYMOUS_ID))
        .otherwise(pl.lit("C") + pl.col("customer").cast(pl.String).str.zfill(width))
        .alias("customer_id"),
        pl.from_epoch("t", time_unit="s").dt.strftime(TIMESTAMP_FORMAT).alias("timestamp"),
        names("channel", CHANNELS),
        names("segment", SEGMENTS),
        names("stage", STAGES),
        names("intent", INTENTS),
        optional("handle", "handle_time", -1),
        (pl.col("resolved") == 1).alias("resolved"),
        optional("wait", "wait_time", -1),
        pl.when(pl.col("abandoned") >= 0)
        .then(pl.col("abandoned") == 1)
        .otherwise(None)
        .alias("abandoned"),
        optional("satisfaction", "satisfaction", 0),
    )


def _width(c: _Contacts) -> int:
    return max(6, len(str(int(c.customer.max())))) if len(c) else 6


def _chunks(contacts: _Contacts) -> list[_Contacts]:
    """Consecutive slices (views) of at most _WRITE_CHUNK rows; one (empty) at least."""
    starts = range(0, max(len(contacts), 1), _WRITE_CHUNK)
    return [contacts.take(slice(first, first + _WRITE_CHUNK)) for first in starts]


def generate_interactions(
    rows: int, seed: int = 0, start: date = date(2024, 1, 1), days: int = 365
) -> pl.DataFrame:
    """``rows`` synthetic contacts over ``days`` days from ``start``, sorted by timestamp.

    Same arguments, same frame. Columns are ``COLUMNS``: strings for ids, the ISO
    timestamp and the dimensions; Int64 for handle_time, wait_time and satisfaction;
    Boolean for resolved and abandoned; empty fields are null.
    """
    contacts = _simulate(rows, seed, start, days)
    width = _width(contacts)
    frames = [_frame(part, start, width) for part in _chunks(contacts)]
    return pl.concat(frames, rechunk=False) if len(frames) > 1 else frames[0]


#: What :func:`write_interactions` writes by the output's suffix: CSV (also without one,
#: or with a suffix that names no format), gzip CSV, Parquet.
GENERATED_SUFFIXES = (".csv", ".txt", ".gz", *PARQUET_SUFFIXES)


def check_output_name(path: Path) -> None:
    """Refuse a file name that says a format other than the one it would be written in
    (CSV text in ``out.xlsx``, or in ``out.parquet.csv``)."""
    suffix, named = path.suffix.lower(), named_format(path.name)
    if named not in (None, suffix, ".csv", ".txt"):
        raise UsageError(
            f"the name says {named} but ends in {path.suffix}: cx generate writes by the "
            "last suffix, so it would write CSV",
            hint=f"name it {bare_name(path.name)}{named}, and rename it afterwards if you "
            "need to",
        )
    if named == suffix and suffix not in GENERATED_SUFFIXES:
        raise UsageError(
            f"cx generate writes CSV, gzip CSV or Parquet, not {path.suffix}",
            hint="name the file .csv, .csv.gz or .parquet",
        )


def write_interactions(
    path: str | os.PathLike[str],
    rows: int,
    seed: int = 0,
    start: date = date(2024, 1, 1),
    days: int = 365,
    progress: Progress | None = None,
) -> None:
    """Write ``generate_interactions(rows, seed, start, days)`` in the format ``path``
    names, as cx reads data files: Parquet for ``.parquet`` or ``.pq``, gzip-compressed
    CSV for ``.gz``, else CSV with a header; a name that says another format
    (``out.xlsx``) is refused, as ``cx generate`` refuses it.

    Strings are built and written in chunks, so memory stays at ~30 bytes per row (a
    Parquet file is written whole); the file is written to a temporary name beside
    ``path`` and renamed when complete. Drawing the contacts and writing them are steps
    of ``progress``, counted in rows. Same arguments, same bytes.
    """
    target = require_path(path, "path")
    check_output_name(target)
    progress = require_progress(progress)
    check_options(rows, seed, start, days)
    suffix = target.suffix.lower()
    with atomic_path(target) as temporary:
        if suffix in PARQUET_SUFFIXES:
            with progress.step(f"drawing {rows:,} contacts"):
                frame = generate_interactions(rows, seed, start, days)
            with progress.step(f"writing {rows:,} contacts"):
                frame.write_parquet(temporary)
            return
        with temporary.open("wb") as out:
            if suffix != ".gz":
                write_interactions_to(out, rows, seed, start, days, progress)
                return
            # No name or time in the header: the same arguments give the same bytes.
            with gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as packed:
                write_interactions_to(packed, rows, seed, start, days, progress)  # type: ignore[arg-type]


def write_interactions_to(
    out: BinaryIO,
    rows: int,
    seed: int = 0,
    start: date = date(2024, 1, 1),
    days: int = 365,
    progress: Progress | None = None,
) -> None:
    """:func:`write_interactions` to an open binary stream (stdout, for one)."""
    progress = require_progress(progress)
    check_options(rows, seed, start, days)
    with progress.step(f"drawing {rows:,} contacts", total=rows):
        contacts = _simulate(rows, seed, start, days, progress)
    width = _width(contacts)
    with progress.step(f"writing {rows:,} contacts", total=rows):
        for index, part in enumerate(_chunks(contacts)):
            _frame(part, start, width).write_csv(out, include_header=index == 0)
            progress.advance(len(part))
