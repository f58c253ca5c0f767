"""Long questions are planned in time in proportion to their length, without freezing other threads.

Pipeline.ask refuses questions over max_question_chars (2,000 by default), but the planner must
not lean on that cap (it can be raised, and other callers plan directly). The bounds below are
generous on purpose: the point is that planning finishes and a second thread keeps running.
Before the planner was made linear, 20,000 digits took 47 s, all of it inside one regex that
held the GIL; a 100 KB question took minutes. benchmarks/long_question.py prints the figures.
"""

from __future__ import annotations

import threading
import time

import pytest

from assistant.core.text import question_lang
from assistant.plan.rules.planner import RulePlanner
from assistant.plan.types import PlanContext, Session
from tests.conftest import EVAL_END

FINISHES_S = 60.0  # now 0.1-10 s on a laptop, depending on the text
STALL_S = 5.0  # now about 0.2 s, the cyclic garbage collector's longest pass


def _plan(pipeline, question: str):  # the rule planner as Pipeline.ask calls it, without the length cap
    ctx = PlanContext(layer=pipeline.layer, as_of=EVAL_END, session=Session(), lang=question_lang(question),
                      values=pipeline.values)
    return RulePlanner().plan(question, ctx)


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


@pytest.mark.parametrize("unit, size", [
    ("7", 100_000),  # one run of digits: a threshold regex read it to its end from every digit
    ("a", 100_000),  # one long word: the possessive regex did the same from every letter
    ("OEE > ", 100_000),
    ("What was the OEE by plant last month, excluding Ningbo, for lines below 80%? ", 100_000),
    ("which customers got lot LOT-20251103-001 ", 100_000),
    ("比", 50_000),
    ("上个月各工厂的报废率是多少，不包括宁波，低于80%的产线？", 50_000),
    ("宁波3号线", 50_000),
])
def test_tens_of_thousands_of_characters_are_planned(pipeline, unit: str, size: int) -> None:
    started = time.perf_counter()
    plan = _plan(pipeline, _repeat(unit, size))
    assert time.perf_counter() - started < FINISHES_S
    assert plan.kind in ("query", "trace", "clarify", "refuse") and (plan.kind in ("query", "trace") or plan.message)


def test_a_second_thread_keeps_running_while_a_long_question_is_planned(pipeline) -> None:
    stop, longest = threading.Event(), [0.0]

    def heartbeat() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            longest[0] = max(longest[0], now - last)
            last = now

    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    try:
        _plan(pipeline, _repeat("7", 50_000))  # 50,000 digits: minutes in one regex before
    finally:
        stop.set()
        beat.join()
    assert longest[0] < STALL_S


def test_a_question_said_five_hundred_times_reads_as_said_twice(pipeline) -> None:
    """Not a timing: repetition past the second time changes nothing the planner reads."""
    sentence = "What was the OEE by plant last month? "
    twice, many = _plan(pipeline, sentence * 2), _plan(pipeline, sentence * 500)
    assert twice.kind == many.kind == "query" and twice.query is not None and many.query is not None
    assert (many.query.metrics, many.query.dimensions, many.query.filters, many.query.time_grain) == \
        (twice.query.metrics, twice.query.dimensions, twice.query.filters, twice.query.time_grain)
    assert twice.query.time_range is not None and many.query.time_range is not None
    # the dates, not the label: it lists every mention
    assert (many.query.time_range.start, many.query.time_range.end) == \
        (twice.query.time_range.start, twice.query.time_range.end)


@pytest.mark.parametrize("question", ["比" * 20_000, "a" * 20_000, "OEE of SZ-L9-M99" + "x" * 5_000,
                                      "which operator" + "z" * 5_000 + " had the most scrap"])
def test_a_long_unknown_word_is_quoted_cut_not_whole(pipeline, question: str) -> None:
    plan = _plan(pipeline, question)
    assert plan.kind in ("clarify", "refuse") and "…" in plan.message and len(plan.message) < 1_000
