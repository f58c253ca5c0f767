"""What an alert says, in English and Chinese: the breach, the recovery, and the rule itself
("alert when OEE of any Ningbo line is below 75% on a day") for confirmation and listings."""

from __future__ import annotations

from assistant.alerts.evaluate import Breach, Evaluation
from assistant.alerts.rules import AlertRule, Anomaly, Change, Threshold
from assistant.core.units import format_value
from assistant.explain.periods import day_words, period_label
from semantic_layer.layer import Layer

__all__ = ["breach_text", "recovery_text", "rule_text"]

_OP = {"<": ("below", "低于"), "<=": ("at or below", "不高于"), ">": ("above", "高于"), ">=": ("at or above", "不低于")}
_GRAIN = {"day": ("day", "天"), "week": ("week", "周"), "month": ("month", "月"), "quarter": ("quarter", "季度"),
          "year": ("year", "年")}


def _fmt(layer: Layer, rule: AlertRule, value: float, lang: str) -> str:
    return format_value(value, layer.unit(layer.metric(rule.metric).unit), lang)


def _period(evaluation: Evaluation, lang: str) -> str:
    if evaluation.rule.grain is None:
        return day_words(evaluation.period[0], lang)
    return period_label(evaluation.period[0], evaluation.rule.grain, lang, long=True)


def _subject(layer: Layer, rule: AlertRule, breach: Breach, lang: str) -> str:
    metric = layer.metric(rule.metric).label.get(lang)
    name = breach.name(lang)
    if lang == "zh":
        return f"{name}的{metric}" if name else metric
    return f"{metric} for {name}" if name else metric


def breach_text(evaluation: Evaluation, breach: Breach, layer: Layer, lang: str) -> str:
    rule = evaluation.rule
    subject, period = _subject(layer, rule, breach, lang), _period(evaluation, lang)
    value = _fmt(layer, rule, breach.value, lang)
    condition = rule.condition
    if isinstance(condition, Threshold):
        en, zh = _OP[condition.op]
        limit = _fmt(layer, rule, condition.value, lang)
        return f"{period}{subject}为{value}，{zh}预警值{limit}。" if lang == "zh" else \
            f"{subject} was {value} in {period}, {en} the alert's {limit}."
    if isinstance(condition, Change):
        before = _fmt(layer, rule, breach.reference, lang)
        size = float(breach.detail.get("change", 0))
        step = f"{size:+.0%}" if condition.pct is not None else _fmt(layer, rule, size, lang)
        if lang == "zh":
            return f"{period}{subject}为{value}，较上一期的{before}变化{step}。"
        return f"{subject} was {value} in {period}, {step} against {before} the period before."
    assert isinstance(condition, Anomaly)
    above = breach.value > float(breach.detail["high"])
    edge = _fmt(layer, rule, float(breach.detail["high" if above else "low"]), lang)
    median = _fmt(layer, rule, float(breach.detail["median"]), lang)
    n = int(breach.detail["baseline"])
    if lang == "zh":
        side = f"高于通常上限{edge}" if above else f"低于通常下限{edge}"
        return f"{period}{subject}为{value}，{side}（此前{n}期的中位数为{median}）。"
    grain = _GRAIN.get(rule.grain or "day", ("period", "期"))[0]
    side = f"above its usual range (up to {edge}" if above else f"below its usual range (down to {edge}"
    return f"{subject} was {value} in {period}, {side}; median {median} over the previous {n} {grain}s)."


def recovery_text(evaluation: Evaluation, labels: dict[str, str], value: float | None, layer: Layer,
                  lang: str) -> str:
    rule = evaluation.rule
    subject = _subject(layer, rule, Breach("", labels.get(rule.lang, ""), 0.0, 0.0, labels=labels), lang)
    period = _period(evaluation, lang)
    shown = _fmt(layer, rule, value, lang) if value is not None else "—"
    name = rule.name or rule.id
    if lang == "zh":
        return f"{period}{subject}恢复为{shown}，预警“{name}”已解除。"
    return f"{subject} is back to {shown} in {period}; the alert '{name}' is resolved."


def rule_text(rule: AlertRule, layer: Layer, lang: str, labels: dict[str, str] | None = None) -> str:
    """The rule in words, e.g. 'Alert when OEE of any production line (plant is Ningbo) is below
    75% on a day.' — shown back for confirmation when a rule is made in chat."""
    metric = layer.metric(rule.metric).label.get(lang)
    labels = labels or {}
    sep = "、" if lang == "zh" else ", "
    scope = [f"{layer.dimension(f.field).label.get(lang)}{'为' if lang == 'zh' else ' is '}"
             + sep.join(labels.get(str(v), str(v)) for v in f.values) for f in rule.filters]
    by = layer.dimension(rule.by).label.get(lang) if rule.by else ""
    grain_en, grain_zh = _GRAIN.get(rule.grain or "", ("", ""))
    condition = rule.condition
    size = ""
    if isinstance(condition, Change):
        size = f"{condition.pct:.0%}" if condition.pct is not None else _fmt(layer, rule, condition.points or 0, lang)
    if lang == "zh":
        who = (f"任一{by}的" if by else "") + metric + (f"（{'，'.join(scope)}）" if scope else "")
        when = f"按{grain_zh}" if grain_zh else "按最新数据"
        if isinstance(condition, Threshold):
            what = f"{_OP[condition.op][1]}{_fmt(layer, rule, condition.value, lang)}"
        elif isinstance(condition, Change):
            what = {"up": "上升超过", "down": "下降超过", "either": "变化超过"}[condition.direction] + size
        else:
            what = f"超出过去{condition.baseline}期的通常范围"
        return f"当{who}{when}{what}时提醒。"
    who = metric + (f" of any {by.lower()}" if by else "") + (f" ({'; '.join(scope)})" if scope else "")
    when = f"in a {grain_en}" if grain_en else "in the latest data"
    if isinstance(condition, Threshold):
        what = f"is {_OP[condition.op][0]} {_fmt(layer, rule, condition.value, lang)} {when}"
    elif isinstance(condition, Change):
        verb = {"up": "rises", "down": "falls", "either": "moves"}[condition.direction]
        what = f"{verb} more than {size} from one {grain_en} to the next"
    else:
        what = f"leaves its usual range of the previous {condition.baseline} {grain_en}s"
    return f"Alert when {who} {what}."
