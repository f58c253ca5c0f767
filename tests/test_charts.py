"""Chart rules: the chart type follows the answer's shape; axes, labels and order follow the
layer's units and the table; PNG rendering works. Whole specs are pinned in test_charts_golden."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from typing import Any

import pytest

from assistant.explain.answer import Answer
from assistant.explain.chart_format import change_text, nice_ticks, value_axis, value_texts, zero_baseline
from assistant.explain.charts import MAX_BARS, MAX_SERIES, auto_chart, chart_plan, chart_png, register_cjk_fonts
from semantic_layer.loader import load_layer
from semantic_layer.models import BUILTIN_UNITS, UnitSpec
from tests.chart_answers import SHAPES

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RATIO, COUNT = BUILTIN_UNITS
KWH_PER_UNIT = UnitSpec.model_validate({"name": "kwh_per_unit", "label": {"en": "kWh per unit", "zh": "千瓦时/件"},
                                        "suffix": {"en": " kWh/unit"}, "decimals": 3})
MINUTES = UnitSpec.model_validate({"name": "minutes", "label": {"en": "minutes", "zh": "分钟"},
                                   "suffix": {"en": " min", "zh": " 分钟"}})


@pytest.fixture(scope="module")
def demo_layer():
    return load_layer()


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


def data(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["data"]["values"]


def months(n: int) -> list[dt.date]:
    return [dt.date(2025, 1 + i % 12, 1) for i in range(n)]


def spec_of(name: str, layer) -> dict[str, Any]:
    spec = auto_chart(SHAPES[name](layer))
    assert spec is not None, name
    return spec


# ---------------------------------------------------------------------- which chart
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


def test_too_many_lines_fall_back_to_a_table() -> None:
    rows = [[d, f"M{i}", 1.0] for d in months(3) for i in range(MAX_SERIES + 1)]
    answer = make(["month", "machine", "downtime"], rows, {"month": "time", "machine": "dimension", "downtime": "metric"})
    plan = chart_plan(answer)
    assert (plan.kind, plan.reason) == ("table", "too_many_series")
    assert auto_chart(answer) is None


def test_too_many_categories_fall_back_to_a_table() -> None:
    rows = [[f"M{i}", i] for i in range(MAX_BARS + 1)]
    answer = make(["machine", "downtime"], rows, {"machine": "dimension", "downtime": "metric"})
    plan = chart_plan(answer)
    assert (plan.kind, plan.reason) == ("table", "too_many_categories")
    assert auto_chart(answer) is None


def test_two_metrics_choose_grouped_bars_or_a_scatter() -> None:
    kinds = {"plant": "dimension", "a": "metric", "b": "metric"}
    similar = make(["plant", "a", "b"], [[p, 100 * i, 90 * i] for i, p in enumerate("ABCD", 1)], kinds,
                   {"a": "count", "b": "count"})
    dwarfed = make(["plant", "a", "b"], [[p, 100_000 * i, 90 * i] for i, p in enumerate("ABCD", 1)], kinds,
                   {"a": "count", "b": "count"})
    units = make(["plant", "a", "b"], [[p, 0.6 + i / 50, 100 * i] for i, p in enumerate("ABCD", 1)], kinds,
                 {"a": "ratio", "b": "count"})
    assert [chart_plan(a).kind for a in (similar, dwarfed, units)] == ["grouped_bar", "scatter", "scatter"]


def test_kinds_are_inferred_for_sql_answers_and_decimals_plot() -> None:
    rows = [["A", decimal.Decimal("1.5")], ["B", decimal.Decimal("2.5")]]
    spec = auto_chart(make(["name", "total"], rows, None))
    assert spec is not None and mark(spec) == "bar"
    assert [r["value"] for r in data(spec)] == [1.5, 2.5]
    dated = auto_chart(make(["day", "n"], [[dt.date(2025, 1, d), d] for d in range(1, 8)], None))
    assert dated is not None and mark(dated) == "line"
    assert data(dated)[0]["period"] == "1 Jan 2025"  # SQL answers get period words too


def test_a_share_is_drawn_as_the_share(demo_layer) -> None:
    answer = SHAPES["bar_share_zh"](demo_layer)
    assert chart_plan(answer).metrics == ["total_output_share"]  # not a scatter of output against share
    spec = spec_of("bar_share_zh", demo_layer)
    assert encoding(spec)["x"]["axis"]["format"].endswith("%")


# ---------------------------------------------------------------------- numbers
def test_ticks_are_round_and_cover_the_data() -> None:
    assert nice_ticks(0, 0.0174, 4) == [0, 0.005, 0.01, 0.015, 0.02]
    assert nice_ticks(0.297, 0.3265, 5) == [0.295, 0.3, 0.305, 0.31, 0.315, 0.32, 0.325, 0.33]
    assert nice_ticks(5, 5, 4)[0] < 5 < nice_ticks(5, 5, 4)[-1]  # one value still gets a scale


@pytest.mark.parametrize(("values", "unit", "zero"), [
    ([0.01394, 0.01404, 0.01415, 0.01425, 0.01487], RATIO, False),  # the "1.4%, 1.4%, 1.4%" axis
    ([0.7806, 0.8090, 0.8403], RATIO, True),
    ([0.297, 0.3026, 0.3264], KWH_PER_UNIT, False),  # the "300m" axis
    ([1395.0, 1344.0, 1249.0], MINUTES, True),
    ([6559140, 7239586, 8599963], COUNT, True),
])
def test_axis_ticks_are_distinct_and_never_si(values: list[float], unit: UnitSpec, zero: bool) -> None:
    axis = value_axis(values, unit, "en", zero=zero, count=5)
    assert "s" not in axis.format and "~" not in axis.format
    labels = [_d3(t, axis.format) for t in axis.ticks]
    assert len(set(labels)) == len(labels), labels
    assert axis.ticks[0] <= min(values) and axis.ticks[-1] >= max(values)


def _d3(value: float, fmt: str) -> str:
    """The few d3 formats the charts use (",.Nf", ".N%"), enough to check tick labels."""
    m = re.fullmatch(r"(,?)\.(\d)([f%])", fmt)
    assert m, fmt
    comma, places, kind = m.groups()
    number = value * 100 if kind == "%" else value
    return f"{number:{comma}.{places}f}" + ("%" if kind == "%" else "")


def test_small_numbers_read_as_numbers_large_ones_grouped() -> None:
    kwh = value_axis([0.29, 0.33], KWH_PER_UNIT, "en", zero=False, count=5)
    assert kwh.format == ",.2f" and kwh.label_expr is None  # 0.30, never 300m
    big = value_axis([1_791_714, 3_064_978], COUNT, "en", zero=True, count=4)
    assert big.label_expr is not None and "'M'" in big.label_expr and "datum.value == 0 ? '0'" in big.label_expr
    assert "'万'" in (value_axis([1_791_714, 3_064_978], COUNT, "zh", zero=True, count=4).label_expr or "")


def test_value_texts_tell_different_values_apart() -> None:
    assert value_texts([0.0139, 0.0144, 0.0151], RATIO, "en") == ["1.39%", "1.44%", "1.51%"]
    assert value_texts([0.7806, 0.809, 0.8403], RATIO, "en") == ["78.1%", "80.9%", "84.0%"]
    assert value_texts([0.345016, None], KWH_PER_UNIT, "en", suffix=True) == ["0.345 kWh/unit", "—"]
    assert value_texts([1395.0, 1344.0], MINUTES, "zh", suffix=True) == ["1,395 分钟", "1,344 分钟"]
    assert value_texts([-0.00001, 0.5], RATIO, "en")[0] == "0.0%"  # never "-0.0%"


def test_changes_never_read_minus_zero() -> None:
    assert change_text(0.0125, 0.01249, RATIO, "en") == "unchanged"
    assert change_text(0.0125, 0.01249, RATIO, "zh") == "持平"
    assert change_text(0.01249, 0.0125, RATIO, "en", decimals=2) == "unchanged"
    assert change_text(0.0141, 0.0146, RATIO, "en", decimals=2) == "+0.05 pp"
    assert change_text(0.8114, 0.8126, RATIO, "zh") == "+0.1个百分点"
    assert change_text(3064978, 2937523, COUNT, "en") == "-4.2%"
    assert change_text(0, 12, COUNT, "en") == "+12"
    assert change_text(None, 12, COUNT, "en") == ""


def test_zero_baselines_for_amounts_and_ratios_near_zero() -> None:
    assert zero_baseline([6559140, 8599963], COUNT)  # an amount: cut off, a dip looks like a collapse
    assert zero_baseline([1395.0, 1249.0], MINUTES)  # whole minutes summed
    assert zero_baseline([0.15, 0.35], RATIO)  # zero is near anyway
    assert not zero_baseline([0.78, 0.84], RATIO)  # a narrow band far from zero follows the data
    assert not zero_baseline([0.297, 0.326], KWH_PER_UNIT)  # an average, not an amount
    assert not zero_baseline([870939, 1070445], COUNT, amounts=False)  # a scatter shows how they go together


def test_bars_start_at_zero_and_ratio_ticks_stop_at_100_percent(demo_layer) -> None:
    spec = spec_of("bar_ratio_by_plant_en", demo_layer)
    x = encoding(spec)["x"]
    assert x["scale"]["domain"][0] == 0 and max(x["axis"]["values"]) == 1  # room for labels, no "120%"


# ---------------------------------------------------------------------- periods, labels, order
@pytest.mark.parametrize(("name", "first", "last"), [
    ("month_line_kwh_en", "Jan 2025", "Dec 2025"),
    ("month_line_ratio_zh", "2025年1月", "2025年12月"),
    ("week_line_ratio_en", "W45 2025", "W1 2026"),
    ("week_line_ratio_zh", "2025年第45周", "2026年第1周"),
    ("quarter_line_count_en", "Q1 2025", "Q4 2025"),
])
def test_period_axes_are_words_by_grain(demo_layer, name: str, first: str, last: str) -> None:
    spec = spec_of(name, demo_layer)
    x = encoding(spec)["x"]
    assert x["type"] == "ordinal" and "timeUnit" not in x
    assert x["scale"]["domain"][0] == first and x["scale"]["domain"][-1] == last
    assert not re.search(r"\d{4}-\d{2}-\d{2}", json.dumps(spec))  # no ISO dates anywhere


def test_missing_periods_stay_on_the_axis_as_gaps(demo_layer) -> None:
    spec = spec_of("day_line_gaps_en", demo_layer)
    domain = encoding(spec)["x"]["scale"]["domain"]
    assert len(domain) == 14 and "21 Dec 2025" in domain
    gap = next(r for r in data(spec) if r["period"] == "21 Dec 2025")
    assert gap["value"] is None  # the line breaks; nothing is drawn as zero
    assert [r["period"] for r in data(spec)] == domain  # drawn left to right


def test_codes_read_as_the_layers_labels(demo_layer) -> None:
    for name, code, label in [("bar_codes_en", "assembly_error", "Assembly error"),
                              ("bar_codes_zh", "in_progress", "进行中")]:
        spec = spec_of(name, demo_layer)
        members = [r["member"] for r in data(spec)]
        assert label in members and code not in json.dumps(spec, ensure_ascii=False)


def test_bars_keep_the_tables_order(demo_layer) -> None:
    answer = SHAPES["bar_codes_en"](demo_layer)  # alphabetical by code, not by value
    spec = auto_chart(answer)
    assert spec is not None
    assert encoding(spec)["y"]["sort"] == [row[0] for row in answer.shown_rows()]
    top = SHAPES["bar_top5_zh"](demo_layer)  # largest first, because the table is
    top_spec = auto_chart(top)
    assert top_spec is not None and encoding(top_spec)["y"]["sort"] == [r[0] for r in top.rows]


def test_series_keep_the_tables_order(demo_layer) -> None:
    spec = spec_of("grouped_two_keys_en", demo_layer)
    assert encoding(spec)["yOffset"]["sort"] == ["Day", "Evening", "Night"]
    assert encoding(spec)["color"]["scale"]["domain"] == ["Day", "Evening", "Night"]
    lines = spec_of("month_by_plant_lines_en", demo_layer)
    assert encoding(lines)["color"]["scale"]["domain"] == ["Chongqing", "Ningbo", "Suzhou"]


def test_unit_is_named_in_the_title_once(demo_layer) -> None:
    assert spec_of("bar_kwh_per_unit_en", demo_layer)["title"]["text"] == "Energy per unit (kWh/unit)"
    assert spec_of("bar_minutes_codes_en", demo_layer)["title"]["text"] == "Downtime minutes"  # says minutes
    assert spec_of("bar_top5_zh", demo_layer)["title"]["text"] == "停机时长（分钟）"


# ---------------------------------------------------------------------- two periods
def test_two_periods_are_grouped_bars_with_the_change_per_member(demo_layer) -> None:
    spec = spec_of("compare_quarters_ratio_en", demo_layer)
    assert spec["usermeta"]["kind"] == "compare" and mark(spec) == "bar"
    enc = encoding(spec)
    assert enc["yOffset"]["sort"] == ["Q3 2025", "Q4 2025"]  # earlier period first
    assert enc["y"]["sort"] == ["Chongqing\n+0.08 pp", "Ningbo\n+0.04 pp", "Suzhou\nunchanged"]
    assert "split(datum.label" in enc["y"]["axis"]["labelExpr"]  # the change is the label's second line
    assert enc["x"]["scale"]["domain"][0] == 0


def test_two_periods_in_chinese_and_for_counts(demo_layer) -> None:
    zh = encoding(spec_of("compare_quarters_ratio_zh", demo_layer))
    assert zh["yOffset"]["sort"] == ["2025年第3季度", "2025年第4季度"]
    assert zh["y"]["sort"][0] == "宁波\n+0.04个百分点"
    counts = encoding(spec_of("compare_quarters_count_en", demo_layer))
    assert counts["y"]["sort"] == ["Chongqing\n+49.4%", "Ningbo\n+7.0%", "Suzhou\n-4.2%"]
    one = encoding(spec_of("compare_months_one_figure_en", demo_layer))
    assert one["y"]["sort"] == ["OEE\n+0.1 pp"]


def test_more_than_two_periods_stay_a_line(demo_layer) -> None:
    assert spec_of("quarter_line_count_en", demo_layer)["usermeta"]["kind"] == "line"


# ---------------------------------------------------------------------- phones and images
def test_specs_fit_a_phone_and_need_no_network(demo_layer) -> None:
    for name in SHAPES:
        spec = spec_of(name, demo_layer)
        assert spec["width"] == "container", name
        assert len(spec["title"]["text"]) <= 40, name
        text = json.dumps(spec)
        assert '"url"' not in text, name  # data inline: nothing fetched when the chart is drawn
        assert '"labelAngle": -' not in text and "labelAngle\": 90" not in text, name
    long = make(["plant", "m"], [[p, 0.5] for p in "ABC"], {"plant": "dimension", "m": "metric"})
    long.column_labels["m"] = "A metric label that is far too long for a phone screen title"
    spec = auto_chart(long)
    assert spec is not None and len(spec["title"]["text"]) <= 40 and spec["title"]["text"].endswith("…")


def test_chinese_charts_name_a_cjk_font(demo_layer) -> None:
    assert "Noto Sans CJK SC" in spec_of("bar_codes_zh", demo_layer)["config"]["font"]
    assert "font" not in spec_of("bar_codes_en", demo_layer)["config"]


@pytest.mark.parametrize("name", ["compare_quarters_ratio_zh", "bar_codes_en", "month_line_ratio_zh"])
def test_png_rendering(demo_layer, name: str) -> None:
    answer = SHAPES[name](demo_layer)
    spec = auto_chart(answer)
    assert spec is not None
    png = chart_png(spec, answer.lang)
    assert png.startswith(PNG_MAGIC) and len(png) > 2000
    assert spec["width"] == "container"  # the caller's spec is not modified


def test_cjk_font_registration_when_installed() -> None:
    from pathlib import Path

    if not Path("/usr/share/fonts/opentype/noto").is_dir():
        pytest.skip("fonts-noto-cjk is not installed")
    assert register_cjk_fonts() is True


@pytest.mark.parametrize(("question", "shape"), [
    ("compare scrap rate this quarter vs last quarter by plant", "compare_quarters_ratio_en"),
    ("各工单状态的工单数", "bar_codes_zh"),
])
def test_shapes_are_made_like_the_pipelines_answers(pipeline, question: str, shape: str) -> None:
    """The golden answers carry what real ones carry (labels, units, kinds, value labels, query)."""
    real = pipeline.ask(question)
    assert real.status == "ok", real.message
    made = SHAPES[shape](pipeline.layer)
    assert real.columns == made.columns
    assert (real.column_labels, real.column_units, real.units) == (made.column_labels, made.column_units, made.units)
    assert real.extras["column_kinds"] == made.extras["column_kinds"] and real.value_labels == made.value_labels
    assert real.semantic_query is not None and made.semantic_query is not None
    for key in ("metrics", "dimensions", "time_grain", "share", "per"):
        assert real.semantic_query[key] == made.semantic_query[key], key
    assert real.chart is not None and made.chart is None  # the pipeline attaches the chart itself
    assert real.chart["usermeta"] == auto_chart(made)["usermeta"]  # type: ignore[index]
