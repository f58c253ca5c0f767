"""One user's access, resolved against one layer: the schema they may read, the row condition on
every table, and the metrics and dimensions they may not ask for.

The layer's `access` section (semantic_layer/access.py) says what each role sees; the users file
(assistant/core/users.py) says who has which role and attributes. `resolve_access` turns the
two into an `Access` that the guard (row scope, visible schema) and the compiler (hidden
metrics and dimensions) apply, so the scope holds on every path that builds or checks SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from assistant.core.errors import AccessDenied, ConfigError
from assistant.core.users import User
from assistant.plan.query import SemanticQuery
from assistant.sql.compiler import CompiledQuery, Compiler
from assistant.sql.guard.scope import RowScope
from assistant.sql.literals import literal
from assistant.sql.rollup import SummarySource
from semantic_layer.access import user_attribute
from semantic_layer.aggregates import Aggregate
from semantic_layer.layer import Layer
from semantic_layer.models import ADMIN_ROLE, Role, RowFilter

__all__ = ["Access", "ScopedCompiler", "resolve_access"]

_ASK_ADMIN = "Ask your administrator if you need wider access."


@dataclass(frozen=True)
class Access:
    """What one user may see. `values` maps each row-filtered dimension to the keys allowed."""

    user: User
    role: Role
    schema: dict[str, dict[str, str]]
    rows: RowScope | None
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hidden_metrics: frozenset[str] = frozenset()
    hidden_columns: frozenset[tuple[str, str]] = frozenset()

    @property
    def limits_rows(self) -> bool:
        return bool(self.values)

    def who(self, lang: str) -> str:
        """'Li Wei (Plant manager)' / 'Li Wei（工厂经理）'."""
        role = self.role.label.get(lang)
        return f"{self.user.shown_name}（{role}）" if lang == "zh" else f"{self.user.shown_name} ({role})"


def resolve_access(layer: Layer, user: User | None) -> Access | None:
    """The user's access; None when they see everything (no user, or the admin role)."""
    if user is None or user.role == ADMIN_ROLE:
        return None
    role = layer.spec.access.role(user.role)
    if role is None:
        raise ConfigError(f"User '{user.name}' has the role '{user.role}', which this layer does not define.",
                          suggestion="Roles: " + ", ".join(layer.spec.access.role_names()) + ".")
    values = {f.dimension: _allowed(f, user) for f in role.row_filters}
    hidden = frozenset((t.lower(), c.lower()) for t, _, c in (h.partition(".") for h in role.hidden_columns))
    hidden |= _hidden_in_summaries(layer, hidden)
    schema = {t: {c: typ for c, typ in cols.items() if (t.lower(), c.lower()) not in hidden}
              for t, cols in layer.physical_schema().items()}
    rows = _row_scope(layer, role, values) if values else None
    return Access(user=user, role=role, schema=schema, rows=rows, values=values,
                  hidden_metrics=frozenset(role.hidden_metrics), hidden_columns=hidden)


def _hidden_in_summaries(layer: Layer, hidden: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """Summary columns made of a hidden fact column are hidden too (a kept column, or a stored
    aggregate whose expression reads one)."""
    out: set[tuple[str, str]] = set()
    for agg in layer.spec.aggregates:
        source = agg.source.lower()
        out |= {(agg.name.lower(), c.lower()) for c in agg.group_by if (source, c.lower()) in hidden}
        for m in agg.measures:
            tree = sqlglot.parse_one(m.expr, read="duckdb") if m.expr else None
            if tree is not None and any((source, c.name.lower()) in hidden for c in tree.find_all(exp.Column)):
                out.add((agg.name.lower(), m.name.lower()))
    return frozenset(out)


def _allowed(row_filter: RowFilter, user: User) -> tuple[str, ...]:
    attribute = user_attribute(row_filter.value)
    if attribute is None:
        return (row_filter.value,)
    value = user.attributes.get(attribute)
    if value is None or value == () or value == "":
        # A scoped user without the value their scope needs sees nothing, loudly: never everything.
        raise AccessDenied(f"Your account ({user.name}) has no '{attribute}', which your role's access needs.",
                           suggestion="Ask your administrator to set it in the users file.")
    return value if isinstance(value, tuple) else (value,)


def _row_scope(layer: Layer, role: Role, values: Mapping[str, tuple[str, ...]]) -> RowScope:
    conditions: dict[str, exp.Expr] = {}
    refused: dict[str, str] = {}
    for table in layer.spec.tables:
        if table.derived:
            continue  # a CTE over physical tables: those are scoped where it reads them
        parts = []
        for dimension, keys in values.items():
            condition = _condition(layer, table.name, dimension, keys)
            if condition is not None:
                parts.append(condition)
            elif table.name not in role.shared_tables:
                label = f"{table.label.en} ({table.name})" if table.label else table.name
                dim = layer.dimension(dimension).label.en.lower()
                refused[table.name.lower()] = (f"{label} are not recorded per {dim}, so they cannot be limited "
                                               f"to your access.")
                break
        if parts and table.name.lower() not in refused:
            conditions[table.name.lower()] = exp.and_(*parts)
    for summary in layer.spec.aggregates:
        _scope_summary(layer, role, values, summary, conditions, refused)
    return RowScope(conditions=conditions, refused=refused, suggestion=_ASK_ADMIN)


def _scope_summary(layer: Layer, role: Role, values: Mapping[str, tuple[str, ...]], summary: Aggregate,
                   conditions: dict[str, exp.Expr], refused: dict[str, str]) -> None:
    """A summary keeps its fact's column names, so the fact's condition holds on it when the
    column the condition starts from is kept; otherwise it cannot be limited and is refused."""
    parts = []
    for dimension in values:
        path = layer.join_path(summary.source, layer.dimension(dimension).table)
        condition = _condition(layer, summary.source, dimension, values[dimension])
        if condition is None or not path or path[0].left_column not in summary.group_by:
            if summary.name not in role.shared_tables:
                refused[summary.name.lower()] = f"The summary table {summary.name} cannot be limited to your access."
            return
        parts.append(condition)
    if parts:
        conditions[summary.name.lower()] = exp.and_(*parts)


def _condition(layer: Layer, table: str, dimension: str, keys: tuple[str, ...]) -> exp.Expr | None:
    """`table`'s rows that reach one of `keys` of `dimension`, over the table's own columns.

    Follows the layer's many-to-one joins: lines.plant_id IN (...), and for a fact two joins
    away, line_id IN (SELECT line_id FROM production_lines WHERE plant_id IN (...))."""
    dim = layer.dimension(dimension)
    path = layer.join_path(table, dim.table)
    if path is None:
        return None
    keys_in = [literal(k) for k in keys]
    condition: exp.Expr = exp.column(dim.key_column, quoted=True).isin(*keys_in)
    for i, step in enumerate(reversed(path)):
        left = exp.column(step.left_column, quoted=True)
        if i == 0 and step.right_column.lower() == dim.key_column.lower():
            condition = left.isin(*keys_in)  # the last hop joins on the key itself: compare directly
        else:
            inner = exp.select(exp.column(step.right_column, quoted=True)).from_(exp.to_table(step.table))
            condition = left.isin(inner.where(condition))
    return condition


class ScopedCompiler(Compiler):
    """The compiler for one user: refuses their hidden metrics and dimensions by name, with the
    reason, before any SQL exists (the guard would refuse the columns, less helpfully)."""

    def __init__(self, layer: Layer, access: Access, *, dialect: str = "duckdb", summaries: SummarySource = ()) -> None:
        super().__init__(layer, dialect=dialect, summaries=summaries)
        self.access = access

    def metric_refusal(self, name: str, lang: str = "en") -> str | None:
        """Why this user may not ask for metric `name`, or None when they may."""
        label = self.layer.metric(name).label.get(lang)
        if name in self.access.hidden_metrics:
            return f"'{label}' is not part of your access."
        rows = self.access.rows
        tables = {t for m in self.layer.metric_measures(name) for t in self._physical(m.table)}
        if rows is not None and (unscoped := sorted(t for t in tables if t.lower() not in rows.conditions)):
            # Shared reference tables may be read, but a figure over them would be everyone's
            # figure presented as the user's: refused, not answered for all.
            return (f"'{label}' cannot be limited to your access ({', '.join(unscoped)} not recorded that way), "
                    "so it is not answered for you.")
        return None

    def _physical(self, table: str) -> set[str]:
        """The physical tables behind `table` (a derived table's SELECT reads several)."""
        spec = self.layer.tables[table]
        if not spec.derived or not spec.sql:
            return {table}
        read = {t.name for t in sqlglot.parse_one(spec.sql, read="duckdb").find_all(exp.Table)}
        return {p for t in read if t in self.layer.tables and t != table for p in self._physical(t)}

    def compile(self, query: SemanticQuery) -> CompiledQuery:
        for name in query.metrics:
            if (refusal := self.metric_refusal(name, query.locale)) is not None:
                raise AccessDenied(refusal, suggestion=_ASK_ADMIN)
        for name in [*query.dimensions, *(f.field for f in query.filters)]:
            if name not in self.layer.dimensions:
                continue
            dim = self.layer.dimension(name)
            if any((dim.table.lower(), c.lower()) in self.access.hidden_columns for c in dim.equivalent_columns()):
                raise AccessDenied(f"'{dim.label.get(query.locale)}' is not part of your access.",
                                   suggestion=_ASK_ADMIN)
        return super().compile(query)
