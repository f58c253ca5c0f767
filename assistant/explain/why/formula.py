"""A metric's shape, read from its expression in the layer: how its change can be split.

- additive: measures that are SUMs or COUNTs, added, subtracted or scaled by constants. Every
  member's part is its own value, so the parts of any breakdown add up to the whole.
- ratio: one additive expression over another ("SUM(scrap) / SUM(total)", "1e6 * defects /
  output", "ideal seconds / 60 / run minutes"): rate and mix per member.
- product: factors multiplied ("(run / planned) * (ideal / 60 / run) * (good / total)"), each
  factor additive or a ratio; a factor is named after the layer's metric with the same
  expression (availability, performance, quality rate), never after a hard-coded name.
- opaque: anything else (MAX, COUNT DISTINCT, functions, a constant term): its change is
  reported and judged against its history, but not split.

Nothing here knows a metric by name: the layer's `expr` and measures are all it reads.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import sqlglot
from sqlglot import exp

from semantic_layer.layer import Layer

Kind = Literal["additive", "ratio", "product", "opaque"]
_ADDITIVE_AGGS = ("sum", "count")


@dataclass(frozen=True)
class Factor:
    """One factor of a product: its own shape and the metric the layer names it by, if any."""

    formula: Formula
    metric: str | None


@dataclass(frozen=True)
class Formula:
    kind: Kind
    expr: exp.Expr
    numerator: exp.Expr | None = None  # ratio only
    denominator: exp.Expr | None = None  # ratio only
    factors: tuple[Factor, ...] = field(default=())  # product only
    constant: float = 1.0  # product only: the constant factors multiplied

    def measures(self) -> list[str]:
        """The measure names the expression reads, in order of appearance."""
        return list(dict.fromkeys(c.name for c in self.expr.find_all(exp.Column)))

    def value(self, sums: Mapping[str, float | None]) -> float | None:
        return evaluate(self.expr, sums)


@functools.lru_cache(maxsize=256)
def read_formula(layer: Layer, metric: str) -> Formula:
    """The shape of `metric`'s expression (see the module docstring). Kept per (layer, metric):
    a layer's formulas do not change, and parsing every metric's expression to name a product's
    factors cost a few ms per why-question. A Formula is frozen and its trees are only read."""
    return _shape(_unwrap(sqlglot.parse_one(layer.metric(metric).expr, read="duckdb")), layer, top=True)


def _shape(node: exp.Expr, layer: Layer, *, top: bool) -> Formula:
    if _linear(node, layer):
        return Formula("additive", node)
    ratio = _ratio(node, layer)
    if ratio is not None:
        return ratio
    if top and isinstance(node, exp.Mul):
        flat = _flatten(node)
        shaped = [_shape(f, layer, top=False) for f in flat if not isinstance(f, exp.Literal)]
        constant = math.prod(_number(f) for f in flat if isinstance(f, exp.Literal))
        if len(shaped) >= 2 and all(s.kind != "opaque" for s in shaped):
            named = tuple(Factor(s, _metric_named(s.expr, layer)) for s in shaped)
            return Formula("product", node, factors=named, constant=constant)
    return Formula("opaque", node)


def _ratio(node: exp.Expr, layer: Layer) -> Formula | None:
    """num / den with both additive; a constant times such a ratio keeps the constant on top."""
    if isinstance(node, exp.Div):
        num, den = _unwrap(node.this), _unwrap(node.expression)
        if _linear(num, layer) and _linear(den, layer):
            return Formula("ratio", node, numerator=num, denominator=den)
    if isinstance(node, exp.Mul):
        for const, other in ((node.this, node.expression), (node.expression, node.this)):
            inner = _ratio(_unwrap(other), layer) if isinstance(_unwrap(const), exp.Literal) else None
            if inner is not None and inner.numerator is not None:
                scaled = exp.Mul(this=_unwrap(const).copy(), expression=inner.numerator.copy())
                return Formula("ratio", node, numerator=scaled, denominator=inner.denominator)
    return None


def _linear(node: exp.Expr, layer: Layer) -> bool:
    """A sum of additive measures scaled by constants, with no constant term: summing it over
    members is the same as computing it over their sums."""
    node = _unwrap(node)
    if isinstance(node, exp.Column):
        measure = layer.measures.get(node.name)
        return measure is not None and measure.agg in _ADDITIVE_AGGS
    if isinstance(node, (exp.Add, exp.Sub)):
        return _linear(node.this, layer) and _linear(node.expression, layer)
    if isinstance(node, exp.Neg):
        return _linear(node.this, layer)
    if isinstance(node, exp.Mul):
        left, right = _unwrap(node.this), _unwrap(node.expression)
        return (isinstance(left, exp.Literal) and _linear(right, layer)) or (
            isinstance(right, exp.Literal) and _linear(left, layer))
    if isinstance(node, exp.Div):
        right = _unwrap(node.expression)
        return isinstance(right, exp.Literal) and _number(right) != 0 and _linear(node.this, layer)
    return False


def _flatten(node: exp.Expr) -> list[exp.Expr]:
    node = _unwrap(node)
    if isinstance(node, exp.Mul):
        return [*_flatten(node.this), *_flatten(node.expression)]
    return [node]


def _metric_named(node: exp.Expr, layer: Layer) -> str | None:
    """The layer's metric whose expression is this one (spacing and brackets aside)."""
    wanted = _unwrap(node).sql(dialect="duckdb")
    for metric in layer.spec.metrics:
        tree = _unwrap(sqlglot.parse_one(metric.expr, read="duckdb"))
        if tree.sql(dialect="duckdb") == wanted:
            return metric.name
    return None


def _unwrap(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _number(node: exp.Literal) -> float:
    return float(node.this)


Evaluator = Callable[[Mapping[str, float | None]], float | None]
_COMPILED: dict[tuple[int, bool], tuple[exp.Expr, Evaluator]] = {}  # (id(node), zeros) -> (node, function)
_COMPILED_MAX = 512


def evaluate(node: exp.Expr, sums: Mapping[str, float | None]) -> float | None:
    """The expression over measure sums, as the database computes it (a zero denominator or a
    missing sum gives None, like NULLIF does)."""
    return compiled(node)(sums)


def compiled(node: exp.Expr, *, zeros: bool = False) -> Evaluator:
    """`evaluate` for one expression, as a Python function made once per tree: a why-question
    evaluates the same few formulas for every member of every breakdown (thousands of calls),
    and walking the sqlglot tree each time was several ms of its answer. The function does the
    same arithmetic in the same order. `zeros`: a measure present with no sum counts as 0 (a
    member absent from one fact); a measure absent from `sums` still gives None.
    Trees are kept with their function (the formulas' trees live as long as read_formula keeps them)."""
    key = (id(node), zeros)
    known = _COMPILED.get(key)
    if known is not None and known[0] is node:
        return known[1]
    function = _build(node, zeros)
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    _COMPILED[key] = (node, function)
    return function


_MISSING = object()


def _build(node: exp.Expr, zeros: bool) -> Evaluator:
    node = _unwrap(node)
    if isinstance(node, exp.Column):
        name = node.name
        if zeros:
            def zeroed(sums: Mapping[str, float | None]) -> float | None:
                value = sums.get(name, _MISSING)
                return None if value is _MISSING else float(value or 0.0)  # type: ignore[arg-type]
            return zeroed

        def column(sums: Mapping[str, float | None]) -> float | None:
            value = sums.get(name)
            return None if value is None else float(value)
        return column
    if isinstance(node, exp.Literal):
        number = _number(node)
        return lambda _sums: number
    if isinstance(node, exp.Neg):
        inner = _build(node.this, zeros)

        def negated(sums: Mapping[str, float | None]) -> float | None:
            value = inner(sums)
            return None if value is None else -value
        return negated
    if not isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
        raise ValueError(f"cannot evaluate {node.sql()}")
    left, right, op = _build(node.this, zeros), _build(node.expression, zeros), _OPS[type(node)]

    def binary(sums: Mapping[str, float | None]) -> float | None:
        a, b = left(sums), right(sums)
        return None if a is None or b is None else op(a, b)
    return binary


def _divide(a: float, b: float) -> float | None:
    return None if b == 0 else a / b


_OPS: dict[type, Callable[[float, float], float | None]] = {
    exp.Add: operator.add, exp.Sub: operator.sub, exp.Mul: operator.mul, exp.Div: _divide}
