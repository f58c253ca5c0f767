"""Benchmark: traceability answers on a large demo factory (target: under 2 s on DuckDB).

    .venv/bin/python benchmarks/trace_bench.py                 # scale 100 (generates once, then reuses)
    .venv/bin/python benchmarks/trace_bench.py --scale 10      # quicker
    .venv/bin/python benchmarks/trace_bench.py --db path.duckdb

It finds the planted story-1 lot (the conditional aluminium lot from the story supplier in
the last 60 days, read through the semantic layer, not hard-coded) and the complaint on one
of its batches, then times forward, backward and two-way traces, and the full answers for
three questions (routing included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_data import END, scaled_db

from assistant.core.calendar import TimeRange
from assistant.core.text import question_lang
from assistant.pipeline import Pipeline
from assistant.plan.trace.detect import detect_trace
from assistant.plan.types import (
    PlanContext,
    Session,
    TraceRequest,
)
from assistant.sql.executor import Executor
from semantic_layer.loader import load_layer


def database(scale: int, given: str | None) -> Path:
    return scaled_db(scale, given)


def story_ids(pipeline: Pipeline) -> tuple[str, str]:
    """The planted lot and its complaint, found with a trace (no table names here either)."""
    values = pipeline.values
    supplier = next(m.key for m in values.lookup("Hengtai Metals"))
    window = TimeRange(start=END - dt.timedelta(days=59), end=END)
    lots = pipeline.run_trace(TraceRequest("lot", start_filters={"supplier": [supplier],
                                                                 "inspection_result": ["conditional"]},
                                            time_range=window, direction="forward", target_node="complaint"),
                              lang="en")
    lot_level = lots.level("lot")
    complaint_level = lots.level("complaint")
    if lot_level is None or not lot_level.ids or complaint_level is None or not complaint_level.ids:
        raise SystemExit("story 1 not found in this database")
    # The lot that reaches a complaint: trace each candidate (there are only a few).
    for lot in lot_level.ids:
        one = pipeline.run_trace(TraceRequest("lot", [lot], direction="forward", target_node="complaint"), lang="en")
        level = one.level("complaint")
        if level and level.ids:
            return lot, level.ids[0]
    raise SystemExit("no story lot reaches a complaint")


def timed(label: str, fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    best, median = min(runs), statistics.median(runs)
    print(f"  {label:<58} best {best * 1000:7.0f} ms   median {median * 1000:7.0f} ms")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--db", help="an existing DuckDB file (skips generation)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = database(args.scale, args.db)
    layer = load_layer()
    pipeline = Pipeline(layer, Executor(str(path), timeout_s=60))
    counts = {t: pipeline.run_sql(f"SELECT COUNT(*) FROM {t}").rows[0][0]
              for t in sorted({n.table for n in layer.spec.genealogy.nodes}
                              | {e.table for e in layer.spec.genealogy.edges})}
    print(f"database {path.name}: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    t0 = time.perf_counter()
    lot, complaint = story_ids(pipeline)
    print(f"story 1: lot {lot}, complaint {complaint} (found in {time.perf_counter() - t0:.2f} s)")
    forward = TraceRequest("lot", [lot], direction="forward", target_node="customer")
    backward = TraceRequest("complaint", [complaint], direction="backward", target_node="lot")
    both = TraceRequest("lot", [lot], direction="both")
    results = {
        "forward lot -> customers (run_trace)": timed("forward lot -> customers (run_trace)",
                                                      lambda: pipeline.run_trace(forward, lang="en"), args.repeat),
        "backward complaint -> lots (run_trace)": timed("backward complaint -> lots (run_trace)",
                                                        lambda: pipeline.run_trace(backward, lang="en"), args.repeat),
        "both ways from the lot (run_trace)": timed("both ways from the lot (run_trace)",
                                                    lambda: pipeline.run_trace(both, lang="en"), args.repeat),
    }
    ctx = PlanContext(layer=layer, as_of=END, session=Session(), lang="en", values=pipeline.values)
    questions = [f"which customers received batches made with lot {lot}",
                 f"这个客诉 {complaint} 的批次用了哪些供应商的料?",
                 "which customers got parts made from Hengtai's conditional aluminium lot?"]
    for q in questions:
        def ask(q: str = q) -> None:
            request = detect_trace(q, ctx)
            assert request is not None, q
            answer = pipeline.trace(request, question=q, lang=question_lang(q), planner="bench")
            assert answer.ok, answer.message
        results[q] = timed(f"answer: {q[:50]}", ask, args.repeat)
    answer = pipeline.trace(forward, question=questions[0], lang="en", planner="bench")
    print(f"  summary: {answer.message}")
    worst = max(results.values())
    verdict = "OK" if worst < 2.0 else "SLOW"
    print(f"slowest median {worst * 1000:.0f} ms (target < 2000 ms): {verdict}")
    pipeline.close()
    return 0 if worst < 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
