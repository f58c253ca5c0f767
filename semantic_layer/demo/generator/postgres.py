"""Copy a generated DuckDB demo database into PostgreSQL with psycopg 3 COPY.

Rows stream from DuckDB as Arrow batches and go over the wire as CSV, so memory stays flat
(no DuckDB postgres extension: it would need a download).
"""

from __future__ import annotations

import io
import os
from contextlib import nullcontext
from typing import Any
from urllib.parse import unquote, urlsplit

import duckdb

from semantic_layer.loader import DEMO_LAYER_DIR, load_layer
from semantic_layer.summary_build import build_summaries, index_statements

from .schema import PRIMARY_KEYS, TABLES

PG_TYPES: dict[str, str] = {
    "VARCHAR": "text",
    "DOUBLE": "double precision",
    "DECIMAL(10,2)": "numeric(10,2)",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "TIME": "time",
}
BATCH_ROWS = 100_000


def normalize_url(url: str) -> str:
    """SQLAlchemy-style URL (postgresql+psycopg://, postgres://...) -> libpq URL for psycopg."""
    parts = urlsplit(url)
    base = parts.scheme.split("+", 1)[0]
    if base not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme}://...")
    return "postgresql://" + url.split("://", 1)[1]


def describe_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(normalize_url(url))
    user = f"{unquote(parts.username)}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"postgresql://{user}{parts.hostname or ''}{port}{parts.path}"


def create_table_sql(table: str) -> str:
    """PostgreSQL CREATE TABLE with the mapped column types."""
    cols = ", ".join(f"{c} {PG_TYPES[t]}" for c, t in TABLES[table])
    return f"CREATE TABLE {table} ({cols})"


def _progress(enabled: bool) -> Any:
    if not enabled:
        return nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def copy_to_postgres(duckdb_path: str | os.PathLike[str], url: str, *, progress: bool = True) -> None:
    """Replace the demo tables in PostgreSQL with the contents of a generated DuckDB file.

    Drops existing tables of the same names, bulk-loads with COPY, adds primary keys, builds
    the demo layer's summary tables and indexes and runs ANALYZE. Everything happens in one
    transaction: readers see the old tables or the complete new ones.
    """
    import psycopg
    import pyarrow.csv as pacsv

    write_opts = pacsv.WriteOptions(include_header=False)
    src = duckdb.connect(str(duckdb_path), read_only=True)
    src.execute("SET enable_progress_bar = false")
    try:
        counts = {t: int(src.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in TABLES}
        with psycopg.connect(normalize_url(url)) as pg, _progress(progress) as bar:
            task = bar.add_task("copy to PostgreSQL", total=sum(counts.values())) if bar else None
            with pg.cursor() as cur:
                for table in reversed(list(TABLES)):
                    cur.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
                for table in TABLES:
                    cur.execute(create_table_sql(table))
                    cols = ", ".join(c for c, _ in TABLES[table])
                    reader = src.sql(f"SELECT {cols} FROM {table}").to_arrow_reader(BATCH_ROWS)
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
                        for batch in reader:
                            buf = io.BytesIO()
                            pacsv.write_csv(batch, buf, write_options=write_opts)
                            copy.write(buf.getvalue())
                            if bar is not None:
                                bar.update(task, advance=batch.num_rows, description=f"copy {table}")
                for table, key in PRIMARY_KEYS.items():
                    cur.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({', '.join(key)})")
                # The layer's physical design: its summary tables, rebuilt from the copied facts,
                # and the indexes it declares (dates periods filter on, keys joins follow).
                layer = load_layer(DEMO_LAYER_DIR)
                summaries = build_summaries(cur.execute, layer, "postgres")
                for statement in index_statements(layer):
                    cur.execute(statement)
                for table in [*TABLES, *summaries]:
                    cur.execute(f"ANALYZE {table}")
            pg.commit()
    finally:
        src.close()
