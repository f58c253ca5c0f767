"""Evaluate one alert rule at one date: which members breach it in the latest complete period.

The figures come from one SemanticQuery (the metric per period, per member when the rule has
`by`) run through the pipeline the caller passes, which is the owner's scoped view: the same
plan -> compile -> guard -> execute path as a question, so the evidence is an ordinary answer
with its SQL, table and chart.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from assistant.alerts.rules import AlertRule, Anomaly, Change, Threshold
from assistant.core.calendar import grain_end, grain_start
from assistant.explain.answer import Answer
from assistant.explain.periods import as_date, period_label
from assistant.pipeline import Pipeline
from assistant.plan.query import SemanticQuery, TimeRange

__all__ = ["Breach", "Evaluation", "evaluate_rule", "latest_period"]

_MAD_SCALE = 1.4826  # MAD x this estimates the standard deviation of normal data


@dataclass
class Breach:
    member: str  # the member's key ("" for a rule without `by`)
    label: str  # the member's name in the rule's language
    value: float
    reference: float  # the threshold, the previous period's value or the band's edge crossed
    detail: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # lang -> the member's name
    key: str = ""  # the member's key in the layer (what a filter on it compares), when known

    def name(self, lang: str) -> str:
        return self.labels.get(lang) or self.label


@dataclass
class Evaluation:
    rule: AlertRule
    period: tuple[dt.date, dt.date]
    breaches: list[Breach]
    checked: list[str]  # members with a value in the latest period
    answer: Answer
    skipped: dict[str, str] = field(default_factory=dict)  # member -> why it was not judged (too little data)

    @property
    def period_key(self) -> str:
        return self.period[0].isoformat()


def latest_period(as_of: dt.date, grain: str | None) -> tuple[dt.date, dt.date]:
    """The latest complete period up to and including `as_of` (a day, or no grain: as_of itself)."""
    if grain is None:
        return as_of, as_of
    start = grain_start(as_of, grain)
    end = grain_end(start, grain)
    if end > as_of:  # the period containing as_of is not over: take the one before
        start = grain_start(start - dt.timedelta(days=1), grain)
        end = grain_end(start, grain)
    return start, end


def _history(rule: AlertRule) -> int:
    condition = rule.condition
    if isinstance(condition, Anomaly):
        return condition.baseline
    return 1 if isinstance(condition, Change) else 0


def _query(rule: AlertRule, period: tuple[dt.date, dt.date]) -> SemanticQuery:
    metrics = [rule.metric]
    if isinstance(rule.condition, Anomaly) and rule.condition.volume_metric not in (None, rule.metric):
        metrics.append(str(rule.condition.volume_metric))
    if rule.grain is None:  # a snapshot: the figure as it stands
        return SemanticQuery(metrics=metrics, dimensions=[rule.by] if rule.by else [], filters=rule.filters,
                             locale=rule.lang)
    start = period[0]
    for _ in range(_history(rule)):
        start = grain_start(start - dt.timedelta(days=1), rule.grain)
    return SemanticQuery(metrics=metrics, dimensions=[rule.by] if rule.by else [], filters=rule.filters,
                         time_range=TimeRange(start=start, end=period[1]), time_grain=rule.grain,
                         locale=rule.lang)


def evaluate_rule(rule: AlertRule, pipeline: Pipeline, as_of: dt.date) -> Evaluation:
    """Run the rule's query and judge each member's latest period. Raises FactoryAssistantError
    when the query cannot run (the caller records it against the rule)."""
    period = latest_period(as_of, rule.grain)
    if rule.grain is None and as_of < pipeline.settings.today():
        # A snapshot figure is the latest data's: it cannot say what held on an earlier day.
        from assistant.core.errors import QueryError

        raise QueryError(f"alert '{rule.id}' reads the latest snapshot, which cannot be checked as of {as_of}.",
                         suggestion="Check it without --as-of, or give it a grain.")
    answer = pipeline.run_query(_query(rule, period), question=rule.name or rule.id, planner="alert")
    if answer.status != "ok":
        from assistant.core.errors import QueryError

        raise QueryError(f"alert '{rule.id}': {answer.message}")
    series = _series(answer, rule, period[0])
    evaluation = Evaluation(rule, period, [], [], answer)
    for member, points in series.items():
        latest = points.get(period[0])
        if latest is None or latest[0] is None:
            continue
        evaluation.checked.append(member)
        earlier = [points[p] for p in sorted(points) if p < period[0]]
        breach = _judge(rule, latest, earlier, evaluation, member)
        if breach is not None:
            breach.label = _label(answer, rule, member)
            breach.labels = member_labels(pipeline, rule, member)
            breach.key = breach.labels.pop("key", "")
            evaluation.breaches.append(breach)
    return evaluation


_Series = dict[str, dict[dt.date, tuple[float | None, float | None]]]


def _series(answer: Answer, rule: AlertRule, evaluation_day: dt.date) -> _Series:
    """member -> period start -> (value, volume), read from the answer's columns by name."""
    cols = answer.columns
    time_col = next((c for c in cols if answer.column_kind(c) == "time"), None)
    value_col = rule.metric
    volume = rule.condition.volume_metric if isinstance(rule.condition, Anomaly) else None
    out: _Series = {}
    key_col = rule.by if rule.by else None
    for row in answer.rows:
        record = dict(zip(cols, row, strict=False))
        start = as_date(record[time_col]) if time_col else evaluation_day
        if start is None:
            continue
        member = "" if key_col is None else str(record.get(key_col, ""))
        value = record.get(value_col)
        vol = record.get(volume) if volume else None
        out.setdefault(member, {})[start] = (None if value is None else float(value),
                                             None if vol is None else float(vol))
    return out


def _label(answer: Answer, rule: AlertRule, member: str) -> str:
    if not rule.by:
        return ""
    return str(answer.shown(rule.by, member))


def member_labels(pipeline: Pipeline, rule: AlertRule, shown: str) -> dict[str, str]:
    """Both languages' names of a member the answer showed in the rule's language."""
    if not rule.by or not shown:
        return {}
    for member in pipeline.values.of(rule.by):
        if shown in (member.label(rule.lang), member.key):
            return {"en": member.label("en"), "zh": member.label("zh"), "key": member.key}
    return {}


def _judge(rule: AlertRule, latest: tuple[float | None, float | None],
           earlier: list[tuple[float | None, float | None]], evaluation: Evaluation, member: str) -> Breach | None:
    value = latest[0]
    assert value is not None
    condition = rule.condition
    if isinstance(condition, Threshold):
        crossed = {"<": value < condition.value, "<=": value <= condition.value,
                   ">": value > condition.value, ">=": value >= condition.value}[condition.op]
        return Breach(member, "", value, condition.value, {"op": condition.op}) if crossed else None
    if isinstance(condition, Change):
        before = earlier[-1][0] if earlier else None
        if before is None:
            evaluation.skipped[member] = "no value in the period before"
            return None
        return _change(condition, value, before, member)
    return _anomaly(condition, latest, earlier, evaluation, member)


def _change(condition: Change, value: float, before: float, member: str) -> Breach | None:
    delta = value - before
    if condition.pct is not None:
        if before == 0:
            return None  # a change from nothing has no percentage: not judged
        size = delta / abs(before)
        limit = condition.pct
    else:
        size, limit = delta, float(condition.points or 0)
    fired = {"up": size >= limit, "down": size <= -limit, "either": abs(size) >= limit}[condition.direction]
    return Breach(member, "", value, before, {"change": size, "limit": limit}) if fired else None


def _anomaly(condition: Anomaly, latest: tuple[float | None, float | None],
             earlier: list[tuple[float | None, float | None]], evaluation: Evaluation, member: str) -> Breach | None:
    value, volume = latest
    assert value is not None
    if condition.volume_metric and (volume or 0) < condition.min_volume:
        evaluation.skipped[member] = f"volume {volume or 0:g} below the minimum {condition.min_volume:g}"
        return None
    base = [v for v, vol in earlier[-condition.baseline:]
            if v is not None and (not condition.volume_metric or (vol or 0) >= condition.min_volume)]
    if len(base) < max(4, condition.baseline // 2):
        evaluation.skipped[member] = f"only {len(base)} earlier periods with enough data"
        return None
    median = statistics.median(base)
    mad = statistics.median(abs(v - median) for v in base) * _MAD_SCALE
    # A flat history has MAD 0: any wobble would fire. A floor of 5% of the median (or of the
    # smallest step the data shows) keeps "unchanged to the third decimal" quiet.
    spread = max(mad, abs(median) * 0.05, 1e-9)
    reach = max(condition.k * spread, condition.min_delta)
    low, high = median - reach, median + reach
    if min(base) >= 0:
        low = max(low, 0.0)  # counts and amounts: "a usual range from -68" reads as nonsense
    fired = {"up": value > high, "down": value < low, "either": value > high or value < low}[condition.direction]
    if not fired:
        return None
    return Breach(member, "", value, high if value > high else low,
                  {"median": median, "low": low, "high": high, "baseline": len(base)})


def period_words(evaluation: Evaluation, lang: str) -> str:
    return period_label(evaluation.period[0], evaluation.rule.grain, lang, long=True)
