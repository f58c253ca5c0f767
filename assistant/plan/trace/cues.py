"""Language cues of traceability questions, English and Simplified Chinese.

These are ordinary words about tracing (trace, come from, which, 追溯, 哪些...). What is
being traced (lots, batches, customers, their ids and names) comes only from the
semantic layer's genealogy and the value catalogue.
"""

from __future__ import annotations

import re

# Words that make a question a trace on their own (with one node named).
STRONG = {
    "en": ["trace", "traces", "traced", "tracing", "traceability", "trace back", "genealogy", "track down",
           "where used", "where-used", "full history", "chain of custody"],
    "zh": ["追溯", "溯源", "追踪", "跟踪", "谱系", "去向", "流向", "来龙去脉", "全链路"],
}
# Upstream: where did it come from.
BACKWARD = {
    "en": ["come from", "came from", "comes from", "coming from", "originate", "originated", "origin of",
           "source of", "sourced", "upstream", "supplied by", "what went into", "went into it"],
    "zh": ["来自", "来源", "从哪", "哪来", "出自", "上游", "溯源", "用了", "用到", "使用了", "用的是"],
}
# Downstream: where did it go.
FORWARD = {
    "en": ["go to", "went to", "goes to", "gone to", "ended up", "end up", "downstream", "where did it go",
           "shipped to", "delivered to", "sent to", "who received", "who got", "go", "went", "gone"],
    "zh": ["去向", "流向", "下游", "发到", "发给", "发往", "去了哪", "去哪", "流到", "到了哪", "发出去", "发走"],
}
# Verbs that link two named things ("batches made with lot X", "customers that received").
RELATION = {
    "en": ["used", "use", "uses", "using", "made with", "made from", "made of", "built with", "built from",
           "produced with", "produced from", "made on", "made in", "made at", "made by", "produced on",
           "produced in", "built on", "built in", "went into", "go into", "goes into", "contain", "contains",
           "contained", "containing", "consumed", "received", "receive", "receiving", "got", "get", "gets",
           "shipped", "delivered", "affected", "impacted", "related to", "linked to", "involved", "involving",
           "exposed", "exposure", "include", "included", "includes", "from",
           # consequences ("complaints the lot led to"): they link two named things, in either direction
           "led to", "lead to", "leads to", "leading to", "caused", "cause", "causes", "resulted in",
           "result in", "results in", "triggered", "gave rise to"],
    "zh": ["用了", "用到", "使用", "用的", "含有", "包含", "投入", "做成", "做的", "制成", "生产的", "发给",
           "发到", "发往", "收到", "流到", "相关", "涉及", "影响", "波及", "关联", "来自", "到了", "出自",
           "做出", "造的", "引发", "导致", "引起", "造成", "产生",
           "上了", "上到", "用在", "投到", "投在", "投用到", "消耗", "用掉", "用完", "投料", "投入到"],
}
WHICH = {
    "en": ["which", "what", "list", "list all", "show", "show me", "find", "give me", "name the", "all the"],
    "zh": ["哪些", "哪个", "哪家", "哪几个", "哪几家", "哪几", "什么", "哪批", "哪"],
}
WHO = {"en": ["who"], "zh": ["谁"]}  # "who received ..." asks for the genealogy's notify node
FILLER_EN = {"of", "the", "our", "all", "these", "those", "any", "other", "affected", "exposed", "impacted",
             "distinct", "different", "individual", "specific", "were", "are", "did", "have", "has"}
DEMONSTRATIVE = {
    "en": ["this", "that", "these", "those", "the same", "said", "its", "their"],
    "zh": ["这个", "这些", "该", "此", "那个", "那些", "这批", "那批", "该批", "上述", "同一", "这一"],
}
SINGULAR_ZH = ["这批", "那批", "该批", "这个", "那个", "该", "此", "这一", "那一"]
ARTICLES_EN = {"the", "a", "an", "that", "this", "its", "their"}
# How many of the matching records are meant, when no id is given (see trace/number.py).
LATEST_EN = re.compile(r"\b(?:latest|newest|most recent(?:ly)?|last)\b")
LATEST_ZH = re.compile(r"最新|(?:最近|最后)[^，,。？?！!]{0,6}?[一那这](?:批|个|次|张|单)")
ALL_EN = re.compile(r"\b(?:all|every|each|any|both)\b")
ALL_ZH = re.compile(r"所有|全部|一切|历次|各批|每批|每一批|这些|那些|这几批|那几批|各个|每个")
# "(all of them)", "（全部）": what the 'all' option of a clarify answer adds to the question.
ALL_OF_THEM = re.compile(r"\(\s*(?:all(?: of them)?|全部)\s*\)")
AFTER_EN = re.compile(r"(?:\bafter|\blater than|\bfollowing)\s*$")
BEFORE_EN = re.compile(r"(?:\bbefore|\bprior to|\bearlier than)\s*$")
AFTER_ZH = re.compile(r"^\s*(?:之后|以后|后)")
BEFORE_ZH = re.compile(r"^\s*(?:之前|以前|前)")


def phrases(table: dict[str, list[str]]) -> list[str]:
    return [*table["en"], *table["zh"]]
