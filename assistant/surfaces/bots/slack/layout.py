"""A `ChatReply` as Slack shows it (Block Kit), and Slack's message markup read back as plain text.

Only layout lives here: what the answer says was decided once in `bots.reply`, so Slack shows
the same sentence, table, options and provenance as every other chat. Slack's own limits are
applied here (3,000 characters a section, 75 a button label, 2,000 a button value), because a
message over any of them is refused whole and the manager would see nothing.
"""

from __future__ import annotations

import html
import re
from typing import Any

from assistant.surfaces.bots.engine import ALERT_CONFIRM_PREFIX
from assistant.surfaces.bots.reply import ChatReply, word

__all__ = ["ACTION_ASK", "ACTION_HOW", "ACTION_OPEN", "MAX_VALUE", "escape", "fallback_text", "plain_text",
           "provenance_blocks", "reply_blocks", "said", "text_blocks"]

# action_id prefixes: Slack wants action ids unique within a message, so options get a number.
ACTION_ASK = "fa_ask"  # an option or the alert confirm: asks the button's question in the thread
ACTION_HOW = "fa_how"  # "How was this computed?": posts the provenance in the thread
ACTION_OPEN = "fa_open"  # a link button; Slack still sends block_actions for it, which are acked and dropped

MAX_VALUE = 2000  # Slack's limit for a button's value
_SECTION = 3000  # and for a section's text
_BUTTON = 75  # and for a button's label
_FALLBACK = 3900  # the notification text; Slack cuts long ones anyway, and shorter reads better

_WORDS = {
    "how": ("How was this computed?", "这是怎么算的？"),
    "how_title": ("How this was computed", "计算方式"),
    "open": ("Open in the app", "在应用中打开"),
    "working": ("Working on it… I'll put the answer here.", "正在计算，请稍候…答案会显示在这里。"),
    "chart_failed": ("I couldn't attach the chart here.", "图表未能上传到这里。"),
    "chart_in_app": ("I couldn't attach the chart here; it is in the app: {link}",
                     "图表未能上传到这里，可在应用中查看：{link}"),
    "chart_title": ("Chart: {question}", "图表：{question}"),
    "details_gone": ("I no longer have the details of that answer (the bot was restarted). Ask the question "
                     "again to see how it was computed.",
                     "我已不再保留那条答案的细节（机器人重启过）。请再问一次以查看计算方式。"),
    "asked": ("<@{user}> asked: {text}", "<@{user}> 提问：{text}"),
    "cannot_post": ("I can't post in this channel. Invite me with `/invite @factory-assistant`, or ask me in a "
                    "direct message.",
                    "我无法在这个频道发言。请用 `/invite @factory-assistant` 邀请我，或私信问我。"),
    "failed": ("Something went wrong on my side while answering. Please try again.",
               "我这边回答时出了问题。请再试一次。"),
    "truncated": ("The result was cut at the row limit.", "结果超过行数上限，已截断。"),
}


def said(key: str, lang: str, **values: object) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh" else en).format(**values)


def escape(text: str) -> str:
    """Slack reads &, < and > as markup in every text field, code blocks included."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, _SECTION)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(text, _SECTION)}]}


def _button(label: str, action_id: str, *, value: str | None = None, url: str | None = None,
            style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action_id,
                              "text": {"type": "plain_text", "text": _cut(label, _BUTTON), "emoji": True}}
    if value is not None:
        button["value"] = value
    if url:
        button["url"] = url
    if style:
        button["style"] = style
    return button


def _code_block(text: str) -> str:
    """A fixed-width block within the section limit, cut at whole lines (a cut line would misalign)."""
    fence = "```"
    room = _SECTION - 2 * len(fence) - 2
    lines, used = [], 0
    for line in escape(text).splitlines():
        if used + len(line) + 1 > room:
            lines.append("…")
            break
        lines.append(line)
        used += len(line) + 1
    return fence + "\n".join(lines) + fence


def text_blocks(text: str) -> list[dict[str, Any]]:
    """A plain message (working on it, errors, help lines) as one section."""
    return [_section(escape(text))]


def reply_blocks(reply: ChatReply, *, details_ref: str = "",
                 option_values: list[str] | None = None) -> list[dict[str, Any]]:
    """The answer: sentence, scope note, table, "N more rows" with the app link, buttons, context.
    `details_ref` is the "How was this computed?" button's value (empty: no button); `option_values`
    are the options' button values in order (default: their questions)."""
    blocks: list[dict[str, Any]] = [_section(escape(reply.text or "…"))]
    if reply.scope_note:
        blocks.append(_context(escape(reply.scope_note)))
    if reply.has_table:
        blocks.append(_section(_code_block(reply.table_text())))
    more = _more_rows(reply)
    if more is not None:
        blocks.append(more)
    buttons = _option_buttons(reply, option_values)
    if details_ref and reply.provenance:
        buttons.append(_button(said("how", reply.lang), ACTION_HOW, value=details_ref))
    if reply.link and more is None and reply.status == "ok":
        buttons.append(_button(said("open", reply.lang), f"{ACTION_OPEN}_app", url=reply.link))
    if buttons:
        blocks.append({"type": "actions", "elements": buttons[:25]})  # Slack's cap per actions block
    context = _context_line(reply)
    if context:
        blocks.append(_context(escape(context)))
    return blocks


def _more_rows(reply: ChatReply) -> dict[str, Any] | None:
    if not reply.more_rows and not reply.truncated:
        return None
    words = []
    if reply.more_rows:
        words.append(word("more_rows", reply.lang, n=f"{reply.more_rows:,}"))
    if reply.truncated:
        words.append(said("truncated", reply.lang))
    block = _section(escape(" ".join(words)))
    if reply.link:  # the rest is in the app, one press away
        block["accessory"] = _button(said("open", reply.lang), f"{ACTION_OPEN}_rows", url=reply.link)
    return block


def _option_buttons(reply: ChatReply, values: list[str] | None) -> list[dict[str, Any]]:
    buttons = []
    for n, option in enumerate(reply.options):
        value = values[n] if values is not None else option.question[:MAX_VALUE]
        style = "primary" if option.question.startswith(ALERT_CONFIRM_PREFIX) else None
        buttons.append(_button(option.label, f"{ACTION_ASK}_{n}", value=value, style=style))
    return buttons


def _context_line(reply: ChatReply) -> str:
    """The answer's period and data freshness under it: the two things a manager checks first."""
    wanted = {word("period", reply.lang), word("fresh", reply.lang)}
    return " · ".join(f"{label}: {text}" for label, text in reply.provenance if label in wanted)


def fallback_text(reply: ChatReply) -> str:
    """The message's `text`: what notifications and screen readers show, and the whole message
    when Slack refuses the blocks (then the table comes too, in a code block)."""
    parts = [escape(reply.text)]
    if reply.scope_note:
        parts.append(escape(reply.scope_note))
    if reply.has_table:
        parts.append(_code_block(reply.table_text()))
    if reply.more_rows:
        parts.append(escape(word("more_rows", reply.lang, n=f"{reply.more_rows:,}")))
    if reply.link:
        parts.append(reply.link)
    return _cut("\n".join(p for p in parts if p), _FALLBACK)


def provenance_blocks(reply: ChatReply) -> list[dict[str, Any]]:
    """What "How was this computed?" posts: each provenance line, then the SQL as code."""
    lines = [f"*{escape(said('how_title', reply.lang))}*"]
    lines += [f"• *{escape(label)}*: {escape(text)}" for label, text in reply.provenance]
    blocks = [_section("\n".join(lines))]
    if reply.sql:
        blocks.append(_section(_code_block(reply.sql)))
    return blocks


_SELF_MENTION = r"<@{bot}(?:\|[^>]*)?>"
_LEADING_MENTIONS = re.compile(r"^\s*(?:<@[UW][A-Z0-9]+(?:\|[^>]*)?>\s*)+")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<![^>]*>")


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """A message as the person typed it: the bot's mention taken off, other markup back to words
    (`<#C1|plant-ops>` → #plant-ops, `<https://x|x>` → x), and &amp;/&lt;/&gt; unescaped."""
    if bot_user_id:
        text = re.sub(_SELF_MENTION.format(bot=re.escape(bot_user_id)), " ", text)
    else:  # who "I" am is not known yet: the mentions a message starts with are addressing
        text = _LEADING_MENTIONS.sub(" ", text)
    text = _USER.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + m.group(1), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(" ", text)
    return " ".join(html.unescape(text).split())
