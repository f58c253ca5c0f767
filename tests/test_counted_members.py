"""Issue 19: "how many cracks", "which machine had the most cracks": with no metric named, members
of a dimension whose layer declares `counted_by` are counted by that metric (defective parts, not
defect records, not a rate); without a counting word the planner still asks which figure."""

from __future__ import annotations

from typing import Any

import pytest

from semantic_layer.errors import LayerError
from semantic_layer.layer import Layer


@pytest.mark.parametrize(("question", "metric", "filters"), [
    ("how many cracks in Q4", "defect_quantity", {"defect_type": ["crack"]}),
    ("which machine had the most cracks in Q4?", "defect_quantity", {"defect_type": ["crack"]}),
    ("top 3 defect types at ningbo in nov by qty", "defect_quantity", {"plant": ["NB"]}),
    ("宁波3号线11月每天的裂纹数量", "defect_quantity", {"defect_type": ["crack"]}),
    ("上个月各厂质量停线了几次", "downtime_events_count", {"downtime_reason": ["quality_hold"]}),
    ("how many changeovers last week in suzhou", "downtime_events_count", {"downtime_reason": ["changeover"]}),
])
def test_counted_members_are_counted_by_the_declared_metric(pipeline: Any, question: str, metric: str,
                                                            filters: dict[str, list[str]]) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert answer.semantic_query["metrics"] == [metric]
    got = {f["field"]: f["values"] for f in answer.semantic_query["filters"]}
    for field, values in filters.items():
        assert got.get(field) == values, got


def test_without_a_counting_word_it_still_asks(pipeline: Any) -> None:
    assert pipeline.ask("cracks last month").status == "clarify"


def test_counted_by_must_reach_the_dimension(layer: Layer) -> None:
    spec = layer.spec.model_copy(update={"dimensions": [
        d.model_copy(update={"counted_by": "energy_kwh"}) if d.name == "defect_type" else d
        for d in layer.spec.dimensions]})
    with pytest.raises(LayerError, match="cannot be broken down by 'defect_type'"):
        Layer(spec)


@pytest.mark.parametrize("question", [
    "how many cracked pieces did NB line 3 find in November?",
    "how many cracked parts did NB line 3 find in November?",
    "How many cracked parts did Ningbo Line 3 log each week since October 1?",
])
def test_a_generic_count_gives_way_to_the_metric_counting_the_named_members(pipeline: Any, question: str) -> None:
    """'pieces' is total output, which has no defect type; the cracks are counted by their own metric,
    and neither 'parts' nor the 3 of 'line 3' nor 'each week' asks for a breakdown by product."""
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert answer.semantic_query["metrics"] == ["defect_quantity"]
    assert "product" not in answer.semantic_query.get("dimensions", [])


def test_named_rows_are_not_replaced_by_the_counting_metric(pipeline: Any) -> None:
    """'which work orders had crack defects': the work orders were named; no count of cracks instead."""
    answer = pipeline.ask("which NB-L3 work orders had crack defects in nov")
    assert answer.semantic_query is None or "work_order_count" in answer.semantic_query.get("metrics", []) \
        or answer.status != "ok"


def test_a_share_of_members_counts_them(pipeline: Any) -> None:
    answer = pipeline.ask("what share of defects were cracks last month")
    assert answer.semantic_query["metrics"] == ["defect_quantity"] and answer.semantic_query["share"]
