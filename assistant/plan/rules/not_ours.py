"""Before a query is built: a name the data lacks, someone else's things, an amount or a cause no reading
placed. Each is refused or asked about; the answer is never widened to everything."""

from __future__ import annotations

from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.messages import clarify_unknown_member, refuse_unknown, unread_negation
from assistant.plan.rules.multiple_of import multiple_span
from assistant.plan.rules.proper_names import proper_name_before, which_one_named
from assistant.plan.rules.steps import Reading
from assistant.plan.rules.unknown import (
    in_preamble,
    is_ordinary,
    owns_a_term,
    qualifies_a_kind,
    unknown_member,
    unread_cause,
)
from assistant.plan.rules.unread_amounts import ask_amount, unread_amount
from assistant.plan.types import Plan, PlanContext

Span = tuple[int, int]


def not_ours(name: str, question: str, text: str, r: Reading, terms: list[Span], ctx: PlanContext) -> Plan | None:
    """A name the data lacks, or someone else's things: refused or asked about, never widened."""
    names = [w for w in r.leftover.names if not in_preamble(text, w, terms)]  # 'putting the QBR slides together -'
    # 'NB-L3 … I suspect L3 had a rough month': the end of a member's id named already is that member again
    keys = [t.member.key.lower() for _m, ts in r.parsed.values for t in ts if t.member is not None]
    names = [w for w in names if not any(k.endswith("-" + w.lower()) for k in keys)]
    unknown_name = unknown_member(question, text, names, r.parsed.dim_spans, terms, ctx.values)
    if unknown_name is not None and is_ordinary(unknown_name) and owns_a_term(text, unknown_name, terms):
        return refuse_unknown(name, ctx.layer, ctx.lang, [unknown_name])  # '竞争对手的OEE': not ours
    values = [(m.start, m.end) for m, _t in r.parsed.values]
    if (named := proper_name_before(text, r.leftover.ordinary, [*terms, *values])) is not None:  # '海天那台注塑机'
        return which_one_named(name, ctx.lang, *named)
    scene = lx.PREAMBLE.match(text)  # '董事会材料里要放：': where the answer goes, no owner of the materials
    owners = [w for w in r.leftover.ordinary if scene is None or not 0 <= text.find(w.lower()) < scene.end()]
    if (rival := qualifies_a_kind(text, owners, r.parsed.dim_spans)) is not None:
        return refuse_unknown(name, ctx.layer, ctx.lang, [rival])  # '竞争对手工厂': not our plants
    if unknown_name is not None:  # "OEE of SZ-L9-M99", "OEE for Shanghai plant": never widen the answer
        return clarify_unknown_member(name, ctx.lang, unknown_name, ctx.values, question)
    used = [*r.found.taken, *r.parsed.taken, *terms, *filter(None, [multiple_span(text, r.parsed, ctx.layer)])]
    if (amount := unread_amount(text, used)) is not None:  # 'yield hovered around 96%': never dropped
        return ask_amount(name, ctx.lang, amount)
    cause = unread_cause(text, used)  # '… because nobody was there'
    return None if cause is None else unread_negation(name, ctx.lang, cause, cause=True)
