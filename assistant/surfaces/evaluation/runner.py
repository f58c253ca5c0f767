"""Run a question set through the system under test and grade every answer.

Each item is a conversation: a fresh session, the context turns first (their answers are
ignored; they only set up the follow-up), then the question, whose latency is measured.
The gold SQL is executed by the harness on a read-only connection *before* the first
question, so the system under test can open the database however it likes afterwards.
The assistant's own SQL is never re-run: its answer already carries the rows it showed
the user, and those rows are what gets graded.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from assistant.core.settings import Settings
from assistant.core.text import shorten
from assistant.explain.answer import Answer, json_value
from assistant.surfaces.evaluation.compare import compare_results
from assistant.surfaces.evaluation.db import GoldConnection
from assistant.surfaces.evaluation.equivalence import (
    ValueEquivalence,
    default_equivalence_groups,
)
from assistant.surfaces.evaluation.gold import UNTRANSPILABLE, GoldResult, compute_gold
from assistant.surfaces.evaluation.questions import EvalItem, QuestionSet
from assistant.surfaces.evaluation.rowdiff import row_diff
from assistant.surfaces.evaluation.summary import add_tokens, summarise

MAX_ROWS_IN_RESULTS = 200  # rows of the assistant's answer kept per item in results.json
_MAX_MESSAGE = 300


@runtime_checkable
class Asker(Protocol):
    """The system under test. `name` is the planner: rules | llm | hybrid."""

    name: str

    def new_session(self) -> object: ...

    def ask(self, question: str, *, session: object, as_of: dt.date | None) -> Answer: ...


@dataclass
class ItemResult:
    id: str
    question: str
    lang: str
    tags: list[str]
    status: str
    correct: bool
    reason: str
    sql: str | None
    gold_sql: str | None
    columns: list[str]
    rows: list[list[Any]]
    gold_rows_count: int | None
    error: str | None
    latency_ms: float | None
    planner: str
    tokens: dict[str, int] | None  # token usage of the graded (final) ask
    expect: str | None = None
    context: list[str] = field(default_factory=list)
    as_of: str | None = None
    message: str = ""
    row_count: int = 0  # rows in the assistant's answer (rows above are capped)
    context_tokens: dict[str, int] | None = None  # token usage of the context turns
    context_errors: list[str] = field(default_factory=list)
    verdict: str = ""  # correct | wrong | gold_untranspilable
    reviewed: bool = True  # False: a draft (eval init) a person has not checked yet
    scored: bool = True  # counts in the accuracy figures: reviewed, and its gold could run here
    gold_sql_run: str | None = None  # the gold SQL as run, when transpiled into the database's dialect
    row_diff: dict[str, Any] | None = None  # a wrong answer's first differing rows (rowdiff.py)

    def to_json(self) -> dict[str, Any]:
        return json_value(asdict(self))


@dataclass
class EvalRun:
    summary: dict[str, Any]
    items: list[ItemResult]

    @property
    def accuracy(self) -> float:
        return float(self.summary["accuracy"] or 0.0)  # None: no item counts (all drafts)

    def to_json(self) -> dict[str, Any]:
        return {"summary": json_value(self.summary), "items": [i.to_json() for i in self.items]}


def _short(text: str | None) -> str:
    return shorten(text or "", _MAX_MESSAGE)


def _usage(answer: Answer | None) -> dict[str, int] | None:
    usage = getattr(getattr(answer, "provenance", None), "token_usage", None)
    return dict(usage) if usage else None


def grade(item: EvalItem, answer: Answer, gold: GoldResult | None,
          equivalences: ValueEquivalence | None) -> tuple[bool, str]:
    """(correct, reason) for one answer; status rules first, then the value comparison."""
    if item.expects_refusal:
        if answer.status == "refused":
            return True, "refused as expected"
        detail = f" with {len(answer.rows)} row(s)" if answer.status == "ok" else f": {_short(answer.message)}"
        return False, f"expected a refusal, got status '{answer.status}'{detail}"
    if item.expects_clarify:
        # No single reading is defensible: asking back is the answer; any data is a guess.
        if answer.status == "clarify":
            return True, "asked back as expected"
        detail = f" with {len(answer.rows)} row(s)" if answer.status == "ok" else f": {_short(answer.message)}"
        return False, f"expected a question back, got status '{answer.status}'{detail}"
    if gold is None or gold.error is not None:
        # A broken gold query is a bug in the question file; say so loudly.
        return False, f"gold SQL failed: {gold.error if gold else 'not executed'}"
    if answer.status == "refused":
        return False, f"refused an answerable question: {_short(answer.message)}"
    if answer.status == "clarify":
        return False, f"asked for clarification instead of answering: {_short(answer.message)}"
    if answer.status != "ok":
        return False, f"status '{answer.status}': {_short(answer.message)}"
    result = compare_results(gold.columns, gold.rows, answer.columns, answer.rows,
                             equivalences=equivalences, ordered_limit=gold.ordered_limit)
    reason = result.reason
    if not result.correct and answer.truncated:
        reason += " (the assistant's result was truncated)"
    return result.correct, reason


def _not_run(item: EvalItem, gold: GoldResult, planner: str, as_of: dt.date | None) -> ItemResult:
    """An item whose gold SQL cannot be put into the database's dialect: nothing to grade
    against, so the assistant is not asked and the item counts in no accuracy figure."""
    return ItemResult(
        id=item.id, question=item.question, lang=item.lang, tags=list(item.tags), status="not_run",
        correct=False, reason=f"gold SQL untranspilable: {gold.untranspilable}", sql=None, gold_sql=item.gold_sql,
        columns=[], rows=[], gold_rows_count=None, error=None, latency_ms=None, planner=planner, tokens=None,
        expect=item.expect, context=list(item.context), as_of=as_of.isoformat() if as_of else None,
        verdict=UNTRANSPILABLE, reviewed=item.reviewed, scored=False,
    )


def _why_rows(answer: Answer | None, gold: GoldResult | None, correct: bool,
              equivalences: ValueEquivalence | None) -> dict[str, Any] | None:
    """A wrong answer's first differing rows, when there are rows on both sides to line up."""
    if correct or answer is None or answer.status != "ok" or gold is None or gold.error is not None:
        return None
    diff = row_diff(gold.columns, gold.rows, answer.columns, answer.rows, equivalences)
    return diff.to_json() if diff is not None else None


def run_item(item: EvalItem, asker: Asker, as_of: dt.date | None, gold: GoldResult | None,
             equivalences: ValueEquivalence | None) -> ItemResult:
    """Ask one item as a conversation and grade the final answer."""
    if gold is not None and gold.untranspilable is not None:
        return _not_run(item, gold, asker.name, as_of)
    answer: Answer | None = None
    error: str | None = None
    latency: float | None = None
    context_tokens: dict[str, int] = {}
    context_errors: list[str] = []
    # A crash of the system under test is a wrong answer for this item, not the end of
    # the run: one broken question must not hide the accuracy of the other hundred.
    try:
        session = asker.new_session()
        for turn_no, turn in enumerate(item.context, start=1):
            try:
                add_tokens(context_tokens, _usage(asker.ask(turn, session=session, as_of=as_of)))
            except Exception as exc:
                context_errors.append(f"context turn {turn_no}: {type(exc).__name__}: {_short(str(exc))}")
        started = time.perf_counter()
        try:
            answer = asker.ask(item.question, session=session, as_of=as_of)
        finally:
            latency = round((time.perf_counter() - started) * 1000, 2)
    except Exception as exc:
        error = f"{type(exc).__name__}: {_short(str(exc))}"

    if answer is None:
        correct, reason, status = False, f"the assistant raised {error}", "error"
    else:
        correct, reason = grade(item, answer, gold, equivalences)
        status = answer.status
        if answer.status == "error":
            error = _short(answer.message)
    if gold is not None and gold.error is not None:
        error = f"gold SQL failed: {gold.error}"
    return ItemResult(
        id=item.id, question=item.question, lang=item.lang, tags=list(item.tags), status=status,
        correct=correct, reason=reason, sql=answer.sql if answer else None, gold_sql=item.gold_sql,
        columns=list(answer.columns) if answer else [],
        rows=[[json_value(v) for v in row] for row in (answer.rows[:MAX_ROWS_IN_RESULTS] if answer else [])],
        gold_rows_count=len(gold.rows) if gold is not None and gold.error is None else None,
        error=error, latency_ms=latency,
        planner=(answer.planner if answer is not None and answer.planner else asker.name),
        tokens=_usage(answer), expect=item.expect, context=list(item.context),
        as_of=as_of.isoformat() if as_of else None, message=_short(answer.message) if answer else "",
        row_count=len(answer.rows) if answer else 0, context_tokens=context_tokens or None,
        context_errors=context_errors, verdict="correct" if correct else "wrong", reviewed=item.reviewed,
        scored=item.reviewed, gold_sql_run=gold.sql if gold is not None and gold.sql != item.gold_sql else None,
        row_diff=_why_rows(answer, gold, correct, equivalences),
    )


def run_eval(
    questions: QuestionSet,
    asker: Asker,
    db: str | os.PathLike[str],
    *,
    as_of: dt.date | None = None,
    equivalences: ValueEquivalence | None = None,
    equivalence_groups: Sequence[tuple[str, Sequence[str]]] | None = None,
    on_item: Callable[[ItemResult], None] | None = None,
    settings: Settings | None = None,
) -> EvalRun:
    """Run every item of `questions` through `asker` and grade it against `db`.

    db: a DuckDB file or any SQLAlchemy URL; gold SQL is transpiled from the file's
    gold_dialect into its dialect when they differ.
    as_of: overrides the file's as_of (an item's own as_of still wins).
    equivalences: a ready ValueEquivalence; else one is built from `equivalence_groups`
    (from the semantic layer); None means the demo contract's groups whose tables exist,
    [] means no id/name equivalence at all.
    on_item: called after each item (progress display).
    settings: the system under test's settings (the database is opened with its limits);
    None: the defaults.
    """
    with GoldConnection(db, settings=settings) as con:
        gold = compute_gold(questions.items, con, questions.gold_dialect)
        if equivalences is None:
            groups = default_equivalence_groups() if equivalence_groups is None else equivalence_groups
            equivalences = ValueEquivalence.from_connection(con, groups, skip_missing=equivalence_groups is None)
        database, dialect = con.name, con.dialect
    results: list[ItemResult] = []
    for item in questions.items:
        result = run_item(item, asker, questions.effective_as_of(item, as_of),
                          gold.get(item.gold_sql) if item.gold_sql else None, equivalences)
        results.append(result)
        if on_item is not None:
            on_item(result)
    summary = summarise(results, questions=questions, planner=asker.name, as_of=as_of, database=database,
                        database_dialect=dialect)
    return EvalRun(summary=summary, items=results)
