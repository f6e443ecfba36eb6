"""Contract defects for testing the warehouse's quarantine: exactly one broken rule per chosen row.

Rows are chosen per file deterministically; a running remainder carries the
fraction over files so the total is round(rate x rows). Every defect is listed
in the manifest (file, 1-based data row, rule, column). A duplicate_id defect
adds a second row with the same key (and the same updated_at, if the source has
one) but different content right after the original; both rows are listed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from orchestration.contract import SOURCES

RULES = (
    "missing_required",
    "unparseable_type",
    "unknown_code",
    "negative_duration",
    "end_before_start",
    "duplicate_id",
    "unknown_currency",
    "future_timestamp",
)
DURATIONS = {
    "telephony_calls": ("ivr_seconds", "queue_seconds", "talk_seconds", "hold_seconds", "acw_seconds"),
    "tickets": ("handle_seconds",),
    "chats": ("wait_seconds", "handle_seconds"),
    "agent_activity": ("seconds",),
}
END_START = {"tickets": ("solved_at", "created_at"), "chats": ("ended_at", "started_at")}
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


def applicable(source: str) -> list[str]:
    src = SOURCES[source]
    rules = ["missing_required", "unparseable_type"]
    if any(c.codes for c in src.columns):
        rules.append("unknown_code")
    if source in DURATIONS:
        rules.append("negative_duration")
    if source in END_START:
        rules.append("end_before_start")
    rules.append("duplicate_id")
    if source == "gl_journal_lines":
        rules.append("unknown_currency")
    rules.append("future_timestamp")
    return rules


class Injector:
    def __init__(self, rate: float):
        self.rate = rate
        self.carry = 0.0
        self.entries: list[tuple[str, str, int, str, str]] = []

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
        table, rows = inject(rng, source, table, k)
        self.carry += k - len(rows)
        for row, rule, col in rows:
            self.entries.append((source, file_name, row, rule, col))
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


def inject(rng: np.random.Generator, source: str, table: pa.Table, k: int):
    src = SOURCES[source]
    n = table.num_rows
    cols = {
        name: table.column(name).to_numpy(zero_copy_only=False).astype(object) for name in src.column_names
    }
    rules = applicable(source)
    picked = rng.choice(n, size=k, replace=False)
    rule_of = np.array(rules, dtype=object)[rng.integers(0, len(rules), k)]
    # a duplicate lists two rows: keep picks while the manifest entries stay within the budget k
    cost = np.where(rule_of == "duplicate_id", 2, 1)
    keep = np.cumsum(cost) <= k
    picked, rule_of = picked[keep], rule_of[keep]
    order = np.argsort(picked)
    rows, rule_of = picked[order], rule_of[order]
    listed: list[
        tuple[int, str, str]
    ] = []  # (0-based original row, rule, column); dup rows marked with -1-row
    dups: list[int] = []
    typed = [c for c in src.columns if c.type != "string"]
    for r, rule in zip(rows.tolist(), rule_of.tolist(), strict=True):
        col = None
        if rule == "end_before_start":
            end_c, start_c = END_START[source]
            if cols[end_c][r] is None:
                rule = "missing_required"
            else:
                cols[end_c][r] = _shift_back(cols[end_c][r], cols[start_c][r], rng)
                col = end_c
        if rule == "negative_duration":
            choices = DURATIONS[source]
            c = choices[int(rng.integers(len(choices)))]
            if cols[c][r] is None:
                c = next((x for x in choices if cols[x][r] is not None), None)
            if c is None:
                rule = "missing_required"
            else:
                v = int(cols[c][r])
                cols[c][r] = str(-v if v > 0 else -int(rng.integers(1, 300)))
                col = c
        if rule == "unknown_code":
            choices = [c.name for c in src.columns if c.codes]
            col = choices[int(rng.integers(len(choices)))]
            cols[col][r] = BAD_CODES.get(col, "unknown")
        if rule == "unknown_currency":
            col = "currency"
            cols[col][r] = "XXX"
        if rule == "future_timestamp":
            col = FUTURE[source]
            v = cols[col][r]
            cols[col][r] = ("2099" + v[4:]).replace("2099-02-29", "2099-02-28") if v else "2099-01-01"
        if rule == "unparseable_type":
            choices = [c for c in typed if cols[c.name][r] is not None]
            c = choices[int(rng.integers(len(choices)))]
            v = cols[c.name][r]
            col = c.name
            if c.type == "integer":
                cols[col][r] = f"{v}x"
            elif c.type == "decimal":
                cols[col][r] = f"{v}x"
            elif c.type == "boolean":
                cols[col][r] = "maybe"
            elif c.type == "date":
                cols[col][r] = "2026-13-45"
            else:
                cols[col][r] = _bad_time(v)
        if rule == "missing_required":
            choices = [c for c in src.required_columns if cols[c][r] is not None]
            col = choices[int(rng.integers(len(choices)))]
            cols[col][r] = None
        if rule == "duplicate_id":
            col = src.key[0]
            dups.append(r)
        listed.append((r, rule, col))

    # rebuild, with the duplicates right after their originals
    order = np.arange(n)
    if dups:
        order = np.sort(np.concatenate([order, np.array(dups)]), kind="stable")
    is_dup = np.zeros(len(order), bool)
    if dups:
        is_dup[1:] = order[1:] == order[:-1]
    out_cols = {}
    for name in src.column_names:
        v = cols[name][order]
        if dups and name == DUP_CHANGE[source]:
            v = v.copy()
            for i in np.nonzero(is_dup)[0]:
                v[i] = _different(name, v[i])
        out_cols[name] = pa.array(v, type=pa.string())
    new_pos = {}
    for pos, (orig, d) in enumerate(zip(order.tolist(), is_dup.tolist(), strict=True)):
        if not d:
            new_pos[orig] = pos
    entries = []
    for r, rule, col in listed:
        entries.append((new_pos[r] + 1, rule, col))
        if rule == "duplicate_id":
            entries.append((new_pos[r] + 2, rule, col))
    entries.sort()
    return pa.table(out_cols), entries


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
