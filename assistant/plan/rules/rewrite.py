"""The question as it is read: every rewrite made before any term is looked for, in order (contractions,
kinds, mistyped time words, periods compared or closed, mistyped layer names, negated states, hyphenated
pairs, inverted subjects and predicates). Each keeps the question's length where spans must keep pointing
right; the typos repaired are returned so the answer can say how they were read."""

from __future__ import annotations

import re

from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.extract import find_times, mend_time_words
from assistant.plan.rules.matching import mend_typos
from assistant.plan.rules.mend import (
    blank_examples,
    joined_verbs,
    lettered_member,
    mend_negated_states,
    periods_changed,
    predicate_first,
    split_compounds,
    uninvert,
    up_to_today,
)
from assistant.plan.rules.rewordings import kind_of, limit_numbers, ordinal_members, uncontract
from assistant.plan.rules.spelling import mend_spelling
from assistant.plan.rules.unread_amounts import restate_limit
from assistant.plan.rules.vocab import Vocabulary
from assistant.plan.types import PlanContext

# '按产线数一下': 数 is the verb 'count' here, not the end of a count's name ('产线数'); same length kept
_COUNT_VERB = re.compile(r"数一下|数一数")


# '，分母用全公司当月总产量', '(the denominator being the line's output)', '（按件数）': how the figure is
# reckoned, said aside; it names no other figure to answer (blanked, the length kept)
_ASIDE = re.compile(r"[，,;；]\s*(?:分母|分子)[^，,。？?;；]*"
                    r"|[,;(（]\s*(?:with\s+)?(?:the\s+)?(?:denominator|numerator)\b[^,.;?)）]*[)）]?"
                    r"|[(（]\s*按?(?:件数|数量|次数|批次数|个数)(?:算|计|来算|统计)?\s*[)）]"
                    # '(run time vs planned)', '（良品/总数）': how the figure is reckoned, in brackets
                    r"|[(（][^()（）]{1,30}?(?:\bvs\.?|\bversus\b|\bdivided\s+by\b|\bover\b|/|÷|除以)[^()（）]{1,30}[)）]"
                    # '，按该线当月产量折算': what the figure is reckoned against, said aside
                    r"|[，,]\s*按[^，,。？?]{1,12}(?:折算|换算)"
                    # '…, by pieces?', '，按件数算': the unit the figure is reckoned in, said last
                    r"|[,;]\s*(?:counted\s+)?(?:by|in)\s+(?:pieces|pcs|piece\s+count|units)(?=\s*[?.!]*\s*$)"
                    r"|[，,]\s*按(?:件数|数量|个数)(?:算|计|来算|统计)?(?=\s*[?？。!！]*\s*$)"
                    # '(by count, not minutes)': the unit declined names no figure, and its 'not' no negation
                    r"|[,;]?\s*\bnot\s+(?:in\s+|by\s+)?(?:minutes|mins|hours|hrs|days|pieces|pcs|units|kg|kwh)\b"
                    # '在做年度复盘，', 'Putting together the monthly review:': the work it is for, said first
                    r"|^\s*(?:我们?|我这边)?(?:正在|在|要|准备|正)?(?:做|写|准备|弄|整理)[^，,。？?:：]{0,8}"
                    r"(?:复盘|总结|汇报|报告|周报|月报|年报|PPT|ppt|材料|评审)\s*[，,:：]"
                    r"|^\s*(?:i'?m\s+|we'?re\s+)?(?:doing|writing|preparing|putting\s+together|working\s+on)\s+"
                    r"(?:the|a|an|our|my)\s+[a-z -]{0,24}?(?:review|report|deck|summary|presentation|retro)\s*[,:;.-]"
                    # '，要放PPT里', ', need it for the deck': where the answer goes names nothing to look up
                    # ', need the counts for the 8D', ' - quality audit next week': why it is asked, said last
                    r"|[,;]\s*(?:i\s+|we\s+)?need(?:s|ed)?\s+(?:it|them|this|these|the\s+\w+)\s+for\s+[^,.;?]{1,40}$"
                    r"|\s[-–—]\s+(?:(?:for\s+)?(?:the|our|a)\s+)?[a-z0-9 -]{0,24}"
                    r"\b(?:audit|review|meeting|deck|call|report|huddle|8d)\b[^,.;?]{0,24}[.!]?\s*$"
                    r"|[，,]\s*(?:我)?(?:要|得|准备)?(?:放|放到|放进|贴到|用在|做)"
                    r"(?:PPT|ppt|报告|周报|月报|汇报|邮件)(?:里|上|中|用)?", re.I)


# 'just the grand total, not per line', '不用按产线分': a breakdown declined is none asked. Blanked in a first
# question only: in a follow-up the words take the earlier breakdown away (steps.merge_previous).
_DECLINED_BREAKDOWN = re.compile(
    r"[,;]?\s*(?:and\s+|but\s+)?\bnot\s+(?:per|by|for\s+each|broken\s+(?:down|out)\s+by|split\s+by)\s+"
    r"[^,.;?!]{1,25}?(?=\s*[,.;?!]|\s*$)"
    r"|[，,；;]?\s*(?:不用|不要|不必|无需|别)(?:按|分)[^，,。？?；;！!]{1,8}?(?:分开|拆开|分|拆|看|列)?"
    r"(?=\s*[，,。？?；;！!]|\s*$)", re.I)
# 'based on shipments, not orders': the basis named; the one declined (group 2) is no other figure
_BASIS_DECLINED = re.compile(r"(\b(?:based\s+on|counted\s+(?:on|from|by))\s+[a-z]{3,20})"
                             r"(\s*,\s*not\s+[a-z]{3,20}\b)", re.I)


def _blank_declined_basis(question: str) -> str:
    return _BASIS_DECLINED.sub(lambda m: m.group(1) + " " * len(m.group(2)), question)


def rewritten(question: str, ctx: PlanContext, vocab: Vocabulary, known: set[str]) -> tuple[str, list[tuple[str, str]]]:
    """The mended question and the (typed, read as) pairs of the typos repaired on the way."""
    question = _ASIDE.sub(lambda m: " " * len(m.group(0)), _COUNT_VERB.sub("统计下", question))
    question = _blank_declined_basis(question)
    if ctx.session.last_query is None:
        question = _DECLINED_BREAKDOWN.sub(lambda m: " " * len(m.group(0)), question)
    question = restate_limit(question, ctx.session.last_query, ctx.layer.metrics)  # 'make that 92%'
    question = limit_numbers(kind_of(uncontract(question)))  # "haven't shipped": "have not shipped"
    question = ordinal_members(question, lambda w: any(t.kind == "dimension" for t in vocab.lookup(w)))
    mended, fixes = mend_time_words(question, known)
    mended = periods_changed(up_to_today(mended), lambda words: bool(find_times(words, ctx.as_of, ctx.layer)))
    times = [t.span for t in find_times(mended, ctx.as_of, ctx.layer)]
    if (moved := period_out_of_date_words(mended, times, vocab)) != mended:
        mended, times = moved, [t.span for t in find_times(moved, ctx.as_of, ctx.layer)]
    intro = lx.SELF_INTRO.match(mended)  # 'Scheduler again.': who asks, no typo of a name to repair
    mended, typos = mend_typos(mended, ctx, vocab, known, [*times, *([intro.span()] if intro else [])])
    mended, slips = mend_spelling(mended, known)  # after the layer's names: 'suplier' is our word first
    mended = joined_verbs(lettered_member(mended, vocab), vocab)
    mended = split_compounds(mend_negated_states(blank_examples(mended, vocab), vocab), vocab)
    return predicate_first(uninvert(mended, vocab), vocab), [*fixes, *typos, *slips]


def period_out_of_date_words(text: str, times: list[tuple[int, int]], vocab: Vocabulary) -> str:
    """A period said inside the words that name a date ('原计划上周收尾的工单': 原计划…收尾 is the
    planned end) is moved before them, so the date's words are read whole: '上周原计划收尾的工单'."""
    for s, e in sorted(times, reverse=True):
        for a in range(max(0, s - 4), s):
            for b in range(e + 1, min(len(text), e + 4) + 1):
                left, right = text[a:s], text[e:b]
                if not (_CJK.fullmatch(left) and _CJK.fullmatch(right)):
                    continue
                if any(t.kind == "time_role" for t in vocab.lookup(left + right)):
                    return text[:a] + text[s:e] + left + right + text[b:]
    return text


_CJK = re.compile(r"[\u4e00-\u9fff]+")
