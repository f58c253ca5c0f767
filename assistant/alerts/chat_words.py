"""The words that make a sentence an alert request, in English and Chinese, and the words that say
its condition: a change ("rises more than 10%", "上升超过10%"), a jump ("spikes", "突增"), a
grain ("week over week", "周环比"), a baseline ("than the last 12 weeks") and "any <member>".

Only everyday language lives here. What is watched (metrics, dimensions, members, thresholds)
is left in the remainder for the planner, which reads it with the layer's names and synonyms,
so nothing here knows any factory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.text import width_fold

__all__ = ["Condition", "Words", "alert_remainder", "any_member", "read_words"]

# ---------------------------------------------------------------------- the request itself
_EN_ASK = (r"(?:alert|notify|warn|ping|remind|email|message)\s+me|let\s+me\s+know"
           r"|tell\s+me(?=\s*,?\s*(?:if|when|whenever|as\s+soon\s+as|once)\b)"
           r"|(?:send|give)\s+me\s+(?:an?\s+)?(?:alert|notification|warning|heads[- ]up)"
           r"|(?:set\s+up|set|create|add|make)\s+(?:an?\s+)?(?:new\s+)?alert|alert(?=\s+(?:when|if|whenever)\b)"
           r"|i\s+(?:want|would\s+like|'d\s+like)\s+(?:to\s+(?:be|get)\s+)?(?:an?\s+)?"
           r"(?:alerted|notified|warned|told|alert)")
_EN_LEAD = re.compile(rf"^\s*(?:(?:please|pls|kindly|can\s+you|could\s+you|would\s+you)\s+)*(?:{_EN_ASK})\b"
                      r"[\s,:;-]*(?:(?:whenever|when|if|once|as\s+soon\s+as|in\s+case|about|on|for|that)\b)?",
                      re.IGNORECASE)
_EN_TRAIL = re.compile(rf"[\s,;:-]*(?:then\s+)?(?:please\s+)?(?:{_EN_ASK})\b[\s.!]*$", re.IGNORECASE)
_EN_CONNECT = re.compile(r"^\s*(?:whenever|when|if|once|as\s+soon\s+as|in\s+case)\b\s*", re.IGNORECASE)

_ZH_ME = r"(?:提醒|通知|告诉|告知)我|给我(?:发)?(?:个|一个|一条)?(?:预警|提醒|通知)"
_ZH_LEAD = re.compile(r"^\s*(?:请|麻烦|帮我)?(?:(?:提醒|通知)我|给我(?:发)?(?:个|一个|一条)?(?:预警|提醒|通知)"
                      r"|(?:设置|设|建|创建|新建|添加|加)(?:一个|个|一条|条)?预警"
                      r"|(?:告诉|告知)我(?=[，,：:\s]*(?:当|如果|一旦|若|要是|假如)))"
                      r"[，,：:\s]*(?:当|如果|一旦|若|要是|假如|在)?")
_ZH_TRAIL = re.compile(rf"(?:的时候|时候|之时|时|就|便|则)?[，,\s]*(?:请|就|马上|立即|及时|立刻)?(?:{_ZH_ME})"
                       r"(?:一下|一声)?[。.!！\s]*$"
                       r"|(?:的时候|时候|之时|时|就|便|则)[，,\s]*(?:请|就|马上|立即|及时|立刻)?(?:发出?|触发)?(?:预警|报警)"
                       r"[。.!！\s]*$")
_ZH_CONNECT = re.compile(r"^\s*(?:当|如果|一旦|若|要是|假如)")
_ZH_TAIL = re.compile(r"(?:的时候|时候|之时|时|就|便|则)?[，,。.!！?？\s]*$")


def alert_remainder(sentence: str) -> str | None:
    """What the sentence asks to watch, once the request ("alert me when", "…时提醒我") is taken
    off; None when the sentence is not an alert request (an ordinary question)."""
    text = width_fold(sentence).strip()
    for lead, trail, connect in ((_EN_LEAD, _EN_TRAIL, _EN_CONNECT), (_ZH_LEAD, _ZH_TRAIL, _ZH_CONNECT)):
        found = lead.search(text)
        rest = text[found.end():] if found else None
        if rest is None and (tail := trail.search(text)) is not None:
            rest = connect.sub("", text[:tail.start()])
        if rest is not None:
            rest = _ZH_TAIL.sub("", connect.sub("", rest)).strip(" ,;:.?!，。？！")
            return rest
    return None


# ---------------------------------------------------------------------- the condition's words
@dataclass
class Condition:
    kind: str  # change | anomaly
    direction: str  # up | down | either
    size: float | None = None  # as written: 10 for "10%"
    unit: str = ""  # % | points | "" (the metric's own unit)


@dataclass
class Words:
    remainder: str  # what is left for the planner: the metric, its scope, a threshold
    grain: str | None = None  # day | week | month | quarter | year, or hour/minute (which no data has)
    grain_said: str = ""  # the words that named it, to quote back
    condition: Condition | None = None
    baseline: int | None = None  # "than the last 12 weeks"
    every_minutes: int | None = None  # "check every 15 minutes"


_GRAINS = {"day": "day", "daily": "day", "week": "week", "weekly": "week", "month": "month", "monthly": "month",
           "quarter": "quarter", "quarterly": "quarter", "year": "year", "yearly": "year", "annually": "year",
           "annual": "year", "hour": "hour", "hourly": "hour", "minute": "minute",
           "天": "day", "日": "day", "周": "week", "星期": "week", "月": "month", "季": "quarter", "季度": "quarter",
           "年": "year", "小时": "hour", "分钟": "minute"}
_UNIT = r"(day|week|month|quarter|year|hour|minute)s?"
_EN_GRAIN = [
    re.compile(rf"\b{_UNIT}[- ](?:over|on)[- ]{_UNIT}\b", re.I),
    re.compile(rf"\b(?:from\s+)?one\s+{_UNIT}\s+to\s+the\s+next\b", re.I),
    re.compile(rf"\b(?:vs\.?|versus|compared\s+(?:with|to)|than|against)\s+(?:the\s+)?(?:previous|prior|last)\s+{_UNIT}\b",
               re.I),
    re.compile(r"\b(daily|weekly|monthly|quarterly|yearly|annually|annual|hourly)\b", re.I),
    re.compile(rf"\b(?:in|on|per|each|every|for|within)\s+(?:a|an|one|the|any)?\s*{_UNIT}\b", re.I),
]
_ZH_G = r"(天|日|周|星期|月|季度|季|年|小时|分钟)"
_ZH_GRAIN = [
    re.compile(rf"{_ZH_G}环比"),
    re.compile(r"(同)比"),
    re.compile(rf"(?:每|按|单|一|每一)个?{_ZH_G}(?:内|里|度)?"),
    re.compile(r"(小时|分钟)"),
    re.compile(rf"(?:比|较|与|和)上一?个?{_ZH_G}(?:相比|比)?"),
]
_EN_EVERY = re.compile(r"\b(?:check(?:ed)?|look|run)\s+(?:it\s+)?every\s+(\d+)\s*(minute|min|hour|hr)s?\b", re.I)
_ZH_EVERY = re.compile(r"每(?:隔)?(\d+)\s*(分钟|小时)(?:检查|查看|看)一?次?")
_EN_BASE = re.compile(rf"\b(?:compared\s+(?:with|to)|than|vs\.?|versus|against|over|from)\s+(?:the\s+|its\s+)?"
                      rf"(?:last|past|previous|prior|trailing)\s+(\d+)\s+{_UNIT}\b", re.I)
_ZH_BASE = re.compile(rf"(?:比|相比|较|对比|与)?(?:过去|最近|此前|之前|前|近)(\d+)(?:个)?{_ZH_G}(?:相比|比)?")

_UP = (r"jump(?:s|ed)?|spike(?:s|d)?|rise(?:s|n)?|rose|go(?:es)?\s+up|(?:is|are)\s+up|increase(?:s|d)?"
       r"|climb(?:s|ed)?|surge(?:s|d)?|grow(?:s|n)?|soar(?:s|ed)?|shoot(?:s)?\s+up")
_DOWN = (r"fall(?:s|en)?|fell|drop(?:s|ped)?|decline(?:s|d)?|decrease(?:s|d)?|dip(?:s|ped)?|go(?:es)?\s+down"
         r"|(?:is|are)\s+down|plunge(?:s|d)?|slump(?:s|ed)?")
_EITHER = r"change(?:s|d)?|move(?:s|d)?|swing(?:s)?"  # not "shift": a shift is often something counted
_ODD = (r"(?:(?:is|are|looks?|gets?|goes|seems?)\s+)?(?:unusual|abnormal|odd|strange|weird)|anomal(?:y|ies|ous)"
        r"|out\s+of\s+the\s+ordinary")
_EN_SIZE = (r"(?:\s+by)?(?:\s+(?:more\s+than|over|at\s+least|upwards\s+of|in\s+excess\s+of|>=?))?\s+"
            r"(\d+(?:\.\d+)?)\s*(%|percent\b|per\s*cent\b|(?:percentage\s+)?points?\b|pts?\b|pp\b)?")
_EN_SIZED = re.compile(rf"\b(?:({_UP}|up)|({_DOWN}|down)|({_EITHER}))\b{_EN_SIZE}", re.I)
_EN_BARE = re.compile(rf"\b(?:({_UP})|({_DOWN})|({_EITHER}|{_ODD}))\b", re.I)

_ZH_UP = r"突增|激增|暴增|猛增|大增|飙升|骤升|急升|猛涨|大涨|上升|上涨|增长|增加|升高|提高|变高|走高|涨"
_ZH_DOWN = r"骤降|急降|突降|猛降|暴跌|大跌|下降|下跌|下滑|减少|降低|变低|走低|跌"
_ZH_EITHER = r"波动|变化|变动|异常|反常|不正常"
_ZH_SIZE = (r"了?\s*(?:超过|超出|逾|多于|大于|达到|达|至少|不止)?\s*(\d+(?:\.\d+)?)\s*(%|个百分点|百分点|个点)?"
            r"(?:以上|多|还多)?")
_ZH_SIZED = re.compile(rf"(?:({_ZH_UP})|({_ZH_DOWN})|({_ZH_EITHER})){_ZH_SIZE}")
_ZH_BARE = re.compile(rf"(?:({_ZH_UP})|({_ZH_DOWN})|({_ZH_EITHER}))")
# Words a planner reads as a threshold once said plainly: "跌破75%" is "低于75%".
_ZH_PLAIN = [(re.compile(r"跌破|跌到|降到|降至|跌至"), "低于"),
             (re.compile(r"突破|升破|涨破|升到|升至|涨到|涨至"), "高于")]
_EN_PLAIN = [(re.compile(r"\b(?:falls?|fell|drops?|dips?|goes|go)\s+(below|under|beneath)\b", re.I), r"\1"),
             (re.compile(r"\b(?:rises?|rose|goes|go|climbs?|jumps?)\s+(above|over|past|beyond)\b", re.I), r"\1")]


def _unit(text: str | None) -> str:
    if not text:
        return ""
    return "%" if text.startswith("%") or "cent" in text.lower() else "points"


def _cut(text: str, match: re.Match[str]) -> str:
    return f"{text[:match.start()]} {text[match.end():]}"


def read_words(remainder: str, lang: str) -> Words:
    """Take the condition's and the grain's words off the remainder; the rest goes to the planner."""
    zh = lang == "zh"
    text = remainder
    for pattern, plain in (_ZH_PLAIN if zh else _EN_PLAIN):
        text = pattern.sub(plain, text)
    words = Words(remainder=text)
    every = (_ZH_EVERY if zh else _EN_EVERY).search(text)
    if every:
        n, unit = int(every.group(1)), every.group(2).lower()
        words.every_minutes = n * 60 if unit in ("hour", "hr", "小时") else n
        text = _cut(text, every)
    base = (_ZH_BASE if zh else _EN_BASE).search(text)
    if base:
        words.baseline, words.grain, words.grain_said = int(base.group(1)), _GRAINS[base.group(2).lower()], base[0]
        text = _cut(text, base)
    text = _condition(text, words, zh)
    for pattern in (_ZH_GRAIN if zh else _EN_GRAIN):
        found = pattern.search(text)
        if found:
            said = found.group(1).lower()
            words.grain = words.grain or ("year" if said == "同" else _GRAINS[said])
            words.grain_said = words.grain_said or found[0].strip()
            text = _cut(text, found)
            break
    words.remainder = (text if zh else " ".join(text.split())).strip(" ,;:.，；：。")
    return words


def _condition(text: str, words: Words, zh: bool) -> str:
    sized = (_ZH_SIZED if zh else _EN_SIZED).search(text)
    if sized:
        up, down, _either, size, unit = sized.groups()
        direction = "up" if up else "down" if down else "either"
        words.condition = Condition("change", direction, float(size), _unit(unit))
        return _cut(text, sized)
    bare = (_ZH_BARE if zh else _EN_BARE).search(text)
    if bare:
        up, down, _either = bare.groups()
        direction = "up" if up else "down" if down else "either"
        words.condition = Condition("anomaly", direction)
        return _cut(text, bare)
    return text


# "any line", "each of the machines", "任一产线", "哪条产线": every member on its own, which the
# planner reads as a breakdown when said as "by line" / "各产线".
_EN_ANY = re.compile(r"(?:\b(?:on|for|at|in|of|from|across|with)\s+)?\b(?:any\s+(?:one\s+)?(?:of\s+(?:the|our)\s+)?"
                     r"|every\s+|each\s+(?:of\s+(?:the|our)\s+)?|one\s+of\s+(?:the|our)\s+)", re.I)
_ZH_ANY = re.compile(r"(?:任一|任何一?|任意一?|哪一?|某一?|每一?)(?:个|条|台|家|位|种|名|类)?")


def any_member(text: str, lang: str) -> tuple[str, bool]:
    """The text with "any <kind>" said as a breakdown, and whether it said so."""
    if lang == "zh":
        new = _ZH_ANY.sub("各", text)
    else:
        new = " ".join(_EN_ANY.sub(" by ", f" {text}").split())
    return new, new != (text if lang == "zh" else " ".join(text.split()))
