"""The staging checks of keys and references judge a night's records, and every row otherwise.

A hand-built build file (staging tables, the raw file's load state): call C6 is staged twice and
delivered again tonight; C5 is staged twice by files built before. Tonight's files are
calls_2.csv, agents_2.csv and surveys_2.csv (load 2; the published build holds load 1).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from orchestration.contract import SOURCES
from orchestration.quality import metrics

# (source, file, load id): the files the ingest recorded; a file with a rule is never loaded
FILES = [
    ("telephony_calls", "calls_1.csv", None, 1),
    ("telephony_calls", "calls_2.csv", None, 2),
    ("telephony_calls", "calls_3.csv", "not_utf8", 2),
    ("agents", "agents_1.csv", None, 1),
    ("agents", "agents_2.csv", None, 2),
    ("surveys", "surveys_1.csv", None, 1),
    ("surveys", "surveys_2.csv", None, 2),
]
# (key, file, agent): every version of a call the base model holds
CALL_VERSIONS = [
    ("C1", "calls_1.csv", "A1"),
    ("C2", "calls_1.csv", "AX"),  # an unknown agent, built before
    ("C3", "calls_2.csv", "AY"),  # an unknown agent, tonight
    ("C4", "calls_1.csv", "A9"),  # built before, its agent delivered tonight
    ("C5", "calls_1.csv", "A1"),
    ("C6", "calls_1.csv", "A1"),
    ("C6", "calls_2.csv", "A1"),
    ("C7", "calls_1.csv", "AZ"),  # delivered again tonight; the earlier version is the one staged
    ("C7", "calls_2.csv", "AZ"),
]
# (key, file of the staged version, agent): what staging holds, two rows of C5 and of C6
STAGED_CALLS = [
    ("C1", "calls_1.csv", "A1"),
    ("C2", "calls_1.csv", "AX"),
    ("C3", "calls_2.csv", "AY"),
    ("C4", "calls_1.csv", "A9"),
    ("C5", "calls_1.csv", "A1"),
    ("C5", "calls_1.csv", "A1"),
    ("C6", "calls_1.csv", "A1"),
    ("C6", "calls_2.csv", "A1"),
    ("C7", "calls_1.csv", "AZ"),
    (None, "calls_1.csv", "A1"),
]
AGENT_VERSIONS = [("A1", "agents_1.csv"), ("A9", "agents_2.csv")]
STAGED_AGENTS = [("A1", "agents_1.csv"), ("A9", "agents_2.csv")]
# (key, file, interaction source, interaction id)
SURVEYS = [
    ("S1", "surveys_2.csv", "telephony_calls", "CZZ"),  # tonight, rates a call nobody delivered
    ("S2", "surveys_1.csv", "telephony_calls", "CQQ"),  # likewise, built before
    ("S3", "surveys_1.csv", "telephony_calls", "C3"),  # built before, rates a call of tonight
]
COLUMNS = ("_file_name", "agent_id", "customer_id", "interaction_source", "interaction_id")


def build_file(built_load_id: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create schema staging")
    con.execute(
        "create table raw._landing_files (source varchar, file_name varchar, rule varchar, load_id int)"
    )
    con.executemany("insert into raw._landing_files values (?, ?, ?, ?)", FILES)
    con.execute("create table raw._build_state (built_load_id int)")
    con.execute("insert into raw._build_state values (?)", [built_load_id])
    for source in SOURCES.values():
        columns = dict.fromkeys([*source.key, *COLUMNS])
        for model in (source.base_model, source.staging_model):
            con.execute(f"create table staging.{model} ({', '.join(f'{c} varchar' for c in columns)})")

    def insert(model: str, rows: list[dict]) -> None:
        for row in rows:
            names = ", ".join(row)
            con.execute(
                f"insert into staging.{model} ({names}) values ({', '.join('?' * len(row))})",
                list(row.values()),
            )

    insert(
        "base_telephony__calls", [{"call_id": k, "_file_name": f, "agent_id": a} for k, f, a in CALL_VERSIONS]
    )
    insert(
        "stg_telephony__calls", [{"call_id": k, "_file_name": f, "agent_id": a} for k, f, a in STAGED_CALLS]
    )
    insert("base_hr__agents", [{"agent_id": k, "_file_name": f} for k, f in AGENT_VERSIONS])
    insert("stg_hr__agents", [{"agent_id": k, "_file_name": f} for k, f in STAGED_AGENTS])
    surveys = [
        {"survey_id": k, "_file_name": f, "interaction_source": s, "interaction_id": i}
        for k, f, s, i in SURVEYS
    ]
    insert("base_surveys__responses", surveys)
    insert("stg_surveys__responses", surveys)
    return con


def by_key(frame: pd.DataFrame, key: str) -> dict:
    return frame.set_index("key").loc[key].to_dict()


CALL_KEYS = "staging.stg_telephony__calls(call_id)"
CALL_AGENTS = "staging.stg_telephony__calls.agent_id -> staging.stg_hr__agents"
SURVEYED = "staging.stg_surveys__responses.(interaction_source, interaction_id) -> staged interactions"


def test_a_night_looks_for_duplicates_among_the_keys_its_files_deliver():
    frame = metrics.staging_key_frame(build_file(built_load_id=1))
    # C6 is delivered tonight and staged twice; C5 (twice too) was built before. Null keys and
    # rows are counted over the whole table (a column scan, no hash).
    assert by_key(frame, CALL_KEYS) == {"rows": 10, "null_keys": 1, "duplicate_keys": 1}


@pytest.mark.parametrize("built_load_id", [0, 2], ids=["full refresh", "nothing unbuilt"])
def test_a_full_refresh_or_a_check_after_the_publish_judges_every_key(built_load_id):
    frame = metrics.staging_key_frame(build_file(built_load_id))
    assert by_key(frame, CALL_KEYS) == {"rows": 10, "null_keys": 1, "duplicate_keys": 2}  # C5 and C6


def test_a_night_checks_the_references_of_the_records_it_delivers():
    frame = metrics.staging_reference_frame(build_file(built_load_id=1))
    # in scope: C3, C6 twice and C7 (delivered tonight, C7's staged version from an earlier file);
    # unresolved: AY and AZ. C2 (AX) and C4 were built before (C4's agent A9 is delivered again
    # tonight, which does not bring C4 into scope: a night never removes a staged key).
    assert by_key(frame, CALL_AGENTS) == {"checked": 4, "unresolved": 2, "parent_rows": 2, "example": "AY"}
    # S1, delivered tonight; S2 was built before
    assert by_key(frame, SURVEYED) == {
        "checked": 1,
        "unresolved": 1,
        "parent_rows": 10,
        "example": "telephony_calls:CZZ",
    }


@pytest.mark.parametrize("built_load_id", [0, 2], ids=["full refresh", "nothing unbuilt"])
def test_a_full_refresh_or_a_check_after_the_publish_judges_every_reference(built_load_id):
    frame = metrics.staging_reference_frame(build_file(built_load_id))
    assert by_key(frame, CALL_AGENTS) == {"checked": 10, "unresolved": 3, "parent_rows": 2, "example": "AX"}
    assert by_key(frame, SURVEYED) == {
        "checked": 3,
        "unresolved": 2,
        "parent_rows": 10,
        "example": "telephony_calls:CQQ",
    }
