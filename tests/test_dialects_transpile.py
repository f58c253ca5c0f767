"""Other engines (issue 17 point 5): every benchmark question's compiled SQL transpiles to Spark, Trino,
Snowflake, BigQuery and PostgreSQL (and Hive and Databricks, what a PyHive `hive://` or a
`databricks://` URL makes the assistant write), and parses back.

The questions are benchmarks/questions.yaml. Each is planned by the pipeline's rule planner (a
follow-up after its earlier turns) and its SemanticQuery compiled by a Compiler built for the
target dialect (the `dialect` parameter changes what a week means on BigQuery), then written in that
dialect with sqlglot refusing anything it cannot express (`unsupported_level=RAISE`), parsed back
with the dialect's own reader, and written again: the text must be stable and read the same tables.
A why-question compiles its measure sums too (what the explanation runs). Then each dialect's text is
read back and written as DuckDB and run on the test database: the rows must be those of the query
compiled for DuckDB (this catches a translation that changes meaning, as far as DuckDB can tell).
Nothing here proves an engine *runs* the SQL: only DuckDB, SQLite, PostgreSQL and MySQL/MariaDB are
tested against a live server; Spark is issue 17 point 4.

Traces have no SemanticQuery: their walk statements (WITH RECURSIVE, level by level) are collected
from one walk on the DuckDB test database and checked the same way; Hive has no recursive CTEs, so
for a `hive://` URL that is a known failure (strict xfail).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import ErrorLevel, UnsupportedError

from assistant.core.text import question_lang
from assistant.plan.types import Plan, PlanContext, Session, Turn
from assistant.sql.compiler import CompiledQuery, Compiler

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "benchmarks" / "questions.yaml"
TARGETS = ("spark", "trino", "snowflake", "bigquery", "postgres")
# What the assistant writes for a PyHive `hive://` URL (a Spark Thrift server) and for `databricks://`.
BY_URL = ("hive", "databricks")
DIALECTS = TARGETS + BY_URL

_data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
AS_OF: dt.date = _data["as_of"]
ITEMS: list[dict[str, Any]] = _data["questions"]
ALL_IDS = [i["id"] for i in ITEMS]
METRIC_IDS = [i["id"] for i in ITEMS if i["kind"] in ("metric", "why")]
TRACE_IDS = [i["id"] for i in ITEMS if i["kind"] == "trace"]
WEEKLY_IDS = [i["id"] for i in ITEMS if i.get("grain") == "week"]


@pytest.fixture(scope="module")
def plans(pipeline: Any) -> dict[str, Plan]:
    """Every benchmark question planned as the pipeline plans it (no compiled SQL runs)."""
    planner = pipeline.planners["rules"]
    out: dict[str, Plan] = {}
    for item in ITEMS:
        session = Session()
        for question in [*item.get("context", []), item["question"]]:
            lang = question_lang(question)
            session.lang = lang
            ctx = PlanContext(layer=pipeline.layer, as_of=AS_OF, session=session, lang=lang,
                              values=pipeline.values, dialect="duckdb")
            plan = planner.plan(question, ctx)
            session.turns.append(Turn(question, plan, "ok" if plan.kind in ("query", "why", "trace") else plan.kind))
        out[item["id"]] = plan
    return out


def _tables(tree: exp.Expression) -> set[str]:
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return {t.name.lower() for t in tree.find_all(exp.Table)} - ctes


def _round_trip(tree: exp.Expression, dialect: str) -> str:
    """Written in `dialect` (nothing unsupported), parsed back by its reader, written again unchanged."""
    sql = tree.sql(dialect=dialect, unsupported_level=ErrorLevel.RAISE)
    statements = sqlglot.parse(sql, read=dialect)
    assert len(statements) == 1 and isinstance(statements[0], exp.Query), sql
    back = statements[0]
    assert back.sql(dialect=dialect, unsupported_level=ErrorLevel.RAISE) == sql
    assert _tables(back) == _tables(tree), sql
    return sql


def _compiled(plan: Plan, dialect: str, layer: Any) -> list[CompiledQuery]:
    assert plan.query is not None
    compiler = Compiler(layer, dialect=dialect)
    out = [compiler.compile(plan.query)]
    if plan.kind == "why":  # the explanation runs the metric's measure sums
        out.append(compiler.compile_measures(plan.query))
    return out


def test_every_question_plans_as_its_kind(plans: dict[str, Plan]) -> None:
    assert len(ITEMS) >= 40 and len(set(ALL_IDS)) == len(ALL_IDS)
    langs = {i["lang"] for i in ITEMS}
    assert langs == {"en", "zh"}
    expected = {"metric": "query", "why": "why", "trace": "trace"}
    wrong = {i["id"]: plans[i["id"]].kind for i in ITEMS if plans[i["id"]].kind != expected[i["kind"]]}
    assert not wrong


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("qid", METRIC_IDS)
def test_compiled_question_transpiles_and_parses_back(plans: dict[str, Plan], layer: Any, qid: str,
                                                      dialect: str) -> None:
    for compiled in _compiled(plans[qid], dialect, layer):
        _round_trip(compiled.tree, dialect)


def _rows(result: Any) -> list[tuple[Any, ...]]:
    """Rows in a comparable form: floats to 9 places; a midnight timestamp is its date (BigQuery's
    DATE_TRUNC of a DATE is a DATE, its DuckDB spelling a TIMESTAMP)."""
    def cell(v: Any) -> Any:
        if isinstance(v, float):
            return round(v, 9)
        if isinstance(v, dt.datetime) and v.time() == dt.time(0):
            return v.date()
        return v

    return sorted((tuple(cell(v) for v in row) for row in result.rows), key=repr)


@pytest.mark.parametrize("qid", METRIC_IDS)
def test_each_dialect_read_back_as_duckdb_returns_the_same_rows(plans: dict[str, Plan], pipeline: Any,
                                                                qid: str) -> None:
    native = _rows(pipeline.run_sql(_compiled(plans[qid], "duckdb", pipeline.layer)[0].tree))
    assert native, qid
    for dialect in DIALECTS:
        sql = _round_trip(_compiled(plans[qid], dialect, pipeline.layer)[0].tree, dialect)
        back = sqlglot.parse_one(sql, read=dialect)
        assert _rows(pipeline.run_sql(back.sql(dialect="duckdb"))) == native, dialect


@pytest.mark.parametrize("qid", WEEKLY_IDS)
def test_weeks_are_iso_weeks_in_every_dialect(plans: dict[str, Plan], layer: Any, qid: str) -> None:
    """A week starts on Monday everywhere; BigQuery's WEEK starts on Sunday, so it is compiled as ISOWEEK."""
    spelled = {d: _round_trip(_compiled(plans[qid], d, layer)[0].tree, d).upper() for d in DIALECTS}
    assert "ISOWEEK" in spelled["bigquery"]
    for dialect in DIALECTS:
        if dialect != "bigquery":
            assert "'WEEK'" in spelled[dialect], spelled[dialect]


def test_questions_cover_every_grain_and_follow_ups() -> None:
    grains = {i.get("grain") for i in ITEMS}
    assert {"day", "week", "month", "quarter", "year", "shift"} <= grains
    assert sum(1 for i in ITEMS if i.get("context")) >= 5
    assert len(TRACE_IDS) >= 3 and sum(1 for i in ITEMS if i["kind"] == "why") >= 3


@pytest.fixture(scope="module")
def trace_statements(pipeline: Any, plans: dict[str, Plan]) -> dict[str, list[exp.Expression]]:
    """The statements of each benchmark trace's walk, collected from one walk on DuckDB."""
    from assistant.sql.trace.walk import run_trace

    out: dict[str, list[exp.Expression]] = {}
    for qid in TRACE_IDS:
        seen: list[exp.Expression] = []

        def run(sql: Any, /, *, limit: int | None = None, seen: list[exp.Expression] = seen) -> Any:
            result = pipeline.run_sql(sql, limit=limit)
            seen.append(sqlglot.parse_one(result.sql, read="duckdb"))
            return result

        request = plans[qid].trace
        assert request is not None
        run_trace(pipeline.layer, run, request, question_lang(next(i["question"] for i in ITEMS if i["id"] == qid)))
        out[qid] = seen
    return out


# Hive has no recursive CTEs and sqlglot refuses to write one for it: through PyHive (a Spark Thrift
# server) traces cannot run until the walk has a level-by-level form (issue 17 point 4).
NO_RECURSIVE_CTE = pytest.mark.xfail(raises=UnsupportedError, strict=True, reason="Hive: no WITH RECURSIVE")
TRACE_DIALECTS = [pytest.param(d, marks=NO_RECURSIVE_CTE) if d == "hive" else d for d in DIALECTS]


@pytest.mark.parametrize("dialect", TRACE_DIALECTS)
@pytest.mark.parametrize("qid", TRACE_IDS)
def test_trace_walk_transpiles_and_parses_back(trace_statements: dict[str, list[exp.Expression]], qid: str,
                                               dialect: str) -> None:
    statements = trace_statements[qid]
    assert statements
    for tree in statements:
        _round_trip(tree, dialect)
