"""A night's publish writes only what the build changed since the published file
(orchestration/publish/delta.py), and the result is the file a publish of every table writes.

Hand-made build files, no dbt: a channel dimension that the facts reference (its key must stay
while they do), a month-partitioned fact with a key and a foreign key, a month-partitioned fact
and a customer dimension whose keys are checked rather than declared (primary_key_index: false,
docs/decisions/performance.md P21), and a daily table without a key. The first publish writes every table and
makes the file the basis; the night then changes the build as an incremental dbt run would (the
strategy records each partition it replaced in main.publish_changes) and publishes again.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.errors import PipelineError
from orchestration.publish import delta
from orchestration.publish.warehouse import RunRecord, publish

READER_TABLES = ("dim_channel", "fct_contacts", "fct_cases", "dim_customer", "kpi_daily")
NO_INDEX = {"meta": {"primary_key_index": False}}


def _model(
    name: str, columns: list[str], constraints: list[dict], partition: str | None = None, **config
) -> dict:
    if partition:
        config.update(materialized="incremental", partition_expression=partition)
    return {
        "resource_type": "model",
        "name": name,
        "alias": name,
        "schema": "marts",
        "description": f"The {name}.",
        "columns": {c: {"description": f"{c} of {name}."} for c in columns},
        "constraints": constraints,
        "config": {"materialized": "table", **config},
    }


def _manifest(path: Path) -> Path:
    nodes = {
        "dim_channel": _model(
            "dim_channel", ["channel", "label"], [{"type": "primary_key", "columns": ["channel"]}]
        ),
        "fct_contacts": _model(
            "fct_contacts",
            ["contact_id", "contact_month", "channel", "customer_id", "cost"],
            [
                {"type": "primary_key", "columns": ["contact_id"]},
                {
                    "type": "foreign_key",
                    "columns": ["channel"],
                    "to": "ref('dim_channel')",
                    "to_columns": ["channel"],
                },
            ],
            partition="contact_month",
        ),
        "fct_cases": _model(
            "fct_cases",
            ["case_id", "case_month"],
            [{"type": "primary_key", "columns": ["case_id"]}],
            partition="case_month",
            **NO_INDEX,
        ),
        "dim_customer": _model(
            "dim_customer",
            ["customer_id", "segment"],
            [{"type": "primary_key", "columns": ["customer_id"]}],
            **NO_INDEX,
        ),
        "kpi_daily": _model("kpi_daily", ["kpi_date", "contacts"], []),
    }
    path.write_text(json.dumps({"nodes": {f"model.p.{k}": v for k, v in nodes.items()}}))
    return path


def _first_build(path: Path) -> None:
    """November and December: four contacts, two cases; two channels; three customers."""
    with duckdb.connect(str(path)) as con:
        delta.prepare_build_log(con, con.execute("select current_database()").fetchone()[0])
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_channel as from (values ('phone', 'Phone'), ('chat', 'Chat')) t(channel, label)"
        )
        con.execute(
            "create table marts.fct_contacts as from (values "
            "('c1', date '2026-11-01', 'phone', 'k1', 10.25), ('c2', date '2026-11-01', 'chat', 'k2', 3.50), "
            "('c3', date '2026-12-01', 'phone', 'k1', 7.00), ('c4', date '2026-12-01', 'chat', 'k3', 1.75)"
            ") t(contact_id, contact_month, channel, customer_id, cost)"
        )
        con.execute(
            "create table marts.fct_cases as from (values ('t1', date '2026-11-01'), ('t2', date '2026-12-01')) "
            "t(case_id, case_month)"
        )
        con.execute(
            "create table marts.dim_customer as from (values ('k1', 'retail'), ('k2', 'retail'), ('k3', 'sme')) t(customer_id, segment)"
        )
        con.execute(
            "create table marts.kpi_daily as from (values (date '2026-12-01', 2)) t(kpi_date, contacts)"
        )


def _night(path: Path) -> None:
    """December rebuilt: c4 gone, c3 costs more, c5 on a new channel 'email' for a new customer,
    case t3 opened beside t2; customer k1 changed segment, k3 (only c4's) gone; the daily table
    rebuilt whole.
    November is not touched and not recorded."""
    with duckdb.connect(str(path)) as con:
        con.execute("insert into marts.dim_channel values ('email', 'E-mail')")
        con.execute("delete from marts.fct_contacts where contact_month = date '2026-12-01'")
        con.execute(
            "insert into marts.fct_contacts values ('c3', date '2026-12-01', 'phone', 'k1', 9.00), "
            "('c5', date '2026-12-01', 'email', 'k4', 2.25)"
        )
        con.execute("insert into main.publish_changes values ('marts', 'fct_contacts', '2026-12-01')")
        con.execute("delete from marts.fct_cases where case_month = date '2026-12-01'")
        con.execute("insert into marts.fct_cases values ('t2', date '2026-12-01'), ('t3', date '2026-12-01')")
        con.execute("insert into main.publish_changes values ('marts', 'fct_cases', '2026-12-01')")
        con.execute("update marts.dim_customer set segment = 'sme' where customer_id = 'k1'")
        con.execute("delete from marts.dim_customer where customer_id = 'k3'")
        con.execute("insert into marts.dim_customer values ('k4', 'retail')")
        con.execute("delete from marts.kpi_daily")
        con.execute("insert into marts.kpi_daily values (date '2026-12-01', 1), (date '2026-12-02', 1)")


def _record(run_id: str) -> RunRecord:
    return RunRecord(run_id=run_id, started_at=datetime(2026, 12, 1), landing_dir="landing")


def _contents(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {t: sorted(con.execute(f"select * from marts.{t}").fetchall()) for t in READER_TABLES}
        tables["keys"] = sorted(
            con.execute(
                "select table_name, constraint_type, constraint_column_names from duckdb_constraints() "
                "where constraint_type in ('PRIMARY KEY', 'FOREIGN KEY')"
            ).fetchall()
        )
        tables["comments"] = sorted(
            con.execute(
                "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'"
            ).fetchall()
            + con.execute(
                "select table_name, '', comment from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        )
        tables["runs"] = con.execute(
            "select run_id, status from meta.run_log order by finished_at"
        ).fetchall()
    return tables


@pytest.fixture
def night(tmp_path):
    """(build, warehouse, manifest) after the first publish and the night's changes to the build."""
    build, warehouse, manifest = (
        tmp_path / "build.duckdb",
        tmp_path / "wh.duckdb",
        _manifest(tmp_path / "m.json"),
    )
    _first_build(build)
    publish(build, warehouse, _record("r1"), manifest=manifest)
    _night(build)
    return build, warehouse, manifest


def test_the_night_writes_the_changes_and_equals_a_publish_of_every_table(night, tmp_path, caplog):
    build, warehouse, manifest = night
    with caplog.at_level(logging.INFO, logger="orchestration.publish.warehouse"):
        publish(build, warehouse, _record("r2"), manifest=manifest)
    assert "changes written into a copy of the published file" in caplog.text

    # the same build published table by table into a new file (no basis: a fresh build file copy)
    every_build, every = tmp_path / "every_build.duckdb", tmp_path / "every.duckdb"
    every_build.write_bytes(build.read_bytes())
    with duckdb.connect(str(every_build)) as con:
        con.execute("delete from main.publish_basis")
    publish(every_build, every, _record("r1"), manifest=manifest)

    published, expected = _contents(warehouse), _contents(every)
    assert published["fct_contacts"] == [
        ("c1", *expected["fct_contacts"][0][1:]),
        expected["fct_contacts"][1],
        ("c3", datetime(2026, 12, 1).date(), "phone", "k1", 9.00),
        ("c5", datetime(2026, 12, 1).date(), "email", "k4", 2.25),
    ]
    assert published["dim_customer"] == [("k1", "sme"), ("k2", "retail"), ("k4", "retail")]
    assert [case for case, _ in published["fct_cases"]] == ["t1", "t2", "t3"]
    assert published["kpi_daily"] == [(datetime(2026, 12, 1).date(), 1), (datetime(2026, 12, 2).date(), 1)]
    for part in (*READER_TABLES, "keys", "comments"):
        assert published[part] == expected[part], part
    assert published["runs"] == [("r1", "published"), ("r2", "published")]  # the history carried


def test_after_a_publish_the_build_records_no_change_and_names_the_published_file(night):
    build, warehouse, manifest = night
    publish(build, warehouse, _record("r2"), manifest=manifest)
    st = warehouse.stat()
    with duckdb.connect(str(build), read_only=True) as con:
        assert con.execute("select count(*) from main.publish_changes").fetchone() == (0,)
        assert con.execute("select * from main.publish_basis").fetchall() == [
            (st.st_ino, st.st_size, st.st_mtime_ns)
        ]


def test_a_published_file_that_is_not_the_basis_gets_every_table(night, caplog):
    """The published file was replaced by another (restored from a backup, say): the recorded
    changes are not changes of it, so every table is written (November's row c2 deleted from the
    file by hand comes back)."""
    build, warehouse, manifest = night
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.fct_contacts where contact_id = 'c2'")
    with caplog.at_level(logging.INFO, logger="orchestration.publish.warehouse"):
        publish(build, warehouse, _record("r2"), manifest=manifest)
    assert "5 reader tables with keys and comments written" in caplog.text
    assert [r[0] for r in _contents(warehouse)["fct_contacts"]] == ["c1", "c2", "c3", "c5"]


def test_changes_that_do_not_fit_the_copy_fall_back_to_every_table(night, caplog):
    """A column added to the build since the basis: the copy cannot take the rows, so every
    table is written, and the run says why."""
    build, warehouse, manifest = night
    with duckdb.connect(str(build)) as con:
        con.execute("alter table marts.kpi_daily add column note varchar")
    with caplog.at_level(logging.INFO, logger="orchestration.publish.warehouse"):
        publish(build, warehouse, _record("r2"), manifest=manifest)
    assert "publishing every table: the changes since the published file were not applied" in caplog.text
    assert "kpi_daily has other columns in the build" in caplog.text
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert [c[0] for c in con.execute("describe marts.kpi_daily").fetchall()] == [
            "kpi_date",
            "contacts",
            "note",
        ]
    assert not list(warehouse.parent.glob(".wh.duckdb.publishing*"))


def test_a_change_that_breaks_a_key_publishes_nothing_and_names_the_table(night):
    """December's contact on channel 'fax', which dim_channel does not have: neither the copy nor
    the publish of every table takes it; the published file is left as it was."""
    build, warehouse, manifest = night
    with duckdb.connect(str(build)) as con:
        con.execute("insert into marts.fct_contacts values ('c6', date '2026-12-01', 'fax', 'k4', 1.00)")
    before = warehouse.read_bytes()
    with pytest.raises(PipelineError, match=r"marts\.fct_contacts breaks a key declared in its YAML.*fax"):
        publish(build, warehouse, _record("r2"), manifest=manifest)
    assert warehouse.read_bytes() == before
    assert not list(warehouse.parent.glob(".wh.duckdb.publishing*"))


def test_a_partition_not_recorded_is_not_copied(night):
    """What makes the night cheap is also its contract: only recorded partitions are written. A
    November row changed in the build without a record stays as published (the incremental
    strategy records every partition it replaces; nothing else writes the marts between publishes)."""
    build, warehouse, manifest = night
    with duckdb.connect(str(build)) as con:
        con.execute("update marts.fct_contacts set cost = 99 where contact_id = 'c1'")
    publish(build, warehouse, _record("r2"), manifest=manifest)
    assert _contents(warehouse)["fct_contacts"][0][-1] == 10.25


def test_a_repeated_key_is_named_and_nothing_is_published(tmp_path):
    """A contact id twice in the build: the publish of every table stops naming the table and the
    repeated key; nothing is written."""
    build, warehouse, manifest = (
        tmp_path / "build.duckdb",
        tmp_path / "wh.duckdb",
        _manifest(tmp_path / "m.json"),
    )
    _first_build(build)
    with duckdb.connect(str(build)) as con:
        con.execute("insert into marts.fct_contacts values ('c2', date '2026-12-01', 'phone', 'k1', 1.00)")
    with pytest.raises(
        PipelineError, match=r"marts\.fct_contacts breaks a key declared in its YAML.*duplicate key \"c2\""
    ):
        publish(build, warehouse, _record("r1"), manifest=manifest)
    assert not warehouse.exists()
    assert not list(tmp_path.glob(".wh.duckdb.publishing*"))


def test_a_key_checked_rather_than_declared_is_named_in_the_comment_and_not_an_index(night):
    """fct_cases and dim_customer declare primary_key_index: false: no PRIMARY KEY in the file
    (DuckDB would hold its index in memory), the key named in the table's comment instead; the
    other tables keep theirs."""
    build, warehouse, manifest = night
    publish(build, warehouse, _record("r2"), manifest=manifest)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        keyed = con.execute(
            "select table_name from duckdb_constraints() where constraint_type = 'PRIMARY KEY' "
            "and schema_name = 'marts'"
        ).fetchall()
        comments = dict(
            con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        )
    assert sorted(keyed) == [("dim_channel",), ("fct_contacts",)]
    assert comments["dim_customer"] == (
        "The dim_customer. Key: (customer_id), unique: checked each time the table is published, not "
        "declared as a PRIMARY KEY (DuckDB keeps a key's index in memory, and this table grows with the data)."
    )
    assert comments["fct_contacts"] == "The fct_contacts."


@pytest.mark.parametrize(
    "repeat",
    [
        # the night's December holds t1, which November holds: the copy's check sees it across months
        "insert into marts.fct_cases values ('t1', date '2026-12-01')",
        # twice in the rebuilt month
        "insert into marts.fct_cases values ('t3', date '2026-12-01')",
        # twice in the dimension rebuilt whole
        "insert into marts.dim_customer values ('k2', 'sme')",
    ],
    ids=["across-months", "within-the-month", "whole-table"],
)
def test_a_repeated_checked_key_is_named_and_nothing_is_published(night, repeat, caplog):
    """A key without an index is checked on what a night writes, and on every row when every
    table is written: the copy falls back, the publish of every table stops naming the table,
    the key and the repeated value, and the published file is left as it was."""
    build, warehouse, manifest = night
    with duckdb.connect(str(build)) as con:
        con.execute(repeat)
    table = "dim_customer" if "dim_customer" in repeat else "fct_cases"
    before = warehouse.read_bytes()
    with caplog.at_level(logging.INFO, logger="orchestration.publish.warehouse"):
        with pytest.raises(PipelineError, match=rf"marts\.{table} breaks its key \((case_id|customer_id)\)"):
            publish(build, warehouse, _record("r2"), manifest=manifest)
    assert f"{table}: more than one row has the key" in caplog.text  # the copy's own check
    assert warehouse.read_bytes() == before
    assert not list(warehouse.parent.glob(".wh.duckdb.publishing*"))
