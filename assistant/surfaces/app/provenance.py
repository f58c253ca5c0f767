"""'How was this computed?': written for a plant manager first, for an engineer second.

First what each figure means (the layer's description in words), which members and period
the answer covers, and how fresh each source is, as dates in words; then, behind a toggle,
the formula, the SQL that ran, who read the question and how long it took.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from assistant.explain.answer import Answer
from assistant.explain.periods import as_date, day_words, range_words
from assistant.surfaces.app.i18n import t
from semantic_layer.layer import Layer

_TIMING_KEYS = {"plan", "compile", "execute", "total"}
# Who read the question, in words; an unknown name (a custom planner) is shown as it is.
_READERS = {"rules": "reader_rules", "llm": "reader_llm", "hybrid": "reader_hybrid",
            "verified": "reader_verified", "comparison": "reader_rules"}


def period_in_words(answer: Answer, lang: str) -> str:
    """The answer's date range as a manager says it, with its exact days when that helps."""
    query = answer.semantic_query or {}
    span = query.get("time_range") or {}
    start, end = as_date(span.get("start")), as_date(span.get("end"))
    if start is None or end is None:
        return t("all_dates", lang)
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


def provenance(answer: Answer, lang: str, layer: Layer | None = None, key: str = "prov") -> None:
    prov = answer.provenance
    with st.expander(t("how_computed", lang), icon=":material/info:"):
        if prov.metrics:
            lines = [f"**{t('what_it_means', lang)}**"]
            for m in prov.metrics:
                label = (m.get("label_zh") if lang == "zh" else None) or m.get("label") or ""
                text = (m.get("description_zh") if lang == "zh" else None) or m.get("description", "")
                lines.append(f"- **{label}**: {text}")
            st.markdown("\n".join(lines))
        filters = "; ".join(prov.filters) if prov.filters else t("no_filters", lang)
        scope = [f"**{t('filters', lang)}:** {filters}"]
        if answer.semantic_query is not None or prov.time_range:
            scope.append(f"**{t('time_range', lang)}:** {period_in_words(answer, lang)}")
        if prov.freshness:
            scope.append(f"**{t('freshness', lang)}:** {freshness_words(prov.freshness, layer, lang)}")
        if answer.interpretation:
            scope.append(f"**{t('interpretation', lang)}:** {answer.interpretation}")
        if prov.not_understood:
            scope.append(f"**{t('not_understood', lang)}:** {', '.join(prov.not_understood)}")
        st.markdown("  \n".join(scope))
        if st.toggle(t("show_details", lang), key=f"{key}-details"):
            _details(answer, lang)


def _details(answer: Answer, lang: str) -> None:
    """For those who want to check the arithmetic: formulas, the SQL, who read the question."""
    for m in answer.provenance.metrics:
        label = (m.get("label_zh") if lang == "zh" else None) or m.get("label") or ""
        st.markdown(f"{t('formula', lang)} · {label}: `{m.get('formula', '')}`")
    queries = answer.extras.get("queries") or []
    if queries:  # a "why" answer ran several statements: each with what it measured
        for q in queries:
            st.caption(str(q.get("what", "")))
            st.code(str(q.get("sql", "")), language="sql", wrap_lines=True)
    elif answer.sql:
        st.code(answer.sql, language="sql", wrap_lines=True)
    status = t("truncated_flag", lang) if answer.truncated else t("complete", lang)
    reader = _READERS.get(answer.planner)
    line = (f"**{t('answered_by', lang)}:** {t(reader, lang) if reader else answer.planner} · "
            f"**{t('rows', lang)}:** {len(answer.rows)} ({status})")
    if answer.timings_ms:
        parts = [f"{t('timing_' + k, lang) if k in _TIMING_KEYS else k} {v:.0f} ms"
                 for k, v in answer.timings_ms.items()]
        line += f"  \n**{t('timings', lang)}:** " + " · ".join(parts)
    st.markdown(line)


def card_scope(answer: Answer, lang: str) -> str:
    """What a metric card covers, short: 'plant is Ningbo · November 2025'."""
    parts: list[Any] = list(answer.provenance.filters)
    query = answer.semantic_query or {}
    span = query.get("time_range") or {}
    start, end = as_date(span.get("start")), as_date(span.get("end"))
    parts.append(range_words(start, end, lang))
    return " · ".join(str(p) for p in parts)
