"""DingTalk custom robot: a markdown message, signed when the robot uses "加签".

The platform's documented algorithm (DingTalk open platform, custom robot security settings):
`timestamp + "\\n" + secret` (timestamp in milliseconds) is the *message*, the secret is the
HMAC-SHA256 key, the digest is base64-encoded and then URL-encoded; `timestamp` and `sign` are
query parameters next to the URL's access_token. A bad signature is answered HTTP 200 with
errcode 310000.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import quote_plus

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

__all__ = ["message", "send", "sign", "signed_url"]


def sign(timestamp_ms: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    # Built by hand: the platform wants the base64 '+', '/' and '=' percent-encoded exactly once.
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={timestamp_ms}&sign={quote_plus(sign(timestamp_ms, secret))}"


def message(note: Notification) -> dict[str, Any]:
    words = labels(note.lang)
    lines = [f"### {note.title}", "", note.text]
    if note.link:
        lines += ["", f"[{words['open']}]({note.link})"]
    lines += ["", f"> {words['ref']}: {note.dedupe_key}"]
    return {"msgtype": "markdown", "markdown": {"title": note.title, "text": "\n".join(lines)}}


def send(note: Notification, ctx: DeliveryContext) -> None:
    if ctx.channel is None:
        raise DeliveryError("DingTalk: no channel", "钉钉：未配置渠道")
    url = ctx.channel.url
    secret = channel_secret(ctx.channel)
    if secret is not None:
        url = signed_url(url, secret, int(time.time() * 1000))
    response = post(ctx, url, json_bytes(message(note)), "DingTalk")
    check_code(response, "DingTalk", ("errcode",), ("errmsg",))  # {"errcode": 0, "errmsg": "ok"}
