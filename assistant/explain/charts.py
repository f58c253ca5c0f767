"""Auto charts: pick the chart a good analyst would, from the answer's shape and units.

`auto_chart(answer)` returns a Vega-Lite spec (dict, built with Altair, data inlined so no
CDN or data URL is ever needed) or None when a metric card or a table reads better;
`chart_plan(answer)` says which and why, so every surface explains a missing chart the
same way. `chart_png(spec, lang)` renders a spec for bots and the HTTP API.

Every chart must stay readable in a 390 px wide phone column: width "container", short
titles, no rotated axis titles, legends below the plot and category labels truncated.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import altair as alt
import pandas as pd

from assistant.core.text import shorten
from assistant.explain.answer import Answer, json_value

MAX_BARS = 25  # more categories than this read better as a table
MAX_SERIES = 8  # more lines/colours than this are indistinguishable
MAX_SCALE_RATIO = 10  # grouped bars need metrics of a similar size
TITLE_CHARS = 40
LABEL_LIMIT_PX = 120  # category labels beyond this are truncated with an ellipsis
BAR_STEP_PX = 24
CJK_FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))
CJK_FONT = "Noto Sans CJK SC"

ChartKind = Literal["none", "metric", "line", "bar", "grouped_bar", "scatter", "table"]
# Why an answer has no chart; surfaces translate these codes into a note above the table.
Reason = Literal["no_rows", "no_metric", "too_many_categories", "too_many_series", "shape"]

# Vega-Lite time units per grain, always UTC so a date never shifts a day in the viewer's zone.
_TIME_UNITS: dict[str, Any] = {"day": "utcyearmonthdate", "week": "utcyearmonthdate", "month": "utcyearmonth",
               "quarter": "utcyearquarter", "year": "utcyear"}
_TIME_FORMATS = {
    "en": {"day": "%b %d", "week": "%b %d", "month": "%b %y", "quarter": "Q%q %Y", "year": "%Y"},
    "zh": {"day": "%m-%d", "week": "%m-%d", "month": "%Y-%m", "quarter": "%Y Q%q", "year": "%Y"},
}


@dataclass
class ChartPlan:
    """What to draw for an answer; fields are the (safe) column names used in the spec."""

    kind: ChartKind
    reason: Reason | None = None
    time: str | None = None
    dims: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)


def column_kinds(answer: Answer) -> dict[str, str]:
    """The pipeline's column kinds, or a guess from the values (for raw-SQL answers)."""
    kinds: dict[str, str] = dict(answer.extras.get("column_kinds") or {})
    for i, col in enumerate(answer.columns):
        if col in kinds:
            continue
        sample = next((r[i] for r in answer.rows if r[i] is not None), None)
        if isinstance(sample, (dt.date, dt.datetime)):
            kinds[col] = "time"
        elif isinstance(sample, bool) or sample is None or isinstance(sample, str):
            kinds[col] = "dimension"
        else:
            try:
                float(sample)
                kinds[col] = "metric"
            except (TypeError, ValueError):
                kinds[col] = "dimension"
    return kinds


def chart_plan(answer: Answer) -> ChartPlan:
    """The chart a good analyst would draw for this answer, or why a table or card reads better."""
    if not answer.ok or not answer.rows:
        return ChartPlan("none", "no_rows")
    kinds = column_kinds(answer)
    metrics = [c for c in answer.columns if kinds.get(c) == "metric"]
    times = [c for c in answer.columns if kinds.get(c) == "time"]
    dims = [c for c in answer.columns if kinds.get(c) == "dimension"]
    if not metrics:
        return ChartPlan("table", "no_metric")
    if len(answer.rows) == 1:
        return ChartPlan("metric", None, times[0] if times else None, dims, metrics)  # one row: a card reads best
    if times:
        series = _distinct(answer, dims) if dims else len(_same_unit(answer, metrics))
        if series > MAX_SERIES:
            return ChartPlan("table", "too_many_series", times[0], dims, metrics)
        return ChartPlan("line", None, times[0], dims, metrics)
    return _category_plan(answer, dims, metrics)


def _category_plan(answer: Answer, dims: list[str], metrics: list[str]) -> ChartPlan:
    """No time axis: bars per category, grouped bars, or a scatter for two metrics of different units."""
    if not dims:
        return ChartPlan("table", "shape", None, dims, metrics)
    if _distinct(answer, dims[:1]) > MAX_BARS or len(answer.rows) > MAX_BARS * MAX_SERIES:
        return ChartPlan("table", "too_many_categories", None, dims, metrics)
    if len(dims) > 1:
        if _distinct(answer, dims[1:2]) > MAX_SERIES:
            return ChartPlan("table", "too_many_series", None, dims, metrics)
        return ChartPlan("grouped_bar", None, None, dims[:2], metrics[:1])
    if len(metrics) == 1:
        return ChartPlan("bar", None, None, dims, metrics)
    same = _same_unit(answer, metrics)[:MAX_SERIES]
    if len(same) > 1 and _comparable(answer, same):
        return ChartPlan("grouped_bar", None, None, dims, same)
    # Different units (or scales): one axis each, so each metric keeps its own range.
    second = next((m for m in metrics[1:] if m not in same), metrics[1])
    return ChartPlan("scatter", None, None, dims, [metrics[0], second])


def auto_chart(answer: Answer) -> dict[str, Any] | None:
    plan = chart_plan(answer)
    if plan.kind not in ("line", "bar", "grouped_bar", "scatter"):
        return None
    frame = _frame(answer)
    build = {"line": _line, "bar": _bar, "grouped_bar": _grouped, "scatter": _scatter}[plan.kind]
    chart = build(answer, plan, frame)
    spec = chart.to_dict()
    spec["width"] = "container"
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec.setdefault("config", {}).update(_config())
    spec["usermeta"] = {"kind": plan.kind}  # lets tests and bots see the choice without parsing marks
    return spec


# ---------------------------------------------------------------------- shape helpers
def _distinct(answer: Answer, cols: list[str]) -> int:
    idx = [answer.columns.index(c) for c in cols]
    return len({tuple(str(r[i]) for i in idx) for r in answer.rows})


def _unit(answer: Answer, col: str) -> str | None:
    return answer.column_units.get(col)


def _same_unit(answer: Answer, metrics: list[str]) -> list[str]:
    """The metrics that share the first metric's unit (they can share one axis)."""
    first = _unit(answer, metrics[0])
    return [m for m in metrics if _unit(answer, m) == first]


def _comparable(answer: Answer, metrics: list[str]) -> bool:
    """Bars side by side only help when no metric dwarfs another (output vs scrap would not)."""
    tops = []
    for m in metrics:
        i = answer.columns.index(m)
        values = [abs(float(r[i])) for r in answer.rows if r[i] is not None]
        tops.append(max(values, default=0.0))
    return min(tops) > 0 and max(tops) / min(tops) <= MAX_SCALE_RATIO


def _label(answer: Answer, col: str) -> str:
    return answer.column_labels.get(col, col)


def _short(text: str, limit: int = TITLE_CHARS) -> str:
    return shorten(text, limit, collapse=False)


def _frame(answer: Answer) -> pd.DataFrame:
    """JSON-safe values; metrics as floats so Decimal columns plot as numbers."""
    kinds = column_kinds(answer)
    frame = pd.DataFrame([[json_value(v) for v in r] for r in answer.rows], columns=answer.columns)
    for col in answer.columns:
        if kinds.get(col) == "metric":
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
        elif kinds.get(col) == "dimension":
            frame[col] = frame[col].map(lambda v: "—" if v is None else str(v))
    # Vega-Lite reads dots and brackets in field names as paths; neutral names avoid that.
    return frame.rename(columns=_safe_names(answer))


def _safe_names(answer: Answer) -> dict[str, str]:
    return {c: f"f{i}" for i, c in enumerate(answer.columns)}


def _f(answer: Answer, col: str) -> str:
    return _safe_names(answer)[col]


def _number_format(answer: Answer, col: str, *, axis: bool) -> str:
    if answer.is_ratio(col):
        return ".1~%" if axis else ".1%"  # "~" drops ".0" but keeps 1.5% distinct from 2%
    return "~s" if axis else ",.4~r"  # SI on axes keeps tick labels short on phones


def _lang(answer: Answer) -> str:
    return "zh" if answer.lang == "zh" else "en"


def _grain(answer: Answer) -> str | None:
    return (answer.semantic_query or {}).get("time_grain")


def _descending(answer: Answer, metric: str) -> bool:
    """Bars follow the question's order ("bottom 5" ascending), else largest first."""
    order = (answer.semantic_query or {}).get("order") or []
    if order and order[0].get("field") == metric:
        return bool(order[0].get("desc", True))
    return True


def _title(text: str) -> alt.TitleParams:
    return alt.TitleParams(_short(text), anchor="start", fontSize=14, offset=8)


def _legend() -> alt.Legend:
    return alt.Legend(orient="bottom", title=None, columns=2, labelLimit=150, symbolLimit=MAX_SERIES)


# ---------------------------------------------------------------------- chart builders
def _line(answer: Answer, plan: ChartPlan, frame: pd.DataFrame) -> alt.Chart:
    assert plan.time is not None
    lang = _lang(answer)
    grain = _grain(answer) or "day"
    time_f = _f(answer, plan.time)
    if plan.dims:
        dim_fields = [_f(answer, d) for d in plan.dims]
        frame = frame.assign(series=frame[dim_fields].astype(str).agg(" / ".join, axis=1))
        metric = plan.metrics[0]
        frame = frame.rename(columns={_f(answer, metric): "value"})
        title = _label(answer, metric)
        series_title = " / ".join(_label(answer, d) for d in plan.dims)
    else:
        metrics = _same_unit(answer, plan.metrics)
        metric = metrics[0]
        frame = frame.melt(id_vars=[time_f], value_vars=[_f(answer, m) for m in metrics],
                           var_name="series", value_name="value")
        frame["series"] = frame["series"].map({_f(answer, m): _label(answer, m) for m in metrics})
        title = " / ".join(_label(answer, m) for m in metrics)
        series_title = ""
    n_series = frame["series"].nunique()
    points = len(frame) / max(n_series, 1) <= 40  # dots help only while they do not crowd
    enc: dict[str, Any] = {
        "x": alt.X(f"{time_f}:T", timeUnit=_TIME_UNITS.get(grain, "utcyearmonthdate"), title=None,
                   axis=alt.Axis(format=_TIME_FORMATS[lang].get(grain, "%Y-%m-%d"), labelAngle=0,
                                 labelOverlap=True, tickCount=5)),
        "y": alt.Y("value:Q", title=None, scale=alt.Scale(zero=False),  # a trend, not a share: use the height
                   axis=alt.Axis(format=_number_format(answer, metric, axis=True), tickCount=5)),
        "tooltip": [alt.Tooltip(f"{time_f}:T", timeUnit=_TIME_UNITS.get(grain, "utcyearmonthdate"),
                                title=_label(answer, plan.time), format=_TIME_FORMATS[lang].get(grain, "%Y-%m-%d")),
                    alt.Tooltip("series:N", title=series_title or " "),
                    alt.Tooltip("value:Q", title=_label(answer, metric),
                                format=_number_format(answer, metric, axis=False))],
    }
    if n_series > 1:
        enc["color"] = alt.Color("series:N", legend=_legend(), title=series_title or None)
    return alt.Chart(frame).mark_line(point=points, strokeWidth=2).encode(**enc).properties(
        title=_title(title), height=240)


def _bar(answer: Answer, plan: ChartPlan, frame: pd.DataFrame) -> alt.LayerChart | alt.FacetChart:
    dim, metric = plan.dims[0], plan.metrics[0]
    dim_f, met_f = _f(answer, dim), _f(answer, metric)
    order = "-x" if _descending(answer, metric) else "x"
    top = frame[met_f].max()
    # Headroom on the value axis so the value printed after each bar is not clipped.
    domain = [min(0.0, float(frame[met_f].min() or 0)), float(top) * 1.22 if pd.notna(top) and top > 0 else 1.0]
    axis = alt.Axis(format=_number_format(answer, metric, axis=True), tickCount=4)
    if answer.is_ratio(metric) and domain[1] > 1:
        # The headroom is for the value labels; a "120%" tick would suggest a share above the whole.
        axis = alt.Axis(format=".0%", values=[0, 0.25, 0.5, 0.75, 1])
    base = alt.Chart(frame).encode(
        y=alt.Y(f"{dim_f}:N", sort=order, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT_PX)),
        x=alt.X(f"{met_f}:Q", title=None, scale=alt.Scale(domain=domain, nice=False), axis=axis),
        tooltip=[alt.Tooltip(f"{dim_f}:N", title=_label(answer, dim)),
                 alt.Tooltip(f"{met_f}:Q", title=_label(answer, metric),
                             format=_number_format(answer, metric, axis=False))],
    )
    bars = base.mark_bar(cornerRadiusEnd=2)
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(
        text=alt.Text(f"{met_f}:Q", format=_bar_label_format(answer, metric, frame[met_f])))
    n = frame[dim_f].nunique()
    return alt.layer(bars, labels).properties(title=_title(_label(answer, metric)), height=n * BAR_STEP_PX + 10)


def _bar_label_format(answer: Answer, metric: str, values: pd.Series) -> str:
    if answer.is_ratio(metric):
        return ".1%"
    return ",.0f" if values.abs().max() >= 100 else ",.3~f"


def _grouped(answer: Answer, plan: ChartPlan, frame: pd.DataFrame) -> alt.Chart:
    dim_f = _f(answer, plan.dims[0])
    if len(plan.dims) > 1:  # one metric, second dimension as the colour inside each group
        metric = plan.metrics[0]
        long = frame.rename(columns={_f(answer, plan.dims[1]): "series", _f(answer, metric): "value"})
        title, series_title = _label(answer, metric), _label(answer, plan.dims[1])
    else:  # several metrics with one unit, side by side for each category
        metric = plan.metrics[0]
        long = frame.melt(id_vars=[dim_f], value_vars=[_f(answer, m) for m in plan.metrics],
                          var_name="series", value_name="value")
        long["series"] = long["series"].map({_f(answer, m): _label(answer, m) for m in plan.metrics})
        title, series_title = " / ".join(_label(answer, m) for m in plan.metrics), ""
    n_cat, n_series = long[dim_f].nunique(), long["series"].nunique()
    return alt.Chart(long).mark_bar(cornerRadiusEnd=2).encode(
        y=alt.Y(f"{dim_f}:N", title=None, sort=alt.EncodingSortField("value", op="sum", order="descending"),
                axis=alt.Axis(labelLimit=LABEL_LIMIT_PX)),
        yOffset=alt.YOffset("series:N"),
        x=alt.X("value:Q", title=None, axis=alt.Axis(format=_number_format(answer, metric, axis=True), tickCount=4)),
        color=alt.Color("series:N", legend=_legend(), title=series_title or None),
        tooltip=[alt.Tooltip(f"{dim_f}:N", title=_label(answer, plan.dims[0])),
                 alt.Tooltip("series:N", title=series_title or " "),
                 alt.Tooltip("value:Q", title=title, format=_number_format(answer, metric, axis=False))],
    ).properties(title=_title(title), height=n_cat * (n_series * 12 + 8) + 10)


def _scatter(answer: Answer, plan: ChartPlan, frame: pd.DataFrame) -> alt.LayerChart | alt.FacetChart:
    dim = plan.dims[0]
    mx, my = plan.metrics[0], plan.metrics[1]
    dim_f, x_f, y_f = _f(answer, dim), _f(answer, mx), _f(answer, my)
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x_f}:Q", title=_short(_label(answer, mx), 30), scale=alt.Scale(zero=False),
                axis=alt.Axis(format=_number_format(answer, mx, axis=True), tickCount=4)),
        y=alt.Y(f"{y_f}:Q", title=_short(_label(answer, my), 30), scale=alt.Scale(zero=False),
                axis=alt.Axis(format=_number_format(answer, my, axis=True), tickCount=4)),
        tooltip=[alt.Tooltip(f"{dim_f}:N", title=_label(answer, dim)),
                 alt.Tooltip(f"{x_f}:Q", title=_label(answer, mx), format=_number_format(answer, mx, axis=False)),
                 alt.Tooltip(f"{y_f}:Q", title=_label(answer, my), format=_number_format(answer, my, axis=False))],
    )
    points = base.mark_circle(size=70, opacity=0.85)
    names = base.mark_text(dy=-9, fontSize=10, limit=90).encode(text=f"{dim_f}:N")
    title = f"{_label(answer, mx)} / {_label(answer, my)}"
    return alt.layer(points, names).properties(title=_title(title), height=280)


def _config() -> dict[str, Any]:
    return {"axis": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal"},
            "legend": {"labelFontSize": 11}, "view": {"stroke": None}}


# ---------------------------------------------------------------------- PNG for bots/API
_fonts_lock = threading.Lock()
_fonts_registered = False


def register_cjk_fonts() -> bool:
    """Make Noto CJK available to vl-convert once per process; False when not installed."""
    global _fonts_registered
    with _fonts_lock:
        if not _fonts_registered:
            import vl_convert as vlc

            for folder in CJK_FONT_DIRS:
                if folder.is_dir():
                    vlc.register_font_directory(str(folder))
                    _fonts_registered = True
        return _fonts_registered


def chart_png(spec: dict[str, Any], lang: str = "en", *, width: int = 480, scale: float = 2.0) -> bytes:
    """Render a spec to PNG. "container" widths have no container here, so use `width` px."""
    import vl_convert as vlc

    spec = copy.deepcopy(spec)
    if spec.get("width") in (None, "container"):
        spec["width"] = width
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec.setdefault("background", "white")
    if register_cjk_fonts():
        # The CJK face also covers Latin, so one font keeps both scripts on the same baseline.
        spec.setdefault("config", {})["font"] = CJK_FONT
    if lang == "zh":
        return vlc.vegalite_to_png(spec, scale=scale, format_locale="zh-CN", time_format_locale="zh-CN")
    return vlc.vegalite_to_png(spec, scale=scale, format_locale="en-US", time_format_locale="en-US")
