"""Issue 19, classes of session 16 (each tested in other words than the questions that showed them):
ordinary English words typed with one slip are read as the word (wordfreq is the dictionary); pieces asked
of counted rows; days said as ordinals ('the 29th', '29 dec', 'the first of december')."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assistant.plan.rules.spelling import mend_spelling
from assistant.understand.timeparse import find_time_ranges
from tests.planner_cases import conversation

AS_OF = dt.date(2025, 12, 31)


@pytest.mark.parametrize(("typed", "meant"), [
    ("defects per milion parts", "defects per million parts"),
    ("how many peices did we ship", "how many pieces did we ship"),
    ("were the presses actualy down", "were the presses actually down"),
    ("Yesturday's output", "Yesterday's output"),
])
def test_an_unseen_word_one_slip_from_an_everyday_word_is_that_word(typed: str, meant: str) -> None:
    mended, fixes = mend_spelling(typed, set())
    assert mended == meant and fixes, (mended, fixes)


@pytest.mark.parametrize("question", [
    "output of line Pressix last week",  # a capital inside the sentence may be a name
    "how did wirk go",  # four letters: a slip other than a swap turns too many short words into others
    "scrap at the kesler plant",  # a real (if rare) word: wordfreq has it, so nothing to repair
    "qc status of lot ml-20251",  # ids and hyphenated codes are never words
])
def test_names_short_words_and_ids_are_left_as_typed(question: str) -> None:
    mended, fixes = mend_spelling(question, set())
    assert mended == question and not fixes, (mended, fixes)


def test_the_planners_own_word_wins_over_a_commoner_one() -> None:
    # 'shfit' is one slip from 'shift' and from 'shit'; the plant's word is the likelier one here
    assert mend_spelling("scrap by shfit", {"shift"})[0] == "scrap by shift"


def test_two_readings_about_as_likely_are_not_guessed() -> None:
    # 'bames' is one slip from 'games', 'names', 'james', 'bases', 'barnes' ...
    mended, fixes = mend_spelling("the bames of it", set())
    assert mended == "the bames of it" and not fixes, (mended, fixes)


@pytest.mark.parametrize("question", [
    "defective parts per milion made, by plant, last quarter",
    "how many breakdowns actualy happened last month",
])
def test_a_question_with_an_ordinary_typo_is_answered_and_says_how_it_was_read(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    typed = next(w for w in ("milion", "actualy") if w in question)
    assert f"'{typed}'" in (answer.interpretation or ""), answer.interpretation


@pytest.mark.parametrize(("question", "metrics"), [
    ("batches finished on the 29th of december - how many pieces altogether?", ["batch_quantity"]),
    ("12月29号做出来的成品批次总共多少件", ["batch_quantity"]),
    ("how many finished batches came off the lines on dec 29 and how many pieces was that",
     ["finished_batches_count", "batch_quantity"]),
])
def test_pieces_asked_of_counted_rows_are_their_quantity(pipeline: Any, question: str, metrics: list[str]) -> None:
    """The rows are named, then their pieces are asked: the rows' quantity, not how many rows (or both)."""
    sq = pipeline.ask(question).semantic_query
    assert sq is not None and sq["metrics"] == metrics, sq


@pytest.mark.parametrize("question", [
    "show me the purchase orders that are overdue and still open",
    "list POs which are overdue, meaning still open past the promised date",
])
def test_a_status_said_again_keeps_the_rows_the_metric_picks(pipeline: Any, question: str) -> None:
    """'open' is a status of several kinds; a reading of it that the PO metrics reach is enough, and
    'still' names no metric: the overdue rows, not every open PO."""
    sq = pipeline.ask(question).semantic_query
    assert sq is not None and sq.get("records") == "overdue_po_count", sq


@pytest.mark.parametrize(("text", "start", "end"), [
    ("output on 28 nov", "2025-11-28", "2025-11-28"),
    ("what did we make on the 2nd of december", "2025-12-02", "2025-12-02"),
    ("scrap on the third of november", "2025-11-03", "2025-11-03"),
    ("the first of december", "2025-12-01", "2025-12-01"),  # a day, not the first units of the month
    ("breakdowns since the 20th of november", "2025-11-20", "2025-12-31"),
    ("complaints after the 10th", "2025-12-11", "2025-12-31"),
    ("how much did line 2 make on the 30th?", "2025-12-30", "2025-12-30"),
])
def test_days_said_as_people_say_them(text: str, start: str, end: str) -> None:
    found = find_time_ranges(text, AS_OF)
    assert [(str(t.start), str(t.end)) for t in found] == [(start, end)], found


@pytest.mark.parametrize("text", ["oee on the 3rd shift", "the 2nd line's scrap", "top 5 dec", "we may 3 times"])
def test_ordinals_of_things_and_numbers_before_words_are_no_days(text: str) -> None:
    assert find_time_ranges(text, AS_OF) == [], text


@pytest.mark.parametrize("question", ["total output on the 28th of november", "scrap count since the 1st of december"])
def test_a_day_after_the_is_read_in_a_question(pipeline: Any, question: str) -> None:
    """'the', 'of' are words of the layer's longer names; they never make the day a thing's number."""
    answer = pipeline.ask(question)
    assert answer.status == "ok" and answer.semantic_query["time_range"]["start"] in ("2025-11-28", "2025-12-01"), \
        answer.message


@pytest.mark.parametrize(("question", "field", "value"), [
    ("how many purchase orders did we cancel in 2024", "purchase_order_status", "cancelled"),
    ("how many finished batches did QC release last week", "qc_status", "released"),
    ("number of complaints we closed in october", "complaint_status", "closed"),
])
def test_a_state_said_as_its_verb_filters_the_counted_rows(pipeline: Any, question: str, field: str,
                                                           value: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert {"field": field, "op": "in", "values": [value]} in sq["filters"], sq


def test_a_date_said_as_its_verb_dates_the_rows(pipeline: Any) -> None:
    sq = pipeline.ask("how many customer orders did buyers place in october").semantic_query
    assert sq.get("time_role") == "order_date", sq


def test_a_verb_that_names_no_state_of_the_counted_rows_adds_no_filter(pipeline: Any) -> None:
    sq = pipeline.ask("how many pieces did we ship in october").semantic_query
    assert sq["metrics"] == ["shipped_quantity"] and not sq.get("filters"), sq


@pytest.mark.parametrize("question", [
    "ordered quantity due in january 2026 - leave the cancelled ones out",
    "planned quantity this month, take the cancelled out",
])
def test_members_left_out_around_them_are_excluded(pipeline: Any, question: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert any(f["op"] == "not in" and f["values"] == ["cancelled"] for f in sq["filters"]), sq


def test_a_percentage_of_counted_rows_with_a_state_is_their_rate(pipeline: Any) -> None:
    sq = pipeline.ask("which vendors got more than 3% of their lots rejected in 2025?").semantic_query
    assert sq["metrics"] == ["lot_rejection_rate"] and {"field": "lot_rejection_rate", "op": ">", "values": [0.03]} \
        in sq["filters"], sq
    assert not any(f["field"] == "inspection_result" for f in sq["filters"]), sq


def test_a_count_is_never_compared_with_a_percentage(pipeline: Any) -> None:
    answer = pipeline.ask("which lines had more than 5% of their breakdowns on the night shift")
    assert answer.status != "ok" or not any(f["field"] == "breakdown_count" and f["values"] == [5]
                                            for f in answer.semantic_query["filters"]), answer.semantic_query


@pytest.mark.parametrize("question", ["please cancel PO-0005107 in the system", "close complaint CC-00012, it's done"])
def test_acts_on_a_record_are_refused(pipeline: Any, question: str) -> None:
    assert pipeline.ask(question).status == "refused"


def test_which_of_its_members_is_a_follow_up(pipeline: Any) -> None:
    answer = conversation(pipeline, "oee at Ningbo last month", "which of its lines did worst? oee by line")
    sq = answer.semantic_query
    assert {"field": "plant", "op": "in", "values": ["NB"]} in sq["filters"] and sq["time_range"], sq


@pytest.mark.parametrize(("question", "shifts"), [
    ("scrap count for shift B in november", ["B"]),
    ("oee, B shift vs C shift, this quarter", ["B", "C"]),
    ("output of the A shift yesterday", ["A"]),
])
def test_members_named_by_one_letter_beside_their_kind(pipeline: Any, question: str, shifts: list[str]) -> None:
    sq = pipeline.ask(question).semantic_query
    assert {"field": "shift", "op": "in", "values": shifts} in sq["filters"], sq


def test_an_article_before_a_kind_is_no_member(pipeline: Any) -> None:
    sq = pipeline.ask("average scrap in a shift last month").semantic_query
    assert sq is None or not any(f["field"] == "shift" for f in sq["filters"]), sq


def test_a_member_said_inside_its_metrics_name_is_no_filter(pipeline: Any) -> None:
    sq = pipeline.ask("pieces shipped out the door to customers in november").semantic_query
    assert sq["metrics"] == ["shipped_quantity"] and not sq.get("filters"), sq


def test_rows_named_apart_are_the_count_that_picks_them(pipeline: Any) -> None:
    sq = pipeline.ask("show me customer orders still open that are already past due").semantic_query
    assert sq.get("records") == "overdue_so_count", sq


@pytest.mark.parametrize(("question", "expected"), [
    ("这周每条线出了几次故帐", "breakdown_count"),  # 帐 typed for 障 (same sound)
    ("去年整体的OEE是多少", "oee"),
])
def test_chinese_typos_and_quantifiers(pipeline: Any, question: str, expected: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok" and answer.semantic_query["metrics"] == [expected], answer.message


def test_a_non_word_before_a_kind_sounding_like_a_member_is_that_member(pipeline: Any) -> None:
    sq = pipeline.ask("列一下欧州客户").semantic_query
    assert {"field": "customer_region", "op": "in", "values": ["Europe"]} in sq["filters"], sq


@pytest.mark.parametrize("question", ["这个月报废件数，给我各班组的占比", "本月报废的件数各厂占比"])
def test_each_groups_share_of_a_count_is_asked_with_its_counting_word(pipeline: Any, question: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["metrics"] == ["scrap_count"] and sq.get("share"), sq


@pytest.mark.parametrize(("question", "metric"), [
    ("how many good parts did we make in november", "good_output"),
    ("十一月生产了多少良品", "good_output"),
    ("上个月做了多少报废", "scrap_count"),
])
def test_the_part_said_with_its_wholes_verb_is_the_part(pipeline: Any, question: str, metric: str) -> None:
    assert pipeline.ask(question).semantic_query["metrics"] == [metric]


@pytest.mark.parametrize("question", ["output and good output in november", "十一月的产量和良品数"])
def test_a_part_and_its_whole_joined_are_both_asked(pipeline: Any, question: str) -> None:
    assert len(pipeline.ask(question).semantic_query["metrics"]) == 2


def test_members_compared_are_what_is_compared(pipeline: Any) -> None:
    sq = pipeline.ask("宁波和苏州去年设备停了多久？两个厂比一比").semantic_query
    assert sq["dimensions"] == ["plant"], sq


@pytest.mark.parametrize(("turns", "start"), [
    (("scrap rate by plant last week", "and the week before?"), "2025-12-15"),
    (("上周三个厂的OEE各是多少", "前一周呢？"), "2025-12-15"),
])
def test_one_period_further_back(pipeline: Any, turns: tuple[str, str], start: str) -> None:
    sq = conversation(pipeline, *turns).semantic_query
    assert sq["time_range"]["start"] == start and sq["dimensions"] == ["plant"], sq


@pytest.mark.parametrize("turns", [("scrap count by line in november", "add scrap rate too"),
                                   ("十一月各厂的产量", "把良品数也加上")])
def test_a_figure_added_in_a_follow_up_goes_beside_the_earlier_one(pipeline: Any, turns: tuple[str, str]) -> None:
    sq = conversation(pipeline, *turns).semantic_query
    assert len(sq["metrics"]) == 2 and sq["dimensions"] and sq["time_range"], sq


@pytest.mark.parametrize("question", [
    "just the number please, not a percentage: how much scrap did CQ-L2 have in october",
    "十月重庆2号线报废了多少件，要件数不要百分比",
])
def test_a_declined_form_is_neither_a_share_nor_a_negation_to_ask_about(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok" and answer.semantic_query["metrics"] == ["scrap_count"], answer.message


def test_the_attribute_for_each_record_lists_the_records(pipeline: Any) -> None:
    sq = pipeline.ask("give me the open complaints, with the customer for each").semantic_query
    assert sq.get("records") == "customer_complaints", sq


def test_an_act_still_to_come_is_not_its_state(pipeline: Any) -> None:
    sq = pipeline.ask("how many customer orders are still waiting to be shipped, by customer").semantic_query
    assert {"field": "sales_order_status", "op": "in", "values": ["open"]} in sq["filters"], sq


def test_a_members_word_inside_a_piece_of_the_metrics_name_is_no_filter(pipeline: Any) -> None:
    sq = pipeline.ask("Ningbo in November: what % of planned time were the machines actually running?").semantic_query
    assert sq["metrics"] == ["availability"] and sq["filters"] == [
        {"field": "plant", "op": "in", "values": ["NB"]}], sq


@pytest.mark.parametrize(("question", "metric"), [
    ("到货承诺在11月的那些采购单，准时率多少", "on_time_delivery_rate"),
    ("on-time rate for the sales orders due last month", "customer_otd_rate"),
])
def test_a_name_two_metrics_share_is_settled_by_the_rows_said_with_it(pipeline: Any, question: str,
                                                                      metric: str) -> None:
    assert pipeline.ask(question).semantic_query["metrics"] == [metric]


def test_a_shared_name_the_rows_do_not_settle_is_asked_never_dropped(pipeline: Any) -> None:
    answer = pipeline.ask("on-time rate of last month's work orders")
    assert answer.status == "clarify" and not answer.rows, answer.message


@pytest.mark.parametrize("question", ["downtime per line last week - planned and unplanned both count",
                                      "上个月下达的工单有多少张？各种状态都算"])
def test_members_or_a_kind_counted_whole_are_no_breakdown(pipeline: Any, question: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert not any(d in ("downtime_category", "work_order_status") for d in sq["dimensions"]), sq
    assert not any(f["field"] in ("downtime_category", "work_order_status") for f in sq["filters"]), sq


@pytest.mark.parametrize(("question", "dims"), [
    ("scrap rate by plant and shift in october", ["plant", "shift"]),
    ("downtime minutes by line & reason this month", ["line", "downtime_reason"]),
    ("按产线和班次看十月的良品率", ["line", "shift"]),
])
def test_a_kind_joined_to_a_breakdown_is_a_breakdown_too(pipeline: Any, question: str, dims: list[str]) -> None:
    assert pipeline.ask(question).semantic_query["dimensions"] == dims


def test_which_combinations_of_kinds_lists_the_rows(pipeline: Any) -> None:
    sq = pipeline.ask("at the latest stock count, which plant/material combinations sit below safety stock?"
                      ).semantic_query
    assert sq.get("records") == "stock_items_below_safety", sq


def test_work_orders_closed_out_are_the_completed_ones(pipeline: Any) -> None:
    sq = pipeline.ask("work orders we closed out last month, by line").semantic_query
    assert {"field": "work_order_status", "op": "in", "values": ["completed"]} in sq["filters"], sq


def test_which_things_somewhere_are_of_a_kind_lists_them(pipeline: Any) -> None:
    sq = pipeline.ask("which machines at Suzhou are CNC machines?").semantic_query
    assert sq["dimensions"] == ["machine"] and not sq["metrics"], sq


def test_things_whose_parts_did_something_are_broken_down_by_the_things(pipeline: Any) -> None:
    sq = pipeline.ask("lines whose machines ran less than 92% of their planned time in october").semantic_query
    assert sq["dimensions"] == ["line"], sq


def test_a_rate_named_with_the_rows_it_is_a_share_of_is_that_share(pipeline: Any) -> None:
    sq = pipeline.ask("Kessler: what share of their deliveries made it by the date they promised in 2025?"
                      ).semantic_query
    assert sq["metrics"] == ["on_time_delivery_rate"] and not sq.get("per"), sq


def test_pieces_before_the_verb_that_picks_them_are_counted_not_a_whole(pipeline: Any) -> None:
    sq = pipeline.ask("of the pieces we scrapped in november, what share came from each plant?").semantic_query
    assert sq["metrics"] == ["scrap_count"] and sq.get("share") == ["plant"], sq


def test_a_metrics_word_said_as_the_verb_of_a_state_is_that_state(pipeline: Any) -> None:
    sq = pipeline.ask("how many finished batches did QC scrap in 2024?").semantic_query
    assert sq["metrics"] == ["finished_batches_count"] and sq["filters"] == [
        {"field": "qc_status", "op": "in", "values": ["scrapped"]}], sq


@pytest.mark.parametrize("question", ["how many good rear brake calipers did we make in november",
                                      "how many good pieces did the day shift produce last week"])
def test_the_word_that_makes_a_rates_part_picks_the_part(pipeline: Any, question: str) -> None:
    assert pipeline.ask(question).semantic_query["metrics"] == ["good_output"]


def test_the_whole_named_by_its_parts_stays_the_whole(pipeline: Any) -> None:
    assert pipeline.ask("how much did we make in november, good and bad").semantic_query["metrics"] == [
        "total_output"]


@pytest.mark.parametrize(("question", "attribute"), [
    ("list the brake products with their SKUs", "product_sku"),
    ("all shifts and their start times please", "shift_start_time"),
    ("list the presses in Ningbo with their names", "machine_name"),
])
def test_a_listed_things_attribute_asked_is_shown(pipeline: Any, question: str, attribute: str) -> None:
    answer = pipeline.ask(question)
    assert attribute in answer.semantic_query["dimensions"] and answer.rows, answer.semantic_query


def test_the_kind_said_before_the_list_word_is_what_is_listed(pipeline: Any) -> None:
    sq = pipeline.ask("上个月投诉过我们的客户都有哪些").semantic_query
    assert sq["dimensions"] == ["customer"] and not sq.get("records"), sq


def test_a_month_in_chinese_numerals_may_follow_an_id() -> None:
    found = find_time_ranges("NB-L2十月的良品率", AS_OF)
    assert [(str(t.start), str(t.end)) for t in found] == [("2025-10-01", "2025-10-31")], found
    assert find_time_ranges("NB-L3月产量", AS_OF) == []  # L3 is the line; no March


def test_a_share_said_with_the_parts_word_is_the_rate(pipeline: Any) -> None:
    sq = pipeline.ask("what fraction of the pieces we made in november came out good, by plant?").semantic_query
    assert sq["metrics"] == ["quality_rate"], sq


def test_an_attribute_is_listed_beside_its_owner_when_both_are_named(pipeline: Any) -> None:
    assert pipeline.ask("show me the brake products and their SKUs").semantic_query["dimensions"] == [
        "product", "product_sku"]
    assert pipeline.ask("list the product families").semantic_query["dimensions"] == ["product_family"]


def test_a_string_far_longer_than_any_word_is_no_word_to_repair() -> None:
    question = "how many " + "abcdefghij" * 3 + " last week"  # thirty letters: no candidates are built
    assert mend_spelling(question, set()) == (question, [])
