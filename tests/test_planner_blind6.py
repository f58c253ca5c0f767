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
