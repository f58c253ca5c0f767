"""'average daily output', '平均每天产量': the mean of the figures per period (SemanticQuery.average_over),
not the series of periods; sums and counts only (an average of daily rates is another figure)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from assistant.plan.query import SemanticQuery

_BY_HAND = """SELECT l.plant_id, SUM(r.total_count) * 1.0 / COUNT(DISTINCT r.production_date)
FROM production_records r JOIN production_lines l ON l.line_id = r.line_id
WHERE r.production_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-30' GROUP BY l.plant_id"""


@pytest.mark.parametrize(("question", "grain"), [
    ("average daily output in Suzhou last month", "day"),
    ("上个月苏州平均每天产量多少", "day"),
    ("what is our daily average scrap by plant this year", "day"),
    ("average weekly breakdowns per line this quarter", "week"),
])
def test_an_average_per_period_is_read(pipeline: Any, question: str, grain: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["average_over"] == grain and not sq.get("time_grain"), sq


def test_the_figure_is_the_mean_of_the_daily_totals(pipeline: Any) -> None:
    answer = pipeline.ask("average daily output by plant last month")
    by_hand = {r[0]: r[1] for r in pipeline.run_sql(_BY_HAND).rows}
    names = {"Suzhou": "SZ", "Ningbo": "NB", "Chongqing": "CQ"}
    assert {names[r[0]]: r[1] for r in answer.rows} == pytest.approx(by_hand)
    assert answer.message.startswith("Average daily total output by plant")


def test_a_rate_stays_a_series(pipeline: Any) -> None:
    sq = pipeline.ask("average daily OEE last month").semantic_query
    assert not sq.get("average_over") and sq["time_grain"] == "day"


def test_an_average_over_periods_takes_no_grain_beside_it() -> None:
    with pytest.raises(ValidationError, match="average over periods"):
        SemanticQuery(metrics=["total_output"], average_over="day", time_grain="month")
