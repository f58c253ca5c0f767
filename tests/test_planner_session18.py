"""Issue 19, classes of session 18 (each tested in other words than the blind questions that showed them):
amounts no reading placed are asked about, negations said after the members, limits said first, a ratio's
own denominator or rows said beside it, figures declined, breakdowns replaced, members read short."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.plan.rules.unread_amounts import unread_amount
from tests.planner_cases import conversation


def _sq(pipeline: Any, question: str) -> dict[str, Any]:
    answer = pipeline.ask(question)
    assert answer.status == "ok", (question, answer.status, answer.message)
    return answer.semantic_query


# -- a percentage or multiple no reading placed is never dropped ---------------------------------------
@pytest.mark.parametrize("question", [
    "which presses ran at roughly 75% OEE in November",
    "machines with a yield in the region of 97 percent this quarter",
    "哪些物料的库存只有安全库存的3倍",
])
def test_an_amount_nothing_placed_is_asked_about(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "clarify", (answer.status, answer.semantic_query)
    assert answer.sql in (None, ""), answer.sql


@pytest.mark.parametrize("question", [
    "did OEE go up by 3% last month",   # a change asked about: the comparison answers it
    "lines below 85% OEE last month",    # a limit: placed
    "which lines never reached 85% OEE this year",  # the 'never' is asked about instead
])
def test_placed_or_changed_amounts_are_no_question(question: str) -> None:
    text = question.lower()
    used = [(text.index("85%"), text.index("85%") + 3)] if "below" in text else []
    found = unread_amount(text, used)
    assert found is None, found


def test_a_bare_amount_in_a_follow_up_moves_the_earlier_limit(pipeline: Any) -> None:
    sq = conversation(pipeline, "lines with OEE under 80% in November", "ok and at 82%?").semantic_query
    assert {"field": "oee", "op": "<", "values": [0.82]} in sq["filters"], sq


@pytest.mark.parametrize(("question", "op"), [
    ("十一月可用率92%以下的产线", "<"),
    ("machines with OEE at 80 percent or higher this month", ">="),
    ("良品率跌到97%的设备有哪些，上个月", "<"),
])
def test_limits_said_first_or_with_falling_verbs(pipeline: Any, question: str, op: str) -> None:
    sq = _sq(pipeline, question)
    assert any(f["op"] == op and f["field"] in ("availability", "oee", "quality_rate") for f in sq["filters"]), sq


# -- members left out, said after them ------------------------------------------------------------------
@pytest.mark.parametrize("question", [
    "下个月计划开工的工单有几张？取消掉的别算",
    "本月计划开工的工单，取消了的不要算，一共几张",
])
def test_a_negation_after_the_members_leaves_them_out(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert {"field": "work_order_status", "op": "not in", "values": ["cancelled"]} in sq["filters"], sq


def test_cost_is_no_word_inside_change_to_this_week(pipeline: Any) -> None:
    answer = conversation(pipeline, "上周各条线的良品数", "改成本周的")
    assert answer.status == "ok", answer.message
    assert answer.semantic_query["time_range"]["start"] == "2025-12-29"


# -- shares and ratios ------------------------------------------------------------------------------------
def test_either_members_in_a_chinese_share_are_one_part(pipeline: Any) -> None:
    sq = _sq(pipeline, "今年的成品批次中冻结或报废的占多大比例")
    assert sq["dimensions"] == [] and sq["share"], sq


@pytest.mark.parametrize("question", [
    "Suzhou, Q3: defect ppm by severity, relative to the plant's total output",
    "Chongqing this year: defects per million parts made, split by defect type",
])
def test_a_ratios_own_denominator_named_beside_it_is_no_second_figure(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == ["defect_ppm"] and sq["dimensions"], sq


def test_pieces_per_million_made_is_the_layers_per_million_figure(pipeline: Any) -> None:
    sq = _sq(pipeline, "defective pieces per million produced by line, last quarter")
    assert sq["metrics"] == ["defect_ppm"] and sq["dimensions"] == ["line"], sq


def test_per_million_of_a_figure_with_no_such_metric_is_asked(pipeline: Any) -> None:
    answer = pipeline.ask("breakdowns per million parts made by plant this year")
    assert answer.status == "clarify", answer.semantic_query


def test_a_figure_declined_is_dropped(pipeline: Any) -> None:
    sq = _sq(pipeline, "Pieces made on Ningbo Line 2 last month? Not the good count, just everything produced.")
    assert sq["metrics"] == ["total_output"], sq


def test_the_rows_of_a_rate_said_before_it_are_its_scope(pipeline: Any) -> None:
    sq = _sq(pipeline, "去年已发货订单的客户准时交付率，按客户区域")
    assert sq["metrics"] == ["customer_otd_rate"] and sq["dimensions"] == ["customer_region"], sq


def test_of_two_figures_the_one_that_cannot_reach_the_members_is_dropped(pipeline: Any) -> None:
    sq = _sq(pipeline, "what fraction of the lots Minghua delivered to us in 2025 passed as conditional?")
    assert sq["metrics"] == ["material_lot_count"] and sq["share"], sq


# -- breakdowns -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["今年各家客户的客诉数", "本月各条产线的报废数", "各台设备上个月的能耗"])
def test_each_with_a_classifier_marks_a_breakdown(pipeline: Any, question: str) -> None:
    assert _sq(pipeline, question)["dimensions"], question


def test_bottom_said_as_dian_di_ranks_the_worst(pipeline: Any) -> None:
    sq = _sq(pipeline, "上个月OEE垫底的两条线")
    assert sq["limit"] == 2 and sq["order"] == [{"field": "oee", "desc": False}], sq


@pytest.mark.parametrize(("turns", "dims", "grain"), [
    (["defect count per week this quarter", "by line instead"], ["line"], None),
    (["每个月的停机时长", "改成按工厂看"], ["plant"], None),
    (["OEE by plant this year", "split it by month instead"], [], "month"),
])
def test_a_breakdown_said_instead_replaces_the_earlier_one(pipeline: Any, turns: list[str], dims: list[str],
                                                            grain: str | None) -> None:
    sq = conversation(pipeline, *turns).semantic_query
    assert sq["dimensions"] == dims and sq["time_grain"] == grain, sq


def test_a_count_of_members_stands_for_its_own_kind_only(pipeline: Any) -> None:
    sq = _sq(pipeline, "两个厂的设备上个月停机了多少分钟，分厂")
    assert sq["dimensions"] == ["plant"], sq


def test_members_named_beside_an_asked_breakdown_only_pick_rows(pipeline: Any) -> None:
    sq = _sq(pipeline, "本月低优先级和普通优先级的工单，各个状态分别有几张")
    assert sq["dimensions"] == ["work_order_status"], sq


def test_which_kind_of_thing_is_one_type(pipeline: Any) -> None:
    sq = _sq(pipeline, "which kind of machine had the most downtime last month?")
    assert sq["dimensions"] == ["machine_type"] and sq["limit"] == 1, sq


# -- records and members -------------------------------------------------------------------------------
def test_records_listed_with_a_kind_asked_along(pipeline: Any) -> None:
    answer = pipeline.ask("上个月拒收的来料有哪些？顺便带上是哪家供应商")
    assert answer.status == "ok" and answer.semantic_query["records"], answer.semantic_query
    assert "lot_id" in answer.columns and "supplier" in answer.columns, answer.columns


def test_a_members_name_running_into_a_figures_word_is_read_short(pipeline: Any) -> None:
    sq = _sq(pipeline, "上个月的计划停机时长是多少")
    assert {"field": "downtime_category", "op": "in", "values": ["planned"]} in sq["filters"], sq


def test_total_quantity_said_after_the_rows_is_their_amount(pipeline: Any) -> None:
    assert _sq(pipeline, "下单在上个月的销售订单，数量合计多少")["metrics"] == ["ordered_quantity"]


def test_set_to_start_is_the_planned_date(pipeline: Any) -> None:
    answer = pipeline.ask("how many work orders are set to begin next month?")
    assert answer.status == "ok" and "planned_start" in (answer.sql or ""), answer.sql


def test_pieces_said_after_a_breakdown_are_the_batches_quantity(pipeline: Any) -> None:
    sq = _sq(pipeline, "上个月的成品批次，按产线把件数加总")
    assert sq["metrics"] == ["batch_quantity"], sq


# -- later in the session ------------------------------------------------------------------------------
def test_a_state_in_a_second_how_many_is_its_own_count(pipeline: Any) -> None:
    sq = _sq(pipeline, "how many lots came in from Minghua last month and how many were rejected")
    assert sq["metrics"][0] == "material_lot_count" and len(sq["metrics"]) == 2, sq
    assert not any(f["field"] == "inspection_result" for f in sq["filters"]), sq


def test_a_bracket_saying_how_a_figure_is_reckoned_is_an_aside(pipeline: Any) -> None:
    sq = _sq(pipeline, "availability for Ningbo in October (running time vs scheduled)")
    assert sq["metrics"] == ["availability"] and [f["field"] for f in sq["filters"]] == ["plant"], sq


def test_which_of_two_members_is_higher_ranks_them(pipeline: Any) -> None:
    sq = _sq(pipeline, "上个月苏州1号线和重庆1号线，报废数哪条更多")
    assert sq["dimensions"] == ["line"] and sq["order"] == [{"field": "scrap_count", "desc": True}], sq


def test_a_share_of_one_state_that_a_rate_counts_is_that_rate(pipeline: Any) -> None:
    sq = _sq(pipeline, "去年各供应商的拒收比例，从高到低")
    assert sq["metrics"] == ["lot_rejection_rate"] and sq["filters"] == [], sq


def test_a_chinese_typo_of_a_kind_word_is_read_in_a_trace(pipeline: Any) -> None:
    answer = pipeline.ask("CC-00070这个客诉，问题批次是哪张公单做的")
    assert answer.status == "ok" and "work_order_id" in answer.columns, (answer.status, answer.columns)


@pytest.mark.parametrize(("typed", "meant"), [("wich lines had the most scrap", "which"),
                                              ("thier OEE last month", "their")])
def test_a_common_word_missing_a_letter_is_read_as_it(pipeline: Any, typed: str, meant: str) -> None:
    from assistant.plan.rules.spelling import mend_spelling
    mended, fixes = mend_spelling(typed, set())
    assert mended.split()[0] == meant and fixes, (mended, fixes)


def test_each_type_after_the_kind_named_is_that_kind(pipeline: Any) -> None:
    sq = _sq(pipeline, "how were this month's defective pieces spread over the severities? each severity as a share")
    assert sq["dimensions"] == ["severity"] and sq["share"], sq


def test_a_state_said_after_the_rows_is_their_state(pipeline: Any) -> None:
    answer = pipeline.ask("今年哪些成品批次被判定为冻结？列出批次号")
    assert answer.status == "ok" and answer.semantic_query["records"], answer.semantic_query
    assert {"field": "qc_status", "op": "in", "values": ["on_hold"]} in answer.semantic_query["filters"]


def test_the_rows_own_name_opening_a_which_question_lists_them(pipeline: Any) -> None:
    answer = pipeline.ask("Which open POs are past their promised date, and who is the supplier on each one?")
    assert answer.status == "ok" and answer.semantic_query["records"], answer.semantic_query


def test_a_trace_ignores_dating_words_of_the_opening_clause(pipeline: Any) -> None:
    answer = pipeline.ask("准备8D报告：用过LOT-20251107-0014的工单，一共查出多少件裂纹？")
    assert answer.status == "ok" and answer.columns == ["defect_quantity"], answer.columns


@pytest.mark.parametrize("question", [
    "for Monday's ops huddle next week: scrap count by line this month",
    "下周一例会要用：本月各厂的良品率",
])
def test_when_the_answer_is_needed_dates_no_data(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["time_range"]["start"] == "2025-12-01" and not sq["periods"], sq


def test_a_term_of_a_rate_asked_for_is_its_part(pipeline: Any) -> None:
    sq = _sq(pipeline, "which lines had a yield under 98% of the parts made this year? show the ratio")
    assert sq["metrics"] == ["quality_rate"], sq


def test_a_plain_figure_beside_a_named_rate_is_still_asked(pipeline: Any) -> None:
    sq = _sq(pipeline, "scrap rate and total output by line last month")
    assert sq["metrics"] == ["scrap_rate", "total_output"], sq


def test_a_kind_ranked_with_no_figure_asks_which_figure(pipeline: Any) -> None:
    answer = pipeline.ask("which line is performing worst these days?")
    assert answer.status == "clarify" and not answer.rows, (answer.status, answer.message)


def test_accepting_only_conditionally_is_the_conditional_state(pipeline: Any) -> None:
    sq = _sq(pipeline, "how many lots from Hengtai did we accept only conditionally last quarter")
    assert {"field": "inspection_result", "op": "in", "values": ["conditional"]} in sq["filters"], sq


def test_most_after_a_verb_of_failing_ranks_the_worst(pipeline: Any) -> None:
    sq = _sq(pipeline, "which 2 suppliers let us down most on on-time delivery this year?")
    assert sq["order"] == [{"field": "on_time_delivery_rate", "desc": False}] and sq["limit"] == 2, sq


def test_the_records_named_after_a_linking_verb_are_the_trace_target(pipeline: Any) -> None:
    answer = pipeline.ask("恒泰11月那批让步接收的铝料，后来做成的成品批次里，哪些还是冻结状态？")
    assert answer.status == "ok" and "batch_id" in answer.columns, (answer.status, answer.message)
    assert {row[answer.columns.index("qc_status")] for row in answer.rows} == {"on_hold"}, answer.rows
