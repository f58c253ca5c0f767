"""The catalogue of dimension members: every id, English and Chinese name, and synonym.

Read from the database (low-cardinality dimensions only) plus the value labels declared
in the layer. Planners match question words against it; retrieval indexes it; prompts
show samples from it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.core.text import EN_CLOSED_CLASS, all_cjk, is_common_word
from assistant.core.text import key as lookup_key
from semantic_layer.layer import Layer

MAX_MEMBERS = 2000  # dimensions with more distinct members are not catalogued


@dataclass(frozen=True)
class Member:
    dimension: str
    key: str
    label_en: str
    label_zh: str
    forms: tuple[str, ...]  # every surface form a question may use

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" and self.label_zh else self.label_en


@dataclass
class ValueCatalogue:
    members: list[Member] = field(default_factory=list)
    by_form: dict[str, list[Member]] = field(default_factory=dict)
    # Kept: planning asks for it on every question, and at scale 10 hashing every member took ~2 ms.
    _fingerprint: tuple[int, str] | None = field(default=None, init=False, repr=False, compare=False)

    def add(self, member: Member) -> None:
        self.members.append(member)
        self._fingerprint = None
        for form in member.forms:
            bucket = self.by_form.setdefault(lookup_key(form), [])
            if member not in bucket:
                bucket.append(member)

    def lookup(self, form: str) -> list[Member]:
        return list(self.by_form.get(lookup_key(form), []))

    def of(self, dimension: str) -> list[Member]:
        return [m for m in self.members if m.dimension == dimension]

    def find(self, dimension: str, key: str) -> Member | None:
        return next((m for m in self.members if m.dimension == dimension and m.key == key), None)

    @property
    def fingerprint(self) -> str:
        kept = self._fingerprint
        if kept is not None and kept[0] == len(self.members):  # the count: members appended without add()
            return kept[1]
        blob = "|".join(f"{m.dimension}:{m.key}:{','.join(m.forms)}" for m in self.members)
        digest = hashlib.sha256(blob.encode()).hexdigest()[:16]
        self._fingerprint = (len(self.members), digest)
        return digest


def short_names(members: Iterable[Member]) -> dict[str, Member]:
    """People say 'Hengtai' for 'Hengtai Metals' and '恒泰' for '恒泰金属': a member's first word
    (English, at least four letters) or first two characters (Chinese, of a name of four or
    more), when exactly one member has it and it is not an everyday word ('China Steel' does
    not make 'china' a name). Callers drop forms that already mean something else."""
    found: dict[str, list[Member]] = {}
    for m in members:
        words = m.label_en.split()
        first = lookup_key(words[0]).strip(",.") if words else ""
        candidates = set()
        if len(words) > 1 and len(first) >= 4 and first.isalpha() and not is_common_word(first, "en"):
            candidates.add(first)
        zh = lookup_key(m.label_zh)
        if len(zh) >= 4 and all_cjk(zh[:2]) and not is_common_word(zh[:2], "zh"):
            candidates.add(zh[:2])
        # '长江汽车' for '长江汽车集团': a longer beginning of the name, said without its last words
        candidates.update(zh[:n] for n in range(3, len(zh)) if all_cjk(zh[:n]) and not is_common_word(zh[:n], "zh"))
        candidates.update(model_codes(f"{m.label_en} {m.label_zh}"))
        for c in candidates:
            found.setdefault(c, []).append(m)
    return {form: ms[0] for form, ms in found.items() if len(ms) == 1}


_CODE = re.compile(r"(?<![\w-])(?=[\w-]*[A-Za-z])(?=[\w-]*\d)[A-Za-z0-9][\w-]*[A-Za-z0-9](?![\w-])")


def model_codes(name: str) -> set[str]:
    """'ADC12', 'A356', '42CrMo', '32-bit': the model code inside a name ('Die-casting aluminium alloy
    ADC12'), which buyers say alone. Letters and digits together, three characters or more; kept
    (by `short_names`) only when one member has it."""
    codes = {c for c in _CODE.findall(name) if len(c) >= 3 and not c.startswith("#")}
    # 'PA66' of 'PA66-GF30': each hyphened part that is a code itself (kept only when one member has it)
    parts = {p for c in codes if "-" in c for p in c.split("-") if len(p) >= 3 and _CODE.fullmatch(p)}
    return {lookup_key(c) for c in codes | parts}


_NUMBERED = re.compile(r"^(?:#|no\.?\s*)\d+$", re.I)


def numbered_short_forms(name: str) -> list[str]:
    """'Engel victory 200 #4' is called 'Engel #4' on the shop floor: the first word and the
    number of a numbered name of three words or more. Several members may share the short form
    ('Haas #3' in two plants): the planner then asks which one, or takes the one a named member
    narrows it to."""
    words = name.split()
    if len(words) < 3 or not _NUMBERED.match(words[-1]):
        return []
    first = words[0]
    if not first.isalpha() or len(first) < 3 or is_common_word(lookup_key(first), "en"):
        return []
    return [f"{first} {words[-1]}"]


@lru_cache(maxsize=16)
def naming_words(layer: Layer) -> frozenset[str]:
    """The layer's nouns for things that carry numbers ('line', 'machine', 'store'): single
    English words of dimension and genealogy labels and synonyms. The time parser reads a
    number after one as that thing's number, not a day."""
    forms = [f for d in layer.spec.dimensions for f in (d.label.en, *d.synonyms.en)]
    forms += [f for n in layer.spec.genealogy.nodes for f in (n.label.en, *n.synonyms.en)]
    # not the small words of a longer name ('the', 'of' of 'kind of machine') nor its participles ('finished
    # goods'): 'on the 29th of december', 'batches finished 29 dec' are days
    return frozenset(w for f in forms for w in lookup_key(f).split()
                     if w.isascii() and w.isalpha() and w not in EN_CLOSED_CLASS and not w.endswith("ed"))


def build_catalogue(layer: Layer, fetch: Callable[[str], Sequence[Sequence[Any]]]) -> ValueCatalogue:
    """`fetch(dimension)` returns the distinct rows of the dimension's equivalent columns (key
    first), at most MAX_MEMBERS + 1 of them; injected so this module never builds SQL or opens
    a database (the pipeline runs `assistant.sql.members.members_query` through its guard)."""
    catalogue = ValueCatalogue()
    for dim in layer.spec.dimensions:
        table = layer.tables[dim.table]
        # A role table is its source's rows under a filter: cheap to read. Other derived tables
        # can be arbitrary queries, so their members are not read at start-up.
        if not dim.index_values or (table.derived and table.source is None):
            continue
        rows = fetch(dim.name)
        if len(rows) > MAX_MEMBERS:
            continue
        cols = dim.equivalent_columns()
        seen: set[str] = set()
        for row in sorted(rows, key=lambda r: str(r[0])):
            values = dict(zip(cols, row, strict=True))  # rows hold exactly the equivalent columns
            key = str(values[dim.key_column])
            if key in seen:
                continue
            seen.add(key)
            declared = dim.values.get(key)
            label_en = (declared.en if declared and declared.en else None) or str(values.get(dim.column) or key)
            zh_col = dim.column_zh
            label_zh = ((declared.zh if declared and declared.zh else None)
                        or (str(values[zh_col]) if zh_col and values.get(zh_col) else label_en))
            forms = [str(v) for v in values.values() if v not in (None, "")]
            forms += [label_en, label_zh, key.replace("_", " ")]
            if declared:
                forms += declared.synonyms
            forms += [short for form in forms for short in numbered_short_forms(form)]
            catalogue.add(Member(dim.name, key, label_en, label_zh, tuple(dict.fromkeys(forms))))
    return catalogue
