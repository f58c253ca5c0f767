"""Slack: `slack:<channel id>` goes through the bot's chat.postMessage (slack_sdk's WebClient,
token from FA_SLACK_BOT_TOKEN); a `webhook:<name>` channel of type slack is an incoming
webhook URL (the URL is the secret; Slack answers "ok", or 4xx with an error word).

Slack has no idempotency key, so the dedupe key rides along as message metadata and in the
context line, where a reader or a bot can see a repeat."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from assistant.alerts.delivery.base import DeliveryContext, DeliveryError, Notification, json_bytes, labels, post
from assistant.core.settings import environment_value

__all__ = ["TOKEN_ENV", "SlackBotSender", "blocks", "send_webhook"]

TOKEN_ENV = "FA_SLACK_BOT_TOKEN"
_TIMEOUT_S = 10
_SECTION_CHARS = 3000  # Slack's limit for a section's text
_HEADER_CHARS = 150  # and for a header's


def blocks(note: Notification) -> list[dict[str, Any]]:
    words = labels(note.lang)
    out: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": note.title[:_HEADER_CHARS], "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": note.text[:_SECTION_CHARS]}},
    ]
    if note.link:
        out.append({"type": "actions", "elements": [{
            "type": "button", "text": {"type": "plain_text", "text": words["open"]}, "url": note.link}]})
    out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"{words['ref']}: {note.dedupe_key}"}]})
    return out


def _fallback(note: Notification) -> str:
    # What notifications and screen readers show; the blocks are what people see in the channel.
    return f"{note.title}\n{note.text}" + (f"\n{note.link}" if note.link else "")


class SlackBotSender:
    """chat.postMessage as the bot. `base_url` points the client elsewhere (a test's local stub)."""

    def __init__(self, base_url: str = "https://slack.com/api/", token_env: str = TOKEN_ENV) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.token_env = token_env

    def __call__(self, note: Notification, ctx: DeliveryContext) -> None:
        token = environment_value(self.token_env)
        if token is None:
            raise DeliveryError(f"Slack: the bot token {self.token_env} is not set",
                                f"Slack：未设置机器人令牌 {self.token_env}")
        # No client-side retries: the outbox retries with backoff and counts every try.
        client = WebClient(token=token, base_url=self.base_url, timeout=_TIMEOUT_S, retry_handlers=[])
        try:
            client.chat_postMessage(
                channel=note.target, text=_fallback(note), blocks=blocks(note), unfurl_links=False,
                metadata={"event_type": "factory_assistant_alert", "event_payload": {"dedupe_key": note.dedupe_key}})
        except SlackApiError as exc:
            code = str(exc.response.get("error", exc.response.status_code))
            raise DeliveryError(f"Slack refused the message ({code})", f"Slack 拒收了消息（{code}）") from None
        except (SlackClientError, OSError) as exc:
            kind = type(exc).__name__
            raise DeliveryError(f"Slack: could not connect ({kind})", f"Slack：无法连接（{kind}）") from None


def send_webhook(note: Notification, ctx: DeliveryContext) -> None:
    if ctx.channel is None:
        raise DeliveryError("Slack: no channel", "Slack：未配置渠道")
    body = {"text": _fallback(note), "blocks": blocks(note), "unfurl_links": False}
    response = post(ctx, ctx.channel.url, json_bytes(body), "Slack")
    if response.text.strip() != "ok":
        raise DeliveryError(f"Slack refused the message ({response.text.strip()[:100]})",
                            f"Slack 拒收了消息（{response.text.strip()[:100]}）")
