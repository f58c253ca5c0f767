"""Which breakdowns can explain a metric's change, how they nest, and how one splits it.

Everything is read from the layer: the candidates are the dimensions the metric can be
grouped by; nesting comes from the many-to-one joins (a dimension naming the rows of a table
one join below another's table is its child: lines under plants, machines under lines; an
attribute such as a machine type has the rows of its own table under it); two dimensions are
of one family when their tables join, unless one lives on a table the metric's measures are
summed from (a defect type says something a line does not).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from assistant.explain.why.decompose import Split, additive_split, ratio_split, shared_base_split
from assistant.explain.why.fetch import Fetcher, Sums
from assistant.explain.why.formula import Formula, compiled
from assistant.plan.query import Filter, TimeRange
from semantic_layer.layer import Layer


def candidates(layer: Layer, metric: str, filters: list[Filter], asked: list[str]) -> list[str]:
    """The breakdowns to try: the ones asked for, else every one the metric has, less those a
    filter pins to one member (they cannot tell members apart). Unasked, two more kinds are left
    out, since each would only repeat a split (and its statement) the others already give: a
    column of a table whose rows a filter pins to one (a pinned plant's city), and a column the
    layer declares another name of a breakdown's members (a machine's name beside the machine)."""
    pinned = {f.field for f in filters if f.op in ("in", "=") and len(f.values) == 1}
    allowed = layer.metric_dimensions(metric)
    if asked:
        return [d for d in asked if d in allowed and d not in pinned]
    one_row = {layer.dimension(p).table for p in pinned if p in layer.dimensions and is_rows(layer, p)}
    return [d for d in allowed if d not in pinned and layer.dimension(d).table not in one_row
            and not _renames(layer, d, allowed)]


def _renames(layer: Layer, dimension: str, among: list[str]) -> bool:
    """Is the dimension's column declared another name of the members of a breakdown in `among`?"""
    dim = layer.dimension(dimension)
    if is_rows(layer, dimension):
        return False
    for other in among:
        rows = layer.dimension(other)
        if other != dimension and rows.table == dim.table and is_rows(layer, other) \
                and dim.column in rows.equivalent_columns():
            return True
    return False


def is_rows(layer: Layer, dimension: str) -> bool:
    """Does the dimension name the rows of its table (its key is the table's key)?"""
    dim = layer.dimension(dimension)
    return dim.key_column in layer.tables[dim.table].primary_key


def children(layer: Layer, dimension: str, among: list[str]) -> list[str]:
    """The breakdowns one level below `dimension` (see the module docstring)."""
    table = layer.dimension(dimension).table
    if not is_rows(layer, dimension):
        return [d for d in among if d != dimension and layer.dimension(d).table == table and is_rows(layer, d)]
    out = []
    for d in among:
        below = layer.dimension(d).table
        path = layer.join_path(below, table) if below != table else None
        if is_rows(layer, d) and path is not None and len(path) == 1:
            out.append(d)
    return out


def on_facts(layer: Layer, metric: str, dimension: str) -> bool:
    """Is the breakdown a column of the rows the metric sums (a defect's type), not of what
    they point to (a line)?"""
    return layer.dimension(dimension).table in {m.table for m in layer.metric_measures(metric)}


def related(layer: Layer, metric: str, a: str, b: str) -> bool:
    """Whether two breakdowns see the same things from different heights (one family)."""
    ta, tb = layer.dimension(a).table, layer.dimension(b).table
    if ta == tb:
        return True
    if on_facts(layer, metric, a) or on_facts(layer, metric, b):
        return False
    return layer.join_path(ta, tb) is not None or layer.join_path(tb, ta) is not None


def _reaches(layer: Layer, node: exp.Expr | None, dimension: str) -> bool:
    """Do all the facts an expression's measures are summed from join to the breakdown's table?"""
    target = layer.dimension(dimension).table
    names = [] if node is None else [c.name for c in node.find_all(exp.Column)]
    return all(layer.join_path(layer.measures[n].table, target) is not None for n in names)


@dataclass(frozen=True)
class Splitter:
    """Splits one formula's change (a metric, or one factor of a product) by a breakdown."""

    layer: Layer
    formula: Formula
    fetcher: Fetcher

    def split(self, dimension: str, earlier: TimeRange, later: TimeRange,
              extra: list[Filter] | None = None) -> Split | None:
        """The parts per member of `dimension`; None when this formula cannot be split by it."""
        extra = extra or []
        f = self.formula
        if f.kind == "additive":
            if not _reaches(self.layer, f.expr, dimension):
                return None
            before, after = self.fetcher.member_pair(earlier, later, dimension, extra)
            return additive_split({k: _value(f, s) for k, s in before.items()},
                                  {k: _value(f, s) for k, s in after.items()})
        if f.kind != "ratio" or f.numerator is None or f.denominator is None:
            return None
        if not _reaches(self.layer, f.numerator, dimension):
            return None
        before, after = self.fetcher.member_pair(earlier, later, dimension, extra)
        num, den = f.numerator, f.denominator
        if _reaches(self.layer, f.denominator, dimension):
            return ratio_split({k: (_eval(num, s), _eval(den, s)) for k, s in before.items()},
                               {k: (_eval(num, s), _eval(den, s)) for k, s in after.items()})
        # The denominator is the same on every row (the breakdown does not reach its facts).
        base0 = max((_eval(den, s) for s in before.values()), default=0.0)
        base1 = max((_eval(den, s) for s in after.values()), default=0.0)
        return shared_base_split({k: _eval(num, s) for k, s in before.items()},
                                 {k: _eval(num, s) for k, s in after.items()}, base0, base1)


def _eval(node: exp.Expr, sums: Sums) -> float:
    """A linear expression over one member's sums: a member absent from a fact sums to zero."""
    value = compiled(node, zeros=True)(sums)
    return 0.0 if value is None else value


def _value(formula: Formula, sums: Sums) -> float:
    return _eval(formula.expr, sums)
