"""A state of rows said with a metric's word. Listed among the states of the rows another metric counts
('成品批次目前放行、冻结、报废的各有多少批', 'batches released, on hold or scrapped'): 'scrapped' there is the
batches' state (a member of their own status column), not the scrap count; so it is said right before or after
the rows ('报废掉的成品批次', '成品批次被判了报废')."""

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


_STATE_AFTER = re.compile(r"\s*(?:被|已经?|都)?\s*(?:判(?:定)?(?:为|成)?|定为|算作)?\s*(?:了)?\s*"
                          r"|\s*(?:that|which)?\s*(?:were|was|got|have\s+been|had\s+been)\s+", re.I)


def value_before_rows(parsed: Parsed, text: str, ctx: PlanContext) -> None:
    """'报废掉的成品批次', 'scrapped batches': a metric's word right before the rows another metric
    counts, that is also in the name of a value of those rows' own column ('已报废'), is that value
    (the batches whose status is scrapped), not a second figure. Changes `parsed` in place."""
    layer, values = ctx.layer, ctx.values
    if len(parsed.metrics) != 2 or values is None:
        return
    (a, first), (b, second) = sorted((parsed.metric_spans.get(m, (0, 0)), m) for m in parsed.metrics)
    if not re.fullmatch(r"\s*(?:[（(][^）)]{0,20}[）)])?\s*(?:掉|了)?的?\s*", text[a[1]:b[0]]):  # '报废（scrapped）的'
        # '哪些成品批次被判了报废', 'batches that were scrapped': the state said after the rows
        if not _STATE_AFTER.fullmatch(text, a[1], b[0]):
            return
        (a, first), (b, second) = (b, second), (a, first)
    tables = {m.table for m in layer.metric_measures(second)}
    if len(tables) != 1 or layer.count_metric(next(iter(tables))) != second:
        return
    word = parsed.matched_text.get(first, "")
    table = next(iter(tables))
    found = [m for d in layer.spec.dimensions if d.table == table for m in values.of(d.name)
             if word and any(word in fold(f) for f in (m.label_en, m.label_zh, *m.forms))]
    if len({(m.dimension, m.key) for m in found}) != 1:
        return
    parsed.metrics.remove(first)
    parsed.metric_spans.pop(first, None)
    parsed.values.append((Match(a[0], a[1], text[a[0]:a[1]], [Term("value", found[0].dimension, found[0])]),
                          [Term("value", found[0].dimension, found[0])]))
