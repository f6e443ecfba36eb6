"""Data-quality gates: the suites inside the pipeline, `ccw check`, the policy, and a defective delivery.

`defective_run` is one full run on the small sample generated with
`--defect-rate 0.02`: every injected defect (the generator's manifest) must end
in quarantine with its rule, and every other row must reach staging and the marts.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace

import duckdb
import pytest
from conftest import SMALL, make_settings

from orchestration.cli import main
from orchestration.contract import SOURCES
from orchestration.pipeline import run
from orchestration.quality.checks import check_layer
from orchestration.quality.metrics import INTERACTION_KEYS
from orchestration.quality.policy import PolicyError, load_policy

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------- inside the pipeline
def test_every_layer_is_checked_and_the_results_are_published(published):
    settings, summary = published
    assert [layer.layer for layer in summary.quality] == ["raw", "staging", "marts"]
    assert all(layer.passed for layer in summary.quality)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute(
            "select layer, suite, expectation, rule, action, success, observed_value "
            "from meta.quality_results where run_id = ?",
            [summary.run_id],
        ).fetchall()
    suites = {r[1] for r in rows}
    assert {
        "raw.files",
        "raw.rows",
        "staging.keys",
        "staging.references",
        "staging.lineage",
        "staging.rejections",
        "marts.reconciliation",
        "marts.rates",
        "marts.totals",
        "marts.row_counts",
    } <= suites
    assert len(rows) == sum(len(layer.results) for layer in summary.quality)
    assert all(success for *_, success, _ in rows)  # the clean sample passes every expectation
    observed = {(r[1], r[2]): r[6] for r in rows}
    files = len([p for p in settings.landing_dir.glob("*/*.csv")])
    assert (
        observed[("raw.files", "expect_column_values_to_not_be_in_set(file_rule)")]
        == f"all {files} files pass"
    )
    index = settings.work_dir / "data_docs" / "index.html"
    assert index.exists() and summary.run_id in index.read_text()
    text = summary.render()
    assert "Quarantined rows (quarantine.rejected_rows): 0" in text
    assert "marts: 11/11 expectations met" in text


def test_ccw_check_runs_the_suites_alone(published, monkeypatch, capsys):
    settings, _ = published
    monkeypatch.setenv("CCW_LANDING_DIR", str(settings.landing_dir))
    monkeypatch.setenv("CCW_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("CCW_THREADS", "2")
    before = settings.build_db.stat().st_mtime_ns
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    # raw: 1 (every source delivered) + 11 file rules + 11 row rules of landing_contract.yml
    assert "raw: 23/23 expectations met" in out
    assert "staging: " in out and "marts: " in out
    assert "ccw check: no stopping failure" in out
    assert settings.build_db.stat().st_mtime_ns == before  # read-only on the build file


def test_ccw_check_exits_non_zero_on_a_stopping_failure(published, tmp_path, monkeypatch, capsys):
    settings, _ = published
    work = replace(settings, warehouse=tmp_path / "wh" / "contact_cost.duckdb")
    work.work_dir.mkdir(parents=True)
    shutil.copy(settings.build_db, work.build_db)
    with duckdb.connect(str(work.build_db)) as con:
        con.execute("update marts.fct_agent_daily set occupancy_rate = -0.25 where rowid = 0")
    monkeypatch.setenv("CCW_LANDING_DIR", str(settings.landing_dir))
    monkeypatch.setenv("CCW_WAREHOUSE", str(work.warehouse))
    assert main(["check", "--layer", "marts"]) == 1
    captured = capsys.readouterr()
    assert "[stop] marts.rates rate_out_of_bounds" in captured.out
    assert (
        "marts.fct_agent_daily.occupancy_rate: rule 'rate_out_of_bounds' broken: minimum -0.25 is below 0"
        in captured.err
    )


def test_ccw_check_without_a_build_says_so(tmp_path, small_landing, monkeypatch, capsys):
    monkeypatch.setenv("CCW_LANDING_DIR", str(small_landing))
    monkeypatch.setenv("CCW_WAREHOUSE", str(tmp_path / "none" / "contact_cost.duckdb"))
    assert main(["check", "--layer", "staging"]) == 2
    assert "run `ccw run` first" in capsys.readouterr().err


def test_check_layer_is_a_plain_function_for_the_orchestrator(published):
    settings, _ = published
    result = check_layer("staging", settings, "plain-call", data_docs=False)
    assert result.passed and result.stopping_failures == [] and result.results
    assert {r.layer for r in result.results} == {"staging"}


# ---------------------------------------------------------------- policy
def test_policy_file_is_validated(tmp_path):
    policy = load_policy()
    assert policy.stops("missing_required_column") and policy.action("unknown_code") == "quarantine"
    assert policy.action("unresolved_reference") == "warn" and policy.stops("cost_reconciliation")
    for text, error in [
        ("row_rules:\n  no_such_rule: stop\n", "unknown rule"),
        ("file_rules:\n  truncated_file: warn\n", "expected one of ['stop']"),
        ("build_rules:\n  rate_out_of_bounds: quarantine\n", "expected one of"),
        ("extra:\n  x: stop\n", "unknown section"),
    ]:
        path = tmp_path / "policy.yml"
        path.write_text(text)
        with pytest.raises(PolicyError, match=error.replace("[", r"\[").replace("]", r"\]")):
            load_policy(path)
    path.write_text("file_rules:\n  empty_file: warn\nrow_rules:\n  duplicate_id: stop\n")
    custom = load_policy(path)
    assert custom.action("empty_file") == "warn" and custom.stops("duplicate_id")


# ---------------------------------------------------------------- a defective delivery
@pytest.fixture(scope="module")
def defective_run(tmp_path_factory):
    from orchestration.tools.generator import generate

    root = tmp_path_factory.mktemp("defective")
    landing = root / "landing"
    summary = generate(out_dir=landing, defect_rate=0.02, **SMALL)
    settings = make_settings(root, landing)
    # 2% of the rows injected: some sources land above the 2% rejection limit (Q10); accepted, to
    # see every defect in quarantine
    run_summary = run(settings, accept_rejections=True)
    with open(summary.manifest_path, newline="") as handle:
        manifest = list(csv.DictReader(handle))
    con = duckdb.connect(str(settings.build_db), read_only=True)
    con.execute(f"attach '{settings.raw_db}' as raw (read_only)")  # the raw layer's own file
    yield settings, run_summary, manifest, con
    con.close()


def test_every_injected_defect_is_quarantined_with_its_rule(defective_run):
    _, summary, manifest, con = defective_run
    assert len(manifest) > 150
    injected = {(m["source"], m["file_name"], int(m["row_number"])): m["rule"] for m in manifest}
    quarantined = {
        (s, f, r): rule
        for s, f, r, rule in con.execute(
            "select source, file_name, row_number, rule from quarantine.rejected_rows"
        ).fetchall()
    }
    assert quarantined == injected  # each defect with its rule, and nothing else
    columns = {(m["source"], m["file_name"], int(m["row_number"])): m["column"] for m in manifest}
    got_columns = {
        (s, f, r): c
        for s, f, r, c in con.execute(
            "select source, file_name, row_number, column_name from quarantine.rejected_rows"
        ).fetchall()
    }
    assert got_columns == columns
    per_rule: dict[tuple[str, str], int] = {}
    for m in manifest:
        per_rule[(m["source"], m["rule"])] = per_rule.get((m["source"], m["rule"]), 0) + 1
    assert {(s, r): n for s, r, n in summary.quarantined} == per_rule


def test_nothing_is_lost_counts_are_exact(defective_run):
    settings, summary, manifest, con = defective_run
    rejected = dict(
        con.execute("select source, count(*) from quarantine.rejected_rows group by 1").fetchall()
    )
    for source, base, stg in ((s.name, s.base_model, s.staging_model) for s in SOURCES.values()):
        landing = summary.ingest.rows[source]
        staged = con.execute(f"select count(*) from staging.{stg}").fetchone()[0]
        good = con.execute(f"select count(*) from staging.{base} where _rejection_rule is null").fetchone()[0]
        superseded = good - staged
        assert landing == con.execute(f"select count(*) from raw.{source}").fetchone()[0]
        assert landing == staged + superseded + rejected.get(source, 0), source
        assert rejected.get(source, 0) == sum(m["source"] == source for m in manifest), source
    staged_events = sum(
        con.execute(f"select count(*) from staging.{model}").fetchone()[0]
        for model, _ in INTERACTION_KEYS.values()
    )
    assert con.execute("select count(*) from marts.fct_interactions").fetchone()[0] == staged_events


def test_every_good_row_reaches_staging_and_the_marts(defective_run):
    _, _, _, con = defective_run
    for source, stg in ((s.name, s.staging_model) for s in SOURCES.values()):
        key = SOURCES[source].key
        keys = ", ".join(f"r.{k}" for k in key)
        # every key with at least one row outside quarantine is in staging (typed compare via text)
        missing = con.execute(
            f"""
            select count(*) from (
                select distinct {keys} from raw.{source} r
                anti join quarantine.rejected_rows q
                    on q.source = '{source}' and q.file_name = r._file_name and q.row_number = r._row_number
            ) r
            anti join (select {", ".join(f"cast(s.{k} as varchar) as {k}" for k in key)} from staging.{stg} s) s
                on {" and ".join(f"s.{k} = r.{k}" for k in key)}
            """
        ).fetchone()[0]
        assert missing == 0, source
    for source, (model, key) in INTERACTION_KEYS.items():
        assert (
            con.execute(
                f"select count(*) from staging.{model} s anti join marts.fct_interactions f "
                f"on f.source = '{source}' and f.source_interaction_id = s.{key}"
            ).fetchone()[0]
            == 0
        ), source


def test_the_raw_suite_counts_the_injected_defects_and_they_only_warn(defective_run):
    settings, summary, manifest, _ = defective_run
    raw = summary.quality[0]
    assert raw.passed
    by_rule = {r.rule: r for r in raw.results if r.suite == "raw.rows"}
    injected_rules = {m["rule"] for m in manifest}
    for rule in injected_rules:
        assert not by_rule[rule].success and by_rule[rule].action == "quarantine"
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        details = con.execute(
            "select details from meta.quality_results where run_id = ? and suite = 'raw.rows' and rule = 'unknown_code'",
            [summary.run_id],
        ).fetchone()[0]
    first = json.loads(details)[0]
    assert ", row " in first["where"] and "rows break unknown_code" in first["what"]
