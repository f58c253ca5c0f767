"""A picture of the trace: one column per level, boxes coloured by type, links as lines.

Plain Vega-Lite (a dict), so every surface can render it. A level is a distance from the start
(upstream left, downstream right); types at the same distance (shipments and complaints) share
its column, one under the other, each under its own header. A type with more than GROUP_OVER
nodes is drawn as one box ("57 shipments") so a 200-node trace stays readable.

Text cannot overlap by construction: every label has a row of its own and is cut with an
ellipsis to the width it may use, in pixels of the width actually drawn (Vega's `limit` as an
expression of `width`, so it holds in any container); the full text is in the tooltip. The
picture's model (types, nodes, links) travels in the spec's named datasets, so `phone_chart`
can lay the same picture out top to bottom for a phone, where one column per level would leave
each column a few characters wide.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from assistant.explain.trace.words import level_name
from assistant.sql.trace.result import TraceResult
from semantic_layer.genealogy import GenealogyGraph

GROUP_OVER = 20
ROW_PX = 24  # one 11 px line of text per row, with air above and below
BOX_H = 0.78  # share of a row a box fills, so boxes in consecutive rows never touch
HEADER_LINE_PX = 14
WIDE_BOX = 0.86  # share of a column a box fills; links run through the rest
WIDE_MIN_PX = 560  # narrowest drawing the wide layout is meant for (a desktop chat message)
HEADER_CHAR_PX = 6.5  # rough width of a bold 11 px Latin letter: only decides where headers wrap
NARROW_PER_ROW = 2  # boxes side by side in a phone's band
NARROW_BOX = 0.47  # share of the width one of those boxes fills
WIDE_LEGEND_PER_ROW = 4
NARROW_LEGEND_PER_ROW = 2
# Tableau 10: tells types apart for most colour-blind readers; a type keeps its colour in every trace.
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac"]
TEXT = "#262730"
MUTED = "#6b6f7b"
LINK = "#9aa0a6"


def _key(node_type: str, node_id: str) -> str:
    return f"{node_type}:{node_id}"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]  # str.capitalize would lower-case "PO" or "CNC"


def _tint(color: str, share: float = 0.8) -> str:
    """`color` mixed with white: a fill light enough for dark text, opaque so links pass under it."""
    rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in rgb)


def _wrap(text: str, max_chars: int) -> list[str]:
    """Greedy word wrap; a word longer than a line stays whole (the pixel limit then cuts it)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:2] if len(lines) <= 2 else [lines[0], " ".join(lines[1:])]


# ---------------------------------------------------------------------- the model
def _names(result: TraceResult, graph: GenealogyGraph) -> dict[str, str]:
    """key -> name, for node types that have a name column (the others are labelled by id)."""
    names: dict[str, str] = {}
    for level in result.levels:
        if graph.node(level.node).display_column(result.lang) == graph.node(level.node).key:
            continue
        for row in level.rows:
            if len(row) > 1 and row[1] is not None and str(row[1]) != str(row[0]):
                names[_key(level.node, str(row[0]))] = str(row[1])
    return names


def _pairs(result: TraceResult, graph: GenealogyGraph, grouped: set[str]) -> set[tuple[str, str]]:
    """Links between drawn boxes: a link to any member of a grouped type goes to its group box."""
    def display(node_type: str, node_id: str) -> str:
        return _key(node_type, "*") if node_type in grouped else _key(node_type, node_id)

    pairs = {(display(u, ui), display(d, di)) for u, ui, d, di in result.links}
    if result.graph_truncated:  # links were cut at the row limit: join whole groups along the genealogy
        reached = {lv.node for lv in result.levels if lv.count}
        pairs |= {(_key(e.upstream, "*"), _key(e.downstream, "*")) for e in graph.edges_within(reached)
                  if e.upstream in grouped and e.downstream in grouped}
    return pairs


def _model(result: TraceResult, graph: GenealogyGraph) -> dict[str, list[dict[str, Any]]]:
    """Groups (one per type reached), nodes (in drawing order) and links, without coordinates."""
    lang = result.lang
    grouped = {lv.node for lv in result.levels if lv.count > GROUP_OVER or len(lv.ids) < lv.count}
    names = _names(result, graph)
    pairs = _pairs(result, graph, grouped)
    ups: dict[str, list[str]] = defaultdict(list)
    for a, b in pairs:
        ups[b].append(a)
    colours = {n.name: PALETTE[i % len(PALETTE)] for i, n in enumerate(graph.spec.nodes)}
    groups: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    placed: dict[str, float] = {}  # key -> slot in its column, to put nodes next to their sources
    for index in sorted({lv.index for lv in result.levels}):
        slot = 0
        for level in (lv for lv in result.levels if lv.index == index):  # come ordered by genealogy
            node = graph.node(level.node)
            one, many = node.label.get(lang), node.plural_label(lang)
            keys = [_key(level.node, "*")] if level.node in grouped else [_key(level.node, i) for i in level.ids]

            def pull(k: str) -> float:
                ys = [placed[u] for u in ups.get(k, []) if u in placed]
                return sum(ys) / len(ys) if ys else math.inf

            keys.sort(key=lambda k: (pull(k), k))
            count = f"（{level.count}）" if lang == "zh" else f" ({level.count})"
            groups.append({"type": level.node, "level": index, "level_name": _upper_first(level_name(index, lang)),
                           "header": _upper_first(one if level.count == 1 and lang != "zh" else many) + count,
                           "legend": _upper_first(one), "color": colours[level.node]})
            for k in keys:
                node_id = k.split(":", 1)[1]
                placed[k], slot = float(slot), slot + 1
                # A group box sits under its type's header: the count is all it needs to say.
                label = (f"共 {level.count} 个" if lang == "zh" else f"all {level.count}") \
                    if node_id == "*" else names.get(k, node_id)
                nodes.append({"key": k, "group": len(groups) - 1, "type": _upper_first(one),
                              "id": "" if node_id == "*" else node_id, "label": label,
                              "count": level.count if node_id == "*" else 1, "start": level.node == result.spec.start,
                              "level_name": groups[-1]["level_name"], "stroke": colours[level.node],
                              "fill": _tint(colours[level.node]), "sw": 2.5 if level.node == result.spec.start else 1})
    shown = {n["key"] for n in nodes}
    links = [{"from": a, "to": b} for a, b in sorted(pairs) if a in shown and b in shown]
    return {"groups": groups, "nodes": nodes, "links": links}


# ---------------------------------------------------------------------- layouts
def _legend(groups: list[dict[str, Any]], per_row: int, x_max: float, top: float) -> tuple[list[dict[str, Any]], float]:
    """One entry per type present (never the whole genealogy), in rows under the picture."""
    entries = list({g["type"]: g for g in groups}.values())
    per_row = max(1, min(per_row, len(entries)))
    out = [{"x": (i % per_row) * x_max / per_row, "y": top + i // per_row + 0.5, "text": g["legend"],
            "color": g["color"]} for i, g in enumerate(entries)]
    return out, top + math.ceil(len(entries) / per_row)


def _wide(model: dict[str, list[dict[str, Any]]], lang: str) -> dict[str, Any]:
    groups, nodes = model["groups"], model["nodes"]
    columns = sorted({g["level"] for g in groups})
    n_cols = len(columns)
    max_chars = max(6, int((WIDE_MIN_PX / n_cols - 8) / HEADER_CHAR_PX))
    pos: dict[str, tuple[float, float, float]] = {}  # key -> (left, right, centre row)
    headers: list[dict[str, Any]] = []
    captions: list[dict[str, Any]] = []
    bottom = 1.0
    for col, level in enumerate(columns):
        captions.append({"x": float(col), "y": 0.2, "text": groups[[g["level"] for g in groups].index(level)]
                         ["level_name"]})
        row = 1.0
        for gi, group in enumerate(groups):
            if group["level"] != level:
                continue
            lines = [group["header"]] if lang == "zh" else _wrap(group["header"], max_chars)
            headers.append({"x": float(col), "y": row + 0.2, "text": "\n".join(lines), "tip": group["header"]})
            row += max(1.0, (len(lines) * HEADER_LINE_PX + 10) / ROW_PX)
            for n in (n for n in nodes if n["group"] == gi):
                pos[n["key"]] = (float(col), col + WIDE_BOX, row + 0.5)
                row += 1
            row += 0.4
        bottom = max(bottom, row)
    legend, rows = _legend(groups, WIDE_LEGEND_PER_ROW, float(n_cols), bottom + 0.2)

    def link(a: str, b: str) -> dict[str, float]:
        (al, ar, ay), (bl, br, by) = pos[a], pos[b]
        if bl > al:  # downstream column: from the right edge of one box to the left edge of the other
            return {"x": ar, "y": ay, "x2": bl, "y2": by}
        return {"x": (al + ar) / 2, "y": ay, "x2": (bl + br) / 2, "y2": by}

    return _spec(
        layout="wide", lang=lang, x_max=float(n_cols), rows=rows + 0.2, width=max(480, 120 * n_cols),
        model=model, pos=pos, link=link, headers=headers, captions=captions, legend=legend,
        label_px=f"{WIDE_BOX} * width / {n_cols} - 10", header_px=f"width / {n_cols} - 8",
        caption_px=f"width / {n_cols} - 8", caption_align="left",
        legend_px=f"width / {max(1, min(WIDE_LEGEND_PER_ROW, len(legend)))} - 24")


def _narrow(model: dict[str, list[dict[str, Any]]], lang: str) -> dict[str, Any]:
    groups, nodes = model["groups"], model["nodes"]
    step = 1.0 / NARROW_PER_ROW
    pos: dict[str, tuple[float, float, float]] = {}
    headers: list[dict[str, Any]] = []
    captions: list[dict[str, Any]] = []
    row, previous = 0.0, None
    for gi, group in enumerate(groups):  # groups come by level, so each level is one band
        if previous is not None:
            row += 0.6 if group["level"] != previous else 0.3  # more air between levels than within one
        if group["level"] != previous:
            captions.append({"x": 1.0, "y": row + 0.25, "text": group["level_name"]})
            previous = group["level"]
        headers.append({"x": 0.0, "y": row + 0.2, "text": group["header"], "tip": group["header"]})
        row += 1
        members = [n for n in nodes if n["group"] == gi]
        for i, n in enumerate(members):
            left = (i % NARROW_PER_ROW) * step
            pos[n["key"]] = (left, left + NARROW_BOX, row + i // NARROW_PER_ROW + 0.5)
        row += math.ceil(len(members) / NARROW_PER_ROW)
    legend, rows = _legend(groups, NARROW_LEGEND_PER_ROW, 1.0, row + 0.3)

    def link(a: str, b: str) -> dict[str, float]:
        (al, ar, ay), (bl, br, by) = pos[a], pos[b]
        down = 1 if by > ay else -1  # from the bottom of one box to the top of the next band's
        return {"x": (al + ar) / 2, "y": ay + down * BOX_H / 2, "x2": (bl + br) / 2, "y2": by - down * BOX_H / 2}

    return _spec(
        layout="narrow", lang=lang, x_max=1.0, rows=rows + 0.2, width=340, model=model, pos=pos, link=link,
        headers=headers, captions=captions, legend=legend, label_px=f"{NARROW_BOX} * width - 10",
        header_px="0.6 * width", caption_px="0.37 * width", caption_align="right",
        legend_px=f"width / {NARROW_LEGEND_PER_ROW} - 24")


# ---------------------------------------------------------------------- the spec
def _spec(*, layout: str, lang: str, x_max: float, rows: float, width: int, model: dict[str, list[dict[str, Any]]],
          pos: dict[str, tuple[float, float, float]], link: Any, headers: list[dict[str, Any]],
          captions: list[dict[str, Any]], legend: list[dict[str, Any]], label_px: str,
          header_px: str,
          caption_px: str, caption_align: str, legend_px: str) -> dict[str, Any]:
    zh = lang == "zh"
    nodes = [{**n, "x": pos[n["key"]][0], "x2": pos[n["key"]][1], "y": pos[n["key"]][2] - BOX_H / 2,
              "y2": pos[n["key"]][2] + BOX_H / 2, "yc": pos[n["key"]][2]} for n in model["nodes"]]
    links = [{**lk, **link(lk["from"], lk["to"])} for lk in model["links"]]
    x = {"field": "x", "type": "quantitative", "axis": None,
         "scale": {"domain": [0, x_max], "nice": False, "zero": False}}
    y_scale = {"domain": [0, rows], "nice": False, "zero": False, "reverse": True}

    def y(field: str = "y") -> dict[str, Any]:
        return {"field": field, "type": "quantitative", "axis": None, "scale": y_scale}

    tooltip = [{"field": "type", "title": "类型" if zh else "Type"},
               {"field": "label", "title": "名称" if zh else "Name"},
               {"field": "id", "title": "编号" if zh else "Id"},
               {"field": "level_name", "title": "层级" if zh else "Level"}]
    text = {"type": "text", "align": "left", "baseline": "middle", "fontSize": 11, "fill": TEXT}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "追溯链" if zh else "Trace",
        "width": width,
        "height": math.ceil(rows * ROW_PX),
        "autosize": {"type": "fit-x", "contains": "padding"},
        # An object, not a number: Streamlit adds its own bottom padding to an object only.
        "padding": {"left": 4, "right": 4, "top": 4, "bottom": 4},
        # SVG, not canvas: crisp text at any zoom, and text a test (or a screen reader) can find.
        "usermeta": {"embedOptions": {"renderer": "svg"}, "trace": {"layout": layout, "lang": lang}},
        "datasets": {"groups": model["groups"], "nodes": nodes, "links": links, "headers": headers,
                     "captions": captions, "legend": legend},
        # Layer names become the SVG groups' classes ("trace_legend_marks"), which tests look for.
        "layer": [
            {"name": "trace_links", "data": {"name": "links"},
             "mark": {"type": "rule", "color": LINK, "strokeWidth": 1},
             "encoding": {"x": x, "y": y(), "x2": {"field": "x2"}, "y2": {"field": "y2"}}},
            {"name": "trace_boxes", "data": {"name": "nodes"}, "mark": {"type": "rect", "cornerRadius": 3},
             "encoding": {"x": x, "x2": {"field": "x2"}, "y": y(), "y2": {"field": "y2"},
                          "fill": {"field": "fill", "type": "nominal", "scale": None},
                          "stroke": {"field": "stroke", "type": "nominal", "scale": None},
                          "strokeWidth": {"field": "sw", "type": "quantitative", "scale": None},
                          "tooltip": tooltip}},
            {"name": "trace_labels", "data": {"name": "nodes"},
             "mark": {**text, "dx": 6, "limit": {"expr": label_px},
                      "fontWeight": {"expr": "datum.start ? 'bold' : 'normal'"}},
             "encoding": {"x": x, "y": y("yc"), "text": {"field": "label"}, "tooltip": tooltip}},
            {"name": "trace_headers", "data": {"name": "headers"},
             "mark": {**text, "baseline": "top", "fontWeight": "bold", "lineHeight": HEADER_LINE_PX,
                      "lineBreak": "\n",  # not a list of lines: Streamlit sends data as Arrow, lists as text
                      "limit": {"expr": header_px}},
             "encoding": {"x": x, "y": y(), "text": {"field": "text"}, "tooltip": {"field": "tip"}}},
            {"name": "trace_levels", "data": {"name": "captions"},
             "mark": {**text, "baseline": "top", "align": caption_align, "fontSize": 10, "fill": MUTED,
                      "limit": {"expr": caption_px}},
             "encoding": {"x": x, "y": y(), "text": {"field": "text"}, "tooltip": {"field": "text"}}},
            {"name": "trace_swatches", "data": {"name": "legend"},
             "mark": {"type": "square", "size": 90, "opacity": 1, "xOffset": 6},
             "encoding": {"x": x, "y": y(), "fill": {"field": "color", "type": "nominal", "scale": None}}},
            {"name": "trace_legend", "data": {"name": "legend"},
             "mark": {**text, "dx": 16, "limit": {"expr": legend_px}},
             "encoding": {"x": x, "y": y(), "text": {"field": "text"}, "tooltip": {"field": "text"}}},
        ],
        "config": {"view": {"stroke": None}},
    }


def trace_chart(result: TraceResult, graph: GenealogyGraph) -> dict[str, Any] | None:
    """The wide picture (a column per level), or None when nothing was reached."""
    if not result.levels:
        return None
    return _wide(_model(result, graph), result.lang)


def phone_chart(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The same picture top to bottom (a band per level, boxes two abreast), from a `trace_chart` spec."""
    datasets, meta = spec.get("datasets") or {}, (spec.get("usermeta") or {}).get("trace") or {}
    if not datasets.get("groups"):
        return None
    keep = ("key", "group", "type", "id", "label", "count", "start", "level_name", "stroke", "fill", "sw")
    model = {"groups": datasets["groups"],
             "nodes": [{k: n[k] for k in keep} for n in datasets["nodes"]],
             "links": [{"from": lk["from"], "to": lk["to"]} for lk in datasets["links"]]}
    return _narrow(model, str(meta.get("lang", "en")))
