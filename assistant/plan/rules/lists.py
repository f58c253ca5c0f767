"""Lists of members asked for instead of a figure: 'list all customers and their region', 'which machines
are on Ningbo Line 3', a period read on the records that date them ('complaint issues this year')."""

from __future__ import annotations

from assistant.plan.choices import clarify
from assistant.plan.query import SemanticQuery
from assistant.plan.rules.filters import member_filters
from assistant.plan.rules.messages import clarify_unknown_member
from assistant.plan.rules.metric_guess import guess_metric, meaningful_leftovers, not_about_kinds
from assistant.plan.rules.occurrences import Occurrences
from assistant.plan.rules.periods import resolve_times
from assistant.plan.rules.records import LIST_NOUN
from assistant.plan.rules.shapes import attribute_dimensions, attributes_asked, listed_dimensions, member_kinds
from assistant.plan.rules.steps import Reading, reachable, reading_notes
from assistant.plan.rules.unknown import in_preamble
from assistant.plan.types import Plan, PlanContext
from semantic_layer.layer import Layer


def list_plan(planner: str, r: Reading, text: str, ctx: PlanContext) -> Plan | None:
    """'list all customers and their region', 'which machines are on Ningbo Line 3': members, no metric
    (and no left-over words that describe one)."""
    parsed, layer = r.parsed, ctx.layer
    if r.shapes.share or r.shapes.per or r.shapes.average:  # "各客户的按期交货比例分别是": a figure is asked
        return None
    dims = listed_dimensions(parsed, r.shapes, [], layer=layer) or member_kinds(parsed, r.shapes, layer) \
        or listed_dimensions(parsed, r.shapes, [], every=True)  # kinds that only filter, if nothing else
    attributes = attribute_dimensions(text, dims, layer) if dims else {}
    dims = _with_owners([*dims, *attributes], set(parsed.dim_words), layer)
    valued = [t.ref for _, terms in parsed.values for t in terms[:1]]
    base = (layer.list_table(dims, valued) or layer.list_table(dims)) if dims else None
    if base is None:
        return None
    names = [w for w in r.leftover.names if not in_preamble(text, w, parsed.dim_spans)]
    if names:  # '我们殴洲的客户': a name the data lacks picks some of them; listing all answers nothing
        return clarify_unknown_member(planner, ctx.lang, names[0], ctx.values, r.question)
    said = [(i, i + len(a)) for a in attributes.values() if (i := text.find(a)) >= 0]
    first = Occurrences(text, [w.lower() for w in r.unknown]).first if said else text.find
    unknown = [w for w in r.unknown if not any(s < i + len(w) and i < e for s, e in said
                                               if (i := first(w.lower())) >= 0)]
    # a word the layer says only inside one figure's phrases ('sit' of 'sitting in stores') names no figure
    words = meaningful_leftovers(not_about_kinds([w for w in r.leftover.words if w in unknown], dims, layer), layer)
    # 'product list only': a list asked in so many words is no figure, whatever verb came before
    guess = guess_metric(words, layer, reachable(parsed, layer)) if words and not LIST_NOUN.search(text) else None
    if guess is not None and (guess.metric or guess.worth_asking):
        return None
    allowed = {d for d in layer.dimensions if layer.join_path(base, layer.dimension(d).table) is not None}
    filters, problem = member_filters(parsed.values, [], ctx, r.question, allowed=allowed, grouped=dims)
    if problem:
        return clarify(planner, problem.message, problem.choices, not_understood=unknown)
    asked = attributes_asked(attributes, parsed, text)  # 'outside China, and in which country?'
    listed = [d for d in dims if d not in {f.field for f in filters} or d in asked] or dims
    period = resolve_times(r.found.times, None)[0]
    if period is not None and not layer.tables[layer.list_table(listed, [f.field for f in filters])
                                               or base].time_column:
        return None  # 'suppliers last month': members have no dates; a figure over records may answer it
    query = SemanticQuery(dimensions=listed, filters=filters, time_range=period,
                          locale="zh" if ctx.lang == "zh" else "en")
    return Plan(kind="query", planner=planner, query=query, not_understood=unknown,
                notes=reading_notes(parsed.corrections, [], ctx), confidence=0.6 if unknown else 0.9)


def _with_owners(dims: list[str], said: set[str], layer: Layer) -> list[str]:
    """'the electrical products and their SKUs': an attribute listed is shown beside the thing it belongs to
    (the kind keyed by its table's primary key, named too), which goes first."""
    out = list(dims)
    for d in dims:
        spec = layer.dimension(d)
        key = layer.tables[spec.table].primary_key or []
        owner = next((o.name for o in layer.spec.dimensions if o.table == spec.table and o.name != d
                      and o.key_column in key), None)
        if owner is not None and owner in said and spec.key_column not in key and owner not in out:
            out.insert(out.index(d), owner)
    return out
