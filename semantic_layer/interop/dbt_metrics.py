"""dbt metrics -> our metrics: each becomes one SQL expression over our measures.

simple: its measure under its filters; ratio: numerator / denominator (each a metric, with its
own filter); derived: `expr` with every input metric spelled out (an `alias` is its name in
`expr`); a metric's filter holds for every measure under it. Cumulative and conversion metrics,
derived inputs with `offset_window`/`offset_to_grain` (a value of another period) and filters on
other metrics have no equivalent: the metric is left out and reported, never approximated.
"""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from semantic_layer.interop.dbt_context import Ctx
from semantic_layer.interop.dbt_filters import Unsupported
from semantic_layer.interop.dbt_measures import Base, Measures, Variant
from semantic_layer.interop.dbt_names import META_KEY, money_like

_UNSUPPORTED_TYPES = {
    "cumulative": "a cumulative metric (a running total over a window or to date) needs a running sum over "
                  "periods, which a metric expression cannot say",
    "conversion": "a conversion metric (events followed by other events within a window) has no equivalent",
}


def _filters(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _input(value: Any) -> tuple[str, list[str], dict[str, Any]]:
    """A metric input written as a name or {name, filter, alias, ...}: (name, filters, the rest)."""
    if isinstance(value, dict):
        rest = {k: v for k, v in value.items() if k not in ("name", "filter")}
        return str(value.get("name", "")), _filters(value.get("filter")), rest
    return str(value), [], {}


class Resolver:
    """Spells out metrics as expressions over measure variants (tokens until named)."""

    def __init__(self, ctx: Ctx, measures: Measures) -> None:
        self.ctx = ctx
        self.measures = measures
        self.raw: dict[str, dict[str, Any]] = {}
        for m in ctx.project.metrics:
            if str(m["name"]) in self.raw:
                ctx.add("defect", f"metrics.{m['name']}", "defined twice; the second is left out.")
                continue
            self.raw[str(m["name"])] = m
        for b in measures.bases.values():
            if b.create_metric and b.name not in self.raw:  # create_metric: a simple metric of the same name
                self.raw[b.name] = {"name": b.name, "type": "simple", "type_params": {"measure": b.name},
                                    "label": b.metric_label or b.label, "description": b.description, "_created": True}
        self.variants: dict[str, Variant] = {}
        self.current = ""  # the metric being resolved, which names the measures it introduces

    def resolve(self, name: str, extra: list[str], stack: tuple[str, ...] = ()) -> exp.Expr:
        raw = self.raw.get(name)
        if raw is None:
            raise Unsupported(f"uses metric '{name}', which the project does not define (or which was left out)")
        if name in stack:
            raise Unsupported(f"metric '{name}' is defined through itself")
        kind = str(raw.get("type", "")).lower()
        if kind in _UNSUPPORTED_TYPES:
            raise Unsupported(_UNSUPPORTED_TYPES[kind] if not stack else f"uses {kind} metric '{name}'")
        params = raw.get("type_params") or {}
        filters = [*extra, *_filters(raw.get("filter"))]
        if kind == "simple":
            return self._simple(params.get("measure"), filters)
        if kind == "ratio":
            parts = [self._input_metric(params.get(side), filters, (*stack, name)) for side in
                     ("numerator", "denominator")]
            return exp.Div(this=_paren(parts[0]), expression=_paren(parts[1]))
        if kind == "derived":
            return self._derived(params, filters, (*stack, name))
        if "calculation_method" in raw or "expression" in raw:
            raise Unsupported("a metric in the legacy dbt_metrics spec (dbt before 1.6) is not MetricFlow")
        raise Unsupported(f"unknown metric type '{kind}'")

    def _simple(self, spec: Any, filters: list[str]) -> exp.Expr:
        name, own, rest = _input(spec)
        base = self.measures.bases.get(name)
        if base is None:
            raise Unsupported(f"uses measure '{name}', which no semantic model defines")
        if base.problem:
            raise Unsupported(f"uses measure '{name}': {base.problem}")
        variant = self.measures.variant(base, [*filters, *own])
        variant.introduced_by = variant.introduced_by or self.current
        self.variants[variant.token] = variant
        tree: exp.Expr = exp.column(variant.token)
        if rest.get("fill_nulls_with") is not None:
            tree = exp.func("COALESCE", tree, exp.Literal.number(rest["fill_nulls_with"]))
        return tree

    def _input_metric(self, spec: Any, filters: list[str], stack: tuple[str, ...]) -> exp.Expr:
        name, own, rest = _input(spec)
        for key in ("offset_window", "offset_to_grain"):
            if rest.get(key):
                raise Unsupported(f"input '{name}' has {key} {rest[key]} (a value of another period), which a "
                                  "metric expression cannot say")
        return self.resolve(name, [*filters, *own], stack)

    def _derived(self, params: dict[str, Any], filters: list[str], stack: tuple[str, ...]) -> exp.Expr:
        inputs: dict[str, exp.Expr] = {}
        for spec in params.get("metrics") or []:
            name, _, rest = _input(spec)
            inputs[str(rest.get("alias") or name)] = self._input_metric(spec, filters, stack)
        try:
            tree = sqlglot.parse_one(str(params.get("expr") or ""), read="duckdb")
        except ParseError as exc:
            raise Unsupported(f"`expr` is not valid SQL ({str(exc).splitlines()[0]})") from None
        unknown = [c.name for c in tree.find_all(exp.Column) if c.name not in inputs]
        if unknown:
            raise Unsupported(f"`expr` uses '{unknown[0]}', which is not one of its input metrics")
        return tree.transform(lambda n: _paren(inputs[n.name]) if isinstance(n, exp.Column) else n)

    # ------------------------------------------------------------------ units
    def unit(self, tree: exp.Expr) -> str:
        """count, money or number from the measures; a division of like by like is a ratio."""
        if isinstance(tree, exp.Column):
            return base_unit(self.variants[tree.name].base) if tree.name in self.variants else "number"
        if isinstance(tree, (exp.Paren, exp.Coalesce)):
            return self.unit(tree.this)
        if isinstance(tree, exp.Div):
            top, bottom = self.unit(tree.this), self.unit(tree.expression)
            if isinstance(tree.expression, exp.Literal):
                return top
            return "ratio" if top == bottom else top if bottom == "count" else "number"
        if isinstance(tree, (exp.Add, exp.Sub)):
            units = {self.unit(tree.this), self.unit(tree.expression)}
            return units.pop() if len(units) == 1 else "number"
        return "number"


def _paren(tree: exp.Expr) -> exp.Expr:
    return tree if isinstance(tree, (exp.Column, exp.Paren, exp.Func)) else exp.paren(tree, copy=False)


def base_unit(b: Base) -> str:
    if b.agg in ("count", "count_distinct") or (b.expr or "").endswith("THEN 1 ELSE 0 END"):
        return "count"
    return "money" if money_like(b.name, b.expr, b.label) else "number"


def metric_meta(raw: dict[str, Any]) -> dict[str, Any]:
    meta = ((raw.get("config") or {}).get("meta") or {}).get(META_KEY) or (raw.get("meta") or {}).get(META_KEY)
    return meta if isinstance(meta, dict) else {}
