"""The Streamlit app: `streamlit run app.py`.

This file is the frame around every page: page config, language toggle, new-conversation
control and navigation. Pages live in assistant/ui; settings come from the environment
(FA_DB, FA_AS_OF, FA_LLM_*...) or the config file, exactly as for the CLI.
"""

from __future__ import annotations

import logging

import streamlit as st

from assistant.core.errors import FactoryAssistantError
from assistant.core.settings import Settings
from assistant.surfaces.app import signin, state
from assistant.surfaces.app.common import current_lang
from assistant.surfaces.app.i18n import lang_from_locale, t

log = logging.getLogger("factory_assistant.ui")
PAGES = "assistant/surfaces/app/pages"  # relative to this file, as st.Page expects
PAGE_ICON = "🏭"
PAGE_ICONS = {"ask": ":material/chat:", "glossary": ":material/menu_book:", "trace": ":material/account_tree:",
              "alerts": ":material/notifications:", "settings": ":material/settings:"}


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # older Streamlit or a test harness without a browser
        return None


def main() -> None:
    state.init_session(default_zh=lang_from_locale(_browser_locale()) == "zh")
    state.question_from_link()
    lang = current_lang()
    # An emoji icon is drawn in the browser; a ":material/...:" page icon is fetched from
    # fonts.gstatic.com on every page load, and nothing may leave the machine.
    st.set_page_config(page_title=t("app_title", lang), page_icon=PAGE_ICON, layout="centered")
    try:
        settings: Settings | None = Settings.load()
    except FactoryAssistantError:
        settings = None  # the pages explain a broken configuration
    # Before any page: with users configured, nobody gets past this without signing in.
    user = signin.current_user(settings) if settings is not None else None
    st.session_state[state.USER] = user
    if state.language_switched(lang):
        state.follow_language(state.load(lang).pipeline, lang)
    # File pages (thin scripts) rather than callables, so AppTest.switch_page can reach them.
    pages = [st.Page(f"{PAGES}/{name}.py", title=t(f"nav_{name}", lang), icon=icon, url_path=name,
                     default=name == "ask")
             for name, icon in PAGE_ICONS.items()]
    page = st.navigation(pages)
    with st.sidebar:
        st.markdown(f"**{t('app_title', lang)}**")
        st.caption(t("app_caption", lang))
        if settings is not None:
            signin.sidebar(user, settings, lang)
        st.toggle(t("lang_toggle", lang), key=state.LANG_KEY, help=t("lang_help", lang))
        st.button(t("new_chat", lang), key="new_chat_sidebar", icon=":material/add_comment:",
                  on_click=state.new_conversation, help=t("new_chat_help", lang), width="stretch")
    try:
        page.run()
    except Exception:
        # Streamlit's rerun/stop signals are BaseExceptions and pass through; anything else is
        # logged for operators and shown to users as one friendly sentence, never a traceback.
        log.exception("page %s failed", page.title)
        st.error(t("error_generic", current_lang()))


main()
