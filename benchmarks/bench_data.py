"""The demo databases the benchmarks measure on.

`bench_db(path)`: `--db PATH`, or the evaluation factory (end 2025-12-31, 730 days) generated once
into the temp folder. `scaled_db(scale, path)`: the same factory at `scale` (machines per line
times `scale`; scale 100 is ~13.5M production records, ~3 min and ~0.9 GB on 2 cores), generated
once under .cache/bench/ and named by a fingerprint of the generator's code, so a changed
generator builds a new file instead of measuring stale data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
END = dt.date(2025, 12, 31)


def bench_db(path: str | None) -> Path:
    if path:
        return Path(path)
    from semantic_layer.demo.generator import generate

    target = Path(tempfile.gettempdir()) / "fa-bench" / "factory-2025-12-31.duckdb"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        generate(target, end_date=END, days=730, progress=False)
    return target


def generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "semantic_layer" / "demo" / "generator").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def scaled_path(scale: int) -> Path:
    return ROOT / ".cache" / "bench" / f"factory-{END}-730-x{scale}-{generator_fingerprint()}.duckdb"


def scaled_db(scale: int, given: str | None = None) -> Path:
    """The demo factory at `scale` (or `given`), generated once; a partly written file is never reused."""
    if given:
        return Path(given)
    from semantic_layer.demo.generator import generate

    path = scaled_path(scale)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating scale {scale} into {path} (once) ...", flush=True)
        t0 = time.perf_counter()
        tmp = path.with_suffix(".tmp.duckdb")
        tmp.unlink(missing_ok=True)
        generate(tmp, end_date=END, days=730, scale=scale, progress=False)
        tmp.rename(path)
        print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)
    return path
