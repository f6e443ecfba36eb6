"""Publish a night's changes: the published file copied, and what the build changed since written into it.

A night rebuilds one or two months of the month-partitioned marts; copying every reader table
with its keys again (warehouse.py) costs a minute at ten million interactions, almost all of it
for rows that did not change. The build file therefore records what changed since the published
file was written (docs/decisions/performance.md P20):

  main.publish_changes  one row per partition an incremental model replaced (schema, table,
                        partition as text), written by its incremental strategy in the same dbt
                        run (macros/incremental.sql, record_replaced_partitions)
  main.publish_basis    the published file those changes are relative to: its inode, size and
                        mtime, written by the publish that wrote it (record_published)

When the published file is still the basis, publishing copies it beside itself (a sequential
file copy) and brings the copy to the build's state, table by table:

  a month-partitioned table   the replaced partitions' rows deleted, the build's rows of those
                              partitions inserted
  any other table with a key  the keys the build no longer has deleted, the rows that are new or
                              differ (build EXCEPT copy) inserted or replaced (a key without an
                              index: the rows of the keys that changed deleted, then inserted)
  any other table             emptied and filled again

A key without an index (schema.py, primary_key_index) is checked on the rows written.

Deletes run before inserts, referencing tables before the tables they reference, so the foreign
keys hold at every step (DuckDB checks them on every statement). The copy then holds exactly the
build's reader rows: every table's row count is compared with the build's, and any failure
(a changed column, a key the copy refuses, a count that differs) falls back to writing every
table (warehouse.py), which names the table when a key really breaks.

A full refresh starts from a new build file (build/plan.py), which has no basis; a full refresh
run by hand forgets it (macros/incremental.sql, forget_publish_basis). Both tables are private:
they stay in the build file.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.errors import PipelineError
from orchestration.publish.schema import ReaderTable, duplicate_key, table_columns
from orchestration.sql import ident, sql_string

log = logging.getLogger(__name__)

CHANGES_TABLE = "publish_changes"
BASIS_TABLE = "publish_basis"
CHANGES_DDL = f"""
create table if not exists {{catalog}}.main.{CHANGES_TABLE} (
    schema_name varchar not null,
    table_name varchar not null,
    partition_value varchar
)
"""
BASIS_DDL = f"""
create table if not exists {{catalog}}.main.{BASIS_TABLE} (
    published_inode bigint not null,
    published_size bigint not null,
    published_mtime_ns bigint not null
)
"""


class NotTheBuild(PipelineError):
    """The copy brought up to date does not hold the build's reader rows."""


def prepare_build_log(con: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """Create the change record in the build file attached to `con` as `catalog` (before dbt writes)."""
    con.execute(CHANGES_DDL.format(catalog=catalog))
    con.execute(BASIS_DDL.format(catalog=catalog))


def identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def has_basis(con: duckdb.DuckDBPyConnection, build: str, warehouse: Path) -> bool:
    """True when the build file (attached to `con` as catalog `build`) records its changes since
    `warehouse` as it is now."""
    published = identity(warehouse)
    if published is None:
        return False
    try:
        rows = con.execute(
            f"select published_inode, published_size, published_mtime_ns from {build}.main.{BASIS_TABLE}"
        ).fetchall()
    except duckdb.CatalogException:  # a build file written before it recorded its changes
        return False
    return rows == [published]


def record_published(build_db: Path, warehouse: Path) -> None:
    """After `warehouse` was renamed into place: it is the basis, and nothing has changed since.
    Until this commits, the basis is the previous file, which no longer is the published one, so
    a run killed in between publishes every table next time."""
    published = identity(warehouse)
    with duckdb.connect(str(build_db)) as con:
        prepare_build_log(con, con.execute("select current_database()").fetchone()[0])
        con.execute("begin")
        con.execute(f"delete from main.{CHANGES_TABLE}")
        con.execute(f"delete from main.{BASIS_TABLE}")
        con.execute(f"insert into main.{BASIS_TABLE} values (?, ?, ?)", list(published))
        con.execute("commit")


def copy_file(source: Path, target: Path) -> None:
    """A byte copy of `source` to a new file `target` (in the kernel: copy_file_range)."""
    with open(source, "rb") as src, open(target, "xb") as dst:
        remaining = os.fstat(src.fileno()).st_size
        while remaining > 0:
            copied = os.copy_file_range(src.fileno(), dst.fileno(), remaining)
            if copied == 0:
                break
            remaining -= copied


@dataclass(frozen=True)
class _Relations:
    table: ReaderTable
    copy: str  # the table in the copy of the published file
    build: str  # the table in the build file
    replaced: str  # the partitions of this table replaced since the basis (a subquery)


def apply_changes(con: duckdb.DuckDBPyConnection, build: str, copy: str, tables: list[ReaderTable]) -> None:
    """Bring the reader tables of catalog `copy` (a copy of the basis) to the state of catalog
    `build`, `tables` in dependency order (reader_tables). Raises NotTheBuild or duckdb.Error."""
    relations = []
    for table in tables:
        built = table_columns(con, build, table.schema, table.name)
        if not built or table_columns(con, copy, table.schema, table.name) != built:
            raise NotTheBuild(f"{table.schema}.{table.name} has other columns in the build")
        name = f"{table.schema}.{ident(table.name)}"
        replaced = (
            f"select partition_value from {build}.main.{CHANGES_TABLE} "
            f"where schema_name = {sql_string(table.schema)} and table_name = {sql_string(table.name)}"
        )
        relations.append(_Relations(table, f"{copy}.{name}", f"{build}.{name}", replaced))
    for r in reversed(relations):  # referencing tables first
        _delete(con, r)
    for r in relations:  # referenced tables first
        _insert(con, r)
    for r in relations:
        if r.table.primary_key and not r.table.primary_key_index:
            scope = _in_replaced(r) if r.table.partition_expression else None
            duplicate = duplicate_key(con, r.copy, r.table.primary_key, scope)
            if duplicate is not None:
                raise NotTheBuild(
                    f"{r.table.schema}.{r.table.name}: more than one row has the key {duplicate}"
                )
    for r in relations:
        in_copy, in_build = (
            con.execute(f"select count(*) from {rel}").fetchone()[0] for rel in (r.copy, r.build)
        )
        if in_copy != in_build:
            raise NotTheBuild(
                f"{r.table.schema}.{r.table.name}: {in_copy} rows in the copy, {in_build} in the build"
            )


def _in_replaced(r: _Relations) -> str:
    return f"cast(({r.table.partition_expression}) as varchar) in ({r.replaced})"


def _key_match(r: _Relations, left: str, right: str) -> str:
    return " and ".join(f"{left}.{ident(c)} = {right}.{ident(c)}" for c in r.table.primary_key)


def _delete(con: duckdb.DuckDBPyConnection, r: _Relations) -> None:
    if r.table.partition_expression:
        con.execute(f"delete from {r.copy} where {_in_replaced(r)}")
    elif r.table.primary_key:
        keys = ", ".join(map(ident, r.table.primary_key))
        # keys the build no longer has; without an index (no insert or replace) also the keys of
        # the rows that changed, whose new rows _insert writes
        gone = (
            f"select {keys} from {r.copy} except select {keys} from {r.build}"
            if r.table.primary_key_index
            else f"select {keys} from (select * from {r.copy} except select * from {r.build})"
        )
        con.execute(f"delete from {r.copy} as t using ({gone}) as gone where {_key_match(r, 't', 'gone')}")
    else:
        con.execute(f"delete from {r.copy}")


def _insert(con: duckdb.DuckDBPyConnection, r: _Relations) -> None:
    if r.table.partition_expression:
        con.execute(f"insert into {r.copy} select * from {r.build} where {_in_replaced(r)}")
    elif r.table.primary_key:
        replace = "or replace " if r.table.primary_key_index else ""
        con.execute(
            f"insert {replace}into {r.copy} select * from (select * from {r.build} except select * from {r.copy})"
        )
    else:
        con.execute(f"insert into {r.copy} select * from {r.build}")
