"""Answers for input the pipeline will not read at all: a question too long to be one.

Planning cost grows with a question's length and a pasted document is not a question, so every
surface (app, CLI, Python API, bots) gets the same clear refusal before any planning starts.
"""

from __future__ import annotations

from assistant.core.text import question_lang
from assistant.explain.answer import Answer


def too_long(question: str, limit: int) -> Answer | None:
    """A refusal naming the limit when `question` is longer than `limit` characters; else None."""
    if len(question) <= limit:
        return None
    head = question[:2000]  # enough to tell the language; never scan a pasted megabyte
    lang = question_lang(head)
    if lang == "zh":
        message = f"问题太长（{len(question):,} 个字符），最多可读 {limit:,} 个字符。请用一两句话提问。"
    else:
        message = (f"That question is too long ({len(question):,} characters); I read up to {limit:,}. "
                   "Ask in a sentence or two.")
    return Answer(question[:limit] + "…", "refused", message, lang=lang)
