"""The Alerts page: the signed-in user's inbox, their open and past incidents with the evidence,
their alerts in words (mute, snooze, delete the ones made here or in chat), and a sentence to make
a new one ("alert me when …"), confirmed before it is saved.

Scoped like every page: a signed-in user sees the alerts they own or receive and the incidents of
those; the anonymous demo sees everything and its inbox is the demo user's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st
from sqlalchemy import Engine

from assistant.alerts.config import alerts_path, load_rules
from assistant.alerts.manage import (
    RuleEditError,
    delete_rule,
    inbox_for,
    incidents_for,
    rule_words,
    set_muted,
    snooze_rule,
    visible_rules,
)
from assistant.alerts.rules import AlertRule, AlertsFile
from assistant.alerts.service import snoozed
from assistant.core.errors import FactoryAssistantError, user_message
from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.surfaces.app import state
from assistant.surfaces.app.alert_edit import edit_form
from assistant.surfaces.app.alert_offer import (
    PAGE_SENTENCE,
    alert_store,
    example,
    flash,
    offer,
    show_flash,
    show_offer,
)
from assistant.surfaces.app.alerts_view import show_incident, when_words
from assistant.surfaces.app.common import current_lang, show_problem
from assistant.surfaces.app.i18n import t

MAX_PAST = 20
SENTENCE = PAGE_SENTENCE


def alerts_page() -> None:
    lang = current_lang()
    st.subheader(t("alerts_title", lang))
    loaded = state.load(lang)
    if loaded.pipeline is None or loaded.settings is None:
        show_problem(loaded, lang)
        return
    pipeline, settings = loaded.pipeline, loaded.settings
    try:
        store = alert_store(settings)
        alerts = load_rules(settings, pipeline.layer, store)
    except FactoryAssistantError as exc:
        st.error(t("alerts_error", lang, err=user_message(exc, lang)), icon=":material/notifications_off:")
        return
    user = st.session_state.get(state.USER)
    mine = visible_rules(alerts.rules, user)
    st.caption(t("alerts_body", lang))
    show_flash()
    _linked(store, mine, pipeline, lang)
    inbox_tab, incidents_tab, rules_tab, new_tab = st.tabs(
        [t("alerts_tab_inbox", lang), t("alerts_tab_incidents", lang), t("alerts_tab_rules", lang),
         t("alerts_tab_new", lang)])
    with inbox_tab:
        _inbox(store, user, lang)
    with incidents_tab:
        _incidents(store, mine, pipeline, lang)
    with rules_tab:
        _rules(mine, alerts, store, pipeline, settings, lang)
    with new_tab:
        _new(pipeline, lang)


def _linked(store: Engine, rules: list[AlertRule], pipeline: Pipeline, lang: str) -> None:
    """An alert message's link (`/alerts?incident=N`) opens that incident on top, when it is one of
    the user's: the id in an address is no permission."""
    raw = st.query_params.get("incident")
    if not raw:
        return
    row = next((r for r in incidents_for(store, rules, limit=500) if str(r["id"]) == str(raw).strip()), None)
    if row is None:
        st.info(t("alerts_linked_missing", lang), icon=":material/notifications_off:")
        return
    st.markdown(f"**{t('alerts_linked', lang)}**")
    show_incident(row, pipeline, lang, f"linked-{row['id']}", expanded=True)


def _inbox(store: Engine, user: Any, lang: str) -> None:
    rows = inbox_for(store, user)
    if not rows:
        st.caption(t("alerts_inbox_empty", lang))
    for row in rows:
        with st.container(border=True):
            st.markdown(f"**{row['title']}**")
            st.markdown(str(row["text"]))
            st.caption(when_words(row["created_at"], lang))


def _incidents(store: Engine, rules: list[AlertRule], pipeline: Pipeline, lang: str) -> None:
    rows = incidents_for(store, rules, limit=200)
    open_rows = [r for r in rows if r["status"] == "open"]
    past = [r for r in rows if r["status"] != "open"][:MAX_PAST]
    st.markdown(f"**{t('alerts_open', lang, n=len(open_rows))}**")
    if not open_rows:
        st.caption(t("alerts_none_open", lang))
    for row in open_rows:
        show_incident(row, pipeline, lang, f"incident-{row['id']}")
    st.markdown(f"**{t('alerts_past', lang, n=len(past))}**")
    if not past:
        st.caption(t("alerts_none_past", lang))
    for row in past:
        show_incident(row, pipeline, lang, f"incident-{row['id']}")


def _state(rule: AlertRule, lang: str) -> str:
    if rule.muted:
        return t("alerts_state_muted", lang)
    if rule.snoozed_until and snoozed(rule, dt.datetime.now(dt.UTC)):
        return t("alerts_state_snoozed", lang, when=when_words(dt.datetime.fromisoformat(rule.snoozed_until), lang))
    return t("alerts_state_on", lang)


def _recipients(rule: AlertRule, user: Any, lang: str) -> str:
    me = f"user:{user.name if user is not None else 'demo'}"
    names = [t("alerts_you", lang) if r == me else r.partition(":")[2] for r in rule.recipients]
    return ("、" if lang == "zh" else ", ").join(names) or "—"


def _rules(rules: list[AlertRule], alerts: AlertsFile, store: Engine, pipeline: Pipeline, settings: Settings,
           lang: str) -> None:
    if not rules:
        st.caption(t("alerts_no_rules", lang))
    user = st.session_state.get(state.USER)
    for rule in rules:
        with st.container(border=True):
            st.markdown(rule_words(rule, pipeline, lang))
            source = t("alerts_from_file" if rule.source == "file" else "alerts_from_app", lang)
            st.caption(t("alerts_sep", lang).join([_state(rule, lang), t("alerts_to", lang, who=_recipients(
                rule, user, lang)), source]))
            if rule.source != "file":
                _rule_buttons(rule, settings, lang)
                edit_form(rule, settings, lang)


def _rule_buttons(rule: AlertRule, settings: Settings, lang: str) -> None:
    cols = st.columns(4)
    key = f"rule-{rule.id}"
    mute = ("alerts_unmute", False) if rule.muted else ("alerts_mute", True)
    cols[0].button(t(mute[0], lang), key=f"{key}-mute", on_click=_edit, args=(settings, lang, rule, "mute", mute[1]),
                   width="stretch")
    cols[1].button(t("alerts_snooze_day", lang), key=f"{key}-day", width="stretch", on_click=_edit,
                   args=(settings, lang, rule, "snooze", dt.timedelta(days=1)))
    cols[2].button(t("alerts_snooze_week", lang), key=f"{key}-week", width="stretch", on_click=_edit,
                   args=(settings, lang, rule, "snooze", dt.timedelta(weeks=1)))
    cols[3].button(t("alerts_delete", lang), key=f"{key}-delete", width="stretch", on_click=_edit,
                   args=(settings, lang, rule, "delete", None), icon=":material/delete:")


def _edit(settings: Settings, lang: str, rule: AlertRule, action: str, value: Any) -> None:
    """A rule button's callback: change the stored rule for the signed-in user, then say what happened."""
    from semantic_layer.loader import load_layer

    user = st.session_state.get(state.USER)
    name = rule.name or rule.id
    try:
        store = alert_store(settings)
        alerts = load_rules(settings, load_layer(settings.layer), store)
        where = alerts_path(settings)
        if action == "mute":
            set_muted(store, alerts, rule.id, bool(value), user=user, alerts_file=where)
            flash("success", t("alerts_done_mute" if value else "alerts_done_unmute", lang, name=name))
        elif action == "snooze":
            until = dt.datetime.now(dt.UTC) + value
            snooze_rule(store, alerts, rule.id, until, user=user, alerts_file=where)
            flash("success", t("alerts_done_snooze", lang, name=name, when=when_words(until, lang)))
        else:
            delete_rule(store, alerts, rule.id, user=user, alerts_file=where)
            flash("success", t("alerts_done_delete", lang, name=name))
    except RuleEditError as exc:
        flash("warning", exc.text(lang))
    except FactoryAssistantError as exc:
        flash("warning", user_message(exc, lang))


def _new(pipeline: Pipeline, lang: str) -> None:
    st.text_input(t("alerts_sentence", lang), key=SENTENCE, max_chars=300,
                  placeholder=t("alerts_sentence_placeholder", lang, example=example(pipeline, lang)))
    if st.button(t("alerts_preview", lang), key="alert-preview", icon=":material/visibility:"):
        sentence = (st.session_state.get(SENTENCE) or "").strip()
        if sentence:
            with st.spinner(t("thinking", lang)):
                offer("page", sentence, pipeline)
        else:
            st.warning(t("alerts_empty_sentence", lang, example=example(pipeline, lang)))
    show_offer("page", pipeline, lang)
