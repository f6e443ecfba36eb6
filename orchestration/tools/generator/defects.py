"""Contract defects for testing the warehouse's quarantine: exactly one broken rule per chosen row.

Rows are chosen per file deterministically; a running remainder carries the
fraction over files so the total is round(rate x rows). Every defect is listed
in the manifest (file, 1-based data row, rule, column). A duplicate_id defect
adds a second row with the same key (and the same updated_at, if the source has
one) but different content right after the original; both rows are listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.contract import SOURCES, Source

# the column a future_timestamp defect moves to 2099 (sources without one do not get that defect)
FUTURE = {
    "telephony_calls": "started_at",
    "tickets": "created_at",
    "chats": "started_at",
    "self_service_sessions": "started_at",
    "surveys": "responded_at",
    "agent_activity": "activity_date",
    "gl_journal_lines": "posting_date",
}
BAD_CODES = {
    "direction": "internal",
    "outcome": "dropped",
    "channel": "fax",
    "status": "escalated",
    "interaction_source": "social_media",
    "state": "lunch",
}
# the column changed in the second row of a duplicate (not part of the key, not updated_at)
DUP_CHANGE = {
    "telephony_calls": "talk_seconds",
    "tickets": "status",
    "chats": "outcome",
    "self_service_sessions": "completed",
    "surveys": "csat",
    "agent_activity": "seconds",
    "gl_journal_lines": "amount",
}


def _durations(src: Source) -> list[str]:
    return [c.name for c in src.columns if c.is_duration]


def applicable(source: str) -> list[str]:
    """The rules a row of this source can be made to break, in the order a rule is drawn from."""
    src = SOURCES[source]
    rules = ["missing_required", "unparseable_type"]
    if any(c.codes for c in src.columns):
        rules.append("unknown_code")
    if _durations(src):
        rules.append("negative_duration")
    if src.end_before_start:
        rules.append("end_before_start")
    rules.append("duplicate_id")
    if src.unknown_currency:
        rules.append("unknown_currency")
    rules.append("future_timestamp")
    return rules


@dataclass(frozen=True)
class Defect:
    """A broken row: its 1-based data row in the file (0-based in the table before rebuilding),
    the rule it breaks and the column."""

    row: int
    rule: str
    column: str


class Injector:
    def __init__(self, rate: float):
        self.rate = rate
        self.carry = 0.0
        self.entries: list[tuple[str, str, int, str, str]] = []  # (source, file, row, rule, column)

    def how_many(self, n: int) -> int:
        want = self.rate * n + self.carry
        k = int(np.floor(want + 1e-9))
        self.carry = want - k
        return min(k, n)

    def apply(self, rng: np.random.Generator, source: str, file_name: str, table: pa.Table) -> pa.Table:
        n = table.num_rows
        k = self.how_many(n)
        if k == 0 or self.rate <= 0:
            return table
        table, defects = inject(rng, source, table, k)
        self.carry += k - len(defects)
        self.entries += [(source, file_name, d.row, d.rule, d.column) for d in defects]
        return table


def _bad_time(v: str) -> str:
    # keeps the style: 2026-13-45T25:61:00 (+ whatever followed the seconds)
    return "2026-13-45" + ("T25:61:00" + v[19:] if len(v) > 10 else "")


def _shift_back(end: str, start: str, rng) -> str:
    """An end value before start, in start's text style."""
    s = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
    e = s - dt.timedelta(seconds=int(rng.integers(600, 48 * 3600)))
    txt = e.replace(tzinfo=None).isoformat(timespec="seconds")
    return txt + start[19:]


@dataclass
class _Row:
    """Row `r` of a table being broken: the columns (object arrays, changed in place)."""

    src: Source
    cols: dict[str, np.ndarray]
    r: int
    rng: np.random.Generator

    def value(self, column: str):
        return self.cols[column][self.r]

    def set(self, column: str, value) -> str:
        self.cols[column][self.r] = value
        return column

    def pick(self, choices: list):
        return choices[int(self.rng.integers(len(choices)))]


# Each breaker breaks one rule in the row and returns the column, or None when the row
# cannot break it (the value it needs is empty): the row then gets missing_required.
def _end_before_start(row: _Row) -> str | None:
    pair = row.src.end_before_start[-1]  # tickets: solved_at (an unsolved ticket has none)
    if row.value(pair.end) is None:
        return None
    return row.set(pair.end, _shift_back(row.value(pair.end), row.value(pair.start), row.rng))


def _negative_duration(row: _Row) -> str | None:
    choices = _durations(row.src)
    column = row.pick(choices)
    if row.value(column) is None:
        column = next((x for x in choices if row.value(x) is not None), None)
    if column is None:
        return None
    v = int(row.value(column))
    return row.set(column, str(-v if v > 0 else -int(row.rng.integers(1, 300))))


def _unknown_code(row: _Row) -> str:
    column = row.pick([c.name for c in row.src.columns if c.codes])
    return row.set(column, BAD_CODES.get(column, "unknown"))


def _unknown_currency(row: _Row) -> str:
    return row.set(row.src.unknown_currency.currency, "XXX")


def _future_timestamp(row: _Row) -> str:
    column = FUTURE[row.src.name]
    v = row.value(column)
    return row.set(column, ("2099" + v[4:]).replace("2099-02-29", "2099-02-28") if v else "2099-01-01")


_UNPARSEABLE = {
    "integer": lambda v: f"{v}x",
    "decimal": lambda v: f"{v}x",
    "boolean": lambda v: "maybe",
    "date": lambda v: "2026-13-45",
    "timestamp": lambda v: _bad_time(v),
}


def _unparseable_type(row: _Row) -> str:
    column = row.pick([c for c in row.src.columns if c.type != "string" and row.value(c.name) is not None])
    return row.set(column.name, _UNPARSEABLE[column.type](row.value(column.name)))


def _missing_required(row: _Row) -> str:
    return row.set(row.pick([c for c in row.src.required_columns if row.value(c) is not None]), None)


def _duplicate_id(row: _Row) -> str:
    return row.src.key[0]  # the copy is added when the table is rebuilt


BREAKERS = {
    "end_before_start": _end_before_start,
    "negative_duration": _negative_duration,
    "unknown_code": _unknown_code,
    "unknown_currency": _unknown_currency,
    "future_timestamp": _future_timestamp,
    "unparseable_type": _unparseable_type,
    "missing_required": _missing_required,
    "duplicate_id": _duplicate_id,
}


def _pick(rng: np.random.Generator, rules: list[str], n: int, k: int) -> tuple[list[int], list[str]]:
    """k rows and a rule each, in row order. A duplicate lists two rows: picks are kept while the
    manifest entries stay within the budget k."""
    picked = rng.choice(n, size=k, replace=False)
    rule_of = np.array(rules, dtype=object)[rng.integers(0, len(rules), k)]
    cost = np.where(rule_of == "duplicate_id", 2, 1)
    keep = np.cumsum(cost) <= k
    picked, rule_of = picked[keep], rule_of[keep]
    order = np.argsort(picked)
    return picked[order].tolist(), rule_of[order].tolist()


def _rebuild(
    src: Source, cols: dict[str, np.ndarray], n: int, broken: list[Defect]
) -> tuple[pa.Table, list[Defect]]:
    """The table with each duplicate's copy right after its original (one column changed), and the
    defects with their 1-based rows in it."""
    dups = [d.row for d in broken if d.rule == "duplicate_id"]
    order = np.arange(n)
    is_dup = np.zeros(n, bool)
    if dups:
        order = np.sort(np.concatenate([order, np.array(dups)]), kind="stable")
        is_dup = np.zeros(len(order), bool)
        is_dup[1:] = order[1:] == order[:-1]
    out_cols = {}
    for name in src.column_names:
        v = cols[name][order]
        if dups and name == DUP_CHANGE[src.name]:
            v = v.copy()
            for i in np.nonzero(is_dup)[0]:
                v[i] = _different(name, v[i])
        out_cols[name] = pa.array(v, type=pa.string())
    new_pos = {
        orig: pos for pos, (orig, d) in enumerate(zip(order.tolist(), is_dup.tolist(), strict=True)) if not d
    }
    entries = []
    for d in broken:
        entries.append(Defect(new_pos[d.row] + 1, d.rule, d.column))
        if d.rule == "duplicate_id":
            entries.append(Defect(new_pos[d.row] + 2, d.rule, d.column))
    entries.sort(key=lambda e: (e.row, e.rule, e.column))
    return pa.table(out_cols), entries


def inject(rng: np.random.Generator, source: str, table: pa.Table, k: int) -> tuple[pa.Table, list[Defect]]:
    """Break k rows of the table (a duplicate counts twice), one rule each."""
    src = SOURCES[source]
    cols = {
        name: table.column(name).to_numpy(zero_copy_only=False).astype(object) for name in src.column_names
    }
    rows, rules = _pick(rng, applicable(source), table.num_rows, k)
    broken = []
    for r, rule in zip(rows, rules, strict=True):
        row = _Row(src, cols, r, rng)
        column = BREAKERS[rule](row)
        if column is None:
            rule, column = "missing_required", _missing_required(row)
        broken.append(Defect(r, rule, column))
    return _rebuild(src, cols, table.num_rows, broken)


def _different(column: str, value):
    if column in ("talk_seconds", "seconds"):
        return str(int(value or 0) + 37)
    if column == "amount":
        return f"{float(value or 0) + 100:.2f}"
    if column == "csat":
        return "1" if value != "1" else "5"
    if column == "completed":
        return "false" if value == "true" else "true"
    if column == "status":
        return "open" if value != "open" else "pending"
    if column == "outcome":
        return "abandoned" if value != "abandoned" else "answered"
    return value
