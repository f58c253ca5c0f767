"""Editing an alert made in the app or in chat: its name, its limit, who hears about it and how
often it is checked. The change is validated like a new rule (assistant/alerts/manage.update_rule)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.alerts.config import alerts_path, load_rules
from assistant.alerts.manage import RuleEditError, update_rule
from assistant.alerts.rules import AlertRule, Anomaly, Change, Threshold
from assistant.core.errors import FactoryAssistantError, user_message
from assistant.core.settings import Settings
from assistant.surfaces.app import state
from assistant.surfaces.app.alert_offer import alert_store, flash
from assistant.surfaces.app.i18n import t

__all__ = ["edit_form", "limit_field"]


def limit_field(rule: AlertRule) -> tuple[str, float]:
    """Which number of the condition the form edits, and its value now."""
    condition = rule.condition
    if isinstance(condition, Threshold):
        return "value", condition.value
    if isinstance(condition, Change):
        return ("pct", condition.pct) if condition.pct is not None else ("points", float(condition.points or 0))
    assert isinstance(condition, Anomaly)
    return "k", condition.k


def edit_form(rule: AlertRule, settings: Settings, lang: str) -> None:
    key = f"edit-{rule.id}"
    field, value = limit_field(rule)
    with st.expander(t("alerts_edit", lang), icon=":material/edit:"), st.form(key):
        name = st.text_input(t("alerts_edit_name", lang), value=rule.name, key=f"{key}-name")
        limit = st.text_input(t(f"alerts_edit_{field}", lang), value=f"{value:g}", key=f"{key}-limit",
                              help=t("alerts_edit_limit_help", lang))
        every = st.number_input(t("alerts_edit_every", lang), min_value=1, max_value=7 * 24 * 60,
                                value=rule.every_minutes, step=5, key=f"{key}-every")
        recipients = st.text_input(t("alerts_edit_recipients", lang), value=", ".join(rule.recipients),
                                   key=f"{key}-to")
        if st.form_submit_button(t("alerts_edit_save", lang), type="primary"):
            _save(rule, settings, lang, {"name": name.strip(), "every_minutes": int(every), "condition": {field: limit},
                                         "recipients": [r.strip() for r in recipients.split(",") if r.strip()]})


def _save(rule: AlertRule, settings: Settings, lang: str, changes: dict[str, Any]) -> None:
    from semantic_layer.loader import load_layer

    try:
        store = alert_store(settings)
        layer = load_layer(settings.layer)
        alerts = load_rules(settings, layer, store)
        update_rule(store, alerts, rule.id, changes, layer, user=st.session_state.get(state.USER),
                    alerts_file=alerts_path(settings))
        flash("success", t("alerts_done_edit", lang, name=changes.get("name") or rule.id))
        st.rerun()
    except RuleEditError as exc:
        st.warning(exc.text(lang))
    except FactoryAssistantError as exc:
        st.warning(user_message(exc, lang))
