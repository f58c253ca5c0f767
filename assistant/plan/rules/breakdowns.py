"""Which breakdowns a question asks for: the ones every metric allows, members named side by side, and
a bare kind's word only where a ranking, a comparison or 'respectively' needs it."""

from __future__ import annotations

import re

from assistant.plan.query import Filter
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.steps import Structure
from semantic_layer.layer import Layer

_ONE_GROUP = re.compile(r"\b(?:in total|altogether|combined|together|put together|either)\b"
                        r"|合计|一共|总共|加起来|加在一起|共计|[+＋]", re.I)
_OVERALL = re.compile(r"\boverall\b|\bacross\s+all\b|\ball\s+(?:of\s+)?(?:the\s+|our\s+)?\w+\s+combined\b"
                      r"|整体|总体|所有\S{0,4}加起来|全部\S{0,4}合计", re.I)
_EACH = re.compile(r"\b(?:by|per|each|every|respective(?:ly)?|split|broken|break)\b|按|各|每|分别", re.I)
_WHICH_MEMBERS = re.compile(r"\bwhich\b|哪(?:个|些|几|条|台|家|位)", re.I)
_VERSUS = re.compile(r"\b(?:vs\.?|versus|compared?)\b|对比|比较|相比", re.I)
_OR = re.compile(r"\bor\b|或者?", re.I)
# the 比 of 比例 / 占比 / 比率 asks a share, not a comparison
_WHICH = re.compile(r"\b(?:which|who|higher|lower|more|less|better|worse|compare|vs|versus)\b"
                    r"|哪|更|(?<!占)比(?![例率重])", re.I)


def breakdowns(group_by: list[str], metrics: list[str], filters: list[Filter],
               layer: Layer, text: str = "") -> tuple[list[str], list[str]]:
    """The breakdowns every metric allows (and those dropped), plus dimensions with several members named."""
    # ...but 'which 2 lines lead on overall equipment effectiveness' asks for members
    if _OVERALL.search(text) and not _EACH.search(text) and not _WHICH_MEMBERS.search(text):
        group_by = []  # 'overall OEE across all 3 plants': one figure for all of them, not one per plant
    dims = [d for d in group_by if all(d in layer.metric_dimensions(m) for m in metrics)]
    dropped = [d for d in group_by if d not in dims]
    either = _OR.search(text) and not _WHICH.search(text) and not _HOW_MANY_ARE.search(text)
    if (_ONE_GROUP.search(text) and not _EACH_NAMED.search(text)) or either:
        return dims, dropped
    # Naming two members of one dimension ("Suzhou and Ningbo", "compare A and B") means compare them,
    # unless another breakdown is asked and they only say which rows ('高优先级和加急工单，各个状态分别有多少')
    if dims and not _VERSUS.search(text):
        return dims, dropped
    for f in filters:
        # 'planned vs in progress' compares them; '（计划中和进行中）…各是多少' asks each one
        as_one = _one_set(f, layer) and not _VERSUS.search(text) and not _EACH_NAMED.search(text)
        if f.field in layer.dimensions and len(f.values) > 1 and f.field not in dims and not as_one:
            dims.append(f.field)
    return dims, dropped


# 'how many are shipped, open or cancelled': each member counted, not the ones that are any of them
_HOW_MANY_ARE = re.compile(r"\bhow\s+many\s+(?:[a-z]+\s+){0,3}?(?:are|were|of\s+them\s+(?:are|were))\b", re.I)
_EACH_NAMED = re.compile(r"分别|各是|各为|\brespectively\b", re.I)


def _one_set(f: Filter, layer: Layer) -> bool:
    """The filter's values are one of the layer's value sets ('open work orders'): named as one."""
    return any(set(vs.values) == set(f.values) for vs in layer.dimension(f.field).value_sets)


_COUNTED = re.compile(r"(?:[两二三四五六七八九十几]|\d+)\s*(?:个|家|条|台|座)", re.I)
_PERIOD_NEXT = re.compile(r"\s*(?:day|week|month|quarter|year)s?\b|\s*(?:天|周|月|季度|年)")  # 'each week' is a grain


def keeps_bare(found: Structure, parsed: Parsed, text: str, dim: str | None = None) -> bool:
    """A dimension word with no 'by', 'each', '各' is a breakdown only where a ranking, a comparison
    or 'respectively' needs one ('the three plants respectively', not 'all 3 plants together', and
    not when another breakdown is marked: 'how long were the machines stopped on each line')."""
    if set(parsed.group_by) - parsed.bare_dims:
        return False  # '修机器最慢的三条线': the lines are ranked; the machines are what was repaired
    if found.top and dim is not None and _counted_after_ranking(found.top.span, parsed, dim):
        return False  # 'the four machines that threw away the most parts': the parts are what is counted
    # the 3 of 'line 3' counts no members, nor does the 2024 of '2024 vs 2025'
    named = [*((m.start, m.end) for m, _ in parsed.values), *(t.span for t in found.times)]
    # '三个厂设备坏了之后…': a count of members stands for the kind it counts, not for a kind said after it
    at = parsed.dim_words.get(dim, (-9, -9))[0] if dim else None
    marks = [m for m in lx.RESPECTIVELY.finditer(text)
             if not any(a < m.end() and m.start() < b for a, b in named) and not _PERIOD_NEXT.match(text, m.end())]
    counts = [m.end() for m in marks if _COUNTED.fullmatch(m.group(0))]
    # '三个厂设备…分别是多少': with members counted, 'each' is each of those, not of a kind said after them
    counted = {min(after)[1] for e in counts
               if (after := [(s, d) for d, (s, _e) in parsed.dim_words.items() if s >= e - 1])}
    others = dim is not None and bool(counted) and dim not in counted
    respectively = any((at is None or not _COUNTED.fullmatch(m.group(0)) or at <= m.end()) and not others
                       for m in marks) and not lx.TOGETHER.search(text)
    # 'on-time % to customers, this year vs last year': the comparison is of the periods, not the customers
    compared = lx.COMPARE.search(text) and len(found.times) < 2
    # '苏州和重庆…设备坏了…两个厂比一比': the members named are what is compared (each of them), not the machines
    kinds = [terms[0].ref for _m, terms in parsed.values if terms]
    if any(kinds.count(k) >= 2 and k not in parsed.bare_dims for k in kinds):
        return bool(found.top or found.threshold)
    return bool(found.top or found.threshold or compared or respectively)


def _counted_after_ranking(top: tuple[int, int], parsed: Parsed, dim: str) -> bool:
    """A kind said right after the ranking word ('the most parts') while another kind was said before it."""
    at = parsed.dim_words.get(dim, (-1, -1))[0]
    before = [d for d, (s, _e) in parsed.dim_words.items() if d != dim and d in parsed.bare_dims and s < top[0]]
    return bool(before) and 0 <= at - top[1] <= 2
