"""`factory-assistant alerts ...`: check, run, list, add, mute, unmute, snooze, delete, incidents, briefing.

    alerts check [--as-of DATE] [--json]   every rule once, then the outbox (for cron)
    alerts run                             the scheduler: each rule at its interval, delivery, the briefing
    alerts list                            every rule in words, where it comes from, muted or snoozed
    alerts add "SENTENCE" [--yes]          a rule from a sentence ("alert me when ..."), after confirmation
    alerts mute|unmute|delete ID           rules made in the app or in chat (file rules: edit the file)
    alerts snooze ID [--until WHEN]        nobody is told until then (1d, 1w, 2026-01-05, 2026-01-05T08:00)
    alerts incidents [--open]              what fired, newest first
    alerts briefing [--user NAME] [--send] the daily briefing, printed (or written to the outbox)

Printed text is English or Chinese (--lang; `add` answers in the sentence's language).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from assistant.core.errors import FactoryAssistantError
from assistant.surfaces.cli.alerts_support import (
    Context,
    check_lang,
    fail,
    fail_with,
    out,
    report_json,
    rule_state,
    t,
    until_moment,
    when_words,
)

__all__ = ["register"]

DbOpt = typer.Option(None, "--db", help="DuckDB file or SQLAlchemy URL (default: $FA_DB or the demo factory).")
AsOfOpt = typer.Option(None, "--as-of", help="The date 'today' means (YYYY-MM-DD).")
LayerOpt = typer.Option(None, "--layer", help="Semantic layer folder (default: $FA_LAYER or the demo layer).")
LangOpt = typer.Option("en", "--lang", help="en or zh: the language of what is printed.")
YesOpt = typer.Option(False, "--yes", "-y", help="Do it without asking for confirmation.")
IdArg = typer.Argument(..., help="The alert's id (see `alerts list`).")


def register(app: typer.Typer, ensure_demo_db: Callable[[Path], None]) -> None:
    """Add `alerts` and its sub-commands to the main command line."""
    alerts_app = typer.Typer(no_args_is_help=True, help="Alerts on metrics: check, run, list, add, mute, snooze, "
                                                        "delete, incidents and the daily briefing.")
    app.add_typer(alerts_app, name="alerts")
    _CTX.append(Context(ensure_demo_db))
    for name, command in (("check", check), ("run", run), ("list", list_rules), ("add", add), ("mute", mute),
                          ("unmute", unmute), ("snooze", snooze), ("delete", delete), ("incidents", list_incidents),
                          ("briefing", briefing)):
        alerts_app.command(name)(command)


_CTX: list[Context] = []  # set by register(): how to build the runner (the main CLI's demo-data step)


def ctx() -> Context:
    return _CTX[-1]


def check(db: str | None = DbOpt, as_of: str | None = AsOfOpt, layer: str | None = LayerOpt,
          json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
          lang: str = LangOpt) -> None:
    """Evaluate every rule once, then deliver what is waiting (run it from cron)."""
    lang = check_lang(lang)
    try:
        runner = ctx().runner(db, as_of, layer, lang)
        day = runner.today()
        reports = runner.check(as_of=day)
        delivered = runner.deliver()
    except FactoryAssistantError as exc:
        fail_with(exc, lang)
        return
    messages = _incident_rows(runner.store, [i for r in reports for i in (*r.opened, *r.resolved)])
    if json_out:
        print(report_json(reports, messages, delivered, day))
    else:
        names = {r.id: r.name for r in runner.alerts().rules}
        for report in reports:
            _print_report(report, names.get(report.rule_id, ""), messages, lang)
        _print_delivery(delivered, lang)
    raise typer.Exit(1 if any(r.status == "error" for r in reports) else 0)


def run(db: str | None = DbOpt, layer: str | None = LayerOpt, lang: str = LangOpt) -> None:
    """Run the scheduler: each rule at its interval, delivery every minute, the daily briefing. Ctrl-C stops."""
    from assistant.surfaces.cli.alerts_run import run_scheduler

    lang = check_lang(lang)
    try:
        runner = ctx().runner(db, None, layer, lang)
    except FactoryAssistantError as exc:
        fail_with(exc, lang)
        return
    names = {r.id: r.name for r in runner.alerts().rules}
    run_scheduler(runner, lang, lambda report, rows: _print_report(report, names.get(report.rule_id, ""), rows,
                                                                   lang),
                  lambda ids: _incident_rows(runner.store, ids))


def list_rules(db: str | None = DbOpt, layer: str | None = LayerOpt, lang: str = LangOpt) -> None:
    """Every rule in words: its id, where it comes from, whether it is on, muted or snoozed."""
    from assistant.alerts.manage import rule_words

    lang = check_lang(lang)
    try:
        runner = ctx().runner(db, None, layer, lang)
        rules = runner.alerts().rules
        now = dt.datetime.now(dt.UTC)
        if not rules:
            out.print(t("no_rules", lang))
        for rule in rules:
            out.print(f"[bold]{escape(rule.id)}[/bold] ({t(rule.source, lang)}, {rule_state(rule, lang, now)})")
            out.print(f"    {escape(rule_words(rule, runner.pipeline, lang))}")
            out.print(f"    → {escape(', '.join(rule.recipients) or '—')}")
    except FactoryAssistantError as exc:
        fail_with(exc, lang)


def add(sentence: str = typer.Argument(..., help='A sentence, e.g. "alert me when ... falls below 75%" or '
                                                    '"……低于75%时提醒我".'),
        db: str | None = DbOpt, layer: str | None = LayerOpt, as_of: str | None = AsOfOpt,
        user: str | None = typer.Option(None, "--user", help="Whose alert (owner and recipient); required "
                                                             "when users are configured."),
        yes: bool = YesOpt) -> None:
    """Make a rule from a sentence in English or Chinese; it is shown in words before it is saved."""
    from assistant.alerts.manage import save_rule
    from assistant.alerts.scope_check import rule_within_scope
    from assistant.core.text import question_lang, valid_unicode

    sentence = valid_unicode(sentence)
    lang = question_lang(sentence)
    try:
        runner = ctx().runner(db, as_of, layer, lang)
        who = _user(runner, user, lang)
        alerts = runner.alerts()
        taken = {r.id for r in alerts.rules}
        draft = rule_within_scope(sentence, runner.pipeline, user=who, taken=taken, channels=alerts.channels,
                                   as_of=runner.today())
    except FactoryAssistantError as exc:
        fail_with(exc, lang)
        return
    other = "en" if lang == "zh" else "zh"
    out.print(t("would", lang))
    out.print(f"  [bold]{escape(draft.text(lang))}[/bold]")
    out.print(f"  [dim]{escape(draft.text(other))}[/dim]")
    if not yes and not typer.confirm(t("confirm", lang), default=True):
        out.print(t("cancelled", lang))
        raise typer.Exit(1)
    saved = save_rule(runner.store, draft.rule, taken)
    out.print(t("created", lang, id=saved.id))


def _edit(rule_id: str, db: str | None, layer: str | None, lang: str, change: Callable[..., Any],
          done: str, **values: Any) -> None:
    from assistant.alerts.config import alerts_path

    lang = check_lang(lang)
    try:
        runner = ctx().runner(db, None, layer, lang)
        change(runner.store, runner.alerts(), rule_id, alerts_file=alerts_path(runner.settings), **values)
    except FactoryAssistantError as exc:
        fail_with(exc, lang)
        return
    shown = {k: when_words(v, lang) if isinstance(v, dt.datetime) else v for k, v in values.items()}
    out.print(t(done, lang, id=rule_id, **shown))


def mute(rule_id: str = IdArg, db: str | None = DbOpt, layer: str | None = LayerOpt, lang: str = LangOpt) -> None:
    """Stop checking a rule made in the app or in chat until it is unmuted."""
    from assistant.alerts.manage import set_muted

    _edit(rule_id, db, layer, lang, set_muted, "done_mute", muted=True)


def unmute(rule_id: str = IdArg, db: str | None = DbOpt, layer: str | None = LayerOpt,
           lang: str = LangOpt) -> None:
    """Check a muted (or snoozed) rule again and tell its recipients."""
    from assistant.alerts.manage import set_muted

    _edit(rule_id, db, layer, lang, set_muted, "done_unmute", muted=False)


def snooze(rule_id: str = IdArg, until: str | None = typer.Option(
               None, "--until", help="30m, 12h, 1d, 1w, a date (2026-01-05) or a date and time in UTC "
                                     "(2026-01-05T08:00). Default: one day."),
           db: str | None = DbOpt, layer: str | None = LayerOpt, lang: str = LangOpt) -> None:
    """Keep checking, but tell nobody until then."""
    from assistant.alerts.manage import snooze_rule

    moment = until_moment(until, dt.datetime.now(dt.UTC), check_lang(lang))
    _edit(rule_id, db, layer, lang, snooze_rule, "done_snooze", until=moment)


def delete(rule_id: str = IdArg, db: str | None = DbOpt, layer: str | None = LayerOpt, lang: str = LangOpt,
           yes: bool = YesOpt) -> None:
    """Delete a rule made in the app or in chat; its incidents stay in the history."""
    from assistant.alerts.manage import delete_rule

    if not yes and not typer.confirm(t("confirm_delete", check_lang(lang), id=rule_id), default=False):
        out.print(t("cancelled", lang))
        raise typer.Exit(1)
    _edit(rule_id, db, layer, lang, delete_rule, "done_delete")


def list_incidents(open_only: bool = typer.Option(False, "--open", help="Only those not resolved yet."),
                   db: str | None = DbOpt, layer: str | None = LayerOpt, lang: str = LangOpt,
                   limit: int = typer.Option(50, "--limit", min=1, max=1000)) -> None:
    """What fired, newest first: when, which alert, and what it said."""
    from assistant.alerts.manage import incidents_for

    lang = check_lang(lang)
    try:
        runner = ctx().runner(db, None, layer, lang)
        rows = incidents_for(runner.store, None, open_only=open_only, limit=limit)
    except FactoryAssistantError as exc:
        fail_with(exc, lang)
        return
    if not rows:
        out.print(t("no_incidents", lang))
    for row in rows:
        state = t("open_since", lang, when=when_words(row["opened_at"], lang)) if row["status"] == "open" else \
            t("resolved_at", lang, when=when_words(row["resolved_at"], lang))
        out.print(f"#{row['id']} [bold]{escape(row['rule_id'])}[/bold] ({state})")
        out.print(f"    {escape(row['message_zh'] if lang == 'zh' else row['message_en'])}")


def briefing(user: str | None = typer.Option(None, "--user", help="Whose briefing (default: the demo user, "
                                                                  "or the first configured recipient)."),
             as_of: str | None = AsOfOpt, db: str | None = DbOpt, layer: str | None = LayerOpt,
             lang: str | None = typer.Option(None, "--lang", help="en or zh (default: the recipient's)."),
             send: bool = typer.Option(False, "--send", help="Write today's briefing for every recipient into "
                                                             "the outbox and deliver it (once a day).")) -> None:
    """Print the daily briefing (yesterday's key figures, open alerts, biggest movers), or send it."""
    from assistant.alerts.briefing import build_briefing

    shown = check_lang(lang or "en")
    try:
        runner = ctx().runner(db, as_of, layer, shown)
        if send:
            for to, what in runner.briefings(as_of=runner.today()).items():
                out.print(t("brief_sent", shown, to=to, what=what))
            _print_delivery(runner.deliver(), shown)
            return
        recipient = _recipient(runner, user, lang, shown)
        text = build_briefing(runner.pipeline, runner.store, runner.alerts(), recipient, as_of=runner.today(),
                              users=runner.users).text
    except FactoryAssistantError as exc:
        fail_with(exc, shown)
        return
    out.print(escape(text))


def _user(runner: Any, name: str | None, lang: str) -> Any:
    users = runner.users
    if users is None:
        if name:
            fail("--user needs a users file (FA_USERS), and none is configured. / "
                 "使用 --user 需要先配置用户文件（FA_USERS）。", code=2)
        return None
    if not name:
        fail(t("who", lang, source=users.source), code=2)
    who = users.get(str(name))
    if who is None:
        fail(t("unknown_user", lang, user=name, source=users.source), code=2)
    return who


def _recipient(runner: Any, user: str | None, lang: str | None, shown: str) -> Any:
    from assistant.alerts.briefing import briefing_recipients
    from assistant.alerts.briefing_config import BriefingRecipient

    configured = briefing_recipients(runner.alerts())
    if user is not None:
        _user(runner, user, shown)
        to = f"user:{user}"
        found = next((r for r in configured if r.to == to), None) or BriefingRecipient(to=to)
    else:
        found = configured[0] if configured else BriefingRecipient(to="user:demo")
    return found.model_copy(update={"lang": lang}) if lang else found


def _incident_rows(store: Any, ids: list[int]) -> dict[int, dict[str, Any]]:
    from sqlalchemy import select

    from assistant.alerts.store import incidents

    if not ids:
        return {}
    with store.connect() as conn:
        return {r.id: dict(r._mapping) for r in conn.execute(select(incidents).where(incidents.c.id.in_(ids)))}


def _print_report(report: Any, name: str, messages: dict[int, dict[str, Any]], lang: str) -> None:
    head = f"[bold]{escape(report.rule_id)}[/bold]" + (f" ({escape(name)})" if name else "")
    if report.status == "muted":
        out.print(f"{head}: {t('muted', lang)}")
        return
    if report.status == "error":
        out.print(f"{head}: [red]{t('error', lang)}[/red] — {escape(report.message)}")
        return
    if not report.opened and not report.resolved:
        still = f"; {t('still_open', lang, n=report.still_open)}" if report.still_open else ""
        out.print(f"{head}: {t('checked', lang)}{still}")
        return
    out.print(f"{head}:")
    for kind, ids in (("opened", report.opened), ("resolved", report.resolved)):
        for i in ids:
            row = messages.get(i, {})
            text = row.get("message_zh" if lang == "zh" else "message_en") or f"#{i}"
            out.print(f"    {t(kind, lang)} #{i}: {escape(str(text))}")


def _print_delivery(delivered: Any, lang: str) -> None:
    if not delivered.available:
        out.print(t("no_delivery", lang))
        return
    line = t("delivered", lang, n=delivered.delivered)
    if delivered.failed:
        line += " " + t("failed", lang, n=len(delivered.failed))
    out.print(line)
