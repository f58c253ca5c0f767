"""Auto charts: pick the chart a good analyst would, from the answer's shape and units.

`auto_chart(answer)` returns a Vega-Lite spec (dict, built with Altair, data inlined so no
CDN or data URL is ever needed) or None when a metric card or a table reads better;
`chart_plan(answer)` says which and why, so every surface explains a missing chart the
same way. `chart_png(spec, lang)` renders a spec for bots and the HTTP API.

The rules live in small modules: `chart_shape` (which chart), `chart_data` (period words,
layer labels, the table's order), `chart_format` (ticks, formats, the change between two
periods), `chart_build` and `chart_compare` (the specs), `chart_png` (images). Every chart
must stay readable in a 390 px wide phone column: width "container", short titles, no
rotated labels, legends below the plot and category labels truncated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.explain.answer import Answer
from assistant.explain.chart_png import CJK_FONT, chart_png, register_cjk_fonts
from assistant.explain.chart_shape import MAX_BARS, MAX_SERIES, ChartKind, ChartPlan, Reason, chart_plan, column_kinds

__all__ = ["MAX_BARS", "MAX_SERIES", "ChartKind", "ChartPlan", "Reason", "auto_chart", "chart_plan", "chart_png",
           "column_kinds", "register_cjk_fonts"]

# Browsers pick a CJK face per glyph unless told; naming the common ones keeps Chinese labels
# in one face, with widths close to what the label limits assume.
CJK_FONTS = f"'{CJK_FONT}', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
DRAWN = ("line", "bar", "grouped_bar", "compare", "scatter")


def auto_chart(answer: Answer) -> dict[str, Any] | None:
    plan = chart_plan(answer)
    if plan.kind not in DRAWN:
        return None
    # validate=False: the JSON-schema check costs ~20 ms of CPU per answer (a fifth of it); the
    # builders are fixed code whose output the golden specs in tests/golden/charts pin down.
    spec: dict[str, Any] = _builders()[plan.kind](answer, plan).to_dict(validate=False)
    spec["width"] = "container"
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec.setdefault("config", {}).update(_config(answer.lang))
    # kind: lets tests and bots see the choice without parsing marks. SVG: text stays text, so
    # screen readers, copy-paste and the browser tests (distinct axis labels) can read it.
    spec["usermeta"] = {"kind": plan.kind, "embedOptions": {"renderer": "svg"}}
    return spec


def _builders() -> dict[str, Callable[[Answer, ChartPlan], Any]]:
    # Altair costs ~1 s to import: answers without a chart (cards, refusals) never pay it.
    from assistant.explain.chart_build import bar, grouped, line, scatter
    from assistant.explain.chart_compare import compare

    return {"line": line, "bar": bar, "grouped_bar": grouped, "compare": compare, "scatter": scatter}


def _config(lang: str) -> dict[str, Any]:
    config: dict[str, Any] = {"axis": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal"},
                              "legend": {"labelFontSize": 11}, "view": {"stroke": None}}
    if lang == "zh":
        config["font"] = CJK_FONTS
    return config
