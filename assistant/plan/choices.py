"""The options of a clarify answer: what a person picks from, and the question each pick asks.

Every option is a dict ``{"label", "question", "value"}``, the same on every surface:

- ``label``: what the option is, in the answer's language ("LOT-20251107-0014 · 2025-11-07 ·
  Hengtai Metals · Conditional", "Ningbo Line 3");
- ``question``: the question again with the pick written into it; asking it answers the pick
  (the chat's button asks it, the CLI asks it for the number typed);
- ``value``: the bare candidate (an id, a member key; ``ALL`` for "all of them"), for pickers.

The pipeline puts them on the Answer as ``extras["choices"]`` (``suggestions`` holds the same
questions, ``extras["options"]`` the bare values); ``factory-assistant ask --json`` prints them as
``options``.
"""

from __future__ import annotations

import re

from assistant.core.text import fold, has_cjk, key
from assistant.plan.trace.mentions import find_all
from assistant.plan.types import Plan

ALL = "*"  # the value of the option that takes every candidate
_END = re.compile(r"[\s?？.!！。]*$")
_NUMBER = re.compile(r"(?:#|no\.?\s*|第)?\s*(\d{1,2})\s*(?:个|项|条|号)?")
_EVERY = {"all", "all of them", "both", "every one", "everything", "全部", "所有", "都要", "全都要", "都"}
_REPLY_CHARS = 40  # a reply that picks an option is a few words; a longer text is a new question


def choice(label: str, question: str, value: str) -> dict[str, str]:
    return {"label": label, "question": question, "value": value}


def clarify(planner: str, message: str, choices: list[dict[str, str]], *,
            not_understood: list[str] | None = None) -> Plan:
    """A clarify plan whose options are `choices` (their questions are also its suggestions)."""
    return Plan(kind="clarify", planner=planner, message=message, suggestions=[c["question"] for c in choices],
                choices=choices, not_understood=list(not_understood or []))


def _occurrence(question: str, form: str, index: int) -> tuple[int, int] | None:
    """The span of the `index`-th occurrence of `form` in `question` (matched folded), if any."""
    spans = list(find_all(fold(question), fold(form)))
    if not spans:
        return None
    return spans[min(index, len(spans) - 1)]


def replace_words(question: str, form: str, index: int, text: str) -> str:
    """`question` with the `index`-th occurrence of `form` replaced by `text` ("line 3" -> "Ningbo Line 3")."""
    span = _occurrence(question, form, index)
    if span is None:
        return append(question, text)
    return question[:span[0]] + text + question[span[1]:]


def insert_after(question: str, form: str, index: int, text: str) -> str:
    """`question` with `text` written right after the `index`-th occurrence of `form` ("lot" -> "lot LOT-1")."""
    span = _occurrence(question, form, index)
    if span is None:
        return append(question, text)
    end = span[1]
    after = question[end:]
    glue = " " if after[:1].isalnum() else ""  # "铝材 LOT-1 做成", but "lot LOT-1?"
    return question[:end] + " " + text + glue + after


def append(question: str, text: str) -> str:
    """`text` at the end of the question, before its closing punctuation."""
    body = _END.sub("", question)
    tail = question[len(body):].strip()
    if not tail:
        tail = "？" if has_cjk(question) else "?"
    return f"{body} {text}{tail}"


def reply_to(reply: str, choices: list[dict[str, str]]) -> dict[str, str] | None:
    """The option a short reply to a clarify answer picks: its number ('2', '第2个'), its value
    ('NB-L3', 'LOT-20250904-0013'), its label or a piece of the label only it holds ('Ningbo',
    '宁波'), or 'all' / '全部' for the option that takes every candidate. None: a new question."""
    said = key(reply).strip(" ?？.。!！,，")
    if not said or not choices or len(said) > _REPLY_CHARS:
        return None
    number = _NUMBER.fullmatch(said)
    if number:
        index = int(number.group(1))
        return choices[index - 1] if 1 <= index <= len(choices) else None
    if said in _EVERY:
        return next((c for c in choices if c["value"] == ALL), None)
    for fits in (lambda c: said in (key(c["value"]), key(c["label"])),
                 lambda c: len(said) >= 2 and (said in key(c["label"]) or said in key(c["value"]))):
        found = [c for c in choices if c["value"] != ALL and fits(c)]
        if len(found) == 1:
            return found[0]
        if found:
            return None  # several options hold it: still not one
    return None
