"""Typos of ordinary English words: 'per milion', 'actually runing', 'peices'. The layer's own names are
repaired before this (matching.mend_typos); what is left is a word no general-language list has, one slip
away from a word it does have. Read as that word, the question is then read as if typed right; left as
it was, it is an unknown word that blocks the answer or reads as a name.

The dictionary is wordfreq's (via core.text): no list written here. A word is repaired only when it is
unseen in the language, long enough that one slip rarely turns one real word into another, and one
reading is clearly the likeliest (the planner's own words first, two neighbouring letters swapped next, then
the commonest by a margin)."""

from __future__ import annotations

import re
import string

from assistant.core.text import word_frequency

# four to twenty letters (four only for two letters swapped, 'donw'): other slips of shorter words turn
# them into others too easily; longer ones are no words (and the candidates of a 20,000-letter 'word'
# would fill the memory)
_WORD = re.compile(r"(?<![\w\-'])[A-Za-z]{4,20}(?![\w\-]|'(?!s\b))")  # "Yesturday's", not "don't"
_MIN_ZIPF = 3.0  # the general list's floor: a candidate must be an attested everyday word
_MARGIN = 0.5  # the likeliest reading at least ~3x as common as the next, else no guess
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s*|\n\s*)$")


def mend_spelling(question: str, known: set[str]) -> tuple[str, list[tuple[str, str]]]:
    """The question with ordinary words' typos repaired, and the (typed, read as) pairs."""
    fixes: list[tuple[str, str]] = []

    def repair(m: re.Match[str]) -> str:
        word = m.group(0)
        if not _may_repair(word, question[:m.start()]):
            return word
        low = word.lower()
        if low in known or word_frequency(low, "en") > 0.0:
            return word
        meant = _likeliest(low, known) if len(low) > 4 else _swapped(low, known) or _letter_left_out(low)
        if meant is None:
            return word
        fixes.append((word, meant))
        return meant.capitalize() if word[0].isupper() else meant

    return _WORD.sub(repair, question), fixes


def _may_repair(word: str, before: str) -> bool:
    """Lower case, or a capital only where a sentence starts: a capital elsewhere may be a name."""
    if word.islower():
        return True
    return word[0].isupper() and word[1:].islower() and bool(_SENTENCE_START.search(before))


def _likeliest(word: str, known: set[str]) -> str | None:
    candidates = {c for c in _one_slip(word) if c in known or word_frequency(c, "en") >= _MIN_ZIPF}
    if not candidates:
        return None
    ours = [c for c in candidates if c in known]
    if len(ours) == 1:
        return ours[0]  # the planner's or the layer's word: the question is about the plant
    swapped = [c for c in candidates if c in _swaps(word)]
    if len(swapped) == 1:
        return swapped[0]  # two letters typed in the wrong order, the commonest slip ('peices', not 'prices')
    ranked = sorted(candidates, key=lambda c: word_frequency(c, "en"), reverse=True)
    if len(ranked) > 1 and word_frequency(ranked[0], "en") - word_frequency(ranked[1], "en") < _MARGIN:
        return None  # two readings about as likely: leave the word to be asked about
    return ranked[0]


def _swapped(word: str, known: set[str]) -> str | None:
    """A short word read only as the one everyday word two neighbouring letters swapped give."""
    found = [c for c in _swaps(word) if c in known or word_frequency(c, "en") >= _MIN_ZIPF]
    return found[0] if len(found) == 1 else None


_COMMON_ZIPF = 5.5  # 'which', 'where', 'their': so common that a four-letter slip of one is read as it


def _letter_left_out(word: str) -> str | None:
    """'wich': a four-letter word missing one letter of a very common word, and of no other common one."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {a + c + b for a, b in splits for c in string.ascii_lowercase}
    ranked = sorted((c for c in found if word_frequency(c, "en") >= _MIN_ZIPF),
                    key=lambda c: word_frequency(c, "en"), reverse=True)
    if not ranked or word_frequency(ranked[0], "en") < _COMMON_ZIPF:
        return None
    if len(ranked) > 1 and word_frequency(ranked[0], "en") - word_frequency(ranked[1], "en") < 2 * _MARGIN:
        return None
    return ranked[0]


def _swaps(word: str) -> set[str]:
    return {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}


def _one_slip(word: str) -> set[str]:
    """Every string one deletion, swap of neighbours, replacement or insertion away (Damerau distance 1)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    letters = string.ascii_lowercase
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = _swaps(word)
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters if c != b[0]}
    inserts = {a + c + b for a, b in splits for c in letters}
    return deletes | swaps | replaces | inserts
