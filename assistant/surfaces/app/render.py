"""Render one Answer in a chat message: text, metric card or chart, table, provenance, CSV.

Everything shown comes from the Answer (labels, units, kinds, provenance) and the semantic
layer; nothing here knows a table, column or metric name.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import pandas as pd
import streamlit as st

from assistant.core.units import format_value
from assistant.explain.answer import Answer, json_value
from assistant.explain.charts import auto_chart, chart_plan, column_kinds
from assistant.explain.headline import change_words
from assistant.surfaces.app import state
from assistant.surfaces.app.i18n import t
from assistant.surfaces.app.provenance import card_scope, provenance
from assistant.surfaces.app.trace_view import show_trace
from semantic_layer.layer import Layer
from semantic_layer.models import UnitSpec

DeltaColor = Literal["normal", "inverse", "off"]  # higher is better / lower is better / no change
DeltaArrow = Literal["auto", "off"]

MAX_CARDS = 4


def render_answer(answer: Answer, lang: str, key: str, layer: Layer | None) -> None:
    if answer.status == "ok":
        _render_ok(answer, lang, key, layer)
        _suggestions(answer.suggestions, t("followups", lang), f"{key}-sug")
        return
    text = answer.message or t("error_generic", lang)
    if answer.status == "clarify":
        st.info(text, icon=":material/help:")
    elif answer.status == "refused":
        st.warning(text, icon=":material/block:")
        st.caption(t("refused_hint", lang))
    else:
        st.warning(text, icon=":material/error:")
    choices = answer.extras.get("choices") or []
    if answer.status == "clarify" and choices:
        _choices(choices, f"{key}-choice")
        return
    _suggestions(answer.suggestions, t("try_instead", lang), f"{key}-sug")


def _choices(choices: list[dict[str, str]], key: str) -> None:
    """Every candidate of a clarify answer as a button (all of them: the last is often 'All 6'),
    labelled by what it is; a click asks the question with that pick written in."""
    for j, option in enumerate(choices):
        st.button(option.get("label") or option["question"], key=f"{key}-{j}", on_click=state.queue_question,
                  args=(option["question"],), type="secondary", width="stretch")


def _suggestions(items: list[str], heading: str, key: str) -> None:
    """Clickable questions: a click asks the question on the next run, like typing it."""
    if not items:
        return
    st.caption(heading)
    for j, question in enumerate(items[:6]):
        st.button(question, key=f"{key}-{j}", on_click=state.queue_question, args=(question,),
                  type="secondary", width="stretch")


def _render_ok(answer: Answer, lang: str, key: str, layer: Layer | None) -> None:
    if answer.message:
        st.markdown(answer.message)
    if not answer.rows:
        st.caption(t("no_data", lang))
        provenance(answer, lang, layer, f"{key}-prov")
        return
    plan = chart_plan(answer)
    table_in_expander = False
    if plan.kind == "metric":
        _metric_cards(answer, lang, layer)
        table_in_expander = True
    else:
        spec = answer.chart or _safe_chart(answer)
        if "trace" in answer.extras:
            show_trace(answer, lang, key, expand_nearest=False)
        elif spec is not None:
            st.vega_lite_chart(spec=spec, width="stretch", key=f"{key}-chart")
            table_in_expander = True
        elif plan.reason in ("too_many_categories", "too_many_series"):
            n = _distinct_keys(answer, plan.dims or [])
            st.caption(t(f"reason_{plan.reason}", lang, n=n))
    if table_in_expander:
        with st.expander(t("table", lang), icon=":material/table:"):
            _table(answer)
    else:
        _table(answer)
    if answer.truncated:  # why it was cut (rows or bytes), in the answer's words when it has them
        st.caption(answer.extras.get("truncation_note") or t("truncated", lang, n=len(answer.rows)))
    st.download_button(t("download_csv", lang), data=to_csv(answer), file_name=_file_name(answer),
                       mime="text/csv", key=f"{key}-csv", icon=":material/download:", on_click="ignore")
    provenance(answer, lang, layer, f"{key}-prov")


def _safe_chart(answer: Answer) -> dict[str, Any] | None:
    try:
        return auto_chart(answer)
    except Exception:  # a chart is a bonus: the table still answers the question
        state.log.exception("chart failed")
        return None


def _distinct_keys(answer: Answer, cols: list[str]) -> int:
    idx = [answer.columns.index(c) for c in cols if c in answer.columns]
    return len({tuple(str(r[i]) for i in idx) for r in answer.rows})


# ---------------------------------------------------------------------- metric cards
def _metric_cards(answer: Answer, lang: str, layer: Layer | None) -> None:
    kinds = column_kinds(answer)
    row = answer.rows[0]
    metrics = [c for c in answer.columns if kinds.get(c) == "metric"][:MAX_CARDS]
    context = [str(json_value(answer.shown(c, row[answer.columns.index(c)])))
               for c in answer.columns if kinds.get(c) != "metric"]
    scope = card_scope(answer, lang)
    comparison = answer.extras.get("comparison") or {}
    cols = st.columns(len(metrics)) if len(metrics) > 1 else [st.container()]
    for col, metric in zip(cols, metrics, strict=True):
        value = row[answer.columns.index(metric)]
        unit = answer.unit_of(metric)
        label = answer.column_labels.get(metric, metric)
        if context:
            label = f"{label} · {' / '.join(context)}"
        label = f"{label} · {scope}" if scope else label
        delta, color, arrow = _delta(value, _previous(comparison, metric), unit, lang, metric, layer)
        with col:
            st.metric(label, format_value(value, unit, lang), delta=delta, delta_color=color, delta_arrow=arrow,
                      delta_description=comparison.get("label") or t("vs_previous", lang) if delta else None,
                      border=True)


def _previous(comparison: dict[str, Any], metric: str) -> Any:
    """extras["comparison"]["previous"] is one number, or {metric column: number}."""
    previous = comparison.get("previous")
    return previous.get(metric) if isinstance(previous, dict) else previous


def _delta(value: Any, previous: Any, unit: UnitSpec | None, lang: str, metric: str,
           layer: Layer | None) -> tuple[str | None, DeltaColor, DeltaArrow]:
    """The card's change line; a change that rounds to nothing reads 'unchanged', no arrow."""
    try:
        now, before = float(value), float(previous)
    except (TypeError, ValueError):
        return None, "normal", "auto"
    if math.isnan(now) or math.isnan(before):
        return None, "normal", "auto"
    words = change_words(now, before, unit, lang)
    if not words:
        return None, "normal", "auto"
    if words in ("unchanged", "持平"):
        return words, "off", "off"
    if unit is None or unit.kind != "ratio":  # counts: the amount first, then the percent
        diff = now - before
        words = ("+" if diff >= 0 else "-") + format_value(abs(diff), unit, lang) + f" ({words})"
    better_high = layer.metrics[metric].higher_is_better if layer and metric in layer.metrics else True
    return words, "normal" if better_high else "inverse", "auto"


# ---------------------------------------------------------------------- table and CSV
def _frame(answer: Answer) -> pd.DataFrame:
    """The rows as people read them (labels for codes, periods in words), in the answer's order."""
    return pd.DataFrame([[json_value(v) for v in r] for r in answer.shown_rows()], columns=answer.columns)


def _table(answer: Answer) -> None:
    config: dict[str, Any] = {}
    for col in answer.columns:
        label = answer.column_labels.get(col, col)
        if answer.is_ratio(col):
            config[col] = st.column_config.NumberColumn(label, format="percent")
        else:
            config[col] = st.column_config.Column(label)
    st.dataframe(_frame(answer), hide_index=True, column_config=config, width="stretch",
                 height="auto" if len(answer.rows) <= 12 else 360)


def to_csv(answer: Answer) -> bytes:
    """UTF-8 with BOM so Excel opens Chinese labels correctly; headers are the labels people read."""
    if "trace" in answer.extras:
        from assistant.explain.trace.export import (
            trace_to_csv,  # only trace answers carry extras["trace"]
        )

        return trace_to_csv(answer).encode("utf-8-sig")
    frame = _frame(answer).rename(columns=answer.column_labels)
    return frame.to_csv(index=False).encode("utf-8-sig")


def _file_name(answer: Answer) -> str:
    stem = "-".join(c for c in answer.columns if column_kinds(answer).get(c) == "metric")[:60] or "answer"
    return f"{stem}.csv"
