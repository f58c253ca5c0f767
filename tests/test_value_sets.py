"""Issue 19: a dimension's `value_sets` name several values together ('open work orders' are the
planned and the running ones). The set filters on all its values as one figure, is used by the
breakdown rules as one group, and the layer refuses a set of values it does not declare."""

from __future__ import annotations

from typing import Any

import pytest

from semantic_layer.errors import LayerError
from semantic_layer.layer import Layer
from semantic_layer.models import ValueSet


def _with_set(layer: Layer, dim: str, value_set: ValueSet) -> Layer:
    return Layer(layer.spec.model_copy(update={"dimensions": [
        d.model_copy(update={"value_sets": [value_set]}) if d.name == dim else d for d in layer.spec.dimensions]}))


def test_a_set_of_undeclared_values_is_refused_with_a_suggestion(layer: Layer) -> None:
    with pytest.raises(LayerError, match="'in_progres' is not one of the values") as err:
        _with_set(layer, "work_order_status", ValueSet(values=["planned", "in_progres"], en="Open"))
    assert err.value.suggestion and "in_progress" in err.value.suggestion


def test_a_set_needs_a_name(layer: Layer) -> None:
    with pytest.raises(LayerError, match="give the set a name"):
        _with_set(layer, "work_order_status", ValueSet(values=["planned"]))


@pytest.mark.parametrize(("question", "field", "values"), [
    ("how many open complaints are there", "complaint_status", ["investigating", "open"]),
    ("还有几个未关闭的客诉", "complaint_status", ["investigating", "open"]),
    ("open work orders at Ningbo", "work_order_status", ["in_progress", "planned"]),
])
def test_the_set_is_one_filter_on_the_metrics_own_table(pipeline: Any, question: str, field: str,
                                                        values: list[str]) -> None:
    """'open complaints': the complaints' own status (one join away is the work order's status)."""
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    got = [f for f in answer.semantic_query["filters"] if f["field"].endswith("status")]
    assert got == [{"field": field, "op": "in", "values": values}], got
    assert not any(d.endswith("status") for d in answer.semantic_query.get("dimensions", []))


def test_two_values_named_apart_are_still_compared(pipeline: Any) -> None:
    """Only the set's own words make one group: two statuses named apart are shown apart."""
    answer = pipeline.ask("work orders planned vs in progress by priority")
    assert answer.status == "ok", answer.message
    assert "work_order_status" in answer.semantic_query["dimensions"]


@pytest.mark.parametrize(("question", "values"), [
    ("List the complaints that are still open (status open).", ["open"]),
    ("complaints with status open", ["open"]),
    ("how many open complaints", ["investigating", "open"]),
    ("work orders with status open", ["in_progress", "planned"]),  # no single value 'open': the set
])
def test_beside_the_dimension_word_the_single_value_wins(pipeline: Any, question: str, values: list[str]) -> None:
    answer = pipeline.ask(question)
    got = [f["values"] for f in answer.semantic_query["filters"] if f["field"].endswith("status")]
    assert got == [values], answer.semantic_query


@pytest.mark.parametrize(("question", "said"), [
    ("how many open complaints", "Open or Investigating"),  # the set's name is one of its values: not repeated
    ("未完成的工单有几个", "未完成（进行中或已计划）"),
])
def test_the_answer_names_the_set_and_its_values(pipeline: Any, question: str, said: str) -> None:
    assert said in pipeline.ask(question).message
