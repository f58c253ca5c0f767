"""Text a language model wrote, made safe to show: the app renders it as markdown, chat bots will too.

A model's `message` is the one piece of its answer shown as written. Whatever the question or
the retrieved data led it to write, it must not make the reader's browser or chat client fetch
something (an image: a tracking pixel), send the reader elsewhere (a link to another host), carry
markup (raw HTML), drive a terminal (control characters, bidirectional overrides) or flood the
screen (a megabyte of text).

`safe_text` keeps the words: a link becomes its text, an image, a tag and a bare web address
disappear, and the result is cut to `MAX_MESSAGE_CHARS` ending in an ellipsis. Every pattern is
bounded and at most four times the limit is read, so a hostile message costs little time.
"""

from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 2000
_ROUNDS = 4  # a removal can reveal another construct ('[![x](a)](b)'): a few rounds undo the nesting

# C0 and C1 controls (tab and line breaks kept), zero-width characters and bidirectional overrides
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_BLOCK = re.compile(r"<(script|style|iframe|object|embed|svg|math)\b[^>]{0,2000}>.{0,20000}?</\1\s*>", re.I | re.S)
_COMMENT = re.compile(r"<!--.{0,20000}?(?:-->|\Z)", re.S)
_TAG = re.compile(r"</?[a-z][a-z0-9:-]{0,40}(?:\s[^<>]{0,2000})?/?>|<[!?][^<>]{0,2000}>", re.I)
_AUTOLINK = re.compile(r"<[a-z][a-z0-9+.\-]{1,31}:[^<>\s]{0,2000}>", re.I)  # <https://...>, <mailto:...>
_TARGET = r"(?:\([^()\n]{0,2000}(?:\([^()\n]{0,2000}\)[^()\n]{0,2000}){0,5}\)|\[[^\[\]\n]{0,300}\])"
_IMAGE = re.compile(r"!\[[^\[\]\n]{0,300}\]" + _TARGET)  # ![alt](url "title"), ![alt][ref]
_LINK = re.compile(r"\[([^\[\]\n]{0,300})\]" + _TARGET)  # [text](url), [text][ref]
_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\[\]\n]{1,300}\]:[^\n]{0,2000}$", re.M)  # [ref]: https://...
_BARE_URL = re.compile(r"\b(?:[a-z][a-z0-9+.\-]{1,20}://|www\.)[^\s<>\"'`()\[\]]{1,2000}"
                       r"|\b(?:javascript|vbscript|data|file):[^\s<>\"'`()\[\]]{1,2000}", re.I)
_LINK_OPENER = re.compile(r"\][ \t]{0,20}([(\[])")  # '](' or '][' the patterns could not read


def safe_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` without images, link targets, raw HTML or control characters, at most `limit` long."""
    out = text[: 4 * max(limit, 1)].replace("\r\n", "\n").replace("\r", "\n")
    out = _CONTROL.sub("", out)
    for _ in range(_ROUNDS):
        before = out
        for pattern in (_BLOCK, _COMMENT, _AUTOLINK, _TAG, _IMAGE, _DEFINITION, _BARE_URL):
            out = pattern.sub("", out)
        out = _LINK.sub(r"\1", out)
        if out == before:
            break
    out = _LINK_OPENER.sub(r"] \1", out).strip()  # a space between: never a link or an image again
    return out if len(out) <= limit else out[: limit - 1].rstrip() + "…"
