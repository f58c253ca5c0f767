"""Records asked for one by one instead of their count: 'list the open POs', 'show me the open
complaints', '哪些工单还在生产', 'anything below safety stock?'. Which table (or which count's rows)."""

from __future__ import annotations

import re

from assistant.plan.query import SemanticQuery, records_table
from assistant.plan.rules.shape_words import Shapes, Span
from semantic_layer.layer import Layer

# 'show me the open complaints', 'give me all breakdowns last week': records asked for, like 'list'.
_SHOW_THE = re.compile(r"^\s*(?:please\s+|pls\s+|can you\s+|could you\s+)?(?:show|give|get|pull\s+up|bring\s+up)"
                       r"\s+(?:me\s+|us\s+)?"
                       r"(?:the\s+|all\s+|our\s+|every\s+)?", re.I)


def records_asked(query: SemanticQuery, shapes: Shapes, text: str, layer: Layer,
                  dim_words: dict[str, Span] | None = None, *, ranked: bool = False) -> str | None:
    """The table whose individual records a question asks to see ('list the open POs', '正在生产的工单清单'),
    when the reading found only their count: answering the count instead would answer another question.
    Not when the list word names a breakdown ('哪些供应商的来料被拒收': the suppliers, not the lots)."""
    # 'which plant/material combinations', '列出工厂和物料', '哪个厂的哪种料': the rows, each with both
    combos = _COMBOS.search(text) is not None or _kinds_listed(text, dim_words or {}) >= 2 \
        or len(which_asked(text, dim_words or {})) >= 2
    if len(query.metrics) != 1 or query.share or query.per or query.time_grain or (
            shapes.count is not None and not combos):  # (a 'stock count' then names the snapshot, not a count)
        return None
    if ranked:  # '故障最多的5台设备是哪些': the top members by the figure, not records
        return None
    each_one = _EACH_ONE.search(text) is not None or combos  # 'which line each one is on': each record's
    asked_first = _which_named(text, query.metrics[0], layer, first=True)  # 'which WOs …, and on which line?'
    # '…的采购单有哪些？顺便带上是哪家供应商': the records listed first, the kind asked along with each
    along = (also := _ALONG.search(text)) is not None and (_WHICH_ONES.search(text, 0, also.start()) is not None
                                                          or LIST_NOUN.search(text, 0, also.start()) is not None)
    if set(which_asked(text, dim_words or {})) & set(query.dimensions) and not (each_one and _LISTED.search(text)) \
            and not asked_first and not combos and not along:
        return None  # 'any complaints last month? which customers': how many from each of them
    which = _WHICH_ONES.search(text)
    listing = shapes.listing or (which.span() if which else None)
    # '哪些客户…', and '…的客户有哪些': the kind the list word stands beside is what is listed, not the records
    if listing and any(d in query.dimensions and (0 <= s - listing[1] <= 1 or 0 <= listing[0] - e <= 1)
                       for d, (s, e) in (dim_words or {}).items()):
        return None
    if any(f.field in layer.metrics for f in query.filters):
        return None  # 'machines with over 6 h of downtime': members ranked by a figure, not records
    asked = _which_named(text, query.metrics[0], layer) or asked_first \
        or (not query.dimensions and _WHICH_FIRST.match(text))
    explicit = listing is not None or LIST_NOUN.search(text) is not None or _ANY.search(text) is not None \
        or _COMBOS.search(text) is not None \
        or IDS_ASKED.search(text) is not None \
        or bool(asked) or (_SHOW_THE.search(text) is not None and each_one)
    if not explicit and (query.dimensions or not _SHOW_THE.search(text)):
        return None  # 'show me the complaints by customer' is their count per customer
    refs = layer.metric_measures(query.metrics[0])
    if len(refs) != 1 or refs[0].agg != "count":
        return None
    table = layer.tables[refs[0].table]
    if not table.primary_key:
        return None
    # a count that picks its rows ('below safety stock'): those rows, not all of the table's
    return query.metrics[0] if refs[0].filter or refs[0].exists else table.name


# 'anything below safety stock?', 'any open complaints?', '有没有…': whether there are such rows,
# answered with the rows themselves (their number is said too).
_ANY = re.compile(r"^\s*(?:(?:is|are)\s+(?:there\s+)?)?any(?:thing)?\b|有没有|是否有|有无", re.I)


# '- id, customer and what the issue is', '- PO number and promised date', '列单号和交期': the records' own ids
IDS_ASKED = re.compile(r"[-–—:,]\s*(?:the\s+)?(?:ids?|(?:po|order|wo|lot|batch|complaint)\s+(?:numbers?|nos?\.?|ids?))"
                        r"\b"
                        r"|(?:列|给我|带上|要)[^，,。？?]{0,4}(?:编号|单号|号码)", re.I)
_ALONG = re.compile(r"带上|附上|加上|顺便|连同|一并|\binclude\b|\balong\s+with\b", re.I)
_WHICH_ONES = re.compile(r"哪些|哪几(?:个|条|张|批|笔|次)?")  # '哪些工单还在生产': the orders themselves
_LIST_WORDS = r"清单|名单|明细|列表|\blist\b|(?:^|(?<=[，,。；;？?！!\s]))列(?:一下|出来?|个|下)?"
LIST_NOUN = re.compile(_LIST_WORDS, re.I)
_LISTED = re.compile(_LIST_WORDS + r"|\bshow\b|\bgive\b", re.I)


# 'pull up the complaints - who raised each one', '在制的工单分别在做什么产品'
_EACH_ONE = re.compile(r"\b(?:each|every)\s+one\b|\beach of (?:them|those|these)\b|分别|各自"
                       r"|\b(?:for|of|on|[a-z]+ed)\s+each\s*[.?!]?\s*$", re.I)  # '…, with the vendor for each'
_COMBOS = re.compile(r"\b(?:combinations?|combos?|pairs?|pairings?)\b|组合", re.I)
_WHICH_FIRST = re.compile(r"\s*which\b(?!\s+(?:is|was|one|of)\b)", re.I)  # 'which orders were late'


def _kinds_listed(text: str, dim_words: dict[str, Span]) -> int:
    """How many kinds are named after a list verb ('列出工厂和物料', 'list plant and material')."""
    return sum(1 for span in dim_words.values() if listed_after_verb(text, span))


def listed_after_verb(text: str, span: Span | None) -> bool:
    verb = _LIST_VERB.search(text)
    return span is not None and verb is not None and span[0] >= verb.end()


_LIST_VERB = re.compile(r"列出|列一下|\blist\b", re.I)


def _which_named(text: str, metric: str, layer: Layer, *, first: bool = False) -> bool:
    """'which lots from Hengtai were rejected': 'which' right before the records' own name asks for them.
    `first`: only when that is how the question opens ('what WOs are in progress and on which line')."""
    spec = layer.metric(metric)
    said = [spec.label.en, *spec.synonyms.en]
    if first:  # 'which open purchase orders are already overdue': the rows' own name opens the question
        tables = {m.table for m in layer.metric_measures(metric)}
        rows = layer.count_metric(next(iter(tables))) if len(tables) == 1 else None
        if rows is not None and rows != metric:
            said += [layer.metric(rows).label.en, *layer.metric(rows).synonyms.en]
    forms = sorted({f.lower() for f in said if f}, key=len, reverse=True)
    if not forms:
        return False
    names = "|".join(re.escape(f) for f in forms)
    opening, verb = (r"^\s*(?:which|what)", r"\s+(?:are|is|were|was)\b") if first else (r"\bwhich", "")
    return re.search(rf"{opening}\s+(?:of\s+(?:the|our)\s+)?(?:[a-z]+\s+)?(?:{names})\b{verb}", text) is not None


_WHICH_BEFORE = re.compile(r"(?:\bwhich|哪些|哪几?(?:个|家|台|条|位|款|种|类))\s*$", re.I)


def which_asked(text: str, dim_words: dict[str, Span]) -> list[str]:
    """The kinds asked for with 'which' beside records asked about ('any complaints last month? which
    customers'): the count for each of them, not the records one by one."""
    # ('哪几台' may itself be the kind's word: '台' counts machines)
    return [d for d, (s, _e) in dim_words.items()
            if _WHICH_BEFORE.search(text, max(0, s - 8), s) or text.startswith("哪", s)]



# '设备清单', '设备名单', 'list of machines': the list noun names the kind listed
_KIND_LISTED_ZH = re.compile(r"(?:清单|名单|列表|明细)")
_KIND_LISTED_EN = re.compile(r"\blist\s+(?:of|all|the)\s+(?:the\s+)?$|\b(?:just|only)\s+(?:the\s+)?$", re.I)
_KIND_LISTED_AFTER = re.compile(r"s?\s*(?:list|names?|ids?|numbers?)\b(?!\s+of\b)", re.I)  # 'just the customer list'


def listed_kinds(text: str, dim_words: dict[str, Span], shown: list[str]) -> list[str]:
    """The kind of thing a records list is a list of, when the list noun names it ('本周出过故障的设备清单',
    'list of the machines that broke down'): its members once each, not every record."""
    out = []
    for dim, (start, end) in dim_words.items():
        if dim in shown and (_KIND_LISTED_ZH.match(text, end) or _KIND_LISTED_EN.search(text, 0, start)
                             or _KIND_LISTED_AFTER.match(text, end)):
            out.append(dim)
    return out[:1]


def as_records(query: SemanticQuery, table: str, dim_words: dict[str, Span], text: str, layer: Layer) -> SemanticQuery:
    """The records `records_asked` found instead of their count, with the kinds named beside them."""
    named = [d for d in dim_words if d not in {f.field for f in query.filters}]  # '带上产品和产线'
    rows = records_table(layer, table)[0]  # a count that picks its rows lists its table's rows
    shown = [d for d in [*query.dimensions, *named] if layer.join_path(rows, layer.dimension(d).table)]
    heads = listed_kinds(text, dim_words, shown)  # '本周出过故障的设备清单': the machines, once each
    return query.model_copy(update={"metrics": [], "records": table, "order": [], "limit": None,
                                    "dimensions": heads or list(dict.fromkeys(shown)), "distinct": bool(heads)})
