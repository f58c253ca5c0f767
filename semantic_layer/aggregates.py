"""Summary tables (aggregate awareness): a fact table rolled up by some of its columns and a day
(or coarser) period, which the compiler reads instead of the fact when a query needs nothing
finer. Declared under `aggregates:` (FORMAT.md); `assistant/sql/rollup.py` decides when one fits.

Only re-aggregable measures are stored: sum, count, min and max. Averages and ratios are rebuilt
from stored sums and counts (never an average of averages); a count of distinct values is
answered from a summary only when the counted column is one of its grouping columns.

This module knows nothing of the rest of the layer's models, so `models.py` can import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import sqlglot
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlglot import exp

if TYPE_CHECKING:
    from semantic_layer.models import Measure

SummaryAgg = Literal["sum", "count", "min", "max"]
SummaryGrain = Literal["day", "week", "month", "quarter", "year"]

# A period of the summary's grain lies inside exactly one period of each grain listed here, so
# the coarser figure is a sum of summary rows. Weeks straddle months and years: week only from day.
DERIVABLE_GRAINS: dict[str, tuple[str, ...]] = {
    "day": ("day", "week", "month", "quarter", "year"),
    "week": ("week",),
    "month": ("month", "quarter", "year"),
    "quarter": ("quarter", "year"),
    "year": ("year",),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SummaryMeasure(_Strict):
    """One stored column: `agg` of `expr` over the fact's rows of a summary row. `expr` defaults
    to the fact column named like the stored one; a count without `expr` counts rows."""

    name: str
    agg: SummaryAgg
    expr: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _expr_defaults_to_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("expr") is None and data.get("agg") in ("sum", "min", "max"):
            return {**data, "expr": data.get("name")}
        return data


class Aggregate(_Strict):
    """A summary table: `source` grouped by `group_by` and `time_column` truncated to `grain`.

    Grouping columns and the time column keep the fact's column names in the summary, so the
    compiler reads the same joins and conditions from it as from the fact."""

    name: str  # the summary table in the database
    source: str  # the fact table it summarises
    group_by: list[str] = Field(default_factory=list)
    time_column: str | None = None
    grain: SummaryGrain = "day"
    measures: list[SummaryMeasure]
    description: str = ""

    def columns(self) -> list[str]:
        return [*self.group_by, *([self.time_column] if self.time_column else []), *(m.name for m in self.measures)]


def summary_column_types(agg: Aggregate, source_columns: dict[str, str]) -> dict[str, str]:
    """Column -> SQL type of the summary table (what the guard and `layer validate` read)."""
    types = {c: source_columns.get(c, "VARCHAR") for c in agg.group_by}
    if agg.time_column:
        types[agg.time_column] = "DATE"
    for m in agg.measures:
        if m.agg == "count":
            types[m.name] = "BIGINT"
        elif m.agg in ("min", "max") and m.expr in source_columns:
            types[m.name] = source_columns[m.expr or ""]
        else:
            types[m.name] = "DOUBLE"
    return types


def _normal(sql: str) -> str:
    """An expression written one way, bare of table names, to compare a measure with a column."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    for col in tree.find_all(exp.Column):
        col.set("table", None)
    return tree.sql(dialect="duckdb", normalize=True)


def _stored(agg: Aggregate, kind: str, expr: str | None) -> str | None:
    """The stored column holding `kind` of `expr` (None: rows), if the summary has one."""
    want = _normal(expr) if expr is not None else None
    for m in agg.measures:
        if m.agg == kind and (m.expr is None if want is None else m.expr is not None and _normal(m.expr) == want):
            return m.name
    return None


def filter_columns(filter_sql: str | None) -> list[tuple[str, str]] | None:
    """(table, column) pairs a measure filter reads ('' for bare columns); None when it reads none."""
    if not filter_sql:
        return None
    return [(c.table, c.name) for c in sqlglot.parse_one(filter_sql, read="duckdb").find_all(exp.Column)]


def stored_columns(agg: Aggregate, measure: Measure) -> dict[str, str] | None:
    """How `measure` is read from the summary: the stored columns it re-aggregates, by role
    ('sum', 'count', 'min', 'max', or 'distinct' for a grouping column counted once); None when
    the summary cannot give the measure's exact figure."""
    if measure.table != agg.source or measure.exists:
        return None
    for table, column in filter_columns(measure.filter) or []:
        # The filter is applied to summary rows: it may only read what a summary row keeps whole.
        if table not in ("", agg.source) or column not in agg.group_by:
            return None
    if measure.agg == "avg":
        total, count = _stored(agg, "sum", measure.expr), _stored(agg, "count", measure.expr)
        return {"sum": total, "count": count} if total and count else None
    if measure.agg == "count_distinct":
        counted = _normal(measure.expr) if measure.expr else None
        return {"distinct": counted} if counted is not None and counted in agg.group_by else None
    stored = _stored(agg, measure.agg, measure.expr)
    return {measure.agg: stored} if stored else None
