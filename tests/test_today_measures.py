"""Measures dated against today ('overdue': still open and past the promised date): the question's
as-of day is today for them, pinned into the compiled SQL as a literal (the database clock is never
read), and only those queries carry it (issue 19: overdue purchase and sales orders)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from assistant.plan.query import SemanticQuery
from assistant.sql.compiler import compile_query
from assistant.sql.today import dated_against_today, with_today


def test_only_queries_dated_against_today_carry_the_day(layer: Any) -> None:
    day = dt.date(2025, 12, 31)
    overdue = with_today(SemanticQuery(metrics=["overdue_po_count"]), layer, day)
    assert overdue is not None and overdue.as_of == day
    plain = with_today(SemanticQuery(metrics=["oee"]), layer, day)
    assert plain is not None and plain.as_of is None and "as_of" not in plain.model_dump(mode="json")
    assert dated_against_today([], "overdue_so_count", layer)


def test_the_as_of_day_replaces_current_date_in_the_sql(layer: Any) -> None:
    sql = compile_query(SemanticQuery(metrics=["overdue_po_count"], as_of=dt.date(2025, 12, 31)), layer).sql()
    assert "CURRENT_DATE" not in sql.upper() and "2025-12-31" in sql
    unpinned = compile_query(SemanticQuery(metrics=["overdue_po_count"]), layer).sql()
    assert "CURRENT_DATE" in unpinned.upper()


@pytest.mark.parametrize(("question", "metric"), [
    ("How many open purchase orders are already past their promised date?", "overdue_po_count"),
    ("现在逾期还没到货的采购单有几张", "overdue_po_count"),
])
def test_overdue_orders_counted_as_of_the_day_asked(pipeline: Any, demo_db: Any, question: str, metric: str) -> None:
    answer = pipeline.ask(question, as_of=dt.date(2025, 12, 31))
    assert answer.semantic_query["metrics"] == [metric], answer.semantic_query
    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = con.execute("SELECT COUNT(*) FROM purchase_orders WHERE status = 'open' "
                               "AND promised_date < DATE '2025-12-31'").fetchone()[0]
    assert answer.rows == [[expected]] and expected > 0


def test_overdue_records_are_listed(pipeline: Any) -> None:
    answer = pipeline.ask("有没有已经过了交期还没发货的订单？列出来", as_of=dt.date(2025, 12, 31))
    assert answer.status == "ok" and answer.semantic_query["records"] == "overdue_so_count"
    listed = pipeline.ask("list the POs that are past their promised date and still not delivered",
                          as_of=dt.date(2025, 12, 31))
    assert listed.semantic_query["records"] == "overdue_po_count" and listed.rows


def test_two_counts_asked_side_by_side_stay_two(pipeline: Any) -> None:
    sq = pipeline.ask("how many purchase orders and how many late POs last month").semantic_query
    assert sq["metrics"] == ["purchase_orders_count", "late_po_count"], sq


def test_the_answer_says_the_day_it_is_overdue_on(pipeline: Any) -> None:
    zh = pipeline.ask("现在逾期还没到货的采购单有几张", as_of=dt.date(2025, 12, 31))
    assert "截至2025年12月31日" in zh.message and "全部日期" not in zh.message
    en = pipeline.ask("overdue POs by supplier", as_of=dt.date(2025, 12, 31))
    assert "as of 31 Dec 2025" in en.message and "all dates" not in en.message


def test_electricity_per_part_is_the_energy_per_unit(pipeline: Any) -> None:
    for question in ("how much electricity per part is each plant using this quarter?", "今年每个厂做一件产品平均要耗多少度电？"):
        sq = pipeline.ask(question).semantic_query
        assert (sq["metrics"], sq["dimensions"]) == (["energy_per_unit"], ["plant"]), sq
