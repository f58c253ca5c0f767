"""A figure over the records a trace reached: 'how many pieces were scrapped on the work orders that used
LOT-X' is the scrap count filtered to those work orders' keys (the layer's record dimension of the node),
run through the runner's own query path: compiled, guarded and executed like any metric question.

The keys come from the walk, never from the words: a trace that reached nothing says so, and one that
reached more records than its row limit holds refuses rather than count some of them.
"""

from __future__ import annotations

from typing import Protocol

from assistant.explain.answer import Answer, Provenance
from assistant.plan.query import Filter, SemanticQuery
from assistant.plan.types import TraceRequest
from assistant.sql.trace.result import TraceResult
from semantic_layer.layer import Layer


class FigureRunner(Protocol):
    layer: Layer

    def run_query(self, query: SemanticQuery, *, question: str = "", planner: str = "api") -> Answer: ...


def answer_figure(runner: FigureRunner, question: str, request: TraceRequest, result: TraceResult, prov: Provenance,
                  *, lang: str, planner: str) -> Answer:
    assert request.figure is not None
    graph = runner.layer.genealogy
    node = request.target_node or request.start_node
    level = result.level(node)
    dim = runner.layer.record_dimensions.get(node)
    start = graph.node(request.start_node).label.get(lang)
    named = ", ".join(request.start_ids) if request.start_ids else ""
    source = f"{start} {named}".strip() if lang != "zh" else f"{start}{named}"
    label = level.label if level is not None else graph.node(node).label.get(lang)
    zh = lang == "zh"
    if dim is None:
        return Answer(question, "refused", (f"{label}不能用来筛选指标。" if zh else
                                            f"Figures cannot be filtered to the {label} a trace reaches."),
                      provenance=prov, planner=planner, lang=lang)
    if level is None or not level.ids:
        message = (f"{source}没有追溯到任何{label}，所以没有可统计的数据。" if zh else
                   f"No {label} trace back to {source}, so there is nothing to count.")
        return Answer(question, "ok", message, provenance=prov, planner=planner, lang=lang)
    if level.truncated or len(level.ids) < level.count:
        message = (f"{source}追溯到 {level.count} 个{label}，超过一次能筛选的数量；"
                   "请缩小范围（例如加上时间段）。" if zh else
                   f"{source} traces to {level.count} {label}, more than one figure can be filtered to; "
                   "narrow it down (a period, a supplier, one id).")
        return Answer(question, "refused", message, provenance=prov, planner=planner, lang=lang)
    figure = request.figure
    query = figure.model_copy(update={"filters": [*figure.filters, Filter(field=dim.name, op="in", values=level.ids)],
                                      "locale": lang})
    answer = runner.run_query(query, question=question, planner=planner)
    if answer.ok:
        scope = (f"{source}追溯到的 {level.count} 个{label}：" if zh else
                 f"Over the {level.count} {label} traced from {source}: ")
        answer.message = scope + answer.message
        answer.extras["trace_scope"] = {"start_node": request.start_node, "start_ids": list(request.start_ids),
                                        "node": node, "ids": list(level.ids), "trace_sql": result.trace_sql}
    return answer
