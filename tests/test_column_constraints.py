"""The rules of a model's columns: `constraints:` on each column (`not_null`, and `check` with an
expression that a null result passes, as in SQL), and one `column_constraints` data test per model
that checks them all in one query (macros/tests/generic.sql, docs/decisions/performance.md P23)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import yaml
from conftest import run_dbt

from orchestration.config import PROJECT_DIR

COLUMN_TESTS_NOW_CONSTRAINTS = {"not_null", "accepted_range", "accepted_values"}


def _models() -> list[tuple[Path, dict]]:
    found = []
    for path in sorted((PROJECT_DIR / "models").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            found.append((path, model))
    return found


def _name(test: str | dict) -> str:
    return test if isinstance(test, str) else next(iter(test))


def _config(test: str | dict) -> dict:
    return {} if isinstance(test, str) else test[_name(test)].get("config") or {}


def test_every_model_with_column_constraints_declares_the_test_and_no_column_keeps_the_old_tests():
    """A constraint without the model's test would be checked by nothing (dbt enforces none
    without a contract); a column test beside it would check it twice. A rule with a config (a
    `where`, a `warn` severity) stays a test: a constraint holds on every row, or the run stops."""
    models = _models()
    assert len(models) > 50
    for path, model in models:
        constrained = [
            c["name"]
            for c in model.get("columns") or []
            if any(k.get("type") in ("not_null", "check") for k in c.get("constraints") or [])
        ]
        declares = "column_constraints" in {_name(t) for t in model.get("data_tests") or []}
        assert declares == bool(constrained), f"{path.name}: {model['name']}"
        for column in model.get("columns") or []:
            for test in column.get("data_tests") or []:
                assert _name(test) not in COLUMN_TESTS_NOW_CONSTRAINTS or _config(test), (
                    f"{path.name}: {model['name']}.{column['name']}: {_name(test)} is a constraint"
                )


def _dbt_test(settings, build: Path, target: Path, *select: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **settings.dbt_env(),
        "CCW_BUILD_DB": str(build),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target),
    }
    return run_dbt(["test", "--select", *select, "--store-failures"], env)


def test_the_test_names_each_broken_rule_with_its_count_and_fails(published, tmp_path):
    """Two marts of the sample, broken by hand:
    - fct_channel_kpis_monthly: `channel` null on 2 rows (not_null); `abandonment_rate` 1.5 on
      1 row and null on another (the null passes `between 0 and 1`); `service_level_rate` -0.1 on
      1 row. `kpi_month`, also constrained, is untouched.
    - fct_cost_allocation: `unallocated_reason` 'mystery' on 1 row (not in its accepted list).
    Each test fails, with one row for each broken rule and its count."""
    settings, _ = published
    build = tmp_path / "build.duckdb"
    shutil.copy(settings.build_db, build)
    with duckdb.connect(str(build)) as con:
        kpis = [
            r
            for (r,) in con.execute(
                "select rowid from marts.fct_channel_kpis_monthly order by rowid limit 4"
            ).fetchall()
        ]
        con.execute(
            f"update marts.fct_channel_kpis_monthly set channel = null where rowid in ({kpis[0]}, {kpis[1]})"
        )
        con.execute(
            f"update marts.fct_channel_kpis_monthly set abandonment_rate = 1.5 where rowid = {kpis[2]}"
        )
        con.execute(
            f"update marts.fct_channel_kpis_monthly set abandonment_rate = null where rowid = {kpis[3]}"
        )
        con.execute(
            f"update marts.fct_channel_kpis_monthly set service_level_rate = -0.1 where rowid = {kpis[3]}"
        )
        (allocation,) = con.execute("select min(rowid) from marts.fct_cost_allocation").fetchone()
        con.execute(
            f"update marts.fct_cost_allocation set unallocated_reason = 'mystery' where rowid = {allocation}"
        )
    proc = _dbt_test(
        settings,
        build,
        tmp_path / "target",
        "fct_channel_kpis_monthly,test_name:column_constraints",
        "fct_cost_allocation,test_name:column_constraints",
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "Got 3 results" in proc.stdout and "Got 1 result" in proc.stdout
    with duckdb.connect(str(build), read_only=True) as con:
        tables = dict(
            con.execute(
                "select table_name, schema_name || '.' || table_name from duckdb_tables() "
                "where table_name like 'column_constraints_%'"
            ).fetchall()
        )
        kpi_rows = con.execute(
            f"select * from {tables['column_constraints_fct_channel_kpis_monthly_']} order by column_name"
        ).fetchall()
        allocation_rows = con.execute(
            f"select * from {tables['column_constraints_fct_cost_allocation_']}"
        ).fetchall()
    assert kpi_rows == [
        ("abandonment_rate", "check: abandonment_rate between 0 and 1", 1),
        ("channel", "not_null", 2),
        ("service_level_rate", "check: service_level_rate between 0 and 1", 1),
    ]
    reasons = (
        '"no_driver_activity", "no_driver_configured", "account_not_mapped", "cost_center_not_mapped", '
        '"account_and_cost_center_not_mapped", "no_cost_center"'
    )
    assert allocation_rows == [("unallocated_reason", f"check: unallocated_reason in ({reasons})", 1)]
