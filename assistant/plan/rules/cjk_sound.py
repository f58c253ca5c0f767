"""How Chinese characters sound, and where windows may stand: helpers of the vocabulary's typo pass
(assistant/plan/rules/vocab.py `Vocabulary.cjk_fuzzy`)."""

from __future__ import annotations

import functools
import os
from bisect import bisect_left

_CONFUSED_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"), ("f", "h"), ("p", "b"), ("t", "d"), ("k", "g"))
_CONFUSED_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@functools.lru_cache(maxsize=4096)
def sound(ch: str) -> str:
    """Toneless pinyin of one character, with the sounds people commonly confuse merged
    (zh/z, l/n, b/p, -ng/-n ...), so '两'~'良', '坡'~'波', '洲'~'州' sound alike."""
    # One character at a time: the phrase dictionary (0.2 s to load) never applies, so it is not loaded.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import lazy_pinyin

    py = lazy_pinyin(ch)[0]
    for a, b in _CONFUSED_INITIALS:
        if py.startswith(a):
            py = b + py[len(a):]
            break
    for a, b in _CONFUSED_FINALS:
        if py.endswith(a):
            py = py[: -len(a)] + b
            break
    return py



def windows_around(spans: list[tuple[int, int]], lengths: list[int], size: int) -> list[tuple[int, int]]:
    """(start, length) of every window of one of `lengths` that holds a whole span and cuts none:
    found from the spans, so a long question costs in proportion to its metric words, not its length
    times them."""
    ordered = sorted(spans)
    starts = [s for s, _ in ordered]
    out: set[tuple[int, int]] = set()
    for s, e in ordered:
        for n in lengths:
            for i in range(max(0, e - n), min(s, size - n) + 1):
                if (i, n) in out:
                    continue
                lo, hi = bisect_left(starts, i) - 1, bisect_left(starts, i + n)
                if not any(a < i + n and b > i and (a < i or b > i + n) for a, b in ordered[max(0, lo):hi]):
                    out.add((i, n))
    return sorted(out)


def mark(n: int, spans: list[tuple[int, int]]) -> list[bool]:
    """Per character of a text of length n: is it inside one of `spans`?"""
    marked = [False] * n
    for s, e in spans:
        for i in range(s, min(e, n)):
            marked[i] = True
    return marked
