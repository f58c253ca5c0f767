"""Issue 19: a follow-up that points at the rows of the last answer ("those two", "它", "that one")
is about those members: their filter replaces the ranking that picked them, and the period carries
over. 'it' refers to rows only when one row was shown; a question naming other members keeps them."""

from __future__ import annotations

from typing import Any

import pytest


def _ask(pipeline: Any, *turns: str) -> Any:
    session = pipeline.new_session()
    answers = [pipeline.ask(t, session=session) for t in turns]
    return answers[0], answers[-1]


@pytest.mark.parametrize(("first", "then", "metric"), [
    ("top 2 machines by number of breakdowns in the last 30 days", "what's the MTTR on those two?", "mttr_min"),
    ("过去30天故障次数最多的设备是哪台", "它的平均故障间隔是多少小时", "mtbf_hours"),
    ("今年哪个供应商准时交付率最低", "它今年每个月的情况呢", "on_time_delivery_rate"),
])
def test_the_rows_shown_become_the_filter(pipeline: Any, first: str, then: str, metric: str) -> None:
    before, after = _ask(pipeline, first, then)
    dim = before.semantic_query["dimensions"][0]
    shown = sorted(str(r[before.columns.index(dim)]) for r in before.rows)
    sq = after.semantic_query
    assert after.status == "ok" and sq["metrics"][0] == metric, after.message
    got = [f for f in sq["filters"] if f["field"] == dim]
    assert len(got) == 1 and len(got[0]["values"]) == len(shown), sq["filters"]
    assert sq["time_range"] == before.semantic_query["time_range"]
    assert not sq.get("limit"), sq  # every row of those members, not the ranking's first


def test_it_after_many_rows_is_the_figure_not_a_row(pipeline: Any) -> None:
    _, after = _ask(pipeline, "OEE by line last month", "how was it in October?")
    assert not any(f["field"] == "line" for f in after.semantic_query["filters"])


def test_named_members_win_over_the_rows_shown(pipeline: Any) -> None:
    _, after = _ask(pipeline, "top 2 machines by breakdowns last month", "those two and SZ-L1-M01: MTTR last month")
    values = [f["values"] for f in after.semantic_query["filters"] if f["field"] == "machine"]
    assert values == [["SZ-L1-M01"]] or ["SZ-L1-M01"] in values, after.semantic_query
