"""'Why did it change?': a metric's movement between two periods explained by its drivers,
computed from the layer's definitions (never narrated by a model) and every number queried
through the pipeline's compiler, guard and executor.

    explain_change(runner, query, later, earlier) -> Explanation   # the numbers
    why_answer(runner, question, plan) -> Answer                    # a why plan answered
    explain_answer(runner, answer) -> Answer | None                 # an answer's change explained

A runner is a `Pipeline` or a user's scoped view of one (`assistant.explain.why.fetch.Runner`).
`explain_answer` is what alert incidents attach as their evidence: it explains the change an
answer showed (two periods compared, a trend's latest period, or one period against the one
before it). See `engine` for the method, `decompose` for the arithmetic.
"""

from __future__ import annotations

import datetime as dt

from assistant.core.errors import PlanningError
from assistant.explain.answer import Answer, Provenance
from assistant.explain.why.answer import explanation_answer
from assistant.explain.why.engine import Driver, Explanation, explain_change
from assistant.explain.why.fetch import Runner
from assistant.plan.change import compared_periods
from assistant.plan.query import SemanticQuery, TimeRange
from assistant.plan.types import Plan

__all__ = ["Driver", "Explanation", "Runner", "explain_answer", "explain_change", "why_answer"]


def why_answer(runner: Runner, question: str, plan: Plan, *, prov: Provenance | None = None) -> Answer:
    """Answer a why plan (`Plan(kind="why")`: its query over the later period, `plan.change`)."""
    if plan.query is None or plan.change is None or plan.query.time_range is None or not plan.query.metrics:
        raise PlanningError("A why question needs a metric and two periods.")
    ex = explain_change(runner, plan.query, plan.query.time_range, plan.change.before, chosen=plan.change.chosen,
                        direction=plan.change.direction)
    return explanation_answer(runner, question, ex, planner=plan.planner, prov=prov, notes=plan.notes)


def explain_answer(runner: Runner, answer: Answer, *, today: dt.date | None = None,
                   later: TimeRange | None = None, earlier: TimeRange | None = None) -> Answer | None:
    """The explanation of the change `answer` showed, or None when it is not a metric answer.

    Without periods: those `answer`'s query compared (`assistant.plan.change.compared_periods`,
    'today' being `today` or the runner's settings)."""
    if not answer.ok or not answer.semantic_query or not answer.semantic_query.get("metrics"):
        return None
    query = SemanticQuery.model_validate(answer.semantic_query)
    if later is None or earlier is None:
        later, earlier, _ = compared_periods(query, today or dt.date.today())
    # Its breakdowns are the ones to explain by (as for a "why?" asked after it).
    base = query.model_copy(update={"time_range": later, "time_grain": None, "order": [], "limit": None,
                                    "metrics": query.metrics[:1], "share": [], "per": None,
                                    "filters": [f for f in query.filters if f.field in runner.layer.dimensions]})
    ex = explain_change(runner, base, later, earlier, chosen=False)
    return explanation_answer(runner, answer.question, ex, planner=answer.planner)
