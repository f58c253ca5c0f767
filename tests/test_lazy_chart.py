"""The chart of an answer is drawn when it is first read, once, and never for an answer nobody
draws (the CLI's text, most API and bot replies)."""

from __future__ import annotations

from typing import Any

import pytest

import assistant.explain.charts as charts
from assistant.explain.answer import Answer
from assistant.pipeline import Pipeline


def test_the_chart_is_drawn_on_first_read_and_only_once(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = charts.auto_chart

    def counting(answer: Answer) -> Any:
        calls.append(answer.question)
        return real(answer)

    monkeypatch.setattr(charts, "auto_chart", counting)
    answer = pipeline.ask("OEE by plant last month")
    assert answer.status == "ok" and calls == []
    first = answer.chart
    assert first is not None and first is answer.chart
    assert calls == ["OEE by plant last month"]
    assert answer.to_json()["chart"] == first


def test_a_chart_set_by_hand_replaces_the_deferred_one() -> None:
    answer = Answer("q", "ok", "m")
    answer.draw_later(lambda _a: pytest.fail("drawn although replaced"))
    answer.chart = {"mark": "bar"}
    assert answer.chart == {"mark": "bar"}
