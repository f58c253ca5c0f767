"""MySQL and MariaDB (issue 16 point 2): `connect` lists tables read-only, the read-only connection
refuses writes (also in the executor with the guard bypassed), `layer init --from-db` keeps the
declared foreign key and the Chinese column comment, and a question asked with that layer gives
what hand-written SQL gives, in MySQL's dialect.

Needs FA_TEST_MYSQL_URL (e.g. mysql+pymysql://root@127.0.0.1:3306): .ci/run starts a throwaway
MariaDB server and always sets it. The schema is written into a database of its own through a
separate read-write connection.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlglot import exp
from typer.testing import CliRunner

from assistant.core.errors import ExecutionError
from assistant.sql.executor import Executor
from assistant.sql.guard import CheckedSQL, Guard
from assistant.surfaces.cli.main import app
from semantic_layer.bootstrap import open_read_only, resolve_url

pytestmark = pytest.mark.mysql
_DB = "fa_connect_mysql_test"
_SCHEMA = [
    f"DROP DATABASE IF EXISTS {_DB}",
    f"CREATE DATABASE {_DB} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    f"USE {_DB}",
    "CREATE TABLE plants (plant_id VARCHAR(8) PRIMARY KEY, plant_name VARCHAR(40) NOT NULL, "
    "region VARCHAR(20)) COMMENT = '工厂'",
    # `made_at` names no table: the join can only come from the declared foreign key, not a guess.
    "CREATE TABLE output_records (record_id INTEGER PRIMARY KEY, made_at VARCHAR(8) NOT NULL, "
    "produced_on DATE NOT NULL, good_qty INTEGER NOT NULL COMMENT '良品数量', scrap_kg DECIMAL(8,2), "
    "shift VARCHAR(10), CONSTRAINT fk_output_plant FOREIGN KEY (made_at) REFERENCES plants (plant_id)) "
    "ENGINE = InnoDB",
    "INSERT INTO plants VALUES ('SZ', 'Suzhou', 'east'), ('NB', 'Ningbo', 'east'), ('CD', 'Chengdu', 'west')",
    "INSERT INTO output_records VALUES "
    "(1, 'SZ', '2025-01-05', 120, 1.50, 'day'), (2, 'SZ', '2025-01-06', 80, 0.25, 'night'), "
    "(3, 'NB', '2025-01-05', 200, 2.00, 'day'), (4, 'NB', '2025-02-03', 50, NULL, 'night'), "
    "(5, 'CD', '2025-02-04', 75, 0.75, 'day'), (6, 'SZ', '2025-02-10', 30, 0.10, 'day')",
]
_TOTAL_GOOD = "SELECT SUM(good_qty) FROM output_records"
_GOOD_BY_PLANT = ("SELECT p.plant_name, SUM(r.good_qty) FROM output_records r "
                  "JOIN plants p ON p.plant_id = r.made_at GROUP BY p.plant_name")
_WRITES = [
    "INSERT INTO plants VALUES ('XX', 'Stolen', 'x')",
    "UPDATE output_records SET good_qty = 0",
    "DELETE FROM output_records",
    "CREATE TABLE stolen AS SELECT * FROM plants",
    "ALTER TABLE plants ADD COLUMN y INTEGER",
    "TRUNCATE TABLE output_records",
    "SELECT 1; INSERT INTO plants VALUES ('XX', 'Stolen', 'x')",
    "DROP TABLE output_records",
]


@pytest.fixture(scope="module")
def mysql_url() -> str:
    """The test database's URL: written once through a read-write connection of its own."""
    url = os.environ.get("FA_TEST_MYSQL_URL")
    if not url:
        pytest.skip("FA_TEST_MYSQL_URL is not set: no MySQL/MariaDB server to test against "
                    "(.ci/run starts one; e.g. mysql+pymysql://root@127.0.0.1:3306)")
    base = make_url(url)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in _SCHEMA:
                conn.exec_driver_sql(statement)
    finally:
        admin.dispose()
    return base.set(database=_DB).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def writer(mysql_url: str) -> Iterator[sa.Engine]:
    """A read-write connection, to check what the read-only ones left behind."""
    engine = sa.create_engine(mysql_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("FA_CONFIG", str(path))
    monkeypatch.setenv("FA_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("FA_DB", "FA_LAYER", "FA_PLANNER", "FA_LLM_PROVIDER", "FA_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())  # rich wraps lines: compare words


def _contents(engine: sa.Engine) -> tuple[list[str], list[tuple[object, ...]]]:
    with engine.connect() as conn:
        tables = sorted(sa.inspect(conn).get_table_names())
        rows = [tuple(r) for r in conn.exec_driver_sql(
            "SELECT record_id, made_at, good_qty FROM output_records ORDER BY record_id")]
    return tables, rows


def _scalar(engine: sa.Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.exec_driver_sql(sql).scalar()


def test_connect_lists_tables_and_row_counts(mysql_url: str, config: Path) -> None:
    code, output = _run("connect", mysql_url, "--no-save")
    assert code == 0, output
    assert "read-only" in output
    assert re.search(r"\bplants\W+3\b", output) and re.search(r"\boutput_records\W+6\b", output), output
    assert not config.exists()


def test_the_read_only_connection_refuses_writes(mysql_url: str, writer: sa.Engine) -> None:
    before = _contents(writer)
    engine = open_read_only(resolve_url(mysql_url))
    try:
        for sql in ("INSERT INTO plants VALUES ('XX', 'Stolen', 'x')", "CREATE TABLE stolen (a INTEGER)"):
            with pytest.raises(sa.exc.DBAPIError, match="READ ONLY transaction"), engine.begin() as conn:
                conn.exec_driver_sql(sql)
        with engine.connect() as conn:  # and it still reads
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM plants").scalar() == 3
    finally:
        engine.dispose()
    assert _contents(writer) == before


def _bypass(sql: str) -> CheckedSQL:
    """What the executor would get if the guard let `sql` through unchanged (tests/test_readonly_driver.py)."""
    return CheckedSQL(sql=sql, tree=exp.select("1"), tables=frozenset(), limit=10, dialect="mysql")


def test_the_executor_refuses_writes_with_the_guard_bypassed(mysql_url: str, writer: sa.Engine) -> None:
    before = _contents(writer)
    # One connection, so that a statement which turned the session back to READ WRITE is still on it
    # for the next one: DDL commits first and would then run outside a read-only transaction.
    executor = Executor(mysql_url, timeout_s=5.0, pool_size=1)
    try:
        assert executor.dialect == "mysql"
        for sql in _WRITES:
            with pytest.raises(ExecutionError):
                executor.run(_bypass(sql))
            executor.run(_bypass("SET SESSION TRANSACTION READ WRITE"))  # not forbidden by itself...
        for sql in _WRITES:  # ...but the executor sets the session back before every query
            with pytest.raises(ExecutionError):
                executor.run(_bypass(sql))
        checked = Guard({"plants": {"plant_id": "VARCHAR"}}, dialect="mysql").check("SELECT COUNT(*) FROM plants")
        assert executor.run(checked).rows == [(3,)]
    finally:
        executor.dispose()
    assert _contents(writer) == before


def test_a_slow_statement_is_stopped_by_the_server(mysql_url: str) -> None:
    from assistant.core.errors import QueryTimeout

    executor = Executor(mysql_url, timeout_s=1.0, pool_size=1)
    try:
        with pytest.raises(QueryTimeout):
            executor.run(_bypass("SELECT SLEEP(5)"))
    finally:
        executor.dispose()


@pytest.fixture(scope="module")
def layer_dir(mysql_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mysql") / "layer"
    code, output = _run("layer", "init", "--from-db", mysql_url, "--out", str(out))
    assert code == 0, output
    return out


def test_layer_init_keeps_declared_keys_and_chinese_comments(layer_dir: Path) -> None:
    from semantic_layer.loader import load_layer

    layer = load_layer(layer_dir)
    assert layer.tables["plants"].primary_key == ["plant_id"]
    assert layer.tables["output_records"].primary_key == ["record_id"]
    assert [(r.from_, r.to) for r in layer.spec.relationships] == [("output_records.made_at", "plants.plant_id")]
    assert "{from: output_records.made_at, to: plants.plant_id}  # declared foreign key" in (
        layer_dir / "tables.yaml").read_text(encoding="utf-8")
    assert layer.metrics["good_qty"].label.zh == "良品数量"
    tables = {t.name: t for t in layer.spec.tables}
    assert tables["plants"].label.zh == "工厂"  # the table's COMMENT
    columns = tables["output_records"].columns
    assert columns["produced_on"] == "DATE" and columns["scrap_kg"] == "DECIMAL(8,2)"
    assert columns["made_at"] == "VARCHAR"


def test_the_generated_layer_validates_against_the_database(layer_dir: Path, mysql_url: str, config: Path) -> None:
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    problems, checks = check_layer_against_db(str(layer_dir), mysql_url)
    assert problems == [] and checks > 5


def _number(value: object) -> float:
    assert isinstance(value, int | float | Decimal), value
    return float(value)


def test_a_question_gives_what_hand_written_sql_gives(layer_dir: Path, mysql_url: str, writer: sa.Engine,
                                                      config: Path) -> None:
    from assistant.core.settings import Settings
    from assistant.pipeline import Pipeline

    total = _number(_scalar(writer, _TOTAL_GOOD))
    with writer.connect() as conn:
        by_plant = {name: _number(v) for name, v in conn.exec_driver_sql(_GOOD_BY_PLANT)}
    pipe = Pipeline.from_settings(Settings.load(db=mysql_url, layer=str(layer_dir), planner="rules"))
    try:
        assert pipe.executor.dialect == "mysql"
        answer = pipe.ask("total good qty")
        assert answer.status == "ok", answer.message
        assert [[_number(v) for v in row] for row in answer.rows] == [[total]] and total == 555
        # A grouped metric through the declared join, compiled in MySQL's dialect.
        answer = pipe.ask("good qty by plant")
        assert answer.status == "ok", answer.message
        assert {row[0]: _number(row[1]) for row in answer.rows} == by_plant and len(by_plant) == 3
        sql = (answer.sql or "").upper()
        assert "GROUP BY" in sql and "JOIN PLANTS" in sql, answer.sql
        # By month: sqlglot writes MySQL's own date arithmetic for the truncation.
        answer = pipe.ask("good qty by month")
        assert answer.status == "ok", answer.message
        assert [_number(row[1]) for row in answer.rows] == [400.0, 155.0]
    finally:
        pipe.close()
