"""Rules made in the app or in chat, kept in the state database: save, mute, snooze, delete; and what
one person sees (the rules they own or receive, their incidents, their inbox).

Rules from the alerts file are read-only here: they live under version control, so a change is
made in the file (the error says which one), not behind its back in a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, delete, desc, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from assistant.alerts.messages import rule_text
from assistant.alerts.rules import AlertRule, AlertsFile, check_rule
from assistant.alerts.store import as_utc, inbox, incidents, open_store, rules_table, utcnow
from assistant.core.errors import ClarificationNeeded, ConfigError, did_you_mean
from assistant.core.users import User
from assistant.pipeline import Pipeline
from semantic_layer.layer import Layer

__all__ = ["RuleEditError", "delete_rule", "editable_rule", "inbox_for", "incidents_for", "new_rule_id",
           "open_state_db", "recipient_of", "rule_words", "save_rule", "set_muted", "snooze_rule", "update_rule",
           "visible_rules"]


class RuleEditError(ClarificationNeeded):
    """A rule that cannot be changed here (unknown, in the alerts file, someone else's), in both languages."""


def open_state_db(url: str) -> Engine:
    """The alert state database, or a ConfigError saying which one could not be opened and why
    (a folder that cannot be made, a server that does not answer), never a driver's traceback."""
    where = url.split("@")[-1]  # no password in a message
    try:
        return open_store(url)
    except (SQLAlchemyError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        first = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
        raise ConfigError(f"The alert state database {where} could not be opened: {first}",
                          suggestion="Check FA_ALERTS_DB (a SQLite file path or a SQLAlchemy URL).") from None


def rule_words(rule: AlertRule, pipeline: Pipeline, lang: str) -> str:
    """The rule in words with its members named as people say them ("plant is Ningbo", not "NB")."""
    labels: dict[str, str] = {}
    for f in rule.filters:
        for value in f.values:
            member = pipeline.values.find(f.field, str(value))
            if member is not None:
                labels[str(value)] = member.label(lang)
    return rule_text(rule, pipeline.layer, lang, labels)


def new_rule_id(metric: str, taken: Collection[str]) -> str:
    """'energy-per-unit-2': readable on a command line, never one already taken."""
    stem = metric.lower().replace("_", "-")[:56].strip("-") or "alert"
    n = 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def recipient_of(user: User | None) -> str:
    return f"user:{user.name if user is not None else 'demo'}"


def visible_rules(rules: Iterable[AlertRule], user: User | None) -> list[AlertRule]:
    """The rules a person owns or receives; everything in the anonymous demo."""
    if user is None:
        return list(rules)
    return [r for r in rules if r.owner == user.name or recipient_of(user) in r.recipients]


def save_rule(store: Engine, rule: AlertRule, taken: Collection[str] = ()) -> AlertRule:
    """Store a new rule; an id already used (in the file or the database) gets the next free one."""
    stem = rule.id.rsplit("-", 1)[0] if rule.id.rsplit("-", 1)[-1].isdigit() else rule.id
    for _attempt in range(5):  # another session saving at the same moment may take the id first
        with store.connect() as conn:
            used = {*taken, *(r[0] for r in conn.execute(select(rules_table.c.id)))}
        if rule.id in used:
            rule = rule.model_copy(update={"id": new_rule_id(stem, used)})
        try:
            with store.begin() as conn:
                conn.execute(insert(rules_table).values(id=rule.id, body=rule.model_dump(mode="json"),
                                                        source=rule.source, updated_at=utcnow()))
            return rule
        except IntegrityError:
            continue
    raise RuleEditError("The alert could not be saved: its name kept clashing with others. Try again.",
                        "预警未能保存：名称一再与其他预警冲突，请重试。")


def editable_rule(store: Engine, alerts: AlertsFile, rule_id: str, *, user: User | None = None,
                  alerts_file: Path | None = None) -> AlertRule:
    """The stored rule with this id, or a RuleEditError saying why it cannot be changed here."""
    known = {r.id: r for r in alerts.rules}
    rule = known.get(rule_id)
    if rule is None or (user is not None and rule not in visible_rules([rule], user)):
        mine = [r.id for r in visible_rules(alerts.rules, user)]
        hint = did_you_mean(rule_id, mine) or (f"Known alerts: {', '.join(mine)}." if mine else "")
        hint_zh = f"现有预警：{'、'.join(mine)}。" if mine else ""
        raise RuleEditError(f"There is no alert '{rule_id}'. {hint}".strip(),
                            f"没有名为“{rule_id}”的预警。{hint_zh}")
    with store.connect() as conn:
        row = conn.execute(select(rules_table).where(rules_table.c.id == rule_id)).first()
    if row is None or rule.source == "file":
        where = str(alerts_file) if alerts_file else "the alerts file"
        raise RuleEditError(f"The alert '{rule_id}' is set in {where}: change it there (for example add "
                            "`muted: true` under it), so the file stays the one record of it.",
                            f"预警“{rule_id}”写在预警文件 {where} 中，请在该文件里修改（例如在它下面加上 "
                            "`muted: true`）。")
    return AlertRule.model_validate(row.body)


def _store_change(store: Engine, rule: AlertRule) -> AlertRule:
    with store.begin() as conn:
        conn.execute(update(rules_table).where(rules_table.c.id == rule.id)
                     .values(body=rule.model_dump(mode="json"), updated_at=utcnow()))
    return rule


def set_muted(store: Engine, alerts: AlertsFile, rule_id: str, muted: bool, *, user: User | None = None,
              alerts_file: Path | None = None) -> AlertRule:
    rule = editable_rule(store, alerts, rule_id, user=user, alerts_file=alerts_file)
    changes: dict[str, Any] = {"muted": muted}
    if not muted:
        changes["snoozed_until"] = None  # "unmute" means: tell me again, now
    return _store_change(store, rule.model_copy(update=changes))


def snooze_rule(store: Engine, alerts: AlertsFile, rule_id: str, until: dt.datetime, *, user: User | None = None,
                alerts_file: Path | None = None) -> AlertRule:
    """Checks go on (incidents are still recorded); nobody is told until `until`."""
    rule = editable_rule(store, alerts, rule_id, user=user, alerts_file=alerts_file)
    moment = until if until.tzinfo else until.replace(tzinfo=dt.UTC)
    return _store_change(store, rule.model_copy(update={"snoozed_until": moment.isoformat()}))


def update_rule(store: Engine, alerts: AlertsFile, rule_id: str, changes: dict[str, Any], layer: Layer, *,
                user: User | None = None, alerts_file: Path | None = None) -> AlertRule:
    """Change a stored rule (name, recipients, interval, grain, the condition's numbers): the result is
    validated exactly like a new rule (model, then the layer), or nothing is stored."""
    rule = editable_rule(store, alerts, rule_id, user=user, alerts_file=alerts_file)
    body = rule.model_dump(mode="json")
    condition = dict(body["condition"], **changes.pop("condition", {}))
    body.update(changes, condition=condition, id=rule.id, source=rule.source, owner=rule.owner)
    try:
        edited = AlertRule.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise RuleEditError(f"{where}: {err['msg']}.", f"{where}：{err['msg']}。") from None
    return _store_change(store, check_rule(edited, layer, alerts.channels))


def delete_rule(store: Engine, alerts: AlertsFile, rule_id: str, *, user: User | None = None,
                alerts_file: Path | None = None) -> AlertRule:
    """Remove a rule; its incidents stay as history."""
    rule = editable_rule(store, alerts, rule_id, user=user, alerts_file=alerts_file)
    with store.begin() as conn:
        conn.execute(delete(rules_table).where(rules_table.c.id == rule_id))
    return rule


def incidents_for(store: Engine, rules: Iterable[AlertRule] | None, *, open_only: bool = False,
                  limit: int = 200) -> list[dict[str, Any]]:
    """Incidents of these rules (None: of every rule), newest first."""
    query = select(incidents).order_by(desc(incidents.c.opened_at), desc(incidents.c.id)).limit(limit)
    if rules is not None:
        query = query.where(incidents.c.rule_id.in_([r.id for r in rules]))
    if open_only:
        query = query.where(incidents.c.status == "open")
    with store.connect() as conn:
        return [dict(r._mapping) | {"opened_at": as_utc(r.opened_at), "resolved_at": as_utc(r.resolved_at)}
                for r in conn.execute(query)]


def inbox_for(store: Engine, user: User | None, *, limit: int = 50) -> list[dict[str, Any]]:
    """The app's notifications for this person (the demo user without sign-in), newest first."""
    name = user.name if user is not None else "demo"
    query = (select(inbox).where(or_(inbox.c.user == name, inbox.c.user == f"user:{name}"))
             .order_by(desc(inbox.c.created_at), desc(inbox.c.id)).limit(limit))
    with store.connect() as conn:
        return [dict(r._mapping) | {"created_at": as_utc(r.created_at)} for r in conn.execute(query)]
