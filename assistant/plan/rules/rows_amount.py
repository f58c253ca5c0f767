"""The amount of the rows a question names: 'total qty of finished batches produced yesterday' is their
quantity (the one plain sum over their table), not how many batches; 'how many batches and how many
pieces' asks both; pieces of another act ('成品批次，一共发出去多少件') are asked about."""

from __future__ import annotations

import re
from itertools import pairwise

from assistant.core.text import has_cjk
from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.metric_choice import plain_total
from assistant.plan.rules.second_metrics import COUNT_PHRASE
from semantic_layer.layer import Layer

_AUXILIARY = re.compile(r"\s*(?:(?:were|was|are|is|got|have been|had been)\s+)?")
_AMOUNT_OF = re.compile(r"\b(?:qty|quantity|quantities|volume|amount|units|pieces|pcs)\s+(?:of|in|on)\s+"
                        r"(?:the\s+|our\s+|all\s+)?$", re.I)
_AMOUNT_AFTER = re.compile(r"\s*的?(?:总数量|数量合计|总件数|总量|合计数量)")  # '成品批次总数量': their quantity
# '交期在上个月的销售订单，总数量是多少', 'sales orders due last month - total quantity?': said later in the question
_AMOUNT_LATER = re.compile(r"(?:总数量|数量合计|合计数量|多少数量)|\btotal\s+(?:qty|quantity|quantities)\b", re.I)
_PIECES_ASKED = re.compile(r"\bhow\s+many\s+(?:units|pieces|pcs|parts)\b|(?:多少|几)件|总件数|件数", re.I)
# between the rows and their pieces: a clause break, 'in total', a dating verb and its period, '一共' - no other act
_ROWS_PIECES_GAP = re.compile(r"[^\u4e00-\u9fff]*|[\s，,：:；;]*(?:一共|总共|合计|共计|总计|共|加起来)?"
                              r"(?:总数量|总件数|总量|数量)?(?:有|是)?\s*"
                              # '，按QC状态把件数汇总': a breakdown said on the way
                              r"|[\s，,：:；;]*按[A-Za-z\u4e00-\u9fff]{1,8}?把\s*")
_OTHER_COUNT = re.compile(r"\bhow\s+many\s+(?!units|pieces|pcs|parts)[a-z]+|(?:多少|几)[个批条张]", re.I)
_ROWS_COUNTED = re.compile(r"\bhow\s+many\s+(?:of\s+(?:the\s+)?)?$|(?:多少|几)[个批条张]?$", re.I)


def amount_of_rows(parsed: Parsed, text: str, layer: Layer) -> None:
    """'total qty of finished batches produced yesterday': the amount of the rows named is the one
    plain sum over their table (batch quantity), not their count; a participle right after the rows
    ('produced') says which rows, it names no second figure. Changes `parsed` in place."""
    spans = sorted((parsed.metric_spans.get(m, (0, 0)), m) for m in parsed.metrics)
    for (a, _), (b, second) in pairwise(spans):
        word = parsed.matched_text.get(second, "")
        gap = text[a[1]:b[0]]
        if re.fullmatch(r"[a-z]+ed", word) and _AUXILIARY.fullmatch(gap):
            parsed.metrics.remove(second)
            parsed.metric_spans.pop(second, None)
    _piece_word_of_rows(parsed, layer, text)
    if len(parsed.metrics) != 1:
        return
    count = parsed.metrics[0]
    at = parsed.metric_spans.get(count, (0, 0))[0]
    tables = {m.table for m in layer.metric_measures(count)}
    end = parsed.metric_spans.get(count, (0, 0))[1]
    # 'finished batches produced yesterday: how many pieces in total?': pieces asked of the rows named
    pieces = _PIECES_ASKED.search(text, end)
    if pieces and any(0 <= m.start - pieces.end() <= 2 for m, _t in parsed.values):
        pieces = None  # '这几个工单一共查出多少件裂纹': pieces of the named kind (cracks), not the rows'
    if pieces and not _ROWS_PIECES_GAP.fullmatch(text[end:pieces.start()]):
        pieces = None  # '11月生产的成品批次，一共发出去多少件': another act's pieces (shipped), not the rows' own
    if len(tables) != 1 or layer.count_metric(next(iter(tables))) != count or not (
            _AMOUNT_OF.search(text[:at]) or _AMOUNT_AFTER.match(text, end) or pieces
            or _AMOUNT_LATER.search(text, end)):
        return
    sums = [m.name for m in layer.spec.metrics if plain_total(layer, m.name)
            and {r.table for r in layer.metric_measures(m.name)} == tables]
    if len(sums) != 1:
        return
    if pieces and (_ROWS_COUNTED.search(text[:at]) or _OTHER_COUNT.search(text, end, pieces.start())):
        # 'how many batches and how many pieces': both figures
        parsed.metrics.append(sums[0])
        parsed.metric_spans[sums[0]] = pieces.span()
        return
    parsed.metrics[0] = sums[0]
    parsed.metric_spans[sums[0]] = parsed.metric_spans.pop(count, (at, at))


def _piece_word_of_rows(parsed: Parsed, layer: Layer, text: str) -> None:
    """'how many finished batches … and how many pieces was that': a bare piece word after a count of rows
    asks the rows' pieces (settled above), not the figure the word alone names (output)."""
    if len(parsed.metrics) != 2:
        return
    bare = [m for m in parsed.metrics if COUNT_PHRASE.fullmatch(parsed.matched_text.get(m, ""))]
    rows = [m for m in parsed.metrics if m not in bare]
    if len(bare) != 1 or len(rows) != 1:
        return
    said_start, said_end = parsed.metric_spans.get(bare[0], (0, 0))
    if any(0 <= m.start - said_end <= 2 for m, _t in parsed.values):
        return  # '多少件裂纹': the pieces are of what follows
    rows_end = parsed.metric_spans.get(rows[0], (0, 0))[1]
    if has_cjk(text[rows_end:said_start]) and not _ROWS_PIECES_GAP.fullmatch(text[rows_end:said_start]):
        return  # '成品批次，一共发出去多少件': pieces of another act, asked about
    tables = {r.table for r in layer.metric_measures(rows[0])}
    if len(tables) == 1 and layer.count_metric(next(iter(tables))) == rows[0] \
            and parsed.metric_spans.get(rows[0], (0, 0))[1] <= parsed.metric_spans.get(bare[0], (0, 0))[0]:
        parsed.metrics.remove(bare[0])
        parsed.metric_spans.pop(bare[0], None)
