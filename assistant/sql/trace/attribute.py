"""Context nodes asked for as the answer of a trace.

"Which line made the batch of complaint CC-1?", "what products were made from lot X?":
the walk reaches the node type the context node describes (its host: work orders for a
line), and the answer is one row per distinct line / product, with how many reached host
nodes it describes. Tables, keys and names all come from the layer's genealogy.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.core.errors import ClarificationNeeded
from assistant.sql.trace.statements import (
    TraceCompiler,
    WalkSpec,
    _col,
    _in_reach,
    _table,
)
from semantic_layer.genealogy import GenealogyGraph
from semantic_layer.models import GenealogyEdge


def host_of(graph: GenealogyGraph, context: str, start: str) -> tuple[GenealogyEdge, str]:
    """(edge, host node type) for a context target, or a bilingual error when the start cannot reach one."""
    found = graph.host(context, start)
    if found is None:
        ctx, node = graph.node(context), graph.node(start)
        raise ClarificationNeeded(f"{ctx.plural_label('en').capitalize()} are not linked to {node.plural_label('en')} "
                              "in the genealogy.",
                              f"在追溯关系中，{ctx.label.zh}与{node.label.zh}没有关联。")
    return found


def count_column(host: str) -> str:
    return f"{host}_count"


def attribute_columns(graph: GenealogyGraph, context: str, host: str, lang: str) -> list[str]:
    node = graph.node(context)
    return list(dict.fromkeys([node.key, node.display_column(lang), count_column(host)]))


def attribute_labels(graph: GenealogyGraph, context: str, host: str, lang: str) -> dict[str, str]:
    node, h = graph.node(context), graph.node(host)
    labels = {node.key: f"{node.label.zh}编号" if lang == "zh" else f"{node.label.en.capitalize()} id",
              count_column(host): f"{h.label.zh}数" if lang == "zh" else h.plural_label("en").capitalize()}
    display = node.display_column(lang)
    if display != node.key:
        labels[display] = f"{node.label.zh}名称" if lang == "zh" else f"{node.label.en.capitalize()} name"
    return labels


def attribute_statement(compiler: TraceCompiler, spec: WalkSpec, context: str, edge: GenealogyEdge, host: str,
                        lang: str) -> exp.Query:
    """One row per distinct `context` member of the reached `host` nodes: key, name, host count."""
    node = compiler.graph.node(context)
    ctx_col, host_col = ((edge.upstream_column, edge.downstream_column) if edge.upstream == context
                         else (edge.downstream_column, edge.upstream_column))
    key = compiler.key_text(edge.table, ctx_col, "e")
    count = exp.Count(this=exp.Distinct(expressions=[_col(host_col, "e")]))
    where = exp.and_(compiler.key_text(edge.table, host_col, "e").isin(query=_in_reach(host)),
                     exp.Not(this=exp.Is(this=_col(ctx_col, "e"), expression=exp.Null())))
    display = node.display_column(lang)
    if display == node.key:
        query = (exp.select(key.as_(node.key), count.as_(count_column(host))).from_(_table(edge.table, "e"))
                 .where(where).group_by(key.copy()))
    else:
        # Left join: a member with no record of its own still counts (its id is shown, no name).
        on = exp.EQ(this=compiler.key_text(node.table, node.key, "c"), expression=key.copy())
        query = (exp.select(key.as_(node.key), _col(display, "c").as_(display), count.as_(count_column(host)))
                 .from_(_table(edge.table, "e")).join(_table(node.table, "c"), on=on, join_type="left")
                 .where(where).group_by(key.copy(), _col(display, "c")))
    query = query.order_by(exp.column(node.key))
    return TraceCompiler._with(query, compiler.walk_ctes(spec, links=False))
