"""Issue 19, classes of session 20 (each tested in other words than the blind questions that showed them):
date words read as the date of the figure's own rows, ranges said with 'through', per-million figures
named by one side, the other members of a kind in a follow-up, and more."""

from __future__ import annotations

from typing import Any

import pytest


def _sq(pipeline: Any, question: str) -> dict[str, Any]:
    answer = pipeline.ask(question)
    assert answer.status == "ok", (question, answer.status, answer.message)
    return answer.semantic_query


def _then(pipeline: Any, *turns: str) -> dict[str, Any]:
    session = pipeline.new_session()
    answers = [pipeline.ask(t, session=session) for t in turns]
    assert answers[-1].status == "ok", (turns, answers[-1].status, answers[-1].message)
    return answers[-1].semantic_query


def _values(sq: dict[str, Any], field: str) -> list[Any]:
    return [v for f in sq["filters"] if f["field"] == field for v in f["values"]]


# -- a date word of the figure's own rows is that date, not a state of another table's rows ------------
@pytest.mark.parametrize("question", [
    "How many customer complaints did we receive in 2025, per customer region?",
    "work orders scheduled in November that got cancelled - how many?",
])
def test_a_date_word_of_the_rows_counted_is_no_state_of_other_rows(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert not {"purchase_order_status", "downtime_category"} & {f["field"] for f in sq["filters"]}, sq
    assert sq["time_range"] is not None and sq["time_role"] in (None, "reported_on", "planned_start"), sq


def test_a_period_inside_the_date_words_is_moved_out(pipeline: Any) -> None:
    sq = _sq(pipeline, "原计划本月收尾的工单一共几张")
    assert sq["time_role"] == "planned_end" and sq["time_range"]["start"] == "2025-12-01", sq


# -- 'July through December' is a range, not two months side by side ---------------------------------
@pytest.mark.parametrize("question", ["scrap count by month, August through November",
                                      "Scrap count per month from Aug until Nov",
                                      "monthly scrap count, August to November"])
def test_through_and_until_make_a_range(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["time_range"]["start"] == "2025-08-01" and sq["time_range"]["end"] == "2025-11-30", sq
    assert not _values(sq, "month"), sq


def test_compare_one_month_to_another_stays_two_months(pipeline: Any) -> None:
    sq = _sq(pipeline, "compare scrap count in August to November")
    assert len(_values(sq, "month")) == 2 or len(sq.get("periods") or []) == 2, sq


def test_by_month_instead_replaces_the_breakdown(pipeline: Any) -> None:
    sq = _then(pipeline, "scrap count by shift for Suzhou in October", "show it by month instead, June through October")
    assert sq["dimensions"] == [] and sq["time_grain"] == "month", sq


# -- a figure per million named by its numerator or its denominator ------------------------------------
def test_a_defect_type_rate_per_million_produced_is_defect_ppm(pipeline: Any) -> None:
    sq = _sq(pipeline, "porosity rate on Suzhou Line 2 in October, in parts per million of what the line made")
    assert sq["metrics"] == ["defect_ppm"] and _values(sq, "line") == ["SZ-L2"], sq
    assert _values(sq, "defect_type") == ["porosity"] and sq["dimensions"] == [], sq


def test_output_per_million_alone_is_not_defect_ppm(pipeline: Any) -> None:
    answer = pipeline.ask("How many pieces did SZ-L2 produce in October, per million?")
    assert not (answer.semantic_query and answer.semantic_query["metrics"] == ["defect_ppm"]), answer.semantic_query


# -- lists: a verb relating the kind to a member, a role's self-introduction, 'over in' ----------------
@pytest.mark.parametrize(("question", "dim"), [
    ("Which vendors provide us steel?", "supplier"),
    ("供应钢材的厂家都有哪些？", "supplier"),
    ("Which of our customers in North America do we ship to?", "customer"),
    ("Which CNC machines do we have over in Ningbo?", "machine"),
])
def test_members_listed(pipeline: Any, question: str, dim: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == [] and sq["dimensions"] == [dim], sq


@pytest.mark.parametrize("question", ["Maintenance lead. Downtime minutes by reason last week",
                                      "NB plant mgr: scrap rate by line last month",
                                      "质量主管想问：上周各产线的报废率"])
def test_a_role_said_first_names_nothing(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert len(sq["metrics"]) == 1, sq


def test_the_scene_clause_breaks_nothing_down(pipeline: Any) -> None:
    sq = _sq(pipeline, "月度经营会材料里要放：上个月三个厂各自的报废数")
    assert sq["dimensions"] == ["plant"] and sq["metrics"] == ["scrap_count"], sq


# -- limits said in words ------------------------------------------------------------------------------
def test_at_least_one_is_a_limit_not_a_ranking(pipeline: Any) -> None:
    sq = _sq(pipeline, "List every supplier with at least one rejected incoming lot in Q3 2025")
    assert sq["limit"] is None and any(f["op"] == ">=" and f["values"] == [1.0] for f in sq["filters"]), sq


def test_longer_than_a_duration_is_a_limit(pipeline: Any) -> None:
    sq = _sq(pipeline, "which machines took longer than 60 minutes on average to fix a breakdown this year")
    assert sq["metrics"] == ["mttr_min"] and any(f["op"] == ">" and f["values"] == [60.0] for f in sq["filters"]), sq


def test_a_purpose_clause_ranks_all(pipeline: Any) -> None:
    sq = _sq(pipeline, "downtime minutes per machine type in November - I want to see which kind of equipment stops the most")
    assert sq["dimensions"] == ["machine_type"] and not sq["limit"], sq


# -- follow-ups ------------------------------------------------------------------------------------------
def test_an_ordinal_names_the_numbered_member(pipeline: Any) -> None:
    sq = _then(pipeline, "OEE of Ningbo Line 1 last month", "and NB's third line?")
    assert _values(sq, "line") == ["NB-L3"], sq


@pytest.mark.parametrize("then", ["and how do the other Suzhou lines compare? all four", "和苏州其他产线比呢"])
def test_the_other_members_of_a_kind_show_each(pipeline: Any, then: str) -> None:
    sq = _then(pipeline, "scrap rate of SZ-L2 in October", then)
    assert sq["dimensions"] == ["line"] and not _values(sq, "line") and _values(sq, "plant") == ["SZ"], sq


def test_a_follow_up_names_its_figure_in_other_words(pipeline: Any) -> None:
    sq = _then(pipeline, "breakdowns on CQ-L2-M04 in November", "and on average how long did those repairs take?")
    assert sq["metrics"] == ["mttr_min"] and _values(sq, "machine") == ["CQ-L2-M04"], sq


def test_a_figure_brought_along_is_added(pipeline: Any) -> None:
    sq = _then(pipeline, "宁波最新一期各物料的在库数量", "只看钢材，顺便带上安全库存")
    assert sq["metrics"] == ["on_hand_stock", "safety_stock_level"], sq


# -- figures chosen by the kind named, ratios the layer declares, rates by their part ------------------
def test_the_kind_named_picks_the_figure_of_its_rows(pipeline: Any) -> None:
    sq = _sq(pipeline, "For customer orders due in Q3 2025 that shipped, what was our on-time delivery rate to customers?")
    assert sq["metrics"] == ["customer_otd_rate"], sq


def test_a_share_of_one_figure_turned_into_another_is_their_declared_ratio(pipeline: Any) -> None:
    sq = _sq(pipeline, "for work orders completed in October, what % of the planned quantity did each line "
                       "turn into good parts?")
    assert sq["metrics"] == ["plan_attainment"] and sq["dimensions"] == ["line"], sq


def test_a_verb_names_the_part_of_a_rate(pipeline: Any) -> None:
    sq = _sq(pipeline, "Evening vs night shift in November: which one scraps a larger fraction of its output?")
    assert sq["metrics"] == ["scrap_rate"], sq


@pytest.mark.parametrize("question", ["Which lines on Chongqing had a quality hold last week?",
                                      "上周重庆哪些产线出过质量停线"])
def test_which_members_had_an_event_count_them(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == ["downtime_events_count"] and _values(sq, "downtime_reason") == ["quality_hold"], sq


# -- small readings ------------------------------------------------------------------------------------
def test_examples_with_na_xie_are_no_filter(pipeline: Any) -> None:
    sq = _sq(pipeline, "上个月按设备类型统计停机分钟（冲压、喷涂那些）")
    assert sq["dimensions"] == ["machine_type"] and not _values(sq, "machine_type"), sq


def test_words_after_an_id_are_not_a_numbered_name(pipeline: Any) -> None:
    sq = _sq(pipeline, "NB-L2-M05这一台上个月停机多少分钟")
    assert _values(sq, "machine") == ["NB-L2-M05"], sq


@pytest.mark.parametrize("question", ["Please set PO-0005085 to cancelled.", "could you set complaint CC-00012 to resolved"])
def test_setting_a_record_state_is_refused(pipeline: Any, question: str) -> None:
    assert pipeline.ask(question).status == "refused"


# -- a word said only inside one metric's phrases asks nothing; a state of the counted rows as a share ---
def test_a_phrase_word_alone_asks_nothing(pipeline: Any) -> None:
    sq = _sq(pipeline, "How many purchase orders physically got to our docks in October?")
    assert sq["metrics"] == ["purchase_orders_count"], sq


def test_the_phrase_itself_still_names_its_figure(pipeline: Any) -> None:
    assert _sq(pipeline, "pieces that left the docks in the first week of December")["metrics"] == ["shipped_quantity"]


def test_a_state_of_the_counted_rows_asked_as_a_share(pipeline: Any) -> None:
    sq = _sq(pipeline, "Of the lots Tokai Alloy delivered in 2025, what fraction were accepted only conditionally?")
    assert sq["metrics"] == ["material_lot_count"] and _values(sq, "inspection_result") == ["conditional"], sq


@pytest.mark.parametrize(("question", "metric", "reason"), [
    ("what part of November's downtime happened because we ran out of material?", "downtime_minutes",
     "material_shortage"),
    ("average repair duration of breakdowns on presses in 2025", "mttr_min", "breakdown"),
])
def test_paraphrases_of_causes_and_figures(pipeline: Any, question: str, metric: str, reason: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == [metric] and _values(sq, "downtime_reason") == [reason], sq


def test_no_source_file_holds_control_characters() -> None:
    """A '\\b' typed into a plain string becomes a backspace and a regex word edge silently never
    matches (the English 'add … too' of follow-ups did not, for several sessions)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    bad = [str(p.relative_to(root)) for folder in ("assistant", "semantic_layer", "tests", "benchmarks")
           for p in (root / folder).rglob("*.py")
           if any(ord(c) < 32 and c not in "\n\r\t" for c in p.read_text(encoding="utf-8"))]
    assert not bad, bad


def test_a_member_added_in_english_joins_the_earlier_one(pipeline: Any) -> None:
    sq = _then(pipeline, "scrap rate of Suzhou in October", "add Chongqing to that as well")
    assert sorted(_values(sq, "plant")) == ["CQ", "SZ"], sq


@pytest.mark.parametrize("question", ["what fraction of Chongqing's output came out good, month by month this year?",
                                      "which share of the parts each plant made in 2025 came out good?"])
def test_a_share_of_the_output_that_came_out_good_is_the_quality_rate(pipeline: Any, question: str) -> None:
    assert _sq(pipeline, question)["metrics"] == ["quality_rate"]


@pytest.mark.parametrize("question", ["how are things going?", "so how did we do in November?"])
def test_how_we_are_doing_asks_which_figure(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "clarify" and answer.suggestions is not None, (answer.status, answer.message)


def test_a_kind_said_after_the_ranking_word_is_what_is_counted(pipeline: Any) -> None:
    sq = _sq(pipeline, "Chongqing in November: the three lines that binned the most parts, and how many")
    assert sq["dimensions"] == ["line"] and sq["limit"] == 3, sq


def test_a_hyphenated_name_said_whole_settles_the_figure(pipeline: Any) -> None:
    sq = _sq(pipeline, "on-time-to-customer % per customer for Q4 2025, with the orders judged on their last shipment")
    assert sq["metrics"] == ["customer_otd_rate"], sq


def test_a_share_of_pieces_that_came_off_good_is_not_asked_back(pipeline: Any) -> None:
    sq = _sq(pipeline, "percent of parts that came off the presses good, per line, 2025 so far")
    assert sq["metrics"] == ["quality_rate"], sq


def test_a_whole_new_question_the_earlier_figure_cannot_answer_is_read_afresh(pipeline: Any) -> None:
    sq = _then(pipeline, "plan attainment by plant last month", "上周宁波3号线哪些设备出现过质量停线？")
    assert sq["metrics"] == ["downtime_events_count"] and _values(sq, "downtime_reason") == ["quality_hold"], sq


def test_a_role_said_first_is_no_typo_of_a_name(pipeline: Any) -> None:
    sq = _sq(pipeline, "Scheduler again. How many work orders did we finish off in November?")
    assert sq["time_role"] == "actual_end" and not sq["filters"], sq


def test_every_member_of_a_kind_together_picks_nothing_out(pipeline: Any) -> None:
    sq = _sq(pipeline, "In 2025, what percentage of the downtime minutes does each reason account for, planned and "
                       "unplanned combined?")
    assert sq["dimensions"] == ["downtime_reason"] and not sq["filters"], sq


def test_a_due_date_gone_by_is_overdue(pipeline: Any) -> None:
    sq = _sq(pipeline, "how many customer orders are still open now that their due date has gone by?")
    assert sq["metrics"] == ["overdue_so_count"], sq
