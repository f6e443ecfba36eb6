"""The agent roster: teams of seats ("slots") whose occupants come and go.

Each team has a number of seats. A seat is held by a sequence of agents over
time (hire, tenure, leave, a gap, the next hire). Every occupant's dates and
attributes are pure functions of (seed, team, seat, occupant number), so two
generator calls over different periods see the same people with the same
hire and leave dates: appending a day keeps the roster consistent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import constants as K
from .people import _join, names, unit

ANCHOR = dt.date(2019, 1, 1).toordinal()
MAX_OCCUPANTS = 40
DAYS_OFF = ((5, 6), (6, 0), (1, 2), (2, 3), (3, 4), (4, 5))  # weekday pairs (Mon=0)
DAYS_OFF_P = np.array([0.55, 0.09, 0.09, 0.09, 0.09, 0.09])


@dataclass
class Roster:
    """The agents who are on the books at some point of [start, end]."""

    agent_id: np.ndarray  # object
    team: np.ndarray  # int
    fte: np.ndarray  # float
    hired_on: np.ndarray  # ordinal
    left_on: np.ndarray  # ordinal of the first day not employed (large when still employed)
    days_off: np.ndarray  # (n, 2) weekdays
    employment_type: np.ndarray  # object
    name: pa.Array
    key: np.ndarray  # stable integer identity (team, occupant, seat)
    end: int

    def __len__(self) -> int:
        return len(self.agent_id)

    def active(self, day: int) -> np.ndarray:
        return (self.hired_on <= day) & (day < self.left_on)

    def scheduled(self, day: int) -> np.ndarray:
        wd = dt.date.fromordinal(day).weekday()
        return self.active(day) & (self.days_off[:, 0] != wd) & (self.days_off[:, 1] != wd)


def team_seats(agents: int, needed: np.ndarray) -> np.ndarray:
    """Seats per team: the requested roster split by team share, raised to what the workload needs."""
    shares = np.array([t[2] for t in K.TEAMS])
    raw = agents * shares
    seats = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - seats))[: agents - seats.sum()]:
        seats[i] += 1
    return np.maximum(np.maximum(seats, 1), np.ceil(needed).astype(int))


def build(seats: np.ndarray, seed: int, start: int, end: int) -> Roster:
    rows = []
    for team, n in enumerate(seats):
        seat = np.arange(n, dtype=np.int64)
        j = np.arange(MAX_OCCUPANTS, dtype=np.int64)
        S, J = np.meshgrid(seat, j, indexing="ij")
        # tenure ~ lognormal (median ~2.2 years, high attrition), a vacancy of 1-6 weeks between occupants
        z = np.sqrt(-2 * np.log(1 - unit(seed, team, S, J, 1))) * np.cos(
            2 * np.pi * unit(seed, team, S, J, 2)
        )
        tenure = np.clip(np.exp(np.log(800) + 0.8 * z), 45, 5000).astype(np.int64)
        gap = (7 + unit(seed, team, S, J, 3) * 35).astype(np.int64)
        first = ANCHOR - (unit(seed, team, seat, 4) * 2500).astype(np.int64)
        hired = first[:, None] + np.concatenate(
            [np.zeros((n, 1), np.int64), np.cumsum(tenure + gap, axis=1)[:, :-1]], axis=1
        )
        left = hired + tenure
        keep = (hired <= end) & (left > start)
        s_idx, j_idx = np.nonzero(keep)
        rows.append((team, s_idx, j_idx, hired[keep], left[keep]))
    team = np.concatenate([np.full(len(r[1]), r[0]) for r in rows]).astype(np.int64)
    seat = np.concatenate([r[1] for r in rows]).astype(np.int64)
    occ = np.concatenate([r[2] for r in rows]).astype(np.int64)
    hired = np.concatenate([r[3] for r in rows])
    left = np.concatenate([r[4] for r in rows])
    code = np.array([t[5] for t in K.TEAMS], dtype=object)[team]
    agent_id = np.array(
        [f"AG-{c}{o:02d}{s + 1:04d}" for c, o, s in zip(code, occ, seat, strict=True)], dtype=object
    )
    u = unit(seed, team, seat, occ, 5)
    fte = np.where(u < 0.80, 1.0, np.where(u < 0.92, 0.8, 0.5))
    d = np.searchsorted(np.cumsum(DAYS_OFF_P), unit(seed, team, seat, occ, 6), side="right").clip(0, 5)
    days_off = np.array(DAYS_OFF)[d]
    etype = np.array([t[3] for t in K.TEAMS], dtype=object)[team]
    etype = np.where((team == K.VOICE) & (unit(seed, team, seat, occ, 7) < 0.06), "contractor", etype)
    key = team * 1_000_000 + occ * 10_000 + seat
    first, last = names(key, seed, salt=77)
    order = np.argsort(agent_id, kind="stable")
    return Roster(
        agent_id=agent_id[order],
        team=team[order],
        fte=fte[order],
        hired_on=hired[order],
        left_on=left[order],
        days_off=days_off[order],
        employment_type=etype[order].astype(object),
        name=_join(first, " ", last).take(pa.array(order)),
        key=key[order],
        end=end,
    )


def snapshot(roster: Roster) -> dict:
    """Columns of the agents file; left_on only when the leave date is known by the end of the period."""
    epoch = dt.date(1970, 1, 1).toordinal()

    def dates(o, mask):
        return pa.array((o - epoch).astype(np.int32), mask=mask, type=pa.date32()).cast(pa.string())

    teams = np.array([t[0] for t in K.TEAMS], dtype=object)
    sites = np.array([t[4] for t in K.TEAMS], dtype=object)
    ccs = np.array([t[1] for t in K.TEAMS], dtype=object)
    fte_code = np.where(roster.fte == 1.0, 0, np.where(roster.fte == 0.8, 1, 2))
    fte_txt = np.array(["1.0", "0.8", "0.5"], dtype=object)[fte_code]
    # part of Digital Care works from home
    site = sites[roster.team]
    remote = (roster.team == K.DIGITAL) & (unit(roster.key, 8) < 0.3)
    site = np.where(remote, "Remote", site).astype(object)
    return {
        "agent_id": roster.agent_id,
        "agent_name": roster.name,
        "team": teams[roster.team],
        "site": site,
        "cost_center": ccs[roster.team],
        "employment_type": roster.employment_type,
        "fte": fte_txt,
        "hired_on": dates(roster.hired_on, np.zeros(len(roster), bool)),
        "left_on": dates(roster.left_on, roster.left_on > roster.end),
    }
