"""Columns of the counted rows named without their name ('how many in each status'): breakdowns."""

from __future__ import annotations

import re

from assistant.plan.rules.occurrences import Occurrences
from assistant.plan.rules.shapes import own_breakdowns
from assistant.plan.rules.steps import Reading
from assistant.plan.types import PlanContext


def take_own_breakdowns(r: Reading, text: str, ctx: PlanContext) -> None:
    """'how many in each status': a column of the counted rows, named without their name, is a breakdown
    (of the previous question's rows in a follow-up that names none: 'break it down by status')."""
    metrics = r.parsed.metrics or (ctx.session.last_query.metrics if ctx.session.last_query else [])
    if not metrics:
        return
    found = {d: w for d, w in own_breakdowns(text, metrics, ctx.layer).items()
             if d not in r.parsed.group_by}
    if not found:
        return
    r.parsed.group_by.extend(found)
    said = [(i, i + len(w)) for w in found.values() if (i := text.find(w)) >= 0]
    first = Occurrences(text, [w.lower() for w in r.unknown]).first  # one reading of the text for all words

    def unread(word: str) -> bool:
        at = first(word.lower())
        return at < 0 or not any(s < at + len(word) and at < e for s, e in said)

    r.unknown = [w for w in r.unknown if unread(w)]
    r.leftover.breakdowns = [w for w in r.leftover.breakdowns if unread(w)]
    r.leftover.ordinary = [w for w in r.leftover.ordinary if unread(w)]
    r.leftover.names = [w for w in r.leftover.names if unread(w)]


# '几种钢材各还有多少', '每种铝材', 'each of the steel grades': the things of a kind, one by one
_KINDS_EACH = re.compile(r"(?:几|各|每|哪几)种\s*$|\beach\s+(?:of\s+the\s+)?$|\bthe\s+different\s+$", re.I)


def things_of_a_kind(r: Reading, text: str, ctx: PlanContext) -> None:
    """'宁波最新一周的库存里，几种钢材各还有多少公斤': a kind (a material type) said after 'several kinds of' is
    broken down by the things of that kind (the materials), the kind staying a filter."""
    layer = ctx.layer
    metrics = r.parsed.metrics or []
    # 'on hand vs safety stock for aluminium materials': a stock level (the last snapshot's, in each thing's own
    # unit) of the things of a kind, said by their word right after the kind, is each thing's
    snapshot = bool(metrics) and all(m.semi_additive for x in metrics for m in layer.metric_measures(x))
    for match, terms in r.parsed.values:
        if not terms:
            continue
        dim = layer.dimension(terms[0].ref)
        owner = next((d.name for d in layer.spec.dimensions if d.table == dim.table and d.name != dim.name
                      and d.key_column in layer.tables[dim.table].primary_key), None)
        said_after = owner is not None and 0 <= r.parsed.dim_words.get(owner, (-9, 0))[0] - match.end <= 1
        if not _KINDS_EACH.search(text[max(0, match.start - 12):match.start]) and not (snapshot and said_after):
            continue
        if owner and owner not in r.parsed.group_by and all(owner in layer.metric_dimensions(m) for m in metrics):
            r.parsed.group_by.append(owner)
