"""How many of the matching start records a trace question means, when it gives no id.

"Hengtai's conditional lot", "那批铝材": one (the pipeline asks which when several match);
"the latest lot", "最近一批": the newest (the answer says which one it took); "all the lots",
"所有批次", a plural, or nothing said: every match (the answer lists them). Only language cues
live here; what matches is the data's business (assistant/sql/trace/matches.py).

The same question must mean the same in both languages: English marks one thing with an
article or a possessive before a singular noun, Chinese with a demonstrative and a measure word
(那批, 该批); neither language's bare noun ('Hengtai material', '恒泰的铝材') singles one out.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Literal

from assistant.core.text import fold
from assistant.plan.trace import cues
from assistant.plan.trace.mentions import Mention, find_all

Pick = Literal["one", "latest", "all"]
_NEAR_CHARS_ZH = 3  # a Chinese 所有 / 最新 qualifies a start word this many characters after it ('的')
_ENGLISH_WORD = re.compile(r"[a-z0-9][a-z0-9'’-]*")
# How far from a cue its start mention is looked for: filler words between are few ('all of the other
# lots'); reading every gap to the end of a long text, for each cue, was quadratic.
_CUE_REACH = 200


def start_pick(text: str, said: str, start_words: Sequence[Mention], start_members: Sequence[Mention],
               demonstratives: Sequence[tuple[int, int, str]], zh: bool) -> Pick | None:
    """How many start records the words name. `text` is the question as read (folded, ids and the
    date blanked), `said` as typed (possessives kept); `start_words` name the start's type,
    `start_members` are the values put on it."""
    named = sorted([*start_words, *start_members], key=lambda m: m.start)
    if not named:
        return None
    if cues.ALL_OF_THEM.search(text) or _qualified(text, cues.ALL_ZH if zh else cues.ALL_EN, named, zh, 0):
        return "all"
    if _qualified(text, cues.LATEST_ZH if zh else cues.LATEST_EN, named, zh, 1):
        return "latest"
    if _singular(text, said, start_words, demonstratives, zh):
        return "one"
    if not zh and start_words and all(_plural(w.text) for w in start_words):
        return "all"
    return None


def _qualified(text: str, pattern: re.Pattern[str], named: Sequence[Mention], zh: bool, loose: int) -> bool:
    """A cue right before a start mention ('all of Hengtai's lots', '所有让步接收的铝材', 'the latest
    conditional lot'), or (English) right after the start's noun ('the lot received last'). Between
    cue and mention only filler words, and at most `loose` others ('the latest delivered lot')."""
    by_start = sorted(named, key=lambda m: m.start)
    starts = [m.start for m in by_start]
    nodes = sorted((m for m in named if m.kind == "node"), key=lambda m: m.end)
    ends = [m.end for m in nodes]
    for cue in pattern.finditer(text):
        if zh:
            if bisect_left(starts, cue.end()) < bisect_right(starts, cue.end() + _NEAR_CHARS_ZH):
                return True
            continue
        # A longer gap holds every word and mark of a shorter one (mentions start at a word's edge),
        # so only the nearest mention after the cue, and the nearest type's word before it, can qualify.
        k = bisect_left(starts, cue.end())
        if k < len(by_start) and by_start[k].start - cue.end() <= _CUE_REACH \
                and _gap_ok(text[cue.end():by_start[k].start], loose):
            return True
        j = bisect_right(ends, cue.start())
        if j and _fewer_words(text, ends[j - 1], cue.start(), 3):
            return True
    return False


def _fewer_words(text: str, start: int, end: int, limit: int) -> bool:
    """Fewer than `limit` English words in text[start:end] (counted only as far as `limit`)."""
    return all(n < limit for n, _ in enumerate(_ENGLISH_WORD.finditer(text, start, end), 1))


def _gap_ok(gap: str, loose: int) -> bool:
    """No punctuation between, only filler words and at most `loose` others."""
    if re.search(r"[,.;:?!()]", gap):
        return False
    words = _ENGLISH_WORD.findall(gap)
    return sum(1 for w in words if w not in cues.FILLER_EN and w not in cues.ARTICLES_EN) <= loose


def _singular(text: str, said: str, start_words: Sequence[Mention], demonstratives: Sequence[tuple[int, int, str]],
              zh: bool) -> bool:
    if zh:
        first = start_words[0].start if start_words else len(text)
        return any(s <= first for s, _, f in demonstratives if f in cues.SINGULAR_ZH)
    typed = fold(said)
    for w in {w.text: w for w in start_words}.values():  # each spelling once: its occurrences are the same
        if _plural(w.text):
            continue
        # The question as typed: the planner reads "Hengtai's" as "Hengtai", but the possessive
        # is what makes "Hengtai's conditional lot" one lot.
        for s, _ in find_all(typed, w.text):
            before = _ENGLISH_WORD.findall(typed[max(0, s - 80): s])[-4:]
            if any(t in cues.ARTICLES_EN or t.endswith(("'s", "’s", "s'", "s’")) for t in before):
                return True
    return False


def _plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith("ss")


def mention_of(text: str, named: Sequence[Mention]) -> tuple[str, int] | None:
    """The words naming the start (its type's word, else the last value put on it) and which of
    their occurrences in the question it is: a picked id is written right after them."""
    if not named:
        return None
    words = [m for m in named if m.kind == "node"]
    chosen = words[-1] if words else max(named, key=lambda m: m.end)
    form = text[chosen.start:chosen.end]
    return form, sum(1 for s, _ in find_all(text, form) if s < chosen.start)
