"""Issue 19, classes of session 19 (each tested in other words than the blind questions that showed them):
a short member code narrowed by the member it belongs to."""

from __future__ import annotations

from typing import Any

import pytest


def _sq(pipeline: Any, question: str) -> dict[str, Any]:
    answer = pipeline.ask(question)
    assert answer.status == "ok", (question, answer.status, answer.message)
    return answer.semantic_query


def _values(sq: dict[str, Any], field: str) -> list[Any]:
    return [v for f in sq["filters"] if f["field"] == field for v in f["values"]]


# -- a code shared by many members is the one under the member named beside it -------------------------
@pytest.mark.parametrize(("question", "machine"), [
    ("downtime minutes of M05 on Chongqing line 3 last month", "CQ-L3-M05"),
    ("宁波1号线的M02上个月停了多少分钟", "NB-L1-M02"),
])
def test_a_shared_code_is_the_member_under_the_one_named(pipeline: Any, question: str, machine: str) -> None:
    assert _values(_sq(pipeline, question), "machine") == [machine]


# -- 'from the week of a day on' -----------------------------------------------------------------------
@pytest.mark.parametrize("question", ["从12月3号那周开始，每周的产量", "每周报废数，从12月3日所在的周起算"])
def test_since_the_week_a_day_falls_in(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["time_range"]["start"] == "2025-12-01" and sq["time_range"]["end"] == "2025-12-31", sq["time_range"]


# -- a breakdown or basis declined is no negation of members -------------------------------------------
@pytest.mark.parametrize("question", [
    "How many parts did Chongqing make in November? One number for the plant, not by line.",
    "上个月宁波一共做了多少件，不用按产线分",
])
def test_a_declined_breakdown_is_no_breakdown_and_no_negation(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["dimensions"] == [] and sq["metrics"] == ["total_output"], sq


def test_a_declined_breakdown_in_a_follow_up_takes_the_earlier_one_away(pipeline: Any) -> None:
    from tests.planner_cases import conversation
    sq = conversation(pipeline, "scrap count by shift in November", "overall number please, not per shift").semantic_query
    assert sq["dimensions"] == [] and sq["metrics"] == ["scrap_count"], sq


def test_a_basis_declined_names_no_other_figure(pipeline: Any) -> None:
    sq = _sq(pipeline, "Pieces shipped to each customer in November, counted from shipments, not orders.")
    assert sq["metrics"] == ["shipped_quantity"] and sq["dimensions"] == ["customer"], sq


def test_each_reckoned_is_no_negation(pipeline: Any) -> None:
    sq = _sq(pipeline, "按班次分别算一下上个月的报废率")
    assert sq["dimensions"] == ["shift"] and sq["metrics"] == ["scrap_rate"], sq


# -- time words with two letters swapped ---------------------------------------------------------------
@pytest.mark.parametrize(("question", "start"), [("defect ppm for lsat week", "2025-12-22"),
                                                 ("total output this yaer", "2025-01-01")])
def test_swapped_letters_in_time_words(pipeline: Any, question: str, start: str) -> None:
    assert _sq(pipeline, question)["time_range"]["start"] == start


# -- rankings said as leading / ahead; grains said over a named period -----------------------------------
def test_leading_on_a_figure_ranks_from_the_top(pipeline: Any) -> None:
    sq = _sq(pipeline, "which 3 machines are leading on overall equipment effectiveness in November?")
    assert sq["dimensions"] == ["machine"] and sq["limit"] == 3, sq
    assert sq["order"][0]["desc"] is True, sq


def test_each_month_of_a_named_period_is_a_monthly_grain(pipeline: Any) -> None:
    sq = _sq(pipeline, "scrap rate at Suzhou for every month of the first half of 2025")
    assert sq["time_grain"] == "month" and sq["time_range"]["start"] == "2025-01-01", sq
    assert sq["time_range"]["end"] == "2025-06-30", sq


# -- follow-ups: a year back, a figure converted, a paraphrased repair time -----------------------------
def test_the_same_period_a_year_back_replaces_the_earlier_one(pipeline: Any) -> None:
    from tests.planner_cases import conversation
    sq = conversation(pipeline, "scrap count at Ningbo in October", "and the same month one year before?").semantic_query
    assert sq["time_range"]["start"] == "2024-10-01" and sq["time_range"]["end"] == "2024-10-31", sq


def test_a_figure_converted_per_unit_keeps_the_earlier_breakdown(pipeline: Any) -> None:
    from tests.planner_cases import conversation
    sq = conversation(pipeline, "上个月各工厂用了多少度电", "折算成每件产品的耗电是多少").semantic_query
    assert sq["metrics"] == ["energy_per_unit"] and sq["dimensions"] == ["plant"], sq


def test_how_long_each_repair_took_is_mttr(pipeline: Any) -> None:
    from tests.planner_cases import conversation
    sq = conversation(pipeline, "上个月重庆出了多少次故障", "平均每次修了多长时间").semantic_query
    assert sq["metrics"] == ["mttr_min"], sq


# -- the work a question is for, said first, names nothing ---------------------------------------------
@pytest.mark.parametrize("question", ["正在写季度总结，上个季度各工厂的良品率", "Writing the monthly report: quality rate by plant last month"])
def test_the_work_said_first_is_no_filter_or_grain(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["filters"] == [] and sq["time_grain"] is None and sq["dimensions"] == ["plant"], sq


# -- two figures asked in two sentences -------------------------------------------------------------------
def test_a_figure_and_one_whose_name_holds_it_asked_in_two_sentences(pipeline: Any) -> None:
    sq = _sq(pipeline, "重庆MAT-EC01最新库存多少？安全库存也给我")
    assert set(sq["metrics"]) == {"on_hand_stock", "safety_stock_level"}, sq


# -- shares inside a scope said first; rows dated by a role inside a figure's words ---------------------
def test_a_share_of_a_scope_said_first_is_across_the_breakdown(pipeline: Any) -> None:
    sq = _sq(pipeline, "Of this year's planned downtime minutes, what percentage did each reason take?")
    assert sq["dimensions"] == ["downtime_reason"] and sq["share"] == ["downtime_reason"], sq


def test_a_date_named_inside_a_figures_words(pipeline: Any) -> None:
    assert _sq(pipeline, "今年客户下单的总数量")["time_role"] == "order_date"
    assert _sq(pipeline, "ordered quantity this year")["time_role"] is None  # the figure's own name dates nothing


# -- traces: the suppliers asked by '谁家供', a count of the records reached, the records each figure is for
def test_who_supplied_names_the_suppliers(pipeline: Any) -> None:
    answer = pipeline.ask("客诉CC-00070那批货，用到的料是谁家供的")
    assert answer.status == "ok" and "supplier_id" in answer.columns, (answer.message, answer.columns)


def test_a_count_asked_after_the_records_reached(pipeline: Any) -> None:
    answer = pipeline.ask("LOT-20251107-0014做出来的成品批次里，被冻结的有多少个？")
    assert answer.columns == ["count"] and answer.rows == [[3]], (answer.columns, answer.rows)


def test_a_figure_per_kind_names_the_records_it_is_for(pipeline: Any) -> None:
    answer = pipeline.ask("by customer, how many units went out from batches made with lot LOT-20251107-0014?")
    assert answer.columns[0] == "customer_id" and len(answer.rows) == 2, (answer.columns, answer.rows)


# -- a member whose name is also a time word, listed with others of its kind ----------------------------
def test_a_member_listed_with_its_kind_is_that_member(pipeline: Any) -> None:
    sq = _sq(pipeline, "good output in November for the Night and Day crews")
    assert sorted(_values(sq, "shift")) == ["A", "C"], sq



# -- a word two kinds share is the one the figure reaches -------------------------------------------------
def test_electronics_of_suppliers_is_their_material_type(pipeline: Any) -> None:
    sq = _sq(pipeline, "on-time delivery of our electronics suppliers last quarter, per supplier")
    assert _values(sq, "material_type") == ["electronic components"], sq
    assert _values(_sq(pipeline, "output of electronics products last month"), "product_family") == ["electrical"]


# -- a figure compared with a multiple of another ---------------------------------------------------------
@pytest.mark.parametrize(("question", "op", "k"), [
    ("宁波最新一期盘点，哪些物料的在库量低于安全库存的3倍？", "<", 3.0),
    ("materials at Chongqing whose on-hand stock is more than 4 times the safety stock, latest snapshot", ">", 4.0),
])
def test_a_figure_against_a_multiple_of_another(pipeline: Any, question: str, op: str, k: float) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    sq = answer.semantic_query
    assert sq["per"] == "safety_stock_level" and sq["metrics"][0] == "on_hand_stock", sq
    assert {"field": "on_hand_stock_per_safety_stock_level", "op": op, "values": [k]} in sq["filters"], sq
    ratios = [row[answer.columns.index("on_hand_stock_per_safety_stock_level")] for row in answer.rows]
    assert ratios and all((r < k) if op == "<" else (r > k) for r in ratios), ratios


# -- refusals: writing tasks and record changes said in other words --------------------------------------
@pytest.mark.parametrize("question", ["Can you write me a short speech for the quality awards dinner?",
                                      "帮我写一篇演讲稿，讲讲我们的良品率",
                                      "把恒泰那几张采购单的承诺交期统一往前改一周"])
def test_writing_and_changing_are_refused(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "refused" and not answer.rows, (answer.status, answer.message)


# -- readings: 'end up' before a verb, minutes of stoppage, a participle after a figure's name -----------
def test_end_up_doing_is_no_trace_and_stoppage_minutes_are_downtime(pipeline: Any) -> None:
    sq = _sq(pipeline, "How many parts did NB-L1 end up tossing in the scrap bin last week?")
    assert sq["metrics"] == ["scrap_count"], sq
    assert _sq(pipeline, "stoppage minutes by reason last month")["metrics"] == ["downtime_minutes"]


def test_a_participle_after_a_figures_name_keeps_the_figure(pipeline: Any) -> None:
    assert _sq(pipeline, "good pieces produced per plant last month")["metrics"] == ["good_output"]


# -- paraphrases and a ratio's numerator said after it ------------------------------------------------------
@pytest.mark.parametrize(("question", "metric"), [
    ("上个月各条线平均每生产一件要耗多少度电", "energy_per_unit"),
    ("本月各班次的废件数量", "scrap_count"),
    ("how many open sales orders are there whose due date has passed?", "overdue_so_count"),
    ("宁波本月按产线看，完工工单的达成比例", "plan_attainment"),
])
def test_more_paraphrases(pipeline: Any, question: str, metric: str) -> None:
    assert _sq(pipeline, question)["metrics"] == [metric]


# -- a limit not reached, a yes/no asked with 没, a new count for an earlier ranking -----------------------
def test_a_limit_not_reached_is_below_it(pipeline: Any) -> None:
    sq = _sq(pipeline, "上个月哪几台设备的可用率没到90%")
    assert {"field": "availability", "op": "<", "values": [0.9]} in sq["filters"], sq


def test_whether_it_rose_asked_with_mei_is_no_negation(pipeline: Any) -> None:
    assert _sq(pipeline, "苏州上个月的良品率比前一个月涨了没有")["metrics"] == ["quality_rate"]


def test_a_new_count_for_the_earlier_ranking(pipeline: Any) -> None:
    from tests.planner_cases import conversation
    sq = conversation(pipeline, "top 3 products by scrap count this year", "show me 7 instead").semantic_query
    assert sq["limit"] == 7 and sq["dimensions"] == ["product"], sq


# -- shares of each group's own whole; an id's end said again; a state with its word in brackets ---------
def test_a_share_between_the_groups_named(pipeline: Any) -> None:
    sq = _sq(pipeline, "This year, how did Ningbo's planned downtime minutes split between the different reasons, in %?")
    assert sq["share"] == ["downtime_reason"], sq


def test_each_groups_own_rows_are_the_whole(pipeline: Any) -> None:
    sq = _sq(pipeline, "今年各供应商的来料里面，被拒收的批次占比分别是多少")
    assert "supplier" in sq["dimensions"] and sq["share"] != ["supplier"], sq


def test_the_end_of_an_id_said_again_is_that_member(pipeline: Any) -> None:
    sq = _sq(pipeline, "scrap rate of CQ-L2 vs CQ-L4 last month, I think L2 was worse")
    assert sorted(_values(sq, "line")) == ["CQ-L2", "CQ-L4"], sq


def test_a_state_with_its_english_in_brackets_picks_rows(pipeline: Any) -> None:
    answer = pipeline.ask("现在质检状态是冻结（on hold）的成品批次有哪些")
    assert answer.status == "ok" and answer.semantic_query["records"], answer.message


# -- examples after a dash name no members; paraphrases of scrap rate and availability -------------------
def test_examples_after_a_dash_pick_no_members(pipeline: Any) -> None:
    sq = _sq(pipeline, "OEE for each machine type last month - presses, CNCs and so on")
    assert sq["dimensions"] == ["machine_type"] and _values(sq, "machine_type") == [], sq


def test_wasting_a_percentage_is_scrap_rate(pipeline: Any) -> None:
    sq = _sq(pipeline, "which 2 plants are wasting the biggest percentage of what they make this quarter?")
    assert sq["metrics"] == ["scrap_rate"] and sq["limit"] == 2, sq


# -- the rows' own amount asked later in other words ----------------------------------------------------
@pytest.mark.parametrize(("question", "metric"), [("11月份下单的销售订单，总数量是多少件？", "ordered_quantity"),
                                                  ("本月到货的来料，按供应商分别收了多少数量", "received_quantity")])
def test_the_rows_amount_asked_later(pipeline: Any, question: str, metric: str) -> None:
    assert _sq(pipeline, question)["metrics"] == [metric]


def test_overtime_pay_is_refused(pipeline: Any) -> None:
    answer = pipeline.ask("车间工人每个月的加班费一般是多少")
    assert answer.status == "refused", answer.message
