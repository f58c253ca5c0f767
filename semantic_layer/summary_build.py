"""Build the summary tables a layer declares (`aggregates:`) and the indexes its tables declare,
in any SQL database: the statements are written once and transpiled by sqlglot.

`demo-data` builds the demo's summaries into the DuckDB file and the PostgreSQL copy; for your
own database run the statements of `summary_statements` (or your ETL's equivalent) after each
load: a summary older than its fact gives older figures, exactly as a stale copy would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from semantic_layer.aggregates import Aggregate
from semantic_layer.layer import Layer


def _stored(agg: Aggregate) -> list[exp.Expr]:
    out: list[exp.Expr] = []
    for m in agg.measures:
        value = exp.maybe_parse(m.expr, dialect="duckdb") if m.expr else None
        if m.agg == "count":
            out.append(exp.Count(this=value if value is not None else exp.Star()).as_(m.name))
        else:
            kind = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}[m.agg]
            out.append(kind(this=value).as_(m.name))
    return out


def summary_select(agg: Aggregate) -> exp.Select:
    """SELECT kept columns, the date truncated to the grain and the stored aggregates FROM the fact,
    in date order (so a period filter skips most of the table)."""
    keys: list[exp.Expr] = [exp.column(c) for c in agg.group_by]
    if agg.time_column:
        trunc = exp.TimestampTrunc(this=exp.column(agg.time_column), unit=exp.var(agg.grain.upper()))
        keys.append(exp.cast(trunc, "DATE").as_(agg.time_column))
    select = exp.select(*keys, *_stored(agg)).from_(agg.source)
    positions = [exp.Literal.number(i + 1) for i in range(len(keys))]
    if positions:
        select = select.group_by(*positions)
        order = positions[-1:] + positions[:-1] if agg.time_column else positions
        select = select.order_by(*order)
    return select


def summary_statements(layer: Layer, dialect: str = "duckdb") -> list[str]:
    """DROP and CREATE TABLE ... AS SELECT for each declared summary, in `dialect`."""
    out: list[str] = []
    for agg in layer.spec.aggregates:
        out.append(f"DROP TABLE IF EXISTS {agg.name}")
        create = exp.Create(this=exp.to_table(agg.name), kind="TABLE", expression=summary_select(agg))
        out.append(create.sql(dialect=dialect))
    return out


def index_statements(layer: Layer) -> list[str]:
    """CREATE INDEX for every index the layer's tables declare (named after table and columns)."""
    out: list[str] = []
    for t in layer.spec.tables:
        for cols in t.indexes:
            name = f"ix_{t.name}_{'_'.join(cols)}"[:63]  # PostgreSQL's identifier limit
            out.append(f"CREATE INDEX IF NOT EXISTS {name} ON {t.name} ({', '.join(cols)})")
    return out


def build_summaries(execute: Callable[[str], Any], layer: Layer, dialect: str = "duckdb") -> list[str]:
    """Run the summary statements through `execute`; returns the summary tables built."""
    for statement in summary_statements(layer, dialect):
        execute(statement)
    return [a.name for a in layer.spec.aggregates]
