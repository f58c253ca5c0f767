"""Auto charts: the chart type follows the answer's shape and units; PNG rendering works."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

import pytest

from assistant.explain.answer import Answer
from assistant.explain.charts import (
    MAX_BARS,
    MAX_SERIES,
    auto_chart,
    chart_plan,
    chart_png,
    register_cjk_fonts,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make(columns: list[str], rows: list[list[Any]], kinds: dict[str, str] | None, units: dict[str, str] | None = None,
         *, lang: str = "en", semantic_query: dict[str, Any] | None = None, status: str = "ok") -> Answer:
    answer = Answer("q", status, "", columns=columns, rows=rows, lang=lang, semantic_query=semantic_query)  # type: ignore[arg-type]
    if kinds is not None:
        answer.extras["column_kinds"] = kinds
    answer.column_units = units or {}
    answer.column_labels = {c: c.replace("_", " ").title() for c in columns}
    return answer


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer") or [spec]


def encoding(spec: dict[str, Any]) -> dict[str, Any]:
    return layers(spec)[0]["encoding"]


def mark(spec: dict[str, Any]) -> str:
    m = layers(spec)[0]["mark"]
    return m["type"] if isinstance(m, dict) else m


def months(n: int) -> list[dt.date]:
    return [dt.date(2025, 1 + i % 12, 1) for i in range(n)]


def test_single_value_is_a_metric_card() -> None:
    answer = make(["oee"], [[0.71]], {"oee": "metric"}, {"oee": "ratio"})
    assert chart_plan(answer).kind == "metric"
    assert auto_chart(answer) is None


def test_single_row_with_a_category_is_still_a_card() -> None:
    answer = make(["plant", "scrap_count"], [["Suzhou", 120]], {"plant": "dimension", "scrap_count": "metric"})
    assert chart_plan(answer).kind == "metric"


def test_not_ok_or_empty_answers_have_no_chart() -> None:
    assert auto_chart(make(["oee"], [], {"oee": "metric"})) is None
    assert auto_chart(make([], [], None, status="refused")) is None


def test_time_series_is_a_line_with_utc_time_unit() -> None:
    answer = make(["month", "oee"], [[d, 0.6 + i / 100] for i, d in enumerate(months(12))],
                  {"month": "time", "oee": "metric"}, {"oee": "ratio"}, semantic_query={"time_grain": "month"})
    spec = auto_chart(answer)
    assert spec is not None and mark(spec) == "line"
    enc = encoding(spec)
    assert enc["x"]["type"] == "temporal" and enc["x"]["timeUnit"] == "utcyearmonth"
    assert "%" in enc["y"]["axis"]["format"]
    assert "color" not in enc  # one series needs no legend


def test_time_series_by_category_has_one_line_per_category() -> None:
    rows = [[d, p, 0.5] for d in months(6) for p in ("A", "B", "C")]
    answer = make(["month", "plant", "oee"], rows, {"month": "time", "plant": "dimension", "oee": "metric"},
                  {"oee": "ratio"}, semantic_query={"time_grain": "month"})
    spec = auto_chart(answer)
    assert spec is not None and mark(spec) == "line"
    assert encoding(spec)["color"]["legend"]["orient"] == "bottom"  # legends beside the plot eat phone width


def test_too_many_lines_fall_back_to_a_table() -> None:
    rows = [[d, f"M{i}", 1.0] for d in months(3) for i in range(MAX_SERIES + 1)]
    answer = make(["month", "machine", "downtime"], rows, {"month": "time", "machine": "dimension", "downtime": "metric"})
    plan = chart_plan(answer)
    assert (plan.kind, plan.reason) == ("table", "too_many_series")
    assert auto_chart(answer) is None


def test_one_category_is_a_sorted_horizontal_bar() -> None:
    rows = [[f"Machine {i}", float(i * 10)] for i in range(10)]
    answer = make(["machine", "downtime_minutes"], rows, {"machine": "dimension", "downtime_minutes": "metric"},
                  {"downtime_minutes": "minutes"})
    spec = auto_chart(answer)
    assert spec is not None and mark(spec) == "bar"
    enc = encoding(spec)
    assert enc["y"]["type"] == "nominal" and enc["x"]["type"] == "quantitative"  # horizontal
    assert enc["y"]["sort"] == "-x"  # largest first
    assert enc["y"]["axis"]["labelLimit"] <= 140  # long names truncated, not squeezing the bars
    assert any(layer["mark"]["type"] == "text" for layer in layers(spec))  # values readable without hover


def test_bottom_n_sorts_ascending() -> None:
    rows = [[f"L{i}", 0.5 + i / 100] for i in range(5)]
    query = {"order": [{"field": "oee", "desc": False}], "limit": 5}
    answer = make(["line", "oee"], rows, {"line": "dimension", "oee": "metric"}, {"oee": "ratio"}, semantic_query=query)
    spec = auto_chart(answer)
    assert spec is not None and encoding(spec)["y"]["sort"] == "x"


def test_ratio_axis_is_percent() -> None:
    rows = [["A", 0.5], ["B", 0.7]]
    answer = make(["plant", "scrap_rate"], rows, {"plant": "dimension", "scrap_rate": "metric"}, {"scrap_rate": "ratio"})
    spec = auto_chart(answer)
    assert spec is not None
    assert encoding(spec)["x"]["axis"]["format"].endswith("%")
    tooltip = {t["field"]: t for t in encoding(spec)["tooltip"]}
    assert any(t.get("format", "").endswith("%") for t in tooltip.values())


def test_two_metrics_with_one_unit_are_grouped_bars() -> None:
    rows = [[p, 100 * i, 90 * i] for i, p in enumerate("ABCD", 1)]
    answer = make(["plant", "total_output", "good_output"], rows,
                  {"plant": "dimension", "total_output": "metric", "good_output": "metric"},
                  {"total_output": "count", "good_output": "count"})
    spec = auto_chart(answer)
    assert spec is not None and mark(spec) == "bar"
    enc = encoding(spec)
    assert "yOffset" in enc and "color" in enc


def test_two_metrics_of_very_different_size_are_a_scatter() -> None:
    rows = [[p, 100_000 * i, 90 * i] for i, p in enumerate("ABCD", 1)]
    answer = make(["plant", "good_output", "scrap_count"], rows,
                  {"plant": "dimension", "good_output": "metric", "scrap_count": "metric"},
                  {"good_output": "count", "scrap_count": "count"})
    assert chart_plan(answer).kind == "scatter"


def test_two_metrics_with_different_units_are_a_scatter() -> None:
    rows = [[p, 0.6 + i / 50, 100 * i] for i, p in enumerate("ABCD", 1)]
    answer = make(["plant", "oee", "scrap_count"], rows,
                  {"plant": "dimension", "oee": "metric", "scrap_count": "metric"}, {"oee": "ratio", "scrap_count": "count"})
    spec = auto_chart(answer)
    assert spec is not None and mark(spec) == "circle"
    enc = encoding(spec)
    assert enc["x"]["axis"]["format"].endswith("%") and not enc["y"]["axis"]["format"].endswith("%")


def test_too_many_categories_fall_back_to_a_table() -> None:
    rows = [[f"M{i}", i] for i in range(MAX_BARS + 1)]
    answer = make(["machine", "downtime"], rows, {"machine": "dimension", "downtime": "metric"})
    plan = chart_plan(answer)
    assert (plan.kind, plan.reason) == ("table", "too_many_categories")
    assert auto_chart(answer) is None


def test_kinds_are_inferred_for_sql_answers_and_decimals_plot() -> None:
    rows = [["A", decimal.Decimal("1.5")], ["B", decimal.Decimal("2.5")]]
    spec = auto_chart(make(["name", "total"], rows, None))
    assert spec is not None and mark(spec) == "bar"
    values = next(iter(spec["datasets"].values()))
    assert all(isinstance(v, float) for row in values for k, v in row.items() if k == "f1")
    dated = make(["day", "n"], [[dt.date(2025, 1, d), d] for d in range(1, 8)], None)
    spec = auto_chart(dated)
    assert spec is not None and mark(spec) == "line"


def test_specs_fit_a_phone_and_need_no_network() -> None:
    rows = [[p, 0.5] for p in "ABC"]
    spec = auto_chart(make(["plant", "oee"], rows, {"plant": "dimension", "oee": "metric"}, {"oee": "ratio"}))
    assert spec is not None
    assert spec["width"] == "container"
    assert len(spec["title"]["text"]) <= 40
    text = json.dumps(spec)
    assert '"url"' not in text  # data inline: nothing fetched when the chart is drawn
    long = make(["plant", "m"], rows, {"plant": "dimension", "m": "metric"})
    long.column_labels["m"] = "A metric label that is far too long for a phone screen title"
    spec = auto_chart(long)
    assert spec is not None and len(spec["title"]["text"]) <= 40 and spec["title"]["text"].endswith("…")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_png_rendering(lang: str) -> None:
    rows = [["苏州工厂" if lang == "zh" else "Suzhou", 0.61], ["宁波工厂" if lang == "zh" else "Ningbo", 0.72]]
    answer = make(["plant", "oee"], rows, {"plant": "dimension", "oee": "metric"}, {"oee": "ratio"}, lang=lang)
    answer.column_labels = {"plant": "工厂", "oee": "设备综合效率"} if lang == "zh" else answer.column_labels
    spec = auto_chart(answer)
    assert spec is not None
    png = chart_png(spec, lang)
    assert png.startswith(PNG_MAGIC) and len(png) > 2000
    assert spec["width"] == "container"  # the caller's spec is not modified


def test_cjk_font_registration_when_installed() -> None:
    from pathlib import Path

    if not Path("/usr/share/fonts/opentype/noto").is_dir():
        pytest.skip("fonts-noto-cjk is not installed")
    assert register_cjk_fonts() is True
