"""Follow-ups reuse the previous SemanticQuery: "and for December?", "break it down by month",
"只看宁波,按产线拆分", "what about scrap rate?". Whatever the new question names replaces the
matching part of the previous query; everything else carries over."""

from __future__ import annotations

import re

from assistant.core.text import en_number
from assistant.plan.query import Filter, Order, SemanticQuery, records_table
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.rates import rates_over
from assistant.plan.types import Plan, PlanContext
from assistant.understand.catalogue import ValueCatalogue
from semantic_layer.layer import Layer

MOST_REFERRED = 10  # 'those' refers to a few rows one can see at a glance, not to a long table

_FURTHER = re.compile(r"^\s*再|进一步|\balso\s+(?:by|per|split|break)|\bfurther\s+(?:by|split|broken)"
                      r"|\bthen\s+(?:by|split)|\band\s+by\b", re.I)


def merge_follow_up(previous: SemanticQuery, new: SemanticQuery, *, parsed_metrics: bool, new_time: bool,
                    new_grain: bool, new_dims: bool, layer: Layer, text: str) -> SemanticQuery:
    # 'list the ones from Hanseong': the records the previous figure counted, not the figure
    metrics = [] if new.records else new.metrics if parsed_metrics else previous.metrics
    if parsed_metrics and metrics and lx.ALSO_FIGURE.search(text) and not set(metrics) <= set(previous.metrics):
        metrics = list(dict.fromkeys([*previous.metrics, *metrics]))  # 'add good output too'
    kept = [d for d in previous.dimensions if all(d in layer.metric_dimensions(m) for m in metrics)]
    # '再按产品族拆开', 'and also by shift': a further breakdown goes beside the earlier ones.
    further = _FURTHER.search(text)
    dims = (list(dict.fromkeys([*kept, *new.dimensions])) if new_dims and further
            else new.dimensions if new_dims else kept)
    # 'by customer instead', '换成按客户分': the breakdown asked replaces the earlier one, periods or kinds
    instead = _INSTEAD.search(text) is not None and not further
    if instead and new_grain and not new_dims and _BREAK_DOWN.search(text):  # not 'weekly instead' (of the total)
        dims = []
    new_fields = {f.field for f in new.filters}
    filters = [f for f in previous.filters if f.field not in new_fields
               and (f.field in layer.dimensions or f.field in metrics)]
    filters = [f for f in filters if f.field in layer.metrics
               or all(f.field in layer.metric_dimensions(m) for m in metrics)]
    if new_dims and _OTHERS.search(text):  # 'against the other Ningbo lines': every line, the named one too
        filters = [f for f in filters if f.field not in new.dimensions]
    filters += [_added_to(f, previous, text) for f in new.filters]
    filters, dims = _side_by_side(previous, filters, dims, text)
    order, limit = new.order, new.limit
    if not order and previous.order:
        renamed = []
        for o in previous.order:
            if o.field in previous.metrics and o.field not in metrics:
                renamed.append(Order(field=metrics[0], desc=o.desc))
            elif o.field in metrics or o.field in dims or o.field == (new.time_grain or previous.time_grain):
                renamed.append(o)
        order = renamed
        limit = previous.limit if renamed else None
    return SemanticQuery(
        metrics=metrics,
        dimensions=dims,
        filters=filters,
        time_range=new.time_range if new_time else previous.time_range,
        time_grain=None if _NO_GRAIN.search(text) or (instead and new_dims and not new_grain)
        else new.time_grain if new_grain else previous.time_grain,
        order=order,
        limit=limit,
        locale=new.locale,
        # 'which customers were those from?' after a list of complaints: the members those records name
        records=new.records or (previous.records if not metrics else None),
        distinct=bool(previous.records and not metrics and new_dims and dims),
        time_role=new.time_role or (previous.time_role if not parsed_metrics else None),
        # '那让步接收的批次占比呢？': a share asked now; the earlier share stays with the earlier figure
        share=[s for s in new.share or (previous.share if not any(_is_rate(m, layer) for m in metrics) else [])
               if s in dims or any(f.field == s for f in filters)],
    )


# '不用分天了', 'no need to split by day any more': the period breakdown is taken away
_NO_GRAIN = re.compile(r"不(?:用|要|必)再?(?:按|分)(?:天|日|周|月|季度|年)|(?<!分)别再?(?:按|分)(?:天|日|周|月)"
                       r"|\b(?:no\s+need\s+(?:to\s+split\s+)?|not|don'?t\s+need\s+it)\s*(?:by|per)\s+(?:day|week|month)\b"
                       r"|\b(?:drop|without)\s+the\s+(?:daily|weekly|monthly)\b", re.I)


# 'by month instead': the period said as a breakdown, in place of the earlier breakdown ('换成按周看'
# changes the grain of the same breakdown)
_OTHERS = re.compile(r"\b(?:the\s+other|all\s+the\s+other|the\s+rest\s+of\s+the|all\s+(?:four|three|five|six|\d+))\b"
                     r"|其他|其余|别的|另外几|所有的?|全部", re.I)
_BREAK_DOWN = re.compile(r"\b(?:break|broken|split)\b|拆|分|\bby\s+(?:the\s+)?(?:day|week|month|quarter|year)\b", re.I)
_INSTEAD = re.compile(r"\binstead\b|\brather\s+than\b|\bswitch(?:ed)?\s+(?:it\s+|that\s+)?(?:over\s+)?to\b"
                      r"|\bchange\s+(?:it\s+|that\s+)?to\b|换成|改成|换为|改为|改看|换个", re.I)


def _added_to(new: Filter, previous: SemanticQuery, text: str) -> Filter:
    """'add Chongqing to that too': the member named joins the ones filtered before, not instead of them."""
    old = next((f for f in previous.filters if f.field == new.field and f.op == new.op == "in"), None)
    if old is None or not _ADDED.search(text):
        return new
    return new.model_copy(update={"values": list(dict.fromkeys([*old.values, *new.values]))})


_ADDED = re.compile(r"\badd\b|\balso\b|\btoo\b|\bas well\b|\bplus\b|加上|也加|也看|再加", re.I)


def _is_rate(metric: str, layer: Layer) -> bool:
    return getattr(layer.unit(layer.metric(metric).unit), "kind", None) == "ratio"


def _side_by_side(previous: SemanticQuery, filters: list[Filter], dims: list[str],
                  text: str) -> tuple[list[Filter], list[str]]:
    """'compare that with Ningbo' after a question about Chongqing: both members, one row each
    (not Ningbo instead of Chongqing)."""
    if not lx.COMPARE_WITH.search(text):
        return filters, dims
    before = {f.field: f for f in previous.filters if f.op == "in"}
    out = []
    for f in filters:
        old = before.get(f.field)
        if f.op == "in" and old is not None and old.values != f.values:
            f = f.model_copy(update={"values": list(dict.fromkeys([*old.values, *f.values]))})
            dims = dims if f.field in dims else [*dims, f.field]
        out.append(f)
    return out, dims


def refers_to_shown(text: str, shown: dict[str, list[str]]) -> bool:
    """Whether the question points at the rows the last answer showed ('those two', 'it' of one row)."""
    if not shown:
        return False
    rows = max(len(v) for v in shown.values())
    return bool((lx.THOSE.search(text) and rows <= MOST_REFERRED) or (rows == 1 and lx.THAT_ONE.search(text)))


def refer_to_shown(query: SemanticQuery, shown: dict[str, list[str]], text: str, layer: Layer,
                   values: ValueCatalogue | None, *, ranked: bool) -> SemanticQuery:
    """'what's the MTTR on those two?', '它今年每个月的情况呢': the members the last answer showed become
    the filter (instead of its ranking, which picked them). Only for a breakdown the new metrics can
    take and the question does not name members of; 'it' only when one row was shown."""
    if values is None or not refers_to_shown(text, shown):
        return query
    named = {f.field for f in query.filters}
    filters = list(query.filters)
    for dim, labels in shown.items():
        if dim in named or dim not in layer.dimensions \
                or not all(dim in layer.metric_dimensions(m) for m in query.metrics):
            continue
        keys = [_key_of(label, dim, values) for label in labels]
        if any(k is None for k in keys):
            continue  # a shown value that names no member (a computed label): nothing safe to filter on
        filters.append(Filter(field=dim, op="in", values=[k for k in keys if k is not None]))
    if len(filters) == len(query.filters):
        return query
    update: dict[str, object] = {"filters": filters}
    if not ranked:  # the ranking chose the rows; over them, the new question asks for every row
        update.update(order=[], limit=None)
    return query.model_copy(update=update)


def _key_of(label: str, dim: str, values: ValueCatalogue) -> str | None:
    found = values.find(dim, label)
    if found is not None:
        return found.key
    keys = {m.key for m in values.lookup(label) if m.dimension == dim}
    return keys.pop() if len(keys) == 1 else None


# 'show it as a rate instead of pcs', '换成比率看': the same figures as the rate that counts them.
_AS_RATE = re.compile(r"\b(?:as|in)\s+(?:a\s+)?(?:rate|ratio|percentage|percent|%)(?!\w)"
                      r"|(?:换成|改成|用|看)(?:比率|比例|百分比|率)", re.I)


def rate_instead(previous: SemanticQuery | None, text: str, layer: Layer) -> str | None:
    """The rate whose part the previous count is, when a follow-up asks for it 'as a rate'."""
    if previous is None or len(previous.metrics) != 1 or not _AS_RATE.search(text):
        return None
    rates = rates_over(previous.metrics[0], layer, part=True)
    return rates[0] if len(rates) == 1 else None


_PER_START = re.compile(r"^\W*(?:(?:and|ok|okay|so|what about|how about|now)\W+)*(?:per|for each|for every)\b"
                        r"|^\W*(?:那|再看)?(?:平均)?每"
                        # 'now divide that by the parts we produced', '再除以产量'
                        r"|\b(?:divide|divided)\s+(?:that|it|this)\s+by\b|除以"
                        # 'what does that work out to per unit made?', 'how much is that per part'
                        r"|\b(?:that|it|this)\b[^?]{0,30}\b(?:per|for each|for every)\b"
                        r"|(?:这|那)[^？?]{0,10}(?:平均)?每", re.I)


def per_previous(previous: SemanticQuery | None, metrics: list[str], text: str, layer: Layer) -> str | None:
    """'how much energy did Chongqing use? — and per part produced?': the previous figure over the one
    named after 'per', as the layer declares it (energy per unit = kWh / output); None if it has none."""
    if previous is None or len(previous.metrics) != 1 or len(metrics) != 1 or not _PER_START.search(text):
        return None
    num, den = layer.metric_measures(previous.metrics[0]), layer.metric_measures(metrics[0])
    if len(num) != 1 or len(den) != 1:
        return None
    wanted = f"{num[0].name}/{den[0].name}"
    found = [m.name for m in layer.spec.metrics if m.expr.replace(" ", "") == wanted]
    return found[0] if len(found) == 1 else None


_WHOLE = re.compile(r"\b(?:the\s+)?(?:whole|entire|full)\s+$|(?:整个?|全)$", re.I)


# 'and for all suppliers together?', '那所有供应商各自是多少': every member of the kind, not the one filtered before
_ALL_OF = re.compile(r"(?:\ball\b|\bevery\b|所有|全部)[^,，。?？]{0,24}$", re.I)
_EACH_OF = re.compile(r"各自|分别|\beach\b|\brespectively\b|列出来|side by side", re.I)


def _all_of_kind(query: SemanticQuery, text: str, dim_words: dict[str, tuple[int, int]]) -> SemanticQuery:
    for dim, (start, _end) in dim_words.items():
        if not _ALL_OF.search(text, max(0, start - 30), start) or not any(f.field == dim for f in query.filters):
            continue
        each = _EACH_OF.search(text) is not None and dim not in query.dimensions
        query = query.model_copy(update={"filters": [f for f in query.filters if f.field != dim],
                                         "dimensions": [*query.dimensions, dim] if each else query.dimensions})
    return query


_AS_A_WHOLE = re.compile(r"\s+(?:as\s+a\s+whole|overall|in\s+total|combined|altogether)\b|\s*(?:整体|总体|合计|加总)",
                         re.I)


def _as_a_whole(query: SemanticQuery, text: str, dim_words: dict[str, tuple[int, int]],
                values: ValueCatalogue) -> SemanticQuery:
    """'only Suzhou as a whole, by week' after a figure by line: the member named, not broken down by the
    finer kind the earlier answer carried (breakdowns named now stay)."""
    for whole in _AS_A_WHOLE.finditer(text):
        before = text[:whole.start()].rstrip().lower()
        for f in query.filters:
            member = values.find(f.field, str(f.values[0])) if f.op == "in" and len(f.values) == 1 else None
            names = [n.lower() for n in (member.label_en, member.label_zh, member.key) if n] if member else []
            if names and before.endswith(tuple(names)):
                kept = [d for d in query.dimensions if d in dim_words or d == f.field]
                return query.model_copy(update={"dimensions": kept})
    return query


def widen_to_parent(query: SemanticQuery, previous: SemanticQuery | None, text: str,
                    dim_words: dict[str, tuple[int, int]], values: ValueCatalogue | None) -> SemanticQuery:
    """'output for Ningbo Line 2 — what about the whole plant?': the member the previous question
    filtered on gives way to the member of the kind named whose name it carries (Ningbo)."""
    if previous is None or values is None:
        return query
    query = _as_a_whole(_all_of_kind(query, text, dim_words), text, dim_words, values)
    for dim, (start, _end) in dim_words.items():
        if not _WHOLE.search(text[max(0, start - 12):start]):
            continue
        for f in query.filters:
            if f.field == dim or f.op != "in" or len(f.values) != 1:
                continue
            child = values.find(f.field, str(f.values[0]))
            parents = [m for m in values.of(dim) if child is not None and m.key != child.key and (
                m.label_en.lower() in child.label_en.lower() or (m.label_zh and m.label_zh in child.label_zh))]
            if len(parents) == 1:
                kept = [g for g in query.filters if g is not f and g.field != dim]
                return query.model_copy(update={
                    "filters": [*kept, Filter(field=dim, op="in", values=[parents[0].key])],
                    "dimensions": [d for d in query.dimensions if d != dim]})
    return query


def metric_instead(previous: SemanticQuery | None, metrics: list[str], text: str, layer: Layer) -> str | None:
    """The metric a follow-up turns the previous one into: 'as a rate instead', '— and per part produced?'."""
    return rate_instead(previous, text, layer) or per_previous(previous, metrics, text, layer)


def records_reach(previous: SemanticQuery | None, layer: Layer) -> set[str] | None:
    """The dimensions the previous answer's records reach ('only the closed ones' after a list of
    complaints), or None when it listed no records."""
    if previous is None or not previous.records:
        return None
    table = records_table(layer, previous.records)[0]
    return {d for d in layer.dimensions if layer.join_path(table, layer.dimension(d).table) is not None}


def members_of_records(previous: SemanticQuery | None, query: SemanticQuery, text: str,
                       layer: Layer) -> SemanticQuery | None:
    """'which customers are they for' after a list of open sales orders: the members those records name,
    under the same filters and period, not every customer there is ('list all customers' is every one)."""
    reach = records_reach(previous, layer)
    if previous is None or reach is None or query.metrics or query.records or not query.dimensions \
            or not set(query.dimensions) <= reach or _ALL.search(text):
        return None
    fields = {f.field for f in query.filters}
    return query.model_copy(update={
        "records": previous.records, "distinct": True, "time_role": previous.time_role,
        "filters": [*(f for f in previous.filters if f.field not in fields), *query.filters],
        "time_range": query.time_range or previous.time_range})


_ALL = re.compile(r"\ball\b|\bevery\b|所有|全部", re.I)


def count_of_records(previous: SemanticQuery | None, named: list[str], counting: bool, layer: Layer) -> list[str]:
    """'how many are there' after a list of records, naming no metric: the metric that counts them."""
    if named or not counting or previous is None or not previous.records:
        return []
    counted = previous.records if previous.records in layer.metrics else layer.count_metric(previous.records)
    return [counted] if counted else []


def breakdown_of_previous(early: Plan | None, previous: SemanticQuery | None, ctx: PlanContext) -> bool:
    """A list of members asked right after a figure, of members the figure can be broken down by."""
    if early is None or early.query is None or previous is None or not previous.metrics:
        return False
    q = early.query
    reach = set(ctx.layer.metric_dimensions(previous.metrics[0]))
    return not q.metrics and not q.records and bool(q.dimensions) and set(q.dimensions) <= reach


# 'give me five instead', 'make it 10', 'show me 8 then': a new count for the ranking asked before
_NEW_COUNT = re.compile(rf"^\W*(?:(?:ok(?:ay)?|and|now|actually)\W+)*"
                        rf"(?:give\s+me|show(?:\s+me)?|make\s+it|let'?s\s+see|just|only)\s+(?:the\s+)?(?:top\s+)?(?P<n>{lx._EN_NUM})\b(?:\s+(?:instead|then|please|pls))?\W*$"
                        rf"|^\W*(?P<m>{lx._EN_NUM})\s+instead\W*$", re.I)


def with_new_count(query: SemanticQuery, previous: SemanticQuery | None, text: str) -> SemanticQuery:
    """The count a follow-up gives a ranking asked before ('give me five instead' after a top 3)."""
    found = _NEW_COUNT.match(text)
    if previous is None or not previous.limit or not previous.order or found is None:
        return query
    return query.model_copy(update={"limit": en_number(found.group("n") or found.group("m"))})
