"""What every channel shares: the notification as a sender sees it, the error a sender raises,
and one careful HTTP POST (timeouts, no secret in any message it makes)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from sqlalchemy import Engine

from assistant.alerts.rules import Channel
from assistant.core.errors import FactoryAssistantError
from assistant.core.settings import environment_value

__all__ = [
    "TIMEOUT",
    "DeliveryContext",
    "DeliveryError",
    "Notification",
    "Sender",
    "channel_secret",
    "check_code",
    "json_bytes",
    "labels",
    "post",
    "quiet_http_logs",
    "redact",
    "request",
    "url_secrets",
]

# Connect fails fast; a slow platform still gets a while to answer before the try counts as failed.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
def quiet_http_logs() -> None:
    """httpx logs every request's URL at INFO, and webhook and API URLs carry keys (WeCom's
    `corpsecret`, DingTalk's `access_token`, Teams' `sig`): those loggers stay at warnings, which
    carry no URL. Called on import, so alert delivery and the chat bots are covered alike."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


quiet_http_logs()

_ERROR_BODY = 200  # enough of a platform's answer to see its error code, not a whole HTML page


class DeliveryError(FactoryAssistantError):
    """A channel did not accept a notification. Both languages, because operators of either
    read the failed-deliveries listing; never a URL, a token or a secret."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.message

    def both(self) -> str:
        return f"{self.message} / {self.zh}"


@dataclass(frozen=True)
class Notification:
    """One outbox row, read for sending."""

    outbox_id: int
    dedupe_key: str
    event: str  # opened | resolved | briefing | test
    kind: str  # user | webhook | slack
    target: str  # the user's name, the channel's name or the Slack channel id
    lang: str
    title: str
    text: str
    link: str
    other_lang: str
    rule: str
    chart_png: str = ""  # the evidence chart, base64 PNG ("" for none): for channels that carry images

    @classmethod
    def from_row(cls, row: Any) -> Notification:
        payload: Mapping[str, Any] = row.payload or {}
        kind, _, target = str(row.recipient).partition(":")
        return cls(outbox_id=int(row.id), dedupe_key=row.dedupe_key, event=row.event, kind=kind, target=target,
                   lang=row.lang or "en", title=str(payload.get("title", "")), text=str(payload.get("text", "")),
                   link=str(payload.get("link") or ""), other_lang=str(payload.get("other_lang") or ""),
                   rule=str(payload.get("rule") or ""), chart_png=str(payload.get("chart_png") or ""))


@dataclass(frozen=True)
class DeliveryContext:
    """What a sender may use: the state database (the inbox lives there), one HTTP client for
    the batch, and the webhook's channel when the recipient is one."""

    store: Engine
    http: httpx.Client
    channel: Channel | None = None


Sender = Callable[[Notification, DeliveryContext], None]

_LABELS = {
    "open": ("Open in the app", "在应用中查看"),
    "ref": ("Ref", "编号"),
}


def labels(lang: str) -> dict[str, str]:
    return {key: zh if lang == "zh" else en for key, (en, zh) in _LABELS.items()}


def channel_secret(channel: Channel) -> str | None:
    """The signing secret named by the channel, or None when the channel is not signed."""
    if not channel.secret_env:
        return None
    secret = environment_value(channel.secret_env)
    if secret is None:
        raise DeliveryError(f"the signing secret {channel.secret_env} is not set",
                            f"签名密钥 {channel.secret_env} 未设置")
    return secret


def json_bytes(body: Any) -> bytes:
    # UTF-8 as written (Chinese stays readable), and the exact bytes a signature covers.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def post(ctx: DeliveryContext, url: str, body: bytes, platform: str,
         headers: Mapping[str, str] | None = None) -> httpx.Response:
    """POST JSON bytes; a non-2xx answer or a network failure becomes a DeliveryError whose
    text names the platform and the status, never the URL (webhook URLs carry their keys)."""
    sent_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return request(ctx.http, "POST", url, platform, content=body, headers=sent_headers)


def request(http: httpx.Client, method: str, url: str, platform: str, **kwargs: Any) -> httpx.Response:
    """One HTTP call to a platform (the chat bots' API calls too): a non-2xx answer or a network
    failure becomes a DeliveryError naming the platform and the status, never the URL (webhook
    URLs and API query strings carry keys and tokens)."""
    try:
        response = http.request(method, url, timeout=TIMEOUT, **kwargs)
    except httpx.TimeoutException:
        raise DeliveryError(f"{platform}: no answer in time", f"{platform}：响应超时") from None
    except httpx.HTTPError as exc:
        kind = type(exc).__name__
        raise DeliveryError(f"{platform}: could not connect ({kind})", f"{platform}：无法连接（{kind}）") from None
    if not response.is_success:
        detail = _short(response.text)
        raise DeliveryError(f"{platform}: HTTP {response.status_code} {detail}".rstrip(),
                            f"{platform}：HTTP {response.status_code} {detail}".rstrip())
    return response


def check_code(response: httpx.Response, platform: str, keys: Iterable[str], message_keys: Iterable[str]) -> None:
    """Chinese platforms answer HTTP 200 with an error code in the body: 0 is the only success."""
    try:
        body = response.json()
    except ValueError:
        raise DeliveryError(f"{platform}: unexpected answer {_short(response.text)}",
                            f"{platform}：无法识别的响应 {_short(response.text)}") from None
    if not isinstance(body, dict):
        raise DeliveryError(f"{platform}: unexpected answer", f"{platform}：无法识别的响应")
    code = next((body[k] for k in keys if k in body), None)
    if code in (0, "0"):
        return
    message = _short(str(next((body[k] for k in message_keys if k in body), "")))
    raise DeliveryError(f"{platform} refused the message (code {code}: {message})",
                        f"{platform} 拒收了消息（错误码 {code}：{message}）")


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _ERROR_BODY else flat[:_ERROR_BODY] + "…"


def url_secrets(url: str) -> list[str]:
    """The parts of a webhook URL that are keys: every query value (WeCom's key, DingTalk's
    access_token, Teams' sig) and every long path segment (Feishu's and Slack's hook ids)."""
    parts = urlsplit(url)
    found = [v for _, v in parse_qsl(parts.query) if len(v) >= 6]
    found += [seg for seg in parts.path.split("/") if len(seg) >= 16]
    return found


def redact(text: str, secrets: Iterable[str]) -> str:
    """A second line of defence: whatever a platform echoed back, no known secret is kept."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    # Bearer tokens and Slack tokens never belong in an error, known or not.
    return re.sub(r"\b(xox[abposr]-[A-Za-z0-9-]+|Bearer\s+\S+)", "***", text)
