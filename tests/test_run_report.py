"""What the run summary tells a controller, on a warehouse written by hand (three tables, a few rows).

Every figure below is computed by hand from the rows in `warehouse`.
"""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest

from orchestration.build.dbt import dbt_failures
from orchestration.run_report import cost_report, rejection_report, render_rejections


@pytest.fixture
def warehouse():
    con = duckdb.connect()
    con.execute("create schema marts; create schema quarantine")
    con.execute(
        "create table marts.fct_cost_allocation (cost_month date, channel varchar, "
        "unallocated_reason varchar, allocated_amount decimal(18, 2))"
    )
    # March: 600.00 allocated, 40.00 with no driver activity; April: 15.00 on an unmapped account;
    # May: 300.00 with no interaction at all (no_driver_activity).
    con.execute(
        """
        insert into marts.fct_cost_allocation values
            ('2025-03-01', 'inbound_call', null, 450.00),
            ('2025-03-01', 'chat', null, 150.00),
            ('2025-03-01', 'unallocated', 'no_driver_activity', 40.00),
            ('2025-04-01', 'inbound_call', null, 45.00),
            ('2025-04-01', 'unallocated', 'account_not_mapped', 15.00),
            ('2025-05-01', 'unallocated', 'no_driver_activity', 300.00)
        """
    )
    con.execute("create table marts.fct_interactions (interaction_month date)")
    # interactions in March (2), April (1) and June (3): June has no ledger
    con.execute(
        "insert into marts.fct_interactions values "
        "('2025-03-01'), ('2025-03-01'), ('2025-04-01'), ('2025-06-01'), ('2025-06-01'), ('2025-06-01')"
    )
    con.execute(
        "create table quarantine.rejected_rows (source varchar, file_name varchar, "
        "row_number bigint, rule varchar, detail varchar)"
    )
    # telephony: 5 rules; gl: 1 rule. The example of a rule is its first file and row.
    con.execute(
        """
        insert into quarantine.rejected_rows values
            ('telephony_calls', 'b.csv', 2, 'unparseable_type', 'started_at = ''x'' is not a valid timestamp'),
            ('telephony_calls', 'a.csv', 9, 'unparseable_type', 'started_at = ''12:00 EST'' is not a valid timestamp'),
            ('telephony_calls', 'a.csv', 3, 'unparseable_type', 'started_at = ''y'' is not a valid timestamp'),
            ('telephony_calls', 'a.csv', 4, 'missing_required', null),
            ('telephony_calls', 'a.csv', 5, 'missing_required', 'call_id is empty'),
            ('telephony_calls', 'a.csv', 6, 'negative_duration', 'talk_seconds = -1'),
            ('telephony_calls', 'a.csv', 7, 'future_timestamp', 'started_at in 2099'),
            ('telephony_calls', 'a.csv', 8, 'bad_direction', 'direction = ''sideways'''),
            ('gl_journal_lines', 'gl.csv', 4, 'unparseable_type', 'posting_date = ''10/02/2025'' is not a valid date')
        """
    )
    yield con
    con.close()


def test_cost_allocated_unallocated_by_reason_and_months(warehouse):
    """Ledger 450 + 150 + 40 + 45 + 15 + 300 = 1,000.00; allocated 450 + 150 + 45 = 645.00
    (64.5%); unallocated 355.00 (35.5%): no_driver_activity 40 + 300 = 340.00 (34.0%, March and
    May), account_not_mapped 15.00 (1.5%, April). May has ledger cost (300.00) but no interaction;
    June has 3 interactions but no ledger."""
    report = cost_report(warehouse, "EUR")
    assert (report.ledger, report.allocated) == (Decimal("1000.00"), Decimal("645.00"))
    assert [(u.reason, u.amount, u.months) for u in report.unallocated] == [
        ("no_driver_activity", Decimal("340.00"), ("2025-03", "2025-05")),
        ("account_not_mapped", Decimal("15.00"), ("2025-04",)),
    ]
    assert report.months_without_interactions == [("2025-05", Decimal("300.00"))]
    assert report.months_without_ledger == [("2025-06", 3)]
    lines = [" ".join(line.split()) for line in report.render()]
    assert lines[0] == "Cost (in-scope ledger, EUR): 1,000.00"
    assert "allocated to interactions 645.00 64.5%" in lines
    assert "unallocated 355.00 35.5%" in lines
    assert "no_driver_activity 340.00 34.0% months 2025-03, 2025-05" in lines
    assert "account_not_mapped 15.00 1.5% months 2025-04" in lines
    assert "Months with ledger cost but no interaction: 2025-05 (300.00); their cost is unallocated" in lines
    assert (
        "Months with interactions but no in-scope ledger cost: 2025-06 (3 interactions); they carry no cost"
        in lines
    )


def test_a_ledger_only_warehouse_is_100_percent_unallocated_and_says_which_months(warehouse):
    """No interaction at all: the model puts every line in channel 'unallocated' with
    no_driver_activity; 700.00 in March and 300.00 in May: 1,000.00, 100.0% unallocated."""
    warehouse.execute("delete from marts.fct_interactions; delete from marts.fct_cost_allocation")
    warehouse.execute(
        "insert into marts.fct_cost_allocation values "
        "('2025-03-01', 'unallocated', 'no_driver_activity', 700.00), "
        "('2025-05-01', 'unallocated', 'no_driver_activity', 300.00)"
    )
    lines = [" ".join(line.split()) for line in cost_report(warehouse, "GBP").render()]
    assert lines[:4] == [
        "Cost (in-scope ledger, GBP): 1,000.00",
        "allocated to interactions 0.00 0.0%",
        "unallocated 1,000.00 100.0%",
        "no_driver_activity 1,000.00 100.0% months 2025-03, 2025-05",
    ]
    assert (
        "Months with ledger cost but no interaction: 2025-03 (700.00), 2025-05 (300.00); "
        "their cost is unallocated"
    ) in lines


def test_no_ledger_at_all(warehouse):
    warehouse.execute("delete from marts.fct_cost_allocation")
    lines = [" ".join(line.split()) for line in cost_report(warehouse, "AUD").render()]
    assert lines == [
        "Cost (AUD): no in-scope ledger cost",
        "Months with interactions but no in-scope ledger cost: 2025-03 (2 interactions), "
        "2025-04 (1 interaction), 2025-06 (3 interactions); they carry no cost",
    ]


def test_rejections_per_source_top_three_rules_with_their_first_row(warehouse):
    """telephony_calls: 8 rows; unparseable_type 3 (first row: a.csv row 3, before a.csv row 9
    and b.csv row 2), missing_required 2 (a.csv row 4 has no detail: the rule stands in), then
    three rules of 1 row each: bad_direction (alphabetically first) shown, 2 others with 2 rows.
    gl_journal_lines: 1 row. Landing rows: 40 telephony + 10 ledger = 50."""
    report = rejection_report(warehouse)
    assert [(s.source, s.rows) for s in report] == [("telephony_calls", 8), ("gl_journal_lines", 1)]
    assert [(r.rule, r.rows) for r in report[0].rules] == [
        ("unparseable_type", 3),
        ("missing_required", 2),
        ("bad_direction", 1),
        ("future_timestamp", 1),
        ("negative_duration", 1),
    ]
    assert report[0].rules[0].example == "a.csv, row 3: started_at = 'y' is not a valid timestamp"
    assert report[0].rules[1].example == "a.csv, row 4: missing_required"
    lines = [
        " ".join(line.split())
        for line in render_rejections(report, {"telephony_calls": 40, "gl_journal_lines": 10})
    ]
    assert lines == [
        "Quarantined rows (quarantine.rejected_rows): 9 of 50 landing rows",
        "telephony_calls: 8 of 40 rows",
        "unparseable_type 3 e.g. a.csv, row 3: started_at = 'y' is not a valid timestamp",
        "missing_required 2 e.g. a.csv, row 4: missing_required",
        "bad_direction 1 e.g. a.csv, row 8: direction = 'sideways'",
        "2 other rule(s) 2",
        "gl_journal_lines: 1 of 10 rows",
        "unparseable_type 1 e.g. gl.csv, row 4: posting_date = '10/02/2025' is not a valid date",
    ]


def test_a_failed_dbt_build_names_each_failing_node_and_the_dbt_log(tmp_path):
    """run_results.json of a build with one failing data test and one model error: both named
    with their message, then the log's path (dbt writes dbt.log into the target folder)."""
    (tmp_path / "run_results.json").write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "model.p.a", "status": "success", "message": "OK"},
                    {"unique_id": "test.p.not_null_b_id", "status": "fail", "message": "Got 2 results"},
                    {"unique_id": "model.p.c", "status": "error", "message": " Binder Error: x "},
                ]
            }
        )
    )
    assert dbt_failures(tmp_path).splitlines() == [
        "  test.p.not_null_b_id: Got 2 results",
        "  model.p.c: Binder Error: x",
        f"  dbt log: {tmp_path / 'dbt.log'}",
    ]
