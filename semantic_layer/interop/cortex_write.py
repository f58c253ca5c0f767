"""A layer -> a Cortex Analyst semantic model (`layer export --format cortex --out model.yaml`).

| layer                                   | Cortex                                                        |
|-----------------------------------------|---------------------------------------------------------------|
| table                                   | logical table of the same name; base_table.table             |
| role / derived table                    | logical table whose base_table is a query (`definition`)     |
| primary_key, one-column unique key      | primary_key, `unique: true` on the column's dimension        |
| dimension (column or expression)        | dimension (expr), values as sample_values                    |
| time_column, time_roles                 | time_dimensions, the default first                           |
| metric over one table's measures        | table metric: each measure written as its aggregate, a       |
|                                         | filter as AGG(CASE WHEN filter THEN x END)                   |
| metric over several tables              | model-level (derived) metric over table metrics               |
| relationship                            | relationship (left_outer, many_to_one / one_to_one)          |
| verified query with SQL                 | verified query, SQL over logical names                        |

Metric expressions name logical columns (table.fact): a column a metric aggregates is exposed as a
fact named after it unless a dimension already is that column. What Cortex cannot say is reported:
units and targets, Chinese labels and synonyms, a dimension's separate key column, filters through
joins and memberships (the metric is left out rather than written wrong), many-to-many
relationships, access roles and genealogy. Query-defined logical tables (`base_table.definition`)
are a semantic-view feature: a legacy semantic model file cannot hold a role table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlglot import exp

from semantic_layer.interop import Exported
from semantic_layer.interop.cortex_common import (
    LAYER_DIALECT,
    SOURCE_DIALECT,
    Findings,
    Unsupported,
    cortex_type,
    humanize,
    parse,
    unique,
)
from semantic_layer.interop.cortex_sql import to_logical
from semantic_layer.safe_write import write_atomic

if TYPE_CHECKING:
    from semantic_layer.layer import Layer
    from semantic_layer.models import Dimension, Measure, Metric, Table

PLACEHOLDER = {"database": "<DATABASE>", "schema": "<SCHEMA>"}
_AGG = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max, "count": exp.Count}


def _sf(tree: exp.Expr) -> str:
    return tree.sql(dialect=SOURCE_DIALECT)


class _Writer:
    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.spec = layer.spec
        self.f = Findings()
        self.out: dict[str, dict[str, Any]] = {}  # table -> its Cortex logical table, in order
        self.logical: dict[str, dict[str, str]] = {}  # table -> physical column -> its logical name
        self.taken: dict[str, set[str]] = {}  # table -> logical names used
        self.zh: list[str] = []  # items whose Chinese words Cortex cannot hold

    # ------------------------------------------------------------------ tables and columns
    def tables(self) -> None:
        for t in self.spec.tables:
            entry: dict[str, Any] = {"name": t.name}
            if t.description:
                entry["description"] = t.description
            words = self._words(f"tables.{t.name}", t.name, t.label.en if t.label else None, t.label.zh if t.label
                                else None, t.synonyms.en, t.synonyms.zh)
            if words:
                entry["synonyms"] = words
            if t.derived:
                entry["base_table"] = {"definition": _sf(parse(t.sql or "", dialect=LAYER_DIALECT))}
                self.f.add("guess", f"tables.{t.name}", "is a role or derived table: written as a logical table "
                                                        "whose base_table is its query (`definition`), which "
                                                        "semantic views accept and legacy semantic model files do not.")
            else:
                entry["base_table"] = {**PLACEHOLDER, "table": t.name}
            if t.primary_key:
                entry["primary_key"] = {"columns": list(t.primary_key)}
            self.out[t.name] = entry
            self.logical[t.name] = {}
            self.taken[t.name] = set()
            if t.measure_word:
                self.zh.append(f"tables.{t.name}.measure_word")
            self._dates(t)
        self.f.add("guess", "tables", "the layer does not record database and schema: base tables are written "
                                      "with <DATABASE> and <SCHEMA>; replace them before uploading the model.")

    def _words(self, item: str, name: str, en: str | None, zh: str | None, syn_en: list[str],
               syn_zh: list[str]) -> list[str]:
        """Synonyms for Cortex: the English label (Cortex has no labels) and English synonyms."""
        if (zh and zh != en) or syn_zh:
            self.zh.append(item)
        label = [en] if en and en.lower() != humanize(name).lower() else []
        return list(dict.fromkeys([*label, *syn_en]))

    def _expose(self, table: str, name: str, column: str) -> None:
        self.logical[table].setdefault(column, name)
        self.taken[table].add(name)

    def _dates(self, t: Table) -> None:
        dates = []
        for col in t.time_columns():
            role = next((r for r in t.time_roles if r.column == col), None)
            item: dict[str, Any] = {"name": col, "expr": col, "data_type": cortex_type(t.columns.get(col, "DATE"))}
            if role is not None:
                words = self._words(f"tables.{t.name}.time_roles.{col}", col, role.label.en, role.label.zh,
                                    role.synonyms.en, role.synonyms.zh)
                if words:
                    item["synonyms"] = words
            if [col] in t.unique_keys:
                item["unique"] = True
            dates.append(item)
            self._expose(t.name, col, col)
        if dates:
            self.out[t.name]["time_dimensions"] = dates

    def dimensions(self) -> None:
        for d in self.spec.dimensions:
            self._dimension(d)
        for t in self.spec.tables:
            for key in [k for k in t.unique_keys if len(k) > 1 or not self._flagged(t.name, k[0])]:
                self.f.add("unsupported", f"tables.{t.name}.unique_keys", f"{key} is a unique key with no "
                                                                          "one-column dimension to mark unique.")

    def _dimension(self, d: Dimension) -> None:
        table = self.layer.tables[d.table]
        item: dict[str, Any] = {"name": d.name}
        words = self._words(f"dimensions.{d.name}", d.name, d.label.en, d.label.zh, d.synonyms.en, d.synonyms.zh)
        if words:
            item["synonyms"] = words
        if d.description:
            item["description"] = d.description
        item["expr"] = _sf(parse(d.expr, dialect=LAYER_DIALECT)) if d.expr else d.column
        item["data_type"] = "VARCHAR" if d.expr else cortex_type(table.columns.get(d.column, "VARCHAR"))
        if not d.expr and [d.column] in table.unique_keys:
            item["unique"] = True
        if d.values:
            item["sample_values"] = list(d.values)
        if d.column_zh or any(v.zh for v in d.values.values()):
            self.zh.append(f"dimensions.{d.name}")
        if d.key and d.key != d.column:
            self.f.add("unsupported", f"dimensions.{d.name}", f"filters compare the key column '{d.key}' and "
                                                             f"show '{d.column}'; a Cortex dimension is one "
                                                             f"expression: written as '{d.column}'.")
        if d.aliases or any(v.en or v.synonyms for v in d.values.values()):
            self.f.add("unsupported", f"dimensions.{d.name}", "value labels, value synonyms and alias columns "
                                                             "have no place in Cortex; left out.")
        self.out[d.table].setdefault("dimensions", []).append(item)
        if not d.expr:
            self._expose(d.table, d.name, d.column)
        self.taken[d.table].add(d.name)

    def _flagged(self, table: str, column: str) -> bool:
        entry = self.out[table]
        return any(i.get("unique") and i.get("expr") == column
                   for i in [*entry.get("dimensions", []), *entry.get("time_dimensions", [])])

    def logical_column(self, table: str, column: str) -> str:
        """The logical name of a physical column; a fact named after it when nothing exposes it yet.
        A computed column is an expression dimension's, which has its name."""
        if column in self.layer.tables[table].computed:
            return column
        if column not in self.logical[table]:
            name = unique(column, self.taken[table], "col")
            fact = {"name": name, "expr": column,
                    "data_type": cortex_type(self.layer.tables[table].columns.get(column, "NUMBER"))}
            self.out[table].setdefault("facts", []).append(fact)
            self._expose(table, name, column)
        return self.logical[table][column]

    # ------------------------------------------------------------------ metrics
    def _aggregate(self, m: Measure) -> exp.Expr:
        """The measure as Cortex metric SQL over logical columns: AGG(CASE WHEN filter THEN x END)."""
        for what, sql in (("filter", m.filter), ("expr", m.expr)):
            tree = parse(sql, dialect=LAYER_DIALECT) if sql else None
            if tree is not None and any(c.table and c.table != m.table for c in tree.find_all(exp.Column)):
                raise Unsupported(f"measure '{m.name}' has a {what} through a join ({sql}), which a Cortex metric "
                                  "over one table cannot say")
        if m.exists:
            raise Unsupported(f"measure '{m.name}' counts by membership in {m.exists[0].table} (EXISTS), which a "
                              "Cortex metric cannot say")
        if m.time_column and m.time_column != self.layer.tables[m.table].time_column:
            raise Unsupported(f"measure '{m.name}' is dated by its own column {m.time_column}")

        def logical(sql: str) -> exp.Expr:  # Cortex metrics name logical columns, table-qualified
            return parse(sql, dialect=LAYER_DIALECT).transform(
                lambda n: exp.column(self.logical_column(m.table, n.name), table=m.table)
                if isinstance(n, exp.Column) else n)

        value = logical(m.expr) if m.expr else None
        if m.filter:
            value = exp.Case(ifs=[exp.If(this=logical(m.filter), true=value or exp.Literal.number(1))])
        if m.agg == "count_distinct":
            return exp.Count(this=exp.Distinct(expressions=[value]))
        if m.agg == "count" and value is None:
            return exp.Count(this=exp.Star())
        return _AGG[m.agg](this=value)

    def metrics(self) -> list[dict[str, Any]]:
        """Table metrics in place; model-level metrics returned (several tables' measures)."""
        single: dict[str, str] = {}  # measure -> "table.metric" that is exactly it
        derived: list[Metric] = []
        for metric in self.spec.metrics:
            measures = self.layer.metric_measures(metric.name)
            tables = {m.table for m in measures}
            if len(tables) > 1:
                derived.append(metric)
                continue
            try:
                expr = self._over_aggregates(metric.expr, {m.name: self._aggregate(m) for m in measures})
            except Unsupported as exc:
                self.f.add("unsupported", f"metrics.{metric.name}", f"{exc}; left out rather than written wrong.")
                continue
            table = tables.pop()
            self._metric(table, metric, expr)
            if metric.expr.strip() == measures[0].name:
                single.setdefault(measures[0].name, f"{table}.{metric.name}")
        return [m for m in (self._derived(metric, single) for metric in derived) if m]

    def _over_aggregates(self, expr: str, parts: dict[str, exp.Expr]) -> str:
        tree = parse(expr, dialect=LAYER_DIALECT)
        return _sf(tree.transform(lambda n: parts[n.name].copy() if isinstance(n, exp.Column) and n.name in parts
                                  else n))

    def _metric(self, table: str, metric: Metric, expr: str) -> None:
        self.out[table].setdefault("metrics", []).append(self._metric_item(metric, expr))
        self.taken[table].add(metric.name)
        lost = [w for w, on in (("target", metric.target is not None),
                                ("higher_is_better: false", not metric.higher_is_better),
                                ("its list of dimensions", metric.dimensions is not None)) if on]
        if lost:
            self.f.add("unsupported", f"metrics.{metric.name}", f"Cortex has no place for {', '.join(lost)}; "
                                                                "left out.")

    def _metric_item(self, metric: Metric, expr: str) -> dict[str, Any]:
        item: dict[str, Any] = {"name": metric.name}
        words = self._words(f"metrics.{metric.name}", metric.name, metric.label.en, metric.label.zh,
                            metric.synonyms.en, metric.synonyms.zh)
        if words:
            item["synonyms"] = words
        item["description"] = metric.description
        item["expr"] = expr
        if metric.description_zh:
            self.zh.append(f"metrics.{metric.name}.description_zh")
        return item

    def _derived(self, metric: Metric, single: dict[str, str]) -> dict[str, Any] | None:
        """A metric over several tables: each measure a table metric (a private one made for it
        when no metric is exactly that measure), combined at model level."""
        refs: dict[str, exp.Expr] = {}
        for m in self.layer.metric_measures(metric.name):
            if m.name not in single:
                try:
                    aggregate = self._aggregate(m)
                except Unsupported as exc:
                    self.f.add("unsupported", f"metrics.{metric.name}", f"{exc}; left out rather than written wrong.")
                    return None
                name = unique(m.name, self.taken[m.table], "part")
                self.out[m.table].setdefault("metrics", []).append(
                    {"name": name, "description": f"Part of {metric.name}.", "expr": _sf(aggregate),
                     "access_modifier": "private_access"})
                single[m.name] = f"{m.table}.{name}"
            table, name = single[m.name].split(".")
            refs[m.name] = exp.column(name, table=table)
        self.f.add("guess", f"metrics.{metric.name}", "uses several tables: written as a model-level (derived) "
                                                      "metric over table metrics, a semantic-view feature.")
        return self._metric_item(metric, self._over_aggregates(metric.expr, refs))

    # ------------------------------------------------------------------ the rest
    def relationships(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        names: set[str] = set()
        for r in self.spec.relationships:
            item = f"relationships.{r.from_}->{r.to}"
            if r.cardinality == "many_to_many":
                self.f.add("unsupported", item, "many_to_many: the layer never joins through it and Cortex has no "
                                                "such relationship type; left out.")
                continue
            if self.layer.tables[r.to_table].primary_key != [r.to_column]:
                self.f.add("guess", item, f"joins to {r.to}, a unique key of {r.to_table} but not its primary key, "
                                          "which Cortex expects on the right side.")
            out.append({"name": unique(f"{r.from_table}_to_{r.to_table}", names, r.from_column),
                        "left_table": r.from_table, "right_table": r.to_table,
                        "relationship_columns": [{"left_column": r.from_column, "right_column": r.to_column}],
                        "join_type": "left_outer", "relationship_type": r.cardinality})
        return out

    def verified(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        schema = self.layer.physical_schema()
        for i, vq in enumerate(self.spec.verified_queries):
            item = f"verified_queries[{i}]"
            if not vq.sql:
                self.f.add("unsupported", item, f"'{vq.question}' has a semantic query, no SQL: Cortex verified "
                                                "queries are SQL; left out.")
                continue
            try:
                sql = to_logical(vq.sql, schema, self.logical_column)
            except Unsupported as exc:
                self.f.add("unsupported", item, f"'{vq.question}': its SQL {exc}; left out.")
                continue
            entry: dict[str, Any] = {"name": vq.question[:80], "question": vq.question, "sql": sql}
            if vq.as_of:
                entry["verified_at"] = int(dt.datetime.combine(dt.date.fromisoformat(vq.as_of), dt.time(),
                                                               dt.UTC).timestamp())
            out.append(entry)
        return out

    def model(self) -> dict[str, Any]:
        self.tables()
        self.dimensions()
        derived = self.metrics()
        relationships = self.relationships()
        verified = self.verified()
        model: dict[str, Any] = {"name": self.spec.name}
        if self.spec.description:
            model["description"] = self.spec.description
        model["tables"] = list(self.out.values())
        if relationships:
            model["relationships"] = relationships
        if derived:
            model["metrics"] = derived
        if verified:
            model["verified_queries"] = verified
        self._report()
        return model

    def _report(self) -> None:
        spec = self.spec
        units = sorted({m.unit for m in spec.metrics if m.unit not in ("count",)})
        if units:
            self.f.add("unsupported", "units", f"Cortex has no units: {', '.join(units)} (prefixes, suffixes, "
                                               "decimals, money) are left out.")
        if self.zh:
            self.f.add("unsupported", "labels", "Cortex has one set of names and synonyms: the Chinese labels, "
                                                "synonyms and columns of " + ", ".join(dict.fromkeys(self.zh))
                       + " are left out.")
        for what, present in (("access", bool(spec.access.roles)), ("genealogy", bool(spec.genealogy.nodes)),
                              ("aggregates", bool(spec.aggregates))):
            if present:
                self.f.add("unsupported", what, "has no counterpart in a Cortex semantic model; left out.")
        for t in spec.tables:
            used = set(self.logical[t.name]) | set(t.primary_key) | {c for k in t.unique_keys for c in k}
            for other in spec.tables:  # what a role or derived table's query reads
                if other.sql and (other.source == t.name or t.name in {x.name for x in
                                                                       parse(other.sql, dialect=LAYER_DIALECT)
                                                                       .find_all(exp.Table)}):
                    used |= {c.name for c in parse(other.sql, dialect=LAYER_DIALECT).find_all(exp.Column)}
            used |= {r.from_column for r in spec.relationships if r.from_table == t.name}
            used |= {r.to_column for r in spec.relationships if r.to_table == t.name}
            used |= {c for d in spec.dimensions if d.table == t.name for c in d.equivalent_columns()}
            spare = [c for c in t.columns if c not in used and c not in t.computed]
            if spare and not t.derived:
                self.f.add("unsupported", f"tables.{t.name}.columns", f"{', '.join(spare)} are used by nothing the "
                                                                      "model says; left out.")


def write_model(layer: Layer, out: Path) -> Exported:
    writer = _Writer(layer)
    model = writer.model()
    target = out / f"{layer.spec.name}.yaml" if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    head = f"# Cortex Analyst semantic model exported from the layer '{layer.spec.name}'.\n"
    if writer.f:
        head += f"# {len(writer.f)} finding(s) of the export:\n" + "".join(
            f"#   {str(x).replace(chr(10), ' ')}\n" for x in writer.f)
    write_atomic(target, head + yaml.safe_dump(model, allow_unicode=True, sort_keys=False, width=110))
    return Exported([target], list(writer.f))
