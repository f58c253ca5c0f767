"""Did an affected node leave the plant? The shipped / still-in-the-plant split of the impact.

The split must not depend on the question's filters: "customers who got batches made with lot
X shipped after December 1" walks only the December deliveries, but a batch delivered in
November has left the plant all the same. So the flag reads the delivery edges of the layer's
genealogy themselves (unfiltered) and, when the question filters the delivery node (its
dates or its members), also tells apart how a delivered node relates to that filter:

    SHIPPED   delivered, by a delivery the walk reached (so: matching the filter, if any)
    EARLIER   delivered only by deliveries outside the filter, one of them before its time window
    OTHER     delivered only by deliveries outside the filter (later, or other members)
    IN_PLANT  not delivered at all

Node types come from `impact` in the genealogy (affected, delivered_via); nothing is named here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from assistant.sql.trace.parts import _and, _col, _in_reach, _not_null, _table, _union
from semantic_layer.models import GenealogyEdge, GenealogyNode

if TYPE_CHECKING:
    from assistant.sql.trace.statements import TraceCompiler, WalkSpec

IN_PLANT, SHIPPED, EARLIER, OTHER = 0, 1, 2, 3
_OPEN_START = 1900  # a window starting in this year or before has no start ("shipped before May")

_Last = Callable[[GenealogyEdge, str], "exp.Expr | None"]


def filters_delivery(spec: WalkSpec, node_name: str | None) -> bool:
    """Does the question filter the delivery node itself (its dates or its members)?"""
    if not node_name:
        return False
    return any(values for values in spec.filters.get(node_name, {}).values()) or bool(
        spec.time and spec.time[0] == node_name)


def window_start(spec: WalkSpec, node_name: str) -> dt.date | None:
    """First day of the time window on `node_name`, when the window has one."""
    if spec.time and spec.time[0] == node_name and spec.time[1].start.year > _OPEN_START:
        return spec.time[1].start
    return None


def _delivered(compiler: TraceCompiler, path: list[str], last: _Last | None) -> exp.Query:
    """Keys (as text) of path[0] nodes linked, along the genealogy edges of `path`, to a
    path[-1] node; `last` may narrow the edge rows of the final step."""
    inner: exp.Query | None = None
    for i in range(len(path) - 2, -1, -1):
        alias = f"d{i}"
        parts: list[exp.Query] = []
        for edge, nxt in compiler.graph.neighbours(path[i], "forward"):
            if nxt != path[i + 1]:
                continue
            down = compiler.key_text(edge.table, edge.downstream_column, alias)
            conds = [_not_null(_col(edge.upstream_column, alias)), _not_null(_col(edge.downstream_column, alias))]
            extra = down.isin(query=inner.copy()) if inner is not None else (last(edge, alias) if last else None)
            if extra is not None:
                conds.append(extra)
            parts.append(exp.select(compiler.key_text(edge.table, edge.upstream_column, alias))
                         .from_(_table(edge.table, alias)).where(_and(conds)))
        inner = _union(parts, distinct=True)
    assert inner is not None  # path has two types at least
    return inner


def _reached(compiler: TraceCompiler, node: GenealogyNode) -> _Last:
    def last(edge: GenealogyEdge, alias: str) -> exp.Expr:
        return compiler.key_text(edge.table, edge.downstream_column, alias).isin(query=_in_reach(node.name))
    return last


def _before(compiler: TraceCompiler, node: GenealogyNode, first: dt.date) -> _Last:
    def last(edge: GenealogyEdge, alias: str) -> exp.Expr:
        day = exp.cast(exp.Literal.string(first.isoformat()), "DATE")
        if edge.table == node.table and edge.downstream_column == node.key:
            return exp.LT(this=_col(node.time_column or "", alias), expression=day)
        dated = (exp.select(compiler.key_text(node.table, node.key, "n")).from_(_table(node.table, "n"))
                 .where(exp.LT(this=_col(node.time_column or "", "n"), expression=day)))
        return compiler.key_text(edge.table, edge.downstream_column, alias).isin(query=dated)
    return last


def delivery_flag(compiler: TraceCompiler, node: GenealogyNode, spec: WalkSpec,
                  key: exp.Expr) -> exp.Expr | None:
    """CASE over `key` (the affected node's key, as text) giving one of the flags above; None
    when `node` is not the affected node of a forward trace or no delivery path is declared."""
    impact = compiler.layer.spec.genealogy.impact
    target = impact.delivered_via
    if impact.affected != node.name or not target or target not in compiler.graph.nodes \
            or "forward" not in spec.directions:
        return None
    path = compiler.graph.path(node.name, target, "forward")
    if len(path) < 2 or path[-1] != target:
        return None

    def when(query: exp.Query, flag: int) -> exp.If:
        return exp.If(this=key.copy().isin(query=query), true=exp.Literal.number(flag))

    if not filters_delivery(spec, target):
        ifs = [when(_delivered(compiler, path, None), SHIPPED)]
    else:
        delivered = compiler.graph.node(target)
        ifs = [when(_delivered(compiler, path, _reached(compiler, delivered)), SHIPPED)]
        first = window_start(spec, target)
        if first is not None and delivered.time_column:
            ifs.append(when(_delivered(compiler, path, _before(compiler, delivered, first)), EARLIER))
        ifs.append(when(_delivered(compiler, path, None), OTHER))
    return exp.Case(ifs=ifs, default=exp.Literal.number(IN_PLANT))
