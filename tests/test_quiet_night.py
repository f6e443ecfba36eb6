"""A night with nothing new: `ccw run` builds and publishes nothing, and records the run
(orchestration/build/quiet.py, docs/decisions/orchestration.md O10).

The landing directory is written by hand (calls of two days, a ledger month) with the company's
own configuration folder (CCW_CONFIG_DIR). One warehouse is built; then:
  - a second run finds nothing to do: the published file keeps its bytes, inode and mtime, and
    the run's row ('nothing to do') goes to the run log beside the file;
  - a new file, a changed file, a removed file, a changed seed of the configuration folder, a
    changed model and a changed setting each make the run build (the decision is asked alone,
    without building, for each change);
  - the new file is then built while a reader holds the published file open: the publish
    carries the quiet run's row into meta.run_log and removes the run log beside the file; the
    new file holds a call dated in 2099 (quarantined as future_timestamp, a verdict that depends
    on the day): after that publish no run finds nothing to do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from conftest import make_settings, warehouse_differences

from orchestration.build import plan
from orchestration.build.quiet import INPUTS_FILE, QuietNight, has_nothing_to_do
from orchestration.cli import main
from orchestration.configuration import init
from orchestration.pipeline import RunSummary, run
from orchestration.publish.schema import READER_SCHEMAS
from orchestration.publish.warehouse import NOTHING_TO_DO, PUBLISHED_MODE, run_log_beside

pytestmark = pytest.mark.slow

CALLS_HEADER = (
    "call_id,direction,started_at,ivr_seconds,queue_seconds,talk_seconds,hold_seconds,acw_seconds,outcome"
)


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def _identity(path: Path) -> tuple[int, int, int, bytes]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size, path.read_bytes()


@pytest.fixture(scope="module")
def quiet(tmp_path_factory):
    root = tmp_path_factory.mktemp("quiet")
    landing = root / "exports"
    _write(
        landing / "telephony_calls" / "2025-03-03.csv",
        [CALLS_HEADER, "Q1,inbound,2025-03-03 09:00:00,20,15,300,0,30,answered"],
    )
    _write(
        landing / "telephony_calls" / "2025-03-04.csv",
        [CALLS_HEADER, "Q2,inbound,2025-03-04 10:30:00,20,40,180,10,20,answered"],
    )
    _write(
        landing / "gl_journal_lines" / "2025-03.csv",
        [
            "journal_id,line_number,posting_date,account_code,cost_center,amount,currency",
            "J1,1,2025-03-31,5210,HQ-TEL,1000.00,USD",
        ],
    )
    config = root / "ccw-config"
    init(config)
    (config / "account_mapping.csv").write_text("account_code,cost_category,in_scope\n5210,telephony,true\n")
    (config / "cost_centers.csv").write_text(
        "cost_center,cost_pool,pool_type,team,platform,description\n"
        "HQ-TEL,telephony_platform,platform,,telephony,Head office telephony platform\n"
    )
    settings = replace(make_settings(root, landing), config_dir=config)
    first = run(settings)
    assert isinstance(first, RunSummary)
    before = _identity(settings.warehouse)
    again = run(settings)
    return settings, first, before, again


def test_a_second_run_with_nothing_new_publishes_nothing_and_is_recorded(quiet):
    settings, first, before, again = quiet
    assert isinstance(again, QuietNight)
    assert _identity(settings.warehouse) == before  # same inode, mtime and bytes
    assert again.published_run_id == first.run_id
    rows = [json.loads(line) for line in run_log_beside(settings.warehouse).read_text().splitlines()]
    assert [(r["run_id"], r["status"]) for r in rows] == [(again.run_id, NOTHING_TO_DO)]
    assert run_log_beside(settings.warehouse).stat().st_mode & 0o777 == PUBLISHED_MODE
    assert "nothing to do" in again.render() and str(settings.warehouse) in again.render()


def test_ccw_run_prints_nothing_to_do(quiet, monkeypatch, capsys):
    settings, *_ = quiet
    monkeypatch.setenv("CCW_LANDING_DIR", str(settings.landing_dir))
    monkeypatch.setenv("CCW_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("CCW_CONFIG_DIR", str(settings.config_dir))
    monkeypatch.setenv("CCW_THREADS", str(settings.threads))
    monkeypatch.setenv("CCW_MEMORY_LIMIT", settings.memory_limit)
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Run ") and ": nothing to do (" in out
    assert len(run_log_beside(settings.warehouse).read_text().splitlines()) == 2


def _touch_later(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_every_kind_of_change_makes_the_run_build(quiet, tmp_path, monkeypatch):
    settings, *_ = quiet
    assert has_nothing_to_do(settings) is not None
    landing, config = settings.landing_dir, settings.config_dir
    new_file = landing / "telephony_calls" / "2025-03-05.csv"
    changed = landing / "telephony_calls" / "2025-03-04.csv"
    removed = landing / "gl_journal_lines" / "2025-03.csv"
    seed = config / "cost_centers.csv"
    saved = {p: (p.read_bytes(), p.stat()) for p in (changed, removed, seed)}

    def restored() -> None:
        new_file.unlink(missing_ok=True)
        for path, (data, st) in saved.items():
            path.write_bytes(data)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert has_nothing_to_do(settings) is not None

    _write(new_file, [CALLS_HEADER, "Q3,inbound,2025-03-05 11:00:00,20,5,120,0,10,answered"])
    assert has_nothing_to_do(settings) is None, "a new landing file"
    restored()
    changed.write_text(changed.read_text().replace(",180,", ",181,"))
    assert has_nothing_to_do(settings) is None, "a changed landing file"
    restored()
    removed.unlink()
    assert has_nothing_to_do(settings) is None, "a removed landing file"
    restored()
    seed.write_text(seed.read_text().replace("Head office", "Main office"))
    assert has_nothing_to_do(settings) is None, "a changed seed of CCW_CONFIG_DIR"
    restored()
    _touch_later(changed)  # same bytes, new mtime: built (the ingest then finds no change)
    assert has_nothing_to_do(settings) is None, "a landing file with a new mtime"
    restored()
    assert has_nothing_to_do(replace(settings, repeat_window_days=3)) is None, "a setting dbt reads"
    assert has_nothing_to_do(replace(settings, allow_landing_symlinks=True)) is None, (
        "a setting of the ingest"
    )

    # a changed model: the project's files as a copy, one model edited
    project = tmp_path / "project"
    for name in plan.PROJECT_INPUTS:
        source = plan.PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, project / name)
    monkeypatch.setattr(plan, "PROJECT_DIR", project)
    assert has_nothing_to_do(settings) is not None  # the same files elsewhere: the same digest
    model = next((project / "models").rglob("fct_interactions.sql"))
    model.write_text(model.read_text() + "\n-- edited\n")
    assert has_nothing_to_do(settings) is None, "a changed model"


def test_a_build_carries_the_quiet_runs_into_the_run_log_while_a_reader_holds_the_file(quiet, caplog):
    """The new delivery: one call of 5 March and one dated 2099-01-01 (future_timestamp). The night
    publishes its changes into a copy of the published file (publish/delta.py): the result holds
    the build's reader tables row for row."""
    settings, first, before, again = quiet
    quiet_rows = [
        json.loads(line)["run_id"] for line in run_log_beside(settings.warehouse).read_text().splitlines()
    ]
    _write(
        settings.landing_dir / "telephony_calls" / "2025-03-05.csv",
        [
            CALLS_HEADER,
            "Q3,inbound,2025-03-05 11:00:00,20,5,120,0,10,answered",
            "Q4,inbound,2099-01-01 11:00:00,20,5,120,0,10,answered",
        ],
    )
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print(con.execute('select count(*) from meta.run_log').fetchone()[0], flush=True); "
            "sys.stdin.read(); print(con.execute('select count(*) from meta.run_log').fetchone()[0])",
            str(settings.warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "1"  # the reader holds the published file open
        with caplog.at_level("INFO", logger="orchestration.publish.warehouse"):
            built = run(settings, accept_rejections=True)  # 1 of 3 calls rejected on purpose
        out, _ = reader.communicate("", timeout=60)
    finally:
        reader.kill()
    assert out.strip() == "1"  # the reader kept reading the file it opened
    assert isinstance(built, RunSummary)
    assert _identity(settings.warehouse)[0] != before[0]  # a new file, renamed over the old one
    assert not run_log_beside(settings.warehouse).exists()
    assert "changes written into a copy of the published file" in caplog.text
    assert warehouse_differences(settings.warehouse, settings.build_db, READER_SCHEMAS) == []
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        log = con.execute("select run_id, status from meta.run_log order by started_at").fetchall()
        future = con.execute(
            "select count(*) from quarantine.rejected_rows where rule = 'future_timestamp'"
        ).fetchone()[0]
    assert log == [
        (first.run_id, "published"),
        *[(run_id, NOTHING_TO_DO) for run_id in quiet_rows],
        (built.run_id, "published"),
    ]
    # a verdict that depends on the day: every later run builds (performance.md P5)
    assert future == 1
    assert json.loads((settings.work_dir / INPUTS_FILE).read_text())["time_dependent_rows"] == 1
    assert has_nothing_to_do(settings) is None
