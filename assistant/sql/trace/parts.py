"""Small sqlglot helpers shared by the trace statements (no layer, no database)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

from sqlglot import exp

REACH = "trace_reach"  # CTE: distinct (node_type, node_id) reached by the walk
LINKS = "trace_links"  # CTE: distinct (up_type, up_id, down_type, down_id) links the walk used


def _text(value: str | None) -> exp.Expr:
    # Typed NULLs and literals: PostgreSQL refuses 'unknown' types inside recursive CTEs.
    return exp.cast(exp.Null() if value is None else exp.Literal.string(value), "VARCHAR")


def _table(name: str, alias: str) -> exp.Expr:
    return exp.alias_(exp.to_table(name), alias, table=True)


def _col(name: str, alias: str) -> exp.Column:
    return exp.column(name, table=alias)


def _and(conditions: list[exp.Expr]) -> exp.Expr | None:
    return reduce(lambda a, b: exp.and_(a, b), conditions) if conditions else None


def _union(parts: Sequence[exp.Query], *, distinct: bool) -> exp.Query:
    return reduce(lambda a, b: exp.union(a, b, distinct=distinct), parts)


def _not_null(column: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Is(this=column, expression=exp.Null()))


def _in_reach(node_type: str) -> exp.Select:
    return (exp.select(_col("node_id", "r")).from_(_table(REACH, "r"))
            .where(exp.EQ(this=_col("node_type", "r"), expression=exp.Literal.string(node_type))))
