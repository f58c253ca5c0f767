"""The guard refuses everything that is not a read-only query over the semantic layer."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from assistant.core.errors import GuardError
from assistant.sql.guard import CheckedSQL, Guard

SCHEMA: dict[str, dict[str, str]] = {
    "t_orders": {
        "id": "INTEGER",
        "item_id": "INTEGER",
        "qty": "DECIMAL(12,2)",
        "ordered_at": "TIMESTAMP",
        "customer": "VARCHAR",
    },
    "t_items": {"id": "INTEGER", "name": "VARCHAR", "price": "DOUBLE"},
}


@pytest.fixture
def guard() -> Guard:
    return Guard(SCHEMA, max_rows=100)


READ_ONLY = "Only read-only questions are allowed"
NOT_IN_LAYER = "is not part of the semantic layer"
FUNCTION = "is not allowed"

HOSTILE: list[tuple[str, str]] = [
    ("DROP TABLE t_orders", "contains DROP TABLE"),
    ("DELETE FROM t_orders", "contains DELETE"),
    ("UPDATE t_orders SET qty = 0", "contains UPDATE"),
    ("INSERT INTO t_orders VALUES (1, 1, 1, NULL, 'x')", "contains INSERT"),
    ("CREATE TABLE copy AS SELECT * FROM t_orders", "contains CREATE TABLE"),
    ("ALTER TABLE t_orders ADD COLUMN note VARCHAR", "contains ALTER TABLE"),
    ("TRUNCATE t_orders", "contains TRUNCATE"),
    ("SELECT 1; DROP TABLE t_orders", "Only one statement"),
    ("SELECT 1 -- \n; DROP TABLE x", "Only one statement"),
    ("SELECT 1 /* harmless */; DROP TABLE x", "Only one statement"),
    ("SELECT 1 /* ; */ ; DELETE FROM t_orders", "Only one statement"),
    ("SELECT * FROM read_csv('/etc/passwd')", "table function"),
    ("SELECT * FROM read_parquet('s3://bucket/x.parquet')", "table function"),
    ("SELECT * FROM read_json_auto('data.json')", "table function"),
    ("SELECT * FROM glob('/home/*')", "table function"),
    ("SELECT * FROM sqlite_scan('other.db', 'users')", "table function"),
    ("SELECT * FROM 'file.csv'", "Reading files or URLs is not allowed"),
    ("SELECT * FROM 'https://example.com/data.parquet'", "Reading files or URLs is not allowed"),
    ("SELECT customer FROM t_orders UNION SELECT password FROM users", "The table 'users' " + NOT_IN_LAYER),
    ("ATTACH 'other.db' AS other", "contains ATTACH"),
    ("DETACH other", "contains DETACH"),
    ("COPY t_orders TO '/tmp/out.csv'", "contains COPY"),
    ("INSTALL httpfs", "contains INSTALL"),
    ("LOAD httpfs", "contains LOAD"),
    ("PRAGMA table_info('t_orders')", "contains PRAGMA"),
    ("SET memory_limit = '100GB'", "contains SET"),
    ("CALL pragma_version()", "contains CALL"),
    ("EXPORT DATABASE '/tmp/dump'", "starts with EXPORT"),
    ("BEGIN TRANSACTION", "contains BEGIN TRANSACTION"),
    ("VACUUM", "contains VACUUM"),
    ("DESCRIBE t_orders", "contains DESCRIBE"),
    ("SHOW TABLES", "contains SHOW"),
    ("SELECT * INTO stolen FROM t_orders", "SELECT ... INTO"),
    ("SELECT * FROM t_orders FOR UPDATE", "FOR UPDATE"),
    ("SELECT * FROM information_schema.tables", "system catalogs and other schemas"),
    ("SELECT * FROM pg_catalog.pg_tables", "system catalogs and other schemas"),
    ("SELECT * FROM main.t_orders", "system catalogs and other schemas"),
    ("SELECT * FROM duckdb_tables()", "table function"),
    ("SELECT * FROM salaries", "The table 'salaries' " + NOT_IN_LAYER),
    ("SELECT * FROM t_orders WHERE item_id IN (SELECT id FROM salaries)", "The table 'salaries' " + NOT_IN_LAYER),
    ("SELECT o.id FROM t_orders o WHERE EXISTS (SELECT 1 FROM secrets s)", "The table 'secrets' " + NOT_IN_LAYER),
    ("WITH t_orders AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM t_orders", "table function"),
    ("WITH t_items AS (SELECT read_text('/etc/shadow') AS x) SELECT * FROM t_items", FUNCTION),
    ("SELECT pg_sleep(100)", "pg_sleep() " + FUNCTION),
    ("SELECT pg_catalog.pg_sleep(100)", "with a schema or as a method (pg_catalog.pg_sleep(100))"),
    ("SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(a INT)", "table function"),
    ("SELECT pg_read_file('/etc/passwd')", "pg_read_file() " + FUNCTION),
    ("SELECT lo_import('/etc/passwd')", "lo_import() " + FUNCTION),
    ("SELECT current_setting('data_directory')", "current_setting() " + FUNCTION),
    ("SELECT set_config('search_path', 'evil', false)", "set_config() " + FUNCTION),
    ("SELECT version()", FUNCTION),
    ("SELECT getenv('HOME')", "getenv() " + FUNCTION),
    ("SELECT customer, (SELECT read_blob('/etc/hosts')) FROM t_orders", "read_blob() " + FUNCTION),
    ("SELECT * FROM t_orders, LATERAL read_csv('/etc/passwd')", "is not allowed"),
    ("SELECT * FROM query('DROP TABLE t_orders')", "table function"),
    ("SELECT query_to_xml('DELETE FROM t_orders', true, true, '')", FUNCTION),
    ("SELECT nextval('seq')", "nextval() " + FUNCTION),
    ("CREATE MACRO evil() AS 1", "contains CREATE MACRO"),
    ("GRANT SELECT ON t_orders TO public", "contains GRANT"),
    ("EXPLAIN ANALYZE SELECT * FROM t_orders", "contains EXPLAIN"),
    ("CHECKPOINT", "not a SELECT query"),
    ("hello, how many orders?", "could not read the SQL"),
    ("SELECT FROM WHERE", "could not read the SQL"),
    ("SELECT * FROM t_orders WHERE (", "could not read the SQL"),
    ("", "The SQL is empty"),
    ("   \n\t ", "The SQL is empty"),
    ("-- just a comment", "The SQL is empty"),
]


@pytest.mark.parametrize(("sql", "phrase"), HOSTILE, ids=[h[0][:40] for h in HOSTILE])
def test_hostile_or_malformed_sql_is_refused(guard: Guard, sql: str, phrase: str) -> None:
    with pytest.raises(GuardError) as info:
        guard.check(sql)
    assert phrase in str(info.value)


def test_enough_hostile_cases() -> None:
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("sql", ["DROP TABLE t_orders", "DELETE FROM t_orders", "SET threads = 1"])
def test_write_refusal_says_what_to_try(guard: Guard, sql: str) -> None:
    with pytest.raises(GuardError) as info:
        guard.check(sql)
    assert str(info.value).startswith(READ_ONLY)
    assert info.value.suggestion and "SELECT" in info.value.suggestion


def test_exact_drop_message(guard: Guard) -> None:
    with pytest.raises(GuardError) as info:
        guard.check("DROP TABLE t_orders")
    assert info.value.message == "Only read-only questions are allowed: this SQL contains DROP TABLE."


def test_unknown_table_lists_available_tables(guard: Guard) -> None:
    with pytest.raises(GuardError) as info:
        guard.check("SELECT * FROM t_order")
    assert info.value.message == "The table 't_order' is not part of the semantic layer."
    assert "Did you mean 't_orders'" in str(info.value)
    assert "Available tables: t_items, t_orders." in str(info.value)


def test_unknown_column_suggests_the_closest(guard: Guard) -> None:
    with pytest.raises(GuardError) as info:
        guard.check("SELECT custmer, sum(qty) FROM t_orders GROUP BY 1")
    assert "The column 'custmer' does not exist in t_orders" in str(info.value)
    assert "Did you mean 'customer'" in str(info.value)


def test_unknown_column_in_join_with_alias(guard: Guard) -> None:
    with pytest.raises(GuardError) as info:
        guard.check("SELECT o.qty, i.nam FROM t_orders o JOIN t_items i ON o.item_id = i.id")
    assert "'nam'" in str(info.value) and "Did you mean 'name'" in str(info.value)


def test_ambiguous_column_says_to_prefix(guard: Guard) -> None:
    with pytest.raises(GuardError) as info:
        guard.check("SELECT id FROM t_orders JOIN t_items ON t_orders.item_id = t_items.id")
    assert "more than one table" in str(info.value) and "Prefix it" in str(info.value)


def test_double_quoted_text_value_gets_a_hint(guard: Guard) -> None:
    with pytest.raises(GuardError) as info:
        guard.check('SELECT * FROM t_orders WHERE customer = "ACME Corp"')
    assert "single quotes" in str(info.value)


def test_too_long_sql() -> None:
    small = Guard(SCHEMA, max_sql_chars=200)
    sql = "SELECT id FROM t_orders WHERE " + " OR ".join(["id = 1"] * 100)
    with pytest.raises(GuardError, match="too long"):
        small.check(sql)


def test_deep_nesting_is_refused_not_crashing(guard: Guard) -> None:
    sql = "SELECT " + "(" * 3000 + "1" + ")" * 3000
    with pytest.raises(GuardError):
        guard.check(sql)


def test_forbidden_expression_object_is_refused(guard: Guard) -> None:
    with pytest.raises(GuardError, match="contains DROP TABLE"):
        guard.check(sqlglot.parse_one("DROP TABLE t_orders"))


# ------------------------------------------------------------------ queries that pass
def test_plain_select_gets_a_limit(guard: Guard) -> None:
    checked = guard.check("SELECT customer, qty FROM t_orders")
    assert isinstance(checked, CheckedSQL)
    assert isinstance(checked.tree, exp.Query)
    assert checked.tables == frozenset({"t_orders"})
    assert checked.limit == 100
    # One extra row lets the executor tell that the result was cut; every column names its table.
    assert checked.sql == "SELECT t_orders.customer, t_orders.qty FROM t_orders LIMIT 101"


def test_limit_larger_than_max_is_clamped(guard: Guard) -> None:
    checked = guard.check("SELECT * FROM t_orders LIMIT 100000")
    assert checked.limit == 100
    assert checked.tree.args["limit"].expression.this == "101"


def test_smaller_limit_is_kept(guard: Guard) -> None:
    checked = guard.check("SELECT * FROM t_orders ORDER BY qty DESC LIMIT 10")
    assert checked.limit == 10
    assert checked.sql.endswith("LIMIT 10")


def test_limit_argument_caps_further(guard: Guard) -> None:
    assert guard.check("SELECT * FROM t_orders", limit=5).limit == 5
    assert guard.check("SELECT * FROM t_orders LIMIT 3", limit=5).limit == 3
    assert guard.check("SELECT * FROM t_orders", limit=10_000).limit == 100


def test_offset_is_kept_with_the_limit(guard: Guard) -> None:
    checked = guard.check("SELECT id FROM t_orders ORDER BY id LIMIT 500 OFFSET 20")
    assert checked.sql == "SELECT t_orders.id FROM t_orders ORDER BY id LIMIT 101 OFFSET 20"


def test_non_literal_limit_is_wrapped(guard: Guard) -> None:
    checked = guard.check("SELECT id FROM t_orders LIMIT (SELECT count(*) FROM t_items)")
    assert checked.limit == 100
    assert checked.sql.startswith("SELECT * FROM (SELECT t_orders.id FROM t_orders LIMIT")
    assert checked.sql.endswith("LIMIT 101")


def test_union_limit_is_on_the_outside(guard: Guard) -> None:
    checked = guard.check("SELECT id FROM t_orders UNION ALL SELECT id FROM t_items")
    assert isinstance(checked.tree, exp.Union)
    assert checked.sql.endswith("UNION ALL SELECT t_items.id FROM t_items LIMIT 101")
    assert checked.tables == frozenset({"t_orders", "t_items"})


def test_cte_and_join(guard: Guard) -> None:
    sql = (
        "WITH per_item AS (SELECT item_id, sum(qty) AS total FROM t_orders GROUP BY item_id) "
        "SELECT i.name, p.total FROM per_item p JOIN t_items i ON i.id = p.item_id ORDER BY p.total DESC"
    )
    checked = guard.check(sql)
    assert checked.tables == frozenset({"t_orders", "t_items"})


def test_cte_shadowing_a_real_table_name_is_fine(guard: Guard) -> None:
    checked = guard.check("WITH t_items AS (SELECT id, qty FROM t_orders) SELECT * FROM t_items")
    assert checked.tables == frozenset({"t_orders"})


def test_recursive_cte(guard: Guard) -> None:
    sql = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r"
    checked = guard.check(sql)
    assert checked.tables == frozenset()
    assert "WITH RECURSIVE" in checked.sql


def test_window_functions_and_qualify(guard: Guard) -> None:
    sql = (
        "SELECT customer, qty, rank() OVER (PARTITION BY customer ORDER BY qty DESC) AS rnk "
        "FROM t_orders QUALIFY rnk = 1"
    )
    assert guard.check(sql).tables == frozenset({"t_orders"})


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT date_trunc('month', ordered_at) AS month, count(*) FROM t_orders GROUP BY ALL",
        "SELECT * FROM generate_series(1, 10) AS g(x)",
        "SELECT customer FROM t_orders WHERE customer LIKE 'A%' AND qty % 2 = 0",
        "SELECT current_date, now()",
        "SELECT o.id, (SELECT max(price) FROM t_items i WHERE i.id = o.item_id) FROM t_orders o",
        "SELECT * FROM (VALUES (1, 'a')) AS v(n, s)",
        "SELECT customer FROM t_orders;",
        "SELECT \"Customer\" FROM t_orders",
    ],
)
def test_ordinary_analytics_pass(guard: Guard, sql: str) -> None:
    guard.check(sql)


def test_comments_are_dropped_from_output(guard: Guard) -> None:
    checked = guard.check("SELECT id /* note */ FROM t_orders -- trailing */ ; DROP TABLE x")
    assert "DROP" not in checked.sql and "/*" not in checked.sql


def test_output_in_postgres_dialect() -> None:
    pg = Guard(SCHEMA, dialect="postgres", max_rows=50)
    checked = pg.check("SELECT customer, qty::INT AS q FROM t_orders WHERE customer ILIKE 'a%'")
    assert checked.dialect == "postgres"
    assert checked.sql == ("SELECT t_orders.customer, CAST(t_orders.qty AS INT) AS q FROM t_orders "
                           "WHERE t_orders.customer ILIKE 'a%' LIMIT 51")


def test_expression_input_is_rendered_for_the_guard_dialect() -> None:
    pg = Guard(SCHEMA, dialect="postgres")
    tree = sqlglot.parse_one("SELECT list_value(1, 2) AS l FROM t_orders", read="duckdb")
    checked = pg.check(tree)
    assert "ARRAY[1, 2]" in checked.sql
    assert tree.args.get("limit") is None  # the caller's tree is not modified


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        Guard(SCHEMA, max_rows=0)
    with pytest.raises(ValueError):
        Guard(SCHEMA).check("SELECT 1", limit=0)
