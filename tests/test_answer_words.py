"""What a manager reads first: every answer's sentence names the metric, the scope and the
period in words, in English and Chinese, with the layer's measure words and labels.

The figures are computed here from the demo database with independent SQL, so a sentence
that names the wrong member or number fails, not only one that is worded differently.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from assistant.explain.periods import day_words, period_label, range_words

D = dt.date


@pytest.mark.parametrize(("start", "end", "en", "zh"), [
    (D(2025, 11, 1), D(2025, 11, 30), "November 2025", "2025年11月"),
    (D(2025, 10, 1), D(2025, 12, 31), "Q4 2025", "2025年第4季度"),
    (D(2025, 1, 1), D(2025, 12, 31), "2025", "2025年"),
    (D(2025, 12, 1), D(2025, 12, 15), "1–15 Dec 2025", "2025年12月1日至12月15日"),
    (D(2025, 1, 1), D(2025, 3, 31), "Q1 2025", "2025年第1季度"),
    (D(2025, 1, 1), D(2025, 2, 28), "Jan – Feb 2025", "2025年1月至2月"),
    (D(2024, 12, 29), D(2025, 1, 4), "29 Dec 2024 – 4 Jan 2025", "2024年12月29日至2025年1月4日"),
    (D(2025, 12, 31), D(2025, 12, 31), "31 Dec 2025", "2025年12月31日"),
    (None, None, "all dates", "全部日期"),
])
def test_ranges_in_words(start: D | None, end: D | None, en: str, zh: str) -> None:
    assert range_words(start, end, "en") == en
    assert range_words(start, end, "zh") == zh


@pytest.mark.parametrize(("value", "grain", "en", "zh"), [
    ("2025-12-01", "month", "Dec 2025", "2025年12月"),
    (D(2025, 12, 1), "week", "W49 2025", "2025年第49周"),
    (D(2025, 10, 1), "quarter", "Q4 2025", "2025年第4季度"),
    (D(2025, 1, 1), "year", "2025", "2025年"),
    (D(2025, 12, 3), "day", "3 Dec 2025", "2025年12月3日"),
    ("Ningbo", "month", "Ningbo", "Ningbo"),  # not a date: left as it is
])
def test_period_labels_by_grain(value: object, grain: str, en: str, zh: str) -> None:
    assert period_label(value, grain, "en") == en
    assert period_label(value, grain, "zh") == zh


def test_day_words() -> None:
    assert day_words(D(2025, 12, 31), "en") == "31 Dec 2025"
    assert day_words(D(2025, 12, 31), "zh") == "2025年12月31日"


def _scrap_by_plant(db: str, name_col: str) -> dict[str, float]:
    sql = (f"SELECT p.{name_col}, SUM(r.total_count - r.good_count) / SUM(r.total_count) FROM production_records r "
           "JOIN production_lines l USING (line_id) JOIN plants p USING (plant_id) "
           "WHERE r.production_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-30' GROUP BY 1")
    with duckdb.connect(db, read_only=True) as con:
        return {name: float(v) for name, v in con.execute(sql).fetchall()}


def test_spread_names_metric_period_and_both_ends(pipeline, demo_db) -> None:
    rates = _scrap_by_plant(str(demo_db), "plant_name")
    best, worst = max(rates, key=rates.__getitem__), min(rates, key=rates.__getitem__)
    answer = pipeline.ask("scrap rate by plant last month")
    assert answer.message == (f"Scrap rate by plant, November 2025: {best} highest at {rates[best]:.1%}, "
                              f"{worst} lowest at {rates[worst]:.1%}.")
    zh_rates = _scrap_by_plant(str(demo_db), "plant_name_zh")
    best, worst = max(zh_rates, key=zh_rates.__getitem__), min(zh_rates, key=zh_rates.__getitem__)
    zh = pipeline.ask("各工厂上个月的报废率是多少？")
    assert zh.message == f"按工厂的报废率，2025年11月：{best}最高（{zh_rates[best]:.1%}），{worst}最低（{zh_rates[worst]:.1%}）。"


def test_scope_is_in_the_sentence(pipeline) -> None:
    en = pipeline.ask("OEE in Ningbo last month")
    assert en.message.startswith("OEE, where plant is Ningbo, November 2025: ")
    zh = pipeline.ask("宁波上个月的OEE")
    assert zh.message.startswith("设备综合效率，工厂为宁波，2025年11月：")


def test_measure_words_count_what_one_row_is(pipeline) -> None:
    top = pipeline.ask("上个月报废率最高的5条产线")
    assert "最高的前5条产线" in top.message
    machines = pipeline.ask("上个月停机时间最长的3台设备")
    assert "前3台设备" in machines.message
    listed = pipeline.ask("列出所有供应商")
    assert listed.message.endswith(f"共 {len(listed.rows)} 家。")
    assert pipeline.ask("top 5 lines by scrap rate last month").message.startswith(
        "Scrap rate by production line, November 2025, top 5 production lines: ")


def test_trend_says_latest_period_and_change_in_words(pipeline) -> None:
    answer = pipeline.ask("energy per unit by month this year")
    assert answer.message.startswith("Monthly energy per unit, 2025: latest Dec 2025 at ")
    assert " vs Nov 2025." in answer.message
    zh = pipeline.ask("今年每月的单位能耗")
    assert "最近一期（2025年12月）" in zh.message and "较2025年11月" in zh.message


def test_two_period_comparison_gives_each_end_its_change(pipeline) -> None:
    answer = pipeline.ask("compare scrap rate this quarter vs last quarter by plant")
    assert "in Q4 2025, " in answer.message and "vs Q3 2025" in answer.message
    assert "2025-07-01" not in answer.message


def test_codes_read_as_the_layers_labels(pipeline, layer) -> None:
    answer = pipeline.ask("defects by defect type last month")
    labels = {v.en for v in layer.dimensions["defect_type"].values.values()}
    shown = {row[0] for row in answer.shown_rows()}
    assert shown <= labels and len(shown) > 3
    assert "_" not in answer.message


def test_one_figure_says_its_change_since_the_period_before(pipeline) -> None:
    answer = pipeline.ask("downtime minutes this quarter")
    assert answer.message.startswith("Downtime minutes, Q4 2025: ")
    assert answer.message.endswith(" vs Q3 2025.")
    assert answer.extras["comparison"]["label"] == "vs Q3 2025"


def test_data_up_to_is_never_after_today(pipeline, layer, demo_db) -> None:
    """Plan and due dates run past 'today'; freshness names the latest day on or before it."""
    sources = [(t.name, c) for t in layer.spec.tables if not t.derived for c in t.time_columns()]
    dates = pipeline.freshness(sources)
    assert len(dates) == len(sources)
    assert max(dates.values()) == pipeline.settings.today().isoformat()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        planned = con.execute("SELECT MAX(planned_start) FROM work_orders").fetchone()[0]
    assert planned.date() > pipeline.settings.today()  # the data does hold later plans
