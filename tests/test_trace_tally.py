"""A figure asked at the end of a trace (issue 19, class 7): counts of the reached records by their
status, their quantity in all, or per reached record of another kind; read from the walk's levels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assistant.plan.trace.detect import detect_trace
from assistant.plan.types import PlanContext, TraceTally


def _tally(pipeline: Any, question: str) -> TraceTally | None:
    ctx = PlanContext(layer=pipeline.layer, as_of=dt.date(2025, 12, 31), session=pipeline.new_session(),
                      lang="en", values=pipeline.values)
    request = detect_trace(question, ctx)
    assert request is not None, question
    return request.tally


@pytest.mark.parametrize(("question", "tally"), [
    ("LOT-20251107-0014 做出来的成品批次，按质检状态各有几批？", TraceTally("batch", "count", "status")),
    ("how many units from batches made with lot LOT-20251107-0014 were shipped to each customer?",
     TraceTally("shipment", "quantity", "customer")),
    ("用 LOT-20251107-0014 生产的成品，一共发给客户多少件？", TraceTally("shipment", "quantity", None)),
    ("which customers received batches made with lot LOT-20251107-0014", None),
])
def test_the_figure_asked_of_a_trace(pipeline: Any, question: str, tally: TraceTally | None) -> None:
    assert _tally(pipeline, question) == tally


def test_batches_by_status_are_counted_from_the_walk(pipeline: Any, demo_db: Any) -> None:
    answer = pipeline.ask("LOT-20251107-0014 做出来的成品批次，按质检状态各有几批？")
    assert answer.status == "ok" and answer.columns == ["qc_status", "count"]
    import duckdb
    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = dict(con.execute(
            "SELECT qc_status, COUNT(DISTINCT b.batch_id) FROM finished_batches b JOIN lot_consumption c "
            "ON c.work_order_id = b.work_order_id WHERE c.lot_id = 'LOT-20251107-0014' GROUP BY 1").fetchall())
    assert dict((r[0], r[1]) for r in answer.rows) == expected
    assert "按状态" in answer.message


def test_shipped_quantity_per_customer_and_in_all(pipeline: Any, demo_db: Any) -> None:
    import duckdb
    with duckdb.connect(str(demo_db), read_only=True) as con:
        per = dict(con.execute(
            "SELECT s.customer_id, SUM(s.quantity) FROM shipments s WHERE s.batch_id IN (SELECT b.batch_id FROM "
            "finished_batches b JOIN lot_consumption c ON c.work_order_id = b.work_order_id "
            "WHERE c.lot_id = 'LOT-20251107-0014') GROUP BY 1").fetchall())
    answer = pipeline.ask("for lot LOT-20251107-0014, how many finished units shipped to each customer?")
    assert answer.status == "ok"
    assert {r[0]: r[2] for r in answer.rows} == pytest.approx(per)
    assert answer.message.rstrip(".").split("Each: ")[1]  # the sentence gives each customer's figure
    total = pipeline.ask("LOT-20251107-0014 这批料做出来的产品一共发出去多少件")
    assert total.rows == [[pytest.approx(sum(per.values()))]] and "数量合计" in total.message
