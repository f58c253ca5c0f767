"""Turn a trace into the one Answer object every surface renders."""

from __future__ import annotations

import re

from assistant.core.errors import ClarificationNeeded
from assistant.explain.answer import Answer, Provenance
from assistant.explain.trace import words
from assistant.explain.trace.chart import trace_chart
from assistant.explain.trace.impact import impact_sentence
from assistant.explain.trace.tally import apply_tally
from assistant.plan.choices import choice
from assistant.plan.types import TraceRequest
from assistant.sql.trace.result import TraceResult
from semantic_layer.genealogy import GenealogyGraph
from semantic_layer.layer import Layer

MAX_SUGGESTED = 3  # a reached level is offered as a next trace when it holds this many nodes or fewer
MAX_SUGGESTIONS = 2


def filter_members(result: TraceResult) -> list[tuple[str, str]]:
    """(dimension, key) of every member the trace was filtered by, for the caller to name."""
    return [(dim, str(value)) for dims in result.spec.filters.values()
            for dim, values in dims.items() for value in values]


def dated_sources(result: TraceResult, graph: GenealogyGraph) -> list[tuple[str, str]]:
    """(table, time column) of every reached level that is dated, for freshness."""
    out: list[tuple[str, str]] = []
    for level in result.levels:
        node = graph.node(level.node)
        if node.time_column and (node.table, node.time_column) not in out:
            out.append((node.table, node.time_column))
    return out


def _suggestions(result: TraceResult, graph: GenealogyGraph) -> list[str]:
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


def clarify_answer(question: str, request: TraceRequest, exc: ClarificationNeeded, *, lang: str,
                   planner: str, prov: Provenance) -> Answer:
    """The trace cannot start: say why, with the question re-asked for each real option."""
    typed = request.start_ids[0] if request.start_ids else None
    options: list[str] = []
    for option in exc.options[:5]:
        if typed and typed in question:
            options.append(question.replace(typed, option))
        elif typed and typed.lower() in question.lower():
            start = question.lower().index(typed.lower())
            options.append(question[:start] + option + question[start + len(typed):])
        else:
            options.append(f"{question.rstrip('?？ ')} {option}")
    answer = Answer(question, "clarify", exc.text(lang), suggestions=options, planner=planner, lang=lang,
                    provenance=prov)
    answer.extras["options"] = list(exc.options)  # the bare candidates, for pickers
    answer.extras["choices"] = [choice(o, q, o) for o, q in zip(exc.options, options, strict=False)]
    return answer


def table_code_labels(layer: Layer, tables: list[str], columns: list[str], lang: str) -> dict[str, dict[str, str]]:
    """Labels for stored codes in trace tables ('conditional' -> 'Conditional' / '让步接收'): the
    layer's value labels of a dimension kept in one of `tables` under that column."""
    out: dict[str, dict[str, str]] = {}
    for dim in layer.spec.dimensions:
        if dim.table in tables and dim.key_column in columns and dim.values and dim.key_column not in out:
            labels = {code: text for code, v in dim.values.items() if (text := v.zh if lang == "zh" else v.en)}
            if labels:
                out[dim.key_column] = labels
    return out


def trace_answer(question: str, result: TraceResult, layer: Layer, *, labels: dict[tuple[str, str], str],
                 prov: Provenance, planner: str) -> Answer:
    """The answer to a trace: summary and impact sentences, the target table, the picture, next traces.

    `labels` names the filter members ((dimension, key) -> label, see `filter_members`);
    freshness is the caller's (see `dated_sources`)."""
    lang = result.lang
    graph = layer.genealogy
    filters = words.filter_words(result, layer, graph, labels)
    message = words.summary(result, graph)
    impact = impact_sentence(result, layer, graph, labels)
    if impact:
        message += ("" if lang == "zh" else " ") + impact
    text = words.interpretation(result, graph, filters)
    if result.graph_truncated:
        text += ("（节点太多，图中只画出一部分；各层数量是完整的）" if lang == "zh"
                 else " (too many nodes to draw them all; the counts are complete)")
    prov.filters = filters
    if result.spec.time:
        prov.time_range = f"{result.spec.time[1].start} – {result.spec.time[1].end}"
    answer = Answer(question, "ok", message, interpretation=text, sql=result.sql, columns=list(result.columns),
                    rows=[list(r) for r in result.rows], truncated=result.truncated, planner=planner, lang=lang,
                    provenance=prov, suggestions=_suggestions(result, graph))
    answer.column_labels = dict(result.column_labels)
    tables = [graph.node(lv.node).table for lv in result.levels]
    answer.value_labels = {**table_code_labels(layer, tables, answer.columns, lang),
                           "level": {str(lv.index): words.level_name(lv.index, lang) for lv in result.levels}}
    levels = []
    for lv in result.levels:
        level = lv.to_json()
        level["level_name"] = words.level_name(lv.index, lang)
        level["value_labels"] = table_code_labels(layer, [graph.node(lv.node).table], level["columns"], lang)
        levels.append(level)
    answer.extras["trace"] = {
        "start": {"node": result.spec.start, "ids": list(result.spec.ids)},
        "target": result.target,
        "directions": list(result.spec.directions),
        "via": result.via,
        "time_node": result.time_node,
        "levels": levels,
        "edges": [{"from_type": u, "from": ui, "to_type": d, "to": di} for u, ui, d, di in result.links],
        "impact": result.impact,
        "graph_truncated": result.graph_truncated,
        "trace_sql": result.trace_sql,
        "statements": result.sql_count,
    }
    answer.chart = trace_chart(result, graph)
    apply_tally(answer, result, graph, answer.value_labels)  # 'by QC status, how many': the figure asked
    return answer
