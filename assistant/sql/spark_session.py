"""Opening a Spark session for the assistant, and the temporary views it reads.

pyspark is imported here only, when a Spark address is used: the rest of the assistant, and
every other database, never pays for it (pip install 'factory-assistant[spark]').

Each executor gets a session of its own (`newSession()` on the process's SparkContext, or a new
Spark Connect session), so two executors reading different folders never see each other's views.
Views are registered when a checked statement first names their table (`CheckedSQL.tables`),
so nothing needs to list a remote folder, and a table without a Parquet file is an error that
names it.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from assistant.core.errors import ConfigError, DatabaseUnavailable
from assistant.sql.spark_target import SparkTarget, find_java_home

__all__ = ["SparkViews", "open_session"]

# What every session is set to. UTC: Parquet timestamps without a zone are read as written;
# no console progress bars or INFO logs on the terminal of a CLI user.
_CONFIG = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # The demo's results are small: the default 200 shuffle partitions are 200 tiny tasks per query.
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
    # TIME columns (a shift's start and end) exist in Parquet and in the layer; Spark 4 reads them only with this.
    "spark.sql.timeType.enabled": "true",
}
# pyspark logs every SQL error with the statement's text to stderr: our own error says it in words instead.
_QUIET_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")
_START_LOCK = threading.Lock()  # two threads must not launch two JVMs


def open_session(target: SparkTarget) -> Any:
    """A new Spark session for `target`, or DatabaseUnavailable / ConfigError in words."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            "Spark support is not installed.",
            suggestion="pip install 'factory-assistant[spark]' (pyspark), then ask again.",
        ) from None
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).disabled = True
    try:
        if target.kind == "connect":
            builder: Any = SparkSession.builder.remote(target.master)
            session = builder.create()  # a session of its own, never one another executor holds
        else:
            # pyspark starts the JVM with this process's environment: JAVA_HOME must be in it.
            os.environ.setdefault("JAVA_HOME", find_java_home())
            with _START_LOCK:
                builder = SparkSession.builder.master(target.master).appName("factory-assistant")
                for key, value in _CONFIG.items():
                    builder = builder.config(key, value)
                base = builder.getOrCreate()
                base.sparkContext.setLogLevel("OFF")  # analysis errors would print Java traces on stderr
            session = base.newSession()
        for key, value in _CONFIG.items():
            if not key.startswith("spark.ui"):
                session.conf.set(key, value)
        if target.database:
            session.catalog.setCurrentDatabase(target.database)
        return session
    except (ConfigError, DatabaseUnavailable):
        raise
    except Exception as err:  # the JVM did not start, the cluster is not reachable, no such database
        first = str(err).strip().splitlines()[0][:300] if str(err).strip() else type(err).__name__
        raise DatabaseUnavailable(
            f"Could not open {target.label()}: {first}",
            suggestion="Check that the Spark address is reachable and Java 17 is installed (JAVA_HOME).",
        ) from None


class SparkViews:
    """The Parquet tables of one session, registered as temporary views when first needed."""

    def __init__(self, target: SparkTarget) -> None:
        self.target = target
        self._done: set[str] = set()
        self._lock = threading.Lock()

    def ensure(self, session: Any, tables: frozenset[str]) -> None:
        if self.target.parquet is None:  # database=...: the catalogue's own tables
            return
        with self._lock:
            for table in sorted(tables - self._done):
                path = f"{self.target.parquet.rstrip('/')}/{table}.parquet"
                try:
                    session.read.parquet(path).createOrReplaceTempView(table)
                except Exception as err:
                    if "PATH_NOT_FOUND" in str(err) or "does not exist" in str(err):
                        raise DatabaseUnavailable(
                            f"The table '{table}' has no Parquet file at {path}.",
                            suggestion="Export the database again with `factory-assistant export-parquet`.",
                        ) from None
                    raise
                self._done.add(table)

    def drop(self, session: Any) -> None:
        with self._lock:
            for table in self._done:
                try:
                    session.catalog.dropTempView(table)
                except Exception:  # the session may be gone already; the views went with it
                    break
            self._done.clear()
