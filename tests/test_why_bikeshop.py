"""The second, unrelated layer (tests/fixtures/bikeshop) answers "why did it change?" with no
code change: its own metrics, breakdowns and labels, in both languages, and figures that agree
with hand-written SQL over a separate copy of its database."""

from __future__ import annotations

import math

import pytest

from tests.test_second_layer import bikeshop  # noqa: F401  (the module's pipeline + check connection)

RETURN_RATE = """
    SELECT (SELECT SUM(qty) FROM returns WHERE return_date BETWEEN DATE '{s}' AND DATE '{e}')::DOUBLE
         / (SELECT SUM(qty) FROM sales WHERE sale_date BETWEEN DATE '{s}' AND DATE '{e}')"""
RATE_BY_STORE = """
    WITH s AS (SELECT store_id, SUM(qty) AS q FROM sales WHERE sale_date BETWEEN DATE '{s}' AND DATE '{e}' GROUP BY 1),
         r AS (SELECT store_id, SUM(qty) AS q FROM returns WHERE return_date BETWEEN DATE '{s}' AND DATE '{e}' GROUP BY 1)
    SELECT s.store_id, COALESCE(r.q, 0)::DOUBLE / s.q FROM s LEFT JOIN r USING (store_id)"""


@pytest.mark.parametrize("question,lang", [("Why did the return rate rise last month?", "en"),
                                           ("为什么上个月退货率上升了？", "zh")])
def test_a_why_question_on_another_layer(bikeshop, question: str, lang: str) -> None:  # noqa: F811
    pipe, check = bikeshop
    answer = pipe.ask(question)
    assert answer.status == "ok", answer.message
    w = answer.extras["why"]
    assert w["metric"] == "return_rate" and answer.lang == lang
    assert (w["later"], w["earlier"]) == (["2025-05-01", "2025-05-31"], ["2025-04-01", "2025-04-30"])
    for (s, e), value in ((w["earlier"], w["before"]), (w["later"], w["after"])):
        assert math.isclose(check.execute(RETURN_RATE.format(s=s, e=e)).fetchall()[0][0], value, rel_tol=1e-9)
    parts = w["driver"]["parts"]
    assert math.isclose(sum(p["contribution"] for p in parts), w["change"], rel_tol=1e-9)
    if w["driver"]["dimension"] == "store":  # each store's own rate is the hand-written one
        own = dict(check.execute(RATE_BY_STORE.format(s=w["later"][0], e=w["later"][1])).fetchall())
        for p in parts:
            assert math.isclose(own[p["key"]], p["after"], rel_tol=1e-9)
    assert ("退货率" if lang == "zh" else "Return rate") in answer.message
    assert ("2025年5月" if lang == "zh" else "May 2025") in answer.message
    assert answer.chart is not None and answer.chart["usermeta"]["kind"] == "waterfall"


def test_why_follow_up_on_another_layer(bikeshop) -> None:  # noqa: F811
    pipe, _ = bikeshop
    session = pipe.new_session()
    pipe.ask("revenue by month this year", session=session)
    answer = pipe.ask("why?", session=session)
    assert answer.status == "ok", answer.message
    assert answer.extras["why"]["metric"] == "revenue"
    assert answer.extras["why"]["kind"] == "additive"
