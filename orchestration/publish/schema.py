"""What the published file holds for its readers: which tables, their comments and their keys.

Readers (analysts, BI tools) get the marts and dimensions (`marts`), the rows set aside
(`quarantine`) and the run history (`meta`, written by warehouse.py). Staging, intermediate
models and seeds stay in the private build file (docs/DECISIONS.md, D16).

Everything here comes from the dbt manifest of the build, so the YAML beside the models is
the one place a table is described:
- the model and column descriptions become `COMMENT ON` table and column comments, which
  DuckDB clients (1.4 included) show in `duckdb_tables()` / `duckdb_columns()` and BI tools
  show beside the names;
- the model-level `constraints:` (primary_key, foreign_key to a dimension) become the
  tables' PRIMARY KEY and FOREIGN KEY. DuckDB enforces them when the rows are inserted, so
  a published file whose keys do not hold is never written. They are declared here, on
  the published copy, and not in the build: the incremental models delete and insert rows
  and the dimensions are rebuilt every night, which a foreign key would forbid.
- a model whose rows grow with the interactions or the customers says `meta:
  primary_key_index: false`: DuckDB builds a key's index in memory, which a hundred million
  keys do not fit (docs/decisions/performance.md P21). Its key is then checked by a query
  when the table is published (duplicate_key) and named in the table's comment, not declared.
"""

from __future__ import annotations

import graphlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.errors import PipelineError
from orchestration.sql import ident, sql_string

# dbt schemas published for readers (meta is written by warehouse.py itself).
READER_SCHEMAS = ("marts", "quarantine")

# meta is not a dbt model: its descriptions live here, beside nothing else.
META_DESCRIPTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "run_log": (
        "One row per publish of this warehouse: when the run started and finished, what it read and "
        "what it set aside. The latest row says how fresh the data is.",
        {
            "run_id": "Run id: start time (UTC, yyyymmddThhmmssZ) and the first 8 characters of the Dagster run id.",
            "started_at": "When the run started, naive UTC.",
            "finished_at": "When this warehouse was published, naive UTC.",
            "landing_dir": "The landing directory the run read.",
            "files_read": "Landing files loaded in the raw layer after the run, all sources (source_files).",
            "source_files": "JSON object: source -> its loaded landing files.",
            "rows_per_source": "JSON object: source -> raw rows of its landing files.",
            "status": "published (a run that stops publishes nothing and writes no row).",
            "rows_quarantined": "Rows set aside in quarantine.rejected_rows by this run.",
            "checks_passed": "Data-quality expectations met (meta.quality_results).",
            "checks_failed": "Expectations not met whose action only warns (a stopping one never publishes).",
            "default_pii_salt": "True when personal data was hashed with the public default salt "
            "(CCW_PII_SALT not set): the hash of a known phone number or e-mail address can be recomputed.",
            "fewer_rows_accepted": "JSON object: source -> [rows before, rows now, how accepted] for each source "
            "with fewer landing rows than the run before, published because the operator accepted it "
            "(accept_fewer_rows: `ccw run --accept-fewer-rows`; retired_sources: CCW_RETIRED_SOURCES); "
            "null when no source lost rows.",
            "rejections_accepted": "JSON object, null unless the run published above a rejection limit "
            "(ccw run --accept-rejections): source -> rejected, rows (of the files the run loaded), share, "
            "limit (quality_policy.yml rejection_limits).",
        },
    ),
    "quality_results": (
        "Every data-quality expectation (Great Expectations suites raw, staging, marts) of every published "
        "run, with what a failure does (quality_policy.yml).",
        {
            "run_id": "Run (meta.run_log.run_id).",
            "checked_at": "When the suite ran, naive UTC.",
            "layer": "raw, staging or marts.",
            "suite": "Great Expectations suite.",
            "expectation": "Expectation type and the column or key it checks.",
            "rule": "Rule of quality_policy.yml the expectation checks.",
            "action": "What a failure does: stop (nothing is published), quarantine (rows set aside) or warn.",
            "success": "True when the expectation was met.",
            "observed_value": "What was observed, e.g. 'all 64 files pass' or '3 of 64 files fail'.",
            "details": "JSON list of {where, what} for the failing files, rows or keys.",
        },
    ),
}
META_PRIMARY_KEYS = {"run_log": ("run_id",)}


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    table: str  # the referenced table, in the same schema
    to_columns: tuple[str, ...]


@dataclass
class ReaderTable:
    schema: str
    name: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)  # column -> description
    primary_key: tuple[str, ...] = ()
    # False: the primary key is checked when published, not declared (no index; module docstring)
    primary_key_index: bool = True
    foreign_keys: tuple[ForeignKey, ...] = ()
    # an incremental model's partition of a row (SQL over its columns), whose partitions a night
    # replaces (macros/incremental.sql); None for a model rebuilt whole every run
    partition_expression: str | None = None


def load_manifest(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise PipelineError(f"cannot read the dbt manifest {path}: {exc}") from exc


_REF = re.compile(r"""^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$""")


def _referenced_alias(to: str, alias: dict[str, str]) -> str | None:
    """The alias of the model a foreign key's `to` names: ref('model') as written in the YAML
    (a parsed manifest), or the relation "database"."schema"."alias" (a compiled one)."""
    match = _REF.match(to)
    if match:
        return alias.get(match.group(1))
    last = to.rsplit(".", 1)[-1].strip().strip('"')
    return last if last in alias.values() else None


def reader_tables(manifest: dict) -> list[ReaderTable]:
    """The models the published file holds for readers, with descriptions and keys, in dependency
    order (a table comes after the tables its foreign keys reference)."""
    models = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] in READER_SCHEMAS
    }
    alias = {name: node.get("alias") or name for name, node in models.items()}
    schema_of = {alias[name]: node["schema"] for name, node in models.items()}
    tables: dict[str, ReaderTable] = {}
    for name, node in models.items():
        primary_key: tuple[str, ...] = ()
        foreign_keys = []
        for constraint in node.get("constraints") or []:
            if constraint["type"] == "primary_key":
                primary_key = tuple(constraint["columns"])
            elif constraint["type"] == "foreign_key":
                target = _referenced_alias(constraint.get("to") or "", alias)
                if target is None or schema_of[target] != node["schema"]:
                    raise PipelineError(
                        f"{name}: foreign key {constraint['columns']} must reference a published model of schema "
                        f"{node['schema']} as to: ref('<model>') (got {constraint.get('to')!r})"
                    )
                foreign_keys.append(
                    ForeignKey(tuple(constraint["columns"]), target, tuple(constraint["to_columns"]))
                )
        config = node.get("config") or {}
        tables[alias[name]] = ReaderTable(
            schema=node["schema"],
            name=alias[name],
            description=(node.get("description") or "").strip(),
            columns={c: (v.get("description") or "").strip() for c, v in node.get("columns", {}).items()},
            primary_key=primary_key,
            primary_key_index=(config.get("meta") or {}).get("primary_key_index", True) is not False,
            foreign_keys=tuple(foreign_keys),
            partition_expression=config.get("partition_expression")
            if config.get("materialized") == "incremental"
            else None,
        )
    order = graphlib.TopologicalSorter({t.name: {fk.table for fk in t.foreign_keys} for t in tables.values()})
    return [tables[name] for name in order.static_order()]


def table_comment(table: ReaderTable) -> str:
    """The table's description, and its key when the key is checked rather than declared."""
    if not table.primary_key or table.primary_key_index:
        return table.description
    key = ", ".join(table.primary_key)
    return (
        f"{table.description} Key: ({key}), unique: checked each time the table is published, not "
        "declared as a PRIMARY KEY (DuckDB keeps a key's index in memory, and this table grows with the data)."
    ).strip()


def duplicate_key(
    con: duckdb.DuckDBPyConnection, relation: str, key: tuple[str, ...], scope: str | None = None
) -> tuple | None:
    """A value of `key` that two rows of `relation` hold, or None. With `scope` (a condition over
    the rows, e.g. the partitions just written), only values held by a row in scope are looked
    for: the other rows were checked when they were written. Aggregates and joins spill to disk,
    which an index does not."""
    keys = ", ".join(map(ident, key))
    if scope is None:
        sql = f"select {keys} from {relation} group by all having count(*) > 1 limit 1"
    else:
        sql = (
            f"select {keys} from {relation} where {scope} group by all having count(*) > 1 union all "
            # the rows out of scope, many, stream past a hash of the keys in scope
            f"select {keys} from (select {keys} from {relation} where ({scope}) is not true) "
            f"semi join (select {keys} from {relation} where {scope}) using ({keys}) limit 1"
        )
    return con.execute(sql).fetchone()


def comment(con: duckdb.DuckDBPyConnection, relation: str, description: str, columns: dict[str, str]) -> None:
    """COMMENT ON the table `relation` (catalog.schema."table") and its described columns."""
    if description:
        con.execute(f"comment on table {relation} is {sql_string(description)}")
    for column, text in columns.items():
        if text:
            con.execute(f"comment on column {relation}.{ident(column)} is {sql_string(text)}")


def table_columns(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
) -> list[tuple[str, str]]:
    """(name, type) of each column of catalog.schema.table, in order; [] when there is no such table."""
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [catalog, schema, table],
    ).fetchall()


def copy_reader_table(con: duckdb.DuckDBPyConnection, source: str, target: str, table: ReaderTable) -> None:
    """Create `target`.schema.table with the build table's columns and the declared keys, fill it
    from `source`, and comment it. A row that breaks a key stops the publish with the table named."""
    columns = table_columns(con, source, table.schema, table.name)
    if not columns:
        raise PipelineError(
            f"the build has no table {table.schema}.{table.name}; the published warehouse is unchanged"
        )
    names = {c for c, _ in columns}
    undescribed = [c for c in table.columns if c not in names]
    if undescribed:
        raise PipelineError(
            f"{table.schema}.{table.name}: columns described in the YAML but not built: {undescribed}"
        )
    parts = [f"{ident(c)} {t}" for c, t in columns]
    if table.primary_key and table.primary_key_index:
        # Declared with the table, so the index is filled row by row as the rows go in. Declaring
        # it after the insert builds it faster but from all keys at once, about 1 GB more at 10
        # million interactions: over the run's memory budget (performance.md P20).
        parts.append(f"primary key ({', '.join(map(ident, table.primary_key))})")
    for fk in table.foreign_keys:
        parts.append(
            f"foreign key ({', '.join(map(ident, fk.columns))}) "
            f"references {ident(fk.table)} ({', '.join(map(ident, fk.to_columns))})"
        )
    relation = f"{target}.{table.schema}.{ident(table.name)}"
    con.execute(f"create table {relation} ({', '.join(parts)})")
    try:
        con.execute(f"insert into {relation} select * from {source}.{table.schema}.{ident(table.name)}")
    except duckdb.ConstraintException as exc:
        raise PipelineError(
            f"{table.schema}.{table.name} breaks a key declared in its YAML ({exc}); "
            "the published warehouse is unchanged"
        ) from exc
    if table.primary_key and not table.primary_key_index:
        duplicate = duplicate_key(con, relation, table.primary_key)
        if duplicate is not None:
            raise PipelineError(
                f"{table.schema}.{table.name} breaks its key ({', '.join(table.primary_key)}) declared in its "
                f"YAML: more than one row has {duplicate}; the published warehouse is unchanged"
            )
    comment(con, relation, table_comment(table), table.columns)
