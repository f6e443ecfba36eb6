"""Bad inputs, one case per defect kind of the contract and per real-export accident.

Row defects and the accidents that load (byte-order mark, header-only file,
re-delivered file, duplicate ids without updated_at) share ONE full pipeline
run: the small landing plus hand-written files (`bad_run`). The cases that stop
the run stop before dbt, so each costs only the ingest and the raw suite: they
run against a copy of the session's published warehouse and assert its sha256
is unchanged. Mart-level stops replace the dbt step by a tampered copy of the
session's build file (no second build).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from conftest import CopiedBuild, RecordingDbt, make_settings, open_with_build

from orchestration.errors import PipelineError
from orchestration.landing.ingest import ingest
from orchestration.pipeline import run
from orchestration.quality.checks import QualityFailed, check_layer
from orchestration.quality.policy import Policy, default_policy

pytestmark = pytest.mark.slow

CALLS_HEADER = (
    "call_id,updated_at,direction,started_at,customer_id,customer_phone,queue,contact_reason,"
    "ivr_seconds,queue_seconds,agent_id,talk_seconds,hold_seconds,acw_seconds,outcome,transferred"
)
CALLS = [
    "Q-GOOD,,inbound,2026-11-03T09:00:00,,,,,5,10,,0,0,0,abandoned,",  # row 1: good
    "Q-MISS,,inbound,,,,,,0,0,,0,0,0,abandoned,",  # 2 missing_required (started_at)
    "Q-TYPE,,inbound,2026-11-03T09:00:00,,,,,ten,0,,0,0,0,abandoned,",  # 3 unparseable_type
    "Q-CODE,,inbound,2026-11-03T09:00:00,,,,,0,0,,0,0,0,hung_up,",  # 4 unknown_code
    "Q-NEG,,inbound,2026-11-03T09:00:00,,,,,0,0,,0,-1,0,abandoned,",  # 5 negative_duration
    "Q-FUT,,inbound,2999-11-03T09:00:00,,,,,0,0,,0,0,0,abandoned,",  # 6 future_timestamp
    "Q-DUP,2026-11-03T12:00:00Z,inbound,2026-11-03T09:00:00,,,,,0,5,,0,0,0,abandoned,",  # 7-8 duplicate_id
    "Q-DUP,2026-11-03T12:00:00Z,inbound,2026-11-03T09:00:00,,,,,0,6,,0,0,0,abandoned,",
]
TICKETS = [
    "ticket_id,updated_at,channel,created_at,customer_id,customer_email,contact_reason,agent_id,"
    "first_response_at,solved_at,status,reopen_count,agent_replies,handle_seconds",
    "Q-T1,,email,2026-11-03T09:00:00,,,,,,2026-11-03T08:00:00,solved,0,0,0",  # 1 end_before_start
]
SURVEYS_HEADER = "survey_id,interaction_source,interaction_id,responded_at,csat,nps,ces,resolved"
GL_HEADER = (
    "journal_id,line_number,posting_date,account_code,account_name,cost_center,amount,currency,description"
)
SESSIONS_HEADER = "session_id,started_at,customer_id,platform,contact_reason,completed"

# (source, file, row) -> rule: every row the hand-written files must put in quarantine
EXPECTED = {
    ("telephony_calls", "telephony_calls/zz-defects.csv", 2): "missing_required",
    ("telephony_calls", "telephony_calls/zz-defects.csv", 3): "unparseable_type",
    ("telephony_calls", "telephony_calls/zz-defects.csv", 4): "unknown_code",
    ("telephony_calls", "telephony_calls/zz-defects.csv", 5): "negative_duration",
    ("telephony_calls", "telephony_calls/zz-defects.csv", 6): "future_timestamp",
    ("telephony_calls", "telephony_calls/zz-defects.csv", 7): "duplicate_id",
    ("telephony_calls", "telephony_calls/zz-defects.csv", 8): "duplicate_id",
    ("tickets", "tickets/zz-defects.csv", 1): "end_before_start",
    ("surveys", "surveys/zz-defects.csv", 1): "out_of_range",
    ("surveys", "surveys/zz-same-file-dup.csv", 1): "duplicate_id",
    ("surveys", "surveys/zz-same-file-dup.csv", 2): "duplicate_id",
    ("gl_journal_lines", "gl_journal_lines/zz-defects.csv", 1): "unknown_currency",
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: Path, lines: list[str], *, bom: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" if bom else "").encode() + ("\n".join(lines) + "\n").encode())


def _first_survey(landing: Path) -> list[str]:
    first = sorted((landing / "surveys").glob("*.csv"))[0]
    return first.read_text().splitlines()[1].split(",")


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory, small_landing, published):
    """One full run: the small landing + one file per defect kind and per real-export case."""
    root = tmp_path_factory.mktemp("bad_inputs")
    landing = root / "landing"
    shutil.copytree(small_landing, landing)
    _write(landing / "telephony_calls" / "zz-defects.csv", [CALLS_HEADER, *CALLS])
    _write(landing / "tickets" / "zz-defects.csv", TICKETS)
    survey = _first_survey(landing)
    _write(
        landing / "surveys" / "zz-defects.csv",
        [SURVEYS_HEADER, ",".join(["Q-S1", survey[1], survey[2], survey[3], "9", "", "", ""])],  # csat 9
    )
    # same survey id twice in one file, no updated_at, different content: no winner
    _write(
        landing / "surveys" / "zz-same-file-dup.csv",
        [
            SURVEYS_HEADER,
            f"Q-S2,{survey[1]},{survey[2]},{survey[3]},1,,,",
            f"Q-S2,{survey[1]},{survey[2]},{survey[3]},5,,,",
        ],
    )
    # an existing survey delivered again in a later file, no updated_at, new csat: the later file wins
    updated = [*survey[:4], "1" if survey[4] != "1" else "2", *survey[5:]]
    _write(landing / "surveys" / "zz-update.csv", [SURVEYS_HEADER, ",".join(updated)])
    _write(
        landing / "gl_journal_lines" / "zz-defects.csv",
        [GL_HEADER, "Q-J1,1,2026-11-03,6000,Salaries,CC4110,10.00,XXX,x"],
    )
    # a file with a UTF-8 byte-order mark loads normally
    _write(
        landing / "self_service_sessions" / "zz-bom.csv",
        [SESSIONS_HEADER, "Q-BOM,2026-11-03T09:00:00,,web,,true"],
        bom=True,
    )
    # a header-only file: 0 rows, fine
    _write(
        landing / "chats" / "zz-header-only.csv",
        [(landing / "chats" / "2026-10-27.csv").read_text().splitlines()[0]],
    )
    # a file delivered again under another name: same rows, nothing doubled
    redelivered = sorted((landing / "telephony_calls").glob("2026-*.csv"))[0]
    shutil.copy(redelivered, landing / "telephony_calls" / "zz-redelivered.csv")
    settings = make_settings(root, landing)
    summary = run(settings)
    con = duckdb.connect(str(settings.build_db), read_only=True)
    con.execute(f"attach '{settings.raw_db}' as raw (read_only)")  # the raw layer's own file
    yield settings, summary, con, {"survey": survey, "updated": updated, "redelivered": redelivered}
    con.close()


def test_each_row_defect_kind_is_quarantined_with_its_rule_and_row(bad_run):
    _, _, con, _ = bad_run
    rows = con.execute(
        "select source, file_name, row_number, rule, column_name, detail from quarantine.rejected_rows"
    ).fetchall()
    assert {(s, f, r): rule for s, f, r, rule, _, _ in rows} == EXPECTED  # the small landing itself is clean
    assert all(column and detail for *_, column, detail in rows)


def test_good_rows_of_the_same_files_still_load(bad_run, published):
    _, _, con, _ = bad_run
    assert (
        con.execute("select count(*) from staging.stg_telephony__calls where call_id = 'Q-GOOD'").fetchone()[
            0
        ]
        == 1
    )
    assert (
        con.execute(
            "select count(*) from marts.fct_interactions where source_interaction_id in ('Q-GOOD', 'Q-BOM')"
        ).fetchone()[0]
        == 2
    )
    assert (
        con.execute("select count(*) from staging.stg_telephony__calls where call_id like 'Q-%'").fetchone()[
            0
        ]
        == 1
    )


def test_byte_order_mark_file_loads_and_header_only_file_is_fine(bad_run):
    settings, summary, con, _ = bad_run
    row = con.execute(
        "select platform, is_completed, _file_name, _row_number from staging.stg_self_service__sessions "
        "where session_id = 'Q-BOM'"
    ).fetchone()
    assert row == ("web", True, "self_service_sessions/zz-bom.csv", 1)
    assert "chats/zz-header-only.csv" in summary.ingest.files["chats"]
    assert (
        con.execute(
            "select count(*) from raw.chats where _file_name = 'chats/zz-header-only.csv'"
        ).fetchone()[0]
        == 0
    )


def test_redelivered_file_doubles_nothing_and_latest_file_wins_without_updated_at(bad_run, published):
    settings, summary, con, case = bad_run
    clean_settings, clean_summary = published
    with open_with_build(clean_settings) as clean:
        clean_calls = clean.execute("select count(*) from staging.stg_telephony__calls").fetchone()[0]
        clean_interactions = clean.execute("select count(*) from marts.fct_interactions").fetchone()[0]
        clean_surveys = clean.execute("select count(*) from staging.stg_surveys__responses").fetchone()[0]
    redelivered_rows = len(case["redelivered"].read_text().splitlines()) - 1
    assert (
        con.execute("select count(*) from staging.stg_telephony__calls").fetchone()[0] == clean_calls + 1
    )  # Q-GOOD
    assert (
        con.execute(
            "select count(*) from staging.stg_telephony__calls where _file_name = 'telephony_calls/zz-redelivered.csv'"
        ).fetchone()[0]
        == redelivered_rows
    )
    assert con.execute("select count(*) from marts.fct_interactions").fetchone()[0] == clean_interactions + 2
    # surveys: the re-delivered survey replaces its first version (later file, no updated_at)
    survey_id = case["survey"][0]
    assert con.execute(
        "select csat, _file_name from staging.stg_surveys__responses where survey_id = ?", [survey_id]
    ).fetchone() == (int(case["updated"][4]), "surveys/zz-update.csv")
    assert con.execute("select count(*) from staging.stg_surveys__responses").fetchone()[0] == clean_surveys
    lineage = [r for r in summary.quality[1].results if r.suite == "staging.lineage"]
    assert lineage and all(r.success for r in lineage)  # landing = staged + superseded + quarantined


def test_run_summary_counts_quarantined_rows_per_source_and_rule(bad_run):
    _, summary, _, _ = bad_run
    counts = {(s, r): n for s, r, n in summary.quarantined}
    assert counts[("telephony_calls", "duplicate_id")] == 2
    assert counts[("surveys", "duplicate_id")] == 2
    assert sum(counts.values()) == len(EXPECTED)
    text = summary.render()
    assert "Quarantined rows (quarantine.rejected_rows): 12" in text
    assert "unknown_currency" in text


def test_quality_results_are_published_and_row_defects_only_warn(bad_run):
    settings, summary, _, _ = bad_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute(
            "select layer, suite, rule, action, success, observed_value, details from meta.quality_results "
            "where run_id = ?",
            [summary.run_id],
        ).fetchall()
    assert {r[0] for r in rows} == {"raw", "staging", "marts"}
    failed = {
        (suite, rule): (action, observed, details)
        for _, suite, rule, action, ok, observed, details in rows
        if not ok
    }
    assert failed[("raw.rows", "unknown_code")][0] == "quarantine"
    assert "telephony_calls/zz-defects.csv, row 4" in failed[("raw.rows", "unknown_code")][2]
    assert all(action != "stop" for action, _, _ in failed.values())


# ---------------------------------------------------------------- cases that stop the run
@pytest.fixture
def stop_settings(tmp_path, small_landing, published):
    """A copy of the small landing and of the session's published warehouse, to break and run."""
    published_settings, _ = published
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    settings = replace(
        published_settings, landing_dir=landing, warehouse=tmp_path / "wh" / "contact_cost.duckdb"
    )
    settings.warehouse.parent.mkdir(parents=True)
    shutil.copy(published_settings.warehouse, settings.warehouse)
    return settings


def _first_calls_file(landing: Path) -> Path:
    return sorted((landing / "telephony_calls").glob("*.csv"))[0]


def _semicolons(landing: Path) -> tuple[str, str, int | None]:
    source = _first_calls_file(landing)
    lines = source.read_text().splitlines()
    (landing / "telephony_calls" / "zz-bad.csv").write_text(
        "\n".join(line.replace(",", ";") for line in lines) + "\n"
    )
    return "zz-bad.csv", "wrong_delimiter", None


def _truncated(landing: Path) -> tuple[str, str, int | None]:
    data = _first_calls_file(landing).read_bytes()
    (landing / "telephony_calls" / "zz-bad.csv").write_bytes(data[:-12])  # the last line cut mid-row
    return "zz-bad.csv", "truncated_file", len(data.decode().splitlines()) - 1


def _open_quote(landing: Path) -> tuple[str, str, int | None]:
    _write(landing / "telephony_calls" / "zz-bad.csv", [CALLS_HEADER, CALLS[0]])
    with open(landing / "telephony_calls" / "zz-bad.csv", "a") as handle:
        handle.write('Q-CUT,,inbound,2026-11-03T09:00:00,,"+1555')  # transfer cut inside a quoted value
    return "zz-bad.csv", "truncated_file", 2


def _malformed(landing: Path) -> tuple[str, str, int | None]:
    _write(landing / "telephony_calls" / "zz-bad.csv", [CALLS_HEADER, CALLS[0], "Q-X,,inbound", CALLS[0]])
    return "zz-bad.csv", "malformed_row", 2


def _empty(landing: Path) -> tuple[str, str, int | None]:
    (landing / "telephony_calls" / "zz-bad.csv").write_bytes(b"")
    return "zz-bad.csv", "empty_file", None


def _missing_column(landing: Path) -> tuple[str, str, int | None]:
    _write(landing / "telephony_calls" / "zz-bad.csv", ["call_id,started_at", "X1,2026-11-01T10:00:00"])
    return "zz-bad.csv", "missing_required_column", None


def _unreadable(landing: Path) -> tuple[str, str, int | None]:
    (landing / "telephony_calls" / "zz-bad.parquet").write_bytes(b"this is not parquet")
    return "zz-bad.parquet", "unreadable_file", None


def _not_utf8(landing: Path) -> tuple[str, str, int | None]:
    _write(landing / "telephony_calls" / "zz-bad.csv", [CALLS_HEADER])
    with open(landing / "telephony_calls" / "zz-bad.csv", "ab") as handle:
        handle.write("Q-L1,,inbound,2026-11-03T09:00:00,,,,,0,0,,0,0,0,abandoned,\n".encode("utf-16"))
    return "zz-bad.csv", "unreadable_file", None


def _repeated_column(landing: Path) -> tuple[str, str, int | None]:
    _write(landing / "telephony_calls" / "zz-bad.csv", [CALLS_HEADER + ",CALL_ID", CALLS[0] + ",Q-OTHER"])
    return "zz-bad.csv", "duplicate_column", None


def _mixed_line_endings(landing: Path) -> tuple[str, str, int | None]:
    # the header and row 1 end with CRLF, row 2 with a lone CR (an old Mac export appended)
    body = f"{CALLS_HEADER}\r\n{CALLS[0]}\r\n{CALLS[0].replace('Q-GOOD', 'Q-CR')}\r{CALLS[0]}\n"
    (landing / "telephony_calls" / "zz-bad.csv").write_bytes(body.encode())
    return "zz-bad.csv", "mixed_line_endings", 2


def _no_dbt(tmp_path: Path) -> tuple[RecordingDbt, Path]:
    """The job's `dbt` resource as a recorder: the file does not exist when dbt never ran."""
    called = tmp_path / "dbt_called"
    return RecordingDbt(called_file=str(called)), called


@pytest.mark.parametrize(
    "make_bad",
    [
        _semicolons,
        _truncated,
        _open_quote,
        _malformed,
        _empty,
        _missing_column,
        _unreadable,
        _not_utf8,
        _repeated_column,
        _mixed_line_endings,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_broken_file_stops_the_run_naming_file_row_and_rule(stop_settings, make_bad, tmp_path):
    file_name, rule, row = make_bad(stop_settings.landing_dir)
    before = _digest(stop_settings.warehouse)
    dbt, dbt_called = _no_dbt(tmp_path)
    with pytest.raises(QualityFailed) as stopped:
        run(stop_settings, dbt=dbt)
    assert not dbt_called.exists(), "the run went on to dbt"
    message = str(stopped.value)
    where = f"telephony_calls/{file_name}"
    expected_where = where if row is None else f"{where}, row {row}"
    assert message.startswith(f"{expected_where}: rule '{rule}' broken: "), message
    assert "published warehouse is unchanged" in message
    assert message.count("\n") <= 1  # one readable message (+ where the data docs are)
    assert _digest(stop_settings.warehouse) == before


def test_a_row_rule_set_to_stop_stops_the_run_at_the_first_bad_row(stop_settings, tmp_path):
    policy = tmp_path / "policy.yml"
    policy.write_text("row_rules:\n  unknown_code: stop\n")
    stop_settings = replace(stop_settings, quality_policy=policy)
    dbt, dbt_called = _no_dbt(tmp_path)
    _write(stop_settings.landing_dir / "telephony_calls" / "zz-bad.csv", [CALLS_HEADER, *CALLS])
    before = _digest(stop_settings.warehouse)
    with pytest.raises(PipelineError) as stopped:
        run(stop_settings, dbt=dbt)
    assert not dbt_called.exists(), "the run went on to dbt"
    assert str(stopped.value).startswith(
        "telephony_calls/zz-bad.csv, row 4: rule 'unknown_code' broken: 1 of 8 rows break unknown_code"
    )
    assert _digest(stop_settings.warehouse) == before


def test_an_empty_file_may_be_set_to_warn_then_it_is_skipped(tmp_path):
    landing = tmp_path / "landing"
    (landing / "agents").mkdir(parents=True)
    (landing / "agents" / "empty.csv").write_bytes(b"")
    settings = make_settings(tmp_path, landing)
    policy = Policy({**default_policy().actions, "empty_file": "warn"})
    with duckdb.connect(str(tmp_path / "check.duckdb")) as con:
        report = ingest(con, landing, on_file_issue="record")
        result = check_layer("raw", settings, "warn-test", con=con, policy=policy, data_docs=False)
    assert [i.rule for i in report.issues] == ["empty_file"]
    assert result.passed
    (warning,) = [r for r in result.warnings if r.rule == "empty_file"]
    assert warning.messages() == [
        "agents/empty.csv: rule 'empty_file' broken: the file is empty (0 bytes, no header)"
    ]
    absent = [r for r in result.warnings if r.rule == "absent_source"]
    assert absent and absent[0].action == "warn"  # the other sources have no folder: not a defect


@pytest.mark.parametrize(
    "tamper, rule, where",
    [
        (
            "update marts.fct_channel_kpis_daily set service_level_rate = 1.5 "
            "where kpi_date = (select min(kpi_date) from marts.fct_channel_kpis_daily) and channel = 'inbound_call'",
            "rate_out_of_bounds",
            "marts.fct_channel_kpis_daily.service_level_rate",
        ),
        (
            "update marts.fct_cost_allocation set allocated_amount = allocated_amount + 1 "
            "where rowid = (select min(rowid) from marts.fct_cost_allocation "
            "where not is_unallocated and cost_month = date '2026-10-01')",
            "cost_reconciliation",
            "2026-10",
        ),
    ],
    ids=["rate_out_of_bounds", "cost_reconciliation"],
)
def test_a_broken_mart_stops_the_run_before_publishing(stop_settings, published, tamper, rule, where):
    published_settings, _ = published
    # the job's dbt resource swapped: the session's build file, then one tampered mart
    dbt = CopiedBuild(
        source_build=str(published_settings.build_db), build_db=str(stop_settings.build_db), tamper_sql=tamper
    )
    before = _digest(stop_settings.warehouse)
    with pytest.raises(QualityFailed) as stopped:
        run(stop_settings, dbt=dbt)
    assert str(stopped.value).startswith(f"{where}: rule '{rule}' broken: ")
    assert _digest(stop_settings.warehouse) == before


def test_rows_counted_under_another_file_of_their_source_stop_the_run(stop_settings, published):
    """Row 1 of the first calls file staged under the second file's name (what a file read twice
    and another never looks like): the source's totals still balance, so a per-source count
    passes; per file, the first has 1 row unaccounted for and the second 1 row too many."""
    published_settings, _ = published
    first, second = sorted((stop_settings.landing_dir / "telephony_calls").glob("*.csv"))[:2]
    a, b = f"telephony_calls/{first.name}", f"telephony_calls/{second.name}"
    # the generator writes no quoted line break: a line is a row
    rows, rows_b = (len(f.read_text().splitlines()) - 1 for f in (first, second))
    moved = f"set _file_name = '{b}' where _file_name = '{a}' and _row_number = 1"
    dbt = CopiedBuild(
        source_build=str(published_settings.build_db),
        build_db=str(stop_settings.build_db),
        tamper_sql=f"update staging.base_telephony__calls {moved}; update staging.stg_telephony__calls {moved}",
    )
    before = _digest(stop_settings.warehouse)
    with pytest.raises(QualityFailed) as stopped:
        run(stop_settings, dbt=dbt)
    message = str(stopped.value)
    assert message.startswith("2 data-quality failures stop the run; the published warehouse is unchanged:")
    assert (
        f"\n  {a}: rule 'rows_unaccounted' broken: {rows} rows read from the file but {rows - 1} staged + "
        "0 superseded + 0 quarantined under its name" in message
    )
    # the second file: one row more under its name than read from it
    assert f"\n  {b}: rule 'rows_unaccounted' broken: {rows_b} rows read from the file but " in message
    assert _digest(stop_settings.warehouse) == before
