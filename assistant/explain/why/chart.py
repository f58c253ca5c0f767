"""The waterfall: from the earlier period's figure, through each contributor's part, to the
later one. A product's steps are its factors; otherwise the driver's leading members and one
step for all the others, so the steps add up to the change exactly.

Horizontal, like the other bar charts (category labels fit a 390 px phone column). The two
totals are marks at their value, not bars: the axis follows the figures (a change of 0.4
points on 92% would vanish on an axis from zero), and a bar that does not start at zero
would claim a length it does not have. Steps are coloured by whether they helped or hurt
(the layer's `higher_is_better`), with their part written after them.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from assistant.explain.answer import Answer
from assistant.explain.chart_build import (
    BAR_STEP_PX,
    CHAR_PX,
    PHONE_PLOT_PX,
    TEXT_COLOUR,
    category_axis,
    title,
    value_axis_spec,
    value_scale,
)
from assistant.explain.chart_format import value_axis
from assistant.explain.charts import CJK_FONTS
from assistant.explain.why.answer import TOP_PARTS
from assistant.explain.why.words import Writer, amount, period_words, point_decimals

COLOURS = {"total": "#4c78a8", "good": "#54a24b", "bad": "#e45756"}
KIND_NAMES = {"en": {"total": "Total", "good": "Helped", "bad": "Hurt"},
              "zh": {"total": "合计", "good": "改善", "bad": "拖累"}}


def steps(w: Writer) -> list[tuple[str, float]]:
    """(label, part of the change) in the order they are drawn; they add up to the change."""
    ex = w.ex
    if ex.factors:
        return [(w.factor_name(i), f.contribution) for i, f in enumerate(ex.factors)]
    d = ex.driver
    if d is None:
        return [("变化" if w.zh else "Change", ex.change or 0.0)]
    shown = d.parts[:TOP_PARTS]
    out = [(_name(w, d.dimension, p.key), p.contribution) for p in shown]
    rest = d.parts[len(shown):]
    if rest:
        out.append((f"其他（{len(rest)}）" if w.zh else f"Others ({len(rest)})", sum(p.contribution for p in rest)))
    return out


def _name(w: Writer, dimension: str, key: Any) -> str:
    return ("（无）" if w.zh else "(none)") if key is None else w.label(dimension, key)


def waterfall(answer: Answer, w: Writer) -> dict[str, Any] | None:
    ex = w.ex
    if ex.before is None or ex.after is None:
        return None
    lang = "zh" if w.zh else "en"
    better_up = w.layer.metric(ex.metric).higher_is_better
    records: list[dict[str, Any]] = [_total(period_words(ex.earlier, lang), ex.before, w)]
    level = ex.before
    for label, part in steps(w):
        kind = "good" if (part >= 0) == better_up else "bad"
        text = amount(part, w.unit, lang, decimals=_decimals(w))
        records.append({"label": label, "lo": min(level, level + part), "hi": max(level, level + part),
                        "at": level + part, "part": part, "kind": kind, "text": text, "tip": text})
        level += part
    records.append(_total(period_words(ex.later, lang), ex.after, w))
    for i, r in enumerate(records):
        r["order"] = i
        r["kind_name"] = KIND_NAMES[lang][r["kind"]]
    values = [v for r in records for v in (r["lo"], r["hi"])]
    span = (max(values) - min(values)) or abs(max(values)) or 1.0
    extra = span * (max(len(r["text"]) for r in records) * CHAR_PX + 8) / PHONE_PLOT_PX
    axis = value_axis(values, w.unit, lang, zero=False, count=4)
    axis = type(axis)((axis.domain[0], max(axis.domain[1], max(values) + extra)), axis.ticks, axis.format,
                      axis.label_expr)
    labels = [r["label"] for r in records]
    base = alt.Chart(alt.Data(values=records)).encode(
        y=alt.Y("label:N", sort=labels, title=None, axis=category_axis()),
        color=alt.Color("kind:N", legend=None, scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values()))),
        tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("kind_name:N", title=" "),
                 alt.Tooltip("tip:N", title=w.metric_name())],
    )
    x = alt.X("lo:Q", title=None, scale=value_scale(axis), axis=value_axis_spec(axis))
    bars = base.transform_filter("datum.kind != 'total'").mark_bar(cornerRadius=2).encode(x=x, x2="hi:Q")
    totals = base.transform_filter("datum.kind == 'total'").mark_tick(thickness=3, size=BAR_STEP_PX - 8).encode(x=x)
    texts = base.mark_text(align="left", dx=4, fontSize=11).encode(
        x=alt.X("hi:Q"), text="text:N", color=alt.value(TEXT_COLOUR))
    name = f"{w.metric_name()}：{period_words(ex.earlier, lang)} → {period_words(ex.later, lang)}" if w.zh else \
        f"{w.metric_name()}: {period_words(ex.earlier, lang)} → {period_words(ex.later, lang)}"
    chart = alt.layer(bars, totals, texts).properties(title=title(name), height=len(records) * BAR_STEP_PX + 10)
    spec: dict[str, Any] = chart.to_dict()
    spec["width"] = "container"
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    config: dict[str, Any] = {"axis": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal"},
                              "view": {"stroke": None}}
    if w.zh:
        config["font"] = CJK_FONTS
    spec.setdefault("config", {}).update(config)
    spec["usermeta"] = {"kind": "waterfall", "embedOptions": {"renderer": "svg"}}
    return spec


def _total(label: str, value: float, w: Writer) -> dict[str, Any]:
    text = w.value(value)  # as precise as the change needs: 1.44% -> 1.54%, not 1.4% -> 1.5%
    return {"label": label, "lo": value, "hi": value, "at": value, "part": 0.0, "kind": "total", "text": text,
            "tip": text}


def _decimals(w: Writer) -> int | None:
    unit, change = w.unit, w.ex.change
    if unit is None or unit.kind != "ratio" or change is None:
        return None
    return point_decimals(abs(change) * 100)
