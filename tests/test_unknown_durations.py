"""Unknown is not zero, end to end: one hand-written call export in three variants goes through
the whole pipeline and gives the KPIs, their coverage counts and the estimated share of the cost
drivers computed by hand.

The same seven calls (three answered by agent A1, two abandoned, one caller who hung up in the
voice menu, one IVR self-service) are delivered three times, one month each, in the landing
contract's CSV (business timezone America/New_York, local timestamps):
- January, variant 1: the optional duration columns are absent from the header (ivr_seconds,
  queue_seconds, talk_seconds, hold_seconds, acw_seconds; transferred too);
- February, variant 2: the columns are present but empty on most rows (one call has every
  value, some have a few, three have none);
- March, variant 3: every value is there.
The ledger costs one agent team (CC4110, labour) and the telephony platform (CC4510) each month;
nothing else is delivered. One pipeline run for the three variants.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from test_kpis import assert_close

CALLS_ABSENT = """\
call_id,direction,started_at,queue,agent_id,outcome
J1,inbound,2026-01-15T09:00:00,billing,A1,answered
J2,inbound,2026-01-15T09:10:00,billing,A1,answered
J3,inbound,2026-01-15T09:20:00,billing,A1,answered
J4,inbound,2026-01-15T09:30:00,billing,,abandoned
J5,inbound,2026-01-15T09:40:00,billing,,abandoned
J6,inbound,2026-01-15T09:50:00,,,ivr_abandoned
J7,inbound,2026-01-15T10:00:00,,,ivr_self_served
"""

HEADER = (
    "call_id,direction,started_at,queue,ivr_seconds,queue_seconds,agent_id,"
    "talk_seconds,hold_seconds,acw_seconds,outcome,transferred\n"
)

CALLS_EMPTY = (
    HEADER
    + """\
F1,inbound,2026-02-16T09:00:00,billing,30,10,A1,200,20,40,answered,false
F2,inbound,2026-02-16T09:10:00,billing,30,,A1,300,,,answered,false
F3,inbound,2026-02-16T09:20:00,billing,,,A1,,,,answered,
F4,inbound,2026-02-16T09:30:00,billing,20,4,,,,,abandoned,
F5,inbound,2026-02-16T09:40:00,billing,,,,,,,abandoned,
F6,inbound,2026-02-16T09:50:00,,,,,,,,ivr_abandoned,
F7,inbound,2026-02-16T10:00:00,,60,,,,,,ivr_self_served,
"""
)

CALLS_ALL = (
    HEADER
    + """\
M1,inbound,2026-03-05T09:00:00,billing,30,10,A1,200,20,40,answered,false
M2,inbound,2026-03-05T09:10:00,billing,30,30,A1,300,0,60,answered,false
M3,inbound,2026-03-05T09:20:00,billing,20,50,A1,400,40,80,answered,false
M4,inbound,2026-03-05T09:30:00,billing,20,4,,0,0,0,abandoned,false
M5,inbound,2026-03-05T09:40:00,billing,10,25,,0,0,0,abandoned,false
M6,inbound,2026-03-05T09:50:00,,40,0,,0,0,0,ivr_abandoned,false
M7,inbound,2026-03-05T10:00:00,,60,0,,0,0,0,ivr_self_served,false
"""
)

AGENTS = """\
agent_id,agent_name,team,site,cost_center,employment_type,fte,hired_on,left_on
A1,Agent One,Voice Care,Charlotte,CC4110,employee,1.0,2024-01-02,
"""

LEDGER = """\
journal_id,line_number,posting_date,account_code,account_name,cost_center,amount,currency,description
JE-2026-01,1,2026-01-31,6000,Salaries and wages,CC4110,300.00,USD,Payroll Voice Care
JE-2026-01,2,2026-01-31,6210,Telephony,CC4510,700.00,USD,Telephony platform
JE-2026-02,1,2026-02-28,6000,Salaries and wages,CC4110,930.00,USD,Payroll Voice Care
JE-2026-02,2,2026-02-28,6210,Telephony,CC4510,1098.00,USD,Telephony platform
JE-2026-03,1,2026-03-31,6000,Salaries and wages,CC4110,1140.00,USD,Payroll Voice Care
JE-2026-03,2,2026-03-31,6210,Telephony,CC4510,1289.00,USD,Telephony platform
"""


@pytest.fixture(scope="module")
def three_variants(tmp_path_factory):
    from conftest import make_settings

    from orchestration.pipeline import run

    root = tmp_path_factory.mktemp("unknown_durations")
    landing = root / "landing"
    files = {
        ("telephony_calls", "2026-01.csv"): CALLS_ABSENT,
        ("telephony_calls", "2026-02.csv"): CALLS_EMPTY,
        ("telephony_calls", "2026-03.csv"): CALLS_ALL,
        ("agents", "agents.csv"): AGENTS,
        ("gl_journal_lines", "2026-q1.csv"): LEDGER,
    }
    for (source, name), text in files.items():
        (landing / source).mkdir(parents=True, exist_ok=True)
        (landing / source / name).write_text(text)
    settings = make_settings(root, landing)
    run(settings)
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        yield connection


KPI_COLUMNS = (
    "offered",
    "answered",
    "abandoned",
    "abandoned_known_wait_count",
    "short_abandoned",
    "asa_answered_count",
    "asa_seconds",
    "aht_handled_count",
    "aht_seconds",
    "abandonment_rate",
    "abandonment_excl_short_rate",
    "sl_denominator",
    "sl_unknown_wait_count",
    "service_level_rate",
)


def test_inbound_call_kpis_and_their_coverage_in_the_three_variants(three_variants):
    """By hand, channel inbound_call, T = 20 s, short abandon <= 5 s; every day offered 5
    (3 answered, 2 abandoned; the IVR calls are channel ivr), abandonment 2 / 5 = 0.4.

    January (no duration delivered): no wait and no handle time is known. ASA, AHT, the service
    level and abandonment without short abandons have no contact to judge: null (not 0 s, not
    0%), coverage 0 of 3 answered, 0 of 2 abandoned; 5 contacts with unknown wait.

    February (partly empty): F1 answered wait 10, handle 200 + 20 + 40 = 260; F2 answered,
    wait and hold unknown; F3 answered, nothing known; F4 abandoned wait 4 (short); F5
    abandoned, wait unknown. ASA 10 / 1 = 10.0 (F2, F3 are not "answered at 0 s"); AHT
    260 / 1 = 260.0; service level: F1 within T / (1 answered with known wait + 0 abandoned
    after T) = 1.0, with F2, F3, F5 of unknown wait (3); without short abandons (1 - 1) /
    (1 + 1 - 1) = 0.0.

    March (all values): waits 10, 30, 50 answered, 4 and 25 abandoned; handles 260, 360, 520.
    ASA 90 / 3 = 30.0; AHT 1140 / 3 = 380.0; service level M1 / (3 answered + M5 after T) =
    1 / 4 = 0.25; short abandons M4 -> (2 - 1) / (3 + 2 - 1) = 0.25."""
    rows = three_variants.execute(
        f"select kpi_date, {', '.join(KPI_COLUMNS)} from marts.fct_channel_kpis_daily "
        "where channel = 'inbound_call' and offered > 0 order by kpi_date"
    ).fetchall()
    got = {str(r[0]): dict(zip(KPI_COLUMNS, r[1:], strict=True)) for r in rows}
    expected = {
        "2026-01-15": (5, 3, 2, 0, 0, 0, None, 0, None, 0.4, None, 0, 5, None),
        "2026-02-16": (5, 3, 2, 1, 1, 1, 10.0, 1, 260.0, 0.4, 0.0, 1, 3, 1.0),
        "2026-03-05": (5, 3, 2, 2, 1, 3, 30.0, 3, 380.0, 0.4, 0.25, 4, 0, 0.25),
    }
    assert set(got) == set(expected)
    for day, values in expected.items():
        for column, value in zip(KPI_COLUMNS, values, strict=True):
            assert_close(got[day][column], value, f"{day} {column}")


def test_an_ivr_hang_up_is_offered_on_the_ivr_row_and_not_contained(three_variants):
    """Each day: the ivr row offers the hang-up in the menu and the self-served call (2); IVR
    containment = 1 self-served / all 7 inbound calls = 1/7; no queue KPI on the ivr row."""
    rows = three_variants.execute(
        "select kpi_date, offered, containment_contained, containment_denominator, containment_rate, "
        "abandoned, sl_denominator from marts.fct_channel_kpis_daily "
        "where channel = 'ivr' and offered > 0 order by kpi_date"
    ).fetchall()
    assert [str(r[0]) for r in rows] == ["2026-01-15", "2026-02-16", "2026-03-05"]
    for _, offered, contained, denominator, rate, abandoned, sl_denominator in rows:
        assert (offered, contained, denominator, abandoned, sl_denominator) == (2, 1, 7, None, None)
        assert_close(rate, 1 / 7, "ivr containment")


def test_the_cost_mart_says_how_much_of_the_driver_was_estimated(three_variants):
    """By hand, labour (CC4110) by productive handle minutes, telephony (CC4510) by usage
    (IVR + queue + talk + hold), to the cent.

    January: no handle time known in the month: each answered call counts one minute (equal
    weight), labour 300.00 all on inbound_call; no usage component known anywhere: each call
    one minute, telephony 700.00 x 5/7 = 500.00 inbound, x 2/7 = 200.00 ivr. Every driver
    estimated: share 1.0 on both rows; 3 handle times estimated.

    February: component averages of the answered calls' known values: ivr 30, wait 10, talk
    (200 + 300) / 2 = 250, hold 20, acw 40. Handle: F1 260 known, F2 300 + 20 + 40 = 360 (60
    estimated), F3 250 + 20 + 40 = 310 (all estimated): 930 s, 370 estimated; labour 930.00
    on inbound_call, 370.00 of it on estimated minutes. Usage: F1 260, F2 30 + 10 + 300 + 20 =
    360 (30 estimated), F3 30 + 10 + 250 + 20 = 310 (estimated), F4 20 + 4 = 24, F5 by the
    abandons' averages 20 + 4 = 24 (estimated): inbound 978 s, 364 estimated; ivr: F7 60
    known, F6 nothing known in its group: one minute (estimated): 120 s, 60 estimated.
    Telephony 1098.00 x 978 / 1098 = 978.00 inbound, 120.00 ivr. Estimated share inbound =
    (370 + 364) / (930 + 978) = 734 / 1908 = 0.3847; ivr 60 / 120 = 0.5000; 2 handle times
    estimated.

    March: everything known, share 0: labour 1140.00 (1140 s), telephony 1289.00 by usage
    260 + 360 + 510 + 24 + 35 = 1189 inbound and 40 + 60 = 100 ivr."""
    rows = three_variants.execute(
        "select cost_month, channel, labour_cost_amount, platform_cost_amount, "
        "handle_time_estimated_interactions, estimated_driver_share "
        "from marts.fct_channel_costs_monthly where channel in ('inbound_call', 'ivr')"
    ).fetchall()
    got = {(str(r[0]), r[1]): r[2:] for r in rows}
    expected = {
        ("2026-01-01", "inbound_call"): ("300.00", "500.00", 3, "1.0000"),
        ("2026-01-01", "ivr"): ("0.00", "200.00", 0, "1.0000"),
        ("2026-02-01", "inbound_call"): ("930.00", "978.00", 2, "0.3847"),
        ("2026-02-01", "ivr"): ("0.00", "120.00", 0, "0.5000"),
        ("2026-03-01", "inbound_call"): ("1140.00", "1189.00", 0, "0.0000"),
        ("2026-03-01", "ivr"): ("0.00", "100.00", 0, "0.0000"),
    }
    assert set(got) == set(expected)
    for key, (labour, platform, estimated_contacts, share) in expected.items():
        assert got[key][0] == Decimal(labour), key
        assert got[key][1] == Decimal(platform), key
        assert got[key][2] == estimated_contacts, key
        assert got[key][3] == Decimal(share), key
