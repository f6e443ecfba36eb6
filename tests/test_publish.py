"""The published file: readable by the DuckDB LTS line BI tools bundle, and replaced atomically."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import RunRecord, publish

LTS_REQUIREMENT = (Path(__file__).parent / "requirements-duckdb-lts.txt").read_text().strip()
LTS_VENV = Path(__file__).resolve().parent.parent / ".venv-duckdb-lts"


@pytest.fixture(scope="session")
def lts_python() -> Path:
    """A separate virtual environment with the DuckDB LTS client (1.4), as a BI tool would bundle."""
    python = LTS_VENV / "bin" / "python"
    stamp = LTS_VENV / f".installed-{LTS_REQUIREMENT}"
    if not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(LTS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", LTS_REQUIREMENT], check=True)
        stamp.touch()
    return python


def test_published_file_opens_read_only_in_duckdb_lts(published, lts_python):
    settings, summary = published
    script = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(duckdb.__version__)\n"
        "print(con.execute('select count(*) from marts.fct_interactions').fetchone()[0])\n"
        "print(con.execute('select run_id from meta.run_log').fetchone()[0])\n"
    )
    out = subprocess.run(
        [str(lts_python), "-c", script, str(settings.warehouse)], check=True, capture_output=True, text=True
    ).stdout.split()
    assert out[0].startswith("1.4.")
    assert int(out[1]) == sum(n for _, n in summary.interactions_per_channel)
    assert out[2] == summary.run_id


def _build_file(path: Path, value: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema raw")
        con.execute(f"create table marts.t as select {value} as v")
        con.execute("create table raw.private as select 1 as x")


def test_publish_replaces_the_file_while_a_reader_holds_the_old_one(tmp_path):
    build, warehouse = tmp_path / "build.duckdb", tmp_path / "wh.duckdb"
    record = RunRecord(run_id="r1", started_at=datetime(2026, 11, 1), landing_dir="x")
    _build_file(build, 1)
    publish(build, warehouse, record)

    reader = duckdb.connect(str(warehouse), read_only=True)
    build.unlink()
    _build_file(build, 2)
    publish(build, warehouse, RunRecord(run_id="r2", started_at=datetime(2026, 11, 2), landing_dir="x"))

    # The open reader keeps its consistent (old) snapshot; a new connection sees the new run.
    assert reader.execute("select v from marts.t").fetchone()[0] == 1
    reader.close()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select v from marts.t").fetchone()[0] == 2
        assert [
            r[0] for r in con.execute("select run_id from meta.run_log order by finished_at").fetchall()
        ] == ["r1", "r2"]
        assert (
            con.execute("select count(*) from duckdb_tables() where schema_name = 'raw'").fetchone()[0] == 0
        )
    assert not list(tmp_path.glob(".wh.duckdb.publishing*"))
