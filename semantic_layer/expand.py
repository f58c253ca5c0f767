"""Shorthands of the layer format, spelled out once at load so the compiler sees one shape.

- A role table (`source` + `where`): the rows of another table under a new name, so one table
  can be joined twice in two roles (a party as "agent" and as "policyholder"). It becomes a
  derived table (`SELECT * FROM source WHERE ...`, a CTE when compiled) with the source's
  columns; `layer validate` checks its keys on the data like any other table's.
- An expression dimension (`expr`): its table gets a computed column named after the
  dimension. The compiler writes the expression wherever the column is used
  (assistant/sql/expressions.py `expand_computed`), and the guard checks the result.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from semantic_layer.errors import LayerError, did_you_mean
from semantic_layer.models import LayerSpec, Table

COMPUTED_TYPE = "COMPUTED"  # the declared type of a computed column (its SQL type is the database's)


def expand(spec: LayerSpec) -> LayerSpec:
    tables = {t.name: t for t in spec.tables}
    out: list[Table] = []
    for t in spec.tables:
        if t.source is not None:
            t = _role_table(t, tables)
        out.append(t)
    by_name = {t.name: t for t in out}
    for d in spec.dimensions:
        if d.expr is None:
            continue
        table = by_name.get(d.table)
        if table is None:
            continue  # validation names the unknown table
        if d.name in table.columns and d.name not in table.computed:
            raise LayerError(f"expression dimension '{d.name}' has the name of a column of table '{d.table}'.",
                             location=f"dimensions: {d.name}",
                             suggestion="Rename the dimension, or use `column:` for the existing column.")
        by_name[d.table] = table.model_copy(update={
            "columns": {**table.columns, d.name: COMPUTED_TYPE},
            "computed": {**table.computed, d.name: d.expr}})
    expanded = [by_name[t.name] for t in out]
    if expanded == list(spec.tables):
        return spec
    return spec.model_copy(update={"tables": expanded})


def _role_table(t: Table, tables: dict[str, Table]) -> Table:
    where = f"tables: {t.name}"
    if t.sql is not None:
        raise LayerError(f"table '{t.name}' has both `sql` and `source`.", location=where,
                         suggestion="A role of another table takes `source` (and `where`); "
                                    "a derived table takes `sql`.")
    source = tables.get(t.source or "")
    if source is None:
        raise LayerError(f"table '{t.name}': unknown source table '{t.source}'.", location=where,
                         suggestion=did_you_mean(t.source or "", tables))
    if source.derived:
        raise LayerError(f"table '{t.name}': source '{source.name}' is itself derived; a role must be of a "
                         "physical table.", location=where)
    columns = t.columns or dict(source.columns)
    unknown = [c for c in columns if c not in source.columns]
    if unknown:
        raise LayerError(f"table '{t.name}' lists columns its source '{source.name}' does not have: {unknown}.",
                         location=where, suggestion=did_you_mean(unknown[0], source.columns))
    # Columns named, not *: access rules that hide a column of the source must see it used.
    sql = f"SELECT {', '.join(exp.to_identifier(c).sql(dialect='duckdb') for c in columns)} FROM {source.name}"
    if t.where:
        try:
            cond = sqlglot.parse_one(t.where, read="duckdb")
        except ParseError as exc:
            raise LayerError(f"table '{t.name}': `where` \"{t.where}\" is not valid SQL "
                             f"({str(exc).splitlines()[0]}).", location=where) from None
        if any(isinstance(n, (exp.Query, exp.Subquery, exp.AggFunc, exp.Window)) for n in cond.walk()):
            raise LayerError(f"table '{t.name}': `where` must be a plain condition over '{source.name}' columns.",
                             location=where)
        for col in cond.find_all(exp.Column):
            if col.name not in source.columns:
                raise LayerError(f"table '{t.name}': `where` uses '{col.name}', which '{source.name}' does not have.",
                                 location=where, suggestion=did_you_mean(col.name, source.columns))
        sql += f" WHERE {cond.sql(dialect='duckdb')}"
    return t.model_copy(update={"sql": sql, "columns": columns})
