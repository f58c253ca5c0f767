"""One incident on the Alerts page: what it said (in the UI language), when, and its evidence as
kept when it opened: the chart, the figures (labels, not codes), and the query behind a toggle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from assistant.core.text import shorten
from assistant.core.units import format_value
from assistant.explain.periods import day_words, period_label
from assistant.pipeline import Pipeline
from assistant.surfaces.app.i18n import t
from semantic_layer.models import GRAINS

__all__ = ["show_incident", "when_words"]


def when_words(moment: dt.datetime | None, lang: str) -> str:
    """'31 Dec 2025, 09:00 UTC' / '2025年12月31日 09:00（UTC）'."""
    if moment is None:
        return "—"
    utc = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    if lang == "zh":
        return f"{day_words(utc.date(), lang)} {utc:%H:%M}（UTC）"
    return f"{day_words(utc.date(), lang)}, {utc:%H:%M} UTC"


def show_incident(row: dict[str, Any], pipeline: Pipeline, lang: str, key: str, *, expanded: bool = False) -> None:
    message = str(row["message_zh"] if lang == "zh" else row["message_en"])
    icon = ":material/notifications_active:" if row["status"] == "open" else ":material/check_circle:"
    with st.expander(shorten(message, 100), icon=icon, expanded=expanded):
        st.markdown(message)
        when = t("alerts_opened_at", lang, when=when_words(row.get("opened_at"), lang))
        if row.get("resolved_at") is not None:
            when += t("alerts_sep", lang) + t("alerts_resolved_at", lang, when=when_words(row["resolved_at"], lang))
        st.caption(when)
        evidence = row.get("evidence") or {}
        if evidence.get("chart"):
            st.vega_lite_chart(spec=evidence["chart"], width="stretch", key=f"{key}-chart")
        frame = _frame(evidence, pipeline, lang)
        if frame is not None:
            st.caption(t("alerts_evidence_table", lang))
            st.dataframe(frame, hide_index=True, width="stretch", height="auto" if len(frame) <= 12 else 320)
            if evidence.get("truncated"):
                st.caption(t("truncated", lang, n=len(frame)))
        # The query is for whoever checks the figure, not the first read: behind a toggle, as on Ask.
        if evidence.get("sql") and st.toggle(t("alerts_show_sql", lang), key=f"{key}-sql"):
            st.code(str(evidence["sql"]), language="sql")


def _frame(evidence: dict[str, Any], pipeline: Pipeline, lang: str) -> pd.DataFrame | None:
    """The kept rows as people read them: column names and members by their labels, periods in
    words, figures in their units."""
    columns, rows = evidence.get("columns") or [], evidence.get("rows") or []
    if not columns or not rows:
        return None
    layer = pipeline.layer
    shown = [[_cell(col, value, pipeline, lang) for col, value in zip(columns, r, strict=False)] for r in rows]
    return pd.DataFrame(shown, columns=[_heading(c, pipeline, lang) for c in columns]) if layer else None


def _heading(column: str, pipeline: Pipeline, lang: str) -> str:
    layer = pipeline.layer
    if column in layer.metrics:
        return layer.metric(column).label.get(lang)
    if column in layer.dimensions:
        return layer.dimension(column).label.get(lang)
    if column in GRAINS:
        return t("alerts_col_period", lang)
    return column


def _cell(column: str, value: Any, pipeline: Pipeline, lang: str) -> Any:
    layer = pipeline.layer
    if value is None:
        return "—"
    if column in layer.metrics:
        try:
            return format_value(float(value), layer.unit(layer.metric(column).unit), lang)
        except (TypeError, ValueError):
            return value
    if column in layer.dimensions:
        member = pipeline.values.find(column, str(value))
        return member.label(lang) if member is not None else value
    if column in GRAINS:
        return period_label(value, column, lang)
    return value
