"""Who is using the app: sign-in when users are configured, an anonymous demo otherwise.

* No users file (setting `users_file`): anonymous demo mode, everyone sees everything, and the
  sidebar says so.
* A users file and an OIDC provider in `.streamlit/secrets.toml` (`[auth]`, see Streamlit's
  `st.login`): the provider signs people in; their e-mail must be listed as an `email` identity
  of a user in the users file, which gives the role.
* A users file and no provider: a sign-in form against the file's hashed passwords.

Nothing here logs a password or a token; a failed sign-in says only that the pair was wrong.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from assistant.core.errors import FactoryAssistantError
from assistant.core.settings import Settings
from assistant.core.users import User, Users, load_users
from assistant.surfaces.app.i18n import t

log = logging.getLogger("factory_assistant.ui")
USER_KEY = "fa_user"  # the signed-in user's name (local sign-in)


@st.cache_resource(show_spinner=False, max_entries=4)
def _users(path: str, _mtime: float) -> Users | None:
    return load_users(path)


def configured_users(settings: Settings) -> Users | None:
    """The users file's users (re-read when the file changes); None in demo mode."""
    if not settings.users_file:
        return None
    path = Path(settings.users_file)
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _users(str(path), mtime)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, FactoryAssistantError):
        return False
    except Exception:  # no secrets file at all: Streamlit raises its own error type
        return False


def current_user(settings: Settings) -> User | None:
    """The signed-in user, or None in demo mode. Stops the page with a sign-in screen when users
    are configured and nobody is signed in."""
    users = configured_users(settings)
    if users is None:
        return None
    if _oidc_configured():
        return _oidc_user(users)
    name = st.session_state.get(USER_KEY)
    user = users.get(name) if name else None
    if user is None:
        _sign_in_form(users)
        st.stop()
    return user


def _oidc_user(users: Users) -> User:
    lang = _lang()
    if not st.user.is_logged_in:
        st.title(t("signin_title", lang))
        st.button(t("signin_provider", lang), on_click=st.login, type="primary")
        st.stop()
    email = str(st.user.get("email") or "")
    user = users.by_identity("email", email)
    if user is None:
        st.error(t("signin_unknown_email", lang, email=email))
        st.button(t("signout", lang), on_click=st.logout)
        st.stop()
    return user


def _sign_in_form(users: Users) -> None:
    lang = _lang()
    st.title(t("signin_title", lang))
    st.caption(t("signin_caption", lang))
    with st.form("signin"):
        name = st.text_input(t("signin_user", lang), key="signin_name")
        password = st.text_input(t("signin_password", lang), type="password", key="signin_password")
        submitted = st.form_submit_button(t("signin_button", lang), type="primary")
    if submitted:
        user = users.sign_in(name, password)
        if user is None:
            log.info("failed sign-in")  # neither the name nor the password: both are user input
            st.error(t("signin_wrong", lang))
        else:
            st.session_state[USER_KEY] = user.name
            st.rerun()


def sign_out() -> None:
    st.session_state.pop(USER_KEY, None)
    for key in ("fa_history", "fa_session"):  # the next person must not see this one's answers
        st.session_state.pop(key, None)
    if _oidc_configured():
        st.logout()


def sidebar(user: User | None, settings: Settings, lang: str) -> None:
    """Who is signed in (and a sign-out button), or that this is the anonymous demo."""
    if settings.users_file is None:
        st.caption(t("demo_mode", lang))
        return
    if user is not None:
        st.caption(t("signed_in_as", lang, name=user.shown_name))
        st.button(t("signout", lang), key="signout", on_click=sign_out, icon=":material/logout:")


def _lang() -> str:
    return "zh" if st.session_state.get("ui_zh") else "en"
