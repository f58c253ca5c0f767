"""Spark beside DuckDB on the benchmark questions (issue 17 point 4), at scale 10 by default.

    .venv/bin/python benchmarks/spark.py                        # scale 10, 3 rounds
    .venv/bin/python benchmarks/spark.py --scale 1 --rounds 5 --json spark.json
    .venv/bin/python benchmarks/spark.py --db my.duckdb         # an existing DuckDB file

The demo factory at that scale (bench_data.scaled_db, generated once) is exported to Parquet once
(.cache/bench/parquet-<file name>/) and read by Spark in local mode (`spark+local://`, all cores).
Every question of benchmarks/questions.yaml is planned once; its statements are those an answer
runs: a metric's compiled query, a why-question's query and measure sums, every statement of a
trace's walk (collected by walking on each engine). Each statement is compiled for the engine's
dialect and checked by the guard once, outside the timing. Then, per round, each question's
statements run one after the other:
  duckdb   bare, on a plain read-only DuckDB connection (the same floor as benchmarks/overhead.py)
  spark    through SparkExecutor.run: Spark's job, the row and byte caps and the fetch to Python
Medians and p95 (nearest rank) are over the rounds per question and over all samples. The Spark
session start, the Parquet export and the first round (the JVM's warm-up) are reported apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import yaml
from bench_data import scaled_db

from assistant.core.settings import Settings
from assistant.core.text import question_lang
from assistant.pipeline import Pipeline
from assistant.plan.types import Plan, PlanContext, Session, Turn
from assistant.sql.compiler import Compiler
from assistant.sql.executor import Executor
from assistant.sql.parquet_export import export_parquet
from assistant.sql.spark_executor import SparkExecutor
from assistant.sql.trace.walk import run_trace
from semantic_layer.loader import load_layer

QUESTIONS = ROOT / "benchmarks" / "questions.yaml"


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def spread(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "p95": pct(values, 95)} if values else {}


def plan_all(pipe: Pipeline, items: list[dict[str, Any]], as_of: dt.date) -> dict[str, Plan]:
    """Every question planned by the rule planner, a follow-up after its earlier turns."""
    out: dict[str, Plan] = {}
    for item in items:
        session = Session()
        for question in [*item.get("context", []), item["question"]]:
            session.lang = question_lang(question)
            ctx = PlanContext(
                layer=pipe.layer, as_of=as_of, session=session, lang=session.lang, values=pipe.values, dialect="duckdb"
            )
            plan = pipe.planners["rules"].plan(question, ctx)
            session.turns.append(Turn(question, plan, "ok" if plan.kind in ("query", "why", "trace") else plan.kind))
        out[item["id"]] = plan
    return out


def statements(pipe: Pipeline, plan: Plan, lang: str) -> list[Any]:
    """The checked statements an answer to `plan` runs on `pipe`'s database, in its dialect."""
    if plan.kind == "trace":
        seen: list[Any] = []

        def run(sql: Any, /, *, limit: int | None = None) -> Any:
            checked = pipe.check(sql, limit=limit)
            seen.append(checked)
            return pipe.executor.run(checked)

        assert plan.trace is not None
        run_trace(pipe.layer, run, plan.trace, lang)
        return seen
    assert plan.query is not None
    compiler = Compiler(pipe.layer, dialect=pipe.executor.dialect)
    trees = [compiler.compile(plan.query).tree]
    if plan.kind == "why":
        trees.append(compiler.compile_measures(plan.query).tree)
    return [pipe.check(tree) for tree in trees]


def timed(run: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    run()
    return (time.perf_counter() - t0) * 1000


def parquet_for(db: Path, layer: Any) -> tuple[Path, float | None]:
    folder = db.parent / f"parquet-{db.stem}"
    if (folder / "production_records.parquet").exists():
        return folder, None
    report = export_parquet(db, folder, layer.physical_schema())
    return folder, report.seconds


def measure(db: Path, rounds: int) -> dict[str, Any]:
    import duckdb

    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    as_of, items = data["as_of"], data["questions"]
    layer = load_layer()
    folder, export_s = parquet_for(db, layer)
    settings = Settings(as_of=as_of, timeout_s=600, max_rows=5000)
    duck = Pipeline(layer, Executor(str(db), timeout_s=600), settings=settings, index_dir=db.parent / "index-spark")
    t0 = time.perf_counter()
    spark_exec = SparkExecutor(f"spark+local://{folder}", timeout_s=600)
    _ = spark_exec.session
    start_s = time.perf_counter() - t0
    spark = Pipeline(layer, spark_exec, settings=settings, index_dir=db.parent / "index-spark")
    bare = duckdb.connect(str(db), read_only=True)
    plans = plan_all(duck, items, as_of)
    work: dict[str, dict[str, list[Any]]] = {}
    for item in items:
        lang = question_lang(item["question"])
        work[item["id"]] = {
            "duckdb": statements(duck, plans[item["id"]], lang),
            "spark": statements(spark, plans[item["id"]], lang),
        }
    engines: dict[str, Callable[[Any], Any]] = {
        "duckdb": lambda c: bare.execute(c.sql).fetchall(),
        "spark": spark_exec.run,
    }
    samples: dict[str, dict[str, list[float]]] = {i["id"]: {"duckdb": [], "spark": []} for i in items}
    first: dict[str, list[float]] = {"duckdb": [], "spark": []}
    for round_no in range(rounds + 1):  # round 0 warms the JVM and the file caches
        for item in items:
            for engine, run in engines.items():
                ms = timed(lambda checks=work[item["id"]][engine], run=run: [run(c) for c in checks])
                (first[engine] if round_no == 0 else samples[item["id"]][engine]).append(ms)
        print(f"  round {round_no}/{rounds} done", flush=True)
    bare.close()
    duck.close()
    spark.close()
    per_question = [
        {
            "id": i["id"],
            "kind": i["kind"],
            "statements": len(work[i["id"]]["spark"]),
            "duckdb": spread(samples[i["id"]]["duckdb"]),
            "spark": spread(samples[i["id"]]["spark"]),
        }
        for i in items
    ]
    every = {e: [x for s in samples.values() for x in s[e]] for e in engines}
    by_kind = {
        k: {e: spread([x for i in items if i["kind"] == k for x in samples[i["id"]][e]]) for e in engines}
        for k in sorted({i["kind"] for i in items})
    }
    return {
        "db": str(db),
        "parquet": str(folder),
        "parquet_export_s": export_s,
        "spark_start_s": start_s,
        "rounds": rounds,
        "questions": len(items),
        "first_round": {e: spread(v) for e, v in first.items()},
        "all": {e: spread(v) for e, v in every.items()},
        "by_kind": by_kind,
        "per_question": per_question,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }


def print_table(result: dict[str, Any]) -> None:
    def cell(d: dict[str, float]) -> str:
        return f"{d['median']:9.1f} {d['p95']:9.1f}" if d else " " * 19

    print(
        f"\n{result['db']} ({result['questions']} questions, {result['rounds']} rounds; "
        f"Spark session start {result['spark_start_s']:.1f} s)"
    )
    print(f"{'question':34} {'kind':6} {'stmts':>5} | {'duckdb ms':>9} {'p95':>9} | {'spark ms':>9} {'p95':>9}")
    for q in result["per_question"]:
        print(f"{q['id'][:34]:34} {q['kind']:6} {q['statements']:5} | {cell(q['duckdb'])} | {cell(q['spark'])}")
    for kind, row in result["by_kind"].items():
        print(f"{'all ' + kind:34} {'':6} {'':5} | {cell(row['duckdb'])} | {cell(row['spark'])}")
    print(f"{'all questions':34} {'':6} {'':5} | {cell(result['all']['duckdb'])} | {cell(result['all']['spark'])}")
    print(
        f"{'first round (warm-up)':34} {'':6} {'':5} | {cell(result['first_round']['duckdb'])} | "
        f"{cell(result['first_round']['spark'])}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--db", help="an existing DuckDB file instead of the generated demo factory")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    db = scaled_db(args.scale, args.db)
    if not db.is_file():
        parser.error(f"{db} is not a DuckDB file")
    result = measure(db, args.rounds)
    result["scale"] = None if args.db else args.scale
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
        print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
