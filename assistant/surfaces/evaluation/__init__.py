"""Execution-accuracy evaluation of the assistant (text-to-SQL, Spider/BIRD style).

A question set (YAML) pairs questions with gold SQL or an expected refusal. The runner
asks each question through an `Asker` (the system under test), executes the gold SQL
itself on a read-only connection, and compares result *values* (not SQL text) with a
tolerant comparator: column order, extra columns, float noise, id-vs-name-vs-Chinese
dimension values and row order of top-N results do not count as errors.

The database is any the assistant runs on (a DuckDB file or a SQLAlchemy URL); gold SQL
written in another dialect is transpiled with sqlglot first.

Modules:
    questions  load and validate question files
    values     value normalisation (numbers, dates, nulls) and tolerant equality
    equivalence  id / English name / Chinese name of one dimension member are equal
    compare    the result comparator
    rowdiff    a wrong answer's first differing rows, for the report
    db         read-only access to the evaluation database (the product's executor)
    gold       gold SQL transpiled to the database's dialect and run once
    runner     the Asker protocol and the run loop
    summary    accuracy by language, tag and planner (reviewed items only), latency
    report     results.json, the markdown report and the accuracy-by-tag chart
    gate       the regression gate against eval/baseline.json
    rundiff    `factory-assistant eval diff`: what changed between two runs
    draft      `factory-assistant eval init`: a starter question file from the layer
    promote    copy a verified eval item into a verified-queries YAML file
    command    `run_eval_command`, the body of `factory-assistant eval`
"""

from __future__ import annotations

from assistant.surfaces.evaluation.command import run_eval_command
from assistant.surfaces.evaluation.compare import (
    Comparison,
    ValueEquivalence,
    compare_results,
    detect_order_limit,
)
from assistant.surfaces.evaluation.gate import GateResult, check_gate, update_baseline
from assistant.surfaces.evaluation.promote import (
    PromoteError,
    promote_command,
    promote_item,
)
from assistant.surfaces.evaluation.questions import (
    EvalItem,
    QuestionFileError,
    QuestionSet,
    load_questions,
)
from assistant.surfaces.evaluation.runner import Asker, EvalRun, ItemResult, run_eval

__all__ = [
    "Asker",
    "Comparison",
    "EvalItem",
    "EvalRun",
    "GateResult",
    "ItemResult",
    "PromoteError",
    "QuestionFileError",
    "QuestionSet",
    "ValueEquivalence",
    "check_gate",
    "compare_results",
    "detect_order_limit",
    "load_questions",
    "promote_command",
    "promote_item",
    "run_eval",
    "run_eval_command",
    "update_baseline",
]
