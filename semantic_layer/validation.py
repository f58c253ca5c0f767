"""Cross-checks of a loaded layer: every name unique, every table, column, join, unit and
genealogy node it mentions exists. Each error names the file and item ("metrics.yaml:
metrics[3]") and, where one is close, the name that was probably meant.

Checks against a live database (that the tables really exist) are `layer validate`'s job.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from semantic_layer.access import check_access
from semantic_layer.errors import LayerError, did_you_mean
from semantic_layer.soundness import check_dimension_sql, check_measure_sql, check_relationship_keys
from semantic_layer.summary_checks import check_aggregates, check_indexes

if TYPE_CHECKING:
    from semantic_layer.layer import Layer
    from semantic_layer.models import Dimension


def check_layer(layer: Layer) -> None:
    """Raise LayerError at the first problem; the checks run from names to formulas."""
    _check_unique_names(layer)
    _check_tables(layer)
    check_relationship_keys(layer)
    _check_dimensions(layer)
    _check_measures(layer)
    _check_units(layer)
    for metric in layer.spec.metrics:
        _check_metric(layer, metric.name)
    check_genealogy(layer)
    check_access(layer)
    check_indexes(layer)
    check_aggregates(layer)


def _check_unique_names(layer: Layer) -> None:
    spec = layer.spec
    for kind, names in (("tables", [t.name for t in spec.tables]), ("dimensions", [d.name for d in spec.dimensions]),
                        ("measures", [m.name for m in spec.measures]), ("metrics", [m.name for m in spec.metrics]),
                        ("units", [u.name for u in spec.units])):
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise LayerError(f"'{name}' is defined twice.", location=layer.where(kind, name))
            seen.add(name)
    clash = set(layer.metrics) & set(layer.dimensions)
    if clash:
        raise LayerError(f"names used for both a metric and a dimension: {sorted(clash)}.")


def _check_tables(layer: Layer) -> None:
    """Keys and time columns of tables, and both ends of every relationship."""
    for t in layer.spec.tables:
        where = layer.where("tables", t.name)
        for col in [*t.primary_key, *(c for key in t.unique_keys for c in key), *t.time_columns()]:
            layer.require_column(t.name, col, where)
    for r in layer.spec.relationships:
        where = layer.where("relationships", r.from_)
        layer.require_column(r.from_table, r.from_column, where)
        layer.require_column(r.to_table, r.to_column, where)


def _check_dimensions(layer: Layer) -> None:
    for d in layer.spec.dimensions:
        where = layer.where("dimensions", d.name)
        for col in d.equivalent_columns():
            layer.require_column(d.table, col, where)
    check_dimension_sql(layer)
    _check_record_columns(layer)
    for d in layer.spec.dimensions:
        _check_value_sets(layer, d)
        if d.counted_by is None:
            continue
        where = layer.where("dimensions", d.name)
        if d.counted_by not in layer.metrics:
            raise LayerError(f"counted_by: unknown metric '{d.counted_by}'.", location=where,
                             suggestion=did_you_mean(d.counted_by, layer.metrics))
        if d.name not in layer.metric_dimensions(d.counted_by):
            raise LayerError(f"counted_by: metric '{d.counted_by}' cannot be broken down by '{d.name}'.",
                             location=where)


def _check_record_columns(layer: Layer) -> None:
    """The dimensions shown beside listed records, and the one 'who' asks for, exist and are reachable."""
    for t in layer.spec.tables:
        for name in t.record_columns:
            where = layer.where("tables", t.name)
            if name not in layer.dimensions:
                raise LayerError(f"record_columns: unknown dimension '{name}'.", location=where,
                                 suggestion=did_you_mean(name, layer.dimensions))
            if layer.join_path(t.name, layer.dimension(name).table) is None:
                raise LayerError(f"record_columns: '{name}' is not reachable from '{t.name}'.", location=where)
        if t.who is not None:
            where = layer.where("tables", t.name)
            if t.who not in layer.dimensions:
                raise LayerError(f"who: unknown dimension '{t.who}'.", location=where,
                                 suggestion=did_you_mean(t.who, layer.dimensions))
            if layer.join_path(t.name, layer.dimension(t.who).table) is None:
                raise LayerError(f"who: '{t.who}' is not reachable from '{t.name}'.", location=where)


def _check_value_sets(layer: Layer, d: Dimension) -> None:
    """A set names declared values only (when the dimension declares its values), and says its name."""
    where = layer.where("dimensions", d.name)
    for i, s in enumerate(d.value_sets):
        if not s.forms():
            raise LayerError(f"value_sets[{i}]: give the set a name (en, zh or synonyms).", location=where)
        unknown = [v for v in s.values if d.values and v not in d.values]
        if unknown:
            raise LayerError(f"value_sets[{i}]: '{unknown[0]}' is not one of the values declared for "
                             f"'{d.name}'.", location=where, suggestion=did_you_mean(unknown[0], list(d.values)))


def _check_measures(layer: Layer) -> None:
    for m in layer.spec.measures:
        where = layer.where("measures", m.name)
        table = layer.require_table(m.table, where)
        if m.time_column:
            layer.require_column(table.name, m.time_column, where)
        if m.semi_additive and not (m.time_column or table.time_column):
            raise LayerError(f"measure '{m.name}' is read on the last day of a period, but table "
                             f"'{table.name}' has no date.", location=where,
                             suggestion="Give the table a time_column, or the measure one.")
    # Columns, and that filter and expression mean what they say once compiled.
    check_measure_sql(layer)


def _check_units(layer: Layer) -> None:
    for unit in layer.spec.units:
        for conv in unit.conversions:
            if conv.to not in layer.units or conv.to == unit.name:
                raise LayerError(f"unit '{unit.name}' converts to unknown unit '{conv.to}'.",
                                 location=layer.where("units", unit.name),
                                 suggestion=did_you_mean(conv.to, layer.units))
            if unit.kind == "ratio" or layer.units[conv.to].kind == "ratio":
                raise LayerError(f"unit '{unit.name}': a ratio is shown as a percentage and converts to nothing.",
                                 location=layer.where("units", unit.name))
    for metric in layer.spec.metrics:
        if metric.unit not in layer.units:
            raise LayerError(f"unknown unit '{metric.unit}'; declare it under `units:` (ratio and count are built in).",
                             location=layer.where("metrics", metric.name) + ".unit",
                             suggestion=did_you_mean(metric.unit, layer.units))


def _check_metric(layer: Layer, name: str) -> None:
    """Its expression names measures, and every dimension it declares is reachable from them."""
    metric = layer.metrics[name]
    where = layer.where("metrics", name)
    refs = layer.metric_measures(name, where=where)
    if not refs:
        raise LayerError("the expression uses no measure.", location=where)
    tables = {m.table for m in refs}
    reachable = {d.name for d in layer.spec.dimensions if any(layer.join_path(t, d.table) is not None for t in tables)}
    for dim in metric.dimensions or []:
        if dim not in layer.dimensions:
            raise LayerError(f"unknown dimension '{dim}'.", location=where, suggestion=did_you_mean(dim,
                                                                                                    layer.dimensions))
        if dim not in reachable:
            raise LayerError(f"dimension '{dim}' cannot be reached from any table this metric uses.", location=where)


# ---------------------------------------------------------------------- genealogy
def check_genealogy(layer: Layer) -> None:
    """Cross-check the genealogy graph against the tables (traceability answers rely on it)."""
    names = _check_nodes(layer)
    gen = layer.spec.genealogy
    where = layer.where("genealogy", "")
    for i, edge in enumerate(gen.edges):
        at = f"{where}.edges[{i}] ({edge.upstream} -> {edge.downstream})"
        for end in (edge.upstream, edge.downstream):
            if end not in names:
                raise LayerError(f"unknown node '{end}'.", location=at, suggestion=did_you_mean(end, names))
        _require_physical(layer, edge.table, at)
        layer.require_column(edge.table, edge.upstream_column, at)
        layer.require_column(edge.table, edge.downstream_column, at)
    impact = gen.impact
    for role, node_name in (("affected", impact.affected), ("delivered_via", impact.delivered_via),
                            ("notify", impact.notify)):
        if node_name and node_name not in names:
            raise LayerError(f"impact.{role}: unknown node '{node_name}'.", location=where,
                             suggestion=did_you_mean(node_name, names))


def _check_nodes(layer: Layer) -> set[str]:
    """Every node's table, columns and id pattern; returns the node names."""
    where = layer.where("genealogy", "")
    names: set[str] = set()
    for i, node in enumerate(layer.spec.genealogy.nodes):
        at = f"{where}.nodes[{i}] ({node.name})"
        if node.name in names:
            raise LayerError(f"node '{node.name}' is defined twice.", location=at)
        names.add(node.name)
        _require_physical(layer, node.table, at)
        cols = [node.key, node.display, node.display_zh, node.time_column, node.quantity_column,
                node.status_column, *node.columns]
        for col in filter(None, cols):
            layer.require_column(node.table, col, at)
        if node.id_pattern:
            try:
                re.compile(node.id_pattern)
            except re.error as exc:
                raise LayerError(f"id_pattern is not a valid regular expression ({exc}).", location=at) from None
    return names


def _require_physical(layer: Layer, table: str, where: str) -> None:
    # Traces run as plain SQL over stored tables; derived tables exist only inside compiled metrics.
    if layer.require_table(table, where).derived:
        raise LayerError(f"table '{table}' is derived; genealogy needs a stored table.", location=where)
