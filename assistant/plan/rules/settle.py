"""An ambiguous metric word settled by the members and breakdowns named: '准时交付率' of 'Weida' is the
suppliers' rate, of 'by customer' the customers'."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.core.text import is_common_word
from semantic_layer.layer import Layer

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed


def _takes_most(options: list[str], out: Parsed, layer: Layer) -> list[str]:
    """The one option that takes more of the named members than any other, else none; a member named by
    a name ('Weida') weighs more than one named by an everyday word ('electronics')."""
    weight: dict[str, int] = {}
    for m, terms in out.values:
        for t in terms:
            weight[t.ref] = max(weight.get(t.ref, 0), 1 if is_common_word(m.text.strip()) else 2)
    counts = sorted(((sum(w for d, w in weight.items() if d in layer.metric_dimensions(m)), m) for m in options),
                    reverse=True)
    return [counts[0][1]] if counts and counts[0][0] > 0 and (len(counts) == 1 or counts[1][0] < counts[0][0]) else []


def settle_by_members(out: Parsed, layer: Layer) -> None:
    """'准时交付率' is the suppliers' or the customers' rate: the one the named members and
    breakdowns can reach ('Weida', 'by supplier') when only one can; else it stays asked about."""
    dims = set(out.group_by) | {t.ref for _, terms in out.values for t in terms}
    if not dims:
        return
    for opts, (start, end, said) in zip(list(out.ambiguous_metrics), list(out.ambiguous_spans), strict=False):
        fitting = [m for m in opts if dims <= set(layer.metric_dimensions(m))] or \
            [m for m in opts if set(out.group_by) and set(out.group_by) <= set(layer.metric_dimensions(m))] or \
            _takes_most(opts, out, layer)  # 'Weida vs Kessler … both electronics vendors': the suppliers' rate
        if len(fitting) == 1 and fitting[0] not in out.metrics:
            out.metrics.append(fitting[0])
            out.metric_spans[fitting[0]] = (start, end)
            out.matched_text[fitting[0]] = said
