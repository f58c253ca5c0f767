"""Process-wide resources and per-browser-session state for the Streamlit app.

The Pipeline (layer, DB engine, value catalogue, planners, retrieval index) is built once per
process with st.cache_resource; each browser session keeps only its conversation (a pipeline
Session plus the rendered history) in st.session_state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.core.errors import FactoryAssistantError
from assistant.core.heap import freeze_warmed_up
from assistant.core.settings import Settings
from assistant.core.text import question_lang
from assistant.explain.answer import Answer
from assistant.pipeline import Pipeline
from assistant.plan.types import Plan, Session
from assistant.scoped import ScopedPipeline, for_user
from semantic_layer.layer import Layer
from semantic_layer.loader import load_layer

log = logging.getLogger("factory_assistant.ui")

HISTORY = "fa_history"  # list of {"question": str, "answer": Answer, "plan": Plan | None}
SESSION = "fa_session"  # the pipeline Session: follow-ups read its last query
PENDING = "fa_pending"  # a question queued by a button (onboarding, suggestion)
LANG_KEY = "ui_zh"  # the language toggle: True means Chinese
AS_OF_KEY = "fa_as_of"  # the date "today" means for this session's questions (None: the configured one)
PLANNER_KEY = "fa_planner"  # how this session's questions are read (None: the configured default)
USER = "fa_current_user"  # the signed-in User (None: demo mode), set by app.py before any page runs
SHOWN_LANG = "fa_shown_lang"  # the language the last run drew the page in, to notice a switch


@dataclass
class Loaded:
    """What the app could load; `problem` is an i18n key when something is missing."""

    settings: Settings | None = None
    pipeline: Pipeline | None = None
    problem: str | None = None  # "config_error" | "db_missing" | "db_error" | "access_error"
    detail: str = ""


def db_file(settings: Settings) -> Path | None:
    """The DuckDB file behind the settings, or None for a server URL."""
    target = settings.db_target()
    if target.startswith("duckdb:///"):
        target = target[len("duckdb:///"):]
    elif "://" in target:
        return None
    return Path(target).expanduser()


def _settings_key(settings: Settings) -> str:
    """A hash of every setting, so a changed FA_DB or planner gets its own pipeline."""
    values = {f.name: str(getattr(settings, f.name)) for f in dataclasses.fields(settings) if f.name != "sources"}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=4)
def _pipeline(key: str, _settings: Settings) -> Pipeline:
    pipeline = Pipeline.from_settings(_settings)
    _warm(pipeline)
    return pipeline


@st.cache_resource(show_spinner=False, max_entries=4)
def _layer(folder: str | None) -> Layer:
    return load_layer(folder)


def layer_of(loaded: Loaded) -> Layer | None:
    """The semantic layer, even when the database is missing (the glossary still works)."""
    if loaded.pipeline is not None:
        return loaded.pipeline.layer
    if loaded.settings is None:
        return None
    try:
        return _layer(loaded.settings.layer)
    except FactoryAssistantError:
        return None


def _warm(pipeline: Pipeline) -> None:
    """Pay the one-off costs now, under the loading spinner, not on the first question."""
    try:
        pipeline.values  # noqa: B018  (reads every dimension's members once)
        pipeline.planners  # noqa: B018
        pipeline.data_span()  # the first screen says what period the data covers
        if pipeline.settings.llm_configured:
            pipeline.warm_index()  # embedding model + retrieval index, needed by the LLM planner
        # The rule planner uses the index only for suggestions when it cannot answer, so it is
        # opened after the first answer (warm_index_after_answer): on 2 cores, a warm-up running
        # beside the first screen and the first question slowed both by seconds.
    except FactoryAssistantError as exc:
        # Not fatal: the lazy properties retry on the first question, which then shows the error.
        log.warning("warm-up failed: %s", exc)
    freeze_warmed_up()  # no full garbage collection walks what the warm-up built (assistant.core.heap)


_index_warm_started: weakref.WeakSet[Pipeline] = weakref.WeakSet()  # pipelines whose index warm-up has begun
_index_warm_lock = threading.Lock()
_last_answer = [0.0]  # time.monotonic() when this process last finished an answer
QUIET_S = 1.5  # the warm-up steps start once no answer has been given for this long...
QUIET_WAIT_MAX_S = 30.0  # ...or after this long anyway, so a busy server still gets its index


def warm_index_after_answer(pipeline: Pipeline) -> None:
    """Open the retrieval index in the background, once per pipeline, after an answer was drawn.

    Until it is open the rule planner answers without retrieval's suggestions; it needs them only
    for questions it cannot read. The thread is started last in the run, so the answer on screen
    did not wait for it, and each of its two steps (the index ~0.7 s, jieba's dictionary ~1-1.4 s,
    which holds the GIL throughout) waits for a pause between questions: a manager reading an
    answer costs nothing, one asking the next question right away is not slowed."""
    base = pipeline.base if isinstance(pipeline, ScopedPipeline) else pipeline
    if base.settings.llm_configured:
        return  # the model's planner needs the index for every question: _warm opened it before the first
    with _index_warm_lock:
        if base in _index_warm_started:
            return
        _index_warm_started.add(base)
    threading.Thread(target=_warm_index, args=(base,), name="fa-index-warm", daemon=True).start()


def _wait_for_quiet() -> None:
    deadline = time.monotonic() + QUIET_WAIT_MAX_S
    while time.monotonic() < deadline and time.monotonic() - _last_answer[0] < QUIET_S:
        time.sleep(0.1)


def _warm_index(pipeline: Pipeline) -> None:
    try:
        _wait_for_quiet()
        pipeline.index  # noqa: B018  (chromadb and the documents' tokens, or the start-up cache)
        _wait_for_quiet()
        pipeline.warm_index()  # now only the Chinese segmenter is left to load
    except Exception as exc:
        log.warning("retrieval index not available: %s", exc)
    freeze_warmed_up()  # the index, its models and the segmenter's dictionary


def load(lang: str) -> Loaded:
    from assistant.surfaces.app.i18n import t

    try:
        settings = Settings.load()
    except FactoryAssistantError as exc:
        return Loaded(problem="config_error", detail=str(exc))
    path = db_file(settings)
    if path is not None and not path.exists():
        return Loaded(settings, problem="db_missing", detail=str(path))
    try:
        with st.spinner(t("loading", lang)):
            pipeline = _pipeline(_settings_key(settings), settings)
    except FactoryAssistantError as exc:
        return Loaded(settings, problem="db_error", detail=str(exc))
    except Exception as exc:  # a broken layer or driver must not show a traceback to users
        log.exception("could not build the pipeline")
        return Loaded(settings, problem="db_error", detail=type(exc).__name__)
    try:
        # Every page gets the signed-in user's view: their rows, their metrics, their members.
        pipeline = for_user(pipeline, st.session_state.get(USER))
    except FactoryAssistantError as exc:
        return Loaded(settings, problem="access_error", detail=str(exc))
    return Loaded(settings, pipeline)


# ---------------------------------------------------------------------- conversation
def init_session(default_zh: bool) -> None:
    st.session_state.setdefault(LANG_KEY, default_zh)
    st.session_state.setdefault(HISTORY, [])
    st.session_state.setdefault(SESSION, Session())
    st.session_state.setdefault(PENDING, None)
    st.session_state.setdefault(AS_OF_KEY, None)
    st.session_state.setdefault(PLANNER_KEY, None)


def question_from_link(max_chars: int = 500) -> None:
    """A chat bot's or an alert's "details" link opens the app asking the same question
    (`/?q=...&lang=zh`): the question is queued once and the parameters are taken off the
    address, so a refresh does not ask it again."""
    params = st.query_params
    question = " ".join(str(params.get("q") or "").split())[:max_chars]
    lang = params.get("lang")
    if lang in ("en", "zh"):
        st.session_state[LANG_KEY] = lang == "zh"
    for key in ("q", "lang"):
        if key in params:
            del params[key]
    if question:
        st.session_state[PENDING] = question


def today(settings: Settings) -> dt.date:
    """The date "today" means for this session: chosen on the Settings page, else the configured one."""
    chosen: dt.date | None = st.session_state.get(AS_OF_KEY)
    return chosen or settings.today()


def planner_name(pipeline: Pipeline) -> str:
    """How this session's questions are read; a choice the pipeline no longer offers falls back."""
    chosen: str | None = st.session_state.get(PLANNER_KEY)
    return chosen if chosen in pipeline.planners else pipeline.default_planner


def new_conversation() -> None:
    st.session_state[HISTORY] = []
    st.session_state[SESSION] = Session()
    st.session_state[PENDING] = None


def queue_question(question: str) -> None:
    """Button callback: the next script run asks this question as if it had been typed."""
    st.session_state[PENDING] = question


def take_pending() -> str | None:
    question = st.session_state.get(PENDING)
    st.session_state[PENDING] = None
    return question


def ask(pipeline: Pipeline, question: str) -> Answer:
    """Ask with this browser session's context; never raises (errors become answers)."""
    session: Session = st.session_state[SESSION]
    lang = question_lang(question)
    turns = len(session.turns)
    try:
        answer = pipeline.ask(question, session=session, as_of=today(pipeline.settings), planner=planner_name(pipeline))
    except FactoryAssistantError as exc:
        answer = Answer(question, "error", str(exc), lang=lang)
    except Exception:
        log.exception("unexpected error while answering %r", question)
        answer = Answer(question, "error", "", lang=lang)  # the renderer shows a friendly generic message
    _last_answer[0] = time.monotonic()
    # The plan is kept so a language switch can say the same answer again without re-reading the question.
    plan = session.turns[-1].plan if len(session.turns) > turns else None
    st.session_state[HISTORY].append({"question": question, "answer": answer, "plan": plan})
    return answer


def history() -> list[dict[str, Any]]:
    return st.session_state.get(HISTORY, [])


# ---------------------------------------------------------------------- language switch
def language_switched(lang: str) -> bool:
    """True once after the interface language changed (by the sidebar toggle or the Settings page)."""
    shown = st.session_state.get(SHOWN_LANG)
    st.session_state[SHOWN_LANG] = lang
    return shown is not None and shown != lang


def follow_language(pipeline: Pipeline | None, lang: str) -> None:
    """Say every answer of the conversation again in `lang`, so nothing of the old language is left.

    Answers are re-run from their kept plans (same query, same dates, new words); clarifications
    and refusals keep their text, since their planner wrote it for the words the user typed. (The
    traceability page says its own last result again when it finds it in another language.)"""
    for item in history():
        plan: Plan | None = item.get("plan")
        answer: Answer = item["answer"]
        if pipeline is None or plan is None or answer.lang == lang or plan.kind in ("clarify", "refuse"):
            continue
        item["answer"] = _again(pipeline, item["question"], plan, answer, lang)


def _again(pipeline: Pipeline, question: str, plan: Plan, answer: Answer, lang: str) -> Answer:
    try:
        fresh = pipeline.execute_plan(question, plan, lang=lang, timings={})
    except Exception:
        log.exception("could not re-run %r in %s", question, lang)
        return answer
    fresh.timings_ms = answer.timings_ms  # what the user waited for when asking
    return fresh

