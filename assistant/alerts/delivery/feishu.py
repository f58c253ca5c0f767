"""Feishu / Lark custom bot: an interactive card, signed when the bot has "signature
verification" on.

The platform's documented algorithm (Feishu open platform, custom bot guide, "签名校验"): the
string `timestamp + "\\n" + secret` is the HMAC-SHA256 *key*, the message is empty, and the
digest is base64-encoded; `timestamp` (seconds) and `sign` go in the JSON body. Note the key
and message are the other way round from DingTalk's. A bad signature is answered HTTP 200 with
code 19021.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from assistant.alerts.delivery.base import (
    DeliveryContext,
    DeliveryError,
    Notification,
    channel_secret,
    check_code,
    json_bytes,
    labels,
    post,
)

__all__ = ["card", "send", "sign"]

_COLOURS = {"opened": "red", "resolved": "green"}


def sign(timestamp: int, secret: str) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def card(note: Notification) -> dict[str, Any]:
    words = labels(note.lang)
    elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "lark_md", "content": note.text}}]
    if note.link:
        elements.append({"tag": "action", "actions": [{
            "tag": "button", "type": "primary", "url": note.link,
            "text": {"tag": "plain_text", "content": words["open"]}}]})
    elements.append({"tag": "note", "elements": [
        {"tag": "plain_text", "content": f"{words['ref']}: {note.dedupe_key}"}]})
    return {"msg_type": "interactive", "card": {
        "config": {"wide_screen_mode": True},
        "header": {"template": _COLOURS.get(note.event, "blue"),
                   "title": {"tag": "plain_text", "content": note.title}},
        "elements": elements}}


def send(note: Notification, ctx: DeliveryContext) -> None:
    if ctx.channel is None:
        raise DeliveryError("Feishu: no channel", "飞书：未配置渠道")
    body = card(note)
    secret = channel_secret(ctx.channel)
    if secret is not None:
        timestamp = int(time.time())  # the platform's clock decides: within an hour of it
        body = {"timestamp": str(timestamp), "sign": sign(timestamp, secret), **body}
    response = post(ctx, ctx.channel.url, json_bytes(body), "Feishu")
    # {"code": 0, "msg": "success"}; older hooks answer {"StatusCode": 0, "StatusMessage": "success"}.
    check_code(response, "Feishu", ("code", "StatusCode"), ("msg", "StatusMessage"))
