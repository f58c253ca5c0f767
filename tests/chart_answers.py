"""Answers of every chart shape, made the way the pipeline makes them (`metric_answer`): labels,
units and value labels from the demo layer, rows as the evaluation database returns them
(copied from `factory-assistant ask --json` on it with FA_AS_OF=2025-12-31), dates as dates.

Each entry of SHAPES names one golden file in tests/golden/charts/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from assistant.explain.answer import Answer
from assistant.explain.metric_answer import code_labels
from assistant.plan.query import SemanticQuery
from semantic_layer.layer import Layer


def layer_answer(layer: Layer, rows: list[list[Any]], *, metrics: list[str], dims: tuple[str, ...] = (),
                 grain: str | None = None, lang: str = "en", share: bool = False, **query: Any) -> Answer:
    """An ok Answer for a metric query, with the columns, labels and kinds the compiler gives."""
    sq = SemanticQuery(metrics=metrics, dimensions=list(dims), time_grain=grain, locale=lang,
                       share=list(dims[:1]) if share else [], **query)
    columns = [*([grain] if grain else []), *dims, *metrics]
    zh = lang == "zh"
    labels = {grain: grain.title()} if grain else {}
    labels |= {d: layer.dimensions[d].label.get(lang) for d in dims}
    labels |= {m: layer.metric(m).label.get(lang) for m in metrics}
    units = {m: u for m in metrics if (u := layer.metric(m).unit)}
    if share:
        columns.append(f"{metrics[0]}_share")
        labels[columns[-1]] = layer.metric(metrics[0]).label.get(lang) + ("占比" if zh else " share")
        units[columns[-1]] = "ratio"
    answer = Answer("q", "ok", "", semantic_query=sq.model_dump(mode="json"), columns=columns,
                    rows=[[_date(v) for v in row] for row in rows], lang=lang)
    answer.column_labels = labels
    answer.column_units = units
    answer.units = {name: unit for name in units.values() if (unit := layer.unit(name)) is not None}
    kinds = {c: "metric" for c in columns}
    kinds |= {d: "dimension" for d in dims} | ({grain: "time"} if grain else {})
    answer.extras["column_kinds"] = kinds
    answer.value_labels = code_labels(layer, list(dims), lang)
    return answer


def _date(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return dt.date.fromisoformat(value)
    return value


def two_quarters(layer: Layer, metric: str, rows: list[list[Any]], lang: str) -> Answer:
    """'compare <metric> this quarter vs last quarter by plant' as the planner reads it."""
    return layer_answer(layer, rows, metrics=[metric], dims=("plant",), grain="quarter", lang=lang,
                        filters=[{"field": "quarter", "op": "in", "values": ["2025-07-01", "2025-10-01"]}])


MONTHS_2025 = [f"2025-{m:02d}-01" for m in range(1, 13)]
ENERGY_PER_UNIT = [0.303327, 0.30796, 0.302537, 0.303523, 0.31799, 0.297069, 0.304494, 0.301406, 0.303259,
                   0.308648, 0.312861, 0.326431]
SCRAP_RATE_MONTHS = [0.014215, 0.013939, 0.014125, 0.014178, 0.014259, 0.014004, 0.013953, 0.013992, 0.014163,
                     0.014702, 0.014868, 0.01462]
WEEKS = ["2025-11-03", "2025-11-10", "2025-11-17", "2025-11-24", "2025-12-01", "2025-12-08", "2025-12-15",
         "2025-12-22", "2025-12-29"]
SCRAP_RATE_WEEKS = [0.014616, 0.014897, 0.015004, 0.014715, 0.014429, 0.014909, 0.014523, 0.014781, 0.014362]
DAYS = [["2025-12-18", 126751], ["2025-12-19", 130822], ["2025-12-20", 51656], ["2025-12-22", 134655],
        ["2025-12-23", 127693], ["2025-12-24", 133253], ["2025-12-25", 129065], ["2025-12-26", 111318],
        ["2025-12-27", 52070], ["2025-12-29", 126546], ["2025-12-30", 149695], ["2025-12-31", 142721]]
OEE_BY_PLANT_MONTH = {
    "Chongqing": [0.77687, 0.787017, 0.782224, 0.784204, 0.783883, 0.781429, 0.786439, 0.780171, 0.777162,
                  0.782861, 0.780662, 0.781682],
    "Ningbo": [0.816767, 0.812106, 0.816297, 0.814079, 0.813023, 0.817317, 0.813419, 0.815365, 0.812648,
               0.81101, 0.809028, 0.814061],
    "Suzhou": [0.841584, 0.834614, 0.83809, 0.839246, 0.837807, 0.840297, 0.84029, 0.838334, 0.839865,
               0.837024, 0.840333, 0.838686],
}
SCRAP_RATE_Q3_Q4 = [["2025-07-01", "Chongqing", 0.016557], ["2025-07-01", "Ningbo", 0.014149],
                    ["2025-07-01", "Suzhou", 0.012477], ["2025-10-01", "Chongqing", 0.017346],
                    ["2025-10-01", "Ningbo", 0.014559], ["2025-10-01", "Suzhou", 0.012515]]
# The Chinese answer names plants in Chinese and sorts them by those names, as the database does.
SCRAP_RATE_Q3_Q4_ZH = [["2025-07-01", "宁波", 0.014149], ["2025-07-01", "苏州", 0.012477],
                       ["2025-07-01", "重庆", 0.016557], ["2025-10-01", "宁波", 0.014559],
                       ["2025-10-01", "苏州", 0.012515], ["2025-10-01", "重庆", 0.017346]]
OUTPUT_Q3_Q4 = [["2025-07-01", "Chongqing", 1791714], ["2025-07-01", "Ningbo", 2791475],
                ["2025-07-01", "Suzhou", 3064978], ["2025-10-01", "Chongqing", 2676618],
                ["2025-10-01", "Ningbo", 2985822], ["2025-10-01", "Suzhou", 2937523]]
DEFECTS_BY_TYPE = [["assembly_error", 9581], ["burr", 5460], ["crack", 2960], ["dimension_out_of_tolerance", 9900],
                   ["paint_defect", 2476], ["porosity", 5023], ["scratch", 8135]]
DOWNTIME_BY_REASON = [["breakdown", 10331.0], ["changeover", 54561.0], ["material_shortage", 5432.0],
                      ["no_operator", 6443.0], ["preventive_maintenance", 9028.0], ["quality_hold", 4936.0]]
WORK_ORDERS_BY_STATUS = [["cancelled", 57], ["completed", 2221], ["in_progress", 10], ["planned", 63]]
TOP5_DOWNTIME = [["SZ-L3-M06", 1395.0], ["CQ-L2-M02", 1344.0], ["CQ-L1-M03", 1309.0], ["SZ-L3-M01", 1305.0],
                 ["CQ-L3-M04", 1249.0]]
OEE_BY_PLANT_SHIFT = [["Chongqing", "Day", 0.802567], ["Chongqing", "Evening", 0.813085],
                      ["Chongqing", "Night", 0.721077], ["Ningbo", "Day", 0.821401], ["Ningbo", "Evening", 0.839919],
                      ["Ningbo", "Night", 0.762345], ["Suzhou", "Day", 0.855692], ["Suzhou", "Evening", 0.867131],
                      ["Suzhou", "Night", 0.787543]]


SHAPES: dict[str, Callable[[Layer], Answer]] = {
    # trends: a period axis in words, one line per member
    "month_line_kwh_en": lambda L: layer_answer(
        L, [list(r) for r in zip(MONTHS_2025, ENERGY_PER_UNIT, strict=True)], metrics=["energy_per_unit"],
        grain="month"),
    "month_line_ratio_zh": lambda L: layer_answer(
        L, [list(r) for r in zip(MONTHS_2025, SCRAP_RATE_MONTHS, strict=True)], metrics=["scrap_rate"],
        grain="month", lang="zh"),
    "week_line_ratio_en": lambda L: layer_answer(
        L, [list(r) for r in zip(WEEKS, SCRAP_RATE_WEEKS, strict=True)], metrics=["scrap_rate"], grain="week"),
    "week_line_ratio_zh": lambda L: layer_answer(
        L, [list(r) for r in zip(WEEKS, SCRAP_RATE_WEEKS, strict=True)], metrics=["scrap_rate"], grain="week",
        lang="zh"),
    "quarter_line_count_en": lambda L: layer_answer(
        L, [["2025-01-01", 6559140], ["2025-04-01", 7239586], ["2025-07-01", 7648167], ["2025-10-01", 8599963]],
        metrics=["total_output"], grain="quarter"),
    "day_line_gaps_en": lambda L: layer_answer(L, DAYS, metrics=["total_output"], grain="day"),
    "month_by_plant_lines_en": lambda L: layer_answer(
        L, [[m, p, v[i]] for i, m in enumerate(MONTHS_2025) for p, v in OEE_BY_PLANT_MONTH.items()],
        metrics=["oee"], dims=("plant",), grain="month"),
    # two periods: grouped bars and the change per member
    "compare_quarters_ratio_en": lambda L: two_quarters(L, "scrap_rate", SCRAP_RATE_Q3_Q4, "en"),
    "compare_quarters_ratio_zh": lambda L: two_quarters(L, "scrap_rate", SCRAP_RATE_Q3_Q4_ZH, "zh"),
    "compare_quarters_count_en": lambda L: two_quarters(L, "total_output", OUTPUT_Q3_Q4, "en"),
    "compare_months_one_figure_en": lambda L: layer_answer(
        L, [["2025-11-01", 0.811477], ["2025-12-01", 0.812611]], metrics=["oee"], grain="month",
        filters=[{"field": "month", "op": "in", "values": ["2025-11-01", "2025-12-01"]}]),
    "compare_years_count_zh": lambda L: layer_answer(
        L, [["2024-01-01", 30200585], ["2025-01-01", 30046856]], metrics=["total_output"], grain="year", lang="zh"),
    # categories: bars in the table's order, codes as the layer's labels
    "bar_ratio_by_plant_en": lambda L: layer_answer(
        L, [["Chongqing", 0.780662], ["Ningbo", 0.809028], ["Suzhou", 0.840333]], metrics=["oee"], dims=("plant",)),
    "bar_codes_en": lambda L: layer_answer(L, DEFECTS_BY_TYPE, metrics=["defect_quantity"], dims=("defect_type",)),
    "bar_minutes_codes_en": lambda L: layer_answer(L, DOWNTIME_BY_REASON, metrics=["downtime_minutes"],
                                                   dims=("downtime_reason",)),
    # in Chinese the layer's Chinese names column serves most keys; status codes keep labels
    "bar_codes_zh": lambda L: layer_answer(L, WORK_ORDERS_BY_STATUS, metrics=["work_order_count"],
                                           dims=("work_order_status",), lang="zh"),
    "bar_top5_zh": lambda L: layer_answer(L, TOP5_DOWNTIME, metrics=["downtime_minutes"], dims=("machine",),
                                          lang="zh", order=[{"field": "downtime_minutes", "desc": True}], limit=5),
    "bar_kwh_per_unit_en": lambda L: layer_answer(
        L, [["Chongqing", 0.345016], ["Ningbo", 0.30871], ["Suzhou", 0.290526]], metrics=["energy_per_unit"],
        dims=("plant",)),
    "bar_share_zh": lambda L: layer_answer(
        L, [["宁波", 22171527, 0.368008], ["苏州", 22780072, 0.378109], ["重庆", 15295842, 0.253884]],
        metrics=["total_output"], dims=("plant",), lang="zh", share=True),
    "grouped_metrics_en": lambda L: layer_answer(
        L, [["Chongqing", 0.907075, 0.876002], ["Ningbo", 0.920866, 0.892268], ["Suzhou", 0.92991, 0.914858]],
        metrics=["availability", "performance"], dims=("plant",)),
    "grouped_two_keys_en": lambda L: layer_answer(L, OEE_BY_PLANT_SHIFT, metrics=["oee"], dims=("plant", "shift")),
    "scatter_en": lambda L: layer_answer(
        L, [["Chongqing", 870939, 15276], ["Ningbo", 986716, 15169], ["Suzhou", 1070445, 13090]],
        metrics=["total_output", "scrap_count"], dims=("plant",)),
}
