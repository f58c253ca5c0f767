"""WeCom (企业微信) group robot: a markdown message. There is no signature: the robot's key is
in the URL (`.../cgi-bin/webhook/send?key=...`), so the URL itself is the secret and never
appears in an error. An unknown key is answered HTTP 200 with errcode 93000."""

from __future__ import annotations

from typing import Any

from assistant.alerts.delivery.base import (
    DeliveryContext,
    DeliveryError,
    Notification,
    check_code,
    json_bytes,
    labels,
    post,
)

__all__ = ["message", "send"]

_MAX_BYTES = 4096  # the platform rejects longer markdown content


def message(note: Notification) -> dict[str, Any]:
    words = labels(note.lang)
    head = f"**{note.title}**\n"
    tail = (f"\n[{words['open']}]({note.link})" if note.link else "") + \
        f"\n<font color=\"comment\">{words['ref']}: {note.dedupe_key}</font>"
    room = _MAX_BYTES - len((head + tail).encode())
    text = note.text.encode()[:max(room, 0)].decode(errors="ignore")  # cut whole characters only
    return {"msgtype": "markdown", "markdown": {"content": head + text + tail}}


def send(note: Notification, ctx: DeliveryContext) -> None:
    if ctx.channel is None:
        raise DeliveryError("WeCom: no channel", "企业微信：未配置渠道")
    response = post(ctx, ctx.channel.url, json_bytes(message(note)), "WeCom")
    check_code(response, "WeCom", ("errcode",), ("errmsg",))
