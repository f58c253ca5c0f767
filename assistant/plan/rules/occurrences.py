"""Where many words occur in one text, found in a single pass (Aho–Corasick).

The planner asks of every word it did not understand where it stands in the question. One
`re.finditer` per word reads the whole question again for each of them: fine for a question,
quadratic for a long text full of different words. This reads the text once for all of them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

Span = tuple[int, int]


class Occurrences:
    """The occurrences of `words` in `text`: as `re.finditer(re.escape(word), text)` finds them
    (left to right, not overlapping one another), and each word's first."""

    def __init__(self, text: str, words: Iterable[str]) -> None:
        self._text = text
        self._spans: dict[str, list[Span]] = {}
        wanted = [w for w in dict.fromkeys(words) if w]
        starts = _all_starts(text, wanted) if wanted else {}
        for word in wanted:
            taken, end = [], 0
            for s in starts.get(word, []):  # ascending; an occurrence inside the previous one is skipped
                if s >= end:
                    end = s + len(word)
                    taken.append((s, end))
            self._spans[word] = taken

    def spans(self, word: str) -> list[Span]:
        if word not in self._spans:  # a word not given up front: read it the ordinary way
            self._spans[word] = list(_finditer(self._text, word))
        return self._spans[word]

    def first(self, word: str) -> int:
        """Like `text.find(word)`."""
        found = self.spans(word)
        return found[0][0] if found else (0 if not word else -1)


def _finditer(text: str, word: str) -> Iterable[Span]:
    if not word:
        yield from ((i, i) for i in range(len(text) + 1))
        return
    i = text.find(word)
    while i >= 0:
        yield i, i + len(word)
        i = text.find(word, i + len(word))


def _all_starts(text: str, words: list[str]) -> dict[str, list[int]]:
    """Every start of every word in `text`, overlapping ones included, in ascending order."""
    goto, out, fail, link = _automaton(words)
    found: dict[str, list[int]] = {}
    state = 0
    for i, ch in enumerate(text):
        while state and ch not in goto[state]:
            state = fail[state]
        state = goto[state].get(ch, 0)
        hit = state if out[state] else link[state]
        while hit > 0:
            for word in out[hit]:
                found.setdefault(word, []).append(i + 1 - len(word))
            hit = link[hit]
    for starts in found.values():
        starts.sort()
    return found


def _automaton(words: list[str]) -> tuple[list[dict[str, int]], list[list[str]], list[int], list[int]]:
    """The words' trie (goto), the words ending at each state, and each state's fail and output links."""
    goto: list[dict[str, int]] = [{}]
    out: list[list[str]] = [[]]
    for word in words:
        state = 0
        for ch in word:
            if ch not in goto[state]:
                goto[state][ch] = len(goto)
                goto.append({})
                out.append([])
            state = goto[state][ch]
        out[state].append(word)
    fail = [0] * len(goto)
    link = [-1] * len(goto)  # the nearest state down the fail chain that ends a word
    queue = deque(goto[0].values())
    while queue:
        state = queue.popleft()
        for ch, nxt in goto[state].items():
            f = fail[state]
            while f and ch not in goto[f]:
                f = fail[f]
            fail[nxt] = goto[f].get(ch, 0)
            link[nxt] = fail[nxt] if out[fail[nxt]] else link[fail[nxt]]
            queue.append(nxt)
    return goto, out, fail, link
