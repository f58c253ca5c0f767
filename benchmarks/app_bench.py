"""How fast does the Streamlit app answer? Time to first answer after start, and per later answer.

    python benchmarks/app_bench.py [--db PATH] [--rounds N]

Two views, each in a fresh Python process so imports and caches start cold:
  app       AppTest runs app.py exactly as a browser session would (whole script per rerun,
            history re-rendered): start -> first screen, first screen -> first answer (the page
            is usable once its first run ended: "after the page opens"), later answers.
  pipeline  the cached Pipeline alone (what every rerun calls): build, first ask, later asks.
Without --db it uses $FA_DB, else builds the evaluation database (end 2025-12-31) once
under .cache/bench/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2025-12-31"
QUESTIONS = [
    "What was OEE by plant last month?",
    "and by shift?",
    "monthly scrap rate this year",
    "各工厂上个月的报废率是多少？",
    "total output last month",
    "Top 5 machines by unplanned downtime in the last 30 days",
]


def _database(arg: str | None) -> Path:
    if arg or os.environ.get("FA_DB"):
        return Path(arg or os.environ["FA_DB"])
    import datetime as dt

    sys.path.insert(0, str(ROOT))
    from semantic_layer.demo.generator import generate

    path = ROOT / ".cache" / "bench" / f"factory-{AS_OF}.duckdb"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"building the demo database at {path} (once)…", file=sys.stderr)
        generate(path, end_date=dt.date.fromisoformat(AS_OF), days=730, progress=False)
    return path


# ---------------------------------------------------------------------- measured in a child process
def _measure_app(rounds: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    first_screen = time.perf_counter() - t0
    times: list[float] = []
    statuses: list[str] = []
    for _ in range(rounds):
        for question in QUESTIONS:
            t1 = time.perf_counter()
            at.chat_input(key="chat_input").set_value(question).run()
            times.append(time.perf_counter() - t1)
            statuses.append(at.session_state["fa_history"][-1]["answer"].status)
            if at.exception:
                raise RuntimeError(at.exception[0].value)
        at.button(key="new_chat_main").click().run()
    return {"first_screen_s": first_screen, "page_to_answer_s": times[0], "first_answer_s": first_screen + times[0],
            "answer_s": times, "statuses": statuses}


def _measure_pipeline(rounds: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    from assistant.pipeline import Pipeline

    pipeline = Pipeline.from_settings()
    pipeline.values  # noqa: B018  (what the app warms under its loading spinner)
    pipeline.planners  # noqa: B018
    built = time.perf_counter() - t0
    times: list[float] = []
    for _ in range(rounds):
        session = pipeline.new_session()
        for question in QUESTIONS:
            t1 = time.perf_counter()
            pipeline.ask(question, session=session)
            times.append(time.perf_counter() - t1)
    return {"build_s": built, "first_answer_s": built + times[0], "answer_s": times}


def _child(kind: str, db: Path, rounds: int) -> dict[str, Any]:
    env = {**os.environ, "FA_DB": str(db), "FA_AS_OF": AS_OF, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--rounds", str(rounds)], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.0f} ms"


def _report(name: str, data: dict[str, Any]) -> None:
    later = data["answer_s"][1:] or data["answer_s"]
    print(f"\n[{name}]")
    for key, label in (("first_screen_s", "start to first screen"), ("build_s", "build + warm pipeline")):
        if key in data:
            print(f"  {label:<28}{_ms(data[key])}")
    if "page_to_answer_s" in data:
        print(f"  {'first screen to 1st answer':<28}{_ms(data['page_to_answer_s'])}   (after the page opens)")
    print(f"  {'time to first answer':<28}{_ms(data['first_answer_s'])}   (cold process, incl. imports)")
    print(f"  {'later answers, median':<28}{_ms(statistics.median(later))}")
    print(f"  {'later answers, p90':<28}{_ms(sorted(later)[int(0.9 * (len(later) - 1))])}")
    print(f"  {'later answers, max':<28}{_ms(max(later))}   ({len(later)} answers)")
    if "statuses" in data:
        print(f"  statuses: {', '.join(data['statuses'][:len(QUESTIONS)])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="DuckDB file (default: $FA_DB or the evaluation demo database)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question list")
    parser.add_argument("--child", choices=["app", "pipeline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        import logging

        logging.disable(logging.WARNING)  # keep the child's stdout a single JSON line
        data = _measure_app(args.rounds) if args.child == "app" else _measure_pipeline(args.rounds)
        print(json.dumps(data))
        return
    db = _database(args.db)
    print(f"database: {db}\nas of: {AS_OF}\nquestions per round: {len(QUESTIONS)}, rounds: {args.rounds}")
    _report("app (AppTest, whole script per answer)", _child("app", db, args.rounds))
    _report("pipeline (cached object only)", _child("pipeline", db, args.rounds))


if __name__ == "__main__":
    main()
