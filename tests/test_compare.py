"""Two warehouses compared row for row in SQL (orchestration/tools/compare.py), as `ccw bench`
compares a night built incrementally with a full build of the same files. Hand-made files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.tools.compare import warehouse_differences

FACT = "create table marts.fct as from (values {}) t(id, channel, cost, share)"
QUARANTINE = "create table quarantine.rejected_rows as from (values {}) t(file_name, row_number, detail)"
BASE = {
    "fct": "('c1', 'chat', 10.25::decimal(18, 2), 0.1::double), ('c2', 'phone', 3.50, 0.3), "
    "('c3', 'phone', 3.50, null)",
    "rejected": "('calls.csv', 4, 'started_at 2027-01-02 after the cutoff (2026-12-03 10:00:00 UTC)')",
}


def _warehouse(path: Path, fct: str = BASE["fct"], rejected: str = BASE["rejected"], extra: str = "") -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create schema quarantine")
        con.execute("create schema meta")
        con.execute(FACT.format(fct))
        con.execute(QUARANTINE.format(rejected))
        con.execute(f"create table meta.run_log as select '{path.stem}' as run_id")  # never compared
        if extra:
            con.execute(extra)
    return path


@pytest.fixture
def full(tmp_path) -> Path:
    return _warehouse(tmp_path / "full.duckdb")


def test_the_same_rows_in_another_order_with_sums_of_doubles_are_equal(full, tmp_path):
    """Rows stored in another order, doubles a few 1e-17 off (0.1 + 0.2 - 0.2 is not 0.1 in doubles),
    nulls on both sides, another run in meta and a cutoff stated at another moment: equal."""
    night = _warehouse(
        tmp_path / "night.duckdb",
        fct="('c3', 'phone', 3.50::decimal(18, 2), null::double), ('c2', 'phone', 3.50, 0.1::double + 0.2::double), "
        "('c1', 'chat', 10.25, 0.1::double + 0.2::double - 0.2::double)",
        rejected="('calls.csv', 4, 'started_at 2027-01-02 after the cutoff (2026-12-04 02:15:00 UTC)')",
    )
    with duckdb.connect(str(night)) as con:
        assert con.execute("select share from marts.fct order by id").fetchall() == [
            (0.10000000000000003,),
            (0.30000000000000004,),
            (None,),
        ]
    assert warehouse_differences(night, full) == []


def test_a_cent_off_is_named_with_its_row(full, tmp_path):
    night = _warehouse(
        tmp_path / "night.duckdb",
        fct="('c1', 'chat', 10.26::decimal(18, 2), 0.1::double), ('c2', 'phone', 3.50, 0.3), ('c3', 'phone', 3.50, null)",
    )
    assert warehouse_differences(night, full) == [
        "marts.fct: ('c1', 'chat', Decimal('10.26'), 0.1) != full build ('c1', 'chat', Decimal('10.25'), 0.1)",
        "marts.fct: 1 rows differ",
    ]


def test_a_double_off_by_more_than_a_billionth_is_named(full, tmp_path):
    night = _warehouse(
        tmp_path / "night.duckdb",
        fct="('c1', 'chat', 10.25::decimal(18, 2), 0.1000001::double), ('c2', 'phone', 3.50, 0.3), "
        "('c3', 'phone', 3.50, null)",
    )
    assert warehouse_differences(night, full)[0].startswith(
        "marts.fct: ('c1', 'chat', Decimal('10.25'), 0.1000001)"
    )


def test_a_row_twice_instead_of_another_is_a_difference(tmp_path):
    """The same number of rows, but c2 twice and no c3: as multisets they differ."""
    table = "('c1', 'chat', 1.00::decimal(18, 2), 1::double), ('c2', 'chat', 2.00, 2), ({})"
    full = _warehouse(tmp_path / "full.duckdb", fct=table.format("'c3', 'chat', 3.00, 3"))
    night = _warehouse(tmp_path / "night.duckdb", fct=table.format("'c2', 'chat', 2.00, 2"))
    problems = warehouse_differences(night, full)
    assert problems[-1] == "marts.fct: 1 rows differ"
    assert (
        "('c2', 'chat', Decimal('2.00'), 2.0) != full build ('c3', 'chat', Decimal('3.00'), 3.0)"
        in problems[0]
    )


def test_exact_tables_report_the_rows_the_full_build_lacks(tmp_path):
    """A quarantine detail that differs beyond its cutoff: named as a row the full build does not hold."""
    full = _warehouse(tmp_path / "full.duckdb")
    night = _warehouse(
        tmp_path / "night.duckdb",
        rejected="('calls.csv', 5, 'started_at 2027-01-02 after the cutoff (2026-12-04 02:15:00 UTC)')",
    )
    assert warehouse_differences(night, full) == [
        "quarantine.rejected_rows: ('calls.csv', 5, 'started_at 2027-01-02 after the cutoff (cutoff)') "
        "is not in the full build",
        "quarantine.rejected_rows: 1 rows differ",
    ]


def test_missing_rows_and_tables_are_named(full, tmp_path):
    fewer = _warehouse(tmp_path / "fewer.duckdb", fct="('c1', 'chat', 10.25::decimal(18, 2), 0.1::double)")
    assert warehouse_differences(fewer, full) == ["marts.fct: 1 rows, 3 in the full build"]
    more = _warehouse(tmp_path / "more.duckdb", extra="create table marts.dim_x as select 1 as x")
    assert warehouse_differences(more, full) == ["tables differ: [('marts', 'dim_x')]"]
