"""Issue 19, classes of session 21 (each tested in other words than the blind questions that showed them):
a share of two figures said in words, a bare count of pieces whose verb names another figure read."""

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


# -- a share of one figure in another, said in words, is the rate the layer declares of the two ---------
@pytest.mark.parametrize("question", [
    "In October, what share of the parts we produced ended up as scrap, by plant?",
    "what proportion of the pieces we made last week ended as scrap, per line?",
])
def test_a_share_of_two_figures_in_words_is_their_rate(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == ["scrap_rate"], sq


# -- 'how many parts were scrapped' beside the scrap count restates it ----------------------------------
@pytest.mark.parametrize("question", [
    "the five lines with the most scrap in Q3, and how many units were scrapped",
    "top 2 plants by scrap last month, with how many parts were scrapped",
])
def test_a_bare_count_whose_verb_names_the_figure_is_that_figure(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == ["scrap_count"] and sq["limit"] in (5, 2), sq
    assert not sq["filters"], sq


def test_a_bare_count_of_made_pieces_beside_scrap_is_still_a_second_figure(pipeline: Any) -> None:
    answer = pipeline.ask("which product had the most scrap last month and how many parts were produced")
    assert answer.status == "ok" and set(answer.semantic_query["metrics"]) == {"scrap_count", "total_output"}


@pytest.mark.parametrize("question", [
    "what percentage of the pieces we made in November ended up scrapped, per plant",
    "what % of the units produced last week got scrapped, by line",
])
def test_a_share_of_made_pieces_that_became_a_state_is_the_rate(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == ["scrap_rate"] and not sq["share"], sq


def test_a_share_of_the_state_across_groups_stays_a_share_of_the_count(pipeline: Any) -> None:
    sq = _sq(pipeline, "what share of the scrapped units came from each product family this year")
    assert sq["metrics"] == ["scrap_count"] and sq["dimensions"] == ["product_family"], sq


# -- a superlative said of the records themselves lists those records by their own amount ----------------
@pytest.mark.parametrize(("question", "amount", "desc", "limit"), [
    ("what was the single longest stoppage in November, and on which machine?", "downtime_minutes", True, 1),
    ("show me the three longest breakdowns last quarter", "downtime_minutes", True, 3),
    ("the smallest shipment we sent out this month", "shipped_quantity", False, 1),
    ("上个月最长的一次故障停了多久，是哪台设备？", "downtime_minutes", True, 1),
    ("今年停机时间最长的两次停机分别是哪台设备", "downtime_minutes", True, 2),
])
def test_a_superlative_of_single_records_lists_them_by_their_amount(pipeline: Any, question: str, amount: str,
                                                                    desc: bool, limit: int) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    sq = answer.semantic_query
    assert sq["records"] and not sq["metrics"], sq
    assert sq["order"] == [{"field": amount, "desc": desc}] and sq["limit"] == limit, sq
    values = [row[answer.columns.index(amount)] for row in answer.rows]
    assert values == sorted(values, reverse=desc) and len(values) == limit, values
    assert str(values[0]).split(".")[0].replace(",", "") in answer.message.replace(",", ""), answer.message


@pytest.mark.parametrize("question", ["which machine had the longest downtime last month",
                                      "哪台设备上个月停机时间最长"])
def test_a_superlative_of_members_by_a_total_stays_a_ranking(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == ["downtime_minutes"] and sq["limit"] == 1 and not sq.get("records"), sq


# -- a figure said 'with' another that cannot take the kind asked says what the other is about ----------
def test_a_figure_said_with_another_that_cannot_take_the_kind_is_dropped(pipeline: Any) -> None:
    sq = _sq(pipeline, "which supplier was the most punctual with deliveries in Q3?")
    assert sq["metrics"] == ["on_time_delivery_rate"] and sq["dimensions"] == ["supplier"], sq


def test_two_figures_joined_by_and_that_split_on_the_kind_are_asked_about(pipeline: Any) -> None:
    answer = pipeline.ask("supplier on-time rate and number of shipments per supplier")
    assert answer.status == "clarify", answer.semantic_query
    said = answer.message
    assert said.startswith("Number of shipments cannot be broken down by supplier"), said
    assert "on-time delivery rate can be" in said, said


def test_a_superlative_counted_in_the_members_measure_word_ranks_members(pipeline: Any) -> None:
    sq = _sq(pipeline, "上个月计划停机时间最长的4台设备是哪些")
    assert sq["metrics"] == ["downtime_minutes"] and sq["limit"] == 4 and not sq.get("records"), sq


# -- 'which line's machines had the most breakdowns': the rows say where, the figure after 'most' is asked ---
@pytest.mark.parametrize(("question", "metric", "dim"), [
    ("which line's work orders had the most complaints this year?", "complaint_count", "line"),
    ("which plant's batches got the most complaints in 2025", "complaint_count", "plant"),
])
def test_rows_before_the_ranked_figure_say_where_it_is_counted(pipeline: Any, question: str, metric: str,
                                                               dim: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == [metric] and sq["dimensions"] == [dim], sq


@pytest.mark.parametrize("question", ["which line had the most breakdowns in November? numbers for every line",
                                      "which plant made the most good parts last quarter - totals per plant please"])
def test_a_ranking_asked_with_every_members_figure_keeps_them_all(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["limit"] is None and sq["order"] and sq["order"][0]["desc"], sq


# -- 'what products do we make': which members, not their output ---------------------------------------
@pytest.mark.parametrize(("question", "dim", "family"), [
    ("new on the team - what products do we build in the brake family?", "product", "brake"),
    ("what products do we manufacture?", "product", None),
    ("我们都生产哪些制动类产品？", "product", "brake"),
])
def test_which_members_we_verb_are_listed(pipeline: Any, question: str, dim: str, family: str | None) -> None:
    sq = _sq(pipeline, question)
    assert not sq["metrics"] and sq["dimensions"] == [dim], sq
    assert [v for f in sq["filters"] for v in f["values"]] == ([family] if family else []), sq


def test_how_many_members_we_verb_is_their_count(pipeline: Any) -> None:
    sq = _sq(pipeline, "how many products do we make in the brake family?")
    assert sq["metrics"] == ["products_count"], sq


# -- two figures set against each other that the layer divides are that ratio ------------------------
@pytest.mark.parametrize("question", [
    "Suzhou lines: good output versus planned quantity on the work orders they completed in Q3, by line",
    "good parts relative to planned qty for completed work orders last month, per plant",
])
def test_two_figures_set_against_each_other_are_their_declared_ratio(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == ["plan_attainment"], sq


def test_two_figures_the_layer_does_not_divide_stay_side_by_side(pipeline: Any) -> None:
    sq = _sq(pipeline, "on hand vs safety stock for steel at Suzhou")
    assert set(sq["metrics"]) == {"on_hand_stock", "safety_stock_level"}, sq


# -- a stock level of 'the steel materials': each material's, not one sum over their own units ---------
def test_a_stock_level_of_the_things_of_a_kind_is_each_things(pipeline: Any) -> None:
    sq = _sq(pipeline, "on-hand and safety stock for the steel materials at Chongqing, latest count")
    assert sq["dimensions"] == ["material"] and set(sq["metrics"]) == {"on_hand_stock", "safety_stock_level"}, sq


def test_a_stock_level_of_a_kind_alone_is_its_total(pipeline: Any) -> None:
    sq = _sq(pipeline, "on-hand stock of steel at Suzhou, latest")
    assert sq["dimensions"] == [], sq


# -- 'only Suzhou as a whole' after a figure by line: Suzhou's figure, not its lines' -------------------
@pytest.mark.parametrize(("first", "then"), [
    ("OEE by line last quarter", "just Chongqing as a whole, by month"),
    ("scrap count by machine last month", "苏州整体呢"),
])
def test_a_member_as_a_whole_drops_the_finer_breakdown(pipeline: Any, first: str, then: str) -> None:
    sq = _then(pipeline, first, then)
    assert sq["dimensions"] == [] and [f["field"] for f in sq["filters"]] == ["plant"], sq


def test_a_member_as_a_whole_keeps_a_breakdown_said_now(pipeline: Any) -> None:
    sq = _then(pipeline, "OEE by line last quarter", "Ningbo as a whole, per shift")
    assert sq["dimensions"] == ["shift"], sq


def test_a_figure_stacked_up_against_its_ratio_name_is_the_ratio(pipeline: Any) -> None:
    sq = _sq(pipeline, "for work orders completed last quarter, how did good output measure up against the planned"
                       " quantity, by line?")
    assert sq["metrics"] == ["plan_attainment"] and sq["dimensions"] == ["line"], sq


def test_a_count_inside_the_clause_of_the_rate_asked_is_its_part(pipeline: Any) -> None:
    sq = _sq(pipeline, "of the customer orders due in Q3 that shipped, what share had their last shipment go out on"
                       " or before the due date?")
    assert sq["metrics"] == ["customer_otd_rate"], sq


# -- 'break down X into A, B and C': the figure and its parts, all asked ------------------------------
@pytest.mark.parametrize("question", ["split Suzhou's OEE for October into availability, performance and quality",
                                      "把苏州10月的OEE分解成可用率、性能率和良品率"])
def test_a_figure_broken_into_its_parts_asks_them_all(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == ["oee", "availability", "performance", "quality_rate"], sq


# -- 'which two presses had the most breakdowns': the presses (machines of that type) ranked ----------
@pytest.mark.parametrize(("question", "dim", "limit"), [
    ("which two presses had the most breakdowns in 2025", "machine", 2),
    ("哪三台冲压机今年故障最多", "machine", 3),
])
def test_a_ranking_of_things_of_a_kind_ranks_those_things(pipeline: Any, question: str, dim: str,
                                                          limit: int) -> None:
    sq = _sq(pipeline, question)
    assert sq["dimensions"] == [dim] and sq["limit"] == limit and sq["filters"][0]["field"] == "machine_type", sq


# -- 'who complained the most': the kind the layer says 'who' asks for about those rows -----------------
@pytest.mark.parametrize(("question", "dim"), [("who filed the most complaints with us in 2025?", "customer"),
                                               ("谁今年投诉得最多", "customer"),
                                               ("who delivered us the most rejected lots this year", "supplier")])
def test_who_asks_for_the_kind_the_layer_declares(pipeline: Any, question: str, dim: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["dimensions"] == [dim] and sq["limit"] == 1, sq


def test_who_of_rows_without_a_declared_kind_still_asks(pipeline: Any) -> None:
    assert pipeline.ask("who had the most breakdowns last month").status == "clarify"


def test_a_threshold_picks_members_of_the_one_kind_named(pipeline: Any) -> None:
    sq = _sq(pipeline, "any suppliers who've had more than 4 lots rejected in 2025?")
    assert sq["dimensions"] == ["supplier"] and any(f["op"] == ">" for f in sq["filters"]), sq


def test_which_things_sit_on_a_member_is_a_list_with_the_attribute_asked(pipeline: Any) -> None:
    sq = _sq(pipeline, "which machines sit on Ningbo Line 1, and what type is each?")
    assert not sq["metrics"] and sq["dimensions"] == ["machine", "machine_type"], sq


# -- 'what % of POs were late': the count that picks its rows by its own rule over the rows it picks from ---
@pytest.mark.parametrize(("question", "part", "whole", "state"), [
    ("what percentage of our POs were late in Q3?", "late_po_count", "purchase_orders_count", "delivered"),
    ("what share of sales orders are overdue right now?", "overdue_so_count", "sales_orders_count", "open"),
])
def test_a_share_of_a_count_with_its_own_rule_is_over_the_rows_it_picks_from(pipeline: Any, question: str, part: str,
                                                                           whole: str, state: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == [part, whole] and sq["per"] == whole, sq
    assert [v for f in sq["filters"] for v in f["values"]] == [state], sq


def test_the_date_of_such_a_share_is_the_one_said_of_all_the_rows(pipeline: Any) -> None:
    sq = _sq(pipeline, "of the POs that physically arrived in October, what % came after the promised date?")
    assert sq["metrics"][0] == "late_po_count" and sq["time_role"] == "delivered_date", sq


@pytest.mark.parametrize("question", ["上个月一共完成了几张工单？", "今年每个工厂完成了多少个工单"])
def test_a_count_read_again_as_a_count_of_some_of_its_rows_is_that_count(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["metrics"] == ["completed_work_orders"], sq


@pytest.mark.parametrize("question", ["what was the single longest breakdown last month, on which machine?",
                                      "the biggest single shipment in November"])
def test_a_superlative_of_records_with_no_figure_named_lists_them(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["records"] and sq["limit"] == 1 and sq["order"], sq
