"""Issue 19, classes read from the development sets (general readings, each tested): a member's word that
stems from a metric's ('scrapped' pieces); one thing of a kind named by another kind's member ('the brake
line') shown for each that fits; two periods compared 'between A and B'; follow-ups on listed records
(their members, a narrower list, their count); counts of pieces on the records the words name ('units
due to customers'); the part and whole of a declared rate; lists over a period; 'top customers'."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.plan.query import SemanticQuery
from assistant.sql.compiler import Compiler
from tests.planner_cases import conversation as _ask


@pytest.mark.parametrize(("question", "metric"), [
    ("how many pieces were scrapped last week", "scrap_count"),
    ("how many units were shipped to Changjiang last month", "shipped_quantity"),
])
def test_a_members_word_that_is_a_metrics_word_counts_that_metric(pipeline: Any, question: str, metric: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["metrics"] == [metric] and not any(f["field"] in ("qc_status", "sales_order_status")
                                                 for f in sq["filters"]), sq


def test_batches_scrapped_stay_a_count_of_batches(pipeline: Any) -> None:
    sq = pipeline.ask("how many batches were scrapped last month").semantic_query
    assert sq["metrics"] == ["finished_batches_count"] and sq["filters"][0]["values"] == ["scrapped"], sq


@pytest.mark.parametrize(("question", "dimension"), [
    ("scrap rate on the brake line last month?", "line"),
    ("how much energy did the paint cell use yesterday", "machine"),
    ("涂装那台机器上个月的可用率怎么样", "machine"),
    ("铝材供应商今年各家的准时交付率", "supplier"),
    ("今年的客诉按生产工厂分，各有几起", "plant"),
])
def test_one_thing_of_a_kind_named_by_another_kinds_member_is_shown_for_each(pipeline: Any, question: str,
                                                                              dimension: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["dimensions"] == [dimension], sq


def test_the_named_plant_is_no_breakdown(pipeline: Any) -> None:
    sq = pipeline.ask("what was the OEE of the Ningbo plant last month").semantic_query
    assert sq["dimensions"] == [] and sq["filters"][0]["values"] == ["NB"], sq


@pytest.mark.parametrize("question", ["Compare defect PPM on NB-L3 between October and November 2025",
                                      "10月和11月之间对比一下苏州的报废率"])
def test_compare_between_two_months_is_two_periods(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.semantic_query["time_grain"] == "month" and len(answer.rows) == 2, answer.semantic_query


def test_between_two_months_without_compare_is_one_range(pipeline: Any) -> None:
    sq = pipeline.ask("OEE between October and November").semantic_query
    assert sq["time_grain"] is None and sq["time_range"]["start"] == "2025-10-01", sq


def test_which_members_of_listed_records_are_those_records_members(pipeline: Any) -> None:
    answer = _ask(pipeline, "list the complaints we got last month", "which customers were those from?")
    sq = answer.semantic_query
    assert sq["records"] == "customer_complaints" and sq["distinct"] and sq["dimensions"] == ["customer"], sq
    everyone = pipeline.ask("list all customers")
    assert 0 < len(answer.rows) < len(everyone.rows)
    assert answer.message.startswith("Customers named in customer complaints"), answer.message
    zh = _ask(pipeline, "上个月的客诉列出来", "都是哪些客户")
    assert zh.semantic_query["distinct"] and zh.message.startswith("客诉中的客户列表"), zh.message


def test_a_follow_up_narrows_listed_records_and_counts_them(pipeline: Any) -> None:
    closed = _ask(pipeline, "list the complaints we got last month", "only the closed ones")
    assert closed.semantic_query["records"] == "customer_complaints", closed.semantic_query
    assert {f["field"] for f in closed.semantic_query["filters"]} == {"complaint_status"}
    counted = _ask(pipeline, "list the complaints we got last month", "how many are there")
    listed = pipeline.ask("list the complaints we got last month")
    assert counted.semantic_query["metrics"] == ["complaint_count"] and counted.rows[0][0] == len(listed.rows)


def test_list_the_ones_from_a_member_lists_what_the_previous_figure_counted(pipeline: Any) -> None:
    sq = _ask(pipeline, "rejected lots this year by supplier", "list the ones from hanseong").semantic_query
    assert sq["records"] == "rejected_lot_count" and sq["filters"][0]["values"] == ["SUP-03"], sq


def test_every_customer_is_every_customer_after_a_list_of_orders(pipeline: Any) -> None:
    sq = _ask(pipeline, "show me the open sales orders", "list all customers").semantic_query
    assert not sq.get("records") and sq["filters"] == [], sq


def test_a_back_reference_the_records_cannot_take_is_refused_not_widened(pipeline: Any) -> None:
    answer = _ask(pipeline, "how many complaints has Changjiang Motor filed this year?",
                  "which batches were those about?")
    assert answer.status != "ok" and "customer" in answer.message, answer.message


def test_by_reason_for_a_period_is_a_breakdown_not_a_why(pipeline: Any) -> None:
    sq = pipeline.ask("Unplanned downtime minutes by reason for last month").semantic_query
    assert sq["dimensions"] == ["downtime_reason"] and sq["metrics"] == ["downtime_minutes"], sq


def test_what_were_a_customers_complaint_issues_lists_them_in_the_period(pipeline: Any) -> None:
    answer = pipeline.ask("what were Changjiang Motor's complaint issues this year")
    sq = answer.semantic_query
    assert sq["dimensions"] == ["complaint_issue"] and not sq["metrics"] and sq["time_range"], sq
    all_time = pipeline.ask("list Changjiang Motor's complaint issues")
    assert len(answer.rows) < len(all_time.rows)


def test_a_list_of_members_over_a_period_reads_the_dated_records(layer: Any) -> None:
    dated = SemanticQuery(dimensions=["complaint_issue"], time_range={"start": "2025-01-01", "end": "2025-12-31"})
    sql = Compiler(layer).compile(dated).sql()
    assert "reported_on" in sql, sql


@pytest.mark.parametrize(("question", "limit"), [
    ("what are our top customers by ordered quantity", None),
    ("top customer by complaints", 1),
    ("top 3 customers by complaints", 3),
])
def test_top_without_a_count_ranks_them_all_or_names_the_first(pipeline: Any, question: str,
                                                               limit: int | None) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["dimensions"] == ["customer"] and sq["order"][0]["desc"] and sq["limit"] == limit, sq


def test_a_metric_said_in_two_pieces_is_one(pipeline: Any) -> None:
    sq = pipeline.ask("今年客诉里涉及数量最多的是哪类问题").semantic_query
    assert sq["metrics"] == ["affected_quantity"] and sq["dimensions"] == ["complaint_issue"], sq


@pytest.mark.parametrize(("question", "metric"), [
    ("how many units were due to customers in May (by order due date)?", "ordered_quantity"),
    ("how many pieces did we ship to customers in May", "shipped_quantity"),
    ("how many units did each customer order last quarter", "ordered_quantity"),
    ("how many parts did each customer complain about this year", "affected_quantity"),
    ("各客户上季度订了多少件", "ordered_quantity"),
])
def test_pieces_counted_on_the_records_the_words_name(pipeline: Any, question: str, metric: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["metrics"] == [metric], sq


def test_a_bare_count_of_pieces_with_a_breakdown_it_cannot_take_is_not_guessed(pipeline: Any) -> None:
    answer = pipeline.ask("各客户上季度做了多少件")  # made: output has no customer; no other pieces are meant
    assert answer.status != "ok" or answer.semantic_query["metrics"] == ["total_output"]


def test_hyphened_layer_words_are_read_apart_and_a_coined_one_is_asked_about(pipeline: Any) -> None:
    sq = pipeline.ask("How many critical-severity defective parts per line in the last 30 days?").semantic_query
    assert sq["filters"] == [{"field": "severity", "op": "in", "values": ["critical"]}], sq
    assert pipeline.ask("How many blorp-severity defective parts per line last month?").status == "clarify"


def test_each_of_the_named_members_is_shown_even_inside_a_set(pipeline: Any) -> None:
    sq = pipeline.ask("还没完成的工单（计划中和进行中）计划数量合计各是多少").semantic_query
    assert sq["metrics"] == ["planned_quantity"] and sq["dimensions"] == ["work_order_status"], sq


def test_a_suppliers_lots_counted_or_listed_are_no_trace(pipeline: Any) -> None:
    counted = pipeline.ask("Hengtai lots received since Oct 1 - how many accepted / conditional / rejected?")
    assert counted.semantic_query["dimensions"] == ["inspection_result"], counted.message
    listed = pipeline.ask("list Hengtai lots we only accepted on condition since Oct 1")
    assert listed.semantic_query["records"] == "material_lots" and len(listed.rows) == 1, listed.message
    # a second kind named is still followed through the genealogy
    traced = pipeline.ask("which customers got Hengtai's conditional lots")
    assert traced.status == "ok" and traced.semantic_query is None, traced.message


@pytest.mark.parametrize("question", ["rejected lots as a % of all lots, by material type, this year",
                                      "恒泰金属今年来料被拒收的批次占比多少？"])
def test_the_part_and_whole_of_a_rate_are_that_rate(pipeline: Any, question: str) -> None:
    assert pipeline.ask(question).semantic_query["metrics"] == ["lot_rejection_rate"]


def test_which_orders_went_out_late_lists_the_late_ones(pipeline: Any) -> None:
    answer = pipeline.ask("which customer orders due last month went out late?")
    counted = pipeline.ask("how many orders shipped late last month")
    assert answer.semantic_query["records"] == "late_sales_orders", answer.semantic_query
    assert len(answer.rows) == counted.rows[0][0] > 0


def test_of_two_readings_covering_as_much_the_one_left_less_open_wins(pipeline: Any) -> None:
    sq = pipeline.ask("paint defect ppm per line this year - only lines that had any").semantic_query
    assert sq["filters"] == [{"field": "defect_type", "op": "in", "values": ["paint_defect"]}], sq
    assert sq["dimensions"] == ["line"], sq  # asked 'per line' once; a later bare 'lines' keeps it


def test_which_kind_beside_records_asked_about_counts_them_for_each(pipeline: Any) -> None:
    sq = pipeline.ask("any complaints last month? which customers").semantic_query
    assert sq["metrics"] == ["complaint_count"] and sq["dimensions"] == ["customer"], sq
    # 'what product each one is' asks a column of every record, not the products
    listed = pipeline.ask("list batches on hold right now and what product each one is").semantic_query
    assert listed["records"] == "finished_batches" and "product" in listed["dimensions"], listed


def test_by_before_a_kinds_whole_name_breaks_down_by_it(pipeline: Any) -> None:
    sq = pipeline.ask("Total quantity affected by complaint issue, for complaints reported last year").semantic_query
    assert sq["metrics"] == ["affected_quantity"] and sq["dimensions"] == ["complaint_issue"], sq


def test_a_records_noun_before_its_own_figure_is_no_second_figure(pipeline: Any) -> None:
    sq = pipeline.ask("本季度客诉涉及的产品数量一共多少件").semantic_query
    assert sq["metrics"] == ["affected_quantity"], sq


def test_a_threshold_reads_in_the_unit_the_answer_shows(pipeline: Any) -> None:
    answer = pipeline.ask("machines with more than 6 hours of downtime last week")
    assert answer.semantic_query["units"] == {"downtime_minutes": "hours"}, answer.semantic_query
    assert "above 6 h" in answer.message and all(r[1] > 6 for r in answer.rows), answer.message


def test_a_member_the_metric_already_counts_only_is_no_filter_to_ask_about(pipeline: Any) -> None:
    sq = pipeline.ask("of the customer orders due last quarter that we shipped, what share went out on time?"
                      ).semantic_query
    assert sq["metrics"] == ["customer_otd_rate"] and sq["filters"] == [], sq


def test_a_share_of_records_with_the_rates_part_named_is_that_rate(pipeline: Any) -> None:
    answer = pipeline.ask("percentage of incoming lots we rejected from each supplier, for lots received this year")
    sq = answer.semantic_query
    assert sq["metrics"] == ["lot_rejection_rate"] and sq["filters"] == [] and sq["dimensions"] == ["supplier"], sq
    assert len(answer.rows) == len(pipeline.ask("list all suppliers").rows)  # suppliers with none rejected too


def test_show_me_records_without_an_article_lists_them(pipeline: Any) -> None:
    answer = pipeline.ask("show me open complaints for Changjiang")
    assert answer.semantic_query["records"] == "customer_complaints", answer.semantic_query
    assert pipeline.ask("show me OEE by plant").semantic_query["metrics"] == ["oee"]


def test_a_period_with_no_words_of_its_own_is_said_by_its_dates(pipeline: Any) -> None:
    answer = pipeline.ask("how much scrap did the night shift make last week vs the week before")
    assert answer.semantic_query["time_grain"] == "week" and len(answer.rows) == 2
    assert not answer.semantic_query["time_range"].get("label"), answer.semantic_query


@pytest.mark.parametrize(("question", "line"), [("宁波三号线这个月的良品率怎么样", "NB-L3"), ("苏州二号线的产量", "SZ-L2")])
def test_a_numbered_thing_said_with_a_chinese_digit(pipeline: Any, question: str, line: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["filters"] == [{"field": "line", "op": "in", "values": [line]}], sq


@pytest.mark.parametrize("question", ["最近30天客诉最多的三个问题", "top 3 OEE last month"])
def test_a_top_n_of_one_total_asks_by_what(pipeline: Any, question: str) -> None:
    assert pipeline.ask(question).status == "clarify"


@pytest.mark.parametrize("question", ["energy use per unit by plant last month", "每件产品的能耗 按工厂",
                                      "electricity consumption per piece at Suzhou this year"])
def test_a_metric_per_piece_is_the_layers_metric_per_piece(pipeline: Any, question: str) -> None:
    assert pipeline.ask(question).semantic_query["metrics"] == ["energy_per_unit"]


def test_a_share_inside_the_rates_part_stays_a_share(pipeline: Any) -> None:
    sq = pipeline.ask("今年被拒收的来料批次里，铝材占了几成？").semantic_query
    assert sq["metrics"] == ["material_lot_count"] and sq["share"] == ["material_type"], sq


def test_a_money_word_that_only_sets_the_scene_is_no_money_question(pipeline: Any) -> None:
    sq = pipeline.ask("For the cost review: number of scrapped pieces per product family in Q3 2025?").semantic_query
    assert sq["metrics"] == ["scrap_count"] and sq["dimensions"] == ["product_family"], sq
    assert pipeline.ask("what did scrap cost us last month").status == "refused"


def test_someone_elses_plant_is_refused_not_answered_with_ours(pipeline: Any) -> None:
    assert pipeline.ask("隔壁竞争对手工厂的OEE是多少，我们比他们高吗").status == "refused"
    assert pipeline.ask("上个月各工厂的OEE").status == "ok"


@pytest.mark.parametrize(("question", "metric"), [
    ("今年每个月收到几个客述？", "complaint_count"),  # a metric's two characters, one mistyped by sound
    ("全公司的可用率，本季度跟上季度比怎么样？", "availability"),  # 'the whole company' is every plant
    ("top 3 most power-hungry machines this month (total kwh)", "energy_kwh"),  # everyday words hyphened
    ("Chongqing kWh per unit - this quarter against last quarter, side by side", "energy_per_unit"),
])
def test_ordinary_words_and_sound_typos_do_not_block(pipeline: Any, question: str, metric: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok" and answer.semantic_query["metrics"] == [metric], answer.message


def test_a_real_word_is_no_typo_of_a_time_word_unless_a_period_was_meant(pipeline: Any) -> None:
    sliced = pipeline.ask("each plant's slice of total output last qtr, as a %").semantic_query
    assert sliced["share"] == ["plant"], sliced
    weak = pipeline.ask("OEE last weak by plant").semantic_query
    assert weak["time_range"]["start"] == "2025-12-22", weak


def test_minutes_after_a_number_rank_nothing_and_how_has_it_moved_is_a_trend(pipeline: Any) -> None:
    sq = pipeline.ask("Chongqing yield month by month this year - got the ops call in 10 min").semantic_query
    assert sq["time_grain"] == "month" and sq["limit"] is None, sq
    moved = pipeline.ask("how has the microcontroller stock at Chongqing moved over the last 6 weeks?")
    assert moved.semantic_query["time_grain"] == "week" and len(moved.rows) >= 5


@pytest.mark.parametrize("question", ["本月到期的销售订单总共多少件", "Total quantity on sales orders with a due date this month?"])
def test_pieces_on_records_said_with_a_piece_word(pipeline: Any, question: str) -> None:
    assert pipeline.ask(question).semantic_query["metrics"] == ["ordered_quantity"]


def test_which_three_asked_first_keeps_its_count(pipeline: Any) -> None:
    sq = pipeline.ask("今年哪三家供应商交货最准时？按准时率排一下").semantic_query
    assert sq["metrics"] == ["on_time_delivery_rate"] and sq["limit"] == 3, sq


def test_a_kinds_own_word_is_no_members_short_name(pipeline: Any) -> None:
    # 'Paint defect' less the machine type 'paint' is 'defect': the defect type's own word, no member
    answer = pipeline.ask("Ningbo defect mix last month - % of defective qty by defect type pls")
    sq = answer.semantic_query
    assert sq["filters"] == [{"field": "plant", "op": "in", "values": ["NB"]}] and sq["share"] == ["defect_type"], sq
    assert sum(r[-1] for r in answer.rows) == pytest.approx(1.0)  # the mix adds up to the whole of Ningbo


def test_a_comparison_of_two_periods_keeps_no_bare_kind(pipeline: Any) -> None:
    sq = pipeline.ask("our on-time % to customers, this year vs last year?").semantic_query
    assert sq["dimensions"] == [] and sq["time_grain"] == "year", sq


def test_pull_up_records_and_who_raised_each_one_lists_them(pipeline: Any) -> None:
    sq = pipeline.ask("pull up the complaints that aren't closed yet - who raised each one and what's the issue"
                      ).semantic_query
    assert sq["records"] == "customer_complaints", sq


def test_pieces_the_records_cannot_hold_are_asked_about_not_taken_from_everywhere(pipeline: Any) -> None:
    # after a trace, 'these work orders … how many cracked pieces': never every crack of the plant
    answer = _ask(pipeline, "LOT-20251107-0014用在了哪些工单", "这几个工单一共查出多少件裂纹？")
    assert answer.status != "ok" or answer.rows[0][0] < 5000, answer.message
