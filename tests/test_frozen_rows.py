"""The executor's DuckDB path (issue 17, point 2): queries run in DuckDB's autocommit on the
driver's connection instead of through SQLAlchemy's BEGIN ... ROLLBACK, and one watchdog thread
keeps every deadline. The rows and columns are the ones the old path gave, statement by
statement, for why-questions and traces; a deadline still interrupts and a finished one never does."""

from __future__ import annotations

import threading
from typing import Any

import duckdb
import pytest

from assistant.sql.bounds import Deadline, plain
from assistant.sql.executor import Executor

WHY = [
    "Why did Ningbo's OEE drop last week?",
    "为什么上个月宁波的报废率上升了?",
    "Why did defect ppm at Ningbo rise in November?",
]
TRACES = [
    "Which customers received batches made from the conditional aluminium lots Hengtai Metals delivered in November?",
    "上个月的客诉追溯回去，涉及到哪些供应商？",
]


def _through_sqlalchemy(executor: Executor, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The old path: SQLAlchemy's connection, its implicit transaction, its result object (a DuckDB
    file now runs without SQLAlchemy; a plain read-only reader shares the executor's instance)."""
    from duckdb_engine import ConnectionWrapper
    from sqlalchemy import create_engine

    path = str(executor._db_path)
    engine = create_engine("duckdb://", creator=lambda: ConnectionWrapper(duckdb.connect(path, read_only=True)))
    try:
        with engine.connect() as conn:
            result = conn.exec_driver_sql(sql, execution_options={"no_parameters": True})
            columns = list(map(str, result.keys()))
            rows = [tuple(plain(v) for v in row) for row in result.fetchall()]
    finally:
        engine.dispose()
    return columns, rows


def _same_as_before(pipeline, statements: list[str]) -> None:
    assert statements
    for sql in statements:
        now = pipeline.executor.run(pipeline.check(sql))
        columns, rows = _through_sqlalchemy(pipeline.executor, now.sql)
        assert now.columns == columns, sql
        # As multisets: a trace statement orders by kind and node, and ties come back in any order.
        assert not now.truncated and sorted(now.rows, key=repr) == sorted(rows, key=repr), sql


@pytest.mark.parametrize("question", WHY)
def test_every_why_statement_gives_the_rows_it_gave_through_sqlalchemy(pipeline, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    _same_as_before(pipeline, [q["sql"] for q in answer.extras["queries"]])


@pytest.mark.parametrize("question", TRACES)
def test_trace_statements_give_the_rows_they_gave_through_sqlalchemy(pipeline, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    shown = [s for s in (answer.sql, answer.extras.get("trace", {}).get("trace_sql")) if s]
    _same_as_before(pipeline, shown)


def test_a_repeated_why_answer_is_the_same(pipeline) -> None:
    first, second = pipeline.ask(WHY[2]), pipeline.ask(WHY[2])
    assert first.rows == second.rows and first.message == second.message
    assert [q["sql"] for q in first.extras["queries"]] == [q["sql"] for q in second.extras["queries"]]
    assert first.chart == second.chart and first.chart is not None  # drawn on first read


def lot_with_customers(pipeline) -> str:
    """A lot whose material reached a customer (found with plain SQL)."""
    rows = pipeline.run_sql(
        "SELECT lc.lot_id FROM lot_consumption lc JOIN finished_batches b ON b.work_order_id = lc.work_order_id "
        "JOIN shipments s ON s.batch_id = b.batch_id ORDER BY lc.lot_id LIMIT 1").rows
    return str(rows[0][0])


# ---------------------------------------------------------------------- the watchdog
class _Target:
    def __init__(self) -> None:
        self.interrupted = threading.Event()

    def interrupt(self) -> None:
        self.interrupted.set()


def test_a_deadline_that_passes_interrupts_its_statement() -> None:
    target = _Target()
    with Deadline(target, "interrupt", 0.05) as deadline:
        assert target.interrupted.wait(30)  # waits for the event: no timing is asserted
        assert deadline.fired and deadline.expired


def test_a_finished_statement_is_never_interrupted() -> None:
    target = _Target()
    with Deadline(target, "interrupt", 0.05) as deadline:
        pass
    late = _Target()
    with Deadline(late, "interrupt", 0.1):  # a later deadline: once it fired, the first one was due too
        assert late.interrupted.wait(30)
    assert not target.interrupted.is_set() and not deadline.fired


def test_deadlines_share_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    with Deadline(_Target(), "interrupt", 60):
        pass  # the watchdog is running from here on
    started: list[threading.Thread] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    for _ in range(50):
        with Deadline(_Target(), "interrupt", 60):
            pass
    assert started == []


def test_a_row_is_converted_and_sized_as_value_by_value() -> None:
    import datetime as dt
    from decimal import Decimal

    from assistant.sql.bounds import _plain_row, row_bytes

    raw = ("NB-L3", 3, 2.5, True, None, dt.date(2025, 11, 1), dt.datetime(2025, 11, 1, 8), Decimal("1.25"),
           memoryview(b"ab"), [1, "x"], {"k": "v"}, b"raw", "长文本" * 100)
    row, size = _plain_row(raw)
    assert row == tuple(plain(v) for v in raw)
    assert type(row[7]) is float and row[8] == b"ab"
    assert size == row_bytes(row)


def test_scalar_and_nested_results_are_sized_as_value_by_value(tmp_path) -> None:
    import duckdb

    from assistant.sql.bounds import _flat_row, _plain_row, row_bytes
    from assistant.sql.guard import Guard

    scalars = ("NB-L3", 3, 2.5, True, None, b"raw", "长文本" * 100)
    assert _flat_row(scalars) == _plain_row(scalars)
    path = tmp_path / "nested.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT i, [i, i + 1] AS pair, {'k': 'v' || i} AS s, 'x' || i AS name "
                    "FROM range(50) r(i)")
    executor = Executor(path)
    guard = Guard({"t": {"i": "BIGINT", "pair": "BIGINT[]", "s": "STRUCT(k VARCHAR)", "name": "VARCHAR"}})
    for sql in ("SELECT i, pair, s, name FROM t ORDER BY i", "SELECT i, name FROM t ORDER BY i"):
        result = executor.run(guard.check(sql))
        assert len(result.rows) == 50
        assert result.nbytes == sum(row_bytes(r) for r in result.rows)  # lists and structs with their items
    executor.dispose()
