"""Gold SQL: put into the database's dialect, then run once per distinct query.

A question file says which dialect its gold SQL is written in (`gold_dialect`, default
duckdb). On a database that speaks another one, sqlglot transpiles the gold first. A query
sqlglot cannot read or cannot express in the target dialect is *untranspilable*: that says
nothing about the assistant, so the item gets its own verdict and counts in no accuracy figure.
A transpiled query that then fails on the database is a broken gold query like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot.errors import ErrorLevel, SqlglotError

from assistant.core.errors import ExecutionError
from assistant.surfaces.evaluation.compare import detect_order_limit
from assistant.surfaces.evaluation.db import GoldConnection
from assistant.surfaces.evaluation.questions import EvalItem

UNTRANSPILABLE = "gold_untranspilable"


class GoldUntranspilable(Exception):
    """sqlglot cannot turn this gold SQL into the database's dialect; the message says why."""


@dataclass
class GoldResult:
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: str | None = None
    ordered_limit: int | None = None
    sql: str | None = None  # what ran: the gold SQL itself, or its transpilation
    untranspilable: str | None = None  # why it could not be transpiled (then nothing ran)


def transpile_gold(sql: str, source: str, target: str) -> str:
    """`sql` (one statement in `source`) in `target`'s dialect; the same text when they agree.

    Unsupported features raise instead of being dropped or approximated silently: a gold query
    that changed meaning on the way would grade the assistant against a wrong answer.
    """
    if source == target:
        return sql
    try:
        out = sqlglot.transpile(sql, read=source, write=target, unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as exc:
        detail = " ".join(str(exc).split())
        raise GoldUntranspilable(f"sqlglot cannot transpile it from {source} to {target}: {detail[:300]}") from None
    statements = [s for s in out if s.strip()]
    if len(statements) != 1:
        raise GoldUntranspilable(f"it is {len(statements)} statements in {source}, not one query")
    return statements[0]


def compute_gold(items: Iterable[EvalItem], con: GoldConnection, source_dialect: str) -> dict[str, GoldResult]:
    """Run every distinct gold SQL once (keyed by the text in the file); failures are recorded, not raised."""
    results: dict[str, GoldResult] = {}
    for item in items:
        if item.gold_sql is None or item.gold_sql in results:
            continue
        try:
            sql = transpile_gold(item.gold_sql, source_dialect, con.dialect)
        except GoldUntranspilable as exc:
            results[item.gold_sql] = GoldResult(untranspilable=str(exc))
            continue
        try:
            cols, rows = con.query(sql)
            results[item.gold_sql] = GoldResult(cols, rows, None, detect_order_limit(sql, con.dialect), sql)
        except ExecutionError as exc:
            results[item.gold_sql] = GoldResult(error=exc.message, sql=sql)
    return results


__all__ = ["UNTRANSPILABLE", "GoldResult", "GoldUntranspilable", "compute_gold", "transpile_gold"]
