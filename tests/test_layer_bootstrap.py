"""`layer init`: introspection on SQLite (with and without declared keys), DuckDB and PostgreSQL;
the generated demo layer loads, validates and answers simple totals like hand-written SQL."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import duckdb
import pytest

from semantic_layer.bootstrap import guess_layer, introspect, open_read_only, resolve_url, write_layer
from semantic_layer.bootstrap.guess import GUESS, TODO_ZH, Draft
from semantic_layer.loader import load_layer

_SCHEMA_KEYS = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, region TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), amount REAL,
                     qty INTEGER, ordered_on DATE, shipped_on DATE, status TEXT, ghost_id INTEGER);
"""
_SCHEMA_BARE = """
CREATE TABLE customers (id INTEGER, name TEXT, region TEXT);
CREATE TABLE orders (id INTEGER, customer_id INTEGER, amount REAL, qty INTEGER, ordered_on DATE, shipped_on DATE,
                     status TEXT, ghost_id INTEGER);
"""


def _fill(con: sqlite3.Connection | duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO customers VALUES (1, 'Acme', 'north'), (2, 'Bolt', 'south'), (3, 'Cog', 'north')")
    con.execute("INSERT INTO orders VALUES (10, 1, 5.5, 2, '2025-01-02', '2025-01-05', 'open', 99), "
                "(11, 2, 4.5, 3, '2025-02-02', NULL, 'closed', 98), (12, 1, 10.0, 5, '2025-02-03', NULL, 'open', 97)")


def _sqlite(path: Path, schema: str) -> Path:
    con = sqlite3.connect(path)
    con.executescript(schema)
    _fill(con)
    con.commit()
    con.close()
    return path


def _draft(target: str) -> Draft:
    engine = open_read_only(resolve_url(target))
    try:
        return guess_layer(engine, introspect(engine), name="shop")
    finally:
        engine.dispose()


def _relations(draft: Draft) -> dict[tuple[str, str], str]:
    return {(r.data["from"], r.data["to"]): r.after.get("", "") for r in draft.relationships}


def _written(draft: Draft, out: Path) -> str:
    write_layer(draft, out, source="test")
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("*.yaml")))


def test_sqlite_with_declared_keys(tmp_path: Path) -> None:
    draft = _draft(str(_sqlite(tmp_path / "shop.sqlite", _SCHEMA_KEYS)))  # a bare path: recognised as SQLite
    rels = _relations(draft)
    assert rels == {("orders.customer_id", "customers.id"): "declared foreign key"}  # ghost_id matches nothing
    tables = {t.data["name"]: t for t in draft.tables}
    assert tables["orders"].data["primary_key"] == ["id"] and "primary_key" not in tables["orders"].after
    assert tables["orders"].data["time_column"] == "ordered_on"
    assert [r["column"] for r in tables["orders"].data["time_roles"]] == ["shipped_on"]
    dims = {d.data["name"]: d.data for d in draft.dimensions}
    assert dims["customer"] == {"name": "customer", "table": "customers", "column": "name",
                                "label": {"en": "Customer", "zh": "Customer"},
                                "synonyms": {"en": ["customer", "customers"]}, "key": "id"}
    assert {"region", "status"} <= set(dims)
    assert {m.data["name"]: m.data["expr"] for m in draft.measures} == {"amount": "amount", "qty": "qty"}
    text = _written(draft, tmp_path / "layer")
    layer = load_layer(tmp_path / "layer")
    assert {"amount", "qty", "orders_count", "customers_count"} <= set(layer.metrics)
    assert f"# {TODO_ZH}" in text and "e.g. open, closed" in text


def test_sqlite_without_keys_guesses_them_from_names_and_values(tmp_path: Path) -> None:
    draft = _draft(f"sqlite:///{_sqlite(tmp_path / 'bare.sqlite', _SCHEMA_BARE)}")
    rels = _relations(draft)
    assert list(rels) == [("orders.customer_id", "customers.id")]
    assert rels[("orders.customer_id", "customers.id")].startswith(GUESS)
    tables = {t.data["name"]: t for t in draft.tables}
    assert tables["customers"].data["primary_key"] == ["id"]
    assert tables["customers"].after["primary_key"].startswith(GUESS)
    _written(draft, tmp_path / "layer")
    assert load_layer(tmp_path / "layer").join_path("orders", "customers") is not None


def test_duckdb_chinese_comments_become_chinese_labels(tmp_path: Path) -> None:
    path = tmp_path / "zh.duckdb"
    con = duckdb.connect(str(path))
    con.execute(_SCHEMA_KEYS)
    _fill(con)
    con.execute("COMMENT ON TABLE orders IS '订单'")
    con.execute("COMMENT ON TABLE customers IS '客户'")
    con.execute("COMMENT ON COLUMN orders.amount IS '金额'")
    con.execute("COMMENT ON COLUMN orders.qty IS 'Units ordered'")
    con.close()
    draft = _draft(str(path))
    orders = next(t for t in draft.tables if t.data["name"] == "orders")
    assert orders.data["label"] == {"en": "Orders", "zh": "订单"} and "label" not in orders.after
    metrics = {m.data["name"]: m for m in draft.metrics}
    assert metrics["amount"].data["label"]["zh"] == "金额" and metrics["amount"].data["synonyms"] == {"zh": ["金额"]}
    assert metrics["qty"].data["description"] == "Units ordered"
    customer = next(d for d in draft.dimensions if d.data["name"] == "customer")
    assert customer.data["label"] == {"en": "Customer", "zh": "客户"} and "label" not in customer.after
    assert _relations(draft) == {("orders.customer_id", "customers.id"): "declared foreign key"}
    _written(draft, tmp_path / "layer")
    assert load_layer(tmp_path / "layer").metrics["amount"].label.zh == "金额"


def test_a_foreign_key_to_a_non_primary_column_makes_it_a_unique_key(tmp_path: Path) -> None:
    path = tmp_path / "codes.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT UNIQUE, family TEXT);
        CREATE TABLE sales (id INTEGER PRIMARY KEY, sku TEXT REFERENCES products(sku), qty INTEGER);
        INSERT INTO products VALUES (1, 'A-1', 'brake'), (2, 'B-2', 'steering');
        INSERT INTO sales VALUES (1, 'A-1', 4), (2, 'A-1', 1), (3, 'B-2', 7);
    """)
    con.close()
    draft = _draft(str(path))
    products = next(t for t in draft.tables if t.data["name"] == "products")
    assert products.data["unique_keys"] == [["sku"]] and products.after["unique_keys"].startswith(GUESS)
    _written(draft, tmp_path / "layer")
    assert load_layer(tmp_path / "layer").join_path("sales", "products") is not None


@pytest.fixture(scope="module")
def own_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo database: DuckDB refuses a second connection to one file in one process with
    other settings, and other tests (the app's) hold the shared file open with theirs."""
    copy = tmp_path_factory.mktemp("bootstrap-db") / "demo.duckdb"
    shutil.copyfile(demo_db, copy)
    # The demo layer's summary tables are its physical design, not the spec's schema that
    # `layer init` is measured on here (bootstrapped, they would be read as more facts).
    with duckdb.connect(str(copy)) as con:
        for name in load_layer().aggregates:
            con.execute(f"DROP TABLE {name}")
    return copy


@pytest.fixture(scope="module")
def demo_layer_dir(own_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "layer"
    _written(_draft(str(own_db)), out)
    return out


def test_demo_database_layer_loads_with_its_joins(demo_layer_dir: Path) -> None:
    layer = load_layer(demo_layer_dir)
    rels = {(r.from_, r.to) for r in layer.spec.relationships}
    assert {("production_records.machine_id", "machines.machine_id"),
            ("machines.line_id", "production_lines.line_id"),
            ("production_lines.plant_id", "plants.plant_id")} <= rels
    assert layer.join_path("production_records", "plants") is not None
    assert {"total_count", "good_count", "defect_quantity", "plants_count"} <= set(layer.metrics)
    text = (demo_layer_dir / "metrics.yaml").read_text(encoding="utf-8")
    assert "# guess: review: a sum of 'unit_cost' may mean nothing" in text


def test_demo_database_layer_validates_against_the_database(demo_layer_dir: Path, own_db: Path) -> None:
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    problems, checks = check_layer_against_db(str(demo_layer_dir), str(own_db))
    assert problems == [] and checks > 50


_TOTALS = [
    ("What is the total count?", "SELECT SUM(total_count) FROM production_records"),
    ("Total good count", "SELECT SUM(good_count) FROM production_records"),
    ("Number of plants", "SELECT COUNT(*) FROM plants"),
    ("How many machines are there?", "SELECT COUNT(*) FROM machines"),
]


def test_generated_layer_answers_simple_totals(demo_layer_dir: Path, own_db: Path, tmp_path: Path) -> None:
    from assistant.core.settings import Settings
    from assistant.pipeline import Pipeline
    from assistant.sql.executor import Executor
    from tests.conftest import EVAL_END

    with duckdb.connect(str(own_db), read_only=True) as con:
        expected = {q: con.execute(sql).fetchone()[0] for q, sql in _TOTALS}  # type: ignore[index]
        by_type = dict(con.execute("SELECT defect_type, SUM(quantity) FROM defects GROUP BY 1").fetchall())
        by_plant = dict(con.execute(
            "SELECT p.plant_name, SUM(r.total_count) FROM production_records r JOIN production_lines l "
            "ON l.line_id = r.line_id JOIN plants p ON p.plant_id = l.plant_id GROUP BY 1").fetchall())
    pipe = Pipeline(load_layer(demo_layer_dir), Executor(str(own_db)), default_planner="rules",
                    settings=Settings(as_of=EVAL_END), index_dir=tmp_path / "index")
    try:
        for question, _sql in _TOTALS:
            answer = pipe.ask(question)
            assert answer.status == "ok", (question, answer.message)
            assert answer.rows == [[expected[question]]], question
        answer = pipe.ask("defect quantity by defect type")
        assert {row[0]: row[1] for row in answer.rows} == by_type
        # Through two guessed joins, and "by plant" breaks down rather than counting plants.
        answer = pipe.ask("total count by plant")
        assert {row[0]: row[1] for row in answer.rows} == by_plant and len(by_plant) == 3
    finally:
        pipe.close()


@pytest.mark.postgres
def test_postgres_introspection(pg_url: str, tmp_path: Path) -> None:
    engine = open_read_only(resolve_url(pg_url))
    try:
        tables = {t.name: t for t in introspect(engine)}
    finally:
        engine.dispose()
    assert tables["production_records"].row_count > 0
    assert tables["plants"].column("plant_id") is not None and tables["plants"].samples["city"]
    draft = _draft(pg_url)
    assert ("machines.line_id", "production_lines.line_id") in _relations(draft)
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    _written(draft, tmp_path / "layer")
    problems, checks = check_layer_against_db(str(tmp_path / "layer"), pg_url)
    assert problems == [] and checks > 50


@pytest.mark.postgres
def test_postgres_declared_keys_and_chinese_comments(pg_url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(pg_url)
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS fa_bootstrap_test")
        con.execute("CREATE DATABASE fa_bootstrap_test")
    target = base.set(database="fa_bootstrap_test")
    with psycopg.connect(target.set(drivername="postgresql").render_as_string(hide_password=False)) as con:
        con.execute(_SCHEMA_KEYS)
        _fill(con)  # type: ignore[arg-type]
        con.execute("COMMENT ON TABLE orders IS '订单'")
        con.execute("COMMENT ON COLUMN orders.amount IS '金额'")
    draft = _draft(target.render_as_string(hide_password=False))
    assert _relations(draft) == {("orders.customer_id", "customers.id"): "declared foreign key"}
    orders = next(t for t in draft.tables if t.data["name"] == "orders")
    assert orders.data["label"]["zh"] == "订单"
    assert next(m for m in draft.metrics if m.data["name"] == "amount").data["label"]["zh"] == "金额"
