"""Pull the structural parts out of a question: time, grain, top-N, thresholds.

Each extractor returns what it found plus the character span it used, so the planner
can tell which words were understood and which were not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass

from assistant.core.text import CJK_CLASS, parse_count, word_frequency
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.spans import Spans
from assistant.understand.catalogue import naming_words
from assistant.understand.timeparse import TimeMatch, find_grain, find_time_ranges
from semantic_layer.layer import Layer

Span = tuple[int, int]


def overlaps(span: Span, taken: list[Span]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


@dataclass
class TopN:
    n: int
    direction: str  # "desc" | "asc" | "good" | "bad"
    span: Span
    explicit: bool  # "top 5" (True) vs "the highest" (False)
    extra: Span | None = None  # the count's own span when apart from the superlative


@dataclass
class Threshold:
    op: str
    number: float
    percent: bool
    span: Span
    high: float | None = None  # upper bound for 'between'


def find_times(question: str, as_of: dt.date, layer: Layer) -> list[TimeMatch]:
    words = naming_words(layer)
    found = _restated(find_time_ranges(question, as_of, naming_words=words), question)
    if not lx.COMPARE.search(question):
        return found
    # 'compare PPM between October and November': two periods side by side, not the range across them
    out: list[TimeMatch] = []
    for t in found:
        a, b = t.span
        said = _BETWEEN_WORD.sub(lambda m: " " * len(m.group(0)), question[a:b]) if t.kind == "between" else ""
        parts = find_time_ranges(question[:a] + said + question[b:], as_of, naming_words=words) if said else []
        inner = [p for p in parts if a <= p.span[0] and p.span[1] <= b]
        out.extend(inner if len(inner) == 2 and _AND_BETWEEN.fullmatch(question, inner[0].span[1], inner[1].span[0])
                   else [t])
    return out


_OPEN_BRACKET = re.compile(r"\s*[(（]\s*")


def _restated(found: list[TimeMatch], question: str) -> list[TimeMatch]:
    """'下周（1月5号到11号）', 'next week (Jan 5-11)': dates in brackets right after a period say it again
    (a yearless date would otherwise fall in the wrong year): the period as first said stands."""
    out: list[TimeMatch] = []
    for t in found:
        if out and _OPEN_BRACKET.fullmatch(question, out[-1].span[1], t.span[0]):
            out[-1] = dataclasses.replace(out[-1], span=(out[-1].span[0], _bracket_end(question, t.span[1])))
            continue
        out.append(t)
    return out


def _bracket_end(question: str, at: int) -> int:
    close = re.compile(r"\s*[)）]").match(question, at)
    return close.end() if close else at


_BETWEEN_WORD = re.compile(r"\bbetween\b|之间", re.I)
_AND_BETWEEN = re.compile(r"\s*(?:and|&|和|与|跟)\s*", re.I)


def find_grain_word(text: str, taken: list[Span]) -> tuple[str, Span] | None:
    found = find_grain(text)
    if found is None:
        return None
    _grain, span = found
    # "last month" is a time range, not "by month": a grain word inside a time span is not a grain.
    if overlaps(span, taken):
        rest = text[:span[0]] + " " * (span[1] - span[0]) + text[span[1]:]
        again = find_grain(rest)
        if again is None or overlaps(again[1], taken):
            return None
        return again
    return found


def _direction(word: str) -> str:
    word = word.lower().rstrip("的")
    if word in lx.GOOD_WORDS:
        return "good"
    if word in lx.BAD_WORDS:
        return "bad"
    return "asc" if word in lx.ASC_WORDS else "desc"


def find_top_n(text: str, taken: list[Span]) -> TopN | None:
    return _counted_top(text, taken) or _plural_top(text, taken) or _superlative_top(text, taken)


# 'our top customers by ordered quantity': several, no count given: every one, ranked (n = 0: no
# limit); 'the top customer': the first
_PLURAL_TOP = re.compile(r"\b(?P<dir>top|bottom|biggest|largest|best|worst)\s+(?P<noun>[a-z]{3,})\b", re.I)


def _plural_top(text: str, taken: list[Span]) -> TopN | None:
    m = _PLURAL_TOP.search(text)
    if m is None or overlaps(m.span(), taken) or _separate_count(text, taken) is not None:
        return None
    several = m.group("noun").endswith("s") and not m.group("noun").endswith("ss")
    if not several and m.group("dir").lower() not in ("top", "bottom"):
        return None  # 'the biggest customer': a superlative, read below
    return TopN(0 if several else 1, _direction(m.group("dir")), m.span("dir"), several)


# 'which kinds of machines eat the most power', '哪些产线报废最多': several asked, no count: all, ranked
_SEVERAL = re.compile(r"\b(?:which|what)\s+(?:(?:kinds?|types?|sorts?)\s+of\s+)?(?:(?P<noun>[a-z]{3,}s)\b(?<!ss)"
                      r"|[a-z]+\s+(?:types|kinds|categories|groups|families)\b)|哪些", re.I)
_NOT_NOUN = {"was", "has", "does", "is", "this", "days", "plus"}


def _several_asked(text: str, at: int) -> bool:
    found = list(_SEVERAL.finditer(text[:at]))
    m = found[-1] if found else None
    return m is not None and (m.group("noun") or "").lower() not in _NOT_NOUN and at - m.end() <= 40


def _counted_top(text: str, taken: list[Span]) -> TopN | None:
    """A count next to its direction word: "top 5", "前5", "最低的三条"."""
    used = Spans(taken)  # one look-up per candidate, however many times and words were taken
    for pattern in lx.TOP_N:
        for m in pattern.finditer(text):
            if used.overlaps(*m.span()):
                continue
            n = parse_count(m.group("n"))
            if n is None or n <= 0 or n > 1000:
                continue
            return TopN(n, _direction(m.group("dir")), m.span(), True)
    return None


_FAILING_BEFORE = re.compile(r"\b(?:let(?:ting)?\s+(?:us\s+|them\s+)?down|disappoint(?:ed|ing)?|fail(?:ed|ing)?"
                             r"|miss(?:ed|ing)?|struggl(?:ed|ing)|suffer(?:ed|ing)?|underperform(?:ed|ing)?)\b"
                             r"[^,.;?]*$", re.I)


_TO_SEE_WHICH = re.compile(r"\b(?:want|like|need)\s+to\s+(?:see|know|check)\s+(?:which|who|what)\b[^.?!;]*$", re.I)


def _superlative_top(text: str, taken: list[Span]) -> TopN | None:
    """A superlative: top 1, unless a count stands elsewhere in the question."""
    used = Spans(taken)
    for pattern in lx.SUPERLATIVE:
        found = [m for m in pattern.finditer(text) if not used.overlaps(*m.span())]
        # 'let down most on due dates, i.e. lowest on-time rate': a word with its own direction says
        # which way the figure ranks; 'most' / 'least' only say how much
        found.sort(key=lambda m: m.group("dir").lower() in ("most", "least"))
        for m in found[:1]:
            span = m.span()
            way = _direction(m.group("dir"))
            # 'which customers did we let down most': 'most' of a verb of failing ranks the worst first
            if m.group("dir").lower() == "most" and _FAILING_BEFORE.search(text, max(0, span[0] - 30), span[0]):
                way = "bad"
            count = _separate_count(text, taken)
            if count is not None:
                n, extra = count
                return TopN(n, way, span, True, extra=extra)
            # '… per machine type - I want to see which kind draws the most': all of them, ranked
            several = _several_asked(text, span[0]) or bool(_TO_SEE_WHICH.search(text, 0, span[0]))
            return TopN(0 if several else 1, way, span, several)
    for m in lx.BARE_MOST.finditer(text):
        if used.overlaps(*m.span()):
            continue
        # '最省电的' ranks the least first, as does a negated word ('最不准时': the lowest on-time rate);
        # any other 最 + verb ('最耗电', '最常坏') the most.
        way = "asc" if text[m.end():m.end() + 1] in lx.BARE_MOST_LEAST | {"不", "没"} else "desc"
        count = _separate_count(text, taken)
        # '本月最耗电的5台设备': the count follows; '哪三家供应商交货最准时': it comes first
        if count is not None and (count[1][0] > m.start() or "哪" in text[max(0, count[1][0] - 1):count[1][1]]):
            return TopN(count[0], way, m.span(), True, extra=count[1])
        if "哪" in text[max(0, m.start() - 10):m.start()]:
            several = _several_asked(text, m.start())
            return TopN(0 if several else 1, way, m.span(), several)
    return None


def _separate_count(text: str, taken: list[Span]) -> tuple[int, Span] | None:
    """A count apart from the superlative: "which 3 products had the highest", "最长的3条产线"."""
    for counter in lx.TOP_COUNT:
        c = counter.search(text)
        if c and not overlaps(c.span(), taken):
            n = parse_count(c.group("n"))
            if n:
                return n, c.span()
    return None


def find_threshold(text: str, taken: list[Span]) -> Threshold | None:
    used = Spans(taken)
    for pattern in lx.THRESHOLD_RANGE:
        for m in pattern.finditer(text):
            if not used.overlaps(*m.span()):
                pct = bool(m.group("pa") or m.group("pb"))
                return Threshold("between", float(m.group("a")), pct, m.span(), high=float(m.group("b")))
    for pattern in lx.THRESHOLD:
        for m in pattern.finditer(text):
            if used.overlaps(*m.span()):
                continue
            op = lx.THRESHOLD_OPS.get(re.sub(r"\s+", " ", m.group("op").lower()))
            if op is None:
                continue
            number = parse_count(m.group("cnum")) if "cnum" in pattern.groupindex else float(m.group("num"))
            if number is None:
                continue
            return Threshold(op, float(number), bool(m.group("pct")), m.span())
    return None


def remainder_words(question: str, text: str, taken: list[Span]) -> list[str]:
    """Content words not covered by any understood span (for 'not understood: ...')."""
    chars = list(text)
    for s, e in taken:
        for i in range(s, min(e, len(chars))):
            chars[i] = " "
    rest = "".join(chars)
    words: list[str] = []
    for token in re.findall(r"[a-z0-9][a-z0-9'\-]*[a-z0-9]|[a-z]|[" + CJK_CLASS + "]+", rest):
        if token.isascii():
            if not re.search(r"[a-z]", token):
                if re.fullmatch(r"\d{4}-\d{1,2}(?:-\d{1,2})?", token):
                    words.append(token)  # a date the calendar does not have ('2025-13-01')
                continue
            id_like = bool(re.search(r"\d", token))
            bare = token.strip("'-")
            if bare in lx.STOPWORDS_EN or bare in lx.QUESTION_WORDS or (len(token) < 3 and not id_like):
                continue
            words.append(token)
            continue
        words.extend(w for w in _without_stopwords(token).split() if len(w) >= 2)
    return list(dict.fromkeys(words))


def _without_stopwords(run: str) -> str:
    """A Chinese run less its function words, keeping common words whole: '大概用了' keeps 大概
    (not '概用' after taking 大 out as a stop word)."""
    kept, rest, i = [], "", 0
    while i < len(run):
        stop = next((n for n in range(min(4, len(run) - i), 0, -1) if run[i:i + n] in lx.STOPWORDS_ZH), 0)
        word = next((run[i:i + n] for n in range(min(4, len(run) - i), stop, -1)
                     if n > 1 and word_frequency(run[i:i + n], "zh") >= 3.0), None)
        if word is None:  # a function word goes whole ('全公司' is not '全' and the word '公司')
            rest += run[i:i + max(stop, 1)]
            i += max(stop, 1)
            continue
        # a common word made of function words and one more character ('怎么样', '大概') goes whole
        kept += [_strip_stopwords(rest), word if len(_strip_stopwords(word).replace(" ", "")) > 1 else " "]
        rest, i = "", i + len(word)
    return "".join([*kept, _strip_stopwords(rest)])  # words side by side stay one run ('咖啡消耗')


_STOPWORDS_LONGEST_FIRST = sorted(lx.STOPWORDS_ZH, key=len, reverse=True)  # sorted once, not per piece


def _strip_stopwords(piece: str) -> str:
    for stop in _STOPWORDS_LONGEST_FIRST:
        piece = piece.replace(stop, " ")
    return piece


_REAL_WORD_ZIPF = 3.0  # words at least this common in English are read as typos of time words only
_TIME_CUE_BEFORE = re.compile(r"\b(?:last|this|next|past|previous|per|each|every|by)\s+$", re.I)  # ...after these


# 'Decmber', 'Novmber', 'Feburary': month names are mistyped as often as the other time words
_MONTHS = ["january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
           "december"]
_TYPO_TARGETS = [*lx.STRUCTURE_WORDS, *_MONTHS]


@functools.lru_cache(maxsize=1)
def _transposed() -> dict[str, str]:
    """Each time or ranking word with two neighbouring letters swapped -> the word (none that is a
    word of its own)."""
    out: dict[str, str] = {}
    for t in _TYPO_TARGETS:
        for i in range(len(t) - 1):
            v = t[:i] + t[i + 1] + t[i] + t[i + 2:]
            if v != t and v not in _TYPO_TARGETS and word_frequency(v, "en") < _REAL_WORD_ZIPF:
                out.setdefault(v, t)
    return out


def mend_time_words(question: str, known: set[str]) -> tuple[str, list[tuple[str, str]]]:
    """Mend typos in time and ranking words ('lst month', 'this quater', 'hgihest') before the
    question is read, so a typo never silently drops the period or the ranking. Returns the mended
    question and (typed, read as) pairs."""
    from rapidfuzz import fuzz, process

    fixes: list[tuple[str, str]] = []

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if low in lx.ABBREVIATIONS:  # 'qtr', 'wk', 'qty': a shorthand, not a typo
            fixes.append((word, lx.ABBREVIATIONS[low]))
            return lx.ABBREVIATIONS[low]
        if low in known or low in lx.STRUCTURE_WORDS or len(low) < 3:
            return word
        if word_frequency(low, "en") >= _REAL_WORD_ZIPF and not _TIME_CUE_BEFORE.search(m.string, 0, m.start()):
            return word  # 'slice' is a word of its own, not 'since' mistyped ('last weak' still is 'week')
        cued = _TIME_CUE_BEFORE.search(m.string, 0, m.start()) is not None  # 'last weak': a period was meant
        swapped = _transposed().get(low)  # 'lsat', 'yaer': two letters swapped, which ratio scores low
        best = (swapped, 100.0, 0) if swapped else \
            process.extractOne(low, _TYPO_TARGETS, scorer=fuzz.ratio, score_cutoff=70 if cued else 80)
        if best is None or best[0][0] != low[0]:
            return word
        fixed = best[0].capitalize() if word[:1].isupper() or best[0] in _MONTHS else best[0]
        fixes.append((word, fixed))
        return fixed

    mended = re.sub(r"[A-Za-z]+", swap, question)
    return mended, fixes
