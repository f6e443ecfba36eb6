"""End to end: landing files -> published warehouse, and what a failed run leaves behind."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace

import duckdb
import pytest
from conftest import CHANNELS

from orchestration.contract import SOURCES
from orchestration.errors import PipelineError
from orchestration.pipeline import run


def test_published_warehouse_answers_for_every_channel(published):
    settings, summary = published
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = dict(con.execute("select channel, count(*) from marts.fct_interactions group by 1").fetchall())
    assert set(rows) == set(CHANNELS)
    assert all(n > 0 for n in rows.values())
    assert dict(summary.interactions_per_channel) == rows
    assert "marts.fct_interactions" in summary.render()


def test_published_file_holds_what_readers_need_and_the_build_the_rest(published):
    """Readers get marts, quarantine and meta; staging, intermediate and seeds stay in the
    build file, with the record of what changed since the published file (main, publish/delta.py),
    and raw (the exports as delivered, with personal data) in its own file."""
    settings, _ = published
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        schemas = {r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
    assert schemas == {"marts", "quarantine", "meta"}
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        private = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    assert {"staging", "intermediate", "seeds", "marts", "quarantine", "main"} == {s for s, _ in private}
    assert sorted(t for s, t in private if s == "main") == ["publish_basis", "publish_changes"]


def test_run_log_records_the_files_and_rows_read(published, small_landing):
    settings, summary = published
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        run_id, files_read, source_files, rows = con.execute(
            "select run_id, files_read, source_files, rows_per_source from meta.run_log"
        ).fetchone()
    assert run_id == summary.run_id
    landing_files = sorted(p.relative_to(small_landing).as_posix() for p in small_landing.glob("*/*.csv"))
    assert files_read == len(landing_files)
    assert sorted(f for files in json.loads(source_files).values() for f in files) == landing_files
    assert json.loads(rows) == summary.ingest.rows


def test_run_log_tells_readers_how_fresh_and_how_clean_the_data_is(published):
    settings, summary = published
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        started, finished, quarantined, passed, failed = con.execute(
            "select started_at, finished_at, rows_quarantined, checks_passed, checks_failed from meta.run_log"
        ).fetchone()
        rejected = con.execute("select count(*) from quarantine.rejected_rows").fetchone()[0]
        met, unmet = con.execute(
            "select count(*) filter (where success), count(*) filter (where not success) "
            "from meta.quality_results where run_id = ?",
            [summary.run_id],
        ).fetchone()
    assert started < finished
    assert quarantined == rejected == sum(n for *_, n in summary.quarantined)
    assert (passed, failed) == (met, unmet)
    assert passed > 0


def _pii_values(landing) -> set[str]:
    values: set[str] = set()
    with duckdb.connect() as con:
        for source in SOURCES.values():
            for column in (c.name for c in source.columns if c.pii):
                files = sorted(str(p) for p in (landing / source.name).glob("*.csv"))
                if files:
                    values |= {
                        r[0]
                        for r in con.execute(
                            f'select distinct "{column}" from read_csv(?, all_varchar=true, union_by_name=true) '
                            f'where "{column}" is not null',
                            [files],
                        ).fetchall()
                    }
    return values


def test_no_pii_value_reaches_any_published_table(published, small_landing):
    settings, _ = published
    pii = _pii_values(small_landing)
    assert len(pii) > 100  # the generator writes names, emails and phones
    with duckdb.connect() as con:
        con.execute(f"attach '{settings.warehouse}' as wh (read_only)")
        con.execute("create temp table pii as select unnest(?) as value", [sorted(pii)])
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = 'wh' and data_type = 'VARCHAR'"
        ).fetchall()
        leaks = []
        for schema, table, column in columns:
            hit = con.execute(
                f'select "{column}" from wh.{schema}."{table}" t where exists '
                f'(select 1 from pii where t."{column}" = pii.value or contains(t."{column}", pii.value)) limit 1'
            ).fetchall()
            if hit:
                leaks.append((schema, table, column, hit[0][0]))
    assert leaks == []


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failed_run_leaves_the_published_warehouse_unchanged(tmp_path, small_landing, fresh_settings):
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    settings = replace(fresh_settings, landing_dir=landing)
    run(settings)
    before = _digest(settings.warehouse)

    # A delivery without a required column: the run must stop and name the file and rule.
    (landing / "chats" / "zz-broken.csv").write_text("chat_id,started_at\nX1,2026-11-01T10:00:00\n")
    with pytest.raises(PipelineError) as stopped:
        run(settings)
    assert "chats/zz-broken.csv" in str(stopped.value)
    assert "missing_required_column" in str(stopped.value)
    assert _digest(settings.warehouse) == before

    # Fixed delivery: the next run publishes again and the run log keeps its history.
    (landing / "chats" / "zz-broken.csv").unlink()
    run(settings)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from meta.run_log").fetchone()[0] == 2
