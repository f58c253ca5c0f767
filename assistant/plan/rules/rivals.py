"""The other metric the same words name ('on-time delivery rate': suppliers' or customers'), for when
the kinds or members a question names decide between them."""

from __future__ import annotations

from assistant.core.text import fold
from assistant.plan.rules.second_metrics import COUNT_PHRASE
from semantic_layer.layer import Layer


def same_words_rival(name: str, needed: set[str], matched: str, layer: Layer) -> str | None:
    """The one metric other than `name` that reaches every kind in `needed` and whose names hold the
    words `matched` (or are most of them: 'on-time delivery' of 'on-time delivery rate')."""
    if not needed or not matched or COUNT_PHRASE.fullmatch(matched):
        return None  # '多少件' is in many metrics' words: it picks none of them
    rivals = [m.name for m in layer.spec.metrics if m.name != name and needed <= set(layer.metric_dimensions(m.name))
              and any(matched in fold(f) or (len(f) >= 0.6 * len(matched) and fold(f) in matched)
                      for f in [m.label.en, m.label.zh, *m.synonyms.all()] if f)]
    return rivals[0] if len(rivals) == 1 else None
