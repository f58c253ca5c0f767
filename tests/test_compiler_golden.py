"""Golden tests: every metric's compiled SQL equals an independent hand-written query,
cut by a dimension and by a time grain, on DuckDB and (when available) PostgreSQL."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from pathlib import Path

import pytest

from assistant.plan.query import SemanticQuery
from assistant.sql.compiler import compile_query
from assistant.sql.executor import Executor
from assistant.sql.guard import Guard
from tests.golden_metrics import GOLDEN

CASES = [(metric, i) for metric, entries in GOLDEN.items() for i in range(len(entries))]


def _norm(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _rows(rows) -> list[tuple]:
    out = [tuple(_norm(v) for v in row) for row in rows]
    return sorted(out, key=lambda r: tuple(str(v) for v in r))


def assert_same(got: list[tuple], want: list[tuple]) -> None:
    assert len(got) == len(want), f"{len(got)} rows vs {len(want)} expected"
    for g, w in zip(got, want, strict=True):
        assert len(g) == len(w)
        for a, b in zip(g, w, strict=True):
            if isinstance(a, float) or isinstance(b, float):
                assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (g, w)
            else:
                assert a == b, (g, w)


def test_every_metric_has_golden_queries(layer) -> None:
    assert set(GOLDEN) == set(layer.metrics)
    for metric, entries in GOLDEN.items():
        shapes = {("dimension" if e[0].get("dimensions") else "grain") for e in entries}
        dated = bool(layer.metric_time_columns(metric))  # snapshot metrics have no time grain
        assert shapes == ({"dimension", "grain"} if dated else {"dimension"}), metric


def _check(metric: str, i: int, layer, url: str) -> None:
    kwargs, hand_sql = GOLDEN[metric][i]
    query = SemanticQuery(**{**kwargs, "metrics": [metric]})
    executor = Executor(url)
    try:
        guard = Guard(layer.physical_schema(), dialect=executor.dialect, max_rows=100_000)
        got = executor.run(guard.check(compile_query(query, layer).tree), max_rows=100_000).rows
        want = executor.run(guard.check(hand_sql), max_rows=100_000).rows
    finally:
        executor.dispose()
    assert want, "the hand-written query returned nothing: the test would prove nothing"
    assert_same(_rows(got), _rows(want))


@pytest.mark.parametrize("metric,i", CASES, ids=[f"{m}-{i}" for m, i in CASES])
def test_golden_duckdb(metric: str, i: int, layer, demo_db: Path) -> None:
    _check(metric, i, layer, str(demo_db))


@pytest.mark.postgres
@pytest.mark.parametrize("metric,i", CASES, ids=[f"{m}-{i}" for m, i in CASES])
def test_golden_postgres(metric: str, i: int, layer, pg_url: str) -> None:
    _check(metric, i, layer, pg_url)


def test_multi_fact_metric_does_not_fan_out(layer, demo_db: Path) -> None:
    """energy_per_unit by plant and month equals kWh and output computed fact by fact."""
    query = SemanticQuery(metrics=["energy_per_unit", "energy_kwh", "total_output"], dimensions=["plant"],
                          time_grain="month", time_range={"start": "2025-07-01", "end": "2025-12-31"})
    executor = Executor(str(demo_db))
    guard = Guard(layer.physical_schema(), dialect="duckdb")
    got = executor.run(guard.check(compile_query(query, layer).tree)).rows
    kwh = dict(((r[0], r[1]), r[2]) for r in executor.run(guard.check("""
        SELECT p.plant_name, CAST(DATE_TRUNC('month', e.reading_date) AS DATE), SUM(e.kwh) FROM energy_readings e
        JOIN machines m USING (machine_id) JOIN production_lines l ON l.line_id = m.line_id JOIN plants p ON p.plant_id = l.plant_id
        WHERE e.reading_date BETWEEN DATE '2025-07-01' AND DATE '2025-12-31' GROUP BY 1, 2""")).rows)
    out = dict(((r[0], r[1]), r[2]) for r in executor.run(guard.check("""
        SELECT p.plant_name, CAST(DATE_TRUNC('month', r.production_date) AS DATE), SUM(r.total_count) FROM production_records r
        JOIN production_lines l ON l.line_id = r.line_id JOIN plants p ON p.plant_id = l.plant_id
        WHERE r.production_date BETWEEN DATE '2025-07-01' AND DATE '2025-12-31' GROUP BY 1, 2""")).rows)
    executor.dispose()
    assert len(got) == 18  # 3 plants x 6 months
    for month, plant, per_unit, total_kwh, total_out in got:
        assert math.isclose(total_kwh, kwh[(plant, month)], rel_tol=1e-9)
        assert total_out == out[(plant, month)]
        assert math.isclose(per_unit, kwh[(plant, month)] / out[(plant, month)], rel_tol=1e-9)


def test_threshold_becomes_having(layer) -> None:
    query = SemanticQuery(metrics=["oee"], dimensions=["line"], filters=[{"field": "oee", "op": "<", "values": [0.6]}])
    sql = compile_query(query, layer).sql()
    assert "HAVING" in sql and "WHERE" not in sql


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "mysql", "snowflake", "bigquery", "trino", "spark"])
def test_compiles_for_every_dialect(layer, dialect: str) -> None:
    import sqlglot

    query = SemanticQuery(metrics=["oee", "defect_ppm"], dimensions=["plant"], time_grain="month",
                          time_range={"start": "2025-01-01", "end": "2025-12-31"},
                          filters=[{"field": "plant", "op": "in", "values": ["SZ", "NB"]}], limit=10)
    sql = compile_query(query, layer, dialect=dialect).sql(dialect)
    assert sqlglot.parse_one(sql, read=dialect) is not None


@pytest.mark.parametrize("dialect,iso_week", [("duckdb", "DATE_TRUNC('WEEK'"), ("postgres", "DATE_TRUNC('WEEK'"),
                                              ("bigquery", "ISOWEEK"), ("mysql", "WEEKDAY("), ("trino", "DATE_TRUNC('WEEK'")])
def test_week_grain_is_iso_in_every_dialect(layer, dialect: str, iso_week: str) -> None:
    """Weeks start on Monday everywhere: BigQuery needs ISOWEEK, MySQL an explicit WEEKDAY offset."""
    query = SemanticQuery(metrics=["total_output"], time_grain="week")
    assert iso_week in compile_query(query, layer, dialect=dialect).sql(dialect)
