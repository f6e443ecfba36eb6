"""The whole pipeline with non-default settings and hand-written exports, as a company runs it on day one.

Two runs, each on a few rows written by hand (every expectation below computed by hand):

- Jerusalem: CCW_BUSINESS_TIMEZONE=Asia/Jerusalem (east of UTC; UTC+2, UTC+3 from 2025-03-28
  00:00 UTC, when 02:00 local becomes 03:00), CCW_REPORTING_CURRENCY=EUR, a service level of
  30 s, and the organisation's configuration in a folder outside the checkout (CCW_CONFIG_DIR):
  its own chart of accounts, cost centers and FX rates to EUR. The calls carry UTC-suffixed
  (` UTC`, `Z`), offset and local timestamps around the DST change and a month end, and three
  timestamps in forms that are not guessed (a zone name, a region name, an offset with seconds).
- Sydney: CCW_BUSINESS_TIMEZONE=Australia/Sydney (southern hemisphere: DST ends on 2025-04-06,
  03:00 AEDT (UTC+11) becomes 02:00 AEST (UTC+10)), CCW_REPORTING_CURRENCY=AUD, a short abandon
  of 10 s; a telephony-only landing (no ledger).
- London: CCW_REPORTING_CURRENCY=GBP and a configuration folder; a ledger-only landing (no
  interaction) with an unmapped account, an out-of-scope account and dates that are not ISO.

And `ccw run` with a malformed configuration folder: it stops before anything is built.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import make_settings

from orchestration.cli import main
from orchestration.configuration import init
from orchestration.pipeline import run

pytestmark = pytest.mark.slow

CALLS_HEADER = (
    "call_id,direction,started_at,ivr_seconds,queue_seconds,talk_seconds,hold_seconds,acw_seconds,outcome"
)


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------- Jerusalem, EUR, configuration folder
# call -> (started_at as exported, queue seconds): ivr 30 s and talk 240 s each, answered.
JERUSALEM_CALLS = {
    "C1": ("2025-03-27 23:30:00 UTC", 25),  # UTC+2 (before the change): local 2025-03-28 01:30
    "C2": ("2025-03-28T00:30:00Z", 35),  # UTC+3 (after): local 2025-03-28 03:30
    "C5": ("2025-03-31 23:59:00", 30),  # local, no zone: March 31 (20:59 UTC)
    "C3": ("2025-03-31 22:30:00+00:00", 10),  # local 2025-04-01 01:30: April, though March in UTC
    "C4": ("2025-04-01 00:30:00 +03:00", 50),  # 2025-03-31 21:30 UTC: local April 1
    "C6": ("2025-03-31 12:00 EST", 0),  # a zone abbreviation: not guessed
    "C7": ("2025-04-01 09:00 America/Chicago", 0),  # a region name: not guessed
    "C8": ("2025-04-02 10:00+00:00:00", 0),  # an offset with seconds: not a form of the contract
}
JERUSALEM_LEDGER = [
    "journal_id,line_number,posting_date,account_code,cost_center,amount,currency",
    "J1,1,2025-03-10,5210,TLV-TEL,3600.00,ILS",  # x 0.25 = 900.00 EUR (March)
    "J2,1,2025-04-10,5210,TLV-TEL,200.00,EUR",  # 200.00 EUR (April)
    "J2,2,2025-04-20,5210,TLV-TEL,110.00,USD",  # x 0.9 = 99.00 EUR (April)
    "J3,1,2025-05-05,5210,TLV-TEL,400.00,ILS",  # x 0.25 = 100.00 EUR (May: no interaction)
]


def _company_configuration(folder: Path) -> Path:
    """`ccw config init`, then the company's own chart of accounts, cost center and FX rates."""
    init(folder)
    (folder / "account_mapping.csv").write_text("account_code,cost_category,in_scope\n5210,telephony,true\n")
    (folder / "cost_centers.csv").write_text(
        "cost_center,cost_pool,pool_type,team,platform,description\n"
        "TLV-TEL,telephony_platform,platform,,telephony,Tel Aviv telephony platform\n"
    )
    (folder / "fx_rates.csv").write_text(
        "month,currency,rate_to_reporting\n"
        "2025-03-01,ILS,0.25\n2025-04-01,ILS,0.25\n2025-04-01,USD,0.9\n2025-05-01,ILS,0.25\n"
    )
    return folder


@pytest.fixture(scope="module")
def jerusalem(tmp_path_factory):
    root = tmp_path_factory.mktemp("jerusalem")
    landing = root / "exports"
    calls = [
        f"{call},inbound,{started},30,{queue},240,0,0,answered"
        for call, (started, queue) in JERUSALEM_CALLS.items()
    ]
    _write(landing / "telephony_calls" / "2025-04-02.csv", [CALLS_HEADER, *calls])
    _write(landing / "gl_journal_lines" / "2025.csv", JERUSALEM_LEDGER)
    settings = replace(
        make_settings(root, landing),
        business_timezone="Asia/Jerusalem",
        reporting_currency="EUR",
        service_level_seconds_call=30,
        config_dir=_company_configuration(root / "company" / "ccw-config"),
    )
    summary = run(settings, accept_rejections=True)  # 3 of 8 calls rejected on purpose
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        yield settings, summary, con


def test_jerusalem_utc_suffixed_offset_and_local_timestamps_give_the_local_days(jerusalem):
    _, _, con = jerusalem
    rows = con.execute(
        "select source_interaction_id, started_at_utc, interaction_date, interaction_month "
        "from marts.fct_interactions order by 1"
    ).fetchall()
    assert rows == [
        ("C1", datetime(2025, 3, 27, 23, 30), date(2025, 3, 28), date(2025, 3, 1)),
        ("C2", datetime(2025, 3, 28, 0, 30), date(2025, 3, 28), date(2025, 3, 1)),
        ("C3", datetime(2025, 3, 31, 22, 30), date(2025, 4, 1), date(2025, 4, 1)),
        ("C4", datetime(2025, 3, 31, 21, 30), date(2025, 4, 1), date(2025, 4, 1)),
        ("C5", datetime(2025, 3, 31, 20, 59), date(2025, 3, 31), date(2025, 3, 1)),
    ]
    assert con.execute(
        "select started_at_local from marts.fct_interactions where source_interaction_id = 'C1'"
    ).fetchone() == (datetime(2025, 3, 28, 1, 30),)


def test_jerusalem_daily_kpis_use_local_days_and_the_service_level_setting(jerusalem):
    """Service level at 30 s (<= 30 is within): 03-28 C1 25 s yes, C2 35 s no; 03-31 C5 30 s yes;
    04-01 C3 10 s yes, C4 50 s no. At the default 20 s only C3 would be within."""
    _, _, con = jerusalem
    days = con.execute(
        "select kpi_date, offered, sl_threshold_seconds, sl_answered_within_threshold, sl_denominator "
        "from marts.fct_channel_kpis_daily where channel = 'inbound_call' and offered > 0 order by 1"
    ).fetchall()
    assert days == [
        (date(2025, 3, 28), 2, 30, 1, 2),
        (date(2025, 3, 31), 1, 30, 1, 1),
        (date(2025, 4, 1), 2, 30, 1, 2),
    ]


def test_jerusalem_timestamps_in_unknown_forms_are_quarantined_with_file_row_and_rule(jerusalem):
    _, summary, con = jerusalem
    rejected = con.execute(
        "select file_name, row_number, rule, column_name from quarantine.rejected_rows order by row_number"
    ).fetchall()
    assert rejected == [
        ("telephony_calls/2025-04-02.csv", n, "unparseable_type", "started_at") for n in (6, 7, 8)
    ]
    assert summary.quarantined == [("telephony_calls", "unparseable_type", 3)]


def test_jerusalem_costs_in_eur_from_the_companys_configuration(jerusalem):
    """Usage minutes (ivr + queue + talk) / 60, kept to 6 decimals, are the driver.
    March: 3600 ILS x 0.25 = 900.00 EUR over C1 295 s = 4.916667, C2 305 s = 5.083333 and
    C5 300 s = 5.000000 minutes (15.000000): 900 x 4.916667 / 15 = 295.000020,
    900 x 5.083333 / 15 = 304.999980, 300.000000.
    April: 200.00 EUR + 110 USD x 0.9 = 299.00 EUR over C3 280 s = 4.666667 and C4 320 s =
    5.333333 minutes (10.000000): 299 x 4.666667 / 10 = 139.533343(3), 299 x 5.333333 / 10 =
    159.466656(7) -> 159.466657 (millionths; the two add up to 299.000000).
    May: 400 ILS x 0.25 = 100.00 EUR with no interaction: unallocated."""
    settings, _, con = jerusalem
    costs = dict(
        con.execute("select source_interaction_id, total_cost_amount from marts.fct_interactions").fetchall()
    )
    assert costs == {
        "C1": Decimal("295.000020"),
        "C2": Decimal("304.999980"),
        "C5": Decimal("300.000000"),
        "C3": Decimal("139.533343"),
        "C4": Decimal("159.466657"),
    }
    allocation = con.execute(
        "select strftime(cost_month, '%Y-%m'), channel, unallocated_reason, currency, sum(allocated_amount) "
        "from marts.fct_cost_allocation group by all order by 1"
    ).fetchall()
    assert allocation == [
        ("2025-03", "inbound_call", None, "EUR", Decimal("900.00")),
        ("2025-04", "inbound_call", None, "EUR", Decimal("299.00")),
        ("2025-05", "unallocated", "no_driver_activity", "EUR", Decimal("100.00")),
    ]
    # the sample's chart of accounts was never read: the build's seeds are the company's
    with duckdb.connect(str(settings.build_db), read_only=True) as build:
        assert build.execute("select account_code from seeds.account_mapping").fetchall() == [("5210",)]


def _words(text: str) -> str:
    return " ".join(text.split())


def test_jerusalem_summary_tells_the_controller_where_the_cost_went(jerusalem):
    settings, summary, _ = jerusalem
    text = _words(summary.render())
    assert "Cost (in-scope ledger, EUR): 1,299.00" in text
    assert "allocated to interactions 1,199.00 92.3%" in text
    assert "unallocated 100.00 7.7% no_driver_activity 100.00 7.7% months 2025-05" in text
    assert "Months with ledger cost but no interaction: 2025-05 (100.00); their cost is unallocated" in text
    assert "Quarantined rows (quarantine.rejected_rows): 3 of 12 landing rows" in text
    assert (
        "telephony_calls: 3 of 8 rows unparseable_type 3 e.g. telephony_calls/2025-04-02.csv, row 6: "
        "started_at = '2025-03-31 12:00 EST' is not a valid timestamp"
    ) in text
    assert f"dbt log: {settings.dbt_log}" in text and settings.dbt_log.exists()


# ---------------------------------------------------------------- Sydney, AUD, telephony only
# call -> (started_at as exported, outcome, queue seconds); ivr 0, talk 120 s when answered.
SYDNEY_CALLS = {
    "S1": ("2025-04-05T15:30:00Z", "answered", 20),  # AEDT UTC+11: local 2025-04-06 02:30 (first)
    "S2": ("2025-04-05T16:30:00Z", "answered", 20),  # AEST UTC+10: local 2025-04-06 02:30 (second)
    "S7": ("2025-04-06 02:30:00", "answered", 20),  # ambiguous local time: standard time (D10), 16:30 UTC
    "S3": ("2025-03-31 14:00:00 UTC", "answered", 20),  # local 2025-04-01 01:00: April
    "S4": ("2025-03-31 23:00:00", "answered", 20),  # local, no zone: March 31 (12:00 UTC)
    "S5": ("2025-04-30 23:30:00+10:00", "answered", 20),  # local April 30
    "S6": ("2025-04-30T14:30:00Z", "answered", 20),  # UTC+10: local 2025-05-01 00:30: May
    "S8": ("2025-04-10T01:00:00Z", "abandoned", 8),  # local 04-10 11:00; 8 s <= 10 s: a short abandon
}


@pytest.fixture(scope="module")
def sydney(tmp_path_factory):
    root = tmp_path_factory.mktemp("sydney")
    landing = root / "exports"
    calls = [
        f"{call},inbound,{started},0,{queue},{120 if outcome == 'answered' else 0},0,0,{outcome}"
        for call, (started, outcome, queue) in SYDNEY_CALLS.items()
    ]
    _write(landing / "telephony_calls" / "calls.csv", [CALLS_HEADER, *calls])
    settings = replace(
        make_settings(root, landing),
        business_timezone="Australia/Sydney",
        reporting_currency="AUD",
        short_abandon_seconds=10,
    )
    summary = run(settings)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        yield settings, summary, con


def test_sydney_southern_hemisphere_dst_end_and_month_ends(sydney):
    _, _, con = sydney
    rows = dict(
        con.execute(
            "select source_interaction_id, (started_at_utc, interaction_date) from marts.fct_interactions"
        ).fetchall()
    )
    assert rows == {
        "S1": (datetime(2025, 4, 5, 15, 30), date(2025, 4, 6)),
        "S2": (datetime(2025, 4, 5, 16, 30), date(2025, 4, 6)),
        "S7": (datetime(2025, 4, 5, 16, 30), date(2025, 4, 6)),
        "S3": (datetime(2025, 3, 31, 14, 0), date(2025, 4, 1)),
        "S4": (datetime(2025, 3, 31, 12, 0), date(2025, 3, 31)),
        "S5": (datetime(2025, 4, 30, 13, 30), date(2025, 4, 30)),
        "S6": (datetime(2025, 4, 30, 14, 30), date(2025, 5, 1)),
        "S8": (datetime(2025, 4, 10, 1, 0), date(2025, 4, 10)),
    }
    months = con.execute(
        "select strftime(interaction_month, '%Y-%m'), count(*) from marts.fct_interactions group by 1 order by 1"
    ).fetchall()
    assert months == [("2025-03", 1), ("2025-04", 6), ("2025-05", 1)]


def test_sydney_short_abandon_setting(sydney):
    """S8 abandoned after 8 s: short at 10 s (at the default 5 s it would not be)."""
    _, _, con = sydney
    assert con.execute(
        "select abandoned, short_abandoned from marts.fct_channel_kpis_daily "
        "where channel = 'inbound_call' and kpi_date = date '2025-04-10'"
    ).fetchone() == (1, 1)


def test_sydney_telephony_only_summary_says_no_month_has_cost(sydney):
    _, summary, _ = sydney
    text = _words(summary.render())
    assert "Cost (AUD): no in-scope ledger cost" in text
    assert (
        "Months with interactions but no in-scope ledger cost: 2025-03 (1 interaction), "
        "2025-04 (6 interactions), 2025-05 (1 interaction); they carry no cost"
    ) in text
    assert "Quarantined rows (quarantine.rejected_rows): 0 of 8 landing rows" in text


# ---------------------------------------------------------------- London, GBP, ledger only
LONDON_LEDGER = [
    "journal_id,line_number,posting_date,account_code,cost_center,amount,currency",
    "L1,1,2025-01-15,5210,LDN-TEL,1000.00,GBP",  # January: 1,000.00, no interaction to carry it
    "L2,1,2025-02-03,5210,LDN-TEL,500.00,EUR",  # x 0.85 = 425.00 GBP (February)
    "L2,2,2025-02-10,7777,LDN-TEL,80.00,GBP",  # an account missing from the mapping: 80.00
    "L3,1,2025-02-11,6100,LDN-TEL,300.00,GBP",  # in_scope false: not customer-service cost
    "L4,1,10/02/2025,5210,LDN-TEL,999.00,GBP",  # DD/MM/YYYY: not guessed (row 5)
    "L5,1,20250212,5210,LDN-TEL,999.00,GBP",  # YYYYMMDD: not guessed (row 6)
]


@pytest.fixture(scope="module")
def london(tmp_path_factory):
    root = tmp_path_factory.mktemp("london")
    landing = root / "exports"
    _write(landing / "gl_journal_lines" / "2025.csv", LONDON_LEDGER)
    config = root / "ccw-config"
    init(config)
    (config / "account_mapping.csv").write_text(
        "account_code,cost_category,in_scope\n5210,telephony,true\n6100,facilities,false\n"
    )
    (config / "cost_centers.csv").write_text(
        "cost_center,cost_pool,pool_type,team,platform,description\n"
        "LDN-TEL,telephony_platform,platform,,telephony,London telephony platform\n"
    )
    (config / "fx_rates.csv").write_text(
        "month,currency,rate_to_reporting\n2025-01-01,EUR,0.85\n2025-02-01,EUR,0.85\n"
    )
    settings = replace(make_settings(root, landing), reporting_currency="GBP", config_dir=config)
    summary = run(settings, accept_rejections=True)  # 2 of 6 lines rejected on purpose
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        yield settings, summary, con


def test_london_ledger_only_cost_is_all_unallocated_with_reasons_and_months(london):
    """In scope: 1,000.00 (Jan) + 425.00 (500 EUR x 0.85, Feb) + 80.00 (unmapped account, Feb) =
    1,505.00 GBP; the 300.00 of account 6100 (in_scope false) is not in scope. No interaction:
    no_driver_activity 1,425.00 = 94.7% (1425 / 1505 = 0.94684), account_not_mapped 80.00 = 5.3%."""
    _, summary, con = london
    allocation = con.execute(
        "select strftime(cost_month, '%Y-%m'), unallocated_reason, currency, sum(allocated_amount) "
        "from marts.fct_cost_allocation group by all order by 1, 2"
    ).fetchall()
    assert allocation == [
        ("2025-01", "no_driver_activity", "GBP", Decimal("1000.00")),
        ("2025-02", "account_not_mapped", "GBP", Decimal("80.00")),
        ("2025-02", "no_driver_activity", "GBP", Decimal("425.00")),
    ]
    text = _words(summary.render())
    assert "Cost (in-scope ledger, GBP): 1,505.00" in text
    assert "allocated to interactions 0.00 0.0% unallocated 1,505.00 100.0%" in text
    assert "no_driver_activity 1,425.00 94.7% months 2025-01, 2025-02" in text
    assert "account_not_mapped 80.00 5.3% months 2025-02" in text
    assert (
        "Months with ledger cost but no interaction: 2025-01 (1,000.00), 2025-02 (505.00); "
        "their cost is unallocated"
    ) in text


def test_london_ledger_dates_that_are_not_iso_are_quarantined_not_guessed(london):
    _, summary, con = london
    rejected = con.execute(
        "select row_number, rule, column_name from quarantine.rejected_rows order by row_number"
    ).fetchall()
    assert rejected == [(5, "unparseable_type", "posting_date"), (6, "unparseable_type", "posting_date")]
    text = _words(summary.render())
    assert "Quarantined rows (quarantine.rejected_rows): 2 of 6 landing rows" in text
    assert (
        "gl_journal_lines: 2 of 6 rows unparseable_type 2 e.g. gl_journal_lines/2025.csv, row 5: "
        "posting_date = '10/02/2025'"
    ) in text


def test_ccw_run_stops_on_a_malformed_configuration_before_building(tmp_path, monkeypatch, capsys):
    """A cost center's pool_type `labor` (line 3 of the company's cost_centers.csv): the run stops
    with the file, the line and what is wrong; no warehouse is written."""
    landing = tmp_path / "exports"
    _write(landing / "gl_journal_lines" / "2025.csv", LONDON_LEDGER[:2])
    config = tmp_path / "ccw-config"
    init(config)
    (config / "cost_centers.csv").write_text(
        "cost_center,cost_pool,pool_type,team,platform,description\n"
        "LDN-TEL,telephony_platform,platform,,telephony,London telephony platform\n"
        "LDN-AGT,labour_london,labor,London,,London agents\n"
    )
    warehouse = tmp_path / "warehouse" / "contact_cost.duckdb"
    monkeypatch.setenv("CCW_LANDING_DIR", str(landing))
    monkeypatch.setenv("CCW_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CCW_CONFIG_DIR", str(config))
    assert main(["run"]) == 1
    err = _words(capsys.readouterr().err)
    assert f"the configuration in {config} is not valid: nothing was built" in err
    assert "cost_centers.csv: line 3: pool_type = 'labor' is not one of labour, platform" in err
    assert not warehouse.exists()
