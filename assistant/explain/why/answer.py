"""An `Explanation` as the one `Answer` every surface renders: the sentences, a table of the
contributors (their own figures, their part of the change, its rate and mix parts), a
waterfall chart, and the provenance of every query that produced a number.

Table contract (`answer.columns`): driver, before, after, change, rate, mix. `change`, `rate`
and `mix` are parts of the headline change, in points for a ratio metric (unit
"percentage_points") and in the metric's unit otherwise; `before` and `after` are each
driver's own figures. A product's factors come first, then the members of the factor that
moved it most (named "factor · breakdown: member"); members inside the leading one are named
"leading › breakdown: member". `extras["why"]` holds the same in structured form (alerts
attach it as their evidence) and `extras["queries"]` every statement that ran.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from assistant.explain.answer import Answer, Provenance
from assistant.explain.metric_answer import metric_definitions
from assistant.explain.sentences import filter_words, mid_sentence, scope_line
from assistant.explain.why.engine import Driver, Explanation
from assistant.explain.why.fetch import Runner
from assistant.explain.why.message import message
from assistant.explain.why.words import Labeller, Writer, period_words
from semantic_layer.models import Label, UnitSpec, UnitText

POINTS = UnitSpec(name="percentage_points", label=Label(en="percentage points", zh="百分点"),
                  suffix=UnitText(en=" pp", zh="个百分点"), decimals=2)
TOP_PARTS = 5
COLUMNS = ("driver", "before", "after", "change", "rate", "mix")
_LABELS = {"en": ("Driver", "Before", "After", "Contribution", "Rate part", "Mix part"),
           "zh": ("因素", "之前", "之后", "贡献", "比率部分", "结构部分")}


def explanation_answer(runner: Runner, question: str, ex: Explanation, *, planner: str,
                       prov: Provenance | None = None, notes: list[str] | None = None) -> Answer:
    layer = runner.layer
    lang = "zh" if ex.query.locale == "zh" else "en"
    writer = Writer(layer, ex, lang, _labels(runner, lang))
    prov = prov or Provenance()
    prov.metrics = metric_definitions(layer, [ex.metric, *[f.metric for f in ex.factors if f.metric]])
    labels = {str(v): writer.label(f.field, v) for f in ex.query.filters if f.field in layer.dimensions
              for v in f.values}
    prov.filters = [filter_words(f, layer, lang, labels) for f in ex.query.filters]
    prov.time_range = f"{period_words(ex.earlier, lang)} → {period_words(ex.later, lang)}"
    prov.freshness = runner.freshness(layer.metric_time_columns(ex.metric))
    answer = Answer(question, "ok", message(writer), interpretation=_interpretation(writer, labels, notes or []),
                    semantic_query=ex.query.model_dump(mode="json"), sql=ex.queries[0].sql if ex.queries else None,
                    provenance=prov, planner=planner, lang=lang)
    _table(answer, writer)
    answer.extras["why"] = structured(ex, writer)
    answer.extras["queries"] = [{"what": scope_line(q.query, layer, lang, labels), "sql": q.sql, "rows": q.rows}
                                for q in ex.queries]
    # Drawn on first read, like every other answer's chart: Altair costs ~1 s to import and the
    # waterfall 50-90 ms per answer, which the CLI, the API and most bot replies never show.
    answer.draw_later(lambda drawn: _waterfall(drawn, writer))
    return answer


def _waterfall(answer: Answer, writer: Writer) -> dict[str, Any] | None:
    from assistant.explain.why.chart import waterfall  # Altair: imported only when a chart is drawn

    return waterfall(answer, writer)


def _labels(runner: Runner, lang: str) -> Labeller:
    def label_of(dimension: str, key: Hashable) -> str:
        member = runner.values.find(dimension, str(key))
        return member.label(lang) if member is not None else str(key)

    return label_of


def _interpretation(w: Writer, labels: dict[str, str], notes: list[str]) -> str:
    ex = w.ex
    what = scope_line(ex.query.model_copy(update={"time_range": None, "dimensions": []}), w.layer, w.lang, labels)
    what = what.rsplit("，" if w.zh else ", ", 1)[0]  # the period is said next, as the two compared
    p1, p0 = period_words(ex.later, w.lang), period_words(ex.earlier, w.lang)
    text = f"{what}：{p1}对比{p0}的变化" if w.zh else f"Change in {mid_sentence(what)}: {p1} vs {p0}"
    if notes:
        text += ("；" if w.zh else "; ") + ("；".join(notes) if w.zh else "; ".join(notes))
    return text


def _table(answer: Answer, w: Writer) -> None:
    ex = w.ex
    rows: list[list[Any]] = []
    points = w.unit is not None and w.unit.kind == "ratio"
    scale = 100.0 if points else 1.0
    for i, f in enumerate(ex.factors):
        rows.append([w.factor_name(i), f.before, f.after, f.contribution * scale, None, None])
    prefix = f"{w.factor_name(ex.focus)} · " if ex.focus is not None else ""
    if ex.driver is not None:
        rows += _part_rows(w, ex.driver, prefix, scale)
        for drill in ex.drills:
            leader = _member(w, ex.driver, ex.driver.top.key)
            rows += _part_rows(w, drill, f"{prefix}{leader} › ", scale, top_only=True)
    answer.columns = list(COLUMNS)
    answer.rows = rows
    answer.column_labels = dict(zip(COLUMNS, _LABELS[w.lang], strict=True))
    answer.column_labels["before"] = period_words(ex.earlier, w.lang)
    answer.column_labels["after"] = period_words(ex.later, w.lang)
    change_unit = POINTS if points else w.unit
    shown = {"before": w.focus_unit(), "after": w.focus_unit(), "change": change_unit, "rate": change_unit,
             "mix": change_unit}
    answer.column_units = {c: u.name for c, u in shown.items() if u is not None}
    answer.units = {u.name: u for u in shown.values() if u is not None}
    answer.extras["column_kinds"] = {"driver": "dimension", **{c: "metric" for c in COLUMNS[1:]}}


def _part_rows(w: Writer, d: Driver, prefix: str, scale: float, *, top_only: bool = False) -> list[list[Any]]:
    shown = d.parts[:1] if top_only else d.parts[:TOP_PARTS]
    rows = [[prefix + _member(w, d, p.key), p.before, p.after, p.contribution * scale,
             None if p.rate is None else p.rate * scale, None if p.mix is None else p.mix * scale] for p in shown]
    rest = d.parts[len(shown):]
    if rest and not top_only:
        label = w.layer.dimension(d.dimension).label.get(w.lang)  # a cell starts with its capital
        others = f"{label}：其他（{len(rest)}）" if w.zh else f"{label}: others ({len(rest)})"
        rows.append([prefix + others, None, None, sum(p.contribution for p in rest) * scale,
                     _sum([p.rate for p in rest], scale), _sum([p.mix for p in rest], scale)])
    return rows


def _member(w: Writer, d: Driver, key: Hashable) -> str:
    name = ("（无）" if w.zh else "(none)") if key is None else w.label(d.dimension, key)
    label = w.layer.dimension(d.dimension).label.get(w.lang)
    return f"{label}：{name}" if w.zh else f"{label}: {name}"


def _sum(values: list[float | None], scale: float) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) * scale if known else None


def structured(ex: Explanation, w: Writer) -> dict[str, Any]:
    """The explanation as plain data (fractions, not points): alerts keep it as evidence."""
    def driver(d: Driver | None) -> dict[str, Any] | None:
        if d is None:
            return None
        return {"dimension": d.dimension, "share": d.share, "score": d.score, "stands_out": d.stands_out(),
                "within": d.within.model_dump(mode="json") if d.within else None,
                "noise": None if d.noise is None else d.noise.__dict__,
                "parts": [{"key": p.key, "label": _member(w, d, p.key), **{k: getattr(p, k) for k in (
                    "before", "after", "contribution", "rate", "mix", "weight")}} for p in d.parts]}

    return {"metric": ex.metric, "kind": ex.kind, "later": [str(ex.later.start), str(ex.later.end)],
            "earlier": [str(ex.earlier.start), str(ex.earlier.end)], "chosen": ex.chosen,
            "direction": ex.direction, "before": ex.before, "after": ex.after, "change": ex.change,
            "noise": ex.noise.__dict__, "factors": [f.__dict__ for f in ex.factors], "focus": ex.focus,
            "driver": driver(ex.driver), "drills": [driver(d) for d in ex.drills]}
