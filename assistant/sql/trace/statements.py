"""Trace SQL as sqlglot trees, built from the layer's genealogy. Pure: no database.

The walk is a recursive CTE over one edge list per direction (a UNION ALL of the link
tables, each row `up_type, up_id, down_type, down_id`). Rows carry a depth and the walk
stops at `max_depth`, and `UNION` (not ALL) drops rows already seen, so cycles or
self-links in the data end instead of hanging. Every table and column comes from the layer;
the trees are rendered by the Guard for whichever database runs them (DuckDB, PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from assistant.core.calendar import TimeRange
from assistant.core.errors import IncompatibleError
from assistant.sql.literals import literal
from assistant.sql.trace.delivery import delivery_flag
from assistant.sql.trace.parts import (
    LINKS,
    REACH,
    _and,
    _col,
    _in_reach,
    _not_null,
    _table,
    _text,
    _union,
)
from semantic_layer.genealogy import Direction, GenealogyGraph, topological
from semantic_layer.layer import JoinStep, Layer
from semantic_layer.models import GenealogyEdge, GenealogyNode

EDGES = {"forward": "trace_edges_down", "backward": "trace_edges_up"}
WALKS = {"forward": "trace_down", "backward": "trace_up"}
WALK_COLUMNS = ("node_type", "node_id", "via_type", "via_id", "depth")
TRACE_COLUMNS = ("rank", "kind", "node_type", "node_id", "up_type", "up_id", "status", "flag", "n", "qty")
_TEXT_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR")


@dataclass(frozen=True)
class WalkSpec:
    """A resolved trace: where to start, how to walk, what to keep out."""

    start: str
    ids: tuple[str, ...] = ()
    filters: dict[str, dict[str, list[Any]]] = field(default_factory=dict)  # node -> dimension -> keys
    time: tuple[str, TimeRange] | None = None  # (node it dates, the window)
    directions: tuple[Direction, ...] = ("forward",)
    max_depth: int = 12
    latest: int | None = None  # only the N most recent start nodes (by their time column)
    # Edges (upstream, downstream) left out of the walk: side roads into the asked-for node type,
    # so "customers who received it (shipped after Dec 1)" is not widened by "customers who complained".
    skip: frozenset[tuple[str, str]] = frozenset()


def _rename(select: exp.Select) -> exp.Select:
    """Give the anchor's columns plain names (_c0.._c4) so an outer SELECT can pick them."""
    select.set("expressions", [e.as_(f"_c{i}") for i, e in enumerate(select.expressions)])
    return select


def _walk_alias(name: str) -> exp.TableAlias:
    return exp.TableAlias(this=exp.to_identifier(name), columns=[exp.to_identifier(c) for c in WALK_COLUMNS])


class TraceCompiler:
    def __init__(self, layer: Layer, graph: GenealogyGraph) -> None:
        self.layer = layer
        self.graph = graph

    # ------------------------------------------------------------------ pieces
    def key_text(self, table: str, column: str, alias: str) -> exp.Expr:
        """A key as text, so ids from different tables can share one walk column."""
        declared = self.layer.tables[table].columns.get(column, "VARCHAR").upper()
        ref = _col(column, alias)
        return ref if declared.startswith(_TEXT_TYPES) else exp.cast(ref, "VARCHAR")

    def dimension_predicate(self, table: str, alias: str, dimension: str, values: list[Any]) -> exp.Expr:
        """`alias` rows (of `table`) whose member of `dimension` is one of `values`, via many-to-one joins."""
        dim = self.layer.dimension(dimension)
        path = self.layer.join_path(table, dim.table)
        if path is None:
            raise IncompatibleError(f"'{dim.label.en}' cannot be used to filter '{table}' in a trace.",
                                    suggestion="Filter on something the traced records are linked to.")
        literals = [literal(v) for v in values]
        if not path:
            return _col(dim.key_column, alias).isin(*literals)
        return self._chain(path, 0, alias, dim.key_column, literals)

    def _chain(self, path: list[JoinStep], i: int, alias: str, key: str, literals: Sequence[exp.Expr]) -> exp.Expr:
        # Nested IN-subqueries instead of joins: a many-to-one chain can never multiply rows.
        step = path[i]
        left = _col(step.left_column, alias)
        last = i == len(path) - 1
        if last and step.right_column == key:
            return left.isin(*literals)
        inner = f"j{i}"
        cond = _col(key, inner).isin(*literals) if last else self._chain(path, i + 1, inner, key, literals)
        sub = exp.select(_col(step.right_column, inner)).from_(_table(step.table, inner)).where(cond)
        return left.isin(query=sub)

    def own_predicates(self, node: GenealogyNode, alias: str, spec: WalkSpec) -> list[exp.Expr]:
        """Filters and the time window of `node`, over its own table aliased `alias`."""
        preds = [self.dimension_predicate(node.table, alias, dim, values)
                 for dim, values in spec.filters.get(node.name, {}).items() if values]
        if spec.time and spec.time[0] == node.name and node.time_column:
            first, last = spec.time[1].start, spec.time[1].end
            column = _col(node.time_column, alias)
            # Half-open on the day after: correct for DATE and TIMESTAMP columns alike.
            day_after = (last + dt.timedelta(days=1)).isoformat()
            preds.append(exp.GTE(this=column, expression=exp.cast(exp.Literal.string(first.isoformat()), "DATE")))
            preds.append(exp.LT(this=column.copy(), expression=exp.cast(exp.Literal.string(day_after), "DATE")))
        return preds

    def _end_predicate(self, node: GenealogyNode, edge: GenealogyEdge, column: str, spec: WalkSpec) -> exp.Expr | None:
        if edge.table == node.table and column == node.key:
            return _and(self.own_predicates(node, "e", spec))
        preds = self.own_predicates(node, "n", spec)
        if not preds:
            return None
        sub = exp.select(_col(node.key, "n")).from_(_table(node.table, "n")).where(_and(preds))
        return _col(column, "e").isin(query=sub)

    def _edge_branch(self, edge: GenealogyEdge, spec: WalkSpec) -> exp.Select:
        conds: list[exp.Expr] = [exp.Not(this=exp.Is(this=_col(c, "e"), expression=exp.Null()))
                                       for c in (edge.upstream_column, edge.downstream_column)]
        for name, column in ((edge.upstream, edge.upstream_column), (edge.downstream, edge.downstream_column)):
            pred = self._end_predicate(self.graph.node(name), edge, column, spec)
            if pred is not None:
                conds.append(pred)
        return (exp.select(_text(edge.upstream).as_("up_type"),
                           self.key_text(edge.table, edge.upstream_column, "e").as_("up_id"),
                           _text(edge.downstream).as_("down_type"),
                           self.key_text(edge.table, edge.downstream_column, "e").as_("down_id"))
                .from_(_table(edge.table, "e")).where(_and(conds)))

    def anchor(self, spec: WalkSpec) -> exp.Select:
        node = self.graph.node(spec.start)
        conds: list[exp.Expr] = [exp.Not(this=exp.Is(this=_col(node.key, "s"), expression=exp.Null()))]
        if spec.ids:
            # Ids are matched as typed and upper-cased: questions are often typed in lower case.
            variants = list(dict.fromkeys([*spec.ids, *(i.upper() for i in spec.ids)]))
            conds.append(self.key_text(node.table, node.key, "s").isin(*[exp.Literal.string(v) for v in variants]))
        conds += self.own_predicates(node, "s", spec)
        select = (exp.select(_text(node.name), self.key_text(node.table, node.key, "s"), _text(None), _text(None),
                             exp.Literal.number(0))
                  .from_(_table(node.table, "s")).where(_and(conds)))
        if not spec.latest:
            return select
        # "the lot" (singular): the most recent match. Wrapped so the LIMIT stays inside the anchor.
        order = [_col(node.time_column, "s").desc()] if node.time_column else []
        inner = select.order_by(*order, _col(node.key, "s").desc()).limit(spec.latest)
        return exp.select(*[exp.column(f"_c{i}", table="a").as_(c) for i, c in enumerate(WALK_COLUMNS)]).from_(
            exp.alias_(exp.Subquery(this=_rename(inner)), "a", table=True))

    def _walk(self, direction: Direction, spec: WalkSpec) -> exp.Query:
        enter, came = (("down_type", "down_id"), ("up_type", "up_id")) if direction == "forward" \
            else (("up_type", "up_id"), ("down_type", "down_id"))
        on = exp.and_(exp.EQ(this=_col(came[0], "e"), expression=_col("node_type", "w")),
                      exp.EQ(this=_col(came[1], "e"), expression=_col("node_id", "w")))
        step = (exp.select(_col(enter[0], "e"), _col(enter[1], "e"), _col(came[0], "e"), _col(came[1], "e"),
                           exp.Add(this=_col("depth", "w"), expression=exp.Literal.number(1)))
                .from_(_table(WALKS[direction], "w"))
                .join(_table(EDGES[direction], "e"), on=on)
                .where(exp.LT(this=_col("depth", "w"), expression=exp.Literal.number(spec.max_depth))))
        return exp.union(self.anchor(spec), step, distinct=True)

    def _recursive_walk(self, direction: Direction, spec: WalkSpec, edges: list[GenealogyEdge]) -> list[exp.CTE]:
        branches: list[exp.Query] = [self._edge_branch(e, spec) for e in edges]
        if not branches:  # nothing to walk: an empty edge list of the right shape
            branches = [exp.select(_text(None).as_("up_type"), _text(None).as_("up_id"), _text(None).as_("down_type"),
                                   _text(None).as_("down_id")).where(exp.false())]
        edge_list = exp.TableAlias(this=exp.to_identifier(EDGES[direction]))
        return [exp.CTE(this=_union(branches, distinct=False), alias=edge_list),
                exp.CTE(this=self._walk(direction, spec), alias=_walk_alias(WALKS[direction]))]

    def _layered_walk(self, direction: Direction, spec: WalkSpec, order: list[str],
                      edges: list[GenealogyEdge]) -> list[exp.CTE]:
        """The same walk without recursion, one CTE per node type in topological order.

        Used when the reachable types form no cycle (the usual factory genealogy): each link
        table is then read once instead of once per recursion step, which is what keeps a
        trace fast on a hundred-times larger database."""
        ctes: list[exp.CTE] = []
        step_name = {t: f"{WALKS[direction]}_{i}" for i, t in enumerate(order)}
        parts: list[exp.Query] = []
        for depth, name in enumerate(order):
            if name == spec.start:
                query: exp.Query = self.anchor(spec)
            else:
                ends = [(e, e.upstream, e.downstream) if direction == "forward" else (e, e.downstream, e.upstream)
                        for e in edges]
                query = _union([self._layer_branch(e, direction, spec, step_name, depth)
                                for e, came, enter in ends if enter == name and came in step_name], distinct=True)
            ctes.append(exp.CTE(this=query, alias=_walk_alias(step_name[name])))
            parts.append(exp.select(*[_col(c, "w") for c in WALK_COLUMNS]).from_(_table(step_name[name], "w")))
        ctes.append(exp.CTE(this=_union(parts, distinct=False) if len(parts) > 1 else parts[0],
                            alias=_walk_alias(WALKS[direction])))
        return ctes

    def _layer_branch(self, edge: GenealogyEdge, direction: Direction, spec: WalkSpec, step_name: dict[str, str],
                      depth: int) -> exp.Select:
        ends = [(edge.upstream, edge.upstream_column), (edge.downstream, edge.downstream_column)]
        (came, came_col), (enter, enter_col) = ends if direction == "forward" else ends[::-1]
        previous = exp.select(_col("node_id", "p")).from_(_table(step_name[came], "p"))
        conds: list[exp.Expr] = [self.key_text(edge.table, came_col, "e").isin(query=previous),
                                       exp.Not(this=exp.Is(this=_col(enter_col, "e"), expression=exp.Null()))]
        pred = self._end_predicate(self.graph.node(enter), edge, enter_col, spec)
        if pred is not None:
            conds.append(pred)
        return (exp.select(_text(enter), self.key_text(edge.table, enter_col, "e"), _text(came),
                           self.key_text(edge.table, came_col, "e"), exp.Literal.number(depth))
                .from_(_table(edge.table, "e")).where(_and(conds)))

    def walk_plan(self, spec: WalkSpec) -> list[tuple[Direction, list[GenealogyEdge], list[str] | None]]:
        """Per direction: the edges the walk may use and the order of the node types they reach
        (None when they hold a cycle: the walk then recurses)."""
        plan: list[tuple[Direction, list[GenealogyEdge], list[str] | None]] = []
        for direction in spec.directions:
            edges = [e for e in self.graph.edges_within(set(self.graph.distances(spec.start, direction)))
                     if (e.upstream, e.downstream) not in spec.skip]
            plan.append((direction, edges, topological(spec.start, direction, self.graph, edges)))
        return plan

    def walk_ctes(self, spec: WalkSpec, *, links: bool) -> list[exp.CTE]:
        """Edge lists, the walks, the distinct reached nodes and (optionally) their links."""
        ctes: list[exp.CTE] = []
        reach_parts: list[exp.Select] = []
        link_parts: list[exp.Select] = []
        for direction, edges, order in self.walk_plan(spec):
            ctes += (self._layered_walk(direction, spec, order, edges) if order is not None
                     else self._recursive_walk(direction, spec, edges))
            walk = WALKS[direction]
            reach_parts.append(exp.select(_col("node_type", "w"), _col("node_id", "w")).from_(_table(walk, "w")))
            has_via = exp.Not(this=exp.Is(this=_col("via_id", "w"), expression=exp.Null()))
            ends = [("via_type", "via_id"), ("node_type", "node_id")]
            up, down = ends if direction == "forward" else ends[::-1]
            link_parts.append(exp.select(_col(up[0], "w").as_("up_type"), _col(up[1], "w").as_("up_id"),
                                         _col(down[0], "w").as_("down_type"), _col(down[1], "w").as_("down_id"))
                              .from_(_table(walk, "w")).where(has_via))
        ctes.append(exp.CTE(this=_union(reach_parts, distinct=True) if len(reach_parts) > 1
                            else reach_parts[0].distinct(), alias=exp.TableAlias(this=exp.to_identifier(REACH)),
                            materialized=True))
        if links:
            ctes.append(exp.CTE(this=_union(link_parts, distinct=True) if len(link_parts) > 1
                                else link_parts[0].distinct(),
                                alias=exp.TableAlias(this=exp.to_identifier(LINKS)), materialized=True))
        return ctes

    @staticmethod
    def _with(query: exp.Query, ctes: list[exp.CTE]) -> exp.Query:
        query.set("with_", exp.With(expressions=ctes, recursive=True))
        return query

    # ------------------------------------------------------------------ statements
    def trace_statement(self, spec: WalkSpec) -> exp.Query:
        """One statement for the whole trace: counts per node type, quantities and statuses,
        context (lines, machines), then every reached node and link (these last two may be cut
        by the row limit; the counts above them never are)."""
        reachable: set[str] = set()
        for direction in spec.directions:
            reachable |= set(self.graph.distances(spec.start, direction))
        parts: list[exp.Query] = [
            exp.select(*self._row(0, "level", node_type=_col("node_type", "r"), n=exp.Count(this=exp.Star())))
            .from_(_table(REACH, "r")).group_by(_col("node_type", "r"))]
        for name in sorted(reachable, key=lambda t: self.graph.order[t]):
            part = self._measure(self.graph.node(name), spec)
            if part is not None:
                parts.append(part)
        for edge, ctx_name, node_name in self.graph.context_edges:
            if node_name not in reachable:
                continue
            ctx_col, node_col = ((edge.upstream_column, edge.downstream_column) if edge.upstream == ctx_name
                                 else (edge.downstream_column, edge.upstream_column))
            ctx_key = self.key_text(edge.table, ctx_col, "e")
            parts.append(exp.select(*self._row(2, "context", node_type=_text(node_name), up_type=_text(ctx_name),
                                               up_id=ctx_key,
                                               n=exp.Count(this=exp.Distinct(expressions=[_col(node_col, "e")]))))
                         .from_(_table(edge.table, "e"))
                         .where(exp.and_(self.key_text(edge.table, node_col, "e").isin(query=_in_reach(node_name)),
                                         exp.Not(this=exp.Is(this=_col(ctx_col, "e"), expression=exp.Null()))))
                         .group_by(ctx_key.copy()))
        parts.append(exp.select(*self._row(3, "node", node_type=_col("node_type", "r"), node_id=_col("node_id", "r")))
                     .from_(_table(REACH, "r")))
        parts.append(exp.select(*self._row(4, "link", node_type=_col("down_type", "l"), node_id=_col("down_id", "l"),
                                           up_type=_col("up_type", "l"), up_id=_col("up_id", "l")))
                     .from_(_table(LINKS, "l")))
        order = ("rank", "node_type", "node_id", "up_type", "up_id")
        query = _union(parts, distinct=False).order_by(*[exp.column(c) for c in order])
        return self._with(query, self.walk_ctes(spec, links=True))

    def _measure(self, node: GenealogyNode, spec: WalkSpec) -> exp.Select | None:
        """Counts and summed quantity of reached nodes, by status (and, for the affected
        node, by whether and how it left the plant: see delivery.delivery_flag)."""
        if not node.quantity_column and not node.status_column:
            return None
        key = self.key_text(node.table, node.key, "t")
        status = exp.cast(_col(node.status_column, "t"), "VARCHAR") if node.status_column else None
        flag = delivery_flag(self, node, spec, key)
        qty = (exp.cast(exp.Sum(this=_col(node.quantity_column, "t")), "DOUBLE") if node.quantity_column else None)
        select = (exp.select(*self._row(1, "measure", node_type=_text(node.name), status=status, flag=flag,
                                        n=exp.Count(this=exp.Star()), qty=qty))
                  .from_(_table(node.table, "t")).where(key.isin(query=_in_reach(node.name))))
        groups = [g.copy() for g in (status, flag) if g is not None]
        return select.group_by(*groups) if groups else select

    @staticmethod
    def _row(rank: int, kind: str, **values: exp.Expr | None) -> list[exp.Expr]:
        out: list[exp.Expr] = [exp.Literal.number(rank).as_("rank"), _text(kind).as_("kind")]
        for name in TRACE_COLUMNS[2:]:
            value = values.get(name)
            if value is None:
                null_type = "DOUBLE" if name == "qty" else "BIGINT" if name in ("flag", "n") else "VARCHAR"
                value = exp.cast(exp.Null(), null_type)
            elif name == "flag":
                value = exp.cast(value, "BIGINT")
            out.append(value.as_(name))
        return out

    def node_columns(self, node: GenealogyNode, lang: str) -> list[str]:
        """Key, the name in the reader's language, then the node's listed columns."""
        return list(dict.fromkeys([node.key, node.display_column(lang), *node.columns]))

    def target_statement(self, spec: WalkSpec, target: str, lang: str) -> exp.Query:
        """The table the question asked for: one row per reached `target` node."""
        node = self.graph.node(target)
        cols = self.node_columns(node, lang)
        query = (exp.select(*[_col(c, "t") for c in cols]).from_(_table(node.table, "t"))
                 .where(self.key_text(node.table, node.key, "t").isin(query=_in_reach(target)))
                 .order_by(_col(node.key, "t")))
        return self._with(query, self.walk_ctes(spec, links=False))

    def details_statement(self, node: GenealogyNode, ids: list[str], lang: str, *,
                          extra: tuple[str, ...] = ()) -> exp.Select:
        cols = list(dict.fromkeys([*self.node_columns(node, lang), *extra]))
        return (exp.select(*[_col(c, "t") for c in cols]).from_(_table(node.table, "t"))
                .where(self.key_text(node.table, node.key, "t").isin(*[exp.Literal.string(i) for i in ids]))
                .order_by(_col(node.key, "t")))

    def similar_ids(self, node: GenealogyNode, typed: str | None, limit: int = 5) -> exp.Select:
        """Ids that look like what was typed (or the latest ones), for a helpful 'not found'."""
        key = self.key_text(node.table, node.key, "t")
        query = exp.select(_col(node.key, "t")).from_(_table(node.table, "t"))
        if typed:
            prefix = typed.upper()[: max(3, len(typed) - 4)]
            pattern = exp.Literal.string(prefix.replace("%", "") + "%")
            query = query.where(exp.Like(this=exp.Upper(this=key), expression=pattern))
        order = [_col(node.time_column, "t").desc()] if node.time_column and not typed else []
        return query.order_by(*order, _col(node.key, "t")).limit(limit)


def recent_ids_statement(layer: Layer, node: GenealogyNode, limit: int) -> exp.Select:
    """The latest ids of a node type (by its time column, else by id), for pickers."""
    time_column = node.time_column or layer.tables[node.table].time_column
    key = exp.column(node.key)
    query = exp.select(key).from_(node.table).where(_not_null(key.copy())).group_by(key)
    if time_column:
        query = query.order_by(exp.Ordered(this=exp.Max(this=exp.column(time_column)), desc=True))
    else:
        query = query.order_by(key)
    return query.limit(limit)
