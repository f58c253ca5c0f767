"""Deterministic generator of the demo factory database (see docs: demo-factory spec).

    generate(out, end_date=..., days=730, scale=1, seed=42) -> Path   # DuckDB file
    copy_to_postgres(duckdb_path, url)                                 # same tables in PostgreSQL
"""

from __future__ import annotations

from .core import generate, row_counts
from .postgres import copy_to_postgres

__all__ = ["copy_to_postgres", "generate", "row_counts"]
