"""Marts on generated data: fct_interactions, dim_channel, dim_customer, dim_date.

The dbt unit tests (models/*/_*.yml) pin each flag on hand-written rows; these
checks run on the published warehouse built from the generated sample and test
what unit tests cannot: completeness against staging, invariants on every row,
calendar coverage, no personal data in marts, and a build without the HR roster.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from conftest import CHANNELS, open_with_build

from orchestration.pipeline import run

STAGING = {
    "telephony_calls": ("stg_telephony__calls", "call_id"),
    "tickets": ("stg_ticketing__tickets", "ticket_id"),
    "chats": ("stg_chat__chats", "chat_id"),
    "self_service_sessions": ("stg_self_service__sessions", "session_id"),
}


@pytest.fixture(scope="module")
def con(published):
    settings, _ = published
    with open_with_build(settings) as connection:
        yield connection


def scalar(con, sql):
    return con.execute(sql).fetchone()[0]


def test_one_fact_row_per_staging_interaction(con):
    for source, (model, key) in STAGING.items():
        missing_or_extra = scalar(
            con,
            f"""
            select count(*) from (
                (select '{source}:' || {key} as interaction_id, channel from staging.{model}
                 except
                 select interaction_id, channel from marts.fct_interactions where source = '{source}')
                union all
                (select interaction_id, channel from marts.fct_interactions where source = '{source}'
                 except
                 select '{source}:' || {key}, channel from staging.{model})
            )
            """,
        )
        assert missing_or_extra == 0, source
    assert scalar(con, "select count(*) - count(distinct interaction_id) from marts.fct_interactions") == 0


def test_every_channel_has_rows_and_matches_dim_channel(con):
    counts = dict(con.execute("select channel, count(*) from marts.fct_interactions group by 1").fetchall())
    assert set(counts) == set(CHANNELS)
    assert all(n > 0 for n in counts.values())
    dim = con.execute(
        "select channel, is_assisted, platform from marts.dim_channel order by sort_order"
    ).fetchall()
    assert [r[0] for r in dim] == CHANNELS
    # every platform of the taxonomy has a platform cost pool
    pools = {
        r[0]
        for r in con.execute(
            "select platform from seeds.cost_centers where pool_type = 'platform'"
        ).fetchall()
    }
    assert {r[2] for r in dim} <= pools
    mismatched = scalar(
        con,
        """select count(*) from marts.fct_interactions f join marts.dim_channel d using (channel)
           where f.is_assisted <> d.is_assisted""",
    )
    assert mismatched == 0


@pytest.mark.parametrize(
    "violation",
    [
        # calls: handled -> handle = talk + hold + acw; abandoned / IVR -> 0
        "source = 'telephony_calls' and is_handled"
        " and handle_seconds <> talk_seconds + hold_seconds + acw_seconds",
        "source = 'telephony_calls' and outcome in ('abandoned', 'ivr_self_served') and handle_seconds <> 0",
        # chats: labour driver divides by concurrency
        "source = 'chats' and abs(productive_handle_seconds * concurrency - handle_seconds) > 1e-6",
        "source <> 'chats' and productive_handle_seconds is distinct from cast(handle_seconds as double)",
        # unassisted rows carry no agent time and are the only ones with a containment flag
        "not is_assisted and handle_seconds <> 0",
        "is_assisted and is_contained is not null",
        "not is_assisted and is_contained is null",
        # flags are consistent with each other
        "is_handled and is_abandoned",
        "is_abandoned and not is_queued",
        "channel = 'outbound_call' and is_queued",
        "source in ('tickets', 'self_service_sessions') and (is_queued or is_abandoned)",
        "source = 'tickets' and is_solved is null",
        "source <> 'tickets' and is_solved is not null",
        "source = 'telephony_calls' and is_transferred is null",
        # grains are business-local
        "interaction_date <> cast(started_at_local as date)",
        "interaction_month <> date_trunc('month', started_at_local)",
        "hour_of_day <> hour(started_at_local)",
        "contact_reason is null",
    ],
)
def test_fact_invariants(con, violation):
    assert scalar(con, f"select count(*) from marts.fct_interactions where {violation}") == 0


def test_local_time_is_the_business_timezone(con, published):
    settings, _ = published
    tz = ZoneInfo(settings.business_timezone)
    rows = con.execute(
        "select started_at_utc, started_at_local from marts.fct_interactions using sample 200 rows"
    ).fetchall()
    for utc, local in rows:
        expected = utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None)
        assert local == expected


def test_team_comes_from_the_roster(con):
    wrong = scalar(
        con,
        """select count(*) from marts.fct_interactions f
           left join staging.stg_hr__agents a on a.agent_id = f.agent_id
           where f.team is distinct from a.team""",
    )
    assert wrong == 0
    assert scalar(con, "select count(*) from marts.fct_interactions where team is not null") > 0


def test_dim_date_covers_whole_months_of_every_date_without_gaps(con):
    """dim_date runs from the 1st of the month of the earliest date a mart carries (interaction,
    ticket solve in business time, GL posting, WFM activity, survey response) to the last day of
    the month of the latest, every day once; calendar parts as Python's datetime gives them."""
    first, last, days, distinct_days = con.execute(
        "select min(date_day), max(date_day), count(*), count(distinct date_day) from marts.dim_date"
    ).fetchone()
    assert days == distinct_days == (last - first).days + 1
    business = ZoneInfo("America/New_York")
    dates = [
        r[0]
        for r in con.execute(
            """select interaction_date from marts.fct_interactions
               union all select posting_date from staging.stg_erp__gl_journal_lines
               union all select activity_date from marts.fct_agent_daily
               union all select response_date from marts.fct_survey_kpis_daily"""
        ).fetchall()
    ]
    dates += [
        ts.replace(tzinfo=ZoneInfo("UTC")).astimezone(business).date()
        for (ts,) in con.execute(
            "select solved_at_utc from marts.fct_interactions where solved_at_utc is not null"
        ).fetchall()
    ]
    next_month = (max(dates).replace(day=28) + timedelta(days=4)).replace(day=1)
    assert (first, last) == (min(dates).replace(day=1), next_month - timedelta(days=1))
    for day, dow, name, week_start, weekend in con.execute(
        "select date_day, day_of_week, day_name, week_start, is_weekend from marts.dim_date"
    ).fetchall():
        assert dow == day.isoweekday()
        assert name == day.strftime("%A")
        assert week_start == day - timedelta(days=day.weekday())
        assert weekend == (dow >= 6)


def test_no_personal_data_columns_in_marts(con):
    columns = {
        (t, c)
        for t, c in con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'marts'"
        ).fetchall()
        if t in ("fct_interactions", "dim_customer", "dim_channel", "dim_date")
    }
    assert columns
    assert not [
        tc
        for tc in columns
        if any(p in tc[1] for p in ("hash", "email", "phone", "name"))
        and tc[1] not in ("channel_name", "month_name", "day_name", "_file_name")
    ]


def test_build_without_hr_roster_leaves_team_null(tmp_path, fresh_settings, small_landing):
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    shutil.rmtree(landing / "agents", ignore_errors=True)
    settings = replace(fresh_settings, landing_dir=landing, warehouse=tmp_path / "wh" / "contact_cost.duckdb")
    run(settings)
    with duckdb.connect(str(settings.warehouse), read_only=True) as c:
        total, with_team, with_agent = c.execute(
            "select count(*), count(team), count(agent_id) from marts.fct_interactions"
        ).fetchone()
    assert total > 0 and with_agent > 0 and with_team == 0


def test_published_columns_have_types_every_bi_tool_reads(published):
    """No 128-bit integers (DuckDB's sum of integers): JDBC/ODBC drivers and Spark have no such
    type, so counts are BIGINT. Money is decimal(32 + scale, scale), cents decimal(34,2) and
    millionths decimal(38,6) (docs/decisions/cost_allocation.md C9): no decimal has more than
    32 integer digits, so a sum DuckDB widened by itself (decimal(18,4) -> decimal(38,4)) shows."""
    settings, _ = published
    # the published file's columns only: a connection of this process may have attached the build
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        odd = con.execute(
            "select table_schema || '.' || table_name || '.' || column_name || ' ' || data_type "
            "from information_schema.columns "
            "where table_catalog = current_database() and (data_type in ('HUGEINT', 'UHUGEINT') "
            "or (data_type like 'DECIMAL%' and numeric_precision - numeric_scale > 32)) order by 1"
        ).fetchall()
    assert odd == []
