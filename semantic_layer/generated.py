"""What every layer can answer without declaring it: the number of rows of each labelled table.

A table with a primary key and a `label` ("Sales orders" / "销售订单") gets a count metric
(`<table>_count`, "Number of sales orders" / "销售订单数") unless the layer already declares a
plain COUNT(*) metric over it. The metric can be filtered and broken down by the table's own
dimensions and by everything reachable through its many-to-one relationships, dated by the
table's time column (or one of its time roles), like any declared metric.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from semantic_layer.models import Label, LayerSpec, Measure, Metric, Synonyms, Table

GENERATED_SUFFIX = "_count"


def row_measure_name(table: str) -> str:
    return f"{table}__rows"


def _counts_rows(spec: LayerSpec) -> set[str]:
    """Tables that already have a declared metric that is COUNT(*) of their rows, unfiltered."""
    measures = {m.name: m for m in spec.measures}
    out: set[str] = set()
    for metric in spec.metrics:
        tree = sqlglot.parse_one(metric.expr, read="duckdb")
        if isinstance(tree, exp.Column) and tree.name in measures:
            m = measures[tree.name]
            if m.agg == "count" and m.expr is None and m.filter is None:
                out.add(m.table)
    return out


def _count_metric(table: Table, label: Label, taken_forms: set[str]) -> Metric:
    forms_en = [f for f in [label.en, *table.synonyms.en] if f.lower() not in taken_forms]
    forms_zh = [f for f in [label.zh, *table.synonyms.zh] if f.lower() not in taken_forms]
    return Metric(
        name=f"{table.name}{GENERATED_SUFFIX}",
        label=Label(en=f"Number of {label.en[:1].lower()}{label.en[1:]}", zh=f"{label.zh}数"),
        synonyms=Synonyms(en=forms_en, zh=forms_zh),
        description=f"How many {label.en.lower()} there are (rows of {table.name}).",
        description_zh=f"{label.zh}的数量。",
        formula=f"COUNT(*) of {table.name}",
        expr=row_measure_name(table.name),
        unit="count",
    )


def with_generated(spec: LayerSpec) -> LayerSpec:
    """The spec plus a count metric for every labelled table that lacks one."""
    counted = _counts_rows(spec)
    names = {m.name for m in spec.metrics} | {d.name for d in spec.dimensions}
    # Words a declared metric or dimension already uses keep their meaning ("customers" breaks
    # down by customer; "defects" is the defect quantity): the count is then asked for as
    # "number of ..." or "how many ...", which the planner reads with the table's label.
    taken = {f.lower() for m in spec.metrics for f in [m.label.en, m.label.zh, *m.synonyms.all()]}
    taken |= {f.lower() for d in spec.dimensions for f in [d.label.en, d.label.zh, *d.synonyms.all()]}
    measures: list[Measure] = []
    metrics: list[Metric] = []
    for table in spec.tables:
        if table.label is None or not table.primary_key or table.derived or table.name in counted:
            continue
        if f"{table.name}{GENERATED_SUFFIX}" in names:
            continue
        measures.append(Measure(name=row_measure_name(table.name), table=table.name, agg="count",
                                description=f"Rows of {table.name}."))
        metrics.append(_count_metric(table, table.label, taken))
    if not metrics:
        return spec
    return spec.model_copy(update={"measures": [*spec.measures, *measures], "metrics": [*spec.metrics, *metrics]})
