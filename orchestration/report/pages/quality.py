"""Data quality of the run: landing rows per source, rows quarantined per source and rule, the
data-quality checks of the run by layer, and the recent runs (meta.run_log,
meta.quality_results, quarantine.rejected_rows)."""

from __future__ import annotations

import json

from orchestration.report.blocks import Figure, Page, TableBlock, table_of
from orchestration.report.pages.common import absent, chart, pivot, table_chart
from orchestration.report.source import Period, ReportSource

RUN_LOG = "meta.run_log"
RESULTS = "meta.quality_results"
QUARANTINE = "quarantine.rejected_rows"

RUNS_SQL = f"""
select run_id, finished_at, files_read, rows_per_source, rows_quarantined, checks_passed, checks_failed
from {RUN_LOG}
order by finished_at desc
limit 10
"""

QUARANTINE_SQL = f"""
select source, rule, count(*) as rows
from {QUARANTINE}
group by all
order by source, rows desc, rule
"""

CHECKS_SQL = f"""
select layer,
       sum(case when success then 1 else 0 end) as passed,
       sum(case when success then 0 else 1 end) as failed
from {RESULTS}
where run_id = ?
group by layer
"""

FAILED_SQL = f"""
select layer, rule, action, expectation, observed_value
from {RESULTS}
where run_id = ? and not success
order by layer, rule, expectation
"""

LAYERS = ("raw", "staging", "marts")


def quality_page(source: ReportSource, period: Period) -> Page:
    run_missing = absent(source, RUN_LOG, RESULTS)
    runs = [] if run_missing else source.rows(RUNS_SQL)
    run = runs[0] if runs else {}
    run_text = f"run {run['run_id']}, published {run['finished_at']:%Y-%m-%d %H:%M} UTC" if run else "no run"

    read = json.loads(run["rows_per_source"]) if run.get("rows_per_source") else {}
    quarantine_missing = absent(source, QUARANTINE)
    quarantined = [] if quarantine_missing else source.rows(QUARANTINE_SQL)
    by_source: dict[str, int] = {}
    for r in quarantined:
        by_source[r["source"]] = by_source.get(r["source"], 0) + r["rows"]
    sources = [s for s in read if read[s] or by_source.get(s)] + sorted(set(by_source) - set(read))
    landing = [
        {
            "source": s,
            "read": read.get(s),
            "quarantined": by_source.get(s, 0),
            "accepted": None if read.get(s) is None else read[s] - by_source.get(s, 0),
        }
        for s in sources
    ]
    rules = sorted({r["rule"] for r in quarantined})
    rule_labels, rule_series = pivot(quarantined, "source", "rule", "rows", rules)

    checks = source.rows(CHECKS_SQL, [run["run_id"]]) if run else []
    checks.sort(key=lambda r: (LAYERS.index(r["layer"]) if r["layer"] in LAYERS else len(LAYERS), r["layer"]))
    failed = source.rows(FAILED_SQL, [run["run_id"]]) if run else []

    return Page(
        "quality",
        "Data quality of the run",
        [
            Figure("rows_read", "Landing rows loaded", sum(read.values()) if read else None, "int"),
            Figure("rows_quarantined", "Rows quarantined", run.get("rows_quarantined"), "int"),
            Figure("checks_passed", "Checks passed", run.get("checks_passed"), "int"),
            Figure("checks_failed", "Checks failed (warn only)", run.get("checks_failed"), "int"),
            table_chart(
                "landing_rows",
                "Landing rows per source: accepted and quarantined",
                f"every landing file loaded, as of {run_text}",
                "rows",
                "hbar" if len(landing) > 1 else "bar",
                table_of(
                    landing,
                    [
                        ("source", "text", "source"),
                        ("rows read", "int", "read"),
                        ("accepted", "int", "accepted"),
                        ("quarantined", "int", "quarantined"),
                    ],
                ),
                ["accepted", "quarantined"],
                definition="rows read: meta.run_log.rows_per_source (the raw layer, every landing file "
                "loaded); quarantined: rows of quarantine.rejected_rows; accepted = read - quarantined "
                "(staged, or superseded by a later version of the same record).",
                empty=run_missing or quarantine_missing or ("" if landing else "No landing rows."),
            ),
            chart(
                "quarantine_by_rule",
                "Rows quarantined per source and rule",
                f"every landing file loaded, as of {run_text}",
                "rows",
                "stacked",
                rule_labels,
                rule_series,
                "int",
                label_header="source",
                definition="quarantine.rejected_rows: each row set aside with its file, row number, rule and "
                "detail; query it for the rows themselves.",
                empty=quarantine_missing or ("" if quarantined else "No row was quarantined."),
            ),
            table_chart(
                "checks_by_layer",
                "Data-quality checks of the run by layer",
                run_text,
                "checks (expectations)",
                "stacked",
                table_of(
                    checks,
                    [("layer", "text", "layer"), ("passed", "int", "passed"), ("failed", "int", "failed")],
                ),
                ["passed", "failed"],
                definition="meta.quality_results of the run: Great Expectations suites raw, staging and marts "
                "(quality_policy.yml). A published run has no failed check that stops; the failures "
                "counted here only warn.",
                empty=run_missing,
            ),
            TableBlock(
                "failed_checks",
                "Checks that failed (warnings)",
                run_text,
                table_of(
                    failed,
                    [
                        ("layer", "text", "layer"),
                        ("rule", "text", "rule"),
                        ("action", "text", "action"),
                        ("expectation", "text", "expectation"),
                        ("observed", "text", "observed_value"),
                    ],
                ),
                empty=run_missing or ("" if failed else "Every check passed."),
            ),
            TableBlock(
                "recent_runs",
                "Recent runs",
                "the last 10 published runs",
                table_of(
                    runs,
                    [
                        ("run", "text", "run_id"),
                        ("published (UTC)", "text", lambda r: f"{r['finished_at']:%Y-%m-%d %H:%M:%S}"),
                        ("files read", "int", "files_read"),
                        ("rows quarantined", "int", "rows_quarantined"),
                        ("checks passed", "int", "checks_passed"),
                        ("checks failed", "int", "checks_failed"),
                    ],
                ),
                definition="meta.run_log, newest first.",
                empty=run_missing or ("" if runs else "No run published yet."),
            ),
        ],
    )
