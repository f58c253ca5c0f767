"""The statement that reads a dimension's members (ids, names, aliases) for the catalogue."""

from __future__ import annotations

from sqlglot import exp

from assistant.sql.expressions import expand_computed, parse
from assistant.understand.catalogue import MAX_MEMBERS
from semantic_layer.layer import Layer


def members_query(layer: Layer, dimension: str) -> exp.Select:
    """Distinct rows of the dimension's equivalent columns (key first), one more than the
    catalogue keeps, so a dimension with too many members can be recognised and skipped."""
    dim = layer.dimension(dimension)
    table = layer.tables[dim.table]
    cols = [exp.column(c).as_(c) for c in dim.equivalent_columns()]
    select = (exp.select(*cols).distinct().from_(exp.to_table(dim.table))
              .where(exp.Not(this=exp.Is(this=exp.column(dim.key_column), expression=exp.Null())))
              .limit(MAX_MEMBERS + 1))
    if table.sql:  # a derived or role table exists only as a CTE, as in compiled queries
        select = select.with_(dim.table, as_=parse(table.sql))
    tree = expand_computed(select, layer, table=dim.table)
    assert isinstance(tree, exp.Select)
    return tree
