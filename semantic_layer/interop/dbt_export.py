"""Our layer -> dbt semantic models (one per table): entities, dimensions, measures.

- A table's primary key is its primary entity, named after the table; a single-column unique key
  is a `unique` entity named `<table>_<column>`. A relationship is an entity named after the key
  it points to: `foreign`, or `unique` when it starts from a key of its own table (one-to-one),
  so that MetricFlow can also join towards it (a membership filter needs that join).
- Dimensions keep their names; each time column is a time dimension (the table's default date is
  `defaults.agg_time_dimension`); a measure's own time column is its `agg_time_dimension`.
- Measures keep agg and expr (COUNT(*) is `sum` of `1`); `create_metric: false` says that the
  metrics below are all there is. Their filters go to the metrics (dbt_export_metrics.py).

What dbt cannot say (labels in a second language, synonyms, value labels, a dimension's key
column, role tables' source and where, many-to-many links) goes under `config: meta:
factory_assistant:` of the semantic model, and the import reads it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from semantic_layer.generated import GENERATED_SUFFIX, row_measure_name
from semantic_layer.interop import Finding
from semantic_layer.interop.dbt_names import DBT_NAME
from semantic_layer.models import Label, Measure, Metric, Table

if TYPE_CHECKING:
    from semantic_layer.layer import Layer

_AGG = {"avg": "average"}


def label_meta(label: Label | None) -> dict[str, Any]:
    """The label, in meta only when a second language says more than dbt's one `label`."""
    return {"label": label.model_dump()} if label is not None and label.zh != label.en else {}


class Export:
    """The semantic models being written, and the lookups metrics need (entity and dimension names)."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.findings: list[Finding] = []
        self.models: dict[str, dict[str, Any]] = {}
        self.meta: dict[str, dict[str, Any]] = {}
        self.dim_of: dict[tuple[str, str], str] = {}  # (table, column) -> dbt dimension name
        generated = {row_measure_name(t.name) for t in layer.spec.tables}
        self.measures = [m for m in layer.spec.measures if m.name not in generated]
        self.metrics = [m for m in layer.spec.metrics
                        if not (m.name.endswith(GENERATED_SUFFIX) and m.expr.strip() in generated)]
        self.tables = list(layer.spec.tables)
        # MetricFlow gives a name one kind across the project: an entity may not share a measure's name
        self.reserved = {m.name for m in self.measures} | {d.name for d in layer.spec.dimensions}
        for name in sorted({m.name for m in self.measures} & {d.name for d in layer.spec.dimensions}):
            self.add(f"measures.{name}", "a dimension has the same name, which dbt refuses: rename one of them.")

    def add(self, item: str, message: str, severity: str = "unsupported") -> None:
        self.findings.append(Finding(severity, item, message))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ names
    def entity_name(self, table: str, column: str) -> str:
        """The entity of `table` keyed by `column`: the table's own name for its primary key."""
        if self.layer.tables[table].primary_key == [column]:
            return self.own_entity(table)
        name = f"{table}_{column}"
        return f"{name}_key" if name in self.reserved else name

    def own_entity(self, table: str) -> str:
        """The primary entity, or `primary_entity:` of a table without a one-column key."""
        return f"{table}_key" if table in self.reserved else table

    def _name_free(self, table: str, name: str) -> str:
        model = self.models[table]
        used = {str(i["name"]) for part in ("entities", "dimensions", "measures") for i in model[part]}
        while name in used:
            name += "_dim"
        return name

    def dimension_for(self, table: str, column: str) -> str:
        """The dbt dimension naming a column (added, marked filter-only, when none does)."""
        if (table, column) not in self.dim_of:
            name = self._name_free(table, column)
            self.models[table]["dimensions"].append({"name": name, "type": "categorical", **(
                {"expr": column} if name != column else {})})
            self.meta[table].setdefault("filter_only", []).append(name)
            self.dim_of[(table, column)] = name
        return self.dim_of[(table, column)]

    def marker_for(self, table: str, condition: str | None) -> str:
        """A dimension that is 1 on every row of `table` (where `condition` holds): membership."""
        expr = "1" if condition is None else f"CASE WHEN {condition} THEN 1 END"
        for d in self.models[table]["dimensions"]:
            if d.get("expr") == expr and d["name"] in self.meta[table].get("markers", []):
                return str(d["name"])
        count = len(self.meta[table].get("markers", []))
        name = self._name_free(table, f"has_{table}" if condition is None else f"has_{table}_{count + 1}")
        self.models[table]["dimensions"].append({"name": name, "type": "categorical", "expr": expr})
        self.meta[table].setdefault("markers", []).append(name)
        return name

    # ------------------------------------------------------------------ semantic models
    def build(self) -> None:
        for t in self.tables:
            self._model(t)
        for t in self.tables:
            self._relationships(t)
        for d in self.layer.spec.dimensions:
            self._dimension(d.name)
        for m in self.measures:
            self.models[m.table]["measures"].append(self._measure(m))
        for t in self.tables:
            if self.models[t.name]["measures"] and not t.time_column:
                self.add(f"tables.{t.name}", "MetricFlow needs a time dimension for every measure; this table has no "
                                             "time column, so dbt will ask for one (`agg_time_dimension`).")

    def _model(self, t: Table) -> None:
        model: dict[str, Any] = {"name": t.name}
        if t.description:
            model["description"] = t.description
        if t.label is not None:
            model["label"] = t.label.en
        model["model"] = f"ref('{t.name}')"
        model["entities"], model["dimensions"], model["measures"] = [], [], []
        # Everything dbt has no field for, as the layer says it (a role table's `sql` is made from its source).
        said = {"name", "description", "label", "primary_key", "unique_keys", "columns", "time_column", "time_roles",
                "computed", *(["sql"] if t.source else [])}
        meta: dict[str, Any] = {"layer": self.layer.spec.name, **label_meta(t.label), **{
            k: v for k, v in t.model_dump(mode="json", exclude_defaults=True).items() if k not in said}}
        self.models[t.name], self.meta[t.name] = model, meta
        if not DBT_NAME.match(t.name):
            self.add(f"tables.{t.name}", "not a valid dbt name (lower-case letters, digits, single underscores); "
                                         "dbt will refuse it: rename the table's semantic model.")
        if len(t.primary_key) == 1:
            model["entities"].append(self._entity(self.own_entity(t.name), "primary", t.primary_key[0]))
        else:
            model["primary_entity"] = self.own_entity(t.name)
            if t.primary_key:  # kept for the layer (listing records needs it), not as an entity
                meta["primary_key"] = list(t.primary_key)
                self.add(f"tables.{t.name}", f"composite primary key {t.primary_key}: an entity is one expression, so "
                                             "the table has no primary entity (joins to it are not written).")
        for key in t.unique_keys:
            if len(key) == 1 and key != t.primary_key:
                model["entities"].append(self._entity(self.entity_name(t.name, key[0]), "unique", key[0]))
        for col in t.time_columns():
            self._time_dimension(t, col)

    def _entity(self, name: str, kind: str, column: str) -> dict[str, Any]:
        return {"name": name, "type": kind, **({"expr": column} if column != name else {})}

    def _time_dimension(self, t: Table, column: str) -> None:
        name = column if DBT_NAME.match(column) else self._name_free(t.name, column.lower())
        dim: dict[str, Any] = {"name": name, "type": "time", "type_params": {"time_granularity": "day"}}
        if name != column:
            dim["expr"] = column
        role = next((r for r in t.time_roles if r.column == column), None)
        if role is not None:
            dim["label"] = role.label.en
            # synonyms even when empty: without them the import derives some from the column's name
            synonyms = role.synonyms.model_dump(exclude_defaults=True) or {"en": []}
            self.meta[t.name].setdefault("time_roles", {})[name] = {**label_meta(role.label), "synonyms": synonyms}
        if column == t.time_column:
            self.models[t.name]["defaults"] = {"agg_time_dimension": name}
        self.models[t.name]["dimensions"].append(dim)
        self.dim_of[(t.name, column)] = name

    def _relationships(self, t: Table) -> None:
        keys = [t.primary_key, *t.unique_keys]
        for r in self.layer.spec.relationships:
            if r.from_table != t.name:
                continue
            if r.cardinality == "many_to_many":
                self.meta[t.name].setdefault("many_to_many", []).append({"from": r.from_, "to": r.to})
                self.add(f"relationships.{r.from_}", f"-> {r.to} is many-to-many: MetricFlow joins only on keys, so "
                                                     "it is kept in meta only (it never joined in the layer either).")
                continue
            name = self.entity_name(r.to_table, r.to_column)
            entities = self.models[t.name]["entities"]
            if any(e["name"] == name for e in entities):
                self.add(f"relationships.{r.from_}", f"-> {r.to}: '{t.name}' already has an entity '{name}'; two "
                                                     "joins to one key need role tables, so this one is not written.")
                continue
            kind = "unique" if [r.from_column] in keys else "foreign"
            entities.append(self._entity(name, kind, r.from_column))
            if kind == "unique" and r.cardinality == "many_to_one":  # the import would read key-to-key as one-to-one
                self.meta[t.name].setdefault("many_to_one", []).append(r.from_)

    def _dimension(self, name: str) -> None:
        d = self.layer.dimensions[name]
        table = self.layer.tables[d.table]
        dim: dict[str, Any] = {"name": d.name, "type": "categorical"}
        if d.expr is not None:
            dim["expr"] = d.expr
        elif d.column != d.name:
            dim["expr"] = d.column
        dim["label"] = d.label.en
        if d.description:
            dim["description"] = d.description
        said = {"name", "label", "table", "column", "expr", "description"}  # what the dbt dimension holds
        extra = {k: v for k, v in d.model_dump(exclude_defaults=True, mode="json").items() if k not in said}
        extra.update(label_meta(d.label))
        if d.key and d.key != d.column:
            self.add(f"dimensions.{d.name}", f"shows '{d.column}' but filters compare '{d.key}': dbt has one "
                                             "expression per dimension, so the key is in meta only.")
        if extra:
            self.meta[table.name].setdefault("dimensions", {})[d.name] = extra
        self.models[table.name]["dimensions"].append(dim)
        self.dim_of.setdefault((table.name, d.column), d.name)  # an expression's column is its own name

    def _measure(self, m: Measure) -> dict[str, Any]:
        out: dict[str, Any] = {"name": m.name, "agg": _AGG.get(m.agg, m.agg)}
        if m.description:
            out["description"] = m.description
        if m.agg == "count" and m.expr is None:
            out.update(agg="sum", expr=1)  # COUNT(*), the MetricFlow way
        elif m.expr is not None:
            out["expr"] = m.expr
        if m.time_column:
            if (m.table, m.time_column) not in self.dim_of:  # a date only this measure is read by
                self._time_dimension(self.layer.tables[m.table], m.time_column)
            out["agg_time_dimension"] = self.dim_of[(m.table, m.time_column)]
        dated = m.time_column or self.layer.tables[m.table].time_column
        if m.semi_additive == "last" and dated and (m.table, dated) in self.dim_of:
            # a level: MetricFlow reads it on the latest day of its time dimension
            out["non_additive_dimension"] = {"name": self.dim_of[(m.table, dated)], "window_choice": "max"}
        out["create_metric"] = False
        return out

    def metric_inputs(self) -> dict[str, Metric]:
        """measure name -> our metric that is exactly that measure (a dbt metric to build on)."""
        out: dict[str, Metric] = {}
        for metric in self.metrics:
            if metric.expr.strip() in self.layer.measures:
                out.setdefault(metric.expr.strip(), metric)
        return out
