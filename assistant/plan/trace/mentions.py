"""Find genealogy words, ids and catalogue members in a question (spans, longest match first).

Everything matched here is data: node synonyms and id patterns from the layer's genealogy,
member names from the value catalogue, metric phrases from the layer's metrics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from assistant.core.text import fold
from assistant.plan.rules.spans import Occupied
from assistant.understand.catalogue import short_names
from semantic_layer.genealogy import GenealogyGraph
from semantic_layer.layer import Layer

_ASCII_WORD = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class Mention:
    kind: str  # "id", "node" (a genealogy word), "member" (a catalogue value)
    start: int
    end: int
    text: str
    node: str | None = None  # node type (ids, words; members of a node's own table)
    value: str | None = None  # the id, or the member key
    dimension: str | None = None  # members only


def find_all(text: str, form: str) -> Iterator[tuple[int, int]]:
    """Occurrences of `form`; ASCII words must not be glued to other letters or digits."""
    if not form:
        return
    i = text.find(form)
    while i >= 0:
        end = i + len(form)
        if _apart(text, form, i, end):
            yield i, end
        i = text.find(form, i + 1)


def overlaps(a: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


@dataclass(frozen=True)
class Vocab:
    """What to look for, built once per layer and catalogue."""

    node_forms: tuple[tuple[str, str], ...]  # (form, node), longest first
    member_forms: tuple[tuple[str, Any, str | None], ...]  # (form, member, node whose table it is)
    metric_forms: tuple[str, ...]
    time_words: tuple[tuple[str, str], ...]  # (form, node)
    id_patterns: tuple[tuple[str, re.Pattern[str]], ...]


def _relevant_dimensions(layer: Layer, graph: GenealogyGraph) -> dict[str, str | None]:
    """Dimensions a trace can use -> the node whose own table the dimension lives in (if any)."""
    tables = {n.table: n.name for n in graph.nodes.values()}
    walk_tables = {n.table for n in graph.nodes.values() if not n.context}
    out: dict[str, str | None] = {}
    for dim in layer.spec.dimensions:
        if dim.table in tables or any(layer.join_path(t, dim.table) is not None for t in walk_tables):
            node = tables.get(dim.table)
            own = node is not None and graph.nodes[node].key == dim.key_column
            out[dim.name] = node if own else None
    return out


def build_vocab(layer: Layer, catalogue: Any) -> Vocab:
    graph = layer.genealogy
    node_forms: dict[str, str] = {}
    for node in graph.nodes.values():
        for form in [node.label.en, node.label.zh, *node.synonyms.all()]:
            node_forms.setdefault(fold(form), node.name)
    member_forms: list[tuple[str, Any, str | None]] = []
    if catalogue is not None:
        dims = _relevant_dimensions(layer, graph)
        taken: set[str] = set(node_forms) | {fold(f) for d in layer.spec.dimensions
                                             for f in [d.name, d.label.en, d.label.zh, *d.synonyms.all()]}
        by_node: list[Any] = []
        for member in catalogue.members:
            if member.dimension not in dims:
                continue
            for form in member.forms:
                f = fold(str(form))
                if len(f) < 2 or f.isdigit() or (f.isascii() and len(f) < 3) or f in node_forms:
                    continue
                member_forms.append((f, member, dims[member.dimension]))
                taken.add(f)
            if dims[member.dimension]:
                by_node.append(member)
        taken |= {fold(str(f)) for m in catalogue.members for f in m.forms}
        member_forms += [(f, m, dims[m.dimension]) for f, m in short_names(by_node).items() if f not in taken]
    metric_forms = {fold(f) for m in layer.spec.metrics for f in [m.label.en, m.label.zh, *m.synonyms.all()]}
    time_words = {(fold(w), n.name) for n in graph.nodes.values() for w in n.time_words.all()}
    # ASCII: so that \b also separates an id from Chinese text glued to it ('物料批次LOT-…').
    patterns = tuple((n.name, re.compile(n.id_pattern, re.IGNORECASE | re.ASCII))
                     for n in graph.nodes.values() if n.id_pattern)
    return Vocab(node_forms=tuple(sorted(node_forms.items(), key=lambda kv: -len(kv[0]))),
                 member_forms=tuple(sorted(member_forms, key=lambda t: -len(t[0]))),
                 metric_forms=tuple(sorted((f for f in metric_forms if f not in node_forms), key=len, reverse=True)),
                 time_words=tuple(sorted(time_words, key=lambda t: -len(t[0]))), id_patterns=patterns)


_CACHE: dict[tuple[int, str, int], tuple[Any, Vocab]] = {}


def vocab_for(layer: Layer, catalogue: Any) -> Vocab:
    """The vocabulary, rebuilt only when the layer or the catalogue changes.

    The pipeline builds a new catalogue object when values change, so identity is the key
    (hashing every member on every question would cost more than the matching). The cache
    holds the catalogue itself, so its id cannot be reused by another object meanwhile."""
    key = (id(layer), layer.fingerprint, id(catalogue))
    entry = _CACHE.get(key)
    if entry is None or entry[0] is not catalogue:
        if len(_CACHE) > 16:
            _CACHE.clear()
        entry = (catalogue, build_vocab(layer, catalogue))
        _CACHE[key] = entry
    return entry[1]


def remember(layer: Layer, catalogue: Any, vocab: Vocab) -> None:
    """Hand `vocab_for` a vocabulary built earlier for this layer and catalogue (read back from
    the start-up cache: assistant/plan/stored_vocabulary.py)."""
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[(id(layer), layer.fingerprint, id(catalogue))] = (catalogue, vocab)


def find_ids(text: str, vocab: Vocab) -> list[Mention]:
    out: list[Mention] = []
    taken = Occupied()  # the ids found so far: checking each new one against all of them was quadratic
    for node, pattern in vocab.id_patterns:
        for m in pattern.finditer(text):
            if not taken.overlaps(m.start(), m.end()):
                taken.add(m.start(), m.end())
                out.append(Mention("id", m.start(), m.end(), m.group(0), node=node, value=m.group(0).upper()))
    return sorted(out, key=lambda x: x.start)


@dataclass(frozen=True)
class _Starts:
    """Forms by their first two characters (and the one-character forms): each place of a
    question is looked up instead of the question being searched once per form. At scale 10
    the catalogue has thousands of member forms, and one search per form was ~5 ms of every
    question's planning."""

    forms: tuple[str, ...]
    by_start: dict[str, list[int]]
    short: tuple[int, ...]

    @classmethod
    def of(cls, forms: Sequence[str]) -> _Starts:
        by_start: dict[str, list[int]] = {}
        for i, form in enumerate(forms):
            if len(form) >= 2:
                by_start.setdefault(form[:2], []).append(i)
        return cls(tuple(forms), by_start, tuple(i for i, f in enumerate(forms) if len(f) < 2))

    def hits(self, text: str) -> list[tuple[int, int, int]]:
        """(index of the form, start, end) of every occurrence, ordered as searching form after
        form would find them (by form, then by place)."""
        out = [(i, s, e) for i in self.short for s, e in find_all(text, self.forms[i])]
        for at in range(len(text) - 1):
            for i in self.by_start.get(text[at:at + 2], ()):
                form = self.forms[i]
                end = at + len(form)
                if text.startswith(form, at) and _apart(text, form, at, end):
                    out.append((i, at, end))
        out.sort()
        return out


_MEMBER_STARTS: dict[int, tuple[Vocab, _Starts]] = {}


def _member_starts(vocab: Vocab) -> _Starts:
    entry = _MEMBER_STARTS.get(id(vocab))
    if entry is None or entry[0] is not vocab:  # held with the vocabulary, so its id is not reused
        if len(_MEMBER_STARTS) > 16:
            _MEMBER_STARTS.clear()
        entry = (vocab, _Starts.of([form for form, _, _ in vocab.member_forms]))
        _MEMBER_STARTS[id(vocab)] = entry
    return entry[1]


def _apart(text: str, form: str, start: int, end: int) -> bool:
    """`find_all`'s rule: an ASCII word is not glued to other letters or digits."""
    left_ok = not (_ASCII_WORD.match(form[0]) and start > 0 and _ASCII_WORD.match(text[start - 1]))
    return left_ok and not (_ASCII_WORD.match(form[-1]) and end < len(text) and _ASCII_WORD.match(text[end]))


def find_words(text: str, vocab: Vocab, blocked: list[tuple[int, int]]) -> list[Mention]:
    """Genealogy words and catalogue members, longest first; a word wins a tie with a member."""
    candidates: list[tuple[int, int, Mention]] = []
    for form, node in vocab.node_forms:
        for s, e in find_all(text, form):
            candidates.append((-(e - s), 0, Mention("node", s, e, form, node=node)))
    for i, s, e in _member_starts(vocab).hits(text):
        form, member, own_node = vocab.member_forms[i]
        candidates.append((-(e - s), 1, Mention("member", s, e, form, node=own_node, value=member.key,
                                                 dimension=member.dimension)))
    taken = Occupied(blocked)
    out: list[Mention] = []
    for _, _, mention in sorted(candidates, key=lambda c: (c[0], c[1], c[2].start)):
        if not taken.overlaps(mention.start, mention.end):
            taken.add(mention.start, mention.end)
            out.append(mention)
    return sorted(out, key=lambda x: x.start)


@lru_cache(maxsize=64)
def _prepared(forms: tuple[str, ...]) -> _Starts:
    return _Starts.of(sorted({fold(f) for f in forms}, key=len, reverse=True))


def find_phrases(text: str, forms: list[str] | tuple[str, ...],
                 blocked: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
    """Phrases of `forms` in `text`, the longest first where they overlap."""
    out: list[tuple[int, int, str]] = []
    taken = Occupied(blocked)
    starts = _prepared(tuple(forms))
    for i, s, e in starts.hits(text):
        if not taken.overlaps(s, e):
            taken.add(s, e)
            out.append((s, e, starts.forms[i]))
    return sorted(out)


def said_short(words: Iterable[Mention]) -> list[Mention]:
    """'本月生产的成品批次里…列批次号': a kind's word said again without its first part ('批次' of '成品批次')
    is that kind again, not the other kind the short word alone names (material lots)."""
    out: list[Mention] = []
    for w in words:
        earlier = next((v for v in out if v.kind == "node" and v.node != w.node and len(v.text) > len(w.text)
                        and v.text.endswith(w.text)), None) if w.kind == "node" else None
        out.append(replace(w, node=earlier.node) if earlier is not None else w)
    return out
