"""Settings page: connect a database, as `factory-assistant connect` does on the command line.

The address is opened read-only and its tables listed with row counts; only then can it be
recorded as the `db` setting in the config file (a password makes that file owner-only). The
next page load reads the new setting and builds a new pipeline (state._settings_key changes).
Only an administrator may do this, or anyone when no users are configured (a local install):
it changes what every user of this app sees.
"""

from __future__ import annotations

import streamlit as st

from assistant.core.errors import FactoryAssistantError
from assistant.core.settings import Settings, save_setting
from assistant.core.users import User
from assistant.surfaces.app.i18n import t
from semantic_layer.bootstrap import DatabaseCheck
from semantic_layer.models import ADMIN_ROLE

URL_WIDGET = "connect_url"
CHECKED_KEY = "connect_checked"  # the last address that opened, with its tables
MAX_LISTED = 30


def may_connect(user: User | None) -> bool:
    return user is None or user.role == ADMIN_ROLE


def connect_panel(settings: Settings, user: User | None, lang: str) -> None:
    if not may_connect(user):
        return
    from semantic_layer.bootstrap import BootstrapError, check_database  # sqlalchemy inspection: load on use

    with st.expander(t("connect_title", lang), icon=":material/database:"):
        st.caption(t("connect_help", lang))
        url = st.text_input(t("connect_url", lang), key=URL_WIDGET, placeholder="postgresql+psycopg://reader@host/mes")
        if st.button(t("connect_check", lang), key="connect_check_button", disabled=not url.strip()):
            st.session_state.pop(CHECKED_KEY, None)
            try:
                checked = check_database(url.strip())
            except BootstrapError as exc:
                st.error(t("connect_failed", lang, err=exc.message))
                if exc.suggestion:
                    st.caption(exc.suggestion)
                return
            if not checked.tables:
                st.error(t("connect_no_tables", lang, db=checked.shown))
                return
            st.session_state[CHECKED_KEY] = checked
        found: DatabaseCheck | None = st.session_state.get(CHECKED_KEY)
        if found is None:
            return
        _show_tables(found.shown, found.tables, lang)
        if st.button(t("connect_use", lang), key="connect_use_button", type="primary"):
            _record(settings, found.stored, found.has_password, found.shown, lang)


def _show_tables(shown: str, tables: list[tuple[str, int]], lang: str) -> None:
    st.success(t("connect_opened", lang, db=shown, n=len(tables)))
    lines = [f"- `{name}`: {rows:,}" for name, rows in tables[:MAX_LISTED]]
    if len(tables) > MAX_LISTED:
        lines.append(t("trace_more", lang, n=len(tables) - MAX_LISTED).strip())
    st.markdown("\n".join(lines))


def _record(settings: Settings, stored: str, private: bool, shown: str, lang: str) -> None:
    try:
        path = save_setting("db", stored, private=private)
    except FactoryAssistantError as exc:
        st.error(t("connect_failed", lang, err=str(exc)))
        return
    st.session_state.pop(CHECKED_KEY, None)
    if settings.sources.get("db") not in (None, "default", "config file"):
        # An environment variable (FA_DB) or an argument wins over the config file.
        st.warning(t("connect_overridden", lang, db=shown, path=str(path), source=settings.sources.get("db")))
        return
    st.success(t("connect_saved", lang, db=shown, path=str(path)))
    st.info(t("connect_next", lang))
