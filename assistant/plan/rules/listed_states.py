"""A metric's word said among the states of the rows another metric counts: '成品批次目前放行、冻结、报废的各有多少批',
'batches released, on hold or scrapped': 'scrapped' there is the batches' state (a member of their own status
column), listed with its siblings, not the scrap count."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.core.text import fold
from assistant.plan.rules.vocab import Match, Term
from assistant.plan.types import PlanContext

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed

_LISTED = re.compile(r"\s*(?:、|,|，|/|和|或|或者|及|\bor\b|\band\b)\s*", re.I)


def state_listed_with_states(parsed: Parsed, text: str, ctx: PlanContext) -> None:
    """Changes `parsed` in place: the metric read from a state's word becomes that state."""
    layer, values = ctx.layer, ctx.values
    if len(parsed.metrics) != 2 or values is None:
        return
    for rows in parsed.metrics:
        tables = {m.table for m in layer.metric_measures(rows)}
        if len(tables) != 1 or layer.count_metric(table := next(iter(tables))) != rows:
            continue
        other = next(m for m in parsed.metrics if m != rows)
        span = parsed.metric_spans.get(other)
        word = parsed.matched_text.get(other, "")
        if span is None or not word:
            continue
        listed = [(m, terms) for m, terms in parsed.values if any(layer.dimension(t.ref).table == table for t in terms)
                  and (_LISTED.fullmatch(text, m.end, span[0]) or _LISTED.fullmatch(text, span[1], m.start))]
        dims = {t.ref for _m, terms in listed for t in terms if layer.dimension(t.ref).table == table}
        found = [m for d in dims for m in values.of(d)
                 if any(word in fold(f) for f in (m.label_en, m.label_zh, *m.forms))]
        if len({(m.dimension, m.key) for m in found}) != 1:
            continue
        parsed.metrics.remove(other)
        parsed.metric_spans.pop(other, None)
        term = Term("value", found[0].dimension, found[0])
        parsed.values.append((Match(span[0], span[1], text[span[0]:span[1]], [term]), [term]))
        return
