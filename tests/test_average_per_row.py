"""Issue 19: "average X" of a summed figure, with the rows named ("average batch size", "平均每单多少量"),
is the sum over the count of those rows (aggregated first); before, the 'average' was dropped and the
plain sum or the count was answered. An average over a period is not this question."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(("question", "num", "den"), [
    ("average batch size on NB line 3 this year", "batch_quantity", "finished_batches_count"),
    ("宁波3号线今年平均每个成品批次多少件", "batch_quantity", "finished_batches_count"),
    ("今年下的采购单，每个供应商平均每单多少量", "purchased_quantity", "purchase_orders_count"),
    ("今年每个供应商的采购单平均数量", "purchased_quantity", "purchase_orders_count"),
])
def test_an_average_over_named_rows_divides_by_their_count(pipeline: Any, question: str, num: str, den: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    sq = answer.semantic_query
    assert sq["metrics"][:2] == [num, den] and sq["per"] == den, sq


def test_the_figure_is_the_sum_over_the_count(pipeline: Any) -> None:
    per = pipeline.ask("average batch size on NB line 3 this year")
    total = pipeline.ask("batch quantity on NB line 3 this year")
    count = pipeline.ask("how many finished batches on NB line 3 this year")
    assert per.rows[0][-1] == pytest.approx(total.rows[0][0] / count.rows[0][0])  # the ratio follows its parts


def test_an_average_over_a_period_is_not_an_average_over_rows(pipeline: Any) -> None:
    sq = pipeline.ask("average daily output in Suzhou last month").semantic_query
    assert sq is not None and "per" not in {k for k, v in sq.items() if v}


def test_per_before_a_breakdown_is_no_division(pipeline: Any) -> None:
    """'against plan per line for work orders': plan attainment by line, not planned quantity / work orders."""
    sq = pipeline.ask("how did we do against plan per line for work orders finished in Nov?").semantic_query
    assert sq["metrics"][0] == "plan_attainment" and sq["dimensions"] == ["line"] and not sq.get("per"), sq
