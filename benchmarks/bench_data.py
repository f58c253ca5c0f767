"""The demo database the benchmarks measure on: `--db PATH`, or the evaluation factory
(end 2025-12-31, 730 days) generated once into the temp folder."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path


def bench_db(path: str | None) -> Path:
    if path:
        return Path(path)
    from semantic_layer.demo.generator import generate

    target = Path(tempfile.gettempdir()) / "fa-bench" / "factory-2025-12-31.duckdb"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        generate(target, end_date=dt.date(2025, 12, 31), days=730, progress=False)
    return target
