"""The gaps real exports have (`ccw generate --sparse`, docs/SAMPLE_DATA.md "Sparse exports").

Many systems do not export every optional column of the contract, or export it empty, and
emit codes the complete sample never uses. With --sparse the generator writes them:

  telephony_calls   by the day of the file (its date's ordinal modulo 3): no ivr_seconds,
                    hold_seconds and acw_seconds columns at all; the columns present but empty;
                    complete. In every file a share of the abandoned calls has no queue wait
                    (the export does not know how long the caller waited), and a share of the
                    calls that ended in the IVR are IVR hang-ups (`ivr_abandoned`).
  tickets           a share opened from a call or a chat (channel `phone`, `chat`) and a share
                    deleted or merged (status `deleted`, `merged`).
  surveys           every other day's file has no responded_at column.
  gl_journal_lines  the lines of LEDGER_WITHOUT_COST_CENTER carry no cost centre: rent and
                    energy (accounts with a default_cost_pool in the shipped account_mapping)
                    and onboarding training on the overhead cost centre (an account without one).

The gaps are made before defects are injected (--defect-rate): a defect never lands in a value
the gaps emptied, and an absent column is dropped only after. Each source draws from its own
random stream, so the complete sample (without --sparse) is byte for byte what it was.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

# calls: the columns a third of the files leave out and another third leave empty
CALL_DURATIONS_LEFT_OUT = ("ivr_seconds", "hold_seconds", "acw_seconds")
ABANDONED_WITHOUT_WAIT = 0.4  # share of abandoned calls whose queue_seconds is empty
IVR_HANG_UPS = 0.25  # share of the calls ended in the IVR that are ivr_abandoned, not self-served
TICKETS_FROM_PHONE_OR_CHAT = 0.05  # share of tickets with channel phone or chat
TICKETS_DELETED_OR_MERGED = 0.03  # share of tickets with status deleted or merged
# (account, cost centre) of the ledger lines written without a cost centre
LEDGER_WITHOUT_COST_CENTER = (("6400", "CC4900"), ("6410", "CC4900"), ("6100", "CC4900"))


def _column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False).astype(object)


def _set(table: pa.Table, name: str, values: np.ndarray) -> pa.Table:
    return table.set_column(table.column_names.index(name), name, pa.array(values, type=pa.string()))


def _some(rng: np.random.Generator, where: np.ndarray, share: float) -> np.ndarray:
    """A random `share` of the rows where `where` is true."""
    return where & (rng.random(len(where)) < share)


def _calls(rng: np.random.Generator, date: dt.date, table: pa.Table) -> tuple[pa.Table, list[str]]:
    outcome = _column(table, "outcome")
    queue = _column(table, "queue_seconds")
    queue[_some(rng, outcome == "abandoned", ABANDONED_WITHOUT_WAIT)] = None
    outcome[_some(rng, outcome == "ivr_self_served", IVR_HANG_UPS)] = "ivr_abandoned"
    table = _set(_set(table, "queue_seconds", queue), "outcome", outcome)
    form = date.toordinal() % 3  # 0: columns left out, 1: present but empty, 2: complete
    if form == 2:
        return table, []
    for name in CALL_DURATIONS_LEFT_OUT:
        table = _set(table, name, np.full(table.num_rows, None, dtype=object))
    return table, list(CALL_DURATIONS_LEFT_OUT) if form == 0 else []


def _tickets(rng: np.random.Generator, table: pa.Table) -> pa.Table:
    n = table.num_rows
    channel = _column(table, "channel")
    moved = _some(rng, np.ones(n, bool), TICKETS_FROM_PHONE_OR_CHAT)
    channel[moved] = rng.choice(np.array(["phone", "chat"], dtype=object), int(moved.sum()))
    status = _column(table, "status")
    gone = _some(rng, np.ones(n, bool), TICKETS_DELETED_OR_MERGED)
    status[gone] = rng.choice(np.array(["deleted", "merged"], dtype=object), int(gone.sum()))
    return _set(_set(table, "channel", channel), "status", status)


def _ledger(table: pa.Table) -> pa.Table:
    account, center = _column(table, "account_code"), _column(table, "cost_center")
    blank = np.array(
        [(a, c) in LEDGER_WITHOUT_COST_CENTER for a, c in zip(account, center, strict=True)], bool
    )
    center[blank] = None
    return _set(table, "cost_center", center)


def make_gaps(
    rng: np.random.Generator, source: str, date: dt.date, table: pa.Table
) -> tuple[pa.Table, list[str]]:
    """The file's table with its gaps, and the columns the file leaves out (dropped once defects
    are injected: until then they are empty)."""
    if source == "telephony_calls":
        return _calls(rng, date, table)
    if source == "tickets":
        return _tickets(rng, table), []
    if source == "surveys" and date.toordinal() % 2 == 0:
        return _set(table, "responded_at", np.full(table.num_rows, None, dtype=object)), ["responded_at"]
    if source == "gl_journal_lines":
        return _ledger(table), []
    return table, []
