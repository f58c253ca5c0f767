"""Clarify and refuse messages, with options drawn from the layer (both languages)."""

from __future__ import annotations

import re
from typing import Any

from assistant.core.text import shorten
from assistant.plan.choices import choice, clarify, replace_words
from assistant.plan.query import SemanticQuery
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.shape_words import Shapes
from assistant.plan.rules.unknown import names_holding, people_not_kept
from assistant.plan.types import Plan, PlanContext
from semantic_layer.layer import Layer

_REFUSALS = {
    "injection": ("I only answer questions about the data listed in the metrics glossary, "
                  "and I can't change how I work.",
                  "我只回答指标词典中所列数据的问题，不能更改自己的工作方式。"),
    "write": ("I can only read data, not change or delete it. Ask a question about the data instead.",
              "我只能读取数据，不能修改或删除数据。请换成一个查询问题。"),
    "empty": ("Please type a question about the data.", "请输入一个关于数据的问题。"),
    "forecast": ("I report what the data recorded; I don't forecast. Ask about a period that has passed, "
                 "e.g. the same figure for last month.",
                 "我只报告数据中已经记录的情况，不做预测。请问一个已经过去的时间段，例如上个月的同一指标。"),
    "other": ("I answer questions about the data; I can't write letters, speeches or other texts. Ask about a "
              "figure, a list or a trace instead.",
              "我只回答关于数据的问题，不能代写信件、致辞等文字。请改问一个指标、清单或追溯问题。"),
    "money": ("The data has no money figures (what was paid, costs or prices), so I won't guess. Ask about "
              "quantities instead, e.g. the energy used in kWh.",
              "数据中没有金额（支付的费用、成本或价格），我不会猜测。请改问数量，例如用电量（千瓦时）。"),
}


QUOTED_CHARS = 60  # a word quoted back is cut here: a pasted 100 KB "word" is not repeated in full


def _quoted(word: str) -> str:
    return shorten(word, QUOTED_CHARS, collapse=False)


def refusal(kind: str, lang: str, layer: Layer | None = None) -> str:
    en, zh = _REFUSALS[kind]
    text = zh if lang == "zh" else en
    if kind == "empty" and layer is not None:
        examples = [q.question for q in layer.spec.verified_queries if q.lang == lang][:1]
        if examples:
            text += (f"例如：{examples[0]}" if lang == "zh" else f" For example: {examples[0]}")
    return text


def _examples(layer: Layer, lang: str, limit: int = 6) -> list[str]:
    labels = [m.label.get(lang) for m in layer.spec.metrics[:limit]]
    # mid-sentence in English: "about total output, OEE, ..." (acronyms kept)
    return labels if lang == "zh" else [x[0].lower() + x[1:] if x[1:2].islower() else x for x in labels]


def clarify_metric(planner: str, layer: Layer, lang: str, options: list[str]) -> Plan:
    names = [layer.metric(o).label.get(lang) for o in options] if options else _examples(layer, lang)
    if options:
        msg = ("您指的是哪一个指标：" + "、".join(names) + "？") if lang == "zh" else \
            "Did you mean " + " or ".join(names) + "?"
    else:
        msg = ("请说明要看哪个指标，例如：" + "、".join(names) + "。") if lang == "zh" else \
            "Which measure do you want? For example: " + ", ".join(names) + "."
    return Plan(kind="clarify", planner=planner, message=msg, suggestions=names if options else [])


def refuse_unknown(planner: str, layer: Layer, lang: str, unknown: list[str]) -> Plan:
    examples = _examples(layer, lang, 8)
    if lang == "zh":
        head = f"数据中没有“{'、'.join(map(_quoted, unknown[:4]))}”，" if unknown else "这个问题不在我能回答的范围内，"
        msg = head + "我只能回答这些指标相关的问题：" + "、".join(examples) + " 等。"
    else:
        head = f"The data has nothing on '{' '.join(map(_quoted, unknown[:4]))}', " if unknown else \
            "That question is outside what I can answer, "
        msg = head + "so I won't guess. I can answer questions about " + ", ".join(examples) + " and more."
    return Plan(kind="refuse", planner=planner, message=msg, not_understood=unknown)


def cannot_break_down(metrics: list[str], dims: list[str], layer: Layer, lang: str) -> str:
    """'Energy use cannot be broken down by product; it can be by plant, line, machine ...'. Only the figures
    that cannot are named, and what they can be broken down by; one that can is said to (ask it alone)."""
    blocked = [m for m in metrics if dims[0] not in layer.metric_dimensions(m)] or metrics
    able = [m for m in metrics if m not in blocked]
    sep = "、" if lang == "zh" else " and "
    names = sep.join(layer.metric(m).label.get(lang) for m in blocked)
    dim = layer.dimension(dims[0]).label.get(lang)
    can = [layer.dimension(d).label.get(lang) for d in layer.metric_dimensions(blocked[0])
           if all(d in layer.metric_dimensions(m) for m in blocked)][:6]
    alone = sep.join(layer.metric(m).label.get(lang) for m in able)
    if lang == "zh":
        tail = f"{alone}可以按{dim}拆分，可单独问它。" if alone else "请换一种问法？"
        return f"{names}不能按{dim}拆分；可以按{'、'.join(can)}等拆分。{tail}"
    tail = f"{alone} can be: ask for it alone." if alone else "Could you rephrase?"
    return (f"{names} cannot be broken down by {dim.lower()}; it can be by "
            f"{', '.join(c.lower() for c in can)}. {tail}")


def refuse_money(planner: str, layer: Layer, lang: str, word: str) -> Plan:
    """Money asked of a layer with no money metric: no quantity may stand in for it."""
    examples = "、".join(_examples(layer, lang, 8)) if lang == "zh" else ", ".join(_examples(layer, lang, 8))
    if lang == "zh":
        msg = f"数据里没有金额类的数字（“{word}”），我不会用别的数字代替。可以问这些指标：{examples} 等。"
    else:
        msg = (f"The data holds no money figures ('{word}'), so I won't answer with another number. "
               f"I can answer questions about {examples} and more.")
    return Plan(kind="refuse", planner=planner, message=msg, not_understood=[word])


def shape_stop(query: SemanticQuery, shapes: Shapes, text: str, layer: Layer, planner: str, lang: str) -> Plan | None:
    """A question the query as read would answer wrongly: compared periods that are no grain (one
    quarter of each half was taken)."""
    label = query.time_range.label if query.time_range is not None else None
    if (label or query.periods) and query.metrics and not any(layer.metric_time_columns(m) for m in query.metrics):
        return undated_period(planner, lang, layer.metric(query.metrics[0]).label.get(lang), label)
    if query.periods and not (query.share or query.average_over or query.per):
        return None  # 'H1 vs H2': one row per period
    if query.time_grain is None and label and " / " in label:
        return uneven_periods(planner, lang, label.split(" / "))
    return None


def undated_period(planner: str, lang: str, metric: str, label: str | None) -> Plan:
    """A period said of a figure the data keeps no date for ('上个月坏了几台设备' read as the number of
    machines): the answer would be the same for any period, so it would not answer what was asked."""
    said = (label or "").split(" (")[0].split("（")[0]
    if lang == "zh":
        msg = (f"{metric}在数据中没有日期，“{said}”无法限定它，给出的数字对任何时段都一样。"
               "去掉时段可以看当前的数字；想看这段时间里发生的事，请问有日期的指标。")
    else:
        msg = (f"{metric} has no date in the data, so '{said}' cannot narrow it: the figure would be the same "
               "for any period. Ask without the period for the figure as it stands, or ask about something "
               "that happened in that period.")
    return Plan(kind="clarify", planner=planner, message=msg)


def share_of_what(planner: str, lang: str, metric: str, groups: list[str]) -> Plan:
    """A share asked of a figure with no part named that this reading understood: the total alone
    would answer another question. `groups`: breakdowns the metric takes, as examples."""
    if lang == "zh":
        msg = (f"您想看{metric}中哪一部分的占比？请说明是哪一类，或按{'、'.join(groups)}等拆分后看占比。"
               if groups else f"您想看{metric}中哪一部分的占比？请说明是哪一类。")
    else:
        shown = ", ".join(g.lower() for g in groups)
        msg = (f"A share of {metric.lower()} needs its part: which group should I take the share of? "
               + (f"Or ask for it broken down in %, e.g. by {shown}." if groups else ""))
    return Plan(kind="clarify", planner=planner, message=msg.strip())


def uneven_periods(planner: str, lang: str, labels: list[str]) -> Plan:
    """Periods compared side by side that are not each one day, week, month, quarter or year."""
    said = " / ".join(labels)
    if lang == "zh":
        msg = (f"我只能把整天、整周、整月、整季度或整年的时段并排比较，“{said}”不是。"
               "请分别询问每个时段，或按月 / 按季度查看。")
    else:
        msg = (f"I can put periods side by side when each is a whole day, week, month, quarter or year; "
               f"{said} are not. Ask for each period on its own, or see them by month or quarter.")
    return Plan(kind="clarify", planner=planner, message=msg)


def unread_negation(planner: str, lang: str, word: str, *, cause: bool = False) -> Plan:
    """A 'not' the reading did not place: answering without it could answer the opposite question.
    `cause`: a cause said in words the data does not record ('because nobody was there')."""
    if cause:
        msg = (f"我无法把“{_quoted(word)}”对应到数据里记录的原因，忽略它会把所有原因都算进去。"
               "请用数据中的原因名称再问一次。"
               if lang == "zh" else
               f"I can't match '{_quoted(word)}' to a cause the data records, and answering without it would "
               "count every cause. Please name the cause as the data records it.")
        return Plan(kind="clarify", planner=planner, message=msg, not_understood=[word])
    if lang == "zh":
        msg = f"我不确定“{word}”否定的是什么，忽略它可能得出相反的答案。请直接说明要排除的项，例如“不含……”。"
    else:
        msg = (f"I'm not sure what '{word}' applies to, and answering without it could give the opposite. "
               "Name what to leave out, e.g. 'excluding …'.")
    return Plan(kind="clarify", planner=planner, message=msg, not_understood=[word])


def refuse_breakdown(planner: str, layer: Layer, lang: str, word: str) -> Plan:
    """A breakdown by something the data does not record ('which operator')."""
    said = _quoted(word)
    dims = "、".join(d.label.zh for d in layer.spec.dimensions[:8]) if lang == "zh" else \
        ", ".join(d.label.en.lower() for d in layer.spec.dimensions[:8])
    if lang == "zh":
        msg = f"数据中没有“{said}”，无法按它拆分或筛选。可以按这些维度查看：{dims} 等。"
    else:
        msg = f"The data does not record '{said}', so I can't break figures down by it. You can use: {dims} and more."
    return Plan(kind="refuse", planner=planner, message=msg, not_understood=[word])


def clarify_unknown_member(planner: str, lang: str, word: str, values: object, question: str = "") -> Plan:
    """Name the word we could not place, and offer the real members it may stand for: those whose
    name holds it first ('Motor': Kanto Motor Corporation, Meridian Motor Company), then the
    closest spellings. Each option re-asks the question with the full name in the word's place."""
    is_date = bool(re.fullmatch(r"\d{4}-\d{1,2}(?:-\d{1,2})?", word))
    holders = [] if is_date else names_holding(word, values)
    options = [] if is_date else _closest_members(word, values, lang, holders)
    said = _quoted(word)
    if is_date:
        msg = (f"“{said}”不是有效日期，请用 YYYY-MM-DD。" if lang == "zh"
               else f"'{said}' is not a valid date. Use YYYY-MM-DD.")
    elif len(holders) > 1:
        names = [m.label(lang) for m in holders[:MAX_OPTIONS]]
        msg = (f"有多个名称包含“{said}”：{'、'.join(names)}。请问是哪一个？" if lang == "zh"
               else f"Several names contain '{said}': {', '.join(names)}. Which one do you mean?")
    elif lang == "zh":
        msg = f"数据里没有“{said}”，我不会猜测。" + (
            f"您是不是指：{'、'.join(label for label, _ in options)}？" if options else "请换一个名称或编号。")
    else:
        msg = f"I can't find '{said}' in the data, so I won't guess." + (
            f" Did you mean {', '.join(label for label, _ in options)}?" if options else " Try another name or id.")
    choices = [choice(label, replace_words(question, word, 0, label) if question else label, key)
               for label, key in options]
    return clarify(planner, msg, choices, not_understood=[word])


MAX_OPTIONS = 6


def _closest_members(word: str, values: object, lang: str, holders: list[Any]) -> list[tuple[str, str]]:
    """(label, key) of the members `word` may stand for: those whose name holds it, then by spelling."""
    from rapidfuzz import fuzz, process

    id_like = bool(re.search(r"\d", word))
    labels: dict[str, tuple[str, str]] = {}
    for m in getattr(values, "members", []):
        if id_like:  # an id is best matched against ids, and shown as one
            if re.search(r"\d", m.key):
                labels.setdefault(m.key, (m.key, m.key))
        else:
            for form in m.forms:
                labels.setdefault(form, (m.label(lang), m.key))
    found = [(m.label(lang), m.key) for m in holders]
    close = process.extract(word, list(labels), scorer=fuzz.ratio if id_like else fuzz.WRatio, limit=12)
    found += [labels[f] for f, score, _ in close if score >= 60]
    return list(dict.fromkeys(found))[:MAX_OPTIONS if holders else 5]


def suggest_metrics(question: str, ctx: PlanContext) -> list[str]:
    """Metrics retrieval finds closest to the question, as clickable options."""
    if ctx.retrieve is None:
        return []
    try:
        hits = ctx.retrieve(question, k=3, kinds=["metric"], lexical=True)
    except Exception:  # retrieval is a helper here; a broken index must not break planning
        return []
    names = [str(h.doc.payload.get("ref")) for h in hits if h.doc.payload.get("ref") in ctx.layer.metrics]
    return [ctx.layer.metric(n).label.get(ctx.lang) for n in names]


def not_recorded(planner: str, text: str, times: list[Any], ctx: PlanContext) -> Plan | None:
    """With no metric: a period still to come ('明天苏州到宁波的高铁还有没有票') or a count of people the
    layer does not keep ('上个月每个班组实际出勤多少人') is refused, not asked about."""
    if times and all(t.start > ctx.as_of for t in times):
        return Plan(kind="refuse", planner=planner, message=refusal("forecast", ctx.lang))
    if (people := people_not_kept(text, ctx.layer)) is not None:
        return refuse_unknown(planner, ctx.layer, ctx.lang, [people])
    if lx.OTHER_TASK.search(text):  # 'could you write a short poem for the team': not a question of data
        return refuse_unknown(planner, ctx.layer, ctx.lang, [])
    return None
