"""Issue 19: a figure asked in another unit is shown in it ("downtime in hours", "多少小时",
"换算成小时" as a follow-up), converted by the layer's declared conversion, never answered in
its own unit under the asked one's name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from assistant.core.errors import QueryError
from assistant.plan.query import SemanticQuery
from semantic_layer.errors import LayerError
from semantic_layer.layer import Layer
from semantic_layer.models import LayerSpec, UnitConversion, UnitSpec

LAST_WEEK = "BETWEEN DATE '2025-12-22' AND DATE '2025-12-28'"
NOV = "BETWEEN DATE '2025-11-01' AND DATE '2025-11-30'"


def _gold(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(tuple(round(float(v), 6) if isinstance(v, float) else v for v in r)
                      for r in con.execute(sql).fetchall())
    finally:
        con.close()


def _got(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(round(float(v), 6) if isinstance(v, float) else v for v in r) for r in rows)


@pytest.mark.parametrize(("questions", "unit", "sql"), [
    (["total downtime hrs last week by plant"], "hours",
     f"""SELECT p.plant_name, SUM(d.duration_min) / 60.0 FROM downtime_events d JOIN machines m USING (machine_id)
         JOIN production_lines l ON l.line_id = m.line_id JOIN plants p ON p.plant_id = l.plant_id
         WHERE d.start_time::DATE {LAST_WEEK} GROUP BY 1"""),
    (["上个月苏州一共停机多少小时"], "hours",
     f"""SELECT SUM(d.duration_min) / 60.0 FROM downtime_events d JOIN machines m USING (machine_id)
         JOIN production_lines l ON l.line_id = m.line_id WHERE l.plant_id = 'SZ' AND d.start_time::DATE {NOV}"""),
    (["MTTR by plant last month", "in hours please"], "hours", None),
    (["上个月各工厂平均修复时间", "换算成小时"], "hours", None),
])
def test_asked_unit_is_the_unit_answered(pipeline: Any, demo_db: Path, questions: list[str], unit: str,
                                         sql: str | None) -> None:
    session = pipeline.new_session()
    answers = [pipeline.ask(q, session=session) for q in questions]
    last = answers[-1]
    assert last.status == "ok", last.message
    metric = last.semantic_query["metrics"][0]
    assert last.semantic_query["units"] == {metric: unit}
    assert last.column_units[metric] == unit
    if sql is not None:
        assert _got(last.rows) == _gold(demo_db, sql), last.sql
    else:  # the follow-up: the same figures as before, divided by 60
        before = {tuple(r[:-1]): r[-1] for r in answers[0].rows}
        for row in last.rows:
            assert row[-1] == pytest.approx(before[tuple(row[:-1])] / 60)
    assert ("h" in last.message) or ("小时" in last.message)


@pytest.mark.parametrize("question", ["downtime minutes last month", "total output per hour last week",
                                      "MTBF (hours) for Suzhou last month", "每小时产量"])
def test_no_conversion_without_another_unit_asked(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert not (answer.semantic_query or {}).get("units"), answer.semantic_query


def test_a_unit_the_metric_does_not_convert_to_is_refused_by_validation(pipeline: Any) -> None:
    with pytest.raises(QueryError, match="cannot be shown in"):
        pipeline.compile(SemanticQuery(metrics=["oee"], units={"oee": "hours"}))


def test_conversion_to_an_unknown_unit_fails_at_load() -> None:
    spec = LayerSpec(name="x", label={"en": "x"}, units=[UnitSpec(
        name="minutes", label={"en": "minutes"}, conversions=[UnitConversion(to="hourz", divide_by=60)])])
    with pytest.raises(LayerError, match="unknown unit 'hourz'"):
        Layer(spec)
