"""Issue 19, classes of session 17 (each tested in other words than the questions that showed them):
a level's name said after 'latest' is the snapshot the rows come from; 'the most recent weekly X' is one
record, not a weekly grain."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.plan.rules.spelling import mend_spelling
from assistant.understand.timeparse import find_grain
from tests.planner_cases import conversation


@pytest.mark.parametrize("question", [
    "in the newest stock take, which materials at which plants sit under their safety level?",
    "going by the most recent monthly stock count, which plant and material pairs are below safety stock",
])
def test_a_level_named_after_latest_is_the_snapshot_not_a_second_figure(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    sq = answer.semantic_query
    assert "on_hand_stock" not in sq["metrics"] and sq["time_grain"] is None, sq
    assert sq.get("records") == "stock_items_below_safety" or sq["metrics"] == ["stock_items_below_safety"], sq


def test_the_latest_stock_level_alone_is_still_the_figure(pipeline: Any) -> None:
    sq = pipeline.ask("what's the latest stock level of PBT-GF30 resin at Ningbo").semantic_query
    assert sq is not None and sq["metrics"] == ["on_hand_stock"], sq


@pytest.mark.parametrize(("text", "grain"), [
    ("the most recent weekly review", None),
    ("our last monthly meeting's numbers", None),
    ("weekly scrap for Ningbo", "week"),
    ("show the monthly output of 2025", "month"),
])
def test_one_record_of_a_recurring_kind_is_no_grain(text: str, grain: str | None) -> None:
    found = find_grain(text)
    assert (found[0] if found else None) == grain, found


@pytest.mark.parametrize(("typed", "meant"), [
    ("split the numbers donw by line", "split the numbers down by line"),
    ("scrap rate frmo last week", "scrap rate from last week"),
])
def test_a_short_word_with_two_letters_swapped_is_the_word(typed: str, meant: str) -> None:
    mended, fixes = mend_spelling(typed, set())
    assert mended == meant and fixes, (mended, fixes)


# -- a figure over the records a trace reaches (record dimensions of the genealogy's nodes) -----------------
_LOT = "LOT-20251107-0014"  # story 1's conditional lot: three work orders used it
_ITS_WOS = ["WO-002113", "WO-002121", "WO-002132"]


def test_the_layer_has_a_hidden_record_dimension_per_walked_kind(pipeline: Any) -> None:
    layer = pipeline.layer
    spec_dims = {d.name for d in layer.spec.dimensions}
    assert {"work_order", "lot", "batch"} <= set(layer.record_dimensions), layer.record_dimensions
    for dim in layer.record_dimensions.values():
        assert dim.name not in spec_dims and dim.name in layer.dimensions  # filterable, never offered
    assert "work_order__record" not in layer.reachable_dimensions("scrap_count")


@pytest.mark.parametrize(("question", "metric"), [
    (f"what was the scrap rate on the work orders that consumed {_LOT}", "scrap_rate"),
    (f"用了{_LOT}的工单一共报废了多少件", "scrap_count"),
    (f"defect ppm by defect type on the WOs that used lot {_LOT}", "defect_ppm"),
])
def test_a_metric_asked_of_the_records_a_lot_went_into(pipeline: Any, question: str, metric: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    sq = answer.semantic_query
    assert sq["metrics"] == [metric], sq
    scope = next(f for f in sq["filters"] if f["field"] == "work_order__record")
    assert sorted(scope["values"]) == _ITS_WOS and answer.extras["trace_scope"]["start_ids"] == [_LOT]
    assert "3" in answer.message and _LOT in answer.message  # says which records the figure is over


def test_the_scoped_figure_equals_the_same_metric_filtered_by_hand(pipeline: Any) -> None:
    from assistant.plan.query import Filter, SemanticQuery

    asked = pipeline.ask(f"total output of the work orders that used {_LOT}")
    by_hand = pipeline.run_query(SemanticQuery(metrics=["total_output"],
                                               filters=[Filter(field="work_order__record", values=_ITS_WOS)]))
    assert asked.rows == by_hand.rows and asked.rows[0][0] > 0, (asked.message, by_hand.rows)


def test_a_figure_of_one_records_own_id_needs_no_walk(pipeline: Any) -> None:
    sq = pipeline.ask("availability of WO-002121").semantic_query
    assert sq is not None and sq["metrics"] == ["availability"], sq
    assert sq["filters"] == [{"field": "work_order__record", "op": "in", "values": ["WO-002121"]}]


@pytest.mark.parametrize(("question", "table"), [
    ("what's the status of PO-0004869?", "purchase_orders"),
    ("CC-00070现在什么状况", "customer_complaints"),
])
def test_an_id_with_nothing_else_asked_shows_its_record(pipeline: Any, question: str, table: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok" and answer.semantic_query["records"] == table, answer.message
    assert len(answer.rows) == 1


def test_records_the_walk_did_not_reach_are_said_not_counted(pipeline: Any) -> None:
    answer = pipeline.ask("scrap on the work orders that used LOT-20251231-0013")  # received on the 31st, unused
    assert answer.status == "ok" and not answer.rows and "nothing to count" in answer.message, answer.message


def test_a_breakdown_by_a_kind_the_figure_cannot_reach_stays_a_walk(pipeline: Any) -> None:
    """'to each customer': the shipments say which customer; the output metric cannot, so no figure drops it."""
    answer = pipeline.ask(f"how many pieces from {_LOT} reached each customer")
    assert answer.status == "ok" and answer.semantic_query is None, answer.message
    assert answer.columns[-1] == "quantity" and len(answer.rows) == 2, (answer.columns, answer.rows)


def test_which_records_after_a_metric_verb_stays_a_walk(pipeline: Any) -> None:
    answer = pipeline.ask("which work order produced the batch complaint CC-00070 is about?")
    assert answer.status == "ok" and answer.semantic_query is None, answer.message


def test_a_date_in_the_starts_own_clause_dates_the_start(pipeline: Any) -> None:
    answer = pipeline.ask("the conditionally accepted Hengtai lot that came in during November - "
                          "which batches were made from it?")
    assert answer.status == "ok", answer.message
    assert answer.rows and all(r[0].startswith("B2025111") for r in answer.rows), answer.rows


# -- readings from blind22's classes, in other words ---------------------------------------------------------
@pytest.mark.parametrize(("question", "metrics", "filters"), [
    ("the 42CrMo alloy steel bar stock at Suzhou", ["on_hand_stock"], {"material": ["MAT-ST02"], "plant": ["SZ"]}),
    ("宁波本月critical级别的缺陷一共多少件", ["defect_quantity"], {"plant": ["NB"], "severity": ["critical"]}),
    ("加急单里还没开工的有几张", ["work_order_count"],
     {"work_order_priority": ["urgent"], "work_order_status": ["planned"]}),
    ("how many kg of resin did we receive from Hengtai Metals in 2024", ["received_quantity"],
     {"material_type": ["resin"], "supplier": ["SUP-04"]}),
])
def test_members_and_states_are_read_once_and_whole(pipeline: Any, question: str, metrics: list[str],
                                                   filters: dict[str, list[str]]) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq is not None and sq["metrics"] == metrics, sq
    assert {f["field"]: sorted(f["values"]) for f in sq["filters"]} == {k: sorted(v) for k, v in filters.items()}, sq


@pytest.mark.parametrize(("turns", "filters"), [
    (("SZ-L2本月停机多少分钟", "其中计划停机多少"), {"line": ["SZ-L2"], "downtime_category": ["planned"]}),
    (("上个月各条线的OEE", "只看宁波的几条线"), {"plant": ["NB"]}),
])
def test_a_follow_up_about_part_of_the_figure_keeps_its_scope(pipeline: Any, turns: tuple[str, ...],
                                                              filters: dict[str, list[str]]) -> None:
    first = conversation(pipeline, turns[0]).semantic_query
    sq = conversation(pipeline, *turns).semantic_query
    assert sq is not None and sq["metrics"] == first["metrics"] and sq["time_range"] == first["time_range"], sq
    assert {f["field"]: f["values"] for f in sq["filters"]} == filters, sq


@pytest.mark.parametrize(("question", "start"), [
    ("last weeks scrap for Ningbo", "2025-12-22"),
    ("yesterdays output at Suzhou", "2025-12-30"),
])
def test_a_periods_possessive_without_its_apostrophe(pipeline: Any, question: str, start: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq is not None and sq["time_range"]["start"] == start, sq


def test_crews_are_shifts(pipeline: Any) -> None:
    sq = pipeline.ask("scrap rate: day crew versus evening crew").semantic_query
    assert sq is not None and sq["filters"] == [{"field": "shift", "op": "in", "values": ["A", "B"]}], sq


def test_an_everyday_word_is_no_typo_of_a_layer_name(pipeline: Any) -> None:
    sq = pipeline.ask("OEE by plant, I need it for the containment meeting").semantic_query
    assert sq is not None and sq["metrics"] == ["oee"], sq  # 'containment' is no 'consignment' (shipments)


@pytest.mark.parametrize(("question", "records"), [
    ("show me the Weida POs that are still open and already overdue", "overdue_po_count"),
    ("List the open complaints with the customer who raised each", "customer_complaints"),
])
def test_rows_said_with_what_they_are_are_listed(pipeline: Any, question: str, records: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq is not None and sq["records"] == records, sq


@pytest.mark.parametrize("question", ["苏州2号线这周哪几台设备停过机", "上个月宁波3号线哪几台设备出过故障"])
def test_which_machines_are_the_machines_once_each(pipeline: Any, question: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq is not None and sq["dimensions"] == ["machine"] and sq["metrics"] and not sq.get("records"), sq


def test_which_members_of_a_kind_on_a_line(pipeline: Any) -> None:
    answer = pipeline.ask("which machines on CQ-L2 are CNCs?")
    assert answer.status == "ok" and answer.semantic_query["metrics"] == [], answer.message
    assert answer.semantic_query["dimensions"] == ["machine"] and answer.rows


def test_two_questions_in_one_message_are_both_answered(pipeline: Any) -> None:
    sq = pipeline.ask("最新一期盘点里苏州的PA66还剩多少？安全库存又是多少？").semantic_query
    assert sq is not None and sq["metrics"] == ["on_hand_stock", "safety_stock_level"], sq


def test_a_declined_unit_is_neither_a_figure_nor_a_negation(pipeline: Any) -> None:
    answer = pipeline.ask("Ningbo: unplanned stops as a share of all downtime events last quarter (count, not hours)")
    assert answer.status == "ok", answer.message
    sq = answer.semantic_query
    assert sq["metrics"] == ["downtime_events_count"] and sq["share"] == ["downtime_category"], sq


def test_who_is_asking_names_no_figure(pipeline: Any) -> None:
    sq = pipeline.ask("Maintenance here. MTTR by machine type for last month?").semantic_query
    assert sq is not None and sq["metrics"] == ["mttr_min"] and sq["dimensions"] == ["machine_type"], sq


def test_the_batches_said_again_short_are_still_the_batches(pipeline: Any) -> None:
    sq = pipeline.ask("上周生产的成品批次里哪些被冻结了？给我批次号").semantic_query
    assert sq is not None and sq["records"] == "finished_batches", sq
