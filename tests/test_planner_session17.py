"""Issue 19, classes of session 17 (each tested in other words than the questions that showed them):
a level's name said after 'latest' is the snapshot the rows come from; 'the most recent weekly X' is one
record, not a weekly grain."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.plan.rules.spelling import mend_spelling
from assistant.understand.timeparse import find_grain


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
