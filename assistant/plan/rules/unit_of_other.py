"""A unit said of something the data does not hold: 'how many overtime hours', '加班小时数'. The layer has
minutes of downtime, not of overtime; a word before the unit that no metric uses says what is measured."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.core.text import fold
from assistant.plan.rules.metric_choice import units_said
from semantic_layer.layer import Layer


def unit_of_other(text: str, words: list[str], layer: Layer) -> str | None:
    """'how many overtime hours did the techs clock', '加班小时数': a word the reading did not use right
    before the unit says what is measured in it; the data's minutes of something else are no answer."""
    known = _metric_words(layer)  # 'avg repair minutes': a word of a metric's own description is no other thing
    unread = {w.lower() for w in words if w.lower() not in known and not any(w in k for k in known if not w.isascii())}
    for u in units_said(text, layer):
        for form in (u.label.en, u.label.zh, *u.synonyms.all()):
            if not form or len(form) < 2:
                continue
            for m in re.finditer(rf"(?<![a-z]){re.escape(fold(form))}(?![a-z])", text):
                before = re.search(r"([a-z]+)\s+$|([\u4e00-\u9fff]+)$", text[:m.start()])
                said = before and (before.group(1) or before.group(2))
                if said and (said in unread or any(said.endswith(w) for w in unread if not w.isascii())):
                    return f"{said} {m.group(0)}" if said.isascii() else said + m.group(0)
    return None


@lru_cache(maxsize=8)
def _metric_words(layer: Layer) -> frozenset[str]:
    """Every word of the layer's metric labels, synonyms and descriptions (Chinese ones as whole phrases)."""
    out: set[str] = set()
    for m in layer.spec.metrics:
        for phrase in (m.label.en, m.label.zh, *m.synonyms.all(), m.description or "", m.description_zh or ""):
            out.update(re.findall(r"[a-z]+|[\u4e00-\u9fff]+", phrase.lower()))
    return frozenset(out)
