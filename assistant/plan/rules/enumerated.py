"""Readings beside the terms. Members listed together ('split by crew - Day, Evening and Night'): a word
in the list that no other reading took and that is the very name of a member of the same kind as the
others is that member, even when the word alone would be read otherwise ('Day' is a time word on its
own). A date named inside a figure's words ('下单的总数量')."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.plan.rules.vocab_match import Match, Term

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed
    from assistant.plan.rules.vocab import Vocabulary
    from assistant.understand.catalogue import ValueCatalogue
    from semantic_layer.layer import Layer

_BEFORE = re.compile(r"(?<![\w-])([A-Za-z][\w-]*)\s*(?:,|&|/|\band\b|\bor\b)\s*$", re.I)
_AFTER = re.compile(r"\s*(?:,|&|/|\band\b|\bor\b)\s*([A-Za-z][\w-]*)(?![\w-])", re.I)


def listed_members(out: Parsed, text: str, values: ValueCatalogue | None) -> None:
    if values is None or not out.values:
        return
    taken = [(m.start, m.end) for m, _ in out.values] + list(out.taken)
    added = True
    while added:
        added = False
        for m, terms in list(out.values):
            kinds = {t.ref for t in terms if t.kind == "value" and t.member is not None}
            if len(kinds) != 1:
                continue
            for found in (_BEFORE.search(text, 0, m.start), _AFTER.match(text, m.end)):
                if found is None or any(s < found.end(1) and found.start(1) < e for s, e in taken):
                    continue
                word = found.group(1)
                member = next((x for x in values.of(next(iter(kinds))) if x.label_en.lower() == word.lower()), None)
                if member is not None:
                    term = Term("value", member.dimension, member)
                    out.values.append((Match(found.start(1), found.end(1), word, [term]), [term]))
                    taken.append((found.start(1), found.end(1)))
                    added = True
    out.values.sort(key=lambda v: v[0].start)


def roles_inside(out: Parsed, words: str, metrics: list[str], vocab: Vocabulary, layer: Layer) -> None:
    """A date named inside a figure's words ('下单的总数量'); a figure's own name ('ordered quantity') names none."""
    said = words.strip().lower()
    if not any(said in (layer.metric(m).label.en.lower(), layer.metric(m).label.zh) for m in metrics):
        out.time_roles.extend(r for r in vocab.roles_inside(words) if r not in out.time_roles)
