"""A DuckDB file, run on the duckdb driver alone: the executor's transport for DuckDB files.

Through SQLAlchemy a DuckDB query already ran on the driver's own connection (readonly.fetch_duckdb);
what SQLAlchemy still gave was its URL parsing, its QueuePool and the exception wrapper, and
importing it with duckdb_engine cost ~0.2 s of every CLI cold start. This keeps the same rules
without it: at most `pool_size` connections, each opened by `open_duckdb_read_only` (read-only,
bounded, sealed), a wait past `queue_timeout_s` ends in ServiceBusy, a connection the deadline
interrupted is closed rather than reused, and every statement still goes through
`fetch_duckdb` (one SELECT only, rows and bytes capped, the deadline armed while fetching).
Servers and in-memory DuckDB keep SQLAlchemy (assistant.sql.engine_transport).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import duckdb

from assistant.core.errors import DatabaseUnavailable
from assistant.sql.bounds import Deadline, DeadlineExpired, Fetched, FetchLimits
from assistant.sql.db_errors import DEMO_HINT, timeout_error, translate, unavailable
from assistant.sql.pool import Admission, check_pool
from assistant.sql.readonly import DuckDBLimits, fetch_duckdb, open_duckdb_read_only

__all__ = ["DuckDBFiles", "Lease", "duckdb_file"]

_URL_PREFIX = "duckdb:///"  # SQLAlchemy's form of a DuckDB file: duckdb:///relative or duckdb:////absolute


def duckdb_file(target: str) -> str | None:
    """The DuckDB file a database address names, read without SQLAlchemy: a bare path, or a plain
    `duckdb:///path` URL (its query, which the executor never used for a file, is ignored, and
    the path is percent-decoded as SQLAlchemy's make_url does). None for an in-memory database
    and for anything else (which SQLAlchemy then parses)."""
    if "://" not in target:
        path = target
    elif target.startswith(_URL_PREFIX):
        path = unquote(target[len(_URL_PREFIX):].split("?", 1)[0])
    else:
        return None
    return path if path not in ("", ":memory:") else None


class DuckDBFiles:
    """Read-only connections to one DuckDB file, opened on demand and kept for the next query."""

    def __init__(self, path: Path, limits: DuckDBLimits, *, timeout_s: float, pool_size: int,
                 queue_timeout_s: float) -> None:
        check_pool(pool_size, queue_timeout_s)
        self.path = path
        self.limits = limits
        self.timeout_s = timeout_s
        self.size = pool_size
        self.queue_timeout_s = queue_timeout_s
        self._gate = Admission(pool_size, queue_timeout_s)  # what QueuePool(max_overflow=0, pool_timeout) did
        self._idle: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()
        self._generation = 0  # dispose() closes connections still out when they come back
        self._spare: Future[duckdb.DuckDBPyConnection] | None = None  # being opened by prewarm()

    def prewarm(self) -> None:
        """Start opening the first connection on a thread of its own. DuckDB reads the file's
        catalogue without holding the GIL (30-55 ms on the demo factory), so a caller that is about
        to import or plan (the CLI) gets it for free. The first query takes it; if opening
        failed, that query opens again and reports why. Only for callers that will query soon:
        an open read-only instance keeps a writer in this process out of the file."""
        with self._lock:
            if self._spare is not None or self._idle or not self.path.exists():
                return
            spare: Future[duckdb.DuckDBPyConnection] = Future()
            self._spare = spare
        threading.Thread(target=self._open_spare, args=(spare,), name="duckdb-prewarm", daemon=True).start()

    def execute(self, sql: str, fetch: FetchLimits | None, *, action: str, redact: Callable[[], tuple[str, ...]],
                room: str) -> Fetched:
        """Run one statement. `redact` is called only when an error is worded (walking the SQL
        for its text values costs ~1 ms)."""
        if not self.path.exists():  # duckdb.connect would create it, and a reader must not
            raise DatabaseUnavailable(f"The database file {self.path} does not exist.", suggestion=DEMO_HINT)
        with self.connection() as lease:
            deadline = Deadline(lease.raw, "interrupt", self.timeout_s)
            try:
                with deadline:
                    return self._fetch(lease.raw, sql, fetch, deadline)
            except duckdb.Error as err:
                raise translate(err, timed_out=deadline.fired, timeout_s=self.timeout_s, action=action,
                                redact=redact(), room=room, db_path=self.path) from None
            except DeadlineExpired:
                lease.broken = True  # the statement may still be running on it
                raise timeout_error(self.timeout_s) from None
            finally:
                lease.broken = lease.broken or deadline.fired  # an interrupted connection is not trusted again

    @contextlib.contextmanager
    def connection(self) -> Iterator[Lease]:
        """A connection of the pool for one statement, given back afterwards unless marked broken."""
        with self._gate.slot():
            lease = self._checkout()
            try:
                yield lease
            finally:
                self._checkin(lease)

    def dispose(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            spare, self._spare = self._spare, None
            self._generation += 1
        for raw in idle:
            _close(raw)
        if spare is not None:  # still opening, maybe: closed once it is open
            spare.add_done_callback(_close_spare)

    # ------------------------------------------------------------------ internals
    def _fetch(self, raw: duckdb.DuckDBPyConnection, sql: str, fetch: FetchLimits | None,
               deadline: Deadline) -> Fetched:
        # A method of its own, run while the connection is held (tests hold connections here).
        return fetch_duckdb(raw, sql, fetch, deadline)

    def _open_spare(self, spare: Future[duckdb.DuckDBPyConnection]) -> None:
        try:
            spare.set_result(open_duckdb_read_only(str(self.path), self.limits))
        except BaseException as exc:  # kept for the first query, which opens again and says why
            spare.set_exception(exc)

    def _checkout(self) -> Lease:
        with self._lock:
            generation = self._generation
            if self._idle:
                return Lease(self._idle.pop(), generation)
            spare, self._spare = self._spare, None
        if spare is not None and spare.exception() is None:  # waits for prewarm() to finish opening
            return Lease(spare.result(), generation)
        try:
            return Lease(open_duckdb_read_only(str(self.path), self.limits), generation)
        except duckdb.Error as err:  # locked by a writer, opened with other settings, ...
            raise unavailable(err, self.path) from None

    def _checkin(self, lease: Lease) -> None:
        with self._lock:
            if not lease.broken and lease.generation == self._generation:
                self._idle.append(lease.raw)
                return
        _close(lease.raw)


@dataclass
class Lease:
    """One connection out of the pool; `broken` closes it on return instead of keeping it."""

    raw: duckdb.DuckDBPyConnection
    generation: int
    broken: bool = False


def _close_spare(spare: Future[duckdb.DuckDBPyConnection]) -> None:
    if spare.exception() is None:
        _close(spare.result())


def _close(raw: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        raw.close()
