"""`factory-assistant alerts run`: the scheduler in the foreground, one line per thing that happened.

Ctrl-C (SIGINT) or SIGTERM (a service manager stopping it) shuts the scheduler down: the job
running finishes its transaction or rolls it back, and whatever was not delivered stays in the
outbox for the next start. Nothing is lost and nothing is sent twice (see alerts/store.py).
"""

from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Callable
from typing import Any

from rich.markup import escape

from assistant.core.errors import FactoryAssistantError
from assistant.surfaces.cli.alerts_support import out, t

__all__ = ["run_scheduler"]

Printer = Callable[[Any, dict[int, dict[str, Any]]], None]  # one rule's check report and its incidents' rows
Rows = Callable[[list[int]], dict[int, dict[str, Any]]]  # incident ids -> their rows


def run_scheduler(runner: Any, lang: str, print_report: Printer, incident_rows: Rows,
                  scheduler: Any = None) -> None:
    """Start the jobs and block until stopped. `scheduler` is for tests (a BlockingScheduler by default)."""
    from assistant.alerts.schedule import add_jobs, blocking_scheduler

    scheduler = scheduler if scheduler is not None else blocking_scheduler()

    report = _reporter(lang, print_report, incident_rows)
    try:
        alerts = add_jobs(scheduler, runner, report)
    except FactoryAssistantError as exc:
        from assistant.surfaces.cli.alerts_support import fail_with

        fail_with(exc, lang)
        return
    briefing = alerts.briefing.time if alerts.briefing is not None else "07:30"
    out.print(t("running", lang, n=len(alerts.rules), time=briefing))

    def stop(_signum: int, _frame: Any) -> None:
        scheduler.shutdown(wait=False)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if getattr(scheduler, "running", False):
            scheduler.shutdown(wait=False)
    out.print(t("stopped", lang))


def _reporter(lang: str, print_report: Printer, incident_rows: Rows) -> Callable[[str, Any], None]:
    """One line per thing that happened; quiet when a delivery pass found nothing to send."""

    def report(name: str, result: Any) -> None:
        stamp = f"[dim]{dt.datetime.now():%H:%M}[/dim] "
        if isinstance(result, Exception):
            message = result.text(lang) if hasattr(result, "text") else str(result)
            out.print(f"{stamp}{escape(name)}: [red]{escape(message)}[/red]")
        elif isinstance(result, list):  # a rule's check
            rows = incident_rows([i for r in result for i in (*r.opened, *r.resolved)])
            for item in result:
                out.print(stamp, end="")
                print_report(item, rows)
        elif isinstance(result, dict):  # the briefing: recipient -> what happened
            for to, what in result.items():
                out.print(stamp + escape(t("brief_sent", lang, to=to, what=what)))
        elif getattr(result, "delivered", 0) or getattr(result, "failed", None):
            line = t("delivered", lang, n=result.delivered)
            if result.failed:
                line += " " + t("failed", lang, n=len(result.failed))
            out.print(stamp + line)

    return report
