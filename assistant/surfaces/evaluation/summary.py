"""The summary of a run: accuracy overall, by language, tag and planner; latency; refusals.

Only *scored* items count in an accuracy figure: reviewed ones whose gold SQL could run on
this database. A draft (`reviewed: false`) was graded against SQL the compiler wrote, and a
compiler cannot grade itself; an untranspilable gold says nothing about the assistant. Both
are counted and named instead, so nobody mistakes a draft file's figure for a measurement.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from assistant.surfaces.evaluation.gold import UNTRANSPILABLE
from assistant.surfaces.evaluation.questions import QuestionSet

if TYPE_CHECKING:  # runner imports this module to summarise its items
    from assistant.surfaces.evaluation.runner import ItemResult


def add_tokens(total: dict[str, int], usage: dict[str, int] | None) -> None:
    for key, value in (usage or {}).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + int(value)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo), 2)


def accuracy_groups(pairs: Iterable[tuple[str, bool]]) -> dict[str, dict[str, Any]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, correct in pairs:
        counts[key][0] += 1
        counts[key][1] += int(correct)
    return {k: {"accuracy": round(c / n, 4), "correct": c, "n": n} for k, (n, c) in sorted(counts.items())}


def _latency(items: Sequence[ItemResult]) -> dict[str, float | None]:
    # Every item the assistant answered: latency measures the system, drafts included.
    latencies = [i.latency_ms for i in items if i.latency_ms is not None]
    return {
        "p50": percentile(latencies, 0.5),
        "p95": percentile(latencies, 0.95),
        "mean": round(sum(latencies) / len(latencies), 2) if latencies else None,
        "max": max(latencies) if latencies else None,
    }


def _expectations(scored: Sequence[ItemResult]) -> dict[str, Any]:
    refuse_items = [i for i in scored if i.expect == "refuse"]
    clarify_items = [i for i in scored if i.expect == "clarify"]
    return {
        "refusals": {
            "expected": len(refuse_items),
            "correct": sum(i.correct for i in refuse_items),
            # answerable questions that were refused: the other side of refusal quality
            "false_refusals": sum(1 for i in scored if i.expect is None and i.status == "refused"),
        },
        "clarify": {
            "expected": len(clarify_items),
            "correct": sum(i.correct for i in clarify_items),
            # answerable questions answered with a question back
            "needless": sum(1 for i in scored if i.expect is None and i.status == "clarify"),
        },
        # The costliest miss: data shown with no sign of doubt (a refusal or a question back is not).
        "wrong_with_data": sum(1 for i in scored if not i.correct and i.status == "ok"),
    }


def summarise(
    items: Sequence[ItemResult],
    *,
    questions: QuestionSet,
    planner: str,
    as_of: dt.date | None,
    database: str | None = None,
    database_dialect: str | None = None,
) -> dict[str, Any]:
    scored = [i for i in items if i.scored]
    total = len(scored)
    correct = sum(i.correct for i in scored)
    tokens_total: dict[str, int] = {}
    for item in items:
        add_tokens(tokens_total, item.tokens)
        add_tokens(tokens_total, item.context_tokens)
    statuses: dict[str, int] = defaultdict(int)
    for item in items:
        statuses[item.status] += 1
    unreviewed = [i.id for i in items if not i.reviewed]
    untranspilable = [i.id for i in items if i.verdict == UNTRANSPILABLE]
    day = as_of or questions.as_of
    summary: dict[str, Any] = {
        "questions_file": str(questions.path) if questions.path else questions.name,
        "questions_name": questions.name,
        "planner": planner,
        "as_of": day.isoformat() if day else None,
        "database": database,
        "database_dialect": database_dialect,
        "gold_dialect": questions.gold_dialect,
        "timestamp": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "items": len(items),
        "total": total,  # the scored items: every accuracy figure is out of these
        "correct": correct,
        "accuracy": round(correct / total, 4) if total else None,
        "unreviewed": len(unreviewed),
        # Drafts answered as their compiled gold says: agreement with the compiler, not accuracy.
        "unreviewed_agree": sum(1 for i in items if not i.reviewed and i.correct),
        UNTRANSPILABLE: len(untranspilable),
        "not_scored": {"unreviewed": unreviewed, UNTRANSPILABLE: untranspilable},
        "by_lang": accuracy_groups((i.lang, i.correct) for i in scored),
        "by_tag": accuracy_groups((t, i.correct) for i in scored for t in (i.tags or ["(untagged)"])),
        "by_planner": accuracy_groups((i.planner, i.correct) for i in scored),
        "latency_ms": _latency(items),
        **_expectations(scored),
        "status_counts": dict(sorted(statuses.items())),
        "gold_errors": sum(1 for i in items if i.error and i.error.startswith("gold SQL failed")),
        # An empty gold result is passed by any empty answer: worth a look in the question file.
        "gold_empty": [i.id for i in items if i.gold_rows_count == 0],
    }
    if tokens_total:
        summary["tokens_total"] = tokens_total
    return summary


def not_scored_line(summary: dict[str, Any]) -> str | None:
    """How many items count in no figure, and why; None when every item counts."""
    unreviewed, untranspilable = summary.get("unreviewed", 0), summary.get(UNTRANSPILABLE, 0)
    parts = []
    if unreviewed:
        agree = summary.get("unreviewed_agree")
        seen = f", {agree} answered as drafted" if agree is not None else ""
        parts.append(f"{unreviewed} unreviewed (drafts{seen}: check each and set reviewed: true)")
    if untranspilable:
        parts.append(
            f"{untranspilable} whose gold SQL could not be transpiled from "
            f"{summary.get('gold_dialect')} to {summary.get('database_dialect')}"
        )
    return "Not counted: " + "; ".join(parts) + "." if parts else None


__all__ = ["accuracy_groups", "add_tokens", "not_scored_line", "percentile", "summarise"]
