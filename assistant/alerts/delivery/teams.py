"""Microsoft Teams: an Adaptive Card message, the shape both a Workflows ("Post to a channel
when a webhook request is received") URL and a legacy incoming webhook accept. There is no
body signature: Workflows URLs carry a `sig` query parameter, so the URL is the secret.
Workflows answers 202 Accepted; a legacy connector 200 with "1"."""

from __future__ import annotations

from typing import Any

from assistant.alerts.delivery.base import DeliveryContext, DeliveryError, Notification, json_bytes, labels, post

__all__ = ["message", "send"]

_COLOURS = {"opened": "Attention", "resolved": "Good"}


def message(note: Notification) -> dict[str, Any]:
    words = labels(note.lang)
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": [
            {"type": "TextBlock", "text": note.title, "weight": "Bolder", "size": "Medium", "wrap": True,
             "color": _COLOURS.get(note.event, "Default")},
            {"type": "TextBlock", "text": note.text, "wrap": True},
            {"type": "TextBlock", "text": f"{words['ref']}: {note.dedupe_key}", "isSubtle": True, "size": "Small",
             "wrap": True},
        ],
    }
    if note.chart_png:  # Teams draws a data URI inline; the other webhooks cannot carry an image
        card["body"].insert(2, {"type": "Image", "url": f"data:image/png;base64,{note.chart_png}",
                                "altText": note.title})
    if note.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": words["open"], "url": note.link}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def send(note: Notification, ctx: DeliveryContext) -> None:
    if ctx.channel is None:
        raise DeliveryError("Teams: no channel", "Teams：未配置渠道")
    response = post(ctx, ctx.channel.url, json_bytes(message(note)), "Teams")
    # A legacy connector reports a refused card as HTTP 200 with an error sentence instead of "1".
    text = response.text.strip()
    if response.status_code == 200 and text and text != "1" and not text.startswith("{"):
        raise DeliveryError(f"Teams refused the message ({text[:200]})", f"Teams 拒收了消息（{text[:200]}）")
