"""The chat asks about ambiguous references with the candidates as buttons; a click answers.

Every option is a button labelled by what it is (extras["choices"][i]["label"]), the last one
("All 6 material lots") included; the click asks the option's question.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 180


@pytest.fixture
def app(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("FA_DB", str(demo_db))
    monkeypatch.setenv("FA_AS_OF", "2025-12-31")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _ask(at: AppTest, question: str) -> Any:
    at.chat_input(key="chat_input").set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state["fa_history"][-1]["answer"]


def _button(at: AppTest, option: dict[str, str]) -> Any:
    return next(b for b in at.button if b.label == option["label"])


def test_lots_are_offered_as_buttons_and_a_click_traces_that_lot(app: AppTest, demo_db: Path) -> None:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        newest_first = [r[0] for r in con.execute("""
            SELECT l.lot_id FROM material_lots l JOIN materials m ON m.material_id = l.material_id
            WHERE l.supplier_id = 'SUP-04' AND l.inspection_result = 'conditional' AND m.material_type = 'aluminium'
            ORDER BY l.received_date DESC, l.lot_id DESC""").fetchall()]
    answer = _ask(app, "恒泰金属让步接收的那批铝材做成的成品发给了哪些客户？")
    assert answer.status == "clarify" and answer.message in [i.value for i in app.info]
    choices = answer.extras["choices"]
    assert [c["value"] for c in choices[:-1]] == newest_first
    for option in choices:  # the candidates are buttons, newest first, then "all of them"
        _button(app, option)
    _button(app, choices[1]).click().run()
    assert not app.exception
    picked = app.session_state["fa_history"][-1]
    assert picked["question"] == choices[1]["question"]
    assert picked["answer"].status == "ok" and picked["answer"].extras["trace"]["start"]["ids"] == [newest_first[1]]
    assert any(newest_first[1] in m.value for m in app.markdown)  # the answer on screen names the lot


def test_a_line_in_several_plants_is_a_button_per_plant(app: AppTest) -> None:
    answer = _ask(app, "OEE of line 3 last month")
    assert answer.status == "clarify"
    choices = answer.extras["choices"]
    assert sorted(c["value"] for c in choices) == ["CQ-L3", "NB-L3", "SZ-L3"]
    ningbo = next(c for c in choices if c["value"] == "NB-L3")
    _button(app, ningbo).click().run()
    assert not app.exception
    after = app.session_state["fa_history"][-1]["answer"]
    assert after.status == "ok"
    assert after.semantic_query["filters"] == [{"field": "line", "op": "in", "values": ["NB-L3"]}]
