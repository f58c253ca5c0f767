"""Run a TraceRequest: resolve it against the genealogy, walk, and fetch the tables.

Every statement is a sqlglot tree handed to the `run` callable the pipeline passes in (its
guard, then its read-only executor), so traces work wherever the pipeline works and this
module never holds a connection.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Protocol

from assistant.core.errors import ClarificationNeeded
from assistant.plan.types import TraceRequest
from assistant.sql.executor import QueryResult
from assistant.sql.trace.attribute import (
    attribute_columns,
    attribute_labels,
    host_of,
)
from assistant.sql.trace.cache import CachedTraceCompiler, trace_compiler
from assistant.sql.trace.impact import impact_figures
from assistant.sql.trace.levels import chain_table, column_labels, parse_rows
from assistant.sql.trace.result import TraceLevel, TraceResult
from assistant.sql.trace.statements import TraceCompiler, WalkSpec
from semantic_layer.genealogy import Direction, GenealogyGraph
from semantic_layer.layer import Layer
from semantic_layer.models import GenealogyEdge

LEVEL_ROWS = 200  # detail rows fetched per non-target level (the counts are always exact)


class RunSQL(Protocol):
    """Guard then execute one statement (the pipeline's `run_sql`)."""

    def __call__(self, sql: Any, /, *, limit: int | None = None) -> QueryResult: ...


@dataclass(frozen=True)
class _Walker:
    """What every step of a trace shares: the layer, its statements and the runner."""

    layer: Layer
    run: RunSQL

    @property
    def graph(self) -> GenealogyGraph:
        return self.layer.genealogy

    @cached_property
    def compiler(self) -> CachedTraceCompiler:
        return trace_compiler(self.layer)  # kept per layer: a repeated trace is not built again


# A context target (a line) answered through its host: (context type, edge to the host, host type).
_Attribute = tuple[str, GenealogyEdge, str]


@dataclass
class _Answer:
    """The table a trace answers with, the statement shown for it, and how many statements ran."""

    sql: str
    truncated: bool = False
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    sql_count: int = 1


def _check_nodes(graph: GenealogyGraph, request: TraceRequest) -> None:
    names = [request.start_node, *([request.target_node] if request.target_node else []),
             *request.node_filters, *([request.time_node] if request.time_node else [])]
    for name in names:
        if name not in graph.nodes:
            walkable = ", ".join(n for n in graph.nodes if graph.walkable(n))
            raise ClarificationNeeded(f"A trace cannot use '{name}'; it can start from or reach: {walkable}.",
                                  f"追溯不支持“{name}”；可用的对象：{walkable}。")
    if not graph.walkable(request.start_node):
        node = graph.nodes[request.start_node]
        hosts = [graph.node(h) for h in dict.fromkeys(h for _, h in graph.hosts(request.start_node))]
        en = " or ".join(h.plural_label("en") for h in hosts)
        zh = "或".join(h.label.zh for h in hosts)
        raise ClarificationNeeded(
            f"A trace cannot start from a {node.label.en}; it is shown as context."
            + (f" Ask about its {en}." if hosts else ""),
            f"追溯不能从{node.label.zh}开始（它只作为背景信息显示）" + (f"，请改问它的{zh}。" if hosts else "。"))


def _directions(graph: GenealogyGraph, request: TraceRequest) -> tuple[Direction, ...]:
    if request.target_node and request.target_node != request.start_node:
        relation = graph.relation(request.start_node, request.target_node)
        if relation is not None:
            return (relation,)
    return ("forward", "backward") if request.direction == "both" else (request.direction,)


def _time_node(graph: GenealogyGraph, request: TraceRequest, directions: tuple[Direction, ...]) -> str | None:
    """The node the time range dates: as asked, else the start, else the nearest dated one."""
    if request.time_range is None:
        return None
    if request.time_node and graph.nodes[request.time_node].time_column:
        return request.time_node
    if graph.nodes[request.start_node].time_column:
        return request.start_node
    chain = graph.path(request.start_node, request.target_node, directions[0]) if request.target_node else []
    for name in chain:
        if graph.nodes[name].time_column:
            return name
    dist = graph.levels(request.start_node, list(directions))
    dated = sorted((abs(d), graph.order[n], n) for n, d in dist.items() if graph.nodes[n].time_column)
    return dated[0][2] if dated else None


def _spec(graph: GenealogyGraph, request: TraceRequest, start: str, ids: list[str],
          directions: tuple[Direction, ...], time_node: str | None) -> WalkSpec:
    filters = {k: dict(v) for k, v in request.node_filters.items()}
    if request.start_filters:
        filters.setdefault(request.start_node, {}).update(request.start_filters)
    time = (time_node, request.time_range) if time_node and request.time_range else None
    skip: set[tuple[str, str]] = set()
    target = request.target_node
    if target and target != start and len(directions) == 1 and graph.relation(start, target) == directions[0]:
        chain = graph.path(start, target, directions[0])
        for edge, came in graph.neighbours(target, "backward" if directions[0] == "forward" else "forward"):
            if came not in chain:
                skip.add((edge.upstream, edge.downstream))
    return WalkSpec(start=start, ids=tuple(dict.fromkeys(str(i) for i in ids)),
                    filters={k: {d: list(v) for d, v in f.items()} for k, f in filters.items()},
                    time=time, directions=directions, max_depth=graph.spec.max_depth,
                    latest=request.latest if start == request.start_node and not ids else None,
                    skip=frozenset(skip))


def _reached_ids(w: _Walker, compiler: TraceCompiler, spec: WalkSpec, node: str) -> list[str]:
    rows = w.run(compiler.trace_statement(spec)).rows
    return sorted({str(r[3]) for r in rows if r[1] == "node" and r[2] == node})


def _missing_start(w: _Walker, compiler: TraceCompiler, graph: GenealogyGraph,
                   request: TraceRequest) -> ClarificationNeeded:
    node = graph.node(request.start_node)
    typed = request.start_ids[0] if request.start_ids else None
    similar = [str(r[0]) for r in w.run(compiler.similar_ids(node, typed)).rows]
    if not similar and typed:
        similar = [str(r[0]) for r in w.run(compiler.similar_ids(node, None)).rows]
    shown = ", ".join(request.start_ids) if request.start_ids else ""
    hint_en = f" Did you mean {', '.join(similar)}?" if similar else ""
    hint_zh = f"您是否要找：{'、'.join(similar)}？" if similar else ""
    if shown:
        en = f"No {node.label.en} with id {shown} was found (with the filters asked for).{hint_en}"
        zh = f"没有找到编号为 {shown} 的{node.label.zh}（或它不满足所问的条件）。{hint_zh}"
    else:
        en = f"No {node.label.en} matches what was asked.{hint_en}"
        zh = f"没有符合条件的{node.label.zh}。{hint_zh}"
    return ClarificationNeeded(en, zh, options=similar)


def _seed(w: _Walker, compiler: TraceCompiler, graph: GenealogyGraph, request: TraceRequest,
          lang: str) -> tuple[str, list[str], tuple[Direction, ...], str | None]:
    """Where the walk really starts: (start type, ids, directions, via type)."""
    ids = list(request.start_ids)
    if not ids and request.context is not None:
        earlier = _walk(w, request.context, lang)
        level = earlier.level(request.start_node)
        ids = level.ids if level else []
        if not ids:
            node = graph.node(request.start_node)
            raise ClarificationNeeded(f"The previous answer reached no {node.label.en}; which one do you mean?",
                                  f"上一个回答里没有涉及{node.label.zh}，请给出具体编号。")
    directions = _directions(graph, request)
    target = request.target_node
    if not target or target == request.start_node or graph.relation(request.start_node, target):
        return request.start_node, ids, directions, None
    # A sibling (a complaint about a shipment's batch): go up to the nearest common source, then down.
    ups = graph.distances(request.start_node, "backward")
    common = sorted((d, graph.order[n], n) for n, d in ups.items() if target in graph.distances(n, "forward"))
    if not common:
        t = graph.node(target)
        s = graph.node(request.start_node)
        raise ClarificationNeeded(
            f"{t.plural_label('en').capitalize()} are not linked to {s.plural_label('en')} in the genealogy.",
            f"在追溯关系中，{t.label.zh}与{s.label.zh}没有关联。")
    via = common[0][2]
    up_spec = _spec(graph, request, request.start_node, ids, ("backward",), None)
    seeds = _reached_ids(w, compiler, up_spec, via)
    return via, seeds, ("forward",), via


def run_trace(layer: Layer, run: RunSQL, request: TraceRequest, lang: str = "en") -> TraceResult:
    """Walk the genealogy of `layer` for `request`, running every statement through `run`;
    raises ClarificationNeeded when the start is unclear."""
    return _walk(_Walker(layer, run), request, lang)


def _walk(w: _Walker, request: TraceRequest, lang: str) -> TraceResult:
    started = time.perf_counter()
    graph = w.graph
    if graph.empty:
        raise ClarificationNeeded("This data has no links between lots, batches and orders, so nothing can be traced.",
                                  "当前数据没有批次、物料和订单之间的关联，无法追溯。")
    _check_nodes(graph, request)
    compiler = w.compiler
    asked = request
    request, attribute = _through_host(graph, request)
    start, ids, directions, via = _seed(w, compiler, graph, request, lang)
    time_node = _time_node(graph, request, directions)
    spec = _spec(graph, request, start, ids, directions, time_node)
    _check_start_given(w, request, spec, start, via)
    result = w.run(compiler.trace_statement(spec))
    levels, links, impact_rows = parse_rows(graph, spec, result.rows, lang)
    start_level = next((lv for lv in levels if lv.node == start), None)
    if start_level is None or start_level.count == 0:
        raise _missing_start(w, compiler, graph, request)
    target = request.target_node
    answer = _Answer(sql=result.sql)
    _fetch_level_rows(w, spec, levels, target, lang, answer)
    answer.sql_count += _name_context(w, compiler, graph, levels, lang)
    if attribute is not None:
        _attribute_table(w, spec, attribute, lang, answer)
    elif target:
        _target_table(w, spec, levels, target, lang, answer)
    else:
        answer.columns, answer.rows, answer.labels = chain_table(graph, levels, lang)
    impact = impact_figures(graph, spec, levels, impact_rows)
    return TraceResult(request=asked, spec=spec, lang=lang, levels=levels, links=links, target=asked.target_node,
                       columns=answer.columns, rows=answer.rows, column_labels=answer.labels,
                       truncated=answer.truncated, graph_truncated=result.truncated, impact=impact, sql=answer.sql,
                       trace_sql=result.sql, via=via, time_node=time_node, sql_count=answer.sql_count,
                       host=attribute[2] if attribute else None, elapsed_ms=(time.perf_counter() - started) * 1000)


def _through_host(graph: GenealogyGraph, request: TraceRequest) -> tuple[TraceRequest, _Attribute | None]:
    """The request to walk, and the context target it answers through its host (if any)."""
    if not request.target_node or graph.walkable(request.target_node):
        return request, None
    # "Which line made it?": walk to the node type the line describes (work orders), answer with lines.
    edge, host = host_of(graph, request.target_node, request.start_node)
    return replace(request, target_node=host), (request.target_node, edge, host)


def _check_start_given(w: _Walker, request: TraceRequest, spec: WalkSpec, start: str, via: str | None) -> None:
    """Ask which start node is meant when nothing names or narrows it; refuse a sibling walk that found none."""
    if via is None and not spec.ids and not spec.filters and spec.time is None:
        node = w.graph.node(start)
        examples = [str(r[0]) for r in w.run(w.compiler.similar_ids(node, None)).rows]
        raise ClarificationNeeded(f"Which {node.label.en}? Give its id, e.g. {', '.join(examples[:3]) or '...'}.",
                                  f"请问是哪个{node.label.zh}？请给出编号，例如 {'、'.join(examples[:3]) or '……'}。",
                                  options=examples)
    if via is not None and not spec.ids:
        raise _missing_start(w, w.compiler, w.graph, request)


def _fetch_level_rows(w: _Walker, spec: WalkSpec, levels: list[TraceLevel], target: str | None, lang: str,
                      answer: _Answer) -> None:
    """Detail rows of every level: the whole target table, the first LEVEL_ROWS of the others."""
    for level in levels:
        node = w.graph.node(level.node)
        level.columns = w.compiler.node_columns(node, lang)
        level.column_labels = column_labels(node, level.columns, lang)
        if level.node == target:
            res = w.run(w.compiler.target_statement(spec, level.node, lang))
            answer.sql, answer.truncated = res.sql, res.truncated
            level.rows = [list(r) for r in res.rows]
        elif level.ids:
            level.rows = [list(r) for r in w.run(
                w.compiler.details_statement(node, level.ids[:LEVEL_ROWS], lang)).rows]
        else:
            continue
        answer.sql_count += 1
        found = {str(r[0]) for r in level.rows}
        shown = level.ids if level.node == target else level.ids[:LEVEL_ROWS]
        level.missing = [i for i in shown if i not in found]
        level.truncated = level.truncated or len(level.rows) + len(level.missing) < level.count


def _attribute_table(w: _Walker, spec: WalkSpec, attribute: _Attribute, lang: str, answer: _Answer) -> None:
    """The answer is the context nodes (lines) describing the reached hosts."""
    context, edge, host = attribute
    res = w.run(w.compiler.attribute_statement(spec, context, edge, host, lang))
    answer.sql_count += 1
    answer.sql, answer.truncated, answer.rows = res.sql, res.truncated, [list(r) for r in res.rows]
    answer.columns = attribute_columns(w.graph, context, host, lang)
    answer.labels = attribute_labels(w.graph, context, host, lang)


def _target_table(w: _Walker, spec: WalkSpec, levels: list[TraceLevel], target: str, lang: str,
                  answer: _Answer) -> None:
    """The answer is the target level's table (empty when the walk reached none of it)."""
    tl = next((lv for lv in levels if lv.node == target), None)
    answer.columns = tl.columns if tl else w.compiler.node_columns(w.graph.node(target), lang)
    answer.rows = tl.rows if tl else []
    answer.labels = tl.column_labels if tl else column_labels(w.graph.node(target), answer.columns, lang)
    if tl is None:  # nothing of the target was reached: still show the statement that proves it
        answer.sql = w.run(w.compiler.target_statement(spec, target, lang)).sql
        answer.sql_count += 1


def _name_context(w: _Walker, compiler: TraceCompiler, graph: GenealogyGraph, levels: list[TraceLevel],
                  lang: str) -> int:
    """Names for context ids (line 'NB-L3' -> 'Ningbo Line 3'); returns statements run."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for level in levels:
        for ctx, items in level.context.items():
            wanted[ctx].update(i["id"] for i in items[:LEVEL_ROWS])
    runs = 0
    for ctx, ctx_ids in wanted.items():
        node = graph.node(ctx)
        display = node.display_column(lang)
        if display == node.key:
            continue
        res = w.run(compiler.details_statement(node, sorted(ctx_ids), lang))
        runs += 1
        names = {str(r[0]): str(r[1]) for r in res.rows}
        for level in levels:
            for item in level.context.get(ctx, []):
                item["name"] = names.get(item["id"], item["id"])
    return runs
