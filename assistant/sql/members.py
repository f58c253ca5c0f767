"""The statement that reads a dimension's members (ids, names, aliases) for the catalogue."""

from __future__ import annotations

from sqlglot import exp

from assistant.understand.catalogue import MAX_MEMBERS
from semantic_layer.layer import Layer


def members_query(layer: Layer, dimension: str) -> exp.Select:
    """Distinct rows of the dimension's equivalent columns (key first), one more than the
    catalogue keeps, so a dimension with too many members can be recognised and skipped."""
    dim = layer.dimension(dimension)
    cols = [exp.column(c) for c in dim.equivalent_columns()]
    return (exp.select(*cols).distinct().from_(exp.to_table(dim.table))
            .where(exp.Not(this=exp.Is(this=exp.column(dim.key_column), expression=exp.Null())))
            .limit(MAX_MEMBERS + 1))
