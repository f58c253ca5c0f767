"""The Ask page: a chat with history, onboarding questions, charts and provenance.

The conversation (pipeline Session + rendered history) lives in st.session_state, so each
browser tab has its own context and follow-ups ("and by shift?") build on the last answer.
"""

from __future__ import annotations

import streamlit as st

from assistant.explain.answer import Answer
from assistant.pipeline import Pipeline
from assistant.surfaces.app import alert_offer, state
from assistant.surfaces.app.common import (
    current_lang,
    data_sentence,
    mode_sentence,
    show_problem,
    today_sentence,
    trace_sentence,
)
from assistant.surfaces.app.i18n import t
from assistant.surfaces.app.render import render_answer
from semantic_layer.layer import Layer

MAX_ONBOARDING = 6


def ask_page() -> None:
    lang = current_lang()
    loaded = state.load(lang)
    if loaded.pipeline is None:
        show_problem(loaded, lang)
        return
    pipeline = loaded.pipeline
    # chat_input is pinned to the bottom wherever it is called; reading it first lets a new
    # question suppress the onboarding block on the same run. The placeholder stays short: an
    # example in it was cut off on a phone, and the examples are buttons on the first screen.
    typed = st.chat_input(t("chat_placeholder", lang), key="chat_input", max_chars=500)
    question = (typed or "").strip() or state.take_pending()
    if question and alert_offer.is_alert_request(question):
        alert_offer.offer("chat", question, pipeline)  # "alert me when …" makes a rule (confirmed), not an answer
        question = None
    past = state.history()
    if past or question or alert_offer.pending("chat"):
        st.button(t("new_chat", lang), key="new_chat_main", icon=":material/add_comment:", type="tertiary",
                  on_click=state.new_conversation, help=t("new_chat_help", lang))
    else:
        _first_screen(pipeline, lang)
    for i, item in enumerate(past):
        _exchange(item["question"], item["answer"], lang, i, pipeline.layer)
    if question:
        with st.chat_message("user"):
            st.markdown(question)
        with st.chat_message("assistant"):
            with st.spinner(t("thinking", lang)):
                answer = state.ask(pipeline, question)
            render_answer(answer, lang, f"m{len(state.history()) - 1}", pipeline.layer)
    alert_offer.show_chat_offer(pipeline, lang)
    if question:
        state.warm_index_after_answer(pipeline)  # last: the answer is already on its way to the browser


def _exchange(question: str, answer: Answer, lang: str, i: int, layer: Layer) -> None:
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        render_answer(answer, lang, f"m{i}", layer)


def _first_screen(pipeline: Pipeline, lang: str) -> None:
    """What is loaded, how questions are read, what can be asked, then the layer's examples."""
    st.markdown(data_sentence(pipeline, lang))
    mode = mode_sentence(state.planner_name(pipeline), pipeline.settings, lang)
    st.caption(f"{mode} {today_sentence(state.today(pipeline.settings), lang)}")
    st.caption(" ".join(s for s in (t("intro_can", lang), trace_sentence(pipeline, lang)) if s))
    _onboarding(pipeline.layer, lang)


def _onboarding(layer: Layer, lang: str) -> None:
    """The layer's verified questions, the UI language's first: one click asks them."""
    queries = list(layer.spec.verified_queries)
    queries.sort(key=lambda q: q.lang != lang)
    if not queries:
        return
    st.markdown(t("onboarding", lang))
    for j, vq in enumerate(queries[:MAX_ONBOARDING]):
        st.button(vq.question, key=f"onboard-{j}", on_click=state.queue_question, args=(vq.question,),
                  icon=":material/chat_bubble:", width="stretch")
