"""`factory-assistant layer validate`: does the layer match a live database?

Checks that every table and column exists (a zero-row SELECT), that every declared key is
unique in the data (a many-to-one join to a duplicated key double counts in silence), that
every relationship resolves (no orphan keys), that derived tables and expression dimensions run,
and that every metric compiles and plans. All SQL goes through the guard like any other query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from assistant.core.errors import FactoryAssistantError
from assistant.plan.query import SemanticQuery
from assistant.surfaces.cli.summary_check import check_summaries
from semantic_layer.soundness import key_columns

if TYPE_CHECKING:
    from assistant.pipeline import Pipeline
    from semantic_layer.layer import Layer


class _LayerCheck:
    """Runs the checks of one layer through one pipeline, collecting problems instead of stopping."""

    def __init__(self, layer: Layer, pipe: Pipeline) -> None:
        self.layer = layer
        self.pipe = pipe
        self.problems: list[str] = []
        self.checks = 0

    def attempt(self, what: str, sql: exp.Expression) -> list[tuple[Any, ...]] | None:
        """Run one check's SQL; its rows, or None (and a problem) when it fails."""
        self.checks += 1
        try:
            return self.pipe.run_sql(sql).rows
        except FactoryAssistantError as exc:
            self.problems.append(f"{what}: {exc}")
            return None

    def tables(self) -> None:
        """Every physical table with all its columns answers a SELECT."""
        for table in self.layer.spec.tables:
            if table.derived:
                continue
            cols = [c for c in table.columns if c not in table.computed]
            select = exp.select(*(exp.column(c) for c in cols)).from_(table.name).limit(1)
            self.attempt(f"table {table.name}", select)

    def keys(self) -> None:
        """Every declared key of a physical table is unique, and with it every relationship target
        (the loader makes each many-to-one relationship point at a declared key)."""
        for table, cols, what in key_columns(self.layer):
            users = [f"relationship {r.from_} -> {r.to}" for r in self.layer.spec.relationships
                     if r.cardinality != "many_to_many" and r.to_table == table and [r.to_column] == cols]
            key = [exp.column(c) for c in cols]
            # NULL keys join nothing, so only repeated non-NULL values can double count.
            dupes = (exp.select(*key, exp.Count(this=exp.Star()).as_("n")).from_(table)
                     .where(exp.and_(*(exp.column(c).is_(exp.null()).not_() for c in cols)))
                     .group_by(*key).having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)))
                     .limit(1))
            derived = self.layer.tables[table].sql
            if derived:  # a derived table exists only as a CTE, as in compiled metrics
                dupes = dupes.with_(table, as_=sqlglot.parse_one(derived, read="duckdb"))
            rows = self.attempt(what, dupes)
            if rows:
                value = ", ".join(repr(v) for v in rows[0][:-1])
                self.problems.append(
                    f"{'; '.join([what, *users])}: key ({', '.join(cols)}) is not unique in {table}: "
                    f"{value} appears {rows[0][-1]} times, so joins to it count rows more than once.")

    def relationships(self) -> None:
        """Every key of a relationship between physical tables finds its row on the other side."""
        for rel in self.layer.spec.relationships:
            if self.layer.tables[rel.from_table].derived or self.layer.tables[rel.to_table].derived:
                continue
            orphan = sqlglot.parse_one(
                f"SELECT COUNT(*) FROM {rel.from_table} AS f LEFT JOIN {rel.to_table} AS t "
                f"ON f.{rel.from_column} = t.{rel.to_column} "
                f"WHERE f.{rel.from_column} IS NOT NULL AND t.{rel.to_column} IS NULL", into=exp.Select)
            rows = self.attempt(f"relationship {rel.from_} -> {rel.to}", orphan)
            if rows and rows[0][0]:
                self.problems.append(
                    f"relationship {rel.from_} -> {rel.to}: {rows[0][0]} value(s) have no match in {rel.to_table}.")

    def dimensions(self) -> None:
        """Every expression dimension (and every role table's dimension) reads its members."""
        from assistant.sql.members import members_query

        for dim in self.layer.spec.dimensions:
            table = self.layer.tables[dim.table]
            if dim.expr is not None or table.source is not None:
                self.attempt(f"dimension {dim.name}", members_query(self.layer, dim.name).limit(1))

    def metrics(self) -> None:
        """Every metric compiles (by its first dimension) and runs."""
        for metric in self.layer.spec.metrics:
            dims = self.layer.metric_dimensions(metric.name)[:1]
            try:
                compiled = self.pipe.compile(SemanticQuery(metrics=[metric.name], dimensions=dims))
            except FactoryAssistantError as exc:
                self.problems.append(f"metric {metric.name}: {exc}")
                continue
            self.attempt(f"metric {metric.name}", compiled.tree.limit(1))


def check_layer_against_db(layer_dir: str | None, db: str | None) -> tuple[list[str], int]:
    from assistant.core.settings import Settings
    from assistant.pipeline import Pipeline
    from assistant.sql.executor import Executor
    from semantic_layer.loader import load_layer

    settings = Settings.load(db=db, layer=layer_dir)
    layer = load_layer(settings.layer)
    pipe = Pipeline(layer, Executor.from_settings(settings), settings=settings)

    try:  # one probe first: an unreachable database is one problem, not one per check
        pipe.run_sql(exp.select(exp.Literal.number(1)))
    except FactoryAssistantError as exc:
        pipe.close()
        return [f"database: {exc}"], 1

    check = _LayerCheck(layer, pipe)
    check.tables()
    check.keys()
    check.relationships()
    check.dimensions()
    check.metrics()
    check.problems += check_summaries(layer, check.attempt)
    pipe.close()
    return check.problems, check.checks
