"""The planner never widens or swaps an answer: unknown names and ids, impossible dates and
ambiguous typos are asked about; repaired typos are said out loud."""

from __future__ import annotations

import datetime as dt

import pytest

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def ask(pipeline):
    return lambda q: pipeline.ask(q, session=pipeline.new_session(), as_of=AS_OF)


@pytest.mark.parametrize("question,word,option", [
    ("OEE of machine SZ-L9-M99 last month", "SZ-L9-M99", "SZ-L2-M09"),
    ("OEE of line NB-L7 last month", "NB-L7", "NB-L1"),
    ("OEE for Shanghai plant last month", "Shanghai", "Shanghai Precision Fasteners"),  # a supplier, not a plant
    ("OEE for customer Toyota", "Toyota", None),
    ("产量 苏州5号线 上个月", "5号线", None),
])
def test_unknown_names_are_asked_about(ask, question: str, word: str, option: str | None) -> None:
    answer = ask(question)
    assert answer.status == "clarify", answer.interpretation
    assert word in answer.message and answer.rows == [] and answer.sql is None
    if option:  # offered by name, and as the question asked again with it
        assert option in [c["label"] for c in answer.extras["choices"]]
        assert any(option in q and q != option for q in answer.suggestions)


def test_impossible_date_is_named(ask) -> None:
    answer = ask("OEE by plant from 2025-13-01 to 2025-14-01")
    assert answer.status == "clarify" and "2025-13-01" in answer.message and "YYYY-MM-DD" in answer.message


@pytest.mark.parametrize("question,field,key", [
    ("Hengtai的准时交付率最近90天", "supplier", "SUP-04"),
    ("恒泰的准时交付率", "supplier", "SUP-04"),
    ("苏洲上个月的报废率", "plant", "SZ"),
    ("宁坡的产量", "plant", "NB"),
])
def test_short_names_and_homophones_resolve(ask, question: str, field: str, key: str) -> None:
    answer = ask(question)
    assert answer.status == "ok"
    filters = {f["field"]: f["values"] for f in answer.semantic_query["filters"]}
    assert filters[field] == [key]


def test_homophone_metric_typo_is_reported(ask) -> None:
    answer = ask("苏州本月的两品率")
    assert answer.semantic_query["metrics"] == ["quality_rate"]
    assert "两品率" in answer.interpretation and "良品率" in answer.interpretation


def test_time_word_typos_keep_the_period(ask) -> None:
    answer = ask("whats the avalability for ningbo lst month")
    assert answer.semantic_query["time_range"]["start"] == "2025-11-01"
    assert "read 'lst' as 'last'" in answer.interpretation


def test_exclusion_range_and_previous_period(ask) -> None:
    excl = ask("OEE by plant last month excluding Suzhou").semantic_query
    assert {"field": "plant", "op": "not in", "values": ["SZ"]} in excl["filters"]
    rng = ask("plants with OEE between 80% and 85% last month").semantic_query
    assert {"field": "oee", "op": "between", "values": [0.8, 0.85]} in rng["filters"]
    prev = ask("Output last month compared to the month before").semantic_query
    assert prev["time_grain"] == "month" and prev["time_range"] == {"start": "2025-10-01", "end": "2025-11-30",
                                                                    "label": prev["time_range"]["label"]}


def test_all_plants_means_one_total(ask) -> None:
    answer = ask("total kWh used today across all plants")
    assert answer.semantic_query["dimensions"] == [] and len(answer.rows) == 1
