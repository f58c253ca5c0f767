"""What the assistant adds beside the database: per stage, at scales 1, 10 and 100 of the demo factory (issue 17).

    .venv/bin/python benchmarks/overhead.py                          # scales 1, 10 and 100
    .venv/bin/python benchmarks/overhead.py --scales 1,10 --json out.json
    .venv/bin/python benchmarks/overhead.py --scales 1 --compare out.json
    .venv/bin/python benchmarks/overhead.py --db my.duckdb           # an existing DuckDB file
    .venv/bin/python benchmarks/overhead.py --compare benchmarks/overhead-baseline.json   # vs the README's run
    .venv/bin/python benchmarks/overhead.py --scales 100 --summaries both   # with and without summary tables
    .venv/bin/python benchmarks/overhead.py --scales 10 --postgres postgresql+psycopg://user@host/db

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
  assistant side  total - the floor's statements' time inside the database driver's own calls
              (execute and fetchmany) in the same run, per answer: the same floor, its time taken
              from the answer's own run instead of a second one. Each figure has its noise:
              `overhead` also holds the difference between two runs of the same SQL (a why or a
              trace runs 100-500 ms of SQL, whose run-to-run spread on a shared 2-core machine is
              tens of ms, so its p95 is mostly that spread); `assistant side` does not, but a way
              of running SQL that made the database itself slower would show only in `overhead`
              (compare "floor's DB time in the run" with "bare SQL"). DuckDB files only.
  GC pauses   the cyclic garbage collector's pauses inside the timed answer (gc.callbacks), whatever
              stage they fell in: part of the overhead, shown because they are its tail.
Medians and p95 (nearest rank) are over every timed answer (questions x rounds).
Cold start: `factory-assistant ask "..."` in a new process, wall time to exit, for an English and
a Chinese question (the Chinese one loads the jieba dictionary).
`--summaries off` measures with the layer's summary tables switched off (setting `summaries`);
`both` measures each scale twice ("100" and "100 facts"). `--postgres URL` copies each scale into
that PostgreSQL database (`copy_to_postgres`: the layer's summaries and indexes are built there
too; the copy's time is reported) and measures it there, the floor run bare through psycopg
("10 pg"). The code is split: overhead_measure.py (timers, one database), overhead_report.py
(cold CLI, machine, tables).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_data import scaled_db, scaled_path
from overhead_measure import QUESTIONS, load_questions, measure
from overhead_report import _load, cold_cli, machine, print_compare, print_table


def _targets(args: argparse.Namespace) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, database, facts about how it was made) per measured database."""
    if args.db:
        return [("db", args.db, {})]
    out: list[tuple[str, str, dict[str, Any]]] = []
    for scale in (int(s) for s in args.scales.split(",") if s.strip()):
        t0 = time.perf_counter()
        cached = scaled_path(scale).exists()
        path = scaled_db(scale)
        made: dict[str, Any] = {"generate_s": None if cached else time.perf_counter() - t0}
        if not args.postgres:
            out.append((str(scale), str(path), made))
            continue
        from semantic_layer.demo.generator import copy_to_postgres

        print(f"copying scale {scale} into PostgreSQL (summaries and indexes included) ...", flush=True)
        t0 = time.perf_counter()
        copy_to_postgres(path, args.postgres, progress=False)
        out.append((f"{scale} pg", args.postgres, {**made, "copy_to_postgres_s": time.perf_counter() - t0}))
    return out


def _measure_child(db: str, args: argparse.Namespace, summaries: bool) -> dict[str, Any] | None:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            db,
            "--out",
            str(out),
            "--rounds",
            str(args.rounds),
            "--questions",
            str(args.questions),
            "--summaries",
            "on" if summaries else "off",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        print(child.stderr[-3000:], file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10,100", help="comma-separated scales of the demo factory")
    parser.add_argument("--db", help="measure this DuckDB file or database URL instead (reported as scale 'db')")
    parser.add_argument("--postgres", help="copy each scale into this PostgreSQL URL and measure it there")
    parser.add_argument(
        "--summaries",
        choices=("on", "off", "both"),
        default="on",
        help="use the layer's summary tables (both: measure each database twice)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds after the first pass")
    parser.add_argument("--cold-runs", type=int, default=3, help="CLI cold starts per question (0: skip)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--compare", type=Path, help="an earlier --json file: print the change")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one database, in a child process
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        result = measure(args.measure, args.rounds, args.questions, summaries=args.summaries != "off")
        assert args.out is not None
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return 0

    as_of, _items = load_questions(args.questions)
    modes = {"on": [True], "off": [False], "both": [True, False]}[args.summaries]
    result: dict[str, Any] = {"machine": machine(), "scales": {}}
    for name, db, made in _targets(args):
        for summaries in modes:
            label = name if summaries or len(modes) == 1 else f"{name} facts"
            print(f"measuring {label} ({Path(db).name if '://' not in db else db.split('@')[-1]}) ...", flush=True)
            scale_result = _measure_child(db, args, summaries)
            if scale_result is None:
                return 1
            scale_result.update(made, summaries=summaries)
            if args.cold_runs:
                scale_result["cli_cold"] = cold_cli(db, as_of, args.cold_runs, summaries=summaries)
            result["scales"][label] = scale_result
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
