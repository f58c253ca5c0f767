"""Which metric a question means when none of its words is a metric's name: the words left over
("which presses failed most often", "平均多久能修好") scored against what the layer says about
each metric (label, synonyms, description, in both languages), weighted by how rare each word is
among the metrics. A metric is taken only when it clearly wins; otherwise the best few are offered.

English words match by stem (snowball) or by one stem beginning the other ('fail' / 'failur');
Chinese by character pairs, so no segmenter has to be loaded.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from assistant.core.text import EN_CLOSED_CLASS, ZH_FUNCTION_WORDS, ZH_PARTICLES, fold, is_cjk
from semantic_layer.layer import Layer

MIN_SCORE = 1.2  # at least one telling word (or two common ones) must fit
MIN_LEAD = 1.5  # the winner's score over the runner-up's
MIN_STEM = 4  # stems shorter than this only match exactly
PREFIX_WEIGHT = 0.5  # 'fail' / 'failur' is a weaker fit than the same stem
PROSE_WEIGHT = 0.5  # a word of a metric's description, not of its names

_STEMMER = snowballstemmer.stemmer("english")
_LATIN = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")


@dataclass(frozen=True)
class Guess:
    metric: str | None  # the clear winner, or None
    options: list[str]  # the best few, for a question back
    fitted: int = 0  # left-over words some metric explains
    unfitted: list[str] = field(default_factory=list)  # content words no metric explains
    best: frozenset[str] = frozenset()  # every metric with the top score (a tie is no reason to switch)

    @property
    def taken(self) -> str | None:
        """The winner, unless it rests on one telling word among many the data knows nothing of ('draft
        a short toast for the team dinner': a request about something else, not a paraphrase)."""
        return self.metric if len(self.unfitted) <= self.fitted + 2 else None

    @property
    def worth_asking(self) -> bool:
        """The options are a fair question back: the words fit metrics more than they do not."""
        return bool(self.options) and self.fitted > len(self.unfitted)


def tokens(text: str) -> set[str]:
    """English stems and Chinese character pairs of a text, function words left out."""
    text = fold(text)
    out = {_STEMMER.stemWord(w) for w in _LATIN.findall(text.replace("-", " ")) if w not in EN_CLOSED_CLASS}
    runs = re.findall(r"[\u3400-\u9fff]+", text)
    for run in runs:
        chars = [c for c in run if is_cjk(c)]
        out |= {a + b for a, b in itertools.pairwise(chars) if not (ZH_PARTICLES & {a, b})}
    return {t for t in out if t}


def _fits(word: str, doc: set[str] | frozenset[str]) -> bool:
    if word in doc:
        return True
    if len(word) < MIN_STEM or not word.isascii():
        return False
    return any(len(d) >= MIN_STEM and d.isascii() and (d.startswith(word) or word.startswith(d)) for d in doc)


@lru_cache(maxsize=8)
def _documents(layer: Layer) -> tuple[dict[str, set[str]], dict[str, float]]:
    """Each metric's tokens, and each token's inverse document frequency among the metrics."""
    docs = {name: names | prose for name, (names, prose) in _parts(layer).items()}
    n = len(docs)
    counts: dict[str, int] = {}
    for doc in docs.values():
        for t in doc:
            counts[t] = counts.get(t, 0) + 1
    idf = {t: math.log(1 + n / c) for t, c in counts.items()}
    return docs, idf


@lru_cache(maxsize=8)
def _parts(layer: Layer) -> dict[str, tuple[set[str], set[str]]]:
    """(tokens of its names and synonyms, tokens of its descriptions) per metric: a word that only
    appears in a description is weaker evidence than one of the metric's own names."""
    out = {}
    for m in layer.spec.metrics:
        names = tokens(" ".join([m.name.replace("_", " "), m.label.en, m.label.zh, *m.synonyms.all()]))
        out[m.name] = (names, tokens(f"{m.description} {m.description_zh or ''}"))
    return out


def _word_score(word: str, names: set[str], prose: set[str], idf: dict[str, float]) -> float:
    best = 0.0
    for weight, doc in ((1.0, names), (PROSE_WEIGHT, prose)):
        for d in doc:
            if _fits(word, {d}):
                best = max(best, idf.get(d, 0.0) * weight * (1.0 if d == word else PREFIX_WEIGHT))
    return best


def guess_metric(words: list[str], layer: Layer, allowed: set[str] | None = None) -> Guess:
    """The metric the left-over `words` describe, if one clearly does; `allowed` limits the candidates
    (e.g. to metrics that the question's dimensions can reach)."""
    docs, idf = _documents(layer)
    words = [w for phrase in words for w in re.findall(r"[a-z][a-z'-]*|[\u3400-\u9fff]+|\d+", phrase.lower())
             if _content(w)]
    query = tokens(" ".join(words))
    if not query:
        return Guess(None, [])
    every = set().union(*docs.values())
    fitted = [w for w in query if _fits(w, every)]
    fitted_set = set(fitted)  # once, not once per word (long questions have thousands)
    unfitted = [w for w in words if not tokens(w) & fitted_set and _content(w)]
    scores: dict[str, float] = {}
    parts = _parts(layer)
    for name in docs:
        if allowed is not None and name not in allowed:
            continue
        names, prose = parts[name]
        score = sum(_word_score(w, names, prose, idf) for w in query)
        if score > 0:
            scores[name] = score
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    options = [name for name, _ in ranked[:3]]
    clear = bool(ranked) and ranked[0][1] >= MIN_SCORE and (len(ranked) == 1 or ranked[0][1] >= MIN_LEAD * ranked[1][1])
    best = frozenset(n for n, s in ranked if s == ranked[0][1]) if ranked else frozenset()
    return Guess(ranked[0][0] if clear else None, options, len(fitted), unfitted, best)


def _content(word: str) -> bool:
    """A word that can say what is asked: not a closed-class word ('often', 'through', '一下')."""
    return word.lower() not in EN_CLOSED_CLASS and word not in ZH_FUNCTION_WORDS


def reconsider(current: str, named_by: str, extra: list[str], layer: Layer, allowed: set[str] | None) -> str | None:
    """A metric that explains the words that named `current` and the left-over ones better
    ('units shipped': shipped quantity, not output), when one clearly does; else None."""
    extra = [w for w in extra if _content(w)]  # 'overdue and still open': 'still' names no metric
    if not extra:
        return None
    guess = guess_metric([named_by, *extra], layer, allowed)
    if guess.metric is None or guess.metric == current:
        return None
    docs, _ = _documents(layer)
    named = tokens(" ".join(w for w in re.findall(r"\w+", named_by.lower()) if _content(w)))
    # 'defective pieces logged': every word the other metric explains, the named one explains too
    told = [t for w in extra for t in tokens(w) if _fits(t, docs[guess.metric])]
    if current in docs and told and all(_fits(t, docs[current]) for t in told):
        return None
    return guess.metric if named and all(_fits(w, docs[guess.metric]) for w in named) else None


@lru_cache(maxsize=8)
def _layer_tokens(layer: Layer) -> frozenset[str]:
    """Tokens of every name the layer gives: metrics (with descriptions), dimensions, declared values."""
    docs, _ = _documents(layer)
    return frozenset(set().union(*docs.values()) | _dimension_tokens(layer))


@lru_cache(maxsize=8)
def _dimension_tokens(layer: Layer) -> frozenset[str]:
    """Tokens of the dimensions' names and of their declared values."""
    forms = [f for d in layer.spec.dimensions for f in (d.label.en, d.label.zh, *d.synonyms.all())]
    forms += [f for d in layer.spec.dimensions for v in d.values.values()
              for f in (v.en or "", v.zh or "", *v.synonyms)]
    return frozenset(tokens(" ".join(forms)))


def meaningful_leftovers(words: list[str], layer: Layer, *, phrases: bool = False) -> list[str]:
    """Left-over words that name something the layer has ('inspection', 'conditionally', 'running'):
    a reading that ignored them may have missed what was asked. A word the layer only says inside one
    metric's longer phrases ('docks' of 'left the docks') names nothing alone: the phrase does
    (`phrases`: count those words too)."""
    if not words:
        return []  # no need to tokenise the whole layer (cold start)
    every = _layer_tokens(layer) if phrases else _layer_tokens(layer) - _incidental(layer)
    out = []
    for w in words:
        if not _content(w):
            continue
        toks = tokens(w)
        if toks and any(_fits(t, every) for t in toks):
            out.append(w)
    return out


@lru_cache(maxsize=8)
def _incidental(layer: Layer) -> frozenset[str]:
    """Tokens said only inside phrases of two or more words, of one metric, and in no description."""
    said_alone: set[str] = set()
    owners: dict[str, set[str]] = {}
    for m in layer.spec.metrics:
        for phrase in (m.name.replace("_", " "), m.label.en, m.label.zh, *m.synonyms.all()):
            toks = tokens(phrase)
            for t in toks:
                owners.setdefault(t, set()).add(m.name)
            if len(toks) == 1:
                said_alone |= toks
    named = _dimension_tokens(layer)
    prose = set().union(*(p for _, p in _parts(layer).values()))
    return frozenset(t for t, who in owners.items()
                     if len(who) == 1 and t not in said_alone and t not in named and t not in prose)


def unanswerable_words(words: list[str], layer: Layer) -> list[str]:
    """Words naming a column no metric is about ('price', 'cost'): the data has them, no answer does."""
    docs, _ = _documents(layer)
    every = set().union(*docs.values())
    columns = {_STEMMER.stemWord(part) for t in layer.spec.tables for c in t.columns for part in c.split("_")
               if len(part) >= 3}
    return [w for w in words if w.isascii() and _STEMMER.stemWord(w.lower()) in columns - every]


def not_about_kinds(words: list[str], dims: list[str], layer: Layer) -> list[str]:
    """The words that say more than the kinds listed: '供应' of '供应铝材的厂家' (suppliers, 供应商) or
    'supply' of 'which vendors supply resin' restate the kind, so they describe no figure."""
    kind = tokens(" ".join(f for d in dims for f in (layer.dimension(d).label.en, layer.dimension(d).label.zh or "",
                                                     *layer.dimension(d).synonyms.all())))
    return [w for w in words if not ((toks := tokens(w)) and all(_fits(t, kind) for t in toks))]


def explains(metric: str, words: list[str], layer: Layer) -> bool:
    """Whether any of the words fits what the layer says about `metric` ('plan' of plan attainment)."""
    docs, _ = _documents(layer)
    return any(_fits(t, docs[metric]) for w in words if _content(w) for t in tokens(w))
