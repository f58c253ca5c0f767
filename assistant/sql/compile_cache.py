"""Compiled queries kept per SemanticQuery, so a repeat is not compiled twice.

A compilation depends only on the query and on the compiler's own layer, scope, dialect and
summaries, which are fixed per Compiler instance; the key is the query's canonical JSON. The
comparison period, a follow-up, an app rerun and the why engine's recurring breakdowns repeat
queries, and sqlglot's tree building was a quarter of the why answers' time. Refusals are not
kept: they are raised again, each time with the current message.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from assistant.plan.query import SemanticQuery

__all__ = ["CompileCache"]

T = TypeVar("T")


class CompileCache(Generic[T]):
    """A small thread-safe LRU of compiled results by (kind, query). Callers must not mutate what
    it hands out (the guard and the executor only read compiled trees)."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, kind: str, query: SemanticQuery, build: Callable[[SemanticQuery], T]) -> T:
        key = (kind, query.model_dump_json())
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build(query)  # outside the lock: two threads may both build; both results are equal
        with self._lock:
            self._items[key] = value
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)
