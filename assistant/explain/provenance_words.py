"""Where an answer's figures come from, in words a manager reads: the period, each source's
latest day, what each figure means. Plain text, so the app, chat bots and messages say it alike."""

from __future__ import annotations

import datetime as dt

from assistant.explain.answer import Answer
from assistant.explain.periods import as_date, day_words, range_words
from semantic_layer.layer import Layer

__all__ = ["freshness_words", "metric_meanings", "period_in_words", "source_words"]


def period_in_words(answer: Answer, lang: str) -> str:
    """The answer's date range as a manager says it, with its exact days when that helps."""
    query = answer.semantic_query or {}
    span = query.get("time_range") or {}
    start, end = as_date(span.get("start")), as_date(span.get("end"))
    if start is None or end is None:
        return "全部日期" if lang == "zh" else "all dates"
    words = range_words(start, end, lang)
    exact = f"{day_words(start, lang)} – {day_words(end, lang)}" if start != end else ""
    return f"{words}（{exact}）" if lang == "zh" and exact and exact != words else \
        f"{words} ({exact})" if exact and exact != words else words


def source_words(source: str, layer: Layer | None, lang: str) -> str:
    """'defects.detected_at' -> the table's label ('Defect records'), else the label of the
    genealogy node stored in it, else its name in plain words: people don't read table.column."""
    table = source.split(".", 1)[0]
    spec = layer.tables.get(table) if layer is not None else None
    if spec is not None and spec.label is not None:
        return spec.label.get(lang)
    if layer is not None:
        node = next((n for n in layer.spec.genealogy.nodes if n.table == table), None)
        if node is not None:
            return node.label.get(lang)
    return table.replace("_", " ")


def freshness_words(freshness: dict[str, str], layer: Layer | None, lang: str) -> str:
    """'production records: 31 Dec 2025; defect records: 30 Dec 2025' (one entry per source)."""
    by_source: dict[str, dt.date] = {}
    for source, day in freshness.items():
        parsed = as_date(day)
        if parsed is None:
            continue
        name = source_words(source, layer, lang)
        by_source[name] = max(parsed, by_source.get(name, parsed))
    sep = "；" if lang == "zh" else "; "
    colon = "：" if lang == "zh" else ": "
    return sep.join(f"{name}{colon}{day_words(day, lang)}" for name, day in by_source.items())


def metric_meanings(answer: Answer, lang: str) -> list[tuple[str, str]]:
    """(label, what it means) for each figure of the answer, in `lang` where the layer has it."""
    out = []
    for m in answer.provenance.metrics:
        label = (m.get("label_zh") if lang == "zh" else None) or m.get("label") or ""
        text = (m.get("description_zh") if lang == "zh" else None) or m.get("description", "")
        out.append((str(label), str(text)))
    return out
