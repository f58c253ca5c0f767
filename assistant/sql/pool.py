"""At most `pool_size` queries run at once; the others wait up to `queue_timeout_s`, then hear
that the service is busy (ServiceBusy), never that the database could not be opened.

DuckDB files have a pool of their own (assistant.sql.duckdb_files: `pool_size` read-only
connections behind an Admission gate), which needs no SQLAlchemy.
SQLAlchemy's QueuePool does the queueing where the engine has one (PostgreSQL, MySQL):
`pool_size` connections, no overflow, `pool_timeout` for the wait. Without `max_overflow=0`
the pool would open 10 extra connections under load, and its 30 s default wait ends in a
TimeoutError that used to read "Could not open the database". Engines whose pool does not queue
(an in-memory DuckDB keeps one connection per thread) get a bounded semaphore with the same wait.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.core.errors import ServiceBusy

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

__all__ = ["Admission", "busy", "check_pool", "pool_arguments"]


def pool_arguments(url: URL, pool_size: int, queue_timeout_s: float) -> tuple[dict[str, Any], Admission | None]:
    """create_engine keyword arguments, and the gate to use when the engine's pool cannot queue."""
    from sqlalchemy import pool  # only servers and in-memory DuckDB get here: SQLAlchemy is loaded already

    check_pool(pool_size, queue_timeout_s)
    dialect: Any = url.get_dialect()  # get_pool_class is on DefaultDialect, not on the typed protocol
    if issubclass(dialect.get_pool_class(url), pool.QueuePool):
        return {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": queue_timeout_s}, None
    return {}, Admission(pool_size, queue_timeout_s)


def check_pool(pool_size: int, queue_timeout_s: float) -> None:
    if pool_size < 1:
        raise ValueError("pool_size must be at least 1")
    if queue_timeout_s < 0:
        raise ValueError("queue_timeout_s must not be negative")


class Admission:
    """A bounded semaphore whose wait ends in ServiceBusy."""

    def __init__(self, size: int, timeout_s: float) -> None:
        self._slots = threading.BoundedSemaphore(size)
        self._timeout_s = timeout_s

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self._timeout_s):
            raise busy()
        try:
            yield
        finally:
            self._slots.release()


def busy() -> ServiceBusy:
    # Nothing ran, so asking again is safe; the Chinese headline comes from errors.user_message.
    return ServiceBusy("The service is busy right now; try again in a moment.")
