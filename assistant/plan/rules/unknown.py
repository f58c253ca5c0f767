"""Words that look like the name or id of something the data does not have.

'OEE of SZ-L9-M99', 'OEE for Shanghai plant', 'Hengtai的准时交付率' (an unknown short name):
answering for everything instead would be a guess, so the planner asks instead.
"""

from __future__ import annotations

import re

from assistant.core.text import has_cjk

Span = tuple[int, int]


def unknown_member(question: str, text: str, unknown: list[str], dim_spans: list[Span]) -> str | None:
    """The first not-understood word that reads as a name: an id (letters and digits), a date
    the calendar lacks, a capitalised word mid-sentence, or a word right next to a dimension word."""
    for word in unknown:
        for m in re.finditer(re.escape(word), text):
            start, end = m.span()
            original = question[start:end]
            id_like = bool(re.search(r"[a-z]", word) and re.search(r"\d", word)) or bool(re.fullmatch(r"[\d-]+", word))
            cjk_question = has_cjk(question)
            capitalised = word.isascii() and original[:1].isupper() and (start > 0 or cjk_question)
            if start > 0 and text[start - 1].isdigit() and not word.isascii():
                id_like = True  # '苏州5号线': a numbered thing the data does not have
                start -= 1
                original = question[start:end]
            beside = any(0 <= s - end <= 2 or 0 <= start - e <= 2 for s, e in dim_spans)
            if id_like or capitalised or beside:
                return original
    return None
