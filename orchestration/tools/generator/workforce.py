"""Workforce: who works which contact, and each agent-day's states (agent_activity).

Per team and day: the work to do is the handle time of the contacts routed to
the team. Enough scheduled agents are called in to cover it at the team's
target occupancy; the work is split between them in proportion to their FTE
(with some spread); then each agent-day's paid time (8 h x FTE, longer when
the agent had to work overtime) is divided into on_contact + after_contact_work
(exactly the assigned work), available, and shrinkage states. Scheduled agents
can be absent for the whole day (paid absence).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import constants as K
from .people import unit
from .roster import Roster

STATE_ORDER = (
    "on_contact",
    "after_contact_work",
    "available",
    "break",
    "training",
    "meeting",
    "coaching",
    "absence",
)


@dataclass
class DayStaffing:
    agent: list[np.ndarray]  # per team: roster index of the agent of each work item
    activity: dict  # agent_activity rows: agent (roster idx), state (object), seconds
    paid: np.ndarray  # per team: paid seconds (incl. absence)
    overtime: np.ndarray  # per team: paid seconds beyond 8 h x FTE
    absence: np.ndarray  # per team: absence seconds
    agent_days: np.ndarray  # per team: agent-days with paid time
    employee_agent_days: float


def productive_share() -> float:
    """Expected share of a worked day's paid time that is not shrinkage (see the draws in staff_day)."""
    return 1 - (0.125 + 0.045 + 0.5 * 0.085 + 0.4 * 0.035 + 0.08 * 0.3)


def staff_day(
    rng: np.random.Generator, roster: Roster, day: int, work: list[tuple[np.ndarray, np.ndarray]], seed: int
) -> DayStaffing:
    P8 = K.PAID_SECONDS_PER_FTE
    sched = roster.scheduled(day)
    active = roster.active(day)
    absent_draw = unit(seed, day, roster.key, 21) < K.FULL_DAY_ABSENCE
    used = np.zeros(len(roster), bool)
    agents_out: list[np.ndarray] = []
    per_agent_on = np.zeros(len(roster), np.int64)
    per_agent_acw = np.zeros(len(roster), np.int64)
    absent_today = np.zeros(len(roster), bool)
    shift = np.ones(len(roster))
    for team, (on, acw) in enumerate(work):
        in_team = roster.team == team
        W = int(on.sum() + acw.sum())
        if len(on) == 0:
            agents_out.append(np.zeros(0, np.int64))
            continue
        cand = np.nonzero(in_team & sched & ~used)[0]
        if len(cand) == 0:  # nobody scheduled: call in anyone of the team, else anyone active
            cand = np.nonzero(in_team & active & ~used)[0]
        if len(cand) == 0:
            cand = np.nonzero(active & ~used)[0]
        if len(cand) == 0:
            cand = np.nonzero(active)[0]
        cand = cand[rng.permutation(len(cand))]
        present = cand[~absent_draw[cand]]
        if len(present) == 0:
            present = cand
        cap = roster.fte[present] * P8 * productive_share() * K.TARGET_OCCUPANCY[team]
        # agents needed, as a fraction; the fractional agent is called in by a coin flip (the others stretch)
        cum = np.concatenate([[0.0], np.cumsum(cap)])
        j = int(np.searchsorted(cum, W))
        frac = (
            j - 1 + (W - cum[j - 1]) / cap[j - 1]
            if 0 < j < len(cum)
            else float(j if j == 0 else len(present))
        )
        k = int(np.floor(frac)) + int(rng.random() < frac - np.floor(frac))
        chosen = present[: max(1, min(k, len(present)))]
        used[chosen] = True
        if frac < 0.5:  # a quiet day for the team (weekend, small centre): one agent on a half shift
            shift[chosen] = 0.5
        # scheduled agents ahead of the last one called in who are absent: a paid absence day
        last = int(np.nonzero(cand == chosen[-1])[0][0])
        ahead = cand[: last + 1]
        absent_today[ahead[absent_draw[ahead] & ~used[ahead]]] = True
        # split the work: shuffle items, cut the running total at each agent's share
        weights = roster.fte[chosen] * rng.uniform(0.85, 1.15, len(chosen))
        bounds = np.cumsum(weights) / weights.sum()
        order = rng.permutation(len(on))
        w = (on + acw)[order].astype(np.float64)
        mid = (np.cumsum(w) - w / 2) / max(W, 1)
        who_sorted = np.searchsorted(bounds, mid, side="right").clip(0, len(chosen) - 1)
        who = np.empty(len(on), np.int64)
        who[order] = chosen[who_sorted]
        agents_out.append(who)
        np.add.at(per_agent_on, who, on)
        np.add.at(per_agent_acw, who, acw)

    # agent-day states
    working = np.nonzero(used)[0]
    n = len(working)
    fte = roster.fte[working]
    P = np.rint(fte * shift[working] * P8).astype(np.int64)
    brk = np.rint(P * rng.uniform(0.11, 0.14, n)).astype(np.int64)
    meeting = np.rint(P * rng.uniform(0.03, 0.06, n)).astype(np.int64)
    training = np.where(rng.random(n) < 0.5, np.rint(P * rng.uniform(0.05, 0.12, n)), 0).astype(np.int64)
    coaching = np.where(rng.random(n) < 0.4, np.rint(P * rng.uniform(0.02, 0.05, n)), 0).astype(np.int64)
    part_abs = np.where(rng.random(n) < 0.08, np.rint(P * rng.uniform(0.1, 0.5, n)), 0).astype(np.int64)
    shrink = brk + meeting + training + coaching + part_abs
    on = per_agent_on[working]
    acw = per_agent_acw[working]
    busy = on + acw
    productive = P - shrink
    cap_occ = rng.uniform(0.86, 0.92, n)
    over = busy > productive * cap_occ
    productive = np.where(over, np.ceil(busy / cap_occ).astype(np.int64), productive)
    # an agent with little work that day is sent to training / coaching for part of the idle time
    floor_occ = rng.uniform(0.72, 0.78, n)
    idle_max = np.ceil(busy / floor_occ).astype(np.int64)
    extra = np.clip(productive - idle_max, 0, None)
    extra = np.minimum(extra, np.clip(np.rint(0.42 * P) - shrink, 0, None)).astype(np.int64)
    to_coaching = np.rint(extra * rng.uniform(0.0, 0.4, n)).astype(np.int64)
    training = training + extra - to_coaching
    coaching = coaching + to_coaching
    shrink = shrink + extra
    productive = productive - extra
    paid = productive + shrink
    available = productive - busy
    overtime = np.maximum(paid - np.rint(fte * P8).astype(np.int64), 0)

    absent_idx = np.nonzero(absent_today & ~used)[0]
    P_abs = np.rint(roster.fte[absent_idx] * P8).astype(np.int64)

    states = (on, acw, available, brk, training, meeting, coaching, part_abs)
    rows_agent = np.concatenate([working for _ in states] + [absent_idx])
    rows_state = np.concatenate(
        [np.full(n, s, dtype=object) for s in STATE_ORDER]
        + [np.full(len(absent_idx), "absence", dtype=object)]
    )
    rows_secs = np.concatenate(list(states) + [P_abs])
    rank = np.concatenate([np.full(n, i) for i in range(len(STATE_ORDER))] + [np.full(len(absent_idx), 7)])
    keep = (rows_secs > 0) | (rank <= 2)
    order = np.lexsort((rank[keep], roster.agent_id[rows_agent[keep]]))
    activity = {
        "agent": rows_agent[keep][order],
        "state": rows_state[keep][order],
        "seconds": rows_secs[keep][order],
    }

    teams = len(K.TEAMS)
    paid_t = np.bincount(roster.team[working], weights=paid, minlength=teams) + np.bincount(
        roster.team[absent_idx], weights=P_abs, minlength=teams
    )
    abs_t = np.bincount(roster.team[working], weights=part_abs, minlength=teams) + np.bincount(
        roster.team[absent_idx], weights=P_abs, minlength=teams
    )
    ot_t = np.bincount(roster.team[working], weights=overtime, minlength=teams)
    days_t = np.bincount(roster.team[working], minlength=teams) + np.bincount(
        roster.team[absent_idx], minlength=teams
    )
    emp = np.concatenate([working, absent_idx])
    employee_days = float((roster.employment_type[emp] != "outsourced").sum())
    return DayStaffing(agents_out, activity, paid_t, ot_t, abs_t, days_t.astype(float), employee_days)
