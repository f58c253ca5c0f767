"""The Settings page: what this browser session may change (language, the date "today" means, how
questions are read), then the values in effect in plain words, then every setting for administrators.

Session choices live in st.session_state (state.AS_OF_KEY, state.PLANNER_KEY, state.LANG_KEY), not
in the widgets' own keys: Streamlit forgets a widget's value once its page is left, and the
choices must hold on the Ask page too.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from assistant.core.settings import SETTINGS_TABLE, Settings
from assistant.explain.periods import day_words
from assistant.surfaces.app import state
from assistant.surfaces.app.common import current_lang, data_sentence, reading_label, show_problem
from assistant.surfaces.app.connect_panel import connect_panel
from assistant.surfaces.app.i18n import t

LANG_NAMES = {"en": "English", "zh": "中文"}
LANG_WIDGET = "settings_lang"
AS_OF_WIDGET = "settings_as_of"
PLANNER_WIDGET = "settings_planner"
SESSION_SETTINGS = {"as_of": state.AS_OF_KEY, "planner": state.PLANNER_KEY}  # setting -> session override
SOURCES = {"default": "source_default", "config file": "source_config", "argument": "source_argument"}
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)  # date_input's own bounds are only ±10 years


def settings_page() -> None:
    lang = current_lang()
    loaded = state.load(lang)
    st.subheader(t("settings_title", lang))
    settings = loaded.settings
    if settings is None:
        show_problem(loaded, lang)
        return
    _session_choices(loaded, settings, lang)
    st.divider()
    _in_effect(loaded, settings, lang)
    # Also when the configured database does not open: that is when a new one is needed most.
    connect_panel(settings, st.session_state.get(state.USER), lang)


# ---------------------------------------------------------------------- this session
def _session_choices(loaded: state.Loaded, settings: Settings, lang: str) -> None:
    st.markdown(f"**{t('set_session', lang)}**")
    st.caption(t("set_session_help", lang))
    # Each widget starts from the session's value, so a change made elsewhere (the sidebar
    # toggle) shows here too.
    st.session_state[LANG_WIDGET] = lang
    st.radio(t("set_language", lang), list(LANG_NAMES), format_func=LANG_NAMES.__getitem__, key=LANG_WIDGET,
             horizontal=True, on_change=_set_lang)
    st.session_state[AS_OF_WIDGET] = state.today(settings)
    st.date_input(t("set_as_of", lang), key=AS_OF_WIDGET, help=t("set_as_of_help", lang), min_value=EARLIEST,
                  max_value=LATEST, on_change=_set_as_of, args=(settings.today(),))
    if st.session_state.get(state.AS_OF_KEY) is not None:
        st.button(t("set_as_of_reset", lang, day=day_words(settings.today(), lang)), key="settings_as_of_reset",
                  on_click=_reset_as_of, type="tertiary", icon=":material/undo:")
    pipeline = loaded.pipeline
    if pipeline is None:
        return
    names = list(pipeline.planners)
    st.session_state[PLANNER_WIDGET] = state.planner_name(pipeline)
    st.radio(t("set_reading", lang), names, key=PLANNER_WIDGET, on_change=_set_planner, disabled=len(names) == 1,
             format_func=lambda name: reading_label(name, settings, lang))
    if not settings.llm_configured:
        st.caption(t("reading_no_llm", lang))


def _set_lang() -> None:
    st.session_state[state.LANG_KEY] = st.session_state[LANG_WIDGET] == "zh"


def _set_as_of(configured: dt.date) -> None:
    chosen = st.session_state.get(AS_OF_WIDGET)
    # Picking the configured day again is the same as no choice: later config changes then apply.
    st.session_state[state.AS_OF_KEY] = chosen if isinstance(chosen, dt.date) and chosen != configured else None


def _reset_as_of() -> None:
    st.session_state[state.AS_OF_KEY] = None


def _set_planner() -> None:
    st.session_state[state.PLANNER_KEY] = st.session_state.get(PLANNER_WIDGET)


# ---------------------------------------------------------------------- in effect
def _in_effect(loaded: state.Loaded, settings: Settings, lang: str) -> None:
    st.markdown(f"**{t('set_in_effect', lang)}**")
    pipeline = loaded.pipeline
    if pipeline is None:
        show_problem(loaded, lang)
        planner = settings.effective_planner
    else:
        counts = pipeline.layer.describe()
        st.markdown(f"{data_sentence(pipeline, lang)}  \n{t('data_contents', lang, **counts)}")
        st.success(t("db_ok", lang, db=shown_db(settings.db_target())), icon=":material/database:")
        planner = state.planner_name(pipeline)
    day = state.today(settings)
    source = ("today_session" if st.session_state.get(state.AS_OF_KEY) is not None
              else "today_fixed" if settings.as_of is not None else "today_real")
    st.markdown(f"- {t('set_reading_now', lang, how=reading_label(planner, settings, lang))}\n"
                f"- {t('set_today', lang, day=day_words(day, lang), source=t(source, lang))}\n"
                f"- {t('set_limits', lang, rows=f'{settings.max_rows:,}', seconds=f'{settings.timeout_s:g}')}")
    with st.expander(t("all_settings", lang)):
        frame = pd.DataFrame(_rows(settings, lang),
                             columns=[t("col_setting", lang), t("col_value", lang), t("col_source", lang)])
        st.dataframe(frame, hide_index=True, width="stretch")


def _rows(settings: Settings, lang: str) -> list[tuple[str, str, str]]:
    """Every setting, by the variable an administrator sets, with the value this session uses
    ('not set' rather than None) and where that value came from."""
    env = {s.name: s.env for s in SETTINGS_TABLE}
    rows = []
    for name, shown, source in settings.describe():
        chosen = st.session_state.get(SESSION_SETTINGS[name]) if name in SESSION_SETTINGS else None
        if chosen is not None:
            shown, source = str(chosen), t("today_session", lang)
        elif getattr(settings, name) is None:
            shown = t("not_set", lang)
        rows.append((env[name], shown, t(SOURCES[source], lang) if source in SOURCES else source))
    return rows


def shown_db(target: str) -> str:
    """The database as users may see it: a server URL without its password."""
    if "://" not in target:
        return target
    try:
        from sqlalchemy.engine import make_url

        return make_url(target).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show only where it points
        return target.rsplit("@", 1)[-1]
