"""The semantic layer (models/marts/_semantic_layer.yml) on the published sample warehouse.

MetricFlow turns each metric into its own SQL (sum the numerator, sum the denominator, divide);
the marts compute the same figures in the dbt models. Every metric is queried through
MetricFlow's engine, on the published file through the `published` profile target (what an
analyst's `mf query` uses), and must equal the marts: the mart's own ratio column where a mart
has the grain, else a ratio of sums computed here from the mart columns. The unit-cost columns
of the marts are rounded to 4 decimals, so those compare within half a unit of the 4th decimal;
the KPIs are unrounded doubles and compare within 1e-9.
"""

from __future__ import annotations

import os
import subprocess
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.build.dbt import dbt_executable
from orchestration.config import PROJECT_DIR

pytestmark = pytest.mark.slow

KPI_TOLERANCE = 1e-9
UNIT_COST_TOLERANCE = 0.5e-4 + 1e-9  # the marts round unit costs to 4 decimals

KPI_METRICS = [
    "aht_seconds",
    "asa_seconds",
    "abandonment_rate",
    "abandonment_excl_short_rate",
    "service_level_rate",
    "containment_rate",
    "fcr_rate",
    "repeat_rate",
    "csat_rate",
    "nps_points",
]
COST_METRICS = [
    "cost_per_interaction_amount",
    "cost_per_handled_interaction_amount",
    "cost_per_handle_minute_amount",
]
AGENT_METRICS = ["occupancy_rate", "shrinkage_rate"]


def published_env(settings) -> dict[str, str]:
    return {
        **os.environ,
        "CCW_WAREHOUSE": str(settings.warehouse),
        "CCW_DBT_TARGET": "published",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


@pytest.fixture(scope="module")
def semantic_manifest(published, tmp_path_factory) -> Path:
    """`dbt parse` with the published target: the semantic manifest names the published file's tables."""
    settings, _ = published
    target = tmp_path_factory.mktemp("semantic_target")
    env = {**published_env(settings), "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target)}
    proc = subprocess.run(
        [dbt_executable(), "parse", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    return target / "semantic_manifest.json"


@pytest.fixture(scope="module")
def metricflow(published, semantic_manifest):
    """MetricFlow's engine on the published file, as `mf query` builds it (dbt-metricflow's CLI setup)."""
    from dbt.adapters.factory import get_adapter_by_type
    from dbt_metricflow.cli.dbt_connectors.adapter_backed_client import AdapterBackedSqlClient
    from dbt_metricflow.cli.dbt_connectors.dbt_config_accessor import dbtProjectMetadata
    from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
    from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    settings, _ = published
    saved = dict(os.environ)
    os.environ.update(published_env(settings))
    try:
        project = dbtProjectMetadata.load_from_paths(profiles_path=PROJECT_DIR, project_path=PROJECT_DIR)
        adapter = get_adapter_by_type(project.profile.credentials.type)
        manifest = parse_manifest_from_dbt_generated_manifest(semantic_manifest.read_text())
        engine = MetricFlowEngine(
            semantic_manifest_lookup=SemanticManifestLookup(manifest),
            sql_client=AdapterBackedSqlClient(adapter),
        )

        def query(metrics: list[str], group_by: list[str]) -> list[dict]:
            result = engine.query(
                MetricFlowQueryRequest.create(metric_names=metrics, group_by_names=group_by)
            )
            table = result.result_df
            assert '"build"' not in result.sql  # the published file, never the private build file
            return [dict(zip(table.column_names, row, strict=True)) for row in table.rows]

        yield query
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def con(published):
    settings, _ = published
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        yield connection


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def assert_equal(actual, expected, tolerance: float, what: str) -> None:
    if expected is None:
        assert actual is None, f"{what}: expected null, got {actual}"
        return
    assert actual is not None, f"{what}: expected {expected}, got null"
    assert abs(float(actual) - float(expected)) <= tolerance * max(1.0, abs(float(expected))), (
        f"{what}: MetricFlow {actual} != marts {expected}"
    )


def compare(rows: list[dict], keys: list[str], expected: dict, metrics: list[str], tolerance: float) -> None:
    got = {tuple(_day(r[k]) for k in keys): r for r in rows}
    assert set(got) == set(expected), f"group keys differ: {set(got) ^ set(expected)}"
    for key, values in expected.items():
        for metric, value in zip(metrics, values, strict=True):
            assert_equal(got[key][metric], value, tolerance, f"{metric} {key}")


def test_unit_costs_by_month_and_channel_equal_fct_channel_costs_monthly(metricflow, con):
    rows = metricflow(COST_METRICS, ["metric_time__month", "channel"])
    expected = {
        (m, c): (a, b, d)
        for m, c, a, b, d in con.execute(
            f"select cost_month, channel, {', '.join(COST_METRICS)} from marts.fct_channel_costs_monthly"
        ).fetchall()
    }
    compare(rows, ["metric_time__month", "channel"], expected, COST_METRICS, UNIT_COST_TOLERANCE)


def test_cost_per_interaction_by_reason_equals_fct_contact_reason_costs_monthly(metricflow, con):
    rows = metricflow(
        ["cost_per_interaction_amount"], ["metric_time__month", "interaction__contact_reason", "channel"]
    )
    expected = {
        (m, r, c): (v,)
        for m, r, c, v in con.execute(
            "select cost_month, contact_reason, channel, cost_per_interaction_amount "
            "from marts.fct_contact_reason_costs_monthly"
        ).fetchall()
    }
    compare(
        rows,
        ["metric_time__month", "interaction__contact_reason", "channel"],
        expected,
        ["cost_per_interaction_amount"],
        UNIT_COST_TOLERANCE,
    )


def test_cost_per_interaction_by_segment_equals_the_cost_to_serve_mart(metricflow, con):
    """MetricFlow reaches the segment through dim_customer: interactions without a customer or with
    one the CRM lacks have no segment (null), where the mart says 'anonymous' and 'unknown'. The
    null group is therefore the sum of both, divided by the sum of their interactions."""
    rows = metricflow(["cost_per_interaction_amount"], ["metric_time__month", "customer__segment"])
    sums = defaultdict(lambda: [0, 0])
    for month, segment, cost, n in con.execute(
        "select cost_month, segment, total_cost_amount, interactions from marts.fct_cost_to_serve_segments_monthly"
    ).fetchall():
        key = (month, None if segment in ("anonymous", "unknown") else segment)
        sums[key][0] += cost
        sums[key][1] += n
    expected = {k: (cost / n,) for k, (cost, n) in sums.items()}
    compare(
        rows, ["metric_time__month", "customer__segment"], expected, ["cost_per_interaction_amount"], 1e-9
    )


def test_cost_per_interaction_by_team_is_the_ratio_of_sums(metricflow, con):
    rows = metricflow(["cost_per_interaction_amount", "interactions"], ["interaction__team"])
    expected = {
        (team,): (cost / n, n)
        for team, cost, n in con.execute(
            "select team, sum(total_cost_amount), count(*) from marts.fct_interactions group by team"
        ).fetchall()
    }
    compare(rows, ["interaction__team"], expected, ["cost_per_interaction_amount", "interactions"], 1e-9)


@pytest.mark.parametrize(
    "grain, mart, date_column",
    [("day", "fct_channel_kpis_daily", "kpi_date"), ("month", "fct_channel_kpis_monthly", "kpi_month")],
)
def test_kpis_by_channel_equal_the_channel_kpi_marts(metricflow, con, grain, mart, date_column):
    """The monthly mart divides the summed daily components, and so does MetricFlow at any grain;
    an average of the daily ratios would differ (checked on one KPI below)."""
    rows = metricflow(KPI_METRICS, [f"metric_time__{grain}", "channel"])
    expected = {
        (d, c): tuple(values)
        for d, c, *values in con.execute(
            f"select {date_column}, channel, {', '.join(KPI_METRICS)} from marts.{mart}"
        ).fetchall()
    }
    compare(rows, [f"metric_time__{grain}", "channel"], expected, KPI_METRICS, KPI_TOLERANCE)
    if grain == "month":
        averaged = con.execute(
            "select avg(service_level_rate) from marts.fct_channel_kpis_daily where channel = 'inbound_call'"
        ).fetchone()[0]
        summed = metricflow(["service_level_rate"], ["channel"])
        inbound = next(r["service_level_rate"] for r in summed if r["channel"] == "inbound_call")
        assert abs(inbound - averaged) > 1e-6  # the sample's days differ: the average of ratios is wrong


def test_occupancy_and_shrinkage_equal_fct_agent_daily_and_roll_up_by_team(metricflow, con):
    rows = metricflow(AGENT_METRICS, ["metric_time__day", "agent"])
    expected = {
        (d, a): (o, s)
        for d, a, o, s in con.execute(
            "select activity_date, agent_id, occupancy_rate, shrinkage_rate from marts.fct_agent_daily"
        ).fetchall()
    }
    compare(rows, ["metric_time__day", "agent"], expected, AGENT_METRICS, KPI_TOLERANCE)
    by_team = metricflow(AGENT_METRICS, ["metric_time__month", "agent__team"])
    expected = {
        (m, team): (
            None if occ_den == 0 else occ_num / occ_den,
            None if paid == 0 else shrink / paid,
        )
        for m, team, occ_num, occ_den, shrink, paid in con.execute(
            """select date_trunc('month', f.activity_date)::date, a.team, sum(f.occupancy_numerator_seconds),
                      sum(f.occupancy_denominator_seconds), sum(f.shrinkage_seconds), sum(f.paid_seconds)
               from marts.fct_agent_daily f left join marts.dim_agent a using (agent_id) group by all"""
        ).fetchall()
    }
    compare(by_team, ["metric_time__month", "agent__team"], expected, AGENT_METRICS, KPI_TOLERANCE)


def test_mf_validates_the_configs_and_the_query_an_analyst_types_runs(published, semantic_manifest, tmp_path):
    """The README's commands: `mf validate-configs` and `mf query` with the published target, from
    the project directory. mf reads target/semantic_manifest.json there, which `dbt parse` with the
    same target writes."""
    settings, _ = published
    env = published_env(settings)
    for private in (
        "DBT_TARGET_PATH",
        "DBT_LOG_PATH",
    ):  # mf reads <project>/target, as an analyst's shell has it
        env.pop(private, None)
    target = PROJECT_DIR / "target"
    parse = subprocess.run(
        [dbt_executable(), "parse", "--quiet"], env=env, cwd=PROJECT_DIR, capture_output=True, text=True
    )
    assert parse.returncode == 0, parse.stdout[-2000:]
    assert (target / "semantic_manifest.json").exists()
    mf = Path(dbt_executable()).with_name("mf")
    validate = subprocess.run(
        [str(mf), "validate-configs"], env=env, cwd=PROJECT_DIR, capture_output=True, text=True
    )  # the semantic checks and the checks against the published file
    assert validate.returncode == 0, validate.stdout[-3000:] + validate.stderr[-2000:]
    assert "ERRORS: 0" in validate.stdout and "ERRORS: 1" not in validate.stdout
    out = tmp_path / "out.csv"
    proc = subprocess.run(
        [
            str(mf),
            "query",
            "--metrics",
            "cost_per_interaction_amount",
            "--group-by",
            "metric_time__month,channel",
            "--csv",
            str(out),
        ],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    header, *lines = out.read_text().splitlines()
    assert header.split(",") == ["metric_time__month", "channel", "cost_per_interaction_amount"]
    assert len(lines) >= 9
