"""The Alerts page: a placeholder that says, in both languages, what is coming."""

from __future__ import annotations

import streamlit as st

from assistant.surfaces.app.common import current_lang
from assistant.surfaces.app.i18n import t


def alerts_page() -> None:
    lang = current_lang()
    st.subheader(t("alerts_title", lang))
    st.info(t("alerts_body", lang), icon=":material/notifications:")
