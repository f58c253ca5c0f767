"""Records listed one by one (SemanticQuery.records): the key, the date and the dimensions asked,
newest first, filtered and dated exactly as the table's count is, so the list and its count agree."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.core.errors import FactoryAssistantError
from assistant.pipeline import Pipeline
from assistant.plan.query import Filter, SemanticQuery, TimeRange
from assistant.sql.compiler import Compiler

DECEMBER = TimeRange(start=dt.date(2025, 12, 1), end=dt.date(2025, 12, 31))
CASES = [
    ("customer_complaints", [Filter(field="complaint_status", op="in", values=["open", "investigating"])], None, None),
    ("finished_batches", [Filter(field="line", op="in", values=["NB-L3"])], DECEMBER, None),
    ("work_orders", [Filter(field="plant", op="in", values=["SZ"])], DECEMBER, "actual_end"),
    ("purchase_orders", [Filter(field="supplier_country", op="not in", values=["CN"])], DECEMBER, None),
]


@pytest.mark.parametrize(("table", "filters", "period", "role"), CASES)
def test_the_records_listed_are_as_many_as_their_count(pipeline: Pipeline, table: str, filters: list[Filter],
                                                       period: TimeRange | None, role: str | None) -> None:
    counted = pipeline.layer.count_metric(table)
    assert counted is not None
    count = pipeline.run_query(SemanticQuery(metrics=[counted], filters=filters, time_range=period, time_role=role))
    listed = pipeline.run_query(SemanticQuery(records=table, filters=filters, time_range=period, time_role=role))
    assert count.status == listed.status == "ok", (count.message, listed.message)
    assert len(listed.rows) == count.rows[0][0] > 0
    keys = [tuple(r[: len(pipeline.layer.tables[table].primary_key)]) for r in listed.rows]
    assert len(set(keys)) == len(keys)  # one row per record


def test_records_come_newest_first_with_the_dimensions_asked(layer) -> None:
    compiled = Compiler(layer).compile(SemanticQuery(records="customer_complaints", dimensions=["customer"],
                                                     time_range=DECEMBER))
    sql = compiled.sql()
    # the dimension asked first, then the ones the layer shows with every complaint (record_columns)
    assert [c.name for c in compiled.columns] == ["complaint_id", "reported_on", "customer", "complaint_issue",
                                                  "complaint_status"]
    assert "ORDER BY reported_on DESC, complaint_id" in sql
    assert "LEFT JOIN customers" in sql


def test_the_answer_names_the_records_in_both_languages(pipeline: Pipeline) -> None:
    en = pipeline.run_query(SemanticQuery(records="work_orders", filters=[
        Filter(field="work_order_status", op="in", values=["in_progress"])]))
    zh = pipeline.run_query(SemanticQuery(records="work_orders", locale="zh", filters=[
        Filter(field="work_order_status", op="in", values=["in_progress"])]))
    assert en.message.startswith("List of work orders") and "found" in en.message
    assert zh.message.startswith("工单清单") and "共" in zh.message


@pytest.mark.parametrize(("query", "said"), [
    (dict(records="no_such_table"), "There is no table"),
    (dict(records="customer_complaints", dimensions=["machine"]), "do not record a machine"),
    (dict(records="customer_complaints", time_role="due_date"), "no date called"),
])
def test_a_records_query_that_cannot_be_answered_says_why(layer, query: dict, said: str) -> None:
    with pytest.raises(FactoryAssistantError, match=said):
        Compiler(layer).compile(SemanticQuery(**query))


def test_records_take_no_metric() -> None:
    with pytest.raises(ValueError, match="no metric"):
        SemanticQuery(records="work_orders", metrics=["work_order_count"])


def test_a_count_metric_as_records_lists_only_the_rows_it_counts(pipeline: Pipeline) -> None:
    """'anything below safety stock?': the rows the count counts (its measure's filter), not the table."""
    count = pipeline.run_query(SemanticQuery(metrics=["stock_items_below_safety"]))
    listed = pipeline.run_query(SemanticQuery(records="stock_items_below_safety"))
    everything = pipeline.run_sql("SELECT COUNT(*) FROM inventory_snapshots").rows[0][0]
    assert listed.status == "ok", listed.message
    assert len(listed.rows) == count.rows[0][0] < everything
    assert listed.message.startswith("List of stock items below safety stock")


def test_a_count_of_several_measures_has_no_records(layer) -> None:
    with pytest.raises(FactoryAssistantError, match="no count of rows"):
        Compiler(layer).compile(SemanticQuery(records="oee"))


@pytest.mark.parametrize(("question", "records"), [
    ("anything below safety stock right now?", "stock_items_below_safety"),
    ("有没有低于安全库存的物料", "stock_items_below_safety"),
    ("any open complaints?", "customer_complaints"),
])
def test_asking_whether_there_are_any_lists_them(pipeline: Pipeline, question: str, records: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert answer.semantic_query is not None and answer.semantic_query["records"] == records
    assert answer.rows


def test_records_sorted_by_their_own_amount_match_the_bare_sql(pipeline: Pipeline) -> None:
    """'the 4 longest downtime events in December': each event's minutes, largest first, as DuckDB sorts them."""
    query = SemanticQuery(records="downtime_events", time_range=DECEMBER, limit=4,
                          order=[{"field": "downtime_minutes", "desc": True}])
    answer = pipeline.run_query(query)
    assert answer.status == "ok", answer.message
    bare = pipeline.run_sql("SELECT event_id, duration_min FROM downtime_events WHERE start_time >= DATE '2025-12-01' "
                            "AND start_time < DATE '2026-01-01' ORDER BY duration_min DESC, start_time DESC, event_id "
                            "LIMIT 4").rows
    got = [(r[answer.columns.index("event_id")], r[answer.columns.index("downtime_minutes")]) for r in answer.rows]
    assert got == [tuple(r) for r in bare]


@pytest.mark.parametrize("field", ["oee", "downtime_events_count", "shipped_quantity"])
def test_records_sort_only_by_an_amount_their_own_rows_carry(layer, field: str) -> None:
    from assistant.plan.query import validate_query

    query = SemanticQuery(records="downtime_events", order=[{"field": field, "desc": True}])
    with pytest.raises(FactoryAssistantError, match="Cannot sort by"):
        validate_query(query, layer)
