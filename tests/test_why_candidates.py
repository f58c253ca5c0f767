"""Which breakdowns a why-answer tries. Unasked, a breakdown that can only repeat another's split
is not run (each is one more statement in the answer's time): the column of a table whose rows
a filter pins to one, and a column the layer declares another name of a breakdown's members.
The explanation stays the same: checked here against the full list of breakdowns."""

from __future__ import annotations

import pytest

import assistant.explain.why.engine as engine
from assistant.explain.why.breakdowns import candidates
from assistant.plan.query import Filter

NINGBO = [Filter(field="plant", values=["NB"])]


def _all_breakdowns(layer, metric, filters, asked):
    pinned = {f.field for f in filters if f.op in ("in", "=") and len(f.values) == 1}
    allowed = layer.metric_dimensions(metric)
    return [d for d in (asked or allowed) if d in allowed and d not in pinned]


def test_a_pinned_rows_attributes_and_declared_other_names_are_not_tried(layer) -> None:
    tried = candidates(layer, "oee", NINGBO, [])
    everything = _all_breakdowns(layer, "oee", NINGBO, [])
    assert "plant_city" in everything and "plant_city" not in tried  # Ningbo has one city
    assert "machine_name" in everything and "machine_name" not in tried  # declared a machine's other name
    assert "product_sku" in everything and "product_sku" not in tried
    # Kept: a column that is no declared name of a member, and the members themselves.
    assert {"machine", "product", "shift", "shift_start_time", "line", "machine_type"} <= set(tried)


def test_a_breakdown_asked_for_is_tried_even_when_it_renames_another(layer) -> None:
    assert candidates(layer, "oee", NINGBO, ["machine_name"]) == ["machine_name"]


def test_without_a_pinned_member_its_tables_columns_are_tried(layer) -> None:
    machine = [Filter(field="machine_type", values=["press"])]  # not the machines' rows: many of them
    assert "machine" in candidates(layer, "oee", machine, [])


@pytest.mark.parametrize(("question", "fewer"), [
    ("Why did Ningbo's OEE drop last week?", True),
    ("为什么上个月宁波的报废率上升了?", True),
    ("Why did defect ppm at Ningbo rise in November?", False),  # its breakdowns repeat none
])
def test_the_explanation_is_the_one_every_breakdown_gives_with_fewer_statements(pipeline, monkeypatch,
                                                                                question, fewer) -> None:
    pruned = pipeline.ask(question)
    monkeypatch.setattr(engine, "candidates", _all_breakdowns)
    full = pipeline.ask(question)
    assert pruned.status == full.status == "ok", pruned.message
    assert pruned.message == full.message
    assert pruned.extras["why"] == full.extras["why"]
    saved = len(full.extras["queries"]) - len(pruned.extras["queries"])
    assert saved > 0 if fewer else saved == 0
