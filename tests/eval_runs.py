"""Runs of the question sets with the rule planner, one per (database, set) per test session.

The regression gate (test_eval_dev_gate.py, DuckDB) and the PostgreSQL parity test
(test_eval_postgres.py) grade the same sets; sharing the DuckDB runs keeps the second from
asking a few hundred questions again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from assistant.surfaces.cli.eval_commands import PipelineAsker
from assistant.surfaces.evaluation.questions import QuestionSet, load_questions
from assistant.surfaces.evaluation.runner import EvalRun, run_eval

EVAL_DIR = Path(__file__).resolve().parents[1] / "eval"
_RUNS: dict[tuple[str, str], tuple[QuestionSet, EvalRun]] = {}


def rules_run(pipeline: Any, db: str | os.PathLike[str], name: str) -> tuple[QuestionSet, EvalRun]:
    """The set `name` (e.g. dev.yaml) asked through `pipeline`, gold SQL run on `db`."""
    key = (os.fspath(db), name)
    if key not in _RUNS:
        questions = load_questions(EVAL_DIR / name)
        run = run_eval(
            questions,
            PipelineAsker(pipeline, "rules"),
            db,
            equivalence_groups=pipeline.layer.value_equivalence_groups(),
        )
        _RUNS[key] = questions, run
    return _RUNS[key]
