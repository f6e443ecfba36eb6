"""Declarative mappings (orchestration/landing/): the language, its checks, the raw layer it writes.

No dbt here: each test reads hand-written exports through a mapping into a private raw DuckDB
(`ingest`) or through `ccw mappings check`, and compares the contract text with values
computed by hand. The presets' whole-pipeline runs are in test_presets_*.py.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from presets import FIXTURES

from orchestration.cli import main
from orchestration.configuration import init
from orchestration.landing.check import check_mappings
from orchestration.landing.files import LandingError
from orchestration.landing.ingest import ingest
from orchestration.landing.mappings import (
    MappingError,
    landing_mappings,
    load_mapping,
    preset_names,
    preset_path,
)
from orchestration.quality.metrics import RuleSettings

# A call-centre export as many ACD reports write it: DD/MM/YYYY dates and a separate time,
# H:MM:SS durations, Y/N answered, a semicolon-free CSV with spaces and brackets in the header.
CALL_LOG = """\
Call Id,Agent,Date,Time,Topic,Answered (Y/N),Resolved,Speed of answer in seconds,AvgTalkDuration,Satisfaction rating
ID0001,Diane,15/10/2026,09:12:10,Billing,Y,Y,12,0:04:30,4
ID0002,Becky,15/10/2026,09:20:00,Billing,N,N,,,
ID0003,Diane,15/10/2026,23:59:59,Tech,Y,N,31,1:02:03,3
ID0004,Joe,16/10/2026,08:00:00,Tech,Y,Y,7,0:00:59,5
ID0005,Joe,31/02/2026,08:00:00,Tech,Y,Y,7,12:61,5
"""
CALL_LOG_MAPPING = """\
# A call-centre CSV read by a mapping alone.
format: csv
sources:
  telephony_calls:
    columns:
      call_id: Call Id
      direction: {value: inbound}
      started_at:
        sql: "\\"Date\\" || ' ' || \\"Time\\""
        format: "%d/%m/%Y %H:%M:%S"
      queue: Topic
      contact_reason: Topic
      ivr_seconds: null           # not in the export
      queue_seconds: Speed of answer in seconds
      agent_id: Agent
      talk_seconds: {column: AvgTalkDuration, duration: "h:mm:ss"}
      hold_seconds: null          # not in the export
      acw_seconds: null           # not in the export
      outcome:
        column: Answered (Y/N)
        map: {Y: answered, N: abandoned}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def raw_rows(con, source: str, columns: str) -> list[tuple]:
    return con.execute(f"select {columns} from raw.{source} order by _file_name, _row_number").fetchall()


def raw_count(con, source: str) -> int:
    return con.execute(f"select count(*) from raw.{source}").fetchall()[0][0]


@pytest.fixture
def call_log(tmp_path):
    landing, config = tmp_path / "landing", tmp_path / "config"
    write(landing / "callcentre_log" / "calls-2026-10.csv", CALL_LOG)
    write(config / "mappings" / "callcentre_log.yml", CALL_LOG_MAPPING)
    return landing, config


def test_a_csv_with_non_iso_dates_hms_durations_and_yn_answered_is_read_by_a_mapping_alone(call_log):
    """By hand: 15/10/2026 09:12:10 -> '2026-10-15 09:12:10' (no zone: business-local time);
    0:04:30 -> 270 s, 1:02:03 -> 3723 s, 0:00:59 -> 59 s; Y -> answered, N -> abandoned; an
    empty field stays null. Row 5 cannot be converted (31 February, '12:61'): the values are
    written with what was expected, so staging rejects them as unparseable_type, quoting them."""
    landing, config = call_log
    with duckdb.connect() as con:
        report = ingest(con, landing, config_dir=config)
        rows = raw_rows(
            con,
            "telephony_calls",
            "call_id, direction, started_at, queue_seconds, talk_seconds, outcome, ivr_seconds, _file_name, _row_number",
        )
    assert report.files["telephony_calls"] == ["callcentre_log/calls-2026-10.csv"]
    assert report.rows["telephony_calls"] == 5
    f = "callcentre_log/calls-2026-10.csv"
    assert rows == [
        ("ID0001", "inbound", "2026-10-15 09:12:10", "12", "270", "answered", None, f, 1),
        ("ID0002", "inbound", "2026-10-15 09:20:00", None, None, "abandoned", None, f, 2),
        ("ID0003", "inbound", "2026-10-15 23:59:59", "31", "3723", "answered", None, f, 3),
        ("ID0004", "inbound", "2026-10-16 08:00:00", "7", "59", "answered", None, f, 4),
        (
            "ID0005",
            "inbound",
            "31/02/2026 08:00:00 (not %d/%m/%Y %H:%M:%S)",
            "7",
            "12:61 (not h:mm:ss)",
            "answered",
            None,
            f,
            5,
        ),
    ]


def test_timestamp_forms_zones_and_durations_convert_to_the_contracts_text(tmp_path):
    """By hand: Europe/London 2026-07-01 10:00 (BST, UTC+1) = 09:00Z; 2026-01-15 10:00 (GMT) =
    10:00Z; a value with its own offset keeps it; epoch 1763650800 = 2025-11-20T15:00:00Z;
    epoch_ms 1763650800500 = 15:00:00Z (seconds kept); /Date(1539993600000+0000)/ =
    2018-10-20 (a date); 90500 ms -> 91 s (half away from zero), 2.5 min -> 150 s; a map with
    a default turns every other value into it."""
    export = [
        {
            "id": "1",
            "t": "2026-07-01 10:00:00",
            "e": 1763650800,
            "ms": 1763650800500,
            "d": "/Date(1539993600000+0000)/",
            "dur": 90500,
            "min": 2.5,
            "kind": "Y",
        },
        {
            "id": "2",
            "t": "2026-01-15T10:00:00+02:00",
            "e": None,
            "ms": None,
            "d": None,
            "dur": None,
            "min": None,
            "kind": "maybe",
        },
        {
            "id": "3",
            "t": "2026-01-15 10:00:00",
            "e": "soon",
            "ms": None,
            "d": "2018-10-20",
            "dur": "x",
            "min": None,
            "kind": "N",
        },
    ]
    landing, config = tmp_path / "landing", tmp_path / "config"
    write(landing / "times" / "export.json", "\n".join(json.dumps(r) for r in export))
    write(
        config / "mappings" / "times.yml",
        """\
format: json
sources:
  telephony_calls:
    columns:
      call_id: id
      updated_at: {column: t, timezone: Europe/London}
      direction: {value: inbound}
      started_at: {column: e, format: epoch}
      ivr_seconds: {column: dur, duration: milliseconds}
      queue_seconds: {column: min, duration: minutes}
      talk_seconds: {value: 0}
      hold_seconds: {value: 0}
      acw_seconds: {value: 0}
      outcome: {column: kind, map: {Y: answered, N: abandoned}, default: failed}
  chats:
    columns:
      chat_id: id
      started_at: {column: ms, format: epoch_ms}
      outcome: {value: answered}
  gl_journal_lines:
    columns:
      journal_id: id
      line_number: {value: 1}
      posting_date: {column: d, format: ms_json}
      account_code: {value: "6000"}
      cost_center: {value: CC4110}
      amount: {value: "1.00"}
      currency: {sql: "getvariable('reporting_currency')"}
""",
    )
    with duckdb.connect() as con:
        ingest(con, landing, config_dir=config)
        calls = raw_rows(
            con, "telephony_calls", "call_id, updated_at, started_at, ivr_seconds, queue_seconds, outcome"
        )
        chats = raw_rows(con, "chats", "chat_id, started_at")
        gl = raw_rows(con, "gl_journal_lines", "journal_id, posting_date, currency")
    assert calls == [
        ("1", "2026-07-01T09:00:00Z", "2025-11-20T15:00:00Z", "91", "150", "answered"),
        ("2", "2026-01-15T10:00:00+02:00", None, None, None, "failed"),
        (
            "3",
            "2026-01-15T10:00:00Z",
            "soon (not seconds since 1970)",
            "x (not a number of milliseconds)",
            None,
            "abandoned",
        ),
    ]
    assert chats == [("1", "2025-11-20T15:00:00Z"), ("2", None), ("3", None)]
    assert gl == [
        ("1", "2018-10-20", "USD"),
        ("2", None, "USD"),
        ("3", "2018-10-20 (not /Date(milliseconds)/)", "USD"),
    ]


def test_json_records_concatenated_gzip_nested_nulls_arrays_and_subfolders(tmp_path):
    """Records one after another without separator, then gzip one per line without extension, in
    a YYYY/MM/DD/HH subfolder; `records` unwraps an API page; `unnest` gives one row per array
    element with its position; a null or missing parent gives null fields; files named _SUCCESS or
    .hidden are not exports. Rows are numbered by position in the file."""
    page = {
        "items": [
            {"id": "A", "who": {"name": "x"}, "lines": [{"n": "a1"}, {"n": "a2"}]},
            {"id": "B", "who": None, "lines": []},
            {"id": "C", "lines": [{"n": "c1"}]},
        ],
        "next": None,
    }
    landing, config = tmp_path / "landing", tmp_path / "config"
    folder = landing / "pages" / "2026" / "11" / "20" / "15"
    write(folder / "part-1", json.dumps(page) + json.dumps({"items": [{"id": "D", "who": {"name": "y"}}]}))
    folder.joinpath("part-2").write_bytes(
        gzip.compress(json.dumps({"items": [{"id": "E"}]}).encode() + b"\n")
    )
    write(folder / "_SUCCESS", "")
    write(folder / ".part-3.crc", "junk")
    write(
        config / "mappings" / "pages.yml",
        """\
format: json
records: items
sources:
  customers:
    columns:
      customer_id: id
      segment: {value: sme}
      customer_name: who.name
  agent_activity:
    unnest: {path: lines, as: line}
    columns:
      agent_id: {join: [id, line.n], separator: "-"}
      activity_date: {value: "2026-11-20"}
      state: {value: available}
      seconds: {sql: "line_position * 10"}
""",
    )
    with duckdb.connect() as con:
        report = ingest(con, landing, config_dir=config)
        customers = raw_rows(con, "customers", "customer_id, customer_name, _file_name, _row_number")
        activity = raw_rows(con, "agent_activity", "agent_id, seconds, _row_number")
    part1, part2 = "pages/2026/11/20/15/part-1", "pages/2026/11/20/15/part-2"
    assert customers == [
        ("A", "x", part1, 1),
        ("B", None, part1, 2),
        ("C", None, part1, 3),
        ("D", "y", part1, 4),
        ("E", None, part2, 1),
    ]
    assert activity == [("A-a1", "10", 1), ("A-a2", "20", 2), ("C-c1", "10", 3)]
    assert sorted(report.files["customers"]) == [part1, part2]


def test_a_mapped_file_is_read_again_only_when_it_or_its_mapping_changes(call_log):
    """Unchanged: nothing read. The mapping changed: the file is read again, its rows replaced,
    and the next build is a full refresh (dbt cannot un-see the old rows). File removed: rows gone."""
    landing, config = call_log
    with duckdb.connect() as con:
        first = ingest(con, landing, config_dir=config)
        again = ingest(con, landing, config_dir=config)
        assert first.loaded_files == ["callcentre_log/calls-2026-10.csv"] and again.loaded_files == []
        con.execute("update raw._build_state set full_refresh_required = false")
        mapping = config / "mappings" / "callcentre_log.yml"
        mapping.write_text(mapping.read_text().replace("queue: Topic", "queue: {value: main}"))
        changed = ingest(con, landing, config_dir=config)
        assert changed.changed_files == ["callcentre_log/calls-2026-10.csv"]
        assert con.execute("select full_refresh_required from raw._build_state").fetchall() == [(True,)]
        assert {r[0] for r in raw_rows(con, "telephony_calls", "queue")} == {"main"}
        assert raw_count(con, "telephony_calls") == 5
        (landing / "callcentre_log" / "calls-2026-10.csv").unlink()
        removed = ingest(con, landing, config_dir=config)
        assert removed.removed_files == ["callcentre_log/calls-2026-10.csv"]
        assert raw_count(con, "telephony_calls") == 0


def test_a_file_the_mapping_cannot_read_is_a_file_issue_with_the_mapping_line(call_log):
    landing, config = call_log
    write(landing / "callcentre_log" / "calls-2026-11.csv", "Call Id,Agent,Date\nID9,Joe,01/11/2026\n")
    with duckdb.connect() as con:
        with pytest.raises(LandingError) as raised:
            ingest(con, landing, config_dir=config)
        assert raised.value.rule == "missing_required_column"
        assert raised.value.file_name == "callcentre_log/calls-2026-11.csv"
        assert "callcentre_log.yml, line" in raised.value.detail and "'Time'" in raised.value.detail
        report = ingest(con, landing, config_dir=config, on_file_issue="record")
        assert [(i.file_name, i.rule) for i in report.issues] == [
            ("callcentre_log/calls-2026-11.csv", "missing_required_column")
        ]
        assert report.rows["telephony_calls"] == 5  # the other file loaded


# ---------------------------------------------------------------- bad mappings stop with file and line
BAD_MAPPINGS = {
    "unknown target column": (
        "format: csv\nsources:\n  chats:\n    columns:\n      chat_id: a\n      started_at: b\n      outcome: c\n"
        "      wait_secs: d\n",
        8,
        "'wait_secs' is not a column of chats",
    ),
    "missing required column": (
        "format: csv\nsources:\n  chats:\n    columns:\n      chat_id: a\n      started_at: b\n",
        3,
        "chats requires outcome",
    ),
    "unknown source": (
        "format: csv\nsources:\n  calls:\n    columns: {}\n",
        3,
        "'calls' is not a contract source",
    ),
    "expression does not parse": (
        "format: csv\nsources:\n  chats:\n    columns:\n      chat_id: a\n      started_at: b\n"
        "      outcome: {sql: \"case when x then 'answered'\"}\n",
        7,
        "does not parse as SQL",
    ),
    "expression does not bind": (
        "format: csv\nsources:\n  chats:\n    columns:\n      chat_id: a\n      started_at: b\n"
        '      outcome: {sql: "no_such_function(x)"}\n',
        7,
        "no_such_function",
    ),
    "expression escaping its parentheses": (
        'format: csv\nsources:\n  chats:\n    where: "true) from t where (true"\n    columns:\n      chat_id: a\n',
        4,
        "one SQL expression",
    ),
    "bad format": (
        "format: csv\nsources:\n  chats:\n    columns:\n      chat_id: a\n      started_at: {column: b, format: '%Q'}\n"
        "      outcome: c\n",
        6,
        "format '%Q'",
    ),
    "bad zone": (
        "format: csv\nsources:\n  chats:\n    columns:\n      chat_id: a\n"
        "      started_at: {column: b, timezone: Mars/Olympus}\n      outcome: c\n",
        6,
        "not an IANA zone name",
    ),
    "duration on a text column": (
        "format: csv\nsources:\n  chats:\n    columns:\n      chat_id: {column: a, duration: minutes}\n"
        "      started_at: b\n      outcome: c\n",
        5,
        "duration applies to an integer",
    ),
    "unknown format": ("format: xml\nsources: {}\n", 1, "format: one of csv, json"),
    "unknown key": ("format: csv\nsauces: {}\n", 2, "unknown key 'sauces'"),
    "duplicate key": ("format: csv\nformat: json\n", 2, "'format' appears twice"),
    "invalid yaml": ("format: csv\nsources: [\n", 3, "not valid YAML"),
    "unknown preset": ("preset: avaya_cms\n", 1, "no preset named 'avaya_cms'"),
}


@pytest.mark.parametrize("case", sorted(BAD_MAPPINGS))
def test_a_bad_mapping_stops_naming_the_file_the_line_and_the_problem(tmp_path, case):
    text, line, problem = BAD_MAPPINGS[case]
    path = write(tmp_path / "config" / "mappings" / "vendor.yml", text)
    write(tmp_path / "landing" / "vendor" / "export.csv", "a,b,c\n")
    with pytest.raises(MappingError) as raised:
        landing_mappings(tmp_path / "landing", tmp_path / "config")
    message = str(raised.value)
    assert str(path) in message and f"line {line}:" in message and problem in message, message
    # the run stops before the raw layer changes
    with duckdb.connect() as con:
        with pytest.raises(MappingError):
            ingest(con, tmp_path / "landing", config_dir=tmp_path / "config")


def test_a_mapping_cannot_take_a_contract_folder(tmp_path):
    write(tmp_path / "config" / "mappings" / "telephony_calls.yml", "preset: amazon_connect_ctr\n")
    with pytest.raises(MappingError, match="is a contract source folder"):
        landing_mappings(tmp_path / "landing", tmp_path / "config")


# ---------------------------------------------------------------- presets, overrides, check, show
@pytest.mark.parametrize("name", preset_names())
def test_every_preset_is_a_valid_mapping_with_its_documentation(name):
    """Each preset loads (keys, columns, SQL bound against its fields) and documents itself."""
    mapping = load_mapping(preset_path(name))
    text = preset_path(name).read_text()
    assert mapping.sources and text.startswith("#")
    assert "cannot tell" in text or "cannot know" in text or "Read:" in text  # what it leaves null


def test_a_mapping_overrides_single_columns_of_a_preset_and_can_drop_a_source(tmp_path):
    path = write(
        tmp_path / "connect_eu.yml",
        "preset: amazon_connect_ctr\nsources:\n  telephony_calls:\n    columns:\n"
        "      agent_id: Agent.ARN\n      contact_reason: Attributes.reason\n  chats: null\n",
    )
    mapping = load_mapping(path)
    assert list(mapping.sources) == ["telephony_calls"]
    columns = mapping.sources["telephony_calls"].columns
    assert columns["agent_id"].column_path == ("Agent", "ARN")
    assert columns["agent_id"].origin.path == path and columns["agent_id"].origin.line == 5
    assert columns["call_id"].origin.path == preset_path("amazon_connect_ctr")  # from the preset
    assert mapping.sources["telephony_calls"].where is not None  # the preset's filter is kept


def test_mappings_check_reports_sources_rows_unread_records_and_problems(tmp_path, capsys, monkeypatch):
    """The Amazon Connect fixture: 15 records (a task and a supervisor's monitoring are read by
    no source), 10 call rows (V1 delivered twice, V4 twice) and 3 chat rows; the call log: 5 rows,
    row 5 unparseable (started_at and talk_seconds); the IVR, hold and after-call times it maps to
    null are optional: no row breaks missing_required."""
    landing, config = tmp_path / "landing", tmp_path / "config"
    shutil.copytree(FIXTURES / "amazon_connect_ctr", landing / "amazon_connect_ctr")
    write(landing / "callcentre_log" / "calls.csv", CALL_LOG)
    write(config / "mappings" / "callcentre_log.yml", CALL_LOG_MAPPING)
    write(landing / "amazon_conect" / "typo.json", "{}")
    results = {r.folder: r for r in check_mappings(landing, config, RuleSettings.defaults())}
    connect = results["amazon_connect_ctr"]
    assert (connect.files, connect.records, connect.unread_records) == (2, 15, 2)
    assert connect.rows == {"telephony_calls": 10, "chats": 3} and connect.problems == []
    log = results["callcentre_log"]
    assert log.rows == {"telephony_calls": 5}
    assert not any("missing_required" in p for p in log.problems)
    assert any(
        "1 row(s) break unparseable_type (first: callcentre_log/calls.csv, row 5)" in p for p in log.problems
    )
    init(config)  # the configuration folder: the sample organisation's files and mappings/
    monkeypatch.setenv("CCW_LANDING_DIR", str(landing))
    monkeypatch.setenv("CCW_CONFIG_DIR", str(config))
    assert main(["mappings", "check"]) == 0
    out = capsys.readouterr().out
    assert "amazon_conect/  NOT READ" in out and "15 records (2 read by no source)" in out


def test_mappings_check_exits_1_on_a_mapping_error(tmp_path, capsys, monkeypatch):
    write(tmp_path / "config" / "mappings" / "vendor.yml", BAD_MAPPINGS["unknown target column"][0])
    init(tmp_path / "config")
    monkeypatch.setenv("CCW_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("CCW_CONFIG_DIR", str(tmp_path / "config"))
    assert main(["mappings", "check"]) == 1
    assert "vendor.yml, line 8: 'wait_secs' is not a column of chats" in capsys.readouterr().out


def test_mappings_show_prints_a_preset_that_loads_as_a_mapping_file(tmp_path, capsys):
    assert main(["mappings", "show"]) == 0
    assert set(preset_names()) <= set(capsys.readouterr().out.split())
    assert main(["mappings", "show", "zendesk_tickets"]) == 0
    path = write(tmp_path / "helpdesk.yml", capsys.readouterr().out)
    assert list(load_mapping(path).sources) == ["tickets"]
    assert main(["mappings", "show", "avaya"]) == 2
