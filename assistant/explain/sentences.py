"""Sentences and numbers for people, in English and Simplified Chinese: values by unit,
filters and the interpretation line, and the key sentence of a metric answer."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from assistant.core.calendar import grain_end
from assistant.explain.answer import Answer
from assistant.plan.query import Filter, SemanticQuery
from semantic_layer.layer import Layer

_UNIT_SUFFIX = {
    "minutes": {"en": " min", "zh": " 分钟"},
    "hours": {"en": " h", "zh": " 小时"},
    "kwh": {"en": " kWh", "zh": " 千瓦时"},
    "kwh_per_unit": {"en": " kWh/unit", "zh": " 千瓦时/件"},
    "ppm": {"en": " ppm", "zh": " ppm"},
}
_GRAIN_WORDS = {
    "day": ("daily", "每天"), "week": ("weekly", "每周"), "month": ("monthly", "每月"),
    "quarter": ("quarterly", "每季度"), "year": ("yearly", "每年"),
}
_OPS = {
    "en": {"=": "is", "!=": "is not", "in": "is", "not in": "is not", ">": "above", ">=": "at least",
           "<": "below", "<=": "at most", "between": "between"},
    "zh": {"=": "为", "!=": "不是", "in": "为", "not in": "不是", ">": "高于", ">=": "不低于",
           "<": "低于", "<=": "不高于", "between": "介于"},
}


def format_value(value: Any, unit: str | None, lang: str = "en") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return str(value)
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    suffix = _UNIT_SUFFIX.get(unit or "", {}).get(lang, "")
    if unit == "kwh_per_unit":
        return f"{value:,.3f}{suffix}"
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}{suffix}"
    return f"{value:,.1f}{suffix}" if abs(value) >= 10 else f"{value:,.2f}{suffix}"


def filter_words(f: Filter, layer: Layer, lang: str, labels: dict[str, str] | None = None) -> str:
    labels = labels or {}
    values = [labels.get(str(v), str(v)) for v in f.values]
    if f.field in _GRAIN_WORDS:  # picked periods: "month is 2025-10-01 or 2025-12-01"
        name = {"day": "日期", "week": "周", "month": "月份", "quarter": "季度", "year": "年份"}[f.field] if lang == "zh" else f.field
        shown = [str(v) for v in f.values]
    elif f.field in layer.metrics:
        metric = layer.metric(f.field)
        shown = [format_value(v, metric.unit, lang) for v in f.values]
        name = metric.label.get(lang)
    else:
        shown = values
        name = layer.dimension(f.field).label.get(lang)
    op = _OPS[lang][f.op]
    joiner = " 或 " if lang == "zh" else " or "
    if f.op == "between":
        return f"{name} {op} {shown[0]} {'和' if lang == 'zh' else 'and'} {shown[1]}"
    return f"{name} {op} {joiner.join(shown)}"


def interpretation(query: SemanticQuery, layer: Layer, lang: str, *, value_labels: dict[str, str] | None = None,
                   not_understood: list[str] | None = None) -> str:
    """One line such as "OEE by plant, 2025-11-01 to 2025-11-30"."""
    metrics = [layer.metric(m).label.get(lang) for m in query.metrics]
    dims = [layer.dimension(d).label.get(lang) for d in query.dimensions]
    if lang == "zh":
        text = "、".join(metrics)
        if query.time_grain:
            text = f"{_GRAIN_WORDS[query.time_grain][1]}{text}"
        if dims:
            text = f"按{'、'.join(dims)}的{text}"
    else:
        text = " and ".join(metrics) if len(metrics) <= 2 else ", ".join(metrics)
        if query.time_grain:
            text = f"{_GRAIN_WORDS[query.time_grain][0].capitalize()} {text}"
        if dims:
            text += " by " + " and ".join(d.lower() for d in dims)
    parts = [text]
    filters = [filter_words(f, layer, lang, value_labels) for f in query.filters]
    if filters:
        parts.append(("，".join(filters)) if lang == "zh" else "where " + "; ".join(filters))
    if query.time_range:
        tr = query.time_range
        parts.append(f"{tr.start} 至 {tr.end}" if lang == "zh" else f"{tr.start} to {tr.end}")
    else:
        parts.append("全部日期" if lang == "zh" else "all dates")
    if query.limit:
        first = query.order[0] if query.order else None
        if lang == "zh":
            parts.append(f"{'最高' if not first or first.desc else '最低'}的前{query.limit}项")
        else:
            parts.append(f"{'top' if not first or first.desc else 'bottom'} {query.limit}")
    sep = "，" if lang == "zh" else ", "
    line = sep.join(parts)
    if not_understood:
        skipped = "、".join(not_understood) if lang == "zh" else ", ".join(f"'{w}'" for w in not_understood)
        line += f"（未理解：{skipped}）" if lang == "zh" else f" (not understood: {skipped})"
    return line


def key_sentence(answer: Answer, query: SemanticQuery, layer: Layer, lang: str) -> str:
    """A short sentence with the number that matters."""
    if not answer.rows:
        return "这个范围内没有数据。" if lang == "zh" else "No data in this range."
    metric = query.metrics[0]
    unit = layer.metric(metric).unit
    label = layer.metric(metric).label.get(lang)
    idx = answer.columns.index(metric)
    keys = [c for c in answer.columns if c not in query.metrics]
    if len(answer.rows) == 1 and not keys:
        parts = [f"{layer.metric(m).label.get(lang)}: {format_value(answer.rows[0][answer.columns.index(m)], layer.metric(m).unit, lang)}"
                 for m in query.metrics]
        return ("；".join(parts) + "。") if lang == "zh" else "; ".join(parts) + "."
    valued = [r for r in answer.rows if r[idx] is not None]
    if not valued:
        return "这个范围内没有数据。" if lang == "zh" else "No data in this range."

    def name(row: list[Any]) -> str:
        return " / ".join(str(row[answer.columns.index(k)]) for k in keys)

    ordered = next((o for o in query.order if o.field == metric), None)
    if ordered is not None:  # a ranking: the first row is the answer
        top = valued[0]
        word = ("最高" if ordered.desc else "最低") if lang == "zh" else ("Highest" if ordered.desc else "Lowest")
        if lang == "zh":
            return f"{label}{word}：{name(top)}（{format_value(top[idx], unit, lang)}）。"
        return f"{word} {label}: {name(top)} ({format_value(top[idx], unit, lang)})."
    if query.time_grain and query.dimensions:  # latest period, its best and worst category
        t = answer.columns.index(query.time_grain)
        latest = max(r[t] for r in valued)
        valued = [r for r in valued if r[t] == latest]
        keys = [k for k in keys if k != query.time_grain]
    elif query.time_grain:
        last = valued[-1]
        change = ""
        partial = _partial_period(last[answer.columns.index(query.time_grain)], query)
        if partial:  # a period cut short by the range (this week so far) is not compared like for like
            change = "（本期未满，未作比较）" if lang == "zh" else " (period not complete, not compared)"
        elif len(valued) > 1 and valued[-2][idx]:
            prev = valued[-2][idx]
            if unit == "ratio":  # ratios move in points, not percent of percent
                delta = f"{(last[idx] - prev) * 100:+.1f} pp"
            else:
                delta = f"{(last[idx] - prev) / abs(prev) * 100:+.1f}%"
            change = f"，较上一期 {delta}" if lang == "zh" else f", {delta} vs {name(valued[-2])}"
        return (f"最近一期（{name(last)}）{label}：{format_value(last[idx], unit, lang)}{change}。" if lang == "zh"
                else f"Latest {query.time_grain} ({name(last)}): {label} {format_value(last[idx], unit, lang)}{change}.")
    if len(valued) == 1:  # one member left (e.g. "only Ningbo"): no highest/lowest to speak of
        row = valued[0]
        return (f"{name(row)}：{label} {format_value(row[idx], unit, lang)}。" if lang == "zh"
                else f"{name(row)}: {label} {format_value(row[idx], unit, lang)}.")
    best = max(valued, key=lambda r: r[idx])
    worst = min(valued, key=lambda r: r[idx])
    if query.time_grain:
        period = str(valued[0][answer.columns.index(query.time_grain)])
        label = f"{label}（{period}）" if lang == "zh" else f"{label} ({period})"
    if lang == "zh":
        return f"{label}最高：{name(best)}（{format_value(best[idx], unit, lang)}）；最低：{name(worst)}（{format_value(worst[idx], unit, lang)}）。"
    return f"Highest {label}: {name(best)} ({format_value(best[idx], unit, lang)}); lowest: {name(worst)} ({format_value(worst[idx], unit, lang)})."


def _partial_period(start: Any, query: SemanticQuery) -> bool:
    """Whether the period starting at `start` runs past the end of the query's date range."""
    if query.time_range is None or not isinstance(start, dt.date) or query.time_grain is None:
        return False
    return grain_end(start, query.time_grain) > query.time_range.end
