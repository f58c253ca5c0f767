"""Words that look like the name or id of something the data does not have.

'OEE of SZ-L9-M99', 'OEE for Shanghai plant', 'Hengtai的准时交付率' (an unknown short name):
answering for everything instead would be a guess, so the planner asks instead.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.core.text import EN_CLOSED_CLASS, everyday_words, has_cjk, word_frequency, zh_word_tags
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.occurrences import Occurrences

Span = tuple[int, int]


def unknown_member(question: str, text: str, unknown: list[str], dim_spans: list[Span],
                   term_spans: list[Span] | None = None, values: Any = None) -> str | None:
    """The first not-understood word that reads as a name: an id (letters and digits), a date
    the calendar lacks, a capitalised word mid-sentence, a word right next to a dimension word,
    the owner of a term ('竞争对手的OEE'), or a piece of members' names ('华信' of '江苏华信钢铁')."""
    # Each word's occurrences found at once, the dimension words by where they start and end, and
    # the question's script read once: per word and occurrence, each of these read the whole text.
    found = Occurrences(text, unknown)
    terms = _Starts(s for s, _ in term_spans or [])
    dims = _Near(dim_spans)
    cjk_question = has_cjk(question)
    for word in unknown:
        if _owns(text, word, found.spans(word), terms):
            return word
        # 'caliper' of 'Front Brake Caliper', '华信' of '江苏华信钢铁', '黄河汽车' shaped like '关东汽车'
        holds = bool(names_holding(word, values)) or name_shaped(word, values)
        for start, end in found.spans(word):
            original = question[start:end]
            id_like = bool(re.search(r"[a-z]", word) and re.search(r"\d", word)) or bool(re.fullmatch(r"[\d-]+", word))
            capitalised = word.isascii() and original[:1].isupper() and (start > 0 or cjk_question)
            if start > 0 and text[start - 1].isdigit() and not word.isascii():
                id_like = True  # '苏州5号线': a numbered thing the data does not have
                start -= 1
                original = question[start:end]
            beside = dims.starts_within(end, end + 2) or dims.ends_within(start - 2, start)
            # 'blorp-severity': a made-up word hyphened to a layer word names something the data lacks
            parts = word.split("-") if word.isascii() and "-" in word and not id_like else []
            coined = any(p.isalpha() and word_frequency(p, "en") < 1.5 for p in parts)
            if parts and not coined and all(word_frequency(p, "en") >= 3.0 for p in parts):
                continue  # 'power-hungry', 'hard-working': everyday words joined, no name
            if id_like or capitalised or beside or holds or coined:
                return _LEAD.sub("", original) if holds and not word.isascii() else original
    return None


class _Near:
    """Spans looked up by where they start or end (bisection, not a scan of every span)."""

    def __init__(self, spans: list[Span]) -> None:
        self._starts = sorted(s for s, _ in spans)
        self._ends = sorted(e for _, e in spans)

    def starts_within(self, low: int, high: int) -> bool:
        """Does a span start in [low, high]?"""
        return bisect_left(self._starts, low) < bisect_left(self._starts, high + 1)

    def ends_within(self, low: int, high: int) -> bool:
        """Does a span end in [low, high]?"""
        return bisect_left(self._ends, low) < bisect_left(self._ends, high + 1)


_Starts = frozenset[int]


# 'which operator', 'by operator', 'each operator', '哪个班组', '按班组': a word in a breakdown's place.
# 'complaints each filed', 'orders each placed': a verb after 'each' says what they did, it names no kind
_PAST_VERB = re.compile(r"[a-z]{3,}ed", re.I)
# '从哪个月开始掉链子', 'which week did it start': a period is asked, not a breakdown the data lacks
_TIME_UNIT_FIRST = re.compile(r"(?:月|周|天|日|年|季度|星期|礼拜)|(?:day|week|month|quarter|year)s?\b", re.I)
# '按标准节拍算的性能率', '按件数计': how a figure is reckoned, no breakdown
_RECKONED = re.compile(r"(?:来算|计算|算|来计|计)$")
_SELECTOR = re.compile(r"(?:\bwhich|\bby|\beach|\bevery|\bper|哪个|哪位|哪些|按|各个|每个)\s*$", re.I)
NAME_ZIPF = 3.0  # rarer than this in general language: a name (or a typo of one), not an everyday word
BESIDE_ZIPF = 4.8  # next to a dimension word ('different suppliers'): only the most common words are not names
SINGLE_CHAR_ZIPF = 4.5  # a Chinese character alone is everyday language only when this common
TYPO_SCORE = 85  # an unknown rare word this close to an everyday word is that word mistyped


@dataclass
class Leftover:
    """Words the planner did not use: names it must ask about, the rest it may ignore."""

    names: list[str] = field(default_factory=list)
    ordinary: list[str] = field(default_factory=list)
    breakdowns: list[str] = field(default_factory=list)  # 'which operator', '按班组长': a breakdown the data lacks
    pieces: list[str] = field(default_factory=list)  # names that are pieces of members' names ('柏林' of '柏林店')

    @property
    def words(self) -> list[str]:
        return [*self.names, *self.ordinary]

    @property
    def lacking(self) -> list[str]:
        """What a refusal says the data lacks: the names, else the words; never a piece of a
        member's name ('明天柏林的天气': the data has 柏林店, it lacks 天气)."""
        return ([w for w in self.names if w not in self.pieces] or [w for w in self.words if w not in self.pieces]
                or self.words)


def is_ordinary(word: str) -> bool:
    """Everyday language ('kindly', 'overall', '分别'), or an everyday word mistyped ('respectivly')."""
    if any(ch.isdigit() for ch in word):
        return False
    if not word.isascii():
        return _ordinary_chinese(word)
    bare = word.strip("'-").split("'")[0]  # "who've", "we'd": the word before the contraction
    if word_frequency(bare, "en") >= NAME_ZIPF or _compound_of_common(bare):
        return True
    return len(bare) >= 5 and _mistyped_word(bare) is not None


COMPOUND_PART_ZIPF = 4.0  # each half of a closed compound ('score' + 'card') this common


def _compound_of_common(word: str) -> bool:
    """'scorecard', 'walkthrough', 'headcount': a lower-case word made of two common English words is
    everyday language however rare the compound; names split into such halves rarely ('Kanto' does not)."""
    if not word.isalpha() or not word.islower() or len(word) < 7:
        return False
    return any(word_frequency(word[:i], "en") >= COMPOUND_PART_ZIPF
               and word_frequency(word[i:], "en") >= COMPOUND_PART_ZIPF for i in range(3, len(word) - 2))


def _ordinary_chinese(run: str) -> bool:
    """A Chinese run is everyday language when it splits into common words (longest first, at
    most four characters each: 能不能/告诉/我), every one of them at least as common as NAME_ZIPF."""
    i = 0
    while i < len(run):
        for n in range(min(4, len(run) - i), 0, -1):
            # a lone character must be a very common one (我, 的, 一); rarer ones are pieces of names
            if word_frequency(run[i:i + n], "zh") >= (NAME_ZIPF if n > 1 else SINGLE_CHAR_ZIPF):
                i += n
                break
        else:
            return False
    return True


@lru_cache(maxsize=2048)
def _mistyped_word(word: str) -> str | None:
    """The everyday word `word` is a typo of (same first letter, one or two edits), if any."""
    from rapidfuzz import fuzz, process

    choices = _common_words(word[0])
    hit = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
    return hit[0] if hit else None


@lru_cache(maxsize=32)
def _common_words(first: str) -> list[str]:
    return [w for w in everyday_words("en", 3.5) if w[:1] == first and w.isalpha()]


def sort_leftover(question: str, text: str, unknown: list[str], dim_spans: list[Span],
                  term_spans: list[Span] | None = None, values: Any = None, said: Sequence[tuple[Any, Any]] = ()
                  ) -> Leftover:
    """Split the unused words: a word that reads as a name is asked about (unknown_member); everyday
    words, mistyped or not, are ignored and reported. A word that owns a term ('竞争对手的OEE') is a
    name whatever its frequency: ignoring it would answer about the wrong owner."""
    out = Leftover()
    found = Occurrences(text, unknown)  # every word's occurrences in one reading of the text
    terms = _Starts(s for s, _ in term_spans or [])
    dims = _Near(dim_spans)
    title = _title_case(question)
    value_ends = {m.end for m, _ in said}
    said_keys = {t.member.key for _, terms_of in said for t in terms_of if getattr(t, "member", None)}
    for word in unknown:
        spans = found.spans(word)
        # right after a member ('critical级别的缺陷', '缺操作工导致的停机') the word goes on describing
        # that member; it owns nothing
        if _owns(text, word, [sp for sp in spans if sp[0] not in value_ends], terms) and (
                word.isascii() or _names_whose(word)):  # '盘点的库存' is the count's stock: a verb owns nothing
            out.names.append(word)
            continue
        # Before a kind's word ('Shanghai plant') a word may name a member; after it ('each customer
        # filed', 'by plant pls') it is the sentence going on.
        beside = any(dims.starts_within(end, end + 2) for _start, end in spans)
        if any(_SELECTOR.search(text[max(0, s - 12):s]) for s, _ in spans) and word.isascii() == (
                not has_cjk(word)) and not _TIME_UNIT_FIRST.match(word) and not _PAST_VERB.fullmatch(word) \
                and not _RECKONED.search(word) \
                and not (beside and is_ordinary(word)):  # 'which single machine': the machine is asked
            out.breakdowns.append(word)
        # '5号线': a numbered thing; not a word after an id said ('SZ-L2-M03这一台')
        numbered = any(s > 0 and text[s - 1].isdigit() and s not in value_ends for s, _ in spans)
        # An adverb ('kindly', 'roughly') never names a member, wherever it stands.
        name_beside = beside and word.isascii() and not word.endswith("ly") and word_frequency(word, "en") < BESIDE_ZIPF
        # A piece of members' names ('华信' of '江苏华信钢铁', 'caliper' of 'Front Brake Caliper') is asked
        # about, never ignored: Chinese has no capitals, and a lower-case English word is as telling.
        # 'rack up', 'pile up': a verb with its particle is no piece of a name ('Rack-and-Pinion …')
        phrasal = word.isascii() and is_ordinary(word) and all(_PARTICLE.match(text, e) for _s, e in spans)
        holders = [] if phrasal else names_holding(word, values)
        # 'ADC12 die-casting aluminium': the rest of a name already said; '已发货的订单…最后一次发货': a word of
        # a name said (已发货) used again as a word
        if holders and any(h.key in said_keys for h in holders):
            out.ordinary.append(word)
            continue
        piece = bool(holders) or name_shaped(word, values)
        if piece:
            out.pieces.append(word)
        common = is_ordinary(word) and not numbered and not name_beside and not piece
        (out.ordinary if common and not _capitalised(question, word, spans, title) else out.names).append(word)
    return out


_PARTICLE = re.compile(r"\s+(?:up|out|off|down|in)\b(?!\s*-)", re.I)


def names_holding(word: str, values: Any) -> list[Any]:
    """Catalogue members whose name holds `word` ('Motor' of 'Kanto Motor Corporation', '华信' of
    '江苏华信钢铁'): a whole English word, or two or more Chinese characters. Words as common as
    the ones beside a kind's word ('汽车', 'group') name nothing on their own."""
    if values is None or len(word) < 2 or (word.isascii() and len(word) < 3) or any(ch.isdigit() for ch in word):
        return []
    zh = has_cjk(word)
    if word_frequency(word, "zh" if zh else "en") >= BESIDE_ZIPF:
        return []
    found = _holders(word.lower(), zh, values)
    one = None if zh or found else _singular_word(word)
    # 'calipers' of 'Front Brake Caliper': a plural names the same members; ignoring it would
    # answer for everything (the plural form may be common while the name piece is not).
    return _holders(one.lower(), zh, values) if one and len(one) >= 3 else found


def _singular_word(word: str) -> str | None:
    low = word.lower()
    if len(low) <= 3 or not low.endswith("s") or low.endswith(("ss", "us", "is")):
        return None
    return word[:-2] if low.endswith(("ches", "shes", "xes")) else word[:-1]


# Words before a Chinese name that are no part of it: '给黄河汽车发货', '跟华信钢铁比'.
_LEAD = re.compile(r"^(?:给|向|对|跟|和|与|从|为|在|把|被|由|帮)+")
_ENDINGS: dict[int, tuple[Any, frozenset[str]]] = {}


def name_shaped(word: str, values: Any) -> bool:
    """'黄河汽车', '华信钢铁': a Chinese run that ends the way several members' names end ('汽车', '钢铁')
    with something of its own before that ending reads as a name of that kind, made of common words
    or not: ignoring it would answer for every member."""
    if values is None or not has_cjk(word):
        return False
    entry = _ENDINGS.get(id(values))
    if entry is None or entry[0] is not values:
        counts: dict[str, int] = {}
        for m in getattr(values, "members", []):
            zh = m.label_zh
            if len(zh) >= 4 and has_cjk(zh[-2:]):
                counts[zh[-2:]] = counts.get(zh[-2:], 0) + 1
        entry = (values, frozenset(e for e, n in counts.items() if n >= 2))
        _ENDINGS[id(values)] = entry
    bare = _LEAD.sub("", word)
    return len(bare) >= 4 and bare[-2:] in entry[1]


_HOLDERS: dict[tuple[int, str, bool], tuple[Any, list[Any]]] = {}


def _holders(word: str, zh: bool, values: Any) -> list[Any]:
    """Members holding `word`, remembered per catalogue object (a catalogue never changes once built)."""
    key = (id(values), word, zh)
    entry = _HOLDERS.get(key)
    if entry is None or entry[0] is not values:
        if len(_HOLDERS) > 512:
            _HOLDERS.clear()
        members = getattr(values, "members", [])
        if zh:
            found = [m for m in members if word in m.label_zh and word != m.label_zh]
        else:
            pattern = re.compile(rf"\b{re.escape(word)}\b", re.I)
            found = [m for m in members if pattern.search(m.label_en) and word != m.label_en.lower()]
        entry = (values, found)
        _HOLDERS[key] = entry
    return list(entry[1])


_TIME_OR_COUNT = re.compile(r"[年月日周季天期时一二两三四五六七八九十几\d]")


def owns_a_term(text: str, word: str, term_spans: list[Span]) -> bool:
    """'竞争对手的OEE': the word, then 的, then a term; not a period or a count ('这两年的产量')."""
    return _owns(text, word, _spans(text, word), _Starts(s for s, _ in term_spans))


def qualifies_a_kind(text: str, words: list[str], dim_spans: list[Span]) -> str | None:
    """'隔壁竞争对手工厂的OEE': a Chinese word the data does not have, right before a kind's word, says
    whose or which of that kind is meant; answering for ours would answer another question."""
    starts = _Starts(s for s, _ in dim_spans)
    for word in words:
        if word in _DETERMINERS:
            continue  # '其他产线': the rest of ours, not someone else's
        if not word.isascii() and not _TIME_OR_COUNT.search(word) and any(e in starts for _s, e in _spans(text, word)) \
                and _names_whose(word):
            return word
    return None


_DETERMINERS = frozenset({"其他", "其它", "其余", "另外", "别的", "所有", "全部", "剩下的", "剩下"})
# jieba's part-of-speech tags of words that can say whose or which kind: nouns ('竞争对手'), places ('隔壁'),
# pronouns ('别家'), positions ('外部'). Verbs and adjectives ('对应客户', '相应的产线') only relate the kind.
_QUALIFYING_TAGS = ("n", "s", "r", "f")


def _names_whose(word: str) -> bool:
    tags = zh_word_tags(word)  # ~1 s once: a word before a kind's name is rare
    return bool(tags) and tags[-1].startswith(_QUALIFYING_TAGS)


def _owns(text: str, word: str, spans: list[Span], term_starts: _Starts) -> bool:
    """`owns_a_term` for a word whose occurrences (`spans`) and the terms' starts are known."""
    if _TIME_OR_COUNT.search(word):
        return False
    return any(text[e:e + 1] == "的" and e + 1 in term_starts for _s, e in spans)


def _spans(text: str, word: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(re.escape(word), text)]


def _title_case(question: str) -> bool:
    """The whole question in capitals or title case: then case says nothing about names."""
    words = re.findall(r"[A-Za-z]+", question)
    return bool(words) and sum(w[:1].isupper() for w in words) > len(words) / 2


def _capitalised(question: str, word: str, spans: list[Span], title: bool) -> bool:
    """'Toyota' mid-sentence: a proper noun, whatever the word's frequency (not when the whole
    question is in capitals or title case: then case says nothing)."""
    if title:
        return False
    # a sentence's first word is capitalised whatever it is ('… this quarter? Want to copy what they do.')
    return any(word.isascii() and question[s:e][:1].isupper() and not _SENTENCE_START.search(question, 0, s)
               for s, e in spans)


_SENTENCE_START = re.compile(r"(?:^|[.!?;:。！？；：]\s*)\W*$")


def people_not_kept(text: str, layer: Any) -> str | None:
    """'出勤多少人', 'how many operators': a count of people, when no kind of the layer is such people
    (the words that asked it, to refuse with); None when one is or nothing asks it."""
    m = lx.PEOPLE_COUNTED.search(text)
    if m is None:
        return None
    who = (m.group("who") or m.group("who_en") or "staff").lower()
    forms = [f.lower() for d in layer.spec.dimensions for f in (d.label.en, d.label.zh, *d.synonyms.all())]
    return None if any(who in f for f in forms) else m.group(0).strip()


def in_preamble(text: str, word: str, term_spans: Sequence[Span]) -> bool:
    """The word only stands in an opening clause that names nothing of the layer and ends in a colon or a
    dash: it sets the scene, it is no member to look for."""
    m = lx.PREAMBLE.match(text)  # 'putting the QBR slides together - …', 'for the 8D review: …'
    if m is None or any(s < m.end() for s, _ in term_spans):
        m = lx.SELF_INTRO.match(text)  # 'Chongqing plant mgr here - …': who asks, whatever else it names
        if m is None:
            return False
    at = text.find(word.lower())
    return at >= 0 and at + len(word) <= m.end() and text.find(word.lower(), m.end()) < 0


# 'because nobody was there to run them', '因为没人操作': the cause the rows are picked by
_CAUSE = re.compile(r"\b(?:because(?:\s+of)?|due\s+to|owing\s+to|caused\s+by|as\s+a\s+result\s+of)\b"
                    r"|因为|由于|原因是(?!\s*(?:啥|什么|哪些|哪个|多少))", re.I)  # ('原因是啥' asks the reasons)
_CLAUSE_END = re.compile(r"[,，。？?！!；;:：]|\.\s|$")


def unread_cause(text: str, term_spans: Sequence[Span]) -> str | None:
    """A cause said in words that name nothing of the layer: answering without it would count every
    cause, so the clause is asked about (returned as said); None when the cause names a member."""
    pre = lx.PREAMBLE.match(text)
    for m in _CAUSE.finditer(text, pre.end() if pre is not None else 0):  # 'because the boss asked: …' sets the scene
        if text[:m.start()].rstrip()[-1:] in tuple(",，;；-–—"):
            continue  # 'oee by plant, because the boss asked': why it is asked, said aside
        end = _CLAUSE_END.search(text, m.end())
        stop = end.start() if end is not None else len(text)
        clause = text[m.end():stop].strip()
        if clause and not any(m.end() <= s < stop for s, _ in term_spans):
            return text[m.start():stop].strip()
    return None


def says_nothing(word: str, text: str) -> bool:
    """A left-over word no refusal should quote as what the data lacks: a pronoun or other closed-class
    word ('by the date they placed the order'), or a word of an opening clause ('export check: …')."""
    return word.lower() in EN_CLOSED_CLASS or in_preamble(text, word, [])
