"""What the executor's bounds cost and save (issue 12, point 4); prints figures, asserts nothing.

    .venv/bin/python benchmarks/executor_bounds.py [--pg URL] [--attack] [--clients 30]

Each scenario runs in a fresh process, so its peak RSS is its own (with --pg, the big-row and
attack scenarios also run on PostgreSQL):
  big rows, capped     20,000 rows of 100 KB text (2 GB) under the default 50 MB byte cap
  big rows, no cap     the same with the byte cap lifted (what the cap saves)
  attack 40 x 100 MB   the review's query (with --attack: needs ~5 GB of memory and ~15 s)
  spill past bound     a GROUP BY that needs more than 64 MB of memory + 16 MB of disk
  busy under load      `clients` slow queries at once on pool_size 2, queue_timeout_s 0.5
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCHEMA = {"t": {"x": "INTEGER"}}
BIG_ROWS = "SELECT i, lpad('x', 100000, 'x') AS s FROM range(20000) t(i)"
ATTACK = "SELECT i, lpad('x', 100000000, 'x') AS s FROM range(40) t(i)"
SPILL = ("SELECT count(*), sum(n) FROM (SELECT i % 1000000 AS k, count(*) AS n, list(i) AS l "
         "FROM range(4000000) t(i) GROUP BY 1)")
SLOW = "SELECT count(*) FROM range(3000) a(i), range(30000) b(j) WHERE a.i + b.j = 7"
PG_BIG_ROWS = "SELECT i, lpad('x', 100000, 'x') AS s FROM generate_series(1, 20000) AS g(i)"
PG_ATTACK = "SELECT i, lpad('x', 100000000, 'x') AS s FROM generate_series(1, 40) AS g(i)"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _database(folder: Path) -> Path:
    import duckdb

    path = folder / "bench.duckdb"
    if not path.exists():
        con = duckdb.connect(str(path))
        con.execute("CREATE TABLE t AS SELECT range AS x FROM range(10)")
        con.close()
    return path


def _one_query(url: str, sql: str, dialect: str, **bounds: Any) -> dict[str, Any]:
    from assistant.sql.executor import Executor
    from assistant.sql.guard import Guard

    ex = Executor(url, **bounds)
    checked = Guard(SCHEMA, dialect=dialect, max_rows=bounds.get("max_rows", 5000)).check(sql)
    ex.scalar(Guard(SCHEMA, dialect=dialect).check("SELECT 1"))  # connect first: time the query only
    before = _peak_mb()
    start = time.perf_counter()
    try:
        result = ex.run(checked)
        outcome = f"{len(result.rows)} rows, {result.nbytes / 1e6:.0f} MB, cut: {result.truncated_reason}"
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {str(exc)[:90]}"
    elapsed = time.perf_counter() - start
    ex.dispose()
    return {"outcome": outcome, "elapsed_s": round(elapsed, 2), "peak_rss_mb": round(_peak_mb()),
            "rss_before_mb": round(before)}


def _busy_under_load(url: str, clients: int) -> dict[str, Any]:
    from assistant.core.errors import ServiceBusy
    from assistant.sql.executor import Executor
    from assistant.sql.guard import Guard

    ex = Executor(url, pool_size=2, queue_timeout_s=0.5, timeout_s=60)
    checked = Guard(SCHEMA).check(SLOW)
    gate = threading.Barrier(clients)
    busy: list[float] = []
    answered: list[float] = []
    other: list[str] = []

    def ask(_: int) -> None:
        gate.wait()
        start = time.perf_counter()
        try:
            ex.scalar(checked)
            answered.append(time.perf_counter() - start)
        except ServiceBusy:
            busy.append(time.perf_counter() - start)
        except Exception as exc:
            other.append(type(exc).__name__)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(ask, range(clients)))
    ex.dispose()
    return {"answers": len(answered), "busy": len(busy), "other errors": other,
            "time to ServiceBusy (median / max s)": f"{statistics.median(busy):.2f} / {max(busy):.2f}" if busy else "-",
            "time to answer (max s)": round(max(answered), 2) if answered else "-"}


def run_scenario(name: str, folder: Path, pg: str | None, clients: int) -> dict[str, Any]:
    db = str(_database(folder))
    spill = folder / "spill"
    if name == "big rows, capped":
        return _one_query(db, BIG_ROWS, "duckdb", max_rows=20000, temp_dir=spill)
    if name == "big rows, no cap":
        return _one_query(db, BIG_ROWS, "duckdb", max_rows=20000, max_result_bytes=10**12, temp_dir=spill)
    if name == "attack 40 x 100 MB":
        return _one_query(db, ATTACK, "duckdb", temp_dir=spill)
    if name == "spill past bound":
        return _one_query(db, SPILL, "duckdb", memory_limit="64MB", max_temp_size="16MB", timeout_s=60,
                          temp_dir=spill)
    if name == "busy under load":
        return _busy_under_load(db, clients)
    if name == "pg big rows, capped" and pg:
        return _one_query(pg, PG_BIG_ROWS, "postgres", max_rows=20000)
    if name == "pg big rows, no cap" and pg:
        return _one_query(pg, PG_BIG_ROWS, "postgres", max_rows=20000, max_result_bytes=10**12)
    if name == "pg attack 40 x 100 MB" and pg:
        return _one_query(pg, PG_ATTACK, "postgres")
    raise SystemExit(f"unknown scenario {name!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="a PostgreSQL URL (postgresql+psycopg://...) for the PostgreSQL rows")
    parser.add_argument("--attack", action="store_true", help="also run the review's 40 x 100 MB query")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)  # one scenario, in this process
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(run_scenario(args.scenario, Path(args.folder), args.pg, args.clients)))
        return
    names = ["big rows, capped", "big rows, no cap"] + (["attack 40 x 100 MB"] if args.attack else [])
    names += ["spill past bound", "busy under load"]
    names += ["pg big rows, capped", "pg big rows, no cap"] if args.pg else []
    names += ["pg attack 40 x 100 MB"] if args.pg and args.attack else []
    with tempfile.TemporaryDirectory(prefix="fa-bounds-") as folder:
        for name in names:
            command = [sys.executable, __file__, "--scenario", name, "--folder", folder,
                       "--clients", str(args.clients)] + (["--pg", args.pg] if args.pg else [])
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            figures = json.loads(done.stdout) if done.returncode == 0 else {"failed": done.stderr[-300:]}
            print(f"{name:22s} " + "  ".join(f"{k}: {v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
