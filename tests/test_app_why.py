"""A "why" answer in the app: the sentence, the waterfall, and behind the details toggle every
statement it ran (not only the last), each with what it measured."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from assistant.surfaces.app.i18n import t
from tests.test_app import app, ask, last_answer  # noqa: F401  (app is a fixture)


def test_why_answer_shows_every_query_behind_the_toggle(app: AppTest) -> None:  # noqa: F811
    ask(app, "Why did defect ppm at Ningbo rise in November?")
    answer = last_answer(app)
    assert answer.status == "ok" and "Crack" in answer.message
    queries = answer.extras["queries"]
    assert len(queries) > 1
    next(tg for tg in app.toggle if tg.label == t("show_details", "en")).set_value(True).run()
    shown = [c.value for c in app.code]
    assert all(any(q["sql"] == s for s in shown) for q in queries)
