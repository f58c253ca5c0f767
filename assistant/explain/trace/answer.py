"""Turn a trace into the one Answer object every surface renders."""

from __future__ import annotations

import re
import time
from typing import Any

from assistant.explain.answer import Answer, Provenance
from assistant.core.errors import FactoryAssistantError
from assistant.plan.types import Plan, TraceRequest
from assistant.explain.trace import words
from assistant.explain.trace.chart import trace_chart
from semantic_layer.genealogy import TypeGraph
from assistant.explain.trace.impact import impact_sentence
from assistant.sql.trace.result import TraceInputError, TraceResult
from assistant.sql.trace.walk import run_trace

MAX_SUGGESTED = 3  # a reached level is offered as a next trace when it holds this many nodes or fewer
MAX_SUGGESTIONS = 2


def _value_labels(pipeline: Any, result: TraceResult) -> dict[tuple[str, str], str]:
    """(dimension, key) -> label in the answer's language, from the value catalogue."""
    labels: dict[tuple[str, str], str] = {}
    try:
        catalogue = pipeline.values
    except FactoryAssistantError:  # the catalogue is a nicety; a failing lookup must not sink the answer
        return labels
    for dims in result.spec.filters.values():
        for dim, values in dims.items():
            for value in values:
                member = catalogue.find(dim, str(value))
                if member is not None:
                    labels[(dim, str(value))] = member.label(result.lang)
    return labels


def _suggestions(result: TraceResult, graph: TypeGraph) -> list[str]:
    """Next traces worth running, all from the layer: a reached node whose type declares an id
    pattern (so the question routes back as a trace), named by the type's own label, with a real
    id the trace read. Side findings come first (a complaint met on the way), then the far end of
    each walked chain, stepping back towards the start while a level holds too many nodes. Types
    at the edge of the genealogy (nothing before or nothing after them) gather everything of their
    kind, so tracing one is rarely the next step: they are not offered."""
    zh = result.lang == "zh"
    levels = {lv.node: lv for lv in result.levels}
    up, down = words.chains(result, graph)
    side = [lv.node for lv in result.levels if lv.node not in {result.spec.start, *up, *down}]
    out: list[str] = []
    for candidates in (side, up[::-1], down[::-1]):
        for name in candidates:
            level, node = levels.get(name), graph.nodes.get(name)
            if level is None or node is None or not node.id_pattern or not graph.walkable(name) \
                    or not 0 < level.count <= MAX_SUGGESTED \
                    or not (graph.neighbours(name, "forward") and graph.neighbours(name, "backward")):
                continue
            pattern = re.compile(node.id_pattern, re.IGNORECASE | re.ASCII)
            ids = [i for i in level.ids if i not in level.missing and pattern.search(i)]
            if ids:
                out.append(f"追溯{node.label.zh} {ids[0]}" if zh else f"Trace {node.label.en} {ids[0]}")
                break
    return list(dict.fromkeys(out))[:MAX_SUGGESTIONS]


def _options(question: str, request: TraceRequest, exc: TraceInputError) -> list[str]:
    """Clickable re-asks: the question with the typed id replaced by real ones."""
    typed = request.start_ids[0] if request.start_ids else None
    out: list[str] = []
    for option in exc.options[:5]:
        if typed and typed in question:
            out.append(question.replace(typed, option))
        elif typed and typed.lower() in question.lower():
            start = question.lower().index(typed.lower())
            out.append(question[:start] + option + question[start + len(typed):])
        else:
            out.append(f"{question.rstrip('?？ ')} {option}")
    return out


def build_answer(pipeline: Any, question: str, result: TraceResult, prov: Provenance, *, planner: str) -> Answer:
    lang = result.lang
    graph = TypeGraph(pipeline.layer)
    labels = _value_labels(pipeline, result)
    filters = words.filter_words(result, pipeline.layer, graph, labels)
    message = words.summary(result, graph)
    impact = impact_sentence(result, pipeline.layer, graph, labels)
    if impact:
        message += ("" if lang == "zh" else " ") + impact
    text = words.interpretation(result, graph, filters)
    if result.graph_truncated:
        text += ("（节点太多，图中只画出一部分；各层数量是完整的）" if lang == "zh"
                 else " (too many nodes to draw them all; the counts are complete)")
    prov.filters = filters
    if result.spec.time:
        prov.time_range = f"{result.spec.time[1]} – {result.spec.time[2]}"
    dated = [(graph.node(lv.node).table, graph.node(lv.node).time_column) for lv in result.levels
             if graph.node(lv.node).time_column]
    try:
        prov.freshness = pipeline.freshness([(t, c) for t, c in dated if c])
    except (FactoryAssistantError, AttributeError):
        prov.freshness = {}
    answer = Answer(question, "ok", message, interpretation=text, sql=result.sql, columns=list(result.columns),
                    rows=[list(r) for r in result.rows], truncated=result.truncated, planner=planner, lang=lang,
                    provenance=prov, suggestions=_suggestions(result, graph))
    answer.column_labels = dict(result.column_labels)
    answer.extras["trace"] = {
        "start": {"node": result.spec.start, "ids": list(result.spec.ids)},
        "target": result.target,
        "directions": list(result.spec.directions),
        "via": result.via,
        "time_node": result.time_node,
        "levels": [lv.to_json() for lv in result.levels],
        "edges": [{"from_type": u, "from": ui, "to_type": d, "to": di} for u, ui, d, di in result.links],
        "impact": result.impact,
        "graph_truncated": result.graph_truncated,
        "trace_sql": result.trace_sql,
        "statements": result.sql_count,
    }
    answer.chart = trace_chart(result, graph)
    return answer


def answer_trace(pipeline: Any, question: str, plan: Plan, prov: Provenance | None,
                 timings: dict[str, float] | None, *, lang: str = "en") -> Answer:
    """Answer a traceability question (called by Pipeline.execute_plan for plan.kind == 'trace')."""
    prov = prov if prov is not None else Provenance()
    timings = timings if timings is not None else {}
    request = plan.trace
    if request is None:
        return Answer(question, "error", "没有可执行的追溯请求。" if lang == "zh" else "There is no trace to run.",
                      planner=plan.planner, lang=lang, provenance=prov)
    t0 = time.perf_counter()
    try:
        result = run_trace(pipeline, request, lang)
    except TraceInputError as exc:
        return Answer(question, "clarify", exc.text(lang), suggestions=_options(question, request, exc),
                      planner=plan.planner, lang=lang, provenance=prov)
    except FactoryAssistantError as exc:
        return Answer(question, "error", str(exc), sql=getattr(exc, "sql", None), planner=plan.planner,
                      lang=lang, provenance=prov)
    timings["execute"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    answer = build_answer(pipeline, question, result, prov, planner=plan.planner)
    timings["answer"] = (time.perf_counter() - t0) * 1000
    answer.timings_ms = dict(timings)
    return answer
