"""The start records a trace's words match when it names no id ("Hengtai's conditional lot"),
newest first: what the question could mean, so the answer can ask which one, name the latest it
took, or list every one it traced. Never a silent pick.

The filters are the walk's own (`TraceCompiler.own_predicates`), so the records listed are
exactly the ones the walk would start from. Statements go through the `run` callable the
pipeline passes in (its guard, then its read-only executor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from assistant.plan.types import TraceRequest
from assistant.sql.trace.parts import _col, _not_null, _table
from assistant.sql.trace.statements import TraceCompiler, WalkSpec
from assistant.sql.trace.walk import RunSQL
from semantic_layer.layer import Layer

MAX_MATCHES = 8  # candidates fetched (and offered as options): enough to pick from on a phone


@dataclass(frozen=True)
class StartMatches:
    """The records a trace would start from: how many, and the newest of them in detail."""

    node: str  # node type
    total: int
    columns: list[str] = field(default_factory=list)  # key, name, date, then the node's listed columns
    rows: list[list[Any]] = field(default_factory=list)  # newest first, at most MAX_MATCHES

    @property
    def ids(self) -> list[str]:
        return [str(r[0]) for r in self.rows]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


def needs_matching(layer: Layer, request: TraceRequest) -> bool:
    """No id and no earlier trace to continue from, but filters or a date that select start records."""
    if request.start_ids or request.context is not None:
        return False
    return bool(request.start_filters) or _dates_start(layer, request)


def _dates_start(layer: Layer, request: TraceRequest) -> bool:
    node = layer.genealogy.node(request.start_node)
    # The walk dates the start when the question named no other record type to date (walk._time_node).
    return (request.time_range is not None and bool(node.time_column)
            and request.time_node in (None, request.start_node))


def start_matches(layer: Layer, run: RunSQL, request: TraceRequest, lang: str,
                  limit: int = MAX_MATCHES) -> StartMatches:
    """How many start records the request's own filters and date select, and the newest `limit`."""
    graph = layer.genealogy
    node = graph.node(request.start_node)
    compiler = TraceCompiler(layer, graph)
    time = (node.name, request.time_range) if request.time_range is not None and _dates_start(layer, request) \
        else None
    spec = WalkSpec(start=node.name, filters={node.name: dict(request.start_filters)}, time=time)
    where = exp.and_(_not_null(_col(node.key, "s")), *compiler.own_predicates(node, "s", spec))
    count = exp.select(exp.Count(this=exp.Star())).from_(_table(node.table, "s")).where(where)
    total = int(run(count).rows[0][0] or 0)
    columns = list(dict.fromkeys([node.key, node.display_column(lang), *([node.time_column] if node.time_column
                                                                         else []), *node.columns]))
    order = [_col(node.time_column, "s").desc()] if node.time_column else []
    rows = run(exp.select(*[_col(c, "s") for c in columns]).from_(_table(node.table, "s")).where(where.copy())
               .order_by(*order, _col(node.key, "s").desc()).limit(limit)).rows
    return StartMatches(node=node.name, total=total, columns=columns, rows=[list(r) for r in rows])
