"""The Spark raw loader gives DuckDB's raw tables on the awkward cases of the landing contract.

One landing directory with: reordered columns, a missing optional column and an
extra column (telephony_calls, CRLF line ends and a UTF-8 byte-order mark), a
quoted line break, doubled quotes and a quoted empty field (agents), a
header-only file (chats), an absent folder (tickets), Parquet (surveys) and a
malformed file next to a good one (gl_journal_lines). The Spark loader runs as
`python -m orchestration.spark.ingest --record-file-issues` (its own process:
Derby has one at a time); its Parquet output is read back with DuckDB.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from orchestration.config import PROJECT_DIR, Settings
from orchestration.contract import SOURCES
from orchestration.landing.ingest import ingest as duckdb_ingest
from orchestration.spark.compare import Table, compare, read_duckdb
from orchestration.spark.session import dbt_env, spark_dir

if os.environ.get("CCW_SPARK_TESTS") != "1":
    pytest.skip("Spark loader tests run with `make test-spark` (CCW_SPARK_TESTS=1)", allow_module_level=True)

pytestmark = pytest.mark.slow


def _rewrite_csv(path: Path, order: list[str], extra: str | None, drop: str | None) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    columns = [c for c in order if c != drop] + ([extra] if extra else [])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "note " + row["call_id"]) if c == extra else row[c] for c in columns])
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    from orchestration.tools.generator import generate

    out = tmp_path_factory.mktemp("awkward_landing")
    generate(out_dir=out, start=date(2026, 10, 30), days=3, contacts_per_day=60, agents=4, seed=3)
    calls = sorted((out / "telephony_calls").glob("*.csv"))
    names = SOURCES["telephony_calls"].column_names
    _rewrite_csv(calls[0], list(reversed(names)), extra="note", drop="transferred")
    _rewrite_csv(calls[1], names, extra=None, drop="customer_phone")
    (out / "agents" / "z_agents_extra.csv").write_text(
        "agent_id,agent_name,team,site,cost_center,employment_type,fte,hired_on,left_on\n"
        'X1,"Smith, ""Jo""\nsecond line",team_a,"",CC-X,employee,1.0,2020-01-01,\n'
        "X2, padded ,team_a,site 1,CC-X,contractor,0.5,,\n",
        encoding="utf-8",
    )
    chats = sorted((out / "chats").glob("*.csv"))
    (out / "chats" / "0000-header-only.csv").write_text(chats[0].read_text().splitlines()[0] + "\n")
    shutil.rmtree(out / "tickets")
    surveys = sorted((out / "surveys").glob("*.csv"))
    table = pacsv.read_csv(
        surveys[0],
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in SOURCES["surveys"].column_names}, strings_can_be_null=True
        ),
    )
    pq.write_table(table, surveys[0].with_suffix(".parquet"))
    surveys[0].unlink()
    good = sorted((out / "gl_journal_lines").glob("*.csv"))[0].read_text().splitlines()
    (out / "gl_journal_lines" / "2099-12.csv").write_text(
        "\n".join([good[0], good[1] + ",extra", good[1]]) + "\n"
    )
    return out


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, landing):
    root = tmp_path_factory.mktemp("awkward_build")
    settings = Settings(landing, root / "contact_cost.duckdb", "America/New_York", 2, "2GB")
    settings.work_dir.mkdir(parents=True)
    with duckdb.connect(str(settings.raw_db)) as con:  # the DuckDB raw layer's own file, as in ccw run
        duckdb_ingest(con, landing, on_file_issue="record")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.spark.ingest",
            "--landing",
            str(landing),
            "--record-file-issues",
        ],
        env={**os.environ, **dbt_env(settings)},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    yield con, spark_dir(settings) / "warehouse" / "raw.db"
    con.close()


def _spark_table(folder: Path) -> Table:
    relation = f"read_parquet('{folder}/*.parquet')"
    with duckdb.connect() as con:
        return read_duckdb(con, relation)


@pytest.mark.parametrize("source", list(SOURCES))
def test_raw_table_is_identical(loaded, source):
    con, raw_db = loaded
    duck = read_duckdb(con, f"raw.{source}")
    spark = _spark_table(raw_db / source) if list((raw_db / source).glob("*.parquet")) else Table([], [], [])
    if not duck.rows:
        assert not spark.rows
        return
    diff = compare(f"raw.{source}", duck, spark, exact=True)
    assert diff.equal, "\n".join(diff.problems)


def test_awkward_values_arrive_as_delivered(loaded):
    con, raw_db = loaded
    spark = _spark_table(raw_db / "agents")
    rows = {r[0]: r for r in spark.rows}
    assert rows["X1"][1] == 'Smith, "Jo"\nsecond line' and rows["X1"][3] is None and rows["X1"][8] is None
    assert rows["X2"][1] == " padded "
    calls = _spark_table(raw_db / "telephony_calls")
    assert len({r[-2] for r in calls.rows}) == 3  # every file, by its relative name


def test_a_malformed_file_is_listed_with_its_rule_and_the_others_load(loaded):
    con, raw_db = loaded
    spark = _spark_table(raw_db / "_landing_files")
    issues = {(r[0], r[1], r[5]) for r in spark.rows if r[5] is not None}
    assert issues == {("gl_journal_lines", "gl_journal_lines/2099-12.csv", "malformed_row")}
    duck = {
        (r[0], r[1], r[5])
        for r in con.execute("select * from raw._landing_files where rule is not null").fetchall()
    }
    assert duck == issues
    listed = lambda rows: sorted((r[0], r[1], r[2], r[3], r[4]) for r in rows)  # noqa: E731
    assert listed(spark.rows) == listed(con.execute("select * from raw._landing_files").fetchall())
