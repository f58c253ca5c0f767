"""Verified questions: when a question is (nearly) a verified one with SQL, answer with that SQL.

SQL whose relative dates were resolved against another day ('last month' as of the day it was
verified) is only reused when the question names no time, or the as-of day is the same.
"""

from __future__ import annotations

import datetime as dt

from rapidfuzz import fuzz

from assistant.core.text import fold
from assistant.plan.types import Plan
from semantic_layer.layer import Layer
from semantic_layer.models import VerifiedQuery

MIN_SCORE = 95.0


def match_verified(question: str, layer: Layer, as_of: dt.date, has_time: bool) -> VerifiedQuery | None:
    text = " ".join(fold(question).split()).strip(" ?？。.!！")
    best: tuple[float, VerifiedQuery] | None = None
    for vq in layer.spec.verified_queries:
        if not vq.sql:
            continue
        if has_time and vq.as_of and vq.as_of != as_of.isoformat():
            continue
        if has_time and not vq.as_of:
            continue
        score = fuzz.ratio(text, " ".join(fold(vq.question).split()).strip(" ?？。.!！"))
        if score >= MIN_SCORE and (best is None or score > best[0]):
            best = (score, vq)
    return best[1] if best else None


def verified_plan(planner: str, verified: VerifiedQuery, lang: str) -> Plan:
    """The verified query's own SQL, said to be one (it still passes the guard before it runs)."""
    label = "已验证的查询" if lang == "zh" else "Verified query"
    return Plan(kind="sql", planner=planner, sql=verified.sql, message=f"{label}: {verified.question}",
                notes=[verified.source])
