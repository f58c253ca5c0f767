"""General classes of misses found by the first run of a fresh blind set (eval/blind6.yaml), each
asserted on the plan, so a regression names its class. The blind set itself stays the measure.
"""

from __future__ import annotations

from typing import Any

import pytest

from assistant.pipeline import Pipeline


def plan(pipeline: Pipeline, question: str) -> tuple[str, dict[str, Any], Any]:
    answer = pipeline.ask(question)
    return answer.status, answer.semantic_query or {}, answer


def filters(query: dict[str, Any]) -> dict[str, list[str]]:
    return {f["field"]: f["values"] for f in query.get("filters", [])}


@pytest.mark.parametrize("question, metric, n, way", [
    ("本月最耗电的5台设备", "energy_kwh", 5, True),
    ("top 3 machines by energy this month", "energy_kwh", 3, True),
])
def test_a_count_after_a_bare_superlative_ranks_that_many(pipeline: Pipeline, question: str, metric: str, n: int,
                                                          way: bool) -> None:
    status, query, _ = plan(pipeline, question)
    assert status == "ok" and query["metrics"] == [metric] and query["limit"] == n
    assert query["order"] == [{"field": metric, "desc": way}]


def test_a_typo_in_a_longer_metric_word_is_not_read_as_the_shorter_one(pipeline: Pipeline) -> None:
    status, query, _ = plan(pipeline, "苏洲工厂本月的良品律是多少")
    assert status == "ok" and query["metrics"] == ["quality_rate"] and filters(query) == {"plant": ["SZ"]}
    assert plan(pipeline, "本月的良品是多少")[1]["metrics"] == ["good_output"]  # the shorter word still reads


@pytest.mark.parametrize("question", ["过去30天换型一共花了多少分钟", "how many minutes did we lose to changeovers last month"])
def test_time_spent_is_no_money_and_the_unit_names_the_metric(pipeline: Pipeline, question: str) -> None:
    status, query, _ = plan(pipeline, question)
    assert status == "ok" and query["metrics"] == ["downtime_minutes"]
    assert filters(query) == {"downtime_reason": ["changeover"]}


@pytest.mark.parametrize("question", ["total overtime hours paid last month?", "overtime hours in Ningbo last month",
                                      "宁波上个月加班多少小时"])
def test_a_unit_alone_does_not_pick_a_metric(pipeline: Pipeline, question: str) -> None:
    """MTBF is the one metric in hours: naming hours (and a plant every fact reaches) is no reason to
    answer it for overtime, which the data does not hold."""
    status, query, _ = plan(pipeline, question)
    assert status != "ok" or "mtbf_hours" not in query.get("metrics", [])


@pytest.mark.parametrize("question", ["how much did we spend on maintenance last month", "上个月花了多少钱"])
def test_money_is_still_refused(pipeline: Pipeline, question: str) -> None:
    status, _, answer = plan(pipeline, question)
    assert status == "refused" and ("money" in answer.message or "金额" in answer.message)


def test_a_month_after_vs_is_a_month(pipeline: Pipeline) -> None:
    status, query, _ = plan(pipeline, "scrap rate Nov versus Oct")
    assert status == "ok" and filters(query) == {"month": ["2025-10-01", "2025-11-01"]}


@pytest.mark.parametrize("question", ["苏州1号线和2号线本月的产量对比一下", "Suzhou line 1 and line 2 output this month"])
def test_a_partial_name_beside_a_sibling_takes_the_siblings_parent(pipeline: Pipeline, question: str) -> None:
    status, query, _ = plan(pipeline, question)
    assert status == "ok" and filters(query) == {"line": ["SZ-L1", "SZ-L2"]}


def test_a_bare_partial_name_is_still_asked(pipeline: Pipeline) -> None:
    status, _, answer = plan(pipeline, "line 2 output this month")
    assert status == "clarify" and len(answer.extras.get("choices") or []) == 3


def test_a_member_with_no_metric_offers_the_metrics_that_reach_it(pipeline: Pipeline) -> None:
    status, _, answer = plan(pipeline, "cracks on Ningbo Line 3 last month")
    assert status == "clarify"
    offered = " ".join(c["label"] for c in answer.extras.get("choices") or []) or answer.message
    assert "Defect" in offered and "output" not in offered.lower()


def ask_in_turn(pipeline: Pipeline, *questions: str) -> tuple[str, dict[str, Any]]:
    session = pipeline.new_session()
    for q in questions:
        answer = pipeline.ask(q, session=session)
    return answer.status, answer.semantic_query or {}


def test_a_follow_up_with_ne_then_more_words_keeps_the_period(pipeline: Pipeline) -> None:
    status, query = ask_in_turn(pipeline, "今年每季度的产量", "良品数呢？也按季度")
    assert status == "ok" and query["metrics"] == ["good_output"] and query["time_grain"] == "quarter"
    assert query["time_range"]["start"] == "2025-01-01"


def test_break_it_down_by_status_reads_the_status_of_the_previous_rows(pipeline: Pipeline) -> None:
    status, query = ask_in_turn(pipeline, "how many complaints did we get in Q4", "break it down by status")
    assert status == "ok" and query["dimensions"] == ["complaint_status"]


@pytest.mark.parametrize("follow", ["now by month instead of by reason", "按月看，不要按原因"])
def test_instead_of_a_breakdown_takes_it_away(pipeline: Pipeline, follow: str) -> None:
    status, query = ask_in_turn(pipeline, "downtime by reason this year", follow)
    assert status == "ok" and query.get("dimensions", []) == [] and query["time_grain"] == "month"


def test_a_counting_phrase_counts_the_metric_before_it(pipeline: Pipeline) -> None:
    status, query, _ = plan(pipeline, "重庆今年各类缺陷分别多少件")
    assert status == "ok" and query["metrics"] == ["defect_quantity"] and query["dimensions"] == ["defect_type"]
    both = plan(pipeline, "how many parts did we make last month and how many defects")[1]
    assert both["metrics"] == ["total_output", "defect_quantity"]  # two counts named: two figures


@pytest.mark.parametrize("question", ["customers in Europe - list w/ country", "list the customers in Europe with their country"])
def test_list_said_after_the_thing_still_lists(pipeline: Pipeline, question: str) -> None:
    status, query, _ = plan(pipeline, question)
    assert status == "ok" and query.get("metrics", []) == []
    assert query["dimensions"] == ["customer", "customer_country"] and filters(query) == {"customer_region": ["Europe"]}
