"""The Vega-Lite charts for lines, bars, grouped bars and scatters (Altair, data inlined).

Rules every builder follows: keys are written as people read them (`chart_data`), values with
ticks and texts from `chart_format` (distinct, no SI prefixes), categories and series in the
table's order, bars from zero, legends below the plot, and labels that fit a 390 px column.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from assistant.core.text import shorten
from assistant.explain.answer import Answer
from assistant.explain.chart_data import NO_VALUE, column, first_seen, member_labels, number, period_axis
from assistant.explain.chart_format import ValueAxis, unit_title, value_axis, value_texts, zero_baseline
from assistant.explain.chart_shape import MAX_SERIES, ChartPlan, same_unit

TITLE_CHARS = 40
LABEL_LIMIT_PX = 120  # category labels beyond this are truncated with an ellipsis
BAR_STEP_PX = 24
PHONE_PLOT_PX = 150  # what is left beside the category labels in a phone column (~300 px in the app)
CHAR_PX = 6.5  # an 11 px digit, for the room a bar's value needs after it
TEXT_COLOUR = "#333333"
POINTS_UP_TO = 40  # dots on a line help only while they do not crowd


def lang_of(answer: Answer) -> str:
    return "zh" if answer.lang == "zh" else "en"


def label_of(answer: Answer, col: str) -> str:
    return answer.column_labels.get(col, col)


def title(text: str) -> alt.TitleParams:
    return alt.TitleParams(shorten(text, TITLE_CHARS, collapse=False), anchor="start", fontSize=14, offset=8)


def metric_title(answer: Answer, metric: str) -> str:
    return unit_title(label_of(answer, metric), answer.unit_of(metric), lang_of(answer))


def legend() -> alt.Legend:
    return alt.Legend(orient="bottom", title=None, columns=2, labelLimit=150, symbolLimit=MAX_SERIES)


def value_scale(axis: ValueAxis) -> alt.Scale:
    return alt.Scale(domain=list(axis.domain), nice=False, zero=False)


def value_axis_spec(axis: ValueAxis) -> alt.Axis:
    if axis.label_expr:
        return alt.Axis(values=axis.ticks, format=axis.format, labelExpr=axis.label_expr, labelOverlap=True)
    return alt.Axis(values=axis.ticks, format=axis.format, labelOverlap=True)


def category_axis() -> alt.Axis:
    return alt.Axis(labelLimit=LABEL_LIMIT_PX)


def headroom(texts: list[str]) -> float:
    """How far past the largest bar the scale reaches, so the value written after it fits."""
    return 1 + (max((len(t) for t in texts), default=0) * CHAR_PX + 8) / PHONE_PLOT_PX


# ---------------------------------------------------------------------- lines
def line(answer: Answer, plan: ChartPlan) -> alt.Chart:
    """One line per member (or per metric of one unit) over the periods, in words."""
    assert plan.time is not None
    lang = lang_of(answer)
    periods, domain = period_axis(answer, plan.time)
    if plan.dims:
        metrics = plan.metrics[:1]
        series = [member_labels(answer, plan.dims)]
        series_title = " / ".join(label_of(answer, d) for d in plan.dims)
    else:
        metrics = same_unit(answer, plan.metrics)
        series = [[label_of(answer, m)] * len(answer.rows) for m in metrics]
        series_title = ""
    unit = answer.unit_of(metrics[0])
    values = [number(v) for m in metrics for v in column(answer, m)]
    tips = value_texts(values, unit, lang, suffix=True)
    names = [name for per_metric in series for name in per_metric]  # metric by metric, like `values`
    records: list[dict[str, Any]] = [{"period": p, "series": s, "value": v, "tip": t}
                                     for p, s, v, t in zip(periods * len(metrics), names, values, tips, strict=True)]
    order = first_seen(names)
    series_rank = {name: i for i, name in enumerate(order)}
    period_rank = {period: i for i, period in enumerate(domain)}
    # Lines are drawn in data order: periods in time order within each series, gaps included.
    records = sorted(records + _gaps(records, domain, order),
                     key=lambda r: (series_rank[r["series"]], period_rank[r["period"]]))
    axis = value_axis([v for v in values if v is not None], unit, lang, count=5,
                      zero=zero_baseline([v for v in values if v is not None], unit))
    enc: dict[str, Any] = {
        "x": alt.X("period:O", title=None, scale=alt.Scale(domain=domain),
                   axis=alt.Axis(labelAngle=0, labelOverlap=True, labelSeparation=6)),
        "y": alt.Y("value:Q", title=None, scale=value_scale(axis), axis=value_axis_spec(axis)),
        "tooltip": [alt.Tooltip("period:O", title=label_of(answer, plan.time)),
                    alt.Tooltip("series:N", title=series_title or " "),
                    alt.Tooltip("tip:N", title=label_of(answer, metrics[0]))],
    }
    if len(order) > 1:
        enc["color"] = alt.Color("series:N", legend=legend(), scale=alt.Scale(domain=order))
    chart_title = " / ".join(metric_title(answer, m) for m in metrics)
    points = len(records) / max(len(order), 1) <= POINTS_UP_TO
    return alt.Chart(alt.Data(values=records)).mark_line(point=points, strokeWidth=2).encode(**enc).properties(
        title=title(chart_title), height=240)


def _gaps(records: list[dict[str, Any]], periods: list[str], series: list[str]) -> list[dict[str, Any]]:
    """A null for each period a series has no row in: the line breaks there instead of drawing a
    straight segment across a week nobody reported (a missing row is not known to be zero)."""
    have = {(r["period"], r["series"]) for r in records}
    return [{"period": p, "series": s, "value": None, "tip": NO_VALUE}
            for s in series for p in periods if (p, s) not in have]


# ---------------------------------------------------------------------- bars
def bar(answer: Answer, plan: ChartPlan) -> alt.LayerChart | alt.FacetChart:
    """Horizontal bars from zero, in the table's order, each with its value written after it."""
    lang = lang_of(answer)
    metric = plan.metrics[0]
    unit = answer.unit_of(metric)
    members = member_labels(answer, plan.dims[:1])
    values = [number(v) for v in column(answer, metric)]
    texts = value_texts(values, unit, lang)
    tips = value_texts(values, unit, lang, suffix=True)
    records = [{"member": m, "value": v, "text": t, "tip": tip}
               for m, v, t, tip in zip(members, values, texts, tips, strict=True)]
    axis = value_axis([v for v in values if v is not None], unit, lang, zero=True, count=4,
                      headroom=headroom(texts))
    base = alt.Chart(alt.Data(values=records)).encode(
        y=alt.Y("member:N", sort=first_seen(members), title=None, axis=category_axis()),
        x=alt.X("value:Q", title=None, scale=value_scale(axis), axis=value_axis_spec(axis)),
        tooltip=[alt.Tooltip("member:N", title=label_of(answer, plan.dims[0])),
                 alt.Tooltip("tip:N", title=label_of(answer, metric))],
    )
    bars = base.mark_bar(cornerRadiusEnd=2)
    labels = base.mark_text(align="left", dx=3, fontSize=11, color=TEXT_COLOUR).encode(text="text:N")
    height = len(first_seen(members)) * BAR_STEP_PX + 10
    return alt.layer(bars, labels).properties(title=title(metric_title(answer, metric)), height=height)


def grouped(answer: Answer, plan: ChartPlan) -> alt.LayerChart | alt.FacetChart:
    """Bars side by side per category: a second key as the colour, or several metrics of one unit."""
    lang = lang_of(answer)
    members = member_labels(answer, plan.dims[:1])
    if len(plan.dims) > 1:
        metrics = plan.metrics[:1]
        series = member_labels(answer, plan.dims[1:2])
        series_title = label_of(answer, plan.dims[1])
    else:
        metrics = plan.metrics
        series = [label_of(answer, m) for m in metrics for _ in answer.rows]
        members = members * len(metrics)
        series_title = ""
    unit = answer.unit_of(metrics[0])
    values = [number(v) for m in metrics for v in column(answer, m)]
    texts = value_texts(values, unit, lang)
    tips = value_texts(values, unit, lang, suffix=True)
    records = [{"member": m, "series": s, "value": v, "text": t, "tip": tip}
               for m, s, v, t, tip in zip(members, series, values, texts, tips, strict=True)]
    axis = value_axis([v for v in values if v is not None], unit, lang, zero=True, count=4,
                      headroom=headroom(texts))
    order = first_seen(series)
    base = alt.Chart(alt.Data(values=records)).encode(
        y=alt.Y("member:N", sort=first_seen(members), title=None, axis=category_axis()),
        yOffset=alt.YOffset("series:N", sort=order),
        x=alt.X("value:Q", title=None, scale=value_scale(axis), axis=value_axis_spec(axis)),
        color=alt.Color("series:N", legend=legend(), scale=alt.Scale(domain=order), title=series_title or None),
        tooltip=[alt.Tooltip("member:N", title=label_of(answer, plan.dims[0])),
                 alt.Tooltip("series:N", title=series_title or " "),
                 alt.Tooltip("tip:N", title=" / ".join(label_of(answer, m) for m in metrics))],
    )
    layers: list[alt.Chart] = [base.mark_bar(cornerRadiusEnd=2)]
    if len(order) <= 3:  # thinner bars than this leave no room for a number beside each
        # A fixed colour: text in a light series colour is unreadable on white.
        text = base.mark_text(align="left", dx=3, fontSize=10)
        layers.append(text.encode(text="text:N", color=alt.value(TEXT_COLOUR)))
    chart_title = " / ".join(metric_title(answer, m) for m in metrics)
    height = len(first_seen(members)) * (len(order) * 14 + 8) + 10
    return alt.layer(*layers).properties(title=title(chart_title), height=height)


# ---------------------------------------------------------------------- scatter
def scatter(answer: Answer, plan: ChartPlan) -> alt.LayerChart | alt.FacetChart:
    """Two figures of different units (or sizes) per member: one axis each, members named."""
    lang = lang_of(answer)
    mx, my = plan.metrics[0], plan.metrics[1]
    members = member_labels(answer, plan.dims[:1])
    xs, ys = [number(v) for v in column(answer, mx)], [number(v) for v in column(answer, my)]
    x_tips = value_texts(xs, answer.unit_of(mx), lang, suffix=True)
    y_tips = value_texts(ys, answer.unit_of(my), lang, suffix=True)
    records = [{"member": m, "x": x, "y": y, "xtip": xt, "ytip": yt}
               for m, x, y, xt, yt in zip(members, xs, ys, x_tips, y_tips, strict=True)]
    x_axis, y_axis = _scatter_axis(answer, mx, xs), _scatter_axis(answer, my, ys)
    base = alt.Chart(alt.Data(values=records)).encode(
        x=alt.X("x:Q", title=shorten(metric_title(answer, mx), 30, collapse=False), scale=value_scale(x_axis),
                axis=value_axis_spec(x_axis)),
        y=alt.Y("y:Q", title=shorten(metric_title(answer, my), 30, collapse=False), scale=value_scale(y_axis),
                axis=value_axis_spec(y_axis)),
        tooltip=[alt.Tooltip("member:N", title=label_of(answer, plan.dims[0])),
                 alt.Tooltip("xtip:N", title=label_of(answer, mx)),
                 alt.Tooltip("ytip:N", title=label_of(answer, my))],
    )
    points = base.mark_circle(size=70, opacity=0.85)
    names = base.mark_text(dy=-9, fontSize=10, limit=90).encode(text="member:N")
    chart_title = f"{label_of(answer, mx)} / {label_of(answer, my)}"
    return alt.layer(points, names).properties(title=title(chart_title), height=280)


def _scatter_axis(answer: Answer, metric: str, values: list[float | None]) -> ValueAxis:
    known = [v for v in values if v is not None]
    unit = answer.unit_of(metric)
    return value_axis(known, unit, lang_of(answer), zero=zero_baseline(known, unit, amounts=False), count=4)
