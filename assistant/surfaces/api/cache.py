"""A short-lived cache of answers: many managers ask the same morning questions ("OEE yesterday
by plant"), and the data behind them changes at most a few times a day.

Keyed by the question and the questions before it in the conversation (a follow-up depends on
them), the user's access scope (role and attributes), the date "today" means, the language and
the planner; an entry lives `answer_cache_s` seconds (0 turns it off). A hit still records the
turn in the conversation, so later follow-ups work as after a fresh answer.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from typing import Any

from assistant.plan.types import Turn

__all__ = ["AnswerCache"]

_MAX_ENTRIES = 512


class AnswerCache:
    def __init__(self, ttl_s: float, max_entries: int = _MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[Any, tuple[float, bytes, str, Turn]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bytes, str, Turn] | None:
        if self.ttl_s <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry[0] > self.ttl_s:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1], entry[2], copy.deepcopy(entry[3])

    def put(self, key: Any, content: bytes, status: str, turn: Turn) -> None:
        if self.ttl_s <= 0 or status not in ("ok", "clarify", "refused"):
            return  # an error (busy, a timeout) is not an answer to keep
        with self._lock:
            self._entries[key] = (time.monotonic(), content, status, copy.deepcopy(turn))
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
