"""Our metrics -> dbt metrics, with each measure's filter as a MetricFlow `filter`.

A metric that is one measure is `simple` (the measure's filter is the metric's). Any other is
written over metrics: `ratio` for `a / b`, `derived` otherwise; a measure no metric of ours is
exactly gets a helper metric marked `input_only` in meta (the import does not show it).

Filters: a column of the measure's table is `{{ Dimension('<table>__<dim>') }}`, a column of a
table reached many-to-one is the same through the entities on the way (`entity_path`), and
membership is a marker dimension on the member table (`expr: 1`) tested `= 1` (or `IS NULL`
for `absent`), which MetricFlow joins on the shared entity.
"""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

from semantic_layer.interop.dbt_export import Export, label_meta
from semantic_layer.interop.dbt_filters import Unsupported
from semantic_layer.interop.dbt_names import META_KEY, title
from semantic_layer.models import BUILTIN_UNITS, Measure, Membership, Metric


def export_metrics(x: Export) -> list[dict[str, Any]]:
    inputs = x.metric_inputs()
    helpers: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for metric in x.metrics:
        try:
            out.append(_metric(x, metric, inputs, helpers))
        except Unsupported as exc:
            x.add(f"metrics.{metric.name}", f"{exc}; the metric is not written.")
    return [*out, *helpers.values()]


def _metric(x: Export, metric: Metric, inputs: dict[str, Metric], helpers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    tree = sqlglot.parse_one(metric.expr, read="duckdb")
    item: dict[str, Any] = {"name": metric.name, "label": metric.label.en, "description": metric.description}
    if isinstance(tree, exp.Column) and tree.name in x.layer.measures:
        item.update(_simple(x, x.layer.measures[tree.name]))
    else:
        refs = {m.name: _input(x, m, inputs, helpers, metric.name) for m in x.layer.metric_measures(metric.name)}
        if isinstance(tree, exp.Div) and isinstance(tree.this, exp.Column) and isinstance(tree.expression, exp.Column):
            item.update(type="ratio", type_params={"numerator": {"name": refs[tree.this.name]},
                                                   "denominator": {"name": refs[tree.expression.name]}})
        else:
            expr = tree.transform(lambda n: exp.column(refs[n.name]) if isinstance(n, exp.Column) else n)
            item.update(type="derived", type_params={"expr": expr.sql(dialect="duckdb"),
                                                     "metrics": [{"name": n} for n in dict.fromkeys(refs.values())]})
    item["config"] = {"meta": {META_KEY: _meta(x, metric)}}
    return item


def _simple(x: Export, m: Measure) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "simple", "type_params": {"measure": m.name}}
    condition = jinja_filter(x, m)
    if condition:
        out["filter"] = condition
    return out


def _input(x: Export, m: Measure, inputs: dict[str, Metric], helpers: dict[str, dict[str, Any]], user: str) -> str:
    """The dbt metric a compound metric reads measure `m` through."""
    if m.name in inputs and inputs[m.name].name != user:
        return inputs[m.name].name
    if m.name not in helpers:
        taken = {metric.name for metric in x.metrics} | {h["name"] for h in helpers.values()}
        name = m.name if m.name not in taken else f"{m.name}_input"
        helpers[m.name] = {"name": name, "label": title(m.name), **_simple(x, m),
                           "config": {"meta": {META_KEY: {"input_only": True}}}}
    return str(helpers[m.name]["name"])


def _meta(x: Export, metric: Metric) -> dict[str, Any]:
    unit: Any = metric.unit
    if metric.unit not in {u.name for u in BUILTIN_UNITS}:
        unit = x.layer.units[metric.unit].model_dump(mode="json", exclude_defaults=True)
    said = {"name", "label", "description", "expr", "unit"}  # what the dbt metric holds
    rest = {k: v for k, v in metric.model_dump(mode="json", exclude_defaults=True).items() if k not in said}
    return {**rest, "unit": unit, **label_meta(metric.label)}


# ---------------------------------------------------------------------- filters
def jinja_filter(x: Export, m: Measure) -> str | None:
    parts: list[str] = []
    if m.filter:
        parts.append(_condition(x, m))
    parts += [_membership(x, m, member) for member in m.exists]
    if len(parts) > 1 and m.filter:
        parts[0] = f"({parts[0]})"
    return " AND ".join(parts) or None


def _condition(x: Export, m: Measure) -> str:
    """The filter as written, each column swapped for its dimension (the rest of the text kept, so
    that the import gives back the same filter)."""
    text = m.filter or ""
    columns = {(c.table, c.name) for c in sqlglot.parse_one(text, read="duckdb").find_all(exp.Column)}
    tokens = sqlglot.Dialect.get_or_raise("duckdb").tokenize(text)
    out, last, i = [], 0, 0
    while i < len(tokens):
        tok = tokens[i]
        qualified = i + 2 < len(tokens) and tokens[i + 1].token_type == TokenType.DOT
        table, name = (tok.text, tokens[i + 2].text) if qualified else ("", tok.text)
        if tok.token_type == TokenType.VAR and (table, name) in columns:
            end = tokens[i + 2].end if qualified else tok.end
            out += [text[last:tok.start], _dimension_ref(x, m.table, table or m.table, name)]
            last, i = end + 1, i + (3 if qualified else 1)
            continue
        i += 1
    return "".join([*out, text[last:]])


def _dimension_ref(x: Export, table: str, owner: str, column: str) -> str:
    dim = x.dimension_for(owner, column)
    call = "TimeDimension" if column in x.layer.tables[owner].time_columns() else "Dimension"
    grain = ", 'day'" if call == "TimeDimension" else ""
    if owner == table:
        return f"{{{{ {call}('{x.own_entity(table)}__{dim}'{grain}) }}}}"
    path = x.layer.join_path(table, owner)
    if path is None:
        raise Unsupported(f"the filter uses '{owner}.{column}', which '{table}' does not reach")
    chain = [x.entity_name(step.table, step.right_column) for step in path]
    via = f", entity_path={chain[:-1]!r}" if len(chain) > 1 else ""
    return f"{{{{ {call}('{chain[-1]}__{dim}'{grain}{via}) }}}}"


def _membership(x: Export, m: Measure, member: Membership) -> str:
    pairs = list(member.on.items()) or x.layer.membership_columns(m.table, member.table)
    if len(pairs) != 1:
        raise Unsupported(f"membership in '{member.table}' matches on {len(pairs)} columns; an entity is one")
    own, other = pairs[0]
    entity = None
    for r in x.layer.spec.relationships:
        if (r.from_table, r.from_column, r.to_table, r.to_column) == (member.table, other, m.table, own):
            keys = [x.layer.tables[member.table].primary_key, *x.layer.tables[member.table].unique_keys]
            if [other] not in keys:
                raise Unsupported(f"'{member.table}' may have several rows per '{m.table}' row, and MetricFlow "
                                  "joins only towards a key")
            entity = x.entity_name(m.table, own)
        elif (r.from_table, r.from_column, r.to_table, r.to_column) == (m.table, own, member.table, other):
            entity = x.entity_name(member.table, other)
    if entity is None:
        raise Unsupported(f"no relationship between '{m.table}.{own}' and '{member.table}.{other}' to join on")
    marker = x.marker_for(member.table, member.filter)
    return f"{{{{ Dimension('{entity}__{marker}') }}}} " + ("IS NULL" if member.absent else "= 1")
