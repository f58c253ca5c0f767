"""What the Cortex import and export share: SQL dialects, names, types and the findings list.

Cortex expressions are Snowflake SQL over *logical* names (a logical table, its dimensions and
facts); the layer's SQL is read as DuckDB by the compiler and the load-time checks, over
*physical* tables and columns. Unquoted Snowflake identifiers are case-insensitive, so they are
lowercased on the way in ("ORDERS" and "orders" are one table to Snowflake, DuckDB and PostgreSQL).
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from semantic_layer.interop import Finding, Severity

SOURCE_DIALECT = "snowflake"
LAYER_DIALECT = "duckdb"

# Cortex `default_aggregation` -> the layer's `agg` (median has no counterpart).
AGGREGATIONS: dict[str, str] = {"sum": "sum", "avg": "avg", "average": "avg", "mean": "avg", "min": "min",
                                "max": "max", "count": "count", "count_distinct": "count_distinct"}
# sqlglot aggregate nodes the layer can compute; COUNT(DISTINCT x) is a Count over a Distinct.
AGG_NODES: dict[type[exp.Expr], str] = {exp.Sum: "sum", exp.Avg: "avg", exp.Min: "min", exp.Max: "max",
                                        exp.Count: "count"}
# Row-level expressions must not hold these (the compiler adds the aggregate itself).
NOT_ROW_LEVEL: tuple[type[exp.Expr], ...] = (exp.AggFunc, exp.Window, exp.Query, exp.Subquery, exp.Exists, exp.Star)


class Unsupported(Exception):
    """A construct this import cannot carry over; the message says why, for a Finding."""


class Findings(list[Finding]):
    def add(self, severity: Severity, item: str, message: str) -> None:
        self.append(Finding(severity, item, message))


def parse(sql: object, *, dialect: str = SOURCE_DIALECT) -> exp.Expr:
    """One SQL expression or statement, unquoted identifiers lowercased; Unsupported if unreadable."""
    if not isinstance(sql, str) or not sql.strip():
        raise Unsupported("has no SQL expression")
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except (ParseError, SqlglotError) as exc:
        raise Unsupported(f"\"{sql}\" is not SQL this import can read ({str(exc).splitlines()[0]})") from None
    for ident in tree.find_all(exp.Identifier):
        if not ident.quoted:
            ident.set("this", ident.name.lower())
    return tree


def layer_sql(tree: exp.Expr) -> str:
    return tree.sql(dialect=LAYER_DIALECT)


def bare_column(tree: exp.Expr) -> str | None:
    """The column name when the expression is just a column (qualified or not)."""
    return tree.name if isinstance(tree, exp.Column) and not isinstance(tree.this, exp.Star) else None


def row_level(tree: exp.Expr, what: str) -> None:
    for node in tree.walk():
        if isinstance(node, NOT_ROW_LEVEL):
            raise Unsupported(f"{what} \"{layer_sql(tree)}\" is not a row-level expression "
                              f"(it uses {type(node).__name__.upper()})")


_SLUG = re.compile(r"[^0-9a-z_]+")


def slug(name: str) -> str:
    """A layer name from a Cortex one: 'Revenue model' -> 'revenue_model'."""
    out = _SLUG.sub("_", name.strip().lower()).strip("_")
    return out if out and not out[0].isdigit() else f"n_{out}"


def humanize(name: str) -> str:
    """'daily_revenue' -> 'Daily revenue' ('ORDER_ID' -> 'Order id'): the label Cortex does not have."""
    words = (name.lower() if name.isupper() else name).replace("_", " ").split()
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else name


def unique(name: str, taken: set[str], prefix: str) -> str:
    """`name`, or `prefix_name` (then numbered) when taken; the result is added to `taken`."""
    out = name if name not in taken else f"{prefix}_{name}"
    n = 2
    while out in taken:
        out = f"{prefix}_{name}_{n}"
        n += 1
    taken.add(out)
    return out


def layer_type(data_type: object) -> str:
    """A Cortex/Snowflake data_type as a column type of the layer (informational, except BOOLEAN,
    which makes a column alone a condition)."""
    text = str(data_type or "").strip().upper()
    base = text.split("(")[0].strip()
    if base in {"TEXT", "VARCHAR", "STRING", "CHAR", "CHARACTER", "NVARCHAR"}:
        return "VARCHAR"
    if base in {"NUMBER", "NUMERIC", "DECIMAL"}:
        return "BIGINT" if re.search(r",\s*0\s*\)", text) else "DOUBLE"
    if base in {"INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT"}:
        return "BIGINT"
    if base in {"FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "REAL", "DOUBLE PRECISION"}:
        return "DOUBLE"
    if base.startswith("TIMESTAMP") or base == "DATETIME":
        return "TIMESTAMP"
    if base in {"DATE", "BOOLEAN", "TIME"}:
        return base
    return base or "UNKNOWN"


def cortex_type(column_type: str) -> str:
    """The layer's column type as a Cortex data_type."""
    base = column_type.strip().upper().split("(")[0]
    if base in {"VARCHAR", "TEXT", "STRING", "CHAR"}:
        return "VARCHAR"
    if base in {"DATE", "BOOLEAN", "TIME"}:
        return base
    if base.startswith("TIMESTAMP"):
        return "TIMESTAMP"
    if base in {"BIGINT", "INTEGER", "INT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT"}:
        return "NUMBER(38,0)"
    if base in {"DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC", "NUMBER"}:
        return "NUMBER"
    return "VARCHAR"
