"""The traceability page: pick or type an id, see the chain upstream and downstream, export CSV.

Node types, their labels, tables and id columns all come from the layer's genealogy; the walk
itself is asked through the pipeline (`Pipeline.trace`), like a trace question on the Ask page.
When that package is missing the page says what is coming instead.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.core.errors import FactoryAssistantError
from assistant.explain.answer import Answer
from assistant.explain.trace.export import trace_to_csv
from assistant.pipeline import Pipeline
from assistant.plan.types import TraceRequest
from assistant.surfaces.app import state
from assistant.surfaces.app.common import current_lang, show_problem
from assistant.surfaces.app.i18n import t
from assistant.surfaces.app.render import provenance
from assistant.surfaces.app.trace_view import show_trace
from semantic_layer.models import GenealogyNode

RECENT_IDS = 25
RESULT = "trace_result"  # {"node", "id", "lang", "answer"} of the last trace on this page
ID_KEY = "trace_id"


def trace_page() -> None:
    lang = current_lang()
    st.subheader(t("trace_title", lang))
    loaded = state.load(lang)
    if loaded.pipeline is None:
        show_problem(loaded, lang)
        return
    pipeline = loaded.pipeline
    nodes = [n for n in pipeline.layer.spec.genealogy.nodes if not n.context]
    if not nodes:
        st.info(t("trace_no_genealogy", lang))
        return
    st.caption(t("trace_intro", lang))
    by_name = {n.name: n for n in nodes}
    name = st.selectbox(t("trace_kind", lang), list(by_name), key="trace_kind",
                        format_func=lambda n: by_name[n].label.get(lang).capitalize())
    node = by_name[name]
    recent = _recent_ids(pipeline, node)
    st.selectbox(t("trace_pick", lang), recent, index=None, key=f"trace_pick_{name}", on_change=_copy_pick,
                 args=(f"trace_pick_{name}",), placeholder=t("trace_pick_placeholder", lang))
    st.text_input(t("trace_id", lang), key=ID_KEY, placeholder=recent[0] if recent else "")
    ident = (st.session_state.get(ID_KEY) or "").strip()
    if st.button(t("trace_run", lang), type="primary", disabled=not ident, icon=":material/search:"):
        with st.spinner(t("thinking", lang)):
            st.session_state[RESULT] = {"node": name, "id": ident, "lang": lang,
                                        "answer": _run(pipeline, node, ident, lang)}
    result = st.session_state.get(RESULT)
    if result and result["node"] == name and result["lang"] != lang:
        # The language was switched: the same trace again in it, never two languages on one screen.
        result = {**result, "lang": lang, "answer": _run(pipeline, node, result["id"], lang)}
        st.session_state[RESULT] = result
    if result and result["node"] == name:
        _show(result["answer"], lang)


def _copy_pick(key: str) -> None:
    """Picking a recent id fills the text box, so typing and picking end in one place."""
    if st.session_state.get(key):
        st.session_state[ID_KEY] = st.session_state[key]


def _recent_ids(pipeline: Pipeline, node: GenealogyNode) -> list[str]:
    try:
        return pipeline.recent_ids(node.name, limit=RECENT_IDS)
    except FactoryAssistantError:
        return []  # the page still works by typing an id


def _run(pipeline: Pipeline, node: GenealogyNode, ident: str, lang: str) -> Answer | dict[str, Any]:
    """A trace answer, or {"message", "options"} when the id is unknown (options: real ids)."""
    question = f"{node.label.get(lang)} {ident}"
    request = TraceRequest(start_node=node.name, start_ids=[ident], direction="both")
    try:
        answer = pipeline.trace(request, question=question, lang=lang)
    except Exception:
        state.log.exception("trace of %s %s failed", node.name, ident)
        return {"message": t("error_generic", lang), "options": []}
    if answer.status == "clarify":  # an unknown id: offer the real ones that look like it
        return {"message": answer.message, "options": list(answer.extras.get("options", []))[:6]}
    if answer.status != "ok":
        return {"message": answer.message or t("error_generic", lang), "options": []}
    return answer


def _set_id(value: str) -> None:
    st.session_state[ID_KEY] = value


def _show(answer: Answer | dict[str, Any], lang: str) -> None:
    if isinstance(answer, dict):
        st.warning(answer["message"], icon=":material/search_off:")
        for j, option in enumerate(answer["options"]):
            st.button(option, key=f"trace-opt-{j}", on_click=_set_id, args=(option,))
        return
    if answer.message:
        st.markdown(answer.message)
    show_trace(answer, lang, "page")
    csv = trace_to_csv(answer).encode("utf-8-sig")  # BOM: Excel then shows Chinese names
    ident = answer.extras.get("trace", {}).get("start", {}).get("ids", ["trace"])
    st.download_button(t("download_csv", lang), data=csv, file_name=f"trace-{'-'.join(ident)[:40]}.csv",
                       mime="text/csv", key="trace-csv", icon=":material/download:", on_click="ignore")
    provenance(answer, lang)

