"""Golden tests of the query shapes beyond "a metric by dimensions": shares of a total, ratios of two
metrics asked for at question time, lists of members, dates chosen by a time role, and the row counts
every labelled table gets. Hand-written SQL on the physical tables, on DuckDB and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.errors import IncompatibleError
from assistant.plan.query import SemanticQuery
from assistant.sql.compiler import compile_query
from assistant.sql.executor import Executor
from assistant.sql.guard import Guard
from tests.test_compiler_golden import _rows, assert_same

NOV = {"start": "2025-11-01", "end": "2025-11-30"}
Q3 = {"start": "2025-07-01", "end": "2025-09-30"}

CASES: dict[str, tuple[dict, str]] = {
    "average-per-day-by-plant": (
        {"metrics": ["total_output"], "dimensions": ["plant"], "average_over": "day", "time_range": NOV},
        """SELECT d.plant_name, AVG(d.s) FROM
           (SELECT p.plant_name, r.production_date, SUM(r.total_count) AS s
            FROM production_records r JOIN production_lines l ON l.line_id = r.line_id
            JOIN plants p ON p.plant_id = l.plant_id
            WHERE r.production_date >= DATE '2025-11-01' AND r.production_date < DATE '2025-12-01'
            GROUP BY p.plant_name, r.production_date) d GROUP BY d.plant_name"""),
    "share-of-a-filter": (
        {"metrics": ["scrap_count"], "filters": [{"field": "shift", "values": ["C"]}], "share": ["shift"],
         "time_range": NOV},
        """SELECT n.s, n.s * 1.0 / a.s FROM
           (SELECT SUM(total_count - good_count) AS s FROM production_records WHERE shift_id = 'C'
            AND production_date >= DATE '2025-11-01' AND production_date < DATE '2025-12-01') n,
           (SELECT SUM(total_count - good_count) AS s FROM production_records
            WHERE production_date >= DATE '2025-11-01' AND production_date < DATE '2025-12-01') a"""),
    "share-of-each-group": (
        {"metrics": ["total_output"], "dimensions": ["plant"], "share": ["plant"], "time_range": NOV},
        """SELECT p.plant_name, SUM(r.total_count), SUM(r.total_count) * 1.0 / (SELECT SUM(total_count)
           FROM production_records WHERE production_date >= DATE '2025-11-01' AND production_date < DATE '2025-12-01')
           FROM production_records r JOIN production_lines l ON l.line_id = r.line_id JOIN plants p ON p.plant_id = l.plant_id
           WHERE r.production_date >= DATE '2025-11-01' AND r.production_date < DATE '2025-12-01' GROUP BY p.plant_name"""),
    "share-within-each-group": (
        {"metrics": ["downtime_minutes"], "dimensions": ["plant"], "share": ["downtime_category"],
         "filters": [{"field": "downtime_category", "values": ["unplanned"]}], "time_range": NOV},
        """SELECT p.plant_name, SUM(CASE WHEN e.category = 'unplanned' THEN e.duration_min END),
           SUM(CASE WHEN e.category = 'unplanned' THEN e.duration_min END) / SUM(e.duration_min)
           FROM downtime_events e JOIN production_lines l ON l.line_id = e.line_id JOIN plants p ON p.plant_id = l.plant_id
           WHERE e.start_time >= DATE '2025-11-01' AND e.start_time < DATE '2025-12-01' GROUP BY p.plant_name"""),
    "ratio-of-two-metrics": (
        {"metrics": ["shipped_quantity", "shipments_count"], "per": "shipments_count", "dimensions": ["customer"],
         "time_range": Q3},
        """SELECT c.customer_name, SUM(s.quantity), COUNT(*), SUM(s.quantity) * 1.0 / COUNT(*) FROM shipments s
           JOIN customers c ON c.customer_id = s.customer_id
           WHERE s.ship_date >= DATE '2025-07-01' AND s.ship_date < DATE '2025-10-01' GROUP BY c.customer_name"""),
    "list-of-members": (
        {"dimensions": ["machine", "machine_type"], "filters": [{"field": "line", "values": ["NB-L3"]}]},
        "SELECT machine_id, machine_type FROM machines WHERE line_id = 'NB-L3'"),
    "list-through-a-join": (
        {"dimensions": ["customer"], "filters": [{"field": "customer_region", "values": ["Europe"]}]},
        "SELECT customer_name FROM customers WHERE region = 'Europe'"),
    "time-role": (
        {"metrics": ["sales_orders_count"], "dimensions": ["customer"], "time_role": "order_date", "time_range": Q3},
        """SELECT c.customer_name, COUNT(*) FROM sales_orders o JOIN customers c ON c.customer_id = o.customer_id
           WHERE o.order_date >= DATE '2025-07-01' AND o.order_date < DATE '2025-10-01' GROUP BY c.customer_name"""),
    "row-count-by-own-status": (
        {"metrics": ["purchase_orders_count"], "dimensions": ["supplier"],
         "filters": [{"field": "purchase_order_status", "values": ["open"]}]},
        """SELECT s.supplier_name, COUNT(*) FROM purchase_orders o JOIN suppliers s ON s.supplier_id = o.supplier_id
           WHERE o.status = 'open' GROUP BY s.supplier_name"""),
    "compared-periods-that-are-no-grain": (
        {"metrics": ["total_output"], "dimensions": ["plant"], "time_range": {"start": "2025-01-01", "end": "2025-12-31"},
         "periods": [{"start": "2025-01-01", "end": "2025-06-30"}, {"start": "2025-07-01", "end": "2025-12-31"}]},
        """SELECT CASE WHEN r.production_date < DATE '2025-07-01' THEN DATE '2025-01-01' ELSE DATE '2025-07-01' END,
           p.plant_name, SUM(r.total_count)
           FROM production_records r JOIN production_lines l ON l.line_id = r.line_id JOIN plants p ON p.plant_id = l.plant_id
           WHERE r.production_date >= DATE '2025-01-01' AND r.production_date < DATE '2026-01-01'
           GROUP BY 1, p.plant_name"""),
    "compared-periods-of-a-two-fact-metric-with-a-gap": (
        # MTBF reads production records and downtime events; the days between the periods are left out
        {"metrics": ["mtbf_hours"], "time_range": {"start": "2025-10-01", "end": "2025-12-31"},
         "periods": [{"start": "2025-10-01", "end": "2025-10-20"}, {"start": "2025-12-04", "end": "2025-12-31"}]},
        """SELECT r.k, r.run / 60.0 / NULLIF(b.n, 0) FROM
           (SELECT CASE WHEN production_date <= DATE '2025-10-20' THEN DATE '2025-10-01' ELSE DATE '2025-12-04' END AS k,
                   SUM(run_time_min) AS run FROM production_records
            WHERE production_date BETWEEN DATE '2025-10-01' AND DATE '2025-10-20'
               OR production_date BETWEEN DATE '2025-12-04' AND DATE '2025-12-31' GROUP BY 1) r
           JOIN (SELECT CASE WHEN start_time < DATE '2025-10-21' THEN DATE '2025-10-01' ELSE DATE '2025-12-04' END AS k,
                   COUNT(*) AS n FROM downtime_events WHERE reason = 'breakdown'
                   AND ((start_time >= DATE '2025-10-01' AND start_time < DATE '2025-10-21')
                     OR (start_time >= DATE '2025-12-04' AND start_time < DATE '2026-01-01')) GROUP BY 1) b
           ON b.k = r.k"""),
    "row-count-of-a-dimension-table": (
        {"metrics": ["machines_count"], "dimensions": ["plant"]},
        """SELECT p.plant_name, COUNT(*) FROM machines m JOIN production_lines l ON l.line_id = m.line_id
           JOIN plants p ON p.plant_id = l.plant_id GROUP BY p.plant_name"""),
}


def _check(name: str, layer, url: str) -> None:
    kwargs, hand_sql = CASES[name]
    query = SemanticQuery(**kwargs)
    executor = Executor(url)
    try:
        guard = Guard(layer.physical_schema(), dialect=executor.dialect, max_rows=100_000)
        got = executor.run(guard.check(compile_query(query, layer, dialect=executor.dialect).tree), max_rows=100_000).rows
        want = executor.run(guard.check(hand_sql), max_rows=100_000).rows
    finally:
        executor.dispose()
    assert want, "the hand-written query returned nothing: the test would prove nothing"
    assert_same(_rows(got), _rows(want))


@pytest.mark.parametrize("name", CASES)
def test_shape_duckdb(name: str, layer, demo_db: Path) -> None:
    _check(name, layer, str(demo_db))


@pytest.mark.postgres
@pytest.mark.parametrize("name", CASES)
def test_shape_postgres(name: str, layer, pg_url: str) -> None:
    _check(name, layer, pg_url)


@pytest.mark.parametrize("kwargs,message", [
    ({"metrics": ["oee"], "dimensions": ["plant"], "share": ["plant"]}, "already a rate"),
    ({"metrics": ["total_output"], "share": ["plant"]}, "needs that dimension"),
    ({"metrics": ["complaint_count"], "time_role": "order_date"}, "has a date called"),
    ({"dimensions": ["customer", "shift"]}, "not recorded together"),
])
def test_shapes_that_cannot_be_answered_say_why(kwargs: dict, message: str, layer) -> None:
    with pytest.raises(IncompatibleError, match=message):
        compile_query(SemanticQuery(**kwargs), layer)


@pytest.mark.parametrize("kwargs", [
    {"metrics": ["oee"], "periods": [{"start": "2025-01-01", "end": "2025-06-30"}]},  # one period is no comparison
    {"metrics": ["oee"], "time_grain": "month",
     "periods": [{"start": "2025-01-01", "end": "2025-06-30"}, {"start": "2025-07-01", "end": "2025-12-31"}]},
    {"dimensions": ["plant"],
     "periods": [{"start": "2025-01-01", "end": "2025-06-30"}, {"start": "2025-07-01", "end": "2025-12-31"}]},
])
def test_compared_periods_need_two_periods_of_a_metric_and_no_grain(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="periods compare"):
        SemanticQuery(**kwargs)
