"""The settings panel: database, planner, LLM status, layer, and where each setting came from."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assistant.core.settings import Settings
from assistant.surfaces.app import state
from assistant.surfaces.app.common import current_lang, show_problem
from assistant.surfaces.app.i18n import t


def planner_status(settings: Settings, lang: str) -> str:
    """One plain sentence: which planner answers, and whether an LLM is involved."""
    if not settings.llm_configured:
        return t("planner_rules_only", lang)
    return t("planner_llm", lang, planner=settings.effective_planner, model=settings.llm_model)


def settings_page() -> None:
    lang = current_lang()
    loaded = state.load(lang)
    st.subheader(t("settings_title", lang))
    settings = loaded.settings
    if settings is None:
        show_problem(loaded, lang)
        return
    st.markdown(f"**{t('database', lang)}**")
    if loaded.pipeline is not None:
        st.success(t("db_ok", lang, db=settings.db_target()), icon=":material/database:")
    else:
        show_problem(loaded, lang)
    st.markdown(f"**{t('planner', lang)} / {t('llm', lang)}**")
    st.info(planner_status(settings, lang), icon=":material/psychology:")
    st.markdown(f"**{t('as_of', lang)}:** {settings.today().isoformat()}")
    layer = state.layer_of(loaded)
    if layer is not None:
        counts = layer.describe()
        st.markdown(f"**{t('layer', lang)}:** {layer.spec.label.get(lang)} — {t('layer_counts', lang, **counts)}")
    with st.expander(t("all_settings", lang)):
        rows = [(name, value, source) for name, value, source in settings.describe()]
        frame = pd.DataFrame(rows, columns=[t("col_setting", lang), t("col_value", lang), t("col_source", lang)])
        st.dataframe(frame, hide_index=True, width="stretch")
