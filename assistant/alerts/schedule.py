"""Running alerts: one check of every rule (`alerts check`, for cron), and the scheduler of
`alerts run` (APScheduler): each rule at its own `every_minutes`, the outbox delivered every
minute, the daily briefing at the alerts file's `briefing: time`.

Every job reloads the rules first, so a rule made, muted or deleted in the app or in chat takes
effect on the next run without a restart; a minute's "sync" job adds and removes rules' jobs.
Jobs run one at a time (one worker thread): a check and a delivery never race on the state
database, and the scheduler never starts a second copy of a job that is still running.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from assistant.alerts.briefing import send_briefings
from assistant.alerts.config import load_rules
from assistant.alerts.manage import open_state_db
from assistant.alerts.rules import AlertsFile, Channel
from assistant.alerts.service import CheckReport, check_rules
from assistant.alerts.store import utcnow
from assistant.core.errors import FactoryAssistantError
from assistant.core.users import Users, load_users
from assistant.pipeline import Pipeline

__all__ = ["AlertRunner", "Delivered", "add_jobs", "deliver_pending_notifications", "sync_rule_jobs"]

log = logging.getLogger("factory_assistant.alerts")
DELIVERY_MODULE = "assistant.alerts.delivery"
RULE_JOB = "rule:"


@dataclass
class Delivered:
    """What one delivery pass did; `available` is False when no delivery code is installed."""

    available: bool = True
    delivered: int = 0
    failed: dict[int, str] = field(default_factory=dict)


def deliver_pending_notifications(store: Engine, channels: dict[str, Channel],
                                  now: dt.datetime | None = None) -> Delivered:
    """The delivery hook: the outbox worker of assistant.alerts.delivery when it is installed.

    Without it notifications stay in the outbox (nothing is lost) and the next pass sends them."""
    try:
        module = importlib.import_module(DELIVERY_MODULE)
    except ImportError:
        return Delivered(available=False)
    deliver: Callable[..., Any] = module.deliver_pending
    report = deliver(store, channels, now=now)
    return Delivered(True, len(getattr(report, "delivered", []) or []), dict(getattr(report, "failed", {}) or {}))


class AlertRunner:
    """The pipeline, the state database, the users and the rules, wired once for checks,
    deliveries and briefings (the CLI and the scheduler both use it)."""

    def __init__(self, pipeline: Pipeline, *, store: Engine | None = None, users: Users | None = None,
                 as_of: dt.date | None = None) -> None:
        self.pipeline = pipeline
        self.as_of = as_of  # the day checked (`alerts check --as-of`); None: the settings' today
        self.settings = pipeline.settings
        self.store = store if store is not None else open_state_db(self.settings.alerts_db_url())
        # No users: the anonymous demo, unless the settings name a users file.
        self.users = users if users is not None else load_users(self.settings.users_file)

    def alerts(self) -> AlertsFile:
        """The file's rules and the state database's, read afresh (edits in the app count at once)."""
        return load_rules(self.settings, self.pipeline.layer, self.store)

    def today(self) -> dt.date:
        return self.as_of or self.settings.today()

    def check(self, *, as_of: dt.date | None = None, rule_ids: set[str] | None = None,
              now: dt.datetime | None = None) -> list[CheckReport]:
        rules = [r for r in self.alerts().rules if rule_ids is None or r.id in rule_ids]
        return check_rules(rules, pipeline=self.pipeline, store=self.store, as_of=as_of or self.today(),
                           users=self.users, now=now)

    def deliver(self, now: dt.datetime | None = None) -> Delivered:
        return deliver_pending_notifications(self.store, self.alerts().channels, now)

    def briefings(self, *, as_of: dt.date | None = None, now: dt.datetime | None = None) -> dict[str, str]:
        return send_briefings(self.pipeline, self.store, self.alerts(), as_of=as_of or self.today(),
                              users=self.users, now=now)


Report = Callable[[str, Any], None]  # (what ran, its result): how `alerts run` prints progress


def _guarded(name: str, job: Callable[[], Any], report: Report) -> Callable[[], None]:
    """A job that reports its result and never takes the scheduler down: our errors are one line,
    anything else is logged with its details for the operator."""

    def run() -> None:
        try:
            report(name, job())
        except FactoryAssistantError as exc:
            report(name, exc)
        except Exception:
            log.exception("alert job %s failed", name)
            report(name, RuntimeError("failed; see the log"))

    return run


def _checker(runner: AlertRunner, rule_id: str) -> Callable[[], list[CheckReport]]:
    return lambda: runner.check(rule_ids={rule_id})


def sync_rule_jobs(scheduler: Any, runner: AlertRunner, report: Report) -> None:
    """One job per rule at its own interval: new rules get one, deleted rules lose theirs, a changed
    interval is rescheduled. The first check of a new rule runs at once."""
    rules = {r.id: r for r in runner.alerts().rules}
    jobs = {j.id: j for j in scheduler.get_jobs() if j.id.startswith(RULE_JOB)}
    for job_id, job in jobs.items():
        rule = rules.get(job_id.removeprefix(RULE_JOB))
        if rule is None:
            scheduler.remove_job(job_id)
        elif getattr(job.trigger, "interval", None) != dt.timedelta(minutes=rule.every_minutes):
            scheduler.reschedule_job(job_id, trigger="interval", minutes=rule.every_minutes)
    for rule_id, rule in rules.items():
        if RULE_JOB + rule_id in jobs:
            continue
        check = _guarded(RULE_JOB + rule_id, _checker(runner, rule_id), report)
        scheduler.add_job(check, "interval", minutes=rule.every_minutes, id=RULE_JOB + rule_id, name=RULE_JOB + rule_id,
                          next_run_time=dt.datetime.now(dt.UTC), coalesce=True, max_instances=1,
                          misfire_grace_time=rule.every_minutes * 60)


def add_jobs(scheduler: Any, runner: AlertRunner, report: Report) -> AlertsFile:
    """The scheduler's jobs: every rule, the rules' sync and the delivery each minute, the briefing
    daily. Returns the rules as loaded, for the start-up message."""
    alerts = runner.alerts()
    sync_rule_jobs(scheduler, runner, report)
    # One worker runs the jobs in turn: a minute's job waiting behind a long check is late, not missed.
    scheduler.add_job(_guarded("sync", lambda: sync_rule_jobs(scheduler, runner, report), report), "interval",
                      minutes=1, id="sync", name="sync", coalesce=True, max_instances=1, misfire_grace_time=300)
    scheduler.add_job(_guarded("deliver", lambda: runner.deliver(utcnow()), report), "interval", minutes=1,
                      id="deliver", name="deliver", next_run_time=dt.datetime.now(dt.UTC), coalesce=True,
                      max_instances=1, misfire_grace_time=300)
    hour, minute = (alerts.briefing.hour_minute if alerts.briefing is not None else (7, 30))
    # A briefing missed by less than two hours (a restart, a sleeping laptop) still goes out;
    # the dedupe key keeps it to one a day either way.
    scheduler.add_job(_guarded("briefing", lambda: runner.briefings(), report), "cron", hour=hour, minute=minute,
                      id="briefing", name="briefing", coalesce=True, max_instances=1, misfire_grace_time=2 * 3600)
    return alerts


def blocking_scheduler() -> Any:
    """APScheduler's BlockingScheduler with one worker: jobs run one at a time, in the foreground."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    return BlockingScheduler(executors={"default": ThreadPoolExecutor(1)})
