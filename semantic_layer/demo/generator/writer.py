"""DuckDB output: create the tables, append Arrow batches, add keys at the end."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from semantic_layer.loader import DEMO_LAYER_DIR, load_layer
from semantic_layer.summary_build import build_summaries

from .schema import PRIMARY_KEYS, TABLES, create_sql


def _to_arrow(table: str, cols: dict[str, Any]) -> pa.Table:
    """Columns (numpy arrays, Arrow arrays or lists) -> an Arrow table in schema order."""
    names = [c for c, _ in TABLES[table]]
    missing = set(names) ^ set(cols)
    if missing:
        raise ValueError(f"{table}: column mismatch {sorted(missing)}")
    arrays = []
    for c in names:
        v = cols[c]
        arrays.append(v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(v))
    return pa.Table.from_arrays(arrays, names=names)


class DuckWriter:
    """Writes into a temporary file next to the target and renames it into place at the end,
    so readers holding the old file never see a half-written database."""

    def __init__(self, out: Path) -> None:
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        for p in (self.tmp, Path(f"{self.tmp}.wal")):
            p.unlink(missing_ok=True)
        self.con = duckdb.connect(str(self.tmp))
        self.con.execute("SET enable_progress_bar = false")  # we draw our own (rich) progress
        for t in TABLES:
            self.con.execute(create_sql(t))
        self.rows: dict[str, int] = {t: 0 for t in TABLES}

    def append(self, table: str, cols: dict[str, Any]) -> None:
        """Append one batch of rows (insertion order is preserved)."""
        tbl = _to_arrow(table, cols)
        if tbl.num_rows == 0:
            return
        self.con.register("_batch", tbl)
        try:
            names = ", ".join(c for c, _ in TABLES[table])
            self.con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _batch")
        finally:
            self.con.unregister("_batch")
        self.rows[table] += tbl.num_rows

    def finish(self) -> Path:
        """Declare primary keys, build the demo layer's summary tables, checkpoint, close and move
        the file into place."""
        for t, cols in PRIMARY_KEYS.items():
            self.con.execute(f"ALTER TABLE {t} ADD PRIMARY KEY ({', '.join(cols)})")
        build_summaries(self.con.execute, load_layer(DEMO_LAYER_DIR))
        self.con.execute("CHECKPOINT")
        self.con.close()
        os.replace(self.tmp, self.out)
        Path(f"{self.tmp}.wal").unlink(missing_ok=True)
        return self.out

    def abort(self) -> None:
        """Drop the temporary file after a failure."""
        try:
            self.con.close()
        finally:
            for p in (self.tmp, Path(f"{self.tmp}.wal")):
                p.unlink(missing_ok=True)


def table_hash(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Order-independent content fingerprint of a table (rows sorted by every column)."""
    cols = ", ".join(c for c, _ in TABLES[table])
    rows = con.execute(f"SELECT {cols} FROM {table} ORDER BY ALL").fetchall()
    h = hashlib.sha256()
    for r in rows:
        h.update(repr(r).encode())
    return f"{h.hexdigest()}:{len(rows)}"
