"""A generic signed webhook, for any receiver: a JSON body with the notification, signed like
GitHub's webhooks so receivers can reuse their verification code:

    X-Factory-Assistant-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes, keyed by the secret>
    Idempotency-Key: <the dedupe key>   (the same on every retry: drop a repeat you have already seen)
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from assistant.alerts.delivery.base import (
    DeliveryContext,
    DeliveryError,
    Notification,
    channel_secret,
    json_bytes,
    post,
)

__all__ = ["SIGNATURE_HEADER", "body", "send", "signature"]

SIGNATURE_HEADER = "X-Factory-Assistant-Signature"


def signature(payload: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def body(note: Notification) -> dict[str, Any]:
    return {"dedupe_key": note.dedupe_key, "event": note.event, "rule": note.rule, "lang": note.lang,
            "title": note.title, "text": note.text, "link": note.link or None, "other_lang": note.other_lang,
            "chart_png": note.chart_png or None}


def send(note: Notification, ctx: DeliveryContext) -> None:
    if ctx.channel is None:
        raise DeliveryError("webhook: no channel", "Webhook：未配置渠道")
    payload = json_bytes(body(note))
    headers = {"Idempotency-Key": note.dedupe_key}
    secret = channel_secret(ctx.channel)
    if secret is not None:
        headers[SIGNATURE_HEADER] = signature(payload, secret)
    post(ctx, ctx.channel.url, payload, "webhook", headers)
