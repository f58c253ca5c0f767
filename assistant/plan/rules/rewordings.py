"""Words said another way before anything is read: "haven't" as "have not", "what kinds of machines" as
"what machine types" (a kind of a thing is its type column, as layers name such columns)."""

from __future__ import annotations

import re

from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.vocab_build import singular


def uncontract(question: str) -> str:
    """"haven't shipped" -> "have not shipped": the 'not' is then read like any other."""
    def expand(m: re.Match[str]) -> str:
        head = m.group(1) or m.group(2)
        return {"ca": "can", "wo": "will", "sha": "shall", "ai": "is"}.get(head.lower(), head) + " not"

    return lx.CONTRACTION.sub(expand, question)


_KIND_OF = re.compile(r"\b(?:what|which)\s+(?:kinds?|types?|sorts?)\s+of\s+"
                      r"((?:[a-z]+\s+(?=[a-z]+s\b)(?!(?:is|was|does|has|runs|makes|goes|gets)\b))?[a-z]+)\b", re.I)


def kind_of(question: str) -> str:
    """'what kinds of machines are on line 4' -> 'what machine types are on line 4', 'what kinds of customer
    complaints came in' -> 'what customer complaint types came in': a kind of a thing is its type column,
    named as the layer names such columns ('machine type')."""
    # 'which kind of machine' asks for one type, 'what kinds of machines' for several
    def typed(m: re.Match[str]) -> str:
        many = m.group(0).split()[1].lower().endswith("s")
        return f"{m.group(0).split()[0]} {singular(m.group(1)) or m.group(1)} {'types' if many else 'type'}"

    return _KIND_OF.sub(typed, question)
