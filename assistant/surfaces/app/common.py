"""Helpers shared by the pages: the UI language and the "nothing can be answered yet" view."""

from __future__ import annotations

import streamlit as st

from assistant.surfaces.app import state
from assistant.surfaces.app.i18n import t


def current_lang() -> str:
    return "zh" if st.session_state.get(state.LANG_KEY) else "en"


def show_problem(loaded: state.Loaded, lang: str) -> None:
    """Explain, in the user's language, why nothing can be answered yet and how to fix it."""
    if loaded.problem == "db_missing":
        st.error(t("db_missing", lang, db=loaded.detail), icon=":material/database:")
        st.markdown(t("db_howto", lang))
        st.code("factory-assistant demo-data", language="bash")
    elif loaded.problem == "config_error":
        st.error(t("config_error", lang, err=loaded.detail))
    else:
        st.error(t("db_error", lang, err=loaded.detail), icon=":material/database:")
        st.markdown(t("db_howto", lang))
