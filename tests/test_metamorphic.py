"""Metamorphic test of the rule planner over the development set.

Every question of eval/dev.yaml (no conversation context, not a refusal) is rewritten by
inserting filler and politeness, changing case and punctuation, swapping synonyms the layer
declares, moving the time phrase and adding common typos (see tests/metamorphic.py). Each
rewrite must plan to the same SemanticQuery (or trace request) as its original: at least
2,000 rewrites, at least 98% of them invariant. The per-transformation table and every
failure go to test-artifacts/metamorphic.txt and, on failure, into the assertion message.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from assistant.core.calendar import TimeRange
from assistant.core.text import question_lang
from assistant.plan.types import Plan, PlanContext, Session
from tests.metamorphic import Lexicon, Source, Variant, variants

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2025, 12, 31)
MIN_VARIANTS = 2000
MIN_INVARIANT = 0.98
REPORT = ROOT / "test-artifacts" / "metamorphic.txt"


def normal(obj: Any) -> Any:
    """A plan part as plain data: time ranges as (start, end) without the words used, no locale,
    'in' filter values as a set."""
    if isinstance(obj, TimeRange):
        return [obj.start.isoformat(), obj.end.isoformat()]
    if isinstance(obj, BaseModel):
        return normal(dict(obj))
    if is_dataclass(obj) and not isinstance(obj, type):
        return normal({f.name: getattr(obj, f.name) for f in fields(obj)})
    if isinstance(obj, dict):
        out = {k: normal(v) for k, v in obj.items() if k != "locale"}
        if out.get("op") in ("in", "not in"):
            out["values"] = sorted(out["values"], key=str)
        return out
    if isinstance(obj, list | tuple):
        return [normal(v) for v in obj]
    return obj.isoformat() if isinstance(obj, dt.date) else obj


def _plan(pipeline: Any, question: str) -> Plan:
    ctx = PlanContext(layer=pipeline.layer, as_of=AS_OF, session=Session(), lang=question_lang(question),
                      values=pipeline.values)
    return pipeline.planners["rules"].plan(question, ctx)


def _view(plan: Plan) -> dict[str, Any]:
    """What must stay the same: the kind, and the query or the trace request."""
    trace = {f"trace.{k}": v for k, v in (normal(plan.trace) or {}).items()}
    return {"kind": plan.kind, **(normal(plan.query) or {}), **trace}


def _source(item: dict[str, Any], plan: Plan) -> Source:
    q = plan.query
    concepts = {f"metric:{m}" for m in q.metrics} | {f"dimension:{d}" for d in q.dimensions} if q else set()
    concepts |= {f"dimension:{f.field}" for f in q.filters} if q else set()
    time = (q.time_range.start, q.time_range.end) if q and q.time_range else None
    return Source(item["id"], item["question"], question_lang(item["question"]), plan.kind, frozenset(concepts), time)


def _diff(expected: dict[str, Any], got: dict[str, Any]) -> str:
    """The parts that differ ('' when none); only the kind (and error) when the kind changed."""
    keys = [k for k in dict.fromkeys([*expected, *got]) if expected.get(k) != got.get(k)]
    if "kind" in keys:
        keys = [k for k in keys if k in ("kind", "error")]
    return "; ".join(f"{k}: {expected.get(k)!r} -> {got.get(k)!r}" for k in keys)


def _table(results: list[tuple[Variant, str]]) -> list[str]:
    """Invariance per rewrite: alone, and counting the pairs it took part in."""
    total, bad = Counter[tuple[str, bool]](), Counter[tuple[str, bool]]()
    for v, diff in results:
        for name, alone in [(v.transform, True), *((n, False) for n in v.transform.split("+"))]:
            total[name, alone] += 1
            bad[name, alone] += bool(diff)
    cell = "{:>6} {:>6} {:>7.1%}"
    lines = [f"{'transformation':<16} {'alone: n':>8} {'ok':>6} {'share':>7}   {'+pairs: n':>9} {'ok':>6} {'share':>7}"]
    for name in sorted({n for n, _ in total}, key=lambda n: ("+" in n, n)):
        cells = [cell.format(total[name, a], total[name, a] - bad[name, a], 1 - bad[name, a] / total[name, a])
                 if total[name, a] else f"{'-':>21}" for a in (True, False)]
        lines.append(f"{name:<16}   {cells[0]}      {cells[1]}")
    return lines


def _report(results: list[tuple[Variant, str]]) -> str:
    failures = [(v, d) for v, d in results if d]
    share = 1 - len(failures) / len(results)
    lines = [f"{len(results)} variants of {len({v.source.item_id for v, _ in results})} questions, "
             f"{share:.2%} invariant (need {MIN_INVARIANT:.0%})", "", *_table(results), "",
             f"{len(failures)} failures (transformation | original -> variant | expected -> got):"]
    lines += [f"[{v.transform}] {v.source.text!r} -> {v.text!r}\n    {d}" for v, d in failures]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def sources(pipeline: Any) -> list[Source]:
    items = yaml.safe_load((ROOT / "eval" / "dev.yaml").read_text(encoding="utf-8"))["items"]
    items = [i for i in items if not i.get("context") and i.get("expect") != "refuse"]
    out = []
    for item in items:
        plan = _plan(pipeline, item["question"])
        if plan.kind in ("query", "trace"):
            out.append(_source(item, plan))
    return out


@pytest.mark.slow
def test_rewrites_keep_the_plan(pipeline: Any, sources: list[Source]) -> None:
    lexicon = Lexicon.build(pipeline.layer, pipeline.values, AS_OF)
    results: list[tuple[Variant, str]] = []
    for src in sources:
        expected = _view(_plan(pipeline, src.text))
        for v in variants(src, lexicon):
            try:
                got = _view(_plan(pipeline, v.text))
            except Exception as exc:  # a crash on a rewrite is a failure to report, not to stop on
                got = {"error": f"{type(exc).__name__}: {exc}"}
            results.append((v, _diff(expected, got)))
    report = _report(results)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report + "\n", encoding="utf-8")
    assert len(results) >= MIN_VARIANTS, f"only {len(results)} variants were generated\n{report}"
    share = sum(not d for _, d in results) / len(results)
    assert share >= MIN_INVARIANT, report
