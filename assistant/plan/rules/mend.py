"""Rewrites of a question before it is read, each keeping its length so every span still points right:
a negated state said as the layer names it ('没到货' -> '未到货'), two layer words joined by a hyphen read
apart, 'lots of' read as no word."""

from __future__ import annotations

import re

from assistant.plan.rules.vocab import Vocabulary

_NEGATED = re.compile(r"还?(?:没有|没|尚未|还未)(?=[\u4e00-\u9fff])|已经(?=[\u4e00-\u9fff])")


def mend_negated_states(question: str, vocab: Vocabulary) -> str:
    """'没到货', '还没发货': a negated state that the layer names with 未 ('未到货', the open status)
    is that state, so the negation is read, not left to ask about; likewise '已经发货' is 已发货."""
    def swap(m: re.Match[str]) -> str:
        rest = m.string[m.end():m.end() + 4]
        for n in range(len(rest), 0, -1):
            if any(t.kind == "value" for t in vocab.lookup(rest[:n])):
                break  # '没关闭': 'closed' is a state of its own; leaving it out is the exact reading
            mark = "已" if m.group(0) == "已经" else "未"  # '已经发货': the layer's 已发货
            if any(t.kind == "value" for t in vocab.lookup(mark + rest[:n])):
                return mark
        return m.group(0)

    return _NEGATED.sub(swap, question)


# '三号线', '二号机': a numbered thing said with a Chinese digit is the same as '3号线' (one character each)
_CN_DIGIT = re.compile(r"[一二三四五六七八九](?=\s*号)")
_DIGITS = {c: str(i) for i, c in enumerate("一二三四五六七八九", start=1)}
_SIDE_BY_SIDE = re.compile(r"\bside\s+by\s+side\b", re.I)
# 'a lot of', 'lots of': a quantifier, however the layer uses 'lot' ('lots' may name material lots)
_QUANTIFIER = re.compile(r"\b(?:a\s+lot|lots|plenty)\s+of\b", re.I)
_COMPOUND = re.compile(r"(?<![\w-])([A-Za-z]{3,})-([A-Za-z]{3,})(?![\w-])")


# '(cnc, press etc)', '（钢材、铝材、树脂这些）', '(e.g. CNC, presses)': examples of what a breakdown holds,
# said to explain the breakdown, not to narrow it. Only right after a breakdown's words ('by', '按', '各').
_EXAMPLES = re.compile(
    r"[(（]\s*(?:(?:e\.g\.?|eg|such as|比如|例如|像)[\s,，:：]*[^()（）]{1,40}?"
    r"|[^()（）]{1,40}?(?:\s*\betc\b\.?|\s*and so on|\s*and the like|这些|这类|之类的?|什么的|等等?))\s*[)）]", re.I)
_BREAKDOWN_BEFORE = re.compile(r"(?:\b(?:by|each|every|per|split|across|between)\b|按|各|每|分)[^()（）]{0,24}$", re.I)


# '不管状态', '不论什么状态', 'regardless of status', 'whatever the status': every state counts, none is named
_ANY_STATE = re.compile(r"(?:不管|不论|无论)(?:是)?(?:什么|哪种|何种)?[\u4e00-\u9fff]{0,4}?状态"
                        r"|\b(?:regardless\s+of|whatever|irrespective\s+of|any)\s+(?:the\s+|their\s+|its\s+)?status\b",
                        re.I)


def blank_examples(question: str) -> str:
    """A breakdown's examples in brackets read as no words (same length, so spans keep pointing right)."""
    def blank(m: re.Match[str]) -> str:
        if not _BREAKDOWN_BEFORE.search(m.string[max(0, m.start() - 30):m.start()]):
            return m.group(0)
        return " " * len(m.group(0))

    question = _ANY_STATE.sub(lambda m: " " * len(m.group(0)), question)
    return _EXAMPLES.sub(blank, question)


def split_compounds(question: str, vocab: Vocabulary) -> str:
    """'critical-severity defects', 'night-shift scrap': two layer words joined by a hyphen are read
    apart, unless the joined form is a name of its own; 'lots of' is read as no word. Same length,
    so spans keep pointing right."""
    def apart(m: re.Match[str]) -> str:
        whole, a, b = m.group(0).lower(), m.group(1).lower(), m.group(2).lower()
        if vocab.lookup(whole) or not (vocab.lookup(a) and vocab.lookup(b)):
            return m.group(0)
        return f"{m.group(1)} {m.group(2)}"

    question = _CN_DIGIT.sub(lambda m: _DIGITS[m.group(0)], question)
    question = _SIDE_BY_SIDE.sub(lambda m: m.group(0)[:2].replace(m.group(0)[:2], "vs") + " " * (len(m.group(0)) - 2),
                                 question)  # 'side by side' compares; its 'by' asks for no breakdown
    return _QUANTIFIER.sub(lambda m: " " * len(m.group(0)), _COMPOUND.sub(apart, question))
