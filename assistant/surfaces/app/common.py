"""Helpers shared by the pages: the UI language, the "nothing can be answered yet" view, and the
plain words for what is loaded and how questions are read (first screen and Settings say the same)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assistant.core.errors import FactoryAssistantError
from assistant.core.settings import Settings
from assistant.explain.periods import day_words, period_label
from assistant.pipeline import Pipeline
from assistant.surfaces.app import state
from assistant.surfaces.app.i18n import t

MAX_TRACE_KINDS = 3  # more kinds of id make the first screen's trace line too long for a phone


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
    elif loaded.problem == "access_error":
        st.error(t("access_error", lang, err=loaded.detail), icon=":material/lock:")
    else:
        st.error(t("db_error", lang, err=loaded.detail), icon=":material/database:")
        st.markdown(t("db_howto", lang))


def data_sentence(pipeline: Pipeline, lang: str) -> str:
    """'**Demo factory**: data from Jan 2024 to Dec 2025, latest records 31 Dec 2025.' (name alone
    when the span cannot be read: the first screen must still open)."""
    name = pipeline.layer.spec.label.get(lang)
    try:
        span = pipeline.data_span()
    except FactoryAssistantError as exc:
        state.log.warning("data span not available: %s", exc)
        span = None
    if span is None:
        return f"**{name}**"
    start, end = span
    return t("intro_data", lang, name=name, start=period_label(start, "month", lang),
             end=period_label(end, "month", lang), latest=day_words(end, lang))


def reading_label(planner: str, settings: Settings, lang: str) -> str:
    """A planner's name as a manager would say it: 'Offline (no AI model)', 'AI model gpt-4o-mini'."""
    if planner in ("llm", "hybrid"):
        return t(f"reading_{planner}", lang, model=settings.llm_model or "")
    return t("reading_rules", lang)


def mode_sentence(planner: str, settings: Settings, lang: str) -> str:
    """One sentence for the first screen: offline, or which AI model reads the questions."""
    if planner in ("llm", "hybrid"):
        return t(f"mode_{planner}", lang, model=settings.llm_model or "")
    return t("mode_rules", lang)


def today_sentence(day: dt.date, lang: str) -> str:
    return t("intro_today", lang, day=day_words(day, lang))


def trace_sentence(pipeline: Pipeline, lang: str) -> str | None:
    """How to ask for a trace, naming the kinds of id a question can start from (from the layer)."""
    kinds = [n.label.get(lang) for n in pipeline.layer.spec.genealogy.nodes if n.id_pattern and not n.context]
    if not kinds:
        return None
    if len(kinds) > MAX_TRACE_KINDS:  # spread over the chain (its first, middle and last kinds), both ways show
        kinds = [kinds[round(i * (len(kinds) - 1) / (MAX_TRACE_KINDS - 1))] for i in range(MAX_TRACE_KINDS)]
    sep = "、" if lang == "zh" else ", "
    named = kinds[0] if len(kinds) == 1 else sep.join(kinds[:-1]) + t("or", lang) + kinds[-1]
    return t("intro_trace", lang, nodes=named)
