"""Shared helpers of the rule-planner tests: ask a question, compare the planned query."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

AS_OF = date(2025, 12, 31)

# Periods relative to AS_OF (Wednesday 2025-12-31); weeks are ISO weeks, Monday to Sunday.
TODAY = ("2025-12-31", "2025-12-31")
YESTERDAY = ("2025-12-30", "2025-12-30")
THIS_WEEK = ("2025-12-29", "2026-01-04")
LAST_WEEK = ("2025-12-22", "2025-12-28")
THIS_MONTH = ("2025-12-01", "2025-12-31")
LAST_MONTH = ("2025-11-01", "2025-11-30")
THIS_QUARTER = ("2025-10-01", "2025-12-31")
LAST_QUARTER = ("2025-07-01", "2025-09-30")
THIS_YEAR = ("2025-01-01", "2025-12-31")
LAST_YEAR = ("2024-01-01", "2024-12-31")
LAST_30_DAYS = ("2025-12-02", "2025-12-31")


# ---------------------------------------------------------------------------- helpers
def make_ask(pipeline):
    """ask(question) -> Answer, in a fresh session; ask(question, session) for conversations."""

    def _ask(question: str, session=None):
        return pipeline.ask(question, session=session if session is not None else pipeline.new_session(),
                            as_of=AS_OF)

    _ask.new_session = pipeline.new_session  # type: ignore[attr-defined]
    return _ask


def conversation(pipeline: Any, *turns: str) -> Any:
    """The answer to the last of `turns`, asked one after another in one new session."""
    session = pipeline.new_session()
    answer = None
    for turn in turns:
        answer = pipeline.ask(turn, session=session)
    return answer


def expect(metrics: list[str], dims: list[str] | None = None, filters: dict[str, Any] | None = None,
           time: tuple[str, str] | None = None, grain: str | None = None,
           order: list[tuple[str, bool]] | None = None, limit: int | None = None) -> dict[str, Any]:
    """The expected query in the same normal form as `view`: every part is compared, absent means empty.

    filters: {field: [values]} for 'in' filters, {field: (op, value)} for thresholds.
    """
    norm_filters = {}
    for field, spec in (filters or {}).items():
        norm_filters[field] = (spec[0], round(float(spec[1]), 6)) if isinstance(spec, tuple) else ("in", list(spec))
    return {"metrics": metrics, "dimensions": dims or [], "filters": norm_filters, "time": time,
            "grain": grain, "order": order or [], "limit": limit}


def view(answer) -> dict[str, Any]:
    """The planned SemanticQuery of an answered question, in the normal form of `expect`."""
    assert answer.status == "ok", f"{answer.question!r}: {answer.status} - {answer.message}"
    sq = answer.semantic_query
    assert sq is not None, f"{answer.question!r}: no semantic query"
    filters: dict[str, Any] = {}
    for f in sq["filters"]:
        if f["op"] == "in":
            filters[f["field"]] = ("in", list(f["values"]))
        else:
            assert len(f["values"]) == 1, f
            filters[f["field"]] = (f["op"], round(float(f["values"][0]), 6))
    tr = sq.get("time_range")
    return {"metrics": sq["metrics"], "dimensions": sq["dimensions"], "filters": filters,
            "time": (tr["start"], tr["end"]) if tr else None, "grain": sq.get("time_grain"),
            "order": [(o["field"], o["desc"]) for o in sq.get("order") or []], "limit": sq.get("limit")}


def planned(answer) -> dict[str, Any]:
    """The SemanticQuery of an answered question (fails with the status and message otherwise)."""
    assert answer.status == "ok", (answer.question, answer.status, answer.message)
    return answer.semantic_query


def check(answer, expected: dict[str, Any]) -> None:
    got = view(answer)
    assert got == expected, f"{answer.question!r}\n  planned:  {got}\n  expected: {expected}"


def cases(*rows):
    """pytest.param rows with the question as the test id."""
    return [r if isinstance(r, type(pytest.param(None))) else pytest.param(*r, id=r[0]) for r in rows]
