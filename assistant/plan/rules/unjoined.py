"""Two figures read in one question, and whether both are asked: 'complaints about batches produced in
October' asks one (the other is context); 'ppm … against the plant's total output' names the ratio's own
denominator; 'the shipped orders' on-time rate' names the rate's own rows; 'not the total count, just the
good ones' declines one; a figure that cannot reach the members named is no reading."""

from __future__ import annotations

import itertools
import re

from assistant.core.text import EN_CLOSED_CLASS
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.rivals import same_words_rival
from assistant.plan.rules.second_metrics import COUNT_PHRASE
from semantic_layer.layer import Layer


def drop_own_denominator(parsed: Parsed, text: str, layer: Layer) -> None:
    """'ppm for each defect type, against the plant's total output', 'defects per million parts made': the
    figure named after a ratio that is that ratio's own denominator says what it is taken over, it is
    no second question (dropped from `parsed`)."""
    for ratio in list(parsed.metrics):
        head, slash, den = layer.metric(ratio).expr.rpartition("/")
        if not slash or not head.strip():
            continue
        for other in list(parsed.metrics):
            if other == ratio or layer.metric(other).expr.strip() != den.strip():
                continue
            r_end = parsed.metric_spans.get(ratio, (0, 0))[1]
            o_start = parsed.metric_spans.get(other, (0, 0))[0]
            if 0 <= o_start - r_end <= 1 or _OVER_WHOLE.search(text, max(0, o_start - 24), o_start):
                parsed.metrics.remove(other)
                parsed.metric_spans.pop(other, None)


_SECOND_COUNT = re.compile(r"\band\s+how\s+many\b|[，,]\s*(?:其中|里面)?(?:又)?(?:有)?(?:多少|几)", re.I)


def _count_of_state_too(parsed: Parsed, text: str, layer: Layer) -> None:
    """'how many lots did Hengtai send us and how many got rejected': the state named in the second count is
    a second figure, the layer's count of those rows in that state, not a filter on the first."""
    second = _SECOND_COUNT.search(text)
    if second is None or len(parsed.metrics) != 1:
        return
    tables = {m.table for m in layer.metric_measures(parsed.metrics[0])}
    if len(tables) != 1 or layer.count_metric(next(iter(tables))) != parsed.metrics[0]:
        return
    for match, terms in list(parsed.values):
        if match.start < second.start():
            continue
        for t in terms:
            if t.member is None or t.ref not in layer.dimensions:
                continue
            said = rf"{re.escape(layer.dimension(t.ref).column)}\s*=\s*'{re.escape(str(t.member.key))}'"
            found = [m.name for m in layer.spec.metrics if (refs := layer.metric_measures(m.name)) and len(refs) == 1
                     and refs[0].table in tables and refs[0].agg == "count" and m.expr.strip() == refs[0].name
                     and refs[0].filter and re.fullmatch(said, refs[0].filter.strip())]
            if len(found) == 1:
                parsed.values.remove((match, terms))
                parsed.metrics.append(found[0])
                parsed.metric_spans[found[0]] = (match.start, match.end)
                return


_RATE_ASKED = re.compile(r"\b(?:ratio|rate|percentage|percent|share|proportion)\b|%|比例|比率|百分比|占比", re.I)


def _drop_part_of_asked_rate(parsed: Parsed, text: str, layer: Layer) -> None:
    """'lines where less than 98% of the parts made came out good? Show the ratio': with a rate asked for, a
    plain figure that is one of the terms of the rate read beside it ('parts made') is its part, not a second
    figure."""
    if len(parsed.metrics) != 2:
        return
    spans = list(parsed.metric_spans.values())
    against = any(re.match(r"(?:against|vs\.?|versus|relative\s+to)\b", parsed.matched_text.get(m, ""), re.I)
                  for m in parsed.metrics)  # 'good output … against the planned quantity': the ratio's own name
    if not against and not any(not any(a <= m.start() < b for a, b in spans) for m in _RATE_ASKED.finditer(text)):
        return
    for rate in parsed.metrics:
        if getattr(layer.unit(layer.metric(rate).unit), "kind", None) != "ratio":
            continue
        terms = set(re.findall(r"[a-z_][a-z0-9_]*", layer.metric(rate).expr))
        # a term's column named after the figure ('good_output' of the completed work orders) is it too
        terms |= {r.expr for r in layer.metric_measures(rate) if r.expr} if against else set()
        other = next(m for m in parsed.metrics if m != rate)
        if layer.metric(other).expr.strip() in terms or other in terms:
            parsed.metrics.remove(other)
            parsed.metric_spans.pop(other, None)
            return


def _drop_numerator_said_after(parsed: Parsed, text: str, layer: Layer) -> None:
    """'平均每生产一个件各耗多少度电': a figure per something named first, then its own numerator ('度电') said
    after it as what is counted per piece: one figure, the ratio."""
    if len(parsed.metrics) != 2:
        return
    for ratio in parsed.metrics:
        expr = layer.metric(ratio).expr
        other = next(m for m in parsed.metrics if m != ratio)
        start, end = parsed.metric_spans.get(other, (0, 0))[0], parsed.metric_spans.get(ratio, (0, 0))[1]
        gap = text[end:start]
        if "/" not in expr or start < end or lx.METRIC_JOINERS.search(gap) or re.search(r"[,，、]", gap):
            continue  # 'energy per unit and kWh': both asked
        if layer.metric(other).expr.strip() == expr.partition("/")[0].strip():
            parsed.metrics.remove(other)
            parsed.metric_spans.pop(other, None)
            return


def _drop_bare_whole(parsed: Parsed, text: str) -> None:
    """'defect quantity by type, each type as a share of the total pieces': a bare piece word after 'share
    of the total' is the first figure's whole, not a second figure."""
    for other in list(parsed.metrics):
        start, _end = parsed.metric_spans.get(other, (0, 0))
        if COUNT_PHRASE.fullmatch(parsed.matched_text.get(other, "")) and len(parsed.metrics) > 1 \
                and _SHARE_OF_TOTAL.search(text, max(0, start - 30), start):
            parsed.metrics.remove(other)
            parsed.metric_spans.pop(other, None)


_AUX_THEN_VERB = re.compile(r"\s+(?:(?:were|was|got|get|have\s+been|had\s+been|did\s+we|we|have\s+we)\s+)?([a-z]+ed)\b",
                            re.I)


def _drop_count_of_other(parsed: Parsed, text: str, layer: Layer) -> None:
    """'top 3 products by scrap, with how many parts were scrapped': a bare count of pieces whose verb names
    another figure read ('scrapped': the scrap count) is that figure said again, not the output."""
    for bare in list(parsed.metrics):
        said = parsed.matched_text.get(bare, "")
        verb = _AUX_THEN_VERB.match(text, parsed.metric_spans.get(bare, (0, 0))[1])
        if len(parsed.metrics) < 2 or not COUNT_PHRASE.fullmatch(said) or verb is None:
            continue
        stem = re.sub(r"(?:([b-df-hj-np-tv-z])\1)?ed$", r"\1", verb.group(1).lower())  # 'scrapped' -> 'scrap'
        if len(stem) < 4:
            continue
        for other in parsed.metrics:
            spec = layer.metric(other)
            words = {w for f in (spec.label.en, *spec.synonyms.en) for w in re.findall(r"[a-z]+", f.lower())}
            if other != bare and any(w.startswith(stem) for w in words):
                parsed.metrics.remove(bare)
                parsed.metric_spans.pop(bare, None)  # nor is its verb a state of some rows ('scrapped' batches)
                parsed.values = [(m, t) for m, t in parsed.values if not m.start <= verb.start(1) < m.end]
                return


_SHARE_OF_TOTAL = re.compile(r"\b(?:share|percentage|fraction|proportion|part)\s+of\s+(?:the\s+|all\s+)?(?:total\s+)?$"
                             r"|占(?:总|全部|所有)?$", re.I)
_OVER_WHOLE = re.compile(r"\b(?:against|relative\s+to|over|vs\.?|versus|divided\s+by)\s+(?:the\s+|its\s+|their\s+)?"
                         r"(?:[a-z]+(?:'s)?\s+){0,2}$|(?:按|相对于|除以|分母(?:是|用|为)?)[^，,。？?]{0,8}$", re.I)


def unjoined_metrics(parsed: Parsed, text: str, layer: Layer, per: tuple[int, int] | None) -> list[str]:
    """Metrics named with nothing joining them ('complaints about batches produced in October'): the
    question asks for one of them, the other is context; the options, or [] when they are joined."""
    _count_of_state_too(parsed, text, layer)
    if len(parsed.metrics) < 2 or parsed.guessed:
        return []
    _drop_scope_rows(parsed, text, layer)
    _drop_inside_rate_clause(parsed, text, layer)
    drop_own_denominator(parsed, text, layer)
    _drop_bare_whole(parsed, text)
    _drop_count_of_other(parsed, text, layer)
    _drop_part_of_asked_rate(parsed, text, layer)
    _drop_numerator_said_after(parsed, text, layer)
    # '… good parts? Not the total count, just the good ones': a figure said only to be declined
    declined = [m for m in parsed.metrics for a in _DECLINED.finditer(text)
                if a.start() <= parsed.metric_spans.get(m, (-1, -1))[0] < a.end()]
    if declined and len(declined) < len(parsed.metrics):
        for m in dict.fromkeys(declined):
            parsed.metrics.remove(m)
            parsed.metric_spans.pop(m, None)
        return unjoined_metrics(parsed, text, layer, per)
    spans = sorted((parsed.metric_spans.get(m, (0, 0)), m) for m in parsed.metrics)
    for (a, first), (b, second) in itertools.pairwise(spans):
        gap = text[a[1]:b[0]]
        words = [w for w in re.findall(r"[a-z]+|[\u4e00-\u9fff]", _blank(gap, a[1], parsed)) if w]
        listed = re.search(r"[,，]", gap) and len(words) <= 1
        divided = per is not None and a[1] <= per[0] and per[1] <= b[0]  # 'scrap divided by good parts': one figure
        asked_apart = re.search(r"[?？]", gap)  # '还剩多少？安全库存是多少？': two questions, both asked
        # 'break down Ningbo's OEE last month into availability, performance and quality': the figure and its parts
        parts = re.search(r"\binto\b|拆成|分解成|拆分成", gap) and _DECOMPOSE.search(text, 0, b[0])
        asked_apart = asked_apart or parts
        # '已发货订单的客户准时交付率', 'on-time rate of the shipped orders': the rows, then their rate
        if _OF_GAP.fullmatch(gap) and _drop_own_rows(parsed, layer, first, second, picked=True):
            return unjoined_metrics(parsed, text, layer, per)
        if _WITH.fullmatch(gap) and _drop_kindless(parsed, layer, first, second):
            return unjoined_metrics(parsed, text, layer, per)  # 'least punctual with deliveries, per vendor'
        if lx.METRIC_JOINERS.search(gap) or listed or divided or asked_apart:
            continue
        # 'parts did we scrap', 'incoming lot rejection rate': one phrase; 'complaints ... about batches': two things
        if len(words) >= 3 or any(w not in EN_CLOSED_CLASS and w.isascii() and len(w) > 2 for w in words):
            if _drop_own_rows(parsed, layer, first, second) or _drop_unreaching(parsed, layer) \
                    or _drop_rows_before_ranked(parsed, text, layer, first, second):
                return unjoined_metrics(parsed, text, layer, per)
            return [m for _, m in spans]
    return []


_DECOMPOSE = re.compile(r"\b(?:break|breaks|breaking|broken|split|splitting|decompose|decomposed)\b|拆|分解", re.I)
_DECLINED = re.compile(r"(?:^|[,;:–—.?!-])\s*(?:and\s+|but\s+)?not\s+(?:the|a|an|all|every)\b[^,.;?!]{0,30}"
                       r"|(?:不是|不要|不看)[^，,。？?；;]{1,10}[，,]\s*(?:只|就)", re.I)
_OF_GAP = re.compile(r"\s*(?:的|of\s+(?:the\s+|our\s+)?|for\s+(?:the\s+|our\s+)?)\s*", re.I)


_SCOPE_BEFORE = re.compile(r"\b(?:on|for|of|across|over|from|in)\s+"
                           r"(?:the\s+|all\s+(?:the\s+)?|our\s+|those\s+|these\s+)?(?:[a-z]+\s+){0,2}$", re.I)


def _drop_scope_rows(parsed: Parsed, text: str, layer: Layer) -> None:
    """'good output vs planned quantity on the work orders they finished': a count of rows said after 'on the'
    beside two or more other figures says which rows they are taken over; it is no third figure."""
    if len(parsed.metrics) < 3:
        return
    for rows in list(parsed.metrics):
        tables = {m.table for m in layer.metric_measures(rows)}
        start = parsed.metric_spans.get(rows, (0, 0))[0]
        colon = min((i for i in (text.find(":", start), text.find("：", start)) if i >= 0), default=-1)
        # 'work orders Ningbo closed out last month: good parts vs planned qty': the rows, then what of them
        scene = colon >= 0 and all(s > colon for m, (s, _e) in parsed.metric_spans.items() if m != rows)
        if len(tables) == 1 and layer.count_metric(tables.pop()) == rows \
                and (scene or _SCOPE_BEFORE.search(text, max(0, start - 30), start)):
            parsed.metrics.remove(rows)
            parsed.metric_spans.pop(rows, None)
            return


def _drop_inside_rate_clause(parsed: Parsed, text: str, layer: Layer) -> None:
    """'what percentage had their final shipment leave on or before the due date': a count said between the
    share word and the one rate named after it describes the rate's part; it is no figure of its own."""
    rates = [m for m in parsed.metrics if getattr(layer.unit(layer.metric(m).unit), "kind", None) == "ratio"]
    if len(rates) != 1 or len(parsed.metrics) < 2:
        return
    rate_start = parsed.metric_spans.get(rates[0], (0, 0))[0]
    for share in _RATE_ASKED.finditer(text, 0, rate_start):
        inside = [m for m in parsed.metrics if m != rates[0]
                  and share.end() <= parsed.metric_spans.get(m, (-1, -1))[0] < rate_start
                  and not lx.METRIC_JOINERS.search(text, share.end(), rate_start)
                  and all(a.agg == "count" for a in layer.metric_measures(m))]
        for m in inside:
            parsed.metrics.remove(m)
            parsed.metric_spans.pop(m, None)


_RANKED_BEFORE = re.compile(r"\b(?:the\s+)?(?:most|fewest|least|highest\s+number\s+of|lowest\s+number\s+of)\s+$"
                            r"|最多的?$|最少的?$", re.I)


def _drop_rows_before_ranked(parsed: Parsed, text: str, layer: Layer, first: str, second: str) -> bool:
    """'which plant's batches get the most complaints': rows said first (the batches, a count of a table's rows)
    and a figure right after the ranking word; the figure is ranked, the rows say where it is counted."""
    start = parsed.metric_spans.get(second, (0, 0))[0]
    rows = {m.table for m in layer.metric_measures(first)}
    if not _RANKED_BEFORE.search(text, max(0, start - 30), start) or len(rows) != 1 \
            or layer.count_metric(rows.pop()) != first:
        return False
    parsed.metrics.remove(first)
    parsed.metric_spans.pop(first, None)
    return True


_WITH = re.compile(r"\s+with\s+(?:the\s+|its\s+|their\s+|our\s+|his\s+|her\s+)?", re.I)


def _drop_kindless(parsed: Parsed, layer: Layer, first: str, second: str) -> bool:
    """'which vendor has been the least punctual with deliveries': a figure said with another by 'with' that
    cannot be broken down by a kind the question names, while the other can, says what the other is about."""
    named = set(parsed.dim_words)
    fits = {m: named <= set(layer.metric_dimensions(m)) for m in (first, second)}
    if not named or fits[first] == fits[second]:
        return False
    drop = second if fits[first] else first
    parsed.metrics.remove(drop)
    parsed.metric_spans.pop(drop, None)
    return True


def _drop_unreaching(parsed: Parsed, layer: Layer) -> bool:
    """'the lots Hengtai delivered … passed only as conditional': of two metrics, the one whose facts cannot
    reach the members named (good output: no supplier, no inspection result) is no reading (True when dropped)."""
    reachable = {m: set(layer.metric_dimensions(m)) for m in parsed.metrics}
    # members no figure can reach ('shipped' of 'the lots Minghua shipped us') decide nothing here
    telling = [terms for _m, terms in parsed.values
               if terms and any(t.ref in dims for t in terms for dims in reachable.values())]

    def reaches(metric: str) -> bool:
        return all(any(t.ref in reachable[metric] for t in terms) for terms in telling)

    keep = [m for m in parsed.metrics if reaches(m)]
    if not telling or not keep or len(keep) == len(parsed.metrics):
        return False
    for m in [m for m in parsed.metrics if m not in keep]:  # 'on-time delivery rate to customers': theirs
        other = same_words_rival(m, set(parsed.dim_words) - reachable[m], parsed.matched_text.get(m, ""), layer)
        if other is not None and other not in parsed.metrics:
            parsed.metrics[parsed.metrics.index(m)] = other
            parsed.metric_spans[other] = parsed.metric_spans.pop(m, (0, 0))
            parsed.matched_text[other] = parsed.matched_text.pop(m, "")
            return True
    for m in [m for m in parsed.metrics if m not in keep]:
        parsed.metrics.remove(m)
        parsed.metric_spans.pop(m, None)
    return True


def _drop_own_rows(parsed: Parsed, layer: Layer, first: str, second: str, *, picked: bool = False) -> bool:
    """'plan attainment for urgent work orders': the rows one metric is measured over are its subject,
    not a second question; their count is dropped (True when one was). `picked`: a count that picks
    some of those rows says which ('已发货订单的客户准时交付率': the shipped orders' on-time rate)."""
    for counted, other in ((first, second), (second, first)):
        tables = {m.table for m in layer.metric_measures(other)}
        rows = {same for t in tables for same in _same_rows(t, layer)}
        own = any(layer.count_metric(same) == counted for same in rows)
        some = picked and "/" in layer.metric(other).expr and bool(refs := layer.metric_measures(counted)) \
            and all(r.agg == "count" and r.table in rows for r in refs)
        if own or some:
            parsed.metrics.remove(counted)
            parsed.metric_spans.pop(counted, None)
            return True
    return False


def _same_rows(table: str, layer: Layer) -> list[str]:
    """Tables whose rows are the same things (a derived table keyed like its source: completed work orders)."""
    key = layer.tables[table].primary_key
    return [t.name for t in layer.spec.tables if t.name == table or (key and t.primary_key == key)]


def _blank(gap: str, offset: int, parsed: Parsed) -> str:
    """The gap with the words of named values blanked (a value between two metrics joins nothing)."""
    chars = list(gap)
    for m, _ in parsed.values:
        for i in range(max(m.start, offset), min(m.end, offset + len(gap))):
            chars[i - offset] = " "
    return "".join(chars)

