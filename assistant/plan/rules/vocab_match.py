"""What the vocabulary finds in a question: a term of the layer (metric, dimension, member, date word) and
a match of some of its forms at a place of the text."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.core.text import has_cjk
from assistant.understand.catalogue import Member


@dataclass(frozen=True)
class Term:
    kind: str  # "metric" | "dimension" | "value" | "time_role"
    ref: str  # metric or dimension name; "table.column" for a time role
    member: Member | None = None  # for values
    partial: bool = False  # a value form with a parent's name removed ("line 3" of "Ningbo Line 3")
    group: str | None = None  # a value named with others by a layer's value set ('open': planned, running)


def names_more(m: Match, first: list[Match | None], i: int) -> bool:
    """Two readings cover as much: '未完成的工单' is the open status (a name), not 'completed' (a date
    word) with '未' left over. The name wins a tie against a date word it overlaps."""
    while i < m.end and first[i] is None:
        i += 1
    other = first[i] if i < m.end else None
    return other is not None and all(t.kind == "time_role" for t in other.terms) \
        and any(t.kind != "time_role" for t in m.terms)


@dataclass
class Match:
    start: int
    end: int
    text: str
    terms: list[Term]
    fuzzy: bool = False
    homophone: bool = False
    form: str | None = None  # for a repaired typo: the form it was read as

    @property
    def kinds(self) -> set[str]:
        return {t.kind for t in self.terms}


def heads_of_values(cands: list[Match]) -> list[Match]:
    """'计划停机时长': the member '计划停机' runs into the figure '停机时长'; what comes before the figure's
    word ('计划') is the member said short, so both are read (a Chinese head of at least two characters)."""
    out = []
    metrics = [m for m in cands if "metric" in m.kinds]
    for v in cands:
        if "value" not in v.kinds or not has_cjk(v.text):
            continue
        for m in metrics:
            if v.start + 2 <= m.start < v.end < m.end and has_cjk(v.text[:m.start - v.start]):
                head = v.text[:m.start - v.start]
                out.append(Match(v.start, m.start, head, [t for t in v.terms if t.kind == "value"]))
    return out
