"""One day's interactions per channel: calls, tickets, chats and self-service sessions.

Each builder returns a frame (dict of numpy arrays, one entry per row) with
internal codes; agents are filled in later by the workforce step, ids after
sorting. Extra bookkeeping columns start with an underscore:
  _team      team that works the contact (-1 none)
  _on/_acw   handle work in seconds that lands in the agent's on_contact / after_contact_work
  _p_repeat  probability the customer comes back within 1-7 days
  _survey    probability of a survey response
  _end       when the contact ended (survey invitations are sent then)
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import constants as K
from .arrivals import Arrivals
from .timeline import NULL

SKILL = {  # queue skill group per reason
    K.R_BILLING: "BILLING",
    K.R_PAYMENT: "BILLING",
    K.R_TECH: "TECH",
    K.R_OUTAGE: "TECH",
    K.R_TV: "SALES",
    K.R_NEW_ORDER: "SALES",
    K.R_ORDER_STATUS: "SALES",
    K.R_ADDRESS: "CARE",
    K.R_COMPLAINT: "CARE",
    K.R_CANCEL: "SAVE",
}
SKILL_OF_REASON = np.array([SKILL[i] for i in range(len(K.REASONS))], dtype=object)
TEAM_CODE = np.array([t[5] for t in K.TEAMS], dtype=object)


def lognormal(rng, median: float | np.ndarray, sigma: float, n: int, lo: float, hi: float) -> np.ndarray:
    return np.clip(np.exp(np.log(median) + sigma * rng.standard_normal(n)), lo, hi).round().astype(np.int64)


def _hour(t: np.ndarray, day_start: int) -> np.ndarray:
    return ((t - day_start) // 3600).clip(0, 23)


def _containment(rate: float, boost: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """Per-reason probability whose average over the channel's reason mix is `rate`."""
    return np.clip(rate * boost / (boost * mix).sum(), 0, 0.95)


def _null_reason(rng, reason: np.ndarray, share: float) -> np.ndarray:
    return np.where(rng.random(len(reason)) < share, -1, reason).astype(np.int16)


def calls(rng: np.random.Generator, a: Arrivals, day_start: int) -> dict:
    inbound = a.channel == K.INBOUND
    n = len(a)
    eff = K.REASON_EFFORT[a.reason]
    out = {k: np.zeros(n, np.int64) for k in ("ivr", "queue_s", "talk", "hold", "acw")}
    outcome = np.empty(n, dtype=object)
    team = np.full(n, -1, np.int64)
    transferred = np.zeros(n, np.int8)

    # inbound: IVR, maybe contained, else queue; waits grow with the hour's load; callers give up
    p_ivr = _containment(K.IVR_SELF_SERVED, K.IVR_REASON_BOOST, K.REASON_MIX[K.INBOUND])[a.reason]
    ivr_done = inbound & (rng.random(n) < p_ivr)
    out["ivr"] = np.where(
        inbound,
        np.where(ivr_done, lognormal(rng, 110, 0.45, n, 20, 900), lognormal(rng, 40, 0.5, n, 5, 400)),
        0,
    )
    queued = inbound & ~ivr_done
    # a share of callers reach an agent at once; the others wait longer when the hour is busy
    wait = np.where(
        rng.random(n) < K.ANSWERED_AT_ONCE,
        rng.uniform(0, 10, n),
        rng.exponential(K.QUEUE_WAIT_MEAN * K.HOURLY_LOAD[_hour(a.t, day_start)]),
    )
    patience = np.where(
        rng.random(n) < K.SHORT_ABANDON, rng.uniform(0, 5, n), rng.exponential(K.PATIENCE_MEAN, n)
    )
    abandoned = queued & (patience < wait)
    answered_in = queued & ~abandoned
    out["queue_s"] = np.where(queued, np.where(abandoned, patience, wait), 0).round().astype(np.int64)
    team_in = np.where(
        a.reason == K.R_CANCEL,
        K.RETENTION,
        np.where(rng.random(n) < K.INBOUND_TO_NEARSHORE, K.NEARSHORE, K.VOICE),
    )
    team = np.where(queued, team_in, team)

    # outbound: campaign dialling
    outbound = ~inbound
    ob_outcome = rng.choice(len(K.OUTBOUND_OUTCOMES), size=n, p=K.OUTBOUND_OUTCOME_P)
    answered_out = outbound & (ob_outcome == 0)
    team_out = np.where(rng.random(n) < K.OUTBOUND_TO_RETENTION, K.RETENTION, K.VOICE)
    team = np.where(outbound, team_out, team)

    answered = answered_in | answered_out
    slow = np.where(team == K.RETENTION, 1.3, np.where(team == K.NEARSHORE, 1.08, 1.0))
    talk_med = np.where(inbound, 250.0, 230.0) * eff * slow
    trans = answered & (rng.random(n) < K.TRANSFER_RATE) & inbound
    talk = lognormal(rng, talk_med, 0.55, n, 20, 5400) * np.where(trans, 1.3, 1.0)
    hold = np.where(rng.random(n) < np.where(inbound, 0.35, 0.2), lognormal(rng, 60, 0.7, n, 5, 1200), 0)
    acw = lognormal(rng, np.where(inbound, 40.0, 55.0) * np.sqrt(eff), 0.6, n, 5, 900)
    out["talk"] = np.where(answered, talk, 0).round().astype(np.int64)
    out["hold"] = np.where(answered, hold, 0).astype(np.int64)
    out["acw"] = np.where(answered, acw, 0).astype(np.int64)
    transferred[trans] = 1

    outcome[inbound] = "answered"
    outcome[ivr_done] = "ivr_self_served"
    outcome[abandoned] = "abandoned"
    outcome[outbound] = np.array(K.OUTBOUND_OUTCOMES, dtype=object)[ob_outcome[outbound]]

    queue = np.empty(n, dtype=object)
    queue[:] = None
    qname = TEAM_CODE[team.clip(0)] + "_" + SKILL_OF_REASON[a.reason]
    queue[queued] = qname[queued]
    queue[outbound] = (TEAM_CODE[team.clip(0)] + "_OUTBOUND")[outbound]

    end = a.t + out["ivr"] + out["queue_s"] + out["talk"] + out["hold"] + out["acw"]
    end = np.where(outbound & ~answered_out, a.t + K.OUTBOUND_RING_SECONDS, end)
    p_rep = np.select(
        [answered_in, abandoned, ivr_done, outbound],
        [
            K.P_REPEAT["call_answered"],
            K.P_REPEAT["call_abandoned"],
            K.P_REPEAT["call_ivr"],
            K.P_REPEAT["outbound"],
        ],
        0.0,
    )
    survey = np.where(
        answered, K.SURVEY_RATE["handled"], np.where(ivr_done, K.SURVEY_RATE["unassisted"], 0.0)
    )
    return {
        "started": a.t,
        "direction": np.where(inbound, "inbound", "outbound").astype(object),
        "customer": a.customer,
        "reason": _null_reason(rng, a.reason, 0.02),
        "queue": queue,
        "ivr_seconds": out["ivr"],
        "queue_seconds": out["queue_s"],
        "talk_seconds": out["talk"],
        "hold_seconds": out["hold"],
        "acw_seconds": out["acw"],
        "outcome": outcome,
        "transferred": transferred,
        "updated": end,
        "_team": np.where(answered, team, -1),
        "_on": out["talk"] + out["hold"],
        "_acw": out["acw"],
        "_p_repeat": p_rep,
        "_survey": survey,
        "_end": end,
        "_reason": a.reason.astype(np.int16),
        "_channel": a.channel,
        "_phone_withheld": (a.customer < 0) & (rng.random(n) < K.CUSTOMER_PHONE_WITHHELD),
        "_anon_key": rng.integers(0, 1 << 40, n),
    }


TICKET_HANDLE_MEDIAN = {K.EMAIL: 265.0, K.WEB_FORM: 220.0, K.SOCIAL: 130.0}
TICKET_RESPONSE_MEDIAN_H = {K.EMAIL: 2.5, K.WEB_FORM: 3.0, K.SOCIAL: 0.6}
NEW, OPEN, PENDING, SOLVED, CLOSED = range(5)  # index into contract.TICKET_STATUSES


def tickets(
    rng: np.random.Generator, a: Arrivals, day_start: int, day_len: int, day: int
) -> tuple[dict, dict]:
    """(first delivery of the day's tickets, their later re-deliveries keyed by column incl. `_day`)."""
    n = len(a)
    ch = a.channel
    eff = K.REASON_EFFORT[a.reason]
    med_h = np.vectorize(TICKET_HANDLE_MEDIAN.get, otypes=[float])(ch) if n else np.zeros(0)
    med_r = np.vectorize(TICKET_RESPONSE_MEDIAN_H.get, otypes=[float])(ch) if n else np.zeros(0)
    handle = lognormal(rng, med_h * eff, 0.45, n, 30, 3600)
    hour = (a.t - day_start) / 3600
    delay = np.exp(np.log(med_r * 3600) + 1.0 * rng.standard_normal(n)) + np.clip(8 - hour, 0, None) * 3600
    fr = a.t + delay.astype(np.int64).clip(60)
    day_end = day_start + day_len
    same_day = fr < day_end - 60
    u = rng.random(n)
    solve_t = fr + lognormal(rng, 900, 1.0, n, 30, 6 * 3600)
    status = np.where(u < 0.62, SOLVED, np.where(u < 0.82, PENDING, OPEN))
    status = np.where((status == SOLVED) & (solve_t >= day_end), OPEN, status)
    status = np.where(same_day, status, NEW)
    solved = np.where(status == SOLVED, solve_t, NULL)
    replies = np.where(status == NEW, 0, 1 + (status == SOLVED) * rng.poisson(0.3, n))
    first = {
        "created": a.t,
        "channel": ch,
        "customer": a.customer,
        "reason": _null_reason(rng, a.reason, 0.04),
        "first_response": np.where(same_day, fr, NULL),
        "solved": solved,
        "status": status,
        "reopen_count": np.zeros(n, np.int64),
        "agent_replies": replies.astype(np.int64),
        "handle_seconds": np.where(same_day, handle, NULL),
        "_team": np.where(same_day, K.DIGITAL, -1),
        "_on": np.where(same_day, handle, 0),
        "_acw": np.zeros(n, np.int64),
        "_p_repeat": np.where(status == SOLVED, K.P_REPEAT["ticket_solved"], K.P_REPEAT["ticket_unsolved"]),
        "_survey": np.where(status == SOLVED, K.SURVEY_RATE["handled"], 0.0),
        "_end": np.where(status == SOLVED, solved, a.t),
        "_reason": a.reason.astype(np.int16),
        "_channel": ch,
        "_anon_key": rng.integers(0, 1 << 40, n),
    }
    upd = np.maximum(np.maximum(a.t, np.where(same_day, fr, 0)), solved) + rng.integers(0, 120, n)
    first["updated"] = np.minimum(upd, day_end - 1)

    # later versions of the same tickets (a nightly export re-delivers changed cases)
    later = np.zeros(n, np.int64)  # days later; 0 = not re-delivered
    u2 = rng.random(n)
    unsolved = (status == OPEN) | (status == PENDING)
    k = rng.choice(np.arange(1, 5), size=n, p=[0.4, 0.3, 0.2, 0.1])
    later = np.where(unsolved & (u2 < 0.85), k, later)
    reopened = (status == SOLVED) & (u2 < 0.04)
    later = np.where(reopened, rng.integers(1, 4, n), later)
    later = np.where(status == NEW, 1, later)
    at = rng.integers(9 * 3600, 18 * 3600, n)  # local time of the change, seconds after midnight
    new_status = np.where(
        status == NEW,
        np.where(rng.random(n) < 0.65, SOLVED, PENDING),
        np.where(rng.random(n) < 0.75, SOLVED, CLOSED),
    )
    new_status = np.where(reopened, SOLVED, new_status)
    redeliver = {
        "_days_later": later,
        "_at": at,
        "_new_status": new_status,
        "_reopened": reopened,
        "_was_new": status == NEW,
        "_handle": handle,
    }
    return first, redeliver


def chats(rng: np.random.Generator, a: Arrivals, day_start: int) -> dict:
    n = len(a)
    eff = K.REASON_EFFORT[a.reason]
    p_bot = _containment(K.CHAT_BOT_SHARE, K.CHAT_BOT_REASON_BOOST, K.REASON_MIX[K.CHAT])[a.reason]
    bot = rng.random(n) < p_bot
    abandoned = ~bot & (rng.random(n) < K.CHAT_ABANDON_SHARE)
    answered = ~bot & ~abandoned
    load = K.HOURLY_LOAD[_hour(a.t, day_start)]
    wait = np.where(abandoned, rng.exponential(110, n), rng.exponential(30 * load)).round().astype(np.int64)
    handle = lognormal(rng, 640 * eff, 0.45, n, 60, 5400)
    team = np.where(rng.random(n) < K.CHAT_TO_NEARSHORE, K.NEARSHORE, K.DIGITAL)
    conc = np.clip(rng.normal(np.where(team == K.NEARSHORE, 1.7, 1.95), 0.45), 1.0, 3.0)
    conc_c = (conc * 100).round().astype(np.int64)  # written with 2 decimals
    bot_dur = lognormal(rng, 160, 0.5, n, 20, 1800)
    ended = np.where(bot, a.t + bot_dur, np.where(abandoned, a.t + wait, a.t + wait + handle))
    on = np.where(answered, np.rint(handle * 100 / conc_c), 0).astype(np.int64)
    outcome = np.where(bot, "bot_resolved", np.where(abandoned, "abandoned", "answered")).astype(object)
    return {
        "started": a.t,
        "ended": ended,
        "customer": a.customer,
        "reason": _null_reason(rng, a.reason, 0.03),
        "outcome": outcome,
        "wait_seconds": np.where(bot, NULL, wait),
        "handle_seconds": np.where(answered, handle, NULL),
        "concurrency_cents": np.where(answered, conc_c, NULL),
        "updated": ended + rng.integers(0, 30, n),
        "_team": np.where(answered, team, -1),
        "_on": on,
        "_acw": np.zeros(n, np.int64),
        "_p_repeat": np.select(
            [answered, abandoned],
            [K.P_REPEAT["chat_answered"], K.P_REPEAT["chat_abandoned"]],
            K.P_REPEAT["chat_bot"],
        ),
        "_survey": np.where(
            answered, K.SURVEY_RATE["handled"], np.where(bot, K.SURVEY_RATE["unassisted"], 0.0)
        ),
        "_end": ended,
        "_reason": a.reason.astype(np.int16),
        "_channel": a.channel,
    }


def sessions(rng: np.random.Generator, a: Arrivals) -> dict:
    n = len(a)
    reason = _null_reason(rng, a.reason, 0.10)
    p_done = np.where(reason < 0, 0.6, K.SS_COMPLETION[a.reason])
    completed = rng.random(n) < p_done
    return {
        "started": a.t,
        "customer": a.customer,
        "platform": np.where(rng.random(n) < K.SS_APP_SHARE, "app", "web").astype(object),
        "reason": reason,
        "completed": completed.astype(np.int8),
        "_team": np.full(n, -1, np.int64),
        "_on": np.zeros(n, np.int64),
        "_acw": np.zeros(n, np.int64),
        "_p_repeat": np.where(completed, K.P_REPEAT["ss_completed"], K.P_REPEAT["ss_failed"]),
        "_survey": np.full(n, K.SURVEY_RATE["unassisted"] * 0.5),
        "_end": a.t + lognormal(rng, 180, 0.8, n, 10, 3600),
        "_reason": a.reason.astype(np.int16),
        "_channel": a.channel,
    }


def take(frame: dict, idx) -> dict:
    idx = np.asarray(idx)
    return {
        k: (v.take(pa.array(idx, type=pa.int64())) if isinstance(v, pa.Array) else v[idx])
        for k, v in frame.items()
    }


def concat(frames: list[dict]) -> dict:
    frames = [f for f in frames if f]
    if not frames:
        return {}
    return {
        k: (
            pa.concat_arrays([f[k] for f in frames])
            if isinstance(frames[0][k], pa.Array)
            else np.concatenate([f[k] for f in frames])
        )
        for k in frames[0]
    }
