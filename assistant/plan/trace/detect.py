"""Route traceability questions: `detect_trace` turns one into a TraceRequest, or says None.

The rule planner calls it first. It must take "which customers received batches made with
lot X" and "这个客诉批次用了哪些供应商的料?" and leave alone "lot rejection rate by supplier"
or "how many complaints last month". Signals, all from the layer or the catalogue:
ids (id patterns), genealogy words (node synonyms), catalogue members (Hengtai Metals,
让步接收, aluminium), plus a few language cues (trace, which, come from, 追溯, 哪些).
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left

from assistant.core.calendar import TimeRange
from assistant.core.text import fold, has_cjk
from assistant.plan.rules.shape_words import COUNT, asks_a_figure
from assistant.plan.rules.spans import Spans
from assistant.plan.trace import cues
from assistant.plan.trace.mentions import (
    Mention,
    find_ids,
    find_phrases,
    find_words,
    said_short,
    vocab_for,
)
from assistant.plan.trace.number import mention_of, start_pick
from assistant.plan.trace.parsed import ParsedQuestion as _Parsed
from assistant.plan.trace.tally import AMOUNT, find_tally
from assistant.plan.trace.targets import direction, final_target, not_the_start, target_named
from assistant.plan.types import PlanContext, TraceRequest
from assistant.understand.catalogue import naming_words
from assistant.understand.timeparse import find_time_ranges
from semantic_layer.genealogy import GenealogyGraph
from semantic_layer.layer import Layer

_EARLIEST = dt.date(1900, 1, 1)


def _time(text: str, as_of: dt.date, layer: Layer) -> tuple[TimeRange | None, tuple[int, int] | None]:
    matches = find_time_ranges(text, as_of, naming_words=naming_words(layer))
    if not matches:
        return None, None
    m = matches[0]
    start, end = m.range.start, m.range.end
    before, after = text[: m.span[0]], text[m.span[1]:]
    if cues.AFTER_EN.search(before) or (cues.AFTER_ZH.match(after) and "以来" not in m.text):
        start, end = end + dt.timedelta(days=1), as_of  # "shipped after December 1": from the 2nd
    elif cues.BEFORE_EN.search(before) or cues.BEFORE_ZH.match(after):
        start, end = _EARLIEST, start - dt.timedelta(days=1)
    if end < start:
        return None, None
    span = (m.span[0], m.span[1])
    return TimeRange(start=start, end=end), span


def _labels_id(text: str, word: Mention, ids: list[Mention], id_starts: list[int]) -> bool:
    """'lot' in 'lot LOT-1', '批次' in '追溯批次 B2025…': the word names the id that follows.
    `ids` are sorted by start, `id_starts` their starts (only the ids 0-2 characters on are looked at)."""
    near = ids[bisect_left(id_starts, word.end):bisect_left(id_starts, word.end + 3)]
    return word.kind == "node" and any(not text[word.end:m.start].strip(" :：#") for m in near)


def _parse(question: str, ctx: PlanContext) -> _Parsed:
    vocab = vocab_for(ctx.layer, ctx.values)
    text = fold(question)
    ids = find_ids(text, vocab)
    chars = list(text)
    for m in ids:  # ids blanked, so their digits are not read as a date
        chars[m.start:m.end] = " " * (m.end - m.start)
    time_range, time_span = _time("".join(chars), ctx.as_of, ctx.layer)
    blocked = [(m.start, m.end) for m in ids] + ([time_span] if time_span else [])
    id_starts = [m.start for m in ids]
    words = said_short(w for w in find_words(text, vocab, blocked) if not _labels_id(text, w, ids, id_starts))
    parsed = _Parsed(text, ids, words, time_range, time_span)
    for kind, table in (("strong", cues.STRONG), ("backward", cues.BACKWARD), ("forward", cues.FORWARD),
                        ("relation", cues.RELATION), ("which", cues.WHICH), ("who", cues.WHO),
                        ("demonstrative", cues.DEMONSTRATIVE)):
        parsed.spans[kind] = find_phrases(text, cues.phrases(table), blocked if kind != "strong" else [])
    # 'did SZ-L3 end up throwing in the scrap bin': 'end up' before a verb is no where-did-it-go
    parsed.spans["forward"] = [h for h in parsed.spans["forward"] if not _VERB_NEXT.match(text, h[1])]
    # A metric phrase counts unless it is only a genealogy word ('complaints') or leans on a
    # tracing verb ('parts made from ...' is not the output metric 'parts made').
    node_spans = Spans((w.start, w.end) for w in words if w.kind == "node")
    verbs = Spans((s, e) for k in ("strong", "relation", "backward", "forward") for s, e, _ in parsed.spans[k])
    parsed.spans["metric"] = [hit for hit in find_phrases(text, vocab.metric_forms, blocked)
                              if not node_spans.covers(hit[0], hit[1]) and not verbs.overlaps(hit[0], hit[1])]
    # Time words may sit on a genealogy word ('发货' is both): only ids and the date itself block them.
    parsed.spans["time_word"] = [(s, e, n) for s, e, f in find_phrases(text, [w for w, _ in vocab.time_words], blocked)
                                 for w, n in vocab.time_words if w == f]
    # 'Which customers received ...', 'the lot Hengtai delivered': a value spelt like a tracing or
    # dating verb is that verb here, not a status filter the other language would not add.
    said = {(s, e) for k in ("relation", "backward", "forward", "time_word") for s, e, _ in parsed.spans[k]}
    parsed.words = [w for w in parsed.words if w.kind != "member" or (w.start, w.end) not in said]
    return parsed


_VERB_NEXT = re.compile(r"\s+[a-z]{2,}ing\b", re.I)


def _attachable(ctx: PlanContext, node: str, member: Mention, graph: GenealogyGraph) -> bool:
    dim = ctx.layer.dimensions.get(member.dimension or "")
    return dim is not None and ctx.layer.join_path(graph.node(node).table, dim.table) is not None


def _choose_start(p: _Parsed, ctx: PlanContext, graph: GenealogyGraph, target: str | None,
                  members: list[Mention]) -> str | None:
    if p.ids:
        ids_not_target = [m for m in p.ids if graph.walkable(m.node or "") and m.node != target]
        walkable_ids = ids_not_target or [m for m in p.ids if graph.walkable(m.node or "")]
        if walkable_ids:
            return walkable_ids[0].node
    mentioned = list(dict.fromkeys(w.node for w in p.words if w.kind == "node" and w.node is not None
                                   and graph.walkable(w.node) and w.node != target))

    def score(node: str) -> int:
        return sum(1 for m in members if _attachable(ctx, node, m, graph))

    best = max(mentioned, key=lambda n: (score(n), -mentioned.index(n)), default=None)
    if best is not None and (score(best) or not members):
        return best
    if members:
        others = [n for n in graph.nodes if graph.walkable(n) and n != target]
        ranked = sorted(others, key=lambda n: (-score(n), graph.order[n]))
        if ranked and score(ranked[0]):
            return ranked[0]
    return best


def _assign_members(ctx: PlanContext, graph: GenealogyGraph, start: str, target: str | None, members: list[Mention],
                    mentioned: list[str], request: TraceRequest) -> None:
    """Each named value filters the first node it can describe: the start, the target, another named one."""
    for m in members:
        dim = m.dimension or ""
        if m.node == start and not request.start_ids:
            request.start_ids.append(m.value or "")  # 'Hengtai Metals' as the start itself
            continue
        for node in [start, *([target] if target else []), *mentioned]:
            if node and graph.walkable(node) and _attachable(ctx, node, m, graph):
                bucket = request.start_filters if node == start else request.node_filters.setdefault(node, {})
                values = bucket.setdefault(dim, [])
                if m.value not in values:
                    values.append(m.value)
                break


def _member_node(m: Mention, request: TraceRequest) -> str | None:
    """The node a named value was put on ('Hengtai' filters the lots), else the node of its own table."""
    if m.kind != "member":
        return m.node
    if m.node == request.start_node and m.value in request.start_ids:
        return request.start_node
    for node, dims in [(request.start_node, request.start_filters), *request.node_filters.items()]:
        if m.value in dims.get(m.dimension or "", []):
            return node
    return m.node


def _time_node(p: _Parsed, graph: GenealogyGraph, request: TraceRequest) -> str | None:
    """The node a date phrase dates: a time verb next to it ('shipped after ...'), else the nearest
    dated thing named ('恒泰金属11月那批…铝材': the lot Hengtai's name describes)."""
    if p.time_span is None:
        return None
    s0, e0 = p.time_span
    subject = _dated_by_wording(p, graph, request)
    if subject is not None:
        return subject
    clause = _clause_of(p.text, s0)
    near = [(min(abs(s - e0), abs(s0 - e)), n) for s, e, n in p.spans.get("time_word", [])
            if min(abs(s - e0), abs(s0 - e)) <= 24 and graph.node(n).time_column and _clause_of(p.text, s) == clause]
    if near:
        return min(near)[1]
    # 'the conditional Hengtai lot we took in back in November - which batches were built from it?': the
    # things named in the date's own clause first (the lot), however near a word of the next one stands
    named = [(_clause_of(p.text, w.start) != clause, min(abs(w.start - e0), abs(s0 - w.end)), _member_node(w, request))
             for w in [*p.words, *p.ids]]
    dated = [(apart, d, n) for apart, d, n in named if n and graph.walkable(n) and graph.node(n).time_column]
    return min(dated)[2] if dated else None


_CLAUSE_BREAK = re.compile(r"\s[-–—]+\s|[–—;?!。？！；，,（）()]")


def _clause_of(text: str, at: int) -> int:
    return len(_CLAUSE_BREAK.findall(text[:at]))


def _dated_by_wording(p: _Parsed, graph: GenealogyGraph, request: TraceRequest) -> str | None:
    """'the lot Hengtai Metals delivered in November': a value right before a dating verb is its
    subject, so the date is of the record that value describes (the lot), not of the verb's own
    record type (shipments); '11月那批': a date before a demonstrative dates what it points at."""
    s0, e0 = p.time_span or (0, 0)
    start = graph.node(request.start_node)
    if start.time_column and any(0 <= s - e0 <= 1 and f in cues.SINGULAR_ZH for s, _, f in p.spans["demonstrative"]):
        return start.name  # '恒泰金属11月那批…铝材': the date says which one of the things named
    for s, e, _node in p.spans.get("time_word", []):
        if min(abs(s - e0), abs(s0 - e)) > 24:
            continue
        subject = [m for m in p.words if m.kind == "member" and 0 <= s - m.end <= 1]
        node = _member_node(subject[0], request) if subject else None
        if node and node != subject[0].node and graph.walkable(node) and graph.node(node).time_column:
            return node
    return None


def detect_trace(question: str, ctx: PlanContext, *, said: str | None = None) -> TraceRequest | None:
    """A TraceRequest when `question` asks to follow material through the genealogy, else None.
    `said` is the question as typed, when the planner has already rewritten it (possessives)."""
    graph = ctx.layer.genealogy
    if graph.empty or not question or not question.strip():
        return None
    p = _parse(question, ctx)
    zh = has_cjk(question)
    node_words = [w for w in p.words if w.kind == "node"]
    members = [w for w in p.words if w.kind == "member"]
    if _a_figure(p, graph, node_words) or _its_own_records(p, ctx, graph, node_words, members):
        return None
    target = target_named(p, graph, zh)
    # "which line made batch B1?", "what products were made from lot X?": a context node asked for.
    attribute = target is not None and not graph.walkable(target)
    if not _asks_about_genealogy(p, graph, node_words, members, attribute, asked=_asked_first(p, target)):
        return None
    start = _choose_start(p, ctx, graph, target, members)
    if start is None:
        return None
    target = not_the_start(p, graph, node_words, start, target)
    if attribute and graph.walk_target(start, target) is None:
        target = None  # a context node the start cannot reach: fall back to the walkable nodes named
    request = TraceRequest(start_node=start)
    request.start_ids = list(dict.fromkeys(m.value or "" for m in p.ids if m.node == start))
    mentioned = list(dict.fromkeys(w.node for w in [*node_words, *members] if w.node))
    _assign_members(ctx, graph, start, target, members, mentioned, request)
    start_words = [w.start for w in node_words if w.node == start]  # left to right
    demonstrative = any(bisect_left(start_words, d[1]) < bisect_left(start_words, d[1] + 3)
                        for d in p.spans.get("demonstrative", []))
    if demonstrative:
        _continue_last_trace(request, ctx)
    anchored = bool(request.start_ids or request.start_filters or request.context or request.node_filters)
    if not p.ids and not anchored and not p.has("strong") and not demonstrative:
        return None  # "which customers filed complaints last month": a plain metric question
    request.target_node = final_target(p, graph, node_words, start, target)
    request.direction = direction(p, graph, start, request.target_node)
    if p.time is not None:
        request.time_range = p.time
        request.time_node = _time_node(p, graph, request)
    if not request.start_ids and request.context is None:
        _how_many(p, request, members, said or question, zh)
    request.tally = find_tally(p.text, p.words, p.spans.get("time_word", []), graph, ctx.layer, request)
    return request


def _a_figure(p: _Parsed, graph: GenealogyGraph, node_words: list[Mention]) -> bool:
    """A metric question, however many genealogy words it has."""
    if not p.ids and (not node_words or asks_a_figure(p.text)):
        return True  # "share of lots rejected per supplier", "POs delivered last month, by supplier"
    if asks_a_figure(p.text) and not any(graph.walkable(i.node) for i in p.ids if i.node):
        return True  # "what share of the breakdown minutes came from SZ-L2-M03": a machine, not material
    # "how many lots did we receive from Weida": those lots counted, nothing followed
    return not p.ids and _counts_its_own_rows(p.text, node_words)


def _its_own_records(p: _Parsed, ctx: PlanContext, graph: GenealogyGraph, node_words: list[Mention],
                     members: list[Mention]) -> bool:
    """'list conditional lots from Hengtai since Oct 1', 'Hengtai lots: how many accepted / rejected?': one
    kind of record named, every member named describes it, and no word follows it anywhere: its rows."""
    kinds = {w.node for w in node_words}
    if p.ids or len(kinds) != 1 or any(p.has(k) for k in ("strong", "backward", "forward", "who")):
        return False
    node = next(iter(kinds))
    return bool(members) and node in graph.nodes and all(_attachable(ctx, node or "", m, graph) for m in members)


def _counts_its_own_rows(text: str, node_words: list[Mention]) -> bool:
    """A count word right before the one kind of record named ('how many lots', '多少批来料'): the
    records are counted where they are; a trace names a second kind it ends at."""
    if len({w.node for w in node_words}) != 1:
        return False
    first = min(w.start for w in node_words)
    return COUNT.search(text[max(0, first - 16):first]) is not None


def _how_many(p: _Parsed, request: TraceRequest, members: list[Mention], said: str, zh: bool) -> None:
    """Whether the words name one, the latest or every start record that matches (no id given)."""
    start = request.start_node
    words = [w for w in p.words if w.kind == "node" and w.node == start]
    named = [*words, *(m for m in members if _member_node(m, request) == start)]
    text = p.text
    if p.time_span is not None:  # 'last' of 'last month' says nothing about which record
        s, e = p.time_span
        text = text[:s] + " " * (e - s) + text[e:]
    request.pick = start_pick(text, said, words, named[len(words):], p.spans.get("demonstrative", []), zh)
    request.mention = mention_of(p.text, named)


def _asks_about_genealogy(p: _Parsed, graph: GenealogyGraph, node_words: list[Mention], members: list[Mention],
                          attribute: bool, *, asked: bool = False) -> bool:
    """Whether the mentions and cues ask to follow material, rather than for a metric or one thing's status.
    `asked`: the question asks which records of a kind ('CC-00070对应的工单总共产出了哪些批次', 'which work order
    made the batch'): from an id, a metric's word there is the verb between the records, not a figure."""
    types = {w.node for w in [*node_words, *p.ids] if w.node and graph.walkable(w.node)}
    types |= {m.node for m in members if m.node and graph.walkable(m.node)}
    strong, relation = p.has("strong"), p.has("relation") or p.has("backward") or p.has("forward")
    if _metric_hits(p, attribute) and not (p.ids and (strong or relation or asked)):
        return False  # "lot rejection rate by supplier": a metric question that mentions lots
    if p.ids:
        walkable_id = any(graph.walkable(m.node or "") for m in p.ids)
        # "status of complaint CC-1" names one thing but asks nothing about its genealogy
        return strong or len(types) >= 2 or p.has("backward") or p.has("forward") or (attribute and walkable_id)
    return strong or (len(types) >= 2 and relation) or bool(attribute and relation and types)


_RANKED = re.compile(r"\b(?:most|least|highest|lowest|top|bottom|best|worst|biggest|fewest)\b|最", re.I)


def _asked_first(p: _Parsed, target: str | None) -> bool:
    """'which work order made the complained-about batch': the records asked for stand before every
    metric word, which is then their verb ('made'), not a figure asked of them."""
    if target is None or _RANKED.search(p.text):  # 'which machines had the most downtime on WO-1': a figure
        return False
    asked = [w.end for w in p.words if w.kind == "node" and w.node == target
             and any(e <= w.start for _s, e, _f in p.spans.get("which", []))]
    return bool(asked) and all(h[0] >= asked[0] for h in p.spans.get("metric", []))


def _metric_hits(p: _Parsed, attribute: bool) -> list[tuple[int, int, str]]:
    """Metric phrases in the question; with ids, a time word is no metric."""
    metric = p.spans.get("metric", [])
    verbs = p.spans.get("time_word", [])
    if p.ids:  # 'made', '产出' ('LOT-1 生产出来的成品批次'): a dating verb of the records, not the output metric
        metric = [h for h in metric if not any(h[0] < w[1] and w[0] < h[1] for w in verbs)]
    if p.has("which") and (p.has("relation") or p.has("forward")):  # '发给了哪些客户，各发了多少件': a tally
        metric = [h for h in metric if not AMOUNT.search(h[2])]
    return metric


def _continue_last_trace(request: TraceRequest, ctx: PlanContext) -> None:
    """'this lot', '那批' with nothing else to start from: continue from the previous trace."""
    last = ctx.session.last_trace if ctx.session is not None else None
    if not request.start_ids and not request.start_filters and last is not None:
        if last.start_node == request.start_node and last.start_ids:
            request.start_ids = list(last.start_ids)
        else:
            request.context = last
