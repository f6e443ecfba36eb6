"""Landing accidents the ingest must read exactly, refuse, or name, on small hand-written files.

- file names with glob characters are read as those files (CSV and Parquet);
- a missing landing directory, an empty mount point or a source whose files vanished
  stops the run before anything changes, unless the source is declared retired;
- a link out of the landing directory is refused (unless allowed), a directory named
  x.csv is reported;
- files DuckDB cannot parse are named with their row, their rule and what to do;
- a warehouse directory that cannot be written stops the run with a message.

Most cases call the ingest on a throwaway raw database (no dbt, no Dagster); the ones
that run the job stop before dbt (a recording stand-in proves it) and are marked slow.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import RecordingDbt, make_settings

from orchestration import pipeline
from orchestration.cli import main
from orchestration.contract import SOURCES
from orchestration.errors import PipelineError
from orchestration.landing.files import SAMPLE_MARKER, LandingError
from orchestration.landing.ingest import ingest
from orchestration.landing.presence import LandingMissing
from orchestration.publish.warehouse import (
    RUN_LOG_DDL,
    FewerRows,
    check_fewer_rows,
    published_rows_per_source,
)
from orchestration.sql import sql_path
from orchestration.tools.generator import generate

CALLS_HEADER = (
    "call_id,updated_at,direction,started_at,customer_id,customer_phone,queue,contact_reason,"
    "ivr_seconds,queue_seconds,agent_id,talk_seconds,hold_seconds,acw_seconds,outcome,transferred"
)
CHATS_HEADER = (
    "chat_id,updated_at,started_at,ended_at,customer_id,contact_reason,outcome,agent_id,"
    "wait_seconds,handle_seconds,concurrency"
)


def _call(call_id: str) -> str:
    return f"{call_id},,inbound,2025-03-01T09:00:00,,,,,0,4,,0,0,0,abandoned,"


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _calls_file(path: Path, *call_ids: str) -> Path:
    return _write(path, "\n".join([CALLS_HEADER, *(_call(c) for c in call_ids)]) + "\n")


def _raw_calls(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute("select _file_name, call_id from raw.telephony_calls order by 1, 2").fetchall()


# ---------------------------------------------------------------- exact paths
def test_sql_path_escapes_the_glob_characters_only():
    assert sql_path("/x/[a]/b*c?.csv") == "'/x/[[]a]/b[*]c[?].csv'"
    assert sql_path("/x/it's {a,b}.csv") == "'/x/it''s {a,b}.csv'"


def test_a_csv_name_with_glob_characters_is_read_as_that_file(tmp_path):
    """`2025-03-0[1].csv` is a glob matching `2025-03-01.csv`: read as a pattern it loads the
    other file's 2 rows under its name (or again under the other's) and loses its own row."""
    landing = tmp_path / "landing"
    _calls_file(landing / "telephony_calls" / "2025-03-01.csv", "C1", "C2")
    _calls_file(landing / "telephony_calls" / "2025-03-0[1].csv", "C3")
    _calls_file(landing / "telephony_calls" / "odd*name?.csv", "C4")
    with duckdb.connect() as con:
        report = ingest(con, landing)
        assert _raw_calls(con) == [
            ("telephony_calls/2025-03-01.csv", "C1"),
            ("telephony_calls/2025-03-01.csv", "C2"),
            ("telephony_calls/2025-03-0[1].csv", "C3"),
            ("telephony_calls/odd*name?.csv", "C4"),
        ]
    assert report.rows["telephony_calls"] == 4


def test_a_csv_read_alone_with_glob_characters_is_that_file(tmp_path):
    """A file without a final line break is read alone: the single-file reader globs too."""
    landing = tmp_path / "landing"
    _calls_file(landing / "telephony_calls" / "2025-03-01.csv", "C1", "C2")
    _write(landing / "telephony_calls" / "2025-03-0[1].csv", CALLS_HEADER + "\n" + _call("C3"))
    with duckdb.connect() as con:
        ingest(con, landing)
        assert _raw_calls(con) == [
            ("telephony_calls/2025-03-01.csv", "C1"),
            ("telephony_calls/2025-03-01.csv", "C2"),
            ("telephony_calls/2025-03-0[1].csv", "C3"),
        ]


def test_a_parquet_name_with_glob_characters_is_read_as_that_file(tmp_path):
    """Parquet files are read in place by the raw view, every time raw is queried."""
    landing = tmp_path / "landing"
    (landing / "telephony_calls").mkdir(parents=True)
    names = CALLS_HEADER.split(",")
    for name, ids in (("2025-03-01.parquet", ["C1", "C2"]), ("2025-03-0[1].parquet", ["C3"])):
        rows = [dict(zip(names, _call(i).split(","), strict=True)) for i in ids]
        pq.write_table(pa.Table.from_pylist(rows), landing / "telephony_calls" / name)
    with duckdb.connect() as con:
        report = ingest(con, landing)
        assert _raw_calls(con) == [
            ("telephony_calls/2025-03-01.parquet", "C1"),
            ("telephony_calls/2025-03-01.parquet", "C2"),
            ("telephony_calls/2025-03-0[1].parquet", "C3"),
        ]
    assert report.rows["telephony_calls"] == 3


# ---------------------------------------------------------------- the landing directory is there
@pytest.fixture
def loaded(tmp_path):
    """A raw layer that loaded 2 calls and 1 chat from a hand-written landing directory."""
    landing = tmp_path / "landing"
    _calls_file(landing / "telephony_calls" / "2025-03-01.csv", "C1", "C2")
    _write(
        landing / "chats" / "2025-03-01.csv",
        CHATS_HEADER + "\nT1,,2025-03-01T09:00:00,2025-03-01T09:05:00,,,answered,A1,10,300,1\n",
    )
    con = duckdb.connect(str(tmp_path / "raw.duckdb"))
    ingest(con, landing)
    yield landing, con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection) -> int:
    return (
        con.execute("select count(*) from raw.telephony_calls").fetchone()[0]
        + con.execute("select count(*) from raw.chats").fetchone()[0]
    )


def test_a_missing_landing_directory_stops_before_anything_changes(loaded, tmp_path):
    landing, con = loaded
    with pytest.raises(LandingMissing) as stopped:
        ingest(con, tmp_path / "not-there")
    assert str(stopped.value).startswith(f"the landing directory {tmp_path / 'not-there'} does not exist.")
    assert "The last build read 3 rows from 2 file(s) there: is the share mounted?" in str(stopped.value)
    assert "set CCW_LANDING_DIR" in str(stopped.value)
    assert _rows(con) == 3


def test_an_empty_mount_point_stops_the_run(loaded):
    """An unmounted share: the mount point is there, empty; the last build had files."""
    landing, con = loaded
    for path in landing.rglob("*.csv"):
        path.unlink()
    with pytest.raises(LandingMissing) as stopped:
        ingest(con, landing)
    assert str(stopped.value).startswith(f"the landing directory {landing} has no landing file.")
    assert "mount the share" in str(stopped.value)
    assert _rows(con) == 3


def test_a_source_whose_files_vanish_stops_the_run_unless_retired(loaded):
    landing, con = loaded
    (landing / "chats" / "2025-03-01.csv").unlink()
    with pytest.raises(LandingMissing) as stopped:
        ingest(con, landing)
    assert str(stopped.value).startswith(
        f"source(s) chats have no file in {landing}, but the last build read rows from them "
        "(chats: 1 rows from 1 file(s))."
    )
    assert "CCW_RETIRED_SOURCES=chats" in str(stopped.value)
    assert _rows(con) == 3
    report = ingest(con, landing, retired_sources=("chats",))
    assert report.removed_files == ["chats/2025-03-01.csv"]
    assert report.rows["chats"] == 0 and report.rows["telephony_calls"] == 2


def test_an_unknown_retired_source_is_named(loaded):
    landing, con = loaded
    with pytest.raises(LandingMissing, match=r"CCW_RETIRED_SOURCES names unknown source\(s\) \['chat'\]"):
        ingest(con, landing, retired_sources=("chat",))


def test_a_source_that_never_delivered_may_stay_absent(tmp_path):
    """A channel the company does not use: no folder, no file, never a stop (absent_source warns)."""
    landing = tmp_path / "landing"
    _calls_file(landing / "telephony_calls" / "2025-03-01.csv", "C1")
    with duckdb.connect() as con:
        ingest(con, landing)
        report = ingest(con, landing)
    assert report.rows["telephony_calls"] == 1 and report.rows["chats"] == 0


def _first_run_reaches_dbt(settings, tmp_path) -> None:
    """A run that loads the raw layer and stops at dbt (the stand-in records the call)."""
    called = tmp_path / "dbt_called"
    with pytest.raises(PipelineError):
        pipeline.run(settings, dbt=RecordingDbt(called_file=str(called)))
    assert called.exists()


@pytest.mark.slow
def test_ccw_run_stops_with_exit_1_when_the_landing_directory_is_gone(tmp_path, monkeypatch, capsys):
    landing = tmp_path / "landing"
    _calls_file(landing / "telephony_calls" / "2025-03-01.csv", "C1", "C2")
    settings = make_settings(tmp_path, landing)
    _first_run_reaches_dbt(settings, tmp_path)
    landing.rename(tmp_path / "landing-moved")
    monkeypatch.setenv("CCW_LANDING_DIR", str(landing))
    monkeypatch.setenv("CCW_WAREHOUSE", str(settings.warehouse))
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert f"ccw run stopped: the landing directory {landing} does not exist." in err
    assert not settings.warehouse.exists()


@pytest.mark.slow
def test_sample_if_empty_still_writes_the_sample_into_a_new_landing_directory(tmp_path, monkeypatch):
    """A fresh clone: no landing directory, no previous build; `make run` generates the sample."""
    monkeypatch.setattr(pipeline, "SAMPLE_DAYS", 2)
    monkeypatch.setattr(pipeline, "SAMPLE_CONTACTS_PER_DAY", 20)
    monkeypatch.setattr(pipeline, "SAMPLE_AGENTS", 4)
    landing = tmp_path / "data" / "landing"
    called = tmp_path / "dbt_called"
    with pytest.raises(PipelineError):
        pipeline.run(
            make_settings(tmp_path, landing), sample_if_empty=True, dbt=RecordingDbt(called_file=str(called))
        )
    assert called.exists(), "the run did not get past the landing checks to dbt"
    assert (landing / SAMPLE_MARKER).is_file() and list((landing / "telephony_calls").glob("*.csv"))


# ---------------------------------------------------------------- entries that are not files to read
def test_a_link_out_of_the_landing_directory_is_refused_unless_allowed(tmp_path):
    landing = tmp_path / "landing"
    secret = _calls_file(tmp_path / "elsewhere" / "secret.csv", "S1")
    (landing / "telephony_calls").mkdir(parents=True)
    (landing / "telephony_calls" / "2025-03-01.csv").symlink_to(secret)
    with duckdb.connect() as con:
        with pytest.raises(LandingError) as refused:
            ingest(con, landing)
        assert str(refused.value) == (
            "telephony_calls/2025-03-01.csv: rule 'symlink_outside_landing' broken: a symbolic link to "
            f"{secret}, outside the landing directory: copy the file into {landing / 'telephony_calls'} "
            "(or set CCW_ALLOW_LANDING_SYMLINKS=true to read links that leave it)"
        )
        report = ingest(con, landing, on_file_issue="record")
        assert [i.rule for i in report.issues] == ["symlink_outside_landing"]
        assert _raw_calls(con) == []
        ingest(con, landing, allow_symlinks=True)  # judged again once allowed
        assert _raw_calls(con) == [("telephony_calls/2025-03-01.csv", "S1")]


def test_a_link_inside_the_landing_directory_is_read(tmp_path):
    landing = tmp_path / "landing"
    target = _calls_file(landing / "telephony_calls" / "2025-03-01.csv", "C1")
    (landing / "telephony_calls" / "2025-03-02.csv").symlink_to(target)
    with duckdb.connect() as con:
        ingest(con, landing)
        assert len(_raw_calls(con)) == 2


def test_a_link_to_nothing_is_unreadable(tmp_path):
    landing = tmp_path / "landing"
    (landing / "telephony_calls").mkdir(parents=True)
    (landing / "telephony_calls" / "2025-03-01.csv").symlink_to(landing / "telephony_calls" / "gone.txt")
    with (
        duckdb.connect() as con,
        pytest.raises(LandingError, match="rule 'unreadable_file' broken: a symbolic"),
    ):
        ingest(con, landing)


def test_a_directory_named_like_a_landing_file_is_reported(tmp_path):
    landing = tmp_path / "landing"
    _calls_file(landing / "telephony_calls" / "x.csv" / "2025-03-01.csv", "C1")
    with duckdb.connect() as con, pytest.raises(LandingError) as reported:
        ingest(con, landing)
    assert str(reported.value) == (
        "telephony_calls/x.csv: rule 'not_a_file' broken: a directory, named like a landing file: only "
        f"files at the top of {landing / 'telephony_calls'} are read; move its files there or rename it"
    )


# ---------------------------------------------------------------- errors a person can act on
def _mixed_line_endings(folder: Path) -> tuple[str, int, str]:
    """Rows 1-2 end with CRLF like the header, row 3 with a lone CR, row 4 with LF."""
    rows = [_call(f"C{i}") for i in range(1, 5)]
    body = f"{CALLS_HEADER}\r\n{rows[0]}\r\n{rows[1]}\r\n{rows[2]}\r{rows[3]}\n"
    _write(folder / "zz-bad.csv", body)
    return (
        "mixed_line_endings",
        3,
        "the header line ends with CRLF (\\r\\n) but this row with CR (\\r): the file mixes line breaks "
        "and cannot be read; re-export it with one kind of line break (LF or CRLF)",
    )


def _long_field(folder: Path) -> tuple[str, int, str]:
    """Row 2's contact_reason is 2.5 MB; DuckDB counts the row without its line break."""
    long = _call("C2").replace(",,,,0,4,", ",,," + "x" * 2_500_000 + ",0,4,", 1)
    _write(folder / "zz-bad.csv", "\n".join([CALLS_HEADER, _call("C1"), long, _call("C3")]) + "\n")
    return (
        "line_too_long",
        2,
        f"the row is {len(long):,} bytes, longer than the 2,000,000 a CSV row may have: usually a value "
        "whose quote is never closed, or binary data; fix the row and deliver the file again",
    )


def _same_column_other_case(folder: Path) -> tuple[str, None, str]:
    header = CALLS_HEADER.replace("updated_at", "CALL_ID")
    _write(folder / "zz-bad.csv", f"{header}\n{_call('C1')}\n")
    return (
        "duplicate_column",
        None,
        "the header names column 'call_id' 2 times: 'call_id' (field 1), 'CALL_ID' (field 2); names are "
        "compared ignoring case, so which field holds the value is ambiguous: re-export the file with "
        "each column once",
    )


def _repeated_column(folder: Path) -> tuple[str, None, str]:
    """A second outcome column: reading the first (or the last) would be a silent guess."""
    _write(folder / "zz-bad.csv", f"{CALLS_HEADER},outcome\n{_call('C1')},answered\n")
    return (
        "duplicate_column",
        None,
        "the header names column 'outcome' 2 times: 'outcome' (field 15), 'outcome' (field 17); names are "
        "compared ignoring case, so which field holds the value is ambiguous: re-export the file with "
        "each column once",
    )


@pytest.mark.parametrize(
    "make_bad",
    [_mixed_line_endings, _long_field, _same_column_other_case, _repeated_column],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_file_duckdb_cannot_read_is_named_with_row_rule_and_what_to_do(tmp_path, make_bad):
    landing = tmp_path / "landing"
    _calls_file(landing / "telephony_calls" / "2025-03-01.csv", "G1")
    rule, row, detail = make_bad(landing / "telephony_calls")
    where = "telephony_calls/zz-bad.csv" + (f", row {row}" if row else "")
    with duckdb.connect() as con:
        with pytest.raises(LandingError) as stopped:
            ingest(con, landing)
        assert str(stopped.value) == f"{where}: rule '{rule}' broken: {detail}"
        report = ingest(con, landing, on_file_issue="record")
        assert [(i.file_name, i.rule, i.row_number) for i in report.issues] == [
            ("telephony_calls/zz-bad.csv", rule, row)
        ]
        assert _raw_calls(con) == [("telephony_calls/2025-03-01.csv", "G1")]  # nothing of it loaded


def test_lf_and_crlf_mixed_still_load(tmp_path):
    landing = tmp_path / "landing"
    _write(
        landing / "telephony_calls" / "a.csv",
        f"{CALLS_HEADER}\r\n{_call('C1')}\n{_call('C2')}\r\n{_call('C3')}\n",
    )
    with duckdb.connect() as con:
        ingest(con, landing)
        assert [c for _, c in _raw_calls(con)] == ["C1", "C2", "C3"]


def test_the_new_file_rules_are_in_the_contract_and_the_policy():
    from orchestration.contract import FILE_RULES
    from orchestration.quality.policy import load_policy

    policy = load_policy()
    for rule in (
        "duplicate_column",
        "mixed_line_endings",
        "line_too_long",
        "not_a_file",
        "symlink_outside_landing",
    ):
        assert rule in FILE_RULES and policy.stops(rule)
    assert set(SOURCES)  # the contract loaded


def test_a_warehouse_directory_that_cannot_be_written_stops_the_run(tmp_path):
    """CCW_WAREHOUSE under a path that is a file, not a directory: no traceback, a message."""
    blocker = _write(tmp_path / "shared", "a file where a directory should be")
    settings = make_settings(tmp_path, tmp_path / "landing")
    settings = type(settings)(**{**settings.__dict__, "warehouse": blocker / "contact_cost.duckdb"})
    with pytest.raises(PipelineError) as stopped:
        pipeline.run(settings, dbt=RecordingDbt(called_file=str(tmp_path / "dbt_called")))
    message = str(stopped.value)
    assert message.startswith(f"cannot write the warehouse directory {blocker}")
    assert "set CCW_WAREHOUSE to a file in one; the published warehouse is unchanged." in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory")
def test_a_read_only_warehouse_directory_stops_the_run(tmp_path):
    folder = tmp_path / "wh"
    folder.mkdir()
    folder.chmod(0o500)
    settings = make_settings(tmp_path, tmp_path / "landing")
    settings = type(settings)(**{**settings.__dict__, "warehouse": folder / "contact_cost.duckdb"})
    try:
        with pytest.raises(PipelineError, match=f"cannot write the warehouse directory {folder}"):
            pipeline.run(settings, dbt=RecordingDbt(called_file=str(tmp_path / "dbt_called")))
    finally:
        folder.chmod(0o700)


# ---------------------------------------------------------------- never an emptier warehouse by accident
def _published_with(path: Path, *runs: dict[str, int]) -> Path:
    """A published warehouse whose meta.run_log (the real DDL) holds these runs' rows per source."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"attach '{path}' as pub")
        con.execute("create schema pub.meta")
        con.execute(RUN_LOG_DDL)
        for day, rows in enumerate(runs, start=1):
            con.execute(
                "insert into pub.meta.run_log (run_id, started_at, finished_at, rows_per_source, status) "
                "values (?, ?, ?, ?, 'published')",
                [f"r{day}", f"2025-03-0{day} 02:00", f"2025-03-0{day} 02:10", json.dumps(rows)],
            )
    return path


def test_fewer_landing_rows_than_the_published_warehouse_stop_the_run(tmp_path):
    """The latest published run read 45 calls and 7 chats; this run holds 30 calls (a file gone)
    and no chat: both drops are named with before -> now, and nothing is accepted."""
    warehouse = _published_with(
        tmp_path / "wh.duckdb", {"telephony_calls": 50, "chats": 9}, {"telephony_calls": 45, "chats": 7}
    )
    with pytest.raises(FewerRows) as stopped:
        check_fewer_rows(warehouse, {"telephony_calls": 30, "chats": 0, "tickets": 5})
    assert str(stopped.value).startswith(
        f"this run holds fewer landing rows than the published warehouse {warehouse} "
        "(telephony_calls: 45 -> 30; chats: 7 -> 0). Nothing was published"
    )
    assert "`ccw run --accept-fewer-rows` (meta.run_log records it)" in str(stopped.value)


def test_fewer_rows_pass_when_accepted_or_retired_and_say_how(tmp_path):
    warehouse = _published_with(tmp_path / "wh.duckdb", {"telephony_calls": 45, "chats": 7, "surveys": 3})
    now = {"telephony_calls": 30, "chats": 0, "surveys": 4}
    assert check_fewer_rows(warehouse, now, retired=("chats",), accept=True) == {
        "telephony_calls": [45, 30, "accept_fewer_rows"],
        "chats": [7, 0, "retired_sources"],
    }
    assert check_fewer_rows(warehouse, {**now, "telephony_calls": 45}, retired=("chats",)) == {
        "chats": [7, 0, "retired_sources"]
    }
    with pytest.raises(FewerRows, match=r"\(telephony_calls: 45 -> 30\)"):
        check_fewer_rows(warehouse, now, retired=("chats",))


def test_no_published_warehouse_or_no_run_log_means_nothing_to_compare(tmp_path):
    assert check_fewer_rows(tmp_path / "none.duckdb", {}) == {}
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute("create table t as select 1 as x")
    assert published_rows_per_source(tmp_path / "old.duckdb") == {}


def test_an_unreadable_published_warehouse_stops_the_run(tmp_path):
    damaged = _write(tmp_path / "wh.duckdb", b"not a duckdb file")
    with pytest.raises(PipelineError, match=f"cannot read the run log of the published warehouse {damaged}"):
        check_fewer_rows(damaged, {"telephony_calls": 1})


@pytest.fixture
def night(tmp_path):
    """A hand-written landing (calls: 2 rows in a.csv, 1 in b.csv) whose warehouse was published
    from those 3 rows (a hand-made meta.run_log), with no work directory yet."""
    landing = tmp_path / "landing"
    _calls_file(landing / "telephony_calls" / "a.csv", "C1", "C2")
    _calls_file(landing / "telephony_calls" / "b.csv", "C3")
    settings = make_settings(tmp_path, landing)
    _published_with(settings.warehouse, {"telephony_calls": 3})
    return settings, landing, tmp_path / "dbt_called"


@pytest.mark.slow
def test_a_vanished_file_stops_the_run_before_dbt(night):
    settings, landing, called = night
    before = _digest(settings.warehouse)
    (landing / "telephony_calls" / "b.csv").unlink()
    with pytest.raises(FewerRows, match=r"\(telephony_calls: 3 -> 2\)\. Nothing was published"):
        pipeline.run(settings, dbt=RecordingDbt(called_file=str(called)))
    assert not called.exists() and _digest(settings.warehouse) == before
    with pytest.raises(PipelineError):  # accepted: the run goes on to dbt (here a stand-in that fails)
        pipeline.run(settings, accept_fewer_rows=True, dbt=RecordingDbt(called_file=str(called)))
    assert called.exists()


@pytest.mark.slow
def test_a_broken_redelivery_is_named_by_its_file_rule_not_as_fewer_rows(night):
    """b.csv delivered again cut mid-row: its row leaves raw (3 -> 2 calls), but the raw check's
    file rule, which says what to fix, stops the run first."""
    settings, landing, called = night
    _write(landing / "telephony_calls" / "b.csv", CALLS_HEADER + "\nC3,,inbound,2025-03-01T09:00:00,,")
    with pytest.raises(PipelineError) as stopped:
        pipeline.run(settings, dbt=RecordingDbt(called_file=str(called)))
    assert not isinstance(stopped.value, FewerRows)
    assert "telephony_calls/b.csv, row 1: rule 'truncated_file' broken" in str(stopped.value)
    assert not called.exists()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _last_run(warehouse: Path) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select default_pii_salt, fewer_rows_accepted, rows_per_source from meta.run_log "
            "order by finished_at desc limit 1"
        ).fetchone()


@pytest.mark.slow
def test_a_published_warehouse_is_never_replaced_by_an_emptier_one_unless_accepted(tmp_path, monkeypatch):
    """Three nights on a tiny landing (45 calls in 3 files: 6, 7 and 32 rows):
    1. a build with a secret salt: build files private (0700/0600), the published file 0644, the
       salt in no file; meta.run_log says default_pii_salt = false.
    2. the 7-row calls file vanished: 45 -> 38 calls; the run stops before dbt, the published file is unchanged;
       the same with the work directory wiped and the share unmounted (empty mount point): 45 -> 0.
    3. the operator accepts with --accept-fewer-rows, with the default salt on non-sample data:
       published with 38 calls; run_log records {"telephony_calls": [45, 38, "accept_fewer_rows"]}
       and default_pii_salt = true, and the run warns of the default salt."""
    landing = tmp_path / "landing"
    generate(out_dir=landing, start=date(2025, 3, 1), days=3, contacts_per_day=40, agents=8, seed=1)
    calls = sorted((landing / "telephony_calls").glob("*.csv"))
    assert [len(p.read_text().splitlines()) - 1 for p in calls] == [6, 7, 32]
    settings = make_settings(tmp_path, landing)
    secret = "night-salt-7f3e"
    monkeypatch.setenv("CCW_PII_SALT", secret)
    pipeline.run(settings)

    assert stat.S_IMODE(settings.warehouse.stat().st_mode) == 0o644
    private = [settings.work_dir, *settings.work_dir.rglob("*")]
    assert {oct(stat.S_IMODE(p.stat().st_mode) & 0o077) for p in private if not p.is_symlink()} == {"0o0"}
    leaks = [p for p in private if p.is_file() and secret.encode() in p.read_bytes()]
    assert leaks == [] and secret.encode() not in settings.warehouse.read_bytes()
    assert _last_run(settings.warehouse)[:2] == (False, None)

    published = _digest(settings.warehouse)
    calls[1].unlink()
    with pytest.raises(FewerRows, match=r"\(telephony_calls: 45 -> 38\)\. Nothing was published"):
        pipeline.run(settings)
    shutil.rmtree(settings.work_dir)
    landing.rename(tmp_path / "landing-share")
    landing.mkdir()
    with pytest.raises(FewerRows, match=r"telephony_calls: 45 -> 0; tickets: 21 -> 0"):
        pipeline.run(settings)
    assert _digest(settings.warehouse) == published

    landing.rmdir()
    (tmp_path / "landing-share").rename(landing)
    (landing / SAMPLE_MARKER).unlink()  # real exports from now on
    monkeypatch.delenv("CCW_PII_SALT")
    summary = pipeline.run(settings, accept_fewer_rows=True)
    default_salt, accepted, rows = _last_run(settings.warehouse)
    assert json.loads(accepted) == {"telephony_calls": [45, 38, "accept_fewer_rows"]}
    assert default_salt is True and json.loads(rows)["telephony_calls"] == 38
    assert any("default salt" in w for w in summary.warnings)
    assert "telephony_calls: 45 -> 38 landing rows, accepted (accept_fewer_rows)" in summary.warnings


def test_an_invalid_business_timezone_is_named_not_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("CCW_BUSINESS_TIMEZONE", "Europe/Pariss")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ccw run stopped: invalid setting(s)") and "Traceback" not in err
    assert (
        "CCW_BUSINESS_TIMEZONE = 'Europe/Pariss': not a time zone of the IANA time zone database; "
        "use a name such as Europe/Berlin"
    ) in err
