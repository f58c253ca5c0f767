"""Spark SQL as Spark really reads it, where sqlglot writes more than Spark accepts.

sqlglot (30.x) writes a CTE's `MATERIALIZED` hint in every dialect, Hive and its descendants
(Spark, Databricks) included, and reads it back; Spark 4 itself fails with PARSE_SYNTAX_ERROR at
'MATERIALIZED'. The trace statements mark their reached-node CTEs materialized (DuckDB and
PostgreSQL compute them once), so without this no trace could run on Spark. Spark has no such hint
and decides by itself whether to reuse a CTE's result, so dropping it changes no answer.

`apply()` is idempotent and runs when assistant.sql.spark_target is imported (by the executor
module), before any statement is rendered for Spark.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.generators.hive import HiveGenerator

__all__ = ["apply"]

_PATCHED = "_factory_assistant_no_cte_hints"


def apply() -> None:
    if getattr(HiveGenerator, _PATCHED, False):
        return
    base = HiveGenerator.cte_sql

    def cte_sql(self: Any, expression: exp.CTE) -> str:
        if expression.args.get("materialized") is not None:
            expression = expression.copy()
            expression.set("materialized", None)
        return base(self, expression)

    HiveGenerator.cte_sql = cte_sql  # type: ignore[method-assign]
    setattr(HiveGenerator, _PATCHED, True)
