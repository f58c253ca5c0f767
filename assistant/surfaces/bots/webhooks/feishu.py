"""Feishu / Lark: event subscription (schema 2.0) in, interactive cards out by the Open API.

The platform's documented protocol (open.feishu.cn, "接收事件" and "处理卡片回调"):

- **Verification**: the first request is `{"type": "url_verification", "challenge", "token"}`;
  answering `{"challenge": ...}` within 1 s registers the URL. Every event carries the
  verification token (`header.token` in schema 2.0) and is rejected when it differs.
- **Encryption**: with an Encrypt Key the body is `{"encrypt": base64(iv + AES-256-CBC(json))}`,
  key = SHA-256(encrypt key), PKCS#7; each event is then signed: `X-Lark-Signature` =
  hex SHA-256 of timestamp + nonce + encrypt key + the raw body (headers `X-Lark-Request-Timestamp`,
  `X-Lark-Request-Nonce`). The URL check is not signed, so only it may come without the headers.
- **Messages**: `im.message.receive_v1`, text content `{"text": "@_user_1 ..."}` with mentions
  to strip. The platform retries an event not answered with HTTP 200 in 3 s: the answer is
  computed after the 200, and event_id / message_id are taken once.
- **Replies**: `POST /open-apis/im/v1/messages/{message_id}/reply` with an interactive card
  (JSON 2.0: markdown tables, buttons with callback behaviours, a collapsible panel), the chart
  uploaded first by `POST /open-apis/im/v1/images` (image_type=message). Calls carry a
  tenant_access_token from `POST /open-apis/auth/v3/tenant_access_token/internal`, cached.
- **Buttons**: a press arrives as `card.action.trigger` on the same URL (set it as the callback
  URL too) and must be answered within 3 s: a toast now, the answer as a reply to the card.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections import OrderedDict
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from assistant.core.text import question_lang
from assistant.surfaces.bots.engine import Incoming
from assistant.surfaces.bots.reply import ChatReply
from assistant.surfaces.bots.webhooks.common import (
    Bots,
    TokenCache,
    call_json,
    markdown_table,
    more_rows_line,
    provenance_lines,
    words,
)

__all__ = ["FeishuBot", "card", "decrypt", "signature"]

_COLOURS = {"ok": "blue", "clarify": "orange", "alert": "orange", "alert_saved": "green", "help": "blue"}
_MAX_THREADS = 5000  # cards' message ids remembered, so a button press continues the card's thread


class BadRequest(Exception):
    """The request is not from Feishu or not readable: answered 400/401 and never answered in chat."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def decrypt(encrypted: str, encrypt_key: str) -> bytes:
    raw = base64.b64decode(encrypted, validate=True)
    if len(raw) < 32 or len(raw) % 16:
        raise ValueError("not an AES-CBC message")
    key = hashlib.sha256(encrypt_key.encode()).digest()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(raw[:16])).decryptor()
    padded = decryptor.update(raw[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw)
    except ValueError:
        raise BadRequest(400, "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise BadRequest(400, "the body is not a JSON object")
    return payload


def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


class FeishuBot:
    name = "feishu"
    title = "Feishu/Lark"

    def __init__(self, bots: Bots) -> None:
        self.bots = bots
        self.tokens = TokenCache(self._fetch_token)
        self._threads: OrderedDict[str, str] = OrderedDict()  # our card's message id -> its thread
        self._lock = threading.Lock()

    @property
    def missing(self) -> list[str]:
        s = self.bots.settings
        gaps = [n for n in ("feishu_app_id", "feishu_app_secret") if not getattr(s, n)]
        if not (s.feishu_verification_token or s.feishu_encrypt_key):  # something must prove it is Feishu
            gaps.append("feishu_verification_token")
        return gaps

    async def handle(self, req: Request) -> Response:
        raw = await req.body()
        try:
            payload = self._open(raw, req.headers)
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        if payload.get("type") == "url_verification":
            return JSONResponse({"challenge": payload.get("challenge", "")})
        header = payload.get("header") or {}
        kind = header.get("event_type")
        if kind == "im.message.receive_v1":
            self._message(header, payload.get("event") or {})
        elif kind == "card.action.trigger":
            return JSONResponse(self._press(header, payload.get("event") or {}))
        return JSONResponse({})

    def _open(self, raw: bytes, headers: Any) -> dict[str, Any]:
        """The event as JSON, decrypted, its signature and token checked."""
        s = self.bots.settings
        payload = _json_object(raw)
        if s.feishu_encrypt_key:
            payload = self._decrypted(payload, raw, headers, s.feishu_encrypt_key)
        token = payload.get("token") if payload.get("type") == "url_verification" \
            else (payload.get("header") or {}).get("token")
        if s.feishu_verification_token and not hmac.compare_digest(str(token or ""), s.feishu_verification_token):
            raise BadRequest(401, "bad verification token")
        return payload

    @staticmethod
    def _decrypted(payload: dict[str, Any], raw: bytes, headers: Any, key: str) -> dict[str, Any]:
        if "encrypt" not in payload:  # with a key set, Feishu always encrypts: plain text is forged
            raise BadRequest(401, "expected an encrypted event")
        sent = headers.get("x-lark-signature")
        if sent is not None:
            expected = signature(headers.get("x-lark-request-timestamp") or "",
                                 headers.get("x-lark-request-nonce") or "", key, raw)
            if not hmac.compare_digest(sent, expected):
                raise BadRequest(401, "bad signature")
        try:
            event = _json_object(decrypt(str(payload["encrypt"]), key))
        except ValueError:
            raise BadRequest(401, "cannot decrypt the event") from None
        if sent is None and event.get("type") != "url_verification":  # only the URL check is unsigned
            raise BadRequest(401, "unsigned event")
        return event

    def _message(self, header: dict[str, Any], event: dict[str, Any]) -> None:
        message = event.get("message") or {}
        sender = event.get("sender") or {}
        if sender.get("sender_type") not in (None, "user") or message.get("message_type") != "text":
            return  # other bots and non-text messages: nothing to answer
        message_id = str(message.get("message_id", ""))
        # Both ids taken: a retry repeats the event id, a re-sent message the message id.
        first = [self.bots.engine.first_delivery(self.name, i) for i in (header.get("event_id"), message_id) if i]
        if not all(first):
            return
        try:
            text = str(json.loads(message.get("content") or "{}").get("text", ""))
        except ValueError:
            text = ""
        for mention in message.get("mentions") or []:
            text = text.replace(str(mention.get("key", "")), " ")
        chat = str(message.get("chat_id", ""))
        # One-to-one: the chat is the conversation; in groups, the reply chain (root_id) is.
        thread = chat if message.get("chat_type") == "p2p" else f"{chat}:{message.get('root_id') or message_id}"
        sender_id = str((sender.get("sender_id") or {}).get("open_id", ""))
        incoming = Incoming(self.name, sender_id, thread, " ".join(text.split()), message_id)
        self.bots.worker.submit(self._answer, incoming, message_id, str(header.get("event_id") or message_id))

    def _press(self, header: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        value = (event.get("action") or {}).get("value")
        value = value if isinstance(value, dict) else {}
        question, label = str(value.get("q", "")), str(value.get("l", ""))
        event_id = str(header.get("event_id", ""))
        if not question or not self.bots.engine.first_delivery(self.name, event_id):
            return {}
        context = event.get("context") or {}
        card_id = str(context.get("open_message_id", ""))
        with self._lock:
            thread = self._threads.get(card_id) or f"{context.get('open_chat_id', '')}:{card_id}"
        sender = str((event.get("operator") or {}).get("open_id", ""))
        self.bots.worker.submit(self._answer, Incoming(self.name, sender, thread, question, event_id), card_id,
                                event_id)
        return {"toast": {"type": "info", "content": words("asking", question_lang(question), q=label or question)}}

    def _answer(self, incoming: Incoming, reply_to: str, uuid: str) -> None:
        reply = self.bots.engine.reply(incoming)
        image_key = self._upload(reply)
        body = {"msg_type": "interactive", "content": json.dumps(card(reply, image_key), ensure_ascii=False),
                "uuid": uuid[:50]}  # the platform sends a uuid once: our own retry cannot post twice
        sent = self._call("POST", f"/open-apis/im/v1/messages/{reply_to}/reply", json=body)
        card_id = str((sent.get("data") or {}).get("message_id", ""))
        if card_id:
            with self._lock:
                self._threads[card_id] = incoming.thread
                while len(self._threads) > _MAX_THREADS:
                    self._threads.popitem(last=False)

    def _upload(self, reply: ChatReply) -> str:
        png = reply.chart_png
        if png is None:
            return ""
        sent = self._call("POST", "/open-apis/im/v1/images", data={"image_type": "message"},
                          files={"image": ("chart.png", png, "image/png")})
        return str((sent.get("data") or {}).get("image_key", ""))

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self._json(method, path, headers={"Authorization": f"Bearer {self.tokens.get()}"}, **kwargs)

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return call_json(self.bots.http, method, self.bots.settings.feishu_api_base.rstrip("/") + path, "Feishu",
                         **kwargs)

    def _fetch_token(self) -> tuple[str, float]:
        s = self.bots.settings
        body = self._json("POST", "/open-apis/auth/v3/tenant_access_token/internal",
                          json={"app_id": s.feishu_app_id, "app_secret": s.feishu_app_secret})
        return str(body.get("tenant_access_token", "")), float(body.get("expire", 7200))


def card(reply: ChatReply, image_key: str = "") -> dict[str, Any]:
    """The answer as a Feishu card (JSON 2.0): the sentence, the table, the chart, a button per
    option (pressing asks its question), a button to the app, and the provenance folded away."""
    lang = reply.lang
    elements: list[dict[str, Any]] = [{"tag": "markdown", "content": reply.text}]
    if reply.scope_note:
        elements.append({"tag": "markdown", "content": reply.scope_note, "text_size": "notation"})
    if reply.has_table:
        elements.append({"tag": "markdown", "content": markdown_table(reply)})
        if more := more_rows_line(reply):
            elements.append({"tag": "markdown", "content": more, "text_size": "notation"})
    if image_key:
        elements.append({"tag": "img", "img_key": image_key,
                         "alt": {"tag": "plain_text", "content": reply.question or reply.text[:100]}})
    for option in reply.options:
        elements.append({"tag": "button", "type": "default", "text": {"tag": "plain_text", "content": option.label},
                         "behaviors": [{"type": "callback", "value": {"q": option.question, "l": option.label}}]})
    if reply.link:
        elements.append({"tag": "button", "type": "primary",
                         "text": {"tag": "plain_text", "content": words("open", lang)},
                         "behaviors": [{"type": "open_url", "default_url": reply.link}]})
    if reply.provenance:
        elements.append({"tag": "collapsible_panel", "expanded": False,
                         "header": {"title": {"tag": "plain_text", "content": words("how", lang)}},
                         "elements": [{"tag": "markdown", "content": "\n".join(provenance_lines(reply))}]})
    title = reply.question or ("工厂助手" if lang == "zh" else "Factory assistant")
    return {"schema": "2.0", "config": {"update_multi": True},
            "header": {"template": _COLOURS.get(reply.status, "grey"),
                       "title": {"tag": "plain_text", "content": title[:100]}},
            "body": {"elements": elements}}
