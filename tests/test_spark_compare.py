"""The DuckDB-vs-Spark table comparison (orchestration/spark/compare.py) catches what it must.

Pure Python, in the default suite: `make test-spark` relies on it to prove equality.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from orchestration.spark.compare import Table, compare, mart_models, type_family, values_equal


def _table(rows, types=("varchar", "double", "decimal(18,2)", "timestamp")):
    return Table(["key", "ratio", "amount", "at"], list(types), rows)


T = dt.datetime(2026, 11, 1, 6, 30)
SPARK_TYPES = ("string", "double", "decimal(28,2)", "timestamp")


def test_equal_tables_in_any_order_are_equal():
    duck = _table([("a", 0.1 + 0.2, Decimal("1.10"), T), ("b", None, Decimal("2.00"), None)])
    spark = _table([("b", None, Decimal("2.0"), None), ("a", 0.3, Decimal("1.1"), T)], SPARK_TYPES)
    assert compare("t", duck, spark).equal


def test_a_number_beyond_the_tolerance_differs():
    duck = _table([("a", 1.0, Decimal("1.10"), T)])
    assert compare("t", duck, _table([("a", 1.0 + 1e-12, Decimal("1.10"), T)])).equal
    diff = compare("t", duck, _table([("a", 1.000001, Decimal("1.10"), T)]))
    assert not diff.equal and "ratio" in diff.problems[0]
    assert not compare("t", duck, _table([("a", 1.0, Decimal("1.11"), T)])).equal


def test_null_text_timestamp_and_row_count_differences_are_caught():
    duck = _table([("a", 1.0, Decimal("1"), T)])
    assert not compare("t", duck, _table([("a", None, Decimal("1"), T)])).equal
    assert not compare("t", duck, _table([("A", 1.0, Decimal("1"), T)])).equal
    assert not compare("t", duck, _table([("a", 1.0, Decimal("1"), T + dt.timedelta(hours=1))])).equal
    assert not compare("t", duck, _table([("a", 1.0, Decimal("1"), T)] * 2)).equal


def test_columns_and_type_families_must_match():
    duck = _table([("a", 1.0, Decimal("1"), T)])
    renamed = Table(["key", "rate", "amount", "at"], list(SPARK_TYPES), duck.rows)
    assert not compare("t", duck, renamed).equal
    as_text = _table(duck.rows, ("string", "string", "decimal(18,2)", "timestamp"))
    assert not compare("t", duck, as_text).equal
    assert type_family("HUGEINT") == type_family("bigint") == "integer"
    assert type_family("VARCHAR") == type_family("string") == "text"


def test_exact_mode_allows_no_tolerance():
    assert values_equal(1.0, 1.0 + 1e-12)
    assert not values_equal(1.0, 1.0 + 1e-12, exact=True)
    assert values_equal("x", "x", exact=True) and not values_equal("x", None, exact=True)


def test_every_mart_is_compared():
    marts = mart_models()
    assert "fct_interactions" in marts and "dim_date" in marts and len(marts) >= 20
