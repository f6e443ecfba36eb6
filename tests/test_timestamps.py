"""The accepted date and timestamp forms (landing_contract.yml value_forms): the raw checks read them
as staging does (the dbt unit test base_telephony__calls_timestamp_forms_east_of_utc pins staging on
the same values), and nothing else is read."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from orchestration.contract import VALUE_FORMS
from orchestration.quality.metrics import typed_value

# value -> UTC instant with the business timezone Asia/Jerusalem (UTC+2; UTC+3 from 2026-03-27
# 02:00 local, when the clock jumps to 03:00), computed by hand; None: not an accepted form.
JERUSALEM = {
    "2026-03-26 23:30:00 UTC": datetime(2026, 3, 26, 23, 30),  # Fivetran / BigQuery
    "2026-03-26 23:30:00UTC": datetime(2026, 3, 26, 23, 30),
    "2026-03-27T00:30:00Z": datetime(2026, 3, 27, 0, 30),
    "2026-03-27T00:30:00z": datetime(2026, 3, 27, 0, 30),
    "2026-03-27 09:00:00 +03:00": datetime(2026, 3, 27, 6, 0),
    "2026-03-27 09:00+0300": datetime(2026, 3, 27, 6, 0),
    "2026-03-27 09:00:00-05": datetime(2026, 3, 27, 14, 0),
    "2026-03-27 09:00-05:30": datetime(2026, 3, 27, 14, 30),
    "2026-03-27T09:00:00.250Z": datetime(2026, 3, 27, 9, 0, 0, 250000),
    "2026-03-27 01:30:00": datetime(2026, 3, 26, 23, 30),  # local, before the change: UTC+2
    "2026-03-27T03:30:00": datetime(2026, 3, 27, 0, 30),  # local, after: UTC+3
    "2026-03-28": datetime(2026, 3, 27, 21, 0),  # a date alone: local midnight
    "2026-03-27 12:00 EST": None,
    "2026-03-27 12:00 America/Chicago": None,
    "2026-03-27 12:00 GMT": None,
    "2026-03-27 12:00+00:00:00": None,
    "2026-03-27 12:00+15:00": None,
    "2026-03-27 12:00+02:60": None,
    "27/03/2026 12:00": None,
    "2026/03/27 12:00": None,
    "2026-3-27 12:00": None,
}
DATES = {
    "2026-11-05": date(2026, 11, 5),
    "2026/11/05": None,
    "2026-11-5": None,
    "26-11-05": None,  # a plain cast reads the year 26
    "05/11/2026": None,
    "2026-11-05 10:00": None,
    "2026-02-30": None,
}


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as con:
        yield con


def _read(con, values, type_: str, timezone: str = "Asia/Jerusalem") -> dict:
    con.execute("create or replace temp table v (value varchar)")
    con.executemany("insert into v values (?)", [[v] for v in values])
    rows = con.execute(f"select value, {typed_value('value', type_, timezone)} from v").fetchall()
    return dict(rows)


def test_the_raw_checks_read_every_accepted_timestamp_form_and_no_other(con):
    assert _read(con, JERUSALEM, "timestamp") == JERUSALEM


def test_dates_are_iso_only(con):
    assert _read(con, DATES, "date") == DATES


def test_the_forms_run_unchanged_on_duckdb_and_spark():
    """No backslash, no quote: the same pattern text is a valid literal and regular expression in
    DuckDB (RE2) and Spark (Java)."""
    for pattern in VALUE_FORMS.values():
        assert "\\" not in pattern and "'" not in pattern
