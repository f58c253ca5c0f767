"""Metamorphic variants of questions: rewrites that must not change the planned query.

Each transformation is a small function `(text, rng, source, lexicon) -> str | None` (None:
it does not apply). Everything domain-specific (metric and dimension words, member names,
time words) comes from the semantic layer, its member catalogue and the time parser, so the
generator works for any layer. Generators are conservative: a rewrite that could plausibly
change the meaning (an ambiguous synonym, a typo that makes a real word) is not produced.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.core.text import is_common_word, key
from assistant.understand.catalogue import ValueCatalogue, naming_words, short_names
from assistant.understand.timeparse import find_grain, find_time_ranges
from semantic_layer.layer import Layer

Span = tuple[int, int]
_END = "?!.。？！"
_PREPOSITIONS = frozenset(("in", "on", "at", "for", "since", "over", "during", "from", "between", "before", "after",
                           "until", "within", "of"))
_EN_FUNCTION = frozenset(("how", "many", "much", "what", "which", "who", "did", "do", "does", "we", "our", "us", "you",
                          "vs", "or", "and", "than", "less", "more", "below", "above", "under", "over", "top", "per",
                          "each", "by", "of", "in", "on", "to", "for", "the", "a", "an"))
_ZH_FUNCTION = ("哪", "几", "多少", "了", "多久", "多长")  # question words and aspect markers
_ZH_LEADING = tuple("个家条台类各每")  # measure words and determiners that bind to a number
_TO_FULL = str.maketrans(",?!:;()", "，？！：；（）")
_TO_HALF = str.maketrans("，？！：；（）", ",?!:;()")
_FILLER = {
    "en": (("please ", ""), ("could you tell me ", ""), ("hey, ", ""), ("quick question: ", ""), ("kindly ", ""),
           ("I'd like to know ", ""), ("", " please"), ("", ", thanks"), ("", " thanks")),
    "zh": (("请问", ""), ("麻烦帮我查一下", ""), ("帮我看看", ""), ("能不能告诉我", ""), ("", "谢谢"), ("", "，谢谢")),
}
_WORD = re.compile(r"(?<![\w'-])[A-Za-z]{6,}(?![\w-])")
_WIDE_DIGITS = re.compile(r"(?<![A-Za-z0-9.\-])\d+(?![A-Za-z0-9.\-%])")


def _alternation(forms: Iterable[str]) -> re.Pattern[str]:
    """Leftmost-longest matcher of `forms`; ASCII forms only as whole words."""
    parts = [rf"(?<![A-Za-z0-9]){re.escape(f)}(?![A-Za-z0-9])" if f.isascii() else re.escape(f)
             for f in sorted({f for f in forms if f.strip()}, key=len, reverse=True)]
    return re.compile("|".join(parts), re.IGNORECASE)


def _overlaps(span: Span, spans: Iterable[Span]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in spans)


@dataclass(frozen=True)
class Source:
    """An original question and what its reference plan uses."""

    item_id: str
    text: str
    lang: str
    kind: str
    concepts: frozenset[str] = frozenset()  # "metric:<name>" / "dimension:<name>" the query uses
    time: tuple[dt.date, dt.date] | None = None


@dataclass(frozen=True)
class Variant:
    source: Source
    text: str
    transform: str


@dataclass
class Lexicon:
    """The layer's words: concept forms (metrics, dimensions, genealogy nodes) and member names."""

    as_of: dt.date
    owners: dict[str, set[str]]  # lookup key of a form -> the concepts that declare it
    forms: dict[str, dict[str, list[str]]]  # concept -> language -> declared forms (label first)
    members: set[str]  # lookup keys of member names, ids and short names
    naming: frozenset[str]
    concept_re: re.Pattern[str] = field(init=False)
    member_re: re.Pattern[str] = field(init=False)
    vocabulary: set[str] = field(init=False)  # the words of concept forms
    _cache: dict[str, list[Span]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.concept_re = _alternation(self.owners)
        self.vocabulary = {w for form in self.owners for w in form.split()}
        self.member_re = _alternation(self.members)

    @classmethod
    def build(cls, layer: Layer, values: ValueCatalogue, as_of: dt.date) -> Lexicon:
        """Replacement forms come from metrics and dimensions; genealogy nodes (the same concept
        when they share a dimension's name) only make forms ambiguous."""
        spec = layer.spec
        dims = {d.name for d in spec.dimensions}
        entries = [(f"metric:{m.name}", m.label, m.synonyms, True) for m in spec.metrics]
        entries += [(f"dimension:{d.name}", d.label, d.synonyms, True) for d in spec.dimensions]
        entries += [(f"{'dimension' if n.name in dims else 'node'}:{n.name}", n.label, n.synonyms, False)
                    for n in spec.genealogy.nodes]
        forms: dict[str, dict[str, list[str]]] = {}
        owners: dict[str, set[str]] = {}
        for concept, label, synonyms, declares in entries:
            if declares:
                forms[concept] = {"en": [label.en, *synonyms.en], "zh": [label.zh, *synonyms.zh]}
            for form in (label.en, label.zh, *synonyms.all()):
                owners.setdefault(key(form), set()).add(concept)
        members = {key(f) for m in values.members for f in m.forms} | set(short_names(values.members))
        return cls(as_of, owners, forms, members, naming_words(layer))

    def times(self, text: str) -> list[Any]:
        return find_time_ranges(text, self.as_of, naming_words=self.naming)

    def protected(self, text: str) -> list[Span]:
        """Spans no rewrite may touch: member names and ids, and time expressions."""
        if text not in self._cache:
            spans = [m.span() for m in self.member_re.finditer(text)]
            self._cache[text] = spans + [t.span for t in self.times(text)]
        return self._cache[text]

    def signature(self, text: str) -> tuple[Any, ...]:
        """What a synonym swap must keep: the concepts named, the members named, the times."""
        concepts = [frozenset(self.owners.get(key(m.group()), ())) for m in self.concept_re.finditer(text)]
        members = [key(m.group()) for m in self.member_re.finditer(text)]
        return concepts, members, [(t.start, t.end) for t in self.times(text)]

    def unambiguous(self, form: str) -> bool:
        return len(self.owners.get(key(form), ())) == 1 and key(form) not in self.members

    def is_time_word(self, word: str) -> bool:
        return bool(self.times(word)) or find_grain(word) is not None

    def known_word(self, word: str) -> bool:
        """An everyday word or a word of the layer's vocabulary (not a name, nor already a typo)."""
        return word.lower() in self.vocabulary or is_common_word(word.lower(), "en")

    def plausible_typo(self, word: str) -> bool:
        k = key(word)
        return k not in self.owners and k not in self.members and not is_common_word(k, "en") \
            and not self.is_time_word(word)


def _plain_form(form: str, lang: str) -> bool:
    """A content-word form: no digits, symbols, question words or measure words."""
    if not re.fullmatch(r"[\w\s-]+", form) or any(ch.isdigit() for ch in form):
        return False
    if lang == "en":
        return form.isascii() and not set(key(form).split()) & _EN_FUNCTION
    return len(form) >= 2 and not form.startswith(_ZH_LEADING) and not any(w in form for w in _ZH_FUNCTION)


# ---------------------------------------------------------------------------- transformations
def filler(text: str, rng: random.Random, src: Source, lex: Lexicon) -> str | None:
    """A politeness or filler phrase before or after the question."""
    pre, post = rng.choice(_FILLER[src.lang])
    if src.lang == "zh":
        return pre + text + post
    body = text.rstrip(_END + " ")
    if pre and body[:1].isupper() and not lex.member_re.match(body) and not body.split()[0].isupper():
        body = body[0].lower() + body[1:]
    return pre + body + post + text[len(body):]


def case(text: str, rng: random.Random, src: Source, lex: Lexicon) -> str | None:
    """UPPER, lower or Title case of the Latin words; words with digits (ids) are kept."""
    style: Callable[[str], str] = rng.choice((str.upper, str.lower, lambda w: w[:1].upper() + w[1:].lower()))
    return re.sub(r"[A-Za-z0-9'-]+", lambda m: m.group() if re.search(r"\d", m.group()) else style(m.group()), text)


def punct(text: str, rng: random.Random, src: Source, lex: Lexicon) -> str | None:
    """Another or no end mark, doubled spaces, full-width or half-width punctuation."""
    body = text.rstrip(_END + " ")
    if src.lang == "zh":
        options = [body + e for e in ("？", "。", "！", "?", "")] + [text.translate(_TO_FULL), text.translate(_TO_HALF)]
    else:
        options = [body + e for e in ("?", "!", ".", "??", " ?", "")] + [text.replace(" ", "  ")]
    options = [o for o in options if o != text]
    return rng.choice(options) if options else None


def synonym(text: str, rng: random.Random, src: Source, lex: Lexicon) -> str | None:
    """Swap a form of a metric/dimension the plan uses for another declared, unambiguous form of it."""
    guard = lex.protected(text)
    found = [m for m in lex.concept_re.finditer(text)
             if not _overlaps(m.span(), guard) and lex.unambiguous(m.group()) and _plain_form(m.group(), src.lang)]
    rng.shuffle(found)
    before = lex.signature(text)
    for m in found:
        (concept,) = lex.owners[key(m.group())]
        if concept not in src.concepts:
            continue
        plural = m.group().lower().endswith("s")
        options = [f for f in lex.forms[concept][src.lang] if key(f) != key(m.group()) and lex.unambiguous(f)
                   and _plain_form(f, src.lang)
                   and (concept.startswith("metric:") or f.lower().endswith("s") == plural or src.lang == "zh")]
        for form in rng.sample(options, len(options)):
            if m.group().islower() and not form.isupper():
                form = form.lower()
            out = text[:m.start()] + form + text[m.end():]
            if lex.signature(out) == before:
                return out
    return None


def reorder(text: str, rng: random.Random, src: Source, lex: Lexicon) -> str | None:
    """Move the (single) time phrase: English to the front with a comma, or from the front to the
    end; Chinese to the front."""
    times = lex.times(text)
    if src.kind != "query" or len(times) != 1 or (times[0].start, times[0].end) != src.time:
        return None
    (s, e), phrase = times[0].span, times[0].text
    if _overlaps((s, e), [m.span() for m in lex.member_re.finditer(text)]):
        return None
    if src.lang == "zh":
        return None if s == 0 else phrase + (" " if text[:1].isascii() else "") + text[:s] + text[e:]
    body = text.rstrip(_END + " ")
    tail = text[len(body):]
    if s == 0:
        return body[e:].lstrip(" ,") + " " + phrase + tail
    rest = body[:s].rstrip(" ,") + ("" if body[e:].lstrip().startswith(",") else " ") + body[e:].lstrip()
    rest = rest.strip()
    if not rest:
        return None
    if not lex.member_re.match(rest) and not (len(first := rest.split()[0]) > 1 and first.isupper()):
        rest = rest[0].lower() + rest[1:]
    if phrase.split()[0].lower() not in _PREPOSITIONS and rng.random() < 0.5:
        phrase = "for " + phrase
    return phrase[0].upper() + phrase[1:] + ", " + rest + tail


def typo(text: str, rng: random.Random, src: Source, lex: Lexicon) -> str | None:
    """English: two adjacent letters swapped or one letter dropped, inside a 6+ letter word that is
    no member name, id, number or time word, making no real word. Chinese: full-width digits."""
    if src.lang == "zh":
        return _WIDE_DIGITS.sub(lambda m: "".join(chr(ord(c) + 0xFEE0) for c in m.group()), text)
    guard = lex.protected(text)
    words = [m for m in _WORD.finditer(text) if not _overlaps(m.span(), guard) and lex.known_word(m.group())
             and not lex.is_time_word(m.group())]
    rng.shuffle(words)
    for m in words:
        w = m.group()
        for _ in range(4):
            i = rng.randrange(1, len(w) - 1)
            bad = w[:i] + w[i + 1] + w[i] + w[i + 2:] if rng.random() < 0.5 else w[:i] + w[i + 1:]
            if bad != w and lex.plausible_typo(bad):
                return text[:m.start()] + bad + text[m.end():]
    return None


Transform = Callable[[str, random.Random, Source, Lexicon], str | None]
TRANSFORMS: dict[str, Transform] = {"filler": filler, "case": case, "punct": punct, "synonym": synonym,
                                    "reorder": reorder, "typo": typo}
ATTEMPTS = {"filler": 4, "case": 3, "punct": 3, "synonym": 3, "reorder": 2, "typo": 3, "pair": 5}
_CONTENT, _SURFACE = ("synonym", "reorder", "typo"), ("filler", "case", "punct")
PAIRS = [(a, b) for a in _CONTENT for b in _SURFACE] + [("synonym", "reorder"), ("synonym", "typo"),
                                                        ("reorder", "typo"), ("filler", "punct")]


def _apply(names: Sequence[str], text: str, rng: random.Random, src: Source, lex: Lexicon) -> str | None:
    """Each step in turn; None when any step does not apply or changes nothing."""
    for name in names:
        out = TRANSFORMS[name](text, rng, src, lex)
        if out is None or out == text:
            return None
        text = out
    return text


def variants(src: Source, lex: Lexicon) -> list[Variant]:
    """The distinct rewrites of one question (seeded by its id, so every run makes the same ones)."""
    rng = random.Random(src.item_id)
    plan: list[tuple[str, ...]] = [(n,) for n in TRANSFORMS for _ in range(ATTEMPTS[n])]
    plan += [rng.choice(PAIRS) for _ in range(ATTEMPTS["pair"])]
    seen = {src.text}
    out = []
    for names in plan:
        text = _apply(names, src.text, rng, src, lex)
        if text is not None and text not in seen:
            seen.add(text)
            out.append(Variant(src, text, "+".join(names)))
    return out
