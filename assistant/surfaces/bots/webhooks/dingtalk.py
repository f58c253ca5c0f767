"""DingTalk enterprise internal robot (企业内部机器人), HTTP mode: messages in, replies by the
message's sessionWebhook.

The platform's documented protocol (open.dingtalk.com, "机器人接收消息"):

- **Verification**: headers `timestamp` (ms) and `sign` = base64(HmacSHA256(key=AppSecret,
  message=timestamp + "\\n" + AppSecret)); a timestamp more than an hour from now, or another
  sign, is not DingTalk. It is the custom robot's signing algorithm, so the alert sender's
  `sign` is reused.
- **Messages**: JSON with `msgtype` "text", `text.content` (the @mention already taken off),
  `msgId`, `conversationId` and `conversationType` ("1" one-to-one, "2" group),
  `senderStaffId` (the user id in the organisation; `senderId` otherwise) and `sessionWebhook`,
  a URL valid for about 90 minutes that posts into the same conversation without a token.
- **Replies**: markdown or actionCard JSON to the sessionWebhook. DingTalk markdown has no
  tables (rows become a list) and no image upload without an image host, so the chart is a
  link to the app. An option is a `dtmd://dingtalkclient/sendMessage?content=...` link: tapping
  it sends the option's question as the user's message.
"""

from __future__ import annotations

import hmac
import json
import time
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from assistant.alerts.delivery.dingtalk import sign
from assistant.surfaces.bots.engine import Incoming
from assistant.surfaces.bots.reply import ChatReply
from assistant.surfaces.bots.webhooks.common import (
    Bots,
    call_json,
    more_rows_line,
    provenance_lines,
    table_lines,
    words,
)

__all__ = ["DingTalkBot", "message", "verified"]

_MAX_SKEW_MS = 3600 * 1000  # the documented limit: an hour either way


def verified(timestamp: str, sent: str, secret: str, now_ms: int) -> bool:
    if not timestamp.isdigit() or abs(now_ms - int(timestamp)) > _MAX_SKEW_MS:
        return False
    return hmac.compare_digest(sent, sign(int(timestamp), secret))


class DingTalkBot:
    name = "dingtalk"
    title = "DingTalk"

    def __init__(self, bots: Bots) -> None:
        self.bots = bots

    @property
    def missing(self) -> list[str]:
        return [] if self.bots.settings.dingtalk_app_secret else ["dingtalk_app_secret"]

    async def handle(self, req: Request) -> Response:
        secret = self.bots.settings.dingtalk_app_secret or ""
        if not verified(req.headers.get("timestamp", ""), req.headers.get("sign", ""), secret,
                        int(time.time() * 1000)):
            return JSONResponse({"error": "bad or stale signature"}, status_code=401)
        try:
            payload = json.loads(await req.body())
        except ValueError:
            return JSONResponse({"error": "the body is not JSON"}, status_code=400)
        if not isinstance(payload, dict) or payload.get("msgtype") != "text" or not payload.get("sessionWebhook"):
            return JSONResponse({})  # pictures, files, voice: nothing to answer
        if not self.bots.engine.first_delivery(self.name, str(payload.get("msgId", ""))):
            return JSONResponse({})
        sender = str(payload.get("senderStaffId") or payload.get("senderId") or "")
        conversation = str(payload.get("conversationId", ""))
        # A group has no threads: each member's follow-ups are their own conversation with the bot.
        thread = conversation if str(payload.get("conversationType")) == "1" else f"{conversation}:{sender}"
        text = str((payload.get("text") or {}).get("content", ""))
        incoming = Incoming(self.name, sender, thread, " ".join(text.split()), str(payload.get("msgId", "")))
        self.bots.worker.submit(self._answer, incoming, str(payload["sessionWebhook"]))
        return JSONResponse({})  # the answer follows by the sessionWebhook, not in this response

    def _answer(self, incoming: Incoming, session_webhook: str) -> None:
        reply = self.bots.engine.reply(incoming)
        call_json(self.bots.http, "POST", session_webhook, "DingTalk", json=message(reply))


def message(reply: ChatReply) -> dict[str, Any]:
    """Markdown: the sentence, the rows as a list, options as tap-to-ask links, the provenance as
    a quote; an actionCard with a button to the app when there is an app address."""
    lang = reply.lang
    lines = [reply.text]
    if reply.scope_note:
        lines += ["", f"*{reply.scope_note}*"]
    if reply.has_table:
        lines += ["", *table_lines(reply)]
        if more := more_rows_line(reply):
            lines += ["", more]
    if reply.chart is not None and reply.link:
        lines += ["", f"[{words('chart', lang)}]({reply.link})"]
    if reply.options:
        lines += ["", *(f"- [{o.label}](dtmd://dingtalkclient/sendMessage?content={quote(o.question)})"
                        for o in reply.options)]
    if reply.provenance:
        lines += ["", *(f"> {line}" for line in provenance_lines(reply))]
    text = "\n".join(lines)
    title = (reply.question or reply.text)[:30]  # shown in the conversation list
    if reply.link:
        return {"msgtype": "actionCard", "actionCard": {"title": title, "text": text,
                                                        "singleTitle": words("open", lang), "singleURL": reply.link}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
