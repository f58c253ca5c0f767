"""The planner's vocabulary, built from a semantic layer and its value catalogue.

Every surface form (metric synonyms, dimension synonyms, member ids and names in both
languages) becomes a Term. `Vocabulary.scan` finds them in a question: longest match
first, whole words for Latin text, substrings for Chinese, and a fuzzy pass for typos.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from assistant.core.text import all_cjk, has_cjk, is_cjk, word_frequency
from assistant.core.text import key as normalize
from assistant.plan.rules.cjk_sound import mark as _mark
from assistant.plan.rules.cjk_sound import sound as _sound
from assistant.plan.rules.cjk_sound import windows_around as _windows_around
from assistant.plan.rules.spans import Spans
from assistant.plan.rules.vocab_match import Match as Match  # re-exported: 'from …vocab import Match'
from assistant.plan.rules.vocab_match import Term as Term
from assistant.plan.rules.vocab_match import heads_of_values, names_more

_LATIN_EDGE = re.compile(r"[a-z0-9]")
LONGER_WINDOW_BONUS = 3.0  # score points per extra word: on a near tie the longer window wins
EVERYDAY_ZIPF = 3.0  # words this common in general English are not treated as typos
_FUNCTION_CHARS = set("的了是在和与及把被为个这那哪吗呢么也都就还又")
# the three de (possessive, complement, adverbial): grammar, typed interchangeably by the input method
_DE = frozenset("的得地")
_TOKEN = re.compile(r"[a-z][a-z0-9\-']*|\d+(?:\.\d+)?")


# A one-character dimension word ('线', '厂') is that dimension only where the words beside it make it
# one: a breakdown's mark before it ('各线', '按线看', '哪条线'), or a question for its members after it
# ('…的线有哪些'); anywhere else it is part of another word ('线上', '厂家').
_SINGLE_BEFORE = re.compile(r"[各按分每哪]")
_SINGLE_AFTER = re.compile(r"(?:有哪些|是哪些|都有哪|都有谁|分别)")


@dataclass
class Vocabulary:
    forms: dict[str, list[Term]] = field(default_factory=dict)
    trie: dict[str, Any] = field(default_factory=dict)  # character -> child node; "" -> the form ending here
    entity_dims: set[str] = field(default_factory=set)  # dimensions whose members have ids and names
    record_counts: set[str] = field(default_factory=set)  # metrics that count a table's rows ('sales orders')
    latin_forms: list[str] = field(default_factory=list)
    singles: dict[str, list[Term]] = field(default_factory=dict)  # one-character Chinese dimension words

    def add(self, form: str, term: Term) -> None:
        key = normalize(form)
        if len(key) == 1 and is_cjk(key) and term.kind == "dimension":
            bucket = self.singles.setdefault(key, [])  # '线', '厂': read only beside a word that marks them
            if term not in bucket:
                bucket.append(term)
            return
        if len(key) < 2 and not key.isdigit():
            return
        bucket = self.forms.setdefault(key, [])
        if term not in bucket:
            bucket.append(term)

    def add_all(self, forms: list[str], term: Term) -> None:
        for form in forms:
            self.add(form, term)

    def compile(self) -> None:
        """A character trie over every form, so all (overlapping) matches can be found."""
        self.trie = {}
        for form in self.forms:
            node = self.trie
            for ch in re.sub(r"[\s\-_]+", " ", form):  # the text side folds separators the same way
                node = node.setdefault(ch, {})
            node[""] = form
        # Typos are repaired towards names of things, never towards words that only pick a date.
        self.latin_forms = [f for f in self.forms if f.isascii() and len(f) >= 4
                            and any(t.kind != "time_role" for t in self.forms[f])]
        self._closest_cache: dict[tuple[str, float], tuple[str, float, int] | None] = {}

    def lookup(self, text: str) -> list[Term]:
        return self.forms.get(normalize(text), [])

    def roles_inside(self, text: str) -> list[str]:
        """The dates a phrase's words name inside it ('下单' of the metric's name '下单的总数量')."""
        return list(dict.fromkeys(t.ref for m in self._all_matches(text) for t in m.terms if t.kind == "time_role"))

    def _all_matches(self, text: str) -> list[Match]:
        """Every form occurrence, overlapping ones included; Latin forms only as whole words."""
        out: list[Match] = []
        n = len(text)
        for i in range(n):
            if _LATIN_EDGE.match(text[i]) and _latin_before(text, i):
                continue  # inside a word, or inside an id like 'sz-l9-m99'

            node, j = self.trie, i
            while j < n:
                ch = " " if text[j] in "-_" else text[j]
                if ch == " " and j > i and text[j - 1] in " -_":
                    j += 1  # runs of separators count as one
                    continue
                child = node.get(ch)
                if child is None:
                    break
                node = child
                j += 1
                form = node.get("")
                if form is not None and not (_LATIN_EDGE.match(form[-1]) and _latin_from(text, j)):
                    out.append(Match(i, j, text[i:j], list(self.forms[form])))
            single = self.singles.get(text[i]) if self.singles else None
            if single and (_SINGLE_BEFORE.match(text[i - 1:i]) or text[max(0, i - 2):i] in ("哪些", "哪几")
                           or _SINGLE_AFTER.match(text, i + 1)):
                out.append(Match(i, i + 1, text[i], list(single)))
        return out

    def scan(self, text: str, taken: list[tuple[int, int]] | None = None) -> list[Match]:
        """The set of non-overlapping matches that covers the most characters (then the fewest pieces)."""
        blocked = Spans(taken or [])
        cands = [m for m in self._all_matches(text) if not blocked.overlaps(m.start, m.end)]
        cands += heads_of_values(cands)
        n = len(text)
        by_start: dict[int, list[Match]] = {}
        for m in cands:
            by_start.setdefault(m.start, []).append(m)
        # best[i] = (covered chars, -pieces) for text[i:], with the match it starts with (None: skip a
        # character) kept apart: copying the chosen list at every position made long questions quadratic
        # then the fewest readings left open: 'paint defect ppm' is the paint defect's PPM, not the PPM
        # of 'paint', which is a machine type and a material type at once
        best: list[tuple[int, int, int]] = [(0, 0, 0)] * (n + 1)
        first: list[Match | None] = [None] * (n + 1)
        for i in range(n - 1, -1, -1):
            choice, pick = best[i + 1], None
            for m in by_start.get(i, []):
                cov, neg, open_ = best[m.end]
                option = (cov + (m.end - m.start), neg - 1, open_ - (len({t.ref for t in m.terms}) - 1))
                if option[:2] > choice[:2] or (option[:2] == choice[:2] and (
                        names_more(m, first, i + 1) if pick is None else option[2] > choice[2])):
                    choice, pick = option, m
            best[i], first[i] = choice, pick
        chosen: list[Match] = []
        i = 0
        while i < n:
            head = first[i]
            if head is None:
                i += 1
            else:
                chosen.append(head)
                i = head.end
        return chosen

    def fuzzy(self, text: str, taken: list[tuple[int, int]], known: set[str], *, cutoff: float = 80.0) -> list[Match]:
        """Typos: a word no form or question word explains ('avaliability', 'Ningob', 'plnt'), alone or
        with a neighbour ('scrap rat'), close to a Latin form with the same first letter."""
        blocked = Spans(taken)
        tokens = [t for t in _TOKEN.finditer(text) if not blocked.holds(t.start())]
        out: list[Match] = []
        used: set[int] = set()
        for idx, tok in enumerate(tokens):
            if idx in used or _explained(tok.group(0), known):
                continue
            windows = _windows(text, tokens, idx)
            if _everyday(tok.group(0)):  # 'scrap rat' is 'scrap rate'; 'rat' alone is just a word
                windows = [w for w in windows if w[0] != w[1]]
            best = self._best_window(text, tokens, windows, used, cutoff)
            if best is not None:
                _, a, b, form = best
                start, end = tokens[a].start(), tokens[b].end()
                out.append(Match(start, end, text[start:end], list(self.forms[form]), fuzzy=True, form=form))
                used.update(range(a, b + 1))
        return out

    def _best_window(self, text: str, tokens: list[re.Match[str]], windows: list[tuple[int, int]], used: set[int],
                     cutoff: float) -> tuple[float, int, int, str] | None:
        """The window of tokens closest to a Latin form: (score, first token, last token, form)."""
        best: tuple[float, int, int, str] | None = None
        for a, b in windows:
            if any(k in used for k in range(a, b + 1)):
                continue
            phrase = text[tokens[a].start():tokens[b].end()]
            if len(phrase) < 4:
                continue
            hit = self._closest_form(phrase, cutoff)
            if hit is None or hit[0][0] != phrase[0] or abs(len(hit[0]) - len(phrase)) > 2:
                continue
            if re.findall(r"\d+", hit[0]) != re.findall(r"\d+", phrase):
                continue  # 'nb-l7' is not a typo of 'nb-l1': numbers in names must match exactly
            words = set(re.split(r"[\s\-]+", hit[0]))
            if any(tokens[k].group(0) in self.known_words and tokens[k].group(0) not in words for k in range(a, b + 1)):
                continue  # a correct word of the window must stay ('machines' is no part of 'kind of machine')
            if _word_swapped(phrase, hit[0], cutoff):
                continue  # 'work orders consumed' is no typo of 'work orders completed'
            score = hit[1] + LONGER_WINDOW_BONUS * (b - a)  # a whole name beats a piece of it
            if best is None or score > best[0]:
                best = (score, a, b, hit[0])
        return best

    def _closest_form(self, phrase: str, cutoff: float) -> tuple[str, float, int] | None:
        """The Latin form closest to `phrase`, remembered: a long question repeats its words, and each
        look-up compares against every form."""
        cache = getattr(self, "_closest_cache", None)
        if cache is None or len(cache) > 4096:
            cache = self._closest_cache = {}
        key = (phrase, cutoff)
        if key not in cache:
            cache[key] = process.extractOne(phrase, self.latin_forms, scorer=fuzz.ratio, score_cutoff=cutoff)
        return cache[key]

    def cjk_fuzzy(self, text: str, matches: list[Match], taken: list[tuple[int, int]]) -> list[Match]:
        """Chinese typos and homophones ('苏洲' for '苏州', '韦达电子' for '伟达电子'): a window that differs
        from a member's name in exactly one character, that character being one nothing else explained."""
        covered = _mark(len(text), [*taken, *((m.start, m.end) for m in matches)])
        # parts of metric words or time phrases are never re-read as names
        metric_spans = [(m.start, m.end) for m in matches if "metric" in m.kinds]
        locked = _mark(len(text), [*taken, *metric_spans])
        out: list[Match] = []
        if not has_cjk(text):
            return out
        index = self._one_off_index()
        starts = {m.start for m in matches}  # '欧州客户': a word stands where a name of the layer follows it
        for n in sorted({len(f) for f, _ in self._cjk_value_forms()}):
            for i in range(len(text) - n + 1):
                after = "" if i + n in starts else text[i + n:i + n + 1]
                self._one_offs_at(out, text[i:i + n], i, index, covered, locked, after=after)
        # ...but a longer metric word may hold a shorter one: '良品律' is '良品率' mistyped, not '良品'
        # and a stray character. Only the time phrases lock those windows.
        time_locked = _mark(len(text), list(taken))
        for i, n in _windows_around(metric_spans, self._metric_lengths(), len(text)):
            self._one_offs_at(out, text[i:i + n], i, index, covered, time_locked, metric_only=True)
        # a metric's word mistyped where nothing else was read ('合各品' for '合格品'): windows nothing covers
        for n in (x for x in self._metric_lengths() if x >= 3):
            for i in range(len(text) - n + 1):
                if not any(covered[i:i + n]):
                    self._one_offs_at(out, text[i:i + n], i, index, covered, locked, metric_only=True)
        return self._unambiguous(out)

    def _metric_lengths(self) -> list[int]:
        return sorted({len(f) for f, t in self._cjk_value_forms() if all(x.kind == "metric" for x in t)})

    def _one_offs_at(self, out: list[Match], window: str, i: int, index: dict[str, list[tuple[str, list[Term]]]],
                     covered: list[bool], locked: list[bool], *, metric_only: bool = False, after: str = "") -> None:
        """Record every form that equals `window` (starting at i) but for one character."""
        n = len(window)
        for k in range(n):  # the form must equal the window but for position k
            if covered[i + k] or not is_cjk(window[k]):
                continue
            for form, terms in index.get(window[:k] + "?" + window[k + 1:], ()):
                if form[k] == window[k] or any(locked[i + j] for j in range(n)):
                    continue
                kept = [t for t in terms if t.kind == "metric"] if metric_only else terms  # '合格品': the metric's word
                if kept:
                    self._one_off(out, window, form, kept, i, k, covered, after)

    def _one_off_index(self) -> dict[str, list[tuple[str, list[Term]]]]:
        """Forms keyed with one character blanked ('苏?' for '苏州'): one-character typos in O(1)."""
        cached = getattr(self, "_one_off_cache", None)
        if cached is None:
            cached = {}
            for form, terms in self._cjk_value_forms():
                for k in range(len(form)):
                    cached.setdefault(form[:k] + "?" + form[k + 1:], []).append((form, terms))
            self._one_off_cache = cached
        return cached

    def _one_off(self, out: list[Match], window: str, form: str, terms: list[Term], i: int, k: int,
                 covered: list[bool], after: str = "") -> None:
        """Record `window` as a typo of `form` (wrong at position k) if the rules allow it."""
        n = len(form)
        if window[k] in _DE and form[k] in _DE:
            return  # '好的坏的' is no '坏得' mistyped
        if window[k] in "几多哪啥谁":
            return  # '有几单' asks how many: no '急单' typed by sound
        named = any(t.member and t.member.label_zh == form and t.ref in self.entity_dims for t in terms) \
            or all(t.kind == "metric" for t in terms) \
            or all(t.kind == "dimension" for t in terms)  # '客述' for '客诉', '设被' for '设备': mistyped by sound
        # '功单' for '工单': the first of two characters wrong, only in the name of a metric or a kind
        first_ok = k == 0 and all(t.kind in ("metric", "dimension") for t in terms)
        # '殴洲' for '欧洲': two characters that are no word of the language, sounding like a member's name
        # ... standing as a word: before 的 or where the Chinese stops ('殴洲的客户'; not '能耗组要看')
        unword = n == 2 and word_frequency(window, "zh") == 0.0 and (not is_cjk(after[:1]) or after in "的地")
        if n == 2 and ((k != 1 and not first_ok and not unword) or any(covered[i + j] for j in range(n))
                       or not (named or unword)):
            return  # two characters, one wrong: only an entity's label or a metric's word, and a homophone (below)
        # the sound last: it loads the pinyin tables, which a question without a near miss never needs
        homophone = _sound(window[k]) == _sound(form[k])
        if (n == 2 or window[k] in _FUNCTION_CHARS) and not homophone:
            return  # '设被' is '设备' typed by sound; a '的' or '被' that sounds otherwise is grammar
        out.append(Match(i, i + n, window, list(terms), fuzzy=True, homophone=homophone, form=form))

    @staticmethod
    def _unambiguous(out: list[Match]) -> list[Match]:
        # Chinese typos are mostly homophones from the input method: when a window could be
        # several names, keep the ones that sound alike; if still several, keep none (no guessing).
        by_span: dict[tuple[int, int], list[Match]] = {}
        for m in out:
            by_span.setdefault((m.start, m.end), []).append(m)
        kept: list[Match] = []
        for group in by_span.values():
            sounding = [m for m in group if m.homophone]  # a wrong character that sounds different is no typo we repair
            # '合各品': read as the metric's word when one pass read it so (its value reading is no question's subject)
            sounding = [m for m in sounding if m.kinds == {"metric"}] or sounding
            refs = {(t.kind, t.ref, t.member.key if t.member else None) for m in sounding for t in m.terms}
            # one name the window could be, however many things that name stands for ('故帐': '故障', the
            # breakdown count and the breakdown reason, read as if typed right)
            if sounding and (len(refs) == 1 or len({m.form for m in sounding}) == 1):
                kept.append(sounding[0])
        # '合各品' read whole, not its '合各' as well: a repair inside a longer one gives way
        return [m for m in kept if not any(o is not m and o.start <= m.start and m.end <= o.end
                                           and o.end - o.start > m.end - m.start for o in kept)]

    def _cjk_value_forms(self) -> list[tuple[str, list[Term]]]:
        cached = getattr(self, "_cjk_cache", None)
        if cached is None:
            cached = [(f, t) for f, t in self.forms.items()
                      if len(f) >= 2 and all_cjk(f)
                      and (any(x.kind == "value" and not x.partial for x in t)
                           or all(x.kind == "metric" for x in t) or all(x.kind == "dimension" for x in t))]
            self._cjk_cache = cached
        return cached

    @functools.cached_property
    def known_words(self) -> set[str]:
        return {w for f in self.forms if f.isascii() for w in re.split(r"[\s\-]+", f) if w}


def _latin_before(text: str, i: int) -> bool:
    """A Latin letter or digit right before position i, or one before a hyphen there ('sz-l9')."""
    return i > 0 and bool(_LATIN_EDGE.match(text[i - 1])
                          or (text[i - 1] == "-" and i > 1 and _LATIN_EDGE.match(text[i - 2])))


def _latin_from(text: str, j: int) -> bool:
    """A Latin letter or digit at position j, or a hyphen there followed by one ('-m99')."""
    return j < len(text) and bool(_LATIN_EDGE.match(text[j])
                                  or (text[j] == "-" and j + 1 < len(text) and _LATIN_EDGE.match(text[j + 1])))


def _explained(word: str, known: set[str]) -> bool:
    """A token no typo pass should touch: known (as a whole or in parts), short, or a number."""
    parts = [w for w in re.split(r"[\-']", word) if w]
    return word in known or all(w in known for w in parts) or len(word) < 3 or word.isdigit()


def _word_swapped(phrase: str, form: str, cutoff: float) -> bool:
    """A real word of the phrase that is no slip of any word of the form: another word ('scrap rat' is a
    slip of 'scrap rate'; 'consumed' of 'completed' is not, nor 'from' of 'came out good')."""
    meant = re.split(r"[\s\-]+", form)
    return any(a not in meant and _everyday(a) and max(fuzz.ratio(a, b) for b in meant) < cutoff
               for a in re.split(r"[\s\-]+", phrase))


def _everyday(word: str) -> bool:
    """A real English word: repaired only together with a neighbouring word of a name, never alone
    ('kindly' is not a typo of 'kind of machine')."""
    return word_frequency(word, "en") >= EVERYDAY_ZIPF


def _windows(text: str, tokens: list[re.Match[str]], idx: int) -> list[tuple[int, int]]:
    """Token idx alone, then with up to two neighbours on either side when only spaces separate them
    ('enery per unit' is a typo of a three-word name, not of 'energy')."""
    def joined(a: int, b: int) -> bool:
        return all(text[tokens[k].end():tokens[k + 1].start()].isspace() for k in range(a, b))

    windows = [(idx, idx)]
    for a, b in ((idx - 1, idx), (idx, idx + 1), (idx - 2, idx), (idx - 1, idx + 1), (idx, idx + 2)):
        if a >= 0 and b < len(tokens) and joined(a, b):
            windows.append((a, b))
    return windows
