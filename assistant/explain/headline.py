"""The key sentence of a metric answer: the number that matters, in English or Chinese.

One row: the figures. A ranking: its first row. A trend: the latest period and its change.
Categories: the highest and the lowest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from assistant.core.calendar import grain_end
from assistant.core.units import format_value
from assistant.explain.answer import Answer
from assistant.plan.query import SemanticQuery
from semantic_layer.layer import Layer
from semantic_layer.models import UnitSpec

_NO_DATA = {"en": "No data in this range.", "zh": "这个范围内没有数据。"}


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
        return " / ".join(str(row[self.answer.columns.index(k)]) for k in self.keys)

    def value(self, row: list[Any]) -> str:
        return format_value(row[self.idx], self.unit, self.lang)

    @property
    def zh(self) -> bool:
        return self.lang == "zh"


def key_sentence(answer: Answer, query: SemanticQuery, layer: Layer, lang: str) -> str:
    """A short sentence with the number that matters."""
    if not answer.rows:
        return _NO_DATA[lang]
    if not query.metrics:
        return _listing(answer, lang)
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
    if query.time_grain and query.dimensions:  # latest period, its best and worst category
        t = answer.columns.index(query.time_grain)
        latest = max(r[t] for r in valued)
        valued = [r for r in valued if r[t] == latest]
        f.keys = [k for k in f.keys if k != query.time_grain]
    elif query.time_grain:
        return _trend(f, valued)
    if len(valued) == 1:  # one member left (e.g. "only Ningbo"): no highest/lowest to speak of
        row = valued[0]
        return f"{f.name(row)}：{f.label} {f.value(row)}。" if f.zh else f"{f.name(row)}: {f.label} {f.value(row)}."
    return _spread(f, valued)


def _single_row(answer: Answer, columns: list[str], lang: str) -> str:
    parts = []
    for c in columns:
        value = format_value(answer.rows[0][answer.columns.index(c)], answer.unit_of(c), lang)
        parts.append(f"{answer.column_labels.get(c, c)}: {value}")
    return ("；".join(parts) + "。") if lang == "zh" else "; ".join(parts) + "."


def _listing(answer: Answer, lang: str) -> str:
    """A list of members: how many, and of what."""
    what = "、".join(answer.column_labels.get(c, c) for c in answer.columns) if lang == "zh" \
        else ", ".join(answer.column_labels.get(c, c).lower() for c in answer.columns)
    n = len(answer.rows)
    return f"共 {n} 项（{what}）。" if lang == "zh" else f"{n} row{'s' if n != 1 else ''}: {what}."


def _ranking(f: _Figures, top: list[Any], desc: bool) -> str:
    if f.zh:
        return f"{f.label}{'最高' if desc else '最低'}：{f.name(top)}（{f.value(top)}）。"
    return f"{'Highest' if desc else 'Lowest'} {f.label}: {f.name(top)} ({f.value(top)})."


def _trend(f: _Figures, valued: list[list[Any]]) -> str:
    """The latest period and its change against the one before (not when it is cut short)."""
    grain = f.query.time_grain or ""
    last = valued[-1]
    change = ""
    if _partial_period(last[f.answer.columns.index(grain)], f.query):
        # a period cut short by the range (this week so far) is not compared like for like
        change = "（本期未满，未作比较）" if f.zh else " (period not complete, not compared)"
    elif len(valued) > 1 and valued[-2][f.idx]:
        prev = valued[-2][f.idx]
        if f.unit is not None and f.unit.kind == "ratio":  # ratios move in points, not percent of percent
            delta = f"{(last[f.idx] - prev) * 100:+.1f} pp"
        else:
            delta = f"{(last[f.idx] - prev) / abs(prev) * 100:+.1f}%"
        change = f"，较上一期 {delta}" if f.zh else f", {delta} vs {f.name(valued[-2])}"
    if f.zh:
        return f"最近一期（{f.name(last)}）{f.label}：{f.value(last)}{change}。"
    return f"Latest {grain} ({f.name(last)}): {f.label} {f.value(last)}{change}."


def _spread(f: _Figures, valued: list[list[Any]]) -> str:
    best = max(valued, key=lambda r: r[f.idx])
    worst = min(valued, key=lambda r: r[f.idx])
    label = f.label
    if f.query.time_grain:
        period = str(valued[0][f.answer.columns.index(f.query.time_grain)])
        label = f"{label}（{period}）" if f.zh else f"{label} ({period})"
    if f.zh:
        return f"{label}最高：{f.name(best)}（{f.value(best)}）；最低：{f.name(worst)}（{f.value(worst)}）。"
    return f"Highest {label}: {f.name(best)} ({f.value(best)}); lowest: {f.name(worst)} ({f.value(worst)})."


def _partial_period(start: Any, query: SemanticQuery) -> bool:
    """Whether the period starting at `start` runs past the end of the query's date range."""
    if query.time_range is None or not isinstance(start, dt.date) or query.time_grain is None:
        return False
    return grain_end(start, query.time_grain) > query.time_range.end
