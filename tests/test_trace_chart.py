"""The genealogy picture's spec: columns per level, words for levels, a legend of what is drawn.

Geometry in data units (rows and columns) is checked here; what Chromium actually draws (text
boxes in pixels) is checked in tests/test_browser_trace.py.
"""

from __future__ import annotations

import copy
import importlib.resources
import itertools
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Literal

import duckdb
import jsonschema
import pytest

from assistant.explain.answer import Answer
from assistant.explain.trace.chart import GROUP_OVER, HEADER_LINE_PX, ROW_PX, phone_chart
from assistant.explain.trace.words import level_name
from assistant.pipeline import Pipeline
from assistant.plan.types import TraceRequest

TEXT_LAYERS = ("trace_labels", "trace_headers", "trace_levels", "trace_legend")


@pytest.fixture(scope="module")
def ids(demo_db: Path) -> dict[str, str]:
    """Hengtai's latest conditional aluminium lot (it reaches every type) and one batch made from it."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        lot = con.execute("""SELECT l.lot_id FROM material_lots l JOIN suppliers s ON s.supplier_id = l.supplier_id
                             WHERE s.supplier_name = 'Hengtai Metals' AND l.inspection_result = 'conditional'
                             ORDER BY l.received_date DESC LIMIT 1""").fetchone()
        assert lot is not None
        batch = con.execute("""SELECT MIN(b.batch_id) FROM lot_consumption lc
                               JOIN finished_batches b ON b.work_order_id = lc.work_order_id
                               WHERE lc.lot_id = ?""", [lot[0]]).fetchone()
        assert batch is not None
    return {"lot": str(lot[0]), "batch": str(batch[0])}


def _trace(pipeline: Pipeline, node: str, ident: str, lang: str = "en",
           direction: Literal["forward", "backward", "both"] = "both") -> Answer:
    answer = pipeline.trace(TraceRequest(start_node=node, start_ids=[ident], direction=direction),
                            question=ident, lang=lang)
    assert answer.status == "ok" and answer.chart is not None, answer.message
    return answer


def _layer(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return next(layer for layer in spec["layer"] if layer["name"] == name)


def _data(spec: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return list(spec["datasets"][_layer(spec, name)["data"]["name"]])


def _disjoint(spans: list[tuple[float, float]]) -> bool:
    spans = sorted(spans)
    return all(a[1] <= b[0] + 1e-9 for a, b in itertools.pairwise(spans))


# ---------------------------------------------------------------------- levels and legend
def test_levels_are_words_never_signed_numbers() -> None:
    assert [level_name(i, "en") for i in (-4, -1, 0, 1, 2)] == [
        "4 steps upstream", "1 step upstream", "start", "1 step downstream", "2 steps downstream"]
    assert [level_name(i, "zh") for i in (-4, 0, 2)] == ["上游第 4 层", "起点", "下游第 2 层"]


def test_one_column_per_level_each_named_in_words(pipeline: Pipeline, ids: dict[str, str]) -> None:
    answer = _trace(pipeline, "lot", ids["lot"])
    spec = answer.chart
    assert spec is not None
    levels = sorted({lv["index"] for lv in answer.extras["trace"]["levels"]})
    captions = _data(spec, "trace_levels")
    assert [c["x"] for c in captions] == list(range(len(levels)))
    assert [c["text"] for c in captions] == [level_name(i, "en")[:1].upper() + level_name(i, "en")[1:]
                                             for i in levels]
    # Shipments and complaints are both three steps downstream: one column, two headers, one under the other.
    by_column: dict[float, list[dict[str, Any]]] = defaultdict(list)
    for header in _data(spec, "trace_headers"):
        by_column[header["x"]].append(header)
    shared = [hs for hs in by_column.values() if len(hs) > 1]
    assert len(shared) == 2 and len(by_column) == len(levels)  # suppliers + purchase orders; shipments + complaints
    shown = [str(row.get("text", row.get("label"))) for name in TEXT_LAYERS for row in _data(spec, name)]
    assert not [text for text in shown if re.search(r"Level|(?<![\w-])-\d", text)]  # "Level -4" was shown


def test_headers_and_boxes_of_a_column_never_share_a_row(pipeline: Pipeline, ids: dict[str, str]) -> None:
    spec = _trace(pipeline, "lot", ids["lot"]).chart
    assert spec is not None
    for layout in (spec, phone_chart(spec)):
        assert layout is not None
        spans: dict[float, list[tuple[float, float]]] = defaultdict(list)
        for header in _data(layout, "trace_headers"):  # a header's lines from its top, in rows
            lines = str(header["text"]).count("\n") + 1
            spans[header["x"]].append((header["y"], header["y"] + lines * HEADER_LINE_PX / ROW_PX))
        for node in _data(layout, "trace_boxes"):  # on a phone a header spans the width: boxes side by side count once
            spans[node["x"] if layout is spec else 0.0].append((node["y"], node["y2"]))
        for column, taken in spans.items():
            assert _disjoint(sorted(set(taken))), (layout["usermeta"]["trace"]["layout"], column, sorted(taken))
        legend_top = min(e["y"] for e in _data(layout, "trace_legend")) - 0.5
        assert legend_top >= max(n["y2"] for n in _data(layout, "trace_boxes"))  # the legend covers nothing


def test_legend_names_only_the_types_drawn(pipeline: Pipeline, ids: dict[str, str]) -> None:
    answer = _trace(pipeline, "batch", ids["batch"], lang="zh", direction="backward")
    reached = {lv["node"] for lv in answer.extras["trace"]["levels"]}
    assert "customer" not in reached and len(reached) == 5
    for spec in (answer.chart, phone_chart(answer.chart or {})):
        assert spec is not None
        legend = [e["text"] for e in _data(spec, "trace_legend")]
        assert sorted(legend) == sorted(pipeline.layer.genealogy.node(n).label.zh for n in reached)
        assert len({e["color"] for e in _data(spec, "trace_legend")}) == len(legend)


def test_a_type_keeps_its_colour_in_every_trace(pipeline: Pipeline, ids: dict[str, str]) -> None:
    forward = _trace(pipeline, "lot", ids["lot"]).chart
    backward = _trace(pipeline, "batch", ids["batch"], direction="backward").chart
    assert forward is not None and backward is not None
    colours = [{e["text"]: e["color"] for e in _data(spec, "trace_legend")} for spec in (forward, backward)]
    assert colours[0]["Material lot"] == colours[1]["Material lot"]
    assert colours[0]["Work order"] == colours[1]["Work order"] != colours[0]["Material lot"]


# ---------------------------------------------------------------------- text that fits
def test_every_text_is_cut_to_the_width_drawn_and_has_a_tooltip(pipeline: Pipeline, ids: dict[str, str]) -> None:
    spec = _trace(pipeline, "lot", ids["lot"]).chart
    assert spec is not None
    for layout in (spec, phone_chart(spec)):
        assert layout is not None
        assert layout["usermeta"]["embedOptions"]["renderer"] == "svg"
        assert isinstance(layout["padding"], dict)  # Streamlit fails on a number here
        for name in TEXT_LAYERS:
            mark = _layer(layout, name)["mark"]
            assert mark["type"] == "text" and "width" in mark["limit"]["expr"], name
            assert "tooltip" in _layer(layout, name)["encoding"], name
        texts = [layer for layer in layout["layer"] if layer["mark"].get("type") == "text"]
        assert {layer["name"] for layer in texts} == set(TEXT_LAYERS)


def test_phone_layout_is_the_same_picture_in_bands(pipeline: Pipeline, ids: dict[str, str]) -> None:
    spec = _trace(pipeline, "lot", ids["lot"]).chart
    assert spec is not None
    phone = phone_chart(spec)
    assert phone is not None and phone["usermeta"]["trace"]["layout"] == "narrow"
    assert [n["key"] for n in _data(phone, "trace_boxes")] == [n["key"] for n in _data(spec, "trace_boxes")]
    assert [(lk["from"], lk["to"]) for lk in _data(phone, "trace_links")] == \
        [(lk["from"], lk["to"]) for lk in _data(spec, "trace_links")]
    rows: dict[float, list[tuple[float, float]]] = defaultdict(list)
    for node in _data(phone, "trace_boxes"):
        assert 0 <= node["x"] < node["x2"] <= 1
        rows[node["y"]].append((node["x"], node["x2"]))
    assert max(len(r) for r in rows.values()) == 2 and all(_disjoint(r) for r in rows.values())
    assert {h["x"] for h in _data(phone, "trace_headers")} == {0.0}  # every header at the left edge
    assert phone_chart({}) is None and phone_chart({"datasets": {}}) is None


def test_big_trace_draws_a_box_per_type_not_per_node(pipeline: Pipeline) -> None:
    answer = _trace(pipeline, "customer", "C001", direction="backward")
    boxes = _data(answer.chart or {}, "trace_boxes")
    counts = {lv["node"]: lv["count"] for lv in answer.extras["trace"]["levels"]}
    assert max(counts.values()) > GROUP_OVER
    per_type: dict[int, int] = defaultdict(int)
    for box in boxes:
        per_type[box["group"]] += 1
    assert max(per_type.values()) <= GROUP_OVER
    assert any(b["label"] == f"all {counts['batch']}" for b in boxes)


def test_specs_are_valid_vega_lite(pipeline: Pipeline, ids: dict[str, str]) -> None:
    """Against the Vega-Lite 6 schema (what Streamlit draws with): a wrong property would be dropped silently."""
    schema = json.loads((importlib.resources.files("altair") / "vegalite/v6/schema/vega-lite-schema.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    for lang in ("en", "zh"):
        spec = _trace(pipeline, "lot", ids["lot"], lang=lang).chart
        assert spec is not None
        for layout in (spec, phone_chart(spec)):
            assert [e.message for e in validator.iter_errors(layout)] == []
    assert spec is not None
    broken = copy.deepcopy(spec)
    broken["layer"][0]["mark"]["nonsense"] = 1
    assert list(validator.iter_errors(broken))
