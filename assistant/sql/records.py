"""The records of one table, one by one: its key, its date and the dimensions asked, newest first.

"Show me the open complaints from this month", "正在生产的工单清单，带上产品和产线": rows, not a
figure. Filters and the period apply as they do for the table's count (the same joins, the same
time window on the date the question names), so the list and its count always agree.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from assistant.plan.query import SemanticQuery, records_table, row_amount
from assistant.sql.columns import CompiledQuery, OutputColumn
from assistant.sql.expressions import measure_condition, parse, qualify
from semantic_layer.layer import Layer

if TYPE_CHECKING:
    from assistant.sql.compiler import Compiler

__all__ = ["records_query"]


def records_query(compiler: Compiler, query: SemanticQuery) -> CompiledQuery:
    from assistant.sql.compiler import _Group  # the compiler imports this module: resolved at call time

    layer = compiler.layer
    name, counting = records_table(layer, query.records or "")
    table = layer.tables[name]
    dated = query.time_role if query.time_role in table.time_columns() else table.time_column
    group = _Group(table.name, dated, [])
    dim_filters = compiler._dimension_filters(group, query)
    dims = shown_dimensions(layer, query)
    needed = [layer.dimension(d).table for d in [*dims, *(f.field for f in dim_filters)]]
    select = compiler._join_dimension_tables(group, needed)
    shown: list[exp.Expr] = [] if query.distinct else [exp.column(k, table=table.name).as_(k)
                                                        for k in table.primary_key]
    if dated and dated not in table.primary_key and not query.distinct:
        shown.append(exp.column(dated, table=table.name).as_(dated))
    shown += [compiler._dimension_expr(d, query.locale).as_(d) for d in dims]
    amounts = _amounts(layer, query)
    shown += [value.as_(name) for name, value in amounts.items()]
    select = select.select(*shown)
    rule = measure_condition(counting, layer) if counting is not None else None
    where = compiler._where(group, query, rule, dim_filters)
    if where:
        select = select.where(exp.and_(*where))
    if query.distinct:  # the members those records name, each once
        select = select.distinct().order_by(*(exp.Ordered(this=exp.column(d)) for d in dims))
    else:
        # 'the five longest breakdowns': by the amount asked, then newest first
        order = [exp.Ordered(this=exp.column(o.field), desc=o.desc) for o in query.order if o.field in amounts]
        order += [exp.Ordered(this=exp.column(dated), desc=True)] if dated else []
        select = select.order_by(*order, *(exp.Ordered(this=exp.column(k)) for k in table.primary_key))
    if query.limit:
        select = select.limit(query.limit)
    for name in compiler._derived_tables(select):  # a derived table (the latest snapshot) as a CTE
        select = compiler._prepend_cte(select, name)
    tree = compiler._expanded(select)
    return CompiledQuery(tree=tree, columns=record_columns(layer, query, dated), tables=[table.name])


def _amounts(layer: Layer, query: SemanticQuery) -> dict[str, exp.Expr]:
    """The amount each record carries for every figure the records are sorted by (each event's minutes)."""
    out: dict[str, exp.Expr] = {}
    for o in query.order:
        m = row_amount(layer, query.records or "", o.field)
        if m is None or query.distinct:
            continue
        value = qualify(parse(m.expr or ""), m.table)
        cond = measure_condition(m, layer)
        out[o.field] = value if cond is None else exp.Case(ifs=[exp.If(this=cond, true=value)])
    return out


def record_columns(layer: Layer, query: SemanticQuery, dated: str | None) -> list[OutputColumn]:
    table = layer.tables[records_table(layer, query.records or "")[0]]
    name_zh = record_names(layer, table.name)[1]
    cols = [] if query.distinct else [_key_column(layer, table.name, k, name_zh) for k in table.primary_key]
    if dated and dated not in table.primary_key and not query.distinct:
        role = next((r for r in table.time_roles if r.column == dated), None)
        cols.append(OutputColumn(dated, "date", _first_upper(role.label.en if role else _words(dated)),
                                 role.label.zh if role else "日期"))
    for d in shown_dimensions(layer, query):
        dim = layer.dimension(d)
        cols.append(OutputColumn(d, "dimension", dim.label.en, dim.label.zh))
    for o in query.order:
        if not query.distinct and row_amount(layer, query.records or "", o.field) is not None:
            spec = layer.metric(o.field)
            cols.append(OutputColumn(o.field, "metric", spec.label.en, spec.label.zh or spec.label.en, spec.unit))
    return cols


def _key_column(layer: Layer, table: str, key: str, name_zh: str) -> OutputColumn:
    """A key column's heading: a composite key's parts by the member each one is the id of ('Plant ID',
    '工厂编号'), else the record's own ('Complaint ID', '客诉编号')."""
    spec = layer.tables[table]
    owner = next((d for d in layer.spec.dimensions if d.key_column == key and d.table != table), None)
    if len(spec.primary_key) > 1 and owner is not None:
        return OutputColumn(key, "record", f"{owner.label.en} ID", f"{owner.label.zh}编号")
    return OutputColumn(key, "record", _first_upper(_words(key)), f"{name_zh}编号")


def shown_dimensions(layer: Layer, query: SemanticQuery) -> list[str]:
    """The dimensions asked for, then (records one by one) the ones the layer shows with every record."""
    if query.distinct:
        return list(query.dimensions)
    table = layer.tables[records_table(layer, query.records or "")[0]]
    return list(dict.fromkeys([*query.dimensions, *table.record_columns]))


def record_names(layer: Layer, table: str) -> tuple[str, str]:
    """What the rows of `table` are called (English plural, Chinese): its label, else its synonyms or
    the words of the metric that counts them, else its name."""
    if table in layer.metrics:  # the rows a count metric counts: by its name when that names things
        label, rows = layer.metric(table).label, layer.metric_measures(table)[0].table
        if not re.search(r"\b(?:count|number)\b|次数|数$", f"{label.en} {label.zh}", re.I):
            return label.en, label.zh or label.en
        en, zh = record_names(layer, rows)  # 'Downtime events (breakdown count)'
        return f"{en} ({label.en.lower()})", f"{zh}（{label.zh or label.en}）"
    spec = layer.tables[table]
    counted = layer.count_metric(table)
    en = spec.label.en if spec.label is not None else _words(table)
    said = sorted(layer.metric(counted).synonyms.zh, key=len) if counted else []
    zh_names = [*([spec.label.zh] if spec.label is not None else []), *spec.synonyms.zh, *said]
    return en, next((n for n in zh_names if n and not n.isascii()), en)


def _words(name: str) -> str:
    """'complaint_id' -> 'complaint ID', 'reported_on' -> 'reported on'."""
    return (name[:-3] + " ID" if name.endswith("_id") else name).replace("_", " ")


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]
