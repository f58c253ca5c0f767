"""What the assistant adds beside the database: per stage, at scales 1, 10 and 100 of the demo factory (issue 17).

    .venv/bin/python benchmarks/overhead.py                          # scales 1, 10 and 100
    .venv/bin/python benchmarks/overhead.py --scales 1,10 --json out.json
    .venv/bin/python benchmarks/overhead.py --scales 1 --compare out.json
    .venv/bin/python benchmarks/overhead.py --db my.duckdb           # an existing DuckDB file
    .venv/bin/python benchmarks/overhead.py --compare benchmarks/overhead-baseline.json   # vs the README's run

Each scale is generated once and cached under .cache/bench/ (bench_data.scaled_db) and measured in a
fresh Python process of its own, so peak memory and the index build are that scale's alone. In it:
the pipeline is built as the app builds it (member catalogue; the embedding model loaded; the
retrieval index built in an empty folder: "index build"; then opened again: "index open"), every
question of benchmarks/questions.yaml is asked once ("first pass": empty freshness cache, chart
modules not yet imported), then `--rounds` more times. Follow-ups are asked after their earlier
turns in a new session; only the last turn is timed. After every timed answer the SQL the answer is
made of is run again, bare, on a plain DuckDB connection to the same database (the same database
instance, so the same caches, threads and memory limit): the floor. That SQL is the answer's own
statement (a metric), every statement of the walk (a trace) or every statement the explanation lists
(a why-question); freshness look-ups and the comparison with the period before are the assistant's
own work and count as overhead.

Stages are timed from the outside, by wrapping the pipeline's public methods and hooks on the
instance (nothing in the pipeline changes), each stage counting its own time only:
  retrieval   the retrieval hook the planner calls (PlanContext.retrieve)
  planning    the planner's plan() less the retrieval inside it
  compile     Compiler.compile/compile_measures; for traces also the walk's statement building
              and level stitching (Pipeline.run_trace less its guard and execute)
  guard       Guard.check (parse, validate, qualify, limit)
  execute     Executor.run: every statement of the answer, comparison included, through
              SQLAlchemy with the read-only and time-limit machinery
  freshness   Pipeline.freshness (its guarded statements included; cached for 5 minutes)
  answer      the rest of the wall time: sentences, chart, comparison wording, the why
              decomposition between its queries, session bookkeeping
  total       wall time of Pipeline.ask for the measured turn
  overhead    total - bare SQL, per answer; ratio = total / bare SQL
Medians and p95 (nearest rank) are over every timed answer (questions x rounds).
Cold start: `factory-assistant ask "..."` in a new process, wall time to exit, for an English and
a Chinese question (the Chinese one loads the jieba dictionary).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_data import END, scaled_db, scaled_path

if TYPE_CHECKING:
    from assistant.explain.answer import Answer
    from assistant.pipeline import Pipeline
    from assistant.plan.types import Session

QUESTIONS = ROOT / "benchmarks" / "questions.yaml"
STAGES = ("retrieval", "planning", "compile", "guard", "execute", "freshness", "answer")
SUMMARY = ("total", "bare_sql", "overhead_ms", "overhead_ratio")
COLD_QUESTIONS = (("en", "OEE by plant last month"), ("zh", "上个月各工厂的报废率"))
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
        self._wrapped: list[tuple[Any, str]] = []

    def reset(self) -> None:
        self.ms = defaultdict(float)
        self.stack.clear()
        self.statements = []

    def wrap(self, obj: Any, name: str, stage: str, *, record: bool = False) -> None:
        inner = getattr(obj, name)

        @functools.wraps(inner)
        def timed(*args: Any, **kwargs: Any) -> Any:
            nested = any(frame[0] in OPAQUE for frame in self.stack)
            if record:
                self.statements.append((args[0].sql, nested))
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


def floor_statements(answer: Answer, plan_kind: str, statements: list[tuple[str, bool]]) -> list[str]:
    """The statements the answer is made of (see the module docstring), each once."""
    own = [sql for sql, fresh in statements if not fresh]
    if plan_kind == "trace":
        return own
    shown = ({q["sql"] for q in answer.extras.get("queries", [])} if plan_kind == "why"
             else {answer.sql} if answer.sql else set())
    return list(dict.fromkeys(sql for sql in own if sql in shown))


# ---------------------------------------------------------------------- one scale, in its own process
class Bench:
    """One database: the pipeline built and warmed as the app builds it, stage timers on, a bare connection."""

    def __init__(self, db: Path, questions_path: Path = QUESTIONS) -> None:
        import duckdb

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
        self.pipe = Pipeline(layer, Executor(str(db)), settings=Settings(as_of=as_of), index_dir=index_dir)
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

        self.stages = Stages()
        self.stages.instrument(self.pipe)
        self.bare = duckdb.connect(str(db), read_only=True)  # after the executor's: the same instance and settings
        self.info["rows"] = {t: self.bare.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                             for t in ("production_records", "downtime_events", "finished_batches")}

    def one(self, item: dict[str, Any]) -> dict[str, Any]:
        """Ask one question (a follow-up after its earlier turns), then run its floor bare."""
        session = prepared_session(self.pipe, item)
        self.stages.reset()
        t0 = time.perf_counter()
        answer = self.pipe.ask(item["question"], session=session)
        total = (time.perf_counter() - t0) * 1000
        plan_kind = session.turns[-1].plan.kind
        floor = floor_statements(answer, plan_kind, self.stages.statements)
        t0 = time.perf_counter()
        for sql in floor:
            self.bare.execute(sql).fetchall()
        bare_ms = (time.perf_counter() - t0) * 1000
        ms = {s: self.stages.ms.get(s, 0.0) for s in STAGES if s != "answer"}
        ms["answer"] = max(0.0, total - sum(ms.values()))
        return {"id": item["id"], "status": answer.status, "plan_kind": plan_kind, "total": total, "stages": ms,
                "bare_sql": bare_ms, "floor_statements": len(floor), "statements": len(self.stages.statements)}

    def close(self) -> None:
        self.bare.close()
        self.pipe.close()


def measure(db: Path, rounds: int, questions_path: Path) -> dict[str, Any]:
    bench = Bench(db, questions_path)
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
    out["overhead_by_kind"] = {kind: spread([x["total"] - x["bare_sql"] for x in samples if x["plan_kind"] == kind])
                               for kind in sorted({x["plan_kind"] for x in samples})}
    out["py_peak_per_answer_mb"] = spread(py_peaks)
    out["statuses"] = dict(Counter(f"{x['plan_kind']}:{x['status']}" for x in first))
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for x in samples:
        by_id[x["id"]].append(x)
    out["per_question"] = [
        {"id": qid, "plan_kind": xs[0]["plan_kind"], "status": xs[0]["status"],
         "total": statistics.median(x["total"] for x in xs),
         "bare_sql": statistics.median(x["bare_sql"] for x in xs),
         "overhead_ms": statistics.median(x["total"] - x["bare_sql"] for x in xs),
         "statements": xs[0]["statements"], "floor_statements": xs[0]["floor_statements"],
         "stages": {s: statistics.median(x["stages"][s] for x in xs) for s in STAGES}}
        for qid, xs in by_id.items()]
    return out


# ---------------------------------------------------------------------- the CLI, cold
def cold_cli(db: Path, as_of: dt.date, runs: int) -> dict[str, Any]:
    exe = ROOT / ".venv" / "bin" / "factory-assistant"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FA_")}
    env["FA_PLANNER"] = "rules"
    out: dict[str, Any] = {}
    for lang, question in COLD_QUESTIONS:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            done = subprocess.run([str(exe) if exe.exists() else "factory-assistant", "ask", question, "--db", str(db),
                                   "--as-of", as_of.isoformat()], capture_output=True, env=env, check=False)
            times.append(time.perf_counter() - t0)
            if done.returncode != 0:
                raise SystemExit(f"factory-assistant ask failed: {done.stderr.decode()[-500:]}")
        out[lang] = {"question": question, "median_s": statistics.median(times), "max_s": max(times),
                     "runs_s": times}
    return out


# ---------------------------------------------------------------------- machine
def machine() -> dict[str, Any]:
    import duckdb
    import sqlglot

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    return {"nproc": len(os.sched_getaffinity(0)), "ram_gb": round(mem_kb / 2**20, 1), "cpu": cpu,
            "python": platform.python_version(), "duckdb": duckdb.__version__, "sqlglot": sqlglot.__version__,
            "commit": commit, "load_before": _load(), "date": dt.datetime.now().isoformat(timespec="seconds")}


def _load() -> str:
    """The 1/5/15-minute load average: other work on the machine skews every figure here."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# ---------------------------------------------------------------------- printing
def _cell(d: dict[str, float] | None, unit: str = "") -> str:
    if not d:
        return f"{'—':>19}"
    fmt = "{:.2f}" if unit == "x" or d["median"] < 10 else "{:.1f}" if d["median"] < 1000 else "{:.0f}"
    return f"{fmt.format(d['median']) + unit:>9} {fmt.format(d['p95']) + unit:>9}"


LABELS = {"retrieval": "retrieval", "planning": "planning", "compile": "compile", "guard": "guard",
          "execute": "execute (SQLAlchemy)", "freshness": "freshness", "answer": "sentences/chart",
          "total": "assistant total", "bare_sql": "bare SQL (floor)", "overhead_ms": "overhead ms",
          "overhead_ratio": "overhead ratio total/bare", "first_pass_total": "first pass total"}


KINDS = {"query": "metric answers", "why": "why-answers", "trace": "traces", "clarify": "clarifications"}


def print_table(result: dict[str, Any]) -> None:
    scales = result["scales"]
    names = list(scales)
    m = result["machine"]
    print(f"\nmachine: {m['nproc']} cores, {m['ram_gb']} GB RAM, {m['cpu']}; Python {m['python']}, "
          f"DuckDB {m['duckdb']}, sqlglot {m['sqlglot']}; commit {m['commit']}")
    first = scales[names[0]]
    print(f"{first['questions']} questions x {first['rounds']} timed rounds per scale, after a first pass "
          f"reported on its own; load average {m['load_before']} before, {m['load_after']} after\n")
    head = f"{'ms, median / p95':<28}" + "".join(f"{'scale ' + n:>20}" for n in names)
    print(head)
    print("-" * len(head))
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = []
    for s in STAGES:
        rows.append((LABELS[s], lambda r, s=s: _cell(r["stages"][s])))
    rows.append(("", lambda r: " " * 19))
    for s in SUMMARY:
        rows.append((LABELS[s], lambda r, s=s: _cell(r[s], "x" if s == "overhead_ratio" else "")))
    rows.append((LABELS["first_pass_total"], lambda r: _cell(r["first_pass_total"])))
    for kind, label in KINDS.items():
        if not any(kind in r.get("overhead_by_kind", {}) for r in scales.values()):
            continue
        rows.append((f"overhead ms, {label}", lambda r, kind=kind: _cell(r.get("overhead_by_kind", {}).get(kind))))
    for label, fn in rows:
        print(f"{label:<28}" + "".join(f" {fn(scales[n])}" for n in names))
    print("-" * len(head))

    def line(label: str, fn: Callable[[dict[str, Any]], str]) -> None:
        print(f"{label:<28}" + "".join(f"{fn(scales[n]):>20}" for n in names))

    line("production records", lambda r: f"{r['rows']['production_records']:,}")
    line("generated in (s)", lambda r: "cached" if r.get("generate_s") is None else f"{r['generate_s']:.0f}")
    line("member catalogue build ms", lambda r: f"{r['catalogue_build_ms']:.0f}")
    line("embedding model load ms", lambda r: f"{r.get('embedding_model_load_ms', 0):.0f}")
    line("index build ms (docs)", lambda r: f"{r['index_build_ms']:.0f} ({r['index_docs']})")
    line("index open, cached ms", lambda r: f"{r['index_open_ms']:.0f}")
    line("peak RSS MB", lambda r: f"{r['peak_rss_mb']:.0f}")
    line("py alloc/answer MB med/max", lambda r: f"{r['py_peak_per_answer_mb']['median']:.1f} / "
                                                 f"{r['py_peak_per_answer_mb']['max']:.1f}")
    for lang, _q in COLD_QUESTIONS:
        line(f"CLI cold start s ({lang}) med/max",
             lambda r, lang=lang: (f"{r['cli_cold'][lang]['median_s']:.2f} / {r['cli_cold'][lang]['max_s']:.2f}"
                                   if r.get("cli_cold") else "—"))
    line("answers not ok (first pass)", lambda r: ", ".join(f"{n} {k}" for k, n in r["statuses"].items()
                                                          if not k.endswith(":ok")) or "none")
    for n in names:
        slow = sorted(scales[n]["per_question"], key=lambda q: -q["overhead_ms"])[:5]
        print(f"\nscale {n}, largest overhead (median ms: total / bare SQL / overhead, statements run):")
        for q in slow:
            print(f"  {q['id']:<32} {q['plan_kind']:<6} {q['total']:8.1f} {q['bare_sql']:8.1f} "
                  f"{q['overhead_ms']:8.1f}  {q['statements']:>3}")


def print_compare(old: dict[str, Any], new: dict[str, Any]) -> None:
    print(f"\nchange against {old['machine'].get('commit', '?')} ({old['machine'].get('date', '?')}); load average "
          f"then {old['machine'].get('load_before', '?')}, now {new['machine'].get('load_before', '?')} "
          "(on a shared machine, a change within the noise of two runs of the same code is no change):")
    for n, now in new["scales"].items():
        was = old["scales"].get(n)
        if was is None:
            print(f"  scale {n}: not in the old run")
            continue
        print(f"  scale {n}{'':<18}{'old':>10}{'new':>10}{'change':>10}")
        pairs = [(f"{LABELS[k]} {q}", was[k][q], now[k][q]) for k in SUMMARY for q in ("median", "p95")]
        pairs += [(f"{LABELS[s]} median", was["stages"][s]["median"], now["stages"][s]["median"]) for s in STAGES]
        pairs += [("index build ms", was["index_build_ms"], now["index_build_ms"]),
                  ("peak RSS MB", was["peak_rss_mb"], now["peak_rss_mb"])]
        for lang, _q in COLD_QUESTIONS:
            if was.get("cli_cold") and now.get("cli_cold"):
                pairs.append((f"CLI cold start s ({lang})", was["cli_cold"][lang]["median_s"],
                              now["cli_cold"][lang]["median_s"]))
        for label, a, b in pairs:
            change = f"{(b - a) / a * 100:+.0f}%" if a else "—"
            print(f"    {label:<36}{a:>10.2f}{b:>10.2f}{change:>10}")


# ---------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10,100", help="comma-separated scales of the demo factory")
    parser.add_argument("--db", help="measure this DuckDB file instead (reported as scale 'db')")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds after the first pass")
    parser.add_argument("--cold-runs", type=int, default=3, help="CLI cold starts per question (0: skip)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--compare", type=Path, help="an earlier --json file: print the change")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one database, in a child process
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        result = measure(Path(args.measure), args.rounds, args.questions)
        assert args.out is not None
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return 0

    as_of, _items = load_questions(args.questions)
    targets: list[tuple[str, Path, float | None]] = []
    if args.db:
        targets.append(("db", Path(args.db), None))
    else:
        for scale in (int(s) for s in args.scales.split(",") if s.strip()):
            t0 = time.perf_counter()
            cached = scaled_path(scale).exists()
            path = scaled_db(scale)
            targets.append((str(scale), path, None if cached else time.perf_counter() - t0))
    result: dict[str, Any] = {"machine": machine(), "scales": {}}
    for name, path, generated in targets:
        print(f"measuring scale {name} ({path.name}) ...", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = Path(handle.name)
        child = subprocess.run([sys.executable, __file__, "--measure", str(path), "--out", str(out),
                                "--rounds", str(args.rounds), "--questions", str(args.questions)],
                               capture_output=True, text=True, check=False)
        if child.returncode != 0:
            print(child.stderr[-3000:], file=sys.stderr)
            return 1
        scale_result = json.loads(out.read_text(encoding="utf-8"))
        out.unlink()
        scale_result["generate_s"] = generated
        if args.cold_runs:
            scale_result["cli_cold"] = cold_cli(path, as_of, args.cold_runs)
        result["scales"][name] = scale_result
    result["machine"]["load_after"] = _load()
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"\nwritten: {args.json}")
    if args.compare:
        print_compare(json.loads(args.compare.read_text(encoding="utf-8")), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
