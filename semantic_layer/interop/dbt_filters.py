"""MetricFlow `filter`s -> a measure's `filter` and `exists`.

`{{ Dimension('entity__dim') }}`, `{{ TimeDimension('entity__dim', 'month') }}` and
`{{ Entity('entity') }}` become a column of the measure's table, or `table.column` of a table it
reaches by many-to-one relationships (the only joins a measure filter may use). A dimension
whose `expr` is a constant ("1") in a semantic model joined on a shared entity marks
membership: `{{ Dimension('claim_amount__has_loss_payment') }} = 1` keeps the rows that have a
loss_payment row, which is `exists: [{table: loss_payment}]`; `IS NULL` is `absent: true`.

Anything else (`{{ Metric(...) }}`, a dimension not reached many-to-one, a marker inside OR,
a comparison a marker cannot satisfy) raises Unsupported: the metric is left out and reported,
never emitted as a condition that means something else.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from semantic_layer.interop.dbt_context import Ctx, Dim, Model

_BLOCK = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_GRAINS = {"day", "week", "month", "quarter", "year", "hour", "minute", "second"}
_PLACEHOLDER = "fa_dbt_ref_{}"


class Unsupported(Exception):
    """A filter that cannot be carried over as it means; the message says why."""


@dataclass
class Ref:
    call: str  # Dimension, TimeDimension, Entity, Metric
    element: str
    links: list[str]
    grain: str | None = None
    date_part: str | None = None


@dataclass
class Marker:
    model: Model
    dim: Dim
    on: dict[str, str]


@dataclass
class Translated:
    filter: str | None = None
    exists: list[dict[str, Any]] = field(default_factory=list)


def translate(ctx: Ctx, model: Model, time_column: str | None, filters: list[str]) -> Translated:
    """Every filter of a measure's metric (they all hold: AND) as our filter and memberships."""
    parts: list[str] = []
    out = Translated()
    for text in filters:
        sql, exists = _one(ctx, model, time_column, text)
        if sql:
            parts.append(sql if len(filters) == 1 else f"({sql})")
        out.exists += [e for e in exists if e not in out.exists]
    out.filter = " AND ".join(parts) or None
    return out


def _one(ctx: Ctx, model: Model, time_column: str | None, text: str) -> tuple[str | None, list[dict[str, Any]]]:
    columns: dict[str, str] = {}
    markers: dict[str, Marker] = {}

    def swap(match: re.Match[str]) -> str:
        name = _PLACEHOLDER.format(len(columns) + len(markers))
        resolved = _resolve(ctx, model, time_column, _parse_call(match.group(1)))
        if isinstance(resolved, Marker):
            markers[name] = resolved
        else:
            columns[name] = resolved
        return name

    sql = _BLOCK.sub(swap, text.strip())
    if "{%" in sql or "{{" in sql:
        raise Unsupported(f"the filter has Jinja other than Dimension/TimeDimension/Entity: {text.strip()!r}")
    exists: list[dict[str, Any]] = []
    rest: str | None = sql
    if markers:
        rest, exists = _memberships(model, sql, markers)
    for name, column in columns.items():
        rest = re.sub(rf"\b{name}\b", column, rest) if rest else rest
    return (rest.strip() or None) if rest else None, exists


# ---------------------------------------------------------------------- Jinja calls
def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise Unsupported(f"'{ast.unparse(node)}' is not a literal") from None


def _parse_call(inner: str) -> Ref:
    try:
        node = ast.parse(inner.strip(), mode="eval").body
    except SyntaxError:
        raise Unsupported(f"'{{{{{inner}}}}}' is not a MetricFlow reference") from None
    modifiers: dict[str, str] = {}
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):  # .grain('month'), .date_part(..)
        if node.args:
            modifiers[node.func.attr] = str(_literal(node.args[0])).lower()
        node = node.func.value
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args):
        raise Unsupported(f"'{{{{{inner}}}}}' is not a MetricFlow reference")
    call = node.func.id
    kwargs = {k.arg: _literal(k.value) for k in node.keywords if k.arg}
    parts = str(_literal(node.args[0])).lower().split("__")
    grain: Any = modifiers.get("grain") or kwargs.get("time_granularity_name") or kwargs.get("time_granularity")
    if len(node.args) > 1:
        grain = _literal(node.args[1])
    if call in ("Dimension", "TimeDimension") and len(parts) > 1 and parts[-1] in _GRAINS:
        grain = parts.pop()
    links = [str(e).lower() for e in kwargs.get("entity_path") or []] + parts[:-1]
    date_part = modifiers.get("date_part") or kwargs.get("date_part_name")
    return Ref(call=call, element=parts[-1], links=links, grain=str(grain).lower() if grain else None,
               date_part=str(date_part).lower() if date_part else None)


def _resolve(ctx: Ctx, model: Model, time_column: str | None, ref: Ref) -> str | Marker:
    if ref.call == "Metric":
        raise Unsupported(f"a filter on another metric ({{{{ Metric('{ref.element}') }}}}) needs a "
                          "query inside the filter, which a measure filter cannot hold")
    if ref.call == "Entity":
        return _entity_column(ctx, model, ref)
    if ref.call not in ("Dimension", "TimeDimension"):
        raise Unsupported(f"unknown reference {ref.call}()")
    if ref.element == "metric_time":
        if time_column is None:
            raise Unsupported("metric_time is used, but the measure has no time dimension")
        return _with_grain(time_column, ref)
    owner, dim = _find_dimension(ctx, model, ref)
    if dim.kind == "marker":
        return _marker(ctx, model, owner, dim, ref.links[-1])
    column = dim.column or dim.ours
    if column is None:
        raise Unsupported(f"dimension '{dim.name}' of '{owner.name}' was not imported")
    return _with_grain(_reach(ctx, model, owner, column, dim.name), ref)


def _with_grain(column: str, ref: Ref) -> str:
    if ref.date_part:
        return f"DATE_PART('{ref.date_part}', {column})"
    if ref.grain and ref.grain != "day":
        return f"DATE_TRUNC('{ref.grain}', {column})"
    return column


def _find_dimension(ctx: Ctx, model: Model, ref: Ref) -> tuple[Model, Dim]:
    entity = ref.links[-1] if ref.links else None
    found = [m for m in ctx.models.values() if ref.element in m.dims and (entity is None or m.has_entity(entity))]
    if not found:
        name = "__".join([*ref.links, ref.element])
        raise Unsupported(f"no semantic model with entity '{entity}' has a dimension '{ref.element}' ({name})")
    keyed = [m for m in found if m.raw.get("primary_entity") == entity or (
        (e := m.entity(entity or "")) is not None and e.kind in ("primary", "unique"))]
    own = [m for m in found if m is model]
    chosen = (own or keyed or found)[0]
    return chosen, chosen.dims[ref.element]


def _reach(ctx: Ctx, model: Model, owner: Model, column: str, what: str) -> str:
    if owner.table == model.table:
        return column
    if ctx.join_path(model.table, owner.table) is None:
        raise Unsupported(f"'{what}' is in '{owner.name}', which '{model.name}' does not reach by many-to-one "
                          "relationships (a filter through a one-to-many join would need a subquery)")
    return f"{owner.table}.{column}"


def _entity_column(ctx: Ctx, model: Model, ref: Ref) -> str:
    own = model.entity(ref.element)
    if own is not None:
        return own.column
    for other in ctx.models.values():
        e = other.entity(ref.element)
        if e is not None and e.kind in ("primary", "unique"):
            return _reach(ctx, model, other, e.column, ref.element)
    raise Unsupported(f"no semantic model has the entity '{ref.element}' as a key")


def _marker(ctx: Ctx, model: Model, owner: Model, dim: Dim, entity: str) -> Marker:
    if owner is model:
        raise Unsupported(f"'{dim.name}' is a constant of the measure's own semantic model")
    mine, theirs = model.entity(entity), owner.entity(entity)
    if mine is None or theirs is None:
        raise Unsupported(f"'{model.name}' and '{owner.name}' do not share the entity '{entity}'")
    rels = ctx.related(model.table, owner.table)
    on = {} if len(rels) == 1 else {mine.column: theirs.column}
    if not rels:
        raise Unsupported(f"no relationship between '{model.name}' and '{owner.name}' to match members on")
    return Marker(model=owner, dim=dim, on=on)


# ---------------------------------------------------------------------- membership
def _memberships(model: Model, sql: str, markers: dict[str, Marker]) -> tuple[str | None, list[dict[str, Any]]]:
    """Each top-level AND part that tests a marker becomes one membership; what is left stays SQL."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except ParseError as exc:
        raise Unsupported(f"the filter is not valid SQL ({str(exc).splitlines()[0]})") from None
    kept: list[exp.Expr] = []
    exists: list[dict[str, Any]] = []
    for part in tree.flatten() if isinstance(tree, exp.And) else [tree]:
        used = {c.name for c in part.find_all(exp.Column)} & set(markers)
        if not used:
            kept.append(part)
            continue
        name = used.pop()
        if used:
            raise Unsupported("two membership markers in one condition")
        exists.append(_membership(part, name, markers[name]))
    rest = " AND ".join(p.sql(dialect="duckdb") for p in kept) or None
    return rest, exists


def _membership(part: exp.Expr, name: str, marker: Marker) -> dict[str, Any]:
    absent = _marker_test(part, name, marker.dim.marker_value or "1")
    member: dict[str, Any] = {"table": marker.model.table}
    if marker.on:
        member["on"] = marker.on
    if marker.dim.marker_filter:
        member["filter"] = marker.dim.marker_filter
    if absent:
        member["absent"] = True
    return member


def _marker_test(part: exp.Expr, name: str, value: str) -> bool:
    """True for 'not a member' (IS NULL), False for 'a member' (= value, IS NOT NULL)."""
    inner = part.this if isinstance(part, exp.Not) else part
    negated = isinstance(part, exp.Not)
    if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null) and _is(inner.this, name):
        return not negated
    if isinstance(inner, exp.EQ) and not negated:
        pair = (inner.this, inner.expression)
        other = pair[1] if _is(pair[0], name) else pair[0] if _is(pair[1], name) else None
        if isinstance(other, (exp.Literal, exp.Boolean)) and str(other.this).lower() == value.lower():
            return False
    shown = part.sql(dialect="duckdb").replace(name, "marker")
    raise Unsupported(f"'{shown}' tests a membership marker (a constant {value} on member rows, NULL on the others) "
                      f"in a way that is not membership; only `= {value}`, `IS NOT NULL` and `IS NULL` are")


def _is(node: exp.Expr, name: str) -> bool:
    return isinstance(node, exp.Column) and node.name == name and not node.table
