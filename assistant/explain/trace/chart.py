"""A picture of the trace: nodes laid out by level, coloured by type, links as lines.

Plain Vega-Lite (a dict), so every surface can render it. A level with more than
GROUP_OVER nodes is drawn as one group node ("57 shipments") so a 200-node trace stays
readable; links are merged accordingly.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from assistant.sql.trace.result import TraceResult
from semantic_layer.genealogy import GenealogyGraph

GROUP_OVER = 20
ROW_PX = 26
COLUMN_PX = 150


def _key(node_type: str, node_id: str) -> str:
    return f"{node_type}:{node_id}"


def _positions(result: TraceResult, shown: dict[str, list[str]], grouped: set[str],
               links: list[tuple[str, str, str, str]]) -> dict[str, tuple[float, float]]:
    """x = one column per node type (upstream first), y = slot; nodes sit next to the mean
    slot of their upstream neighbours so links cross less."""
    ups: dict[str, list[str]] = defaultdict(list)
    for u_type, u_id, d_type, d_id in links:
        ups[_key(d_type, d_id)].append(_key(u_type, u_id))
    pos: dict[str, tuple[float, float]] = {}
    for column, level in enumerate(result.levels):  # levels come ordered upstream -> downstream
        keys = [_key(level.node, "*")] if level.node in grouped else [_key(level.node, i) for i in shown[level.node]]

        def pull(k: str) -> float:
            ys = [pos[u][1] for u in ups.get(k, []) if u in pos]
            return sum(ys) / len(ys) if ys else 0.0

        keys.sort(key=lambda k: (pull(k), k))
        for slot, k in enumerate(keys):
            pos[k] = (float(column), slot - (len(keys) - 1) / 2)
    return pos


def trace_chart(result: TraceResult, graph: GenealogyGraph) -> dict[str, Any] | None:
    if not result.levels:
        return None
    lang = result.lang
    grouped = {lv.node for lv in result.levels if lv.count > GROUP_OVER or len(lv.ids) < lv.count}
    shown = {lv.node: lv.ids for lv in result.levels}
    names: dict[str, str] = {}
    for level in result.levels:
        node = graph.node(level.node)
        if node.display_column(lang) == node.key:
            continue  # no name column: the id is the label
        for row in level.rows:
            if len(row) > 1 and row[1] is not None and str(row[1]) != str(row[0]):
                names[_key(level.node, str(row[0]))] = str(row[1])

    def display(node_type: str, node_id: str) -> str:
        return _key(node_type, "*") if node_type in grouped else _key(node_type, node_id)

    pairs = {(display(u, ui), display(d, di)) for u, ui, d, di in result.links}
    if result.graph_truncated:  # links were cut at the row limit: join whole groups along the genealogy
        reached = {lv.node for lv in result.levels if lv.count}
        pairs |= {(_key(e.upstream, "*"), _key(e.downstream, "*")) for e in graph.edges_within(reached)
                  if e.upstream in grouped and e.downstream in grouped}
    merged = sorted(pairs)
    collapsed = [(a.split(":", 1)[0], a.split(":", 1)[1], b.split(":", 1)[0], b.split(":", 1)[1]) for a, b in merged]
    pos = _positions(result, shown, grouped, collapsed)
    labels = {lv.node: graph.node(lv.node).label.get(lang) for lv in result.levels}
    nodes: list[dict[str, Any]] = []
    for key, (x, y) in pos.items():
        node_type, node_id = key.split(":", 1)
        level = next(lv for lv in result.levels if lv.node == node_type)
        if node_id == "*":
            text = (f"{level.count} 个{labels[node_type]}" if lang == "zh" else f"{level.count} {level.label}")
        else:
            text = names.get(key, node_id)
        nodes.append({"x": x, "y": y, "type": labels[node_type], "id": node_id if node_id != "*" else "",
                      "label": text, "count": level.count if node_id == "*" else 1,
                      "start": node_type == result.spec.start})
    edges = [{"x": pos[a][0], "y": pos[a][1], "x2": pos[b][0], "y2": pos[b][1]}
             for a, b in merged if a in pos and b in pos]
    headers = [{"x": float(i), "label": f"{labels[lv.node]} ({lv.count})"} for i, lv in enumerate(result.levels)]
    tallest = max((1 if lv.node in grouped else max(1, len(lv.ids))) for lv in result.levels)
    domain = [n.label.get(lang) for n in graph.spec.nodes]
    hidden = {"axis": None}
    x_scale = {"domain": [min(p[0] for p in pos.values()) - 0.3, max(p[0] for p in pos.values()) + 0.7]}
    y_top = (tallest - 1) / 2 + 1
    y_scale = {"domain": [-(tallest - 1) / 2 - 1.3, y_top], "reverse": True}
    title = "追溯链" if lang == "zh" else "Trace"
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "width": max(300, COLUMN_PX * len(headers)),
        "height": max(160, ROW_PX * (tallest + 2)),
        "layer": [
            {"data": {"values": edges}, "mark": {"type": "rule", "color": "#9aa0a6", "strokeWidth": 1, "opacity": 0.7},
             "encoding": {"x": {"field": "x", "type": "quantitative", "scale": x_scale, **hidden},
                          "y": {"field": "y", "type": "quantitative", "scale": y_scale, **hidden},
                          "x2": {"field": "x2"}, "y2": {"field": "y2"}}},
            {"data": {"values": nodes},
             "mark": {"type": "circle", "opacity": 1, "stroke": "#333", "strokeWidth": 0.5},
             "encoding": {
                 "x": {"field": "x", "type": "quantitative", "scale": x_scale, **hidden},
                 "y": {"field": "y", "type": "quantitative", "scale": y_scale, **hidden},
                 "color": {"field": "type", "type": "nominal", "scale": {"domain": domain, "scheme": "tableau10"},
                           "title": "类型" if lang == "zh" else "Type"},
                 "size": {"field": "count", "type": "quantitative", "scale": {"type": "sqrt", "range": [60, 700]},
                          "legend": None},
                 "tooltip": [{"field": "type", "title": "类型" if lang == "zh" else "Type"},
                             {"field": "id", "title": "编号" if lang == "zh" else "Id"},
                             {"field": "label", "title": "名称" if lang == "zh" else "Name"},
                             {"field": "count", "title": "数量" if lang == "zh" else "Count"}]}},
            {"data": {"values": nodes}, "mark": {"type": "text", "align": "left", "dx": 13, "fontSize": 10},
             "encoding": {"x": {"field": "x", "type": "quantitative", "scale": x_scale, **hidden},
                          "y": {"field": "y", "type": "quantitative", "scale": y_scale, **hidden},
                          "text": {"field": "label"}}},
            {"data": {"values": [{**h, "y": -(tallest - 1) / 2 - 1.0} for h in headers]},
             "mark": {"type": "text", "fontWeight": "bold", "fontSize": 11, "align": "center"},
             "encoding": {"x": {"field": "x", "type": "quantitative", "scale": x_scale, **hidden},
                          "y": {"field": "y", "type": "quantitative", "scale": y_scale, **hidden},
                          "text": {"field": "label"}}},
        ],
        "config": {"view": {"stroke": None}},
    }
