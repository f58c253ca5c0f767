"""Load-time checks of the physical design a layer declares: summary tables (`aggregates:`) and
table `indexes:`. A summary the compiler would read must mean exactly what its fact means, so
every doubt is an error naming the summary and what to write instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from semantic_layer.aggregates import Aggregate, stored_columns
from semantic_layer.errors import LayerError, did_you_mean
from semantic_layer.soundness import ALLOWED_EXPR, _check_sql

if TYPE_CHECKING:
    from semantic_layer.layer import Layer

STORED_EXPR = ALLOWED_EXPR.replace("A measure expression", "A summary measure's expression").replace(
    "use a derived table (`sql:`)", "store what the fact's own columns give"
)


def check_aggregates(layer: Layer) -> None:
    seen: set[str] = set()
    for i, agg in enumerate(layer.spec.aggregates):
        where = f"aggregates[{i}] ({agg.name})"
        if agg.name in seen or agg.name in layer.tables:
            what = "another summary" if agg.name in seen else "a table of the layer"
            raise LayerError(
                f"summary '{agg.name}' has the name of {what}.",
                location=where,
                suggestion="Give the summary table a name of its own.",
            )
        seen.add(agg.name)
        _check_source(layer, agg, where)
        _check_stored(layer, agg, where)
        if not any(stored_columns(agg, m) is not None for m in layer.spec.measures):
            raise LayerError(
                f"summary '{agg.name}' can give none of the layer's measures on '{agg.source}' "
                "exactly, so it would never be read.",
                location=where,
                suggestion="Store the measures' own aggregates: a `sum` measure as sum of the same "
                "expression, a row count as `count`, an `avg` as both sum and count.",
            )


def _check_source(layer: Layer, agg: Aggregate, where: str) -> None:
    """The fact is a stored table; the kept columns and the date are its own."""
    source = layer.require_table(agg.source, where)
    if source.derived:
        raise LayerError(
            f"summary '{agg.name}': '{agg.source}' is a derived table; a summary rolls up a stored fact table.",
            location=where,
        )
    for col in agg.group_by:
        if col not in source.columns or col in source.computed:
            raise LayerError(
                f"summary '{agg.name}': group_by column '{col}' is not a stored column of '{agg.source}'.",
                location=where,
                suggestion=did_you_mean(col, source.columns),
            )
    if len(set(agg.group_by)) != len(agg.group_by):
        raise LayerError(f"summary '{agg.name}': a group_by column is listed twice.", location=where)
    if agg.time_column is not None and agg.time_column not in source.time_columns():
        raise LayerError(
            f"summary '{agg.name}': time_column '{agg.time_column}' is not a date of "
            f"'{agg.source}' (its dates: {', '.join(source.time_columns()) or 'none'}).",
            location=where,
            suggestion=did_you_mean(agg.time_column, source.time_columns()),
        )
    if agg.time_column is None and source.time_columns():
        raise LayerError(
            f"summary '{agg.name}': '{agg.source}' is dated ({', '.join(source.time_columns())}) but "
            "the summary keeps no date, so no question with a period could read it.",
            location=where,
            suggestion=f"Add `time_column: {source.time_columns()[0]}` and a `grain`.",
        )


def _check_stored(layer: Layer, agg: Aggregate, where: str) -> None:
    """Stored columns have names of their own and expressions over the fact's own columns."""
    taken = set(agg.group_by) | ({agg.time_column} if agg.time_column else set())
    for m in agg.measures:
        if m.name in taken:
            raise LayerError(
                f"summary '{agg.name}': measure column '{m.name}' is already a column of the summary.",
                location=where,
                suggestion="Name each stored measure differently from the kept columns, e.g. total_count_sum.",
            )
        taken.add(m.name)
        if m.expr is not None:
            _check_sql(layer, agg.source, f"summary '{agg.name}': measure '{m.name}'", m.expr, where, STORED_EXPR)


def check_indexes(layer: Layer) -> None:
    """Every index names columns of a stored table."""
    for t in layer.spec.tables:
        for cols in t.indexes:
            where = layer.where("tables", t.name)
            if t.derived:
                raise LayerError(f"table '{t.name}' is derived and has no storage to index.", location=where)
            if not cols:
                raise LayerError(f"table '{t.name}': an index lists no column.", location=where)
            for col in cols:
                layer.require_column(t.name, col, where)
