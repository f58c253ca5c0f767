"""Turn the values a question names into row filters on the dimensions its metrics allow.

Each named value picks its members, grouped by dimension; a value after "excluding" is left
out; a partial name ("line 3") is placed by the other members named, or asked about.
"""

from __future__ import annotations

from assistant.plan.query import Filter
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.vocab import Match, Term
from assistant.plan.types import PlanContext
from assistant.understand.catalogue import Member

NamedValues = list[tuple[Match, list[Term]]]  # each value match with the value terms it may mean
Chosen = dict[str, list[Member]]  # dimension -> members the question names


def member_filters(values: NamedValues, metrics: list[str], ctx: PlanContext, text: str = "", *,
                   allowed: set[str] | None = None) -> tuple[list[Filter], str | None]:
    """The filters for the named values, or ([], a question for the user) when they cannot be applied.
    `allowed` overrides the dimensions the metrics allow (a list of members has no metric)."""
    layer = ctx.layer
    if allowed is None:
        allowed = set.intersection(*(set(layer.metric_dimensions(m)) for m in metrics)) if metrics else set()
    chosen, partials, excluded = _choose_members(values, allowed, text)
    question = _place_partials(partials, chosen, ctx.lang)
    if question is not None:
        return [], question
    return _to_filters(chosen, allowed, excluded, metrics, ctx)


def _choose_members(values: NamedValues, allowed: set[str],
                    text: str) -> tuple[Chosen, list[list[Member]], set[str]]:
    """Members of full names by dimension, the options of each partial name, and the excluded member keys."""
    chosen: Chosen = {}
    partials: list[list[Member]] = []
    excluded: set[str] = set()  # member keys the question leaves out ("excluding Hamburg")
    for match, terms in values:
        if lx.EXCLUDE.search(text[max(0, match.start - 16):match.start]):
            excluded.update(t.member.key for t in terms if t.member is not None)
        fitting = [t for t in terms if t.ref in allowed] or terms
        full = [t for t in fitting if not t.partial]
        if full:
            _add_full_name(chosen, full)
        else:
            partials.append([t.member for t in fitting if t.member is not None])
    return chosen, partials, excluded


def _add_full_name(chosen: Chosen, full: list[Term]) -> None:
    """A full name's members in its first dimension: one if they are all the same member, else each."""
    dim = full[0].ref
    members = [t.member for t in full if t.ref == dim and t.member is not None]
    for member in members[:1] if len({mm.key for mm in members}) == 1 else members:
        bucket = chosen.setdefault(dim, [])
        if member not in bucket:
            bucket.append(member)


def _place_partials(partials: list[list[Member]], chosen: Chosen, lang: str) -> str | None:
    """Add each partial name's member to `chosen`; a question back when one cannot be told apart."""
    for options in partials:
        # "line 3" + "Ningbo": keep the member whose name contains a chosen member's name.
        hits = [o for o in options if any(p.label_en.lower() in o.label_en.lower() or p.label_zh in o.label_zh
                                          for ps in chosen.values() for p in ps)]
        if len(hits) == 1 or len({h.key for h in hits}) == 1:
            _replace_parents(chosen, hits[0])
        elif len(options) == 1:
            chosen.setdefault(options[0].dimension, []).append(options[0])
        else:
            names = ", ".join(o.label(lang) for o in options[:6])
            return f"请指明是哪一个：{names}？" if lang == "zh" else f"Which one do you mean: {names}?"
    return None


def _replace_parents(chosen: Chosen, member: Member) -> None:
    """'Ningbo' + 'line 3' -> 'Ningbo Line 3': the member replaces the parents its name contains."""
    parents = [d for d, ps in chosen.items() for p in ps if p.label_en.lower() in member.label_en.lower()]
    for d in parents:
        chosen.pop(d, None)
    chosen.setdefault(member.dimension, []).append(member)


def _to_filters(chosen: Chosen, allowed: set[str], excluded: set[str], metrics: list[str],
                ctx: PlanContext) -> tuple[list[Filter], str | None]:
    """An 'in' filter per dimension and a 'not in' one for excluded members; a message if a metric cannot take it."""
    layer, lang = ctx.layer, ctx.lang
    filters: list[Filter] = []
    for dim, members in chosen.items():
        if dim not in allowed:
            label = layer.dimension(dim).label.get(lang)
            names = "、".join(layer.metric(m).label.get(lang) for m in metrics)
            return [], (f"{names}不能按{label}筛选。" if lang == "zh"
                        else f"{names} cannot be filtered by {label.lower()}.")
        keep = [m.key for m in members if m.key not in excluded]
        drop = [m.key for m in members if m.key in excluded]
        if keep:
            filters.append(Filter(field=dim, op="in", values=keep))
        if drop:
            filters.append(Filter(field=dim, op="not in", values=drop))
    return filters, None
