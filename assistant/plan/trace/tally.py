"""A figure asked at the end of a trace: 'LOT-X 做出来的成品批次，按质检状态各有几批', 'how many units
from batches made with lot X were shipped to each customer', '一共发出去多少件'.

Only language cues live here (how many, how much, by, each, 按, 各, 一共); the records counted, their
status column, quantity column and dating verbs come from the layer's genealogy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.core.text import fold
from assistant.plan.trace.mentions import Mention
from assistant.plan.types import TraceRequest, TraceTally
from semantic_layer.genealogy import GenealogyGraph
from semantic_layer.layer import Layer

AMOUNT = re.compile(r"\bhow\s+many\s+(?:finished\s+)?(?:units|pieces|pcs|parts)\b|\b(?:qty|quantity|units|pcs)\b"
                     r"|\bhow\s+much\b(?!\s+of\s+(?:it|them|this|that)\b)"
                     r"|多少件|几件|件数|数量|发了多少|发出去多少|出了多少|多少货", re.I)
_COUNT = re.compile(r"\bhow\s+many\b|\bnumber\s+of\b|\bcount\b|几批|多少批|几个|多少个|几张|各有几|分别几|各几", re.I)
_BY_BEFORE = re.compile(r"(?:\bby|\bper|\beach|\bevery|\bfor\s+each|按|各|每个|每家|每位|分)\s*(?:the\s+)?$", re.I)
_EACH = re.compile(r"\beach\b|\bper\b|\bby\b|\bevery\b|\brespectively\b|各|每个|每家|分别", re.I)
_OPENING = re.compile(r"^[^?？。.:：]{2,40}[:：]")
_TOTAL = re.compile(r"\bin\s+total\b|\btotal\b|\baltogether\b|\boverall\b|一共|总共|合计|总计|共")


def find_tally(text: str, words: Sequence[Mention], verbs: Sequence[tuple[int, int, str]], graph: GenealogyGraph,
               layer: Layer, request: TraceRequest) -> TraceTally | None:
    """The figure the words ask of the reached records, if any. `words` are the genealogy words and members
    named (left to right), `verbs` the dating verbs found with their node ('shipped' -> shipments)."""
    opening = _OPENING.match(text)  # '写8D报告要用：…': the report it is for dates no records ('报告' is no 'reported')
    if opening is not None:
        verbs = [v for v in verbs if v[0] >= opening.end()]
    by_status = _status_breakdown(text, graph, layer)
    if by_status is not None and _COUNT.search(text):
        return TraceTally(node=by_status, measure="count", by="status")
    amount = AMOUNT.search(text)
    if amount is None:
        return _count_of_target(text, words, request)
    target = request.target_node
    each = bool(target and not _TOTAL.search(text) and _EACH.search(text))
    node = _amount_node(words, verbs, graph, layer, request, amount.start() if amount else 0, each)
    if node is None:
        return None
    per = target if each and target != node else None
    if per is not None and graph.node(per).key not in _columns(graph, layer, node):
        return None  # the tallied records do not say which one they went to: keep the walk
    return TraceTally(node=node, measure="quantity", by=per)


def _count_of_target(text: str, words: Sequence[Mention], request: TraceRequest) -> TraceTally | None:
    """'…的成品批次中，被on hold扣着的有几个', 'how many of those batches are on hold': the reached records
    counted, when the count word comes after the target's own word and nothing asks for each of them."""
    target = request.target_node
    count = _COUNT.search(text)
    if target is None or count is None or _EACH.search(text, count.end()) \
            or text[count.start() - 1:count.start()] == "哪":
        return None  # '哪几批现在冻结着': which ones, listed
    said = [w for w in words if w.kind == "node" and w.node == target]
    if not said or said[-1].end > count.start():
        return None
    return TraceTally(node=target, measure="count")


def _status_breakdown(text: str, graph: GenealogyGraph, layer: Layer) -> str | None:
    """The node whose status is named after 'by', '按', '各' ('按质检状态', 'by QC status')."""
    for node in graph.nodes.values():
        if not node.status_column or not graph.walkable(node.name):
            continue
        for dim in layer.spec.dimensions:
            if dim.table != node.table or dim.key_column != node.status_column:
                continue
            for form in {fold(f) for f in (dim.label.en, dim.label.zh, *dim.synonyms.all()) if f}:
                at = text.find(form)
                if at >= 0 and _BY_BEFORE.search(text[max(0, at - 12):at]):
                    return node.name
    return None


def _amount_node(words: Sequence[Mention], verbs: Sequence[tuple[int, int, str]], graph: GenealogyGraph,
                 layer: Layer, request: TraceRequest, at: int, each: bool) -> str | None:
    """Whose quantity: the records a dating verb names ('shipped', '发出去'; per target, those that say which
    target they went to; else the verb nearest the amount), else the last named records that carry a
    quantity, else the target's."""
    dated = [(min(abs(s - at), abs(e - at)), name) for s, e, name in verbs
             if graph.node(name).quantity_column and graph.walkable(name)]
    target = request.target_node
    if each and target:
        carrying = [(d, n) for d, n in dated if graph.node(target).key in _columns(graph, layer, n)]
        if carrying:
            return min(carrying)[1]
        # 'how many pieces made from lot X went to each customer': the records that say which customer
        if (carrier := _carrier(graph, layer, request, target)) is not None:
            return carrier
    if dated:
        return min(dated)[1]
    named = [w.node for w in words if w.kind == "node" and w.node and graph.walkable(w.node)
             and graph.node(w.node).quantity_column and w.node != request.start_node]
    if named:
        return named[-1]
    target = request.target_node
    return target if target and graph.node(target).quantity_column else None


def _carrier(graph: GenealogyGraph, layer: Layer, request: TraceRequest, target: str) -> str | None:
    """The one kind of record with a quantity that names the target (of several, the one the layer says
    things leave the plant by: shipments, not the complaints that also name a customer)."""
    key = graph.node(target).key
    carrying = [n.name for n in graph.nodes.values() if n.quantity_column and graph.walkable(n.name)
                and n.name not in (target, request.start_node) and key in _columns(graph, layer, n.name)]
    delivered = graph.spec.impact.delivered_via
    if len(carrying) > 1 and delivered in carrying:
        carrying = [delivered]
    return carrying[0] if len(carrying) == 1 else None


def _columns(graph: GenealogyGraph, layer: Layer, node: str) -> set[str]:
    spec = graph.node(node)
    table = layer.tables.get(spec.table)
    return set(table.columns) if table is not None else set(spec.columns)
