"""Runs SQL that passed the guard on Apache Spark, read-only, with the executor's bounds.

Selected by the address (assistant.sql.spark_target): `spark+local:///parquet_dir` runs Spark
inside this process, `spark://host:7077?parquet=DIR` a standalone cluster, `sc://host:15002?...`
Spark Connect. It is an `Executor` so that every surface and the pipeline take it unchanged;
it shares none of the SQLAlchemy machinery.

Read-only, in depth: the guard admits one SELECT over the layer's tables; here the checked text is
parsed again as Spark SQL and anything but one query is refused before Spark sees it (Spark runs
a command such as DROP or INSERT the moment `sql()` is called, not when rows are fetched); and the
tables are temporary views over single read-only Parquet files, where a write cannot land.

Bounds: the time limit puts every job of a statement in a job group (a tag on Spark Connect) and
cancels it from a timer, which stays armed while rows are fetched; rows stream back partition by
partition and stop at the row and byte caps (assistant.sql.bounds), with `truncated` set; at most
`pool_size` statements run at once, the next waits `queue_timeout_s` and then hears ServiceBusy.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import threading
import time
import uuid
from itertools import islice
from typing import Any

import sqlglot
from sqlalchemy.engine import URL
from sqlglot import exp
from sqlglot.errors import SqlglotError

from assistant.core.errors import DatabaseUnavailable, ExecutionError
from assistant.core.settings import DEFAULTS
from assistant.sql.bounds import Deadline, DeadlineExpired, Fetched, FetchLimits, fetch_bounded
from assistant.sql.db_errors import NARROW, timeout_error
from assistant.sql.executor import Executor, QueryResult, _author_text
from assistant.sql.guard import CheckedSQL
from assistant.sql.guard.nodes import forbidden_label
from assistant.sql.pool import Admission
from assistant.sql.spark_session import SparkViews, open_session
from assistant.sql.spark_target import SparkTarget, parse_spark_url

__all__ = ["SparkExecutor"]

_GRACE_S = 2.0  # how long past the time limit a caller waits for Spark to acknowledge the cancel
_ONE_QUERY = ExecutionError(
    "The database runs only a single read-only query.", suggestion="Ask for data with one SELECT query."
)


class _Interrupt:
    """What the Deadline's timer calls: cancel every Spark job of one statement.

    In-process Spark (local or a cluster's driver here): a job group, which the threads that
    stream rows back inherit; the session's `interruptTag` was measured not to stop a running
    join there. Spark Connect has no SparkContext here: its operations carry the tag."""

    def __init__(self, session: Any, tag: str, connect: bool) -> None:
        self._session = session
        self._tag = tag
        self._connect = connect

    def __enter__(self) -> _Interrupt:
        if self._connect:
            self._session.addTag(self._tag)  # tags belong to this thread: concurrent statements keep their own
        else:  # a job group is this thread's too (pyspark pins a JVM thread to each Python thread)
            self._session.sparkContext.setJobGroup(self._tag, "factory-assistant", interruptOnCancel=True)
        return self

    def cancel(self) -> None:
        if self._connect:
            self._session.interruptTag(self._tag)
        else:
            self._session.sparkContext.cancelJobGroup(self._tag)

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):  # a session that lost its server: nothing to clean up
            if self._connect:
                self._session.removeTag(self._tag)
            else:
                self._session.sparkContext.setLocalProperty("spark.jobGroup.id", None)


class SparkExecutor(Executor):
    """An Executor over Spark. Opens its session on first use (a local JVM starts in ~10 s)."""

    def __init__(
        self,
        url: str | os.PathLike[str],
        *,
        timeout_s: float = DEFAULTS["timeout_s"],
        max_rows: int = DEFAULTS["max_rows"],
        max_result_bytes: int = DEFAULTS["max_result_bytes"],
        pool_size: int = DEFAULTS["pool_size"],
        queue_timeout_s: float = DEFAULTS["queue_timeout_s"],
        **_duckdb_only: Any,
    ) -> None:
        # No super().__init__(): it opens a DuckDB file or a SQLAlchemy engine, which Spark has neither of.
        # **_duckdb_only: memory_limit, max_temp_size, temp_dir are DuckDB's; from_settings passes them to all.
        if max_rows < 1 or max_result_bytes < 1:
            raise ValueError("max_rows and max_result_bytes must be at least 1")
        self.target: SparkTarget = parse_spark_url(os.fspath(url))
        self._url = URL.create("spark", host=self.target.label())  # a label only: no token, no password
        self.backend = "spark"
        self.dialect = "spark"
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.max_result_bytes = max_result_bytes
        self._db_path = None
        self._gate = Admission(pool_size, queue_timeout_s)
        # Twice the gate: a worker still waiting for a cancelled job must not hold up the next statement.
        self._worker_count = 2 * pool_size
        self._workers = concurrent.futures.ThreadPoolExecutor(self._worker_count, thread_name_prefix="spark-statement")
        self._views = SparkViews(self.target)
        self._session: Any = None
        self._open_lock = threading.Lock()

    @property
    def session(self) -> Any:
        """This executor's Spark session, opened on first use."""
        with self._open_lock:
            if self._session is None:
                self._session = open_session(self.target)
            return self._session

    # ------------------------------------------------------------------ public API
    def run(self, checked: CheckedSQL, *, max_rows: int | None = None) -> QueryResult:
        cap = self._row_cap(checked, max_rows)
        start = time.perf_counter()
        fetched = self._execute_checked(checked, FetchLimits(rows=cap, bytes=self.max_result_bytes))
        elapsed_ms = (time.perf_counter() - start) * 1000.0
        return QueryResult(
            columns=fetched.columns,
            rows=fetched.rows,
            truncated=fetched.cut is not None,
            elapsed_ms=elapsed_ms,
            sql=checked.sql,
            truncated_reason=fetched.cut,
            nbytes=fetched.nbytes,
        )

    def explain(self, checked: CheckedSQL) -> None:
        """Dry run: Spark analyses the statement (tables, columns, types) without running a job."""
        self._require_checked(checked)
        self._execute_checked(checked, None)

    def prewarm(self) -> None:
        """Nothing: the session opens on first use (a local JVM takes ~10 s, not worth starting early)."""

    def dispose(self) -> None:
        # The SparkContext is the process's and may serve other executors: only this session's
        # views go (a Spark Connect session is closed on the server).
        with self._open_lock:
            session, self._session = self._session, None
        self._workers.shutdown(wait=False, cancel_futures=True)  # a later run opens everything anew
        self._workers = concurrent.futures.ThreadPoolExecutor(self._worker_count, thread_name_prefix="spark-statement")
        if session is None:
            return
        self._views.drop(session)
        if self.target.kind == "connect":
            try:
                session.stop()
            except Exception:  # the server may be gone; there is nothing left to close then
                return

    # ------------------------------------------------------------------ internals
    def _execute_checked(self, checked: CheckedSQL, fetch: FetchLimits | None) -> Fetched:
        require_spark_query(checked.sql)
        with self._gate.slot():
            session = self.session
            try:
                self._views.ensure(session, checked.tables)
            except ExecutionError:
                raise
            except Exception as err:
                raise _translate(err, action="read", redact=_author_text(checked)) from None
            if self.timeout_s <= 0:
                return self._bounded(session, checked, fetch)
            # A cancelled job does not always end the call that waits for it: a join waiting for its
            # broadcast side was measured to hang until spark.sql.broadcastTimeout (300 s). So the
            # statement runs on a worker and the caller stops waiting shortly after the limit.
            work = self._workers.submit(self._bounded, session, checked, fetch)
            try:
                return work.result(timeout=self.timeout_s + _GRACE_S)
            except concurrent.futures.TimeoutError:
                raise timeout_error(self.timeout_s) from None

    def _bounded(self, session: Any, checked: CheckedSQL, fetch: FetchLimits | None) -> Fetched:
        interrupt = _Interrupt(session, f"factory-assistant-{uuid.uuid4().hex}", self.target.kind == "connect")
        deadline = Deadline(interrupt, "cancel", self.timeout_s)
        try:
            with interrupt, deadline:
                frame = session.sql(checked.sql)
                columns = [str(c) for c in frame.columns]  # analyses the statement; runs no job
                if fetch is None:
                    return Fetched(columns, [])
                rows = frame.toLocalIterator()  # partition by partition, not all at once
                fetched, cut, nbytes = fetch_bounded(lambda n: list(islice(rows, n)), fetch, deadline)
                return Fetched(columns, fetched, cut, nbytes)
        except DeadlineExpired:
            raise timeout_error(self.timeout_s) from None
        except ExecutionError:
            raise
        except Exception as err:
            if deadline.fired:
                raise timeout_error(self.timeout_s) from None
            action = "plan" if fetch is None else "run"
            raise _translate(err, action=action, redact=_author_text(checked)) from None


def require_spark_query(sql: str) -> None:
    """Refuse anything but one query, read as Spark reads it, before Spark sees it."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="spark") if s is not None]
    except SqlglotError:
        raise _ONE_QUERY from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise _ONE_QUERY
    if any(forbidden_label(node) for node in statements[0].walk()):
        raise _ONE_QUERY


def _translate(err: BaseException, *, action: str, redact: tuple[str, ...]) -> ExecutionError:
    """A Spark error in words: its first line, without the SQL context Spark appends or any text
    value of the SQL (that would let whoever wrote the SQL speak to the user)."""
    text = str(err).strip()
    if type(err).__name__ in {"Py4JNetworkError", "SparkConnectGrpcException"} or "Connection refused" in text:
        return DatabaseUnavailable(
            f"Spark could not be reached: {_first_line(text)}", suggestion="Check that the Spark address is reachable."
        )
    if "OutOfMemory" in text:
        return ExecutionError("The query needed more memory than Spark could give it.", suggestion=NARROW)
    message = _first_line(text)
    for value in redact:
        message = message.replace(value, "...")
    return ExecutionError(
        f"The database could not {action} the query: {message}", suggestion="Rephrase the question or check the SQL."
    )


def _first_line(text: str, limit: int = 300) -> str:
    line = text.split("\n", 1)[0].split("== SQL", 1)[0].strip() or "unknown error"
    return line if len(line) <= limit else line[: limit - 3] + "..."
