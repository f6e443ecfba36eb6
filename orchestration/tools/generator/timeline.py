"""Calendar and clock: business days in a timezone, arrival times, timestamp text.

Instants are int64 seconds since the Unix epoch (UTC); NULL marks a missing one.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NULL = np.iinfo(np.int64).min
EPOCH = dt.date(1970, 1, 1)


def rng_for(seed: int, day: dt.date | int, stream: int) -> np.random.Generator:
    """An independent, reproducible random stream per (seed, day, purpose)."""
    ordinal = day.toordinal() if isinstance(day, dt.date) else int(day)
    return np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, ordinal, stream]))


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[int, int]:
    """(UTC epoch seconds of local midnight, length of the local day in seconds: 82800/86400/90000)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    s = int(start.timestamp())
    return s, int(end.timestamp()) - s


def sample_times(
    rng: np.random.Generator, n: int, hourly: np.ndarray, day_start: int, day_len: int
) -> np.ndarray:
    """n arrival instants in one local day following an hour-of-day profile."""
    p = hourly / hourly.sum()
    hours = rng.choice(24, size=n, p=p)
    secs = (hours * 3600 + rng.integers(0, 3600, size=n)).astype(np.int64)
    if day_len != 86400:  # DST change day: stretch the clock so every arrival stays in the local day
        secs = secs * day_len // 86400
    return day_start + secs


def to_local(utc: np.ndarray, tz: ZoneInfo) -> np.ndarray:
    """Naive local wall-clock seconds for UTC instants (NULL stays NULL)."""
    utc = np.asarray(utc, dtype=np.int64)
    mask = utc == NULL
    safe = np.where(mask, 0, utc)
    idx = pd.DatetimeIndex(safe.astype("datetime64[s]")).tz_localize("UTC").tz_convert(tz).tz_localize(None)
    local = idx.as_unit("s").asi8.astype(np.int64)
    return np.where(mask, NULL, local)


def _ts_text(seconds: np.ndarray) -> pa.Array:
    seconds = np.asarray(seconds, dtype=np.int64)
    arr = pa.array(seconds, mask=seconds == NULL, type=pa.int64()).cast(pa.timestamp("s"))
    return pc.replace_substring(pc.cast(arr, pa.string()), " ", "T")


def fmt_utc_z(utc: np.ndarray) -> pa.Array:
    """`2026-11-21T14:03:12Z`"""
    return pc.binary_join_element_wise(_ts_text(utc), pa.scalar("Z"), "")


def fmt_local(utc: np.ndarray, tz: ZoneInfo) -> pa.Array:
    """`2026-11-21T09:03:12` (business time, no offset).

    A wall-clock time that occurs twice (the hour repeated when DST ends) names
    no single instant; a system that exports local time has to add the offset
    there, and so does the generator: such values are written as fmt_offset
    (the contract allows both styles in one file).
    """
    utc = np.asarray(utc, dtype=np.int64)
    local = to_local(utc, tz)
    known = utc != NULL
    ambiguous = known & (
        (to_local(np.where(known, utc + 3600, NULL), tz) == local)
        | (to_local(np.where(known, utc - 3600, NULL), tz) == local)
    )
    if not ambiguous.any():
        return _ts_text(local)
    return pc.if_else(pa.array(ambiguous), fmt_offset(utc, tz), _ts_text(local))


def fmt_offset(utc: np.ndarray, tz: ZoneInfo) -> pa.Array:
    """`2026-11-21T09:03:12-05:00` (business time with its UTC offset, DST aware)"""
    utc = np.asarray(utc, dtype=np.int64)
    local = to_local(utc, tz)
    off = np.where(utc == NULL, 0, local - utc)
    uniq, inv = np.unique(off, return_inverse=True)
    labels = []
    for o in uniq:
        sign = "+" if o >= 0 else "-"
        a = abs(int(o))
        labels.append(f"{sign}{a // 3600:02d}:{a % 3600 // 60:02d}")
    suffix = pa.array(np.array(labels, dtype=object)[inv], type=pa.string())
    return pc.binary_join_element_wise(_ts_text(local), suffix, "")


def local_date_ordinal(utc: np.ndarray, tz: ZoneInfo) -> np.ndarray:
    """Proleptic ordinal of the local calendar date (as date.toordinal())."""
    local = to_local(utc, tz)
    return local // 86400 + EPOCH.toordinal()
