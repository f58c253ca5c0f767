"""Cortex facts, measures and metrics -> layer measures and metrics.

- A fact or (legacy) measure with `default_aggregation` is a measure (agg over its expression)
  and a metric of the same name. A legacy measure without one is summed and reported; a fact
  without one is a row-level value that metrics aggregate, so it is no metric of its own.
- A metric's `expr` is parsed with sqlglot: each aggregate over one table's columns (SUM, AVG,
  MIN, MAX, COUNT, COUNT(DISTINCT), COUNT_IF, and `AGG(CASE WHEN cond THEN x END)`, which is a
  measure with a filter) becomes a measure, and what is around them (+ - * /, NULLIF, COALESCE,
  ABS, ROUND, numbers) the metric's expression over those measures: `SUM(a) / SUM(b)` is a ratio
  of two measures. MEDIAN, windows, subqueries and aggregates over other tables are reported.
- A model-level (derived) metric names table metrics as `table.metric`: their expressions are
  substituted. A private metric (`access_modifier: private_access`) becomes measures only.
- Cortex has no units: counts are in `count`, everything else in the neutral unit `number`,
  reported, since a money metric must be declared as such by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from semantic_layer.interop.cortex_common import (
    AGG_NODES,
    AGGREGATIONS,
    LAYER_DIALECT,
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
from semantic_layer.models import Label, Measure, Metric, Synonyms

FACT_KEYS = {"name", "synonyms", "description", "expr", "data_type", "default_aggregation", "sample_values",
             "access_modifier"}
METRIC_KEYS = {"name", "synonyms", "description", "expr", "filter", "access_modifier"}
_AROUND = (exp.Column, exp.Identifier, exp.Literal, exp.Paren, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg,
           exp.Nullif, exp.Coalesce, exp.Abs, exp.Round)
_COUNTS = ("count", "count_distinct")
# Words of money in a metric's name or synonyms: Cortex has no units, and the planner
# answers questions about revenue, costs or profit only from a metric in a money unit.
_MONEY = re.compile(r"\b(revenues?|sales|income|costs?|cogs|profits?|prices?|expenses?|expenditures?|spend(ing)?|"
                    r"margins?|earnings|fees?|payments?|premiums?|dollars?|euros?|currency)\b", re.I)


@dataclass
class MetricDraft:
    name: str  # the Cortex name
    item: str
    expr: str  # over measure names
    synonyms: list[str]
    description: str
    formula: str
    unit: str
    column: str | None = None  # the column a single summed measure adds up, a word for the metric
    private: bool = False
    measures: list[str] = field(default_factory=list)


class Aggregates:
    def __init__(self, tables: Tables, f: Findings) -> None:
        self.t = tables
        self.f = f
        self.measures: dict[str, Measure] = {}
        self._by_rule: dict[tuple[str, str, str | None, str | None], str] = {}
        self.drafts: list[MetricDraft] = []
        self._named: dict[tuple[str, str], str] = {}  # (logical table, Cortex metric) -> expr over measures

    # ------------------------------------------------------------------ reading
    def read(self, model_metrics: list[dict[str, Any]]) -> None:
        used = self._used_columns(model_metrics)
        for lt in self.t.logical.values():
            for section in ("measures", "facts"):
                for raw in items(lt.raw, section, self.f, lt.item):
                    self._fact(lt, section, raw, used)
        for lt in self.t.logical.values():
            for raw in items(lt.raw, "metrics", self.f, lt.item):
                self._metric(lt, raw, f"{lt.item}.metrics.{raw['name']}")
        for raw in model_metrics:
            self._metric(None, raw, f"metrics.{raw['name']}")

    def _used_columns(self, model_metrics: list[dict[str, Any]]) -> set[tuple[str, str]]:
        """(logical table, column) that metric expressions mention: a fact they use is no metric itself."""
        exprs = [(lt.name.lower(), m.get("expr")) for lt in self.t.logical.values()
                 for m in lt.raw.get("metrics") or [] if isinstance(m, dict)]
        exprs += [("", m.get("expr")) for m in model_metrics]
        out: set[tuple[str, str]] = set()
        for home, sql in exprs:
            try:
                out |= {(c.table.removeprefix("__") or home, c.name) for c in parse(sql).find_all(exp.Column)}
            except Unsupported:
                continue
        return out

    def _fact(self, lt: Logical, section: str, raw: dict[str, Any], used: set[tuple[str, str]]) -> None:
        name = str(raw["name"])
        item = f"{lt.item}.{section}.{name}"
        unknown_keys(raw, FACT_KEYS, item, self.f)
        try:
            tree = parse(raw.get("expr"))
            if tree.find(exp.AggFunc) is not None:  # already an aggregate: a metric in all but name
                self._metric(lt, raw, item)
                return
            tree = self.t.resolve(lt, tree, "expression", own=name.lower())
            row_level(tree, "expression")
        except Unsupported as exc:
            self.f.add("unsupported", item, f"{exc}; left out.")
            return
        col = bare_column(tree)
        if col is not None and raw.get("data_type"):
            self.t.column(lt, col, layer_type(raw.get("data_type")))
        given = str(raw.get("default_aggregation") or "").lower()
        if given:
            agg = AGGREGATIONS.get(given)
            if agg is None:
                self.f.add("unsupported", item, f"default_aggregation {given} is not one the layer has (sum, avg, "
                                                "min, max, count, count_distinct); left out.")
                return
        elif (lt.name.lower(), name.lower()) in used or (lt.table, name.lower()) in used:
            if raw.get("synonyms"):  # a row-level value a metric aggregates: its words have nowhere to go
                self.f.add("guess", item, f"is aggregated by metrics, no metric of its own: its synonyms "
                                          f"{raw['synonyms']} are not carried.")
            return
        elif section == "measures":
            agg = "sum"
            self.f.add("guess", item, f"has no default_aggregation: imported as the sum of {layer_sql(tree)}.")
        else:
            self.f.add("unsupported", item, "is a fact with no default_aggregation that no metric uses: nothing "
                                            "to ask for. Left out (define a metric over it).")
            return
        expr = None if agg == "count" and isinstance(tree, exp.Literal) else layer_sql(tree)
        measure = self._measure(lt.table, agg, expr, None, name)
        formula = f"COUNT(DISTINCT {expr})" if agg == "count_distinct" else f"{agg.upper()}({expr or '*'})"
        self._add(lt, raw, item, measure, formula, [measure],
                  column=col if agg == "sum" else None)

    def _metric(self, home: Logical | None, raw: dict[str, Any], item: str) -> None:
        unknown_keys(raw, METRIC_KEYS | FACT_KEYS, item, self.f)
        name = str(raw["name"])
        saved = dict(self.measures), dict(self._by_rule)
        try:
            tree = parse(raw.get("expr"))
            extra = raw.get("filter")
            cond = None
            if extra:
                if home is None:
                    raise Unsupported("a model-level metric's filter has no table")
                cond = self.t.resolve(home, parse(extra.get("expr") if isinstance(extra, dict) else extra), "filter")
            expr, made = self._split(tree, home, name, cond)
        except Unsupported as exc:
            self.measures, self._by_rule = saved  # no measure of a metric left out stays behind
            self.f.add("unsupported", item, f"{exc}; left out.")
            return
        self._add(home, raw, item, expr, str(raw.get("expr")), made)

    def _add(self, home: Logical | None, raw: dict[str, Any], item: str, expr: str, formula: str,
             made: list[str], *, column: str | None = None) -> None:
        name = str(raw["name"])
        one = len(made) == 1 and expr == made[0]
        unit = "count" if one and self.measures[made[0]].agg in _COUNTS else "number"
        private = raw.get("access_modifier") == "private_access"
        self.drafts.append(MetricDraft(name, item, expr, [str(s) for s in raw.get("synonyms") or []],
                                       str(raw.get("description") or f"{formula} (imported from Cortex)."),
                                       formula, unit, column, private, made))
        if home is not None:
            self._named[(home.name.lower(), name.lower())] = expr
        if private:
            self.f.add("guess", item, "is private: its measures are used by the metrics that name it, and it is "
                                      "not offered as a metric of its own.")

    # ------------------------------------------------------------------ aggregates
    def _split(self, tree: exp.Expr, home: Logical | None, name: str, cond: exp.Expr | None) -> tuple[str, list[str]]:
        """The metric expression over measures, and the measures it made (in order)."""
        def named(node: exp.Expr) -> exp.Expr:  # derived metrics: table.metric -> its expression
            if not isinstance(node, exp.Column) or node.find_ancestor(exp.AggFunc) is not None:
                return node
            owner = node.table or (home.name.lower() if home else "")
            known = self._named.get((owner.removeprefix("__"), node.name))
            return node if known is None else exp.paren(parse(known, dialect=LAYER_DIALECT), copy=False)

        tree = tree.copy().transform(named)
        aggs = [a for a in tree.find_all(exp.AggFunc) if a.find_ancestor(exp.AggFunc) is None]
        made: list[str] = []
        for i, agg in enumerate(aggs):
            single = len(aggs) == 1 and agg is tree
            measure = self._aggregate(agg, home, name if single else f"{name}_{i + 1}", single, cond)
            made.append(measure)
            if agg is tree:
                tree = exp.column(measure)
            else:
                agg.replace(exp.column(measure))
        for node in tree.walk():
            if not isinstance(node, _AROUND):
                raise Unsupported(f"uses {type(node).__name__.upper()} around its aggregates, which a layer metric "
                                  "cannot say (only + - * /, NULLIF, COALESCE, ABS, ROUND and numbers)")
            if isinstance(node, exp.Column) and node.name not in self.measures:
                raise Unsupported(f"uses column '{node.sql()}' outside an aggregate")
        if not any(isinstance(n, exp.Column) for n in tree.walk()):
            raise Unsupported("aggregates nothing")
        return layer_sql(tree), list(dict.fromkeys(c.name for c in tree.find_all(exp.Column)))

    def _aggregate(self, node: exp.Expr, home: Logical | None, hint: str, single: bool,
                   cond: exp.Expr | None) -> str:
        what = node.sql(dialect="snowflake")
        inner: exp.Expr | None = node.this
        where: exp.Expr | None = None
        if isinstance(node, exp.CountIf):
            agg, where, inner = "count", node.this, None
        elif type(node) in AGG_NODES:
            agg = AGG_NODES[type(node)]
        else:
            raise Unsupported(f"{what} is not an aggregation the layer has (SUM, AVG, MIN, MAX, COUNT, "
                              "COUNT(DISTINCT))")
        if agg == "count" and isinstance(inner, exp.Distinct):
            if len(inner.expressions) != 1:
                raise Unsupported(f"{what} counts distinct combinations of several columns")
            agg, inner = "count_distinct", inner.expressions[0]
        if isinstance(inner, exp.Distinct):
            raise Unsupported(f"{what}: only COUNT can be of DISTINCT values in the layer")
        if isinstance(inner, exp.Case) and len(inner.args.get("ifs") or []) == 1 and \
                isinstance(inner.args.get("default"), exp.Null | None):
            branch = inner.args["ifs"][0]  # AGG(CASE WHEN cond THEN x END): x over the rows where cond holds
            where, inner = branch.this, branch.args.get("true")
        if isinstance(inner, exp.Star) or (agg == "count" and isinstance(inner, exp.Literal)):
            inner = None
        if inner is None and agg != "count":
            raise Unsupported(f"{what} aggregates nothing")
        lt = self._owner([n for n in (inner, where) if n is not None], home, what)
        expr = self._row(lt, inner, what) if inner is not None else None
        conds = [c for c in (self._row(lt, where, what) if where is not None else None,
                             layer_sql(cond) if cond is not None else None) if c]
        filter_sql = " AND ".join(f"({c})" for c in conds) if len(conds) > 1 else (conds[0] if conds else None)
        if not single and expr is not None and filter_sql is None and bare_column(parse(expr)) is not None:
            hint = f"{agg}_{expr}"  # 'sum_discount' reads better than 'discount_rate_2'
        return self._measure(lt.table, agg, expr, filter_sql, hint)

    def _owner(self, parts: list[exp.Expr], home: Logical | None, what: str) -> Logical:
        """The logical table an aggregate is over: the metric's own, or (model level) the one named."""
        owners = {c.table.removeprefix("__") for p in parts for c in p.find_all(exp.Column) if c.table}
        if home is not None:
            others = owners - {home.name.lower(), home.table}
            if others:
                raise Unsupported(f"{what} aggregates columns of {', '.join(sorted(others))}, not of the metric's "
                                  "own table")
            return home
        if len(owners) != 1:
            raise Unsupported(f"{what} must aggregate columns of one table, written table.column")
        owner = owners.pop()
        lt = next((x for x in self.t.logical.values() if owner in (x.name.lower(), x.table)), None)
        if lt is None:
            raise Unsupported(f"{what} names table '{owner}', which the model does not define")
        return lt

    def _row(self, lt: Logical, tree: exp.Expr, what: str) -> str:
        out = self.t.resolve(lt, tree, what)
        row_level(out, what)
        return layer_sql(out)

    def _measure(self, table: str, agg: str, expr: str | None, filter_sql: str | None, hint: str) -> str:
        key = (table, agg, expr, filter_sql)
        if key not in self._by_rule:
            name = unique(slug(hint), set(self.measures), table)
            self.measures[name] = Measure(name=name, table=table, agg=agg, expr=expr,
                                          filter=filter_sql)
            self._by_rule[key] = name
        return self._by_rule[key]

    # ------------------------------------------------------------------ result
    def finish(self) -> list[Metric]:
        taken: set[str] = set()
        out: list[Metric] = []
        by_word: dict[str, list[MetricDraft]] = {}  # a column's words go to the one summed metric over it
        for d in self.drafts:
            if d.column and not d.private:
                by_word.setdefault(humanize(d.column).lower(), []).append(d)
        worded: list[str] = []
        for d in self.drafts:
            if d.private:
                continue
            name = unique(slug(d.name), taken, "metric")
            if name != slug(d.name):
                self.f.add("guess", d.item, f"renamed '{name}' (another metric has its name).")
            label = humanize(d.name)
            extra = [w for w, ds in by_word.items() if ds == [d] and w != label.lower() and w not in d.synonyms]
            worded += [f"{name} <- '{w}'" for w in extra]
            out.append(Metric(name=name, label=Label(en=label, zh=label), synonyms=Synonyms(en=[*d.synonyms, *extra]),
                              description=d.description, formula=d.formula, expr=d.expr, unit=d.unit))
        if worded:
            self.f.add("guess", "metrics", "the column a metric sums is a word for it too: " + ", ".join(worded) + ".")
        money = [m.name for m in out if m.unit == "number" and _MONEY.search(
            " ".join([m.name.replace("_", " "), *m.synonyms.en]))]
        out = [m.model_copy(update={"unit": "money"}) if m.name in money else m for m in out]
        if money:
            self.f.add("guess", "metrics", "Cortex has no units: " + ", ".join(money) + " speak of money (their "
                       "names or synonyms), so they are in the unit 'money', whose currency is not "
                       "known: give it a prefix or suffix (the planner answers questions about money, costs and "
                       "profit only from metrics in a money unit).")
        plain = [m.name for m in out if m.unit == "number"]
        if plain:
            self.f.add("guess", "metrics", "Cortex has no units: " + ", ".join(plain) + " are in the neutral unit "
                       "'number'. Declare real units by hand.")
        return out
