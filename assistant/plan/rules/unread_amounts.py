"""A percentage or a multiple the reading did not place ('yield hovered around 96%', '不到安全库存的2.5倍'):
answering without it answers another question (every line instead of those near 96%), so it is asked
about. Only amounts that can only be a comparison are checked: a bare number may be a name's part
('line 3', '32位'), a count of members or a period, which other rules place or leave harmlessly."""

from __future__ import annotations

import re
from collections.abc import Container, Sequence

from assistant.core.text import has_cjk
from assistant.plan.query import SemanticQuery
from assistant.plan.rules import lexicon as lx
from assistant.plan.types import Plan

Span = tuple[int, int]

_AMOUNT = re.compile(r"(?<![A-Za-z0-9_.])\d+(?:\.\d+)?\s*(?:%|％|percent\b|pct\b|个百分点|个点)"
                     r"|百分之[零一二两三四五六七八九十百\d.]+"
                     r"|(?<![A-Za-z0-9_.])\d+(?:\.\d+)?\s*(?:倍|times\b|x\b)", re.I)


# 'did scrap go up by 5%', '产量涨了10%吗': a change asked about, which the answer's comparison with the
# period before answers
_CHANGE_BEFORE = re.compile(r"(?:\b(?:up|down|rise|rose|risen|fall|fell|fallen|drop|dropped|climb|climbed|grow|grew"
                            r"|increase|increased|decrease|decreased|change|changed|improve|improved|worsen|worsened)"
                            r"(?:\s+by)?|涨了?|降了?|上升了?|下降了?|增长了?|减少了?|提高了?|降低了?|升了?|跌了?)\s*$",
                            re.I)


def unread_amount(text: str, used: Sequence[Span]) -> str | None:
    """The first percentage or multiple no reading used, as said; None when every one was placed."""
    for m in _AMOUNT.finditer(text):
        if _CHANGE_BEFORE.search(text, max(0, m.start() - 24), m.start()):
            continue
        if lx.NEGATION.search(text, max(0, m.start() - 16), m.start()):
            continue  # 'never reached 85%': the 'never' is asked about, more precisely
        if not any(s < m.end() and m.start() < e for s, e in used):
            return m.group(0).strip()
    return None


def ask_amount(planner: str, lang: str, said: str) -> Plan:
    if lang == "zh":
        msg = (f"我没能确定“{said}”在问题里起什么作用，忽略它会得出另一个问题的答案。"
               f"请把它说成一个界限，例如“低于{said}”或“高于{said}”。")
    else:
        msg = (f"I couldn't tell what '{said}' applies to, and answering without it would answer another "
               f"question. Try saying it as a limit, e.g. 'below {said}' or 'above {said}'.")
    return Plan(kind="clarify", planner=planner, message=msg, not_understood=[said])


_OP_WORDS = {"<": ("below", "低于"), ">": ("above", "高于"), "<=": ("at most", "不超过"), ">=": ("at least", "不低于")}


def restate_limit(question: str, previous: SemanticQuery | None, layer_metrics: Container[str]) -> str:
    """'make that 92%' after 'lines below 91% availability': a bare amount in a follow-up moves the
    earlier limit, so it is said with the earlier comparison ('make that below 92%')."""
    limits = [f for f in (previous.filters if previous else []) if f.field in layer_metrics and f.op in _OP_WORDS]
    if len(limits) != 1 or any(p.search(question) for p in lx.THRESHOLD):
        return question
    found = _AMOUNT.search(question)
    if found is None or _CHANGE_BEFORE.search(question, max(0, found.start() - 24), found.start()):
        return question
    en, zh = _OP_WORDS[limits[0].op]
    word = zh if has_cjk(question) else en + " "
    return question[:found.start()] + word + question[found.start():]
