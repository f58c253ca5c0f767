"""Two periods side by side: grouped bars per member with the change written under its name.

"Scrap rate this quarter vs last quarter by plant" returns two quarters per plant. As a line
it is two points per plant over a repeated quarter label; as grouped bars (earlier period
light, later dark, in time order) with "+0.1 pp" under each plant it reads at a glance. A
ratio's change is in points, any other figure's in percent (`chart_format.change_text`).
"""

from __future__ import annotations

import altair as alt

from assistant.explain.answer import Answer
from assistant.explain.chart_build import (
    TEXT_COLOUR,
    category_axis,
    headroom,
    label_of,
    lang_of,
    legend,
    metric_title,
    title,
    value_axis_spec,
    value_scale,
)
from assistant.explain.chart_data import column, first_seen, member_labels, number, period_axis
from assistant.explain.chart_format import change_text, text_decimals, value_axis, value_texts
from assistant.explain.chart_shape import ChartPlan

PERIOD_COLOURS = ["#9ecae9", "#4c78a8"]  # earlier light, later dark: the eye lands on the latest
BAR_PX = 14
MEMBER_GAP_PX = 12  # room for the second line (the change) of each member's label
CHANGE_WORD = {"en": "Change", "zh": "变化"}


def compare(answer: Answer, plan: ChartPlan) -> alt.LayerChart | alt.FacetChart:
    assert plan.time is not None
    lang = lang_of(answer)
    metric = plan.metrics[0]
    unit = answer.unit_of(metric)
    periods, axis_periods = period_axis(answer, plan.time)
    pair = [p for p in axis_periods if p in set(periods)]  # the two periods, earlier first
    names = member_labels(answer, plan.dims) if plan.dims else [label_of(answer, metric)] * len(answer.rows)
    values = [number(v) for v in column(answer, metric)]
    by_key = {(n, p): v for n, p, v in zip(names, periods, values, strict=True)}
    members = first_seen(names)
    decimals = text_decimals(values, unit)  # the change is read against the values, at their precision
    changes = {m: change_text(by_key.get((m, pair[0])), by_key.get((m, pair[-1])), unit, lang, decimals=decimals)
               for m in members}
    # The change is the member label's second line: beside the bars it would collide with the
    # values on a phone, and under the name it is read with the name.
    keys = {m: f"{m}\n{changes[m]}" if changes[m] else m for m in members}
    texts = value_texts(values, unit, lang)
    tips = value_texts(values, unit, lang, suffix=True)
    records = [{"member": keys[n], "name": n, "period": p, "value": v, "text": t, "tip": tip, "change": changes[n]}
               for n, p, v, t, tip in zip(names, periods, values, texts, tips, strict=True)]
    axis = value_axis([v for v in values if v is not None], unit, lang, zero=True, count=4,
                      headroom=headroom(texts))
    member_title = " / ".join(label_of(answer, d) for d in plan.dims) or " "
    base = alt.Chart(alt.Data(values=records)).encode(
        y=alt.Y("member:N", sort=[keys[m] for m in members], title=None,
                axis=alt.Axis(labelLimit=category_axis().labelLimit, labelExpr="split(datum.label, '\\n')")),
        yOffset=alt.YOffset("period:N", sort=pair),
        x=alt.X("value:Q", title=None, scale=value_scale(axis), axis=value_axis_spec(axis)),
        color=alt.Color("period:N", legend=legend(), scale=alt.Scale(domain=pair, range=PERIOD_COLOURS)),
        tooltip=[alt.Tooltip("name:N", title=member_title),
                 alt.Tooltip("period:N", title=label_of(answer, plan.time)),
                 alt.Tooltip("tip:N", title=label_of(answer, metric)),
                 alt.Tooltip("change:N", title=CHANGE_WORD[lang])],
    )
    bars = base.mark_bar(cornerRadiusEnd=2)
    labels = base.mark_text(align="left", dx=3, fontSize=10).encode(text="text:N", color=alt.value(TEXT_COLOUR))
    height = len(members) * (len(pair) * BAR_PX + MEMBER_GAP_PX) + 10
    return alt.layer(bars, labels).properties(title=title(metric_title(answer, metric)), height=height)
