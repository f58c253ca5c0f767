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
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from assistant.core.errors import ExecutionError
from assistant.core.text import shorten
from assistant.explain.answer import Answer, json_value
from assistant.surfaces.evaluation.compare import compare_results, detect_order_limit
from assistant.surfaces.evaluation.db import GoldConnection
from assistant.surfaces.evaluation.equivalence import (
    ValueEquivalence,
    default_equivalence_groups,
)
from assistant.surfaces.evaluation.questions import EvalItem, QuestionSet

MAX_ROWS_IN_RESULTS = 200  # rows of the assistant's answer kept per item in results.json
_MAX_MESSAGE = 300


@runtime_checkable
class Asker(Protocol):
    """The system under test. `name` is the planner: rules | llm | hybrid."""

    name: str

    def new_session(self) -> object: ...

    def ask(self, question: str, *, session: object, as_of: dt.date | None) -> Answer: ...


@dataclass
class GoldResult:
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: str | None = None
    ordered_limit: int | None = None


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

    def to_json(self) -> dict[str, Any]:
        return json_value(asdict(self))


@dataclass
class EvalRun:
    summary: dict[str, Any]
    items: list[ItemResult]

    @property
    def accuracy(self) -> float:
        return float(self.summary["accuracy"])

    def to_json(self) -> dict[str, Any]:
        return {"summary": json_value(self.summary), "items": [i.to_json() for i in self.items]}


def _short(text: str | None) -> str:
    return shorten(text or "", _MAX_MESSAGE)


def _add_tokens(total: dict[str, int], usage: dict[str, int] | None) -> None:
    for key, value in (usage or {}).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + int(value)


def _usage(answer: Answer | None) -> dict[str, int] | None:
    usage = getattr(getattr(answer, "provenance", None), "token_usage", None)
    return dict(usage) if usage else None


def compute_gold(items: Iterable[EvalItem], con: GoldConnection) -> dict[str, GoldResult]:
    """Execute every distinct gold SQL once; failures are recorded, not raised."""
    results: dict[str, GoldResult] = {}
    for item in items:
        if item.gold_sql is None or item.gold_sql in results:
            continue
        try:
            cols, rows = con.query(item.gold_sql)
            results[item.gold_sql] = GoldResult(cols, rows, None, detect_order_limit(item.gold_sql))
        except ExecutionError as exc:
            results[item.gold_sql] = GoldResult(error=exc.message)
    return results


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


def run_item(item: EvalItem, asker: Asker, as_of: dt.date | None, gold: GoldResult | None,
             equivalences: ValueEquivalence | None) -> ItemResult:
    """Ask one item as a conversation and grade the final answer."""
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
                _add_tokens(context_tokens, _usage(asker.ask(turn, session=session, as_of=as_of)))
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
        context_errors=context_errors,
    )


def _percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo), 2)


def _accuracy_groups(pairs: Iterable[tuple[str, bool]]) -> dict[str, dict[str, Any]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, correct in pairs:
        counts[key][0] += 1
        counts[key][1] += int(correct)
    return {k: {"accuracy": round(c / n, 4), "correct": c, "n": n} for k, (n, c) in sorted(counts.items())}


def summarise(items: Sequence[ItemResult], *, questions: QuestionSet, planner: str,
              as_of: dt.date | None, database: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    total = len(items)
    correct = sum(i.correct for i in items)
    latencies = [i.latency_ms for i in items if i.latency_ms is not None]
    tokens_total: dict[str, int] = {}
    for item in items:
        _add_tokens(tokens_total, item.tokens)
        _add_tokens(tokens_total, item.context_tokens)
    refuse_items = [i for i in items if i.expect == "refuse"]
    clarify_items = [i for i in items if i.expect == "clarify"]
    statuses: dict[str, int] = defaultdict(int)
    for item in items:
        statuses[item.status] += 1
    day = as_of or questions.as_of
    summary: dict[str, Any] = {
        "questions_file": str(questions.path) if questions.path else questions.name,
        "questions_name": questions.name,
        "planner": planner,
        "as_of": day.isoformat() if day else None,
        "database": str(database) if database is not None else None,
        "timestamp": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "total": total,
        "correct": correct,
        "accuracy": round(correct / total, 4) if total else 0.0,
        "by_lang": _accuracy_groups((i.lang, i.correct) for i in items),
        "by_tag": _accuracy_groups((t, i.correct) for i in items for t in (i.tags or ["(untagged)"])),
        "by_planner": _accuracy_groups((i.planner, i.correct) for i in items),
        "latency_ms": {
            "p50": _percentile(latencies, 0.5),
            "p95": _percentile(latencies, 0.95),
            "mean": round(sum(latencies) / len(latencies), 2) if latencies else None,
            "max": max(latencies) if latencies else None,
        },
        "refusals": {
            "expected": len(refuse_items),
            "correct": sum(i.correct for i in refuse_items),
            # answerable questions that were refused: the other side of refusal quality
            "false_refusals": sum(1 for i in items if i.expect is None and i.status == "refused"),
        },
        "clarify": {
            "expected": len(clarify_items),
            "correct": sum(i.correct for i in clarify_items),
            # answerable questions answered with a question back
            "needless": sum(1 for i in items if i.expect is None and i.status == "clarify"),
        },
        # The costliest miss: data shown with no sign of doubt (a refusal or a question back is not).
        "wrong_with_data": sum(1 for i in items if not i.correct and i.status == "ok"),
        "status_counts": dict(sorted(statuses.items())),
        "gold_errors": sum(1 for i in items if i.error and i.error.startswith("gold SQL failed")),
        # An empty gold result is passed by any empty answer: worth a look in the question file.
        "gold_empty": [i.id for i in items if i.gold_rows_count == 0],
    }
    if tokens_total:
        summary["tokens_total"] = tokens_total
    return summary


def run_eval(
    questions: QuestionSet,
    asker: Asker,
    db: str | os.PathLike[str],
    *,
    as_of: dt.date | None = None,
    equivalences: ValueEquivalence | None = None,
    equivalence_groups: Sequence[tuple[str, Sequence[str]]] | None = None,
    on_item: Callable[[ItemResult], None] | None = None,
) -> EvalRun:
    """Run every item of `questions` through `asker` and grade it against `db`.

    as_of: overrides the file's as_of (an item's own as_of still wins).
    equivalences: a ready ValueEquivalence; else one is built from `equivalence_groups`
    (from the semantic layer); None means the demo contract's groups whose tables exist,
    [] means no id/name equivalence at all.
    on_item: called after each item (progress display).
    """
    with GoldConnection(db) as con:
        gold = compute_gold(questions.items, con)
        if equivalences is None:
            groups = default_equivalence_groups() if equivalence_groups is None else equivalence_groups
            equivalences = ValueEquivalence.from_connection(con, groups, skip_missing=equivalence_groups is None)
    results: list[ItemResult] = []
    for item in questions.items:
        result = run_item(item, asker, questions.effective_as_of(item, as_of),
                          gold.get(item.gold_sql) if item.gold_sql else None, equivalences)
        results.append(result)
        if on_item is not None:
            on_item(result)
    summary = summarise(results, questions=questions, planner=asker.name, as_of=as_of, database=db)
    return EvalRun(summary=summary, items=results)
