"""The Streamlit app through AppTest: chat, charts, provenance, follow-ups, refusals, languages, pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assistant.surfaces.app.i18n import STRINGS, t
from semantic_layer.loader import load_layer

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 180  # the first run builds the pipeline (value catalogue, planners) for the process


@pytest.fixture
def app(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("FA_DB", str(demo_db))
    monkeypatch.setenv("FA_AS_OF", "2025-12-31")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="chat_input").set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def last_answer(at: AppTest) -> Any:
    return at.session_state["fa_history"][-1]["answer"]


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for kind in ("info", "warning", "error", "success") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def test_onboarding_questions_come_from_the_layer(app: AppTest) -> None:
    layer = load_layer()
    labels = [b.label for b in app.button]
    verified = [vq.question for vq in layer.spec.verified_queries]
    assert verified and any(q in labels for q in verified)


def test_question_gives_chart_provenance_and_csv(app: AppTest) -> None:
    ask(app, "What was OEE by plant last month?")
    answer = last_answer(app)
    assert answer.status == "ok", answer.message
    assert app.get("vega_lite_chart"), "no chart element"
    labels = [e.label for e in app.expander]
    assert t("how_computed", "en") in labels
    page = texts(app)
    # Managers first: the metric's meaning, the period and the data's date in words; no SQL yet.
    assert "What the figures mean" in page and "November 2025" in page and "31 Dec 2025" in page
    assert not any(answer.sql in c.value for c in app.code)
    assert "production_records" not in page
    next(tg for tg in app.toggle if tg.label == t("show_details", "en")).set_value(True).run()
    assert any(answer.sql in c.value for c in app.code)  # behind the toggle: the SQL, copyable
    assert app.get("download_button")
    assert answer.interpretation in texts(app)


def test_onboarding_button_asks_the_question(app: AppTest) -> None:
    first = load_layer().spec.verified_queries[0].question
    next(b for b in app.button if b.label == first).click().run()
    assert not app.exception
    assert app.session_state["fa_history"][-1]["question"] == first
    assert [m for m in app.chat_message if m.name == "assistant"]


def test_follow_up_uses_the_previous_question(app: AppTest) -> None:
    ask(app, "What was OEE by plant last month?")
    first = last_answer(app).semantic_query
    ask(app, "and by shift?")
    second = last_answer(app)
    assert second.status == "ok", second.message
    assert second.semantic_query["metrics"] == first["metrics"]  # the metric came from the first question
    assert second.semantic_query["dimensions"] != first["dimensions"]
    assert len(app.get("vega_lite_chart")) == 2  # both answers stay in the history


def test_new_conversation_forgets_the_context(app: AppTest) -> None:
    ask(app, "What was OEE by plant last month?")
    app.button(key="new_chat_main").click().run()
    assert app.session_state["fa_history"] == []
    assert not app.session_state["fa_session"].turns


def test_refusal_renders_a_message_not_an_exception(app: AppTest) -> None:
    ask(app, "what is the CEO's salary?")
    answer = last_answer(app)
    assert answer.status in ("refused", "clarify")
    shown = [w.value for w in app.warning] + [i.value for i in app.info]
    assert answer.message in shown
    assert "Traceback" not in texts(app)


def test_clarify_suggestions_are_clickable(app: AppTest) -> None:
    ask(app, "efficiency by plant last month")  # two metrics fit: the planner asks which
    answer = last_answer(app)
    suggestions = answer.suggestions
    assert answer.status == "clarify" and len(suggestions) >= 2
    next(b for b in app.button if b.label == suggestions[0]).click().run()
    assert not app.exception
    assert app.session_state["fa_history"][-1]["question"] == suggestions[0]


def test_single_value_shows_a_metric_card(app: AppTest) -> None:
    ask(app, "total output last month")
    answer = last_answer(app)
    assert answer.status == "ok" and len(answer.rows) == 1
    assert app.metric and app.metric[0].label.startswith(answer.column_labels[answer.columns[-1]])


def test_language_toggle_switches_to_chinese(app: AppTest) -> None:
    # A short placeholder: one with an example question in it was cut off on a phone.
    assert app.chat_input(key="chat_input").placeholder == t("chat_placeholder", "en")
    app.toggle(key="ui_zh").set_value(True).run()
    assert not app.exception
    assert app.chat_input(key="chat_input").placeholder == t("chat_placeholder", "zh")
    assert t("onboarding", "zh") in texts(app)
    ask(app, "各工厂上个月的报废率是多少？")
    assert t("how_computed", "zh") in [e.label for e in app.expander]
    assert last_answer(app).lang == "zh"


@pytest.mark.parametrize("page", ["glossary", "trace", "alerts", "settings"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_render_in_both_languages(app: AppTest, page: str, lang: str) -> None:
    app.toggle(key="ui_zh").set_value(lang == "zh").run()
    app.switch_page(f"assistant/surfaces/app/pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.subheader, "every page has a heading"


def test_glossary_lists_and_searches_metrics(app: AppTest) -> None:
    layer = load_layer()
    app.switch_page("assistant/surfaces/app/pages/glossary.py").run()
    assert len(app.expander) == len(layer.spec.metrics)
    metric = layer.spec.metrics[0]
    app.text_input(key="glossary_search").set_value(metric.synonyms.zh[0]).run()
    assert 1 <= len(app.expander) < len(layer.spec.metrics)
    assert any(metric.label.en in e.label for e in app.expander)
    dim_label = layer.dimension(layer.metric_dimensions(metric.name)[0]).label.en
    assert dim_label in texts(app)


def test_settings_says_rules_only_without_an_llm(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("FA_LLM_PROVIDER", "FA_LLM_MODEL", "FA_LLM_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FA_CONFIG", str(ROOT / "does-not-exist.toml"))
    app.switch_page("assistant/surfaces/app/pages/settings.py").run()
    assert t("set_reading_now", "en", how=t("reading_rules", "en")) in texts(app)
    assert t("reading_no_llm", "en") in texts(app)


def test_missing_database_explains_how_to_create_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere.duckdb"
    monkeypatch.setenv("FA_DB", str(missing))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any(str(missing) in e.value for e in at.error)
    assert any("factory-assistant demo-data" in c.value for c in at.code)


def test_every_string_has_both_languages() -> None:
    for key, entry in STRINGS.items():
        assert set(entry) == {"en", "zh"}, key
        assert bool(entry["en"]) == bool(entry["zh"]), key


def _trace_button(at: AppTest) -> Any:
    return next(b for b in at.button if b.label == t("trace_run", "en"))


def test_trace_page_follows_a_chain_both_ways(app: AppTest) -> None:
    layer = load_layer()
    nodes = [n for n in layer.spec.genealogy.nodes if not n.context]
    if not nodes:
        pytest.skip("the layer defines no genealogy")
    app.switch_page("assistant/surfaces/app/pages/trace.py").run()
    # A complaint is the end of the chain, so its trace must reach upstream levels.
    start = nodes[-1]
    app.selectbox(key="trace_kind").set_value(start.name).run()
    picker = app.selectbox(key=f"trace_pick_{start.name}")
    assert picker.options, "recent ids are offered"
    picker.set_value(picker.options[0]).run()
    assert app.text_input(key="trace_id").value == picker.options[0]
    _trace_button(app).click().run()
    assert not app.exception, [e.value for e in app.exception]
    result = app.session_state["trace_result"]["answer"]
    assert result.status == "ok"
    levels = result.extras["trace"]["levels"]
    assert any(lv["index"] < 0 and lv["count"] for lv in levels)
    assert app.get("download_button") and t("how_computed", "en") in [e.label for e in app.expander]


def test_trace_page_unknown_id_offers_real_ones(app: AppTest) -> None:
    app.switch_page("assistant/surfaces/app/pages/trace.py").run()
    if not app.selectbox:
        pytest.skip("the layer defines no genealogy")
    app.text_input(key="trace_id").set_value("NO-SUCH-ID-0000").run()
    _trace_button(app).click().run()
    assert not app.exception
    assert app.warning, "an unknown id is explained, not raised"
