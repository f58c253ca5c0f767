"""Span look-ups whose cost does not grow with the number of spans.

A long question holds thousands of matches; asking of each one whether it overlaps any of
the others, one by one, made planning grow with the square of the question's length. These
answer the same questions (exactly, empty spans included) by bisection or a mark per character.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable

Span = tuple[int, int]


class Spans:
    """A fixed set of spans: does a span overlap one, or sit inside one?"""

    def __init__(self, spans: Iterable[Span]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        # the largest end among the spans starting up to each index: the one span that can answer
        self._max_end = list(itertools.accumulate((e for _, e in ordered), max))

    def overlaps(self, start: int, end: int) -> bool:
        """Like `any(start < e and s < end for s, e in spans)`."""
        k = bisect_left(self._starts, end)
        return k > 0 and self._max_end[k - 1] > start

    def covers(self, start: int, end: int) -> bool:
        """Like `any(s <= start and end <= e for s, e in spans)`."""
        k = bisect_right(self._starts, start)
        return k > 0 and self._max_end[k - 1] >= end

    def holds(self, at: int) -> bool:
        """Like `any(s <= at < e for s, e in spans)`."""
        k = bisect_right(self._starts, at)
        return k > 0 and self._max_end[k - 1] > at


class Occupied:
    """A growing set of spans (matches taken one after another): does a span overlap one?"""

    def __init__(self, spans: Iterable[Span] = ()) -> None:
        self._marks = bytearray()  # 1 for each character some non-empty span covers
        self._points: list[int] = []  # empty spans: they overlap only spans strictly around them
        self._all: list[Span] = []
        for s, e in spans:
            self.add(s, e)

    def add(self, start: int, end: int) -> None:
        self._all.append((start, end))
        if start >= end:
            insort(self._points, start)
            return
        if end > len(self._marks):
            self._marks.extend(bytes(end - len(self._marks)))
        self._marks[start:end] = b"\x01" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        """Like `any(start < e and s < end for s, e in spans)`."""
        if start >= end:  # an empty span asks about the spans strictly around a point: rare, asked directly
            return any(start < e and s < end for s, e in self._all)
        if self._marks.find(1, max(start, 0), end) >= 0:
            return True
        k = bisect_right(self._points, start)
        return k < len(self._points) and self._points[k] < end
