"""Customers and people: a deterministic customer base and fake but realistic personal data.

A customer is an integer index. Every attribute is a pure function of
(seed, index), so the same customer looks the same in every file and in every
call of the generator, without a table of millions of rows in memory.
Index layout: index % 100 < 2 -> large_enterprise, < 20 -> sme, else individual.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.contract import GEOGRAPHIES, SEGMENTS

LE, SME, IND = 0, 1, 2
SEGMENT_CONTACT_SHARE = np.array([0.10, 0.22, 0.68])  # share of contacts coming from each segment
_SEG_RESIDUES = ((0, 2), (2, 20), (20, 100))
CUSTOMERS_PER_DAILY_CONTACT = 100  # size of the base relative to contacts_per_day
ANON_OFFSET = 1 << 40  # indices above this are people who are not customers (unknown callers)

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Carlos Karen Daniel Lisa Matthew Nancy Anthony "
    "Betty Mark Sandra Luis Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle "
    "Kevin Carol Brian Amanda George Melissa Ana Deborah Wei Stephanie Omar Rebecca Jose Laura "
    "Ryan Sharon Jacob Cynthia Gary Kathleen Nicholas Amy Eric Angela Priya Shirley Jonathan "
    "Emma Hiroshi Maria Ahmed Olivia Sofia Noah"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres "
    "Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts "
    "Patel Chen Kim Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Kelly Howard "
    "Ward Cox Diaz Richardson Wood Watson Brooks"
).split()
COMPANY_WORDS = (
    "Logistics Dental Consulting Foods Builders Analytics Motors Pharma Media Outfitters Labs "
    "Bakery Partners Hospitality Engineering Realty Freight Clinic Studios Energy Textiles "
    "Security Solar Systems"
).split()
COMPANY_SUFFIX = ("Inc", "LLC", "Corp", "& Co", "Group", "Ltd")
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "hotmail.com", "proton.me")
COUNTRIES = ("US", "CA", "MX", "GB", "DE", "FR", "ES")
COUNTRY_P = np.array([0.90, 0.04, 0.02, 0.015, 0.01, 0.01, 0.005])
DIAL = {"US": "1", "CA": "1", "MX": "52", "GB": "44", "DE": "49", "FR": "33", "ES": "34"}
US_AREA = np.array([212, 646, 718, 917, 704, 980, 813, 727, 305, 404, 617, 215, 312, 202, 919, 407, 561, 732])
CA_AREA = np.array([416, 647, 514, 604, 613])


def mix(*parts) -> np.ndarray:
    """splitmix64 of the combined inputs (vectorised, uint64)."""
    x = np.zeros(np.broadcast(*[np.asarray(p) for p in parts]).shape, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for p in parts:
            x = x ^ np.asarray(p).astype(np.uint64)
            x = x + np.uint64(0x9E3779B97F4A7C15)
            z = x
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            x = z ^ (z >> np.uint64(31))
    return x


def unit(*parts) -> np.ndarray:
    """Uniform [0, 1) from a hash."""
    return (mix(*parts) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def base_size(contacts_per_day: int) -> int:
    return max(2000, int(contacts_per_day) * CUSTOMERS_PER_DAILY_CONTACT) // 100 * 100


def segment_of(idx: np.ndarray) -> np.ndarray:
    r = np.asarray(idx) % 100
    return np.where(r < 2, LE, np.where(r < 20, SME, IND)).astype(np.int8)


def sample_customers(rng: np.random.Generator, n: int, base: int) -> np.ndarray:
    """Customers of n contacts: large enterprises and SMEs contact far more often per customer."""
    seg = rng.choice(3, size=n, p=SEGMENT_CONTACT_SHARE)
    lo = np.array([r[0] for r in _SEG_RESIDUES])[seg]
    hi = np.array([r[1] for r in _SEG_RESIDUES])[seg]
    block = rng.integers(0, base // 100, size=n)
    return block * 100 + lo + (rng.random(n) * (hi - lo)).astype(np.int64)


def customer_id(idx: np.ndarray, seed: int) -> pa.Array:
    num = (np.asarray(idx, dtype=np.int64) * 48271 + (int(seed) % 9973) * 7919 + 1_000_003) % 100_000_000
    return pc.binary_join_element_wise("CU", pc.utf8_lpad(pc.cast(pa.array(num), pa.string()), 8, "0"), "")


def _pick(words, h: np.ndarray) -> pa.Array:
    return pc.take(
        pa.array(list(words), type=pa.string()), pa.array((h % np.uint64(len(words))).astype(np.int64))
    )


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _country_idx(idx, seed) -> np.ndarray:
    u = unit(seed, idx, 11)
    # large enterprises are more often foreign
    u = np.where(segment_of(idx) == LE, u * 0.7 + 0.3 * (u > 0.5), u)
    return np.searchsorted(np.cumsum(COUNTRY_P), u, side="right").clip(0, len(COUNTRIES) - 1)


def names(idx: np.ndarray, seed: int, salt: int = 1) -> tuple[pa.Array, pa.Array]:
    first = _pick(FIRST, mix(seed, idx, salt, 1))
    last = _pick(LAST, mix(seed, idx, salt, 2))
    return first, last


def customer_name(idx: np.ndarray, seed: int) -> pa.Array:
    idx = np.asarray(idx, dtype=np.int64)
    first, last = names(idx, seed)
    person = _join(first, " ", last)
    company = _join(
        last, " ", _pick(COMPANY_WORDS, mix(seed, idx, 3)), " ", _pick(COMPANY_SUFFIX, mix(seed, idx, 4))
    )
    # a few companies are written "Last, First & Partners" (needs CSV quoting)
    quoted = _join(last, ", ", first, " & Partners")
    company = pc.if_else(pa.array(unit(seed, idx, 5) < 0.08), quoted, company)
    return pc.if_else(pa.array(segment_of(idx) == IND), person, company)


def email(idx: np.ndarray, seed: int) -> pa.Array:
    idx = np.asarray(idx, dtype=np.int64)
    first, last = names(idx, seed)
    num = pc.cast(pa.array((mix(seed, idx, 6) % np.uint64(1000)).astype(np.int64)), pa.string())
    dom = _pick(EMAIL_DOMAINS, mix(seed, idx, 7))
    person = pc.utf8_lower(_join(first, ".", last, num, "@", dom))
    slug = pc.utf8_lower(_join(last, _pick(COMPANY_WORDS, mix(seed, idx, 3))))
    role = _pick(("billing", "accounts", "it", "office", "admin"), mix(seed, idx, 8))
    company = _join(role, "@", slug, num, ".com")
    return pc.if_else(pa.array(segment_of(idx) == IND), person, company)


def phone(idx: np.ndarray, seed: int) -> pa.Array:
    """E.164 numbers, e.g. +12125550147."""
    idx = np.asarray(idx, dtype=np.int64)
    cidx = _country_idx(idx, seed)
    nanp_mask = cidx <= 1  # US, CA
    local7 = (mix(seed, idx, 9) % np.uint64(8_000_000)).astype(np.int64) + 2_000_000
    a = mix(seed, idx, 10)
    us = US_AREA[(a % np.uint64(len(US_AREA))).astype(np.int64)]
    ca = CA_AREA[(a % np.uint64(len(CA_AREA))).astype(np.int64)]
    nanp = np.where(cidx == 1, ca, us) * 10_000_000 + local7
    intl = (mix(seed, idx, 12) % np.uint64(900_000_000)).astype(np.int64) + 100_000_000
    dial = np.array([int(DIAL[c]) for c in COUNTRIES], dtype=np.int64)[cidx]
    # country code and national number as one integer: 1 212 5550147 / 44 xxxxxxxxx
    scale = np.where(nanp_mask, 10_000_000_000, 1_000_000_000)
    number = dial * scale + np.where(nanp_mask, nanp, intl)
    return _join("+", pc.cast(pa.array(number), pa.string()))


def customers_table(idx: np.ndarray, seed: int) -> dict:
    """Columns of the customers snapshot for these customer indices."""
    idx = np.asarray(idx, dtype=np.int64)
    seg = segment_of(idx)
    cidx = _country_idx(idx, seed)
    country = np.asarray(COUNTRIES, dtype=object)[cidx]
    local = unit(seed, idx, 13) < np.where(seg == LE, 0.2, 0.55)
    geo = np.where(country != "US", GEOGRAPHIES[2], np.where(local, GEOGRAPHIES[0], GEOGRAPHIES[1])).astype(
        object
    )
    since0 = dt.date(2006, 1, 1).toordinal()
    span = dt.date(2023, 12, 31).toordinal() - since0
    since = since0 + (unit(seed, idx, 14) * span).astype(np.int64)
    since_txt = pa.array((since - dt.date(1970, 1, 1).toordinal()).astype(np.int32), type=pa.date32()).cast(
        pa.string()
    )
    return {
        "customer_id": customer_id(idx, seed),
        "segment": np.asarray(SEGMENTS, dtype=object)[seg],
        "country": country,
        "geography": geo,
        "customer_since": since_txt,
        "customer_name": customer_name(idx, seed),
        "email": email(idx, seed),
        "phone": phone(idx, seed),
    }
