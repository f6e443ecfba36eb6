"""Staging layer: validation, quarantine, dedup and PII on a tiny hand-written landing folder.

One module-scoped build: hand-written CSV rows (one good and one bad row per
rule, a record re-delivered in a later file, a Parquet file among the CSVs, an
absent source folder, optional columns absent or empty in every form a CSV or Parquet
export writes them) -> orchestration.landing.ingest -> `dbt build --select +staging`
-> assertions on the staging and quarantine tables.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import pytest
from conftest import run_dbt

from orchestration.landing.ingest import ingest

PROJECT_DIR = Path(__file__).resolve().parent.parent
SALT = "staging-test-salt"

# PII values written below; none may appear in clear in any staging/quarantine column.
PII = [
    "+15550001111",
    "+15550002222",
    "+15550003333",
    "ann@example.com",
    "bob@example.com",
    "Ann Lee",
    "Bob Ray",
    "Cy Agent",
]

CALLS_HEADER = (
    "call_id,updated_at,direction,started_at,customer_id,customer_phone,queue,contact_reason,"
    "ivr_seconds,queue_seconds,agent_id,talk_seconds,hold_seconds,acw_seconds,outcome,transferred"
)
CALLS_1 = [
    # row 1: good, re-delivered in the later parquet file with a later updated_at
    "C1,2026-11-01T10:00:00Z,inbound,2026-11-01T09:00:00,K1,+15550001111,billing,bill,10,20,A1,100,5,30,answered,false",
    # row 2: good, outbound
    "C2,,outbound,2026-11-01T09:00:00-05:00,K2,+15550002222,,,0,0,A1,50,0,10,answered,",
    # row 3: missing_required (no started_at)
    "C3,,inbound,,,+15550003333,,,0,0,A1,50,0,10,answered,",
    # row 4: unparseable_type (ivr_seconds)
    "C4,,inbound,2026-11-01T09:00:00,,,,,ten,0,A1,50,0,10,answered,",
    # row 5: unknown_code (outcome)
    "C5,,inbound,2026-11-01T09:00:00,,,,,0,0,A1,50,0,10,hung_up,",
    # row 6: negative_duration (hold_seconds)
    "C6,,inbound,2026-11-01T09:00:00,,,,,0,0,A1,50,-1,10,answered,",
    # row 7: future_timestamp (started_at)
    "C7,,inbound,2999-01-01T09:00:00,,,,,0,0,A1,50,0,10,answered,",
    # rows 8-9: duplicate_id (same id, same updated_at, same file, different content)
    "C8,2026-11-01T12:00:00Z,inbound,2026-11-01T09:00:00,,,,,0,0,A1,50,0,10,answered,",
    "C8,2026-11-01T12:00:00Z,inbound,2026-11-01T09:00:00,,,,,0,0,A1,60,0,10,answered,",
    # rows 10-11: exact duplicates -> one record
    "C9,,inbound,2026-11-01T09:00:00,,,,,5,0,,0,0,0,ivr_self_served,",
    "C9,,inbound,2026-11-01T09:00:00,,,,,5,0,,0,0,0,ivr_self_served,",
    # row 12: implausible_date (year 1: before the plausible window, default 2000-01-01)
    "C12,,inbound,0001-06-01T09:00:00,,,,,0,0,A1,50,0,10,answered,",
]
# parquet, later file: C1 re-delivered (wins: later updated_at), C10 new, C11 bad
CALLS_2 = [
    "C1,2026-11-02T10:00:00Z,inbound,2026-11-01T09:00:00,K1,+15550001111,billing,bill,10,20,A1,120,5,30,answered,true",
    "C10,,inbound,2026-11-02T09:00:00,,,,,0,40,,0,0,0,abandoned,",
    "C11,,inbound,2026-11-02T09:00:00,,,,,0,0,A1,50,0,10,answered,perhaps",
]

TICKETS = [
    "ticket_id,updated_at,channel,created_at,customer_id,customer_email,contact_reason,agent_id,first_response_at,"
    "solved_at,status,reopen_count,agent_replies,handle_seconds",
    "T1,,email,2026-11-01T09:00:00,K1,ann@example.com,bill,A1,2026-11-01T10:00:00,2026-11-01T11:00:00,solved,0,1,300",
    # row 2: end_before_start (solved before created)
    "T2,,web_form,2026-11-01T09:00:00,K2,bob@example.com,bill,A1,,2026-11-01T08:00:00,solved,0,1,300",
]
CHATS = [
    "chat_id,updated_at,started_at,ended_at,customer_id,contact_reason,outcome,agent_id,wait_seconds,handle_seconds,concurrency",
    "H1,,2026-11-01T09:00:00,2026-11-01T09:10:00,K1,bill,bot_resolved,,,,",
    # row 2: end_before_start
    "H2,,2026-11-01T09:00:00,2026-11-01T08:10:00,K1,bill,answered,A1,5,300,2",
]
# a later chats file re-delivers H1 without updated_at: the later file wins
CHATS_2 = [CHATS[0], "H1,,2026-11-01T09:00:00,2026-11-01T09:12:00,K1,bill,bot_resolved,,,,"]
SURVEYS = [
    "survey_id,interaction_source,interaction_id,responded_at,csat,nps,ces,resolved",
    "V1,chats,H1,2026-11-01T10:00:00Z,5,10,7,true",
    # row 2: out_of_range (csat outside 1-5)
    "V2,chats,H1,2026-11-01T10:00:00Z,9,10,7,true",
]
CUSTOMERS = [
    "customer_id,segment,country,geography,customer_since,customer_name,email,phone",
    # a customer since 1985: a date of a person, not of an event, may lie before the window
    "K1,sme,US,local,1985-06-01,Ann Lee,ann@example.com,+15550001111",
    # row 2: missing_required (segment); its PII must not leak into quarantine
    "K2,,US,local,2020-01-01,Bob Ray,bob@example.com,+15550002222",
]
AGENTS = [
    "agent_id,agent_name,team,site,cost_center,employment_type,fte,hired_on,left_on",
    "A1,Cy Agent,t1,NYC,CC1,employee,1.0,1995-03-01,",  # hired before the window: kept
]
ACTIVITY = [
    "agent_id,activity_date,state,seconds",
    "A1,2026-11-01,on_contact,3600",
    # row 2: negative_duration
    "A1,2026-11-01,break,-60",
]
GL_HEADER = (
    "journal_id,line_number,posting_date,account_code,account_name,cost_center,amount,currency,description"
)

# Optional columns (call durations, a survey's response time, a ledger line's cost centre) the
# export leaves out or empty: null in staging, never a rejection. One record per form.
DURATIONS = ("ivr_seconds", "queue_seconds", "talk_seconds", "hold_seconds", "acw_seconds")
CALLS_HEADER_WITHOUT_DURATIONS = ",".join(c for c in CALLS_HEADER.split(",") if c not in DURATIONS)
CALLS_WITHOUT_DURATIONS = ["N1,,inbound,2026-11-03T09:00:00,,,,,A1,answered,"]  # the columns are absent
CALLS_EMPTY_DURATIONS = [
    "N2,,inbound,2026-11-03T09:00:00,,,,,,,A1,,,,answered,",  # unquoted empty
    'N3,,inbound,2026-11-03T09:00:00,,,,,"","",A1,"","","",answered,',  # quoted empty ""
    "N4,,inbound,2026-11-03T09:00:00,,,,, ,  ,A1, ,   , ,answered,",  # spaces only: empty too
    # row 4: a required timestamp of spaces only is missing, not unparseable
    "N5,,inbound,  ,,,,,0,0,A1,50,0,10,answered,",
    # an abandon of unknown wait: IVR known, queue wait empty
    "N6,,inbound,2026-11-03T09:05:00,,,,,5,,,,,,abandoned,",
]
SURVEYS_HEADER_WITHOUT_RESPONSE = "survey_id,interaction_source,interaction_id,csat,nps,ces,resolved"
GL_HEADER_WITHOUT_COST_CENTER = ",".join(c for c in GL_HEADER.split(",") if c != "cost_center")
OPTIONAL_FILES = {
    "telephony_calls/2026-11-03-absent.csv",
    "telephony_calls/2026-11-03-empty.csv",
    "telephony_calls/2026-11-04-absent.parquet",
    "telephony_calls/2026-11-04-null.parquet",
    "telephony_calls/2026-11-04-empty.parquet",
    "surveys/2026-11-03-absent.csv",
    "surveys/2026-11-03-empty.csv",
    "surveys/2026-11-04-absent.parquet",
    "gl_journal_lines/2026-11-03-absent.csv",
    "gl_journal_lines/2026-11-03-empty.csv",
    "gl_journal_lines/2026-11-04-null.parquet",
}

# (source, file, row) -> rule, for every bad row written above
EXPECTED_REJECTIONS = {
    ("telephony_calls", "telephony_calls/2026-11-01.csv", 3): "missing_required",
    ("telephony_calls", "telephony_calls/2026-11-01.csv", 4): "unparseable_type",
    ("telephony_calls", "telephony_calls/2026-11-01.csv", 5): "unknown_code",
    ("telephony_calls", "telephony_calls/2026-11-01.csv", 6): "negative_duration",
    ("telephony_calls", "telephony_calls/2026-11-01.csv", 7): "future_timestamp",
    ("telephony_calls", "telephony_calls/2026-11-01.csv", 8): "duplicate_id",
    ("telephony_calls", "telephony_calls/2026-11-01.csv", 9): "duplicate_id",
    ("telephony_calls", "telephony_calls/2026-11-02.parquet", 3): "unparseable_type",
    ("tickets", "tickets/2026-11-01.csv", 2): "end_before_start",
    ("chats", "chats/2026-11-01.csv", 2): "end_before_start",
    ("surveys", "surveys/2026-11-01.csv", 2): "out_of_range",
    ("customers", "customers/2026-11-01.csv", 2): "missing_required",
    ("agent_activity", "agent_activity/2026-11-01.csv", 2): "negative_duration",
    ("gl_journal_lines", "gl_journal_lines/2026-11-01.csv", 2): "unknown_currency",
    ("telephony_calls", "telephony_calls/2026-11-01.csv", 12): "implausible_date",
    ("gl_journal_lines", "gl_journal_lines/2026-11-01.csv", 3): "too_many_decimals",
    ("telephony_calls", "telephony_calls/2026-11-03-empty.csv", 4): "missing_required",
}
# staging model -> (landing source, key column, expected keys, superseded versions)
EXPECTED_STAGING = {
    "stg_telephony__calls": (
        "telephony_calls",
        "call_id",
        {"C1", "C2", "C9", "C10", "N1", "N2", "N3", "N4", "N6", "N7", "N8", "N9"},
        2,
    ),
    "stg_ticketing__tickets": ("tickets", "ticket_id", {"T1"}, 0),
    "stg_chat__chats": ("chats", "chat_id", {"H1"}, 1),
    "stg_self_service__sessions": ("self_service_sessions", "session_id", set(), 0),
    "stg_surveys__responses": ("surveys", "survey_id", {"V1", "V3", "V4", "V5", "V6"}, 0),
    "stg_crm__customers": ("customers", "customer_id", {"K1"}, 0),
    "stg_hr__agents": ("agents", "agent_id", {"A1"}, 0),
    "stg_wfm__agent_activity": ("agent_activity", "agent_id", {"A1"}, 0),
    "stg_erp__gl_journal_lines": ("gl_journal_lines", "journal_id", {"J1", "J2", "J3", "J4", "J5", "J6"}, 0),
}


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def _foreign_rate() -> tuple[str, str]:
    """A (month, currency) with a rate in the fx_rates seed, for a good non-reporting-currency GL line."""
    with open(PROJECT_DIR / "seeds" / "fx_rates.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["currency"] != "USD" and row.get("rate_to_reporting"):
                return row["month"][:10], row["currency"]
    pytest.skip("seeds/fx_rates.csv has no non-USD rate")


def _write_parquet(path: Path, header: str, rows: list[str]) -> None:
    columns = header.split(",")
    with duckdb.connect() as con:
        con.execute(f"create table t ({', '.join(f'{c} varchar' for c in columns)})")
        for row in rows:
            values = [v or None for v in row.split(",")]
            con.execute(f"insert into t values ({', '.join('?' for _ in columns)})", values)
        con.execute(f"copy t to '{path}' (format parquet)")


def _write_typed_parquet(path: Path, columns: str, rows: list[tuple]) -> None:
    """A Parquet file of typed columns (`name type, ...`) and exact values ('' stays '')."""
    with duckdb.connect() as con:
        con.execute(f"create table t ({columns})")
        con.executemany(f"insert into t values ({', '.join('?' for _ in columns.split(','))})", rows)
        con.execute(f"copy t to '{path}' (format parquet)")


def _optional_columns_landing(landing: Path, gl_date: str) -> None:
    """OPTIONAL_FILES: each optional column absent, null or empty, in CSV and in Parquet."""
    calls = landing / "telephony_calls"
    _write(calls / "2026-11-03-absent.csv", [CALLS_HEADER_WITHOUT_DURATIONS, *CALLS_WITHOUT_DURATIONS])
    _write(calls / "2026-11-03-empty.csv", [CALLS_HEADER, *CALLS_EMPTY_DURATIONS])
    no_durations = ", ".join(f"{c} varchar" for c in CALLS_HEADER_WITHOUT_DURATIONS.split(","))
    _write_typed_parquet(
        calls / "2026-11-04-absent.parquet",
        no_durations,
        [("N7", None, "inbound", "2026-11-04T09:00:00", None, None, None, None, "A1", "answered", None)],
    )
    typed = ", ".join(
        f"{c} {'integer' if c in DURATIONS else 'boolean' if c == 'transferred' else 'varchar'}"
        for c in CALLS_HEADER.split(",")
    )
    _write_typed_parquet(  # integer columns holding nulls
        calls / "2026-11-04-null.parquet",
        typed,
        [
            (
                "N8",
                None,
                "inbound",
                "2026-11-04T09:00:00",
                *[None] * 4,
                None,
                None,
                "A1",
                None,
                None,
                None,
                "answered",
                None,
            )
        ],
    )
    text = ", ".join(f"{c} varchar" for c in CALLS_HEADER.split(","))
    _write_typed_parquet(  # text columns holding empty strings
        calls / "2026-11-04-empty.parquet",
        text,
        [
            (
                "N9",
                "",
                "inbound",
                "2026-11-04T09:00:00",
                "",
                "",
                "",
                "",
                "",
                "",
                "A1",
                "",
                "",
                "",
                "answered",
                "",
            )
        ],
    )
    surveys = landing / "surveys"
    _write(surveys / "2026-11-03-absent.csv", [SURVEYS_HEADER_WITHOUT_RESPONSE, "V3,chats,H1,4,,,"])
    _write(surveys / "2026-11-03-empty.csv", [SURVEYS[0], "V4,chats,H1,,3,,,", 'V5,chats,H1,"",2,,,'])
    _write_typed_parquet(
        surveys / "2026-11-04-absent.parquet",
        "survey_id varchar, interaction_source varchar, interaction_id varchar, csat integer",
        [("V6", "chats", "H1", 5)],
    )
    gl = landing / "gl_journal_lines"
    _write(
        gl / "2026-11-03-absent.csv",
        [GL_HEADER_WITHOUT_COST_CENTER, f"J2,1,{gl_date},6000,Salaries,10,USD,pay"],
    )
    _write(
        gl / "2026-11-03-empty.csv",
        [
            GL_HEADER,
            f"J3,1,{gl_date},6000,Salaries,,10,USD,pay",
            f'J5,1,{gl_date},6000,Salaries,"",10,USD,pay',
        ],
    )
    gl_text = ", ".join(f"{c} varchar" for c in GL_HEADER.split(","))
    _write_typed_parquet(
        gl / "2026-11-04-null.parquet",
        gl_text,
        [
            ("J4", "1", gl_date, "6000", "Salaries", None, "10", "USD", "pay"),
            ("J6", "1", gl_date, "6000", "Salaries", "", "10", "USD", "pay"),
        ],
    )


def _build_landing(landing: Path) -> None:
    _write(landing / "telephony_calls" / "2026-11-01.csv", [CALLS_HEADER, *CALLS_1])
    _write_parquet(landing / "telephony_calls" / "2026-11-02.parquet", CALLS_HEADER, CALLS_2)
    _write(landing / "tickets" / "2026-11-01.csv", TICKETS)
    _write(landing / "chats" / "2026-11-01.csv", CHATS)
    _write(landing / "chats" / "2026-11-02.csv", CHATS_2)
    _write(landing / "surveys" / "2026-11-01.csv", SURVEYS)
    _write(landing / "customers" / "2026-11-01.csv", CUSTOMERS)
    _write(landing / "agents" / "2026-11-01.csv", AGENTS)
    _write(landing / "agent_activity" / "2026-11-01.csv", ACTIVITY)
    month, currency = _foreign_rate()
    _write(
        landing / "gl_journal_lines" / "2026-11-01.csv",
        [
            GL_HEADER,
            f"J1,1,{month[:8]}15,6000,Salaries,CC1,1000.50,{currency},pay",
            # row 2: unknown_currency (XXX = ISO 4217 "no currency": never in fx_rates)
            f"J1,2,{month[:8]}15,6000,Salaries,CC1,10,XXX,pay",
            # row 3: too_many_decimals (a thousandth of a cent is not an amount of the currency)
            f"J1,3,{month[:8]}15,6000,Salaries,CC1,10.00001,{currency},pay",
        ],
    )
    _optional_columns_landing(landing, f"{month[:8]}15")
    # self_service_sessions: no folder at all (the company has no portal)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("staging")
    landing, database, raw_db = root / "landing", root / "build.duckdb", root / "raw.duckdb"
    _build_landing(landing)
    with duckdb.connect(str(raw_db)) as con:  # the raw layer is its own file, attached to dbt as `raw`
        report = ingest(con, landing)
    env = {
        **os.environ,
        "CCW_BUILD_DB": str(database),
        "CCW_RAW_DB": str(raw_db),
        "CCW_TEMP_DIR": str(root / "tmp"),
        "CCW_PII_SALT": SALT,
        "CCW_BUSINESS_TIMEZONE": "America/New_York",
        "CCW_THREADS": "2",
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    proc = run_dbt(["build", "--select", "+staging", "--indirect-selection", "cautious"], env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    con = duckdb.connect(str(database), read_only=True)
    con.execute(f"attach '{raw_db}' as raw (read_only)")
    schemas = dict(
        con.execute(
            "select distinct case when schema_name like '%quarantine' then 'quarantine' else 'staging' end, "
            "schema_name from duckdb_tables() where table_name in ('rejected_rows', 'stg_telephony__calls')"
        ).fetchall()
    )
    yield con, schemas, report, root / "target" / "run_results.json"
    con.close()


def test_build_ran_the_unit_and_data_tests_of_staging(built):
    import json

    _, _, _, run_results = built
    results = json.loads(run_results.read_text())["results"]
    by_type: dict[str, list[str]] = {}
    for result in results:
        by_type.setdefault(result["unique_id"].split(".")[0], []).append(result["status"])
    assert len(by_type["unit_test"]) >= 14
    assert set(by_type["unit_test"]) == {"pass"}
    assert len(by_type["test"]) > 60
    assert set(by_type["test"]) <= {"pass", "warn"}
    assert by_type["model"].count("success") == 19
    # every staging model's column rules were checked (docs/decisions/performance.md P23)
    checked = {r["unique_id"].split(".")[2] for r in results if ".column_constraints_" in r["unique_id"]}
    assert len(checked) == 19


def test_every_bad_row_is_quarantined_with_its_rule_and_row(built):
    con, schemas, _, _ = built
    rows = con.execute(
        "select source, file_name, row_number, rule, column_name, detail "
        f"from {schemas['quarantine']}.rejected_rows"
    ).fetchall()
    got = {(s, f, r): rule for s, f, r, rule, _, _ in rows}
    assert got == EXPECTED_REJECTIONS
    assert all(column and detail for *_, column, detail in rows)


def test_good_rows_reach_staging_and_the_winner_is_the_latest_version(built):
    con, schemas, _, _ = built
    for model, (_, key, expected, _) in EXPECTED_STAGING.items():
        keys = {r[0] for r in con.execute(f"select {key} from {schemas['staging']}.{model}").fetchall()}
        assert keys == expected, model
    c1 = con.execute(
        "select _file_name, _row_number, talk_seconds, is_transferred, channel "
        f"from {schemas['staging']}.stg_telephony__calls where call_id = 'C1'"
    ).fetchone()
    assert c1 == ("telephony_calls/2026-11-02.parquet", 1, 120, True, "inbound_call")
    h1 = con.execute(
        f"select _file_name, channel from {schemas['staging']}.stg_chat__chats where chat_id = 'H1'"
    ).fetchone()
    assert h1 == ("chats/2026-11-02.csv", "chatbot")
    channels = dict(
        con.execute(f"select call_id, channel from {schemas['staging']}.stg_telephony__calls").fetchall()
    )
    assert channels == {
        "C1": "inbound_call",
        "C2": "outbound_call",
        "C9": "ivr",
        **{key: "inbound_call" for key in EXPECTED_STAGING["stg_telephony__calls"][2] - {"C1", "C2", "C9"}},
    }


def test_optional_columns_absent_or_empty_are_null_and_never_rejected(built):
    """Every form of an unknown optional value, in CSV and Parquet: the column absent from the
    header (N1, N7, V3, V6, J2), present and empty unquoted (N2, V4, J3) or quoted "" (N3, V5, J5),
    spaces only in an integer column (N4), null in a typed Parquet column (N8, J4), an
    empty string in a text Parquet column (N9, J6): the staged value is null and no row of these
    files is quarantined but N5, whose required started_at is spaces only (missing_required).
    N6 keeps its known IVR time (5 s) beside its unknown queue wait."""
    con, schemas, _, _ = built
    staging = schemas["staging"]
    calls = {
        r[0]: r[1:]
        for r in con.execute(
            f"select call_id, {', '.join(DURATIONS)}, handle_seconds from {staging}.stg_telephony__calls "
            "where call_id like 'N%'"
        ).fetchall()
    }
    unknown = (None,) * 6
    assert calls == {
        **{k: unknown for k in ("N1", "N2", "N3", "N4", "N7", "N8", "N9")},
        "N6": (5, *unknown[1:]),
    }
    responded = dict(
        con.execute(
            f"select survey_id, responded_at_utc from {staging}.stg_surveys__responses where survey_id <> 'V1'"
        ).fetchall()
    )
    assert responded == {"V3": None, "V4": None, "V5": None, "V6": None}
    centers = dict(
        con.execute(
            f"select journal_id, cost_center from {staging}.stg_erp__gl_journal_lines where journal_id <> 'J1'"
        ).fetchall()
    )
    assert centers == {"J2": None, "J3": None, "J4": None, "J5": None, "J6": None}
    rejected = con.execute(
        f"select file_name, row_number, rule, column_name from {schemas['quarantine']}.rejected_rows "
        "where file_name in (select unnest(?::varchar[]))",
        [sorted(OPTIONAL_FILES)],
    ).fetchall()
    assert rejected == [("telephony_calls/2026-11-03-empty.csv", 4, "missing_required", "started_at")]


def test_nothing_is_lost(built):
    """raw rows = staging rows + superseded versions + rejected rows, per source, exactly."""
    con, schemas, report, _ = built
    rejected = dict(
        con.execute(
            f"select source, count(*) from {schemas['quarantine']}.rejected_rows group by 1"
        ).fetchall()
    )
    for model, (source, _, expected_keys, superseded) in EXPECTED_STAGING.items():
        raw = con.execute(f"select count(*) from raw.{source}").fetchone()[0]
        staged = con.execute(f"select count(*) from {schemas['staging']}.{model}").fetchone()[0]
        base_good = con.execute(
            f"select count(*) from {schemas['staging']}.{model.replace('stg_', 'base_')} "
            "where _rejection_rule is null"
        ).fetchone()[0]
        assert raw == report.rows[source]
        assert staged == len(expected_keys) or model == "stg_wfm__agent_activity"
        assert base_good - staged == superseded, model
        assert raw == staged + superseded + rejected.get(source, 0), model
    assert report.rows["self_service_sessions"] == 0


def test_no_pii_value_in_any_staging_or_quarantine_column(built):
    con, schemas, _, _ = built
    columns = con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() where schema_name in (?, ?) "
        "and data_type = 'VARCHAR'",
        [schemas["staging"], schemas["quarantine"]],
    ).fetchall()
    assert columns
    leaks = []
    for schema, table, column in columns:
        for value in PII:
            if con.execute(
                f'select count(*) from {schema}."{table}" where contains("{column}", ?)', [value]
            ).fetchone()[0]:
                leaks.append((schema, table, column, value))
    assert leaks == []


def test_pii_is_hashed_with_the_salt_and_kept_hashed_in_raw_record(built):
    import hashlib
    import json

    con, schemas, _, _ = built
    expected = hashlib.sha256((SALT + "+15550001111").encode()).hexdigest()
    assert (
        con.execute(
            f"select customer_phone_hash from {schemas['staging']}.stg_telephony__calls where call_id = 'C1'"
        ).fetchone()[0]
        == expected
    )
    record = json.loads(
        con.execute(
            f"select raw_record from {schemas['quarantine']}.rejected_rows where source = 'customers'"
        ).fetchone()[0]
    )
    assert record["customer_id"] == "K2" and record["segment"] is None
    assert record["email"] == hashlib.sha256((SALT + "bob@example.com").encode()).hexdigest()
