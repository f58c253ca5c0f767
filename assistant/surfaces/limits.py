"""What keeps a surface honest under real traffic: each chat event answered once, and no user
asking faster than the service should answer (chat bots and the HTTP API share these).

Chat platforms deliver at least once: Slack retries an event it did not see acknowledged in
3 seconds, Feishu and DingTalk retry on timeouts. `Deliveries` remembers event ids for a while
(bounded), so a retry is dropped instead of answered twice. `RateLimit` is a token bucket per
user: a burst of a few questions is fine, a script asking in a loop is slowed with a clear
"wait a moment".
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["Deliveries", "RateLimit"]


class Deliveries:
    """Event ids seen in the last `ttl_s` seconds (at most `max_ids`, oldest forgotten first)."""

    def __init__(self, ttl_s: float = 3600.0, max_ids: int = 50_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_ids = max_ids
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """True the first time an id is offered (and remembers it); False for a repeat.
        An empty id (a platform that sends none) is always new: nothing to compare."""
        if not event_id:
            return True
        now = self._clock()
        with self._lock:
            while self._seen and (next(iter(self._seen.values())) < now - self.ttl_s
                                  or len(self._seen) >= self.max_ids):
                self._seen.popitem(last=False)
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
            return True


class RateLimit:
    """`per_minute` questions per key, refilled evenly, with bursts up to `burst` (0 = no limit)."""

    def __init__(self, per_minute: int, burst: int | None = None, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.burst = burst if burst is not None else max(1, min(per_minute, 5))
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def wait_s(self, key: str) -> float:
        """0 when `key` may ask now (and counts the question); else seconds until it may."""
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / rate
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait
