"""Issue 19, classes of session 19 (each tested in other words than the blind questions that showed them):
a short member code narrowed by the member it belongs to."""

from __future__ import annotations

from typing import Any

import pytest


def _sq(pipeline: Any, question: str) -> dict[str, Any]:
    answer = pipeline.ask(question)
    assert answer.status == "ok", (question, answer.status, answer.message)
    return answer.semantic_query


def _values(sq: dict[str, Any], field: str) -> list[Any]:
    return [v for f in sq["filters"] if f["field"] == field for v in f["values"]]


# -- a code shared by many members is the one under the member named beside it -------------------------
@pytest.mark.parametrize(("question", "machine"), [
    ("downtime minutes of M05 on Chongqing line 3 last month", "CQ-L3-M05"),
    ("宁波1号线的M02上个月停了多少分钟", "NB-L1-M02"),
])
def test_a_shared_code_is_the_member_under_the_one_named(pipeline: Any, question: str, machine: str) -> None:
    assert _values(_sq(pipeline, question), "machine") == [machine]


# -- 'from the week of a day on' -----------------------------------------------------------------------
@pytest.mark.parametrize("question", ["从12月3号那周开始，每周的产量", "每周报废数，从12月3日所在的周起算"])
def test_since_the_week_a_day_falls_in(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["time_range"]["start"] == "2025-12-01" and sq["time_range"]["end"] == "2025-12-31", sq["time_range"]


# -- a breakdown or basis declined is no negation of members -------------------------------------------
@pytest.mark.parametrize("question", [
    "How many parts did Chongqing make in November? One number for the plant, not by line.",
    "上个月宁波一共做了多少件，不用按产线分",
])
def test_a_declined_breakdown_is_no_breakdown_and_no_negation(pipeline: Any, question: str) -> None:
    sq = _sq(pipeline, question)
    assert sq["dimensions"] == [] and sq["metrics"] == ["total_output"], sq


def test_a_declined_breakdown_in_a_follow_up_takes_the_earlier_one_away(pipeline: Any) -> None:
    from tests.planner_cases import conversation
    sq = conversation(pipeline, "scrap count by shift in November", "overall number please, not per shift").semantic_query
    assert sq["dimensions"] == [] and sq["metrics"] == ["scrap_count"], sq


def test_a_basis_declined_names_no_other_figure(pipeline: Any) -> None:
    sq = _sq(pipeline, "Pieces shipped to each customer in November, counted from shipments, not orders.")
    assert sq["metrics"] == ["shipped_quantity"] and sq["dimensions"] == ["customer"], sq


def test_each_reckoned_is_no_negation(pipeline: Any) -> None:
    sq = _sq(pipeline, "按班次分别算一下上个月的报废率")
    assert sq["dimensions"] == ["shift"] and sq["metrics"] == ["scrap_rate"], sq


# -- time words with two letters swapped ---------------------------------------------------------------
@pytest.mark.parametrize(("question", "start"), [("defect ppm for lsat week", "2025-12-22"),
                                                 ("total output this yaer", "2025-01-01")])
def test_swapped_letters_in_time_words(pipeline: Any, question: str, start: str) -> None:
    assert _sq(pipeline, question)["time_range"]["start"] == start
