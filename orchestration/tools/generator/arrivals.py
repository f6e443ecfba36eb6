"""Arrivals: how many contacts a day brings, on which channel, for which reason, when, from whom.

A day's volume is drawn around contacts_per_day x the weekday factor. Part of
it is repeat contacts scheduled by earlier days (the same customer coming back
within 1-7 days); the rest is first contacts, whose channel mix is adjusted so
that the day's total mix (first + repeat contacts) stays on CHANNEL_MIX.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import constants as K
from .people import sample_customers
from .timeline import sample_times


@dataclass
class Arrivals:
    channel: np.ndarray  # int8, constants.INBOUND...
    reason: np.ndarray  # int8 index into REASONS
    customer: np.ndarray  # int64, -1 = anonymous
    t: np.ndarray  # int64 UTC epoch seconds
    repeat: np.ndarray  # bool: this contact repeats an earlier one

    def __len__(self) -> int:
        return len(self.channel)

    def take(self, idx) -> Arrivals:
        return Arrivals(
            self.channel[idx], self.reason[idx], self.customer[idx], self.t[idx], self.repeat[idx]
        )


@dataclass
class Pending:
    """Repeat contacts planned for a later day (time of day is drawn on that day)."""

    channel: np.ndarray
    reason: np.ndarray
    customer: np.ndarray

    @staticmethod
    def concat(parts: list[Pending]) -> Pending:
        if not parts:
            e = np.array([], dtype=np.int64)
            return Pending(e.astype(np.int8), e.astype(np.int8), e)
        return Pending(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in ("channel", "reason", "customer"))
        )


def day_volume(rng: np.random.Generator, contacts_per_day: int, weekday: int) -> int:
    lam = contacts_per_day * K.WEEKDAY_FACTOR[weekday] * rng.normal(1.0, 0.03)
    return int(rng.poisson(max(lam, 0.0)))


def sample_reasons(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    u = rng.random(len(channel))
    cdf = np.cumsum(K.REASON_MIX, axis=1)[channel]
    return (u[:, None] > cdf).sum(axis=1).clip(0, len(K.REASONS) - 1).astype(np.int8)


def times_by_channel(rng, channel: np.ndarray, day_start: int, day_len: int) -> np.ndarray:
    t = np.empty(len(channel), dtype=np.int64)
    for c in range(len(K.CHANNEL_NAMES)):
        m = channel == c
        if m.any():
            t[m] = sample_times(rng, int(m.sum()), K.CHANNEL_HOURLY[c], day_start, day_len)
    return t


def day_arrivals(
    rng: np.random.Generator, total: int, due: Pending, day_start: int, day_len: int, base: int
) -> Arrivals:
    n_rep = len(due.channel)
    n_new = max(total - n_rep, 0)
    rep_counts = np.bincount(due.channel, minlength=len(K.CHANNEL_NAMES))
    want = np.maximum(K.CHANNEL_MIX * (n_new + n_rep) - rep_counts, 0.0)
    p = want / want.sum() if want.sum() > 0 else K.CHANNEL_MIX
    channel = rng.choice(len(K.CHANNEL_NAMES), size=n_new, p=p).astype(np.int8)
    reason = sample_reasons(rng, channel)
    customer = sample_customers(rng, n_new, base)
    anon = rng.random(n_new) < K.ANONYMOUS_SHARE[channel]
    customer = np.where(anon, -1, customer)
    channel = np.concatenate([channel, due.channel.astype(np.int8)])
    reason = np.concatenate([reason, due.reason.astype(np.int8)])
    customer = np.concatenate([customer, due.customer])
    repeat = np.concatenate([np.zeros(n_new, bool), np.ones(n_rep, bool)])
    t = times_by_channel(rng, channel, day_start, day_len)
    return Arrivals(channel, reason, customer, t, repeat)


def plan_repeats(
    rng: np.random.Generator, channel: np.ndarray, reason: np.ndarray, customer: np.ndarray, p: np.ndarray
) -> tuple[dict[int, Pending], np.ndarray]:
    """Draw which contacts are followed by another one: ({days later: Pending}, mask of repeated contacts)."""
    go = (customer >= 0) & (rng.random(len(channel)) < p)
    idx = np.nonzero(go)[0]
    if len(idx) == 0:
        return {}, go
    src = channel[idx]
    cdf = np.cumsum(K.REPEAT_CHANNEL, axis=1)[src]
    cdf = cdf / cdf[:, -1:]
    to = (rng.random(len(idx))[:, None] > cdf).sum(axis=1).clip(0, len(K.CHANNEL_NAMES) - 1).astype(np.int8)
    new_reason = sample_reasons(rng, to)
    same = rng.random(len(idx)) < K.REPEAT_SAME_REASON
    rsn = np.where(same, reason[idx], new_reason).astype(np.int8)
    later = rng.choice(np.arange(1, 8), size=len(idx), p=K.REPEAT_DELAY_DAYS)
    out = {}
    for d in np.unique(later):
        m = later == d
        out[int(d)] = Pending(to[m], rsn[m], customer[idx][m])
    return out, go
