"""A rule from a sentence, in the app: the Alerts page's form and the chat box ("alert me when …")
both make a draft with assistant.alerts.scope_check.rule_within_scope, show it in words, and save it
only when the user confirms. The draft waits in st.session_state between the two clicks."""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy import Engine

from assistant.alerts.chat import RuleDraft, example_sentence, is_alert_request
from assistant.alerts.config import load_rules
from assistant.alerts.manage import open_state_db, save_rule
from assistant.alerts.scope_check import rule_within_scope
from assistant.core.errors import ClarificationNeeded, FactoryAssistantError, user_message
from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.surfaces.app import state
from assistant.surfaces.app.i18n import t

__all__ = ["FLASH", "alert_store", "flash", "is_alert_request", "offer", "pending", "show_chat_offer", "show_flash",
           "show_offer"]

FLASH = "fa_alert_flash"  # (kind, text) to show once after a button's rerun
PAGE_SENTENCE = "alert_sentence"  # the Alerts page's sentence box, emptied once its rule is made
DRAFTS = {"page": "fa_alert_draft_page", "chat": "fa_alert_draft_chat"}  # surface -> {"sentence", "draft"|"error"}


@st.cache_resource(show_spinner=False, max_entries=4)
def _store(url: str) -> Engine:
    return open_state_db(url)


def alert_store(settings: Settings) -> Engine:
    """The alert state database, opened (and its tables made) once per process."""
    return _store(settings.alerts_db_url())


def flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    shown = st.session_state.pop(FLASH, None)
    if shown is not None:
        kind, text = shown
        (st.success if kind == "success" else st.warning)(text)


def offer(surface: str, sentence: str, pipeline: Pipeline) -> None:
    """Read the sentence into a draft (or the reason it cannot be one), for show_offer to draw."""
    settings = pipeline.settings
    try:
        alerts = load_rules(settings, pipeline.layer, alert_store(settings))
        draft = rule_within_scope(sentence, pipeline, user=st.session_state.get(state.USER),
                                   taken={r.id for r in alerts.rules}, channels=alerts.channels,
                                   as_of=state.today(settings))
        st.session_state[DRAFTS[surface]] = {"sentence": sentence, "draft": draft}
    except FactoryAssistantError as exc:  # AlertRequestError says what was missing, in both languages
        st.session_state[DRAFTS[surface]] = {"sentence": sentence, "error": exc}


def pending(surface: str) -> dict[str, Any] | None:
    return st.session_state.get(DRAFTS[surface])


def show_offer(surface: str, pipeline: Pipeline, lang: str) -> None:
    """The draft in words with Create / Cancel, or what was missing and an example."""
    item = pending(surface)
    if item is None:
        return
    error = item.get("error")
    if error is not None:
        text = error.text(lang) if isinstance(error, ClarificationNeeded) else user_message(error, lang)
        st.warning(text, icon=":material/notifications_off:")
        if getattr(error, "options", None):
            st.caption(t("alerts_options", lang) + " " + "、".join(error.options))
        st.button(t("alerts_cancel", lang), key=f"alert-{surface}-dismiss", on_click=_cancel, args=(surface,),
                  type="tertiary")
        return
    draft: RuleDraft = item["draft"]
    st.markdown(t("alerts_chat_offer" if surface == "chat" else "alerts_confirm_title", lang))
    st.info(draft.text(lang), icon=":material/notifications:")
    st.caption(draft.text("zh" if lang == "en" else "en"))
    left, right = st.columns(2)
    left.button(t("alerts_create", lang), key=f"alert-{surface}-create", type="primary", width="stretch",
                on_click=_create, args=(surface, pipeline.settings, lang), icon=":material/add_alert:")
    right.button(t("alerts_cancel", lang), key=f"alert-{surface}-cancel", width="stretch",
                 on_click=_cancel, args=(surface,))


def show_chat_offer(pipeline: Pipeline, lang: str) -> None:
    """In the chat: the sentence as the user's message, the offer (or what was missing) as the reply,
    and once created, the confirmation in its place."""
    item = pending("chat")
    if item is not None:
        with st.chat_message("user"):
            st.markdown(item["sentence"])
        with st.chat_message("assistant"):
            show_offer("chat", pipeline, lang)
    show_flash()


def _create(surface: str, settings: Settings, lang: str) -> None:
    item = st.session_state.pop(DRAFTS[surface], None)
    if not item or "draft" not in item:
        return
    draft: RuleDraft = item["draft"]
    try:
        saved = save_rule(alert_store(settings), draft.rule)
    except FactoryAssistantError as exc:
        flash("warning", exc.text(lang) if isinstance(exc, ClarificationNeeded) else user_message(exc, lang))
        return
    flash("success", t("alerts_created", lang, words=draft.text(lang), id=saved.id))
    if surface == "page":
        st.session_state[PAGE_SENTENCE] = ""


def _cancel(surface: str) -> None:
    st.session_state.pop(DRAFTS[surface], None)


def example(pipeline: Pipeline, lang: str) -> str:
    return example_sentence(pipeline.layer, lang)
