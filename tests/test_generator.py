"""The demo factory generator follows the contract in the demo-factory spec."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from semantic_layer.demo.generator import copy_to_postgres, generate
from semantic_layer.demo.generator.__main__ import main as cli_main
from semantic_layer.demo.generator.postgres import normalize_url
from semantic_layer.demo.generator.schema import TABLES
from semantic_layer.demo.generator.writer import table_hash

END = dt.date(2025, 12, 31)

# The spec's tables and columns, copied here so the test catches drift in schema.py too.
SPEC: dict[str, str] = {
    "plants": "plant_id VARCHAR, plant_name VARCHAR, plant_name_zh VARCHAR, city VARCHAR, opened_on DATE",
    "production_lines": "line_id VARCHAR, plant_id VARCHAR, line_name VARCHAR, line_name_zh VARCHAR, "
                        "product_family VARCHAR",
    "machines": "machine_id VARCHAR, line_id VARCHAR, machine_name VARCHAR, machine_type VARCHAR, commissioned_on DATE",
    "products": "product_id VARCHAR, sku VARCHAR, product_name VARCHAR, product_name_zh VARCHAR, product_family VARCHAR, "
                "unit_cost DECIMAL(10,2), unit_price DECIMAL(10,2)",
    "shifts": "shift_id VARCHAR, shift_name VARCHAR, shift_name_zh VARCHAR, start_time TIME, end_time TIME",
    "suppliers": "supplier_id VARCHAR, supplier_name VARCHAR, supplier_name_zh VARCHAR, country VARCHAR, category VARCHAR",
    "materials": "material_id VARCHAR, material_name VARCHAR, material_name_zh VARCHAR, material_type VARCHAR, "
                 "unit VARCHAR, standard_cost DECIMAL(10,2)",
    "customers": "customer_id VARCHAR, customer_name VARCHAR, customer_name_zh VARCHAR, region VARCHAR, country VARCHAR",
    "work_orders": "work_order_id VARCHAR, product_id VARCHAR, line_id VARCHAR, planned_qty INTEGER, "
                   "planned_start TIMESTAMP, planned_end TIMESTAMP, actual_start TIMESTAMP, actual_end TIMESTAMP, "
                   "status VARCHAR, priority VARCHAR",
    "production_records": "record_id BIGINT, work_order_id VARCHAR, machine_id VARCHAR, line_id VARCHAR, "
                          "shift_id VARCHAR, production_date DATE, planned_time_min DOUBLE, run_time_min DOUBLE, "
                          "ideal_cycle_time_s DOUBLE, total_count INTEGER, good_count INTEGER",
    "downtime_events": "event_id BIGINT, machine_id VARCHAR, line_id VARCHAR, start_time TIMESTAMP, "
                       "end_time TIMESTAMP, duration_min DOUBLE, category VARCHAR, reason VARCHAR, reason_zh VARCHAR",
    "defects": "defect_id BIGINT, work_order_id VARCHAR, batch_id VARCHAR, machine_id VARCHAR, line_id VARCHAR, "
               "detected_at TIMESTAMP, defect_type VARCHAR, defect_type_zh VARCHAR, severity VARCHAR, quantity INTEGER",
    "finished_batches": "batch_id VARCHAR, work_order_id VARCHAR, product_id VARCHAR, produced_on DATE, "
                        "quantity INTEGER, qc_status VARCHAR",
    "purchase_orders": "po_id VARCHAR, supplier_id VARCHAR, material_id VARCHAR, order_date DATE, promised_date DATE, "
                       "delivered_date DATE, quantity DOUBLE, unit_price DECIMAL(10,2), status VARCHAR",
    "material_lots": "lot_id VARCHAR, material_id VARCHAR, supplier_id VARCHAR, po_id VARCHAR, received_date DATE, "
                     "quantity DOUBLE, inspection_result VARCHAR",
    "lot_consumption": "work_order_id VARCHAR, lot_id VARCHAR, quantity_used DOUBLE",
    "sales_orders": "sales_order_id VARCHAR, customer_id VARCHAR, product_id VARCHAR, order_date DATE, due_date DATE, "
                    "quantity INTEGER, status VARCHAR",
    "shipments": "shipment_id VARCHAR, sales_order_id VARCHAR, batch_id VARCHAR, customer_id VARCHAR, ship_date DATE, "
                 "quantity INTEGER",
    "customer_complaints": "complaint_id VARCHAR, customer_id VARCHAR, batch_id VARCHAR, reported_on DATE, "
                           "issue VARCHAR, quantity_affected INTEGER, status VARCHAR",
    "energy_readings": "machine_id VARCHAR, reading_date DATE, kwh DOUBLE",
    "inventory_snapshots": "snapshot_date DATE, plant_id VARCHAR, material_id VARCHAR, on_hand_qty DOUBLE, "
                           "safety_stock DOUBLE",
}
SPEC_PK: dict[str, str] = {
    "plants": "plant_id", "production_lines": "line_id", "machines": "machine_id", "products": "product_id",
    "shifts": "shift_id", "suppliers": "supplier_id", "materials": "material_id", "customers": "customer_id",
    "work_orders": "work_order_id", "production_records": "record_id", "downtime_events": "event_id",
    "defects": "defect_id", "finished_batches": "batch_id", "purchase_orders": "po_id", "material_lots": "lot_id",
    "sales_orders": "sales_order_id", "shipments": "shipment_id", "customer_complaints": "complaint_id",
}
# (table, column, referenced table); the referenced column has the same name.
SPEC_FK: tuple[tuple[str, str, str], ...] = (
    ("production_lines", "plant_id", "plants"), ("machines", "line_id", "production_lines"),
    ("work_orders", "product_id", "products"), ("work_orders", "line_id", "production_lines"),
    ("production_records", "work_order_id", "work_orders"), ("production_records", "machine_id", "machines"),
    ("production_records", "line_id", "production_lines"), ("production_records", "shift_id", "shifts"),
    ("downtime_events", "machine_id", "machines"), ("downtime_events", "line_id", "production_lines"),
    ("defects", "work_order_id", "work_orders"), ("defects", "batch_id", "finished_batches"),
    ("defects", "machine_id", "machines"), ("defects", "line_id", "production_lines"),
    ("finished_batches", "work_order_id", "work_orders"), ("finished_batches", "product_id", "products"),
    ("purchase_orders", "supplier_id", "suppliers"), ("purchase_orders", "material_id", "materials"),
    ("material_lots", "material_id", "materials"), ("material_lots", "supplier_id", "suppliers"),
    ("material_lots", "po_id", "purchase_orders"), ("lot_consumption", "work_order_id", "work_orders"),
    ("lot_consumption", "lot_id", "material_lots"), ("sales_orders", "customer_id", "customers"),
    ("sales_orders", "product_id", "products"), ("shipments", "sales_order_id", "sales_orders"),
    ("shipments", "batch_id", "finished_batches"), ("shipments", "customer_id", "customers"),
    ("customer_complaints", "customer_id", "customers"), ("customer_complaints", "batch_id", "finished_batches"),
    ("energy_readings", "machine_id", "machines"), ("inventory_snapshots", "plant_id", "plants"),
    ("inventory_snapshots", "material_id", "materials"),
)


@pytest.fixture(scope="module")
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(demo_db), read_only=True)
    yield c
    c.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_every_spec_table_and_column_exists_with_its_type(con: duckdb.DuckDBPyConnection) -> None:
    actual = {(t, c): typ for t, c, typ in rows(con, "SELECT table_name, column_name, data_type FROM "
                                                     "information_schema.columns")}
    for table, cols in SPEC.items():
        for col_def in cols.split(", "):
            name, typ = col_def.split(" ", 1)
            assert (table, name) in actual, f"{table}.{name} missing"
            assert actual[(table, name)] == typ, f"{table}.{name}: {actual[(table, name)]} != {typ}"
    assert set(SPEC) <= set(TABLES)


def test_primary_keys_declared_and_unique(con: duckdb.DuckDBPyConnection) -> None:
    pks = {(t, tuple(cols)) for t, cols in rows(
        con, "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type='PRIMARY KEY'")}
    for table, col in SPEC_PK.items():
        assert (table, (col,)) in pks, f"{table} has no primary key on {col}"
        assert one(con, f"SELECT count(*) - count(DISTINCT {col}) FROM {table}") == 0


@pytest.mark.parametrize(("table", "column", "ref"), SPEC_FK, ids=[f"{t}.{c}" for t, c, _ in SPEC_FK])
def test_foreign_key_resolves(con: duckdb.DuckDBPyConnection, table: str, column: str, ref: str) -> None:
    orphans = one(con, f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                       f"(SELECT 1 FROM {ref} r WHERE r.{column} = t.{column})")
    assert orphans == 0
    assert one(con, f"SELECT count(*) FROM {table}") > 0


def test_redundant_keys_agree(con: duckdb.DuckDBPyConnection) -> None:
    """line_id on facts is the machine's line, and a record's work order runs on that line."""
    assert one(con, "SELECT count(*) FROM production_records r JOIN machines m USING (machine_id) "
                    "JOIN work_orders w USING (work_order_id) WHERE r.line_id <> m.line_id OR w.line_id <> r.line_id") == 0
    assert one(con, "SELECT count(*) FROM downtime_events d JOIN machines m USING (machine_id) "
                    "WHERE d.line_id <> m.line_id") == 0
    assert one(con, "SELECT count(*) FROM defects d JOIN machines m USING (machine_id) JOIN work_orders w "
                    "USING (work_order_id) WHERE d.line_id <> m.line_id OR w.line_id <> d.line_id") == 0
    assert one(con, "SELECT count(*) FROM defects d JOIN finished_batches b USING (batch_id) "
                    "WHERE b.work_order_id <> d.work_order_id") == 0
    assert one(con, "SELECT count(*) FROM finished_batches b JOIN work_orders w USING (work_order_id) "
                    "WHERE b.product_id <> w.product_id") == 0


def test_identifiers_and_names(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "SELECT plant_id, plant_name, plant_name_zh FROM plants ORDER BY plant_id") == [
        ("CQ", "Chongqing", "重庆"), ("NB", "Ningbo", "宁波"), ("SZ", "Suzhou", "苏州")]
    assert one(con, "SELECT count(*) FROM production_lines") == 12
    assert rows(con, "SELECT line_name, line_name_zh FROM production_lines WHERE line_id = 'SZ-L2'") == [
        ("Suzhou Line 2", "苏州2号线")]
    assert one(con, "SELECT count(*) FROM production_lines l JOIN plants p USING (plant_id) WHERE "
                    "line_id <> plant_id || '-L' || right(line_id, 1) OR "
                    "line_name <> plant_name || ' Line ' || right(line_id, 1) OR "
                    "line_name_zh <> plant_name_zh || right(line_id, 1) || '号线'") == 0
    ids = [r[0] for r in rows(con, "SELECT machine_id || '|' || line_id FROM machines")]
    assert all(re.fullmatch(r"([A-Z]{2}-L\d)-M\d{2,}\|\1", s) for s in ids)
    assert {r[0] for r in rows(con, "SELECT DISTINCT machine_type FROM machines")} <= {
        "cnc", "press", "injection_molding", "assembly", "paint", "test_bench"}
    assert rows(con, "SELECT shift_id, shift_name, shift_name_zh, start_time::VARCHAR, end_time::VARCHAR "
                     "FROM shifts ORDER BY 1") == [
        ("A", "Day", "白班", "08:00:00", "16:00:00"), ("B", "Evening", "中班", "16:00:00", "00:00:00"),
        ("C", "Night", "夜班", "00:00:00", "08:00:00")]
    assert rows(con, "SELECT supplier_name_zh FROM suppliers WHERE supplier_name = 'Hengtai Metals'") == [("恒泰金属",)]
    assert 10 <= one(con, "SELECT count(*) FROM suppliers") <= 14
    assert 13 <= one(con, "SELECT count(*) FROM customers") <= 17
    assert {r[0] for r in rows(con, "SELECT DISTINCT material_type FROM materials")} == {
        "steel", "aluminium", "resin", "electronic components", "fasteners", "paint"}
    assert {r[0] for r in rows(con, "SELECT DISTINCT product_family FROM products")} == {
        "brake", "steering", "transmission", "electrical"}
    # Every name has a Chinese form and none looks like a placeholder.
    for table, en, zh in (("suppliers", "supplier_name", "supplier_name_zh"), ("customers", "customer_name",
                          "customer_name_zh"), ("materials", "material_name", "material_name_zh"),
                          ("products", "product_name", "product_name_zh")):
        names = rows(con, f"SELECT {en}, {zh} FROM {table}")
        assert all(e and z and re.search(r"[\u4e00-\u9fff]", z) for e, z in names)
        assert not any(re.fullmatch(r"(Supplier|Customer|Material|Product)\s*\d+", e) for e, _ in names)
        assert len({e for e, _ in names}) == len(names)


def test_value_constraints(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM production_records WHERE run_time_min > planned_time_min "
                    "OR run_time_min <= 0 OR good_count > total_count OR good_count < 0 OR planned_time_min <> 480") == 0
    # Counts are consistent with run time: performance never above 100%.
    assert one(con, "SELECT count(*) FROM production_records "
                    "WHERE ideal_cycle_time_s * total_count / 60 > run_time_min + 1e-9") == 0
    for table, col, allowed in (
        ("work_orders", "status", {"planned", "in_progress", "completed", "cancelled"}),
        ("work_orders", "priority", {"low", "normal", "high", "urgent"}),
        ("downtime_events", "category", {"planned", "unplanned"}),
        ("downtime_events", "reason", {"breakdown", "changeover", "material_shortage", "preventive_maintenance",
                                       "quality_hold", "no_operator"}),
        ("defects", "defect_type", {"scratch", "dimension_out_of_tolerance", "crack", "porosity", "burr",
                                    "assembly_error", "paint_defect"}),
        ("defects", "severity", {"minor", "major", "critical"}),
        ("finished_batches", "qc_status", {"released", "on_hold", "scrapped"}),
        ("purchase_orders", "status", {"open", "delivered", "cancelled"}),
        ("material_lots", "inspection_result", {"accepted", "rejected", "conditional"}),
        ("sales_orders", "status", {"open", "shipped", "cancelled"}),
        ("customer_complaints", "status", {"open", "investigating", "closed"}),
    ):
        assert {r[0] for r in rows(con, f"SELECT DISTINCT {col} FROM {table}")} == allowed, f"{table}.{col}"
    assert one(con, "SELECT count(DISTINCT (defect_type, defect_type_zh)) FROM defects") == 7
    assert one(con, "SELECT count(DISTINCT (reason, reason_zh, category)) FROM downtime_events") == 6
    assert rows(con, "SELECT DISTINCT category FROM downtime_events WHERE reason IN "
                     "('changeover', 'preventive_maintenance')") == [("planned",)]
    assert one(con, "SELECT count(*) FROM downtime_events WHERE end_time <> start_time + "
                    "to_microseconds((duration_min * 60e6)::BIGINT) OR duration_min <= 0") == 0
    assert one(con, "SELECT count(*) FROM defects WHERE quantity <= 0") == 0
    assert one(con, "SELECT count(*) FROM purchase_orders WHERE (delivered_date IS NULL) <> (status <> 'delivered')") == 0
    assert one(con, "SELECT count(*) FROM purchase_orders WHERE promised_date < order_date") == 0
    assert one(con, "SELECT count(*) FROM material_lots l JOIN purchase_orders p USING (po_id) "
                    "WHERE p.status <> 'delivered' OR l.received_date <> p.delivered_date") == 0
    assert one(con, "SELECT count(*) FROM sales_orders WHERE due_date < order_date") == 0
    assert one(con, "SELECT count(*) FROM work_orders WHERE planned_end <= planned_start") == 0


def test_downtime_matches_lost_run_time(con: duckdb.DuckDBPyConnection) -> None:
    """Logged downtime of a machine-shift never exceeds the time the machine did not run."""
    bad = one(con, """
        WITH ev AS (
            SELECT machine_id, CAST(start_time AS DATE) AS d,
                   CASE WHEN hour(start_time) < 8 THEN 'C' WHEN hour(start_time) < 16 THEN 'A' ELSE 'B' END AS s,
                   sum(duration_min) AS down
            FROM downtime_events GROUP BY ALL)
        SELECT count(*) FROM ev JOIN production_records r
          ON r.machine_id = ev.machine_id AND r.production_date = ev.d AND r.shift_id = ev.s
        WHERE ev.down > r.planned_time_min - r.run_time_min + 1e-6""")
    assert bad == 0
    orphan = one(con, """SELECT count(*) FROM downtime_events e WHERE NOT EXISTS (
        SELECT 1 FROM production_records r WHERE r.machine_id = e.machine_id
          AND r.production_date = CAST(e.start_time AS DATE))""")
    assert orphan == 0


def test_defects_sum_to_scrap_per_work_order(con: duckdb.DuckDBPyConnection) -> None:
    mismatches = one(con, """
        WITH s AS (SELECT work_order_id, sum(total_count - good_count) AS scrap FROM production_records GROUP BY 1),
             d AS (SELECT work_order_id, sum(quantity) AS q FROM defects GROUP BY 1)
        SELECT count(*) FROM s FULL JOIN d USING (work_order_id) WHERE coalesce(scrap, 0) <> coalesce(q, 0)""")
    assert mismatches == 0
    assert one(con, "SELECT count(*) FROM defects WHERE batch_id IS NULL") > 0


@pytest.mark.parametrize("day", ["2025-10-01", "2025-10-05", "2025-01-29", "2025-02-03", "2024-02-12",
                                 "2024-10-03", "2025-05-01", "2024-01-01"])
def test_no_production_on_public_holidays(con: duckdb.DuckDBPyConnection, day: str) -> None:
    assert one(con, f"SELECT count(*) FROM production_records WHERE production_date = DATE '{day}'") == 0


def test_sundays_only_on_make_up_days(con: duckdb.DuckDBPyConnection) -> None:
    sundays = {r[0].isoformat() for r in rows(con, "SELECT DISTINCT production_date FROM production_records "
                                                   "WHERE dayofweek(production_date) = 0")}
    assert sundays == {"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-09-29", "2025-01-26",
                       "2025-04-27", "2025-09-28"}


def test_weekly_seasonal_and_plant_rhythm(con: duckdb.DuckDBPyConnection) -> None:
    by_dow = dict(rows(con, "SELECT isodow(production_date), sum(total_count) / count(DISTINCT production_date) "
                            "FROM production_records GROUP BY 1"))
    assert by_dow[6] < 0.8 * by_dow[3]  # Saturdays are lighter than weekdays
    by_month = dict(rows(con, "SELECT month(production_date), sum(total_count) FROM production_records "
                              "WHERE year(production_date) = 2025 GROUP BY 1"))
    assert by_month[2] < 0.8 * by_month[11]  # Spring Festival dip vs. the autumn peak
    oee = dict(rows(con, """SELECT l.plant_id, sum(run_time_min) / sum(planned_time_min)
            * (sum(ideal_cycle_time_s * total_count) / 60 / sum(run_time_min)) * (sum(good_count) / sum(total_count))
            FROM production_records r JOIN production_lines l USING (line_id) GROUP BY 1"""))
    assert oee["SZ"] > oee["NB"] > oee["CQ"] > 0.6
    assert all(0.65 < v < 0.9 for v in oee.values())
    n = one(con, "SELECT count(*) FROM production_records")
    assert 110_000 <= n <= 160_000


def test_work_order_status_follows_dates(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(rows(con, "SELECT status, count(*) FROM work_orders GROUP BY 1"))
    assert min(counts.values()) > 0
    end = f"TIMESTAMP '{END} 23:59:59'"
    assert one(con, f"""SELECT count(*) FROM work_orders WHERE
        (status = 'completed' AND (actual_start IS NULL OR actual_end IS NULL OR actual_end > {end} + INTERVAL 1 SECOND))
        OR (status = 'in_progress' AND (actual_start IS NULL OR actual_end IS NOT NULL OR planned_end <= {end}))
        OR (status = 'planned' AND (actual_start IS NOT NULL OR planned_start <= {end}))
        OR (status = 'cancelled' AND actual_start IS NOT NULL)""") == 0
    assert one(con, "SELECT count(*) FROM production_records r JOIN work_orders w USING (work_order_id) "
                    "WHERE w.status NOT IN ('completed', 'in_progress')") == 0
    attainment = one(con, """SELECT sum(g) / sum(planned_qty) FROM work_orders w JOIN (
        SELECT work_order_id, sum(good_count) g FROM production_records GROUP BY 1) USING (work_order_id)
        WHERE status = 'completed'""")
    assert 0.85 < attainment < 1.15


def test_lot_genealogy_is_physical(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM lot_consumption c JOIN material_lots l USING (lot_id) "
                    "JOIN work_orders w USING (work_order_id) WHERE l.received_date > CAST(w.actual_start AS DATE) "
                    "OR w.actual_start IS NULL OR l.inspection_result = 'rejected'") == 0
    assert one(con, "SELECT count(*) FROM (SELECT lot_id FROM lot_consumption JOIN material_lots l USING (lot_id) "
                    "GROUP BY lot_id, l.quantity HAVING sum(quantity_used) > l.quantity + 1e-6)") == 0
    # Materials go to lines of the same plant, and only into products that use them.
    assert one(con, "SELECT count(*) FROM lot_consumption c JOIN material_lots l USING (lot_id) "
                    "JOIN work_orders w USING (work_order_id) JOIN production_lines pl USING (line_id) "
                    "WHERE pl.plant_id <> l.plant_id") == 0
    started = one(con, "SELECT count(*) FROM work_orders WHERE status IN ('completed', 'in_progress')")
    assert one(con, "SELECT count(DISTINCT work_order_id) FROM lot_consumption") == started


def test_batches_shipments_and_complaints(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM finished_batches b JOIN work_orders w USING (work_order_id) "
                    "WHERE w.status NOT IN ('completed', 'in_progress')") == 0
    assert one(con, "SELECT count(*) FROM shipments s JOIN finished_batches b USING (batch_id) "
                    "WHERE b.qc_status <> 'released' OR s.ship_date < b.produced_on") == 0
    assert one(con, "SELECT count(*) FROM shipments s JOIN sales_orders o USING (sales_order_id) "
                    "JOIN finished_batches b USING (batch_id) "
                    "WHERE s.customer_id <> o.customer_id OR b.product_id <> o.product_id OR s.ship_date > DATE "
                    f"'{END}'") == 0
    assert one(con, "SELECT count(*) FROM (SELECT batch_id, any_value(b.quantity) q FROM shipments JOIN "
                    "finished_batches b USING (batch_id) GROUP BY 1 HAVING sum(shipments.quantity) > q)") == 0
    assert one(con, "SELECT count(*) FROM sales_orders o JOIN (SELECT sales_order_id, sum(quantity) q "
                    "FROM shipments GROUP BY 1) s USING (sales_order_id) WHERE o.status = 'shipped' "
                    "AND s.q <> o.quantity") == 0
    assert one(con, "SELECT count(*) FROM shipments JOIN sales_orders USING (sales_order_id) "
                    "WHERE status = 'cancelled'") == 0
    assert one(con, "SELECT count(*) FROM (SELECT batch_id FROM shipments GROUP BY 1 "
                    "HAVING count(DISTINCT customer_id) > 1)") > 0
    assert one(con, "SELECT count(*) FROM customer_complaints c WHERE NOT EXISTS (SELECT 1 FROM shipments s "
                    "WHERE s.batch_id = c.batch_id AND s.customer_id = c.customer_id AND s.ship_date <= c.reported_on "
                    "AND s.quantity >= c.quantity_affected)") == 0
    otd = one(con, """SELECT avg((last_ship <= due_date)::INT) FROM sales_orders JOIN (
        SELECT sales_order_id, max(ship_date) last_ship FROM shipments GROUP BY 1) USING (sales_order_id)
        WHERE status = 'shipped'""")
    assert 0.8 < otd < 0.99


def test_energy_daily_per_machine_tracks_run_time(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM energy_readings") == 730 * one(con, "SELECT count(*) FROM machines")
    assert one(con, "SELECT count(*) - count(DISTINCT (machine_id, reading_date)) FROM energy_readings") == 0
    corr = one(con, """SELECT avg(c) FROM (SELECT corr(kwh, run) c FROM energy_readings e JOIN (
        SELECT machine_id, production_date, sum(run_time_min) run FROM production_records GROUP BY ALL) p
        ON p.machine_id = e.machine_id AND p.production_date = e.reading_date GROUP BY e.machine_id)""")
    assert corr > 0.7  # within a machine, kWh follows run time (and output)
    idle = one(con, """SELECT avg(kwh) FROM energy_readings e WHERE NOT EXISTS (SELECT 1 FROM production_records r
        WHERE r.machine_id = e.machine_id AND r.production_date = e.reading_date)""")
    busy = one(con, "SELECT avg(kwh) FROM energy_readings e JOIN production_records r "
                    "ON r.machine_id = e.machine_id AND r.production_date = e.reading_date")
    assert 0 < idle < 0.1 * busy


def test_inventory_snapshots_weekly_on_mondays(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "SELECT DISTINCT isodow(snapshot_date) FROM inventory_snapshots") == [(1,)]
    assert one(con, "SELECT count(DISTINCT snapshot_date) FROM inventory_snapshots") == 104
    assert one(con, "SELECT count(*) FROM inventory_snapshots WHERE on_hand_qty < 0 OR safety_stock <= 0") == 0


def test_same_arguments_give_identical_tables(tmp_path: Path) -> None:
    a = generate(tmp_path / "a.duckdb", end_date=END, days=60, progress=False)
    b = generate(tmp_path / "b" / "b.duckdb", end_date=END, days=60, progress=False)
    c = generate(tmp_path / "c.duckdb", end_date=END, days=60, seed=7, progress=False)
    with duckdb.connect(str(a), read_only=True) as ca, duckdb.connect(str(b), read_only=True) as cb, \
            duckdb.connect(str(c), read_only=True) as cc:
        for table in TABLES:
            assert table_hash(ca, table) == table_hash(cb, table), table
        assert table_hash(ca, "production_records") != table_hash(cc, "production_records")
    assert not list(tmp_path.glob(".*.tmp"))  # the temp file was renamed into place


def test_regenerate_replaces_file_while_a_reader_holds_it(tmp_path: Path) -> None:
    path = generate(tmp_path / "f.duckdb", end_date=dt.date(2025, 3, 31), days=30, progress=False)
    reader = duckdb.connect(str(path), read_only=True)
    try:
        before = reader.execute("SELECT count(*) FROM plants").fetchall()[0][0]
        generate(path, end_date=dt.date(2025, 6, 30), days=30, progress=False)
        assert reader.execute("SELECT count(*) FROM plants").fetchall()[0][0] == before
    finally:
        reader.close()
    with duckdb.connect(str(path), read_only=True) as fresh:
        assert fresh.execute("SELECT max(production_date) FROM production_records").fetchall()[0][0] == \
            dt.date(2025, 6, 30)


def test_scale_multiplies_machines_and_orders(tmp_path: Path) -> None:
    path = generate(tmp_path / "s2.duckdb", end_date=END, days=30, scale=2, progress=False)
    base = generate(tmp_path / "s1.duckdb", end_date=END, days=30, scale=1, progress=False)
    with duckdb.connect(str(path), read_only=True) as c2, duckdb.connect(str(base), read_only=True) as c1:
        for table in ("machines", "sales_orders"):
            n1 = c1.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            n2 = c2.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            assert 1.7 * n1 <= n2 <= 2.3 * n1, table
        assert c2.execute("SELECT count(*) FROM machines WHERE machine_id = 'SZ-L2-M18'").fetchall()[0][0] == 1


def test_cli_writes_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.duckdb"
    assert cli_main(["--out", str(out), "--end-date", "2025-12-31", "--days", "21", "--quiet"]) == 0
    assert "production_records" in capsys.readouterr().out
    with duckdb.connect(str(out), read_only=True) as c:
        assert c.execute("SELECT max(production_date) FROM production_records").fetchall()[0][0] <= END


def test_normalize_postgres_url() -> None:
    assert normalize_url("postgresql+psycopg://u:p@h:5433/db") == "postgresql://u:p@h:5433/db"
    assert normalize_url("postgres://u@h/db") == "postgresql://u@h/db"
    with pytest.raises(ValueError):
        normalize_url("mysql://u@h/db")


@pytest.mark.postgres
def test_copy_to_postgres(tmp_path: Path) -> None:
    url = os.environ.get("FA_TEST_PG_URL")
    if not url:
        pytest.skip("FA_TEST_PG_URL not set")
    psycopg = pytest.importorskip("psycopg")
    path = generate(tmp_path / "pg.duckdb", end_date=END, days=30, progress=False)
    copy_to_postgres(path, url, progress=False)
    copy_to_postgres(path, url, progress=False)  # a second copy replaces the tables
    with duckdb.connect(str(path), read_only=True) as src, psycopg.connect(normalize_url(url)) as pg:
        for table in TABLES:
            n = src.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            assert pg.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == n, table
        types = dict(pg.execute("SELECT column_name, data_type FROM information_schema.columns "
                                "WHERE table_name = 'products'").fetchall())
        assert types["unit_cost"] == "numeric" and types["product_id"] == "text"
        assert pg.execute("SELECT count(*) FROM information_schema.table_constraints WHERE "
                          "constraint_type = 'PRIMARY KEY' AND table_name = 'work_orders'").fetchone()[0] == 1
        src_sum = src.execute("SELECT sum(kwh)::DOUBLE FROM energy_readings").fetchall()[0][0]
        assert abs(pg.execute("SELECT sum(kwh) FROM energy_readings").fetchone()[0] - src_sum) < 1e-3
