"""A chat bot's "details" link (`/?q=...&lang=...`, built by assistant/surfaces/bots/reply.py) opens the
app asking that question, in that language, once: a refresh does not ask it again."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from streamlit.testing.v1 import AppTest

from assistant.surfaces.bots.reply import _link

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 180


@pytest.fixture
def env(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FA_DB", str(demo_db))
    monkeypatch.setenv("FA_AS_OF", "2025-12-31")


@pytest.mark.parametrize("question, lang, words", [
    ("What was OEE by plant last month?", "en", "OEE by plant"),
    ("上个月各工厂的报废率", "zh", "报废率"),
])
def test_a_details_link_asks_its_question_once(env: None, question: str, lang: str, words: str) -> None:
    link = _link("https://factory.example.com", question, lang)
    query = link.split("?", 1)[1]
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        at.query_params[key] = unquote_plus(value)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    history = at.session_state["fa_history"]
    assert len(history) == 1 and history[0]["question"] == question
    assert history[0]["answer"].status == "ok" and words in history[0]["answer"].message
    assert at.session_state["ui_zh"] is (lang == "zh")
    assert "q" not in at.query_params
    at.run()  # a refresh: the question is not asked again
    assert len(at.session_state["fa_history"]) == 1
