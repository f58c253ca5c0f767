"""A kind's word beside members of other kinds, asked for each that fits: 'the brake line', '涂装那台机器',
'铝材供应商', and 'by' before a kind's whole name when its first word went to a metric."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.plan.rules import lexicon as lx

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed
    from assistant.plan.rules.matching import _Values as Values  # matching calls these
    from assistant.plan.rules.vocab import Match
    from semantic_layer.layer import Layer

# "the brake line", "that paint cell", "涂装那台机器": one thing of a kind, named by a member of another
# kind; the words do not say which if several fit, so each is shown (one row if only one does).
_ONE_BEFORE = re.compile(r"(?:\bthe|\bthat|\bthis|那台|这台|那条|这条|那家|这家|那个|这个)\s*$", re.I)
# ('那|条线': the kind's own word may hold the measure word)
_ONE_BETWEEN = re.compile(r"^\s*(?:那台|这台|那条|这条|那家|这家|那个|这个|那|这)\s*$")


def one_of_a_kind(text: str, m: Match, near: Values, own: set[str]) -> bool:
    named = [o for o in near.beside(m) if o.end <= m.start]
    if own or not named or (m.text.isascii() and m.text.endswith("s")):
        return False
    start = near.run_start(m.start)
    return bool(_ONE_BEFORE.search(text, max(0, start - 8), start)
                or any(_ONE_BETWEEN.match(text[o.end:m.start]) for o in named))


def kind_by_what_it_handles(m: Match, near: Values, tables: set[str], layer: Layer) -> bool:
    """'转向线', '铝材供应商': a kind named right after a member of something its own records do not
    hold (the lines making steering parts, the suppliers of aluminium): which ones is not said, so each."""
    if m.text.isascii():
        return False
    named = [o for o in near.beside(m) if o.end == m.start and "value" in o.kinds]
    return bool(named) and all(layer.join_path(t, layer.dimension(x.ref).table) is None
                               for o in named for x in o.terms if x.kind == "value" for t in tables)


def by_before_whole_name(text: str, m: Match, dims: list[str], layer: Layer) -> bool:
    """'quantity affected by complaint issue': 'complaint' went to the metric's words, but 'by' stands
    before the kind's whole name ('complaint issue'), so the kind is asked for."""
    for d in dims:
        spec = layer.dimension(d)
        for form in (spec.label.en, *spec.synonyms.en):
            f = form.lower()
            if len(f) > len(m.text) and text[:m.end].endswith(f) and \
                    lx.BY_BEFORE.search(text[max(0, m.end - len(f) - 24):m.end - len(f)]):
                return True
    return False


def kind_of_named_members(word: str, parsed: Parsed, layer: Layer) -> bool:
    """'presses vs CNCs … for each type': a bare kind word the data has no kind of its own for is the kind
    of the members named, when one named kind's label ends in it ('machine type', '设备类型'); that kind is
    then broken down by (True)."""
    said = word.lower().rstrip("s")
    # '… split across the defect types? Each type as a share': the kind already named is the one meant
    if any((label := layer.dimension(d).label).en.lower().split()[-1:] == [said] or label.zh.endswith(word)
           for d in parsed.group_by):
        return True
    valued = dict.fromkeys(t.ref for _m, terms in parsed.values for t in terms[:1])
    fits = [d for d in valued
            if (label := layer.dimension(d).label).en.lower().split()[-1:] == [said] or label.zh.endswith(word)]
    if len(fits) != 1:
        return False
    parsed.group_by.append(fits[0])
    return True


_JOINED = re.compile(r"\s*(?:and|&|,|/|plus|as well as|和|、|及|与|以及|跟)\s*(?:by\s+)?(?:the\s+)?", re.I)


def joined_to_marked(marked: set[str], dim_words: dict[str, tuple[int, int]], text: str, m: Match) -> bool:
    """'by line and shift', '按工厂和班次': a kind joined to one asked to break down by is asked too."""
    return any(d in marked and e <= m.start and _JOINED.fullmatch(text, e, m.start) for d, (_s, e) in dim_words.items())


# '供应商承诺本周到货的采购单，每家几张': 每/各 with the kind's own measure word, said later with no kind after it
_BARE_EACH = re.compile(r"(?:每|各)(?P<cl>[\u4e00-\u9fff])(?=\s*(?:几|多少|分别|各|都|$|[，,。？?]))")


def each_by_classifier(text: str, m: Match, dims: list[str], layer: Layer) -> bool:
    words = {layer.tables[layer.dimension(d).table].measure_word for d in dims} - {None, ""}
    return any(e.group("cl") in words for e in _BARE_EACH.finditer(text, m.end))
