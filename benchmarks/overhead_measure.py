"""The measuring half of benchmarks/overhead.py: stage timers on a pipeline, one database in a
process of its own, the floor run bare (DuckDB, or PostgreSQL with --postgres). See overhead.py."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import math
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from bench_data import END

if TYPE_CHECKING:
    from assistant.explain.answer import Answer
    from assistant.pipeline import Pipeline
    from assistant.plan.types import Session

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "benchmarks" / "questions.yaml"
STAGES = ("retrieval", "planning", "compile", "guard", "execute", "freshness", "answer")
SUMMARY = ("total", "bare_sql", "overhead_ms", "overhead_ratio")
OPAQUE = {"freshness"}  # statements inside these count to them, not to guard/execute


# ---------------------------------------------------------------------- figures
def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 150 answers is the 143rd smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def spread(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "p95": pct(values, 0.95), "max": max(values), "n": len(values)}


# ---------------------------------------------------------------------- questions
def load_questions(path: Path = QUESTIONS) -> tuple[dt.date, list[dict[str, Any]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    as_of = data.get("as_of", END)
    return (as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))), data["questions"]


def prepared_session(pipe: Pipeline, item: dict[str, Any]) -> Session:
    """A new session holding a follow-up's earlier turns (asked here, untimed)."""
    session = pipe.new_session()
    for earlier in item.get("context", []):
        pipe.ask(earlier, session=session)
    return session


# ---------------------------------------------------------------------- stage timers
class Stages:
    """Exclusive time per stage, from wrappers set on the pipeline's objects (instances only)."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = defaultdict(float)
        self.stack: list[list[Any]] = []
        self.statements: list[tuple[str, bool]] = []  # (SQL as run, run for freshness)
        self.db_ms: list[float] = []  # per statement: time inside the driver's execute/fetch calls
        self.db_clock = 0.0  # running total of that time, advanced by _DriverClock
        self.timed_driver = False  # the transport lets the driver's calls be timed (a DuckDB file)
        self.gc_ms = 0.0
        self._gc_start = 0.0
        self._wrapped: list[tuple[Any, str]] = []

    def reset(self) -> None:
        self.ms = defaultdict(float)
        self.stack.clear()
        self.statements = []
        self.db_ms = []
        self.gc_ms = 0.0  # garbage collection pauses while the answer was timed (any stage)
        self._gc_start = 0.0

    def on_gc(self, phase: str, _info: dict[str, Any]) -> None:
        """gc.callbacks hook: adds each collection's pause to gc_ms."""
        if phase == "start":
            self._gc_start = time.perf_counter()
        elif self._gc_start:
            self.gc_ms += (time.perf_counter() - self._gc_start) * 1000
            self._gc_start = 0.0

    def wrap(self, obj: Any, name: str, stage: str, *, record: bool = False) -> None:
        inner = getattr(obj, name)

        @functools.wraps(inner)
        def timed(*args: Any, **kwargs: Any) -> Any:
            nested = any(frame[0] in OPAQUE for frame in self.stack)
            if record:
                self.statements.append((args[0].sql, nested))
                self.db_ms.append(0.0)
                return self._recorded(inner, stage, nested, len(self.db_ms) - 1, *args, **kwargs)
            if nested:
                return inner(*args, **kwargs)
            frame: list[Any] = [stage, 0.0]
            self.stack.append(frame)
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                elapsed = (time.perf_counter() - t0) * 1000
                self.stack.pop()
                self.ms[stage] += elapsed - frame[1]
                if self.stack:
                    self.stack[-1][1] += elapsed

        setattr(obj, name, timed)
        self._wrapped.append((obj, name))

    def _recorded(self, inner: Any, stage: str, nested: bool, at: int, *args: Any, **kwargs: Any) -> Any:
        """A recorded statement: timed as its stage, and its driver time kept in db_ms[at]."""
        clock = self.db_clock
        try:
            if nested:
                return inner(*args, **kwargs)
            frame: list[Any] = [stage, 0.0]
            self.stack.append(frame)
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                elapsed = (time.perf_counter() - t0) * 1000
                self.stack.pop()
                self.ms[stage] += elapsed - frame[1]
                if self.stack:
                    self.stack[-1][1] += elapsed
        finally:
            self.db_ms[at] = self.db_clock - clock

    def time_driver(self, executor: Any) -> None:
        """Time the database driver's own calls (execute, fetchmany) under the executor: a DuckDB
        file's transport hands each statement's connection to `_fetch`, which gets a timing proxy."""
        transport = getattr(executor, "_transport", None)
        inner = getattr(transport, "_fetch", None)
        if inner is None:
            return

        def fetch(raw: Any, sql: str, limits: Any, deadline: Any) -> Any:
            return inner(_DriverClock(raw, self), sql, limits, deadline)

        transport._fetch = fetch  # type: ignore[union-attr]
        self._wrapped.append((transport, "_fetch"))
        self.timed_driver = True

    def unwrap(self) -> None:
        """Take every timer off (the class's own methods show through again)."""
        for obj, name in reversed(self._wrapped):
            delattr(obj, name)
        self._wrapped.clear()

    def instrument(self, pipe: Pipeline) -> None:
        for planner in pipe.planners.values():
            self.wrap(planner, "plan", "planning")
        self.wrap(pipe, "_retrieve", "retrieval")  # the hook handed to planners as PlanContext.retrieve
        self.wrap(pipe.compiler, "compile", "compile")
        if hasattr(pipe.compiler, "compile_measures"):
            self.wrap(pipe.compiler, "compile_measures", "compile")
        self.wrap(pipe, "run_trace", "compile")
        self.wrap(pipe.guard, "check", "guard")
        self.wrap(pipe.executor, "run", "execute", record=True)
        self.wrap(pipe, "freshness", "freshness")
        self.time_driver(pipe.executor)


class _DriverClock:
    """A DuckDB connection whose execute and fetchmany add their time to Stages.db_clock; the rest
    (description, extract_statements: the executor's own check) passes through untimed."""

    def __init__(self, raw: Any, stages: Stages) -> None:
        self._raw = raw
        self._stages = stages

    def execute(self, sql: str) -> Any:
        t0 = time.perf_counter()
        try:
            return self._raw.execute(sql)
        finally:
            self._stages.db_clock += (time.perf_counter() - t0) * 1000

    def fetchmany(self, n: int) -> Any:
        t0 = time.perf_counter()
        try:
            return self._raw.fetchmany(n)
        finally:
            self._stages.db_clock += (time.perf_counter() - t0) * 1000

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def floor_statements(answer: Answer, plan_kind: str, statements: list[tuple[str, bool]]) -> list[str]:
    """The statements the answer is made of (see the module docstring), each once."""
    own = [sql for sql, fresh in statements if not fresh]
    if plan_kind == "trace":
        return own
    shown = (
        {q["sql"] for q in answer.extras.get("queries", [])}
        if plan_kind == "why"
        else {answer.sql}
        if answer.sql
        else set()
    )
    return list(dict.fromkeys(sql for sql in own if sql in shown))


# ---------------------------------------------------------------------- one scale, in its own process
def bare_connection(db: str) -> Any:
    """A plain connection for the floor: DuckDB read-only, or PostgreSQL by psycopg (autocommit, so
    no transaction is held open between statements)."""
    if "://" in db and db.split("://", 1)[0].split("+", 1)[0] in ("postgresql", "postgres"):
        import psycopg

        from semantic_layer.demo.generator.postgres import normalize_url

        return psycopg.connect(normalize_url(db), autocommit=True)
    import duckdb

    return duckdb.connect(db, read_only=True)


class Bench:
    """One database: the pipeline built and warmed as the app builds it, stage timers on, a bare connection."""

    def __init__(self, db: str, questions_path: Path = QUESTIONS, *, summaries: bool = True) -> None:
        from assistant.core.settings import Settings
        from assistant.pipeline import Pipeline
        from assistant.sql.executor import Executor
        from assistant.understand.retrieval.documents import layer_documents, open_index
        from semantic_layer.loader import load_layer

        as_of, self.items = load_questions(questions_path)
        index_dir = Path(tempfile.mkdtemp(prefix="fa-overhead-index-"))
        self.info: dict[str, Any] = {"db": str(db), "questions": len(self.items)}
        t0 = time.perf_counter()
        layer = load_layer()
        self.pipe = Pipeline(
            layer, Executor(db), settings=Settings(as_of=as_of, summaries=summaries), index_dir=index_dir
        )
        self.info["pipeline_build_ms"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        values = self.pipe.values
        self.info["catalogue_build_ms"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        from assistant.understand.retrieval import embedder

        embedder.get_model()  # imports sentence-transformers and loads the model: paid once per process
        self.info["embedding_model_load_ms"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        self.pipe.warm_index()
        self.info["index_build_ms"] = (time.perf_counter() - t0) * 1000
        self.info["index_docs"] = len(layer_documents(layer, values))
        t0 = time.perf_counter()
        open_index(layer, values, index_dir, progress=False)
        self.info["index_open_ms"] = (time.perf_counter() - t0) * 1000

        from assistant.core.heap import freeze_warmed_up

        freeze_warmed_up()  # as the app and the API server do once they have warmed up
        self.stages = Stages()
        self.stages.instrument(self.pipe)
        self.bare = bare_connection(db)  # DuckDB: after the executor's, so the same instance and settings
        self.info["rows"] = {
            t: self.bare.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in ("production_records", "downtime_events", "finished_batches")
        }

    def one(self, item: dict[str, Any]) -> dict[str, Any]:
        """Ask one question (a follow-up after its earlier turns), then run its floor bare."""
        session = prepared_session(self.pipe, item)
        self.stages.reset()
        gc.callbacks.append(self.stages.on_gc)
        t0 = time.perf_counter()
        try:
            answer = self.pipe.ask(item["question"], session=session)
        finally:
            total = (time.perf_counter() - t0) * 1000
            gc.callbacks.remove(self.stages.on_gc)
        plan_kind = session.turns[-1].plan.kind
        floor = floor_statements(answer, plan_kind, self.stages.statements)
        t0 = time.perf_counter()
        for sql in floor:
            self.bare.execute(sql).fetchall()
        bare_ms = (time.perf_counter() - t0) * 1000
        first = {}  # the floor's statements as this answer ran them: the first run of each
        for (sql, fresh), db in zip(self.stages.statements, self.stages.db_ms, strict=True):
            if not fresh:
                first.setdefault(sql, db)
        in_run = sum(first[sql] for sql in floor) if self.stages.timed_driver else None
        ms = {s: self.stages.ms.get(s, 0.0) for s in STAGES if s != "answer"}
        ms["answer"] = max(0.0, total - sum(ms.values()))
        return {
            "id": item["id"],
            "status": answer.status,
            "plan_kind": plan_kind,
            "total": total,
            "stages": ms,
            "bare_sql": bare_ms,
            "db_in_run": in_run,
            "floor_statements": len(floor),
            "statements": len(self.stages.statements),
            "gc_ms": self.stages.gc_ms,
        }

    def close(self) -> None:
        self.bare.close()
        self.pipe.close()


def measure(db: str, rounds: int, questions_path: Path, *, summaries: bool = True) -> dict[str, Any]:
    bench = Bench(db, questions_path, summaries=summaries)
    items, pipe, one = bench.items, bench.pipe, bench.one
    out = {**bench.info, "rounds": rounds}
    first = [one(item) for item in items]
    samples: list[dict[str, Any]] = []
    for _ in range(rounds):
        samples += [one(item) for item in items]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tracemalloc.start()
    py_peaks = []
    for item in items:
        session = prepared_session(pipe, item)
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        pipe.ask(item["question"], session=session)
        py_peaks.append((tracemalloc.get_traced_memory()[1] - base) / 2**20)
    tracemalloc.stop()
    bench.close()

    out["first_pass_total"] = spread([s["total"] for s in first])
    out["stages"] = {s: spread([x["stages"][s] for x in samples]) for s in STAGES}
    out["total"] = spread([x["total"] for x in samples])
    out["bare_sql"] = spread([x["bare_sql"] for x in samples])
    out["overhead_ms"] = spread([x["total"] - x["bare_sql"] for x in samples])
    out["overhead_ratio"] = spread([x["total"] / max(x["bare_sql"], 1e-3) for x in samples])
    kinds = sorted({x["plan_kind"] for x in samples})
    out["overhead_by_kind"] = {
        kind: spread([x["total"] - x["bare_sql"] for x in samples if x["plan_kind"] == kind]) for kind in kinds
    }
    out["gc_pause"] = spread([x["gc_ms"] for x in samples])
    if all(x["db_in_run"] is not None for x in samples):  # see overhead.py, "assistant side"
        out["db_in_run"] = spread([x["db_in_run"] for x in samples])
        out["assistant_side_ms"] = spread([x["total"] - x["db_in_run"] for x in samples])
        out["assistant_side_by_kind"] = {
            kind: spread([x["total"] - x["db_in_run"] for x in samples if x["plan_kind"] == kind]) for kind in kinds
        }
    out["py_peak_per_answer_mb"] = spread(py_peaks)
    out["statuses"] = dict(Counter(f"{x['plan_kind']}:{x['status']}" for x in first))
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for x in samples:
        by_id[x["id"]].append(x)
    out["per_question"] = [
        {
            "id": qid,
            "plan_kind": xs[0]["plan_kind"],
            "status": xs[0]["status"],
            "total": statistics.median(x["total"] for x in xs),
            "bare_sql": statistics.median(x["bare_sql"] for x in xs),
            "overhead_ms": statistics.median(x["total"] - x["bare_sql"] for x in xs),
            "assistant_side_ms": (statistics.median(x["total"] - x["db_in_run"] for x in xs)
                                  if xs[0]["db_in_run"] is not None else None),
            "statements": xs[0]["statements"],
            "gc_ms": statistics.median(x["gc_ms"] for x in xs),
            "floor_statements": xs[0]["floor_statements"],
            "stages": {s: statistics.median(x["stages"][s] for x in xs) for s in STAGES},
        }
        for qid, xs in by_id.items()
    ]
    return out
