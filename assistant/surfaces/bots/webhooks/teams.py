"""Microsoft Teams outgoing webhook: an @mention in a channel in, an Adaptive Card in the HTTP
response out.

The platform's documented protocol (learn.microsoft.com, "Create an Outgoing Webhook"):

- **Verification**: `Authorization: HMAC <base64 HMAC-SHA256 of the raw body>`, keyed with the
  base64-decoded security token shown when the webhook is created.
- **Messages**: a Bot Framework activity: `text` with the `<at>Name</at>` mention (and some
  HTML), `from.aadObjectId` (the Entra user id; `from.id` otherwise), `conversation.id` (the
  channel and the reply chain, `...;messageid=...`), `id`.
- **Replies**: only in the HTTP response, within **5 seconds**: an outgoing webhook has no API
  to post later. The answer is computed in the background and waited for up to
  `reply_within_s`; a slower one is answered "still computing, ask again" and kept, so asking
  again in the thread gets it at once (computed once). Cards may use no action but
  `Action.OpenUrl`, so options are numbered and the user replies "@bot 2".
- **Card**: TextBlock sentence, the table as a ColumnSet, the chart as an Image with a data:
  URI (base64 images do not count against the 100 KB message limit; Teams takes up to 1 MB).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import html
import json
import re
import threading
from collections import OrderedDict
from concurrent.futures import Future
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from assistant.core.text import question_lang
from assistant.surfaces.bots.engine import Incoming, said
from assistant.surfaces.bots.reply import ChatReply
from assistant.surfaces.bots.webhooks.common import Bots, Picks, more_rows_line, provenance_lines, words

__all__ = ["TeamsBot", "card_message", "mention_free", "verified"]

REPLY_WITHIN_S = 4.0  # Teams waits 5 s; a second is left for the card and the network
_MAX_PNG_BYTES = 1_000_000
_MAX_PENDING = 500


def verified(authorization: str, body: bytes, secret: str) -> bool:
    try:
        key = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = "HMAC " + base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(authorization.encode(), expected.encode())


def mention_free(text: str) -> str:
    """The question without `<at>…</at>` mentions, HTML tags and entities."""
    text = re.sub(r"<at>.*?</at>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(html.unescape(text).split())


class TeamsBot:
    name = "teams"
    title = "Microsoft Teams"

    def __init__(self, bots: Bots, reply_within_s: float = REPLY_WITHIN_S) -> None:
        self.bots = bots
        self.reply_within_s = reply_within_s
        self.picks = Picks()
        # (thread, question) -> its answer being computed: a retry or "ask again" waits for it.
        self._pending: OrderedDict[tuple[str, str], Future[ChatReply | None]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def missing(self) -> list[str]:
        return [] if self.bots.settings.teams_hmac_secret else ["teams_hmac_secret"]

    async def handle(self, req: Request) -> Response:
        raw = await req.body()
        if not verified(req.headers.get("authorization", ""), raw, self.bots.settings.teams_hmac_secret or ""):
            return JSONResponse({"error": "bad HMAC"}, status_code=401)
        try:
            activity = json.loads(raw)
            sender = activity.get("from") or {}
            thread = str((activity.get("conversation") or {}).get("id", ""))
        except (ValueError, AttributeError):
            return JSONResponse({"error": "the body is not an activity"}, status_code=400)
        user = str(sender.get("aadObjectId") or sender.get("id") or "")
        text = self.picks.resolve(thread, mention_free(str(activity.get("text") or "")))
        key = (thread, text)
        with self._lock:
            future = self._pending.get(key)
        if future is None:
            if not self.bots.engine.first_delivery(self.name, str(activity.get("id", ""))):
                return JSONResponse(_text_message(words("answered", question_lang(text))))
            future = self.bots.worker.submit(self.bots.engine.reply, Incoming(self.name, user, thread, text))
            with self._lock:
                self._pending[key] = future
                while len(self._pending) > _MAX_PENDING:
                    self._pending.popitem(last=False)
        done, _ = await asyncio.wait({asyncio.wrap_future(future)}, timeout=self.reply_within_s)
        if not done:
            return JSONResponse(_text_message(words("computing", question_lang(text))))
        with self._lock:
            if self._pending.get(key) is future:
                del self._pending[key]
        reply = future.result()
        if reply is None:  # the engine answers everything; only a bug lands here, and the log has it
            return JSONResponse(_text_message(said("failed", question_lang(text))))
        self.picks.remember(thread, reply.options)
        return JSONResponse(card_message(reply))


def _text_message(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text}


def card_message(reply: ChatReply) -> dict[str, Any]:
    lang = reply.lang
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": reply.text, "wrap": True}]
    if reply.scope_note:
        body.append({"type": "TextBlock", "text": reply.scope_note, "isSubtle": True, "size": "Small", "wrap": True})
    if reply.has_table:
        body.append(_columns(reply))
        if more := more_rows_line(reply):
            body.append({"type": "TextBlock", "text": more, "isSubtle": True, "size": "Small", "wrap": True})
    png = reply.chart_png
    if png is not None and len(png) <= _MAX_PNG_BYTES:
        body.append({"type": "Image", "url": "data:image/png;base64," + base64.b64encode(png).decode(),
                     "altText": reply.question or reply.text[:100]})
    if reply.options:
        body.append({"type": "TextBlock", "text": words("pick", lang), "weight": "Bolder", "wrap": True})
        body += [{"type": "TextBlock", "text": f"{n}. {o.label}", "wrap": True, "spacing": "None"}
                 for n, o in enumerate(reply.options, 1)]
    if reply.provenance:
        body.append({"type": "TextBlock", "text": words("how", lang), "weight": "Bolder", "size": "Small",
                     "separator": True, "wrap": True})
        body += [{"type": "TextBlock", "text": line, "isSubtle": True, "size": "Small", "wrap": True,
                  "spacing": "None"} for line in provenance_lines(reply)]
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                            "version": "1.4", "msteams": {"width": "Full"}, "body": body}
    if reply.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": words("open", lang), "url": reply.link}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def _columns(reply: ChatReply) -> dict[str, Any]:
    """The table as columns of TextBlocks: headers bold, numbers right-aligned."""
    columns = []
    for i, header in enumerate(reply.headers):
        align = "Right" if i > 0 else "Left"
        items = [{"type": "TextBlock", "text": header, "weight": "Bolder", "wrap": True, "horizontalAlignment": align}]
        items += [{"type": "TextBlock", "text": row[i], "wrap": True, "spacing": "Small",
                   "horizontalAlignment": align} for row in reply.rows]
        columns.append({"type": "Column", "width": "stretch" if i == 0 else "auto", "items": items})
    return {"type": "ColumnSet", "columns": columns}
