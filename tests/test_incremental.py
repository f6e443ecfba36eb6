"""An incremental build gives exactly the warehouse a full refresh gives on the same files.

One warehouse lives through a series of nights; after each night its published
tables (every mart and quarantine table) and the staging and intermediate tables
of the build file behind them are compared, table by table and row for row, with
a clean build of the same landing files (docs/decisions/performance.md P6, P16). A night's hard cases never share a
month, so no change of the night rebuilds the months another case needs:

  0  first build: 3 days of one month (a history shorter than the repeat window)
  1  no new file, the same files copied again (a new mtime: the run builds, dbt has nothing
     to rebuild, nothing may change; with the mtimes unchanged the run has nothing to do,
     tests/test_quiet_night.py)
  2  70 more days: three months, and a customer's call late on 31 October
  3  that customer's call at 00:30 on 1 November: a repeat of the 31 October call,
     found only when October is rebuilt too (the repeat window's look-back)
  4  a ledger file only: a late line for September
  5  a survey about a September call; a case of mid-October delivered again with
     a later updated_at and another reason
  6  an agent's FTE changes (every month the agent worked)
  7  a customer seen in September only changes segment; rows staging quarantines
     (unknown code, future timestamp, a call in year 1, an amount with too many
     decimals)
  8  no new file again, on three months (the future-timestamp file is judged again)

A retry after a failed run must publish exactly what a clean build gives: the
first run of nights 2 to 5 fails at one step each (right after the ingest, half-way
through dbt, at the marts quality check, while publishing; the fault is injected
in this process, through the job's `dbt` resource or the functions the job's
assets look up), then the night runs again. tests/test_fault_injection.py kills
the run process instead.

The nights build without dbt's data and unit tests (the comparison is this
module's test; the other modules run them, on incremental builds too).
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
from conftest import (
    clean_build,
    make_settings,
    models_only_build_args,
    open_with_build,
    published_differences,
)
from dagster_dbt import DbtCliResource

from orchestration.build.dbt import dbt_resource, prepare_dbt_project
from orchestration.pipeline import run
from orchestration.publish.warehouse import FewerRows
from orchestration.tools.generator import generate

pytestmark = [pytest.mark.slow, pytest.mark.nightly]

# small volumes: the cost of a build is dbt's per-model work, not the rows
VOLUME = dict(contacts_per_day=16, agents=6, seed=5)
FIRST_DAY = date(2026, 9, 8)
LAST_DAY = date(2026, 11, 20)
LOOKBACK_CUSTOMER = "K-LOOKBACK"


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _deliver_calls(landing: Path, file_name: str, *calls: dict) -> None:
    """Write telephony_calls/<file_name> by hand: one abandoned inbound billing call per dict,
    with the dict's values over those defaults."""
    header, _ = _rows(min((landing / "telephony_calls").glob("2026-*.csv")))
    defaults = dict.fromkeys(header, "")
    defaults.update(
        direction="inbound",
        queue="billing",
        contact_reason="billing_question",
        ivr_seconds="20",
        queue_seconds="15",
        talk_seconds="0",
        hold_seconds="0",
        acw_seconds="0",
        outcome="abandoned",
        transferred="false",
    )
    _write(landing / "telephony_calls" / file_name, header, [{**defaults, **call} for call in calls])


# ---------------------------------------------------------------- the nights' deliveries
def night_2(landing: Path) -> dict:
    start = FIRST_DAY + timedelta(days=3)
    generate(out_dir=landing, start=start, days=(LAST_DAY - start).days + 1, **VOLUME)
    header, _ = _rows(next((landing / "customers").glob("customers_*.csv")))
    customer = dict.fromkeys(header, "")
    customer.update(customer_id=LOOKBACK_CUSTOMER, segment="sme", country="US", geography="local")
    _write(landing / "customers" / "zz-lookback.csv", header, [customer])
    call = dict(call_id="OCT31-CALL", customer_id=LOOKBACK_CUSTOMER, started_at="2026-10-31T23:00:00")
    _deliver_calls(landing, "zz-oct31.csv", call)
    return {}


def night_3(landing: Path) -> dict:
    call = dict(call_id="NOV01-CALL", customer_id=LOOKBACK_CUSTOMER, started_at="2026-11-01T00:30:00")
    _deliver_calls(landing, "zz-nov01.csv", call)
    return {}


def night_4(landing: Path) -> dict:
    (first,) = sorted((landing / "gl_journal_lines").glob("2026-09*.csv"))[:1]
    header, lines = _rows(first)
    line = dict(lines[0], journal_id="LATE-JE", line_number="1", posting_date="2026-09-15", amount="1234.56")
    _write(
        landing / "gl_journal_lines" / "2026-09-late.csv", header, [dict(line, description="late accrual")]
    )
    return {"journal": "LATE-JE"}


def case_of_october_delivered_again(landing: Path) -> dict:
    header, tickets = _rows(landing / "tickets" / "2026-10-14.csv")
    ticket = dict(next(t for t in tickets if t["customer_id"] and t["status"] in ("solved", "closed")))
    ticket["updated_at"] = "2026-11-21T09:00:00-05:00"
    ticket["contact_reason"] = "complaint" if ticket["contact_reason"] != "complaint" else "billing_question"
    ticket["status"] = "closed"
    _write(landing / "tickets" / "zz-redelivered.csv", header, [ticket])
    return {"ticket": ticket["ticket_id"], "reason": ticket["contact_reason"]}


def survey_of_a_september_call(landing: Path) -> dict:
    _, calls = _rows(landing / "telephony_calls" / "2026-09-16.csv")
    call = next(c for c in calls if c["outcome"] == "answered")
    header, _ = _rows(min((landing / "surveys").glob("*.csv")))
    survey = dict.fromkeys(header, "")
    survey.update(
        survey_id="LATE-SURVEY",
        interaction_source="telephony_calls",
        interaction_id=call["call_id"],
        responded_at="2026-11-21T12:00:00",
        csat="4",
        nps="8",
        ces="5",
        resolved="true",
    )
    _write(landing / "surveys" / "zz-late.csv", header, [survey])
    return {"survey": "LATE-SURVEY"}


def night_6(landing: Path) -> dict:
    header, agents = _rows(min((landing / "agents").glob("agents_*.csv")))
    agent = dict(agents[0], fte="0.5" if agents[0]["fte"] != "0.5" else "0.8")
    _write(landing / "agents" / "zz-update.csv", header, [agent])
    return {"agent": agent["agent_id"]}


def _customer_of_september_only(landing: Path) -> str:
    """A customer whose every contact (calls, cases, chats, sessions) started before 25 September."""
    months: dict[str, set[str]] = {}
    for source, started in (
        ("telephony_calls", "started_at"),
        ("tickets", "created_at"),
        ("chats", "started_at"),
        ("self_service_sessions", "started_at"),
    ):
        for path in (landing / source).glob("*.csv"):
            for row in _rows(path)[1]:
                if row["customer_id"]:
                    months.setdefault(row["customer_id"], set()).add(row[started][:10])
    return min(c for c, days in months.items() if max(days) < "2026-09-25" and c != LOOKBACK_CUSTOMER)


def customer_of_september_changes_segment(landing: Path) -> dict:
    customer_id = _customer_of_september_only(landing)
    versions = [
        (header, row)
        for path in sorted((landing / "customers").glob("customers_*.csv"))
        for header, rows in [_rows(path)]
        for row in rows
        if row["customer_id"] == customer_id
    ]
    header, customer = versions[-1]
    segment = "large_enterprise" if customer["segment"] != "large_enterprise" else "sme"
    _write(landing / "customers" / "zz-update.csv", header, [dict(customer, segment=segment)])
    return {"customer": customer_id, "segment": segment}


def rows_staging_quarantines(landing: Path) -> dict:
    _deliver_calls(
        landing,
        "zz-defects.csv",
        dict(call_id="BAD-CODE", direction="sideways", started_at="2026-11-02T10:00:00"),
        dict(call_id="FUTURE", started_at="2099-01-01T00:00:00Z"),
        dict(call_id="YEAR-ONE", started_at="0001-06-01T10:00:00"),
    )
    (first,) = sorted((landing / "gl_journal_lines").glob("2026-10*.csv"))[:1]
    header, lines = _rows(first)
    _write(
        landing / "gl_journal_lines" / "zz-decimals.csv",
        header,
        [dict(lines[0], journal_id="DECIMALS-JE", line_number="1", amount="12.123456789")],
    )
    return {}


def night_5(landing: Path) -> dict:
    return {**survey_of_a_september_call(landing), **case_of_october_delivered_again(landing)}


def night_7(landing: Path) -> dict:
    return {**customer_of_september_changes_segment(landing), **rows_staging_quarantines(landing)}


NIGHTS = {
    2: ("70 more days: three months", night_2, "ingest"),
    3: ("a late call on 1 November repeats a 31 October call", night_3, "dbt"),
    4: ("a ledger file only", night_4, "quality check"),
    5: ("a survey about September, a case of October delivered again", night_5, "publish"),
    6: ("an agent's FTE changes", night_6, None),
    7: ("a September customer's segment changes; rows staging quarantines", night_7, None),
}
LAST_NIGHT = 8


# ---------------------------------------------------------------- faults injected in this process
# every injected fault raised, in order: a run that failed for another reason proves nothing
INJECTED: list[str] = []


class InjectedFault(Exception):
    def __init__(self, what: str):
        super().__init__(what)
        INJECTED.append(what)


# the staging and intermediate models take the batch, the marts never do
HALF_A_BUILD = ["build", "--exclude", "resource_type:unit_test resource_type:test path:models/marts"]


class _StopsHalfWay:
    def __init__(self, invocation):
        self.invocation = invocation

    def stream(self):
        yield from self.invocation.stream()
        raise InjectedFault("dbt stopped half-way")

    def is_successful(self) -> bool:
        return False


class HalfABuild(dg.ConfigurableResource):
    """The job's `dbt` resource, dbt itself, that builds the models before the marts, then stops."""

    dbt: DbtCliResource

    def cli(self, args: list[str], **kwargs) -> _StopsHalfWay:
        return _StopsHalfWay(self.dbt.cli(HALF_A_BUILD, **kwargs))


@contextmanager
def failing_at(step: str, settings) -> Iterator[dg.ConfigurableResource | None]:
    """The next run fails at `step`; the published warehouse must stay as it was. Gives the `dbt`
    resource the run takes (None: dbt itself). The faults replace the functions where the job's
    assets (orchestration/dagster/assets.py) and publish look them up."""
    import orchestration.dagster.assets as assets
    import orchestration.publish.warehouse as publish_module

    with pytest.MonkeyPatch.context() as patch:
        dbt = None
        if step == "ingest":
            real_ingest = assets.ingest

            def ingest_then_fail(*args, **kwargs):
                real_ingest(*args, **kwargs)  # the new files are in the raw layer (committed)
                raise InjectedFault("after the ingest")

            patch.setattr(assets, "ingest", ingest_then_fail)
        elif step == "dbt":
            dbt = HalfABuild(dbt=dbt_resource(settings, prepare_dbt_project()))
        elif step == "quality check":
            real_check = assets.check_layer

            def check_then_fail(layer, *args, **kwargs):
                result = real_check(layer, *args, **kwargs)
                if layer == "marts":
                    raise InjectedFault("the marts check failed")
                return result

            patch.setattr(assets, "check_layer", check_then_fail)
        elif step == "publish":

            def fail(path):
                raise InjectedFault("publish failed after writing the copy")

            patch.setattr(publish_module, "_fsync", fail)
        else:
            raise ValueError(step)
        yield dbt


# ---------------------------------------------------------------- the nights
def _night(settings, reference, what: str) -> tuple[str, object, list[str]]:
    """Run the night; compare the published warehouse (and the build file behind it) with
    `reference` (a build file)."""
    try:
        # a night's hand-made defects are most of its few rows: accepted (the limit is tested elsewhere)
        summary = run(settings, accept_rejections=True)
    except Exception as exc:  # noqa: BLE001 - a failed night is that night's finding
        return what, None, [f"the run failed: {exc}"]
    return what, summary, published_differences(settings, reference)


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """Runs every night; gives {night: (what, build summary, differences with a clean build)},
    the facts the hard cases need, the warehouse's settings and the failed runs."""
    import orchestration.dagster.assets as assets

    root = tmp_path_factory.mktemp("incremental")
    landing = root / "landing"
    generate(out_dir=landing, start=FIRST_DAY, days=3, **VOLUME)
    settings = make_settings(root / "inc", landing)
    reference = make_settings(root / "clean", landing)
    results: dict[int, tuple[str, object, list[str]]] = {}
    facts: dict = {}
    # (night, step, error, the fault injected, published file unchanged)
    failed: list[tuple[int, str, str, str | None, bool]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assets, "dbt_build_args", models_only_build_args)
        results[0] = ("first build: 3 days, one month", run(settings), [])
        first = root / "night0.duckdb"  # the build file behind night 0's published warehouse
        shutil.copyfile(settings.build_db, first)
        for path in sorted(landing.rglob("*.csv"))[:1]:  # copied again: same bytes, a new mtime
            os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
        results[1] = _night(settings, first, "no new file, 3 days")

        for night, (what, deliver, fault) in NIGHTS.items():
            facts.update(deliver(landing))
            if fault:
                before = _sha256(settings.warehouse)
                with failing_at(fault, settings) as dbt, pytest.raises(Exception) as error:
                    run(settings, dbt=dbt)
                injected = INJECTED.pop() if INJECTED else None
                failed.append(
                    (night, fault, str(error.value), injected, _sha256(settings.warehouse) == before)
                )
                what += f" (run again after a failure at {fault})"
            results[night] = _night(settings, clean_build(reference), what)

        # no new file: the clean build of the last night is still the reference
        results[LAST_NIGHT] = _night(settings, reference.build_db, "no new file, three months")
        yield results, facts, settings, failed


@pytest.mark.parametrize("night", range(LAST_NIGHT + 1))
def test_the_night_equals_a_clean_build_row_for_row(nights, night):
    results, *_ = nights
    what, _, problems = results[night]
    assert not problems, f"night {night} ({what}):\n" + "\n".join(problems)


def test_every_night_after_the_first_is_incremental(nights):
    results, *_ = nights
    builds = {night: summary.build if summary else "failed" for night, (_, summary, _) in results.items()}
    assert builds[0].startswith("full refresh")
    assert builds[1] == "incremental: no new or re-staged landing file"
    # the last night reads no file; the file with a future timestamp is judged again (P5)
    assert builds[LAST_NIGHT].startswith("incremental: loads"), builds[LAST_NIGHT]
    assert results[LAST_NIGHT][1].ingest.loaded_files == []
    # after a failed run the files it read are still to build: the retry is incremental, not empty
    assert all(builds[night].startswith("incremental: loads") for night in NIGHTS), builds


def test_failed_runs_publish_nothing_and_the_next_run_publishes_everything(nights):
    *_, failed = nights
    assert [(night, step) for night, step, *_ in failed] == [
        (2, "ingest"),
        (3, "dbt"),
        (4, "quality check"),
        (5, "publish"),
    ]
    for night, step, error, injected, unchanged in failed:
        assert injected, f"night {night}: the run failed before the fault at {step}: {error}"
        assert unchanged, f"night {night}: the run that failed at {step} changed the published file"
        assert error, step
    # the run after each failure equals a clean build: test_the_night_equals_a_clean_build_row_for_row


def test_the_hard_cases_reached_the_marts(nights):
    _, facts, settings, _ = nights
    with open_with_build(settings) as con:
        assert con.execute(
            "select repeat_interaction_id from marts.fct_repeat_contacts "
            "where earlier_interaction_id = 'telephony_calls:OCT31-CALL'"
        ).fetchall() == [("telephony_calls:NOV01-CALL",)]
        assert con.execute(
            "select count(*) from intermediate.int_costs__gl_lines where journal_id = ?", [facts["journal"]]
        ).fetchone() == (1,)
        assert con.execute(
            "select contact_reason from marts.fct_interactions where source = 'tickets' and source_interaction_id = ?",
            [facts["ticket"]],
        ).fetchone() == (facts["reason"],)
        assert con.execute(
            "select count(*) from intermediate.int_kpis__survey_responses where survey_id = ? and is_matched",
            [facts["survey"]],
        ).fetchone() == (1,)
        assert con.execute(
            "select segment from marts.dim_customer where customer_id = ?", [facts["customer"]]
        ).fetchone() == (facts["segment"],)
        rules = dict(
            con.execute(
                "select rule, count(*) from quarantine.rejected_rows "
                "where file_name in ('telephony_calls/zz-defects.csv', 'gl_journal_lines/zz-decimals.csv') group by 1"
            ).fetchall()
        )
        assert rules == {
            "unknown_code": 1,
            "future_timestamp": 1,
            "implausible_date": 1,
            "too_many_decimals": 1,
        }
        # whole months from the first date a mart carries (not from the call in year 1)
        assert con.execute("select min(date_day) from marts.dim_date").fetchone() == (
            FIRST_DAY.replace(day=1),
        )


def test_a_removed_landing_file_forces_a_full_refresh_and_its_rows_go(nights):
    _, facts, settings, _ = nights
    (settings.landing_dir / "gl_journal_lines" / "2026-09-late.csv").unlink()
    with pytest.raises(FewerRows, match=r"\(gl_journal_lines: "):  # never an emptier warehouse unasked
        run(settings)
    summary = run(settings, accept_fewer_rows=True)
    assert summary.build.startswith("full refresh") and "changed or disappeared" in summary.build
    assert len(summary.ingest.loaded_files) == 0  # the other files are not read again
    with open_with_build(settings) as con:
        assert con.execute(
            "select count(*) from intermediate.int_costs__gl_lines where journal_id = ?", [facts["journal"]]
        ).fetchone() == (0,)
    # zz-defects.csv holds a future timestamp, so every night judges it again (P5): its 3 rows,
    # all rejected, are that night's whole batch, above the rejection limit (Q10)
    again = run(settings, accept_rejections=True)
    assert again.build.startswith("incremental")
