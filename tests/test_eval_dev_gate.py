"""Regression gate: the rule planner on the development, held-out and blind sets may never drop
below the accuracy stored in eval/baseline.json (raise it there whenever it improves)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.surfaces.evaluation.gate import check_gate
from assistant.surfaces.evaluation.questions import load_questions
from tests.eval_runs import rules_run

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "eval" / "dev.yaml"
BASELINE = ROOT / "eval" / "baseline.json"


@pytest.fixture(scope="module", params=["dev.yaml", "holdout.yaml", "blind.yaml", "blind2.yaml", "blind3.yaml", "blind4.yaml",
                                                    "blind5.yaml", "blind6.yaml", "blind7.yaml", "blind8.yaml",
                                                    "blind9.yaml", "blind10.yaml", "blind11.yaml", "blind12.yaml",
                                                    "blind13.yaml", "blind14.yaml", "blind15.yaml", "blind16.yaml",
                                                    "blind17.yaml", "blind18.yaml", "blind19.yaml", "blind20.yaml",
                                                    "blind21.yaml", "blind22.yaml", "blind23.yaml", "blind24.yaml",
                                                    "blind25.yaml", "blind26.yaml", "blind27.yaml", "blind28.yaml",
                                                    "blind29.yaml", "blind30.yaml", "blind31.yaml", "blind32.yaml",
                                                    "blind33.yaml", "blind34.yaml"])
def dev_run(request, pipeline, demo_db):
    return rules_run(pipeline, demo_db, request.param)  # shared with the PostgreSQL parity test


def test_dev_set_meets_the_baseline(dev_run) -> None:
    questions, run = dev_run
    level = json.loads(BASELINE.read_text())[questions.name]["rules"]
    gate = check_gate(run.summary, BASELINE, questions.name, "rules")
    failures = [f"{i.id}: {i.reason}" for i in run.items if not i.correct]
    assert gate.passed, gate.message + "\n" + "\n".join(failures)
    assert run.summary["accuracy"] >= level


# Refusal items answered otherwise on purpose, each with why.
ASKED_BACK = {
    # "how does our OEE compare with Bosch's plants?": the data has machines named "Bosch Rexroth
    # assembly cell #n", so asking which of them is meant is a fair answer; no data is shown.
    "refuse-competitor-oee": "clarify",
}


# Sets whose misses nobody has read yet (so that they still measure questions nobody tuned for):
# their refusal items are gated by count, at the level of their scoring, not one by one.
UNREAD_REFUSAL_MISSES = {"blind9.yaml": 2, "blind11.yaml": 0, "blind12.yaml": 1, "blind17.yaml": 2, "blind19.yaml": 1,
                         "blind21.yaml": 0, "blind26.yaml": 2, "blind28.yaml": 2, "blind30.yaml": 2, "blind32.yaml": 1,
                         "blind33.yaml": 2}


def test_every_refusal_item_is_refused(dev_run) -> None:
    questions, run = dev_run
    refuse = [i for i in run.items if "refuse" in i.tags or "refusal" in i.tags]
    assert len(refuse) >= min(10, len(run.items) // 16)  # a set of 80 (blind34) holds 5
    missed = [i.id for i in refuse if not i.correct and ASKED_BACK.get(i.id) != i.status]
    assert len(missed) <= UNREAD_REFUSAL_MISSES.get(questions.name, 0), missed


def test_dev_set_shape() -> None:
    items = load_questions(DEV).items
    assert len(items) >= 150
    assert sum(i.lang == "zh" for i in items) * 3 >= len(items)
    assert sum(i.expect == "refuse" for i in items) >= 15
