"""A stop when too much is rejected: a source whose rejected share of this run's rows is above
its limit (quality_policy.yml rejection_limits, default 2%) stops the run before publishing.

"This run's rows" are the rows of the files the run loads (the batch), not the history
(docs/decisions/quality.md Q10). The fast tests judge a hand-made build (raw bookkeeping and
quarantine only); the end-to-end ones build hand-written call exports in the contract's format:
one good abandoned call per row, and `hung_up` (not an outcome of the contract) where a row must
be rejected as unknown_code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from conftest import make_settings

from orchestration.errors import PipelineError
from orchestration.pipeline import run
from orchestration.quality.metrics import staging_rejection_frame
from orchestration.quality.policy import PolicyError, default_policy, load_policy
from orchestration.quality.suites import SUITES

CALLS_HEADER = (
    "call_id,updated_at,direction,started_at,customer_id,customer_phone,queue,contact_reason,"
    "ivr_seconds,queue_seconds,agent_id,talk_seconds,hold_seconds,acw_seconds,outcome,transferred"
)


def _calls(day: str, n: int, rejected_rows: tuple[int, ...] = (), ids: list[str] | None = None) -> str:
    """n abandoned calls of `day`, one a minute from 09:00; the 1-based rows in rejected_rows end
    `hung_up` (unknown_code). ids: the call ids, default <day>-<row>."""
    lines = [CALLS_HEADER]
    for row in range(1, n + 1):
        call_id = ids[row - 1] if ids else f"{day}-{row}"
        outcome = "hung_up" if row in rejected_rows else "abandoned"
        lines.append(f"{call_id},,inbound,{day}T09:{row % 60:02d}:00,,,,,5,10,,0,0,0,{outcome},")
    return "\n".join(lines) + "\n"


def _deliver(landing: Path, name: str, text: str) -> None:
    (landing / "telephony_calls").mkdir(parents=True, exist_ok=True)
    (landing / "telephony_calls" / name).write_text(text)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- the limit on a hand-made build
def _build(files: list[tuple[str, int, int, int]], built_load_id: int = 0) -> duckdb.DuckDBPyConnection:
    """A build connection with what the check reads: raw._landing_files, raw._build_state,
    raw.telephony_calls and quarantine.rejected_rows. files: (file, rows, rejected, load_id);
    the rejected rows are rows 1.. of the file, rule unknown_code."""
    con = duckdb.connect()
    con.execute("attach ':memory:' as raw")
    con.execute(
        "create table raw._landing_files (source varchar, file_name varchar, rule varchar, load_id bigint)"
    )
    con.execute("create table raw._build_state (built_load_id bigint)")
    con.execute("insert into raw._build_state values (?)", [built_load_id])
    con.execute("create table raw.telephony_calls (_file_name varchar, _row_number bigint)")
    con.execute("create schema quarantine")
    con.execute(
        "create table quarantine.rejected_rows (source varchar, file_name varchar, row_number bigint, "
        "rule varchar, detail varchar)"
    )
    for name, rows, rejected, load_id in files:
        file_name = f"telephony_calls/{name}"
        con.execute(
            "insert into raw._landing_files values ('telephony_calls', ?, null, ?)", [file_name, load_id]
        )
        con.execute("insert into raw.telephony_calls select ?, range from range(1, ? + 1)", [file_name, rows])
        con.execute(
            "insert into quarantine.rejected_rows select 'telephony_calls', ?, range, 'unknown_code', "
            "'outcome ''hung_up'' is not a code of the contract' from range(1, ? + 1)",
            [file_name, rejected],
        )
    return con


def _calls_row(con: duckdb.DuckDBPyConnection, policy=None) -> dict:
    frame = staging_rejection_frame(con, policy or default_policy())
    return frame[frame["key"] == "telephony_calls"].iloc[0].to_dict()


def test_one_rejected_call_of_forty_is_above_the_default_limit():
    """1 / 40 = 0.025 = 2.5% > 2%: over the limit; the message names the source, the share, the
    limit, the rule with its first row and what to do."""
    row = _calls_row(_build([("2026-11-03.csv", 40, 1, 1)]))
    assert (row["rows"], row["rejected"], row["share"], row["over_limit"]) == (40, 1, 0.025, 1)
    check = next(s for s in SUITES["staging"] if s.name == "staging.rejections").checks[0]
    where, what = check.describe(row)
    assert where == "telephony_calls"
    assert "1 of 40 rows" in what and "(2.5%)" in what and "limit of 2.0%" in what
    assert "unknown_code 1 row(s), e.g. telephony_calls/2026-11-03.csv, row 1: outcome 'hung_up'" in what
    assert "--accept-rejections" in what and "rejection_limits.telephony_calls" in what


def test_one_rejected_call_of_fifty_is_within_the_default_limit():
    """1 / 50 = 0.02 = 2%: the limit is 'more than', so exactly 2% passes."""
    row = _calls_row(_build([("2026-11-02.csv", 50, 1, 1)]))
    assert (row["rows"], row["rejected"], row["share"], row["over_limit"]) == (50, 1, 0.02, 0)


def test_only_the_files_of_this_run_count():
    """Published file (load 1, built_load_id 1): 100 rows, 0 rejected; this run's file (load 2):
    40 rows, 1 rejected -> 1 / 40 = 2.5%, over (the history, 1 / 140 = 0.7%, would pass). And the
    other way: 10 of 100 rejected in the published file, 0 of 40 now -> 0%, passes."""
    row = _calls_row(_build([("old.csv", 100, 0, 1), ("new.csv", 40, 1, 2)], built_load_id=1))
    assert (row["rows"], row["rejected"], row["over_limit"]) == (40, 1, 1)
    row = _calls_row(_build([("old.csv", 100, 10, 1), ("new.csv", 40, 0, 2)], built_load_id=1))
    assert (row["rows"], row["rejected"], row["over_limit"]) == (40, 0, 0)


def test_a_source_limit_in_the_policy_file_raises_it(tmp_path):
    """telephony_calls: 0.03 -> 1 / 40 = 2.5% <= 3% passes; 2 / 40 = 5% > 3% does not. A source
    not named keeps the default (0.02), and `default` moves it."""
    path = tmp_path / "policy.yml"
    path.write_text("rejection_limits:\n  telephony_calls: 0.03\n")
    policy = load_policy(path)
    assert _calls_row(_build([("a.csv", 40, 1, 1)]), policy)["over_limit"] == 0
    assert _calls_row(_build([("a.csv", 40, 2, 1)]), policy)["over_limit"] == 1
    assert (policy.rejection_limit("telephony_calls"), policy.rejection_limit("tickets")) == (0.03, 0.02)
    path.write_text("rejection_limits:\n  default: 0.1\n")
    assert load_policy(path).rejection_limit("tickets") == 0.1


@pytest.mark.parametrize(
    "text, message",
    [
        ("rejection_limits:\n  telephony_calls: 5\n", "expected a share from 0 to 1"),
        ("rejection_limits:\n  telephony_calls: '2%'\n", "expected a share from 0 to 1"),
        ("rejection_limits:\n  calls: 0.05\n", "rejection_limits.calls is not a landing source"),
    ],
)
def test_a_wrong_limit_is_a_policy_error(tmp_path, text, message):
    path = tmp_path / "policy.yml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message):
        load_policy(path)


def test_accepting_rejections_turns_the_stop_into_a_warning():
    policy = default_policy()
    assert policy.action("rejected_share_exceeded") == "stop"
    assert policy.accepting_rejections().action("rejected_share_exceeded") == "warn"


# ---------------------------------------------------------------- end to end (dbt)
@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """Four runs of one warehouse on hand-written call exports, each night's outcome kept:
    1. 2026-11-03.csv, 40 calls, row 7 rejected: 1 / 40 = 2.5% > 2%: stops, first run: no file.
    2. the same, --accept-rejections: published, the run log says 2.5% was accepted.
    3. + 2026-11-02.csv, 50 calls, row 13 rejected: this run's rows 1 / 50 = 2.0%: published
       (the history, 2 / 90 = 2.2%, would stop).
    4. + 2026-11-04.csv, 40 calls, row 7 rejected: 2.5% again: stops, the published file unchanged."""
    root = tmp_path_factory.mktemp("rejection_limit")
    landing = root / "landing"
    settings = make_settings(root, landing)
    outcome: dict = {}

    def night(name: str, **options) -> None:
        try:
            outcome[name] = run(settings, **options)
        except PipelineError as exc:
            outcome[name] = exc

    _deliver(landing, "2026-11-03.csv", _calls("2026-11-03", 40, rejected_rows=(7,)))
    night("first")
    outcome["first_published"] = settings.warehouse.exists()
    night("accepted", accept_rejections=True)
    _deliver(landing, "2026-11-02.csv", _calls("2026-11-02", 50, rejected_rows=(13,)))
    night("two_percent")
    before = _digest(settings.warehouse)
    _deliver(landing, "2026-11-04.csv", _calls("2026-11-04", 40, rejected_rows=(7,)))
    night("stopped_again")
    outcome["unchanged"] = _digest(settings.warehouse) == before
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        outcome["run_log"] = con.execute(
            "select rejections_accepted from meta.run_log order by run_id"
        ).fetchall()
        outcome["quarantined"] = con.execute(
            "select file_name, row_number, rule from quarantine.rejected_rows order by 1"
        ).fetchall()
    return outcome


@pytest.mark.slow
def test_one_rejected_call_of_forty_stops_the_first_run_and_publishes_nothing(nights):
    """1 / 40 = 2.5% > 2%: the message names the source, the share, the rule and the row."""
    error = nights["first"]
    assert isinstance(error, PipelineError), error
    message = str(error)
    assert "telephony_calls: rule 'rejected_share_exceeded' broken: 1 of 40 rows" in message
    assert "(2.5%), more than the limit of 2.0%" in message
    assert "unknown_code 1 row(s), e.g. telephony_calls/2026-11-03.csv, row 7:" in message
    assert "the published warehouse is unchanged" in message
    assert nights["first_published"] is False


@pytest.mark.slow
def test_accept_rejections_publishes_and_the_run_log_records_it(nights):
    assert not isinstance(nights["accepted"], PipelineError), nights["accepted"]
    accepted = json.loads(nights["run_log"][0][0])
    assert accepted == {"telephony_calls": {"rejected": 1, "rows": 40, "share": 0.025, "limit": 0.02}}


@pytest.mark.slow
def test_two_percent_of_this_runs_rows_passes_and_publishes(nights):
    """Night 3 judges its own file: 1 / 50 = 2.0%, not more than 2%; nothing accepted."""
    assert not isinstance(nights["two_percent"], PipelineError), nights["two_percent"]
    assert nights["run_log"][1] == (None,)
    assert nights["quarantined"] == [
        ("telephony_calls/2026-11-02.csv", 13, "unknown_code"),
        ("telephony_calls/2026-11-03.csv", 7, "unknown_code"),
    ]


@pytest.mark.slow
def test_too_many_rejections_leave_the_published_warehouse_byte_identical(nights):
    """Night 4: 1 / 40 = 2.5% of its file: stops; the file published by night 3 is unchanged."""
    assert isinstance(nights["stopped_again"], PipelineError)
    assert "telephony_calls/2026-11-04.csv, row 7" in str(nights["stopped_again"])
    assert nights["unchanged"]
    assert len(nights["run_log"]) == 2


@pytest.mark.slow
def test_an_id_repeated_across_days_stops_the_run(tmp_path):
    """One export of three days whose call ids restart each day: C1..C5 on each of 2026-11-01..03
    (different start times, no updated_at: no winner) -> 15 duplicate_id rows; U1..U4 once.
    15 / 19 = 0.789 = 78.9% > 2%: stops, nothing published."""
    ids = [f"C{i}" for _ in range(3) for i in range(1, 6)] + ["U1", "U2", "U3", "U4"]
    lines = _calls("2026-11-01", 19, ids=ids).splitlines()
    # rows 6-10 on the 2nd, rows 11-19 on the 3rd: the same ids, another day
    lines = [lines[0]] + [
        line.replace(
            "2026-11-01", "2026-11-02" if 6 <= row <= 10 else "2026-11-03" if row > 10 else "2026-11-01"
        )
        for row, line in enumerate(lines[1:], start=1)
    ]
    landing = tmp_path / "landing"
    _deliver(landing, "export.csv", "\n".join(lines) + "\n")
    settings = make_settings(tmp_path, landing)
    with pytest.raises(PipelineError) as stopped:
        run(settings)
    message = str(stopped.value)
    assert "telephony_calls: rule 'rejected_share_exceeded' broken: 15 of 19 rows" in message
    assert (
        "(78.9%)" in message and "duplicate_id 15 row(s), e.g. telephony_calls/export.csv, row 1:" in message
    )
    assert not settings.warehouse.exists()
