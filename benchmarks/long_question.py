"""Planning time of very long questions (prints figures; not a test).

    .venv/bin/python benchmarks/long_question.py [--db PATH] [--sizes 10,20,50,100] [--kinds en,zh,...]

Pipeline.ask refuses questions longer than max_question_chars (2,000 by default); this plans
questions of 10, 20, 50 and 100 thousand characters with the rule planner, as Pipeline.ask
would with the cap raised (`--ask`: through Pipeline.ask itself, cap 10**7, and print its total
too): real questions of the development set run together (English, Chinese, both alternating)
and repetitive adversarial text ('OEE > ' * n, '比' * n, one long run of digits or letters...).
For each it prints the planning time, the time per 10 thousand characters (flat when planning
is linear in the length), the longest stall of a second thread that only sleeps a millisecond at
a time (a regex holding the GIL over the whole question would show there) and what was planned.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench_data import bench_db

if TYPE_CHECKING:
    from assistant.pipeline import Pipeline

AS_OF = dt.date(2025, 12, 31)


def _dev_questions(lang: str) -> list[str]:
    """The development set's answerable metric questions: no refusals (their words would stop the
    planner at its first check) and no traces (their ids would make a trace of thousands of records)."""
    items = yaml.safe_load((ROOT / "eval" / "dev.yaml").read_text(encoding="utf-8"))["items"]
    return [i["question"] for i in items if i.get("lang") == lang and i.get("gold_sql") and not i.get("context")
            and not any("trace" in tag for tag in i.get("tags", []))]


def _cycle(pieces: list[str], sep: str) -> Callable[[int], str]:
    def make(n: int) -> str:
        out: list[str] = []
        size = 0
        for piece in itertools.cycle(pieces):
            if size >= n:
                break
            out.append(piece)
            size += len(piece) + len(sep)
        return sep.join(out)[:n]

    return make


def kinds() -> dict[str, Callable[[int], str]]:
    en, zh = _dev_questions("en"), _dev_questions("zh")
    return {
        "en": _cycle(en, " "),  # the development set's English questions, one after another
        "zh": _cycle(zh, ""),
        "mixed": _cycle([q for pair in zip(en, zh, strict=False) for q in pair], " "),
        "en-one": _cycle(["What was the OEE by plant last month, excluding Ningbo, for lines below 80%?"], " "),
        "zh-one": _cycle(["上个月各工厂的报废率是多少，不包括宁波，低于80%的产线？"], ""),
        "oee": _cycle(["OEE > "], ""),  # 'OEE > OEE > ...': a threshold word with no number, over and over
        "bi": _cycle(["比"], ""),  # '比比比...'
        "digits": _cycle(["7"], ""),  # one run of digits
        "word": _cycle(["a"], ""),  # one run of letters
        "lastmonth": _cycle(["last month"], " "),  # a period, thousands of times
        "ningbo": _cycle(["宁波3号线"], ""),  # a member's name, thousands of times
    }


class Heartbeat:
    """A thread that sleeps a millisecond at a time and records the longest gap between wake-ups."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._last = time.perf_counter()
        self.longest = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - self._last)
            self._last = now

    def __enter__(self) -> Heartbeat:
        self._last = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _plan(pipeline: Pipeline, question: str, ask: bool) -> tuple[float, float, str]:
    """(planning seconds, seconds in all, what came out)."""
    from assistant.core.text import question_lang
    from assistant.plan.types import PlanContext, Session

    t0 = time.perf_counter()
    if ask:
        answer = pipeline.ask(question, as_of=AS_OF)
        return answer.timings_ms.get("plan", float("nan")) / 1000, time.perf_counter() - t0, answer.status
    ctx = PlanContext(layer=pipeline.layer, as_of=AS_OF, session=Session(), lang=question_lang(question),
                      values=pipeline.values, dialect=pipeline.executor.dialect)
    plan = pipeline.planners["rules"].plan(question, ctx)
    took = time.perf_counter() - t0
    return took, took, plan.kind


def _rows(pipeline: Pipeline, names: list[str], sizes: list[int], ask: bool) -> Iterator[str]:
    makers = kinds()
    for name in names:
        for size in sizes:
            question = makers[name](size * 1000)
            with Heartbeat() as beat:
                plan_s, total, status = _plan(pipeline, question, ask)
            yield (f"{name:10} {size:>4}k {plan_s:9.2f} {plan_s / (size / 10):10.3f} {total:9.2f}"
                   f" {beat.longest * 1000:9.0f}  {status}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--sizes", default="10,20,50,100", help="thousands of characters")
    parser.add_argument("--kinds", default=",".join(kinds()), help="comma-separated names (see kinds())")
    parser.add_argument("--ask", action="store_true", help="through Pipeline.ask (runs what was planned too)")
    args = parser.parse_args()

    from assistant.core.settings import Settings
    from assistant.pipeline import Pipeline
    from assistant.sql.executor import Executor
    from semantic_layer.loader import load_layer

    settings = Settings.load(as_of=AS_OF, max_question_chars=10**7, planner="rules")
    pipeline = Pipeline(load_layer(), Executor(str(bench_db(args.db))), settings=settings)
    pipeline.ask("OEE by plant last month", as_of=AS_OF)  # warm: catalogue, vocabulary, imports
    sizes = [int(s) for s in args.sizes.split(",")]
    names = [k for k in args.kinds.split(",") if k]
    print(f"python {sys.version.split()[0]}, switch interval {sys.getswitchinterval() * 1000:.0f} ms")
    print(f"{'kind':10} {'size':>5} {'plan s':>9} {'s / 10k':>10} {'all s':>9} {'stall ms':>9}  planned")
    for row in _rows(pipeline, names, sizes, args.ask):
        print(row, flush=True)
    pipeline.close()


if __name__ == "__main__":
    main()
