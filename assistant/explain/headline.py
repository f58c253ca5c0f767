"""The key sentence of a metric answer, in English or Chinese: what was measured, over which
members and period (in words), then the number that matters.

One row: the figures. A ranking: its first row. A trend: the latest period and its change.
Categories: the highest and the lowest. A list: how many, counted in what one row is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from assistant.core.calendar import grain_end
from assistant.core.units import format_value
from assistant.explain.answer import Answer
from assistant.explain.sentences import counted_as, scope_line
from assistant.plan.query import PERIOD, SemanticQuery
from semantic_layer.layer import Layer
from semantic_layer.models import UnitSpec

_NO_DATA = {"en": "no data in this range", "zh": "这个范围内没有数据"}


@dataclass
class _Figures:
    """What every sentence shape needs: the first metric, its column and the key columns."""

    answer: Answer
    query: SemanticQuery
    lang: str
    label: str
    unit: UnitSpec | None
    idx: int
    keys: list[str]

    def name(self, row: list[Any]) -> str:
        return " / ".join(str(self.answer.shown(k, row[self.answer.columns.index(k)])) for k in self.keys)

    def value(self, row: list[Any]) -> str:
        return format_value(row[self.idx], self.unit, self.lang)

    @property
    def zh(self) -> bool:
        return self.lang == "zh"


def key_sentence(answer: Answer, query: SemanticQuery, layer: Layer, lang: str,
                 value_labels: dict[str, str] | None = None) -> str:
    """What was measured, over which members and period, then the number that matters:
    "OEE by plant, November 2025: Suzhou highest at 83.9%, Chongqing lowest at 78.0%."."""
    head = scope_line(query, layer, lang, value_labels)
    facts = _facts(answer, query, layer, lang)
    return f"{head}：{facts}。" if lang == "zh" else f"{head}: {facts}."


def _facts(answer: Answer, query: SemanticQuery, layer: Layer, lang: str) -> str:
    if not answer.rows:
        return _NO_DATA[lang]
    if not query.metrics:
        return _listing(answer, query, layer, lang)
    derived = query.derived_column()
    metric = derived or query.metrics[0]
    label = answer.column_labels.get(metric) or layer.metric(metric).label.get(lang)
    values = [*([derived] if derived else []), *query.metrics]  # the asked figure first
    f = _Figures(answer, query, lang, label, answer.unit_of(metric),
                 answer.columns.index(metric), [c for c in answer.columns if c not in values])
    if len(answer.rows) == 1 and not f.keys:
        return _single_row(answer, values, lang)
    valued = [r for r in answer.rows if r[f.idx] is not None]
    if not valued:
        return _NO_DATA[lang]
    ordered = next((o for o in query.order if o.field == metric), None)
    if ordered is not None:  # a ranking: the first row is the answer
        return _ranking(f, valued[0], ordered.desc)
    grain = query.time_grain or (PERIOD if query.periods else None)  # 'H1 vs H2': periods as a grain
    if not grain:
        return _spread(f, valued)
    if not query.dimensions:
        return _trend(f, valued, grain)
    return _latest_spread(f, valued, grain)


def _latest_spread(f: _Figures, valued: list[list[Any]], grain: str) -> str:
    """The latest period's best and worst member; with exactly two periods (a comparison of
    this quarter with the last), each with its change since the earlier one."""
    t = f.answer.columns.index(grain)
    periods = sorted({r[t] for r in valued})
    latest = [r for r in valued if r[t] == periods[-1]]
    f.keys = [k for k in f.keys if k != grain]
    earlier: dict[str, Any] = {}
    before = ""
    if len(periods) == 2:
        earlier = {f.name(r): r[f.idx] for r in valued if r[t] == periods[0]}
        before = str(f.answer.shown(grain, periods[0]))
    period = f.answer.shown(grain, periods[-1])
    within = f"{period}，" if f.zh else f"in {period}, "
    if len(latest) == 1:  # one member left (e.g. "only Ningbo"): no highest/lowest to speak of
        return within + _one(f, latest[0], earlier, before)
    best = max(latest, key=lambda r: r[f.idx])
    worst = min(latest, key=lambda r: r[f.idx])
    if f.zh:
        return f"{within}{f.name(best)}最高{_one(f, best, earlier, before, bare=True)}，" \
               f"{f.name(worst)}最低{_one(f, worst, earlier, before, bare=True)}"
    return f"{within}{f.name(best)} highest at {_one(f, best, earlier, before, bare=True)}, " \
           f"{f.name(worst)} lowest at {_one(f, worst, earlier, before, bare=True)}"


def _one(f: _Figures, row: list[Any], earlier: dict[str, Any], before: str, *, bare: bool = False) -> str:
    """'Ningbo 1.5%', or with bare=True just the figure; plus its change since `before` if known."""
    value = f.value(row)
    prev = earlier.get(f.name(row))
    change = ""
    if prev is not None and row[f.idx] is not None:
        words = change_words(row[f.idx], prev, f.unit, f.lang)
        if words:
            change = _versus(words, before, f.zh)
    if f.zh:
        return f"（{value}{change}）" if bare else f"{f.name(row)}为{value}{change}"
    if bare:
        return f"{value} ({change[2:]})" if change else value
    return f"{f.name(row)} {value}{change}"


def _single_row(answer: Answer, columns: list[str], lang: str) -> str:
    values = [format_value(answer.rows[0][answer.columns.index(c)], answer.unit_of(c), lang) for c in columns]
    if len(columns) == 1:  # the head already names the metric
        return values[0]
    parts = [f"{answer.column_labels.get(c, c)} {v}" for c, v in zip(columns, values, strict=True)]
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def _listing(answer: Answer, query: SemanticQuery, layer: Layer, lang: str) -> str:
    """A list of members: how many, counted in what one row is ("共 12 条")."""
    n = len(answer.rows)
    more = ("（仅列出前 {n} 项）" if lang == "zh" else " (only the first {n} listed)").format(n=n) \
        if answer.truncated else ""
    counted = counted_as(query, layer, lang)
    first = _first_by_amount(answer, query, lang)
    if first and n == 1:
        return first
    if lang == "zh":
        return f"共 {n} {counted[0] if counted else '项'}{more}" + (f"，第一为{first}" if first else "")
    return f"{n} found{more}" + (f", first {first}" if first else "")


def _first_by_amount(answer: Answer, query: SemanticQuery, lang: str) -> str:
    """'the longest single breakdown': the first record and the amount it was sorted by."""
    by = next((o.field for o in query.order if query.records and o.field in answer.columns), None)
    if by is None:
        return ""
    row = answer.rows[0]
    said = [str(answer.shown(c, v)) for c, v in zip(answer.columns, row, strict=True) if c != by and v is not None]
    value = format_value(row[answer.columns.index(by)], answer.unit_of(by), lang)
    return f"{'，'.join(said[:4])}（{value}）" if lang == "zh" else f"{', '.join(said[:4])} at {value}"


def _ranking(f: _Figures, top: list[Any], desc: bool) -> str:
    if f.zh:
        return f"{f.name(top)}{'最高' if desc else '最低'}（{f.value(top)}）"
    return f"{f.name(top)} {'highest' if desc else 'lowest'} at {f.value(top)}"


def _trend(f: _Figures, valued: list[list[Any]], grain: str) -> str:
    """The latest period and its change against the one before (not when it is cut short)."""
    column = f.answer.columns.index(grain)
    last = valued[-1]
    period = f.answer.shown(grain, last[column])
    change = ""
    if _partial_period(last[column], f.query):
        # a period cut short by the range (this week so far) is not compared like for like
        change = "（本期未满，未作比较）" if f.zh else " (period not complete, not compared)"
    elif len(valued) > 1 and valued[-2][f.idx]:
        prev = valued[-2][f.idx]
        before = f.answer.shown(grain, valued[-2][column])
        delta = change_words(last[f.idx], prev, f.unit, f.lang)
        change = _versus(delta, before, f.zh)
    if grain == PERIOD and len(valued) > 1:  # compared periods: each one's figure, the later against the earlier
        earlier, first = f.answer.shown(PERIOD, valued[-2][column]), f.value(valued[-2])
        delta = change_words(last[f.idx], valued[-2][f.idx], f.unit, f.lang) if valued[-2][f.idx] else ""
        if f.zh:
            return f"{period}为{f.value(last)}，{earlier}为{first}" + (f"（{delta}）" if delta else "")
        return f"{period} at {f.value(last)}" + (f", {delta} vs {first} in {earlier}" if delta else
                                                  f", {earlier} at {first}")
    if f.zh:
        return f"最近一期（{period}）为{f.value(last)}{change}"
    return f"latest {period} at {f.value(last)}{change}"


def _versus(words: str, before: str, zh: bool) -> str:
    if zh:
        return f"，与{before}持平" if words == "持平" else f"，较{before}{words}"
    return f", {words} vs {before}"


def change_words(now: float, before: float, unit: UnitSpec | None, lang: str) -> str:
    """A change as people read it: ratios in points ("+0.4 pp", "+0.4个百分点"), others in percent;
    a change that rounds to nothing is "unchanged", never "-0.0"."""
    if unit is not None and unit.kind == "ratio":  # ratios move in points, not percent of percent
        points = (now - before) * 100
        if round(points, 1) == 0:
            return "持平" if lang == "zh" else "unchanged"
        return f"{points:+.1f}{'个百分点' if lang == 'zh' else ' pp'}"
    if not before:
        return ""
    pct = (now - before) / abs(before) * 100
    if round(pct, 1) == 0:
        return "持平" if lang == "zh" else "unchanged"
    return f"{pct:+.1f}%"


def _spread(f: _Figures, valued: list[list[Any]]) -> str:
    best = max(valued, key=lambda r: r[f.idx])
    worst = min(valued, key=lambda r: r[f.idx])
    if len(valued) == 1:  # one member (a filter, or a scope, left one): nothing to rank
        return f"{f.name(best)}{'为' if f.zh else ' '}{f.value(best)}"
    if best[f.idx] == worst[f.idx]:  # a tie everywhere: no highest or lowest to name
        return f"{len(valued)} 项均为{f.value(best)}" if f.zh else f"all {len(valued)} at {f.value(best)}"
    if f.zh:
        return f"{f.name(best)}最高（{f.value(best)}），{f.name(worst)}最低（{f.value(worst)}）"
    return f"{f.name(best)} highest at {f.value(best)}, {f.name(worst)} lowest at {f.value(worst)}"


def _partial_period(start: Any, query: SemanticQuery) -> bool:
    """Whether the period starting at `start` runs past the end of the query's date range."""
    if query.time_range is None or not isinstance(start, dt.date) or query.time_grain is None:
        return False
    return grain_end(start, query.time_grain) > query.time_range.end
