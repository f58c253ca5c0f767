"""Statements built once and handed out again (issue 17, point 2): the compiler's and the trace
walk's trees are frozen, the guard renders a frozen tree once, and a repeat gives the same SQL
and the same rows as a statement built afresh."""

from __future__ import annotations

import pytest
from sqlglot import exp

from assistant.plan.query import SemanticQuery
from assistant.plan.types import TraceRequest
from assistant.sql.compiler import Compiler
from assistant.sql.frozen import freeze, is_frozen, render
from assistant.sql.guard import Guard
from assistant.sql.trace.cache import CachedTraceCompiler, trace_compiler
from assistant.sql.trace.statements import TraceCompiler, WalkSpec

SCHEMA = {"t_orders": {"id": "INTEGER", "qty": "DOUBLE", "customer": "VARCHAR"}}


def test_a_frozen_tree_is_rendered_once_per_dialect(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = freeze(exp.select("customer").from_("t_orders"))
    first = render(tree, "duckdb")
    monkeypatch.setattr(type(tree), "sql", lambda *_a, **_k: pytest.fail("rendered twice"))
    assert render(tree, "duckdb") == first == "SELECT customer FROM t_orders"


def test_a_tree_that_is_not_frozen_is_rendered_as_it_stands_now() -> None:
    tree = exp.select("customer").from_("t_orders")
    assert render(tree, "duckdb") == "SELECT customer FROM t_orders"
    tree.where("qty > 1", copy=False)  # changed in place: allowed, since nobody froze it
    assert render(tree, "duckdb") == "SELECT customer FROM t_orders WHERE qty > 1"


def test_a_copy_of_a_frozen_tree_is_a_tree_of_its_own() -> None:
    tree = freeze(exp.select("customer").from_("t_orders"))
    render(tree, "duckdb")
    limited = tree.limit(1)  # sqlglot's builders copy: the copy is not frozen, its text is its own
    assert not is_frozen(limited)
    assert Guard(SCHEMA).check(limited).sql.endswith("LIMIT 1")


def test_the_guard_gives_a_frozen_tree_the_verdict_of_its_text() -> None:
    guard = Guard(SCHEMA, max_rows=100)
    tree = freeze(exp.select("customer", "qty").from_("t_orders"))
    assert guard.check(tree).sql == guard.check(tree.sql(dialect="duckdb")).sql
    assert guard.check(tree) is guard.check(tree)


def test_compiled_trees_are_frozen(layer) -> None:
    compiler = Compiler(layer)
    query = SemanticQuery(metrics=["scrap_rate"], dimensions=["line"])
    assert is_frozen(compiler.compile(query).tree)
    assert is_frozen(compiler.compile_measures(query).tree)


# ---------------------------------------------------------------------- trace statements
def _spec(layer) -> WalkSpec:
    graph = layer.genealogy
    start = next(n for n in graph.nodes if graph.walkable(n) and graph.distances(n, "forward"))
    return WalkSpec(start=start, ids=("X-1",), directions=("forward", "backward"))


def test_a_trace_statement_is_built_once_and_equals_a_fresh_one(layer, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = CachedTraceCompiler(layer)
    spec = _spec(layer)
    first = cached.trace_statement(spec)
    assert is_frozen(first)
    monkeypatch.setattr(TraceCompiler, "trace_statement", lambda *_a: pytest.fail("built twice"))
    again = cached.trace_statement(WalkSpec(start=spec.start, ids=("X-1",), directions=("forward", "backward")))
    assert again is first
    monkeypatch.undo()
    fresh = TraceCompiler(layer, layer.genealogy)
    assert first.sql(dialect="duckdb") == fresh.trace_statement(spec).sql(dialect="duckdb")


def test_another_spec_or_language_gets_its_own_statement(layer) -> None:
    cached = CachedTraceCompiler(layer)
    spec = _spec(layer)
    other = WalkSpec(start=spec.start, ids=("X-2",), directions=spec.directions)
    assert "'X-2'" in cached.trace_statement(other).sql() and "'X-2'" not in cached.trace_statement(spec).sql()
    target = next(iter(layer.genealogy.distances(spec.start, "forward")))
    en, zh = cached.target_statement(spec, target, "en"), cached.target_statement(spec, target, "zh")
    fresh = TraceCompiler(layer, layer.genealogy)
    assert en.sql() == fresh.target_statement(spec, target, "en").sql()
    assert zh.sql() == fresh.target_statement(spec, target, "zh").sql()
    node = layer.genealogy.node(spec.start)
    assert cached.details_statement(node, ["A", "B"], "en").sql() == fresh.details_statement(node, ["A", "B"], "en").sql()
    assert "'C'" in cached.details_statement(node, ["C"], "en").sql()


def test_the_walks_form_is_part_of_the_key(layer, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.sql.trace import statements

    cached = CachedTraceCompiler(layer)
    spec = _spec(layer)
    layered = cached.trace_statement(spec).sql()
    monkeypatch.setattr(statements, "topological", lambda *a, **k: None)  # a cycle: the walk recurses
    recursive = cached.trace_statement(spec).sql()
    assert "RECURSIVE" in recursive.upper() and "trace_edges_down" in recursive and "trace_edges_down" not in layered


def test_the_compiler_is_kept_per_layer(layer) -> None:
    from semantic_layer.loader import load_layer

    assert trace_compiler(layer) is trace_compiler(layer)
    assert trace_compiler(load_layer()) is not trace_compiler(layer)


def test_a_repeated_trace_answers_the_same(pipeline) -> None:
    from tests.test_frozen_rows import lot_with_customers

    request = TraceRequest("lot", [lot_with_customers(pipeline)], target_node="customer")
    first = pipeline.run_trace(request, lang="en")
    second = pipeline.run_trace(request, lang="en")
    assert first.trace_sql == second.trace_sql and first.sql == second.sql
    assert first.rows == second.rows and first.columns == second.columns
    assert [(lv.node, lv.count, lv.ids) for lv in first.levels] == [(lv.node, lv.count, lv.ids) for lv in second.levels]


def test_an_attribute_statement_is_kept_and_equals_a_fresh_one(layer) -> None:
    from assistant.sql.trace.attribute import attribute_statement, host_of

    graph = layer.genealogy
    context = next(n for n in graph.nodes if not graph.walkable(n))  # a line, a machine: context only
    edge, host = host_of(graph, context, next(n for n in graph.nodes if graph.walkable(n)))
    spec = WalkSpec(start=host, ids=("X-1",))
    cached = CachedTraceCompiler(layer)
    kept = cached.attribute_statement(spec, context, edge, host, "en")
    assert cached.attribute_statement(spec, context, edge, host, "en") is kept and is_frozen(kept)
    fresh = attribute_statement(TraceCompiler(layer, graph), spec, context, edge, host, "en")
    assert kept.sql() == fresh.sql()
    assert cached.attribute_statement(spec, context, edge, host, "zh").sql() == attribute_statement(
        TraceCompiler(layer, graph), spec, context, edge, host, "zh").sql()
