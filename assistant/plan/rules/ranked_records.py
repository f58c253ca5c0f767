"""The longest, biggest or smallest single records: 'the longest single breakdown this month', 'the 5
biggest orders', '本月最长的一次停机'. A superlative said of the records themselves (not of members
ranked by a total) lists those records sorted by the amount each one carries (an event's minutes, an
order's quantity), as many as asked: answering a count or an average would answer another question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.plan.query import Order, SemanticQuery, records_table, row_amount
from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.steps import Reading
from semantic_layer.layer import Layer

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                 "八": 8, "九": 9, "十": 10}
_EN = re.compile(r"\b(?:(?P<n>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten)\s+|(?P<single0>single)\s+)?"
                 r"(?P<adj>longest|shortest|biggest|largest|smallest|heaviest|lightest)\s+"
                 r"(?:(?P<single>single|one|individual)\s+)?", re.I)
_ZH = re.compile(r"(?P<adj>最长|最久|最短|最大|最小)的?\s*(?P<n>\d{1,3}|[一两二三四五六七八九十]|那)"
                 r"(?P<mw>[\u4e00-\u9fff])")
_TIME = {"longest", "shortest", "最长", "最久", "最短"}
_ASCENDING = {"shortest", "smallest", "lightest", "最短", "最小"}
_PLURAL_LIMIT = 10  # 'the longest breakdowns': a short list, sorted


@dataclass(frozen=True)
class _Said:
    adj: str
    limit: int
    start: int
    end: int
    word: str = ""  # the Chinese measure word ('次' of '最长的一次')


def _superlative(text: str, layer: Layer) -> _Said | None:
    words = {t.measure_word for t in layer.tables.values() if t.measure_word} | {"次", "笔", "单", "张"}
    for m in _ZH.finditer(text):
        if m.group("mw") in words:
            n = m.group("n")
            return _Said(m.group("adj"), 1 if n == "那" else int(n) if n.isdigit() else _NUMBER_WORDS[n],
                         m.start(), m.end(), m.group("mw"))
    en = _EN.search(text)
    if en is None:
        return None
    n = (en.group("n") or "").lower()
    limit = int(n) if n.isdigit() else _NUMBER_WORDS.get(n, 0)
    single = en.group("single") or en.group("single0")
    return _Said(en.group("adj").lower(), limit or (1 if single else 0), en.start(), en.end())


def _records_named(parsed: Parsed, said: _Said, text: str, layer: Layer) -> tuple[str, bool] | None:
    """The count whose records the words right after the superlative name (a count metric, or a member of
    a kind recorded on a fact with a key: 'breakdown' of the downtime reasons), and whether said in the
    plural. In Chinese the thing may stand before ('停机时间最长的一次')."""
    spans: list[tuple[int, int, str]] = [(s, e, m) for m, (s, e) in parsed.metric_spans.items()
                                         if (refs := layer.metric_measures(m)) and len(refs) == 1
                                         and refs[0].agg == "count" and records_table(layer, m)[1] is not None]
    for match, terms in parsed.values:
        table = layer.dimension(terms[0].ref).table if terms and terms[0].ref in layer.dimensions else None
        count = layer.count_metric(table) if table else None
        if count is not None and layer.tables[table].primary_key:  # type: ignore[index]
            spans.append((match.start, match.end, count))
    after = [(s, e, c) for s, e, c in spans if 0 <= s - said.end <= 16
             and len(re.findall(r"[A-Za-z]+", text[said.end:s])) <= 1]
    before = [(s, e, c) for s, e, c in spans if not text[said.start:said.end].isascii()
              and 0 <= said.start - e <= 8]
    found = sorted(after)[:1] or sorted(before, reverse=True)[:1]
    if not found:  # '停机时间最长的三次': the one table of the figures read counted with that measure word
        tables = {r.table for m in parsed.metrics for r in layer.metric_measures(m)
                  if said.word and layer.tables[r.table].measure_word == said.word
                  and layer.tables[r.table].primary_key}
        count = layer.count_metric(tables.pop()) if len(tables) == 1 else None
        return (count, False) if count else None
    s, e, count = found[0]
    own = layer.tables[records_table(layer, count)[0]].measure_word
    if said.word and said.word != (own or said.word):
        return None  # '停机最长的3台设备': the machines (台) ranked by a total, not 3 stoppages (次)
    return count, text[s:e].isascii() and text[s:e].rstrip().lower().endswith("s")


def _amount(records: str, adj: str, layer: Layer) -> str | None:
    """The one amount each record carries that the adjective measures (time for 'longest')."""
    fits = []
    for spec in layer.spec.metrics:
        m = row_amount(layer, records, spec.name)
        if m is None or m.filter or m.exists:
            continue
        timed = getattr(layer.unit(spec.unit), "kind", None) == "duration"
        if timed == (adj in _TIME):
            fits.append(spec.name)
    return fits[0] if len(fits) == 1 else None


def ranked_records(query: SemanticQuery, parsed: Parsed, text: str, layer: Layer) -> SemanticQuery | None:
    """The records sorted by their own amount, when a superlative is said of them; else None."""
    if query.share or query.per or query.periods or query.records or query.time_grain \
            or any(f.field in layer.metrics for f in query.filters):
        return None
    said = _superlative(text, layer)
    named = _records_named(parsed, said, text, layer) if said is not None else None
    if said is None or named is None:
        return None
    records, plural = named
    amount = _amount(records, said.adj, layer)
    if amount is None:
        return None
    table = records_table(layer, records)[0]
    dims = [d for d in query.dimensions if layer.join_path(table, layer.dimension(d).table)]
    return query.model_copy(update={
        "metrics": [], "records": records, "dimensions": dims, "distinct": False, "average_over": None,
        "order": [Order(field=amount, desc=said.adj not in _ASCENDING)],
        "limit": said.limit or (_PLURAL_LIMIT if plural else 1)})


def records_to_rank(r: Reading, text: str, layer: Layer) -> None:
    """'what was the single longest breakdown this month': with no figure named, the records the superlative
    is said of are what is read (their count, which `ranked_records` then lists); 'single' is read too."""
    said = _superlative(text, layer)
    named = _records_named(r.parsed, said, text, layer) if said is not None else None
    if said is None or named is None or _amount(named[0], said.adj, layer) is None:
        return
    if not r.parsed.metrics:
        r.parsed.metrics.append(named[0])
        r.parsed.metric_spans[named[0]] = (said.start, said.end)
    words = {"single", "individual", "one"}
    r.unknown = [w for w in r.unknown if w.lower() not in words]
    r.leftover.ordinary = [w for w in r.leftover.ordinary if w.lower() not in words]
    r.leftover.names = [w for w in r.leftover.names if w.lower() not in words]
