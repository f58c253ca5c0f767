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


@pytest.fixture(scope="session")
def pg_url(demo_db: Path) -> str:
    """A PostgreSQL copy of the evaluation database (needs FA_TEST_PG_URL; .ci/run starts a server)."""
    url = os.environ.get("FA_TEST_PG_URL")
    if not url:
        pytest.skip("FA_TEST_PG_URL is not set: no PostgreSQL server to test against")
    import psycopg
    from sqlalchemy.engine import make_url

    from semantic_layer.demo.generator import copy_to_postgres

    # A database of its own, so tests that copy other data into the server's default one
    # (the generator's copy test) cannot replace these tables mid-session.
    base = make_url(url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS fa_eval_test")
        con.execute("CREATE DATABASE fa_eval_test")
    target = base.set(database="fa_eval_test").render_as_string(hide_password=False)
    copy_to_postgres(demo_db, target, progress=False)
    return target


@pytest.fixture(scope="session")
def layer():
    from semantic_layer.loader import load_layer

    return load_layer()


@pytest.fixture(scope="session")
def pipeline(demo_db: Path, layer):
    from assistant.core.settings import Settings
    from assistant.pipeline import Pipeline
    from assistant.sql.executor import Executor

    pipe = Pipeline(layer, Executor(str(demo_db)), settings=Settings(as_of=EVAL_END),
                    index_dir=CACHE / "index")
    yield pipe
    pipe.close()
