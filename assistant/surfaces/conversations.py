"""Conversations kept between requests, so "and for last year?" follows the question before it.

A bounded LRU keyed by (user, conversation id): one user cannot read or continue another's
conversation by guessing its id, and the oldest conversation is forgotten when the store is full
(memory stays bounded however many ids clients invent). Each conversation has its own lock, so
two requests racing in one conversation take turns instead of interleaving its history.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from assistant.plan.types import Session

__all__ = ["Conversation", "Conversations"]


@dataclass
class Conversation:
    session: Session
    lock: threading.Lock = field(default_factory=threading.Lock)


class Conversations:
    """At most `max_conversations` conversations of at most `max_turns` turns each."""

    def __init__(self, max_conversations: int = 1000, max_turns: int = 50) -> None:
        if max_conversations < 1 or max_turns < 1:
            raise ValueError("max_conversations and max_turns must be at least 1")
        self.max_conversations = max_conversations
        self.max_turns = max_turns
        self._items: OrderedDict[tuple[str, str], Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def open(self, owner: str, conversation_id: str | None) -> tuple[str, Conversation]:
        """The conversation `conversation_id` of `owner` (a new one if unknown or forgotten), and its id.
        Without an id a new conversation is started and its id returned, for follow-ups."""
        cid = conversation_id or secrets.token_urlsafe(12)
        key = (owner, cid)
        with self._lock:
            found = self._items.get(key)
            if found is None:
                found = self._items[key] = Conversation(Session())
                while len(self._items) > self.max_conversations:
                    self._items.popitem(last=False)
            else:
                self._items.move_to_end(key)
            return cid, found

    def trim(self, conversation: Conversation) -> None:
        """Keep the latest turns only (call under the conversation's lock): follow-ups read the
        last few, and a client asking forever in one conversation must not grow it forever."""
        turns = conversation.session.turns
        if len(turns) > self.max_turns:
            del turns[: len(turns) - self.max_turns]
