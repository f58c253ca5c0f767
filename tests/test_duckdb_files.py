"""A DuckDB file runs on the duckdb driver alone (issue 17 point 2, cold start): its address is read
as SQLAlchemy would read it, its pool keeps at most `pool_size` connections and drops one the
deadline interrupted, and answering from it never imports SQLAlchemy."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sqlalchemy.engine import make_url

from assistant.core.errors import DatabaseUnavailable, QueryTimeout
from assistant.sql.duckdb_files import DuckDBFiles, duckdb_file
from assistant.sql.executor import Executor
from assistant.sql.guard import Guard

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = {"t": {"x": "INTEGER"}}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(5)")
    con.close()
    return path


@pytest.fixture
def executor(db_path: Path, tmp_path: Path) -> Iterator[Executor]:
    ex = Executor(db_path, pool_size=2, temp_dir=tmp_path / "spill", timeout_s=0.3)
    yield ex
    ex.dispose()


@pytest.mark.parametrize("url", ["duckdb:///x.db", "duckdb:////tmp/x.db", "duckdb:///a%20b.db",
                                 "duckdb:///x.db?read_only=true", "duckdb:///sub/dir/plant.duckdb"])
def test_file_urls_read_as_sqlalchemy_reads_them(url: str) -> None:
    assert duckdb_file(url) == make_url(url).database


@pytest.mark.parametrize("target", ["duckdb:///:memory:", "duckdb://", ":memory:", "postgresql+psycopg://u@h/db",
                                    "duckdb+x:///x.db"])
def test_anything_else_is_left_to_sqlalchemy(target: str) -> None:
    assert duckdb_file(target) is None


def test_a_bare_path_is_a_file() -> None:
    assert duckdb_file("/data/plant.duckdb") == "/data/plant.duckdb"
    assert duckdb_file("plant.duckdb") == "plant.duckdb"


def test_a_bare_memory_database_is_still_sqlalchemys(tmp_path: Path) -> None:
    ex = Executor(":memory:", temp_dir=tmp_path / "spill")
    try:
        assert not isinstance(ex._transport, DuckDBFiles) and ex.dialect == "duckdb" and ex.data_identity() is None
        assert ex.scalar(Guard({}).check("SELECT 42")) == 42
    finally:
        ex.dispose()


def test_every_spelling_of_a_file_gets_the_files_pool(db_path: Path, tmp_path: Path) -> None:
    for target in (str(db_path), f"duckdb:///{db_path}", f"duckdb://host/{db_path}"):
        ex = Executor(target, temp_dir=tmp_path / "spill")
        try:
            assert isinstance(ex._transport, DuckDBFiles) and ex._db_path == db_path
            assert ex.url.database == str(db_path) and ex.dialect == "duckdb"
            assert ex.scalar(Guard(SCHEMA).check("SELECT count(*) FROM t")) == 5
        finally:
            ex.dispose()


def test_connections_are_kept_and_bounded(executor: Executor) -> None:
    files = executor._transport
    assert isinstance(files, DuckDBFiles)
    check = Guard(SCHEMA).check("SELECT sum(x) FROM t")
    for _ in range(5):
        assert executor.scalar(check) == 10
    assert len(files._idle) == 1  # one after the other: the same connection again
    with files.connection() as first, files.connection() as second:
        assert first.raw is not second.raw
    assert len(files._idle) == 2  # never more than pool_size


def test_an_interrupted_connection_is_not_kept(executor: Executor) -> None:
    files = executor._transport
    assert isinstance(files, DuckDBFiles)
    executor.scalar(Guard(SCHEMA).check("SELECT 1"))
    kept = list(files._idle)
    slow = Guard(SCHEMA).check("SELECT count(*) FROM range(20000) a(i), range(200000) b(j) WHERE a.i + b.j = 7")
    with pytest.raises(QueryTimeout):
        executor.run(slow)
    assert files._idle == [] and kept  # the interrupted one was closed, not given back
    assert executor.scalar(Guard(SCHEMA).check("SELECT count(*) FROM t")) == 5


def test_dispose_closes_what_is_kept(executor: Executor) -> None:
    files = executor._transport
    assert isinstance(files, DuckDBFiles)
    executor.scalar(Guard(SCHEMA).check("SELECT 1"))
    (raw,) = files._idle
    executor.dispose()
    assert files._idle == []
    with pytest.raises(duckdb.ConnectionException):
        raw.execute("SELECT 1")
    assert executor.scalar(Guard(SCHEMA).check("SELECT 2")) == 2  # a later run opens anew


def test_answering_from_a_file_imports_no_sqlalchemy(db_path: Path, tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from assistant.sql.executor import Executor\n"
        "from assistant.sql.guard import Guard\n"
        f"ex = Executor({str(db_path)!r}, temp_dir={str(tmp_path / 'spill')!r})\n"
        "assert ex.scalar(Guard({'t': {'x': 'INTEGER'}}).check('SELECT max(x) FROM t')) == 4\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'duckdb_engine')))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FA_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    assert done.stdout.strip() == "[]"


def test_prewarm_opens_the_first_connection_ahead(executor: Executor) -> None:
    files = executor._transport
    assert isinstance(files, DuckDBFiles)
    executor.prewarm()
    spare = files._spare
    assert spare is not None
    opened = spare.result(timeout=10)
    assert executor.scalar(Guard(SCHEMA).check("SELECT count(*) FROM t")) == 5
    assert files._idle == [opened] and files._spare is None  # the query used it and gave it back
    executor.prewarm()  # one is open already: nothing more to do
    assert files._spare is None


def test_prewarm_creates_no_file_and_hides_no_error(tmp_path: Path) -> None:
    missing = Executor(tmp_path / "nowhere.duckdb", temp_dir=tmp_path / "spill")
    missing.prewarm()
    assert missing._transport._spare is None and not (tmp_path / "nowhere.duckdb").exists()  # type: ignore[attr-defined]
    path = tmp_path / "written.duckdb"
    writer = duckdb.connect(str(path))  # a writer in this process: a read-only open must fail, and say so
    writer.execute("CREATE TABLE t AS SELECT 1 AS x")
    try:
        ex = Executor(path, temp_dir=tmp_path / "spill")
        ex.prewarm()
        with pytest.raises(DatabaseUnavailable, match="already open with other settings"):
            ex.run(Guard(SCHEMA).check("SELECT x FROM t"))
        ex.dispose()
    finally:
        writer.close()


def test_dispose_closes_a_prewarmed_connection(executor: Executor) -> None:
    files = executor._transport
    assert isinstance(files, DuckDBFiles)
    executor.prewarm()
    spare = files._spare
    assert spare is not None
    executor.dispose()
    raw = spare.result(timeout=10)
    deadline = time.monotonic() + 10  # the future's callbacks run just after its waiters wake
    while not _closed(raw) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _closed(raw)
    assert executor.scalar(Guard(SCHEMA).check("SELECT 3")) == 3


def _closed(raw: duckdb.DuckDBPyConnection) -> bool:
    try:
        raw.execute("SELECT 1")
    except duckdb.ConnectionException:
        return True
    return False
