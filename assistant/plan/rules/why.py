"""'Why did it change?' questions, read by the rule planner: "why did Ningbo's OEE drop last
week?", "what drove the scrap increase in November?", "为什么上个月宁波的报废率上升了?",
"explain the change in energy per unit at Chongqing", and "why?" / "为什么？" after an answer.

The words that ask why (a cue) and say how the figure moved ("drop", "上升", "worse") are
taken out; what is left names the figure, the members and the period, and is planned as any
metric question (follow-ups included). Its query becomes a why plan over the periods
`assistant.plan.change` derives: two periods named in the question, else the named one and
the one before it, else the latest complete month and the one before. With nothing left
("why?"), the session's last metric query is explained. Words only, no domain: the layer's
names come from the planner that plans the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.core.calendar import DAY, grain_end
from assistant.core.text import fold
from assistant.plan.change import GRAINS_BY_SIZE, ChangeRequest, Direction, compared_periods, grain_of
from assistant.plan.query import SemanticQuery, TimeRange
from assistant.plan.rules import lexicon as lx
from assistant.plan.types import Plan, PlanContext
from assistant.understand.catalogue import naming_words
from assistant.understand.timeparse import find_time_ranges

_EN_CUE = (r"why(?:\s+(?:did|does|do|is|was|are|were|has|have|had))?|how\s+come|"
           r"what(?:'s|\s+is|\s+was)?\s+(?:behind|driving|drove|drives|caused|causes|explains|led\s+to)|"
           r"explain(?:\s+(?:to\s+me|for\s+me))?|(?<!by\s)(?<!per\s)(?<!each\s)reasons?\s+for|drivers?\s+(?:of|behind)")
_ZH_CUE = (r"为什么|为何|怎么回事|是怎么回事|是什么导致了?|什么导致了?|(?:是)?什么原因导致了?|(?:的)?原因是什么|"
           r"解释一下|解释")
CUE = re.compile(rf"\b(?:{_EN_CUE})\b|{_ZH_CUE}", re.IGNORECASE)

# A bare 高/低 only at the end of a clause ("12月比11月低"): inside a name it is part of the name.
_LAST = r"(?=了?(?:$|[?？。!！,，\s]))"
# How the figure moved, English then Chinese.
_MOVES: dict[Direction | None, tuple[str, str]] = {
    "up": (r"rise|rose|risen|rising|increased?|increases|increasing|go(?:ne|es)?\s+up|went\s+up|jump(?:ed|s)?|"
           r"climb(?:ed|s)?|grow|grew|grown|spike[ds]?|surge[ds]?|higher|high|up",
           r"上升|升高|增加|增长|上涨|提高|提升|变高|走高|攀升|飙升|增多|变多|涨|"
           r"更高|偏高|较高|这么高|那么高|高" + _LAST),
    "down": (r"drop(?:ped|s)?|fall(?:en|s)?|fell|decreased?|decreases|declin(?:e|ed|es|ing)|go(?:ne|es)?\s+down|"
             r"went\s+down|dip(?:ped|s)?|slump(?:ed)?|plunge[ds]?|lower|low|down",
             r"下降|降低|减少|下滑|下跌|变低|走低|变少|降了|跌了|掉了|"
             r"更低|偏低|较低|这么低|那么低|低" + _LAST),
    "good": (r"improved?|improves|improving|better", r"改善|变好|好转"),
    "bad": (r"worse|worsen(?:ed|s)?|deteriorat(?:e|ed|es|ing)", r"变差|恶化|变坏"),
    None: (r"changed?|changes|changing|moved?|moves|moving", r"变化|变动|波动"),
}
_DIRECTIONS: tuple[Direction, ...] = ("bad", "good", "down", "up")  # "worse" before "lower" ("lower quality")
# With the article before and the joint after: "the drop in", "the change of", "上升了".
_MOVE = {d: re.compile(rf"(?:\b(?:the|a|this|that)\s+)?(?<![a-z])(?:{en})(?![a-z])(?:\s+(?:in|of)\b)?|"
                       rf"(?:{zh})了?", re.IGNORECASE) for d, (en, zh) in _MOVES.items()}
_FILLER = re.compile(r"\bso(?:\s+much)?\b|\b(?:get|got|gotten)\b", re.IGNORECASE)
_EMPTY = re.compile(r"(?:\b(?:it|that|this|go|going|to|the|a)\b|[?？!！.。,，\s的了呢吗])*", re.IGNORECASE)


# "drop" says how a figure moved; "drop table" and the other write words still say what they say.
_SQL_WRITE = re.compile(r"\b(?:drop|delete|truncate|alter)\s+(?:table|database|schema|view|index|column|from|all)\b",
                        re.IGNORECASE)
# Two periods named as a span: "between October and November", "Q3 vs Q4", "10月和11月".
_TWO = re.compile(r"\b(?:between|from|vs\.?|versus|compared?)\b|和|与|到|至|对比|相比", re.IGNORECASE)


def _writes(question: str) -> bool:
    """A write or an injection the cue must not hide (the planner's own checks, less the move words)."""
    text = fold(question)
    if lx.INJECTION.search(text) or _SQL_WRITE.search(text):
        return True
    for pattern in _MOVE.values():
        text = pattern.sub(" ", text)
    return lx.WRITE_INTENT.search(text) is not None


@dataclass(frozen=True)
class WhyCue:
    rest: str  # the question without the words that asked why and said how it moved
    direction: Direction | None


def read_cue(question: str) -> WhyCue | None:
    """The why-words taken out of `question`, or None when it does not ask why. Matched on the
    folded text (full-width forms, case), cut from the question as written: the planner reads
    capitals (a capitalised unknown word is a name to ask about)."""
    text = fold(question)
    if not CUE.search(text):
        return None
    direction = next((d for d in _DIRECTIONS if _MOVE[d].search(CUE.sub(" ", text))), None)
    rest = question
    for pattern in (CUE, _FILLER, *_MOVE.values()):
        rest, text = _cut(rest, text, pattern)
    return WhyCue(" ".join(rest.split()), direction)


def _cut(original: str, folded: str, pattern: re.Pattern[str]) -> tuple[str, str]:
    """Blank what `pattern` matches in `folded` at the same places in both (fold keeps one
    character per character, so the offsets agree)."""
    for m in reversed(list(pattern.finditer(folded))):
        original = original[:m.start()] + " " + original[m.end():]
        folded = folded[:m.start()] + " " + folded[m.end():]
    return original, folded


def why_plan(question: str, ctx: PlanContext, plan_rest: Callable[[str, PlanContext], Plan],
             name: str) -> Plan | None:
    """The why plan of a why question, or None when the question does not ask why."""
    cue = read_cue(question)
    if cue is None or _writes(question):
        return None  # the planner refuses it as it stands
    if _EMPTY.fullmatch(cue.rest):  # "why?", "why did it drop?": the last answer's figure
        previous = ctx.session.last_query
        if previous is None or not previous.metrics:
            return _ask_what(ctx, name)
        return _from_query(previous, cue, ctx, name, named=[])
    planned = plan_rest(cue.rest, ctx)
    if planned.kind == "clarify":  # "why did line 3's OEE drop?": which line 3, and a pick still asks why
        for choice in planned.choices:
            choice["question"] = f"为什么：{choice['question']}" if ctx.lang == "zh" else f"why: {choice['question']}"
        planned.suggestions = [c["question"] for c in planned.choices] or planned.suggestions
        return planned
    if planned.kind != "query" or planned.query is None or not planned.query.metrics:
        return planned if planned.kind == "refuse" else _ask_what(ctx, name)
    named = [m.range for m in find_time_ranges(cue.rest, ctx.as_of, naming_words=naming_words(ctx.layer))]
    plan = _from_query(planned.query, cue, ctx, name, named=named)
    plan.not_understood = planned.not_understood
    plan.notes = [*planned.notes, *plan.notes]
    plan.confidence = planned.confidence
    return plan


def _from_query(query: SemanticQuery, cue: WhyCue, ctx: PlanContext, name: str, *,
                named: list[TimeRange]) -> Plan:
    layer = ctx.layer
    metric = query.metrics[0]
    if not layer.metric_time_columns(metric):
        label = layer.metric(metric).label.get(ctx.lang)
        return Plan(kind="refuse", planner=name, message=(
            f"{label}是没有日期的快照数据，无法说明它随时间的变化。" if ctx.lang == "zh" else
            f"{label} is a snapshot with no dates, so there is no change over time to explain."))
    pair = _named_pair(named, query, cue.rest)
    if pair is not None:
        earlier, later = pair
        chosen = False
    else:
        later, earlier, chosen = compared_periods(query, ctx.as_of)
    filters = [f for f in query.filters if f.field in layer.dimensions]
    why = SemanticQuery(metrics=[metric], dimensions=query.dimensions, filters=filters, time_range=later,
                        locale="zh" if ctx.lang == "zh" else "en", time_role=query.time_role)
    notes = []
    if query.share or query.per:  # a share or a ratio of two figures is not split: its first figure is
        label = layer.metric(metric).label.get(ctx.lang)
        notes.append(f"解释的是{label}本身的变化" if ctx.lang == "zh" else
                     f"the change in {_mid(label)} itself is explained")
    return Plan(kind="why", planner=name, query=why, notes=notes,
                change=ChangeRequest(before=earlier, chosen=chosen, direction=cue.direction))


def _named_pair(named: list[TimeRange], query: SemanticQuery, rest: str) -> tuple[TimeRange, TimeRange] | None:
    """The two periods the question named, earlier first: two ranges, or one span of exactly two
    whole units said as two ("between October and November" is read as one span)."""
    distinct = sorted({(r.start, r.end) for r in named})
    if len(distinct) >= 2:
        return TimeRange(start=distinct[0][0], end=distinct[0][1]), TimeRange(start=distinct[-1][0],
                                                                               end=distinct[-1][1])
    span = query.time_range
    if span is None or query.time_grain or not _TWO.search(rest):
        return None
    for grain in GRAINS_BY_SIZE:
        first = TimeRange(start=span.start, end=grain_end(span.start, grain))
        second = TimeRange(start=first.end + DAY, end=grain_end(first.end + DAY, grain))
        if grain_of(first) == grain and second.end == span.end:
            return first, second
    return None


def _ask_what(ctx: PlanContext, name: str) -> Plan:
    """'Why?' with nothing to explain: ask which figure, with one of the layer's as an example."""
    example = ctx.layer.spec.metrics[0].label.get(ctx.lang) if ctx.layer.spec.metrics else ""
    example = example if ctx.lang == "zh" else _mid(example)
    if ctx.lang == "zh":
        message = f"想了解哪个指标为什么变化？例如：“为什么上个月{example}下降了？”"
    else:
        message = f"Which figure's change should I explain? For example: \"why did {example} drop last month?\""
    return Plan(kind="clarify", planner=name, message=message)


def _mid(label: str) -> str:
    """A label inside an English sentence: "Scrap count" -> "scrap count"; "OEE" kept."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label
