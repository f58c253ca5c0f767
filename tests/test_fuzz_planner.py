"""Anything typed gets a well-formed answer: the rule planner and Pipeline.ask under random text.

Hypothesis throws random unicode (CJK, right-to-left scripts, emoji, combining marks; no lone
surrogates, which no surface can deliver), control characters and NUL bytes, long repetitive
strings, and mixes of the layer's and the planner's own words at (1) the rule planner and (2)
Pipeline.ask on the demo database. Each must return a Plan / an Answer of an allowed kind with
text where text is due, raise nothing, and finish within a generous time per example.
Crashes the fuzzer found are kept below as explicit examples.
"""

from __future__ import annotations

import datetime as dt
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.core.text import question_lang
from assistant.explain.answer import Answer, Status
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.planner import RulePlanner
from assistant.plan.trace import cues
from assistant.plan.types import Plan, PlanContext, PlanKind, Session
from tests.conftest import EVAL_END

PLAN_KINDS = set(typing.get_args(PlanKind))
STATUSES = set(typing.get_args(Status))
PER_EXAMPLE = dt.timedelta(seconds=30)  # "it finishes": a long question plans in well under a second now

# The planner's own words: structure, trace cues, ids the layer's patterns read.
STRUCTURE = [*lx.TIME_WORDS, *lx.RANKING_WORDS, *lx.STOPWORDS_ZH, *sorted(lx.THRESHOLD_OPS), *sorted(lx.DESC_WORDS),
             *cues.phrases(cues.STRONG), *cues.phrases(cues.WHICH), *cues.phrases(cues.RELATION),
             "LOT-20251103-001", "B20251104-SZ-L1", "SZ-L1", "CC-0001", "WO-1234", "80%", "3%到6%之间", "前5",
             "last month", "上个月", "2025年11月", "Q4 2025", "'s", "没", "不", "except", "together", "分别"]
unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)  # every plane, controls and NUL too
scripts = st.text(st.sampled_from("宁波苏州重庆的报废率产量比最高前哪各按每مرحباשלום😀🏭\u0301\u0327\u200d\u202e\x00\x07\t\n "),
                  max_size=60)
repeated = st.builds(lambda unit, n: unit * n, st.text(min_size=1, max_size=6) | st.sampled_from(
    ["OEE > ", "比", "7", "a", "[", "宁波3号线", "last month ", "which ", "all the ", "不"]), st.integers(50, 1500))


@pytest.fixture(scope="module")
def words(pipeline) -> list[str]:
    """Every surface form the layer and the catalogue give the planner, and its structure words."""
    planner = RulePlanner()
    ctx = _context(pipeline, "OEE")
    return sorted(planner.vocabulary(ctx).forms)[:5000] + STRUCTURE


def _context(pipeline, question: str) -> PlanContext:
    return PlanContext(layer=pipeline.layer, as_of=EVAL_END, session=Session(), lang=question_lang(question),
                       values=pipeline.values)


def _mixed(words: list[str]) -> st.SearchStrategy[str]:
    """Real words run together, with random separators and now and then random text between."""
    piece = st.sampled_from(words) | unicode_text
    return st.builds(lambda parts, sep: sep.join(parts), st.lists(piece, max_size=25),
                     st.sampled_from([" ", "", ", ", "\n", "的", " and ", "、"]))


def _questions(words: list[str]) -> st.SearchStrategy[str]:
    return unicode_text | scripts | repeated | _mixed(words)


def _well_formed(plan: Plan) -> None:
    assert isinstance(plan, Plan) and plan.kind in PLAN_KINDS, plan
    assert isinstance(plan.message, str)
    if plan.kind in ("clarify", "refuse"):
        assert plan.message.strip(), plan
    if plan.kind == "query":
        assert plan.query is not None
    if plan.kind == "sql":
        assert plan.sql and plan.sql.strip()
    if plan.kind == "trace":
        assert plan.trace is not None and plan.trace.start_node


HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
# Always tried, whatever the random draw: text no surface filters out before the planner.
ODD = ["", "\x00", "\x00OEE\x00 by plant", "\u202eOEE\u202c", "\u0301", "😀" * 500, "\ufeffOEE", "OEE\r\nby\tplant",
       "宁波\u200d3号线", "لماذا OEE", "Q4 2025 " * 300, "' s's' s" * 200, "LOT-" * 2000, "[" * 3000]


@settings(max_examples=150, deadline=PER_EXAMPLE, suppress_health_check=HEALTH)
@given(data=st.data())
def test_the_rule_planner_plans_anything(pipeline, words, data) -> None:
    question = data.draw(st.sampled_from(ODD) | _questions(words), label="question")
    _well_formed(RulePlanner().plan(question, _context(pipeline, question)))


@settings(max_examples=40, deadline=PER_EXAMPLE, suppress_health_check=HEALTH)
@given(data=st.data())
def test_pipeline_ask_answers_anything(pipeline, words, data) -> None:
    question = data.draw(st.sampled_from(ODD) | _questions(words), label="question")
    _answered(pipeline.ask(question, session=pipeline.new_session(), as_of=EVAL_END))


@settings(max_examples=15, deadline=PER_EXAMPLE * 3, suppress_health_check=HEALTH)
@given(data=st.data())
def test_random_follow_ups_in_a_conversation_are_answered(pipeline, words, data) -> None:
    """After a real question (an answer, a question back or a trace), random text, then an option's reply."""
    session = pipeline.new_session()
    first = data.draw(st.sampled_from(["OEE by plant last month", "上个月各工厂的报废率", "how is Ningbo doing?",
                                       "which customers got lot LOT-20251103-001", "line 3 OEE"]), label="first")
    _answered(pipeline.ask(first, session=session, as_of=EVAL_END))
    _answered(pipeline.ask(data.draw(_questions(words), label="then"), session=session, as_of=EVAL_END))
    reply = data.draw(st.sampled_from(["1", "2", "all", "全部", "and last year?", "按产线呢"]), label="reply")
    _answered(pipeline.ask(reply, session=session, as_of=EVAL_END))


def _answered(answer: Answer) -> None:
    assert isinstance(answer, Answer) and answer.status in STATUSES, answer
    assert isinstance(answer.message, str) and answer.message.strip(), answer
