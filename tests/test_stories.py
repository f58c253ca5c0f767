"""The five planted stories are visible with plain SQL over the evaluation database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

END = dt.date(2025, 12, 31)
E = f"DATE '{END}'"


@pytest.fixture(scope="module")
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(demo_db), read_only=True)
    yield c
    c.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


STORY_LOT = f"""
    SELECT l.lot_id FROM material_lots l JOIN suppliers s USING (supplier_id) JOIN materials m USING (material_id)
    WHERE s.supplier_name = 'Hengtai Metals' AND m.material_type = 'aluminium'
      AND l.inspection_result = 'conditional' AND l.received_date > {E} - 60"""


def test_story1_bad_supplier_lot_traces_forward_and_backward(con: duckdb.DuckDBPyConnection) -> None:
    lots = rows(con, STORY_LOT)
    assert len(lots) == 1
    lot = lots[0][0]

    lines = rows(con, f"""SELECT DISTINCT w.line_id, pl.plant_id FROM lot_consumption c
        JOIN work_orders w USING (work_order_id) JOIN production_lines pl USING (line_id) WHERE c.lot_id = '{lot}'""")
    assert len(lines) == 1 and lines[0][1] == "NB"
    line = lines[0][0]
    wos = {r[0] for r in rows(con, f"SELECT work_order_id FROM lot_consumption WHERE lot_id = '{lot}'")}
    assert len(wos) >= 2

    # Crack defects per unit of those orders vs the rest of the line.
    crack = dict(rows(con, f"""
        WITH d AS (SELECT work_order_id, sum(quantity) FILTER (WHERE defect_type = 'crack') AS cracks
                   FROM defects GROUP BY 1),
             p AS (SELECT work_order_id, sum(total_count) AS units FROM production_records GROUP BY 1)
        SELECT c.lot_id IS NOT NULL AS from_lot, sum(coalesce(cracks, 0)) / sum(units)
        FROM p JOIN work_orders w USING (work_order_id) LEFT JOIN d USING (work_order_id)
        LEFT JOIN lot_consumption c ON c.work_order_id = w.work_order_id AND c.lot_id = '{lot}'
        WHERE w.line_id = '{line}' GROUP BY 1"""))
    assert crack[True] > 10 * crack[False]

    # Forward: lot -> work orders -> batches -> shipments -> customers.
    forward = rows(con, f"""SELECT DISTINCT s.customer_id, b.batch_id FROM lot_consumption c
        JOIN finished_batches b USING (work_order_id) JOIN shipments s USING (batch_id) WHERE c.lot_id = '{lot}'""")
    customers = {c for c, _ in forward}
    shipped_batches = {b for _, b in forward}
    assert len(customers) == 2
    held = rows(con, f"""SELECT count(*) FROM lot_consumption c JOIN finished_batches b USING (work_order_id)
        WHERE c.lot_id = '{lot}' AND b.qc_status = 'on_hold'""")[0][0]
    assert held > 0  # the rest of the affected output was quarantined

    complaints = rows(con, f"""SELECT complaint_id, customer_id, batch_id FROM customer_complaints
        WHERE batch_id IN (SELECT b.batch_id FROM lot_consumption c JOIN finished_batches b USING (work_order_id)
                           WHERE c.lot_id = '{lot}')""")
    assert len(complaints) == 1
    complaint_id, complainer, batch = complaints[0]
    assert complainer in customers and batch in shipped_batches

    # Backward: complaint -> batch -> work order -> lots; meets the forward trace at the lot.
    backward = {r[0] for r in rows(con, f"""SELECT c.lot_id FROM customer_complaints cc
        JOIN finished_batches b USING (batch_id) JOIN lot_consumption c USING (work_order_id)
        WHERE cc.complaint_id = '{complaint_id}'""")}
    assert lot in backward
    assert rows(con, f"SELECT count(*) FROM ({STORY_LOT}) WHERE lot_id IN "
                     f"({', '.join(repr(x) for x in sorted(backward))})")[0][0] == 1


def test_story2_machine_wearing_out(con: duckdb.DuckDBPyConnection) -> None:
    stats = rows(con, f"""
        WITH bd AS (
            SELECT d.machine_id, ({E} - CAST(d.start_time AS DATE)) // 7 AS weeks_ago, d.duration_min
            FROM downtime_events d JOIN machines m USING (machine_id) JOIN production_lines l ON l.line_id = m.line_id
            WHERE l.plant_id = 'SZ' AND m.machine_type = 'cnc' AND d.reason = 'breakdown'
              AND d.category = 'unplanned' AND d.start_time >= {E} - 55)
        SELECT machine_id, count(*) FILTER (WHERE weeks_ago < 4) AS last4,
               count(*) FILTER (WHERE weeks_ago >= 4) AS prev4,
               list(weeks_ago ORDER BY weeks_ago) AS weeks
        FROM bd GROUP BY 1 ORDER BY last4 - prev4 DESC, machine_id""")
    machine, last4, prev4, weeks = stats[0]
    assert machine == "SZ-L2-M03"
    assert last4 >= 4 and last4 >= 2 * prev4
    assert all(m_last < last4 for m, m_last, _, _ in stats[1:])
    per_week = [weeks.count(k) for k in range(7, -1, -1)]  # oldest week first
    assert per_week[-1] >= per_week[0] and sum(per_week[6:]) > sum(per_week[4:6]) > sum(per_week[:2])

    def period(lo: int, hi: int) -> tuple[float, float]:
        """(MTBF hours, unplanned downtime minutes) for days end-hi .. end-lo."""
        run = rows(con, f"""SELECT sum(run_time_min) FROM production_records WHERE machine_id = '{machine}'
            AND production_date BETWEEN {E} - {hi} AND {E} - {lo}""")[0][0]
        n, down = rows(con, f"""SELECT count(*) FILTER (WHERE reason = 'breakdown'), sum(duration_min)
            FROM downtime_events WHERE machine_id = '{machine}' AND category = 'unplanned'
            AND CAST(start_time AS DATE) BETWEEN {E} - {hi} AND {E} - {lo}""")[0]
        return run / 60 / max(n, 1), down or 0.0

    mtbf_prev, down_prev = period(28, 55)
    mtbf_last, down_last = period(0, 27)
    assert mtbf_last < 0.5 * mtbf_prev
    assert down_last > 2 * down_prev


def test_story3_energy_creep_in_chongqing(con: duckdb.DuckDBPyConnection) -> None:
    # energy_per_unit = SUM(kwh) / SUM(total_count) over the same machines and days.
    epu = {(p, q.month): v for p, q, v in rows(con, """
        WITH out AS (SELECT machine_id, production_date AS d, sum(total_count) AS units
                     FROM production_records GROUP BY ALL)
        SELECT l.plant_id, date_trunc('quarter', e.reading_date) AS q, sum(e.kwh) / sum(o.units)
        FROM energy_readings e JOIN out o ON o.machine_id = e.machine_id AND o.d = e.reading_date
        JOIN machines m ON m.machine_id = e.machine_id JOIN production_lines l USING (line_id)
        WHERE e.reading_date >= DATE '2025-07-01' GROUP BY ALL""")}
    cq = epu[("CQ", 10)] / epu[("CQ", 7)]
    assert 1.10 <= cq <= 1.22
    for plant in ("SZ", "NB"):
        assert abs(epu[(plant, 10)] / epu[(plant, 7)] - 1) < 0.05, plant
    # The same holds when every reading (idle days too) is divided by the plant's output.
    naive = {(p, q.month): v for p, q, v in rows(con, """
        WITH k AS (SELECT l.plant_id, date_trunc('quarter', reading_date) AS q, sum(kwh) AS kwh
                   FROM energy_readings JOIN machines USING (machine_id) JOIN production_lines l USING (line_id)
                   GROUP BY ALL),
             u AS (SELECT l.plant_id, date_trunc('quarter', production_date) AS q, sum(total_count) AS units
                   FROM production_records JOIN production_lines l USING (line_id) GROUP BY ALL)
        SELECT plant_id, q, kwh / units FROM k JOIN u USING (plant_id, q) WHERE q >= DATE '2025-07-01'""")}
    assert naive[("CQ", 10)] / naive[("CQ", 7)] >= 1.10
    assert all(abs(naive[(p, 10)] / naive[(p, 7)] - 1) < 0.05 for p in ("SZ", "NB"))


def test_story4_late_supplier(con: duckdb.DuckDBPyConnection) -> None:
    def on_time(where: str) -> dict[str, tuple[float, int]]:
        return {name: (rate, n) for name, rate, n in rows(con, f"""
            SELECT s.supplier_name, avg((p.delivered_date <= p.promised_date)::INT), count(*)
            FROM purchase_orders p JOIN suppliers s USING (supplier_id)
            WHERE p.status = 'delivered' AND {where} GROUP BY 1""")}

    recent = on_time(f"p.promised_date BETWEEN {E} - 89 AND {E}")
    assert len(recent) == rows(con, "SELECT count(*) FROM suppliers")[0][0]
    late = [name for name, (rate, _) in recent.items() if rate < 0.7]
    assert late == ["Weida Electronics"]
    assert all(rate > 0.9 for name, (rate, _) in recent.items() if name not in late)
    assert all(n >= 20 for _, n in recent.values())
    before = on_time(f"p.promised_date BETWEEN {E} - 364 AND {E} - 90")
    assert before["Weida Electronics"][0] > 0.9


def test_story5_inventory_below_safety_stock(con: duckdb.DuckDBPyConnection) -> None:
    below = rows(con, """SELECT i.plant_id, i.material_id, m.material_name FROM inventory_snapshots i
        JOIN materials m USING (material_id)
        WHERE snapshot_date = (SELECT max(snapshot_date) FROM inventory_snapshots) AND on_hand_qty < safety_stock""")
    assert len(below) >= 1
    assert ("CQ", "MAT-EC01") in {(p, m) for p, m, _ in below}
    # It was above safety stock a couple of months earlier: a new problem, not a chronic one.
    earlier = rows(con, f"""SELECT on_hand_qty >= safety_stock FROM inventory_snapshots
        WHERE plant_id = 'CQ' AND material_id = 'MAT-EC01' AND snapshot_date = {E} - 9 * 7 - 2""")
    assert earlier == [(True,)]
    # Its open purchase orders are overdue with the late supplier.
    overdue = rows(con, f"""SELECT count(*) FROM purchase_orders p JOIN suppliers s USING (supplier_id)
        WHERE p.plant_id = 'CQ' AND p.material_id = 'MAT-EC01' AND p.status = 'open'
          AND p.promised_date <= {E} AND s.supplier_name = 'Weida Electronics'""")[0][0]
    assert overdue >= 1
