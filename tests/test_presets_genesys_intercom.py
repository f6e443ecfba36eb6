"""Presets end to end, run B: Genesys Cloud calls, Intercom chats and e-mail cases, a ledger in the
contract's CSV, and the call-centre CSV of test_mappings.py in October, from hand-written exports
through the whole pipeline to hand-computed KPIs and costs.

Fixtures (tests/fixtures/vendor_exports/<preset>/), by hand in the vendors' formats: Genesys
conversations exported while in progress and again when ended, a transfer within a conversation,
millisecond metrics, a chat conversation (not a call); Intercom pages listing a conversation
twice, an open unanswered one (not read yet), an outbound message (not read), an e-mail
conversation (a case), statistics null in nested objects. One pipeline run (about two
minutes), marked slow. Business timezone America/New_York: 2026-11-20 is EST (UTC-5).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import open_with_build
from presets import assert_kpis, channel_costs, copy_fixture, daily_kpis, preset_settings
from test_mappings import CALL_LOG, CALL_LOG_MAPPING

from orchestration.pipeline import run

pytestmark = pytest.mark.slow

AGENTS_B = """\
agent_id,agent_name,team,site,cost_center,employment_type,fte,hired_on,left_on
u-ada,Ada A,Voice Care,Main,CC4110,employee,1.0,2024-01-01,
u-ben,Ben B,Voice Care,Main,CC4110,employee,1.0,2024-01-01,
814,Ivy I,Digital Care,Main,CC4120,employee,1.0,2024-01-01,
815,Jo J,Digital Care,Main,CC4120,employee,1.0,2024-01-01,
"""
GL_B = """\
journal_id,line_number,posting_date,account_code,account_name,cost_center,amount,currency,description
N1,1,2026-11-30,6000,Salaries,CC4110,910.00,USD,Voice Care
N1,2,2026-11-30,6210,Telephony,CC4510,1011.00,USD,Genesys Cloud
N1,3,2026-11-30,6000,Salaries,CC4120,1440.00,USD,Digital Care
N1,4,2026-11-30,6200,Software,CC4520,30.00,USD,Intercom seats
N1,5,2026-11-30,6200,Software,CC4530,5.00,USD,Fin resolutions
"""


@pytest.fixture(scope="module")
def run_b(tmp_path_factory):
    root = tmp_path_factory.mktemp("presets_b")
    settings = preset_settings(root)
    landing, config = settings.landing_dir, settings.config_dir
    for name in ("genesys_cloud_conversations", "intercom_conversations"):
        copy_fixture(name, landing)
    (landing / "callcentre_log").mkdir(parents=True)
    (landing / "callcentre_log" / "calls-2026-10.csv").write_text(CALL_LOG)
    (config / "mappings").mkdir(parents=True)
    (config / "mappings" / "callcentre_log.yml").write_text(CALL_LOG_MAPPING)
    for source, text in (("agents", AGENTS_B), ("gl_journal_lines", GL_B)):
        (landing / source).mkdir()
        (landing / source / f"{source}.csv").write_text(text)
    run(settings, accept_rejections=True)  # a call log row is rejected: accepted, to see it
    with open_with_build(settings) as con:  # the published marts, staging from the build file
        yield con


def test_genesys_conversations_give_the_hand_computed_kpis(run_b):
    """One row per conversation, metrics in milliseconds rounded to seconds, by hand:
    G1 inbound: IVR 30.5 s -> 31, queue 12, talk 300.4 -> 300, hold 20, ACW 60: handle 380;
    G2 inbound, transferred inside the conversation: queues 15 + 8 = 23, agents 100 + 200 talk,
       30 hold, 10 + 40 ACW: handle 380, agent = the first who answered (u-ada);
    G3 exported in progress (no conversationEnd), again ended: abandoned after 45 s;
    G4 ended in the IVR (90 s): ivr_self_served; G5 outbound answered, 120 + 30 = 150;
    G6 outbound never answered: no_answer; G7 a chat conversation: not a call.
    inbound_call: offered 3, answered 2, abandoned 1, ASA (12 + 23) / 2 = 17.5, AHT 380,
    abandonment 1 / 3, service level 20 s = G1 / (2 answered + G3) = 1 / 3, transfer rate 1 / 2;
    ivr containment 1 / 4; outbound_call: offered 2, AHT 150. (October is the call log's.)"""
    assert_kpis(
        {
            key: values
            for key, values in daily_kpis(run_b, ("inbound_call", "outbound_call", "ivr")).items()
            if key[0].startswith("2026-11")
        },
        {
            ("2026-11-20", "inbound_call"): (3, 2, 1, 17.5, 380.0, 1 / 3, 1 / 3, 0.5, None),
            ("2026-11-20", "ivr"): (1, None, None, None, None, None, None, None, 0.25),
            ("2026-11-20", "outbound_call"): (2, None, None, None, 150.0, None, None, 0.0, None),
        },
    )
    calls = dict(
        run_b.execute(
            "select call_id, agent_id from staging.stg_telephony__calls where direction = 'inbound'"
        ).fetchall()
    )
    assert calls["0b1e6d2a-0002-4c55-9e0a-00000000g002"] == "u-ada"


def test_intercom_conversations_give_the_hand_computed_chat_and_case_kpis(run_b):
    """Chats (customer-started Messenger conversations), by hand: I1 answered 45 s after the
    customer's first message, handling time 840 s (listed again on page 2 with a rating: one
    chat); I2 closed with no teammate reply: abandoned (its wait is unknown); I3 resolved by
    Fin: bot_resolved; I4 still open and unanswered and I5 an outbound message: not read.
    chat: offered 2, answered 1, abandoned 1, ASA 45, AHT 840, abandonment 0.5; chatbot
    containment 1 / 3. (The chat service level is not asserted: it depends on how the contract
    will treat an abandon with unknown wait.)
    I6, an e-mail conversation, is an email case: created 10:20 local, first teammate reply
    one hour later, closed two hours after creation: first response 1 h, resolution 2 h."""
    kpis = daily_kpis(run_b, ("chat", "chatbot"))
    got = {key: (v[0], v[1], v[2], v[3], v[4], v[5], v[8]) for key, v in kpis.items()}
    assert_kpis(
        got,
        {
            ("2026-11-20", "chat"): (2, 1, 1, 45.0, 840.0, 0.5, None),
            ("2026-11-20", "chatbot"): (1, None, None, None, None, None, 1 / 3),
        },
    )
    cases = run_b.execute(
        "select channel, cases_created, avg_first_response_hours, avg_resolution_hours from marts.fct_case_kpis_daily "
        "where cases_created > 0"
    ).fetchall()
    assert cases == [("email", 1, 1.0, 2.0)]


def test_genesys_and_intercom_cost_every_channel_to_the_cent(run_b):
    """Ledger (contract CSV), November: Voice Care 910.00 by handle seconds: inbound 380 + 380,
    outbound G5 150 (G6 no agent time) = 1 USD a second; telephony 1011.00 by usage: inbound
    G1 31 + 12 + 300 + 20 = 363, G2 20 + 23 + 300 + 30 = 373, G3 20 + 45 = 65; ivr G4 90;
    outbound G5 120, of 1011 s; Digital Care 1440.00 by handle seconds: chat I1 840, email I6
    600; Intercom seats 30.00 by interaction over I1, I2, I6: 10.00 each; Fin 5.00 to I3.
    inbound_call 760 + 801 = 1561.00, outbound_call 150 + 120 = 270.00, ivr 90.00,
    chat 840 + 20 = 860.00, email 600 + 10 = 610.00, chatbot 5.00."""
    assert channel_costs(run_b, "2026-11-01") == {
        "inbound_call": Decimal("1561.00"),
        "outbound_call": Decimal("270.00"),
        "ivr": Decimal("90.00"),
        "chat": Decimal("860.00"),
        "email": Decimal("610.00"),
        "chatbot": Decimal("5.00"),
    }


def test_only_the_unreadable_row_of_the_call_centre_csv_reaches_quarantine(run_b):
    """The call log has no IVR, hold or after-call time (mapped to null: the export has none):
    optional, so no row is rejected for them. Only ID0005 (row 5: 31 February) is quarantined,
    as unparseable_type of started_at, with the vendor file and its row; nothing is dropped."""
    rows = run_b.execute(
        "select row_number, rule, column_name from quarantine.rejected_rows "
        "where file_name = 'callcentre_log/calls-2026-10.csv' order by row_number"
    ).fetchall()
    assert rows == [(5, "unparseable_type", "started_at")]


def test_the_call_centre_csv_gives_the_hand_computed_kpis(run_b):
    """The call log of test_mappings.py (DD/MM/YYYY, H:MM:SS, Y/N) has no IVR, hold or
    after-call time: mapped to null (optional columns), by hand: 2026-10-15 inbound_call
    offered 3 (ID0001 answered after 12 s, ID0002
    abandoned, ID0003 answered after 31 s at 23:59:59 local), answered 2, abandoned 1, ASA
    (12 + 31) / 2 = 21.5; 2026-10-16 offered 1 answered 1 ASA 7; ID0005 (31 February, '12:61')
    stays quarantined as unparseable_type."""
    got = {
        key: values[:4]
        for key, values in daily_kpis(run_b, ("inbound_call",)).items()
        if key[0].startswith("2026-10")
    }
    assert_kpis(
        got, {("2026-10-15", "inbound_call"): (3, 2, 1, 21.5), ("2026-10-16", "inbound_call"): (1, 1, 0, 7.0)}
    )
