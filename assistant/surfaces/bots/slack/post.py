"""Putting a reply into a Slack thread: the message, its chart, "working on it" and its update.

Every Web API call is guarded: Slack refusing one message (blocks over a limit, the bot not in
the channel, a network error) is logged and, where it can be, said another way in the thread; it
never takes the bot down and never leaves a worker thread dead with the question unanswered.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from assistant.surfaces.bots.reply import ChatReply
from assistant.surfaces.bots.slack.layout import (
    MAX_VALUE,
    escape,
    fallback_text,
    provenance_blocks,
    reply_blocks,
    said,
    text_blocks,
)

__all__ = ["Details", "Poster", "Thread"]

log = logging.getLogger("assistant.bots.slack")

_REF = "fa-ref:"  # a button value that names a kept reply or question instead of carrying it


class Thread:
    """Where a reply goes: a channel and the thread's root message."""

    __slots__ = ("channel", "ts")

    def __init__(self, channel: str, ts: str) -> None:
        self.channel = channel
        self.ts = ts

    @property
    def key(self) -> str:
        return f"{self.channel}:{self.ts}"


class Details:
    """Replies kept for their "How was this computed?" button, and questions too long for a button's
    value, by a random reference. Bounded: the oldest go first; a press on a forgotten one is told so."""

    def __init__(self, max_items: int = 2000) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, ChatReply | str] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, item: ChatReply | str) -> str:
        ref = _REF + secrets.token_urlsafe(12)
        with self._lock:
            self._items[ref] = item
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        return ref

    def get(self, ref: str) -> ChatReply | str | None:
        with self._lock:
            return self._items.get(ref)

    def option_value(self, question: str) -> str:
        """A question as a button value: itself when it fits (nothing to forget), else a reference."""
        return question if len(question) <= MAX_VALUE and not question.startswith(_REF) else self.keep(question)

    def question(self, value: str) -> str | None:
        """A pressed button's question (None: a reference this process no longer has)."""
        if not value.startswith(_REF):
            return value
        found = self.get(value)
        return found if isinstance(found, str) else None


class Poster:
    """The bot's Web API calls into threads, each one guarded."""

    def __init__(self, client: WebClient, details: Details | None = None) -> None:
        self.client = client
        self.details = details or Details()

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any] | None:
        """The response's data, or None when Slack refused or could not be reached (logged)."""
        try:
            response = getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            log.warning("Slack %s refused: %s", method, exc.response.get("error", exc.response.status_code))
            return None
        except (SlackClientError, OSError, ValueError) as exc:
            log.warning("Slack %s failed: %s", method, type(exc).__name__)
            return None
        data = response.data
        return data if isinstance(data, dict) else {}

    def text(self, thread: Thread, text: str) -> str | None:
        """A plain message in the thread; its ts (to update later), or None if it could not be posted."""
        # No ts: a new message in the channel (a slash command's question, the root of its thread).
        where = {"channel": thread.channel, **({"thread_ts": thread.ts} if thread.ts else {})}
        data = self._call("chat_postMessage", **where, text=text, blocks=text_blocks(text), unfurl_links=False)
        return str(data.get("ts", "")) if data is not None else None

    def working(self, thread: Thread, lang: str) -> str | None:
        return self.text(thread, said("working", lang))

    def reply(self, thread: Thread, reply: ChatReply, *, replace_ts: str | None = None) -> bool:
        """The answer in the thread (replacing the "working on it" message when given), then its chart.
        Blocks Slack refuses are sent again as plain text, so the manager still gets the answer."""
        ref = self.details.keep(reply) if reply.provenance else ""
        values = [self.details.option_value(o.question) for o in reply.options]
        blocks = reply_blocks(reply, details_ref=ref, option_values=values)
        text = fallback_text(reply)
        posted = self._put(thread, text, blocks, replace_ts)
        if not posted:  # e.g. invalid_blocks: the words alone are better than silence
            posted = self._put(thread, text, text_blocks(text), replace_ts)
        if posted and reply.chart is not None:
            self.chart(thread, reply)
        return posted

    def _put(self, thread: Thread, text: str, blocks: list[dict[str, Any]], replace_ts: str | None) -> bool:
        if replace_ts:
            data = self._call("chat_update", channel=thread.channel, ts=replace_ts, text=text, blocks=blocks)
            if data is not None:
                return True
            # The placeholder is gone or cannot be edited: post the answer as a new message instead.
        data = self._call("chat_postMessage", channel=thread.channel, thread_ts=thread.ts, text=text,
                          blocks=blocks, unfurl_links=False)
        return data is not None

    def chart(self, thread: Thread, reply: ChatReply) -> bool:
        """The chart as a PNG in the thread (files_upload_v2: get an upload URL, send, complete).
        When the PNG cannot be made or uploaded, the thread is told, with the app link if there is one."""
        png = reply.chart_png
        if png is not None:
            title = said("chart_title", reply.lang, question=reply.question or "")[:250]
            data = self._call("files_upload_v2", channel=thread.channel, thread_ts=thread.ts, file=png,
                              filename="chart.png", title=title, alt_txt=reply.text[:1000])
            if data is not None:
                return True
        note = said("chart_in_app", reply.lang, link=reply.link) if reply.link else said("chart_failed", reply.lang)
        self.text(thread, note)
        return False

    def provenance(self, thread: Thread, ref: str, lang: str) -> bool:
        """The "How was this computed?" answer: provenance lines and the SQL, or why they are gone."""
        found = self.details.get(ref)
        if not isinstance(found, ChatReply):
            return self.text(thread, said("details_gone", lang)) is not None
        text = escape(found.provenance_text())
        data = self._call("chat_postMessage", channel=thread.channel, thread_ts=thread.ts, text=text[:3900],
                          blocks=provenance_blocks(found), unfurl_links=False)
        return data is not None
