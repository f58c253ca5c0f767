"""Send what the outbox holds: claim a due row, hand it to its channel, mark it delivered only
once the channel accepted it, or schedule the next try with backoff. Nothing is ever dropped.

Why a claim: two workers (a cron `alerts check`, the app's scheduler) may run at once. Each
row is claimed with one conditional UPDATE (`claimed_until` empty or lapsed) whose row count
says who won, so one worker sends it. A worker that dies mid-send leaves its claim to lapse
(`lease`, 5 minutes), after which the row is due again: at-least-once, and the dedupe key lets
a receiver drop the rare repeat of a message that was accepted just before the crash.

Why the schedule is in the database and not in tenacity: a stored `next_attempt_at` survives a
restart, and a retry waits for the next run instead of holding the batch up.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, or_, select, update

from assistant.alerts.delivery import dingtalk, feishu, generic, inbox, slack, teams, wecom
from assistant.alerts.delivery.base import (
    TIMEOUT,
    DeliveryContext,
    DeliveryError,
    Notification,
    Sender,
    redact,
    url_secrets,
)
from assistant.alerts.rules import Channel
from assistant.alerts.store import as_utc, outbox, utcnow
from assistant.core.settings import environment_value

__all__ = ["BASE_DELAY", "LEASE", "MAX_DELAY", "DeliveryReport", "backoff", "default_senders", "deliver_pending",
           "failed_deliveries"]

BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)
LEASE = dt.timedelta(minutes=5)  # far above one send's timeouts, short enough to resume soon after a crash
_MAX_ERROR = 500


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # outbox id -> the error recorded
    skipped: int = 0  # due rows another worker claimed first


def default_senders() -> dict[str, Sender]:
    """Keyed by recipient kind (`user`, `slack`) and, for `webhook:` recipients, by the
    channel's type (`slack-webhook` for a channel of type slack). Pass `senders` to replace any."""
    return {"user": inbox.send, "slack": slack.SlackBotSender(), "feishu": feishu.send, "dingtalk": dingtalk.send,
            "wecom": wecom.send, "teams": teams.send, "generic": generic.send, "slack-webhook": slack.send_webhook}


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """The wait after the `attempts`-th failed try: 30 s doubling to a 1-hour cap, with "equal
    jitter" (half fixed, half random) so many failing rows spread out while, below the cap,
    every wait is at least as long as the one before."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** min(max(attempts, 1) - 1, 20))
    half = ceiling / 2
    return half + half * (rng or random).random()


def deliver_pending(store: Engine, channels: Mapping[str, Channel], *, now: dt.datetime | None = None,
                    senders: Mapping[str, Sender] | None = None, limit: int = 100,
                    lease: dt.timedelta = LEASE) -> DeliveryReport:
    """Send up to `limit` due rows, oldest first. `now` fixes the clock (tests, replays)."""
    fixed = _utc(now) if now is not None else None

    def clock() -> dt.datetime:
        return fixed or utcnow()

    routes = {**default_senders(), **(senders or {})}
    report = DeliveryReport()
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as http:
        for row_id in _due(store, clock(), limit):
            lease_until = clock() + lease
            row = _claim(store, row_id, clock(), lease_until)
            if row is None:
                report.skipped += 1
                continue
            error = _send(Notification.from_row(row), channels, routes, store, http)
            if error is None:
                _done(store, row_id, clock())
                report.delivered.append(row_id)
            else:
                _fail(store, row, clock(), lease_until, error)
                report.failed[row_id] = error
    return report


def _send(note: Notification, channels: Mapping[str, Channel], routes: Mapping[str, Sender], store: Engine,
          http: httpx.Client) -> str | None:
    """None when the channel accepted the notification, else the error to record (no secrets)."""
    channel = channels.get(note.target) if note.kind == "webhook" else None
    try:
        _route(note, channel, routes)(note, DeliveryContext(store, http, channel))
    except Exception as exc:  # a crash (SystemExit, KeyboardInterrupt) is not caught: the claim lapses
        error = exc if isinstance(exc, DeliveryError) else DeliveryError(
            f"unexpected error ({type(exc).__name__})", f"意外错误（{type(exc).__name__}）")
        return redact(error.both(), _secrets(channel))[:_MAX_ERROR]
    return None


def failed_deliveries(store: Engine, *, min_attempts: int = 1, limit: int = 500) -> list[dict[str, Any]]:
    """Rows not delivered after at least `min_attempts` tries, oldest first: what an operator
    looks at (they stay pending and keep being retried, hourly at most)."""
    query = (select(outbox.c.id, outbox.c.dedupe_key, outbox.c.event, outbox.c.recipient, outbox.c.attempts,
                    outbox.c.created_at, outbox.c.next_attempt_at, outbox.c.last_error)
             .where(outbox.c.delivered_at.is_(None), outbox.c.attempts >= min_attempts)
             .order_by(outbox.c.created_at, outbox.c.id).limit(limit))
    with store.connect() as conn:
        return [dict(r._mapping) | {"created_at": as_utc(r.created_at), "next_attempt_at": as_utc(r.next_attempt_at)}
                for r in conn.execute(query)]


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite keeps wall-clock strings: every time written or compared must be UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _free(now: dt.datetime) -> Any:
    return or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now)


def _due(store: Engine, now: dt.datetime, limit: int) -> list[int]:
    query = (select(outbox.c.id)
             .where(outbox.c.delivered_at.is_(None), outbox.c.next_attempt_at <= now, _free(now))
             .order_by(outbox.c.created_at, outbox.c.id).limit(limit))
    with store.connect() as conn:
        return [int(r.id) for r in conn.execute(query)]


def _claim(store: Engine, row_id: int, now: dt.datetime, lease_until: dt.datetime) -> Any:
    """The row, if this worker won it; None if another worker has it or it was just sent."""
    with store.begin() as conn:
        won = conn.execute(update(outbox)
                           .where(outbox.c.id == row_id, outbox.c.delivered_at.is_(None),
                                  outbox.c.next_attempt_at <= now, _free(now))
                           .values(claimed_until=lease_until)).rowcount
        if won != 1:
            return None
        return conn.execute(select(outbox).where(outbox.c.id == row_id)).one()


def _route(note: Notification, channel: Channel | None, routes: Mapping[str, Sender]) -> Sender:
    key: str = note.kind
    if note.kind == "webhook":
        if channel is None:
            raise DeliveryError(f"no channel '{note.target}' is configured", f"未配置渠道“{note.target}”")
        key = "slack-webhook" if channel.type == "slack" else channel.type
    sender: Callable[..., None] | None = routes.get(key)
    if sender is None:
        raise DeliveryError(f"no way to deliver to '{note.kind}:'", f"无法投递到“{note.kind}:”")
    return sender


def _secrets(channel: Channel | None) -> list[str]:
    found = [environment_value(slack.TOKEN_ENV) or ""]
    if channel is not None:
        found += [*url_secrets(channel.url), channel.url]
        if channel.secret_env:
            found.append(environment_value(channel.secret_env) or "")
    return found


def _done(store: Engine, row_id: int, now: dt.datetime) -> None:
    # Marked whoever holds the claim now: the channel accepted it, so it is delivered.
    with store.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.id == row_id, outbox.c.delivered_at.is_(None))
                     .values(delivered_at=now, attempts=outbox.c.attempts + 1, claimed_until=None))


def _fail(store: Engine, row: Any, now: dt.datetime, lease_until: dt.datetime, error: str) -> None:
    attempts = int(row.attempts) + 1
    with store.begin() as conn:
        conn.execute(update(outbox)
                     .where(outbox.c.id == row.id, outbox.c.delivered_at.is_(None),
                            outbox.c.claimed_until == lease_until)  # still ours: never undo another's work
                     .values(attempts=attempts, last_error=error, next_attempt_at=now + backoff(attempts),
                             claimed_until=None))
