"""The result comparator: harmless differences pass, real differences fail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from assistant.surfaces.evaluation.compare import (
    ValueEquivalence,
    compare_results,
    detect_order_limit,
)


def same(gold_cols, gold_rows, pred_cols, pred_rows, **kw) -> bool:
    return compare_results(gold_cols, gold_rows, pred_cols, pred_rows, **kw).correct


# --------------------------------------------------------------------------- columns


def test_column_permutation_passes() -> None:
    gold = [("SZ", 10, 0.5), ("NB", 20, 0.25)]
    pred = [(0.25, "NB", 20), (0.5, "SZ", 10)]
    result = compare_results(["plant", "output", "rate"], gold, ["rate", "plant", "output"], pred)
    assert result.correct, result.reason
    assert result.column_map == {"plant": "plant", "output": "output", "rate": "rate"}


def test_extra_prediction_columns_pass_and_are_named() -> None:
    result = compare_results(["plant", "oee"], [("SZ", 0.61), ("NB", 0.72)],
                             ["plant", "plant_name", "oee", "records"],
                             [("SZ", "Suzhou", 0.61, 7), ("NB", "Ningbo", 0.72, 9)])
    assert result.correct, result.reason
    assert "plant_name" in result.reason and "records" in result.reason


def test_missing_column_fails_with_closest_values() -> None:
    result = compare_results(["plant", "oee"], [("SZ", 0.61), ("NB", 0.72)], ["plant", "availability"],
                             [("SZ", 0.61), ("NB", 0.90)])
    assert not result.correct
    assert "column 'oee' not found" in result.reason
    assert "'availability'" in result.reason and "1/2" in result.reason


def test_fewer_prediction_columns_fail() -> None:
    result = compare_results(["plant", "oee"], [("SZ", 0.5)], ["plant"], [("SZ",)])
    assert not result.correct and "'oee'" in result.reason


def test_two_gold_columns_cannot_share_one_prediction_column() -> None:
    # Both gold columns have the same values; the prediction has that column only once.
    result = compare_results(["a", "b"], [(1, 1), (2, 2)], ["x"], [(1,), (2,)])
    assert not result.correct
    assert "column" in result.reason


def test_values_paired_differently_across_rows_fail() -> None:
    # Each column's values match as a multiset, but the rows pair them wrongly.
    result = compare_results(["plant", "output"], [("SZ", 1), ("NB", 2)], ["plant", "output"], [("SZ", 2), ("NB", 1)])
    assert not result.correct
    assert "paired differently" in result.reason


def test_interchangeable_columns_find_the_right_assignment() -> None:
    gold = [(1, 2), (2, 1), (3, 3)]
    pred = [(2, 1, "x"), (1, 2, "y"), (3, 3, "z")]  # b, a swapped and an extra column
    assert same(["a", "b"], gold, ["b", "a", "label"], pred)
    assert not same(["a", "b"], gold, ["b", "a", "label"], [(2, 1, "x"), (1, 2, "y"), (3, 4, "z")])


# --------------------------------------------------------------------------- numbers


def test_float_tolerance() -> None:
    gold = [("SZ", 0.612345)]
    assert same(["p", "oee"], gold, ["p", "oee"], [("SZ", 0.612345 * (1 + 1e-7))])
    result = compare_results(["p", "oee"], gold, ["p", "oee"], [("SZ", 0.612345 * (1 + 1e-3))])
    assert not result.correct and "'oee'" in result.reason


def test_absolute_tolerance_near_zero() -> None:
    assert same(["v"], [(0.0,)], ["v"], [(1e-12,)])
    assert not same(["v"], [(0.0,)], ["v"], [(1e-6,)])


def test_int_vs_float() -> None:
    assert same(["n"], [(3,)], ["n"], [(3.0,)])
    assert not same(["n"], [(3,)], ["n"], [(3.5,)])
    # Big integers are compared exactly, not through a float.
    assert not same(["n"], [(2**60,)], ["n"], [(2**60 + 1,)])


def test_decimal() -> None:
    assert same(["price"], [(Decimal("12.50"),)], ["price"], [(12.5,)])
    assert same(["qty"], [(Decimal("7"),)], ["qty"], [(7,)])
    assert not same(["price"], [(Decimal("12.51"),)], ["price"], [(12.5,)])


def test_nan_and_none_are_equal_and_differ_from_zero() -> None:
    assert same(["v"], [(None,)], ["v"], [(float("nan"),)])
    assert not same(["v"], [(None,)], ["v"], [(0,)])


def test_tolerance_ties_that_sorting_pairs_wrongly_still_match() -> None:
    # Sorting puts (1.0, 2.0) against (1.0, 1.0); only a real matching pairs them right.
    gold = [(1.0, 2.0), (1.0 + 1e-10, 1.0)]
    pred = [(1.0 + 1e-10, 2.0), (1.0, 1.0)]
    assert same(["a", "b"], gold, ["a", "b"], pred)


# --------------------------------------------------------------------------- dates


def test_date_vs_iso_string_vs_midnight_datetime() -> None:
    day = dt.date(2025, 12, 1)
    forms = [day, "2025-12-01", dt.datetime(2025, 12, 1), "2025-12-01T00:00:00", "2025-12-01 00:00:00"]
    for a in forms:
        for b in forms:
            assert same(["month", "n"], [(a, 5)], ["month", "n"], [(b, 5)]), (a, b)


def test_timestamps_with_time_of_day() -> None:
    stamp = dt.datetime(2025, 12, 1, 8, 30)
    assert same(["t"], [(stamp,)], ["t"], [("2025-12-01 08:30:00",)])
    assert not same(["t"], [(stamp,)], ["t"], [(dt.date(2025, 12, 1),)])
    assert not same(["d"], [(dt.date(2025, 12, 1),)], ["d"], [("2025-12-02",)])


# --------------------------------------------------------------------------- dimension values


@pytest.fixture()
def dims_db(tmp_path: Path) -> Path:
    path = tmp_path / "dims.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE plants (plant_id VARCHAR, plant_name VARCHAR, plant_name_zh VARCHAR)")
    con.execute("INSERT INTO plants VALUES ('SZ','Suzhou','苏州'), ('NB','Ningbo','宁波'), ('CQ','Chongqing','重庆')")
    # A second group that also contains 'Suzhou': that name becomes ambiguous.
    con.execute("CREATE TABLE cities (city_id VARCHAR, city_name VARCHAR)")
    con.execute("INSERT INTO cities VALUES ('C1', 'Suzhou'), ('C2', 'Wuxi')")
    con.close()
    return path


def test_id_name_and_chinese_name_are_equivalent(dims_db: Path) -> None:
    eq = ValueEquivalence.from_database(dims_db, [("plants", ["plant_id", "plant_name", "plant_name_zh"])])
    gold = [("SZ", 10), ("NB", 20)]
    assert same(["plant_id", "n"], gold, ["plant_name", "n"], [("Suzhou", 10), ("Ningbo", 20)], equivalences=eq)
    assert same(["plant_id", "n"], gold, ["工厂", "n"], [("苏州", 10), ("宁波", 20)], equivalences=eq)
    assert same(["plant_id", "n"], gold, ["plant_name", "n"], [("suzhou", 10), ("NINGBO", 20)], equivalences=eq)
    # A different plant is still wrong, and without equivalences names do not match ids.
    assert not same(["plant_id", "n"], gold, ["plant_name", "n"], [("Chongqing", 10), ("Ningbo", 20)],
                    equivalences=eq)
    assert not same(["plant_id", "n"], gold, ["plant_name", "n"], [("Suzhou", 10), ("Ningbo", 20)])


def test_ambiguous_values_are_left_alone(dims_db: Path) -> None:
    eq = ValueEquivalence.from_database(dims_db, [("plants", ["plant_id", "plant_name", "plant_name_zh"]),
                                                ("cities", ["city_id", "city_name"])])
    assert eq.ambiguous == 1
    assert not same(["plant_id"], [("SZ",)], ["plant"], [("Suzhou",)], equivalences=eq)
    assert same(["plant_id"], [("SZ",)], ["plant"], [("苏州",)], equivalences=eq)
    assert same(["city_id"], [("C2",)], ["city"], [("Wuxi",)], equivalences=eq)


def test_unknown_group_table_is_a_config_error(dims_db: Path) -> None:
    from assistant.core.errors import ConfigError

    with pytest.raises(ConfigError, match="no_such_table"):
        ValueEquivalence.from_database(dims_db, [("no_such_table", ["id"])])
    assert len(ValueEquivalence.from_database(dims_db, [("no_such_table", ["id"])], skip_missing=True)) == 0


# --------------------------------------------------------------------------- rows


def test_empty_results() -> None:
    assert same(["a"], [], ["a"], [])
    assert same(["a"], [], ["b", "c"], [])
    result = compare_results(["a"], [], ["a"], [(1,)])
    assert not result.correct and "gold result is empty" in result.reason
    result = compare_results(["a"], [(1,)], ["a"], [])
    assert not result.correct and "prediction is empty" in result.reason


def test_rows_are_multisets() -> None:
    assert not same(["x"], [("a",), ("a",), ("b",)], ["x"], [("a",), ("b",), ("b",)])
    assert same(["x"], [("a",), ("a",), ("b",)], ["x"], [("b",), ("a",), ("a",)])
    result = compare_results(["x"], [("a",), ("b",), ("c",)], ["x"], [("a",), ("b",), ("c",), ("c",)])
    assert not result.correct and result.reason.startswith("row count 3 vs 4")


def test_wrong_value_fails() -> None:
    result = compare_results(["plant", "output"], [("SZ", 100), ("NB", 200)], ["plant", "output"],
                             [("SZ", 100), ("NB", 201)])
    assert not result.correct
    assert "column 'output' not found" in result.reason


def test_top_n_order_is_ignored() -> None:
    sql = "SELECT line_id, SUM(total_count) AS n FROM production_records GROUP BY 1 ORDER BY n DESC LIMIT 3"
    limit = detect_order_limit(sql)
    assert limit == 3
    gold = [("NB-L3", 300), ("SZ-L1", 200), ("CQ-L2", 100)]
    result = compare_results(["line_id", "n"], gold, ["line_id", "n"], list(reversed(gold)), ordered_limit=limit)
    assert result.correct and "top-3" in result.reason
    assert same(["line_id", "n"], gold, ["line_id", "n"], gold, ordered_limit=limit)
    # A different third row (the prediction kept the wrong rows) fails.
    assert not same(["line_id", "n"], gold, ["line_id", "n"], [*gold[:2], ("SZ-L4", 90)], ordered_limit=limit)


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT a FROM t ORDER BY a DESC LIMIT 5", 5),
    ("SELECT a FROM t LIMIT 5", None),
    ("SELECT a FROM t ORDER BY a", None),
    ("SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 3) s", None),  # inner limit only
    ("WITH x AS (SELECT 1 AS a) SELECT a FROM x ORDER BY a FETCH FIRST 4 ROWS ONLY", 4),
    ("this is not sql (", None),
])
def test_detect_order_limit(sql: str, expected: int | None) -> None:
    assert detect_order_limit(sql) == expected
