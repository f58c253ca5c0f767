"""Question-to-answer latency of the offline pipeline (prints figures; not a test).

    .venv/bin/python benchmarks/latency.py [--db PATH] [--rounds 3]

Warm: every development-set question (no follow-ups) asked `rounds` times on one pipeline;
reports median / p95 of total time and of planning alone. Cold: the CLI answering one
question in a fresh process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench_data import bench_db


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    db = bench_db(args.db)

    from assistant.core.settings import Settings
    from assistant.pipeline import Pipeline
    from assistant.sql.executor import Executor
    from semantic_layer.loader import load_layer

    items = yaml.safe_load((ROOT / "eval" / "dev.yaml").read_text(encoding="utf-8"))["items"]
    questions = [i["question"] for i in items if not i.get("context")]
    t0 = time.perf_counter()
    pipe = Pipeline(load_layer(), Executor(str(db)), settings=Settings(as_of=dt.date(2025, 12, 31)))
    pipe.ask(questions[0])
    first = (time.perf_counter() - t0) * 1000
    total: list[float] = []
    plan: list[float] = []
    for _ in range(args.rounds):
        for q in questions:
            answer = pipe.ask(q)
            total.append(answer.timings_ms.get("total", 0.0))
            plan.append(answer.timings_ms.get("plan", 0.0))
    print(f"database: {db}")
    print(f"first answer after construction (catalogue + vocabulary build): {first:.0f} ms")
    print(f"warm, {len(total)} answers: total median {statistics.median(total):.1f} ms, p95 {pct(total, 0.95):.1f} ms")
    print(f"warm planning alone: median {statistics.median(plan):.2f} ms, p95 {pct(plan, 0.95):.2f} ms")

    exe = ROOT / ".venv" / "bin" / "factory-assistant"
    for label, question in (("answer", "OEE by plant last month"), ("refusal", "what's the weather tomorrow?"),
                            ("Chinese", "上个月各工厂的报废率")):
        cmd = [str(exe) if exe.exists() else "factory-assistant", "ask", question, "--json",
               "--db", str(db), "--as-of", "2025-12-31"]
        colds = []
        # As installed: Python keeps compiled bytecode. With PYTHONDONTWRITEBYTECODE set (some shells
        # and CI images do) every start recompiles the whole package, ~0.4 s that no user pays.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run(cmd, capture_output=True, env=env)  # writes the bytecode once
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, env=env)
            colds.append(time.perf_counter() - t0)
        print(f"cold CLI, one question ({label}): median {statistics.median(colds):.2f} s "
              f"(runs: {', '.join(f'{c:.2f}' for c in colds)})")


if __name__ == "__main__":
    main()
