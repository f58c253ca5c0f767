"""The planner's vocabulary, built from a semantic layer and its value catalogue.

Every surface form (metric synonyms, dimension synonyms, member ids and names in both
languages) becomes a Term. `Vocabulary.scan` finds them in a question: longest match
first, whole words for Latin text, substrings for Chinese, and a fuzzy pass for typos.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from assistant.values import Member, ValueCatalogue, normalize
from semantic_layer.layer import Layer

_LATIN_EDGE = re.compile(r"[a-z0-9]")
_TOKEN = re.compile(r"[a-z][a-z0-9\-']*|\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Term:
    kind: str  # "metric" | "dimension" | "value"
    ref: str  # metric or dimension name
    member: Member | None = None  # for values
    partial: bool = False  # a value form with a parent's name removed ("line 3" of "Ningbo Line 3")


@dataclass
class Match:
    start: int
    end: int
    text: str
    terms: list[Term]
    fuzzy: bool = False

    @property
    def kinds(self) -> set[str]:
        return {t.kind for t in self.terms}


@dataclass
class Vocabulary:
    forms: dict[str, list[Term]] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None
    latin_forms: list[str] = field(default_factory=list)

    def add(self, form: str, term: Term) -> None:
        key = normalize(form)
        if len(key) < 2 and not key.isdigit():
            return
        bucket = self.forms.setdefault(key, [])
        if term not in bucket:
            bucket.append(term)

    def compile(self) -> None:
        parts = []
        for form in sorted(self.forms, key=len, reverse=True):
            body = re.escape(form).replace(r"\ ", r"[\s_\-]*")
            head = r"(?<![a-z0-9])" if _LATIN_EDGE.match(form[0]) else ""
            tail = r"(?![a-z0-9])" if _LATIN_EDGE.match(form[-1]) else ""
            parts.append(f"{head}{body}{tail}")
        self.pattern = re.compile("|".join(parts)) if parts else None
        self.latin_forms = [f for f in self.forms if f.isascii() and len(f) >= 4]

    def lookup(self, text: str) -> list[Term]:
        return self.forms.get(normalize(text), []) or self.forms.get(re.sub(r"[\s_\-]+", " ", normalize(text)), [])

    def scan(self, text: str) -> list[Match]:
        """Exact matches, leftmost-longest, over normalised text (same length as the input)."""
        if self.pattern is None:
            return []
        out: list[Match] = []
        for m in self.pattern.finditer(text):
            terms = self.lookup(m.group(0))
            if not terms:
                terms = self.lookup(re.sub(r"[\s_\-]+", " ", m.group(0)))
            if terms:
                out.append(Match(m.start(), m.end(), m.group(0), list(terms)))
        return out

    def fuzzy(self, text: str, taken: list[tuple[int, int]], *, cutoff: float = 82.0) -> list[Match]:
        """Typos in Latin words that no exact form covered: 'avaliability', 'Ningob', 'scrap rat'."""
        tokens = [t for t in _TOKEN.finditer(text) if not any(s <= t.start() < e for s, e in taken)]
        out: list[Match] = []
        used: set[int] = set()
        for size in (3, 2, 1):
            for i in range(len(tokens) - size + 1):
                group = tokens[i:i + size]
                if any(id(t) in used for t in group):
                    continue
                if size > 1 and not all(text[a.end():b.start()].isspace() for a, b in zip(group, group[1:])):
                    continue
                start, end = group[0].start(), group[-1].end()
                phrase = text[start:end]
                if len(phrase) < 5 or phrase.isdigit():
                    continue
                best = process.extractOne(phrase, self.latin_forms, scorer=fuzz.ratio, score_cutoff=cutoff)
                if best is None or abs(len(best[0]) - len(phrase)) > 2:
                    continue
                out.append(Match(start, end, phrase, list(self.forms[best[0]]), fuzzy=True))
                used.update(id(t) for t in group)
        return out


def _parent_removed_forms(member: Member, catalogue: ValueCatalogue, dim: str) -> list[str]:
    """'Ningbo Line 3' minus another dimension's member 'Ningbo' -> 'Line 3'; '宁波3号线' -> '3号线'."""
    out: list[str] = []
    for label in {member.label_en, member.label_zh}:
        norm = normalize(label)
        for other_form, others in catalogue.by_form.items():
            if len(other_form) < 2 or other_form == norm or not norm.startswith(other_form):
                continue
            if any(o.dimension != dim for o in others):
                rest = norm[len(other_form):].strip(" -")
                if len(rest) >= 2:
                    out.append(rest)
    return out


def build_vocabulary(layer: Layer, catalogue: ValueCatalogue) -> Vocabulary:
    vocab = Vocabulary()
    for metric in layer.spec.metrics:
        term = Term("metric", metric.name)
        for form in [metric.name, metric.name.replace("_", " "), metric.label.en, metric.label.zh, *metric.synonyms.all()]:
            vocab.add(form, term)
    for dim in layer.spec.dimensions:
        term = Term("dimension", dim.name)
        for form in [dim.name.replace("_", " "), dim.label.en, dim.label.zh, *dim.synonyms.all()]:
            vocab.add(form, term)
    for member in catalogue.members:
        term = Term("value", member.dimension, member)
        for form in member.forms:
            vocab.add(form, term)
        for form in _parent_removed_forms(member, catalogue, member.dimension):
            vocab.add(form, Term("value", member.dimension, member, partial=True))
    vocab.compile()
    return vocab
