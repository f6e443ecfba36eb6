"""Sample-data generator: a realistic landing directory for the contact-cost warehouse.

`generate()` simulates a customer-service organisation day by day (arrivals,
calls, tickets, chats, self-service, repeat contacts, surveys, agents and their
states) and writes the landing files of docs/DATA_CONTRACT.md, plus monthly
general-ledger journals sized from the simulated workload. What it simulates:
docs/SAMPLE_DATA.md. Deterministic for a seed; it only adds files. With `sparse`, the
exports have the gaps real ones have (sparse.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orchestration.contract import SOURCES, TICKET_STATUSES
from orchestration.landing.files import SAMPLE_MARKER

from . import constants as K
from . import interactions as I
from . import people, roster, surveys
from .arrivals import Pending, day_arrivals, day_volume, plan_repeats
from .defects import Injector
from .ledger import MonthDrivers, journal_lines
from .sparse import make_gaps
from .timeline import NULL, day_bounds, local_date_ordinal, rng_for
from .workforce import productive_share, staff_day
from .writer import to_table, write, write_chunks

log = logging.getLogger(__name__)

# The marker file of a generated landing directory (its data is synthetic: the run does not warn
# of the default PII salt). Constant, so that generating again changes no byte of it.
SAMPLE_NOTE = (
    "This landing directory was written by `ccw generate`: synthetic exports, no real person's data.\n"
    "Runs on it may hash with the default PII salt (CCW_PII_SALT unset) without a warning.\n"
    "Delete this file if real exports are ever delivered here.\n"
)

EVENT_SOURCES = ("telephony_calls", "tickets", "chats", "self_service_sessions", "surveys", "agent_activity")
ID_PREFIX = {
    "telephony_calls": "CALL",
    "tickets": "TKT",
    "chats": "CHAT",
    "self_service_sessions": "SSS",
    "surveys": "SRV",
}
# random streams per day
S_DAY, S_WORK, S_REPEAT, S_REDELIVER, S_SURVEY, S_PROBE = 1, 2, 3, 4, 5, 9
S_DEFECT = 100
S_SPARSE = 200


@dataclass
class GenerationSummary:
    rows_per_source: dict[str, int]
    files_written: int
    interactions: int
    seconds: float
    defects: int
    manifest_path: Path | None
    agents: int = 0
    customers: int = 0
    files: list[str] = field(default_factory=list)


def generate(
    out_dir: Path,
    start: dt.date,
    days: int,
    contacts_per_day: int,
    agents: int,
    seed: int,
    fmt: str = "csv",
    defect_rate: float = 0.0,
    business_timezone: str = "America/New_York",
    sparse: bool = False,
) -> GenerationSummary:
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be csv or parquet, not {fmt!r}")
    if days < 1 or contacts_per_day < 1 or agents < 1:
        raise ValueError("days, contacts_per_day and agents must be positive")
    if not 0.0 <= defect_rate <= 1.0:
        raise ValueError("defect_rate must be between 0 and 1")
    t0 = time.perf_counter()
    return _Run(
        Path(out_dir),
        start,
        days,
        contacts_per_day,
        agents,
        seed,
        fmt,
        defect_rate,
        ZoneInfo(business_timezone),
        sparse,
    ).run(t0)


def _ids(prefix: str, day: dt.date, seed: int, n: int) -> pa.Array:
    seq = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string()), 7, "0")
    return pc.binary_join_element_wise(f"{prefix}-{day:%Y%m%d}-{seed}-", seq, "")


def _sorted(frame: dict, key: str) -> dict:
    return I.take(frame, np.argsort(frame[key], kind="stable")) if frame else frame


def _mask_null(values: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), values)


# the column that orders each interaction source's frame
_TIME_COLUMN = {
    "telephony_calls": "started",
    "tickets": "created",
    "chats": "started",
    "self_service_sessions": "started",
}


@dataclass
class _DayFrames:
    """One day's interactions, one column dict per source, and the ticket re-deliveries due that day."""

    date: dt.date
    call: dict
    tix: dict
    chat: dict
    ss: dict
    re_due: dict | None

    def by_source(self) -> dict[str, dict]:
        return {
            "telephony_calls": self.call,
            "tickets": self.tix,
            "chats": self.chat,
            "self_service_sessions": self.ss,
        }


class _Run:
    def __init__(self, out, start, days, cpd, agents, seed, fmt, defect_rate, tz, sparse=False):
        self.out, self.start, self.days, self.cpd, self.seed = out, start, days, cpd, int(seed)
        self.fmt, self.tz, self.sparse = fmt, tz, sparse
        self.first, self.last = start.toordinal(), start.toordinal() + days - 1
        self.base = people.base_size(cpd)
        self.injector = Injector(defect_rate)
        self.rows = {s: 0 for s in SOURCES}
        self.files: list[str] = []
        self.interactions = 0
        self.pending_rep: dict[int, list[Pending]] = {}
        self.pending_tix: dict[int, list[dict]] = {}
        self.pending_srv: dict[int, list[dict]] = {}
        self.months: dict[str, MonthDrivers] = {}
        self.seen = np.zeros(self.base, bool)
        seats = roster.team_seats(agents, self._seats_needed())
        self.roster = roster.build(seats, self.seed, self.first, self.last)
        self.agent_ids = np.append(self.roster.agent_id, None).astype(object)  # index -1 -> None

    # ---------------------------------------------------------------- sizing
    def _frames(self, rng, arr, ds, dl, day):
        ch = arr.channel
        call = I.calls(rng, arr.take(np.nonzero((ch == K.INBOUND) | (ch == K.OUTBOUND))[0]), ds)
        tix, redo = I.tickets(
            rng, arr.take(np.nonzero(np.isin(ch, list(K.TICKET_CHANNEL_CODES)))[0]), ds, dl, day
        )
        chat = I.chats(rng, arr.take(np.nonzero(ch == K.CHAT)[0]), ds)
        ss = I.sessions(rng, arr.take(np.nonzero(ch == K.SELF_SERVICE)[0]))
        return call, tix, redo, chat, ss

    def _seats_needed(self) -> np.ndarray:
        """Seats per team so a Monday's work fits at target occupancy (a probe day of the same volume)."""
        rng = rng_for(self.seed, 0, S_PROBE)
        ds, dl = day_bounds(self.start, self.tz)
        total = int(self.cpd * K.WEEKDAY_FACTOR[0])
        arr = day_arrivals(rng, total, Pending.concat([]), ds, dl, self.base)
        call, tix, _, chat, _ = self._frames(rng, arr, ds, dl, self.first)
        need = np.zeros(len(K.TEAMS))
        for f in (call, tix, chat):
            w = (f["_on"] + f["_acw"]).astype(float)
            need += np.bincount(
                f["_team"].clip(0), weights=np.where(f["_team"] >= 0, w, 0), minlength=len(K.TEAMS)
            )
        per_agent = K.PAID_SECONDS_PER_FTE * 0.92 * productive_share() * K.TARGET_OCCUPANCY
        # Monday availability: ~91% not on a day off, 95% not absent, ~97% of seats filled; 10% margin
        return need / per_agent / (0.91 * 0.95 * 0.97) * 1.10

    # ---------------------------------------------------------------- one day
    def day(self, day: int) -> None:
        """One day: its interactions, who worked them, what follows from them later, its files."""
        frames = self._interactions(day)
        staffing = self._staff(day, frames)
        self._plan_followups(day, frames)
        date = frames.date
        self._write_day(date, frames.call, frames.tix, frames.re_due, frames.chat, frames.ss, staffing)
        self._drivers(date, frames.call, frames.tix, frames.chat, frames.ss, staffing)
        self.interactions += sum(len(f[_TIME_COLUMN[name]]) for name, f in frames.by_source().items())
        for f in frames.by_source().values():
            c = f["customer"]
            self.seen[c[c >= 0]] = True

    def _interactions(self, day: int) -> _DayFrames:
        """The day's calls, tickets, chats and sessions in time order with their ids, and the
        re-deliveries of earlier tickets due today."""
        date = dt.date.fromordinal(day)
        rng = rng_for(self.seed, day, S_DAY)
        ds, dl = day_bounds(date, self.tz)
        total = day_volume(rng, self.cpd, date.weekday())
        due = Pending.concat(self.pending_rep.pop(day, []))
        arr = day_arrivals(rng, total, due, ds, dl, self.base)
        call, tix, redo, chat, ss = self._frames(rng, arr, ds, dl, day)
        # tickets keep their plan of re-deliveries through the sort
        tix.update({k: v for k, v in redo.items()})
        frames = _DayFrames(
            date,
            call=_sorted(call, "started"),
            tix=_sorted(tix, "created"),
            chat=_sorted(chat, "started"),
            ss=_sorted(ss, "started"),
            re_due=I.concat(self.pending_tix.pop(day, [])),
        )
        for name, f in frames.by_source().items():
            f["id"] = _ids(ID_PREFIX[name], date, self.seed, len(f[_TIME_COLUMN[name]]))
        return frames

    def _staff(self, day: int, frames: _DayFrames):
        """Staff the day and give every worked contact its agent (-1: none)."""
        worked = [frames.call, frames.tix, frames.chat] + ([frames.re_due] if frames.re_due else [])
        work, where = [], []
        for team in range(len(K.TEAMS)):
            on, acw, ref = [], [], []
            for fi, f in enumerate(worked):
                idx = np.nonzero(f["_team"] == team)[0]
                on.append(f["_on"][idx])
                acw.append(f["_acw"][idx])
                ref.append((fi, idx))
            work.append((np.concatenate(on).astype(np.int64), np.concatenate(acw).astype(np.int64)))
            where.append(ref)
        staffing = staff_day(rng_for(self.seed, day, S_WORK), self.roster, day, work, self.seed)
        for f in worked:
            if "agent" not in f:
                f["agent"] = np.full(len(f["_team"]), -1, np.int64)
        for team in range(len(K.TEAMS)):
            pos = 0
            for fi, idx in where[team]:
                worked[fi]["agent"][idx] = staffing.agent[team][pos : pos + len(idx)]
                pos += len(idx)
        return staffing

    def _plan_followups(self, day: int, frames: _DayFrames) -> None:
        """Repeat contacts and ticket re-deliveries on later days, and the surveys of today's contacts."""
        rrng = rng_for(self.seed, day, S_REPEAT)
        repeated = {}
        for name, f in frames.by_source().items():
            plan, go = plan_repeats(rrng, f["_channel"], f["_reason"], f["customer"], f["_p_repeat"])
            repeated[name] = go
            for later, p in plan.items():
                if day + later <= self.last:
                    self.pending_rep.setdefault(day + later, []).append(p)
        self._plan_redelivery(rng_for(self.seed, day, S_REDELIVER), day, frames.tix)
        self._plan_surveys(rng_for(self.seed, day, S_SURVEY), frames.date, frames.by_source(), repeated)

    def _plan_redelivery(self, rng, day: int, tix: dict) -> None:
        later = tix["_days_later"]
        for k in np.unique(later[later > 0]):
            target = day + int(k)
            if target > self.last:
                continue
            idx = np.nonzero(later == k)[0]
            f = I.take(tix, idx)
            ts, _ = day_bounds(dt.date.fromordinal(target), self.tz)
            t2 = ts + f["_at"]
            n = len(idx)
            was_new = f["_was_new"]
            st = f["_new_status"]
            solved_new = t2 + rng.integers(300, 7200, n)
            fr = np.where(was_new, t2, f["first_response"])
            solved = np.where(was_new, np.where(st == I.SOLVED, solved_new, NULL), t2)
            upd = np.where(was_new, np.maximum(fr, solved), t2 + np.where(st == I.CLOSED, 60, 0))
            re = {
                "id": f["id"],
                "created": f["created"],
                "channel": f["channel"],
                "customer": f["customer"],
                "reason": f["reason"],
                "first_response": fr,
                "solved": solved,
                "status": st,
                "reopen_count": f["reopen_count"] + f["_reopened"].astype(np.int64),
                "agent_replies": np.where(was_new, 1, f["agent_replies"] + 1).astype(np.int64),
                "handle_seconds": np.where(was_new, f["_handle"], f["handle_seconds"]),
                "updated": upd,
                "_anon_key": f["_anon_key"],
                "agent": np.where(was_new, -1, f["agent"]),
                "_team": np.where(was_new, K.DIGITAL, -1),
                "_on": np.where(was_new, f["_handle"], 0),
                "_acw": np.zeros(n, np.int64),
            }
            self.pending_tix.setdefault(target, []).append(re)

    def _plan_surveys(self, rng, date: dt.date, frames: dict, repeated: dict) -> None:
        src, ids, end, rate, rep = [], [], [], [], []
        for name, f in frames.items():
            n = len(f["_end"])
            src.append(np.full(n, name, dtype=object))
            ids.append(f["id"].to_numpy(zero_copy_only=False))
            end.append(f["_end"])
            rate.append(f["_survey"])
            rep.append(repeated[name])
        s = surveys.draw(
            rng,
            np.concatenate(src),
            np.concatenate(ids).astype(object),
            np.concatenate(end),
            np.concatenate(rate),
            np.concatenate(rep),
        )
        s = _sorted(s, "responded")
        s["id"] = _ids(ID_PREFIX["surveys"], date, self.seed, len(s["responded"]))
        on = local_date_ordinal(s["responded"], self.tz)
        for d in np.unique(on):
            if d <= self.last:
                self.pending_srv.setdefault(int(d), []).append(I.take(s, np.nonzero(on == d)[0]))

    # ---------------------------------------------------------------- rendering
    def _cust(self, customer: np.ndarray) -> pa.Array:
        return _mask_null(people.customer_id(customer.clip(0), self.seed), customer < 0)

    def _reason(self, reason: np.ndarray) -> np.ndarray:
        return np.append(np.array(K.REASONS, dtype=object), None)[reason]

    def _write_day(self, date, call, tix, re_due, chat, ss, staffing) -> None:
        seed = self.seed
        # calls
        known = call["customer"] >= 0
        pidx = np.where(known, call["customer"], people.ANON_OFFSET + call["_anon_key"])
        phone = _mask_null(people.phone(pidx, seed), call["_phone_withheld"])
        self._emit(
            "telephony_calls",
            date,
            {
                "call_id": call["id"],
                "updated_at": call["updated"],
                "direction": call["direction"],
                "started_at": call["started"],
                "customer_id": self._cust(call["customer"]),
                "customer_phone": phone,
                "queue": call["queue"],
                "contact_reason": self._reason(call["reason"]),
                "ivr_seconds": call["ivr_seconds"],
                "queue_seconds": call["queue_seconds"],
                "agent_id": self.agent_ids[call["agent"]],
                "talk_seconds": call["talk_seconds"],
                "hold_seconds": call["hold_seconds"],
                "acw_seconds": call["acw_seconds"],
                "outcome": call["outcome"],
                "transferred": call["transferred"],
            },
        )
        # tickets: today's cases, then the re-delivered ones
        parts = [tix] + ([_sorted(re_due, "updated")] if re_due else [])
        t = {
            k: (
                pa.concat_arrays([p[k] for p in parts])
                if k == "id"
                else np.concatenate([p[k] for p in parts])
            )
            for k in (
                "id",
                "created",
                "channel",
                "customer",
                "reason",
                "first_response",
                "solved",
                "status",
                "reopen_count",
                "agent_replies",
                "handle_seconds",
                "updated",
                "_anon_key",
                "agent",
            )
        }
        known = t["customer"] >= 0
        eidx = np.where(known, t["customer"], people.ANON_OFFSET + t["_anon_key"])
        self._emit(
            "tickets",
            date,
            {
                "ticket_id": t["id"],
                "updated_at": t["updated"],
                "channel": np.array([K.TICKET_CHANNEL_CODES.get(c) for c in range(7)], dtype=object)[
                    t["channel"]
                ],
                "created_at": t["created"],
                "customer_id": self._cust(t["customer"]),
                "customer_email": people.email(eidx, seed),
                "contact_reason": self._reason(t["reason"]),
                "agent_id": self.agent_ids[t["agent"]],
                "first_response_at": t["first_response"],
                "solved_at": t["solved"],
                "status": np.array(TICKET_STATUSES, dtype=object)[t["status"]],
                "reopen_count": t["reopen_count"],
                "agent_replies": t["agent_replies"],
                "handle_seconds": t["handle_seconds"],
            },
        )
        self._emit(
            "chats",
            date,
            {
                "chat_id": chat["id"],
                "updated_at": chat["updated"],
                "started_at": chat["started"],
                "ended_at": chat["ended"],
                "customer_id": self._cust(chat["customer"]),
                "contact_reason": self._reason(chat["reason"]),
                "outcome": chat["outcome"],
                "agent_id": self.agent_ids[chat["agent"]],
                "wait_seconds": chat["wait_seconds"],
                "handle_seconds": chat["handle_seconds"],
                "concurrency": chat["concurrency_cents"],
            },
        )
        self._emit(
            "self_service_sessions",
            date,
            {
                "session_id": ss["id"],
                "started_at": ss["started"],
                "customer_id": self._cust(ss["customer"]),
                "platform": ss["platform"],
                "contact_reason": self._reason(ss["reason"]),
                "completed": ss["completed"],
            },
        )
        srv = I.concat(self.pending_srv.pop(date.toordinal(), []))
        if srv:
            srv = _sorted(srv, "responded")
            self._emit(
                "surveys",
                date,
                {
                    "survey_id": srv["id"],
                    "interaction_source": srv["interaction_source"],
                    "interaction_id": srv["interaction_id"],
                    "responded_at": srv["responded"],
                    "csat": srv["csat"],
                    "nps": srv["nps"],
                    "ces": srv["ces"],
                    "resolved": srv["resolved"],
                },
            )
        a = staffing.activity
        self._emit(
            "agent_activity",
            date,
            {
                "agent_id": self.roster.agent_id[a["agent"]],
                "activity_date": np.full(len(a["agent"]), date.isoformat(), dtype=object),
                "state": a["state"],
                "seconds": a["seconds"],
            },
        )

    def _emit(self, source: str, date: dt.date, columns: dict, name: str | None = None) -> None:
        table = to_table(source, columns, self.tz)
        if table.num_rows == 0:
            return
        name = name or f"{date.isoformat()}.{self.fmt}"
        rel = f"{source}/{name}"
        if source not in ("customers", "agents"):
            table, left_out = self._gaps(source, date, table)
            stream = S_DEFECT + list(SOURCES).index(source)
            table = self.injector.apply(rng_for(self.seed, date, stream), source, rel, table).drop_columns(
                left_out
            )
        write(table, self.out / rel, self.fmt, source)
        self.rows[source] += table.num_rows
        self.files.append(rel)

    def _gaps(self, source: str, date: dt.date, table: pa.Table) -> tuple[pa.Table, list[str]]:
        """With --sparse, the file's gaps (sparse.py) and the columns it leaves out; else as it is."""
        if not self.sparse:
            return table, []
        return make_gaps(
            rng_for(self.seed, date, S_SPARSE + list(SOURCES).index(source)), source, date, table
        )

    # ---------------------------------------------------------------- ledger drivers
    def _drivers(self, date, call, tix, chat, ss, staffing) -> None:
        m = self.months.setdefault(f"{date:%Y-%m}", MonthDrivers())
        m.days += 1
        m.last_day = date.toordinal()
        m.paid += staffing.paid
        m.overtime += staffing.overtime
        m.absence += staffing.absence
        m.agent_days += staffing.agent_days
        m.employee_agent_days += staffing.employee_agent_days
        ring = (call["direction"] == "outbound") & (call["outcome"] != "answered")
        m.call_seconds += float(
            (call["ivr_seconds"] + call["queue_seconds"] + call["talk_seconds"] + call["hold_seconds"]).sum()
            + ring.sum() * K.OUTBOUND_RING_SECONDS
        )
        m.inbound_calls += int((call["direction"] == "inbound").sum())
        m.tickets += len(tix["created"])
        m.chats += len(chat["started"])
        m.bot_chats += int((chat["outcome"] == "bot_resolved").sum())
        m.sessions += len(ss["started"])

    # ---------------------------------------------------------------- run
    def run(self, t0: float) -> GenerationSummary:
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / SAMPLE_MARKER).write_text(SAMPLE_NOTE, encoding="utf-8")
        for day in range(self.first, self.last + 1):
            self.day(day)
        start_txt = self.start.isoformat()
        cust_idx = np.nonzero(self.seen)[0]
        self._write_customers(cust_idx, f"customers/customers_{start_txt}.{self.fmt}")
        self._emit("agents", self.start, roster.snapshot(self.roster), name=f"agents_{start_txt}.{self.fmt}")
        self._write_ledger()
        manifest = self._write_manifest()
        seconds = time.perf_counter() - t0
        log.info("generated %d interactions in %.1f s", self.interactions, seconds)
        return GenerationSummary(
            rows_per_source=dict(self.rows),
            files_written=len(self.files) + (manifest is not None),
            interactions=self.interactions,
            seconds=seconds,
            defects=len(self.injector.entries),
            manifest_path=manifest,
            agents=len(self.roster),
            customers=len(cust_idx),
            files=list(self.files),
        )

    def _write_customers(self, idx: np.ndarray, rel: str, chunk: int = 500_000) -> None:
        """The CRM snapshot: every customer who appears in the period's interactions, written in chunks."""
        if len(idx) == 0:
            return
        tables = (
            to_table("customers", people.customers_table(idx[i : i + chunk], self.seed), self.tz)
            for i in range(0, len(idx), chunk)
        )
        write_chunks(tables, self.out / rel, self.fmt, "customers")
        self.rows["customers"] += len(idx)
        self.files.append(rel)

    def _write_ledger(self) -> None:
        tag = f"{self.start:%Y%m%d}-{self.seed}"
        for month, cols in journal_lines(self.months, tag, self.cpd).items():
            cols["amount"] = cols.pop("amount_cents")
            table = to_table("gl_journal_lines", cols, self.tz)
            name = f"{month}.{self.fmt}"
            rel = f"gl_journal_lines/{name}"
            date = dt.date.fromisoformat(month + "-01")
            table, left_out = self._gaps("gl_journal_lines", date, table)
            table = self.injector.apply(
                rng_for(self.seed, date, S_DEFECT + 50), "gl_journal_lines", rel, table
            ).drop_columns(left_out)
            path = self.out / rel
            if path.exists() and not _same_journals(path, table, self.fmt):
                # another call already delivered this month: deliver ours beside it, never overwrite
                name = f"{month}_{self.start.isoformat()}.{self.fmt}"
                new_rel = f"gl_journal_lines/{name}"
                self.injector.entries = [
                    (s, new_rel if f == rel else f, r, ru, c) for (s, f, r, ru, c) in self.injector.entries
                ]
                rel, path = new_rel, self.out / new_rel
            write(table, path, self.fmt, "gl_journal_lines")
            self.rows["gl_journal_lines"] += table.num_rows
            self.files.append(rel)

    def _write_manifest(self) -> Path | None:
        if self.injector.rate <= 0:
            return None
        path = self.out / "_defects" / f"manifest_{self.start.isoformat()}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = ["source,file_name,row_number,rule,column"]
        lines += [f"{s},{f},{r},{ru},{c}" for s, f, r, ru, c in self.injector.entries]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def _same_journals(path: Path, table: pa.Table, fmt: str) -> bool:
    """True when the existing month file holds this call's own journals (a re-run), so it may be replaced."""
    try:
        old = (
            pq.read_table(path)
            if fmt == "parquet"
            else pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in table.column_names}
                ),
            )
        )
        ours = set(table.column("journal_id").drop_null().to_pylist())
        theirs = set(old.column("journal_id").drop_null().cast(pa.string()).to_pylist())
        return bool(theirs) and theirs <= ours | {None}
    except Exception:  # unreadable: keep it and write beside it
        return False
