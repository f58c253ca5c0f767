"""Issue 12: hundreds of hostile statements against the guard and the read-only executor.

Every statement of tests/hostile/*.yaml runs on a copy of the demo database that holds hidden
columns and a hidden table with marker values (tests/hostile/corpus.py), in DuckDB and in
PostgreSQL. A statement passes when the guard refuses it, or, where the corpus allows it
(`expect: safe`), when the guard accepts it and running the checked SQL brings back nothing
hidden: no marker in the rows or in the error message, no hidden column name, not the
database's own location.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from assistant.core.errors import ExecutionError, GuardError
from assistant.sql.executor import Executor
from assistant.sql.guard import Guard
from tests.hostile.corpus import DIALECTS, HOSTILE_SETUP, Entry, leaks, load_corpus

CORPUS = load_corpus()
PG_DATABASE = "fa_hostile_test"


@dataclass
class Target:
    dialect: str
    guard: Guard
    executor: Executor
    markers: tuple[str, ...]  # where the database lives: never part of an answer
    fingerprint: object


# Counts and the hidden table's contents: any write through the corpus changes them.
FINGERPRINT = ("SELECT (SELECT count(*) FROM plants), (SELECT count(*) FROM customer_complaints), "
               "(SELECT count(*) FROM payroll), (SELECT max(employee) FROM payroll)")


@pytest.fixture(scope="module")
def hostile_duckdb(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile_copy.duckdb"
    shutil.copy(demo_db, path)
    con = duckdb.connect(str(path))
    for statement in HOSTILE_SETUP:
        con.execute(statement)
    con.close()
    return path


@pytest.fixture(scope="module")
def hostile_pg(pg_url: str, demo_db: Path) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    from semantic_layer.demo.generator import copy_to_postgres

    base = make_url(pg_url)
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        con.execute(f"CREATE DATABASE {PG_DATABASE}")
    plain = base.set(drivername="postgresql", database=PG_DATABASE).render_as_string(hide_password=False)
    copy_to_postgres(demo_db, plain, progress=False)
    with psycopg.connect(plain, autocommit=True) as con:
        for statement in HOSTILE_SETUP:
            con.execute(statement)  # type: ignore[arg-type]
    return base.set(database=PG_DATABASE).render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=DIALECTS)
def target(request: pytest.FixtureRequest, layer) -> Iterator[Target]:
    if request.param == "duckdb":
        path: Path = request.getfixturevalue("hostile_duckdb")
        executor = Executor(path, timeout_s=5.0, max_rows=50)
        markers: tuple[str, ...] = (str(path), path.name)
    else:
        executor = Executor(request.getfixturevalue("hostile_pg"), timeout_s=5.0, max_rows=50)
        markers = (PG_DATABASE,)
    guard = Guard(layer.physical_schema(), dialect=executor.dialect, max_rows=50)
    fingerprint = _raw_fingerprint(executor)
    yield Target(request.param, guard, executor, markers, fingerprint)
    executor.dispose()


def _raw_fingerprint(executor: Executor) -> object:
    # A guard that knows payroll (the layer's does not) may read it for the check.
    guard = Guard({"plants": {"plant_id": "VARCHAR"}, "customer_complaints": {"complaint_id": "VARCHAR"},
                   "payroll": {"employee": "VARCHAR"}}, dialect=executor.dialect)
    return executor.run(guard.check(FINGERPRINT)).rows[0]


def attempt(target: Target, entry: Entry) -> tuple[str, list[str]]:
    """('refused' | 'accepted' | 'database error', what leaked)."""
    try:
        checked = target.guard.check(entry.sql)
    except GuardError as err:
        return "refused", leaks(str(err), [], target.markers)
    try:
        result = target.executor.run(checked)
    except ExecutionError as err:
        return "database error", leaks(f"{err} {err.suggestion or ''}", [], target.markers)
    return "accepted", leaks(repr(result.rows), result.columns, target.markers)


def test_the_corpus_is_large_and_explained() -> None:
    assert len(CORPUS) >= 300
    assert len({(e.family, e.sql) for e in CORPUS}) == len(CORPUS), "duplicate statements"
    assert all(e.reason and e.expect in ("refuse", "safe") and e.only in (None, *DIALECTS) for e in CORPUS)
    families = {e.family for e in CORPUS}
    assert {"stars", "patterns", "whole_rows", "struct_access", "positions", "sql_text", "settings_catalog",
            "stalls", "error_text", "writes"} <= families
    assert sum(e.expect == "refuse" for e in CORPUS) >= 300  # refusal is preferred


@pytest.mark.parametrize("entry", CORPUS, ids=[f"{e.family}-{i}" for i, e in enumerate(CORPUS)])
def test_hostile_statement(target: Target, entry: Entry) -> None:
    outcome, leaked = attempt(target, entry)
    assert not leaked, f"{entry.sql!r} ({outcome}) leaked {leaked}"
    if entry.expectation(target.dialect) == "refuse":
        assert outcome == "refused", f"{entry.sql!r} was {outcome}, but must be refused: {entry.reason}"


def test_select_star_reads_only_exposed_columns(target: Target, layer) -> None:
    result = target.executor.run(target.guard.check("SELECT * FROM plants"))
    assert result.columns == list(layer.physical_schema()["plants"])
    result = target.executor.run(target.guard.check("SELECT c.* FROM customer_complaints c ORDER BY 1"))
    assert result.columns == list(layer.physical_schema()["customer_complaints"]) and result.rows


def test_nothing_was_written(target: Target) -> None:
    # Runs after the corpus for the same database (tests are grouped by the module fixture).
    assert _raw_fingerprint(target.executor) == target.fingerprint
