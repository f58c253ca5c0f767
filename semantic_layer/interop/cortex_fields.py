"""Cortex dimensions, relationships and named filters -> layer dimensions and relationships.

- A dimension over a column is a dimension; a computed one an expression dimension (checked at
  load like any). `sample_values` become its values, `unique: true` a unique key of its table.
- A foreign-key dimension ('daily_revenue.product_id') that names the same thing as the key
  dimension it joins ('product.product_id') is kept once, on the key's table, reached by the join.
- A relationship keeps its declared cardinality. Its right column must be a key of the right
  table: one the model does not declare is added as a unique key and reported, so `layer
  validate` checks it on the data (a non-unique key repeats rows; the import cannot see data).
- A named filter `column = 'value'` over a dimension's column gives that value the filter's
  name and synonyms as words ("voided orders" reads as status = 'cancelled'); other filters
  have no counterpart in the layer and are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from semantic_layer.interop.cortex_common import (
    Findings,
    Unsupported,
    bare_column,
    humanize,
    layer_sql,
    layer_type,
    parse,
    row_level,
    slug,
    unique,
)
from semantic_layer.interop.cortex_tables import Logical, Tables, items, unknown_keys
from semantic_layer.models import Dimension, Label, Relationship, Synonyms, ValueLabel

DIMENSION_KEYS = {"name", "synonyms", "description", "expr", "data_type", "unique", "sample_values", "is_enum",
                  "cortex_search_service", "cortex_search_service_name"}
RELATIONSHIP_KEYS = {"name", "left_table", "right_table", "relationship_columns", "join_type", "relationship_type"}
FILTER_KEYS = {"name", "synonyms", "description", "expr"}


@dataclass
class DimDraft:
    lt: Logical
    name: str  # the Cortex name
    item: str
    column: str | None  # a plain column, or
    expr: str | None  # an expression over the table's columns
    synonyms: list[str] = field(default_factory=list)
    description: str = ""
    values: dict[str, ValueLabel] = field(default_factory=dict)


class Fields:
    def __init__(self, tables: Tables, f: Findings) -> None:
        self.t = tables
        self.f = f
        self.drafts: list[DimDraft] = []
        self.relationships: list[Relationship] = []

    # ------------------------------------------------------------------ dimensions
    def dimensions(self, lt: Logical, extra: list[tuple[dict[str, Any], exp.Expr]]) -> None:
        entries: list[tuple[dict[str, Any], exp.Expr | None]] = [
            (raw, None) for raw in items(lt.raw, "dimensions", self.f, lt.item)]
        for raw, tree in [*entries, *extra]:
            name = str(raw["name"])
            item = f"{lt.item}.dimensions.{name}"
            unknown_keys(raw, DIMENSION_KEYS, item, self.f)
            try:
                tree = tree or self.t.resolve(lt, parse(raw.get("expr")), "dimension", own=name.lower())
                row_level(tree, "dimension")
            except Unsupported as exc:
                self.f.add("unsupported", item, f"{exc}; left out.")
                continue
            col = bare_column(tree)
            if col is not None:
                self.t.column(lt, col, layer_type(raw.get("data_type")))
                if raw.get("unique") is True:
                    self.t.drafts[lt.table].add_key([col])
            d = DimDraft(lt, name, item, col, None if col else layer_sql(tree),
                         [str(s) for s in raw.get("synonyms") or []], str(raw.get("description") or ""),
                         {str(v): ValueLabel() for v in raw.get("sample_values") or []})
            if raw.get("cortex_search_service") or raw.get("cortex_search_service_name"):
                self.f.add("unsupported", f"{item}.cortex_search_service",
                           "Cortex Search over the values is not carried; the assistant reads the dimension's "
                           "values from the database instead.")
            if lt.merged and any(o.lt.table == lt.table and (o.column, o.expr) == (d.column, d.expr)
                                 for o in self.drafts):
                continue  # the repetition's copy of a dimension the first logical table has
            self.drafts.append(d)

    def finish_dimensions(self, metric_names: set[str]) -> list[Dimension]:
        """Dimensions with layer-wide unique names; foreign-key copies of a key dimension dropped."""
        joins = {(r.from_table, r.from_column): (r.to_table, r.to_column) for r in self.relationships
                 if r.cardinality != "many_to_many"}
        taken: set[str] = set(metric_names)
        out: list[Dimension] = []
        for d in self.drafts:
            target = joins.get((d.lt.table, d.column or ""))
            kept = next((o for o in self.drafts if target and (o.lt.table, o.column) == target), None)
            if target is not None and kept is not None:
                self.f.add("guess", d.item, f"is the join column to {target[0]}.{target[1]}: kept once, as "
                                            f"dimension '{kept.name}' of {kept.lt.name}, reached by the join.")
                continue
            name = slug(d.name)
            columns = self.t.drafts[d.lt.table].columns
            if d.expr is not None and name in columns:  # an expression dimension adds a column of its name
                name = f"{name}_value"
            name = unique(name, taken, slug(d.lt.name))
            if name != slug(d.name):
                self.f.add("guess", d.item, f"renamed '{name}' (the name is taken by another dimension, a metric "
                                            "or a column of its table).")
            label = humanize(d.name)
            out.append(Dimension(name=name, label=Label(en=label, zh=label), table=d.lt.table,
                                 column=d.column or name, expr=d.expr, synonyms=Synonyms(en=d.synonyms),
                                 description=d.description, values=d.values))
        return out

    # ------------------------------------------------------------------ relationships
    def read_relationships(self, relationships: list[dict[str, Any]]) -> None:
        for raw in relationships:
            item = f"relationships.{raw['name']}"
            unknown_keys(raw, RELATIONSHIP_KEYS, item, self.f)
            try:
                rel = self._relationship(raw, item)
            except Unsupported as exc:
                self.f.add("unsupported", item, f"{exc}; left out.")
                continue
            if rel is not None and rel in self.relationships:
                self.f.add("guess", item, f"repeats the relationship {rel.from_} -> {rel.to}; kept once.")
            elif rel is not None:
                self.relationships.append(rel)

    def _relationship(self, raw: dict[str, Any], item: str) -> Relationship | None:
        left, right = self.t.logical.get(str(raw.get("left_table"))), self.t.logical.get(str(raw.get("right_table")))
        if left is None or right is None:
            missing = raw.get("left_table") if left is None else raw.get("right_table")
            self.f.add("defect", item, f"names logical table '{missing}', which the model does not define "
                                       "(or which was left out); left out.")
            return None
        pairs = raw.get("relationship_columns") or []
        if not isinstance(pairs, list) or len(pairs) != 1 or not isinstance(pairs[0], dict):
            raise Unsupported(f"joins on {len(pairs) if isinstance(pairs, list) else 0} column pairs; the layer "
                              "joins on exactly one")
        lcol = self.t.physical_column(left, pairs[0].get("left_column"), "left_column")
        rcol = self.t.physical_column(right, pairs[0].get("right_column"), "right_column")
        kind = str(raw.get("relationship_type") or "")
        if not kind:
            kind = "many_to_one"
            self.f.add("guess", item, "has no relationship_type: read as many_to_one (`layer validate` checks "
                                      "the key on the data).")
        if kind == "one_to_many":  # the other way round
            left, right, lcol, rcol, kind = right, left, rcol, lcol, "many_to_one"
            self.f.add("guess", item, "one_to_many: imported as many_to_one from the right table to the left.")
        if kind not in {"many_to_one", "one_to_one", "many_to_many"}:
            raise Unsupported(f"relationship_type '{kind}' is not one the layer has")
        if str(raw.get("join_type") or "left_outer") != "left_outer":
            self.f.add("guess", item, f"join_type {raw.get('join_type')}: the layer always joins left outer, so "
                                      "rows with no match are kept (under an empty member) instead of dropped.")
        if kind != "many_to_many":
            self._require_key(right, rcol, item)
            if kind == "one_to_one":
                self._require_key(left, lcol, item)
        return Relationship.model_validate({"from": f"{left.table}.{lcol}", "to": f"{right.table}.{rcol}",
                                            "cardinality": kind})

    def _require_key(self, lt: Logical, col: str, item: str) -> None:
        draft = self.t.drafts[lt.table]
        if draft.has_key([col]):
            return
        draft.add_key([col])
        declared = f"its primary key is {draft.primary_key}" if draft.primary_key else "it declares no primary key"
        self.f.add("defect", item, f"joins to {lt.table}.{col}, but {declared}: '{col}' is declared a unique key "
                                   f"of {lt.table} so the join is allowed; `layer validate` checks it on the data.")

    # ------------------------------------------------------------------ named filters
    def filters(self, dims: list[Dimension]) -> list[Dimension]:
        by_key = {(d.table, d.key_column): i for i, d in enumerate(dims) if d.expr is None}
        for lt in self.t.logical.values():
            for raw in items(lt.raw, "filters", self.f, lt.item):
                item = f"{lt.item}.filters.{raw['name']}"
                unknown_keys(raw, FILTER_KEYS, item, self.f)
                try:
                    col, value = self._equality(lt, raw)
                    i = by_key.get((lt.table, col))
                    if i is None:
                        raise Unsupported(f"no dimension over column '{col}' to give the value '{value}' its words")
                except Unsupported as exc:
                    self.f.add("unsupported", item, f"{exc}. The layer has no named filters: ask with the "
                                                    "condition's own words. Left out.")
                    continue
                d = dims[i]
                words = list(dict.fromkeys([humanize(str(raw["name"])).lower(),
                                            *(str(s) for s in raw.get("synonyms") or [])]))
                old = d.values.get(value, ValueLabel())
                label = old.model_copy(update={"synonyms": list(dict.fromkeys([*old.synonyms, *words]))})
                dims[i] = d.model_copy(update={"values": {**d.values, value: label}})
                self.f.add("guess", item, f"mapped to the words {words} for {d.name} = '{value}' (a question "
                                          "using them is filtered so).")
        return dims

    def _equality(self, lt: Logical, raw: dict[str, Any]) -> tuple[str, str]:
        tree = self.t.resolve(lt, parse(raw.get("expr")), "filter")
        if isinstance(tree, exp.In) and len(tree.expressions) == 1 and not tree.args.get("query"):
            tree = exp.EQ(this=tree.this, expression=tree.expressions[0])
        if isinstance(tree, exp.EQ) and isinstance(tree.expression, exp.Column):
            tree = exp.EQ(this=tree.expression, expression=tree.this)
        if isinstance(tree, exp.EQ) and isinstance(tree.expression, exp.Literal):
            col = bare_column(tree.this)
            if col is not None:
                return col, tree.expression.name
        raise Unsupported(f"\"{layer_sql(tree)}\" is not `column = value`")
