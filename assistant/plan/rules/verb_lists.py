"""'What products do we make in the steering family?', '我们生产哪些产品': which members of a kind, asked with
the verb that relates them to us. The verb names no figure (it would be output for 'make'): nothing asks
how many or how much, so the members are listed."""

from __future__ import annotations

import re

from assistant.plan.rules.steps import Reading

_EN = re.compile(r"\b(?:what|which)\s+(?:(?:kinds?|types?|sorts?)\s+of\s+)?(?P<kind>(?:[\w-]+\s+){0,2}?[\w-]+)\s+"
                 r"(?:do|does|did)\s+(?:we|you|they|it|our\s+[\w-]+|the\s+[\w-]+)\s+(?:\w+ly\s+)?(?P<verb>[a-z]+)\b",
                 re.I)
_ZH = re.compile(r"(?:我们|咱们|我司|公司|厂里)(?:都|一共|总共|现在|目前)?(?P<verb>[\u4e00-\u9fff]{1,2}?)(?:了|过)?"
                 r"(?:哪些|哪几种|哪几款|哪几个|什么样的|什么)(?P<kind>[\u4e00-\u9fff]{1,8})")
_AMOUNT = re.compile(r"\bhow\s+(?:many|much|often|long)\b|\b(?:most|least|fewest|total|volumes?|amounts?|numbers?"
                     r"|quantit(?:y|ies)|qty|counts?|per|share|percent(?:age)?|rate)\b|%"
                     r"|多少|几[个件台次批]|最多|最少|总共多少|数量|产量|占比|比例|排名|排行|率", re.I)


def members_by_verb(r: Reading, text: str) -> None:
    """Drop the figure (or the left-over verb) a 'which kind do we VERB' question was read with."""
    if _AMOUNT.search(text):
        return
    parsed = r.parsed
    found = _EN.search(text) or _ZH.search(text)
    if found is None:
        return
    kind_s, kind_e = found.span("kind")
    if not any(kind_s <= s < kind_e for s, _e in parsed.dim_words.values()):
        return
    verb_s, verb_e = found.span("verb")
    inside = [m for m, (s, e) in parsed.metric_spans.items() if verb_s <= s and e <= verb_e + 1]
    if len(inside) != len(parsed.metrics):
        return  # another figure was named elsewhere: it is asked
    for m in inside:
        parsed.metrics.remove(m)
        parsed.metric_spans.pop(m, None)
    if r.shapes.listing is None:  # 'what … do we': asked like 'which'
        r.shapes.listing = (found.start(), found.start("kind"))
    verb = found.group("verb").lower()

    def of_verb(word: str) -> bool:  # '做' of '都做'
        return word.lower() == verb or (not word.isascii() and word in verb)

    r.leftover.ordinary = [w for w in r.leftover.ordinary if not of_verb(w)]
    r.leftover.names = [w for w in r.leftover.names if not of_verb(w)]
    r.unknown = [w for w in r.unknown if not of_verb(w)]
