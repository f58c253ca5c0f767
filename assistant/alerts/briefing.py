"""The daily briefing: per recipient, in their language and under their access scope, yesterday's
key figures against the day before and the same weekday a week earlier, the open alerts, and the
biggest movers (the members whose figure changed most from the day before).

The key figures come from the layer, never from code: the `briefing: metrics:` list of the alerts
file, else the metrics the layer's verified questions ask about (the figures its authors chose to
show first). Movers are broken down the way those questions break each metric down. Briefings go
through the outbox like alerts (event "briefing"), one per recipient and day: a second run on the
same day finds the row's dedupe key taken and sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from assistant.alerts.briefing_config import BriefingRecipient, BriefingSettings
from assistant.alerts.manage import incidents_for, visible_rules
from assistant.alerts.rules import AlertRule, AlertsFile
from assistant.alerts.store import outbox, utcnow
from assistant.core.errors import ConfigError, FactoryAssistantError, did_you_mean
from assistant.core.units import format_value
from assistant.core.users import Users
from assistant.explain.answer import Answer
from assistant.explain.headline import change_words
from assistant.explain.periods import as_date, day_words
from assistant.pipeline import Pipeline
from assistant.plan.query import SemanticQuery, TimeRange
from assistant.scoped import ScopedPipeline, for_user, scope_note
from semantic_layer.layer import Layer

__all__ = ["Briefing", "Figure", "Mover", "briefing_recipients", "build_briefing", "key_metrics", "send_briefings"]

_WEEKDAYS = (("Mon", "星期一"), ("Tue", "星期二"), ("Wed", "星期三"), ("Thu", "星期四"), ("Fri", "星期五"),
             ("Sat", "星期六"), ("Sun", "星期日"))
_MAX_INCIDENTS = 10


@dataclass
class Figure:
    metric: str
    value: float | None
    day_before: float | None
    week_before: float | None


@dataclass
class Mover:
    metric: str
    member: str  # the member's name in the briefing's language
    value: float
    before: float

    @property
    def size(self) -> float:
        return abs(self.value - self.before) / abs(self.before)


@dataclass
class Briefing:
    recipient: str
    lang: str
    day: dt.date  # the day reported on: the day before as_of
    figures: list[Figure] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    movers: list[Mover] = field(default_factory=list)
    scope: str = ""  # "(Limited to your access: Ningbo.)" when the recipient sees part of the data
    title: str = ""
    text: str = ""


def key_metrics(layer: Layer, settings: BriefingSettings | None = None) -> list[str]:
    """The briefing's figures: the configured list, else the verified questions' metrics (dated ones)."""
    if settings is not None and settings.metrics:
        for name in settings.metrics:
            if name not in layer.metrics:
                raise ConfigError(f"briefing: unknown metric '{name}'.", suggestion=did_you_mean(name, layer.metrics))
        chosen = list(settings.metrics)
    else:
        asked = [str(m) for vq in layer.spec.verified_queries for m in (vq.semantic_query or {}).get("metrics", [])]
        chosen = list(dict.fromkeys(m for m in asked if m in layer.metrics)) or list(layer.metrics)[:4]
    return [m for m in chosen if layer.metric_time_columns(m)]  # a day's figure needs dated rows


def _mover_dimension(layer: Layer, metric: str) -> str | None:
    """How the layer's own verified questions break this metric down, if they do."""
    for vq in layer.spec.verified_queries:
        query = vq.semantic_query or {}
        if metric in query.get("metrics", []):
            for name in query.get("dimensions", []):
                if name in layer.metric_dimensions(metric):
                    return str(name)
    return None


def briefing_recipients(alerts: AlertsFile) -> list[BriefingRecipient]:
    """The configured recipients, else every person the rules notify (in their rules' language)."""
    if alerts.briefing is not None and alerts.briefing.recipients:
        return list(alerts.briefing.recipients)
    found: dict[str, BriefingRecipient] = {}
    for rule in alerts.rules:
        for to in rule.recipients:
            if to.startswith("user:") and to not in found:
                found[to] = BriefingRecipient(to=to, lang=rule.lang)
    return list(found.values())


def _series(answer: Answer, metric: str, key: str | None) -> dict[str, dict[dt.date, float]]:
    """member ('' without a breakdown) -> day -> value, read from the answer's columns by name."""
    time_col = next((c for c in answer.columns if answer.column_kind(c) == "time"), None)
    out: dict[str, dict[dt.date, float]] = {}
    for row in answer.rows:
        record = dict(zip(answer.columns, row, strict=False))
        day = as_date(record.get(time_col)) if time_col else None
        value = record.get(metric)
        if day is None or value is None:
            continue
        out.setdefault(str(record.get(key, "")) if key else "", {})[day] = float(value)
    return out


def _figure(view: Pipeline, metric: str, day: dt.date, lang: str) -> Figure | None:
    query = SemanticQuery(metrics=[metric], time_range=TimeRange(start=day - dt.timedelta(days=7), end=day),
                          time_grain="day", locale=lang)
    answer = view.run_query(query, question=metric, planner="briefing")
    if answer.status != "ok":
        return None  # outside this recipient's access, or not answerable by day: left out
    days = _series(answer, metric, None).get("", {})
    return Figure(metric, days.get(day), days.get(day - dt.timedelta(days=1)), days.get(day - dt.timedelta(days=7)))


def _movers(view: Pipeline, metric: str, day: dt.date, lang: str) -> list[Mover]:
    dimension = _mover_dimension(view.layer, metric)
    if dimension is None:
        return []
    query = SemanticQuery(metrics=[metric], dimensions=[dimension], locale=lang,
                          time_range=TimeRange(start=day - dt.timedelta(days=1), end=day), time_grain="day")
    answer = view.run_query(query, question=metric, planner="briefing")
    if answer.status != "ok":
        return []
    movers = []
    for member, days in _series(answer, metric, dimension).items():
        now, before = days.get(day), days.get(day - dt.timedelta(days=1))
        if now is not None and before and now != before:
            movers.append(Mover(metric, str(answer.shown(dimension, member)), now, before))
    return movers


def _rules_for(rules: Sequence[AlertRule], recipient: BriefingRecipient, users: Users | None) -> list[AlertRule]:
    user = users.get(recipient.scope_user) if users is not None and recipient.scope_user else None
    if user is not None:
        return [r for r in rules if r in visible_rules(rules, user) or recipient.to in r.recipients]
    if users is None and recipient.to.startswith("user:"):
        return list(rules)  # the anonymous demo: one person sees every alert
    return [r for r in rules if recipient.to in r.recipients]


def build_briefing(pipeline: Pipeline, store: Engine, alerts: AlertsFile, recipient: BriefingRecipient, *,
                   as_of: dt.date, users: Users | None = None) -> Briefing:
    """The briefing `recipient` gets on `as_of` (about the day before), read under their access."""
    user = None
    if users is not None and recipient.scope_user:
        user = users.get(recipient.scope_user)
        if user is None:
            raise ConfigError(f"briefing: '{recipient.scope_user}' is not in the users file.",
                              suggestion="Name a user of the users file, or set `user:` on the recipient.")
    view = for_user(pipeline, user)
    lang, day = recipient.lang, as_of - dt.timedelta(days=1)
    briefing = Briefing(recipient.to, lang, day)
    for metric in key_metrics(view.layer, alerts.briefing):
        figure = _figure(view, metric, day, lang)
        if figure is not None:
            briefing.figures.append(figure)
            briefing.movers += _movers(view, metric, day, lang)
    size = alerts.briefing.movers if alerts.briefing is not None else 3
    briefing.movers = _biggest(briefing.movers, size)
    briefing.incidents = incidents_for(store, _rules_for(alerts.rules, recipient, users), open_only=True)
    if isinstance(view, ScopedPipeline):
        briefing.scope = scope_note(view, lang)
    briefing.title = _title(view.layer, day, lang)
    briefing.text = _text(briefing, view.layer)
    return briefing


def _biggest(movers: list[Mover], size: int) -> list[Mover]:
    """The largest change of each metric first, so one jumpy metric (a machine's few minutes of
    downtime doubling) cannot fill the list; then the next largest of any metric."""
    ranked = sorted(movers, key=lambda m: m.size, reverse=True)
    firsts = list({m.metric: m for m in reversed(ranked)}.values())  # each metric's biggest
    firsts.sort(key=lambda m: m.size, reverse=True)
    rest = [m for m in ranked if m not in firsts]
    return (firsts + rest)[:size]


def _weekday(day: dt.date, lang: str) -> str:
    en, zh = _WEEKDAYS[day.weekday()]
    return f"{day_words(day, 'zh')}（{zh}）" if lang == "zh" else f"{en} {day_words(day, 'en')}"


def _title(layer: Layer, day: dt.date, lang: str) -> str:
    name = layer.spec.label.get(lang)
    if lang == "zh":
        return f"每日简报：{_weekday(day, lang)}，{name}"
    return f"Daily briefing: {_weekday(day, lang)}, {name}"


def _fmt(layer: Layer, metric: str, value: float | None, lang: str) -> str:
    if value is None:
        return "无数据" if lang == "zh" else "no data"
    return format_value(value, layer.unit(layer.metric(metric).unit), lang)


def _change(layer: Layer, metric: str, now: float | None, before: float | None, lang: str) -> str:
    if now is None or before is None:
        return "—"
    return change_words(now, before, layer.unit(layer.metric(metric).unit), lang) or "—"


def _text(b: Briefing, layer: Layer) -> str:
    zh = b.lang == "zh"
    week = b.day - dt.timedelta(days=7)
    lines = [b.title + (f" {b.scope}" if b.scope and not zh else b.scope), ""]
    if zh:
        lines.append(f"关键指标，{day_words(b.day, 'zh')}（括号内：较前一天；较上周同日{day_words(week, 'zh')}）：")
    else:
        lines.append(f"Key figures for {day_words(b.day, 'en')} (against the day before; "
                     f"against {_weekday(week, 'en')}):")
    for f in b.figures:
        label = layer.metric(f.metric).label.get(b.lang)
        value = _fmt(layer, f.metric, f.value, b.lang)
        changes = (f"{_change(layer, f.metric, f.value, f.day_before, b.lang)}{'；' if zh else '; '}"
                   f"{_change(layer, f.metric, f.value, f.week_before, b.lang)}")
        changes += _against_target(layer, f.metric, f.value, b.lang)
        lines.append(f"- {label}：{value}（{changes}）" if zh else f"- {label}: {value} ({changes})")
    if not b.figures:
        lines.append("- 没有可报告的指标。" if zh else "- No figures to report.")
    lines += ["", f"未解除的预警（{len(b.incidents)}条）：" if zh else f"Open alerts ({len(b.incidents)}):"]
    for incident in b.incidents[:_MAX_INCIDENTS]:
        lines.append(f"- {incident['message_zh'] if zh else incident['message_en']}")
    if len(b.incidents) > _MAX_INCIDENTS:
        more = len(b.incidents) - _MAX_INCIDENTS
        lines.append(f"- 另有{more}条，见“预警”页面。" if zh else f"- and {more} more on the Alerts page.")
    if not b.incidents:
        lines.append("- 无。" if zh else "- None.")
    if b.movers:
        lines += ["", "变化最大（较前一天）：" if zh else "Biggest movers (against the day before):"]
    for m in b.movers:
        label = layer.metric(m.metric).label.get(b.lang)
        now, before = _fmt(layer, m.metric, m.value, b.lang), _fmt(layer, m.metric, m.before, b.lang)
        change = _change(layer, m.metric, m.value, m.before, b.lang)
        lines.append(f"- {m.member}的{label}：{now}，前一天{before}（{change}）" if zh else
                     f"- {label}, {m.member}: {now}, from {before} ({change})")
    return "\n".join(lines)


def _against_target(layer: Layer, metric: str, value: float | None, lang: str) -> str:
    """'; target 85.0%, missed' when the layer gives the metric a target (in its unit)."""
    spec = layer.metric(metric)
    if spec.target is None or value is None:
        return ""
    met = value >= spec.target if spec.higher_is_better else value <= spec.target
    shown = _fmt(layer, metric, spec.target, lang)
    if lang == "zh":
        return f"；目标{shown}，{'已达成' if met else '未达成'}"
    return f"; target {shown}, {'met' if met else 'missed'}"


def send_briefings(pipeline: Pipeline, store: Engine, alerts: AlertsFile, *, as_of: dt.date,
                   users: Users | None = None, now: dt.datetime | None = None) -> dict[str, str]:
    """Write today's briefing for each recipient into the outbox, once: recipient -> sent | already sent
    | the error. The dedupe key is per recipient and day, so a second run the same day sends nothing."""
    now = now or utcnow()
    results: dict[str, str] = {}
    for recipient in briefing_recipients(alerts):
        key = f"briefing:{recipient.to}:{as_of.isoformat()}"
        with store.connect() as conn:
            if conn.execute(select(outbox.c.id).where(outbox.c.dedupe_key == key)).first() is not None:
                results[recipient.to] = "already sent"
                continue
        try:
            briefing = build_briefing(pipeline, store, alerts, recipient, as_of=as_of, users=users)
        except FactoryAssistantError as exc:
            results[recipient.to] = str(exc)
            continue
        try:
            with store.begin() as conn:
                conn.execute(insert(outbox).values(
                    dedupe_key=key, incident_id=None, event="briefing", recipient=recipient.to, lang=recipient.lang,
                    created_at=now, attempts=0, next_attempt_at=now,
                    payload={"title": briefing.title, "text": briefing.text, "link": "", "day": as_of.isoformat()}))
            results[recipient.to] = "sent"
        except IntegrityError:
            results[recipient.to] = "already sent"  # another run wrote it between the check and now
    return results
