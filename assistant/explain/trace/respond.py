"""A trace plan answered through a runner (a `Pipeline` or a user's scoped view of one): the
records a description names, the walk, the members' labels, freshness and the answer.

The pipeline stays the one place that wires the stages; this is the trace branch of its
`execute_plan`, kept apart so that questions that are no trace never import the walk.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

from sqlglot import exp

from assistant.core.errors import ClarificationNeeded, FactoryAssistantError
from assistant.explain.answer import Answer, Provenance
from assistant.explain.trace.answer import clarify_answer, dated_sources, filter_members, trace_answer
from assistant.explain.trace.matches import describe, note_matches, which_one
from assistant.plan.query import SemanticQuery
from assistant.plan.types import TraceRequest
from assistant.sql.executor import QueryResult
from assistant.sql.trace.matches import StartMatches, needs_matching, start_matches
from assistant.sql.trace.result import TraceResult
from assistant.understand.catalogue import ValueCatalogue
from semantic_layer.layer import Layer


class TraceRunner(Protocol):
    """What answering a trace needs of a pipeline."""

    layer: Layer

    @property
    def values(self) -> ValueCatalogue: ...

    def run_sql(self, sql: str | exp.Expression, *, limit: int | None = None) -> QueryResult: ...

    def run_trace(self, request: TraceRequest, *, lang: str = "en") -> TraceResult: ...

    def freshness(self, tables: Sequence[tuple[str, str]]) -> dict[str, str]: ...

    def run_query(self, query: SemanticQuery, *, question: str = "", planner: str = "api") -> Answer: ...


def answer_trace(runner: TraceRunner, question: str, request: TraceRequest, prov: Provenance,
                 timings: dict[str, float], *, lang: str, planner: str) -> Answer:
    t0 = time.perf_counter()
    matches, start_labels = _start_matches(runner, request, lang)
    if matches is not None and matches.total > 1 and request.pick == "one":  # never pick one silently
        return which_one(question, request, matches, start_labels, runner.layer, lang=lang, planner=planner,
                         prov=prov)
    if matches is not None and matches.total and request.pick in ("one", "latest"):
        request.start_ids = matches.ids[:1]  # in place: the session's follow-ups continue from it
    try:
        result = runner.run_trace(request, lang=lang)
    except ClarificationNeeded as exc:
        return clarify_answer(question, request, exc, lang=lang, planner=planner, prov=prov)
    timings["execute"] = (time.perf_counter() - t0) * 1000
    if request.figure is not None:  # a metric over the records reached, not their list
        from assistant.explain.trace.figure import answer_figure

        return answer_figure(runner, question, request, result, prov, lang=lang, planner=planner)
    t0 = time.perf_counter()
    labels: dict[tuple[str, str], str] = {}
    for dim, key in filter_members(result):
        member = runner.values.find(dim, key)
        if member is not None:
            labels[(dim, key)] = member.label(lang)
    try:
        prov.freshness = runner.freshness(dated_sources(result, runner.layer.genealogy))
    except FactoryAssistantError:
        prov.freshness = {}
    answer = trace_answer(question, result, runner.layer, labels=labels, prov=prov, planner=planner)
    if matches is not None:
        note_matches(answer, request.pick, matches, start_labels, runner.layer)
    timings["answer"] = (time.perf_counter() - t0) * 1000
    answer.timings_ms = dict(timings)
    return answer


def _start_matches(runner: TraceRunner, request: TraceRequest, lang: str) -> tuple[StartMatches | None, list[str]]:
    """The records a trace named by description only would start from, with their labels."""
    if not needs_matching(runner.layer, request):
        return None, []
    matches = start_matches(runner.layer, runner.run_sql, request, lang)
    return matches, describe(matches, runner.layer, runner.values, lang)
