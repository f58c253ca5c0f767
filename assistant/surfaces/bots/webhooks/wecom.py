"""WeCom (企业微信) self-built app: the app's callback in, replies by the message API.

The platform's documented protocol (developer.work.weixin.qq.com, "接收消息与事件",
"加解密方案说明"):

- **Crypto**: AESKey = base64(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = its first
  16 bytes, PKCS#7 padding to a multiple of **32** bytes. Plain text = 16 random bytes, the
  message length (4 bytes, network order), the message, then the receiver id (the corp id,
  which must be ours). `msg_signature` = SHA-1 of the sorted, concatenated token, timestamp,
  nonce and encrypted text.
- **URL check**: `GET ?msg_signature&timestamp&nonce&echostr`: answer the decrypted echostr
  as plain text within 1 s.
- **Messages**: `POST` XML `<xml><ToUserName/><AgentID/><Encrypt/></xml>`, the decrypted XML
  has FromUserName (the user id), MsgType, Content and MsgId. WeCom waits 5 s and retries three
  times; an empty 200 means "no passive reply, no retry", so the answer goes by the API.
- **Replies**: `GET /cgi-bin/gettoken?corpid&corpsecret` (cached, 7200 s), `POST
  /cgi-bin/message/send` with `markdown` (no tables, no buttons: rows are a list, options are
  numbered and the user replies with the number), the chart by `POST /cgi-bin/media/upload
  ?type=image` then an `image` message. Application markdown is cut at 2048 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
from typing import Any
from xml.etree import ElementTree

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from assistant.surfaces.bots.engine import Incoming
from assistant.surfaces.bots.reply import ChatReply
from assistant.surfaces.bots.webhooks.common import (
    Bots,
    Picks,
    TokenCache,
    call_json,
    more_rows_line,
    provenance_lines,
    table_lines,
    words,
)

__all__ = ["WeComBot", "WeComCrypto", "markdown"]

_BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16
_MAX_MARKDOWN_BYTES = 2048


class WeComCrypto:
    def __init__(self, token: str, aes_key: str, corp_id: str) -> None:
        self.token = token
        self.key = base64.b64decode(aes_key + "=")
        if len(self.key) != 32:
            raise ValueError("the EncodingAESKey must be 43 characters")
        self.corp_id = corp_id

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return hashlib.sha1("".join(sorted([self.token, timestamp, nonce, encrypted])).encode()).hexdigest()

    def check(self, sent: str, timestamp: str, nonce: str, encrypted: str) -> bool:
        return hmac.compare_digest(sent, self.signature(timestamp, nonce, encrypted))

    def decrypt(self, encrypted: str) -> bytes:
        """The message; ValueError when it is not ours (bad padding, length or corp id)."""
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
        pad = plain[-1] if plain else 0
        if not 1 <= pad <= _BLOCK or plain[-pad:] != bytes([pad]) * pad or len(plain) < 20 + pad:
            raise ValueError("bad padding")
        content = plain[16:-pad]
        (length,) = struct.unpack(">I", content[:4])
        message, receiver = content[4:4 + length], content[4 + length:]
        if len(message) != length or receiver.decode(errors="replace") != self.corp_id:
            raise ValueError("not for this corp")
        return message

    def encrypt(self, message: bytes) -> str:
        """The inverse (a passive reply's Encrypt; the tests' side of the platform)."""
        plain = os.urandom(16) + struct.pack(">I", len(message)) + message + self.corp_id.encode()
        pad = _BLOCK - len(plain) % _BLOCK
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()


class WeComBot:
    name = "wecom"
    title = "WeCom"
    _needs = ("wecom_corp_id", "wecom_agent_id", "wecom_secret", "wecom_token", "wecom_aes_key")

    def __init__(self, bots: Bots) -> None:
        self.bots = bots
        self.tokens = TokenCache(self._fetch_token)
        self.picks = Picks()

    @property
    def missing(self) -> list[str]:
        return [n for n in self._needs if not getattr(self.bots.settings, n)]

    def _crypto(self) -> WeComCrypto:
        s = self.bots.settings
        return WeComCrypto(s.wecom_token or "", s.wecom_aes_key or "", s.wecom_corp_id or "")

    async def handle(self, req: Request) -> Response:
        q = req.query_params
        sent, stamp, nonce = q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")
        crypto = self._crypto()
        if req.method == "GET":
            echo = q.get("echostr", "")
            if not crypto.check(sent, stamp, nonce, echo):
                return JSONResponse({"error": "bad signature"}, status_code=401)
            try:
                return PlainTextResponse(crypto.decrypt(echo).decode())
            except ValueError:
                return JSONResponse({"error": "cannot decrypt echostr"}, status_code=401)
        try:
            encrypted = ElementTree.fromstring(await req.body()).findtext("Encrypt") or ""
        except ElementTree.ParseError:
            return JSONResponse({"error": "the body is not XML"}, status_code=400)
        if not crypto.check(sent, stamp, nonce, encrypted):
            return JSONResponse({"error": "bad signature"}, status_code=401)
        try:
            inner = ElementTree.fromstring(crypto.decrypt(encrypted))
        except (ValueError, ElementTree.ParseError):
            return JSONResponse({"error": "cannot decrypt the message"}, status_code=401)
        self._message(inner)
        return PlainTextResponse("")  # no passive reply: WeCom neither waits nor retries

    def _message(self, xml: ElementTree.Element) -> None:
        if xml.findtext("MsgType") != "text":
            return  # events (enter_agent, ...) and media: nothing to answer
        user = xml.findtext("FromUserName") or ""
        msg_id = xml.findtext("MsgId") or ""
        if not self.bots.engine.first_delivery(self.name, msg_id):
            return
        text = self.picks.resolve(user, " ".join((xml.findtext("Content") or "").split()))
        # An app's messages are one-to-one: the user is the conversation.
        self.bots.worker.submit(self._answer, Incoming(self.name, user, user, text, msg_id))

    def _answer(self, incoming: Incoming) -> None:
        reply = self.bots.engine.reply(incoming)
        self.picks.remember(incoming.thread, reply.options)
        agent = int(self.bots.settings.wecom_agent_id or 0)
        self._call("POST", "/cgi-bin/message/send", json={
            "touser": incoming.sender, "msgtype": "markdown", "agentid": agent,
            "markdown": {"content": markdown(reply)}})
        png = reply.chart_png
        if png is not None:
            media = self._call("POST", "/cgi-bin/media/upload", params={"type": "image"},
                               files={"media": ("chart.png", png, "image/png")})
            self._call("POST", "/cgi-bin/message/send", json={
                "touser": incoming.sender, "msgtype": "image", "agentid": agent,
                "image": {"media_id": media.get("media_id", "")}})

    def _call(self, method: str, path: str, *, params: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
        return self._json(method, path, params={**(params or {}), "access_token": self.tokens.get()}, **kwargs)

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return call_json(self.bots.http, method, self.bots.settings.wecom_api_base.rstrip("/") + path, "WeCom",
                         **kwargs)

    def _fetch_token(self) -> tuple[str, float]:
        s = self.bots.settings
        body = self._json("GET", "/cgi-bin/gettoken", params={"corpid": s.wecom_corp_id or "",
                                                               "corpsecret": s.wecom_secret or ""})
        return str(body.get("access_token", "")), float(body.get("expires_in", 7200))


def markdown(reply: ChatReply) -> str:
    """The sentence, rows as a list, numbered options, the provenance in grey, the app link."""
    lang = reply.lang
    lines = [reply.text]
    if reply.scope_note:
        lines.append(f'<font color="comment">{reply.scope_note}</font>')
    if reply.has_table:
        lines += ["", *table_lines(reply)]
        if more := more_rows_line(reply):
            lines.append(f'<font color="comment">{more}</font>')
    if reply.options:
        lines += ["", words("pick", lang), *(f"{n}. {o.label}" for n, o in enumerate(reply.options, 1))]
    tail = [""] + [f'<font color="comment">{line}</font>' for line in provenance_lines(reply)]
    if reply.link:
        tail.append(f"[{words('open', lang)}]({reply.link})")
    head, end = "\n".join(lines), "\n".join(tail)
    if len((head + "\n" + end).encode()) > _MAX_MARKDOWN_BYTES:  # the provenance gives way to the answer
        end = f"[{words('open', lang)}]({reply.link})" if reply.link else ""
    room = _MAX_MARKDOWN_BYTES - len(end.encode()) - 1
    head = head.encode()[:max(room, 0)].decode(errors="ignore")  # cut whole characters only
    return f"{head}\n{end}" if end else head
