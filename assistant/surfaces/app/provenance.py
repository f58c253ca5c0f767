"""'How was this computed?': written for a plant manager first, for an engineer second.

First what each figure means (the layer's description in words), which members and period
the answer covers, and how fresh each source is, as dates in words; then, behind a toggle,
the formula, the SQL that ran, who read the question and how long it took.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.explain.answer import Answer
from assistant.explain.periods import as_date, range_words
from assistant.explain.provenance_words import freshness_words, metric_meanings, period_in_words
from assistant.surfaces.app.i18n import t
from semantic_layer.layer import Layer

_TIMING_KEYS = {"plan", "compile", "execute", "total"}
# Who read the question, in words; an unknown name (a custom planner) is shown as it is.
_READERS = {"rules": "reader_rules", "llm": "reader_llm", "hybrid": "reader_hybrid",
            "verified": "reader_verified", "comparison": "reader_rules"}


def provenance(answer: Answer, lang: str, layer: Layer | None = None, key: str = "prov") -> None:
    prov = answer.provenance
    with st.expander(t("how_computed", lang), icon=":material/info:"):
        if prov.metrics:
            lines = [f"**{t('what_it_means', lang)}**"]
            lines += [f"- **{label}**: {text}" for label, text in metric_meanings(answer, lang)]
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
        if prov.summaries:  # the same figures as the facts give, read from the layer's summary tables
            scope.append(f"**{t('read_from_summaries', lang)}:** {', '.join(prov.summaries)}")
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
