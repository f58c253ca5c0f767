"""The form of the answer said on its own ('… Ratio per line.', '…，给我达成的百分比'): of several figures
named, the one ratio is asked; the counts named before are its terms, said in words."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed
    from semantic_layer.layer import Layer

_FORM = re.compile(r"\b(?:ratio|percentage|proportion)\b|百分比|比例|比率", re.I)
_BREAK = re.compile(r"[,，;；。.?？!！:：]")


def ratio_form_asked(out: Parsed, layer: Layer, text: str) -> None:
    if len(out.metrics) < 2:
        return
    ratios = [m for m in out.metrics if layer.metric(m).unit == "ratio"]
    if len(ratios) != 1:
        return
    others = [out.metric_spans.get(m) for m in out.metrics if m not in ratios]
    for form in _FORM.finditer(text):
        start = max((b.end() for b in _BREAK.finditer(text, 0, form.start())), default=0)
        stop = next((b.start() for b in _BREAK.finditer(text, form.end())), len(text))
        if any(span is None or (span[0] < stop and start < span[1]) for span in others):
            continue  # 'good output and the scrap ratio': a figure in the form's own clause is asked too
        out.metrics[:] = ratios
        out.metric_spans = {m: s for m, s in out.metric_spans.items() if m in ratios}
        return
