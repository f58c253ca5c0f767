"""`factory-assistant layer validate`: does the layer match a live database?

Checks that every table and column exists (a zero-row SELECT), that every relationship
resolves (no orphan keys), that derived tables run, and that every metric compiles and
plans. All SQL goes through the guard like any other query.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from assistant.core.errors import FactoryAssistantError
from assistant.plan.query import SemanticQuery


def check_layer_against_db(layer_dir: str | None, db: str | None) -> tuple[list[str], int]:
    from assistant.core.settings import Settings
    from assistant.pipeline import Pipeline
    from assistant.sql.executor import Executor
    from semantic_layer.loader import load_layer

    settings = Settings.load(db=db, layer=layer_dir)
    layer = load_layer(settings.layer)
    pipe = Pipeline(layer, Executor(settings.db_target(), timeout_s=settings.timeout_s), settings=settings)
    problems: list[str] = []
    checks = 0

    try:  # one probe first: an unreachable database is one problem, not one per check
        pipe.run_sql(exp.select(exp.Literal.number(1)))
    except FactoryAssistantError as exc:
        pipe.close()
        return [f"database: {exc}"], 1

    def attempt(what: str, sql: exp.Expression) -> list[tuple] | None:
        nonlocal checks
        checks += 1
        try:
            return pipe.run_sql(sql).rows
        except FactoryAssistantError as exc:
            problems.append(f"{what}: {exc}")
            return None

    for table in layer.spec.tables:
        if table.derived:
            continue
        select = exp.select(*(exp.column(c) for c in table.columns)).from_(table.name).limit(1)
        attempt(f"table {table.name}", select)
    for rel in layer.spec.relationships:
        if layer.tables[rel.from_table].derived or layer.tables[rel.to_table].derived:
            continue
        orphan = sqlglot.parse_one(
            f"SELECT COUNT(*) FROM {rel.from_table} AS f LEFT JOIN {rel.to_table} AS t "
            f"ON f.{rel.from_column} = t.{rel.to_column} "
            f"WHERE f.{rel.from_column} IS NOT NULL AND t.{rel.to_column} IS NULL")
        rows = attempt(f"relationship {rel.from_} -> {rel.to}", orphan)
        if rows and rows[0][0]:
            problems.append(f"relationship {rel.from_} -> {rel.to}: {rows[0][0]} value(s) have no match in {rel.to_table}.")
    for metric in layer.spec.metrics:
        dims = layer.metric_dimensions(metric.name)[:1]
        try:
            compiled = pipe.compile(SemanticQuery(metrics=[metric.name], dimensions=dims))
        except FactoryAssistantError as exc:
            problems.append(f"metric {metric.name}: {exc}")
            continue
        attempt(f"metric {metric.name}", compiled.tree.limit(1))
    pipe.close()
    return problems, checks
