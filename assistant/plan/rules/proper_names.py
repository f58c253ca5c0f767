"""Chinese names the data does not have, said of one of its things: '海天那台注塑机' (a maker's name before a
machine type) names which machine is meant; answering for every injection press would answer another question.

English names stand out by their capital letter; Chinese has none, so jieba's part-of-speech tags say
which unknown words are proper nouns (nz: other proper noun, nt: organisation). Person and place tags are left
out: jieba gives them to everyday words too ('谢谢', '东西')."""

from __future__ import annotations

import re

from assistant.core.text import zh_word_tags
from assistant.plan.rules.messages import clarify
from assistant.plan.rules.spans import Span
from assistant.plan.types import Plan

_PROPER_TAGS = frozenset({"nz", "nt"})
# what may stand between the name and the thing: a demonstrative, a measure word, 的 ('海天那台', '海天的')
_BETWEEN = re.compile(r"(?:[那这哪]?一?[台个家条批位款种部]|的)?")


def proper_name_before(text: str, words: list[str], term_spans: list[Span]) -> tuple[str, str] | None:
    """The first unknown Chinese proper noun right before a term of the layer (a member or a kind), with
    the term's words."""
    starts = {s: e for s, e in term_spans}
    for word in words:
        if word.isascii() or not _proper_noun(word):
            continue
        for m in re.finditer(re.escape(word), text):
            between = _BETWEEN.match(text, m.end())
            if between is not None and between.end() in starts:
                return word, text[between.end():starts[between.end()]]
    return None


def _proper_noun(word: str) -> bool:
    tags = zh_word_tags(word)
    return len(tags) == 1 and tags[0] in _PROPER_TAGS


def which_one_named(planner: str, lang: str, name: str, thing: str) -> Plan:
    """Ask which of the things is meant: the name is not in the data, and all of them is another question."""
    msg = (f"数据里没有“{name}”这个名称，无法确定是哪个“{thing}”。请用数据里的编号或名称再问一次，"
           f"或者去掉“{name}”，按全部{thing}来问。" if lang == "zh" else
           f"I can't find '{name}' in the data, so I can't tell which {thing} you mean. Ask again with its id "
           f"or its name in the data, or without '{name}' for all of them.")
    return clarify(planner, msg, [], not_understood=[name])
