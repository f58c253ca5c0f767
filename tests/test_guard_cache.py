"""The guard keeps its verdicts by SQL text and row cap: a repeat is not checked twice, and a
cached verdict is never handed out for a different cap, a different guard or a refused text."""

from __future__ import annotations

import pytest
from sqlglot import exp

from assistant.core.errors import GuardError
from assistant.sql.guard import Guard
from assistant.sql.guard.scope import RowScope

SCHEMA = {"t_orders": {"id": "INTEGER", "qty": "DOUBLE", "customer": "VARCHAR"}}
SQL = "SELECT customer, SUM(qty) AS qty FROM t_orders GROUP BY customer"


def test_a_repeated_text_returns_the_same_verdict_without_checking_again(monkeypatch: pytest.MonkeyPatch) -> None:
    guard = Guard(SCHEMA, max_rows=100)
    first = guard.check(SQL)
    calls: list[str] = []
    monkeypatch.setattr(guard, "_parse", lambda text, **_kw: calls.append(text))  # would break a real check
    assert guard.check(SQL) is first
    assert calls == []


def test_a_tree_and_its_text_share_nothing_but_give_the_same_sql() -> None:
    guard = Guard(SCHEMA, max_rows=100)
    tree = exp.select("customer").from_("t_orders")
    from_tree = guard.check(tree)
    from_text = guard.check(tree.sql(dialect="duckdb"))
    assert from_tree.sql == from_text.sql


def test_a_different_row_cap_is_checked_on_its_own() -> None:
    guard = Guard(SCHEMA, max_rows=100)
    wide = guard.check(SQL)
    narrow = guard.check(SQL, limit=5)
    assert (wide.limit, narrow.limit) == (100, 5)
    assert "LIMIT 6" in narrow.sql and "LIMIT 101" in wide.sql


def test_a_refusal_is_not_cached_and_is_refused_every_time() -> None:
    guard = Guard(SCHEMA, max_rows=100)
    for _ in range(2):
        with pytest.raises(GuardError, match="does not exist"):
            guard.check("SELECT price FROM t_orders")
    assert len(guard._verdicts) == 0


def test_a_scoped_guard_does_not_see_the_verdicts_of_an_unscoped_one() -> None:
    open_guard = Guard(SCHEMA, max_rows=100)
    open_guard.check(SQL)
    only_acme = exp.column("customer").eq(exp.Literal.string("ACME"))
    scoped = Guard(SCHEMA, max_rows=100, row_scope=RowScope(conditions={"t_orders": only_acme}))
    assert "ACME" in scoped.check(SQL).sql
    assert "ACME" not in open_guard.check(SQL).sql


def test_a_column_error_after_in_place_resolution_still_names_the_column_as_written() -> None:
    guard = Guard(SCHEMA, max_rows=100)
    with pytest.raises(GuardError) as err:
        guard.check("SELECT Custmer FROM t_orders")
    assert "'Custmer'" in str(err.value)
    assert "customer" in (err.value.suggestion or "")
