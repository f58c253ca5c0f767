"""Row scopes applied to checked SQL: every physical table becomes a filtered subquery.

The guard has already resolved the statement against the (role's) schema; here each physical
table reference, wherever it sits (FROM, JOIN, CTE bodies, subqueries), is replaced by

    (SELECT <visible columns> FROM <table> WHERE <the role's condition>) AS <alias>

so the filter holds whoever wrote the SQL: the compiler, a verified query or a language model
that left the filter out. A table the role cannot be limited on is refused, not read whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlglot import exp

from assistant.core.errors import AccessDenied

__all__ = ["RowScope", "apply_row_scope"]


@dataclass(frozen=True)
class RowScope:
    """What one role may read, per physical table (names lower-case)."""

    conditions: Mapping[str, exp.Expr]  # table -> condition over its own (unqualified) columns
    refused: Mapping[str, str] = field(default_factory=dict)  # table -> why it cannot be read
    suggestion: str = ""

    def filtered(self, tables: frozenset[str]) -> frozenset[str]:
        return frozenset(t for t in tables if t in self.conditions)


def apply_row_scope(tables: list[exp.Table], scope: RowScope, schema: Mapping[str, Mapping[str, str]]) -> None:
    """Replace each of `tables` (physical references in a checked tree) in place."""
    for table in tables:
        name = table.name.lower()
        if name in scope.refused:
            raise AccessDenied(scope.refused[name], suggestion=scope.suggestion)
        condition = scope.conditions.get(name)
        if condition is None:
            continue  # shared reference data: readable whole
        columns = [exp.column(c, quoted=True) for c in schema[name]]
        inner = exp.select(*columns).from_(exp.to_table(name)).where(condition.copy())
        alias = table.alias_or_name
        table.replace(inner.subquery(exp.to_identifier(alias, quoted=True)))
