"""Words said another way before anything is read: "haven't" as "have not", "what kinds of machines" as
"what machine types" (a kind of a thing is its type column, as layers name such columns)."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.vocab_build import singular


def uncontract(question: str) -> str:
    """"haven't shipped" -> "have not shipped": the 'not' is then read like any other."""
    def expand(m: re.Match[str]) -> str:
        head = m.group(1) or m.group(2)
        return {"ca": "can", "wo": "will", "sha": "shall", "ai": "is"}.get(head.lower(), head) + " not"

    return lx.CONTRACTION.sub(expand, question)


_KIND_OF = re.compile(r"\b(?:what|which)\s+(?:kinds?|types?|sorts?)\s+of\s+"
                      # two words when the second is a plural noun ('customer complaints came in'), not a verb
                      # ('machine breaks down', 'equipment draws the most')
                      r"((?:[a-z]+\s+(?=[a-z]+s\b(?!\s+(?:the|a|an|down|up|out|most|more|less|least|fewest|off"
                      r"|its|their)\b))(?!(?:is|was|does|has|runs|makes|goes|gets)\b))?[a-z]+)\b", re.I)


def kind_of(question: str) -> str:
    """'what kinds of machines are on line 4' -> 'what machine types are on line 4', 'what kinds of customer
    complaints came in' -> 'what customer complaint types came in': a kind of a thing is its type column,
    named as the layer names such columns ('machine type')."""
    # 'which kind of machine' asks for one type, 'what kinds of machines' for several
    def typed(m: re.Match[str]) -> str:
        many = m.group(0).split()[1].lower().endswith("s")
        return f"{m.group(0).split()[0]} {singular(m.group(1)) or m.group(1)} {'types' if many else 'type'}"

    return _KIND_OF.sub(typed, question)


_WORD_NUMBERS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10", "a single": "1"}
# 'at least one lot rejected', 'more than two breakdowns': the limit in figures, read like 'at least 1'
_LIMIT_WORD_NUMBER = re.compile(r"\b(at\s+least|at\s+most|more\s+than|fewer\s+than|less\s+than|no\s+more\s+than"
                                r"|no\s+fewer\s+than)\s+(" + "|".join(_WORD_NUMBERS) + r")\b", re.I)


def limit_numbers(question: str) -> str:
    """Number words after a limit's words written as figures ('what part of' as 'what share of': a share,
    not a part number); the rest of the question as it was."""
    question = _PART_OF.sub(lambda m: f"{m.group(1)} share of", question)
    return _LIMIT_WORD_NUMBER.sub(lambda m: f"{m.group(1)} {_WORD_NUMBERS[m.group(2).lower()]}", question)


_PART_OF = re.compile(r"\b(what|which|how\s+big\s+a)\s+part\s+of\b", re.I)


_ORDINALS = {"first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "seventh": "7",
             "eighth": "8", "ninth": "9", "tenth": "10"}
# "SZ's fourth line", '第四条线': a numbered thing said by its rank. Not periods ('the second half', 'third
# quarter', 'first week'): the time words read those.
_ORDINAL_NOUN = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\s+(?!(?:half|quarter|week|month|year|day|time"
                           r"|largest|biggest|highest|lowest|worst|best|most|least)s?\b)([a-z]{3,})\b", re.I)


def ordinal_members(question: str, is_kind: Callable[[str], bool]) -> str:
    """'fourth line' -> 'line 4' when the noun is a kind's word (`is_kind`): the members are numbered that way."""
    return _ORDINAL_NOUN.sub(lambda m: f"{m.group(2)} {_ORDINALS[m.group(1).lower()]}"
                             if is_kind(m.group(2).lower()) else m.group(0), question)
