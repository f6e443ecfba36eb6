"""What the sample company looks like: channels, reasons, mixes, teams, rates, accounts.

Every number the simulation uses lives here, so docs/SAMPLE_DATA.md and the
calibration can be read off one file.
"""

from __future__ import annotations

import numpy as np

# --- channels (internal codes; the landing files carry the contract's own codes) ---
INBOUND, OUTBOUND, EMAIL, WEB_FORM, SOCIAL, CHAT, SELF_SERVICE = range(7)
CHANNEL_NAMES = ("inbound_call", "outbound_call", "email", "web_form", "social", "chat", "self_service")
# share of all interactions (calls incl. IVR-contained, chats incl. chatbot)
CHANNEL_MIX = np.array([0.38, 0.04, 0.14, 0.05, 0.03, 0.14, 0.22])
TICKET_CHANNEL_CODES = {EMAIL: "email", WEB_FORM: "web_form", SOCIAL: "social"}

# --- contact reasons and their mix per channel ---
REASONS = (
    "billing_question",
    "payment_arrangement",
    "change_tv_channel",
    "technical_issue",
    "outage_report",
    "address_change",
    "cancel_service",
    "new_order",
    "order_status",
    "complaint",
)
(
    R_BILLING,
    R_PAYMENT,
    R_TV,
    R_TECH,
    R_OUTAGE,
    R_ADDRESS,
    R_CANCEL,
    R_NEW_ORDER,
    R_ORDER_STATUS,
    R_COMPLAINT,
) = range(10)
REASON_MIX = np.array(
    [
        # bill  pay   tv   tech  outage addr cancel new  status compl
        [22, 8, 6, 20, 7, 4, 6, 7, 8, 6],  # inbound
        [0, 35, 0, 10, 0, 0, 25, 20, 0, 10],  # outbound (collections, save desk, upsell, call-backs)
        [25, 6, 4, 12, 3, 12, 6, 5, 15, 12],  # email
        [15, 5, 10, 10, 0, 20, 5, 15, 15, 5],  # web_form
        [10, 2, 3, 20, 25, 1, 4, 2, 3, 30],  # social
        [20, 6, 12, 22, 4, 6, 4, 10, 12, 4],  # chat
        [25, 15, 20, 8, 5, 10, 0, 2, 15, 0],  # self_service
    ],
    dtype=float,
)
REASON_MIX /= REASON_MIX.sum(axis=1, keepdims=True)
# relative talk / handle time by reason
REASON_EFFORT = np.array([0.9, 1.1, 0.7, 1.35, 0.8, 0.8, 1.3, 1.15, 0.7, 1.25])

# share of contacts with no known customer, by channel
ANONYMOUS_SHARE = np.array([0.20, 0.0, 0.03, 0.10, 0.25, 0.25, 0.35])

# --- arrivals ---
# Monday high, weekend low; normalised to a weekly mean of 1
WEEKDAY_FACTOR = np.array([1.28, 1.12, 1.06, 1.02, 0.96, 0.50, 0.36])
WEEKDAY_FACTOR = WEEKDAY_FACTOR / WEEKDAY_FACTOR.mean()
# local hour-of-day profiles
HOURLY_VOICE = np.array(
    [
        0.3,
        0.2,
        0.15,
        0.1,
        0.1,
        0.2,
        0.6,
        1.8,
        4.5,
        7.0,
        8.0,
        7.8,
        7.0,
        7.2,
        7.5,
        7.0,
        6.2,
        5.0,
        3.6,
        2.6,
        1.9,
        1.3,
        0.8,
        0.5,
    ]
)
HOURLY_DIGITAL = np.array(
    [
        0.8,
        0.5,
        0.4,
        0.3,
        0.3,
        0.5,
        1.2,
        2.5,
        4.0,
        5.5,
        6.0,
        6.0,
        5.8,
        5.8,
        5.8,
        5.6,
        5.2,
        5.0,
        5.0,
        5.2,
        5.0,
        4.2,
        3.0,
        1.8,
    ]
)
HOURLY_OUTBOUND = np.array([0] * 9 + [6, 8, 8, 5, 6, 8, 8, 7, 6, 5, 4] + [0] * 4, dtype=float)
CHANNEL_HOURLY = [
    HOURLY_VOICE,
    HOURLY_OUTBOUND,
    HOURLY_DIGITAL,
    HOURLY_DIGITAL,
    HOURLY_DIGITAL,
    HOURLY_DIGITAL,
    HOURLY_DIGITAL,
]
# queue load factor by hour (drives waiting time)
HOURLY_LOAD = 0.5 + 1.1 * HOURLY_VOICE / HOURLY_VOICE.max()

# --- repeat contacts ---
# probability that a contact of a known customer is followed by another contact within 1-7 days
P_REPEAT = dict(
    call_answered=0.12,
    call_abandoned=0.45,
    call_ivr=0.11,
    outbound=0.05,
    ticket_solved=0.11,
    ticket_unsolved=0.30,
    chat_answered=0.13,
    chat_abandoned=0.40,
    chat_bot=0.18,
    ss_completed=0.03,
    ss_failed=0.50,
)
# channel of the repeat given the channel of the first contact (rows: from, cols: to)
REPEAT_CHANNEL = np.array(
    [
        # in   out  email web  social chat ss
        [0.60, 0.0, 0.15, 0.05, 0.05, 0.15, 0.0],  # inbound
        [0.70, 0.0, 0.15, 0.0, 0.0, 0.15, 0.0],  # outbound
        [0.45, 0.0, 0.35, 0.05, 0.05, 0.10, 0.0],  # email
        [0.40, 0.0, 0.30, 0.20, 0.0, 0.10, 0.0],  # web_form
        [0.30, 0.0, 0.20, 0.0, 0.40, 0.10, 0.0],  # social
        [0.40, 0.0, 0.20, 0.0, 0.0, 0.40, 0.0],  # chat
        [0.45, 0.0, 0.15, 0.0, 0.0, 0.30, 0.10],  # self_service
    ]
)
REPEAT_SAME_REASON = 0.85
REPEAT_DELAY_DAYS = np.array([30, 22, 15, 11, 9, 7, 6], dtype=float)  # 1..7 days later
REPEAT_DELAY_DAYS /= REPEAT_DELAY_DAYS.sum()

# --- calls ---
IVR_SELF_SERVED = 0.15
IVR_REASON_BOOST = np.array([1.6, 1.8, 0.5, 0.6, 2.2, 0.5, 0.1, 0.3, 1.8, 0.1])  # IVR containment by reason
ANSWERED_AT_ONCE = 0.45  # queued calls answered within 10 s
QUEUE_WAIT_MEAN = 55.0  # seconds, the others, scaled by HOURLY_LOAD
PATIENCE_MEAN = 520.0
SHORT_ABANDON = 0.015
TRANSFER_RATE = 0.04
OUTBOUND_OUTCOMES = ("answered", "no_answer", "voicemail", "failed")
OUTBOUND_OUTCOME_P = np.array([0.60, 0.25, 0.12, 0.03])
CUSTOMER_PHONE_WITHHELD = 0.2  # share of anonymous inbound calls without a caller number

# --- chats ---
CHAT_BOT_SHARE = 0.30
CHAT_BOT_REASON_BOOST = np.array([1.4, 1.0, 1.5, 0.5, 1.6, 1.0, 0.2, 0.8, 1.7, 0.2])
CHAT_ABANDON_SHARE = 0.10  # of chats that ask for an agent

# --- self-service ---
SS_COMPLETION = np.array([0.75, 0.72, 0.82, 0.35, 0.70, 0.80, 0.30, 0.50, 0.80, 0.30])
SS_APP_SHARE = 0.45

# --- surveys ---
SURVEY_RATE = dict(handled=0.11, unassisted=0.03)

# --- teams (labour pools): name, cost centre, roster share, employment type, site, team code ---
VOICE, DIGITAL, RETENTION, NEARSHORE = range(4)
TEAMS = (
    ("Voice Care", "CC4110", 0.40, "employee", "Charlotte", "VC"),
    ("Digital Care", "CC4120", 0.25, "employee", "Charlotte", "DC"),
    ("Retention", "CC4130", 0.10, "employee", "Tampa", "RT"),
    ("Nearshore Partner", "CC4190", 0.25, "outsourced", "Bogota", "NP"),
)
# routing of assisted work to teams
INBOUND_TO_NEARSHORE = 0.32  # overflow share of inbound calls (cancel_service goes to Retention)
OUTBOUND_TO_RETENTION = 0.60  # the rest is dialled by Voice Care
CHAT_TO_NEARSHORE = 0.45  # the rest is Digital Care
# target occupancy per team (handle / (handle + available)) and shrinkage range
TARGET_OCCUPANCY = np.array([0.83, 0.87, 0.79, 0.85])
FULL_DAY_ABSENCE = 0.05
PAID_SECONDS_PER_FTE = 8 * 3600

# --- costs (USD unless stated) ---
BASE_WAGE = np.array([23.0, 20.0, 24.0, 0.0])  # per paid hour, employee teams
OVERTIME_PREMIUM = 1.5
BENEFITS_RATE = 0.30  # of salaries + overtime
COMMISSION_RATE = np.array([0.02, 0.0, 0.10, 0.0])  # of salaries
TRAINING_PER_PAID_HOUR = 0.50
NEARSHORE_EUR_PER_PAID_HOUR = 18.50
NEARSHORE_MANAGEMENT_FEE = 0.05
CARRIER_PER_MINUTE = 0.011
OUTBOUND_RING_SECONDS = 22
IVR_PER_INBOUND_CALL = 0.02
VOICE_SEAT_PER_AGENT_DAY = 5.50  # CCaaS licence, per agent-day worked on voice teams
DIGITAL_SEAT_PER_AGENT_DAY = 6.50  # ticketing + chat licences, per agent-day worked on digital work
DIGITAL_PER_CASE = 0.05
CHATBOT_PER_BOT_CHAT = 0.45
CHATBOT_PER_CHAT = 0.05
PORTAL_SOFTWARE_PER_SESSION = 0.04
PORTAL_DEV_PER_SESSION = 0.06
OVERHEAD_PER_AGENT_DAY = dict(rent=16.0, energy=2.2, other=3.5, training=1.5)  # employee agent-days
SUPERVISOR_DAY_COST = 230.0
AGENT_DAYS_PER_SUPERVISOR = 14.0
CARRIER_CREDIT_SHARE = 0.04
FACILITIES_ACCRUAL_PER_AGENT_DAY = 2.0
# out of scope, per simulated day, scaled by contacts_per_day / 4000
OUT_OF_SCOPE_PER_DAY = (
    ("CC1000", "7100", 2800.0, "Marketing campaigns"),
    ("CC1000", "7200", 1100.0, "Sales commissions"),
    ("CC1000", "6000", 4200.0, "Sales team salaries"),
    ("CC2000", "6000", 1500.0, "Finance team salaries"),
    ("CC2000", "8100", 450.0, "Interest on credit facility"),
)

ACCOUNTS = {
    "6000": ("Salaries and wages", "salaries", True),
    "6010": ("Overtime", "overtime", True),
    "6020": ("Benefits and payroll taxes", "benefits", True),
    "6030": ("Commissions and incentives", "commissions", True),
    "6100": ("Training", "training", True),
    "6200": ("Software and licences", "software", True),
    "6210": ("Telephony and carrier", "telephony", True),
    "6300": ("Outsourcing and contractors", "outsourcing", True),
    "6400": ("Rent", "rent", True),
    "6410": ("Energy", "energy", True),
    "6900": ("Other overhead", "other_overhead", True),
    "7100": ("Marketing", "out_of_scope", False),
    "7200": ("Sales commissions", "out_of_scope", False),
    "8100": ("Interest expense", "out_of_scope", False),
}
COST_CENTERS = {
    "CC4110": "Voice Care",
    "CC4120": "Digital Care",
    "CC4130": "Retention",
    "CC4190": "Nearshore Partner",
    "CC4510": "Telephony platform",
    "CC4520": "Digital platform (ticketing and chat)",
    "CC4530": "Chatbot",
    "CC4540": "Self-service portal",
    "CC4900": "Customer service management and facilities",
    "CC1000": "Sales",
    "CC2000": "Finance",
}
REPORTING_CURRENCY = "USD"
PARTNER_CURRENCY = "EUR"
FX_CURRENCIES = ("EUR", "GBP")
