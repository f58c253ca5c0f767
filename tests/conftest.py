"""Shared fixtures: the evaluation demo database, built once and cached by generator version."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("FA_TEST_CACHE", ROOT / ".cache" / "test-data"))
EVAL_END = dt.date(2025, 12, 31)


def _generator_fingerprint() -> str:
    """Hash of the generator's source, so a changed generator never reuses a stale database."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "semantic_layer" / "demo" / "generator").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def demo_db() -> Path:
    """The evaluation database: --end-date 2025-12-31 --days 730, default seed."""
    from semantic_layer.demo.generator import generate

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"factory-{EVAL_END}-730-{_generator_fingerprint()}.duckdb"
    if not path.exists():
        generate(path, end_date=EVAL_END, days=730, progress=False)
    return path
