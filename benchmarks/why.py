"""How long "why did it change?" takes, and how many queries it runs (prints figures; not a test).

    .venv/bin/python benchmarks/why.py [--db PATH] [--rounds 3]

Each question is asked `rounds` times on one warm pipeline (the member catalogue built once);
reports the median time per question and the statements it ran (every one compiled, guarded
and executed on its own).
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
from bench_data import bench_db

QUESTIONS = [
    "Why did Ningbo's OEE drop last week?",
    "what drove the scrap increase in November?",
    "为什么上个月宁波的报废率上升了?",
    "explain the change in energy per unit at Chongqing",
    "Why did availability of Suzhou Line 2 fall in December?",
    "Why did defect ppm at Ningbo rise in November?",
    "Why did energy per unit rise this quarter?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from assistant.core.settings import Settings
    from assistant.pipeline import Pipeline
    from assistant.sql.executor import Executor
    from semantic_layer.loader import load_layer

    pipe = Pipeline(load_layer(), Executor(str(bench_db(args.db))), settings=Settings(as_of=dt.date(2025, 12, 31)))
    _ = pipe.values
    print(f"{'median s':>9} {'queries':>8}  question")
    for question in QUESTIONS:
        times, queries = [], 0
        for _round in range(args.rounds):
            t0 = time.perf_counter()
            answer = pipe.ask(question)
            times.append(time.perf_counter() - t0)
            queries = len(answer.extras.get("queries", []))
        print(f"{statistics.median(times):9.2f} {queries:8d}  {question}")
    pipe.close()


if __name__ == "__main__":
    main()
