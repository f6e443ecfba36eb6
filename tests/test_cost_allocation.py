"""Cost allocation: the reconciliation invariant, the what-if worked example and the ledger edge cases.

The dbt tests (cost_reconciles_with_gl, unit tests) check the same things inside the
build; these tests check them again from the outside, on the published marts (the ledger
from the build's staging and seeds), with Python's Decimal, so a bug shared by the models
and the dbt test macros cannot hide.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
from conftest import open_with_build

from orchestration.pipeline import run

CENT = Decimal("0.01")
REPORTING_CURRENCY = "USD"


def _gl_in_scope_by_month(con) -> dict:
    """In-scope GL total per month, recomputed from staging and the seeds (decisions/cost_allocation.md)."""
    rates = {
        (str(m), c): Decimal(str(r))
        for m, c, r in con.execute(
            "select cast(month as date), currency, rate_to_reporting from seeds.fx_rates"
        ).fetchall()
    }
    accounts = {
        str(a): str(s).lower() in ("true", "1")
        for a, s in con.execute("select account_code, in_scope from seeds.account_mapping").fetchall()
    }
    out_of_scope_centers = {
        c
        for (c,) in con.execute(
            "select cost_center from seeds.cost_centers where pool_type = 'out_of_scope'"
        ).fetchall()
    }
    totals: dict = defaultdict(Decimal)
    lines = con.execute(
        "select posting_month, account_code, cost_center, amount, currency "
        "from staging.stg_erp__gl_journal_lines"
    ).fetchall()
    for month, account, center, amount, currency in lines:
        if center in out_of_scope_centers or accounts.get(account) is False:
            continue
        rate = Decimal(1) if currency == REPORTING_CURRENCY else rates[(str(month), currency)]
        totals[month] += (Decimal(amount) * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return dict(totals)


def _by_month(con, sql: str) -> dict:
    return {m: Decimal(v) for m, v in con.execute(sql).fetchall()}


def _unallocated_by_month(con) -> dict:
    return _by_month(
        con,
        "select cost_month, sum(allocated_amount) from marts.fct_cost_allocation "
        "where is_unallocated group by 1",
    )


def assert_reconciles(con) -> dict:
    gl = _gl_in_scope_by_month(con)
    assert gl, "no in-scope GL lines"
    unallocated = _unallocated_by_month(con)
    allocation = _by_month(
        con, "select cost_month, sum(allocated_amount) from marts.fct_cost_allocation group by 1"
    )
    channels = _by_month(
        con, "select cost_month, sum(total_cost_amount) from marts.fct_channel_costs_monthly group by 1"
    )
    interactions = _by_month(
        con,
        "select interaction_month, sum(total_cost_amount) from marts.fct_interactions group by 1",
    )
    for month, total in gl.items():
        assert allocation.get(month, 0) == total, f"{month}: allocation {allocation.get(month)} != GL {total}"
        assert channels.get(month, 0) + unallocated.get(month, 0) == total, f"{month}: channel costs"
        # interaction costs have 6 decimals; their exact sum is a whole number of cents
        assert interactions.get(month, 0) + unallocated.get(month, 0) == total, f"{month}: interaction costs"
    assert set(allocation) == set(gl)
    return gl


def test_every_month_reconciles_to_the_cent(published):
    settings, _ = published
    with open_with_build(settings) as con:
        gl = assert_reconciles(con)
        # the sample ledger allocates (nearly) everything: every channel with contacts carries cost
        channels = con.execute(
            "select channel, sum(total_cost_amount), sum(interactions) "
            "from marts.fct_channel_costs_monthly group by 1"
        ).fetchall()
    assert sum(gl.values()) > 0
    assert all(cost > 0 for _, cost, n in channels if n > 0)


def test_worked_example_of_the_benchmark_document(published):
    settings, _ = published
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        row = con.execute(
            "select baseline_volume, from_unit_cost_amount, to_unit_cost_amount, baseline_cost_amount, scenario_cost_amount, savings_amount "
            "from marts.rpt_channel_shift_scenarios where scenario_id = 'tv_channel_change_to_app_benchmark'"
        ).fetchone()
    assert row == (
        Decimal("1000000.00"),
        Decimal("5.84"),
        Decimal("0.10"),
        Decimal("5840000.00"),
        Decimal("4692000.00"),
        Decimal("1148000.00"),
    )


def test_actual_basis_scenario_is_priced_from_the_interactions(published):
    """billing_calls_to_chat_actual (seed: 30 % of the billing calls move to chat, volume observed
    and annualised, this warehouse's unit costs), recomputed from fct_interactions with Python's
    Decimal (docs/decisions/cost_allocation.md C6), not from the scenario's own columns:
    days = first to last interaction date; volume = billing inbound calls x 365 / days; a unit
    cost = cost / interactions of the channel over the period; 30 % of the volume moves;
    baseline = volume x from-cost, scenario = (volume - moved) x from-cost + moved x to-cost,
    each rounded to the cent, savings = the difference. The model rounds its ratios in double:
    volume and unit costs are compared to their last digit, the costs exactly."""
    settings, _ = published
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        first, last = con.execute(
            "select min(interaction_date), max(interaction_date) from marts.fct_interactions"
        ).fetchone()
        calls = con.execute(
            "select count(*) from marts.fct_interactions "
            "where channel = 'inbound_call' and contact_reason = 'billing_question'"
        ).fetchone()[0]
        unit = {
            channel: (Decimal(cost), n)
            for channel, cost, n in con.execute(
                "select channel, sum(total_cost_amount), count(*) from marts.fct_interactions "
                "where channel in ('inbound_call', 'chat') group by 1"
            ).fetchall()
        }
        row = con.execute(
            "select observed_volume, baseline_volume, shifted_volume, from_unit_cost_amount, to_unit_cost_amount, "
            "baseline_cost_amount, scenario_cost_amount, savings_amount from marts.rpt_channel_shift_scenarios "
            "where scenario_id = 'billing_calls_to_chat_actual'"
        ).fetchone()
    observed, volume, moved, from_cost, to_cost, baseline, scenario, savings = row
    days = (last - first).days + 1
    assert observed == calls > 0
    assert abs(volume - Decimal(calls * 365) / days) <= Decimal("0.005")
    assert moved == volume * Decimal("0.30")
    assert abs(from_cost - unit["inbound_call"][0] / unit["inbound_call"][1]) <= Decimal("0.0000005")
    assert abs(to_cost - unit["chat"][0] / unit["chat"][1]) <= Decimal("0.0000005")
    assert baseline == (volume * from_cost).quantize(CENT, rounding=ROUND_HALF_UP)
    assert scenario == ((volume - moved) * from_cost + moved * to_cost).quantize(CENT, rounding=ROUND_HALF_UP)
    assert savings == baseline - scenario > 0  # chat is the cheaper channel in the sample


EDGE_LINES = """\
journal_id,line_number,posting_date,account_code,account_name,cost_center,amount,currency,description
EDGE,1,2026-09-15,6400,Rent,CC4900,1000.0000,USD,overhead in a month without any contact
EDGE,2,2026-10-28,6999,New account,CC4110,123.4500,USD,account missing from account_mapping
EDGE,3,2026-10-28,6000,Salaries,CC4999,54.3200,USD,cost center missing from cost_centers
EDGE,4,2026-10-28,6000,Salaries,CC4110,77.0000,JPY,currency without a rate
EDGE,5,2026-10-28,6200,Software,CC4530,-0.0100,USD,credit note on the chatbot platform
EDGE,6,2026-10-28,6000,Salaries,CC4110,9999999999999.99,USD,a line just under 10^13
EDGE,7,2026-10-28,6010,Overtime,CC4110,10000000000000.00,EUR,10^13 in a currency with a rate
EDGE,8,2026-10-28,6000,Salaries,CC4110,12.123456789,USD,more decimals than a dollar has
EDGE,9,2026-10-28,6000,Salaries,CC4110,0.00004,USD,a fraction of a cent
"""


@pytest.mark.slow
def test_ledger_edge_cases_stay_visible_and_reconcile(fresh_settings, small_landing, tmp_path):
    """The edge lines above on the small landing. Lines 6 and 7 are 10^13-sized: October's
    Voice Care labour pool then holds 9,999,999,999,999.99 + 10^13 x 1.1112 (EUR rate of
    2026-10) = 9,999,999,999,999.99 + 11,112,000,000,000.00 = 21,111,999,999,999.99 more,
    which is 2.1 x 10^19 millionths when split over interactions: every total must still
    reconcile to the cent, checked with Python's Decimal (assert_reconciles). Lines 8 and 9
    carry 9 and 5 decimals where USD has 2: quarantined as too_many_decimals, never rounded."""
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    (landing / "gl_journal_lines" / "zz-edge.csv").write_text(EDGE_LINES)
    settings = replace(fresh_settings, landing_dir=landing)
    run(settings, accept_rejections=True)  # 3 of the 82 ledger lines rejected (3.7%): above the 2% limit
    with open_with_build(settings) as con:
        assert_reconciles(con)
        unallocated = {
            (str(m), pool, cat): (reason, detail, amount)
            for m, pool, cat, reason, detail, amount in con.execute(
                "select cost_month, cost_pool, cost_category, unallocated_reason, unallocated_detail, "
                "allocated_amount from marts.fct_cost_allocation where is_unallocated"
            ).fetchall()
        }
        quarantined = con.execute(
            "select rule from quarantine.rejected_rows "
            "where source = 'gl_journal_lines' and raw_record like '%JPY%'"
        ).fetchall()
        too_precise = con.execute(
            "select row_number, rule, detail from quarantine.rejected_rows "
            "where file_name = 'gl_journal_lines/zz-edge.csv' and rule = 'too_many_decimals' order by 1"
        ).fetchall()
        gl_lines = con.execute(
            "select count(*) from intermediate.int_costs__gl_lines where journal_id = 'EDGE'"
        ).fetchone()[0]
        huge = con.execute(
            "select line_number, amount_reporting from intermediate.int_costs__gl_lines "
            "where journal_id = 'EDGE' and line_number in (6, 7) order by 1"
        ).fetchall()
        october_labour = con.execute(
            "select sum(total_cost_amount) from marts.fct_cost_to_serve_segments_monthly where cost_month = '2026-10-01'"
        ).fetchone()[0]
    # a pool without activity in its month: unallocated with its reason, never dropped
    assert unallocated[("2026-09-01", "shared_overhead", "rent")][0] == "no_driver_activity"
    assert unallocated[("2026-09-01", "shared_overhead", "rent")][2] == Decimal("1000.00")
    # unmapped account / cost center: visible, named, in the total
    reason, detail, amount = unallocated[("2026-10-01", "labour_voice_care", "unmapped")]
    assert (reason, detail, amount) == ("account_not_mapped", "account 6999", Decimal("123.45"))
    reason, detail, amount = unallocated[("2026-10-01", "unmapped", "salaries")]
    assert (reason, detail, amount) == ("cost_center_not_mapped", "cost center CC4999", Decimal("54.32"))
    # a currency without a rate never reaches the cost base: staging quarantines it
    assert quarantined == [("unknown_currency",)]
    assert [(row, rule) for row, rule, _ in too_precise] == [
        (8, "too_many_decimals"),
        (9, "too_many_decimals"),
    ]
    assert "'12.123456789' carries 9 decimal place(s), more than the 2 of USD" in too_precise[0][2]
    assert gl_lines == 6
    assert huge == [(6, Decimal("9999999999999.99")), (7, Decimal("11112000000000.00"))]
    assert october_labour > Decimal("21111999999999.99")
