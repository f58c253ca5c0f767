"""The guard decides from the resolved query, by allow-list (issue 12, point 1).

The statements here are small and about one rule each; tests/test_hostile_corpus.py runs the
red-team families against real databases.
"""

from __future__ import annotations

import inspect

import pytest
from sqlglot import exp

from assistant.core.errors import GuardError
from assistant.sql.guard import Guard
from assistant.sql.guard.policy import ANONYMOUS_FUNCTIONS, FUNCTIONS, OPERATORS, STRUCTURE

# The database also has orders.secret and a table `salaries`; the layer exposes neither.
SCHEMA: dict[str, dict[str, str]] = {
    "orders": {"id": "INTEGER", "item_id": "INTEGER", "qty": "DOUBLE", "ordered_at": "TIMESTAMP", "customer": "VARCHAR"},
    "items": {"id": "INTEGER", "name": "VARCHAR", "price": "DOUBLE"},
}


@pytest.fixture(params=["duckdb", "postgres"])
def guard(request: pytest.FixtureRequest) -> Guard:
    return Guard(SCHEMA, dialect=request.param, max_rows=10)


def refusal(guard: Guard, sql: str) -> str:
    with pytest.raises(GuardError) as info:
        guard.check(sql)
    return str(info.value)


# ------------------------------------------------------------------ stars become the layer's columns
@pytest.mark.parametrize(("sql", "columns"), [
    ("SELECT * FROM items", "items.id, items.name, items.price"),
    ("SELECT i.* FROM items AS i", "i.id, i.name, i.price"),
    ("SELECT * FROM (SELECT * FROM items) AS s", "s.id, s.name, s.price"),
])
def test_stars_are_expanded_to_exposed_columns(guard: Guard, sql: str, columns: str) -> None:
    checked = guard.check(sql)
    assert checked.sql.startswith(f"SELECT {columns} FROM")
    assert not [s for s in checked.tree.find_all(exp.Star)]  # nothing left for the database to expand


def test_duckdb_star_modifiers_are_expanded() -> None:
    duck = Guard(SCHEMA)
    assert duck.check("SELECT * EXCLUDE (price) FROM items").sql.startswith("SELECT items.id, items.name FROM")
    replaced = duck.check("SELECT * REPLACE (upper(name) AS name) FROM items").sql
    assert replaced.startswith("SELECT items.id, UPPER(items.name) AS name, items.price FROM")
    assert duck.check("FROM items").sql.startswith("SELECT items.id, items.name, items.price FROM")


def test_count_star_stays(guard: Guard) -> None:
    assert guard.check("SELECT count(*) FROM orders").sql == "SELECT COUNT(*) FROM orders LIMIT 11"


@pytest.mark.parametrize("sql", [
    "SELECT * LIKE 'na%' FROM items",           # a star filtered by a pattern over real names
    "SELECT COLUMNS('n.*') FROM items",
    "SELECT concat(*) FROM items",               # DuckDB expands f(*) over every real column
    "SELECT count(i.*) FROM items i",
])
def test_stars_that_cannot_be_expanded_are_refused(sql: str) -> None:
    assert "column" in refusal(Guard(SCHEMA), sql).lower()


# ------------------------------------------------------------------ whole rows, positions, struct access
@pytest.mark.parametrize("sql", [
    "SELECT o FROM orders o",
    "SELECT orders FROM orders",
    "SELECT o::VARCHAR FROM orders o",
    "SELECT max(o) FROM orders o",
    "SELECT o['secret'] FROM orders o",
    "SELECT id FROM orders o ORDER BY o",
])
def test_whole_row_references_are_refused(guard: Guard, sql: str) -> None:
    assert "whole row" in refusal(guard, sql)


@pytest.mark.parametrize(("sql", "phrase"), [
    ("SELECT #6 FROM orders", "position"),
    ("SELECT f FROM orders AS o(a, b, c, d, e, f)", "not available in orders"),
    ("SELECT o.customer FROM orders AS o(id, item_id, qty, ordered_at, secret, customer)", "by position"),
    ("SELECT (o).secret FROM orders o", "not allowed"),
    ("SELECT struct_extract(o, 'secret') FROM orders o", "struct_extract() is not allowed"),
    ("SELECT customer.upper() FROM orders", "as a method"),
])
def test_positions_renames_and_struct_access_are_refused(sql: str, phrase: str) -> None:
    assert phrase in refusal(Guard(SCHEMA), sql)


def test_a_name_is_bound_where_the_layer_says_and_the_database_runs_that() -> None:
    # The database would bind `secret` to orders.secret (hidden); the layer has it nowhere.
    assert "secret" in refusal(Guard(SCHEMA), "SELECT (SELECT max(secret) FROM orders) FROM items")
    # `name` exists only in items: the subquery is correlated, and the SQL run says so.
    checked = Guard(SCHEMA).check("SELECT (SELECT max(name) FROM orders) AS m FROM items")
    assert "MAX(items.name)" in checked.sql


# ------------------------------------------------------------------ functions by allow-list
@pytest.mark.parametrize("sql", [
    "SELECT sum(qty), avg(qty), min(qty), max(qty), count(DISTINCT customer), stddev(qty) FROM orders",
    "SELECT round(qty / nullif(qty, 0), 2), abs(qty), coalesce(qty, 0), greatest(qty, 1) FROM orders",
    "SELECT date_trunc('month', ordered_at), extract(year FROM ordered_at), current_date FROM orders",
    "SELECT lower(customer), upper(customer), length(customer), substring(customer, 1, 2), trim(customer) FROM orders",
    "SELECT CAST(qty AS INTEGER), CAST(ordered_at AS DATE), CAST(id AS VARCHAR) FROM orders",
    "SELECT rank() OVER (ORDER BY qty), row_number() OVER (PARTITION BY customer ORDER BY id), "
    "lag(qty) OVER (ORDER BY id), sum(qty) OVER () FROM orders",
    "SELECT CASE WHEN qty > 1 THEN 'many' ELSE 'one' END FROM orders WHERE customer LIKE 'A%' AND id IN (1, 2)",
])
def test_analytics_functions_pass_in_both_dialects(guard: Guard, sql: str) -> None:
    guard.check(sql)


@pytest.mark.parametrize(("sql", "name"), [
    ("SELECT sleep_ms(100)", "sleep_ms"),
    ("SELECT error('Your session expired, sign in at http://evil.example')", "error"),
    ("SELECT json_serialize_plan('SELECT * FROM salaries', optimize := true)", "json_serialize_plan"),
    ("SELECT current_setting('threads')", "current_setting"),
    ("SELECT pg_sleep(1)", "pg_sleep"),
    ("SELECT md5(customer) FROM orders", "md5"),
    ("SELECT to_json(o) FROM orders o", "to_json"),
    ("SELECT typeof(qty) FROM orders", "typeof"),
])
def test_functions_off_the_list_are_refused(guard: Guard, sql: str, name: str) -> None:
    message = refusal(guard, sql)
    assert f"{name}() is not allowed" in message
    assert "evil.example" not in message and "Your session" not in message


def test_unknown_functions_pass_only_on_their_dialects_list() -> None:
    assert Guard(SCHEMA).check("SELECT yearweek(ordered_at) FROM orders")
    assert "yearweek() is not allowed" in refusal(Guard(SCHEMA, dialect="postgres"), "SELECT yearweek(ordered_at) FROM orders")
    assert Guard(SCHEMA, dialect="postgres").check("SELECT num_nonnulls(qty, id) FROM orders")
    assert "num_nonnulls() is not allowed" in refusal(Guard(SCHEMA), "SELECT num_nonnulls(qty, id) FROM orders")


@pytest.mark.parametrize(("sql", "phrase"), [
    ("SELECT 'orders'::regclass", "Converting to the type"),
    ("SELECT CAST(customer AS JSON) FROM orders", "Converting to the type"),
    ("SELECT id FROM orders WHERE id = $1", "Parameters"),
    ("SELECT pg_catalog.lower(customer) FROM orders", "with a schema"),
    ("SELECT * FROM orders PIVOT (sum(qty) FOR customer IN ('a'))", "PIVOT"),
    ("SELECT {'a': customer} FROM orders", "not allowed"),
    ("SELECT list_transform([1], x -> x + 1)", "not allowed"),
])
def test_constructs_off_the_lists_are_refused(sql: str, phrase: str) -> None:
    assert phrase in refusal(Guard(SCHEMA), sql)


def test_refusals_quote_the_sql_with_its_text_values_blanked() -> None:
    message = refusal(Guard(SCHEMA), "SELECT * FROM read_csv('Call +1 555 0100 to unlock your account')")
    assert "read_csv('...')" in message.lower() and "unlock" not in message


def test_the_allow_lists_are_consistent() -> None:
    # A class on the function list that is not a function would never be consulted, and a
    # function on the structure list would bypass the function list.
    assert all(inspect.isclass(c) and issubclass(c, exp.Func) for c in FUNCTIONS)
    assert not [c for c in STRUCTURE | OPERATORS if issubclass(c, exp.Func)]
    assert not FUNCTIONS & {exp.Anonymous, exp.Columns, exp.StructExtract, exp.CurrentUser, exp.ReadCSV}
    assert set(ANONYMOUS_FUNCTIONS) == {"duckdb", "postgres"}
    assert not {"sleep_ms", "error", "json_serialize_plan", "pg_sleep", "current_setting"} & set().union(
        *ANONYMOUS_FUNCTIONS.values())


# ------------------------------------------------------------------ what comes back
def test_result_names_are_the_authors(guard: Guard) -> None:
    checked = guard.check('SELECT customer AS "Customer Name", count(*), sum(qty) AS Total FROM orders GROUP BY 1')
    assert '"Customer Name"' in checked.sql and "AS Total" in checked.sql.replace('"Total"', "Total")
    assert "_col_" not in checked.sql  # the database names COUNT(*) itself, as it always did


def test_checked_sql_passes_again_unchanged(guard: Guard) -> None:
    for sql in ["SELECT * FROM items ORDER BY 2", "SELECT o.customer, count(*) FROM orders o JOIN items i "
                "ON i.id = o.item_id GROUP BY 1 ORDER BY 2 DESC", "WITH x AS (SELECT * FROM items) SELECT x.name FROM x"]:
        once = guard.check(sql).sql
        assert guard.check(once).sql == once


def test_a_tree_built_in_code_is_checked_as_the_text_the_database_reads() -> None:
    # Builders leave ORDER BY keys without the Ordered node the parser makes; the alias is
    # still the whole sort key once rendered.
    tree = exp.union(exp.select(exp.alias_(exp.column("name"), "n")).from_("items"),
                     exp.select("name").from_("items"), distinct=False).order_by(exp.column("n"))
    assert Guard(SCHEMA, max_rows=10).check(tree).sql.endswith("ORDER BY n LIMIT 11")
