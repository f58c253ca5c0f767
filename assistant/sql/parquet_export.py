"""A DuckDB database's layer tables written as Parquet, one `<table>.parquet` file each: what a
Spark executor (spark+local:///DIR, or ?parquet=DIR on a cluster) reads as its tables.

Only the tables the semantic layer names are written, since only those can pass the guard. The
database is opened read-only and every table is written through DuckDB's relation API
(`table(name).write_parquet`), so no SQL text is composed here. Each file is written beside its
final name and renamed into place, so a reader never sees half a file, and left read-only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from assistant.core.errors import ConfigError, DatabaseUnavailable

__all__ = ["ExportReport", "export_parquet"]


@dataclass
class ExportReport:
    folder: Path
    written: dict[str, int] = field(default_factory=dict)  # table -> rows
    missing: list[str] = field(default_factory=list)  # named by the layer, not in the database
    seconds: float = 0.0


def export_parquet(
    db: str | os.PathLike[str],
    out: str | os.PathLike[str],
    tables: Iterable[str],
    *,
    progress: Callable[[str, int], None] | None = None,
) -> ExportReport:
    """Write each of `tables` found in the DuckDB file `db` to `out/<table>.parquet`."""
    source = Path(db)
    if not source.is_file():
        raise DatabaseUnavailable(
            f"The database file {source} does not exist.",
            suggestion="Create it with `factory-assistant demo-data`, or check the path.",
        )
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} exists and is not a folder.", suggestion="Choose another --out.")
    folder.mkdir(parents=True, exist_ok=True)
    report = ExportReport(folder=folder.resolve())
    started = time.perf_counter()
    try:
        # A fresh in-memory instance attaching the file: `duckdb.connect(path)` would hand back an
        # instance this process already opened for the assistant, whose file access is switched off
        # (assistant/sql/readonly.py), and the Parquet files could not be written.
        con = duckdb.connect(":memory:")
        con.execute("ATTACH '" + str(source.resolve()).replace("'", "''") + "' AS fa_export_source (READ_ONLY)")
        con.execute("USE fa_export_source")
    except duckdb.Error as err:
        raise DatabaseUnavailable(
            f"Could not open {source}: {str(err).splitlines()[0]}",
            suggestion="Is another program writing it? Wait until it has finished.",
        ) from None
    try:
        for table in sorted(set(tables)):
            try:
                relation = con.table(table)
            except duckdb.CatalogException:
                report.missing.append(table)
                continue
            final = folder / f"{table}.parquet"
            partial = folder / f".{table}.parquet.partial"
            try:
                relation.write_parquet(str(partial), compression="zstd")
                # Read-only, and a file rather than a folder: Spark appends a write to a view over a
                # Parquet folder, but cannot put one where a file stands (tests/test_spark_executor.py).
                partial.chmod(0o444)
                os.replace(partial, final)
                report.written[table] = int(relation.count("*").fetchall()[0][0])
            except (duckdb.Error, OSError) as err:
                partial.unlink(missing_ok=True)
                raise ConfigError(
                    f"Could not write {final}: {str(err).splitlines()[0]}",
                    suggestion="Check that the folder is writable and has room.",
                ) from None
            if progress is not None:
                progress(table, report.written[table])
    finally:
        con.close()
    report.seconds = time.perf_counter() - started
    if not report.written:
        raise ConfigError(
            f"None of the layer's tables is in {source}.",
            suggestion="Check --db and --layer: they must describe the same database.",
        )
    return report
