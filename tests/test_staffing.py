"""Staffing (Erlang C per 30-minute interval) and the what-if scenarios priced on two bases.

The dbt unit tests pin the models on hand-written rows. These tests check the published
warehouse from the outside: Erlang C recomputed by an independent algorithm (Erlang B's
recursion, itself pinned to a published worked example) for every interval and every
re-staffed scenario interval, the contacts and the logged staffing reconciled with the
facts and the workforce export, the benchmark document's worked example exact in
rpt_scenarios. A day written by hand in the landing contract (calls, roster, workforce
states, one ledger line) goes through the whole pipeline and must give the staffing
computed by hand in the test's docstring. docs/decisions/staffing.md.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import open_with_build
from test_kpis import assert_sql_is_portable, df

ROOT = Path(__file__).resolve().parents[1]
STAFFING_SQL = sorted(
    list((ROOT / "models" / "intermediate" / "staffing").glob("*.sql"))
    + list((ROOT / "models" / "marts" / "staffing").glob("*.sql"))
    + [ROOT / "macros" / "staffing.sql", ROOT / "macros" / "tests" / "staffing_tests.sql"]
)

TOLERANCE = 1e-9
SL_SECONDS = {"inbound_call": 20, "chat": 60}
SL_TARGET = 0.80
INTERVAL_SECONDS = 1800


def erlang_c(agents: int, traffic: float) -> float:
    """Probability of waiting, from Erlang B's recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1))
    and C = N B / (N - A (1 - B)) - not the Poisson sums of macros/staffing.sql."""
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return agents * b / (agents - traffic * (1 - b))


def service_level(agents: float, traffic: float, threshold: float, aht: float) -> float:
    """Erlang C service level; 0 when the agents cannot keep up (N <= A)."""
    if agents <= traffic:
        return 0.0
    return 1 - erlang_c(int(agents), traffic) * math.exp(-(agents - traffic) * threshold / aht)


def required_agents(traffic: float, threshold: float, aht: float, target: float) -> int:
    agents = math.floor(traffic) + 1
    while service_level(agents, traffic, threshold, aht) < target:
        agents += 1
    return agents


def fractional_service_level(agents: float, traffic: float, threshold: float, aht: float) -> float:
    low = math.floor(agents)
    low_sl = service_level(low, traffic, threshold, aht)
    return low_sl + (agents - low) * (service_level(low + 1, traffic, threshold, aht) - low_sl)


def test_reference_erlang_c_reproduces_the_published_worked_example():
    """Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example" (the
    widely reproduced case): 100 calls in 30 minutes, AHT 180 s, 80% to answer within 20 s,
    shrinkage 30%. Published: traffic intensity 200 calls/h x 3 min / 60 = 10 Erlangs; with
    11 agents the probability a call waits is 68.21% and the service level 39%; 14 agents
    are needed; with 30% shrinkage 14 / 0.7 = 20 agents to schedule.
    Independently, by the textbook formula with factorials: sum_{k=0}^{10} 10^k / k! =
    12,842.31; 10^11 / 11! x 11 / (11 - 10) = 27,557.32; C(11) = 27,557.32 / 40,399.63 =
    0.6821; SL(11) = 1 - 0.6821 x exp(-1 x 20 / 180) = 1 - 0.6821 x 0.8948 = 0.3896.
    C(13) = 0.2853, SL(13) = 1 - 0.2853 x exp(-60/180) = 0.7956 < 0.8;
    C(14) = 0.1741, SL(14) = 1 - 0.1741 x exp(-80/180) = 0.8884 >= 0.8 -> 14 agents."""

    def by_factorials(n: int, a: float) -> float:
        top = a**n / math.factorial(n) * n / (n - a)
        return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)

    traffic = 100 * 180 / INTERVAL_SECONDS
    assert traffic == 10
    for n in (11, 13, 14):
        assert abs(erlang_c(n, traffic) - by_factorials(n, traffic)) < 1e-12
    assert round(erlang_c(11, traffic), 4) == 0.6821
    assert round(service_level(11, traffic, 20, 180), 2) == 0.39
    assert round(service_level(13, traffic, 20, 180), 4) == 0.7956
    assert round(service_level(14, traffic, 20, 180), 4) == 0.8884
    assert required_agents(traffic, 20, 180, SL_TARGET) == 14
    assert round(14 / (1 - 0.30), 9) == 20


@pytest.mark.parametrize("path", STAFFING_SQL, ids=lambda p: p.name)
def test_staffing_sql_is_portable(path):
    """The staffing SQL runs on Spark too: no DuckDB-only construct (tests/test_kpis.py's rules)."""
    assert_sql_is_portable(path)


@pytest.fixture(scope="module")
def con(published):
    settings, _ = published
    with open_with_build(settings) as connection:
        yield connection


def test_every_interval_is_staffed_as_an_independent_erlang_c_says(con):
    """Every interval with traffic: required agents equal, wait probability and service levels
    (at the required and at the logged agents) within 1e-9 of Erlang B's recursion."""
    rows = df(
        con,
        "select channel, traffic_erlangs, aht_seconds, sl_threshold_seconds, sl_target_rate as sl_target, required_agents, "
        "expected_wait_rate, expected_service_level_rate, observed_agents, observed_expected_service_level_rate "
        "from marts.fct_staffing_30min where traffic_erlangs > 0",
    )
    assert len(rows) > 100
    for r in rows.itertuples():
        assert r.sl_threshold_seconds == SL_SECONDS[r.channel] and r.sl_target == SL_TARGET
        n = required_agents(r.traffic_erlangs, r.sl_threshold_seconds, r.aht_seconds, r.sl_target)
        assert r.required_agents == n, r
        assert abs(r.expected_wait_rate - erlang_c(n, r.traffic_erlangs)) <= TOLERANCE
        sl = service_level(n, r.traffic_erlangs, r.sl_threshold_seconds, r.aht_seconds)
        assert abs(r.expected_service_level_rate - sl) <= TOLERANCE
        observed = fractional_service_level(
            r.observed_agents, r.traffic_erlangs, r.sl_threshold_seconds, r.aht_seconds
        )
        assert abs(r.observed_expected_service_level_rate - observed) <= TOLERANCE


def test_offered_contacts_and_workload_add_up_to_the_queued_contacts(con):
    """Per interval and queued channel, the teams' offered contacts add up to the queued
    contacts of fct_interactions (an unhandled contact's team shares sum to 1), handled and
    workload to the handled contacts and their productive handle time."""
    staffing = df(
        con,
        "select interval_start_local, channel, sum(offered_volume) as offered, sum(handled_contacts) as handled, "
        "sum(workload_seconds) as workload from marts.fct_staffing_30min group by 1, 2 having sum(offered_volume) > 0",
    )
    facts = df(
        con,
        """
        select time_bucket(interval 30 minute, started_at_local) as interval_start_local, channel,
               count(*) as offered, sum(case when is_handled then 1 else 0 end) as handled,
               sum(case when is_handled then productive_handle_seconds else 0 end) as workload
        from marts.fct_interactions
        where is_queued and channel in ('inbound_call', 'chat')
        group by 1, 2
        """,
    )
    merged = facts.merge(staffing, on=["interval_start_local", "channel"], how="outer", suffixes=("", "_s"))
    assert len(merged) == len(facts) == len(staffing)
    for column in ("offered", "handled", "workload"):
        assert ((merged[column] - merged[f"{column}_s"]).abs() <= 1e-6).all(), column


def test_logged_staffing_reconciles_with_the_workforce_export(con):
    """Sum of observed agents x 1,800 s per agent team = the ready time (on contact + after
    contact work + available) of each agent-day, times the share of the agent's handle time
    that day spent on inbound calls and chats - recomputed from staging and fct_interactions."""
    activity = df(
        con,
        """
        select agent_id, activity_date,
               sum(case when state in ('on_contact', 'after_contact_work', 'available') then seconds else 0 end) as ready
        from staging.stg_wfm__agent_activity group by 1, 2
        """,
    )
    work = df(
        con,
        """
        select i.agent_id, i.interaction_date as activity_date, c.cost_pool,
               sum(i.productive_handle_seconds) as total,
               sum(case when i.is_queued and i.channel in ('inbound_call', 'chat')
                        then i.productive_handle_seconds else 0 end) as queued
        from marts.fct_interactions as i
        join marts.dim_agent as a on a.agent_id = i.agent_id
        join seeds.cost_centers as c on c.cost_center = a.cost_center and c.pool_type = 'labour'
        where i.is_handled
        group by 1, 2, 3
        """,
    )
    merged = work.merge(activity, on=["agent_id", "activity_date"])
    merged = merged[(merged.total > 0) & (merged.ready > 0)]
    expected = (merged.ready * merged.queued / merged.total).groupby(merged.cost_pool).sum()
    observed = df(
        con,
        "select cost_pool, sum(observed_agents) * 1800 as ready from marts.fct_staffing_30min group by 1",
    ).set_index("cost_pool")["ready"]
    assert set(expected[expected > 0].index) == set(observed[observed > 0].index)
    for pool, seconds in expected.items():
        assert abs(observed.get(pool, 0) - seconds) <= 1e-6 * max(1, seconds), pool


def test_monthly_staffing_adds_up(con):
    """fct_staffing_monthly: the contacts of each month are fct_interactions' contacts; the
    paid hours of the queued channels are the intervals' paid hours."""
    months = df(
        con,
        """
        select m.staffing_month, m.contacts, f.contacts as facts
        from (select staffing_month, sum(offered_volume) as contacts from marts.fct_staffing_monthly group by 1) as m
        join (select interaction_month, count(*) as contacts from marts.fct_interactions group by 1) as f
          on f.interaction_month = m.staffing_month
        """,
    )
    assert len(months) >= 1 and ((months.contacts - months.facts).abs() <= 1e-6).all()
    hours = df(
        con,
        """
        select m.required_paid_hours, s.hours
        from marts.fct_staffing_monthly as m
        join (select interval_month, channel, cost_pool, sum(required_paid_hours) as hours
              from marts.fct_staffing_30min group by 1, 2, 3) as s
          on s.interval_month = m.staffing_month and s.channel = m.channel and s.cost_pool = m.cost_pool
        where m.cost_pool <> 'unassigned'
        """,
    )
    assert len(hours) > 0 and ((hours.required_paid_hours - hours.hours).abs() <= 1e-6).all()


def test_the_restaffed_scenario_intervals_agree_with_an_independent_erlang_c(con):
    """For every scenario cell on a queue: new traffic = (baseline offered + change) x (baseline
    workload + change) / (baseline handled + change) / 1,800; the Erlang C agents for it, minus
    the baseline's, x 0.5 h / (1 - shrinkage), summed by month, channel and team, is the
    marginal paid-hour change of int_scenarios__staffing_monthly."""
    cells = df(
        con,
        """
        select c.scenario_id, c.interval_month, c.channel, c.cost_pool,
               coalesce(b.offered_volume, 0) + c.offered_change as offered,
               coalesce(b.handled_contacts, 0) + c.handled_change as handled,
               coalesce(b.workload_seconds, 0) + c.workload_change_seconds as workload,
               b.aht_seconds as base_aht, coalesce(b.required_agents, 0) as base_agents,
               t.shrinkage
        from intermediate.int_scenarios__changes_30min as c
        left join marts.fct_staffing_30min as b
          on b.interval_start_local = c.interval_start_local and b.channel = c.channel and b.cost_pool = c.cost_pool
        left join intermediate.int_staffing__team_months as t
          on t.cost_month = c.interval_month and t.cost_pool = c.cost_pool
        where c.channel in ('inbound_call', 'chat')
        """,
    )
    assert len(cells) > 0
    change: dict = {}
    for r in cells.itertuples():
        aht = r.workload / r.handled if r.handled > 1e-12 else r.base_aht
        traffic = r.offered * aht / INTERVAL_SECONDS if r.offered >= 1e-9 else 0.0
        agents = required_agents(traffic, SL_SECONDS[r.channel], aht, SL_TARGET) if traffic > 0 else 0
        key = (r.scenario_id, r.interval_month, r.channel, r.cost_pool)
        change[key] = change.get(key, 0.0) + (agents - r.base_agents) * 0.5 / (1 - r.shrinkage)
    model = {
        (r.scenario_id, r.staffing_month, r.channel, r.cost_pool): r.marginal_paid_hours_change
        for r in df(
            con,
            "select * from intermediate.int_scenarios__staffing_monthly where channel in ('inbound_call', 'chat')",
        ).itertuples()
    }
    assert set(model) == set(change)
    for key, hours in change.items():
        assert abs(model[key] - hours) <= 1e-6, key


def test_scenarios_are_priced_on_both_bases_and_the_worked_example_stays_exact(con):
    """Every scenario of the seed has an average and a marginal row; the benchmark document's
    worked example (a given yearly volume) keeps 1,000,000 x 5.84 = 5,840,000.00, 800,000 x
    5.84 + 200,000 x 0.10 = 4,692,000.00 and the saving 1,148,000.00 on the average basis."""
    seed = {s for (s,) in con.execute("select scenario_id from seeds.scenarios").fetchall()}
    rows = df(con, "select * from marts.rpt_scenarios")
    assert set(zip(rows.scenario_id, rows.cost_basis, strict=True)) == {
        (s, b) for s in seed for b in ("average", "marginal")
    }
    worked = con.execute(
        "select baseline_cost_amount, scenario_cost_amount, savings_amount, months, volume_basis from marts.rpt_scenarios "
        "where scenario_id = 'tv_channel_change_to_app_benchmark' and cost_basis = 'average'"
    ).fetchone()
    assert worked == (
        Decimal("5840000.00"),
        Decimal("4692000.00"),
        Decimal("1148000.00"),
        12,
        "given_annual_volume",
    )
    history = rows[rows.volume_basis == "history"]
    months = con.execute("select count(distinct interaction_month) from marts.fct_interactions").fetchone()[0]
    assert (history.months == months).all()
    for saving, baseline, scenario in con.execute(
        "select savings_amount, baseline_cost_amount, scenario_cost_amount from marts.rpt_scenarios where volume_basis = 'history'"
    ).fetchall():
        assert saving == baseline - scenario
    # on the marginal basis every history scenario meets the service-level targets it was re-staffed for
    marginal = df(con, "select * from marts.rpt_scenarios_monthly where cost_basis = 'marginal'")
    assert (marginal.scenario_service_level_rate >= SL_TARGET - TOLERANCE).all()


def test_scenario_service_levels_are_ratios_of_the_summed_components(con):
    """rpt_scenarios_monthly service levels = (baseline sum of offered x SL + the scenario's
    change) / (baseline offered + change), recomputed from fct_staffing_monthly and
    int_scenarios__staffing_monthly."""
    base = df(
        con,
        "select staffing_month, sum(coalesce(sl_offered_volume, 0)) as w, sum(coalesce(expected_sl_within_threshold_volume, 0)) as s "
        "from marts.fct_staffing_monthly group by 1",
    ).set_index("staffing_month")
    changes = df(
        con,
        "select scenario_id, staffing_month, sum(sl_weight_change) as dw, "
        "sum(marginal_sl_weighted_change) as dm, sum(average_sl_weighted_change) as da "
        "from intermediate.int_scenarios__staffing_monthly group by 1, 2",
    )
    report = df(con, "select * from marts.rpt_scenarios_monthly")
    for r in report.itertuples():
        b = base.loc[r.staffing_month]
        c = changes[(changes.scenario_id == r.scenario_id) & (changes.staffing_month == r.staffing_month)]
        dw = c.dw.sum()
        ds = (c.dm if r.cost_basis == "marginal" else c.da).sum()
        assert abs(r.baseline_service_level_rate - b.s / b.w) <= TOLERANCE
        assert abs(r.scenario_service_level_rate - (b.s + ds) / (b.w + dw)) <= TOLERANCE


BAD_SCENARIOS = [
    # scenario_id, scenario_type, contact_reason, channel, queue, weekdays, from_time, to_time, to_channel,
    # shift_share, annual_volume, unit_cost_basis, open_hours_share, to_channel_share, aht_cap_seconds,
    # aht_change_share, outsource_share, vendor_price_per_minute, vendor_price_per_contact, containment_points
    ("no_share", "channel_shift", "billing_question", "inbound_call", None, None, None, None, "chat")
    + (None,) * 11,
    (
        "benchmark_on_history",
        "channel_shift",
        "billing_question",
        "inbound_call",
        None,
        None,
        None,
        None,
        "chat",
    )
    + (0.2, None, "benchmark")
    + (None,) * 8,
    ("shares_above_one", "closing_hours", None, "inbound_call", None, "sat sun", None, None, "chat")
    + (None, None, None, 0.8, 0.4)
    + (None,) * 6,
    ("email_closed", "closing_hours", None, "email", None, "sun", None, None, None) + (None,) * 11,
    ("cap_and_share", "aht_change", None, "inbound_call", None, None, None, None, None)
    + (None,) * 5
    + (180, -0.1)
    + (None,) * 4,
    ("two_prices", "outsourcing", None, "inbound_call", None, None, None, None, None)
    + (None,) * 7
    + (0.5, 1.0, 5.0, None),
    ("bot_to_email", "automation", "billing_question", "chat", None, None, None, None, "email")
    + (None,) * 10
    + (0.1,),
    ("bad_day", "outsourcing", None, "inbound_call", None, "monday", None, None, None)
    + (None,) * 7
    + (0.5, 1.0, None, None),
    ("bad_time", "outsourcing", None, "inbound_call", None, None, "22:15", "07:00", None)
    + (None,) * 7
    + (0.5, 1.0, None, None),
    ("good_nights", "outsourcing", None, "inbound_call", None, "mon fri", "22:00", "07:00", None)
    + (None,) * 7
    + (1.0, None, 6.5, None),
]


def test_a_bad_scenario_row_is_named_with_the_rule_it_breaks(published):
    """The seed's generic test (scenario_parameters_are_valid, as compiled by the build) run on
    hand-written bad rows: one failing row per broken rule, naming the scenario; a good row
    passes. Rules by hand: a channel shift without shift_share; benchmark costs without a given
    volume; 0.8 + 0.4 > 1; closing a channel without a queue; a cap and a share at once; two
    vendor prices; automation into an assisted channel; `monday` is not a three-letter day;
    22:15 is not on a half-hour."""
    settings, _ = published
    (compiled,) = settings.dbt_target_dir.glob("compiled/**/scenario_parameters_are_valid_scenarios_.sql")
    sql = compiled.read_text().replace('"build"."seeds"."scenarios"', "bad_scenarios")
    columns = [
        "scenario_id", "scenario_type", "contact_reason", "channel", "queue", "weekdays", "from_time",
        "to_time", "to_channel", "shift_share", "annual_volume", "unit_cost_basis", "open_hours_share",
        "to_channel_share", "aht_cap_seconds", "aht_change_share", "outsource_share",
        "vendor_price_per_minute", "vendor_price_per_contact", "containment_points",
    ]  # fmt: skip
    with duckdb.connect() as con:
        con.execute(
            "create table bad_scenarios (" + ", ".join(f"{c} varchar" for c in columns[:9]) + ", "
            "shift_share decimal(9,4), annual_volume decimal(18,2), unit_cost_basis varchar, "
            + ", ".join(f"{c} decimal(18,4)" for c in columns[12:])
            + ")"
        )
        con.executemany(f"insert into bad_scenarios values ({', '.join('?' * len(columns))})", BAD_SCENARIOS)
        failures = con.execute(sql).fetchall()
    named = {scenario for scenario, _, _ in failures}
    assert named == {row[0] for row in BAD_SCENARIOS} - {"good_nights"}
    assert len(failures) == len(named)
    assert all(problem for _, _, problem in failures)


# ------------------------------------------------------------ a hand-written day, end to end
# Contract files written by hand (not by the generator): two Voice Care agents, their WFM
# states, twelve calls and one salary line. Business timezone America/New_York (EDT).
def _calls() -> str:
    header = (
        "call_id,updated_at,direction,started_at,customer_id,customer_phone,queue,contact_reason,"
        "ivr_seconds,queue_seconds,agent_id,talk_seconds,hold_seconds,acw_seconds,outcome,transferred\n"
    )
    rows = [
        f"C{i:02d},,inbound,2026-10-07T09:{i * 2:02d}:00,,,VC_BILLING,billing_question,20,5,"
        f"{'A1' if i <= 5 else 'A2'},150,0,30,answered,false"
        for i in range(1, 11)
    ]
    rows.append("C11,,inbound,2026-10-07T09:40:00,,,VC_BILLING,billing_question,20,90,,0,0,0,abandoned,false")
    rows.append(
        "C12,,inbound,2026-10-07T10:35:00,,,VC_BILLING,billing_question,20,5,A1,150,0,30,answered,false"
    )
    return header + "\n".join(rows) + "\n"


HAND_WRITTEN = {
    "telephony_calls/2026-10-07.csv": _calls(),
    "agents/agents.csv": (
        "agent_id,agent_name,team,site,cost_center,employment_type,fte,hired_on,left_on\n"
        "A1,Ann Example,Voice Care,Charlotte,CC4110,employee,1.0,2024-01-01,\n"
        "A2,Bob Example,Voice Care,Charlotte,CC4110,employee,1.0,2024-01-01,\n"
    ),
    "agent_activity/2026-10-07.csv": (
        "agent_id,activity_date,state,seconds\n"
        "A1,2026-10-07,on_contact,900\n"
        "A1,2026-10-07,after_contact_work,180\n"
        "A1,2026-10-07,available,2520\n"
        "A1,2026-10-07,break,3600\n"
        "A2,2026-10-07,on_contact,750\n"
        "A2,2026-10-07,after_contact_work,150\n"
        "A2,2026-10-07,available,900\n"
        "A2,2026-10-07,training,1800\n"
    ),
    "gl_journal_lines/2026-10.csv": (
        "journal_id,line_number,posting_date,account_code,account_name,cost_center,amount,currency,description\n"
        "PAY-10,1,2026-10-31,6000,Salaries,CC4110,300.00,USD,Voice Care salaries\n"
    ),
}


@pytest.fixture(scope="module")
def hand_written_run(tmp_path_factory):
    """The settings of a warehouse published from the hand-written landing."""
    from conftest import make_settings

    from orchestration.pipeline import run

    root = tmp_path_factory.mktemp("staffing_day")
    for name, text in HAND_WRITTEN.items():
        path = root / "landing" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    settings = make_settings(root, root / "landing")
    run(settings)
    return settings


@pytest.fixture(scope="module")
def hand_written_day(hand_written_run):
    with duckdb.connect(str(hand_written_run.warehouse), read_only=True) as connection:
        yield connection


@pytest.mark.slow
def test_a_hand_written_day_gives_the_hand_computed_staffing(hand_written_day):
    """By hand. Shrinkage: (3,600 break + 1,800 training) / (7,200 + 3,600 paid) = 0.5; cost per
    paid hour 300.00 / 3 h = 100.00; a position for half an hour = 0.5 / 0.5 = 1 paid hour.
    09:00: C01-C10, 150 + 30 = 180 s each -> A = 10 x 180 / 1,800 = 1 -> 3 agents (C(2,1) = 1/3,
    SL 0.70; C(3,1) = 1/11, SL 0.93): 3 paid hours = 300.00.
    09:30: C11 abandoned, no handled call -> AHT of the team's month, 180 s: A = 0.1, one agent:
    C = 0.1, SL = 1 - 0.1 x exp(-0.9 x 20/180) = 0.91 -> 1 agent, 100.00. 10:30: C12, A = 0.1 -> 1.
    Logged: A1 ready 900 + 180 + 2,520 = 3,600 s, all on calls, contacts from 09:00 to 10:30 =
    4 half-hours (ready time fits in 2): 3,600 / 4 / 1,800 = 0.5 agent at 09:00, 09:30, 10:00,
    10:30. A2 ready 1,800 s, contacts at 09:00 only: 1.0 agent at 09:00. Observed 09:00 = 1.5
    (gap -1.5 = -150.00, under; Erlang SL at 1.5 agents = half of SL(2) = 0.5 x 0.7017), 09:30
    and 10:30 = 0.5 (gap -0.5 = -50.00, under; SL at 0.5 agent = half of SL(1) = 0.5 x 0.91),
    10:00 = 0.5 with no call (+50.00, met)."""
    got = {
        str(r[0]): r[1:]
        for r in hand_written_day.execute(
            """
            select interval_start_local, offered_volume, traffic_erlangs, required_agents, shrinkage_rate,
                   cost_per_paid_hour_amount, required_paid_hours, required_labour_cost_amount, logged_agents,
                   observed_agents, staffing_gap_cost_amount, staffing_status, observed_expected_service_level_rate
            from marts.fct_staffing_30min
            where channel = 'inbound_call' and cost_pool = 'labour_voice_care'
            """
        ).fetchall()
    }
    sl_two = 1 - erlang_c(2, 1.0) * math.exp(-1 * 20 / 180)
    sl_one = 1 - erlang_c(1, 0.1) * math.exp(-0.9 * 20 / 180)
    expected = {
        "2026-10-07 09:00:00": (10, 1.0, 3, 0.5, 100.0, 3.0, 300.0, 2, 1.5, -150.0, "under", 0.5 * sl_two),
        "2026-10-07 09:30:00": (1, 0.1, 1, 0.5, 100.0, 1.0, 100.0, 1, 0.5, -50.0, "under", 0.5 * sl_one),
        "2026-10-07 10:00:00": (0, 0.0, 0, 0.5, 100.0, 0.0, 0.0, 1, 0.5, 50.0, "met", None),
        "2026-10-07 10:30:00": (1, 0.1, 1, 0.5, 100.0, 1.0, 100.0, 1, 0.5, -50.0, "under", 0.5 * sl_one),
    }
    assert set(got) == set(expected)
    for key, values in expected.items():
        for actual, value in zip(got[key], values, strict=True):
            if value is None or isinstance(value, str):
                assert actual == value, key
            else:
                assert abs(float(actual) - value) <= TOLERANCE, (key, actual, value)


@pytest.mark.slow
def test_the_report_page_shows_the_hand_computed_staffing_and_both_savings(hand_written_run):
    """The staffing page of the report on the hand-written day (one day, so the average day of
    October is that day). Agents by half-hour, calls of Voice Care only, as computed by hand in
    test_a_hand_written_day_gives_the_hand_computed_staffing: required 3, 1, 0, 1 and logged
    1.5, 0.5, 0.5, 0.5 at 09:00, 09:30, 10:00, 10:30. Scenarios: one row per scenario of
    seeds/scenarios.csv with both bases side by side; the benchmark document's worked example
    (1,000,000 calls, a given yearly volume) saves 1,148,000.00 a year on the average basis:
    1,148,000.00 / 12 = 95,666.666... -> 95,666.67 a month, and has no marginal figure."""
    from orchestration.report.pages import PAGES
    from orchestration.report.pages.staffing import AVERAGE, MARGINAL, staffing_page
    from orchestration.report.source import ReportSource, read_period

    assert PAGES[-1] is staffing_page
    with ReportSource(hand_written_run.warehouse) as source:
        page = staffing_page(source, read_period(source))
    agents, scenarios = page.blocks
    assert not agents.empty and "October 2026" in agents.period
    assert {label: tuple(s.values[i] for s in agents.series) for i, label in enumerate(agents.labels)} == {
        "09:00": (3, 1.5),
        "09:30": (1, 0.5),
        "10:00": (0, 0.5),
        "10:30": (1, 0.5),
    }
    seed = (ROOT / "seeds" / "scenarios.csv").read_text().splitlines()[1:]
    rows = {
        row[0]: dict(zip([c.header for c in scenarios.table.columns], row, strict=True))
        for row in scenarios.table.rows
    }
    assert set(rows) == {line.split(",")[0] for line in seed if line}
    worked = rows["tv_channel_change_to_app_benchmark"]
    assert (worked["priced on"], worked["months"]) == ("given_annual_volume", 12)
    assert worked[AVERAGE] == Decimal("95666.67") and worked[MARGINAL] is None
    assert [s.name for s in scenarios.series] == [AVERAGE, MARGINAL]
