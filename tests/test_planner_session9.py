"""Issue 19, classes found on blind sets before blind9 (general readings, each with a test):
company initialisms ('Zhongtian NEV'), 'outside China' leaves a member out, 'which of our X are'
lists, '哪些工单' lists the orders while '哪些供应商的来料…' names the suppliers, '哪几个客户…最多'
ranks customers; the layer names '准时到货率' (so its 到货 picks no date) and '来料'."""

from __future__ import annotations

from typing import Any

import pytest


def test_an_initialism_of_a_company_name_names_it(pipeline: Any) -> None:
    sq = pipeline.ask("Zhongtian NEV - how are we doing at getting their orders out on time this year?").semantic_query
    assert sq["metrics"] == ["customer_otd_rate"]
    assert {"field": "customer", "op": "in", "values": ["C004"]} in sq["filters"]


def test_outside_a_member_leaves_it_out(pipeline: Any) -> None:
    answer = pipeline.ask("which of our suppliers are outside China?")
    assert answer.status == "ok", answer.message
    assert answer.semantic_query["filters"] == [{"field": "supplier_country", "op": "not in", "values": ["China"]}]
    assert len(answer.rows) == 3


@pytest.mark.parametrize(("question", "records", "dims"), [
    ("哪些工单还在生产", "work_orders", []),
    ("上个月有哪些供应商的来料被判拒收了", None, ["supplier"]),
    ("今年哪几个客户投诉最多", None, ["customer"]),
])
def test_which_ones_lists_the_rows_or_the_members_it_names(pipeline: Any, question: str, records: str | None,
                                                          dims: list[str]) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq.get("records") == records and sq.get("dimensions", []) == dims, sq


def test_a_date_word_inside_a_metric_name_keeps_the_default_date(pipeline: Any) -> None:
    sq = pipeline.ask("各供应商今年的准时到货率").semantic_query
    assert sq["metrics"] == ["on_time_delivery_rate"] and not sq.get("time_role"), sq


@pytest.mark.parametrize("question", ["how many sales orders shipped in May?", "5月份发货的订单有多少"])
def test_orders_shipped_in_a_month_are_dated_by_their_last_shipment(pipeline: Any, question: str) -> None:
    """The convention of customer on-time delivery: a shipped order is dated by its last shipment."""
    answer = pipeline.ask(question)
    assert answer.semantic_query["metrics"] == ["shipped_sales_orders"]
    (count,) = pipeline.run_sql(
        "SELECT COUNT(*) FROM sales_orders o JOIN (SELECT sales_order_id, MAX(ship_date) AS d FROM shipments "
        "GROUP BY sales_order_id) s ON s.sales_order_id = o.sales_order_id WHERE o.status = 'shipped' "
        "AND s.d BETWEEN DATE '2025-05-01' AND DATE '2025-05-31'").rows[0]
    assert answer.rows[0][0] == count


@pytest.mark.parametrize(("question", "metric", "dims"), [
    ("late PO deliveries last month - how many?", "late_po_count", []),
    ("这个季度各供应商延迟交货的采购单数量", "late_po_count", ["supplier"]),
    ("which complaint issue came up most this year", "complaint_count", ["complaint_issue"]),
])
def test_late_pos_and_complaint_issues(pipeline: Any, question: str, metric: str, dims: list[str]) -> None:
    """The layer's late POs (delivered after the promised date) and complaint issues; 采购单数量 is the
    number of POs, not their quantity."""
    sq = pipeline.ask(question).semantic_query
    assert sq["metrics"] == [metric] and sq.get("dimensions", []) == dims, sq


def test_free_text_values_are_no_names(pipeline: Any) -> None:
    """'incoming' is a word of a complaint's text, not a complaint: the question stays about lots."""
    sq = pipeline.ask("what was the rejection rate on incoming aluminium lots last year?").semantic_query
    assert sq["metrics"] == ["lot_rejection_rate"]


def test_a_share_of_a_scoped_whole_keeps_the_scope_in_the_whole(pipeline: Any) -> None:
    """'what share of unplanned downtime was breakdowns': breakdowns over unplanned downtime (the scope
    named in the 'of' phrase stays in the whole), not over all downtime."""
    sq = pipeline.ask("what share of unplanned downtime minutes was breakdowns this quarter?").semantic_query
    assert sq["share"] == ["downtime_reason"], sq


def test_in_percent_asks_for_shares(pipeline: Any) -> None:
    sq = pipeline.ask("downtime split by reason in % for the last 30 days").semantic_query
    assert sq["share"] == ["downtime_reason"] and sq["dimensions"] == ["downtime_reason"], sq


@pytest.mark.parametrize("question", [
    "what share of last month's downtime was because we ran out of material?",
    "上个月停机时间里，因为缺人占了多少比例",
])
def test_a_share_without_a_part_it_understood_is_asked_not_answered_as_the_total(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status != "ok" or answer.semantic_query.get("share"), answer.semantic_query


def test_which_ones_after_a_ranking_are_the_top_members(pipeline: Any) -> None:
    sq = pipeline.ask("今年故障最多的5台设备是哪些").semantic_query
    assert sq.get("records") is None and sq["limit"] == 5 and sq["dimensions"] == ["machine"], sq


def test_number_of_takes_no_singular(pipeline: Any) -> None:
    """'number of customer complaints' is the complaints, not the number of customers beside them."""
    sq = pipeline.ask("Number of customer complaints per customer this year").semantic_query
    assert sq["metrics"] == ["complaint_count"] and sq["dimensions"] == ["customer"], sq
