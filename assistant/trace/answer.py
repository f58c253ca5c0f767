"""Turn a trace into the one Answer object every surface renders."""

from __future__ import annotations

import time
from typing import Any

from assistant.answer import Answer, Provenance
from assistant.errors import FactoryAssistantError
from assistant.planning import Plan, TraceRequest
from assistant.trace import words
from assistant.trace.chart import trace_chart
from assistant.trace.graph import TypeGraph
from assistant.trace.model import TraceInputError, TraceResult
from assistant.trace.run import run_trace


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


def _suggestions(result: TraceResult) -> list[str]:
    """Natural next questions: from a complaint back to its material, from a lot on to customers."""
    zh = result.lang == "zh"
    out: list[str] = []
    complaint = result.level("complaint")
    if complaint and complaint.index > 0 and 0 < complaint.count <= 3:
        cid = complaint.ids[0] if complaint.ids else ""
        out.append(f"客诉 {cid} 的批次用了哪些物料批次？" if zh else f"Which material lots went into the batch of complaint {cid}?")
    lot = result.level("lot")
    if lot and lot.index < 0 and 0 < lot.count <= 3 and lot.ids:
        out.append(f"物料批次 {lot.ids[0]} 做的零件发给了哪些客户？" if zh
                   else f"Which customers received parts made with lot {lot.ids[0]}?")
    return out


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
    impact = words.impact_sentence(result, pipeline.layer, graph)
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
                    provenance=prov, suggestions=_suggestions(result))
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
