"""`layer validate` on summary tables: each exists with its declared columns and still holds what
its fact holds. Every stored column's grand total (sum, row count, min, max) is compared with the
same aggregate over the fact, so a summary built before the last load is reported, not read."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlglot import exp

from semantic_layer.aggregates import Aggregate
from semantic_layer.layer import Layer

Attempt = Callable[[str, exp.Expression], list[tuple[Any, ...]] | None]
_REAGGREGATE = {"sum": exp.Sum, "count": exp.Sum, "min": exp.Min, "max": exp.Max}
_ORIGINAL = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}


def _fact_expr(agg: Aggregate, i: int) -> exp.Expr:
    m = agg.measures[i]
    value = exp.maybe_parse(m.expr, dialect="duckdb") if m.expr else None
    if m.agg == "count":
        return exp.Count(this=value if value is not None else exp.Star())
    return _ORIGINAL[m.agg](this=value)


def _differs(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a != b
    try:
        return not math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    except (TypeError, ValueError):
        return str(a) != str(b)


def check_summaries(layer: Layer, attempt: Attempt) -> list[str]:
    """Problems with the declared summaries (missing, other columns, out of date)."""
    problems: list[str] = []
    schema = layer.summary_schema()
    for agg in layer.spec.aggregates:
        what = f"summary {agg.name}"
        columns = [exp.column(c) for c in schema[agg.name]]
        if attempt(what, exp.select(*columns).from_(agg.name).limit(1)) is None:
            continue
        stored = exp.select(*(_REAGGREGATE[m.agg](this=exp.column(m.name)) for m in agg.measures)).from_(agg.name)
        fact = exp.select(*(_fact_expr(agg, i) for i in range(len(agg.measures)))).from_(agg.source)
        got, want = attempt(f"{what} totals", stored), attempt(f"{agg.source} totals", fact)
        if not got or not want:
            continue
        for m, a, b in zip(agg.measures, got[0], want[0], strict=True):
            if _differs(a, b):
                problems.append(
                    f"{what}: {m.agg} of {m.expr or 'rows'} is {a} in the summary but {b} in "
                    f"{agg.source}: it is out of date; rebuild it after every load of {agg.source}."
                )
    return problems
