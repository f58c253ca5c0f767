"""Issue 19, session 17: classes read from blind24, each tested in other words than the question that showed it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.planner_cases import conversation


@pytest.mark.parametrize(("question", "metrics", "dims"), [
    ("top three suppliers by incoming lot rejection rate last year", ["lot_rejection_rate"], ["supplier"]),
    ("what kinds of customer complaints did we get this quarter, and how many of each?", ["complaint_count"],
     ["complaint_issue"]),
    ("Ningbo, October 2025: PPM by defect type, denominator = all the pieces the plant made", ["defect_ppm"],
     ["defect_type"]),
    ("monthly on-hand stock of PA66-GF30 nylon resin at Suzhou this year, next to its safety stock",
     ["on_hand_stock", "safety_stock_level"], []),
    ("今年计划外停机时长最长的原因是啥", ["downtime_minutes"], ["downtime_reason"]),
    ("上个月各类缺陷的占比，要放周报里", ["defect_quantity"], ["defect_type"]),
])
def test_the_figure_and_breakdown_meant(pipeline: Any, question: str, metrics: list[str], dims: list[str]) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    sq = answer.semantic_query
    assert sq["metrics"] == metrics and sq["dimensions"] == dims, sq


def test_every_share_word_is_read_as_the_share(pipeline: Any) -> None:
    sq = pipeline.ask("each plant's slice of the kWh we used last month, as a percentage").semantic_query
    assert sq is not None and sq["metrics"] == ["energy_kwh"] and sq["share"] == ["plant"], sq


def test_what_does_that_come_to_per_unit_divides_the_last_figure(pipeline: Any) -> None:
    sq = conversation(pipeline, "Total kWh for Ningbo last month", "so what does that come to per unit made?").semantic_query
    assert sq is not None and sq["metrics"] == ["energy_per_unit"], sq
    assert sq["filters"] == [{"field": "plant", "op": "in", "values": ["NB"]}], sq


def test_no_more_days_takes_the_grain_away(pipeline: Any) -> None:
    sq = conversation(pipeline, "宁波上周每天的产量", "不用分天了，按产线汇总").semantic_query
    assert sq is not None and sq["time_grain"] is None and sq["dimensions"] == ["line"], sq


def test_how_many_are_a_b_or_c_counts_each(pipeline: Any) -> None:
    sq = pipeline.ask("of the work orders planned to start this month, how many are completed, in progress or "
                      "cancelled?").semantic_query
    assert sq is not None and sq["dimensions"] == ["work_order_status"], sq


@pytest.mark.parametrize(("question", "dim", "filter_field"), [
    ("which lines build steering products?", "line", "product_family"),
    ("customers we have in Asia Pacific?", "customer", "customer_region"),
])
def test_members_asked_in_everyday_words_are_listed(pipeline: Any, question: str, dim: str,
                                                    filter_field: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok" and answer.semantic_query["metrics"] == [], answer.message
    assert answer.semantic_query["dimensions"] == [dim] and answer.rows
    assert [f["field"] for f in answer.semantic_query["filters"]] == [filter_field]


def test_a_ranking_after_which_x_run_is_no_list(pipeline: Any) -> None:
    answer = pipeline.ask("which machines run the longest")
    assert not (answer.status == "ok" and answer.semantic_query and answer.semantic_query["metrics"] == []), \
        answer.message


def test_a_date_role_said_as_scheduled_to_end(pipeline: Any) -> None:
    sq = pipeline.ask("how many work orders are scheduled to finish next week?").semantic_query
    assert sq is not None and sq["time_role"] == "planned_end" and sq["metrics"] == ["work_order_count"], sq


def test_ids_asked_of_records_are_no_name(pipeline: Any) -> None:
    sq = pipeline.ask("Give me the batch IDs of everything on hold at Chongqing").semantic_query
    assert sq is not None and sq["records"] == "finished_batches", sq


def test_kinds_listed_after_a_list_verb_are_shown_together(pipeline: Any) -> None:
    sq = pipeline.ask("最新一期库存里，哪些物料低于安全库存？列出工厂和物料").semantic_query
    assert sq is not None and set(sq["dimensions"]) == {"material", "plant"}, sq


def test_a_trace_asking_the_line_a_lot_went_to(pipeline: Any) -> None:
    answer = pipeline.ask("LOT-20251107-0014这批料是在哪条线上用完的？")
    assert answer.status == "ok" and answer.semantic_query is None, answer.message
    assert answer.rows and answer.rows[0][0] == "NB-L3"


def test_batch_pieces_of_the_work_orders_a_lot_went_into(pipeline: Any) -> None:
    answer = pipeline.ask("LOT-20251107-0014投料的工单，成品批次一共多少件？")
    assert answer.status == "ok" and answer.columns == ["quantity"] and answer.rows == [[24100.0]], answer.message


@pytest.mark.parametrize(("text", "grain"), [("for the annual review: output by plant", None),
                                             ("numbers for the monthly meeting - scrap by line", None),
                                             ("annual output by plant", "year")])
def test_an_occasions_name_is_no_grain(text: str, grain: str | None) -> None:
    from assistant.understand.timeparse import find_grain

    found = find_grain(text)
    assert (found[0] if found else None) == grain, found


@pytest.mark.parametrize(("question", "rewritten"), [
    ("which kinds of machines eat the most power", "which machine types eat the most power"),
    ("what kinds of customer complaints came in", "what customer complaint types came in"),
])
def test_a_kind_of_a_thing_is_its_type(question: str, rewritten: str) -> None:
    from assistant.plan.rules.rewordings import kind_of

    assert kind_of(question) == rewritten


def test_a_state_listed_with_its_siblings_is_that_state(pipeline: Any) -> None:
    sq = pipeline.ask("成品批次现在冻结、报废、放行的分别有几批").semantic_query
    assert sq is not None and sq["metrics"] == ["finished_batches_count"] and sq["dimensions"] == ["qc_status"], sq


@pytest.mark.parametrize("question", [
    "per Suzhou line, what share of the scheduled time were the machines up last week?",
    "Out of the time we had scheduled in October, what fraction was the press line really up and running?",
])
def test_running_share_of_scheduled_time_is_availability(pipeline: Any, question: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq is not None and sq["metrics"] == ["availability"], sq


@pytest.mark.parametrize("question", [
    "scrap rate on Chongqing Line 2 by week since Nov 1 - supplier audit next week",
    "scrap rate on Chongqing Line 2 by week since Nov 1, need the numbers for the 8D",
])
def test_why_it_is_asked_said_last_is_no_period_or_name(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert answer.semantic_query["time_range"]["start"] == "2025-11-01" and answer.semantic_query["time_grain"] == "week"


def test_a_members_name_said_with_a_stem(pipeline: Any) -> None:
    sq = pipeline.ask("A356 alloy ingot at Chongqing - on hand right now?").semantic_query
    assert sq is not None and sq["filters"][0] == {"field": "material", "op": "in", "values": ["MAT-AL01"]}, sq


def test_a_clause_that_points_back_keeps_the_rows_it_points_at(pipeline: Any) -> None:
    sq = pipeline.ask("open POs past the promised date - count them per supplier").semantic_query
    assert sq is not None and sq["metrics"] == ["overdue_po_count"] and sq["dimensions"] == ["supplier"], sq


def test_orders_placed_by_customers_are_sales_orders(pipeline: Any) -> None:
    sq = pipeline.ask("how many orders did customers place with us last month?").semantic_query
    assert sq is not None and sq["metrics"] == ["sales_orders_count"], sq


def test_those_few_of_a_kind_in_a_follow_up_are_no_count(pipeline: Any) -> None:
    sq = conversation(pipeline, "今年各供应商的来料批次拒收率", "只看铝材那几家供应商").semantic_query
    assert sq is not None and sq["metrics"] == ["lot_rejection_rate"], sq
    assert sq["filters"] == [{"field": "material_type", "op": "in", "values": ["aluminium"]}], sq


@pytest.mark.parametrize(("turns", "plants"), [
    (("Suzhou and Ningbo OEE for last month please", "add Chongqing to that too"), ["SZ", "NB", "CQ"]),
    (("Suzhou scrap rate last month", "show Ningbo too"), ["SZ", "NB"]),
])
def test_a_member_added_too_joins_the_ones_before(pipeline: Any, turns: tuple[str, ...], plants: list[str]) -> None:
    sq = conversation(pipeline, *turns).semantic_query
    assert sq is not None and sq["filters"] == [{"field": "plant", "op": "in", "values": plants}], sq
    assert sq["dimensions"] == ["plant"], sq
