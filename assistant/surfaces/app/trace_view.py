"""One trace answer on screen: the chain picture, then the levels one by one, each collapsible.

Shared by the traceability page and the Ask page. The picture comes in two layouts of the same
spec: a column per level where there is room, a band per level on a phone (where eight columns
would leave a few characters each). The server cannot know the screen's width, so both are
sent and a CSS media query shows one; both are light (at most GROUP_OVER boxes per type).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from assistant.explain.answer import Answer
from assistant.explain.trace.chart import phone_chart
from assistant.explain.trace.words import level_name
from assistant.surfaces.app.i18n import t

PHONE_MAX_PX = 640  # Streamlit stacks its columns below this width too
WIDE_PREFIX = "trace-wide-"
NARROW_PREFIX = "trace-narrow-"
# Keyed containers carry the class "st-key-<key>"; a style-only st.html takes no space.
_CSS = (f"<style>@media (max-width: {PHONE_MAX_PX}px) {{ [class*='st-key-{WIDE_PREFIX}'] {{ display: none; }} }}"
        f"@media (min-width: {PHONE_MAX_PX + 1}px) {{ [class*='st-key-{NARROW_PREFIX}'] {{ display: none; }} }}"
        "</style>")


def show_trace(answer: Answer, lang: str, key: str, *, expand_nearest: bool = True) -> None:
    """The picture (open) and the level list of a trace answer; `key` must be unique on the page."""
    diagram(answer, lang, key)
    level_list(answer, lang, key, expand_nearest=expand_nearest)


def diagram(answer: Answer, lang: str, key: str) -> None:
    if not answer.chart:
        return
    narrow = phone_chart(answer.chart)
    st.html(_CSS)
    for prefix, spec in ((WIDE_PREFIX, answer.chart), (NARROW_PREFIX, narrow)):
        if spec is None:
            continue
        with st.container(key=f"{prefix}{key}"), \
                st.expander(t("trace_diagram", lang), expanded=True, icon=":material/account_tree:"):
            st.vega_lite_chart(spec=spec, width="stretch", key=f"{prefix}chart-{key}")


def level_list(answer: Answer, lang: str, key: str, *, expand_nearest: bool = True) -> None:
    """Upstream then downstream, nearest level first, one expander per type reached.

    Headings follow the interface's language; what the answer says (type labels, level names)
    follows the answer's, like its sentences and tables. A direction the trace did not walk is
    left out rather than reported as empty."""
    trace = answer.extras.get("trace", {})
    levels: list[dict[str, Any]] = trace.get("levels", [])
    walked = trace.get("directions") or ["backward", "forward"]
    for direction, title, chosen in (
            ("backward", t("upstream", lang), [lv for lv in levels if lv["index"] < 0][::-1]),
            ("forward", t("downstream", lang), [lv for lv in levels if lv["index"] > 0])):
        if direction not in walked:
            continue
        st.markdown(f"**{title}**")
        if not chosen:
            st.caption(t("trace_none", lang))
        for level in chosen:
            _level(level, lang, answer.lang, f"{key}-{level['node']}",
                   expanded=expand_nearest and abs(level["index"]) == 1)


def _level(level: dict[str, Any], lang: str, answer_lang: str, key: str, *, expanded: bool) -> None:
    """One type reached: label, count and distance in words ('Finished batches · 6 · 2 steps downstream')."""
    more = t("trace_more", answer_lang, n=level["count"] - len(level["rows"])) if level.get("truncated") else ""
    label = str(level["label"])
    where = level_name(int(level["index"]), answer_lang)
    title = f"{label[:1].upper()}{label[1:]} · {level['count']}{more} · {where}"
    with st.expander(title, expanded=expanded):
        if level["rows"]:
            labels = [level["column_labels"].get(c, c) for c in level["columns"]]
            if len(set(labels)) < len(labels):  # two columns with one label: keep the raw names
                labels = level["columns"]
            codes: dict[str, dict[str, str]] = level.get("value_labels") or {}
            # stored codes ('conditional') read as the layer's labels, like every other table
            rows = [[codes.get(c, {}).get(str(v), v) for c, v in zip(level["columns"], row, strict=False)]
                    for row in level["rows"]]
            frame = pd.DataFrame(rows, columns=labels)
            st.dataframe(frame, hide_index=True, width="stretch", key=f"{key}-rows")
        if level.get("missing"):
            st.caption(t("trace_missing", lang, ids=", ".join(level["missing"][:10])))
