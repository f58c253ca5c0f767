"""The metrics glossary: generated from the semantic layer, searchable, in both languages."""

from __future__ import annotations

import streamlit as st

from assistant.core.units import unit_words
from assistant.scoped import askable_metrics
from assistant.surfaces.app import state
from assistant.surfaces.app.common import current_lang, show_problem
from assistant.surfaces.app.i18n import t
from semantic_layer.layer import Layer
from semantic_layer.models import Metric


def matches(metric: Metric, query: str) -> bool:
    """Case-insensitive match on name, both labels, every synonym and the description."""
    if not query.strip():
        return True
    haystack = " ".join([metric.name, metric.name.replace("_", " "), metric.label.en, metric.label.zh,
                         *metric.synonyms.all(), metric.description, metric.description_zh or "",
                         metric.formula]).lower()
    return all(word in haystack for word in query.lower().split())


def glossary_page() -> None:
    lang = current_lang()
    loaded = state.load(lang)
    layer = state.layer_of(loaded)
    st.subheader(t("nav_glossary", lang))
    if layer is None:
        show_problem(loaded, lang)
        return
    st.caption(t("glossary_intro", lang))
    query = st.text_input(t("search", lang), key="glossary_search", placeholder=t("search_placeholder", lang))
    askable = set(askable_metrics(loaded.pipeline)) if loaded.pipeline is not None else None
    visible = [m for m in layer.spec.metrics if askable is None or m.name in askable]
    metrics = [m for m in visible if matches(m, query)]
    st.caption(t("n_metrics", lang, n=len(metrics), total=len(visible)))
    if not metrics:
        st.info(t("no_match", lang))
    for metric in metrics:
        _metric_entry(metric, layer, lang)


def _metric_entry(metric: Metric, layer: Layer, lang: str) -> None:
    # Both labels in the header: people search in one language and talk in the other.
    first, second = (metric.label.zh, metric.label.en) if lang == "zh" else (metric.label.en, metric.label.zh)
    with st.expander(f"**{first}** · {second}", expanded=bool(st.session_state.get("glossary_search"))):
        dims = [layer.dimension(d).label.get(lang) for d in layer.metric_dimensions(metric.name)]
        synonyms = "、".join(metric.synonyms.zh) if lang == "zh" else ", ".join(metric.synonyms.en)
        other = ", ".join(metric.synonyms.en) if lang == "zh" else "、".join(metric.synonyms.zh)
        better = t("higher", lang) if metric.higher_is_better else t("lower", lang)
        sep = "、" if lang == "zh" else ", "
        description = (metric.description_zh if lang == "zh" else None) or metric.description
        unit = unit_words(layer.unit(metric.unit), lang)
        st.markdown(
            f"**{t('description', lang)}:** {description}  \n"
            f"**{t('formula', lang)}:** `{metric.formula}`  \n"
            f"**{t('unit', lang)}:** {unit} · **{t('better', lang)}:** {better}  \n"
            f"**{t('synonyms', lang)}:** {synonyms or '—'}" + (f" · {other}" if other else "") + "  \n"
            f"**{t('cut_by', lang)}:** {sep.join(dims) or '—'}  \n"
            f"**{t('internal_name', lang)}:** `{metric.name}`"
        )
