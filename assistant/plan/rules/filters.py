"""Turn the values a question names into row filters on the dimensions its metrics allow.

Each named value picks its members, grouped by dimension; a value after "excluding" is left
out; a partial name ("line 3") is placed by the other members named, or asked about; a name
several members share ("Mazak HCN-5000 #1" on three lines) is asked about too, never merged.
Questions back carry the candidates as options (assistant/plan/choices.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache

import sqlglot
from sqlglot import exp

from assistant.core.text import fold
from assistant.plan.choices import ALL, choice
from assistant.plan.query import Filter
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.vocab import Match, Term
from assistant.plan.types import PlanContext
from assistant.understand.catalogue import Member
from semantic_layer.layer import Layer

NamedValues = list[tuple[Match, list[Term]]]  # each value match with the value terms it may mean
Chosen = dict[str, list[Member]]  # dimension -> members the question names
Named = list[tuple[Match, list[Member]]]  # a name, with the members it may mean
MAX_CHOICES = 8  # options offered when a name may mean several members
# 'all', 'each', '所有', '各' right before a shared name: every member of that name is meant.
_EVERY = re.compile(r"(?:\ball|\beach|\bevery|\bboth|所有|全部|各|每)\W{0,3}(?:(?:the|of|our)\s+)*$")


@dataclass
class Stop:
    """Why the named values cannot become filters: what to tell the user, and the options to pick."""

    message: str
    choices: list[dict[str, str]] = field(default_factory=list)


def member_filters(values: NamedValues, metrics: list[str], ctx: PlanContext, question: str = "", *,
                   allowed: set[str] | None = None, grouped: Collection[str] = ()) -> tuple[list[Filter], Stop | None]:
    """The filters for the named values, or ([], what to ask the user) when they cannot be applied.
    `question` is as the planner read it (the values' spans point into it; options rewrite it);
    `allowed` overrides the dimensions the metrics allow (a list of members has no metric);
    `grouped` the breakdowns asked for (a shared name broken down by its own dimension shows every
    member apart: no need to ask)."""
    layer = ctx.layer
    if allowed is None:
        allowed = set.intersection(*(set(layer.metric_dimensions(m)) for m in metrics)) if metrics else set()
    near = _distances(layer, metrics, allowed)
    chosen, partials, excluded, shared = _choose_members(values, allowed, fold(question), grouped, near, layer,
                                                         metrics)
    shared = _narrow_shared(shared, chosen)
    stop = _place_partials(partials, chosen, ctx.lang, question, _said_before(ctx)) or \
        _ask_shared(shared, ctx, question)
    if stop is not None:
        return [], stop
    return _to_filters(chosen, allowed, excluded, metrics, ctx)


def dated_not_members(values: NamedValues, role_members: dict[str, set[str]], metrics: list[str],
                      layer: Layer) -> NamedValues:
    """The values left once a word that names a date of the metrics' own facts is read as that date
    and not as a member of a breakdown they cannot reach ('complaints received this year': the date
    the complaints came in, not purchase orders in the 'received' status)."""
    if not metrics or not role_members:
        return values
    tables = {m.table for name in metrics for m in layer.metric_measures(name)}
    reach = set.intersection(*(set(layer.metric_dimensions(m)) for m in metrics))
    dated = {d for ref, dims in role_members.items() if ref.partition(".")[0] in tables for d in dims}
    return [(m, terms) for m, terms in values
            if not all(t.ref in dated and t.ref not in reach for t in terms)]


def _distances(layer: Layer, metrics: list[str], allowed: set[str]) -> dict[str, int]:
    """How many joins each allowed dimension is from the metrics' own tables (the fewest)."""
    tables = {m.table for name in metrics for m in layer.metric_measures(name)}
    out: dict[str, int] = {}
    for dim in allowed:
        target = layer.dimension(dim).table
        paths = [p for t in tables if (p := layer.join_path(t, target)) is not None]
        out[dim] = min((len(p) for p in paths), default=99)
    return out


def _choose_members(values: NamedValues, allowed: set[str], text: str, grouped: Collection[str],
                    near: dict[str, int], layer: Layer, metrics: list[str]) -> tuple[Chosen, Named, set[str], Named]:
    """Members of full names by dimension, the options of each partial name, the excluded member
    keys, and the full names several members share (each with its members)."""
    chosen: Chosen = {}
    partials: Named = []
    shared: Named = []
    excluded: set[str] = set()  # member keys the question leaves out ("excluding Hamburg")
    for match, terms in values:
        if _aside_of_breakdown(match, terms, text, grouped) or _in_purpose_clause(match, text) \
                or _occasion_member(match, terms, text, metrics, layer):
            continue
        if lx.EXCLUDE.search(text[max(0, match.start - 16):match.start]) or lx.EXCLUDE_AFTER.search(
                text[match.end:match.end + 24]) or lx.left_out_around(text, match.start, match.end):
            excluded.update(t.member.key for t in terms if t.member is not None)
        fitting = [t for t in terms if t.ref in allowed] or terms
        # 'open complaints': the complaint's own status, not that of the work order behind its batch.
        fitting = sorted(fitting, key=lambda t: near.get(t.ref, 99))
        full = _set_or_value([t for t in fitting if not t.partial], text, match, layer)
        if not full:
            partials.append((match, [t.member for t in fitting if t.member is not None]))
            continue
        members = _full_name(full)
        one_set = len({t.group for t in full if t.ref == members[0].dimension}) == 1 and full[0].group is not None
        every = one_set or members[0].dimension in grouped or _EVERY.search(text[max(0, match.start - 24):match.start])
        if len(members) > 1 and not every:
            shared.append((match, members))
        for member in members:
            bucket = chosen.setdefault(member.dimension, [])
            if member not in bucket:
                bucket.append(member)
    return chosen, partials, excluded, shared


_BREAKDOWN_WORD = re.compile(r"\b(?:each|every|by|per|split|respectively)\b|各|每|按|分别", re.I)
# 'only cracks', '只看裂纹': a later sentence that narrows on purpose
_NARROWING = re.compile(r"\b(?:only|just|filter|exclude|excluding|except)\b|只|仅|就看|单看|除了|不含", re.I)


def _aside_of_breakdown(match: Match, terms: list[Term], text: str, grouped: Collection[str]) -> bool:
    """'11月宁波3号线各类缺陷分别出了多少件？听说裂纹特别多': a member of the breakdown asked for, said in a
    sentence of its own that does not narrow ('heard cracks are up'), comments on the answer; it does
    not filter it."""
    if not grouped or not any(t.ref in grouped for t in terms):
        return False
    ends = [m.end() for m in lx.SENTENCE_END.finditer(text)]
    start = max((e for e in ends if e <= match.start), default=0)
    stop = min((e for e in ends if e > match.start), default=len(text))
    if start == 0 and stop == len(text):
        return False  # one sentence: the member is part of the ask
    own = text[start:stop]
    if own.rstrip().endswith(("?", "？")):
        return False  # 'Do presses take longer to fix than CNCs? … for each type': the members are asked about
    # 'night crew swears their parts are as clean as the day crew's. good-to-total ratio for each shift?':
    # the breakdown is asked in another sentence than the one the member is talked about in
    asked_elsewhere = bool(_BREAKDOWN_WORD.search(text[:start] + " " + text[stop:]))
    first_sentence = start == 0
    return not _NARROWING.search(own) and (not first_sentence or (asked_elsewhere and not _BREAKDOWN_WORD.search(own)))


# ', want to know where maintenance should start', '，想看看是不是夜班的问题': why the figure is asked
_PURPOSE = re.compile(r"[,;:–—-]\s*(?:(?:i|we)\s+)?(?:want(?:ed)?\s+to\s+(?:know|see|check|understand)"
                      r"|wanna\s+(?:know|see)"
                      r"|need\s+to\s+(?:know|see|decide|figure)|trying\s+to\s+(?:see|figure|understand)"
                      r"|so\s+(?:that\s+)?(?:i|we)\s+(?:can|know)|to\s+(?:see|decide|figure\s+out)\b)"
                      r"|[，,；;]\s*(?:我)?(?:想看看|想知道|看看是不是|好决定|方便判断|想确认)", re.I)


def _in_purpose_clause(match: Match, text: str) -> bool:
    """A name in the clause that says why the figure is wanted ('want to know where maintenance should
    start') describes the reason, not the rows: the answer is not narrowed by it."""
    before = text[:match.start]
    found = list(_PURPOSE.finditer(before))
    if not found:
        return False
    rest = text[found[-1].end():match.end]
    return not lx.SENTENCE_END.search(before, found[-1].end()) and not _NARROWING.search(rest)


def _set_or_value(full: list[Term], text: str, match: Match, layer: Layer) -> list[Term]:
    """'open complaints' is the layer's set (open or investigating); 'status open', '状态为未关闭' said
    beside the dimension's own word is the one value of that name."""
    if not full or not any(t.group for t in full if t.ref == full[0].ref):
        return full
    label = layer.dimension(full[0].ref).label
    heads = [w for w in (label.en.split()[-1].lower(), label.zh[-2:]) if w]
    around = text[max(0, match.start - 12):match.end + 12]
    single = any(h in around for h in heads) and any(t.group is None for t in full if t.ref == full[0].ref)
    return [t for t in full if t.ref != full[0].ref or (t.group is None) == single]


def _full_name(full: list[Term]) -> list[Member]:
    """A full name's members in its first dimension: one if they are all the same member, else each."""
    dim = full[0].ref
    members = [t.member for t in full if t.ref == dim and t.member is not None]
    return members[:1] if len({mm.key for mm in members}) == 1 else list(dict.fromkeys(members))


def _said_before(ctx: PlanContext) -> Chosen:
    """The members the previous question filtered on: '宁波上个月的OEE' then '3号线呢' is Ningbo's line 3."""
    last = ctx.session.last_query
    if last is None or ctx.values is None:
        return {}
    found: Chosen = {}
    for f in last.filters:
        if f.op == "in":
            found[f.field] = [m for v in f.values if (m := ctx.values.find(f.field, str(v))) is not None]
    return found


def _place_partials(partials: Named, chosen: Chosen, lang: str, question: str,
                    before: Chosen | None = None) -> Stop | None:
    """Add each partial name's member to `chosen`; a question back when one cannot be told apart
    (by the members named now, else by those of the question before)."""
    for match, options in partials:
        hits: list[Member] = []
        for named in (chosen, before or {}):
            # "line 3" + "Ningbo": keep the member whose name contains a chosen member's name; 'M03' +
            # '苏州2号线': the one whose id holds the chosen member's id (SZ-L2-M03 under SZ-L2).
            hits = hits or [o for o in options if any(
                p.label_en.lower() in o.label_en.lower() or p.label_zh in o.label_zh
                or (len(p.key) > 1 and p.key.lower() in o.key.lower())
                for d, ps in named.items() if d != o.dimension for p in ps)]
        hits = hits or _like_sibling(options, chosen.get(options[0].dimension, []) if options else [])
        if len(hits) == 1 or len({h.key for h in hits}) == 1:
            _replace_parents(chosen, hits[0])
        elif len(options) == 1:
            chosen.setdefault(options[0].dimension, []).append(options[0])
        else:
            names = ", ".join(o.label(lang) for o in options[:6])
            message = f"请指明是哪一个：{names}？" if lang == "zh" else f"Which one do you mean: {names}?"
            return Stop(message, [choice(o.label(lang), _rewrite(question, match, o.label(lang)), o.key)
                                  for o in options[:MAX_CHOICES]])
    return None



def _like_sibling(options: list[Member], siblings: list[Member]) -> list[Member]:
    """'苏州1号线和2号线', 'Suzhou line 1 and line 2': the option named like a member of the same kind
    named beside it (the longest shared beginning, which only one option has), else none."""
    def shared(a: str, b: str, words: bool) -> int:
        x, y = (a.lower().split(), b.lower().split()) if words else (a, b)
        return next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), min(len(x), len(y)))

    if not siblings:
        return []
    score = {o.key: max(max(shared(o.label_en, s.label_en, True), shared(o.label_zh, s.label_zh, False))
                        for s in siblings) for o in options}
    best = max(score.values())
    top = [o for o in options if score[o.key] == best]
    return top if best > min(score.values()) and len(top) == 1 else []


def _narrow_shared(shared: Named, chosen: Chosen) -> Named:
    """'the Suzhou Haas #3': of the members sharing a name, the one whose id is built on the id of
    another member the question names (SZ-L2-M03 under plant SZ). Only when exactly one is; the
    others are dropped from the filters, and the rest of `shared` is still asked about."""
    left: Named = []
    for match, members in shared:
        dim = members[0].dimension
        others = [p.key for d, ps in chosen.items() if d != dim for p in ps]
        hits = [m for m in members if any(_id_parts(m.key)[:len(_id_parts(o))] == _id_parts(o) for o in others)]
        if len(hits) == 1:
            chosen[dim] = [c for c in chosen.get(dim, []) if c not in members or c is hits[0]]
            continue
        left.append((match, members))
    return left


def _id_parts(key: str) -> list[str]:
    return [p for p in re.split(r"[^0-9A-Za-z]+", key.lower()) if p]


def _ask_shared(shared: Named, ctx: PlanContext, question: str) -> Stop | None:
    """'Mazak HCN-5000 #1' names three members: which one? (A figure over all three would answer
    a question nobody asked; 'all Mazak HCN-5000 #1' or a breakdown by them does not ask.)"""
    if not shared:
        return None
    match, members = shared[0]
    lang = ctx.lang
    name = question[match.start:match.end]
    label = ctx.layer.dimension(members[0].dimension).label.get(lang)
    if lang == "zh":
        message = f"有 {len(members)} 个{label}都叫“{name}”，请问是哪一个？"
    else:
        message = f"'{name}' is the name of more than one {label.lower()} ({len(members)}). Which one do you mean?"
    labels = [m.label(lang) for m in members]
    choices = []
    for member, shown in zip(members[:MAX_CHOICES], labels, strict=False):
        # The member's own label when it tells it apart, else its key (a label may be the shared name).
        unique = labels.count(shown) == 1 and shown.lower() != name.lower()
        said = shown if unique else member.key
        choices.append(choice(f"{said} · {name}", _rewrite(question, match, said), member.key))
    every = "所有" if lang == "zh" else "all "  # read back by _EVERY: every member of the name, together
    choices.append(choice(f"全部 {len(members)} 个" if lang == "zh" else f"All {len(members)}",
                          _rewrite(question, match, every + name), ALL))
    return Stop(message, choices)


def _rewrite(question: str, match: Match, text: str) -> str:
    """The question with the words of `match` replaced by `text` (both in the question as read)."""
    return question[:match.start] + text + question[match.end:]


def _replace_parents(chosen: Chosen, member: Member) -> None:
    """'Ningbo' + 'line 3' -> 'Ningbo Line 3': the member replaces the parents its name contains."""
    parents = [d for d, ps in chosen.items() for p in ps if p.label_en.lower() in member.label_en.lower()]
    for d in parents:
        chosen.pop(d, None)
    chosen.setdefault(member.dimension, []).append(member)


def _to_filters(chosen: Chosen, allowed: set[str], excluded: set[str], metrics: list[str],
                ctx: PlanContext) -> tuple[list[Filter], Stop | None]:
    """An 'in' filter per dimension and a 'not in' one for excluded members; a message if a metric cannot take it."""
    layer, lang = ctx.layer, ctx.lang
    filters: list[Filter] = []
    for dim, members in chosen.items():
        if dim not in allowed and _implied(dim, members, metrics, layer):
            continue  # 'orders that we shipped … on time': the rate counts shipped orders only already
        if dim not in allowed:
            label = layer.dimension(dim).label.get(lang)
            names = ("、" if lang == "zh" else " and ").join(layer.metric(m).label.get(lang) for m in metrics)
            if not names:  # no figure was asked: say which words did not fit, and what to try
                return [], Stop(f"“{members[0].label(lang)}”（{label}）和问题里的其他内容对不上，请说明要看哪个指标。"
                                if lang == "zh" else f"'{members[0].label(lang)}' ({label.lower()}) does not fit "
                                "the rest of the question. Say which figure you want, for example the count.")
            return [], Stop(f"{names}不能按{label}筛选。" if lang == "zh"
                            else f"{names} cannot be filtered by {label.lower()}.")
        keep = [m.key for m in members if m.key not in excluded]
        drop = [m.key for m in members if m.key in excluded]
        if keep:
            filters.append(Filter(field=dim, op="in", values=keep))
        if drop:
            filters.append(Filter(field=dim, op="not in", values=drop))
    return filters, None


def _implied(dim: str, members: list[Member], metrics: list[str], layer: Layer) -> bool:
    """Every measure of every metric already keeps only these members' rows (its filter says
    `column = 'key'` for the dimension's column), so naming them changes nothing."""
    column = layer.dimension(dim).column
    wanted = {re.compile(rf"\b{re.escape(column)}\s*=\s*'{re.escape(m.key)}'") for m in members}
    return bool(metrics) and len(members) == 1 and all(
        r.filter and any(w.search(r.filter) for w in wanted) for name in metrics for r in layer.metric_measures(name))



def _occasion_member(match: Match, terms: list[Term], text: str, metrics: list[str], layer: Layer) -> bool:
    """'maintenance benchmark: mean time to repair in CQ vs NB': a member in the opening clause that the
    metric itself rules out (MTTR counts breakdowns only) names the occasion, not the rows."""
    if _speakers_team(match, terms, text):
        return True
    pre = lx.PREAMBLE.match(text)
    if pre is None or match.end > pre.end() or not terms or terms[0].member is None:
        return False
    spec = layer.dimension(terms[0].ref)
    keys = {t.member.key for t in terms if t.member is not None}
    for metric in metrics:
        for m in layer.metric_measures(metric):
            if m.table == spec.table and m.filter and spec.column:
                fixed = _equal_values(m.filter, spec.column)
                if fixed and not fixed & keys:
                    return True
    return False


def _speakers_team(match: Match, terms: list[Term], text: str) -> bool:
    """A member named in the asker's introduction by one of its other words ('maintenance' for preventive
    maintenance) is their team, not the rows asked about; its own name ('Chongqing plant mgr here') is."""
    intro = lx.SELF_INTRO.match(text)
    if intro is None or match.end > intro.end():
        return False
    said = match.text.strip().lower()
    return all(t.member is not None and said not in (t.member.label_en.lower(), t.member.label_zh, t.member.key.lower())
               for t in terms)


@lru_cache(maxsize=256)
def _equal_values(condition: str, column: str) -> frozenset[str]:
    """The values a measure's filter holds `column` to ('reason = \'breakdown\'' -> {'breakdown'})."""
    out: set[str] = set()
    for node in sqlglot.parse_one(condition, read="duckdb").find_all(exp.EQ, exp.In):
        col = node.this if isinstance(node.this, exp.Column) else None
        if col is None or col.name != column:
            continue
        found = [node.expression] if isinstance(node, exp.EQ) else list(node.expressions)
        out |= {v.this for v in found if isinstance(v, exp.Literal) and v.is_string}
    return frozenset(out)


def without_whole_kinds(filters: list[Filter], ctx: PlanContext) -> list[Filter]:
    """'planned and unplanned together': a filter naming every member of its kind picks nothing out."""
    out = []
    for f in filters:
        every = {m.key for m in ctx.values.of(f.field)} if ctx.values is not None and f.op == "in" else set()
        if not (every and set(f.values) >= every and len(every) > 1):
            out.append(f)
    return out
