"""An incremental build gives exactly the warehouse a full refresh gives on the same files.

One warehouse is built from the small landing directory, then the next night is
delivered: the generator appends a day (`--start` the day after), and hand-made
files carry what makes incremental builds hard - a re-delivered, updated case
(latest updated_at wins over the old version), a late call inside the repeat
window of existing contacts, a late ledger line for the previous month (its cost
allocation must be recomputed whole), a survey about an old interaction, an
agent whose FTE changed and a customer whose segment changed (dimensions), and
rows that staging quarantines. The incremental build of that night is compared,
table by table and row for row, with a full refresh of a new warehouse on the
same files: every mart, quarantine, staging and intermediate table
(docs/decisions/performance.md P6).
"""

from __future__ import annotations

import csv
import math
import re
import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import SMALL, make_settings, open_with_build

from orchestration.pipeline import run
from orchestration.tools.generator import generate

pytestmark = pytest.mark.slow

# Bookkeeping of the incremental build itself (empty on a full refresh by design).
NOT_COMPARED = {("intermediate", "int_refresh__months")}
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
# A future_timestamp detail names the cutoff of its build (run start + 1 day): two builds at two
# moments say two times. Everything else about the row must be equal.
CUTOFF = re.compile(r"\(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)")


def _normal(value):
    return CUTOFF.sub("(cutoff)", value) if isinstance(value, str) else value


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _next_night(landing: Path) -> dict[str, str]:
    """Deliver the next day plus the hard cases; returns what was changed, for the asserts."""
    last_day = SMALL["start"] + timedelta(days=SMALL["days"] - 1)
    generate(out_dir=landing, **{**SMALL, "start": last_day + timedelta(days=1), "days": 1})

    # a case delivered again with a later updated_at and another contact reason: the new version wins
    header, tickets = _rows(landing / "tickets" / f"{last_day - timedelta(days=2):%Y-%m-%d}.csv")
    ticket = dict(next(t for t in tickets if t["customer_id"] and t["status"] in ("solved", "closed")))
    ticket["updated_at"] = f"{last_day + timedelta(days=1):%Y-%m-%d}T09:00:00-05:00"
    ticket["contact_reason"] = "complaint" if ticket["contact_reason"] != "complaint" else "billing_question"
    ticket["status"] = "closed"
    _write(landing / "tickets" / "zz-redelivered.csv", header, [ticket])

    # a late call, two days back, just before a contact of the same customer (a new repeat link),
    # plus two rows staging quarantines (unknown code, future timestamp)
    header, calls = _rows(landing / "telephony_calls" / f"{last_day - timedelta(days=1):%Y-%m-%d}.csv")
    anchor = next(c for c in calls if c["customer_id"] and c["outcome"] == "answered")
    late = dict(anchor, call_id="LATE-CALL-1", contact_reason="unknown")
    late["started_at"] = anchor["started_at"].replace("T", "T").rsplit(":", 2)[0] + ":00:00Z"
    late["updated_at"] = late["started_at"]
    bad_code = dict(anchor, call_id="LATE-CALL-BAD", direction="sideways")
    future = dict(anchor, call_id="LATE-CALL-FUTURE", started_at="2099-01-01T00:00:00Z", updated_at="")
    _write(landing / "telephony_calls" / "zz-late.csv", header, [late, bad_code, future])

    # a ledger line posted late in the first month: that month's allocation is recomputed whole
    header, lines = _rows(landing / "gl_journal_lines" / f"{SMALL['start']:%Y-%m}.csv")
    line = dict(
        lines[0], journal_id="LATE-JE-1", line_number="1", amount="1234.56", description="late accrual"
    )
    _write(landing / "gl_journal_lines" / f"{SMALL['start']:%Y-%m}-late.csv", header, [line])

    # a survey about an interaction of the first days
    header, surveys = _rows(landing / "surveys" / f"{SMALL['start'] + timedelta(days=2):%Y-%m-%d}.csv")
    survey = dict(
        surveys[0], survey_id="LATE-SRV-1", responded_at=f"{last_day + timedelta(days=1):%Y-%m-%d}T12:00:00"
    )
    _write(landing / "surveys" / "zz-late.csv", header, [survey])

    # dimensions: an agent's FTE and a customer's segment change (every month they touch changes)
    (agents_file,) = sorted((landing / "agents").glob(f"agents_{SMALL['start']:%Y-%m-%d}.csv"))
    header, agents = _rows(agents_file)
    agent = dict(agents[0], fte="0.5" if agents[0]["fte"] != "0.5" else "0.8")
    _write(landing / "agents" / "zz-update.csv", header, [agent])
    (customers_file,) = sorted((landing / "customers").glob(f"customers_{SMALL['start']:%Y-%m-%d}.csv"))
    header, customers = _rows(customers_file)
    customer = dict(
        customers[0], segment="large_enterprise" if customers[0]["segment"] != "large_enterprise" else "sme"
    )
    _write(landing / "customers" / "zz-update.csv", header, [customer])
    return {
        "ticket": ticket["ticket_id"],
        "reason": ticket["contact_reason"],
        "agent": agent["agent_id"],
        "customer": customer["customer_id"],
    }


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? "
        "and schema_name in ('staging', 'intermediate', 'marts', 'quarantine', 'seeds') order by 1, 2",
        [catalog],
    ).fetchall()


def _differences(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """Row-for-row comparison of inc.<table> and full.<table>: every column equal, but doubles
    within 1e-9 (a sum of doubles depends on the order rows are added in)."""
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'inc' "
        "and schema_name = ? and table_name = ? order by column_index",
        [schema, table],
    ).fetchall()
    exact = [f'"{c}"' for c, t in columns if t not in FLOAT_TYPES]
    floats = [f'"{c}"' for c, t in columns if t in FLOAT_TYPES]
    select = ", ".join(exact + floats)
    order = ", ".join(f"{c} nulls first" for c in exact + floats)
    inc = [
        tuple(map(_normal, r))
        for r in con.execute(f'select {select} from inc.{schema}."{table}" order by {order}').fetchall()
    ]
    full = [
        tuple(map(_normal, r))
        for r in con.execute(f'select {select} from ref.{schema}."{table}" order by {order}').fetchall()
    ]
    if len(inc) != len(full):
        return [f"{schema}.{table}: {len(inc)} rows incremental, {len(full)} rows full refresh"]
    problems = []
    n = len(exact)
    for a, b in zip(inc, full, strict=True):
        same = a[:n] == b[:n] and all(
            (x is None and y is None)
            or (x is not None and y is not None and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9))
            for x, y in zip(a[n:], b[n:], strict=True)
        )
        if not same:
            problems.append(f"{schema}.{table}: incremental {a} != full refresh {b}")
            if len(problems) >= 3:
                break
    return problems


@pytest.fixture(scope="module")
def nights(tmp_path_factory, small_landing):
    root = tmp_path_factory.mktemp("incremental")
    landing = root / "landing"
    shutil.copytree(small_landing, landing)
    incremental = make_settings(root / "inc", landing)
    first = run(incremental)
    changed = _next_night(landing)
    second = run(incremental)
    reference_settings = make_settings(root / "full", landing)
    reference = run(reference_settings)
    return incremental, reference_settings, first, second, reference, changed


def test_the_second_night_is_incremental(nights):
    _, _, first, second, reference, _ = nights
    assert first.build.startswith("full refresh")
    assert reference.build.startswith("full refresh")
    assert second.build.startswith("incremental"), second.build
    # the night's files only: the appended day (9 files) and the 6 hand-made ones
    assert len(second.ingest.loaded_files) == 15, second.ingest.loaded_files
    assert second.ingest.files_read == reference.ingest.files_read


def test_incremental_equals_full_refresh_row_for_row(nights):
    incremental, reference, *_ = nights
    con = duckdb.connect()
    # every layer is compared: the build files hold staging, intermediate and seeds too
    con.execute(f"attach '{incremental.build_db}' as inc (read_only)")
    con.execute(f"attach '{reference.build_db}' as ref (read_only)")
    tables = _tables(con, "inc")
    assert tables == _tables(con, "ref")
    assert {s for s, _ in tables} == {"staging", "intermediate", "marts", "quarantine", "seeds"}
    problems = [
        p
        for schema, table in tables
        if (schema, table) not in NOT_COMPARED
        for p in _differences(con, schema, table)
    ]
    assert not problems, "\n".join(problems)


def test_the_hard_cases_reached_the_marts(nights):
    incremental, _, _, _, _, changed = nights
    with open_with_build(incremental) as con:
        assert con.execute(
            "select contact_reason from marts.fct_interactions where source = 'tickets' and source_interaction_id = ?",
            [changed["ticket"]],
        ).fetchone() == (changed["reason"],)
        assert con.execute(
            "select count(*) from marts.fct_interactions where source_interaction_id = 'LATE-CALL-1'"
        ).fetchone() == (1,)
        assert con.execute(
            "select count(*) from marts.fct_repeat_contacts where earlier_interaction_id = 'telephony_calls:LATE-CALL-1'"
        ).fetchone() == (1,)
        rules = dict(
            con.execute(
                "select rule, count(*) from quarantine.rejected_rows where file_name = 'telephony_calls/zz-late.csv' group by 1"
            ).fetchall()
        )
        assert rules == {"unknown_code": 1, "future_timestamp": 1}
        assert con.execute(
            "select count(*) from intermediate.int_costs__gl_lines where journal_id = 'LATE-JE-1'"
        ).fetchone() == (1,)
        assert con.execute(
            "select count(*) from intermediate.int_kpis__survey_responses where survey_id = 'LATE-SRV-1' and is_matched"
        ).fetchone() == (1,)


def test_a_removed_landing_file_forces_a_full_refresh_and_its_rows_go(nights):
    incremental, *_ = nights
    (incremental.landing_dir / "gl_journal_lines" / f"{SMALL['start']:%Y-%m}-late.csv").unlink()
    summary = run(incremental)
    assert summary.build.startswith("full refresh") and "changed or disappeared" in summary.build
    assert len(summary.ingest.loaded_files) == 0  # the other files are not read again
    with duckdb.connect(str(incremental.build_db), read_only=True) as con:
        assert con.execute(
            "select count(*) from intermediate.int_costs__gl_lines where journal_id = 'LATE-JE-1'"
        ).fetchone() == (0,)
    again = run(incremental)
    assert again.build.startswith("incremental")
