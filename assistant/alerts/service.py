"""Check alert rules: evaluate each under its owner's access scope, open and resolve incidents,
and write one outbox row per recipient in the same transaction (see store.py for why that makes
notifications exactly-once across crashes and restarts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.alerts.evaluate import Breach, Evaluation, evaluate_rule
from assistant.alerts.messages import breach_text, recovery_text
from assistant.alerts.rules import AlertRule
from assistant.alerts.store import as_utc, incidents, outbox, utcnow
from assistant.core.errors import ConfigError, FactoryAssistantError
from assistant.core.users import Users
from assistant.pipeline import Pipeline
from assistant.scoped import for_user

__all__ = ["CheckReport", "check_rules", "snoozed"]

_EVIDENCE_ROWS = 200


@dataclass
class CheckReport:
    rule_id: str
    status: str  # checked | muted | error
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    still_open: int = 0
    message: str = ""


def snoozed(rule: AlertRule, now: dt.datetime) -> bool:
    if not rule.snoozed_until:
        return False
    until = dt.datetime.fromisoformat(rule.snoozed_until)
    return now < (until if until.tzinfo else until.replace(tzinfo=dt.UTC))


def check_rules(rules: Iterable[AlertRule], *, pipeline: Pipeline, store: Engine, as_of: dt.date,
                users: Users | None = None, now: dt.datetime | None = None, link: str = "") -> list[CheckReport]:
    """Evaluate every rule once (what `alerts check` and the scheduler run). `link` is the app's
    address (default: the app_url setting); each incident links to its own page there."""
    now = now or utcnow()
    reports = []
    for rule in rules:
        if rule.muted:
            reports.append(CheckReport(rule.id, "muted"))
            continue
        try:
            view = for_user(pipeline, _owner(rule, users))
            evaluation = evaluate_rule(rule, view, as_of)
        except FactoryAssistantError as exc:
            reports.append(CheckReport(rule.id, "error", message=str(exc)))
            continue
        reports.append(_record(evaluation, view, store, now, link or (pipeline.settings.app_url or "")))
    return reports


def _owner(rule: AlertRule, users: Users | None) -> Any:
    if users is None or rule.owner is None:
        return None  # the anonymous demo, or a rule of the deployment itself: the whole layer
    user = users.get(rule.owner)
    if user is None:
        raise ConfigError(f"alert '{rule.id}': its owner '{rule.owner}' is not in the users file.")
    return user


def _record(evaluation: Evaluation, view: Pipeline, store: Engine, now: dt.datetime, link: str) -> CheckReport:
    for _attempt in range(3):  # a concurrent check that opened the same incident first wins
        try:
            with store.begin() as conn:
                return _apply(conn, evaluation, view, now, link)
        except IntegrityError:
            continue
    return CheckReport(evaluation.rule.id, "error", message="the incident changed during three checks in a row")


def _apply(conn: Connection, evaluation: Evaluation, view: Pipeline, now: dt.datetime, link: str) -> CheckReport:
    rule = evaluation.rule
    report = CheckReport(rule.id, "checked")
    open_rows = {r.member: r for r in conn.execute(
        select(incidents).where(incidents.c.rule_id == rule.id, incidents.c.status == "open"))}
    breached = {b.member for b in evaluation.breaches}
    values: dict[str, float] = {}
    for breach in evaluation.breaches:
        values[breach.member] = breach.value
        if breach.member in open_rows:
            conn.execute(update(incidents).where(incidents.c.id == open_rows[breach.member].id)
                         .values(last_value=breach.value))
            continue
        incident_id = _open(conn, evaluation, breach, view, now, link)
        report.opened.append(incident_id)
    for member, row in open_rows.items():
        if member in breached or member not in evaluation.checked:
            continue  # still breaching, or no data this period: stays open
        value = _latest_value(evaluation, member)
        labels = (row.evidence or {}).get("labels") or {evaluation.rule.lang: row.member_label}
        texts = {lang: recovery_text(evaluation, labels, value, view.layer, lang) for lang in ("en", "zh")}
        conn.execute(update(incidents).where(incidents.c.id == row.id).values(
            status="resolved", open_slot=None, resolved_at=now, last_value=value))
        _notify(conn, rule, row.id, "resolved", texts, now, incident_link(link, row.id))
        report.resolved.append(row.id)
    report.still_open = len(open_rows) - len(report.resolved)
    return report


def _open(conn: Connection, evaluation: Evaluation, breach: Breach, view: Pipeline, now: dt.datetime,
          link: str) -> int:
    rule, answer = evaluation.rule, evaluation.answer
    texts = {lang: breach_text(evaluation, breach, view.layer, lang) for lang in ("en", "zh")}
    why = explain_breach(evaluation, breach, view)
    if why:  # the drivers of the change go with the alert, in the rule's language
        texts[rule.lang] = f"{texts[rule.lang]} {why}" if rule.lang == "en" else f"{texts[rule.lang]}{why}"
    evidence = {"sql": answer.sql, "columns": answer.columns, "rows": answer.rows[:_EVIDENCE_ROWS],
                "truncated": answer.truncated or len(answer.rows) > _EVIDENCE_ROWS, "chart": answer.chart,
                "period": [evaluation.period[0].isoformat(), evaluation.period[1].isoformat()],
                "detail": breach.detail, "link": link, "labels": breach.labels,
                "scope": answer.extras.get("access_scope"), "why": why}
    result = conn.execute(insert(incidents).values(
        rule_id=rule.id, member=breach.member, member_label=breach.label, status="open",
        open_slot=f"{rule.id}|{breach.member}", period=evaluation.period_key, opened_at=now, value=breach.value,
        reference=breach.reference, last_value=breach.value, message_en=texts["en"], message_zh=texts["zh"],
        evidence=evidence))
    key = result.inserted_primary_key
    assert key is not None
    incident_id = int(key[0])
    own = incident_link(link, incident_id)
    png = _chart_png(answer.chart, rule.lang)
    conn.execute(update(incidents).where(incidents.c.id == incident_id).values(
        evidence=evidence | {"link": own, "chart_png": png}))
    _notify(conn, rule, incident_id, "opened", texts, now, own, chart_png=png)
    return incident_id


def explain_breach(evaluation: Evaluation, breach: Breach, view: Pipeline) -> str | None:
    """Why the breaching figure moved against the period before (the "why" answer's sentences),
    or None for a snapshot, a member the layer cannot filter on, or a figure that cannot be split."""
    rule = evaluation.rule
    if rule.grain is None or (rule.by and not breach.key):
        return None
    from assistant.core.calendar import grain_start
    from assistant.explain.why import explain_change
    from assistant.explain.why.answer import explanation_answer
    from assistant.plan.query import Filter, SemanticQuery, TimeRange

    start, end = evaluation.period
    before = grain_start(start - dt.timedelta(days=1), rule.grain)
    later, earlier = TimeRange(start=start, end=end), TimeRange(start=before, end=start - dt.timedelta(days=1))
    member = [Filter(field=rule.by, op="in", values=[breach.key])] if rule.by else []
    query = SemanticQuery(metrics=[rule.metric], filters=[*rule.filters, *member], time_range=later, locale=rule.lang)
    try:
        explained = explanation_answer(view, rule.name or rule.id, explain_change(view, query, later, earlier,
                                                                                  chosen=False), planner="alert")
    except FactoryAssistantError:
        return None  # the alert stands without its explanation
    return explained.message if explained.ok and explained.message else None


def incident_link(app_url: str, incident_id: int) -> str:
    """The incident's page in the app ('' when the app's address is not configured)."""
    return f"{app_url.rstrip('/')}/alerts?incident={incident_id}" if app_url else ""


def _chart_png(spec: dict[str, Any] | None, lang: str) -> str | None:
    """The evidence chart as a base64 PNG, for chat and webhooks that cannot draw a spec."""
    if not spec:
        return None
    import base64

    from assistant.explain.chart_png import chart_png

    try:
        return base64.b64encode(chart_png(spec, lang)).decode("ascii")
    except Exception:  # a chart that cannot be drawn must not cost the incident its notification
        return None


def _notify(conn: Connection, rule: AlertRule, incident_id: int, kind: str, texts: dict[str, str],
            now: dt.datetime, link: str, *, chart_png: str | None = None) -> None:
    if snoozed(rule, now):
        return  # the incident is kept; nobody is told until the snooze ends
    title = {"en": f"Alert: {rule.name or rule.id}", "zh": f"预警：{rule.name or rule.id}"}
    if kind == "resolved":
        title = {"en": f"Resolved: {rule.name or rule.id}", "zh": f"已解除：{rule.name or rule.id}"}
    for recipient in rule.recipients:
        lang = rule.lang
        conn.execute(insert(outbox).values(
            dedupe_key=f"incident:{incident_id}:{kind}:{recipient}", incident_id=incident_id, event=kind,
            recipient=recipient, lang=lang, created_at=now, attempts=0, next_attempt_at=now,
            payload={"title": title[lang], "text": texts[lang], "rule": rule.id, "link": link,
                     "other_lang": texts["zh" if lang == "en" else "en"], "chart_png": chart_png}))


def _latest_value(evaluation: Evaluation, member: str) -> float | None:
    rule, answer = evaluation.rule, evaluation.answer
    key = rule.by
    period = evaluation.period[0].isoformat()
    for row in answer.rows:
        record = dict(zip(answer.columns, row, strict=False))
        if key and str(record.get(key)) != member:
            continue
        times = [str(v)[:10] for c, v in record.items() if answer.column_kind(c) == "time"]
        if times and times[0] != period:
            continue
        value = record.get(rule.metric)
        return None if value is None else float(value)
    return None


def open_incidents(store: Engine) -> list[dict[str, Any]]:
    with store.connect() as conn:
        rows = conn.execute(select(incidents).where(incidents.c.status == "open").order_by(incidents.c.opened_at))
        return [dict(r._mapping) | {"opened_at": as_utc(r.opened_at)} for r in rows]
