"""The published file: readable by the DuckDB LTS line BI tools bundle, self-describing
(comments and keys), and replaced atomically."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.errors import PipelineError
from orchestration.publish.docs import docs_dir
from orchestration.publish.warehouse import PUBLISHED_DIR_MODE, PUBLISHED_MODE, RunRecord, publish
from orchestration.report import report_dir, write_report

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


# What a DuckDB 1.4 client finds in the file: every table and column without a comment, and the keys.
LTS_CATALOG_SCRIPT = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
tables = con.execute(
    "select schema_name, table_name, comment from duckdb_tables() where schema_name in ('marts', 'quarantine', 'meta')"
).fetchall()
columns = con.execute(
    "select schema_name, table_name, column_name, comment from duckdb_columns() "
    "where schema_name in ('marts', 'quarantine', 'meta')"
).fetchall()
keys = con.execute(
    "select table_name, constraint_type, constraint_column_names, referenced_table, referenced_column_names "
    "from duckdb_constraints() where constraint_type in ('PRIMARY KEY', 'FOREIGN KEY')"
).fetchall()
print(json.dumps({
    "version": duckdb.__version__,
    "tables": len(tables),
    "columns": len(columns),
    "tables_without_comment": [f"{s}.{t}" for s, t, c in tables if not c],
    "columns_without_comment": [f"{s}.{t}.{c}" for s, t, c, m in columns if not m],
    "primary_keys": sorted([t, cols] for t, kind, cols, _, _ in keys if kind == "PRIMARY KEY"),
    "foreign_keys": sorted([t, cols, ref, ref_cols] for t, kind, cols, ref, ref_cols in keys if kind == "FOREIGN KEY"),
    "keys_in_comments": {t: c.split(" Key: ")[1].split(", unique")[0] for s, t, c in tables if " Key: (" in (c or "")},
}))
"""


def declared_keys() -> tuple[list, list]:
    """The keys the models' YAML declares (constraints:), read from the YAML files themselves: the
    primary keys to declare in the file (not those checked instead: primary_key_index: false)."""
    primary, foreign = [], []
    for path in sorted((Path(__file__).resolve().parents[1] / "models").rglob("_*.yml")):
        for model in yaml.safe_load(path.read_text()).get("models") or []:
            config = model.get("config") or {}
            table = config.get("alias") or model["name"]
            indexed = (config.get("meta") or {}).get("primary_key_index", True)
            for c in model.get("constraints") or []:
                if c["type"] == "primary_key" and indexed:
                    primary.append([table, c["columns"]])
                elif c["type"] == "foreign_key":
                    to = c["to"].split("'")[1]  # ref('dim_x')
                    foreign.append([table, c["columns"], to, c["to_columns"]])
    return sorted(primary), sorted(foreign)


def test_duckdb_lts_finds_a_comment_on_every_table_and_column_and_the_declared_keys(published, lts_python):
    """Every table and column of marts, quarantine and meta carries the description of its YAML as a
    comment, and the primary and foreign keys declared in the YAML are in the file, as DuckDB 1.4
    (the line BI tools bundle) reads them."""
    settings, _ = published
    found = json.loads(
        subprocess.run(
            [str(lts_python), "-c", LTS_CATALOG_SCRIPT, str(settings.warehouse)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    assert found["version"].startswith("1.4.")
    assert found["tables"] >= 23 and found["columns"] >= 400
    assert found["tables_without_comment"] == []
    assert found["columns_without_comment"] == []
    primary, foreign = declared_keys()
    assert found["primary_keys"] == sorted([*primary, ["run_log", ["run_id"]]])
    assert found["foreign_keys"] == foreign
    assert ["fct_interactions", ["channel"], "dim_channel", ["channel"]] in foreign
    assert len(foreign) >= 25
    # the tables that grow with the data name their key in the comment instead (P21)
    assert ["fct_interactions", ["interaction_id"]] not in primary
    assert found["keys_in_comments"] == {
        "dim_customer": "(customer_id)",
        "fct_cases": "(interaction_id)",
        "fct_cost_to_serve_customers_monthly": "(cost_month, customer_id)",
        "fct_interactions": "(interaction_id)",
        "fct_repeat_contacts": "(earlier_interaction_id)",
    }


def _keyed_build(path: Path, orphan: bool) -> Path:
    """A build file with a dimension and a fact, and the manifest that declares their keys."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_channel as select * from (values ('chat'), ('email')) t(channel)")
        con.execute(
            "create table marts.fct_x as select * from (values (1, 'chat'), (2, ?)) t(id, channel)",
            ["sms" if orphan else "email"],
        )

    def model(name, description, columns, constraints):
        return {
            "resource_type": "model",
            "name": name,
            "alias": name,
            "schema": "marts",
            "description": description,
            "columns": {c: {"description": d} for c, d in columns.items()},
            "constraints": constraints,
        }

    manifest = {
        "nodes": {
            "model.p.fct_x": model(
                "fct_x",
                "Facts.",
                {"id": "Key.", "channel": "The channel."},
                [
                    {"type": "primary_key", "columns": ["id"]},
                    {
                        "type": "foreign_key",
                        "columns": ["channel"],
                        "to": "ref('dim_channel')",
                        "to_columns": ["channel"],
                    },
                ],
            ),
            "model.p.dim_channel": model(
                "dim_channel",
                "Channels.",
                {"channel": "Code."},
                [{"type": "primary_key", "columns": ["channel"]}],
            ),
        }
    }
    manifest_path = path.with_suffix(".json")
    manifest_path.write_text(json.dumps(manifest))
    return manifest_path


def test_publish_declares_the_keys_and_comments_of_the_manifest(tmp_path):
    build, warehouse = tmp_path / "build.duckdb", tmp_path / "wh.duckdb"
    manifest = _keyed_build(build, orphan=False)
    publish(
        build,
        warehouse,
        RunRecord(run_id="r1", started_at=datetime(2026, 11, 1), landing_dir="x"),
        manifest=manifest,
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select comment from duckdb_columns() where table_name = 'fct_x' and column_name = 'channel'"
        ).fetchone() == ("The channel.",)
        assert con.execute(
            "select referenced_table from duckdb_constraints() where table_name = 'fct_x' "
            "and constraint_type = 'FOREIGN KEY'"
        ).fetchone() == ("dim_channel",)
        assert con.execute("select count(*) from marts.fct_x").fetchone() == (2,)


def test_a_row_that_breaks_a_declared_key_never_reaches_readers(tmp_path):
    """A fact row whose channel 'sms' is not in dim_channel: publishing stops naming the table and
    the key, and the file readers have stays the previous one, byte for byte."""
    good, bad, warehouse = tmp_path / "good.duckdb", tmp_path / "bad.duckdb", tmp_path / "wh.duckdb"
    publish(
        good,
        warehouse,
        RunRecord("r1", datetime(2026, 11, 1), "x"),
        manifest=_keyed_build(good, orphan=False),
    )
    before = warehouse.read_bytes()
    with pytest.raises(PipelineError, match=r"marts\.fct_x breaks a key declared in its YAML.*sms"):
        publish(
            bad,
            warehouse,
            RunRecord("r2", datetime(2026, 11, 2), "x"),
            manifest=_keyed_build(bad, orphan=True),
        )
    assert warehouse.read_bytes() == before


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


def test_report_and_docs_are_readable_like_the_published_file(published, tmp_path):
    """A run writes under a private umask (077, build/workdir.py): the folders it writes beside the
    published file, <warehouse>.report/ and <stem>.docs/, get what the published file gets
    (folders 0755, files 0644), or its readers could open the file but not its report and docs.
    Written again here by `ccw report` under umask 077 too."""
    settings, _ = published
    report = report_dir(settings.warehouse)
    out = tmp_path / "mine"
    out.mkdir(mode=0o700)
    previous = os.umask(0o077)
    try:
        write_report(settings.warehouse, out)  # a folder of the caller's keeps its mode
    finally:
        os.umask(previous)
    assert stat.S_IMODE(settings.warehouse.stat().st_mode) == PUBLISHED_MODE
    for folder in (report, docs_dir(settings)):
        paths = [folder, *folder.rglob("*")]
        assert len(paths) > 1, folder
        modes = {
            p.relative_to(folder.parent).as_posix(): oct(stat.S_IMODE(p.stat().st_mode))
            for p in paths
            if not p.is_symlink()
        }
        expected = {
            name: oct(PUBLISHED_DIR_MODE if (folder.parent / name).is_dir() else PUBLISHED_MODE)
            for name in modes
        }
        assert modes == expected
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert stat.S_IMODE((out / "index.html").stat().st_mode) == PUBLISHED_MODE
