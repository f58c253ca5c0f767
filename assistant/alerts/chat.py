"""An alert rule from a sentence: "Alert me when Ningbo OEE falls below 75%", "宁波OEE低于75%时提醒我",
"tell me if scrap on any line jumps".

The request ("alert me when", "…时提醒我") and the condition's everyday words ("rises more than
10% week over week", "突增") are taken off (chat_words.py); what is left is asked through the
asking user's view of the pipeline, so the same planner that answers questions reads the metric,
its scope and any threshold with the layer's names. The SemanticQuery it returns becomes the rule:
a metric threshold is a Threshold, change words a Change (with a size) or an Anomaly (without),
a breakdown or "any <kind>" is `by`, dimension filters are the rule's filters. The rule is shown
back in words for confirmation; every surface (CLI `alerts add`, the Alerts page, the chat box)
calls `rule_from_sentence`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from assistant.alerts.chat_words import Words, alert_remainder, any_member, read_words
from assistant.alerts.manage import new_rule_id, rule_words
from assistant.alerts.rules import AlertRule, Channel, Threshold, check_rule
from assistant.core.errors import ClarificationNeeded, FactoryAssistantError, user_message
from assistant.core.text import question_lang, shorten, valid_unicode
from assistant.core.users import User
from assistant.explain.periods import day_words
from assistant.pipeline import Pipeline
from assistant.plan.query import Filter, SemanticQuery
from assistant.scoped import for_user
from semantic_layer.layer import Layer

__all__ = ["AlertRequestError", "RuleDraft", "example_sentence", "is_alert_request", "rule_from_sentence"]

_DAYS = {"day": 1, "week": 7, "month": 30.4, "quarter": 91.3, "year": 365.25}
_GRAIN_WORDS = {"day": ("day", "天"), "week": ("week", "周"), "month": ("month", "月"), "quarter": ("quarter", "季度"),
                "year": ("year", "年"), "hour": ("hour", "小时"), "minute": ("minute", "分钟")}
_DEFAULT_BASELINE = 8


class AlertRequestError(ClarificationNeeded):
    """A sentence that cannot become a rule: says what was missing, in both languages, with an example."""


@dataclass
class RuleDraft:
    """A rule made from a sentence, not saved yet: shown back in words for confirmation."""

    rule: AlertRule
    sentence: str
    words: dict[str, str] = field(default_factory=dict)  # the rule in words, en and zh

    def text(self, lang: str) -> str:
        return self.words.get(lang) or self.words["en"]


def is_alert_request(sentence: str) -> bool:
    """Whether a chat message asks to be told about something rather than asking a question."""
    remainder = alert_remainder(sentence)
    return remainder is not None and bool(remainder.strip())


def example_sentence(layer: Layer, lang: str) -> str:
    """An example built from the layer's own first metric (a rate gets a threshold, others a change)."""
    asked = [str(m) for vq in layer.spec.verified_queries for m in (vq.semantic_query or {}).get("metrics", [])]
    names = [*[m for m in asked if m in layer.metrics], *layer.metrics]  # the layer's own examples first
    metric = layer.metric(names[0])
    for name in names:
        unit = layer.unit(layer.metric(name).unit)
        if unit is not None and unit.kind == "ratio":
            metric = layer.metric(name)
            break
    unit = layer.unit(metric.unit)
    label = metric.label.get(lang)
    if unit is not None and unit.kind == "ratio":
        return f"{label}低于75%时提醒我" if lang == "zh" else f"Alert me when {label} falls below 75%"
    return f"{label}周环比上升超过10%时提醒我" if lang == "zh" else \
        f"Alert me when {label} rises more than 10% week over week"


def rule_from_sentence(sentence: str, pipeline: Pipeline, *, user: User | None = None,
                       taken: Collection[str] = (), channels: dict[str, Channel] | None = None,
                       as_of: dt.date | None = None) -> RuleDraft:
    """The rule a sentence asks for, owned by and sent to `user` (the demo user without sign-in).

    Raises AlertRequestError (both languages) when no metric or no condition is understood, or the
    rule cannot hold (a rate above 100%, a window finer than the data or longer than it)."""
    sentence = valid_unicode(sentence).strip()
    lang = question_lang(sentence)
    view = for_user(pipeline, user)
    layer = view.layer
    remainder = alert_remainder(sentence)
    remainder = sentence if remainder is None else remainder  # `alerts add` and the page say "alert" already
    words = read_words(remainder, lang)
    _check_grain(words, layer, lang)
    text, _any = any_member(words.remainder, lang)
    query = _plan(text, view, layer, lang, as_of)
    fields = _fields(query, words, layer, lang, user, taken, remainder)
    _check_window(fields, view, as_of)  # before the model's own bounds, to say what the data holds
    rule = _validate(fields)
    _check_values(rule, layer)
    try:
        check_rule(rule, layer, channels)
    except FactoryAssistantError as exc:
        raise AlertRequestError(str(exc), user_message(exc, "zh")) from None
    return RuleDraft(rule, sentence, {w: rule_words(rule, view, w) for w in ("en", "zh")})


def _refuse(en: str, zh: str, layer: Layer, options: list[str] | None = None) -> AlertRequestError:
    return AlertRequestError(f"{en} For example: “{example_sentence(layer, 'en')}”.",
                             f"{zh}例如：“{example_sentence(layer, 'zh')}”。", options=options)


def _plan(text: str, view: Pipeline, layer: Layer, lang: str, as_of: dt.date | None) -> SemanticQuery:
    """The planner's reading of what is left, through the user's view (their metrics, their members)."""
    if not text.strip():
        raise _refuse("I could not tell which figure to watch: the sentence names no metric.",
                      "没能看出要盯哪个指标：这句话里没有指标。", layer)
    answer = view.ask(text, as_of=as_of)
    if answer.status == "clarify":
        options = [c.get("label") or c["question"] for c in answer.extras.get("choices") or []]
        # The planner asked in the sentence's language ("which Line 3?"): say it as it is.
        raise AlertRequestError(answer.message, answer.message, options=options)
    if answer.status != "ok" or not answer.semantic_query:
        said = answer.message or ""
        raise _refuse(f"I could not tell which figure to watch in “{text}”. {said}".strip(),
                      f"没能从“{text}”中看出要盯哪个指标。{said}", layer)
    return SemanticQuery.model_validate(answer.semantic_query)


def _fields(query: SemanticQuery, words: Words, layer: Layer, lang: str, user: User | None,
            taken: Collection[str], said: str) -> dict[str, Any]:
    if len(query.metrics) != 1 or query.share or query.per:
        en = ", ".join(layer.metric(m).label.en for m in query.metrics)
        zh = "、".join(layer.metric(m).label.zh for m in query.metrics)
        raise _refuse(f"An alert watches one figure at a time, and this reads as several ({en}).",
                      f"一条预警只能盯一个指标，这句话读出了多个（{zh}）。", layer)
    metric = query.metrics[0]
    limits = [f for f in query.filters if f.field in layer.metrics]
    if len(query.dimensions) > 1:
        raise _refuse("An alert can check each member of one kind at a time, not of several kinds at once.",
                      "一条预警一次只能按一种对象逐个检查，不能同时按多种。", layer)
    condition = _condition(limits, words, layer, metric)
    scope = [f for f in query.filters if f.field in layer.dimensions and f.field != query.time_grain]
    grain = words.grain or query.time_grain or _default_grain(condition, layer, metric)
    user_name = user.name if user is not None else None
    fields: dict[str, Any] = {
        "id": new_rule_id(metric, taken), "name": shorten(said, 80), "metric": metric,
        "filters": [f.model_dump() for f in scope], "by": query.dimensions[0] if query.dimensions else None,
        "grain": grain, "condition": condition, "recipients": [f"user:{user_name or 'demo'}"],
        "owner": user_name, "lang": lang, "source": "chat"}
    if words.every_minutes:
        fields["every_minutes"] = words.every_minutes
    return fields


def _validate(fields: dict[str, Any]) -> AlertRule:
    try:
        return AlertRule.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise AlertRequestError(f"This alert cannot be made: {err['msg']}.",
                                f"无法创建这条预警：{err['msg']}。") from None


def _default_grain(condition: dict[str, Any], layer: Layer, metric: str) -> str | None:
    if not layer.metric_time_columns(metric):
        return None  # a snapshot (stock as it stands): checked as it is now
    return "day" if condition["kind"] == "threshold" else "week"


def _condition(limits: list[Filter], words: Words, layer: Layer, metric: str) -> dict[str, Any]:
    """The condition as the rule model reads it (validated with the rule, after the window check)."""
    en, zh = layer.metric(metric).label.en, layer.metric(metric).label.zh
    said = words.condition
    if limits and said is not None and said.kind == "change":
        raise _refuse(f"This names both a limit and a change for {en}; an alert watches one of them.",
                      f"这句话对{zh}既给了界限又给了变化幅度，一条预警只能选一种。", layer)
    if limits:
        limit = limits[0]
        if len(limits) > 1 or limit.op not in ("<", "<=", ">", ">="):
            raise _refuse(f"An alert needs one limit for {en} (above or below a value).",
                          f"预警需要{zh}的一个界限（高于或低于某个值）。", layer)
        return {"kind": "threshold", "op": limit.op, "value": limit.values[0]}  # the rule model reads the number
    if said is None:
        raise _refuse(f"I understood the figure ({en}) but not when to alert: give a limit (“below 75%”) or a "
                      "change (“rises more than 10% week over week”, “jumps”).",
                      f"看懂了指标（{zh}），但没看出何时提醒：请给出界限（“低于75%”）或变化"
                      "（“周环比上升超过10%”“突增”）。", layer)
    direction = said.direction
    if said.kind == "anomaly":
        return {"kind": "anomaly", "direction": direction, "baseline": words.baseline or _DEFAULT_BASELINE}
    size = float(said.size or 0)
    unit = layer.unit(layer.metric(metric).unit)
    ratio = unit is not None and unit.kind == "ratio"
    if said.unit == "%":
        return {"kind": "change", "direction": direction, "pct": size / 100}
    points = size / 100 if ratio and (said.unit == "points" or size >= 1) else size  # "2 points" of a rate: 0.02
    return {"kind": "change", "direction": direction, "points": points}


def _grain_word(grain: str, lang: str) -> str:
    en, zh = _GRAIN_WORDS.get(grain, (grain, grain))
    return zh if lang == "zh" else en


def _check_grain(words: Words, layer: Layer, lang: str) -> None:
    if words.grain in ("hour", "minute"):
        said = words.grain_said
        raise _refuse(f"The data has no figures finer than a day, so an alert cannot check each "
                      f"{_grain_word(words.grain, 'en')} (“{said}”). Use a day or longer.",
                      f"数据最细只到天，预警无法按{_grain_word(words.grain, 'zh')}检查（“{said}”）。"
                      "请用天或更长的周期。",
                      layer)


def _check_values(rule: AlertRule, layer: Layer) -> None:
    """A rate's threshold must be a possible rate; said in the sentence's language."""
    condition = rule.condition
    unit = layer.unit(layer.metric(rule.metric).unit)
    if isinstance(condition, Threshold) and unit is not None and unit.kind == "ratio" \
            and not 0 <= condition.value <= 1:
        metric = layer.metric(rule.metric).label
        raise _refuse(f"{condition.value:.0%} is not a possible value of {metric.en}: it runs from 0% to 100%.",
                      f"{metric.zh}不可能是{condition.value:.0%}：它的取值在0%到100%之间。", layer)


def _check_window(fields: dict[str, Any], view: Pipeline, as_of: dt.date | None) -> None:
    """A usual range over more periods than the data holds can never be filled."""
    condition, grain = fields["condition"], fields["grain"]
    if condition["kind"] != "anomaly" or grain not in _DAYS:
        return
    baseline = int(condition["baseline"])
    try:
        span = view.data_span()
    except FactoryAssistantError:
        return  # the rule's own check still bounds the window
    if span is None:
        return
    start, end = span[0], min(span[1], as_of or span[1])
    held = int((end - start).days / _DAYS[grain])
    if baseline < held:
        return
    en_g, zh_g = _grain_word(grain, "en"), _grain_word(grain, "zh")
    most = max(held - 1, 0)
    raise _refuse(f"The data covers {day_words(start, 'en')} to {day_words(end, 'en')}, about {held} {en_g}s: not "
                  f"enough for a usual range over the last {baseline} {en_g}s. Use {most} or fewer.",
                  f"数据覆盖{day_words(start, 'zh')}至{day_words(end, 'zh')}，约{held}个{zh_g}，"
                  f"不足以算出过去{baseline}个{zh_g}的通常范围。请用{most}个或更少。", view.layer)
