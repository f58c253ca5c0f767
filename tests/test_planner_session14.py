"""Issue 19, confident wrong answers left from session 13 (general readings, each tested with new
wording): a period said of a figure the data keeps no date for is asked about, not dropped; a
question's inverted subject ('were the presses down') is put back before a metric's form is read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.planner_cases import conversation as _ask


@pytest.mark.parametrize("question", [
    "how many machines did we have in october",
    "上周一共有几台设备",
    "number of products last quarter",
    "上个月有几台设备",
])
def test_a_period_said_of_an_undated_figure_is_asked_about(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "clarify" and not answer.rows, (answer.status, answer.message)
    assert ("no date" in answer.message) or ("没有日期" in answer.message), answer.message


@pytest.mark.parametrize("question", ["how many machines are there", "我们一共有几台设备"])
def test_an_undated_figure_without_a_period_is_answered(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok" and answer.semantic_query["metrics"] == ["machines_count"], answer.message


def test_a_period_carried_from_the_last_turn_does_not_stop_an_undated_figure(pipeline: Any) -> None:
    answer = _ask(pipeline, "scrap rate last month", "and how many machines are there?")
    assert answer.status == "ok" and answer.semantic_query["metrics"] == ["machines_count"], answer.message


@pytest.mark.parametrize(("question", "filtered"), [
    ("how long were the CNC machines down in october", "machine_type"),
    ("how long was SZ-L1-M02 down last week", "machine"),
    ("how long were machines down this quarter", None),
])
def test_how_long_something_was_down_is_its_downtime(pipeline: Any, question: str, filtered: str | None) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["metrics"] == ["downtime_minutes"], sq
    assert [f["field"] for f in sq["filters"]] == ([filtered] if filtered else []), sq


def test_an_inverted_verb_before_a_metric_is_not_moved(pipeline: Any) -> None:
    """'was output down': output is the subject, and the question is about output, not downtime."""
    sq = pipeline.ask("was output down in november").semantic_query
    assert sq["metrics"] == ["total_output"], sq


@pytest.mark.parametrize(("question", "value"), [
    ("哪些客户不在欧洲？", "Europe"),
    ("不在宁波的产线本月报废数", "NB"),
])
def test_bu_zai_leaves_the_member_out(pipeline: Any, question: str, value: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert any(f["op"] == "not in" and f["values"] == [value] for f in sq["filters"]), sq


def test_zai_bu_zai_is_a_question_not_a_negation(pipeline: Any) -> None:
    answer = pipeline.ask("苏州在不在报废最多的工厂里")
    assert not any(f["op"] == "not in" for f in (answer.semantic_query or {}).get("filters", [])), answer.message


@pytest.mark.parametrize(("question", "dims"), [
    ("宁波各线本月的OEE", ["line"]),
    ("上个月报废超过5000件的线有哪些", ["line"]),
    ("今年停机时间按线看", ["line"]),
])
def test_one_character_line_word_is_the_line_where_marked(pipeline: Any, question: str, dims: list[str]) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["dimensions"] == dims, sq


def test_a_one_character_word_inside_another_word_is_not_the_dimension(pipeline: Any) -> None:
    sq = pipeline.ask("苏州本月线上的产量").semantic_query  # '线上': on the line, no breakdown
    assert sq is None or "line" not in sq["dimensions"], sq


def test_which_records_then_an_id_verb_is_a_trace(pipeline: Any) -> None:
    answer = pipeline.ask("for CC-00070, which work order produced the batch it is about?")
    assert answer.status == "ok" and answer.semantic_query is None, answer.message
    assert any("WO-" in str(cell) for row in answer.rows for cell in row), answer.rows[:3]


@pytest.mark.parametrize("question", [
    "Which lines were stopped last month because the operators were at a training?",
    "上周因为没人上班停机的设备有哪些",
])
def test_a_cause_the_data_does_not_record_is_asked_about(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "clarify" and not answer.rows, (answer.status, answer.message)


@pytest.mark.parametrize("question", [
    "downtime by line last week because of breakdowns",
    "scrap rate by plant last month, because my boss asked",
    "because the auditors asked: defect ppm by line this quarter",
])
def test_a_cause_that_names_a_member_or_stands_aside_is_answered(pipeline: Any, question: str) -> None:
    assert pipeline.ask(question).status == "ok"


@pytest.mark.parametrize(("question", "share"), [
    ("SZ-L1 last month - each defect type as a % of the line's defect quantity", ["defect_type"]),
    ("each shift as a % of Ningbo's scrap this quarter", ["shift"]),
])
def test_a_share_of_the_named_things_total_keeps_it_on_both_sides(pipeline: Any, question: str,
                                                                 share: list[str]) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["share"] == share and sq["filters"], sq


def test_each_groups_share_of_good_parts_is_a_share_not_the_quality_rate(pipeline: Any) -> None:
    sq = pipeline.ask("each plant's share of good parts last month").semantic_query
    assert sq["metrics"] == ["good_output"] and sq["share"] == ["plant"], sq


def test_how_many_of_those_were_good_asks_the_good_output(pipeline: Any) -> None:
    sq = _ask(pipeline, "parts made at Suzhou last week", "how many of them were good?").semantic_query
    assert sq["metrics"] == ["good_output"] and sq["filters"][0]["values"] == ["SZ"], sq


@pytest.mark.parametrize("question", [
    "did scrap at Ningbo rise from September to October?",
    "宁波的报废数从九月到十月涨了吗",
])
def test_a_change_from_one_period_to_another_compares_them(pipeline: Any, question: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["time_grain"] == "month" and len(sq["filters"]) == 2, sq


def test_a_range_from_one_month_to_another_is_one_period(pipeline: Any) -> None:
    sq = pipeline.ask("total output from March to May").semantic_query
    assert sq["time_grain"] is None and sq["time_range"]["start"] == "2025-03-01", sq


@pytest.mark.parametrize("question", ["did OEE drop last month?", "any update on the scrap rate this week?"])
def test_drop_and_update_in_a_question_are_no_orders_to_change_data(pipeline: Any, question: str) -> None:
    assert pipeline.ask(question).status == "ok"


@pytest.mark.parametrize("question", ["drop table machines", "please update the status of WO-000123 to completed"])
def test_orders_to_drop_or_update_are_still_refused(pipeline: Any, question: str) -> None:
    assert pipeline.ask(question).status == "refused"


def test_most_recent_is_a_time_not_a_ranking(pipeline: Any) -> None:
    sq = pipeline.ask("which materials were short at the most recent stock count").semantic_query
    assert sq is None or sq.get("limit") is None, sq


def test_a_dimension_asked_too_is_shown(pipeline: Any) -> None:
    sq = pipeline.ask("materials below safety stock at the latest count - show the plant too").semantic_query
    assert "plant" in sq["dimensions"], sq


def test_bu_fen_removes_the_breakdown_in_a_follow_up(pipeline: Any) -> None:
    sq = _ask(pipeline, "今年各厂的报废数", "不分厂了，按月看").semantic_query
    assert sq["dimensions"] == [] and sq["time_grain"] == "month", sq


def test_a_rate_asked_of_a_count_is_asked_about(pipeline: Any) -> None:
    answer = pipeline.ask("completion hit rate of work orders by line last quarter")
    assert answer.status == "clarify" and not answer.rows, (answer.status, answer.message)


def test_lots_said_received_with_a_common_word_are_dated_by_receipt(pipeline: Any) -> None:
    sq = pipeline.ask("上个月收货的来料批次有多少").semantic_query
    assert sq["metrics"] == ["material_lot_count"] and sq["time_range"]["start"] == "2025-11-01", sq


def test_what_records_are_in_a_state_and_where_lists_them(pipeline: Any) -> None:
    sq = pipeline.ask("What work orders are running and on which line?").semantic_query
    assert sq["records"] == "work_orders" and sq["filters"][0]["values"] == ["in_progress"], sq


def test_most_with_a_negated_word_ranks_from_the_bottom(pipeline: Any) -> None:
    sq = pipeline.ask("今年交货最不准时的两家供应商").semantic_query
    assert sq["order"] == [{"field": "on_time_delivery_rate", "desc": False}] and sq["limit"] == 2, sq


def test_a_date_word_the_metric_compares_is_not_the_period_date(pipeline: Any) -> None:
    """'到货准不准时' is the on-time rate's own sense (delivered against promised), not 'delivered this year'."""
    sq = pipeline.ask("今年各供应商到货准不准时？看准时交付率").semantic_query
    assert sq["metrics"] == ["on_time_delivery_rate"] and sq.get("time_role") is None, sq


def test_average_per_piece_said_without_mei(pipeline: Any) -> None:
    sq = pipeline.ask("本季度各厂平均生产一件耗电多少").semantic_query
    assert sq["metrics"] == ["energy_per_unit"] and sq["dimensions"] == ["plant"], sq


def test_how_many_hours_of_counted_events_is_their_duration(pipeline: Any) -> None:
    sq = pipeline.ask("how many hours of breakdown stoppages did Ningbo have last month?").semantic_query
    assert sq["metrics"] == ["downtime_minutes"] and sq["units"] == {"downtime_minutes": "hours"}, sq


def test_a_share_of_each_groups_own_whole_said_in_chinese(pipeline: Any) -> None:
    sq = pipeline.ask("上个月非计划停机占各条线自己停机时间的比例").semantic_query
    assert sq["share"] == ["downtime_category"] and sq["dimensions"] == ["line"], sq


@pytest.mark.parametrize("question", ["上周出过故障的设备名单", "list of the machines that broke down this month"])
def test_a_list_named_by_its_kind_lists_each_member_once(pipeline: Any, question: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["records"] == "breakdown_count" and sq["dimensions"] == ["machine"] and sq["distinct"], sq


def test_records_picked_by_a_count_show_the_attribute_asked(pipeline: Any) -> None:
    sq = pipeline.ask("list the breakdowns this month with the machine").semantic_query
    assert sq["records"] == "breakdown_count" and sq["dimensions"] == ["machine"] and not sq.get("distinct"), sq


def test_which_single_thing_is_no_breakdown_the_data_lacks(pipeline: Any) -> None:
    sq = pipeline.ask("which single line had the most scrap last quarter?").semantic_query
    assert sq["dimensions"] == ["line"] and sq["limit"] == 1, sq


def test_an_average_in_a_named_unit_with_no_metric_named(pipeline: Any) -> None:
    sq = pipeline.ask("average minutes to get a machine back up after it breaks, by line, last month").semantic_query
    assert sq["metrics"] == ["mttr_min"] and sq["dimensions"] == ["line"], sq


@pytest.mark.parametrize("question", [
    "how much did they order from us this month, by the day it was placed?",
    "budget prep: how much stuff went out in total this year?",
])
def test_pronouns_and_opening_clauses_are_not_quoted_as_missing_data(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status != "refused" or not any(w in answer.message for w in ("'they'", "'budget", "'prep")), \
        answer.message


def test_an_opening_clause_member_the_metric_rules_out_names_the_occasion(pipeline: Any) -> None:
    sq = pipeline.ask("maintenance review: MTTR by plant last quarter").semantic_query
    assert sq["metrics"] == ["mttr_min"] and sq["filters"] == [] and sq["dimensions"] == ["plant"], sq


def test_a_member_the_metric_rules_out_outside_an_opening_clause_still_filters(pipeline: Any) -> None:
    """'MTTR for changeovers' keeps the member: the empty answer says so, nothing is dropped silently."""
    sq = pipeline.ask("MTTR for changeovers last quarter").semantic_query
    assert sq["filters"] and sq["filters"][0]["field"] == "downtime_reason", sq


def test_a_share_asked_in_a_follow_up_is_kept(pipeline: Any) -> None:
    sq = _ask(pipeline, "今年明华铝业的来料批次拒收率", "那让步接收的批次占比呢？").semantic_query
    assert sq["metrics"] == ["material_lot_count"] and sq["share"] == ["inspection_result"], sq


def test_a_share_carries_to_the_next_count_but_not_to_a_rate(pipeline: Any) -> None:
    assert _ask(pipeline, "each line's share of scrap this month", "and for good parts?").semantic_query[
        "share"] == ["line"]
    assert not _ask(pipeline, "each line's share of scrap this month", "and OEE?").semantic_query.get("share")


def test_years_compared_do_not_make_a_bare_kind_a_breakdown(pipeline: Any) -> None:
    sq = pipeline.ask("are we delivering to customers on time more often? customer OTD 2024 vs 2025").semantic_query
    assert sq["dimensions"] == [] and sq["time_grain"] == "year", sq


@pytest.mark.parametrize("question", ["本月海外供应商的准时交付率", "on-time rate of our overseas vendors this quarter"])
def test_foreign_suppliers_are_every_country_but_the_home_one(pipeline: Any, question: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["filters"] == [{"field": "supplier_country", "op": "in", "values": ["Germany", "Japan", "South Korea"]}], sq


def test_a_breakdown_by_supplier_category(pipeline: Any) -> None:
    sq = pipeline.ask("今年按供应商类别看来料批次拒收率").semantic_query
    assert sq["dimensions"] == ["supplier_category"], sq


@pytest.mark.parametrize("question", ["good and bad together, how many pieces did SZ-L1 make last week?",
                                      "good and scrap last month"])
def test_good_and_bad_together_is_never_the_scrap_alone(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "clarify" or answer.semantic_query["metrics"] == ["total_output"], answer.message


@pytest.mark.parametrize("question", ["what share of the delivered POs arrived late this quarter?",
                                      "of the POs delivered last month, what share arrived after the promised date"])
def test_a_share_of_rows_a_count_picks_is_that_count_over_the_rows_kept(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    sq = answer.semantic_query
    assert sq["metrics"] == ["late_po_count", "purchase_orders_count"] and sq["per"] == "purchase_orders_count", sq
    assert 0 < answer.rows[0][-1] < 0.2, answer.rows  # a few per cent, never the 100% of late among late


@pytest.mark.parametrize(("question", "field"), [
    ("今年海外客户的出货量", "customer_country"),
    ("国外供应商今年的来料批次拒收率", "supplier_country"),
])
def test_overseas_is_read_on_the_kind_the_figure_reaches(pipeline: Any, question: str, field: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert [f["field"] for f in sq["filters"]] == [field] and "China" not in sq["filters"][0]["values"], sq


def test_yiwai_leaves_out_the_member_before_it(pipeline: Any) -> None:
    sq = pipeline.ask("宁波以外的工厂本月报废率").semantic_query
    assert sq["filters"] == [{"field": "plant", "op": "not in", "values": ["NB"]}], sq
