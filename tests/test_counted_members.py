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
