"""The impact sentence of a forward trace: the affected nodes, shipped or still in the plant,
who to tell; built from the figures (`assistant.sql.trace.impact`) and the layer's labels, in
English or Simplified Chinese."""

from __future__ import annotations

from typing import Any

from assistant.core.units import format_value
from assistant.sql.trace.delivery import window_start
from assistant.sql.trace.result import TraceResult
from semantic_layer.genealogy import GenealogyGraph
from semantic_layer.layer import Layer


def value_label(layer: Layer, table: str, column: str, value: Any, lang: str) -> str:
    """A coded value in words ('on_hold' -> 'On hold' / '冻结') from the layer's dimension labels."""
    for dim in layer.spec.dimensions:
        if dim.table == table and dim.key_column == column:
            declared = dim.values.get(str(value))
            if declared is not None:
                text = declared.zh if lang == "zh" else declared.en
                if text:
                    return text
    return str(value).replace("_", " ")


def _conditions(result: TraceResult, layer: Layer, node_name: str,
                labels: dict[tuple[str, str], str]) -> tuple[list[str], str]:
    """(member conditions, date condition) of the question's filter on the delivery node, in words."""
    zh = result.lang == "zh"
    members: list[str] = []
    for dim_name, values in result.spec.filters.get(node_name, {}).items():
        if not values:
            continue
        dim = layer.dimension(dim_name)
        shown = [labels.get((dim_name, str(v)), str(v)) for v in values]
        members.append(f"{dim.label.zh}为{' 或 '.join(shown)}" if zh
                       else f"with {dim.label.en.lower()} {' or '.join(shown)}")
    when = ""
    if result.spec.time and result.spec.time[0] == node_name:
        first, last = result.spec.time[1].start, result.spec.time[1].end
        if window_start(result.spec, node_name) is None:
            when = f"{last} 及之前" if zh else f"up to {last}"
        else:
            when = f"{first} 至 {last} " if zh else f"between {first} and {last}"
    return members, when


def _filtered_parts(result: TraceResult, layer: Layer, graph: GenealogyGraph, split: dict[str, Any],
                    labels: dict[tuple[str, str], str]) -> list[str]:
    """'0 shipped between 2025-12-02 and 2025-12-31', '3 shipped earlier', ... (zero parts left out,
    except the one matching the filter, which is what the question asked about)."""
    zh = result.lang == "zh"
    node = graph.node(split["node"])
    members, when = _conditions(result, layer, split["node"], labels)
    matching, earlier, other = (split[k]["count"] for k in ("matching", "earlier", "other"))
    if zh:
        if members:
            what = "，".join([*members, *([when.strip()] if when else [])])
            parts = [f"{what}的{node.label.zh}涉及 {matching} 个"]
        else:
            parts = [f"{when}发出 {matching} 个"]
        if earlier:
            parts.append(f"更早发出 {earlier} 个")
        if other:
            parts.append(f"其他{node.label.zh}涉及 {other} 个" if members else f"之后发出 {other} 个")
        return parts
    parts = [" ".join([f"{matching} shipped", *members, *([when] if when else [])])]
    if earlier:
        parts.append(f"{earlier} shipped earlier")
    if other:
        parts.append(f"{other} in other {node.plural_label('en')}" if members else f"{other} shipped later")
    return parts


def impact_sentence(result: TraceResult, layer: Layer, graph: GenealogyGraph,
                    labels: dict[tuple[str, str], str] | None = None) -> str:
    impact = result.impact
    if not impact or not impact.get("count"):
        return ""
    lang, labels = result.lang, labels or {}
    zh = lang == "zh"
    node = graph.node(impact["node"])
    qty = format_value(impact.get("quantity") or 0, layer.unit("count"), lang)
    shipped, kept = impact["shipped"], impact["not_shipped"]
    kept_words = layer.spec.genealogy.impact.kept
    held: list[str] = []
    if node.status_column:
        for key, v in sorted(kept["by_status"].items()):
            if v["count"]:
                word = value_label(layer, node.table, node.status_column, key, lang)
                held.append(f"{word} {v['count']} 个" if zh else f"{v['count']} {word[:1].lower()}{word[1:]}")
    split = impact.get("delivery_filter")
    parts = (_filtered_parts(result, layer, graph, split, labels) if split
             else [f"已发出 {shipped['count']} 个" if zh else f"{shipped['count']} shipped"])
    if zh:
        parts.append(f"{kept_words.zh} {kept['count']} 个" + (f"（{'，'.join(held)}）" if held else ""))
    else:
        parts.append(f"{kept['count']} {kept_words.en}" + (f" ({', '.join(held)})" if held else ""))
    names = [c["name"] for c in impact.get("notify", [])]
    notify_label = impact.get("notify_label", "")
    if zh:
        text = f"影响：{impact['count']} 个{node.label.zh}，共 {qty} 件；{'，'.join(parts)}"
        if names:
            text += f"；需通知的{notify_label}：{'、'.join(names)}"
        return text + "。"
    plural = node.label.en if impact["count"] == 1 else node.plural_label("en")
    text = f"Impact: {impact['count']} {plural} ({qty} parts): {', '.join(parts)}"
    if names:
        text += f"; {notify_label} to notify: {', '.join(names)}"
    return text + "."
