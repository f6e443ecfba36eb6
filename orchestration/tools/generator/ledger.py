"""General ledger: monthly journals sized from the simulated workload, and the FX rates.

Each month touched by a generator call gets journals for the simulated days of
that month only (pro rata, no extrapolation to the full month): payroll of the
employee teams, the nearshore partner's invoice in EUR, telephony, software
licences, self-service portal, facilities and management overhead, and
out-of-scope lines of other departments. Amounts follow from hours, minutes,
seats and sessions of the simulation, so cost per contact lands in the
published benchmark ranges whatever the volume.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from . import constants as K

FX_FIRST_MONTH = dt.date(2024, 1, 1)
FX_LAST_MONTH = dt.date(2028, 12, 1)


def fx_rate(month: dt.date, currency: str) -> float:
    """Units of USD for one unit of `currency` in a month: a slow, deterministic drift."""
    m = (month.year - 2024) * 12 + month.month - 1
    if currency == "EUR":
        r = 1.085 + 0.035 * math.sin(2 * math.pi * m / 26) + 0.012 * math.sin(2 * math.pi * m / 7 + 1)
    elif currency == "GBP":
        r = 1.265 + 0.030 * math.sin(2 * math.pi * m / 31 + 2) + 0.010 * math.sin(2 * math.pi * m / 5)
    elif currency == K.REPORTING_CURRENCY:
        return 1.0
    else:
        raise KeyError(currency)
    return round(r, 4)


def fx_rows() -> list[tuple[str, str, str]]:
    rows = []
    for cur in K.FX_CURRENCIES:
        y, mth = FX_FIRST_MONTH.year, FX_FIRST_MONTH.month
        while (y, mth) <= (FX_LAST_MONTH.year, FX_LAST_MONTH.month):
            d = dt.date(y, mth, 1)
            rows.append((d.isoformat(), cur, f"{fx_rate(d, cur):.4f}"))
            y, mth = (y + 1, 1) if mth == 12 else (y, mth + 1)
    return sorted(rows)


@dataclass
class MonthDrivers:
    """Workload of the simulated days of one month."""

    days: int = 0
    last_day: int = 0
    paid: np.ndarray = field(default_factory=lambda: np.zeros(len(K.TEAMS)))
    overtime: np.ndarray = field(default_factory=lambda: np.zeros(len(K.TEAMS)))
    absence: np.ndarray = field(default_factory=lambda: np.zeros(len(K.TEAMS)))
    agent_days: np.ndarray = field(default_factory=lambda: np.zeros(len(K.TEAMS)))
    employee_agent_days: float = 0.0
    call_seconds: float = 0.0
    inbound_calls: int = 0
    tickets: int = 0
    chats: int = 0
    bot_chats: int = 0
    sessions: int = 0


def _lines_for_month(d: MonthDrivers, volume_scale: float) -> list[tuple]:
    """(journal_kind, account, cost_center, amount, currency, description) for one month."""
    L: list[tuple] = []
    hours = d.paid / 3600
    ot_h = d.overtime / 3600
    for t in (K.VOICE, K.DIGITAL, K.RETENTION):
        cc = K.TEAMS[t][1]
        name = K.TEAMS[t][0]
        wage = K.BASE_WAGE[t]
        sal = (hours[t] - ot_h[t]) * wage
        ot = ot_h[t] * wage * K.OVERTIME_PREMIUM
        L.append(("PAY", "6000", cc, sal, "USD", f"Payroll {name} agents"))
        if ot > 0:
            L.append(("PAY", "6010", cc, ot, "USD", f"Overtime {name}"))
        L.append(
            ("PAY", "6020", cc, K.BENEFITS_RATE * (sal + ot), "USD", f"Benefits and payroll taxes {name}")
        )
        if K.COMMISSION_RATE[t] > 0:
            L.append(("PAY", "6030", cc, K.COMMISSION_RATE[t] * sal, "USD", f"Incentives {name}"))
        L.append(("PAY", "6100", cc, K.TRAINING_PER_PAID_HOUR * hours[t], "USD", f"Training courses {name}"))
    emp_days = d.employee_agent_days
    sup = emp_days / K.AGENT_DAYS_PER_SUPERVISOR * K.SUPERVISOR_DAY_COST
    L.append(("PAY", "6000", "CC4900", sup, "USD", "Payroll team leads and customer service management"))

    billable = (d.paid[K.NEARSHORE] - d.absence[K.NEARSHORE]) / 3600
    fee_base = billable * K.NEARSHORE_EUR_PER_PAID_HOUR
    L.append(("NSP", "6300", "CC4190", fee_base, "EUR", "Nearshore partner invoice: agent hours"))
    L.append(
        (
            "NSP",
            "6300",
            "CC4190",
            fee_base * K.NEARSHORE_MANAGEMENT_FEE,
            "EUR",
            "Nearshore partner invoice: management fee",
        )
    )

    carrier = d.call_seconds / 60 * K.CARRIER_PER_MINUTE
    voice_days = (
        d.agent_days[K.VOICE]
        + d.agent_days[K.RETENTION]
        + d.agent_days[K.NEARSHORE] * (1 - K.CHAT_TO_NEARSHORE)
    )
    L.append(("TEL", "6210", "CC4510", carrier, "USD", "Carrier minutes and numbers"))
    L.append(
        (
            "TEL",
            "6200",
            "CC4510",
            voice_days * K.VOICE_SEAT_PER_AGENT_DAY + d.inbound_calls * K.IVR_PER_INBOUND_CALL,
            "USD",
            "Contact-center platform and IVR licences",
        )
    )
    L.append(
        (
            "TEL",
            "6210",
            "CC4510",
            -carrier * K.CARRIER_CREDIT_SHARE,
            "USD",
            "Carrier credit note: service outage",
        )
    )

    digital_days = d.agent_days[K.DIGITAL] + d.agent_days[K.NEARSHORE] * K.CHAT_TO_NEARSHORE
    L.append(
        (
            "SAAS",
            "6200",
            "CC4520",
            digital_days * K.DIGITAL_SEAT_PER_AGENT_DAY,
            "USD",
            "Ticketing and chat seat licences",
        )
    )
    L.append(
        (
            "SAAS",
            "6200",
            "CC4520",
            (d.tickets + d.chats) * K.DIGITAL_PER_CASE,
            "USD",
            "Ticketing and chat usage fees",
        )
    )
    L.append(
        (
            "SAAS",
            "6200",
            "CC4530",
            d.bot_chats * K.CHATBOT_PER_BOT_CHAT,
            "USD",
            "Chatbot resolved conversations",
        )
    )
    L.append(("SAAS", "6200", "CC4530", d.chats * K.CHATBOT_PER_CHAT, "USD", "Chatbot NLU platform"))
    L.append(
        (
            "SAAS",
            "6200",
            "CC4540",
            d.sessions * K.PORTAL_SOFTWARE_PER_SESSION,
            "USD",
            "Self-service portal hosting and licences",
        )
    )
    L.append(
        (
            "SAAS",
            "6300",
            "CC4540",
            d.sessions * K.PORTAL_DEV_PER_SESSION,
            "USD",
            "Self-service portal development partner",
        )
    )

    o = K.OVERHEAD_PER_AGENT_DAY
    L.append(("FAC", "6400", "CC4900", emp_days * o["rent"], "USD", "Contact-center office rent"))
    L.append(("FAC", "6410", "CC4900", emp_days * o["energy"], "USD", "Electricity and heating"))
    L.append(("FAC", "6900", "CC4900", emp_days * o["other"], "USD", "Office services, IT support, supplies"))
    L.append(("FAC", "6100", "CC4900", emp_days * o["training"], "USD", "Onboarding program"))
    accrual = emp_days * K.FACILITIES_ACCRUAL_PER_AGENT_DAY
    L.append(("FAC", "6900", "CC4900", accrual, "USD", "Accrual: facilities services not yet invoiced"))
    L.append(("FAC", "6900", "CC4900", -0.8 * accrual, "USD", "Reversal of prior-period facilities accrual"))

    for cc, acct, per_day, desc in K.OUT_OF_SCOPE_PER_DAY:
        L.append(("OOS", acct, cc, per_day * d.days * volume_scale, "USD", desc))
    return L


def journal_lines(months: dict[str, MonthDrivers], tag: str, contacts_per_day: int) -> dict[str, dict]:
    """{YYYY-MM: columns of gl_journal_lines} with amounts rounded to cents."""
    scale = contacts_per_day / 4000
    out = {}
    for month, d in sorted(months.items()):
        lines = _lines_for_month(d, scale)
        ym = month.replace("-", "")
        posting = dt.date.fromordinal(d.last_day).isoformat()
        jid, ln, acct, name, cc, amt, cur, desc = [], [], [], [], [], [], [], []
        counters: dict[str, int] = {}
        for kind, a, c, amount, currency, text in lines:
            counters[kind] = counters.get(kind, 0) + 1
            jid.append(f"JE-{ym}-{kind}-{tag}")
            ln.append(counters[kind])
            acct.append(a)
            name.append(K.ACCOUNTS[a][0])
            cc.append(c)
            amt.append(int(round(amount * 100)))
            cur.append(currency)
            desc.append(text)
        out[month] = {
            "journal_id": np.array(jid, dtype=object),
            "line_number": np.array(ln, dtype=np.int64),
            "posting_date": np.full(len(jid), posting, dtype=object),
            "account_code": np.array(acct, dtype=object),
            "account_name": np.array(name, dtype=object),
            "cost_center": np.array(cc, dtype=object),
            "amount_cents": np.array(amt, dtype=np.int64),
            "currency": np.array(cur, dtype=object),
            "description": np.array(desc, dtype=object),
        }
    return out


def days_in_month(month: str) -> int:
    y, m = map(int, month.split("-"))
    return calendar.monthrange(y, m)[1]
