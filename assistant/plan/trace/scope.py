"""A metric asked of the records a trace reaches: 'how many pieces were scrapped on the work orders that
used LOT-X', '用过这批料的工单，裂纹缺陷一共多少件', 'OEE of WO-002113'.

The question without its ids, its genealogy words and the verbs linking them is planned as any metric
question; the metric is then kept only over the records of one kind the trace reaches: the kind named
that every fact of the metric joins to, else the one nearest the start. The walk itself, and the keys it
finds, are the pipeline's: nothing here reads data.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.core.text import fold, has_cjk
from assistant.plan.query import Filter, SemanticQuery
from assistant.plan.trace.detect import _parse, _Parsed, detect_trace
from assistant.plan.trace.mentions import Mention, vocab_for
from assistant.plan.trace.targets import target_named
from assistant.plan.types import Plan, PlanContext, TraceRequest
from semantic_layer.genealogy import GenealogyGraph
from semantic_layer.layer import Layer

_LINKS = ("strong", "relation", "backward", "forward", "demonstrative", "which")


def walk_plan(question: str, ctx: PlanContext, said: str, planner: str, plan_rest: Callable[[str], Plan],
              notes: list[str]) -> Plan | None:
    """A trace plan, a figure over the records one reaches, or None (no genealogy question)."""
    trace = detect_trace(question, ctx, said=said)
    # 'scrap on the work orders that used lot X'
    if (trace is None or trace.tally is None) and \
            (scoped := figure_over_trace(question, ctx, plan_rest, traced=trace is not None)) is not None:
        return scoped
    return None if trace is None else Plan(kind="trace", planner=planner, trace=trace, notes=notes)


def figure_over_trace(question: str, ctx: PlanContext, plan_rest: Callable[[str], Plan], *,
                      traced: bool = False) -> Plan | None:
    """A query plan (the start's own records) or a trace plan with a figure, else None. `traced`: the
    question already reads as a walk; only a metric's own words beside it ask a figure instead."""
    layer, graph = ctx.layer, ctx.layer.genealogy
    if graph.empty or not layer.record_dimensions or len(fold(question)) != len(question):
        return None
    p = _parse(question, ctx)
    ids = [m for m in p.ids if m.node and graph.walkable(m.node)]
    if not ids or len({m.node for m in ids}) != 1 or len(ids) != len(p.ids):
        return None
    if (traced and not _asks_a_metric(p, graph)) or target_named(p, graph, has_cjk(p.text)) is not None:
        return None  # 'CC-1对应的工单产出了哪些批次': which records, asked of the walk
    start = ids[0].node or ""
    words = [w for w in p.words if w.kind == "node" and w.node and graph.walkable(w.node)]
    spans = [(m.start, m.end) for m in ids] + [(w.start, w.end) for w in words] + _id_labels(p.text, ids, ctx)
    spans += [(s, e) for kind in _LINKS for s, e, _ in p.spans.get(kind, [])]
    chars = list(question)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    plan = plan_rest(" ".join("".join(chars).split()))
    query = plan.query
    start_ids = list(dict.fromkeys(m.value or "" for m in ids))
    counts = {layer.count_metric(n.table) for n in graph.nodes.values()}
    # 'status of complaint CC-00070': nothing else asked (a question back with no metric to offer, a refusal
    # naming no word: 'approve CC-1 for rework' names one and stays refused), or only how many of them (1),
    # is the records themselves; not when another kind is named ('LOT-1做出来的成品批次里哪几批还hold着' asks
    # of the batches, 'LOT-1在哪条线上用掉的' of a line)
    unread = (plan.kind == "clarify" and not plan.suggestions) or (plan.kind == "refuse" and not plan.not_understood)
    if unread or (query is not None and bool(counts & set(query.metrics))):
        others = any(w.kind == "node" and w.node != start for w in p.words)
        return None if traced or others else _records(layer, start, start_ids, plan.planner, ctx.lang)
    if plan.kind != "query" or query is None or not query.metrics or query.records:
        return None
    named = [w.node for w in words if w.node != start]
    if any(_EACH_BEFORE.search(p.text, max(0, w.start - 10), w.start) and not _reached_by(layer, w.node, query.metrics)
           for w in words):
        return None  # 'went to each customer': a breakdown the figure cannot take is not dropped
    node = _node_for(layer, graph, start, named, query.metrics)
    if node is None:
        return None
    if node == start:  # 'scrap on WO-002113': the start's own records, no walk
        own = Filter(field=layer.record_dimensions[start].name, op="in", values=start_ids)
        plan.query = query.model_copy(update={"filters": [*query.filters, own]})
        return plan
    request = TraceRequest(start_node=start, start_ids=start_ids, direction=graph.relation(start, node) or "both",
                           target_node=node, figure=query)
    return Plan(kind="trace", planner=plan.planner, trace=request, notes=plan.notes)


def _asks_a_metric(p: _Parsed, graph: GenealogyGraph) -> bool:
    """A walk's question asks a figure only by a metric's own words: 'which work order produced the batch'
    asks records ('produced' dates the batch), 'how many were scrapped on the WOs that used lot X' a figure."""
    if p.spans.get("who") or target_named(p, graph, has_cjk(p.text)) is not None:
        return False
    verbs = {(s, e) for s, e, _ in p.spans.get("time_word", [])}
    return any((s, e) not in verbs for s, e, _ in p.spans.get("metric", []))


def _records(layer: Layer, node: str, ids: list[str], planner: str, lang: str) -> Plan | None:
    dim = layer.record_dimensions.get(node)
    table = layer.genealogy.node(node).table
    if dim is None or not layer.tables[table].primary_key:
        return None
    own = Filter(field=dim.name, op="in", values=ids)
    return Plan(kind="query", planner=planner, query=SemanticQuery(records=table, filters=[own], locale=lang))


def _id_labels(text: str, ids: list[Mention], ctx: PlanContext) -> list[tuple[int, int]]:
    """'lot' in 'lot LOT-1', '客诉' in '客诉CC-1': the word that says what the id is, said with it."""
    forms = vocab_for(ctx.layer, ctx.values).node_forms
    out = []
    for m in ids:
        before = text[:m.start].rstrip(" :：#")
        form = next((f for f, node in forms if node == m.node and before.endswith(f)), None)
        if form is not None:
            out.append((len(before) - len(form), len(before)))
    return out


_EACH_BEFORE = re.compile(r"(?:\beach|\bper|\bby|\bevery|各|每个?|按|分)\s*$", re.I)


def _reached_by(layer: Layer, node: str | None, metrics: list[str]) -> bool:
    dim = layer.record_dimensions.get(node or "")
    return dim is not None and all(layer.reaches(m, dim.name) for m in metrics)


def _node_for(layer: Layer, graph: GenealogyGraph, start: str, named: list[str | None],
              metrics: list[str]) -> str | None:
    """The kind of record the figure is kept over: one named that the metric reaches, else the start,
    else the nearest kind it reaches (upstream or downstream of the start)."""
    def reaches(node: str | None) -> bool:
        return _reached_by(layer, node, metrics)

    said = [n for n in named if reaches(n)]
    if said:
        return said[-1]
    if reaches(start):
        return start
    near = [n for n in graph.nodes if n != start and graph.walkable(n) and reaches(n) and graph.relation(start, n)]
    if not near:
        return None
    return min(near, key=lambda n: (abs(graph.order[n] - graph.order[start]), graph.order[n] < graph.order[start]))
