"""What the `alerts` commands share: their words in English and Chinese, building the runner,
turning errors and bad arguments into one sentence, dates and times in words."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from assistant.core.errors import ClarificationNeeded, FactoryAssistantError, user_message

__all__ = ["Context", "check_lang", "err", "fail", "fail_with", "out", "report_json", "rule_state", "t",
           "until_moment", "when_words"]

out = Console(highlight=False, soft_wrap=True)  # soft wrap: a sentence is never cut mid-word for a pipe
err = Console(stderr=True, highlight=False, soft_wrap=True)

_T = {
    "checked": ("checked, nothing new", "已检查，无新情况"), "muted": ("muted", "已静音"),
    "error": ("could not be checked", "无法检查"), "opened": ("opened", "新预警"), "resolved": ("resolved", "已解除"),
    "still_open": ("{n} still open", "{n} 条仍未解除"),
    "delivered": ("Notifications: {n} delivered.", "通知：已发送 {n} 条。"),
    "failed": ("{n} failed and will be retried.", "{n} 条发送失败，稍后重试。"),
    "no_delivery": ("Notifications wait in the outbox: delivery is not installed yet.",
                    "通知暂存在发件箱中：尚未安装发送功能。"),
    "no_rules": ("No alerts yet. Add one: factory-assistant alerts add \"alert me when ...\"",
                 "还没有预警。添加：factory-assistant alerts add \"……时提醒我\""),
    "file": ("file", "文件"), "app": ("app", "应用"), "chat": ("chat", "对话"), "on": ("on", "启用"),
    "snoozed": ("snoozed until {until}", "暂停通知至 {until}"),
    "confirm": ("Create this alert?", "创建这条预警？"), "cancelled": ("Nothing was created.", "未创建预警。"),
    "created": ("Created '{id}'. Mute, snooze or delete it with: factory-assistant alerts mute {id}",
                "已创建“{id}”。可用以下命令静音、暂停或删除：factory-assistant alerts mute {id}"),
    "would": ("The alert would be:", "将创建的预警："),
    "done_mute": ("'{id}' is muted: it is not checked until unmuted.", "“{id}”已静音：取消静音前不再检查。"),
    "done_unmute": ("'{id}' is on again.", "“{id}”已重新启用。"),
    "done_snooze": ("'{id}' is snoozed until {until}: checks go on, nobody is told.",
                    "“{id}”暂停通知至 {until}：仍会检查，但不发通知。"),
    "done_delete": ("'{id}' is deleted; its incidents stay in the history.", "“{id}”已删除，其预警记录仍保留。"),
    "confirm_delete": ("Delete '{id}'?", "删除“{id}”？"),
    "no_incidents": ("No incidents.", "没有预警记录。"),
    "open_since": ("open since {when}", "{when} 起未解除"), "resolved_at": ("resolved {when}", "{when} 已解除"),
    "brief_sent": ("Briefing for {to}: {what}", "{to} 的简报：{what}"),
    "running": ("Watching {n} alert(s), each at its own interval; notifications go out every minute; the "
                "briefing at {time} daily. Ctrl-C stops.",
                "正在监控 {n} 条预警（各按自己的间隔检查），每分钟发送通知，每天 {time} 发送简报。按 Ctrl-C 停止。"),
    "stopped": ("Stopped.", "已停止。"),
    "bad_until": ("'{value}' is not a time to snooze until. Use 1d, 12h, 1w, 2026-01-05 or 2026-01-05T08:00.",
                  "“{value}”不是有效的暂停时间。请用 1d、12h、1w、2026-01-05 或 2026-01-05T08:00。"),
    "who": ("Users are configured ({source}): say whose alert this is with --user NAME.",
            "已配置用户（{source}）：请用 --user NAME 指明这条预警属于谁。"),
    "unknown_user": ("'{user}' is not a user of {source}.", "“{user}”不是 {source} 中的用户。"),
}


def t(key: str, lang: str, **values: Any) -> str:
    en, zh = _T[key]
    return (zh if lang == "zh" else en).format(**values)


class Context:
    """Builds what every command needs, once per command, and turns our errors into sentences."""

    def __init__(self, ensure_demo_db: Callable[[Path], None]) -> None:
        self.ensure_demo_db = ensure_demo_db

    def runner(self, db: str | None, as_of: str | None, layer: str | None, lang: str) -> Any:
        from assistant.alerts.schedule import AlertRunner
        from assistant.core.settings import Settings
        from assistant.pipeline import Pipeline

        # --as-of is the day checked, not "today" for the whole run: a snapshot figure (stock as it
        # stands) is still the latest data's, and must be refused for an earlier day, not relabelled.
        day = self.date(as_of, lang)
        settings = Settings.load(db=db, layer=layer)
        if settings.db is None:
            self.ensure_demo_db(settings.demo_db_path())
        return AlertRunner(Pipeline.from_settings(settings), as_of=day)

    @staticmethod
    def date(value: str | None, lang: str) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            fail(f"'{value}' is not a date. Use YYYY-MM-DD, e.g. 2025-12-31." if lang != "zh" else
                 f"“{value}”不是日期，请用 YYYY-MM-DD 格式，例如 2025-12-31。", code=2)
        return None


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(code)


def fail_with(exc: FactoryAssistantError, lang: str) -> None:
    fail(exc.text(lang) if isinstance(exc, ClarificationNeeded) else user_message(exc, lang))


def check_lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        fail(f"--lang must be en or zh, not '{lang}'. / --lang 只能是 en 或 zh。", code=2)
    return lang


def when_words(moment: dt.datetime | None, lang: str) -> str:
    """'31 Dec 2025 09:00 UTC' / '2025年12月31日 09:00 UTC': people read dates in words."""
    from assistant.explain.periods import day_words

    if moment is None:
        return "—"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    utc = moment.astimezone(dt.UTC)
    return f"{day_words(utc.date(), lang)} {utc:%H:%M} UTC"


_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)


def until_moment(value: str | None, now: dt.datetime, lang: str) -> dt.datetime:
    """--until: a duration (30m, 12h, 1d, 1w), a date (its start) or a date and time (UTC)."""
    if value is None:
        return now + dt.timedelta(days=1)
    found = _DURATION.match(value)
    if found:
        n, unit = int(found.group(1)), found.group(2).lower()
        step = {"m": dt.timedelta(minutes=1), "min": dt.timedelta(minutes=1), "h": dt.timedelta(hours=1),
                "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}[unit]
        return now + n * step
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        fail(t("bad_until", lang, value=value), code=2)
        raise  # unreachable: fail() exits
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def rule_state(rule: Any, lang: str, now: dt.datetime) -> str:
    from assistant.alerts.service import snoozed

    if rule.muted:
        return t("muted", lang)
    if snoozed(rule, now):
        return t("snoozed", lang, until=when_words(dt.datetime.fromisoformat(rule.snoozed_until), lang))
    return t("on", lang)


def report_json(reports: list[Any], messages: dict[int, dict[str, Any]], delivered: Any,
                as_of: dt.date) -> str:
    def incident(i: int) -> dict[str, Any]:
        row = messages.get(i, {})
        return {"id": i, "member": row.get("member_label", ""), "message_en": row.get("message_en", ""),
                "message_zh": row.get("message_zh", "")}

    data = {"as_of": as_of.isoformat(),
            "rules": [{"id": r.rule_id, "status": r.status, "opened": [incident(i) for i in r.opened],
                       "resolved": [incident(i) for i in r.resolved], "still_open": r.still_open,
                       "message": r.message} for r in reports],
            "delivery": {"available": delivered.available, "delivered": delivered.delivered,
                         "failed": {str(k): v for k, v in delivered.failed.items()}}}
    return json.dumps(data, ensure_ascii=False, indent=2)
